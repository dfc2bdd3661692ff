//! Packlab: how much compute padding wastes in a training set, and which
//! sequence packing removes it best.
//!
//! Training batches pad every sequence to a fixed `max_len`. Packing several
//! short sequences into one row of `max_len` tokens removes most of that
//! padding. Packlab decides packings from the histogram of sequence lengths
//! alone, as in "Efficient Sequence Packing without Cross-contamination"
//! (Krell, Kosec et al., 2021), so its cost does not grow with the number
//! of sequences.
//!
//! The flow: read lengths into [`LengthCounts`] (`input`), turn them into
//! a [`Histogram`] at a chosen `max_len`, [`pack`] it with an [`Algorithm`],
//! and read the figures off a [`Report`].
//!
//! ```
//! use packlab::{pack, Algorithm, Histogram, Report};
//!
//! // 4 sequences of 3 tokens, 4 of 5 tokens, rows of 8 tokens.
//! let mut counts = vec![0u64; 8];
//! counts[2] = 4;
//! counts[4] = 4;
//! let histogram = Histogram::from_dense(counts)?;
//!
//! let plan = pack(&histogram, Algorithm::Spfhp, None)?;
//! let report = Report::new(Algorithm::Spfhp, &histogram, &plan, 0.0);
//! assert_eq!(report.packs, 4); // [5, 3] four times: no padding at all
//! assert_eq!(report.efficiency, 1.0);
//! assert_eq!(report.speedup, 2.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// The lints (no unsafe code, docs on every public item, and the rest) are
// set for every target of the package in Cargo.toml's `[lints]` table.

pub mod algorithms;
pub mod analysis;
pub mod assign;
#[cfg(all(target_arch = "wasm32", not(feature = "files-module")))]
mod charts;
pub mod cutting_stock;
pub mod dynamic_padding;
pub mod flops;
pub mod histogram;
// Off in the page's engine, which reads no files (Cargo.toml, `readers`).
#[cfg(feature = "readers")]
pub mod input;
pub mod max_len_sweep;
pub mod nnls;
pub mod numbers;
pub mod plan;
pub mod presets;
mod random;
pub mod report;
pub mod step_balance;
pub mod trainers;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use algorithms::{
    pack, pack_cached, pack_with, Algorithm, MaxPerPack, PackError, PackOptions, SolutionCache,
};
pub use histogram::{
    CountOverflow, Histogram, HistogramError, LengthCounts, LengthSummary, OverlongOutcome,
    OverlongPolicy, MAX_SUPPORTED_MAX_LEN,
};
pub use plan::{validate, Bucketing, Optimality, PackGroup, PackingPlan, PlanError, PlanOrigin};
pub use presets::Preset;
pub use report::Report;
