//! Padding-free batches: transformers' `DataCollatorWithFlattening`, as
//! of transformers 5.25.0 (`src/transformers/data/data_collator.py`),
//! which `SFTConfig(padding_free=True)` in TRL 1.16 does the same as.
//!
//! There are no bins. The Trainer's sampler shuffles the dataset, the
//! loader cuts that order into batches of `per_device_train_batch_size`
//! sequences (the last one short: `dataloader_drop_last` is false by
//! default), and the collator concatenates each batch into one row of
//! their summed length, the position ids restarting at 0 at each sequence
//! so that a variable-length attention kernel keeps them apart. Nothing is
//! padded, so the tokens a step computes follow the lengths drawn: what a
//! user needs to know is their spread, for the memory a step can need.
//! Sequences are truncated to max_len by the tokenizer first (TRL's
//! `max_length`).
//!
//! A simulation's row is one step: the plan is checked against rows of
//! `batch_size × max_len` tokens, the most a step can hold.

use serde::Serialize;

use super::plan::{truncated, Rows, TrainerPlan};

/// Each batch of `batch_size` sequences of `sampled` (the sampler's
/// order), truncated to `max_len`, flattened into one row of
/// `step_tokens = batch_size × max_len` tokens at most.
pub(super) fn flatten(
    lengths: &[u32],
    sampled: &[u32],
    max_len: u32,
    batch_size: u32,
    step_tokens: u32,
) -> TrainerPlan {
    let mut rows = Rows::default();
    let pieces: Vec<_> = truncated(lengths, sampled, max_len).collect();
    for batch in pieces.chunks(batch_size.max(1) as usize) {
        rows.push(batch.iter().copied());
    }
    rows.into_plan(step_tokens, lengths)
}

/// The tokens of each step of a padding-free epoch, in figures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StepTokens {
    /// The mean over steps.
    pub mean: f64,
    /// Their standard deviation (over the epoch's steps).
    pub std: f64,
    /// The fewest a step holds (the last, short batch included).
    pub min: u64,
    /// The median step.
    pub p50: u64,
    /// 99% of steps hold at most this many.
    pub p99: u64,
    /// The most a step holds: what memory must have room for.
    pub max: u64,
}

impl StepTokens {
    /// The figures of `plan`'s rows, one per step; `None` without steps.
    pub fn of(plan: &TrainerPlan) -> Option<StepTokens> {
        let mut tokens: Vec<u64> = (0..plan.rows()).map(|row| plan.row_tokens(row)).collect();
        if tokens.is_empty() {
            return None;
        }
        tokens.sort_unstable();
        let count = tokens.len() as f64;
        let mean = tokens.iter().map(|&t| t as f64).sum::<f64>() / count;
        let variance = tokens
            .iter()
            .map(|&t| (t as f64 - mean).powi(2))
            .sum::<f64>()
            / count;
        // The nearest rank: the smallest value with at least q of the steps
        // at or below it.
        let rank = |q: f64| tokens[((q * count).ceil() as usize).clamp(1, tokens.len()) - 1];
        Some(StepTokens {
            mean,
            std: variance.sqrt(),
            min: tokens[0],
            p50: rank(0.5),
            p99: rank(0.99),
            max: tokens[tokens.len() - 1],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trainers::plan::testing::{in_order, row_tokens as rows};

    #[test]
    fn each_batch_is_one_row_and_the_last_is_short() {
        // Batches of 2 at max_len 6: [5, 2], [9 → 6, 1], [3].
        let lengths = [5, 2, 9, 1, 3];
        let plan = flatten(&lengths, &in_order(&lengths), 6, 2, 12);
        assert_eq!(rows(&plan), vec![vec![5, 2], vec![6, 1], vec![3]]);
        assert_eq!(plan.accounting.tokens_truncated, 3);
        let steps = StepTokens::of(&plan).unwrap();
        assert_eq!((steps.min, steps.p50, steps.p99, steps.max), (3, 7, 7, 7));
        assert!((steps.mean - 17.0 / 3.0).abs() < 1e-12);
        let variance =
            ((7.0 - 17.0 / 3.0_f64).powi(2) * 2.0 + (3.0 - 17.0 / 3.0_f64).powi(2)) / 3.0;
        assert!((steps.std - variance.sqrt()).abs() < 1e-12);
    }
}
