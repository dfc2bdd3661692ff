//! From a histogram to the rows of the master LP: one row per length, or,
//! at large `max_len`, one row per bucket of lengths.
//!
//! The pricing programme costs O(rows × capacity units × (cap + 1)) per
//! call, so both must stay small. Up to [`MAX_AUTOMATIC_BUCKETS`] distinct
//! lengths and [`EXACT_PRICING_CELLS`] cells, every length is its own row
//! and the LP is exact. Beyond that, lengths share buckets `g` tokens wide
//! (Packlab's [`automatic_bucket_tokens`], `⌈max_len / 512⌉`, as NNLSHP's;
//! wider when a cap makes pricing costly) and capacity is counted in units
//! of `g` tokens:
//!
//! - for the **bound**, each length is rounded *down* to `⌊length / g⌋`
//!   units, in packs of `⌊max_len / g⌋` units. A real pack stays a pack
//!   after rounding (`Σ⌊l/g⌋ ≤ ⌊Σl/g⌋ ≤ ⌊max_len/g⌋`), so the LP is a
//!   relaxation and its bound still holds. Lengths below `g` become free
//!   (0 units): without a cap they drop out entirely; with one they still
//!   take a place among the `max_per_pack`.
//! - for the **packer**, each length is rounded *up* to `⌈length / g⌉`
//!   units, so that every planned pack also fits token by token. Lengths
//!   whose bucket exceeds the capacity in units are left out of the LP;
//!   the optimal packer's completion step places them.

use crate::histogram::Histogram;
use crate::plan::{automatic_bucket_tokens, PackingPlan, MAX_AUTOMATIC_BUCKETS};

use super::problem::{Composition, Problem, Slot};

/// Largest `max_len × distinct lengths` planned exactly, without buckets.
pub(super) const EXACT_PRICING_CELLS: u64 = 1 << 18;

/// Largest pricing table (rows × (capacity + 1) × (cap + 1)) allowed;
/// beyond it buckets widen (see [`RowSet::affordable`]). Every length of
/// a max_len-512 histogram stays its own row up to 16 per pack (4.4M
/// cells); the table's flags take a few bytes per cell, also in the page.
pub(super) const PRICING_CELL_BUDGET: u64 = 1 << 23;

/// Which way lengths are rounded to bucket units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rounding {
    /// Down, for a bound that stays valid.
    Down,
    /// Up, for plans that stay valid.
    Up,
}

/// The bucket width the LP of `histogram` starts from: 1 (exact) when it
/// has few enough distinct lengths to price them exactly, even beyond
/// max_len 512; otherwise Packlab's [`automatic_bucket_tokens`], which
/// keeps the rows within [`MAX_AUTOMATIC_BUCKETS`] (the dense basis
/// inverse holds rows²).
fn lp_bucket_tokens(histogram: &Histogram) -> u32 {
    let max_len = histogram.max_len();
    let distinct = histogram.longest_first().count() as u64;
    let few_lengths = distinct <= u64::from(MAX_AUTOMATIC_BUCKETS);
    if few_lengths && u64::from(max_len) * distinct <= EXACT_PRICING_CELLS {
        1
    } else {
        automatic_bucket_tokens(max_len)
    }
}

/// The rows of a master LP: one per length, or per bucket of lengths.
#[derive(Debug, Clone)]
pub(super) struct RowSet {
    /// Tokens per capacity unit (1: exact).
    pub bucket_tokens: u32,
    /// Which way lengths were rounded.
    pub rounding: Rounding,
    /// The LP instance: sizes in units, demands, capacity, binding cap.
    pub problem: Problem,
    /// True when the cap was left out to keep pricing affordable (see
    /// [`RowSet::affordable`]).
    pub cap_relaxed: bool,
}

impl RowSet {
    /// Rows of `histogram` in buckets of `bucket_tokens`, rounded as told,
    /// with at most `cap` sequences per pack (`None`: no limit).
    pub(super) fn new(
        histogram: &Histogram,
        bucket_tokens: u32,
        rounding: Rounding,
        cap: Option<u32>,
    ) -> Self {
        let bucket_tokens = bucket_tokens.clamp(1, histogram.max_len());
        let capacity = histogram.max_len() / bucket_tokens;
        let units = |length: u32| match rounding {
            Rounding::Down => length / bucket_tokens,
            Rounding::Up => length.div_ceil(bucket_tokens),
        };
        // Sizes present, and whether the cap can bind: only if fewer
        // sequences than the smallest size allows fit in a pack.
        let mut sizes: Vec<u32> = histogram
            .longest_first()
            .map(|(length, _)| units(length))
            .filter(|&size| size <= capacity)
            .collect();
        sizes.sort_unstable();
        sizes.dedup();
        let cap = Problem::binding_cap(&sizes, capacity, cap);
        if cap.is_none() {
            // Without a cap, free sequences need no row.
            sizes.retain(|&size| size > 0);
        }

        // Sequences without a row are left out of the LP: free ones (the
        // bound without a cap) and ones too long for any composition
        // (lengths rounded up past the capacity).
        let mut demands = vec![0u64; sizes.len()];
        for (length, count) in histogram.longest_first() {
            if let Ok(row) = sizes.binary_search(&units(length)) {
                // No overflow: the histogram's total fits in u64.
                demands[row] = demands[row].saturating_add(count);
            }
        }
        RowSet {
            bucket_tokens,
            rounding,
            problem: Problem {
                sizes,
                demands,
                capacity,
                cap,
            },
            cap_relaxed: false,
        }
    }

    /// The compositions of `plan` in these rows: good columns to start the
    /// master with. Slots of sequences outside the rows are dropped;
    /// compositions the rows do not admit are skipped.
    fn plan_compositions(&self, plan: &PackingPlan) -> Vec<Composition> {
        let units = |length: u32| match self.rounding {
            Rounding::Down => length / self.bucket_tokens,
            Rounding::Up => length.div_ceil(self.bucket_tokens),
        };
        let mut compositions = Vec::new();
        for group in &plan.groups {
            let mut slots: Vec<Slot> = Vec::new();
            for &length in &group.lengths {
                let Ok(row) = self.problem.sizes.binary_search(&units(length)) else {
                    continue;
                };
                match slots.iter_mut().find(|slot| slot.row == row) {
                    Some(slot) => slot.copies += 1,
                    None => slots.push(Slot { row, copies: 1 }),
                }
            }
            slots.sort_unstable();
            if !slots.is_empty() {
                compositions.push(Composition { slots });
            }
        }
        compositions
    }

    /// Starting columns for the master: the compositions of the `seed`
    /// plan and, with a cap, of [`longest_with_reserved_slots`].
    pub(super) fn seed_compositions(&self, seed: Option<&PackingPlan>) -> Vec<Composition> {
        let mut compositions = seed.map_or_else(Vec::new, |plan| self.plan_compositions(plan));
        compositions.extend(longest_with_reserved_slots(&self.problem));
        compositions
    }

    /// Cells of one pricing table for these rows.
    pub(super) fn pricing_cells(&self) -> u64 {
        let layers = self.problem.cap.map_or(1, |cap| u64::from(cap) + 1);
        self.problem.sizes.len() as u64 * (u64::from(self.problem.capacity) + 1) * layers
    }

    /// The rows for an LP rounded as told: [`lp_bucket_tokens`] wide,
    /// widened (doubled) while pricing would cost more than
    /// [`PRICING_CELL_BUDGET`], which only a cap of many sequences can
    /// cause. If even one bucket of `max_len` tokens is too much (a cap in
    /// the millions with free sequences), the bound leaves the cap out: a
    /// relaxation, so still a valid bound. (Rounded up, one bucket of
    /// `max_len` tokens makes every sequence fill a pack and the cap moot.)
    pub(super) fn affordable(histogram: &Histogram, rounding: Rounding, cap: Option<u32>) -> Self {
        let max_len = histogram.max_len();
        let mut bucket_tokens = lp_bucket_tokens(histogram);
        loop {
            let rows = RowSet::new(histogram, bucket_tokens, rounding, cap);
            if rows.pricing_cells() <= PRICING_CELL_BUDGET {
                return rows;
            }
            if bucket_tokens >= max_len {
                return RowSet {
                    cap_relaxed: rows.problem.cap.is_some(),
                    ..RowSet::new(histogram, bucket_tokens, rounding, None)
                };
            }
            bucket_tokens = bucket_tokens.saturating_mul(2).min(max_len);
        }
    }
}

/// When the cap binds, good packs hold exactly `cap` sequences, and the
/// seed plan (LPFHP's, which packs by length) makes poor starting columns.
/// This heuristic opens each pack with the longest sequence left, then
/// fills every further slot with the longest sequence that still leaves
/// room for the shortest one in each slot after it, and repeats the
/// composition as often as the demands allow. Rows are sorted by size,
/// shortest first.
fn longest_with_reserved_slots(problem: &Problem) -> Vec<Composition> {
    let Some(cap) = problem.cap else {
        return Vec::new();
    };
    let sizes = &problem.sizes;
    let mut left = problem.demands.clone();
    let mut compositions = Vec::new();
    // Each round exhausts a row or repeats less: a bound on the work.
    let rounds = sizes.len().saturating_mul(cap as usize + 1);
    for _ in 0..rounds {
        let Some(longest) = left.iter().rposition(|&count| count > 0) else {
            break;
        };
        let mut trial = left.clone();
        trial[longest] -= 1;
        let mut chosen = vec![longest];
        let mut room = problem.capacity.saturating_sub(sizes[longest]);
        for slots_after in (0..cap - 1).rev() {
            let Some(shortest) = trial.iter().position(|&count| count > 0) else {
                break;
            };
            let reserve = sizes[shortest].saturating_mul(slots_after);
            let limit = room.saturating_sub(reserve);
            // The longest row with sequences left and size ≤ limit, or
            // failing that the shortest, if it fits at all.
            let fitting = sizes.partition_point(|&size| size <= limit);
            let pick = (0..fitting)
                .rev()
                .find(|&row| trial[row] > 0)
                .or((sizes[shortest] <= room).then_some(shortest));
            let Some(row) = pick else {
                break;
            };
            trial[row] -= 1;
            room -= sizes[row];
            chosen.push(row);
        }
        chosen.sort_unstable();
        let mut slots: Vec<Slot> = Vec::new();
        for row in chosen {
            match slots.last_mut() {
                Some(slot) if slot.row == row => slot.copies += 1,
                _ => slots.push(Slot { row, copies: 1 }),
            }
        }
        let composition = Composition { slots };
        let repeats = composition
            .slots
            .iter()
            .map(|slot| left[slot.row] / u64::from(slot.copies))
            .min()
            .unwrap_or(0);
        if repeats == 0 {
            break;
        }
        for slot in &composition.slots {
            left[slot.row] -= repeats * u64::from(slot.copies);
        }
        compositions.push(composition);
    }
    compositions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram(max_len: u32, lengths: &[(u32, u64)]) -> Histogram {
        let mut counts = vec![0u64; max_len as usize];
        for &(length, count) in lengths {
            counts[length as usize - 1] += count;
        }
        Histogram::from_dense(counts).unwrap()
    }

    #[test]
    fn exact_rows_are_lengths() {
        let data = histogram(10, &[(3, 2), (7, 1)]);
        let rows = RowSet::new(&data, 1, Rounding::Down, None);
        assert_eq!(rows.problem.sizes, vec![3, 7]);
        assert_eq!(rows.problem.demands, vec![2, 1]);
        assert_eq!(rows.problem.capacity, 10);
    }

    #[test]
    fn buckets_round_down_for_the_bound_and_up_for_plans() {
        // max_len 10 in buckets of 4: capacity 2 units.
        let data = histogram(10, &[(3, 1), (4, 1), (5, 2), (10, 1)]);
        let down = RowSet::new(&data, 4, Rounding::Down, None);
        // 3 → 0 (free, dropped), 4, 5 → 1, 10 → 2.
        assert_eq!(down.problem.sizes, vec![1, 2]);
        assert_eq!(down.problem.demands, vec![3, 1]);
        let capped = RowSet::new(&data, 4, Rounding::Down, Some(2));
        assert_eq!(capped.problem.sizes, vec![0, 1, 2]);
        assert_eq!(capped.problem.cap, Some(2));
        let up = RowSet::new(&data, 4, Rounding::Up, None);
        // 3, 4 → 1, 5 → 2, 10 → 3 > capacity: left out.
        assert_eq!(up.problem.sizes, vec![1, 2]);
        assert_eq!(up.problem.demands, vec![2, 2]);
    }

    #[test]
    fn pricing_stays_affordable() {
        // A cap of millions of sequences over lengths all shorter than one
        // bucket: free when rounded down, so the cap binds, and no bucket
        // width makes millions of layers affordable; the bound drops the cap.
        let max_len = 1 << 22;
        let data = histogram(max_len, &[(1, 5), (1000, 5)]);
        let bound = RowSet::affordable(&data, Rounding::Down, Some(8_000_000));
        assert!(bound.cap_relaxed);
        assert!(bound.pricing_cells() <= PRICING_CELL_BUDGET);
        // A cap of 16 is affordable with wider buckets.
        let data = histogram(
            1024,
            &(1..=256).map(|length| (length, 3)).collect::<Vec<_>>(),
        );
        let bound = RowSet::affordable(&data, Rounding::Down, Some(16));
        assert!(!bound.cap_relaxed && bound.problem.cap == Some(16));
        assert!(bound.pricing_cells() <= PRICING_CELL_BUDGET);
        let plan = RowSet::affordable(&data, Rounding::Up, Some(16));
        assert!(plan.pricing_cells() <= PRICING_CELL_BUDGET);
    }

    #[test]
    fn cap_that_cannot_bind_is_dropped() {
        let data = histogram(10, &[(3, 5)]);
        assert_eq!(
            RowSet::new(&data, 1, Rounding::Up, Some(3)).problem.cap,
            None
        );
        assert_eq!(
            RowSet::new(&data, 1, Rounding::Up, Some(2)).problem.cap,
            Some(2)
        );
    }
}
