//! NumPy `.npy` arrays: `np.save("lengths.npy", lengths)`.
//!
//! A `.npy` file is a signature, a version, a Python dict literal giving
//! the element type (`descr`), the layout (`fortran_order`) and the
//! `shape`, then the raw elements. Packlab parses the header itself and
//! reads the elements in fixed-size chunks.
//!
//! Accepted: integer elements of 1, 2, 4 or 8 bytes, signed or unsigned,
//! in either byte order (`=`, native order, is taken as little-endian, the
//! order of every machine NumPy runs on in practice). Shapes with at most
//! one dimension above 1, like `(n,)`, `(n, 1)` or `(1, n)`: all are a
//! list of lengths laid out the same way, in C or Fortran order alike.
//! A 0-dimensional array `()` is refused, as is anything after the data.

use std::io::{BufRead, ErrorKind, Read};

use super::error::{Failure, InputErrorKind, Location};
use super::format::NPY_MAGIC;
use super::number::parse_whole_number;
use super::sink::LengthSink;

/// Headers are about 128 bytes; a larger claim means a broken file, and
/// must not make Packlab allocate it.
const MAX_HEADER_BYTES: u32 = 1 << 20;

/// The chunk the elements are read in: a multiple of every element size.
const DATA_CHUNK_BYTES: usize = 64 * 1024;

/// How deeply the header's literals may nest (a structured dtype nests
/// lists in tuples; an integer array's header nests once).
const MAX_LITERAL_DEPTH: u32 = 8;

/// Reads every length of a `.npy` array.
pub(super) fn read_npy<R: BufRead>(
    input: &mut R,
    sink: &mut impl LengthSink,
) -> Result<(), Failure> {
    let array = read_header(input)?;
    let data_end = read_elements(input, &array, sink)?;
    check_nothing_follows(input, data_end)
}

/// What the header says about the data.
#[derive(Debug, PartialEq, Eq)]
struct ArrayLayout {
    element: ElementType,
    elements: u64,
    /// Where the data starts in the file.
    data_offset: u64,
}

/// An integer element type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ElementType {
    /// 1, 2, 4 or 8.
    bytes: usize,
    signed: bool,
    big_endian: bool,
}

fn bad_header(problem: impl Into<String>) -> Failure {
    Failure::new(
        Location::Unknown,
        InputErrorKind::NpyBadHeader {
            problem: problem.into(),
        },
    )
}

fn read_header<R: Read>(input: &mut R) -> Result<ArrayLayout, Failure> {
    let mut preamble = [0u8; 8];
    let got = read_fully(input, &mut preamble)?;
    if got < NPY_MAGIC.len() || !preamble.starts_with(NPY_MAGIC) {
        return Err(Failure::new(
            Location::ByteOffset(0),
            InputErrorKind::NpyBadMagic,
        ));
    }
    if got < preamble.len() {
        return Err(bad_header("the file ends inside the header"));
    }
    let [.., major, minor] = preamble;
    // Version 1 gives the header's length in 2 bytes, versions 2 and 3
    // (3 only changes the header's text encoding) in 4.
    let length_bytes = match (major, minor) {
        (1, 0) => 2,
        (2, 0) | (3, 0) => 4,
        _ => {
            return Err(Failure::new(
                Location::ByteOffset(6),
                InputErrorKind::NpyUnsupportedVersion { major, minor },
            ))
        }
    };
    let mut length_field = [0u8; 4];
    let length_slice = length_field.get_mut(..length_bytes).unwrap_or_default();
    if read_fully(input, length_slice)? < length_bytes {
        return Err(bad_header("the file ends inside the header"));
    }
    // Little-endian, zero-padded: the same for the 2- and 4-byte forms.
    let header_bytes = u32::from_le_bytes(length_field);
    if header_bytes > MAX_HEADER_BYTES {
        return Err(bad_header(format!(
            "it claims to be {header_bytes} bytes long, where real headers take about 128"
        )));
    }
    let mut header = vec![0u8; header_bytes as usize];
    if read_fully(input, &mut header)? < header.len() {
        return Err(bad_header("the file ends inside the header"));
    }
    let fields = LiteralParser::new(&header).dict().map_err(bad_header)?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
            .ok_or_else(|| bad_header(format!("it has no `{name}`")))
    };
    let element = match field("descr")? {
        Literal::Text(descr) => element_type(descr)
            .map_err(|kind| Failure::new(Location::Field("descr".to_owned()), kind))?,
        Literal::Sequence(_) => {
            return Err(Failure::new(
                Location::Field("descr".to_owned()),
                InputErrorKind::NpyUnsupportedDtype {
                    descr: "a structured dtype (a record of several fields)".to_owned(),
                },
            ))
        }
        _ => return Err(bad_header("`descr` is not a string")),
    };
    match field("fortran_order")? {
        // Either order lays out a list the same way.
        Literal::Bool(_) => {}
        _ => return Err(bad_header("`fortran_order` is not True or False")),
    }
    let shape = match field("shape")? {
        Literal::Sequence(dimensions) => dimensions
            .iter()
            .map(|dimension| match dimension {
                Literal::Integer(size) => Ok(*size),
                _ => Err(bad_header("`shape` holds something other than sizes")),
            })
            .collect::<Result<Vec<u64>, Failure>>()?,
        _ => return Err(bad_header("`shape` is not a tuple")),
    };
    let elements = elements_of_list(&shape)?;
    let data_offset = (NPY_MAGIC.len() + 2 + length_bytes) as u64 + u64::from(header_bytes);
    Ok(ArrayLayout {
        element,
        elements,
        data_offset,
    })
}

/// The number of elements of a shape that is a list: at least one
/// dimension, and at most one of them above 1.
fn elements_of_list(shape: &[u64]) -> Result<u64, Failure> {
    let is_list = !shape.is_empty() && shape.iter().filter(|&&size| size != 1).count() <= 1;
    if !is_list {
        let shown = match shape {
            [only] => format!("({only},)"),
            _ => format!(
                "({})",
                shape
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        return Err(Failure::new(
            Location::Field("shape".to_owned()),
            InputErrorKind::NpyShape { shape: shown },
        ));
    }
    // Every other dimension is 1, so the size of the list is the one that
    // is not (or 1).
    Ok(shape.iter().copied().find(|&size| size != 1).unwrap_or(1))
}

/// The element type of a `descr` such as `<i8`, `>u2` or `|u1`.
fn element_type(descr: &str) -> Result<ElementType, InputErrorKind> {
    let unsupported = || InputErrorKind::NpyUnsupportedDtype {
        descr: descr.to_owned(),
    };
    let (order, rest) = match descr.as_bytes() {
        [order @ (b'<' | b'>' | b'=' | b'|'), rest @ ..] => (*order, rest),
        rest => (b'=', rest),
    };
    let Some((&kind, size)) = rest.split_first() else {
        return Err(unsupported());
    };
    if kind == b'f' {
        return Err(InputErrorKind::NpyFloatDtype {
            descr: descr.to_owned(),
        });
    }
    let signed = match kind {
        b'i' => true,
        b'u' => false,
        _ => return Err(unsupported()),
    };
    let bytes = match parse_whole_number(size) {
        Ok(bytes @ (1 | 2 | 4 | 8)) => bytes as usize,
        _ => return Err(unsupported()),
    };
    // `|` means "byte order does not apply", true only of single bytes.
    if order == b'|' && bytes > 1 {
        return Err(unsupported());
    }
    Ok(ElementType {
        bytes,
        signed,
        big_endian: order == b'>',
    })
}

/// Reads and counts the elements; returns where the data ends.
fn read_elements<R: Read>(
    input: &mut R,
    array: &ArrayLayout,
    sink: &mut impl LengthSink,
) -> Result<u64, Failure> {
    let element_bytes = array.element.bytes as u64;
    let expected_bytes = array
        .elements
        .checked_mul(element_bytes)
        .ok_or_else(|| bad_header("its shape is too large to be real"))?;
    let mut chunk = vec![0u8; DATA_CHUNK_BYTES];
    let mut remaining = expected_bytes;
    let mut index: u64 = 0;
    while remaining > 0 {
        let wanted = remaining.min(DATA_CHUNK_BYTES as u64) as usize;
        let part = chunk.get_mut(..wanted).unwrap_or_default();
        let got = read_fully(input, part)?;
        for element in part
            .get(..got)
            .unwrap_or_default()
            .chunks_exact(array.element.bytes)
        {
            decode(element, array.element)
                .and_then(|length| sink.add_one(length))
                .map_err(|kind| Failure::new(Location::Element(index), kind))?;
            index += 1;
        }
        if got < wanted {
            let found_bytes = expected_bytes - remaining + got as u64;
            return Err(Failure::new(
                Location::ByteOffset(array.data_offset.saturating_add(found_bytes)),
                InputErrorKind::NpyTruncated {
                    expected_elements: array.elements,
                    expected_bytes,
                    found_bytes,
                },
            ));
        }
        remaining -= wanted as u64;
    }
    Ok(array.data_offset.saturating_add(expected_bytes))
}

/// One element as a length.
fn decode(element: &[u8], element_type: ElementType) -> Result<u64, InputErrorKind> {
    let assemble = |raw: u64, &byte: &u8| (raw << 8) | u64::from(byte);
    let mut raw = if element_type.big_endian {
        element.iter().fold(0, assemble)
    } else {
        element.iter().rev().fold(0, assemble)
    };
    if element_type.signed {
        // Sign-extend from the element's width to 64 bits.
        let unused_bits = 64 - 8 * element.len() as u32;
        let value = ((raw << unused_bits) as i64) >> unused_bits;
        if value < 0 {
            return Err(InputErrorKind::Negative {
                token: value.to_string(),
            });
        }
        raw = value.unsigned_abs();
    }
    if raw == 0 {
        return Err(InputErrorKind::ZeroLength);
    }
    Ok(raw)
}

/// Refuses bytes after the data: the file is not the single array it
/// claims to be.
fn check_nothing_follows<R: BufRead>(input: &mut R, data_end: u64) -> Result<(), Failure> {
    let mut extra_bytes: u64 = 0;
    loop {
        let available = match input.fill_buf() {
            Ok(available) => available.len(),
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(error) => return Err(Failure::io(&error)),
        };
        if available == 0 {
            break;
        }
        extra_bytes += available as u64;
        input.consume(available);
    }
    if extra_bytes > 0 {
        return Err(Failure::new(
            Location::ByteOffset(data_end),
            InputErrorKind::NpyTrailingData { extra_bytes },
        ));
    }
    Ok(())
}

/// Fills `buffer` from `input` unless the input ends first; returns how
/// many bytes it got.
/// Fills `buffer` unless the input ends first; returns the bytes read.
pub(super) fn read_fully<R: Read>(input: &mut R, buffer: &mut [u8]) -> Result<usize, Failure> {
    let mut filled = 0;
    while let Some(rest) = buffer.get_mut(filled..).filter(|rest| !rest.is_empty()) {
        match input.read(rest) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(error) if error.kind() == ErrorKind::Interrupted => {}
            Err(error) => return Err(Failure::io(&error)),
        }
    }
    Ok(filled)
}

/// A value of the header's Python literal.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Literal {
    Text(String),
    Bool(bool),
    None,
    Integer(u64),
    /// A tuple or a list.
    Sequence(Vec<Literal>),
}

/// A parser for the small part of Python literal syntax that `.npy`
/// headers use: a dict of strings, booleans, `None`, non-negative
/// integers, tuples and lists. Problems come back as descriptions.
struct LiteralParser<'a> {
    rest: &'a [u8],
}

impl<'a> LiteralParser<'a> {
    fn new(text: &'a [u8]) -> Self {
        LiteralParser { rest: text }
    }

    fn skip_space(&mut self) {
        self.rest = self.rest.trim_ascii_start();
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_space();
        self.rest.first().copied()
    }

    fn advance(&mut self, bytes: usize) {
        self.rest = self.rest.get(bytes..).unwrap_or_default();
    }

    fn expect(&mut self, wanted: u8) -> Result<(), String> {
        match self.peek() {
            Some(byte) if byte == wanted => {
                self.advance(1);
                Ok(())
            }
            Some(byte) => Err(format!(
                "expected `{}` but found `{}`",
                char::from(wanted),
                char::from(byte).escape_default()
            )),
            None => Err(format!(
                "expected `{}` but the header ends",
                char::from(wanted)
            )),
        }
    }

    /// `{key: value, ...}`, with an optional trailing comma.
    fn dict(&mut self) -> Result<Vec<(String, Literal)>, String> {
        self.expect(b'{')?;
        let mut fields = Vec::new();
        loop {
            if self.peek() == Some(b'}') {
                self.advance(1);
                return Ok(fields);
            }
            let key = match self.value(1)? {
                Literal::Text(key) => key,
                _ => return Err("a key is not a string".to_owned()),
            };
            self.expect(b':')?;
            let value = self.value(1)?;
            fields.push((key, value));
            if self.peek() == Some(b',') {
                self.advance(1);
            } else {
                self.expect(b'}')?;
                return Ok(fields);
            }
        }
    }

    fn value(&mut self, depth: u32) -> Result<Literal, String> {
        if depth > MAX_LITERAL_DEPTH {
            return Err("it nests too deeply".to_owned());
        }
        match self.peek() {
            Some(quote @ (b'\'' | b'"')) => self.text(quote),
            Some(b'(') => self.sequence(b')', depth),
            Some(b'[') => self.sequence(b']', depth),
            Some(b'0'..=b'9') => self.integer(),
            Some(b'-') => Err("`shape` has a negative size".to_owned()),
            Some(b'A'..=b'Z' | b'a'..=b'z') => self.name(),
            Some(byte) => Err(format!(
                "unexpected `{}`",
                char::from(byte).escape_default()
            )),
            None => Err("it ends before a value".to_owned()),
        }
    }

    /// A quoted string; a backslash keeps the next byte as it is, which
    /// is all the escaping NumPy's headers use.
    fn text(&mut self, quote: u8) -> Result<Literal, String> {
        self.advance(1);
        let mut text = Vec::new();
        let mut bytes = self.rest.iter();
        loop {
            match bytes.next() {
                None => return Err("a string is not closed".to_owned()),
                Some(&byte) if byte == quote => break,
                Some(b'\\') => text.extend(bytes.next()),
                Some(&byte) => text.push(byte),
            }
        }
        self.rest = bytes.as_slice();
        Ok(Literal::Text(String::from_utf8_lossy(&text).into_owned()))
    }

    /// Elements up to `close`, separated by commas, trailing comma allowed.
    fn sequence(&mut self, close: u8, depth: u32) -> Result<Literal, String> {
        self.advance(1);
        let mut elements = Vec::new();
        loop {
            if self.peek() == Some(close) {
                self.advance(1);
                return Ok(Literal::Sequence(elements));
            }
            elements.push(self.value(depth + 1)?);
            if self.peek() == Some(b',') {
                self.advance(1);
            } else {
                self.expect(close)?;
                return Ok(Literal::Sequence(elements));
            }
        }
    }

    /// Digits, with the `L` suffix Python 2 wrote for long integers.
    fn integer(&mut self) -> Result<Literal, String> {
        let digits = self
            .rest
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count();
        let value = parse_whole_number(self.rest.get(..digits).unwrap_or_default())
            .map_err(|_| "a size is too large".to_owned())?;
        self.advance(digits);
        if self.rest.first() == Some(&b'L') {
            self.advance(1);
        }
        Ok(Literal::Integer(value))
    }

    fn name(&mut self) -> Result<Literal, String> {
        let length = self
            .rest
            .iter()
            .take_while(|byte| byte.is_ascii_alphanumeric() || **byte == b'_')
            .count();
        let name = self.rest.get(..length).unwrap_or_default();
        let literal = match name {
            b"True" => Literal::Bool(true),
            b"False" => Literal::Bool(false),
            b"None" => Literal::None,
            _ => {
                return Err(format!(
                    "unexpected name `{}`",
                    String::from_utf8_lossy(name)
                ))
            }
        };
        self.advance(length);
        Ok(literal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_headers_parse() {
        let header = b"{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }          \n";
        let fields = LiteralParser::new(header).dict().unwrap();
        assert_eq!(
            fields,
            vec![
                ("descr".to_owned(), Literal::Text("<i8".to_owned())),
                ("fortran_order".to_owned(), Literal::Bool(false)),
                (
                    "shape".to_owned(),
                    Literal::Sequence(vec![Literal::Integer(3)])
                ),
            ]
        );
        let structured = b"{'descr': [('a', '<i4'), ('b', '<f8')], 'shape': (2L, 3)}";
        assert!(LiteralParser::new(structured).dict().is_ok());
    }

    #[test]
    fn broken_headers_say_why() {
        for (header, problem) in [
            (&b"{'descr': '<i8'"[..], "expected `}` but the header ends"),
            (b"{'shape': (-1,)}", "`shape` has a negative size"),
            (b"{'descr': nope}", "unexpected name `nope`"),
            (b"{'descr: 1}", "a string is not closed"),
            (b"[[[[[[[[[[1]]]]]]]]]]", "expected `{` but found `[`"),
            (b"{'a': [[[[[[[[[[1]]]]]]]]]]}", "it nests too deeply"),
        ] {
            assert_eq!(LiteralParser::new(header).dict(), Err(problem.to_owned()));
        }
    }

    #[test]
    fn element_types() {
        let little_i4 = ElementType {
            bytes: 4,
            signed: true,
            big_endian: false,
        };
        assert_eq!(element_type("<i4"), Ok(little_i4));
        assert_eq!(element_type("=i4"), Ok(little_i4));
        assert_eq!(
            element_type(">u2"),
            Ok(ElementType {
                bytes: 2,
                signed: false,
                big_endian: true
            })
        );
        assert!(element_type("|u1").is_ok());
        assert!(matches!(
            element_type("<f4"),
            Err(InputErrorKind::NpyFloatDtype { .. })
        ));
        for unsupported in ["|b1", "|i4", "<i16", "<c16", "<U10", "O", ""] {
            assert!(
                matches!(
                    element_type(unsupported),
                    Err(InputErrorKind::NpyUnsupportedDtype { .. })
                ),
                "{unsupported}"
            );
        }
    }

    #[test]
    fn elements_decode_in_both_orders_with_sign() {
        let big = ElementType {
            bytes: 2,
            signed: true,
            big_endian: true,
        };
        assert_eq!(decode(&[0x01, 0x02], big), Ok(0x0102));
        assert!(
            matches!(decode(&[0xFF, 0xFE], big), Err(InputErrorKind::Negative { token }) if token == "-2")
        );
        let little_u8 = ElementType {
            bytes: 8,
            signed: false,
            big_endian: false,
        };
        assert_eq!(decode(&[0xFF; 8], little_u8), Ok(u64::MAX));
        assert_eq!(decode(&[0; 8], little_u8), Err(InputErrorKind::ZeroLength));
    }

    #[test]
    fn list_shapes() {
        assert_eq!(elements_of_list(&[5]), Ok(5));
        assert_eq!(elements_of_list(&[5, 1]), Ok(5));
        assert_eq!(elements_of_list(&[1, 1, 5]), Ok(5));
        assert_eq!(elements_of_list(&[0]), Ok(0));
        for shape in [&[][..], &[2, 3][..]] {
            assert!(matches!(
                elements_of_list(shape).map_err(|failure| failure.kind),
                Err(InputErrorKind::NpyShape { .. })
            ));
        }
    }
}
