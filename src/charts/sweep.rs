//! Efficiency and speed-up against the most sequences a pack may hold: how
//! much each algorithm gains from deeper packs, and where the gain stops.
//! A model that must handle many sequences per row costs more per row (more
//! attention blocks, more position resets), so users look for the knee.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::data::SweepChart;
use super::style::Style;
use super::style::{
    area_size, clean_fraction, count_value, draw_if_too_small, draw_message, drawing_failed,
    format_factor_tick, sort_by_x, text_size, LegendRows, Point, TickedAxis,
};
use crate::algorithms::Algorithm;
use crate::analysis::SweepLine;

/// Tick labels closer than this (CSS pixels) would collide: every second
/// (fourth, …) setting is labelled instead.
const MIN_TICK_SPACING_CSS: f64 = 22.0;

#[inline(never)] // See `charts::draw`.
pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &SweepChart,
    style: &Style,
) -> Result<(), String> {
    if draw_if_too_small(root, style)? {
        return Ok(());
    }
    if data.lines.is_empty() {
        return draw_message(root, "No algorithms selected", style);
    }
    // The unlimited setting sits one step after the deepest limit.
    let deepest = data
        .lines
        .iter()
        .flat_map(|line| &line.points)
        .filter_map(|point| point.max_per_pack)
        .max()
        .unwrap_or(0);
    let unlimited_x = f64::from(deepest) + 1.0;
    let lines: Vec<(&SweepLine, Vec<Point>)> = data
        .lines
        .iter()
        .map(|line| (line, line_points(line, unlimited_x)))
        .collect();
    let all_points = || lines.iter().flat_map(|(_, points)| points.iter());
    if all_points().next().is_none() {
        return draw_message(root, "No sweep results yet", style);
    }
    let has_unlimited = data
        .lines
        .iter()
        .flat_map(|line| &line.points)
        .any(|point| point.max_per_pack.is_none());
    let shallowest = all_points()
        .map(|point| point.0)
        .fold(f64::INFINITY, f64::min);
    let x_start = shallowest.min(unlimited_x) - 0.5;
    let x_end = if has_unlimited {
        unlimited_x + 0.5
    } else {
        f64::from(deepest.max(1)) + 0.5
    };

    // Efficiency from a round 10% below the lowest point (or the
    // trainer's level) up to 100%.
    let trainer = data
        .trainer
        .as_ref()
        .filter(|trainer| trainer.efficiency.is_finite() && trainer.efficiency > 0.0);
    let lowest = all_points()
        .map(|point| point.1)
        .chain(trainer.map(|trainer| clean_fraction(trainer.efficiency) * 100.0))
        .fold(100.0, f64::min);
    let y_start = ((lowest - 4.0) / 10.0).floor().clamp(0.0, 9.0) * 10.0;
    let y_end = 100.0;
    // Speed-up is efficiency × the speed-up limit, the same for every point
    // of a dataset, so a second axis scaled by it reads the same lines.
    let limit = data
        .lines
        .iter()
        .flat_map(|line| &line.points)
        .filter(|point| point.efficiency.is_finite() && point.efficiency > 0.0)
        .map(|point| point.speedup / point.efficiency)
        .find(|limit| limit.is_finite() && *limit > 0.0);

    let legend_height = draw_legend(root, &data.lines, style)?;
    let tick_font = style.subtle_text(11.5);
    let (percent_width, _) = text_size(root, "100%", &tick_font)?;
    let widest_factor = format!("{}0", format_factor_tick(limit.unwrap_or(1.0)));
    let (factor_width, _) = text_size(root, &widest_factor, &tick_font)?;
    let axis_name_room = style.offset(26.0);
    let mut builder = ChartBuilder::on(root);
    builder
        .margin_top(legend_height + style.offset(10.0))
        .margin_left(style.offset(4.0))
        .margin_right(style.offset(if limit.is_some() { 4.0 } else { 16.0 }))
        .margin_bottom(style.offset(4.0))
        .x_label_area_size(style.offset(40.0))
        .y_label_area_size(percent_width + axis_name_room);
    if limit.is_some() {
        builder.right_y_label_area_size(factor_width + axis_name_room);
    }
    let (width, _) = area_size(root);
    let plot_width =
        f64::from(width) - f64::from(percent_width + factor_width + 2 * axis_name_room);
    let key_points = x_key_points(x_start, x_end, deepest, has_unlimited, plot_width, style);
    let mut chart = builder
        .build_cartesian_2d(TickedAxis::new(x_start..x_end, key_points), y_start..y_end)
        .map_err(drawing_failed)?
        .set_secondary_coord(
            x_start..x_end,
            limit.map_or(0.0..1.0, |limit| {
                y_start / 100.0 * limit..y_end / 100.0 * limit
            }),
        );

    let x_label = |x: &f64| {
        if has_unlimited && (*x - unlimited_x).abs() < 0.25 {
            "∞".to_string()
        } else {
            format!("{x:.0}")
        }
    };
    let mut mesh = chart.configure_mesh();
    style.mesh(&mut mesh);
    mesh.x_label_formatter(&x_label)
        .y_labels(6)
        .y_label_formatter(&|percent| format!("{percent:.0}%"))
        .x_desc("max sequences per pack (∞ = no limit)")
        .y_desc("efficiency")
        .draw()
        .map_err(drawing_failed)?;
    if limit.is_some() {
        chart
            .configure_secondary_axes()
            .axis_style(style.line(style.muted, 1.0))
            .label_style(style.subtle_text(11.5))
            .set_all_tick_mark_size(style.px(3.0))
            .y_labels(6)
            .y_label_formatter(&|factor| format_factor_tick(*factor))
            .draw()
            .map_err(drawing_failed)?;
        // Named by hand: plotters turns a right axis name the other way
        // round from the left one.
        let (plot_x, plot_y) = chart.plotting_area().get_pixel_range();
        let base = root.get_base_pixel();
        let beside_labels = plot_x.end - base.0 + factor_width + style.offset(10.0);
        root.draw(&Text::new(
            "speed-up",
            (beside_labels, (plot_y.start + plot_y.end) / 2 - base.1),
            style
                .subtle_text(12.0)
                .transform(FontTransform::Rotate270)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(drawing_failed)?;
    }

    // The setting the rest of the page shows, so the user sees where the
    // results above stand among the others: a line when every algorithm
    // packs at one setting; by default they differ (NNLSHP at 3, the others
    // with no limit), and the ring around each one's point says it.
    if let Some(current) = shared_setting(data) {
        let x = current.map_or(unlimited_x, f64::from);
        if x > x_start && x < x_end {
            chart
                .draw_series(DashedLineSeries::new(
                    [(x, y_start), (x, y_end)],
                    style.offset(3.0),
                    style.offset(3.0),
                    style.accent.stroke_width(style.px(1.2)),
                ))
                .map_err(drawing_failed)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    " current setting",
                    (x, y_start),
                    style
                        .subtle_text(11.0)
                        .color(&style.accent)
                        .pos(Pos::new(HPos::Left, VPos::Bottom)),
                )))
                .map_err(drawing_failed)?;
        }
    }

    // The user's trainer packs with no limit to sweep: a level across.
    if let Some(trainer) = trainer {
        let y = clean_fraction(trainer.efficiency) * 100.0;
        let color = style.muted;
        chart
            .draw_series(DashedLineSeries::new(
                [(x_start, y), (x_end, y)],
                style.offset(6.0),
                style.offset(4.0),
                color.stroke_width(style.px(1.6)),
            ))
            .map_err(drawing_failed)?;
        // Above the line, or below it near the top of the plot.
        let room_above = (y_end - y) / (y_end - y_start) > 0.08;
        let vertical = if room_above { VPos::Bottom } else { VPos::Top };
        chart
            .draw_series(std::iter::once(Text::new(
                format!("{} {:.1}% ", trainer.label, y),
                (x_end, y),
                style.subtle_text(11.0).pos(Pos::new(HPos::Right, vertical)),
            )))
            .map_err(drawing_failed)?;
    }

    let lines_drawn = lines.len();
    for (order, (line, points)) in lines.iter().enumerate() {
        let color = style.algorithm_color(line.algorithm);
        // Lines drawn earlier are wider (up to four steps), so lines that
        // coincide (several algorithms often reach the same efficiency) show
        // as stacked stripes instead of hiding each other.
        let stacking = count_value(u64::try_from(lines_drawn - order - 1).unwrap_or(0)).min(4.0);
        let line_width = style.px(LINE_CSS + LINE_STEP_CSS * stacking);
        // Limited settings joined solid; the jump to "no limit" dashed, as
        // it skips every depth in between.
        let (limited, unlimited): (Vec<Point>, Vec<Point>) = points
            .iter()
            .partition(|point| !has_unlimited || (point.0 - unlimited_x).abs() > 0.25);
        chart
            .draw_series(LineSeries::new(
                limited.iter().copied(),
                color.stroke_width(line_width),
            ))
            .map_err(drawing_failed)?;
        if let (Some(last), Some(end)) = (limited.last(), unlimited.first()) {
            chart
                .draw_series(DashedLineSeries::new(
                    [*last, *end],
                    style.offset(4.0),
                    style.offset(3.0),
                    color.stroke_width(line_width),
                ))
                .map_err(drawing_failed)?;
        }
        let radius = style.offset(MARKER_CSS + LINE_STEP_CSS / 2.0 * stacking);
        chart
            .draw_series(
                points
                    .iter()
                    .map(|point| EmptyElement::at(*point) + marker(line.algorithm, radius, color)),
            )
            .map_err(drawing_failed)?;
    }
    let ring_radius = style.offset(MARKER_CSS + LINE_STEP_CSS * 2.0 + 4.0);
    for report in data
        .reports
        .iter()
        .filter(|report| report.algorithm != Algorithm::None)
    {
        let x = report.max_per_pack.map_or(unlimited_x, f64::from);
        let shown = lines.iter().any(|(line, points)| {
            line.algorithm == report.algorithm && points.iter().any(|point| point.0 == x)
        });
        if shown && report.efficiency.is_finite() {
            let y = clean_fraction(report.efficiency) * 100.0;
            chart
                .draw_series(std::iter::once(Circle::new(
                    (x, y),
                    ring_radius,
                    style.accent.stroke_width(style.px(1.2)),
                )))
                .map_err(drawing_failed)?;
        }
    }
    Ok(())
}

/// The max-per-pack setting every report shown beside the sweep packs at
/// (`Some(None)` for no limit), if they share one; no packing's aside.
fn shared_setting(data: &SweepChart) -> Option<Option<u32>> {
    let mut settings = data
        .reports
        .iter()
        .filter(|report| report.algorithm != Algorithm::None)
        .map(|report| report.max_per_pack);
    let first = settings.next()?;
    settings.all(|setting| setting == first).then_some(first)
}

/// Line width and marker radius of the line drawn last (CSS pixels), and
/// how much wider each line drawn before it is.
const LINE_CSS: f64 = 1.6;
const MARKER_CSS: f64 = 3.0;
const LINE_STEP_CSS: f64 = 0.7;

/// Each algorithm's marker has its own shape, so lines that coincide can
/// still be told apart, in print and by colour-blind users. Chosen by name,
/// so an algorithm new to the engine draws (as a circle) before it has a
/// shape of its own.
pub(super) fn marker<DB: DrawingBackend>(
    algorithm: Algorithm,
    radius: i32,
    color: RGBColor,
) -> DynElement<'static, DB, (i32, i32)> {
    let r = radius.max(1);
    let fill = color.filled();
    match algorithm.name() {
        "spfhp" => Rectangle::new([(-r, -r), (r, r)], fill).into_dyn(),
        "lpfhp" => Polygon::new(vec![(0, -r - 1), (r + 1, r), (-r - 1, r)], fill).into_dyn(),
        "nnlshp" => {
            Polygon::new(vec![(0, -r - 1), (r + 1, 0), (0, r + 1), (-r - 1, 0)], fill).into_dyn()
        }
        "bfd" => Polygon::new(vec![(0, r + 1), (r + 1, -r), (-r - 1, -r)], fill).into_dyn(),
        // A hollow square: the plan measured against the LP bound.
        "optimal" => Rectangle::new([(-r, -r), (r, r)], color.stroke_width(2)).into_dyn(),
        // `none`, and any algorithm not yet given a shape.
        _ => Circle::new((0, 0), r, fill).into_dyn(),
    }
}

/// The legend as a row (or rows) of "marker name" items above the plot,
/// where it covers no line. Returns the height it takes.
fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    lines: &[SweepLine],
    style: &Style,
) -> Result<i32, String> {
    let (width, _) = area_size(root);
    let mut rows = LegendRows::new(width, style);
    for line in lines {
        draw_legend_entry(
            root,
            &mut rows,
            line.algorithm,
            (LINE_CSS + 0.4, MARKER_CSS + 0.4),
            style,
        )?;
    }
    Ok(rows.height())
}

/// One algorithm in a legend: a sample of its line with its marker, then
/// its name. `widths`: the line's width and the marker's size, CSS pixels.
pub(super) fn draw_legend_entry<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rows: &mut LegendRows,
    algorithm: Algorithm,
    (line_css, marker_css): (f64, f64),
    style: &Style,
) -> Result<(), String> {
    let sample = style.offset(22.0);
    let color = style.algorithm_color(algorithm);
    rows.draw_entry(
        root,
        sample,
        algorithm.name(),
        style,
        |left_edge, centre| {
            root.draw(&PathElement::new(
                vec![(left_edge, centre), (left_edge + sample, centre)],
                color.stroke_width(style.px(line_css)),
            ))
            .map_err(drawing_failed)?;
            root.draw(
                &(EmptyElement::at((left_edge + sample / 2, centre))
                    + marker(algorithm, style.offset(marker_css), color)),
            )
            .map_err(drawing_failed)
        },
    )
}

/// A line's drawable points in x order: `(x, efficiency %)`, with "no limit"
/// at `unlimited_x` and unusable points (NaN efficiency) left out.
fn line_points(line: &SweepLine, unlimited_x: f64) -> Vec<Point> {
    let mut points: Vec<Point> = line
        .points
        .iter()
        .filter(|point| point.efficiency.is_finite())
        .map(|point| {
            let x = point.max_per_pack.map_or(unlimited_x, f64::from);
            (x, clean_fraction(point.efficiency) * 100.0)
        })
        .collect();
    sort_by_x(&mut points);
    points
}

/// Tick positions: every setting when they have room, else every 2nd, 4th,
/// 5th, 10th… one; "no limit" always.
fn x_key_points(
    x_start: f64,
    x_end: f64,
    deepest: u32,
    has_unlimited: bool,
    plot_width: f64,
    style: &Style,
) -> Vec<f64> {
    let first = x_start.ceil().max(1.0);
    let spacing = plot_width / (x_end - x_start).max(1.0);
    let minimum = MIN_TICK_SPACING_CSS * style.pixel_ratio;
    let step = [
        1.0, 2.0, 4.0, 5.0, 10.0, 20.0, 50.0, 100.0, 1000.0, 1e4, 1e6, 1e9,
    ]
    .into_iter()
    .find(|step| spacing * step >= minimum)
    .unwrap_or(1e9);
    // Small steps count from the first setting (1, 3, 5…), larger ones
    // from zero (1, 10, 20…). At most a few dozen ticks, however deep the
    // sweep went.
    let origin = if step < 5.0 { first } else { 0.0 };
    let later = (1u32..64)
        .map(|index| origin + f64::from(index) * step)
        .filter(|x| *x >= first + step / 2.0);
    let mut ticks: Vec<f64> = std::iter::once(first)
        .chain(later)
        .take_while(|x| *x <= f64::from(deepest))
        .collect();
    if has_unlimited {
        ticks.push(f64::from(deepest) + 1.0);
    } else if ticks.is_empty() {
        ticks.push(first);
    }
    ticks
}
