//! TEMPORARY placeholder until the solver lands.
#![allow(missing_docs)]
use thiserror::Error;
pub struct SparseColumn {
    pub entries: Vec<(usize, f64)>,
}
pub trait ColumnOracle {
    type Id: Clone + Eq + std::hash::Hash + std::fmt::Debug;
    fn best_column(&mut self, residual: &[f64]) -> Option<(Self::Id, SparseColumn, f64)>;
}
#[derive(Default)]
pub struct NnlsOptions;
pub struct NnlsSolution<Id> {
    pub columns: Vec<(Id, f64)>,
}
#[derive(Debug, Clone, PartialEq, Error)]
pub enum NnlsError {
    #[error("placeholder")]
    Placeholder,
}
pub fn solve_with_oracle<O: ColumnOracle>(
    _b: &[f64],
    _o: &mut O,
    _opt: &NnlsOptions,
) -> Result<NnlsSolution<O::Id>, NnlsError> {
    Err(NnlsError::Placeholder)
}
