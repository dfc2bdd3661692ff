//! The page's charts, drawn with plotters on a canvas or into SVG text.
//!
//! Each chart is a function from its own data (a piece of the page's
//! answers, see [`ChartData`] and [`crate::analysis`]) to drawing commands
//! on any plotters backend, so the canvas on screen and the SVG export are
//! the same drawing. Main thread only: the page draws on its canvases,
//! and text is measured on an off-screen canvas (see `measure`).

mod anatomy;
mod comparison;
mod histogram;
mod mask;
mod max_len_sweep;
mod measure;
mod style;
mod sweep;

use std::str::FromStr;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use serde::Deserialize;
use web_sys::HtmlCanvasElement;

use wasm_bindgen::JsValue;

use crate::analysis::{HistogramBins, PlanDetail, SweepLine};
use crate::histogram::LengthSummary;
use crate::max_len_sweep::MaxLenPoint;
use crate::report::Report;

use measure::{ChartBackend, Target};
pub(crate) use style::Style;

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
            other => Err(format!(
                "unknown chart `{other}`: use histogram, comparison, sweep, anatomy, mask \
                 or max-len-sweep"
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
        })
    }
}

/// Draws `kind` over the whole of `root`.
///
/// Each chart's drawing stays a function of its own rather than being
/// inlined here: the browser compiles a WebAssembly function on its first
/// call, whole, and one function holding every chart took a tenth of a
/// second to compile on the page's first frame.
fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    kind: ChartKind,
    data: &ChartData,
    style: &Style,
) -> Result<(), String> {
    root.fill(&style.background)
        .map_err(|error| error.to_string())?;
    match (kind, data) {
        (ChartKind::Histogram, ChartData::Histogram(data)) => histogram::draw(root, data, style),
        (ChartKind::Comparison, ChartData::Comparison(data)) => comparison::draw(root, data, style),
        (ChartKind::Sweep, ChartData::Sweep(data)) => sweep::draw(root, data, style),
        (ChartKind::Anatomy, ChartData::Detail(detail)) => anatomy::draw(root, detail, style),
        (ChartKind::Mask, ChartData::Detail(detail)) => mask::draw(root, detail, style),
        (ChartKind::MaxLenSweep, ChartData::MaxLenSweep(data)) => {
            max_len_sweep::draw(root, data, style)
        }
        _ => Err("the chart's data is of another chart (see `ChartData::read`)".to_string()),
    }?;
    root.present().map_err(|error| error.to_string())
}

/// Draws on a canvas of the page, at the canvas's pixel size.
pub(crate) fn draw_on_canvas(
    canvas: HtmlCanvasElement,
    kind: ChartKind,
    data: &ChartData,
    options: &ChartOptions,
) -> Result<(), String> {
    let backend = CanvasBackend::with_canvas_object(canvas)
        .ok_or_else(|| "the canvas has no 2D context".to_string())?;
    let root = ChartBackend::new(Target::Canvas(backend)).into_drawing_area();
    draw(&root, kind, data, &Style::new(options))
}

/// Draws into SVG text of `width` × `height` pixels.
pub(crate) fn draw_svg(
    kind: ChartKind,
    data: &ChartData,
    options: &ChartOptions,
    width: u32,
    height: u32,
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let backend = SVGBackend::with_string(&mut svg, (width.max(1), height.max(1)));
        let root = ChartBackend::new(Target::Svg(backend)).into_drawing_area();
        draw(&root, kind, data, &Style::new(options))?;
    }
    Ok(svg)
}
