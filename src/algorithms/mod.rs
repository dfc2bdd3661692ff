//! The packing algorithms, and the entry points that check their settings,
//! run them and check their plans.
//!
//! The algorithms live in private modules: `greedy` (SPFHP, LPFHP and
//! best-fit decreasing), `nnlshp` and `optimal`, the last two ending with
//! the `completion` step they share; the optimal packer then improves its
//! plan on real lengths with `refine`. This module dispatches to them and
//! is the only one that checks settings (`checked_limit`): the modules
//! below it take checked values, and none of them imports it.

mod completion;
mod error;
mod greedy;
mod nnlshp;
mod optimal;
mod refine;
mod settings;

pub use error::PackError;
pub use nnlshp::SolutionCache;
pub use optimal::{OptimalOutcome, PlanSource};
pub use settings::{Algorithm, MaxPerPack, PackOptions};

use crate::cutting_stock::LpBound;
use crate::histogram::Histogram;
use crate::plan::{validate, PackGroup, PackingPlan};

/// Packs `histogram` with `algorithm`, at most `max_per_pack` sequences per
/// pack (`None`: no limit), and checks the plan with [`validate`].
///
/// # Errors
/// [`PackError::ZeroMaxPerPack`] for a limit of 0; NNLSHP can fail in its
/// least-squares solve; an unsound plan is returned as an error, never as
/// a plan.
pub fn pack(
    histogram: &Histogram,
    algorithm: Algorithm,
    max_per_pack: Option<u32>,
) -> Result<PackingPlan, PackError> {
    pack_with(
        histogram,
        algorithm,
        &PackOptions {
            max_per_pack,
            bucket_tokens: None,
        },
    )
}

/// [`pack`] with every setting.
///
/// # Errors
/// As [`pack`]; also [`PackError::ZeroBucketTokens`].
pub fn pack_with(
    histogram: &Histogram,
    algorithm: Algorithm,
    options: &PackOptions,
) -> Result<PackingPlan, PackError> {
    pack_inner(histogram, algorithm, options, None)
}

/// [`pack_with`], reusing and keeping NNLSHP's least-squares solutions in
/// `cache`: for sweeps over max_per_pack and repeated requests on one
/// histogram. The plans are those [`pack_with`] gives.
///
/// # Errors
/// As [`pack_with`].
pub fn pack_cached(
    histogram: &Histogram,
    algorithm: Algorithm,
    options: &PackOptions,
    cache: &mut SolutionCache,
) -> Result<PackingPlan, PackError> {
    pack_inner(histogram, algorithm, options, Some(cache))
}

/// The plan of the cutting-stock LP alone, rounded and completed (or
/// LPFHP's, when no worse), with the bound it is measured against: what
/// [`Algorithm::Optimal`] starts from before it asks the other packers.
///
/// # Errors
/// [`PackError::ZeroMaxPerPack`] for a limit of 0; an unsound plan is
/// returned as an error, never as a plan.
pub fn pack_optimal(
    histogram: &Histogram,
    max_per_pack: Option<u32>,
) -> Result<OptimalOutcome, PackError> {
    let limit = checked_limit(histogram, max_per_pack, None)?;
    optimal::pack_lp_plan(histogram, limit)
}

/// The LP relaxation bound on the packs of `histogram`, at most
/// `max_per_pack` sequences per pack (`None`: no limit): no plan uses
/// fewer than its `lower_bound_packs` (see [`crate::cutting_stock`]).
///
/// # Errors
/// [`PackError::ZeroMaxPerPack`] for a limit of 0.
pub fn lp_bound(histogram: &Histogram, max_per_pack: Option<u32>) -> Result<LpBound, PackError> {
    let limit = checked_limit(histogram, max_per_pack, None)?;
    Ok(optimal::lp_bound(histogram, limit))
}

/// The one check of a packing's settings: a limit of 0 sequences per pack
/// and NNLSHP buckets of 0 tokens are refused. Returns the limit the
/// algorithms pack with: a pack never holds more than max_len sequences
/// (each has a token), so a larger limit is no limit (the plan keeps the
/// user's figure).
fn checked_limit(
    histogram: &Histogram,
    max_per_pack: Option<u32>,
    bucket_tokens: Option<u32>,
) -> Result<Option<u32>, PackError> {
    if max_per_pack == Some(0) {
        return Err(PackError::ZeroMaxPerPack);
    }
    if bucket_tokens == Some(0) {
        return Err(PackError::ZeroBucketTokens);
    }
    Ok(max_per_pack.filter(|&limit| limit < histogram.max_len()))
}

fn pack_inner(
    histogram: &Histogram,
    algorithm: Algorithm,
    options: &PackOptions,
    mut cache: Option<&mut SolutionCache>,
) -> Result<PackingPlan, PackError> {
    let effective_limit = checked_limit(histogram, options.max_per_pack, options.bucket_tokens)?;
    let max_per_pack = options.max_per_pack;
    let max_len = histogram.max_len();
    let mut bucketing = None;
    let mut optimality = None;
    let groups = match algorithm {
        Algorithm::None => histogram
            .longest_first()
            .map(|(length, count)| PackGroup {
                lengths: vec![length],
                count,
            })
            .collect(),
        Algorithm::Spfhp => greedy::pack(histogram, effective_limit, greedy::SPFHP),
        Algorithm::Lpfhp => greedy::pack(histogram, effective_limit, greedy::LPFHP),
        Algorithm::Bfd => greedy::pack(histogram, effective_limit, greedy::BEST_FIT_DECREASING),
        Algorithm::Nnlshp => {
            let outcome = nnlshp::pack(
                histogram,
                effective_limit,
                options.bucket_tokens,
                cache.as_deref_mut(),
            )?;
            bucketing = outcome.bucketing;
            outcome.groups
        }
        Algorithm::Optimal => {
            // The other packers run as when asked for themselves, NNLSHP
            // with the cache.
            let other_plan =
                |other| pack_inner(histogram, other, options, cache.as_deref_mut()).ok();
            let (kept, known) = optimal::pack_best_found(histogram, effective_limit, other_plan)?;
            bucketing = kept.bucketing;
            optimality = Some(known);
            kept.groups
        }
    };
    // No packing holds one sequence per pack whatever the limit says.
    let plan_limit = if algorithm == Algorithm::None {
        Some(1)
    } else {
        max_per_pack
    };
    let mut plan = PackingPlan::from_groups(max_len, plan_limit, groups);
    plan.bucketing = bucketing;
    plan.optimality = optimality;
    validate(&plan, histogram).map_err(|problem| PackError::UnsoundPlan { algorithm, problem })?;
    Ok(plan)
}
