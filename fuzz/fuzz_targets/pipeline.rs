//! The whole pipeline on any bytes: detect the format, read, build the
//! histogram at a max_len and policy taken from the input, pack with every
//! algorithm at a limit taken from the input, and check each plan. Any
//! error is fine; a panic or an unsound plan is not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use packlab::input::{read_lengths, ReadOptions};
use packlab::{pack, validate, Algorithm, Histogram, LengthCounts, OverlongPolicy, Report};

fuzz_target!(|data: &[u8]| {
    let Some((&settings, bytes)) = data.split_first() else {
        return;
    };
    let mut counts = LengthCounts::new();
    let name = ["lengths.txt", "lengths.csv", "lengths.json", "lengths.jsonl", "lengths.npy", "lengths"]
        [usize::from(settings) % 6];
    if read_lengths(name, bytes, &ReadOptions::default(), &mut counts).is_err() {
        return;
    }
    // Keep max_len small enough that NNLSHP stays quick per input.
    let max_len = counts.default_max_len().unwrap_or(1).min(600);
    let policy = [OverlongPolicy::Truncate, OverlongPolicy::Drop, OverlongPolicy::Error][usize::from(settings >> 3) % 3];
    let Ok((histogram, _)) = Histogram::from_counts(&counts, max_len, policy) else {
        return;
    };
    let limit = match settings >> 5 {
        0 => None,
        depth => Some(u32::from(depth)),
    };
    for algorithm in Algorithm::ALL {
        if let Ok(plan) = pack(&histogram, algorithm, limit) {
            assert_eq!(validate(&plan, &histogram), Ok(()), "{algorithm}");
            let report = Report::new(algorithm, &histogram, &plan, 0.0);
            assert_eq!(report.sequences, histogram.sequences());
        }
    }
});
