//! What `pack` and `compare` share for trainers: the sequences in their
//! order, the trainer's settings from the arguments, and a trainer's
//! window in words.

use std::io::{self, Read};

use packlab::input::{read_lengths_in_order, InputErrorKind};
use packlab::numbers::thousands;
use packlab::trainers::{
    DatasetOrder, PackingRatio, Trainer, TrainerError, TrainerSettings, DEFAULT_SEED,
};
use packlab::LengthCounts;

use crate::shared::{open, read_inputs, report_notes, Failure};
use crate::{InputArgs, TrainerArgs};

/// `--order`: the order a trainer reads the sequences in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OrderArg {
    /// The files' order, one file after another.
    AsGiven,
    /// A random order, drawn from `--seed`.
    Shuffled,
    /// Shortest first, as a dataset sorted by length.
    Sorted,
}

/// The sequences to simulate a trainer on.
pub struct Sequences {
    /// Their lengths, in file order, or shortest first if `ordered` is
    /// false.
    pub lengths: Vec<u32>,
    /// True for files of per-sequence lengths; false for a histogram or a
    /// preset, which hold no order.
    pub ordered: bool,
    /// The same sequences as counts: what Packlab's packers read.
    pub counts: LengthCounts,
}

pub fn lengths_in_order(input: &InputArgs) -> Result<Sequences, Failure> {
    let options = input.read_options();
    let mut lengths: Vec<u32> = Vec::new();
    let mut counts = LengthCounts::new();
    let mut ordered = input.preset.is_none();
    for path in &input.files {
        let name = path.display().to_string();
        let read = if name == "-" {
            let mut bytes = Vec::new();
            io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .map_err(|error| Failure::Input(format!("<stdin>: cannot read: {error}")))?;
            read_lengths_in_order("<stdin>", &bytes[..], &options)
        } else {
            read_lengths_in_order(&name, open(path)?, &options)
        };
        match read {
            Ok(read) => {
                report_notes(&read.stats.notes);
                lengths.extend(read.lengths);
                counts
                    .merge(&read.counts)
                    .map_err(|error| Failure::Input(format!("{name}: {error}")))?;
            }
            Err(error) if error.kind == InputErrorKind::HistogramHasNoOrder => ordered = false,
            Err(error) => return Err(Failure::Input(error.to_string())),
        }
    }
    if ordered {
        return Ok(Sequences {
            lengths,
            ordered,
            counts,
        });
    }
    // A histogram or a preset: every sequence, shortest first.
    let counts = read_inputs(input)?;
    let mut lengths: Vec<u32> = Vec::new();
    for (length, count) in counts.iter() {
        let length = u32::try_from(length).unwrap_or(u32::MAX);
        let count = usize::try_from(count).map_err(|_| too_many(count))?;
        lengths
            .try_reserve(count)
            .map_err(|_| too_many(count as u64))?;
        lengths.extend(std::iter::repeat_n(length, count));
    }
    Ok(Sequences {
        lengths,
        ordered,
        counts,
    })
}

fn too_many(sequences: u64) -> Failure {
    Failure::Input(format!(
        "{sequences} sequences of one length: too many to list for a trainer simulation; give a part of the dataset"
    ))
}

/// The settings `trainer` packs `sequences` at: `max_len` (`--max-len`,
/// or the dataset's default), the trainer arguments and `seed` (`--seed`:
/// the order's, 42 by default, and the trainer's own shuffle's, the
/// trainer's default). Sequences without an order are always read
/// shuffled.
pub fn settings(
    trainer: Trainer,
    max_len: Option<u64>,
    trainer_args: &TrainerArgs,
    seed: Option<u64>,
    sequences: &Sequences,
) -> Result<TrainerSettings, Failure> {
    // Packlab's packers' default: a dense histogram's or a preset's
    // max_len, otherwise the longest sequence.
    let max_len = match max_len.or(sequences.counts.default_max_len()) {
        Some(max_len) => u32::try_from(max_len)
            .ok()
            .filter(|&max_len| max_len > 0)
            .ok_or_else(|| {
                Failure::Input(format!(
                    "max_len {max_len}: give a row length from 1 to {} (--max-len)",
                    u32::MAX
                ))
            })?,
        None => 1,
    };
    let order = match (sequences.ordered, trainer_args.order) {
        (false, _) | (true, OrderArg::Shuffled) => DatasetOrder::Shuffled {
            seed: seed.unwrap_or(DEFAULT_SEED),
        },
        (true, OrderArg::AsGiven) => DatasetOrder::AsGiven,
        (true, OrderArg::Sorted) => DatasetOrder::SortedByLength,
    };
    Ok(TrainerSettings {
        max_len,
        map_batch_rows: trainer_args.map_batch_rows,
        order,
        seed: Some(seed.unwrap_or(trainer.default_seed())),
        group_size: trainer_args.group_size,
        bin_size: trainer_args.bin_size,
        batch_size: trainer_args.batch_size,
        packing_ratio: trainer_args.packing_ratio,
    })
}

/// A simulation's error, with the exit code it deserves.
pub fn failure(error: TrainerError) -> Failure {
    match error {
        TrainerError::Unsound { .. } => Failure::Internal(error.to_string()),
        _ => Failure::Input(error.to_string()),
    }
}

/// What a trainer packs together, in words.
pub fn window(trainer: Trainer, settings: &TrainerSettings) -> String {
    match trainer {
        Trainer::TrlBfd | Trainer::TrlBfdSplit | Trainer::TrlWrapped | Trainer::Llamafactory => {
            format!(
                "each datasets.map batch of {} rows packed apart",
                thousands(u64::from(settings.map_batch_rows))
            )
        }
        Trainer::Torchtune | Trainer::TorchtuneSplit => {
            "the whole dataset, one open pack at a time".to_string()
        }
        Trainer::Axolotl => format!(
            "the sampler's shuffle (seed {}), in groups of {} samples, at most {} per bin",
            settings.seed.unwrap_or(trainer.default_seed()),
            thousands(u64::from(settings.group_size)),
            thousands(u64::from(settings.bin_size))
        ),
        Trainer::LlmFoundry => format!(
            "the loader's shuffle (seed {}), {} rows per batch, packing ratio {}, bins left over kept",
            settings.seed.unwrap_or(trainer.default_seed()),
            settings.batch_size,
            match settings.packing_ratio {
                PackingRatio::Auto => "auto".to_string(),
                PackingRatio::Fixed(ratio) => ratio.to_string(),
            }
        ),
        Trainer::NemoFfd => "the whole dataset, longest first".to_string(),
        Trainer::NemoFfs => format!(
            "the whole dataset, in NumPy's shuffle (seed {})",
            settings.seed.unwrap_or(trainer.default_seed())
        ),
        Trainer::AxolotlSequential => format!(
            "the sampler's shuffle (seed {}), one open bin at a time",
            settings.seed.unwrap_or(trainer.default_seed())
        ),
    }
}

/// `--packing-ratio`: `auto` or a number of at least 1.
pub fn parse_packing_ratio(text: &str) -> Result<PackingRatio, String> {
    if text == "auto" {
        return Ok(PackingRatio::Auto);
    }
    match text.parse::<f64>() {
        Ok(ratio) if ratio.is_finite() && ratio >= 1.0 => Ok(PackingRatio::Fixed(ratio)),
        _ => Err(format!(
            "`{text}`: give auto, or a ratio of 1 (no packing) or more"
        )),
    }
}
