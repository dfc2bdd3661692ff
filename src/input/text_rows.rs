//! Rows of text and conversations, read from a file and counted with the
//! user's tokenizer ([`super::TextTokenizer`]): JSON Lines
//! ([`read_text_lines`]), a JSON array of rows ([`read_text_array`]) and a
//! Parquet file's rows ([`read_text_records`]).
//!
//! Rows are parsed and counted in batches on every core (natively), then
//! their lengths are added in file order, so that errors and
//! [`super::read_lengths_in_order`] see the rows as the file holds them.
//! With [`ReadOptions::sample_rows`] only a uniform random sample of the
//! rows is tokenized, and each sampled length stands for its share of all
//! rows (see [`Reservoir`]).
//!
//! [`ReadOptions::sample_rows`]: super::ReadOptions::sample_rows

use std::fmt;
use std::io::{BufRead, Read};
#[cfg(not(target_arch = "wasm32"))]
use std::sync::atomic::Ordering;

use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};
use serde_json::Value;

use super::error::{Failure, InputErrorKind, Location};
use super::json::syntax_kind;
use super::jsonl::{field_names, for_each_row, read_row};
use super::note::{InputNoteKind, PendingNote};
use super::record::{FieldLength, INPUT_IDS, LISTED_FIELDS};
use super::sink::LengthSink;
use super::tokenized::{TextTokenizer, MESSAGES};
use crate::random::SplitMix64;

/// The fields that hold a row's text when none is named, in this order
/// (then `messages`).
const TEXT: &str = "text";

/// The fields that give a row's length without tokenizing it.
const LENGTH_FIELDS: [&str; 3] = ["length", "num_tokens", INPUT_IDS];

/// Rows are read into batches of about this many bytes before they are
/// counted: enough work for every core to outweigh starting the threads
/// (a few tens of microseconds), small enough to keep memory flat.
const BATCH_BYTES: usize = 4 << 20;

/// ...and at most this many rows, so that a file of tiny rows still
/// reports its progress often.
const BATCH_ROWS: usize = 8192;

/// A worker takes this many rows at a time: rows differ widely in length,
/// so fixed halves of a batch would leave one core idle while the other
/// finishes the long rows.
#[cfg(not(target_arch = "wasm32"))]
const ROWS_PER_TAKE: usize = 16;

/// The seed of the sample: the same file gives the same estimate on every
/// run and machine.
const SAMPLE_SEED: u64 = 0x5EED_7E47;

/// How the rows of one file are counted.
pub(super) struct TextRows<'a> {
    pub(super) tokenizer: &'a TextTokenizer,
    /// The field holding the text or conversation; `None` for `text`, or
    /// `messages`.
    pub(super) text_field: Option<&'a str>,
    /// Tokenize only a sample of this many rows.
    pub(super) sample_rows: Option<u64>,
}

impl TextRows<'_> {
    /// Which of a table's columns (`names`, in order) holds each row's
    /// text: the one `text_field` names, or `text`, or else `messages`,
    /// matched ignoring ASCII case. Arrow and Parquet tables alike.
    ///
    /// # Errors
    ///
    /// [`InputErrorKind::TextFieldMissing`], listing the first 20 columns.
    pub(super) fn text_column<'n>(
        &self,
        names: impl Iterator<Item = &'n str> + Clone,
    ) -> Result<usize, Failure> {
        let find = |wanted: &str| {
            names
                .clone()
                .position(|name| name.eq_ignore_ascii_case(wanted))
        };
        match self.text_field {
            Some(name) => find(name),
            None => find("text").or_else(|| find(MESSAGES)),
        }
        .ok_or_else(|| {
            Failure::new(
                Location::Unknown,
                InputErrorKind::TextFieldMissing {
                    field: self.text_field.map(str::to_owned),
                    fields: names.take(20).map(str::to_owned).collect(),
                },
            )
        })
    }
}

/// Where a row is: a line of JSON Lines, an element of a JSON array, or
/// a row of a Parquet file.
#[derive(Debug, Clone, Copy)]
pub(super) enum Place {
    Line(u64),
    Element(u64),
    Row { group: u64, row: u64 },
}

impl Place {
    pub(super) fn location(self) -> Location {
        match self {
            Place::Line(line) => Location::Line(line),
            Place::Element(index) => Location::Element(index),
            Place::Row { group, row } => Location::Row { group, row },
        }
    }

    fn at_field(self, field: &str) -> Location {
        match self {
            Place::Line(line) => Location::LineField {
                line,
                field: field.to_owned(),
            },
            Place::Element(index) => Location::Element(index),
            Place::Row { group, row } => Location::Row { group, row },
        }
    }
}

/// One row waiting to be counted: a line's bytes, still to parse (parsing
/// is work the threads share), or an array's element.
struct PendingRow {
    place: Place,
    content: RowContent,
}

enum RowContent {
    Line(Vec<u8>),
    Element(Value),
}

impl PendingRow {
    fn bytes(&self) -> usize {
        match &self.content {
            RowContent::Line(bytes) => bytes.len(),
            // Only batches are sized by it: the texts dominate.
            RowContent::Element(value) => match value {
                Value::Object(fields) => fields
                    .values()
                    .map(|field| field.as_str().map_or(64, str::len))
                    .sum(),
                _ => 64,
            },
        }
    }
}

/// Reads a JSON Lines file whose rows hold text into `sink`.
pub(super) fn read_text_lines<R: BufRead, S: LengthSink>(
    input: &mut R,
    rows: &TextRows<'_>,
    sink: &mut S,
    notes: &mut Vec<PendingNote>,
) -> Result<(), Failure> {
    let mut counter = RowCounter::new(rows, sink)?;
    for_each_row(input, |line, record| {
        counter.push(
            Place::Line(line),
            |record| RowContent::Line(record.to_vec()),
            record,
        )
    })?;
    counter.finish(notes)
}

/// Reads a JSON array of objects whose rows hold text into `sink`,
/// element by element: the array is never held whole.
pub(super) fn read_text_array<R: Read, S: LengthSink>(
    input: R,
    rows: &TextRows<'_>,
    sink: &mut S,
    notes: &mut Vec<PendingNote>,
) -> Result<(), Failure> {
    let mut counter = RowCounter::new(rows, sink)?;
    let mut deserializer = serde_json::Deserializer::from_reader(input);
    let mut problem = None;
    let outcome = ArraySeed {
        counter: &mut counter,
        problem: &mut problem,
    }
    .deserialize(&mut deserializer)
    .and_then(|()| deserializer.end());
    if let Some(failure) = problem {
        return Err(failure);
    }
    if let Err(error) = outcome {
        let location = Location::LineColumn {
            line: error.line() as u64,
            column: error.column() as u64,
        };
        return Err(Failure::new(location, syntax_kind(&error)));
    }
    counter.finish(notes)
}

/// Counts rows given as objects of fields (a Parquet file's rows, its
/// text column only) into `sink`, in order.
pub(super) fn read_text_records<S: LengthSink>(
    records: impl Iterator<Item = Result<(Place, Value), Failure>>,
    rows: &TextRows<'_>,
    sink: &mut S,
    notes: &mut Vec<PendingNote>,
) -> Result<(), Failure> {
    let mut counter = RowCounter::new(rows, sink)?;
    for record in records {
        let (place, value) = record?;
        counter.push(place, RowContent::Element, value)?;
    }
    counter.finish(notes)
}

/// The top of a JSON document read with a tokenizer: an array, each of
/// whose elements goes to the counter as it is parsed.
struct ArraySeed<'a, 'r, 't, S> {
    counter: &'a mut RowCounter<'r, 't, S>,
    /// A failure of the rows, which serde's error cannot carry.
    problem: &'a mut Option<Failure>,
}

impl<'de, S: LengthSink> DeserializeSeed<'de> for ArraySeed<'_, '_, '_, S> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, S: LengthSink> Visitor<'de> for ArraySeed<'_, '_, '_, S> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index: u64 = 0;
        while let Some(element) = seq.next_element::<Value>()? {
            if let Err(failure) =
                self.counter
                    .push(Place::Element(index), RowContent::Element, element)
            {
                *self.problem = Some(failure);
                return Err(de::Error::custom("a row failed"));
            }
            index += 1;
        }
        Ok(())
    }

    fn visit_map<A: de::MapAccess<'de>>(self, _map: A) -> Result<(), A::Error> {
        self.refuse("an object")
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.refuse("a string")
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.refuse("a number")
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.refuse("a number")
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.refuse("a number")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.refuse("a boolean")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.refuse("null")
    }
}

impl<S> ArraySeed<'_, '_, '_, S> {
    fn refuse<E: de::Error>(self, found: &'static str) -> Result<(), E> {
        *self.problem = Some(Failure::at_line(
            1,
            InputErrorKind::TextDocumentNotRows { found },
        ));
        Err(E::custom("not an array"))
    }
}

/// Takes rows one at a time and counts them in batches (or keeps a sample
/// of them), adding the lengths to the sink in row order.
struct RowCounter<'r, 't, S> {
    rows: &'r TextRows<'t>,
    sink: &'r mut S,
    batch: Vec<PendingRow>,
    batch_bytes: usize,
    /// The sample kept so far, when only a sample is counted.
    sample: Option<Reservoir>,
}

impl<'r, 't, S: LengthSink> RowCounter<'r, 't, S> {
    fn new(rows: &'r TextRows<'t>, sink: &'r mut S) -> Result<Self, Failure> {
        let sample = match rows.sample_rows {
            None => None,
            Some(0) => return Err(InputErrorKind::EmptySample.into()),
            // A sample's lengths stand for many rows each: they have no
            // place in a list of the rows in order.
            Some(_) if sink.keeps_order() => return Err(InputErrorKind::SampleHasNoOrder.into()),
            Some(size) => Some(Reservoir::new(size)),
        };
        Ok(RowCounter {
            rows,
            sink,
            batch: Vec::new(),
            batch_bytes: 0,
            sample,
        })
    }

    /// Takes the row at `place`; `content` makes it from `raw` only if it
    /// is to be counted (a sample skips most rows unread).
    fn push<T>(
        &mut self,
        place: Place,
        content: impl FnOnce(T) -> RowContent,
        raw: T,
    ) -> Result<(), Failure> {
        if let Some(sample) = &mut self.sample {
            if let Some(slot) = sample.slot_for_next() {
                sample.keep(
                    slot,
                    PendingRow {
                        place,
                        content: content(raw),
                    },
                );
            }
            return Ok(());
        }
        let row = PendingRow {
            place,
            content: content(raw),
        };
        self.batch_bytes += row.bytes();
        self.batch.push(row);
        if self.batch_bytes >= BATCH_BYTES || self.batch.len() >= BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    /// Counts the batch and adds its lengths in order; the first row that
    /// fails (in row order) is the error.
    fn flush(&mut self) -> Result<(), Failure> {
        let batch = std::mem::take(&mut self.batch);
        self.batch_bytes = 0;
        for (row, length) in batch.iter().zip(count_rows(self.rows, &batch)) {
            let length = length?;
            self.sink
                .add_one(length)
                .map_err(|kind| Failure::new(row.place.location(), kind))?;
        }
        Ok(())
    }

    fn finish(mut self, notes: &mut Vec<PendingNote>) -> Result<(), Failure> {
        let Some(sample) = self.sample.take() else {
            return self.flush();
        };
        let Reservoir { kept, seen, .. } = sample;
        let lengths = count_rows(self.rows, &kept);
        let sampled = kept.len() as u64;
        if seen <= sampled {
            // Every row was kept, in file order: the counts are exact.
            for (row, length) in kept.iter().zip(lengths) {
                self.sink
                    .add_one(length?)
                    .map_err(|kind| Failure::new(row.place.location(), kind))?;
            }
            return Ok(());
        }
        // Each sampled row stands for seen / sampled rows; the remainder
        // goes one each to the first rows of the sample, so that the
        // counts add up to exactly the rows of the file.
        let (share, remainder) = (seen / sampled, seen % sampled);
        for ((index, row), length) in (0u64..).zip(&kept).zip(lengths) {
            let weight = share + u64::from(index < remainder);
            self.sink
                .add(length?, weight)
                .map_err(|kind| Failure::new(row.place.location(), kind))?;
        }
        notes.push(PendingNote::new(
            Location::Unknown,
            InputNoteKind::EstimatedFromSample {
                sampled,
                rows: seen,
            },
        ));
        Ok(())
    }
}

/// A uniform random sample of a stream of rows of unknown length, kept in
/// constant memory: Vitter's reservoir sampling ("Algorithm R"). The first
/// `capacity` rows fill the reservoir; row `i` (from 0) after that replaces
/// a random one of them with probability `capacity / (i + 1)`, which leaves
/// every row of the stream equally likely to be in the sample at the end.
struct Reservoir {
    capacity: u64,
    kept: Vec<PendingRow>,
    /// Rows offered so far.
    seen: u64,
    random: SplitMix64,
}

impl Reservoir {
    fn new(capacity: u64) -> Self {
        Reservoir {
            capacity,
            kept: Vec::new(),
            seen: 0,
            random: SplitMix64::new(SAMPLE_SEED),
        }
    }

    /// Offers the next row: the slot it goes into, if it is kept.
    fn slot_for_next(&mut self) -> Option<usize> {
        let index = self.seen;
        self.seen += 1;
        if index < self.capacity {
            return Some(self.kept.len());
        }
        let slot = self.random.below(index + 1);
        // Lossless: slot < capacity, and the reservoir holds that many rows.
        (slot < self.capacity).then_some(slot as usize)
    }

    fn keep(&mut self, slot: usize, row: PendingRow) {
        match self.kept.get_mut(slot) {
            Some(kept) => *kept = row,
            None => self.kept.push(row),
        }
    }
}

/// The length of every row of `batch`, in order: on every core natively,
/// each thread taking a few rows at a time.
fn count_rows(rows: &TextRows<'_>, batch: &[PendingRow]) -> Vec<Result<u64, Failure>> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        use std::sync::atomic::AtomicUsize;
        let threads = std::thread::available_parallelism()
            .map_or(1, std::num::NonZeroUsize::get)
            .min(batch.len().div_ceil(ROWS_PER_TAKE));
        if threads > 1 {
            let next = AtomicUsize::new(0);
            let work = || {
                let mut done = Vec::new();
                loop {
                    let start = next.fetch_add(ROWS_PER_TAKE, Ordering::Relaxed);
                    let Some(taken) = batch.get(start..(start + ROWS_PER_TAKE).min(batch.len()))
                    else {
                        break;
                    };
                    if taken.is_empty() {
                        break;
                    }
                    done.extend((start..).zip(taken.iter().map(|row| count_row(rows, row))));
                }
                done
            };
            let mut lengths: Vec<Option<Result<u64, Failure>>> =
                (0..batch.len()).map(|_| None).collect();
            std::thread::scope(|scope| {
                let workers: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
                for worker in workers {
                    // A worker only panics on a bug: pass it on as one.
                    let done = worker
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                    for (index, length) in done {
                        if let Some(slot) = lengths.get_mut(index) {
                            *slot = Some(length);
                        }
                    }
                }
            });
            return lengths
                .into_iter()
                .map(|length| {
                    length.unwrap_or_else(|| {
                        Err(InputErrorKind::TokenizerFailed {
                            message: "a row was left uncounted".to_owned(),
                        }
                        .into())
                    })
                })
                .collect();
        }
    }
    batch.iter().map(|row| count_row(rows, row)).collect()
}

/// One row's length: its text tokenized, its conversation rendered and
/// tokenized, or (without a named text field) its usual length field.
fn count_row(rows: &TextRows<'_>, row: &PendingRow) -> Result<u64, Failure> {
    let place = row.place;
    let parsed;
    let value = match &row.content {
        RowContent::Element(value) => value,
        RowContent::Line(bytes) => {
            parsed = serde_json::from_slice::<Value>(bytes).map_err(|error| {
                let kind = match syntax_kind(&error) {
                    InputErrorKind::JsonTruncated => InputErrorKind::JsonlUnclosedLine,
                    other => other,
                };
                let line = match place {
                    Place::Line(line) => line,
                    Place::Element(_) | Place::Row { .. } => 0,
                };
                Failure::new(
                    Location::LineColumn {
                        line,
                        column: error.column() as u64,
                    },
                    kind,
                )
            })?;
            &parsed
        }
    };
    let Value::Object(fields) = value else {
        let found = describe(value);
        let kind = match place {
            Place::Line(_) => InputErrorKind::JsonlNotAnObject { found },
            Place::Element(_) | Place::Row { .. } => InputErrorKind::JsonRecordExpected { found },
        };
        return Err(Failure::new(place.location(), kind));
    };
    let find = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
    };
    let named = match rows.text_field {
        Some(name) => find(name),
        None => {
            if LENGTH_FIELDS.iter().any(|name| find(name).is_some()) {
                return usual_length(row, value);
            }
            find(TEXT).or_else(|| find(MESSAGES))
        }
    };
    let Some((field, text)) = named else {
        return Err(Failure::new(
            place.location(),
            InputErrorKind::TextFieldMissing {
                field: rows.text_field.map(str::to_owned),
                // A line's fields in file order; an element's were
                // sorted by the parser.
                fields: match &row.content {
                    RowContent::Line(bytes) => field_names(bytes),
                    RowContent::Element(_) => fields.keys().take(LISTED_FIELDS).cloned().collect(),
                },
            },
        ));
    };
    let at_field = |kind| Failure::new(place.at_field(field), kind);
    let length = match text {
        Value::String(text) => rows.tokenizer.count_text(text),
        Value::Array(_) => rows.tokenizer.count_conversation(text),
        other => Err(InputErrorKind::TextFieldNotText {
            field: field.clone(),
            found: describe(other),
        }),
    }
    .map_err(at_field)?;
    if length == 0 {
        return Err(at_field(InputErrorKind::ZeroLength));
    }
    Ok(length)
}

/// A row that gives its length (`length`, `num_tokens` or `input_ids`),
/// read by the JSON Lines reader's own rules.
fn usual_length(row: &PendingRow, value: &Value) -> Result<u64, Failure> {
    let (line, record) = match (&row.content, row.place) {
        (RowContent::Line(bytes), Place::Line(line)) => {
            (line, std::borrow::Cow::Borrowed(&bytes[..]))
        }
        _ => (
            1,
            std::borrow::Cow::Owned(serde_json::to_vec(value).unwrap_or_default()),
        ),
    };
    let relocate = |failure: Failure| match row.place {
        Place::Line(_) => failure,
        Place::Element(_) | Place::Row { .. } => Failure::new(row.place.location(), failure.kind),
    };
    let read = read_row(&record, line, None).map_err(relocate)?;
    match read.length {
        Ok(FieldLength::Number(tokens) | FieldLength::TokenIds(tokens)) if tokens > 0 => Ok(tokens),
        Ok(_) => Err(relocate(Failure::new(
            Location::LineField {
                line,
                field: read.field.to_owned(),
            },
            InputErrorKind::ZeroLength,
        ))),
        Err(kind) => Err(relocate(Failure::new(
            Location::LineField {
                line,
                field: read.field.to_owned(),
            },
            kind,
        ))),
    }
}

/// What a JSON value is, for errors.
fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use crate::input::tokenized::tests::{options, read, tokenizer, TOKENIZER};
    use crate::input::{
        read_lengths, read_lengths_in_order, InputErrorKind, InputNoteKind, Location, ReadOptions,
        TextTokenizer,
    };
    use crate::LengthCounts;

    #[test]
    fn rows_of_text_conversations_and_lengths() {
        let lines = concat!(
            "{\"id\": 1, \"text\": \"hello world\"}\n",
            "\n",
            "{\"messages\": [{\"role\": \"user\", \"content\": \"hello\"}]}\r\n",
            "{\"text\": \"unused\", \"length\": 40}\n",
        );
        let options = options(tokenizer());
        assert_eq!(
            read("rows.jsonl", lines, &options),
            Ok(vec![(3, 1), (4, 1), (40, 1)])
        );
        // The same rows as a JSON array.
        let array = "[{\"text\": \"hello world\"}, {\"TEXT\": \"hello\"}]";
        assert_eq!(read("rows.json", array, &options), Ok(vec![(2, 1), (3, 1)]));
        // A named field is tokenized even beside a length.
        let named = ReadOptions {
            text_field: Some("body".into()),
            ..options.clone()
        };
        assert_eq!(
            read("r.jsonl", "{\"length\": 9, \"body\": \"hello\"}\n", &named),
            Ok(vec![(2, 1)])
        );
    }

    #[test]
    fn row_errors_say_where_and_what_the_row_holds() {
        let options = options(tokenizer());
        let error = read(
            "rows.jsonl",
            "{\"text\": \"hello\"}\n{\"id\": 3, \"body\": \"x\"}\n",
            &options,
        )
        .unwrap_err();
        assert_eq!(error.location, Location::Line(2));
        assert_eq!(
            error.kind,
            InputErrorKind::TextFieldMissing {
                field: None,
                fields: vec!["id".into(), "body".into()]
            }
        );
        let error = read("rows.jsonl", "{\"text\": 12}\n", &options).unwrap_err();
        assert_eq!(
            (error.location, error.kind),
            (
                Location::LineField {
                    line: 1,
                    field: "text".into()
                },
                InputErrorKind::TextFieldNotText {
                    field: "text".into(),
                    found: "a number"
                }
            )
        );
        let bare = ReadOptions {
            tokenizer: Some(
                TextTokenizer::from_json("t.json", TOKENIZER.as_bytes())
                    .unwrap()
                    .into(),
            ),
            ..ReadOptions::default()
        };
        let error = read("rows.jsonl", "{\"messages\": []}\n", &bare).unwrap_err();
        assert_eq!(error.kind, InputErrorKind::NoChatTemplate);
        let error = read("rows.jsonl", "{\"text\": \"a\"\n", &options).unwrap_err();
        assert_eq!(error.kind, InputErrorKind::JsonlUnclosedLine);
        let error = read("rows.json", "{\n\"text\": \"a\"\n}", &options).unwrap_err();
        assert_eq!(
            error.kind,
            InputErrorKind::TextDocumentNotRows { found: "an object" }
        );
        let error = read("rows.txt", "12\n", &options).unwrap_err();
        assert!(matches!(
            error.kind,
            InputErrorKind::TokenizerNotApplicable { .. }
        ));
        let error = read(
            "rows.jsonl",
            "{\"length\": 3}\n",
            &ReadOptions {
                sample_rows: Some(3),
                ..ReadOptions::default()
            },
        )
        .unwrap_err();
        assert_eq!(
            error.kind,
            InputErrorKind::NeedsTokenizer { option: "--sample" }
        );
    }

    #[test]
    fn many_rows_keep_their_order_across_threads() {
        let words = ["hello", "world", "user", "assistant"];
        let mut lines = String::new();
        let mut expected = Vec::new();
        for row in 0..5_000_usize {
            let count = 1 + row % 37;
            let text: Vec<&str> = (0..count).map(|word| words[(row + word) % 4]).collect();
            lines += &format!("{{\"text\": \"{}\"}}\n", text.join(" "));
            expected.push(count as u32 + 1);
        }
        let read =
            read_lengths_in_order("rows.jsonl", lines.as_bytes(), &options(tokenizer())).unwrap();
        assert_eq!(read.lengths, expected);
    }

    #[test]
    fn a_sample_stands_for_every_row_and_says_so() {
        let mut lines = String::new();
        for row in 0..1_000 {
            let text = if row % 4 == 0 {
                "hello world world"
            } else {
                "hello"
            };
            lines += &format!("{{\"text\": \"{text}\"}}\n");
        }
        let options = ReadOptions {
            sample_rows: Some(100),
            ..options(tokenizer())
        };
        let mut counts = LengthCounts::new();
        let stats = read_lengths("rows.jsonl", lines.as_bytes(), &options, &mut counts).unwrap();
        assert_eq!(stats.sequences, 1_000);
        let estimate: Vec<(u64, u64)> = counts.iter().collect();
        assert_eq!(estimate.iter().map(|(_, count)| count).sum::<u64>(), 1_000);
        assert_eq!(estimate.len(), 2);
        // A uniform sample of 100 puts about a quarter of the rows at 4.
        let long = estimate[1].1;
        assert!((150..=350).contains(&long), "{estimate:?}");
        assert_eq!(
            stats.notes[0].kind,
            InputNoteKind::EstimatedFromSample {
                sampled: 100,
                rows: 1_000
            }
        );
        assert!(stats.notes[0]
            .to_string()
            .contains("estimated from a sample of 100 of 1000 rows"));
        // The same sample on every run.
        let mut again = LengthCounts::new();
        read_lengths("rows.jsonl", lines.as_bytes(), &options, &mut again).unwrap();
        assert_eq!(again, counts);
        // A sample as large as the file is the file, counted exactly.
        let whole = ReadOptions {
            sample_rows: Some(1_000),
            ..options.clone()
        };
        let mut exact = LengthCounts::new();
        let stats = read_lengths("rows.jsonl", lines.as_bytes(), &whole, &mut exact).unwrap();
        assert!(stats.notes.is_empty());
        assert_eq!(exact.iter().collect::<Vec<_>>(), vec![(2, 750), (4, 250)]);
        // Rows in order cannot come from a sample.
        let error = read_lengths_in_order("rows.jsonl", lines.as_bytes(), &options).unwrap_err();
        assert_eq!(error.kind, InputErrorKind::SampleHasNoOrder);
    }
}
