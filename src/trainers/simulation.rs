//! Running a simulation: the reading order, the trainer's packer, the
//! check of its plan, and the figures of the result.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::numbers::thousands;
use crate::random::SplitMix64;

use super::axolotl;
use super::llamafactory;
use super::llm_foundry;
use super::nemo::{self, NemoOrder};
use super::padding_free::{self, StepTokens};
use super::plan::{Accounting, SamplerEpoch, TrainerPlan, UnsoundTrainerPlan};
use super::settings::{DatasetOrder, PackingRatio, Trainer, TrainerSettings};
use super::torchtune;
use super::trl;

/// Why a simulation cannot run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "error")]
pub enum TrainerError {
    /// `max_len` is 0: rows must hold at least one token.
    ZeroMaxLen,
    /// A map batch of 0 rows: give at least 1 (TRL's default is 1,000).
    ZeroMapBatchRows,
    /// axolotl's group or bin size is 0: give at least 1 (its defaults
    /// are 100,000 and 200).
    ZeroGroupOrBin,
    /// A batch of 0 rows: give at least 1.
    ZeroBatchSize,
    /// NeMo seeds NumPy, whose seeds are below 2^32.
    SeedTooLargeForNumpy {
        /// The seed given.
        seed: u64,
    },
    /// llm-foundry's `packing_ratio` is below 1 (or not a number): give 1
    /// (no packing) or more, or `auto`.
    PackingRatioBelowOne {
        /// The ratio given.
        ratio: f64,
    },
    /// LLaMA-Factory packs into `cutoff_len − 1` tokens: a max_len of 1
    /// leaves none. Give at least 2.
    NoRoomBesidesPadding,
    /// A padding-free step of `batch_size` sequences of up to `max_len`
    /// tokens holds more tokens than a simulation counts in a row (2^32).
    StepTooLong {
        /// Tokens per sequence at most.
        max_len: u32,
        /// Sequences per step.
        batch_size: u32,
    },
    /// More sequences than a simulation reads ([`MAX_SIMULATED_SEQUENCES`]):
    /// simulate a part of the dataset, or (in the page) use the command
    /// line.
    TooManySequences {
        /// Sequences given.
        sequences: u64,
    },
    /// A simulation's plan failed its own check: a bug in Packlab.
    Unsound {
        /// The trainer simulated.
        trainer: Trainer,
        /// What the check found.
        problem: UnsoundTrainerPlan,
    },
}

impl fmt::Display for TrainerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrainerError::ZeroMaxLen => f.write_str("max_len is 0: rows must hold at least one token"),
            TrainerError::ZeroMapBatchRows => f.write_str(
                "the map batch is 0 rows: give at least 1 (datasets.map's default is 1000)",
            ),
            TrainerError::ZeroGroupOrBin => f.write_str(
                "axolotl's group size and bin size must be at least 1 (its defaults are 100000 and 200)",
            ),
            TrainerError::ZeroBatchSize => f.write_str("the batch size is 0: give at least 1"),
            TrainerError::SeedTooLargeForNumpy { seed } => write!(
                f,
                "seed {seed}: NeMo seeds NumPy, which takes seeds below 4294967296"
            ),
            TrainerError::PackingRatioBelowOne { ratio } => write!(
                f,
                "packing ratio {ratio}: give 1 (no packing) or more, or auto"
            ),
            TrainerError::NoRoomBesidesPadding => f.write_str(
                "LLaMA-Factory packs into cutoff_len - 1 tokens: a max_len of 1 leaves none; give at least 2",
            ),
            TrainerError::StepTooLong { max_len, batch_size } => write!(
                f,
                "a padding-free step of {batch_size} sequences of up to {max_len} tokens may hold more than 4,294,967,295 tokens: give a smaller batch size or max_len"
            ),
            TrainerError::TooManySequences { sequences } => write!(
                f,
                "{} sequences: {}",
                thousands(*sequences),
                TOO_MANY_SEQUENCES
            ),
            TrainerError::Unsound { trainer, problem } => write!(
                f,
                "the simulation of {trainer} made an unsound plan ({problem}); this is a bug in Packlab, please report it"
            ),
        }
    }
}

impl std::error::Error for TrainerError {}

/// The most sequences a simulation reads: natively, as many as its `u32`
/// indices count; in the page, what fits a WebAssembly memory (4 GiB) with
/// room to spare: a simulation peaks at about 100 bytes a sequence
/// (TRL's wrapping of 16 million sequences grows it to 1.6 GB).
#[cfg(not(target_arch = "wasm32"))]
pub const MAX_SIMULATED_SEQUENCES: u64 = 1 << 32;
/// The most sequences a simulation reads: natively, as many as its `u32`
/// indices count; in the page, what fits a WebAssembly memory (4 GiB) with
/// room to spare: a simulation peaks at about 100 bytes a sequence
/// (TRL's wrapping of 16 million sequences grows it to 1.6 GB).
#[cfg(target_arch = "wasm32")]
pub const MAX_SIMULATED_SEQUENCES: u64 = 24_000_000;

/// What to do with more sequences than that, in words.
#[cfg(not(target_arch = "wasm32"))]
const TOO_MANY_SEQUENCES: &str =
    "a trainer simulation reads at most 4,294,967,296; simulate a part of the dataset";
#[cfg(target_arch = "wasm32")]
const TOO_MANY_SEQUENCES: &str = "the page simulates a trainer on at most 24,000,000; \
     `packlab pack FILE --algorithm <trainer>` on this machine simulates the whole dataset";

/// The rows `trainer` makes of a dataset whose sequences have `lengths`
/// (in dataset order: `lengths[i]` is sequence `i`), at `settings`. The
/// plan is checked before it is returned: every token of every sequence
/// is packed once or counted as lost, and no row is longer than max_len.
///
/// # Errors
///
/// [`TrainerError::ZeroMaxLen`] and [`TrainerError::ZeroMapBatchRows`] for
/// settings that cannot be simulated; [`TrainerError::Unsound`] if the
/// check fails, which is a bug.
pub fn simulate(
    trainer: Trainer,
    lengths: &[u32],
    settings: &TrainerSettings,
) -> Result<TrainerPlan, TrainerError> {
    if settings.max_len == 0 {
        return Err(TrainerError::ZeroMaxLen);
    }
    if settings.map_batch_rows == 0 {
        return Err(TrainerError::ZeroMapBatchRows);
    }
    if trainer == Trainer::Llamafactory && settings.max_len < 2 {
        return Err(TrainerError::NoRoomBesidesPadding);
    }
    if settings.group_size == 0 || settings.bin_size == 0 {
        return Err(TrainerError::ZeroGroupOrBin);
    }
    if settings.batch_size == 0 {
        return Err(TrainerError::ZeroBatchSize);
    }
    if let PackingRatio::Fixed(ratio) = settings.packing_ratio {
        if !(ratio.is_finite() && ratio >= 1.0) {
            return Err(TrainerError::PackingRatioBelowOne { ratio });
        }
    }
    if lengths.len() as u64 > MAX_SIMULATED_SEQUENCES {
        return Err(TrainerError::TooManySequences {
            sequences: lengths.len() as u64,
        });
    }
    // A padding-free row is a step of `batch_size` sequences.
    let row_tokens =
        match trainer {
            Trainer::PaddingFree => settings.max_len.checked_mul(settings.batch_size).ok_or(
                TrainerError::StepTooLong {
                    max_len: settings.max_len,
                    batch_size: settings.batch_size,
                },
            )?,
            _ => settings.max_len,
        };
    let order = reading_order(lengths, settings.order);
    let seed = settings.seed.unwrap_or(trainer.default_seed());
    let plan = match trainer {
        Trainer::TrlBfd => trl::pack(lengths, &order, settings, trl::Overflow::Truncate),
        Trainer::TrlBfdSplit => trl::pack(lengths, &order, settings, trl::Overflow::Split),
        Trainer::TrlWrapped => trl::wrap(lengths, &order, settings),
        Trainer::Torchtune => torchtune::pack(lengths, &order, settings.max_len, false),
        Trainer::TorchtuneSplit => torchtune::pack(lengths, &order, settings.max_len, true),
        Trainer::Llamafactory => llamafactory::pack(lengths, &order, settings),
        Trainer::LlmFoundry => {
            // The loader's shuffle of the dataset's order.
            let mut sampled = order;
            SplitMix64::new(seed).shuffle(&mut sampled);
            llm_foundry::pack(
                lengths,
                &sampled,
                settings.max_len,
                settings.batch_size,
                settings.packing_ratio,
            )
        }
        Trainer::NemoFfd | Trainer::NemoFfs => {
            let fit_order = if trainer == Trainer::NemoFfd {
                NemoOrder::Decreasing
            } else {
                NemoOrder::Shuffle
            };
            let seed =
                u32::try_from(seed).map_err(|_| TrainerError::SeedTooLargeForNumpy { seed })?;
            nemo::pack(lengths, &order, settings.max_len, fit_order, seed)
        }
        Trainer::PaddingFree => {
            // The Trainer's sampler shuffles the dataset's order.
            let mut sampled = order;
            SplitMix64::new(seed).shuffle(&mut sampled);
            padding_free::flatten(
                lengths,
                &sampled,
                settings.max_len,
                settings.batch_size,
                row_tokens,
            )
        }
        Trainer::Axolotl | Trainer::AxolotlSequential => {
            // The sampler's own shuffles of the dataset's order.
            let (max_len, batch_size) = (settings.max_len, settings.batch_size);
            axolotl::epoch(&order, seed, max_len, batch_size, |sampled| {
                if trainer == Trainer::Axolotl {
                    axolotl::pack(
                        lengths,
                        sampled,
                        max_len,
                        settings.group_size,
                        settings.bin_size,
                    )
                } else {
                    axolotl::pack_sequentially(lengths, sampled, max_len)
                }
            })
        }
    };
    plan.validate(lengths, row_tokens)
        .map_err(|problem| TrainerError::Unsound { trainer, problem })?;
    Ok(plan)
}

/// A trainer's packing in figures: what `packlab pack --algorithm
/// <trainer> --json` reports besides the rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainerReport {
    /// The trainer simulated.
    pub algorithm: Trainer,
    /// The library, version and code modelled.
    pub modelled: &'static str,
    /// The settings simulated.
    pub settings: TrainerSettings,
    /// Rows the trainer makes: its packs (padding-free: its steps, each
    /// one flattened row).
    pub packs: u64,
    /// Optimizer steps per epoch at the settings' batch size: the rows
    /// in batches, the last one maybe short (padding-free: its rows).
    pub steps_per_epoch: u64,
    /// Real tokens over computed ones (`packs × max_len`; padding-free
    /// computes no padding: 1).
    pub efficiency: f64,
    /// `1 − efficiency`.
    pub padding_fraction: f64,
    /// True when sequences in a row see each other (see
    /// [`Trainer::cross_contaminates`]).
    pub cross_contaminating: bool,
    /// llm-foundry: the packing ratio its collator read at (`auto`'s
    /// choice, or the one given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packing_ratio: Option<f64>,
    /// axolotl: what its sampler makes of the epoch (the bins it trains,
    /// those it leaves out, the estimates it logs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sampler: Option<SamplerEpoch>,
    /// Padding-free: the tokens of each step, which vary with the
    /// lengths drawn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens_per_step: Option<StepTokens>,
    /// Tokens packed, truncated and dropped; sequences split.
    #[serde(flatten)]
    pub accounting: Accounting,
}

impl TrainerReport {
    /// The figures of `plan`, made by `trainer` at `settings`.
    pub fn new(trainer: Trainer, settings: &TrainerSettings, plan: &TrainerPlan) -> Self {
        let rows = plan.rows() as u64;
        let padding_free = trainer == Trainer::PaddingFree;
        let efficiency = if padding_free { 1.0 } else { plan.efficiency() };
        TrainerReport {
            algorithm: trainer,
            modelled: trainer.modelled(),
            settings: *settings,
            packs: rows,
            steps_per_epoch: match (&plan.sampler_epoch, padding_free) {
                (_, true) => rows,
                // axolotl trains the loader's length, not every bin.
                (Some(sampler), _) => sampler
                    .loader_batches
                    .div_ceil(u64::from(settings.batch_size.max(1))),
                (None, false) => rows.div_ceil(u64::from(settings.batch_size.max(1))),
            },
            efficiency,
            padding_fraction: 1.0 - efficiency,
            cross_contaminating: trainer.cross_contaminates(),
            packing_ratio: plan.packing_ratio,
            sampler: plan.sampler_epoch.clone(),
            tokens_per_step: if padding_free {
                StepTokens::of(plan)
            } else {
                None
            },
            accounting: plan.accounting,
        }
    }
}

/// The indices of the sequences in the order the trainer reads them
/// (`lengths` has at most 2^32 sequences).
fn reading_order(lengths: &[u32], order: DatasetOrder) -> Vec<u32> {
    let mut indices: Vec<u32> = (0..=u32::MAX).take(lengths.len()).collect();
    match order {
        DatasetOrder::AsGiven => {}
        DatasetOrder::Shuffled { seed } => SplitMix64::new(seed).shuffle(&mut indices),
        // Stable: ties keep the order given.
        DatasetOrder::SortedByLength => indices.sort_by_key(|&index| lengths[index as usize]),
    }
    indices
}
