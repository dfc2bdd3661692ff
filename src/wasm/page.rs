//! The page's engine: its exports for the workers (a `Dataset` and its
//! analyses) and for the main thread (presets, algorithms, models and
//! charts). Reading files is the file engine's (`wasm::files`).

use js_sys::BigUint64Array;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

use super::convert::{compact_form, counts_from_pairs, from_js, now_ms, to_js};
use crate::analysis::{Analyser, AnalysisError};
use crate::charts::{self, ChartData, ChartKind, ChartOptions};
use crate::flops::{ModelPreset, ModelShape};
use crate::histogram::{HistogramError, LengthCounts};
use crate::numbers::thousands;
use crate::presets::Preset;
use crate::trainers::{Trainer, TrainerOptions};
use crate::Algorithm;

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

/// A dataset: counts of sequence lengths, merged from files or a preset,
/// and the questions the page asks of it (see [`crate::analysis`]). Each
/// method takes the question's request as a plain object and returns its
/// answer; questions at the same row length and overlong policy share the
/// histogram and the plans made on it.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Dataset {
    analyser: Analyser,
}

impl Dataset {
    fn of(counts: LengthCounts) -> Dataset {
        Dataset {
            analyser: Analyser::new(counts, Box::new(now_ms)),
        }
    }

    fn counts(&self) -> &LengthCounts {
        self.analyser.counts()
    }

    /// Reads `request` as a `Q`, asks `ask` and passes the answer back; a
    /// failure becomes a message in the page's words.
    fn answer<Q: DeserializeOwned, A: Serialize>(
        &mut self,
        request: JsValue,
        what: &str,
        ask: impl FnOnce(&mut Analyser, &Q) -> Result<A, AnalysisError>,
    ) -> Result<JsValue, JsError> {
        let request: Q = from_js(request, what)?;
        let answer = ask(&mut self.analyser, &request)
            .map_err(|error| JsError::new(&analysis_message(&error)))?;
        to_js(&answer)
    }
}

/// Public methods, exported to JavaScript.
#[wasm_bindgen]
impl Dataset {
    /// An empty dataset.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Dataset {
        Dataset::of(LengthCounts::new())
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
        Ok(Dataset::of(preset.generate()))
    }

    /// A dataset from its compact form (see `pairs`): lengths and counts
    /// as `BigUint64Array`s of equal length, and the declared max_len.
    #[wasm_bindgen(js_name = fromPairs)]
    pub fn from_pairs(
        lengths: &BigUint64Array,
        counts: &BigUint64Array,
        declared_max_len: Option<u32>,
    ) -> Result<Dataset, JsError> {
        let mut counts = counts_from_pairs(lengths, counts)?;
        if let Some(max_len) = declared_max_len {
            counts.declare_max_len(max_len);
        }
        Ok(Dataset::of(counts))
    }

    /// The compact form: `{lengths: BigUint64Array, counts: BigUint64Array,
    /// declared_max_len: number | null}`, lengths ascending.
    pub fn pairs(&self) -> Result<JsValue, JsError> {
        compact_form(self.counts())
    }

    /// A copy of this dataset.
    pub fn copy(&self) -> Dataset {
        Dataset::of(self.counts().clone())
    }

    /// Adds every sequence of `other`.
    pub fn merge(&mut self, other: &Dataset) -> Result<(), JsError> {
        let mut counts = self.counts().clone();
        counts
            .merge(other.counts())
            .map_err(|error| JsError::new(&error.to_string()))?;
        *self = Dataset::of(counts);
        Ok(())
    }

    /// True when the dataset holds no sequence.
    #[wasm_bindgen(js_name = isEmpty)]
    pub fn is_empty(&self) -> bool {
        self.counts().is_empty()
    }

    /// The max_len to use when the user sets none.
    #[wasm_bindgen(js_name = defaultMaxLen)]
    pub fn default_max_len(&self) -> Option<f64> {
        self.counts()
            .default_max_len()
            .map(|max_len| max_len as f64)
    }

    /// The lengths at a row length: `SummaryRequest` → `DataSummary`.
    pub fn summary(&mut self, request: JsValue) -> Result<JsValue, JsError> {
        self.answer(request, "summary request", Analyser::summary)
    }

    /// One algorithm's figures: `ReportRequest` → `AlgorithmReport`.
    pub fn report(&mut self, request: JsValue) -> Result<JsValue, JsError> {
        self.answer(request, "report request", Analyser::report)
    }

    /// The sweep over limits on sequences per pack: `SweepRequest` →
    /// `SweepLine[]`.
    pub fn sweep(&mut self, request: JsValue) -> Result<JsValue, JsError> {
        self.answer(request, "sweep request", Analyser::sweep)
    }

    /// A closer look at one plan: `DetailRequest` → `PlanDetail`.
    #[wasm_bindgen(js_name = planDetail)]
    pub fn plan_detail(&mut self, request: JsValue) -> Result<JsValue, JsError> {
        self.answer(request, "plan detail request", Analyser::plan_detail)
    }

    /// The LP bound on packs: `BoundRequest` → `BoundSummary`.
    #[wasm_bindgen(js_name = lpBound)]
    pub fn lp_bound(&mut self, request: JsValue) -> Result<JsValue, JsError> {
        self.answer(request, "bound request", Analyser::lp_bound)
    }

    /// Dynamic padding: `DynamicPaddingRequest` → `DynamicPadding[]`.
    #[wasm_bindgen(js_name = dynamicPadding)]
    pub fn dynamic_padding(&mut self, request: JsValue) -> Result<JsValue, JsError> {
        self.answer(
            request,
            "dynamic padding request",
            Analyser::dynamic_padding,
        )
    }

    /// Training FLOPs: `FlopsRequest` → `FlopsComparison`.
    pub fn flops(&mut self, request: JsValue) -> Result<JsValue, JsError> {
        self.answer(request, "FLOPs request", Analyser::flops)
    }

    /// The fast packers at other row lengths: `MaxLenRequest` →
    /// `MaxLenPoint[]`.
    #[wasm_bindgen(js_name = maxLenSweep)]
    pub fn max_len_sweep(&mut self, request: JsValue) -> Result<JsValue, JsError> {
        self.answer(request, "max_len sweep request", Analyser::max_len_sweep)
    }

    /// One plan's packs in training steps across data-parallel ranks,
    /// shuffled and balanced: `StepBalanceRequest` → `StepBalance`.
    #[wasm_bindgen(js_name = stepBalance)]
    pub fn step_balance(&mut self, request: JsValue) -> Result<JsValue, JsError> {
        self.answer(request, "step balance request", Analyser::step_balance)
    }

    /// One algorithm's whole plan, in the shape `packlab pack --json`
    /// prints: `PlanRequest` → `WholePlan`.
    #[wasm_bindgen(js_name = packPlan)]
    pub fn pack_plan(&mut self, request: JsValue) -> Result<JsValue, JsError> {
        self.answer(request, "plan request", Analyser::whole_plan)
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

/// The trainers whose packing the file engine simulates: `[{name,
/// modelled, default_seed, reads_in_order}]`, in Packlab's order.
/// `reads_in_order`: the trainer packs in dataset order (else it shuffles
/// or sorts by itself).
#[wasm_bindgen]
pub fn trainers() -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct TrainerInfo {
        name: &'static str,
        modelled: &'static str,
        default_seed: u64,
        reads_in_order: bool,
    }
    let list: Vec<TrainerInfo> = Trainer::ALL
        .iter()
        .map(|&trainer| TrainerInfo {
            name: trainer.name(),
            modelled: trainer.modelled(),
            default_seed: trainer.default_seed(),
            reads_in_order: trainer.reads_in_dataset_order(),
        })
        .collect();
    to_js(&list)
}

/// The user's choices of a trainer's packing before they make any, as a
/// trainer request's `options` holds them: `{order, seed, map_batch_rows,
/// group_size, bin_size, batch_size, packing_ratio}` (`seed` null: each
/// trainer's own). The page reads them here rather than keeping copies,
/// so that its defaults are the command line's.
#[wasm_bindgen(js_name = trainerDefaults)]
pub fn trainer_defaults() -> Result<JsValue, JsError> {
    to_js(&TrainerOptions::default())
}

/// The largest value the engine accepts for each of the page's number
/// settings (each starts at 1; seed and epoch at 0): `{max_len,
/// batch_size, bucket_tokens, seed, epoch, model_dimension}`. The page
/// reads them here rather than keeping copies.
#[wasm_bindgen(js_name = settingRanges)]
pub fn setting_ranges() -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct Ranges {
        max_len: u32,
        batch_size: u32,
        /// A bucket as wide as max_len holds every length: wider ones are
        /// narrowed to it.
        bucket_tokens: u32,
        /// Seeds are 64-bit; a page number is exact only up to 2^53 - 1,
        /// which the page caps it at.
        seed: u64,
        epoch: u32,
        model_dimension: u32,
        /// Data-parallel ranks, packs per pass and passes per step.
        step_count: u32,
    }
    to_js(&Ranges {
        max_len: crate::MAX_SUPPORTED_MAX_LEN,
        batch_size: u32::MAX,
        bucket_tokens: crate::MAX_SUPPORTED_MAX_LEN,
        seed: u64::MAX,
        epoch: u32::MAX,
        model_dimension: u32::MAX,
        step_count: u32::MAX,
    })
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

/// A chart's kind, data and options as the page passes them (see
/// `drawChart`).
fn chart_request(
    kind: &str,
    data: JsValue,
    options: JsValue,
) -> Result<(ChartKind, ChartData, ChartOptions), JsError> {
    let kind: ChartKind = kind.parse().map_err(|error: String| JsError::new(&error))?;
    let data = ChartData::read(kind, data).map_err(|error| JsError::new(&error))?;
    let options: ChartOptions = if options.is_undefined() || options.is_null() {
        ChartOptions::default()
    } else {
        from_js(options, "chart options")?
    };
    Ok((kind, data, options))
}

/// Draws a chart on a canvas (main thread only). `kind` and its `data`:
/// `histogram`, a `DataSummary` (its `histogram` and `summary`);
/// `comparison`, `{reports}`; `sweep`, `{lines, reports}`; `anatomy` and
/// `mask`, a `PlanDetail`; `max-len-sweep`, `{points, max_len}`;
/// `step-balance`, a `StepBalance`.
/// `options`: `{dark?, pixel_ratio?}`.
#[wasm_bindgen(js_name = drawChart)]
pub fn draw_chart(
    canvas: HtmlCanvasElement,
    kind: &str,
    data: JsValue,
    options: JsValue,
) -> Result<(), JsError> {
    let (kind, data, options) = chart_request(kind, data, options)?;
    charts::draw_on_canvas(canvas, kind, &data, &options).map_err(|error| JsError::new(&error))
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
    let (kind, data, options) = chart_request(kind, data, options)?;
    charts::draw_svg(kind, &data, &options, width, height).map_err(|error| JsError::new(&error))
}
