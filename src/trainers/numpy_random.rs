//! NumPy's legacy random generator (`np.random.seed`, `np.random.shuffle`,
//! `np.random.permutation`), draw for draw: NeMo and Megatron-Bridge
//! shuffle with it when they pack, so a simulation that draws the same
//! numbers makes the same packs. `tests/python/test_trainers.py` checks
//! the shuffles against NumPy's own.
//!
//! The generator is the Mersenne Twister MT19937 (Matsumoto and
//! Nishimura, 1998), seeded as `init_genrand` seeds it; NumPy's shuffle is
//! Fisher–Yates from the end, each index drawn by masking 32-bit outputs
//! to the next power of two and rejecting those out of range.

/// Words of MT19937's state.
const STATE_WORDS: usize = 624;
/// The middle word of the recurrence.
const MIDDLE: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// NumPy's `RandomState` after `np.random.seed(seed)`.
pub(super) struct NumpyRandom {
    state: [u32; STATE_WORDS],
    next: usize,
}

impl NumpyRandom {
    /// `np.random.seed(seed)`, for a seed below 2^32.
    pub(super) fn seeded(seed: u32) -> Self {
        let mut state = [0u32; STATE_WORDS];
        state[0] = seed;
        for index in 1..STATE_WORDS {
            let previous = state[index - 1];
            // Lossless: index < 624.
            state[index] = 1_812_433_253u32
                .wrapping_mul(previous ^ (previous >> 30))
                .wrapping_add(index as u32);
        }
        NumpyRandom {
            state,
            next: STATE_WORDS,
        }
    }

    /// The next 32-bit output (`genrand_int32`).
    fn next_u32(&mut self) -> u32 {
        if self.next >= STATE_WORDS {
            self.twist();
        }
        let mut value = self.state[self.next];
        self.next += 1;
        value ^= value >> 11;
        value ^= (value << 7) & 0x9d2c_5680;
        value ^= (value << 15) & 0xefc6_0000;
        value ^ (value >> 18)
    }

    /// Regenerates the state's 624 words.
    fn twist(&mut self) {
        for index in 0..STATE_WORDS {
            let joined = (self.state[index] & UPPER_MASK)
                | (self.state[(index + 1) % STATE_WORDS] & LOWER_MASK);
            let mut word = self.state[(index + MIDDLE) % STATE_WORDS] ^ (joined >> 1);
            if joined & 1 == 1 {
                word ^= MATRIX_A;
            }
            self.state[index] = word;
        }
        self.next = 0;
    }

    /// A uniform integer in `0..=most` (NumPy's `random_interval`), for
    /// `most` below 2^32.
    fn up_to(&mut self, most: u32) -> u32 {
        if most == 0 {
            return 0;
        }
        let mut mask = most;
        mask |= mask >> 1;
        mask |= mask >> 2;
        mask |= mask >> 4;
        mask |= mask >> 8;
        mask |= mask >> 16;
        loop {
            let value = self.next_u32() & mask;
            if value <= most {
                return value;
            }
        }
    }

    /// `np.random.shuffle(items)` (fewer than 2^32 items).
    pub(super) fn shuffle<T>(&mut self, items: &mut [T]) {
        for last in (1..items.len()).rev() {
            // Lossless: fewer than 2^32 items, and up_to(last) ≤ last.
            let other = self.up_to(last as u32) as usize;
            items.swap(last, other);
        }
    }

    /// `np.random.permutation(count)`.
    pub(super) fn permutation(&mut self, count: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..count).collect();
        self.shuffle(&mut order);
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mt19937_gives_its_reference_outputs() {
        // The first outputs of std::mt19937 seeded with 5489 (its default
        // seed), and the 10,000th, which the C++ standard fixes.
        let mut random = NumpyRandom::seeded(5489);
        assert_eq!(random.next_u32(), 3_499_211_612);
        assert_eq!(random.next_u32(), 581_869_302);
        let mut random = NumpyRandom::seeded(5489);
        let tenth_thousand = (0..10_000).map(|_| random.next_u32()).last();
        assert_eq!(tenth_thousand, Some(4_123_659_995));
    }

    #[test]
    fn a_permutation_holds_every_index_once() {
        let mut random = NumpyRandom::seeded(1234);
        let mut order = random.permutation(1000);
        order.sort_unstable();
        assert_eq!(order, (0..1000).collect::<Vec<_>>());
    }
}
