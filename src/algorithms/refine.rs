//! Refinement of a plan on real lengths: the packs with the most room are
//! taken apart, their sequences fill the room the other packs leave (a
//! longer sequence taking a shorter one's place, or joining a pack that
//! has a free slot), and what is left is packed anew. Rounds repeat this
//! on the plan the round before made.
//!
//! At large max_len the optimal packer plans on lengths rounded up to
//! buckets of tokens, so that every planned pack fits; each pack then
//! holds a few tokens less than it could (half a bucket per sequence on
//! average), which over hundreds of thousands of packs adds up to
//! hundreds of packs. Refinement wins most of them back. Where a cap
//! binds, filling room alone is not enough: each swap sends a shorter
//! sequence back, and a pool of short sequences needs packs by count, not
//! by tokens. So once the cap limits the pool, two of its short sequences
//! take one member's place in packs with a free slot, and the pool is
//! packed with slots reserved for the shortest sequences left. It works
//! on groups of identical packs, so its cost grows with the plan's
//! distinct packs, not with the number of sequences.

use std::collections::{BTreeMap, HashMap};

use crate::histogram::Histogram;
use crate::plan::{sort_longest_first, PackGroup};

use super::greedy::{self, BEST_FIT_DECREASING, LPFHP};

/// Rounds of refinement at most, each on the plan the one before made:
/// the packs a round packs anew from its pool are those the next takes
/// apart. On a million-sequence chat-like histogram at 4,096 tokens and
/// 5 per pack, 1 round leaves 170 packs above the bound, 4 leave 79 and
/// 8 leave 45, each round costing about 40 ms.
const ROUNDS: usize = 8;

/// Passes over the kept packs: later passes use what earlier swaps put
/// back in the pool.
const PASSES: usize = 4;

/// Moves allowed in one refinement, a bound on its work: a move takes a
/// group of identical packs and may split it in two.
const MAX_MOVES: usize = 200_000;

/// Packs taken apart besides a few times the plan's excess: on a
/// 16M-sequence histogram one pack above the bound, taking 1, 2 or 4 packs
/// apart finds nothing, while a few hundred can meet the bound.
const TAKEN_APART_AT_LEAST: [u64; 3] = [64, 256, 1024];

/// Shortest pool lengths tried as the first of two sequences that take
/// one member's place: the short ones are those a cap leaves over.
const SHORTEST_TRIED: usize = 8;

/// Sequences taken out of packs, by length, with their totals.
#[derive(Debug, Default, Clone)]
struct Pool {
    by_length: BTreeMap<u32, u64>,
    sequences: u64,
    tokens: u64,
}

impl Pool {
    fn add(&mut self, length: u32, copies: u64) {
        *self.by_length.entry(length).or_insert(0) += copies;
        self.sequences += copies;
        self.tokens += u64::from(length) * copies;
    }

    /// Removes `copies` sequences of `length` (the pool has them).
    fn take(&mut self, length: u32, copies: u64) {
        if let Some(count) = self.by_length.get_mut(&length) {
            let taken = copies.min(*count);
            *count -= taken;
            self.sequences -= taken;
            self.tokens -= u64::from(length) * taken;
            if *count == 0 {
                self.by_length.remove(&length);
            }
        }
    }

    /// How many times over the pool holds all of `lengths` (a length
    /// listed twice needs two sequences each time).
    fn times_it_holds(&self, lengths: &[u32]) -> u64 {
        lengths
            .iter()
            .map(|&length| {
                let needed = lengths.iter().filter(|&&l| l == length).count() as u64;
                let held = self.by_length.get(&length).copied().unwrap_or(0);
                held / needed
            })
            .min()
            .unwrap_or(0)
    }

    /// The longest length from `least` to `most` the pool holds.
    fn longest_in(&self, least: u32, most: u32) -> Option<u32> {
        // `BTreeMap::range` panics on an empty range.
        if least > most {
            return None;
        }
        let (&length, _) = self.by_length.range(least..=most).next_back()?;
        Some(length)
    }

    /// True when the cap, not the tokens, decides how many packs the pool
    /// needs: it holds more sequences than its tokens fill at
    /// `max_per_pack` per row of `max_len`. Moves that take sequences out
    /// of the pool then win more than moves that fill room.
    fn limited_by_count(&self, max_len: u32, max_per_pack: Option<u32>) -> bool {
        max_per_pack.is_some_and(|limit| {
            u128::from(self.sequences) * u128::from(max_len)
                > u128::from(limit) * u128::from(self.tokens)
        })
    }
}

/// A plan with fewer packs than `groups` (a valid plan of rows of
/// `max_len` tokens, at most `max_per_pack` sequences each), made by
/// rounds of refinement while they find one, or `None` if the first finds
/// none. `lower_bound` is a lower bound on the packs of any plan: no more
/// packs are taken apart than a few times the plan's distance to it (or a
/// thousand, if more).
pub(super) fn refine(
    max_len: u32,
    max_per_pack: Option<u32>,
    groups: &[PackGroup],
    lower_bound: u64,
) -> Option<Vec<PackGroup>> {
    let mut best: Option<Vec<PackGroup>> = None;
    for _ in 0..ROUNDS {
        let current = best.as_deref().unwrap_or(groups);
        match refine_round(max_len, max_per_pack, current, lower_bound) {
            Some(refined) => best = Some(refined),
            None => break,
        }
    }
    best
}

/// One round of refinement: the best of taking apart a few numbers of
/// packs, if it has fewer packs than `groups`.
fn refine_round(
    max_len: u32,
    max_per_pack: Option<u32>,
    groups: &[PackGroup],
    lower_bound: u64,
) -> Option<Vec<PackGroup>> {
    let packs: u64 = groups.iter().map(|group| group.count).sum();
    let excess = packs
        .checked_sub(lower_bound)
        .filter(|&excess| excess > 0)?;
    let mut best: Option<(u64, Vec<PackGroup>)> = None;
    // A few times the excess; and, when that is small, a few hundred packs,
    // whose sequences give the room of the others more to choose from.
    let mut sizes: Vec<u64> = [1, 2, 4]
        .iter()
        .map(|multiple| excess.saturating_mul(*multiple))
        .chain(TAKEN_APART_AT_LEAST)
        .map(|size| size.min(packs))
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    for taken_apart in sizes {
        let refined = refine_once(max_len, max_per_pack, groups, taken_apart);
        let refined_packs: u64 = refined.iter().map(|group| group.count).sum();
        let fewest = best.as_ref().map_or(packs, |(best_packs, _)| *best_packs);
        if refined_packs < fewest {
            best = Some((refined_packs, refined));
        }
    }
    best.map(|(_, groups)| groups)
}

/// Takes apart the `taken_apart` packs with the most room, fills the room
/// of the others from them, and packs what is left.
fn refine_once(
    max_len: u32,
    max_per_pack: Option<u32>,
    groups: &[PackGroup],
    taken_apart: u64,
) -> Vec<PackGroup> {
    let mut by_room: Vec<&PackGroup> = groups.iter().collect();
    by_room.sort_by_key(|group| group.tokens());
    let mut pool = Pool::default();
    let mut left = taken_apart;
    let mut kept: Vec<PackGroup> = Vec::with_capacity(groups.len());
    for group in by_room {
        let taken = group.count.min(left);
        left -= taken;
        if taken > 0 {
            for &length in &group.lengths {
                pool.add(length, taken);
            }
        }
        if group.count > taken {
            kept.push(PackGroup {
                lengths: group.lengths.clone(),
                count: group.count - taken,
            });
        }
    }

    let mut moves = 0;
    for _ in 0..PASSES {
        let mut next: Vec<PackGroup> = Vec::with_capacity(kept.len());
        let mut moved = false;
        // Most room first: the longest sequences in the pool go where they fit.
        kept.sort_by_key(PackGroup::tokens);
        while let Some(mut group) = kept.pop() {
            while moves < MAX_MOVES {
                let Some(change) = best_change(&group, &pool, max_len, max_per_pack) else {
                    break;
                };
                moves += 1;
                moved = true;
                let copies = pool.times_it_holds(&change.incoming).min(group.count);
                for &incoming in &change.incoming {
                    pool.take(incoming, copies);
                }
                if group.count > copies {
                    // The pool ran out: the other copies try again later.
                    next.push(PackGroup {
                        lengths: group.lengths.clone(),
                        count: group.count - copies,
                    });
                    group.count = copies;
                }
                if let Some(outgoing) = change.outgoing {
                    if let Some(place) = group.lengths.iter().position(|&l| l == outgoing) {
                        group.lengths.swap_remove(place);
                    }
                    pool.add(outgoing, copies);
                }
                group.lengths.extend_from_slice(&change.incoming);
            }
            next.push(group);
        }
        kept = next;
        if !moved {
            break;
        }
    }

    let mut refined = merge(kept);
    refined.extend(pack_pool(&pool, max_len, max_per_pack));
    refined
}

/// A change to one pack: `incoming` (one sequence or two) from the pool
/// joins it, in the place of `outgoing` (which goes to the pool) or in
/// free slots.
struct Change {
    incoming: Vec<u32>,
    outgoing: Option<u32>,
}

/// The best change to the pack, if any helps. A change helps if it fills
/// room: a sequence that fits the room joins (if the pack has a free
/// slot), or a member gives its place to the longest sequence that still
/// fits, or to two whose sum does. While the cap limits the pool (see
/// [`Pool::limited_by_count`]), changes that take more sequences from the
/// pool than they give back come first, even if they fill no room: the
/// pool's short sequences are what the cap leaves over.
fn best_change(
    group: &PackGroup,
    pool: &Pool,
    max_len: u32,
    max_per_pack: Option<u32>,
) -> Option<Change> {
    let tokens = u32::try_from(group.tokens()).ok()?;
    let room = max_len.checked_sub(tokens)?;
    let slots = u32::try_from(group.lengths.len()).unwrap_or(u32::MAX);
    let free_slot = max_per_pack.is_none_or(|limit| slots < limit);
    let by_count = pool.limited_by_count(max_len, max_per_pack);
    // Candidates ranked by (sequences taken from the pool if that counts,
    // tokens of room filled).
    let mut best: Option<((u32, u32), Change)> = None;
    let mut consider = |taken: u32, gain: u32, change: Change| {
        let rank = (if by_count { taken } else { 0 }, gain);
        if best.as_ref().is_none_or(|(best_rank, _)| rank > *best_rank) {
            best = Some((rank, change));
        }
    };
    if free_slot {
        if let Some(incoming) = pool.longest_in(1, room) {
            let change = Change {
                incoming: vec![incoming],
                outgoing: None,
            };
            consider(1, incoming, change);
        }
    }
    for &outgoing in &group.lengths {
        let longest = outgoing.saturating_add(room);
        if let Some(incoming) = pool.longest_in(outgoing.saturating_add(1), longest) {
            let change = Change {
                incoming: vec![incoming],
                outgoing: Some(outgoing),
            };
            consider(0, incoming - outgoing, change);
        }
        if !free_slot || !by_count {
            continue;
        }
        // Two for one: the first among the shortest in the pool, the
        // second the longest that keeps the pack within max_len.
        for (&first, &count) in pool.by_length.iter().take(SHORTEST_TRIED) {
            let Some(most) = longest.checked_sub(first) else {
                break;
            };
            let least = outgoing.saturating_sub(first).max(first);
            let Some(second) = pool.longest_in(least, most) else {
                continue;
            };
            if second == first && count < 2 {
                continue;
            }
            let gain = first.saturating_add(second).saturating_sub(outgoing);
            let change = Change {
                incoming: vec![first, second],
                outgoing: Some(outgoing),
            };
            consider(1, gain, change);
        }
    }
    best.map(|(_, change)| change)
}

/// Groups with the same lengths merged, each sorted longest first.
fn merge(groups: Vec<PackGroup>) -> Vec<PackGroup> {
    let mut counts: HashMap<Vec<u32>, u64> = HashMap::new();
    let mut order: Vec<Vec<u32>> = Vec::new();
    for mut group in groups {
        sort_longest_first(&mut group.lengths);
        let count = counts.entry(group.lengths.clone()).or_insert_with(|| {
            order.push(group.lengths.clone());
            0
        });
        *count += group.count;
    }
    order
        .into_iter()
        .map(|lengths| {
            let count = counts.get(&lengths).copied().unwrap_or(0);
            PackGroup { lengths, count }
        })
        .collect()
}

/// The pool packed by LPFHP or best-fit decreasing, whichever needs fewer
/// packs.
fn pack_pool(pool: &Pool, max_len: u32, max_per_pack: Option<u32>) -> Vec<PackGroup> {
    let mut counts = vec![0u64; max_len as usize];
    for (&length, &count) in &pool.by_length {
        if let Some(slot) = (length as usize)
            .checked_sub(1)
            .and_then(|i| counts.get_mut(i))
        {
            *slot += count;
        }
    }
    let Ok(histogram) = Histogram::from_dense(counts) else {
        // An empty pool: nothing to pack.
        return Vec::new();
    };
    let packs = |groups: &Vec<PackGroup>| groups.iter().map(|group| group.count).sum::<u64>();
    let by_lpfhp = greedy::pack(&histogram, max_per_pack, LPFHP);
    let by_best_fit = greedy::pack(&histogram, max_per_pack, BEST_FIT_DECREASING);
    let mut best = if packs(&by_best_fit) < packs(&by_lpfhp) {
        by_best_fit
    } else {
        by_lpfhp
    };
    if let Some(limit) = max_per_pack {
        let by_slots = pack_with_reserved_slots(pool.clone(), max_len, limit);
        if packs(&by_slots) < packs(&best) {
            best = by_slots;
        }
    }
    best
}

/// Longest sequences tried as the first of the last two in a pack.
const PAIRS_TRIED: usize = 64;

/// Packs `pool` at most `limit` sequences per pack, for when the cap, not
/// the tokens, is what makes packing hard: each pack opens with the
/// longest sequence left, every further slot takes the longest sequence
/// that leaves room for the shortest one in each slot after it, and the
/// last two slots take the pair that fills most of what is left.
fn pack_with_reserved_slots(mut pool: Pool, max_len: u32, limit: u32) -> Vec<PackGroup> {
    let mut packs: Vec<PackGroup> = Vec::new();
    while let Some((&longest, _)) = pool.by_length.last_key_value() {
        pool.take(longest, 1);
        let mut lengths = vec![longest];
        let mut room = max_len.saturating_sub(longest);
        let mut slots_left = limit.saturating_sub(1);
        while slots_left > 0 {
            let Some((&shortest, _)) = pool.by_length.first_key_value() else {
                break;
            };
            if slots_left == 2 {
                if let Some((first, second)) = fullest_pair(&pool, room) {
                    pool.take(first, 1);
                    pool.take(second, 1);
                    lengths.extend([first, second]);
                    break;
                }
            }
            let reserve = shortest.saturating_mul(slots_left - 1);
            let pick = pool
                .longest_in(1, room.saturating_sub(reserve))
                .or((shortest <= room).then_some(shortest));
            let Some(pick) = pick else {
                break;
            };
            pool.take(pick, 1);
            lengths.push(pick);
            room -= pick;
            slots_left -= 1;
        }
        // The same pack again, as often as the pool still allows: the
        // work grows with the distinct packs, not with the sequences.
        let again = pool.times_it_holds(&lengths);
        for &length in &lengths {
            pool.take(length, again);
        }
        packs.push(PackGroup {
            lengths,
            count: again + 1,
        });
    }
    merge(packs)
}

/// Two sequences of the pool whose sum is the largest at most `room`,
/// the first among the [`PAIRS_TRIED`] longest that can take part.
fn fullest_pair(pool: &Pool, room: u32) -> Option<(u32, u32)> {
    let mut best: Option<(u32, u32)> = None;
    for (&first, &count) in pool.by_length.range(..=room).rev().take(PAIRS_TRIED) {
        let most = (room - first).min(first);
        let second = if most == first && count < 2 {
            pool.longest_in(1, first.saturating_sub(1))
        } else {
            pool.longest_in(1, most)
        };
        let Some(second) = second else {
            continue;
        };
        if best.is_none_or(|(a, b)| first + second > a + b) {
            best = Some((first, second));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(lengths: &[u32], count: u64) -> PackGroup {
        PackGroup {
            lengths: lengths.to_vec(),
            count,
        }
    }

    fn sequences(groups: &[PackGroup]) -> BTreeMap<u32, u64> {
        let mut all = BTreeMap::new();
        for group in groups {
            for &length in &group.lengths {
                *all.entry(length).or_insert(0) += group.count;
            }
        }
        all
    }

    #[test]
    fn a_swap_and_a_free_slot_fill_the_room_of_one_pack() {
        // Rows of 10: [6, 2] and [4, 4] leave 2 tokens each, [4] leaves 6.
        // Taking [4] apart, its 4 takes the 2's place in [6, 2], and the 2
        // joins [4, 4]: two full packs.
        let groups = vec![group(&[6, 2], 1), group(&[4, 4], 1), group(&[4], 1)];
        let refined = refine_once(10, None, &groups, 1);
        let mut lengths: Vec<Vec<u32>> = refined.iter().map(|g| g.lengths.clone()).collect();
        lengths.sort();
        assert_eq!(lengths, vec![vec![4, 4, 2], vec![6, 4]]);
        assert!(refined.iter().all(|group| group.count == 1));
        assert_eq!(sequences(&refined), sequences(&groups));
    }

    #[test]
    fn identical_packs_move_together_and_split_when_the_pool_runs_out() {
        // Three packs [6, 2] and, once [4] is taken apart, one 4 in the
        // pool: one of the three swaps its 2 for it, one of the other two
        // takes that 2 in its free room, the third stays as it was.
        let groups = vec![group(&[6, 2], 3), group(&[4], 1), group(&[9], 1)];
        let refined = refine_once(10, None, &groups, 1);
        let mut found: Vec<(Vec<u32>, u64)> = refined
            .iter()
            .map(|g| (g.lengths.clone(), g.count))
            .collect();
        found.sort();
        let expected = [
            (vec![6, 2], 1),
            (vec![6, 2, 2], 1),
            (vec![6, 4], 1),
            (vec![9], 1),
        ];
        assert_eq!(found, expected);
        assert_eq!(sequences(&refined), sequences(&groups));
    }

    #[test]
    fn the_limit_on_sequences_is_kept() {
        // Rows of 10, at most 2 per pack: [5], [5] and [4] become [5, 4]
        // and [5]; no pack takes a third sequence.
        let groups = vec![group(&[5], 2), group(&[4], 1)];
        let refined = refine_once(10, Some(2), &groups, 1);
        let packs: u64 = refined.iter().map(|group| group.count).sum();
        assert_eq!(packs, 2);
        assert!(refined.iter().all(|group| group.lengths.len() <= 2));
        assert_eq!(sequences(&refined), sequences(&groups));
    }

    #[test]
    fn two_short_sequences_take_one_place_while_the_cap_limits_the_pool() {
        // A full row of 10 with a free slot, [6, 4], and a pool of two 2s:
        // at 3 per pack the pool's 4 tokens would take a pack of their
        // own, so the 4 gives its place to both 2s and goes to the pool.
        let pack = group(&[6, 4], 1);
        let mut pool = Pool::default();
        pool.add(2, 2);
        assert!(pool.limited_by_count(10, Some(3)));
        let change = best_change(&pack, &pool, 10, Some(3)).unwrap();
        assert_eq!((change.incoming, change.outgoing), (vec![2, 2], Some(4)));
        // Without a cap the pool is not limited by its count, and a full
        // pack has nothing to gain.
        assert!(!pool.limited_by_count(10, None));
        assert!(best_change(&pack, &pool, 10, None).is_none());
        // At 2 per pack there is no free slot for a second sequence.
        assert!(best_change(&pack, &pool, 10, Some(2)).is_none());
    }

    #[test]
    fn reserved_slots_fill_packs_to_the_cap() {
        // At most 3 per pack, rows of 12: 6, 6, 5, 4, 4, 3, 3, 3, 2 (36
        // tokens) fill three packs exactly, as [6, 4, 2], [6, 3, 3] and
        // [5, 4, 3]; first fit decreasing puts 6 and 6 together and 5, 4
        // and 3 in the next pack, and needs four.
        let mut pool = Pool::default();
        for length in [6, 6, 5, 4, 4, 3, 3, 3, 2] {
            pool.add(length, 1);
        }
        let packed = pack_with_reserved_slots(pool.clone(), 12, 3);
        let packs: u64 = packed.iter().map(|group| group.count).sum();
        assert_eq!(packs, 3);
        assert!(packed
            .iter()
            .all(|g| g.lengths.len() <= 3 && g.tokens() <= 12));
        let mut expected = BTreeMap::new();
        for (&length, &count) in &pool.by_length {
            expected.insert(length, count);
        }
        assert_eq!(sequences(&packed), expected);
    }

    // proptest does not build for WebAssembly.
    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::*;

        proptest::proptest! {
            #![proptest_config(proptest::test_runner::Config {
                cases: 200,
                rng_seed: proptest::test_runner::RngSeed::Fixed(0x5eed_2001),
                ..proptest::test_runner::Config::default()
            })]

            /// Refining SPFHP's plan of a random histogram, taking apart any
            /// number of packs: the sequences stay the same, every pack fits
            /// and the limit holds; a plan comes back only with fewer packs.
            #[test]
            fn refined_plans_keep_every_sequence_and_fit(
                max_len in 4u32..=48,
                lengths in proptest::collection::vec((1u32..=48, 1u64..=6), 1..=12),
                limit in proptest::option::of(1u32..=4),
            ) {
                let mut counts = vec![0u64; max_len as usize];
                for &(length, count) in &lengths {
                    counts[(length.min(max_len) - 1) as usize] += count;
                }
                let histogram = Histogram::from_dense(counts).unwrap();
                let groups = greedy::pack(&histogram, limit, greedy::SPFHP);
                let packs: u64 = groups.iter().map(|group| group.count).sum();
                let volume = histogram.tokens().div_ceil(u64::from(max_len));
                for taken_apart in 0..=packs {
                    let refined = refine_once(max_len, limit, &groups, taken_apart);
                    proptest::prop_assert_eq!(sequences(&refined), sequences(&groups));
                    for group in &refined {
                        proptest::prop_assert!(group.count > 0);
                        proptest::prop_assert!(group.tokens() <= u64::from(max_len));
                        let slots = group.lengths.len() as u32;
                        proptest::prop_assert!(limit.is_none_or(|limit| slots <= limit));
                    }
                }
                if let Some(refined) = refine(max_len, limit, &groups, volume) {
                    let refined_packs: u64 = refined.iter().map(|group| group.count).sum();
                    proptest::prop_assert!(refined_packs < packs);
                    proptest::prop_assert!(refined_packs >= volume);
                    proptest::prop_assert_eq!(sequences(&refined), sequences(&groups));
                    for group in &refined {
                        proptest::prop_assert!(group.count > 0);
                        proptest::prop_assert!(group.tokens() <= u64::from(max_len));
                        let slots = group.lengths.len() as u32;
                        proptest::prop_assert!(limit.is_none_or(|limit| slots <= limit));
                    }
                }
            }
        }
    }

    #[test]
    fn a_plan_at_the_bound_is_left_alone() {
        let groups = vec![group(&[6, 4], 3)];
        assert!(refine(10, None, &groups, 3).is_none());
    }
}
