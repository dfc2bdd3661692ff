//! The page's charts, drawn in a real browser through the functions the page
//! calls (`drawChart`, `chartSvg`): every chart draws for a realistic
//! dataset and for odd ones, says what is missing when a field is absent,
//! and writes the labels a user reads.
//!
//! Run with `cargo test --target wasm32-unknown-unknown --no-default-features
//! --test wasm_charts` (headless Chrome through chromedriver).
#![cfg(all(target_arch = "wasm32", not(feature = "files-module")))]

use packlab::analysis::{
    Analyser, Analysis, AnalysisRequest, HistogramBins, MaxLenSweepRequest, ModelChoice,
    PlanRequest, RowSettings, StepBalance, StepBalanceRequest, SweepLine,
};
use packlab::flops::ModelPreset;
use packlab::step_balance::StepShape;
use packlab::wasm::{chart_svg, draw_chart};
use packlab::{Algorithm, LengthCounts, MaxPerPack, Preset};
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::HtmlCanvasElement;

wasm_bindgen_test_configure!(run_in_browser);

const KINDS: [&str; 7] = [
    "histogram",
    "comparison",
    "sweep",
    "anatomy",
    "mask",
    "max-len-sweep",
    "step-balance",
];

/// What the page holds about one dataset: its analysis, and one plan laid
/// out in training steps across GPUs (the "Across GPUs" section), handed
/// to the charts as one object.
#[derive(Serialize)]
struct Answers {
    #[serde(flatten)]
    analysis: Analysis,
    step_balance: StepBalance,
}

/// The dataset of `analyser` packed by `algorithm` at `max_len` and laid
/// out in steps of `world_size` GPUs, one pack each a step, its work
/// weighed for BERT-base: the page's question, with the first 200 steps
/// listed.
fn steps(
    analyser: &mut Analyser,
    max_len: Option<u64>,
    algorithm: Algorithm,
    world_size: u32,
) -> StepBalance {
    analyser
        .step_balance(&StepBalanceRequest {
            plan: PlanRequest {
                rows: RowSettings {
                    max_len,
                    ..RowSettings::default()
                },
                algorithm,
                max_per_pack: MaxPerPack::AlgorithmDefault,
                bucket_tokens: None,
            },
            shape: StepShape {
                world_size,
                micro_batch: 1,
                grad_accum: 1,
            },
            model: ModelChoice::Preset(ModelPreset::BertBase),
            seed: 0,
            epoch: 0,
            chart_steps: 200,
        })
        .unwrap()
}

/// The default preset analysed as the page does: every algorithm (nnlshp
/// at its usual depth of 3), a short sweep, a closer look at lpfhp, the
/// fast packers swept over max_len, and lpfhp's packs across 8 GPUs.
fn realistic() -> Answers {
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
    let mut analyser = Analyser::new(counts, Box::new(|| 0.0));
    let mut analysis = analyser.analyse(&request).unwrap();
    // nnlshp as the page shows it while its sweep is still running: a
    // report at depth 3 and only the first depths of the sweep.
    let nnlshp = AnalysisRequest {
        algorithms: vec![Algorithm::Nnlshp],
        max_per_pack: MaxPerPack::AtMost(3),
        sweep_depths: vec![Some(1), Some(2)],
        ..AnalysisRequest::default()
    };
    let mut partial = analyser.analyse(&nnlshp).unwrap();
    analysis.reports.insert(3, partial.reports.remove(0));
    analysis.sweep.insert(3, partial.sweep.remove(0));
    let step_balance = steps(&mut analyser, None, Algorithm::Lpfhp, 8);
    Answers {
        analysis,
        step_balance,
    }
}

/// A small dataset at `max_len`, with a closer look at bfd, a max_len
/// sweep, and bfd's packs across 2 GPUs (a few steps at most).
fn small(lengths: &[(u64, u64)], max_len: u64) -> Answers {
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
    let mut analyser = Analyser::new(counts, Box::new(|| 0.0));
    let analysis = analyser.analyse(&request).unwrap();
    let step_balance = steps(&mut analyser, Some(max_len), Algorithm::Bfd, 2);
    Answers {
        analysis,
        step_balance,
    }
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
        // The whole `StepBalance` answer.
        "step-balance" => get("step_balance"),
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

    let steps = svg("step-balance", &data, 900, 400);
    assert!(
        steps.contains("shuffled (as trainers take packs): mean +"),
        "{steps}"
    );
    assert!(steps.contains("balanced (Packlab): mean +"));
    assert!(steps.contains("slowest GPU over the step&apos;s mean"));
    // Only the first steps are listed: the axis says how many of the epoch's.
    assert!(steps.contains("step (the first 200 of "), "{steps}");
}

#[wasm_bindgen_test]
fn lengths_past_max_len_are_counted() {
    let answers = small(&[(3, 10), (5, 4), (9, 3), (14, 2)], 8);
    let histogram = svg("histogram", &to_js(&answers), 600, 300);
    assert!(histogram.contains("max_len 8"));
    assert!(histogram.contains("past max_len: 5"), "{histogram}");
}

#[wasm_bindgen_test]
fn a_max_len_of_one_still_draws() {
    // Every sequence is one token after truncation: one bin, one sequence
    // per pack, a mask of a single cell.
    let answers = small(&[(1, 7), (3, 2)], 1);
    assert_eq!(answers.analysis.histogram.max_len, 1);
    draws_everywhere(&to_js(&answers));
}

#[wasm_bindgen_test]
fn a_single_bin_draws() {
    let mut answers = small(&[(4, 3)], 4);
    answers.analysis.histogram = HistogramBins {
        bin_width: 4,
        counts: vec![3],
        max_len: 4,
        range_end: 4,
    };
    let histogram = svg("histogram", &to_js(&answers), 400, 300);
    assert!(histogram.contains("max_len 4"));
}

#[wasm_bindgen_test]
fn the_mask_of_a_long_row_draws() {
    let answers = small(&[(5000, 3), (20_000, 1), (7000, 2), (1, 1)], 32_768);
    let detail = answers.analysis.detail.as_ref().unwrap();
    assert_eq!(detail.report.max_len, 32_768);
    assert!(detail.example.len() > 1);
    let data = to_js(&answers);
    draws_everywhere(&data);
    let mask = svg("mask", &data, 1200, 500);
    assert!(mask.contains("max_len 32,768"), "{mask}");
    // Downsampled: the mask is a few rectangles, not one per token pair.
    assert!(mask.len() < 200_000, "{} bytes of SVG", mask.len());
}

#[wasm_bindgen_test]
fn nothing_to_draw_says_so() {
    let mut answers = realistic();
    answers.analysis.reports.clear();
    answers.analysis.sweep.clear();
    answers.analysis.max_len_sweep.clear();
    let data = to_js(&answers);
    assert!(svg("comparison", &data, 600, 300).contains("No algorithms selected"));
    assert!(svg("sweep", &data, 600, 300).contains("No algorithms selected"));
    assert!(svg("max-len-sweep", &data, 600, 300).contains("No max_len sweep yet"));

    let mut answers = realistic();
    for point in &mut answers.analysis.max_len_sweep {
        point.results.clear();
    }
    assert!(svg("max-len-sweep", &to_js(&answers), 600, 300).contains("No algorithms selected"));

    let mut answers = realistic();
    for line in &mut answers.analysis.sweep {
        line.points.clear();
    }
    if let Some(detail) = answers.analysis.detail.as_mut() {
        detail.example.clear();
    }
    answers.analysis.histogram.counts.clear();
    let data = to_js(&answers);
    assert!(svg("sweep", &data, 600, 300).contains("No sweep results yet"));
    assert!(svg("mask", &data, 600, 300).contains("No example pack"));
    assert!(svg("histogram", &data, 600, 300).contains("No sequences"));

    // Fewer packs than one step takes: no whole step across the GPUs.
    let answers = small(&[(4, 1)], 4);
    assert_eq!(answers.step_balance.shuffled.steps, 0);
    assert!(answers.step_balance.balanced.quantiles.is_empty());
    assert!(svg("step-balance", &to_js(&answers), 600, 300).contains("No whole step"));
}

#[wasm_bindgen_test]
fn a_missing_field_is_named() {
    let empty = to_js(&serde_json::json!({}));
    for (kind, field) in [
        ("histogram", "histogram"),
        ("anatomy", "report"),
        ("mask", "report"),
        ("step-balance", "algorithm"),
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
    let text = message(error);
    assert!(text.contains("unknown chart"));
    assert!(text.contains("step-balance"), "{text}");

    // The steps across GPUs without one of their fields, the step's shape
    // flattened in among them.
    let answer = to_js(&realistic().step_balance);
    for field in ["balanced", "world_size"] {
        let partial = js_sys::Object::assign(&js_sys::Object::new(), &answer.clone().into());
        js_sys::Reflect::delete_property(&partial, &JsValue::from_str(field)).unwrap();
        let error =
            chart_svg("step-balance", partial.into(), JsValue::NULL, 400, 300).expect_err(field);
        let text = message(error);
        assert!(text.contains(field), "{field}: {text}");
        assert!(text.contains("the step-balance chart"), "{text}");
    }
}

#[wasm_bindgen_test]
fn odd_figures_do_not_break_a_chart() {
    let mut answers = realistic();
    for report in &mut answers.analysis.reports {
        report.efficiency = f64::NAN;
        report.speedup = f64::INFINITY;
        report.speedup_limit = f64::NAN;
        report.packs = 0;
    }
    if let Some(report) = answers.analysis.reports.first_mut() {
        report.efficiency = 7.5; // beyond 100%: drawn at 100%
    }
    for line in &mut answers.analysis.sweep {
        for point in &mut line.points {
            point.efficiency = f64::NAN;
        }
    }
    answers.analysis.sweep.push(SweepLine {
        algorithm: Algorithm::Bfd,
        points: Vec::new(),
    });
    for count in &mut answers.analysis.histogram.counts {
        *count = count.saturating_mul(10_000_000);
    }
    for (index, point) in answers.analysis.max_len_sweep.iter_mut().enumerate() {
        point.tokens_lost_fraction = if index == 0 { f64::NAN } else { 3.0 };
        for result in &mut point.results {
            result.efficiency = f64::INFINITY;
            result.relative_compute = if index == 1 { f64::NAN } else { 1e300 };
        }
    }
    answers.analysis.histogram.bin_width = 0;
    if let Some(detail) = answers.analysis.detail.as_mut() {
        detail.report.sequences_per_pack = vec![1_000_000_000_000, 0, 3];
        detail.report.pack_fill = vec![5];
        detail.report.mean_sequences_per_pack = f64::NAN;
        detail.example = vec![0, 300, 300];
    }
    let steps = &mut answers.step_balance;
    steps.shuffled.first_steps = vec![
        f64::NAN,
        f64::INFINITY,
        1e300,
        -3.0,
        0.5,
        1.25,
        f64::NEG_INFINITY,
        f64::MAX,
    ];
    steps.shuffled.mean_slowest_over_mean = f64::INFINITY;
    steps.balanced.first_steps = vec![1.0];
    steps.balanced.mean_slowest_over_mean = f64::NAN;
    // The most packs JavaScript counts exactly, and a shape of no GPUs.
    steps.packs = (1 << 53) - 1;
    steps.shape.world_size = 0;
    draws_everywhere(&to_js(&answers));

    // No packs at all: the anatomy says so.
    if let Some(detail) = answers.analysis.detail.as_mut() {
        detail.report.packs = 0;
    }
    assert!(svg("anatomy", &to_js(&answers), 600, 300).contains("No packs"));
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
    let answers = small(&[(4, 3)], 4);
    assert_eq!(
        answers.analysis.max_len_sweep.len(),
        1,
        "{:?}",
        answers.analysis.max_len_sweep
    );
    let data = to_js(&answers);
    draws_everywhere(&data);
    assert!(svg("max-len-sweep", &data, 600, 400).contains("current max_len"));
}

/// Three packs on 2 GPUs are one whole step: it is drawn (a line of one
/// point shows as its marker), with the whole epoch on the axis. One order
/// without steps leaves the other drawn; figures that are not numbers are
/// left out, and when none is left the chart says so.
#[wasm_bindgen_test]
fn steps_across_gpus_draw_from_a_single_step() {
    let answers = small(&[(4, 3)], 4);
    let steps = &answers.step_balance;
    assert_eq!((steps.shuffled.steps, steps.balanced.steps), (1, 1));
    assert_eq!(steps.shuffled.first_steps.len(), 1);
    let drawn = svg("step-balance", &to_js(&answers), 600, 300);
    assert!(drawn.contains("balanced (Packlab)"), "{drawn}");
    assert!(drawn.contains("<circle"), "{drawn}");
    assert!(!drawn.contains("the first"), "{drawn}");

    let mut answers = realistic();
    answers.step_balance.balanced.first_steps.clear();
    let drawn = svg("step-balance", &to_js(&answers), 600, 300);
    assert!(
        drawn.contains("shuffled (as trainers take packs)"),
        "{drawn}"
    );
    answers.step_balance.shuffled.first_steps = vec![f64::NAN; 3];
    let drawn = svg("step-balance", &to_js(&answers), 600, 300);
    assert!(drawn.contains("No whole step"), "{drawn}");
}
