//! The rows a trainer makes, and what it lost making them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A sequence, or the part of one, in a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Piece {
    /// The sequence's index in the lengths given (dataset order).
    pub sequence: u32,
    /// Its tokens in this row: all of it, or what a truncation kept, or
    /// one part of a sequence split across rows.
    pub tokens: u32,
}

/// What a trainer did with the tokens it was given. Every token of the
/// input is packed, truncated or dropped:
/// `tokens = tokens_packed + tokens_truncated + tokens_dropped`.
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
}

/// The rows of a trainer's packing: each a list of pieces, in the order
/// the trainer makes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainerPlan {
    /// Tokens per row.
    pub max_len: u32,
    /// Every row's pieces, one row after another.
    pieces: Vec<Piece>,
    /// `row_ends[r]` is one past row `r`'s last piece in `pieces`.
    row_ends: Vec<usize>,
    /// What the trainer did with the tokens.
    pub accounting: Accounting,
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
                *slot += u64::from(piece.tokens);
                tokens += u64::from(piece.tokens);
            }
            if tokens > u64::from(max_len) {
                return Err(UnsoundTrainerPlan::RowTooLong { row, tokens });
            }
        }
        for (sequence, (&length, &tokens)) in lengths.iter().zip(&packed).enumerate() {
            if tokens > u64::from(length) {
                return Err(UnsoundTrainerPlan::TokensInvented {
                    sequence,
                    length,
                    tokens,
                });
            }
        }
        let accounting = Accounting::of(&self.pieces, lengths, &packed);
        if accounting != self.accounting {
            return Err(UnsoundTrainerPlan::AccountingDiffers);
        }
        Ok(())
    }

    /// A plan of `pieces` in rows ending at `row_ends`, accounted against
    /// `lengths`.
    pub(super) fn new(
        max_len: u32,
        lengths: &[u32],
        pieces: Vec<Piece>,
        row_ends: Vec<usize>,
    ) -> Self {
        let mut packed = vec![0u64; lengths.len()];
        for piece in &pieces {
            if let Some(slot) = packed.get_mut(piece.sequence as usize) {
                *slot += u64::from(piece.tokens);
            }
        }
        let accounting = Accounting::of(&pieces, lengths, &packed);
        TrainerPlan {
            max_len,
            pieces,
            row_ends,
            accounting,
        }
    }
}

impl Accounting {
    /// The accounting of `pieces` made of sequences of `lengths`, of which
    /// `packed[i]` tokens of sequence `i` are in the rows.
    fn of(pieces: &[Piece], lengths: &[u32], packed: &[u64]) -> Self {
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
            } else if tokens < length {
                accounting.sequences_truncated += 1;
                accounting.tokens_truncated += length - tokens;
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
