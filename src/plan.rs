//! Packing plans, and the check that a plan is sound.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::histogram::Histogram;

/// Identical packs: a composition (the lengths of the sequences in one
/// pack) and how many packs have it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PackGroup {
    /// Lengths of the sequences in each pack, longest first. Real sequences
    /// only: the rest of the row up to `max_len` is padding.
    pub lengths: Vec<u32>,
    /// How many packs have exactly these lengths (≥ 1).
    pub count: u64,
}

impl PackGroup {
    /// Tokens of real sequences in one pack of this group.
    pub fn tokens(&self) -> u64 {
        self.lengths.iter().map(|&length| u64::from(length)).sum()
    }
}

/// How a histogram's sequences go into rows of `max_len` tokens: pack
/// compositions with repeat counts.
///
/// A sound plan (see [`validate`]) holds every sequence of its histogram
/// exactly once, no pack over `max_len` tokens and none over `max_per_pack`
/// sequences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackingPlan {
    /// The row length.
    pub max_len: u32,
    /// The most sequences a pack may hold; `None` for no limit.
    pub max_per_pack: Option<u32>,
    /// The packs, most frequent composition first.
    pub groups: Vec<PackGroup>,
    /// Set when the plan was computed on lengths grouped into buckets
    /// (NNLSHP, or the optimal packer's LP, at large max_len); absent
    /// otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucketing: Option<Bucketing>,
    /// Set on the optimal packer's plans: how near the best plan it is
    /// known to be; absent for the other algorithms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimality: Option<Optimality>,
}

/// How NNLSHP or the optimal packer grouped lengths into buckets to stay
/// fast at large max_len.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucketing {
    /// Tokens per bucket: lengths `(u − 1) × bucket_tokens + 1 ..= u × bucket_tokens`
    /// share bucket `u` and are planned as if `u × bucket_tokens` long.
    pub bucket_tokens: u32,
    /// Tokens the rounding up to bucket sizes set aside in the planned
    /// packs, before leftover sequences filled what they could of them: an
    /// upper bound on the padding bucketing added.
    pub slack_tokens: u64,
}

/// The most length buckets Packlab plans on when it chooses their width
/// itself: the least-squares problem behind NNLSHP and the cutting-stock
/// LP keep a row per bucket, and each costs about the square of that.
pub const MAX_AUTOMATIC_BUCKETS: u32 = 512;

/// The bucket width, in tokens, that Packlab chooses for rows of `max_len`
/// tokens when the user sets none: 1 (every length planned exactly) up to
/// [`MAX_AUTOMATIC_BUCKETS`] tokens, then the narrowest width that keeps
/// that many buckets.
pub fn automatic_bucket_tokens(max_len: u32) -> u32 {
    max_len.div_ceil(MAX_AUTOMATIC_BUCKETS).max(1)
}

/// What the optimal packer knows of its plan: the fewest packs any plan
/// could use, whether the plan reaches that, and whose plan it is.
///
/// The optimal packer rounds the cutting-stock LP's solution. When that
/// plan misses the LP bound, it also asks the other packers at the same
/// setting and keeps the plan with fewest packs, so that it never shows
/// more packs than another algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Optimality {
    /// No plan of this histogram at this max_per_pack uses fewer packs:
    /// the cutting-stock LP bound (see
    /// [`crate::cutting_stock::LpBound::lower_bound_packs`]).
    pub lower_bound_packs: u64,
    /// True when the plan uses exactly `lower_bound_packs` packs: no plan
    /// uses fewer, so it is optimal. When false, the best plan may use up
    /// to `packs − lower_bound_packs` fewer packs than this one (it often
    /// needs the bound exactly, rarely one pack more).
    pub proven_optimal: bool,
    /// True when the LP was solved far enough that its optimum, rounded up,
    /// is known: no higher bound can come from it. False when column
    /// generation stopped early; the bound may then be lower than the LP's,
    /// and the plan nearer the best than the gap says.
    pub lp_bound_exact: bool,
    /// The packer whose plan was kept.
    pub plan_from: PlanOrigin,
}

/// The packer behind an optimal packer's plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanOrigin {
    /// The LP's solution, rounded and completed by best fit.
    LpRounding,
    /// LPFHP, which the LP starts from and keeps when no worse than the
    /// rounding.
    Lpfhp,
    /// SPFHP: the rounding missed the bound and SPFHP used fewer packs.
    Spfhp,
    /// Best-fit decreasing: the rounding missed the bound and BFD used
    /// fewer packs.
    Bfd,
    /// NNLSHP: the rounding missed the bound and NNLSHP used fewer packs.
    Nnlshp,
}

impl PackingPlan {
    /// A plan from pack groups in any order and with repeated compositions:
    /// lengths are sorted longest first, identical compositions merged and
    /// the groups sorted by count (most frequent first), then by lengths, so
    /// that equal plans compare equal.
    #[inline(never)] // See "Inlining" in the docs of `crate::analysis`.
    pub fn from_groups(
        max_len: u32,
        max_per_pack: Option<u32>,
        groups: impl IntoIterator<Item = PackGroup>,
    ) -> Self {
        let mut sorted: Vec<PackGroup> = groups
            .into_iter()
            .filter(|group| group.count > 0 && !group.lengths.is_empty())
            .map(|mut group| {
                sort_longest_first(&mut group.lengths);
                group
            })
            .collect();
        // Sorting brings identical compositions together; merging neighbours
        // is cheaper than hashing every composition.
        sorted.sort_unstable_by(|a, b| a.lengths.cmp(&b.lengths));
        let mut groups: Vec<PackGroup> = Vec::with_capacity(sorted.len());
        for group in sorted {
            match groups.last_mut() {
                Some(last) if last.lengths == group.lengths => {
                    last.count = last.count.saturating_add(group.count);
                }
                _ => groups.push(group),
            }
        }
        groups.sort_by_key(|group| std::cmp::Reverse(group.count));
        PackingPlan {
            max_len,
            max_per_pack,
            groups,
            bucketing: None,
            optimality: None,
        }
    }

    /// The number of packs (rows of `max_len` tokens).
    pub fn packs(&self) -> u64 {
        self.groups.iter().map(|group| group.count).sum()
    }

    /// The most sequences any pack holds; 0 for a plan without packs.
    pub fn most_sequences_in_a_pack(&self) -> usize {
        self.groups
            .iter()
            .map(|group| group.lengths.len())
            .max()
            .unwrap_or(0)
    }
}

/// Puts lengths in the order packs list them, longest first.
///
/// The packers share this (and [`sort_longest_first_with_counts`]) rather
/// than each sorting with a closure of its own: every distinct sort call
/// compiles to its own copy of the standard library's sort, several
/// kilobytes each in the page's WebAssembly module.
pub(crate) fn sort_longest_first(lengths: &mut [u32]) {
    // Equal integers are indistinguishable, so ascending then reversed is
    // the descending order, and shares the ascending sort's code.
    lengths.sort_unstable();
    lengths.reverse();
}

/// Orders `(length, count)` pairs longest first (lengths are distinct).
pub(crate) fn sort_longest_first_with_counts(pairs: &mut [(u32, u64)]) {
    pairs.sort_unstable_by_key(|&(length, _)| std::cmp::Reverse(length));
}

/// Why a plan is unsound.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PlanError {
    /// The plan was made for another row length.
    #[error("the plan is for max_len {plan}, the histogram for max_len {histogram}")]
    MaxLenMismatch {
        /// The plan's max_len.
        plan: u32,
        /// The histogram's max_len.
        histogram: u32,
    },
    /// A group holds no packs or no sequences.
    #[error("pack group {group} is empty (count {count}, {sequences} sequences)")]
    EmptyGroup {
        /// Index of the group in the plan.
        group: usize,
        /// Its count.
        count: u64,
        /// Its number of sequences.
        sequences: usize,
    },
    /// A pack holds a sequence of length 0 or above max_len.
    #[error("pack group {group} holds a sequence of length {length}, outside 1..={max_len}")]
    LengthOutOfRange {
        /// Index of the group in the plan.
        group: usize,
        /// The offending length.
        length: u32,
        /// The plan's max_len.
        max_len: u32,
    },
    /// A pack holds more tokens than a row.
    #[error("pack group {group} holds {tokens} tokens, more than max_len {max_len}")]
    PackTooLong {
        /// Index of the group in the plan.
        group: usize,
        /// Tokens in one of its packs.
        tokens: u64,
        /// The plan's max_len.
        max_len: u32,
    },
    /// A pack holds more sequences than allowed.
    #[error(
        "pack group {group} holds {sequences} sequences, more than max_per_pack {max_per_pack}"
    )]
    TooManySequences {
        /// Index of the group in the plan.
        group: usize,
        /// Sequences in one of its packs.
        sequences: usize,
        /// The limit.
        max_per_pack: u32,
    },
    /// The plan places a length more or fewer times than the histogram holds it.
    #[error(
        "the plan places {planned} sequences of length {length}, the histogram holds {expected}"
    )]
    CountMismatch {
        /// The length.
        length: u32,
        /// Sequences of that length in the plan.
        planned: u128,
        /// Sequences of that length in the histogram.
        expected: u64,
    },
}

/// Checks that `plan` holds every sequence of `histogram` exactly once, no
/// pack over `max_len` tokens and none over `max_per_pack` sequences.
///
/// Every algorithm's output goes through this check before Packlab reports
/// it, so a wrong plan is an error a user sees, never a wrong figure.
#[inline(never)] // See "Inlining" in the docs of `crate::analysis`.
pub fn validate(plan: &PackingPlan, histogram: &Histogram) -> Result<(), PlanError> {
    let max_len = histogram.max_len();
    if plan.max_len != max_len {
        return Err(PlanError::MaxLenMismatch {
            plan: plan.max_len,
            histogram: max_len,
        });
    }
    // u128: a u64 count times a pack's sequences cannot overflow it.
    let mut placed = vec![0u128; max_len as usize];
    for (index, group) in plan.groups.iter().enumerate() {
        if group.count == 0 || group.lengths.is_empty() {
            return Err(PlanError::EmptyGroup {
                group: index,
                count: group.count,
                sequences: group.lengths.len(),
            });
        }
        if let Some(limit) = plan.max_per_pack {
            if group.lengths.len() > limit as usize {
                return Err(PlanError::TooManySequences {
                    group: index,
                    sequences: group.lengths.len(),
                    max_per_pack: limit,
                });
            }
        }
        let mut tokens: u64 = 0;
        for &length in &group.lengths {
            if length == 0 || length > max_len {
                return Err(PlanError::LengthOutOfRange {
                    group: index,
                    length,
                    max_len,
                });
            }
            tokens = tokens.saturating_add(u64::from(length));
            placed[length as usize - 1] += u128::from(group.count);
        }
        if tokens > u64::from(max_len) {
            return Err(PlanError::PackTooLong {
                group: index,
                tokens,
                max_len,
            });
        }
    }
    for (index, (&planned, &expected)) in placed.iter().zip(histogram.counts()).enumerate() {
        if planned != u128::from(expected) {
            return Err(PlanError::CountMismatch {
                length: index as u32 + 1,
                planned,
                expected,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
impl PackingPlan {
    /// A plan without a limit of sequences per pack, from `(lengths, count)`
    /// pairs: the tests' shorthand.
    pub(crate) fn of_groups(max_len: u32, groups: &[(&[u32], u64)]) -> Self {
        PackingPlan::from_groups(
            max_len,
            None,
            groups.iter().map(|&(lengths, count)| PackGroup {
                lengths: lengths.to_vec(),
                count,
            }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram(counts: &[u64]) -> Histogram {
        Histogram::from_dense(counts.to_vec()).unwrap()
    }

    fn group(lengths: &[u32], count: u64) -> PackGroup {
        PackGroup {
            lengths: lengths.to_vec(),
            count,
        }
    }

    #[test]
    fn sound_plan_passes() {
        // Lengths 1, 2, 2, 3 at max_len 4: [3, 1] and [2, 2].
        let plan = PackingPlan::from_groups(4, Some(2), [group(&[1, 3], 1), group(&[2, 2], 1)]);
        assert_eq!(validate(&plan, &histogram(&[1, 2, 1, 0])), Ok(()));
        assert_eq!(plan.groups[0].lengths, vec![2, 2]);
        assert_eq!(plan.packs(), 2);
    }

    #[test]
    fn identical_compositions_merge() {
        let plan = PackingPlan::from_groups(8, None, [group(&[3, 5], 2), group(&[5, 3], 3)]);
        assert_eq!(plan.groups, vec![group(&[5, 3], 5)]);
    }

    #[test]
    fn missing_sequence_is_caught() {
        let plan = PackingPlan::from_groups(4, None, [group(&[3, 1], 1)]);
        assert_eq!(
            validate(&plan, &histogram(&[1, 1, 1, 0])),
            Err(PlanError::CountMismatch {
                length: 2,
                planned: 0,
                expected: 1
            })
        );
    }

    #[test]
    fn overfull_pack_is_caught() {
        let plan = PackingPlan::from_groups(4, None, [group(&[3, 2], 1)]);
        assert!(matches!(
            validate(&plan, &histogram(&[0, 1, 1, 0])),
            Err(PlanError::PackTooLong { tokens: 5, .. })
        ));
    }

    #[test]
    fn too_many_sequences_is_caught() {
        let plan = PackingPlan::from_groups(4, Some(2), [group(&[1, 1, 1], 1)]);
        assert!(matches!(
            validate(&plan, &histogram(&[3, 0, 0, 0])),
            Err(PlanError::TooManySequences { sequences: 3, .. })
        ));
    }

    #[test]
    fn length_outside_range_is_caught() {
        let plan = PackingPlan {
            max_len: 4,
            max_per_pack: None,
            groups: vec![group(&[0, 4], 1)],
            bucketing: None,
            optimality: None,
        };
        assert!(matches!(
            validate(&plan, &histogram(&[0, 0, 0, 1])),
            Err(PlanError::LengthOutOfRange { length: 0, .. })
        ));
    }
}
