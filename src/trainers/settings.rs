//! What a simulation is asked: the trainer, and the settings it packs at.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A trainer's packer, at the version Packlab models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trainer {
    /// Hugging Face TRL 1.16, `pack_dataset(..., strategy="bfd")` (what
    /// `SFTConfig(packing=True)` runs): best fit decreasing within each
    /// `datasets.map` batch, sequences over max_len truncated.
    TrlBfd,
    /// TRL 1.16, `strategy="bfd_split"`: as `trl-bfd`, but a sequence over
    /// max_len is split into pieces of max_len tokens and a remainder,
    /// each packed as a sequence of its own.
    TrlBfdSplit,
    /// TRL 1.16, `strategy="wrapped"`: each batch's tokens concatenated
    /// and cut every max_len tokens. Sequences share rows with no
    /// boundary the model can see (cross-contamination) and are cut
    /// across rows.
    TrlWrapped,
    /// torchtune 0.7, `PackedDataset` (what `packed=True` builds): next
    /// fit in dataset order, one open pack; samples truncated to
    /// `max_seq_len` by the tokenizer first, as torchtune's SFT datasets do.
    Torchtune,
    /// torchtune 0.7, `PackedDataset(split_across_pack=True)` (the
    /// text-completion datasets' default): every pack filled to exactly
    /// `max_seq_len`, a sample's rest carried to the next packs.
    TorchtuneSplit,
    /// LLaMA-Factory 0.9.6, `packing: true` (or `neat_packing`): a greedy
    /// knapsack within each `datasets.map` batch, into rows of
    /// `cutoff_len − 1` tokens padded to `cutoff_len`.
    Llamafactory,
    /// axolotl 0.18, `sample_packing: true`: first fit in the sampler's
    /// shuffled order, within groups of 100,000 samples, at most 200 per
    /// bin; samples shorter than 2 tokens or longer than max_len dropped.
    Axolotl,
    /// axolotl 0.18 with `sample_packing_sequentially: true`: next fit in
    /// the sampler's order, without groups or the cap.
    AxolotlSequential,
    /// MosaicML llm-foundry (commit 8c8dd48), `BinPackCollator`: each
    /// batch of `⌊batch_size × packing_ratio⌋` examples in the loader's
    /// shuffled order packed first fit decreasing into `batch_size` rows,
    /// the bins left over kept for the next batch.
    LlmFoundry,
    /// NeMo / Megatron-Bridge packed sequences, `first_fit_decreasing`:
    /// first fit of the lengths longest first, a sequence of `n` tokens
    /// taking `n − 1` positions.
    NemoFfd,
    /// NeMo / Megatron-Bridge, `first_fit_shuffle` (the default): first
    /// fit of the lengths in NumPy's shuffled order, seeded as
    /// Megatron-Bridge seeds it.
    NemoFfs,
    /// transformers 5.25, `DataCollatorWithFlattening` (and TRL's
    /// `padding_free=True`): no bins; each batch of `batch_size` sequences
    /// in the sampler's shuffled order flattened into one row of their
    /// summed length. Its rows are steps, and nothing is padded.
    PaddingFree,
}

impl Trainer {
    /// Every trainer, in the order Packlab lists them.
    pub const ALL: [Trainer; 12] = [
        Trainer::TrlBfd,
        Trainer::TrlBfdSplit,
        Trainer::TrlWrapped,
        Trainer::Torchtune,
        Trainer::TorchtuneSplit,
        Trainer::Llamafactory,
        Trainer::Axolotl,
        Trainer::AxolotlSequential,
        Trainer::LlmFoundry,
        Trainer::NemoFfd,
        Trainer::NemoFfs,
        Trainer::PaddingFree,
    ];

    /// The name used on the command line, in JSON and in the page.
    pub fn name(self) -> &'static str {
        match self {
            Trainer::TrlBfd => "trl-bfd",
            Trainer::TrlBfdSplit => "trl-bfd-split",
            Trainer::TrlWrapped => "trl-wrapped",
            Trainer::Torchtune => "torchtune",
            Trainer::TorchtuneSplit => "torchtune-split",
            Trainer::Llamafactory => "llamafactory",
            Trainer::Axolotl => "axolotl",
            Trainer::AxolotlSequential => "axolotl-sequential",
            Trainer::LlmFoundry => "llm-foundry",
            Trainer::NemoFfd => "nemo-ffd",
            Trainer::NemoFfs => "nemo-ffs",
            Trainer::PaddingFree => "padding-free",
        }
    }

    /// The library and version modelled, and the code read.
    pub fn modelled(self) -> &'static str {
        match self {
            Trainer::TrlBfd | Trainer::TrlBfdSplit | Trainer::TrlWrapped => {
                "TRL 1.16.0, trl/data_utils.py: pack_dataset"
            }
            Trainer::Torchtune | Trainer::TorchtuneSplit => {
                "torchtune 0.7.0, torchtune/datasets/_packed.py: PackedDataset"
            }
            Trainer::Llamafactory => {
                "LLaMA-Factory 0.9.6.dev0, data/processor/supervised.py and processor_utils.py: greedy_knapsack"
            }
            Trainer::Axolotl | Trainer::AxolotlSequential => {
                "axolotl 0.18.0, src/axolotl/utils/samplers/multipack.py: MultipackBatchSampler"
            }
            Trainer::LlmFoundry => "llm-foundry 8c8dd48, llmfoundry/data/packing.py: BinPackCollator",
            Trainer::NemoFfd | Trainer::NemoFfs => {
                "Megatron-Bridge 067f987, src/megatron/bridge/data/packing (as NeMo 2's sequence_packing_utils.py)"
            }
            Trainer::PaddingFree => {
                "transformers 5.25.0, src/transformers/data/data_collator.py: DataCollatorWithFlattening"
            }
        }
    }

    /// The seed the trainer shuffles with unless told otherwise: TRL's and
    /// axolotl's `seed` (42), llm-foundry's (17), Megatron-Bridge's
    /// dataset seed (1234).
    pub fn default_seed(self) -> u64 {
        match self {
            Trainer::LlmFoundry => 17,
            Trainer::NemoFfd | Trainer::NemoFfs => 1234,
            _ => DEFAULT_SEED,
        }
    }

    /// True when the trainer packs the dataset in its order, so that the
    /// order changes its rows; false for those that shuffle it themselves
    /// (axolotl, llm-foundry, NeMo's shuffle) or sort it (NeMo's first fit
    /// decreasing).
    pub fn reads_in_dataset_order(self) -> bool {
        matches!(
            self,
            Trainer::TrlBfd
                | Trainer::TrlBfdSplit
                | Trainer::TrlWrapped
                | Trainer::Torchtune
                | Trainer::TorchtuneSplit
                | Trainer::Llamafactory
        )
    }

    /// True when rows mix sequences with no boundary the model is told of:
    /// each sequence attends to the ones before it in its row.
    pub fn cross_contaminates(self) -> bool {
        matches!(self, Trainer::TrlWrapped)
    }
}

impl fmt::Display for Trainer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Trainer {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Trainer::ALL
            .into_iter()
            .find(|trainer| trainer.name() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = Trainer::ALL.iter().map(|t| t.name()).collect();
                format!(
                    "unknown trainer `{text}`; expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// The order a trainer reads the dataset in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatasetOrder {
    /// The order of the lengths given (a file's order).
    AsGiven,
    /// A random order, the same for the same seed.
    Shuffled {
        /// The shuffle's seed.
        seed: u64,
    },
    /// Shortest first, ties in the order given: as a dataset sorted by
    /// length.
    SortedByLength,
}

/// A map batch of this many rows, `datasets.map`'s default and so the
/// window TRL packs within unless told otherwise.
pub const DEFAULT_MAP_BATCH_ROWS: u32 = 1_000;

/// What a simulation needs besides the lengths.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrainerSettings {
    /// Tokens per row: TRL's `max_length`, torchtune's `max_seq_len`,
    /// LLaMA-Factory's `cutoff_len`, axolotl's bin capacity.
    pub max_len: u32,
    /// Rows of the dataset per `datasets.map` batch: TRL and LLaMA-Factory
    /// pack each batch on its own ([`DEFAULT_MAP_BATCH_ROWS`] unless the
    /// user passes another batch size).
    pub map_batch_rows: u32,
    /// The order the dataset is read in.
    pub order: DatasetOrder,
    /// The seed of a trainer's own shuffle (axolotl's sampler,
    /// llm-foundry's loader, NeMo's NumPy); `None`: the trainer's own
    /// default ([`Trainer::default_seed`]).
    pub seed: Option<u64>,
    /// axolotl's `sample_packing_group_size`: samples packed together.
    pub group_size: u32,
    /// axolotl's `sample_packing_bin_size`: most samples in a bin.
    pub bin_size: u32,
    /// Rows per batch on one device: llm-foundry's collator returns this
    /// many per call.
    pub batch_size: u32,
    /// llm-foundry's `packing_ratio`.
    pub packing_ratio: PackingRatio,
}

/// llm-foundry's `dataset.packing_ratio`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PackingRatio {
    /// `auto`: chosen by profiling (see the module's docs).
    Auto,
    /// A ratio of at least 1: examples per row the loader reads.
    Fixed(f64),
}

/// The seed trainers use unless told otherwise (TRL's and axolotl's).
pub const DEFAULT_SEED: u64 = 42;

/// axolotl's `sample_packing_group_size` default.
pub const DEFAULT_GROUP_SIZE: u32 = 100_000;

/// axolotl's `sample_packing_bin_size` default.
pub const DEFAULT_BIN_SIZE: u32 = 200;

/// Rows per batch on one device unless told otherwise: llm-foundry's
/// example fine-tuning configs use 8.
pub const DEFAULT_BATCH_SIZE: u32 = 8;

impl TrainerSettings {
    /// The trainers' defaults at `max_len`, in the order given.
    pub fn new(max_len: u32) -> Self {
        TrainerSettings {
            max_len,
            map_batch_rows: DEFAULT_MAP_BATCH_ROWS,
            order: DatasetOrder::AsGiven,
            seed: None,
            group_size: DEFAULT_GROUP_SIZE,
            bin_size: DEFAULT_BIN_SIZE,
            batch_size: DEFAULT_BATCH_SIZE,
            packing_ratio: PackingRatio::Auto,
        }
    }
}
