//! Colours, fonts and sizes shared by every chart, in light and dark.

use plotters::style::{FontFamily, RGBColor, TextStyle};

use super::ChartOptions;
use crate::algorithms::Algorithm;

/// The look of a chart.
pub(crate) struct Style {
    /// Fill behind everything.
    pub background: RGBColor,
    /// Text and axes.
    pub foreground: RGBColor,
    /// Grid lines and secondary text.
    pub muted: RGBColor,
    /// Markers that must stand out (max_len, limits).
    pub accent: RGBColor,
    /// Device pixels per CSS pixel.
    pub pixel_ratio: f64,
    /// True for the dark scheme.
    pub dark: bool,
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
            }
        } else {
            Style {
                background: RGBColor(0xff, 0xff, 0xff),
                foreground: RGBColor(0x1f, 0x23, 0x28),
                muted: RGBColor(0xc8, 0xcc, 0xd2),
                accent: RGBColor(0xc0, 0x39, 0x2b),
                pixel_ratio,
                dark: false,
            }
        }
    }

    /// `css_pixels` scaled to device pixels.
    pub(crate) fn px(&self, css_pixels: f64) -> u32 {
        (css_pixels * self.pixel_ratio).round().max(1.0) as u32
    }

    /// Text of `css_size` pixels in the foreground colour.
    pub(crate) fn text(&self, css_size: f64) -> TextStyle<'_> {
        TextStyle::from((FontFamily::SansSerif, css_size * self.pixel_ratio))
            .color(&self.foreground)
    }

    /// The colour of an algorithm, the same in every chart.
    pub(crate) fn algorithm_color(&self, algorithm: Algorithm) -> RGBColor {
        match (algorithm, self.dark) {
            (Algorithm::None, false) => RGBColor(0x7f, 0x8c, 0x8d),
            (Algorithm::None, true) => RGBColor(0xa0, 0xa8, 0xb0),
            (Algorithm::Spfhp, false) => RGBColor(0x1f, 0x77, 0xb4),
            (Algorithm::Spfhp, true) => RGBColor(0x5d, 0xa5, 0xda),
            (Algorithm::Lpfhp, false) => RGBColor(0xe0, 0x7b, 0x00),
            (Algorithm::Lpfhp, true) => RGBColor(0xff, 0xa6, 0x3d),
            (Algorithm::Nnlshp, false) => RGBColor(0x2c, 0xa0, 0x2c),
            (Algorithm::Nnlshp, true) => RGBColor(0x60, 0xd0, 0x60),
            (Algorithm::Bfd, false) => RGBColor(0x94, 0x67, 0xbd),
            (Algorithm::Bfd, true) => RGBColor(0xc0, 0x9a, 0xe8),
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
}
