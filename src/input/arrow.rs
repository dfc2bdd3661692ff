//! Arrow IPC files, as Hugging Face `datasets` writes them: the
//! `data-*.arrow` shards of a `save_to_disk` folder and its cache files
//! (IPC streams), and Arrow IPC files (`ARROW1`); read with the
//! `arrow-ipc` crate, front to back. An IPC file is its magic, then the
//! stream, then a footer indexing the stream's batches: read as a stream,
//! it needs no seeking, so standard input and the page read it too.
//!
//! The column is chosen by the rule Parquet's reader follows too
//! (`input::columns`): a list of integers, whose row lengths are the
//! differences of its offsets, or an integer column of lengths. A null is
//! an error naming the row.

use std::io::{Cursor, Read};

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_ipc::reader::StreamReader;
use arrow_schema::DataType;

use super::columns::{choose_column, Column, Reading};
use super::error::{Failure, InputErrorKind, Location};
use super::format::ARROW_FILE_MAGIC;
use super::sink::LengthSink;

fn unreadable(error: &impl std::fmt::Display) -> Failure {
    Failure::new(
        Location::Unknown,
        InputErrorKind::ArrowUnreadable {
            message: error.to_string(),
        },
    )
}

/// The magic and padding in front of an Arrow IPC file's stream.
const ARROW_FILE_PREAMBLE_BYTES: usize = 8;

/// Reads the lengths of the Arrow IPC file or stream `input` from the
/// column `column` names, or the one chosen.
pub(super) fn read_arrow(
    mut input: impl Read,
    column: Option<&str>,
    sink: &mut impl LengthSink,
) -> Result<(), Failure> {
    let mut preamble = Vec::with_capacity(ARROW_FILE_PREAMBLE_BYTES);
    (&mut input)
        .take(ARROW_FILE_PREAMBLE_BYTES as u64)
        .read_to_end(&mut preamble)
        .map_err(|error| Failure::io(&error))?;
    // A stream starts with its schema message: the preamble read is part
    // of it, and goes back in front.
    if preamble.starts_with(ARROW_FILE_MAGIC) {
        preamble.clear();
    }
    let batches = StreamReader::try_new(Cursor::new(preamble).chain(input), None)
        .map_err(|error| unreadable(&error))?;
    let mut chosen: Option<(usize, Reading)> = None;
    let mut row = 0u64;
    for batch in batches {
        let batch = batch.map_err(|error| unreadable(&error))?;
        let (index, reading) = match chosen {
            Some(chosen) => chosen,
            None => *chosen.insert(choose_column(&as_columns(&batch), column)?),
        };
        let array = batch.column(index);
        match reading {
            Reading::ListLength => list_lengths(array, &mut row, sink)?,
            Reading::Value => values(array, &mut row, sink)?,
        }
    }
    Ok(())
}

fn describe(data_type: &DataType) -> String {
    format!("{data_type}").to_ascii_lowercase()
}

/// The batch's columns as the rule of [`choose_column`] sees them.
fn as_columns(batch: &RecordBatch) -> Vec<Column> {
    batch
        .schema()
        .fields()
        .iter()
        .map(|field| Column {
            name: field.name().clone(),
            reading: match field.data_type() {
                DataType::List(item) | DataType::LargeList(item)
                    if item.data_type().is_integer() =>
                {
                    Some(Reading::ListLength)
                }
                data_type if data_type.is_integer() => Some(Reading::Value),
                _ => None,
            },
            holds: describe(field.data_type()),
        })
        .collect()
}

fn null_at(row: u64, what: &'static str) -> Failure {
    Failure::new(
        Location::Element(row),
        InputErrorKind::NullInColumn { what },
    )
}

/// Each row's number of list elements, from the offsets.
fn list_lengths(
    array: &ArrayRef,
    row: &mut u64,
    sink: &mut impl LengthSink,
) -> Result<(), Failure> {
    let lengths: Vec<u64> = if let Some(list) = array.as_list_opt::<i32>() {
        list.value_offsets()
            .windows(2)
            .map(|pair| (pair[1] - pair[0]) as u64)
            .collect()
    } else if let Some(list) = array.as_list_opt::<i64>() {
        list.value_offsets()
            .windows(2)
            .map(|pair| (pair[1] - pair[0]) as u64)
            .collect()
    } else {
        return Err(unreadable(&"the chosen column is not a list"));
    };
    for (index, length) in lengths.into_iter().enumerate() {
        if array.is_null(index) {
            return Err(null_at(*row, "list"));
        }
        sink.add_one(length)
            .map_err(|kind| Failure::new(Location::Element(*row), kind))?;
        *row += 1;
    }
    Ok(())
}

/// Each row's value: its length.
fn values(array: &ArrayRef, row: &mut u64, sink: &mut impl LengthSink) -> Result<(), Failure> {
    macro_rules! each {
        ($($kind:ty),*) => {
            $(
                if let Some(values) = array.as_primitive_opt::<$kind>() {
                    for index in 0..values.len() {
                        if values.is_null(index) {
                            return Err(null_at(*row, "length"));
                        }
                        let value = i128::from(values.value(index));
                        let length = u64::try_from(value).map_err(|_| {
                            Failure::new(Location::Element(*row), InputErrorKind::Negative { token: value.to_string() })
                        })?;
                        sink.add_one(length)
                            .map_err(|kind| Failure::new(Location::Element(*row), kind))?;
                        *row += 1;
                    }
                    return Ok(());
                }
            )*
        };
    }
    each!(Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type);
    Err(unreadable(&"the chosen column is not of integers"))
}
