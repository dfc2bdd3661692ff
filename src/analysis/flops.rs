//! Training FLOPs per epoch on one model: without packing, with each plan
//! shown and with each dynamic padding estimate, under both attention
//! kernels (see [`crate::flops`]).

use serde::{Deserialize, Serialize};

use super::analyser::{Analyser, AnalysisError, RowSettings};
use crate::algorithms::Algorithm;
use crate::dynamic_padding::DynamicPadding;
use crate::flops::{
    flops_with_dynamic_padding, flops_with_packs, flops_without_packing, AttentionKernel,
    FlopsError, FlopsEstimate, ModelPreset, ModelShape,
};
use crate::report::Report;

/// The FLOPs of the workloads a page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlopsRequest {
    /// The row length and overlong policy.
    #[serde(flatten)]
    pub rows: RowSettings,
    /// The model.
    pub model: ModelChoice,
    /// Each plan shown, by its packs: a plan's FLOPs follow from them.
    #[serde(default)]
    pub packing: Vec<PackedRows>,
    /// Dynamic padding estimates of this histogram (see
    /// [`Analyser::dynamic_padding`]).
    #[serde(default)]
    pub dynamic_padding: Vec<DynamicPadding>,
}

/// A plan as the FLOPs estimate needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackedRows {
    /// The algorithm that made it.
    pub algorithm: Algorithm,
    /// Its packs.
    pub packs: u64,
}

impl From<&Report> for PackedRows {
    fn from(report: &Report) -> Self {
        PackedRows {
            algorithm: report.algorithm,
            packs: report.packs,
        }
    }
}

/// A model for the FLOPs estimate: a known one by name, or a shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ModelChoice {
    /// A preset, e.g. `"bert-base"`.
    Preset(ModelPreset),
    /// Any shape.
    Shape(ModelShape),
}

impl ModelChoice {
    /// The model's shape.
    pub fn shape(self) -> ModelShape {
        match self {
            ModelChoice::Preset(preset) => preset.shape(),
            ModelChoice::Shape(shape) => shape,
        }
    }
}

/// Training FLOPs per epoch on one model: without packing, with each
/// plan and with each dynamic padding estimate, under both attention
/// kernels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlopsComparison {
    /// The model.
    pub model: ModelShape,
    /// The preset's name, when the model is one.
    pub preset: Option<ModelPreset>,
    /// Every sequence alone in a row of max_len tokens: the baseline.
    pub no_packing: FlopsPair,
    /// One per plan, in the request's order.
    pub packing: Vec<FlopsPair>,
    /// One per dynamic padding estimate, in the request's order.
    pub dynamic_padding: Vec<FlopsPair>,
}

/// One workload's estimate under each attention kernel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlopsPair {
    /// Attention over each sequence alone (block-diagonal, Σ s²).
    pub variable_length: FlopsEstimate,
    /// Attention over the whole row with a mask (rows × max_len²).
    pub dense_masked: FlopsEstimate,
}

impl FlopsPair {
    /// Both attention kernels' estimates of one workload.
    pub fn of(
        estimate: impl Fn(AttentionKernel) -> Result<FlopsEstimate, FlopsError>,
    ) -> Result<FlopsPair, FlopsError> {
        Ok(FlopsPair {
            variable_length: estimate(AttentionKernel::VariableLength)?,
            dense_masked: estimate(AttentionKernel::DenseMasked)?,
        })
    }
}

impl Analyser {
    /// The FLOPs of `request`'s workloads (microseconds).
    ///
    /// # Errors
    /// The histogram cannot be built, the model is invalid, or a plan's
    /// packs or a dynamic padding estimate do not fit this histogram.
    #[inline(never)] // See "Inlining" in the docs of `crate::analysis`.
    pub fn flops(&mut self, request: &FlopsRequest) -> Result<FlopsComparison, AnalysisError> {
        let (histogram, _) = self.histogram(request.rows)?;
        let model = request.model.shape();
        Ok(FlopsComparison {
            model,
            preset: match request.model {
                ModelChoice::Preset(preset) => Some(preset),
                ModelChoice::Shape(_) => None,
            },
            no_packing: FlopsPair::of(|attention| {
                flops_without_packing(&model, histogram, attention)
            })?,
            packing: request
                .packing
                .iter()
                .map(|rows| {
                    FlopsPair::of(|attention| {
                        flops_with_packs(&model, histogram, rows.packs, attention)
                    })
                })
                .collect::<Result<_, _>>()?,
            dynamic_padding: request
                .dynamic_padding
                .iter()
                .map(|padding| {
                    FlopsPair::of(|attention| {
                        flops_with_dynamic_padding(&model, histogram, padding, attention)
                    })
                })
                .collect::<Result<_, _>>()?,
        })
    }
}
