//! Parquet files, as the Hugging Face Hub stores datasets and pyarrow or
//! `datasets.Dataset.to_parquet` write them: read with the `parquet`
//! crate, natively (the command line).
//!
//! The lengths come from one column:
//! - a list of integers (`input_ids`, `labels`, …): each row's length is
//!   its number of elements, counted from the column's repetition and
//!   definition levels (the token values are decoded by the reader but
//!   never kept);
//! - or an integer column of lengths.
//!
//! The column is chosen by the rule Arrow's reader follows too
//! (`input::columns`). A null list, a null element or a null length is an
//! error naming the row; an empty list is a sequence of no tokens, refused
//! like a length of 0.

use std::io::{Chain, Read};
use std::sync::{Arc, Mutex};

use bytes::buf::Reader;
use bytes::{Buf, Bytes};
use parquet::basic::{Repetition, Type as PhysicalType};
use parquet::column::reader::{get_column_reader, ColumnReader, ColumnReaderImpl};
use parquet::data_type::DataType;
use parquet::errors::ParquetError;
use parquet::file::metadata::{ParquetMetaDataReader, RowGroupMetaData};
use parquet::file::reader::{ChunkReader, FileReader, Length};
use parquet::file::serialized_reader::{SerializedFileReader, SerializedPageReader};
use parquet::schema::types::{ColumnDescPtr, Type as SchemaType};

use super::columns::{choose_column, Column, Reading};
use super::error::{Failure, InputErrorKind, Location};
use super::note::PendingNote;
#[cfg(not(target_arch = "wasm32"))]
use super::parquet_levels::{join_pages, page_share};
use super::parquet_levels::{list_lengths_from_levels, ListLevels};
use super::random_access::{RandomAccessFile, SequentialReader};
use super::sink::LengthSink;
use super::text_rows::{read_text_records, Place, TextRows};

/// Rows read per call: enough that the per-call cost vanishes, few enough
/// that the decoded token ids (which are not kept) stay a few megabytes.
const BATCH_ROWS: usize = 4 * 1024;

/// Row groups read at a time, per thread: a bound on the lengths held
/// before they reach the sink in file order.
const GROUPS_PER_THREAD_AT_A_TIME: usize = 4;

/// Reads the lengths of the Parquet file `file` from the column `column`
/// names, or the one chosen as the module docs say. Row groups are read
/// on every core natively, and their lengths reach `sink` in file order.
pub(super) fn read_parquet<A: RandomAccessFile + 'static>(
    file: Arc<A>,
    column: Option<&str>,
    sink: &mut impl LengthSink,
) -> Result<(), Failure> {
    let size = file.size().map_err(|error| Failure::io(&error))?;
    let chunks = Arc::new(Chunks { file, size });
    let metadata = ParquetMetaDataReader::new()
        .parse_and_finish(chunks.as_ref())
        .map_err(|error| unreadable(&error))?;
    let columns: Vec<ColumnDescPtr> = metadata.file_metadata().schema_descr().columns().to_vec();
    let (index, reading) = choose_column(&as_columns(&columns), column)?;
    let descr = &columns[index];
    let groups = metadata.row_groups();
    let mut first_rows = Vec::with_capacity(groups.len());
    let mut rows = 0u64;
    for group in groups {
        first_rows.push(rows);
        rows += u64::try_from(group.num_rows()).unwrap_or(0);
    }
    let column = ColumnChunks {
        chunks: &chunks,
        descr,
        index,
        reading,
    };
    let threads = worker_threads();
    let mut next = 0;
    while next < groups.len() {
        let wave = (next..groups.len()).take(threads * GROUPS_PER_THREAD_AT_A_TIME);
        let wave: Vec<usize> = wave.collect();
        for (group, lengths) in
            wave.iter()
                .zip(column.lengths_of(groups, &first_rows, &wave, threads))
        {
            let first_row = first_rows[*group];
            for (offset, length) in lengths?.into_iter().enumerate() {
                let at = Location::Row {
                    group: *group as u64,
                    row: first_row + offset as u64,
                };
                sink.add_one(length)
                    .map_err(|kind| Failure::new(at, kind))?;
            }
        }
        next += wave.len();
    }
    Ok(())
}

/// Reads a Parquet file whose rows hold text (a string column) or
/// conversations (a list of `{role, content}` structs), each row counted
/// with the tokenizer of `rows`: the column `rows` names, else `text`,
/// else `messages`. Only that column is read.
pub(super) fn read_parquet_text<A: RandomAccessFile + 'static>(
    file: Arc<A>,
    rows: &TextRows<'_>,
    sink: &mut impl LengthSink,
    notes: &mut Vec<PendingNote>,
) -> Result<(), Failure> {
    let size = file.size().map_err(|error| Failure::io(&error))?;
    let reader =
        SerializedFileReader::new(Chunks { file, size }).map_err(|error| unreadable(&error))?;
    let metadata = reader.metadata();
    let root = metadata.file_metadata().schema_descr().root_schema();
    let fields = root.get_fields();
    let index = rows.text_column(fields.iter().map(|field| field.name()))?;
    // `text_column` found `index` among these same fields.
    let field = &fields[index];
    let projection = SchemaType::group_type_builder(root.name())
        .with_fields(vec![field.clone()])
        .build()
        .map_err(|error| unreadable(&error))?;
    let mut first_rows = Vec::with_capacity(metadata.num_row_groups());
    let mut total = 0u64;
    for group in metadata.row_groups() {
        first_rows.push(total);
        total += u64::try_from(group.num_rows()).unwrap_or(0);
    }
    let records = reader
        .get_row_iter(Some(projection))
        .map_err(|error| unreadable(&error))?
        .zip(0u64..)
        .map(|(record, row)| {
            let group = first_rows
                .partition_point(|&first| first <= row)
                .saturating_sub(1);
            let place = Place::Row {
                group: group as u64,
                row,
            };
            let record =
                record.map_err(|error| Failure::new(place.location(), unreadable(&error).kind))?;
            Ok((place, record.to_json_value()))
        });
    read_text_records(records, rows, sink, notes)
}

/// How many threads read: every core natively (sharing row groups, or
/// the pages of a lone one), one in the page (a browser worker has one
/// thread).
fn worker_threads() -> usize {
    #[cfg(not(target_arch = "wasm32"))]
    let cores = std::thread::available_parallelism().map_or(1, |cores| cores.get());
    #[cfg(target_arch = "wasm32")]
    let cores = 1;
    cores
}

/// The file as the `parquet` crate reads it: page headers through a small
/// sequential reader, page bodies read whole.
struct Chunks<A> {
    file: Arc<A>,
    size: u64,
}

/// Bytes read at a time for a page header (a few hundred bytes, more with
/// statistics).
const HEADER_READ_BYTES: usize = 16 * 1024;

impl<A: RandomAccessFile> Length for Chunks<A> {
    fn len(&self) -> u64 {
        self.size
    }
}

impl<A: RandomAccessFile + 'static> ChunkReader for Chunks<A> {
    type T = SequentialReader<A>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        Ok(SequentialReader::with_chunk_bytes(
            self.file.clone(),
            start,
            self.size,
            HEADER_READ_BYTES,
        ))
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        let mut buffer = vec![0; length];
        self.file
            .read_exact_at(start, &mut buffer)
            .map_err(|error| ParquetError::External(Box::new(error)))?;
        Ok(buffer.into())
    }
}

/// Bytes read at a time from one column chunk: the page headers and pages
/// inside are then served from memory. In the page, a file is read through
/// the browser, where each read costs about a millisecond however small:
/// read a megabyte at a time, a file goes at about 300 MB/s there, 64 MB at
/// a time at about 1 GB/s (`docs/performance.md`); one worker reads, so
/// one window is held. Natively a read costs a system call, and each
/// thread holds a window of its own: a few megabytes are enough.
#[cfg(target_arch = "wasm32")]
const WINDOW_BYTES: usize = 64 * 1024 * 1024;
#[cfg(not(target_arch = "wasm32"))]
const WINDOW_BYTES: usize = 8 * 1024 * 1024;

/// One column chunk of a row group, read through a window of
/// [`WINDOW_BYTES`] that never reaches past the chunk's end (so another
/// column's bytes are not read), for the page reader's many small reads.
/// Offsets are the file's, as the page reader asks for them.
struct WindowedChunk<A> {
    file: Arc<A>,
    /// The file's size.
    size: u64,
    /// Where the column chunk ends.
    end: u64,
    /// The bytes read last, and where they start.
    window: Mutex<(u64, Bytes)>,
}

impl<A: RandomAccessFile> WindowedChunk<A> {
    fn new(file: Arc<A>, size: u64, (start, length): (u64, u64)) -> Self {
        WindowedChunk {
            file,
            size,
            end: start.saturating_add(length).min(size),
            window: Mutex::new((start, Bytes::new())),
        }
    }

    /// The bytes from `start` to the window's end, holding at least
    /// `wanted` bytes where the chunk (or the file) has them.
    fn from(&self, start: u64, wanted: usize) -> std::io::Result<Bytes> {
        let mut window = self
            .window
            .lock()
            .map_err(|_| std::io::Error::other("a Parquet reader thread failed"))?;
        let (window_start, bytes) = &*window;
        let window_end = window_start + bytes.len() as u64;
        let limit = if start < self.end {
            self.end
        } else {
            self.size
        };
        let wanted_end = start.saturating_add(wanted as u64).min(limit);
        if start >= *window_start && wanted_end <= window_end && start < window_end {
            return Ok(bytes.slice((start - window_start) as usize..));
        }
        let read_end = start
            .saturating_add(wanted.max(WINDOW_BYTES) as u64)
            .min(limit)
            .max(wanted_end);
        let mut buffer = vec![0; usize::try_from(read_end - start).map_err(std::io::Error::other)?];
        self.file.read_exact_at(start, &mut buffer)?;
        let bytes = Bytes::from(buffer);
        *window = (start, bytes.clone());
        Ok(bytes)
    }
}

impl<A: RandomAccessFile> Length for WindowedChunk<A> {
    fn len(&self) -> u64 {
        self.size
    }
}

impl<A: RandomAccessFile + 'static> ChunkReader for WindowedChunk<A> {
    type T = Chain<Reader<Bytes>, SequentialReader<A>>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        let bytes = self
            .from(start, HEADER_READ_BYTES)
            .map_err(|error| ParquetError::External(Box::new(error)))?;
        // A header past the window's end is read on from the file.
        let after = start + bytes.len() as u64;
        Ok(bytes.reader().chain(SequentialReader::with_chunk_bytes(
            self.file.clone(),
            after,
            self.size,
            HEADER_READ_BYTES,
        )))
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        let bytes = self
            .from(start, length)
            .map_err(|error| ParquetError::External(Box::new(error)))?;
        if bytes.len() < length {
            return Err(ParquetError::EOF(format!(
                "{length} bytes wanted at byte {start}, the file ends first"
            )));
        }
        Ok(bytes.slice(..length))
    }
}

/// The chosen column of every row group.
struct ColumnChunks<'a, A> {
    chunks: &'a Arc<Chunks<A>>,
    descr: &'a ColumnDescPtr,
    index: usize,
    reading: Reading,
}

impl<A: RandomAccessFile + 'static> ColumnChunks<'_, A> {
    /// The lengths of each row group of `wave`, in its order, read by
    /// `threads` threads.
    fn lengths_of(
        &self,
        groups: &[RowGroupMetaData],
        first_rows: &[u64],
        wave: &[usize],
        threads: usize,
    ) -> Vec<Result<Vec<u64>, Failure>> {
        let one = |group: usize| self.group_lengths(&groups[group], group, first_rows[group]);
        if threads <= 1 || wave.is_empty() {
            return wave.iter().map(|&group| one(group)).collect();
        }
        // One row group (a file of one, or the last of a wave): its pages
        // are shared among the threads instead.
        #[cfg(not(target_arch = "wasm32"))]
        if let [group] = wave {
            let by_pages = self.group_lengths_by_pages(&groups[*group], threads);
            return vec![by_pages.unwrap_or_else(|| one(*group))];
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            // Thread `t` reads groups `t`, `t + threads`, … of the wave.
            let mut results: Vec<Option<Result<Vec<u64>, Failure>>> = Vec::new();
            results.resize_with(wave.len(), || None);
            std::thread::scope(|scope| {
                let handles: Vec<_> = (0..threads)
                    .map(|thread| {
                        let one = &one;
                        scope.spawn(move || {
                            wave.iter()
                                .enumerate()
                                .skip(thread)
                                .step_by(threads)
                                .map(|(slot, &group)| (slot, one(group)))
                                .collect::<Vec<_>>()
                        })
                    })
                    .collect();
                for handle in handles {
                    // A thread that panicked is a bug, reported as a read
                    // failure rather than passed on.
                    if let Ok(read) = handle.join() {
                        for (slot, lengths) in read {
                            results[slot] = Some(lengths);
                        }
                    }
                }
            });
            results
                .into_iter()
                .map(|lengths| {
                    lengths.unwrap_or_else(|| Err(unreadable(&"a reading thread stopped")))
                })
                .collect()
        }
        #[cfg(target_arch = "wasm32")]
        wave.iter().map(|&group| one(group)).collect()
    }

    /// The lengths of one row group's list column, its data pages shared
    /// among `threads` threads, each skipping the others' pages unread
    /// (pages are compressed one by one, so each thread decompresses only
    /// its own). `None` where this does not apply or fails: the row group
    /// is then read whole, by one thread, which also names the row of any
    /// error.
    #[cfg(not(target_arch = "wasm32"))]
    fn group_lengths_by_pages(
        &self,
        metadata: &RowGroupMetaData,
        threads: usize,
    ) -> Option<Result<Vec<u64>, Failure>> {
        if self.reading != Reading::ListLength || self.descr.max_rep_level() != 1 {
            return None;
        }
        let levels = list_levels(self.descr);
        let rows_in_group = usize::try_from(metadata.num_rows()).unwrap_or(0);
        let shares = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|part| {
                    scope.spawn(move || {
                        // Headers and pages are read where they are: the
                        // other threads' pages are never read.
                        let mut pages = SerializedPageReader::new(
                            self.chunks.clone(),
                            metadata.column(self.index),
                            rows_in_group,
                            None,
                        )
                        .map_err(|error| unreadable(&error))?;
                        page_share(&mut pages, levels, part, threads)
                    })
                })
                .collect();
            let mut pages = Vec::new();
            for handle in handles {
                match handle.join() {
                    Ok(Ok(Some(share))) => pages.extend(share),
                    _ => return None,
                }
            }
            Some(pages)
        })?;
        let mut shares = shares;
        shares.sort_unstable_by_key(|&(index, _)| index);
        if shares
            .iter()
            .enumerate()
            .any(|(at, &(index, _))| at != index)
        {
            return None;
        }
        match join_pages(shares.into_iter().map(|(_, rows)| rows)) {
            Ok(lengths) if lengths.len() == rows_in_group => Some(Ok(lengths)),
            _ => None,
        }
    }

    /// The lengths of one row group's rows.
    fn group_lengths(
        &self,
        metadata: &RowGroupMetaData,
        group: usize,
        first_row: u64,
    ) -> Result<Vec<u64>, Failure> {
        let rows_in_group = usize::try_from(metadata.num_rows()).unwrap_or(0);
        let column = Arc::new(WindowedChunk::new(
            self.chunks.file.clone(),
            self.chunks.size,
            metadata.column(self.index).byte_range(),
        ));
        let pages = || {
            SerializedPageReader::new(
                column.clone(),
                metadata.column(self.index),
                rows_in_group,
                None,
            )
            .map_err(|error| unreadable(&error))
        };
        if self.reading == Reading::ListLength && self.descr.max_rep_level() == 1 {
            let levels = list_levels(self.descr);
            if let Some(lengths) = list_lengths_from_levels(
                &mut pages()?,
                levels,
                group as u64,
                first_row,
                rows_in_group,
            )? {
                return Ok(lengths);
            }
        }
        let pages =
            SerializedPageReader::new(column, metadata.column(self.index), rows_in_group, None)
                .map_err(|error| unreadable(&error))?;
        let mut rows = Rows {
            descr: self.descr,
            reading: self.reading,
            group: group as u64,
            row: first_row,
            lengths: Vec::with_capacity(rows_in_group),
        };
        match get_column_reader(self.descr.clone(), Box::new(pages)) {
            ColumnReader::Int32ColumnReader(reader) => {
                rows.read(reader, |&value| i64::from(value))?
            }
            ColumnReader::Int64ColumnReader(reader) => rows.read(reader, |&value| value)?,
            // choose_column takes integer columns only.
            _ => return Err(not_integers(self.descr)),
        }
        Ok(rows.lengths)
    }
}

fn unreadable(error: &impl std::fmt::Display) -> Failure {
    Failure::new(
        Location::Unknown,
        InputErrorKind::ParquetUnreadable {
            message: error.to_string(),
        },
    )
}

/// The top-level field a leaf column belongs to: `input_ids` for
/// `input_ids.list.element`.
fn field_name(descr: &ColumnDescPtr) -> String {
    descr
        .path()
        .parts()
        .first()
        .cloned()
        .unwrap_or_else(|| descr.name().to_owned())
}

fn is_integer(descr: &ColumnDescPtr) -> bool {
    matches!(
        descr.physical_type(),
        PhysicalType::INT32 | PhysicalType::INT64
    )
}

fn not_integers(descr: &ColumnDescPtr) -> Failure {
    Failure::new(
        Location::Field(field_name(descr)),
        InputErrorKind::ColumnNotLengths {
            column: field_name(descr),
            found: describe(descr),
        },
    )
}

/// What a column holds, in words.
fn describe(descr: &ColumnDescPtr) -> String {
    let kind = format!("{:?}", descr.physical_type()).to_ascii_lowercase();
    match descr.max_rep_level() {
        0 => kind,
        1 => format!("a list of {kind}"),
        _ => format!("nested lists of {kind}"),
    }
}

/// The file's leaf `columns` as the rule of [`choose_column`] sees them.
fn as_columns(columns: &[ColumnDescPtr]) -> Vec<Column> {
    columns
        .iter()
        .map(|descr| Column {
            name: field_name(descr),
            reading: match (descr.max_rep_level(), is_integer(descr)) {
                (1, true) => Some(Reading::ListLength),
                (0, true) => Some(Reading::Value),
                _ => None,
            },
            holds: describe(descr),
        })
        .collect()
}

/// How the levels of a list column mark its rows.
fn list_levels(descr: &ColumnDescPtr) -> ListLevels {
    let max_def = descr.max_def_level();
    // A list element that is optional takes a level of its own: below it,
    // the list's slot exists but the element is null.
    let element_optional = descr.self_type().get_basic_info().repetition() == Repetition::OPTIONAL;
    ListLevels {
        max_def,
        slot_def: max_def - i16::from(element_optional),
    }
}

/// The rows of one row group being read.
struct Rows<'a> {
    descr: &'a ColumnDescPtr,
    reading: Reading,
    group: u64,
    /// The row next read, counted from 0 across the file.
    row: u64,
    /// The lengths read, in row order.
    lengths: Vec<u64>,
}

impl Rows<'_> {
    fn at(&self, row: u64) -> Location {
        Location::Row {
            group: self.group,
            row,
        }
    }

    /// Reads the row group's rows through `reader`, each value made an
    /// `i64` by `widen`.
    fn read<T: DataType>(
        &mut self,
        mut reader: ColumnReaderImpl<T>,
        widen: impl Fn(&T::T) -> i64,
    ) -> Result<(), Failure> {
        let ListLevels { max_def, slot_def } = list_levels(self.descr);
        let mut def_levels: Vec<i16> = Vec::new();
        let mut rep_levels: Vec<i16> = Vec::new();
        let mut values: Vec<T::T> = Vec::new();
        loop {
            def_levels.clear();
            rep_levels.clear();
            values.clear();
            let (records, _, levels) = reader
                .read_records(
                    BATCH_ROWS,
                    Some(&mut def_levels),
                    Some(&mut rep_levels),
                    &mut values,
                )
                .map_err(|error| unreadable(&error))?;
            if records == 0 {
                return Ok(());
            }
            match self.reading {
                Reading::Value => {
                    self.take_values(&def_levels, max_def, levels, &values, &widen)?
                }
                Reading::ListLength => {
                    self.take_lists(&def_levels, &rep_levels, max_def, slot_def, levels)?;
                }
            }
        }
    }

    /// Each level a row: its value is its length.
    fn take_values<V>(
        &mut self,
        def_levels: &[i16],
        max_def: i16,
        levels: usize,
        values: &[V],
        widen: &impl Fn(&V) -> i64,
    ) -> Result<(), Failure> {
        let mut values = values.iter();
        for level in 0..levels {
            let row = self.row;
            let present = max_def == 0 || def_levels.get(level) == Some(&max_def);
            let value = values.next().filter(|_| present).ok_or_else(|| {
                Failure::new(
                    self.at(row),
                    InputErrorKind::NullInColumn { what: "length" },
                )
            })?;
            let length = u64::try_from(widen(value)).map_err(|_| {
                Failure::new(
                    self.at(row),
                    InputErrorKind::Negative {
                        token: widen(value).to_string(),
                    },
                )
            })?;
            self.lengths.push(length);
            self.row += 1;
        }
        Ok(())
    }

    /// Levels grouped into rows by the repetition level: a row's length is
    /// its number of elements.
    fn take_lists(
        &mut self,
        def_levels: &[i16],
        rep_levels: &[i16],
        max_def: i16,
        slot_def: i16,
        levels: usize,
    ) -> Result<(), Failure> {
        let mut open: Option<u64> = None;
        for level in 0..levels {
            let def = def_levels.get(level).copied().unwrap_or(max_def);
            if rep_levels.get(level).copied().unwrap_or(0) == 0 {
                if let Some(length) = open.take() {
                    self.finish(length);
                }
                open = Some(0);
            }
            let row = self.row;
            let count = open.get_or_insert(0);
            if def == max_def {
                *count += 1;
            } else if def >= slot_def {
                return Err(Failure::new(
                    self.at(row),
                    InputErrorKind::NullInColumn {
                        what: "element of the list",
                    },
                ));
            } else if def < slot_def - 1 {
                return Err(Failure::new(
                    self.at(row),
                    InputErrorKind::NullInColumn { what: "list" },
                ));
            }
            // `def == slot_def - 1`: an empty list, a row of no tokens.
        }
        if let Some(length) = open {
            self.finish(length);
        }
        Ok(())
    }

    fn finish(&mut self, length: u64) {
        self.lengths.push(length);
        self.row += 1;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    /// A file in memory that records the furthest byte read.
    struct Recorded {
        bytes: Vec<u8>,
        furthest: AtomicU64,
    }

    impl RandomAccessFile for Recorded {
        fn size(&self) -> std::io::Result<u64> {
            Ok(self.bytes.len() as u64)
        }

        fn read_exact_at(&self, start: u64, buffer: &mut [u8]) -> std::io::Result<()> {
            let start = usize::try_from(start).map_err(std::io::Error::other)?;
            let bytes = self
                .bytes
                .get(start..start + buffer.len())
                .ok_or(std::io::ErrorKind::UnexpectedEof)?;
            buffer.copy_from_slice(bytes);
            self.furthest
                .fetch_max((start + buffer.len()) as u64, Ordering::Relaxed);
            Ok(())
        }
    }

    #[test]
    fn a_windowed_chunk_serves_any_read_and_stays_inside_its_chunk() {
        let bytes: Vec<u8> = (0..100_000u32).map(|at| (at % 251) as u8).collect();
        let file = Arc::new(Recorded {
            bytes: bytes.clone(),
            furthest: AtomicU64::new(0),
        });
        let chunk = WindowedChunk::new(file.clone(), bytes.len() as u64, (1_000, 50_000));
        // Pages and headers in the order a page reader asks for them,
        // then back to the start.
        for (start, length) in [(1_000, 300), (1_300, 20_000), (21_300, 28_000), (1_000, 10)] {
            let got = chunk.get_bytes(start, length).expect("inside the chunk");
            assert_eq!(
                got.as_ref(),
                &bytes[start as usize..start as usize + length]
            );
        }
        assert_eq!(
            file.furthest.load(Ordering::Relaxed),
            51_000,
            "no byte past the chunk"
        );
        // A header read runs on into the file past the chunk.
        let mut header = Vec::new();
        chunk
            .get_read(50_990)
            .expect("a reader")
            .take(30)
            .read_to_end(&mut header)
            .expect("read");
        assert_eq!(header, bytes[50_990..51_020]);
        // Past the file's end is an error, not a short page.
        assert!(chunk.get_bytes(99_990, 20).is_err());
    }
}
