//! Reading a whole file: its format told or given, its head checked, and
//! the reader of that format fed through one buffer.

use std::io::{self, BufReader, Cursor, Read};

use serde::Serialize;

use super::error::{Failure, InputError, InputErrorKind, Location};
use super::format::{
    check_text_encoding, detect_format, format_from_extension, unsupported_container, Format,
    HEAD_BYTES, UTF8_BOM,
};
use super::note::{InputNote, InputNoteKind, PendingNote};
use super::sink::{LengthSink, Sink};
use super::{delimited, json, jsonl, megatron, npy, text};
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
    let name = path.display().to_string();
    let mut sink = Sink::default();
    let read = read_path(path, options, &mut sink)?;
    let sequences = sink.sequences();
    let fresh = sink
        .into_counts()
        .map_err(|kind| Failure::from(kind).in_source(&name))?;
    merge_all_or_nothing(counts, &fresh).map_err(|kind| Failure::from(kind).in_source(&name))?;
    Ok(read.into_stats(sequences))
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
/// sorted by name.
#[cfg(not(target_arch = "wasm32"))]
fn shards(folder: &std::path::Path) -> Result<Vec<std::path::PathBuf>, InputError> {
    let name = folder.display().to_string();
    let fail = |kind: InputErrorKind| Failure::from(kind).in_source(&name);
    let state = folder.join("state.json");
    if let Ok(text) = std::fs::read_to_string(&state) {
        let listed: Option<Vec<std::path::PathBuf>> =
            serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|value| {
                    value
                        .get("_data_files")?
                        .as_array()?
                        .iter()
                        .map(|file| Some(folder.join(file.get("filename")?.as_str()?)))
                        .collect()
                });
        return listed.ok_or_else(|| {
            fail(InputErrorKind::FolderUnreadable {
                problem: "its state.json does not list the shards (`_data_files`)".to_owned(),
            })
        });
    }
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(folder)
        .map_err(|error| {
            fail(InputErrorKind::CannotOpen {
                message: error.to_string(),
            })
        })?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            let name = path.display().to_string();
            matches!(
                format_from_extension(&name),
                Some(Format::Arrow | Format::Parquet)
            )
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(fail(InputErrorKind::FolderUnreadable {
            problem: "it holds no state.json, .arrow or .parquet files".to_owned(),
        }));
    }
    Ok(files)
}

/// One file of [`read_path`].
#[cfg(not(target_arch = "wasm32"))]
fn read_one_path<S: LengthSink>(
    path: &std::path::Path,
    options: &ReadOptions,
    sink: &mut S,
) -> Result<Reading, InputError> {
    use super::arrow::ARROW_FILE_MAGIC;
    use super::format::PARQUET_MAGIC;
    use std::io::{Seek, SeekFrom};
    let name = path.display().to_string();
    let fail = |failure: Failure| failure.in_source(&name);
    let mut file = std::fs::File::open(path).map_err(|error| {
        fail(
            InputErrorKind::CannotOpen {
                message: error.to_string(),
            }
            .into(),
        )
    })?;
    let mut magic = Vec::with_capacity(ARROW_FILE_MAGIC.len());
    (&mut file)
        .take(ARROW_FILE_MAGIC.len() as u64)
        .read_to_end(&mut magic)
        .and_then(|_| file.seek(SeekFrom::Start(0)))
        .map_err(|error| fail(Failure::io(&error)))?;
    let format = match options.format {
        Some(format) => format,
        None if magic.starts_with(PARQUET_MAGIC) => Format::Parquet,
        None if magic.starts_with(ARROW_FILE_MAGIC) => Format::Arrow,
        None => format_from_extension(&name).unwrap_or(Format::Text),
    };
    if !matches!(format, Format::Parquet | Format::Arrow) {
        return read_named(&name, file, options, sink);
    }
    if options.documents {
        return Err(fail(
            InputErrorKind::DocumentsNotApplicable {
                read_as: format.name(),
            }
            .into(),
        ));
    }
    let bytes = file.metadata().map_or(0, |metadata| metadata.len());
    let before = sink.sequences();
    let column = options.column.as_deref();
    match format {
        Format::Parquet => super::parquet::read_parquet(file, column, sink),
        _ => super::arrow::read_arrow(file, magic.starts_with(ARROW_FILE_MAGIC), column, sink),
    }
    .map_err(fail)?;
    if sink.sequences() == before {
        return Err(fail(InputErrorKind::Empty.into()));
    }
    Ok(Reading {
        format,
        bytes,
        notes: Vec::new(),
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
    if matches!(format, Format::Parquet | Format::Arrow) {
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
    if !matches!(format, Format::Npy | Format::Megatron) {
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
    match format {
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
        // Refused above: Parquet and Arrow files are read from their path.
        Format::Parquet | Format::Arrow => return Err(InputErrorKind::ParquetNeedsAFile.into()),
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
