//! The catalogue of bad (and odd but acceptable) inputs users drop on
//! Packlab, with what must happen to each. Shared by the command-line test
//! (`tests/catalogue.rs`) and the WebAssembly test (`tests/wasm.rs`), so the
//! CLI and the page answer every case the same way.

/// What must happen to an input.
#[derive(Debug, Clone, Copy)]
pub enum Expect {
    /// Read, with this many sequences and no note: a documented acceptance.
    Accepted { sequences: u64 },
    /// Read, with this many sequences, by a rule the content cannot
    /// confirm: the notes hold every one of these fragments (the file, the
    /// rule, and what to change if it guessed wrong).
    Noted {
        sequences: u64,
        note: &'static [&'static str],
    },
    /// Refused with a message holding every one of these fragments (the
    /// place, the problem and the fix).
    Refused(&'static [&'static str]),
}

/// One input of the catalogue.
pub struct Case {
    /// The file name (its extension takes part in format detection).
    pub name: &'static str,
    pub bytes: Vec<u8>,
    /// The field named as the lengths (`--column`, the page's column option).
    pub column: Option<&'static str>,
    /// The format forced instead of detected (`--format`).
    pub format: Option<&'static str>,
    pub expect: Expect,
}

fn case(name: &'static str, bytes: impl Into<Vec<u8>>, expect: Expect) -> Case {
    Case {
        name,
        bytes: bytes.into(),
        column: None,
        format: None,
        expect,
    }
}

impl Case {
    fn column(self, column: &'static str) -> Self {
        Case {
            column: Some(column),
            ..self
        }
    }

    fn format(self, format: &'static str) -> Self {
        Case {
            format: Some(format),
            ..self
        }
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

/// A Megatron-LM index of `lengths` in documents split at `boundaries`,
/// laid out as Megatron-LM's `_IndexWriter` writes it (token type uint16).
fn megatron(lengths: &[i32], boundaries: &[i64]) -> Vec<u8> {
    let mut bytes = b"MMIDIDX\x00\x00".to_vec();
    bytes.extend(1u64.to_le_bytes());
    bytes.push(8);
    bytes.extend((lengths.len() as u64).to_le_bytes());
    bytes.extend((boundaries.len() as u64).to_le_bytes());
    bytes.extend(lengths.iter().flat_map(|length| length.to_le_bytes()));
    let mut pointers = Vec::new();
    let mut pointer = 0i64;
    for &length in lengths {
        pointers.push(pointer);
        pointer += i64::from(length) * 2;
    }
    bytes.extend(little_endian_i64(&pointers));
    bytes.extend(little_endian_i64(boundaries));
    bytes
}

fn little_endian_i64(values: &[i64]) -> Vec<u8> {
    values
        .iter()
        .flat_map(|value| value.to_le_bytes())
        .collect()
}

use Expect::{Accepted, Noted, Refused};

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
            Noted {
                sequences: 5,
                note: &["histogram.csv:1", "histogram", "`count`"],
            },
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
            "series.json",
            r#"{"0": 512, "1": 37, "2": 512}"#,
            Refused(&["series.json:1:", "row numbers", "orient=\"records\""]),
        ),
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
        // A field named, a format forced: every count is the one meant, or
        // the file is refused, or a note says which rule decided.
        case(
            "report.json",
            r#"{"lengths": [1, 2, 3]}"#,
            Accepted { sequences: 3 },
        )
        .column("lengths"),
        case(
            "report-pretty.json",
            "{\n  \"name\": \"eval\",\n  \"lengths\": [1, 2, 3]\n}\n",
            Accepted { sequences: 3 },
        )
        .column("lengths"),
        case(
            "report-no-column.json",
            r#"{"lengths": [1, 2, 3]}"#,
            Refused(&["report-no-column.json:1", "`lengths`", "--column NAME"]),
        ),
        case(
            "one-row.json",
            r#"{"input_ids": [101, 2023, 102]}"#,
            Accepted { sequences: 1 },
        ),
        case(
            "one-object.jsonl",
            r#"{"lengths": [1, 2, 3]}"#,
            Noted {
                sequences: 1,
                note: &["one-object.jsonl", "token ids", "--format json"],
            },
        )
        .column("lengths"),
        case(
            "forced-lines.json",
            r#"{"lengths": [1, 2, 3]}"#,
            Noted {
                sequences: 1,
                note: &["forced-lines.json", "token ids", "--format json"],
            },
        )
        .column("lengths")
        .format("jsonl"),
        case(
            "rows.json",
            "{\"lengths\": [1, 2, 3]}\n{\"lengths\": [4]}\n",
            Noted {
                sequences: 2,
                note: &["rows.json", "`lengths`", "token ids", "2 rows"],
            },
        )
        .column("lengths"),
        case(
            "records.json",
            r#"[{"input_ids": [1, 2, 3]}, {"length": 7}]"#,
            Accepted { sequences: 2 },
        ),
        case(
            "records-mixed.json",
            r#"[{"length": 7}, 8]"#,
            Refused(&["records-mixed.json:1:", "a number", "every element"]),
        ),
        case(
            "nested-ids.jsonl",
            "{\"input_ids\": [[1, 2], [3]]}\n",
            Refused(&["nested-ids.jsonl:1", "`input_ids`", "flat array"]),
        ),
        case(
            "float-ids.jsonl",
            "{\"emb\": [0.25, 0.5]}\n",
            Refused(&["float-ids.jsonl:1", "`emb`", "whole numbers"]),
        )
        .column("emb"),
        case(
            "mixed-shapes.jsonl",
            "{\"n\": 5}\n{\"n\": [1, 2]}\n",
            Refused(&["mixed-shapes.jsonl:2", "`n`", "the same way"]),
        )
        .column("n"),
        case(
            "disagree.jsonl",
            "{\"length\": 5, \"input_ids\": [1, 2, 3]}\n",
            Noted {
                sequences: 1,
                note: &[
                    "disagree.jsonl:1",
                    "different lengths",
                    "--column input_ids",
                ],
            },
        ),
        case(
            "histogram-column.json",
            r#"{"max_len": 3, "counts": [1, 0, 2]}"#,
            Refused(&["histogram-column.json", "histogram", "Leave out --column"]),
        )
        .column("counts"),
        case(
            "histogram.jsonl",
            r#"{"max_len": 3, "counts": [1, 0, 2]}"#,
            Refused(&["histogram.jsonl:1", "dense histogram", "--format json"]),
        )
        .column("counts"),
        case(
            "array-column.json",
            "[5, 6]",
            Refused(&[
                "array-column.json:1:",
                "--column length",
                "Leave out --column",
            ]),
        )
        .column("length"),
        case(
            "column.txt",
            "5\n6\n",
            Refused(&["column.txt", "--column length", "Leave out --column"]),
        )
        .column("length"),
        case(
            "column.npy",
            npy(
                "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }",
                &little_endian_i64(&[5, 6]),
            ),
            Refused(&["column.npy", "NumPy array", "Leave out --column"]),
        )
        .column("length"),
        case(
            "pretty-as-lines.json",
            "{\n  \"lengths\": [1, 2, 3]\n}\n",
            Refused(&["pretty-as-lines.json:1", "not closed", "--format json"]),
        )
        .column("lengths")
        .format("jsonl"),
        case(
            "lines-as-json.json",
            "{\"length\": 5}\n{\"length\": 6}\n",
            Refused(&["lines-as-json.json", "`length`", ".jsonl"]),
        )
        .column("length")
        .format("json"),
        case(
            "ids-as-lengths.json",
            r#"{"input_ids": [101, 2023, 102]}"#,
            Refused(&["ids-as-lengths.json", "token ids", "--format jsonl"]),
        )
        .column("input_ids")
        .format("json"),
        case(
            "id-column.csv",
            "id,text\n1,hello\n2,world\n",
            Noted {
                sequences: 2,
                note: &["id-column.csv:1", "`id`", "--column NAME"],
            },
        ),
        case(
            "count-column.csv",
            "length,count\n5,3\n9,2\n",
            Refused(&["count-column.csv:1", "count column", "Leave out --column"]),
        )
        .column("count"),
        case(
            "list-field.csv",
            "input_ids\n\"[101, 2023, 102]\"\n",
            Refused(&["list-field.csv:2", "a list", "map(len)"]),
        )
        .column("input_ids"),
        case(
            "pairs.txt",
            "512 3\n128 7\n",
            Noted {
                sequences: 4,
                note: &["pairs.txt", "2 numbers", "length,count"],
            },
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
        // Megatron-LM / NeMo indexes.
        case(
            "corpus_text_document.idx",
            megatron(&[7, 9, 11], &[0, 1, 2, 3]),
            Accepted { sequences: 3 },
        ),
        case(
            "sentences.idx",
            megatron(&[7, 9, 11], &[0, 2, 3]),
            Noted {
                sequences: 3,
                note: &["sentences.idx", "3 sequences in 2 documents", "--documents"],
            },
        ),
        case(
            "no-extension",
            megatron(&[4, 4], &[0, 1, 2]),
            Accepted { sequences: 2 },
        ),
        case(
            "cut.idx",
            megatron(&[7, 9, 11], &[0, 1, 2, 3])[..60].to_vec(),
            Refused(&["cut.idx", "should be", "cut short"]),
        ),
        case(
            "version-2.idx",
            {
                let mut bytes = megatron(&[7], &[0, 1]);
                bytes[9] = 2;
                bytes
            },
            Refused(&["version-2.idx", "version 2", "preprocess_data.py"]),
        ),
        case(
            "corpus_text_document.bin",
            vec![1, 0, 2, 0, 3, 0],
            Refused(&["corpus_text_document.bin", "give the .idx"]),
        ),
        case(
            "column.idx",
            megatron(&[7], &[0, 1]),
            Refused(&["column.idx", "Megatron index", "Leave out --column"]),
        )
        .column("length"),
    ]
}
