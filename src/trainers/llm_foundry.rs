//! MosaicML llm-foundry's `BinPackCollator` (`dataset.packing_ratio` in a
//! fine-tuning config), as of llm-foundry commit 8c8dd48
//! (`llmfoundry/data/packing.py`, last changed in 6bf396f).
//!
//! The data loader hands the collator `⌊batch_size × packing_ratio⌋`
//! examples at a time, in the loader's (shuffled) order, each truncated to
//! `max_seq_len`; the collator returns `batch_size` rows. Between calls it
//! keeps the bins it did not return ("leftovers", all of them by default)
//! and fills them further with the next examples. Within a call:
//!
//! 1. the new examples, longest first (ties in loader order), each go into
//!    the first bin with room, and that bin moves to the end of the list;
//!    an example opens a bin of its own when no bin has room, and also
//!    whenever the examples left are exactly as many as the bins still
//!    missing for a full batch;
//! 2. the bins, stably sorted by size, largest first: the first
//!    `batch_size` are the rows, the rest the leftovers.
//!
//! Bins still left over when the epoch ends are never trained on that
//! epoch: Packlab counts their sequences as dropped.
//!
//! `packing_ratio: auto` profiles up to 20 ratios from 1 to
//! `max_seq_len / 100` on the first `100 × ⌊batch_size × largest ratio⌋`
//! examples and keeps the largest ratio, in increasing order, before the
//! first one that leaves any token over; Packlab profiles on the first
//! examples of the same order it packs.

use super::plan::{truncated, Piece, Rows, TrainerPlan};
use super::settings::PackingRatio;

/// Ratios `auto` tries (`num_packing_ratios`).
const PROFILED_RATIOS: usize = 20;

/// Examples per profiled ratio's batch, times the largest batch.
const PROFILED_BATCHES: usize = 100;

/// A bin: its tokens and its examples, in the order they joined.
#[derive(Debug, Clone)]
struct Bin {
    tokens: u32,
    pieces: Vec<Piece>,
}

/// The collator's state across calls: the bins kept for the next.
#[derive(Debug, Default)]
struct Collator {
    leftovers: Vec<Bin>,
    /// Tokens handed to the collator and tokens it returned in rows.
    tokens_in: u64,
    tokens_out: u64,
}

impl Collator {
    /// One call: `examples` (each at most `max_len` tokens) in, at most
    /// `rows` rows out, in the order the collator returns them.
    fn pack(&mut self, examples: &[Piece], rows: usize, max_len: u32) -> Vec<Bin> {
        let mut sorted: Vec<Piece> = examples.to_vec();
        // Stable: equal sizes keep their loader order.
        sorted.sort_by_key(|piece| std::cmp::Reverse(piece.tokens));
        self.tokens_in += sorted.iter().map(|p| u64::from(p.tokens)).sum::<u64>();
        let mut bins = std::mem::take(&mut self.leftovers);
        let new_bin = |piece: Piece| Bin {
            tokens: piece.tokens,
            pieces: vec![piece],
        };
        if sorted.len() < rows.saturating_sub(bins.len()) {
            bins.extend(sorted.into_iter().map(new_bin));
        } else {
            let count = sorted.len();
            for (index, piece) in sorted.into_iter().enumerate() {
                let missing = rows.saturating_sub(bins.len());
                let fitting = if count - index == missing {
                    None
                } else {
                    bins.iter()
                        .position(|bin| bin.tokens + piece.tokens <= max_len)
                };
                match fitting {
                    Some(position) => {
                        // The bin moves to the end of the list.
                        let mut bin = bins.remove(position);
                        bin.tokens += piece.tokens;
                        bin.pieces.push(piece);
                        bins.push(bin);
                    }
                    None => bins.push(new_bin(piece)),
                }
            }
        }
        bins.sort_by_key(|bin| std::cmp::Reverse(bin.tokens));
        let leftovers = bins.split_off(rows.min(bins.len()));
        self.tokens_out += bins.iter().map(|bin| u64::from(bin.tokens)).sum::<u64>();
        self.leftovers = leftovers;
        bins
    }
}

/// Examples per call at `ratio`: `⌊batch_size × ratio⌋`, at least one.
fn per_call(batch_size: u32, ratio: f64) -> usize {
    // `as` saturates; ratios are checked to be finite and at least 1.
    ((f64::from(batch_size) * ratio) as usize).max(1)
}

/// The ratio `auto` chooses for `examples` (in loader order) at
/// `max_len` and `batch_size`.
pub(super) fn auto_ratio(examples_in_order: &[Piece], max_len: u32, batch_size: u32) -> f64 {
    if max_len <= 100 {
        return 1.0;
    }
    let largest = f64::from(max_len) / 100.0;
    let mut candidates: Vec<(f64, usize)> = Vec::new();
    for step in 0..PROFILED_RATIOS {
        let linear = 1.0 + (largest - 1.0) * step as f64 / (PROFILED_RATIOS - 1) as f64;
        // NumPy rounds half to even.
        let ratio = (linear * 10.0).round_ties_even() / 10.0;
        let raw = (f64::from(batch_size) * ratio) as usize;
        if !candidates.iter().any(|&(_, seen)| seen == raw) {
            candidates.push((ratio, raw));
        }
    }
    let most = candidates.iter().map(|&(_, raw)| raw).max().unwrap_or(1);
    let profiled = &examples_in_order[..examples_in_order.len().min(most * PROFILED_BATCHES)];
    let mut chosen = 1.0;
    for (ratio, raw) in candidates {
        let mut collator = Collator::default();
        for chunk in profiled.chunks(raw.max(1)) {
            if chunk.len() < batch_size as usize {
                continue;
            }
            collator.pack(chunk, batch_size as usize, max_len);
        }
        if collator.tokens_out == 0 || collator.tokens_out < collator.tokens_in {
            break;
        }
        chosen = ratio;
    }
    chosen
}

/// llm-foundry's collator over one epoch of `lengths` read in `order`,
/// `batch_size` rows per call at `ratio` (already chosen if `auto`).
pub(super) fn pack(
    lengths: &[u32],
    order: &[u32],
    max_len: u32,
    batch_size: u32,
    ratio: PackingRatio,
) -> TrainerPlan {
    // What the loader hands the collator: each example truncated to
    // max_seq_len.
    let examples: Vec<Piece> = truncated(lengths, order, max_len).collect();
    let ratio = match ratio {
        PackingRatio::Auto => auto_ratio(&examples, max_len, batch_size),
        PackingRatio::Fixed(ratio) => ratio,
    };
    let mut collator = Collator::default();
    let mut rows = Rows::default();
    for call in examples.chunks(per_call(batch_size, ratio)) {
        for bin in collator.pack(call, batch_size as usize, max_len) {
            rows.push(bin.pieces);
        }
    }
    let mut plan = rows.into_plan(max_len, lengths);
    plan.packing_ratio = Some(ratio);
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trainers::plan::testing::{in_order, row_tokens};

    #[test]
    fn first_fit_moves_the_bin_it_fills_to_the_end() {
        // llm-foundry's own test, traced: rows of 5, 2 rows, sizes
        // [1, 2, 4, 3]. 4 opens A, 3 opens B, 2 fills B (B moves to the
        // end), 1 fills A (A moves to the end): rows [3, 2] and [4, 1].
        let lengths = [1, 2, 4, 3];
        let plan = pack(
            &lengths,
            &in_order(&lengths),
            5,
            2,
            PackingRatio::Fixed(2.0),
        );
        assert_eq!(row_tokens(&plan), vec![vec![3, 2], vec![4, 1]]);
    }

    #[test]
    fn leftovers_carry_over_and_a_call_makes_up_its_rows() {
        // Sizes [1, 2, 4, 4] make [4, 1] and [4]; the 2 is left over. The
        // next call, a single 1, must make two rows: the 1 opens a bin of
        // its own, and the rows are [2] and [1].
        let lengths = [1, 2, 4, 4, 1];
        let plan = pack(
            &lengths,
            &in_order(&lengths),
            5,
            2,
            PackingRatio::Fixed(2.0),
        );
        assert_eq!(
            row_tokens(&plan),
            vec![vec![4, 1], vec![4], vec![2], vec![1]]
        );
        assert_eq!(plan.accounting.sequences_dropped, 0);
    }

    #[test]
    fn bins_left_at_the_end_of_the_epoch_are_dropped() {
        // One row per call, four examples per call: the 3 and the 2 left
        // over never come back.
        let lengths = [5, 3, 2, 1];
        let plan = pack(
            &lengths,
            &in_order(&lengths),
            5,
            1,
            PackingRatio::Fixed(4.0),
        );
        assert_eq!(row_tokens(&plan), vec![vec![5]]);
        assert_eq!(plan.accounting.sequences_dropped, 3);
    }

    #[test]
    fn auto_keeps_the_largest_ratio_that_leaves_nothing_over() {
        // Rows of 1,000 and 100-token examples: ten fit a row, so every
        // ratio up to 10 leaves nothing over: auto chooses 10.
        let examples: Vec<Piece> = (0..20_000).map(|i| Piece::first(i, 100)).collect();
        assert_eq!(auto_ratio(&examples, 1_000, 4), 10.0);
        // Rows of 100 tokens or fewer: no profiling, a ratio of 1.
        assert_eq!(auto_ratio(&examples, 100, 4), 1.0);
    }
}
