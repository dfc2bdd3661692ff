//! The WebAssembly boundary as the page's workers call it, run in Node by
//! wasm-bindgen's test runner:
//! `cargo test --target wasm32-unknown-unknown --no-default-features --test wasm`.
#![cfg(target_arch = "wasm32")]

#[path = "catalogue/cases.rs"]
mod cases;

use js_sys::{BigUint64Array, Reflect};
use packlab::analysis::{Analysis, AnalysisRequest};
use packlab::wasm::{algorithms, presets, Dataset};
use packlab::{
    pack, Algorithm, Histogram, LengthCounts, MaxPerPack, OverlongPolicy, Preset, Report,
};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

fn to_js<T: serde::Serialize>(value: &T) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .expect("serialisable")
}

fn field(object: &JsValue, name: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(name)).expect("an object")
}

fn error_message(error: wasm_bindgen::JsError) -> String {
    let value: JsValue = error.into();
    field(&value, "message").as_string().unwrap_or_default()
}

#[wasm_bindgen_test]
fn a_preset_analyses_like_the_native_library() {
    let mut dataset = Dataset::from_preset("qa-finetuning-384").expect("a known preset");
    let request = AnalysisRequest {
        max_per_pack: MaxPerPack::AtMost(3),
        algorithms: vec![
            Algorithm::None,
            Algorithm::Spfhp,
            Algorithm::Lpfhp,
            Algorithm::Bfd,
        ],
        sweep_depths: vec![Some(1), Some(2), None],
        detail_algorithm: Some(Algorithm::Lpfhp),
        ..AnalysisRequest::default()
    };
    let result = dataset.analyse(to_js(&request)).expect("analysis succeeds");
    let analysis: Analysis = serde_wasm_bindgen::from_value(result).expect("an Analysis");
    assert_eq!(analysis.max_len, 384);
    assert_eq!(analysis.reports.len(), 4);

    let (histogram, _) = Histogram::from_counts(
        &Preset::QaFinetuning384.generate(),
        384,
        OverlongPolicy::Truncate,
    )
    .expect("the preset is valid");
    for report in &analysis.reports {
        let plan = pack(&histogram, report.algorithm, Some(3)).expect("packs");
        let native = Report::new(report.algorithm, &histogram, &plan, report.runtime_ms);
        assert_eq!(report, &native, "{}", report.algorithm);
    }
    assert_eq!(analysis.sweep.len(), 4);
    assert!(analysis.detail.expect("detail requested").example.len() > 1);
}

#[wasm_bindgen_test]
fn the_page_writes_max_per_pack_as_a_number_a_name_or_null() {
    let mut dataset = Dataset::from_preset("qa-finetuning-384").expect("a known preset");
    let limits_of = |dataset: &mut Dataset, setting: JsValue| -> Vec<Option<u32>> {
        let request = js_sys::Object::new();
        let algorithms =
            js_sys::Array::of2(&JsValue::from_str("lpfhp"), &JsValue::from_str("nnlshp"));
        Reflect::set(&request, &JsValue::from_str("algorithms"), &algorithms).expect("an object");
        // Absent (undefined here) means the default, as on the command line.
        if !setting.is_undefined() {
            Reflect::set(&request, &JsValue::from_str("max_per_pack"), &setting)
                .expect("an object");
        }
        let result = dataset.analyse(request.into()).expect("analysis succeeds");
        let analysis: Analysis = serde_wasm_bindgen::from_value(result).expect("an Analysis");
        analysis
            .reports
            .iter()
            .map(|report| report.max_per_pack)
            .collect()
    };
    let cases = [
        (JsValue::UNDEFINED, vec![None, Some(3)]),
        (JsValue::from_str("default"), vec![None, Some(3)]),
        (JsValue::NULL, vec![None, None]),
        (JsValue::from_str("unlimited"), vec![None, None]),
        (JsValue::from_f64(2.0), vec![Some(2), Some(2)]),
    ];
    for (setting, expected) in cases {
        let shown = format!("{setting:?}");
        assert_eq!(limits_of(&mut dataset, setting), expected, "{shown}");
    }
    for bad in [JsValue::from_f64(0.0), JsValue::from_str("deep")] {
        let request = js_sys::Object::new();
        Reflect::set(&request, &JsValue::from_str("max_per_pack"), &bad).expect("an object");
        let message = error_message(dataset.analyse(request.into()).expect_err("refused"));
        assert!(
            message.contains("max_per_pack") || message.contains("unlimited"),
            "{message}"
        );
    }
}

#[wasm_bindgen_test]
fn pairs_round_trip() {
    let mut dataset = Dataset::from_preset("chat-finetuning-4096").expect("a known preset");
    let pairs = dataset.pairs().expect("pairs");
    let lengths: BigUint64Array = field(&pairs, "lengths").into();
    let counts: BigUint64Array = field(&pairs, "counts").into();
    let declared = field(&pairs, "declared_max_len")
        .as_f64()
        .map(|value| value as u32);
    assert_eq!(declared, Some(4096));
    let mut restored = Dataset::from_pairs(&lengths, &counts, declared).expect("restores");
    assert_eq!(restored.default_max_len(), Some(4096.0));
    let before = dataset
        .analyse(to_js(&AnalysisRequest::default()))
        .expect("analysis");
    let after = restored
        .analyse(to_js(&AnalysisRequest::default()))
        .expect("analysis");
    let before: Analysis = serde_wasm_bindgen::from_value(before).expect("an Analysis");
    let after: Analysis = serde_wasm_bindgen::from_value(after).expect("an Analysis");
    assert_eq!(before.summary, after.summary);
    assert_eq!(before.histogram, after.histogram);
}

#[wasm_bindgen_test]
fn read_bytes_merges_and_a_bad_file_changes_nothing() {
    let mut dataset = Dataset::new();
    assert!(dataset.is_empty());
    let stats = dataset
        .read_bytes("lengths.txt", b"5\n7\n", JsValue::UNDEFINED)
        .expect("reads");
    assert_eq!(field(&stats, "sequences").as_f64(), Some(2.0));
    assert_eq!(field(&stats, "format").as_string().as_deref(), Some("text"));

    let error = dataset
        .read_bytes("broken.txt", b"3\n4\n-1\n", JsValue::UNDEFINED)
        .expect_err("a negative length is refused");
    let message = error_message(error);
    assert!(message.contains("broken.txt:3"), "{message}");

    let mut expected = LengthCounts::new();
    expected.add(5, 1).unwrap();
    expected.add(7, 1).unwrap();
    let pairs = dataset.pairs().expect("pairs");
    let lengths: BigUint64Array = field(&pairs, "lengths").into();
    assert_eq!(lengths.to_vec(), vec![5, 7]);
}

#[wasm_bindgen_test]
fn read_options_pick_format_and_column() {
    let mut dataset = Dataset::new();
    let options = js_sys::JSON::parse(r#"{"format": "csv", "column": "tokens"}"#).unwrap();
    dataset
        .read_bytes("data", b"id,tokens\n1,30\n2,40\n", options)
        .expect("reads the chosen column");
    assert_eq!(dataset.default_max_len(), Some(40.0));
    let unknown = js_sys::JSON::parse(r#"{"format": "parquet"}"#).unwrap();
    assert!(dataset.read_bytes("x", b"1\n", unknown).is_err());
}

#[wasm_bindgen_test]
fn pack_plan_has_the_cli_shape() {
    let mut dataset = Dataset::from_preset("qa-finetuning-384").expect("a known preset");
    let request = js_sys::JSON::parse(r#"{"algorithm": "spfhp", "max_per_pack": 2}"#).unwrap();
    let output = dataset.pack_plan(request).expect("packs");
    for name in [
        "algorithm",
        "max_len",
        "max_per_pack",
        "packs",
        "efficiency",
        "runtime_ms",
        "overlong",
        "plan",
    ] {
        assert!(!field(&output, name).is_undefined(), "missing {name}");
    }
    assert_eq!(field(&output, "max_per_pack").as_f64(), Some(2.0));
}

#[wasm_bindgen_test]
fn bad_requests_are_errors_not_panics() {
    let mut dataset = Dataset::from_preset("qa-finetuning-384").expect("a known preset");
    for request in [
        r#"{"max_len": 0}"#,
        r#"{"max_per_pack": 0, "algorithms": ["spfhp"]}"#,
        r#"{"algorithms": ["magic"]}"#,
        r#"{"max_len": 99999999999}"#,
        r#"{"overlong": "error", "max_len": 100}"#,
    ] {
        let value = js_sys::JSON::parse(request).unwrap();
        let error = dataset
            .analyse(value)
            .err()
            .unwrap_or_else(|| panic!("{request} is refused"));
        assert!(!error_message(error).is_empty(), "{request}");
    }
    assert!(Dataset::from_preset("no-such-preset").is_err());
    assert!(Dataset::new().analyse(JsValue::UNDEFINED).is_err());
}

#[wasm_bindgen_test]
fn presets_and_algorithms_are_listed() {
    let list = js_sys::Array::from(&presets().expect("presets"));
    assert_eq!(list.length(), 4);
    let first = list.get(0);
    assert_eq!(
        field(&first, "name").as_string().as_deref(),
        Some("qa-finetuning-384")
    );
    assert!(field(&first, "label")
        .as_string()
        .unwrap()
        .starts_with("Synthetic"));
    let names: Vec<String> = js_sys::Array::from(&algorithms().expect("algorithms"))
        .iter()
        .map(|entry| field(&entry, "name").as_string().unwrap())
        .collect();
    let expected: Vec<&str> = packlab::Algorithm::ALL.iter().map(|a| a.name()).collect();
    assert_eq!(names, expected);
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
        let mut dataset = Dataset::new();
        let outcome = dataset.read_bytes(case.name, &case.bytes, read_options(&case));
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
                if !dataset.is_empty() {
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
