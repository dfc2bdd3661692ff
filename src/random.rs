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

/// The seed of one training epoch's shuffles: the seed and the epoch are
/// each mixed before they are combined, so that neighbouring seeds and
/// epochs (0, 1, 2...) start far apart.
pub(crate) fn epoch_seed(seed: u64, epoch: u32) -> u64 {
    let epoch_key = mix(u64::from(epoch).wrapping_mul(SplitMix64::GOLDEN_GAMMA) ^ 0x5EED_E70C);
    mix(seed) ^ epoch_key
}

/// SplitMix64's output function (the finaliser of MurmurHash3, with
/// Stafford's "Mix13" constants).
pub(crate) fn mix(value: u64) -> u64 {
    let mut z = value;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A keyed permutation of `0..size`: a bijection that looks random, and
/// that any machine computes for any one index without the others. This
/// is what lets a dataset split in blocks (Ray Data, Spark) place each
/// block's sequences on its own, and still agree with a whole-dataset
/// assignment to the last index.
///
/// Each round of the mixing is a bijection of the `bits`-bit numbers:
/// multiplying by an odd key and adding one, modulo 2^bits (which carries
/// low bits into high ones), then a Feistel step that xors a hash of the
/// high half into the low half (which carries high bits into low ones;
/// the low half is the `shift` lowest bits).
/// So the rounds together are a bijection too;
/// indices that land at or past `size` walk on through the same
/// permutation until they land inside ("cycle walking", Black and Rogaway,
/// 2002), which keeps it a bijection of `0..size`. As 2^bits < 2·size, a
/// walk takes fewer than two steps on average.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyedPermutation {
    size: u64,
    mask: u64,
    shift: u32,
    keys: [(u64, u64, u64); KeyedPermutation::ROUNDS],
}

impl KeyedPermutation {
    /// Rounds of mixing. Two already pass the uniformity tests below; a
    /// third leaves a margin, for a few nanoseconds a sequence.
    const ROUNDS: usize = 3;

    /// 2^64 / φ, odd: Fibonacci hashing's multiplier.
    const HASH_MULTIPLIER: u64 = SplitMix64::GOLDEN_GAMMA;

    /// The permutation of `0..size` that `key` chooses.
    pub(crate) fn new(size: u64, key: u64) -> Self {
        // The fewest bits that hold every index below `size`.
        let bits = u64::BITS - size.saturating_sub(1).leading_zeros();
        let mask = if bits == u64::BITS {
            u64::MAX
        } else {
            (1u64 << bits) - 1
        };
        let mut random = SplitMix64::new(key);
        let keys =
            std::array::from_fn(|_| (random.next_u64() | 1, random.next_u64(), random.next_u64()));
        KeyedPermutation {
            size,
            mask,
            shift: (bits / 2).max(1),
            keys,
        }
    }

    /// Where `index` (below the size) goes; an index at or past the size
    /// is returned unchanged.
    #[inline]
    pub(crate) fn apply(&self, index: u64) -> u64 {
        if index >= self.size {
            return index;
        }
        let mut value = index;
        loop {
            for &(odd, offset, feistel) in &self.keys {
                value = value.wrapping_mul(odd).wrapping_add(offset) & self.mask;
                // Multiplicative hashing: the top bits of the product
                // depend on every bit of the high half.
                let hash = ((value >> self.shift) ^ feistel).wrapping_mul(Self::HASH_MULTIPLIER);
                value ^= (hash >> (u64::BITS - self.shift)) & self.mask;
            }
            if value < self.size {
                return value;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_permutations_are_bijections() {
        for size in (0..70).chain([255, 256, 257, 1_000, 4_096, 65_537]) {
            for key in 0..4 {
                let permutation = KeyedPermutation::new(size, key);
                let mut seen = vec![false; size as usize];
                for index in 0..size {
                    let image = permutation.apply(index);
                    assert!(image < size, "size {size}: {index} → {image}");
                    assert!(!seen[image as usize], "size {size}: {image} twice");
                    seen[image as usize] = true;
                }
            }
        }
        assert_eq!(KeyedPermutation::new(5, 0).apply(9), 9);
    }

    #[test]
    fn keyed_permutations_look_random() {
        // Over many keys, each index lands on each place about equally
        // often, and every order of 3 items appears.
        let size = 10u64;
        let keys = 20_000u64;
        let mut landings = vec![[0u32; 10]; 10];
        let mut orders = std::collections::BTreeSet::new();
        for key in 0..keys {
            let permutation = KeyedPermutation::new(size, mix(key));
            for index in 0..size {
                landings[index as usize][permutation.apply(index) as usize] += 1;
            }
            let three = KeyedPermutation::new(3, mix(key));
            orders.insert([three.apply(0), three.apply(1), three.apply(2)]);
        }
        for row in &landings {
            for &count in row {
                assert!((1_800..2_200).contains(&count), "{landings:?}");
            }
        }
        assert_eq!(orders.len(), 6);
        // Neighbouring indices do not stay neighbours.
        let permutation = KeyedPermutation::new(1 << 20, 7);
        let close = (0..10_000u64)
            .filter(|&index| {
                permutation
                    .apply(index)
                    .abs_diff(permutation.apply(index + 1))
                    < 64
            })
            .count();
        assert!(close < 20, "{close} neighbours stayed close");
    }
}
