//! LLaMA-Factory's packing of supervised data (`packing: true` or
//! `neat_packing: true`), as of LLaMA-Factory 0.9.6.dev0 (commit ff6d4d1;
//! `data/processor/supervised.py`, `data/processor/processor_utils.py`,
//! `hparams/data_args.py`).
//!
//! - **One token less.** Turning packing on lowers `cutoff_len` by one:
//!   samples are truncated to `cutoff_len − 1` tokens and packed into
//!   knapsacks of `cutoff_len − 1`, and each packed row is padded to
//!   `cutoff_len`, so every row holds at least one padding token. Packlab's
//!   max_len is the user's `cutoff_len`.
//! - **Per map batch.** Samples are packed within each `datasets.map`
//!   batch of `preprocessing_batch_size` rows (1,000 by default), in
//!   dataset order; every batch's last, part-full row is kept.
//! - **Greedy knapsack.** Each row opens with the longest sample left and
//!   takes, again and again, the longest sample left that still fits.
//!   Among samples of one length, the later in the batch goes first.

use std::collections::BTreeMap;

use super::plan::{Piece, Rows, TrainerPlan};
use super::settings::TrainerSettings;

/// LLaMA-Factory's greedy knapsack, batch by batch, on the sequences of
/// `lengths` read in `order`. `settings.max_len` is `cutoff_len`, at
/// least 2 (the caller checks).
pub(super) fn pack(lengths: &[u32], order: &[u32], settings: &TrainerSettings) -> TrainerPlan {
    let capacity = settings.max_len.saturating_sub(1);
    let mut rows = Rows::default();
    let mut row: Vec<Piece> = Vec::new();
    for batch in order.chunks(settings.map_batch_rows as usize) {
        // Samples by their length after truncation, each list in batch order.
        let mut by_length: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for &sequence in batch {
            let tokens = lengths
                .get(sequence as usize)
                .copied()
                .unwrap_or(0)
                .min(capacity);
            // An empty sample adds no tokens: it is left out.
            if tokens > 0 {
                by_length.entry(tokens).or_default().push(sequence);
            }
        }
        while !by_length.is_empty() {
            row.clear();
            let mut room = capacity;
            while let Some((&tokens, samples)) = by_length.range_mut(..=room).next_back() {
                // The later sample of this length first.
                let Some(sequence) = samples.pop() else {
                    break;
                };
                if samples.is_empty() {
                    by_length.remove(&tokens);
                }
                row.push(Piece::first(sequence, tokens));
                room -= tokens;
            }
            rows.push(row.drain(..));
        }
    }
    rows.into_plan(settings.max_len, lengths)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trainers::plan::testing::{in_order, rows, settings};

    #[test]
    fn the_knapsack_of_llamafactorys_own_function() {
        // LLaMA-Factory's greedy_knapsack at capacity 10 (cutoff_len 11):
        // [5, 3, 8, 2, 2, 7] → [8, 2], [7, 3], [5, 2]; of the two 2s, the
        // later sample goes first.
        let lengths = [5, 3, 8, 2, 2, 7];
        let plan = pack(&lengths, &in_order(&lengths), &settings(11, 1000));
        assert_eq!(
            rows(&plan),
            vec![
                vec![(2, 8), (4, 2)],
                vec![(5, 7), (1, 3)],
                vec![(0, 5), (3, 2)]
            ]
        );
        // [1, 1, 1, 1, 9] → [9, 1], [1, 1, 1]; [4; 5] → [4, 4], [4, 4], [4].
        let lengths = [1, 1, 1, 1, 9];
        let plan = pack(&lengths, &in_order(&lengths), &settings(11, 1000));
        let tokens: Vec<Vec<u32>> = rows(&plan)
            .iter()
            .map(|row| row.iter().map(|&(_, t)| t).collect())
            .collect();
        assert_eq!(tokens, vec![vec![9, 1], vec![1, 1, 1]]);
        let lengths = [4; 5];
        assert_eq!(
            pack(&lengths, &in_order(&lengths), &settings(11, 1000)).rows(),
            3
        );
    }

    #[test]
    fn rows_keep_a_token_of_padding() {
        // cutoff_len 10: knapsacks of 9. 5 + 4 fill one; a 10 is cut to 9.
        let lengths = [5, 4, 10];
        let plan = pack(&lengths, &in_order(&lengths), &settings(10, 1000));
        assert_eq!(rows(&plan), vec![vec![(2, 9)], vec![(0, 5), (1, 4)]]);
        assert_eq!(plan.accounting.tokens_truncated, 1);
        assert!((plan.efficiency() - 0.9).abs() < 1e-12);
    }

    #[test]
    fn batches_are_packed_apart() {
        // Knapsacks of 9 in batches of 2: [5, 5] then [4, 4].
        let lengths = [5, 5, 4, 4];
        assert_eq!(
            pack(&lengths, &in_order(&lengths), &settings(10, 2)).rows(),
            3
        );
        assert_eq!(
            pack(&lengths, &in_order(&lengths), &settings(10, 4)).rows(),
            2
        );
    }
}
