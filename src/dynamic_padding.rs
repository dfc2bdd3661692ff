//! Dynamic padding: what most trainers do instead of packing.
//!
//! Without packing, a batch of `batch_size` sequences is padded to the
//! longest sequence *of that batch* rather than to `max_len`. How much that
//! saves depends on how the batches are formed:
//!
//! - [`BatchingScheme::Random`]: the epoch is shuffled and cut into batches.
//!   Figures are exact expectations over every shuffle, from order
//!   statistics of sampling without replacement.
//! - [`BatchingScheme::Sorted`]: all sequences sorted by length, longest
//!   first, then cut into batches. Deterministic and exact.
//! - [`BatchingScheme::Megabatch`]: the "group by length" samplers of
//!   trainers (Hugging Face's `LengthGroupedSampler`): a shuffle cut into
//!   megabatches of up to 50 batches, each sorted longest first and cut into
//!   batches. Estimated by a seeded simulation.
//!
//! Every scheme keeps the last, partial batch: `sequences = q × batch_size + r`
//! gives `q` full batches and, when `r > 0`, one batch of `r` sequences
//! (PyTorch's `drop_last = False`, so every sequence is trained on).
//!
//! The arithmetic uses only `+ − × ÷` and `sqrt`, never `ln`, `exp` or
//! `powf`, whose last bit may differ between native code and WebAssembly:
//! the command line and the page report the same figures to the bit.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::histogram::Histogram;
use crate::random::SplitMix64;

/// The seed of the megabatch simulation: any fixed value makes the figures
/// reproducible; this one spells "packlab" in ASCII.
pub const MEGABATCH_SEED: u64 = 0x0070_6163_6b6c_6162;

/// How many sequences the megabatch simulation draws at most (per kind of
/// megabatch, full or last): at most a few tens of milliseconds natively,
/// with a standard error near 0.005 percentage point of padding on
/// datasets of a million sequences.
pub const DEFAULT_MAX_DRAWS: u64 = 1 << 17;

/// The simulation averages at least this many megabatches; larger
/// megabatches are estimated from quantiles instead (see
/// [`EstimateKind::QuantileApproximation`]).
const MIN_SIMULATED_MEGABATCHES: u64 = 4;

/// Hugging Face's cap on batches per megabatch (`mega_batch_mult`).
pub const MAX_BATCHES_PER_MEGABATCH: u64 = 50;

/// Hugging Face shrinks megabatches so that a dataset holds at least this
/// many of them: `mega_batch_mult = min(sequences / (4 × batch_size), 50)`,
/// and 1 if that is 0.
const MIN_MEGABATCHES: u64 = 4;

/// An expectation is truncated once the remaining terms are below this share
/// of it: far under half a unit in the last place of an `f64` (2^-53), so
/// the truncation changes no reported digit.
const NEGLIGIBLE_SHARE: f64 = 1.0 / 18_446_744_073_709_551_616.0; // 2^-64

/// How the sequences of an epoch are grouped into batches, each padded to
/// its longest sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum BatchingScheme {
    /// The epoch shuffled and cut into batches: the default of every
    /// trainer. Exact expectation over all shuffles.
    Random,
    /// All sequences sorted longest first and cut into batches: the least
    /// padding batches of equal size can have (when the batch size divides
    /// the dataset; nearly so otherwise). Exact.
    Sorted,
    /// Hugging Face's `group_by_length`: a shuffle cut into megabatches of
    /// `min(sequences / (4 × batch_size), 50)` batches (at least 1), each
    /// sorted longest first and cut into batches. Seeded simulation.
    Megabatch,
}

impl BatchingScheme {
    /// Every scheme, from the most padding to the least.
    pub const ALL: [BatchingScheme; 3] = [
        BatchingScheme::Random,
        BatchingScheme::Megabatch,
        BatchingScheme::Sorted,
    ];

    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            BatchingScheme::Random => "random",
            BatchingScheme::Sorted => "sorted",
            BatchingScheme::Megabatch => "megabatch",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            BatchingScheme::Random => "Dynamic padding, random batches",
            BatchingScheme::Sorted => "Dynamic padding, batches sorted by length",
            BatchingScheme::Megabatch => "Dynamic padding, grouped by length (megabatches)",
        }
    }
}

impl fmt::Display for BatchingScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for BatchingScheme {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        BatchingScheme::ALL
            .into_iter()
            .find(|scheme| scheme.name() == text)
            .ok_or_else(|| {
                format!("unknown batching scheme `{text}`: use random, sorted or megabatch")
            })
    }
}

/// How a figure of [`DynamicPadding`] was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EstimateKind {
    /// Computed exactly (up to `f64` rounding).
    Exact,
    /// Averaged over seeded simulated megabatches; see
    /// [`DynamicPadding::padded_tokens_standard_error`].
    Simulated,
    /// Megabatches too large to simulate (more than a quarter of the draw
    /// budget each): the `p`-th longest of a megabatch of `S` sequences is
    /// taken as the dataset's length at the same expected rank,
    /// `p / (S + 1)` of the way down. Megabatches that large hold well
    /// over a hundred thousand sequences, whose quantiles hardly vary
    /// from draw to draw.
    QuantileApproximation,
}

impl EstimateKind {
    /// The name used in JSON.
    pub fn name(self) -> &'static str {
        match self {
            EstimateKind::Exact => "exact",
            EstimateKind::Simulated => "simulated",
            EstimateKind::QuantileApproximation => "quantile-approximation",
        }
    }
}

/// Why dynamic padding could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DynamicPaddingError {
    /// The batch size is zero.
    #[error(
        "the batch size must be at least 1 sequence: give the sequences per batch \
         (per device) your trainer uses"
    )]
    ZeroBatchSize,
}

/// What dynamic padding costs for one epoch of a histogram at one batch size.
///
/// Token figures are expectations over the randomness of the scheme (exact
/// for [`BatchingScheme::Sorted`], which has none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DynamicPadding {
    /// How the batches are formed.
    pub scheme: BatchingScheme,
    /// Sequences per batch, as requested (≥ 1; may exceed `sequences`).
    pub batch_size: u32,
    /// The row length of the histogram; no batch is padded beyond it.
    pub max_len: u32,
    /// Sequences in the epoch.
    pub sequences: u64,
    /// Real tokens in the epoch.
    pub tokens: u64,
    /// Batches per epoch: `ceil(sequences / batch_size)`.
    pub batches: u64,
    /// Expected tokens computed, padding included: the sum over batches of
    /// (sequences in the batch × its longest sequence). In
    /// `tokens ..= sequences × max_len`.
    pub padded_tokens: f64,
    /// Standard error of `padded_tokens` from the simulation; 0 when exact
    /// or approximated from quantiles.
    pub padded_tokens_standard_error: f64,
    /// Expected sum over batches of (sequences in the batch × its longest
    /// sequence²): the query–key pairs a dense attention kernel computes.
    pub dense_attention_pairs: f64,
    /// Expected padded length of a sequence: `padded_tokens / sequences`.
    pub mean_padded_length: f64,
    /// Real tokens / padded tokens, in (0, 1].
    pub efficiency: f64,
    /// 1 − efficiency: the share of computed tokens that are padding.
    pub padding_fraction: f64,
    /// `sequences × max_len / padded_tokens`: how many times fewer tokens
    /// are computed than when padding every sequence to `max_len`.
    pub speedup_over_max_len: f64,
    /// How the figures were obtained.
    pub estimate: EstimateKind,
    /// Megabatch scheme only: sequences per megabatch.
    pub sequences_per_megabatch: Option<u64>,
    /// Megabatch scheme only: how many megabatches were simulated (full
    /// and last together); 0 when no simulation was needed.
    pub simulated_megabatches: Option<u64>,
}

/// Settings of the megabatch simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulationOptions {
    /// The seed of the random generator.
    pub seed: u64,
    /// How many sequences to draw at most, per kind of megabatch (the full
    /// ones, and the last one when it is shorter).
    pub max_draws: u64,
}

impl Default for SimulationOptions {
    fn default() -> Self {
        SimulationOptions {
            seed: MEGABATCH_SEED,
            max_draws: DEFAULT_MAX_DRAWS,
        }
    }
}

/// Dynamic padding of `histogram` in batches of `batch_size` sequences
/// formed by `scheme` (the megabatch scheme with the default simulation).
///
/// # Errors
/// [`DynamicPaddingError::ZeroBatchSize`] for a batch size of 0.
pub fn dynamic_padding(
    histogram: &Histogram,
    scheme: BatchingScheme,
    batch_size: u32,
) -> Result<DynamicPadding, DynamicPaddingError> {
    match scheme {
        BatchingScheme::Random => random_batches(histogram, batch_size),
        BatchingScheme::Sorted => sorted_batches(histogram, batch_size),
        BatchingScheme::Megabatch => {
            megabatch_batches(histogram, batch_size, &SimulationOptions::default())
        }
    }
}

/// Dynamic padding under every scheme, in the order of [`BatchingScheme::ALL`].
///
/// # Errors
/// [`DynamicPaddingError::ZeroBatchSize`] for a batch size of 0.
#[inline(never)] // See "Inlining" in the docs of `crate::analysis`.
pub fn dynamic_padding_all(
    histogram: &Histogram,
    batch_size: u32,
) -> Result<Vec<DynamicPadding>, DynamicPaddingError> {
    BatchingScheme::ALL
        .into_iter()
        .map(|scheme| dynamic_padding(histogram, scheme, batch_size))
        .collect()
}

/// One distinct length and how many sequences have it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Level {
    length: u32,
    count: u64,
}

/// The distinct lengths of `histogram`, shortest first.
fn levels(histogram: &Histogram) -> Vec<Level> {
    histogram
        .counts()
        .iter()
        .zip(1u32..)
        .filter(|&(&count, _)| count > 0)
        .map(|(&count, length)| Level { length, count })
        .collect()
}

/// Expected token totals of an epoch.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Totals {
    padded_tokens: f64,
    dense_attention_pairs: f64,
}

impl DynamicPadding {
    fn new(
        scheme: BatchingScheme,
        histogram: &Histogram,
        batch_size: u32,
        totals: Totals,
        estimate: EstimateKind,
    ) -> Self {
        let sequences = histogram.sequences();
        let tokens = histogram.tokens();
        // No batching computes fewer tokens than the real ones; rounding in
        // an exact expectation could land a hair below them.
        let padded = totals.padded_tokens.max(tokens as f64);
        // A histogram holds at least one sequence of at least one token, so
        // `padded` ≥ 1 and the divisions are safe; the guards only keep a
        // broken estimate from turning into infinities.
        let efficiency = if padded > 0.0 {
            tokens as f64 / padded
        } else {
            0.0
        };
        DynamicPadding {
            scheme,
            batch_size,
            max_len: histogram.max_len(),
            sequences,
            tokens,
            batches: sequences.div_ceil(u64::from(batch_size.max(1))),
            padded_tokens: padded,
            padded_tokens_standard_error: 0.0,
            dense_attention_pairs: totals.dense_attention_pairs,
            mean_padded_length: padded / sequences as f64,
            efficiency,
            padding_fraction: 1.0 - efficiency,
            speedup_over_max_len: if padded > 0.0 {
                sequences as f64 * f64::from(histogram.max_len()) / padded
            } else {
                0.0
            },
            estimate,
            sequences_per_megabatch: None,
            simulated_megabatches: None,
        }
    }
}

fn check_batch_size(batch_size: u32) -> Result<u64, DynamicPaddingError> {
    if batch_size == 0 {
        Err(DynamicPaddingError::ZeroBatchSize)
    } else {
        Ok(u64::from(batch_size))
    }
}

// ---------------------------------------------------------------------------
// Random batches: order statistics of sampling without replacement.
// ---------------------------------------------------------------------------

/// Dynamic padding with the epoch shuffled and cut into batches of
/// `batch_size`: the exact expectation over all shuffles.
///
/// In a uniform shuffle, every batch of `k` sequences is a uniformly random
/// `k`-subset of the `N` sequences, so by linearity of expectation the
/// expected padded tokens are `q·B·E[max of B] + r·E[max of r]` for
/// `N = q·B + r`. For a `k`-subset drawn without replacement,
///
/// ```text
/// P(max ≤ l) = C(N_{≤l}, k) / C(N, k)
///            = Π_{j<k} (N_{≤l} − j) / (N − j)          (k factors)
///            = Π_{i<d} (N − k − i) / (N − i)           (d = N − N_{≤l} factors)
/// ```
///
/// and with distinct lengths `l_1 < … < l_n`, for `f(x) = x` or `x²`,
/// `E[f(max)] = f(l_n) − Σ_{i<n} P(max ≤ l_i) (f(l_{i+1}) − f(l_i))`.
///
/// Going down from the longest length, each probability follows from the
/// previous one by the second product over the sequences of the length just
/// passed, or afresh from the first product, whichever has fewer factors;
/// once the probabilities become negligible the sum stops. The cost is at
/// most `Σ_l min(count_l, k)` multiplications, so
/// `O(distinct lengths × batch_size)` at worst, and much less in practice:
/// the sum stops once the sequences passed make up about 45 to 75 batches'
/// worth of the dataset (`d ≈ 45…75 × N / k`).
///
/// # Errors
/// [`DynamicPaddingError::ZeroBatchSize`] for a batch size of 0.
pub fn random_batches(
    histogram: &Histogram,
    batch_size: u32,
) -> Result<DynamicPadding, DynamicPaddingError> {
    let batch = check_batch_size(batch_size)?;
    let levels = levels(histogram);
    let sequences = histogram.sequences();
    let full_batches = sequences / batch;
    let last_batch = sequences % batch;
    let cutoff = negligible_probability(histogram.max_len());
    let mut totals = Totals::default();
    for (batches, size) in [(full_batches, batch), (1, last_batch)] {
        if batches == 0 || size == 0 {
            continue;
        }
        let longest = longest_moments(&levels, sequences, size, cutoff);
        let sequences_in_batches = batches as f64 * size as f64;
        totals.padded_tokens += sequences_in_batches * longest.mean;
        totals.dense_attention_pairs += sequences_in_batches * longest.mean_square;
    }
    Ok(DynamicPadding::new(
        BatchingScheme::Random,
        histogram,
        batch_size,
        totals,
        EstimateKind::Exact,
    ))
}

/// Below this probability of the longest sequence being at most a length,
/// the rest of the expectation sum is negligible: the remaining terms add
/// at most `probability × max_len²` while the expectations are at least 1.
fn negligible_probability(max_len: u32) -> f64 {
    let max_len = f64::from(max_len);
    NEGLIGIBLE_SHARE / (max_len * max_len)
}

/// `E[max]` and `E[max²]` of a subset.
#[derive(Debug, Clone, Copy, PartialEq)]
struct LongestMoments {
    mean: f64,
    mean_square: f64,
}

/// The moments of the longest length in a uniformly random `subset` of the
/// `total` sequences of `levels` (shortest first), `1 ≤ subset ≤ total`.
fn longest_moments(levels: &[Level], total: u64, subset: u64, cutoff: f64) -> LongestMoments {
    let Some((&top, shorter)) = levels.split_last() else {
        return LongestMoments {
            mean: 0.0,
            mean_square: 0.0,
        };
    };
    let top_length = f64::from(top.length);
    // Σ P(max ≤ l_i)(f(l_{i+1}) − f(l_i)), for f(x) = x and x².
    let mut shortfall = 0.0;
    let mut shortfall_square = 0.0;
    // P(max ≤ the length of `upper`), and how many sequences are longer.
    let mut at_most_upper = 1.0;
    let mut longer_than_upper: u64 = 0;
    let mut upper = top;
    for &level in shorter.iter().rev() {
        let longer = longer_than_upper + upper.count; // ≤ total
        let at_most = if total - longer < subset {
            // Fewer than `subset` sequences are this short.
            0.0
        } else if upper.count < subset {
            extend_probability(
                at_most_upper,
                total,
                subset,
                longer_than_upper,
                longer,
                cutoff,
            )
        } else {
            fresh_probability(total, subset, longer, cutoff)
        };
        if at_most < cutoff {
            // The probabilities only shrink towards shorter lengths, so
            // the rest of the sum is negligible.
            break;
        }
        let upper_length = f64::from(upper.length);
        let length = f64::from(level.length);
        shortfall += at_most * (upper_length - length);
        shortfall_square += at_most * (upper_length * upper_length - length * length);
        at_most_upper = at_most;
        longer_than_upper = longer;
        upper = level;
    }
    LongestMoments {
        mean: top_length - shortfall,
        mean_square: top_length * top_length - shortfall_square,
    }
}

/// The probability that no sequence of the subset is among the
/// `longer_after` longest, from the same probability for the
/// `longer_before` longest:
/// `× Π_{i = longer_before}^{longer_after − 1} (total − subset − i) / (total − i)`.
/// Requires `total − longer_after ≥ subset`, so every factor is positive.
/// Returns 0 as soon as the product falls below `cutoff`.
fn extend_probability(
    probability: f64,
    total: u64,
    subset: u64,
    longer_before: u64,
    longer_after: u64,
    cutoff: f64,
) -> f64 {
    let mut probability = probability;
    let free = total - subset;
    for longer in longer_before..longer_after {
        probability *= (free - longer) as f64 / (total - longer) as f64;
        if probability < cutoff {
            return 0.0;
        }
    }
    probability
}

/// The same probability afresh:
/// `Π_{j < subset} (total − longer − j) / (total − j)`.
/// Requires `total − longer ≥ subset`. Returns 0 as soon as the product
/// falls below `cutoff`.
fn fresh_probability(total: u64, subset: u64, longer: u64, cutoff: f64) -> f64 {
    let mut probability = 1.0;
    let shorter = total - longer;
    for drawn in 0..subset {
        probability *= (shorter - drawn) as f64 / (total - drawn) as f64;
        if probability < cutoff {
            return 0.0;
        }
    }
    probability
}

// ---------------------------------------------------------------------------
// Sorted batches: exact, in one pass over the distinct lengths.
// ---------------------------------------------------------------------------

/// Dynamic padding with all sequences sorted longest first and cut into
/// batches of `batch_size`; the last batch, of the shortest sequences, may
/// be partial. Exact, in `O(max_len)`.
///
/// # Errors
/// [`DynamicPaddingError::ZeroBatchSize`] for a batch size of 0.
pub fn sorted_batches(
    histogram: &Histogram,
    batch_size: u32,
) -> Result<DynamicPadding, DynamicPaddingError> {
    let batch = check_batch_size(batch_size)?;
    let levels = levels(histogram);
    let cost = sorted_cost(levels.iter().rev().copied(), batch);
    Ok(DynamicPadding::new(
        BatchingScheme::Sorted,
        histogram,
        batch_size,
        cost.totals(),
        EstimateKind::Exact,
    ))
}

/// Exact token totals of batches cut from sorted sequences.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct SortedCost {
    /// Σ over batches of size × longest. Below 2^87: sequences < 2^64,
    /// lengths ≤ 2^22.
    padded_tokens: u128,
    /// Σ over batches of size × longest². Below 2^109.
    dense_attention_pairs: u128,
}

impl SortedCost {
    fn totals(self) -> Totals {
        Totals {
            padded_tokens: self.padded_tokens as f64,
            dense_attention_pairs: self.dense_attention_pairs as f64,
        }
    }
}

/// Cuts sequences given longest first (`levels_longest_first`) into
/// consecutive batches of `batch` (the last one possibly partial) and sums
/// what padding each to its first, longest, sequence costs.
///
/// A batch starts at every position `j·batch + 1` (1-based); a length that
/// occupies positions `above + 1 ..= above + count` starts
/// `ceil((above + count) / batch) − ceil(above / batch)` batches, each
/// padded to that length. Only the last batch may hold fewer than `batch`.
fn sorted_cost(levels_longest_first: impl Iterator<Item = Level>, batch: u64) -> SortedCost {
    let levels: Vec<Level> = levels_longest_first.collect();
    let total: u64 = levels.iter().map(|level| level.count).sum();
    let batches = total.div_ceil(batch);
    let Some(last_index) = batches.checked_sub(1) else {
        return SortedCost::default();
    };
    // The last batch starts after `last_index` full batches.
    let last_start = last_index * batch; // < total: 0-based position
    let last_shortfall = u128::from(batch - (total - last_start));
    let mut cost = SortedCost::default();
    let mut above: u64 = 0;
    for level in levels {
        let below = above + level.count;
        let starts = u128::from(below.div_ceil(batch) - above.div_ceil(batch));
        let length = u128::from(level.length);
        let mut sequences = starts * u128::from(batch);
        if (above..below).contains(&last_start) {
            sequences -= last_shortfall;
        }
        cost.padded_tokens += sequences * length;
        cost.dense_attention_pairs += sequences * length * length;
        above = below;
    }
    cost
}

// ---------------------------------------------------------------------------
// Megabatches: seeded simulation.
// ---------------------------------------------------------------------------

/// Batches per megabatch as Hugging Face chooses them:
/// `min(sequences / (4 × batch_size), 50)`, at least 1.
pub fn batches_per_megabatch(sequences: u64, batch_size: u32) -> u64 {
    let batch = u64::from(batch_size.max(1));
    (sequences / (MIN_MEGABATCHES * batch)).clamp(1, MAX_BATCHES_PER_MEGABATCH)
}

/// Dynamic padding with Hugging Face's length-grouped sampling: the epoch
/// shuffled, cut into megabatches of [`batches_per_megabatch`] batches,
/// each megabatch sorted longest first and cut into batches of `batch_size`.
///
/// In a uniform shuffle each megabatch is a uniformly random subset of its
/// size, so by linearity the expected padding is (full megabatches) ×
/// E[padding of a random full megabatch] + E[padding of the random last
/// megabatch]. Each expectation is the mean over independent megabatches,
/// each drawn without replacement from the whole histogram without
/// materialising its sequences (see `MegabatchSimulation`); only the
/// padding is simulated, the real tokens being known exactly. The only
/// error is the Monte-Carlo error, reported as
/// [`DynamicPadding::padded_tokens_standard_error`] (which, like any
/// sample, cannot see events rarer than about one in the number of
/// megabatches simulated).
///
/// At most `options.max_draws` sequences are drawn per kind of megabatch
/// (full, last), in at least 4 megabatches of each; megabatches larger
/// than a quarter of the budget are estimated from quantiles instead
/// ([`EstimateKind::QuantileApproximation`]), which agreed with long
/// simulations to about 0.01 percentage point of padding at such sizes on
/// the smooth length distributions we tried.
/// When one megabatch holds the whole dataset the figures are exact.
///
/// Not modelled: Hugging Face then swaps the longest sequence into the
/// first batch (so that an out-of-memory error shows up at once), which
/// changes the padding of at most two batches.
///
/// # Errors
/// [`DynamicPaddingError::ZeroBatchSize`] for a batch size of 0.
pub fn megabatch_batches(
    histogram: &Histogram,
    batch_size: u32,
    options: &SimulationOptions,
) -> Result<DynamicPadding, DynamicPaddingError> {
    let batch = check_batch_size(batch_size)?;
    let levels = levels(histogram);
    let sequences = histogram.sequences();
    let megabatch = batches_per_megabatch(sequences, batch_size) * batch;
    let full_megabatches = sequences / megabatch;
    let last_megabatch = sequences % megabatch;
    let real = real_totals(&levels);
    let mut simulated = 0;
    let (totals, standard_error, estimate) =
        if full_megabatches == 0 || (full_megabatches == 1 && last_megabatch == 0) {
            // One megabatch holds everything: it is the sorted dataset.
            let cost = sorted_cost(levels.iter().rev().copied(), batch);
            (cost.totals(), 0.0, EstimateKind::Exact)
        } else if megabatch.saturating_mul(MIN_SIMULATED_MEGABATCHES) <= options.max_draws {
            // The real tokens of the epoch are known exactly: only the
            // padding is simulated (a control variate), so batches of one
            // come out exact and the noise is that of the padding alone.
            let mut simulation = MegabatchSimulation::new(&levels, batch, options.seed);
            let mut totals = real;
            let mut variance = 0.0;
            for (megabatches, size) in [(full_megabatches, megabatch), (1, last_megabatch)] {
                if size == 0 {
                    continue;
                }
                let samples = (options.max_draws / size).max(MIN_SIMULATED_MEGABATCHES);
                let mean = simulation.mean_padding(size, samples);
                simulated += samples;
                let weight = megabatches as f64;
                totals.padded_tokens += weight * mean.padding_tokens;
                totals.dense_attention_pairs += weight * mean.padding_pairs;
                variance += weight * weight * mean.padding_tokens_variance / samples as f64;
            }
            (totals, variance.sqrt(), EstimateKind::Simulated)
        } else {
            let mut totals = Totals::default();
            for (megabatches, size) in [(full_megabatches, megabatch), (1, last_megabatch)] {
                if size == 0 {
                    continue;
                }
                let cost = quantile_megabatch_cost(&levels, sequences, size, batch);
                let weight = megabatches as f64;
                totals.padded_tokens += weight * cost.padded_tokens;
                totals.dense_attention_pairs += weight * cost.dense_attention_pairs;
            }
            // Quantiles are not draws: keep the estimate within what any
            // batching can cost.
            let max_len = f64::from(histogram.max_len());
            let padded_to_max_len = sequences as f64 * max_len;
            totals.padded_tokens = totals
                .padded_tokens
                .clamp(real.padded_tokens, padded_to_max_len);
            totals.dense_attention_pairs = totals
                .dense_attention_pairs
                .clamp(real.dense_attention_pairs, padded_to_max_len * max_len);
            (totals, 0.0, EstimateKind::QuantileApproximation)
        };
    let mut result = DynamicPadding::new(
        BatchingScheme::Megabatch,
        histogram,
        batch_size,
        totals,
        estimate,
    );
    result.padded_tokens_standard_error = standard_error;
    result.sequences_per_megabatch = Some(megabatch);
    result.simulated_megabatches = Some(simulated);
    Ok(result)
}

/// The mean padding of simulated megabatches of one size: what padding
/// adds to their real tokens and to the pairs within their sequences.
#[derive(Debug, Clone, Copy, PartialEq)]
struct SimulatedPadding {
    padding_tokens: f64,
    padding_pairs: f64,
    /// Sample variance of the padding tokens of one megabatch.
    padding_tokens_variance: f64,
}

/// Real tokens and the pairs within sequences (`Σ s²`): what batches
/// would cost with no padding at all.
fn real_totals(levels: &[Level]) -> Totals {
    let (tokens, pairs) = real_sums(levels.iter().copied());
    Totals {
        padded_tokens: tokens as f64,
        dense_attention_pairs: pairs as f64,
    }
}

/// `(Σ count × length, Σ count × length²)`, exact.
fn real_sums(levels: impl Iterator<Item = Level>) -> (u128, u128) {
    levels.fold((0, 0), |(tokens, pairs), level| {
        let count = u128::from(level.count);
        let length = u128::from(level.length);
        (tokens + count * length, pairs + count * length * length)
    })
}

/// Draws megabatches without replacement from a histogram.
///
/// A megabatch is a uniformly random set of positions in the dataset
/// sorted by length (shortest first), so the sequences are never
/// materialised: positions are drawn uniformly, sorted, and repeats
/// replaced by fresh draws until `size` distinct ones remain. The result is
/// the set of the first `size` distinct values of a stream of independent
/// uniform draws, which by symmetry is a uniformly random subset. Sorted
/// positions give the megabatch's lengths in order with one forward pass
/// over the distinct lengths, so no further sort is needed.
struct MegabatchSimulation<'a> {
    levels: &'a [Level],
    /// `ends[i]`: sequences of the levels up to `i`, shortest first.
    ends: Vec<u64>,
    total: u64,
    batch: u64,
    random: SplitMix64,
    /// The positions of the megabatch being drawn.
    positions: Vec<u64>,
}

impl<'a> MegabatchSimulation<'a> {
    fn new(levels: &'a [Level], batch: u64, seed: u64) -> Self {
        let ends: Vec<u64> = levels
            .iter()
            .scan(0u64, |end, level| {
                *end += level.count;
                Some(*end)
            })
            .collect();
        MegabatchSimulation {
            levels,
            total: ends.last().copied().unwrap_or(0),
            ends,
            batch,
            random: SplitMix64::new(seed),
            positions: Vec::new(),
        }
    }

    /// The mean padding over `samples` megabatches of `size` sequences,
    /// each drawn from the full histogram (`1 ≤ size ≤` its sequences).
    fn mean_padding(&mut self, size: u64, samples: u64) -> SimulatedPadding {
        // Welford's running mean and variance: stable in one pass.
        let mut mean_tokens = 0.0;
        let mut squared_deviations = 0.0;
        let mut mean_pairs = 0.0;
        for sample in 1..=samples {
            let padding = self.draw_megabatch(size);
            let deviation = padding.padded_tokens - mean_tokens;
            mean_tokens += deviation / sample as f64;
            squared_deviations += deviation * (padding.padded_tokens - mean_tokens);
            mean_pairs += (padding.dense_attention_pairs - mean_pairs) / sample as f64;
        }
        SimulatedPadding {
            padding_tokens: mean_tokens,
            padding_pairs: mean_pairs,
            padding_tokens_variance: if samples > 1 {
                squared_deviations / (samples - 1) as f64
            } else {
                0.0
            },
        }
    }

    /// Draws one megabatch and returns what padding adds to it, in the
    /// fields of [`Totals`].
    fn draw_megabatch(&mut self, size: u64) -> Totals {
        let size = size.min(self.total);
        self.positions.clear();
        while (self.positions.len() as u64) < size {
            let missing = size - self.positions.len() as u64;
            for _ in 0..missing {
                self.positions
                    .push(self.random.multiply_high_below(self.total));
            }
            self.positions.sort_unstable();
            self.positions.dedup();
        }
        let batch = self.batch;
        let mut level = 0;
        let mut real_tokens: u128 = 0;
        let mut real_pairs: u128 = 0;
        let mut padded_tokens: u128 = 0;
        let mut dense_pairs: u128 = 0;
        for (shorter, &position) in (0u64..).zip(&self.positions) {
            level = level_holding(&self.ends, level, position);
            let Some(found) = self.levels.get(level) else {
                break; // position ≥ total: cannot happen
            };
            let length = u128::from(found.length);
            real_tokens += length;
            real_pairs += length * length;
            // Longest first, the batches start at ranks 0, B, 2B, …; the
            // sequence at that rank is the longest of its batch.
            let longer = size - 1 - shorter;
            if longer.is_multiple_of(batch) {
                let sequences = u128::from(batch.min(size - longer));
                padded_tokens += sequences * length;
                dense_pairs += sequences * length * length;
            }
        }
        // Padding only adds: every batch costs at least its real tokens.
        Totals {
            padded_tokens: padded_tokens.saturating_sub(real_tokens) as f64,
            dense_attention_pairs: dense_pairs.saturating_sub(real_pairs) as f64,
        }
    }
}

/// The level holding `position`, searching forward from level `from`
/// (positions only grow): most positions of a megabatch fall in the level
/// of the previous one, so look there first, then gallop, then bisect.
fn level_holding(ends: &[u64], from: usize, position: u64) -> usize {
    let holds = |level: usize| ends.get(level).is_none_or(|&end| end > position);
    if holds(from) {
        return from;
    }
    // `from` ends at or before `position`: find a level past it that holds it.
    let mut step = 1;
    while !holds(from + step) {
        step *= 2;
    }
    let lower = from + step / 2 + 1;
    let upper = (from + step).min(ends.len());
    lower
        + ends
            .get(lower..upper)
            .map_or(0, |range| range.partition_point(|&end| end <= position))
}

/// The cost of a megabatch of `size` sequences sorted longest first and cut
/// into batches of `batch`, taking its `p`-th longest sequence as the
/// dataset's sequence at position `ceil(p × N / (size + 1))`: the expected
/// rank of that order statistic.
fn quantile_megabatch_cost(levels: &[Level], total: u64, size: u64, batch: u64) -> Totals {
    // Positions (1-based, longest first) where each level ends.
    let mut ends = Vec::with_capacity(levels.len());
    let mut end: u64 = 0;
    for level in levels.iter().rev() {
        end += level.count;
        ends.push((end, level.length));
    }
    let length_at = |position: u64| -> f64 {
        let index = ends.partition_point(|&(end, _)| end < position);
        ends.get(index)
            .or(ends.last())
            .map_or(0.0, |&(_, length)| f64::from(length))
    };
    let mut totals = Totals::default();
    let mut first: u64 = 1; // 1-based rank in the megabatch
    while first <= size {
        let sequences = batch.min(size - first + 1);
        let rank = u128::from(first) * u128::from(total);
        // ≤ total, so it fits back in 64 bits.
        let position = rank.div_ceil(u128::from(size) + 1) as u64;
        let longest = length_at(position.max(1));
        totals.padded_tokens += sequences as f64 * longest;
        totals.dense_attention_pairs += sequences as f64 * longest * longest;
        match first.checked_add(batch) {
            Some(next) => first = next,
            None => break,
        }
    }
    totals
}

impl SplitMix64 {
    /// Uniform in `0..bound` (bound ≥ 1) by Lemire's multiply-high. Without
    /// his rejection step the bias is below `bound / 2^64`: for any real
    /// dataset far under the simulation's own noise.
    fn multiply_high_below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram(max_len: u32, lengths: &[(u32, u64)]) -> Histogram {
        let mut counts = vec![0u64; max_len as usize];
        for &(length, count) in lengths {
            counts[length as usize - 1] += count;
        }
        Histogram::from_dense(counts).unwrap()
    }

    #[test]
    fn a_megabatch_of_everything_is_the_sorted_dataset() {
        let levels = [
            Level {
                length: 2,
                count: 3,
            },
            Level {
                length: 7,
                count: 1,
            },
            Level {
                length: 9,
                count: 4,
            },
        ];
        let mut simulation = MegabatchSimulation::new(&levels, 3, 11);
        // Longest first: [9 9 9] [9 7 2] [2 2]: padding 0, 2 + 7, 0.
        let padding = simulation.draw_megabatch(8);
        assert_eq!(padding.padded_tokens, 9.0);
        assert_eq!(padding.dense_attention_pairs, 2.0 * 81.0 - 49.0 - 4.0);
        assert_eq!(simulation.positions, (0..8).collect::<Vec<u64>>());
    }

    #[test]
    fn sorted_cost_by_hand() {
        // Longest first: 9 9 9 5 5 2 2 in batches of 3: [9 9 9] [5 5 2] [2].
        let levels = [
            Level {
                length: 9,
                count: 3,
            },
            Level {
                length: 5,
                count: 2,
            },
            Level {
                length: 2,
                count: 2,
            },
        ];
        let cost = sorted_cost(levels.into_iter(), 3);
        assert_eq!(cost.padded_tokens, 27 + 15 + 2);
        assert_eq!(cost.dense_attention_pairs, 3 * 81 + 3 * 25 + 4);
    }

    #[test]
    fn two_lengths_random_pair() {
        // Lengths 1, 1, 3 in batches of 2: one batch of 2 and one of 1.
        // A random pair holds the 3 with probability 2/3: E[max] = 7/3.
        let data = histogram(3, &[(1, 2), (3, 1)]);
        let result = random_batches(&data, 2).unwrap();
        let expected = 2.0 * 7.0 / 3.0 + 5.0 / 3.0;
        assert!((result.padded_tokens - expected).abs() < 1e-12);
        assert_eq!(result.batches, 2);
    }

    #[test]
    fn quantiles_of_one_length_are_that_length() {
        let levels = [Level {
            length: 4,
            count: 10,
        }];
        let totals = quantile_megabatch_cost(&levels, 10, 7, 3);
        assert_eq!(totals.padded_tokens, 28.0);
    }
}
