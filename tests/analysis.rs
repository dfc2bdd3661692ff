//! The page's questions, one call each, through the public API: each
//! answer equals what the library's parts give directly, and questions at
//! the same settings share the histogram and the plans made on it.

use packlab::analysis::{
    analyse, Analyser, AnalysisRequest, BoundRequest, DetailRequest, DynamicPaddingRequest,
    FlopsRequest, ModelChoice, PackedRows, PlanRequest, ReportRequest, RowSettings, SummaryRequest,
    SweepRequest,
};
use packlab::flops::ModelPreset;
use packlab::{
    pack, Algorithm, Histogram, LengthCounts, MaxPerPack, OverlongPolicy, Preset, Report,
};

/// Lengths 3 (×5), 5 (×4), 8 (×2) and 12 (×1).
fn counts() -> LengthCounts {
    let mut counts = LengthCounts::new();
    for (length, count) in [(3, 5), (5, 4), (8, 2), (12, 1)] {
        counts.add(length, count).unwrap();
    }
    counts
}

fn rows(max_len: u64) -> RowSettings {
    RowSettings {
        max_len: Some(max_len),
        overlong: OverlongPolicy::Truncate,
    }
}

fn analyser(counts: LengthCounts) -> Analyser {
    Analyser::new(counts, Box::new(|| 0.0))
}

fn report_request(
    rows: RowSettings,
    algorithm: Algorithm,
    max_per_pack: MaxPerPack,
) -> ReportRequest {
    ReportRequest {
        plan: PlanRequest {
            rows,
            algorithm,
            max_per_pack,
            bucket_tokens: None,
        },
        batch_size: 5,
    }
}

#[test]
fn reports_equal_those_of_pack_and_report() {
    let mut analyser = analyser(counts());
    let (histogram, _) = Histogram::from_counts(&counts(), 10, OverlongPolicy::Truncate).unwrap();
    for algorithm in Algorithm::ALL {
        let answer = analyser
            .report(&report_request(rows(10), algorithm, MaxPerPack::AtMost(3)))
            .unwrap();
        let plan = pack(&histogram, algorithm, Some(3)).unwrap();
        assert_eq!(
            answer.report,
            Report::new(algorithm, &histogram, &plan, 0.0)
        );
        // 12 sequences in batches of 5.
        assert_eq!(answer.training.unpacked_steps_per_epoch, 3);
        assert_eq!(
            answer.training.steps_per_epoch,
            answer.report.packs.div_ceil(5)
        );
    }
}

#[test]
fn by_default_each_algorithm_packs_at_its_own_limit_and_the_bound_holds_for_all() {
    let mut analyser = analyser(counts());
    let limits: Vec<Option<u32>> = [Algorithm::Lpfhp, Algorithm::Nnlshp, Algorithm::Optimal]
        .into_iter()
        .map(|algorithm| {
            let answer = analyser
                .report(&report_request(
                    rows(16),
                    algorithm,
                    MaxPerPack::AlgorithmDefault,
                ))
                .unwrap();
            answer.report.max_per_pack
        })
        .collect();
    assert_eq!(limits, vec![None, Some(3), None]);
    let detail = analyser
        .plan_detail(&DetailRequest {
            plan: PlanRequest {
                rows: rows(16),
                algorithm: Algorithm::Nnlshp,
                max_per_pack: MaxPerPack::AlgorithmDefault,
                bucket_tokens: None,
            },
            top_groups: 20,
        })
        .unwrap();
    assert_eq!(detail.report.max_per_pack, Some(3));
    let bound = analyser
        .lp_bound(&BoundRequest {
            rows: rows(16),
            max_per_pack: MaxPerPack::AlgorithmDefault.loosest(),
        })
        .unwrap();
    assert_eq!(bound.max_per_pack, None);
    assert!(detail.report.packs >= bound.packs);
}

#[test]
fn no_packing_is_measured_on_what_the_overlong_policy_keeps() {
    let mut analyser = analyser(counts());
    let at = |analyser: &mut Analyser, overlong| {
        analyser
            .summary(&SummaryRequest {
                rows: RowSettings {
                    max_len: Some(10),
                    overlong,
                },
            })
            .unwrap()
    };
    let truncated = at(&mut analyser, OverlongPolicy::Truncate);
    assert_eq!(truncated.no_packing.sequences, 12);
    assert_eq!(truncated.no_packing.tokens, 15 + 20 + 16 + 10);
    assert_eq!(truncated.no_packing.padding_fraction, 1.0 - 61.0 / 120.0);
    let dropped = at(&mut analyser, OverlongPolicy::Drop);
    assert_eq!(dropped.no_packing.sequences, 11);
    assert_eq!(dropped.no_packing.padding_fraction, 1.0 - 51.0 / 110.0);
    assert_eq!(dropped.overlong.tokens_lost, 12);
    // The summary describes the lengths as read under either policy.
    assert_eq!(dropped.summary, truncated.summary);
    // Asked again at the first settings, the same answer.
    assert_eq!(at(&mut analyser, OverlongPolicy::Truncate), truncated);
}

#[test]
fn the_error_policy_refuses_only_where_sequences_are_too_long() {
    let mut analyser = analyser(counts());
    let error = |max_len| RowSettings {
        max_len: Some(max_len),
        overlong: OverlongPolicy::Error,
    };
    let refused = analyser
        .summary(&SummaryRequest { rows: error(10) })
        .unwrap_err();
    assert!(
        refused.to_string().contains("longer than max_len 10"),
        "{refused}"
    );
    assert_eq!(
        analyser
            .summary(&SummaryRequest { rows: error(12) })
            .unwrap()
            .max_len,
        12
    );
}

#[test]
fn sweep_has_one_point_per_depth() {
    let mut analyser = analyser(counts());
    let lines = analyser
        .sweep(&SweepRequest {
            rows: rows(16),
            algorithms: vec![Algorithm::Spfhp, Algorithm::Lpfhp, Algorithm::Nnlshp],
            depths: vec![Some(1), Some(2), None],
            bucket_tokens: None,
        })
        .unwrap();
    assert_eq!(lines.len(), 3);
    for line in &lines {
        assert_eq!(line.points.len(), 3);
        // One sequence per pack is no packing.
        assert_eq!(line.points[0].packs, 12);
        assert!(line.points[2].packs <= line.points[1].packs);
        // Each point is the report at its depth.
        for point in &line.points {
            let limit = point
                .max_per_pack
                .map_or(MaxPerPack::Unlimited, MaxPerPack::AtMost);
            let report = analyser
                .report(&report_request(rows(16), line.algorithm, limit))
                .unwrap()
                .report;
            assert_eq!(
                (point.packs, point.efficiency),
                (report.packs, report.efficiency)
            );
        }
    }
}

#[test]
fn detail_picks_a_typical_pack_of_several_sequences() {
    let detail = analyser(counts())
        .plan_detail(&DetailRequest {
            plan: PlanRequest {
                rows: rows(10),
                algorithm: Algorithm::Lpfhp,
                max_per_pack: MaxPerPack::AlgorithmDefault,
                bucket_tokens: None,
            },
            top_groups: 2,
        })
        .unwrap();
    assert!(detail.example.len() > 1);
    assert!(detail.example.iter().sum::<u32>() <= 10);
    assert!(detail.top_groups.len() <= 2);
    assert!(detail.distinct_compositions >= detail.top_groups.len());
}

#[test]
fn flops_by_packs_equal_flops_by_plans() {
    let counts = Preset::QaFinetuning384.generate();
    let request = AnalysisRequest {
        max_len: Some(384),
        algorithms: vec![Algorithm::None, Algorithm::Lpfhp, Algorithm::Nnlshp],
        dynamic_padding_batch_sizes: vec![8, 32],
        model: Some(ModelChoice::Preset(ModelPreset::BertBase)),
        ..AnalysisRequest::default()
    };
    let analysis = analyse(&counts, &request).unwrap();
    let flops = analysis.flops.unwrap();
    let (histogram, _) = Histogram::from_counts(&counts, 384, OverlongPolicy::Truncate).unwrap();
    let model = ModelPreset::BertBase.shape();
    for (report, pair) in analysis.reports.iter().zip(&flops.packing) {
        let plan = pack(&histogram, report.algorithm, report.max_per_pack).unwrap();
        for (attention, estimate) in [
            (
                packlab::flops::AttentionKernel::VariableLength,
                &pair.variable_length,
            ),
            (
                packlab::flops::AttentionKernel::DenseMasked,
                &pair.dense_masked,
            ),
        ] {
            let by_plan =
                packlab::flops::flops_with_packing(&model, &histogram, &plan, attention).unwrap();
            assert_eq!(estimate, &by_plan, "{} {attention:?}", report.algorithm);
        }
    }
    assert_eq!(flops.dynamic_padding.len(), analysis.dynamic_padding.len());

    // Packs no plan can have are refused, not estimated.
    let mut analyser = analyser(counts);
    let impossible = analyser.flops(&FlopsRequest {
        rows: rows(384),
        model: ModelChoice::Preset(ModelPreset::BertBase),
        packing: vec![PackedRows {
            algorithm: Algorithm::Lpfhp,
            packs: 3,
        }],
        dynamic_padding: Vec::new(),
    });
    assert!(impossible.is_err());
}

#[test]
fn dynamic_padding_covers_every_scheme_at_each_batch_size() {
    let entries = analyser(counts())
        .dynamic_padding(&DynamicPaddingRequest {
            rows: rows(16),
            batch_sizes: vec![2, 4],
        })
        .unwrap();
    assert_eq!(entries.len(), 6);
    assert!(entries[..3].iter().all(|entry| entry.batch_size == 2));
    assert!(entries[3..].iter().all(|entry| entry.batch_size == 4));
}

#[test]
fn one_call_answers_as_the_questions_do() {
    let counts = Preset::ChatFinetuning4096.generate();
    let request = AnalysisRequest {
        max_len: Some(2048),
        overlong: OverlongPolicy::Drop,
        algorithms: vec![Algorithm::Lpfhp, Algorithm::Bfd],
        sweep_depths: vec![Some(2), None],
        detail_algorithm: Some(Algorithm::Bfd),
        lp_bound: true,
        ..AnalysisRequest::default()
    };
    let analysis = analyse(&counts, &request).unwrap();
    let mut analyser = analyser(counts);
    let rows = RowSettings {
        max_len: Some(2048),
        overlong: OverlongPolicy::Drop,
    };
    let summary = analyser.summary(&SummaryRequest { rows }).unwrap();
    assert_eq!(analysis.no_packing, summary.no_packing);
    assert_eq!(analysis.histogram, summary.histogram);
    let report = analyser
        .report(&ReportRequest {
            batch_size: 32,
            ..report_request(rows, Algorithm::Bfd, MaxPerPack::AlgorithmDefault)
        })
        .unwrap();
    assert_eq!(analysis.reports[1], report.report);
    assert_eq!(analysis.training[1], report.training);
    assert_eq!(analysis.detail.unwrap().report, report.report);
    let bound = analyser
        .lp_bound(&BoundRequest {
            rows,
            max_per_pack: None,
        })
        .unwrap();
    assert_eq!(analysis.lp_bound, Some(bound));
}
