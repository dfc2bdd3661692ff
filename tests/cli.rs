//! The `packlab` command line, run as a user runs it.
// Native only: these tests use files, processes or proptest.
#![cfg(not(target_arch = "wasm32"))]

// What this file shares with other test files, from tests/common/.
mod common {
    pub mod cli;
}

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::cli::{packlab, success};
use packlab::Algorithm;
use serde_json::Value;

fn packlab_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_packlab"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("packlab starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin)
        .expect("stdin takes the input");
    child.wait_with_output().expect("packlab finishes")
}

/// A scratch folder for this test binary's files.
fn scratch(name: &str, contents: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-tests");
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("scratch file");
    path
}

fn json(output: &Output) -> Value {
    serde_json::from_str(&success(output)).expect("stdout is one JSON value")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn pack_json_has_the_documented_fields() {
    // Lengths 7, 6, 4, 3, 3 at max_len 10 (worked out in tests/algorithms.rs).
    let file = scratch("five.txt", b"7\n6\n4\n3 3\n");
    let output = packlab(&[
        "pack",
        file.to_str().unwrap(),
        "--max-len",
        "10",
        "--algorithm",
        "spfhp",
        "--json",
    ]);
    let report = json(&output);
    for field in [
        "algorithm",
        "max_len",
        "max_per_pack",
        "sequences",
        "tokens",
        "packs",
        "efficiency",
        "padding_fraction",
        "speedup",
        "speedup_limit",
        "runtime_ms",
        "plan",
    ] {
        assert!(report.get(field).is_some(), "missing {field}");
    }
    assert_eq!(report["algorithm"], "spfhp");
    assert_eq!(report["max_len"], 10);
    assert_eq!(report["max_per_pack"], Value::Null);
    assert_eq!(report["sequences"], 5);
    assert_eq!(report["tokens"], 23);
    assert_eq!(report["packs"], 3);
    assert_eq!(report["efficiency"], 23.0 / 30.0);
    let mut plan: Vec<(Vec<u64>, u64)> = report["plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|group| {
            let lengths = group["lengths"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l.as_u64().unwrap())
                .collect();
            (lengths, group["count"].as_u64().unwrap())
        })
        .collect();
    plan.sort();
    assert_eq!(plan, vec![(vec![3], 1), (vec![6, 4], 1), (vec![7, 3], 1)]);
}

#[test]
fn max_len_defaults_to_the_longest_sequence_and_nnlshp_to_three_per_pack() {
    let file = scratch("lengths.txt", b"5\n9\n2\n");
    let report = json(&packlab(&[
        "pack",
        file.to_str().unwrap(),
        "-a",
        "nnlshp",
        "--json",
    ]));
    assert_eq!(report["max_len"], 9);
    assert_eq!(report["max_per_pack"], 3);
    let report = json(&packlab(&[
        "pack",
        file.to_str().unwrap(),
        "--max-per-pack",
        "unlimited",
        "--json",
    ]));
    assert_eq!(report["max_per_pack"], Value::Null);
    let report = json(&packlab(&[
        "pack",
        file.to_str().unwrap(),
        "--max-per-pack",
        "2",
        "--json",
    ]));
    assert_eq!(report["max_per_pack"], 2);
}

#[test]
fn max_len_defaults_to_a_dense_histograms_max_len() {
    let file = scratch(
        "dense.json",
        br#"{"max_len": 16, "counts": [0,0,0,4,0,0,0,0,0,0,0,0,0,0,0,0]}"#,
    );
    let report = json(&packlab(&["pack", file.to_str().unwrap(), "--json"]));
    assert_eq!(report["max_len"], 16);
    assert_eq!(report["packs"], 1);
    assert_eq!(report["efficiency"], 1.0);
}

#[test]
fn several_files_merge() {
    let first = scratch("first.txt", b"4\n4\n");
    let second = scratch("second.csv", b"length,count\n8,1\n");
    let report = json(&packlab(&[
        "pack",
        first.to_str().unwrap(),
        second.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(report["sequences"], 3);
    assert_eq!(report["max_len"], 8);
    assert_eq!(report["packs"], 2);
}

#[test]
fn standard_input_is_read_with_a_dash() {
    let output = packlab_with_stdin(&["pack", "-", "--max-len", "8", "--json"], b"4\n4\n2\n");
    let report = json(&output);
    assert_eq!(report["sequences"], 3);
    assert_eq!(report["packs"], 2);
}

#[test]
fn overlong_policies() {
    let file = scratch("overlong.txt", b"3\n12\n20\n");
    let path = file.to_str().unwrap();
    let truncated = json(&packlab(&["pack", path, "--max-len", "10", "--json"]));
    assert_eq!(truncated["sequences"], 3);
    assert_eq!(truncated["overlong"]["sequences"], 2);
    assert_eq!(truncated["overlong"]["tokens_lost"], 2 + 10);
    let dropped = json(&packlab(&[
        "pack",
        path,
        "--max-len",
        "10",
        "--overlong",
        "drop",
        "--json",
    ]));
    assert_eq!(dropped["sequences"], 1);
    assert_eq!(dropped["overlong"]["tokens_lost"], 32);
    let refused = packlab(&["pack", path, "--max-len", "10", "--overlong", "error"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("longer than max_len 10"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn compare_lists_every_algorithm() {
    let file = scratch("compare.txt", b"7\n6\n4\n3\n3\n");
    let output = json(&packlab(&[
        "compare",
        file.to_str().unwrap(),
        "--max-len",
        "10",
        "--json",
    ]));
    let reports = output["reports"].as_array().unwrap();
    let names: Vec<&str> = reports
        .iter()
        .map(|report| report["algorithm"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = Algorithm::ALL.iter().map(|a| a.name()).collect();
    assert_eq!(names, expected);
    assert!(
        reports[0].get("plan").is_none(),
        "compare reports carry no plan"
    );
    assert_eq!(output["volume_bound"], 3, "23 tokens in rows of 10");
    let table = packlab(&["compare", file.to_str().unwrap(), "--max-len", "10"]);
    assert!(table.status.success());
    let text = String::from_utf8_lossy(&table.stdout);
    for name in names {
        assert!(text.contains(name), "table lacks {name}:\n{text}");
    }
}

#[test]
fn compare_with_a_world_size_measures_every_plan_in_steps() {
    let args = [
        "compare",
        "--preset",
        "chat-finetuning-4096",
        "--world-size",
        "4",
        "--micro-batch",
        "2",
        "--model",
        "decoder-7b",
    ];
    let output = json(&packlab(&[&args[..], &["--json"]].concat()));
    let reports = output["reports"].as_array().unwrap();
    let steps = output["step_balance"].as_array().unwrap();
    assert_eq!(steps.len(), reports.len());
    for (entry, report) in steps.iter().zip(reports) {
        assert_eq!(entry["algorithm"], report["algorithm"]);
        assert_eq!(entry["packs"], report["packs"]);
        assert_eq!(entry["world_size"], 4);
        assert_eq!(entry["micro_batch"], 2);
        let packs = entry["packs"].as_u64().unwrap();
        for order in ["shuffled", "balanced"] {
            let measured = &entry[order];
            assert_eq!(
                measured["steps"].as_u64().unwrap() * 8
                    + measured["last_step_packs"].as_u64().unwrap(),
                packs,
                "{order}"
            );
        }
        let excess = |order: &str| entry[order]["mean_slowest_over_mean"].as_f64().unwrap() - 1.0;
        assert!(
            excess("balanced") * 5.0 <= excess("shuffled"),
            "{}: {} against {}",
            entry["algorithm"],
            excess("balanced"),
            excess("shuffled")
        );
    }
    let table = packlab(&args);
    assert!(table.status.success(), "{}", stderr(&table));
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("Across 4 GPUs: steps of 4 ranks x 2 packs"),
        "{text}"
    );
    // Without --world-size, no step is measured.
    let plain = json(&packlab(&[
        "compare",
        "--preset",
        "qa-finetuning-384",
        "--json",
    ]));
    assert!(plain.get("step_balance").is_none());
}

#[test]
fn the_optimal_packer_says_whether_its_plan_is_proven_optimal() {
    // Lengths 7, 6, 4, 3, 3 in rows of 10: 3 packs, the volume bound.
    let proven = scratch("proven.txt", b"7\n6\n4\n3\n3\n");
    let proven = proven.to_str().unwrap();
    let args = ["pack", proven, "--max-len", "10", "-a", "optimal"];
    let report = json(&packlab(&[&args[..], &["--json"]].concat()));
    assert_eq!(report["packs"], 3);
    assert_eq!(report["optimality"]["lower_bound_packs"], 3);
    assert_eq!(report["optimality"]["proven_optimal"], true);
    let text = String::from_utf8_lossy(&packlab(&args).stdout).into_owned();
    assert!(!text.contains("not proven"), "{text}");
    let other = json(&packlab(&["pack", proven, "--max-len", "10", "--json"]));
    assert_eq!(other["optimality"], Value::Null);

    // 12 × 1, 3 × 4, 4 × 6 and 1 × 8 tokens in rows of 10, at most 4 per
    // pack: the bound is 6 and a 6-pack plan exists, but every packer took
    // 7 when this was written (tests/cutting_stock.rs).
    let mut lengths = "1\n".repeat(12) + &"4\n".repeat(3) + &"6\n".repeat(4);
    lengths += "8\n";
    let unproven = scratch("unproven.txt", lengths.as_bytes());
    let unproven = unproven.to_str().unwrap();
    let args = [
        "pack",
        unproven,
        "--max-len",
        "10",
        "-a",
        "optimal",
        "--max-per-pack",
        "4",
    ];
    let report = json(&packlab(&[&args[..], &["--json"]].concat()));
    let optimality = &report["optimality"];
    assert_eq!(optimality["lower_bound_packs"], 6);
    let text = String::from_utf8_lossy(&packlab(&args).stdout).into_owned();
    if optimality["proven_optimal"] == false {
        let over = report["packs"].as_u64().unwrap() - 6;
        let line = format!("{over} over the LP bound of 6 packs");
        assert!(text.contains(&line), "{text}");
        assert!(text.contains("so optimality is not proven"), "{text}");
    } else {
        assert_eq!(report["packs"], 6);
        assert!(!text.contains("not proven"), "{text}");
    }
}

#[test]
fn compare_shows_dynamic_padding_flops_and_the_max_len_sweep() {
    // Lengths 1..=40, once each: max_len 40 by default.
    let lengths: String = (1..=40).map(|length| format!("{length}\n")).collect();
    let file = scratch("compare-more.txt", lengths.as_bytes());
    let output = json(&packlab(&[
        "compare",
        file.to_str().unwrap(),
        "--batch-sizes",
        "4,40",
        "--model",
        "bert-large",
        "--sweep-max-len",
        "30",
        "--json",
    ]));
    let padding = output["dynamic_padding"].as_array().unwrap();
    assert_eq!(padding.len(), 6, "three schemes at each of two batch sizes");
    for entry in padding {
        let fraction = entry["padding_fraction"].as_f64().unwrap();
        let padded = entry["padded_tokens"].as_f64().unwrap();
        assert!((fraction - (1.0 - 820.0 / padded)).abs() < 1e-12, "{entry}");
        if entry["batch_size"] == 40 {
            // One batch of everything, padded to the longest: 40 × 40.
            assert_eq!(padded, 1600.0, "{entry}");
        }
    }
    let flops = &output["flops"];
    assert_eq!(flops["preset"], "bert-large");
    assert_eq!(flops["model"]["layers"], 24);
    assert_eq!(
        flops["packing"].as_array().unwrap().len(),
        output["reports"].as_array().unwrap().len()
    );
    assert_eq!(flops["dynamic_padding"].as_array().unwrap().len(), 6);
    assert_eq!(
        flops["no_packing"]["dense_masked"]["speedup_over_padding"],
        1.0
    );
    let sweep = output["max_len_sweep"].as_array().unwrap();
    let lengths: Vec<u64> = sweep
        .iter()
        .map(|p| p["max_len"].as_u64().unwrap())
        .collect();
    assert!(lengths.contains(&30) && lengths.contains(&40) && lengths.contains(&64));
    let at_30 = sweep.iter().find(|p| p["max_len"] == 30).unwrap();
    assert_eq!(at_30["overlong_sequences"], 10, "lengths 31..=40 are cut");
    assert_eq!(at_30["tokens_lost"], (1..=10).sum::<u64>());

    let table = packlab(&["compare", file.to_str().unwrap(), "--sweep-max-len"]);
    assert!(table.status.success(), "{}", stderr(&table));
    let text = String::from_utf8_lossy(&table.stdout);
    for needle in [
        "dynamic padding",
        "FLOPs per epoch",
        "Choosing max_len",
        "p90",
    ] {
        assert!(text.contains(needle), "table lacks {needle}:\n{text}");
    }
}

#[test]
fn stats_summarise_the_lengths() {
    let file = scratch("stats.txt", b"1\n2\n3\n4\n100\n");
    let summary = json(&packlab(&[
        "stats",
        file.to_str().unwrap(),
        "--max-len",
        "50",
        "--json",
    ]));
    assert_eq!(summary["sequences"], 5);
    assert_eq!(summary["tokens"], 110);
    assert_eq!(summary["median"], 3);
    assert_eq!(summary["max"], 100);
    assert_eq!(summary["overlong_sequences"], 1);
    assert_eq!(summary["overlong_excess_tokens"], 50);
}

#[test]
fn stats_give_the_padding_of_what_the_overlong_policy_keeps() {
    let file = scratch("stats-drop.txt", b"10\n10\n30\n100\n");
    let stats = |policy: &str| {
        json(&packlab(&[
            "stats",
            file.to_str().unwrap(),
            "--max-len",
            "50",
            "--overlong",
            policy,
            "--json",
        ]))
    };
    // Truncated: 10 + 10 + 30 + 50 tokens in 4 rows of 50.
    let truncated = stats("truncate");
    assert_eq!(truncated["padding_fraction_unpacked"], 1.0 - 100.0 / 200.0);
    assert_eq!(truncated["overlong"]["tokens_lost"], 50);
    // Dropped: 10 + 10 + 30 tokens in 3 rows of 50.
    let dropped = stats("drop");
    assert_eq!(dropped["padding_fraction_unpacked"], 1.0 - 50.0 / 150.0);
    assert_eq!(dropped["overlong"]["sequences"], 1);
    assert_eq!(dropped["overlong"]["tokens_lost"], 100);
    // The summary itself describes the lengths as read, whatever the policy.
    assert_eq!(dropped["sequences"], 4);
    assert_eq!(dropped["max"], 100);
}

#[test]
fn compare_defaults_to_no_limit_but_nnlshp_at_three_and_bounds_every_plan() {
    let lengths: String = (1..=30).map(|length| format!("{length}\n")).collect();
    let file = scratch("compare-limits.txt", lengths.as_bytes());
    let output = json(&packlab(&[
        "compare",
        file.to_str().unwrap(),
        "--max-len",
        "40",
        "--json",
    ]));
    for report in output["reports"].as_array().unwrap() {
        let expected = match report["algorithm"].as_str().unwrap() {
            "none" => Value::from(1),
            "nnlshp" => Value::from(3),
            _ => Value::Null,
        };
        assert_eq!(report["max_per_pack"], expected, "{report}");
        assert!(report["packs"].as_u64().unwrap() >= output["lp_bound"]["packs"].as_u64().unwrap());
    }
    assert_eq!(output["lp_bound"]["max_per_pack"], Value::Null);

    let capped = json(&packlab(&[
        "compare",
        file.to_str().unwrap(),
        "--max-len",
        "40",
        "--max-per-pack",
        "2",
        "--json",
    ]));
    assert_eq!(capped["lp_bound"]["max_per_pack"], 2);
    for report in capped["reports"].as_array().unwrap() {
        if report["algorithm"] != "none" {
            assert_eq!(report["max_per_pack"], 2, "{report}");
        }
    }
    let text = String::from_utf8_lossy(
        &packlab(&[
            "compare",
            file.to_str().unwrap(),
            "--max-len",
            "40",
            "--max-per-pack",
            "2",
        ])
        .stdout,
    )
    .into_owned();
    assert!(
        text.contains("No plan with at most 2 sequences per pack can use fewer than"),
        "{text}"
    );
}

#[test]
fn a_json_objects_named_field_is_read_as_its_lengths() {
    // The user's report: this was one sequence of 3 tokens.
    let file = scratch("report.json", br#"{"lengths": [1, 2, 3]}"#);
    let path = file.to_str().unwrap();
    let output = packlab(&["stats", path, "--column", "lengths", "--json"]);
    let summary = json(&output);
    assert_eq!(summary["sequences"], 3);
    assert_eq!(summary["tokens"], 6);
    assert_eq!(stderr(&output), "");
    // Without the field named, the refusal says how to name it.
    let output = packlab(&["stats", path, "--json"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("report.json:1"), "{message}");
    assert!(message.contains("--column NAME"), "{message}");
}

#[test]
fn notes_go_to_standard_error_and_leave_the_json_whole() {
    let file = scratch("one-line.jsonl", br#"{"lengths": [1, 2, 3]}"#);
    let path = file.to_str().unwrap();
    for command in ["stats", "pack"] {
        let output = packlab(&[command, path, "--column", "lengths", "--json"]);
        assert_eq!(json(&output)["sequences"], 1, "{command}");
        let message = stderr(&output);
        assert!(
            message.starts_with("packlab: note: "),
            "{command}: {message}"
        );
        assert!(message.contains("one-line.jsonl"), "{command}: {message}");
        assert!(message.contains("--format json"), "{command}: {message}");
    }
    // `assign` writes its plan to standard output, the note beside its summary.
    let output = packlab(&["assign", path, "--column", "lengths", "--out", "-"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "{\"indices\":[0],\"lengths\":[3]}\n"
    );
    assert!(stderr(&output).starts_with("packlab: note: "));
    let output = packlab(&[
        "stats", path, "--column", "lengths", "--format", "json", "--json",
    ]);
    assert_eq!(json(&output)["sequences"], 3);
    assert_eq!(stderr(&output), "");
}

#[test]
fn bad_input_exits_2_with_the_file_and_line() {
    let file = scratch("bad.txt", b"12\n40\n-3\n");
    let output = packlab(&["pack", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("bad.txt:3"), "{message}");
    assert!(message.contains("negative"), "{message}");
    assert!(!message.contains("panicked"), "{message}");
    assert!(output.stdout.is_empty());
}

#[test]
fn bad_arguments_exit_2() {
    let file = scratch("ok.txt", b"3\n");
    let path = file.to_str().unwrap();
    for args in [
        vec!["pack", path, "--max-per-pack", "0"],
        vec!["pack", path, "--max-per-pack", "many"],
        vec!["pack", path, "--max-len", "0"],
        vec!["pack", path, "--max-len", "99999999999"],
        vec!["pack", path, "--algorithm", "magic"],
        vec!["pack", path, "--overlong", "wrap"],
        vec!["pack"],
        vec!["pack", "/no/such/file.txt"],
    ] {
        let output = packlab(&args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(!stderr(&output).contains("panicked"), "{args:?}");
    }
}

#[test]
fn no_input_of_any_kind_makes_the_cli_panic() {
    // A sample of hostile inputs; the catalogue in tests/input_formats.rs
    // covers each reader in depth.
    let inputs: [(&str, &[u8]); 8] = [
        ("binary.bin", &[0, 159, 146, 150, 255, 0, 1, 2]),
        ("empty.json", b""),
        ("nested.json", b"[[1, 2], [3]]"),
        ("huge.txt", b"18446744073709551616\n"),
        ("max.txt", b"18446744073709551615\n"),
        ("truncated.npy", b"\x93NUMPY\x01\x00\x76\x00{'descr': '<i8'"),
        ("zeros.csv", b"length,count\n"),
        (
            "overflow.json",
            b"{\"1\": 18446744073709551615, \"2\": 18446744073709551615}",
        ),
    ];
    for (name, contents) in inputs {
        let file = scratch(name, contents);
        for command in ["pack", "compare", "stats"] {
            let output = packlab(&[command, file.to_str().unwrap()]);
            assert!(
                !stderr(&output).contains("panicked"),
                "{name} {command}: {}",
                stderr(&output)
            );
            assert!(
                output.status.code() == Some(0) || output.status.code() == Some(2),
                "{name} {command}"
            );
        }
    }
}

#[test]
fn pack_simulates_a_trainer_on_the_file_order() {
    // TRL's docstring example: 5, 2, 3 and 1 tokens in rows of 4.
    let file = scratch("trl.txt", b"5\n2\n3\n1\n");
    let path = file.to_str().unwrap();
    let report = json(&packlab(&[
        "pack",
        path,
        "--algorithm",
        "trl-bfd",
        "--max-len",
        "4",
        "--json",
    ]));
    assert_eq!(report["algorithm"], "trl-bfd");
    assert_eq!(report["packs"], 3);
    assert_eq!(report["tokens_truncated"], 1);
    assert_eq!(report["order_simulated"], false);
    // Three rows at the default batch of 8: one step.
    assert_eq!(report["steps_per_epoch"], 1);
    let rows: Vec<Vec<[u32; 2]>> = serde_json::from_value(report["rows"].clone()).unwrap();
    assert_eq!(rows, vec![vec![[0, 4]], vec![[2, 3], [3, 1]], vec![[1, 2]]]);
    // Within a map batch the order makes no difference (best fit sorts);
    // across batches of 2 it does: [5, 2] then [3, 1] as given, [1, 2]
    // then [3, 5] sorted by length.
    let in_batches_of_two = |order: &str| {
        json(&packlab(&[
            "pack",
            path,
            "--algorithm",
            "trl-bfd",
            "--max-len",
            "4",
            "--map-batch-rows",
            "2",
            "--order",
            order,
            "--json",
        ]))["rows"]
            .clone()
    };
    let as_given: Vec<Vec<[u32; 2]>> =
        serde_json::from_value(in_batches_of_two("as-given")).unwrap();
    assert_eq!(
        as_given,
        vec![vec![[0, 4]], vec![[1, 2]], vec![[2, 3], [3, 1]]]
    );
    let sorted: Vec<Vec<[u32; 2]>> = serde_json::from_value(in_batches_of_two("sorted")).unwrap();
    assert_eq!(
        sorted,
        vec![vec![[1, 2], [3, 1]], vec![[0, 4]], vec![[2, 3]]]
    );
    // Three rows in batches of 2: the last step is short.
    let in_pairs = json(&packlab(&[
        "pack",
        path,
        "--algorithm",
        "trl-bfd",
        "--max-len",
        "4",
        "--batch-size",
        "2",
        "--json",
    ]));
    assert_eq!(in_pairs["steps_per_epoch"], 2);
    // The text report names the version modelled and what was lost.
    let text = success(&packlab(&[
        "pack",
        path,
        "--algorithm",
        "trl-wrapped",
        "--max-len",
        "4",
    ]));
    assert!(text.contains("TRL 1.16.0"), "{text}");
    assert!(text.contains("not told apart"), "{text}");
}

#[test]
fn a_trainer_on_a_histogram_reads_it_shuffled_and_says_so() {
    let file = scratch(
        "trl-hist.json",
        br#"{"max_len": 8, "counts": [0, 0, 4, 0, 4, 0, 0, 1]}"#,
    );
    let output = packlab(&[
        "pack",
        file.to_str().unwrap(),
        "--algorithm",
        "trl-bfd",
        "--json",
    ]);
    let report = json(&output);
    assert_eq!(report["order_simulated"], true);
    assert_eq!(report["settings"]["max_len"], 8);
    assert_eq!(report["sequences"], 9);
    let text = success(&packlab(&[
        "pack",
        file.to_str().unwrap(),
        "--algorithm",
        "trl-bfd",
    ]));
    assert!(text.contains("a histogram has no order"), "{text}");
}

#[test]
fn an_unknown_algorithm_lists_packers_and_trainers() {
    let file = scratch("unknown.txt", b"3\n");
    let output = packlab(&["pack", file.to_str().unwrap(), "--algorithm", "trl"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("lpfhp") && message.contains("trl-bfd-split"),
        "{message}"
    );
}

#[test]
fn compare_lists_trainers_beside_the_algorithms() {
    let file = scratch("compare-trainers.txt", b"5\n2\n3\n1\n6\n6\n");
    let path = file.to_str().unwrap();
    let report = json(&packlab(&[
        "compare",
        path,
        "--max-len",
        "8",
        "--trainers",
        "trl-bfd,torchtune",
        "--json",
    ]));
    let trainers = report["trainers"].as_array().expect("a list of trainers");
    let names: Vec<&str> = trainers
        .iter()
        .map(|t| t["algorithm"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["trl-bfd", "torchtune"]);
    // Best fit decreasing: [6, 2], [6, 1], [5, 3]; next fit in order:
    // [5, 2], [3, 1], [6], [6].
    assert_eq!(trainers[0]["packs"], 3);
    assert_eq!(trainers[1]["packs"], 4);
    assert!(trainers.iter().all(|t| t["settings"]["max_len"] == 8));
    let all = json(&packlab(&["compare", path, "--trainers", "all", "--json"]));
    assert_eq!(
        all["trainers"].as_array().unwrap().len(),
        packlab::trainers::Trainer::ALL.len()
    );
    // Without --trainers, no trainer is simulated and the field is absent.
    assert!(json(&packlab(&["compare", path, "--json"]))
        .get("trainers")
        .is_none());
    let output = packlab(&["compare", path, "--trainers", "trl"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("or all"), "{}", stderr(&output));
}

#[test]
fn assign_writes_a_trainers_rows_with_where_each_piece_starts() {
    // bfd_split cuts the 5 into 4 + 1; the 1 joins the 3's row.
    let file = scratch("assign-trl.txt", b"5\n2\n3\n1\n");
    let output = packlab(&[
        "assign",
        file.to_str().unwrap(),
        "--algorithm",
        "trl-bfd-split",
        "--max-len",
        "4",
        "--out",
        "-",
    ]);
    let lines: Vec<Value> = success(&output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    let expected = [
        r#"{"indices":[0],"lengths":[4],"starts":[0]}"#,
        r#"{"indices":[2,0],"lengths":[3,1],"starts":[0,4]}"#,
        r#"{"indices":[1,3],"lengths":[2,1],"starts":[0,0]}"#,
    ];
    let expected: Vec<Value> = expected
        .iter()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines, expected);
    assert!(
        stderr(&output).contains("1 sequences split"),
        "{}",
        stderr(&output)
    );
    // The .npy files cannot say where a piece starts: refused, with why.
    let refused = packlab(&[
        "assign",
        file.to_str().unwrap(),
        "--algorithm",
        "trl-bfd",
        "--out",
        "-",
        "--npy",
        "x",
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("JSON Lines"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn llm_foundrys_packing_ratio_is_auto_or_at_least_one() {
    let file = scratch("llm-foundry.txt", b"5\n2\n3\n1\n6\n6\n2\n1\n");
    let path = file.to_str().unwrap();
    let report = json(&packlab(&[
        "pack",
        path,
        "--algorithm",
        "llm-foundry",
        "--max-len",
        "8",
        "--batch-size",
        "2",
        "--packing-ratio",
        "2",
        "--json",
    ]));
    assert_eq!(report["packing_ratio"], 2.0);
    assert_eq!(report["settings"]["batch_size"], 2);
    let output = packlab(&[
        "pack",
        path,
        "--algorithm",
        "llm-foundry",
        "--packing-ratio",
        "0.5",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("or more"), "{}", stderr(&output));
}

/// A Megatron-LM index of `lengths` in documents split at `boundaries`,
/// laid out as Megatron-LM's `_IndexWriter` writes it.
fn megatron_index(lengths: &[i32], boundaries: &[i64]) -> Vec<u8> {
    let mut bytes = b"MMIDIDX\x00\x00".to_vec();
    bytes.extend(1u64.to_le_bytes());
    bytes.push(4);
    bytes.extend((lengths.len() as u64).to_le_bytes());
    bytes.extend((boundaries.len() as u64).to_le_bytes());
    lengths
        .iter()
        .for_each(|length| bytes.extend(length.to_le_bytes()));
    let mut pointer = 0i64;
    for &length in lengths {
        bytes.extend(pointer.to_le_bytes());
        pointer += i64::from(length) * 4;
    }
    boundaries
        .iter()
        .for_each(|boundary| bytes.extend(boundary.to_le_bytes()));
    bytes
}

#[test]
fn a_megatron_index_gives_its_sequences_or_its_documents() {
    // Two documents split into sentences: [100, 20], [300, 4, 5].
    let file = scratch(
        "corpus_text_document.idx",
        &megatron_index(&[100, 20, 300, 4, 5], &[0, 2, 5]),
    );
    let path = file.to_str().unwrap();
    let output = packlab(&["stats", path, "--json"]);
    let stats = json(&output);
    assert_eq!(stats["sequences"], 5);
    assert_eq!(stats["tokens"], 429);
    // Which was counted, and how to count the other, on standard error.
    assert!(stderr(&output).contains("5 sequences in 2 documents; counted each sequence"));
    let documents = json(&packlab(&["stats", path, "--documents", "--json"]));
    assert_eq!(documents["sequences"], 2);
    assert_eq!(documents["tokens"], 429);
    assert_eq!(documents["max"], 309);
    // The plan keeps the index's order, one line per pack of indices.
    let plan = success(&packlab(&[
        "assign",
        path,
        "--algorithm",
        "lpfhp",
        "--max-len",
        "400",
        "--out",
        "-",
    ]));
    let mut seen: Vec<u64> = plan
        .lines()
        .flat_map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["indices"]
                .as_array()
                .unwrap()
                .clone()
        })
        .map(|index| index.as_u64().unwrap())
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, vec![0, 1, 2, 3, 4]);
    // Documents are a Megatron index's: other files refuse the switch.
    let text = scratch("lengths-for-documents.txt", b"5\n7\n");
    let refused = packlab(&["stats", text.to_str().unwrap(), "--documents"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("--documents counts the documents of a Megatron index"));
    // A damaged index says what is wrong.
    let mut cut = megatron_index(&[100, 20], &[0, 1, 2]);
    cut.truncate(50);
    let broken = scratch("cut.idx", &cut);
    let output = packlab(&["stats", broken.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("cut.idx"), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("the index should be 82 bytes long but ends after 50"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_folder_without_shards_says_what_a_dataset_folder_holds() {
    let folder = scratch("readme.txt", b"5\n").with_file_name("not-a-dataset");
    std::fs::create_dir_all(&folder).unwrap();
    let _ = std::fs::remove_file(folder.join("state.json"));
    std::fs::write(folder.join("notes.txt"), b"5\n").unwrap();
    let output = packlab(&["stats", folder.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("not-a-dataset"), "{message}");
    assert!(
        message.contains("holds no state.json, .arrow or .parquet files"),
        "{message}"
    );
    // A state.json that lists no shards.
    std::fs::write(folder.join("state.json"), b"{\"_fingerprint\": \"x\"}").unwrap();
    let message = stderr(&packlab(&["stats", folder.to_str().unwrap()]));
    assert!(message.contains("does not list the shards"), "{message}");
}
