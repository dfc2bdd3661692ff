//! Where a sequence goes, from its length and its rank among the
//! sequences of that length alone: the assignment of a dataset split in
//! blocks over several machines (Ray Data, Spark).
//!
//! A plan's packs hold slots of each length: `[300, 150, 62] × 1,200` has
//! 1,200 slots of length 300. [`PackSlots`] numbers the slots of each
//! length and, given the `r`-th sequence of length `l` in dataset order,
//! says which pack and which place in it that sequence takes, with
//! arithmetic on the plan's groups alone: nothing the size of the dataset
//! is built. So [`place_block`] places each block on its own, knowing only
//! how many sequences of each length came before it (`first_ranks`), and
//! however the dataset is cut into blocks, every sequence gets the same
//! place.
//!
//! Which same-length sequences share a pack, and the order of the packs,
//! are keyed permutations ([`KeyedPermutation`]) drawn from the seed and
//! the epoch: random-looking, the same on every machine, and computed for
//! one sequence without the others.
//!
//! The plan, and so the number of packs and their compositions, is the one
//! [`assign`] fills; which sequences of one length share a pack differs,
//! since [`assign`] shuffles each length's sequences as a whole (faster
//! when they are all in memory).
//!
//! [`assign`]: super::assign

use std::ops::Range;

use super::assignment::{packed_length, AssignError, AssignOptions};
use crate::histogram::OverlongPolicy;
use crate::plan::PackingPlan;
use crate::random::{epoch_seed, mix, KeyedPermutation};

/// Where one sequence goes: a pack, and its place in the pack (from 0,
/// longest sequence first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// The pack, in the assignment's order (shuffled or the plan's).
    pub pack: u64,
    /// The sequence's place among the pack's sequences.
    pub position: u32,
}

/// The slots of a plan, by length, with the permutations of one seed and
/// epoch. See the module documentation.
#[derive(Debug, Clone)]
pub struct PackSlots {
    max_len: u32,
    /// `lookup[l]`: the index in `lengths` of length `l`'s slots, or
    /// [`PackSlots::NO_SLOTS`].
    lookup: Vec<u32>,
    lengths: Vec<LengthSlots>,
    /// Every length's runs of slots, one per group that holds the length.
    runs: Vec<SlotRun>,
    packs: u64,
    /// The order of the packs, when they are shuffled.
    pack_order: Option<KeyedPermutation>,
}

/// The slots of one length.
#[derive(Debug, Clone)]
struct LengthSlots {
    /// How many there are: the sequences of that length.
    slots: u64,
    /// Which slot the sequence of each rank takes.
    order: KeyedPermutation,
    /// Its runs, in `PackSlots::runs`, by first slot.
    runs: Range<usize>,
}

/// The slots of one length in the packs of one group: `packs × per_pack`
/// slots, numbered from `first_slot`, pack after pack.
#[derive(Debug, Clone, Copy)]
struct SlotRun {
    first_slot: u64,
    /// The group's first pack, in plan order.
    first_pack: u64,
    /// Slots of the length in each pack of the group.
    per_pack: u32,
    /// The place of the length's first slot in each pack.
    first_position: u32,
}

impl PackSlots {
    const NO_SLOTS: u32 = u32::MAX;

    /// The slots of `plan`, with the permutations of `options`' seed and
    /// epoch (and the pack order, when it shuffles packs).
    ///
    /// # Errors
    ///
    /// [`AssignError::UnsoundPlan`] for a plan that breaks its own limits,
    /// [`AssignError::MaxLenTooLarge`] for a max_len no histogram can have.
    pub fn new(plan: &PackingPlan, options: &AssignOptions) -> Result<Self, AssignError> {
        super::assignment::check_plan_limits(plan)?;
        let max_len = plan.max_len;
        let base = epoch_key(options.seed, options.epoch);

        // Slot runs per length, gathered group by group in plan order.
        let mut runs_of: Vec<Vec<SlotRun>> = vec![Vec::new(); max_len as usize + 1];
        let mut slots_of = vec![0u64; max_len as usize + 1];
        let mut first_pack = 0u64;
        for group in &plan.groups {
            let mut composition = group.lengths.clone();
            composition.sort_unstable_by(|a, b| b.cmp(a));
            let mut position = 0usize;
            while let Some(&length) = composition.get(position) {
                let per_pack = composition[position..]
                    .iter()
                    .take_while(|&&other| other == length)
                    .count();
                // `check_plan_limits` bounds every length by max_len.
                if let (Some(runs), Some(slots)) = (
                    runs_of.get_mut(length as usize),
                    slots_of.get_mut(length as usize),
                ) {
                    runs.push(SlotRun {
                        first_slot: *slots,
                        first_pack,
                        per_pack: per_pack as u32,
                        first_position: position as u32,
                    });
                    *slots = slots.saturating_add(group.count.saturating_mul(per_pack as u64));
                }
                position += per_pack;
            }
            first_pack = first_pack.saturating_add(group.count);
        }

        let mut lookup = vec![Self::NO_SLOTS; max_len as usize + 1];
        let mut lengths = Vec::new();
        let mut runs = Vec::new();
        for (length, (length_runs, slots)) in runs_of.into_iter().zip(slots_of).enumerate() {
            if length_runs.is_empty() {
                continue;
            }
            if let Some(entry) = lookup.get_mut(length) {
                *entry = lengths.len() as u32;
            }
            let start = runs.len();
            runs.extend(length_runs);
            lengths.push(LengthSlots {
                slots,
                order: KeyedPermutation::new(slots, mix(base ^ mix(length as u64))),
                runs: start..runs.len(),
            });
        }
        let pack_order = options
            .shuffle_packs
            .then(|| KeyedPermutation::new(first_pack, mix(base ^ PACK_ORDER_KEY)));
        Ok(PackSlots {
            max_len,
            lookup,
            lengths,
            runs,
            packs: first_pack,
            pack_order,
        })
    }

    /// The number of packs.
    pub fn packs(&self) -> u64 {
        self.packs
    }

    /// The plan's row length.
    pub fn max_len(&self) -> u32 {
        self.max_len
    }

    /// The slots of length `length`: how many sequences of that length the
    /// plan places (0 for a length it has no slot of).
    pub fn slots(&self, length: u32) -> u64 {
        self.length_slots(length).map_or(0, |slots| slots.slots)
    }

    /// Where the `rank`-th sequence of length `length` (counted from 0, in
    /// dataset order, after the overlong policy) goes; `None` when the
    /// plan has no such slot.
    pub fn place(&self, length: u32, rank: u64) -> Option<Place> {
        let (pack, position) = self.place_in_plan_order(length, rank)?;
        Some(Place {
            pack: self.pack_in_order(pack),
            position,
        })
    }

    /// Pack `pack` of the plan's order (groups in plan order), in the
    /// assignment's order.
    fn pack_in_order(&self, pack: u64) -> u64 {
        self.pack_order
            .as_ref()
            .map_or(pack, |order| order.apply(pack))
    }

    /// [`PackSlots::place`], with the pack in the plan's order.
    fn place_in_plan_order(&self, length: u32, rank: u64) -> Option<(u64, u32)> {
        let slots = self.length_slots(length)?;
        if rank >= slots.slots {
            return None;
        }
        let slot = slots.order.apply(rank);
        let runs = self.runs.get(slots.runs.clone())?;
        // The last run that starts at or before the slot holds it.
        let run = runs.get(
            runs.partition_point(|run| run.first_slot <= slot)
                .checked_sub(1)?,
        )?;
        let within = slot - run.first_slot;
        let per_pack = u64::from(run.per_pack);
        // Lossless: `within % per_pack` is below a pack's sequences, a u32.
        Some((
            run.first_pack + within / per_pack,
            run.first_position + (within % per_pack) as u32,
        ))
    }

    fn length_slots(&self, length: u32) -> Option<&LengthSlots> {
        let index = *self.lookup.get(length as usize)?;
        self.lengths.get(index as usize)
    }
}

/// Places the sequences of one block of a dataset split in blocks, whose
/// every block is placed with the same [`PackSlots`]: `block_lengths` in
/// the block's order, and `first_ranks[l − 1]` the sequences of packed
/// length `l` in the blocks before this one (as a dense histogram of
/// `max_len` counts; the overlong policy applied, as the plan's histogram
/// had it). Returns one place per sequence, `None` for a sequence the
/// overlong policy drops.
///
/// Over all blocks, in order, the places are those of the whole dataset
/// placed as one block: pack `p` holds the sequences whose place has
/// `pack == p`, in the order of their `position`.
///
/// # Errors
///
/// [`AssignError`]: a sequence of length 0, or over max_len under
/// [`OverlongPolicy::Error`] (its index within the block); a
/// [`AssignError::PlanMismatch`] when a length has more sequences than the
/// plan has slots (counted with `first_ranks`), or `first_ranks` is not
/// `max_len` long.
pub fn place_block(
    slots: &PackSlots,
    block_lengths: &[u32],
    first_ranks: &[u64],
    overlong: OverlongPolicy,
) -> Result<Vec<Option<Place>>, AssignError> {
    let max_len = slots.max_len;
    if first_ranks.len() != max_len as usize {
        return Err(AssignError::RanksMismatch {
            ranks: first_ranks.len(),
            max_len,
        });
    }
    let mut next_rank = first_ranks.to_vec();
    let mut places = Vec::with_capacity(block_lengths.len());
    for (index, &length) in (0u64..).zip(block_lengths) {
        let Some(packed) = packed_length(index, length, max_len, overlong)? else {
            places.push(None);
            continue;
        };
        let Some(rank) = next_rank.get_mut(packed as usize - 1) else {
            continue;
        };
        let place = slots
            .place(packed, *rank)
            .ok_or(AssignError::PlanMismatch {
                length: packed,
                planned: u128::from(slots.slots(packed)),
                available: *rank + 1,
            })?;
        *rank += 1;
        places.push(Some(place));
    }
    Ok(places)
}

/// Separates the pack order's key from every length's.
const PACK_ORDER_KEY: u64 = 0x0DE5_0F9A_C4B5;

/// The key of one epoch's permutations ([`epoch_seed`], mixed once more
/// so that it is not the seed of `assign`'s generator).
fn epoch_key(seed: u64, epoch: u32) -> u64 {
    mix(epoch_seed(seed, epoch))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(max_len: u32, groups: &[(&[u32], u64)]) -> PackingPlan {
        PackingPlan::of_groups(max_len, groups)
    }

    #[test]
    fn every_slot_is_taken_once() {
        let plan = plan(10, &[(&[5, 3, 1, 1], 4), (&[3, 3, 3], 3), (&[10], 2)]);
        for shuffle_packs in [false, true] {
            let options = AssignOptions {
                shuffle_packs,
                ..AssignOptions::default()
            };
            let slots = PackSlots::new(&plan, &options).unwrap();
            assert_eq!(slots.packs(), 9);
            let mut taken = std::collections::BTreeSet::new();
            for (length, count) in [(5, 4), (3, 13), (1, 8), (10, 2)] {
                assert_eq!(slots.slots(length), count);
                for rank in 0..count {
                    let place = slots.place(length, rank).unwrap();
                    assert!(place.pack < 9);
                    assert!(taken.insert((place.pack, place.position)));
                }
                assert_eq!(slots.place(length, count), None);
            }
            assert_eq!(slots.slots(4), 0);
            assert_eq!(slots.place(4, 0), None);
            assert_eq!(taken.len(), 27);
        }
    }

    #[test]
    fn places_follow_the_composition_longest_first() {
        let plan = plan(10, &[(&[1, 5, 1, 3], 2)]);
        let slots = PackSlots::new(&plan, &AssignOptions::default()).unwrap();
        let position_of = |length, rank| slots.place(length, rank).unwrap().position;
        assert_eq!(position_of(5, 0), 0);
        assert_eq!(position_of(3, 1), 1);
        assert!([2, 3].contains(&position_of(1, 0)));
    }

    #[test]
    fn blocks_need_their_ranks_and_lengths_within_the_plan() {
        let plan = plan(4, &[(&[2, 2], 1)]);
        let slots = PackSlots::new(&plan, &AssignOptions::default()).unwrap();
        assert_eq!(
            place_block(&slots, &[2], &[0, 0], OverlongPolicy::Truncate),
            Err(AssignError::RanksMismatch {
                ranks: 2,
                max_len: 4
            })
        );
        assert_eq!(
            place_block(&slots, &[2], &[0, 2, 0, 0], OverlongPolicy::Truncate),
            Err(AssignError::PlanMismatch {
                length: 2,
                planned: 2,
                available: 3
            })
        );
        let places = place_block(&slots, &[2, 9], &[0, 1, 0, 0], OverlongPolicy::Drop).unwrap();
        assert_eq!(places.len(), 2);
        assert!(places[0].is_some());
        assert_eq!(places[1], None);
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::super::*;
        use crate::assign::{validate_assignment, Assignment};
        use crate::{pack, Algorithm, Histogram};
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]

            /// A dataset cut in blocks anywhere, each block placed on its
            /// own from the counts of the blocks before it, gets the places
            /// of the whole dataset placed as one block; and those places
            /// fill the plan's packs exactly, a sound assignment.
            #[test]
            fn blocks_place_as_the_whole(
                lengths in proptest::collection::vec(1u32..40, 1..300),
                cuts in proptest::collection::vec(0usize..300, 0..6),
                max_len in 20u32..48,
                seed in 0u64..4,
                epoch in 0u32..3,
                shuffle_packs in any::<bool>(),
                drop in any::<bool>(),
            ) {
                let overlong = if drop { OverlongPolicy::Drop } else { OverlongPolicy::Truncate };
                let mut counts = vec![0u64; max_len as usize];
                for &length in &lengths {
                    if length <= max_len || !drop {
                        counts[length.min(max_len) as usize - 1] += 1;
                    }
                }
                prop_assume!(counts.iter().any(|&count| count > 0));
                let histogram = Histogram::from_dense(counts).unwrap();
                let plan = pack(&histogram, Algorithm::Lpfhp, None).unwrap();
                let options = AssignOptions { seed, epoch, shuffle_packs, overlong };
                let slots = PackSlots::new(&plan, &options).unwrap();
                let whole = place_block(&slots, &lengths, &vec![0; max_len as usize], overlong).unwrap();

                let mut bounds: Vec<usize> = cuts.iter().map(|&cut| cut.min(lengths.len())).collect();
                bounds.extend([0, lengths.len()]);
                bounds.sort_unstable();
                let mut first_ranks = vec![0u64; max_len as usize];
                let mut in_blocks = Vec::new();
                for block in bounds.windows(2) {
                    let block_lengths = &lengths[block[0]..block[1]];
                    in_blocks.extend(place_block(&slots, block_lengths, &first_ranks, overlong).unwrap());
                    for &length in block_lengths {
                        if length <= max_len || !drop {
                            first_ranks[length.min(max_len) as usize - 1] += 1;
                        }
                    }
                }
                prop_assert_eq!(&in_blocks, &whole);

                // The places as an assignment: every pack full, sound.
                let packs = slots.packs() as usize;
                let mut members: Vec<Vec<(u32, u64, u32)>> = vec![Vec::new(); packs];
                let mut dropped = Vec::new();
                for (index, (place, &length)) in (0u64..).zip(whole.iter().zip(&lengths)) {
                    match place {
                        Some(place) => members[place.pack as usize].push((place.position, index, length.min(max_len))),
                        None => dropped.push(index),
                    }
                }
                let mut assignment = Assignment { max_len, offsets: vec![0], dropped, ..Assignment::default() };
                for (pack, mut held) in members.into_iter().enumerate() {
                    held.sort_unstable();
                    let positions: Vec<u32> = held.iter().map(|&(position, _, _)| position).collect();
                    prop_assert_eq!(positions, (0..held.len() as u32).collect::<Vec<_>>(), "pack {}", pack);
                    assignment.indices.extend(held.iter().map(|&(_, index, _)| index));
                    assignment.lengths.extend(held.iter().map(|&(_, _, length)| length));
                    assignment.offsets.push(assignment.indices.len() as u64);
                }
                prop_assert_eq!(validate_assignment(&lengths, max_len, None, &assignment), Ok(()));
                // Each pack holds a composition of the plan, as many times as planned.
                let mut compositions = std::collections::BTreeMap::new();
                for packed in assignment.iter_lengths() {
                    *compositions.entry(packed.to_vec()).or_insert(0u64) += 1;
                }
                let planned: std::collections::BTreeMap<Vec<u32>, u64> =
                    plan.groups.iter().map(|group| (group.lengths.clone(), group.count)).collect();
                prop_assert_eq!(compositions, planned);
            }
        }
    }
}
