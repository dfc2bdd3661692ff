//! A list column's row lengths from its pages' levels alone: the token ids
//! are never decoded. The `parquet` crate reads the pages (headers,
//! decompression); only the levels at the front of each page are decoded
//! here, by the hybrid run-length / bit-packed encoding the Parquet format
//! specifies for them. A page this does not cover (the deprecated
//! bit-packed level encoding, levels wider than a byte) returns `None`,
//! and the row group is read again by the crate's own column reader.
//!
//! Why: the lengths are the levels' business only. Decoding the values
//! too (looking each token id up in its page's dictionary) took most of
//! the time of a read.

use parquet::basic::Encoding;
use parquet::column::page::{Page, PageReader};

use super::error::{Failure, InputErrorKind, Location};

/// How a list column's levels mark its rows, from its schema: a
/// repetition level of 0 starts a row; a definition level of `max_def` is
/// an element, `slot_def - 1` an empty list, lower a null list, and from
/// `slot_def` to below `max_def` a null element.
#[derive(Debug, Clone, Copy)]
pub(super) struct ListLevels {
    pub(super) max_def: i16,
    pub(super) slot_def: i16,
}

/// The row lengths of one row group's list column, `pages` its pages;
/// errors name rows from `first_row` on, in row group `group`. `None`
/// when a page's levels are encoded in a way this reader leaves to the
/// crate.
pub(super) fn list_lengths_from_levels(
    pages: &mut dyn PageReader,
    levels: ListLevels,
    group: u64,
    first_row: u64,
    expected_rows: usize,
) -> Result<Option<Vec<u64>>, Failure> {
    let Ok(max_def) = u8::try_from(levels.max_def) else {
        return Ok(None);
    };
    let def_width = bit_width(max_def);
    let mut counter = RowCounter {
        levels,
        group,
        first_row,
        lengths: Vec::with_capacity(expected_rows),
        open: None,
    };
    let mut rep = Vec::new();
    let mut def = Vec::new();
    while let Some(page) = pages.get_next_page().map_err(|error| unreadable(&error))? {
        let count;
        match page {
            Page::DictionaryPage { .. } => continue,
            Page::DataPage {
                buf,
                num_values,
                def_level_encoding,
                rep_level_encoding,
                ..
            } => {
                if def_level_encoding != Encoding::RLE || rep_level_encoding != Encoding::RLE {
                    return Ok(None);
                }
                count = num_values as usize;
                // Each level stream is prefixed by its length in bytes.
                let Some((rep_bytes, rest)) = length_prefixed(&buf) else {
                    return Err(unreadable(&"a data page's repetition levels are cut short"));
                };
                let Some((def_bytes, _)) = length_prefixed(rest) else {
                    return Err(unreadable(&"a data page's definition levels are cut short"));
                };
                decode_levels(rep_bytes, 1, count, &mut rep)?;
                decode_levels(def_bytes, def_width, count, &mut def)?;
            }
            Page::DataPageV2 {
                buf,
                num_values,
                def_levels_byte_len,
                rep_levels_byte_len,
                ..
            } => {
                count = num_values as usize;
                let rep_end = rep_levels_byte_len as usize;
                let def_end = rep_end.saturating_add(def_levels_byte_len as usize);
                let (Some(rep_bytes), Some(def_bytes)) =
                    (buf.get(..rep_end), buf.get(rep_end..def_end))
                else {
                    return Err(unreadable(&"a data page's levels are cut short"));
                };
                decode_levels(rep_bytes, 1, count, &mut rep)?;
                decode_levels(def_bytes, def_width, count, &mut def)?;
            }
        }
        counter.take(&rep, &def)?;
    }
    Ok(Some(counter.finish()))
}

/// The bits one level takes: enough for `max_level`.
fn bit_width(max_level: u8) -> u32 {
    u8::BITS - max_level.leading_zeros()
}

fn unreadable(error: &impl std::fmt::Display) -> Failure {
    Failure::new(
        Location::Unknown,
        InputErrorKind::ParquetUnreadable {
            message: error.to_string(),
        },
    )
}

/// A level stream of a version 1 data page: its 4-byte little-endian
/// length, then its bytes; and what follows it.
fn length_prefixed(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let (length, rest) = bytes.split_first_chunk::<4>()?;
    let length = usize::try_from(u32::from_le_bytes(*length)).ok()?;
    rest.split_at_checked(length)
}

/// Decodes `count` levels of `width` bits (1 to 8) from the hybrid
/// run-length / bit-packed encoding into `out`.
fn decode_levels(
    mut data: &[u8],
    width: u32,
    count: usize,
    out: &mut Vec<u8>,
) -> Result<(), Failure> {
    let cut = || unreadable(&"a data page's levels end before its values do");
    out.clear();
    out.reserve(count);
    let mask = (1u16 << width) - 1;
    while out.len() < count {
        let header = read_varint(&mut data).ok_or_else(cut)?;
        let left = count - out.len();
        if header & 1 == 0 {
            // A run: one value, repeated.
            let run = usize::try_from(header >> 1).unwrap_or(usize::MAX);
            let (&value, rest) = data.split_first().ok_or_else(cut)?;
            data = rest;
            if u16::from(value) > mask {
                return Err(unreadable(&"a level is above the column's maximum"));
            }
            out.resize(out.len() + run.min(left), value);
        } else {
            // Groups of 8 values, packed from the lowest bit up.
            let groups = usize::try_from(header >> 1).unwrap_or(usize::MAX);
            let bytes = groups.saturating_mul(width as usize).min(data.len());
            let (packed, rest) = data.split_at(bytes);
            data = rest;
            let values = groups
                .saturating_mul(8)
                .min(left)
                .min(bytes * 8 / width as usize);
            if values == 0 && left > 0 && groups > 0 {
                return Err(cut());
            }
            for index in 0..values {
                let bit = index * width as usize;
                let low = u16::from(packed[bit / 8]);
                let high = u16::from(packed.get(bit / 8 + 1).copied().unwrap_or(0));
                out.push((((low | high << 8) >> (bit % 8)) & mask) as u8);
            }
        }
    }
    Ok(())
}

/// An unsigned LEB128 number, as run headers are written.
fn read_varint(data: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = data.split_first()?;
        *data = rest;
        value |= u64::from(byte & 0x7F) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// Rows counted from levels, page after page (a row may span pages).
struct RowCounter {
    levels: ListLevels,
    group: u64,
    first_row: u64,
    lengths: Vec<u64>,
    /// The length so far of the row being read.
    open: Option<u64>,
}

impl RowCounter {
    fn null(&self, what: &'static str) -> Failure {
        Failure::new(
            Location::Row {
                group: self.group,
                row: self.first_row + self.lengths.len() as u64,
            },
            InputErrorKind::NullInColumn { what },
        )
    }

    fn take(&mut self, rep: &[u8], def: &[u8]) -> Result<(), Failure> {
        let max_def = self.levels.max_def as u8;
        // Most pages hold no null and no empty list: every level is an
        // element, and only the row starts need finding.
        if def.iter().all(|&level| level == max_def) {
            for &level in rep {
                if level == 0 {
                    if let Some(length) = self.open.replace(1) {
                        self.lengths.push(length);
                    }
                } else {
                    *self.open.get_or_insert(0) += 1;
                }
            }
            return Ok(());
        }
        let slot_def = self.levels.slot_def;
        for (&rep_level, &def_level) in rep.iter().zip(def) {
            if rep_level == 0 {
                if let Some(length) = self.open.replace(0) {
                    self.lengths.push(length);
                }
            }
            let def_level = i16::from(def_level);
            if def_level == self.levels.max_def {
                *self.open.get_or_insert(0) += 1;
            } else if def_level >= slot_def {
                return Err(self.null("element of the list"));
            } else if def_level < slot_def - 1 {
                return Err(self.null("list"));
            } else {
                // `slot_def - 1`: an empty list, a row of no tokens.
                self.open.get_or_insert(0);
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Vec<u64> {
        if let Some(length) = self.open.take() {
            self.lengths.push(length);
        }
        self.lengths
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_and_packed_groups_decode_to_their_levels() {
        // A run of 5 ones, then one bit-packed group of 8 two-bit levels
        // 0..=3, 0..=3.
        let mut data = vec![5 << 1, 1, (1 << 1) | 1];
        data.extend_from_slice(&[0b1110_0100, 0b1110_0100]);
        let mut out = Vec::new();
        decode_levels(&data, 2, 13, &mut out).unwrap();
        assert_eq!(out, [1, 1, 1, 1, 1, 0, 1, 2, 3, 0, 1, 2, 3]);
        // Fewer levels wanted than the group holds: the rest is padding.
        decode_levels(&data, 2, 7, &mut out).unwrap();
        assert_eq!(out, [1, 1, 1, 1, 1, 0, 1]);
    }

    #[test]
    fn levels_cut_short_are_an_error_not_a_guess() {
        let mut out = Vec::new();
        assert!(decode_levels(&[5 << 1], 1, 5, &mut out).is_err());
        assert!(decode_levels(&[], 1, 1, &mut out).is_err());
        assert!(decode_levels(&[(1 << 1) | 1], 1, 8, &mut out).is_err());
    }

    #[test]
    fn a_level_above_the_maximum_is_refused() {
        let mut out = Vec::new();
        assert!(decode_levels(&[2 << 1, 3], 1, 2, &mut out).is_err());
    }

    #[test]
    fn rows_are_counted_across_pages_with_empty_lists_and_nulls_refused() {
        let levels = ListLevels {
            max_def: 3,
            slot_def: 2,
        };
        let mut counter = RowCounter {
            levels,
            group: 0,
            first_row: 10,
            lengths: Vec::new(),
            open: None,
        };
        // Rows: [a, b], [c | page | d, e], [] (an empty list), [f].
        counter.take(&[0, 1, 0], &[3, 3, 3]).unwrap();
        counter.take(&[1, 1, 0, 0], &[3, 3, 1, 3]).unwrap();
        assert_eq!(counter.finish(), [2, 3, 0, 1]);

        let mut counter = RowCounter {
            levels,
            group: 2,
            first_row: 10,
            lengths: Vec::new(),
            open: None,
        };
        let error = counter.take(&[0, 1, 0, 0], &[3, 3, 3, 0]).unwrap_err();
        assert_eq!(error.location, Location::Row { group: 2, row: 12 });
        assert_eq!(error.kind, InputErrorKind::NullInColumn { what: "list" });
        let error = counter.take(&[0, 1], &[3, 2]).unwrap_err();
        assert_eq!(
            error.kind,
            InputErrorKind::NullInColumn {
                what: "element of the list"
            }
        );
    }

    #[test]
    fn a_varint_of_several_bytes() {
        let mut data: &[u8] = &[0x96, 0x01, 7];
        assert_eq!(read_varint(&mut data), Some(150));
        assert_eq!(data, [7]);
    }
}
