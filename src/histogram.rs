//! Sequence lengths as counts per length.
//!
//! Packlab never keeps the individual lengths of a dataset: everything it
//! computes follows from how many sequences there are of each length. Reading
//! input fills a [`LengthCounts`], which holds lengths as they were read, of
//! any size. Choosing a `max_len` and an [`OverlongPolicy`] turns it into a
//! [`Histogram`], the input of every packing algorithm.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::numbers::thousands;

/// Lengths below this are counted in a dense table; longer ones (rare, and
/// always overlong for any practical `max_len`) in a sorted map, so one
/// absurd length cannot make Packlab allocate gigabytes.
const DENSE_LENGTH_LIMIT: u64 = 1 << 20;

/// The largest `max_len` Packlab accepts: 4,194,304 tokens, far beyond any
/// context window in use, and small enough that a histogram of that size
/// (32 MiB of counts) fits in a browser tab.
pub const MAX_SUPPORTED_MAX_LEN: u32 = 1 << 22;

/// Counts of sequence lengths exactly as read, before any `max_len` applies.
///
/// Lengths are at least 1: readers reject zero-length sequences before they
/// get here. Several inputs merge by adding their counts ([`LengthCounts::merge`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LengthCounts {
    /// `dense[length]` counts sequences of that length, for lengths below
    /// [`DENSE_LENGTH_LIMIT`]; index 0 is unused. Grows on demand.
    dense: Vec<u64>,
    /// Counts of lengths at or above [`DENSE_LENGTH_LIMIT`].
    sparse: BTreeMap<u64, u64>,
    /// The largest `max_len` declared by a dense histogram input, if any.
    declared_max_len: Option<u32>,
}

/// A count that no longer fits in 64 bits.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "the number of sequences of length {length} exceeds 2^64 - 1; \
     a histogram this large cannot be real: check that counts were not added twice"
)]
pub struct CountOverflow {
    /// The length whose count overflowed.
    pub length: u64,
}

impl LengthCounts {
    /// An empty set of counts.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one sequence of `length` tokens (`length` ≥ 1).
    #[inline]
    pub fn add_one(&mut self, length: u64) -> Result<(), CountOverflow> {
        self.add(length, 1)
    }

    /// Counts `count` sequences of `length` tokens (`length` ≥ 1).
    pub fn add(&mut self, length: u64, count: u64) -> Result<(), CountOverflow> {
        debug_assert!(length >= 1, "readers reject zero-length sequences");
        if count == 0 {
            return Ok(());
        }
        let slot = if length < DENSE_LENGTH_LIMIT {
            // Lossless: length < 2^20.
            let index = length as usize;
            if index >= self.dense.len() {
                self.dense.resize(index + 1, 0);
            }
            &mut self.dense[index]
        } else {
            self.sparse.entry(length).or_insert(0)
        };
        *slot = slot.checked_add(count).ok_or(CountOverflow { length })?;
        Ok(())
    }

    /// Records that an input declared this `max_len` (a dense histogram does).
    /// With several inputs, the largest declaration wins.
    pub fn declare_max_len(&mut self, max_len: u32) {
        self.declared_max_len = Some(self.declared_max_len.map_or(max_len, |m| m.max(max_len)));
    }

    /// The largest `max_len` declared by any merged input.
    pub fn declared_max_len(&self) -> Option<u32> {
        self.declared_max_len
    }

    /// Adds every count of `other` to these counts.
    pub fn merge(&mut self, other: &LengthCounts) -> Result<(), CountOverflow> {
        for (length, count) in other.iter() {
            self.add(length, count)?;
        }
        if let Some(max_len) = other.declared_max_len {
            self.declare_max_len(max_len);
        }
        Ok(())
    }

    /// `(length, count)` pairs with a non-zero count, shortest first.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        let dense = self
            .dense
            .iter()
            .enumerate()
            .filter(|&(_, &count)| count > 0)
            .map(|(length, &count)| (length as u64, count));
        dense.chain(self.sparse.iter().map(|(&length, &count)| (length, count)))
    }

    /// True when no sequence was counted.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// The longest length counted.
    pub fn longest(&self) -> Option<u64> {
        if let Some((&length, _)) = self.sparse.iter().next_back() {
            return Some(length);
        }
        self.dense
            .iter()
            .rposition(|&count| count > 0)
            .map(|length| length as u64)
    }

    /// The `max_len` to use when the user gives none: the declared one of a
    /// dense histogram, otherwise the longest sequence.
    pub fn default_max_len(&self) -> Option<u64> {
        self.declared_max_len
            .map(u64::from)
            .or_else(|| self.longest())
    }

    /// Summary statistics of the lengths, and how many lie above `max_len`.
    #[inline(never)] // See "Inlining" in the docs of `crate::analysis`.
    pub fn summary(&self, max_len: u32) -> Result<LengthSummary, HistogramError> {
        LengthSummary::from_counts(self, max_len)
    }
}

/// What to do with sequences longer than `max_len`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum OverlongPolicy {
    /// Count them as sequences of exactly `max_len` tokens; the tokens past
    /// `max_len` are lost and reported.
    #[default]
    Truncate,
    /// Leave them out; the sequences and tokens dropped are reported.
    Drop,
    /// Refuse the input.
    Error,
}

impl OverlongPolicy {
    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            OverlongPolicy::Truncate => "truncate",
            OverlongPolicy::Drop => "drop",
            OverlongPolicy::Error => "error",
        }
    }
}

impl fmt::Display for OverlongPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for OverlongPolicy {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "truncate" => Ok(OverlongPolicy::Truncate),
            "drop" => Ok(OverlongPolicy::Drop),
            "error" => Ok(OverlongPolicy::Error),
            other => Err(format!(
                "unknown overlong policy `{other}`: use truncate, drop or error"
            )),
        }
    }
}

/// Why a histogram could not be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HistogramError {
    /// No sequences were read.
    #[error("the input holds no sequences: give at least one sequence length")]
    Empty,
    /// Every sequence was longer than `max_len` and the policy dropped them all.
    #[error(
        "all {} sequences are longer than max_len {} and were dropped: \
         raise --max-len or use --overlong truncate",
        thousands(*dropped), thousands(u64::from(*max_len))
    )]
    AllDropped {
        /// The maximum length in use.
        max_len: u32,
        /// How many sequences were dropped.
        dropped: u64,
    },
    /// `max_len` is zero.
    #[error("max_len must be at least 1 token")]
    ZeroMaxLen,
    /// `max_len` is beyond what Packlab supports.
    #[error(
        "max_len {max_len} is larger than Packlab supports ({limit}); \
         choose a smaller --max-len (sequences above it follow --overlong)"
    )]
    MaxLenTooLarge {
        /// The requested maximum length.
        max_len: u64,
        /// The supported limit.
        limit: u32,
    },
    /// Sequences above `max_len` under [`OverlongPolicy::Error`].
    #[error(
        "{} sequences are longer than max_len {} (the longest has {} tokens): \
         raise --max-len, or use --overlong truncate or --overlong drop",
        thousands(*count), thousands(u64::from(*max_len)), thousands(*longest)
    )]
    Overlong {
        /// The maximum length in use.
        max_len: u32,
        /// How many sequences are longer.
        count: u64,
        /// The longest sequence.
        longest: u64,
    },
    /// A total does not fit in 64 bits.
    #[error(
        "the dataset's {what} exceed 2^64 - 1; a histogram this large cannot be real: \
         check the counts for a unit error (bytes instead of sequences?)"
    )]
    TotalOverflow {
        /// Which total overflowed: "sequences", "tokens" or "padded tokens".
        what: &'static str,
    },
    /// A count overflowed while merging.
    #[error(transparent)]
    CountOverflow(#[from] CountOverflow),
}

/// How many sequences a policy changed, and the tokens lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OverlongOutcome {
    /// The policy applied.
    pub policy: OverlongPolicy,
    /// Sequences longer than `max_len`.
    pub sequences: u64,
    /// Tokens of the input lost by the policy: the part past `max_len`
    /// when truncating, whole sequences when dropping.
    pub tokens_lost: u64,
}

/// Counts of sequences per length `1..=max_len`: what every packing
/// algorithm takes.
///
/// Invariants, checked on construction: `max_len` ≥ 1, at least one
/// sequence, and the totals (sequences, tokens, and `sequences × max_len`)
/// fit in 64 bits, so metrics computed from it never overflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram {
    /// The row length every pack must fit in.
    max_len: u32,
    /// `counts[i]` is the number of sequences of length `i + 1`;
    /// `counts.len() == max_len`.
    counts: Vec<u64>,
    /// Sum of `counts`.
    sequences: u64,
    /// Sum of `count × length`.
    tokens: u64,
}

impl Histogram {
    /// A histogram from dense counts: `counts[i]` sequences of length `i + 1`,
    /// with `max_len = counts.len()`.
    pub fn from_dense(counts: Vec<u64>) -> Result<Self, HistogramError> {
        let max_len = u32::try_from(counts.len())
            .ok()
            .filter(|&m| m <= MAX_SUPPORTED_MAX_LEN)
            .ok_or(HistogramError::MaxLenTooLarge {
                max_len: counts.len() as u64,
                limit: MAX_SUPPORTED_MAX_LEN,
            })?;
        if max_len == 0 {
            return Err(HistogramError::ZeroMaxLen);
        }
        let mut sequences: u64 = 0;
        let mut tokens: u64 = 0;
        for (index, &count) in counts.iter().enumerate() {
            let length = index as u64 + 1;
            sequences = sequences
                .checked_add(count)
                .ok_or(HistogramError::TotalOverflow { what: "sequences" })?;
            tokens = count
                .checked_mul(length)
                .and_then(|t| tokens.checked_add(t))
                .ok_or(HistogramError::TotalOverflow { what: "tokens" })?;
        }
        if sequences == 0 {
            return Err(HistogramError::Empty);
        }
        sequences
            .checked_mul(u64::from(max_len))
            .ok_or(HistogramError::TotalOverflow {
                what: "padded tokens",
            })?;
        Ok(Histogram {
            max_len,
            counts,
            sequences,
            tokens,
        })
    }

    /// A histogram of `counts` at `max_len`, sequences longer than `max_len`
    /// handled by `policy`. Also returns what the policy changed.
    pub fn from_counts(
        counts: &LengthCounts,
        max_len: u64,
        policy: OverlongPolicy,
    ) -> Result<(Self, OverlongOutcome), HistogramError> {
        let max_len = check_max_len(max_len)?;
        let mut dense = vec![0u64; max_len as usize];
        let mut outcome = OverlongOutcome {
            policy,
            ..OverlongOutcome::default()
        };
        let mut longest = 0;
        for (length, count) in counts.iter() {
            if length <= u64::from(max_len) {
                // Lossless: 1 ≤ length ≤ max_len ≤ 2^22.
                dense[length as usize - 1] = count;
                continue;
            }
            longest = length;
            outcome.sequences = outcome
                .sequences
                .checked_add(count)
                .ok_or(HistogramError::TotalOverflow { what: "sequences" })?;
            let lost_per_sequence = match policy {
                OverlongPolicy::Truncate => length - u64::from(max_len),
                OverlongPolicy::Drop | OverlongPolicy::Error => length,
            };
            // Saturating: the figure is only reported, and saturation at
            // 2^64 - 1 tokens cannot mislead anyone about a real dataset.
            outcome.tokens_lost = outcome
                .tokens_lost
                .saturating_add(lost_per_sequence.saturating_mul(count));
            if policy == OverlongPolicy::Truncate {
                let top = &mut dense[max_len as usize - 1];
                *top = top.checked_add(count).ok_or(CountOverflow {
                    length: u64::from(max_len),
                })?;
            }
        }
        if counts.is_empty() {
            return Err(HistogramError::Empty);
        }
        if policy == OverlongPolicy::Error && outcome.sequences > 0 {
            return Err(HistogramError::Overlong {
                max_len,
                count: outcome.sequences,
                longest,
            });
        }
        let histogram = Histogram::from_dense(dense).map_err(|error| match error {
            HistogramError::Empty => HistogramError::AllDropped {
                max_len,
                dropped: outcome.sequences,
            },
            other => other,
        })?;
        Ok((histogram, outcome))
    }

    /// The row length every pack must fit in.
    pub fn max_len(&self) -> u32 {
        self.max_len
    }

    /// `counts()[i]` is the number of sequences of length `i + 1`.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// The number of sequences of `length` tokens (0 outside `1..=max_len`).
    pub fn count(&self, length: u32) -> u64 {
        if length == 0 {
            return 0;
        }
        self.counts.get(length as usize - 1).copied().unwrap_or(0)
    }

    /// Total number of sequences.
    pub fn sequences(&self) -> u64 {
        self.sequences
    }

    /// Total number of real (non-padding) tokens.
    pub fn tokens(&self) -> u64 {
        self.tokens
    }

    /// `(length, count)` for every length with sequences, longest first:
    /// the order in which the greedy packers place them.
    pub fn longest_first(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .rev()
            .filter(|&(_, &count)| count > 0)
            .map(|(index, &count)| (index as u32 + 1, count))
    }
}

fn check_max_len(max_len: u64) -> Result<u32, HistogramError> {
    if max_len == 0 {
        return Err(HistogramError::ZeroMaxLen);
    }
    u32::try_from(max_len)
        .ok()
        .filter(|&m| m <= MAX_SUPPORTED_MAX_LEN)
        .ok_or(HistogramError::MaxLenTooLarge {
            max_len,
            limit: MAX_SUPPORTED_MAX_LEN,
        })
}

/// Summary statistics of sequence lengths as read (before any policy), and
/// how many lie above `max_len`.
///
/// Percentiles use the nearest-rank definition: the p-th percentile is the
/// shortest length such that at least p% of the sequences are no longer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LengthSummary {
    /// Number of sequences.
    pub sequences: u64,
    /// Number of tokens (saturates at 2^64 - 1).
    pub tokens: u64,
    /// Shortest length.
    pub min: u64,
    /// Mean length.
    pub mean: f64,
    /// Median length (50th percentile).
    pub median: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// Longest length.
    pub max: u64,
    /// The `max_len` the overlong figures refer to.
    pub max_len: u32,
    /// Sequences longer than `max_len`.
    pub overlong_sequences: u64,
    /// Tokens of those sequences past `max_len` (what truncation loses).
    pub overlong_excess_tokens: u64,
    /// All tokens of those sequences (what dropping them loses).
    pub overlong_tokens: u64,
}

impl LengthSummary {
    fn from_counts(counts: &LengthCounts, max_len: u32) -> Result<Self, HistogramError> {
        if max_len == 0 {
            return Err(HistogramError::ZeroMaxLen);
        }
        let mut sequences: u64 = 0;
        let mut tokens: u128 = 0;
        let mut overlong_sequences: u64 = 0;
        let mut overlong_excess_tokens: u128 = 0;
        let mut overlong_tokens: u128 = 0;
        for (length, count) in counts.iter() {
            sequences = sequences
                .checked_add(count)
                .ok_or(HistogramError::TotalOverflow { what: "sequences" })?;
            let all = u128::from(length) * u128::from(count);
            tokens += all;
            if length > u64::from(max_len) {
                overlong_sequences += count;
                overlong_tokens += all;
                overlong_excess_tokens +=
                    u128::from(length - u64::from(max_len)) * u128::from(count);
            }
        }
        if sequences == 0 {
            return Err(HistogramError::Empty);
        }
        let nearest_rank = |percent: u64| -> u64 {
            // The rank (1-based) of the p-th percentile: ceil(p × N / 100).
            let rank = (u128::from(sequences) * u128::from(percent))
                .div_ceil(100)
                .max(1);
            let mut seen: u128 = 0;
            for (length, count) in counts.iter() {
                seen += u128::from(count);
                if seen >= rank {
                    return length;
                }
            }
            0
        };
        let saturate = |value: u128| u64::try_from(value).unwrap_or(u64::MAX);
        Ok(LengthSummary {
            sequences,
            tokens: saturate(tokens),
            min: counts.iter().next().map_or(0, |(length, _)| length),
            mean: tokens as f64 / sequences as f64,
            median: nearest_rank(50),
            p90: nearest_rank(90),
            p99: nearest_rank(99),
            max: counts.longest().unwrap_or(0),
            max_len,
            overlong_sequences,
            overlong_excess_tokens: saturate(overlong_excess_tokens),
            overlong_tokens: saturate(overlong_tokens),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts_of(lengths: &[u64]) -> LengthCounts {
        let mut counts = LengthCounts::new();
        for &length in lengths {
            counts.add_one(length).unwrap();
        }
        counts
    }

    #[test]
    fn dense_and_sparse_lengths_iterate_in_order() {
        let counts = counts_of(&[5, DENSE_LENGTH_LIMIT + 7, 3, 5]);
        let pairs: Vec<_> = counts.iter().collect();
        assert_eq!(pairs, vec![(3, 1), (5, 2), (DENSE_LENGTH_LIMIT + 7, 1)]);
        assert_eq!(counts.longest(), Some(DENSE_LENGTH_LIMIT + 7));
    }

    #[test]
    fn count_overflow_is_an_error() {
        let mut counts = LengthCounts::new();
        counts.add(4, u64::MAX).unwrap();
        assert_eq!(counts.add(4, 1), Err(CountOverflow { length: 4 }));
    }

    #[test]
    fn truncate_moves_overlong_sequences_to_max_len() {
        let counts = counts_of(&[2, 4, 9, 12]);
        let (histogram, outcome) =
            Histogram::from_counts(&counts, 4, OverlongPolicy::Truncate).unwrap();
        assert_eq!(histogram.counts(), &[0, 1, 0, 3]);
        assert_eq!(outcome.sequences, 2);
        assert_eq!(outcome.tokens_lost, 5 + 8);
    }

    #[test]
    fn drop_leaves_overlong_sequences_out() {
        let counts = counts_of(&[2, 4, 9, 12]);
        let (histogram, outcome) =
            Histogram::from_counts(&counts, 4, OverlongPolicy::Drop).unwrap();
        assert_eq!(histogram.counts(), &[0, 1, 0, 1]);
        assert_eq!(outcome.tokens_lost, 21);
    }

    #[test]
    fn error_policy_names_the_longest() {
        let counts = counts_of(&[2, 9, 12]);
        let error = Histogram::from_counts(&counts, 4, OverlongPolicy::Error).unwrap_err();
        assert_eq!(
            error,
            HistogramError::Overlong {
                max_len: 4,
                count: 2,
                longest: 12
            }
        );
    }

    #[test]
    fn dropping_everything_is_reported() {
        let counts = counts_of(&[9, 12]);
        let error = Histogram::from_counts(&counts, 4, OverlongPolicy::Drop).unwrap_err();
        assert_eq!(
            error,
            HistogramError::AllDropped {
                max_len: 4,
                dropped: 2
            }
        );
    }

    #[test]
    fn token_total_overflow_is_an_error() {
        let error = Histogram::from_dense(vec![0, u64::MAX / 2 + 1]).unwrap_err();
        assert_eq!(error, HistogramError::TotalOverflow { what: "tokens" });
    }

    #[test]
    fn nearest_rank_percentiles() {
        // 1..=100, one each: the p-th percentile is p.
        let counts = counts_of(&(1..=100).collect::<Vec<_>>());
        let summary = counts.summary(50).unwrap();
        assert_eq!((summary.median, summary.p90, summary.p99), (50, 90, 99));
        assert_eq!((summary.min, summary.max), (1, 100));
        assert_eq!(summary.mean, 50.5);
        assert_eq!(summary.overlong_sequences, 50);
        // Lengths 51..=100 lose 1..=50 tokens each when truncated.
        assert_eq!(summary.overlong_excess_tokens, 50 * 51 / 2);
    }

    #[test]
    fn declared_max_len_takes_the_largest() {
        let mut first = counts_of(&[3]);
        first.declare_max_len(128);
        let mut second = counts_of(&[7]);
        second.declare_max_len(512);
        first.merge(&second).unwrap();
        assert_eq!(first.declared_max_len(), Some(512));
        assert_eq!(first.default_max_len(), Some(512));
        assert_eq!(first.iter().collect::<Vec<_>>(), vec![(3, 1), (7, 1)]);
    }
}
