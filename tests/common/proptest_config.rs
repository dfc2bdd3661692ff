//! The proptest settings of every property test: a fixed seed, so that
//! each run sees the same cases, and no regression files.

use proptest::test_runner::{Config, RngAlgorithm, RngSeed};

/// `cases` cases drawn from `seed`. The generator is named, not left to
/// `PROPTEST_RNG_ALGORITHM`, because a seed gives the same cases only under
/// the same generator.
pub fn config(cases: u32, seed: u64) -> Config {
    Config {
        cases,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        ..Config::default()
    }
}
