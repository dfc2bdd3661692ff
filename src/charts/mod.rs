//! The page's charts, drawn with plotters on a canvas or into SVG text.
//!
//! Each chart is a function from plain data (the page's `Analysis`, see
//! [`crate::analysis`]) to drawing commands on any plotters backend, so the
//! canvas on screen and the SVG export are the same drawing. Main thread
//! only: plotters measures text through the page's DOM.

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

impl ChartKind {
    /// The fields of [`ChartData`] this chart reads. The page hands each
    /// chart only these, and redraws it only when one of them changed: the
    /// first figures arrive in several answers, and most of them concern
    /// only some of the charts.
    pub(crate) fn fields(self) -> &'static [&'static str] {
        match self {
            ChartKind::Histogram => &["max_len", "summary", "histogram"],
            ChartKind::Comparison => &["reports"],
            ChartKind::Sweep => &["sweep", "reports"],
            ChartKind::Anatomy | ChartKind::Mask => &["detail"],
            ChartKind::MaxLenSweep => &["max_len_sweep", "max_len"],
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

/// What the charts draw: the fields of the page's `Analysis` they need.
/// Each chart reads its own and says so when one is missing.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ChartData {
    /// The row length.
    pub max_len: Option<u32>,
    /// Length statistics.
    pub summary: Option<LengthSummary>,
    /// The binned histogram.
    pub histogram: Option<HistogramBins>,
    /// One report per algorithm shown.
    pub reports: Vec<Report>,
    /// The max-per-pack sweep.
    pub sweep: Vec<SweepLine>,
    /// The plan looked at closely.
    pub detail: Option<PlanDetail>,
    /// The sweep over row lengths.
    pub max_len_sweep: Vec<MaxLenPoint>,
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
    match kind {
        ChartKind::Histogram => histogram::draw(root, data, style),
        ChartKind::Comparison => comparison::draw(root, data, style),
        ChartKind::Sweep => sweep::draw(root, data, style),
        ChartKind::Anatomy => anatomy::draw(root, data, style),
        ChartKind::Mask => mask::draw(root, data, style),
        ChartKind::MaxLenSweep => max_len_sweep::draw(root, data, style),
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
