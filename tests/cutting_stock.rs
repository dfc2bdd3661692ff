//! The LP bound and the optimal packer through the public API: exact small
//! cases, property tests against independent oracles, and the published
//! SQuAD figures.
//!
//! The oracles are independent of the code under test:
//! - the LP value is checked against the *dual* LP (`max b·y` subject to
//!   `a_p·y ≤ 1` for every composition `p`, `y ≥ 0`) over an explicit list
//!   of every composition, solved by a textbook dense tableau simplex with
//!   Bland's rule: no column generation, no pricing programme, no basis
//!   inverse, and the other side of the duality;
//! - the best plan is found by exhaustive search over compositions;
//! - the optimal packer's plan is checked against every other packer's,
//!   each made on its own through the public API.
// Native only: these tests use files, processes or proptest.
#![cfg(not(target_arch = "wasm32"))]

// What this file shares with other test files, from tests/common/.
mod common {
    pub mod histograms;
    pub mod proptest_config;
    pub mod shapes;
    pub mod squad;
}

use std::collections::HashMap;

use common::histograms::histogram;
use common::proptest_config::config;
use packlab::algorithms::{lp_bound, pack_optimal, PlanSource};
use packlab::{
    pack, pack_cached, validate, Algorithm, Histogram, PackError, PackOptions, PackingPlan,
    PlanOrigin, Report, SolutionCache, MAX_SUPPORTED_MAX_LEN,
};
use proptest::prelude::*;

/// Packs `data` optimally, checks the plan and returns its packs.
fn optimal_packs(data: &Histogram, max_per_pack: Option<u32>) -> u64 {
    let outcome = pack_optimal(data, max_per_pack).expect("the optimal packer succeeds");
    let packs = outcome.packs();
    let plan = PackingPlan::from_groups(data.max_len(), max_per_pack, outcome.groups);
    assert_eq!(validate(&plan, data), Ok(()));
    assert!(packs >= outcome.bound.lower_bound_packs);
    packs
}

// ---------------------------------------------------------------------------
// Exact small cases.

#[test]
fn classic_instance() {
    // 4 × 3, 2 × 5, 2 × 9 in rows of 10. LP: [9] ×2, [5,5] ×1, [3,3,3] ×4/3.
    let data = histogram(10, &[(3, 4), (5, 2), (9, 2)]);
    let bound = lp_bound(&data, None).unwrap();
    assert!((bound.lp_value - 13.0 / 3.0).abs() < 1e-7, "{bound:?}");
    assert!((bound.dual_bound - 13.0 / 3.0).abs() < 1e-7);
    assert_eq!(bound.lower_bound_packs, 5);
    assert!(bound.converged && bound.proven);
    assert_eq!(bound.bucket_tokens, 1);
    let total: f64 = bound.solution.iter().map(|pack| pack.repeats).sum();
    assert!((total - bound.lp_value).abs() < 1e-7);
    assert_eq!(optimal_packs(&data, None), 5);
}

#[test]
fn a_cap_of_two_pairs_sequences() {
    // Six sequences of 1 token in rows of 10, at most 2 per pack: 3 packs.
    let data = histogram(10, &[(1, 6)]);
    let bound = lp_bound(&data, Some(2)).unwrap();
    assert!((bound.lp_value - 3.0).abs() < 1e-7);
    assert_eq!(bound.lower_bound_packs, 3);
    assert_eq!(optimal_packs(&data, Some(2)), 3);
    // No cap: all six share one pack.
    assert_eq!(lp_bound(&data, None).unwrap().lower_bound_packs, 1);
    assert_eq!(optimal_packs(&data, None), 1);
}

#[test]
fn one_sequence_per_pack_is_no_packing() {
    let data = histogram(16, &[(1, 5), (4, 3), (16, 2)]);
    let bound = lp_bound(&data, Some(1)).unwrap();
    assert!((bound.lp_value - 10.0).abs() < 1e-7);
    assert_eq!(bound.lower_bound_packs, 10);
    assert_eq!(optimal_packs(&data, Some(1)), 10);
}

#[test]
fn edge_histograms() {
    // A single sequence.
    let single = histogram(8, &[(3, 1)]);
    assert_eq!(lp_bound(&single, None).unwrap().lower_bound_packs, 1);
    assert_eq!(optimal_packs(&single, None), 1);
    // Everything at max_len.
    let full = histogram(8, &[(8, 7)]);
    assert!((lp_bound(&full, None).unwrap().lp_value - 7.0).abs() < 1e-7);
    assert_eq!(optimal_packs(&full, Some(3)), 7);
    // max_len 1.
    let tiny = histogram(1, &[(1, 4)]);
    assert_eq!(lp_bound(&tiny, None).unwrap().lower_bound_packs, 4);
    assert_eq!(optimal_packs(&tiny, None), 4);
    assert_eq!(optimal_packs(&tiny, Some(1)), 4);
    // A cap at or above max_len cannot bind.
    let data = histogram(4, &[(1, 9)]);
    assert_eq!(optimal_packs(&data, Some(4)), 3);
    assert_eq!(optimal_packs(&data, Some(400)), 3);
}

#[test]
fn zero_max_per_pack_is_an_error() {
    let data = histogram(4, &[(1, 1)]);
    assert_eq!(
        lp_bound(&data, Some(0)).unwrap_err(),
        PackError::ZeroMaxPerPack
    );
    assert_eq!(
        pack_optimal(&data, Some(0)).unwrap_err(),
        PackError::ZeroMaxPerPack
    );
}

#[test]
fn huge_counts_give_sound_plans() {
    // As many sequences as a histogram at this max_len may hold.
    let limit = u64::MAX / 100;
    let data = histogram(
        100,
        &[(30, limit / 2), (45, limit / 4), (70, limit / 4 - 10)],
    );
    let bound = lp_bound(&data, None).unwrap();
    assert!(bound.lower_bound_packs > 0);
    let packs = optimal_packs(&data, None);
    assert!(
        packs as f64 <= bound.lp_value * 1.000_001,
        "{packs} vs {bound:?}"
    );
    optimal_packs(&data, Some(2));
}

#[test]
fn the_largest_max_len_is_handled() {
    let max_len = MAX_SUPPORTED_MAX_LEN;
    let data = histogram(
        max_len,
        &[
            (1, 3),
            (1000, 5),
            (max_len / 3, 4),
            (max_len - 1, 2),
            (max_len, 1),
        ],
    );
    for cap in [None, Some(1), Some(2), Some(1000), Some(3_000_000)] {
        let bound = lp_bound(&data, cap).unwrap();
        assert!(bound.bucket_tokens > 1);
        let packs = optimal_packs(&data, cap);
        assert!((3..=15).contains(&packs), "{cap:?}: {packs}");
    }
}

#[test]
fn many_lengths_are_bucketed_and_stay_sound() {
    // 3000 distinct lengths at max_len 32768 (a deterministic spread).
    let max_len = 32_768;
    let lengths: Vec<(u32, u64)> = (0..3000u64)
        .map(|i| {
            let length = 1 + (i * 7919 % 20_000) as u32;
            (length, 1 + i * 31 % 17)
        })
        .collect();
    let data = histogram(max_len, &lengths);
    for cap in [None, Some(2), Some(4)] {
        let outcome = pack_optimal(&data, cap).unwrap();
        assert!(outcome.bound.bucket_tokens >= 64);
        if outcome.source == PlanSource::LpRounding {
            let bucketing = outcome.bucketing.expect("buckets at this size");
            assert!(bucketing.bucket_tokens >= 64);
        }
        let packs = optimal_packs(&data, cap);
        // Every other algorithm needs at least the bound.
        for algorithm in Algorithm::ALL {
            let other = pack(&data, algorithm, cap).unwrap();
            assert!(other.packs() >= outcome.bound.lower_bound_packs);
        }
        assert!(packs >= outcome.bound.lower_bound_packs);
    }
}

// ---------------------------------------------------------------------------
// Oracles.

/// Every composition of a tiny histogram: `(length index, copies)` lists
/// with copies ≤ count, tokens ≤ max_len and at most `cap` sequences.
fn all_compositions(lengths: &[(u32, u64)], max_len: u32, cap: Option<u32>) -> Vec<Vec<u64>> {
    fn extend(
        index: usize,
        room: u64,
        slots: u64,
        lengths: &[(u32, u64)],
        current: &mut Vec<u64>,
        out: &mut Vec<Vec<u64>>,
    ) {
        if index == lengths.len() {
            if current.iter().any(|&copies| copies > 0) {
                out.push(current.clone());
            }
            return;
        }
        let (length, count) = lengths[index];
        let mut copies = 0;
        while copies <= count && copies * u64::from(length) <= room && copies <= slots {
            current.push(copies);
            extend(
                index + 1,
                room - copies * u64::from(length),
                slots - copies,
                lengths,
                current,
                out,
            );
            current.pop();
            copies += 1;
        }
    }
    let mut out = Vec::new();
    let slots = cap.map_or(u64::MAX, u64::from);
    extend(
        0,
        u64::from(max_len),
        slots,
        lengths,
        &mut Vec::new(),
        &mut out,
    );
    out
}

/// The LP optimum via its dual, `max b·y` subject to `A^T y ≤ 1`, `y ≥ 0`,
/// by a dense tableau simplex with Bland's rule (the slack basis is
/// feasible since every right-hand side is 1).
fn dual_lp_value(counts: &[u64], compositions: &[Vec<u64>]) -> f64 {
    const TOLERANCE: f64 = 1e-10;
    let lengths = counts.len();
    let constraints = compositions.len();
    let width = lengths + constraints + 1;
    // Row i: composition i; columns: y, slacks, right-hand side.
    let mut tableau = vec![vec![0.0; width]; constraints];
    for (row, composition) in tableau.iter_mut().zip(compositions) {
        for (cell, &copies) in row.iter_mut().zip(composition) {
            *cell = copies as f64;
        }
    }
    for (i, row) in tableau.iter_mut().enumerate() {
        row[lengths + i] = 1.0;
        row[width - 1] = 1.0;
    }
    let mut basis: Vec<usize> = (lengths..lengths + constraints).collect();
    let mut profit = vec![0.0; width - 1];
    for (cell, &count) in profit.iter_mut().zip(counts) {
        *cell = count as f64;
    }
    loop {
        // Reduced profit of each column: c_j − c_B B⁻¹ a_j.
        let reduced = |column: usize| -> f64 {
            profit[column]
                - basis
                    .iter()
                    .zip(&tableau)
                    .map(|(&basic, row)| profit[basic] * row[column])
                    .sum::<f64>()
        };
        let Some(entering) = (0..width - 1).find(|&column| reduced(column) > TOLERANCE) else {
            break;
        };
        let leaving = (0..constraints)
            .filter(|&row| tableau[row][entering] > TOLERANCE)
            .min_by(|&a, &b| {
                let ratio_a = tableau[a][width - 1] / tableau[a][entering];
                let ratio_b = tableau[b][width - 1] / tableau[b][entering];
                ratio_a
                    .partial_cmp(&ratio_b)
                    .unwrap()
                    .then(basis[a].cmp(&basis[b]))
            })
            .expect("the dual is bounded: every length has a composition");
        let pivot = tableau[leaving][entering];
        for cell in tableau[leaving].iter_mut() {
            *cell /= pivot;
        }
        let pivot_row = tableau[leaving].clone();
        for (row_index, row) in tableau.iter_mut().enumerate() {
            let factor = row[entering];
            if row_index != leaving && factor != 0.0 {
                for (cell, &pivot_cell) in row.iter_mut().zip(&pivot_row) {
                    *cell -= factor * pivot_cell;
                }
            }
        }
        basis[leaving] = entering;
    }
    basis
        .iter()
        .zip(&tableau)
        .map(|(&basic, row)| profit[basic] * row[width - 1])
        .sum()
}

/// The fewest packs for `counts` by exhaustive search (with memory).
fn best_plan(counts: &[u64], compositions: &[Vec<u64>]) -> u64 {
    fn search(
        left: Vec<u64>,
        compositions: &[Vec<u64>],
        memory: &mut HashMap<Vec<u64>, u64>,
    ) -> u64 {
        let Some(first) = left.iter().position(|&count| count > 0) else {
            return 0;
        };
        if let Some(&known) = memory.get(&left) {
            return known;
        }
        // Some pack holds a sequence of the first length left: try each.
        let mut best = u64::MAX;
        for composition in compositions.iter().filter(|c| c[first] > 0) {
            let next: Vec<u64> = left
                .iter()
                .zip(composition)
                .map(|(&l, &c)| l.saturating_sub(c))
                .collect();
            best = best.min(1 + search(next, compositions, memory));
        }
        memory.insert(left, best);
        best
    }
    search(counts.to_vec(), compositions, &mut HashMap::new())
}

/// Tiny histograms: max_len 2..=12, up to 4 distinct lengths, counts ≤ 4.
fn tiny_histogram() -> impl Strategy<Value = (u32, Vec<(u32, u64)>)> {
    (2u32..=12).prop_flat_map(|max_len| {
        (
            Just(max_len),
            prop::collection::btree_map(1..=max_len, 1u64..=4, 1..=4)
                .prop_map(|map| map.into_iter().collect::<Vec<_>>()),
        )
    })
}

fn max_per_pack() -> impl Strategy<Value = Option<u32>> {
    prop_oneof![Just(None), (1u32..=4).prop_map(Some)]
}

proptest! {
    #![proptest_config(config(250, 0x5eed_1001))]

    #[test]
    fn lp_bound_matches_the_dual_oracle_and_the_best_plan(
        (max_len, lengths) in tiny_histogram(),
        cap in max_per_pack(),
    ) {
        let data = histogram(max_len, &lengths);
        let compositions = all_compositions(&lengths, max_len, cap);
        let counts: Vec<u64> = lengths.iter().map(|&(_, count)| count).collect();
        let expected = dual_lp_value(&counts, &compositions);
        let bound = lp_bound(&data, cap).unwrap();
        prop_assert!(bound.converged);
        prop_assert!((bound.lp_value - expected).abs() < 1e-7, "{bound:?} vs {expected}");
        prop_assert!((bound.dual_bound - expected).abs() < 1e-7);
        let best = best_plan(&counts, &compositions);
        prop_assert!(bound.lower_bound_packs <= best);
        prop_assert!(bound.lower_bound_packs as f64 >= expected - 1e-7);
        // At 2 per pack the bound is the optimum itself.
        if cap == Some(2) {
            prop_assert_eq!(bound.lower_bound_packs, best);
        }
        let packs = optimal_packs(&data, cap);
        prop_assert!(packs >= best);
        // Residual rounding plus best fit is exact on most tiny cases and
        // never far off.
        prop_assert!(packs <= best + 1, "{packs} packs, best {best}");
    }
}

/// Tiny histograms at a max_len so large that the LP works on buckets of
/// lengths even with a single length: the bound then rounds lengths down
/// and the packer rounds them up, and both must stay sound.
fn tiny_bucketed_histogram() -> impl Strategy<Value = (u32, Vec<(u32, u64)>)> {
    (300_000u32..=1_000_000).prop_flat_map(|max_len| {
        (
            Just(max_len),
            prop::collection::btree_map(1..=max_len, 1u64..=3, 1..=4)
                .prop_map(|map| map.into_iter().collect::<Vec<_>>()),
        )
    })
}

proptest! {
    #![proptest_config(config(150, 0x5eed_1003))]

    #[test]
    fn bucketed_bounds_stay_below_the_best_plan(
        (max_len, lengths) in tiny_bucketed_histogram(),
        cap in max_per_pack(),
    ) {
        let data = histogram(max_len, &lengths);
        let compositions = all_compositions(&lengths, max_len, cap);
        let counts: Vec<u64> = lengths.iter().map(|&(_, count)| count).collect();
        let best = best_plan(&counts, &compositions);
        let bound = lp_bound(&data, cap).unwrap();
        prop_assert!(bound.bucket_tokens > 1);
        prop_assert!(bound.lower_bound_packs <= best, "{bound:?}, best {best}");
        // At 2 per pack the bound is exact even on buckets.
        if cap == Some(2) {
            prop_assert_eq!(bound.lower_bound_packs, best);
        }
        let packs = optimal_packs(&data, cap);
        prop_assert!(packs >= best);
    }
}

/// Random histograms of moderate size: many lengths and counts.
fn random_histogram() -> impl Strategy<Value = (u32, Vec<(u32, u64)>)> {
    (8u32..=600).prop_flat_map(|max_len| {
        (
            Just(max_len),
            prop::collection::vec((1..=max_len, 1u64..=200), 1..=60),
        )
    })
}

proptest! {
    #![proptest_config(config(120, 0x5eed_1002))]

    #[test]
    fn bound_is_below_every_algorithm_and_the_plan_is_sound(
        (max_len, lengths) in random_histogram(),
        cap in prop_oneof![Just(None), (1u32..=6).prop_map(Some)],
    ) {
        let data = histogram(max_len, &lengths);
        let outcome = pack_optimal(&data, cap).unwrap();
        let bound = outcome.bound.lower_bound_packs;
        prop_assert_eq!(bound, lp_bound(&data, cap).unwrap().lower_bound_packs);
        let packs = optimal_packs(&data, cap);
        for algorithm in Algorithm::ALL {
            let other = pack(&data, algorithm, cap).unwrap();
            prop_assert!(other.packs() >= bound, "{algorithm}: {} < {bound}", other.packs());
        }
        prop_assert!(packs <= bound + 3 + bound / 100, "{packs} packs, bound {bound}");
    }
}

// ---------------------------------------------------------------------------
// The optimal packer against the other packers.

/// The counts of `lengths`, in the order [`all_compositions`] lists them.
fn counts_of(lengths: &[(u32, u64)]) -> Vec<u64> {
    lengths.iter().map(|&(_, count)| count).collect()
}

#[test]
fn nnlshps_plan_is_kept_where_the_rounding_misses_the_bound() {
    // 10 × 2, 9 × 7, 1 × 16 and 6 × 25 tokens in rows of 32, at most 5 per
    // pack. The LP bound is 8 and only NNLSHP's plan reaches it; the LP's
    // rounding (and LPFHP, BFD) take 9.
    let lengths = [(2, 10), (7, 9), (16, 1), (25, 6)];
    let data = histogram(32, &lengths);
    let cap = Some(5);
    let best = best_plan(&counts_of(&lengths), &all_compositions(&lengths, 32, cap));
    assert_eq!(best, 8);
    let plan = pack(&data, Algorithm::Optimal, cap).unwrap();
    assert_eq!(validate(&plan, &data), Ok(()));
    assert_eq!(plan.packs(), 8);
    let known = plan
        .optimality
        .expect("the optimal packer says what it knows");
    assert_eq!(known.lower_bound_packs, 8);
    assert!(known.proven_optimal);
    // A better rounding may reach the bound itself one day; while it does
    // not, the plan kept is NNLSHP's.
    if pack_optimal(&data, cap).unwrap().packs() > 8 {
        assert_eq!(known.plan_from, PlanOrigin::Nnlshp);
        assert_eq!(pack(&data, Algorithm::Nnlshp, cap).unwrap().packs(), 8);
    }
}

#[test]
fn spfhps_plan_is_kept_where_it_alone_meets_the_bound() {
    // Rows of 14 tokens, at most 3 per pack: the LP bound is 36 and only
    // SPFHP reaches it; the LP's rounding takes 37, LPFHP, BFD and NNLSHP 38.
    let lengths = [
        (1, 12),
        (3, 10),
        (4, 6),
        (6, 8),
        (7, 4),
        (8, 12),
        (11, 8),
        (14, 12),
    ];
    let data = histogram(14, &lengths);
    let cap = Some(3);
    let plan = pack(&data, Algorithm::Optimal, cap).unwrap();
    assert_eq!(validate(&plan, &data), Ok(()));
    let known = plan
        .optimality
        .expect("the optimal packer says what it knows");
    assert_eq!((plan.packs(), known.lower_bound_packs), (36, 36));
    assert!(known.proven_optimal);
    if pack_optimal(&data, cap).unwrap().packs() > 36 {
        assert_eq!(known.plan_from, PlanOrigin::Spfhp);
    }
}

#[test]
fn a_plan_above_the_bound_is_not_called_proven() {
    // 12 × 1, 3 × 4, 4 × 6 and 1 × 8 tokens in rows of 10, at most 4 per
    // pack: 56 tokens, so the bound is 6, and the best plan (exhaustive
    // search) reaches it: [8, 1, 1], [6, 1, 1, 1] × 3, [4, 4, 1], [6, 4].
    // The packers all take 7 when this was written, and the optimal packer
    // must then not call its plan proven; should one find the best plan,
    // it is.
    let lengths = [(1, 12), (4, 3), (6, 4), (8, 1)];
    let data = histogram(10, &lengths);
    let cap = Some(4);
    let best = best_plan(&counts_of(&lengths), &all_compositions(&lengths, 10, cap));
    assert_eq!(best, 6);
    let plan = pack(&data, Algorithm::Optimal, cap).unwrap();
    let known = plan
        .optimality
        .expect("the optimal packer says what it knows");
    assert_eq!(known.lower_bound_packs, 6);
    assert!(known.lp_bound_exact);
    assert!((6..=7).contains(&plan.packs()), "{} packs", plan.packs());
    assert_eq!(known.proven_optimal, plan.packs() == 6);
    let report = Report::new(Algorithm::Optimal, &data, &plan, 0.0);
    assert_eq!(report.optimality, Some(known));
}

proptest! {
    #![proptest_config(config(250, 0x5eed_1004))]

    /// Against the exhaustive search, the bound is below the best plan, so
    /// a plan that meets it is optimal. Tiny plans nearly always meet it;
    /// plans above it come from the bell histograms below and the case above.
    #[test]
    fn optimality_says_proven_exactly_when_the_plan_meets_a_valid_bound(
        (max_len, lengths) in tiny_histogram(),
        cap in max_per_pack(),
    ) {
        let data = histogram(max_len, &lengths);
        let best = best_plan(&counts_of(&lengths), &all_compositions(&lengths, max_len, cap));
        let plan = pack(&data, Algorithm::Optimal, cap).unwrap();
        prop_assert_eq!(validate(&plan, &data), Ok(()));
        let known = plan.optimality.expect("the optimal packer says what it knows");
        prop_assert!(known.lower_bound_packs <= best, "{known:?}, best {best}");
        prop_assert_eq!(known.proven_optimal, plan.packs() == known.lower_bound_packs);
        prop_assert_eq!(Report::new(Algorithm::Optimal, &data, &plan, 0.0).optimality, Some(known));
        // The other algorithms claim nothing.
        let other = pack(&data, Algorithm::Nnlshp, cap).unwrap();
        prop_assert_eq!(other.optimality, None);
        prop_assert_eq!(Report::new(Algorithm::Nnlshp, &data, &other, 0.0).optimality, None);
    }
}

/// Histograms shaped like real data: every length present, counts in a
/// bell around a mode, up to a thousand, plus a little noise. On these the
/// LP's rounding often misses the bound, and now and then another packer's
/// plan has fewer packs; on the sparse histograms of [`random_histogram`]
/// LPFHP's plan is nearly always optimal already.
fn bell_histogram() -> impl Strategy<Value = (u32, Vec<(u32, u64)>)> {
    (16u32..=128, 0.1f64..0.7, 0.05f64..0.5, 1u64..=1000)
        .prop_flat_map(|(max_len, mode, spread, peak)| {
            let noise = prop::collection::vec(0u64..=2, max_len as usize);
            (Just((max_len, mode, spread, peak)), noise)
        })
        .prop_map(|((max_len, mode, spread, peak), noise)| {
            let mode = mode * f64::from(max_len);
            // At least a token wide, so that the length nearest the mode
            // gets a count of at least 1.
            let width = (spread * f64::from(max_len)).max(1.0);
            let lengths = (1..=max_len)
                .zip(noise)
                .map(|(length, extra)| {
                    let z = (f64::from(length) - mode) / width;
                    let bell = (peak as f64 * (-0.5 * z * z).exp()).round() as u64;
                    (length, bell + extra)
                })
                .filter(|&(_, count)| count > 0)
                .collect();
            (max_len, lengths)
        })
}

proptest! {
    #![proptest_config(config(60, 0x5eed_1005))]

    /// As the page asks: one solution cache for the histogram, every other
    /// algorithm before the optimal packer at each setting.
    #[test]
    fn optimal_never_uses_more_packs_than_another_algorithm(
        (max_len, lengths) in prop_oneof![random_histogram(), bell_histogram()],
    ) {
        let data = histogram(max_len, &lengths);
        let mut cache = SolutionCache::new();
        for cap in (1..=6).map(Some).chain([None]) {
            let options = PackOptions { max_per_pack: cap, bucket_tokens: None };
            let mut others = Vec::new();
            for algorithm in Algorithm::ALL.into_iter().filter(|&a| a != Algorithm::Optimal) {
                let plan = pack_cached(&data, algorithm, &options, &mut cache).unwrap();
                others.push((algorithm, plan.packs()));
            }
            let plan = pack_cached(&data, Algorithm::Optimal, &options, &mut cache).unwrap();
            prop_assert_eq!(validate(&plan, &data), Ok(()));
            let packs = plan.packs();
            for &(algorithm, other) in &others {
                prop_assert!(packs <= other, "{cap:?}: optimal {packs}, {algorithm} {other}");
            }
            let lp_plan = pack_optimal(&data, cap).unwrap();
            let known = plan.optimality.expect("the optimal packer says what it knows");
            prop_assert_eq!(known.lower_bound_packs, lp_plan.bound.lower_bound_packs);
            prop_assert_eq!(known.proven_optimal, packs == known.lower_bound_packs);
            // Another packer's plan is kept only when it beats the LP's.
            let kept_from = match known.plan_from {
                PlanOrigin::LpRounding | PlanOrigin::Lpfhp => None,
                PlanOrigin::Spfhp => Some(Algorithm::Spfhp),
                PlanOrigin::Bfd => Some(Algorithm::Bfd),
                PlanOrigin::Nnlshp => Some(Algorithm::Nnlshp),
            };
            match kept_from {
                None => prop_assert_eq!(packs, lp_plan.packs()),
                Some(algorithm) => {
                    prop_assert!(packs < lp_plan.packs(), "{cap:?}: {algorithm}'s plan kept");
                    prop_assert!(others.contains(&(algorithm, packs)));
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Large histograms shaped like real data.

/// Checks the bound and the optimal packer's plan of `data` at each cap:
/// the bound is proven, the plan within `slack` packs of it and never
/// worse than LPFHP's or NNLSHP's. Returns the plan's distance to the
/// bound at each cap.
fn check_large(data: &Histogram, caps: &[Option<u32>], slack: u64) -> Vec<u64> {
    let mut cache = SolutionCache::new();
    let mut gaps = Vec::new();
    for &cap in caps {
        let bound = lp_bound(data, cap).unwrap();
        assert!(bound.proven, "{cap:?}: {bound:?}");
        let options = PackOptions {
            max_per_pack: cap,
            bucket_tokens: None,
        };
        let mut packs_of = |algorithm| {
            let plan = pack_cached(data, algorithm, &options, &mut cache).unwrap();
            assert_eq!(validate(&plan, data), Ok(()), "{algorithm} at {cap:?}");
            plan.packs()
        };
        let lpfhp = packs_of(Algorithm::Lpfhp);
        let nnlshp = packs_of(Algorithm::Nnlshp);
        let optimal = packs_of(Algorithm::Optimal);
        let floor = bound.lower_bound_packs;
        assert!(optimal >= floor, "{cap:?}");
        assert!(
            optimal <= floor + slack,
            "{cap:?}: optimal {optimal}, bound {floor}"
        );
        assert!(
            optimal <= lpfhp.min(nnlshp),
            "{cap:?}: {optimal} {lpfhp} {nnlshp}"
        );
        gaps.push(optimal - floor);
    }
    gaps
}

/// Every cap the issue of depth asks about: 1 to 16 and none.
fn every_cap() -> Vec<Option<u32>> {
    (1..=16).map(Some).chain([None]).collect()
}

#[test]
fn pretraining_shaped_histograms_are_packed_within_a_pack_of_a_proven_bound() {
    // The size of BERT's Wikipedia set, at every cap.
    let wikipedia_sized = common::shapes::pretraining(512, 16_300_000, 1);
    let gaps = check_large(&wikipedia_sized, &every_cap(), 1);
    // Not only within one: the bound itself, at most caps.
    let exact = gaps.iter().filter(|&&gap| gap == 0).count();
    assert!(exact * 2 > gaps.len(), "{gaps:?}");
    let hundred_million = common::shapes::pretraining(512, 100_000_000, 2);
    check_large(
        &hundred_million,
        &[Some(2), Some(3), Some(4), Some(8), None],
        1,
    );
}

#[test]
fn chat_shaped_histograms_have_a_proven_bound_at_every_cap() {
    // Exact lengths below 512 tokens; bucketed at 4096.
    let short = common::shapes::chat(384, 2_000_000, 3);
    check_large(&short, &every_cap(), 1);
    let long = common::shapes::chat(4096, 1_000_000, 4);
    let caps = [Some(1), Some(2), Some(3), Some(4), Some(8), None];
    // The bound is on lengths rounded down to buckets of 8 tokens and the
    // plan on lengths rounded up, then refined on real lengths: observed
    // 121 to 182 packs above the bound at 3 and 4 per pack, 106 at 8, 43
    // without a limit, out of about 230,000.
    let gaps = check_large(&long, &caps, 200);
    // At 1 and 2 per pack the bound is the optimum, and the plan meets it.
    assert_eq!(gaps[..2], [0, 0], "{gaps:?}");
}

// ---------------------------------------------------------------------------
// SQuAD.

#[test]
fn squad_bound_is_the_published_one() {
    let Some(data) = common::squad::histogram("SQuAD bound") else {
        return;
    };
    for (cap, lp_value, packs) in [
        (None, 40_194.25, 40_195),
        (Some(3), 40_194.25, 40_195),
        (Some(2), 45_334.5, 45_335),
    ] {
        let bound = lp_bound(&data, cap).unwrap();
        assert!(bound.converged && bound.proven, "{cap:?}: {bound:?}");
        // The published figures are rounded to hundredths.
        assert!(
            (bound.lp_value - lp_value).abs() < 5e-3,
            "{cap:?}: {bound:?}"
        );
        assert!(bound.dual_bound <= bound.lp_value + 1e-6);
        assert!(bound.lp_value - bound.dual_bound < 1e-3);
        assert_eq!(bound.lower_bound_packs, packs, "{cap:?}");
    }
}

#[test]
fn squad_optimal_plans_are_within_a_pack_of_the_bound() {
    let Some(data) = common::squad::histogram("SQuAD bound") else {
        return;
    };
    let caps = std::iter::once(None).chain((1..=16).map(Some));
    for cap in caps {
        let outcome = pack_optimal(&data, cap).unwrap();
        let bound = outcome.bound.lower_bound_packs;
        let packs = optimal_packs(&data, cap);
        // Observed: the bound itself at every cap. The rounding follows the
        // LP's path, which floating-point detail can change: one pack of
        // margin, the most the optimal packer aims at.
        assert!(packs <= bound + 1, "{cap:?}: {packs} packs, bound {bound}");
    }
}

#[test]
fn squad_optimal_plans_meet_the_published_bound_and_say_so() {
    let Some(data) = common::squad::histogram("SQuAD optimal plans") else {
        return;
    };
    for cap in (3..=16).map(Some).chain([None]) {
        let plan = pack(&data, Algorithm::Optimal, cap).unwrap();
        assert_eq!(plan.packs(), 40_195, "{cap:?}");
        let known = plan
            .optimality
            .expect("the optimal packer says what it knows");
        assert_eq!(known.lower_bound_packs, 40_195, "{cap:?}");
        assert!(known.proven_optimal && known.lp_bound_exact, "{cap:?}");
    }
}
