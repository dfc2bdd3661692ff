//! Whole numbers written as text, and the diagnosis of those that are not.
//!
//! Every text format (plain lists, CSV fields, JSON histogram keys) accepts
//! lengths written as plain decimal digits and nothing else. When a token is
//! not that, [`diagnose`] works out what the user probably wrote (a float, a
//! negative number, hexadecimal, thousands separators) so the error can say
//! how to fix it.

use super::error::InputErrorKind;

/// How many characters of a bad token an error message shows.
const SHOWN_TOKEN_CHARS: usize = 20;

/// The token as an error message shows it: lossy UTF-8, cut to about 20
/// characters with an ellipsis when longer.
pub(crate) fn display_token(token: &[u8]) -> String {
    let text = String::from_utf8_lossy(token);
    let mut chars = text.chars();
    let mut shown: String = chars.by_ref().take(SHOWN_TOKEN_CHARS).collect();
    if chars.next().is_some() {
        shown.push('…');
    }
    shown
}

/// Parses plain decimal digits (no sign, no spaces) into a number; zero is
/// allowed, callers that read lengths reject it themselves.
pub(crate) fn parse_whole_number(token: &[u8]) -> Result<u64, InputErrorKind> {
    if token.is_empty() {
        return Err(InputErrorKind::EmptyField);
    }
    let mut value: u64 = 0;
    for &byte in token {
        let digit = byte.wrapping_sub(b'0');
        if digit >= 10 {
            return Err(diagnose(token));
        }
        value = match value
            .checked_mul(10)
            .and_then(|tens| tens.checked_add(u64::from(digit)))
        {
            Some(next) => next,
            None => return Err(diagnose(token)),
        };
    }
    Ok(value)
}

/// Why `token`, which is not a plain decimal number below 2^64, is not a
/// sequence length. `token` may be the start of a longer token.
pub(crate) fn diagnose(token: &[u8]) -> InputErrorKind {
    let shown = display_token(token);
    let (negative, magnitude) = match token.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, token),
    };
    if negative && (all_digits(magnitude) || is_decimal(magnitude)) {
        return InputErrorKind::Negative { token: shown };
    }
    if !negative && all_digits(magnitude) {
        return InputErrorKind::TooLarge { token: shown };
    }
    if is_hexadecimal(token) {
        return InputErrorKind::Hexadecimal { token: shown };
    }
    let has_fraction_or_exponent = token.iter().any(|&b| matches!(b, b'.' | b'e' | b'E'));
    if is_decimal(token) && has_fraction_or_exponent {
        return InputErrorKind::Fractional { token: shown };
    }
    if has_thousands_separators(token) {
        return InputErrorKind::ThousandsSeparator { token: shown };
    }
    InputErrorKind::NotANumber { token: shown }
}

/// True when `field` reads as some kind of number (integer, decimal,
/// exponent, hexadecimal, signed): such a field is data, not a column name,
/// even when Packlab will go on to reject it.
pub(crate) fn looks_numeric(field: &[u8]) -> bool {
    let unsigned = match field.split_first() {
        Some((b'-' | b'+', rest)) => rest,
        _ => field,
    };
    is_decimal(unsigned) || is_hexadecimal(unsigned) || has_thousands_separators(unsigned)
}

fn all_digits(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit)
}

/// `0x1F`, `0X1f`.
fn is_hexadecimal(bytes: &[u8]) -> bool {
    match bytes {
        [b'0', b'x' | b'X', digits @ ..] => {
            !digits.is_empty() && digits.iter().all(u8::is_ascii_hexdigit)
        }
        _ => false,
    }
}

/// A number as floats are written: `12`, `12.`, `.5`, `12.50`, `1e3`,
/// `+1.5E-2`. At least one digit before the exponent.
fn is_decimal(bytes: &[u8]) -> bool {
    let bytes = match bytes.split_first() {
        Some((b'+', rest)) => rest,
        _ => bytes,
    };
    let (mantissa, exponent) = match bytes.iter().position(|&b| b == b'e' || b == b'E') {
        Some(at) => (bytes.get(..at).unwrap_or(&[]), bytes.get(at + 1..)),
        None => (bytes, None),
    };
    let (whole, fraction) = match mantissa.iter().position(|&b| b == b'.') {
        Some(at) => (
            mantissa.get(..at).unwrap_or(&[]),
            mantissa.get(at + 1..).unwrap_or(&[]),
        ),
        None => (mantissa, &[][..]),
    };
    let mantissa_ok = (!whole.is_empty() || !fraction.is_empty())
        && whole.iter().all(u8::is_ascii_digit)
        && fraction.iter().all(u8::is_ascii_digit);
    let exponent_ok = match exponent {
        None => true,
        Some(exponent) => {
            let digits = match exponent.split_first() {
                Some((b'+' | b'-', rest)) => rest,
                _ => exponent,
            };
            all_digits(digits)
        }
    };
    mantissa_ok && exponent_ok
}

/// `1,000` or `12,345,678`: one to three digits, then groups of three.
fn has_thousands_separators(bytes: &[u8]) -> bool {
    let mut groups = bytes.split(|&b| b == b',');
    let first_ok = groups
        .next()
        .is_some_and(|first| (1..=3).contains(&first.len()) && all_digits(first));
    let mut rest = groups.peekable();
    first_ok && rest.peek().is_some() && rest.all(|group| group.len() == 3 && all_digits(group))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_name(token: &str) -> &'static str {
        match diagnose(token.as_bytes()) {
            InputErrorKind::Negative { .. } => "negative",
            InputErrorKind::TooLarge { .. } => "too large",
            InputErrorKind::Hexadecimal { .. } => "hexadecimal",
            InputErrorKind::Fractional { .. } => "fractional",
            InputErrorKind::ThousandsSeparator { .. } => "thousands",
            InputErrorKind::NotANumber { .. } => "not a number",
            _ => "other",
        }
    }

    #[test]
    fn plain_digits_parse_up_to_u64_max() {
        assert_eq!(parse_whole_number(b"0"), Ok(0));
        assert_eq!(parse_whole_number(b"00512"), Ok(512));
        assert_eq!(parse_whole_number(b"18446744073709551615"), Ok(u64::MAX));
        assert_eq!(kind_name("18446744073709551616"), "too large");
        assert_eq!(parse_whole_number(b""), Err(InputErrorKind::EmptyField));
    }

    #[test]
    fn bad_tokens_are_diagnosed() {
        assert_eq!(kind_name("-5"), "negative");
        assert_eq!(kind_name("-1.5"), "negative");
        assert_eq!(kind_name("12.0"), "fractional");
        assert_eq!(kind_name("1e3"), "fractional");
        assert_eq!(kind_name(".5"), "fractional");
        assert_eq!(kind_name("+2E-3"), "fractional");
        assert_eq!(kind_name("+4"), "not a number");
        assert_eq!(kind_name("0x10"), "hexadecimal");
        assert_eq!(kind_name("1,000"), "thousands");
        assert_eq!(kind_name("12,345,678"), "thousands");
        assert_eq!(kind_name("1,00"), "not a number");
        assert_eq!(kind_name("e3"), "not a number");
        assert_eq!(kind_name("."), "not a number");
        assert_eq!(kind_name("-"), "not a number");
        assert_eq!(kind_name("12abc"), "not a number");
        assert_eq!(kind_name("nan"), "not a number");
    }

    #[test]
    fn long_tokens_are_shortened_on_a_character_boundary() {
        assert_eq!(display_token(b"short"), "short");
        assert_eq!(
            display_token("é".repeat(25).as_bytes()),
            format!("{}…", "é".repeat(20))
        );
        assert_eq!(display_token(&[0xFF, b'1']), "\u{FFFD}1");
    }

    #[test]
    fn header_words_do_not_look_numeric() {
        assert!(looks_numeric(b"12"));
        assert!(looks_numeric(b"-1.5e3"));
        assert!(looks_numeric(b"0x1F"));
        assert!(!looks_numeric(b"length"));
        assert!(!looks_numeric(b"e"));
        assert!(!looks_numeric(b""));
    }
}
