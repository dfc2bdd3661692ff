//! The WebAssembly boundary as the page's workers call it, run in Node by
//! wasm-bindgen's test runner:
//! `cargo test --target wasm32-unknown-unknown --no-default-features --test wasm`.
#![cfg(all(target_arch = "wasm32", not(feature = "files-module")))]

#[path = "common/js.rs"]
mod js;

use js_sys::{BigUint64Array, Reflect};
use packlab::analysis::{
    AlgorithmReport, Analyser, BoundSummary, DataSummary, PlanDetail, RowSettings, SummaryRequest,
    SweepLine,
};
use packlab::wasm::{algorithms, presets, trainer_defaults, trainers, Dataset};
use packlab::{pack, Algorithm, Histogram, OverlongPolicy, Preset, Report};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use js::{error_message, field};

/// A request object from JSON text, as the page's worker passes it.
fn request(json: &str) -> JsValue {
    js_sys::JSON::parse(json).expect("JSON")
}

#[wasm_bindgen_test]
fn each_question_answers_like_the_native_library() {
    let mut dataset = Dataset::from_preset("qa-finetuning-384").expect("a known preset");
    let counts = Preset::QaFinetuning384.generate();
    let mut native = Analyser::new(counts.clone(), Box::new(|| 0.0));
    let (histogram, _) = Histogram::from_counts(&counts, 384, OverlongPolicy::Truncate)
        .expect("the preset is valid");

    for algorithm in ["none", "spfhp", "lpfhp", "bfd", "nnlshp"] {
        let answer = dataset
            .report(request(&format!(
                r#"{{"algorithm": "{algorithm}", "max_per_pack": 3, "batch_size": 16}}"#
            )))
            .expect("a report");
        let answer: AlgorithmReport = serde_wasm_bindgen::from_value(answer).expect("an answer");
        let algorithm: Algorithm = algorithm.parse().expect("an algorithm");
        let plan = pack(&histogram, algorithm, Some(3)).expect("packs");
        let expected = Report::new(algorithm, &histogram, &plan, answer.report.runtime_ms);
        assert_eq!(answer.report, expected, "{algorithm}");
        assert_eq!(answer.training.batch_size, 16);
    }

    let summary = dataset.summary(request("{}")).expect("a summary");
    let summary: DataSummary = serde_wasm_bindgen::from_value(summary).expect("a summary");
    let expected = native
        .summary(&SummaryRequest {
            rows: RowSettings::default(),
        })
        .expect("a summary");
    assert_eq!(summary.max_len, 384);
    assert_eq!(summary.histogram, expected.histogram);
    assert_eq!(summary.summary, expected.summary);

    let lines = dataset
        .sweep(request(
            r#"{"algorithms": ["spfhp", "lpfhp"], "depths": [1, 2, null]}"#,
        ))
        .expect("a sweep");
    let lines: Vec<SweepLine> = serde_wasm_bindgen::from_value(lines).expect("sweep lines");
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|line| line.points.len() == 3));

    let detail = dataset
        .plan_detail(request(r#"{"algorithm": "lpfhp", "max_per_pack": 3}"#))
        .expect("a detail");
    let detail: PlanDetail = serde_wasm_bindgen::from_value(detail).expect("a detail");
    assert!(detail.example.len() > 1);

    let bound = dataset.lp_bound(request("{}")).expect("a bound");
    let bound: BoundSummary = serde_wasm_bindgen::from_value(bound).expect("a bound");
    assert!(bound.packs <= summary.no_packing.packs);

    let padding = dataset
        .dynamic_padding(request(r#"{"batch_sizes": [8]}"#))
        .expect("dynamic padding");
    assert_eq!(js_sys::Array::from(&padding).length(), 3);
    let flops = dataset
        .flops(request(
            r#"{"model": "bert-base", "packing": [{"algorithm": "lpfhp", "packs": 40000}]}"#,
        ))
        .expect("FLOPs");
    assert_eq!(js_sys::Array::from(&field(&flops, "packing")).length(), 1);
    let points = dataset
        .max_len_sweep(request(r#"{"algorithms": ["lpfhp"], "overlong": "error"}"#))
        .expect("a max_len sweep");
    assert!(js_sys::Array::from(&points).length() >= 2);
}

#[wasm_bindgen_test]
fn the_page_writes_max_per_pack_as_a_number_a_name_or_null() {
    let mut dataset = Dataset::from_preset("qa-finetuning-384").expect("a known preset");
    let limits_of = |dataset: &mut Dataset, setting: JsValue| -> Vec<Option<u32>> {
        ["lpfhp", "nnlshp"]
            .into_iter()
            .map(|algorithm| {
                let request = js_sys::Object::new();
                Reflect::set(
                    &request,
                    &JsValue::from_str("algorithm"),
                    &JsValue::from_str(algorithm),
                )
                .expect("an object");
                // Absent (undefined here) means the default, as on the command line.
                if !setting.is_undefined() {
                    Reflect::set(&request, &JsValue::from_str("max_per_pack"), &setting)
                        .expect("an object");
                }
                let answer = dataset.report(request.into()).expect("a report");
                let answer: AlgorithmReport =
                    serde_wasm_bindgen::from_value(answer).expect("an answer");
                answer.report.max_per_pack
            })
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
    for bad in [r#""0""#, "0", r#""deep""#] {
        let message = error_message(
            dataset
                .report(request(&format!(
                    r#"{{"algorithm": "lpfhp", "max_per_pack": {bad}}}"#
                )))
                .expect_err("refused"),
        );
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
    let before = dataset.summary(request("{}")).expect("a summary");
    let after = restored.summary(request("{}")).expect("a summary");
    let before: DataSummary = serde_wasm_bindgen::from_value(before).expect("a summary");
    let after: DataSummary = serde_wasm_bindgen::from_value(after).expect("a summary");
    assert_eq!(before, after);
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
    type Question = fn(&mut Dataset, JsValue) -> Result<JsValue, wasm_bindgen::JsError>;
    let questions: [(&str, Question); 4] = [
        ("summary", Dataset::summary),
        ("report", Dataset::report),
        ("sweep", Dataset::sweep),
        ("bound", Dataset::lp_bound),
    ];
    for bad in [
        r#"{"max_len": 0, "algorithm": "spfhp", "algorithms": ["spfhp"], "depths": [1]}"#,
        r#"{"max_len": 99999999999, "algorithm": "spfhp", "algorithms": ["spfhp"], "depths": [1]}"#,
        r#"{"overlong": "error", "max_len": 100, "algorithm": "spfhp", "algorithms": ["spfhp"], "depths": [1]}"#,
        r#"{"algorithm": "magic", "algorithms": ["magic"], "depths": [1]}"#,
    ] {
        for (name, ask) in questions {
            if matches!(name, "summary" | "bound") && bad.contains("magic") {
                continue; // these questions read no algorithm
            }
            let error = ask(&mut dataset, request(bad))
                .err()
                .unwrap_or_else(|| panic!("{name}: {bad} is refused"));
            assert!(!error_message(error).is_empty(), "{name}: {bad}");
        }
    }
    let message = error_message(
        dataset
            .report(request(r#"{"algorithm": "spfhp", "max_per_pack": 0}"#))
            .expect_err("a limit of 0 is refused"),
    );
    assert!(message.contains("max_per_pack"), "{message}");
    assert!(Dataset::from_preset("no-such-preset").is_err());
    assert!(Dataset::new().summary(JsValue::UNDEFINED).is_err());
    assert!(Dataset::new().summary(request("{}")).is_err());
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

#[wasm_bindgen_test]
fn trainers_and_their_defaults_are_the_libraries() {
    use packlab::trainers::{Trainer, DEFAULT_BATCH_SIZE, DEFAULT_MAP_BATCH_ROWS};
    let list = js_sys::Array::from(&trainers().expect("trainers"));
    let names: Vec<String> = list
        .iter()
        .map(|entry| field(&entry, "name").as_string().unwrap())
        .collect();
    let expected: Vec<&str> = Trainer::ALL.iter().map(|t| t.name()).collect();
    assert_eq!(names, expected);
    let nemo = list
        .iter()
        .find(|entry| field(entry, "name").as_string().as_deref() == Some("nemo-ffs"))
        .expect("NeMo is listed");
    assert_eq!(field(&nemo, "default_seed").as_f64(), Some(1234.0));
    assert_eq!(field(&nemo, "reads_in_order").as_bool(), Some(false));
    assert_eq!(field(&list.get(0), "reads_in_order").as_bool(), Some(true));

    // What the page starts its trainer settings at: the CLI's defaults.
    let defaults = trainer_defaults().expect("defaults");
    assert_eq!(
        field(&defaults, "order").as_string().as_deref(),
        Some("as-given")
    );
    assert!(field(&defaults, "seed").is_null());
    assert_eq!(
        field(&defaults, "map_batch_rows").as_f64(),
        Some(f64::from(DEFAULT_MAP_BATCH_ROWS))
    );
    assert_eq!(
        field(&defaults, "batch_size").as_f64(),
        Some(f64::from(DEFAULT_BATCH_SIZE))
    );
    assert_eq!(
        field(&defaults, "packing_ratio").as_string().as_deref(),
        Some("auto")
    );
}
