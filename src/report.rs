//! The figures a user reads off a packing plan.

use serde::{Deserialize, Serialize};

use crate::algorithms::Algorithm;
use crate::histogram::Histogram;
use crate::plan::{Optimality, PackingPlan};

/// Pack fill is reported in this many equal buckets of the row.
pub const FILL_BUCKETS: usize = 20;

/// What a packing plan achieves, in the paper's terms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The algorithm that made the plan.
    pub algorithm: Algorithm,
    /// The row length.
    pub max_len: u32,
    /// The most sequences per pack; `None` for no limit.
    pub max_per_pack: Option<u32>,
    /// Sequences packed.
    pub sequences: u64,
    /// Real tokens packed.
    pub tokens: u64,
    /// Rows of `max_len` tokens the plan needs.
    pub packs: u64,
    /// Real tokens / (packs × max_len).
    pub efficiency: f64,
    /// 1 − efficiency: the share of computed tokens that are padding.
    pub padding_fraction: f64,
    /// Sequences / packs: how many times fewer rows than without packing
    /// (the paper's achieved speed-up).
    pub speedup: f64,
    /// Sequences × max_len / tokens: the speed-up if all padding were gone.
    pub speedup_limit: f64,
    /// ceil(tokens / max_len): no plan can use fewer rows.
    pub volume_bound: u64,
    /// Sequences / packs (the same figure as `speedup`, named for what it
    /// means when choosing a batch size).
    pub mean_sequences_per_pack: f64,
    /// `sequences_per_pack[i]`: packs holding `i + 1` sequences.
    pub sequences_per_pack: Vec<u64>,
    /// `pack_fill[i]`: packs whose real tokens fill more than `i / 20` and
    /// at most `(i + 1) / 20` of the row.
    pub pack_fill: Vec<u64>,
    /// Packs with no padding at all.
    pub full_packs: u64,
    /// Tokens per length bucket when NNLSHP grouped lengths to stay fast
    /// at a large max_len; `None` when every length was planned exactly.
    pub bucket_tokens: Option<u32>,
    /// At most this share of the row tokens is padding added by bucketing
    /// (see [`crate::plan::Bucketing::slack_tokens`]); `None` without bucketing.
    pub bucketing_cost: Option<f64>,
    /// The optimal packer only: the fewest packs any plan could use, whether
    /// this plan is proven to reach them (`packs − lower_bound_packs` is how
    /// many it may be off otherwise), and which packer's plan was kept;
    /// `None` for the other algorithms.
    pub optimality: Option<Optimality>,
    /// Wall-clock time the algorithm took, in milliseconds, as measured by
    /// the caller (the library has no clock: WebAssembly lacks one).
    pub runtime_ms: f64,
}

impl Report {
    /// The figures of `plan`, a sound plan of `histogram` (see
    /// [`crate::validate`]) made by `algorithm` in `runtime_ms`.
    pub fn new(
        algorithm: Algorithm,
        histogram: &Histogram,
        plan: &PackingPlan,
        runtime_ms: f64,
    ) -> Self {
        let max_len = u64::from(plan.max_len);
        let packs = plan.packs();
        let sequences = histogram.sequences();
        let tokens = histogram.tokens();
        let deepest = plan.most_sequences_in_a_pack();
        let mut sequences_per_pack = vec![0u64; deepest];
        let mut pack_fill = vec![0u64; FILL_BUCKETS];
        let mut full_packs = 0;
        for group in &plan.groups {
            if let Some(slot) = group.lengths.len().checked_sub(1) {
                sequences_per_pack[slot] += group.count;
            }
            let used = group.tokens();
            // Bucket i holds fills in (i/20, (i+1)/20]: ceil(20·used/max_len) − 1.
            let bucket = (used * FILL_BUCKETS as u64)
                .div_ceil(max_len)
                .saturating_sub(1);
            pack_fill[(bucket as usize).min(FILL_BUCKETS - 1)] += group.count;
            if used == max_len {
                full_packs += group.count;
            }
        }
        let padded = packs as f64 * max_len as f64;
        let efficiency = if packs == 0 {
            0.0
        } else {
            tokens as f64 / padded
        };
        let speedup = if packs == 0 {
            0.0
        } else {
            sequences as f64 / packs as f64
        };
        Report {
            algorithm,
            max_len: plan.max_len,
            max_per_pack: plan.max_per_pack,
            sequences,
            tokens,
            packs,
            efficiency,
            padding_fraction: 1.0 - efficiency,
            speedup,
            speedup_limit: sequences as f64 * max_len as f64 / tokens as f64,
            volume_bound: tokens.div_ceil(max_len),
            mean_sequences_per_pack: speedup,
            sequences_per_pack,
            pack_fill,
            full_packs,
            bucket_tokens: plan.bucketing.map(|bucketing| bucketing.bucket_tokens),
            bucketing_cost: plan.bucketing.map(|bucketing| {
                if packs == 0 {
                    0.0
                } else {
                    bucketing.slack_tokens as f64 / padded
                }
            }),
            optimality: plan.optimality,
            runtime_ms,
        }
    }
}
