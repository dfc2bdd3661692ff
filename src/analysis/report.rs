//! One algorithm's figures at one setting, and what they change for
//! training at a batch size.

use serde::{Deserialize, Serialize};

use super::analyser::{Analyser, AnalysisError};
use super::whole_plan::PlanRequest;
use crate::algorithms::Algorithm;
use crate::report::Report;

/// One algorithm at one setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRequest {
    /// The plan.
    #[serde(flatten)]
    pub plan: PlanRequest,
    /// Rows per training batch, for the training figures.
    #[serde(default = "default_batch_size")]
    pub batch_size: u32,
}

fn default_batch_size() -> u32 {
    32
}

/// An algorithm's report and its training figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlgorithmReport {
    /// The plan's figures (without the plan).
    pub report: Report,
    /// What the plan changes for one epoch of training.
    pub training: TrainingFigures,
}

/// What packing changes for one epoch of training at a batch size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingFigures {
    /// The algorithm.
    pub algorithm: Algorithm,
    /// Rows per batch.
    pub batch_size: u32,
    /// Optimizer steps per epoch with this plan: ceil(packs / batch_size).
    pub steps_per_epoch: u64,
    /// Steps per epoch without packing: ceil(sequences / batch_size).
    pub unpacked_steps_per_epoch: u64,
    /// Sequences a batch holds on average: batch_size × sequences / packs.
    pub sequences_per_batch: f64,
}

impl TrainingFigures {
    /// The figures for `report` at `batch_size` rows per batch (at least 1).
    pub fn new(report: &Report, batch_size: u32) -> Self {
        let batch = u64::from(batch_size.max(1));
        TrainingFigures {
            algorithm: report.algorithm,
            batch_size: batch as u32,
            steps_per_epoch: report.packs.div_ceil(batch),
            unpacked_steps_per_epoch: report.sequences.div_ceil(batch),
            sequences_per_batch: batch as f64 * report.speedup,
        }
    }
}

impl Analyser {
    /// One algorithm's figures at `request`'s setting.
    ///
    /// # Errors
    /// The histogram cannot be built, or the algorithm fails.
    #[inline(never)] // See "Inlining" in the docs of `crate::analysis`.
    pub fn report(&mut self, request: &ReportRequest) -> Result<AlgorithmReport, AnalysisError> {
        let asked = &request.plan;
        let (histogram, plan, runtime_ms) =
            self.plan(asked.rows, asked.algorithm, asked.pack_options())?;
        let report = Report::new(asked.algorithm, histogram, plan, runtime_ms);
        let training = TrainingFigures::new(&report, request.batch_size);
        Ok(AlgorithmReport { report, training })
    }
}
