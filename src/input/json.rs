//! One JSON document: `[12, 40, 7]`, `{"max_len": 512, "counts": [...]}`
//! or `{"17": 120, "18": 95}`; with a field named (`--column lengths`),
//! `{"lengths": [12, 40, 7], ...}`; and an array of one object per
//! sequence, `[{"input_ids": [...]}, ...]`, read as JSON Lines rows are.
//!
//! The array a named field holds is a list of lengths: the object is the
//! whole dataset, not one sequence of it. (In JSON Lines, where each object
//! is one sequence, an array is that sequence's token ids.) A histogram's
//! keys are not columns, so naming a field of one is an error, as is
//! naming a field for an array of plain lengths, which has none.
//!
//! The document is streamed: serde drives visitors that add each length to
//! the counts as the parser reaches it, so an array of a hundred million
//! lengths never exists in memory. Only the `counts` of a dense histogram
//! are collected, since they are the histogram itself, and only up to the
//! largest `max_len` Packlab supports.
//!
//! Serde errors carry no structure, so a visitor that finds a problem
//! leaves the precise [`InputErrorKind`] in a [`Problem`] slot and returns
//! a placeholder error; the caller then takes the kind from the slot and
//! the position from serde's error.

use std::collections::BTreeSet;
use std::fmt;
use std::io::Read;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::error::{Failure, InputErrorKind, Location};
use super::json_value::{raise, reject_shapes, NumberSeed, Problem, Quantity};
use super::note::PendingNote;
use super::number::{display_token, parse_whole_number};
use super::record::{is_input_ids, RecordSeed, Row, Rows, LISTED_FIELDS};
use super::sink::LengthSink;
use crate::histogram::MAX_SUPPORTED_MAX_LEN;

/// The kind of a serde error no visitor explained: a read failure,
/// malformed JSON, or JSON cut short.
pub(super) fn syntax_kind(error: &serde_json::Error) -> InputErrorKind {
    let full = error.to_string();
    // serde_json appends " at line L column C"; the location says that.
    let message = match full.rsplit_once(" at line ") {
        Some((message, _)) if error.line() > 0 => message.to_owned(),
        _ => full.clone(),
    };
    match error.classify() {
        serde_json::error::Category::Io => InputErrorKind::Io { message: full },
        serde_json::error::Category::Eof => InputErrorKind::JsonTruncated,
        serde_json::error::Category::Syntax | serde_json::error::Category::Data => {
            InputErrorKind::JsonSyntax { message }
        }
    }
}

/// Reads a whole JSON document; `column` is the field the user named.
///
/// The sink is a trait object: it keeps serde's seed types free of a type
/// parameter, and one dynamic call per number costs nothing beside parsing
/// the number.
pub(super) fn read_json<R: Read>(
    input: R,
    column: Option<&str>,
    sink: &mut dyn LengthSink,
    notes: &mut Vec<PendingNote>,
) -> Result<(), Failure> {
    let mut deserializer = serde_json::Deserializer::from_reader(input);
    let mut document = Document {
        sink,
        column,
        notes,
        record_fields: Vec::new(),
        problem: None,
    };
    if let Err(error) = DocumentSeed(&mut document).deserialize(&mut deserializer) {
        let location = match document
            .problem
            .as_mut()
            .and_then(|problem| problem.field.take())
        {
            Some(field) => Location::Field(field),
            None => position(&error),
        };
        let kind = match document.problem {
            Some(problem) => problem.kind,
            None => syntax_kind(&error),
        };
        return Err(Failure::new(location, kind));
    }
    deserializer.end().map_err(|error| {
        let kind = match error.classify() {
            serde_json::error::Category::Io => syntax_kind(&error),
            _ => InputErrorKind::JsonTrailingContent,
        };
        Failure::new(position(&error), kind)
    })
}

fn position(error: &serde_json::Error) -> Location {
    if error.line() == 0 {
        return Location::Unknown;
    }
    Location::LineColumn {
        line: error.line() as u64,
        column: error.column() as u64,
    }
}

/// Reads one whole number like [`NumberSeed`], but stops the document at
/// a value of the wrong kind, so that serde's position is right after it.
struct StrictNumberSeed<'a> {
    quantity: Quantity,
    problem: &'a mut Option<Problem>,
}

impl StrictNumberSeed<'_> {
    fn settle<E: de::Error>(self, outcome: Result<u64, InputErrorKind>) -> Result<u64, E> {
        outcome.map_err(|kind| raise(self.problem, kind, None))
    }

    fn lenient(&self) -> NumberSeed {
        NumberSeed(self.quantity)
    }
}

impl<'de> DeserializeSeed<'de> for StrictNumberSeed<'_> {
    type Value = u64;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<u64, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictNumberSeed<'_> {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.lenient().expecting(f)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<u64, E> {
        let outcome = self.lenient().visit_u64(value)?;
        self.settle(outcome)
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<u64, E> {
        let outcome = self.lenient().visit_i64(value)?;
        self.settle(outcome)
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<u64, E> {
        let outcome = self.lenient().visit_f64(value)?;
        self.settle(outcome)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<u64, E> {
        let outcome = self.lenient().visit_str(text)?;
        self.settle(outcome)
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<u64, E> {
        let outcome = self.lenient().visit_bool(value)?;
        self.settle(outcome)
    }

    fn visit_unit<E: de::Error>(self) -> Result<u64, E> {
        let outcome = self.lenient().visit_unit()?;
        self.settle(outcome)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<u64, A::Error> {
        let outcome = self.lenient().visit_seq(seq)?;
        self.settle(outcome)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<u64, A::Error> {
        let outcome = self.lenient().visit_map(map)?;
        self.settle(outcome)
    }
}

/// The state of reading a document: where lengths go, the field the user
/// named, and the problem that stopped it.
struct Document<'s> {
    sink: &'s mut dyn LengthSink,
    column: Option<&'s str>,
    notes: &'s mut Vec<PendingNote>,
    /// The keys of the record being read, for the error that says none
    /// gives a length.
    record_fields: Vec<String>,
    problem: Option<Problem>,
}

impl Document<'_> {
    fn fail<E: de::Error>(&mut self, kind: InputErrorKind) -> E {
        raise(&mut self.problem, kind, None)
    }

    /// A seed for one number of the document.
    fn number(&mut self, quantity: Quantity) -> StrictNumberSeed<'_> {
        StrictNumberSeed {
            quantity,
            problem: &mut self.problem,
        }
    }

    fn fail_at<E: de::Error>(&mut self, kind: InputErrorKind, field: &str) -> E {
        raise(&mut self.problem, kind, Some(field.to_owned()))
    }
}

/// The whole document: an array of lengths or an object histogram.
struct DocumentSeed<'a, 's>(&'a mut Document<'s>);

impl<'de> DeserializeSeed<'de> for DocumentSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl DocumentSeed<'_, '_> {
    fn reject<E: de::Error>(self, found: &'static str) -> Result<(), E> {
        Err(self.0.fail(InputErrorKind::JsonWrongDocument { found }))
    }
}

impl<'de> Visitor<'de> for DocumentSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of lengths or a histogram object")
    }

    reject_shapes!(scalars);

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let document = self.0;
        // The first element tells a list of lengths from a list of records.
        let first_length = match seq.next_element_seed(FirstElementSeed(&mut *document))? {
            None => return Ok(()),
            Some(FirstElement::Record(row)) => return read_records(document, row, seq),
            Some(FirstElement::Length(length)) => length,
        };
        let mut next = Some(first_length);
        while let Some(length) = next {
            document
                .sink
                .add_one(length)
                .map_err(|kind| document.fail::<A::Error>(kind))?;
            next = seq.next_element_seed(document.number(Quantity::Length))?;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        if let Some(column) = self.0.column {
            return read_named_field(self.0, column, map);
        }
        match map.next_key_seed(KeySeed)? {
            // `{}`: no lengths; the caller reports the empty file.
            None => Ok(()),
            Some(first @ (Key::MaxLen | Key::Counts)) => read_dense(self.0, first, map),
            Some(Key::Other {
                shown,
                problem: InputErrorKind::JsonNotALengthKey { .. },
            }) => refuse_fields_without_column(self.0, shown, map),
            Some(first) => read_sparse(self.0, first, map),
        }
    }
}

/// The first element of a top-level array: a length, or a record.
enum FirstElement<'c> {
    Length(u64),
    /// The row of the first record; `None` when no field gives a length.
    Record(Option<Row<'c>>),
}

struct FirstElementSeed<'a, 's>(&'a mut Document<'s>);

impl<'de, 'a, 's> DeserializeSeed<'de> for FirstElementSeed<'a, 's> {
    type Value = FirstElement<'s>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'a, 's> FirstElementSeed<'a, 's> {
    /// The seed that reads the element as a length, unless the user named
    /// a field: an array of lengths has none.
    fn length_seed<E: de::Error>(self) -> Result<StrictNumberSeed<'a>, E> {
        let document = self.0;
        if let Some(column) = document.column {
            let kind = InputErrorKind::ColumnNotApplicable {
                column: column.to_owned(),
                read_as: "a JSON array of lengths",
            };
            return Err(document.fail(kind));
        }
        Ok(document.number(Quantity::Length))
    }
}

/// The visitors of [`FirstElementSeed`] for what is not an object: the
/// element is read as a length.
macro_rules! element_as_length {
    ($($method:ident($($value:ident: $type:ty)?);)*) => {
        $(
            fn $method<E: de::Error>(self $(, $value: $type)?) -> Result<Self::Value, E> {
                self.length_seed::<E>()?.$method($($value)?).map(FirstElement::Length)
            }
        )*
    };
}

impl<'de, 'a, 's> Visitor<'de> for FirstElementSeed<'a, 's> {
    type Value = FirstElement<'s>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence length or an object")
    }

    element_as_length! {
        visit_u64(value: u64);
        visit_i64(value: i64);
        visit_f64(value: f64);
        visit_str(text: &str);
        visit_bool(value: bool);
        visit_unit();
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.length_seed::<A::Error>()?
            .visit_seq(seq)
            .map(FirstElement::Length)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let document = self.0;
        let seed = record_seed(
            document.column,
            &mut document.problem,
            &mut document.record_fields,
        );
        seed.visit_map(map).map(FirstElement::Record)
    }
}

/// The seed of one element of an array of records.
fn record_seed<'a, 'c>(
    column: Option<&'c str>,
    problem: &'a mut Option<Problem>,
    record_fields: &'a mut Vec<String>,
) -> RecordSeed<'a, 'c> {
    RecordSeed {
        column,
        problem,
        not_an_object: |found| InputErrorKind::JsonRecordExpected { found },
        field_names: Some(record_fields),
    }
}

/// `[{"length": 12}, {"input_ids": [...]}, ...]`: one sequence per object,
/// by the rules of JSON Lines rows. `first` is the first element's row.
fn read_records<'de, A: SeqAccess<'de>>(
    document: &mut Document<'_>,
    first: Option<Row<'_>>,
    mut seq: A,
) -> Result<(), A::Error> {
    let mut rows = Rows::new(document.column);
    let mut index: u64 = 0;
    let mut next = Some(first);
    while let Some(row) = next {
        let Some(row) = row else {
            let fields = std::mem::take(&mut document.record_fields);
            let kind = match document.column {
                Some(column) => InputErrorKind::JsonlMissingField {
                    field: column.to_owned(),
                    fields,
                },
                None => InputErrorKind::JsonlNoLengthField { fields },
            };
            return Err(document.fail(kind));
        };
        rows.take(row, &mut *document.sink, document.notes, |_| {
            Location::Element(index)
        })
        .map_err(|kind| document.fail::<A::Error>(kind))?;
        index += 1;
        let seed = record_seed(
            document.column,
            &mut document.problem,
            &mut document.record_fields,
        );
        next = seq.next_element_seed(seed)?;
    }
    rows.finish(document.notes);
    Ok(())
}

/// An object that is not a histogram, read without a field named: the
/// error lists its keys, so the user can name the one that holds lengths.
fn refuse_fields_without_column<'de, A: MapAccess<'de>>(
    document: &mut Document<'_>,
    first_key: String,
    mut map: A,
) -> Result<(), A::Error> {
    let mut fields = vec![first_key];
    map.next_value::<IgnoredAny>()?;
    while fields.len() < LISTED_FIELDS {
        let Some(key) = map.next_key::<String>()? else {
            break;
        };
        fields.push(display_token(key.as_bytes()));
        map.next_value::<IgnoredAny>()?;
    }
    Err(document.fail(InputErrorKind::JsonObjectWithoutColumn { fields }))
}

/// `{"lengths": [12, 40, 7], ...}` with `column` naming `lengths`: the
/// named field's array holds the lengths; other fields are skipped.
fn read_named_field<'de, A: MapAccess<'de>>(
    document: &mut Document<'_>,
    column: &str,
    mut map: A,
) -> Result<(), A::Error> {
    let on_histogram = || InputErrorKind::ColumnOnHistogram {
        column: column.to_owned(),
    };
    let mut fields = Vec::new();
    let mut found = false;
    let mut has_max_len = false;
    let mut has_counts = false;
    while let Some(key) = map.next_key::<String>()? {
        // A sparse histogram's first key is a length.
        let key_is_length = key
            .bytes()
            .next()
            .is_some_and(|first| first.is_ascii_digit() || first == b'-');
        if fields.is_empty() && key_is_length {
            return Err(document.fail(on_histogram()));
        }
        has_max_len |= key == "max_len";
        has_counts |= key == "counts";
        if fields.len() < LISTED_FIELDS {
            fields.push(display_token(key.as_bytes()));
        }
        if !key.eq_ignore_ascii_case(column) {
            map.next_value::<IgnoredAny>()?;
            continue;
        }
        if found {
            let kind = InputErrorKind::JsonDuplicateKey { key: key.clone() };
            return Err(document.fail_at(kind, &key));
        }
        if is_input_ids(column) {
            let kind = InputErrorKind::TokenIdsAsLengths { field: key.clone() };
            return Err(document.fail_at(kind, &key));
        }
        // `max_len` means nothing outside a dense histogram.
        if key == "max_len" || (has_max_len && has_counts) {
            return Err(document.fail_at(on_histogram(), &key));
        }
        map.next_value_seed(NamedLengthsSeed {
            document: &mut *document,
            field: &key,
        })?;
        found = true;
    }
    if has_max_len && has_counts {
        return Err(document.fail(on_histogram()));
    }
    if !found {
        return Err(document.fail(InputErrorKind::JsonMissingField {
            field: column.to_owned(),
            fields,
        }));
    }
    Ok(())
}

/// The array of lengths a named field holds.
struct NamedLengthsSeed<'a, 's, 'f> {
    document: &'a mut Document<'s>,
    field: &'f str,
}

impl<'de> DeserializeSeed<'de> for NamedLengthsSeed<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl NamedLengthsSeed<'_, '_, '_> {
    fn reject<E: de::Error>(self, found: &'static str) -> Result<(), E> {
        let kind = InputErrorKind::JsonFieldNotAnArray {
            field: self.field.to_owned(),
            found,
        };
        Err(self.document.fail_at(kind, self.field))
    }
}

impl<'de> Visitor<'de> for NamedLengthsSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of lengths")
    }

    reject_shapes!(scalars, map);

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let document = self.document;
        while let Some(length) = seq.next_element_seed(document.number(Quantity::Length))? {
            document
                .sink
                .add_one(length)
                .map_err(|kind| document.fail::<A::Error>(kind))?;
        }
        Ok(())
    }
}

/// A key of a histogram object.
enum Key {
    MaxLen,
    Counts,
    Length(u64),
    /// Any other key, with the problem it is as a length.
    Other {
        shown: String,
        problem: InputErrorKind,
    },
}

impl Key {
    /// The key as an error message shows it.
    fn shown(&self) -> String {
        match self {
            Key::MaxLen => "max_len".to_owned(),
            Key::Counts => "counts".to_owned(),
            Key::Length(length) => length.to_string(),
            Key::Other { shown, .. } => shown.clone(),
        }
    }
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        Ok(match key {
            "max_len" => Key::MaxLen,
            "counts" => Key::Counts,
            _ => match parse_whole_number(key.as_bytes()) {
                Ok(length) => Key::Length(length),
                Err(problem) => {
                    let shown = display_token(key.as_bytes());
                    let problem = match problem {
                        InputErrorKind::NotANumber { .. } | InputErrorKind::EmptyField => {
                            InputErrorKind::JsonNotALengthKey { key: shown.clone() }
                        }
                        other => other,
                    };
                    Key::Other { shown, problem }
                }
            },
        })
    }
}

/// `{"max_len": 512, "counts": [c1, ..., c512]}`, keys in either order.
fn read_dense<'de, A: MapAccess<'de>>(
    document: &mut Document<'_>,
    first: Key,
    mut map: A,
) -> Result<(), A::Error> {
    let mut max_len: Option<u32> = None;
    let mut counts: Option<DenseCounts> = None;
    let mut next_key = Some(first);
    while let Some(key) = next_key {
        match key {
            Key::MaxLen => {
                if max_len.is_some() {
                    return Err(document.fail(InputErrorKind::JsonDuplicateKey {
                        key: "max_len".to_owned(),
                    }));
                }
                // The seed has checked the range, so this cannot fail.
                let value = map.next_value_seed(document.number(Quantity::MaxLen))?;
                let valid = u32::try_from(value).map_err(|_| {
                    document.fail::<A::Error>(InputErrorKind::InvalidMaxLen { value })
                })?;
                max_len = Some(valid);
            }
            Key::Counts => {
                if counts.is_some() {
                    return Err(document.fail(InputErrorKind::JsonDuplicateKey {
                        key: "counts".to_owned(),
                    }));
                }
                counts = Some(map.next_value_seed(DenseCountsSeed(&mut *document))?);
            }
            other => {
                return Err(document.fail(InputErrorKind::JsonUnknownKey { key: other.shown() }));
            }
        }
        next_key = map.next_key_seed(KeySeed)?;
    }
    let Some(max_len) = max_len else {
        return Err(document.fail(InputErrorKind::JsonMissingKey { key: "max_len" }));
    };
    let Some(counts) = counts else {
        return Err(document.fail(InputErrorKind::JsonMissingKey { key: "counts" }));
    };
    if counts.entries != u64::from(max_len) {
        return Err(document.fail_at(
            InputErrorKind::DenseCountsLength {
                max_len,
                found: counts.entries,
            },
            "counts",
        ));
    }
    for (length, &count) in (1..).zip(&counts.kept) {
        document
            .sink
            .add(length, count)
            .map_err(|kind| document.fail_at::<A::Error>(kind, "counts"))?;
    }
    document.sink.declare_max_len(max_len);
    Ok(())
}

/// `{"17": 120, "18": 95}`: lengths as keys, counts as values.
fn read_sparse<'de, A: MapAccess<'de>>(
    document: &mut Document<'_>,
    first: Key,
    mut map: A,
) -> Result<(), A::Error> {
    // The lengths given so far, to refuse repeats. It holds one entry per
    // histogram bin, no more than the counts themselves.
    let mut seen = BTreeSet::new();
    let mut next_key = Some(first);
    while let Some(key) = next_key {
        let length = match key {
            Key::Length(length) => length,
            Key::Other { problem, .. } => return Err(document.fail(problem)),
            dense_key @ (Key::MaxLen | Key::Counts) => {
                return Err(document.fail(InputErrorKind::JsonNotALengthKey {
                    key: dense_key.shown(),
                }))
            }
        };
        let count = map.next_value_seed(document.number(Quantity::Count))?;
        if !seen.insert(length) {
            return Err(document.fail(InputErrorKind::DuplicateLength { length }));
        }
        // Sequences of length 0 are never data; keys from 0 up are the row
        // numbers of a list saved as an object.
        if length == 0 && count > 0 {
            return Err(document.fail(InputErrorKind::JsonLengthZeroKey { count }));
        }
        document
            .sink
            .add(length, count)
            .map_err(|kind| document.fail::<A::Error>(kind))?;
        next_key = map.next_key_seed(KeySeed)?;
    }
    Ok(())
}

/// The `counts` array of a dense histogram.
struct DenseCounts {
    /// The first entries, at most one more than the largest supported
    /// `max_len` (enough to tell "one too many").
    kept: Vec<u64>,
    /// How many entries the array has.
    entries: u64,
}

struct DenseCountsSeed<'a, 's>(&'a mut Document<'s>);

impl<'de> DeserializeSeed<'de> for DenseCountsSeed<'_, '_> {
    type Value = DenseCounts;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<DenseCounts, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl DenseCountsSeed<'_, '_> {
    fn reject<E: de::Error>(self, found: &'static str) -> Result<DenseCounts, E> {
        Err(self.0.fail_at(
            InputErrorKind::JsonExpectedArray {
                field: "counts",
                found,
            },
            "counts",
        ))
    }
}

impl<'de> Visitor<'de> for DenseCountsSeed<'_, '_> {
    type Value = DenseCounts;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of counts")
    }

    reject_shapes!(scalars, map);

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<DenseCounts, A::Error> {
        const KEPT_LIMIT: usize = MAX_SUPPORTED_MAX_LEN as usize + 1;
        let mut counts = DenseCounts {
            kept: Vec::with_capacity(seq.size_hint().unwrap_or(0).min(KEPT_LIMIT)),
            entries: 0,
        };
        while let Some(count) = seq.next_element_seed(self.0.number(Quantity::Count))? {
            if counts.kept.len() < KEPT_LIMIT {
                counts.kept.push(count);
            }
            counts.entries += 1;
        }
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::json_value::float_problem;
    use crate::input::sink::Sink;

    fn read(json: &str) -> Result<Vec<(u64, u64)>, Failure> {
        let mut sink = Sink::default();
        read_json(json.as_bytes(), None, &mut sink, &mut Vec::new())?;
        Ok(sink.into_counts().unwrap().iter().collect())
    }

    #[test]
    fn the_three_shapes() {
        assert_eq!(read("[3, 1, 3]"), Ok(vec![(1, 1), (3, 2)]));
        assert_eq!(
            read(r#"{"counts": [2, 0, 5], "max_len": 3}"#),
            Ok(vec![(1, 2), (3, 5)])
        );
        assert_eq!(read(r#"{"18": 95, "17": 0, "0": 0}"#), Ok(vec![(18, 95)]));
    }

    #[test]
    fn floats_are_told_apart_from_huge_integers() {
        assert!(
            matches!(float_problem(12.0), InputErrorKind::Fractional { token } if token == "12.0")
        );
        assert!(matches!(
            float_problem(1e300),
            InputErrorKind::TooLarge { .. }
        ));
        assert!(matches!(
            float_problem(-1e300),
            InputErrorKind::Negative { .. }
        ));
    }

    #[test]
    fn positions_are_where_the_problem_is() {
        let failure = read("[1,\n 2,\n \"3\"]").unwrap_err();
        assert_eq!(
            failure.location,
            Location::LineColumn { line: 3, column: 4 }
        );
        assert_eq!(
            failure.kind,
            InputErrorKind::JsonString {
                text: "3".into(),
                expected: "a sequence length"
            }
        );
    }
}
