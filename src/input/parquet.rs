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

use std::fs::File;

use parquet::basic::{Repetition, Type as PhysicalType};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::DataType;
use parquet::errors::ParquetError;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::schema::types::ColumnDescPtr;

use super::columns::{choose_column, Column, Reading};
use super::error::{Failure, InputErrorKind, Location};
use super::sink::LengthSink;

/// Rows read per call: enough that the per-call cost vanishes, few enough
/// that the decoded token ids (which are not kept) stay a few megabytes.
const BATCH_ROWS: usize = 4 * 1024;

/// Reads the lengths of the Parquet file `file` from the column `column`
/// names, or the one chosen as the module docs say.
pub(super) fn read_parquet(
    file: File,
    column: Option<&str>,
    sink: &mut impl LengthSink,
) -> Result<(), Failure> {
    let reader = SerializedFileReader::new(file).map_err(|error| unreadable(&error))?;
    let columns: Vec<ColumnDescPtr> = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .to_vec();
    let (index, reading) = choose_column(&as_columns(&columns), column)?;
    let descr = &columns[index];
    let mut row = 0u64;
    for group in 0..reader.num_row_groups() {
        let row_group = reader
            .get_row_group(group)
            .map_err(|error| unreadable(&error))?;
        let column_reader = row_group
            .get_column_reader(index)
            .map_err(|error| unreadable(&error))?;
        let mut rows = Rows {
            descr,
            reading,
            group: group as u64,
            row: &mut row,
        };
        match column_reader {
            ColumnReader::Int32ColumnReader(reader) => {
                rows.read(reader, sink, |&value| i64::from(value))?
            }
            ColumnReader::Int64ColumnReader(reader) => rows.read(reader, sink, |&value| value)?,
            // choose_column takes integer columns only.
            _ => return Err(not_integers(descr)),
        }
    }
    Ok(())
}

fn unreadable(error: &ParquetError) -> Failure {
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

/// The rows of one row group being read.
struct Rows<'a> {
    descr: &'a ColumnDescPtr,
    reading: Reading,
    group: u64,
    /// The row next read, counted from 0 across the file.
    row: &'a mut u64,
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
        sink: &mut impl LengthSink,
        widen: impl Fn(&T::T) -> i64,
    ) -> Result<(), Failure> {
        let max_def = self.descr.max_def_level();
        // A list element that is optional takes a level of its own: below
        // it, the list's slot exists but the element is null.
        let element_optional =
            self.descr.self_type().get_basic_info().repetition() == Repetition::OPTIONAL;
        let slot_def = max_def - i16::from(element_optional && self.reading == Reading::ListLength);
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
                    self.take_values(&def_levels, max_def, levels, &values, &widen, sink)?
                }
                Reading::ListLength => {
                    self.take_lists(&def_levels, &rep_levels, max_def, slot_def, levels, sink)?;
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
        sink: &mut impl LengthSink,
    ) -> Result<(), Failure> {
        let mut values = values.iter();
        for level in 0..levels {
            let row = *self.row;
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
            sink.add_one(length)
                .map_err(|kind| Failure::new(self.at(row), kind))?;
            *self.row += 1;
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
        sink: &mut impl LengthSink,
    ) -> Result<(), Failure> {
        let mut open: Option<u64> = None;
        for level in 0..levels {
            let def = def_levels.get(level).copied().unwrap_or(max_def);
            if rep_levels.get(level).copied().unwrap_or(0) == 0 {
                if let Some(length) = open.take() {
                    self.finish(length, sink)?;
                }
                open = Some(0);
            }
            let row = *self.row;
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
            self.finish(length, sink)?;
        }
        Ok(())
    }

    fn finish(&mut self, length: u64, sink: &mut impl LengthSink) -> Result<(), Failure> {
        let row = *self.row;
        sink.add_one(length)
            .map_err(|kind| Failure::new(self.at(row), kind))?;
        *self.row += 1;
        Ok(())
    }
}
