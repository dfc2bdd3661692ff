//! Inside one pack: what the model must be given so that packed sequences
//! do not see each other. The row of max_len tokens with its sequences and
//! padding; the block-diagonal attention mask (a token attends only within
//! its own sequence, padding attends to nothing); and the position ids,
//! which restart at 0 with every sequence. These are the two inputs the
//! paper's packing needs besides the tokens, to avoid cross-contamination.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::Style;
use super::style::{
    area_size, count_value, draw_if_too_small, draw_message, drawing_failed, format_compact,
    format_count, nice_step, text_size, to_pixel, value_axis_width, TickedAxis,
};
use crate::analysis::PlanDetail;

/// The mask is drawn in at most this many cells a side, so a row of
/// 32,768 tokens costs no more to draw than one of 160.
const MAX_MASK_CELLS: u64 = 160;

/// Cells at least this big (CSS pixels) get a hairline grid, which shows
/// that the mask is per token.
const MIN_GRID_CELL_CSS: f64 = 7.0;

/// Rows up to this many tokens get a marker on every token's position id.
const MAX_MARKED_TOKENS: u64 = 64;

/// The lower panels sit side by side when their area is at least this much
/// wider than tall, else one above the other.
const SIDE_BY_SIDE_ASPECT: f64 = 1.3;

/// One sequence of the pack: where it starts in the row and its length, in
/// tokens.
#[derive(Clone, Copy)]
struct Segment {
    start: u64,
    length: u64,
}

/// The pack laid out along its row.
struct Row {
    /// Tokens in the row: max_len, or more if the pack overflows it.
    length: u64,
    /// The sequences, in order, none empty.
    segments: Vec<Segment>,
    /// Tokens after the last sequence.
    padding: u64,
}

impl Row {
    fn new(lengths: &[u32], max_len: u64) -> Self {
        let mut segments = Vec::with_capacity(lengths.len());
        let mut start = 0u64;
        for &length in lengths.iter().filter(|length| **length > 0) {
            let length = u64::from(length);
            segments.push(Segment { start, length });
            start = start.saturating_add(length);
        }
        // A pack longer than max_len cannot come from a sound plan; it is
        // drawn as it is, without padding, rather than refused.
        let length = max_len.max(start).max(1);
        Row {
            length,
            segments,
            padding: length - start.min(length),
        }
    }

    /// Tokens before the padding.
    fn used(&self) -> u64 {
        self.length - self.padding
    }
}

#[inline(never)] // See `charts::draw`.
pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    detail: &PlanDetail,
    style: &Style,
) -> Result<(), String> {
    if draw_if_too_small(root, style)? {
        return Ok(());
    }
    let max_len = u64::from(detail.report.max_len);
    let row = Row::new(&detail.example, max_len);
    if row.segments.is_empty() {
        return draw_message(root, "No example pack to show", style);
    }

    let (width, height) = area_size(root);
    let strip_height = style.offset(64.0);
    let (strip, lower) = root.split_vertically(strip_height);
    draw_strip(&strip, &row, style)?;

    let lower = lower.margin(style.offset(10.0), 0, 0, 0);
    let lower_height = height - strip_height - style.offset(10.0);
    let gap = style.offset(24.0);
    let (mask_area, position_area) =
        if f64::from(width) >= SIDE_BY_SIDE_ASPECT * f64::from(lower_height) {
            // The mask is square: it takes what the height allows, at most
            // half the width; the position ids get the rest.
            let mask_width = (lower_height + style.offset(40.0)).min((width - gap) / 2);
            let (left, right) = lower.split_horizontally(mask_width);
            (left, right.margin(0, 0, gap, 0))
        } else {
            let (top, bottom) = lower.split_vertically((lower_height - gap) / 2);
            (top, bottom.margin(gap, 0, 0, 0))
        };
    draw_mask(&mask_area, &row, style)?;
    draw_positions(&position_area, &row, style)
}

/// The row of tokens: one coloured segment per sequence, labelled with its
/// length, then the padding, hatched.
fn draw_strip<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    row: &Row,
    style: &Style,
) -> Result<(), String> {
    let (width, _) = area_size(area);
    let count = row.segments.len();
    let caption = format!(
        "One pack: a row of {} {} holding {} {} and {} padding",
        format_count(row.length),
        if row.length == 1 { "token" } else { "tokens" },
        format_count(u64::try_from(count).unwrap_or(u64::MAX)),
        if count == 1 { "sequence" } else { "sequences" },
        format_count(row.padding),
    );
    let short_caption = format!(
        "Row of {} {} · {} padding",
        format_count(row.length),
        if row.length == 1 { "token" } else { "tokens" },
        format_count(row.padding)
    );
    let caption_font = style.bold_text(12.5, style.foreground);
    let left = style.offset(4.0);
    let right = width - style.offset(4.0);
    let caption = if text_size(area, &caption, &caption_font)?.0 <= right - left {
        caption
    } else {
        short_caption
    };
    area.draw(&Text::new(
        caption,
        (left, style.offset(2.0)),
        caption_font.pos(Pos::new(HPos::Left, VPos::Top)),
    ))
    .map_err(drawing_failed)?;

    let top = style.offset(24.0);
    let bottom = top + style.offset(26.0);
    let x_of = |token: u64| {
        let share = count_value(token) / count_value(row.length);
        to_pixel(f64::from(left) + share * f64::from(right - left))
    };
    let gap = style.offset(4.0);
    for (index, segment) in row.segments.iter().enumerate() {
        let color = style.sequence_color(index);
        let (x0, x1) = (
            x_of(segment.start),
            x_of(segment.start.saturating_add(segment.length)),
        );
        // Every sequence stays visible, however short: at least a pixel.
        let x1 = x1.max(x0 + 1);
        area.draw(&Rectangle::new([(x0, top), (x1, bottom)], color.filled()))
            .map_err(drawing_failed)?;
        // A hairline between neighbours, so equal colours never merge.
        if index > 0 {
            area.draw(&PathElement::new(
                vec![(x0, top), (x0, bottom)],
                style.line(style.background, 1.0),
            ))
            .map_err(drawing_failed)?;
        }
        // Measuring text goes through the page, so segments too thin for
        // any number are not measured at all (a pack may hold thousands).
        if x1 - x0 >= 2 * gap + style.offset(8.0) {
            let label = format_count(segment.length);
            let font = style
                .colored_text(11.5, style.text_on(color))
                .pos(Pos::new(HPos::Center, VPos::Center));
            if text_size(area, &label, &font)?.0 + 2 * gap <= x1 - x0 {
                area.draw(&Text::new(label, ((x0 + x1) / 2, (top + bottom) / 2), font))
                    .map_err(drawing_failed)?;
            }
        }
    }
    let mut padding_labelled = row.padding == 0;
    if row.padding > 0 {
        let x0 = x_of(row.used());
        area.draw(&Rectangle::new(
            [(x0, top), (right, bottom)],
            style.padding.filled(),
        ))
        .map_err(drawing_failed)?;
        hatch(area, (x0, top, right, bottom), style)?;
        let label = format!("padding {}", format_count(row.padding));
        let font = style
            .subtle_text(11.5)
            .pos(Pos::new(HPos::Center, VPos::Center));
        let (label_width, label_height) = text_size(area, &label, &font)?;
        if label_width + 2 * gap <= right - x0 {
            let centre = ((x0 + right) / 2, (top + bottom) / 2);
            // A plain patch under the words keeps them off the hatching.
            let half = (label_width / 2 + gap, label_height / 2 + 1);
            area.draw(&Rectangle::new(
                [
                    (centre.0 - half.0, centre.1 - half.1),
                    (centre.0 + half.0, centre.1 + half.1),
                ],
                style.padding.filled(),
            ))
            .map_err(drawing_failed)?;
            area.draw(&Text::new(label, centre, font))
                .map_err(drawing_failed)?;
            padding_labelled = true;
        }
    }
    // The row's ends, so "max_len" has a place on the page.
    let end_font = style.subtle_text(11.0);
    area.draw(&Text::new(
        "0",
        (left, bottom + style.offset(3.0)),
        end_font.pos(Pos::new(HPos::Left, VPos::Top)),
    ))
    .map_err(drawing_failed)?;
    // Padding too thin to hold its label is named under the row's end.
    let end_label = if padding_labelled {
        format!("max_len {}", format_count(row.length))
    } else {
        format!(
            "padding {} · max_len {}",
            format_count(row.padding),
            format_count(row.length)
        )
    };
    area.draw(&Text::new(
        end_label,
        (right, bottom + style.offset(3.0)),
        end_font.pos(Pos::new(HPos::Right, VPos::Top)),
    ))
    .map_err(drawing_failed)
}

/// Diagonal hatching over the rectangle `(left, top, right, bottom)`.
fn hatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (left, top, right, bottom): (i32, i32, i32, i32),
    style: &Style,
) -> Result<(), String> {
    let spacing = style.offset(6.0).max(2);
    let color = if style.dark {
        style.muted
    } else {
        RGBColor(0xb4, 0xba, 0xc2)
    };
    let line = style.line(color, 1.0);
    // Lines x − y = c, for c from the bottom-left corner to the top-right.
    let mut offset = left - bottom;
    while offset <= right - top {
        let x_start = left.max(offset + top);
        let x_end = right.min(offset + bottom);
        if x_start < x_end {
            area.draw(&PathElement::new(
                vec![(x_start, x_start - offset), (x_end, x_end - offset)],
                line,
            ))
            .map_err(drawing_failed)?;
        }
        offset += spacing;
    }
    Ok(())
}

/// The attention mask as a square: row i (query) may attend column j (key)
/// when both tokens belong to the same sequence.
fn draw_mask<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    row: &Row,
    style: &Style,
) -> Result<(), String> {
    let heading_bottom = panel_heading(area, "Attention mask", "coloured: may attend", style)?;
    let (width, height) = area_size(area);
    let tick_font = style.subtle_text(11.0);
    let (tick_width, tick_height) =
        text_size(area, &format_compact(count_value(row.length)), &tick_font)?;
    let axis_name_height = text_size(area, "query token", &style.subtle_text(12.0))?.1;
    let left_room = axis_name_height + tick_width + style.offset(14.0);
    let bottom_room = tick_height + axis_name_height + style.offset(12.0);
    let side = (width - left_room - style.offset(4.0))
        .min(height - heading_bottom - bottom_room)
        .max(1);
    let (x0, y0) = (left_room, heading_bottom);
    let (x1, y1) = (x0 + side, y0 + side);

    let cells = row.length.min(MAX_MASK_CELLS);
    let cell_of = |token: u64| token.saturating_mul(cells) / row.length;
    let pixel_of_cell = |cell: u64| count_value(cell) * f64::from(side) / count_value(cells);

    // Not allowed: a faint fill; allowed: each sequence's block.
    area.draw(&Rectangle::new([(x0, y0), (x1, y1)], style.grid.filled()))
        .map_err(drawing_failed)?;
    for (index, segment) in row.segments.iter().enumerate() {
        let first = cell_of(segment.start);
        let last = cell_of(
            segment
                .start
                .saturating_add(segment.length.saturating_sub(1)),
        );
        let from = to_pixel(pixel_of_cell(first));
        // At least a pixel, so a sequence shorter than a cell still shows.
        let to = to_pixel(pixel_of_cell(last + 1)).max(from + 1);
        area.draw(&Rectangle::new(
            [(x0 + from, y0 + from), (x0 + to, y0 + to)],
            style.sequence_color(index).filled(),
        ))
        .map_err(drawing_failed)?;
    }
    let cell_pixels = f64::from(side) / count_value(cells);
    if cell_pixels >= MIN_GRID_CELL_CSS * style.pixel_ratio {
        let grid = style.line(style.background, 1.0);
        for cell in 1..cells {
            let at = to_pixel(pixel_of_cell(cell));
            area.draw(&PathElement::new(vec![(x0 + at, y0), (x0 + at, y1)], grid))
                .map_err(drawing_failed)?;
            area.draw(&PathElement::new(vec![(x0, y0 + at), (x1, y0 + at)], grid))
                .map_err(drawing_failed)?;
        }
    }
    area.draw(&Rectangle::new(
        [(x0, y0), (x1, y1)],
        style.line(style.muted, 1.0),
    ))
    .map_err(drawing_failed)?;

    // Ticks in tokens along both axes; keys left to right, queries top down.
    let (label_width, _) = text_size(area, &format_compact(count_value(row.length)), &tick_font)?;
    let ticks = (f64::from(side) / f64::from(label_width + style.offset(24.0))).floor();
    let step = nice_step(
        count_value(row.length),
        usize::try_from(to_pixel(ticks.clamp(2.0, 8.0))).unwrap_or(2),
        1.0,
    );
    let token_to_pixel = |token: f64| to_pixel(token * f64::from(side) / count_value(row.length));
    let mut token = 0.0;
    let mark = style.offset(3.0);
    while token <= count_value(row.length) {
        let at = token_to_pixel(token);
        let label = format_compact(token);
        area.draw(&PathElement::new(
            vec![(x0 + at, y1), (x0 + at, y1 + mark)],
            style.line(style.muted, 1.0),
        ))
        .map_err(drawing_failed)?;
        area.draw(&Text::new(
            label.clone(),
            (x0 + at, y1 + mark + style.offset(2.0)),
            tick_font.pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(drawing_failed)?;
        area.draw(&PathElement::new(
            vec![(x0 - mark, y0 + at), (x0, y0 + at)],
            style.line(style.muted, 1.0),
        ))
        .map_err(drawing_failed)?;
        area.draw(&Text::new(
            label,
            (x0 - mark - style.offset(3.0), y0 + at),
            tick_font.pos(Pos::new(HPos::Right, VPos::Center)),
        ))
        .map_err(drawing_failed)?;
        token += step;
    }
    let name_font = style.subtle_text(12.0);
    area.draw(&Text::new(
        "key token",
        ((x0 + x1) / 2, y1 + mark + tick_height + style.offset(6.0)),
        name_font.pos(Pos::new(HPos::Center, VPos::Top)),
    ))
    .map_err(drawing_failed)?;
    area.draw(&Text::new(
        "query token",
        (style.offset(2.0), (y0 + y1) / 2),
        name_font
            .transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Center, VPos::Top)),
    ))
    .map_err(drawing_failed)
}

/// Position ids along the row: each sequence counts 0, 1, 2, … from its
/// first token (a sawtooth); padding stays at 0.
fn draw_positions<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    row: &Row,
    style: &Style,
) -> Result<(), String> {
    let heading_bottom = panel_heading(
        area,
        "Position ids",
        "restart at 0 in every sequence",
        style,
    )?;
    let plot = area.margin(heading_bottom, 0, 0, 0);
    let longest = row
        .segments
        .iter()
        .map(|segment| segment.length)
        .max()
        .unwrap_or(1);
    let x_end = count_value(row.length);
    let y_end = count_value(longest.saturating_sub(1)).max(1.0) * 1.06;
    let (plot_width, _) = area_size(&plot);
    let x_ticks = usize::try_from(plot_width / style.offset(70.0).max(1))
        .unwrap_or(2)
        .clamp(2, 8);
    let mut chart = ChartBuilder::on(&plot)
        .margin_top(style.offset(4.0))
        .margin_right(style.offset(10.0))
        .margin_bottom(style.offset(2.0))
        .x_label_area_size(style.offset(38.0))
        .y_label_area_size(value_axis_width(&plot, y_end, style)?)
        .build_cartesian_2d(
            TickedAxis::counts(x_end, x_ticks),
            TickedAxis::counts(y_end, 5),
        )
        .map_err(drawing_failed)?;
    let mut mesh = chart.configure_mesh();
    style.mesh(&mut mesh);
    mesh.x_label_formatter(&|token| format_compact(*token))
        .y_label_formatter(&|position| format_compact(*position))
        .x_desc("token in the row")
        .y_desc("position id")
        .draw()
        .map_err(drawing_failed)?;

    let width = style.px(2.0);
    for (index, segment) in row.segments.iter().enumerate() {
        let color = style.sequence_color(index);
        let start = count_value(segment.start);
        let last = count_value(segment.length.saturating_sub(1));
        chart
            .draw_series(LineSeries::new(
                [(start, 0.0), (start + last, last)],
                color.stroke_width(width),
            ))
            .map_err(drawing_failed)?;
        // The reset to 0 at the sequence's first token; on a short row,
        // every token's id, since ids are whole numbers.
        let marked = if row.length <= MAX_MARKED_TOKENS {
            segment.length
        } else {
            1
        };
        chart
            .draw_series((0..marked).map(|offset| {
                let offset = count_value(offset);
                Circle::new((start + offset, offset), style.px(3.0), color.filled())
            }))
            .map_err(drawing_failed)?;
    }
    if row.padding > 0 && row.length <= MAX_MARKED_TOKENS {
        chart
            .draw_series((row.used()..row.length).map(|token| {
                Circle::new(
                    (count_value(token), 0.0),
                    style.px(2.5),
                    style.subtle.filled(),
                )
            }))
            .map_err(drawing_failed)?;
    }
    if row.padding > 0 {
        chart
            .draw_series(DashedLineSeries::new(
                [(count_value(row.used()), 0.0), (x_end, 0.0)],
                style.offset(4.0),
                style.offset(3.0),
                style.line(style.subtle, 2.0),
            ))
            .map_err(drawing_failed)?;
    }
    Ok(())
}

/// Writes a panel's heading and a note after it when there is room;
/// returns where the panel's content starts (device pixels from its top).
fn panel_heading<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    note: &str,
    style: &Style,
) -> Result<i32, String> {
    let title_font = style.bold_text(12.5, style.foreground);
    let (title_width, title_height) = text_size(area, title, &title_font)?;
    let left = style.offset(4.0);
    area.draw(&Text::new(
        title,
        (left, 0),
        title_font.pos(Pos::new(HPos::Left, VPos::Top)),
    ))
    .map_err(drawing_failed)?;
    let note_font = style.subtle_text(11.5);
    let (note_width, _) = text_size(area, note, &note_font)?;
    let (width, _) = area_size(area);
    let note_left = left + title_width + style.offset(10.0);
    if note_left + note_width <= width {
        area.draw(&Text::new(
            note,
            (note_left, title_height / 2),
            note_font.pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(drawing_failed)?;
    }
    Ok(title_height + style.offset(8.0))
}
