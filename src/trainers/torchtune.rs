//! torchtune's `PackedDataset`, as of torchtune 0.7.0
//! (`torchtune/datasets/_packed.py`, commit bd2a0fc).
//!
//! torchtune packs once, when the dataset is built, in dataset order (its
//! sampler shuffles whole packs later), with one open pack at a time: next
//! fit. A sample that does not fit what is left of the open pack:
//!
//! - by default (`split_across_pack=False`, what the SFT, instruct and chat
//!   builders use) closes the pack, part-full, and opens the next. A sample
//!   longer than `max_seq_len` is an error there, but torchtune's SFT
//!   tokenizers truncate every sample to `max_seq_len` first, so Packlab
//!   truncates it, as they do;
//! - with `split_across_pack=True` (the text-completion builder's default)
//!   fills the open pack to exactly `max_seq_len` and carries the rest
//!   over, as often as it takes: a sample can span any number of packs.
//!
//! The last pack is kept part-full, and every pack is padded to
//! `max_seq_len`. (`max_packs`, unset by default, is not modelled.)

use super::plan::{truncated, Rows, TrainerPlan};

/// torchtune's next fit on the sequences of `lengths` read in `order`,
/// splitting across packs or not.
pub(super) fn pack(
    lengths: &[u32],
    order: &[u32],
    max_len: u32,
    split_across_pack: bool,
) -> TrainerPlan {
    let mut rows = Rows::default();
    if split_across_pack {
        // Filling every pack and carrying the rest over is cutting the
        // concatenated samples every max_seq_len tokens.
        rows.cut(lengths, order, max_len);
    } else {
        // The tokenizer's truncation, then next fit.
        rows.next_fit(truncated(lengths, order, max_len), max_len);
    }
    rows.into_plan(max_len, lengths)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trainers::plan::testing::{in_order, row_tokens as rows};

    #[test]
    fn next_fit_closes_a_pack_that_cannot_take_the_next_sample() {
        // torchtune 0.7.0 at max_seq_len 6, traced from its source:
        // [3, 2, 2, 4, 1] packs as [3, 2], [2, 4], [1].
        let lengths = [3, 2, 2, 4, 1];
        let plan = pack(&lengths, &in_order(&lengths), 6, false);
        assert_eq!(rows(&plan), vec![vec![3, 2], vec![2, 4], vec![1]]);
        // [3, 3, 2]: [3, 3] fills the first pack exactly.
        let lengths = [3, 3, 2];
        let plan = pack(&lengths, &in_order(&lengths), 6, false);
        assert_eq!(rows(&plan), vec![vec![3, 3], vec![2]]);
    }

    #[test]
    fn splitting_fills_every_pack_and_carries_the_rest() {
        // [4, 5, 1]: the 5 fills the first pack's 2 tokens and carries 3.
        let lengths = [4, 5, 1];
        let plan = pack(&lengths, &in_order(&lengths), 6, true);
        assert_eq!(rows(&plan), vec![vec![4, 2], vec![3, 1]]);
        // [2, 15, 3]: the 15 spans three packs.
        let lengths = [2, 15, 3];
        let plan = pack(&lengths, &in_order(&lengths), 6, true);
        assert_eq!(rows(&plan), vec![vec![2, 4], vec![6], vec![5, 1], vec![2]]);
        assert_eq!(plan.accounting.sequences_split, 2);
    }

    #[test]
    fn samples_longer_than_a_pack_are_truncated_without_splitting() {
        let lengths = [9, 2];
        let plan = pack(&lengths, &in_order(&lengths), 6, false);
        assert_eq!(rows(&plan), vec![vec![6], vec![2]]);
        assert_eq!(plan.accounting.tokens_truncated, 3);
    }
}
