//! The question the page and the command line ask of a trainer: "what do
//! my trainer's rows look like on these sequences?". One path from the
//! user's choices to the figures, so that `packlab pack --algorithm
//! <trainer>`, `packlab compare --trainers` and the page's "Your trainer"
//! section read the same order, settings and words.

use serde::{Deserialize, Deserializer, Serialize};

use crate::histogram::LengthCounts;
use crate::numbers::thousands;

use super::settings::{
    DatasetOrder, PackingRatio, Trainer, TrainerSettings, DEFAULT_BATCH_SIZE, DEFAULT_BIN_SIZE,
    DEFAULT_GROUP_SIZE, DEFAULT_MAP_BATCH_ROWS, DEFAULT_SEED,
};
use super::simulation::{simulate, TrainerError, TrainerReport, MAX_SIMULATED_SEQUENCES};

/// The order the user asks the trainer to read their files in. Sequences
/// without an order (a histogram, an example) are read shuffled unless
/// sorted is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum OrderChoice {
    /// The files' order, one file after another.
    #[default]
    AsGiven,
    /// A random order, drawn from the seed.
    Shuffled,
    /// Shortest first, as a dataset sorted by length.
    Sorted,
}

/// What the user chooses of a trainer's packing besides the trainer and
/// max_len; each field defaults to the trainer's own default.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainerOptions {
    /// The order the dataset is read in.
    pub order: OrderChoice,
    /// The seed of the order's shuffle ([`DEFAULT_SEED`] when `None`) and
    /// of the trainer's own (the trainer's default when `None`).
    pub seed: Option<u64>,
    /// Rows per `datasets.map` batch (TRL, LLaMA-Factory).
    pub map_batch_rows: u32,
    /// axolotl's `sample_packing_group_size`.
    pub group_size: u32,
    /// axolotl's `sample_packing_bin_size`.
    pub bin_size: u32,
    /// Rows per step: the steps per epoch are counted at it, and
    /// llm-foundry's collator returns this many rows per call.
    pub batch_size: u32,
    /// llm-foundry's `packing_ratio`: `"auto"` or a number of at least 1.
    #[serde(
        deserialize_with = "packing_ratio",
        serialize_with = "write_packing_ratio"
    )]
    pub packing_ratio: PackingRatio,
}

impl Default for TrainerOptions {
    fn default() -> Self {
        TrainerOptions {
            order: OrderChoice::AsGiven,
            seed: None,
            map_batch_rows: DEFAULT_MAP_BATCH_ROWS,
            group_size: DEFAULT_GROUP_SIZE,
            bin_size: DEFAULT_BIN_SIZE,
            batch_size: DEFAULT_BATCH_SIZE,
            packing_ratio: PackingRatio::Auto,
        }
    }
}

/// `"auto"` or a number, as a page's request or a link writes it.
fn packing_ratio<'de, D: Deserializer<'de>>(deserializer: D) -> Result<PackingRatio, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Number(f64),
        Word(String),
    }
    match Written::deserialize(deserializer)? {
        Written::Number(ratio) => Ok(PackingRatio::Fixed(ratio)),
        Written::Word(word) if word == "auto" => Ok(PackingRatio::Auto),
        Written::Word(word) => Err(serde::de::Error::custom(format!(
            "packing_ratio `{word}`: give \"auto\" or a number of at least 1"
        ))),
    }
}

fn write_packing_ratio<S: serde::Serializer>(
    ratio: &PackingRatio,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match ratio {
        PackingRatio::Auto => serializer.serialize_str("auto"),
        PackingRatio::Fixed(ratio) => serializer.serialize_f64(*ratio),
    }
}

/// The sequences a trainer is simulated on: their lengths in dataset
/// order, or every length of a histogram shortest first when the data
/// holds no order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainerSequences {
    lengths: Vec<u32>,
    ordered: bool,
}

impl TrainerSequences {
    /// Sequences read one length each, in dataset order.
    pub fn in_dataset_order(lengths: Vec<u32>) -> Self {
        TrainerSequences {
            lengths,
            ordered: true,
        }
    }

    /// Every sequence of `counts`, shortest first: a histogram or an
    /// example holds no order, so a simulation reads them shuffled.
    ///
    /// # Errors
    ///
    /// [`TrainerError::TooManySequences`] when the histogram holds more
    /// sequences than a simulation reads ([`MAX_SIMULATED_SEQUENCES`]), or
    /// more than this machine's memory can list.
    pub fn listed(counts: &LengthCounts) -> Result<Self, TrainerError> {
        let total = counts
            .iter()
            .fold(0u64, |sum, (_, count)| sum.saturating_add(count));
        let too_many = TrainerError::TooManySequences { sequences: total };
        if total > MAX_SIMULATED_SEQUENCES {
            return Err(too_many);
        }
        let mut lengths: Vec<u32> = Vec::new();
        let total = usize::try_from(total).map_err(|_| too_many.clone())?;
        lengths.try_reserve_exact(total).map_err(|_| too_many)?;
        for (length, count) in counts.iter() {
            // Lengths of a histogram are below 2^32 and the counts sum to
            // `total`, which fits in memory.
            let length = u32::try_from(length).unwrap_or(u32::MAX);
            lengths.extend(std::iter::repeat_n(length, count as usize));
        }
        Ok(TrainerSequences {
            lengths,
            ordered: false,
        })
    }

    /// The lengths, in the order they were given.
    pub fn lengths(&self) -> &[u32] {
        &self.lengths
    }

    /// True for lengths in dataset order; false for a histogram's.
    pub fn ordered(&self) -> bool {
        self.ordered
    }

    /// The settings `trainer` packs these sequences at, at `max_len` with
    /// the user's `options`: sequences without an order are read shuffled
    /// unless sorted is asked (as given has no meaning for them).
    pub fn settings(
        &self,
        trainer: Trainer,
        max_len: u32,
        options: &TrainerOptions,
    ) -> TrainerSettings {
        let order = match (self.ordered, options.order) {
            (_, OrderChoice::Sorted) => DatasetOrder::SortedByLength,
            (false, OrderChoice::AsGiven) | (_, OrderChoice::Shuffled) => DatasetOrder::Shuffled {
                seed: options.seed.unwrap_or(DEFAULT_SEED),
            },
            (true, OrderChoice::AsGiven) => DatasetOrder::AsGiven,
        };
        TrainerSettings {
            max_len,
            map_batch_rows: options.map_batch_rows,
            order,
            seed: Some(options.seed.unwrap_or(trainer.default_seed())),
            group_size: options.group_size,
            bin_size: options.bin_size,
            batch_size: options.batch_size,
            packing_ratio: options.packing_ratio,
        }
    }

    /// The order these sequences are read in at `settings`, in words.
    pub fn order_in_words(&self, settings: &TrainerSettings) -> String {
        match settings.order {
            DatasetOrder::AsGiven => "in file order".to_string(),
            DatasetOrder::SortedByLength => "sorted by length, shortest first".to_string(),
            DatasetOrder::Shuffled { seed } if self.ordered => {
                format!("the files' order shuffled (seed {seed})")
            }
            DatasetOrder::Shuffled { seed } => {
                format!("a histogram has no order: read shuffled (seed {seed})")
            }
        }
    }

    /// Simulates `request.trainer` on these sequences: the page's "Your
    /// trainer" question.
    ///
    /// # Errors
    ///
    /// As [`simulate`]: settings that cannot be simulated, or a bug.
    pub fn answer(&self, request: &TrainerRequest) -> Result<TrainerAnswer, TrainerError> {
        let settings = self.settings(request.trainer, request.max_len, &request.options);
        let plan = simulate(request.trainer, &self.lengths, &settings)?;
        Ok(TrainerAnswer {
            report: TrainerReport::new(request.trainer, &settings, &plan),
            order_simulated: !self.ordered,
            order: self.order_in_words(&settings),
            window: settings.window(request.trainer),
        })
    }

    /// The rows `request.trainer` makes at each max_len of `max_lens`
    /// (the max_len sweep's trainer line).
    ///
    /// # Errors
    ///
    /// As [`TrainerSequences::answer`], for the first max_len that fails.
    pub fn sweep(
        &self,
        request: &TrainerRequest,
        max_lens: &[u32],
    ) -> Result<Vec<TrainerPoint>, TrainerError> {
        max_lens
            .iter()
            .map(|&max_len| {
                let settings = self.settings(request.trainer, max_len, &request.options);
                let plan = simulate(request.trainer, &self.lengths, &settings)?;
                let report = TrainerReport::new(request.trainer, &settings, &plan);
                Ok(TrainerPoint {
                    max_len,
                    packs: report.packs,
                    efficiency: report.efficiency,
                    tokens_lost: report.accounting.tokens_truncated
                        + report.accounting.tokens_dropped,
                })
            })
            .collect()
    }
}

/// The page's "Your trainer" question: `trainer` at `max_len`, with the
/// user's `options`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainerRequest {
    /// The trainer simulated.
    pub trainer: Trainer,
    /// Tokens per row.
    pub max_len: u32,
    /// The rest of the user's choices.
    #[serde(default)]
    pub options: TrainerOptions,
}

/// A trainer's packing of the user's sequences, with the words that
/// explain how they were read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainerAnswer {
    /// The figures (as `packlab pack --algorithm <trainer> --json`).
    pub report: TrainerReport,
    /// True when the sequences had no order and were read shuffled.
    pub order_simulated: bool,
    /// The order read, in words.
    pub order: String,
    /// What the trainer packs together, in words.
    pub window: String,
}

/// One max_len of a trainer's max_len sweep.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrainerPoint {
    /// Tokens per row.
    pub max_len: u32,
    /// Rows the trainer makes.
    pub packs: u64,
    /// Real tokens over computed ones.
    pub efficiency: f64,
    /// Tokens truncated or dropped by the trainer at this max_len.
    pub tokens_lost: u64,
}

impl TrainerSettings {
    /// What `trainer` packs together at these settings, in words.
    pub fn window(&self, trainer: Trainer) -> String {
        let seed = self.seed.unwrap_or(trainer.default_seed());
        match trainer {
            Trainer::TrlBfd | Trainer::TrlBfdSplit | Trainer::TrlWrapped | Trainer::Llamafactory => {
                format!(
                    "each datasets.map batch of {} rows packed apart",
                    thousands(u64::from(self.map_batch_rows))
                )
            }
            Trainer::Torchtune | Trainer::TorchtuneSplit => {
                "the whole dataset, one open pack at a time".to_string()
            }
            Trainer::Axolotl => format!(
                "the sampler's shuffle (seed {seed}), in groups of {} samples, at most {} per bin",
                thousands(u64::from(self.group_size)),
                thousands(u64::from(self.bin_size))
            ),
            Trainer::AxolotlSequential => {
                format!("the sampler's shuffle (seed {seed}), one open bin at a time")
            }
            Trainer::LlmFoundry => format!(
                "the loader's shuffle (seed {seed}), {} rows per batch, packing ratio {}, bins left over kept",
                self.batch_size,
                match self.packing_ratio {
                    PackingRatio::Auto => "auto".to_string(),
                    PackingRatio::Fixed(ratio) => ratio.to_string(),
                }
            ),
            Trainer::NemoFfd => "the whole dataset, longest first".to_string(),
            Trainer::NemoFfs => {
                format!("the whole dataset, in NumPy's shuffle (seed {seed})")
            }
            Trainer::PaddingFree => format!(
                "the sampler's shuffle (seed {seed}), each batch of {} sequences flattened into one row, nothing padded",
                thousands(u64::from(self.batch_size))
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(pairs: &[(u64, u64)]) -> LengthCounts {
        let mut counts = LengthCounts::new();
        for &(length, count) in pairs {
            counts.add(length, count).unwrap();
        }
        counts
    }

    #[test]
    fn a_histogram_is_listed_shortest_first_and_read_shuffled() {
        let sequences = TrainerSequences::listed(&counts(&[(5, 2), (3, 1)])).unwrap();
        assert_eq!(sequences.lengths(), &[3, 5, 5]);
        assert!(!sequences.ordered());
        let options = TrainerOptions {
            order: OrderChoice::AsGiven,
            ..TrainerOptions::default()
        };
        let settings = sequences.settings(Trainer::TrlBfd, 8, &options);
        assert_eq!(
            settings.order,
            DatasetOrder::Shuffled { seed: DEFAULT_SEED }
        );
        assert!(sequences.order_in_words(&settings).contains("no order"));
    }

    #[test]
    fn more_sequences_than_a_simulation_reads_are_refused_before_listing() {
        let error =
            TrainerSequences::listed(&counts(&[(3, 1 << 31), (5, 1 << 31), (7, 1)])).unwrap_err();
        assert_eq!(
            error,
            TrainerError::TooManySequences {
                sequences: (1 << 32) + 1
            }
        );
        assert!(error.to_string().starts_with("4,294,967,297 sequences"));
    }

    #[test]
    fn files_keep_the_order_asked_and_each_trainer_its_own_seed() {
        let sequences = TrainerSequences::in_dataset_order(vec![4, 2, 7]);
        for (choice, order) in [
            (OrderChoice::AsGiven, DatasetOrder::AsGiven),
            (OrderChoice::Sorted, DatasetOrder::SortedByLength),
            (OrderChoice::Shuffled, DatasetOrder::Shuffled { seed: 42 }),
        ] {
            let options = TrainerOptions {
                order: choice,
                ..TrainerOptions::default()
            };
            let settings = sequences.settings(Trainer::NemoFfs, 8, &options);
            assert_eq!(settings.order, order);
            assert_eq!(settings.seed, Some(1234));
        }
    }

    #[test]
    fn a_request_reads_its_defaults_and_either_packing_ratio() {
        let request: TrainerRequest =
            serde_json::from_str(r#"{"trainer": "llm-foundry", "max_len": 16}"#).unwrap();
        assert_eq!(request.options, TrainerOptions::default());
        let request: TrainerRequest = serde_json::from_str(
            r#"{"trainer": "llm-foundry", "max_len": 16, "options": {"packing_ratio": 2.5, "order": "sorted"}}"#,
        )
        .unwrap();
        assert_eq!(request.options.packing_ratio, PackingRatio::Fixed(2.5));
        assert_eq!(request.options.order, OrderChoice::Sorted);
        let wrong = serde_json::from_str::<TrainerRequest>(
            r#"{"trainer": "llm-foundry", "max_len": 16, "options": {"packing_ratio": "most"}}"#,
        );
        assert!(wrong
            .unwrap_err()
            .to_string()
            .contains("packing_ratio `most`"));
    }

    #[test]
    fn the_answer_and_the_sweep_agree_at_the_same_max_len() {
        let sequences = TrainerSequences::in_dataset_order(vec![5, 6, 9, 2, 3, 7, 1, 4]);
        let request = TrainerRequest {
            trainer: Trainer::TrlBfd,
            max_len: 8,
            options: TrainerOptions::default(),
        };
        let answer = sequences.answer(&request).unwrap();
        let sweep = sequences.sweep(&request, &[4, 8, 16]).unwrap();
        assert_eq!(sweep[1].packs, answer.report.packs);
        assert_eq!(
            sweep[1].tokens_lost,
            answer.report.accounting.tokens_truncated
        );
        assert!(sweep[0].packs >= sweep[1].packs && sweep[1].packs >= sweep[2].packs);
        assert_eq!(
            answer.window,
            "each datasets.map batch of 1,000 rows packed apart"
        );
    }
}
