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

/// A backend that draws on `target` and measures text on an off-screen
/// canvas.
pub(crate) struct ChartBackend<'a> {
    target: Target<'a>,
    measure: Option<OffscreenCanvasRenderingContext2d>,
}

impl<'a> ChartBackend<'a> {
    pub(crate) fn new(target: Target<'a>) -> Self {
        let measure = OffscreenCanvas::new(1, 1)
            .ok()
            .and_then(|canvas| canvas.get_context("2d").ok().flatten())
            .and_then(|context| context.dyn_into::<OffscreenCanvasRenderingContext2d>().ok());
        ChartBackend { target, measure }
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
        let Some(context) = &self.measure else {
            return Ok(fallback());
        };
        // The same font string the canvas backend draws with.
        context.set_font(&format!(
            "{} {}px {}",
            style.style().as_str(),
            size,
            style.family().as_str()
        ));
        let Ok(metrics) = context.measure_text(text) else {
            return Ok(fallback());
        };
        let box_height = metrics.font_bounding_box_ascent() + metrics.font_bounding_box_descent();
        let height = if box_height.is_finite() && box_height > 0.0 {
            box_height
        } else {
            size * LINE_HEIGHT
        };
        let width = metrics.width();
        if !width.is_finite() {
            return Ok(fallback());
        }
        Ok((width.ceil().max(0.0) as u32, height.ceil() as u32))
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
