//! How hard the solvers try.

use super::error::NnlsError;

/// The stopping tolerance used by [`NnlsOptions::default`].
///
/// Scores are compared with `tolerance · ‖a‖ · ‖b‖`, so this is the cosine of
/// the angle between a column and the residual, times `‖residual‖ / ‖b‖`,
/// below which a column no longer counts as improving the fit. It sits far
/// above the rounding noise of a score (about `1e-16 · √rows`) and far below
/// anything that would matter to a packing plan.
pub const DEFAULT_TOLERANCE: f64 = 1e-10;

/// Outer iterations allowed per row of `b` when
/// [`NnlsOptions::max_outer_iterations`] is `None`, plus
/// [`DEFAULT_OUTER_ITERATIONS_BASE`].
///
/// Lawson–Hanson usually stops after about as many outer iterations as the
/// final passive set has columns (at most the number of rows), plus a few
/// for each column it drops again; ten per row leaves ample room.
pub const DEFAULT_OUTER_ITERATIONS_PER_ROW: usize = 10;

/// See [`DEFAULT_OUTER_ITERATIONS_PER_ROW`].
pub const DEFAULT_OUTER_ITERATIONS_BASE: usize = 100;

/// How hard the solvers try.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NnlsOptions {
    /// The most columns the solver adds to the passive set (one per outer
    /// iteration). `None` means `10 · rows + 100`.
    pub max_outer_iterations: Option<usize>,
    /// Relative stopping tolerance, finite and ≥ 0: the solver stops when the
    /// best column `a` scores at most `tolerance · ‖a‖ · ‖b‖`. See
    /// [`DEFAULT_TOLERANCE`].
    pub tolerance: f64,
}

impl Default for NnlsOptions {
    fn default() -> Self {
        Self {
            max_outer_iterations: None,
            tolerance: DEFAULT_TOLERANCE,
        }
    }
}

impl NnlsOptions {
    /// The outer-iteration cap for a problem with `rows` rows.
    pub fn outer_iteration_limit(&self, rows: usize) -> usize {
        self.max_outer_iterations.unwrap_or_else(|| {
            rows.saturating_mul(DEFAULT_OUTER_ITERATIONS_PER_ROW)
                .saturating_add(DEFAULT_OUTER_ITERATIONS_BASE)
        })
    }

    pub(super) fn validate(&self) -> Result<(), NnlsError> {
        if self.tolerance.is_finite() && self.tolerance >= 0.0 {
            Ok(())
        } else {
            Err(NnlsError::InvalidTolerance {
                tolerance: self.tolerance,
            })
        }
    }
}
