//! The optimal packer: the cutting-stock LP's plan, and the best plan found.
//!
//! The LP ([`crate::cutting_stock`]) starts from LPFHP's plan, its seed,
//! and proves a lower bound on the packs of every plan. When the seed
//! meets the bound it is optimal and is kept. Otherwise the LP's solution
//! is rounded (residual rounding: round down, re-solve what is left,
//! repeat) into an integer solution, which the shared completion step
//! ([`super::completion`]) turns into real packs, and refinement
//! ([`super::refine`]) improves on the real lengths; the seed is kept if
//! it still has fewer packs. When that plan misses the bound, the other
//! packers are asked too, and the plan with fewest packs is kept.

use serde::{Deserialize, Serialize};

use crate::cutting_stock::{self, LpBound};
use crate::histogram::Histogram;
use crate::plan::{validate, Bucketing, Optimality, PackGroup, PackingPlan, PlanOrigin};

use super::completion::{self, BucketPools, PlannedGroup, SlotFilling};
use super::error::PackError;
use super::greedy::{self, LPFHP};
use super::refine;
use super::settings::Algorithm;

/// A plan by the optimal packer, with the bound it is measured against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimalOutcome {
    /// The packs. [`PackingPlan::from_groups`] makes a plan of them.
    pub groups: Vec<PackGroup>,
    /// The LP bound of the histogram at this `max_per_pack`.
    pub bound: LpBound,
    /// How the plan was made.
    pub source: PlanSource,
    /// Set when the LP planned on lengths rounded up to buckets.
    pub bucketing: Option<Bucketing>,
    /// LP solves whose rounding planned packs (1 + residual re-solves;
    /// 0 when the LP was not rounded).
    pub rounding_rounds: usize,
    /// Sequences left to the best-fit finish after rounding.
    pub greedy_sequences: u64,
}

impl OptimalOutcome {
    /// Packs of the plan.
    pub fn packs(&self) -> u64 {
        self.groups.iter().map(|group| group.count).sum()
    }
}

/// Where an optimal packer's plan came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanSource {
    /// Residual rounding of the LP solution, then best fit.
    LpRounding,
    /// LPFHP, computed anyway to seed the LP: it met the lower bound (so
    /// it is optimal) or beat the rounding (which can happen at large
    /// max_len, where the LP plans on lengths rounded up to buckets).
    Lpfhp,
}

/// LPFHP's plan, the LP's seed: its compositions start the LP well, and
/// its packs bound the LP optimum from above. `None` only if the plan is
/// unsound, a bug that LPFHP reports when asked for itself.
fn seed_plan(histogram: &Histogram, max_per_pack: Option<u32>) -> Option<PackingPlan> {
    let groups = greedy::pack(histogram, max_per_pack, LPFHP);
    let plan = PackingPlan::from_groups(histogram.max_len(), max_per_pack, groups);
    validate(&plan, histogram).ok().map(|()| plan)
}

/// The LP bound of `histogram`, seeded with LPFHP's plan; `max_per_pack`
/// is a checked limit that can bind (see `checked_limit`).
#[inline(never)] // See "Inlining" in the docs of `crate::analysis`.
pub(crate) fn lp_bound(histogram: &Histogram, max_per_pack: Option<u32>) -> LpBound {
    let seed = seed_plan(histogram, max_per_pack);
    cutting_stock::lp_bound_seeded(histogram, max_per_pack, seed.as_ref())
}

/// The cutting-stock LP's plan of `histogram`, within a few packs of its
/// bound; `max_per_pack` is a checked limit that can bind. The plan is
/// checked with [`validate`] before it is compared with the seed's.
#[inline(never)] // See "Inlining" in the docs of `crate::analysis`.
pub(crate) fn pack_lp_plan(
    histogram: &Histogram,
    max_per_pack: Option<u32>,
) -> Result<OptimalOutcome, PackError> {
    let mut seed = seed_plan(histogram, max_per_pack);
    let lp = cutting_stock::solve_for_packing(histogram, max_per_pack, seed.as_ref());
    let seed_outcome = |seed: PackingPlan, bound: LpBound| OptimalOutcome {
        groups: seed.groups,
        bound,
        source: PlanSource::Lpfhp,
        bucketing: None,
        rounding_rounds: 0,
        greedy_sequences: 0,
    };
    // Nothing can beat a plan that meets the bound.
    if let Some(seed) = seed.take_if(|seed| seed.packs() <= lp.bound.lower_bound_packs) {
        return Ok(seed_outcome(seed, lp.bound));
    }

    let (bound, integer) = lp.round(histogram, seed.as_ref());
    let planned: Vec<PlannedGroup> = integer
        .groups
        .into_iter()
        .map(|(units, count)| PlannedGroup { units, count })
        .collect();
    let pools = BucketPools::new(histogram, integer.bucket_tokens);
    let max_len = histogram.max_len();
    let completion = completion::complete(
        max_len,
        max_per_pack,
        pools,
        &planned,
        SlotFilling::CopiesTogether,
    );
    let mut groups = completion.groups;
    // Buckets rounded up leave room in every pack; refinement on the real
    // lengths wins part of it back.
    if let Some(refined) = refine::refine(max_len, max_per_pack, &groups, bound.lower_bound_packs) {
        groups = refined;
    }
    let plan = PackingPlan::from_groups(max_len, max_per_pack, groups);
    validate(&plan, histogram).map_err(|problem| PackError::UnsoundPlan {
        algorithm: Algorithm::Optimal,
        problem,
    })?;
    if let Some(seed) = seed {
        if seed.packs() < plan.packs() {
            return Ok(seed_outcome(seed, bound));
        }
    }
    Ok(OptimalOutcome {
        groups: plan.groups,
        bound,
        source: PlanSource::LpRounding,
        bucketing: (integer.bucket_tokens > 1).then_some(Bucketing {
            bucket_tokens: integer.bucket_tokens,
            slack_tokens: completion.slack_tokens,
        }),
        rounding_rounds: integer.rounds,
        greedy_sequences: completion.finished_sequences,
    })
}

/// A plan the optimal packer may keep, and the packer that made it.
pub(crate) struct Candidate {
    /// The packer that made the plan.
    pub plan_from: PlanOrigin,
    /// The plan's packs.
    pub groups: Vec<PackGroup>,
    /// How the plan bucketed lengths, if it did.
    pub bucketing: Option<Bucketing>,
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

/// The optimal packer: the cutting-stock LP's plan (see [`pack_lp_plan`]),
/// unless it misses the LP bound and another packer's plan at the same
/// settings uses fewer packs. Where column generation stops before the
/// LP converges, its rounding can lose to NNLSHP by a few packs, and a
/// packer called optimal must never show more packs than another one.
///
/// `other_plan` packs the histogram with another algorithm at the same
/// settings, as when that algorithm is asked for itself (NNLSHP reusing
/// and keeping its solutions, so that a page that showed NNLSHP's plan
/// does not solve it again), or gives `None` if it fails.
pub(crate) fn pack_best_found(
    histogram: &Histogram,
    max_per_pack: Option<u32>,
    mut other_plan: impl FnMut(Algorithm) -> Option<PackingPlan>,
) -> Result<(Candidate, Optimality), PackError> {
    let outcome = pack_lp_plan(histogram, max_per_pack)?;
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
        let plan = other_plan(algorithm)?;
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
