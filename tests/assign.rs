//! Assigning real sequences to a plan's packs, through the public API:
//! exact small cases, and property tests over random length lists for
//! every algorithm, checked by an oracle written here from the definition
//! (each index once, each pack a composition of the plan, as many times as
//! the plan says) rather than by `validate_assignment`, which they check too.
// Native only: these tests use proptest.
#![cfg(not(target_arch = "wasm32"))]

// What this file shares with other test files, from tests/common/.
mod common {
    pub mod proptest_config;
}

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;

use common::proptest_config::config;
use packlab::analysis::AnalysisError;
use packlab::assign::{
    assign, plan_sequences, validate_assignment, write_jsonl, write_npy, AssignError,
    AssignOptions, Assignment, PlanFile, SequencePlanError, SequencePlanRequest,
};
use packlab::{
    pack, pack_with, Algorithm, Histogram, HistogramError, LengthCounts, MaxPerPack,
    OverlongPolicy, PackError, PackOptions, PackingPlan, Report,
};
use proptest::prelude::*;

/// The histogram of `lengths` at `max_len` under `policy`, as the CLI
/// builds it.
fn histogram(lengths: &[u32], max_len: u32, policy: OverlongPolicy) -> Option<Histogram> {
    let mut counts = LengthCounts::new();
    for &length in lengths {
        counts.add_one(u64::from(length)).unwrap();
    }
    Histogram::from_counts(&counts, u64::from(max_len), policy)
        .ok()
        .map(|(histogram, _)| histogram)
}

fn options(seed: u64, epoch: u32, overlong: OverlongPolicy) -> AssignOptions {
    AssignOptions {
        seed,
        epoch,
        shuffle_packs: true,
        overlong,
    }
}

/// The oracle: checks `assignment` against its definition.
fn check_against_plan(
    lengths: &[u32],
    plan: &PackingPlan,
    policy: OverlongPolicy,
    assignment: &Assignment,
) -> Result<(), TestCaseError> {
    let max_len = plan.max_len;
    // Every index exactly once, in a pack or dropped.
    let mut all: Vec<u64> = assignment
        .indices
        .iter()
        .chain(&assignment.dropped)
        .copied()
        .collect();
    all.sort_unstable();
    prop_assert_eq!(all, (0..lengths.len() as u64).collect::<Vec<_>>());
    // Dropped: exactly the overlong sequences, under Drop only.
    let overlong: Vec<u64> = (0u64..)
        .zip(lengths)
        .filter(|&(_, &length)| length > max_len)
        .map(|(index, _)| index)
        .collect();
    match policy {
        OverlongPolicy::Drop => prop_assert_eq!(&assignment.dropped, &overlong),
        _ => prop_assert!(assignment.dropped.is_empty()),
    }
    // Each pack is a plan composition, each composition as often as planned.
    prop_assert_eq!(assignment.offsets.first(), Some(&0));
    prop_assert_eq!(
        assignment.offsets.last(),
        Some(&(assignment.indices.len() as u64))
    );
    let mut compositions: BTreeMap<Vec<u32>, u64> = BTreeMap::new();
    for bounds in assignment.offsets.windows(2) {
        let pack = &assignment.indices[bounds[0] as usize..bounds[1] as usize];
        let packed: Vec<u32> = pack
            .iter()
            .map(|&index| lengths[index as usize].min(max_len))
            .collect();
        prop_assert_eq!(
            &assignment.lengths[bounds[0] as usize..bounds[1] as usize],
            &packed[..]
        );
        prop_assert!(packed.iter().map(|&l| u64::from(l)).sum::<u64>() <= u64::from(max_len));
        if let Some(limit) = plan.max_per_pack {
            prop_assert!(packed.len() <= limit as usize);
        }
        // Within a pack, longest first.
        prop_assert!(packed.windows(2).all(|pair| pair[0] >= pair[1]));
        *compositions.entry(packed).or_default() += 1;
    }
    let planned: BTreeMap<Vec<u32>, u64> = plan
        .groups
        .iter()
        .map(|group| (group.lengths.clone(), group.count))
        .collect();
    prop_assert_eq!(compositions, planned);
    Ok(())
}

/// Whether two epochs can differ at all: two sequences of one packed
/// length (a bucket to shuffle), or two packs of different compositions
/// (an order to shuffle).
fn anything_to_shuffle(lengths: &[u32], plan: &PackingPlan, policy: OverlongPolicy) -> bool {
    let mut per_length: BTreeMap<u32, u32> = BTreeMap::new();
    for &length in lengths {
        if length > plan.max_len && policy == OverlongPolicy::Drop {
            continue;
        }
        *per_length.entry(length.min(plan.max_len)).or_default() += 1;
    }
    per_length.values().any(|&count| count >= 2) || plan.groups.len() >= 2
}

fn lengths_and_max_len() -> impl Strategy<Value = (Vec<u32>, u32)> {
    (1u32..=64).prop_flat_map(|max_len| {
        (
            prop::collection::vec(1..=max_len + max_len / 2 + 1, 1..300),
            Just(max_len),
        )
    })
}

fn max_per_pack() -> impl Strategy<Value = Option<u32>> {
    prop_oneof![Just(Some(1)), Just(Some(2)), Just(Some(3)), Just(None)]
}

fn policy() -> impl Strategy<Value = OverlongPolicy> {
    prop_oneof![Just(OverlongPolicy::Truncate), Just(OverlongPolicy::Drop)]
}

proptest! {
    #![proptest_config(config(150, 0x5eed_a551))]

    #[test]
    fn every_algorithm_gives_sound_reproducible_assignments(
        (lengths, max_len) in lengths_and_max_len(),
        limit in max_per_pack(),
        policy in policy(),
        seed in any::<u64>(),
    ) {
        // Dropping every sequence leaves nothing to pack.
        let data = histogram(&lengths, max_len, policy);
        prop_assume!(data.is_some());
        let data = data.unwrap();
        for algorithm in Algorithm::ALL {
            let plan = pack(&data, algorithm, limit).unwrap();
            let first = assign(&lengths, &plan, &options(seed, 0, policy)).unwrap();
            prop_assert_eq!(
                validate_assignment(&lengths, max_len, plan.max_per_pack, &first),
                Ok(())
            );
            check_against_plan(&lengths, &plan, policy, &first)?;
            // The same seed and epoch: the same assignment.
            prop_assert_eq!(&assign(&lengths, &plan, &options(seed, 0, policy)).unwrap(), &first);
            // Other epochs: sound, and not all the same as the first.
            let mut all_equal = true;
            for epoch in 1..16 {
                let other = assign(&lengths, &plan, &options(seed, epoch, policy)).unwrap();
                prop_assert_eq!(
                    validate_assignment(&lengths, max_len, plan.max_per_pack, &other),
                    Ok(())
                );
                check_against_plan(&lengths, &plan, policy, &other)?;
                all_equal &= other == first;
            }
            prop_assert_eq!(
                all_equal,
                !anything_to_shuffle(&lengths, &plan, policy),
                "{} at max_per_pack {:?}", algorithm, limit
            );
        }
    }
}

proptest! {
    #![proptest_config(config(20, 0x5eed_a552))]

    /// NNLSHP plans lengths in buckets above max_len 512; the plan still
    /// names exact lengths, so the assignment must still match it.
    #[test]
    fn bucketed_nnlshp_plans_assign(
        lengths in prop::collection::vec(1u32..=2048, 1..400),
        limit in prop_oneof![Just(Some(2)), Just(Some(3))],
    ) {
        let data = histogram(&lengths, 2048, OverlongPolicy::Truncate).unwrap();
        let plan = pack_with(
            &data,
            Algorithm::Nnlshp,
            &PackOptions { max_per_pack: limit, bucket_tokens: None },
        ).unwrap();
        let assignment = assign(&lengths, &plan, &AssignOptions::default()).unwrap();
        prop_assert_eq!(validate_assignment(&lengths, 2048, limit, &assignment), Ok(()));
        check_against_plan(&lengths, &plan, OverlongPolicy::Truncate, &assignment)?;
    }
}

#[test]
fn hand_worked_example_at_max_len_10() {
    // Lengths 7, 6, 4, 3, 3 (indices 0..5) at max_len 10. SPFHP packs
    // [7, 3], [6, 4] and [3] (see tests/algorithms.rs).
    let lengths = [7, 6, 4, 3, 3];
    let data = histogram(&lengths, 10, OverlongPolicy::Error).unwrap();
    let plan = pack(&data, Algorithm::Spfhp, None).unwrap();
    for epoch in 0..8 {
        let assignment =
            assign(&lengths, &plan, &options(3, epoch, OverlongPolicy::Error)).unwrap();
        let mut packs: Vec<Vec<u64>> = assignment.iter().map(<[u64]>::to_vec).collect();
        packs.sort();
        // The 3s (indices 3 and 4) go one with the 7, one alone.
        assert!(
            packs == vec![vec![0, 3], vec![1, 2], vec![4]]
                || packs == vec![vec![0, 4], vec![1, 2], vec![3]],
            "{packs:?}"
        );
    }
}

#[test]
fn plan_order_keeps_compositions_together() {
    let lengths = [5, 3, 8, 5, 3, 5, 3];
    let data = histogram(&lengths, 8, OverlongPolicy::Error).unwrap();
    let plan = pack(&data, Algorithm::Lpfhp, None).unwrap();
    let assignment = assign(
        &lengths,
        &plan,
        &AssignOptions {
            shuffle_packs: false,
            ..AssignOptions::default()
        },
    )
    .unwrap();
    let compositions: Vec<Vec<u32>> = assignment
        .iter()
        .map(|pack| pack.iter().map(|&index| lengths[index as usize]).collect())
        .collect();
    assert_eq!(
        compositions,
        vec![vec![5, 3], vec![5, 3], vec![5, 3], vec![8]]
    );
}

#[test]
fn overlong_policies() {
    let lengths = [20, 3, 11, 5];
    for (policy, dropped) in [
        (OverlongPolicy::Truncate, vec![]),
        (OverlongPolicy::Drop, vec![0, 2]),
    ] {
        let data = histogram(&lengths, 10, policy).unwrap();
        let plan = pack(&data, Algorithm::Bfd, None).unwrap();
        let assignment = assign(&lengths, &plan, &options(1, 0, policy)).unwrap();
        assert_eq!(assignment.dropped, dropped, "{policy:?}");
        assert_eq!(validate_assignment(&lengths, 10, None, &assignment), Ok(()));
    }
    // A plan made with truncation does not fit the lengths with dropping.
    let truncated = pack(
        &histogram(&lengths, 10, OverlongPolicy::Truncate).unwrap(),
        Algorithm::Bfd,
        None,
    )
    .unwrap();
    assert!(matches!(
        assign(&lengths, &truncated, &options(1, 0, OverlongPolicy::Drop)),
        Err(AssignError::PlanMismatch {
            length: 10,
            planned: 2,
            available: 0
        })
    ));
    assert_eq!(
        assign(&lengths, &truncated, &options(1, 0, OverlongPolicy::Error)),
        Err(AssignError::Overlong {
            index: 0,
            length: 20,
            max_len: 10
        })
    );
}

#[test]
fn a_plan_for_other_lengths_says_how_to_fix_it() {
    let data = histogram(&[4, 4, 2], 8, OverlongPolicy::Error).unwrap();
    let plan = pack(&data, Algorithm::Lpfhp, None).unwrap();
    let error = assign(&[4, 2, 2], &plan, &AssignOptions::default()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the plan places 1 sequences of length 2, but the input holds 2. A plan fits \
         only the lengths it was made from: pack the histogram of these same lengths, \
         with the same max_len and overlong policy"
    );
}

#[test]
fn seeds_change_the_assignment() {
    let lengths: Vec<u32> = (0..200).map(|index| 1 + index % 17).collect();
    let data = histogram(&lengths, 32, OverlongPolicy::Error).unwrap();
    let plan = pack(&data, Algorithm::Lpfhp, None).unwrap();
    let first = assign(&lengths, &plan, &options(1, 0, OverlongPolicy::Error)).unwrap();
    let second = assign(&lengths, &plan, &options(2, 0, OverlongPolicy::Error)).unwrap();
    assert_ne!(first, second);
    assert_eq!(first.packs(), second.packs());
}

/// A clock that moves one millisecond each time it is read.
fn ticking_clock() -> impl Fn() -> f64 + Clone + 'static {
    let now = Rc::new(Cell::new(0.0));
    move || {
        now.set(now.get() + 1.0);
        now.get()
    }
}

fn counts_of(lengths: &[u32]) -> LengthCounts {
    let mut counts = LengthCounts::new();
    for &length in lengths {
        counts.add_one(u64::from(length)).unwrap();
    }
    counts
}

#[test]
fn plan_sequences_packs_assigns_and_checks_as_the_steps_do_by_hand() {
    let lengths = [20, 3, 11, 5, 7, 2, 9, 4, 4, 10, 1];
    for policy in [OverlongPolicy::Truncate, OverlongPolicy::Drop] {
        for algorithm in Algorithm::ALL {
            let request = SequencePlanRequest {
                max_len: Some(10),
                overlong: policy,
                seed: 5,
                epoch: 1,
                ..SequencePlanRequest::new(algorithm)
            };
            let planned =
                plan_sequences(&lengths, counts_of(&lengths), &request, ticking_clock()).unwrap();

            // The same steps, one by one.
            let (data, overlong) =
                Histogram::from_counts(&counts_of(&lengths), 10, policy).unwrap();
            let limit = MaxPerPack::default().for_algorithm(algorithm);
            let pack_options = PackOptions {
                max_per_pack: limit,
                bucket_tokens: None,
            };
            let plan = pack_with(&data, algorithm, &pack_options).unwrap();
            let assignment = assign(&lengths, &plan, &options(5, 1, policy)).unwrap();
            let context = format!("{algorithm}, {policy:?}");
            assert_eq!(planned.assignment, assignment, "{context}");
            assert_eq!(planned.overlong, overlong, "{context}");
            assert_eq!(
                planned.report,
                Report::new(algorithm, &data, &plan, planned.report.runtime_ms),
                "{context}"
            );
            assert!(planned.report.runtime_ms > 0.0, "{context}");
            assert!(
                planned.step_times.pack_ms >= planned.report.runtime_ms,
                "{context}"
            );

            // The files are the writers' output on the assignment.
            let mut expected = Vec::new();
            write_jsonl(&mut expected, &assignment).unwrap();
            let mut written = Vec::new();
            planned.write(PlanFile::Jsonl, &mut written).unwrap();
            assert_eq!(written, expected, "{context}");
            for (file, values) in [
                (PlanFile::IndicesNpy, &assignment.indices),
                (PlanFile::OffsetsNpy, &assignment.offsets),
            ] {
                let mut expected = Vec::new();
                write_npy(&mut expected, values).unwrap();
                let mut written = Vec::new();
                planned.write(file, &mut written).unwrap();
                assert_eq!(written, expected, "{context}, {file:?}");
            }
            let preview = planned.preview(3).unwrap();
            assert_eq!(preview.len(), assignment.packs().min(3), "{context}");
            assert_eq!(preview[0].indices, assignment.pack(0).unwrap(), "{context}");
        }
    }
}

#[test]
fn plan_sequences_says_what_to_change() {
    let request = SequencePlanRequest::new(Algorithm::Lpfhp);
    assert_eq!(
        plan_sequences(&[], LengthCounts::new(), &request, ticking_clock()),
        Err(SequencePlanError::Plan(AnalysisError::Histogram(
            HistogramError::Empty
        )))
    );
    let lengths = [3, 12, 5];
    let refused = SequencePlanRequest {
        max_len: Some(8),
        overlong: OverlongPolicy::Error,
        ..request
    };
    let error =
        plan_sequences(&lengths, counts_of(&lengths), &refused, ticking_clock()).unwrap_err();
    assert!(error.to_string().contains("raise --max-len"), "{error}");
    let no_room = SequencePlanRequest {
        max_per_pack: MaxPerPack::AtMost(0),
        ..request
    };
    assert_eq!(
        plan_sequences(&lengths, counts_of(&lengths), &no_room, ticking_clock()),
        Err(SequencePlanError::Plan(AnalysisError::Pack(
            PackError::ZeroMaxPerPack
        )))
    );
}

#[test]
fn a_sequence_plan_request_in_json_needs_only_the_algorithm() {
    let read = |text: &str| serde_json::from_str::<SequencePlanRequest>(text);
    assert_eq!(
        read(r#"{"algorithm": "nnlshp"}"#).unwrap(),
        SequencePlanRequest::new(Algorithm::Nnlshp)
    );
    assert_eq!(
        read(
            r#"{"algorithm": "bfd", "max_len": 512, "overlong": "drop", "max_per_pack": 2,
                "seed": 9, "epoch": 3, "shuffle_packs": false}"#
        )
        .unwrap(),
        SequencePlanRequest {
            max_len: Some(512),
            overlong: OverlongPolicy::Drop,
            max_per_pack: MaxPerPack::AtMost(2),
            seed: 9,
            epoch: 3,
            shuffle_packs: false,
            ..SequencePlanRequest::new(Algorithm::Bfd)
        }
    );
    // A misspelt field is refused, not ignored.
    assert!(read(r#"{"algorithm": "bfd", "max_length": 512}"#).is_err());
}
