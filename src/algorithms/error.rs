//! Why a packing failed.

use thiserror::Error;

use crate::nnls::NnlsError;
use crate::plan::PlanError;

use super::settings::Algorithm;

/// Why packing failed.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PackError {
    /// `max_per_pack` is zero.
    #[error("max_per_pack must be at least 1 sequence per pack (or unlimited)")]
    ZeroMaxPerPack,
    /// The NNLSHP bucket width is zero.
    #[error("the NNLSHP bucket width must be at least 1 token (1 plans every length exactly)")]
    ZeroBucketTokens,
    /// The least-squares solve behind NNLSHP failed.
    #[error("NNLSHP's least-squares solve failed: {0}; SPFHP or LPFHP give a plan for this data")]
    LeastSquares(#[from] NnlsError),
    /// An algorithm produced an unsound plan. This is a bug in Packlab; the
    /// plan is withheld rather than reported wrong.
    #[error(
        "{algorithm} produced an unsound plan ({problem}); this is a bug in Packlab, \
         please report it with the input; another algorithm will give a sound plan"
    )]
    UnsoundPlan {
        /// The algorithm at fault.
        algorithm: Algorithm,
        /// What `validate` found.
        problem: PlanError,
    },
}
