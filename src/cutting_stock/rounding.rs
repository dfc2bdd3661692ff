//! From the fractional LP solution to a plan: residual rounding, then a
//! best-fit finish.
//!
//! Residual rounding (Wäscher and Gau's heuristic for cutting stock): use
//! every composition `⌊x_p⌋` times, subtract what that packs from the
//! demands, solve the LP of the residual demands, round down again, and
//! repeat while it still packs something. What is left is small (at most a
//! few sequences per row) and goes to best-fit decreasing, which may also
//! use the room left in the packs already planned.
//!
//! Compositions are planned in capacity units; with buckets, the real
//! sequences of a bucket go into its slots longest first, so that the
//! shortest are left over, which fit most easily into the room that remains.

use std::collections::BTreeMap;

use crate::plan::{sort_longest_first_with_counts, PackGroup};

use super::problem::{Pattern, Problem, Slot};
use super::rows::RowSet;
use super::simplex::{self, LpSolution, StopRule};

/// Rounds of "round down, re-solve the residual" at most: on SQuAD the
/// third round still gains a pack now and then, later ones never did.
const MAX_ROUNDS: usize = 4;

/// `x` within this of the next integer up counts as that integer: the
/// simplex leaves noise of this order in the values.
const ROUND_DOWN_SLACK: f64 = 1e-6;

/// A plan, and how it was made.
pub(super) struct Completion {
    pub groups: Vec<PackGroup>,
    /// LP solves whose rounding planned packs.
    pub rounds: usize,
    /// Sequences placed by the best-fit finish.
    pub greedy_sequences: u64,
    /// Tokens set aside by rounding lengths up to whole bucket units.
    pub slack_tokens: u64,
}

/// Turns `first`, the LP solution on `rows`, into packs of `max_len`
/// tokens holding at most `cap` sequences (`None`: no limit).
pub(super) fn complete(
    rows: &RowSet,
    max_len: u32,
    cap: Option<u32>,
    first: LpSolution,
) -> Completion {
    let problem = &rows.problem;
    let mut remaining = problem.demands.clone();
    let mut planned: Vec<(Pattern, u64)> = Vec::new();
    let mut solution = first;
    let mut rounds = 0;
    loop {
        if !take_whole_packs(&solution.columns, &mut remaining, &mut planned) {
            break;
        }
        rounds += 1;
        if remaining.iter().all(|&left| left == 0) || rounds >= MAX_ROUNDS {
            break;
        }
        solution = solve_residual(problem, &remaining, &solution.pool);
    }

    let mut pools = rows.members.clone();
    let mut finish = BestFit::new(max_len, cap);
    let mut slack_tokens: u64 = 0;
    let row_remainder = u64::from(max_len - problem.capacity * rows.bucket_tokens);
    for (pattern, count) in &planned {
        let planned_tokens: u64 = pattern
            .slots
            .iter()
            .map(|slot| {
                let size = problem.sizes.get(slot.row).copied().unwrap_or(0);
                u64::from(size) * u64::from(rows.bucket_tokens) * u64::from(slot.copies)
            })
            .sum();
        for group in fill_slots(&mut pools, pattern, *count) {
            let rounding = planned_tokens.saturating_sub(group.tokens()) + row_remainder;
            slack_tokens = slack_tokens.saturating_add(rounding.saturating_mul(group.count));
            finish.keep(group);
        }
    }
    let mut leftovers: Vec<(u32, u64)> = pools
        .into_iter()
        .flatten()
        .chain(rows.outside.iter().copied())
        .filter(|&(_, count)| count > 0)
        .collect();
    sort_longest_first_with_counts(&mut leftovers);
    let mut greedy_sequences: u64 = 0;
    for (length, count) in leftovers {
        greedy_sequences = greedy_sequences.saturating_add(count);
        finish.place(length, count);
    }
    Completion {
        groups: finish.into_groups(),
        rounds,
        greedy_sequences,
        slack_tokens,
    }
}

/// Plans `⌊x⌋` packs of every column (largest first), fewer where the
/// remaining demand runs out; returns whether anything was planned.
fn take_whole_packs(
    columns: &[(Pattern, f64)],
    remaining: &mut [u64],
    planned: &mut Vec<(Pattern, u64)>,
) -> bool {
    let mut order: Vec<&(Pattern, f64)> = columns.iter().collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut took = false;
    for (pattern, repeats) in order {
        // `as` saturates: a use beyond u64 cannot come from a real histogram.
        let wanted = (repeats + ROUND_DOWN_SLACK).floor().max(0.0) as u64;
        let available = pattern
            .slots
            .iter()
            .map(|slot| {
                remaining
                    .get(slot.row)
                    .map_or(0, |&left| left / u64::from(slot.copies.max(1)))
            })
            .min()
            .unwrap_or(0);
        let count = wanted.min(available);
        if count == 0 {
            continue;
        }
        for slot in &pattern.slots {
            if let Some(left) = remaining.get_mut(slot.row) {
                // count × copies ≤ left by the choice of `available`.
                *left -= count * u64::from(slot.copies);
            }
        }
        planned.push((pattern.clone(), count));
        took = true;
    }
    took
}

/// Solves the LP of the `remaining` demands of `problem`, warm-started
/// with the admissible patterns of `pool`; the result is in the rows of
/// `problem`.
fn solve_residual(problem: &Problem, remaining: &[u64], pool: &[Pattern]) -> LpSolution {
    let kept: Vec<usize> = (0..remaining.len())
        .filter(|&row| remaining[row] > 0)
        .collect();
    let mut position = vec![usize::MAX; remaining.len()];
    for (sub_row, &row) in kept.iter().enumerate() {
        position[row] = sub_row;
    }
    let sizes: Vec<u32> = kept
        .iter()
        .map(|&row| problem.sizes.get(row).copied().unwrap_or(0))
        .collect();
    // The cap binds in the residual only if it binds for what is left.
    let cap = Problem::binding_cap(&sizes, problem.capacity, problem.cap);
    let residual = Problem {
        sizes,
        demands: kept.iter().map(|&row| remaining[row]).collect(),
        capacity: problem.capacity,
        cap,
    };
    let to_residual = |pattern: &Pattern| -> Option<Pattern> {
        let slots = pattern
            .slots
            .iter()
            .map(|slot| {
                let row = *position.get(slot.row)?;
                (row != usize::MAX).then_some(Slot {
                    row,
                    copies: slot.copies,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Pattern { slots })
    };
    let start: Vec<Pattern> = pool.iter().filter_map(to_residual).collect();
    let solution = simplex::solve(
        &residual,
        &start,
        StopRule::RoundedBoundProven,
        f64::INFINITY,
    );
    let to_problem = |pattern: &Pattern| Pattern {
        slots: pattern
            .slots
            .iter()
            .map(|slot| Slot {
                row: kept.get(slot.row).copied().unwrap_or(usize::MAX),
                copies: slot.copies,
            })
            .collect(),
    };
    LpSolution {
        columns: solution
            .columns
            .iter()
            .map(|(pattern, repeats)| (to_problem(pattern), *repeats))
            .collect(),
        pool: solution.pool.iter().map(to_problem).collect(),
        ..solution
    }
}

/// Real packs for `count` packs of `pattern`: each slot of row `r` takes a
/// sequence from `pools[r]` (longest first). Packs whose slots got
/// different lengths become separate groups.
fn fill_slots(pools: &mut [Vec<(u32, u64)>], pattern: &Pattern, count: u64) -> Vec<PackGroup> {
    let capacity = pattern.sequences().min(1 << 16) as usize;
    let mut groups = vec![PackGroup {
        lengths: Vec::with_capacity(capacity),
        count,
    }];
    for slot in &pattern.slots {
        let Some(pool) = pools.get_mut(slot.row) else {
            continue;
        };
        groups = groups
            .into_iter()
            .flat_map(|group| fill_slot(pool, group, u64::from(slot.copies)))
            .collect();
    }
    groups.retain(|group| group.count > 0 && !group.lengths.is_empty());
    groups
}

/// Adds `copies` sequences from `pool` to every pack of `group`, splitting
/// the group where the pool moves on to a shorter length.
fn fill_slot(pool: &mut [(u32, u64)], group: PackGroup, copies: u64) -> Vec<PackGroup> {
    let mut done = Vec::new();
    let mut pending = vec![(group, copies)];
    while let Some((mut group, left)) = pending.pop() {
        let entry = pool.iter_mut().find(|(_, available)| *available > 0);
        let (Some(entry), true) = (entry, left > 0 && group.count > 0) else {
            // Done, or the pool ran dry (it cannot: plans never exceed the
            // demand); the slot then stays empty.
            done.push(group);
            continue;
        };
        // Copies every pack of the group can take from this length.
        let whole = left.min(entry.1 / group.count);
        if whole > 0 {
            entry.1 -= whole * group.count;
            group
                .lengths
                .extend(std::iter::repeat_n(entry.0, whole as usize));
            pending.push((group, left - whole));
            continue;
        }
        // Fewer sequences of this length than packs: split the group.
        let served = entry.1;
        entry.1 = 0;
        let mut with = group.lengths.clone();
        with.push(entry.0);
        pending.push((
            PackGroup {
                lengths: group.lengths,
                count: group.count - served,
            },
            left,
        ));
        pending.push((
            PackGroup {
                lengths: with,
                count: served,
            },
            left - 1,
        ));
    }
    done
}

/// Best-fit decreasing over groups of identical packs: each length goes
/// into the open pack with the least room that fits it, as many copies as
/// fit; a length that fits nowhere opens new packs.
struct BestFit {
    max_len: u32,
    /// Most sequences per pack (`usize::MAX`: no limit).
    limit: usize,
    /// Packs with room and fewer than `limit` sequences, by room left (≥ 1).
    open: BTreeMap<u32, Vec<PackGroup>>,
    /// Packs that are full or hold `limit` sequences.
    closed: Vec<PackGroup>,
}

impl BestFit {
    fn new(max_len: u32, cap: Option<u32>) -> Self {
        BestFit {
            max_len,
            limit: cap.map_or(usize::MAX, |cap| cap as usize),
            open: BTreeMap::new(),
            closed: Vec::new(),
        }
    }

    /// Files `group` (at most `max_len` tokens per pack) as open or closed.
    fn keep(&mut self, group: PackGroup) {
        if group.count == 0 || group.lengths.is_empty() {
            return;
        }
        let room = u64::from(self.max_len).saturating_sub(group.tokens()) as u32;
        if room == 0 || group.lengths.len() >= self.limit {
            self.closed.push(group);
        } else {
            self.open.entry(room).or_default().push(group);
        }
    }

    /// Places `count` sequences of `length` tokens (1 ≤ length ≤ max_len).
    fn place(&mut self, length: u32, mut count: u64) {
        if length == 0 || length > self.max_len {
            return;
        }
        while count > 0 {
            let fitting = self.open.range(length..).next().map(|(&room, _)| room);
            let Some(room) = fitting else {
                let fit = (self.max_len / length) as usize;
                let copies = fit.min(self.limit).max(1) as u64;
                let copies = copies.min(count);
                let packs = count / copies;
                self.keep(PackGroup {
                    lengths: vec![length; copies as usize],
                    count: packs,
                });
                count -= packs * copies;
                continue;
            };
            let Some(list) = self.open.get_mut(&room) else {
                break;
            };
            let Some(mut group) = list.pop() else {
                self.open.remove(&room);
                continue;
            };
            if list.is_empty() {
                self.open.remove(&room);
            }
            // ≥ 1: the pack fits `length` and holds fewer than `limit` sequences.
            let fit = (room / length) as usize;
            let copies = (fit.min(self.limit - group.lengths.len()) as u64).clamp(1, count);
            let packs = group.count.min(count / copies);
            if group.count > packs {
                self.keep(PackGroup {
                    lengths: group.lengths.clone(),
                    count: group.count - packs,
                });
            }
            group
                .lengths
                .extend(std::iter::repeat_n(length, copies as usize));
            group.count = packs;
            self.keep(group);
            count -= packs * copies;
        }
    }

    fn into_groups(self) -> Vec<PackGroup> {
        let mut groups = self.closed;
        groups.extend(self.open.into_values().flatten());
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_take_the_longest_sequences_of_their_bucket() {
        let mut pools = vec![vec![(8, 1), (6, 3)]];
        let pattern = Pattern {
            slots: vec![Slot { row: 0, copies: 2 }],
        };
        let mut groups = fill_slots(&mut pools, &pattern, 2);
        groups.sort_by(|a, b| a.lengths.cmp(&b.lengths));
        assert_eq!(
            groups,
            vec![
                PackGroup {
                    lengths: vec![6, 6],
                    count: 1
                },
                PackGroup {
                    lengths: vec![8, 6],
                    count: 1
                },
            ]
        );
        assert_eq!(pools[0], vec![(8, 0), (6, 0)]);
    }

    #[test]
    fn best_fit_uses_room_in_planned_packs() {
        let mut finish = BestFit::new(10, Some(3));
        finish.keep(PackGroup {
            lengths: vec![7],
            count: 2,
        });
        finish.place(3, 3);
        let mut groups = finish.into_groups();
        groups.sort_by(|a, b| a.lengths.cmp(&b.lengths));
        assert_eq!(
            groups,
            vec![
                PackGroup {
                    lengths: vec![3],
                    count: 1
                },
                PackGroup {
                    lengths: vec![7, 3],
                    count: 2
                },
            ]
        );
    }
}
