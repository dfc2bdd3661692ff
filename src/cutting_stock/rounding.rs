//! From the fractional LP solution to an integer one: residual rounding.
//!
//! Residual rounding (Wäscher and Gau's heuristic for cutting stock): use
//! every composition `⌊x_p⌋` times, subtract what that packs from the
//! demands, solve the LP of the residual demands, and repeat. Once rounding
//! down packs nothing (every `x_p` of the residual is below 1), the
//! compositions are rounded *up* instead, one pack each, largest fraction
//! first, while the demands left allow. What is left at the end is small;
//! the optimal packer's completion step places it (see
//! `algorithms::completion`), with the real sequences of each bucket.

use super::problem::{Composition, Problem, Slot};
use super::simplex::{self, KnownPacks, LpSolution, StopRule};

/// Rounds of "round, re-solve the residual" at most. Residuals shrink
/// fast: 16M-sequence histograms are rounded out in 10 to 20 rounds.
const MAX_ROUNDS: usize = 40;

/// `x` within this of an integer counts as that integer, rounded down or
/// up: the simplex leaves noise of this order in the values.
const INTEGER_SLACK: f64 = 1e-6;

/// Rounds `first`, an LP solution of `problem`: every composition is used
/// `⌊x⌋` times, then the LP of the demands left is solved and rounded the
/// same way, while rounding still plans packs, at most [`MAX_ROUNDS`]
/// times. Returns the compositions with their whole counts, in the order
/// planned, and the rounds that planned packs. The counts never ask a row
/// for more sequences than its demand.
pub(super) fn round_residually(
    problem: &Problem,
    first: LpSolution,
    residual_stop: StopRule,
) -> (Vec<(Composition, u64)>, usize) {
    let mut remaining = problem.demands.clone();
    let mut planned: Vec<(Composition, u64)> = Vec::new();
    let mut solution = first;
    let mut rounds = 0;
    loop {
        let took = take_whole_packs(
            &solution.columns,
            Direction::Down,
            &mut remaining,
            &mut planned,
        ) || take_whole_packs(
            &solution.columns,
            Direction::Up,
            &mut remaining,
            &mut planned,
        );
        if !took {
            break;
        }
        rounds += 1;
        if remaining.iter().all(|&left| left == 0) || rounds >= MAX_ROUNDS {
            break;
        }
        solution = solve_residual(problem, &remaining, &solution.pool, residual_stop);
    }
    (planned, rounds)
}

/// Which way [`take_whole_packs`] rounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// `⌊x⌋` packs of every column, the most used first.
    Down,
    /// `⌈x⌉` packs, the largest fractional part first.
    Up,
}

/// Plans `x` rounded as told of every column, fewer where the remaining
/// demand runs out; returns whether anything was planned.
fn take_whole_packs(
    columns: &[(Composition, f64)],
    direction: Direction,
    remaining: &mut [u64],
    planned: &mut Vec<(Composition, u64)>,
) -> bool {
    let mut order: Vec<&(Composition, f64)> = columns.iter().collect();
    match direction {
        Direction::Down => order.sort_by(|a, b| b.1.total_cmp(&a.1)),
        Direction::Up => order.sort_by(|a, b| b.1.fract().total_cmp(&a.1.fract())),
    }
    let mut took = false;
    for (composition, repeats) in order {
        // `as` saturates: a use beyond u64 cannot come from a real histogram.
        let wanted = match direction {
            Direction::Down => (repeats + INTEGER_SLACK).floor().max(0.0) as u64,
            Direction::Up => (repeats - INTEGER_SLACK).ceil().max(0.0) as u64,
        };
        let available = composition
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
        for slot in &composition.slots {
            if let Some(left) = remaining.get_mut(slot.row) {
                // count × copies ≤ left by the choice of `available`.
                *left -= count * u64::from(slot.copies);
            }
        }
        planned.push((composition.clone(), count));
        took = true;
    }
    took
}

/// Solves the LP of the `remaining` demands of `problem`, warm-started
/// with the admissible compositions of `pool`; the result is in the rows of
/// `problem`.
fn solve_residual(
    problem: &Problem,
    remaining: &[u64],
    pool: &[Composition],
    stop: StopRule,
) -> LpSolution {
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
    let to_residual = |composition: &Composition| -> Option<Composition> {
        let slots = composition
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
        Some(Composition { slots })
    };
    let start: Vec<Composition> = pool.iter().filter_map(to_residual).collect();
    let solution = simplex::solve(&residual, &start, stop, KnownPacks::NOTHING);
    let to_problem = |composition: &Composition| Composition {
        slots: composition
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
            .map(|(composition, repeats)| (to_problem(composition), *repeats))
            .collect(),
        pool: solution.pool.iter().map(to_problem).collect(),
        ..solution
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_plans_every_sequence_of_the_classic_instance() {
        // Sizes 3, 5, 9 in rolls of 10 with demands 4, 2, 2. The LP uses
        // [9] twice, [5, 5] once and [3, 3, 3] 4/3 times; rounding down
        // leaves one 3, which the residual LP packs alone: 5 packs.
        let problem = Problem {
            sizes: vec![3, 5, 9],
            demands: vec![4, 2, 2],
            capacity: 10,
            cap: None,
        };
        let first = simplex::solve(&problem, &[], StopRule::Optimal, KnownPacks::NOTHING);
        let (planned, rounds) = round_residually(&problem, first, StopRule::RoundedBoundProven);
        assert_eq!(rounds, 2);
        let mut placed = vec![0u64; 3];
        for (composition, count) in &planned {
            assert!(problem.admits(composition));
            for slot in &composition.slots {
                placed[slot.row] += u64::from(slot.copies) * count;
            }
        }
        assert_eq!(placed, problem.demands);
        assert_eq!(planned.iter().map(|(_, count)| count).sum::<u64>(), 5);
    }
}
