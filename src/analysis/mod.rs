//! The questions the page asks of a dataset, one function each, with a
//! request and an answer type of their own: the same functions serve the
//! page's workers (through `crate::wasm`) and `packlab compare`.
//!
//! | question | function | answer |
//! |---|---|---|
//! | what the lengths look like, and padding without packing | [`Analyser::summary`] | [`DataSummary`] |
//! | one algorithm's figures | [`Analyser::report`] | [`AlgorithmReport`] |
//! | how algorithms do at each limit on sequences per pack | [`Analyser::sweep`] | [`SweepLine`]s |
//! | a closer look at one plan | [`Analyser::plan_detail`] | [`PlanDetail`] |
//! | the fewest packs any plan could use | [`Analyser::lp_bound`] | [`BoundSummary`] |
//! | batches padded to their longest sequence instead | [`Analyser::dynamic_padding`] | [`DynamicPadding`]s |
//! | training FLOPs of each of these | [`Analyser::flops`] | [`FlopsComparison`] |
//! | the fast packers at other row lengths | [`Analyser::max_len_sweep`] | [`MaxLenPoint`]s |
//! | one algorithm's whole plan, to export | [`Analyser::whole_plan`] | [`WholePlan`] |
//! | how evenly its packs spread work over each training step's GPUs | [`Analyser::step_balance`] | [`StepBalance`] |
//!
//! Every question names the row length and overlong policy it is asked at
//! ([`RowSettings`]); the [`Analyser`] builds the histogram for those once
//! and keeps it, with the plans made on it, for the next question at the
//! same settings. [`analyse`] answers several questions in one call, for
//! tests and tools that want everything at once.
//!
//! Pure Rust, so the page's figures are computed by the same code as the
//! command line's and tested natively.
//!
//! # Inlining
//!
//! Each question, and each step inside one (every packer, the sweeps,
//! dynamic padding, FLOPs, the bound), is a function of its own, never
//! inlined into its caller (`#[inline(never)]`): the browser optimises a hot
//! WebAssembly function whole, in the background, and one function holding
//! every step took it 180 ms of a core during the page's first render,
//! taken from NNLSHP on a two-core machine.

mod analyser;
mod bound;
mod convenience;
mod detail;
mod flops;
mod max_len;
mod padding;
mod report;
mod step_balance;
mod summary;
mod sweep;
mod whole_plan;

pub use analyser::{Analyser, AnalysisError, RowSettings};
pub use bound::{BoundRequest, BoundSummary};
pub use convenience::{analyse, Analysis, AnalysisRequest, MaxLenSweepRequest};
pub use detail::{DetailRequest, PlanDetail};
pub use flops::{FlopsComparison, FlopsPair, FlopsRequest, ModelChoice, PackedRows};
pub use max_len::MaxLenRequest;
pub use padding::DynamicPaddingRequest;
pub use report::{AlgorithmReport, ReportRequest, TrainingFigures};
pub use step_balance::{OrderBalance, StepBalance, StepBalanceRequest, MEASURED_PACKS};
pub use summary::{bin_lengths, DataSummary, HistogramBins, SummaryRequest, MAX_HISTOGRAM_BINS};
pub use sweep::{SweepLine, SweepPoint, SweepRequest};
pub use whole_plan::{PlanRequest, WholePlan};

// The answers' parts that other modules of Packlab produce.
pub use crate::dynamic_padding::DynamicPadding;
pub use crate::max_len_sweep::MaxLenPoint;
