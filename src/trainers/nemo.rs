//! NVIDIA NeMo's packed sequences for fine-tuning, as Megatron-Bridge
//! makes them (commit 067f987; `src/megatron/bridge/data/packing/`:
//! `algorithms.py`, `offline.py`), which NeMo 2's
//! `nemo/utils/sequence_packing_utils.py` (commit 8cfedd7) also follows.
//!
//! Packing is decided on the histogram of lengths, counted in positions:
//! a sequence of `n` tokens takes `n − 1` positions of a pack (its last
//! token is only ever predicted).
//!
//! 1. Sequences longer than a pack are left out (Megatron-Bridge drops
//!    them with a warning; NeMo 2 stops with an error).
//! 2. The lengths, shortest first, are sorted longest first
//!    (`first_fit_decreasing`) or shuffled with NumPy's generator seeded
//!    with the dataset's seed (`first_fit_shuffle`, the default;
//!    Megatron-Bridge seeds with 1234, NeMo 2 does not seed at all).
//! 3. First fit: each length joins the first pack, in the order packs were
//!    opened, with room for it, or opens a pack. No cap on sequences.
//! 4. Each length's sequences, in dataset order, are put in a random order
//!    (the same generator), and each pack takes, for each length it holds,
//!    the last one left.

use std::collections::BTreeMap;

use super::first_fit::first_fit;
use super::numpy_random::NumpyRandom;
use super::plan::{Piece, Rows, TrainerPlan};

/// Tokens of each sequence that take no position in a pack.
const LABEL_ONLY_TOKENS: u32 = 1;

/// The order the lengths are first-fitted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NemoOrder {
    /// `first_fit_decreasing`: longest first.
    Decreasing,
    /// `first_fit_shuffle`: shuffled.
    Shuffle,
}

/// NeMo's packing of the sequences of `lengths` (in dataset `order`) into
/// packs of `max_len` positions, its generator seeded with `seed`.
pub(super) fn pack(
    lengths: &[u32],
    order: &[u32],
    max_len: u32,
    fit_order: NemoOrder,
    seed: u32,
) -> TrainerPlan {
    // Each length in positions, and its sequences in dataset order.
    let mut by_positions: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for &sequence in order {
        let length = lengths.get(sequence as usize).copied().unwrap_or(0);
        if let Some(positions) = length.checked_sub(LABEL_ONLY_TOKENS) {
            if positions <= max_len {
                by_positions.entry(positions).or_default().push(sequence);
            }
        }
    }
    let mut random = NumpyRandom::seeded(seed);
    let mut all: Vec<u32> = by_positions
        .iter()
        .flat_map(|(&positions, sequences)| std::iter::repeat_n(positions, sequences.len()))
        .collect();
    match fit_order {
        NemoOrder::Decreasing => all.reverse(),
        NemoOrder::Shuffle => random.shuffle(&mut all),
    }
    let packs = first_fit(&all, |&positions| positions, max_len, None);
    // Each length's sequences in a random order; packs take from the end.
    let mut stacks: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for (&positions, sequences) in &by_positions {
        let permutation = random.permutation(sequences.len());
        stacks.insert(
            positions,
            permutation.iter().map(|&i| sequences[i]).collect(),
        );
    }
    let mut rows = Rows::default();
    for pack in packs {
        let pieces = pack.iter().filter_map(|positions| {
            let sequence = stacks.get_mut(positions)?.pop()?;
            // A one-token sequence takes no position: no piece.
            (*positions > 0).then_some(Piece::first(sequence, *positions))
        });
        rows.push(pieces.collect::<Vec<_>>());
    }
    rows.into_plan_with_labels_only(max_len, lengths, LABEL_ONLY_TOKENS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trainers::plan::testing::{in_order, row_tokens};

    #[test]
    fn decreasing_first_fit_counts_positions() {
        // Packs of 8 positions: 5, 9, 4 and 3 tokens take 4, 8, 3 and 2
        // positions. Longest first: [8], [4, 3], and the 2 no longer fits
        // the second pack (7 of 8): a third.
        let lengths = [5, 9, 4, 3];
        let plan = pack(
            &lengths,
            &in_order(&lengths),
            8,
            NemoOrder::Decreasing,
            1234,
        );
        assert_eq!(row_tokens(&plan), vec![vec![8], vec![4, 3], vec![2]]);
        // In packs of 9 it does.
        let plan = pack(
            &lengths,
            &in_order(&lengths),
            9,
            NemoOrder::Decreasing,
            1234,
        );
        assert_eq!(row_tokens(&plan), vec![vec![8], vec![4, 3, 2]]);
        assert_eq!(plan.accounting.tokens_label_only, 4);
        assert_eq!(plan.accounting.tokens_truncated, 0);
    }

    #[test]
    fn sequences_longer_than_a_pack_are_left_out() {
        // 10 tokens take 9 positions: more than a pack of 8.
        let lengths = [10, 3];
        let plan = pack(&lengths, &in_order(&lengths), 8, NemoOrder::Shuffle, 1234);
        assert_eq!(row_tokens(&plan), vec![vec![2]]);
        assert_eq!(plan.accounting.sequences_dropped, 1);
        assert_eq!(plan.accounting.tokens_dropped, 10);
    }
}
