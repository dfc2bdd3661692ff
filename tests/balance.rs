//! Packs balanced across data-parallel ranks, through the public API, on
//! the case that matters: long-tailed lengths at max_len 4,096 on 8 ranks,
//! the work of each pack measured with a cost model written here (6 ·
//! parameters · tokens + 12 · layers · hidden · Σ lengths², a 7B decoder),
//! not Packlab's own. The balanced order must give every rank of a step
//! work within 1% of the step's mean on average, at least five times less
//! imbalance than the shuffled order `assign` gives, with every pack once
//! and every rank of every whole step holding `micro_batch × grad_accum`
//! packs.

use packlab::analysis::{
    Analyser, ModelChoice, PlanRequest, RowSettings, StepBalance, StepBalanceRequest,
    MEASURED_PACKS,
};
use packlab::assign::{assign, AssignOptions};
use packlab::flops::{AttentionKernel, ModelPreset};
use packlab::step_balance::{balanced_order, imbalance, BalanceOptions, PackCost, StepShape};
use packlab::{pack, Algorithm, Histogram, LengthCounts, MaxPerPack};

/// `count` lengths of a log-normal of median 600 tokens (σ 1), cut to
/// 1..=4096: chat fine-tuning's long tail, 2–3% at the cap.
fn long_tailed(count: usize) -> Vec<u32> {
    let mut state = 0x5EED_u64;
    let mut uniform = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..count)
        .map(|_| {
            // Box–Muller.
            let normal = (-2.0 * (1.0 - uniform()).ln()).sqrt()
                * (2.0 * std::f64::consts::PI * uniform()).cos();
            (600.0 * normal.exp()).round().clamp(1.0, 4096.0) as u32
        })
        .collect()
}

/// The packs of `lengths` at 4,096 tokens (LPFHP), shuffled as `assign`
/// shuffles them, as the lengths each holds.
fn packs(lengths: &[u32]) -> Vec<Vec<u32>> {
    let mut counts = vec![0u64; 4096];
    for &length in lengths {
        counts[length as usize - 1] += 1;
    }
    let histogram = Histogram::from_dense(counts).unwrap();
    let plan = pack(&histogram, Algorithm::Lpfhp, None).unwrap();
    let assignment = assign(lengths, &plan, &AssignOptions::default()).unwrap();
    assignment.iter_lengths().map(<[u32]>::to_vec).collect()
}

/// The independent cost model: 6·N·tokens + 12·L·d·Σ s² for a 7B decoder
/// (N = 6.74e9 parameters, 32 layers, hidden 4,096).
fn independent_cost(lengths: &[u32]) -> f64 {
    let tokens: f64 = lengths.iter().map(|&s| f64::from(s)).sum();
    let squares: f64 = lengths.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    6.0 * 6.74e9 * tokens + 12.0 * 32.0 * 4096.0 * squares
}

/// `algorithm`'s plan of `counts` at 4,096 tokens in steps of `shape`,
/// each pack weighed on a 7B decoder, as the page and `compare` ask it.
fn steps_of(
    counts: LengthCounts,
    shape: StepShape,
    seed: u64,
    epoch: u32,
    chart_steps: u32,
) -> StepBalance {
    let mut analyser = Analyser::new(counts, Box::new(|| 0.0));
    analyser
        .step_balance(&StepBalanceRequest {
            plan: PlanRequest {
                rows: RowSettings {
                    max_len: Some(4096),
                    ..RowSettings::default()
                },
                algorithm: Algorithm::Lpfhp,
                max_per_pack: MaxPerPack::AlgorithmDefault,
                bucket_tokens: None,
            },
            shape,
            model: ModelChoice::Preset(ModelPreset::Decoder7b),
            seed,
            epoch,
            chart_steps,
        })
        .unwrap()
}

#[test]
fn balanced_steps_are_even_where_shuffled_ones_are_not() {
    let lengths = long_tailed(200_000);
    let packs = packs(&lengths);
    let costs: Vec<f64> = packs.iter().map(|pack| independent_cost(pack)).collect();
    // Packlab's own model orders the packs; the independent one judges.
    let model = PackCost::new(
        ModelPreset::Decoder7b.shape(),
        AttentionKernel::VariableLength,
        4096,
    )
    .unwrap();
    let own_costs: Vec<f64> = packs.iter().map(|pack| model.of(pack)).collect();
    let shuffled: Vec<usize> = (0..packs.len()).collect();

    for (micro_batch, grad_accum) in [(1, 1), (1, 4), (2, 8)] {
        let shape = StepShape {
            world_size: 8,
            micro_batch,
            grad_accum,
        };
        let order = balanced_order(&own_costs, &shape, &BalanceOptions::default(), 0, 0).unwrap();
        let balanced = imbalance(&costs, &order, &shape).unwrap();
        let before = imbalance(&costs, &shuffled, &shape).unwrap();
        let excess = balanced.mean_slowest_over_mean - 1.0;
        let excess_before = before.mean_slowest_over_mean - 1.0;
        eprintln!(
            "{micro_batch}×{grad_accum} on 8 ranks: slowest over mean {:.4} shuffled, {:.4} balanced; \
             GPU time lost {:.2}% and {:.3}%",
            before.mean_slowest_over_mean,
            balanced.mean_slowest_over_mean,
            100.0 * before.lost_fraction,
            100.0 * balanced.lost_fraction,
        );
        assert!(excess <= 0.01, "{micro_batch}×{grad_accum}: {excess}");
        assert!(
            excess * 5.0 <= excess_before,
            "{micro_batch}×{grad_accum}: {excess} against {excess_before}"
        );
        // Every pack once, whole steps of whole ranks.
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, shuffled);
        assert_eq!(balanced.steps, packs.len() as u64 / shape.packs_per_step());
        assert_eq!(
            balanced.last_step_packs,
            packs.len() as u64 % shape.packs_per_step()
        );
    }
}

#[test]
fn each_epoch_gets_its_own_order() {
    let costs: Vec<f64> = (0..1_000).map(|pack| f64::from(pack % 97) + 1.0).collect();
    let shape = StepShape {
        world_size: 4,
        micro_batch: 1,
        grad_accum: 2,
    };
    let options = BalanceOptions::default();
    let first = balanced_order(&costs, &shape, &options, 0, 0).unwrap();
    let second = balanced_order(&costs, &shape, &options, 0, 1).unwrap();
    let other_seed = balanced_order(&costs, &shape, &options, 1, 0).unwrap();
    assert_ne!(first, second);
    assert_ne!(first, other_seed);
    for order in [&first, &second, &other_seed] {
        let measured = imbalance(&costs, order, &shape).unwrap();
        assert!(
            measured.mean_slowest_over_mean < 1.01,
            "{}",
            measured.mean_slowest_over_mean
        );
    }
}

/// The page's and `compare`'s question, asked on the histogram alone,
/// gives the figures of the sequences' own packs: the same plan, the
/// same packs per step, and the imbalance of both orders within a
/// sampling error of those measured on `assign`'s packs.
#[test]
fn the_question_on_the_histogram_agrees_with_the_packs() {
    let lengths = long_tailed(200_000);
    let packs = packs(&lengths);
    let mut counts = LengthCounts::new();
    for &length in &lengths {
        counts.add_one(u64::from(length)).unwrap();
    }
    let shape = StepShape {
        world_size: 8,
        micro_batch: 1,
        grad_accum: 4,
    };
    let answer = steps_of(counts, shape, 0, 0, 50);
    assert_eq!(answer.packs, packs.len() as u64);
    assert_eq!(answer.measured_packs, answer.packs);
    assert_eq!(answer.steps, answer.packs / shape.packs_per_step());
    assert_eq!(
        answer.last_step_packs,
        answer.packs % shape.packs_per_step()
    );
    for order in [&answer.shuffled, &answer.balanced] {
        assert_eq!(
            order.steps * shape.packs_per_step() + order.last_step_packs,
            answer.packs
        );
        assert_eq!(order.first_steps.len(), 50);
        assert_eq!(order.quantiles.len(), 101);
        assert!(order.quantiles.windows(2).all(|pair| pair[0] <= pair[1]));
    }

    // The same figures measured on the sequences' packs, by the
    // independent model.
    let costs: Vec<f64> = packs.iter().map(|pack| independent_cost(pack)).collect();
    let shuffled = imbalance(&costs, &(0..packs.len()).collect::<Vec<_>>(), &shape).unwrap();
    let near = |question: f64, measured: f64| (question - measured).abs() <= 0.15 * measured;
    assert!(
        near(
            answer.shuffled.mean_slowest_over_mean - 1.0,
            shuffled.mean_slowest_over_mean - 1.0
        ),
        "{} against {}",
        answer.shuffled.mean_slowest_over_mean,
        shuffled.mean_slowest_over_mean
    );
    assert!(near(answer.shuffled.lost_fraction, shuffled.lost_fraction));
    let excess = answer.balanced.mean_slowest_over_mean - 1.0;
    assert!(excess <= 0.01 && excess * 5.0 <= answer.shuffled.mean_slowest_over_mean - 1.0);
    // The epoch's work is every pack's, by Packlab's own model.
    let model = PackCost::new(
        ModelPreset::Decoder7b.shape(),
        AttentionKernel::VariableLength,
        4096,
    )
    .unwrap();
    let total: f64 = packs.iter().map(|pack| model.of(pack)).sum();
    assert!((answer.flops_per_epoch - total).abs() <= 1e-9 * total);
}

/// A plan of more packs than [`MEASURED_PACKS`] is measured on a sample
/// with its mix of compositions, and says so; its steps are still the
/// plan's.
#[test]
fn a_large_plan_is_measured_on_a_sample_and_says_so() {
    // Every 4,096-token sequence fills a pack; each 1,024-token one shares
    // with three more: 3 · 2^20 + 2^18 packs.
    let mut counts = LengthCounts::new();
    counts.add(4096, 3 << 20).unwrap();
    counts.add(1024, 1 << 20).unwrap();
    let shape = StepShape {
        world_size: 8,
        micro_batch: 1,
        grad_accum: 1,
    };
    let answer = steps_of(counts, shape, 3, 1, 10);
    let packs = (3u64 << 20) + (1 << 18);
    assert_eq!(answer.packs, packs);
    assert_eq!(answer.steps, packs / 8);
    assert_eq!(answer.measured_packs, MEASURED_PACKS);
    assert_eq!(answer.shuffled.steps, MEASURED_PACKS / 8);
    assert_eq!(answer.balanced.steps, MEASURED_PACKS / 8);
    // Two kinds of pack, a lone 4,096-token sequence costing four times
    // the attention of four of 1,024 (the same linear layers): a shuffled
    // step is uneven whenever it mixes them unevenly, a balanced one
    // hardly ever.
    assert!(answer.shuffled.mean_slowest_over_mean > 1.005);
    assert!(
        answer.balanced.mean_slowest_over_mean - 1.0
            < (answer.shuffled.mean_slowest_over_mean - 1.0) / 5.0
    );
}
