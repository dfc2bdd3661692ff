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
//!
//! **The epoch's length.** The sampler draws a fresh permutation each time
//! it is iterated, and its length (`__len__`, what the Trainer counts
//! steps by) is the fewest bins of four such draws (`num_count_samples`,
//! on one process), after a first draw whose packing efficiency axolotl
//! logs and rounds up into `sample_packing_eff_est`. The epoch trains the
//! last draw's bins, cut to that length: bins past it are left out of the
//! epoch ([`SamplerEpoch`]). With `sample_packing_eff_est` set, the
//! scheduler counts its steps from the tokens instead:
//! `⌊0.99 × tokens / eff_est / sequence_len // batch_size⌋ − 1`
//! (`utils/trainer.py`, `calculate_total_num_steps`).

use crate::random::SplitMix64;

use super::first_fit::first_fit;
use super::plan::{Piece, Rows, SamplerEpoch, TrainerPlan};

/// Draws of the sampler that count its length (`num_count_samples` on one
/// process).
pub(super) const LENGTH_DRAWS: usize = 4;

/// The scheduler's steps per epoch once `sample_packing_eff_est` is set,
/// for `tokens` tokens in bins of `max_len` and `batch_size` bins per
/// step: `⌊0.99 × tokens / eff_est / max_len // batch_size⌋ − 1` (−1 for a
/// dataset smaller than a step, as axolotl computes it).
fn steps_estimated(eff_est: f64, tokens: u64, max_len: u32, batch_size: u32) -> i64 {
    let bins = 0.99 * tokens as f64 / eff_est / f64::from(max_len);
    (bins / f64::from(batch_size.max(1))).floor() as i64 - 1
}

/// axolotl's epoch: `pack` (first fit in groups, or next fit) on the
/// sampler's draws from `seed` of `order`, as the module docs tell, with
/// bins of `max_len` tokens and `batch_size` bins per step.
pub(super) fn epoch(
    order: &[u32],
    seed: u64,
    max_len: u32,
    batch_size: u32,
    pack: impl Fn(&[u32]) -> TrainerPlan,
) -> TrainerPlan {
    let mut generator = SplitMix64::new(seed);
    let mut draw = || {
        let mut sampled = order.to_vec();
        generator.shuffle(&mut sampled);
        pack(&sampled)
    };
    let first = draw();
    let efficiency = first.efficiency();
    let mut trained = first;
    let mut sampled_bins = Vec::with_capacity(LENGTH_DRAWS);
    for _ in 0..LENGTH_DRAWS {
        trained = draw();
        sampled_bins.push(trained.rows() as u64);
    }
    let loader_batches = sampled_bins.iter().copied().min().unwrap_or(0);
    let left_out = (loader_batches as usize..trained.rows()).map(|row| trained.row(row));
    let (sequences, tokens) = left_out.fold((0u64, 0u64), |(sequences, tokens), row| {
        let row_tokens: u64 = row.iter().map(|piece| u64::from(piece.tokens)).sum();
        (sequences + row.len() as u64, tokens + row_tokens)
    });
    let eff_est = (efficiency * 100.0).ceil() / 100.0;
    trained.sampler_epoch = Some(SamplerEpoch {
        bins_not_trained: trained.rows() as u64 - loader_batches,
        sampled_bins,
        loader_batches,
        sequences_not_trained: sequences,
        tokens_not_trained: tokens,
        sample_packing_eff_est: eff_est,
        steps_estimated: steps_estimated(
            eff_est,
            trained.accounting.tokens_packed,
            max_len,
            batch_size,
        ),
    });
    trained
}

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
    fn the_epoch_is_the_fewest_bins_of_four_draws_and_trains_the_last() {
        // Bins of 10 with a cap of 2 samples: how many bins a draw needs
        // depends on which samples meet.
        let lengths = [6, 4, 6, 4, 5, 5, 3, 2, 8, 7];
        let order = in_order(&lengths);
        let plan = epoch(&order, 9, 10, 1, |sampled| {
            pack(&lengths, sampled, 10, 100, 2)
        });
        let sampler = plan.sampler_epoch.clone().unwrap();
        assert_eq!(sampler.sampled_bins.len(), LENGTH_DRAWS);
        assert_eq!(
            sampler.loader_batches,
            *sampler.sampled_bins.iter().min().unwrap()
        );
        // The trained draw is the last one counted.
        assert_eq!(plan.rows() as u64, sampler.sampled_bins[LENGTH_DRAWS - 1]);
        assert_eq!(
            sampler.bins_not_trained,
            plan.rows() as u64 - sampler.loader_batches
        );
        let tail: u64 = (sampler.loader_batches as usize..plan.rows())
            .map(|row| plan.row_tokens(row))
            .sum();
        assert_eq!(sampler.tokens_not_trained, tail);
        // The estimate is a hundredth at or above some draw's efficiency.
        assert!(sampler.sample_packing_eff_est > 0.0 && sampler.sample_packing_eff_est <= 1.0);
        assert_eq!(
            (sampler.sample_packing_eff_est * 100.0).round(),
            sampler.sample_packing_eff_est * 100.0
        );
    }

    #[test]
    fn the_schedulers_estimate_is_axolotls_formula() {
        // ⌊0.99 × 1,300,000 / 0.94 / 2,048 // 4⌋ − 1 = ⌊668.54… / 4⌋ − 1 = 166.
        assert_eq!(steps_estimated(0.94, 1_300_000, 2_048, 4), 166);
        // A dataset smaller than a step: −1, as axolotl computes it.
        assert_eq!(steps_estimated(0.94, 100, 2_048, 4), -1);
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
