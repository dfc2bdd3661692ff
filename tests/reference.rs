//! Packlab against the figures published with the packing paper, on the
//! public SQuAD 1.1 histogram (see `shared/data/REFERENCE.md` beside the
//! repository).
//!
//! The data is read where the project keeps it, outside the repository; a
//! clone without it skips these checks with a printed notice.
// Native only: these tests use files, processes or proptest.
#![cfg(not(target_arch = "wasm32"))]

// What this file shares with other test files, from tests/common/.
mod common {
    pub mod squad;
}

use packlab::{pack, validate, Algorithm, Report};

/// One row of the published table.
struct Row {
    algorithm: Algorithm,
    max_per_pack: Option<u32>,
    packs: u64,
    efficiency: f64,
    speedup: f64,
}

const fn row(
    algorithm: Algorithm,
    max_per_pack: Option<u32>,
    packs: u64,
    efficiency: f64,
    speedup: f64,
) -> Row {
    Row {
        algorithm,
        max_per_pack,
        packs,
        efficiency,
        speedup,
    }
}

/// The published figures (REFERENCE.md). "3 and above" is checked at 3, 4,
/// 8 and without a limit.
const PUBLISHED: [Row; 18] = [
    row(Algorithm::None, Some(1), 88_641, 0.448011, 1.0000),
    row(Algorithm::Spfhp, Some(2), 45_335, 0.875972, 1.9552),
    row(Algorithm::Spfhp, Some(3), 40_711, 0.975466, 2.1773),
    row(Algorithm::Spfhp, Some(4), 40_711, 0.975466, 2.1773),
    row(Algorithm::Spfhp, Some(8), 40_711, 0.975466, 2.1773),
    row(Algorithm::Spfhp, None, 40_711, 0.975466, 2.1773),
    row(Algorithm::Lpfhp, Some(2), 45_335, 0.875972, 1.9552),
    row(Algorithm::Lpfhp, Some(3), 40_631, 0.977386, 2.1816),
    row(Algorithm::Lpfhp, Some(4), 40_631, 0.977386, 2.1816),
    row(Algorithm::Lpfhp, Some(8), 40_631, 0.977386, 2.1816),
    row(Algorithm::Lpfhp, None, 40_631, 0.977386, 2.1816),
    row(Algorithm::Nnlshp, Some(2), 64_318, 0.617435, 1.3782),
    row(Algorithm::Nnlshp, Some(3), 40_778, 0.973863, 2.1737),
    row(Algorithm::Nnlshp, Some(4), 40_783, 0.973744, 2.1735),
    // Not in the table, but the same claims hold: no worse than no packing,
    // and no worse than the published NNLSHP at depth 3.
    row(Algorithm::None, None, 88_641, 0.448011, 1.0000),
    row(Algorithm::Bfd, Some(2), 45_335, 0.875972, 1.9552),
    row(Algorithm::Bfd, None, 40_778, 0.973863, 2.1737),
    row(Algorithm::Nnlshp, Some(1), 88_641, 0.448011, 1.0000),
];

#[test]
fn the_squad_histogram_has_the_published_totals() {
    let Some(histogram) = common::squad::histogram("SQuAD reference figures") else {
        return;
    };
    assert_eq!(histogram.sequences(), 88_641);
    assert_eq!(histogram.tokens(), 15_249_479);
    let padding = 1.0 - histogram.tokens() as f64 / (88_641.0 * 384.0);
    assert!((padding - 0.552).abs() < 0.0005);
    assert!((88_641.0 * 384.0 / histogram.tokens() as f64 - 2.2321).abs() < 0.00005);
}

#[test]
fn spfhp_reproduces_the_published_figures_exactly() {
    let Some(histogram) = common::squad::histogram("SQuAD reference figures") else {
        return;
    };
    for published in PUBLISHED.iter().filter(|r| r.algorithm == Algorithm::Spfhp) {
        let plan = pack(&histogram, Algorithm::Spfhp, published.max_per_pack).unwrap();
        let report = Report::new(Algorithm::Spfhp, &histogram, &plan, 0.0);
        assert_eq!(
            report.packs, published.packs,
            "max_per_pack {:?}",
            published.max_per_pack
        );
        assert!((report.efficiency - published.efficiency).abs() < 5e-7);
        assert!((report.speedup - published.speedup).abs() < 5e-5);
    }
}

#[test]
fn every_algorithm_is_at_least_as_efficient_as_published() {
    let Some(histogram) = common::squad::histogram("SQuAD reference figures") else {
        return;
    };
    for published in &PUBLISHED {
        let plan = pack(&histogram, published.algorithm, published.max_per_pack).unwrap();
        assert_eq!(validate(&plan, &histogram), Ok(()));
        let report = Report::new(published.algorithm, &histogram, &plan, 0.0);
        println!(
            "{} max_per_pack {:?}: {} packs (published {}), efficiency {:.6}",
            published.algorithm,
            published.max_per_pack,
            report.packs,
            published.packs,
            report.efficiency
        );
        assert!(
            report.packs <= published.packs,
            "{} at max_per_pack {:?}: {} packs, published {}",
            published.algorithm,
            published.max_per_pack,
            report.packs,
            published.packs
        );
        assert!(report.efficiency >= published.efficiency - 5e-7);
        // The volume bound and the published LP bound (40,195 at depth 3
        // and above, 45,335 at depth 2) hold for every plan.
        assert!(report.packs >= 39_713);
        match published.max_per_pack {
            Some(2) => assert!(report.packs >= 45_335),
            Some(1) => assert_eq!(report.packs, 88_641),
            _ => assert!(report.packs >= 40_195),
        }
    }
}
