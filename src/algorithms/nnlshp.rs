//! Non-negative least-squares histogram packing (NNLSHP).
//!
//! The paper's idea: a *composition* (the paper's *packing strategy*) is a
//! multiset of at most `max_per_pack` lengths that fills a row exactly.
//! With `A[l][s]` the number of times length `l` appears in composition `s`
//! and `b` the histogram, a plan that uses composition `s` `x[s]` times
//! places `A·x` sequences of each length.
//! Solving `min ‖W(A·x − b)‖` subject to `x ≥ 0` gives a near-exact cover;
//! rounding `x` and packing what is left over gives the plan.
//!
//! Packlab never lists the compositions (there are 22,102 at max_len 512 and
//! depth 3, and astronomically many at depth 16). The least-squares solver
//! asks for the composition that most improves the fit, and a dynamic
//! programme over lengths finds it: the best multiset of at most
//! `max_per_pack` lengths summing to `max_len`, each length scored by the
//! current weighted residual. This is column generation, and it is exactly
//! the step Lawson–Hanson's active-set method takes anyway.
//!
//! The leftover step departs from the published code, which gives every
//! leftover sequence a row of its own: Packlab first removes the composition
//! slots that rounding over-allocated (they would be padding), then packs
//! the leftover sequences best-fit into the holes this opens and, only then,
//! into new rows (the completion step it shares with the optimal packer,
//! in `completion`). It never uses more rows than one per leftover, and
//! works for every `max_per_pack` ≥ 1 and every leftover length.
//!
//! At large `max_len` the least-squares problem would have a row per
//! length, and each pricing step costs O(max_len²). Packlab then plans on
//! *buckets* of `g` tokens: lengths `(u − 1)·g + 1 ..= u·g` count as bucket
//! `u`, compositions fill `max_len / g` bucket units, and every sequence in a
//! slot of bucket `u` has at most `u·g` tokens, so the plan stays valid
//! token by token. The tokens set aside by rounding up are reported, and
//! leftover sequences fill them where they fit.

use crate::histogram::Histogram;
use crate::nnls::{solve_with_oracle_from, ColumnOracle, NnlsError, NnlsOptions, SparseColumn};
use crate::plan::{automatic_bucket_tokens, sort_longest_first, Bucketing, PackGroup};

use super::completion::{self, BucketPools, Completion, PlannedGroup, SlotFilling};

/// The paper's residual weight for lengths up to [`SHORT_LENGTH_CUTOFF`]:
/// short sequences are cheap to leave over (they fit almost anywhere in the
/// leftover step), so the fit may neglect them.
const SHORT_LENGTH_WEIGHT: f64 = 0.09;

/// Lengths `1..=SHORT_LENGTH_CUTOFF` get [`SHORT_LENGTH_WEIGHT`].
const SHORT_LENGTH_CUTOFF: u32 = 8;

/// An NNLSHP plan's packs, and the bucketing used if any.
pub(crate) struct Outcome {
    pub groups: Vec<PackGroup>,
    pub bucketing: Option<Bucketing>,
}

/// NNLSHP's least-squares solutions for one histogram, kept so that a
/// sweep over max_per_pack, or a repeated request, solves each only once.
///
/// A solution found with a looser limit (or none) whose compositions all
/// respect a tighter limit is also optimal under the tighter one: the
/// tighter problem only removes compositions that the solution does not use.
/// On real data the solutions without a limit often use only a few lengths
/// per composition, so most settings of a sweep need no solve at all.
#[derive(Debug, Default)]
pub struct SolutionCache {
    /// The histogram the solutions belong to; another histogram empties the cache.
    histogram: Option<Histogram>,
    solutions: Vec<CachedSolution>,
}

#[derive(Debug)]
struct CachedSolution {
    bucket_tokens: u32,
    /// The limit on lengths per composition it was solved under (bucket units).
    limit: Option<u32>,
    /// The compositions (in bucket units) and how often each is used.
    compositions: Vec<(Vec<u32>, f64)>,
    /// The most lengths any of its compositions holds.
    deepest: usize,
}

impl SolutionCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    fn keep_only(&mut self, histogram: &Histogram) {
        if self.histogram.as_ref() != Some(histogram) {
            self.histogram = Some(histogram.clone());
            self.solutions.clear();
        }
    }

    /// A cached solution that is optimal under `limit`, if any.
    fn find(&self, bucket_tokens: u32, limit: Option<u32>) -> Option<&[(Vec<u32>, f64)]> {
        self.solutions
            .iter()
            .filter(|solution| solution.bucket_tokens == bucket_tokens)
            .find(|solution| match (solution.limit, limit) {
                (None, None) => true,
                (None, Some(limit)) => solution.deepest <= limit as usize,
                (Some(solved), Some(limit)) => {
                    solved == limit || (solved > limit && solution.deepest <= limit as usize)
                }
                (Some(_), None) => false,
            })
            .map(|solution| solution.compositions.as_slice())
    }

    /// The cached solution that is the best start for a solve under
    /// `limit`: one whose compositions all respect it, from the loosest limit
    /// (the closest problem; in a sweep, the setting just before).
    fn warm_start(&self, bucket_tokens: u32, limit: Option<u32>) -> Option<&[(Vec<u32>, f64)]> {
        self.solutions
            .iter()
            .filter(|solution| solution.bucket_tokens == bucket_tokens)
            .filter(|solution| limit.is_none_or(|limit| solution.deepest <= limit as usize))
            .max_by_key(|solution| solution.limit.map_or(u64::MAX, u64::from))
            .map(|solution| solution.compositions.as_slice())
    }

    fn insert(&mut self, bucket_tokens: u32, limit: Option<u32>, solution: &[(Vec<u32>, f64)]) {
        let deepest = solution
            .iter()
            .map(|(units, _)| units.len())
            .max()
            .unwrap_or(0);
        self.solutions.push(CachedSolution {
            bucket_tokens,
            limit,
            compositions: solution.to_vec(),
            deepest,
        });
    }
}

/// Packs `histogram` with NNLSHP, at most `max_per_pack` sequences per pack
/// (`None`: no limit), on buckets of `bucket_tokens` tokens (`None`:
/// [`automatic_bucket_tokens`]). With a `cache`, solutions are reused and
/// kept, and a new solve starts from the closest cached solution.
#[inline(never)] // See "Inlining" in the docs of `crate::analysis`.
pub(crate) fn pack(
    histogram: &Histogram,
    max_per_pack: Option<u32>,
    bucket_tokens: Option<u32>,
    cache: Option<&mut SolutionCache>,
) -> Result<Outcome, NnlsError> {
    let max_len = histogram.max_len();
    let bucket_tokens = bucket_tokens
        .unwrap_or_else(|| automatic_bucket_tokens(max_len))
        .clamp(1, max_len);
    let pools = BucketPools::new(histogram, bucket_tokens);
    // Compositions fill this many bucket units; lengths in a bucket beyond it
    // (when max_len is not a multiple of the width) are always left over.
    let units = max_len / bucket_tokens;
    // The limit in the least-squares problem: none when it cannot bind.
    let limit = max_per_pack.filter(|&limit| limit < units);
    let solution = match cache {
        None => solve_least_squares(&pools, units, bucket_tokens, limit, &[])?,
        Some(cache) => {
            cache.keep_only(histogram);
            match cache.find(bucket_tokens, limit) {
                Some(solution) => solution.to_vec(),
                None => {
                    let start = cache.warm_start(bucket_tokens, limit).unwrap_or(&[]);
                    let solution = solve_least_squares(&pools, units, bucket_tokens, limit, start)?;
                    cache.insert(bucket_tokens, limit, &solution);
                    solution
                }
            }
        }
    };

    // The paper rounds to the nearest integer. Rounding down leaves more
    // sequences over but never over-allocates; which packs better depends
    // on the data, and both cost little next to the solve: keep the better.
    let context = PlanContext {
        max_len,
        max_per_pack,
        pools: &pools,
        units,
    };
    let nearest = context.complete(&solution, f64::round_ties_even);
    let down = context.complete(&solution, f64::floor);
    let kept = if down.packs() < nearest.packs() {
        down
    } else {
        nearest
    };
    Ok(Outcome {
        groups: kept.groups,
        bucketing: (bucket_tokens > 1).then_some(Bucketing {
            bucket_tokens,
            slack_tokens: kept.slack_tokens,
        }),
    })
}

/// Solves NNLSHP's least-squares problem on the bucketed histogram:
/// compositions of at most `limit` lengths (`None`: any number) filling
/// `units` bucket units, and how often to use each.
fn solve_least_squares(
    pools: &BucketPools,
    units: u32,
    bucket_tokens: u32,
    limit: Option<u32>,
    start: &[(Vec<u32>, f64)],
) -> Result<Vec<(Vec<u32>, f64)>, NnlsError> {
    let weights: Vec<f64> = (1..=units)
        .map(|unit| {
            if unit * bucket_tokens <= SHORT_LENGTH_CUTOFF {
                SHORT_LENGTH_WEIGHT
            } else {
                1.0
            }
        })
        .collect();
    let weighted_histogram: Vec<f64> = pools
        .bucket_counts(units)
        .iter()
        .zip(&weights)
        .map(|(&count, &weight)| count as f64 * weight)
        .collect();
    let start = start
        .iter()
        .map(|(composition, _)| {
            (
                composition.clone(),
                composition_column(composition, &weights),
            )
        })
        .collect();
    let mut oracle = CompositionOracle::new(units, limit, weights);
    let solution = solve_with_oracle_from(
        &weighted_histogram,
        &mut oracle,
        &NnlsOptions::default(),
        start,
    )?;
    Ok(solution.columns)
}

/// What turning a least-squares solution into a plan needs.
struct PlanContext<'a> {
    max_len: u32,
    max_per_pack: Option<u32>,
    pools: &'a BucketPools,
    /// Bucket units a composition fills.
    units: u32,
}

impl PlanContext<'_> {
    /// Turns the least-squares solution into an integer one, compositions
    /// repeated `round(x)` times with the over-allocated slots taken out,
    /// and completes it: real sequences into the slots of their bucket,
    /// leftover sequences best-fit into the space left and then into new
    /// packs (see [`completion`]).
    fn complete(&self, solution: &[(Vec<u32>, f64)], round: fn(f64) -> f64) -> Completion {
        let mut groups: Vec<PlannedGroup> = solution
            .iter()
            .filter_map(|(units, repeats)| {
                let count = round(*repeats);
                // `as` saturates; a count beyond u64 cannot come from a real fit.
                (count >= 1.0).then(|| PlannedGroup {
                    units: units.clone(),
                    count: count as u64,
                })
            })
            .collect();
        let bucket_counts = self.pools.bucket_counts(self.units);
        let planned = placed_per_bucket(&groups, self.units);
        remove_overallocated_slots(&mut groups, &planned, &bucket_counts);
        completion::complete(
            self.max_len,
            self.max_per_pack,
            self.pools.clone(),
            &groups,
            SlotFilling::SlotBySlot,
        )
    }
}

/// How many slots of each bucket `1..=buckets` (index `u − 1`) the groups
/// plan.
fn placed_per_bucket(groups: &[PlannedGroup], buckets: u32) -> Vec<u64> {
    let mut placed = vec![0u64; buckets as usize];
    for group in groups {
        for &unit in &group.units {
            let slot = &mut placed[unit as usize - 1];
            *slot = slot.saturating_add(group.count);
        }
    }
    placed
}

/// Takes out of the rounded compositions every slot of a bucket that has
/// fewer sequences than slots (`available[u − 1]`): those slots would be
/// padding.
///
/// Slots come out of the emptiest packs first, so that holes gather in few
/// packs (a pack left with nothing disappears) and the space freed is in
/// large pieces that leftover sequences can use.
fn remove_overallocated_slots(groups: &mut Vec<PlannedGroup>, planned: &[u64], available: &[u64]) {
    for (index, (&slots, &sequences)) in planned.iter().zip(available).enumerate().rev() {
        let unit = index as u32 + 1;
        let mut surplus = slots.saturating_sub(sequences);
        while surplus > 0 {
            let emptiest = groups
                .iter()
                .enumerate()
                .filter(|(_, group)| group.count > 0 && group.units.contains(&unit))
                .min_by_key(|(_, group)| group.filled_units())
                .map(|(position, _)| position);
            let Some(position) = emptiest else {
                break;
            };
            let group = &mut groups[position];
            let taken = group.count.min(surplus);
            group.count -= taken;
            let mut units = group.units.clone();
            if let Some(slot) = units.iter().position(|&planned| planned == unit) {
                units.remove(slot);
            }
            groups.push(PlannedGroup {
                units,
                count: taken,
            });
            surplus -= taken;
        }
    }
    groups.retain(|group| group.count > 0 && !group.units.is_empty());
}

/// Finds the composition that most improves the least-squares fit.
///
/// A composition's score is the sum, over its lengths, of the weighted
/// residual at that length: how much the fit still lacks sequences of that
/// length. The best multiset of at most `max_per_pack` lengths summing
/// exactly to `max_len` comes from a dynamic programme over (number of
/// lengths, tokens), O(max_per_pack × max_len²) per query.
struct CompositionOracle {
    max_len: u32,
    /// At most this many lengths per composition; `None` when the cap cannot
    /// bind (it is at least `max_len`).
    max_per_pack: Option<u32>,
    /// `weights[length - 1]`: the row weight W of that length.
    weights: Vec<f64>,
    /// `best[c][tokens]`: the best score of `c + 1` lengths summing to `tokens`.
    best: Vec<Vec<f64>>,
    /// `last[c][tokens]`: the last length added to reach `best[c][tokens]`.
    last: Vec<Vec<u32>>,
    /// The current scores, longest length first: `reversed_scores[i]` is
    /// the score of length `max_len - i`, so that the programme's inner
    /// loop reads both of its arrays forwards.
    reversed_scores: Vec<f64>,
}

impl CompositionOracle {
    fn new(max_len: u32, max_per_pack: Option<u32>, weights: Vec<f64>) -> Self {
        let max_per_pack = max_per_pack.filter(|&limit| limit < max_len);
        let layers = max_per_pack.unwrap_or(1) as usize;
        let row = max_len as usize + 1;
        CompositionOracle {
            max_len,
            max_per_pack,
            weights,
            best: vec![vec![f64::NEG_INFINITY; row]; layers],
            last: vec![vec![0; row]; layers],
            reversed_scores: vec![0.0; max_len as usize],
        }
    }

    /// The best composition with a cap on its number of lengths: layer `c`
    /// holds the best `c + 1` lengths for every token total.
    fn best_capped(&mut self, scores: &[f64], cap: usize) -> Vec<u32> {
        let max_len = self.max_len as usize;
        for tokens in 1..=max_len {
            self.best[0][tokens] = scores[tokens - 1];
            self.last[0][tokens] = tokens as u32;
        }
        for layer in 1..cap {
            // The last layer is only ever read at max_len.
            let first_total = if layer + 1 == cap { max_len } else { layer + 1 };
            let (done, current) = self.best.split_at_mut(layer);
            let previous = &done[layer - 1];
            let current = &mut current[0];
            let last = &mut self.last[layer];
            let slots = current.iter_mut().zip(last.iter_mut()).enumerate();
            for (tokens, (best_score, best_length)) in slots.skip(first_total) {
                // The added length leaves at least `layer` tokens for the
                // `layer` lengths before it. A pair is the same whichever
                // of its lengths comes last: let the shorter one, which
                // halves the work of the layer that dominates at depth 3.
                let longest = if layer == 1 {
                    tokens / 2
                } else {
                    tokens - layer
                };
                (*best_score, *best_length) =
                    best_extension(previous, &self.reversed_scores, tokens, longest);
            }
        }
        let best_layer = (0..cap)
            .max_by(|&a, &b| {
                self.best[a][max_len]
                    .total_cmp(&self.best[b][max_len])
                    .then(b.cmp(&a))
            })
            .unwrap_or(0);
        let mut lengths = Vec::with_capacity(best_layer + 1);
        let mut tokens = max_len;
        for layer in (0..=best_layer).rev() {
            let length = self.last[layer][tokens];
            lengths.push(length);
            tokens -= length as usize;
        }
        lengths
    }

    /// The best composition of at most three lengths, by listing each multiset
    /// `a ≤ b ≤ c` once: about max_len²/12 sums, a third of what the
    /// layered programme needs. Ties go to the first found (shortest `a`,
    /// then shortest `b`; fewer lengths before more).
    fn best_of_three(&self, scores: &[f64]) -> Vec<u32> {
        let max_len = self.max_len as usize;
        let score = |length: usize| scores[length - 1];
        let mut best_value = score(max_len);
        let mut best = vec![max_len as u32];
        for a in 1..=max_len / 2 {
            let value = score(a) + score(max_len - a);
            if value > best_value {
                best_value = value;
                best = vec![(max_len - a) as u32, a as u32];
            }
        }
        for a in 1..=max_len / 3 {
            // b runs over a..=(max_len - a) / 2 and c = max_len - a - b ≥ b:
            // the score of c sits at `reversed_scores[a + b]`.
            let last_b = (max_len - a) / 2;
            let shorter = &scores[a - 1..last_b];
            let longer = &self.reversed_scores[2 * a..a + last_b + 1];
            let (pair_value, offset) = max_pairwise_sum(shorter, longer);
            let value = score(a) + pair_value;
            if value > best_value {
                best_value = value;
                let b = a + offset;
                best = vec![(max_len - a - b) as u32, b as u32, a as u32];
            }
        }
        best
    }

    /// The best composition with no cap on its number of lengths.
    fn best_uncapped(&mut self) -> Vec<u32> {
        let max_len = self.max_len as usize;
        let best = &mut self.best[0];
        let last = &mut self.last[0];
        best[0] = 0.0;
        for tokens in 1..=max_len {
            let (best_score, best_length) =
                best_extension(best, &self.reversed_scores, tokens, tokens);
            best[tokens] = best_score;
            last[tokens] = best_length;
        }
        let mut lengths = Vec::new();
        let mut tokens = max_len;
        while tokens > 0 {
            let length = last[tokens];
            lengths.push(length);
            tokens -= length as usize;
        }
        lengths
    }
}

/// The weighted column of a composition (lengths longest first): row
/// `length - 1` holds the length's weight times how often it appears.
fn composition_column(lengths: &[u32], weights: &[f64]) -> SparseColumn {
    let mut entries: Vec<(usize, f64)> = Vec::with_capacity(lengths.len());
    for &length in lengths.iter().rev() {
        let row = length as usize - 1;
        match entries.last_mut() {
            Some((last_row, value)) if *last_row == row => *value += weights[row],
            _ => entries.push((row, weights[row])),
        }
    }
    SparseColumn { entries }
}

/// The largest `left[i] + right[i]` and the first `i` reaching it, with four
/// independent running maxima (see [`best_extension`]).
fn max_pairwise_sum(left: &[f64], right: &[f64]) -> (f64, usize) {
    let length = left.len().min(right.len());
    const LANES: usize = 4;
    let mut best = [f64::NEG_INFINITY; LANES];
    let mut position = [usize::MAX; LANES];
    let whole = length / LANES * LANES;
    for start in (0..whole).step_by(LANES) {
        for lane in 0..LANES {
            let value = left[start + lane] + right[start + lane];
            if value > best[lane] {
                best[lane] = value;
                position[lane] = start + lane;
            }
        }
    }
    let mut best_value = f64::NEG_INFINITY;
    let mut best_position = usize::MAX;
    for lane in 0..LANES {
        if best[lane] > best_value || (best[lane] == best_value && position[lane] < best_position) {
            best_value = best[lane];
            best_position = position[lane];
        }
    }
    for index in whole..length {
        let value = left[index] + right[index];
        if value > best_value {
            best_value = value;
            best_position = index;
        }
    }
    (best_value, best_position.min(length.saturating_sub(1)))
}

/// The best way to end a composition of `tokens` tokens: the maximum over
/// `length` in `1..=longest` of `previous[tokens - length]` plus the score
/// of `length`, and the shortest length reaching it.
///
/// This is the dynamic programme's inner loop, where NNLSHP spends most of
/// its time. With the scores stored longest first, both arrays are read
/// forwards, and four independent running maxima let the processor overlap
/// the comparisons instead of waiting on one chain.
fn best_extension(
    previous: &[f64],
    reversed_scores: &[f64],
    tokens: usize,
    longest: usize,
) -> (f64, u32) {
    let max_len = reversed_scores.len();
    // Position i stands for length `longest - i`.
    let prefixes = &previous[tokens - longest..tokens];
    let endings = &reversed_scores[max_len - longest..];
    const LANES: usize = 4;
    let mut best = [f64::NEG_INFINITY; LANES];
    let mut position = [0usize; LANES];
    let whole = longest / LANES * LANES;
    // The lanes are written out rather than looped over, as in `dot`
    // (src/nnls/dense.rs): their speed then holds at any optimisation level.
    #[inline(always)]
    fn consider(best: &mut f64, position: &mut usize, value: f64, index: usize) {
        // `>=`: among equal values the later position, the shorter length.
        if value >= *best {
            *best = value;
            *position = index;
        }
    }
    let chunks = prefixes[..whole]
        .chunks_exact(LANES)
        .zip(endings[..whole].chunks_exact(LANES));
    for (start, (prefix, ending)) in (0..).step_by(LANES).zip(chunks) {
        consider(&mut best[0], &mut position[0], prefix[0] + ending[0], start);
        consider(
            &mut best[1],
            &mut position[1],
            prefix[1] + ending[1],
            start + 1,
        );
        consider(
            &mut best[2],
            &mut position[2],
            prefix[2] + ending[2],
            start + 2,
        );
        consider(
            &mut best[3],
            &mut position[3],
            prefix[3] + ending[3],
            start + 3,
        );
    }
    let mut best_value = f64::NEG_INFINITY;
    let mut best_position = 0;
    for lane in 0..LANES {
        if best[lane] > best_value || (best[lane] == best_value && position[lane] > best_position) {
            best_value = best[lane];
            best_position = position[lane];
        }
    }
    for index in whole..longest {
        let value = prefixes[index] + endings[index];
        if value >= best_value {
            best_value = value;
            best_position = index;
        }
    }
    (best_value, (longest - best_position) as u32)
}

impl ColumnOracle for CompositionOracle {
    type Id = Vec<u32>;

    fn best_column(&mut self, residual: &[f64]) -> Option<(Vec<u32>, SparseColumn, f64)> {
        let scores: Vec<f64> = residual
            .iter()
            .zip(&self.weights)
            .map(|(&r, &w)| r * w)
            .collect();
        for (reversed, &score) in self.reversed_scores.iter_mut().zip(scores.iter().rev()) {
            *reversed = score;
        }
        let mut lengths = match self.max_per_pack {
            // The paper's depth, and the page's default: enumerate the
            // triples directly.
            Some(3) => self.best_of_three(&scores),
            // One or two layers cost O(max_len).
            Some(cap) if cap < 3 => self.best_capped(&scores, cap as usize),
            Some(cap) => {
                // The best composition without a cap is also the best with one
                // whenever it respects the cap, which is the common case;
                // only otherwise pay for the cap's layers.
                let uncapped = self.best_uncapped();
                if uncapped.len() <= cap as usize {
                    uncapped
                } else {
                    self.best_capped(&scores, cap as usize)
                }
            }
            None => self.best_uncapped(),
        };
        sort_longest_first(&mut lengths);
        let column = composition_column(&lengths, &self.weights);
        let score = lengths
            .iter()
            .map(|&length| scores[length as usize - 1])
            .sum();
        Some((lengths, column, score))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every multiset of at most `cap` lengths summing to `max_len`, by
    /// recursion on non-increasing sequences: an independent enumeration.
    fn all_compositions(max_len: u32, cap: usize) -> Vec<Vec<u32>> {
        fn extend(
            remaining: u32,
            largest: u32,
            cap: usize,
            prefix: &mut Vec<u32>,
            out: &mut Vec<Vec<u32>>,
        ) {
            if remaining == 0 {
                out.push(prefix.clone());
                return;
            }
            if prefix.len() == cap {
                return;
            }
            for length in (1..=largest.min(remaining)).rev() {
                prefix.push(length);
                extend(remaining - length, length, cap, prefix, out);
                prefix.pop();
            }
        }
        let mut out = Vec::new();
        extend(max_len, max_len, cap, &mut Vec::new(), &mut out);
        out
    }

    #[test]
    fn oracle_finds_the_best_composition_by_brute_force() {
        // Pseudo-random residuals from a fixed linear congruential sequence.
        let mut state: u64 = 12345;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as f64 / (1u64 << 31) as f64) * 2.0 - 1.0
        };
        for max_len in [1u32, 2, 5, 9, 14] {
            for cap in [1usize, 2, 3, 4, 20] {
                let weights = vec![1.0; max_len as usize];
                let residual: Vec<f64> = (0..max_len).map(|_| next()).collect();
                let mut oracle = CompositionOracle::new(max_len, Some(cap as u32), weights);
                let (lengths, column, score) = oracle.best_column(&residual).unwrap();
                let expected = all_compositions(max_len, cap)
                    .into_iter()
                    .map(|s| s.iter().map(|&l| residual[l as usize - 1]).sum::<f64>())
                    .fold(f64::NEG_INFINITY, f64::max);
                assert!(
                    (score - expected).abs() < 1e-12,
                    "max_len {max_len} cap {cap}"
                );
                assert_eq!(lengths.iter().sum::<u32>(), max_len);
                assert!(lengths.len() <= cap);
                let dot: f64 = column
                    .entries
                    .iter()
                    .map(|&(row, value)| value * residual[row])
                    .sum();
                assert!((dot - score).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn fast_solve_reaches_the_dense_reference_optimum() {
        // Every composition listed, solved by the textbook dense Lawson–Hanson,
        // against Packlab's solve that never lists them; the fitted histogram
        // A·x is unique, so that is what must agree.
        use crate::nnls::{solve_dense_reference, NnlsOptions};
        let mut state: u64 = 99;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 33
        };
        for max_len in [1u32, 3, 7, 10, 13] {
            for cap in [Some(1u32), Some(2), Some(3), Some(4), None] {
                let counts: Vec<u64> = (0..max_len).map(|_| next() % 50).collect();
                if counts.iter().all(|&count| count == 0) {
                    continue;
                }
                let histogram = Histogram::from_dense(counts.clone()).unwrap();
                let pools = BucketPools::new(&histogram, 1);
                let fast = solve_least_squares(&pools, max_len, 1, cap, &[]).unwrap();
                let weights: Vec<f64> = (1..=max_len)
                    .map(|length| {
                        if length <= SHORT_LENGTH_CUTOFF {
                            SHORT_LENGTH_WEIGHT
                        } else {
                            1.0
                        }
                    })
                    .collect();
                let compositions =
                    all_compositions(max_len, cap.map_or(max_len as usize, |cap| cap as usize));
                let dense: Vec<Vec<f64>> = compositions
                    .iter()
                    .map(|composition| {
                        let mut column = vec![0.0; max_len as usize];
                        for &length in composition {
                            column[length as usize - 1] += weights[length as usize - 1];
                        }
                        column
                    })
                    .collect();
                let target: Vec<f64> = counts
                    .iter()
                    .zip(&weights)
                    .map(|(&c, &w)| c as f64 * w)
                    .collect();
                let reference =
                    solve_dense_reference(&dense, &target, &NnlsOptions::default()).unwrap();
                let mut reference_fit = vec![0.0; max_len as usize];
                for (column, &x) in dense.iter().zip(&reference) {
                    for (fit, &entry) in reference_fit.iter_mut().zip(column) {
                        *fit += entry * x;
                    }
                }
                let mut fast_fit = vec![0.0; max_len as usize];
                for (composition, x) in &fast {
                    for &length in composition {
                        fast_fit[length as usize - 1] += weights[length as usize - 1] * x;
                    }
                }
                for (row, (f, r)) in fast_fit.iter().zip(&reference_fit).enumerate() {
                    assert!(
                        (f - r).abs() <= 1e-6 * (1.0 + r.abs()),
                        "max_len {max_len} cap {cap:?} row {row}: {f} vs {r}"
                    );
                }
            }
        }
    }

    #[test]
    fn overallocated_slots_come_out_of_the_emptiest_packs() {
        // Histogram: four 2s and one 4 at max_len 8. Compositions planned
        // [4, 2, 2] ×1 and [2, 2, 2, 2] ×1 place six 2s: two too many. The
        // first comes out of [4, 2, 2]; the second follows it into the same,
        // now emptiest, pack, leaving one 4-token hole rather than two
        // 2-token ones.
        let mut counts = vec![0; 8];
        counts[1] = 4;
        counts[3] = 1;
        let histogram = Histogram::from_dense(counts).unwrap();
        let mut groups = vec![
            PlannedGroup {
                units: vec![4, 2, 2],
                count: 1,
            },
            PlannedGroup {
                units: vec![2, 2, 2, 2],
                count: 1,
            },
        ];
        let planned = placed_per_bucket(&groups, 8);
        remove_overallocated_slots(&mut groups, &planned, histogram.counts());
        let mut lengths: Vec<_> = groups.into_iter().map(|g| (g.units, g.count)).collect();
        lengths.sort();
        assert_eq!(lengths, vec![(vec![2, 2, 2, 2], 1), (vec![4], 1)]);
    }
}
