//! Lengths in file order: sequence `i` is the `i`-th length of the file.
//!
//! Packing plans only need counts, but turning a plan into packs of real
//! sequences ([`crate::assign`]) needs to know which sequence has which
//! length. The same readers fill an [`OrderedSink`] instead of a counting
//! one, so every format reads exactly as [`super::read_lengths`] reads it,
//! with the same errors, and every length is also kept in a list.
//!
//! Histogram inputs (a dense or sparse JSON histogram, a CSV table with a
//! `count` column) hold no order: reading one is an error that says to
//! give the per-sequence lengths instead.

use std::io::Read;
use std::sync::Arc;

use super::error::{Failure, InputError, InputErrorKind};
use super::random_access::RandomAccessFile;
use super::read::{read_named, InputStats, ReadOptions, Reading};
use super::sink::{LengthSink, Sink};
use crate::histogram::LengthCounts;

/// The lengths of a file's sequences, in file order, and their counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderedLengths {
    /// `lengths[i]` is the length of the file's `i`-th sequence. A length
    /// above `u32::MAX` is kept as `u32::MAX`: that is longer than any
    /// `max_len` Packlab supports, so every overlong policy treats it the
    /// same; `counts` keeps the exact figure.
    pub lengths: Vec<u32>,
    /// The same lengths as counts, exactly as read: what
    /// [`crate::Histogram::from_counts`] takes.
    pub counts: LengthCounts,
    /// What was read.
    pub stats: InputStats,
}

/// Reads the sequence lengths of `reader` in file order.
///
/// Reads every format [`super::read_lengths`] reads, with the same errors,
/// except histograms, which hold counts and no order. Memory is 4 bytes
/// per sequence on top of what [`super::read_lengths`] needs.
///
/// ```
/// use packlab::input::{read_lengths_in_order, InputErrorKind, ReadOptions};
///
/// let file = "id,length\na,512\nb,37\nc,512\n";
/// let read = read_lengths_in_order("lengths.csv", file.as_bytes(), &ReadOptions::default())?;
/// assert_eq!(read.lengths, vec![512, 37, 512]);
/// assert_eq!(read.counts.iter().collect::<Vec<_>>(), vec![(37, 1), (512, 2)]);
///
/// let histogram = r#"{"max_len": 4, "counts": [0, 3, 0, 1]}"#;
/// let error = read_lengths_in_order("hist.json", histogram.as_bytes(), &ReadOptions::default())
///     .unwrap_err();
/// assert_eq!(error.kind, InputErrorKind::HistogramHasNoOrder);
/// # Ok::<(), packlab::input::InputError>(())
/// ```
///
/// # Errors
///
/// An [`InputError`] as for [`super::read_lengths`], and
/// [`InputErrorKind::HistogramHasNoOrder`] for a histogram.
pub fn read_lengths_in_order<R: Read>(
    source_name: &str,
    reader: R,
    options: &ReadOptions,
) -> Result<OrderedLengths, InputError> {
    in_order(source_name, |sink| {
        read_named(source_name, reader, options, sink)
    })
}

/// [`read_lengths_in_order`] of the file at `path`: Parquet too (see
/// [`super::read_file_lengths`]).
///
/// # Errors
///
/// As [`read_lengths_in_order`] and [`super::read_file_lengths`].
#[cfg(not(target_arch = "wasm32"))]
pub fn read_file_lengths_in_order(
    path: &std::path::Path,
    options: &ReadOptions,
) -> Result<OrderedLengths, InputError> {
    in_order(&path.display().to_string(), |sink| {
        super::read::read_path(path, options, sink)
    })
}

/// [`read_lengths_in_order`] of a file read at any offset: Parquet too
/// (see [`super::read_random_access_lengths`]).
///
/// # Errors
///
/// As [`read_lengths_in_order`] and [`super::read_random_access_lengths`].
pub fn read_random_access_lengths_in_order<A: RandomAccessFile + 'static>(
    source_name: &str,
    file: A,
    options: &ReadOptions,
) -> Result<OrderedLengths, InputError> {
    in_order(source_name, |sink| {
        super::read::read_random_access(source_name, Arc::new(file), options, sink)
    })
}

/// Reads with `read` into an ordered sink: every length in order, and
/// their counts.
fn in_order(
    source_name: &str,
    read: impl FnOnce(&mut OrderedSink) -> Result<Reading, InputError>,
) -> Result<OrderedLengths, InputError> {
    let mut sink = OrderedSink::default();
    let read = read(&mut sink)?;
    let sequences = sink.sequences();
    let counts = sink
        .counts
        .into_counts()
        .map_err(|kind| Failure::from(kind).in_source(source_name))?;
    Ok(OrderedLengths {
        lengths: sink.lengths,
        counts,
        stats: read.into_stats(sequences),
    })
}

/// Keeps every length in order, and counts them too.
#[derive(Debug, Default)]
pub(super) struct OrderedSink {
    lengths: Vec<u32>,
    /// The exact counts, and the same checks (zero length, overflow) as
    /// [`super::read_lengths`] makes.
    counts: Sink,
}

impl LengthSink for OrderedSink {
    // Inlined for the same reason as the counting sink's `add_one`.
    #[inline(always)]
    fn add_one(&mut self, length: u64) -> Result<(), InputErrorKind> {
        self.counts.add_one(length)?;
        self.lengths.push(u32::try_from(length).unwrap_or(u32::MAX));
        Ok(())
    }

    fn add(&mut self, _length: u64, _count: u64) -> Result<(), InputErrorKind> {
        Err(InputErrorKind::HistogramHasNoOrder)
    }

    fn declare_max_len(&mut self, max_len: u32) {
        self.counts.declare_max_len(max_len);
    }

    fn sequences(&self) -> u64 {
        self.counts.sequences()
    }

    fn keeps_order(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{Format, Location};

    fn read(name: &str, data: &[u8]) -> Result<Vec<u32>, InputError> {
        read_lengths_in_order(name, data, &ReadOptions::default()).map(|read| read.lengths)
    }

    #[test]
    fn every_raw_format_keeps_file_order() {
        assert_eq!(read("a.txt", b"5\n3, 9 # c\n3"), Ok(vec![5, 3, 9, 3]));
        assert_eq!(read("a.csv", b"length\n5\n3\n9\n"), Ok(vec![5, 3, 9]));
        assert_eq!(read("a.json", b"[5, 3, 9]"), Ok(vec![5, 3, 9]));
        assert_eq!(
            read(
                "a.jsonl",
                b"{\"length\": 5}\n{\"input_ids\": [1, 2, 3]}\n{\"num_tokens\": 9}\n"
            ),
            Ok(vec![5, 3, 9])
        );
        let mut npy = b"\x93NUMPY\x01\x00".to_vec();
        let header = b"{'descr': '<u2', 'fortran_order': False, 'shape': (3,), }";
        let padded = (10 + header.len() + 1).div_ceil(64) * 64 - 10;
        npy.extend_from_slice(&(padded as u16).to_le_bytes());
        npy.extend_from_slice(header);
        npy.resize(10 + padded - 1, b' ');
        npy.push(b'\n');
        for value in [5u16, 3, 9] {
            npy.extend_from_slice(&value.to_le_bytes());
        }
        assert_eq!(read("a.npy", &npy), Ok(vec![5, 3, 9]));
    }

    #[test]
    fn huge_lengths_are_capped_in_the_list_but_counted_exactly() {
        let read = read_lengths_in_order("a.txt", &b"7\n5000000000\n"[..], &ReadOptions::default())
            .unwrap();
        assert_eq!(read.lengths, vec![7, u32::MAX]);
        assert_eq!(read.counts.longest(), Some(5_000_000_000));
        assert_eq!(read.stats.sequences, 2);
        assert_eq!(read.stats.format, Format::Text);
    }

    #[test]
    fn histograms_are_refused_where_their_counts_are() {
        for (name, data, location) in [
            (
                "h.json",
                &b"{\"max_len\": 2, \"counts\": [1, 1]}"[..],
                Location::Field("counts".into()),
            ),
            (
                "h.json",
                b"{\"17\": 120}",
                Location::LineColumn {
                    line: 1,
                    column: 11,
                },
            ),
            (
                "h.csv",
                b"length,count\n3,10\n",
                Location::LineField {
                    line: 2,
                    field: "length".into(),
                },
            ),
        ] {
            let error = read(name, data).unwrap_err();
            assert_eq!(error.kind, InputErrorKind::HistogramHasNoOrder, "{name}");
            assert_eq!(error.location, location, "{name}");
        }
    }

    #[test]
    fn errors_are_those_of_the_counting_readers() {
        let error = read("a.txt", b"4\n0\n").unwrap_err();
        assert_eq!(error.kind, InputErrorKind::ZeroLength);
        assert_eq!(error.location, Location::Line(2));
        assert_eq!(read("a.txt", b"").unwrap_err().kind, InputErrorKind::Empty);
    }
}
