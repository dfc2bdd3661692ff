//! Histograms written out in a test.

use packlab::Histogram;

/// The histogram at `max_len` of `(length, count)` pairs; a length may
/// appear more than once, its counts add up.
///
/// # Panics
///
/// If a length is 0 or above `max_len`, or the histogram is invalid (no
/// sequence at all, or totals past 64 bits).
pub fn histogram(max_len: u32, lengths: &[(u32, u64)]) -> Histogram {
    let mut counts = vec![0u64; max_len as usize];
    for &(length, count) in lengths {
        counts[length as usize - 1] += count;
    }
    Histogram::from_dense(counts).expect("test histograms are valid")
}
