//! The textbook Lawson–Hanson on a dense matrix: the oracle for tests.

use super::dense;
use super::error::{validate_target, ColumnDefect, ColumnSource, NnlsError};
use super::options::NnlsOptions;

/// A column closer than this fraction of its norm to the span of the other
/// passive columns (measured by the last diagonal entry of a fresh
/// Householder `R`) is treated as dependent and kept out of the passive set.
/// The same threshold as the fast solver's, so that both stop at the same
/// point on nearly dependent problems.
const DEPENDENCE_TOLERANCE: f64 = 1e-9;

/// Solves `min ‖A x − b‖₂ subject to x ≥ 0` for a dense `A` given by its
/// columns (each as long as `b`), and returns `x` (one value per column).
///
/// # The method
///
/// Lawson and Hanson's NNLS exactly as in chapter 23 of "Solving Least
/// Squares Problems" (1974), with nothing incremental: every inner step
/// solves the unconstrained least-squares problem on the passive set afresh
/// by Householder QR. Outer iterations free the column with the largest
/// gradient `w_j = a_jᵀ(b − A x)` among those with
/// `w_j > tolerance · ‖a_j‖ · ‖b‖`; inner iterations step back towards
/// feasibility and drop the columns that reach zero. As in the book, a column
/// that cannot enter (dependent on the passive set, or getting a value ≤ 0
/// from rounding) is passed over until `x` next changes, and the next-best
/// column is tried. Cost O(rows · p²) per inner step: for tests and small
/// problems only.
///
/// # Errors
///
/// * [`NnlsError::DimensionMismatch`] if a column's length is not `b.len()`;
/// * [`NnlsError::NonFiniteTarget`] / [`NnlsError::InvalidColumn`] for NaN or
///   infinite entries;
/// * [`NnlsError::InvalidTolerance`] for a negative or non-finite tolerance;
/// * [`NnlsError::IterationLimit`] if more outer iterations than
///   [`NnlsOptions::outer_iteration_limit`] are needed;
/// * [`NnlsError::Overflow`] / [`NnlsError::NumericalBreakdown`] when values
///   are so large that their squares overflow.
pub fn solve_dense_reference(
    a_columns: &[Vec<f64>],
    b: &[f64],
    options: &NnlsOptions,
) -> Result<Vec<f64>, NnlsError> {
    options.validate()?;
    let target_norm = validate_target(b)?;
    let rows = b.len();
    let column_norms = validate_dense_columns(a_columns, rows)?;
    let outer_iteration_limit = options.outer_iteration_limit(rows);

    let mut x = vec![0.0; a_columns.len()];
    let mut passive: Vec<usize> = Vec::new();
    // Columns that failed to enter since x last changed.
    let mut passed_over = vec![false; a_columns.len()];
    let mut outer_iterations = 0;

    loop {
        let mut residual = b.to_vec();
        for (column, &value) in a_columns.iter().zip(&x) {
            for (entry, a) in residual.iter_mut().zip(column) {
                *entry -= value * a;
            }
        }
        let mut entering: Option<(usize, f64)> = None;
        for (j, column) in a_columns.iter().enumerate() {
            let gradient = dense::dot(column, &residual);
            let eligible = !passive.contains(&j)
                && !passed_over[j]
                && gradient > options.tolerance * column_norms[j] * target_norm;
            if eligible && entering.is_none_or(|(_, best)| gradient > best) {
                entering = Some((j, gradient));
            }
        }
        let Some((entering, _)) = entering else {
            return Ok(x);
        };
        if outer_iterations >= outer_iteration_limit {
            return Err(NnlsError::IterationLimit {
                outer_iterations: outer_iteration_limit,
            });
        }
        outer_iterations += 1;
        passive.push(entering);

        let mut first_pass = true;
        loop {
            let unconstrained = passive_least_squares(a_columns, &column_norms, &passive, b);
            if first_pass {
                let enters = unconstrained
                    .as_ref()
                    .is_some_and(|values| values.last().is_some_and(|&value| value > 0.0));
                if !enters {
                    passive.pop();
                    passed_over[entering] = true;
                    break;
                }
            }
            first_pass = false;
            let Some(unconstrained) =
                unconstrained.filter(|values| values.iter().all(|v| v.is_finite()))
            else {
                // Subsets of an independent set stay independent, so only
                // non-finite arithmetic lands here.
                return Err(NnlsError::NumericalBreakdown {
                    outer_iteration: outer_iterations,
                });
            };
            if unconstrained.iter().all(|&value| value > 0.0) {
                for (&j, &value) in passive.iter().zip(&unconstrained) {
                    x[j] = value;
                }
                passed_over.fill(false);
                break;
            }
            // Step from x towards the unconstrained solution until the first
            // passive value reaches zero.
            let mut first_crossing: Option<(usize, f64)> = None;
            for (position, (&j, &target)) in passive.iter().zip(&unconstrained).enumerate() {
                if target <= 0.0 {
                    let step = x[j] / (x[j] - target);
                    if first_crossing.is_none_or(|(_, best)| step < best) {
                        first_crossing = Some((position, step));
                    }
                }
            }
            let Some((blocking, step)) = first_crossing else {
                break;
            };
            for (&j, &target) in passive.iter().zip(&unconstrained) {
                x[j] += step * (target - x[j]);
            }
            x[passive[blocking]] = 0.0;
            passive.retain(|&j| {
                if x[j] <= 0.0 {
                    x[j] = 0.0;
                    false
                } else {
                    true
                }
            });
        }
    }
}

/// Checks lengths and finiteness; returns the column norms.
fn validate_dense_columns(a_columns: &[Vec<f64>], rows: usize) -> Result<Vec<f64>, NnlsError> {
    a_columns
        .iter()
        .enumerate()
        .map(|(index, column)| {
            if column.len() != rows {
                return Err(NnlsError::DimensionMismatch {
                    column: index,
                    expected_rows: rows,
                    found_rows: column.len(),
                });
            }
            if let Some((row, &value)) = column.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(NnlsError::InvalidColumn {
                    column: ColumnSource::Listed { index },
                    defect: ColumnDefect::NonFinite { row, value },
                });
            }
            let norm = dense::norm(column);
            if norm.is_finite() {
                Ok(norm)
            } else {
                Err(NnlsError::Overflow {
                    what: ColumnSource::Listed { index }.to_string(),
                })
            }
        })
        .collect()
}

/// The unconstrained least-squares solution on the passive columns, by
/// Householder QR from scratch; `None` if some column is within
/// [`DEPENDENCE_TOLERANCE`] of the span of the columns before it.
fn passive_least_squares(
    a_columns: &[Vec<f64>],
    column_norms: &[f64],
    passive: &[usize],
    b: &[f64],
) -> Option<Vec<f64>> {
    if passive.len() > b.len() {
        return None;
    }
    let passive_columns: Vec<Vec<f64>> = passive.iter().map(|&j| a_columns[j].clone()).collect();
    let mut transformed = b.to_vec();
    let r_columns = dense::householder_qr(passive_columns, Some(&mut transformed));
    // R[k][k] is the distance of column k from the span of the columns
    // before it.
    let independent = passive
        .iter()
        .enumerate()
        .all(|(k, &j)| r_columns[k][k] > DEPENDENCE_TOLERANCE * column_norms[j]);
    independent.then(|| dense::solve_upper(&r_columns, &transformed))
}
