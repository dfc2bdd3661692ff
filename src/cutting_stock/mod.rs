//! The cutting-stock view of packing: a lower bound no plan can beat, and
//! a packer that comes within a few packs of it.
//!
//! Packing a histogram is the cutting-stock problem. A *composition* `p` is
//! a multiset of lengths that fits one row (`Σ lengths ≤ max_len`, and at
//! most `max_per_pack` sequences); `a_{l,p}` counts length `l` in it. With
//! `b_l` the histogram's count of length `l`, a plan uses composition `p`
//! `x_p` times:
//!
//! ```text
//!     minimise Σ_p x_p   subject to   Σ_p a_{l,p} x_p ≥ b_l for every length l,
//!                                     x_p ≥ 0 and integer.
//! ```
//!
//! Dropping "integer" leaves a linear programme (LP) whose optimum, rounded
//! up, is a lower bound on the packs of every plan. For cutting-stock
//! instances the best plan almost always needs exactly that many packs, and
//! very rarely one more (the "integer round-up property"), so the bound is
//! also the target. The compositions are far too many to list, so the LP is
//! solved by column generation (Gilmore and Gomory, 1961): a small revised
//! simplex over the compositions found so far (starting with those of an
//! LPFHP plan), and a dynamic programme (a bounded knapsack with a cap on
//! the number of items, at most `b_l` copies of length `l`) that finds the
//! composition that most improves it. Farley's bound, computed at every
//! pricing, proves the rounded-up optimum before the LP has fully converged.
//!
//! [`lp_bound`] gives the bound; [`pack_optimal`] turns the LP solution into
//! a plan by residual rounding (round down, re-solve what is left, repeat)
//! and a best-fit finish, or returns LPFHP's plan when that is no worse
//! (when LPFHP meets the bound it is optimal and no LP is rounded at all).
//!
//! At large `max_len` the programme would be too slow per length, so
//! lengths share buckets (see [`LpBound::bucket_tokens`]): rounded down for
//! the bound, which stays valid, and up for the packer, whose plans stay
//! valid token by token.
//!
//! ```
//! use packlab::cutting_stock::{lp_bound, pack_optimal};
//! use packlab::{validate, Histogram, PackingPlan};
//!
//! // Rows of 10 tokens: 4 sequences of 3, 2 of 5 and 2 of 9.
//! let mut counts = vec![0u64; 10];
//! counts[2] = 4;
//! counts[4] = 2;
//! counts[8] = 2;
//! let histogram = Histogram::from_dense(counts)?;
//!
//! let bound = lp_bound(&histogram, None)?;
//! // The LP: [9] twice, [5, 5] once, [3, 3, 3] 4/3 times: 4⅓ packs.
//! assert!((bound.lp_value - 13.0 / 3.0).abs() < 1e-6);
//! assert_eq!(bound.lower_bound_packs, 5);
//!
//! let outcome = pack_optimal(&histogram, None)?;
//! assert_eq!(outcome.packs(), 5);
//! let plan = PackingPlan::from_groups(10, None, outcome.groups);
//! assert_eq!(validate(&plan, &histogram), Ok(()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod pricing;
mod problem;
mod rounding;
mod rows;
mod simplex;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::histogram::Histogram;
use crate::plan::{sort_longest_first, validate, Bucketing, PackGroup, PackingPlan, PlanError};

use rows::{Rounding, RowSet};
use simplex::{whole_packs_at_least, LpSolution, StopRule};

/// Why a bound or a plan could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CuttingStockError {
    /// `max_per_pack` is zero.
    #[error("max_per_pack must be at least 1 sequence per pack (or unlimited)")]
    ZeroMaxPerPack,
    /// The packer produced an unsound plan. This is a bug in Packlab; the
    /// plan is withheld rather than reported wrong.
    #[error(
        "the optimal packer produced an unsound plan ({0}); this is a bug in Packlab, \
         please report it with the input; LPFHP gives a sound plan for this data"
    )]
    UnsoundPlan(PlanError),
}

/// The LP relaxation of a histogram's packing, and the bound it proves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LpBound {
    /// An upper bound on the LP optimum: the packs of the final
    /// fractional solution, or of LPFHP's plan if fewer. It is the LP
    /// optimum when `converged`; column generation may stop earlier, once
    /// the optimum rounded up is proven (see `proven`).
    pub lp_value: f64,
    /// Farley's bound, a lower bound on the LP optimum: `lp_value` and it
    /// enclose the optimum, and meet at convergence.
    pub dual_bound: f64,
    /// No plan uses fewer packs: the largest of `⌈dual_bound⌉`, the volume
    /// bound `⌈tokens / max_len⌉`, `⌈sequences / max_per_pack⌉` and the
    /// number of sequences longer than `max_len / 2`.
    pub lower_bound_packs: u64,
    /// True when `⌈dual_bound⌉ = ⌈lp_value⌉`: the LP optimum rounded up is
    /// known exactly, so no better bound can come from this LP. (When
    /// LPFHP's plan meets it, that plan is optimal.)
    pub proven: bool,
    /// True when no composition prices out: `lp_value` is the LP optimum.
    pub converged: bool,
    /// Compositions generated (the master's column pool).
    pub columns: usize,
    /// Simplex pivots.
    pub iterations: usize,
    /// Tokens per length bucket: 1 when every length is its own row;
    /// otherwise lengths were rounded *down* to multiples of this, which
    /// keeps the bound valid but can make it weaker.
    pub bucket_tokens: u32,
    /// True when the cap on sequences per pack was left out of the LP to
    /// keep pricing affordable (a cap of many sequences on many tiny
    /// lengths); the bound is then weaker but still valid.
    pub cap_relaxed: bool,
    /// The fractional solution, most used composition first.
    pub solution: Vec<FractionalPack>,
}

/// One composition of the fractional LP solution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FractionalPack {
    /// Lengths of its sequences, longest first. With buckets, each is
    /// rounded down to a multiple of [`LpBound::bucket_tokens`] (0 for
    /// lengths below it), as the bound saw them.
    pub lengths: Vec<u32>,
    /// How many times the solution uses it (fractional, > 0).
    pub repeats: f64,
}

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

/// The LP relaxation bound on the packs of `histogram`, at most
/// `max_per_pack` sequences per pack (`None`: no limit).
///
/// # Errors
/// [`CuttingStockError::ZeroMaxPerPack`] for a limit of 0.
#[inline(never)] // One step of an analysis: see `analysis::analyse`.
pub fn lp_bound(
    histogram: &Histogram,
    max_per_pack: Option<u32>,
) -> Result<LpBound, CuttingStockError> {
    let cap = effective_cap(histogram, max_per_pack)?;
    let greedy = greedy_plan(histogram, max_per_pack);
    Ok(solve_bound(histogram, cap, greedy.as_ref(), StopRule::Optimal).0)
}

/// Packs `histogram` within a few packs of its LP bound, at most
/// `max_per_pack` sequences per pack (`None`: no limit). The plan is
/// checked with [`validate`] before it is returned.
///
/// # Errors
/// [`CuttingStockError::ZeroMaxPerPack`] for a limit of 0;
/// [`CuttingStockError::UnsoundPlan`] if the plan fails the check (a bug).
#[inline(never)] // One step of an analysis: see `analysis::analyse`.
pub fn pack_optimal(
    histogram: &Histogram,
    max_per_pack: Option<u32>,
) -> Result<OptimalOutcome, CuttingStockError> {
    let cap = effective_cap(histogram, max_per_pack)?;
    let greedy = greedy_plan(histogram, max_per_pack);
    let (bound, bound_rows, bound_solution) = solve_bound(
        histogram,
        cap,
        greedy.as_ref(),
        StopRule::RoundedBoundProven,
    );
    let greedy_outcome = |greedy: PackingPlan, bound: LpBound| OptimalOutcome {
        groups: greedy.groups,
        bound,
        source: PlanSource::Lpfhp,
        bucketing: None,
        rounding_rounds: 0,
        greedy_sequences: 0,
    };
    if let Some(greedy) = greedy.clone() {
        if greedy.packs() <= bound.lower_bound_packs {
            // Nothing can beat a plan that meets the bound.
            return Ok(greedy_outcome(greedy, bound));
        }
    }

    let plan_rows = RowSet::affordable(histogram, Rounding::Up, cap);
    // Exact rows are the same both ways: reuse the bound's solution.
    let reuse =
        plan_rows.bucket_tokens == 1 && bound_rows.bucket_tokens == 1 && !bound_rows.cap_relaxed;
    let first = if reuse {
        bound_solution
    } else {
        let start = plan_rows.seed_patterns(greedy.as_ref());
        simplex::solve(
            &plan_rows.problem,
            &start,
            StopRule::RoundedBoundProven,
            f64::INFINITY,
        )
    };
    let max_len = histogram.max_len();
    let completion = rounding::complete(&plan_rows, max_len, cap, first);
    let plan = PackingPlan::from_groups(max_len, max_per_pack, completion.groups);
    validate(&plan, histogram).map_err(CuttingStockError::UnsoundPlan)?;
    if let Some(greedy) = greedy {
        if greedy.packs() < plan.packs() {
            return Ok(greedy_outcome(greedy, bound));
        }
    }
    Ok(OptimalOutcome {
        groups: plan.groups,
        bound,
        source: PlanSource::LpRounding,
        bucketing: (plan_rows.bucket_tokens > 1).then_some(Bucketing {
            bucket_tokens: plan_rows.bucket_tokens,
            slack_tokens: completion.slack_tokens,
        }),
        rounding_rounds: completion.rounds,
        greedy_sequences: completion.greedy_sequences,
    })
}

/// The cap the algorithms see: an error for 0, none when it cannot bind
/// (a pack never holds more than `max_len` sequences).
fn effective_cap(
    histogram: &Histogram,
    max_per_pack: Option<u32>,
) -> Result<Option<u32>, CuttingStockError> {
    match max_per_pack {
        Some(0) => Err(CuttingStockError::ZeroMaxPerPack),
        other => Ok(other.filter(|&cap| cap < histogram.max_len())),
    }
}

/// LPFHP's plan: its compositions start the LP well, and its packs bound
/// the LP optimum from above. `None` only if LPFHP fails, which the
/// checks before make impossible.
fn greedy_plan(histogram: &Histogram, max_per_pack: Option<u32>) -> Option<PackingPlan> {
    crate::algorithms::pack(histogram, crate::algorithms::Algorithm::Lpfhp, max_per_pack).ok()
}

/// Solves the bound's LP; also returns its rows and raw solution.
fn solve_bound(
    histogram: &Histogram,
    cap: Option<u32>,
    greedy: Option<&PackingPlan>,
    stop: StopRule,
) -> (LpBound, RowSet, LpSolution) {
    let rows = RowSet::affordable(histogram, Rounding::Down, cap);
    let bucket_tokens = rows.bucket_tokens;
    let start = rows.seed_patterns(greedy);
    // A real plan is also a plan of the rounded-down rows: its packs bound
    // the LP optimum from above.
    let plan_packs = greedy.map_or(f64::INFINITY, |plan| plan.packs() as f64);
    let solution = simplex::solve(&rows.problem, &start, stop, plan_packs);
    let lp_packs = whole_packs_at_least(solution.dual_bound);
    let lp_value = solution.primal_value.min(plan_packs);
    let simple = simple_bound(histogram, cap);
    // `as` saturates; LP values are far below 2^64 for any real histogram.
    let lower_bound_packs = (lp_packs as u64).max(simple);
    let mut fractional: Vec<FractionalPack> = solution
        .columns
        .iter()
        .map(|(pattern, repeats)| {
            let mut lengths: Vec<u32> = pattern
                .slots
                .iter()
                .flat_map(|slot| {
                    let size = rows.problem.sizes.get(slot.row).copied().unwrap_or(0);
                    std::iter::repeat_n(size * bucket_tokens, slot.copies as usize)
                })
                .collect();
            sort_longest_first(&mut lengths);
            FractionalPack {
                lengths,
                repeats: *repeats,
            }
        })
        .collect();
    fractional.sort_by(|a, b| b.repeats.total_cmp(&a.repeats));
    let bound = LpBound {
        lp_value,
        dual_bound: solution.dual_bound,
        lower_bound_packs,
        proven: lp_packs >= whole_packs_at_least(lp_value),
        converged: solution.converged,
        columns: solution.pool.len(),
        iterations: solution.iterations,
        bucket_tokens: rows.bucket_tokens,
        cap_relaxed: rows.cap_relaxed,
        solution: fractional,
    };
    (bound, rows, solution)
}

/// Bounds that need no LP: volume, sequences per pack, and sequences
/// longer than half a row (no two share a pack).
fn simple_bound(histogram: &Histogram, cap: Option<u32>) -> u64 {
    let max_len = histogram.max_len();
    let volume = histogram.tokens().div_ceil(u64::from(max_len));
    let by_count = cap.map_or(0, |cap| histogram.sequences().div_ceil(u64::from(cap)));
    let long: u64 = histogram
        .longest_first()
        .take_while(|&(length, _)| u64::from(length) * 2 > u64::from(max_len))
        .map(|(_, count)| count)
        .sum();
    volume.max(by_count).max(long)
}
