//! Text measurement for the charts that needs no element in the page.
//!
//! plotters, on its own, measures text in WebAssembly by adding a `<span>`
//! with an inline `style` attribute to the page, which the page's
//! Content-Security-Policy (`style-src 'self'`) rightly refuses, and which
//! panics where there is no document. Every chart is drawn through
//! [`MeasuredBackend`] instead: it passes all drawing to the real backend
//! (canvas or SVG) and answers plotters' size questions from an off-screen
//! canvas's `measureText`.

use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};
use wasm_bindgen::JsCast;
use web_sys::{OffscreenCanvas, OffscreenCanvasRenderingContext2d};

/// Line height as a multiple of the font size when the browser does not
/// report the font's box (and for the fallback estimate).
const LINE_HEIGHT: f64 = 1.2;

/// Average glyph width as a multiple of the font size, for the fallback
/// estimate when no canvas can measure.
const AVERAGE_GLYPH_WIDTH: f64 = 0.55;

/// A backend that draws through `inner` and measures text on an
/// off-screen canvas.
pub(crate) struct MeasuredBackend<B> {
    inner: B,
    measure: Option<OffscreenCanvasRenderingContext2d>,
}

impl<B: DrawingBackend> MeasuredBackend<B> {
    pub(crate) fn new(inner: B) -> Self {
        let measure = OffscreenCanvas::new(1, 1)
            .ok()
            .and_then(|canvas| canvas.get_context("2d").ok().flatten())
            .and_then(|context| context.dyn_into::<OffscreenCanvasRenderingContext2d>().ok());
        MeasuredBackend { inner, measure }
    }
}

impl<B: DrawingBackend> DrawingBackend for MeasuredBackend<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vertices: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.fill_polygon(vertices, style)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        position: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_text(text, style, position)
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
        self.inner.blit_bitmap(position, size, source)
    }
}
