//! Large histograms shaped like the data Packlab's users hold, drawn
//! deterministically: BERT pre-training (a spike at max_len, a broad bulk
//! and a long low tail) and chat fine-tuning (log-normal, truncated at
//! max_len). Counts carry noise and a few rare lengths, as real counts do:
//! smooth synthetic counts make the LP easier than real data.

use packlab::Histogram;

/// A fixed-seed generator of numbers in [0, 1) (SplitMix64).
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The log-normal density (median `median`, shape `sigma`) at `length`,
/// up to a constant.
fn log_normal(length: f64, median: f64, sigma: f64) -> f64 {
    let z = (length / median).ln() / sigma;
    (-0.5 * z * z).exp() / length
}

/// Scales `weights` (one per length 1..=max_len) to about `sequences`
/// sequences, each count moved by up to ±3% and one length in twenty made
/// rare (0 to 3 sequences).
fn counts(weights: &[f64], sequences: u64, seed: u64) -> Histogram {
    let total: f64 = weights.iter().sum();
    let mut noise = Noise(seed);
    let counts = weights
        .iter()
        .map(|weight| {
            let jitter = 1.0 + 0.06 * (noise.next() - 0.5);
            let rare = noise.next() < 0.05;
            if rare {
                (noise.next() * 4.0) as u64
            } else {
                (weight / total * sequences as f64 * jitter).round() as u64
            }
        })
        .collect();
    Histogram::from_dense(counts).expect("shaped histograms are valid")
}

/// BERT pre-training-like at `max_len`: a quarter of the sequences fill
/// the row, a tenth are spread evenly, the rest log-normal around
/// 0.4 × max_len.
pub fn pretraining(max_len: u32, sequences: u64, seed: u64) -> Histogram {
    let bulk_median = 0.4 * f64::from(max_len);
    let bulk: Vec<f64> = (1..max_len)
        .map(|length| log_normal(f64::from(length), bulk_median, 0.5))
        .collect();
    let bulk_total: f64 = bulk.iter().sum();
    let spread = 0.10 / f64::from(max_len);
    let mut weights: Vec<f64> = bulk
        .iter()
        .map(|weight| 0.65 * weight / bulk_total + spread)
        .collect();
    weights.push(0.25 + spread);
    counts(&weights, sequences, seed)
}

/// Chat fine-tuning-like at `max_len`: log-normal with median max_len / 6
/// and shape 0.9; conversations longer than max_len are truncated to it.
pub fn chat(max_len: u32, sequences: u64, seed: u64) -> Histogram {
    let median = f64::from(max_len) / 6.0;
    let mut weights: Vec<f64> = (1..=max_len)
        .map(|length| log_normal(f64::from(length), median, 0.9))
        .collect();
    // The tail past max_len, by the same density summed out to 8 × max_len.
    let tail: f64 = (max_len + 1..=8 * max_len)
        .map(|length| log_normal(f64::from(length), median, 0.9))
        .sum();
    if let Some(last) = weights.last_mut() {
        *last += tail;
    }
    counts(&weights, sequences, seed)
}
