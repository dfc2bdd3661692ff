//! The assignment of a file's sequences to a plan's packs, and its check.
//!
//! The module documentation of [`crate::assign`] shows the whole path.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::histogram::{OverlongPolicy, MAX_SUPPORTED_MAX_LEN};
use crate::plan::{PackingPlan, PlanError};
use crate::random::{epoch_seed, SplitMix64};

/// How to assign sequences to the plan's packs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AssignOptions {
    /// The seed of the shuffles: the same seed gives the same assignment.
    pub seed: u64,
    /// The training epoch. Each epoch draws its own shuffles from
    /// `(seed, epoch)`: which same-length sequences share packs, and the
    /// order of the packs.
    pub epoch: u32,
    /// Put the packs in a random order. Otherwise they follow the plan:
    /// the most frequent composition first, so that packs of one shape
    /// come together (for a loader that shuffles them itself).
    pub shuffle_packs: bool,
    /// What happens to sequences longer than the plan's `max_len`: the
    /// policy the plan's histogram was built with.
    pub overlong: OverlongPolicy,
}

impl Default for AssignOptions {
    /// Seed 0, epoch 0, packs shuffled, overlong sequences truncated.
    fn default() -> Self {
        AssignOptions {
            seed: 0,
            epoch: 0,
            shuffle_packs: true,
            overlong: OverlongPolicy::Truncate,
        }
    }
}

/// Which sequences go into which pack.
///
/// Invariants, as [`assign`] makes it (and [`validate_assignment`]
/// checks): `offsets` starts at 0, never decreases, and ends at
/// `indices.len()`; `lengths` runs beside `indices`; every sequence index
/// is in exactly one pack or in `dropped`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Assignment {
    /// The row length of every pack.
    pub max_len: u32,
    /// The sequence indices (positions in the input, from 0) of every pack,
    /// pack after pack; within a pack, longest sequence first.
    pub indices: Vec<u64>,
    /// `lengths[k]` is the tokens sequence `indices[k]` takes in its pack:
    /// its length, or `max_len` when it is truncated. Kept so that writers
    /// need not look every sequence up again.
    pub lengths: Vec<u32>,
    /// Where each pack starts in `indices`, plus the end: pack `p` is
    /// `indices[offsets[p]..offsets[p + 1]]`; `offsets.len()` is the
    /// number of packs plus one.
    pub offsets: Vec<u64>,
    /// The sequences longer than `max_len` left out under
    /// [`OverlongPolicy::Drop`], in increasing order.
    pub dropped: Vec<u64>,
}

impl Assignment {
    /// The number of packs.
    pub fn packs(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// The sequence indices of pack `pack`; `None` past the last pack.
    pub fn pack(&self, pack: usize) -> Option<&[u64]> {
        self.indices.get(self.bounds(pack)?)
    }

    /// The tokens each sequence of pack `pack` takes in it, beside
    /// [`Assignment::pack`]; `None` past the last pack.
    pub fn pack_lengths(&self, pack: usize) -> Option<&[u32]> {
        self.lengths.get(self.bounds(pack)?)
    }

    /// Where pack `pack` lies in `indices` and `lengths`.
    fn bounds(&self, pack: usize) -> Option<std::ops::Range<usize>> {
        let start = usize::try_from(*self.offsets.get(pack)?).ok()?;
        let end = usize::try_from(*self.offsets.get(pack.checked_add(1)?)?).ok()?;
        Some(start..end)
    }

    /// Every pack's sequence indices, in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u64]> + '_ {
        (0..self.packs()).map_while(|pack| self.pack(pack))
    }

    /// Every pack's lengths, in order, beside [`Assignment::iter`].
    pub fn iter_lengths(&self) -> impl Iterator<Item = &[u32]> + '_ {
        (0..self.packs()).map_while(|pack| self.pack_lengths(pack))
    }
}

/// Why sequences could not be assigned to a plan.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AssignError {
    /// A sequence without tokens.
    #[error(
        "sequence {index} has length 0. Remove empty sequences before packing: \
         they carry no tokens"
    )]
    ZeroLength {
        /// The sequence's index (its position in the input, from 0).
        index: u64,
    },
    /// A sequence longer than `max_len` under [`OverlongPolicy::Error`].
    #[error(
        "sequence {index} has {length} tokens, more than max_len {max_len}. Raise \
         max_len, or truncate or drop long sequences (with the same policy the plan \
         was made with)"
    )]
    Overlong {
        /// The first such sequence.
        index: u64,
        /// Its length.
        length: u32,
        /// The plan's max_len.
        max_len: u32,
    },
    /// A plan whose `max_len` no histogram can have.
    #[error(
        "the plan's max_len {max_len} is above {limit}, the largest Packlab supports. \
         Make the plan again with packlab"
    )]
    MaxLenTooLarge {
        /// The plan's max_len.
        max_len: u32,
        /// The largest supported max_len.
        limit: u32,
    },
    /// A plan that breaks its own limits.
    #[error("the plan is unsound ({0}). Make the plan again with packlab")]
    UnsoundPlan(PlanError),
    /// The plan was made for other lengths.
    #[error(
        "the plan places {planned} sequences of length {length}, but the input holds \
         {available}. A plan fits only the lengths it was made from: pack the histogram \
         of these same lengths, with the same max_len and overlong policy"
    )]
    PlanMismatch {
        /// The length (after the overlong policy).
        length: u32,
        /// Slots of that length in the plan.
        planned: u128,
        /// Sequences of that length in the input.
        available: u64,
    },
    /// A block's first ranks that are not one count per length.
    #[error(
        "the block's first ranks hold {ranks} counts, but the plan's max_len is {max_len}: \
         give one count per length 1..=max_len, the sequences of each length in the blocks \
         before this one"
    )]
    RanksMismatch {
        /// The counts given.
        ranks: usize,
        /// The plan's max_len.
        max_len: u32,
    },
}

/// Why an assignment is unsound.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UnsoundAssignment {
    /// The assignment was made for another row length.
    #[error("the assignment is for max_len {assignment}, the check for max_len {expected}")]
    MaxLenMismatch {
        /// The assignment's max_len.
        assignment: u32,
        /// The max_len checked against.
        expected: u32,
    },
    /// `lengths` and `indices` of different sizes.
    #[error("the assignment has {lengths} lengths for {indices} indices; it needs one each")]
    LengthsNotBesideIndices {
        /// The size of `lengths`.
        lengths: usize,
        /// The size of `indices`.
        indices: usize,
    },
    /// A recorded length that is not the sequence's.
    #[error(
        "sequence {index} is recorded with {recorded} tokens, but takes {expected} \
         (its length, cut to max_len)"
    )]
    WrongLength {
        /// The sequence.
        index: u64,
        /// Its length in `lengths`.
        recorded: u32,
        /// Its length, cut to max_len.
        expected: u32,
    },
    /// Offsets that do not cut `indices` into packs.
    #[error(
        "the offsets do not cut the indices into packs at pack {pack}: they must \
         start at 0, never decrease, and end at the number of indices"
    )]
    BadOffsets {
        /// The first pack whose bounds are wrong.
        pack: usize,
    },
    /// A pack without sequences.
    #[error("pack {pack} holds no sequence")]
    EmptyPack {
        /// The pack.
        pack: usize,
    },
    /// An index past the last sequence.
    #[error("sequence index {index} is out of range: there are {sequences} sequences")]
    IndexOutOfRange {
        /// The index.
        index: u64,
        /// The number of sequences.
        sequences: u64,
    },
    /// A sequence placed twice (or placed and dropped).
    #[error("sequence {index} appears more than once")]
    Repeated {
        /// The sequence.
        index: u64,
    },
    /// A sequence neither placed nor dropped.
    #[error("sequence {index} is in no pack and was not dropped")]
    Missing {
        /// The first such sequence.
        index: u64,
    },
    /// A dropped sequence that fits a row.
    #[error("sequence {index} was dropped, but its {length} tokens fit max_len {max_len}")]
    DroppedFits {
        /// The sequence.
        index: u64,
        /// Its length.
        length: u32,
        /// The row length.
        max_len: u32,
    },
    /// A pack over `max_len` tokens.
    #[error("pack {pack} holds {tokens} tokens, more than max_len {max_len}")]
    PackTooLong {
        /// The pack.
        pack: usize,
        /// Its tokens (sequences longer than max_len count as max_len).
        tokens: u64,
        /// The row length.
        max_len: u32,
    },
    /// A pack over `max_per_pack` sequences.
    #[error("pack {pack} holds {sequences} sequences, more than max_per_pack {max_per_pack}")]
    TooManySequences {
        /// The pack.
        pack: usize,
        /// Its sequences.
        sequences: usize,
        /// The limit.
        max_per_pack: u32,
    },
}

/// Assigns the sequences `lengths` (index = position) to the packs of
/// `plan`, which must have been made from the histogram of exactly these
/// lengths at the plan's `max_len`, with the overlong policy of `options`.
///
/// Sequences longer than `max_len` take a slot of length `max_len` when
/// truncated (their index stays; the loader cuts them), and are listed in
/// [`Assignment::dropped`] when dropped.
///
/// How: a counting sort puts the indices of each length in a bucket, in
/// file order; each bucket is shuffled (Fisher–Yates), so that which
/// same-length sequences share a pack is random; the packs, one per plan
/// pack and optionally shuffled, then take their slots from the buckets.
/// Time and memory are linear: besides the result (12 bytes per sequence
/// and 8 per pack), 8 bytes per sequence and 8 per pack while it runs.
///
/// # Errors
///
/// [`AssignError`]: a sequence of length 0; a sequence above `max_len`
/// under [`OverlongPolicy::Error`]; a plan that breaks its limits; or a
/// plan made for other lengths (a length planned more or fewer times than
/// the input holds it).
pub fn assign(
    lengths: &[u32],
    plan: &PackingPlan,
    options: &AssignOptions,
) -> Result<Assignment, AssignError> {
    let max_len = plan.max_len;
    if max_len > MAX_SUPPORTED_MAX_LEN {
        return Err(AssignError::MaxLenTooLarge {
            max_len,
            limit: MAX_SUPPORTED_MAX_LEN,
        });
    }
    check_plan_limits(plan)?;

    // Sequences per length as packed, and the dropped ones.
    let mut available: Vec<u64> = Vec::new();
    let mut dropped = Vec::new();
    for (index, &length) in (0u64..).zip(lengths) {
        let Some(packed) = packed_length(index, length, max_len, options.overlong)? else {
            dropped.push(index);
            continue;
        };
        let slot = packed as usize;
        if slot >= available.len() {
            available.resize(slot + 1, 0);
        }
        if let Some(count) = available.get_mut(slot) {
            *count += 1;
        }
    }
    check_plan_matches(plan, &mut available)?;

    // Bucket `l` of `by_length` is `by_length[bucket_start[l]..bucket_start[l + 1]]`.
    let mut bucket_start: Vec<usize> = Vec::with_capacity(available.len() + 1);
    let mut total = 0usize;
    for &count in &available {
        bucket_start.push(total);
        // Lossless: the counts add up to at most `lengths.len()`.
        total += count as usize;
    }
    bucket_start.push(total);
    let mut next_in_bucket = bucket_start.clone();
    let mut by_length = vec![0u64; total];
    for (index, &length) in (0u64..).zip(lengths) {
        if let Ok(Some(packed)) = packed_length(index, length, max_len, options.overlong) {
            if let Some(next) = next_in_bucket.get_mut(packed as usize) {
                if let Some(slot) = by_length.get_mut(*next) {
                    *slot = index;
                }
                *next += 1;
            }
        }
    }

    let mut random = SplitMix64::for_epoch(options.seed, options.epoch);
    for bucket in bucket_start.windows(2) {
        if let [start, end] = *bucket {
            if let Some(members) = by_length.get_mut(start..end) {
                random.shuffle(members);
            }
        }
    }

    // One entry per pack: the plan group it takes its composition from.
    // The demand check above bounds the number of packs by the sequences.
    let mut pack_groups: Vec<usize> = Vec::with_capacity(total.min(plan.packs() as usize));
    for (group_index, group) in plan.groups.iter().enumerate() {
        pack_groups.extend(std::iter::repeat_n(group_index, group.count as usize));
    }
    if options.shuffle_packs {
        random.shuffle(&mut pack_groups);
    }

    let mut next_in_bucket = bucket_start;
    let mut indices = Vec::with_capacity(total);
    let mut packed_lengths = Vec::with_capacity(total);
    let mut offsets = Vec::with_capacity(pack_groups.len() + 1);
    offsets.push(0u64);
    for group_index in pack_groups {
        let Some(group) = plan.groups.get(group_index) else {
            continue;
        };
        for &length in &group.lengths {
            // The demand check makes every bucket hold exactly the
            // sequences its slots take, so neither lookup can miss.
            if let Some(next) = next_in_bucket.get_mut(length as usize) {
                if let Some(&index) = by_length.get(*next) {
                    indices.push(index);
                    packed_lengths.push(length);
                }
                *next += 1;
            }
        }
        offsets.push(indices.len() as u64);
    }
    Ok(Assignment {
        max_len,
        indices,
        lengths: packed_lengths,
        offsets,
        dropped,
    })
}

/// The length a sequence takes in a pack under `policy`: its own, or
/// `max_len` when truncated; `None` when dropped.
pub(super) fn packed_length(
    index: u64,
    length: u32,
    max_len: u32,
    policy: OverlongPolicy,
) -> Result<Option<u32>, AssignError> {
    if length == 0 {
        return Err(AssignError::ZeroLength { index });
    }
    if length <= max_len {
        return Ok(Some(length));
    }
    match policy {
        OverlongPolicy::Truncate => Ok(Some(max_len)),
        OverlongPolicy::Drop => Ok(None),
        OverlongPolicy::Error => Err(AssignError::Overlong {
            index,
            length,
            max_len,
        }),
    }
}

/// The checks of [`crate::validate`] that need no histogram: each group
/// non-empty, within `max_len` tokens and `max_per_pack` sequences.
pub(super) fn check_plan_limits(plan: &PackingPlan) -> Result<(), AssignError> {
    for (index, group) in plan.groups.iter().enumerate() {
        let error = if group.count == 0 || group.lengths.is_empty() {
            Some(PlanError::EmptyGroup {
                group: index,
                count: group.count,
                sequences: group.lengths.len(),
            })
        } else if let Some(&length) = group
            .lengths
            .iter()
            .find(|&&length| length == 0 || length > plan.max_len)
        {
            Some(PlanError::LengthOutOfRange {
                group: index,
                length,
                max_len: plan.max_len,
            })
        } else if group.tokens() > u64::from(plan.max_len) {
            Some(PlanError::PackTooLong {
                group: index,
                tokens: group.tokens(),
                max_len: plan.max_len,
            })
        } else {
            plan.max_per_pack
                .filter(|&limit| group.lengths.len() > limit as usize)
                .map(|limit| PlanError::TooManySequences {
                    group: index,
                    sequences: group.lengths.len(),
                    max_per_pack: limit,
                })
        };
        if let Some(error) = error {
            return Err(AssignError::UnsoundPlan(error));
        }
    }
    Ok(())
}

/// Checks that the plan has exactly `available[l]` slots of each length
/// `l`. Extends `available` with zeros up to the plan's longest length.
fn check_plan_matches(plan: &PackingPlan, available: &mut Vec<u64>) -> Result<(), AssignError> {
    let longest_planned = plan
        .groups
        .iter()
        .flat_map(|group| group.lengths.iter().copied())
        .max()
        .unwrap_or(0);
    if longest_planned as usize >= available.len() {
        available.resize(longest_planned as usize + 1, 0);
    }
    // u128: a u64 count times a pack's sequences cannot overflow it.
    let mut planned = vec![0u128; available.len()];
    for group in &plan.groups {
        for &length in &group.lengths {
            if let Some(slots) = planned.get_mut(length as usize) {
                *slots += u128::from(group.count);
            }
        }
    }
    for (length, (&planned, &available)) in (0u32..).zip(planned.iter().zip(available.iter())) {
        if planned != u128::from(available) {
            return Err(AssignError::PlanMismatch {
                length,
                planned,
                available,
            });
        }
    }
    Ok(())
}

/// Checks that `assignment` places every sequence of `lengths` exactly
/// once (or lists it as dropped, which only a sequence longer than
/// `max_len` may be), with no pack over `max_len` tokens nor over
/// `max_per_pack` sequences. A sequence longer than `max_len` counts as
/// `max_len` tokens: it is truncated.
///
/// Packlab runs this before writing any assignment, so a wrong one is an
/// error a user sees, never a wrong training set.
///
/// # Errors
///
/// The first problem found, as an [`UnsoundAssignment`].
pub fn validate_assignment(
    lengths: &[u32],
    max_len: u32,
    max_per_pack: Option<u32>,
    assignment: &Assignment,
) -> Result<(), UnsoundAssignment> {
    if assignment.max_len != max_len {
        return Err(UnsoundAssignment::MaxLenMismatch {
            assignment: assignment.max_len,
            expected: max_len,
        });
    }
    if assignment.lengths.len() != assignment.indices.len() {
        return Err(UnsoundAssignment::LengthsNotBesideIndices {
            lengths: assignment.lengths.len(),
            indices: assignment.indices.len(),
        });
    }
    check_offsets(assignment)?;
    let sequences = lengths.len() as u64;
    let mut seen = SeenSet::new(lengths.len());
    let length_of = |index: u64| {
        usize::try_from(index)
            .ok()
            .and_then(|at| lengths.get(at))
            .copied()
            .ok_or(UnsoundAssignment::IndexOutOfRange { index, sequences })
    };
    for (pack, (members, recorded_lengths)) in
        assignment.iter().zip(assignment.iter_lengths()).enumerate()
    {
        if let Some(limit) = max_per_pack {
            if members.len() > limit as usize {
                return Err(UnsoundAssignment::TooManySequences {
                    pack,
                    sequences: members.len(),
                    max_per_pack: limit,
                });
            }
        }
        let mut tokens: u64 = 0;
        for (&index, &recorded) in members.iter().zip(recorded_lengths) {
            let length = length_of(index)?;
            if !seen.insert(index) {
                return Err(UnsoundAssignment::Repeated { index });
            }
            let expected = length.min(max_len);
            if recorded != expected {
                return Err(UnsoundAssignment::WrongLength {
                    index,
                    recorded,
                    expected,
                });
            }
            tokens = tokens.saturating_add(u64::from(expected));
        }
        if tokens > u64::from(max_len) {
            return Err(UnsoundAssignment::PackTooLong {
                pack,
                tokens,
                max_len,
            });
        }
    }
    for &index in &assignment.dropped {
        let length = length_of(index)?;
        if length <= max_len {
            return Err(UnsoundAssignment::DroppedFits {
                index,
                length,
                max_len,
            });
        }
        if !seen.insert(index) {
            return Err(UnsoundAssignment::Repeated { index });
        }
    }
    match seen.first_missing() {
        Some(index) => Err(UnsoundAssignment::Missing { index }),
        None => Ok(()),
    }
}

/// Offsets from 0 to `indices.len()`, strictly increasing (every pack
/// holds a sequence).
fn check_offsets(assignment: &Assignment) -> Result<(), UnsoundAssignment> {
    if assignment.offsets.first() != Some(&0) {
        return Err(UnsoundAssignment::BadOffsets { pack: 0 });
    }
    for (pack, bounds) in assignment.offsets.windows(2).enumerate() {
        if let [start, end] = *bounds {
            if end < start {
                return Err(UnsoundAssignment::BadOffsets { pack });
            }
            if end == start {
                return Err(UnsoundAssignment::EmptyPack { pack });
            }
        }
    }
    if assignment.offsets.last() != Some(&(assignment.indices.len() as u64)) {
        return Err(UnsoundAssignment::BadOffsets {
            pack: assignment.packs(),
        });
    }
    Ok(())
}

/// One bit per sequence: placed yet or not.
struct SeenSet {
    words: Vec<u64>,
    sequences: usize,
}

impl SeenSet {
    fn new(sequences: usize) -> Self {
        SeenSet {
            words: vec![0; sequences.div_ceil(64)],
            sequences,
        }
    }

    /// Marks `index`; false if it was marked already (or is out of range).
    fn insert(&mut self, index: u64) -> bool {
        let Some(word) = usize::try_from(index / 64)
            .ok()
            .and_then(|at| self.words.get_mut(at))
        else {
            return false;
        };
        let bit = 1u64 << (index % 64);
        let fresh = *word & bit == 0;
        *word |= bit;
        fresh
    }

    fn first_missing(&self) -> Option<u64> {
        let (word_index, word) = self
            .words
            .iter()
            .enumerate()
            .find(|&(_, &word)| word != u64::MAX)?;
        let index = word_index as u64 * 64 + u64::from(word.trailing_ones());
        (index < self.sequences as u64).then_some(index)
    }
}

/// The shuffles of [`assign`]: SplitMix64 streams per epoch.
impl SplitMix64 {
    /// The stream of one epoch ([`epoch_seed`]).
    fn for_epoch(seed: u64, epoch: u32) -> Self {
        SplitMix64::new(epoch_seed(seed, epoch))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(max_len: u32, groups: &[(&[u32], u64)]) -> PackingPlan {
        PackingPlan::of_groups(max_len, groups)
    }

    #[test]
    fn every_slot_takes_a_sequence_of_its_length() {
        let lengths = [3, 5, 3, 5, 8];
        let plan = plan(8, &[(&[5, 3], 2), (&[8], 1)]);
        let assignment = assign(&lengths, &plan, &AssignOptions::default()).unwrap();
        assert_eq!(assignment.packs(), 3);
        for pack in assignment.iter() {
            let packed: Vec<u32> = pack.iter().map(|&i| lengths[i as usize]).collect();
            assert!(packed == [5, 3] || packed == [8], "{packed:?}");
        }
        validate_assignment(&lengths, 8, None, &assignment).unwrap();
    }

    #[test]
    fn plan_order_without_shuffling() {
        let lengths = [8, 5, 3, 5, 3];
        let plan = plan(8, &[(&[5, 3], 2), (&[8], 1)]);
        let options = AssignOptions {
            shuffle_packs: false,
            ..AssignOptions::default()
        };
        let assignment = assign(&lengths, &plan, &options).unwrap();
        // The most frequent composition first, as in the plan.
        assert_eq!(assignment.pack(2), Some(&[0u64][..]));
        assert_eq!(assignment.offsets, vec![0, 2, 4, 5]);
    }

    #[test]
    fn truncated_and_dropped_sequences() {
        let lengths = [12, 4, 9];
        let truncate = plan(8, &[(&[8], 2), (&[4], 1)]);
        let assignment = assign(&lengths, &truncate, &AssignOptions::default()).unwrap();
        assert!(assignment.dropped.is_empty());
        validate_assignment(&lengths, 8, None, &assignment).unwrap();

        let drop = plan(8, &[(&[4], 1)]);
        let options = AssignOptions {
            overlong: OverlongPolicy::Drop,
            ..AssignOptions::default()
        };
        let assignment = assign(&lengths, &drop, &options).unwrap();
        assert_eq!(assignment.dropped, vec![0, 2]);
        assert_eq!(assignment.indices, vec![1]);
        validate_assignment(&lengths, 8, None, &assignment).unwrap();

        let options = AssignOptions {
            overlong: OverlongPolicy::Error,
            ..AssignOptions::default()
        };
        assert_eq!(
            assign(&lengths, &drop, &options),
            Err(AssignError::Overlong {
                index: 0,
                length: 12,
                max_len: 8
            })
        );
    }

    #[test]
    fn a_plan_for_other_lengths_is_refused() {
        let plan = plan(8, &[(&[5, 3], 1)]);
        assert_eq!(
            assign(&[5, 3, 3], &plan, &AssignOptions::default()),
            Err(AssignError::PlanMismatch {
                length: 3,
                planned: 1,
                available: 2
            })
        );
        assert_eq!(
            assign(&[5], &plan, &AssignOptions::default()),
            Err(AssignError::PlanMismatch {
                length: 3,
                planned: 1,
                available: 0
            })
        );
        assert_eq!(
            assign(&[5, 0], &plan, &AssignOptions::default()),
            Err(AssignError::ZeroLength { index: 1 })
        );
    }

    #[test]
    fn an_unsound_plan_is_refused() {
        let overfull = plan(8, &[(&[5, 5], 1)]);
        assert!(matches!(
            assign(&[5, 5], &overfull, &AssignOptions::default()),
            Err(AssignError::UnsoundPlan(PlanError::PackTooLong { .. }))
        ));
    }

    #[test]
    fn validation_catches_each_fault() {
        let lengths = [4, 4, 9];
        let good = Assignment {
            max_len: 8,
            indices: vec![0, 1, 2],
            lengths: vec![4, 4, 8],
            offsets: vec![0, 2, 3],
            dropped: vec![],
        };
        assert_eq!(validate_assignment(&lengths, 8, Some(2), &good), Ok(()));
        let check = |assignment: Assignment| validate_assignment(&lengths, 8, Some(2), &assignment);
        assert_eq!(
            check(Assignment {
                indices: vec![0, 0, 2],
                ..good.clone()
            }),
            Err(UnsoundAssignment::Repeated { index: 0 })
        );
        assert_eq!(
            check(Assignment {
                lengths: vec![4, 4, 9],
                ..good.clone()
            }),
            Err(UnsoundAssignment::WrongLength {
                index: 2,
                recorded: 9,
                expected: 8
            })
        );
        assert_eq!(
            check(Assignment {
                lengths: vec![4, 4],
                ..good.clone()
            }),
            Err(UnsoundAssignment::LengthsNotBesideIndices {
                lengths: 2,
                indices: 3
            })
        );
        assert_eq!(
            check(Assignment {
                indices: vec![0, 2],
                lengths: vec![4, 8],
                offsets: vec![0, 2],
                ..good.clone()
            }),
            Err(UnsoundAssignment::PackTooLong {
                pack: 0,
                tokens: 12,
                max_len: 8
            })
        );
        assert_eq!(
            check(Assignment {
                indices: vec![0, 2],
                lengths: vec![4, 8],
                offsets: vec![0, 1, 2],
                ..good.clone()
            }),
            Err(UnsoundAssignment::Missing { index: 1 })
        );
        assert_eq!(
            check(Assignment {
                indices: vec![0, 2],
                lengths: vec![4, 8],
                offsets: vec![0, 1, 2],
                dropped: vec![1],
                ..good.clone()
            }),
            Err(UnsoundAssignment::DroppedFits {
                index: 1,
                length: 4,
                max_len: 8
            })
        );
        assert_eq!(
            check(Assignment {
                offsets: vec![0, 2, 2, 3],
                ..good.clone()
            }),
            Err(UnsoundAssignment::EmptyPack { pack: 1 })
        );
        assert_eq!(
            check(Assignment {
                offsets: vec![0, 2],
                ..good.clone()
            }),
            Err(UnsoundAssignment::BadOffsets { pack: 1 })
        );
        assert_eq!(
            check(Assignment {
                indices: vec![0, 1, 7],
                ..good.clone()
            }),
            Err(UnsoundAssignment::IndexOutOfRange {
                index: 7,
                sequences: 3
            })
        );
        assert_eq!(
            validate_assignment(
                &[1, 1, 1],
                8,
                Some(2),
                &Assignment {
                    indices: vec![0, 1, 2],
                    lengths: vec![1, 1, 1],
                    offsets: vec![0, 3],
                    ..good.clone()
                }
            ),
            Err(UnsoundAssignment::TooManySequences {
                pack: 0,
                sequences: 3,
                max_per_pack: 2
            })
        );
    }

    #[test]
    fn shuffles_are_uniform_enough() {
        // All 6 orders of 3 items, each about 1/6 of 60,000 draws.
        let mut random = SplitMix64::for_epoch(7, 0);
        let mut seen = std::collections::BTreeMap::new();
        for _ in 0..60_000 {
            let mut items = [0u8, 1, 2];
            random.shuffle(&mut items);
            *seen.entry(items).or_insert(0u32) += 1;
        }
        assert_eq!(seen.len(), 6);
        assert!(
            seen.values().all(|&n| (9_500..10_500).contains(&n)),
            "{seen:?}"
        );
    }

    #[test]
    fn epochs_start_apart() {
        let first = SplitMix64::for_epoch(0, 0).next_u64();
        let second = SplitMix64::for_epoch(0, 1).next_u64();
        let other_seed = SplitMix64::for_epoch(1, 0).next_u64();
        assert_ne!(first, second);
        assert_ne!(first, other_seed);
    }
}
