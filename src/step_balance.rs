//! Packs arranged into training steps and data-parallel ranks, so that
//! every rank of a step has about the same work.
//!
//! With packing, every row holds about max_len tokens but not the same
//! work: attention costs grow with the square of each sequence's length,
//! so a row of one 4,096-token sequence costs several times a row of eight
//! 512-token ones. A data-parallel step waits for its slowest rank. A step
//! is `world_size × micro_batch × grad_accum` packs, laid out rank after
//! rank ([`StepShape`]); [`imbalance`] measures what an order of packs
//! loses to waiting, and [`balanced_order`] gives an order that loses
//! little, still fresh every epoch.
//!
//! How [`balanced_order`] works: the packs are shuffled (seed and epoch,
//! as [`assign`](crate::assign::assign) shuffles them), then taken a window of
//! [`BalanceOptions::window_steps`] steps at a time. Within a window,
//! longest-processing-time first: the most costly pack goes to the least
//! loaded (step, rank) that still has room, until every rank of every step
//! holds its `micro_batch × grad_accum` packs, so that all the window's
//! ranks end with about the same work. The window's steps are then put in
//! a random order. A larger window balances better (more packs to choose
//! from) and mixes the epoch less (a pack stays within its window's steps).
//!
//! ```
//! use packlab::step_balance::{balanced_order, imbalance, BalanceOptions, StepShape};
//!
//! // Eight packs of uneven work on two ranks, two packs each per step.
//! let costs = [9.0, 1.0, 8.0, 2.0, 7.0, 3.0, 6.0, 4.0];
//! let shape = StepShape { world_size: 2, micro_batch: 2, grad_accum: 1 };
//! let order = balanced_order(&costs, &shape, &BalanceOptions::default(), 0, 0)?;
//! let measured = imbalance(&costs, &order, &shape)?;
//! assert_eq!(measured.steps, 2);
//! assert!(measured.lost_fraction < 0.05);
//! # Ok::<(), packlab::step_balance::BalanceError>(())
//! ```

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::flops::{AttentionKernel, FlopsError, ModelShape, TRAINING_FLOPS_PER_FORWARD_FLOP};
use crate::random::{epoch_seed, mix, SplitMix64};

/// How a training step takes packs: every one of `world_size`
/// data-parallel ranks takes `micro_batch` packs per forward pass and
/// `grad_accum` passes per optimizer step. A step's packs are laid out
/// rank after rank: rank 0's `micro_batch × grad_accum`, then rank 1's, …
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepShape {
    /// Data-parallel ranks (≥ 1).
    pub world_size: u32,
    /// Packs per rank per forward pass (≥ 1).
    pub micro_batch: u32,
    /// Forward passes per optimizer step (≥ 1).
    pub grad_accum: u32,
}

impl StepShape {
    /// Packs one rank takes in one step.
    pub fn packs_per_rank(&self) -> u64 {
        u64::from(self.micro_batch) * u64::from(self.grad_accum)
    }

    /// Packs one step takes over all ranks.
    /// (Saturating: a shape of more packs than a `u64` holds has no whole
    /// step in any dataset.)
    pub fn packs_per_step(&self) -> u64 {
        u64::from(self.world_size).saturating_mul(self.packs_per_rank())
    }

    /// The step and the rank of the pack at `position` of an order.
    pub fn slot(&self, position: u64) -> (u64, u32) {
        let per_step = self.packs_per_step().max(1);
        let within = position % per_step;
        // Lossless: the rank is below world_size, a u32.
        (
            position / per_step,
            (within / self.packs_per_rank().max(1)) as u32,
        )
    }

    /// Checks that every count is at least 1.
    ///
    /// # Errors
    /// [`BalanceError::ZeroInShape`] naming the first count of 0.
    pub fn validate(&self) -> Result<(), BalanceError> {
        for (field, value) in [
            ("world_size", self.world_size),
            ("micro_batch", self.micro_batch),
            ("grad_accum", self.grad_accum),
        ] {
            if value == 0 {
                return Err(BalanceError::ZeroInShape { field });
            }
        }
        Ok(())
    }
}

/// The training FLOPs of a pack, from Packlab's FLOPs model
/// ([`crate::flops`]): the linear layers per token, attention per
/// query–key pair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PackCost {
    model: ModelShape,
    attention: AttentionKernel,
    max_len: u32,
}

impl PackCost {
    /// The cost of packs of rows of `max_len` tokens, for `model` under
    /// `attention`.
    ///
    /// # Errors
    /// An invalid model shape ([`ModelShape::validate`]).
    pub fn new(
        model: ModelShape,
        attention: AttentionKernel,
        max_len: u32,
    ) -> Result<Self, FlopsError> {
        model.validate()?;
        Ok(PackCost {
            model,
            attention,
            max_len,
        })
    }

    /// Training FLOPs of one pack of sequences of `lengths` tokens. Under
    /// a variable-length kernel (run padding-free) a pack costs its own
    /// tokens and the pairs within each sequence; under a dense masked
    /// kernel every row costs `max_len` tokens and `max_len²` pairs alike.
    pub fn of(&self, lengths: &[u32]) -> f64 {
        let (tokens, pairs) = match self.attention {
            AttentionKernel::VariableLength => {
                lengths.iter().fold((0.0, 0.0), |(tokens, pairs), &length| {
                    let length = f64::from(length);
                    (tokens + length, pairs + length * length)
                })
            }
            AttentionKernel::DenseMasked => {
                let row = f64::from(self.max_len);
                (row, row * row)
            }
        };
        TRAINING_FLOPS_PER_FORWARD_FLOP
            * (self.model.linear_flops_per_token() * tokens
                + self.model.attention_flops_per_pair() * pairs)
    }
}

/// How [`balanced_order`] balances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BalanceOptions {
    /// Steps balanced together (≥ 1): a pack stays within the steps of its
    /// window. More steps balance better and mix the epoch less.
    pub window_steps: u32,
}

impl Default for BalanceOptions {
    /// Windows of 64 steps.
    fn default() -> Self {
        BalanceOptions { window_steps: 64 }
    }
}

/// Why an order could not be made or measured.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BalanceError {
    /// A step shape with a count of 0.
    #[error("{field} must be at least 1")]
    ZeroInShape {
        /// The count.
        field: &'static str,
    },
    /// A window of no steps.
    #[error("window_steps must be at least 1")]
    ZeroWindow,
    /// A cost that is negative, infinite or not a number.
    #[error("pack {pack} has cost {cost}: a pack's work is a finite number from 0")]
    BadCost {
        /// The pack.
        pack: usize,
        /// Its cost, as text.
        cost: String,
    },
    /// An order that is not a permutation of the packs.
    #[error("the order is not a permutation of the {packs} packs (at position {position})")]
    NotAPermutation {
        /// The packs.
        packs: usize,
        /// The first position that repeats or leaves the range.
        position: usize,
    },
}

/// How unevenly an order of packs spreads work over the ranks of each
/// step. Only whole steps are measured; a last, partial step is counted
/// in `last_step_packs`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Imbalance {
    /// Whole steps.
    pub steps: u64,
    /// Packs of the last step when it is not whole (0 when every step is).
    pub last_step_packs: u64,
    /// The mean over steps of the slowest rank's work over the mean rank's
    /// work: 1 when every step is even.
    pub mean_slowest_over_mean: f64,
    /// The same for the most uneven step.
    pub worst_slowest_over_mean: f64,
    /// The GPU time lost to waiting, as a share of the GPU time spent:
    /// `Σ (slowest − mean) / Σ slowest` over the steps (each step holds
    /// every rank for its slowest rank's time).
    pub lost_fraction: f64,
    /// Each whole step's slowest rank over its mean, in order (left out
    /// of JSON: one figure a step, where the others summarise them).
    #[serde(skip_serializing)]
    pub per_step: Vec<f64>,
}

/// Measures how `order` (a permutation of the packs, whose work is
/// `costs`) spreads work over the ranks of each step of `shape`.
///
/// # Errors
/// A shape with a count of 0, a cost that is not a finite number from 0,
/// or an order that is not a permutation of the packs.
pub fn imbalance(
    costs: &[f64],
    order: &[usize],
    shape: &StepShape,
) -> Result<Imbalance, BalanceError> {
    shape.validate()?;
    check_costs(costs)?;
    check_permutation(order, costs.len())?;
    let per_step = shape.packs_per_step() as usize;
    let per_rank = shape.packs_per_rank() as usize;
    let mut ratios = Vec::with_capacity(order.len() / per_step);
    let (mut lost, mut spent) = (0.0, 0.0);
    for step in order.chunks_exact(per_step) {
        let (mut slowest, mut total) = (0.0f64, 0.0);
        for rank in step.chunks_exact(per_rank) {
            let work: f64 = rank
                .iter()
                .map(|&pack| costs.get(pack).copied().unwrap_or(0.0))
                .sum();
            slowest = slowest.max(work);
            total += work;
        }
        let mean = total / f64::from(shape.world_size);
        ratios.push(if mean > 0.0 { slowest / mean } else { 1.0 });
        lost += slowest - mean;
        spent += slowest;
    }
    let steps = ratios.len() as u64;
    Ok(Imbalance {
        steps,
        last_step_packs: (order.len() % per_step) as u64,
        mean_slowest_over_mean: if ratios.is_empty() {
            1.0
        } else {
            ratios.iter().sum::<f64>() / ratios.len() as f64
        },
        worst_slowest_over_mean: ratios.iter().copied().fold(1.0, f64::max),
        lost_fraction: if spent > 0.0 { lost / spent } else { 0.0 },
        per_step: ratios,
    })
}

/// An order of the packs (a permutation of `0..costs.len()`) whose every
/// step of `shape` gives its ranks about the same work, fresh for each
/// `(seed, epoch)`. See the module documentation for how.
///
/// The order is laid out as [`StepShape`] says: step after step, rank
/// after rank. Every step but the last is whole; in the last, the ranks
/// take their `micro_batch × grad_accum` packs in turn until none are
/// left.
///
/// # Errors
/// A shape with a count of 0, a window of 0 steps, or a cost that is not
/// a finite number from 0.
pub fn balanced_order(
    costs: &[f64],
    shape: &StepShape,
    options: &BalanceOptions,
    seed: u64,
    epoch: u32,
) -> Result<Vec<usize>, BalanceError> {
    shape.validate()?;
    if options.window_steps == 0 {
        return Err(BalanceError::ZeroWindow);
    }
    check_costs(costs)?;
    let mut random = SplitMix64::new(mix(epoch_seed(seed, epoch) ^ BALANCE_KEY));
    let mut shuffled: Vec<usize> = (0..costs.len()).collect();
    random.shuffle(&mut shuffled);

    let per_step = shape.packs_per_step() as usize;
    let window = per_step.saturating_mul(options.window_steps as usize);
    let mut order = Vec::with_capacity(costs.len());
    for packs in shuffled.chunks(window) {
        // Whole steps, then what is left: the last step, not whole.
        let whole = packs.len() / per_step * per_step;
        let (full, rest) = packs.split_at(whole);
        if !full.is_empty() {
            let steps = full.len() / per_step;
            let ranks = steps * shape.world_size as usize;
            let bins = fill_least_loaded(full, costs, ranks, shape.packs_per_rank() as usize);
            let mut step_order: Vec<usize> = (0..steps).collect();
            random.shuffle(&mut step_order);
            for step in step_order {
                let first = step * shape.world_size as usize;
                for bin in bins
                    .get(first..first + shape.world_size as usize)
                    .unwrap_or_default()
                {
                    order.extend_from_slice(bin);
                }
            }
        }
        // The last step, when it is not whole, as shuffled: its ranks take
        // their share in turn until none are left, so some have less work
        // (or none) whatever the order.
        order.extend_from_slice(rest);
    }
    Ok(order)
}

/// Separates the balance's shuffles from `assign`'s.
const BALANCE_KEY: u64 = 0xBA1A_9CE5;

/// Longest processing time first, with room: `packs` (most costly first)
/// each go to the least loaded of `bins` bins that holds fewer than
/// `room` packs (the lowest-numbered among equals). `bins × room` must be
/// at least the packs.
fn fill_least_loaded(packs: &[usize], costs: &[f64], bins: usize, room: usize) -> Vec<Vec<usize>> {
    let mut by_cost = packs.to_vec();
    by_cost.sort_by(|&a, &b| {
        let cost = |pack: usize| costs.get(pack).copied().unwrap_or(0.0);
        cost(b).total_cmp(&cost(a)).then(a.cmp(&b))
    });
    let mut filled: Vec<Vec<usize>> = vec![Vec::with_capacity(room); bins];
    // Costs are finite and from 0, so their bits order as the numbers do.
    let mut open: BinaryHeap<Reverse<(u64, usize)>> = (0..bins)
        .map(|bin| Reverse((0f64.to_bits(), bin)))
        .collect();
    for pack in by_cost {
        let Some(Reverse((load, bin))) = open.pop() else {
            break;
        };
        let Some(contents) = filled.get_mut(bin) else {
            continue;
        };
        contents.push(pack);
        if contents.len() < room {
            let load = f64::from_bits(load) + costs.get(pack).copied().unwrap_or(0.0);
            open.push(Reverse((load.to_bits(), bin)));
        }
    }
    filled
}

fn check_costs(costs: &[f64]) -> Result<(), BalanceError> {
    match costs
        .iter()
        .position(|cost| !cost.is_finite() || *cost < 0.0)
    {
        Some(pack) => Err(BalanceError::BadCost {
            pack,
            cost: costs
                .get(pack)
                .map_or_else(String::new, ToString::to_string),
        }),
        None => Ok(()),
    }
}

pub(crate) fn check_permutation(order: &[usize], packs: usize) -> Result<(), BalanceError> {
    let mut seen = vec![false; packs];
    for (position, &pack) in order.iter().enumerate() {
        match seen.get_mut(pack) {
            Some(taken) if !*taken => *taken = true,
            _ => return Err(BalanceError::NotAPermutation { packs, position }),
        }
    }
    if order.len() != packs {
        return Err(BalanceError::NotAPermutation {
            packs,
            position: order.len(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_follow_steps_then_ranks() {
        let shape = StepShape {
            world_size: 2,
            micro_batch: 2,
            grad_accum: 3,
        };
        assert_eq!(shape.packs_per_rank(), 6);
        assert_eq!(shape.packs_per_step(), 12);
        assert_eq!(shape.slot(0), (0, 0));
        assert_eq!(shape.slot(5), (0, 0));
        assert_eq!(shape.slot(6), (0, 1));
        assert_eq!(shape.slot(12), (1, 0));
        let broken = StepShape {
            grad_accum: 0,
            ..shape
        };
        assert_eq!(
            broken.validate(),
            Err(BalanceError::ZeroInShape {
                field: "grad_accum"
            })
        );
    }

    #[test]
    fn imbalance_of_a_known_order() {
        // Two ranks, one pack each: steps (4, 2) and (3, 3).
        let costs = [4.0, 2.0, 3.0, 3.0, 5.0];
        let shape = StepShape {
            world_size: 2,
            micro_batch: 1,
            grad_accum: 1,
        };
        let measured = imbalance(&costs, &[0, 1, 2, 3, 4], &shape).unwrap();
        assert_eq!(measured.steps, 2);
        assert_eq!(measured.last_step_packs, 1);
        assert_eq!(measured.per_step, vec![4.0 / 3.0, 1.0]);
        assert!((measured.lost_fraction - 1.0 / 7.0).abs() < 1e-12);
        assert_eq!(
            imbalance(&costs, &[0, 1, 2, 3, 3], &shape),
            Err(BalanceError::NotAPermutation {
                packs: 5,
                position: 4
            })
        );
        assert!(matches!(
            imbalance(&[1.0, f64::NAN], &[0, 1], &shape),
            Err(BalanceError::BadCost { pack: 1, .. })
        ));
    }

    #[test]
    fn pack_costs_follow_the_flops_model() {
        let model = crate::flops::ModelPreset::Decoder7b.shape();
        let cost = PackCost::new(model, AttentionKernel::VariableLength, 4096).unwrap();
        let one_long = cost.of(&[4096]);
        let eight_short = cost.of(&[512; 8]);
        // Same tokens; eight times fewer attention pairs.
        let linear = 3.0 * model.linear_flops_per_token() * 4096.0;
        let pairs = 3.0 * model.attention_flops_per_pair();
        assert!((one_long - (linear + pairs * 4096.0 * 4096.0)).abs() / one_long < 1e-12);
        assert!((eight_short - (linear + pairs * 8.0 * 512.0 * 512.0)).abs() / eight_short < 1e-12);
        let dense = PackCost::new(model, AttentionKernel::DenseMasked, 4096).unwrap();
        assert_eq!(dense.of(&[4096]), dense.of(&[1]));
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]

            /// Every pack exactly once; every whole step's ranks hold
            /// their share; the same seed and epoch give the same order.
            #[test]
            fn balanced_orders_keep_every_pack_once(
                costs in proptest::collection::vec(0.0f64..100.0, 0..400),
                world_size in 1u32..9,
                micro_batch in 1u32..4,
                grad_accum in 1u32..4,
                window_steps in 1u32..10,
                seed in 0u64..3,
                epoch in 0u32..3,
            ) {
                let shape = StepShape { world_size, micro_batch, grad_accum };
                let options = BalanceOptions { window_steps };
                let order = balanced_order(&costs, &shape, &options, seed, epoch).unwrap();
                let measured = imbalance(&costs, &order, &shape).unwrap();
                prop_assert_eq!(measured.steps * shape.packs_per_step() + measured.last_step_packs, costs.len() as u64);
                prop_assert_eq!(&order, &balanced_order(&costs, &shape, &options, seed, epoch).unwrap());
            }
        }
    }
}
