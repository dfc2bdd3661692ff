#![allow(dead_code, reason = "each bench uses a part of these helpers")]

//! The datasets Packlab's benchmarks measure, all reproducible: the public
//! SQuAD 1.1 histogram when `shared/data` sits beside the repository, and
//! synthetic presets drawn with fixed seeds.

use std::fs::File;
use std::path::PathBuf;

use packlab::input::{read_lengths, ReadOptions};
use packlab::{Histogram, LengthCounts, OverlongPolicy, Preset};

/// A dataset to measure.
pub struct Dataset {
    pub name: String,
    pub histogram: Histogram,
}

/// `shared/data` in the first ancestor of the crate that has one, or `PACKLAB_DATA_DIR`.
pub fn shared_data_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PACKLAB_DATA_DIR") {
        return Some(PathBuf::from(dir));
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .skip(1)
        .map(|ancestor| ancestor.join("shared").join("data"))
        .find(|candidate| candidate.join("squad11_384.json").is_file())
}

/// The SQuAD 1.1 histogram, if present.
pub fn squad() -> Option<Dataset> {
    let path = shared_data_dir()?.join("squad11_384.json");
    let file = File::open(&path).ok()?;
    let mut counts = LengthCounts::new();
    read_lengths(
        &path.display().to_string(),
        file,
        &ReadOptions::default(),
        &mut counts,
    )
    .ok()?;
    let (histogram, _) = Histogram::from_counts(&counts, 384, OverlongPolicy::Truncate).ok()?;
    Some(Dataset {
        name: "SQuAD 1.1 (384)".to_string(),
        histogram,
    })
}

/// A preset at its own max_len.
pub fn preset(preset: Preset) -> Dataset {
    let (histogram, _) = Histogram::from_counts(
        &preset.generate(),
        u64::from(preset.max_len()),
        OverlongPolicy::Truncate,
    )
    .expect("presets are valid");
    Dataset {
        name: preset.name().to_string(),
        histogram,
    }
}

/// The BERT pre-training-like preset scaled to 16.3M sequences, the size
/// of BERT's Wikipedia pre-training set (the paper's 28 s benchmark).
pub fn wikipedia_sized() -> Dataset {
    let base = preset(Preset::BertPretraining512);
    let scale = 16_300_000.0 / base.histogram.sequences() as f64;
    let counts = base
        .histogram
        .counts()
        .iter()
        .map(|&count| (count as f64 * scale).round() as u64)
        .collect();
    Dataset {
        name: "Wikipedia-sized, synthetic (512)".to_string(),
        histogram: Histogram::from_dense(counts).expect("valid"),
    }
}

/// A log-normal length histogram at `max_len` (median max_len / 6,
/// σ = 0.8), 1,000,000 sequences, for the max_len scaling table: the same
/// shape at every size.
pub fn scaled(max_len: u32) -> Dataset {
    let mut counts = vec![0u64; max_len as usize];
    let median = f64::from(max_len) / 6.0;
    let sigma = 0.8;
    let total = 1_000_000.0;
    // Expected counts from the log-normal density, no sampling noise.
    let mut weights = Vec::with_capacity(max_len as usize);
    for length in 1..=max_len {
        let x = f64::from(length);
        let z = (x / median).ln() / sigma;
        weights.push((-0.5 * z * z).exp() / x);
    }
    let sum: f64 = weights.iter().sum();
    for (count, weight) in counts.iter_mut().zip(&weights) {
        *count = (weight / sum * total).round() as u64;
    }
    if counts.iter().all(|&count| count == 0) {
        counts[0] = 1;
    }
    Dataset {
        name: format!("log-normal ({max_len})"),
        histogram: Histogram::from_dense(counts).expect("valid"),
    }
}

/// `lines` lengths as text, one per line, from a fixed seed.
pub fn lengths_text(lines: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut text = Vec::with_capacity(lines * 5);
    for _ in 0..lines {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let length = 1 + (state >> 33) % 8192;
        text.extend_from_slice(length.to_string().as_bytes());
        text.push(b'\n');
    }
    text
}
