//! Why a solver refused or gave up, and the check of `b` both solvers make.

use std::fmt;

use thiserror::Error;

use super::dense;

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
    /// ([`solve_with_oracle`] reports [`Termination::IterationLimit`]
    /// instead and returns its best feasible solution.)
    ///
    /// [`solve_dense_reference`]: crate::nnls::solve_dense_reference
    /// [`solve_with_oracle`]: crate::nnls::solve_with_oracle
    /// [`Termination::IterationLimit`]: crate::nnls::Termination::IterationLimit
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
pub(super) fn validate_target(b: &[f64]) -> Result<f64, NnlsError> {
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
