//! Everything the web page shows about a dataset at one setting, computed
//! in one call: the length summary, the histogram binned for a chart, one
//! report per algorithm, the max-per-pack sweep, a closer look at one plan,
//! and what packing changes for training.
//!
//! Pure Rust, so the page's figures are computed by the same code as the
//! command line's and tested natively.

use serde::{Deserialize, Serialize};

use crate::algorithms::{
    lp_bound, pack_cached, Algorithm, MaxPerPack, PackError, PackOptions, SolutionCache,
};
use crate::dynamic_padding::{dynamic_padding_all, DynamicPadding, DynamicPaddingError};
use crate::flops::{
    flops_with_dynamic_padding, flops_with_packing, flops_without_packing, AttentionKernel,
    FlopsError, FlopsEstimate, ModelPreset, ModelShape,
};
use crate::histogram::{
    Histogram, HistogramError, LengthCounts, LengthSummary, OverlongOutcome, OverlongPolicy,
};
use crate::max_len_sweep::{candidates, sweep_max_len, MaxLenPoint, MaxLenSweepError};
use crate::plan::{PackGroup, PackingPlan};
use crate::report::Report;

/// Histograms with more lengths than this are drawn in wider bins.
pub const MAX_HISTOGRAM_BINS: u32 = 512;

/// How many of a plan's most frequent compositions are listed.
const DEFAULT_TOP_GROUPS: usize = 20;

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
    /// The algorithm whose plan gets a closer look, if any. Its report is
    /// computed whether or not it is in `algorithms`.
    #[serde(default)]
    pub detail_algorithm: Option<Algorithm>,
    /// Sequences (unpacked) or packs per training batch, for the training figures.
    #[serde(default = "default_batch_size")]
    pub batch_size: u32,
    /// How many of the detail plan's most frequent compositions to list.
    #[serde(default = "default_top_groups")]
    pub top_groups: usize,
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
    /// it bounds every report (milliseconds to a second or two).
    #[serde(default)]
    pub lp_bound: bool,
}

/// The cutting-stock LP relaxation's bound: no plan at `max_per_pack` (or
/// a tighter limit) uses fewer than `packs` packs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoundSummary {
    /// The limit on sequences per pack the bound holds at; `None`: none.
    pub max_per_pack: Option<u32>,
    /// The LP's value (fractional packs; the optimum when `converged`).
    pub lp_value: f64,
    /// The lower bound on packs, a whole number.
    pub packs: u64,
    /// Whether the bound is proven (the LP solved, or its dual bound
    /// rounds up to the same number); otherwise a valid but possibly weaker bound.
    pub proven: bool,
    /// Tokens per length bucket when lengths were grouped (1: exact).
    pub bucket_tokens: u32,
}

/// A model for the FLOPs estimate: a known one by name, or a shape.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ModelChoice {
    /// A preset, e.g. `"bert-base"`.
    Preset(ModelPreset),
    /// Any shape.
    Shape(ModelShape),
}

impl ModelChoice {
    /// The model's shape.
    pub fn shape(self) -> ModelShape {
        match self {
            ModelChoice::Preset(preset) => preset.shape(),
            ModelChoice::Shape(shape) => shape,
        }
    }
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

fn default_top_groups() -> usize {
    DEFAULT_TOP_GROUPS
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
            top_groups: default_top_groups(),
            max_len_sweep: None,
            dynamic_padding_batch_sizes: Vec::new(),
            model: None,
            lp_bound: false,
        }
    }
}

/// Sequence counts in bins of equal width, for drawing: the lengths as
/// read, before the overlong policy, so the user sees what lies past
/// max_len.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistogramBins {
    /// Lengths per bin; bin `i` covers lengths `i × width + 1 ..= (i + 1) × width`.
    pub bin_width: u32,
    /// Sequences per bin; the last bin also holds every longer sequence.
    pub counts: Vec<u64>,
    /// The row length, drawn as a marker.
    pub max_len: u32,
    /// The longest length the bins cover (at least max_len, at most twice
    /// it); longer sequences are counted in the last bin.
    pub range_end: u32,
}

/// One point of a max-per-pack sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    /// The setting; `None`: no limit.
    pub max_per_pack: Option<u32>,
    /// Packs needed.
    pub packs: u64,
    /// Real tokens / (packs × max_len).
    pub efficiency: f64,
    /// Sequences / packs.
    pub speedup: f64,
    /// Time the algorithm took.
    pub runtime_ms: f64,
}

/// One algorithm's sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepLine {
    /// The algorithm.
    pub algorithm: Algorithm,
    /// One point per requested setting, in request order.
    pub points: Vec<SweepPoint>,
}

/// A closer look at one plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanDetail {
    /// The plan's report.
    pub report: Report,
    /// Its most frequent compositions.
    pub top_groups: Vec<PackGroup>,
    /// How many distinct compositions the plan has.
    pub distinct_compositions: usize,
    /// A pack to draw, typical of the plan: of median fill (half of all
    /// packs hold at most as many tokens, half at least), the most
    /// frequent composition of that fill.
    pub example: Vec<u32>,
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

/// Training FLOPs per epoch on one model: without packing, with each
/// reported plan and with each dynamic padding estimate, under both
/// attention kernels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlopsComparison {
    /// The model.
    pub model: ModelShape,
    /// The preset's name, when the model is one.
    pub preset: Option<ModelPreset>,
    /// Every sequence alone in a row of max_len tokens: the baseline.
    pub no_packing: FlopsPair,
    /// One per report, in the order of the reports.
    pub packing: Vec<FlopsPair>,
    /// One per dynamic padding estimate, in their order.
    pub dynamic_padding: Vec<FlopsPair>,
}

/// One workload's estimate under each attention kernel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlopsPair {
    /// Attention over each sequence alone (block-diagonal, Σ s²).
    pub variable_length: FlopsEstimate,
    /// Attention over the whole row with a mask (rows × max_len²).
    pub dense_masked: FlopsEstimate,
}

/// Why an analysis failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnalysisError {
    /// The histogram could not be built.
    #[error(transparent)]
    Histogram(#[from] HistogramError),
    /// An algorithm failed.
    #[error(transparent)]
    Pack(#[from] PackError),
    /// The sweep over row lengths failed.
    #[error(transparent)]
    MaxLenSweep(#[from] MaxLenSweepError),
    /// Dynamic padding could not be estimated.
    #[error(transparent)]
    DynamicPadding(#[from] DynamicPaddingError),
    /// The FLOPs could not be estimated.
    #[error(transparent)]
    Flops(#[from] FlopsError),
}

/// Both attention kernels' estimates of one workload.
fn flops_pair(
    estimate: impl Fn(AttentionKernel) -> Result<FlopsEstimate, FlopsError>,
) -> Result<FlopsPair, FlopsError> {
    Ok(FlopsPair {
        variable_length: estimate(AttentionKernel::VariableLength)?,
        dense_masked: estimate(AttentionKernel::DenseMasked)?,
    })
}

/// Computes what `request` asks of `counts`. `clock` returns milliseconds
/// from any fixed origin: the library has no clock of its own, since
/// WebAssembly lacks one. NNLSHP's solutions are reused from and kept in
/// `cache` (see [`SolutionCache`]); pass a new one when nothing is kept
/// between calls.
// Each step of an analysis (every packer, the sweeps, dynamic padding,
// FLOPs, the bound) is a function of its own, never inlined into this one or
// into the page's entry points: the browser's engine optimises a hot
// WebAssembly function whole, in the background, and when everything was
// inlined here that meant a 42 KB function whose optimisation took 180 ms of
// CPU during the first render, taken from NNLSHP on a two-core machine.
#[inline(never)]
pub fn analyse(
    counts: &LengthCounts,
    request: &AnalysisRequest,
    clock: &dyn Fn() -> f64,
    cache: &mut SolutionCache,
) -> Result<Analysis, AnalysisError> {
    let max_len = request
        .max_len
        .or_else(|| counts.default_max_len())
        .ok_or(HistogramError::Empty)?;
    let (histogram, overlong) = Histogram::from_counts(counts, max_len, request.overlong)?;
    let summary = counts.summary(histogram.max_len())?;

    let mut timed_pack = |algorithm: Algorithm,
                          max_per_pack: Option<u32>|
     -> Result<(PackingPlan, f64), PackError> {
        let started = clock();
        let options = PackOptions {
            max_per_pack,
            bucket_tokens: request.bucket_tokens,
        };
        let plan = pack_cached(&histogram, algorithm, &options, cache)?;
        Ok((plan, clock() - started))
    };

    let model = request.model.map(ModelChoice::shape);
    let mut reports = Vec::with_capacity(request.algorithms.len());
    let mut packing_flops = Vec::new();
    for &algorithm in &request.algorithms {
        let (plan, runtime_ms) =
            timed_pack(algorithm, request.max_per_pack.for_algorithm(algorithm))?;
        reports.push(Report::new(algorithm, &histogram, &plan, runtime_ms));
        if let Some(model) = &model {
            packing_flops.push(flops_pair(|attention| {
                flops_with_packing(model, &histogram, &plan, attention)
            })?);
        }
    }

    let mut sweep = Vec::new();
    if !request.sweep_depths.is_empty() {
        for &algorithm in &request.algorithms {
            // A greedy packer whose plan without a limit never puts more
            // than `deepest` sequences in a pack makes the very same choices
            // under any limit of at least `deepest`: the limit only closes
            // packs it never chose again. One run then stands for all those
            // settings (tests/algorithms.rs checks the claim).
            let unlimited = if matches!(algorithm, Algorithm::Nnlshp | Algorithm::Optimal) {
                None
            } else {
                let (plan, runtime_ms) = timed_pack(algorithm, None)?;
                let deepest = plan
                    .groups
                    .iter()
                    .map(|group| group.lengths.len())
                    .max()
                    .unwrap_or(0);
                Some((
                    Report::new(algorithm, &histogram, &plan, runtime_ms),
                    deepest,
                ))
            };
            let mut points = Vec::with_capacity(request.sweep_depths.len());
            for &depth in &request.sweep_depths {
                let report = match &unlimited {
                    Some((report, deepest))
                        if depth.is_none_or(|depth| depth as usize >= *deepest) =>
                    {
                        report.clone()
                    }
                    _ => {
                        let (plan, runtime_ms) = timed_pack(algorithm, depth)?;
                        Report::new(algorithm, &histogram, &plan, runtime_ms)
                    }
                };
                points.push(SweepPoint {
                    max_per_pack: depth,
                    packs: report.packs,
                    efficiency: report.efficiency,
                    speedup: report.speedup,
                    runtime_ms: report.runtime_ms,
                });
            }
            sweep.push(SweepLine { algorithm, points });
        }
    }

    let detail = match request.detail_algorithm {
        Some(algorithm) => {
            let (plan, runtime_ms) =
                timed_pack(algorithm, request.max_per_pack.for_algorithm(algorithm))?;
            Some(plan_detail(
                Report::new(algorithm, &histogram, &plan, runtime_ms),
                plan,
                request.top_groups,
            ))
        }
        None => None,
    };

    let training = reports
        .iter()
        .map(|report| TrainingFigures::new(report, request.batch_size))
        .collect();

    let max_len_sweep = match &request.max_len_sweep {
        Some(sweep) => {
            let current = histogram.max_len();
            let candidates = candidates(counts, current, &sweep.extra_max_lens);
            sweep_max_len(
                counts,
                &candidates,
                current,
                request.overlong,
                &sweep.algorithms,
                request.max_per_pack,
                clock,
            )?
        }
        None => Vec::new(),
    };

    let mut dynamic_padding = Vec::new();
    for &batch_size in &request.dynamic_padding_batch_sizes {
        dynamic_padding.extend(dynamic_padding_all(&histogram, batch_size)?);
    }
    let flops = match model {
        Some(model) => Some(FlopsComparison {
            model,
            preset: match request.model {
                Some(ModelChoice::Preset(preset)) => Some(preset),
                _ => None,
            },
            no_packing: flops_pair(|attention| {
                flops_without_packing(&model, &histogram, attention)
            })?,
            packing: packing_flops,
            dynamic_padding: dynamic_padding
                .iter()
                .map(|padding| {
                    flops_pair(|attention| {
                        flops_with_dynamic_padding(&model, &histogram, padding, attention)
                    })
                })
                .collect::<Result<_, _>>()?,
        }),
        None => None,
    };

    let bound = if request.lp_bound {
        let max_per_pack = request.max_per_pack.loosest();
        let bound = lp_bound(&histogram, max_per_pack)?;
        Some(BoundSummary {
            max_per_pack,
            lp_value: bound.lp_value,
            packs: bound.lower_bound_packs,
            proven: bound.proven,
            bucket_tokens: bound.bucket_tokens,
        })
    } else {
        None
    };

    let no_packing = no_packing_report(&histogram)?;
    Ok(Analysis {
        max_len: histogram.max_len(),
        summary,
        overlong,
        no_packing,
        histogram: bin_lengths(counts, histogram.max_len(), MAX_HISTOGRAM_BINS),
        reports,
        sweep,
        detail,
        training,
        max_len_sweep,
        dynamic_padding,
        flops,
        lp_bound: bound,
    })
}

/// One sequence per row: what padding costs before any packing.
#[inline(never)] // One step of an analysis: see `analysis::analyse`.
fn no_packing_report(histogram: &Histogram) -> Result<Report, PackError> {
    let plan = crate::algorithms::pack(histogram, Algorithm::None, None)?;
    Ok(Report::new(Algorithm::None, histogram, &plan, 0.0))
}

#[inline(never)] // One step of an analysis: see `analysis::analyse`.
fn plan_detail(report: Report, plan: PackingPlan, top_groups: usize) -> PlanDetail {
    let example = representative_pack(&plan.groups);
    PlanDetail {
        report,
        distinct_compositions: plan.groups.len(),
        top_groups: plan.groups.into_iter().take(top_groups).collect(),
        example,
    }
}

/// A pack of median fill, the most frequent composition of that fill: what
/// a typical pack of the plan looks like. (The most frequent composition
/// alone can be far from typical: a plan whose packs are nearly all full
/// may still repeat one short leftover pack more often than any full one.)
fn representative_pack(groups: &[PackGroup]) -> Vec<u32> {
    let total: u64 = groups.iter().map(|group| group.count).sum();
    let median_rank = total.div_ceil(2);
    let packs_at_most = |fill: u64| -> u64 {
        groups
            .iter()
            .filter(|group| group.tokens() <= fill)
            .map(|group| group.count)
            .sum()
    };
    // The least fill that half of the packs do not exceed, by bisection:
    // a sort of the groups would cost more code in the page's module than
    // the few passes over them cost time.
    let (mut low, mut high) = (0, groups.iter().map(PackGroup::tokens).max().unwrap_or(0));
    while low < high {
        let middle = low + (high - low) / 2;
        if packs_at_most(middle) >= median_rank {
            high = middle;
        } else {
            low = middle + 1;
        }
    }
    // Groups come most frequent first (PackingPlan::from_groups).
    groups
        .iter()
        .find(|group| group.tokens() == low)
        .map(|group| group.lengths.clone())
        .unwrap_or_default()
}

/// Sums the lengths into at most `max_bins` bins of equal width covering
/// `1..=range_end`, where `range_end` is the longest sequence, but at least
/// `max_len` and at most twice it.
#[inline(never)] // One step of an analysis: see `analysis::analyse`.
pub fn bin_lengths(counts: &LengthCounts, max_len: u32, max_bins: u32) -> HistogramBins {
    let longest = counts.longest().unwrap_or(0);
    let range_end = longest.clamp(u64::from(max_len), 2 * u64::from(max_len)) as u32;
    let bin_width = range_end.div_ceil(max_bins.max(1)).max(1);
    let bins = range_end.div_ceil(bin_width) as usize;
    let mut binned = vec![0u64; bins];
    for (length, count) in counts.iter() {
        let index = ((length - 1) / u64::from(bin_width)).min(bins as u64 - 1) as usize;
        binned[index] = binned[index].saturating_add(count);
    }
    HistogramBins {
        bin_width,
        counts: binned,
        max_len,
        range_end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algorithms::pack;

    fn counts() -> LengthCounts {
        let mut counts = LengthCounts::new();
        for (length, count) in [(3, 5), (5, 4), (8, 2), (12, 1)] {
            counts.add(length, count).unwrap();
        }
        counts
    }

    fn no_clock() -> f64 {
        0.0
    }

    #[test]
    fn reports_equal_those_of_pack_and_report() {
        let request = AnalysisRequest {
            max_len: Some(10),
            max_per_pack: MaxPerPack::AtMost(3),
            algorithms: Algorithm::ALL.to_vec(),
            ..AnalysisRequest::default()
        };
        let analysis = analyse(&counts(), &request, &no_clock, &mut SolutionCache::new()).unwrap();
        let (histogram, _) =
            Histogram::from_counts(&counts(), 10, OverlongPolicy::Truncate).unwrap();
        for (report, algorithm) in analysis.reports.iter().zip(Algorithm::ALL) {
            let plan = pack(&histogram, algorithm, Some(3)).unwrap();
            assert_eq!(report, &Report::new(algorithm, &histogram, &plan, 0.0));
        }
        assert_eq!(analysis.overlong.sequences, 1);
        assert_eq!(analysis.summary.sequences, 12);
        assert_eq!(analysis.training.len(), Algorithm::ALL.len());
    }

    #[test]
    fn by_default_each_algorithm_packs_at_its_own_limit_and_the_bound_holds_for_all() {
        let request = AnalysisRequest {
            max_len: Some(16),
            algorithms: vec![Algorithm::Lpfhp, Algorithm::Nnlshp, Algorithm::Optimal],
            detail_algorithm: Some(Algorithm::Nnlshp),
            lp_bound: true,
            ..AnalysisRequest::default()
        };
        let analysis = analyse(&counts(), &request, &no_clock, &mut SolutionCache::new()).unwrap();
        let limits: Vec<Option<u32>> = analysis.reports.iter().map(|r| r.max_per_pack).collect();
        assert_eq!(limits, vec![None, Some(3), None]);
        assert_eq!(analysis.detail.unwrap().report.max_per_pack, Some(3));
        let bound = analysis.lp_bound.unwrap();
        assert_eq!(bound.max_per_pack, None);
        assert!(analysis
            .reports
            .iter()
            .all(|report| report.packs >= bound.packs));
    }

    #[test]
    fn no_packing_is_measured_on_what_the_overlong_policy_keeps() {
        // Lengths 3 (×5), 5 (×4), 8 (×2) and 12 (×1) at max_len 10.
        let at = |overlong| {
            let request = AnalysisRequest {
                max_len: Some(10),
                overlong,
                ..AnalysisRequest::default()
            };
            analyse(&counts(), &request, &no_clock, &mut SolutionCache::new()).unwrap()
        };
        let truncated = at(OverlongPolicy::Truncate);
        assert_eq!(truncated.no_packing.sequences, 12);
        assert_eq!(truncated.no_packing.tokens, 15 + 20 + 16 + 10);
        assert_eq!(truncated.no_packing.padding_fraction, 1.0 - 61.0 / 120.0);
        let dropped = at(OverlongPolicy::Drop);
        assert_eq!(dropped.no_packing.sequences, 11);
        assert_eq!(dropped.no_packing.padding_fraction, 1.0 - 51.0 / 110.0);
        assert_eq!(dropped.overlong.tokens_lost, 12);
        // The summary describes the lengths as read under either policy.
        assert_eq!(dropped.summary, truncated.summary);
    }

    #[test]
    fn sweep_has_one_point_per_depth() {
        let request = AnalysisRequest {
            max_len: Some(16),
            algorithms: vec![Algorithm::Spfhp, Algorithm::Lpfhp],
            sweep_depths: vec![Some(1), Some(2), None],
            ..AnalysisRequest::default()
        };
        let analysis = analyse(&counts(), &request, &no_clock, &mut SolutionCache::new()).unwrap();
        assert_eq!(analysis.sweep.len(), 2);
        for line in &analysis.sweep {
            assert_eq!(line.points.len(), 3);
            // One sequence per pack is no packing.
            assert_eq!(line.points[0].packs, 12);
            assert!(line.points[2].packs <= line.points[1].packs);
        }
    }

    #[test]
    fn the_example_pack_is_of_median_fill() {
        let group = |lengths: &[u32], count| PackGroup {
            lengths: lengths.to_vec(),
            count,
        };
        // The most frequent composition is a short leftover; most packs are full.
        let groups = vec![
            group(&[3], 5),
            group(&[6, 4], 4),
            group(&[5, 5], 3),
            group(&[7, 3], 2),
            group(&[2], 1),
        ];
        assert_eq!(representative_pack(&groups), vec![6, 4]);
        // Fills 3, 3, 3, 3, 3, 10, 10: the median pack holds 3 tokens.
        let groups = vec![group(&[3], 5), group(&[6, 4], 2)];
        assert_eq!(representative_pack(&groups), vec![3]);
        assert_eq!(representative_pack(&[]), Vec::<u32>::new());
    }

    #[test]
    fn detail_picks_a_pack_with_several_sequences() {
        let request = AnalysisRequest {
            max_len: Some(10),
            detail_algorithm: Some(Algorithm::Lpfhp),
            top_groups: 2,
            ..AnalysisRequest::default()
        };
        let detail = analyse(&counts(), &request, &no_clock, &mut SolutionCache::new())
            .unwrap()
            .detail
            .unwrap();
        assert!(detail.example.len() > 1);
        assert!(detail.example.iter().sum::<u32>() <= 10);
        assert!(detail.top_groups.len() <= 2);
        assert!(detail.distinct_compositions >= detail.top_groups.len());
    }

    #[test]
    fn bins_cover_every_length_once() {
        let mut lengths = LengthCounts::new();
        for (length, count) in [(1, 1), (501, 3), (1000, 2), (1500, 4), (5000, 5)] {
            lengths.add(length, count).unwrap();
        }
        // Lengths up to twice max_len are drawn; longer ones join the last bin.
        let bins = bin_lengths(&lengths, 1000, 500);
        assert_eq!(bins.range_end, 2000);
        assert_eq!(bins.bin_width, 4);
        assert_eq!(bins.counts.len(), 500);
        assert_eq!(bins.counts.iter().sum::<u64>(), 15);
        assert_eq!(bins.counts[0], 1);
        assert_eq!(bins.counts[125], 3); // 501 → lengths 501..=504
        assert_eq!(bins.counts[249], 2); // 1000 → lengths 997..=1000
        assert_eq!(bins.counts[374], 4); // 1500 → lengths 1497..=1500
        assert_eq!(bins.counts[499], 5);
        // Nothing past max_len: the bins end at max_len.
        let short = bin_lengths(&counts(), 16, 512);
        assert_eq!(
            (short.range_end, short.bin_width, short.counts.len()),
            (16, 1, 16)
        );
    }

    #[test]
    fn training_figures_round_steps_up() {
        let request = AnalysisRequest {
            max_len: Some(10),
            algorithms: vec![Algorithm::None, Algorithm::Lpfhp],
            batch_size: 5,
            ..AnalysisRequest::default()
        };
        let analysis = analyse(&counts(), &request, &no_clock, &mut SolutionCache::new()).unwrap();
        let none = &analysis.training[0];
        assert_eq!(none.unpacked_steps_per_epoch, 3); // 12 sequences / 5
        assert_eq!(none.steps_per_epoch, 3);
        assert_eq!(none.sequences_per_batch, 5.0);
        let packed = &analysis.training[1];
        assert_eq!(
            packed.steps_per_epoch,
            analysis.reports[1].packs.div_ceil(5)
        );
    }
}
