//! The page's engine: its exports for the workers (a `Dataset` and its
//! analyses) and for the main thread (presets, algorithms, models and
//! charts). Reading files is the file engine's ([`super::files`]).

use js_sys::BigUint64Array;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

use super::{compact_form, from_js, now_ms, to_js};
use crate::analysis::{analyse, AnalysisError, AnalysisRequest};
use crate::charts::{self, ChartKind, ChartOptions};
use crate::flops::{ModelPreset, ModelShape};
use crate::histogram::{Histogram, HistogramError, LengthCounts};
use crate::numbers::thousands;
use crate::plan::PackGroup;
use crate::presets::Preset;
use crate::report::Report;
use crate::{
    pack_cached, Algorithm, MaxPerPack, OverlongOutcome, OverlongPolicy, PackOptions, SolutionCache,
};

/// Why an analysis failed, in the page's words: the engine's messages name
/// the command line's options (`--max-len`), which the page calls by the
/// names of its settings.
fn analysis_message(error: &AnalysisError) -> String {
    let histogram = match error {
        AnalysisError::Histogram(error) => error,
        other => return other.to_string(),
    };
    match *histogram {
        HistogramError::Overlong {
            max_len,
            count,
            longest,
        } => format!(
            "{} {} longer than max_len {} (the longest has {} tokens). \
             Raise max_len to {} or more, or choose Truncate or Drop under “Sequences over max_len”.",
            sequences(count),
            if count == 1 { "is" } else { "are" },
            thousands(u64::from(max_len)),
            thousands(longest),
            thousands(longest),
        ),
        HistogramError::AllDropped { max_len, dropped } => format!(
            "All {} are longer than max_len {} and were dropped, which leaves nothing to pack. \
             Raise max_len, or choose Truncate under “Sequences over max_len”.",
            sequences(dropped),
            thousands(u64::from(max_len)),
        ),
        HistogramError::MaxLenTooLarge { max_len, limit } => format!(
            "max_len {} is more than Packlab supports ({}): choose a smaller max_len.",
            thousands(max_len),
            thousands(u64::from(limit)),
        ),
        ref other => other.to_string(),
    }
}

/// "1 sequence", "2,038 sequences".
fn sequences(count: u64) -> String {
    let noun = if count == 1 { "sequence" } else { "sequences" };
    format!("{} {noun}", thousands(count))
}

/// A dataset: counts of sequence lengths, merged from files or a preset.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Dataset {
    counts: LengthCounts,
    /// NNLSHP's solutions on this dataset's histograms, kept between calls
    /// (a sweep asks for one setting at a time).
    solutions: SolutionCache,
}

/// Public methods, exported to JavaScript.
#[wasm_bindgen]
impl Dataset {
    /// An empty dataset.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Dataset {
        Dataset {
            counts: LengthCounts::new(),
            solutions: SolutionCache::new(),
        }
    }

    /// A synthetic preset by name (see `presets()`).
    #[wasm_bindgen(js_name = fromPreset)]
    pub fn from_preset(name: &str) -> Result<Dataset, JsError> {
        let preset = Preset::from_name(name).ok_or_else(|| {
            let known: Vec<&str> = Preset::ALL.iter().map(|preset| preset.name()).collect();
            JsError::new(&format!(
                "unknown preset `{name}`: use one of {}",
                known.join(", ")
            ))
        })?;
        Ok(Dataset {
            counts: preset.generate(),
            solutions: SolutionCache::new(),
        })
    }

    /// A dataset from its compact form (see `pairs`): lengths and counts
    /// as `BigUint64Array`s of equal length, and the declared max_len.
    #[wasm_bindgen(js_name = fromPairs)]
    pub fn from_pairs(
        lengths: &BigUint64Array,
        counts: &BigUint64Array,
        declared_max_len: Option<u32>,
    ) -> Result<Dataset, JsError> {
        let lengths = lengths.to_vec();
        let counts = counts.to_vec();
        if lengths.len() != counts.len() {
            return Err(JsError::new("lengths and counts differ in size"));
        }
        let mut dataset = Dataset::new();
        for (&length, &count) in lengths.iter().zip(&counts) {
            if length == 0 {
                return Err(JsError::new("a length of 0 in the dataset's compact form"));
            }
            dataset
                .counts
                .add(length, count)
                .map_err(|error| JsError::new(&error.to_string()))?;
        }
        if let Some(max_len) = declared_max_len {
            dataset.counts.declare_max_len(max_len);
        }
        Ok(dataset)
    }

    /// The compact form: `{lengths: BigUint64Array, counts: BigUint64Array,
    /// declared_max_len: number | null}`, lengths ascending.
    pub fn pairs(&self) -> Result<JsValue, JsError> {
        compact_form(&self.counts)
    }

    /// A copy of this dataset.
    pub fn copy(&self) -> Dataset {
        Dataset {
            counts: self.counts.clone(),
            solutions: SolutionCache::new(),
        }
    }

    /// Adds every sequence of `other`.
    pub fn merge(&mut self, other: &Dataset) -> Result<(), JsError> {
        self.counts
            .merge(&other.counts)
            .map_err(|error| JsError::new(&error.to_string()))
    }

    /// True when the dataset holds no sequence.
    #[wasm_bindgen(js_name = isEmpty)]
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// The max_len to use when the user sets none.
    #[wasm_bindgen(js_name = defaultMaxLen)]
    pub fn default_max_len(&self) -> Option<f64> {
        self.counts.default_max_len().map(|max_len| max_len as f64)
    }

    /// Everything the page shows at one setting. `request` is an
    /// `AnalysisRequest` (`{max_len?, overlong?, max_per_pack?, algorithms?,
    /// sweep_depths?, detail_algorithm?, batch_size?, top_groups?}`); the
    /// result an `Analysis`.
    pub fn analyse(&mut self, request: JsValue) -> Result<JsValue, JsError> {
        let request: AnalysisRequest = from_js(request, "analysis request")?;
        let analysis = analyse(&self.counts, &request, &now_ms, &mut self.solutions)
            .map_err(|error| JsError::new(&analysis_message(&error)))?;
        to_js(&analysis)
    }

    /// The plan of one algorithm, in the same shape as `packlab pack --json`
    /// prints: the report's fields, `overlong` and `plan`. `request` is
    /// `{algorithm, max_len?, overlong?, max_per_pack?, bucket_tokens?}`.
    #[wasm_bindgen(js_name = packPlan)]
    pub fn pack_plan(&mut self, request: JsValue) -> Result<JsValue, JsError> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct PlanRequest {
            algorithm: Algorithm,
            #[serde(default)]
            max_len: Option<u64>,
            #[serde(default)]
            overlong: OverlongPolicy,
            #[serde(default)]
            max_per_pack: MaxPerPack,
            #[serde(default)]
            bucket_tokens: Option<u32>,
        }
        #[derive(Serialize)]
        struct PlanOutput<'a> {
            #[serde(flatten)]
            report: &'a Report,
            overlong: &'a OverlongOutcome,
            plan: &'a [PackGroup],
        }
        let request: PlanRequest = from_js(request, "plan request")?;
        let max_len = request
            .max_len
            .or_else(|| self.counts.default_max_len())
            .ok_or_else(|| JsError::new("the dataset holds no sequences"))?;
        let (histogram, overlong) = Histogram::from_counts(&self.counts, max_len, request.overlong)
            .map_err(|error| JsError::new(&error.to_string()))?;
        let started = now_ms();
        let options = PackOptions {
            max_per_pack: request.max_per_pack.for_algorithm(request.algorithm),
            bucket_tokens: request.bucket_tokens,
        };
        let plan = pack_cached(&histogram, request.algorithm, &options, &mut self.solutions)
            .map_err(|error| JsError::new(&error.to_string()))?;
        let report = Report::new(request.algorithm, &histogram, &plan, now_ms() - started);
        to_js(&PlanOutput {
            report: &report,
            overlong: &overlong,
            plan: &plan.groups,
        })
    }
}

impl Default for Dataset {
    fn default() -> Self {
        Dataset::new()
    }
}

/// The presets: `[{name, label, description, max_len}]`, the default first.
#[wasm_bindgen]
pub fn presets() -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct PresetInfo {
        name: &'static str,
        label: &'static str,
        description: &'static str,
        max_len: u32,
    }
    let list: Vec<PresetInfo> = Preset::ALL
        .iter()
        .map(|&preset| PresetInfo {
            name: preset.name(),
            label: preset.label(),
            description: preset.description(),
            max_len: preset.max_len(),
        })
        .collect();
    to_js(&list)
}

/// The algorithms: `[{name, default_max_per_pack}]`, in Packlab's order.
#[wasm_bindgen]
pub fn algorithms() -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct AlgorithmInfo {
        name: &'static str,
        default_max_per_pack: Option<u32>,
    }
    let list: Vec<AlgorithmInfo> = Algorithm::ALL
        .iter()
        .map(|&algorithm| AlgorithmInfo {
            name: algorithm.name(),
            default_max_per_pack: algorithm.default_max_per_pack(),
        })
        .collect();
    to_js(&list)
}

/// The models the FLOPs estimate knows: `[{name, label, shape}]`, where
/// `shape` is `{layers, hidden_size, heads, feed_forward_size,
/// gated_feed_forward, vocabulary_size}` (what a custom model gives too).
#[wasm_bindgen]
pub fn models() -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct ModelInfo {
        name: &'static str,
        label: &'static str,
        shape: ModelShape,
    }
    let list: Vec<ModelInfo> = ModelPreset::ALL
        .iter()
        .map(|&preset| ModelInfo {
            name: preset.name(),
            label: preset.label(),
            shape: preset.shape(),
        })
        .collect();
    to_js(&list)
}

/// Draws a chart on a canvas (main thread only). `kind`: `histogram`,
/// `comparison`, `sweep`, `anatomy` or `mask`; `data`: an `Analysis`-shaped
/// object (each chart reads its own fields); `options`: `{dark?,
/// pixel_ratio?, highlight?}`.
#[wasm_bindgen(js_name = drawChart)]
pub fn draw_chart(
    canvas: HtmlCanvasElement,
    kind: &str,
    data: JsValue,
    options: JsValue,
) -> Result<(), JsError> {
    let kind: ChartKind = kind.parse().map_err(|error: String| JsError::new(&error))?;
    let data = from_js(data, "chart data")?;
    let options: ChartOptions = if options.is_undefined() || options.is_null() {
        ChartOptions::default()
    } else {
        from_js(options, "chart options")?
    };
    charts::draw_on_canvas(canvas, kind, &data, &options).map_err(|error| JsError::new(&error))
}

/// The fields of an analysis chart `kind` reads (see `drawChart`): the page
/// hands each chart only these.
#[wasm_bindgen(js_name = chartFields)]
pub fn chart_fields(kind: &str) -> Result<Vec<String>, JsError> {
    let kind: ChartKind = kind.parse().map_err(|error: String| JsError::new(&error))?;
    Ok(kind
        .fields()
        .iter()
        .map(|field| field.to_string())
        .collect())
}

/// The same chart as SVG text, `width` × `height` pixels.
#[wasm_bindgen(js_name = chartSvg)]
pub fn chart_svg(
    kind: &str,
    data: JsValue,
    options: JsValue,
    width: u32,
    height: u32,
) -> Result<String, JsError> {
    let kind: ChartKind = kind.parse().map_err(|error: String| JsError::new(&error))?;
    let data = from_js(data, "chart data")?;
    let options: ChartOptions = if options.is_undefined() || options.is_null() {
        ChartOptions::default()
    } else {
        from_js(options, "chart options")?
    };
    charts::draw_svg(kind, &data, &options, width, height).map_err(|error| JsError::new(&error))
}
