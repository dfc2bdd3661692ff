//! The fewest packs any plan could use: the cutting-stock LP bound.

use serde::{Deserialize, Serialize};

use super::analyser::{Analyser, AnalysisError, RowSettings};
use crate::algorithms::lp_bound;

/// The bound at a limit on sequences per pack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoundRequest {
    /// The row length and overlong policy.
    #[serde(flatten)]
    pub rows: RowSettings,
    /// Most sequences per pack; `None`: no limit. A bound at a limit holds
    /// for every plan at that limit or a tighter one, so a page comparing
    /// algorithms at different limits asks at the loosest
    /// ([`crate::MaxPerPack::loosest`]).
    #[serde(default)]
    pub max_per_pack: Option<u32>,
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

impl Analyser {
    /// The LP bound at `request`'s setting (milliseconds to a second or two).
    ///
    /// # Errors
    /// The histogram cannot be built, or the limit is 0.
    #[inline(never)] // See "Inlining" in the docs of `crate::analysis`.
    pub fn lp_bound(&mut self, request: &BoundRequest) -> Result<BoundSummary, AnalysisError> {
        let (histogram, _) = self.histogram(request.rows)?;
        let bound = lp_bound(histogram, request.max_per_pack)?;
        Ok(BoundSummary {
            max_per_pack: request.max_per_pack,
            lp_value: bound.lp_value,
            packs: bound.lower_bound_packs,
            proven: bound.proven,
            bucket_tokens: bound.bucket_tokens,
        })
    }
}
