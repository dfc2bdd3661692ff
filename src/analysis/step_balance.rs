//! How evenly one plan's packs spread work over the data-parallel ranks of
//! each training step: in a shuffled order, as trainers take packs today,
//! and in Packlab's balanced order (see [`crate::step_balance`]).
//!
//! The question is answered on the plan's compositions, without the
//! sequences: each pack's work follows from its lengths alone. The two
//! orders are drawn as [`assign`](crate::assign::assign) and `packlab
//! assign --balance` draw theirs, from the seed and the epoch, so their
//! figures are those of the user's epoch up to which packs of equal
//! composition fall where.

use serde::{Deserialize, Serialize};

use super::analyser::{Analyser, AnalysisError};
use super::flops::ModelChoice;
use super::whole_plan::PlanRequest;
use crate::algorithms::Algorithm;
use crate::flops::{AttentionKernel, ModelPreset, ModelShape};
use crate::plan::PackGroup;
use crate::random::{epoch_seed, SplitMix64};
use crate::step_balance::{
    balanced_order, imbalance, BalanceOptions, Imbalance, PackCost, StepShape,
};

/// Packs measured at most: beyond it, a sample with the plan's mix of
/// compositions (tens of thousands of steps, enough for every figure to
/// its second decimal) keeps the page's memory and time bounded.
pub const MEASURED_PACKS: u64 = 1 << 21;

/// Steps of each order given one by one, for a chart.
const DEFAULT_CHART_STEPS: u32 = 200;

/// Quantiles of the per-step figures: every percent from 0 to 100.
const QUANTILES: usize = 101;

/// One plan laid out in training steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepBalanceRequest {
    /// The plan: algorithm and settings.
    #[serde(flatten)]
    pub plan: PlanRequest,
    /// Ranks, packs per rank per pass, passes per step.
    #[serde(flatten)]
    pub shape: StepShape,
    /// The model whose training FLOPs weigh each pack.
    pub model: ModelChoice,
    /// The seed of the orders' shuffles.
    #[serde(default)]
    pub seed: u64,
    /// The epoch: each one draws its own orders.
    #[serde(default)]
    pub epoch: u32,
    /// Steps of each order to list one by one ([`OrderBalance::first_steps`]).
    #[serde(default = "default_chart_steps")]
    pub chart_steps: u32,
}

fn default_chart_steps() -> u32 {
    DEFAULT_CHART_STEPS
}

/// One plan's steps in the shuffled and in the balanced order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepBalance {
    /// The algorithm of the plan.
    pub algorithm: Algorithm,
    /// The row length.
    pub max_len: u32,
    /// The plan's packs.
    pub packs: u64,
    /// The plan's whole steps.
    pub steps: u64,
    /// Packs of the plan's last step when it is not whole (0 when every
    /// step is).
    pub last_step_packs: u64,
    /// Packs measured: all of them, or a sample of [`MEASURED_PACKS`]
    /// with the plan's mix of compositions (whose steps the orders'
    /// figures are then of).
    pub measured_packs: u64,
    /// The step's shape.
    #[serde(flatten)]
    pub shape: StepShape,
    /// The model.
    pub model: ModelShape,
    /// The preset's name, when the model is one.
    pub preset: Option<ModelPreset>,
    /// Training FLOPs of all the plan's packs, padding-free (attention
    /// within each sequence): the work the steps share out.
    pub flops_per_epoch: f64,
    /// Packs shuffled, as trainers take them.
    pub shuffled: OrderBalance,
    /// Packlab's balanced order.
    pub balanced: OrderBalance,
}

/// How evenly one order's steps spread work over their ranks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderBalance {
    /// Whole steps measured (the plan's, unless a sample was measured).
    pub steps: u64,
    /// Packs of the last step measured when it is not whole.
    pub last_step_packs: u64,
    /// The mean over steps of the slowest rank's work over the mean
    /// rank's: 1 when every step is even.
    pub mean_slowest_over_mean: f64,
    /// The same for the most uneven step.
    pub worst_slowest_over_mean: f64,
    /// GPU time lost to waiting as a share of the time spent:
    /// Σ (slowest − mean) / Σ slowest.
    pub lost_fraction: f64,
    /// GPU time lost as a share of the time even steps would take:
    /// Σ (slowest − mean) / Σ mean, what uneven steps add to an epoch.
    pub added_fraction: f64,
    /// The per-step figure's quantiles, every percent from 0 to 100 (none
    /// when there is no whole step).
    pub quantiles: Vec<f64>,
    /// The per-step figure of the first steps, in order.
    pub first_steps: Vec<f64>,
}

impl OrderBalance {
    fn new(measured: Imbalance, chart_steps: u32) -> Self {
        let mut sorted = measured.per_step.clone();
        sorted.sort_by(f64::total_cmp);
        let quantiles = match sorted.len() {
            0 => Vec::new(),
            steps => (0..QUANTILES)
                .map(|percent| {
                    // Nearest rank: lossless, the index is below `steps`.
                    let index = (percent * (steps - 1) + (QUANTILES - 1) / 2) / (QUANTILES - 1);
                    sorted.get(index).copied().unwrap_or(1.0)
                })
                .collect(),
        };
        let lost = measured.lost_fraction;
        OrderBalance {
            steps: measured.steps,
            last_step_packs: measured.last_step_packs,
            mean_slowest_over_mean: measured.mean_slowest_over_mean,
            worst_slowest_over_mean: measured.worst_slowest_over_mean,
            lost_fraction: lost,
            added_fraction: if lost < 1.0 { lost / (1.0 - lost) } else { 0.0 },
            quantiles,
            first_steps: measured
                .per_step
                .iter()
                .take(chart_steps as usize)
                .copied()
                .collect(),
        }
    }
}

impl Analyser {
    /// `request`'s plan laid out in steps, shuffled and balanced.
    ///
    /// # Errors
    /// The histogram cannot be built, the algorithm fails, the shape has
    /// a count of 0, or the model is invalid.
    #[inline(never)] // See "Inlining" in the docs of `crate::analysis`.
    pub fn step_balance(
        &mut self,
        request: &StepBalanceRequest,
    ) -> Result<StepBalance, AnalysisError> {
        let shape = request.shape;
        shape.validate()?;
        let model = request.model.shape();
        let (_, plan, _) = self.plan(
            request.plan.rows,
            request.plan.algorithm,
            request.plan.pack_options(),
        )?;
        let cost = PackCost::new(model, AttentionKernel::VariableLength, plan.max_len)?;
        let group_costs: Vec<f64> = plan
            .groups
            .iter()
            .map(|group| cost.of(&group.lengths))
            .collect();
        let packs = plan.packs();
        let flops_per_epoch = plan
            .groups
            .iter()
            .zip(&group_costs)
            .map(|(group, cost)| group.count as f64 * cost)
            .sum();
        let mut costs = sampled_costs(&plan.groups, &group_costs, MEASURED_PACKS);

        // The shuffled order: the packs in a random order, as `assign`
        // shuffles them.
        let mut random = SplitMix64::new(epoch_seed(request.seed, request.epoch));
        random.shuffle(&mut costs);
        let in_order: Vec<usize> = (0..costs.len()).collect();
        let shuffled = imbalance(&costs, &in_order, &shape)?;
        let order = balanced_order(
            &costs,
            &shape,
            &BalanceOptions::default(),
            request.seed,
            request.epoch,
        )?;
        let balanced = imbalance(&costs, &order, &shape)?;
        Ok(StepBalance {
            algorithm: request.plan.algorithm,
            max_len: plan.max_len,
            packs,
            // Lossless: packs_per_step is at least 1 for a valid shape.
            steps: packs / shape.packs_per_step().max(1),
            last_step_packs: packs % shape.packs_per_step().max(1),
            measured_packs: costs.len() as u64,
            shape,
            model,
            preset: match request.model {
                ModelChoice::Preset(preset) => Some(preset),
                ModelChoice::Shape(_) => None,
            },
            flops_per_epoch,
            shuffled: OrderBalance::new(shuffled, request.chart_steps),
            balanced: OrderBalance::new(balanced, request.chart_steps),
        })
    }
}

/// The cost of every pack of `groups` (`group_costs` each), in plan
/// order; past `limit` packs, `limit` of them in the plan's proportions
/// (each group its share rounded down, then the largest remainders one
/// more), so that the sample's mix of compositions is the plan's to
/// within one pack a group.
fn sampled_costs(groups: &[PackGroup], group_costs: &[f64], limit: u64) -> Vec<f64> {
    let total: u64 = groups.iter().map(|group| group.count).sum();
    let counts: Vec<u64> = if total <= limit {
        groups.iter().map(|group| group.count).collect()
    } else {
        let share = |count: u64| u128::from(count) * u128::from(limit);
        let total = u128::from(total);
        // Lossless: each share is below `limit`, a u64.
        let mut counts: Vec<u64> = groups
            .iter()
            .map(|group| (share(group.count) / total) as u64)
            .collect();
        let mut by_remainder: Vec<usize> = (0..groups.len()).collect();
        by_remainder.sort_by_key(|&group| {
            let remainder = groups
                .get(group)
                .map_or(0, |group| share(group.count) % total);
            (std::cmp::Reverse(remainder), group)
        });
        let short = limit.saturating_sub(counts.iter().sum());
        for &group in by_remainder.iter().take(short as usize) {
            if let Some(count) = counts.get_mut(group) {
                *count += 1;
            }
        }
        counts
    };
    let mut costs = Vec::with_capacity(counts.iter().sum::<u64>() as usize);
    for (&count, &cost) in counts.iter().zip(group_costs) {
        costs.extend(std::iter::repeat_n(cost, count as usize));
    }
    costs
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

    #[test]
    fn a_sample_keeps_the_plan_mix() {
        let groups = [group(&[8], 5), group(&[4, 4], 3), group(&[2], 2)];
        let costs = [8.0, 4.0, 2.0];
        assert_eq!(sampled_costs(&groups, &costs, 100).len(), 10);
        // 5 of 10 packs have cost 8: half of a sample of 4, and the
        // remainders (3 × 4 / 10 = 1.2, 2 × 4 / 10 = 0.8) give the last
        // pack to the group of cost 2.
        let sample = sampled_costs(&groups, &costs, 4);
        assert_eq!(sample, vec![8.0, 8.0, 4.0, 2.0]);
    }

    #[test]
    fn quantiles_and_first_steps() {
        let measured = Imbalance {
            steps: 3,
            last_step_packs: 1,
            mean_slowest_over_mean: 1.1,
            worst_slowest_over_mean: 1.2,
            lost_fraction: 0.2,
            per_step: vec![1.2, 1.0, 1.1],
        };
        let order = OrderBalance::new(measured, 2);
        assert_eq!(order.first_steps, vec![1.2, 1.0]);
        assert_eq!(order.quantiles.len(), QUANTILES);
        assert_eq!(order.quantiles.first(), Some(&1.0));
        assert_eq!(order.quantiles.get(50), Some(&1.1));
        assert_eq!(order.quantiles.last(), Some(&1.2));
        assert!((order.added_fraction - 0.25).abs() < 1e-12);
    }
}
