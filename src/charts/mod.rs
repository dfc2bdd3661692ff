//! The page's charts, drawn with plotters on a canvas or into SVG text.
//!
//! Each chart is a function from its own data (a piece of the page's
//! answers, see [`ChartData`] and [`crate::analysis`]) to drawing commands
//! on any plotters backend, so the canvas on screen and the SVG export are
//! the same drawing. Main thread only: the page draws on its canvases,
//! and text is measured on an off-screen canvas (see `measure`).

mod anatomy;
mod comparison;
mod data;
mod histogram;
mod mask;
mod max_len_sweep;
mod measure;
mod step_balance;
mod style;
mod sweep;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use web_sys::HtmlCanvasElement;

pub(crate) use data::{ChartData, ChartKind, ChartOptions};
use measure::{ChartBackend, Target};
use style::Style;

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
        (ChartKind::StepBalance, ChartData::StepBalance(data)) => {
            step_balance::draw(root, data, style)
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
