//! Telling a file's format from its name and first bytes, and refusing
//! content no reader can take (compressed files, containers, UTF-16,
//! binary data) before a reader gets confused by it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::{Failure, InputErrorKind};
use super::number::looks_numeric;

/// How much of the start of a file is looked at to tell its format.
pub(super) const HEAD_BYTES: usize = 8 * 1024;

/// The byte order mark some editors put at the start of UTF-8 text.
pub(super) const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The first bytes of every `.npy` file.
pub(super) const NPY_MAGIC: &[u8] = b"\x93NUMPY";

/// The first (and last) bytes of every Parquet file.
pub(super) const PARQUET_MAGIC: &[u8] = b"PAR1";

/// The first bytes of an Arrow IPC file.
pub(super) const ARROW_FILE_MAGIC: &[u8] = b"ARROW1";

/// The first bytes of an Arrow IPC stream (as `datasets` writes its
/// shards): the continuation marker in front of its schema message. No
/// text file starts so (these are not UTF-8).
pub(super) const ARROW_STREAM_START: &[u8] = b"\xFF\xFF\xFF\xFF";

/// The first bytes of every Megatron-LM index.
pub(super) const MEGATRON_MAGIC: &[u8] = b"MMIDIDX\x00\x00";

/// A file format Packlab reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Whole numbers separated by newlines, commas or white space.
    Text,
    /// A table with a header row (comma- or tab-separated).
    Csv,
    /// One JSON document: an array of lengths or a histogram.
    Json,
    /// JSON Lines: one object per line.
    Jsonl,
    /// A NumPy `.npy` array.
    Npy,
    /// A Megatron-LM / NeMo index (`.idx`).
    Megatron,
    /// A Parquet file (read from a file's path, natively).
    Parquet,
    /// An Arrow IPC file or stream (read from a file's path, natively).
    Arrow,
}

impl Format {
    /// Every format, in the order the documentation lists them.
    pub const ALL: [Format; 8] = [
        Format::Text,
        Format::Csv,
        Format::Json,
        Format::Jsonl,
        Format::Npy,
        Format::Megatron,
        Format::Parquet,
        Format::Arrow,
    ];

    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Npy => "npy",
            Format::Megatron => "megatron",
            Format::Parquet => "parquet",
            Format::Arrow => "arrow",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Parses a format's name, or a file extension that names it (`txt`,
/// `tsv`, `ndjson`), ignoring case.
impl FromStr for Format {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "text" | "txt" => Ok(Format::Text),
            "csv" | "tsv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "jsonl" | "ndjson" => Ok(Format::Jsonl),
            "npy" => Ok(Format::Npy),
            "megatron" | "idx" => Ok(Format::Megatron),
            "parquet" => Ok(Format::Parquet),
            "arrow" => Ok(Format::Arrow),
            _ => Err(format!(
                "unknown format `{text}`: use text, csv, json, jsonl, npy, megatron, parquet or arrow"
            )),
        }
    }
}

/// Tells the format of a file from its name and its first bytes.
///
/// The extension decides first: `.npy`; `.idx`; `.jsonl` and `.ndjson`; `.json`;
/// `.csv` and `.tsv`; `.txt`. One exception: a `.json` file whose first
/// object is not a histogram and fits on its first line is read as JSON
/// Lines, because popular tools (`datasets.Dataset.to_json`,
/// `pandas.to_json(lines=True)`) write JSON Lines under that name. Without
/// a known extension, the content decides: the NumPy signature means
/// `.npy`, Megatron's `MMIDIDX` an index; a first `[` means JSON; a first `{` means JSON when its first
/// key is `max_len`, `counts` or a number or when the object spans several
/// lines, and JSON Lines otherwise; a first line (comments aside) with a
/// field that is not a number means CSV; anything else is text.
///
/// A file of a single one-line object is told apart only when read: JSON
/// Lines guessed this way reads such a file as the JSON document it is
/// (see [`ReadOptions::column`](super::ReadOptions::column)).
pub fn detect_format(source_name: &str, head: &[u8]) -> Format {
    let content = head.strip_prefix(UTF8_BOM).unwrap_or(head);
    match format_from_extension(source_name) {
        Some(Format::Json) if first_object_is_json_lines(content) == Some(true) => Format::Jsonl,
        Some(format) => format,
        None => format_from_content(content),
    }
}

pub(super) fn format_from_extension(source_name: &str) -> Option<Format> {
    let file_name = source_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(source_name);
    let (_, extension) = file_name.rsplit_once('.')?;
    let extension = extension.to_ascii_lowercase();
    match extension.as_str() {
        "npy" => Some(Format::Npy),
        "idx" => Some(Format::Megatron),
        "parquet" => Some(Format::Parquet),
        "arrow" => Some(Format::Arrow),
        "jsonl" | "ndjson" => Some(Format::Jsonl),
        "json" => Some(Format::Json),
        "csv" | "tsv" => Some(Format::Csv),
        "txt" => Some(Format::Text),
        _ => None,
    }
}

fn format_from_content(content: &[u8]) -> Format {
    if content.starts_with(NPY_MAGIC) {
        return Format::Npy;
    }
    if content.starts_with(MEGATRON_MAGIC) {
        return Format::Megatron;
    }
    if content.starts_with(PARQUET_MAGIC) {
        return Format::Parquet;
    }
    if content.starts_with(ARROW_FILE_MAGIC) || content.starts_with(ARROW_STREAM_START) {
        return Format::Arrow;
    }
    match content.iter().find(|byte| !byte.is_ascii_whitespace()) {
        Some(b'[') => return Format::Json,
        Some(b'{') => {
            return match first_object_is_json_lines(content) {
                Some(false) => Format::Json,
                _ => Format::Jsonl,
            }
        }
        _ => {}
    }
    let has_column_name = first_data_line(content).is_some_and(|line| {
        line.split(|&b| b == b',' || b == b';' || b.is_ascii_whitespace())
            .any(|field| !field.is_empty() && !looks_numeric(field))
    });
    if has_column_name {
        Format::Csv
    } else {
        Format::Text
    }
}

/// For content that starts with `{`: `Some(false)` when the first object
/// is a JSON document (its first key marks a histogram: `max_len`,
/// `counts`, a number, or an empty object; or it spans several lines, which
/// a JSON Lines object never does), `Some(true)` otherwise, `None` when
/// the content does not start with an object or the head ends before the
/// first key does.
fn first_object_is_json_lines(content: &[u8]) -> Option<bool> {
    let trimmed = content.trim_ascii_start();
    if first_object_spans_lines(trimmed) {
        return Some(false);
    }
    let after_brace = trimmed.strip_prefix(b"{")?.trim_ascii_start();
    if after_brace.starts_with(b"}") {
        return Some(false);
    }
    let key_and_rest = after_brace.strip_prefix(b"\"")?;
    let key_end = key_and_rest.iter().position(|&b| b == b'"')?;
    let key = key_and_rest.get(..key_end)?;
    let marks_histogram = key == b"max_len"
        || key == b"counts"
        || key
            .first()
            .is_some_and(|&first| first.is_ascii_digit() || first == b'-');
    Some(!marks_histogram)
}

/// True when a line ends inside the JSON value `content` starts with,
/// before it closes or the head ends. Strings are skipped: a raw line end
/// never occurs in one, but a `{` or `"` may.
fn first_object_spans_lines(content: &[u8]) -> bool {
    let mut depth: u32 = 0;
    let mut in_string = false;
    let mut escaped = false;
    for &byte in content {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return false;
                }
            }
            b'\n' | b'\r' if depth > 0 => return true,
            _ => {}
        }
    }
    false
}

/// The first line that is neither blank nor only a comment, with any
/// trailing comment removed and white space trimmed.
pub(super) fn first_data_line(content: &[u8]) -> Option<&[u8]> {
    content
        .split(|&b| b == b'\n' || b == b'\r')
        .map(|line| {
            let without_comment = match line.iter().position(|&b| b == b'#') {
                Some(at) => line.get(..at).unwrap_or(line),
                None => line,
            };
            without_comment.trim_ascii()
        })
        .find(|line| !line.is_empty())
}

/// Compressed files and container formats that users might reasonably
/// try, each with the way to get a file Packlab reads.
pub(super) fn unsupported_container(head: &[u8]) -> Option<InputErrorKind> {
    let (container, fix) = if head.starts_with(b"\x1F\x8B") {
        (
            "gzip-compressed",
            "Decompress it first (gunzip FILE) and read the result",
        )
    } else if head.starts_with(b"\x28\xB5\x2F\xFD") {
        (
            "zstd-compressed",
            "Decompress it first (zstd -d FILE) and read the result",
        )
    } else if head.starts_with(b"PK\x03\x04") {
        (
            "a zip archive (an .npz file is one)",
            "Extract the file inside it, or save a single array with np.save",
        )
    } else {
        return None;
    };
    Some(InputErrorKind::UnsupportedContainer { container, fix })
}

/// Refuses UTF-16 (with or without a byte order mark) and binary content
/// before a text reader gets confused by it.
pub(super) fn check_text_encoding(head: &[u8]) -> Result<(), Failure> {
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") || looks_like_utf16(head) {
        return Err(InputErrorKind::Utf16.into());
    }
    let mut line = 1;
    for &byte in head {
        if byte == b'\n' {
            line += 1;
        } else if is_binary_byte(byte) {
            return Err(Failure::at_line(line, InputErrorKind::Binary { byte }));
        }
    }
    Ok(())
}

/// ASCII text saved as UTF-16 without a byte order mark: every other byte
/// is zero.
fn looks_like_utf16(head: &[u8]) -> bool {
    let sample = head.get(..64).unwrap_or(head);
    if sample.len() < 4 {
        return false;
    }
    let zero_at = |parity: usize| {
        sample
            .iter()
            .enumerate()
            .all(|(index, &byte)| (byte == 0) == (index % 2 == parity))
    };
    zero_at(0) || zero_at(1)
}

/// Control bytes that text files do not contain (tab, newlines, vertical
/// tab and form feed are white space, not binary).
pub(super) fn is_binary_byte(byte: u8) -> bool {
    matches!(byte, 0x00..=0x08 | 0x0E..=0x1F | 0x7F)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_decides_first() {
        assert_eq!(detect_format("a.NPY", b"12\n"), Format::Npy);
        assert_eq!(detect_format("dir.v2/a.ndjson", b"12\n"), Format::Jsonl);
        assert_eq!(detect_format("a.json", b"[1]"), Format::Json);
        assert_eq!(detect_format("a.tsv", b"12\n"), Format::Csv);
        assert_eq!(detect_format("a.txt", b"length\n12\n"), Format::Text);
    }

    #[test]
    fn json_lines_saved_as_json_are_read_as_json_lines() {
        assert_eq!(detect_format("a.json", b"{\"length\": 3}\n"), Format::Jsonl);
        assert_eq!(detect_format("a.json", b"{\"max_len\": 3}"), Format::Json);
        assert_eq!(detect_format("a.json", b" { \"17\": 3}"), Format::Json);
        assert_eq!(detect_format("a.json", b"{}"), Format::Json);
    }

    #[test]
    fn an_object_over_several_lines_is_one_json_document() {
        let pretty = b"{\n  \"lengths\": [1, 2]\n}\n";
        assert_eq!(detect_format("a.json", pretty), Format::Json);
        assert_eq!(detect_format("data", pretty), Format::Json);
        assert_eq!(detect_format("a.jsonl", pretty), Format::Jsonl);
        assert_eq!(
            detect_format("a.json", b"{\"lengths\":\r[1]}"),
            Format::Json
        );
        // Braces and escaped quotes in strings do not end the object early.
        let lines = b"{\"text\": \"}{ \\\" ]\"}\n{\"text\": \"b\"}\n";
        assert_eq!(detect_format("a.json", lines), Format::Jsonl);
        assert!(!first_object_spans_lines(lines));
        assert!(first_object_spans_lines(b"{\"text\": \"\\\"\", \"a\": [\n"));
    }

    #[test]
    fn content_decides_without_a_known_extension() {
        assert_eq!(detect_format("data", b"\x93NUMPY\x01\x00"), Format::Npy);
        assert_eq!(detect_format("data", b"  [1, 2]"), Format::Json);
        assert_eq!(detect_format("data", b"{\"counts\": []"), Format::Json);
        assert_eq!(detect_format("data", b"{\"text\": \"a\"}"), Format::Jsonl);
        assert_eq!(
            detect_format("data", b"# lengths\n\nid,length\n"),
            Format::Csv
        );
        assert_eq!(
            detect_format("data", b"# lengths\n12 # first\n"),
            Format::Text
        );
        assert_eq!(detect_format("data", b"12.5\n1e3\n0x10\n"), Format::Text);
        assert_eq!(detect_format("data.bin", b""), Format::Text);
    }

    #[test]
    fn utf16_without_a_byte_order_mark_is_recognised() {
        assert!(looks_like_utf16(b"1\x002\x00\n\x00"));
        assert!(looks_like_utf16(b"\x001\x002\x00\n"));
        assert!(!looks_like_utf16(b"12\n34\n"));
    }
}
