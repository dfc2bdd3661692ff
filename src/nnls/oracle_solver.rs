//! Lawson–Hanson with columns from an oracle: the solver NNLSHP runs.

use std::collections::HashSet;

use super::columns::{ColumnOracle, SparseColumn};
use super::dense;
use super::error::{validate_target, ColumnSource, NnlsError};
use super::factor::{AppendOutcome, AppendedColumn, LeastSquares, PassiveFactor, RemovedColumn};
use super::options::NnlsOptions;
use super::solution::{NnlsSolution, StallReason, Termination};

/// Two columns whose paths towards the unconstrained solution cross zero at
/// step lengths this close (relatively) hit zero together and leave the
/// passive set together; without it, the second would leave one inner
/// iteration later after a step of length ~1e-16.
const SIMULTANEOUS_CROSSING_TOLERANCE: f64 = 1e-12;

/// The passive set: identifiers, current values and the factor of the
/// columns, all in the same order.
struct PassiveSet<Id> {
    /// The columns and the factor of `A_P`.
    factor: PassiveFactor,
    /// `ids[j]` identifies passive column `j`.
    ids: Vec<Id>,
    /// `values[j] = x_j`: > 0 between outer iterations; the newest column
    /// starts at 0 and may touch 0 within an inner iteration before it is
    /// dropped.
    values: Vec<f64>,
    /// The elements of `ids`, to recognise a passive column by identifier
    /// in O(1).
    passive_ids: HashSet<Id>,
}

impl<Id: Clone + Eq + std::hash::Hash> PassiveSet<Id> {
    fn new(rows: usize) -> Self {
        Self {
            factor: PassiveFactor::new(rows),
            ids: Vec::new(),
            values: Vec::new(),
            passive_ids: HashSet::new(),
        }
    }

    fn len(&self) -> usize {
        self.ids.len()
    }

    /// Records a column just appended to the factor, with value 0.
    fn record_appended(&mut self, id: Id) {
        self.passive_ids.insert(id.clone());
        self.ids.push(id);
        self.values.push(0.0);
    }

    /// Drops passive column `index` (< `len()`) everywhere. O(p²) for the
    /// factor, O(p) for the bookkeeping.
    fn remove(&mut self, index: usize) {
        self.factor.remove(index);
        self.forget(index);
    }

    /// [`Self::remove`], also returning the column and its fit by the
    /// columns that remain (see [`PassiveFactor::remove_with_fit`]).
    fn remove_with_fit(&mut self, index: usize) -> Option<RemovedColumn> {
        let removed = self.factor.remove_with_fit(index)?;
        self.forget(index);
        Some(removed)
    }

    fn forget(&mut self, index: usize) {
        let id = self.ids.remove(index);
        self.values.remove(index);
        self.passive_ids.remove(&id);
    }

    /// `solution` if the update that produced it stands, else `solution`
    /// refined (see [`PassiveFactor::update_stands`]).
    fn stand_or_refine(&mut self, b: &[f64], solution: LeastSquares) -> LeastSquares {
        if self.factor.update_stands(b, &solution) {
            solution
        } else {
            self.factor.least_squares_from(b, solution.coefficients)
        }
    }
}

/// Solves `min ‖A x − b‖₂ subject to x ≥ 0`, asking `oracle` for the columns
/// of `A` one at a time.
///
/// # The method
///
/// Lawson and Hanson's active-set algorithm (NNLS, 1974, ch. 23). The
/// *passive set* `P` holds the columns allowed to be positive; every other
/// column is held at 0. Each **outer iteration** asks the oracle for the
/// column `a` maximising the score `aᵀ(b − A x)` (the negative gradient of
/// `½‖A x − b‖²` along `a`). If that best score is at most
/// `tolerance · ‖a‖ · ‖b‖`, every column's gradient is too, so the
/// Karush–Kuhn–Tucker conditions hold to that tolerance and `x` is optimal
/// (the problem is convex). Otherwise `a` joins `P` and **inner
/// iterations** restore feasibility: solve the unconstrained least-squares
/// problem on `P`; if every component is positive, accept it; else move from
/// the current `x` towards it only as far as the first component reaching
/// zero, drop the columns that reached zero, and solve again. Each outer
/// iteration strictly lowers `‖A x − b‖` in exact arithmetic, so no passive
/// set repeats and the method terminates.
///
/// The threshold scales with the best column's norm because the oracle
/// maximises the raw score. Where column norms differ by orders of magnitude
/// (as row weights can make them), a column much shorter than the best one
/// is held to a correspondingly looser relative standard.
///
/// The unconstrained solves use a triangular factor of `A_P` that is
/// updated, never rebuilt, as columns come and go (see the `factor` module),
/// so an outer iteration costs O(p² + rows) plus one oracle call, `p`
/// being the passive-set size.
///
/// # Degenerate cases
///
/// * `b = 0`, no columns, or zero columns: the best score is 0, so the
///   solver stops at `x = 0` with [`Termination::Optimal`].
/// * A best column that is already passive, lies in the span of the passive
///   columns (within relative distance 1e-9, which also catches duplicates
///   of passive columns), or gets a value ≤ 0 when added, ends the search
///   with [`Termination::Stalled`]: the solver cannot ask for the next-best
///   column, so stopping is the only way not to cycle. In exact arithmetic
///   all three imply a score of 0 (the residual is orthogonal to the span of
///   `P`), so the score seen is rounding noise, except for a column at
///   distance `d ≤ 1e-9 · ‖a‖` from that span, whose score is at most
///   `d · ‖b‖`: the optimality conditions hold with relative tolerance
///   `max(tolerance, 1e-9)`.
/// * The iteration cap ([`NnlsOptions::outer_iteration_limit`]) ends the
///   search with [`Termination::IterationLimit`] and the best feasible
///   solution found; inner iterations need no cap of their own, as each one
///   removes a column that an outer iteration added.
///
/// The returned values are always positive; all other columns are 0.
///
/// # Errors
///
/// * [`NnlsError::NonFiniteTarget`] if `b` holds NaN or an infinity;
/// * [`NnlsError::InvalidTolerance`] for a negative or non-finite tolerance;
/// * [`NnlsError::InvalidColumn`] if the oracle returns a column with
///   unsorted or repeated rows, rows `≥ b.len()`, or non-finite values;
/// * [`NnlsError::Overflow`] / [`NnlsError::NumericalBreakdown`] when values
///   are so large that their squares overflow.
pub fn solve_with_oracle<O: ColumnOracle>(
    b: &[f64],
    oracle: &mut O,
    options: &NnlsOptions,
) -> Result<NnlsSolution<O::Id>, NnlsError> {
    solve_with_oracle_from(b, oracle, options, Vec::new())
}

/// [`solve_with_oracle`], starting from the columns of an earlier solution
/// (a *warm start*) instead of from `x = 0`.
///
/// The start columns are appended to the passive set (those that are
/// duplicates, or dependent on the ones before, are skipped), then the
/// columns whose least-squares values are not positive are dropped until
/// all are: that is a state Lawson–Hanson can continue from, and the outer
/// loop then runs as usual, so the result is optimal whatever the start.
/// A good start (the solution of a problem with fewer columns, such as
/// NNLSHP at one sequence per pack less) saves most of the outer
/// iterations.
///
/// # Errors
/// As [`solve_with_oracle`]; a start column that is malformed is
/// [`NnlsError::InvalidColumn`] with a [`ColumnSource::Listed`] position.
pub fn solve_with_oracle_from<O: ColumnOracle>(
    b: &[f64],
    oracle: &mut O,
    options: &NnlsOptions,
    start: Vec<(O::Id, SparseColumn)>,
) -> Result<NnlsSolution<O::Id>, NnlsError> {
    options.validate()?;
    let target_norm = validate_target(b)?;
    let rows = b.len();
    let outer_iteration_limit = options.outer_iteration_limit(rows);

    let mut passive = PassiveSet::new(rows);
    let mut residual = b.to_vec();
    let mut outer_iterations = 0;
    let mut inner_iterations = 0;

    for (index, (id, column)) in start.into_iter().enumerate() {
        column
            .check(rows)
            .map_err(|defect| NnlsError::InvalidColumn {
                column: ColumnSource::Listed { index },
                defect,
            })?;
        if passive.passive_ids.contains(&id) {
            continue;
        }
        if let AppendOutcome::Appended(_) = passive.factor.try_append(column) {
            passive.record_appended(id);
        }
    }
    while passive.len() > 0 {
        let solution = passive.factor.least_squares(b);
        if solution.coefficients.iter().any(|value| !value.is_finite()) {
            return Err(NnlsError::NumericalBreakdown { outer_iteration: 0 });
        }
        if solution.coefficients.iter().all(|&value| value > 0.0) {
            passive.values = solution.coefficients;
            residual = solution.residual;
            break;
        }
        for (index, &value) in solution.coefficients.iter().enumerate().rev() {
            if value <= 0.0 {
                passive.remove(index);
            }
        }
    }

    let termination = loop {
        let Some((id, column, _)) = oracle.best_column(&residual) else {
            break Termination::Optimal;
        };
        let source = || ColumnSource::Oracle {
            outer_iteration: outer_iterations + 1,
            id: format!("{id:?}"),
        };
        column
            .check(rows)
            .map_err(|defect| NnlsError::InvalidColumn {
                column: source(),
                defect,
            })?;
        let column_norm = column.norm();
        if !column_norm.is_finite() {
            return Err(NnlsError::Overflow {
                what: source().to_string(),
            });
        }
        let score = column.dot_dense(&residual);
        if !score.is_finite() {
            return Err(NnlsError::Overflow {
                what: source().to_string(),
            });
        }
        if score <= options.tolerance * column_norm * target_norm {
            break Termination::Optimal;
        }
        if passive.passive_ids.contains(&id) {
            break Termination::Stalled(StallReason::AlreadyPassive);
        }
        if outer_iterations >= outer_iteration_limit {
            break Termination::IterationLimit;
        }
        outer_iterations += 1;
        let AppendOutcome::Appended(appended) = passive.factor.try_append(column) else {
            break Termination::Stalled(StallReason::LinearlyDependent);
        };
        let extended = extended_solution(&passive.values, &appended, residual.clone());
        passive.record_appended(id);

        match restore_feasibility(&mut passive, b, extended, &mut inner_iterations) {
            InnerOutcome::Feasible {
                residual: new_residual,
            } => residual = new_residual,
            InnerOutcome::NewColumnNotPositive => {
                break Termination::Stalled(StallReason::NotPositive);
            }
            InnerOutcome::NonFinite => {
                return Err(NnlsError::NumericalBreakdown {
                    outer_iteration: outer_iterations,
                });
            }
        }
    };

    let residual_norm = dense::norm(&residual);
    if !residual_norm.is_finite() {
        return Err(NnlsError::NumericalBreakdown {
            outer_iteration: outer_iterations,
        });
    }
    Ok(NnlsSolution {
        columns: passive.ids.into_iter().zip(passive.values).collect(),
        residual_norm,
        outer_iterations,
        inner_iterations,
        termination,
    })
}

/// The unconstrained least-squares solution after appending column `a` to a
/// passive set whose values `x_P` solve the least-squares problem on it,
/// leaving `residual = b − A_P x_P` orthogonal to the passive columns.
///
/// Write `a = A_P z_a + a⊥` with `a⊥` orthogonal to the passive columns (the
/// factor's by-products). The new solution must leave a residual orthogonal
/// to `a⊥`, which only the new column's value `t` can change:
/// `t = a⊥ᵀ residual / ‖a⊥‖²`, and then `x_P − t z_a` keeps the fit on the
/// old columns, and the residual becomes `residual − t a⊥`. This costs
/// O(p + rows) instead of a fresh solve; the solver checks the result
/// before it stands (see `PassiveSet::stand_or_refine`).
fn extended_solution(
    values: &[f64],
    appended: &AppendedColumn,
    mut residual: Vec<f64>,
) -> LeastSquares {
    let orthogonal = &appended.orthogonal_part;
    let new_value = dense::dot(orthogonal, &residual) / dense::dot(orthogonal, orthogonal);
    let mut coefficients: Vec<f64> = values
        .iter()
        .zip(&appended.fit_by_earlier_columns)
        .map(|(value, fit)| value - new_value * fit)
        .collect();
    coefficients.push(new_value);
    dense::subtract_scaled(&mut residual, new_value, orthogonal);
    LeastSquares {
        coefficients,
        residual,
    }
}

/// How the inner loop ended.
enum InnerOutcome {
    /// `values` is the unconstrained least-squares solution on the (possibly
    /// smaller) passive set, and positive.
    Feasible {
        /// `b − A_P x_P`, orthogonal to the passive columns.
        residual: Vec<f64>,
    },
    /// The column just added would get a value ≤ 0; it has been removed and
    /// the passive set is as before.
    NewColumnNotPositive,
    /// The least-squares solution is not finite.
    NonFinite,
}

/// Lawson–Hanson's inner loop, run after a column is appended (last, with
/// value 0) to a passive set whose other values are positive. `extended`
/// is the unconstrained solution on the new passive set, by update (see
/// [`extended_solution`]).
///
/// Take the unconstrained solution `z` on `P`. If `z > 0`, `x = z`.
/// Otherwise move to `x + α (z − x)` with the largest `α ∈ [0, 1)` that keeps
/// `x ≥ 0`, which zeroes at least one column (the *blocking* one), drop the
/// zeroed columns and repeat. The objective is convex along the segment and
/// decreases towards `z`, so every step keeps the fit at least as good.
///
/// When one column leaves, the unconstrained solution on the rest is an
/// update of `z` (see [`PassiveFactor::solution_after_removal`]); updates
/// stand while they stay accurate, and are refined otherwise.
#[inline(never)] // See `solve_with_oracle_from`.
fn restore_feasibility<Id: Clone + Eq + std::hash::Hash>(
    passive: &mut PassiveSet<Id>,
    b: &[f64],
    extended: LeastSquares,
    inner_iterations: &mut usize,
) -> InnerOutcome {
    let new_column = passive.len() - 1;
    let mut solution = passive.stand_or_refine(b, extended);
    let mut first_pass = true;
    loop {
        let unconstrained = &solution.coefficients;
        if unconstrained.iter().any(|value| !value.is_finite()) {
            return InnerOutcome::NonFinite;
        }
        if first_pass && unconstrained[new_column] <= 0.0 {
            // Exact arithmetic gives the new column a positive value when its
            // score is positive; a non-positive one is rounding, and moving
            // along the segment would not move at all.
            passive.remove(new_column);
            return InnerOutcome::NewColumnNotPositive;
        }
        first_pass = false;
        if unconstrained.iter().all(|&value| value > 0.0) {
            passive.values = solution.coefficients;
            return InnerOutcome::Feasible {
                residual: solution.residual,
            };
        }
        *inner_iterations += 1;

        // Step length at which column j reaches zero, for each column whose
        // unconstrained value is ≤ 0. Its current value is > 0 (the new
        // column's too, after the first pass), so the denominator is > 0.
        let crossing = |j: usize| {
            let current = passive.values[j];
            current / (current - unconstrained[j])
        };
        let mut first_crossing: Option<(usize, f64)> = None;
        for j in (0..passive.len()).filter(|&j| unconstrained[j] <= 0.0) {
            let step = crossing(j);
            if first_crossing.is_none_or(|(_, best)| step < best) {
                first_crossing = Some((j, step));
            }
        }
        // Some value is ≤ 0, so there is a first crossing.
        let Some((blocking, step)) = first_crossing else {
            passive.values = solution.coefficients;
            return InnerOutcome::Feasible {
                residual: solution.residual,
            };
        };
        let leaving: Vec<usize> = (0..passive.len())
            .filter(|&j| {
                j == blocking
                    || (unconstrained[j] <= 0.0
                        && crossing(j) <= step * (1.0 + SIMULTANEOUS_CROSSING_TOLERANCE))
            })
            .collect();
        for (value, target) in passive.values.iter_mut().zip(unconstrained) {
            *value += step * (target - *value);
        }
        // Rounding may push a value just below zero; such a column leaves too.
        let mut leaving: Vec<usize> = leaving
            .into_iter()
            .chain((0..passive.len()).filter(|&j| passive.values[j] <= 0.0))
            .collect();
        leaving.sort_unstable();
        leaving.dedup();
        solution = match leaving[..] {
            [index] => {
                let mut remaining = solution.coefficients;
                let removed_value = remaining.remove(index);
                match passive.remove_with_fit(index) {
                    Some(removed) => {
                        let updated = passive.factor.solution_after_removal(
                            &removed,
                            remaining,
                            removed_value,
                            solution.residual,
                        );
                        passive.stand_or_refine(b, updated)
                    }
                    None => passive.factor.least_squares(b),
                }
            }
            _ => {
                // Remove from the back so that earlier indices stay valid.
                for &index in leaving.iter().rev() {
                    passive.remove(index);
                }
                passive.factor.least_squares(b)
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nnls::columns::SparseColumn;

    #[test]
    fn extended_solution_equals_a_fresh_solve() {
        let b = [3.0, -1.0, 2.0, 5.0];
        let mut passive: PassiveSet<u8> = PassiveSet::new(b.len());
        for (id, entries) in [(0, vec![(0, 1.0), (3, 2.0)]), (1, vec![(1, 1.0), (2, 1.0)])] {
            assert!(matches!(
                passive.factor.try_append(SparseColumn::new(entries)),
                AppendOutcome::Appended(_)
            ));
            passive.record_appended(id);
        }
        let solution = passive.factor.least_squares(&b);
        passive.values = solution.coefficients;
        let residual = solution.residual;

        let new_column = SparseColumn::new(vec![(0, 1.0), (1, 2.0), (2, -1.0)]);
        let AppendOutcome::Appended(appended) = passive.factor.try_append(new_column) else {
            panic!("the third column is independent of the first two");
        };
        let extended = extended_solution(&passive.values, &appended, residual);
        let fresh = passive.factor.least_squares(&b);
        assert_eq!(extended.coefficients.len(), 3);
        for (updated, solved) in extended.coefficients.iter().zip(&fresh.coefficients) {
            assert!(
                (updated - solved).abs() < 1e-12,
                "{extended:?} vs {fresh:?}"
            );
        }
        for (updated, solved) in extended.residual.iter().zip(&fresh.residual) {
            assert!(
                (updated - solved).abs() < 1e-12,
                "{extended:?} vs {fresh:?}"
            );
        }
        assert!(passive.factor.update_stands(&b, &extended));
    }

    #[test]
    fn removal_keeps_identifiers_and_values_aligned() {
        let mut passive: PassiveSet<char> = PassiveSet::new(3);
        for (id, row) in [('a', 0), ('b', 1), ('c', 2)] {
            passive
                .factor
                .try_append(SparseColumn::new(vec![(row, 1.0)]));
            passive.record_appended(id);
        }
        passive.values = vec![1.0, 2.0, 3.0];
        passive.remove(1);
        assert_eq!(passive.ids, vec!['a', 'c']);
        assert_eq!(passive.values, vec![1.0, 3.0]);
        assert!(!passive.passive_ids.contains(&'b'));
        // The factor agrees: b = (1, 0, 3) is fitted exactly by e0 and e2.
        assert_eq!(
            passive.factor.least_squares(&[1.0, 0.0, 3.0]).coefficients,
            vec![1.0, 3.0]
        );
    }
}
