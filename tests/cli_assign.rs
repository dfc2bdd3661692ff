//! `packlab assign`, run as a user runs it: the files it writes are parsed
//! back here and checked against the input lengths.
// Native only: these tests use files and processes.
#![cfg(not(target_arch = "wasm32"))]

// What this file shares with other test files, from tests/common/.
mod common {
    pub mod cli;
}

use std::path::{Path, PathBuf};

use common::cli::{packlab, success};
use serde_json::Value;

/// A scratch folder of this test binary, one per test.
fn scratch_dir(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli-assign-tests")
        .join(test);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

fn write(dir: &Path, name: &str, contents: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("scratch file");
    path.to_str().expect("UTF-8 path").to_owned()
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).to_str().expect("UTF-8 path").to_owned()
}

/// One pack of the JSON Lines output.
#[derive(Debug, PartialEq)]
struct Pack {
    indices: Vec<u64>,
    lengths: Vec<u64>,
}

fn read_jsonl(path: &str) -> Vec<Pack> {
    read_lines(path, 2)
        .into_iter()
        .map(|(pack, _)| pack)
        .collect()
}

/// Each line of a plan: its pack, and the line's JSON object, which must
/// have `fields` fields.
fn read_lines(path: &str, fields: usize) -> Vec<(Pack, Value)> {
    let text = std::fs::read_to_string(path).expect("the plan was written");
    text.lines()
        .map(|line| {
            let object: Value = serde_json::from_str(line).expect("each line is JSON");
            let numbers = |key: &str| -> Vec<u64> {
                object[key]
                    .as_array()
                    .unwrap_or_else(|| panic!("{key} is an array: {line}"))
                    .iter()
                    .map(|value| value.as_u64().expect("whole numbers"))
                    .collect()
            };
            assert_eq!(object.as_object().unwrap().len(), fields, "{line}");
            let pack = Pack {
                indices: numbers("indices"),
                lengths: numbers("lengths"),
            };
            (pack, object)
        })
        .collect()
}

/// A 1-D little-endian int64 `.npy` array, parsed by the letter of the
/// format (independently of Packlab's own writer).
fn read_npy_int64(path: &str) -> Vec<i64> {
    let bytes = std::fs::read(path).expect("the array was written");
    assert_eq!(
        &bytes[..8],
        b"\x93NUMPY\x01\x00",
        "signature and version 1.0"
    );
    let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = std::str::from_utf8(&bytes[10..10 + header_len]).unwrap();
    assert_eq!((10 + header_len) % 64, 0, "data aligned to 64 bytes");
    assert!(header.contains("'descr': '<i8'"), "{header}");
    assert!(header.contains("'fortran_order': False"), "{header}");
    let shape = header
        .split("'shape': (")
        .nth(1)
        .and_then(|rest| rest.split(",)").next())
        .expect("a 1-D shape");
    let elements: usize = shape.parse().expect("one dimension");
    let data = &bytes[10 + header_len..];
    assert_eq!(data.len(), elements * 8);
    data.chunks_exact(8)
        .map(|chunk| i64::from_le_bytes(chunk.try_into().unwrap()))
        .collect()
}

/// Checks the packs against the input: each index once, lengths as
/// packed, rows within max_len and max_per_pack.
fn check_packs(packs: &[Pack], lengths: &[u64], max_len: u64, max_per_pack: usize) {
    let mut seen = vec![false; lengths.len()];
    for pack in packs {
        assert!(!pack.indices.is_empty() && pack.indices.len() <= max_per_pack);
        assert_eq!(pack.indices.len(), pack.lengths.len());
        for (&index, &length) in pack.indices.iter().zip(&pack.lengths) {
            assert!(!seen[index as usize], "{index} twice");
            seen[index as usize] = true;
            assert_eq!(length, lengths[index as usize].min(max_len));
        }
        assert!(pack.lengths.iter().sum::<u64>() <= max_len);
    }
    assert!(seen.iter().all(|&placed| placed), "every sequence placed");
}

const LENGTHS: [u64; 12] = [7, 6, 4, 3, 3, 9, 1, 2, 5, 5, 8, 10];

fn lengths_file(dir: &Path) -> String {
    let text: Vec<String> = LENGTHS.iter().map(u64::to_string).collect();
    write(dir, "lengths.txt", (text.join("\n") + "\n").as_bytes())
}

#[test]
fn writes_jsonl_and_npy_that_agree_with_the_input() {
    let dir = scratch_dir("jsonl_and_npy");
    let input = lengths_file(&dir);
    let out = path(&dir, "plan.jsonl");
    let prefix = path(&dir, "plan");
    let stdout = success(&packlab(&[
        "assign",
        &input,
        "--algorithm",
        "spfhp",
        "--max-len",
        "10",
        "--max-per-pack",
        "3",
        "--out",
        &out,
        "--npy",
        &prefix,
    ]));
    assert!(stdout.contains("spfhp packing of 12 sequences"), "{stdout}");
    assert!(
        stdout.contains(&format!("wrote           {out}")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{prefix}.indices.npy")),
        "{stdout}"
    );

    let packs = read_jsonl(&out);
    check_packs(&packs, &LENGTHS, 10, 3);
    // 63 tokens need at least 7 rows of 10.
    assert!(packs.len() >= 7);

    let indices = read_npy_int64(&format!("{prefix}.indices.npy"));
    let offsets = read_npy_int64(&format!("{prefix}.offsets.npy"));
    assert_eq!(offsets.len(), packs.len() + 1);
    assert_eq!(offsets[0], 0);
    for (pack, bounds) in packs.iter().zip(offsets.windows(2)) {
        let from_npy: Vec<u64> = indices[bounds[0] as usize..bounds[1] as usize]
            .iter()
            .map(|&index| index as u64)
            .collect();
        assert_eq!(from_npy, pack.indices);
    }
}

#[test]
fn same_seed_same_packs_new_epoch_new_packs() {
    let dir = scratch_dir("seeds");
    let input = lengths_file(&dir);
    let run = |name: &str, seed: &str, epoch: &str| {
        let out = path(&dir, name);
        success(&packlab(&[
            "assign", &input, "-a", "lpfhp", "--seed", seed, "--epoch", epoch, "--out", &out,
        ]));
        read_jsonl(&out)
    };
    let first = run("a.jsonl", "7", "0");
    assert_eq!(run("b.jsonl", "7", "0"), first);
    let next_epoch = run("c.jsonl", "7", "1");
    assert_ne!(next_epoch, first);
    // max_len defaults to the longest sequence, 10.
    check_packs(&next_epoch, &LENGTHS, 10, usize::MAX);
    check_packs(&first, &LENGTHS, 10, usize::MAX);
}

#[test]
fn every_algorithm_and_input_format_assigns() {
    let dir = scratch_dir("formats");
    let csv = write(&dir, "data.csv", b"id,num_tokens\na,7\nb,3\nc,3\nd,12\n");
    let jsonl = write(
        &dir,
        "data.jsonl",
        b"{\"input_ids\": [1, 2, 3, 4, 5, 6, 7]}\n{\"input_ids\": [1, 2, 3]}\n\
          {\"input_ids\": [9, 9, 9]}\n{\"length\": 12}\n",
    );
    let json = write(&dir, "data.json", b"[7, 3, 3, 12]");
    for input in [csv, jsonl, json] {
        for algorithm in ["none", "spfhp", "lpfhp", "nnlshp", "bfd"] {
            let out = path(&dir, &format!("{algorithm}.jsonl"));
            success(&packlab(&[
                "assign",
                &input,
                "--algorithm",
                algorithm,
                "--max-len",
                "10",
                "--out",
                &out,
            ]));
            check_packs(&read_jsonl(&out), &[7, 3, 3, 12], 10, usize::MAX);
        }
    }
}

#[test]
fn dropped_sequences_are_in_no_pack() {
    let dir = scratch_dir("drop");
    let input = write(&dir, "lengths.txt", b"4\n30\n6\n25\n");
    let out = path(&dir, "plan.jsonl");
    let stdout = success(&packlab(&[
        "assign",
        &input,
        "--max-len",
        "10",
        "--overlong",
        "drop",
        "--out",
        &out,
    ]));
    assert!(
        stdout.contains("2 sequences longer than max_len were dropped"),
        "{stdout}"
    );
    let packs = read_jsonl(&out);
    let mut placed: Vec<u64> = packs.iter().flat_map(|pack| pack.indices.clone()).collect();
    placed.sort_unstable();
    assert_eq!(placed, vec![0, 2]);
}

#[test]
fn truncated_sequences_take_max_len_tokens() {
    let dir = scratch_dir("truncate");
    let input = write(&dir, "lengths.txt", b"4\n30\n");
    let out = path(&dir, "plan.jsonl");
    success(&packlab(&[
        "assign",
        &input,
        "--max-len",
        "10",
        "--out",
        &out,
    ]));
    let mut packs = read_jsonl(&out);
    packs.sort_by_key(|pack| pack.indices.clone());
    assert_eq!(
        packs,
        vec![
            Pack {
                indices: vec![0],
                lengths: vec![4]
            },
            Pack {
                indices: vec![1],
                lengths: vec![10]
            },
        ]
    );
}

#[test]
fn preview_shows_cu_seqlens_and_position_ids() {
    let dir = scratch_dir("preview");
    let input = write(&dir, "lengths.txt", b"6\n2\n");
    let out = path(&dir, "plan.jsonl");
    let stdout = success(&packlab(&[
        "assign",
        &input,
        "--max-len",
        "8",
        "--out",
        &out,
        "--preview",
        "3",
    ]));
    assert!(
        stdout.contains("pack 0: 2 sequences, 8 tokens, 0 padding"),
        "{stdout}"
    );
    assert!(stdout.contains("  indices       [0, 1]"), "{stdout}");
    assert!(stdout.contains("  cu_seqlens    [0, 6, 8]"), "{stdout}");
    assert!(
        stdout.contains("  position_ids  [0, 1, …, 5, 0, 1]"),
        "{stdout}"
    );
    assert!(!stdout.contains("pack 1:"), "{stdout}");
}

#[test]
fn out_dash_writes_the_packs_to_stdout_and_the_summary_to_stderr() {
    let dir = scratch_dir("stdout");
    let input = write(&dir, "lengths.txt", b"6\n2\n3\n");
    let output = packlab(&["assign", &input, "--max-len", "8", "--out", "-"]);
    let stdout = success(&output);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines.iter().all(|line| line.starts_with("{\"indices\":[")));
    assert!(String::from_utf8_lossy(&output.stderr).contains("lpfhp packing of 3 sequences"));
}

#[test]
fn a_histogram_is_refused_with_the_way_out() {
    let dir = scratch_dir("histogram");
    let input = write(
        &dir,
        "hist.json",
        br#"{"max_len": 4, "counts": [0, 3, 0, 1]}"#,
    );
    let out = path(&dir, "plan.jsonl");
    let output = packlab(&["assign", &input, "--out", &out]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!(
            "packlab: {input}:`counts`: the file is a length histogram"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("Give the file with one length per sequence"),
        "{stderr}"
    );
    assert!(!Path::new(&out).exists(), "nothing written");

    let csv = write(&dir, "hist.csv", b"length,count\n3,10\n");
    let output = packlab(&["assign", &csv, "--out", &out]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains(":2, `length`: the file is a length histogram"));
}

#[test]
fn bad_input_and_unwritable_output_exit_2() {
    let dir = scratch_dir("errors");
    let input = lengths_file(&dir);
    let missing = packlab(&[
        "assign",
        &path(&dir, "nope.txt"),
        "--out",
        &path(&dir, "x.jsonl"),
    ]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot open"));

    let unwritable = path(&dir, "no-such-folder/plan.jsonl");
    let output = packlab(&["assign", &input, "--out", &unwritable]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("cannot create"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let overlong = packlab(&[
        "assign",
        &input,
        "--max-len",
        "5",
        "--overlong",
        "error",
        "--out",
        &path(&dir, "y.jsonl"),
    ]);
    assert_eq!(overlong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&overlong.stderr).contains("longer than max_len 5"));

    let no_out = packlab(&["assign", &input]);
    assert_eq!(no_out.status.code(), Some(2), "--out is required");
}

/// Each line of a plan written with --world-size: its pack, step and rank.
fn read_steps(path: &str) -> Vec<(Pack, u64, u64)> {
    read_lines(path, 4)
        .into_iter()
        .map(|(pack, object)| {
            let number = |key: &str| {
                object[key]
                    .as_u64()
                    .unwrap_or_else(|| panic!("{key}: {object}"))
            };
            let (step, rank) = (number("step"), number("rank"));
            (pack, step, rank)
        })
        .collect()
}

#[test]
fn world_size_lays_packs_out_in_steps_and_balance_evens_them() {
    let dir = scratch_dir("steps");
    // Long-tailed lengths: 1..=2048, most short, some long.
    let lengths: Vec<u64> = (0..3_000u64)
        .map(|i| 1 + (i * 7_919 % 1_000).pow(3) / 1_000_000 * 2 + i % 37)
        .map(|length| length.min(2048))
        .collect();
    let text: Vec<String> = lengths.iter().map(u64::to_string).collect();
    let file = write(&dir, "lengths.txt", (text.join("\n") + "\n").as_bytes());
    let (world_size, per_rank) = (4u64, 3u64);
    let mut imbalances = Vec::new();
    for balance in [false, true] {
        let out = path(&dir, &format!("plan-{balance}.jsonl"));
        let mut args = vec![
            "assign",
            &file,
            "--max-len",
            "2048",
            "--world-size",
            "4",
            "--micro-batch",
            "1",
            "--grad-accum",
            "3",
            "--model",
            "decoder-7b",
            "--out",
            &out,
        ];
        let prefix = path(&dir, "ranks");
        if balance {
            args.extend(["--balance", "--npy", &prefix]);
        }
        let summary = success(&packlab(&args));
        let lines = read_steps(&out);
        if balance {
            // Each rank's arrays hold its lines' packs, in step order.
            for rank in 0..world_size {
                let indices = read_npy_int64(&format!("{prefix}.rank{rank}.indices.npy"));
                let offsets = read_npy_int64(&format!("{prefix}.rank{rank}.offsets.npy"));
                let own: Vec<&Pack> = lines
                    .iter()
                    .filter(|(_, _, r)| *r == rank)
                    .map(|(pack, _, _)| pack)
                    .collect();
                assert_eq!(offsets.len(), own.len() + 1);
                for (pack, bounds) in own.iter().zip(offsets.windows(2)) {
                    let held: Vec<u64> = indices[bounds[0] as usize..bounds[1] as usize]
                        .iter()
                        .map(|&index| index as u64)
                        .collect();
                    assert_eq!(held, pack.indices);
                }
            }
        }
        let packs: Vec<Pack> = lines
            .iter()
            .map(|(pack, _, _)| Pack {
                indices: pack.indices.clone(),
                lengths: pack.lengths.clone(),
            })
            .collect();
        check_packs(&packs, &lengths, 2048, usize::MAX);
        // Steps and ranks in layout order: whole steps of whole ranks.
        let per_step = world_size * per_rank;
        for (position, (_, step, rank)) in lines.iter().enumerate() {
            let position = position as u64;
            assert_eq!(*step, position / per_step);
            assert_eq!(*rank, position % per_step / per_rank);
        }
        let whole_steps = lines.len() as u64 / per_step;
        assert!(
            summary.contains(&format!(
                "steps           {whole_steps} of 4 ranks x 3 packs"
            )),
            "{summary}"
        );
        // The work of every rank of every whole step, by the 7B model's
        // FLOPs written here: 6·N·tokens + 12·L·d·Σ s².
        let mut excess = 0.0;
        for step in 0..whole_steps {
            let work: Vec<f64> = (0..world_size)
                .map(|rank| {
                    lines
                        .iter()
                        .filter(|(_, s, r)| *s == step && *r == rank)
                        .map(|(pack, _, _)| {
                            pack.lengths
                                .iter()
                                .map(|&s| {
                                    6.0 * 6.74e9 * s as f64 + 12.0 * 32.0 * 4096.0 * (s * s) as f64
                                })
                                .sum::<f64>()
                        })
                        .sum()
                })
                .collect();
            let mean = work.iter().sum::<f64>() / work.len() as f64;
            excess += work.iter().copied().fold(0.0, f64::max) / mean - 1.0;
        }
        imbalances.push(excess / whole_steps as f64);
        assert_eq!(
            summary.contains("balanced        slowest rank"),
            balance,
            "{summary}"
        );
    }
    assert!(imbalances[1] * 5.0 < imbalances[0], "{imbalances:?}");

    // A trainer makes its own rows: no steps for them.
    let refused = packlab(&[
        "assign",
        &file,
        "--algorithm",
        "trl-bfd",
        "--max-len",
        "2048",
        "--world-size",
        "2",
        "--out",
        &path(&dir, "t.jsonl"),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr)
        .contains("--world-size lays out the packs of Packlab's algorithms"));
}
