//! Choosing max_len: the same data packed at several row lengths.
//!
//! Two panels share a logarithmic max_len axis. Above, the compute an
//! epoch needs relative to padding every sequence to the current max_len
//! (below 1× is cheaper): the figure a row length is chosen by. Below,
//! each algorithm's efficiency, with the share of tokens the overlong
//! policy loses at each length as bars, because a short row that looks
//! cheap may be cheap only by cutting the data.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::data::MaxLenChart;
use super::style::Style;
use super::style::{
    area_size, clean_fraction, draw_if_too_small, draw_message, drawing_failed, format_factor_tick,
    sort_by_x, text_size, LegendRows, Point, TickedAxis,
};
use super::sweep::{draw_legend_entry, marker};
use crate::algorithms::Algorithm;
use crate::max_len_sweep::MaxLenPoint;

/// Share of the plot height the upper panel (relative compute) takes.
const UPPER_SHARE: f64 = 0.56;

/// Power-of-two tick labels closer than this (CSS pixels) would collide:
/// every second (fourth, …) power is labelled instead.
const MIN_TICK_SPACING_CSS: f64 = 40.0;

/// The upper panel stops at this many times the baseline's compute: no
/// sensible row length costs more, and a broken figure cannot stretch the
/// axis into uselessness (lines beyond it are clipped).
const MAX_RELATIVE_COMPUTE: f64 = 100.0;

/// Half the width of a truncation bar, in octaves (log₂ units) of max_len.
const BAR_HALF_WIDTH_OCTAVES: f64 = 0.09;

/// Line width and marker radius, CSS pixels.
const LINE_CSS: f64 = 1.8;
const MARKER_CSS: f64 = 3.2;

#[inline(never)] // See `charts::draw`.
pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &MaxLenChart,
    style: &Style,
) -> Result<(), String> {
    if draw_if_too_small(root, style)? {
        return Ok(());
    }
    let points: Vec<&MaxLenPoint> = data
        .points
        .iter()
        .filter(|point| point.candidate.max_len > 0)
        .collect();
    if points.is_empty() {
        return draw_message(root, "No max_len sweep yet", style);
    }
    let algorithms = algorithms_of(&points);
    if algorithms.is_empty() {
        return draw_message(root, "No algorithms selected", style);
    }

    let octave = |max_len: u32| f64::from(max_len).log2();
    let shortest = points
        .iter()
        .map(|point| octave(point.candidate.max_len))
        .fold(f64::INFINITY, f64::min);
    let longest = points
        .iter()
        .map(|point| octave(point.candidate.max_len))
        .fold(f64::NEG_INFINITY, f64::max);
    let padding = if longest - shortest < 1.0 { 0.5 } else { 0.25 };
    let x_range = shortest - padding..longest + padding;

    // The highest relative compute, so the upper panel holds every line
    // and the 1× baseline.
    let highest = points
        .iter()
        .flat_map(|point| &point.results)
        .map(|result| result.relative_compute)
        .filter(|value| value.is_finite())
        .fold(1.0, f64::max)
        .min(MAX_RELATIVE_COMPUTE);
    let compute_top = (highest * 1.12).max(1.2);

    let legend_height = draw_legend(root, &algorithms, style)?;
    let area = root.margin(legend_height + style.offset(6.0), 0, 0, 0);
    let (width, height) = area_size(&area);

    let tick_font = style.subtle_text(11.5);
    let (factor_width, _) = text_size(&area, &format_factor_tick(compute_top), &tick_font)?;
    let (percent_width, _) = text_size(&area, "100%", &tick_font)?;
    let y_label_area = (factor_width.max(percent_width) + style.offset(30.0)).min(width / 3);
    let margin_left = style.offset(4.0);
    let margin_right = style.offset(16.0);
    let plot_width = f64::from(width - y_label_area - margin_left - margin_right).max(1.0);
    let ticks = power_of_two_ticks(&x_range, plot_width, style);

    let gap = style.offset(8.0);
    let upper_height = (f64::from(height) * UPPER_SHARE).round() as i32;
    let (upper, lower) = area.split_vertically(upper_height);
    let lower = lower.margin(gap, 0, 0, 0);
    let current = data.max_len.map(octave);

    // ---- Upper panel: compute relative to padding at the current max_len.
    let mut chart = ChartBuilder::on(&upper)
        .margin_left(margin_left)
        .margin_right(margin_right)
        .margin_top(style.offset(4.0))
        .x_label_area_size(style.offset(6.0))
        .y_label_area_size(y_label_area)
        .build_cartesian_2d(
            TickedAxis::new(x_range.clone(), ticks.clone()),
            0f64..compute_top,
        )
        .map_err(drawing_failed)?;
    let mut mesh = chart.configure_mesh();
    style.mesh(&mut mesh);
    mesh.x_label_formatter(&|_| String::new())
        .y_labels(5)
        .y_label_formatter(&|factor| format_factor_tick(*factor))
        .y_desc("compute vs. padding")
        .draw()
        .map_err(drawing_failed)?;
    // 1× is padding every sequence to the current max_len: the baseline.
    chart
        .draw_series(DashedLineSeries::new(
            [(x_range.start, 1.0), (x_range.end, 1.0)],
            style.offset(4.0),
            style.offset(4.0),
            style.line(style.muted, 1.2),
        ))
        .map_err(drawing_failed)?;
    chart
        .draw_series(std::iter::once(Text::new(
            "1× = no packing at the current max_len",
            (x_range.start, 1.0),
            style
                .subtle_text(10.5)
                .pos(Pos::new(HPos::Left, VPos::Bottom)),
        )))
        .map_err(drawing_failed)?;
    if let Some(x) = current {
        // Labelled on the side with more room, so it never runs off the chart.
        let right_half = (x - x_range.start) / (x_range.end - x_range.start) > 0.5;
        draw_current(
            &mut chart,
            x,
            0.0,
            compute_top,
            Some(("current max_len", right_half)),
            style,
        )?;
    }
    for &algorithm in &algorithms {
        let line = line_points(&points, algorithm, |result| result.relative_compute);
        draw_line(&mut chart, algorithm, &line, style)?;
    }

    // ---- Lower panel: efficiency, and tokens lost to the overlong policy.
    let mut chart = ChartBuilder::on(&lower)
        .margin_left(margin_left)
        .margin_right(margin_right)
        .x_label_area_size(style.offset(40.0))
        .y_label_area_size(y_label_area)
        .build_cartesian_2d(TickedAxis::new(x_range.clone(), ticks), 0f64..100.0)
        .map_err(drawing_failed)?;
    let mut mesh = chart.configure_mesh();
    style.mesh(&mut mesh);
    mesh.x_label_formatter(&|x| format_power_of_two(*x))
        .y_labels(5)
        .y_label_formatter(&|percent| format!("{percent:.0}%"))
        .x_desc("max_len (tokens, log scale)")
        .y_desc("efficiency")
        .draw()
        .map_err(drawing_failed)?;
    let lost_fill = style.warning.mix(0.75).filled();
    chart
        .draw_series(points.iter().map(|point| {
            let x = octave(point.candidate.max_len);
            let lost = clean_fraction(point.tokens_lost_fraction) * 100.0;
            Rectangle::new(
                [
                    (x - BAR_HALF_WIDTH_OCTAVES, 0.0),
                    (x + BAR_HALF_WIDTH_OCTAVES, lost),
                ],
                lost_fill,
            )
        }))
        .map_err(drawing_failed)?;
    if let Some(x) = current {
        draw_current(&mut chart, x, 0.0, 100.0, None, style)?;
    }
    for &algorithm in &algorithms {
        let line = line_points(&points, algorithm, |result| {
            if result.efficiency.is_finite() {
                clean_fraction(result.efficiency) * 100.0
            } else {
                f64::NAN
            }
        });
        draw_line(&mut chart, algorithm, &line, style)?;
    }
    Ok(())
}

/// The algorithms of the sweep, in the order of their first appearance.
fn algorithms_of(points: &[&MaxLenPoint]) -> Vec<Algorithm> {
    let mut algorithms = Vec::new();
    for result in points.iter().flat_map(|point| &point.results) {
        if !algorithms.contains(&result.algorithm) {
            algorithms.push(result.algorithm);
        }
    }
    algorithms
}

/// One algorithm's points `(log₂ max_len, value)` in max_len order,
/// leaving out values that are not finite.
fn line_points(
    points: &[&MaxLenPoint],
    algorithm: Algorithm,
    value: impl Fn(&crate::max_len_sweep::MaxLenResult) -> f64,
) -> Vec<Point> {
    let mut line: Vec<Point> = points
        .iter()
        .filter_map(|point| {
            let result = point
                .results
                .iter()
                .find(|result| result.algorithm == algorithm)?;
            let y = value(result);
            y.is_finite()
                .then(|| (f64::from(point.candidate.max_len).log2(), y))
        })
        .collect();
    sort_by_x(&mut line);
    line
}

type Panel<'a, DB> =
    ChartContext<'a, DB, Cartesian2d<TickedAxis, plotters::coord::types::RangedCoordf64>>;

fn draw_line<DB: DrawingBackend>(
    chart: &mut Panel<'_, DB>,
    algorithm: Algorithm,
    line: &[Point],
    style: &Style,
) -> Result<(), String> {
    let color = style.algorithm_color(algorithm);
    chart
        .draw_series(LineSeries::new(
            line.iter().copied(),
            color.stroke_width(style.px(LINE_CSS)),
        ))
        .map_err(drawing_failed)?;
    let radius = style.offset(MARKER_CSS);
    chart
        .draw_series(
            line.iter()
                .map(|point| EmptyElement::at(*point) + marker(algorithm, radius, color)),
        )
        .map_err(drawing_failed)?;
    Ok(())
}

/// The row length the rest of the page shows, as a dashed line, with an
/// optional label: its text, and whether it goes left of the line.
fn draw_current<DB: DrawingBackend>(
    chart: &mut Panel<'_, DB>,
    x: f64,
    bottom: f64,
    top: f64,
    label: Option<(&str, bool)>,
    style: &Style,
) -> Result<(), String> {
    chart
        .draw_series(DashedLineSeries::new(
            [(x, bottom), (x, top)],
            style.offset(3.0),
            style.offset(3.0),
            style.accent.stroke_width(style.px(1.2)),
        ))
        .map_err(drawing_failed)?;
    if let Some((label, on_the_left)) = label {
        let (text, anchor) = if on_the_left {
            (format!("{label} "), HPos::Right)
        } else {
            (format!(" {label}"), HPos::Left)
        };
        chart
            .draw_series(std::iter::once(Text::new(
                text,
                (x, top),
                style
                    .subtle_text(11.0)
                    .color(&style.accent)
                    .pos(Pos::new(anchor, VPos::Top)),
            )))
            .map_err(drawing_failed)?;
    }
    Ok(())
}

/// Ticks at the powers of two in `range` (log₂ units), thinned to every
/// 2nd, 4th… power when they would crowd `plot_width` device pixels.
fn power_of_two_ticks(range: &std::ops::Range<f64>, plot_width: f64, style: &Style) -> Vec<f64> {
    let first = range.start.ceil();
    let last = range.end.floor();
    if !first.is_finite() || !last.is_finite() || last < first {
        return Vec::new();
    }
    let spacing = plot_width / (range.end - range.start).max(f64::MIN_POSITIVE);
    let minimum = MIN_TICK_SPACING_CSS * style.pixel_ratio;
    let step = [1.0, 2.0, 4.0, 8.0]
        .into_iter()
        .find(|step| spacing * step >= minimum)
        .unwrap_or(8.0);
    (0u32..64)
        .map(|index| first + f64::from(index) * step)
        .take_while(|tick| *tick <= last)
        .collect()
}

/// A power of two from its exponent, as ML configurations write row
/// lengths: `512`, `4096`, then `8k`, `32k`, `1M`.
fn format_power_of_two(exponent: f64) -> String {
    if !exponent.is_finite() {
        return String::new();
    }
    let value = exponent.round().exp2();
    if value >= 1_048_576.0 {
        format!("{:.0}M", value / 1_048_576.0)
    } else if value >= 8192.0 {
        format!("{:.0}k", value / 1024.0)
    } else {
        format!("{value:.0}")
    }
}

/// The legend above the plot: each algorithm's line and marker, then the
/// truncation bars. Returns the height it takes.
fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    algorithms: &[Algorithm],
    style: &Style,
) -> Result<i32, String> {
    let (width, _) = area_size(root);
    let mut rows = LegendRows::new(width, style);
    for &algorithm in algorithms {
        draw_legend_entry(root, &mut rows, algorithm, (LINE_CSS, MARKER_CSS), style)?;
    }
    let square = style.offset(10.0);
    rows.draw_entry(
        root,
        square,
        "tokens lost past max_len",
        style,
        |left_edge, centre| {
            root.draw(&Rectangle::new(
                [
                    (left_edge, centre - square / 2),
                    (left_edge + square, centre + square / 2),
                ],
                style.warning.mix(0.75).filled(),
            ))
            .map_err(drawing_failed)
        },
    )?;
    Ok(rows.height())
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn row_lengths_are_written_as_configured() {
        assert_eq!(format_power_of_two(9.0), "512");
        assert_eq!(format_power_of_two(12.0), "4096");
        assert_eq!(format_power_of_two(13.0), "8k");
        assert_eq!(format_power_of_two(15.0), "32k");
        assert_eq!(format_power_of_two(20.0), "1M");
        assert_eq!(format_power_of_two(f64::NAN), "");
    }
}
