//! Colours, fonts and sizes shared by every chart, in light and dark, and
//! the small helpers every chart needs: number formats for axes and labels,
//! safe conversions to pixels, and the message drawn on an empty chart.

use std::fmt::Display;
use std::ops::Range;

use plotters::chart::MeshStyle;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::data::ChartOptions;
use crate::algorithms::Algorithm;

/// Below this size (CSS pixels) a chart cannot show anything readable, so
/// it says so instead of squeezing axes into nothing.
const MIN_CHART_WIDTH_CSS: f64 = 120.0;
const MIN_CHART_HEIGHT_CSS: f64 = 80.0;

/// How much wider bold sans-serif text runs than regular.
const BOLD_WIDTH_FACTOR: f64 = 1.1;

/// Pixel coordinates are kept within this bound, far outside any canvas,
/// so a stray value (a huge count, a NaN) cannot overflow the backends'
/// integer arithmetic.
const PIXEL_LIMIT: f64 = 1.0e6;

/// The look of a chart.
pub(crate) struct Style {
    /// Fill behind everything.
    pub background: RGBColor,
    /// Text and axes.
    pub foreground: RGBColor,
    /// Axis lines and borders: visible, never loud.
    pub muted: RGBColor,
    /// Markers that must stand out (max_len, limits).
    pub accent: RGBColor,
    /// Device pixels per CSS pixel.
    pub pixel_ratio: f64,
    /// True for the dark scheme.
    pub dark: bool,
    /// Secondary text that must still be read: tick labels, notes.
    pub subtle: RGBColor,
    /// Faint grid lines behind the data.
    pub grid: RGBColor,
    /// Bars that stand for no algorithm (the length histogram).
    pub bar: RGBColor,
    /// Sequences past max_len: truncated or dropped, never trained on whole.
    pub warning: RGBColor,
    /// Padding tokens.
    pub padding: RGBColor,
}

impl Style {
    pub(crate) fn new(options: &ChartOptions) -> Self {
        let pixel_ratio = if options.pixel_ratio.is_finite() && options.pixel_ratio > 0.0 {
            options.pixel_ratio.clamp(0.5, 4.0)
        } else {
            1.0
        };
        if options.dark {
            Style {
                background: RGBColor(0x1b, 0x1d, 0x22),
                foreground: RGBColor(0xe6, 0xe6, 0xe6),
                muted: RGBColor(0x5a, 0x5f, 0x6b),
                accent: RGBColor(0xff, 0x7a, 0x6b),
                pixel_ratio,
                dark: true,
                subtle: RGBColor(0xa3, 0xa9, 0xb4),
                grid: RGBColor(0x2f, 0x33, 0x3b),
                bar: RGBColor(0x6f, 0x9f, 0xd8),
                warning: RGBColor(0xf0, 0x9a, 0x4a),
                padding: RGBColor(0x4a, 0x4f, 0x59),
            }
        } else {
            Style {
                background: RGBColor(0xff, 0xff, 0xff),
                foreground: RGBColor(0x1f, 0x23, 0x28),
                muted: RGBColor(0xc8, 0xcc, 0xd2),
                accent: RGBColor(0xc0, 0x39, 0x2b),
                pixel_ratio,
                dark: false,
                subtle: RGBColor(0x5c, 0x63, 0x6e),
                grid: RGBColor(0xe9, 0xec, 0xef),
                bar: RGBColor(0x4a, 0x7e, 0xbb),
                warning: RGBColor(0xe6, 0x7e, 0x22),
                padding: RGBColor(0xd5, 0xd9, 0xde),
            }
        }
    }

    /// `css_pixels` scaled to device pixels.
    pub(crate) fn px(&self, css_pixels: f64) -> u32 {
        (css_pixels * self.pixel_ratio).round().max(1.0) as u32
    }

    /// `css_pixels` scaled to device pixels, as a coordinate offset.
    pub(crate) fn offset(&self, css_pixels: f64) -> i32 {
        to_pixel(css_pixels * self.pixel_ratio)
    }

    /// Text of `css_size` pixels in the foreground colour.
    pub(crate) fn text(&self, css_size: f64) -> TextStyle<'static> {
        self.colored_text(css_size, self.foreground)
    }

    /// Text of `css_size` pixels in the secondary text colour.
    pub(crate) fn subtle_text(&self, css_size: f64) -> TextStyle<'static> {
        self.colored_text(css_size, self.subtle)
    }

    /// Text of `css_size` pixels in `color`.
    pub(crate) fn colored_text(&self, css_size: f64, color: RGBColor) -> TextStyle<'static> {
        let mut text = TextStyle::from((FontFamily::SansSerif, css_size * self.pixel_ratio));
        text.color = color.to_backend_color();
        text
    }

    /// Bold text of `css_size` pixels in `color`.
    pub(crate) fn bold_text(&self, css_size: f64, color: RGBColor) -> TextStyle<'static> {
        let mut text = TextStyle::from((
            FontFamily::SansSerif,
            css_size * self.pixel_ratio,
            FontStyle::Bold,
        ));
        text.color = color.to_backend_color();
        text
    }

    /// A line of `css_width` pixels in `color`.
    pub(crate) fn line(&self, color: RGBColor, css_width: f64) -> ShapeStyle {
        color.stroke_width(self.px(css_width))
    }

    /// Gives a chart's mesh the common look: faint grid, no minor lines,
    /// readable tick labels, short ticks.
    pub(crate) fn mesh<X: Ranged, Y: Ranged, DB: DrawingBackend>(
        &self,
        mesh: &mut MeshStyle<'_, '_, X, Y, DB>,
    ) {
        mesh.axis_style(self.line(self.muted, 1.0))
            .bold_line_style(self.line(self.grid, 1.0))
            .light_line_style(TRANSPARENT)
            .label_style(self.subtle_text(11.5))
            .axis_desc_style(self.subtle_text(12.0))
            .set_all_tick_mark_size(self.px(3.0));
    }

    /// The colour of an algorithm, the same in every chart (and as the
    /// page's `--algorithm-…` CSS colours). Chosen by name, so an algorithm
    /// added to the engine draws (in the neutral colour) before it is given
    /// one of its own.
    pub(crate) fn algorithm_color(&self, algorithm: Algorithm) -> RGBColor {
        match (algorithm.name(), self.dark) {
            ("spfhp", false) => RGBColor(0x1f, 0x77, 0xb4),
            ("spfhp", true) => RGBColor(0x5d, 0xa5, 0xda),
            ("lpfhp", false) => RGBColor(0xe0, 0x7b, 0x00),
            ("lpfhp", true) => RGBColor(0xff, 0xa6, 0x3d),
            ("nnlshp", false) => RGBColor(0x2c, 0xa0, 0x2c),
            ("nnlshp", true) => RGBColor(0x60, 0xd0, 0x60),
            ("bfd", false) => RGBColor(0x94, 0x67, 0xbd),
            ("bfd", true) => RGBColor(0xc0, 0x9a, 0xe8),
            ("optimal", false) => RGBColor(0xb8, 0x2e, 0x7a),
            ("optimal", true) => RGBColor(0xf2, 0x7f, 0xbf),
            // `none`, and any algorithm not yet given a colour.
            (_, false) => RGBColor(0x7f, 0x8c, 0x8d),
            (_, true) => RGBColor(0xa0, 0xa8, 0xb0),
        }
    }

    /// The colour of the `index`-th sequence of a pack.
    pub(crate) fn sequence_color(&self, index: usize) -> RGBColor {
        const LIGHT: [RGBColor; 8] = [
            RGBColor(0x1f, 0x77, 0xb4),
            RGBColor(0xe0, 0x7b, 0x00),
            RGBColor(0x2c, 0xa0, 0x2c),
            RGBColor(0xd6, 0x27, 0x28),
            RGBColor(0x94, 0x67, 0xbd),
            RGBColor(0x8c, 0x56, 0x4b),
            RGBColor(0xe3, 0x77, 0xc2),
            RGBColor(0x17, 0xbe, 0xcf),
        ];
        const DARK: [RGBColor; 8] = [
            RGBColor(0x5d, 0xa5, 0xda),
            RGBColor(0xff, 0xa6, 0x3d),
            RGBColor(0x60, 0xd0, 0x60),
            RGBColor(0xff, 0x6b, 0x6b),
            RGBColor(0xc0, 0x9a, 0xe8),
            RGBColor(0xc4, 0x9c, 0x94),
            RGBColor(0xf7, 0xa8, 0xd8),
            RGBColor(0x6a, 0xe0, 0xee),
        ];
        let palette = if self.dark { &DARK } else { &LIGHT };
        palette[index % palette.len()]
    }

    /// Text drawn on top of a bar of colour `fill`: dark on light fills,
    /// white on dark ones, so labels inside bars stay readable in both
    /// schemes.
    pub(crate) fn text_on(&self, fill: RGBColor) -> RGBColor {
        let RGBColor(red, green, blue) = fill;
        // Relative luminance weights of sRGB (ITU-R BT.709), on 0..=255.
        let luminance =
            0.2126 * f64::from(red) + 0.7152 * f64::from(green) + 0.0722 * f64::from(blue);
        if luminance > 150.0 {
            RGBColor(0x1b, 0x1d, 0x22)
        } else {
            RGBColor(0xff, 0xff, 0xff)
        }
    }
}

/// Turns a plotters error into the message the page shows.
pub(crate) fn drawing_failed<E: Display>(error: E) -> String {
    format!("the chart could not be drawn: {error}")
}

/// A pixel coordinate from a computed position: rounded, NaN taken as 0,
/// and kept within [`PIXEL_LIMIT`] so the conversion is always exact.
pub(crate) fn to_pixel(value: f64) -> i32 {
    if value.is_nan() {
        return 0;
    }
    // In range after the clamp, so the cast neither saturates nor wraps.
    value.round().clamp(-PIXEL_LIMIT, PIXEL_LIMIT) as i32
}

/// A count as a number to plot. Exact below 2^53, which every count a
/// chart meets is; beyond that the nearest float is as good for drawing.
pub(crate) fn count_value(count: u64) -> f64 {
    count as f64
}

/// Lays legend items out in rows above a chart: left to right, a new row
/// when the next item would run past the right edge.
pub(crate) struct LegendRows {
    width: i32,
    left: i32,
    spacing: i32,
    row_height: i32,
    x: i32,
    y: i32,
}

impl LegendRows {
    /// Rows across an area `width` pixels wide.
    pub(crate) fn new(width: i32, style: &Style) -> Self {
        let left = style.offset(8.0);
        LegendRows {
            width,
            left,
            spacing: style.offset(18.0),
            row_height: style.offset(20.0),
            x: left,
            y: style.offset(2.0),
        }
    }

    /// Where an item `item_width` pixels wide goes: its left edge and the
    /// middle of its row.
    pub(crate) fn place(&mut self, item_width: i32) -> (i32, i32) {
        if self.x > self.left && self.x + item_width > self.width - self.left {
            self.x = self.left;
            self.y += self.row_height;
        }
        let at = (self.x, self.y + self.row_height / 2);
        self.x += item_width + self.spacing;
        at
    }

    /// Adds an entry: a sample `sample_width` pixels wide, which
    /// `draw_sample` draws at the left edge and row middle it is given, then
    /// `label` beside it.
    pub(crate) fn draw_entry<DB: DrawingBackend>(
        &mut self,
        root: &DrawingArea<DB, Shift>,
        sample_width: i32,
        label: &str,
        style: &Style,
        draw_sample: impl FnOnce(i32, i32) -> Result<(), String>,
    ) -> Result<(), String> {
        let font = style.text(12.0);
        let gap = style.offset(6.0);
        let (label_width, _) = text_size(root, label, &font)?;
        let (left_edge, centre) = self.place(sample_width + gap + label_width);
        draw_sample(left_edge, centre)?;
        root.draw(&Text::new(
            label,
            (left_edge + sample_width + gap, centre),
            font.pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(drawing_failed)
    }

    /// The height the rows take so far.
    pub(crate) fn height(&self) -> i32 {
        self.y + self.row_height
    }
}

/// A line's points, `(x, y)`.
pub(crate) type Point = (f64, f64);

/// Puts a line's points in x order, keeping the given order among equal x.
/// One function for every chart, so the module holds one copy of the sort.
pub(crate) fn sort_by_x(points: &mut [Point]) {
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
}

/// A fraction to draw: NaN and infinities become 0, the rest is kept in
/// `[0, 1]`.
pub(crate) fn clean_fraction(value: f64) -> f64 {
    if value.is_finite() {
        value.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// A whole number with thousands separators: `40,631`, as everywhere else.
pub(crate) use crate::numbers::thousands as format_count;

/// An axis number in a few characters: `0`, `250`, `1.5k`, `40k`, `2.3M`,
/// `1.2B`. Non-finite values give an empty label.
pub(crate) fn format_compact(value: f64) -> String {
    if !value.is_finite() {
        return String::new();
    }
    const UNITS: [(f64, &str); 5] = [(1.0, ""), (1e3, "k"), (1e6, "M"), (1e9, "B"), (1e12, "T")];
    // The largest unit the value reaches; a value that rounds up to 1000 of
    // one unit is written in the next ("1M", not "1000k").
    let mut chosen = (1.0, "");
    for (scale, suffix) in UNITS {
        if value.abs() >= scale * 0.9995 {
            chosen = (scale, suffix);
        }
    }
    let scaled = value / chosen.0;
    let decimals = if scaled.abs() >= 100.0 {
        0
    } else if scaled.abs() >= 10.0 {
        1
    } else {
        2
    };
    let text = format!("{scaled:.decimals$}");
    // "1.50k" reads as "1.5k" and "40.0k" as "40k".
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text.as_str()
    };
    let text = if text == "-0" { "0" } else { text };
    format!("{text}{}", chosen.1)
}

/// A fraction as a percentage with `decimals` decimals: `97.7%`.
pub(crate) fn format_percent(fraction: f64, decimals: usize) -> String {
    if fraction.is_finite() {
        format!("{:.*}%", decimals, fraction * 100.0)
    } else {
        "–".to_string()
    }
}

/// An efficiency as a percentage: one decimal (`97.7%`), two when one
/// would round a plan that still pads up to `100.0%` (`99.97%`), and
/// `100%` for none at all.
pub(crate) fn format_efficiency(efficiency: f64) -> String {
    if efficiency >= 1.0 {
        "100%".to_string()
    } else if efficiency >= 0.9995 {
        format_percent(efficiency.min(0.9999), 2)
    } else {
        format_percent(efficiency, 1)
    }
}

/// A speed-up tick on an axis: `1×`, `1.5×`, `2.25×`.
pub(crate) fn format_factor_tick(factor: f64) -> String {
    if !factor.is_finite() {
        return String::new();
    }
    let text = format!("{factor:.2}");
    format!("{}×", text.trim_end_matches('0').trim_end_matches('.'))
}

/// A speed-up factor: `2.18×`.
pub(crate) fn format_factor(factor: f64) -> String {
    if factor.is_finite() {
        format!("{factor:.2}×")
    } else {
        "–".to_string()
    }
}

/// The width and height of `text` in `font` on `area`, in device pixels.
pub(crate) fn text_size<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    font: &TextStyle<'_>,
) -> Result<(i32, i32), String> {
    let (width, height) = area
        .estimate_text_size(text, font)
        .map_err(drawing_failed)?;
    let width = i32::try_from(width).unwrap_or(i32::MAX);
    // The page measures text without its weight, so bold text comes out
    // narrower than it is drawn: widen it by the usual bold excess.
    let width = if matches!(font.font.get_style(), FontStyle::Bold) {
        to_pixel(f64::from(width) * BOLD_WIDTH_FACTOR)
    } else {
        width
    };
    Ok((width, i32::try_from(height).unwrap_or(i32::MAX)))
}

/// Room beside a value axis running from 0 to `top`: its widest tick label
/// (with a digit to spare, as ticks fall between round numbers), the tick
/// marks and the rotated axis name.
pub(crate) fn value_axis_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    top: f64,
    style: &Style,
) -> Result<i32, String> {
    let sample = format!("{}0", format_compact(top));
    let (label_width, _) = text_size(area, &sample, &style.subtle_text(11.5))?;
    Ok(label_width + style.offset(26.0))
}

/// The size of `area` in device pixels, as coordinates.
pub(crate) fn area_size<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
) -> (i32, i32) {
    let (width, height) = area.dim_in_pixel();
    (
        i32::try_from(width).unwrap_or(i32::MAX),
        i32::try_from(height).unwrap_or(i32::MAX),
    )
}

/// A short message centred on `area`, in place of a chart that has nothing
/// to show.
pub(crate) fn draw_message<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    message: &str,
    style: &Style,
) -> Result<(), String> {
    let (width, height) = area_size(area);
    let font = style
        .subtle_text(13.0)
        .pos(Pos::new(HPos::Center, VPos::Center));
    area.draw(&Text::new(message, (width / 2, height / 2), font))
        .map_err(drawing_failed)
}

/// Draws a message and returns true when `area` is too small for any chart.
pub(crate) fn draw_if_too_small<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    style: &Style,
) -> Result<bool, String> {
    let (width, height) = area_size(area);
    let too_small = f64::from(width) < MIN_CHART_WIDTH_CSS * style.pixel_ratio
        || f64::from(height) < MIN_CHART_HEIGHT_CSS * style.pixel_ratio;
    if too_small && width > 0 && height > 0 {
        // Too small for axes; a word may still fit.
        let font = style
            .subtle_text(10.0)
            .pos(Pos::new(HPos::Center, VPos::Center));
        area.draw(&Text::new("too small", (width / 2, height / 2), font))
            .map_err(drawing_failed)?;
    }
    Ok(too_small)
}

/// A step for about `ticks` evenly spaced ticks over `0..=span` (a quarter
/// more at most): 1, 2 or 5 times a power of ten, never below `minimum`.
pub(crate) fn nice_step(span: f64, ticks: usize, minimum: f64) -> f64 {
    let ticks = f64::from(u32::try_from(ticks.max(1)).unwrap_or(u32::MAX));
    if !span.is_finite() || span <= 0.0 {
        return minimum.max(f64::MIN_POSITIVE);
    }
    let power = 10f64.powf((span / ticks).log10().floor() - 1.0);
    let step = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]
        .iter()
        .map(|factor| factor * power)
        .find(|step| span / step <= ticks * 1.25)
        .unwrap_or(100.0 * power);
    step.max(minimum)
}

/// A numeric axis with ticks exactly where a chart wants them (every
/// pack depth, "no limit", round percentages) rather than where plotters'
/// automatic ticks would fall.
#[derive(Clone)]
pub(crate) struct TickedAxis {
    range: Range<f64>,
    ticks: Vec<f64>,
}

impl TickedAxis {
    /// `range` with ticks at `ticks` (those outside the range are dropped).
    pub(crate) fn new(range: Range<f64>, ticks: Vec<f64>) -> Self {
        let ticks = ticks
            .into_iter()
            .filter(|tick| range.contains(tick) || *tick == range.end)
            .collect();
        TickedAxis { range, ticks }
    }

    /// `0..top` with about `ticks` ticks at round whole numbers, for
    /// counts (sequences, packs, tokens), which have no fractions.
    pub(crate) fn counts(top: f64, ticks: usize) -> Self {
        let top = if top.is_finite() && top > 0.0 {
            top
        } else {
            1.0
        };
        let step = nice_step(top, ticks, 1.0);
        let marks = (0u32..=100)
            .map(|index| f64::from(index) * step)
            .take_while(|mark| *mark <= top)
            .collect();
        TickedAxis::new(0.0..top, marks)
    }
}

impl Ranged for TickedAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.range.end - self.range.start;
        if !span.is_finite() || span == 0.0 {
            return limit.0 + (limit.1 - limit.0) / 2;
        }
        let share = (value - self.range.start) / span;
        to_pixel(f64::from(limit.0) + share * f64::from(limit.1 - limit.0))
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.max_num_points() == 0 {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

// The chart module exists on wasm32 only, so its unit tests run there, in
// Node: `cargo test --target wasm32-unknown-unknown --no-default-features --lib`.
#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn axis_numbers_are_short() {
        assert_eq!(format_compact(0.0), "0");
        assert_eq!(format_compact(250.0), "250");
        assert_eq!(format_compact(1500.0), "1.5k");
        assert_eq!(format_compact(40_000.0), "40k");
        assert_eq!(format_compact(2_300_000.0), "2.3M");
        assert_eq!(format_compact(1e12), "1T");
        assert_eq!(format_compact(0.5), "0.5");
        assert_eq!(format_compact(f64::NAN), "");
    }

    #[wasm_bindgen_test]
    fn efficiencies_never_round_up_to_no_padding() {
        assert_eq!(format_efficiency(0.977), "97.7%");
        assert_eq!(format_efficiency(0.99976), "99.98%");
        assert_eq!(format_efficiency(0.999_999), "99.99%");
        assert_eq!(format_efficiency(1.0), "100%");
        assert_eq!(format_factor_tick(2.0), "2×");
        assert_eq!(format_factor_tick(1.25), "1.25×");
    }

    #[wasm_bindgen_test]
    fn steps_are_round() {
        assert_eq!(nice_step(100.0, 5, 1.0), 20.0);
        assert_eq!(nice_step(384.0, 4, 1.0), 100.0);
        assert_eq!(nice_step(8192.0, 4, 1.0), 2000.0);
        assert_eq!(nice_step(3.0, 5, 1.0), 1.0);
        assert_eq!(nice_step(0.0, 5, 1.0), 1.0);
    }
}
