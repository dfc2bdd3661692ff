//! What a trainer's own packing does with a dataset: simulations of the
//! packers that training libraries run when a user sets `packing=True`.
//!
//! Packlab's own packers plan on the histogram of lengths, which has no
//! order. A trainer's packer does not: it reads the dataset in order, and
//! most pack only within a window of it (a `datasets.map` batch of 1,000
//! rows, a group of 100,000). So a simulation takes the lengths in dataset
//! order, and its answer is the rows that trainer would make, each row a
//! list of [`Piece`]s (a sequence, or the part of one the row holds),
//! with what the trainer lost on the way: tokens truncated, sequences
//! dropped, sequences split across rows.
//!
//! Each trainer is modelled from its own source at a named version (see
//! [`Trainer`]), and checked against it where it runs without a GPU
//! (`tests/python/test_trainers.py` runs TRL's own `pack_dataset`).
//!
//! ```
//! use packlab::trainers::{simulate, DatasetOrder, Trainer, TrainerSettings};
//!
//! // Rows of 8 tokens, TRL's best fit decreasing: 6 and 2 share a row,
//! // 5 and 3 another; the 9 is truncated to 8 and has a row alone.
//! let lengths = [5, 6, 9, 2, 3];
//! let settings = TrainerSettings::new(8);
//! let plan = simulate(Trainer::TrlBfd, &lengths, &settings)?;
//! assert_eq!(plan.rows(), 3);
//! assert_eq!(plan.accounting.tokens_truncated, 1);
//! let first: Vec<(u32, u32)> = plan.row(0).iter().map(|p| (p.sequence, p.tokens)).collect();
//! assert_eq!(first, vec![(2, 8)]);
//! # Ok::<(), packlab::trainers::TrainerError>(())
//! ```

mod axolotl;
mod first_fit;
mod llamafactory;
mod llm_foundry;
mod nemo;
mod numpy_random;
mod padding_free;
mod plan;
mod question;
mod settings;
mod simulation;
mod torchtune;
mod trl;

pub use padding_free::StepTokens;
pub use plan::{Accounting, Piece, SamplerEpoch, TrainerPlan, UnsoundTrainerPlan};
pub use question::{
    OrderChoice, TrainerAnswer, TrainerOptions, TrainerPoint, TrainerRequest, TrainerSequences,
};
pub use settings::{
    DatasetOrder, PackingRatio, Trainer, TrainerSettings, DEFAULT_BATCH_SIZE, DEFAULT_BIN_SIZE,
    DEFAULT_GROUP_SIZE, DEFAULT_MAP_BATCH_ROWS, DEFAULT_SEED,
};
pub use simulation::{simulate, TrainerError, TrainerReport, MAX_SIMULATED_SEQUENCES};
