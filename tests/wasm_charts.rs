//! The page's charts, drawn in a real browser through the functions the page
//! calls (`drawChart`, `chartSvg`): every chart draws for a realistic
//! dataset and for odd ones, says what is missing when a field is absent,
//! and writes the labels a user reads.
//!
//! Run with `cargo test --target wasm32-unknown-unknown --no-default-features
//! --test wasm_charts` (headless Chrome through chromedriver).
#![cfg(all(target_arch = "wasm32", not(feature = "files-module")))]

use packlab::analysis::{
    analyse, Analysis, AnalysisRequest, HistogramBins, MaxLenSweepRequest, SweepLine,
};
use packlab::wasm::{chart_svg, draw_chart};
use packlab::{Algorithm, LengthCounts, MaxPerPack, Preset};
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::HtmlCanvasElement;

wasm_bindgen_test_configure!(run_in_browser);

const KINDS: [&str; 6] = [
    "histogram",
    "comparison",
    "sweep",
    "anatomy",
    "mask",
    "max-len-sweep",
];

/// The default preset analysed as the page does: every algorithm (nnlshp
/// at its usual depth of 3), a short sweep, a closer look at lpfhp, and the
/// fast packers swept over max_len.
fn realistic() -> Analysis {
    let counts = Preset::QaFinetuning384.generate();
    let others: Vec<Algorithm> = Algorithm::ALL
        .into_iter()
        .filter(|algorithm| *algorithm != Algorithm::Nnlshp)
        .collect();
    let request = AnalysisRequest {
        algorithms: others,
        sweep_depths: vec![Some(1), Some(2), Some(3), Some(4), None],
        detail_algorithm: Some(Algorithm::Lpfhp),
        max_per_pack: MaxPerPack::AtMost(3),
        max_len_sweep: Some(MaxLenSweepRequest {
            algorithms: vec![
                Algorithm::None,
                Algorithm::Spfhp,
                Algorithm::Lpfhp,
                Algorithm::Bfd,
            ],
            extra_max_lens: vec![1000],
        }),
        ..AnalysisRequest::default()
    };
    let mut analysis = analyse(&counts, &request).unwrap();
    // nnlshp as the page shows it while its sweep is still running: a
    // report at depth 3 and only the first depths of the sweep.
    let nnlshp = AnalysisRequest {
        algorithms: vec![Algorithm::Nnlshp],
        max_per_pack: MaxPerPack::AtMost(3),
        sweep_depths: vec![Some(1), Some(2)],
        ..AnalysisRequest::default()
    };
    let mut partial = analyse(&counts, &nnlshp).unwrap();
    analysis.reports.insert(3, partial.reports.remove(0));
    analysis.sweep.insert(3, partial.sweep.remove(0));
    analysis
}

/// A small dataset at `max_len`, with a closer look at bfd and a max_len
/// sweep.
fn small(lengths: &[(u64, u64)], max_len: u64) -> Analysis {
    let mut counts = LengthCounts::new();
    for &(length, count) in lengths {
        counts.add(length, count).unwrap();
    }
    let request = AnalysisRequest {
        max_len: Some(max_len),
        algorithms: vec![Algorithm::None, Algorithm::Bfd],
        sweep_depths: vec![Some(1), None],
        detail_algorithm: Some(Algorithm::Bfd),
        max_len_sweep: Some(MaxLenSweepRequest {
            algorithms: vec![Algorithm::None, Algorithm::Bfd],
            extra_max_lens: Vec::new(),
        }),
        ..AnalysisRequest::default()
    };
    analyse(&counts, &request).unwrap()
}

fn to_js<T: Serialize>(value: &T) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap()
}

/// The piece of an analysis a `kind` chart draws, as the page hands it over.
fn piece(kind: &str, analysis: &JsValue) -> JsValue {
    let get = |name: &str| js_sys::Reflect::get(analysis, &JsValue::from_str(name)).unwrap();
    let object = |fields: &[(&str, JsValue)]| -> JsValue {
        let object = js_sys::Object::new();
        for (name, value) in fields {
            js_sys::Reflect::set(&object, &JsValue::from_str(name), value).unwrap();
        }
        object.into()
    };
    match kind {
        // A `DataSummary` and `{reports}`: the analysis holds both.
        "histogram" | "comparison" => analysis.clone(),
        "sweep" => object(&[("lines", get("sweep")), ("reports", get("reports"))]),
        "anatomy" | "mask" => get("detail"),
        "max-len-sweep" => object(&[
            ("points", get("max_len_sweep")),
            ("max_len", get("max_len")),
        ]),
        other => panic!("no chart {other}"),
    }
}

fn options(dark: bool, pixel_ratio: f64) -> JsValue {
    to_js(&serde_json::json!({ "dark": dark, "pixel_ratio": pixel_ratio }))
}

fn canvas(width: u32, height: u32) -> HtmlCanvasElement {
    let canvas: HtmlCanvasElement = web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .create_element("canvas")
        .unwrap()
        .dyn_into()
        .unwrap();
    canvas.set_width(width);
    canvas.set_height(height);
    canvas
}

/// The message of a failed call, as the page would show it.
fn message(error: wasm_bindgen::JsError) -> String {
    let value = JsValue::from(error);
    js_sys::Reflect::get(&value, &JsValue::from_str("message"))
        .unwrap()
        .as_string()
        .unwrap()
}

/// The `kind` chart of an analysis, as SVG.
fn svg(kind: &str, analysis: &JsValue, width: u32, height: u32) -> String {
    chart_svg(
        kind,
        piece(kind, analysis),
        options(false, 1.0),
        width,
        height,
    )
    .unwrap_or_else(|error| panic!("{kind}: {}", message(error)))
}

fn draws_everywhere(data: &JsValue) {
    for kind in KINDS {
        for (width, height, pixel_ratio) in [(1200, 450, 1.0), (720, 600, 2.0), (320, 240, 1.0)] {
            for dark in [false, true] {
                draw_chart(
                    canvas(width, height),
                    kind,
                    piece(kind, data),
                    options(dark, pixel_ratio),
                )
                .unwrap_or_else(|error| panic!("{kind} {width}×{height}: {}", message(error)));
            }
        }
        svg(kind, data, 640, 360);
    }
}

#[wasm_bindgen_test]
fn every_chart_draws_a_realistic_analysis() {
    draws_everywhere(&to_js(&realistic()));
}

/// Each chart reads its own data: a piece of the page's answers. Extra
/// fields are ignored (the page may hand over a whole answer); a missing
/// one the chart needs is named, with the chart.
#[wasm_bindgen_test]
fn each_chart_reads_its_own_piece() {
    let analysis = to_js(&realistic());
    for kind in KINDS {
        // The bare piece draws the same chart as the piece inside more.
        let bare = piece(kind, &analysis);
        let wrapped = js_sys::Object::assign(&js_sys::Object::new(), &bare.clone().into());
        js_sys::Reflect::set(
            &wrapped,
            &JsValue::from_str("unrelated"),
            &JsValue::from_f64(1.0),
        )
        .unwrap();
        assert_eq!(
            chart_svg(kind, bare, options(false, 1.0), 640, 360)
                .unwrap_or_else(|e| panic!("{kind}: {}", message(e))),
            chart_svg(kind, wrapped.into(), options(false, 1.0), 640, 360)
                .unwrap_or_else(|e| panic!("{kind}: {}", message(e))),
            "{kind}"
        );
    }
}

#[wasm_bindgen_test]
fn charts_write_the_labels_users_read() {
    let data = to_js(&realistic());
    let histogram = svg("histogram", &data, 900, 400);
    assert!(histogram.contains("max_len 384"), "{histogram}");
    assert!(histogram.contains("median"));
    assert!(histogram.contains("sequence length (tokens)"));

    let comparison = svg("comparison", &data, 900, 400);
    for algorithm in Algorithm::ALL {
        assert!(
            comparison.contains(algorithm.name()),
            "{}",
            algorithm.name()
        );
    }
    assert!(comparison.contains("packs"));
    assert!(comparison.contains("speed-up limit"));
    assert!(comparison.contains("1.00×"), "no packing is no speed-up");

    let sweep = svg("sweep", &data, 900, 400);
    assert!(sweep.contains('∞'));
    assert!(sweep.contains("speed-up"));
    assert!(sweep.contains("efficiency"));
    assert!(sweep.contains("nnlshp"));
    assert!(!sweep.contains("Your trainer"));

    // The user's trainer, a dashed level with its name and efficiency.
    let with_trainer = piece("sweep", &data);
    let level = to_js(&serde_json::json!({"label": "Your trainer (TRL)", "efficiency": 0.9741}));
    js_sys::Reflect::set(&with_trainer, &JsValue::from_str("trainer"), &level).unwrap();
    let sweep = chart_svg("sweep", with_trainer, options(false, 1.0), 900, 400)
        .unwrap_or_else(|error| panic!("sweep with a trainer: {}", message(error)));
    assert!(sweep.contains("Your trainer (TRL) 97.4%"), "{sweep}");

    let anatomy = svg("anatomy", &data, 900, 400);
    assert!(anatomy.contains("Sequences per pack"));
    assert!(anatomy.contains("How full packs are"));

    let max_len = svg("max-len-sweep", &data, 900, 500);
    assert!(max_len.contains("max_len (tokens, log scale)"), "{max_len}");
    assert!(max_len.contains("current max_len"));
    assert!(max_len.contains("compute vs. padding"));
    assert!(max_len.contains("tokens lost past max_len"));
    assert!(max_len.contains("efficiency"));
    assert!(max_len.contains("512"));
    for algorithm in [
        Algorithm::None,
        Algorithm::Spfhp,
        Algorithm::Lpfhp,
        Algorithm::Bfd,
    ] {
        assert!(max_len.contains(algorithm.name()), "{}", algorithm.name());
    }
    // The requested length is drawn: the axis reaches past 1000.
    assert!(max_len.contains("1024"), "{max_len}");

    let mask = svg("mask", &data, 900, 400);
    assert!(mask.contains("query token"));
    assert!(mask.contains("key token"));
    assert!(mask.contains("Position ids"));
    assert!(mask.contains("max_len 384"));
}

#[wasm_bindgen_test]
fn lengths_past_max_len_are_counted() {
    let analysis = small(&[(3, 10), (5, 4), (9, 3), (14, 2)], 8);
    let histogram = svg("histogram", &to_js(&analysis), 600, 300);
    assert!(histogram.contains("max_len 8"));
    assert!(histogram.contains("past max_len: 5"), "{histogram}");
}

#[wasm_bindgen_test]
fn a_max_len_of_one_still_draws() {
    // Every sequence is one token after truncation: one bin, one sequence
    // per pack, a mask of a single cell.
    let analysis = small(&[(1, 7), (3, 2)], 1);
    assert_eq!(analysis.histogram.max_len, 1);
    draws_everywhere(&to_js(&analysis));
}

#[wasm_bindgen_test]
fn a_single_bin_draws() {
    let mut analysis = small(&[(4, 3)], 4);
    analysis.histogram = HistogramBins {
        bin_width: 4,
        counts: vec![3],
        max_len: 4,
        range_end: 4,
    };
    let histogram = svg("histogram", &to_js(&analysis), 400, 300);
    assert!(histogram.contains("max_len 4"));
}

#[wasm_bindgen_test]
fn the_mask_of_a_long_row_draws() {
    let analysis = small(&[(5000, 3), (20_000, 1), (7000, 2), (1, 1)], 32_768);
    let detail = analysis.detail.as_ref().unwrap();
    assert_eq!(detail.report.max_len, 32_768);
    assert!(detail.example.len() > 1);
    let data = to_js(&analysis);
    draws_everywhere(&data);
    let mask = svg("mask", &data, 1200, 500);
    assert!(mask.contains("max_len 32,768"), "{mask}");
    // Downsampled: the mask is a few rectangles, not one per token pair.
    assert!(mask.len() < 200_000, "{} bytes of SVG", mask.len());
}

#[wasm_bindgen_test]
fn nothing_to_draw_says_so() {
    let mut analysis = realistic();
    analysis.reports.clear();
    analysis.sweep.clear();
    analysis.max_len_sweep.clear();
    let data = to_js(&analysis);
    assert!(svg("comparison", &data, 600, 300).contains("No algorithms selected"));
    assert!(svg("sweep", &data, 600, 300).contains("No algorithms selected"));
    assert!(svg("max-len-sweep", &data, 600, 300).contains("No max_len sweep yet"));

    let mut analysis = realistic();
    for point in &mut analysis.max_len_sweep {
        point.results.clear();
    }
    assert!(svg("max-len-sweep", &to_js(&analysis), 600, 300).contains("No algorithms selected"));

    let mut analysis = realistic();
    for line in &mut analysis.sweep {
        line.points.clear();
    }
    if let Some(detail) = analysis.detail.as_mut() {
        detail.example.clear();
    }
    analysis.histogram.counts.clear();
    let data = to_js(&analysis);
    assert!(svg("sweep", &data, 600, 300).contains("No sweep results yet"));
    assert!(svg("mask", &data, 600, 300).contains("No example pack"));
    assert!(svg("histogram", &data, 600, 300).contains("No sequences"));
}

#[wasm_bindgen_test]
fn a_missing_field_is_named() {
    let empty = to_js(&serde_json::json!({}));
    for (kind, field) in [
        ("histogram", "histogram"),
        ("anatomy", "report"),
        ("mask", "report"),
    ] {
        let error =
            draw_chart(canvas(400, 300), kind, empty.clone(), JsValue::UNDEFINED).expect_err(kind);
        let text = message(error);
        assert!(text.contains(field), "{kind}: {text}");
        assert!(
            text.contains(&format!("the {kind} chart")),
            "{kind}: {text}"
        );
        let error = chart_svg(kind, empty.clone(), JsValue::NULL, 400, 300).expect_err(kind);
        assert!(message(error).contains(field));
    }
    // Without reports or a sweep there is simply nothing to compare.
    for (kind, nothing) in [
        ("comparison", "No algorithms selected"),
        ("sweep", "No algorithms selected"),
        ("max-len-sweep", "No max_len sweep yet"),
    ] {
        let drawn = chart_svg(kind, empty.clone(), JsValue::NULL, 400, 300)
            .unwrap_or_else(|error| panic!("{kind}: {}", message(error)));
        assert!(drawn.contains(nothing), "{kind}");
    }
    let error = draw_chart(canvas(10, 10), "pie", empty, JsValue::UNDEFINED).unwrap_err();
    assert!(message(error).contains("unknown chart"));
}

#[wasm_bindgen_test]
fn odd_figures_do_not_break_a_chart() {
    let mut analysis = realistic();
    for report in &mut analysis.reports {
        report.efficiency = f64::NAN;
        report.speedup = f64::INFINITY;
        report.speedup_limit = f64::NAN;
        report.packs = 0;
    }
    if let Some(report) = analysis.reports.first_mut() {
        report.efficiency = 7.5; // beyond 100%: drawn at 100%
    }
    for line in &mut analysis.sweep {
        for point in &mut line.points {
            point.efficiency = f64::NAN;
        }
    }
    analysis.sweep.push(SweepLine {
        algorithm: Algorithm::Bfd,
        points: Vec::new(),
    });
    for count in &mut analysis.histogram.counts {
        *count = count.saturating_mul(10_000_000);
    }
    for (index, point) in analysis.max_len_sweep.iter_mut().enumerate() {
        point.tokens_lost_fraction = if index == 0 { f64::NAN } else { 3.0 };
        for result in &mut point.results {
            result.efficiency = f64::INFINITY;
            result.relative_compute = if index == 1 { f64::NAN } else { 1e300 };
        }
    }
    analysis.histogram.bin_width = 0;
    if let Some(detail) = analysis.detail.as_mut() {
        detail.report.sequences_per_pack = vec![1_000_000_000_000, 0, 3];
        detail.report.pack_fill = vec![5];
        detail.report.mean_sequences_per_pack = f64::NAN;
        detail.example = vec![0, 300, 300];
    }
    draws_everywhere(&to_js(&analysis));

    // No packs at all: the anatomy says so.
    if let Some(detail) = analysis.detail.as_mut() {
        detail.report.packs = 0;
    }
    assert!(svg("anatomy", &to_js(&analysis), 600, 300).contains("No packs"));
}

#[wasm_bindgen_test]
fn tiny_and_empty_canvases_are_fine() {
    let data = to_js(&realistic());
    for kind in KINDS {
        for (width, height) in [(0, 0), (1, 1), (40, 30), (119, 400)] {
            draw_chart(
                canvas(width, height),
                kind,
                piece(kind, &data),
                JsValue::UNDEFINED,
            )
            .unwrap_or_else(|error| panic!("{kind} {width}×{height}: {}", message(error)));
            chart_svg(kind, piece(kind, &data), JsValue::UNDEFINED, width, height)
                .unwrap_or_else(|error| panic!("{kind} {width}×{height}: {}", message(error)));
        }
    }
}

#[wasm_bindgen_test]
fn a_max_len_sweep_of_one_length_draws() {
    // Every candidate is the same length: the axis still has a width.
    let analysis = small(&[(4, 3)], 4);
    assert_eq!(
        analysis.max_len_sweep.len(),
        1,
        "{:?}",
        analysis.max_len_sweep
    );
    let data = to_js(&analysis);
    draws_everywhere(&data);
    assert!(svg("max-len-sweep", &data, 600, 400).contains("current max_len"));
}
