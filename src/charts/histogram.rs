//! The length histogram: how many sequences have each length, where
//! `max_len` cuts the row, and which sequences lie past it (truncated or
//! dropped, so they never train whole).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::data::LengthsChart;
use super::style::Style;
use super::style::{
    area_size, count_value, draw_if_too_small, draw_message, drawing_failed, format_compact,
    format_count, format_percent, nice_step, text_size, to_pixel, value_axis_width, TickedAxis,
};
use crate::histogram::LengthSummary;

/// Bins narrower than this (CSS pixels) are drawn as one filled outline.
const MIN_BAR_CSS: f64 = 3.0;

/// Bars at least this wide (CSS pixels) get a hairline gap between them;
/// narrower ones would vanish into their gaps.
const MIN_GAPPED_BAR_CSS: f64 = 5.0;

/// A label above the plot.
struct Tag {
    text: String,
    font: TextStyle<'static>,
    anchor: Anchor,
    /// The label may be left out when nothing has room for it.
    optional: bool,
}

/// What a label above the plot belongs to.
enum Anchor {
    /// The vertical line at this x (device pixels from the chart's left).
    Line(i32),
    /// Nothing in the plot: a note, set against the right edge.
    RightEdge,
}

/// Where a tag ended up: its row above the plot and its left edge.
struct PlacedTag {
    row: i32,
    left: i32,
    width: i32,
}

#[inline(never)] // See `charts::draw`.
pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &LengthsChart,
    style: &Style,
) -> Result<(), String> {
    let bins = &data.histogram;
    if draw_if_too_small(root, style)? {
        return Ok(());
    }
    let total: u64 = bins
        .counts
        .iter()
        .fold(0u64, |sum, count| sum.saturating_add(*count));
    if bins.counts.is_empty() || total == 0 {
        return draw_message(root, "No sequences to show", style);
    }

    let bin_width = u64::from(bins.bin_width.max(1));
    let bin_count = u64::try_from(bins.counts.len()).unwrap_or(u64::MAX);
    let max_len = u64::from(bins.max_len);
    // The bins end where the last one does; max_len is inside unless the
    // data disagrees with itself, in which case the axis stretches to it.
    let x_end = bin_width.saturating_mul(bin_count).max(max_len).max(1);
    let y_end = y_axis_end(&bins.counts);
    // A spike (BERT-like data truncated at max_len piles a fifth of all
    // sequences into one bin) would flatten every other bar: the axis stops
    // above the others, the spike is cut at the top and labelled with its
    // count.
    let cut = bins
        .counts
        .iter()
        .enumerate()
        .filter(|(_, count)| count_value(**count) > y_end)
        .map(|(bin, count)| (bin as u64, *count))
        .next();

    let (width, _) = area_size(root);
    let y_label_area = value_axis_width(root, y_end, style)?;
    let margin_left = style.offset(4.0);
    let margin_right = style.offset(14.0);
    let plot_left = margin_left + y_label_area;
    let plot_right = width - margin_right;
    // Where the plot will put a length, to lay out the labels above it
    // before the plot exists (its top margin depends on them).
    let x_pixel = |length: u64| {
        let share = count_value(length) / count_value(x_end);
        to_pixel(f64::from(plot_left) + share * f64::from(plot_right - plot_left))
    };

    let mut tags = vec![Tag {
        text: format!("max_len {}", format_count(max_len)),
        font: style.bold_text(12.0, style.accent),
        anchor: Anchor::Line(x_pixel(max_len)),
        optional: false,
    }];
    let summary = data
        .summary
        .as_ref()
        .filter(|summary| summary.sequences > 0);
    if let Some(summary) = summary {
        if summary.median > 0 && summary.median <= x_end {
            tags.push(Tag {
                text: format!("median {}", format_count(summary.median)),
                font: style.subtle_text(11.5),
                anchor: Anchor::Line(x_pixel(summary.median)),
                optional: true,
            });
        }
    }
    let overlong = overlong_sequences(&bins.counts, bin_width, max_len, data.summary.as_ref());
    if overlong > 0 {
        let share = count_value(overlong) / count_value(total.max(overlong));
        let text = format!(
            "past max_len: {} ({})",
            format_count(overlong),
            format_percent(share, 1)
        );
        tags.push(Tag {
            text,
            font: style.colored_text(11.5, style.warning),
            anchor: Anchor::RightEdge,
            optional: true,
        });
    }
    let placed = place_tags(root, &tags, plot_left, plot_right, style)?;
    let rows = placed
        .iter()
        .flatten()
        .map(|place| place.row + 1)
        .max()
        .unwrap_or(1);
    let row_height = style.offset(18.0);
    let margin_top = style.offset(6.0) + rows * row_height;

    // Round lengths along the axis, about one per 64 CSS pixels.
    let tick_count = usize::try_from((plot_right - plot_left) / style.offset(64.0).max(1))
        .unwrap_or(2)
        .clamp(2, 12);
    let x_step = nice_step(count_value(x_end), tick_count, 1.0);
    let x_ticks: Vec<f64> = (0u32..=64)
        .map(|index| f64::from(index) * x_step)
        .take_while(|tick| *tick <= count_value(x_end))
        .collect();
    let mut chart = ChartBuilder::on(root)
        .margin_top(margin_top)
        .margin_right(margin_right)
        .margin_left(margin_left)
        .margin_bottom(style.offset(6.0))
        .x_label_area_size(style.offset(38.0))
        .y_label_area_size(y_label_area)
        .build_cartesian_2d(
            TickedAxis::new(0.0..count_value(x_end), x_ticks),
            TickedAxis::counts(y_end, 5),
        )
        .map_err(drawing_failed)?;

    let mut mesh = chart.configure_mesh();
    style.mesh(&mut mesh);
    mesh.disable_x_mesh()
        .x_label_formatter(&|length| format_compact(*length))
        .y_label_formatter(&|count| format_compact(*count))
        .x_desc("sequence length (tokens)")
        .y_desc("sequences")
        .draw()
        .map_err(drawing_failed)?;

    let bar_pixels =
        f64::from(plot_right - plot_left) * count_value(bin_width) / count_value(x_end);
    if bar_pixels >= MIN_BAR_CSS * style.pixel_ratio {
        let gap = u32::from(bar_pixels >= MIN_GAPPED_BAR_CSS * style.pixel_ratio);
        chart
            .draw_series(bars(&bins.counts, bin_width, max_len, gap, y_end, style))
            .map_err(drawing_failed)?;
    } else {
        // Bars a pixel or two wide would show seams between them: the
        // outline of the bars, filled, is the same picture without them.
        let fits = outline(&bins.counts, bin_width, 0, max_len, y_end);
        let past = outline(&bins.counts, bin_width, max_len, x_end, y_end);
        chart
            .draw_series([
                Polygon::new(fits, style.bar.filled()),
                Polygon::new(past, style.warning.filled()),
            ])
            .map_err(drawing_failed)?;
    }

    if let Some(summary) = summary {
        if summary.median > 0 && summary.median <= x_end {
            chart
                .draw_series(DashedLineSeries::new(
                    [
                        (count_value(summary.median), 0.0),
                        (count_value(summary.median), y_end),
                    ],
                    style.offset(4.0),
                    style.offset(4.0),
                    style.line(style.subtle, 1.0),
                ))
                .map_err(drawing_failed)?;
        }
    }
    // The last bin gathers every longer sequence: say how far it reaches.
    if let (Some(summary), Some(last)) = (summary, bins.counts.last()) {
        if summary.max > x_end && *last > 0 {
            let last_start = x_end.saturating_sub(bin_width);
            let (x, y) = chart.backend_coord(&(count_value(last_start), count_value(*last)));
            // Kept clear of the axis when the bar is low.
            let y = y.min(chart.backend_coord(&(0.0, 0.0)).1 - style.offset(9.0));
            let base = root.get_base_pixel();
            root.draw(&Text::new(
                format!("up to {}", format_compact(count_value(summary.max))),
                (x - base.0 - style.offset(3.0), y - base.1),
                style
                    .colored_text(11.0, style.warning)
                    .pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(drawing_failed)?;
        }
    }
    if let Some((bin, count)) = cut {
        let middle = count_value(bin.saturating_mul(bin_width)) + count_value(bin_width) / 2.0;
        let (x, y) = chart.backend_coord(&(middle, y_end));
        let base = root.get_base_pixel();
        root.draw(&Text::new(
            format!("{} ▲ (cut)", format_count(count)),
            (
                x - base.0 - style.offset(4.0),
                y - base.1 + style.offset(4.0),
            ),
            style
                .bold_text(11.5, style.foreground)
                .pos(Pos::new(HPos::Right, VPos::Top)),
        ))
        .map_err(drawing_failed)?;
    }
    chart
        .draw_series(LineSeries::new(
            [(count_value(max_len), 0.0), (count_value(max_len), y_end)],
            style.line(style.accent, 1.5),
        ))
        .map_err(drawing_failed)?;

    // The labels sit in rows above the plot, the lowest row first.
    let top = chart.backend_coord(&(0.0, y_end)).1 - root.get_base_pixel().1;
    for (tag, place) in tags.iter().zip(&placed) {
        if let Some(place) = place {
            let baseline = top - style.offset(5.0) - place.row * row_height;
            let font = tag.font.pos(Pos::new(HPos::Left, VPos::Bottom));
            root.draw(&Text::new(tag.text.as_str(), (place.left, baseline), font))
                .map_err(drawing_failed)?;
        }
    }
    Ok(())
}

/// The top of the count axis: a little above the tallest bin, or, when one
/// bin is a spike more than four times as tall as any other, a third above
/// the second tallest (the spike is drawn cut off at the top).
fn y_axis_end(counts: &[u64]) -> f64 {
    const SPIKE_RATIO: f64 = 4.0;
    let (mut tallest, mut second) = (0u64, 0u64);
    for &count in counts {
        if count > tallest {
            second = tallest;
            tallest = count;
        } else if count > second {
            second = count;
        }
    }
    let (tallest, second) = (count_value(tallest), count_value(second));
    if second > 0.0 && tallest > SPIKE_RATIO * second {
        second * 1.3
    } else {
        tallest.max(1.0) * 1.04
    }
}

/// One bar per non-empty bin, split at max_len when a bin straddles it
/// (its left part fits the row, its right part does not); no taller than
/// `y_end`.
fn bars(
    counts: &[u64],
    bin_width: u64,
    max_len: u64,
    gap: u32,
    y_end: f64,
    style: &Style,
) -> Vec<Rectangle<(f64, f64)>> {
    let mut bars = Vec::with_capacity(counts.len() + 1);
    for (start, count) in (0u64..)
        .map(|bin| bin.saturating_mul(bin_width))
        .zip(counts)
    {
        if *count == 0 {
            continue;
        }
        let end = start.saturating_add(bin_width);
        let height = count_value(*count).min(y_end);
        let (left, middle, right) = (count_value(start), count_value(max_len), count_value(end));
        if start < max_len && end > max_len {
            bars.push(Rectangle::new(
                [(left, 0.0), (middle, height)],
                style.bar.filled(),
            ));
            bars.push(Rectangle::new(
                [(middle, 0.0), (right, height)],
                style.warning.filled(),
            ));
        } else {
            let color = if start >= max_len {
                style.warning
            } else {
                style.bar
            };
            let mut bar = Rectangle::new([(left, 0.0), (right, height)], color.filled());
            bar.set_margin(0, 0, 0, gap);
            bars.push(bar);
        }
    }
    bars
}

/// The outline of the bins' bars between lengths `from` and `to`, as a
/// polygon along the axis: up and across each bin (no higher than
/// `y_end`), down at the end.
fn outline(counts: &[u64], bin_width: u64, from: u64, to: u64, y_end: f64) -> Vec<(f64, f64)> {
    let mut points = vec![(count_value(from), 0.0)];
    for (start, count) in (0u64..)
        .map(|bin| bin.saturating_mul(bin_width))
        .zip(counts)
    {
        let end = start.saturating_add(bin_width);
        if end <= from || start >= to {
            continue;
        }
        let height = count_value(*count).min(y_end);
        points.push((count_value(start.max(from)), height));
        points.push((count_value(end.min(to)), height));
    }
    points.push((count_value(to), 0.0));
    points
}

/// Sequences longer than max_len: from the summary when it describes this
/// max_len (it counts exactly), else from the bins wholly past max_len.
fn overlong_sequences(
    counts: &[u64],
    bin_width: u64,
    max_len: u64,
    summary: Option<&LengthSummary>,
) -> u64 {
    if let Some(summary) = summary {
        if u64::from(summary.max_len) == max_len {
            return summary.overlong_sequences;
        }
    }
    (0u64..)
        .map(|bin| bin.saturating_mul(bin_width))
        .zip(counts)
        .filter(|(start, _)| *start >= max_len)
        .fold(0u64, |sum, (_, count)| sum.saturating_add(*count))
}

/// Places each tag beside its line (right of it, else left of it) or at the
/// right edge, in the first row where it overlaps nothing placed before.
/// Optional tags that fit nowhere are left out.
fn place_tags<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    tags: &[Tag],
    plot_left: i32,
    plot_right: i32,
    style: &Style,
) -> Result<Vec<Option<PlacedTag>>, String> {
    const ROWS: i32 = 2;
    let gap = style.offset(5.0);
    let mut placed: Vec<Option<PlacedTag>> = Vec::with_capacity(tags.len());
    for tag in tags {
        let (width, _) = text_size(root, &tag.text, &tag.font)?;
        let candidates: Vec<i32> = match tag.anchor {
            Anchor::Line(x) => vec![x + gap, x - gap - width],
            Anchor::RightEdge => vec![plot_right - width],
        };
        let mut chosen = None;
        'rows: for row in 0..ROWS {
            for &left in &candidates {
                let right = left + width;
                let inside = left >= plot_left - gap && right <= plot_right + gap;
                let free = placed.iter().flatten().all(|other| {
                    other.row != row
                        || right + gap <= other.left
                        || left >= other.left + other.width + gap
                });
                if inside && free {
                    chosen = Some(PlacedTag { row, left, width });
                    break 'rows;
                }
            }
        }
        if chosen.is_none() && !tag.optional {
            // The marker's label always shows, clamped into the plot.
            let preferred = candidates.first().copied().unwrap_or(plot_left);
            let left = preferred.min(plot_right - width).max(plot_left);
            chosen = Some(PlacedTag {
                row: 0,
                left,
                width,
            });
        }
        placed.push(chosen);
    }
    Ok(placed)
}
