//! How algorithms do at each limit on sequences per pack: how a user
//! chooses the limit.

use serde::{Deserialize, Serialize};

use super::analyser::{Analyser, AnalysisError, RowSettings};
use crate::algorithms::{Algorithm, PackOptions};
use crate::report::Report;

/// A sweep over limits on sequences per pack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepRequest {
    /// The row length and overlong policy.
    #[serde(flatten)]
    pub rows: RowSettings,
    /// The algorithms, one line each, in this order.
    pub algorithms: Vec<Algorithm>,
    /// The limits (`None`: no limit), one point each, in this order.
    pub depths: Vec<Option<u32>>,
    /// NNLSHP's length bucket width in tokens; `None`: automatic.
    #[serde(default)]
    pub bucket_tokens: Option<u32>,
}

/// One point of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    /// The limit; `None`: no limit.
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
    /// One point per requested limit, in request order.
    pub points: Vec<SweepPoint>,
}

impl SweepPoint {
    fn of(report: &Report) -> Self {
        SweepPoint {
            max_per_pack: report.max_per_pack,
            packs: report.packs,
            efficiency: report.efficiency,
            speedup: report.speedup,
            runtime_ms: report.runtime_ms,
        }
    }
}

impl Analyser {
    /// Each algorithm's figures at each limit of `request`.
    ///
    /// # Errors
    /// The histogram cannot be built, or an algorithm fails.
    #[inline(never)] // See "Inlining" in the docs of `crate::analysis`.
    pub fn sweep(&mut self, request: &SweepRequest) -> Result<Vec<SweepLine>, AnalysisError> {
        let mut lines = Vec::with_capacity(request.algorithms.len());
        for &algorithm in &request.algorithms {
            let options = |max_per_pack| PackOptions {
                max_per_pack,
                bucket_tokens: request.bucket_tokens,
            };
            // A greedy packer whose plan without a limit never puts more than
            // `deepest` sequences in a pack makes the very same choices under
            // any limit of at least `deepest`: the limit only closes packs it
            // never chose again. One run then stands for all those settings
            // (tests/algorithms.rs checks the claim).
            let unlimited = if matches!(algorithm, Algorithm::Nnlshp | Algorithm::Optimal) {
                None
            } else {
                let (histogram, plan, runtime_ms) =
                    self.plan(request.rows, algorithm, options(None))?;
                let deepest = plan.most_sequences_in_a_pack();
                Some((Report::new(algorithm, histogram, plan, runtime_ms), deepest))
            };
            let mut points = Vec::with_capacity(request.depths.len());
            for &depth in &request.depths {
                let figures = match &unlimited {
                    Some((report, deepest))
                        if depth.is_none_or(|depth| depth as usize >= *deepest) =>
                    {
                        SweepPoint::of(report)
                    }
                    _ => {
                        let (histogram, plan, runtime_ms) =
                            self.plan(request.rows, algorithm, options(depth))?;
                        SweepPoint::of(&Report::new(algorithm, histogram, plan, runtime_ms))
                    }
                };
                points.push(SweepPoint {
                    max_per_pack: depth,
                    ..figures
                });
            }
            lines.push(SweepLine { algorithm, points });
        }
        Ok(lines)
    }
}
