//! The fast packers at other row lengths: how a user chooses max_len (see
//! [`crate::max_len_sweep`]).

use serde::{Deserialize, Serialize};

use super::analyser::{Analyser, AnalysisError, RowSettings};
use crate::algorithms::{Algorithm, MaxPerPack};
use crate::max_len_sweep::MaxLenPoint;
use crate::max_len_sweep::{candidates, sweep_max_len};

/// A sweep over row lengths around the current one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaxLenRequest {
    /// The current row length (the baseline of the relative compute) and
    /// the overlong policy (`error` counts as `truncate` here).
    #[serde(flatten)]
    pub rows: RowSettings,
    /// The algorithms to pack with at each row length, in this order.
    pub algorithms: Vec<Algorithm>,
    /// Most sequences per pack; by default each algorithm's own.
    #[serde(default)]
    pub max_per_pack: MaxPerPack,
    /// Row lengths to try besides the automatic candidates (powers of two,
    /// the 90th and 99th percentiles, the longest sequence, the current).
    #[serde(default)]
    pub extra_max_lens: Vec<u32>,
}

impl Analyser {
    /// The sweep over row lengths of `request`.
    ///
    /// # Errors
    /// The histogram at the current row length cannot be built, or at a
    /// candidate length every sequence would be dropped, or an algorithm
    /// fails.
    #[inline(never)] // See "Inlining" in the docs of `crate::analysis`.
    pub fn max_len_sweep(
        &mut self,
        request: &MaxLenRequest,
    ) -> Result<Vec<MaxLenPoint>, AnalysisError> {
        // "Error" would refuse every shorter row: at the current length it is
        // checked by the other questions, here it counts as truncate.
        let rows = RowSettings {
            overlong: match request.rows.overlong {
                crate::OverlongPolicy::Error => crate::OverlongPolicy::Truncate,
                other => other,
            },
            ..request.rows
        };
        let (histogram, _) = self.histogram(rows)?;
        let current = histogram.max_len();
        let found = candidates(self.counts(), current, &request.extra_max_lens);
        Ok(sweep_max_len(
            self.counts(),
            &found,
            current,
            rows.overlong,
            &request.algorithms,
            request.max_per_pack,
            self.clock(),
        )?)
    }
}
