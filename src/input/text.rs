//! Plain lists of lengths: `512\n37\n`, `512, 37`, `512 37 # comment`.
//!
//! This is the format of the largest files Packlab sees (one line per
//! sequence, tens of millions of lines), so it is read by a hand-written
//! scanner over the reader's buffer: no allocation per number, no UTF-8
//! validation, each byte looked at once. A number may be split across two
//! buffer fills; the scanner keeps its state between them.

use std::io::{BufRead, ErrorKind};

use super::error::{Failure, InputErrorKind};
use super::format::is_binary_byte;
use super::number::diagnose;
use super::sink::LengthSink;

/// How many bytes of a rejected token are kept for its error message and
/// diagnosis: enough to tell `12.5` from `-12` from `0x1F`.
const KEPT_TOKEN_BYTES: usize = 64;

/// Reads every length of a plain list.
pub(super) fn read_text<R: BufRead, S: LengthSink>(
    input: &mut R,
    sink: &mut S,
) -> Result<(), Failure> {
    let mut scanner = Scanner::new();
    loop {
        let chunk = match input.fill_buf() {
            Ok(chunk) => chunk,
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(error) => return Err(Failure::io(&error)),
        };
        if chunk.is_empty() {
            break;
        }
        let consumed = chunk.len();
        scanner.scan(chunk, sink)?;
        input.consume(consumed);
    }
    scanner.finish(sink)
}

/// What the scanner is in the middle of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Between tokens.
    Separator,
    /// Reading the digits of a number.
    Number,
    /// Skipping a `#` comment up to the end of the line.
    Comment,
    /// Reading to the end of a token that is not a length, to report it.
    Rejected,
}

/// The scanner's state between two buffer fills.
struct Scanner {
    mode: Mode,
    /// The value of the digits read so far, in [`Mode::Number`].
    value: u64,
    /// The line being read, counted from 1.
    line: u64,
    /// The last buffer ended with a CR, so whether it ended a line (a lone
    /// CR) or starts a CRLF depends on the next buffer's first byte.
    pending_cr: bool,
    /// The bytes of the current token read from earlier buffers, at most
    /// [`KEPT_TOKEN_BYTES`]; only filled when a token spans buffers.
    token_start: Vec<u8>,
}

impl Scanner {
    fn new() -> Self {
        Scanner {
            mode: Mode::Separator,
            value: 0,
            line: 1,
            pending_cr: false,
            token_start: Vec::with_capacity(KEPT_TOKEN_BYTES),
        }
    }

    /// Reads one buffer. State that outlives the buffer is copied to locals
    /// while scanning and written back at the end, so the hot loop works on
    /// registers.
    fn scan<S: LengthSink>(&mut self, chunk: &[u8], sink: &mut S) -> Result<(), Failure> {
        if self.pending_cr {
            self.pending_cr = false;
            if chunk.first() != Some(&b'\n') {
                self.line += 1;
            }
        }
        let mut mode = self.mode;
        let mut value = self.value;
        let mut line = self.line;
        // Where the current token starts in this chunk (0 when it started
        // in an earlier one, whose bytes are in `self.token_start`).
        let mut token_offset = 0;
        let mut bytes = chunk.iter();
        loop {
            match mode {
                Mode::Separator => loop {
                    let Some(&byte) = bytes.next() else {
                        self.save(mode, value, line);
                        return Ok(());
                    };
                    let digit = byte.wrapping_sub(b'0');
                    if digit < 10 {
                        value = u64::from(digit);
                        token_offset = chunk.len() - bytes.as_slice().len() - 1;
                        mode = Mode::Number;
                        break;
                    }
                    match separator(byte, bytes.as_slice(), &mut line, &mut self.pending_cr) {
                        Some(next) => {
                            if next == Mode::Comment {
                                mode = next;
                                break;
                            }
                        }
                        None => {
                            token_offset = chunk.len() - bytes.as_slice().len() - 1;
                            mode = Mode::Rejected;
                            break;
                        }
                    }
                },
                Mode::Number => loop {
                    let Some(&byte) = bytes.next() else {
                        self.keep_token(chunk.get(token_offset..).unwrap_or_default());
                        self.save(mode, value, line);
                        return Ok(());
                    };
                    let digit = byte.wrapping_sub(b'0');
                    if digit < 10 {
                        match value
                            .checked_mul(10)
                            .and_then(|tens| tens.checked_add(u64::from(digit)))
                        {
                            Some(next) => value = next,
                            None => {
                                mode = Mode::Rejected;
                                break;
                            }
                        }
                        continue;
                    }
                    // Classify the terminator before counting the number:
                    // `12.5` must not count 12.
                    let number_line = line;
                    match separator(byte, bytes.as_slice(), &mut line, &mut self.pending_cr) {
                        Some(next) => {
                            add_length(value, number_line, sink)?;
                            self.token_start.clear();
                            mode = next;
                            break;
                        }
                        None => {
                            mode = Mode::Rejected;
                            break;
                        }
                    }
                },
                Mode::Comment => {
                    let Some(&end) = bytes.find(|&&byte| byte == b'\n' || byte == b'\r') else {
                        self.save(mode, value, line);
                        return Ok(());
                    };
                    // Only line ends get here, so `separator` cannot refuse.
                    separator(end, bytes.as_slice(), &mut line, &mut self.pending_cr);
                    mode = Mode::Separator;
                }
                Mode::Rejected => {
                    let rest = bytes.as_slice();
                    let token_end = rest.iter().position(|&byte| ends_token(byte));
                    // A binary byte that ends the token stays in it, so the
                    // error says the file is binary.
                    let ends_in_binary = token_end
                        .and_then(|at| rest.get(at))
                        .is_some_and(|&byte| is_binary_byte(byte));
                    let end_in_chunk = chunk.len() - rest.len()
                        + token_end.unwrap_or(rest.len())
                        + usize::from(ends_in_binary);
                    self.keep_token(chunk.get(token_offset..end_in_chunk).unwrap_or_default());
                    // Once enough of the token is kept, or it has ended,
                    // the rest of the file does not change the diagnosis.
                    if token_end.is_some() || self.token_start.len() >= KEPT_TOKEN_BYTES {
                        return Err(self.rejection(line));
                    }
                    self.save(mode, value, line);
                    return Ok(());
                }
            }
        }
    }

    /// Ends the scan at the end of the input.
    fn finish<S: LengthSink>(&mut self, sink: &mut S) -> Result<(), Failure> {
        match self.mode {
            Mode::Number => add_length(self.value, self.line, sink),
            Mode::Rejected => Err(self.rejection(self.line)),
            Mode::Separator | Mode::Comment => Ok(()),
        }
    }

    fn save(&mut self, mode: Mode, value: u64, line: u64) {
        self.mode = mode;
        self.value = value;
        self.line = line;
    }

    /// Appends to the kept start of the current token, up to the limit.
    fn keep_token(&mut self, bytes: &[u8]) {
        let room = KEPT_TOKEN_BYTES.saturating_sub(self.token_start.len());
        self.token_start
            .extend_from_slice(bytes.get(..room).unwrap_or(bytes));
    }

    /// The error for the rejected token kept in `token_start`.
    fn rejection(&self, line: u64) -> Failure {
        let token = &self.token_start;
        let kind = match token.iter().copied().find(|&byte| is_binary_byte(byte)) {
            Some(byte) => InputErrorKind::Binary { byte },
            None => diagnose(token),
        };
        Failure::at_line(line, kind)
    }
}

/// How many numbers each line at the start of a file holds, when every
/// line holds the same number of them, two or more, over two lines or
/// more: the rows of a table whose header is missing, perhaps lengths and
/// their counts. `whole_file` says `head` is the whole file; otherwise its
/// last line may be cut short and is left out.
pub(super) fn numbers_per_row(head: &[u8], whole_file: bool) -> Option<u64> {
    let is_line_end = |byte: &u8| *byte == b'\n' || *byte == b'\r';
    let complete_lines = if whole_file {
        head
    } else {
        let last_line_end = head.iter().rposition(is_line_end)?;
        head.get(..last_line_end)?
    };
    let mut per_line = None;
    let mut rows: u64 = 0;
    for line in complete_lines.split(is_line_end) {
        let data = line.split(|&byte| byte == b'#').next().unwrap_or_default();
        let numbers = data
            .split(|&byte| matches!(byte, b' ' | b'\t' | b',' | 0x0B | 0x0C))
            .filter(|token| !token.is_empty())
            .count() as u64;
        if numbers == 0 {
            continue;
        }
        if *per_line.get_or_insert(numbers) != numbers {
            return None;
        }
        rows += 1;
    }
    per_line.filter(|&numbers| numbers >= 2 && rows >= 2)
}

/// Counts a complete number.
#[inline]
fn add_length<S: LengthSink>(length: u64, line: u64, sink: &mut S) -> Result<(), Failure> {
    if length == 0 {
        return Err(Failure::at_line(line, InputErrorKind::ZeroLength));
    }
    sink.add_one(length)
        .map_err(|kind| Failure::at_line(line, kind))
}

/// Handles a byte that is not a digit. Returns the mode it leads to for a
/// separator or comment start (counting line ends), or `None` for a byte
/// that cannot stand between numbers. `rest` is what follows the byte in
/// the buffer, to tell CRLF from a lone CR.
#[inline]
fn separator(byte: u8, rest: &[u8], line: &mut u64, pending_cr: &mut bool) -> Option<Mode> {
    match byte {
        b'\n' => *line += 1,
        b' ' | b'\t' | b',' | 0x0B | 0x0C => {}
        b'\r' => match rest.first() {
            // The LF that follows ends the line.
            Some(b'\n') => {}
            Some(_) => *line += 1,
            None => *pending_cr = true,
        },
        b'#' => return Some(Mode::Comment),
        _ => return None,
    }
    Some(Mode::Separator)
}

/// The bytes that end a rejected token (a binary byte ends it too, so the
/// error can say the file is binary).
fn ends_token(byte: u8) -> bool {
    matches!(
        byte,
        b'\n' | b'\r' | b' ' | b'\t' | b',' | 0x0B | 0x0C | b'#'
    ) || is_binary_byte(byte)
}

#[cfg(test)]
mod tests {
    use std::io::{BufReader, Read};

    use super::*;
    use crate::input::sink::Sink;
    use crate::input::Location;

    /// A reader that hands out at most `step` bytes per read, so that
    /// every token boundary falls on a buffer edge at some step.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
            let take = self.step.min(buffer.len()).min(self.data.len());
            let (now, later) = self.data.split_at(take);
            buffer[..take].copy_from_slice(now);
            self.data = later;
            Ok(take)
        }
    }

    fn scan(data: &[u8], step: usize) -> Result<Vec<(u64, u64)>, Failure> {
        let mut input = BufReader::with_capacity(step, Trickle { data, step });
        let mut sink = Sink::default();
        read_text(&mut input, &mut sink)?;
        Ok(sink.into_counts().unwrap().iter().collect())
    }

    #[test]
    fn every_buffer_split_reads_the_same() {
        let data =
            b"# header comment\r\n512, 37\t9\r\n\r\n  1000000 # tail\r7\n18446744073709551615";
        let expected = vec![
            (7, 1),
            (9, 1),
            (37, 1),
            (512, 1),
            (1_000_000, 1),
            (u64::MAX, 1),
        ];
        for step in 1..=data.len() {
            assert_eq!(scan(data, step), Ok(expected.clone()), "step {step}");
        }
    }

    #[test]
    fn errors_report_the_same_line_and_token_at_every_split() {
        let data = b"1\r2\r\n3\n\n# c\r12.5e7 9\n";
        for step in 1..=data.len() {
            let failure = scan(data, step).unwrap_err();
            assert_eq!(failure.location, Location::Line(6), "step {step}");
            assert_eq!(
                failure.kind,
                InputErrorKind::Fractional {
                    token: "12.5e7".into()
                },
                "step {step}"
            );
        }
    }

    #[test]
    fn long_bad_tokens_stop_the_scan_early() {
        let mut data = b"5\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', 100_000));
        let failure = scan(&data, 7).unwrap_err();
        assert_eq!(failure.location, Location::Line(2));
        assert_eq!(
            failure.kind,
            InputErrorKind::NotANumber {
                token: format!("{}…", "x".repeat(20))
            }
        );
    }

    #[test]
    fn lines_of_equally_many_numbers_look_like_rows() {
        assert_eq!(numbers_per_row(b"512 3\n128, 7 # c\r\n\n", true), Some(2));
        assert_eq!(numbers_per_row(b"# l c\n1 2 3\n4 5 6", true), Some(3));
        // One line, one number a line, or lines that differ: a plain list.
        assert_eq!(numbers_per_row(b"512 3\n", true), None);
        assert_eq!(numbers_per_row(b"512\n3\n", true), None);
        assert_eq!(numbers_per_row(b"1, 2\t3 4\n5,6\n", true), None);
        // A head that is not the whole file leaves its cut last line out.
        assert_eq!(numbers_per_row(b"1 2\n3 4\n5", false), Some(2));
        assert_eq!(numbers_per_row(b"1 2\n3 4", false), None);
    }

    #[test]
    fn a_number_past_u64_is_too_large_even_across_buffers() {
        for step in 1..25 {
            let failure = scan(b"18446744073709551616\n", step).unwrap_err();
            assert!(
                matches!(failure.kind, InputErrorKind::TooLarge { .. }),
                "step {step}"
            );
        }
    }
}
