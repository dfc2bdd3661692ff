//! Non-negative least squares, the numerical core of Packlab's NNLSHP packer.
//!
//! NNLSHP (non-negative least-squares histogram packing) looks for how many
//! times to use each packing strategy so that the lengths the strategies
//! consume match the length histogram. With `b[l]` the (weighted) number of
//! sequences of length `l + 1` and column `j` of `A` counting how often each
//! length appears in strategy `j`, it solves
//!
//! ```text
//!     minimise ‖A x − b‖₂   subject to   x ≥ 0.
//! ```
//!
//! The strategies are far too many to list (all multisets of at most `k`
//! lengths that sum to `max_len`), so the fast solver,
//! [`solve_with_oracle`], never sees `A`: it asks a [`ColumnOracle`] for the
//! column whose score `aᵀ (b − A x)` is largest. That score is the gradient
//! of `−½‖A x − b‖²` along the column, and asking for its maximiser is
//! exactly the step with which Lawson and Hanson's active-set method
//! ("Solving Least Squares Problems", 1974, chapter 23) chooses the next
//! column to free, so the method is column generation in disguise.
//!
//! Weighting is the caller's business: to minimise `‖W (A x − b)‖` pass
//! `W b` and columns scaled by `W`; the residual the oracle receives is then
//! the weighted one.
//!
//! [`solve_dense_reference`] is the textbook algorithm on an explicit dense
//! matrix, slow and simple, kept as the oracle for tests.
//!
//! ```
//! use packlab::nnls::{solve_with_oracle, ExplicitColumns, NnlsOptions, SparseColumn};
//!
//! // Two strategies over three lengths; the histogram wants 2 of the first
//! // strategy and 1 of the second.
//! let columns = vec![
//!     SparseColumn { entries: vec![(0, 1.0), (2, 1.0)] },
//!     SparseColumn { entries: vec![(1, 2.0)] },
//! ];
//! let mut oracle = ExplicitColumns::new(3, columns).unwrap();
//! let b = [2.0, 2.0, 2.0];
//! let solution = solve_with_oracle(&b, &mut oracle, &NnlsOptions::default()).unwrap();
//! assert!(solution.residual_norm < 1e-12);
//! let mut columns = solution.columns.clone();
//! columns.sort_by_key(|&(id, _)| id);
//! assert_eq!(columns.len(), 2);
//! assert!((columns[0].1 - 2.0).abs() < 1e-12 && (columns[1].1 - 1.0).abs() < 1e-12);
//! ```

mod columns;
mod dense;
mod factor;
mod oracle_solver;
mod reference;

use std::fmt;

use thiserror::Error;

pub use columns::{ColumnOracle, ExplicitColumns, SparseColumn};
pub use oracle_solver::{solve_with_oracle, solve_with_oracle_from};
pub use reference::solve_dense_reference;

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

    fn validate(&self) -> Result<(), NnlsError> {
        if self.tolerance.is_finite() && self.tolerance >= 0.0 {
            Ok(())
        } else {
            Err(NnlsError::InvalidTolerance {
                tolerance: self.tolerance,
            })
        }
    }
}

/// The result of [`solve_with_oracle`].
#[derive(Debug, Clone, PartialEq)]
pub struct NnlsSolution<Id> {
    /// The passive set: every column with a positive value, and that value
    /// (> 0, finite). Columns the oracle offered that are not listed here
    /// have the value 0. The order is that of the passive set, not sorted.
    pub columns: Vec<(Id, f64)>,
    /// `‖b − A x‖₂` for the returned values (the residual of the final
    /// refined least-squares solve, accurate to rounding).
    pub residual_norm: f64,
    /// Outer iterations: columns the solver tried to add to the passive set.
    /// Each was added, except one that ended the search as
    /// [`StallReason::LinearlyDependent`].
    pub outer_iterations: usize,
    /// Steps back towards feasibility, each of which dropped at least one
    /// column from the passive set. Never more than `outer_iterations`,
    /// since every dropped column was added by an outer iteration.
    pub inner_iterations: usize,
    /// Why the solver stopped.
    pub termination: Termination,
}

impl<Id> NnlsSolution<Id> {
    /// Whether the solution satisfies the optimality conditions, either to
    /// the requested tolerance or as far as rounding lets the solver tell.
    /// Only an iteration limit leaves a solution that may be improvable.
    pub fn is_optimal(&self) -> bool {
        !matches!(self.termination, Termination::IterationLimit)
    }
}

/// Why [`solve_with_oracle`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Termination {
    /// The best column scores at most the tolerance (or the oracle has no
    /// columns, or `b = 0`): the Karush–Kuhn–Tucker conditions hold.
    Optimal,
    /// The best column scores above the tolerance, yet adding it cannot
    /// improve the fit at working precision. In exact arithmetic each case
    /// of [`StallReason`] implies a score of zero (or, for a nearly
    /// dependent column, at most `1e-9 · ‖a‖ · ‖b‖`), so the score seen is
    /// rounding noise and the solution is optimal as far as double precision
    /// can tell.
    Stalled(StallReason),
    /// The outer-iteration cap was reached. The solution is feasible (all
    /// values > 0) and the best found so far, but may not be optimal: raise
    /// [`NnlsOptions::max_outer_iterations`] or the tolerance.
    IterationLimit,
}

/// The ways the best column can fail to improve the fit; see
/// [`Termination::Stalled`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StallReason {
    /// The oracle's best column is already in the passive set, whose scores
    /// are zero up to rounding.
    AlreadyPassive,
    /// The best column lies within relative distance 1e-9 of the span of the
    /// passive columns (a duplicate, a combination of them, or nearly so).
    /// Adding it would make the passive set numerically singular, so it was
    /// not added.
    LinearlyDependent,
    /// With the best column added, the unconstrained least-squares solution
    /// gives it a value ≤ 0, which exact arithmetic rules out when its score
    /// is positive. The column was removed again.
    NotPositive,
}

/// Names a column in error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnSource {
    /// Column `index` of an explicit list of columns.
    Listed {
        /// Position in the list, from 0.
        index: usize,
    },
    /// The column the oracle returned at an outer iteration (counted from 1).
    Oracle {
        /// The outer iteration that asked for it.
        outer_iteration: usize,
        /// The column's identifier, as `Debug` prints it.
        id: String,
    },
}

impl fmt::Display for ColumnSource {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Listed { index } => write!(formatter, "column {index}"),
            Self::Oracle {
                outer_iteration,
                id,
            } => write!(
                formatter,
                "the oracle's column {id} (outer iteration {outer_iteration})"
            ),
        }
    }
}

/// What is wrong with a column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ColumnDefect {
    /// An entry's row comes at or before the previous entry's row.
    RowsNotIncreasing {
        /// The previous entry's row.
        previous: usize,
        /// The offending entry's row.
        row: usize,
    },
    /// An entry's row is not below the number of rows.
    RowOutOfRange {
        /// The offending entry's row.
        row: usize,
        /// The number of rows of the problem.
        rows: usize,
    },
    /// An entry is NaN or infinite.
    NonFinite {
        /// The offending entry's row.
        row: usize,
        /// Its value.
        value: f64,
    },
}

impl fmt::Display for ColumnDefect {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RowsNotIncreasing { previous, row } => write!(
                formatter,
                "row {row} follows row {previous}; entries must be sorted by row, each row once"
            ),
            Self::RowOutOfRange { row, rows } => write!(
                formatter,
                "row {row} is out of range; the problem has {rows} rows"
            ),
            Self::NonFinite { row, value } => write!(
                formatter,
                "the entry in row {row} is {value}; entries must be finite"
            ),
        }
    }
}

/// Why a solver refused or gave up.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum NnlsError {
    /// `b` holds NaN or an infinity.
    #[error("b[{row}] is {value}; every entry of b must be a finite number")]
    NonFiniteTarget {
        /// The offending row.
        row: usize,
        /// Its value.
        value: f64,
    },
    /// A column is malformed.
    #[error("{column} is invalid: {defect}")]
    InvalidColumn {
        /// Which column.
        column: ColumnSource,
        /// What is wrong with it.
        defect: ColumnDefect,
    },
    /// A dense column's length differs from the length of `b`.
    #[error(
        "column {column} has {found_rows} entries but b has {expected_rows}; \
         every column needs one entry per entry of b"
    )]
    DimensionMismatch {
        /// Position of the column in the list, from 0.
        column: usize,
        /// The length of `b`.
        expected_rows: usize,
        /// The column's length.
        found_rows: usize,
    },
    /// The tolerance is negative, NaN or infinite.
    #[error("the tolerance is {tolerance}; it must be finite and ≥ 0 (the default is 1e-10)")]
    InvalidTolerance {
        /// The tolerance given.
        tolerance: f64,
    },
    /// Squares of the inputs overflow `f64`.
    #[error(
        "the norm of {what} overflows a 64-bit float; \
         divide b and the columns by a common factor before solving"
    )]
    Overflow {
        /// `"b"` or a column's description.
        what: String,
    },
    /// Arithmetic produced NaN or an infinity despite finite inputs, which
    /// takes inputs near the limits of `f64`.
    #[error(
        "the solution became non-finite in outer iteration {outer_iteration}; \
         rescale b and the columns so that their entries are of moderate size"
    )]
    NumericalBreakdown {
        /// The outer iteration in which it happened (from 1).
        outer_iteration: usize,
    },
    /// [`solve_dense_reference`] reached its outer-iteration cap.
    /// ([`solve_with_oracle`] reports [`Termination::IterationLimit`] instead
    /// and returns its best feasible solution.)
    #[error(
        "no optimal solution after {outer_iterations} outer iterations; \
         raise max_outer_iterations or the tolerance"
    )]
    IterationLimit {
        /// The cap that was reached.
        outer_iterations: usize,
    },
}

/// Checks that `b` is finite and its norm representable; returns `‖b‖₂`.
fn validate_target(b: &[f64]) -> Result<f64, NnlsError> {
    if let Some((row, &value)) = b.iter().enumerate().find(|(_, value)| !value.is_finite()) {
        return Err(NnlsError::NonFiniteTarget { row, value });
    }
    let norm = dense::norm(b);
    if norm.is_finite() {
        Ok(norm)
    } else {
        Err(NnlsError::Overflow {
            what: "b".to_string(),
        })
    }
}
