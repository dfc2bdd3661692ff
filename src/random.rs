//! The one random number generator Packlab uses, for the presets, the
//! dynamic padding simulation and the per-sequence shuffles.

/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny, well-mixed generator
/// whose output depends only on the seed, so every figure drawn from it is
/// the same natively and in WebAssembly.
pub(crate) struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// Added to the state at each step: 2^64 / φ, odd.
    pub(crate) const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

    /// The stream that starts from `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(Self::GOLDEN_GAMMA);
        mix(self.state)
    }

    /// A uniform number in `0..bound` (`bound` ≥ 1), by Lemire's
    /// multiply-and-reject ("Fast random integer generation in an
    /// interval", 2019): unbiased, and a division only when a draw lands
    /// in the small rejection zone.
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        let mut product = u128::from(self.next_u64()) * u128::from(bound);
        if (product as u64) < bound {
            let threshold = bound.wrapping_neg() % bound;
            while (product as u64) < threshold {
                product = u128::from(self.next_u64()) * u128::from(bound);
            }
        }
        (product >> 64) as u64
    }

    /// Fisher–Yates: every order equally likely.
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for last in (1..items.len()).rev() {
            // Lossless: below(last + 1) ≤ last, an index of `items`.
            let other = self.below(last as u64 + 1) as usize;
            items.swap(last, other);
        }
    }

    /// Uniform in [0, 1), from the top 53 bits.
    pub(crate) fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// SplitMix64's output function (the finaliser of MurmurHash3, with
/// Stafford's "Mix13" constants).
pub(crate) fn mix(value: u64) -> u64 {
    let mut z = value;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
