//! Tests of `packlab::nnls` through its public API.
//!
//! Three independent checks of optimality are used:
//! * the Karush–Kuhn–Tucker conditions, which characterise the optimum of a
//!   convex problem and need nothing but `A`, `b` and `x`;
//! * a brute-force search over column subsets (see [`brute_force_optimum`]);
//! * agreement between the fast oracle solver and the dense textbook
//!   reference, which share only the unit-tested dense kernels (dot
//!   products, triangular solves, Householder QR).
//!
//! Random problems come from proptest with fixed seeds, so every run sees the
//! same cases.
// Native only: these tests use files, processes or proptest.
#![cfg(not(target_arch = "wasm32"))]

// What this file shares with other test files, from tests/common/.
mod common {
    pub mod proptest_config;
}

use std::collections::BTreeMap;

use common::proptest_config::config;
use packlab::nnls::{
    solve_dense_reference, solve_with_oracle, solve_with_oracle_from, ColumnDefect, ColumnOracle,
    ColumnSource, ExplicitColumns, NnlsError, NnlsOptions, NnlsSolution, SparseColumn, StallReason,
    Termination,
};
use proptest::prelude::*;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn dot(left: &[f64], right: &[f64]) -> f64 {
    left.iter().zip(right).map(|(l, r)| l * r).sum()
}

fn norm(vector: &[f64]) -> f64 {
    dot(vector, vector).sqrt()
}

fn dense_column(column: &SparseColumn, rows: usize) -> Vec<f64> {
    let mut dense = vec![0.0; rows];
    for &(row, value) in &column.entries {
        dense[row] = value;
    }
    dense
}

/// `A x` for dense columns.
fn fitted(a_columns: &[Vec<f64>], x: &[f64], rows: usize) -> Vec<f64> {
    let mut product = vec![0.0; rows];
    for (column, &value) in a_columns.iter().zip(x) {
        for (out, a) in product.iter_mut().zip(column) {
            *out += value * a;
        }
    }
    product
}

/// The dense `x` of an oracle solution over an explicit list of columns.
fn dense_solution(solution: &NnlsSolution<usize>, column_count: usize) -> Vec<f64> {
    let mut x = vec![0.0; column_count];
    for &(id, value) in &solution.columns {
        x[id] = value;
    }
    x
}

/// The scale against which gradients are judged: `‖b‖ · max_j ‖a_j‖`.
fn gradient_scale(a_columns: &[Vec<f64>], b: &[f64]) -> f64 {
    let largest_column = a_columns
        .iter()
        .map(|column| norm(column))
        .fold(0.0, f64::max);
    norm(b) * largest_column
}

/// Asserts the KKT conditions of `min ‖A x − b‖, x ≥ 0` with gradient
/// `g = Aᵀ(b − A x)`: `x ≥ 0`; `g_j ≤ tol` for every column (no column could
/// improve the fit); `|g_j| ≤ tol` where `x_j > 0` (passive columns are at
/// an unconstrained optimum).
fn assert_kkt(a_columns: &[Vec<f64>], b: &[f64], x: &[f64], relative_tolerance: f64) {
    let rows = b.len();
    let fit = fitted(a_columns, x, rows);
    let residual: Vec<f64> = b.iter().zip(&fit).map(|(b, f)| b - f).collect();
    let tolerance = relative_tolerance * gradient_scale(a_columns, b) + 1e-300;
    for (j, column) in a_columns.iter().enumerate() {
        let gradient = dot(column, &residual);
        assert!(x[j] >= 0.0, "x[{j}] = {} is negative", x[j]);
        assert!(
            gradient <= tolerance,
            "column {j} could still improve: g = {gradient:e} > {tolerance:e}"
        );
        if x[j] > 0.0 {
            assert!(
                gradient.abs() <= tolerance,
                "passive column {j} not at optimum: g = {gradient:e}"
            );
        }
    }
}

/// The least-squares solution on the columns in `subset`, by Cholesky on the
/// normal equations, or `None` if they are (nearly) dependent.
fn subset_least_squares(a_columns: &[Vec<f64>], b: &[f64], subset: &[usize]) -> Option<Vec<f64>> {
    let size = subset.len();
    let mut gram = vec![vec![0.0; size]; size];
    let mut rhs = vec![0.0; size];
    for (i, &ci) in subset.iter().enumerate() {
        rhs[i] = dot(&a_columns[ci], b);
        for (j, &cj) in subset.iter().enumerate() {
            gram[i][j] = dot(&a_columns[ci], &a_columns[cj]);
        }
    }
    // In-place Cholesky, lower triangle: gram = L Lᵀ.
    for j in 0..size {
        let original = gram[j][j];
        let pivot = original - (0..j).map(|k| gram[j][k] * gram[j][k]).sum::<f64>();
        if pivot <= 1e-9 * original.max(1e-300) {
            return None;
        }
        gram[j][j] = pivot.sqrt();
        for i in j + 1..size {
            let value = gram[i][j] - (0..j).map(|k| gram[i][k] * gram[j][k]).sum::<f64>();
            gram[i][j] = value / gram[j][j];
        }
    }
    let mut half = vec![0.0; size];
    for i in 0..size {
        half[i] = (rhs[i] - (0..i).map(|k| gram[i][k] * half[k]).sum::<f64>()) / gram[i][i];
    }
    let mut solution = vec![0.0; size];
    for i in (0..size).rev() {
        let known = (i + 1..size).map(|k| gram[k][i] * solution[k]).sum::<f64>();
        solution[i] = (half[i] - known) / gram[i][i];
    }
    Some(solution)
}

/// The optimal residual norm of `min ‖A x − b‖, x ≥ 0`, by exhaustive search.
///
/// Why this is an independent oracle: the problem is convex, and the
/// optimal fitted vector `A x*` lies in the cone spanned by the columns. By
/// Carathéodory's theorem for cones it is a non-negative combination of some
/// *linearly independent* columns `S`; the KKT conditions make the residual
/// orthogonal to those columns, so that combination is exactly the
/// unconstrained least-squares solution on `S`, and it is ≥ 0. Conversely
/// every subset whose least-squares solution is ≥ 0 gives a feasible point.
/// So the optimum is the smallest residual over independent subsets with a
/// non-negative least-squares solution. The search uses no active set, no
/// factor updates and no code of the solvers: only Cholesky on the normal
/// equations of each subset (accurate enough for these tiny, well-scaled
/// problems).
fn brute_force_optimum(a_columns: &[Vec<f64>], b: &[f64]) -> f64 {
    let rows = b.len();
    let mut best = norm(b);
    for mask in 1u32..(1 << a_columns.len()) {
        let subset: Vec<usize> = (0..a_columns.len())
            .filter(|&j| mask & (1 << j) != 0)
            .collect();
        if subset.len() > rows {
            continue;
        }
        let Some(solution) = subset_least_squares(a_columns, b, &subset) else {
            continue;
        };
        if solution.iter().any(|&value| value < -1e-12) {
            continue;
        }
        let mut residual = b.to_vec();
        for (&j, &value) in subset.iter().zip(&solution) {
            for (entry, a) in residual.iter_mut().zip(&a_columns[j]) {
                *entry -= value * a;
            }
        }
        best = best.min(norm(&residual));
    }
    best
}

/// Runs both solvers on dense columns; returns their `x`.
fn solve_both(a_columns: &[Vec<f64>], b: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let options = NnlsOptions::default();
    let mut oracle = ExplicitColumns::from_dense(b.len(), a_columns).unwrap();
    let fast = solve_with_oracle(b, &mut oracle, &options).unwrap();
    assert!(
        fast.is_optimal(),
        "fast solver stopped with {:?}",
        fast.termination
    );
    for &(_, value) in &fast.columns {
        assert!(value > 0.0 && value.is_finite());
    }
    let fast_x = dense_solution(&fast, a_columns.len());
    let reported = fast.residual_norm;
    let recomputed = norm(
        &b.iter()
            .zip(fitted(a_columns, &fast_x, b.len()))
            .map(|(b, f)| b - f)
            .collect::<Vec<_>>(),
    );
    assert!((reported - recomputed).abs() <= 1e-9 * (1.0 + norm(b)));
    let reference_x = solve_dense_reference(a_columns, b, &options).unwrap();
    (fast_x, reference_x)
}

fn residual_norm(a_columns: &[Vec<f64>], b: &[f64], x: &[f64]) -> f64 {
    let fit = fitted(a_columns, x, b.len());
    norm(&b.iter().zip(&fit).map(|(b, f)| b - f).collect::<Vec<_>>())
}

// ---------------------------------------------------------------------------
// Random problems
// ---------------------------------------------------------------------------

/// Dense real matrices with `rows × columns` within the given bounds, and `b`.
fn dense_problem(
    max_rows: usize,
    max_columns: usize,
) -> impl Strategy<Value = (Vec<Vec<f64>>, Vec<f64>)> {
    (1..=max_rows, 1..=max_columns).prop_flat_map(|(rows, columns)| {
        (
            prop::collection::vec(prop::collection::vec(-3.0..3.0f64, rows), columns),
            prop::collection::vec(-5.0..5.0f64, rows),
        )
    })
}

/// Columns like Packlab's: non-negative integer counts 1–3 in at most three
/// rows, with duplicated columns, sums of two columns (dependent) and an
/// occasional zero column mixed in; rows weighted; `b` a weighted histogram.
fn packlab_like_problem(
    max_rows: usize,
    max_columns: usize,
) -> impl Strategy<Value = (Vec<Vec<f64>>, Vec<f64>)> {
    (2..=max_rows, 1..=max_columns).prop_flat_map(|(rows, columns)| {
        let entry = (0..rows, 1..=3u8);
        let base = prop::collection::vec(prop::collection::vec(entry, 1..=3), columns);
        let duplicates = prop::collection::vec(any::<prop::sample::Index>(), 0..3);
        let sums = prop::collection::vec(
            (any::<prop::sample::Index>(), any::<prop::sample::Index>()),
            0..3,
        );
        let zero_column = prop::bool::weighted(0.2);
        let weights = prop::collection::vec(0.25..2.0f64, rows);
        let counts = prop::collection::vec(0u32..1000, rows);
        (base, duplicates, sums, zero_column, weights, counts).prop_map(
            move |(base, duplicates, sums, zero_column, weights, counts)| {
                let mut a_columns: Vec<Vec<f64>> = base
                    .iter()
                    .map(|entries| {
                        let mut counts_by_row = BTreeMap::new();
                        for &(row, count) in entries {
                            *counts_by_row.entry(row).or_insert(0.0) += f64::from(count);
                        }
                        let mut column = vec![0.0; rows];
                        for (row, count) in counts_by_row {
                            column[row] = count;
                        }
                        column
                    })
                    .collect();
                let original = a_columns.clone();
                for index in duplicates {
                    a_columns.push(index.get(&original).clone());
                }
                for (first, second) in sums {
                    let sum = first
                        .get(&original)
                        .iter()
                        .zip(second.get(&original))
                        .map(|(x, y)| x + y)
                        .collect();
                    a_columns.push(sum);
                }
                if zero_column {
                    a_columns.push(vec![0.0; rows]);
                }
                for column in &mut a_columns {
                    for (entry, weight) in column.iter_mut().zip(&weights) {
                        *entry *= weight;
                    }
                }
                let b = counts
                    .iter()
                    .zip(&weights)
                    .map(|(&count, weight)| f64::from(count) * weight)
                    .collect();
                (a_columns, b)
            },
        )
    })
}

proptest! {
    #![proptest_config(config(300, 0x5eed_0001))]

    #[test]
    fn both_solvers_satisfy_kkt_on_dense_problems((a_columns, b) in dense_problem(20, 40)) {
        let (fast_x, reference_x) = solve_both(&a_columns, &b);
        assert_kkt(&a_columns, &b, &fast_x, 1e-8);
        assert_kkt(&a_columns, &b, &reference_x, 1e-8);
    }
}

proptest! {
    #![proptest_config(config(300, 0x5eed_0002))]

    #[test]
    fn both_solvers_reach_the_brute_force_optimum((a_columns, b) in dense_problem(6, 8)) {
        let optimum = brute_force_optimum(&a_columns, &b);
        let (fast_x, reference_x) = solve_both(&a_columns, &b);
        let tolerance = 1e-9 * (1.0 + norm(&b));
        let fast = residual_norm(&a_columns, &b, &fast_x);
        let reference = residual_norm(&a_columns, &b, &reference_x);
        prop_assert!((fast - optimum).abs() <= tolerance, "fast {fast} vs optimum {optimum}");
        prop_assert!((reference - optimum).abs() <= tolerance, "reference {reference} vs optimum {optimum}");
    }

    #[test]
    fn brute_force_agrees_on_packlab_like_problems((a_columns, b) in packlab_like_problem(6, 5)) {
        let optimum = brute_force_optimum(&a_columns, &b);
        let (fast_x, reference_x) = solve_both(&a_columns, &b);
        let tolerance = 1e-9 * (1.0 + norm(&b));
        prop_assert!((residual_norm(&a_columns, &b, &fast_x) - optimum).abs() <= tolerance);
        prop_assert!((residual_norm(&a_columns, &b, &reference_x) - optimum).abs() <= tolerance);
    }
}

proptest! {
    #![proptest_config(config(300, 0x5eed_0003))]

    /// The minimiser `x` need not be unique when columns are dependent, but
    /// the fitted vector `A x` is (the projection of `b` onto a convex cone),
    /// so that is what the two solvers must agree on.
    #[test]
    fn oracle_solver_matches_reference_on_packlab_like_problems(
        (a_columns, b) in packlab_like_problem(40, 60)
    ) {
        let (fast_x, reference_x) = solve_both(&a_columns, &b);
        assert_kkt(&a_columns, &b, &fast_x, 1e-8);
        let rows = b.len();
        let fast_fit = fitted(&a_columns, &fast_x, rows);
        let reference_fit = fitted(&a_columns, &reference_x, rows);
        let difference: Vec<f64> = fast_fit.iter().zip(&reference_fit).map(|(f, r)| f - r).collect();
        let scale = 1.0 + norm(&b);
        prop_assert!(norm(&difference) <= 1e-6 * scale, "fitted vectors differ by {}", norm(&difference));
        let fast_residual = residual_norm(&a_columns, &b, &fast_x);
        let reference_residual = residual_norm(&a_columns, &b, &reference_x);
        prop_assert!((fast_residual - reference_residual).abs() <= 1e-9 * scale);
    }
}

proptest! {
    #![proptest_config(config(200, 0x5eed_0007))]

    /// A warm start from any columns (a good start, a partial one, or one
    /// with columns the optimum does not use) reaches the same fit as a
    /// cold start: the start only changes where Lawson–Hanson begins.
    #[test]
    fn a_warm_start_reaches_the_same_fit(
        (a_columns, b) in packlab_like_problem(30, 40),
        picks in prop::collection::vec(any::<bool>(), 40),
    ) {
        let rows = b.len();
        let columns: Vec<SparseColumn> = a_columns.iter().map(|column| SparseColumn::from_dense(column)).collect();
        let options = NnlsOptions::default();
        let mut cold_oracle = ExplicitColumns::new(rows, columns.clone()).unwrap();
        let cold = solve_with_oracle(&b, &mut cold_oracle, &options).unwrap();
        let start: Vec<(usize, SparseColumn)> = columns
            .iter()
            .enumerate()
            .filter(|(index, _)| picks.get(*index).copied().unwrap_or(false))
            .map(|(index, column)| (index, column.clone()))
            .chain(cold.columns.iter().take(3).map(|&(index, _)| (index, columns[index].clone())))
            .collect();
        let mut warm_oracle = ExplicitColumns::new(rows, columns.clone()).unwrap();
        let warm = solve_with_oracle_from(&b, &mut warm_oracle, &options, start).unwrap();
        let cold_x = dense_solution(&cold, a_columns.len());
        let warm_x = dense_solution(&warm, a_columns.len());
        assert_kkt(&a_columns, &b, &warm_x, 1e-8);
        let difference: Vec<f64> = fitted(&a_columns, &cold_x, rows)
            .iter()
            .zip(fitted(&a_columns, &warm_x, rows))
            .map(|(c, w)| c - w)
            .collect();
        prop_assert!(norm(&difference) <= 1e-6 * (1.0 + norm(&b)));
        prop_assert!(warm.columns.iter().all(|&(_, value)| value > 0.0));
    }
}

// ---------------------------------------------------------------------------
// An oracle that never lists its columns, like NNLSHP's
// ---------------------------------------------------------------------------

/// The columns of all compositions: multisets of 1 to `max_per_pack`
/// lengths in `1..=max_len` summing exactly to `max_len`. Row `l − 1`
/// counts length `l`, scaled by `weights[l − 1]`.
struct CompositionOracle {
    max_len: usize,
    max_per_pack: usize,
    weights: Vec<f64>,
}

impl CompositionOracle {
    fn column(&self, lengths: &[usize]) -> SparseColumn {
        let mut counts = BTreeMap::new();
        for &length in lengths {
            *counts.entry(length - 1).or_insert(0.0) += 1.0;
        }
        SparseColumn::new(
            counts
                .into_iter()
                .map(|(row, count)| (row, count * self.weights[row]))
                .collect(),
        )
    }

    /// Every composition, for the explicit comparison.
    fn all_compositions(&self) -> Vec<Vec<usize>> {
        fn extend(
            prefix: &mut Vec<usize>,
            smallest: usize,
            remaining: usize,
            slots: usize,
            out: &mut Vec<Vec<usize>>,
        ) {
            if remaining == 0 {
                out.push(prefix.clone());
                return;
            }
            if slots == 0 {
                return;
            }
            for length in smallest..=remaining {
                prefix.push(length);
                extend(prefix, length, remaining - length, slots - 1, out);
                prefix.pop();
            }
        }
        let mut out = Vec::new();
        extend(
            &mut Vec::new(),
            1,
            self.max_len,
            self.max_per_pack,
            &mut out,
        );
        out
    }
}

impl ColumnOracle for CompositionOracle {
    type Id = Vec<usize>;

    /// Dynamic programming over (lengths used, total length): the score of a
    /// composition is the sum over its lengths of `weight · residual`, so the
    /// best composition of `c` lengths summing to `s` extends a best one of
    /// `c − 1` lengths summing to `s − l` by some length `l`.
    fn best_column(&mut self, residual: &[f64]) -> Option<(Vec<usize>, SparseColumn, f64)> {
        let value = |length: usize| self.weights[length - 1] * residual[length - 1];
        let unreachable = f64::NEG_INFINITY;
        // best[c][s], choice[c][s]: the last length of a best composition.
        let mut best = vec![vec![unreachable; self.max_len + 1]; self.max_per_pack + 1];
        let mut choice = vec![vec![0; self.max_len + 1]; self.max_per_pack + 1];
        best[0][0] = 0.0;
        for count in 1..=self.max_per_pack {
            for total in 1..=self.max_len {
                for length in 1..=total {
                    let candidate = best[count - 1][total - length] + value(length);
                    if candidate > best[count][total] {
                        best[count][total] = candidate;
                        choice[count][total] = length;
                    }
                }
            }
        }
        let count = (1..=self.max_per_pack)
            .max_by(|&x, &y| best[x][self.max_len].total_cmp(&best[y][self.max_len]))?;
        let score = best[count][self.max_len];
        let mut lengths = Vec::new();
        let (mut remaining_count, mut remaining_total) = (count, self.max_len);
        while remaining_count > 0 {
            let length = choice[remaining_count][remaining_total];
            lengths.push(length);
            remaining_total -= length;
            remaining_count -= 1;
        }
        lengths.sort_unstable();
        let column = self.column(&lengths);
        Some((lengths, column, score))
    }
}

#[test]
fn dynamic_programming_oracle_matches_explicit_columns() {
    let max_len = 24;
    let weights: Vec<f64> = (0..max_len)
        .map(|row| 1.0 / (1.0 + row as f64 / 8.0))
        .collect();
    let counts: Vec<f64> = (0..max_len)
        .map(|row| {
            let centred = row as f64 - 9.0;
            (400.0 * (-centred * centred / 30.0).exp()).round() + 3.0
        })
        .collect();
    let b: Vec<f64> = counts.iter().zip(&weights).map(|(c, w)| c * w).collect();
    let mut oracle = CompositionOracle {
        max_len,
        max_per_pack: 3,
        weights,
    };
    let compositions = oracle.all_compositions();
    let columns: Vec<SparseColumn> = compositions
        .iter()
        .map(|lengths| oracle.column(lengths))
        .collect();
    let mut explicit = ExplicitColumns::new(max_len, columns.clone()).unwrap();

    let options = NnlsOptions::default();
    let from_dynamic_programming = solve_with_oracle(&b, &mut oracle, &options).unwrap();
    let from_list = solve_with_oracle(&b, &mut explicit, &options).unwrap();
    assert!(from_dynamic_programming.is_optimal() && from_list.is_optimal());

    let mut fit_dynamic = vec![0.0; max_len];
    for (lengths, value) in &from_dynamic_programming.columns {
        for &(row, entry) in &oracle.column(lengths).entries {
            fit_dynamic[row] += value * entry;
        }
    }
    let dense_columns: Vec<Vec<f64>> = columns.iter().map(|c| dense_column(c, max_len)).collect();
    let fit_list = fitted(
        &dense_columns,
        &dense_solution(&from_list, columns.len()),
        max_len,
    );
    let difference: Vec<f64> = fit_dynamic
        .iter()
        .zip(&fit_list)
        .map(|(x, y)| x - y)
        .collect();
    assert!(
        norm(&difference) <= 1e-6 * norm(&b),
        "fits differ by {}",
        norm(&difference)
    );
    assert!(
        (from_dynamic_programming.residual_norm - from_list.residual_norm).abs() <= 1e-9 * norm(&b)
    );
}

// ---------------------------------------------------------------------------
// Exact small cases
// ---------------------------------------------------------------------------

#[test]
fn clamps_a_column_that_would_go_negative() {
    // Unconstrained: b = 2·a0 − 1·a1. With x ≥ 0, a1 stays at 0 and x0 is the
    // projection of b on a0: (a0·b)/(a0·a0) = (2 + 1)/2 = 1.5.
    let a_columns = vec![vec![1.0, 1.0], vec![0.0, 1.0]];
    let b = [2.0, 1.0];
    let mut oracle = ExplicitColumns::from_dense(2, &a_columns).unwrap();
    let solution = solve_with_oracle(&b, &mut oracle, &NnlsOptions::default()).unwrap();
    assert_eq!(solution.termination, Termination::Optimal);
    assert_eq!(solution.columns.len(), 1);
    assert_eq!(solution.columns[0].0, 0);
    assert!((solution.columns[0].1 - 1.5).abs() < 1e-14);
    assert!((solution.residual_norm - 0.5f64.sqrt()).abs() < 1e-14);
    let reference = solve_dense_reference(&a_columns, &b, &NnlsOptions::default()).unwrap();
    assert!((reference[0] - 1.5).abs() < 1e-14 && reference[1] == 0.0);
}

#[test]
fn inner_iteration_drops_a_column_added_earlier() {
    // a0 = (3, 3) scores 4.5 against b = (2, −0.5) and enters first with
    // x0 = 0.25, leaving the residual (1.25, −1.25). Then a1 = (1, 0) scores
    // 1.25 and enters, but the unconstrained fit on {a0, a1} is
    // x0 = −1/6, x1 = 2.5: the inner step goes 60 % of the way, a0 reaches
    // zero and leaves, and a1 alone fits with x1 = 2.
    let a_columns = vec![vec![3.0, 3.0], vec![1.0, 0.0], vec![0.0, 1.0]];
    let b = [2.0, -0.5];
    let solution = solve_dense(&a_columns, &b);
    assert_eq!(solution.termination, Termination::Optimal);
    assert_eq!(
        (solution.outer_iterations, solution.inner_iterations),
        (2, 1)
    );
    assert_eq!(solution.columns.len(), 1);
    assert_eq!(solution.columns[0].0, 1);
    assert!((solution.columns[0].1 - 2.0).abs() < 1e-14);
    assert!((solution.residual_norm - 0.5).abs() < 1e-14);
    let reference = solve_dense_reference(&a_columns, &b, &NnlsOptions::default()).unwrap();
    assert_eq!(reference[0], 0.0);
    assert!((reference[1] - 2.0).abs() < 1e-14);
    assert_eq!(reference[2], 0.0);
}

// ---------------------------------------------------------------------------
// Degenerate inputs
// ---------------------------------------------------------------------------

fn solve_dense(a_columns: &[Vec<f64>], b: &[f64]) -> NnlsSolution<usize> {
    let mut oracle = ExplicitColumns::from_dense(b.len(), a_columns).unwrap();
    solve_with_oracle(b, &mut oracle, &NnlsOptions::default()).unwrap()
}

#[test]
fn zero_target_gives_zero_solution() {
    let a_columns = vec![vec![1.0, 2.0], vec![3.0, 0.0]];
    let solution = solve_dense(&a_columns, &[0.0, 0.0]);
    assert!(solution.columns.is_empty());
    assert_eq!(solution.residual_norm, 0.0);
    assert_eq!(solution.termination, Termination::Optimal);
    assert_eq!(
        solve_dense_reference(&a_columns, &[0.0, 0.0], &NnlsOptions::default()).unwrap(),
        vec![0.0, 0.0]
    );
}

#[test]
fn no_columns_and_zero_columns_give_zero_solution() {
    let b = [1.0, -2.0, 3.0];
    let mut empty = ExplicitColumns::new(3, Vec::new()).unwrap();
    let solution = solve_with_oracle(&b, &mut empty, &NnlsOptions::default()).unwrap();
    assert!(solution.columns.is_empty());
    assert!((solution.residual_norm - norm(&b)).abs() < 1e-15);
    assert!(solve_dense_reference(&[], &b, &NnlsOptions::default())
        .unwrap()
        .is_empty());

    let zeros = vec![vec![0.0; 3]; 2];
    let solution = solve_dense(&zeros, &b);
    assert!(solution.columns.is_empty());
    assert_eq!(
        solve_dense_reference(&zeros, &b, &NnlsOptions::default()).unwrap(),
        vec![0.0, 0.0]
    );
}

#[test]
fn zero_rows_is_trivial() {
    let mut oracle = ExplicitColumns::new(0, vec![SparseColumn::default()]).unwrap();
    let solution = solve_with_oracle(&[], &mut oracle, &NnlsOptions::default()).unwrap();
    assert!(solution.columns.is_empty());
    assert_eq!(solution.residual_norm, 0.0);
}

#[test]
fn one_column_pointing_towards_or_away_from_b() {
    let towards = solve_dense(&[vec![1.0, 1.0]], &[3.0, 1.0]);
    assert_eq!(towards.columns.len(), 1);
    assert!((towards.columns[0].1 - 2.0).abs() < 1e-14);
    let away = solve_dense(&[vec![-1.0, -1.0]], &[3.0, 1.0]);
    assert!(away.columns.is_empty());
    assert!((away.residual_norm - 10f64.sqrt()).abs() < 1e-14);
}

#[test]
fn a_single_row() {
    let a_columns = vec![vec![2.0], vec![-1.0], vec![4.0], vec![4.0]];
    let solution = solve_dense(&a_columns, &[6.0]);
    assert!(solution.residual_norm < 1e-14);
    // One row: after the best column (4.0) the fit is exact.
    assert_eq!(solution.columns.len(), 1);
    let x = dense_solution(&solution, 4);
    assert!((fitted(&a_columns, &x, 1)[0] - 6.0).abs() < 1e-14);
    let negative = solve_dense(&a_columns, &[-6.0]);
    // Only column 1 points towards b = −6: x1 = 6.
    assert_eq!(negative.columns.len(), 1);
    assert_eq!(negative.columns[0].0, 1);
    assert!((negative.columns[0].1 - 6.0).abs() < 1e-14);
}

#[test]
fn duplicate_and_dependent_columns_terminate() {
    let base = vec![
        vec![1.0, 2.0, 0.0, 1.0],
        vec![0.0, 1.0, 3.0, 1.0],
        vec![2.0, 0.0, 1.0, 0.0],
    ];
    let mut a_columns = base.clone();
    a_columns.extend(base.iter().cloned()); // duplicates
    a_columns.push(base[0].iter().zip(&base[1]).map(|(x, y)| x + y).collect()); // dependent
    a_columns.push(base[0].iter().map(|x| 2.0 * x).collect()); // parallel
    for b in [
        vec![4.0, 7.0, 9.0, 3.0],
        vec![1.0, 1.0, 1.0, 1.0],
        vec![-1.0, 2.0, -3.0, 4.0],
    ] {
        let (fast_x, reference_x) = solve_both(&a_columns, &b);
        assert_kkt(&a_columns, &b, &fast_x, 1e-10);
        assert_kkt(&a_columns, &b, &reference_x, 1e-10);
        let difference =
            residual_norm(&a_columns, &b, &fast_x) - residual_norm(&a_columns, &b, &reference_x);
        assert!(difference.abs() < 1e-10);
    }
}

#[test]
fn non_finite_target_is_an_error() {
    let a_columns = vec![vec![1.0, 1.0]];
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let b = [1.0, bad];
        let mut oracle = ExplicitColumns::from_dense(2, &a_columns).unwrap();
        let error = solve_with_oracle(&b, &mut oracle, &NnlsOptions::default()).unwrap_err();
        assert!(
            matches!(error, NnlsError::NonFiniteTarget { row: 1, .. }),
            "{error}"
        );
        let error = solve_dense_reference(&a_columns, &b, &NnlsOptions::default()).unwrap_err();
        assert!(matches!(error, NnlsError::NonFiniteTarget { row: 1, .. }));
    }
}

#[test]
fn non_finite_or_misshapen_columns_are_errors() {
    let error = ExplicitColumns::from_dense(2, &[vec![1.0, f64::NAN]]).unwrap_err();
    assert!(matches!(
        error,
        NnlsError::InvalidColumn {
            column: ColumnSource::Listed { index: 0 },
            defect: ColumnDefect::NonFinite { row: 1, .. }
        }
    ));
    let error = solve_dense_reference(
        &[vec![1.0, f64::INFINITY]],
        &[1.0, 1.0],
        &NnlsOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(error, NnlsError::InvalidColumn { .. }));
    let error =
        solve_dense_reference(&[vec![1.0]], &[1.0, 1.0], &NnlsOptions::default()).unwrap_err();
    assert!(matches!(
        error,
        NnlsError::DimensionMismatch {
            column: 0,
            expected_rows: 2,
            found_rows: 1
        }
    ));
}

/// An oracle that returns whatever it was given, to test how the solver
/// treats misbehaving oracles.
struct ScriptedOracle {
    answers: Vec<(u32, SparseColumn)>,
    calls: usize,
}

impl ColumnOracle for ScriptedOracle {
    type Id = u32;

    fn best_column(&mut self, residual: &[f64]) -> Option<(u32, SparseColumn, f64)> {
        let (id, column) = self
            .answers
            .get(self.calls.min(self.answers.len().saturating_sub(1)))?
            .clone();
        self.calls += 1;
        let score = column.dot_dense(residual);
        Some((id, column, score))
    }
}

#[test]
fn malformed_oracle_columns_are_errors() {
    let b = [1.0, 1.0, 1.0];
    let cases = [
        (vec![(2, 1.0), (0, 1.0)], "unsorted"),
        (vec![(1, 1.0), (1, 1.0)], "repeated"),
        (vec![(3, 1.0)], "out of range"),
        (vec![(0, f64::NAN)], "NaN"),
    ];
    for (entries, what) in cases {
        let mut oracle = ScriptedOracle {
            answers: vec![(7, SparseColumn::new(entries))],
            calls: 0,
        };
        let error = solve_with_oracle(&b, &mut oracle, &NnlsOptions::default()).unwrap_err();
        match error {
            NnlsError::InvalidColumn {
                column:
                    ColumnSource::Oracle {
                        outer_iteration: 1,
                        ref id,
                    },
                ..
            } => {
                assert_eq!(id, "7", "{what}");
            }
            other => panic!("{what}: unexpected {other:?}"),
        }
        assert!(!error.to_string().is_empty());
    }
}

#[test]
fn an_oracle_repeating_a_passive_id_stops_the_solver() {
    // The second answer reuses id 1 for a different column that would score
    // positive: the solver must recognise the id and stop, not loop.
    let answers = vec![
        (1, SparseColumn::new(vec![(0, 1.0)])),
        (1, SparseColumn::new(vec![(1, 1.0)])),
    ];
    let mut oracle = ScriptedOracle { answers, calls: 0 };
    let solution = solve_with_oracle(&[2.0, 3.0], &mut oracle, &NnlsOptions::default()).unwrap();
    assert_eq!(
        solution.termination,
        Termination::Stalled(StallReason::AlreadyPassive)
    );
    assert_eq!(solution.columns, vec![(1, 2.0)]);
    assert_eq!(solution.outer_iterations, 1);
}

#[test]
fn a_nearly_dependent_best_column_stops_the_solver() {
    // After (1, 0) fits b = (1, 1) as far as it can, the residual is (0, 1).
    // (1, 1e-11) scores 1e-11 > 0 = tolerance, but lies within 1e-11 of the
    // span of (1, 0): adding it would make the passive set numerically
    // singular, so the solver stops instead.
    let answers = vec![
        (1, SparseColumn::new(vec![(0, 1.0)])),
        (2, SparseColumn::new(vec![(0, 1.0), (1, 1e-11)])),
    ];
    let mut oracle = ScriptedOracle { answers, calls: 0 };
    let options = NnlsOptions {
        tolerance: 0.0,
        ..NnlsOptions::default()
    };
    let solution = solve_with_oracle(&[1.0, 1.0], &mut oracle, &options).unwrap();
    assert_eq!(
        solution.termination,
        Termination::Stalled(StallReason::LinearlyDependent)
    );
    assert!(solution.is_optimal());
    assert_eq!(solution.columns, vec![(1, 1.0)]);
    assert_eq!(solution.outer_iterations, 2);
}

#[test]
fn iteration_cap_returns_the_best_feasible_solution() {
    let a_columns = vec![
        vec![1.0, 0.0, 0.0],
        vec![0.0, 1.0, 0.0],
        vec![0.0, 0.0, 1.0],
    ];
    let b = [3.0, 2.0, 1.0];
    let mut oracle = ExplicitColumns::from_dense(3, &a_columns).unwrap();
    let options = NnlsOptions {
        max_outer_iterations: Some(1),
        ..NnlsOptions::default()
    };
    let solution = solve_with_oracle(&b, &mut oracle, &options).unwrap();
    assert_eq!(solution.termination, Termination::IterationLimit);
    assert!(!solution.is_optimal());
    assert_eq!(solution.columns, vec![(0, 3.0)]);
    assert!((solution.residual_norm - 5f64.sqrt()).abs() < 1e-14);

    let error = solve_dense_reference(&a_columns, &b, &options).unwrap_err();
    assert_eq!(
        error,
        NnlsError::IterationLimit {
            outer_iterations: 1
        }
    );
    // Three iterations suffice.
    let options = NnlsOptions {
        max_outer_iterations: Some(3),
        ..NnlsOptions::default()
    };
    assert!(solve_with_oracle(&b, &mut oracle, &options)
        .unwrap()
        .is_optimal());
    assert!(solve_dense_reference(&a_columns, &b, &options).is_ok());
}

#[test]
fn invalid_tolerance_is_an_error() {
    let mut oracle = ExplicitColumns::from_dense(1, &[vec![1.0]]).unwrap();
    for tolerance in [-1.0, f64::NAN, f64::INFINITY] {
        let options = NnlsOptions {
            tolerance,
            ..NnlsOptions::default()
        };
        assert!(matches!(
            solve_with_oracle(&[1.0], &mut oracle, &options),
            Err(NnlsError::InvalidTolerance { .. })
        ));
        assert!(matches!(
            solve_dense_reference(&[vec![1.0]], &[1.0], &options),
            Err(NnlsError::InvalidTolerance { .. })
        ));
    }
}

#[test]
fn overflowing_inputs_are_errors_not_panics() {
    let b = [1e200, 1e200];
    let mut oracle = ExplicitColumns::from_dense(2, &[vec![1.0, 1.0]]).unwrap();
    assert!(matches!(
        solve_with_oracle(&b, &mut oracle, &NnlsOptions::default()),
        Err(NnlsError::Overflow { .. })
    ));
    // Finite b, but a column whose products overflow.
    let mut oracle = ExplicitColumns::from_dense(2, &[vec![1e300, 1e300]]).unwrap();
    let result = solve_with_oracle(&[1e10, 1.0], &mut oracle, &NnlsOptions::default());
    assert!(
        matches!(result, Err(NnlsError::Overflow { .. })),
        "{result:?}"
    );
}

#[test]
fn scaling_b_scales_the_solution() {
    let a_columns = vec![
        vec![1.0, 2.0, 0.5],
        vec![0.0, 1.0, 3.0],
        vec![2.0, 0.0, 1.0],
        vec![1.0, 1.0, 1.0],
    ];
    let b = [3.0, 1.0, 4.0];
    let small = solve_dense(&a_columns, &b);
    let scaled_b: Vec<f64> = b.iter().map(|v| v * 1e8).collect();
    let large = solve_dense(&a_columns, &scaled_b);
    let small_x = dense_solution(&small, 4);
    let large_x = dense_solution(&large, 4);
    for (s, l) in small_x.iter().zip(&large_x) {
        assert!((s * 1e8 - l).abs() <= 1e-6 * (1.0 + l.abs()));
    }
}
