//! Any bytes read as Text: an answer (lengths or a located error), never a
//! panic, and a failed read leaves the counts untouched.
#![no_main]

use libfuzzer_sys::fuzz_target;
use packlab::input::{read_lengths, Format, ReadOptions};
use packlab::LengthCounts;

fuzz_target!(|bytes: &[u8]| {
    let options = ReadOptions {
        format: Some(Format::Text),
        column: None,
    };
    let mut counts = LengthCounts::new();
    counts.add(3, 1).expect("one sequence");
    let before = counts.clone();
    if read_lengths("fuzz", bytes, &options, &mut counts).is_err() {
        assert_eq!(counts, before, "a failed read changed the counts");
    }
});
