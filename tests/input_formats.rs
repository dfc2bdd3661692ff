//! The input readers through the public API: exact histograms for valid
//! files, exact error kinds and locations for invalid ones, and a property
//! test that every format yields the same histogram for the same lengths.
// Native only: these tests use files, processes or proptest.
#![cfg(not(target_arch = "wasm32"))]

// What this file shares with other test files, from tests/common/.
mod common {
    pub mod proptest_config;
}

use std::collections::BTreeMap;
use std::io::Read;

use common::proptest_config::config;
use packlab::input::{
    detect_format, read_lengths, read_lengths_in_order, Format, InputError, InputErrorKind,
    InputNoteKind, InputStats, Location, ReadOptions,
};
use packlab::LengthCounts;
use proptest::prelude::*;

// ----- Helpers -----

fn read_with(
    name: &str,
    data: &[u8],
    options: &ReadOptions,
) -> Result<(LengthCounts, InputStats), InputError> {
    let mut counts = LengthCounts::new();
    let stats = read_lengths(name, data, options, &mut counts)?;
    Ok((counts, stats))
}

/// The `(length, count)` pairs of a file that must read.
fn lengths(name: &str, data: &[u8]) -> Vec<(u64, u64)> {
    lengths_with(name, data, &ReadOptions::default())
}

fn lengths_with(name: &str, data: &[u8], options: &ReadOptions) -> Vec<(u64, u64)> {
    match read_with(name, data, options) {
        Ok((counts, _)) => counts.iter().collect(),
        Err(error) => panic!("{name} should read, but: {error}"),
    }
}

/// The error of a file that must not read. Reads into counts that already
/// hold a dataset and checks they come back unchanged.
fn failure(name: &str, data: &[u8]) -> (Location, InputErrorKind) {
    failure_with(name, data, &ReadOptions::default())
}

fn failure_with(name: &str, data: &[u8], options: &ReadOptions) -> (Location, InputErrorKind) {
    let mut counts = LengthCounts::new();
    counts.add(3, 2).unwrap();
    counts.add(1 << 30, 1).unwrap();
    counts.declare_max_len(64);
    let before = counts.clone();
    match read_lengths(name, data, options, &mut counts) {
        Ok(stats) => panic!("{name} should not read, but it read {stats:?}"),
        Err(error) => {
            assert_eq!(counts, before, "{name}: a failed read changed the counts");
            assert_eq!(error.source_name, name);
            (error.location, error.kind)
        }
    }
}

fn line(line: u64) -> Location {
    Location::Line(line)
}

fn line_field(line: u64, field: &str) -> Location {
    Location::LineField {
        line,
        field: field.to_owned(),
    }
}

fn token(text: &str) -> String {
    text.to_owned()
}

fn options_column(column: &str) -> ReadOptions {
    ReadOptions {
        column: Some(column.to_owned()),
        ..ReadOptions::default()
    }
}

fn options_format(format: Format) -> ReadOptions {
    ReadOptions {
        format: Some(format),
        ..ReadOptions::default()
    }
}

fn options_format_column(format: Format, column: &str) -> ReadOptions {
    ReadOptions {
        format: Some(format),
        column: Some(column.to_owned()),
        ..ReadOptions::default()
    }
}

/// What a file that must read gave: its `(length, count)` pairs, the
/// format it was read as, and the kinds of its notes.
fn read_noted(
    name: &str,
    data: &[u8],
    options: &ReadOptions,
) -> (Vec<(u64, u64)>, Format, Vec<InputNoteKind>) {
    match read_with(name, data, options) {
        Ok((counts, stats)) => (
            counts.iter().collect(),
            stats.format,
            stats.notes.into_iter().map(|note| note.kind).collect(),
        ),
        Err(error) => panic!("{name} should read, but: {error}"),
    }
}

/// Checks each `(name, data, options, location, kind)`: the file must fail
/// with exactly that error. Lists every mismatch at once.
fn assert_failures(cases: Vec<(&str, &[u8], ReadOptions, Location, InputErrorKind)>) {
    let mismatches: Vec<String> = cases
        .into_iter()
        .filter_map(|(name, data, options, location, kind)| {
            let found = failure_with(name, data, &options);
            (found != (location.clone(), kind.clone())).then(|| {
                format!(
                    "{name} {options:?}: {}\n  found    {found:?}\n  expected {:?}",
                    String::from_utf8_lossy(data),
                    (location, kind)
                )
            })
        })
        .collect();
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// A `.npy` file as `np.save` writes it (version 1.0), with any header
/// values and raw data.
fn npy_file(descr: &str, fortran_order: bool, shape: &str, data: &[u8]) -> Vec<u8> {
    npy_file_version(1, descr, fortran_order, shape, data)
}

fn npy_file_version(
    major: u8,
    descr: &str,
    fortran_order: bool,
    shape: &str,
    data: &[u8],
) -> Vec<u8> {
    let order = if fortran_order { "True" } else { "False" };
    let mut header =
        format!("{{'descr': '{descr}', 'fortran_order': {order}, 'shape': {shape}, }}");
    let preamble = if major == 1 { 10 } else { 12 };
    while (preamble + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut file = b"\x93NUMPY".to_vec();
    file.extend([major, 0]);
    if major == 1 {
        file.extend((header.len() as u16).to_le_bytes());
    } else {
        file.extend((header.len() as u32).to_le_bytes());
    }
    file.extend(header.as_bytes());
    file.extend(data);
    file
}

/// Little-endian `<i8` elements.
fn i8_data(values: &[i64]) -> Vec<u8> {
    values
        .iter()
        .flat_map(|value| value.to_le_bytes())
        .collect()
}

/// A reader that returns 1 to 7 bytes per read, in a fixed cycle, so token
/// boundaries fall on every position of a buffer edge.
struct Trickle<'a> {
    data: &'a [u8],
    reads: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        self.reads += 1;
        let step = 1 + self.reads % 7;
        let take = step.min(buffer.len()).min(self.data.len());
        let (now, later) = self.data.split_at(take);
        buffer[..take].copy_from_slice(now);
        self.data = later;
        Ok(take)
    }
}

/// The number of sequences of a file read a few bytes at a time with a
/// column named.
fn lengths_trickled_with(name: &str, data: &[u8], column: &str) -> u64 {
    let mut counts = LengthCounts::new();
    let reader = Trickle { data, reads: 0 };
    read_lengths(name, reader, &options_column(column), &mut counts)
        .unwrap()
        .sequences
}

fn lengths_trickled(name: &str, data: &[u8]) -> Vec<(u64, u64)> {
    let mut counts = LengthCounts::new();
    let reader = Trickle { data, reads: 0 };
    read_lengths(name, reader, &ReadOptions::default(), &mut counts).unwrap();
    counts.iter().collect()
}

// ----- Text -----

#[test]
fn text_reads_exact_histogram_and_stats() {
    let data = b"512\n37\n512\n1\n";
    let (counts, stats) = read_with("lengths.txt", data, &ReadOptions::default()).unwrap();
    assert_eq!(
        counts.iter().collect::<Vec<_>>(),
        vec![(1, 1), (37, 1), (512, 2)]
    );
    assert_eq!(counts.declared_max_len(), None);
    assert_eq!(
        stats,
        InputStats {
            format: Format::Text,
            sequences: 4,
            bytes: data.len() as u64,
            notes: Vec::new(),
        }
    );
}

#[test]
fn text_separators_comments_and_blank_lines() {
    let data = b"# lengths of the eval split\n\n12, 40 7\t9,,10 # two more\n\n   \n# end\n";
    assert_eq!(
        lengths("eval.txt", data),
        vec![(7, 1), (9, 1), (10, 1), (12, 1), (40, 1)]
    );
}

#[test]
fn text_line_ends_bom_and_missing_final_newline_are_accepted() {
    let expected = vec![(5, 1), (6, 1), (7, 1)];
    assert_eq!(lengths("a.txt", b"5\r\n6\r\n7\r\n"), expected);
    assert_eq!(lengths("a.txt", b"5\r6\r7"), expected);
    assert_eq!(lengths("a.txt", b"5\n6\n7"), expected);
    assert_eq!(lengths("a.txt", b"\xEF\xBB\xBF5\n6\n7\n"), expected);
}

#[test]
fn text_lone_cr_counts_as_a_line_end_for_errors() {
    assert_eq!(
        failure("a.txt", b"5\r6\r0\r7"),
        (line(3), InputErrorKind::ZeroLength)
    );
    assert_eq!(
        failure("a.txt", b"5\r\n6\r\n0\r\n"),
        (line(3), InputErrorKind::ZeroLength)
    );
}

#[test]
fn text_reads_the_extremes() {
    assert_eq!(
        lengths("a.txt", b"18446744073709551615\n1\n000042\n"),
        vec![(1, 1), (42, 1), (u64::MAX, 1)]
    );
}

#[test]
fn text_numbers_split_across_reads_are_read_right() {
    let mut data = Vec::new();
    let mut expected = BTreeMap::new();
    for index in 0..3000u64 {
        let length = 1 + index * 7919 % 1_000_003;
        data.extend(format!("{length}").as_bytes());
        data.extend(match index % 5 {
            0 => &b"\n"[..],
            1 => b"\r\n",
            2 => b", ",
            3 => b" # comment\n",
            _ => b"\t",
        });
        *expected.entry(length).or_insert(0u64) += 1;
    }
    let expected: Vec<_> = expected.into_iter().collect();
    assert_eq!(lengths_trickled("big.txt", &data), expected);
    assert_eq!(lengths_trickled("big", &data), expected);
}

#[test]
fn text_is_detected_without_an_extension() {
    let (_, stats) = read_with("lengths", b"# list\n3\n4\n", &ReadOptions::default()).unwrap();
    assert_eq!(stats.format, Format::Text);
}

#[test]
fn text_empty_inputs_are_errors() {
    assert_eq!(
        failure("a.txt", b""),
        (Location::Unknown, InputErrorKind::Empty)
    );
    assert_eq!(
        failure("a.txt", b"# only a comment\n\n  \n# another\n"),
        (Location::Unknown, InputErrorKind::Empty)
    );
    assert_eq!(
        failure("a.txt", b"\xEF\xBB\xBF"),
        (Location::Unknown, InputErrorKind::Empty)
    );
}

#[test]
fn text_bad_numbers_name_line_and_token() {
    let cases: Vec<(&[u8], Location, InputErrorKind)> = vec![
        (
            b"1\n-5\n",
            line(2),
            InputErrorKind::Negative { token: token("-5") },
        ),
        (b"1\n2\n0\n", line(3), InputErrorKind::ZeroLength),
        (
            b"12.0\n",
            line(1),
            InputErrorKind::Fractional {
                token: token("12.0"),
            },
        ),
        (
            b"7 1e3\n",
            line(1),
            InputErrorKind::Fractional {
                token: token("1e3"),
            },
        ),
        (
            b"1\n18446744073709551616\n",
            line(2),
            InputErrorKind::TooLarge {
                token: token("18446744073709551616"),
            },
        ),
        (
            b"0x10\n",
            line(1),
            InputErrorKind::Hexadecimal {
                token: token("0x10"),
            },
        ),
        (
            b"3\n\n12abc\n",
            line(3),
            InputErrorKind::NotANumber {
                token: token("12abc"),
            },
        ),
        (
            b"3\nfour\n",
            line(2),
            InputErrorKind::NotANumber {
                token: token("four"),
            },
        ),
        (
            b"+4\n",
            line(1),
            InputErrorKind::NotANumber { token: token("+4") },
        ),
        (
            b"1\nabcdefghijklmnopqrstuvwxyz\n",
            line(2),
            InputErrorKind::NotANumber {
                token: token("abcdefghijklmnopqrst…"),
            },
        ),
    ];
    for (data, location, kind) in cases {
        assert_eq!(
            failure("a.txt", data),
            (location, kind),
            "{}",
            String::from_utf8_lossy(data)
        );
    }
}

#[test]
fn text_binary_content_is_refused() {
    assert_eq!(
        failure("a.txt", b"1\n2\n3\x004\n"),
        (line(3), InputErrorKind::Binary { byte: 0 })
    );
    // NUL past the part looked at for detection is found by the scanner.
    let mut late_nul = b"1\n".repeat(10_000);
    late_nul.extend(b"7\x00\n");
    assert_eq!(
        failure("a.txt", &late_nul),
        (line(10_001), InputErrorKind::Binary { byte: 0 })
    );
    // Pseudo-random bytes (a fixed linear congruential sequence).
    let mut state: u32 = 12345;
    let random: Vec<u8> = (0..4096)
        .map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (state >> 16) as u8
        })
        .collect();
    assert!(matches!(
        failure("noise.dat", &random).1,
        InputErrorKind::Binary { .. }
    ));
    // Named `.bin`, binary content is most likely a Megatron dataset's
    // tokens: the message points to its `.idx`.
    assert_eq!(
        failure("noise.bin", &random).1,
        InputErrorKind::MegatronDataFile
    );
    // A NumPy file under a text name: the message points to .npy.
    let npy = npy_file("<i8", false, "(1,)", &i8_data(&[5]));
    let (_, kind) = failure("lengths.txt", &npy);
    assert!(matches!(kind, InputErrorKind::Binary { .. }));
    assert!(kind.to_string().contains(".npy extension"));
}

#[test]
fn text_utf16_is_refused() {
    let utf16le: Vec<u8> = "12\n34\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let utf16be: Vec<u8> = "12\n34\n"
        .encode_utf16()
        .flat_map(u16::to_be_bytes)
        .collect();
    for (prefix, body) in [
        (&b"\xFF\xFE"[..], &utf16le),
        (b"\xFE\xFF", &utf16be),
        (b"", &utf16le),
        (b"", &utf16be),
    ] {
        let data = [prefix, body.as_slice()].concat();
        assert_eq!(
            failure("a.txt", &data),
            (Location::Unknown, InputErrorKind::Utf16)
        );
    }
    assert!(InputErrorKind::Utf16
        .to_string()
        .contains("Save it as UTF-8"));
}

#[test]
fn compressed_files_are_named() {
    let (_, kind) = failure("lengths.txt.gz", b"\x1F\x8B\x08\x00rest");
    assert!(matches!(
        kind,
        InputErrorKind::UnsupportedContainer {
            container: "gzip-compressed",
            ..
        }
    ));
    let (_, kind) = failure("lengths.npz", b"PK\x03\x04rest");
    assert!(kind.to_string().contains("np.save"));
}

#[test]
fn error_messages_read_file_location_problem_fix() {
    let error = read_with("lengths.txt", b"1\n12.0\n", &ReadOptions::default()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "lengths.txt:2: `12.0` is not a whole number. Lengths are whole token counts; \
         write 12 not 12.0"
    );
    let error = read_with("empty.txt", b"", &ReadOptions::default()).unwrap_err();
    assert!(error
        .to_string()
        .starts_with("empty.txt: the file holds no sequence lengths."));
    let (_, zero) = failure("a.txt", b"0\n");
    assert!(zero
        .to_string()
        .contains("rejects empty sequences because they carry no tokens"));
    assert!(zero.to_string().contains("filter them out"));
}

// ----- CSV -----

#[test]
fn csv_picks_the_length_column() {
    let data = b"id,length,text\n1,12,\"a, b\"\n2,40,c\n3,12,d\n";
    let (counts, stats) = read_with("data.csv", data, &ReadOptions::default()).unwrap();
    assert_eq!(counts.iter().collect::<Vec<_>>(), vec![(12, 2), (40, 1)]);
    assert_eq!(stats.format, Format::Csv);
    assert_eq!(stats.sequences, 3);
}

#[test]
fn csv_length_synonyms_ignore_case() {
    assert_eq!(
        lengths("a.csv", b"doc,Num_Tokens\nx,5\ny,6\n"),
        vec![(5, 1), (6, 1)]
    );
    assert_eq!(lengths("a.csv", b"SEQ_LEN\n5\n"), vec![(5, 1)]);
    assert_eq!(
        lengths("a.csv", b"sequence_length,tokens\n5,9\n"),
        vec![(9, 1)]
    );
}

#[test]
fn csv_named_column_ignores_case() {
    let data = b"id,Prompt_Len,answer_len\n1,5,7\n2,6,8\n";
    assert_eq!(
        lengths_with("a.csv", data, &options_column("prompt_len")),
        vec![(5, 1), (6, 1)]
    );
}

#[test]
fn csv_only_integer_column_is_taken() {
    let data = b"name,size,split\nalpha,12,train\nbeta,7,test\n";
    assert_eq!(lengths("a.csv", data), vec![(7, 1), (12, 1)]);
}

#[test]
fn csv_length_count_histogram() {
    let data = b"length,count\n1,0\n5,3\n9,1\n";
    let (counts, stats) = read_with("hist.csv", data, &ReadOptions::default()).unwrap();
    assert_eq!(counts.iter().collect::<Vec<_>>(), vec![(5, 3), (9, 1)]);
    assert_eq!(stats.sequences, 4);
    // Length 0 with no sequences is an empty bin, not a zero-length sequence.
    assert_eq!(
        lengths("hist.csv", b"Count,Length\n0,0\n2,4\n"),
        vec![(4, 2)]
    );
}

#[test]
fn csv_delimiters() {
    assert_eq!(
        lengths("a.tsv", b"id\tlength\n1\t5\n2\t6\n"),
        vec![(5, 1), (6, 1)]
    );
    assert_eq!(lengths("data", b"id\tlength\n1\t5\n"), vec![(5, 1)]);
    assert_eq!(lengths("a.csv", b"id;length\n1;5\n"), vec![(5, 1)]);
}

#[test]
fn csv_layout_details_are_accepted() {
    let data = b"\xEF\xBB\xBF# exported\r\nid , length\r\n\r\n1, \"12\" \r\n# skip\r\n2,7";
    assert_eq!(lengths("a.csv", data), vec![(7, 1), (12, 1)]);
    // A single column without a header is a plain list.
    assert_eq!(lengths("a.csv", b"5\n6\n5\n"), vec![(5, 2), (6, 1)]);
}

#[test]
fn csv_is_detected_by_its_header() {
    let (_, stats) =
        read_with("export", b"# x\nid,length\n1,4\n", &ReadOptions::default()).unwrap();
    assert_eq!(stats.format, Format::Csv);
}

#[test]
fn csv_errors_name_line_and_column() {
    let columns = |names: &[&str]| {
        names
            .iter()
            .map(|name| name.to_string())
            .collect::<Vec<_>>()
    };
    let cases: Vec<(&[u8], ReadOptions, Location, InputErrorKind)> = vec![
        (
            b"id,length\n",
            ReadOptions::default(),
            Location::Unknown,
            InputErrorKind::Empty,
        ),
        (
            b"id,size\n1,5\n",
            options_column("length"),
            line(1),
            InputErrorKind::MissingColumn {
                requested: "length".into(),
                available: columns(&["id", "size"]),
            },
        ),
        (
            b"name,split\nalpha,train\n",
            ReadOptions::default(),
            line(1),
            InputErrorKind::NoLengthColumn {
                available: columns(&["name", "split"]),
            },
        ),
        (
            b"id,size\n1,5\n",
            ReadOptions::default(),
            line(1),
            InputErrorKind::AmbiguousLengthColumn {
                candidates: columns(&["id", "size"]),
            },
        ),
        (
            b"id,length\n1,5\n2,\"1,000\"\n",
            ReadOptions::default(),
            line_field(3, "length"),
            InputErrorKind::ThousandsSeparator {
                token: token("1,000"),
            },
        ),
        (
            b"id,length\n1,\n",
            ReadOptions::default(),
            line_field(2, "length"),
            InputErrorKind::EmptyField,
        ),
        (
            b"length,count\n4,2\n5,-1\n",
            ReadOptions::default(),
            line_field(3, "count"),
            InputErrorKind::Negative { token: token("-1") },
        ),
        (
            b"id,length\n1,5\n2,6,extra\n",
            ReadOptions::default(),
            line(3),
            InputErrorKind::UnequalFields {
                expected: 2,
                found: 3,
            },
        ),
        (
            b"length,id,LENGTH\n1,2,3\n",
            ReadOptions::default(),
            line(1),
            InputErrorKind::DuplicateColumn {
                name: "length".into(),
            },
        ),
        (
            b"12,5\n7,3\n",
            ReadOptions::default(),
            line(1),
            InputErrorKind::MissingHeader { fields: 2 },
        ),
        (
            b"id,length\n1,5\n2,0\n",
            ReadOptions::default(),
            line_field(3, "length"),
            InputErrorKind::ZeroLength,
        ),
        (
            b"length,count\n5,1\n6,1\n5,2\n",
            ReadOptions::default(),
            line_field(4, "length"),
            InputErrorKind::DuplicateLength { length: 5 },
        ),
        (
            b"id,length\n1,12.5\n",
            ReadOptions::default(),
            line_field(2, "length"),
            InputErrorKind::Fractional {
                token: token("12.5"),
            },
        ),
        (
            b"length,count\n0,5\n",
            ReadOptions::default(),
            line_field(2, "length"),
            InputErrorKind::ZeroLength,
        ),
        (
            b"# comment\nid,length\n\n1,5\n2,x7\n",
            ReadOptions::default(),
            line_field(5, "length"),
            InputErrorKind::NotANumber { token: token("x7") },
        ),
        (
            b"id,length\r\n1,5\r\n\r\n2,x\r\n",
            ReadOptions::default(),
            line_field(4, "length"),
            InputErrorKind::NotANumber { token: token("x") },
        ),
        (
            b"id,length\r1,5\r2,-7\r",
            ReadOptions::default(),
            line_field(3, "length"),
            InputErrorKind::Negative { token: token("-7") },
        ),
        (
            b"length,count\n5,18446744073709551615\n6,1\n",
            ReadOptions::default(),
            line_field(3, "length"),
            InputErrorKind::TooManySequences,
        ),
    ];
    for (data, options, location, kind) in cases {
        assert_eq!(
            failure_with("data.csv", data, &options),
            (location, kind),
            "{}",
            String::from_utf8_lossy(data)
        );
    }
}

#[test]
fn csv_missing_column_message_lists_columns_and_the_flag() {
    let (_, kind) = failure_with("a.csv", b"id,size\n1,5\n", &options_column("len"));
    let message = kind.to_string();
    assert!(message.contains("`id`, `size`"), "{message}");
    assert!(message.contains("--column NAME"), "{message}");
}

// ----- JSON -----

#[test]
fn json_array_of_lengths() {
    let data = b"[12, 40, 7, 12]";
    let (counts, stats) = read_with("a.json", data, &ReadOptions::default()).unwrap();
    assert_eq!(
        counts.iter().collect::<Vec<_>>(),
        vec![(7, 1), (12, 2), (40, 1)]
    );
    assert_eq!(counts.declared_max_len(), None);
    assert_eq!(stats.format, Format::Json);
    assert_eq!(stats.sequences, 4);
    assert_eq!(
        lengths(
            "a.json",
            b"\xEF\xBB\xBF\n[\n  18446744073709551615,\n  1\n]\n"
        ),
        vec![(1, 1), (u64::MAX, 1)]
    );
}

#[test]
fn json_dense_histogram_declares_max_len() {
    let data = br#"{"max_len": 4, "counts": [2, 0, 0, 5]}"#;
    let (counts, stats) = read_with("hist.json", data, &ReadOptions::default()).unwrap();
    assert_eq!(counts.iter().collect::<Vec<_>>(), vec![(1, 2), (4, 5)]);
    assert_eq!(counts.declared_max_len(), Some(4));
    assert_eq!(stats.sequences, 7);
    let reversed = br#"{"counts": [0, 3], "max_len": 2}"#;
    assert_eq!(lengths("hist", reversed), vec![(2, 3)]);
}

#[test]
fn json_sparse_histogram() {
    let data = br#"{"17": 120, "18": 95, "4096": 1, "0": 0}"#;
    let (counts, _) = read_with("hist.json", data, &ReadOptions::default()).unwrap();
    assert_eq!(
        counts.iter().collect::<Vec<_>>(),
        vec![(17, 120), (18, 95), (4096, 1)]
    );
    assert_eq!(counts.declared_max_len(), None);
}

#[test]
fn json_lines_saved_as_json_are_read() {
    let data = b"{\"length\": 5}\n{\"length\": 6}\n";
    let (counts, stats) = read_with("train.json", data, &ReadOptions::default()).unwrap();
    assert_eq!(stats.format, Format::Jsonl);
    assert_eq!(counts.iter().collect::<Vec<_>>(), vec![(5, 1), (6, 1)]);
}

#[test]
fn json_numbers_split_across_reads_are_read_right() {
    let data = b"[123456, 7, 89012, 3456789, 12, 1]";
    assert_eq!(
        lengths_trickled("a.json", data),
        vec![
            (1, 1),
            (7, 1),
            (12, 1),
            (89012, 1),
            (123456, 1),
            (3456789, 1)
        ]
    );
}

#[test]
fn json_wrong_shapes_are_refused() {
    let position = |line, column| Location::LineColumn { line, column };
    let counts_field = Location::Field("counts".to_owned());
    let cases: Vec<(&str, Location, InputErrorKind)> = vec![
        (
            "[1, [2, 3], 4]",
            position(1, 10),
            InputErrorKind::JsonArray {
                expected: "a sequence length",
            },
        ),
        (
            "[1, \"2\"]",
            position(1, 7),
            InputErrorKind::JsonString {
                text: "2".into(),
                expected: "a sequence length",
            },
        ),
        (
            "[1,\nnull]",
            position(2, 4),
            InputErrorKind::JsonNull {
                expected: "a sequence length",
            },
        ),
        (
            "[true]",
            position(1, 5),
            InputErrorKind::JsonBool {
                value: true,
                expected: "a sequence length",
            },
        ),
        (
            "[12.0]",
            position(1, 6),
            InputErrorKind::Fractional {
                token: token("12.0"),
            },
        ),
        (
            "[1e3]",
            position(1, 5),
            InputErrorKind::Fractional {
                token: token("1000.0"),
            },
        ),
        (
            "[5, -3]",
            position(1, 7),
            InputErrorKind::Negative { token: token("-3") },
        ),
        ("[5, 0]", position(1, 6), InputErrorKind::ZeroLength),
        (
            "[18446744073709551616]",
            position(1, 22),
            InputErrorKind::TooLarge {
                token: token("18446744073709552000"),
            },
        ),
        (
            r#"{"max_len": 2, "counts": [1, 1], "note": "x"}"#,
            position(1, 40),
            InputErrorKind::JsonUnknownKey { key: "note".into() },
        ),
        (
            r#"{"max_len": 2, "max_len": 2, "counts": [1, 1]}"#,
            position(1, 25),
            InputErrorKind::JsonDuplicateKey {
                key: "max_len".into(),
            },
        ),
        (
            r#"{"17": 1, "18": 2, "17": 3}"#,
            position(1, 27),
            InputErrorKind::DuplicateLength { length: 17 },
        ),
        (
            r#"{"17": {"count": 1}}"#,
            position(1, 19),
            InputErrorKind::JsonObject {
                expected: "a count",
            },
        ),
        (
            "[1, 2]\n[3]",
            position(2, 1),
            InputErrorKind::JsonTrailingContent,
        ),
        (
            r#"{"max_len": 4, "counts": [1, 2, 3]}"#,
            counts_field.clone(),
            InputErrorKind::DenseCountsLength {
                max_len: 4,
                found: 3,
            },
        ),
        (
            r#"{"max_len": 2, "counts": [0, 1, 2]}"#,
            counts_field.clone(),
            InputErrorKind::DenseCountsLength {
                max_len: 2,
                found: 3,
            },
        ),
        (
            r#"{"max_len": 2}"#,
            position(1, 14),
            InputErrorKind::JsonMissingKey { key: "counts" },
        ),
        (
            r#"{"counts": [1]}"#,
            position(1, 15),
            InputErrorKind::JsonMissingKey { key: "max_len" },
        ),
        (
            r#"{"max_len": 0, "counts": []}"#,
            position(1, 14),
            InputErrorKind::InvalidMaxLen { value: 0 },
        ),
        (
            r#"{"max_len": 2, "counts": 5}"#,
            counts_field.clone(),
            InputErrorKind::JsonExpectedArray {
                field: "counts",
                found: "a number",
            },
        ),
        (
            r#"{"max_len": 2, "counts": [1, -1]}"#,
            position(1, 32),
            InputErrorKind::Negative { token: token("-1") },
        ),
        (
            "42",
            position(1, 2),
            InputErrorKind::JsonWrongDocument { found: "a number" },
        ),
        (
            "\"12\"",
            position(1, 4),
            InputErrorKind::JsonWrongDocument { found: "a string" },
        ),
        ("[1, 2", position(1, 5), InputErrorKind::JsonTruncated),
        ("[]", Location::Unknown, InputErrorKind::Empty),
        ("{}", Location::Unknown, InputErrorKind::Empty),
        (
            r#"{"17": 1, "x": 2}"#,
            position(1, 14),
            InputErrorKind::JsonNotALengthKey { key: "x".into() },
        ),
        (
            r#"{"-4": 1}"#,
            position(1, 6),
            InputErrorKind::Negative { token: token("-4") },
        ),
        (
            r#"{"0": 3}"#,
            position(1, 8),
            InputErrorKind::JsonLengthZeroKey { count: 3 },
        ),
        // A pandas Series saved with its row numbers as keys.
        (
            r#"{"0": 512, "1": 37, "2": 512}"#,
            position(1, 10),
            InputErrorKind::JsonLengthZeroKey { count: 512 },
        ),
    ];
    let mismatches: Vec<String> = cases
        .into_iter()
        .filter_map(|(json, location, kind)| {
            let found = failure("data.json", json.as_bytes());
            (found != (location.clone(), kind.clone())).then(|| {
                format!(
                    "{json}\n  found    {found:?}\n  expected {:?}",
                    (location, kind)
                )
            })
        })
        .collect();
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn json_syntax_errors_carry_their_position() {
    let (location, kind) = failure("data.json", b"[1,\n 2,,\n 3]");
    assert_eq!(location, Location::LineColumn { line: 2, column: 4 });
    assert!(
        matches!(kind, InputErrorKind::JsonSyntax { ref message } if !message.contains("line"))
    );
}

#[test]
fn json_dense_counts_one_too_long_suggests_dropping_length_zero() {
    let (_, kind) = failure("h.json", br#"{"max_len": 2, "counts": [0, 1, 2]}"#);
    let message = kind.to_string();
    assert!(
        message.contains("counts[i] counts the sequences of length i+1"),
        "{message}"
    );
    assert!(message.contains("drop the first entry"), "{message}");
    let (_, kind) = failure("h.json", br#"{"max_len": 4, "counts": [1]}"#);
    assert!(!kind.to_string().contains("drop the first entry"));
}

#[test]
fn json_object_of_other_keys_lists_them_and_points_to_column_and_jsonl() {
    let options = options_format(Format::Json);
    let (_, kind) = failure_with("data.json", br#"{"text": "a", "id": 7}"#, &options);
    assert_eq!(
        kind,
        InputErrorKind::JsonObjectWithoutColumn {
            fields: vec!["text".into(), "id".into()]
        }
    );
    let message = kind.to_string();
    assert!(message.contains("(`text`, `id`)"), "{message}");
    assert!(message.contains("--column NAME"), "{message}");
    assert!(message.contains(".jsonl extension"), "{message}");
}

// ----- JSON Lines -----

#[test]
fn jsonl_fields_in_priority_order() {
    let data = concat!(
        "{\"length\": 12, \"text\": \"hello\", \"meta\": {\"a\": [1, {\"b\": null}]}}\n",
        "\n",
        "{\"num_tokens\": 40}\r\n",
        "{\"input_ids\": [101, 7592, 102], \"attention_mask\": [1, 1, 1]}\n",
        "   \n",
        "{\"input_ids\": [1, 2], \"length\": 12}",
    );
    let (counts, stats) =
        read_with("train.jsonl", data.as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(
        counts.iter().collect::<Vec<_>>(),
        vec![(3, 1), (12, 2), (40, 1)]
    );
    assert_eq!(stats.format, Format::Jsonl);
    assert_eq!(stats.sequences, 4);
}

#[test]
fn jsonl_is_detected_by_content_and_ndjson_extension() {
    let data = b"{\"text\": \"a\", \"num_tokens\": 3}\n";
    let (_, stats) = read_with("dump", data, &ReadOptions::default()).unwrap();
    assert_eq!(stats.format, Format::Jsonl);
    assert_eq!(lengths("a.ndjson", data), vec![(3, 1)]);
}

#[test]
fn jsonl_named_field() {
    let numbers = b"{\"len\": 4, \"length\": 99}\n{\"LEN\": 7}\n";
    assert_eq!(
        lengths_with("a.jsonl", numbers, &options_column("len")),
        vec![(4, 1), (7, 1)]
    );
    let token_ids = b"{\"ids\": [5, 0], \"length\": 99}\n{\"IDS\": [-100]}\n";
    assert_eq!(
        lengths_with("a.jsonl", token_ids, &options_column("ids")),
        vec![(1, 1), (2, 1)]
    );
}

#[test]
fn jsonl_lines_split_across_reads_are_read_right() {
    let data = b"{\"length\": 123456}\n{\"input_ids\": [1, 2, 3, 4, 5]}\n{\"num_tokens\": 98765}\n";
    assert_eq!(
        lengths_trickled("a.jsonl", data),
        vec![(5, 1), (98765, 1), (123456, 1)]
    );
}

#[test]
fn jsonl_errors_name_the_line() {
    let cases: Vec<(&[u8], ReadOptions, Location, InputErrorKind)> = vec![
        (
            b"{\"length\": 1}\n{\"length\": 2}\n{\"length\": 3\n{\"length\": 4}\n",
            ReadOptions::default(),
            Location::LineColumn {
                line: 3,
                column: 12,
            },
            InputErrorKind::JsonlUnclosedLine,
        ),
        (
            b"{\"length\": 1}\n[1, 2]\n",
            ReadOptions::default(),
            line(2),
            InputErrorKind::JsonlNotAnObject { found: "an array" },
        ),
        (
            b"{\"length\": 1}\n\n{\"text\": \"hi\", \"id\": 7}\n",
            ReadOptions::default(),
            line(3),
            InputErrorKind::JsonlNoLengthField {
                fields: vec!["text".into(), "id".into()],
            },
        ),
        (
            b"{\"input_ids\": []}\n",
            ReadOptions::default(),
            line_field(1, "input_ids"),
            InputErrorKind::ZeroLength,
        ),
        (
            b"{\"length\": \"12\"}\n",
            ReadOptions::default(),
            line_field(1, "length"),
            InputErrorKind::JsonString {
                text: "12".into(),
                expected: "a sequence length",
            },
        ),
        (
            b"{\"input_ids\": \"1 2 3\"}\n",
            ReadOptions::default(),
            line_field(1, "input_ids"),
            InputErrorKind::JsonExpectedArray {
                field: "input_ids",
                found: "a string",
            },
        ),
        (
            b"{\"length\": 1, \"length\": 2}\n",
            ReadOptions::default(),
            line_field(1, "length"),
            InputErrorKind::JsonDuplicateKey {
                key: "length".into(),
            },
        ),
        (
            b"{\"length\": 1} {\"length\": 2}\n",
            ReadOptions::default(),
            Location::LineColumn {
                line: 1,
                column: 15,
            },
            InputErrorKind::JsonlTrailingContent,
        ),
        (
            b"{\"length\": 1}\n",
            options_column("tokens"),
            line(1),
            InputErrorKind::JsonlMissingField {
                field: "tokens".into(),
                fields: vec!["length".into()],
            },
        ),
        (
            b"{\"length\": 2.5}\n",
            ReadOptions::default(),
            line_field(1, "length"),
            InputErrorKind::Fractional {
                token: token("2.5"),
            },
        ),
        (
            b"{\"num_tokens\": -1}\n",
            ReadOptions::default(),
            line_field(1, "num_tokens"),
            InputErrorKind::Negative { token: token("-1") },
        ),
        (
            b"\n\n  \n",
            ReadOptions::default(),
            Location::Unknown,
            InputErrorKind::Empty,
        ),
    ];
    for (data, options, location, kind) in cases {
        assert_eq!(
            failure_with("data.jsonl", data, &options),
            (location, kind),
            "{}",
            String::from_utf8_lossy(data)
        );
    }
}

#[test]
fn jsonl_broken_line_in_the_middle_reports_its_line() {
    let mut data = Vec::new();
    for index in 1..=500 {
        if index == 321 {
            data.extend(b"{\"length\": 5,, \"x\": 1}\n");
        } else {
            data.extend(format!("{{\"length\": {index}}}\n").as_bytes());
        }
    }
    let (location, kind) = failure("big.jsonl", &data);
    assert_eq!(
        location,
        Location::LineColumn {
            line: 321,
            column: 14
        }
    );
    assert!(matches!(kind, InputErrorKind::JsonSyntax { .. }));
}

// ----- NumPy -----

#[test]
fn npy_every_integer_dtype_in_both_byte_orders() {
    let values: [u64; 4] = [1, 7, 100, 7];
    let expected = vec![(1, 1), (7, 2), (100, 1)];
    for kind in ['i', 'u'] {
        for bytes in [1usize, 2, 4, 8] {
            let orders: &[char] = if bytes == 1 {
                &['|', '<', '>', '=']
            } else {
                &['<', '>', '=']
            };
            for &order in orders {
                let data: Vec<u8> = values
                    .iter()
                    .flat_map(|&value| {
                        let little = value.to_le_bytes();
                        let mut element = little[..bytes].to_vec();
                        if order == '>' {
                            element.reverse();
                        }
                        element
                    })
                    .collect();
                let descr = format!("{order}{kind}{bytes}");
                let file = npy_file(&descr, false, "(4,)", &data);
                assert_eq!(lengths("a.npy", &file), expected, "{descr}");
            }
        }
    }
}

#[test]
fn npy_large_values_layouts_and_versions() {
    let big = [u64::MAX, 1 << 40, 3];
    let data: Vec<u8> = big.iter().flat_map(|value| value.to_be_bytes()).collect();
    let file = npy_file(">u8", false, "(3,)", &data);
    let (counts, stats) = read_with("a.npy", &file, &ReadOptions::default()).unwrap();
    assert_eq!(
        counts.iter().collect::<Vec<_>>(),
        vec![(3, 1), (1 << 40, 1), (u64::MAX, 1)]
    );
    assert_eq!(stats.format, Format::Npy);
    assert_eq!(stats.bytes, file.len() as u64);
    // A column or row vector, and Fortran order, are the same list.
    let data = i8_data(&[5, 6]);
    let expected = vec![(5, 1), (6, 1)];
    assert_eq!(
        lengths("a.npy", &npy_file("<i8", false, "(2, 1)", &data)),
        expected
    );
    assert_eq!(
        lengths("a.npy", &npy_file("<i8", true, "(1, 2)", &data)),
        expected
    );
    assert_eq!(
        lengths("a.npy", &npy_file("<i8", true, "(2,)", &data)),
        expected
    );
    assert_eq!(
        lengths("a.npy", &npy_file_version(2, "<i8", false, "(2,)", &data)),
        expected
    );
    assert_eq!(
        lengths("a.npy", &npy_file_version(3, "<i8", false, "(2,)", &data)),
        expected
    );
    // Detected by its signature without an extension.
    assert_eq!(
        lengths("upload", &npy_file("<i8", false, "(2,)", &data)),
        expected
    );
}

#[test]
fn npy_data_split_across_reads_is_read_right() {
    let values: Vec<i64> = (1..=5000).map(|value| value * 37 % 4093 + 1).collect();
    let file = npy_file(
        "<i8",
        false,
        &format!("({},)", values.len()),
        &i8_data(&values),
    );
    let mut expected = BTreeMap::new();
    for &value in &values {
        *expected.entry(value as u64).or_insert(0u64) += 1;
    }
    assert_eq!(
        lengths_trickled("a.npy", &file),
        expected.into_iter().collect::<Vec<_>>()
    );
}

#[test]
fn npy_errors() {
    let descr = || Location::Field("descr".to_owned());
    let shape = || Location::Field("shape".to_owned());
    let mut no_magic = npy_file("<i8", false, "(1,)", &i8_data(&[1]));
    no_magic[1] = b'X';
    let mut version_9 = npy_file("<i8", false, "(1,)", &i8_data(&[1]));
    version_9[6] = 9;
    let huge_header = [&b"\x93NUMPY\x02\x00"[..], &u32::MAX.to_le_bytes()].concat();
    let broken_dict = {
        let mut file = b"\x93NUMPY\x01\x00".to_vec();
        let header = b"{'descr': '<i8', 'shape': (1,) \n";
        file.extend((header.len() as u16).to_le_bytes());
        file.extend(header);
        file
    };
    let cases: Vec<(Vec<u8>, Location, InputErrorKind)> = vec![
        (
            npy_file("<f8", false, "(1,)", &1.5f64.to_le_bytes()),
            descr(),
            InputErrorKind::NpyFloatDtype {
                descr: "<f8".into(),
            },
        ),
        (
            npy_file("|b1", false, "(2,)", &[1, 0]),
            descr(),
            InputErrorKind::NpyUnsupportedDtype {
                descr: "|b1".into(),
            },
        ),
        (
            npy_file("<i8", false, "(2, 3)", &i8_data(&[1; 6])),
            shape(),
            InputErrorKind::NpyShape {
                shape: "(2, 3)".into(),
            },
        ),
        (
            npy_file("<i8", false, "()", &i8_data(&[1])),
            shape(),
            InputErrorKind::NpyShape { shape: "()".into() },
        ),
        (
            npy_file("<i8", false, "(4,)", &i8_data(&[1, 2, 3])[..20]),
            Location::ByteOffset(128 + 20),
            InputErrorKind::NpyTruncated {
                expected_elements: 4,
                expected_bytes: 32,
                found_bytes: 20,
            },
        ),
        (
            no_magic,
            Location::ByteOffset(0),
            InputErrorKind::NpyBadMagic,
        ),
        (
            b"12\n13\n".to_vec(),
            Location::ByteOffset(0),
            InputErrorKind::NpyBadMagic,
        ),
        (
            version_9,
            Location::ByteOffset(6),
            InputErrorKind::NpyUnsupportedVersion { major: 9, minor: 0 },
        ),
        (
            huge_header,
            Location::Unknown,
            InputErrorKind::NpyBadHeader {
                problem: "it claims to be 4294967295 bytes long, where real headers take about 128"
                    .into(),
            },
        ),
        (
            broken_dict,
            Location::Unknown,
            InputErrorKind::NpyBadHeader {
                problem: "expected `}` but the header ends".into(),
            },
        ),
        (
            b"\x93NUMPY\x01".to_vec(),
            Location::Unknown,
            InputErrorKind::NpyBadHeader {
                problem: "the file ends inside the header".into(),
            },
        ),
        (
            npy_file(
                "<i4",
                false,
                "(3,)",
                &[5, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF, 1, 0, 0, 0],
            ),
            Location::Element(1),
            InputErrorKind::Negative { token: token("-2") },
        ),
        (
            npy_file("<u2", false, "(3,)", &[5, 0, 6, 0, 0, 0]),
            Location::Element(2),
            InputErrorKind::ZeroLength,
        ),
        (
            [
                npy_file("<i8", false, "(1,)", &i8_data(&[3])),
                i8_data(&[4]),
            ]
            .concat(),
            Location::ByteOffset(128 + 8),
            InputErrorKind::NpyTrailingData { extra_bytes: 8 },
        ),
        (
            npy_file("<i8", false, "(0,)", &[]),
            Location::Unknown,
            InputErrorKind::Empty,
        ),
    ];
    for (file, location, kind) in cases {
        assert_eq!(failure("lengths.npy", &file), (location, kind));
    }
    let (_, float) = failure(
        "a.npy",
        &npy_file("<f4", false, "(1,)", &1f32.to_le_bytes()),
    );
    assert!(float.to_string().contains("lengths.astype(np.int64)"));
}

// ----- Naming the field: no count differs from what was meant -----
//
// One JSON object is a whole dataset, so the array its named field holds
// is a list of lengths. In JSON Lines and arrays of objects each object is
// one sequence, so a named array is that sequence's token ids. Where the
// content cannot tell which was meant, the read says so in a note; where
// the options contradict the file, it is refused.

/// The user's report: a `.json` file `{"lengths": [1, 2, 3]}` read with
/// `--column lengths` was one sequence of 3 tokens.
#[test]
fn a_named_field_of_one_json_object_holds_its_lengths() {
    let report = br#"{"lengths": [1, 2, 3]}"#;
    let expected = (vec![(1, 1), (2, 1), (3, 1)], Format::Json, vec![]);
    let lengths_column = options_column("lengths");
    let same_object: [(&str, &[u8]); 4] = [
        ("f.json", report),
        // No telling extension: the content decides.
        ("f", report),
        // Over several lines, with other fields and the name in another case.
        (
            "f.json",
            b"{\n  \"name\": \"eval\",\n  \"Lengths\": [1, 2, 3],\n  \"max_len\": 8\n}\n",
        ),
        ("f.json", b"\xEF\xBB\xBF{\"lengths\": [3, 2, 1]}\r\n\r\n"),
    ];
    for (name, data) in same_object {
        assert_eq!(
            read_noted(name, data, &lengths_column),
            expected,
            "{name}: {}",
            String::from_utf8_lossy(data)
        );
    }
    let forced = options_format_column(Format::Json, "lengths");
    assert_eq!(read_noted("f.txt", report, &forced), expected);
    // The order is kept for assigning sequences to packs.
    let ordered =
        read_lengths_in_order("f.json", &br#"{"lengths": [3, 1, 2]}"#[..], &lengths_column)
            .unwrap();
    assert_eq!(ordered.lengths, vec![3, 1, 2]);
    assert_eq!(ordered.stats.format, Format::Json);
}

#[test]
fn a_one_line_json_object_longer_than_the_detection_head_is_still_one_document() {
    let lengths: Vec<String> = (1..=5000).map(|length| length.to_string()).collect();
    let data = format!("{{\"lengths\": [{}]}}", lengths.join(", "));
    assert!(data.len() > 20_000);
    let (counts, stats) = read_with("f.json", data.as_bytes(), &options_column("lengths")).unwrap();
    assert_eq!(stats.sequences, 5000);
    assert_eq!(stats.format, Format::Json);
    assert_eq!(counts.iter().last(), Some((5000, 1)));
    assert_eq!(
        lengths_trickled_with("f.json", data.as_bytes(), "lengths"),
        5000
    );
}

#[test]
fn one_json_object_without_a_named_field_says_to_name_it() {
    let (location, kind) = failure("f.json", br#"{"lengths": [1, 2, 3]}"#);
    assert_eq!(
        (location, kind.clone()),
        (
            line(1),
            InputErrorKind::JsonlNoLengthField {
                fields: vec!["lengths".into()]
            }
        )
    );
    assert!(kind.to_string().contains("--column NAME"), "{kind}");
    let (location, kind) = failure("f.json", b"{\n  \"lengths\": [1, 2, 3]\n}\n");
    assert_eq!(
        (location, kind),
        (
            Location::LineColumn { line: 3, column: 1 },
            InputErrorKind::JsonObjectWithoutColumn {
                fields: vec!["lengths".into()]
            }
        )
    );
}

#[test]
fn one_object_given_as_json_lines_is_one_sequence_and_says_so() {
    let data = br#"{"lengths": [1, 2, 3]}"#;
    let note = InputNoteKind::ArraysCountedAsTokenIds {
        field: "lengths".into(),
        rows: 1,
    };
    for (name, options) in [
        ("f.jsonl", options_column("lengths")),
        ("f.json", options_format_column(Format::Jsonl, "lengths")),
    ] {
        assert_eq!(
            read_noted(name, data, &options),
            (vec![(3, 1)], Format::Jsonl, vec![note.clone()]),
            "{name}"
        );
    }
    assert!(note.to_string().contains("--format json"), "{note}");
    // `input_ids` holds token ids by its name: one sequence and no note,
    // however the format was told.
    let ids = br#"{"input_ids": [101, 2023, 102]}"#;
    for options in [ReadOptions::default(), options_column("input_ids")] {
        for name in ["f.json", "f.jsonl", "f"] {
            assert_eq!(
                read_noted(name, ids, &options),
                (vec![(3, 1)], Format::Jsonl, vec![]),
                "{name} {options:?}"
            );
        }
    }
}

#[test]
fn several_objects_are_json_lines_rows_whatever_the_name() {
    let data = b"{\"lengths\": [1, 2, 3]}\n{\"lengths\": [4]}\n";
    let (counts, format, notes) = read_noted("f.json", data, &options_column("lengths"));
    assert_eq!((counts, format), (vec![(1, 1), (3, 1)], Format::Jsonl));
    assert_eq!(
        notes,
        vec![InputNoteKind::ArraysCountedAsTokenIds {
            field: "lengths".into(),
            rows: 2
        }]
    );
    assert!(notes[0].to_string().contains("one JSON array [12, 40, 7]"));
}

#[test]
fn a_json_document_read_as_json_lines_or_back_is_refused() {
    let pretty: &[u8] = b"{\n  \"lengths\": [1, 2, 3]\n}\n";
    let lines: &[u8] = b"{\"length\": 5}\n{\"length\": 6}\n";
    assert_failures(vec![
        (
            "f.json",
            pretty,
            options_format_column(Format::Jsonl, "lengths"),
            Location::LineColumn { line: 1, column: 1 },
            InputErrorKind::JsonlUnclosedLine,
        ),
        (
            "f.jsonl",
            lines,
            options_format(Format::Json),
            Location::LineColumn {
                line: 1,
                column: 13,
            },
            InputErrorKind::JsonObjectWithoutColumn {
                fields: vec!["length".into()],
            },
        ),
        (
            "f.jsonl",
            lines,
            options_format_column(Format::Json, "length"),
            Location::Field("length".into()),
            InputErrorKind::JsonFieldNotAnArray {
                field: "length".into(),
                found: "a number",
            },
        ),
        (
            "f.json",
            b"[1, 2, 3]\n",
            options_format(Format::Jsonl),
            line(1),
            InputErrorKind::JsonlNotAnObject { found: "an array" },
        ),
    ]);
    let (_, unclosed) = failure_with("f.json", pretty, &options_format(Format::Jsonl));
    assert!(unclosed.to_string().contains("--format json"), "{unclosed}");
    let (_, not_an_array) = failure_with(
        "f.jsonl",
        lines,
        &options_format_column(Format::Json, "length"),
    );
    assert!(
        not_an_array.to_string().contains(".jsonl extension"),
        "{not_an_array}"
    );
}

#[test]
fn a_named_field_of_one_json_object_must_be_an_array_of_lengths() {
    let forced_json = |column: &str| options_format_column(Format::Json, column);
    assert_failures(vec![
        (
            "f.json",
            br#"{"length": {"0": 5, "1": 7}}"#,
            forced_json("length"),
            Location::Field("length".into()),
            InputErrorKind::JsonFieldNotAnArray {
                field: "length".into(),
                found: "an object",
            },
        ),
        (
            "f.json",
            b"{\n  \"lengths\": [[1, 2], [3]]\n}",
            options_column("lengths"),
            Location::LineColumn {
                line: 2,
                column: 20,
            },
            InputErrorKind::JsonArray {
                expected: "a sequence length",
            },
        ),
        (
            "f.json",
            b"{\n  \"lengths\": [1, 0]\n}",
            options_column("lengths"),
            Location::LineColumn {
                line: 2,
                column: 19,
            },
            InputErrorKind::ZeroLength,
        ),
        (
            "f.json",
            b"{\n  \"a\": [1]\n}",
            options_column("b"),
            Location::LineColumn { line: 3, column: 1 },
            InputErrorKind::JsonMissingField {
                field: "b".into(),
                fields: vec!["a".into()],
            },
        ),
        (
            "f.json",
            br#"{"lengths": [1], "Lengths": [2]}"#,
            forced_json("lengths"),
            Location::Field("Lengths".into()),
            InputErrorKind::JsonDuplicateKey {
                key: "Lengths".into(),
            },
        ),
        // Token ids by their name, in a document whose named arrays hold lengths.
        (
            "f.json",
            br#"{"input_ids": [101, 2023, 102]}"#,
            forced_json("input_ids"),
            Location::Field("input_ids".into()),
            InputErrorKind::TokenIdsAsLengths {
                field: "input_ids".into(),
            },
        ),
    ]);
}

#[test]
fn an_array_of_objects_is_one_sequence_per_object() {
    let records = br#"[
        {"input_ids": [101, 7592, 102], "text": "hi"},
        {"length": 7},
        {"num_tokens": 2, "input_ids": [5, 5]}
    ]"#;
    assert_eq!(
        read_noted("f.json", records, &ReadOptions::default()),
        (vec![(2, 1), (3, 1), (7, 1)], Format::Json, vec![])
    );
    let ordered = read_lengths_in_order("f.json", &records[..], &ReadOptions::default()).unwrap();
    assert_eq!(ordered.lengths, vec![3, 7, 2]);
    // A named field gives numbers, or token ids, which are noted unless
    // the field is `input_ids`.
    assert_eq!(
        read_noted("f.json", br#"[{"n": 4}, {"N": 9}]"#, &options_column("n")),
        (vec![(4, 1), (9, 1)], Format::Json, vec![])
    );
    assert_eq!(
        read_noted(
            "f.json",
            br#"[{"tok": [1, 2, 3]}, {"tok": [4]}]"#,
            &options_column("tok")
        ),
        (
            vec![(1, 1), (3, 1)],
            Format::Json,
            vec![InputNoteKind::ArraysCountedAsTokenIds {
                field: "tok".into(),
                rows: 2
            }]
        )
    );
    assert_eq!(
        read_noted(
            "f.json",
            br#"[{"input_ids": [1, 2, 3]}]"#,
            &options_column("input_ids")
        ),
        (vec![(3, 1)], Format::Json, vec![])
    );
}

#[test]
fn an_array_of_objects_refuses_what_json_lines_refuse() {
    let default = ReadOptions::default;
    assert_failures(vec![
        (
            "f.json",
            br#"[{"length": 5}, 7]"#,
            default(),
            Location::LineColumn {
                line: 1,
                column: 18,
            },
            InputErrorKind::JsonRecordExpected { found: "a number" },
        ),
        (
            "f.json",
            br#"[5, {"length": 7}]"#,
            default(),
            Location::LineColumn {
                line: 1,
                column: 17,
            },
            InputErrorKind::JsonObject {
                expected: "a sequence length",
            },
        ),
        (
            "f.json",
            br#"[{"length": 5}, {"text": "x"}]"#,
            default(),
            Location::LineColumn {
                line: 1,
                column: 30,
            },
            InputErrorKind::JsonlNoLengthField {
                fields: vec!["text".into()],
            },
        ),
        (
            "f.json",
            br#"[{"n": 5}, {"n": [1, 2]}]"#,
            options_column("n"),
            Location::LineColumn {
                line: 1,
                column: 25,
            },
            InputErrorKind::FieldShapeChanged {
                field: "n".into(),
                first: "a number",
                found: "an array",
            },
        ),
        (
            "f.json",
            br#"[{"input_ids": [[1, 2], [3]]}]"#,
            default(),
            Location::LineColumn {
                line: 1,
                column: 30,
            },
            InputErrorKind::TokenIdsNested {
                field: "input_ids".into(),
                found: "an array",
            },
        ),
        (
            "f.json",
            br#"[{"length": 5, "length": 6}]"#,
            default(),
            Location::Field("length".into()),
            InputErrorKind::JsonDuplicateKey {
                key: "length".into(),
            },
        ),
    ]);
}

#[test]
fn token_ids_are_flat_arrays_of_whole_numbers() {
    let tokens = || options_column("tokens");
    let default = ReadOptions::default;
    let nested = |found| InputErrorKind::TokenIdsNested {
        field: "input_ids".into(),
        found,
    };
    let not_whole = |field: &str, found| InputErrorKind::TokenIdNotWhole {
        field: field.into(),
        found,
    };
    assert_failures(vec![
        (
            "f.jsonl",
            b"{\"input_ids\": [[1, 2], [3]]}\n",
            default(),
            line_field(1, "input_ids"),
            nested("an array"),
        ),
        (
            "f.jsonl",
            b"{\"input_ids\": [{\"id\": 1}]}\n",
            default(),
            line_field(1, "input_ids"),
            nested("an object"),
        ),
        (
            "f.jsonl",
            b"{\"input_ids\": [1, null]}\n",
            default(),
            line_field(1, "input_ids"),
            not_whole("input_ids", "null"),
        ),
        (
            "f.jsonl",
            b"{\"tokens\": [\"the\", \"cat\"]}\n",
            tokens(),
            line_field(1, "tokens"),
            not_whole("tokens", "a string"),
        ),
        (
            "f.jsonl",
            b"{\"tokens\": [0.25, 0.5]}\n",
            tokens(),
            line_field(1, "tokens"),
            not_whole("tokens", "a number with a fraction or exponent"),
        ),
        // One line that could be a document: refused either way.
        (
            "f.json",
            b"{\"lengths\": [[1, 2], [3]]}",
            options_column("lengths"),
            line_field(1, "lengths"),
            InputErrorKind::TokenIdsNested {
                field: "lengths".into(),
                found: "an array",
            },
        ),
    ]);
    // Ids may be 0 or negative (`labels` marks ignored positions -100).
    assert_eq!(
        lengths_with(
            "f.jsonl",
            b"{\"labels\": [-100, 0, 5]}\n",
            &options_column("labels")
        ),
        vec![(3, 1)]
    );
}

#[test]
fn a_named_json_lines_field_gives_every_row_the_same_way() {
    assert_failures(vec![(
        "f.jsonl",
        b"{\"n\": 5}\n\n{\"n\": [1, 2]}\n",
        options_column("n"),
        line_field(3, "n"),
        InputErrorKind::FieldShapeChanged {
            field: "n".into(),
            first: "a number",
            found: "an array",
        },
    )]);
    let (_, kind) = failure_with(
        "f.jsonl",
        b"{\"n\": [1]}\n{\"n\": 5}\n",
        &options_column("n"),
    );
    assert_eq!(
        kind,
        InputErrorKind::FieldShapeChanged {
            field: "n".into(),
            first: "an array",
            found: "a number"
        }
    );
}

#[test]
fn json_lines_length_fields_that_disagree_are_noted_once() {
    let data = concat!(
        "{\"length\": 5, \"input_ids\": [1, 2, 3]}\n",
        "{\"length\": 9, \"input_ids\": [1, 2]}\n",
        "{\"num_tokens\": 4, \"input_ids\": [1]}\n",
    );
    let (counts, stats) = read_with("f.jsonl", data.as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(
        counts.iter().collect::<Vec<_>>(),
        vec![(4, 1), (5, 1), (9, 1)]
    );
    assert_eq!(stats.notes.len(), 1, "{:?}", stats.notes);
    assert_eq!(stats.notes[0].location, line_field(1, "length"));
    assert_eq!(
        stats.notes[0].kind,
        InputNoteKind::LengthFieldsDisagree {
            taken: "length",
            other: "input_ids",
            taken_length: 5,
            other_length: 3
        }
    );
    assert!(stats.notes[0]
        .to_string()
        .starts_with("f.jsonl:1, `length`: `length` and `input_ids` give different lengths"));
    let agreeing = b"{\"length\": 2, \"input_ids\": [1, 2]}\n";
    assert_eq!(
        read_noted("f.jsonl", agreeing, &ReadOptions::default()),
        (vec![(2, 1)], Format::Jsonl, vec![])
    );
}

#[test]
fn a_column_named_for_a_json_histogram_is_refused() {
    let dense: &[u8] = br#"{"max_len": 3, "counts": [1, 0, 2]}"#;
    let sparse: &[u8] = br#"{"17": 120, "18": 95}"#;
    let on_histogram = |column: &str| InputErrorKind::ColumnOnHistogram {
        column: column.into(),
    };
    let position = |column| Location::LineColumn { line: 1, column };
    assert_failures(vec![
        (
            "h.json",
            dense,
            options_column("counts"),
            Location::Field("counts".into()),
            on_histogram("counts"),
        ),
        (
            "h.json",
            dense,
            options_column("Max_Len"),
            Location::Field("max_len".into()),
            on_histogram("Max_Len"),
        ),
        (
            "h.json",
            dense,
            options_column("lengths"),
            position(35),
            on_histogram("lengths"),
        ),
        // Counts first: read as lengths until max_len shows the histogram.
        (
            "h.json",
            br#"{"counts": [1, 3, 2], "max_len": 3}"#,
            options_column("counts"),
            position(35),
            on_histogram("counts"),
        ),
        (
            "h.json",
            sparse,
            options_column("17"),
            position(6),
            on_histogram("17"),
        ),
        (
            "h.json",
            sparse,
            options_column("length"),
            position(6),
            on_histogram("length"),
        ),
        // Read as JSON Lines, a histogram is no row, with or without --column.
        (
            "h.json",
            dense,
            options_format(Format::Jsonl),
            line(1),
            InputErrorKind::JsonlHistogramLine,
        ),
        (
            "h.jsonl",
            dense,
            options_column("counts"),
            line(1),
            InputErrorKind::JsonlHistogramLine,
        ),
    ]);
    let message = on_histogram("counts").to_string();
    assert!(message.contains("Leave out --column"), "{message}");
    assert!(InputErrorKind::JsonlHistogramLine
        .to_string()
        .contains("--format json"));
    // Without the column, both read as histograms.
    assert_eq!(lengths("h.json", dense), vec![(1, 1), (3, 2)]);
    assert_eq!(lengths("h.json", sparse), vec![(17, 120), (18, 95)]);
}

#[test]
fn a_column_named_for_a_file_without_fields_is_refused() {
    let not_applicable = |read_as| InputErrorKind::ColumnNotApplicable {
        column: "length".into(),
        read_as,
    };
    let text = "a plain list of numbers (text)";
    let npy = npy_file("<i8", false, "(2,)", &i8_data(&[5, 6]));
    assert_failures(vec![
        (
            "t.txt",
            b"5\n6\n",
            options_column("length"),
            Location::Unknown,
            not_applicable(text),
        ),
        (
            "lengths",
            b"5\n6\n",
            options_column("length"),
            Location::Unknown,
            not_applicable(text),
        ),
        (
            "t.csv",
            b"length\n5\n",
            options_format_column(Format::Text, "length"),
            Location::Unknown,
            not_applicable(text),
        ),
        (
            "a.npy",
            &npy,
            options_column("length"),
            Location::Unknown,
            not_applicable("a NumPy array"),
        ),
        (
            "a.json",
            b"[5, 6]",
            options_column("length"),
            Location::LineColumn { line: 1, column: 3 },
            not_applicable("a JSON array of lengths"),
        ),
        // A table without a header row has no names to match.
        (
            "t.csv",
            b"5\n6\n",
            options_column("length"),
            line(1),
            InputErrorKind::MissingHeader { fields: 1 },
        ),
    ]);
    let message = not_applicable(text).to_string();
    assert!(
        message.starts_with("--column length was given, but the file is read as a plain list"),
        "{message}"
    );
    assert!(message.contains("Leave out --column"), "{message}");
}

#[test]
fn csv_count_column_named_beside_a_length_column_is_refused() {
    let histogram: &[u8] = b"length,count\n5,3\n9,2\n";
    assert_failures(vec![(
        "h.csv",
        histogram,
        options_column("COUNT"),
        line(1),
        InputErrorKind::CountColumnNamed {
            column: "COUNT".into(),
            length_column: "length".into(),
        },
    )]);
    // A `count` column with no length column beside it is what the user
    // says it is.
    assert_eq!(
        read_noted("c.csv", b"count\n5\n7\n", &options_column("count")),
        (vec![(5, 1), (7, 1)], Format::Csv, vec![])
    );
}

#[test]
fn csv_choices_the_header_cannot_confirm_are_noted() {
    let default = ReadOptions::default();
    assert_eq!(
        read_noted("ids.csv", b"id,text\n1,hello\n2,world\n", &default),
        (
            vec![(1, 1), (2, 1)],
            Format::Csv,
            vec![InputNoteKind::OnlyNumericColumn {
                column: "id".into()
            }]
        )
    );
    assert_eq!(
        read_noted("h.csv", b"length,count\n5,3\n9,2\n", &default),
        (
            vec![(5, 3), (9, 2)],
            Format::Csv,
            vec![InputNoteKind::CountColumnHistogram {
                length_column: "length".into(),
                count_column: "count".into()
            }]
        )
    );
    assert_eq!(
        read_noted("two.csv", b"seq_len,length,Tokens\n5,3,4\n", &default),
        (
            vec![(3, 1)],
            Format::Csv,
            vec![InputNoteKind::SeveralLengthColumns {
                taken: "length".into(),
                others: vec!["Tokens".into(), "seq_len".into()]
            }]
        )
    );
    // A column named like lengths, or named by the user, needs no note.
    assert_eq!(
        read_noted("a.csv", b"id,length\n1,5\n", &default),
        (vec![(5, 1)], Format::Csv, vec![])
    );
    assert_eq!(
        read_noted("ids.csv", b"id,text\n1,hello\n", &options_column("id")),
        (vec![(1, 1)], Format::Csv, vec![])
    );
    // The note as the user sees it: file, header line, what, what to change.
    let (_, stats) = read_with("ids.csv", b"# ids\nid,text\n1,a\n", &default).unwrap();
    let note = stats.notes[0].to_string();
    assert!(
        note.starts_with("ids.csv:2: took the column `id` as the sequence lengths"),
        "{note}"
    );
    assert!(note.contains("--column NAME"), "{note}");
}

#[test]
fn csv_lists_in_fields_are_refused() {
    assert_failures(vec![
        (
            "ids.csv",
            b"input_ids\n\"[101, 2023, 102]\"\n",
            options_column("input_ids"),
            line_field(2, "input_ids"),
            InputErrorKind::CsvListField {
                token: token("[101, 2023, 102]"),
            },
        ),
        // numpy cuts long arrays short: counting items would be wrong.
        (
            "ids.csv",
            b"id,tokens\n1,\"[   0    1 ... 1998 1999]\"\n",
            ReadOptions::default(),
            line_field(2, "tokens"),
            InputErrorKind::CsvListField {
                token: token("[   0    1 ... 1998 …"),
            },
        ),
    ]);
}

#[test]
fn text_lines_of_equally_many_numbers_are_noted() {
    let rows = InputNoteKind::RowsOfNumbers {
        numbers_per_line: 2,
    };
    for name in ["pairs.txt", "pairs"] {
        assert_eq!(
            read_noted(name, b"512 3\n128,7\n", &ReadOptions::default()),
            (
                vec![(3, 1), (7, 1), (128, 1), (512, 1)],
                Format::Text,
                vec![rows.clone()]
            ),
            "{name}"
        );
    }
    assert!(rows.to_string().contains("length,count"), "{rows}");
    for plain in [&b"512\n128\n"[..], b"1, 2\t3 4\n5,6\n", b"512 3\n"] {
        assert_eq!(
            read_noted("a.txt", plain, &ReadOptions::default()).2,
            vec![],
            "{}",
            String::from_utf8_lossy(plain)
        );
    }
}

// ----- Reading into existing counts -----

#[test]
fn reads_add_to_existing_counts() {
    let mut counts = LengthCounts::new();
    read_lengths(
        "a.txt",
        &b"5\n6\n"[..],
        &ReadOptions::default(),
        &mut counts,
    )
    .unwrap();
    read_lengths(
        "b.json",
        &br#"{"max_len": 8, "counts": [0, 0, 0, 0, 1, 0, 0, 2]}"#[..],
        &ReadOptions::default(),
        &mut counts,
    )
    .unwrap();
    assert_eq!(
        counts.iter().collect::<Vec<_>>(),
        vec![(5, 2), (6, 1), (8, 2)]
    );
    assert_eq!(counts.declared_max_len(), Some(8));
}

#[test]
fn overflow_when_merging_changes_nothing() {
    let mut counts = LengthCounts::new();
    counts.add(5, u64::MAX).unwrap();
    counts.add(2, 1).unwrap();
    let before = counts.clone();
    let error = read_lengths(
        "a.txt",
        &b"1\n5\n"[..],
        &ReadOptions::default(),
        &mut counts,
    )
    .unwrap_err();
    assert_eq!(error.kind, InputErrorKind::CountOverflow { length: 5 });
    assert_eq!(counts, before);
}

#[test]
fn a_forced_format_skips_detection() {
    let options = options_format(Format::Text);
    assert_eq!(
        lengths_with("a.csv", b"5,6\n7\n", &options),
        vec![(5, 1), (6, 1), (7, 1)]
    );
    let (_, kind) = failure_with("a.txt", b"{\"length\": 3}", &options);
    assert!(matches!(kind, InputErrorKind::NotANumber { .. }));
}

#[test]
fn detect_format_is_public() {
    assert_eq!(detect_format("x.jsonl", b""), Format::Jsonl);
    assert_eq!(detect_format("x", b"[1]"), Format::Json);
    assert_eq!("NPY".parse::<Format>(), Ok(Format::Npy));
    assert_eq!(Format::Jsonl.name(), "jsonl");
}

// ----- Every format yields the same histogram -----

/// The oracle: lengths counted in a map, independent of every reader and
/// of `LengthCounts` (which keeps short and long lengths apart).
fn oracle(lengths: &[u64]) -> Vec<(u64, u64)> {
    let mut counts = BTreeMap::new();
    for &length in lengths {
        *counts.entry(length).or_insert(0u64) += 1;
    }
    counts.into_iter().collect()
}

/// A length: mostly realistic, sometimes huge (past the dense table, up
/// to `u64::MAX`).
fn any_length() -> impl Strategy<Value = u64> {
    prop_oneof![
        8 => 1u64..=4096,
        1 => 1u64..=u64::MAX,
        1 => Just(u64::MAX),
    ]
}

/// What goes between two numbers of a text file.
fn text_gap() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just("\r".to_owned()),
        Just(" ".to_owned()),
        Just("\t".to_owned()),
        Just(",".to_owned()),
        Just(", ".to_owned()),
        Just("\n\n".to_owned()),
        Just(" # a comment, 12 34\n".to_owned()),
        Just("\n# 99 commented out\n".to_owned()),
    ];
    prop::collection::vec(piece, 1..3).prop_map(|pieces| pieces.concat())
}

fn text_file(lengths: &[u64], gaps: &[String], bom: bool, final_gap: bool) -> Vec<u8> {
    let mut text = String::new();
    if bom {
        text.push('\u{FEFF}');
    }
    for (index, length) in lengths.iter().enumerate() {
        text.push_str(&length.to_string());
        if index + 1 < lengths.len() || final_gap {
            text.push_str(&gaps[index % gaps.len()]);
        }
    }
    text.into_bytes()
}

fn json_file(lengths: &[u64]) -> Vec<u8> {
    let items: Vec<String> = lengths.iter().map(u64::to_string).collect();
    format!("[\n  {}\n]\n", items.join(",\n  ")).into_bytes()
}

fn jsonl_file(lengths: &[u64]) -> Vec<u8> {
    let mut file = String::new();
    for (index, &length) in lengths.iter().enumerate() {
        let line = match index % 3 {
            0 => format!("{{\"text\": \"doc {index}\", \"length\": {length}}}"),
            1 => format!("{{\"num_tokens\": {length}, \"source\": {{\"a\": [1, 2]}}}}"),
            _ if length <= 64 => {
                let ids = vec!["7"; length as usize].join(",");
                format!("{{\"input_ids\": [{ids}]}}")
            }
            _ => format!("{{\"length\": {length}}}"),
        };
        file.push_str(&line);
        file.push('\n');
    }
    file.into_bytes()
}

fn csv_file(lengths: &[u64]) -> Vec<u8> {
    let mut file = String::from("id,text,num_tokens\n");
    for (index, length) in lengths.iter().enumerate() {
        file.push_str(&format!("{index},\"doc, {index}\",{length}\n"));
    }
    file.into_bytes()
}

/// A `.npy` of the narrowest choice of dtypes (from `width_choice`) that
/// holds every length, in the byte order asked for.
fn npy_of(lengths: &[u64], width_choice: usize, signed: bool, big_endian: bool) -> Vec<u8> {
    let largest = lengths.iter().copied().max().unwrap_or(1);
    let widths = [1usize, 2, 4, 8];
    let fits = |bytes: usize| {
        let bits = 8 * bytes as u32 - u32::from(signed);
        bits >= 64 || largest < (1u64 << bits)
    };
    let candidates: Vec<usize> = widths.into_iter().filter(|&bytes| fits(bytes)).collect();
    // An i8 array cannot hold lengths past i64::MAX; use u8 then.
    let (bytes, signed) = match candidates.get(width_choice % candidates.len().max(1)) {
        Some(&bytes) => (bytes, signed),
        None => (8, false),
    };
    let order = match (bytes, big_endian) {
        (1, _) => '|',
        (_, true) => '>',
        (_, false) => '<',
    };
    let kind = if signed { 'i' } else { 'u' };
    let data: Vec<u8> = lengths
        .iter()
        .flat_map(|&length| {
            let mut element = length.to_le_bytes()[..bytes].to_vec();
            if big_endian {
                element.reverse();
            }
            element
        })
        .collect();
    npy_file(
        &format!("{order}{kind}{bytes}"),
        false,
        &format!("({},)", lengths.len()),
        &data,
    )
}

proptest! {
    #![proptest_config(config(96, 0x5EED_1E57))]

    #[test]
    fn every_format_yields_the_same_histogram(
        lengths in prop_oneof![
            // Short lengths only, so that narrow NumPy dtypes get used.
            prop::collection::vec(1u64..=120, 1..200),
            prop::collection::vec(1u64..=30_000, 1..200),
            prop::collection::vec(any_length(), 1..200),
        ],
        gaps in prop::collection::vec(text_gap(), 1..8),
        bom in any::<bool>(),
        final_gap in any::<bool>(),
        width_choice in 0usize..4,
        signed in any::<bool>(),
        big_endian in any::<bool>(),
    ) {
        let expected = oracle(&lengths);
        let files = [
            ("lengths.txt", text_file(&lengths, &gaps, bom, final_gap)),
            ("lengths", text_file(&lengths, &gaps, false, final_gap)),
            ("lengths.json", json_file(&lengths)),
            ("lengths.jsonl", jsonl_file(&lengths)),
            ("lengths.csv", csv_file(&lengths)),
            ("lengths.npy", npy_of(&lengths, width_choice, signed, big_endian)),
        ];
        for (name, file) in &files {
            let mut counts = LengthCounts::new();
            let stats = read_lengths(name, &file[..], &ReadOptions::default(), &mut counts);
            prop_assert!(stats.is_ok(), "{}: {:?}", name, stats);
            prop_assert_eq!(counts.iter().collect::<Vec<_>>(), expected.clone(), "{}", name);
            let trickled = lengths_trickled(name, file);
            prop_assert_eq!(trickled, expected.clone(), "{} read in small pieces", name);
        }
    }

    #[test]
    fn no_input_makes_a_reader_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..300),
        format_index in 0usize..6,
    ) {
        let format = Format::ALL.get(format_index).copied();
        let options = ReadOptions {
            format,
            ..ReadOptions::default()
        };
        let mut counts = LengthCounts::new();
        // Any outcome is fine; reaching the end without a panic is the test.
        let _ = read_lengths("fuzz", &bytes[..], &options, &mut counts);
    }

    #[test]
    fn mutated_valid_files_never_panic(
        lengths in prop::collection::vec(any_length(), 1..20),
        format_index in 0usize..5,
        position in any::<prop::sample::Index>(),
        replacement in any::<u8>(),
    ) {
        let mut file = match format_index {
            0 => text_file(&lengths, &["\n".to_owned()], false, true),
            1 => json_file(&lengths),
            2 => jsonl_file(&lengths),
            3 => csv_file(&lengths),
            _ => npy_of(&lengths, 3, true, false),
        };
        let at = position.index(file.len());
        file[at] = replacement;
        let mut counts = LengthCounts::new();
        let _ = read_lengths("mutated", &file[..], &ReadOptions::default(), &mut counts);
    }
}
