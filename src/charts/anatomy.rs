//! Placeholder until the chart is drawn.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{ChartData, Style};

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    _data: &ChartData,
    style: &Style,
) -> Result<(), String> {
    root.draw(&Text::new("anatomy", (10, 10), style.text(14.0)))
        .map_err(|error| error.to_string())
}
