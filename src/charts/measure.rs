//! The one drawing backend every chart goes through.
//!
//! plotters, on its own, measures text in WebAssembly by adding a `<span>`
//! with an inline `style` attribute to the page, which the page's
//! Content-Security-Policy (`style-src 'self'`) rightly refuses, and which
//! panics where there is no document. Every chart is drawn through
//! [`ChartBackend`] instead: it passes all drawing to the real target
//! (canvas or SVG) and answers plotters' size questions from an off-screen
//! canvas's `measureText`.
//!
//! It is one concrete type rather than a wrapper generic over the target on
//! purpose: plotters' chart code is generic over the backend, and drawing
//! through two backend types compiled every chart twice, about a tenth of
//! the page's WebAssembly module.

use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};
use std::cell::RefCell;
use std::collections::HashMap;
use std::error::Error;
use std::fmt;

use plotters::backend::SVGBackend;
use plotters_canvas::CanvasBackend;
use wasm_bindgen::JsCast;
use web_sys::{OffscreenCanvas, OffscreenCanvasRenderingContext2d};

/// Line height as a multiple of the font size when the browser does not
/// report the font's box (and for the fallback estimate).
const LINE_HEIGHT: f64 = 1.2;

/// Average glyph width as a multiple of the font size, for the fallback
/// estimate when no canvas can measure.
const AVERAGE_GLYPH_WIDTH: f64 = 0.55;

/// Where a chart's drawing goes.
pub(crate) enum Target<'a> {
    /// A canvas of the page.
    Canvas(CanvasBackend),
    /// SVG text, for the export.
    Svg(SVGBackend<'a>),
}

/// A drawing error of either target, as its message.
#[derive(Debug)]
pub(crate) struct TargetError(String);

impl fmt::Display for TargetError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl Error for TargetError {}

/// Gives a target's error the one error type of [`ChartBackend`].
fn lift<T, E: Error + Send + Sync>(
    result: Result<T, DrawingErrorKind<E>>,
) -> Result<T, DrawingErrorKind<TargetError>> {
    result.map_err(|error| match error {
        DrawingErrorKind::DrawingError(inner) => {
            DrawingErrorKind::DrawingError(TargetError(inner.to_string()))
        }
        DrawingErrorKind::FontError(inner) => DrawingErrorKind::FontError(inner),
    })
}

/// Calls the same method on whichever target the chart draws on.
macro_rules! on_target {
    ($self:ident, $backend:ident => $call:expr) => {
        match &mut $self.target {
            Target::Canvas($backend) => lift($call),
            Target::Svg($backend) => lift($call),
        }
    };
}

/// Text sizes stop being remembered past this many (font, text) pairs; the
/// page's charts use a few hundred.
const MAX_REMEMBERED_SIZES: usize = 4096;

/// Measures text on an off-screen canvas, once per font and text.
///
/// Charts are redrawn whenever their data or their size changes, mostly
/// with the same labels, and plotters asks for the size of each label
/// several times while laying a chart out. Measuring (setting the font,
/// which the browser parses, then `measureText`) was a fifth of the main
/// thread's work in the page's first render before it was remembered.
struct TextMeasurer {
    context: Option<OffscreenCanvasRenderingContext2d>,
    /// The font `context` is set to.
    font: String,
    /// Sizes measured, by font and text (`"{font}\n{text}"`).
    sizes: HashMap<String, (u32, u32)>,
}

impl TextMeasurer {
    fn new() -> Self {
        let context = OffscreenCanvas::new(1, 1)
            .ok()
            .and_then(|canvas| canvas.get_context("2d").ok().flatten())
            .and_then(|context| context.dyn_into::<OffscreenCanvasRenderingContext2d>().ok());
        TextMeasurer {
            context,
            font: String::new(),
            sizes: HashMap::new(),
        }
    }

    /// The size of `text` in `font` (`size` pixels), or None when the
    /// browser cannot measure it.
    fn measure(&mut self, font: &str, text: &str, size: f64) -> Option<(u32, u32)> {
        let key = format!("{font}\n{text}");
        if let Some(&measured) = self.sizes.get(&key) {
            return Some(measured);
        }
        let context = self.context.as_ref()?;
        if self.font != font {
            context.set_font(font);
            self.font.clear();
            self.font.push_str(font);
        }
        let metrics = context.measure_text(text).ok()?;
        let box_height = metrics.font_bounding_box_ascent() + metrics.font_bounding_box_descent();
        let height = if box_height.is_finite() && box_height > 0.0 {
            box_height
        } else {
            size * LINE_HEIGHT
        };
        let width = metrics.width();
        if !width.is_finite() {
            return None;
        }
        let measured = (width.ceil().max(0.0) as u32, height.ceil() as u32);
        if self.sizes.len() >= MAX_REMEMBERED_SIZES {
            self.sizes.clear();
        }
        self.sizes.insert(key, measured);
        Some(measured)
    }
}

thread_local! {
    /// One measurer for every chart of the page (main thread only).
    static MEASURER: RefCell<Option<TextMeasurer>> = const { RefCell::new(None) };
}

/// A backend that draws on `target` and measures text with the page's
/// [`TextMeasurer`].
pub(crate) struct ChartBackend<'a> {
    target: Target<'a>,
}

impl<'a> ChartBackend<'a> {
    pub(crate) fn new(target: Target<'a>) -> Self {
        ChartBackend { target }
    }
}

impl DrawingBackend for ChartBackend<'_> {
    type ErrorType = TargetError;

    fn get_size(&self) -> (u32, u32) {
        match &self.target {
            Target::Canvas(backend) => backend.get_size(),
            Target::Svg(backend) => backend.get_size(),
        }
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        on_target!(self, backend => backend.ensure_prepared())
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        on_target!(self, backend => backend.present())
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        on_target!(self, backend => backend.draw_pixel(point, color))
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        on_target!(self, backend => backend.draw_line(from, to, style))
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        on_target!(self, backend => backend.draw_rect(upper_left, bottom_right, style, fill))
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        on_target!(self, backend => backend.draw_path(path, style))
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        on_target!(self, backend => backend.draw_circle(center, radius, style, fill))
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vertices: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        on_target!(self, backend => backend.fill_polygon(vertices, style))
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        position: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        on_target!(self, backend => backend.draw_text(text, style, position))
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        let size = style.size();
        let fallback = || {
            let width = size * AVERAGE_GLYPH_WIDTH * text.chars().count() as f64;
            (width.ceil() as u32, (size * LINE_HEIGHT).ceil() as u32)
        };
        // The same font string the canvas backend draws with.
        let font = format!(
            "{} {}px {}",
            style.style().as_str(),
            size,
            style.family().as_str()
        );
        let measured = MEASURER.with(|cell| {
            cell.borrow_mut()
                .get_or_insert_with(TextMeasurer::new)
                .measure(&font, text, size)
        });
        Ok(measured.unwrap_or_else(fallback))
    }

    fn blit_bitmap(
        &mut self,
        position: BackendCoord,
        size: (u32, u32),
        source: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        on_target!(self, backend => backend.blit_bitmap(position, size, source))
    }
}
