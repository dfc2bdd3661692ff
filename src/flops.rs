//! Training FLOPs of one epoch on a transformer, and the speed-up packing
//! or dynamic padding buys on it.
//!
//! Tokens are not all equally expensive: attention costs grow with the
//! square of the sequence (or row) length, so a token saved is worth more
//! in long rows. This module turns token counts into FLOPs with the usual
//! matrix-multiplication model of a transformer.
//!
//! # The model
//!
//! For a model of `L` layers, hidden size `d`, feed-forward size `f` and
//! vocabulary `V`, one forward pass costs
//!
//! ```text
//! forward FLOPs = T × (2·L·(4·d² + k·d·f) + 2·d·V)  +  A × 4·L·d
//! training FLOPs = 3 × forward FLOPs
//! ```
//!
//! - `T` is the number of tokens computed, padding included: every position
//!   of a row goes through the linear layers whether it holds a real token
//!   or not.
//! - `4·d²` are the attention projections (query, key, value, output) and
//!   `k·d·f` the feed-forward matrices, `k = 2` for a plain feed-forward
//!   layer (BERT) and `k = 3` for a gated one (SwiGLU, Llama); a matrix
//!   multiplication costs 2 FLOPs per parameter per token.
//! - `2·d·V` is the language-model head, computed at every position (set
//!   `vocabulary_size` to 0 to leave it out, e.g. for a fine-tuning head).
//! - `A` is the number of query–key pairs attention computes. For each pair
//!   and layer, scores `Q·Kᵀ` cost `2·d` and the weighted sum of values
//!   `2·d`. A sequence of `s` tokens alone has `s²` pairs. A
//!   variable-length (block-diagonal) kernel computes only the pairs
//!   within each real sequence, `A = Σ s²`; a dense kernel with a mask
//!   computes whole rows, `A = rows × row_length²`.
//! - Training is forward plus backward, and backward costs twice the
//!   forward (gradients with respect to activations and to weights).
//!
//! Left out, as small next to the matrix multiplications: embeddings
//! (look-ups), layer norms, softmax, activations, biases, the optimizer
//! step, and activation recomputation. Causal attention is counted as the
//! full square; causal kernels skip about half of it, so for decoders the
//! attention share is an upper bound.
//!
//! Multiply FLOPs by the hardware's achieved FLOP/s to get time; the
//! speed-ups are ratios and need no hardware figure.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::dynamic_padding::{BatchingScheme, DynamicPadding};
use crate::histogram::Histogram;
use crate::plan::{validate, PackingPlan, PlanError};

/// Training FLOPs per forward FLOP: forward, and a backward pass twice as
/// expensive.
pub const TRAINING_FLOPS_PER_FORWARD_FLOP: f64 = 3.0;

/// The shape of a transformer, as far as its FLOPs depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ModelShape {
    /// Transformer layers (`L`, ≥ 1).
    pub layers: u32,
    /// Hidden size (`d`, ≥ 1, a multiple of `heads`).
    pub hidden_size: u32,
    /// Attention heads (≥ 1). They split `d` without changing the FLOPs;
    /// kept to describe the model and check the shape.
    pub heads: u32,
    /// Feed-forward (intermediate) size (`f`, ≥ 1).
    pub feed_forward_size: u32,
    /// True for a gated feed-forward layer of three matrices (SwiGLU,
    /// GeGLU), false for the plain two.
    pub gated_feed_forward: bool,
    /// Vocabulary size (`V`) of the language-model head computed at every
    /// position; 0 for no such head.
    pub vocabulary_size: u32,
}

impl ModelShape {
    /// Checks that the shape describes a model.
    ///
    /// # Errors
    /// [`FlopsError::ZeroDimension`] for a zero layer count or size, and
    /// [`FlopsError::HeadsDoNotDivideHidden`].
    pub fn validate(&self) -> Result<(), FlopsError> {
        for (field, value) in [
            ("layers", self.layers),
            ("hidden_size", self.hidden_size),
            ("heads", self.heads),
            ("feed_forward_size", self.feed_forward_size),
        ] {
            if value == 0 {
                return Err(FlopsError::ZeroDimension { field });
            }
        }
        if !self.hidden_size.is_multiple_of(self.heads) {
            return Err(FlopsError::HeadsDoNotDivideHidden {
                hidden_size: self.hidden_size,
                heads: self.heads,
            });
        }
        Ok(())
    }

    /// Parameters of the matrix multiplications a token goes through:
    /// `L·(4·d² + k·d·f) + d·V`.
    pub fn matmul_parameters(&self) -> f64 {
        let hidden = f64::from(self.hidden_size);
        let feed_forward_matrices = if self.gated_feed_forward { 3.0 } else { 2.0 };
        let per_layer = 4.0 * hidden * hidden
            + feed_forward_matrices * hidden * f64::from(self.feed_forward_size);
        f64::from(self.layers) * per_layer + hidden * f64::from(self.vocabulary_size)
    }

    /// Forward FLOPs of the linear layers per token computed:
    /// `2·L·(4·d² + k·d·f) + 2·d·V`.
    pub fn linear_flops_per_token(&self) -> f64 {
        2.0 * self.matmul_parameters()
    }

    /// Forward FLOPs of attention per query–key pair, over all layers:
    /// `4·L·d`.
    pub fn attention_flops_per_pair(&self) -> f64 {
        4.0 * f64::from(self.layers) * f64::from(self.hidden_size)
    }
}

/// Models whose shapes Packlab knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum ModelPreset {
    /// BERT-base: 12 layers, hidden 768, 12 heads, feed-forward 3072,
    /// vocabulary 30,522.
    BertBase,
    /// BERT-large: 24 layers, hidden 1024, 16 heads, feed-forward 4096,
    /// vocabulary 30,522.
    BertLarge,
    /// A 7B decoder shaped like Llama 2 7B: 32 layers, hidden 4096, 32
    /// heads, SwiGLU feed-forward 11,008, vocabulary 32,000.
    #[serde(rename = "decoder-7b")]
    #[cfg_attr(feature = "cli", value(name = "decoder-7b"))]
    Decoder7b,
}

impl ModelPreset {
    /// Every preset, smallest first.
    pub const ALL: [ModelPreset; 3] = [
        ModelPreset::BertBase,
        ModelPreset::BertLarge,
        ModelPreset::Decoder7b,
    ];

    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            ModelPreset::BertBase => "bert-base",
            ModelPreset::BertLarge => "bert-large",
            ModelPreset::Decoder7b => "decoder-7b",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            ModelPreset::BertBase => "BERT-base (12 layers, hidden 768)",
            ModelPreset::BertLarge => "BERT-large (24 layers, hidden 1024)",
            ModelPreset::Decoder7b => {
                "7B decoder, Llama-2-7B-like (32 layers, hidden 4096, SwiGLU)"
            }
        }
    }

    /// The model's shape.
    pub fn shape(self) -> ModelShape {
        match self {
            ModelPreset::BertBase => ModelShape {
                layers: 12,
                hidden_size: 768,
                heads: 12,
                feed_forward_size: 3072,
                gated_feed_forward: false,
                vocabulary_size: 30_522,
            },
            ModelPreset::BertLarge => ModelShape {
                layers: 24,
                hidden_size: 1024,
                heads: 16,
                feed_forward_size: 4096,
                gated_feed_forward: false,
                vocabulary_size: 30_522,
            },
            ModelPreset::Decoder7b => ModelShape {
                layers: 32,
                hidden_size: 4096,
                heads: 32,
                feed_forward_size: 11_008,
                gated_feed_forward: true,
                vocabulary_size: 32_000,
            },
        }
    }
}

impl fmt::Display for ModelPreset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ModelPreset {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ModelPreset::ALL
            .into_iter()
            .find(|preset| preset.name() == text)
            .ok_or_else(|| {
                format!("unknown model `{text}`: use bert-base, bert-large or decoder-7b")
            })
    }
}

/// How attention treats the rows it is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum AttentionKernel {
    /// A variable-length kernel (FlashAttention's varlen entry point,
    /// block-diagonal masks computed block by block): only the pairs within
    /// each real sequence, `Σ s²`.
    VariableLength,
    /// A dense kernel with a mask: every pair of every row,
    /// `rows × row_length²`, padding and cross-sequence pairs included.
    DenseMasked,
}

impl AttentionKernel {
    /// Both kernels.
    pub const ALL: [AttentionKernel; 2] = [
        AttentionKernel::VariableLength,
        AttentionKernel::DenseMasked,
    ];

    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            AttentionKernel::VariableLength => "variable-length",
            AttentionKernel::DenseMasked => "dense-masked",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            AttentionKernel::VariableLength => "Variable-length attention (pairs within sequences)",
            AttentionKernel::DenseMasked => "Dense masked attention (whole rows)",
        }
    }
}

impl fmt::Display for AttentionKernel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for AttentionKernel {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        AttentionKernel::ALL
            .into_iter()
            .find(|kernel| kernel.name() == text)
            .ok_or_else(|| {
                format!("unknown attention kernel `{text}`: use variable-length or dense-masked")
            })
    }
}

/// What an epoch's rows hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Workload {
    /// One sequence per row, padded to `max_len`.
    NoPacking,
    /// Rows of a packing plan, each `max_len` tokens.
    Packing,
    /// Dynamic padding, random batches.
    RandomBatches,
    /// Dynamic padding, batches sorted by length.
    SortedBatches,
    /// Dynamic padding, grouped by length in megabatches.
    Megabatches,
}

impl Workload {
    /// The name used in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Workload::NoPacking => "no-packing",
            Workload::Packing => "packing",
            Workload::RandomBatches => "random-batches",
            Workload::SortedBatches => "sorted-batches",
            Workload::Megabatches => "megabatches",
        }
    }
}

impl From<BatchingScheme> for Workload {
    fn from(scheme: BatchingScheme) -> Self {
        match scheme {
            BatchingScheme::Random => Workload::RandomBatches,
            BatchingScheme::Sorted => Workload::SortedBatches,
            BatchingScheme::Megabatch => Workload::Megabatches,
        }
    }
}

/// Why FLOPs could not be estimated.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FlopsError {
    /// A layer count or size of the model is zero.
    #[error("the model's {field} is 0: every layer count and size must be at least 1")]
    ZeroDimension {
        /// The field at fault.
        field: &'static str,
    },
    /// The heads do not split the hidden size evenly.
    #[error(
        "hidden size {hidden_size} is not a multiple of {heads} heads: \
         check the model's configuration (hidden_size and num_attention_heads)"
    )]
    HeadsDoNotDivideHidden {
        /// The hidden size.
        hidden_size: u32,
        /// The number of heads.
        heads: u32,
    },
    /// The packing plan is not a sound plan of the histogram.
    #[error("the packing plan does not fit the histogram ({0}): pack this histogram again")]
    PlanMismatch(#[from] PlanError),
    /// A number of packs no plan of the histogram can have.
    #[error(
        "{packs} packs cannot hold these {sequences} sequences: a plan needs at least \
         {volume_bound} packs and at most one per sequence; pack this histogram again"
    )]
    ImpossiblePacks {
        /// The packs given.
        packs: u64,
        /// Sequences in the histogram.
        sequences: u64,
        /// ceil(tokens / max_len).
        volume_bound: u64,
    },
    /// The dynamic padding figures were computed on another histogram.
    #[error(
        "the dynamic padding figures are for {padding_sequences} sequences at max_len \
         {padding_max_len}, the histogram holds {histogram_sequences} at max_len \
         {histogram_max_len}: compute them on this histogram"
    )]
    DynamicPaddingMismatch {
        /// Sequences in the dynamic padding figures.
        padding_sequences: u64,
        /// Their max_len.
        padding_max_len: u32,
        /// Sequences in the histogram.
        histogram_sequences: u64,
        /// Its max_len.
        histogram_max_len: u32,
    },
}

/// Training FLOPs of one epoch, split into linear layers and attention.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlopsEstimate {
    /// The model.
    pub model: ModelShape,
    /// What the rows hold.
    pub workload: Workload,
    /// The attention kernel.
    pub attention: AttentionKernel,
    /// Tokens the linear layers compute (`T`), padding included.
    pub tokens_computed: f64,
    /// Query–key pairs attention computes (`A`).
    pub attention_pairs: f64,
    /// Training FLOPs of the linear layers and the head:
    /// `3 × T × linear FLOPs per token`.
    pub linear_flops: f64,
    /// Training FLOPs of attention: `3 × A × 4·L·d`.
    pub attention_flops: f64,
    /// `linear_flops + attention_flops`.
    pub flops_per_epoch: f64,
    /// Share of `flops_per_epoch` spent in attention.
    pub attention_share: f64,
    /// The FLOPs an epoch would need with no padding at all: real tokens
    /// only, attention within sequences only. The same for every workload.
    pub useful_flops: f64,
    /// `useful_flops / flops_per_epoch`, in (0, 1].
    pub efficiency: f64,
    /// FLOPs of padding every sequence to `max_len` (one per row, same
    /// kernel) divided by `flops_per_epoch`: how many times faster an epoch
    /// trains at equal FLOP/s.
    pub speedup_over_padding: f64,
}

/// Tokens computed and attention pairs of a workload, before the model.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Work {
    tokens: f64,
    attention_pairs: f64,
}

/// `Σ count × length²` over the histogram: the attention pairs within
/// sequences. Exact in `u128` (below 2^108), rounded once.
fn squared_lengths(histogram: &Histogram) -> f64 {
    let sum: u128 = histogram
        .counts()
        .iter()
        .zip(1u128..)
        .map(|(&count, length)| u128::from(count) * length * length)
        .sum();
    sum as f64
}

/// Rows of `max_len` tokens: `rows × max_len` tokens, and either the pairs
/// within sequences or `rows × max_len²`.
fn row_work(rows: u64, max_len: u32, within_sequences: f64, attention: AttentionKernel) -> Work {
    let max_len = f64::from(max_len);
    let rows = rows as f64;
    Work {
        tokens: rows * max_len,
        attention_pairs: match attention {
            AttentionKernel::VariableLength => within_sequences,
            AttentionKernel::DenseMasked => rows * max_len * max_len,
        },
    }
}

fn training_flops(model: &ModelShape, work: Work) -> (f64, f64) {
    (
        TRAINING_FLOPS_PER_FORWARD_FLOP * work.tokens * model.linear_flops_per_token(),
        TRAINING_FLOPS_PER_FORWARD_FLOP * work.attention_pairs * model.attention_flops_per_pair(),
    )
}

fn estimate(
    model: &ModelShape,
    histogram: &Histogram,
    workload: Workload,
    attention: AttentionKernel,
    work: Work,
) -> FlopsEstimate {
    let within_sequences = squared_lengths(histogram);
    let (linear_flops, attention_flops) = training_flops(model, work);
    let flops_per_epoch = linear_flops + attention_flops;
    let useful = Work {
        tokens: histogram.tokens() as f64,
        attention_pairs: within_sequences,
    };
    let (useful_linear, useful_attention) = training_flops(model, useful);
    let useful_flops = useful_linear + useful_attention;
    let padded = row_work(
        histogram.sequences(),
        histogram.max_len(),
        within_sequences,
        attention,
    );
    let (padded_linear, padded_attention) = training_flops(model, padded);
    // A valid model and a histogram of at least one token make every FLOP
    // count positive; the guard keeps a broken input from dividing by 0.
    let ratio = |numerator: f64, denominator: f64| {
        if denominator > 0.0 {
            numerator / denominator
        } else {
            0.0
        }
    };
    FlopsEstimate {
        model: *model,
        workload,
        attention,
        tokens_computed: work.tokens,
        attention_pairs: work.attention_pairs,
        linear_flops,
        attention_flops,
        flops_per_epoch,
        attention_share: ratio(attention_flops, flops_per_epoch),
        useful_flops,
        efficiency: ratio(useful_flops, flops_per_epoch),
        speedup_over_padding: ratio(padded_linear + padded_attention, flops_per_epoch),
    }
}

/// Training FLOPs of an epoch without packing: every sequence alone in a
/// row padded to `max_len`. `T = sequences × max_len`; `A = Σ s²`
/// (variable-length) or `sequences × max_len²` (dense).
///
/// # Errors
/// An invalid model shape ([`ModelShape::validate`]).
#[inline(never)] // See "Inlining" in the docs of `crate::analysis`.
pub fn flops_without_packing(
    model: &ModelShape,
    histogram: &Histogram,
    attention: AttentionKernel,
) -> Result<FlopsEstimate, FlopsError> {
    model.validate()?;
    let work = row_work(
        histogram.sequences(),
        histogram.max_len(),
        squared_lengths(histogram),
        attention,
    );
    Ok(estimate(
        model,
        histogram,
        Workload::NoPacking,
        attention,
        work,
    ))
}

/// Training FLOPs of an epoch packed by `plan`, a plan of `histogram`.
/// Every pack is a row of `max_len` tokens, its padding computed too:
/// `T = packs × max_len`; `A` is `Σ` over packs of `Σ s_i²` over the
/// sequences of the pack (variable-length) or `packs × max_len²` (dense).
///
/// # Errors
/// An invalid model shape ([`ModelShape::validate`]), or a plan that is not
/// a sound plan of `histogram` ([`FlopsError::PlanMismatch`]).
#[inline(never)] // See "Inlining" in the docs of `crate::analysis`.
pub fn flops_with_packing(
    model: &ModelShape,
    histogram: &Histogram,
    plan: &PackingPlan,
    attention: AttentionKernel,
) -> Result<FlopsEstimate, FlopsError> {
    model.validate()?;
    validate(plan, histogram)?;
    flops_with_packs(model, histogram, plan.packs(), attention)
}

/// Training FLOPs of an epoch packed into `packs` rows of `histogram`'s
/// max_len, by any plan: a pack's attention pairs are those of its
/// sequences, so over the epoch they are `Σ s²` over every sequence
/// whichever plan put them together, and the row tokens are
/// `packs × max_len`. What the page asks, knowing only each plan's packs.
///
/// # Errors
/// An invalid model shape, or a number of packs no plan can have
/// ([`FlopsError::ImpossiblePacks`]).
#[inline(never)] // See "Inlining" in the docs of `crate::analysis`.
pub fn flops_with_packs(
    model: &ModelShape,
    histogram: &Histogram,
    packs: u64,
    attention: AttentionKernel,
) -> Result<FlopsEstimate, FlopsError> {
    model.validate()?;
    let volume_bound = histogram.tokens().div_ceil(u64::from(histogram.max_len()));
    if packs < volume_bound || packs > histogram.sequences() {
        return Err(FlopsError::ImpossiblePacks {
            packs,
            sequences: histogram.sequences(),
            volume_bound,
        });
    }
    let work = row_work(
        packs,
        histogram.max_len(),
        squared_lengths(histogram),
        attention,
    );
    Ok(estimate(
        model,
        histogram,
        Workload::Packing,
        attention,
        work,
    ))
}

/// Training FLOPs of an epoch with dynamic padding, from figures `padding`
/// computed on `histogram` ([`crate::dynamic_padding`]). Each batch is
/// processed at its padded length `M`: `T = Σ B·M` (the padded tokens);
/// `A = Σ B·M²` (dense), or `Σ s²` for a variable-length kernel, which
/// skips the padding of each sequence's row.
///
/// # Errors
/// An invalid model shape ([`ModelShape::validate`]), or figures of another
/// histogram ([`FlopsError::DynamicPaddingMismatch`]).
#[inline(never)] // See "Inlining" in the docs of `crate::analysis`.
pub fn flops_with_dynamic_padding(
    model: &ModelShape,
    histogram: &Histogram,
    padding: &DynamicPadding,
    attention: AttentionKernel,
) -> Result<FlopsEstimate, FlopsError> {
    model.validate()?;
    if padding.sequences != histogram.sequences()
        || padding.max_len != histogram.max_len()
        || padding.tokens != histogram.tokens()
    {
        return Err(FlopsError::DynamicPaddingMismatch {
            padding_sequences: padding.sequences,
            padding_max_len: padding.max_len,
            histogram_sequences: histogram.sequences(),
            histogram_max_len: histogram.max_len(),
        });
    }
    let work = Work {
        tokens: padding.padded_tokens,
        attention_pairs: match attention {
            AttentionKernel::VariableLength => squared_lengths(histogram),
            AttentionKernel::DenseMasked => padding.dense_attention_pairs,
        },
    };
    Ok(estimate(
        model,
        histogram,
        Workload::from(padding.scheme),
        attention,
        work,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid_and_have_their_published_sizes() {
        for preset in ModelPreset::ALL {
            assert_eq!(preset.shape().validate(), Ok(()));
            assert_eq!(preset.name().parse::<ModelPreset>(), Ok(preset));
        }
        // Llama 2 7B has 6.74e9 parameters; the matrices a token goes
        // through (the input embedding is a look-up) are 6.61e9 of them.
        let decoder = ModelPreset::Decoder7b.shape().matmul_parameters();
        assert!((decoder - 6.607e9).abs() < 0.001e9, "{decoder}");
        // BERT-base: 85M in the layers (no biases) plus 23.4M in the head.
        let bert = ModelPreset::BertBase.shape().matmul_parameters();
        assert_eq!(
            bert,
            12.0 * (4.0 * 768.0 * 768.0 + 2.0 * 768.0 * 3072.0) + 768.0 * 30522.0
        );
    }

    #[test]
    fn invalid_shapes_are_refused() {
        let mut shape = ModelPreset::BertBase.shape();
        shape.heads = 7;
        assert!(matches!(
            shape.validate(),
            Err(FlopsError::HeadsDoNotDivideHidden { .. })
        ));
        shape.layers = 0;
        assert_eq!(
            shape.validate(),
            Err(FlopsError::ZeroDimension { field: "layers" })
        );
    }
}
