//! Reading the sequence lengths of a dataset from a file.
//!
//! [`read_lengths`] reads one file, in any of these formats, into a
//! [`LengthCounts`]:
//!
//! | format | what it holds |
//! | --- | --- |
//! | [`Format::Text`] | whole numbers separated by newlines, commas or white space; `#` starts a comment |
//! | [`Format::Csv`] | a table with a header row; one column holds lengths, or `length` and `count` columns form a histogram |
//! | [`Format::Json`] | `[12, 40, 7]`, a dense histogram `{"max_len": 512, "counts": [...]}`, a sparse one `{"17": 120, "18": 95}`, an object whose named field holds the lengths `{"lengths": [12, 40, 7]}`, or an array of one object per sequence `[{"input_ids": [...]}, ...]` |
//! | [`Format::Jsonl`] | one object per line with `length`, `num_tokens` or `input_ids` |
//! | [`Format::Npy`] | a NumPy array of integers, of any width and byte order |
//!
//! Unless [`ReadOptions::format`] names one, the format is told by the file
//! name's extension, then by the content ([`detect_format`]).
//!
//! [`ReadOptions::column`] names the field that holds the lengths, and what
//! it holds decides how they are counted:
//! - in a CSV table, a column: one length per row;
//! - in one JSON object (the whole dataset), a field holding an array of
//!   lengths: `{"lengths": [12, 40, 7]}` is three sequences;
//! - in JSON Lines, or an array of objects, where each object is one
//!   sequence, a field holding its length as a number, or its token ids as
//!   an array: `{"tokens": [5, 9, 2]}` is one sequence of three tokens.
//!
//! Naming a column for a file that has none (text, `.npy`, a JSON array of
//! lengths, a JSON histogram) is an error, not ignored. Where a file is
//! read by a rule its content cannot confirm (a table's only numeric
//! column taken as the lengths, an array that might hold lengths counted as
//! token ids), the file is read and [`InputStats::notes`] says so.
//!
//! ```
//! use packlab::input::{read_lengths, InputErrorKind, Location, ReadOptions};
//! use packlab::LengthCounts;
//!
//! let mut counts = LengthCounts::new();
//! let file = "# lengths of the eval split\n512\n37\n512\n";
//! let stats = read_lengths("eval.txt", file.as_bytes(), &ReadOptions::default(), &mut counts)?;
//! assert_eq!(stats.sequences, 3);
//! assert_eq!(counts.iter().collect::<Vec<_>>(), vec![(37, 1), (512, 2)]);
//!
//! // A bad file says where and how to fix it, and leaves the counts alone.
//! let error = read_lengths("more.txt", &b"40\n12.0\n"[..], &ReadOptions::default(), &mut counts)
//!     .unwrap_err();
//! assert_eq!(error.location, Location::Line(2));
//! assert!(matches!(error.kind, InputErrorKind::Fractional { .. }));
//! assert_eq!(
//!     error.to_string(),
//!     "more.txt:2: `12.0` is not a whole number. Lengths are whole token counts; write 12 not 12.0"
//! );
//! assert_eq!(counts.iter().collect::<Vec<_>>(), vec![(37, 1), (512, 2)]);
//! # Ok::<(), packlab::input::InputError>(())
//! ```
//!
//! Every reader streams: beyond the counts, memory stays constant however
//! large the file. What is held at a time is one read buffer, one JSON
//! Lines line or CSV record, and for histogram inputs (which are small)
//! the histogram's own bins. (The first line of a file only guessed to be
//! JSON Lines is held twice, until the next line shows it is not the whole
//! file: see [`detect_format`].) A file that fails to read leaves the counts
//! untouched, so a bad upload never half-changes a dataset.
//!
//! Decisions that apply to every text format:
//! - a sequence of length 0 is an error: it carries no tokens, and a zero
//!   in a list of lengths is far more often a bug (an empty document, a
//!   failed tokenisation) than data. A histogram entry of length 0 with a
//!   count of 0 holds no sequence and is accepted.
//! - numbers are plain decimal digits: floats (`12.0`, `1e3`), signs,
//!   hexadecimal and thousands separators are errors that say how to write
//!   the number instead.
//! - a UTF-8 byte order mark at the start is skipped; UTF-16 is an error
//!   that says to save the file as UTF-8.
//! - lines may end with LF, CRLF or a lone CR (old Mac files); each is one
//!   line end for the line numbers in errors.

mod delimited;
mod error;
mod json;
mod json_value;
mod jsonl;
mod note;
mod npy;
mod number;
mod ordered;
mod record;
mod text;

use std::fmt;
use std::io::{self, BufReader, Cursor, Read};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use error::{InputError, InputErrorKind, Location};
pub use note::{InputNote, InputNoteKind};
pub use ordered::{read_lengths_in_order, OrderedLengths};

use crate::histogram::LengthCounts;
use error::Failure;
use note::PendingNote;

/// The read buffer of every reader: large enough that the per-read
/// overhead vanishes, small enough for a browser tab.
const STREAM_BUFFER_BYTES: usize = 256 * 1024;

/// How much of the start of a file is looked at to tell its format.
const HEAD_BYTES: usize = 8 * 1024;

/// The byte order mark some editors put at the start of UTF-8 text.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The first bytes of every `.npy` file.
const NPY_MAGIC: &[u8] = b"\x93NUMPY";

/// A file format Packlab reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Whole numbers separated by newlines, commas or white space.
    Text,
    /// A table with a header row (comma- or tab-separated).
    Csv,
    /// One JSON document: an array of lengths or a histogram.
    Json,
    /// JSON Lines: one object per line.
    Jsonl,
    /// A NumPy `.npy` array.
    Npy,
}

impl Format {
    /// Every format, in the order the documentation lists them.
    pub const ALL: [Format; 5] = [
        Format::Text,
        Format::Csv,
        Format::Json,
        Format::Jsonl,
        Format::Npy,
    ];

    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Npy => "npy",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Parses a format's name, or a file extension that names it (`txt`,
/// `tsv`, `ndjson`), ignoring case.
impl FromStr for Format {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "text" | "txt" => Ok(Format::Text),
            "csv" | "tsv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "jsonl" | "ndjson" => Ok(Format::Jsonl),
            "npy" => Ok(Format::Npy),
            _ => Err(format!(
                "unknown format `{text}`: use text, csv, json, jsonl or npy"
            )),
        }
    }
}

/// How to read a file. The default detects the format and picks the
/// length column or field by its name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// The format to read; `None` tells it from the name and content.
    pub format: Option<Format>,
    /// The field that holds the lengths, matched ignoring ASCII case: a
    /// CSV column, the field of a JSON object holding an array of lengths,
    /// or the field of each JSON Lines object (a length, or token ids);
    /// `None` looks for `length` and its usual synonyms. Formats without
    /// fields (text, `.npy`, JSON arrays of lengths and histograms) refuse
    /// it.
    pub column: Option<String>,
}

/// What [`read_lengths`] read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputStats {
    /// The format the file was read as.
    pub format: Format,
    /// The number of sequences added to the counts.
    pub sequences: u64,
    /// The size of the input in bytes.
    pub bytes: u64,
    /// The rules the file was read by that its content cannot confirm,
    /// for the user to check; empty for most files. In JSON, each note is
    /// its text.
    pub notes: Vec<InputNote>,
}

/// Reads the sequence lengths of `reader` and adds them to `counts`.
///
/// `source_name` is the file's name: its extension helps tell the format,
/// and errors start with it. `reader` is read once, front to back, through
/// a buffer; it is never held in memory whole.
///
/// # Errors
///
/// An [`InputError`] naming the file, where in it the problem is, and how
/// to fix it: a malformed or empty file, a length of 0, a number that is
/// not a whole number, a count past 2^64 - 1, a column named that the file
/// does not have or cannot have, or a read failure. On error `counts` is
/// left exactly as it was. A file read by a rule its content cannot
/// confirm is no error: [`InputStats::notes`] says which rule.
pub fn read_lengths<R: Read>(
    source_name: &str,
    reader: R,
    options: &ReadOptions,
    counts: &mut LengthCounts,
) -> Result<InputStats, InputError> {
    let mut sink = Sink::default();
    let read = read_named(source_name, reader, options, &mut sink)?;
    let sequences = sink.sequences();
    let fresh = sink
        .into_counts()
        .map_err(|kind| Failure::from(kind).in_source(source_name))?;
    merge_all_or_nothing(counts, &fresh)
        .map_err(|kind| Failure::from(kind).in_source(source_name))?;
    Ok(read.into_stats(sequences))
}

/// Tells the format of a file from its name and its first bytes.
///
/// The extension decides first: `.npy`; `.jsonl` and `.ndjson`; `.json`;
/// `.csv` and `.tsv`; `.txt`. One exception: a `.json` file whose first
/// object is not a histogram and fits on its first line is read as JSON
/// Lines, because popular tools (`datasets.Dataset.to_json`,
/// `pandas.to_json(lines=True)`) write JSON Lines under that name. Without
/// a known extension, the content decides: the NumPy signature means
/// `.npy`; a first `[` means JSON; a first `{` means JSON when its first
/// key is `max_len`, `counts` or a number or when the object spans several
/// lines, and JSON Lines otherwise; a first line (comments aside) with a
/// field that is not a number means CSV; anything else is text.
///
/// A file of a single one-line object is told apart only when read: JSON
/// Lines guessed this way reads such a file as the JSON document it is
/// (see [`ReadOptions::column`]).
pub fn detect_format(source_name: &str, head: &[u8]) -> Format {
    let content = head.strip_prefix(UTF8_BOM).unwrap_or(head);
    match format_from_extension(source_name) {
        Some(Format::Json) if first_object_is_json_lines(content) == Some(true) => Format::Jsonl,
        Some(format) => format,
        None => format_from_content(content),
    }
}

fn format_from_extension(source_name: &str) -> Option<Format> {
    let file_name = source_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(source_name);
    let (_, extension) = file_name.rsplit_once('.')?;
    let extension = extension.to_ascii_lowercase();
    match extension.as_str() {
        "npy" => Some(Format::Npy),
        "jsonl" | "ndjson" => Some(Format::Jsonl),
        "json" => Some(Format::Json),
        "csv" | "tsv" => Some(Format::Csv),
        "txt" => Some(Format::Text),
        _ => None,
    }
}

fn format_from_content(content: &[u8]) -> Format {
    if content.starts_with(NPY_MAGIC) {
        return Format::Npy;
    }
    match content.iter().find(|byte| !byte.is_ascii_whitespace()) {
        Some(b'[') => return Format::Json,
        Some(b'{') => {
            return match first_object_is_json_lines(content) {
                Some(false) => Format::Json,
                _ => Format::Jsonl,
            }
        }
        _ => {}
    }
    let has_column_name = first_data_line(content).is_some_and(|line| {
        line.split(|&b| b == b',' || b == b';' || b.is_ascii_whitespace())
            .any(|field| !field.is_empty() && !number::looks_numeric(field))
    });
    if has_column_name {
        Format::Csv
    } else {
        Format::Text
    }
}

/// For content that starts with `{`: `Some(false)` when the first object
/// is a JSON document (its first key marks a histogram: `max_len`,
/// `counts`, a number, or an empty object; or it spans several lines, which
/// a JSON Lines object never does), `Some(true)` otherwise, `None` when
/// the content does not start with an object or the head ends before the
/// first key does.
fn first_object_is_json_lines(content: &[u8]) -> Option<bool> {
    let trimmed = content.trim_ascii_start();
    if first_object_spans_lines(trimmed) {
        return Some(false);
    }
    let after_brace = trimmed.strip_prefix(b"{")?.trim_ascii_start();
    if after_brace.starts_with(b"}") {
        return Some(false);
    }
    let key_and_rest = after_brace.strip_prefix(b"\"")?;
    let key_end = key_and_rest.iter().position(|&b| b == b'"')?;
    let key = key_and_rest.get(..key_end)?;
    let marks_histogram = key == b"max_len"
        || key == b"counts"
        || key
            .first()
            .is_some_and(|&first| first.is_ascii_digit() || first == b'-');
    Some(!marks_histogram)
}

/// True when a line ends inside the JSON value `content` starts with,
/// before it closes or the head ends. Strings are skipped: a raw line end
/// never occurs in one, but a `{` or `"` may.
fn first_object_spans_lines(content: &[u8]) -> bool {
    let mut depth: u32 = 0;
    let mut in_string = false;
    let mut escaped = false;
    for &byte in content {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return false;
                }
            }
            b'\n' | b'\r' if depth > 0 => return true,
            _ => {}
        }
    }
    false
}

/// The first line that is neither blank nor only a comment, with any
/// trailing comment removed and white space trimmed.
fn first_data_line(content: &[u8]) -> Option<&[u8]> {
    content
        .split(|&b| b == b'\n' || b == b'\r')
        .map(|line| {
            let without_comment = match line.iter().position(|&b| b == b'#') {
                Some(at) => line.get(..at).unwrap_or(line),
                None => line,
            };
            without_comment.trim_ascii()
        })
        .find(|line| !line.is_empty())
}

/// Lengths below this are first counted in the sink's own table: the
/// text reader adds tens of millions of single sequences, and a table
/// increment costs a fraction of a call to [`LengthCounts::add`]. Real
/// sequence lengths are nearly all below it; the table takes at most
/// 512 KiB, and only as much of it as the longest short length needs.
const SHORT_LENGTH_LIMIT: u64 = 1 << 16;

/// The counts read from one file, kept apart from the caller's until the
/// whole file has been read.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    counts: LengthCounts,
    /// `short_counts[length]` counts single sequences of lengths below
    /// [`SHORT_LENGTH_LIMIT`] not yet added to `counts`; index 0 unused.
    short_counts: Vec<u64>,
    /// The sum of all counts added.
    sequences: u64,
}

/// Where a reader puts the lengths it reads: counted ([`Sink`], for
/// [`read_lengths`]) or kept in file order (`ordered::OrderedSink`, for
/// [`read_lengths_in_order`]). The readers only parse; what a length
/// becomes is the sink's business.
pub(crate) trait LengthSink {
    /// Takes one sequence of `length` tokens, the next in the file.
    fn add_one(&mut self, length: u64) -> Result<(), InputErrorKind>;

    /// Takes `count` sequences of `length` tokens from a histogram entry.
    /// A length of 0 is an error unless its count is 0 too (an empty
    /// histogram bin).
    fn add(&mut self, length: u64, count: u64) -> Result<(), InputErrorKind>;

    /// Notes the `max_len` a dense histogram declares.
    fn declare_max_len(&mut self, max_len: u32);

    /// The number of sequences taken so far.
    fn sequences(&self) -> u64;
}

impl LengthSink for Sink {
    /// Counts one sequence of `length` tokens.
    // Always inlined: this is the text reader's per-number cost, and as a
    // call (or with an eagerly built error value) the reader ran at half
    // its speed.
    #[inline(always)]
    fn add_one(&mut self, length: u64) -> Result<(), InputErrorKind> {
        // Lossless: the index is below 2^16. Index 0 is never a slot, so a
        // zero length takes the slow path and its error.
        let index = length as usize;
        match self.short_counts.get_mut(index) {
            Some(slot) if length > 0 && length < SHORT_LENGTH_LIMIT && *slot < u64::MAX => {
                *slot += 1;
                // Cannot pass u64::MAX: every sequence was read, one by one.
                self.sequences = self.sequences.saturating_add(1);
                Ok(())
            }
            _ => self.add_one_slowly(length),
        }
    }

    fn add(&mut self, length: u64, count: u64) -> Result<(), InputErrorKind> {
        if length == 0 {
            return if count == 0 {
                Ok(())
            } else {
                Err(InputErrorKind::ZeroLength)
            };
        }
        self.counts
            .add(length, count)
            .map_err(|overflow| InputErrorKind::CountOverflow {
                length: overflow.length,
            })?;
        self.sequences = self
            .sequences
            .checked_add(count)
            .ok_or(InputErrorKind::TooManySequences)?;
        Ok(())
    }

    fn declare_max_len(&mut self, max_len: u32) {
        self.counts.declare_max_len(max_len);
    }

    fn sequences(&self) -> u64 {
        self.sequences
    }
}

impl Sink {
    /// [`LengthSink::add_one`] for a length outside the table so far.
    #[cold]
    fn add_one_slowly(&mut self, length: u64) -> Result<(), InputErrorKind> {
        if length > 0 && length < SHORT_LENGTH_LIMIT {
            // Lossless: length < 2^16.
            let index = length as usize;
            if index >= self.short_counts.len() {
                self.short_counts.resize(index + 1, 0);
            }
            if let Some(slot) = self.short_counts.get_mut(index) {
                if let Some(incremented) = slot.checked_add(1) {
                    *slot = incremented;
                    self.sequences = self.sequences.saturating_add(1);
                    return Ok(());
                }
            }
        }
        self.add(length, 1)
    }

    /// Everything counted, as one [`LengthCounts`].
    pub(crate) fn into_counts(mut self) -> Result<LengthCounts, InputErrorKind> {
        for (length, &count) in (0u64..).zip(&self.short_counts) {
            if count > 0 {
                self.counts.add(length, count).map_err(|overflow| {
                    InputErrorKind::CountOverflow {
                        length: overflow.length,
                    }
                })?;
            }
        }
        Ok(self.counts)
    }
}

/// A reader that counts the bytes it passes on, for [`InputStats::bytes`].
struct CountingReader<R> {
    inner: R,
    bytes: u64,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buffer)?;
        self.bytes = self.bytes.saturating_add(read as u64);
        Ok(read)
    }
}

/// What one file read gave, besides its lengths.
struct Reading {
    format: Format,
    bytes: u64,
    notes: Vec<InputNote>,
}

impl Reading {
    fn into_stats(self, sequences: u64) -> InputStats {
        InputStats {
            format: self.format,
            sequences,
            bytes: self.bytes,
            notes: self.notes,
        }
    }
}

/// [`read_all`] on `reader`, with errors and notes naming `source_name`.
fn read_named<R: Read, S: LengthSink>(
    source_name: &str,
    reader: R,
    options: &ReadOptions,
    sink: &mut S,
) -> Result<Reading, InputError> {
    let mut source = CountingReader {
        inner: reader,
        bytes: 0,
    };
    let mut notes = Vec::new();
    let format = read_all(source_name, &mut source, options, sink, &mut notes)
        .map_err(|failure| failure.in_source(source_name))?;
    Ok(Reading {
        format,
        bytes: source.bytes,
        notes: notes
            .into_iter()
            .map(|note| note.in_source(source_name))
            .collect(),
    })
}

/// Reads the whole file with the right reader into `sink`, which starts
/// empty; returns the format read.
fn read_all<R: Read, S: LengthSink>(
    source_name: &str,
    source: &mut CountingReader<R>,
    options: &ReadOptions,
    sink: &mut S,
    notes: &mut Vec<PendingNote>,
) -> Result<Format, Failure> {
    let head = read_head(source).map_err(|error| Failure::io(&error))?;
    if let Some(kind) = unsupported_container(&head) {
        return Err(kind.into());
    }
    let mut format = options
        .format
        .unwrap_or_else(|| detect_format(source_name, &head));
    let column = options.column.as_deref();
    // Text and NumPy arrays have no fields: a column named for one is a
    // mistake about the file, which reading on would hide.
    let without_fields = match format {
        Format::Text => Some("a plain list of numbers (text)"),
        Format::Npy => Some("a NumPy array"),
        _ => None,
    };
    if let (Some(column), Some(read_as)) = (column, without_fields) {
        return Err(InputErrorKind::ColumnNotApplicable {
            column: column.to_owned(),
            read_as,
        }
        .into());
    }
    // JSON Lines told from a `.json` name or the content may be a single
    // JSON document written on one line.
    let jsonl_guessed =
        options.format.is_none() && format_from_extension(source_name) != Some(Format::Jsonl);
    let mut bom_bytes = 0;
    if format != Format::Npy {
        check_text_encoding(&head)?;
        if head.starts_with(UTF8_BOM) {
            bom_bytes = UTF8_BOM.len() as u64;
        }
    }
    let csv_delimiter = delimited::delimiter_for(source_name, &head);
    let rows_of_numbers = match format {
        Format::Text => text::numbers_per_row(
            head.get(bom_bytes as usize..).unwrap_or_default(),
            head.len() < HEAD_BYTES,
        ),
        _ => None,
    };
    // The head goes back in front of the rest of the stream, so each
    // reader sees the whole file (less a byte order mark).
    let mut head = Cursor::new(head);
    head.set_position(bom_bytes);
    let mut input = BufReader::with_capacity(STREAM_BUFFER_BYTES, head.chain(source));
    match format {
        Format::Text => text::read_text(&mut input, sink)?,
        Format::Csv => delimited::read_delimited(&mut input, csv_delimiter, column, sink, notes)?,
        Format::Json => json::read_json(&mut input, column, sink, notes)?,
        // Guessed JSON Lines may turn out to be one JSON document.
        Format::Jsonl => {
            format = jsonl::read_jsonl(&mut input, column, jsonl_guessed, sink, notes)?;
        }
        Format::Npy => npy::read_npy(&mut input, sink)?,
    }
    if sink.sequences() == 0 {
        return Err(InputErrorKind::Empty.into());
    }
    if let Some(numbers_per_line) = rows_of_numbers {
        notes.push(PendingNote::new(
            Location::Unknown,
            InputNoteKind::RowsOfNumbers { numbers_per_line },
        ));
    }
    Ok(format)
}

/// The first [`HEAD_BYTES`] of the file, or all of it if shorter. Read
/// here rather than peeked with `fill_buf`, which returns whatever one read
/// gave: a network stream or a browser file reader may hand over a few
/// bytes at a time, and detection needs the whole head.
fn read_head<R: Read>(source: &mut R) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(HEAD_BYTES);
    source.take(HEAD_BYTES as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// Compressed files and container formats that users might reasonably
/// try, each with the way to get a file Packlab reads.
fn unsupported_container(head: &[u8]) -> Option<InputErrorKind> {
    let (container, fix) = if head.starts_with(b"\x1F\x8B") {
        (
            "gzip-compressed",
            "Decompress it first (gunzip FILE) and read the result",
        )
    } else if head.starts_with(b"\x28\xB5\x2F\xFD") {
        (
            "zstd-compressed",
            "Decompress it first (zstd -d FILE) and read the result",
        )
    } else if head.starts_with(b"PK\x03\x04") {
        (
            "a zip archive (an .npz file is one)",
            "Extract the file inside it, or save a single array with np.save",
        )
    } else if head.starts_with(b"PAR1") {
        (
            "a Parquet file",
            "Write the length column out as CSV or text, e.g. with \
             pandas: df[[\"length\"]].to_csv(\"lengths.csv\", index=False)",
        )
    } else if head.starts_with(b"ARROW1") {
        (
            "an Arrow file",
            "Write the length column out as CSV or text, e.g. with \
             pandas: df[[\"length\"]].to_csv(\"lengths.csv\", index=False)",
        )
    } else {
        return None;
    };
    Some(InputErrorKind::UnsupportedContainer { container, fix })
}

/// Refuses UTF-16 (with or without a byte order mark) and binary content
/// before a text reader gets confused by it.
fn check_text_encoding(head: &[u8]) -> Result<(), Failure> {
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") || looks_like_utf16(head) {
        return Err(InputErrorKind::Utf16.into());
    }
    let mut line = 1;
    for &byte in head {
        if byte == b'\n' {
            line += 1;
        } else if is_binary_byte(byte) {
            return Err(Failure::at_line(line, InputErrorKind::Binary { byte }));
        }
    }
    Ok(())
}

/// ASCII text saved as UTF-16 without a byte order mark: every other byte
/// is zero.
fn looks_like_utf16(head: &[u8]) -> bool {
    let sample = head.get(..64).unwrap_or(head);
    if sample.len() < 4 {
        return false;
    }
    let zero_at = |parity: usize| {
        sample
            .iter()
            .enumerate()
            .all(|(index, &byte)| (byte == 0) == (index % 2 == parity))
    };
    zero_at(0) || zero_at(1)
}

/// Control bytes that text files do not contain (tab, newlines, vertical
/// tab and form feed are white space, not binary).
pub(crate) fn is_binary_byte(byte: u8) -> bool {
    matches!(byte, 0x00..=0x08 | 0x0E..=0x1F | 0x7F)
}

/// Adds `from` to `into`, or leaves `into` unchanged when some count would
/// pass 2^64 - 1. Both iterate in increasing length, so one merged pass
/// finds any overflow before anything is added.
fn merge_all_or_nothing(
    into: &mut LengthCounts,
    from: &LengthCounts,
) -> Result<(), InputErrorKind> {
    {
        let mut existing = into.iter().peekable();
        for (length, count) in from.iter() {
            while existing.next_if(|&(shorter, _)| shorter < length).is_some() {}
            if let Some(&(same, existing_count)) = existing.peek() {
                if same == length && existing_count.checked_add(count).is_none() {
                    return Err(InputErrorKind::CountOverflow { length });
                }
            }
        }
    }
    into.merge(from)
        .map_err(|overflow| InputErrorKind::CountOverflow {
            length: overflow.length,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_decides_first() {
        assert_eq!(detect_format("a.NPY", b"12\n"), Format::Npy);
        assert_eq!(detect_format("dir.v2/a.ndjson", b"12\n"), Format::Jsonl);
        assert_eq!(detect_format("a.json", b"[1]"), Format::Json);
        assert_eq!(detect_format("a.tsv", b"12\n"), Format::Csv);
        assert_eq!(detect_format("a.txt", b"length\n12\n"), Format::Text);
    }

    #[test]
    fn json_lines_saved_as_json_are_read_as_json_lines() {
        assert_eq!(detect_format("a.json", b"{\"length\": 3}\n"), Format::Jsonl);
        assert_eq!(detect_format("a.json", b"{\"max_len\": 3}"), Format::Json);
        assert_eq!(detect_format("a.json", b" { \"17\": 3}"), Format::Json);
        assert_eq!(detect_format("a.json", b"{}"), Format::Json);
    }

    #[test]
    fn an_object_over_several_lines_is_one_json_document() {
        let pretty = b"{\n  \"lengths\": [1, 2]\n}\n";
        assert_eq!(detect_format("a.json", pretty), Format::Json);
        assert_eq!(detect_format("data", pretty), Format::Json);
        assert_eq!(detect_format("a.jsonl", pretty), Format::Jsonl);
        assert_eq!(
            detect_format("a.json", b"{\"lengths\":\r[1]}"),
            Format::Json
        );
        // Braces and escaped quotes in strings do not end the object early.
        let lines = b"{\"text\": \"}{ \\\" ]\"}\n{\"text\": \"b\"}\n";
        assert_eq!(detect_format("a.json", lines), Format::Jsonl);
        assert!(!first_object_spans_lines(lines));
        assert!(first_object_spans_lines(b"{\"text\": \"\\\"\", \"a\": [\n"));
    }

    #[test]
    fn content_decides_without_a_known_extension() {
        assert_eq!(detect_format("data", b"\x93NUMPY\x01\x00"), Format::Npy);
        assert_eq!(detect_format("data", b"  [1, 2]"), Format::Json);
        assert_eq!(detect_format("data", b"{\"counts\": []"), Format::Json);
        assert_eq!(detect_format("data", b"{\"text\": \"a\"}"), Format::Jsonl);
        assert_eq!(
            detect_format("data", b"# lengths\n\nid,length\n"),
            Format::Csv
        );
        assert_eq!(
            detect_format("data", b"# lengths\n12 # first\n"),
            Format::Text
        );
        assert_eq!(detect_format("data", b"12.5\n1e3\n0x10\n"), Format::Text);
        assert_eq!(detect_format("data.bin", b""), Format::Text);
    }

    #[test]
    fn utf16_without_a_byte_order_mark_is_recognised() {
        assert!(looks_like_utf16(b"1\x002\x00\n\x00"));
        assert!(looks_like_utf16(b"\x001\x002\x00\n"));
        assert!(!looks_like_utf16(b"12\n34\n"));
    }

    #[test]
    fn failed_merge_changes_nothing() {
        let mut into = LengthCounts::new();
        into.add(5, u64::MAX).unwrap();
        into.add(3, 1).unwrap();
        let before = into.clone();
        let mut from = LengthCounts::new();
        from.add(2, 1).unwrap();
        from.add(5, 1).unwrap();
        assert_eq!(
            merge_all_or_nothing(&mut into, &from),
            Err(InputErrorKind::CountOverflow { length: 5 })
        );
        assert_eq!(into, before);
    }
}
