//! Training FLOPs through the public API: small cases worked out by hand,
//! and properties that any packing plan or batching must satisfy, checked
//! against token counts recomputed from the plans themselves.
// Native only: these tests use files or proptest.
#![cfg(not(target_arch = "wasm32"))]

// What this file shares with other test files, from tests/common/.
mod common {
    pub mod approx;
    pub mod histograms;
    pub mod proptest_config;
    pub mod squad;
}

use common::approx::close;
use common::histograms::histogram;
use common::proptest_config::config;
use packlab::dynamic_padding::{dynamic_padding, dynamic_padding_all, BatchingScheme};
use packlab::flops::{
    flops_with_dynamic_padding, flops_with_packing, flops_without_packing, AttentionKernel,
    FlopsError, ModelPreset, ModelShape, Workload, TRAINING_FLOPS_PER_FORWARD_FLOP,
};
use packlab::{pack, Algorithm, Histogram, PackGroup, PackingPlan, Report};
use proptest::prelude::*;

/// Relative tolerance of the same figure computed two ways in `f64`.
const TOLERANCE: f64 = 1e-12;

/// One layer, hidden size 2, feed-forward 4, no head: 64 linear FLOPs per
/// token forward (2 × (4·2² + 2·2·4)), 8 attention FLOPs per pair (4·1·2).
fn tiny_model() -> ModelShape {
    ModelShape {
        layers: 1,
        hidden_size: 2,
        heads: 1,
        feed_forward_size: 4,
        gated_feed_forward: false,
        vocabulary_size: 0,
    }
}

#[test]
fn tiny_model_costs_by_hand() {
    let model = tiny_model();
    assert_eq!(model.linear_flops_per_token(), 64.0);
    assert_eq!(model.attention_flops_per_pair(), 8.0);
    let gated = ModelShape {
        gated_feed_forward: true,
        vocabulary_size: 10,
        ..model
    };
    // 2 × (16 + 3·2·4 + 2·10).
    assert_eq!(gated.linear_flops_per_token(), 120.0);
}

#[test]
fn one_row_of_two_sequences_by_hand() {
    // Lengths 3 and 5 in one row of 8.
    let data = histogram(8, &[(3, 1), (5, 1)]);
    let plan = PackingPlan::from_groups(
        8,
        None,
        [PackGroup {
            lengths: vec![5, 3],
            count: 1,
        }],
    );
    let model = tiny_model();
    let varlen = flops_with_packing(&model, &data, &plan, AttentionKernel::VariableLength).unwrap();
    // 8 tokens × 64 × 3; (9 + 25) pairs × 8 × 3.
    assert_eq!(varlen.tokens_computed, 8.0);
    assert_eq!(varlen.attention_pairs, 34.0);
    assert_eq!(varlen.linear_flops, 1536.0);
    assert_eq!(varlen.attention_flops, 816.0);
    assert_eq!(varlen.flops_per_epoch, 2352.0);
    assert_eq!(varlen.workload, Workload::Packing);
    let dense = flops_with_packing(&model, &data, &plan, AttentionKernel::DenseMasked).unwrap();
    assert_eq!(dense.attention_pairs, 64.0);
    assert_eq!(dense.attention_flops, 1536.0);

    // Without packing: two rows of 8.
    let unpacked_varlen =
        flops_without_packing(&model, &data, AttentionKernel::VariableLength).unwrap();
    assert_eq!(unpacked_varlen.linear_flops, 3072.0);
    assert_eq!(unpacked_varlen.attention_flops, 816.0);
    assert_eq!(varlen.speedup_over_padding, 3888.0 / 2352.0);
    assert_eq!(unpacked_varlen.speedup_over_padding, 1.0);
    let unpacked_dense =
        flops_without_packing(&model, &data, AttentionKernel::DenseMasked).unwrap();
    assert_eq!(unpacked_dense.flops_per_epoch, 6144.0);
    assert_eq!(dense.speedup_over_padding, 2.0);

    // No padding at all: 8 real tokens, 34 pairs.
    assert_eq!(varlen.useful_flops, 2352.0);
    assert_eq!(varlen.efficiency, 1.0);
    assert_eq!(dense.efficiency, 2352.0 / 3072.0);
}

#[test]
fn dynamic_padding_by_hand() {
    // Lengths 3 and 5 in one batch of 2: padded to 5, 10 tokens, 2 × 25 pairs.
    let data = histogram(8, &[(3, 1), (5, 1)]);
    let padding = dynamic_padding(&data, BatchingScheme::Sorted, 2).unwrap();
    let model = tiny_model();
    let dense =
        flops_with_dynamic_padding(&model, &data, &padding, AttentionKernel::DenseMasked).unwrap();
    assert_eq!(dense.workload, Workload::SortedBatches);
    assert_eq!(dense.tokens_computed, 10.0);
    assert_eq!(dense.attention_pairs, 50.0);
    assert_eq!(dense.flops_per_epoch, 3.0 * (10.0 * 64.0 + 50.0 * 8.0));
    let varlen =
        flops_with_dynamic_padding(&model, &data, &padding, AttentionKernel::VariableLength)
            .unwrap();
    assert_eq!(varlen.attention_pairs, 34.0);
}

#[test]
fn mismatched_inputs_are_refused() {
    let data = histogram(8, &[(3, 1), (5, 1)]);
    let other = histogram(8, &[(3, 2)]);
    let plan = pack(&other, Algorithm::Lpfhp, None).unwrap();
    let model = tiny_model();
    assert!(matches!(
        flops_with_packing(&model, &data, &plan, AttentionKernel::DenseMasked),
        Err(FlopsError::PlanMismatch(_))
    ));
    let padding = dynamic_padding(&other, BatchingScheme::Random, 2).unwrap();
    assert!(matches!(
        flops_with_dynamic_padding(&model, &data, &padding, AttentionKernel::DenseMasked),
        Err(FlopsError::DynamicPaddingMismatch { .. })
    ));
    let broken = ModelShape {
        hidden_size: 0,
        ..model
    };
    assert_eq!(
        flops_without_packing(&broken, &data, AttentionKernel::DenseMasked),
        Err(FlopsError::ZeroDimension {
            field: "hidden_size"
        })
    );
}

#[test]
fn presets_and_kernels_have_names() {
    for preset in ModelPreset::ALL {
        assert_eq!(preset.name().parse::<ModelPreset>(), Ok(preset));
        assert_eq!(
            serde_json::to_value(preset).unwrap(),
            serde_json::Value::from(preset.name())
        );
        assert!(!preset.label().is_empty());
        assert_eq!(preset.shape().validate(), Ok(()));
    }
    for kernel in AttentionKernel::ALL {
        assert_eq!(kernel.name().parse::<AttentionKernel>(), Ok(kernel));
        assert_eq!(
            serde_json::to_value(kernel).unwrap(),
            serde_json::Value::from(kernel.name())
        );
    }
    assert!("gpt-2".parse::<ModelPreset>().is_err());
}

#[test]
fn estimates_serialise_with_snake_case_fields() {
    let data = histogram(8, &[(3, 1), (5, 1)]);
    let estimate = flops_without_packing(
        &ModelPreset::BertBase.shape(),
        &data,
        AttentionKernel::DenseMasked,
    )
    .unwrap();
    let json = serde_json::to_value(&estimate).unwrap();
    assert_eq!(json["workload"], "no-packing");
    assert_eq!(json["attention"], "dense-masked");
    assert_eq!(json["model"]["hidden_size"], 768);
    assert!(json["flops_per_epoch"].is_number());
    assert!(json["speedup_over_padding"].is_number());
}

fn any_histogram() -> impl Strategy<Value = Histogram> {
    (1u32..=512).prop_flat_map(|max_len| {
        proptest::collection::vec((1..=max_len, 1u64..=1000), 1..=30)
            .prop_map(move |pairs| histogram(max_len, &pairs))
    })
}

fn any_model() -> impl Strategy<Value = ModelShape> {
    prop_oneof![
        Just(ModelPreset::BertBase.shape()),
        Just(ModelPreset::BertLarge.shape()),
        Just(ModelPreset::Decoder7b.shape()),
        (1u32..=8, 1u32..=64, 1u32..=256, any::<bool>(), 0u32..=1000).prop_map(
            |(layers, head_size, feed_forward_size, gated_feed_forward, vocabulary_size)| {
                ModelShape {
                    layers,
                    hidden_size: head_size * 2,
                    heads: 2,
                    feed_forward_size,
                    gated_feed_forward,
                    vocabulary_size,
                }
            }
        ),
    ]
}

proptest! {
    #![proptest_config(config(150, 0xf10b_0001))]

    /// For any plan: token counts recomputed from the plan match, packing
    /// never computes more tokens than padding, variable-length attention
    /// never costs more than dense, and the useful FLOPs do not depend on
    /// how rows are formed.
    #[test]
    fn packing_properties(
        data in any_histogram(),
        model in any_model(),
        algorithm in prop_oneof![Just(Algorithm::Spfhp), Just(Algorithm::Lpfhp), Just(Algorithm::Bfd)],
    ) {
        let plan = pack(&data, algorithm, None).unwrap();
        let packs: u64 = plan.groups.iter().map(|group| group.count).sum();
        let max_len = f64::from(data.max_len());
        let squares: f64 = data
            .counts()
            .iter()
            .zip(1u32..)
            .map(|(&count, length)| count as f64 * f64::from(length) * f64::from(length))
            .sum();
        let mut by_kernel = Vec::new();
        for kernel in AttentionKernel::ALL {
            let packed = flops_with_packing(&model, &data, &plan, kernel).unwrap();
            let unpacked = flops_without_packing(&model, &data, kernel).unwrap();
            prop_assert_eq!(packed.tokens_computed, packs as f64 * max_len);
            prop_assert_eq!(unpacked.tokens_computed, data.sequences() as f64 * max_len);
            prop_assert!(close(
                packed.linear_flops,
                TRAINING_FLOPS_PER_FORWARD_FLOP * packed.tokens_computed * model.linear_flops_per_token(),
                TOLERANCE
            ));
            prop_assert!(packed.linear_flops <= unpacked.linear_flops);
            prop_assert!(packed.flops_per_epoch <= unpacked.flops_per_epoch * (1.0 + TOLERANCE));
            prop_assert!(packed.speedup_over_padding >= 1.0 - TOLERANCE);
            prop_assert!(close(unpacked.speedup_over_padding, 1.0, TOLERANCE));
            prop_assert!(close(packed.useful_flops, unpacked.useful_flops, TOLERANCE));
            prop_assert!(packed.useful_flops <= packed.flops_per_epoch * (1.0 + TOLERANCE));
            prop_assert!(close(packed.flops_per_epoch, packed.linear_flops + packed.attention_flops, TOLERANCE));
            match kernel {
                AttentionKernel::VariableLength => {
                    prop_assert!(close(packed.attention_pairs, squares, TOLERANCE));
                    prop_assert!(close(unpacked.attention_pairs, squares, TOLERANCE));
                }
                AttentionKernel::DenseMasked => {
                    prop_assert_eq!(packed.attention_pairs, packs as f64 * max_len * max_len);
                    // Dense rows cost the same whatever they hold: the
                    // speed-up is the ratio of rows.
                    prop_assert!(close(
                        packed.speedup_over_padding,
                        data.sequences() as f64 / packs as f64,
                        TOLERANCE
                    ));
                }
            }
            by_kernel.push(packed);
        }
        prop_assert!(by_kernel[0].attention_flops <= by_kernel[1].attention_flops * (1.0 + TOLERANCE));
        prop_assert_eq!(by_kernel[0].linear_flops, by_kernel[1].linear_flops);
    }

    /// Dynamic padding computes its padded tokens, sits between no padding
    /// and padding to max_len, and with batches of one has no padding.
    #[test]
    fn dynamic_padding_properties(
        data in any_histogram(),
        model in any_model(),
        batch in 1u32..=256,
    ) {
        for padding in dynamic_padding_all(&data, batch).unwrap() {
            let mut by_kernel = Vec::new();
            for kernel in AttentionKernel::ALL {
                let estimate = flops_with_dynamic_padding(&model, &data, &padding, kernel).unwrap();
                let unpacked = flops_without_packing(&model, &data, kernel).unwrap();
                prop_assert_eq!(estimate.workload, Workload::from(padding.scheme));
                prop_assert_eq!(estimate.tokens_computed, padding.padded_tokens);
                prop_assert!(estimate.linear_flops <= unpacked.linear_flops * (1.0 + TOLERANCE));
                prop_assert!(estimate.useful_flops <= estimate.flops_per_epoch * (1.0 + TOLERANCE));
                prop_assert!(close(estimate.useful_flops, unpacked.useful_flops, TOLERANCE));
                by_kernel.push(estimate);
            }
            prop_assert!(
                by_kernel[0].attention_flops <= by_kernel[1].attention_flops * (1.0 + TOLERANCE)
            );
        }
        let single = dynamic_padding(&data, BatchingScheme::Random, 1).unwrap();
        let estimate =
            flops_with_dynamic_padding(&model, &data, &single, AttentionKernel::DenseMasked).unwrap();
        prop_assert!(close(estimate.flops_per_epoch, estimate.useful_flops, TOLERANCE));
    }
}

// ---------------------------------------------------------------------------
// The public SQuAD 1.1 histogram (skipped with a notice when absent).
// ---------------------------------------------------------------------------

/// Prints the speed-ups on SQuAD for every model, kernel and workload
/// (`-- --nocapture` shows them), and checks what must hold of them.
#[test]
fn squad_speedups() {
    let Some(data) = common::squad::histogram("SQuAD FLOPs figures") else {
        return;
    };
    let plan = pack(&data, Algorithm::Lpfhp, None).unwrap();
    let report = Report::new(Algorithm::Lpfhp, &data, &plan, 0.0);
    let batch = 32;
    println!("model        kernel           workload        FLOPs/epoch  attention  speed-up");
    for preset in ModelPreset::ALL {
        let model = preset.shape();
        for kernel in AttentionKernel::ALL {
            let mut estimates = vec![
                flops_without_packing(&model, &data, kernel).unwrap(),
                flops_with_packing(&model, &data, &plan, kernel).unwrap(),
            ];
            for padding in dynamic_padding_all(&data, batch).unwrap() {
                estimates
                    .push(flops_with_dynamic_padding(&model, &data, &padding, kernel).unwrap());
            }
            for estimate in &estimates {
                println!(
                    "{:<12} {:<16} {:<15} {:>11.3e}  {:>8.1}%  {:>8.4}",
                    preset.name(),
                    kernel.name(),
                    estimate.workload.name(),
                    estimate.flops_per_epoch,
                    100.0 * estimate.attention_share,
                    estimate.speedup_over_padding
                );
            }
            let packed = &estimates[1];
            match kernel {
                AttentionKernel::DenseMasked => {
                    assert!(close(
                        packed.speedup_over_padding,
                        report.speedup,
                        TOLERANCE
                    ));
                }
                AttentionKernel::VariableLength => {
                    // Attention is the same work packed or not, so the
                    // speed-up is below the ratio of rows.
                    assert!(packed.speedup_over_padding < report.speedup);
                    assert!(packed.speedup_over_padding > 1.5);
                }
            }
            let [_, _, random, megabatch, sorted] = &estimates[..] else {
                panic!("five workloads")
            };
            assert!(random.speedup_over_padding < megabatch.speedup_over_padding);
            assert!(megabatch.speedup_over_padding < sorted.speedup_over_padding);
        }
    }
}
