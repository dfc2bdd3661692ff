//! JSON values read one number at a time, shared by the readers of whole
//! documents (`json`) and of rows (`record`, for JSON Lines and arrays of
//! objects): what a number stands for, how a wrong one is described, and
//! the problems a visitor records for its caller to place.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::error::InputErrorKind;
use super::number::display_token;
use crate::histogram::MAX_SUPPORTED_MAX_LEN;

/// A problem a visitor found, waiting for the caller to add its position.
#[derive(Debug)]
pub(super) struct Problem {
    pub(super) kind: InputErrorKind,
    /// The key the problem is about, when that says more than a position.
    pub(super) field: Option<String>,
}

/// Records `kind` in `slot` and returns the error that stops serde.
pub(super) fn raise<E: de::Error>(
    slot: &mut Option<Problem>,
    kind: InputErrorKind,
    field: Option<String>,
) -> E {
    *slot = Some(Problem { kind, field });
    E::custom("Packlab input problem (see the recorded problem)")
}

/// What a JSON number stands for, which decides what is allowed and how
/// problems are described.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Quantity {
    /// A sequence length: at least 1.
    Length,
    /// A number of sequences: 0 or more.
    Count,
    /// The `max_len` of a dense histogram.
    MaxLen,
}

impl Quantity {
    fn described(self) -> &'static str {
        match self {
            Quantity::Length => "a sequence length",
            Quantity::Count => "a count",
            Quantity::MaxLen => "max_len",
        }
    }
}

/// Reads one whole number. A value of the wrong kind comes back as
/// `Ok(Err(problem))`, fully consumed, so the caller decides whether it
/// matters (a JSON Lines field that is not used does not).
#[derive(Debug, Clone, Copy)]
pub(super) struct NumberSeed(pub(super) Quantity);

impl<'de> DeserializeSeed<'de> for NumberSeed {
    type Value = Result<u64, InputErrorKind>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NumberSeed {
    type Value = Result<u64, InputErrorKind>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.described())
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        Ok(match self.0 {
            Quantity::Length if value == 0 => Err(InputErrorKind::ZeroLength),
            Quantity::MaxLen if !(1..=u64::from(MAX_SUPPORTED_MAX_LEN)).contains(&value) => {
                Err(InputErrorKind::InvalidMaxLen { value })
            }
            _ => Ok(value),
        })
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        match u64::try_from(value) {
            Ok(value) => self.visit_u64(value),
            Err(_) => Ok(Err(InputErrorKind::Negative {
                token: value.to_string(),
            })),
        }
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        Ok(Err(float_problem(value)))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Err(InputErrorKind::JsonString {
            text: display_token(text.as_bytes()),
            expected: self.0.described(),
        }))
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        Ok(Err(InputErrorKind::JsonBool {
            value,
            expected: self.0.described(),
        }))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Err(InputErrorKind::JsonNull {
            expected: self.0.described(),
        }))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Err(InputErrorKind::JsonArray {
            expected: self.0.described(),
        }))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Err(InputErrorKind::JsonObject {
            expected: self.0.described(),
        }))
    }
}

/// serde_json hands over as floats both numbers written with a fraction or
/// exponent and integers too large for 64 bits.
pub(super) fn float_problem(value: f64) -> InputErrorKind {
    /// 2^64: the first whole number past `u64::MAX`.
    const FIRST_TOO_LARGE: f64 = 18_446_744_073_709_551_616.0;
    if value < 0.0 {
        InputErrorKind::Negative {
            token: value.to_string(),
        }
    } else if value >= FIRST_TOO_LARGE {
        InputErrorKind::TooLarge {
            token: display_token(value.to_string().as_bytes()),
        }
    } else {
        InputErrorKind::Fractional {
            token: format!("{value:?}"),
        }
    }
}

/// Defines the `visit_*` methods of the JSON shapes a visitor does not
/// accept, each naming the shape and handing it to the visitor's `reject`.
/// Arrays and objects are read to their end first, so a visitor whose
/// `reject` returns `Ok` leaves the document readable.
macro_rules! reject_shapes {
    ($($shape:ident),*) => { $(reject_shapes!(@ $shape);)* };
    (@ scalars) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            self.reject("a boolean")
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            self.reject("a number")
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            self.reject("a number")
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            self.reject("a number")
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            self.reject("a string")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            self.reject("null")
        }
    };
    (@ seq) => {
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            self.reject("an array")
        }
    };
    (@ map) => {
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            self.reject("an object")
        }
    };
}
pub(super) use reject_shapes;
