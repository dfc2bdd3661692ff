//! The catalogue of bad (and odd but acceptable) inputs users drop on
//! Packlab, with what must happen to each. Shared by the command-line test
//! (`tests/catalogue.rs`) and the WebAssembly test (`tests/wasm.rs`), so the
//! CLI and the page answer every case the same way.

/// What must happen to an input.
#[derive(Debug, Clone, Copy)]
pub enum Expect {
    /// Read, with this many sequences: a documented acceptance.
    Accepted { sequences: u64 },
    /// Refused with a message holding every one of these fragments (the
    /// place, the problem and the fix).
    Refused(&'static [&'static str]),
}

/// One input of the catalogue.
pub struct Case {
    /// The file name (its extension takes part in format detection).
    pub name: &'static str,
    pub bytes: Vec<u8>,
    pub expect: Expect,
}

fn case(name: &'static str, bytes: impl Into<Vec<u8>>, expect: Expect) -> Case {
    Case {
        name,
        bytes: bytes.into(),
        expect,
    }
}

/// A NumPy `.npy` file: version 1.0, the given header dictionary, then `data`.
fn npy(header: &str, data: &[u8]) -> Vec<u8> {
    let mut dictionary = header.to_string();
    // The header is padded with spaces and a newline to a multiple of 64.
    let unpadded = 10 + dictionary.len() + 1;
    dictionary.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    dictionary.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(dictionary.len() as u16).to_le_bytes());
    bytes.extend_from_slice(dictionary.as_bytes());
    bytes.extend_from_slice(data);
    bytes
}

fn little_endian_i64(values: &[i64]) -> Vec<u8> {
    values
        .iter()
        .flat_map(|value| value.to_le_bytes())
        .collect()
}

use Expect::{Accepted, Refused};

/// Every case. Messages name the file and the place (`name:line`, a JSON
/// field, a NumPy element), say what is wrong, and how to fix it.
pub fn cases() -> Vec<Case> {
    vec![
        // Text.
        case(
            "empty.txt",
            "",
            Refused(&["empty.txt", "no sequence lengths"]),
        ),
        case(
            "comments.txt",
            "# lengths of the eval split\n# none yet\n",
            Refused(&["comments.txt", "no sequence lengths"]),
        ),
        case(
            "blank.txt",
            "\n\n   \n\t\n",
            Refused(&["blank.txt", "no sequence lengths"]),
        ),
        case(
            "negative.txt",
            "12\n-3\n",
            Refused(&["negative.txt:2", "-3", "negative"]),
        ),
        case(
            "zero.txt",
            "12\n0\n7\n",
            Refused(&["zero.txt:2", "length 0", "filter them out"]),
        ),
        case(
            "float.txt",
            "12\n12.0\n",
            Refused(&["float.txt:2", "12.0", "whole"]),
        ),
        case(
            "exponent.txt",
            "1e3\n",
            Refused(&["exponent.txt:1", "1e3", "whole"]),
        ),
        case(
            "huge.txt",
            "18446744073709551616\n",
            Refused(&["huge.txt:1", "18446744073709551616"]),
        ),
        case("hex.txt", "0x10\n", Refused(&["hex.txt:1", "0x10"])),
        case(
            "words.txt",
            "12\ntwelve\n",
            Refused(&["words.txt:2", "twelve"]),
        ),
        case("mixed.txt", "1, 2\t3 4\n5,6\n", Accepted { sequences: 6 }),
        case("bom.txt", "\u{feff}5\n6\n", Accepted { sequences: 2 }),
        case(
            "utf16.txt",
            b"\xff\xfe5\x00\n\x00".to_vec(),
            Refused(&["utf16.txt", "UTF-16", "UTF-8"]),
        ),
        case("crlf.txt", "5\r\n6\r\n", Accepted { sequences: 2 }),
        case(
            "lone-cr.txt",
            "5\r6\r-1\r",
            Refused(&["lone-cr.txt:3", "negative"]),
        ),
        case("no-final-newline.txt", "5\n6", Accepted { sequences: 2 }),
        case(
            "long-line.txt",
            "7 ".repeat(200_000),
            Accepted { sequences: 200_000 },
        ),
        case(
            "nul.txt",
            b"5\n\x006\n".to_vec(),
            Refused(&["nul.txt", "binary"]),
        ),
        case(
            "random.bin",
            (0..=255u8).rev().cycle().take(4096).collect::<Vec<u8>>(),
            Refused(&["random.bin"]),
        ),
        // CSV.
        case(
            "header-only.csv",
            "length\n",
            Refused(&["header-only.csv", "no sequence lengths"]),
        ),
        case(
            "tokens-column.csv",
            "id,tokens\n1,5\n",
            Accepted { sequences: 1 },
        ),
        case(
            "two-numeric.csv",
            "id,score\n1,5\n2,6\n",
            Refused(&["two-numeric.csv", "--column"]),
        ),
        case(
            "thousands.csv",
            "length\n\"1,000\"\n",
            Refused(&["thousands.csv:2", "1,000"]),
        ),
        case(
            "non-numeric.csv",
            "length\n5\nlong\n",
            Refused(&["non-numeric.csv:3", "length", "long"]),
        ),
        case(
            "histogram.csv",
            "length,count\n5,3\n9,0\n12,2\n",
            Accepted { sequences: 5 },
        ),
        case(
            "histogram-repeat.csv",
            "length,count\n5,3\n5,2\n",
            Refused(&["histogram-repeat.csv:3", "5"]),
        ),
        // JSON.
        case("array.json", "[5, 7, 7]", Accepted { sequences: 3 }),
        case("nested.json", "[[1, 2], [3]]", Refused(&["nested.json"])),
        case("strings.json", r#"["5", "6"]"#, Refused(&["strings.json"])),
        case("nulls.json", "[5, null]", Refused(&["nulls.json"])),
        case("booleans.json", "[true]", Refused(&["booleans.json"])),
        case("floats.json", "[5, 6.5]", Refused(&["floats.json", "6.5"])),
        case(
            "objects.json",
            r#"{"a": {"b": 1}}"#,
            Refused(&["objects.json"]),
        ),
        case(
            "duplicate-key.json",
            r#"{"max_len": 4, "max_len": 4, "counts": [1, 0, 0, 0]}"#,
            Refused(&["duplicate-key.json", "max_len"]),
        ),
        case(
            "sparse-repeat.json",
            r#"{"17": 5, "17": 2}"#,
            Refused(&["sparse-repeat.json", "17"]),
        ),
        case(
            "counts-short.json",
            r#"{"max_len": 4, "counts": [1, 2, 3]}"#,
            Refused(&["counts-short.json", "counts", "i+1"]),
        ),
        case(
            "counts-long.json",
            r#"{"max_len": 4, "counts": [0, 1, 2, 3, 4]}"#,
            Refused(&["counts-long.json", "counts", "drop the first entry"]),
        ),
        case(
            "unknown-key.json",
            r#"{"max_len": 4, "counts": [1, 0, 0, 0], "name": "x"}"#,
            Refused(&["unknown-key.json", "name"]),
        ),
        case(
            "sparse.json",
            r#"{"17": 120, "18": 95}"#,
            Accepted { sequences: 215 },
        ),
        case("trailing.json", "[5, 6] [7]", Refused(&["trailing.json"])),
        case(
            "largest-count.json",
            r#"{"1": 18446744073709551615}"#,
            Accepted {
                sequences: u64::MAX,
            },
        ),
        // JSON Lines.
        case(
            "broken.jsonl",
            "{\"length\": 5}\n{\"length\": 6\n{\"length\": 7}\n",
            Refused(&["broken.jsonl:2"]),
        ),
        case(
            "fields.jsonl",
            "{\"length\": 5}\n{\"num_tokens\": 6}\n{\"input_ids\": [1, 2, 3]}\n\n",
            Accepted { sequences: 3 },
        ),
        case(
            "no-field.jsonl",
            "{\"length\": 5}\n{\"text\": \"hello\"}\n",
            Refused(&["no-field.jsonl:2", "length"]),
        ),
        // NumPy.
        case(
            "lengths.npy",
            npy(
                "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }",
                &little_endian_i64(&[5, 6, 7]),
            ),
            Accepted { sequences: 3 },
        ),
        case(
            "fortran.npy",
            npy(
                "{'descr': '<i8', 'fortran_order': True, 'shape': (2,), }",
                &little_endian_i64(&[5, 6]),
            ),
            Accepted { sequences: 2 },
        ),
        case(
            "floats.npy",
            npy(
                "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }",
                &5.0f64.to_le_bytes(),
            ),
            Refused(&["floats.npy", "astype"]),
        ),
        case(
            "matrix.npy",
            npy(
                "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }",
                &little_endian_i64(&[1, 2, 3, 4, 5, 6]),
            ),
            Refused(&["matrix.npy", "(2, 3)"]),
        ),
        case(
            "truncated.npy",
            npy(
                "{'descr': '<i8', 'fortran_order': False, 'shape': (4,), }",
                &little_endian_i64(&[5, 6]),
            ),
            Refused(&["truncated.npy", "4"]),
        ),
        case(
            "bad-header.npy",
            b"\x93NUMPY\x01\x00\x10\x00{'descr': '<i8'\n".to_vec(),
            Refused(&["bad-header.npy"]),
        ),
        case(
            "negative.npy",
            npy(
                "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }",
                &[5, 0, 0, 0, 0xff, 0xff, 0xff, 0xff],
            ),
            Refused(&["negative.npy", "negative"]),
        ),
        case(
            "bool.npy",
            npy(
                "{'descr': '|b1', 'fortran_order': False, 'shape': (1,), }",
                &[1],
            ),
            Refused(&["bool.npy", "b1"]),
        ),
    ]
}
