//! Trainer simulations against the public API: exact small cases and
//! property tests checked by independent oracles (a best fit written here
//! the slow way, and the arithmetic of concatenate-and-cut). The rows of
//! TRL's own code are checked in tests/python/test_trainers.py.

// proptest does not build for WebAssembly.
#![cfg(not(target_arch = "wasm32"))]

use packlab::trainers::{
    simulate, DatasetOrder, PackingRatio, Trainer, TrainerError, TrainerSettings,
    DEFAULT_MAP_BATCH_ROWS,
};
use proptest::prelude::*;

fn settings(max_len: u32, map_batch_rows: u32, order: DatasetOrder) -> TrainerSettings {
    TrainerSettings {
        map_batch_rows,
        order,
        ..TrainerSettings::new(max_len)
    }
}

/// Rows as `(sequence, tokens)` lists.
fn rows_of(trainer: Trainer, lengths: &[u32], settings: &TrainerSettings) -> Vec<Vec<(u32, u32)>> {
    let plan = simulate(trainer, lengths, settings).unwrap();
    plan.iter_rows()
        .map(|row| row.iter().map(|p| (p.sequence, p.tokens)).collect())
        .collect()
}

/// A row of the oracle's best fit.
struct OracleRow {
    pieces: Vec<(u32, u32)>,
    room: u32,
    /// The step at which the row reached its room.
    reached: usize,
}

/// Best fit decreasing as TRL describes it, written the slow way: for each
/// piece (longest first, ties in order), scan every row for the least room
/// that fits; among equal rooms, the row that has had that room longest.
fn best_fit_oracle(pieces: &[(u32, u32)], max_len: u32) -> Vec<Vec<(u32, u32)>> {
    let mut sorted: Vec<(u32, u32)> = pieces.to_vec();
    sorted.sort_by_key(|piece| std::cmp::Reverse(piece.1));
    let mut rows: Vec<OracleRow> = Vec::new();
    for (step, piece) in sorted.into_iter().enumerate() {
        let chosen = rows
            .iter()
            .enumerate()
            .filter(|(_, row)| row.room >= piece.1)
            .min_by_key(|(_, row)| (row.room, row.reached))
            .map(|(index, _)| index);
        let index = chosen.unwrap_or_else(|| {
            rows.push(OracleRow {
                pieces: Vec::new(),
                room: max_len,
                reached: step,
            });
            rows.len() - 1
        });
        let row = &mut rows[index];
        row.pieces.push(piece);
        row.room -= piece.1;
        row.reached = step;
    }
    rows.into_iter().map(|row| row.pieces).collect()
}

/// What TRL packs of each map batch: each batch's pieces, truncated or split.
fn batch_pieces(
    lengths: &[u32],
    max_len: u32,
    map_batch_rows: u32,
    split: bool,
) -> Vec<Vec<(u32, u32)>> {
    let indices: Vec<u32> = (0..lengths.len() as u32).collect();
    indices
        .chunks(map_batch_rows as usize)
        .map(|batch| {
            let mut pieces = Vec::new();
            for &sequence in batch {
                let length = lengths[sequence as usize];
                if split {
                    let mut left = length;
                    while left > 0 {
                        let tokens = left.min(max_len);
                        pieces.push((sequence, tokens));
                        left -= tokens;
                    }
                } else if length > 0 {
                    pieces.push((sequence, length.min(max_len)));
                }
            }
            pieces
        })
        .collect()
}

#[test]
fn trl_bfd_on_trls_docstring_example() {
    // TRL's own docstring: [[1, 2, 3, 4, 5], [6, 7], [8, 9, 10], [11]] in
    // rows of 4 gives input_ids [[1, 2, 3, 4], [8, 9, 10, 11], [6, 7]].
    let lengths = [5, 2, 3, 1];
    let order = DatasetOrder::AsGiven;
    assert_eq!(
        rows_of(Trainer::TrlBfd, &lengths, &settings(4, 1000, order)),
        vec![vec![(0, 4)], vec![(2, 3), (3, 1)], vec![(1, 2)]]
    );
    // bfd_split: [[1, 2, 3, 4], [8, 9, 10, 5], [6, 7, 11]].
    assert_eq!(
        rows_of(Trainer::TrlBfdSplit, &lengths, &settings(4, 1000, order)),
        vec![vec![(0, 4)], vec![(2, 3), (0, 1)], vec![(1, 2), (3, 1)]]
    );
}

#[test]
fn order_changes_what_a_windowed_packer_makes() {
    // Pairs that fill a row of 10 exactly, 6 + 4: in batches of 2, the
    // order as given pairs them; sorted by length, each batch holds two
    // 4s or two 6s, and the 6s cannot share a row.
    let lengths: Vec<u32> = [6, 4].iter().copied().cycle().take(40).collect();
    let given = simulate(
        Trainer::TrlBfd,
        &lengths,
        &settings(10, 2, DatasetOrder::AsGiven),
    )
    .unwrap();
    let sorted = simulate(
        Trainer::TrlBfd,
        &lengths,
        &settings(10, 2, DatasetOrder::SortedByLength),
    )
    .unwrap();
    assert_eq!(given.rows(), 20);
    assert_eq!(sorted.rows(), 30);
    assert!((given.efficiency() - 1.0).abs() < 1e-12);
}

#[test]
fn a_shuffle_is_the_same_for_the_same_seed() {
    let lengths: Vec<u32> = (1..=300).map(|i| (i * 37) % 97 + 1).collect();
    let at = |seed| {
        rows_of(
            Trainer::TrlBfd,
            &lengths,
            &settings(128, 16, DatasetOrder::Shuffled { seed }),
        )
    };
    assert_eq!(at(7), at(7));
    assert_ne!(at(7), at(8));
}

#[test]
fn settings_that_cannot_be_simulated_are_errors() {
    let order = DatasetOrder::AsGiven;
    assert_eq!(
        simulate(Trainer::TrlBfd, &[3], &settings(0, 10, order)).unwrap_err(),
        TrainerError::ZeroMaxLen
    );
    assert_eq!(
        simulate(Trainer::TrlBfd, &[3], &settings(8, 0, order)).unwrap_err(),
        TrainerError::ZeroMapBatchRows
    );
    // No sequences: no rows, and nothing lost.
    let plan = simulate(Trainer::TrlWrapped, &[], &TrainerSettings::new(8)).unwrap();
    assert_eq!(plan.rows(), 0);
    assert_eq!(plan.accounting.tokens, 0);
}

#[test]
fn names_read_back() {
    for trainer in Trainer::ALL {
        assert_eq!(trainer.name().parse::<Trainer>(), Ok(trainer));
    }
    assert!("trl".parse::<Trainer>().unwrap_err().contains("trl-bfd"));
    assert_eq!(
        TrainerSettings::new(64).map_batch_rows,
        DEFAULT_MAP_BATCH_ROWS
    );
}

fn lengths_strategy() -> impl Strategy<Value = (u32, Vec<u32>, u32)> {
    (1u32..=64).prop_flat_map(|max_len| {
        (
            Just(max_len),
            prop::collection::vec(0u32..=3 * max_len, 0..=120),
            1u32..=40,
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 300,
        rng_seed: prop::test_runner::RngSeed::Fixed(0x7e1_0001),
        ..ProptestConfig::default()
    })]

    /// TRL's best fit, truncating or splitting, is the slow oracle's, batch
    /// by batch; every token is packed or counted as truncated or dropped.
    #[test]
    fn trl_best_fit_matches_the_oracle((max_len, lengths, map_batch_rows) in lengths_strategy()) {
        let at = settings(max_len, map_batch_rows, DatasetOrder::AsGiven);
        for (trainer, split) in [(Trainer::TrlBfd, false), (Trainer::TrlBfdSplit, true)] {
            let expected: Vec<Vec<(u32, u32)>> = batch_pieces(&lengths, max_len, map_batch_rows, split)
                .iter()
                .flat_map(|pieces| best_fit_oracle(pieces, max_len))
                .collect();
            prop_assert_eq!(rows_of(trainer, &lengths, &at), expected);
            let plan = simulate(trainer, &lengths, &at).unwrap();
            let accounting = plan.accounting;
            prop_assert_eq!(
                accounting.tokens,
                accounting.tokens_packed + accounting.tokens_truncated + accounting.tokens_dropped
            );
            let empty = lengths.iter().filter(|&&length| length == 0).count() as u64;
            prop_assert_eq!(accounting.sequences_dropped, empty);
            if split {
                prop_assert_eq!(accounting.tokens_truncated, 0);
                let long = lengths.iter().filter(|&&length| length > max_len).count() as u64;
                prop_assert_eq!(accounting.sequences_split, long);
            } else {
                let lost: u64 = lengths.iter().map(|&l| u64::from(l.saturating_sub(max_len))).sum();
                prop_assert_eq!(accounting.tokens_truncated, lost);
                prop_assert_eq!(accounting.sequences_split, 0);
            }
        }
    }

    /// Wrapping fills every row of a batch but its last, and loses nothing.
    #[test]
    fn wrapping_fills_rows_batch_by_batch((max_len, lengths, map_batch_rows) in lengths_strategy()) {
        let plan = simulate(Trainer::TrlWrapped, &lengths, &settings(max_len, map_batch_rows, DatasetOrder::AsGiven)).unwrap();
        let expected_rows: u64 = lengths
            .chunks(map_batch_rows as usize)
            .map(|batch| batch.iter().map(|&l| u64::from(l)).sum::<u64>().div_ceil(u64::from(max_len)))
            .sum();
        prop_assert_eq!(plan.rows() as u64, expected_rows);
        prop_assert_eq!(plan.accounting.tokens_packed, plan.accounting.tokens);
        let full = (0..plan.rows()).filter(|&row| plan.row_tokens(row) == u64::from(max_len)).count() as u64;
        let batches_with_tokens = lengths.chunks(map_batch_rows as usize).filter(|b| b.iter().any(|&l| l > 0)).count() as u64;
        prop_assert!(full + batches_with_tokens >= expected_rows);
    }

    /// Every order packs the same sequences: a shuffle or a sort changes
    /// rows, never what is packed or lost.
    #[test]
    fn orders_keep_every_sequence((max_len, lengths, map_batch_rows) in lengths_strategy(), seed in any::<u64>()) {
        let base = simulate(Trainer::TrlBfd, &lengths, &settings(max_len, map_batch_rows, DatasetOrder::AsGiven)).unwrap();
        for order in [DatasetOrder::Shuffled { seed }, DatasetOrder::SortedByLength] {
            let plan = simulate(Trainer::TrlBfd, &lengths, &settings(max_len, map_batch_rows, order)).unwrap();
            prop_assert_eq!(plan.accounting, base.accounting);
            prop_assert_eq!(plan.validate(&lengths, max_len), Ok(()));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 300,
        rng_seed: prop::test_runner::RngSeed::Fixed(0x7e1_0002),
        ..ProptestConfig::default()
    })]

    /// torchtune's next fit keeps dataset order; without splitting, a pack
    /// closes only when the next sample does not fit; with splitting,
    /// every pack but the last is full and nothing is lost.
    #[test]
    fn torchtune_is_next_fit_in_order((max_len, lengths, _) in lengths_strategy()) {
        let at = TrainerSettings::new(max_len);
        for (trainer, split) in [(Trainer::Torchtune, false), (Trainer::TorchtuneSplit, true)] {
            let plan = simulate(trainer, &lengths, &at).unwrap();
            let pieces: Vec<(u32, u32)> = plan.iter_rows().flatten().map(|p| (p.sequence, p.tokens)).collect();
            // Sequences in order, each once (split pieces one after another).
            let mut sequences: Vec<u32> = pieces.iter().map(|&(sequence, _)| sequence).collect();
            sequences.dedup();
            let nonempty: Vec<u32> = (0..lengths.len() as u32).filter(|&i| lengths[i as usize] > 0).collect();
            prop_assert_eq!(sequences, nonempty);
            let rows = plan.rows();
            for row in 0..rows {
                let tokens = plan.row_tokens(row);
                if split {
                    prop_assert!(row + 1 == rows || tokens == u64::from(max_len));
                } else if row + 1 < rows {
                    let next = u64::from(plan.row(row + 1)[0].tokens);
                    prop_assert!(tokens + next > u64::from(max_len));
                }
            }
            if split {
                prop_assert_eq!(plan.accounting.tokens_packed, plan.accounting.tokens);
            }
        }
    }

    /// LLaMA-Factory's knapsack: rows of at most max_len − 1 tokens, each
    /// opened by the longest sample left and closed only when no sample
    /// left fits its room.
    #[test]
    fn llamafactory_rows_are_greedy_knapsacks((max_len, lengths, _) in lengths_strategy()) {
        prop_assume!(max_len >= 2);
        let at = settings(max_len, u32::MAX, DatasetOrder::AsGiven);
        let plan = simulate(Trainer::Llamafactory, &lengths, &at).unwrap();
        let capacity = u64::from(max_len - 1);
        let rows: Vec<Vec<u32>> = plan.iter_rows().map(|row| row.iter().map(|p| p.tokens).collect()).collect();
        for (index, row) in rows.iter().enumerate() {
            let tokens: u64 = row.iter().map(|&t| u64::from(t)).sum();
            prop_assert!(tokens <= capacity);
            let later: Vec<u32> = rows[index + 1..].iter().flatten().copied().collect();
            let room = capacity - tokens;
            prop_assert!(later.iter().all(|&t| u64::from(t) > room), "row {} leaves {} tokens", index, room);
            prop_assert!(later.iter().all(|&t| t <= row[0]));
        }
        let truncated: u64 = lengths.iter().map(|&l| u64::from(l).saturating_sub(capacity)).sum();
        prop_assert_eq!(plan.accounting.tokens_truncated, truncated);
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 300,
        rng_seed: prop::test_runner::RngSeed::Fixed(0x7e1_0003),
        ..ProptestConfig::default()
    })]

    /// axolotl keeps the samples of 2 to max_len tokens; with one group, a
    /// bin was opened only because its first sample fitted no earlier bin
    /// (rooms only shrink), unless that bin was full of samples.
    #[test]
    fn axolotl_is_first_fit_with_a_cap((max_len, lengths, bin_size) in lengths_strategy(), seed in any::<u64>()) {
        let at = TrainerSettings {
            seed: Some(seed),
            bin_size,
            group_size: u32::MAX,
            ..TrainerSettings::new(max_len)
        };
        let plan = simulate(Trainer::Axolotl, &lengths, &at).unwrap();
        let kept = lengths.iter().filter(|&&l| (2..=max_len).contains(&l)).count() as u64;
        prop_assert_eq!(plan.accounting.sequences - plan.accounting.sequences_dropped, kept);
        prop_assert_eq!(plan.accounting.tokens_truncated, 0);
        for later in 0..plan.rows() {
            let first = u64::from(plan.row(later)[0].tokens);
            for earlier in 0..later {
                let room = u64::from(max_len) - plan.row_tokens(earlier);
                let full = plan.row(earlier).len() as u32 >= bin_size;
                prop_assert!(full || first > room, "bin {} opened with {} but bin {} has {} left", later, first, earlier, room);
            }
            prop_assert!(plan.row(later).len() as u32 <= bin_size);
        }
        // The epoch: the fewest bins of four draws, the last draw trained
        // up to there and the rest left out.
        let sampler = plan.sampler_epoch.clone().unwrap();
        prop_assert_eq!(sampler.sampled_bins.len(), 4);
        prop_assert_eq!(Some(&sampler.loader_batches), sampler.sampled_bins.iter().min());
        prop_assert_eq!(sampler.sampled_bins[3], plan.rows() as u64);
        let left_out = sampler.loader_batches as usize..plan.rows();
        prop_assert_eq!(sampler.tokens_not_trained, left_out.clone().map(|row| plan.row_tokens(row)).sum::<u64>());
        prop_assert_eq!(sampler.sequences_not_trained, left_out.map(|row| plan.row(row).len() as u64).sum::<u64>());
        let report = packlab::trainers::TrainerReport::new(Trainer::Axolotl, &at, &plan);
        prop_assert_eq!(report.steps_per_epoch, sampler.loader_batches.div_ceil(u64::from(at.batch_size)));
        let sequential = simulate(Trainer::AxolotlSequential, &lengths, &at).unwrap();
        prop_assert_eq!(sequential.accounting, plan.accounting);
        for row in 1..sequential.rows() {
            let room = u64::from(max_len) - sequential.row_tokens(row - 1);
            prop_assert!(u64::from(sequential.row(row)[0].tokens) > room);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 200,
        rng_seed: prop::test_runner::RngSeed::Fixed(0x7e1_0004),
        ..ProptestConfig::default()
    })]

    /// llm-foundry's collator returns at most `batch_size` rows per batch
    /// of examples; what it returns is whole (truncated to max_len) and
    /// what it keeps at the end of the epoch is dropped. At a ratio of 1
    /// and one row per batch it does not pack at all.
    #[test]
    fn llm_foundry_returns_batch_size_rows_per_call(
        (max_len, lengths, batch_size) in lengths_strategy(),
        tenths in 10u32..=40,
        seed in any::<u64>(),
    ) {
        let ratio = f64::from(tenths) / 10.0;
        let at = TrainerSettings {
            seed: Some(seed),
            batch_size,
            packing_ratio: PackingRatio::Fixed(ratio),
            ..TrainerSettings::new(max_len)
        };
        let plan = simulate(Trainer::LlmFoundry, &lengths, &at).unwrap();
        prop_assert_eq!(plan.packing_ratio, Some(ratio));
        let examples = lengths.iter().filter(|&&l| l > 0).count();
        let per_call = ((f64::from(batch_size) * ratio) as usize).max(1);
        let calls = examples.div_ceil(per_call);
        prop_assert!(plan.rows() <= calls * batch_size as usize);
        for row in plan.iter_rows() {
            for piece in row {
                let length = lengths[piece.sequence as usize];
                prop_assert_eq!(piece.tokens, length.min(max_len));
            }
        }
        prop_assert_eq!(plan.accounting.sequences_split, 0);
        let one_by_one = TrainerSettings {
            batch_size: 1,
            packing_ratio: PackingRatio::Fixed(1.0),
            ..at
        };
        let unpacked = simulate(Trainer::LlmFoundry, &lengths, &one_by_one).unwrap();
        prop_assert_eq!(unpacked.rows(), examples);
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 200,
        rng_seed: prop::test_runner::RngSeed::Fixed(0x7e1_0005),
        ..ProptestConfig::default()
    })]

    /// NeMo packs a sequence of n tokens into n − 1 positions, leaves out
    /// those longer than a pack, and fits first: a pack opens only for a
    /// length no earlier pack had room for.
    #[test]
    fn nemo_is_first_fit_in_positions((max_len, lengths, _) in lengths_strategy(), seed in 0u64..1 << 32) {
        for trainer in [Trainer::NemoFfd, Trainer::NemoFfs] {
            let at = TrainerSettings { seed: Some(seed), ..TrainerSettings::new(max_len) };
            let plan = simulate(trainer, &lengths, &at).unwrap();
            for row in plan.iter_rows() {
                for piece in row {
                    prop_assert_eq!(piece.tokens + 1, lengths[piece.sequence as usize]);
                }
            }
            let kept = lengths.iter().filter(|&&l| (2..=max_len + 1).contains(&l)).count() as u64;
            prop_assert_eq!(plan.accounting.tokens_label_only, kept);
            prop_assert_eq!(plan.accounting.tokens_truncated, 0);
            for later in 0..plan.rows() {
                let first = u64::from(plan.row(later)[0].tokens);
                for earlier in 0..later {
                    let room = u64::from(max_len) - plan.row_tokens(earlier);
                    prop_assert!(first > room, "{:?}: pack {} opened with {} but pack {} has {} left", trainer, later, first, earlier, room);
                }
            }
        }
    }
}
