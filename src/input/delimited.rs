//! Tables: CSV and TSV with a header row.
//!
//! One column holds the lengths. It is the column the user names, else the
//! first column named like a length (`length`, `num_tokens`, ...), else the
//! only column whose first value is a whole number. A table with a `count`
//! column is a histogram: each row stands for `count` sequences of its
//! length. A file without a header row is read when it has a single column.
//! The choices a header cannot confirm (the only numeric column, one of
//! several columns named like lengths, a histogram) are stated in notes.
//!
//! Line ends are made LF before the CSV parser sees them, so that the line
//! numbers of errors are right for CRLF and lone-CR files too (the parser
//! itself counts LF only, and lags a line on every CRLF).

use std::collections::BTreeSet;
use std::io::{self, BufRead, ErrorKind, Read};

use super::error::{Failure, InputErrorKind, Location};
use super::format::first_data_line;
use super::note::{InputNoteKind, PendingNote};
use super::number::{display_token, looks_numeric, parse_whole_number};
use super::sink::LengthSink;

/// Column names taken as the lengths without `--column`, in order of
/// preference.
pub(super) const LENGTH_COLUMN_NAMES: [&str; 6] = [
    "length",
    "num_tokens",
    "n_tokens",
    "tokens",
    "seq_len",
    "sequence_length",
];

/// The column that makes a table a histogram.
const COUNT_COLUMN_NAME: &str = "count";

/// The CSV parser's own buffer; the stream under it is buffered already.
const CSV_BUFFER_BYTES: usize = 64 * 1024;

/// The field delimiter: tab for `.tsv`; otherwise the first of comma, tab
/// and semicolon found in the header line (comma when none is).
pub(super) fn delimiter_for(source_name: &str, head: &[u8]) -> u8 {
    if source_name.to_ascii_lowercase().ends_with(".tsv") {
        return b'\t';
    }
    let header = first_data_line(head).unwrap_or_default();
    [b',', b'\t', b';']
        .into_iter()
        .find(|delimiter| header.contains(delimiter))
        .unwrap_or(b',')
}

/// Which fields of each row to read.
struct Plan {
    length_column: Column,
    /// Set for a histogram: the column of counts.
    count_column: Option<Column>,
    /// What the user should know about how the columns were chosen.
    notes: Vec<InputNoteKind>,
}

struct Column {
    index: usize,
    /// The header's name for it; `None` in a file without a header.
    name: Option<String>,
}

impl Column {
    fn location(&self, line: u64) -> Location {
        match &self.name {
            Some(name) => Location::LineField {
                line,
                field: name.clone(),
            },
            None => Location::Line(line),
        }
    }

    /// The number in this column of `row`.
    fn number(&self, row: &csv::ByteRecord, line: u64) -> Result<u64, Failure> {
        let field = row.get(self.index).unwrap_or_default();
        // `1, "12"`: a quote after a space does not quote in strict CSV,
        // so the parser leaves the quotes; hand-written files do this.
        let field = field
            .strip_prefix(b"\"")
            .and_then(|inner| inner.strip_suffix(b"\""))
            .unwrap_or(field);
        parse_whole_number(field).map_err(|kind| {
            // A row's token ids saved by pandas: counting the list's items
            // would need a parser for every way lists get written (numpy
            // cuts long ones short with `...`).
            let kind = if field.starts_with(b"[") {
                InputErrorKind::CsvListField {
                    token: display_token(field),
                }
            } else {
                kind
            };
            Failure::new(self.location(line), kind)
        })
    }
}

/// Reads every length of a table.
pub(super) fn read_delimited<R: BufRead>(
    input: R,
    delimiter: u8,
    column: Option<&str>,
    sink: &mut impl LengthSink,
    notes: &mut Vec<PendingNote>,
) -> Result<(), Failure> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .delimiter(delimiter)
        .buffer_capacity(CSV_BUFFER_BYTES)
        .from_reader(LineEndsToLf {
            inner: input,
            after_cr: false,
            open_line: false,
        });
    let mut row = csv::ByteRecord::new();
    let Some(first_line) = next_row(&mut reader, &mut row)? else {
        return Ok(());
    };
    let mut row_line = first_line;
    let is_header = row
        .iter()
        .any(|field| !field.is_empty() && !looks_numeric(field));
    let plan = if is_header {
        let names: Vec<String> = row
            .iter()
            .map(|field| String::from_utf8_lossy(field).into_owned())
            .collect();
        let Some(line) = next_row(&mut reader, &mut row)? else {
            // A header and nothing else: the caller reports the empty file.
            return Ok(());
        };
        row_line = line;
        choose_columns(&names, column, &row).map_err(|kind| Failure::at_line(first_line, kind))?
    } else if row.len() == 1 && column.is_none() {
        Plan {
            length_column: Column {
                index: 0,
                name: None,
            },
            count_column: None,
            notes: Vec::new(),
        }
    } else {
        return Err(Failure::at_line(
            first_line,
            InputErrorKind::MissingHeader {
                fields: row.len() as u64,
            },
        ));
    };
    notes.extend(
        plan.notes
            .iter()
            .map(|kind| PendingNote::new(Location::Line(first_line), kind.clone())),
    );
    // Lengths already given by a histogram, to refuse repeats.
    let mut seen_lengths = BTreeSet::new();
    loop {
        let line = row_line;
        let length = plan.length_column.number(&row, line)?;
        let added = match &plan.count_column {
            Some(count_column) => {
                let count = count_column.number(&row, line)?;
                if !seen_lengths.insert(length) {
                    return Err(Failure::new(
                        plan.length_column.location(line),
                        InputErrorKind::DuplicateLength { length },
                    ));
                }
                sink.add(length, count)
            }
            None => sink.add_one(length),
        };
        added.map_err(|kind| Failure::new(plan.length_column.location(line), kind))?;
        match next_row(&mut reader, &mut row)? {
            Some(line) => row_line = line,
            None => return Ok(()),
        }
    }
}

/// Picks the length column (and the count column of a histogram) from
/// the header `names` and the first data row.
fn choose_columns(
    names: &[String],
    requested: Option<&str>,
    first_row: &csv::ByteRecord,
) -> Result<Plan, InputErrorKind> {
    let name_of = |index: usize| names.get(index).cloned().unwrap_or_default();
    let count_index = find_column(names, COUNT_COLUMN_NAME)?;
    let named_like_lengths = name_matches(names)?;
    let mut notes = Vec::new();
    let length_index = match requested {
        Some(requested) => {
            let index =
                find_column(names, requested)?.ok_or_else(|| InputErrorKind::MissingColumn {
                    requested: requested.to_owned(),
                    available: names.to_vec(),
                })?;
            // Beside a length column, `count` is a histogram's counts; alone,
            // it may be what the user says it is.
            if let (true, Some(&length_index)) =
                (Some(index) == count_index, named_like_lengths.first())
            {
                return Err(InputErrorKind::CountColumnNamed {
                    column: requested.to_owned(),
                    length_column: name_of(length_index),
                });
            }
            index
        }
        None => match named_like_lengths.split_first() {
            Some((&taken, others)) => {
                if !others.is_empty() {
                    notes.push(InputNoteKind::SeveralLengthColumns {
                        taken: name_of(taken),
                        others: others.iter().map(|&index| name_of(index)).collect(),
                    });
                }
                taken
            }
            None => {
                let only = only_numeric_column(names, first_row, count_index)?;
                notes.push(InputNoteKind::OnlyNumericColumn {
                    column: name_of(only),
                });
                only
            }
        },
    };
    let column = |index: usize| Column {
        index,
        name: names.get(index).cloned(),
    };
    let count_index = count_index.filter(|&index| index != length_index);
    if let Some(count_index) = count_index {
        notes.push(InputNoteKind::CountColumnHistogram {
            length_column: name_of(length_index),
            count_column: name_of(count_index),
        });
    }
    Ok(Plan {
        length_column: column(length_index),
        count_column: count_index.map(column),
        notes,
    })
}

/// The columns named like lengths ([`LENGTH_COLUMN_NAMES`]), in order of
/// preference.
fn name_matches(names: &[String]) -> Result<Vec<usize>, InputErrorKind> {
    let mut matches = Vec::new();
    for wanted in LENGTH_COLUMN_NAMES {
        if let Some(index) = find_column(names, wanted)? {
            matches.push(index);
        }
    }
    Ok(matches)
}

/// The only column (a `count` column aside) whose first value is a whole
/// number.
fn only_numeric_column(
    names: &[String],
    first_row: &csv::ByteRecord,
    count_index: Option<usize>,
) -> Result<usize, InputErrorKind> {
    let candidates: Vec<usize> = first_row
        .iter()
        .enumerate()
        .filter(|&(index, field)| Some(index) != count_index && parse_whole_number(field).is_ok())
        .map(|(index, _)| index)
        .collect();
    match candidates.as_slice() {
        [only] => Ok(*only),
        [] => Err(InputErrorKind::NoLengthColumn {
            available: names.to_vec(),
        }),
        several => Err(InputErrorKind::AmbiguousLengthColumn {
            candidates: several
                .iter()
                .filter_map(|&index| names.get(index).cloned())
                .collect(),
        }),
    }
}

/// The index of the column called `wanted`, ignoring ASCII case; an error
/// when several are.
fn find_column(names: &[String], wanted: &str) -> Result<Option<usize>, InputErrorKind> {
    let mut matches = names
        .iter()
        .enumerate()
        .filter(|(_, name)| name.eq_ignore_ascii_case(wanted));
    let first = matches.next();
    match (first, matches.next()) {
        (Some(_), Some(_)) => Err(InputErrorKind::DuplicateColumn {
            name: wanted.to_owned(),
        }),
        (first, _) => Ok(first.map(|(index, _)| index)),
    }
}

/// Reads the next row into `row` and returns its line; `None` at the end
/// of the file.
///
/// The line comes from the parser's line count after the row, not from the
/// row's own position: that position is where the parser started looking,
/// before any blank or comment lines it skipped. Every row ends with an LF
/// (see [`LineEndsToLf`]), so the row ends on the line before the count;
/// a row whose quoted fields span lines is reported at its last line.
fn next_row<R: Read>(
    reader: &mut csv::Reader<R>,
    row: &mut csv::ByteRecord,
) -> Result<Option<u64>, Failure> {
    let has_row = reader.read_byte_record(row).map_err(|error| {
        let line = reader.position().line().saturating_sub(1);
        csv_failure(error, line)
    })?;
    Ok(has_row.then(|| reader.position().line().saturating_sub(1)))
}

fn csv_failure(error: csv::Error, line: u64) -> Failure {
    let location = Location::Line(line);
    let kind = match error.kind() {
        csv::ErrorKind::Io(io_error) => {
            return Failure::io(io_error);
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => InputErrorKind::UnequalFields {
            expected: *expected_len,
            found: *len,
        },
        _ => InputErrorKind::Csv {
            message: error.to_string(),
        },
    };
    Failure::new(location, kind)
}

/// Passes a stream on with CRLF and lone CR line ends turned into LF.
/// Also ends the last line with an LF if the file does not.
struct LineEndsToLf<R> {
    inner: R,
    /// The last byte passed on was a CR (now an LF), so an LF that follows
    /// belongs to it and is dropped.
    after_cr: bool,
    /// Some byte other than a line end was passed on after the last line
    /// end, so the end of the file must add one.
    open_line: bool,
}

impl<R: BufRead> Read for LineEndsToLf<R> {
    fn read(&mut self, output: &mut [u8]) -> io::Result<usize> {
        loop {
            let input = match self.inner.fill_buf() {
                Ok(input) => input,
                Err(error) if error.kind() == ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            };
            if output.is_empty() {
                return Ok(0);
            }
            if input.is_empty() {
                let Some(slot) = output.first_mut().filter(|_| self.open_line) else {
                    return Ok(0);
                };
                *slot = b'\n';
                self.open_line = false;
                return Ok(1);
            }
            let mut slots = output.iter_mut();
            let mut written = 0;
            let mut consumed = 0;
            for &byte in input {
                if byte == b'\n' && self.after_cr {
                    self.after_cr = false;
                    consumed += 1;
                    continue;
                }
                let Some(slot) = slots.next() else {
                    break;
                };
                self.after_cr = byte == b'\r';
                *slot = if self.after_cr { b'\n' } else { byte };
                self.open_line = *slot != b'\n';
                written += 1;
                consumed += 1;
            }
            self.inner.consume(consumed);
            // Only dropped LFs: returning 0 would mean the end, so go on.
            if written > 0 {
                return Ok(written);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_ends_become_lf_at_every_buffer_split() {
        for (data, expected) in [
            (&b"a\r\nb\rc\n\r\n\rd\r"[..], &b"a\nb\nc\n\n\nd\n"[..]),
            (b"a\r\nb", b"a\nb\n"),
            (b"", b""),
        ] {
            for capacity in 1..=data.len().max(1) {
                let mut normalized = Vec::new();
                let mut reader = LineEndsToLf {
                    inner: io::BufReader::with_capacity(capacity, data),
                    after_cr: false,
                    open_line: false,
                };
                reader.read_to_end(&mut normalized).unwrap();
                assert_eq!(normalized, expected, "capacity {capacity}");
            }
        }
    }
}
