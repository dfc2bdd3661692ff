//! Every algorithm on histograms built to break packers: a single
//! sequence, every sequence at max_len, every sequence of length 1, nothing
//! that can pair, max_len 1, counts so large that totals sit at the edge of
//! 64 bits, and the extreme limits on sequences per pack. Each plan must
//! validate and its report add up.
// Native only: proptest.
#![cfg(not(target_arch = "wasm32"))]

// What this file shares with other test files, from tests/common/.
mod common {
    pub mod histograms;
    pub mod proptest_config;
}

use common::histograms::histogram;
use common::proptest_config::config;
use packlab::{pack, validate, Algorithm, Histogram, HistogramError, Report};
use proptest::prelude::*;

/// Packs with every algorithm and checks the plan and its report.
fn check_every_algorithm(
    histogram: &Histogram,
    max_per_pack: Option<u32>,
) -> Result<(), TestCaseError> {
    for algorithm in Algorithm::ALL {
        let plan = pack(histogram, algorithm, max_per_pack)
            .map_err(|error| TestCaseError::fail(format!("{algorithm}: {error}")))?;
        prop_assert_eq!(validate(&plan, histogram), Ok(()), "{}", algorithm);
        let report = Report::new(algorithm, histogram, &plan, 0.0);
        prop_assert_eq!(report.sequences, histogram.sequences());
        prop_assert_eq!(report.tokens, histogram.tokens());
        prop_assert!(report.packs >= report.volume_bound, "{}", algorithm);
        prop_assert!(report.packs <= histogram.sequences(), "{}", algorithm);
        prop_assert!(
            report.efficiency > 0.0 && report.efficiency <= 1.0,
            "{}",
            algorithm
        );
        prop_assert_eq!(report.sequences_per_pack.iter().sum::<u64>(), report.packs);
        prop_assert_eq!(report.pack_fill.iter().sum::<u64>(), report.packs);
        if max_per_pack == Some(1) || algorithm == Algorithm::None {
            prop_assert_eq!(report.packs, histogram.sequences(), "{}", algorithm);
        }
    }
    Ok(())
}

fn limits() -> impl Strategy<Value = Option<u32>> {
    prop_oneof![Just(Some(1)), Just(None), (2u32..=16).prop_map(Some)]
}

proptest! {
    #![proptest_config(config(64, 0xad_0001))]

    #[test]
    fn one_sequence(max_len in 1u32..=4096, length_seed in any::<u32>(), limit in limits()) {
        let length = 1 + length_seed % max_len;
        check_every_algorithm(&histogram(max_len, &[(length, 1)]), limit)?;
    }

    #[test]
    fn every_sequence_at_max_len(max_len in 1u32..=4096, count in 1u64..=1_000_000, limit in limits()) {
        let histogram = histogram(max_len, &[(max_len, count)]);
        check_every_algorithm(&histogram, limit)?;
        let plan = pack(&histogram, Algorithm::Lpfhp, limit).unwrap();
        prop_assert_eq!(plan.packs(), count, "full rows cannot share");
    }

    #[test]
    fn every_sequence_of_length_one(max_len in 1u32..=4096, count in 1u64..=1_000_000, limit in limits()) {
        let histogram = histogram(max_len, &[(1, count)]);
        check_every_algorithm(&histogram, limit)?;
        // Best fit fills every row to the limit.
        let per_pack = u64::from(limit.unwrap_or(max_len).min(max_len));
        let plan = pack(&histogram, Algorithm::Lpfhp, limit).unwrap();
        prop_assert_eq!(plan.packs(), count.div_ceil(per_pack));
    }

    #[test]
    fn nothing_can_pair(max_len in 2u32..=2048, entries in prop::collection::vec((0u32..1024, 1u64..=10_000), 1..=20), limit in limits()) {
        // Every length above max_len / 2: no two sequences share a row.
        let half = max_len / 2;
        let entries: Vec<(u32, u64)> = entries
            .into_iter()
            .map(|(offset, count)| (half + 1 + offset % (max_len - half), count))
            .collect();
        let histogram = histogram(max_len, &entries);
        check_every_algorithm(&histogram, limit)?;
        for algorithm in Algorithm::ALL {
            let plan = pack(&histogram, algorithm, limit).unwrap();
            prop_assert_eq!(plan.packs(), histogram.sequences(), "{}", algorithm);
        }
    }

    #[test]
    fn max_len_one(count in 1u64..=u64::MAX / 2, limit in limits()) {
        check_every_algorithm(&histogram(1, &[(1, count)]), limit)?;
    }

    #[test]
    fn totals_at_the_edge_of_64_bits(max_len in 1u32..=512, entries in prop::collection::vec((0u32..512, 1u64..=1000), 1..=8), limit in limits()) {
        // Scale the counts so that sequences × max_len is just below 2^64.
        let budget = u64::MAX / u64::from(max_len);
        let weight: u64 = entries.iter().map(|&(_, share)| share).sum();
        let entries: Vec<(u32, u64)> = entries
            .into_iter()
            .map(|(offset, share)| (1 + offset % max_len, budget / weight * share))
            .collect();
        let mut counts = vec![0u64; max_len as usize];
        for &(length, count) in &entries {
            counts[length as usize - 1] += count;
        }
        match Histogram::from_dense(counts) {
            Ok(histogram) => check_every_algorithm(&histogram, limit)?,
            // The tokens of a row-filling dataset can still exceed 2^64;
            // that must be a clear error, never a wrong figure.
            Err(error) => prop_assert!(matches!(error, HistogramError::TotalOverflow { .. }), "{error}"),
        }
    }
}

#[test]
fn totals_past_64_bits_are_refused() {
    assert!(matches!(
        Histogram::from_dense(vec![u64::MAX, 1]),
        Err(HistogramError::TotalOverflow { what: "sequences" })
    ));
    assert!(matches!(
        Histogram::from_dense(vec![0, u64::MAX / 2 + 1]),
        Err(HistogramError::TotalOverflow { what: "tokens" })
    ));
    assert!(matches!(
        Histogram::from_dense(vec![u64::MAX / 3, 0, 0, 0]),
        Err(HistogramError::TotalOverflow {
            what: "padded tokens"
        })
    ));
}
