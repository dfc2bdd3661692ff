//! The anatomy of one plan: how many sequences its packs hold (what the
//! model must handle per row) and how full they are (where padding is left).

use plotters::coord::ranged1d::AsRangedCoord;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::Style;
use super::style::{
    area_size, count_value, draw_if_too_small, draw_message, drawing_failed, format_compact,
    format_count, format_percent, text_size, value_axis_width, TickedAxis,
};
use crate::analysis::PlanDetail;
use crate::report::{Report, FILL_BUCKETS};

/// Panels sit side by side when the area is at least this much wider than
/// tall, else one above the other.
const SIDE_BY_SIDE_ASPECT: f64 = 1.3;

/// Bars narrower than this (CSS pixels) get no value label above them.
const MIN_LABELLED_BAR_CSS: f64 = 26.0;

/// Panels shorter than this (CSS pixels) leave out the x axis name: their
/// heading says what the bars are, and the bars need the room.
const MIN_NAMED_PANEL_CSS: f64 = 170.0;

#[inline(never)] // See `charts::draw`.
pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    detail: &PlanDetail,
    style: &Style,
) -> Result<(), String> {
    if draw_if_too_small(root, style)? {
        return Ok(());
    }
    let report = &detail.report;
    if report.packs == 0 {
        return draw_message(root, "No packs to show", style);
    }
    let color = style.algorithm_color(report.algorithm);

    let (width, height) = area_size(root);
    let gap = style.offset(20.0);
    let (first, second) = if f64::from(width) >= SIDE_BY_SIDE_ASPECT * f64::from(height) {
        let (left, right) = root.split_horizontally((width - gap) / 2);
        (left, right.margin(0, 0, gap, 0))
    } else {
        let (top, bottom) = root.split_vertically((height - gap) / 2);
        (top, bottom.margin(gap, 0, 0, 0))
    };
    depth_panel(&first, report, color, style)?;
    fill_panel(&second, report, color, style)
}

/// Bars of packs by how many sequences they hold.
fn depth_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    report: &Report,
    color: RGBColor,
    style: &Style,
) -> Result<(), String> {
    let mean = report.mean_sequences_per_pack;
    let notes = if mean.is_finite() {
        vec![
            format!("mean {mean:.2} sequences"),
            format!("mean {mean:.2}"),
        ]
    } else {
        Vec::new()
    };
    let plot = panel_heading(area, "Sequences per pack", &notes, style)?;
    let counts = &report.sequences_per_pack;
    let total: u64 = counts
        .iter()
        .fold(0u64, |sum, count| sum.saturating_add(*count));
    if counts.is_empty() || total == 0 {
        return draw_message(&plot, "No packs", style);
    }
    let deepest = count_value(u64::try_from(counts.len()).unwrap_or(u64::MAX));
    let x_range = 0.5..deepest + 0.5;
    let tallest = counts.iter().copied().max().unwrap_or(1);
    let (panel_width, _) = area_size(&plot);
    let axis_width = value_axis_width(&plot, count_value(tallest) * 1.18, style)?;
    let spacing = f64::from(panel_width - axis_width - style.offset(16.0)) / deepest;
    let step = tick_step(spacing, style);
    let key_points: Vec<f64> = (1..=counts.len())
        .map(|depth| count_value(u64::try_from(depth).unwrap_or(u64::MAX)))
        .filter(|depth| is_labelled_depth(*depth, step))
        .collect();
    let labelled = spacing >= MIN_LABELLED_BAR_CSS * style.pixel_ratio;
    let y_end = count_value(tallest).max(1.0) * if labelled { 1.18 } else { 1.05 };

    let x_name = axis_name(&plot, "sequences in the pack", style)?;
    let mut chart = panel_chart(
        &plot,
        TickedAxis::new(x_range, key_points),
        y_end,
        !x_name.is_empty(),
        style,
    )?;
    let mut mesh = chart.configure_mesh();
    style.mesh(&mut mesh);
    mesh.disable_x_mesh()
        .x_label_formatter(&|depth| format!("{depth:.0}"))
        .y_label_formatter(&|packs| format_compact(*packs))
        .x_desc(x_name.as_str())
        .y_desc("packs")
        .draw()
        .map_err(drawing_failed)?;

    let half = 0.36;
    chart
        .draw_series(counts.iter().zip(1u64..).map(|(count, depth)| {
            let x = count_value(depth);
            Rectangle::new(
                [(x - half, 0.0), (x + half, count_value(*count))],
                color.filled(),
            )
        }))
        .map_err(drawing_failed)?;
    if labelled {
        let font = style
            .subtle_text(11.0)
            .pos(Pos::new(HPos::Center, VPos::Bottom));
        let share_of = |count: u64| count_value(count) / count_value(total);
        chart
            .draw_series(
                counts
                    .iter()
                    .zip(1u64..)
                    .filter(|(count, _)| **count > 0)
                    .map(|(count, depth)| {
                        let share = share_of(*count);
                        let label = if share < 0.005 {
                            "<1%".to_string()
                        } else {
                            format_percent(share, 0)
                        };
                        Text::new(
                            label,
                            (count_value(depth), count_value(*count)),
                            font.clone(),
                        )
                    }),
            )
            .map_err(drawing_failed)?;
    }
    Ok(())
}

/// Bars of packs by how much of the row their real tokens fill.
fn fill_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    report: &Report,
    color: RGBColor,
    style: &Style,
) -> Result<(), String> {
    let full_share = count_value(report.full_packs) / count_value(report.packs.max(1));
    let (full, share) = (
        format_count(report.full_packs),
        format_percent(full_share, 1),
    );
    let notes = [
        format!("{full} packs ({share}) with no padding"),
        format!("{full} full ({share})"),
    ];
    let plot = panel_heading(area, "How full packs are", &notes, style)?;
    let counts = &report.pack_fill;
    let total: u64 = counts
        .iter()
        .fold(0u64, |sum, count| sum.saturating_add(*count));
    if counts.is_empty() || total == 0 {
        return draw_message(&plot, "No packs", style);
    }
    // Bucket i holds fills in (i/n, (i+1)/n] of the row, n buckets in all
    // (FILL_BUCKETS in reports made here; whatever arrives is drawn).
    let buckets = count_value(u64::try_from(counts.len()).unwrap_or(u64::MAX));
    let bucket_width = 100.0 / buckets;
    let tallest = counts.iter().copied().max().unwrap_or(1);
    let y_end = count_value(tallest).max(1.0) * 1.05;
    let (plot_width, _) = area_size(&plot);
    let ticks = if f64::from(plot_width) < 260.0 * style.pixel_ratio {
        vec![0.0, 50.0, 100.0]
    } else if counts.len() == FILL_BUCKETS {
        vec![0.0, 25.0, 50.0, 75.0, 100.0]
    } else {
        vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
    };
    let x_name = axis_name(&plot, "real tokens / max_len", style)?;
    let mut chart = panel_chart(
        &plot,
        TickedAxis::new(0.0..100.0, ticks),
        y_end,
        !x_name.is_empty(),
        style,
    )?;
    let mut mesh = chart.configure_mesh();
    style.mesh(&mut mesh);
    mesh.disable_x_mesh()
        .x_label_formatter(&|percent| format!("{percent:.0}%"))
        .y_label_formatter(&|packs| format_compact(*packs))
        .x_desc(x_name.as_str())
        .y_desc("packs")
        .draw()
        .map_err(drawing_failed)?;
    let bar_pixels = f64::from(plot_width) / buckets;
    let gap = u32::from(bar_pixels >= 6.0 * style.pixel_ratio);
    chart
        .draw_series(counts.iter().zip(0u64..).map(|(count, bucket)| {
            let start = count_value(bucket) * bucket_width;
            let mut bar = Rectangle::new(
                [(start, 0.0), (start + bucket_width, count_value(*count))],
                color.filled(),
            );
            bar.set_margin(0, 0, gap, gap);
            bar
        }))
        .map_err(drawing_failed)?;
    Ok(())
}

/// Writes a panel's heading and after it the first of `notes` that fits;
/// returns the area below.
fn panel_heading<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    notes: &[String],
    style: &Style,
) -> Result<DrawingArea<DB, Shift>, String> {
    let title_font = style.bold_text(12.5, style.foreground);
    let (title_width, title_height) = text_size(area, title, &title_font)?;
    let left = style.offset(4.0);
    let top = style.offset(2.0);
    area.draw(&Text::new(
        title,
        (left, top),
        title_font.pos(Pos::new(HPos::Left, VPos::Top)),
    ))
    .map_err(drawing_failed)?;
    let note_font = style.subtle_text(11.5);
    let (width, _) = area_size(area);
    let note_left = left + title_width + style.offset(10.0);
    for note in notes {
        if note_left + text_size(area, note, &note_font)?.0 <= width {
            area.draw(&Text::new(
                note.as_str(),
                (note_left, top + title_height / 2),
                note_font.pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(drawing_failed)?;
            break;
        }
    }
    Ok(area.margin(top + title_height + style.offset(6.0), 0, 0, 0))
}

/// A panel's chart: value axis `0..y_end`, the common margins, and room
/// under the axis for its name when it is `named`.
fn panel_chart<'a, DB: DrawingBackend, X: AsRangedCoord>(
    area: &'a DrawingArea<DB, Shift>,
    x_range: X,
    y_end: f64,
    named: bool,
    style: &Style,
) -> Result<ChartContext<'a, DB, Cartesian2d<X::CoordDescType, TickedAxis>>, String> {
    let x_label_area = if named { 38.0 } else { 22.0 };
    ChartBuilder::on(area)
        .margin_top(style.offset(4.0))
        .margin_right(style.offset(18.0))
        .margin_bottom(style.offset(2.0))
        .x_label_area_size(style.offset(x_label_area))
        .y_label_area_size(value_axis_width(area, y_end, style)?)
        .build_cartesian_2d(x_range, TickedAxis::counts(y_end, 4))
        .map_err(drawing_failed)
}

/// Label every bar when they have room, else every 2nd, 5th, 10th, …
fn tick_step(spacing: f64, style: &Style) -> f64 {
    let minimum = 26.0 * style.pixel_ratio;
    [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0]
        .into_iter()
        .find(|step| spacing * step >= minimum)
        .unwrap_or(1000.0)
}

/// Whether the tick of `depth` is labelled at every `step`-th depth: odd
/// depths for a step of 2, else 1 and the multiples of the step.
fn is_labelled_depth(depth: f64, step: f64) -> bool {
    if step <= 2.0 {
        (depth - 1.0).rem_euclid(step) < 0.5
    } else {
        depth < 1.5 || depth.rem_euclid(step) < 0.5
    }
}

/// The x axis name, or nothing on a panel too short or too narrow for it.
fn axis_name<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    name: &str,
    style: &Style,
) -> Result<String, String> {
    let (name_width, _) = text_size(area, name, &style.subtle_text(12.0))?;
    let (width, height) = area_size(area);
    let tall_enough = f64::from(height) >= MIN_NAMED_PANEL_CSS * style.pixel_ratio;
    if tall_enough && name_width + style.offset(70.0) <= width {
        Ok(name.to_string())
    } else {
        Ok(String::new())
    }
}
