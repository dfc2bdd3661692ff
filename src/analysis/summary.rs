//! What the lengths look like at a row length: their statistics, their
//! histogram binned for drawing, what the overlong policy changed, and the
//! padding every row costs without packing.

use serde::{Deserialize, Serialize};

use super::analyser::{Analyser, AnalysisError, RowSettings};
use crate::algorithms::{Algorithm, PackOptions};
use crate::histogram::{LengthCounts, LengthSummary, OverlongOutcome};
use crate::report::Report;

/// Histograms with more lengths than this are drawn in wider bins.
pub const MAX_HISTOGRAM_BINS: u32 = 512;

/// The summary at some settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SummaryRequest {
    /// The row length and overlong policy.
    #[serde(flatten)]
    pub rows: RowSettings,
}

/// The lengths at a row length.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataSummary {
    /// The row length used.
    pub max_len: u32,
    /// Length statistics (before the overlong policy).
    pub summary: LengthSummary,
    /// What the overlong policy changed.
    pub overlong: OverlongOutcome,
    /// No packing, after the overlong policy: the baseline every other
    /// figure is compared with.
    pub no_packing: Report,
    /// The histogram, binned for drawing.
    pub histogram: HistogramBins,
}

/// Sequence counts in bins of equal width, for drawing: the lengths as
/// read, before the overlong policy, so the user sees what lies past
/// max_len.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistogramBins {
    /// Lengths per bin; bin `i` covers lengths `i × width + 1 ..= (i + 1) × width`.
    pub bin_width: u32,
    /// Sequences per bin; the last bin also holds every longer sequence.
    pub counts: Vec<u64>,
    /// The row length, drawn as a marker.
    pub max_len: u32,
    /// The longest length the bins cover (at least max_len, at most twice
    /// it); longer sequences are counted in the last bin.
    pub range_end: u32,
}

impl Analyser {
    /// The lengths at `request`'s settings.
    ///
    /// # Errors
    /// The histogram cannot be built (no sequence, a bad max_len, the
    /// `error` policy with sequences over max_len).
    #[inline(never)] // See "Inlining" in the docs of `crate::analysis`.
    pub fn summary(&mut self, request: &SummaryRequest) -> Result<DataSummary, AnalysisError> {
        let (histogram, overlong) = self.histogram(request.rows)?;
        let max_len = histogram.max_len();
        let summary = self.counts().summary(max_len)?;
        let bins = bin_lengths(self.counts(), max_len, MAX_HISTOGRAM_BINS);
        let (histogram, plan, _) =
            self.plan(request.rows, Algorithm::None, PackOptions::default())?;
        Ok(DataSummary {
            max_len,
            summary,
            overlong,
            // No packing's runtime is not a figure anyone reads here.
            no_packing: Report::new(Algorithm::None, histogram, plan, 0.0),
            histogram: bins,
        })
    }
}

/// Sums the lengths into at most `max_bins` bins of equal width covering
/// `1..=range_end`, where `range_end` is the longest sequence, but at least
/// `max_len` and at most twice it.
#[inline(never)] // See "Inlining" in the docs of `crate::analysis`.
pub fn bin_lengths(counts: &LengthCounts, max_len: u32, max_bins: u32) -> HistogramBins {
    let longest = counts.longest().unwrap_or(0);
    let range_end = longest.clamp(u64::from(max_len), 2 * u64::from(max_len)) as u32;
    let bin_width = range_end.div_ceil(max_bins.max(1)).max(1);
    let bins = range_end.div_ceil(bin_width) as usize;
    let mut binned = vec![0u64; bins];
    for (length, count) in counts.iter() {
        let index = ((length - 1) / u64::from(bin_width)).min(bins as u64 - 1) as usize;
        binned[index] = binned[index].saturating_add(count);
    }
    HistogramBins {
        bin_width,
        counts: binned,
        max_len,
        range_end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_cover_every_length_once() {
        let mut lengths = LengthCounts::new();
        for (length, count) in [(1, 1), (501, 3), (1000, 2), (1500, 4), (5000, 5)] {
            lengths.add(length, count).unwrap();
        }
        // Lengths up to twice max_len are drawn; longer ones join the last bin.
        let bins = bin_lengths(&lengths, 1000, 500);
        assert_eq!(bins.range_end, 2000);
        assert_eq!(bins.bin_width, 4);
        assert_eq!(bins.counts.len(), 500);
        assert_eq!(bins.counts.iter().sum::<u64>(), 15);
        assert_eq!(bins.counts[0], 1);
        assert_eq!(bins.counts[125], 3); // 501 → lengths 501..=504
        assert_eq!(bins.counts[249], 2); // 1000 → lengths 997..=1000
        assert_eq!(bins.counts[374], 4); // 1500 → lengths 1497..=1500
        assert_eq!(bins.counts[499], 5);
        // Nothing past max_len: the bins end at max_len.
        let mut short = LengthCounts::new();
        for (length, count) in [(3, 5), (5, 4), (8, 2), (12, 1)] {
            short.add(length, count).unwrap();
        }
        let short = bin_lengths(&short, 16, 512);
        assert_eq!(
            (short.range_end, short.bin_width, short.counts.len()),
            (16, 1, 16)
        );
    }
}
