//! Where readers put the lengths they read.

use super::error::InputErrorKind;
use crate::histogram::LengthCounts;

/// Lengths below this are first counted in the sink's own table: the
/// text reader adds tens of millions of single sequences, and a table
/// increment costs a fraction of a call to [`LengthCounts::add`]. Real
/// sequence lengths are nearly all below it; the table takes at most
/// 512 KiB, and only as much of it as the longest short length needs.
const SHORT_LENGTH_LIMIT: u64 = 1 << 16;

/// The counts read from one file, kept apart from the caller's until the
/// whole file has been read.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    counts: LengthCounts,
    /// `short_counts[length]` counts single sequences of lengths below
    /// [`SHORT_LENGTH_LIMIT`] not yet added to `counts`; index 0 unused.
    short_counts: Vec<u64>,
    /// The sum of all counts added.
    sequences: u64,
}

/// Where a reader puts the lengths it reads: counted ([`Sink`], for
/// [`super::read_lengths`]) or kept in file order (`ordered::OrderedSink`, for
/// [`super::read_lengths_in_order`]). The readers only parse; what a length
/// becomes is the sink's business.
pub(crate) trait LengthSink {
    /// Takes one sequence of `length` tokens, the next in the file.
    fn add_one(&mut self, length: u64) -> Result<(), InputErrorKind>;

    /// Takes `count` sequences of `length` tokens from a histogram entry.
    /// A length of 0 is an error unless its count is 0 too (an empty
    /// histogram bin).
    fn add(&mut self, length: u64, count: u64) -> Result<(), InputErrorKind>;

    /// Notes the `max_len` a dense histogram declares.
    fn declare_max_len(&mut self, max_len: u32);

    /// The number of sequences taken so far.
    fn sequences(&self) -> u64;

    /// Whether the sink keeps each sequence in order, and so cannot take
    /// the counts of a sample (which stand for rows it never saw).
    fn keeps_order(&self) -> bool {
        false
    }
}

impl LengthSink for Sink {
    /// Counts one sequence of `length` tokens.
    // Always inlined: this is the text reader's per-number cost, and as a
    // call (or with an eagerly built error value) the reader ran at half
    // its speed.
    #[inline(always)]
    fn add_one(&mut self, length: u64) -> Result<(), InputErrorKind> {
        // Lossless: the index is below 2^16. Index 0 is never a slot, so a
        // zero length takes the slow path and its error.
        let index = length as usize;
        match self.short_counts.get_mut(index) {
            Some(slot) if length > 0 && length < SHORT_LENGTH_LIMIT && *slot < u64::MAX => {
                *slot += 1;
                // Cannot pass u64::MAX: every sequence was read, one by one.
                self.sequences = self.sequences.saturating_add(1);
                Ok(())
            }
            _ => self.add_one_slowly(length),
        }
    }

    fn add(&mut self, length: u64, count: u64) -> Result<(), InputErrorKind> {
        if length == 0 {
            return if count == 0 {
                Ok(())
            } else {
                Err(InputErrorKind::ZeroLength)
            };
        }
        self.counts
            .add(length, count)
            .map_err(|overflow| InputErrorKind::CountOverflow {
                length: overflow.length,
            })?;
        self.sequences = self
            .sequences
            .checked_add(count)
            .ok_or(InputErrorKind::TooManySequences)?;
        Ok(())
    }

    fn declare_max_len(&mut self, max_len: u32) {
        self.counts.declare_max_len(max_len);
    }

    fn sequences(&self) -> u64 {
        self.sequences
    }
}

impl Sink {
    /// [`LengthSink::add_one`] for a length outside the table so far.
    #[cold]
    fn add_one_slowly(&mut self, length: u64) -> Result<(), InputErrorKind> {
        if length > 0 && length < SHORT_LENGTH_LIMIT {
            // Lossless: length < 2^16.
            let index = length as usize;
            if index >= self.short_counts.len() {
                self.short_counts.resize(index + 1, 0);
            }
            if let Some(slot) = self.short_counts.get_mut(index) {
                if let Some(incremented) = slot.checked_add(1) {
                    *slot = incremented;
                    self.sequences = self.sequences.saturating_add(1);
                    return Ok(());
                }
            }
        }
        self.add(length, 1)
    }

    /// Everything counted, as one [`LengthCounts`].
    pub(crate) fn into_counts(mut self) -> Result<LengthCounts, InputErrorKind> {
        for (length, &count) in (0u64..).zip(&self.short_counts) {
            if count > 0 {
                self.counts.add(length, count).map_err(|overflow| {
                    InputErrorKind::CountOverflow {
                        length: overflow.length,
                    }
                })?;
            }
        }
        Ok(self.counts)
    }
}
