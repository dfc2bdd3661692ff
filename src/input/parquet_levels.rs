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
        match page_levels(page, def_width, &mut rep, &mut def)? {
            PageLevels::Dictionary => continue,
            PageLevels::NotRle => return Ok(None),
            PageLevels::Decoded => counter.take(&rep, &def)?,
        }
    }
    Ok(Some(counter.finish()))
}

/// One data page's rows, counted on their own: `lengths[0]` is the
/// number of elements before the page's first row start (they end a row
/// begun on an earlier page; 0 if the page starts a row), and the rest
/// are the rows the page starts, the last of which may go on in the next
/// page. The first data page of a column chunk starts a row, and has no
/// such element count.
// Natively only: a browser worker reads on one thread.
#[cfg(not(target_arch = "wasm32"))]
pub(super) type PageRows = Vec<u64>;

/// The data pages `part`, `part + parts`, `part + 2 × parts`, … of a row
/// group's list column, each counted on its own ([`PageRows`]) with its
/// index among the data pages; the other pages are skipped unread, so
/// `parts` threads share one column chunk's work. `None` where a page's
/// levels are encoded in a way this reader leaves to the crate. Errors
/// name no row: read the row group with [`list_lengths_from_levels`] to
/// find it.
#[cfg(not(target_arch = "wasm32"))]
pub(super) fn page_share(
    pages: &mut dyn PageReader,
    levels: ListLevels,
    part: usize,
    parts: usize,
) -> Result<Option<Vec<(usize, PageRows)>>, Failure> {
    let Ok(max_def) = u8::try_from(levels.max_def) else {
        return Ok(None);
    };
    let def_width = bit_width(max_def);
    let mut shares = Vec::new();
    let mut rep = Vec::new();
    let mut def = Vec::new();
    let mut index = 0usize;
    while let Some(next) = pages.peek_next_page().map_err(|error| unreadable(&error))? {
        if next.is_dict || index % parts != part {
            pages.skip_next_page().map_err(|error| unreadable(&error))?;
            index += usize::from(!next.is_dict);
            continue;
        }
        let Some(page) = pages.get_next_page().map_err(|error| unreadable(&error))? else {
            break;
        };
        match page_levels(page, def_width, &mut rep, &mut def)? {
            PageLevels::Dictionary => continue,
            PageLevels::NotRle => return Ok(None),
            PageLevels::Decoded => {}
        }
        let mut counter = RowCounter {
            levels,
            group: 0,
            first_row: 0,
            lengths: Vec::new(),
            // Elements before the first row start end an earlier row.
            open: (index > 0).then_some(0),
        };
        counter.take(&rep, &def)?;
        shares.push((index, counter.finish()));
        index += 1;
    }
    Ok(Some(shares))
}

/// Joins the data pages' [`PageRows`], in page order, into the row
/// group's row lengths.
#[cfg(not(target_arch = "wasm32"))]
pub(super) fn join_pages(pages: impl IntoIterator<Item = PageRows>) -> Result<Vec<u64>, Failure> {
    let mut lengths: Vec<u64> = Vec::new();
    for (index, page) in pages.into_iter().enumerate() {
        let mut rows = page.into_iter();
        if index > 0 {
            let leading = rows.next().unwrap_or(0);
            match lengths.last_mut() {
                Some(last) => *last += leading,
                None if leading == 0 => {}
                None => {
                    return Err(unreadable(
                        &"a column chunk's first page continues a row before it",
                    ))
                }
            }
        }
        lengths.extend(rows);
    }
    Ok(lengths)
}

/// What a page held.
enum PageLevels {
    Dictionary,
    /// Levels in the deprecated bit-packed encoding.
    NotRle,
    /// Its levels are in the buffers given.
    Decoded,
}

/// Decodes a page's repetition and definition levels into `rep` and `def`.
fn page_levels(
    page: Page,
    def_width: u32,
    rep: &mut Vec<u8>,
    def: &mut Vec<u8>,
) -> Result<PageLevels, Failure> {
    match page {
        Page::DictionaryPage { .. } => Ok(PageLevels::Dictionary),
        Page::DataPage {
            buf,
            num_values,
            def_level_encoding,
            rep_level_encoding,
            ..
        } => {
            if def_level_encoding != Encoding::RLE || rep_level_encoding != Encoding::RLE {
                return Ok(PageLevels::NotRle);
            }
            let count = num_values as usize;
            // Each level stream is prefixed by its length in bytes.
            let Some((rep_bytes, rest)) = length_prefixed(&buf) else {
                return Err(unreadable(&"a data page's repetition levels are cut short"));
            };
            let Some((def_bytes, _)) = length_prefixed(rest) else {
                return Err(unreadable(&"a data page's definition levels are cut short"));
            };
            decode_levels(rep_bytes, 1, count, rep)?;
            decode_levels(def_bytes, def_width, count, def)?;
            Ok(PageLevels::Decoded)
        }
        Page::DataPageV2 {
            buf,
            num_values,
            def_levels_byte_len,
            rep_levels_byte_len,
            ..
        } => {
            let count = num_values as usize;
            let rep_end = rep_levels_byte_len as usize;
            let def_end = rep_end.saturating_add(def_levels_byte_len as usize);
            let (Some(rep_bytes), Some(def_bytes)) =
                (buf.get(..rep_end), buf.get(rep_end..def_end))
            else {
                return Err(unreadable(&"a data page's levels are cut short"));
            };
            decode_levels(rep_bytes, 1, count, rep)?;
            decode_levels(def_bytes, def_width, count, def)?;
            Ok(PageLevels::Decoded)
        }
    }
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
        // element, and only the row starts (repetition level 0) need
        // finding, which `memchr` does many bytes at a time: a row's
        // length is the distance between two starts.
        if def.iter().all(|&level| level == max_def) {
            let mut from = 0;
            for start in memchr::memchr_iter(0, rep) {
                if start > from {
                    *self.open.get_or_insert(0) += (start - from) as u64;
                }
                if let Some(length) = self.open.replace(1) {
                    self.lengths.push(length);
                }
                from = start + 1;
            }
            if rep.len() > from {
                *self.open.get_or_insert(0) += (rep.len() - from) as u64;
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

    // proptest does not build for WebAssembly.
    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, RngAlgorithm, RngSeed};

        use super::*;

        const LEVELS: ListLevels = ListLevels {
            max_def: 3,
            slot_def: 2,
        };

        fn counter(open: Option<u64>) -> RowCounter {
            RowCounter {
                levels: LEVELS,
                group: 0,
                first_row: 0,
                lengths: Vec::new(),
                open,
            }
        }

        /// Rows of 0 to 40 elements as levels (an empty list is one
        /// level), and cut points among the levels.
        fn rows_and_cuts() -> impl Strategy<Value = (Vec<u64>, Vec<usize>)> {
            prop::collection::vec(0u64..40, 1..60).prop_flat_map(|rows| {
                let levels: usize = rows.iter().map(|&length| length.max(1) as usize).sum();
                (Just(rows), prop::collection::vec(1..levels.max(2), 0..8))
            })
        }

        proptest! {
            #![proptest_config(Config {
                cases: 500,
                rng_algorithm: RngAlgorithm::ChaCha,
                rng_seed: RngSeed::Fixed(0x9A6E5),
                failure_persistence: None,
                ..Config::default()
            })]

            /// Pages counted on their own and joined give the rows the
            /// whole column chunk gives, wherever the pages cut rows.
            #[test]
            fn pages_counted_apart_join_into_the_rows(
                (rows, mut cuts) in rows_and_cuts(),
            ) {
                let (mut rep, mut def) = (Vec::new(), Vec::new());
                for &length in &rows {
                    if length == 0 {
                        rep.push(0);
                        def.push(1); // `slot_def - 1`: an empty list
                    }
                    for element in 0..length {
                        rep.push(u8::from(element > 0));
                        def.push(3);
                    }
                }
                cuts.push(0);
                cuts.push(rep.len());
                cuts.sort_unstable();
                cuts.dedup();
                let pages = cuts.windows(2).enumerate().map(|(index, bounds)| {
                    let mut page = counter((index > 0).then_some(0));
                    page.take(&rep[bounds[0]..bounds[1]], &def[bounds[0]..bounds[1]])
                        .expect("no nulls");
                    page.finish()
                });
                prop_assert_eq!(join_pages(pages).expect("joined"), rows);
            }
        }
    }
}
