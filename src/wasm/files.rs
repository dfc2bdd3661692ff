//! The file engine's exports: reading the user's files, the plan of their
//! own sequences, and their trainer's packing of them. A worker loads this
//! module when a user first drops files or looks at their trainer (see the
//! module docs of [`crate::wasm`]).

use js_sys::{Function, Reflect, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Blob;

use super::blob::WorkerFile;
use super::convert::{compact_form, counts_from_pairs, from_js, now_ms, to_js};
use crate::assign::{plan_sequences, PackPreview, PlanFile, SequencePlanRequest};
use crate::histogram::LengthCounts;
use crate::input::{
    read_lengths, read_random_access_lengths, read_random_access_lengths_in_order, InputError,
    InputErrorKind, ReadOptions, TextTokenizer,
};
use crate::report::Report;
use crate::step_balance::{Imbalance, StepShape};
use crate::trainers::{TrainerError, TrainerRequest, TrainerSequences, MAX_SIMULATED_SEQUENCES};

/// The options of a read, from JavaScript: `{format?, column?,
/// documents?, tokenizer?, text_field?, special_tokens?, sample_rows?}`.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct JsReadOptions {
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    column: Option<String>,
    #[serde(default)]
    documents: bool,
    /// The files of the tokenizer text rows are counted with.
    #[serde(default)]
    tokenizer: Option<JsTokenizerFiles>,
    #[serde(default)]
    text_field: Option<String>,
    /// Whether a text gets its post-processor's special tokens (default:
    /// yes, as `tokenizer.encode(text)` counts).
    #[serde(default)]
    special_tokens: Option<bool>,
    #[serde(default)]
    sample_rows: Option<u64>,
}

/// A model's tokenizer files as the user picked them, each `[name, text]`:
/// its `tokenizer.json`, and as the command line finds them beside it, its
/// `tokenizer_config.json` (special tokens, chat template) and a
/// `chat_template.jinja`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct JsTokenizerFiles {
    tokenizer: (String, String),
    #[serde(default)]
    config: Option<(String, String)>,
    #[serde(default)]
    chat_template: Option<(String, String)>,
}

impl JsTokenizerFiles {
    fn load(&self, add_special_tokens: bool) -> Result<TextTokenizer, InputError> {
        let (name, json) = &self.tokenizer;
        let mut tokenizer = TextTokenizer::from_json(name, json.as_bytes())?;
        if let Some((name, config)) = &self.config {
            tokenizer = tokenizer.with_config(name, config.as_bytes())?;
        }
        if let Some((name, template)) = &self.chat_template {
            tokenizer = tokenizer.with_chat_template(name, template)?;
        }
        Ok(tokenizer.with_special_tokens(add_special_tokens))
    }
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
    let tokenizer = match &options.tokenizer {
        Some(files) => Some(
            files
                .load(options.special_tokens.unwrap_or(true))
                .map_err(|error| JsError::new(&error.to_string()))?
                .into(),
        ),
        None => None,
    };
    Ok(ReadOptions {
        format,
        column: options.column.filter(|column| !column.is_empty()),
        documents: options.documents,
        tokenizer,
        text_field: options.text_field.filter(|field| !field.is_empty()),
        sample_rows: options.sample_rows,
    })
}

/// Lengths read from the user's files, before they join a dataset of the
/// page's engine (in their compact form, [`FileReading::pairs`]).
#[wasm_bindgen]
#[derive(Debug)]
pub struct FileReading {
    counts: LengthCounts,
}

/// Public methods, exported to JavaScript.
#[wasm_bindgen]
impl FileReading {
    /// Nothing read yet.
    #[wasm_bindgen(constructor)]
    pub fn new() -> FileReading {
        FileReading {
            counts: LengthCounts::new(),
        }
    }

    /// Reads a `File` (or any `Blob`), a chunk at a time, calling
    /// `on_progress(bytesRead, totalBytes)` after each chunk. Workers only.
    /// Returns `{format, sequences, bytes, notes}`: `notes`, what the
    /// reader assumed that the content could not confirm, in words for the
    /// user. On error nothing is added and the message names the file, the
    /// place and the fix.
    #[wasm_bindgen(js_name = readFile)]
    pub fn read_file(
        &mut self,
        file: &Blob,
        name: &str,
        options: JsValue,
        on_progress: &Function,
    ) -> Result<JsValue, JsError> {
        let options = read_options(options)?;
        let (file, _opened) = WorkerFile::open(file, on_progress)?;
        let stats = read_random_access_lengths(name, file, &options, &mut self.counts)
            .map_err(|error| JsError::new(&error.to_string()))?;
        to_js(&stats)
    }

    /// Reads bytes already in memory (a small file, or a test's input), as
    /// `readFile` does.
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

    /// Adds lengths read by another worker (a part of a large file), in
    /// the compact form `pairs()` gives. On error nothing is added.
    #[wasm_bindgen(js_name = addPairs)]
    pub fn add_pairs(
        &mut self,
        lengths: &js_sys::BigUint64Array,
        counts: &js_sys::BigUint64Array,
    ) -> Result<(), JsError> {
        let more = counts_from_pairs(lengths, counts)?;
        let mut merged = self.counts.clone();
        merged.merge(&more).map_err(|overflow| {
            JsError::new(&format!(
                "more than 2^64 - 1 sequences of length {}",
                overflow.length
            ))
        })?;
        self.counts = merged;
        Ok(())
    }

    /// True when no sequence has been read.
    #[wasm_bindgen(js_name = isEmpty)]
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// The lengths read, in the compact form the page's `Dataset.fromPairs`
    /// takes.
    pub fn pairs(&self) -> Result<JsValue, JsError> {
        compact_form(&self.counts)
    }
}

impl Default for FileReading {
    fn default() -> Self {
        Self::new()
    }
}

/// The shards of a dropped dataset folder, in dataset order: `names`
/// are the folder's file names, `state` the text of its `state.json`
/// (`undefined` without one). See [`crate::input::dataset_shards`].
/// `folder` names the folder in errors.
#[wasm_bindgen(js_name = datasetShards)]
pub fn dataset_shards(
    folder: &str,
    names: Vec<String>,
    state: Option<String>,
) -> Result<Vec<String>, JsError> {
    crate::input::dataset_shards(&names, state.as_deref())
        .map_err(|kind| JsError::new(&format!("{folder}: {kind}")))
}

/// How many packs `assignFiles` previews with `cu_seqlens` and `position_ids`.
const PREVIEW_PACKS: usize = 4;

/// A plan for real sequences: reads `files` (an array of `File`s, in
/// order; `names` their names) one length per sequence, packs them with
/// `request` = `{algorithm, max_len?, overlong?, max_per_pack?,
/// bucket_tokens?, seed?, epoch?, shuffle_packs?, steps?}` and assigns
/// every sequence index (counted from 0 across the files in order) to a
/// pack. Returns `{jsonl, indices_npy, offsets_npy}` (`Uint8Array`s: the
/// files `packlab assign` writes), `preview` (the first packs with
/// `cu_seqlens` and `position_ids`), `packs`, `sequences`, `dropped`,
/// `report`, and with `steps` (`{world_size, micro_batch, grad_accum,
/// model, balance}`) how evenly the steps spread work: `steps` =
/// `{world_size, micro_batch, grad_accum, steps, last_step_packs,
/// shuffled, balanced}`, each order an `Imbalance` without its per-step
/// figures (`balanced` null without `balance`).
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
    #[derive(Serialize)]
    struct AssignOutput<'a> {
        packs: usize,
        sequences: u64,
        dropped: usize,
        report: &'a Report,
        preview: Vec<PackPreview>,
        steps: Option<StepsOutput<'a>>,
    }
    #[derive(Serialize)]
    struct StepsOutput<'a> {
        #[serde(flatten)]
        shape: StepShape,
        steps: u64,
        last_step_packs: u64,
        shuffled: &'a Imbalance,
        balanced: Option<&'a Imbalance>,
    }
    let request: SequencePlanRequest = from_js(request, "assignment request")?;
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
        let (file, _opened) = WorkerFile::open(&blob, on_progress)?;
        let read =
            read_random_access_lengths_in_order(&name, file, &options).map_err(|e| message(&e))?;
        lengths.extend_from_slice(&read.lengths);
        counts.merge(&read.counts).map_err(|e| message(&e))?;
    }
    let plan = plan_sequences(&lengths, counts, &request, now_ms).map_err(|e| message(&e))?;
    let result = to_js(&AssignOutput {
        packs: plan.assignment.packs(),
        sequences: lengths.len() as u64,
        dropped: plan.assignment.dropped.len(),
        report: &plan.report,
        preview: plan.preview(PREVIEW_PACKS).map_err(|e| message(&e))?,
        steps: plan.steps.as_ref().map(|steps| StepsOutput {
            shape: steps.shape,
            steps: steps.shuffled.steps,
            last_step_packs: steps.shuffled.last_step_packs,
            shuffled: &steps.shuffled,
            balanced: steps.balanced.as_ref(),
        }),
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
    for file in PlanFile::ALL {
        let mut bytes = Vec::new();
        plan.write(file, &mut bytes).map_err(|e| message(&e))?;
        let key = match file {
            PlanFile::Jsonl => "jsonl",
            PlanFile::IndicesNpy => "indices_npy",
            PlanFile::OffsetsNpy => "offsets_npy",
        };
        set(key, &bytes)?;
    }
    Ok(result)
}

/// The sequences a trainer's packing is simulated on, held by a worker
/// while the user changes the trainer's settings: the user's files read
/// in order, or the lengths of data with no order (a histogram, an
/// example), read shuffled.
#[wasm_bindgen]
#[derive(Debug)]
pub struct TrainerData {
    sequences: TrainerSequences,
}

fn trainer_message(error: &TrainerError) -> JsError {
    JsError::new(&error.to_string())
}

/// Public methods, exported to JavaScript.
#[wasm_bindgen]
impl TrainerData {
    /// The sequences of the compact form (see the page's `Dataset.pairs`):
    /// data with no order.
    #[wasm_bindgen(js_name = fromPairs)]
    pub fn from_pairs(
        lengths: &js_sys::BigUint64Array,
        counts: &js_sys::BigUint64Array,
    ) -> Result<TrainerData, JsError> {
        let counts = counts_from_pairs(lengths, counts)?;
        let sequences = TrainerSequences::listed(&counts).map_err(|e| trainer_message(&e))?;
        Ok(TrainerData { sequences })
    }

    /// Reads `files` (`File`s, in order; `names` their names) one length
    /// per sequence, as `assignFiles` does. Returns `undefined` when one of
    /// them is a histogram, or was read from a sample, which holds no order: the page then passes the
    /// compact form to `fromPairs`. Workers only.
    #[wasm_bindgen(js_name = fromFiles)]
    pub fn from_files(
        files: &js_sys::Array,
        names: &js_sys::Array,
        options: JsValue,
        on_progress: &Function,
    ) -> Result<Option<TrainerData>, JsError> {
        let options = read_options(options)?;
        let mut lengths: Vec<u32> = Vec::new();
        for (index, file) in files.iter().enumerate() {
            let blob: Blob = file.dyn_into().map_err(|_| {
                JsError::new("TrainerData.fromFiles: every entry of `files` must be a File")
            })?;
            let name = names
                .get(index as u32)
                .as_string()
                .unwrap_or_else(|| format!("file {}", index + 1));
            let (file, _opened) = WorkerFile::open(&blob, on_progress)?;
            match read_random_access_lengths_in_order(&name, file, &options) {
                Ok(read) => lengths.extend_from_slice(&read.lengths),
                // A histogram, or a sample's estimate, has no order.
                Err(error)
                    if matches!(
                        error.kind,
                        InputErrorKind::HistogramHasNoOrder | InputErrorKind::SampleHasNoOrder
                    ) =>
                {
                    return Ok(None)
                }
                Err(error) => return Err(JsError::new(&error.to_string())),
            }
        }
        Ok(Some(TrainerData {
            sequences: TrainerSequences::in_dataset_order(lengths),
        }))
    }

    /// The most sequences a simulation in the page reads: a dataset with
    /// more is refused before its files are read again.
    #[wasm_bindgen(js_name = maxSequences)]
    pub fn max_sequences() -> f64 {
        MAX_SIMULATED_SEQUENCES as f64
    }

    /// True when the sequences are in dataset order (files of lengths).
    pub fn ordered(&self) -> bool {
        self.sequences.ordered()
    }

    /// A trainer's packing of these sequences: `TrainerRequest`
    /// (`{trainer, max_len, options?}`) → `TrainerAnswer`.
    pub fn simulate(&self, request: JsValue) -> Result<JsValue, JsError> {
        let request: TrainerRequest = from_js(request, "trainer request")?;
        let answer = self
            .sequences
            .answer(&request)
            .map_err(|e| trainer_message(&e))?;
        to_js(&answer)
    }

    /// The trainer's rows at each of `max_lens` (the max_len sweep's
    /// trainer line): `TrainerRequest` → `TrainerPoint[]`.
    #[wasm_bindgen(js_name = maxLenSweep)]
    pub fn max_len_sweep(&self, request: JsValue, max_lens: Vec<u32>) -> Result<JsValue, JsError> {
        let request: TrainerRequest = from_js(request, "trainer request")?;
        let points = self
            .sequences
            .sweep(&request, &max_lens)
            .map_err(|e| trainer_message(&e))?;
        to_js(&points)
    }
}
