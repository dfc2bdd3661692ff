//! Completion: from an integer solution to real packs.
//!
//! NNLSHP and the optimal packer both end with an integer solution: planned
//! groups, each a composition in bucket units used a whole number of times.
//! Bucket `u` of width `g` holds the lengths `(u − 1)·g + 1 ..= u·g`, so a
//! slot of bucket `u` may hold any of them and a planned pack stays within
//! `max_len` token by token. Completion turns those groups into packs of
//! real sequences:
//!
//! 1. every slot takes a sequence of its bucket from the bucket's pool,
//!    longest first, so that the shortest are left over, which fit most
//!    easily into the room that remains (see [`SlotFilling`]);
//! 2. the slack is counted: the tokens that rounding lengths up to whole
//!    buckets set aside in the planned packs, and the row's tail beyond its
//!    last whole bucket (0 with exact buckets, `g = 1`);
//! 3. the leftovers (sequences no slot took, including those whose bucket
//!    is too long for any planned pack) are placed longest first by LPFHP,
//!    a best fit: into the room the planned packs left, then into new packs.

use crate::histogram::Histogram;
use crate::plan::{sort_longest_first_with_counts, PackGroup};

use super::greedy::{GreedyPacker, LPFHP};

/// Identical packs of an integer solution, planned in bucket units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlannedGroup {
    /// The composition in bucket units, in the order its slots are filled.
    pub units: Vec<u32>,
    /// How many packs use it (≥ 1).
    pub count: u64,
}

impl PlannedGroup {
    /// Bucket units one pack of the group fills.
    pub(crate) fn filled_units(&self) -> u64 {
        self.units.iter().map(|&unit| u64::from(unit)).sum()
    }
}

/// How the packs of a planned group share the sequences of a bucket. Both
/// rules take the longest first; they differ in which packs get them, which
/// changes plans whenever a bucket holds more than one length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SlotFilling {
    /// Slot after slot (NNLSHP): every pack takes a sequence for its first
    /// slot, the first packs the longest, then for its second slot, and so
    /// on. A bucket's longest sequences spread over the packs.
    SlotBySlot,
    /// A bucket's slots together (the optimal packer): every pack takes as
    /// many copies of the longest length left as all of them can have;
    /// where a length runs short, the packs that got one fill their other
    /// slots of the bucket first. A bucket's longest sequences gather in
    /// the same packs.
    CopiesTogether,
}

/// Real packs, and what completing the integer solution took.
#[derive(Debug)]
pub(crate) struct Completion {
    /// The packs, in no particular order.
    pub groups: Vec<PackGroup>,
    /// Tokens the planned packs set aside by rounding lengths up to whole
    /// buckets (and the row's tail beyond its last whole bucket), before
    /// the leftovers filled what they could of them.
    pub slack_tokens: u64,
    /// Sequences the best-fit finish placed: the leftovers.
    pub finished_sequences: u64,
}

impl Completion {
    /// The number of packs.
    pub(crate) fn packs(&self) -> u64 {
        self.groups.iter().map(|group| group.count).sum()
    }
}

/// The real sequences of each bucket not yet in a pack.
#[derive(Debug, Clone)]
pub(crate) struct BucketPools {
    /// Tokens per bucket, in `1..=max_len`.
    bucket_tokens: u32,
    /// `pools[u − 1]`: the `(length, count)` of bucket `u` left, longest
    /// first; one pool per bucket up to the one holding `max_len`.
    pools: Vec<Vec<(u32, u64)>>,
}

impl BucketPools {
    /// The sequences of `histogram` in buckets of `bucket_tokens` tokens
    /// (clamped to `1..=max_len`).
    pub(crate) fn new(histogram: &Histogram, bucket_tokens: u32) -> Self {
        let bucket_tokens = bucket_tokens.clamp(1, histogram.max_len());
        let buckets = histogram.max_len().div_ceil(bucket_tokens) as usize;
        let mut pools = vec![Vec::new(); buckets];
        for (length, count) in histogram.longest_first() {
            // Lengths are in 1..=max_len, so the bucket exists.
            if let Some(pool) = pools.get_mut(((length - 1) / bucket_tokens) as usize) {
                pool.push((length, count));
            }
        }
        BucketPools {
            bucket_tokens,
            pools,
        }
    }

    /// Sequences in each bucket `1..=units`.
    pub(crate) fn bucket_counts(&self, units: u32) -> Vec<u64> {
        self.pools
            .iter()
            .take(units as usize)
            .map(|pool| pool.iter().map(|&(_, count)| count).sum())
            .collect()
    }

    /// Real packs for `group`, its slots filled as `filling` says. Packs
    /// whose slots got different lengths become separate groups; a slot its
    /// bucket can no longer fill stays empty (an integer solution never
    /// asks a bucket for more than it holds).
    fn fill(&mut self, group: &PlannedGroup, filling: SlotFilling) -> Vec<PackGroup> {
        let mut packs = match filling {
            SlotFilling::SlotBySlot => self.fill_slot_by_slot(group),
            SlotFilling::CopiesTogether => self.fill_copies_together(group),
        };
        packs.retain(|pack| pack.count > 0 && !pack.lengths.is_empty());
        packs
    }

    fn fill_slot_by_slot(&mut self, group: &PlannedGroup) -> Vec<PackGroup> {
        let mut partial = vec![PackGroup {
            lengths: Vec::with_capacity(group.units.len()),
            count: group.count,
        }];
        for &unit in &group.units {
            let Some(pool) = bucket_pool(&mut self.pools, unit) else {
                continue;
            };
            let mut extended = Vec::with_capacity(partial.len());
            for packs in partial {
                let mut wanted = packs.count;
                for entry in pool.iter_mut().filter(|(_, count)| *count > 0) {
                    if wanted == 0 {
                        break;
                    }
                    let taken = entry.1.min(wanted);
                    entry.1 -= taken;
                    wanted -= taken;
                    let mut lengths = packs.lengths.clone();
                    lengths.push(entry.0);
                    extended.push(PackGroup {
                        lengths,
                        count: taken,
                    });
                }
                if wanted > 0 {
                    extended.push(PackGroup {
                        lengths: packs.lengths,
                        count: wanted,
                    });
                }
            }
            partial = extended;
        }
        partial
    }

    fn fill_copies_together(&mut self, group: &PlannedGroup) -> Vec<PackGroup> {
        let mut partial = vec![PackGroup {
            lengths: Vec::with_capacity(group.units.len().min(1 << 16)),
            count: group.count,
        }];
        // Runs of one bucket's slots: the bucket, and its copies per pack.
        let mut runs: Vec<(u32, u64)> = Vec::new();
        for &unit in &group.units {
            match runs.last_mut() {
                Some((last, copies)) if *last == unit => *copies += 1,
                _ => runs.push((unit, 1)),
            }
        }
        for (unit, copies) in runs {
            let Some(pool) = bucket_pool(&mut self.pools, unit) else {
                continue;
            };
            partial = partial
                .into_iter()
                .flat_map(|packs| take_copies(pool, packs, copies))
                .collect();
        }
        partial
    }

    /// The sequences no slot took, longest first.
    fn leftovers(&self) -> Vec<(u32, u64)> {
        let mut left: Vec<(u32, u64)> = self
            .pools
            .iter()
            .flatten()
            .copied()
            .filter(|&(_, count)| count > 0)
            .collect();
        sort_longest_first_with_counts(&mut left);
        left
    }
}

/// The pool of bucket `unit` (from 1).
fn bucket_pool(pools: &mut [Vec<(u32, u64)>], unit: u32) -> Option<&mut Vec<(u32, u64)>> {
    pools.get_mut((unit as usize).checked_sub(1)?)
}

/// Adds `copies` sequences from `pool` to every pack of `packs`, splitting
/// the group where the pool moves on to a shorter length.
fn take_copies(pool: &mut [(u32, u64)], packs: PackGroup, copies: u64) -> Vec<PackGroup> {
    let mut done = Vec::new();
    let mut pending = vec![(packs, copies)];
    while let Some((mut packs, left)) = pending.pop() {
        let entry = pool.iter_mut().find(|(_, available)| *available > 0);
        let (Some(entry), true) = (entry, left > 0 && packs.count > 0) else {
            // Done, or the pool ran dry (which an integer solution never
            // makes it do); the slot then stays empty.
            done.push(packs);
            continue;
        };
        // Copies every pack of the group can take of this length.
        let whole = left.min(entry.1 / packs.count);
        if whole > 0 {
            entry.1 -= whole * packs.count;
            packs
                .lengths
                .extend(std::iter::repeat_n(entry.0, whole as usize));
            pending.push((packs, left - whole));
            continue;
        }
        // Fewer sequences of this length than packs: split the group, and
        // let the packs that got one go on first (the stack's top).
        let served = entry.1;
        entry.1 = 0;
        let mut with = packs.lengths.clone();
        with.push(entry.0);
        pending.push((
            PackGroup {
                lengths: packs.lengths,
                count: packs.count - served,
            },
            left,
        ));
        pending.push((
            PackGroup {
                lengths: with,
                count: served,
            },
            left - 1,
        ));
    }
    done
}

/// Completes an integer solution: fills the slots of the `planned` groups
/// from `pools` as `filling` says, counts the slack, then places the
/// leftovers best-fit in packs of `max_len` tokens holding at most
/// `max_per_pack` sequences (`None`: no limit).
pub(crate) fn complete(
    max_len: u32,
    max_per_pack: Option<u32>,
    mut pools: BucketPools,
    planned: &[PlannedGroup],
    filling: SlotFilling,
) -> Completion {
    let bucket_tokens = pools.bucket_tokens;
    // The row's tokens past its last whole bucket: no slot can use them.
    let row_remainder = u64::from(max_len % bucket_tokens);
    let mut finish = GreedyPacker::new(max_len, max_per_pack, LPFHP);
    let mut slack_tokens: u64 = 0;
    for group in planned {
        let planned_tokens = group.filled_units() * u64::from(bucket_tokens);
        for packs in pools.fill(group, filling) {
            let rounding = planned_tokens.saturating_sub(packs.tokens()) + row_remainder;
            slack_tokens = slack_tokens.saturating_add(rounding.saturating_mul(packs.count));
            finish.add_packs(packs);
        }
    }
    let mut finished_sequences: u64 = 0;
    for (length, count) in pools.leftovers() {
        finished_sequences = finished_sequences.saturating_add(count);
        finish.place(length, count);
    }
    Completion {
        groups: finish.finish(),
        slack_tokens,
        finished_sequences,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sorted `(lengths, count)` pairs.
    fn sorted(groups: Vec<PackGroup>) -> Vec<(Vec<u32>, u64)> {
        let mut pairs: Vec<_> = groups
            .into_iter()
            .map(|group| (group.lengths, group.count))
            .collect();
        pairs.sort();
        pairs
    }

    /// One 8, one 7 and two 6s at max_len 16 in buckets of 8 tokens: all
    /// four share bucket 1.
    fn pools() -> BucketPools {
        let mut counts = vec![0u64; 16];
        counts[7] = 1;
        counts[6] = 1;
        counts[5] = 2;
        BucketPools::new(&Histogram::from_dense(counts).unwrap(), 8)
    }

    #[test]
    fn the_two_rules_share_a_bucket_differently() {
        // Two packs with two slots of bucket 1 each.
        let group = PlannedGroup {
            units: vec![1, 1],
            count: 2,
        };
        let mut slot_by_slot = pools();
        assert_eq!(
            sorted(slot_by_slot.fill(&group, SlotFilling::SlotBySlot)),
            vec![(vec![7, 6], 1), (vec![8, 6], 1)]
        );
        let mut together = pools();
        assert_eq!(
            sorted(together.fill(&group, SlotFilling::CopiesTogether)),
            vec![(vec![6, 6], 1), (vec![8, 7], 1)]
        );
        assert!(together.leftovers().is_empty());
    }

    #[test]
    fn copies_a_bucket_can_give_every_pack_are_taken_together() {
        // Four 8s and four 6s, two packs of three slots: each takes two 8s,
        // then one 6.
        let mut counts = vec![0u64; 16];
        counts[7] = 4;
        counts[5] = 4;
        let mut pools = BucketPools::new(&Histogram::from_dense(counts).unwrap(), 8);
        let group = PlannedGroup {
            units: vec![1, 1, 1],
            count: 2,
        };
        assert_eq!(
            sorted(pools.fill(&group, SlotFilling::CopiesTogether)),
            vec![(vec![8, 8, 6], 2)]
        );
        assert_eq!(pools.leftovers(), vec![(6, 2)]);
    }

    #[test]
    fn leftovers_fill_the_room_planned_packs_leave() {
        // max_len 10, exact buckets: two planned [7] packs and three 3s
        // left over, at most 3 per pack. Two 3s join the 7s (best fit),
        // the third opens a pack.
        let mut counts = vec![0u64; 10];
        counts[6] = 2;
        counts[2] = 3;
        let pools = BucketPools::new(&Histogram::from_dense(counts).unwrap(), 1);
        let planned = [PlannedGroup {
            units: vec![7],
            count: 2,
        }];
        let completion = complete(10, Some(3), pools, &planned, SlotFilling::CopiesTogether);
        assert_eq!(
            sorted(completion.groups),
            vec![(vec![3], 1), (vec![7, 3], 2)]
        );
        assert_eq!(completion.finished_sequences, 3);
        assert_eq!(completion.slack_tokens, 0);
    }

    #[test]
    fn slack_is_what_rounding_up_to_buckets_set_aside() {
        // max_len 10 in buckets of 4: two buckets fit a row, 2 tokens of
        // tail. A planned pack [bucket 2] (8 tokens) holding a 5 sets aside
        // 3 tokens, plus the tail.
        let mut counts = vec![0u64; 10];
        counts[4] = 1;
        let pools = BucketPools::new(&Histogram::from_dense(counts).unwrap(), 4);
        assert_eq!(pools.bucket_counts(2), vec![0, 1]);
        let planned = [PlannedGroup {
            units: vec![2],
            count: 1,
        }];
        let completion = complete(10, None, pools, &planned, SlotFilling::SlotBySlot);
        assert_eq!(sorted(completion.groups), vec![(vec![5], 1)]);
        assert_eq!(completion.slack_tokens, 3 + 2);
        assert_eq!(completion.finished_sequences, 0);
    }
}
