//! Choosing max_len: the same data packed at several row lengths.
//!
//! A longer row wastes less at its end and truncates nothing, but costs
//! more per row (and attention grows with its square); a shorter one cuts
//! long sequences. A sweep over candidate lengths puts the trade-off side
//! by side: for each length and algorithm, the efficiency and packs, the
//! tokens a whole epoch computes, and what the overlong policy cost.

use serde::{Deserialize, Serialize};

use crate::algorithms::{pack_with, Algorithm, MaxPerPack, PackError, PackOptions};
use crate::histogram::{
    Histogram, HistogramError, LengthCounts, OverlongPolicy, MAX_SUPPORTED_MAX_LEN,
};
use crate::report::Report;

/// The shortest power of two offered as a candidate.
const SHORTEST_CANDIDATE: u32 = 64;

/// At most this many powers of two are offered, the longest ones kept.
const MOST_POWERS_OF_TWO: usize = 8;

/// Why a row length is a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidateReason {
    /// The row length the user chose.
    Current,
    /// A power of two, as models are usually configured.
    PowerOfTwo,
    /// The 90th percentile of the lengths: 10% of sequences are longer.
    P90,
    /// The 99th percentile of the lengths: 1% of sequences are longer.
    P99,
    /// The longest sequence: nothing is truncated.
    Longest,
    /// Asked for by the caller.
    Requested,
}

impl CandidateReason {
    /// The name used in JSON and tables.
    pub fn name(self) -> &'static str {
        match self {
            CandidateReason::Current => "current",
            CandidateReason::PowerOfTwo => "power of two",
            CandidateReason::P90 => "p90",
            CandidateReason::P99 => "p99",
            CandidateReason::Longest => "longest",
            CandidateReason::Requested => "requested",
        }
    }
}

/// A row length to try, with why it is offered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// The row length.
    pub max_len: u32,
    /// Why it is offered (several reasons can name the same length).
    pub reasons: Vec<CandidateReason>,
}

/// One algorithm at one row length.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaxLenResult {
    /// The algorithm.
    pub algorithm: Algorithm,
    /// Rows needed.
    pub packs: u64,
    /// Real tokens kept / (packs × max_len).
    pub efficiency: f64,
    /// Sequences / packs at this row length.
    pub speedup: f64,
    /// Tokens an epoch computes: packs × max_len.
    pub row_tokens: u64,
    /// `row_tokens` over what no packing at the current max_len computes:
    /// below 1 is cheaper than the user's padded baseline.
    pub relative_compute: f64,
    /// Time the algorithm took, as measured by the caller's clock.
    pub runtime_ms: f64,
}

/// Everything at one row length.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaxLenPoint {
    /// The row length and why it is offered.
    #[serde(flatten)]
    pub candidate: Candidate,
    /// Sequences longer than this row length (truncated or dropped).
    pub overlong_sequences: u64,
    /// Their share of all sequences.
    pub overlong_fraction: f64,
    /// Tokens the overlong policy loses at this row length.
    pub tokens_lost: u64,
    /// Their share of all tokens.
    pub tokens_lost_fraction: f64,
    /// One result per algorithm, in request order.
    pub results: Vec<MaxLenResult>,
}

/// Why a sweep failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MaxLenSweepError {
    /// A histogram at one of the row lengths could not be built.
    #[error("at max_len {max_len}: {source}")]
    Histogram {
        /// The row length.
        max_len: u32,
        /// What went wrong.
        source: HistogramError,
    },
    /// An algorithm failed at one of the row lengths.
    #[error("at max_len {max_len}: {source}")]
    Pack {
        /// The row length.
        max_len: u32,
        /// What went wrong.
        source: PackError,
    },
}

/// The row lengths worth comparing for `counts` when the user chose
/// `current`: the current one, the 90th and 99th percentiles and the
/// longest sequence, and the powers of two from 64 up to the first one
/// that holds every sequence (the longest eight of them), plus `extra`.
/// Ascending, each once, none above [`MAX_SUPPORTED_MAX_LEN`].
#[inline(never)] // See "Inlining" in the docs of `crate::analysis`.
pub fn candidates(counts: &LengthCounts, current: u32, extra: &[u32]) -> Vec<Candidate> {
    let mut found: Vec<(u32, CandidateReason)> = Vec::new();
    let mut offer = |max_len: u64, reason: CandidateReason| {
        if let Ok(max_len) = u32::try_from(max_len) {
            if (1..=MAX_SUPPORTED_MAX_LEN).contains(&max_len) {
                found.push((max_len, reason));
            }
        }
    };
    offer(u64::from(current), CandidateReason::Current);
    for &max_len in extra {
        offer(u64::from(max_len), CandidateReason::Requested);
    }
    if let Some(longest) = counts.longest() {
        let longest = longest.min(u64::from(MAX_SUPPORTED_MAX_LEN));
        offer(longest, CandidateReason::Longest);
        let (p90, p99) = percentiles(counts);
        offer(p90, CandidateReason::P90);
        offer(p99, CandidateReason::P99);
        let top = longest.next_power_of_two();
        let mut powers = Vec::new();
        let mut power = u64::from(SHORTEST_CANDIDATE);
        while power <= top {
            powers.push(power);
            power *= 2;
        }
        let skip = powers.len().saturating_sub(MOST_POWERS_OF_TWO);
        for power in powers.into_iter().skip(skip) {
            offer(power, CandidateReason::PowerOfTwo);
        }
    }
    // Unstable is exact here: equal candidates are indistinguishable.
    found.sort_unstable();
    let mut merged: Vec<Candidate> = Vec::new();
    for (max_len, reason) in found {
        match merged.last_mut() {
            Some(last) if last.max_len == max_len => {
                if !last.reasons.contains(&reason) {
                    last.reasons.push(reason);
                }
            }
            _ => merged.push(Candidate {
                max_len,
                reasons: vec![reason],
            }),
        }
    }
    merged
}

/// The 90th and 99th percentiles by nearest rank (as [`crate::LengthSummary`]).
fn percentiles(counts: &LengthCounts) -> (u64, u64) {
    let total: u128 = counts.iter().map(|(_, count)| u128::from(count)).sum();
    let rank = |percent: u128| (total * percent).div_ceil(100).max(1);
    let (rank_90, rank_99) = (rank(90), rank(99));
    let (mut p90, mut p99) = (0, 0);
    let mut seen: u128 = 0;
    for (length, count) in counts.iter() {
        seen += u128::from(count);
        if p90 == 0 && seen >= rank_90 {
            p90 = length;
        }
        if p99 == 0 && seen >= rank_99 {
            p99 = length;
            break;
        }
    }
    (p90, p99)
}

/// Packs `counts` at each candidate row length with each algorithm, at
/// the limit `max_per_pack` sets for it. Sequences longer than a row
/// length are handled by `policy`, except that `error` counts as
/// `truncate` here: refusing every short candidate would hide the very
/// trade-off the sweep shows. `current` is the user's row length, the
/// baseline of `relative_compute`. NNLSHP solves afresh at each length
/// (a cache holds one histogram's solutions, which other row lengths would
/// evict).
///
/// # Errors
///
/// [`MaxLenSweepError`] when a histogram cannot be built (e.g. every
/// sequence dropped at a short row length) or an algorithm fails.
#[inline(never)] // See "Inlining" in the docs of `crate::analysis`.
pub fn sweep_max_len(
    counts: &LengthCounts,
    candidates: &[Candidate],
    current: u32,
    policy: OverlongPolicy,
    algorithms: &[Algorithm],
    max_per_pack: MaxPerPack,
    clock: &dyn Fn() -> f64,
) -> Result<Vec<MaxLenPoint>, MaxLenSweepError> {
    let policy = match policy {
        OverlongPolicy::Error => OverlongPolicy::Truncate,
        other => other,
    };
    let all_sequences: u64 = counts
        .iter()
        .map(|(_, count)| count)
        .fold(0, u64::saturating_add);
    let all_tokens: u64 = counts
        .iter()
        .map(|(length, count)| length.saturating_mul(count))
        .fold(0, u64::saturating_add);
    // No packing at the user's row length: what they would compute today.
    let baseline =
        {
            let (histogram, _) = Histogram::from_counts(counts, u64::from(current), policy)
                .map_err(|source| MaxLenSweepError::Histogram {
                    max_len: current,
                    source,
                })?;
            histogram.sequences() as f64 * f64::from(current)
        };
    let share = |part: u64, whole: u64| {
        if whole == 0 {
            0.0
        } else {
            part as f64 / whole as f64
        }
    };

    let mut points = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        let max_len = candidate.max_len;
        let (histogram, overlong) = Histogram::from_counts(counts, u64::from(max_len), policy)
            .map_err(|source| MaxLenSweepError::Histogram { max_len, source })?;
        let mut results = Vec::with_capacity(algorithms.len());
        for &algorithm in algorithms {
            let started = clock();
            let options = PackOptions {
                max_per_pack: max_per_pack.for_algorithm(algorithm),
                bucket_tokens: None,
            };
            let plan = pack_with(&histogram, algorithm, &options)
                .map_err(|source| MaxLenSweepError::Pack { max_len, source })?;
            let report = Report::new(algorithm, &histogram, &plan, clock() - started);
            let row_tokens = report.packs.saturating_mul(u64::from(max_len));
            results.push(MaxLenResult {
                algorithm,
                packs: report.packs,
                efficiency: report.efficiency,
                speedup: report.speedup,
                row_tokens,
                relative_compute: if baseline > 0.0 {
                    row_tokens as f64 / baseline
                } else {
                    0.0
                },
                runtime_ms: report.runtime_ms,
            });
        }
        points.push(MaxLenPoint {
            candidate: candidate.clone(),
            overlong_sequences: overlong.sequences,
            overlong_fraction: share(overlong.sequences, all_sequences),
            tokens_lost: overlong.tokens_lost,
            tokens_lost_fraction: share(overlong.tokens_lost, all_tokens),
            results,
        });
    }
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(pairs: &[(u64, u64)]) -> LengthCounts {
        let mut counts = LengthCounts::new();
        for &(length, count) in pairs {
            counts.add(length, count).unwrap();
        }
        counts
    }

    #[test]
    fn candidates_name_percentiles_powers_and_the_current_length() {
        // 90 sequences of 100 tokens, 9 of 300, 1 of 1000.
        let counts = counts(&[(100, 90), (300, 9), (1000, 1)]);
        let found = candidates(&counts, 512, &[]);
        let lengths: Vec<u32> = found.iter().map(|c| c.max_len).collect();
        assert_eq!(lengths, vec![64, 100, 128, 256, 300, 512, 1000, 1024]);
        let reasons = |max_len: u32| {
            found
                .iter()
                .find(|c| c.max_len == max_len)
                .unwrap()
                .reasons
                .clone()
        };
        assert_eq!(reasons(100), vec![CandidateReason::P90]);
        assert_eq!(reasons(300), vec![CandidateReason::P99]);
        assert_eq!(
            reasons(512),
            vec![CandidateReason::Current, CandidateReason::PowerOfTwo]
        );
        assert_eq!(reasons(1000), vec![CandidateReason::Longest]);
    }

    #[test]
    fn only_the_longest_powers_of_two_are_kept() {
        let counts = counts(&[(1, 1), (1 << 20, 1)]);
        let powers: Vec<u32> = candidates(&counts, 1 << 20, &[])
            .into_iter()
            .filter(|c| c.reasons.contains(&CandidateReason::PowerOfTwo))
            .map(|c| c.max_len)
            .collect();
        assert_eq!(powers.len(), MOST_POWERS_OF_TWO);
        assert_eq!(powers.last(), Some(&(1 << 20)));
    }
}
