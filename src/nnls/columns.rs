//! Sparse columns, the oracle interface, and the oracle over a plain list.

use std::hash::Hash;

use super::error::{ColumnDefect, ColumnSource, NnlsError};

/// A sparse column of `A`: `(row, value)` pairs.
///
/// Invariant checked by the solvers (not by construction, since the field is
/// public): rows strictly increasing and below the problem's row count,
/// values finite. Packlab's columns have at most `k` entries, small integer
/// counts times the row weights.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseColumn {
    /// The non-zero entries, sorted by row, each row at most once.
    pub entries: Vec<(usize, f64)>,
}

impl SparseColumn {
    /// A column from its `(row, value)` pairs.
    pub fn new(entries: Vec<(usize, f64)>) -> Self {
        Self { entries }
    }

    /// The sparse form of a dense column: its non-zero entries.
    pub fn from_dense(values: &[f64]) -> Self {
        let entries = values
            .iter()
            .enumerate()
            .filter(|(_, value)| **value != 0.0)
            .map(|(row, &value)| (row, value))
            .collect();
        Self { entries }
    }

    /// `aᵀ v` for a dense vector `v`; rows past the end of `v` count as 0.
    pub fn dot_dense(&self, dense: &[f64]) -> f64 {
        self.entries
            .iter()
            .map(|&(row, value)| value * dense.get(row).copied().unwrap_or(0.0))
            .sum()
    }

    /// The Euclidean norm `‖a‖₂`.
    pub fn norm(&self) -> f64 {
        self.entries
            .iter()
            .map(|(_, value)| value * value)
            .sum::<f64>()
            .sqrt()
    }

    /// `dense += scale · a`, skipping rows past the end of `dense`.
    pub(crate) fn add_scaled_to(&self, scale: f64, dense: &mut [f64]) {
        for &(row, value) in &self.entries {
            if let Some(slot) = dense.get_mut(row) {
                *slot += scale * value;
            }
        }
    }

    /// Checks the invariant for a problem with `rows` rows.
    pub(crate) fn check(&self, rows: usize) -> Result<(), ColumnDefect> {
        let mut previous: Option<usize> = None;
        for &(row, value) in &self.entries {
            if !value.is_finite() {
                return Err(ColumnDefect::NonFinite { row, value });
            }
            if row >= rows {
                return Err(ColumnDefect::RowOutOfRange { row, rows });
            }
            if let Some(previous) = previous {
                if row <= previous {
                    return Err(ColumnDefect::RowsNotIncreasing { previous, row });
                }
            }
            previous = Some(row);
        }
        Ok(())
    }
}

/// Supplies the columns of `A` on demand, so that the solver never needs
/// the full list.
///
/// Packlab's NNLSHP oracle finds the best composition by dynamic programming
/// over lengths; [`ExplicitColumns`] scans a list.
pub trait ColumnOracle {
    /// An identifier the caller understands (for Packlab, the composition's
    /// lengths). Two calls that return the same column must return equal
    /// identifiers: the solver recognises passive columns by identifier.
    type Id: Clone + Eq + Hash + std::fmt::Debug;

    /// Given the current residual `rho = b − A x` (one entry per row of `b`),
    /// returns a column with the largest score `aᵀ rho`, with that score, or
    /// `None` if there are no columns. Ties may be broken any way.
    ///
    /// The solver recomputes the score from the column, so the returned
    /// score only documents what the oracle maximised.
    fn best_column(&mut self, residual: &[f64]) -> Option<(Self::Id, SparseColumn, f64)>;
}

/// An oracle over an explicit list of columns, found by scanning; the `Id` of
/// a column is its index in the list.
///
/// For tests, small problems and the command line's reference mode. Each
/// call costs one pass over all entries.
#[derive(Debug, Clone, PartialEq)]
pub struct ExplicitColumns {
    /// The number of rows of every column.
    rows: usize,
    /// The columns, each satisfying the [`SparseColumn`] invariant for `rows`.
    columns: Vec<SparseColumn>,
}

impl ExplicitColumns {
    /// An oracle over `columns`, each with rows below `rows`.
    ///
    /// # Errors
    ///
    /// [`NnlsError::InvalidColumn`] if a column has unsorted or repeated
    /// rows, a row `≥ rows`, or a non-finite value.
    pub fn new(rows: usize, columns: Vec<SparseColumn>) -> Result<Self, NnlsError> {
        for (index, column) in columns.iter().enumerate() {
            column
                .check(rows)
                .map_err(|defect| NnlsError::InvalidColumn {
                    column: ColumnSource::Listed { index },
                    defect,
                })?;
        }
        Ok(Self { rows, columns })
    }

    /// An oracle over dense columns, each of length `rows`.
    ///
    /// # Errors
    ///
    /// [`NnlsError::DimensionMismatch`] if a column's length is not `rows`;
    /// [`NnlsError::InvalidColumn`] if it holds a non-finite value.
    pub fn from_dense(rows: usize, columns: &[Vec<f64>]) -> Result<Self, NnlsError> {
        for (index, column) in columns.iter().enumerate() {
            if column.len() != rows {
                return Err(NnlsError::DimensionMismatch {
                    column: index,
                    expected_rows: rows,
                    found_rows: column.len(),
                });
            }
        }
        Self::new(
            rows,
            columns
                .iter()
                .map(|column| SparseColumn::from_dense(column))
                .collect(),
        )
    }

    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The number of columns.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// Whether there are no columns.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// All columns, in `Id` order.
    pub fn columns(&self) -> &[SparseColumn] {
        &self.columns
    }
}

impl ColumnOracle for ExplicitColumns {
    type Id = usize;

    fn best_column(&mut self, residual: &[f64]) -> Option<(usize, SparseColumn, f64)> {
        let mut best: Option<(usize, f64)> = None;
        for (index, column) in self.columns.iter().enumerate() {
            let score = column.dot_dense(residual);
            // Strictly greater keeps the first of tied columns; scores are
            // finite because columns and residuals are.
            if best.is_none_or(|(_, best_score)| score > best_score) {
                best = Some((index, score));
            }
        }
        best.map(|(index, score)| (index, self.columns[index].clone(), score))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_rejects_each_defect() {
        let unsorted = SparseColumn::new(vec![(2, 1.0), (1, 1.0)]);
        assert_eq!(
            unsorted.check(3),
            Err(ColumnDefect::RowsNotIncreasing {
                previous: 2,
                row: 1
            })
        );
        let repeated = SparseColumn::new(vec![(1, 1.0), (1, 1.0)]);
        assert!(repeated.check(3).is_err());
        let out_of_range = SparseColumn::new(vec![(3, 1.0)]);
        assert_eq!(
            out_of_range.check(3),
            Err(ColumnDefect::RowOutOfRange { row: 3, rows: 3 })
        );
        let not_finite = SparseColumn::new(vec![(0, f64::NAN)]);
        assert!(matches!(
            not_finite.check(3),
            Err(ColumnDefect::NonFinite { row: 0, .. })
        ));
        assert_eq!(
            SparseColumn::new(vec![(0, 1.0), (2, -1.0)]).check(3),
            Ok(())
        );
    }

    #[test]
    fn explicit_oracle_returns_first_best_column() {
        let columns = vec![
            SparseColumn::new(vec![(0, 1.0)]),
            SparseColumn::new(vec![(1, 2.0)]),
            SparseColumn::new(vec![(0, 1.0), (1, 1.0)]),
        ];
        let mut oracle = ExplicitColumns::new(2, columns).unwrap();
        // Scores: 3, 2, 4 → column 2.
        let (id, _, score) = oracle.best_column(&[3.0, 1.0]).unwrap();
        assert_eq!((id, score), (2, 4.0));
        // Scores: 1, 2, 2 → the first of the tied, column 1.
        let (id, _, _) = oracle.best_column(&[1.0, 1.0]).unwrap();
        assert_eq!(id, 1);
        let mut empty = ExplicitColumns::new(2, Vec::new()).unwrap();
        assert!(empty.best_column(&[1.0, 1.0]).is_none());
    }

    #[test]
    fn from_dense_checks_lengths() {
        let error = ExplicitColumns::from_dense(2, &[vec![1.0, 0.0], vec![1.0]]).unwrap_err();
        assert!(matches!(
            error,
            NnlsError::DimensionMismatch {
                column: 1,
                expected_rows: 2,
                found_rows: 1
            }
        ));
        let oracle = ExplicitColumns::from_dense(2, &[vec![0.0, 5.0]]).unwrap();
        assert_eq!(oracle.columns()[0].entries, vec![(1, 5.0)]);
    }
}
