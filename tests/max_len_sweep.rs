//! The sweep over row lengths, against packing each length directly.
// Native only: proptest.
#![cfg(not(target_arch = "wasm32"))]

// What this file shares with other test files, from tests/common/.
mod common {
    pub mod proptest_config;
}

use common::proptest_config::config;
use packlab::max_len_sweep::{candidates, sweep_max_len, CandidateReason};
use packlab::{pack, Algorithm, Histogram, LengthCounts, MaxPerPack, OverlongPolicy, Report};
use proptest::prelude::*;

fn counts_of(lengths: &[(u64, u64)]) -> LengthCounts {
    let mut counts = LengthCounts::new();
    for &(length, count) in lengths {
        counts.add(length, count).unwrap();
    }
    counts
}

fn no_clock() -> f64 {
    0.0
}

#[test]
fn no_packing_at_the_current_length_is_the_baseline() {
    let counts = counts_of(&[(50, 30), (200, 10), (700, 2)]);
    let found = candidates(&counts, 256, &[]);
    let points = sweep_max_len(
        &counts,
        &found,
        256,
        OverlongPolicy::Truncate,
        &[Algorithm::None, Algorithm::Lpfhp],
        MaxPerPack::Unlimited,
        &no_clock,
    )
    .unwrap();
    let current = points
        .iter()
        .find(|point| point.candidate.reasons.contains(&CandidateReason::Current))
        .unwrap();
    assert_eq!(current.candidate.max_len, 256);
    assert_eq!(current.results[0].relative_compute, 1.0);
    assert_eq!(current.overlong_sequences, 2);
    assert_eq!(current.tokens_lost, 2 * (700 - 256));
    let longest = points.last().unwrap();
    assert!(longest.candidate.max_len >= 700);
    assert_eq!(longest.overlong_sequences, 0);
    assert_eq!(longest.tokens_lost, 0);
}

#[test]
fn the_error_policy_truncates_in_a_sweep_instead_of_failing() {
    let counts = counts_of(&[(10, 5), (100, 5)]);
    let found = candidates(&counts, 100, &[50]);
    let points = sweep_max_len(
        &counts,
        &found,
        100,
        OverlongPolicy::Error,
        &[Algorithm::Spfhp],
        MaxPerPack::AtMost(2),
        &no_clock,
    )
    .unwrap();
    let at_50 = points
        .iter()
        .find(|point| point.candidate.max_len == 50)
        .unwrap();
    assert!(at_50
        .candidate
        .reasons
        .contains(&CandidateReason::Requested));
    assert_eq!(at_50.overlong_sequences, 5);
    assert_eq!(at_50.tokens_lost, 5 * 50);
}

#[test]
fn dropping_everything_at_a_length_is_an_error_naming_it() {
    let counts = counts_of(&[(100, 5)]);
    let found = candidates(&counts, 100, &[10]);
    let error = sweep_max_len(
        &counts,
        &found,
        100,
        OverlongPolicy::Drop,
        &[Algorithm::Lpfhp],
        MaxPerPack::Unlimited,
        &no_clock,
    )
    .unwrap_err();
    assert!(error.to_string().starts_with("at max_len "), "{error}");
}

proptest! {
    #![proptest_config(config(48, 0x5eed_0301))]

    /// Each point is exactly what packing at that length gives, and the
    /// overlong figures are what the histogram at that length reports.
    #[test]
    fn each_point_is_the_direct_packing(
        lengths in prop::collection::vec((1u64..3000, 1u64..50), 1..40),
        current in 64u32..2048,
        depth in prop::option::of(1u32..6),
    ) {
        let setting = depth.map_or(MaxPerPack::Unlimited, MaxPerPack::AtMost);
        let counts = counts_of(&lengths);
        let found = candidates(&counts, current, &[]);
        prop_assert!(found.windows(2).all(|pair| pair[0].max_len < pair[1].max_len));
        prop_assert!(found.iter().any(|c| c.max_len == current));
        let algorithms = [Algorithm::None, Algorithm::Spfhp, Algorithm::Bfd];
        let points = sweep_max_len(&counts, &found, current, OverlongPolicy::Truncate, &algorithms, setting, &no_clock).unwrap();
        prop_assert_eq!(points.len(), found.len());
        for point in &points {
            let (histogram, overlong) = Histogram::from_counts(&counts, u64::from(point.candidate.max_len), OverlongPolicy::Truncate).unwrap();
            prop_assert_eq!(point.overlong_sequences, overlong.sequences);
            prop_assert_eq!(point.tokens_lost, overlong.tokens_lost);
            for (result, &algorithm) in point.results.iter().zip(&algorithms) {
                let plan = pack(&histogram, algorithm, depth).unwrap();
                let report = Report::new(algorithm, &histogram, &plan, 0.0);
                prop_assert_eq!(result.algorithm, algorithm);
                prop_assert_eq!(result.packs, report.packs);
                prop_assert_eq!(result.efficiency, report.efficiency);
                prop_assert_eq!(result.row_tokens, report.packs * u64::from(point.candidate.max_len));
            }
        }
    }
}
