//! Dynamic padding through the public API: cases worked out by hand, and
//! property tests against oracles that materialise every sequence.
//!
//! The oracles share nothing with the module: they list the sequences one
//! by one and either enumerate every shuffle (tiny datasets), every subset
//! (small ones), or shuffle them with their own seeded generator and
//! average (moderate ones). The module works from counts per length with
//! order statistics, a sorted pass over lengths, or draws from a Fenwick
//! tree.
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
use packlab::dynamic_padding::{
    batches_per_megabatch, dynamic_padding, dynamic_padding_all, megabatch_batches, random_batches,
    sorted_batches, BatchingScheme, DynamicPadding, DynamicPaddingError, EstimateKind,
    SimulationOptions,
};
use packlab::Histogram;
use proptest::prelude::*;

/// Relative tolerance of exact figures computed two ways in `f64`.
const EXACT_TOLERANCE: f64 = 1e-11;

/// A Monte-Carlo mean may sit this many standard errors from its target;
/// with fixed seeds the tests are deterministic, and 5 standard errors
/// keep them from depending on a lucky seed.
const STANDARD_ERRORS: f64 = 5.0;

/// Monte-Carlo comparisons also allow this share of the expectation: events
/// too rare to occur among the simulated draws (a batch of 17 drawn from
/// 45 short and 69 long sequences holding no long one, say) shift the
/// exact figure by a little, and leave no trace in a sample's variance.
const RARE_EVENT_SLACK: f64 = 1e-4;

fn histogram_of(max_len: u32, lengths: &[u32]) -> Histogram {
    let mut counts = vec![0u64; max_len as usize];
    for &length in lengths {
        counts[length as usize - 1] += 1;
    }
    Histogram::from_dense(counts).expect("test histograms are valid")
}

/// The oracles' own generator (SplitMix64), independent of the module's.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..bound`, by rejection so it is exactly uniform.
    fn below(&mut self, bound: usize) -> usize {
        let bound = bound as u64;
        let zone = u64::MAX - u64::MAX % bound;
        loop {
            let draw = self.next();
            if draw < zone {
                return (draw % bound) as usize;
            }
        }
    }

    fn shuffle(&mut self, items: &mut [u32]) {
        for index in (1..items.len()).rev() {
            items.swap(index, self.below(index + 1));
        }
    }
}

/// Σ over consecutive batches of `batch` of (size × longest, size × longest²).
fn cost_of_order(order: &[u32], batch: usize) -> (f64, f64) {
    let mut padded = 0.0;
    let mut pairs = 0.0;
    for chunk in order.chunks(batch) {
        let longest = f64::from(*chunk.iter().max().unwrap());
        padded += chunk.len() as f64 * longest;
        pairs += chunk.len() as f64 * longest * longest;
    }
    (padded, pairs)
}

/// The average cost over every ordering of `lengths` (Heap's algorithm).
fn average_over_all_shuffles(lengths: &[u32], batch: usize) -> (f64, f64) {
    fn visit(items: &mut Vec<u32>, size: usize, batch: usize, sums: &mut (f64, f64, f64)) {
        if size <= 1 {
            let (padded, pairs) = cost_of_order(items, batch);
            sums.0 += padded;
            sums.1 += pairs;
            sums.2 += 1.0;
            return;
        }
        for index in 0..size {
            visit(items, size - 1, batch, sums);
            let other = if size.is_multiple_of(2) { index } else { 0 };
            items.swap(other, size - 1);
        }
    }
    let mut items = lengths.to_vec();
    let mut sums = (0.0, 0.0, 0.0);
    let size = items.len();
    visit(&mut items, size, batch, &mut sums);
    (sums.0 / sums.2, sums.1 / sums.2)
}

/// `E[max]` and `E[max²]` over every subset of `size` lengths.
fn subset_moments(lengths: &[u32], size: usize) -> (f64, f64) {
    let mut sums = (0.0, 0.0, 0.0);
    for mask in 0u32..(1 << lengths.len()) {
        if mask.count_ones() as usize != size {
            continue;
        }
        let longest = (0..lengths.len())
            .filter(|&bit| mask & (1 << bit) != 0)
            .map(|bit| f64::from(lengths[bit]))
            .fold(0.0, f64::max);
        sums.0 += longest;
        sums.1 += longest * longest;
        sums.2 += 1.0;
    }
    (sums.0 / sums.2, sums.1 / sums.2)
}

fn materialise(data: &Histogram) -> Vec<u32> {
    data.counts()
        .iter()
        .zip(1u32..)
        .flat_map(|(&count, length)| std::iter::repeat_n(length, count as usize))
        .collect()
}

/// Hugging Face's length-grouped order for one shuffle: megabatches of
/// `megabatch` sequences, each sorted longest first.
fn megabatch_order(shuffled: &[u32], megabatch: usize) -> Vec<u32> {
    shuffled
        .chunks(megabatch)
        .flat_map(|chunk| {
            let mut sorted = chunk.to_vec();
            sorted.sort_unstable_by(|a, b| b.cmp(a));
            sorted
        })
        .collect()
}

/// Mean and standard error over `runs` seeded shuffles of an ordering rule.
fn monte_carlo(
    data: &Histogram,
    batch: usize,
    runs: usize,
    seed: u64,
    order: impl Fn(&[u32]) -> Vec<u32>,
) -> (f64, f64) {
    let mut lengths = materialise(data);
    let mut random = Random(seed);
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        random.shuffle(&mut lengths);
        samples.push(cost_of_order(&order(&lengths), batch).0);
    }
    let mean = samples.iter().sum::<f64>() / runs as f64;
    let variance = samples.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (runs - 1) as f64;
    (mean, (variance / runs as f64).sqrt())
}

fn check_common_figures(result: &DynamicPadding, data: &Histogram) {
    let sequences = data.sequences() as f64;
    let max_len = f64::from(data.max_len());
    assert!(result.padded_tokens >= data.tokens() as f64 * (1.0 - EXACT_TOLERANCE));
    assert!(result.padded_tokens <= sequences * max_len * (1.0 + EXACT_TOLERANCE));
    assert!(result.efficiency > 0.0 && result.efficiency <= 1.0 + EXACT_TOLERANCE);
    assert!(close(
        result.padding_fraction,
        1.0 - result.efficiency,
        EXACT_TOLERANCE
    ));
    assert!(close(
        result.speedup_over_max_len,
        sequences * max_len / result.padded_tokens,
        EXACT_TOLERANCE
    ));
    // Each batch's longest² is at least its longest, and at most max_len × it.
    assert!(result.dense_attention_pairs >= result.padded_tokens * (1.0 - EXACT_TOLERANCE));
    assert!(result.dense_attention_pairs <= result.padded_tokens * max_len * (1.0 + 1e-9));
    assert_eq!(
        result.batches,
        data.sequences().div_ceil(u64::from(result.batch_size))
    );
}

#[test]
fn zero_batch_size_is_refused() {
    let data = histogram(4, &[(2, 3)]);
    for scheme in BatchingScheme::ALL {
        assert_eq!(
            dynamic_padding(&data, scheme, 0),
            Err(DynamicPaddingError::ZeroBatchSize)
        );
    }
}

#[test]
fn batch_of_one_has_no_padding() {
    let data = histogram(100, &[(3, 5), (40, 2), (100, 1)]);
    for result in dynamic_padding_all(&data, 1).unwrap() {
        assert_eq!(
            result.padded_tokens,
            data.tokens() as f64,
            "{}",
            result.scheme
        );
        assert_eq!(result.padding_fraction, 0.0);
        assert_eq!(result.batches, 8);
        assert_eq!(
            result.dense_attention_pairs,
            (5 * 9 + 2 * 1600 + 10_000) as f64
        );
    }
}

#[test]
fn one_batch_holding_everything_is_padded_to_the_longest() {
    let data = histogram(100, &[(3, 5), (40, 2), (70, 1)]);
    for batch in [8, 9, 1000, u32::MAX] {
        for result in dynamic_padding_all(&data, batch).unwrap() {
            assert_eq!(result.batches, 1);
            assert_eq!(
                result.padded_tokens,
                8.0 * 70.0,
                "{} at {batch}",
                result.scheme
            );
            assert_eq!(result.dense_attention_pairs, 8.0 * 4900.0);
            assert_eq!(result.estimate, EstimateKind::Exact);
        }
    }
}

#[test]
fn hand_worked_random_batches() {
    // Lengths 2, 2, 5, 9 in batches of 2. The batch holding the 9 is padded
    // to 9. The other batch is padded to 5 unless it is {2, 2}, which
    // happens when the 9 is paired with the 5: 1 pairing out of 3.
    // Expected: 2 × (9 + (2·5 + 2)/3) = 26.
    let data = histogram_of(9, &[2, 2, 5, 9]);
    let result = random_batches(&data, 2).unwrap();
    assert!(close(result.padded_tokens, 26.0, EXACT_TOLERANCE));
    assert!(close(
        result.dense_attention_pairs,
        2.0 * (81.0 + (2.0 * 25.0 + 4.0) / 3.0),
        EXACT_TOLERANCE
    ));
    assert!(close(result.efficiency, 18.0 / 26.0, EXACT_TOLERANCE));
}

#[test]
fn hand_worked_sorted_batches() {
    // Longest first: 9 5 5 | 4 2 2 | 1 in batches of 3.
    let data = histogram_of(9, &[1, 2, 2, 4, 5, 5, 9]);
    let result = sorted_batches(&data, 3).unwrap();
    assert_eq!(result.padded_tokens, 27.0 + 12.0 + 1.0);
    assert_eq!(result.dense_attention_pairs, 243.0 + 48.0 + 1.0);
    assert_eq!(result.batches, 3);
}

#[test]
fn megabatch_sizes_follow_hugging_face() {
    assert_eq!(batches_per_megabatch(88_641, 8), 50);
    assert_eq!(batches_per_megabatch(1000, 32), 7);
    assert_eq!(batches_per_megabatch(100, 32), 1);
    assert_eq!(batches_per_megabatch(100, u32::MAX), 1);
}

#[test]
fn megabatch_simulation_is_reproducible() {
    let data = histogram(64, &[(5, 300), (17, 200), (40, 90), (64, 11)]);
    let options = SimulationOptions::default();
    let first = megabatch_batches(&data, 4, &options).unwrap();
    assert_eq!(first, megabatch_batches(&data, 4, &options).unwrap());
    assert_eq!(first.estimate, EstimateKind::Simulated);
    assert_eq!(first.sequences_per_megabatch, Some(4 * 37));
    assert!(first.padded_tokens_standard_error > 0.0);
    check_common_figures(&first, &data);
}

#[test]
fn quantile_approximation_is_close_to_the_simulation() {
    // 400,000 sequences of a smooth shape: megabatches of 50 × 64 = 3200.
    let mut lengths = Vec::new();
    for length in 1..=256u32 {
        let distance = f64::from(length) - 100.0;
        let weight = (4000.0 / (1.0 + distance * distance / 900.0)) as u64;
        lengths.push((length, weight));
    }
    let data = histogram(256, &lengths);
    let simulated = megabatch_batches(&data, 64, &SimulationOptions::default()).unwrap();
    let tiny_budget = SimulationOptions {
        max_draws: 1000,
        ..SimulationOptions::default()
    };
    let approximated = megabatch_batches(&data, 64, &tiny_budget).unwrap();
    assert_eq!(simulated.estimate, EstimateKind::Simulated);
    assert_eq!(approximated.estimate, EstimateKind::QuantileApproximation);
    assert_eq!(approximated.simulated_megabatches, Some(0));
    let gap = (approximated.padded_tokens - simulated.padded_tokens).abs();
    assert!(
        gap < 0.02 * simulated.padded_tokens,
        "{} vs {}",
        approximated.padded_tokens,
        simulated.padded_tokens
    );
    check_common_figures(&approximated, &data);
}

#[test]
fn huge_counts_and_batches_stay_fast_and_finite() {
    // 2^40 sequences over 32,768 lengths, and a batch of 4096.
    let counts = vec![1u64 << 25; 32_768];
    let data = Histogram::from_dense(counts).unwrap();
    for batch in [1, 2, 4096, 1 << 20, u32::MAX] {
        for result in dynamic_padding_all(&data, batch).unwrap() {
            assert!(result.padded_tokens.is_finite());
            check_common_figures(&result, &data);
        }
    }
}

#[test]
fn random_batches_of_many_lengths_behave() {
    // With B = 4096 and 32,768 lengths of 30 sequences each, the longest
    // of a random batch is almost surely within the top 1% of lengths.
    let data = Histogram::from_dense(vec![30; 32_768]).unwrap();
    let result = random_batches(&data, 4096).unwrap();
    assert!(result.mean_padded_length > 32_768.0 * 0.99);
    assert!(result.mean_padded_length <= 32_768.0);
    check_common_figures(&result, &data);
}

#[test]
fn results_serialise_with_the_documented_names() {
    let data = histogram(8, &[(3, 4), (8, 1)]);
    let result = megabatch_batches(&data, 2, &SimulationOptions::default()).unwrap();
    let json = serde_json::to_value(&result).unwrap();
    assert_eq!(json["scheme"], "megabatch");
    assert_eq!(json["estimate"], "simulated");
    assert!(json["padded_tokens"].is_number());
    assert!(json["dense_attention_pairs"].is_number());
    for scheme in BatchingScheme::ALL {
        assert_eq!(scheme.name().parse::<BatchingScheme>(), Ok(scheme));
        assert_eq!(
            serde_json::to_value(scheme).unwrap(),
            serde_json::Value::from(scheme.name())
        );
    }
    assert!("shuffled".parse::<BatchingScheme>().is_err());
    for estimate in [
        EstimateKind::Exact,
        EstimateKind::Simulated,
        EstimateKind::QuantileApproximation,
    ] {
        assert_eq!(
            serde_json::to_value(estimate).unwrap(),
            serde_json::Value::from(estimate.name())
        );
    }
}

/// `max_len` and 1 to `size` lengths in `1..=max_len`.
fn tiny_lengths(size: usize) -> impl Strategy<Value = (u32, Vec<u32>)> {
    (1u32..=20).prop_flat_map(move |max_len| {
        (
            Just(max_len),
            proptest::collection::vec(1..=max_len, 1..=size),
        )
    })
}

/// A moderate histogram: up to 12 distinct lengths with up to 300 each.
fn moderate_histogram() -> impl Strategy<Value = Histogram> {
    (2u32..=128).prop_flat_map(|max_len| {
        proptest::collection::vec((1..=max_len, 1u64..=300), 1..=12)
            .prop_map(move |pairs| histogram(max_len, &pairs))
    })
}

proptest! {
    #![proptest_config(config(200, 0xd1a0_0001))]

    /// Every ordering of up to 7 sequences, averaged: the definition of the
    /// expectation, with no appeal to order statistics or linearity.
    #[test]
    fn random_batches_match_every_shuffle(
        (max_len, lengths) in tiny_lengths(7),
        batch in 1u32..=8,
    ) {
        let data = histogram_of(max_len, &lengths);
        let result = random_batches(&data, batch).unwrap();
        let (padded, pairs) = average_over_all_shuffles(&lengths, batch as usize);
        prop_assert!(close(result.padded_tokens, padded, EXACT_TOLERANCE),
            "{} vs {padded}", result.padded_tokens);
        prop_assert!(close(result.dense_attention_pairs, pairs, EXACT_TOLERANCE));
        check_common_figures(&result, &data);
    }
}

proptest! {
    #![proptest_config(config(300, 0xd1a0_0002))]

    /// Every subset of up to 10 sequences: each batch of a shuffle is a
    /// uniform subset of its size, so the expectation is q·B·E[max of B]
    /// + r·E[max of r], with the moments enumerated subset by subset.
    #[test]
    fn random_batches_match_every_subset(
        (max_len, lengths) in tiny_lengths(10),
        batch in 1u32..=11,
    ) {
        let data = histogram_of(max_len, &lengths);
        let result = random_batches(&data, batch).unwrap();
        let total = lengths.len();
        let size = batch as usize;
        let (full, rest) = (total / size, total % size);
        let mut padded = 0.0;
        let mut pairs = 0.0;
        if full > 0 {
            let (mean, mean_square) = subset_moments(&lengths, size);
            padded += (full * size) as f64 * mean;
            pairs += (full * size) as f64 * mean_square;
        }
        if rest > 0 {
            let (mean, mean_square) = subset_moments(&lengths, rest);
            padded += rest as f64 * mean;
            pairs += rest as f64 * mean_square;
        }
        prop_assert!(close(result.padded_tokens, padded, EXACT_TOLERANCE),
            "{} vs {padded}", result.padded_tokens);
        prop_assert!(close(result.dense_attention_pairs, pairs, EXACT_TOLERANCE));
    }
}

proptest! {
    #![proptest_config(config(40, 0xd1a0_0003))]

    /// Seeded shuffles of moderate datasets, averaged: the exact expectation
    /// lies within a few standard errors of the Monte-Carlo mean.
    #[test]
    fn random_batches_match_seeded_shuffles(
        data in moderate_histogram(),
        batch in 1u32..=64,
        seed in any::<u64>(),
    ) {
        let result = random_batches(&data, batch).unwrap();
        let (mean, standard_error) =
            monte_carlo(&data, batch as usize, 300, seed, |order| order.to_vec());
        prop_assert!(
            (result.padded_tokens - mean).abs()
                <= STANDARD_ERRORS * standard_error + RARE_EVENT_SLACK * mean,
            "exact {} vs simulated {mean} ± {standard_error}", result.padded_tokens
        );
        check_common_figures(&result, &data);
    }
}

proptest! {
    #![proptest_config(config(200, 0xd1a0_0004))]

    /// Sorting the materialised sequences longest first and cutting them.
    #[test]
    fn sorted_batches_match_a_direct_sort(
        data in moderate_histogram(),
        batch in 1u32..=5000,
    ) {
        let result = sorted_batches(&data, batch).unwrap();
        let mut lengths = materialise(&data);
        lengths.sort_unstable_by(|a, b| b.cmp(a));
        let (padded, pairs) = cost_of_order(&lengths, batch as usize);
        prop_assert_eq!(result.padded_tokens, padded);
        prop_assert_eq!(result.dense_attention_pairs, pairs);
        check_common_figures(&result, &data);
    }

    /// Sorting is the least padding batches of equal size can have, so when
    /// the batch size divides the dataset no scheme pads less; and the
    /// megabatch estimate lies between sorted and random up to its noise.
    #[test]
    fn sorted_batches_pad_least(
        data in moderate_histogram(),
        batch in 1u32..=64,
    ) {
        let sorted = sorted_batches(&data, batch).unwrap();
        let random = random_batches(&data, batch).unwrap();
        let megabatch = megabatch_batches(&data, batch, &SimulationOptions::default()).unwrap();
        let noise = STANDARD_ERRORS * megabatch.padded_tokens_standard_error
            + RARE_EVENT_SLACK * random.padded_tokens;
        if data.sequences() % u64::from(batch) == 0 {
            prop_assert!(sorted.padded_tokens <= random.padded_tokens * (1.0 + EXACT_TOLERANCE));
            prop_assert!(sorted.padded_tokens <= megabatch.padded_tokens + noise);
        }
        prop_assert!(megabatch.padded_tokens <= random.padded_tokens + noise,
            "megabatch {} ± {} vs random {}", megabatch.padded_tokens,
            megabatch.padded_tokens_standard_error, random.padded_tokens);
        check_common_figures(&megabatch, &data);
    }
}

proptest! {
    #![proptest_config(config(30, 0xd1a0_0005))]

    /// Hugging Face's sampler run on the materialised sequences: the two
    /// Monte-Carlo means agree within their combined standard error.
    #[test]
    fn megabatches_match_a_materialised_sampler(
        data in moderate_histogram(),
        batch in 1u32..=32,
        seed in any::<u64>(),
    ) {
        let result = megabatch_batches(&data, batch, &SimulationOptions::default()).unwrap();
        let megabatch = (batches_per_megabatch(data.sequences(), batch) * u64::from(batch)) as usize;
        prop_assert_eq!(result.sequences_per_megabatch, Some(megabatch as u64));
        let (mean, standard_error) = monte_carlo(&data, batch as usize, 300, seed, |order| {
            megabatch_order(order, megabatch)
        });
        let combined = (standard_error * standard_error
            + result.padded_tokens_standard_error * result.padded_tokens_standard_error)
            .sqrt();
        prop_assert!(
            (result.padded_tokens - mean).abs() <= STANDARD_ERRORS * combined + RARE_EVENT_SLACK * mean,
            "module {} ± {} vs sampler {mean} ± {standard_error}",
            result.padded_tokens, result.padded_tokens_standard_error
        );
    }

    /// With fewer than 8 batches of sequences, a megabatch is one batch and
    /// sorting inside it changes nothing: the scheme is random batching.
    #[test]
    fn single_batch_megabatches_are_random_batches(
        data in moderate_histogram(),
        seed in any::<u64>(),
    ) {
        // Just over a quarter of the dataset per batch: one batch per megabatch.
        let batch = u32::try_from(data.sequences() / 4 + 1).unwrap();
        prop_assert_eq!(batches_per_megabatch(data.sequences(), batch), 1);
        let options = SimulationOptions { seed, ..SimulationOptions::default() };
        let megabatch = megabatch_batches(&data, batch, &options).unwrap();
        let random = random_batches(&data, batch).unwrap();
        prop_assert!(
            (megabatch.padded_tokens - random.padded_tokens).abs()
                <= STANDARD_ERRORS * megabatch.padded_tokens_standard_error
                    + RARE_EVENT_SLACK * random.padded_tokens,
            "megabatch {} ± {} vs random {}", megabatch.padded_tokens,
            megabatch.padded_tokens_standard_error, random.padded_tokens
        );
    }
}

// ---------------------------------------------------------------------------
// The public SQuAD 1.1 histogram (skipped with a notice when absent).
// ---------------------------------------------------------------------------

/// Prints the figures of every scheme on SQuAD (`-- --nocapture` shows
/// them) and checks their order: more batches sorted, less padding.
#[test]
fn squad_figures() {
    let Some(data) = common::squad::histogram("SQuAD dynamic padding figures") else {
        return;
    };
    println!("batch  scheme      padding  speed-up over 384  ± tokens");
    for batch in [8, 32, 128] {
        let all = dynamic_padding_all(&data, batch).unwrap();
        for result in &all {
            println!(
                "{batch:>5}  {:<10}  {:>6.2}%  {:>17.4}  {:.0}",
                result.scheme.name(),
                100.0 * result.padding_fraction,
                result.speedup_over_max_len,
                result.padded_tokens_standard_error
            );
            check_common_figures(result, &data);
        }
        let [random, megabatch, sorted] = &all[..] else {
            panic!("three schemes")
        };
        assert!(sorted.padded_tokens < megabatch.padded_tokens);
        assert!(megabatch.padded_tokens < random.padded_tokens);
        // No packing at all pads 55.2%; random batches of 8 already save some.
        assert!(random.padding_fraction < 0.552);
    }
}
