//! axolotl's sample packing (`sample_packing: true`), as of axolotl 0.18.0
//! (commit 2f5cb9d; `src/axolotl/utils/samplers/multipack.py`, the length
//! filters of `utils/data/utils.py` and `utils/trainer.py`, the defaults
//! of `utils/schemas/config.py`).
//!
//! - **Filtered first.** Before packing, samples shorter than
//!   `min_sample_len` (2) or longer than `sequence_len` are dropped
//!   (`excess_length_strategy: drop`, the default).
//! - **Shuffled.** The multipack sampler packs in its sampler's order: a
//!   random permutation of the dataset each epoch (`RandomSampler`), or the
//!   dataset order with `curriculum_sampling`. Packlab draws the
//!   permutation with its own generator and `--seed`: the same kind of
//!   order, not torch's draw.
//! - **In groups.** The order is cut into groups of
//!   `sample_packing_group_size` (100,000) samples, packed apart.
//! - **First fit, in order.** Within a group, each sample joins the first
//!   bin (in the order bins were opened) with room for it and fewer than
//!   `sample_packing_bin_size` (200) samples, or opens a bin. Bins never
//!   close. With `sample_packing_sequentially`, only the last bin is open
//!   (next fit), with neither groups nor the cap.
//!
//! A bin holds `micro_batch_size × sequence_len` tokens with a
//! variable-length attention (flash attention: one bin per step), or
//! `sequence_len` (otherwise); Packlab's max_len is that capacity.

use super::first_fit::first_fit;
use super::plan::{Piece, Rows, TrainerPlan};

/// Shortest sample axolotl keeps (`min_sample_len`).
pub(super) const MIN_SAMPLE_TOKENS: u32 = 2;

/// The samples axolotl packs: those of `order` it keeps, in that order.
fn kept(lengths: &[u32], order: &[u32], max_len: u32) -> Vec<Piece> {
    order
        .iter()
        .filter_map(|&sequence| {
            let tokens = lengths.get(sequence as usize).copied().unwrap_or(0);
            (MIN_SAMPLE_TOKENS..=max_len)
                .contains(&tokens)
                .then_some(Piece::first(sequence, tokens))
        })
        .collect()
}

/// axolotl's first fit within groups, on `lengths` read in `order` (the
/// sampler's order), with at most `bin_size` samples per bin.
pub(super) fn pack(
    lengths: &[u32],
    order: &[u32],
    max_len: u32,
    group_size: u32,
    bin_size: u32,
) -> TrainerPlan {
    let samples = kept(lengths, order, max_len);
    let mut rows = Rows::default();
    for group in samples.chunks(group_size.max(1) as usize) {
        for bin in first_fit(group, |sample| sample.tokens, max_len, Some(bin_size)) {
            rows.push(bin);
        }
    }
    rows.into_plan(max_len, lengths)
}

/// axolotl's sequential packing: next fit in the sampler's order.
pub(super) fn pack_sequentially(lengths: &[u32], order: &[u32], max_len: u32) -> TrainerPlan {
    let mut rows = Rows::default();
    rows.next_fit(kept(lengths, order, max_len), max_len);
    rows.into_plan(max_len, lengths)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trainers::plan::testing::{in_order, row_tokens as rows};

    #[test]
    fn first_fit_goes_back_to_the_first_bin_with_room() {
        // Bins of 10: 6 opens a bin, 7 another, 3 goes back to the first,
        // 2 to the second, 4 opens a third.
        let lengths = [6, 7, 3, 2, 4];
        let plan = pack(&lengths, &in_order(&lengths), 10, 100, 200);
        assert_eq!(rows(&plan), vec![vec![6, 3], vec![7, 2], vec![4]]);
        // Next fit never goes back: 6, then 7 closes it, 3 and 2 join the
        // 7, and 4 opens a bin.
        let plan = pack_sequentially(&lengths, &in_order(&lengths), 10);
        assert_eq!(rows(&plan), vec![vec![6], vec![7, 3], vec![2, 4]]);
    }

    #[test]
    fn a_bin_takes_at_most_bin_size_samples() {
        let lengths = [2; 7];
        let plan = pack(&lengths, &in_order(&lengths), 100, 100, 3);
        assert_eq!(rows(&plan), vec![vec![2, 2, 2], vec![2, 2, 2], vec![2]]);
    }

    #[test]
    fn groups_are_packed_apart() {
        // Groups of 2 samples: [6, 7] and [3, 2] cannot share bins.
        let lengths = [6, 7, 3, 2];
        let plan = pack(&lengths, &in_order(&lengths), 10, 2, 200);
        assert_eq!(rows(&plan), vec![vec![6], vec![7], vec![3, 2]]);
    }

    #[test]
    fn short_and_over_long_samples_are_dropped() {
        let lengths = [1, 5, 11, 10];
        let plan = pack(&lengths, &in_order(&lengths), 10, 100, 200);
        assert_eq!(rows(&plan), vec![vec![5], vec![10]]);
        assert_eq!(plan.accounting.sequences_dropped, 2);
        assert_eq!(plan.accounting.tokens_dropped, 12);
    }
}
