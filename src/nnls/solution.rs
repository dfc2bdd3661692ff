//! What the oracle solver returns, and why it stopped.

/// The result of [`solve_with_oracle`](crate::nnls::solve_with_oracle).
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

/// Why [`solve_with_oracle`](crate::nnls::solve_with_oracle) stopped.
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
    ///
    /// [`NnlsOptions::max_outer_iterations`]: crate::nnls::NnlsOptions::max_outer_iterations
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
