//! JSON Lines: one object per line, such as a tokenised dataset's
//! `{"input_ids": [...], "text": "..."}` or a summary's `{"length": 512}`.
//!
//! The length of a line is its `length` field, else its `num_tokens`
//! field, else the number of its `input_ids` (counted without keeping
//! them); the user can name another field instead. Other fields are
//! skipped unread. Each line is parsed from one reused buffer.

use std::fmt;
use std::io::BufRead;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::error::{Failure, InputErrorKind, Location};
use super::json::{raise, reject_shapes, syntax_kind, NumberSeed, Problem, Quantity};
use super::LengthSink;

/// How many field names an error lists.
const LISTED_FIELDS: usize = 20;

/// Reads every line of a JSON Lines file.
pub(super) fn read_jsonl<R: BufRead>(
    input: &mut R,
    column: Option<&str>,
    sink: &mut impl LengthSink,
) -> Result<(), Failure> {
    let mut line_buffer = Vec::with_capacity(4096);
    let mut line_number: u64 = 0;
    loop {
        line_buffer.clear();
        let read = input
            .read_until(b'\n', &mut line_buffer)
            .map_err(|error| Failure::io(&error))?;
        if read == 0 {
            return Ok(());
        }
        let line = line_buffer.strip_suffix(b"\n").unwrap_or(&line_buffer);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        // JSON never holds a raw CR (inside strings it must be escaped), so
        // a CR left here ends a line of a file with lone-CR line ends.
        for record in line.split(|&byte| byte == b'\r') {
            line_number += 1;
            if !record.trim_ascii().is_empty() {
                read_record(record, line_number, column, sink)?;
            }
        }
    }
}

/// Reads one line's object and counts its sequence.
fn read_record(
    record: &[u8],
    line: u64,
    column: Option<&str>,
    sink: &mut impl LengthSink,
) -> Result<(), Failure> {
    let mut problem = None;
    let mut deserializer = serde_json::Deserializer::from_slice(record);
    let seed = RecordSeed {
        column,
        problem: &mut problem,
    };
    let at_column = |error: &serde_json::Error| Location::LineColumn {
        line,
        column: error.column() as u64,
    };
    let found = match seed.deserialize(&mut deserializer) {
        Ok(found) => found,
        Err(error) => {
            return Err(match problem {
                Some(Problem {
                    kind,
                    field: Some(field),
                }) => Failure::new(Location::LineField { line, field }, kind),
                // A line that is not an object: the column, after the
                // whole value, would say nothing.
                Some(Problem { kind, field: None }) => Failure::at_line(line, kind),
                None => Failure::new(at_column(&error), syntax_kind(&error)),
            });
        }
    };
    if let Err(error) = deserializer.end() {
        return Err(Failure::new(
            at_column(&error),
            InputErrorKind::JsonlTrailingContent,
        ));
    }
    let Some((field, length)) = found else {
        let fields = field_names(record);
        let kind = match column {
            Some(column) => InputErrorKind::JsonlMissingField {
                field: column.to_owned(),
                fields,
            },
            None => InputErrorKind::JsonlNoLengthField { fields },
        };
        return Err(Failure::at_line(line, kind));
    };
    length
        .and_then(|length| sink.add_one(length))
        .map_err(|kind| {
            Failure::new(
                Location::LineField {
                    line,
                    field: field.to_owned(),
                },
                kind,
            )
        })
}

/// What a key of a line's object is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Length,
    NumTokens,
    InputIds,
    /// The field the user named.
    Named,
    Ignored,
}

impl Role {
    /// The key of a used role (`column` is the field the user named).
    fn key(self, column: Option<&str>) -> &str {
        match self {
            Role::Length => "length",
            Role::NumTokens => "num_tokens",
            Role::InputIds => "input_ids",
            Role::Named => column.unwrap_or_default(),
            Role::Ignored => "",
        }
    }
}

/// The candidate fields of one object, each parsed (or its problem) if
/// present; the first present in priority order gives the length.
#[derive(Default)]
struct Candidates {
    length: Option<Result<u64, InputErrorKind>>,
    num_tokens: Option<Result<u64, InputErrorKind>>,
    input_ids: Option<Result<u64, InputErrorKind>>,
    named: Option<Result<u64, InputErrorKind>>,
}

/// One line's object. Its value is the field that gave the length and
/// the length (or why that field is not one); `None` when no field did.
struct RecordSeed<'a> {
    column: Option<&'a str>,
    problem: &'a mut Option<Problem>,
}

type Found<'a> = Option<(&'a str, Result<u64, InputErrorKind>)>;

impl<'de, 'a> DeserializeSeed<'de> for RecordSeed<'a> {
    type Value = Found<'a>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'a> RecordSeed<'a> {
    fn reject<E: de::Error>(self, found: &'static str) -> Result<Found<'a>, E> {
        Err(raise(
            self.problem,
            InputErrorKind::JsonlNotAnObject { found },
            None,
        ))
    }
}

impl<'de, 'a> Visitor<'de> for RecordSeed<'a> {
    type Value = Found<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    reject_shapes!(scalars, seq);

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut candidates = Candidates::default();
        while let Some(role) = map.next_key_seed(RoleSeed {
            column: self.column,
        })? {
            let slot = match role {
                Role::Length => &mut candidates.length,
                Role::NumTokens => &mut candidates.num_tokens,
                Role::InputIds => &mut candidates.input_ids,
                Role::Named => &mut candidates.named,
                Role::Ignored => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            if slot.is_some() {
                let key = role.key(self.column).to_owned();
                let kind = InputErrorKind::JsonDuplicateKey { key: key.clone() };
                return Err(raise(self.problem, kind, Some(key)));
            }
            *slot = Some(match role {
                Role::InputIds => map.next_value_seed(LengthSeed {
                    ids: true,
                    number: false,
                })?,
                Role::Named => map.next_value_seed(LengthSeed {
                    ids: true,
                    number: true,
                })?,
                _ => map.next_value_seed(NumberSeed(Quantity::Length))?,
            });
        }
        let column = self.column;
        Ok(match column {
            Some(column) => candidates.named.map(|length| (column, length)),
            None => [
                ("length", candidates.length),
                ("num_tokens", candidates.num_tokens),
                ("input_ids", candidates.input_ids),
            ]
            .into_iter()
            .find_map(|(field, length)| length.map(|length| (field, length))),
        })
    }
}

/// Reads a key and tells its role, without keeping the key.
struct RoleSeed<'a> {
    column: Option<&'a str>,
}

impl<'de> DeserializeSeed<'de> for RoleSeed<'_> {
    type Value = Role;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Role, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for RoleSeed<'_> {
    type Value = Role;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Role, E> {
        Ok(match self.column {
            Some(column) if key.eq_ignore_ascii_case(column) => Role::Named,
            Some(_) => Role::Ignored,
            None => match key {
                "length" => Role::Length,
                "num_tokens" => Role::NumTokens,
                "input_ids" => Role::InputIds,
                _ => Role::Ignored,
            },
        })
    }
}

/// A sequence length given as a number, or as an array whose elements
/// are counted (not kept).
struct LengthSeed {
    ids: bool,
    number: bool,
}

impl<'de> DeserializeSeed<'de> for LengthSeed {
    type Value = Result<u64, InputErrorKind>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl LengthSeed {
    /// A value that is neither: described as a number would be, or as
    /// "not an array" for `input_ids`.
    fn reject<E: de::Error>(self, found: &'static str) -> Result<Result<u64, InputErrorKind>, E> {
        Ok(Err(InputErrorKind::JsonExpectedArray {
            field: "input_ids",
            found,
        }))
    }

    fn as_number(&self) -> NumberSeed {
        NumberSeed(Quantity::Length)
    }
}

impl<'de> Visitor<'de> for LengthSeed {
    type Value = Result<u64, InputErrorKind>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence length or an array of token ids")
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        if self.number {
            self.as_number().visit_u64(value)
        } else {
            self.reject("a number")
        }
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        if self.number {
            self.as_number().visit_i64(value)
        } else {
            self.reject("a number")
        }
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        if self.number {
            self.as_number().visit_f64(value)
        } else {
            self.reject("a number")
        }
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        if self.number {
            self.as_number().visit_str(text)
        } else {
            self.reject("a string")
        }
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        if self.number {
            self.as_number().visit_bool(value)
        } else {
            self.reject("a boolean")
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        if self.number {
            self.as_number().visit_unit()
        } else {
            self.reject("null")
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        if self.number {
            self.as_number().visit_map(map)
        } else {
            let mut map = map;
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            self.reject("an object")
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        if !self.ids {
            return self.as_number().visit_seq(seq);
        }
        let mut elements: u64 = 0;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            elements += 1;
        }
        if elements == 0 {
            return Ok(Err(InputErrorKind::ZeroLength));
        }
        Ok(Ok(elements))
    }
}

/// The field names of a line's object in file order (at most
/// [`LISTED_FIELDS`]), for the error that says none gives a length. The
/// line is parsed again: this happens once, on the way to an error.
fn field_names(record: &[u8]) -> Vec<String> {
    let mut deserializer = serde_json::Deserializer::from_slice(record);
    FieldNames
        .deserialize(&mut deserializer)
        .unwrap_or_default()
}

struct FieldNames;

impl<'de> DeserializeSeed<'de> for FieldNames {
    type Value = Vec<String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<String>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FieldNames {
    type Value = Vec<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<String>, A::Error> {
        let mut names = Vec::new();
        while let Some((name, IgnoredAny)) = map.next_entry::<String, IgnoredAny>()? {
            if names.len() < LISTED_FIELDS {
                names.push(name);
            }
        }
        Ok(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Sink;

    fn read(jsonl: &str, column: Option<&str>) -> Result<Vec<(u64, u64)>, Failure> {
        let mut sink = Sink::default();
        read_jsonl(&mut jsonl.as_bytes(), column, &mut sink)?;
        Ok(sink.into_counts().unwrap().iter().collect())
    }

    #[test]
    fn the_first_field_present_in_priority_order_wins() {
        let lines = concat!(
            "{\"input_ids\": [1, 2, 3], \"length\": 5}\n",
            "{\"num_tokens\": 7, \"input_ids\": [1]}\n",
            "{\"input_ids\": [[1], {\"a\": 2}], \"text\": \"hi\"}\n",
            "{\"length\": 5, \"num_tokens\": \"unused, so not checked\"}\n",
        );
        assert_eq!(read(lines, None), Ok(vec![(2, 1), (5, 2), (7, 1)]));
    }

    #[test]
    fn a_named_field_may_be_a_number_or_an_array() {
        let lines = "{\"Tokens\": 4}\n{\"tokens\": [9, 9]}\n";
        assert_eq!(read(lines, Some("TOKENS")), Ok(vec![(2, 1), (4, 1)]));
    }

    #[test]
    fn lone_cr_ends_a_line() {
        let failure = read("{\"length\": 1}\r{\"length\": 0}\r\n", None).unwrap_err();
        assert_eq!(
            failure,
            Failure::new(
                Location::LineField {
                    line: 2,
                    field: "length".into()
                },
                InputErrorKind::ZeroLength
            )
        );
    }

    #[test]
    fn a_missing_field_lists_the_fields_there_are() {
        let failure = read("{\"text\": \"a\", \"id\": 3}\n", None).unwrap_err();
        assert_eq!(
            failure.kind,
            InputErrorKind::JsonlNoLengthField {
                fields: vec!["text".into(), "id".into()]
            }
        );
    }
}
