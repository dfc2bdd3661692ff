//! Across GPUs: a plan's packs laid out in training steps of `world_size`
//! data-parallel ranks, where every step waits for its slowest rank. For
//! the first steps of each order (shuffled, as trainers take packs, and
//! Packlab's balanced one), how much more work the slowest GPU has than
//! the step's mean: the time the other GPUs spend waiting. Each order's
//! mean over all its steps is a dashed level.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::Style;
use super::style::{
    area_size, count_value, draw_if_too_small, draw_message, drawing_failed, format_count,
    nice_step, text_size, LegendRows, Point, TickedAxis,
};
use crate::analysis::{OrderBalance, StepBalance};

/// The value axis stops at this excess (percent), a slowest GPU with 101
/// times the mean's work: no real step comes near, and a broken figure is
/// drawn at the cap instead of stretching the axis.
const MAX_EXCESS_PERCENT: f64 = 10_000.0;

/// Up to this many steps, each one is marked too, so that a single step
/// (a line of one point) still shows.
const MARKED_STEPS: usize = 40;

/// Line width and marker radius, CSS pixels.
const LINE_CSS: f64 = 1.6;
const MARKER_CSS: f64 = 2.5;

#[inline(never)] // See `charts::draw`.
pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &StepBalance,
    style: &Style,
) -> Result<(), String> {
    if draw_if_too_small(root, style)? {
        return Ok(());
    }
    let orders: [(&OrderBalance, &str, RGBColor); 2] = [
        (
            &data.shuffled,
            "shuffled (as trainers take packs)",
            style.warning,
        ),
        (&data.balanced, "balanced (Packlab)", style.bar),
    ];
    let lines = orders.map(|(order, ..)| {
        order
            .first_steps
            .iter()
            .enumerate()
            .filter_map(|(index, ratio)| {
                let step = count_value(u64::try_from(index).unwrap_or(u64::MAX)) + 1.0;
                excess(*ratio).map(|percent| (step, percent))
            })
            .collect::<Vec<Point>>()
    });
    if lines.iter().all(Vec::is_empty) {
        return draw_message(root, "No whole step to show: too few packs", style);
    }
    let means = orders.map(|(order, ..)| excess(order.mean_slowest_over_mean));
    let highest = lines
        .iter()
        .flatten()
        .map(|point| point.1)
        .chain(means.iter().flatten().copied())
        .fold(0.0, f64::max);
    let top = (highest * 1.15).max(1.0);
    let shown = orders
        .iter()
        .map(|(order, ..)| order.first_steps.len())
        .max()
        .unwrap_or(1);
    let shown_steps = u64::try_from(shown).unwrap_or(u64::MAX);
    let last = count_value(shown_steps);

    // The legend above the plot: each order, with its mean over all steps.
    let (width, _) = area_size(root);
    let mut rows = LegendRows::new(width, style);
    let sample = style.offset(22.0);
    for ((_, label, color), mean) in orders.iter().zip(means) {
        let text = match mean {
            Some(mean) => {
                let decimals = if mean < 1.0 { 2 } else { 1 };
                format!("{label}: mean {}", format_excess(mean, decimals))
            }
            None => (*label).to_string(),
        };
        rows.draw_entry(root, sample, &text, style, |left_edge, centre| {
            root.draw(&PathElement::new(
                vec![(left_edge, centre), (left_edge + sample, centre)],
                color.stroke_width(style.px(LINE_CSS + 0.4)),
            ))
            .map_err(drawing_failed)
        })?;
    }

    let y_step = nice_step(top, 5, 0.1);
    let y_decimals = if y_step < 1.0 { 1 } else { 0 };
    let y_ticks = (0u32..=64)
        .map(|index| f64::from(index) * y_step)
        .take_while(|tick| *tick <= top)
        .collect();
    let widest = format!("{}0", format_excess(top, y_decimals));
    let (label_width, _) = text_size(root, &widest, &style.subtle_text(11.5))?;
    let y_label_area = label_width + style.offset(26.0);
    let (margin_left, margin_right) = (style.offset(4.0), style.offset(16.0));

    // Step numbers, about one per 60 CSS pixels: the first step, then
    // round ones.
    let plot_width = width - y_label_area - margin_left - margin_right;
    let tick_count = usize::try_from(plot_width / style.offset(60.0).max(1))
        .unwrap_or(2)
        .clamp(2, 10);
    let x_step = nice_step(last, tick_count, 1.0);
    let origin = if x_step < 5.0 { 1.0 } else { 0.0 };
    let x_ticks = std::iter::once(1.0)
        .chain((1u32..=64).map(|index| origin + f64::from(index) * x_step))
        .filter(|tick| *tick == 1.0 || *tick >= 1.0 + x_step / 2.0)
        .take_while(|tick| *tick <= last)
        .collect();
    let epoch_steps = data
        .packs
        .checked_div(data.shape.packs_per_step())
        .unwrap_or(0);
    let x_name = if epoch_steps > shown_steps {
        format!(
            "step (the first {} of {})",
            format_count(shown_steps),
            format_count(epoch_steps)
        )
    } else {
        "step".to_string()
    };

    let x_range = 0.5..last + 0.5;
    let mut chart = ChartBuilder::on(root)
        .margin_top(rows.height() + style.offset(10.0))
        .margin_left(margin_left)
        .margin_right(margin_right)
        .margin_bottom(style.offset(4.0))
        .x_label_area_size(style.offset(40.0))
        .y_label_area_size(y_label_area)
        .build_cartesian_2d(
            TickedAxis::new(x_range.clone(), x_ticks),
            TickedAxis::new(0.0..top, y_ticks),
        )
        .map_err(drawing_failed)?;
    let mut mesh = chart.configure_mesh();
    style.mesh(&mut mesh);
    mesh.disable_x_mesh()
        .x_label_formatter(&|step| format!("{step:.0}"))
        .y_label_formatter(&|percent| format_excess(*percent, y_decimals))
        .x_desc(x_name.as_str())
        .y_desc("slowest GPU over the step's mean")
        .draw()
        .map_err(drawing_failed)?;

    for (((_, _, color), line), mean) in orders.iter().zip(&lines).zip(means) {
        if let Some(mean) = mean {
            chart
                .draw_series(DashedLineSeries::new(
                    [(x_range.start, mean), (x_range.end, mean)],
                    style.offset(5.0),
                    style.offset(4.0),
                    style.line(*color, 1.0),
                ))
                .map_err(drawing_failed)?;
        }
        chart
            .draw_series(LineSeries::new(
                line.iter().copied(),
                style.line(*color, LINE_CSS),
            ))
            .map_err(drawing_failed)?;
        if shown <= MARKED_STEPS {
            let radius = style.offset(MARKER_CSS);
            chart
                .draw_series(
                    line.iter()
                        .map(|point| Circle::new(*point, radius, color.filled())),
                )
                .map_err(drawing_failed)?;
        }
    }
    Ok(())
}

/// How much the slowest GPU exceeds the mean, in percent, from the ratio
/// of their work: none for a figure that is not one, and kept within
/// `0..=MAX_EXCESS_PERCENT`.
fn excess(ratio: f64) -> Option<f64> {
    ratio
        .is_finite()
        .then(|| ((ratio - 1.0) * 100.0).clamp(0.0, MAX_EXCESS_PERCENT))
}

/// An excess in percent, as a user reads it: `0%`, `+0.4%`, `+12%`.
fn format_excess(percent: f64, decimals: usize) -> String {
    let text = format!("{percent:.decimals$}");
    if text.trim_start_matches(['0', '.']).is_empty() {
        "0%".to_string()
    } else {
        format!("+{text}%")
    }
}
