//! `packlab histogram`: the dense length histogram, in the format the
//! readers (and the page) take back.

use serde::Serialize;

use crate::shared::{analyser, overlong_line, print_json, Failure};
use crate::HistogramArgs;

/// `{"max_len": N, "counts": [...]}`, `counts[i]` the sequences of length `i + 1`.
#[derive(Serialize)]
struct DenseHistogram<'a> {
    max_len: u32,
    counts: &'a [u64],
}

pub fn run(args: HistogramArgs) -> Result<(), Failure> {
    let mut analyser = analyser(&args.input)?;
    let (histogram, overlong) = analyser.histogram(args.input.rows())?;
    // Standard output holds the histogram alone, to be read back.
    if overlong.sequences > 0 {
        eprint!(
            "packlab:{}",
            overlong_line(&overlong).trim_start_matches(' ')
        );
    }
    print_json(&DenseHistogram {
        max_len: histogram.max_len(),
        counts: histogram.counts(),
    })
}
