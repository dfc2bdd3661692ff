//! The packing algorithms, and the one entry point that runs and checks them.

mod completion;
mod error;
mod greedy;
mod nnlshp;
mod settings;

pub use error::PackError;
pub use nnlshp::SolutionCache;
pub use settings::{Algorithm, MaxPerPack, PackOptions};

use crate::cutting_stock::{pack_optimal, PlanSource};
use crate::histogram::Histogram;
use crate::plan::{validate, Bucketing, Optimality, PackGroup, PackingPlan, PlanOrigin};

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

fn pack_inner(
    histogram: &Histogram,
    algorithm: Algorithm,
    options: &PackOptions,
    cache: Option<&mut SolutionCache>,
) -> Result<PackingPlan, PackError> {
    let max_per_pack = options.max_per_pack;
    if max_per_pack == Some(0) {
        return Err(PackError::ZeroMaxPerPack);
    }
    if options.bucket_tokens == Some(0) {
        return Err(PackError::ZeroBucketTokens);
    }
    let max_len = histogram.max_len();
    // A pack never holds more than max_len sequences (each has a token), so
    // the algorithms treat larger limits as no limit; the plan keeps the
    // user's figure.
    let effective_limit = max_per_pack.filter(|&limit| limit < max_len);
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
            let outcome = nnlshp::pack(histogram, effective_limit, options.bucket_tokens, cache)?;
            bucketing = outcome.bucketing;
            outcome.groups
        }
        Algorithm::Optimal => {
            let (kept, known) = pack_best_found(histogram, options, effective_limit, cache)?;
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

/// A plan the optimal packer may keep, and the packer that made it.
struct Candidate {
    plan_from: PlanOrigin,
    groups: Vec<PackGroup>,
    bucketing: Option<Bucketing>,
}

impl Candidate {
    fn packs(&self) -> u64 {
        self.groups.iter().map(|group| group.count).sum()
    }
}

/// The packers the optimal packer asks when the LP's plan misses the
/// bound: the two greedy ones first (microseconds), then NNLSHP. LPFHP
/// is not among them: the LP's plan is already LPFHP's when that is no
/// worse.
const OTHER_PACKERS: [(PlanOrigin, Algorithm); 3] = [
    (PlanOrigin::Spfhp, Algorithm::Spfhp),
    (PlanOrigin::Bfd, Algorithm::Bfd),
    (PlanOrigin::Nnlshp, Algorithm::Nnlshp),
];

/// The optimal packer: the cutting-stock LP's plan (see [`pack_optimal`]),
/// unless it misses the LP bound and another packer's plan at the same
/// settings uses fewer packs. Where column generation stops before the
/// LP converges, its rounding can lose to NNLSHP by a few packs, and a
/// packer called optimal must never show more packs than another one.
/// NNLSHP reuses and keeps its solutions in `cache`, as when asked for
/// itself, so a page that showed NNLSHP's plan does not solve it again.
fn pack_best_found(
    histogram: &Histogram,
    options: &PackOptions,
    effective_limit: Option<u32>,
    mut cache: Option<&mut SolutionCache>,
) -> Result<(Candidate, Optimality), PackError> {
    let outcome = pack_optimal(histogram, effective_limit)?;
    let lower_bound_packs = outcome.bound.lower_bound_packs;
    let lp_bound_exact = outcome.bound.proven;
    let lp_plan = Candidate {
        plan_from: match outcome.source {
            PlanSource::LpRounding => PlanOrigin::LpRounding,
            PlanSource::Lpfhp => PlanOrigin::Lpfhp,
        },
        groups: outcome.groups,
        bucketing: outcome.bucketing,
    };
    // Lazy: each packer runs only if no plan before it met the bound.
    let others = OTHER_PACKERS.iter().filter_map(|&(plan_from, algorithm)| {
        // A packer that fails here fails the same way when asked for
        // itself, and says why there; the plans at hand are enough here.
        let plan = pack_inner(histogram, algorithm, options, cache.as_deref_mut()).ok()?;
        Some(Candidate {
            plan_from,
            groups: plan.groups,
            bucketing: plan.bucketing,
        })
    });
    let kept = keep_fewest_packs(lp_plan, lower_bound_packs, others);
    let optimality = Optimality {
        lower_bound_packs,
        proven_optimal: kept.packs() <= lower_bound_packs,
        lp_bound_exact,
        plan_from: kept.plan_from,
    };
    Ok((kept, optimality))
}

/// The candidate with fewest packs, the earlier one on a tie (so the LP's
/// own plan, given `first`, wins ties). Candidates are taken from `others`
/// only while the kept one misses `lower_bound_packs`: no plan uses fewer,
/// so none after a plan that meets it can win, and they need not be made.
fn keep_fewest_packs(
    first: Candidate,
    lower_bound_packs: u64,
    others: impl IntoIterator<Item = Candidate>,
) -> Candidate {
    let mut kept = first;
    let mut others = others.into_iter();
    while kept.packs() > lower_bound_packs {
        let Some(other) = others.next() else {
            break;
        };
        if other.packs() < kept.packs() {
            kept = other;
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    /// A candidate of `packs` one-sequence packs.
    fn candidate(plan_from: PlanOrigin, packs: u64) -> Candidate {
        Candidate {
            plan_from,
            groups: vec![PackGroup {
                lengths: vec![1],
                count: packs,
            }],
            bucketing: None,
        }
    }

    #[test]
    fn another_packers_plan_with_fewer_packs_is_kept() {
        let lp_plan = candidate(PlanOrigin::LpRounding, 12);
        let others = [
            candidate(PlanOrigin::Spfhp, 13),
            candidate(PlanOrigin::Bfd, 11),
            candidate(PlanOrigin::Nnlshp, 10),
        ];
        let kept = keep_fewest_packs(lp_plan, 9, others);
        assert_eq!(kept.plan_from, PlanOrigin::Nnlshp);
        assert_eq!(kept.packs(), 10);
    }

    #[test]
    fn ties_keep_the_earlier_plan() {
        let others = [
            candidate(PlanOrigin::Spfhp, 12),
            candidate(PlanOrigin::Nnlshp, 12),
        ];
        let kept = keep_fewest_packs(candidate(PlanOrigin::Lpfhp, 12), 10, others);
        assert_eq!(kept.plan_from, PlanOrigin::Lpfhp);
        let others = [
            candidate(PlanOrigin::Bfd, 11),
            candidate(PlanOrigin::Nnlshp, 11),
        ];
        let kept = keep_fewest_packs(candidate(PlanOrigin::LpRounding, 12), 10, others);
        assert_eq!(kept.plan_from, PlanOrigin::Bfd);
    }

    #[test]
    fn no_plan_is_made_after_one_meets_the_bound() {
        let made = Cell::new(0);
        let counted = |plan_from, packs| {
            made.set(made.get() + 1);
            candidate(plan_from, packs)
        };
        // The LP's plan meets the bound: no other packer runs.
        let others = [(PlanOrigin::Spfhp, 9)]
            .into_iter()
            .map(|(origin, packs)| counted(origin, packs));
        let kept = keep_fewest_packs(candidate(PlanOrigin::LpRounding, 10), 10, others);
        assert_eq!((kept.plan_from, made.get()), (PlanOrigin::LpRounding, 0));
        // BFD's plan meets it: NNLSHP does not run.
        let others = [
            (PlanOrigin::Spfhp, 12),
            (PlanOrigin::Bfd, 10),
            (PlanOrigin::Nnlshp, 10),
        ]
        .into_iter()
        .map(|(origin, packs)| counted(origin, packs));
        let kept = keep_fewest_packs(candidate(PlanOrigin::LpRounding, 11), 10, others);
        assert_eq!((kept.plan_from, made.get()), (PlanOrigin::Bfd, 2));
    }
}
