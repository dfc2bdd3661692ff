//! Reading the sequence lengths of a dataset from a file.
//!
//! [`read_lengths`] reads one file, in any of these formats, into a
//! [`LengthCounts`](crate::histogram::LengthCounts):
//!
//! | format | what it holds |
//! | --- | --- |
//! | [`Format::Text`] | whole numbers separated by newlines, commas or white space; `#` starts a comment |
//! | [`Format::Csv`] | a table with a header row; one column holds lengths, or `length` and `count` columns form a histogram |
//! | [`Format::Json`] | `[12, 40, 7]`, a dense histogram `{"max_len": 512, "counts": [...]}`, a sparse one `{"17": 120, "18": 95}`, an object whose named field holds the lengths `{"lengths": [12, 40, 7]}`, or an array of one object per sequence `[{"input_ids": [...]}, ...]` |
//! | [`Format::Jsonl`] | one object per line with `length`, `num_tokens` or `input_ids` |
//! | [`Format::Npy`] | a NumPy array of integers, of any width and byte order |
//! | [`Format::Megatron`] | a Megatron-LM / NeMo index (`.idx`): its sequences, or its documents with [`ReadOptions::documents`] |
//! | [`Format::Arrow`] | an Arrow IPC file or stream (a `datasets` shard, `data-*.arrow`): a list-of-integers column's row lengths (from its offsets) or an integer length column; natively, from a path, and a `save_to_disk` folder reads every shard in order |
//! | [`Format::Parquet`] | a Parquet file's list-of-integers column (each row's number of token ids) or integer length column; natively, from a path (`read_file_lengths`) |
//!
//! Rows of raw text or conversations (`{"text": "..."}`, `{"messages":
//! [...]}`) in JSON Lines, a JSON array, Parquet or Arrow are counted with
//! the model's own tokenizer given as [`ReadOptions::tokenizer`] (a
//! [`TextTokenizer`] loaded from its `tokenizer.json`), on every row or on
//! a sample of them
//! ([`ReadOptions::sample_rows`]).
//!
//! Unless [`ReadOptions::format`] names one, the format is told by the file
//! name's extension, then by the content ([`detect_format`]).
//!
//! [`ReadOptions::column`] names the field that holds the lengths, and what
//! it holds decides how they are counted:
//! - in a CSV table, a column: one length per row;
//! - in one JSON object (the whole dataset), a field holding an array of
//!   lengths: `{"lengths": [12, 40, 7]}` is three sequences;
//! - in JSON Lines, or an array of objects, where each object is one
//!   sequence, a field holding its length as a number, or its token ids as
//!   an array: `{"tokens": [5, 9, 2]}` is one sequence of three tokens.
//!
//! Naming a column for a file that has none (text, `.npy`, a JSON array of
//! lengths, a JSON histogram) is an error, not ignored. Where a file is
//! read by a rule its content cannot confirm (a table's only numeric
//! column taken as the lengths, an array that might hold lengths counted as
//! token ids), the file is read and [`InputStats::notes`] says so.
//!
//! ```
//! use packlab::input::{read_lengths, InputErrorKind, Location, ReadOptions};
//! use packlab::LengthCounts;
//!
//! let mut counts = LengthCounts::new();
//! let file = "# lengths of the eval split\n512\n37\n512\n";
//! let stats = read_lengths("eval.txt", file.as_bytes(), &ReadOptions::default(), &mut counts)?;
//! assert_eq!(stats.sequences, 3);
//! assert_eq!(counts.iter().collect::<Vec<_>>(), vec![(37, 1), (512, 2)]);
//!
//! // A bad file says where and how to fix it, and leaves the counts alone.
//! let error = read_lengths("more.txt", &b"40\n12.0\n"[..], &ReadOptions::default(), &mut counts)
//!     .unwrap_err();
//! assert_eq!(error.location, Location::Line(2));
//! assert!(matches!(error.kind, InputErrorKind::Fractional { .. }));
//! assert_eq!(
//!     error.to_string(),
//!     "more.txt:2: `12.0` is not a whole number. Lengths are whole token counts; write 12 not 12.0"
//! );
//! assert_eq!(counts.iter().collect::<Vec<_>>(), vec![(37, 1), (512, 2)]);
//! # Ok::<(), packlab::input::InputError>(())
//! ```
//!
//! Every reader streams: beyond the counts, memory stays constant however
//! large the file. What is held at a time is one read buffer, one JSON
//! Lines line or CSV record, and for histogram inputs (which are small)
//! the histogram's own bins. (The first line of a file only guessed to be
//! JSON Lines is held twice, until the next line shows it is not the whole
//! file: see [`detect_format`].) A file that fails to read leaves the counts
//! untouched, so a bad upload never half-changes a dataset.
//!
//! Decisions that apply to every text format:
//! - a sequence of length 0 is an error: it carries no tokens, and a zero
//!   in a list of lengths is far more often a bug (an empty document, a
//!   failed tokenisation) than data. A histogram entry of length 0 with a
//!   count of 0 holds no sequence and is accepted.
//! - numbers are plain decimal digits: floats (`12.0`, `1e3`), signs,
//!   hexadecimal and thousands separators are errors that say how to write
//!   the number instead.
//! - a UTF-8 byte order mark at the start is skipped; UTF-16 is an error
//!   that says to save the file as UTF-8.
//! - lines may end with LF, CRLF or a lone CR (old Mac files); each is one
//!   line end for the line numbers in errors.

mod arrow;
mod byte_level;
mod columns;
mod delimited;
mod error;
mod format;
mod json;
mod json_value;
mod jsonl;
mod megatron;
mod note;
mod npy;
mod number;
mod ordered;
mod parquet;
mod parquet_levels;
mod random_access;
mod read;
mod record;
mod sink;
mod text;
mod text_rows;
mod tokenized;
// Loading a tokenizer from its files: native only, the page has none.
#[cfg(not(target_arch = "wasm32"))]
mod tokenizer_files;

pub use error::{InputError, InputErrorKind, Location};
pub use format::{detect_format, Format};
pub use note::{InputNote, InputNoteKind};
#[cfg(not(target_arch = "wasm32"))]
pub use ordered::read_file_lengths_in_order;
pub use ordered::{read_lengths_in_order, read_random_access_lengths_in_order, OrderedLengths};
pub use random_access::RandomAccessFile;
#[cfg(not(target_arch = "wasm32"))]
pub use read::read_file_lengths;
pub use read::{dataset_shards, read_lengths, read_random_access_lengths, InputStats, ReadOptions};
pub use tokenized::{SharedTokenizer, TextTokenizer, TokenizedProgress};
