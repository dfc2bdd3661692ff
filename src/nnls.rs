//! Non-negative least squares, the numerical core of Packlab's NNLSHP packer.
//!
//! NNLSHP (non-negative least-squares histogram packing) looks for how many
//! times to use each composition (a multiset of lengths filling a row; the
//! paper's packing strategy) so that the lengths the compositions consume
//! match the length histogram. With `b[l]` the (weighted) number of
//! sequences of length `l + 1` and column `j` of `A` counting how often each
//! length appears in composition `j`, it solves
//!
//! ```text
//!     minimise ‖A x − b‖₂   subject to   x ≥ 0.
//! ```
//!
//! The compositions are far too many to list (all multisets of at most `k`
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
//! // Two compositions over three lengths; the histogram wants 2 of the
//! // first composition and 1 of the second.
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
mod error;
mod factor;
mod options;
mod oracle_solver;
mod reference;
mod solution;

pub use columns::{ColumnOracle, ExplicitColumns, SparseColumn};
pub use error::{ColumnDefect, ColumnSource, NnlsError};
pub use options::{
    NnlsOptions, DEFAULT_OUTER_ITERATIONS_BASE, DEFAULT_OUTER_ITERATIONS_PER_ROW, DEFAULT_TOLERANCE,
};
pub use oracle_solver::{solve_with_oracle, solve_with_oracle_from};
pub use reference::solve_dense_reference;
pub use solution::{NnlsSolution, StallReason, Termination};
