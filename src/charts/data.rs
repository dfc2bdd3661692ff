//! What the page asks a chart to draw: which chart, its own data (a piece
//! of the page's answers, read as the chart's type), and how.

use std::str::FromStr;

use serde::Deserialize;
use wasm_bindgen::JsValue;

use crate::analysis::{HistogramBins, PlanDetail, StepBalance, SweepLine};
use crate::histogram::LengthSummary;
use crate::max_len_sweep::MaxLenPoint;
use crate::report::Report;

/// Which chart to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChartKind {
    /// The length histogram with the max_len marker.
    Histogram,
    /// Efficiency of every algorithm.
    Comparison,
    /// Efficiency and speed-up against max sequences per pack.
    Sweep,
    /// How many sequences packs hold and how full they are.
    Anatomy,
    /// One example pack, its attention mask and its position ids.
    Mask,
    /// Relative compute, efficiency and truncation against max_len.
    MaxLenSweep,
    /// How much each training step's slowest GPU exceeds the step's mean,
    /// shuffled and balanced.
    StepBalance,
}

impl FromStr for ChartKind {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "histogram" => Ok(ChartKind::Histogram),
            "comparison" => Ok(ChartKind::Comparison),
            "sweep" => Ok(ChartKind::Sweep),
            "anatomy" => Ok(ChartKind::Anatomy),
            "mask" => Ok(ChartKind::Mask),
            "max-len-sweep" => Ok(ChartKind::MaxLenSweep),
            "step-balance" => Ok(ChartKind::StepBalance),
            other => Err(format!(
                "unknown chart `{other}`: use histogram, comparison, sweep, anatomy, mask, \
                 max-len-sweep or step-balance"
            )),
        }
    }
}

/// How to draw.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub(crate) struct ChartOptions {
    /// Dark colour scheme.
    pub dark: bool,
    /// Device pixels per CSS pixel: text and lines scale with it.
    pub pixel_ratio: f64,
}

impl Default for ChartOptions {
    fn default() -> Self {
        ChartOptions {
            dark: false,
            pixel_ratio: 1.0,
        }
    }
}

/// What a chart draws: the piece of the page's answers it needs, read
/// from the page as the chart's own type (extra fields are ignored, so the
/// page may hand over a whole answer, such as a `DataSummary`).
pub(crate) enum ChartData {
    /// The length histogram.
    Histogram(LengthsChart),
    /// Every algorithm's efficiency.
    Comparison(ComparisonChart),
    /// The max-per-pack sweep.
    Sweep(SweepChart),
    /// The plan looked at closely: its anatomy, or its example pack.
    Detail(PlanDetail),
    /// The sweep over row lengths.
    MaxLenSweep(MaxLenChart),
    /// One plan's training steps across GPUs: the whole answer.
    StepBalance(StepBalance),
}

/// The histogram chart's data: the lengths binned, and their statistics.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct LengthsChart {
    /// The binned histogram (with the row length it is drawn against).
    pub histogram: HistogramBins,
    /// Length statistics, for the median and the count past max_len.
    #[serde(default)]
    pub summary: Option<LengthSummary>,
}

/// The comparison chart's data.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ComparisonChart {
    /// One report per algorithm shown, in the page's order.
    #[serde(default)]
    pub reports: Vec<Report>,
}

/// The max-per-pack sweep chart's data.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SweepChart {
    /// One line per algorithm swept.
    #[serde(default)]
    pub lines: Vec<SweepLine>,
    /// The reports shown above the chart: each one's limit is marked.
    #[serde(default)]
    pub reports: Vec<Report>,
    /// The user's trainer, a level line: its packing has no limit on
    /// sequences per pack to sweep.
    #[serde(default)]
    pub trainer: Option<TrainerLevel>,
}

/// A trainer's efficiency, drawn across a sweep.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct TrainerLevel {
    /// What the page calls the trainer.
    pub label: String,
    /// Its real tokens over computed ones.
    pub efficiency: f64,
}

/// The max_len sweep chart's data.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct MaxLenChart {
    /// One point per candidate row length.
    #[serde(default)]
    pub points: Vec<MaxLenPoint>,
    /// The current row length, marked.
    #[serde(default)]
    pub max_len: Option<u32>,
}

impl ChartData {
    /// The data of a `kind` chart, from what the page passes.
    ///
    /// # Errors
    /// The value is not the chart's data; the message names the chart and
    /// what is missing.
    pub(crate) fn read(kind: ChartKind, value: JsValue) -> Result<Self, String> {
        fn read<T: serde::de::DeserializeOwned>(value: JsValue, what: &str) -> Result<T, String> {
            serde_wasm_bindgen::from_value(value).map_err(|error| {
                format!("the {what} chart cannot be drawn from this data: {error}")
            })
        }
        Ok(match kind {
            ChartKind::Histogram => ChartData::Histogram(read(value, "histogram")?),
            ChartKind::Comparison => ChartData::Comparison(read(value, "comparison")?),
            ChartKind::Sweep => ChartData::Sweep(read(value, "sweep")?),
            ChartKind::Anatomy => ChartData::Detail(read(value, "anatomy")?),
            ChartKind::Mask => ChartData::Detail(read(value, "mask")?),
            ChartKind::MaxLenSweep => ChartData::MaxLenSweep(read(value, "max_len sweep")?),
            ChartKind::StepBalance => ChartData::StepBalance(read(value, "step-balance")?),
        })
    }
}
