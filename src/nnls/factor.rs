//! The passive set's columns with an incrementally updated triangular factor.
//!
//! For the passive columns `A_P` (`rows × p`) the factor is the upper
//! triangular `R` (`p × p`, positive diagonal) with `RᵀR = A_Pᵀ A_P`: the `R`
//! of a QR factorisation of `A_P`, kept without `Q`. Least-squares problems
//! on the passive set are solved with the *corrected semi-normal equations*
//! (Björck): solve `RᵀR z = A_Pᵀ t`, then refine with the true residual
//! `t − A_P z`. The plain semi-normal equations lose accuracy like the
//! normal equations do (error ∝ κ²·ε); each refinement step shrinks the
//! error by about κ²·ε, so while that is well below 1, one step gives the
//! accuracy of a QR solve. `Q` itself is never needed, and its dense
//! `rows × p` storage would waste the sparsity of the columns.
//!
//! Updates keep `R` without refactoring:
//! * appending a column `a` adds the column `[r; d]` with `r = R⁻ᵀ A_Pᵀ a`
//!   (which is `Qᵀa`) and `d` the distance of `a` from the span of `A_P`
//!   (the Cholesky/QR column append, O(p²));
//! * deleting column `k` leaves an upper-Hessenberg tail, which Givens
//!   rotations on rows `(k, k+1), (k+1, k+2), …` return to triangular form
//!   (O(p²)).
//!
//! If refinement stops converging (`R` has drifted too far from the true
//! factor, or `A_P` is nearly singular), `R` is recomputed once by
//! Householder QR of the dense `A_P`: the only O(rows·p²) step, a recovery
//! path that Packlab's well-conditioned problems never take.

use super::columns::SparseColumn;
use super::dense;

/// A column whose distance from the span of the passive columns is at most
/// this fraction of its own norm counts as linearly dependent and is not
/// appended. Accepting it would make `A_P` so ill-conditioned (κ ≳ 1e9)
/// that κ²·ε ≥ 1 and refinement could no longer correct the semi-normal
/// equations. Since the score of a column is at most its distance times
/// `‖residual‖ ≤ ‖b‖`, a rejected column's relative score is at most this
/// value, so rejection costs at most this much in the optimality test.
pub(crate) const DEPENDENCE_TOLERANCE: f64 = 1e-9;

/// An appended column whose distance from the span of the passive columns
/// is at most this fraction of its norm has its least-squares fit refined
/// before its column of `R` is formed. The rounding error of the unrefined
/// fit is about the same whatever that distance, so it only spoils the new
/// diagonal entry, and with it the factor's accuracy, when the distance is
/// small. Measured on random ill-conditioned problems, refining these
/// appends (about one in six on Packlab's problems) keeps the factor as
/// accurate as refining every append.
const APPEND_REFINEMENT_BELOW: f64 = 0.1;

/// Refinement continues while the last correction is larger than this
/// fraction of the solution. After one step the error is about the square
/// of the first correction (relative), so once a correction is this small
/// the refined solution is accurate to rounding.
const REFINEMENT_ACCEPTED: f64 = 1e-8;

/// An updated least-squares solution (see
/// [`PassiveFactor::solution_after_removal`] and the solver's update after
/// an append) stands without refinement while the residual it carries
/// differs from the residual of its coefficients by at most this fraction
/// of `‖target‖`. Updates drift by rounding only, around 1e-15 of
/// `‖target‖` per step; a solution off by this much moves no count of
/// NNLSHP's plans.
const UPDATE_DRIFT_ACCEPTED: f64 = 1e-10;

/// ... and while every passive column `a` scores at most this fraction of
/// `‖a‖ · ‖target‖` against that residual: a hundredth of the solver's
/// default stopping tolerance, so that passive columns never outbid the
/// columns the solver looks for.
const UPDATE_ORTHOGONALITY_ACCEPTED: f64 = 1e-12;

/// Refinement steps before the factor is declared inaccurate. One suffices
/// for a healthy factor; more only help a moderately drifted one.
const MAX_REFINEMENT_STEPS: usize = 4;

/// What [`PassiveFactor::try_append`] did.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AppendOutcome {
    /// The column is now the last passive column.
    Appended(AppendedColumn),
    /// The column lies within [`DEPENDENCE_TOLERANCE`] of the span of the
    /// passive columns (or is zero) and was not appended.
    Dependent,
}

/// By-products of appending a column `a` that let the caller update its
/// least-squares solution without solving afresh.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AppendedColumn {
    /// `z_a`: the least-squares fit of `a` by the columns passive before it.
    pub(crate) fit_by_earlier_columns: Vec<f64>,
    /// `a − A_P z_a` as a dense vector: the part of `a` orthogonal to the
    /// earlier columns. Its norm is the new diagonal entry of `R`.
    pub(crate) orthogonal_part: Vec<f64>,
}

/// A column [`PassiveFactor::remove_with_fit`] removed, and what the
/// caller needs to update its least-squares solution.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RemovedColumn {
    /// The removed column `a`.
    pub(crate) column: SparseColumn,
    /// `w`: the least-squares fit of `a` by the columns that remain.
    pub(crate) fit_by_remaining: Vec<f64>,
}

/// A least-squares solution on the passive columns.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LeastSquares {
    /// `z`, one value per passive column.
    pub(crate) coefficients: Vec<f64>,
    /// `target − A_P z` as a dense vector, orthogonal to the passive columns
    /// to within rounding (see [`PassiveFactor::refine`]).
    pub(crate) residual: Vec<f64>,
}

/// The passive columns and their triangular factor.
#[derive(Debug, Clone)]
pub(crate) struct PassiveFactor {
    /// The length of every column and right-hand side.
    rows: usize,
    /// The passive columns `A_P`, valid for `rows` rows, linearly independent.
    columns: Vec<SparseColumn>,
    /// `R` by columns: `r_columns[j]` holds `R[0][j] ..= R[j][j]`, so it has
    /// `j + 1` entries, and `R[j][j] > 0`.
    r_columns: Vec<Vec<f64>>,
    /// How many times `R` was recomputed from scratch (for tests).
    refactor_count: usize,
}

impl PassiveFactor {
    /// An empty passive set for vectors of `rows` entries.
    pub(crate) fn new(rows: usize) -> Self {
        Self {
            rows,
            columns: Vec::new(),
            r_columns: Vec::new(),
            refactor_count: 0,
        }
    }

    /// The number of passive columns, `p`.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.columns.len()
    }

    /// The passive columns, in order.
    #[cfg(test)]
    pub(crate) fn columns(&self) -> &[SparseColumn] {
        &self.columns
    }

    /// How many times `R` was recomputed from scratch.
    #[cfg(test)]
    pub(crate) fn refactor_count(&self) -> usize {
        self.refactor_count
    }

    /// `target − A_P z` as a dense vector.
    pub(crate) fn residual(&self, target: &[f64], coefficients: &[f64]) -> Vec<f64> {
        let mut residual = target.to_vec();
        for (column, &coefficient) in self.columns.iter().zip(coefficients) {
            column.add_scaled_to(-coefficient, &mut residual);
        }
        residual
    }

    /// `A_Pᵀ v`.
    fn project(&self, dense_vector: &[f64]) -> Vec<f64> {
        self.columns
            .iter()
            .map(|column| column.dot_dense(dense_vector))
            .collect()
    }

    /// `(RᵀR)⁻¹ c`.
    fn solve_normal(&self, projected: &[f64]) -> Vec<f64> {
        let half = dense::solve_upper_transposed(&self.r_columns, projected);
        dense::solve_upper(&self.r_columns, &half)
    }

    /// The least-squares coefficients `z` minimising `‖target − A_P z‖`, by
    /// the corrected semi-normal equations.
    pub(crate) fn least_squares(&mut self, target: &[f64]) -> LeastSquares {
        let first_guess = self.solve_normal(&self.project(target));
        self.least_squares_from(target, first_guess)
    }

    /// Like [`Self::least_squares`], but starting refinement from
    /// `first_guess` (one value per passive column). If refinement does not
    /// converge, `R` is recomputed from scratch once and the problem solved
    /// afresh.
    pub(crate) fn least_squares_from(
        &mut self,
        target: &[f64],
        first_guess: Vec<f64>,
    ) -> LeastSquares {
        let (solution, accurate) = self.refine(target, first_guess);
        if accurate || !self.refactor_from_scratch() {
            return solution;
        }
        let first_guess = self.solve_normal(&self.project(target));
        self.refine(target, first_guess).0
    }

    /// Iterative refinement: `z += δ` with `δ = (RᵀR)⁻¹ A_Pᵀ ρ` for the
    /// residual `ρ = target − A_P z`, at least once and until `δ` is below
    /// [`REFINEMENT_ACCEPTED`] relative to `z`. Also says whether that
    /// happened within [`MAX_REFINEMENT_STEPS`].
    ///
    /// `ρ` is computed in full once and then updated as `ρ −= A_P δ`. Both
    /// track the residual of the current `z` with the same rounding error
    /// (that of the first computation, dominated by cancellation when
    /// `|A_P| |z| ≫ |target|`), but the update subtracts exactly what makes
    /// `A_Pᵀ ρ` vanish, so the returned residual is orthogonal to the passive
    /// columns to within rounding of its own size. That keeps the scores of
    /// passive columns at zero rather than at the level of the cancellation
    /// noise, where they could outbid genuinely improving columns.
    fn refine(&self, target: &[f64], mut coefficients: Vec<f64>) -> (LeastSquares, bool) {
        let mut residual = self.residual(target, &coefficients);
        let mut accurate = false;
        for _ in 0..MAX_REFINEMENT_STEPS {
            let correction = self.solve_normal(&self.project(&residual));
            for ((value, change), column) in
                coefficients.iter_mut().zip(&correction).zip(&self.columns)
            {
                *value += change;
                column.add_scaled_to(-change, &mut residual);
            }
            let correction_size = dense::norm(&correction);
            if !correction_size.is_finite() {
                break;
            }
            if correction_size <= REFINEMENT_ACCEPTED * dense::norm(&coefficients) {
                accurate = true;
                break;
            }
        }
        (
            LeastSquares {
                coefficients,
                residual,
            },
            accurate,
        )
    }

    /// The least-squares solution on the passive columns after `removed`
    /// left, from the one before: with `a = A' w + a⊥` (`w` its fit by the
    /// remaining columns `A'`), the solution `(z', z_a)` on all of them
    /// becomes `z' + z_a w` on `A'`, and its residual `ρ` becomes
    /// `ρ + z_a a⊥`. `remaining`: `z'`, the old coefficients of the
    /// remaining columns, in their order; `removed_value`: `z_a`. O(p) for
    /// the coefficients, O(nnz) for the residual.
    pub(crate) fn solution_after_removal(
        &self,
        removed: &RemovedColumn,
        mut remaining: Vec<f64>,
        removed_value: f64,
        mut residual: Vec<f64>,
    ) -> LeastSquares {
        removed.column.add_scaled_to(removed_value, &mut residual);
        for ((value, fit), column) in remaining
            .iter_mut()
            .zip(&removed.fit_by_remaining)
            .zip(&self.columns)
        {
            *value += removed_value * fit;
            column.add_scaled_to(-removed_value * fit, &mut residual);
        }
        LeastSquares {
            coefficients: remaining,
            residual,
        }
    }

    /// Whether an updated `solution` (see [`Self::solution_after_removal`])
    /// may stand without refinement: its residual is the residual of its
    /// coefficients to within [`UPDATE_DRIFT_ACCEPTED`], and orthogonal to
    /// every passive column to within [`UPDATE_ORTHOGONALITY_ACCEPTED`],
    /// both relative to `‖target‖`. O(nnz + rows): a small price next to
    /// the O(p²) of a refinement step, which is what it saves.
    pub(crate) fn update_stands(&self, target: &[f64], solution: &LeastSquares) -> bool {
        let target_norm = dense::norm(target);
        if solution.coefficients.len() != self.columns.len()
            || solution.coefficients.iter().any(|value| !value.is_finite())
        {
            return false;
        }
        let mut drift = self.residual(target, &solution.coefficients);
        for (fresh, carried) in drift.iter_mut().zip(&solution.residual) {
            *fresh -= carried;
        }
        // NaN fails both comparisons, and with them the update.
        dense::norm(&drift) <= UPDATE_DRIFT_ACCEPTED * target_norm
            && self.columns.iter().all(|column| {
                column.dot_dense(&solution.residual).abs()
                    <= UPDATE_ORTHOGONALITY_ACCEPTED * column.norm() * target_norm
            })
    }

    /// Appends `column` (valid for `rows` rows) to the passive set unless it
    /// is numerically dependent on it.
    ///
    /// The new column of `R` is `[r; d]` with `r = R⁻ᵀ A_Pᵀ a` (a triangular
    /// solve; in exact arithmetic `r = Qᵀa`) and `d = ‖a − A_P z_a‖`, where
    /// `z_a = R⁻¹ r` is the least-squares fit of `a` by the passive columns.
    /// Taking `d` as the norm of an actual residual, rather than as
    /// `√(‖a‖² − ‖r‖²)`, avoids the cancellation that would hide
    /// near-dependence below √ε. When `d` is small (see
    /// [`APPEND_REFINEMENT_BELOW`]), `z_a` gets one refinement step, which
    /// corrects `r` too: `R (z_a + δ) = r + R⁻ᵀ A_Pᵀ (a − A_P z_a)`.
    /// Cost: two triangular solves, four with refinement; O(p²).
    pub(crate) fn try_append(&mut self, column: SparseColumn) -> AppendOutcome {
        let column_norm = column.norm();
        // A zero column, or a column beyond `rows` independent ones, cannot
        // be independent; rounding must not pretend otherwise.
        if column_norm.is_nan() || column_norm <= 0.0 || self.columns.len() >= self.rows {
            return AppendOutcome::Dependent;
        }
        let mut dense_column = vec![0.0; self.rows];
        column.add_scaled_to(1.0, &mut dense_column);

        let mut new_r_column =
            dense::solve_upper_transposed(&self.r_columns, &self.project(&dense_column));
        let mut fit = dense::solve_upper(&self.r_columns, &new_r_column);
        let mut orthogonal_part = self.residual(&dense_column, &fit);
        if dense::norm(&orthogonal_part) <= APPEND_REFINEMENT_BELOW * column_norm {
            let half_correction =
                dense::solve_upper_transposed(&self.r_columns, &self.project(&orthogonal_part));
            let correction = dense::solve_upper(&self.r_columns, &half_correction);
            for ((value, change), column) in fit.iter_mut().zip(&correction).zip(&self.columns) {
                *value += change;
                column.add_scaled_to(-change, &mut orthogonal_part);
            }
            for (value, change) in new_r_column.iter_mut().zip(&half_correction) {
                *value += change;
            }
        }

        let distance_to_span = dense::norm(&orthogonal_part);
        // NaN (from overflow) counts as dependent too.
        if distance_to_span.is_nan() || distance_to_span <= DEPENDENCE_TOLERANCE * column_norm {
            return AppendOutcome::Dependent;
        }
        new_r_column.push(distance_to_span);
        self.r_columns.push(new_r_column);
        self.columns.push(column);
        AppendOutcome::Appended(AppendedColumn {
            fit_by_earlier_columns: fit,
            orthogonal_part,
        })
    }

    /// Removes passive column `index` (< `len()`), keeping `R` triangular.
    ///
    /// Without column `index`, each later column `j` (renumbered) has one
    /// entry below the diagonal, in row `j + 1`. The Givens rotation of rows
    /// `(j, j + 1)` that zeroes it in column `j` must also be applied to every
    /// column after `j`. Working column by column, each column first receives
    /// the rotations found so far and then yields its own, so every column is
    /// read once, contiguously. The rotations are orthogonal, so `RᵀR` stays
    /// `A_Pᵀ A_P`; the last row, now zero, is dropped.
    pub(crate) fn remove(&mut self, index: usize) {
        if index < self.columns.len() {
            self.remove_column(index);
        }
    }

    /// Removes passive column `index` (< `len()`) like [`Self::remove`],
    /// and returns it with its least-squares fit by the columns that remain
    /// (in their new order), for the caller to update a solution instead of
    /// solving afresh. `None` when `index` is out of range.
    ///
    /// The removed column's own column of `R`, taken through the same
    /// rotations, becomes its coordinates in the basis of the remaining
    /// columns (`Q'ᵀa`, with its distance from their span last): the fit is
    /// then one back substitution, O(p²), where solving afresh takes two,
    /// and refining them two more.
    pub(crate) fn remove_with_fit(&mut self, index: usize) -> Option<RemovedColumn> {
        if index >= self.columns.len() {
            return None;
        }
        let (column, coordinates) = self.remove_column(index);
        let fit_by_remaining = dense::solve_upper(&self.r_columns, &coordinates);
        Some(RemovedColumn {
            column,
            fit_by_remaining,
        })
    }

    /// Removes column `index` (< `len()`) and returns it with its column of
    /// `R` after the rotations (`len()` + 1 entries, the last its distance
    /// from the span of the others).
    ///
    /// Applying the rotations to one column is a chain of dependent steps
    /// (each rotation's lower entry is the next one's upper), so columns are
    /// rotated two at a time: the processor overlaps the two chains.
    #[inline(never)] // One copy for both kinds of removal.
    fn remove_column(&mut self, index: usize) -> (SparseColumn, Vec<f64>) {
        let column = self.columns.remove(index);
        let mut coordinates = self.r_columns.remove(index);
        let count = self.r_columns.len();
        coordinates.resize(count + 1, 0.0);
        // (cosine, sine) of the rotation of rows (index + k, index + k + 1).
        let mut rotations: Vec<(f64, f64)> = Vec::with_capacity(count - index);
        let mut j = index;
        while j < count {
            if j + 1 < count {
                let (before, after) = self.r_columns.split_at_mut(j + 1);
                let (first, second) = (&mut before[j], &mut after[0]);
                rotate_pair(first, second, index, &rotations);
                let rotation = zero_below_diagonal(first, j);
                rotate_chain(second, j, &[rotation]);
                rotations.push(rotation);
                rotations.push(zero_below_diagonal(second, j + 1));
                j += 2;
            } else {
                let last = &mut self.r_columns[j];
                rotate_chain(last, index, &rotations);
                rotations.push(zero_below_diagonal(last, j));
                j += 1;
            }
        }
        rotate_chain(&mut coordinates, index, &rotations);
        (column, coordinates)
    }

    /// Recomputes `R` by Householder QR of the dense passive columns: the
    /// recovery path when refinement fails. Keeps the old `R` (and returns
    /// `false`) if the new one is not usable, which independent columns rule
    /// out.
    fn refactor_from_scratch(&mut self) -> bool {
        let dense_columns: Vec<Vec<f64>> = self
            .columns
            .iter()
            .map(|column| {
                let mut dense_column = vec![0.0; self.rows];
                column.add_scaled_to(1.0, &mut dense_column);
                dense_column
            })
            .collect();
        let r_columns = dense::householder_qr(dense_columns, None);
        let usable = r_columns
            .iter()
            .enumerate()
            .all(|(j, column)| column.len() == j + 1 && column[j] > 0.0);
        if usable {
            self.r_columns = r_columns;
            self.refactor_count += 1;
        }
        usable
    }

    /// `RᵀR` as a dense matrix, for tests.
    #[cfg(test)]
    fn gram_from_factor(&self) -> Vec<Vec<f64>> {
        // (RᵀR)[i][j] = Σ_k R[k][i] R[k][j] over the rows k ≤ min(i, j)
        // that both columns hold.
        self.r_columns
            .iter()
            .map(|left| {
                self.r_columns
                    .iter()
                    .map(|right| dense::dot(left, right))
                    .collect()
            })
            .collect()
    }

    /// Spoils `R` by scaling it, for the recovery test.
    #[cfg(test)]
    fn spoil(&mut self, factor: f64) {
        for column in &mut self.r_columns {
            for entry in column.iter_mut() {
                *entry *= factor;
            }
        }
    }
}

/// The length of the vector (a, b), the same to the last bit on every
/// platform. `f64::hypot` calls the platform's maths library, whose last bit
/// differs between native builds and WebAssembly; one ulp in a rotation
/// changes which column leaves the passive set much later, and the page
/// would then show other NNLSHP figures than the CLI. Only +, ×, ÷ and √
/// (exactly rounded everywhere) are used; scaling by the larger magnitude
/// keeps the squares from overflowing.
/// Applies `rotations` to `column`: the k-th to rows `(first + k, first +
/// k + 1)`, in order. Each rotation's lower entry is the next one's upper,
/// so it is carried from one to the next rather than read back.
fn rotate_chain(column: &mut [f64], first: usize, rotations: &[(f64, f64)]) {
    let rows = &mut column[first..=first + rotations.len()];
    let mut upper = rows[0];
    for (k, &(cosine, sine)) in rotations.iter().enumerate() {
        let lower = rows[k + 1];
        rows[k] = cosine * upper + sine * lower;
        upper = cosine * lower - sine * upper;
    }
    rows[rotations.len()] = upper;
}

/// [`rotate_chain`] on two columns at once, interleaved.
fn rotate_pair(left: &mut [f64], right: &mut [f64], first: usize, rotations: &[(f64, f64)]) {
    let left = &mut left[first..=first + rotations.len()];
    let right = &mut right[first..=first + rotations.len()];
    let (mut left_upper, mut right_upper) = (left[0], right[0]);
    for (k, &(cosine, sine)) in rotations.iter().enumerate() {
        let (left_lower, right_lower) = (left[k + 1], right[k + 1]);
        left[k] = cosine * left_upper + sine * left_lower;
        right[k] = cosine * right_upper + sine * right_lower;
        left_upper = cosine * left_lower - sine * left_upper;
        right_upper = cosine * right_lower - sine * right_upper;
    }
    left[rotations.len()] = left_upper;
    right[rotations.len()] = right_upper;
}

/// The rotation of rows `(j, j + 1)` that zeroes `column[j + 1]`, the one
/// entry below the diagonal; applied to `column`, which then ends at `j`.
fn zero_below_diagonal(column: &mut Vec<f64>, j: usize) -> (f64, f64) {
    let (diagonal, below) = (column[j], column[j + 1]);
    let length = rotation_length(diagonal, below);
    column[j] = length;
    column.truncate(j + 1);
    // Both zero cannot happen for independent columns; the identity is
    // then the right rotation.
    if length > 0.0 {
        (diagonal / length, below / length)
    } else {
        (1.0, 0.0)
    }
}

fn rotation_length(a: f64, b: f64) -> f64 {
    let scale = a.abs().max(b.abs());
    if scale == 0.0 || !scale.is_finite() {
        return scale;
    }
    let (a, b) = (a / scale, b / scale);
    scale * (a * a + b * b).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift64*), for test data only.
    struct TestRandom(u64);

    impl TestRandom {
        fn next_unit(&mut self) -> f64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let bits = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11;
            bits as f64 / (1u64 << 53) as f64
        }
    }

    fn random_column(random: &mut TestRandom, rows: usize) -> SparseColumn {
        let dense_column: Vec<f64> = (0..rows)
            .map(|_| {
                if random.next_unit() < 0.5 {
                    (random.next_unit() * 6.0).floor() - 2.0
                } else {
                    0.0
                }
            })
            .collect();
        SparseColumn::from_dense(&dense_column)
    }

    /// A factor of `columns` random independent columns of `rows` rows, and
    /// the generator, to draw more test data from.
    fn random_factor(rows: usize, columns: usize, seed: u64) -> (PassiveFactor, TestRandom) {
        let mut random = TestRandom(seed);
        let mut factor = PassiveFactor::new(rows);
        while factor.len() < columns {
            factor.try_append(random_column(&mut random, rows));
        }
        (factor, random)
    }

    fn assert_factor_matches_columns(factor: &PassiveFactor) {
        let gram = factor.gram_from_factor();
        for (i, left) in factor.columns().iter().enumerate() {
            let mut dense_left = vec![0.0; factor.rows];
            left.add_scaled_to(1.0, &mut dense_left);
            for (j, right) in factor.columns().iter().enumerate() {
                let expected = right.dot_dense(&dense_left);
                let scale = 1.0 + expected.abs();
                assert!(
                    (gram[i][j] - expected).abs() < 1e-10 * scale,
                    "({i},{j}): {} vs {expected}",
                    gram[i][j]
                );
            }
        }
    }

    #[test]
    fn appends_and_removals_keep_the_gram_matrix() {
        let rows = 12;
        let mut random = TestRandom(0x9e37_79b9_7f4a_7c15);
        let mut factor = PassiveFactor::new(rows);
        let mut appended = 0;
        while appended < 8 {
            if matches!(
                factor.try_append(random_column(&mut random, rows)),
                AppendOutcome::Appended(_)
            ) {
                appended += 1;
            }
            assert_factor_matches_columns(&factor);
        }
        for index in [3, 0, 5, 4] {
            factor.remove(index);
            assert_factor_matches_columns(&factor);
        }
        assert_eq!(factor.len(), 4);
        assert_eq!(factor.refactor_count(), 0);
    }

    #[test]
    fn a_removal_updates_the_solution_to_a_fresh_solve() {
        let rows = 14;
        let (mut factor, mut random) = random_factor(rows, 9, 0x2545_f491_4f6c_dd1d);
        let target: Vec<f64> = (0..rows).map(|_| random.next_unit() * 10.0 - 3.0).collect();
        // Removals from the front, the middle and the back, each updating
        // the solution of the set before it.
        for index in [0, 4, 6, 5] {
            let before = factor.least_squares(&target);
            let removed_value = before.coefficients[index];
            let mut remaining = before.coefficients.clone();
            remaining.remove(index);
            let removed = factor.remove_with_fit(index).expect("index in range");
            assert_factor_matches_columns(&factor);

            // The fit is the least-squares fit of the removed column.
            let mut dense_removed = vec![0.0; rows];
            removed.column.add_scaled_to(1.0, &mut dense_removed);
            let fit = factor.least_squares(&dense_removed).coefficients;
            for (updated, solved) in removed.fit_by_remaining.iter().zip(&fit) {
                assert!((updated - solved).abs() < 1e-10, "{updated} vs {solved}");
            }

            let updated =
                factor.solution_after_removal(&removed, remaining, removed_value, before.residual);
            let fresh = factor.least_squares(&target);
            assert_eq!(updated.coefficients.len(), factor.len());
            for (updated, solved) in updated.coefficients.iter().zip(&fresh.coefficients) {
                assert!((updated - solved).abs() < 1e-10, "{updated} vs {solved}");
            }
            for (updated, solved) in updated.residual.iter().zip(&fresh.residual) {
                assert!((updated - solved).abs() < 1e-10, "{updated} vs {solved}");
            }
            assert!(factor.update_stands(&target, &updated));
        }
        assert_eq!(factor.len(), 5);
        assert_eq!(factor.remove_with_fit(5), None);
    }

    #[test]
    fn an_update_that_drifted_does_not_stand() {
        let rows = 6;
        let (mut factor, _) = random_factor(rows, 3, 0x9e37_79b9_7f4a_7c15);
        let target: Vec<f64> = (0..rows).map(|index| index as f64 + 1.0).collect();
        let solution = factor.least_squares(&target);
        assert!(factor.update_stands(&target, &solution));

        // Coefficients off by a millionth: the residual carried is no
        // longer theirs.
        let mut drifted = solution.clone();
        drifted.coefficients[1] += 1e-6;
        assert!(!factor.update_stands(&target, &drifted));

        // A residual that is its coefficients' but not orthogonal to the
        // columns: the coefficients are not the least-squares solution.
        let mut shifted = solution.clone();
        shifted.coefficients[0] += 0.5;
        shifted.residual = factor.residual(&target, &shifted.coefficients);
        assert!(!factor.update_stands(&target, &shifted));

        let mut broken = solution;
        broken.coefficients[2] = f64::NAN;
        assert!(!factor.update_stands(&target, &broken));
    }

    #[test]
    fn dependent_and_zero_columns_are_refused() {
        let mut factor = PassiveFactor::new(3);
        let first = SparseColumn::new(vec![(0, 1.0), (1, 2.0)]);
        let second = SparseColumn::new(vec![(1, 1.0), (2, 1.0)]);
        assert!(matches!(
            factor.try_append(first),
            AppendOutcome::Appended(_)
        ));
        assert!(matches!(
            factor.try_append(second),
            AppendOutcome::Appended(_)
        ));
        // first + 3 · second
        let combination = SparseColumn::new(vec![(0, 1.0), (1, 5.0), (2, 3.0)]);
        assert_eq!(factor.try_append(combination), AppendOutcome::Dependent);
        assert_eq!(
            factor.try_append(SparseColumn::default()),
            AppendOutcome::Dependent
        );
        assert_eq!(factor.len(), 2);
    }

    #[test]
    fn least_squares_matches_an_exact_fit() {
        let mut factor = PassiveFactor::new(4);
        for entries in [
            vec![(0, 1.0), (1, 1.0)],
            vec![(1, 1.0), (2, 3.0)],
            vec![(3, 2.0)],
        ] {
            assert!(matches!(
                factor.try_append(SparseColumn::new(entries)),
                AppendOutcome::Appended(_)
            ));
        }
        // target = 2·a0 − a1 + 0.5·a2
        let target = [2.0, 1.0, -3.0, 1.0];
        let coefficients = factor.least_squares(&target).coefficients;
        for (value, expected) in coefficients.iter().zip([2.0, -1.0, 0.5]) {
            assert!((value - expected).abs() < 1e-13);
        }
    }

    #[test]
    fn a_spoiled_factor_is_recomputed() {
        let rows = 10;
        let mut random = TestRandom(12345);
        let mut factor = PassiveFactor::new(rows);
        while factor.len() < 6 {
            factor.try_append(random_column(&mut random, rows));
        }
        let target: Vec<f64> = (0..rows).map(|row| row as f64 - 4.0).collect();
        let expected = factor.least_squares(&target).coefficients;
        // Scaling R by 3 makes the semi-normal solve 9 times too small;
        // refinement contracts by 1 − 1/9 per step and cannot converge in
        // time, so the factor must be rebuilt.
        factor.spoil(3.0);
        let recovered = factor.least_squares(&target).coefficients;
        assert_eq!(factor.refactor_count(), 1);
        for (value, reference) in recovered.iter().zip(&expected) {
            assert!((value - reference).abs() < 1e-10 * (1.0 + reference.abs()));
        }
        assert_factor_matches_columns(&factor);
    }
}
