//! One object that stands for one sequence: a line of a JSON Lines file,
//! or an element of a JSON array of objects (`[{"input_ids": [...]}, ...]`,
//! as pandas' `to_json(orient="records")` writes).
//!
//! A row's length is its `length` field, else its `num_tokens` field, else
//! the number of its `input_ids`; or the field the user names, which holds
//! the length as a number or the sequence's token ids as an array. Token
//! ids are counted without being kept, but each is checked to be a whole
//! number: an array of arrays or of strings is not one sequence's ids, and
//! counting its elements would give a length nobody meant. Other fields are
//! skipped unread.
//!
//! [`Rows`] keeps what must hold across the rows of one file: a named field
//! gives every row's length the same way, and the notes on rules that the
//! content cannot confirm.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::error::{InputErrorKind, Location};
use super::json_value::{raise, reject_shapes, NumberSeed, Problem, Quantity};
use super::note::{InputNoteKind, PendingNote};
use super::sink::LengthSink;

/// The usual name of a tokenised dataset's token ids.
pub(super) const INPUT_IDS: &str = "input_ids";

/// How many field names an error lists.
pub(super) const LISTED_FIELDS: usize = 20;

/// True for the field that holds token ids by its name, in any case.
pub(super) fn is_input_ids(field: &str) -> bool {
    field.eq_ignore_ascii_case(INPUT_IDS)
}

/// How a row's field gave its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FieldLength {
    /// The field is a number: the length itself.
    Number(u64),
    /// The field is an array of this many token ids.
    TokenIds(u64),
}

impl FieldLength {
    fn tokens(self) -> u64 {
        match self {
            FieldLength::Number(tokens) | FieldLength::TokenIds(tokens) => tokens,
        }
    }

    fn shape(self) -> &'static str {
        match self {
            FieldLength::Number(_) => "a number",
            FieldLength::TokenIds(_) => "an array",
        }
    }
}

/// What one row's object says about its sequence.
#[derive(Debug)]
pub(super) struct Row<'c> {
    /// The field that gave the length.
    pub(super) field: &'c str,
    /// The length, or why the field does not give one.
    pub(super) length: Result<FieldLength, InputErrorKind>,
    /// Another of the usual length fields on this row that gives a
    /// different length.
    disagreement: Option<Disagreement>,
}

/// Two of the usual length fields of one row that give different lengths.
#[derive(Debug, Clone, Copy)]
struct Disagreement {
    taken: &'static str,
    other: &'static str,
    other_length: u64,
}

impl Row<'_> {
    /// True when the length came from counting the token ids of a field
    /// the user named, other than `input_ids`: an array of lengths would
    /// have read the same.
    pub(super) fn counted_named_token_ids(&self, column: Option<&str>) -> bool {
        column.is_some_and(|column| !is_input_ids(column))
            && matches!(self.length, Ok(FieldLength::TokenIds(_)))
    }
}

/// What must hold across the rows of one file, and what is noted about them.
#[derive(Debug)]
pub(super) struct Rows<'c> {
    column: Option<&'c str>,
    /// How the named field gave the first row's length: a number or an
    /// array. Every later row must give it the same way.
    named_shape: Option<&'static str>,
    /// Rows whose named field (other than `input_ids`) was counted as
    /// token ids.
    token_id_rows: u64,
    /// Two length fields disagreeing is noted once, at the first row where
    /// they do.
    disagreement_noted: bool,
}

impl<'c> Rows<'c> {
    pub(super) fn new(column: Option<&'c str>) -> Self {
        Rows {
            column,
            named_shape: None,
            token_id_rows: 0,
            disagreement_noted: false,
        }
    }

    /// Adds the row's sequence to `sink`. `location` places a note about
    /// the field it is given; the caller places errors.
    pub(super) fn take<S: LengthSink + ?Sized>(
        &mut self,
        row: Row<'_>,
        sink: &mut S,
        notes: &mut Vec<PendingNote>,
        location: impl Fn(&str) -> Location,
    ) -> Result<(), InputErrorKind> {
        let counted_named_token_ids = row.counted_named_token_ids(self.column);
        let length = row.length?;
        if let Some(column) = self.column {
            match self.named_shape {
                None => self.named_shape = Some(length.shape()),
                Some(first) if first != length.shape() => {
                    return Err(InputErrorKind::FieldShapeChanged {
                        field: column.to_owned(),
                        first,
                        found: length.shape(),
                    });
                }
                Some(_) => {}
            }
        }
        if counted_named_token_ids {
            self.token_id_rows += 1;
        }
        if let Some(disagreement) = row.disagreement {
            if !self.disagreement_noted {
                self.disagreement_noted = true;
                notes.push(PendingNote::new(
                    location(disagreement.taken),
                    InputNoteKind::LengthFieldsDisagree {
                        taken: disagreement.taken,
                        other: disagreement.other,
                        taken_length: length.tokens(),
                        other_length: disagreement.other_length,
                    },
                ));
            }
        }
        sink.add_one(length.tokens())
    }

    /// The notes that hold for the whole file.
    pub(super) fn finish(self, notes: &mut Vec<PendingNote>) {
        if let (Some(column), true) = (self.column, self.token_id_rows > 0) {
            notes.push(PendingNote::new(
                Location::Unknown,
                InputNoteKind::ArraysCountedAsTokenIds {
                    field: column.to_owned(),
                    rows: self.token_id_rows,
                },
            ));
        }
    }
}

const LENGTH: &str = "length";
const NUM_TOKENS: &str = "num_tokens";

/// What a key of a row's object is for.
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
            Role::Length => LENGTH,
            Role::NumTokens => NUM_TOKENS,
            Role::InputIds => INPUT_IDS,
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
    named: Option<Result<FieldLength, InputErrorKind>>,
}

impl Candidates {
    /// The row's length by the usual fields in priority order, with the
    /// first other usual field that gives a different length.
    fn usual(self) -> Option<Row<'static>> {
        let present = [
            (LENGTH, self.length),
            (NUM_TOKENS, self.num_tokens),
            (INPUT_IDS, self.input_ids),
        ];
        let mut fields = present
            .into_iter()
            .filter_map(|(field, length)| length.map(|length| (field, length)));
        let (field, length) = fields.next()?;
        let disagreement = match &length {
            Ok(taken_length) => fields.find_map(|(other, other_length)| match other_length {
                Ok(other_length) if other_length != *taken_length => Some(Disagreement {
                    taken: field,
                    other,
                    other_length,
                }),
                _ => None,
            }),
            Err(_) => None,
        };
        let length = length.map(|tokens| {
            if field == INPUT_IDS {
                FieldLength::TokenIds(tokens)
            } else {
                FieldLength::Number(tokens)
            }
        });
        Some(Row {
            field,
            length,
            disagreement,
        })
    }
}

/// One row's object. Its value is the row (`None` when no field gives a
/// length). A value that is not an object is refused with the error
/// `not_an_object` makes of what it is.
pub(super) struct RecordSeed<'a, 'c> {
    pub(super) column: Option<&'c str>,
    pub(super) problem: &'a mut Option<Problem>,
    pub(super) not_an_object: fn(&'static str) -> InputErrorKind,
    /// Where the object's keys go (at most [`LISTED_FIELDS`]), for the
    /// error that says none gives a length; `None` to not keep them.
    pub(super) field_names: Option<&'a mut Vec<String>>,
}

impl<'de, 'c> DeserializeSeed<'de> for RecordSeed<'_, 'c> {
    type Value = Option<Row<'c>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'c> RecordSeed<'_, 'c> {
    fn reject<E: de::Error>(self, found: &'static str) -> Result<Option<Row<'c>>, E> {
        Err(raise(self.problem, (self.not_an_object)(found), None))
    }
}

impl<'de, 'c> Visitor<'de> for RecordSeed<'_, 'c> {
    type Value = Option<Row<'c>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    reject_shapes!(scalars, seq);

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut candidates = Candidates::default();
        if let Some(names) = self.field_names.as_deref_mut() {
            names.clear();
        }
        while let Some(role) = map.next_key_seed(RoleSeed {
            column: self.column,
            field_names: self.field_names.as_deref_mut(),
        })? {
            let field = role.key(self.column);
            let given_before = match role {
                Role::Ignored => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
                Role::Length => candidates.length.is_some(),
                Role::NumTokens => candidates.num_tokens.is_some(),
                Role::InputIds => candidates.input_ids.is_some(),
                Role::Named => candidates.named.is_some(),
            };
            if given_before {
                return Err(duplicate(self.problem, field));
            }
            let ids_or_number = |accepts_number| LengthSeed {
                field,
                accepts_number,
            };
            match role {
                Role::Length => {
                    candidates.length = Some(map.next_value_seed(NumberSeed(Quantity::Length))?);
                }
                Role::NumTokens => {
                    candidates.num_tokens =
                        Some(map.next_value_seed(NumberSeed(Quantity::Length))?);
                }
                Role::InputIds => {
                    let ids = map.next_value_seed(ids_or_number(false))?;
                    candidates.input_ids = Some(ids.map(FieldLength::tokens));
                }
                Role::Named => candidates.named = Some(map.next_value_seed(ids_or_number(true))?),
                Role::Ignored => {}
            }
        }
        Ok(match self.column {
            Some(column) => candidates.named.map(|length| Row {
                field: column,
                length,
                disagreement: None,
            }),
            None => candidates.usual(),
        })
    }
}

fn duplicate<E: de::Error>(problem: &mut Option<Problem>, field: &str) -> E {
    let kind = InputErrorKind::JsonDuplicateKey {
        key: field.to_owned(),
    };
    raise(problem, kind, Some(field.to_owned()))
}

/// Reads a key and tells its role, keeping its name only when asked to.
struct RoleSeed<'a> {
    column: Option<&'a str>,
    field_names: Option<&'a mut Vec<String>>,
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
        if let Some(names) = self.field_names {
            if names.len() < LISTED_FIELDS {
                names.push(key.to_owned());
            }
        }
        Ok(match self.column {
            Some(column) if key.eq_ignore_ascii_case(column) => Role::Named,
            Some(_) => Role::Ignored,
            None => match key {
                LENGTH => Role::Length,
                NUM_TOKENS => Role::NumTokens,
                INPUT_IDS => Role::InputIds,
                _ => Role::Ignored,
            },
        })
    }
}

/// A field that gives a length: as an array of token ids (counted, each
/// checked, none kept), or also as a number when `accepts_number`.
struct LengthSeed<'f> {
    /// The field's name, for errors.
    field: &'f str,
    accepts_number: bool,
}

type Parsed = Result<FieldLength, InputErrorKind>;

impl<'de> DeserializeSeed<'de> for LengthSeed<'_> {
    type Value = Parsed;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Parsed, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl LengthSeed<'_> {
    /// A scalar: the length it gives as a number (`as_number`), when
    /// numbers are accepted.
    fn number(self, found: &'static str, as_number: Result<u64, InputErrorKind>) -> Parsed {
        if self.accepts_number {
            as_number.map(FieldLength::Number)
        } else {
            Err(InputErrorKind::JsonExpectedArray {
                field: INPUT_IDS,
                found,
            })
        }
    }
}

/// The visitors of [`LengthSeed`] for scalars: a number when accepted.
macro_rules! scalar_as_number {
    ($($method:ident($($value:ident: $type:ty)?) = $found:literal;)*) => {
        $(
            fn $method<E: de::Error>(self $(, $value: $type)?) -> Result<Parsed, E> {
                let as_number = NumberSeed(Quantity::Length).$method::<E>($($value)?)?;
                Ok(self.number($found, as_number))
            }
        )*
    };
}

impl<'de> Visitor<'de> for LengthSeed<'_> {
    type Value = Parsed;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence length or an array of token ids")
    }

    scalar_as_number! {
        visit_u64(value: u64) = "a number";
        visit_i64(value: i64) = "a number";
        visit_f64(value: f64) = "a number";
        visit_str(text: &str) = "a string";
        visit_bool(value: bool) = "a boolean";
        visit_unit() = "null";
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Parsed, A::Error> {
        if self.accepts_number {
            return Ok(NumberSeed(Quantity::Length)
                .visit_map(map)?
                .map(FieldLength::Number));
        }
        let mut map = map;
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Err(InputErrorKind::JsonExpectedArray {
            field: INPUT_IDS,
            found: "an object",
        }))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Parsed, A::Error> {
        let mut ids: u64 = 0;
        let mut problem = None;
        while let Some(id) = seq.next_element_seed(TokenIdSeed)? {
            ids += 1;
            if problem.is_none() {
                problem = id.err();
            }
        }
        Ok(match problem {
            Some(TokenIdProblem::Nested(found)) => Err(InputErrorKind::TokenIdsNested {
                field: self.field.to_owned(),
                found,
            }),
            Some(TokenIdProblem::NotWhole(found)) => Err(InputErrorKind::TokenIdNotWhole {
                field: self.field.to_owned(),
                found,
            }),
            None if ids == 0 => Err(InputErrorKind::ZeroLength),
            None => Ok(FieldLength::TokenIds(ids)),
        })
    }
}

/// Why an element of a token id array is not a token id.
#[derive(Debug, Clone, Copy)]
enum TokenIdProblem {
    /// An array or object: the row holds several sequences, or structure.
    Nested(&'static str),
    /// A string, a fraction, a boolean or null.
    NotWhole(&'static str),
}

/// One token id: any whole number, negative ones included (`labels`
/// arrays mark ignored positions with -100). Arrays and objects are read
/// to their end so the row stays readable.
struct TokenIdSeed;

impl<'de> DeserializeSeed<'de> for TokenIdSeed {
    type Value = Result<(), TokenIdProblem>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TokenIdSeed {
    type Value = Result<(), TokenIdProblem>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a token id")
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Ok(()))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Ok(()))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Err(TokenIdProblem::NotWhole(
            "a number with a fraction or exponent",
        )))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Err(TokenIdProblem::NotWhole("a string")))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Err(TokenIdProblem::NotWhole("a boolean")))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Err(TokenIdProblem::NotWhole("null")))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Err(TokenIdProblem::Nested("an array")))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Err(TokenIdProblem::Nested("an object")))
    }
}
