//! The cutting-stock view of packing: the LP relaxation, the lower bound
//! on packs it proves, and its solution rounded to whole packs.
//!
//! Packing a histogram is the cutting-stock problem. A *composition* `p` is
//! a multiset of lengths that fits one row (`Σ lengths ≤ max_len`, and at
//! most `max_per_pack` sequences; the cutting-stock literature calls it a
//! pattern); `a_{l,p}` counts length `l` in it. With `b_l` the histogram's
//! count of length `l`, a plan uses composition `p` `x_p` times:
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
//! simplex over the compositions found so far (starting with those of a
//! seed plan, which the caller makes), and a dynamic programme (a bounded
//! knapsack with a cap on the number of items, at most `b_l` copies of
//! length `l`) that finds the composition that most improves it. Farley's
//! bound, computed at every pricing, proves the rounded-up optimum before
//! the LP has fully converged.
//!
//! This module is the LP only, and knows no packer. The optimal packer
//! (`algorithms::optimal`) seeds it with LPFHP's plan, rounds its solution
//! by residual rounding (round down, re-solve what is left, repeat) and
//! completes that into real packs; [`crate::algorithms::lp_bound`] gives
//! the bound and [`crate::algorithms::pack_optimal`] the LP's plan.
//!
//! At large `max_len` the programme would be too slow per length, so
//! lengths share buckets (see [`LpBound::bucket_tokens`]): rounded down for
//! the bound, which stays valid, and up for the packer, whose plans stay
//! valid token by token.
//!
//! ```
//! use packlab::algorithms::{lp_bound, pack_optimal};
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

use crate::histogram::Histogram;
use crate::plan::{sort_longest_first, PackingPlan};

use rows::{Rounding, RowSet};
use simplex::{whole_packs_at_least, KnownPacks, LpSolution, StopRule};

/// The LP relaxation of a histogram's packing, and the bound it proves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LpBound {
    /// An upper bound on the LP optimum: the packs of the final
    /// fractional solution, or of the seed plan (LPFHP's) if fewer. It is
    /// the LP optimum when `converged`; column generation may stop earlier,
    /// once no better bound can come from it (see `proven`).
    pub lp_value: f64,
    /// Farley's bound, a lower bound on the LP optimum: `lp_value` and it
    /// enclose the optimum, and meet at convergence.
    pub dual_bound: f64,
    /// No plan uses fewer packs: the largest of `⌈dual_bound⌉`, the volume
    /// bound `⌈tokens / max_len⌉`, `⌈sequences / max_per_pack⌉` and the
    /// number of sequences longer than `max_len / 2`.
    pub lower_bound_packs: u64,
    /// True when no better bound can come from this LP: `lower_bound_packs
    /// ≥ ⌈lp_value⌉`. Either Farley's bound proves the LP optimum rounded
    /// up, or the simple bounds already reach the LP's upper bound (then
    /// column generation stops there: at large max_len, where the LP's
    /// lengths are rounded down to buckets, the volume bound often wins).
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
    pub solution: Vec<FractionalGroup>,
}

/// A composition of the fractional LP solution and how often the solution
/// uses it: the LP's counterpart of a [`PackGroup`](crate::PackGroup),
/// whose count is whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FractionalGroup {
    /// Lengths of its sequences, longest first. With buckets, each is
    /// rounded down to a multiple of [`LpBound::bucket_tokens`] (0 for
    /// lengths below it), as the bound saw them.
    pub lengths: Vec<u32>,
    /// How many times the solution uses it (fractional, > 0).
    pub repeats: f64,
}

/// The LP relaxation bound on the packs of `histogram`, at most
/// `max_per_pack` sequences per pack (`None`: no limit; the caller has
/// checked that it is not 0), solved to the LP optimum (or, when that takes
/// long, until the optimum rounded up is proven). The compositions of
/// `seed`, a plan of the histogram, start the LP, and its packs bound the
/// optimum from above.
pub(crate) fn lp_bound_seeded(
    histogram: &Histogram,
    max_per_pack: Option<u32>,
    seed: Option<&PackingPlan>,
) -> LpBound {
    solve_bound(histogram, max_per_pack, seed, StopRule::Optimal).0
}

/// The LP of a packing, solved only as far as proves its bound rounded up
/// to whole packs: all the optimal packer needs before it rounds.
pub(crate) struct PackingLp {
    /// The bound.
    pub bound: LpBound,
    /// Most sequences per pack, as given.
    max_per_pack: Option<u32>,
    /// The rows the bound was solved on (lengths rounded down).
    rows: RowSet,
    /// The bound's solution, which rounding reuses when it can.
    solution: LpSolution,
}

/// Compositions in bucket units with whole counts: an LP solution rounded.
#[derive(Debug)]
pub(crate) struct IntegerSolution {
    /// Tokens per bucket: lengths were rounded up to multiples of this.
    pub bucket_tokens: u32,
    /// Each composition as its buckets (shortest first, a bucket repeated
    /// as often as it has slots), and how many packs use it, in the order
    /// rounding planned them.
    pub groups: Vec<(Vec<u32>, u64)>,
    /// LP solves whose rounding planned packs (1 + residual re-solves).
    pub rounds: usize,
}

/// Solves the LP of `histogram` until its bound rounded up is proven, for
/// a plan; `max_per_pack` and `seed` as for [`lp_bound_seeded`].
pub(crate) fn solve_for_packing(
    histogram: &Histogram,
    max_per_pack: Option<u32>,
    seed: Option<&PackingPlan>,
) -> PackingLp {
    let (bound, rows, solution) =
        solve_bound(histogram, max_per_pack, seed, StopRule::RoundedBoundProven);
    PackingLp {
        bound,
        max_per_pack,
        rows,
        solution,
    }
}

impl PackingLp {
    /// Residual rounding (see [`rounding`]) of the LP of `histogram` with
    /// lengths rounded *up* to buckets, so that every planned pack fits
    /// token by token; returns the bound and the integer solution. The
    /// bound's own solution is rounded when its rows are the same (exact
    /// lengths, the cap kept); otherwise the LP is solved again, started
    /// from the compositions of `seed`.
    pub(crate) fn round(
        self,
        histogram: &Histogram,
        seed: Option<&PackingPlan>,
    ) -> (LpBound, IntegerSolution) {
        let plan_rows = RowSet::affordable(histogram, Rounding::Up, self.max_per_pack);
        // Exact rows are the same both ways: reuse the bound's solution.
        let reuse =
            plan_rows.bucket_tokens == 1 && self.rows.bucket_tokens == 1 && !self.rows.cap_relaxed;
        let first = if reuse {
            self.solution
        } else {
            let start = plan_rows.seed_compositions(seed);
            simplex::solve(
                &plan_rows.problem,
                &start,
                StopRule::Rounding,
                KnownPacks::NOTHING,
            )
        };
        // Exact rows need every residual LP solved until its bound is
        // proven to stay within a pack of the bound. On buckets the plan
        // loses more to rounding up than that, refinement wins it back,
        // and a pivot budget per residual plans as well in less time (a
        // quarter less on a million-sequence chat-shaped histogram).
        let residual_stop = if plan_rows.bucket_tokens > 1 {
            StopRule::Rounding
        } else {
            StopRule::RoundedBoundProven
        };
        let (planned, rounds) =
            rounding::round_residually(&plan_rows.problem, first, residual_stop);
        let sizes = &plan_rows.problem.sizes;
        let groups = planned
            .into_iter()
            .map(|(composition, count)| {
                let units = composition
                    .slots
                    .iter()
                    .flat_map(|slot| {
                        let size = sizes.get(slot.row).copied().unwrap_or(0);
                        std::iter::repeat_n(size, slot.copies as usize)
                    })
                    .collect();
                (units, count)
            })
            .collect();
        let integer = IntegerSolution {
            bucket_tokens: plan_rows.bucket_tokens,
            groups,
            rounds,
        };
        (self.bound, integer)
    }
}

/// Solves the bound's LP; also returns its rows and raw solution.
fn solve_bound(
    histogram: &Histogram,
    cap: Option<u32>,
    seed: Option<&PackingPlan>,
    stop: StopRule,
) -> (LpBound, RowSet, LpSolution) {
    let rows = RowSet::affordable(histogram, Rounding::Down, cap);
    let bucket_tokens = rows.bucket_tokens;
    let start = rows.seed_compositions(seed);
    // A real plan is also a plan of the rounded-down rows: its packs bound
    // the LP optimum from above.
    let plan_packs = seed.map_or(f64::INFINITY, |plan| plan.packs() as f64);
    let simple = simple_bound(histogram, cap);
    let known = KnownPacks {
        plan: plan_packs,
        // `as` rounds to the nearest f64: exact below 2^53 packs.
        floor: simple as f64,
    };
    let solution = simplex::solve(&rows.problem, &start, stop, known);
    let lp_packs = whole_packs_at_least(solution.dual_bound);
    let lp_value = solution.primal_value.min(plan_packs);
    // `as` saturates; LP values are far below 2^64 for any real histogram.
    let lower_bound_packs = (lp_packs as u64).max(simple);
    let mut fractional: Vec<FractionalGroup> = solution
        .columns
        .iter()
        .map(|(composition, repeats)| {
            let mut lengths: Vec<u32> = composition
                .slots
                .iter()
                .flat_map(|slot| {
                    let size = rows.problem.sizes.get(slot.row).copied().unwrap_or(0);
                    std::iter::repeat_n(size * bucket_tokens, slot.copies as usize)
                })
                .collect();
            sort_longest_first(&mut lengths);
            FractionalGroup {
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
        proven: lower_bound_packs as f64 >= whole_packs_at_least(lp_value),
        converged: solution.converged,
        columns: solution.pool.len(),
        iterations: solution.iterations,
        bucket_tokens: rows.bucket_tokens,
        cap_relaxed: rows.cap_relaxed,
        solution: fractional,
    };
    (bound, rows, solution)
}

/// Bounds that need no LP: volume, sequences per pack, sequences longer
/// than half a row (no two share a pack), and at 2 per pack the exact
/// optimum (see [`fewest_packs_of_pairs`]), which bucketed lengths would
/// otherwise blur.
fn simple_bound(histogram: &Histogram, cap: Option<u32>) -> u64 {
    let max_len = histogram.max_len();
    let volume = histogram.tokens().div_ceil(u64::from(max_len));
    let by_count = cap.map_or(0, |cap| histogram.sequences().div_ceil(u64::from(cap)));
    let long: u64 = histogram
        .longest_first()
        .take_while(|&(length, _)| u64::from(length) * 2 > u64::from(max_len))
        .map(|(_, count)| count)
        .sum();
    let pairs = if cap == Some(2) {
        fewest_packs_of_pairs(histogram)
    } else {
        0
    };
    volume.max(by_count).max(long).max(pairs)
}

/// The fewest packs of at most 2 sequences: the longest sequence left
/// shares a pack with the shortest one if they fit, and otherwise has a
/// pack alone. No plan does better: if the longest fits with any, it fits
/// with the shortest, and swapping partners keeps every pack within
/// max_len. Linear in the distinct lengths.
fn fewest_packs_of_pairs(histogram: &Histogram) -> u64 {
    let max_len = u64::from(histogram.max_len());
    let mut lengths: Vec<(u64, u64)> = histogram
        .longest_first()
        .map(|(length, count)| (u64::from(length), count))
        .collect();
    let mut packs = 0u64;
    // `long` and `short` index the longest and shortest lengths left.
    let mut long = 0;
    let mut short = lengths.len();
    while long < short {
        let last = short - 1;
        let (long_length, long_left) = lengths[long];
        if long == last {
            // One length left: pairs among itself, if two fit.
            packs += if long_length * 2 <= max_len {
                long_left.div_ceil(2)
            } else {
                long_left
            };
            break;
        }
        let (short_length, short_left) = lengths[last];
        if long_length + short_length <= max_len {
            let pairs = long_left.min(short_left);
            packs += pairs;
            lengths[long].1 -= pairs;
            lengths[last].1 -= pairs;
        } else {
            packs += long_left;
            lengths[long].1 = 0;
        }
        if lengths[long].1 == 0 {
            long += 1;
        }
        if lengths[last].1 == 0 {
            short = last;
        }
    }
    packs
}
