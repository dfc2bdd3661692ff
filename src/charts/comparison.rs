//! Efficiency of every algorithm side by side: one horizontal bar each,
//! with the figures a user picks an algorithm by written at its end.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::data::ComparisonChart;
use super::style::Style;
use super::style::{
    area_size, clean_fraction, count_value, draw_if_too_small, draw_message, drawing_failed,
    format_count, format_efficiency, format_factor, text_size,
};
use crate::report::Report;

/// Bars are at most this thick (CSS pixels), so two algorithms do not look
/// like a bar chart of slabs.
const MAX_BAR_CSS: f64 = 30.0;

#[inline(never)] // See `charts::draw`.
pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ComparisonChart,
    style: &Style,
) -> Result<(), String> {
    if draw_if_too_small(root, style)? {
        return Ok(());
    }
    let reports = &data.reports;
    if reports.is_empty() {
        return draw_message(root, "No algorithms selected", style);
    }

    let name_font = style.text(12.5);
    let mut name_width = 0;
    for report in reports {
        name_width = name_width.max(text_size(root, report.algorithm.name(), &name_font)?.0);
    }
    let limit = reports
        .iter()
        .map(|report| report.speedup_limit)
        .find(|limit| limit.is_finite() && *limit > 0.0);
    let rows = reports.len();
    let rows_value = count_value(u64::try_from(rows).unwrap_or(u64::MAX));

    // Rows run top to bottom in the reports' order: row i spans
    // rows − i − 1 ..= rows − i on the y axis.
    let mut chart = ChartBuilder::on(root)
        .margin_top(style.offset(26.0))
        .margin_right(style.offset(20.0))
        .margin_left(style.offset(8.0))
        .margin_bottom(style.offset(4.0))
        .x_label_area_size(style.offset(24.0))
        .y_label_area_size(name_width + style.offset(10.0))
        .build_cartesian_2d(0f64..100.0, 0f64..rows_value)
        .map_err(drawing_failed)?;

    let (width, _) = area_size(root);
    let x_labels = if width < style.offset(480.0) { 6 } else { 11 };
    let mut mesh = chart.configure_mesh();
    style.mesh(&mut mesh);
    mesh.disable_y_mesh()
        .y_labels(0)
        .x_labels(x_labels)
        .x_label_formatter(&|percent| format!("{percent:.0}%"))
        .draw()
        .map_err(drawing_failed)?;

    // 100% is every token real: no padding at all.
    chart
        .draw_series(DashedLineSeries::new(
            [(100.0, 0.0), (100.0, rows_value)],
            style.offset(5.0),
            style.offset(4.0),
            style.line(style.accent, 1.5),
        ))
        .map_err(drawing_failed)?;

    let base = root.get_base_pixel();
    let (plot_x, plot_y) = chart.plotting_area().get_pixel_range();
    let (plot_left, plot_right) = (plot_x.start - base.0, plot_x.end - base.0);
    let band = f64::from(plot_y.end - plot_y.start) / rows_value;
    let bar_thickness = (band * 0.62).min(MAX_BAR_CSS * style.pixel_ratio);
    let inset = ((band - bar_thickness) / 2.0).max(0.0);
    let inset_value = inset / band;

    for (row, report) in reports.iter().enumerate() {
        let color = style.algorithm_color(report.algorithm);
        let efficiency = clean_fraction(report.efficiency);
        let top = rows_value - count_value(u64::try_from(row).unwrap_or(u64::MAX));
        let (bar_top, bar_bottom) = (top - inset_value, top - 1.0 + inset_value);
        chart
            .draw_series([Rectangle::new(
                [(0.0, bar_bottom), (efficiency * 100.0, bar_top)],
                color.filled(),
            )])
            .map_err(drawing_failed)?;

        let centre = chart.backend_coord(&(0.0, top - 0.5));
        let centre_y = centre.1 - base.1;
        root.draw(&Text::new(
            report.algorithm.name(),
            (plot_left - style.offset(8.0), centre_y),
            name_font.pos(Pos::new(HPos::Right, VPos::Center)),
        ))
        .map_err(drawing_failed)?;

        let bar_end = chart.backend_coord(&(efficiency * 100.0, 0.0)).0 - base.0;
        draw_figures(
            root,
            report,
            (plot_left, bar_end, plot_right),
            centre_y,
            color,
            style,
        )?;
    }

    // The note over the ideal line: what 100% means in rows saved.
    let ideal_x = chart.backend_coord(&(100.0, 0.0)).0 - base.0;
    let note = match limit {
        Some(limit) => format!(
            "100% = no padding · speed-up limit {}",
            format_factor(limit)
        ),
        None => "no padding".to_string(),
    };
    let short_note = match limit {
        Some(limit) => format!("speed-up limit {}", format_factor(limit)),
        None => "no padding".to_string(),
    };
    let note_font = style.colored_text(11.5, style.accent);
    let available = ideal_x - plot_left;
    let note = if text_size(root, &note, &note_font)?.0 <= available {
        note
    } else {
        short_note
    };
    let note_y = plot_y.start - base.1 - style.offset(7.0);
    root.draw(&Text::new(
        note,
        (ideal_x, note_y),
        note_font.pos(Pos::new(HPos::Right, VPos::Bottom)),
    ))
    .map_err(drawing_failed)?;
    Ok(())
}

/// Writes "97.7% · 2.18× · 40,631 packs" at the end of a bar: after it when
/// there is room, else inside it; shorter forms when neither fits.
fn draw_figures<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
    (plot_left, bar_end, plot_right): (i32, i32, i32),
    centre_y: i32,
    color: RGBColor,
    style: &Style,
) -> Result<(), String> {
    let efficiency = format_efficiency(clean_fraction(report.efficiency));
    let speedup = format_factor(report.speedup);
    let packs = format!("{} packs", format_count(report.packs));
    let forms = [
        format!("{efficiency} · {speedup} · {packs}"),
        format!("{efficiency} · {speedup}"),
        efficiency,
    ];
    let gap = style.offset(6.0);
    let outside_font = style.text(12.0);
    let inside_font = style.bold_text(12.0, style.text_on(color));
    for form in &forms {
        let (outside_width, _) = text_size(root, form, &outside_font)?;
        if bar_end + gap + outside_width <= plot_right {
            return root
                .draw(&Text::new(
                    form.as_str(),
                    (bar_end + gap, centre_y),
                    outside_font.pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .map_err(drawing_failed);
        }
        let (inside_width, _) = text_size(root, form, &inside_font)?;
        if bar_end - plot_left >= inside_width + 2 * gap {
            return root
                .draw(&Text::new(
                    form.as_str(),
                    (bar_end - gap, centre_y),
                    inside_font.pos(Pos::new(HPos::Right, VPos::Center)),
                ))
                .map_err(drawing_failed);
        }
    }
    Ok(())
}
