//! What a read could not be sure of.
//!
//! Most files say plainly what their numbers are. A few are read by a
//! rule that the content itself cannot confirm: a table whose length
//! column is only the one column of numbers, arrays that could be token
//! ids or lengths. Such a file is read, and the rule that decided is
//! stated in a note, so that no count differs from what the user meant
//! without Packlab saying so. Anything worse than that is an error.

use std::fmt;

use serde::{Serialize, Serializer};
use thiserror::Error;

use super::error::Location;

/// A file that was read by a rule its content cannot confirm: what was
/// done, where, and what to change if it is not what was meant.
///
/// Displays like an [`InputError`](super::InputError),
/// `<file>:<location>: <what was done>. <what to change>`, e.g.
/// `ids.csv:1: took the column `id` as the sequence lengths: ...`; in JSON
/// it is that text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputNote {
    /// The name of the file (or other source) as the caller gave it.
    pub source_name: String,
    /// Where in the file the rule was applied.
    pub location: Location,
    /// What was done.
    pub kind: InputNoteKind,
}

impl fmt::Display for InputNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location {
            Location::Unknown => write!(f, "{}: {}", self.source_name, self.kind),
            _ => write!(f, "{}:{}: {}", self.source_name, self.location, self.kind),
        }
    }
}

/// The page shows notes as they are printed, so they travel as text.
impl Serialize for InputNote {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// What was done. Each message says the rule that decided, then what to
/// change if the rule guessed wrong.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum InputNoteKind {
    /// A table's length column was chosen only because it is the one
    /// column of whole numbers.
    #[error(
        "took the column `{column}` as the sequence lengths because it is the \
         only column of whole numbers; its name does not say it holds lengths. \
         If it does not, name the length column with --column NAME"
    )]
    OnlyNumericColumn {
        /// The column read as the lengths.
        column: String,
    },
    /// A table with a `count` column, read as a histogram.
    #[error(
        "read the table as a histogram because it has a `{count_column}` column: \
         each row stands for `{count_column}` sequences of `{length_column}` \
         tokens. If `{count_column}` does not count sequences, rename that column"
    )]
    CountColumnHistogram {
        /// The column read as the lengths.
        length_column: String,
        /// The column read as the number of sequences of each length.
        count_column: String,
    },
    /// Several columns are named like lengths; the first in the order of
    /// preference was read.
    #[error(
        "took the column `{taken}` as the sequence lengths, but {} could hold \
         them too. If another column holds the token counts, name it with \
         --column NAME",
        listed(.others)
    )]
    SeveralLengthColumns {
        /// The column read as the lengths.
        taken: String,
        /// The other columns named like lengths.
        others: Vec<String>,
    },
    /// Each row's array in a named field was counted as one sequence's
    /// token ids; arrays of lengths look the same.
    #[error(
        "counted each `{field}` array as the token ids of one sequence \
         ({rows} {}), so a row's length is its number of ids. {}",
        if *.rows == 1 { "row" } else { "rows" },
        token_ids_fix(*.rows)
    )]
    ArraysCountedAsTokenIds {
        /// The field the user named.
        field: String,
        /// How many rows gave their length this way.
        rows: u64,
    },
    /// Two fields that both give a row's length disagree; the preferred
    /// one was read on every row.
    #[error(
        "`{taken}` and `{other}` give different lengths ({taken_length} and \
         {other_length}); `{taken}` was read on every row. If `{other}` holds \
         the token counts, name it with --column {other}"
    )]
    LengthFieldsDisagree {
        /// The field read.
        taken: &'static str,
        /// The other field present.
        other: &'static str,
        /// The length `taken` gives on this row.
        taken_length: u64,
        /// The length `other` gives on this row.
        other_length: u64,
    },
    /// A plain list whose every line holds the same number of numbers, as
    /// the rows of a table without its header do.
    #[error(
        "every line holds {numbers_per_line} numbers, and each was read as a \
         sequence length of its own. If the lines are the rows of a table (such \
         as a length and its count), add a header row naming the columns \
         (e.g. length,count) and read the file as CSV"
    )]
    RowsOfNumbers {
        /// How many numbers each line holds (2 or more).
        numbers_per_line: u64,
    },
    /// A Megatron index with more sequences than documents (sentences
    /// split): one of the two was counted.
    #[error(
        "the index holds {sequences} sequences in {documents} documents; counted {}. {}",
        if *.counted_documents { "each document, its sequences joined" } else { "each sequence" },
        if *.counted_documents {
            "Leave --documents out to count each sequence"
        } else {
            "With --documents each document counts as one, its sequences joined (what Megatron's GPT dataset concatenates)"
        }
    )]
    MegatronSequencesOrDocuments {
        /// Sequences in the index.
        sequences: u64,
        /// Documents in the index.
        documents: u64,
        /// Whether documents were counted.
        counted_documents: bool,
    },
    /// Only a sample of the rows was tokenized, and the lengths of all
    /// rows estimated from it.
    #[error(
        "estimated from a sample of {sampled} of {rows} rows: each sampled \
         row's length stands for about {} rows, so the counts are an estimate. \
         Leave --sample out to tokenize every row",
        .rows.div_ceil(*.sampled)
    )]
    EstimatedFromSample {
        /// Rows tokenized.
        sampled: u64,
        /// Rows in the file.
        rows: u64,
    },
}

/// `a`, `a` and `b`, `a`, `b` and `c`: backquoted.
fn listed(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    match quoted.split_last() {
        None => "no other column".to_owned(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// What to do when the arrays held lengths: a single row is most likely a
/// whole JSON document, several rows have no per-row reading of lengths.
fn token_ids_fix(rows: u64) -> &'static str {
    if rows == 1 {
        "If the array holds sequence lengths, read the file as one JSON \
         document (--format json)"
    } else {
        "If the arrays hold sequence lengths, write them as one JSON array \
         [12, 40, 7] or one length per line"
    }
}

/// A note found by one of the format readers, before the file's name is
/// attached to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PendingNote {
    pub(crate) location: Location,
    pub(crate) kind: InputNoteKind,
}

impl PendingNote {
    pub(crate) fn new(location: Location, kind: InputNoteKind) -> Self {
        PendingNote { location, kind }
    }

    /// The note a user sees: this one, in the source named `source_name`.
    pub(crate) fn in_source(self, source_name: &str) -> InputNote {
        InputNote {
            source_name: source_name.to_owned(),
            location: self.location,
            kind: self.kind,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_columns_are_listed_in_words() {
        assert_eq!(listed(&[]), "no other column");
        assert_eq!(listed(&["a".into()]), "`a`");
        assert_eq!(
            listed(&["a".into(), "b".into(), "c".into()]),
            "`a`, `b` and `c`"
        );
    }

    #[test]
    fn a_note_reads_like_an_error_and_serialises_as_that_text() {
        let note = PendingNote::new(
            Location::Line(1),
            InputNoteKind::OnlyNumericColumn {
                column: "id".into(),
            },
        )
        .in_source("ids.csv");
        let text = note.to_string();
        assert!(
            text.starts_with("ids.csv:1: took the column `id`"),
            "{text}"
        );
        assert_eq!(
            serde_json::to_value(&note).unwrap(),
            serde_json::Value::String(text)
        );
    }
}
