//! Several questions in one call: everything the page shows at one
//! setting, for tests and tools that want it at once. The page itself asks
//! one question at a time (see the module docs of [`crate::analysis`]).

use serde::{Deserialize, Serialize};

use super::analyser::{Analyser, AnalysisError, RowSettings};
use super::bound::{BoundRequest, BoundSummary};
use super::detail::{DetailRequest, PlanDetail};
use super::flops::{FlopsComparison, FlopsRequest, ModelChoice, PackedRows};
use super::max_len::MaxLenRequest;
use super::padding::DynamicPaddingRequest;
use super::report::{ReportRequest, TrainingFigures};
use super::summary::{HistogramBins, SummaryRequest};
use super::sweep::{SweepLine, SweepRequest};
use super::whole_plan::PlanRequest;
use crate::algorithms::{Algorithm, MaxPerPack};
use crate::dynamic_padding::DynamicPadding;
use crate::histogram::{LengthSummary, OverlongOutcome, OverlongPolicy};
use crate::max_len_sweep::MaxLenPoint;
use crate::report::Report;

/// What to compute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisRequest {
    /// Row length; `None`: the dataset's default (a declared max_len, else
    /// the longest sequence).
    #[serde(default)]
    pub max_len: Option<u64>,
    /// What to do with sequences longer than max_len.
    #[serde(default)]
    pub overlong: OverlongPolicy,
    /// Most sequences per pack; by default each algorithm's own
    /// ([`Algorithm::default_max_per_pack`]), as on the command line.
    #[serde(default)]
    pub max_per_pack: MaxPerPack,
    /// NNLSHP's length bucket width in tokens; `None`: automatic.
    #[serde(default)]
    pub bucket_tokens: Option<u32>,
    /// The algorithms to report on, in this order.
    #[serde(default)]
    pub algorithms: Vec<Algorithm>,
    /// The max-per-pack settings to sweep for each algorithm (`None`: no
    /// limit); empty for no sweep.
    #[serde(default)]
    pub sweep_depths: Vec<Option<u32>>,
    /// The algorithm whose plan gets a closer look, if any.
    #[serde(default)]
    pub detail_algorithm: Option<Algorithm>,
    /// Sequences (unpacked) or packs per training batch, for the training figures.
    #[serde(default = "default_batch_size")]
    pub batch_size: u32,
    /// A sweep over row lengths, if wanted (see [`crate::max_len_sweep`]).
    #[serde(default)]
    pub max_len_sweep: Option<MaxLenSweepRequest>,
    /// Batch sizes at which to estimate dynamic padding (every batching
    /// scheme at each); empty for none.
    #[serde(default)]
    pub dynamic_padding_batch_sizes: Vec<u32>,
    /// The model whose training FLOPs to estimate for every report and
    /// every dynamic padding estimate; `None` for no estimate.
    #[serde(default)]
    pub model: Option<ModelChoice>,
    /// Whether to compute the LP relaxation's lower bound on packs at the
    /// loosest limit `max_per_pack` sets ([`MaxPerPack::loosest`]), so that
    /// it bounds every report.
    #[serde(default)]
    pub lp_bound: bool,
}

/// What a sweep over row lengths covers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaxLenSweepRequest {
    /// The algorithms to pack with at each row length, in this order.
    #[serde(default)]
    pub algorithms: Vec<Algorithm>,
    /// Row lengths to try besides the automatic candidates.
    #[serde(default)]
    pub extra_max_lens: Vec<u32>,
}

fn default_batch_size() -> u32 {
    32
}

impl Default for AnalysisRequest {
    fn default() -> Self {
        AnalysisRequest {
            max_len: None,
            overlong: OverlongPolicy::Truncate,
            max_per_pack: MaxPerPack::default(),
            bucket_tokens: None,
            algorithms: Vec::new(),
            sweep_depths: Vec::new(),
            detail_algorithm: None,
            batch_size: default_batch_size(),
            max_len_sweep: None,
            dynamic_padding_batch_sizes: Vec::new(),
            model: None,
            lp_bound: false,
        }
    }
}

/// Everything the page shows at one setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// The row length used.
    pub max_len: u32,
    /// Length statistics (before the overlong policy).
    pub summary: LengthSummary,
    /// What the overlong policy changed.
    pub overlong: OverlongOutcome,
    /// No packing, after the overlong policy: the baseline every other
    /// figure is compared with, reported whichever algorithms are asked for.
    pub no_packing: Report,
    /// The histogram, binned for drawing.
    pub histogram: HistogramBins,
    /// One report per requested algorithm, in request order (without plans).
    pub reports: Vec<Report>,
    /// One line per requested algorithm when a sweep was requested.
    pub sweep: Vec<SweepLine>,
    /// The detail algorithm's plan, if requested.
    pub detail: Option<PlanDetail>,
    /// Training figures, one per report.
    pub training: Vec<TrainingFigures>,
    /// The sweep over row lengths, when requested (else empty).
    pub max_len_sweep: Vec<MaxLenPoint>,
    /// Dynamic padding at each requested batch size, every scheme at each.
    pub dynamic_padding: Vec<DynamicPadding>,
    /// The FLOPs estimate, when a model was given.
    pub flops: Option<FlopsComparison>,
    /// The LP bound on packs, when requested.
    pub lp_bound: Option<BoundSummary>,
}

impl Analyser {
    /// Answers every question `request` asks, in one call.
    ///
    /// # Errors
    /// The first question that fails.
    pub fn analyse(&mut self, request: &AnalysisRequest) -> Result<Analysis, AnalysisError> {
        let rows = RowSettings {
            max_len: request.max_len,
            overlong: request.overlong,
        };
        let summary = self.summary(&SummaryRequest { rows })?;
        let mut reports = Vec::with_capacity(request.algorithms.len());
        let mut training = Vec::with_capacity(request.algorithms.len());
        for &algorithm in &request.algorithms {
            let answer = self.report(&ReportRequest {
                plan: PlanRequest {
                    rows,
                    algorithm,
                    max_per_pack: request.max_per_pack,
                    bucket_tokens: request.bucket_tokens,
                },
                batch_size: request.batch_size,
            })?;
            reports.push(answer.report);
            training.push(answer.training);
        }
        let sweep = if request.sweep_depths.is_empty() {
            Vec::new()
        } else {
            self.sweep(&SweepRequest {
                rows,
                algorithms: request.algorithms.clone(),
                depths: request.sweep_depths.clone(),
                bucket_tokens: request.bucket_tokens,
            })?
        };
        let detail = match request.detail_algorithm {
            Some(algorithm) => Some(self.plan_detail(&DetailRequest {
                plan: PlanRequest {
                    rows,
                    algorithm,
                    max_per_pack: request.max_per_pack,
                    bucket_tokens: request.bucket_tokens,
                },
                top_groups: DetailRequest::DEFAULT_TOP_GROUPS,
            })?),
            None => None,
        };
        let max_len_sweep = match &request.max_len_sweep {
            Some(sweep) => self.max_len_sweep(&MaxLenRequest {
                rows,
                algorithms: sweep.algorithms.clone(),
                max_per_pack: request.max_per_pack,
                extra_max_lens: sweep.extra_max_lens.clone(),
            })?,
            None => Vec::new(),
        };
        let dynamic_padding = self.dynamic_padding(&DynamicPaddingRequest {
            rows,
            batch_sizes: request.dynamic_padding_batch_sizes.clone(),
        })?;
        let flops = match request.model {
            Some(model) => Some(self.flops(&FlopsRequest {
                rows,
                model,
                packing: reports.iter().map(PackedRows::from).collect(),
                dynamic_padding: dynamic_padding.clone(),
            })?),
            None => None,
        };
        let lp_bound = if request.lp_bound {
            Some(self.lp_bound(&BoundRequest {
                rows,
                max_per_pack: request.max_per_pack.loosest(),
            })?)
        } else {
            None
        };
        Ok(Analysis {
            max_len: summary.max_len,
            summary: summary.summary,
            overlong: summary.overlong,
            no_packing: summary.no_packing,
            histogram: summary.histogram,
            reports,
            sweep,
            detail,
            training,
            max_len_sweep,
            dynamic_padding,
            flops,
            lp_bound,
        })
    }
}

/// [`Analyser::analyse`] of `counts`, with no clock (runtimes read 0).
pub fn analyse(
    counts: &crate::histogram::LengthCounts,
    request: &AnalysisRequest,
) -> Result<Analysis, AnalysisError> {
    Analyser::new(counts.clone(), Box::new(|| 0.0)).analyse(request)
}
