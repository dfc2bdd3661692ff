//! What users do instead of packing: batches padded to their longest
//! sequence (see [`crate::dynamic_padding`]).

use serde::{Deserialize, Serialize};

use super::analyser::{Analyser, AnalysisError, RowSettings};
use crate::dynamic_padding::dynamic_padding_all;
use crate::dynamic_padding::DynamicPadding;

/// Dynamic padding at some batch sizes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DynamicPaddingRequest {
    /// The row length and overlong policy.
    #[serde(flatten)]
    pub rows: RowSettings,
    /// Sequences per batch: every batching scheme at each, in this order.
    pub batch_sizes: Vec<u32>,
}

impl Analyser {
    /// Every batching scheme at each of `request`'s batch sizes (up to a few
    /// hundred milliseconds: one scheme is a seeded simulation).
    ///
    /// # Errors
    /// The histogram cannot be built, or a batch size is 0.
    #[inline(never)] // See "Inlining" in the docs of `crate::analysis`.
    pub fn dynamic_padding(
        &mut self,
        request: &DynamicPaddingRequest,
    ) -> Result<Vec<DynamicPadding>, AnalysisError> {
        let (histogram, _) = self.histogram(request.rows)?;
        let mut entries = Vec::new();
        for &batch_size in &request.batch_sizes {
            entries.extend(dynamic_padding_all(histogram, batch_size)?);
        }
        Ok(entries)
    }
}
