//! `packlab._native`: Packlab's engine for Python, one function for each
//! function of the `packlab` package (python/packlab/), which wraps the
//! answers in typed objects and documents them.
//!
//! Each function asks the library what the command line asks it, the same
//! way (`src/bin/packlab/`), so that Python and `packlab ... --json` give
//! the same figures: `pack` and `compare` through
//! [`Analyser::whole_plan`], `assign` through [`plan_sequences`], `read`
//! through `packlab::input`. Reports cross as the JSON the command line
//! prints, and arrays as NumPy arrays.
//!
//! Errors become exceptions here and only here: the user's mistakes a
//! `ValueError` with the library's message (the command line's, without
//! its `packlab: ` prefix), Packlab's own failures a `RuntimeError`, as the
//! command line tells them apart by exit code. No panic reaches Python: the
//! engine runs inside [`guarded`], which turns one into a `RuntimeError`.

use std::fmt::Display;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::Instant;

use numpy::ndarray::ArrayView1;
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use serde::Serialize;

use packlab::analysis::{Analyser, AnalysisError, ModelChoice, PlanRequest, RowSettings};
use packlab::assign::{
    packs_of_rank, place_block as place_block_of, plan_sequences, AssignOptions, ExportError,
    PackSlots, SequencePlanError, SequencePlanRequest, StepLayout,
};
use packlab::flops::ModelPreset;
use packlab::input::{
    read_file_lengths, read_file_lengths_in_order, InputError, InputErrorKind, Location,
    ReadOptions, SharedTokenizer, TextTokenizer,
};
use packlab::step_balance::StepShape;
use packlab::{Algorithm, Histogram, LengthCounts, MaxPerPack, OverlongPolicy, PackingPlan};

/// What the source of lengths passed from Python is called in errors, as a
/// file's name is in the command line's.
const LENGTHS_SOURCE: &str = "lengths";

/// The same for the dense counts of a `packlab.Histogram`.
const COUNTS_SOURCE: &str = "counts";

/// The allocator of everything the engine allocates, and of the arrays it
/// hands NumPy (which give their memory back to it).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A failure, sorted as the command line sorts it.
enum Failure {
    /// The user's input or arguments: `ValueError`.
    Input(String),
    /// Packlab's own fault: `RuntimeError`.
    Internal(String),
}

impl From<Failure> for PyErr {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Input(message) => PyValueError::new_err(message),
            Failure::Internal(message) => PyRuntimeError::new_err(message),
        }
    }
}

impl From<InputError> for Failure {
    fn from(error: InputError) -> Self {
        Failure::Input(error.to_string())
    }
}

impl From<AnalysisError> for Failure {
    fn from(error: AnalysisError) -> Self {
        if error.is_packlab_fault() {
            Failure::Internal(error.to_string())
        } else {
            Failure::Input(error.to_string())
        }
    }
}

impl From<SequencePlanError> for Failure {
    fn from(error: SequencePlanError) -> Self {
        if error.is_packlab_fault() {
            Failure::Internal(error.to_string())
        } else {
            Failure::Input(error.to_string())
        }
    }
}

/// Runs `work` with the interpreter released (other Python threads run
/// meanwhile), and turns a panic inside it into a failure: a bug in
/// Packlab must raise an exception that says so, not end the program.
fn guarded<T: Send>(
    py: Python<'_>,
    work: impl FnOnce() -> Result<T, Failure> + Send,
) -> Result<T, Failure> {
    py.detach(|| {
        catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|payload| {
            let reason = payload
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_owned());
            Err(Failure::Internal(format!(
                "Packlab failed ({reason}); this is a bug in Packlab, please report it with the input"
            )))
        })
    })
}

/// Milliseconds since the clock was made: what the library times its
/// packers with (it has no clock of its own, for WebAssembly's sake).
fn clock() -> impl Fn() -> f64 + Clone + Send + 'static {
    let origin = Instant::now();
    move || origin.elapsed().as_secs_f64() * 1e3
}

/// A setting named as the command line names it, parsed as it parses it.
fn setting<T: std::str::FromStr<Err = String>>(name: &str, text: &str) -> Result<T, Failure> {
    text.parse()
        .map_err(|message| Failure::Input(format!("{name}: {message}")))
}

/// JSON text of an answer, as `--json` prints it.
fn json<T: Serialize>(value: &T) -> Result<String, Failure> {
    serde_json::to_string(value)
        .map_err(|error| Failure::Internal(format!("cannot write JSON: {error}")))
}

/// The arrays Python gets back: NumPy's `int64`, as `assign --npy` writes.
type Int64Array<'py> = Bound<'py, PyArray1<i64>>;

/// The sequences passed from Python: their counts, and with `keep_order`
/// their lengths in order too (`in_order[i]` the length of sequence `i`,
/// capped at `u32::MAX` as `packlab::input::OrderedLengths` caps it).
struct Sequences {
    counts: LengthCounts,
    in_order: Vec<u32>,
}

/// What a NumPy array passed from Python holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ArrayHolds {
    /// One length per sequence.
    Lengths,
    /// `counts[i]` sequences of length `i + 1`, a histogram's dense counts.
    DenseCounts,
}

/// The sequences of `array`, a 1-D NumPy array of any integer type, read
/// in place (no copy of it is made, strided or not), and checked as the
/// readers check a file: no length 0, no negative number.
fn sequences_of(
    array: &Bound<'_, PyAny>,
    holds: ArrayHolds,
    keep_order: bool,
) -> Result<Sequences, Failure> {
    macro_rules! try_element_types {
        ($($element:ty),*) => {
            $(
                if let Ok(readonly) = array.extract::<PyReadonlyArray1<'_, $element>>() {
                    return count(readonly.as_array(), holds, keep_order);
                }
            )*
        };
    }
    try_element_types!(i64, i32, u32, u64, i16, u16, i8, u8);
    Err(Failure::Input(format!(
        "{}: expected a 1-D NumPy array of integers, got {}",
        match holds {
            ArrayHolds::Lengths => LENGTHS_SOURCE,
            ArrayHolds::DenseCounts => COUNTS_SOURCE,
        },
        array
            .get_type()
            .name()
            .map_or_else(|_| "an unknown type".to_owned(), |name| name.to_string())
    )))
}

/// [`sequences_of`] for one element type.
fn count<T>(
    values: ArrayView1<'_, T>,
    holds: ArrayHolds,
    keep_order: bool,
) -> Result<Sequences, Failure>
where
    T: Copy + Display + TryInto<u64>,
{
    let source = match holds {
        ArrayHolds::Lengths => LENGTHS_SOURCE,
        ArrayHolds::DenseCounts => COUNTS_SOURCE,
    };
    let fail = |index: usize, kind: InputErrorKind| {
        Failure::from(InputError {
            source_name: source.to_owned(),
            location: Location::Element(index as u64),
            kind,
        })
    };
    let mut counts = LengthCounts::new();
    let mut in_order = Vec::new();
    if keep_order {
        in_order.reserve(values.len());
    }
    for (index, &value) in values.iter().enumerate() {
        let number: u64 = value.try_into().map_err(|_| {
            fail(
                index,
                InputErrorKind::Negative {
                    token: value.to_string(),
                },
            )
        })?;
        let (length, sequences) = match holds {
            ArrayHolds::Lengths => (number, 1),
            ArrayHolds::DenseCounts => (index as u64 + 1, number),
        };
        if length == 0 {
            return Err(fail(index, InputErrorKind::ZeroLength));
        }
        counts.add(length, sequences).map_err(|overflow| {
            fail(
                index,
                InputErrorKind::CountOverflow {
                    length: overflow.length,
                },
            )
        })?;
        if keep_order {
            in_order.push(u32::try_from(length).unwrap_or(u32::MAX));
        }
    }
    if holds == ArrayHolds::DenseCounts {
        // A histogram's row length is its own, as a dense JSON histogram's
        // `max_len` is when the command line reads one.
        if let Ok(max_len) = u32::try_from(values.len()) {
            if max_len > 0 {
                counts.declare_max_len(max_len);
            }
        }
    }
    Ok(Sequences { counts, in_order })
}

/// The counts of `data`: lengths, or with `histogram` a histogram's dense counts.
fn counts_of(data: &Bound<'_, PyAny>, histogram: bool) -> Result<LengthCounts, Failure> {
    let holds = if histogram {
        ArrayHolds::DenseCounts
    } else {
        ArrayHolds::Lengths
    };
    Ok(sequences_of(data, holds, false)?.counts)
}

/// Values Packlab counts in `u64` as NumPy's `int64`, as `assign --npy`
/// writes them (every real index and count is far below 2^63). The vector
/// is converted where it lies (same size, same alignment): no copy of a
/// million indices.
fn int64_array(py: Python<'_>, values: Vec<u64>) -> Result<Int64Array<'_>, Failure> {
    if let Some(&value) = values.iter().find(|&&value| i64::try_from(value).is_err()) {
        return Err(Failure::Internal(
            ExportError::TooLargeForInt64 { value }.to_string(),
        ));
    }
    let converted: Vec<i64> = values.into_iter().map(|value| value as i64).collect();
    Ok(converted.into_pyarray(py))
}

// Text arguments are `String`: the stable ABI before Python 3.10 cannot
// lend a `&str` of a Python string.

/// The histogram of a dataset, with what the overlong policy changed (as
/// JSON): `packlab histogram`.
#[pyfunction]
#[pyo3(signature = (data, histogram, max_len, overlong))]
fn histogram<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    histogram: bool,
    max_len: Option<u64>,
    overlong: String,
) -> PyResult<(Int64Array<'py>, String)> {
    let counts = counts_of(data, histogram)?;
    let rows = RowSettings {
        max_len,
        overlong: setting::<OverlongPolicy>("overlong", &overlong)?,
    };
    let (dense, outcome) = guarded(py, move || {
        let mut analyser = Analyser::new(counts, Box::new(clock()));
        let (histogram, outcome) = analyser.histogram(rows)?;
        Ok((histogram.counts().to_vec(), json(&outcome)?))
    })?;
    Ok((int64_array(py, dense)?, outcome))
}

/// One algorithm's whole plan, as the JSON `packlab pack --json` prints.
#[pyfunction]
#[pyo3(signature = (data, histogram, algorithm, max_len, max_per_pack, overlong))]
fn pack(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    histogram: bool,
    algorithm: String,
    max_len: Option<u64>,
    max_per_pack: String,
    overlong: String,
) -> PyResult<String> {
    let counts = counts_of(data, histogram)?;
    let request = PlanRequest {
        rows: RowSettings {
            max_len,
            overlong: setting("overlong", &overlong)?,
        },
        algorithm: setting("algorithm", &algorithm)?,
        max_per_pack: setting("max_per_pack", &max_per_pack)?,
        bucket_tokens: None,
    };
    Ok(guarded(py, move || {
        let mut analyser = Analyser::new(counts, Box::new(clock()));
        json(&analyser.whole_plan(&request)?)
    })?)
}

/// Each algorithm's whole plan at the same settings (every algorithm, in
/// the command line's order, when `algorithms` is empty), as a JSON array
/// of what `packlab pack --json` prints.
#[pyfunction]
#[pyo3(signature = (data, histogram, algorithms, max_len, max_per_pack, overlong))]
fn compare(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    histogram: bool,
    algorithms: Vec<String>,
    max_len: Option<u64>,
    max_per_pack: String,
    overlong: String,
) -> PyResult<String> {
    let counts = counts_of(data, histogram)?;
    let algorithms: Vec<Algorithm> = if algorithms.is_empty() {
        Algorithm::ALL.to_vec()
    } else {
        algorithms
            .iter()
            .map(|name| setting("algorithms", name))
            .collect::<Result<_, _>>()?
    };
    let rows = RowSettings {
        max_len,
        overlong: setting("overlong", &overlong)?,
    };
    let max_per_pack: MaxPerPack = setting("max_per_pack", &max_per_pack)?;
    Ok(guarded(py, move || {
        // One analyser: the histogram is built once, as in `packlab compare`.
        let mut analyser = Analyser::new(counts, Box::new(clock()));
        let plans = algorithms
            .into_iter()
            .map(|algorithm| {
                analyser.whole_plan(&PlanRequest {
                    rows,
                    algorithm,
                    max_per_pack,
                    bucket_tokens: None,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        json(&plans)
    })?)
}

/// How `assign` lays its packs out across data-parallel ranks, as
/// `packlab assign --world-size` does: a dict with these keys.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct StepsArgument {
    world_size: u32,
    micro_batch: u32,
    grad_accum: u32,
    model: String,
    balance: bool,
    rank: Option<u32>,
}

/// The sequences `lengths`, in order, assigned to packs: the `indices` and
/// `offsets` arrays `packlab assign --npy` writes; with `steps`, the packs
/// in step order (balanced with `steps.balance`), or one rank's.
#[pyfunction]
#[pyo3(signature = (lengths, algorithm, max_len, max_per_pack, overlong, seed, epoch, shuffle_packs, steps=None))]
#[allow(
    clippy::too_many_arguments,
    reason = "one argument per setting of the Python function"
)]
fn assign<'py>(
    py: Python<'py>,
    lengths: &Bound<'py, PyAny>,
    algorithm: String,
    max_len: Option<u64>,
    max_per_pack: String,
    overlong: String,
    seed: u64,
    epoch: u32,
    shuffle_packs: bool,
    steps: Option<StepsArgument>,
) -> PyResult<(Int64Array<'py>, Int64Array<'py>)> {
    let sequences = sequences_of(lengths, ArrayHolds::Lengths, true)?;
    let layout = steps
        .map(|steps| -> Result<_, Failure> {
            let shape = StepShape {
                world_size: steps.world_size,
                micro_batch: steps.micro_batch,
                grad_accum: steps.grad_accum,
            };
            shape
                .validate()
                .map_err(|error| Failure::Input(error.to_string()))?;
            if let Some(rank) = steps.rank.filter(|&rank| rank >= steps.world_size) {
                return Err(Failure::Input(format!(
                    "rank {rank} is not below world_size {}: ranks count from 0",
                    steps.world_size
                )));
            }
            let model: ModelPreset = setting("model", &steps.model)?;
            let layout = StepLayout {
                shape,
                model: ModelChoice::Preset(model),
                balance: steps.balance,
            };
            Ok((layout, steps.rank))
        })
        .transpose()?;
    let request = SequencePlanRequest {
        algorithm: setting("algorithm", &algorithm)?,
        max_len,
        overlong: setting("overlong", &overlong)?,
        max_per_pack: setting("max_per_pack", &max_per_pack)?,
        bucket_tokens: None,
        seed,
        epoch,
        shuffle_packs,
        steps: layout.map(|(layout, _)| layout),
    };
    let rank = layout.and_then(|(layout, rank)| rank.map(|rank| (layout.shape, rank)));
    let assignment = guarded(py, move || {
        let plan = plan_sequences(&sequences.in_order, sequences.counts, &request, clock())?;
        Ok(match rank {
            Some((shape, rank)) => packs_of_rank(&plan.assignment, &shape, rank),
            None => plan.assignment,
        })
    })?;
    Ok((
        int64_array(py, assignment.indices)?,
        int64_array(py, assignment.offsets)?,
    ))
}

/// Where each sequence of one block of a dataset split in blocks goes:
/// its pack and its place in the pack (-1 and -1 for a sequence the
/// overlong policy drops), from the plan of the whole dataset (the JSON
/// of a `PackingPlan`) and `first_ranks`, the sequences of each length in
/// the blocks before this one. Over all blocks, the places of the whole
/// dataset placed as one block.
#[pyfunction]
#[pyo3(signature = (lengths, first_ranks, plan, overlong, seed, epoch, shuffle_packs))]
#[allow(
    clippy::too_many_arguments,
    reason = "one argument per setting of the Python function"
)]
fn place_block<'py>(
    py: Python<'py>,
    lengths: &Bound<'py, PyAny>,
    first_ranks: PyReadonlyArray1<'py, i64>,
    plan: String,
    overlong: String,
    seed: u64,
    epoch: u32,
    shuffle_packs: bool,
) -> PyResult<(Int64Array<'py>, Int64Array<'py>)> {
    let sequences = sequences_of(lengths, ArrayHolds::Lengths, true)?;
    let first_ranks = first_ranks
        .as_array()
        .iter()
        .enumerate()
        .map(|(index, &rank)| {
            u64::try_from(rank).map_err(|_| {
                Failure::Input(format!(
                    "first_ranks: element {index} is {rank}; ranks count sequences, from 0"
                ))
            })
        })
        .collect::<Result<Vec<u64>, _>>()?;
    let plan: PackingPlan = serde_json::from_str(&plan)
        .map_err(|error| Failure::Input(format!("plan: not a Packlab plan ({error})")))?;
    let options = AssignOptions {
        seed,
        epoch,
        shuffle_packs,
        overlong: setting("overlong", &overlong)?,
    };
    let (packs, positions) = guarded(py, move || {
        let slots =
            PackSlots::new(&plan, &options).map_err(|error| Failure::Input(error.to_string()))?;
        let places = place_block_of(&slots, &sequences.in_order, &first_ranks, options.overlong)
            .map_err(|error| Failure::Input(error.to_string()))?;
        // -1 marks a dropped sequence; every real pack and place is far
        // below 2^63.
        let packs = places
            .iter()
            .map(|place| place.map_or(-1, |place| place.pack as i64))
            .collect::<Vec<i64>>();
        let positions = places
            .iter()
            .map(|place| place.map_or(-1, |place| i64::from(place.position)))
            .collect::<Vec<i64>>();
        Ok((packs, positions))
    })?;
    Ok((packs.into_pyarray(py), positions.into_pyarray(py)))
}

/// The lengths of a file's sequences in row order, as `packlab assign`
/// reads them; with `sample`, the dense counts the sample estimates
/// instead (no single row's length is known then). Also returns the notes
/// the command line prints on standard error.
#[pyfunction]
#[pyo3(signature = (path, column, format, documents, tokenizer, text_field, special_tokens, sample))]
#[allow(
    clippy::too_many_arguments,
    reason = "one argument per setting of the Python function"
)]
fn read<'py>(
    py: Python<'py>,
    path: PathBuf,
    column: Option<String>,
    format: Option<String>,
    documents: bool,
    tokenizer: Option<PathBuf>,
    text_field: Option<String>,
    special_tokens: bool,
    sample: Option<u64>,
) -> PyResult<(Int64Array<'py>, bool, Vec<String>)> {
    let format = format.map(|name| setting("format", &name)).transpose()?;
    let (values, estimated, notes) = guarded(py, move || {
        let tokenizer = tokenizer
            .map(|path| TextTokenizer::from_file(&path))
            .transpose()?
            .map(|tokenizer| SharedTokenizer::from(tokenizer.with_special_tokens(special_tokens)));
        let options = ReadOptions {
            format,
            column,
            documents,
            tokenizer,
            text_field,
            sample_rows: sample,
        };
        if sample.is_none() {
            let read = read_file_lengths_in_order(&path, &options)?;
            let lengths = read
                .lengths
                .iter()
                .map(|&length| u64::from(length))
                .collect();
            let notes = read.stats.notes.iter().map(ToString::to_string).collect();
            return Ok((lengths, false, notes));
        }
        // A sample stands for rows it never saw: only counts come of it,
        // as they do for `packlab pack --sample`.
        let mut counts = LengthCounts::new();
        let stats = read_file_lengths(&path, &options, &mut counts)?;
        let notes = stats.notes.iter().map(ToString::to_string).collect();
        let max_len = counts
            .default_max_len()
            .ok_or_else(|| Failure::Input(packlab::HistogramError::Empty.to_string()))?;
        let (histogram, _) = Histogram::from_counts(&counts, max_len, OverlongPolicy::Truncate)
            .map_err(|error| Failure::Input(error.to_string()))?;
        Ok((histogram.counts().to_vec(), true, notes))
    })?;
    Ok((int64_array(py, values)?, estimated, notes))
}

/// Packlab's engine for the `packlab` Python package.
#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(histogram, module)?)?;
    module.add_function(wrap_pyfunction!(pack, module)?)?;
    module.add_function(wrap_pyfunction!(compare, module)?)?;
    module.add_function(wrap_pyfunction!(assign, module)?)?;
    module.add_function(wrap_pyfunction!(read, module)?)?;
    module.add_function(wrap_pyfunction!(place_block, module)?)?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
