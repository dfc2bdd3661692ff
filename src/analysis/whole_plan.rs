//! One algorithm's whole plan: every composition with its count, as
//! `packlab pack --json` prints it and the page exports it.

use serde::{Deserialize, Serialize};

use super::analyser::{Analyser, AnalysisError, RowSettings};
use crate::algorithms::{Algorithm, MaxPerPack, PackOptions};
use crate::histogram::OverlongOutcome;
use crate::plan::PackGroup;
use crate::report::Report;

/// One plan: the algorithm and every setting it packs at. The questions
/// about one plan ([`Analyser::whole_plan`], [`Analyser::report`],
/// [`Analyser::plan_detail`]) each take it, flattened into their request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanRequest {
    /// The row length and overlong policy.
    #[serde(flatten)]
    pub rows: RowSettings,
    /// The algorithm.
    pub algorithm: Algorithm,
    /// Most sequences per pack; by default the algorithm's own.
    #[serde(default)]
    pub max_per_pack: MaxPerPack,
    /// NNLSHP's length bucket width in tokens (the optimal packer may keep
    /// NNLSHP's plan, so it reads it too); `None`: automatic.
    #[serde(default)]
    pub bucket_tokens: Option<u32>,
}

impl PlanRequest {
    /// The options the algorithm packs with: its own limit where the
    /// request leaves the default.
    pub fn pack_options(&self) -> PackOptions {
        PackOptions {
            max_per_pack: self.max_per_pack.for_algorithm(self.algorithm),
            bucket_tokens: self.bucket_tokens,
        }
    }
}

/// A whole plan: the report's fields, what the overlong policy did, and
/// the plan's compositions with their counts, most frequent first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WholePlan {
    /// The plan's figures.
    #[serde(flatten)]
    pub report: Report,
    /// What the overlong policy changed.
    pub overlong: OverlongOutcome,
    /// Every composition with the number of packs that have it.
    pub plan: Vec<PackGroup>,
}

impl Analyser {
    /// `request`'s plan, whole.
    ///
    /// # Errors
    /// The histogram cannot be built, or the algorithm fails.
    #[inline(never)] // See "Inlining" in the docs of `crate::analysis`.
    pub fn whole_plan(&mut self, request: &PlanRequest) -> Result<WholePlan, AnalysisError> {
        let (_, overlong) = self.histogram(request.rows)?;
        let (histogram, plan, runtime_ms) =
            self.plan(request.rows, request.algorithm, request.pack_options())?;
        Ok(WholePlan {
            report: Report::new(request.algorithm, histogram, plan, runtime_ms),
            overlong,
            plan: plan.groups.clone(),
        })
    }
}
