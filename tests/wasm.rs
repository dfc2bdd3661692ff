//! The WebAssembly boundary as the page's workers call it, run in Node by
//! wasm-bindgen's test runner:
//! `cargo test --target wasm32-unknown-unknown --no-default-features --test wasm`.
#![cfg(all(target_arch = "wasm32", not(feature = "files-module")))]

#[path = "common/js.rs"]
mod js;

use js_sys::{BigUint64Array, Reflect};
use packlab::analysis::{Analysis, AnalysisRequest};
use packlab::wasm::{algorithms, presets, Dataset};
use packlab::{pack, Algorithm, Histogram, MaxPerPack, OverlongPolicy, Preset, Report};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use js::{error_message, field, to_js};

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
