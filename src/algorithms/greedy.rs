//! The greedy histogram packers: SPFHP, LPFHP and best-fit decreasing.
//!
//! All three take lengths from longest to shortest and put each into an open
//! pack; they differ only in which open pack they choose. They work on the
//! histogram, never on single sequences: `count` sequences of one length are
//! placed with a handful of group operations, so their cost depends on
//! `max_len` and the depth of the packs, not on the size of the dataset.
//!
//! [`GreedyPacker`] also takes packs already filled: the completion step
//! of NNLSHP and the optimal packer finishes with it, LPFHP's rule placing
//! the leftover sequences.

use std::collections::{BTreeMap, VecDeque};

use crate::histogram::Histogram;
use crate::plan::PackGroup;

/// Which open pack a sequence goes into, among those it fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fit {
    /// The pack with the most space left: shortest-pack-first.
    MostSpace,
    /// The pack with the least space left: longest-pack-first, best fit.
    LeastSpace,
}

/// Which of several open packs with equal space left is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tie {
    /// The pack that came to have that much space left most recently (was
    /// opened or filled last), as the paper's published packers do.
    Newest,
    /// The pack that has had that much space left the longest.
    Oldest,
}

/// How a greedy packer chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GreedyRule {
    pub fit: Fit,
    pub tie: Tie,
    /// Place as many copies of a length into the chosen pack as fit.
    ///
    /// With [`Fit::LeastSpace`] this is what placing the copies one at a
    /// time would do anyway: after one copy goes in, the same pack has even
    /// less space left and is still the best fit. With it off, each copy
    /// goes into its own pack, as the paper's SPFHP does.
    pub fill_copies: bool,
}

/// Shortest-pack-first histogram packing (SPFHP), as the paper defines and
/// publishes it: the pack with the most space left; a length that fits
/// nowhere opens one new pack per sequence.
pub(crate) const SPFHP: GreedyRule = GreedyRule {
    fit: Fit::MostSpace,
    tie: Tie::Newest,
    fill_copies: false,
};

/// Longest-pack-first histogram packing (LPFHP), the same authors'
/// refinement: the pack with the least space left, filled with as many
/// copies as fit.
pub(crate) const LPFHP: GreedyRule = GreedyRule {
    fit: Fit::LeastSpace,
    tie: Tie::Newest,
    fill_copies: true,
};

/// Best-fit decreasing, the packer many training libraries default to: as
/// LPFHP, but ties go to the pack that has waited longest.
pub(crate) const BEST_FIT_DECREASING: GreedyRule = GreedyRule {
    fit: Fit::LeastSpace,
    tie: Tie::Oldest,
    fill_copies: true,
};

/// Open packs grouped by the space they have left, and the packs closed so far.
pub(crate) struct GreedyPacker {
    max_len: u32,
    /// Most sequences a pack may hold; `u32::MAX` when unlimited.
    max_per_pack: u32,
    rule: GreedyRule,
    /// Open packs by space left (≥ 1), each queue in the order the packs
    /// came to have that space left. Invariant: no queue is empty, every
    /// group has fewer than `max_per_pack` sequences.
    open: BTreeMap<u32, VecDeque<PackGroup>>,
    /// Packs that are full or hold `max_per_pack` sequences.
    closed: Vec<PackGroup>,
}

impl GreedyPacker {
    pub(crate) fn new(max_len: u32, max_per_pack: Option<u32>, rule: GreedyRule) -> Self {
        GreedyPacker {
            max_len,
            max_per_pack: max_per_pack.unwrap_or(u32::MAX),
            rule,
            open: BTreeMap::new(),
            closed: Vec::new(),
        }
    }

    /// Adds packs that already hold sequences (their tokens must not exceed
    /// `max_len`); they take further sequences like any open pack.
    pub(crate) fn add_packs(&mut self, group: PackGroup) {
        let used = group.tokens();
        let space_left = u64::from(self.max_len).saturating_sub(used) as u32;
        self.keep(group, space_left);
    }

    /// Places `count` sequences of `length` tokens (1 ≤ length ≤ max_len).
    pub(crate) fn place(&mut self, length: u32, mut count: u64) {
        debug_assert!(length >= 1 && length <= self.max_len);
        while count > 0 {
            let chosen = match self.rule.fit {
                Fit::MostSpace => self.open.range(length..).next_back(),
                Fit::LeastSpace => self.open.range(length..).next(),
            }
            .map(|(&space_left, _)| space_left);
            match chosen {
                Some(space_left) => count = self.fill_open(space_left, length, count),
                None => count = self.open_new(length, count),
            }
        }
    }

    /// Puts sequences of `length` into packs of the group chosen among those
    /// with `space_left`; returns how many sequences are still to place.
    fn fill_open(&mut self, space_left: u32, length: u32, count: u64) -> u64 {
        let Some(queue) = self.open.get_mut(&space_left) else {
            return count;
        };
        let taken = match self.rule.tie {
            Tie::Newest => queue.pop_back(),
            Tie::Oldest => queue.pop_front(),
        };
        let Some(mut group) = taken else {
            return count;
        };
        let room_for = if self.rule.fill_copies {
            let by_tokens = space_left / length;
            let by_sequences = self.max_per_pack - group.lengths.len() as u32;
            by_tokens.min(by_sequences)
        } else {
            1
        };
        // ≥ 1: the pack fits `length` and holds fewer than max_per_pack sequences.
        let copies = u64::from(room_for).min(count);
        let packs = group.count.min(count / copies);
        group.count -= packs;
        if group.count > 0 {
            // The untouched packs keep their place in the queue.
            match self.rule.tie {
                Tie::Newest => queue.push_back(group.clone()),
                Tie::Oldest => queue.push_front(group.clone()),
            }
        } else if queue.is_empty() {
            self.open.remove(&space_left);
        }
        let mut lengths = group.lengths;
        lengths.extend(std::iter::repeat_n(length, copies as usize));
        // Lossless: copies ≤ room_for, a u32.
        let new_space_left = space_left - copies as u32 * length;
        self.keep(
            PackGroup {
                lengths,
                count: packs,
            },
            new_space_left,
        );
        count - packs * copies
    }

    /// Opens new packs for sequences of `length` that fit in no open pack;
    /// returns how many sequences are still to place.
    fn open_new(&mut self, length: u32, count: u64) -> u64 {
        let room_for = if self.rule.fill_copies {
            (self.max_len / length).min(self.max_per_pack)
        } else {
            1
        };
        let copies = u64::from(room_for).min(count);
        let packs = count / copies;
        let space_left = self.max_len - copies as u32 * length;
        self.keep(
            PackGroup {
                lengths: vec![length; copies as usize],
                count: packs,
            },
            space_left,
        );
        count - packs * copies
    }

    fn keep(&mut self, group: PackGroup, space_left: u32) {
        if group.count == 0 {
            return;
        }
        if space_left == 0 || group.lengths.len() >= self.max_per_pack as usize {
            self.closed.push(group);
        } else {
            self.open.entry(space_left).or_default().push_back(group);
        }
    }

    /// Every pack, open or closed.
    pub(crate) fn finish(self) -> Vec<PackGroup> {
        let mut groups = self.closed;
        groups.extend(self.open.into_values().flatten());
        groups
    }
}

/// Packs `histogram` with a greedy `rule`.
#[inline(never)] // See "Inlining" in the docs of `crate::analysis`.
pub(crate) fn pack(
    histogram: &Histogram,
    max_per_pack: Option<u32>,
    rule: GreedyRule,
) -> Vec<PackGroup> {
    let mut packer = GreedyPacker::new(histogram.max_len(), max_per_pack, rule);
    for (length, count) in histogram.longest_first() {
        packer.place(length, count);
    }
    packer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packed(counts: &[u64], max_per_pack: Option<u32>, rule: GreedyRule) -> Vec<(Vec<u32>, u64)> {
        let histogram = Histogram::from_dense(counts.to_vec()).unwrap();
        let mut groups: Vec<_> = pack(&histogram, max_per_pack, rule)
            .into_iter()
            .map(|group| (group.lengths, group.count))
            .collect();
        groups.sort();
        groups
    }

    #[test]
    fn spfhp_puts_each_copy_of_a_new_length_in_its_own_pack() {
        // Two sequences of length 3 at max_len 8: SPFHP opens two packs
        // rather than pairing them; then 2 + 2 go into the roomiest packs.
        let mut counts = vec![0; 8];
        counts[2] = 2; // length 3
        counts[1] = 2; // length 2
        assert_eq!(packed(&counts, None, SPFHP), vec![(vec![3, 2], 2)]);
    }

    #[test]
    fn lpfhp_fills_copies_into_one_pack() {
        let mut counts = vec![0; 8];
        counts[2] = 2; // two of length 3 → one pack [3, 3] with 2 left
        counts[1] = 1; // length 2 fills it exactly
        assert_eq!(packed(&counts, None, LPFHP), vec![(vec![3, 3, 2], 1)]);
    }

    #[test]
    fn shortest_and_longest_pack_first_choose_differently() {
        // max_len 10: packs [7] (3 left) and [5] (5 left); a 3 goes to the
        // roomiest pack under SPFHP, to the tightest under LPFHP.
        let mut counts = vec![0; 10];
        counts[6] = 1;
        counts[4] = 1;
        counts[2] = 1;
        assert_eq!(
            packed(&counts, None, SPFHP),
            vec![(vec![5, 3], 1), (vec![7], 1)]
        );
        assert_eq!(
            packed(&counts, None, LPFHP),
            vec![(vec![5], 1), (vec![7, 3], 1)]
        );
    }

    #[test]
    fn max_per_pack_closes_packs() {
        // Six sequences of length 1 at max_len 10 with at most 4 per pack.
        let mut counts = vec![0; 10];
        counts[0] = 6;
        assert_eq!(
            packed(&counts, Some(4), LPFHP),
            vec![(vec![1, 1], 1), (vec![1, 1, 1, 1], 1)]
        );
        assert_eq!(packed(&counts, Some(1), SPFHP), vec![(vec![1], 6)]);
    }

    #[test]
    fn ties_go_to_the_last_or_first_opened_pack() {
        // max_len 10, at most 3 per pack: [6] then [3, 3] are open, both
        // with 4 tokens left. A 4 goes to the pack opened last under LPFHP,
        // to the one opened first (waiting longest) under best-fit decreasing.
        let place_four = |rule| {
            let mut packer = GreedyPacker::new(10, Some(3), rule);
            packer.add_packs(PackGroup {
                lengths: vec![6],
                count: 1,
            });
            packer.add_packs(PackGroup {
                lengths: vec![3, 3],
                count: 1,
            });
            packer.place(4, 1);
            let mut pairs: Vec<_> = packer
                .finish()
                .into_iter()
                .map(|group| (group.lengths, group.count))
                .collect();
            pairs.sort();
            pairs
        };
        assert_eq!(place_four(LPFHP), vec![(vec![3, 3, 4], 1), (vec![6], 1)]);
        assert_eq!(
            place_four(BEST_FIT_DECREASING),
            vec![(vec![3, 3], 1), (vec![6, 4], 1)]
        );
    }
}
