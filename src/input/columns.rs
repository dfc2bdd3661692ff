//! Which column of a columnar file (Parquet, Arrow) holds the lengths:
//! one rule for both readers.
//!
//! Named with `--column`, that column, if it holds token ids (a list of
//! integers) or lengths (integers). Otherwise the only list of integers,
//! or `input_ids` among several, or else an integer column named like a
//! length (`length`, `num_tokens`, … as in CSV).

use super::delimited::LENGTH_COLUMN_NAMES;
use super::error::{Failure, InputErrorKind, Location};

/// How a column gives a row's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reading {
    /// Its number of list elements (token ids).
    ListLength,
    /// Its value.
    Value,
}

/// A top-level column as a reader sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Column {
    /// Its name.
    pub(super) name: String,
    /// How it gives lengths, if it does.
    pub(super) reading: Option<Reading>,
    /// What it holds, in words, for an error: `a list of int64`, `utf8`.
    pub(super) holds: String,
}

/// The index in `columns` of the column to read, and how.
pub(super) fn choose_column(
    columns: &[Column],
    named: Option<&str>,
) -> Result<(usize, Reading), Failure> {
    if let Some(named) = named {
        let index = columns
            .iter()
            .position(|column| column.name.eq_ignore_ascii_case(named))
            .ok_or_else(|| {
                Failure::new(
                    Location::Unknown,
                    InputErrorKind::NoSuchColumn {
                        column: named.to_owned(),
                        columns: names(columns),
                    },
                )
            })?;
        let column = &columns[index];
        let reading = column.reading.ok_or_else(|| {
            Failure::new(
                Location::Field(column.name.clone()),
                InputErrorKind::ColumnNotLengths {
                    column: column.name.clone(),
                    found: column.holds.clone(),
                },
            )
        })?;
        return Ok((index, reading));
    }
    let lists: Vec<usize> = (0..columns.len())
        .filter(|&index| columns[index].reading == Some(Reading::ListLength))
        .collect();
    let chosen = match lists.as_slice() {
        [only] => Some((*only, Reading::ListLength)),
        [] => columns
            .iter()
            .position(|column| {
                column.reading == Some(Reading::Value)
                    && LENGTH_COLUMN_NAMES
                        .iter()
                        .any(|known| known.eq_ignore_ascii_case(&column.name))
            })
            .map(|index| (index, Reading::Value)),
        several => several
            .iter()
            .find(|&&index| columns[index].name == "input_ids")
            .map(|&index| (index, Reading::ListLength)),
    };
    chosen.ok_or_else(|| {
        Failure::new(
            Location::Unknown,
            InputErrorKind::NoTokenColumn {
                lists: lists
                    .iter()
                    .map(|&index| columns[index].name.clone())
                    .collect(),
                columns: names(columns),
            },
        )
    })
}

fn names(columns: &[Column]) -> Vec<String> {
    columns.iter().map(|column| column.name.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, reading: Option<Reading>) -> Column {
        Column {
            name: name.to_owned(),
            reading,
            holds: "utf8".to_owned(),
        }
    }

    #[test]
    fn the_only_list_then_input_ids_then_a_length_name() {
        let ids = column("input_ids", Some(Reading::ListLength));
        let labels = column("labels", Some(Reading::ListLength));
        let text = column("text", None);
        let tokens = column("num_tokens", Some(Reading::Value));
        let id = column("id", Some(Reading::Value));
        assert_eq!(
            choose_column(&[text.clone(), labels.clone()], None).unwrap(),
            (1, Reading::ListLength)
        );
        assert_eq!(
            choose_column(&[labels.clone(), ids.clone()], None).unwrap(),
            (1, Reading::ListLength)
        );
        assert_eq!(
            choose_column(&[id.clone(), tokens.clone()], None).unwrap(),
            (1, Reading::Value)
        );
        assert_eq!(
            choose_column(&[ids, labels.clone()], Some("LABELS")).unwrap(),
            (1, Reading::ListLength)
        );
        let refused = |columns: &[Column], named| choose_column(columns, named).unwrap_err().kind;
        assert!(matches!(
            refused(&[id.clone(), text.clone()], None),
            InputErrorKind::NoTokenColumn { .. }
        ));
        assert!(matches!(
            refused(
                &[
                    labels.clone(),
                    column("attention_mask", Some(Reading::ListLength))
                ],
                None
            ),
            InputErrorKind::NoTokenColumn { .. }
        ));
        assert!(matches!(
            refused(std::slice::from_ref(&text), Some("text")),
            InputErrorKind::ColumnNotLengths { .. }
        ));
        assert!(matches!(
            refused(&[text], Some("missing")),
            InputErrorKind::NoSuchColumn { .. }
        ));
    }
}
