//! Reading a whole file: its format told or given, its head checked, and
//! the reader of that format fed through one buffer.

use std::io::{self, BufReader, Cursor, Read};
use std::sync::Arc;

use serde::Serialize;

use super::error::{Failure, InputError, InputErrorKind, Location};
use super::format::{
    check_text_encoding, detect_format, format_from_extension, unsupported_container, Format,
    HEAD_BYTES, PARQUET_MAGIC, UTF8_BOM,
};
use super::note::{InputNote, InputNoteKind, PendingNote};
use super::random_access::{RandomAccessFile, SequentialReader};
use super::sink::{LengthSink, Sink};
use super::text_rows::{self, TextRows};
use super::tokenized::SharedTokenizer;
use super::{arrow, delimited, json, jsonl, megatron, npy, parquet, text};
use crate::histogram::LengthCounts;

/// The read buffer of every reader: large enough that the per-read
/// overhead vanishes, small enough for a browser tab.
const STREAM_BUFFER_BYTES: usize = 256 * 1024;

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
    /// Megatron indexes: count documents (each one's sequences joined)
    /// instead of sequences. Other formats refuse it.
    pub documents: bool,
    /// Count each row's text with this tokenizer (JSON Lines, a JSON
    /// array of rows, Parquet or Arrow): in JSON, rows that give no length
    /// field (`length`, `num_tokens`, `input_ids`) are tokenized; in
    /// Parquet and Arrow, the text column of every row. Other formats
    /// refuse it, and so does [`ReadOptions::column`].
    pub tokenizer: Option<SharedTokenizer>,
    /// With a tokenizer: the field holding each row's text (a string) or
    /// conversation (a list of messages), matched ignoring ASCII case, and
    /// tokenized on every row. `None` takes `text`, or else `messages`,
    /// on rows without a length field.
    pub text_field: Option<String>,
    /// With a tokenizer: tokenize only a uniform random sample of this
    /// many rows (the same on every run), each standing for its share of
    /// all rows, and say so in a note ([`InputNoteKind::EstimatedFromSample`]).
    /// A file of no more rows than this is counted exactly.
    pub sample_rows: Option<u64>,
}

impl ReadOptions {
    /// Refuses the options of text rows without a tokenizer, and with one
    /// a format that holds no rows of text, and `column`.
    fn check_tokenizer_options(&self, format: Format) -> Result<(), InputErrorKind> {
        if self.tokenizer.is_none() {
            return match (&self.text_field, self.sample_rows) {
                (Some(_), _) => Err(InputErrorKind::NeedsTokenizer {
                    option: "--text-field",
                }),
                (None, Some(_)) => Err(InputErrorKind::NeedsTokenizer { option: "--sample" }),
                (None, None) => Ok(()),
            };
        }
        if let Some(column) = &self.column {
            return Err(InputErrorKind::ColumnWithTokenizer {
                column: column.clone(),
            });
        }
        if !matches!(
            format,
            Format::Jsonl | Format::Json | Format::Parquet | Format::Arrow
        ) {
            return Err(InputErrorKind::TokenizerNotApplicable {
                read_as: format.name(),
            });
        }
        Ok(())
    }
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
    counted(source_name, counts, |sink| {
        read_named(source_name, reader, options, sink)
    })
}

/// Reads the sequence lengths of the file at `path` and adds them to
/// `counts`: every format [`read_lengths`] reads, and Parquet, which is
/// read from its footer and so needs the file, not a stream.
///
/// # Errors
///
/// As [`read_lengths`], with the file named by its path; and the Parquet
/// reader's errors (an unreadable file, a column missing or of another
/// type, a null).
#[cfg(not(target_arch = "wasm32"))]
pub fn read_file_lengths(
    path: &std::path::Path,
    options: &ReadOptions,
    counts: &mut LengthCounts,
) -> Result<InputStats, InputError> {
    counted(&path.display().to_string(), counts, |sink| {
        read_path(path, options, sink)
    })
}

/// [`read_named`] of the file at `path`, or its Parquet or Arrow reader;
/// a folder is read shard by shard (see [`shards`]).
#[cfg(not(target_arch = "wasm32"))]
pub(super) fn read_path<S: LengthSink>(
    path: &std::path::Path,
    options: &ReadOptions,
    sink: &mut S,
) -> Result<Reading, InputError> {
    if !path.is_dir() {
        return read_one_path(path, options, sink);
    }
    let mut total: Option<Reading> = None;
    for shard in shards(path)? {
        let read = read_one_path(&shard, options, sink)?;
        let total = total.get_or_insert(Reading {
            format: read.format,
            bytes: 0,
            notes: Vec::new(),
        });
        total.bytes += read.bytes;
        total.notes.extend(read.notes);
    }
    total.ok_or_else(|| Failure::from(InputErrorKind::Empty).in_source(&path.display().to_string()))
}

/// The shards of a dataset folder, in order: those a `save_to_disk`
/// folder's `state.json` lists, or else its `.arrow` or `.parquet` files
/// sorted by name (see [`dataset_shards`]).
#[cfg(not(target_arch = "wasm32"))]
fn shards(folder: &std::path::Path) -> Result<Vec<std::path::PathBuf>, InputError> {
    let name = folder.display().to_string();
    let fail = |kind: InputErrorKind| Failure::from(kind).in_source(&name);
    let state = std::fs::read_to_string(folder.join("state.json")).ok();
    let files: Vec<String> = std::fs::read_dir(folder)
        .map_err(|error| {
            fail(InputErrorKind::CannotOpen {
                message: error.to_string(),
            })
        })?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .collect();
    Ok(dataset_shards(&files, state.as_deref())
        .map_err(fail)?
        .into_iter()
        .map(|file| folder.join(file))
        .collect())
}

/// The shards of a dataset folder holding the files `files` (names
/// within the folder), in the order their rows are the dataset's: the
/// order a `save_to_disk` folder's `state.json` (its text, `state`) lists
/// under `_data_files`; without one, the folder's `.arrow` and `.parquet`
/// files sorted by name, as the Hub's shards `train-00000-of-00004.parquet`
/// are numbered.
///
/// ```
/// use packlab::input::dataset_shards;
///
/// let files = ["state.json", "data-00001-of-00002.arrow", "data-00000-of-00002.arrow"]
///     .map(String::from);
/// let state = r#"{"_data_files": [{"filename": "data-00000-of-00002.arrow"},
///                                 {"filename": "data-00001-of-00002.arrow"}]}"#;
/// let shards = dataset_shards(&files, Some(state)).unwrap();
/// assert_eq!(shards, ["data-00000-of-00002.arrow", "data-00001-of-00002.arrow"]);
/// ```
///
/// # Errors
///
/// [`InputErrorKind::FolderUnreadable`] when `state.json` lists no shards,
/// lists one the folder lacks, or there is neither `state.json` nor a
/// shard.
pub fn dataset_shards(
    files: &[String],
    state: Option<&str>,
) -> Result<Vec<String>, InputErrorKind> {
    let unreadable = |problem: String| InputErrorKind::FolderUnreadable { problem };
    if let Some(state) = state {
        let listed: Vec<String> = serde_json::from_str::<serde_json::Value>(state)
            .ok()
            .and_then(|value| {
                value
                    .get("_data_files")?
                    .as_array()?
                    .iter()
                    .map(|file| Some(file.get("filename")?.as_str()?.to_owned()))
                    .collect()
            })
            .ok_or_else(|| {
                unreadable("its state.json does not list the shards (`_data_files`)".to_owned())
            })?;
        if let Some(missing) = listed.iter().find(|shard| !files.contains(shard)) {
            return Err(unreadable(format!(
                "its state.json lists {missing}, which the folder does not hold"
            )));
        }
        return Ok(listed);
    }
    let mut shards: Vec<String> = files
        .iter()
        .filter(|name| {
            matches!(
                format_from_extension(name),
                Some(Format::Arrow | Format::Parquet)
            )
        })
        .cloned()
        .collect();
    shards.sort();
    if shards.is_empty() {
        return Err(unreadable(
            "it holds no state.json, .arrow or .parquet files".to_owned(),
        ));
    }
    Ok(shards)
}

/// One file of [`read_path`].
#[cfg(not(target_arch = "wasm32"))]
fn read_one_path<S: LengthSink>(
    path: &std::path::Path,
    options: &ReadOptions,
    sink: &mut S,
) -> Result<Reading, InputError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|error| {
        Failure::from(InputErrorKind::CannotOpen {
            message: error.to_string(),
        })
        .in_source(&name)
    })?;
    read_random_access(&name, Arc::new(file), options, sink)
}

/// Reads the sequence lengths of `file`, a file read at any offset, and
/// adds them to `counts`: every format [`read_lengths`] reads, and
/// Parquet, whose footer is at its end. Only a Parquet file's footer and
/// the pages of the chosen column are read; other formats are read front
/// to back.
///
/// # Errors
///
/// As [`read_lengths`]; the Parquet reader's errors (an unreadable file,
/// a column missing or of another type, a null); and the error of the
/// file itself, when it cannot be read.
pub fn read_random_access_lengths<A: RandomAccessFile + 'static>(
    source_name: &str,
    file: A,
    options: &ReadOptions,
    counts: &mut LengthCounts,
) -> Result<InputStats, InputError> {
    counted(source_name, counts, |sink| {
        read_random_access(source_name, Arc::new(file), options, sink)
    })
}

/// [`read_named`] of a file read at any offset: Parquet from its footer,
/// the rest front to back.
pub(super) fn read_random_access<A: RandomAccessFile + 'static, S: LengthSink>(
    source_name: &str,
    file: Arc<A>,
    options: &ReadOptions,
    sink: &mut S,
) -> Result<Reading, InputError> {
    let fail = |failure: Failure| failure.in_source(source_name);
    let size = file.size().map_err(|error| fail(Failure::io(&error)))?;
    let mut magic = vec![0; PARQUET_MAGIC.len().min(usize::try_from(size).unwrap_or(0))];
    file.read_exact_at(0, &mut magic)
        .map_err(|error| fail(Failure::io(&error)))?;
    let is_parquet = match options.format {
        Some(format) => format == Format::Parquet,
        None => {
            magic == PARQUET_MAGIC || format_from_extension(source_name) == Some(Format::Parquet)
        }
    };
    if !is_parquet {
        return read_named(
            source_name,
            SequentialReader::new(file, 0, size),
            options,
            sink,
        );
    }
    if options.documents {
        return Err(fail(
            InputErrorKind::DocumentsNotApplicable {
                read_as: Format::Parquet.name(),
            }
            .into(),
        ));
    }
    options
        .check_tokenizer_options(Format::Parquet)
        .map_err(|kind| fail(kind.into()))?;
    let before = sink.sequences();
    let mut notes = Vec::new();
    match &options.tokenizer {
        Some(tokenizer) => {
            let rows = TextRows {
                tokenizer,
                text_field: options.text_field.as_deref(),
                sample_rows: options.sample_rows,
            };
            parquet::read_parquet_text(file, &rows, sink, &mut notes)
        }
        None => parquet::read_parquet(file, options.column.as_deref(), sink),
    }
    .map_err(fail)?;
    if sink.sequences() == before {
        return Err(fail(InputErrorKind::Empty.into()));
    }
    Ok(Reading {
        format: Format::Parquet,
        bytes: size,
        notes: notes
            .into_iter()
            .map(|note| note.in_source(source_name))
            .collect(),
    })
}

/// A reader that counts the bytes it passes on, for [`InputStats::bytes`].
pub(super) struct CountingReader<R> {
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
pub(super) struct Reading {
    format: Format,
    bytes: u64,
    notes: Vec<InputNote>,
}

impl Reading {
    pub(super) fn into_stats(self, sequences: u64) -> InputStats {
        InputStats {
            format: self.format,
            sequences,
            bytes: self.bytes,
            notes: self.notes,
        }
    }
}

/// [`read_all`] on `reader`, with errors and notes naming `source_name`.
pub(super) fn read_named<R: Read, S: LengthSink>(
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
    options.check_tokenizer_options(format)?;
    // Text and NumPy arrays have no fields: a column named for one is a
    // mistake about the file, which reading on would hide.
    let without_fields = match format {
        Format::Text => Some("a plain list of numbers (text)"),
        Format::Npy => Some("a NumPy array"),
        Format::Megatron => Some("a Megatron index"),
        _ => None,
    };
    if let (Some(column), Some(read_as)) = (column, without_fields) {
        return Err(InputErrorKind::ColumnNotApplicable {
            column: column.to_owned(),
            read_as,
        }
        .into());
    }
    if format == Format::Parquet {
        return Err(InputErrorKind::ParquetNeedsAFile.into());
    }
    if options.documents && format != Format::Megatron {
        return Err(InputErrorKind::DocumentsNotApplicable {
            read_as: format.name(),
        }
        .into());
    }
    // JSON Lines told from a `.json` name or the content may be a single
    // JSON document written on one line.
    let jsonl_guessed =
        options.format.is_none() && format_from_extension(source_name) != Some(Format::Jsonl);
    let mut bom_bytes = 0;
    if !matches!(format, Format::Npy | Format::Megatron | Format::Arrow) {
        // A binary `.bin` is most likely the tokens of a Megatron dataset,
        // whose lengths are in its `.idx`.
        // (A character cut at the end of the head is still text.)
        let binary = head.contains(&0)
            || std::str::from_utf8(&head).is_err_and(|error| error.error_len().is_some());
        if binary && source_name.to_ascii_lowercase().ends_with(".bin") {
            return Err(InputErrorKind::MegatronDataFile.into());
        }
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
    if let Some(tokenizer) = &options.tokenizer {
        let rows = TextRows {
            tokenizer,
            text_field: options.text_field.as_deref(),
            sample_rows: options.sample_rows,
        };
        // Only these three are left by the check above.
        match format {
            Format::Json => text_rows::read_text_array(&mut input, &rows, sink, notes)?,
            Format::Arrow => arrow::read_arrow_text(&mut input, &rows, sink, notes)?,
            _ => text_rows::read_text_lines(&mut input, &rows, sink, notes)?,
        }
    }
    match format {
        _ if options.tokenizer.is_some() => {}
        Format::Text => text::read_text(&mut input, sink)?,
        Format::Csv => delimited::read_delimited(&mut input, csv_delimiter, column, sink, notes)?,
        Format::Json => json::read_json(&mut input, column, sink, notes)?,
        // Guessed JSON Lines may turn out to be one JSON document.
        Format::Jsonl => {
            format = jsonl::read_jsonl(&mut input, column, jsonl_guessed, sink, notes)?;
        }
        Format::Npy => npy::read_npy(&mut input, sink)?,
        Format::Megatron => {
            megatron::read_megatron_index(&mut input, options.documents, sink, notes)?
        }
        Format::Arrow => arrow::read_arrow(&mut input, column, sink)?,
        // Refused above: a Parquet file is read from its end.
        Format::Parquet => return Err(InputErrorKind::ParquetNeedsAFile.into()),
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

/// Reads with `read` into a counting sink of its own, then adds what it
/// counted to `counts`, all or nothing: a file that fails to read, or
/// whose counts would overflow, leaves `counts` as it was.
fn counted(
    source_name: &str,
    counts: &mut LengthCounts,
    read: impl FnOnce(&mut Sink) -> Result<Reading, InputError>,
) -> Result<InputStats, InputError> {
    let mut sink = Sink::default();
    let read = read(&mut sink)?;
    let sequences = sink.sequences();
    let fresh = sink
        .into_counts()
        .map_err(|kind| Failure::from(kind).in_source(source_name))?;
    merge_all_or_nothing(counts, &fresh)
        .map_err(|kind| Failure::from(kind).in_source(source_name))?;
    Ok(read.into_stats(sequences))
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
