//! Comparing figures computed two ways in `f64`.

/// Whether `actual` is within `tolerance` of `expected`, relative to
/// `expected` or, for figures below 1, absolute.
pub fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
    (actual - expected).abs() <= tolerance * expected.abs().max(1.0)
}
