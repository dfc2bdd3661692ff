//! JSON Lines: one object per line, such as a tokenised dataset's
//! `{"input_ids": [...], "text": "..."}` or a summary's `{"length": 512}`.
//!
//! Each line is one sequence, read by the rules of [`super::record`]: its
//! `length`, `num_tokens` or `input_ids` field, or the field the user names,
//! as a number or an array of token ids. Each line is parsed from one
//! reused buffer.
//!
//! A file of one line is the one case where JSON Lines and a JSON document
//! look alike: `{"lengths": [12, 40, 7]}` is a dataset of three lengths as
//! a document, or one sequence of three token ids as JSON Lines. When the
//! format was only guessed (a `.json` name, or no telling name at all) and
//! the first line's named field is such an array, that line is held back
//! until the next one shows which it is: with no other line, the file is
//! read as the JSON document it is written as.

use std::fmt;
use std::io::BufRead;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::error::{Failure, InputErrorKind, Location};
use super::format::Format;
use super::json::{read_json, syntax_kind};
use super::json_value::Problem;
use super::note::PendingNote;
use super::record::{RecordSeed, Row, Rows, LISTED_FIELDS};
use super::sink::LengthSink;

/// Reads every line of a JSON Lines file. `guessed` says the format was
/// told from a `.json` name or the content rather than given, so that a
/// file of a single object may be the JSON document it is written as.
/// Returns the format the file was read as.
pub(super) fn read_jsonl<R: BufRead, S: LengthSink>(
    input: &mut R,
    column: Option<&str>,
    guessed: bool,
    sink: &mut S,
    notes: &mut Vec<PendingNote>,
) -> Result<Format, Failure> {
    let mut rows = Rows::new(column);
    let mut held: Option<HeldLine<'_>> = None;
    let mut read_a_row = false;
    for_each_row(input, |line_number, record| {
        if let Some(first) = held.take() {
            take_row(&mut rows, first.row, first.line, sink, notes)?;
        }
        let row = read_row(record, line_number, column)?;
        if guessed && !read_a_row && row.counted_named_token_ids(column) {
            held = Some(HeldLine {
                text: record.to_vec(),
                line: line_number,
                row,
            });
        } else {
            take_row(&mut rows, row, line_number, sink, notes)?;
        }
        read_a_row = true;
        Ok(())
    })?;
    if let Some(only) = held {
        // The file is this one object: a JSON document, whose named array
        // holds lengths. It is one line, so its errors are on that line.
        read_json(&only.text[..], column, sink, notes).map_err(|failure| {
            let location = match failure.location {
                Location::LineColumn { column, .. } => Location::LineColumn {
                    line: only.line,
                    column,
                },
                other => other,
            };
            Failure::new(location, failure.kind)
        })?;
        return Ok(Format::Json);
    }
    rows.finish(notes);
    Ok(Format::Jsonl)
}

/// Calls `each(line, row)` for every row of the JSON Lines `input` that
/// is not blank, lines numbered from 1: lines end with LF, CRLF or a lone
/// CR. JSON never holds a raw CR (inside strings it must be escaped), so a
/// CR left in a line ends a line of a file with lone-CR line ends.
pub(super) fn for_each_row<R: BufRead>(
    input: &mut R,
    mut each: impl FnMut(u64, &[u8]) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let mut line_buffer = Vec::with_capacity(4096);
    let mut line_number: u64 = 0;
    loop {
        line_buffer.clear();
        let read = input
            .read_until(b'\n', &mut line_buffer)
            .map_err(|error| Failure::io(&error))?;
        if read == 0 {
            return Ok(());
        }
        let line = line_buffer.strip_suffix(b"\n").unwrap_or(&line_buffer);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        for record in line.split(|&byte| byte == b'\r') {
            line_number += 1;
            if !record.trim_ascii().is_empty() {
                each(line_number, record)?;
            }
        }
    }
}

/// The first line, kept until the next one says whether the file is JSON
/// Lines or one JSON document.
struct HeldLine<'c> {
    text: Vec<u8>,
    line: u64,
    row: Row<'c>,
}

/// Adds one line's sequence.
fn take_row<S: LengthSink>(
    rows: &mut Rows<'_>,
    row: Row<'_>,
    line: u64,
    sink: &mut S,
    notes: &mut Vec<PendingNote>,
) -> Result<(), Failure> {
    let field = row.field.to_owned();
    let at_field = |field: &str| Location::LineField {
        line,
        field: field.to_owned(),
    };
    rows.take(row, sink, notes, at_field)
        .map_err(|kind| Failure::new(at_field(&field), kind))
}

/// Reads one line's object into its row.
pub(super) fn read_row<'c>(
    record: &[u8],
    line: u64,
    column: Option<&'c str>,
) -> Result<Row<'c>, Failure> {
    let mut problem = None;
    let mut deserializer = serde_json::Deserializer::from_slice(record);
    let seed = RecordSeed {
        column,
        problem: &mut problem,
        not_an_object: |found| InputErrorKind::JsonlNotAnObject { found },
        field_names: None,
    };
    let at_column = |error: &serde_json::Error| Location::LineColumn {
        line,
        column: error.column() as u64,
    };
    let found = match seed.deserialize(&mut deserializer) {
        Ok(found) => found,
        Err(error) => {
            return Err(match problem {
                Some(Problem {
                    kind,
                    field: Some(field),
                }) => Failure::new(Location::LineField { line, field }, kind),
                // A line that is not an object: the column, after the
                // whole value, would say nothing.
                Some(Problem { kind, field: None }) => Failure::at_line(line, kind),
                None => {
                    let kind = match syntax_kind(&error) {
                        // In a file of lines, the end of the data is the
                        // end of the line.
                        InputErrorKind::JsonTruncated => InputErrorKind::JsonlUnclosedLine,
                        other => other,
                    };
                    Failure::new(at_column(&error), kind)
                }
            });
        }
    };
    if let Err(error) = deserializer.end() {
        return Err(Failure::new(
            at_column(&error),
            InputErrorKind::JsonlTrailingContent,
        ));
    }
    let is_histogram = || {
        let fields = field_names(record);
        fields.iter().any(|name| name == "max_len") && fields.iter().any(|name| name == "counts")
    };
    match found {
        // A dense histogram's `counts` counts sequences; they are not one
        // sequence's token ids.
        Some(row) if row.field.eq_ignore_ascii_case("counts") && is_histogram() => {
            Err(Failure::at_line(line, InputErrorKind::JsonlHistogramLine))
        }
        Some(row) => Ok(row),
        None if is_histogram() => Err(Failure::at_line(line, InputErrorKind::JsonlHistogramLine)),
        None => {
            let fields = field_names(record);
            let kind = match column {
                Some(column) => InputErrorKind::JsonlMissingField {
                    field: column.to_owned(),
                    fields,
                },
                None => InputErrorKind::JsonlNoLengthField { fields },
            };
            Err(Failure::at_line(line, kind))
        }
    }
}

/// The field names of a line's object in file order (at most
/// [`LISTED_FIELDS`]), for errors. The line is parsed again: this happens
/// on the way to an error, or for a field named `counts`.
pub(super) fn field_names(record: &[u8]) -> Vec<String> {
    let mut deserializer = serde_json::Deserializer::from_slice(record);
    FieldNames
        .deserialize(&mut deserializer)
        .unwrap_or_default()
}

struct FieldNames;

impl<'de> DeserializeSeed<'de> for FieldNames {
    type Value = Vec<String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<String>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FieldNames {
    type Value = Vec<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<String>, A::Error> {
        let mut names = Vec::new();
        while let Some((name, IgnoredAny)) = map.next_entry::<String, IgnoredAny>()? {
            if names.len() < LISTED_FIELDS {
                names.push(name);
            }
        }
        Ok(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::note::InputNoteKind;
    use crate::input::sink::Sink;

    /// The counts read, the format read as, and the notes.
    type Read = (Vec<(u64, u64)>, Format, Vec<PendingNote>);

    fn read_guessed(jsonl: &str, column: Option<&str>, guessed: bool) -> Result<Read, Failure> {
        let mut sink = Sink::default();
        let mut notes = Vec::new();
        let format = read_jsonl(
            &mut jsonl.as_bytes(),
            column,
            guessed,
            &mut sink,
            &mut notes,
        )?;
        Ok((sink.into_counts().unwrap().iter().collect(), format, notes))
    }

    fn read(jsonl: &str, column: Option<&str>) -> Result<Vec<(u64, u64)>, Failure> {
        read_guessed(jsonl, column, false).map(|(counts, _, _)| counts)
    }

    #[test]
    fn the_first_field_present_in_priority_order_wins() {
        let lines = concat!(
            "{\"input_ids\": [1, 2, 3], \"length\": 5}\n",
            "{\"num_tokens\": 7, \"input_ids\": [1]}\n",
            "{\"input_ids\": [0, -100], \"text\": \"hi\"}\n",
            "{\"length\": 5, \"num_tokens\": \"unused, so not checked\"}\n",
        );
        assert_eq!(read(lines, None), Ok(vec![(2, 1), (5, 2), (7, 1)]));
    }

    #[test]
    fn a_named_field_gives_every_row_the_same_way() {
        let numbers = "{\"Tokens\": 4}\n{\"tokens\": 9}\n";
        assert_eq!(read(numbers, Some("TOKENS")), Ok(vec![(4, 1), (9, 1)]));
        let arrays = "{\"Tokens\": [9]}\n{\"tokens\": [9, 9]}\n";
        assert_eq!(read(arrays, Some("TOKENS")), Ok(vec![(1, 1), (2, 1)]));
        let mixed = "{\"Tokens\": 4}\n{\"tokens\": [9, 9]}\n";
        assert_eq!(
            read(mixed, Some("TOKENS")).unwrap_err().kind,
            InputErrorKind::FieldShapeChanged {
                field: "TOKENS".into(),
                first: "a number",
                found: "an array"
            }
        );
    }

    #[test]
    fn a_guessed_single_line_with_a_named_array_is_a_document() {
        let line = "{\"lengths\": [3, 1, 3]}\n\n";
        let (counts, format, notes) = read_guessed(line, Some("lengths"), true).unwrap();
        assert_eq!((counts, format), (vec![(1, 1), (3, 2)], Format::Json));
        assert!(notes.is_empty());
        // Given as JSON Lines, the same line is one sequence, and a note.
        let (counts, format, notes) = read_guessed(line, Some("lengths"), false).unwrap();
        assert_eq!((counts, format), (vec![(3, 1)], Format::Jsonl));
        assert_eq!(
            notes,
            vec![PendingNote::new(
                Location::Unknown,
                InputNoteKind::ArraysCountedAsTokenIds {
                    field: "lengths".into(),
                    rows: 1
                }
            )]
        );
        // A second line makes it JSON Lines, guessed or not.
        let lines = "{\"lengths\": [3, 1, 3]}\n{\"lengths\": [5]}\n";
        let (counts, format, _) = read_guessed(lines, Some("lengths"), true).unwrap();
        assert_eq!((counts, format), (vec![(1, 1), (3, 1)], Format::Jsonl));
    }

    #[test]
    fn a_held_line_reports_errors_on_its_own_line() {
        let failure =
            read_guessed("\n\n{\"lengths\": [3, 0]}\n", Some("lengths"), true).unwrap_err();
        assert_eq!(
            failure,
            Failure::new(
                Location::LineColumn {
                    line: 3,
                    column: 18
                },
                InputErrorKind::ZeroLength
            )
        );
    }

    #[test]
    fn lone_cr_ends_a_line() {
        let failure = read("{\"length\": 1}\r{\"length\": 0}\r\n", None).unwrap_err();
        assert_eq!(
            failure,
            Failure::new(
                Location::LineField {
                    line: 2,
                    field: "length".into()
                },
                InputErrorKind::ZeroLength
            )
        );
    }

    #[test]
    fn a_missing_field_lists_the_fields_there_are() {
        let failure = read("{\"text\": \"a\", \"id\": 3}\n", None).unwrap_err();
        assert_eq!(
            failure.kind,
            InputErrorKind::JsonlNoLengthField {
                fields: vec!["text".into(), "id".into()]
            }
        );
    }
}
