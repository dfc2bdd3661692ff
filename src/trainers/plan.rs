//! The rows a trainer makes, and what it lost making them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A sequence, or the part of one, in a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Piece {
    /// The sequence's index in the lengths given (dataset order).
    pub sequence: u32,
    /// Where the piece starts in its sequence, in tokens: 0 but for the
    /// later parts of a sequence split across rows.
    pub offset: u32,
    /// Its tokens in this row: all of it, or what a truncation kept, or
    /// one part of a sequence split across rows.
    pub tokens: u32,
}

impl Piece {
    /// A whole sequence, or the start of one that was truncated.
    pub(super) fn first(sequence: u32, tokens: u32) -> Self {
        Piece {
            sequence,
            offset: 0,
            tokens,
        }
    }
}

/// What a trainer did with the tokens it was given. Every token of the
/// input is packed, truncated, dropped or only a label:
/// `tokens = tokens_packed + tokens_truncated + tokens_dropped +
/// tokens_label_only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Accounting {
    /// Sequences given.
    pub sequences: u64,
    /// Their tokens.
    pub tokens: u64,
    /// Tokens in the rows.
    pub tokens_packed: u64,
    /// Sequences cut short: part of them is in the rows, the rest lost.
    pub sequences_truncated: u64,
    /// The tokens they lost.
    pub tokens_truncated: u64,
    /// Sequences left out entirely (including empty ones).
    pub sequences_dropped: u64,
    /// Their tokens.
    pub tokens_dropped: u64,
    /// Sequences whose tokens are spread over more than one piece.
    pub sequences_split: u64,
    /// Tokens a trainer counts as labels only, not as positions of a row:
    /// NeMo packs a sequence of `n` tokens into `n − 1` positions (its
    /// last token is only ever predicted). 0 for the other trainers.
    pub tokens_label_only: u64,
}

/// What axolotl's sampler makes of an epoch (see `trainers::axolotl`): how
/// long it says the epoch is, what the epoch trains, and the estimates it
/// logs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SamplerEpoch {
    /// The bins of each draw that counts the epoch's length.
    pub sampled_bins: Vec<u64>,
    /// The fewest of them: the loader's length, the bins the epoch trains.
    pub loader_batches: u64,
    /// Bins of the trained draw past that length, left out of the epoch.
    pub bins_not_trained: u64,
    /// Sequences in those bins.
    pub sequences_not_trained: u64,
    /// Their tokens.
    pub tokens_not_trained: u64,
    /// The first draw's packing efficiency, rounded up to a hundredth:
    /// the `sample_packing_eff_est` axolotl logs and keeps.
    pub sample_packing_eff_est: f64,
    /// The scheduler's steps per epoch once `sample_packing_eff_est` is
    /// set: `⌊0.99 × tokens / eff_est / max_len // batch_size⌋ − 1`.
    pub steps_estimated: i64,
}

/// The rows of a trainer's packing: each a list of pieces, in the order
/// the trainer makes them.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainerPlan {
    /// Tokens per row.
    pub max_len: u32,
    /// Every row's pieces, one row after another.
    pieces: Vec<Piece>,
    /// `row_ends[r]` is one past row `r`'s last piece in `pieces`.
    row_ends: Vec<usize>,
    /// What the trainer did with the tokens.
    pub accounting: Accounting,
    /// llm-foundry: the packing ratio its collator read at (`auto`'s
    /// choice, or the one given); `None` for the other trainers.
    pub packing_ratio: Option<f64>,
    /// Tokens of each packed sequence that take no position in a row (see
    /// [`Accounting::tokens_label_only`]): 1 for NeMo, 0 otherwise.
    pub label_only_tokens: u32,
    /// axolotl: what its sampler makes of the epoch; `None` for the other
    /// trainers.
    pub sampler_epoch: Option<SamplerEpoch>,
}

impl TrainerPlan {
    /// Rows, as the trainer's dataset has them.
    pub fn rows(&self) -> usize {
        self.row_ends.len()
    }

    /// The pieces of row `row` (empty past the last row).
    pub fn row(&self, row: usize) -> &[Piece] {
        let end = self.row_ends.get(row).copied().unwrap_or(0);
        let start = match row.checked_sub(1) {
            Some(before) => self.row_ends.get(before).copied().unwrap_or(end),
            None => 0,
        };
        self.pieces.get(start..end).unwrap_or(&[])
    }

    /// Every row, in order.
    pub fn iter_rows(&self) -> impl Iterator<Item = &[Piece]> + '_ {
        (0..self.rows()).map(|row| self.row(row))
    }

    /// Tokens in row `row`.
    pub fn row_tokens(&self, row: usize) -> u64 {
        self.row(row)
            .iter()
            .map(|piece| u64::from(piece.tokens))
            .sum()
    }

    /// Real tokens over computed ones (`rows × max_len`): 1 with no padding.
    pub fn efficiency(&self) -> f64 {
        let computed = self.rows() as f64 * f64::from(self.max_len);
        if computed == 0.0 {
            return 0.0;
        }
        self.accounting.tokens_packed as f64 / computed
    }

    /// Checks the plan against the `lengths` it was made of: every piece
    /// holds at least a token of a sequence that exists, no row is empty
    /// or longer than `max_len`, no sequence has more tokens in the rows
    /// than it has, and the accounting is what the pieces say.
    pub fn validate(&self, lengths: &[u32], max_len: u32) -> Result<(), UnsoundTrainerPlan> {
        if self.max_len != max_len {
            return Err(UnsoundTrainerPlan::WrongMaxLen);
        }
        let mut packed = vec![0u64; lengths.len()];
        // Pieces per sequence: 1 for nearly all of them.
        let mut pieces_per_sequence = vec![0u32; lengths.len()];
        for (row, pieces) in self.iter_rows().enumerate() {
            if pieces.is_empty() {
                return Err(UnsoundTrainerPlan::EmptyRow { row });
            }
            let mut tokens = 0u64;
            for piece in pieces {
                let Some(slot) = packed.get_mut(piece.sequence as usize) else {
                    return Err(UnsoundTrainerPlan::NoSuchSequence {
                        sequence: piece.sequence,
                    });
                };
                if piece.tokens == 0 {
                    return Err(UnsoundTrainerPlan::EmptyPiece { row });
                }
                let end = u64::from(piece.offset) + u64::from(piece.tokens);
                let length = lengths.get(piece.sequence as usize).copied().unwrap_or(0);
                if end > u64::from(length) {
                    return Err(UnsoundTrainerPlan::PastTheEnd {
                        sequence: piece.sequence,
                    });
                }
                *slot += u64::from(piece.tokens);
                tokens += u64::from(piece.tokens);
                let count = &mut pieces_per_sequence[piece.sequence as usize];
                *count = count.saturating_add(1);
            }
            if tokens > u64::from(max_len) {
                return Err(UnsoundTrainerPlan::RowTooLong { row, tokens });
            }
        }
        for (sequence, (&length, &tokens)) in lengths.iter().zip(&packed).enumerate() {
            if tokens > u64::from(length.saturating_sub(self.label_only_tokens)) {
                return Err(UnsoundTrainerPlan::TokensInvented {
                    sequence,
                    length,
                    tokens,
                });
            }
        }
        // Each sequence's pieces, by offset, cover its first tokens once:
        // no token is packed twice or skipped. A sequence in one piece
        // holds it from its start; only those cut in several are sorted
        // (sorting every piece took most of the time of a large check).
        let mut cut: Vec<Piece> = Vec::new();
        for piece in &self.pieces {
            if pieces_per_sequence[piece.sequence as usize] > 1 {
                cut.push(*piece);
            } else if piece.offset != 0 {
                return Err(UnsoundTrainerPlan::PiecesDoNotFollow {
                    sequence: piece.sequence,
                });
            }
        }
        cut.sort_unstable_by_key(|piece| (piece.sequence, piece.offset));
        let mut covered: Option<(u32, u32)> = None;
        for piece in cut {
            let expected = match covered {
                Some((sequence, end)) if sequence == piece.sequence => end,
                _ => 0,
            };
            if piece.offset != expected {
                return Err(UnsoundTrainerPlan::PiecesDoNotFollow {
                    sequence: piece.sequence,
                });
            }
            covered = Some((piece.sequence, piece.offset + piece.tokens));
        }
        let accounting = Accounting::of(&self.pieces, lengths, &packed, self.label_only_tokens);
        if accounting != self.accounting {
            return Err(UnsoundTrainerPlan::AccountingDiffers);
        }
        Ok(())
    }

    /// A plan of `pieces` in rows ending at `row_ends`, accounted against
    /// `lengths`, each packed sequence's last `label_only_tokens` taking no
    /// position (see [`Accounting::tokens_label_only`]).
    pub(super) fn new(
        max_len: u32,
        lengths: &[u32],
        pieces: Vec<Piece>,
        row_ends: Vec<usize>,
        label_only_tokens: u32,
    ) -> Self {
        let mut packed = vec![0u64; lengths.len()];
        for piece in &pieces {
            if let Some(slot) = packed.get_mut(piece.sequence as usize) {
                *slot += u64::from(piece.tokens);
            }
        }
        let accounting = Accounting::of(&pieces, lengths, &packed, label_only_tokens);
        TrainerPlan {
            max_len,
            pieces,
            row_ends,
            accounting,
            packing_ratio: None,
            label_only_tokens,
            sampler_epoch: None,
        }
    }
}

/// Rows being made, one after another: what every simulation builds its
/// plan with.
#[derive(Debug, Default)]
pub(super) struct Rows {
    pieces: Vec<Piece>,
    row_ends: Vec<usize>,
}

impl Rows {
    /// Adds a row of `row`'s pieces (none: no row).
    pub(super) fn push(&mut self, row: impl IntoIterator<Item = Piece>) {
        self.pieces.extend(row);
        self.close();
    }

    /// Closes the open row: the pieces added since the last row, if any.
    fn close(&mut self) {
        if self.row_ends.last().copied().unwrap_or(0) < self.pieces.len() {
            self.row_ends.push(self.pieces.len());
        }
    }

    /// Next fit: each piece joins the open row if it fits, or closes it
    /// and opens the next; the last row is closed part-full.
    pub(super) fn next_fit(&mut self, pieces: impl IntoIterator<Item = Piece>, max_len: u32) {
        let mut room = max_len;
        for piece in pieces {
            if piece.tokens > room {
                self.close();
                room = max_len;
            }
            self.pieces.push(piece);
            room -= piece.tokens;
        }
        self.close();
    }

    /// Concatenates the `sequences` of `lengths` and cuts them every
    /// `max_len` tokens: every row full but the last, sequences cut across
    /// rows.
    pub(super) fn cut(&mut self, lengths: &[u32], sequences: &[u32], max_len: u32) {
        let mut room = max_len;
        for &sequence in sequences {
            let length = lengths.get(sequence as usize).copied().unwrap_or(0);
            let mut offset = 0;
            while offset < length {
                let tokens = (length - offset).min(room);
                self.pieces.push(Piece {
                    sequence,
                    offset,
                    tokens,
                });
                offset += tokens;
                room -= tokens;
                if room == 0 {
                    self.close();
                    room = max_len;
                }
            }
        }
        self.close();
    }

    /// The plan of these rows, accounted against `lengths`.
    pub(super) fn into_plan(self, max_len: u32, lengths: &[u32]) -> TrainerPlan {
        self.into_plan_with_labels_only(max_len, lengths, 0)
    }

    /// The plan of these rows, where each packed sequence's last
    /// `label_only_tokens` take no position (see
    /// [`Accounting::tokens_label_only`]).
    pub(super) fn into_plan_with_labels_only(
        self,
        max_len: u32,
        lengths: &[u32],
        label_only_tokens: u32,
    ) -> TrainerPlan {
        TrainerPlan::new(
            max_len,
            lengths,
            self.pieces,
            self.row_ends,
            label_only_tokens,
        )
    }
}

/// What the simulations' unit tests read of a plan.
#[cfg(test)]
pub(super) mod testing {
    use crate::trainers::plan::TrainerPlan;
    use crate::trainers::settings::TrainerSettings;

    /// The defaults at `max_len`, in map batches of `map_batch_rows`.
    pub fn settings(max_len: u32, map_batch_rows: u32) -> TrainerSettings {
        TrainerSettings {
            map_batch_rows,
            ..TrainerSettings::new(max_len)
        }
    }

    /// Every sequence's index, in the order given.
    pub fn in_order(lengths: &[u32]) -> Vec<u32> {
        (0..lengths.len() as u32).collect()
    }

    /// Each row as `(sequence, tokens)` pairs.
    pub fn rows(plan: &TrainerPlan) -> Vec<Vec<(u32, u32)>> {
        plan.iter_rows()
            .map(|row| row.iter().map(|p| (p.sequence, p.tokens)).collect())
            .collect()
    }

    /// Each row as its pieces' tokens.
    pub fn row_tokens(plan: &TrainerPlan) -> Vec<Vec<u32>> {
        plan.iter_rows()
            .map(|row| row.iter().map(|p| p.tokens).collect())
            .collect()
    }
}

/// The sequences of `order` as a trainer that truncates them reads them:
/// each its first `max_len` tokens at most, empty ones left out.
pub(super) fn truncated<'a>(
    lengths: &'a [u32],
    order: &'a [u32],
    max_len: u32,
) -> impl Iterator<Item = Piece> + 'a {
    order.iter().filter_map(move |&sequence| {
        let tokens = lengths
            .get(sequence as usize)
            .copied()
            .unwrap_or(0)
            .min(max_len);
        (tokens > 0).then_some(Piece::first(sequence, tokens))
    })
}

/// The pieces of a sequence of `length` tokens cut every `max_len` tokens:
/// as many full ones as fit, then the rest.
pub(super) fn pieces_of(sequence: u32, length: u32, max_len: u32) -> impl Iterator<Item = Piece> {
    (0..length)
        .step_by(max_len.max(1) as usize)
        .map(move |offset| Piece {
            sequence,
            offset,
            tokens: (length - offset).min(max_len),
        })
}

impl Accounting {
    /// The accounting of `pieces` made of sequences of `lengths`, of which
    /// `packed[i]` tokens of sequence `i` are in the rows.
    fn of(pieces: &[Piece], lengths: &[u32], packed: &[u64], label_only_tokens: u32) -> Self {
        let mut accounting = Accounting {
            sequences: lengths.len() as u64,
            ..Accounting::default()
        };
        for (&length, &tokens) in lengths.iter().zip(packed) {
            let length = u64::from(length);
            accounting.tokens += length;
            accounting.tokens_packed += tokens;
            if tokens == 0 {
                accounting.sequences_dropped += 1;
                accounting.tokens_dropped += length;
                continue;
            }
            let label_only = u64::from(label_only_tokens).min(length);
            accounting.tokens_label_only += label_only;
            let positions = length - label_only;
            if tokens < positions {
                accounting.sequences_truncated += 1;
                accounting.tokens_truncated += positions - tokens;
            }
        }
        let mut pieces_of = vec![0u32; lengths.len()];
        for piece in pieces {
            if let Some(count) = pieces_of.get_mut(piece.sequence as usize) {
                *count = count.saturating_add(1);
            }
        }
        accounting.sequences_split = pieces_of.iter().filter(|&&count| count > 1).count() as u64;
        accounting
    }
}

/// What [`TrainerPlan::validate`] found wrong: a bug in a simulation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "problem")]
pub enum UnsoundTrainerPlan {
    /// The plan is for another max_len.
    WrongMaxLen,
    /// A row without pieces.
    EmptyRow {
        /// The row.
        row: usize,
    },
    /// A piece of no tokens.
    EmptyPiece {
        /// Its row.
        row: usize,
    },
    /// A piece of a sequence the input does not have.
    NoSuchSequence {
        /// The index found.
        sequence: u32,
    },
    /// A piece reaching past its sequence's last token.
    PastTheEnd {
        /// The sequence.
        sequence: u32,
    },
    /// A sequence's pieces overlap or leave a gap.
    PiecesDoNotFollow {
        /// The sequence.
        sequence: u32,
    },
    /// A row longer than max_len.
    RowTooLong {
        /// The row.
        row: usize,
        /// Its tokens.
        tokens: u64,
    },
    /// A sequence with more tokens in the rows than it has.
    TokensInvented {
        /// The sequence.
        sequence: usize,
        /// Its length.
        length: u32,
        /// Its tokens in the rows.
        tokens: u64,
    },
    /// The accounting is not what the pieces say.
    AccountingDiffers,
}

impl fmt::Display for UnsoundTrainerPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnsoundTrainerPlan::WrongMaxLen => f.write_str("the plan is for another max_len"),
            UnsoundTrainerPlan::EmptyRow { row } => write!(f, "row {row} is empty"),
            UnsoundTrainerPlan::EmptyPiece { row } => write!(f, "row {row} holds an empty piece"),
            UnsoundTrainerPlan::NoSuchSequence { sequence } => {
                write!(
                    f,
                    "a piece of sequence {sequence}, which the input does not have"
                )
            }
            UnsoundTrainerPlan::PastTheEnd { sequence } => {
                write!(
                    f,
                    "a piece of sequence {sequence} reaches past its last token"
                )
            }
            UnsoundTrainerPlan::PiecesDoNotFollow { sequence } => {
                write!(
                    f,
                    "the pieces of sequence {sequence} overlap or leave a gap"
                )
            }
            UnsoundTrainerPlan::RowTooLong { row, tokens } => {
                write!(f, "row {row} holds {tokens} tokens, more than max_len")
            }
            UnsoundTrainerPlan::TokensInvented {
                sequence,
                length,
                tokens,
            } => write!(
                f,
                "sequence {sequence} has {length} tokens but {tokens} are in the rows"
            ),
            UnsoundTrainerPlan::AccountingDiffers => {
                f.write_str("the accounting of lost tokens is not what the rows hold")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(sequence: u32, offset: u32, tokens: u32) -> Piece {
        Piece {
            sequence,
            offset,
            tokens,
        }
    }

    #[test]
    fn the_check_finds_what_a_simulation_could_get_wrong() {
        let lengths = [6, 3];
        let check = |pieces: Vec<Piece>, row_ends: Vec<usize>| {
            TrainerPlan::new(8, &lengths, pieces, row_ends, 0).validate(&lengths, 8)
        };
        // Sound: the 6 split into 4 and 2, the 3 truncated to 2.
        let sound = vec![piece(0, 0, 4), piece(1, 0, 2), piece(0, 4, 2)];
        assert_eq!(check(sound, vec![2, 3]), Ok(()));
        // The same tokens twice, and a gap.
        let twice = vec![piece(0, 0, 3), piece(0, 0, 3)];
        assert_eq!(
            check(twice, vec![1, 2]),
            Err(UnsoundTrainerPlan::PiecesDoNotFollow { sequence: 0 })
        );
        let gap = vec![piece(0, 0, 2), piece(0, 3, 3)];
        assert_eq!(
            check(gap, vec![2]),
            Err(UnsoundTrainerPlan::PiecesDoNotFollow { sequence: 0 })
        );
        // Past the end of a sequence, a row over max_len, an empty row.
        assert_eq!(
            check(vec![piece(1, 2, 2)], vec![1]),
            Err(UnsoundTrainerPlan::PastTheEnd { sequence: 1 })
        );
        let long = vec![piece(0, 0, 6), piece(1, 0, 3)];
        assert_eq!(
            check(long, vec![2]),
            Err(UnsoundTrainerPlan::RowTooLong { row: 0, tokens: 9 })
        );
        assert_eq!(
            check(vec![piece(0, 0, 6)], vec![0, 1]),
            Err(UnsoundTrainerPlan::EmptyRow { row: 0 })
        );
    }

    #[test]
    fn the_accounting_says_what_was_lost() {
        // The 6 truncated to 4, the 3 left out.
        let lengths = [6, 3];
        let plan = TrainerPlan::new(8, &lengths, vec![piece(0, 0, 4)], vec![1], 0);
        let accounting = plan.accounting;
        assert_eq!((accounting.tokens, accounting.tokens_packed), (9, 4));
        assert_eq!(
            (accounting.sequences_truncated, accounting.tokens_truncated),
            (1, 2)
        );
        assert_eq!(
            (accounting.sequences_dropped, accounting.tokens_dropped),
            (1, 3)
        );
        assert!((plan.efficiency() - 0.5).abs() < 1e-12);
    }
}
