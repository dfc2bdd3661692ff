//! The page's file engine as its workers call it, run in Node by
//! wasm-bindgen's test runner: `cargo test --target wasm32-unknown-unknown
//! --no-default-features --features files-module --test wasm_files`.
#![cfg(all(target_arch = "wasm32", feature = "files-module"))]

#[path = "common/js.rs"]
mod js;

#[path = "catalogue/cases.rs"]
mod cases;

use js_sys::BigUint64Array;
use packlab::wasm::FileReading;
use packlab::LengthCounts;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use js::{error_message, field};

/// A value as the page passes it: plain JavaScript objects and numbers.
fn to_js<T: serde::Serialize>(value: &T) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .expect("serialisable")
}

#[wasm_bindgen_test]
fn read_bytes_merges_and_a_bad_file_changes_nothing() {
    let mut reading = FileReading::new();
    assert!(reading.is_empty());
    let stats = reading
        .read_bytes("lengths.txt", b"5\n7\n", JsValue::UNDEFINED)
        .expect("reads");
    assert_eq!(field(&stats, "sequences").as_f64(), Some(2.0));
    assert_eq!(field(&stats, "format").as_string().as_deref(), Some("text"));

    let error = reading
        .read_bytes("broken.txt", b"3\n4\n-1\n", JsValue::UNDEFINED)
        .expect_err("a negative length is refused");
    let message = error_message(error);
    assert!(message.contains("broken.txt:3"), "{message}");

    let mut expected = LengthCounts::new();
    expected.add(5, 1).unwrap();
    expected.add(7, 1).unwrap();
    let pairs = reading.pairs().expect("pairs");
    let lengths: BigUint64Array = field(&pairs, "lengths").into();
    assert_eq!(lengths.to_vec(), vec![5, 7]);
}

#[wasm_bindgen_test]
fn read_options_pick_format_and_column() {
    let mut reading = FileReading::new();
    let options = js_sys::JSON::parse(r#"{"format": "csv", "column": "tokens"}"#).unwrap();
    reading
        .read_bytes("data", b"id,tokens\n1,30\n2,40\n", options)
        .expect("reads the chosen column");
    let pairs = reading.pairs().expect("pairs");
    let lengths: BigUint64Array = field(&pairs, "lengths").into();
    assert_eq!(lengths.to_vec(), vec![30, 40]);
    let unknown = js_sys::JSON::parse(r#"{"format": "parquet"}"#).unwrap();
    assert!(reading.read_bytes("x", b"1\n", unknown).is_err());
}

/// The read options a catalogue case gives, as the page passes them.
fn read_options(case: &cases::Case) -> JsValue {
    #[derive(serde::Serialize)]
    struct Options {
        #[serde(skip_serializing_if = "Option::is_none")]
        format: Option<&'static str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        column: Option<&'static str>,
    }
    to_js(&Options {
        format: case.format,
        column: case.column,
    })
}

/// The notes of a read result, as the page gets them.
fn notes(stats: &JsValue) -> Vec<String> {
    js_sys::Array::from(&field(stats, "notes"))
        .iter()
        .filter_map(|note| note.as_string())
        .collect()
}

#[wasm_bindgen_test]
fn the_catalogue_is_answered_as_the_cli_answers_it() {
    use cases::{cases, Expect};
    let mut failures = Vec::new();
    for case in cases() {
        let mut reading = FileReading::new();
        let outcome = reading.read_bytes(case.name, &case.bytes, read_options(&case));
        match (case.expect, outcome) {
            (Expect::Accepted { sequences }, Ok(stats)) => {
                let read = field(&stats, "sequences").as_f64();
                let notes = notes(&stats);
                if read != Some(sequences as f64) || !notes.is_empty() {
                    failures.push(format!(
                        "{}: read {read:?} sequences, expected {sequences} and no note: {notes:?}",
                        case.name
                    ));
                }
            }
            (Expect::Noted { sequences, note }, Ok(stats)) => {
                let read = field(&stats, "sequences").as_f64();
                let notes = notes(&stats);
                let missing: Vec<&str> = note
                    .iter()
                    .copied()
                    .filter(|fragment| !notes.iter().any(|text| text.contains(fragment)))
                    .collect();
                if read != Some(sequences as f64) || !missing.is_empty() {
                    failures.push(format!(
                        "{}: read {read:?} sequences, expected {sequences}; notes lack \
                         {missing:?}: {notes:?}",
                        case.name
                    ));
                }
            }
            (Expect::Refused(fragments), Err(error)) => {
                let message = error_message(error);
                let missing: Vec<&str> = fragments
                    .iter()
                    .copied()
                    .filter(|fragment| !message.contains(fragment))
                    .collect();
                if !missing.is_empty() {
                    failures.push(format!(
                        "{}: message lacks {missing:?}: {message}",
                        case.name
                    ));
                }
                // A refused file leaves the dataset as it was.
                if !reading.is_empty() {
                    failures.push(format!("{}: the dataset changed", case.name));
                }
            }
            (Expect::Accepted { .. } | Expect::Noted { .. }, Err(error)) => {
                failures.push(format!("{}: refused: {}", case.name, error_message(error)));
            }
            (Expect::Refused(_), Ok(_)) => failures.push(format!("{}: accepted", case.name)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The trainer's questions as the trainer worker asks them: a histogram's
/// sequences from the compact form, the request as a plain object, the
/// answer as the library gives it, and a refusal as a message.
#[wasm_bindgen_test]
fn trainer_data_answers_as_the_library_does() {
    use packlab::trainers::{Trainer, TrainerOptions, TrainerRequest, TrainerSequences};
    use packlab::wasm::TrainerData;

    let mut counts = LengthCounts::new();
    for (length, count) in [(3u64, 40u64), (9, 25), (17, 12), (30, 5)] {
        counts.add(length, count).unwrap();
    }
    let (lengths, numbers): (Vec<u64>, Vec<u64>) = counts.iter().unzip();
    let data = TrainerData::from_pairs(
        &BigUint64Array::from(&lengths[..]),
        &BigUint64Array::from(&numbers[..]),
    )
    .expect("a histogram's sequences");
    assert!(!data.ordered(), "a histogram holds no order");

    let request: JsValue = js_sys::JSON::parse(
        r#"{"trainer": "trl-bfd", "max_len": 24, "options": {"map_batch_rows": 10, "batch_size": 4}}"#,
    )
    .unwrap();
    let answer = data.simulate(request.clone()).expect("simulates");
    let expected = TrainerSequences::listed(&counts)
        .unwrap()
        .answer(&TrainerRequest {
            trainer: Trainer::TrlBfd,
            max_len: 24,
            options: TrainerOptions {
                map_batch_rows: 10,
                batch_size: 4,
                ..TrainerOptions::default()
            },
        })
        .unwrap();
    let report = field(&answer, "report");
    assert_eq!(
        field(&report, "packs").as_f64(),
        Some(expected.report.packs as f64)
    );
    assert_eq!(
        field(&report, "steps_per_epoch").as_f64(),
        Some(expected.report.steps_per_epoch as f64)
    );
    // The 30s are cut to 24: 5 × 6 tokens.
    assert_eq!(field(&report, "tokens_truncated").as_f64(), Some(30.0));
    assert_eq!(field(&answer, "order_simulated").as_bool(), Some(true));
    assert_eq!(
        field(&answer, "window").as_string().as_deref(),
        Some("each datasets.map batch of 10 rows packed apart")
    );

    let sweep = data
        .max_len_sweep(request, vec![24, 48])
        .expect("sweeps max_len");
    let points = js_sys::Array::from(&sweep);
    assert_eq!(points.length(), 2);
    assert_eq!(
        field(&points.get(0), "packs").as_f64(),
        Some(expected.report.packs as f64)
    );

    let refused = data
        .simulate(js_sys::JSON::parse(r#"{"trainer": "llamafactory", "max_len": 1}"#).unwrap())
        .expect_err("LLaMA-Factory needs two tokens");
    assert!(error_message(refused).contains("give at least 2"));
    let unknown = data
        .simulate(js_sys::JSON::parse(r#"{"trainer": "megatron", "max_len": 8}"#).unwrap())
        .expect_err("an unknown trainer");
    assert!(error_message(unknown).contains("invalid trainer request"));

    // More sequences than the page simulates: refused before any is listed.
    let refused = TrainerData::from_pairs(
        &BigUint64Array::from(&[512u64][..]),
        &BigUint64Array::from(&[24_000_001u64][..]),
    )
    .expect_err("too many for the page");
    let message = error_message(refused);
    assert!(
        message
            .contains("24,000,001 sequences: the page simulates a trainer on at most 24,000,000"),
        "{message}"
    );
}

#[wasm_bindgen_test]
fn parts_read_elsewhere_merge_as_one_reading() {
    let mut part = FileReading::new();
    part.read_bytes("part.txt", b"5\n9\n9\n", JsValue::UNDEFINED)
        .expect("reads");
    let pairs = part.pairs().expect("pairs");
    let mut whole = FileReading::new();
    whole
        .read_bytes("first.txt", b"5\n", JsValue::UNDEFINED)
        .expect("reads");
    whole
        .add_pairs(
            &field(&pairs, "lengths").into(),
            &field(&pairs, "counts").into(),
        )
        .expect("merges");
    let merged = whole.pairs().expect("pairs");
    let lengths: BigUint64Array = field(&merged, "lengths").into();
    let counts: BigUint64Array = field(&merged, "counts").into();
    assert_eq!(lengths.to_vec(), vec![5, 9]);
    assert_eq!(counts.to_vec(), vec![2, 2]);
    // Unequal arrays are refused, and nothing changes.
    let bad = whole.add_pairs(
        &BigUint64Array::from(&[3u64, 4][..]),
        &BigUint64Array::from(&[1u64][..]),
    );
    assert!(bad.is_err());
    assert_eq!(
        whole
            .pairs()
            .map(|pairs| field(&pairs, "lengths").into())
            .map(|l: BigUint64Array| l.to_vec())
            .expect("pairs"),
        vec![5, 9]
    );
}

#[wasm_bindgen_test]
fn a_dropped_folder_reads_its_shards_in_the_command_lines_order() {
    let names: Vec<String> = [
        "dataset_info.json",
        "data-00001-of-00002.arrow",
        "state.json",
        "data-00000-of-00002.arrow",
    ]
    .map(String::from)
    .to_vec();
    let state = r#"{"_data_files": [{"filename": "data-00000-of-00002.arrow"}, {"filename": "data-00001-of-00002.arrow"}]}"#;
    let order = packlab::wasm::dataset_shards("saved", names.clone(), Some(state.to_owned()))
        .expect("ordered");
    assert_eq!(
        order,
        ["data-00000-of-00002.arrow", "data-00001-of-00002.arrow"]
    );
    let unlisted = r#"{"_data_files": [{"filename": "data-00002-of-00003.arrow"}]}"#;
    let message = error_message(
        packlab::wasm::dataset_shards("saved", names, Some(unlisted.to_owned()))
            .expect_err("a missing shard"),
    );
    assert!(message.starts_with("saved: "), "{message}");
    assert!(message.contains("data-00002-of-00003.arrow"), "{message}");
}

#[wasm_bindgen_test]
fn text_rows_are_counted_with_the_tokenizer_the_page_passes() {
    // A word-level tokenizer of three words that adds nothing.
    let tokenizer = r#"{"version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
        "normalizer": null, "pre_tokenizer": {"type": "Whitespace"}, "post_processor": null,
        "decoder": null, "model": {"type": "WordLevel",
        "vocab": {"[UNK]": 0, "hello": 1, "world": 2}, "unk_token": "[UNK]"}}"#;
    let options = to_js(&serde_json::json!({
        "tokenizer": {
            "tokenizer": ["tokenizer.json", tokenizer],
            "chat_template": ["chat.jinja", "{% for m in messages %}{{ m.content }} {% endfor %}"],
        },
    }));
    let mut reading = FileReading::new();
    let rows = br#"{"text": "hello world hello"}
{"messages": [{"role": "user", "content": "hello"}, {"role": "assistant", "content": "world world"}]}
"#;
    reading
        .read_bytes("rows.jsonl", rows, options)
        .expect("tokenized");
    let pairs = reading.pairs().expect("pairs");
    let lengths: BigUint64Array = field(&pairs, "lengths").into();
    assert_eq!(lengths.to_vec(), vec![3]);
    let counts: BigUint64Array = field(&pairs, "counts").into();
    assert_eq!(counts.to_vec(), vec![2]);

    let broken = to_js(&serde_json::json!({"tokenizer": {"tokenizer": ["tokenizer.json", "{"]}}));
    let message = error_message(
        FileReading::new()
            .read_bytes("rows.jsonl", rows, broken)
            .expect_err("a tokenizer that does not load"),
    );
    assert!(message.starts_with("tokenizer.json"), "{message}");
}
