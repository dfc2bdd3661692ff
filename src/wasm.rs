//! The WebAssembly boundary: everything the web page calls, and nothing
//! else. Errors become JavaScript `Error`s here and only here.
//!
//! Two kinds of callers:
//! - the page's Web Workers hold a [`Dataset`] and call its methods to read
//!   files and compute analyses (plain objects, see [`crate::analysis`]);
//! - the main thread draws charts ([`draw_chart`], [`chart_svg`]): plotters
//!   measures text through the page's DOM, which a worker lacks.
//!
//! Large state (the dataset) stays in Rust behind the `Dataset` handle;
//! JavaScript gets small objects, or typed arrays for the dataset's compact
//! form ([`Dataset::pairs`]).

use std::io::{self, Read};

use js_sys::{BigUint64Array, Function, Object, Reflect, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, FileReaderSync, HtmlCanvasElement};

use crate::analysis::{analyse, AnalysisError, AnalysisRequest};
use crate::assign::{
    assign, preview_pack, validate_assignment, write_jsonl, write_npy, AssignOptions, PackPreview,
};
use crate::charts::{self, ChartKind, ChartOptions};
use crate::flops::{ModelPreset, ModelShape};
use crate::histogram::{Histogram, HistogramError, LengthCounts};
use crate::input::{read_lengths, read_lengths_in_order, ReadOptions};
use crate::numbers::thousands;
use crate::plan::PackGroup;
use crate::presets::Preset;
use crate::report::Report;
use crate::{
    pack_cached, pack_with, Algorithm, MaxPerPack, OverlongOutcome, OverlongPolicy, PackOptions,
    SolutionCache,
};

/// Bytes read from a file per step: large enough that the per-call cost of
/// crossing into JavaScript is negligible, small enough for smooth progress.
const READ_CHUNK_BYTES: f64 = 4.0 * 1024.0 * 1024.0;

/// Installs the panic hook: a panic (a bug; input never causes one) then
/// reaches the console with its message instead of "unreachable".
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// Passes a result to JavaScript as JSON would: counts above 2^53 (real
/// for billions of sequences times lengths) become the nearest double, as
/// `JSON.parse` of `packlab … --json` gives them, instead of failing.
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    let text = serde_json::to_string(value)
        .map_err(|error| JsError::new(&format!("cannot pass the result to the page: {error}")))?;
    js_sys::JSON::parse(&text)
        .map_err(|_| JsError::new("cannot pass the result to the page: invalid JSON"))
}

fn from_js<T: serde::de::DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsError> {
    serde_wasm_bindgen::from_value(value)
        .map_err(|error| JsError::new(&format!("invalid {what}: {error}")))
}

/// Milliseconds from the page's time origin (`performance.now()`), in a
/// window or a worker; 0 where neither exists.
fn now_ms() -> f64 {
    let global = js_sys::global();
    Reflect::get(&global, &JsValue::from_str("performance"))
        .ok()
        .and_then(|performance| performance.dyn_into::<web_sys::Performance>().ok())
        .map_or(0.0, |performance| performance.now())
}

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

/// A `Read` over a `Blob` (a `File`), a chunk at a time, through
/// `FileReaderSync` (available in workers only), reporting progress.
struct BlobReader<'a> {
    blob: &'a Blob,
    reader: FileReaderSync,
    position: f64,
    size: f64,
    on_progress: &'a Function,
    chunk: Vec<u8>,
    chunk_offset: usize,
}

impl<'a> BlobReader<'a> {
    /// A reader of `blob` from its start; fails outside a worker.
    fn new(blob: &'a Blob, on_progress: &'a Function) -> Result<Self, JsError> {
        let reader = FileReaderSync::new().map_err(|_| {
            JsError::new("files can only be read in a worker (FileReaderSync is missing)")
        })?;
        Ok(BlobReader {
            blob,
            reader,
            position: 0.0,
            size: blob.size(),
            on_progress,
            chunk: Vec::new(),
            chunk_offset: 0,
        })
    }
}

impl Read for BlobReader<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        if self.chunk_offset == self.chunk.len() {
            if self.position >= self.size {
                return Ok(0);
            }
            let end = (self.position + READ_CHUNK_BYTES).min(self.size);
            let slice = self
                .blob
                .slice_with_f64_and_f64(self.position, end)
                .map_err(|_| io::Error::other("the browser could not slice the file"))?;
            let bytes = self.reader.read_as_array_buffer(&slice).map_err(|_| {
                io::Error::other(
                    "the browser could not read the file; it may have changed or been removed",
                )
            })?;
            self.chunk = Uint8Array::new(&bytes).to_vec();
            self.chunk_offset = 0;
            self.position = end;
            // Progress is informative only: a failing callback must not stop the read.
            let _ = self.on_progress.call2(
                &JsValue::NULL,
                &JsValue::from_f64(self.position),
                &JsValue::from_f64(self.size),
            );
            if self.chunk.is_empty() {
                return Ok(0);
            }
        }
        let available = &self.chunk[self.chunk_offset..];
        let taken = available.len().min(buffer.len());
        buffer[..taken].copy_from_slice(&available[..taken]);
        self.chunk_offset += taken;
        Ok(taken)
    }
}

/// The options of a read, from JavaScript: `{format?, column?}`.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct JsReadOptions {
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    column: Option<String>,
}

fn read_options(options: JsValue) -> Result<ReadOptions, JsError> {
    if options.is_undefined() || options.is_null() {
        return Ok(ReadOptions::default());
    }
    let options: JsReadOptions = from_js(options, "read options")?;
    let format = match options.format.as_deref() {
        None | Some("") | Some("auto") => None,
        Some(name) => Some(name.parse().map_err(|error: String| JsError::new(&error))?),
    };
    Ok(ReadOptions {
        format,
        column: options.column.filter(|column| !column.is_empty()),
    })
}

/// A dataset: counts of sequence lengths, merged from files or a preset.
#[wasm_bindgen]
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
        let (lengths, counts): (Vec<u64>, Vec<u64>) = self.counts.iter().unzip();
        let object = Object::new();
        let set = |key: &str, value: &JsValue| {
            Reflect::set(&object, &JsValue::from_str(key), value)
                .map(|_| ())
                .map_err(|_| JsError::new("cannot build the dataset's compact form"))
        };
        set("lengths", &BigUint64Array::from(&lengths[..]).into())?;
        set("counts", &BigUint64Array::from(&counts[..]).into())?;
        let declared = self
            .counts
            .declared_max_len()
            .map_or(JsValue::NULL, |max_len| {
                JsValue::from_f64(f64::from(max_len))
            });
        set("declared_max_len", &declared)?;
        Ok(object.into())
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

    /// Reads a `File` (or any `Blob`) into the dataset, a chunk at a time,
    /// calling `on_progress(bytesRead, totalBytes)` after each chunk.
    /// Workers only. Returns `{format, sequences, bytes}`. On error the
    /// dataset is unchanged and the message names the file, the place and
    /// the fix.
    #[wasm_bindgen(js_name = readFile)]
    pub fn read_file(
        &mut self,
        file: &Blob,
        name: &str,
        options: JsValue,
        on_progress: &Function,
    ) -> Result<JsValue, JsError> {
        let options = read_options(options)?;
        let blob_reader = BlobReader::new(file, on_progress)?;
        let stats = read_lengths(name, blob_reader, &options, &mut self.counts)
            .map_err(|error| JsError::new(&error.to_string()))?;
        to_js(&stats)
    }

    /// Reads bytes already in memory (a small file, or a test's input).
    #[wasm_bindgen(js_name = readBytes)]
    pub fn read_bytes(
        &mut self,
        name: &str,
        bytes: &[u8],
        options: JsValue,
    ) -> Result<JsValue, JsError> {
        let options = read_options(options)?;
        let stats = read_lengths(name, bytes, &options, &mut self.counts)
            .map_err(|error| JsError::new(&error.to_string()))?;
        to_js(&stats)
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

/// How many packs `assignFiles` previews with `cu_seqlens` and `position_ids`.
const PREVIEW_PACKS: usize = 4;

/// A plan for real sequences: reads `files` (an array of `File`s, in
/// order; `names` their names) one length per sequence, packs them with
/// `request` = `{algorithm, max_len?, overlong?, max_per_pack?,
/// bucket_tokens?, seed?, epoch?, shuffle_packs?}` and assigns every
/// sequence index (counted from 0 across the files in order) to a pack.
/// Returns `{jsonl, indices_npy, offsets_npy}` (`Uint8Array`s: the files
/// `packlab assign` writes), `preview` (the first packs with `cu_seqlens`
/// and `position_ids`), `packs`, `sequences`, `dropped` and `report`.
/// Workers only (it reads with `FileReaderSync`). A histogram file has no
/// sequence order and is refused with a message saying so.
#[wasm_bindgen(js_name = assignFiles)]
pub fn assign_files(
    files: &js_sys::Array,
    names: &js_sys::Array,
    options: JsValue,
    request: JsValue,
    on_progress: &Function,
) -> Result<JsValue, JsError> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct AssignRequest {
        algorithm: Algorithm,
        #[serde(default)]
        max_len: Option<u64>,
        #[serde(default)]
        overlong: OverlongPolicy,
        #[serde(default)]
        max_per_pack: MaxPerPack,
        #[serde(default)]
        bucket_tokens: Option<u32>,
        #[serde(default)]
        seed: u64,
        #[serde(default)]
        epoch: u32,
        #[serde(default = "shuffle_by_default")]
        shuffle_packs: bool,
    }
    fn shuffle_by_default() -> bool {
        true
    }
    #[derive(Serialize)]
    struct AssignOutput<'a> {
        packs: usize,
        sequences: u64,
        dropped: usize,
        report: &'a Report,
        preview: Vec<PackPreview>,
    }
    let request: AssignRequest = from_js(request, "assignment request")?;
    let options = read_options(options)?;
    let message = |error: &dyn std::fmt::Display| JsError::new(&error.to_string());

    let mut lengths: Vec<u32> = Vec::new();
    let mut counts = LengthCounts::new();
    for (index, file) in files.iter().enumerate() {
        let blob: Blob = file
            .dyn_into()
            .map_err(|_| JsError::new("assignFiles: every entry of `files` must be a File"))?;
        let name = names
            .get(index as u32)
            .as_string()
            .unwrap_or_else(|| format!("file {}", index + 1));
        let blob_reader = BlobReader::new(&blob, on_progress)?;
        let read = read_lengths_in_order(&name, blob_reader, &options).map_err(|e| message(&e))?;
        lengths.extend_from_slice(&read.lengths);
        counts.merge(&read.counts).map_err(|e| message(&e))?;
    }
    let max_len = request
        .max_len
        .or_else(|| counts.default_max_len())
        .ok_or_else(|| JsError::new("the files hold no sequences"))?;
    let (histogram, _) =
        Histogram::from_counts(&counts, max_len, request.overlong).map_err(|e| message(&e))?;
    let started = now_ms();
    let pack_options = PackOptions {
        max_per_pack: request.max_per_pack.for_algorithm(request.algorithm),
        bucket_tokens: request.bucket_tokens,
    };
    let plan = pack_with(&histogram, request.algorithm, &pack_options).map_err(|e| message(&e))?;
    let report = Report::new(request.algorithm, &histogram, &plan, now_ms() - started);
    let assign_options = AssignOptions {
        seed: request.seed,
        epoch: request.epoch,
        shuffle_packs: request.shuffle_packs,
        overlong: request.overlong,
    };
    let assignment = assign(&lengths, &plan, &assign_options).map_err(|e| message(&e))?;
    validate_assignment(&lengths, plan.max_len, plan.max_per_pack, &assignment)
        .map_err(|e| message(&e))?;

    let mut jsonl = Vec::new();
    write_jsonl(&mut jsonl, &assignment).map_err(|e| message(&e))?;
    let mut indices_npy = Vec::new();
    write_npy(&mut indices_npy, &assignment.indices).map_err(|e| message(&e))?;
    let mut offsets_npy = Vec::new();
    write_npy(&mut offsets_npy, &assignment.offsets).map_err(|e| message(&e))?;
    let mut preview = Vec::new();
    for pack in 0..PREVIEW_PACKS {
        match preview_pack(&assignment, pack).map_err(|e| message(&e))? {
            Some(entry) => preview.push(entry),
            None => break,
        }
    }
    let result = to_js(&AssignOutput {
        packs: assignment.packs(),
        sequences: lengths.len() as u64,
        dropped: assignment.dropped.len(),
        report: &report,
        preview,
    })?;
    let set = |key: &str, bytes: &[u8]| {
        Reflect::set(
            &result,
            &JsValue::from_str(key),
            &Uint8Array::from(bytes).into(),
        )
        .map(|_| ())
        .map_err(|_| JsError::new("cannot pass the plan to the page"))
    };
    set("jsonl", &jsonl)?;
    set("indices_npy", &indices_npy)?;
    set("offsets_npy", &offsets_npy)?;
    Ok(result)
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
