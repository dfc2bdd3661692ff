//! Hugging Face TRL's `pack_dataset`, as of TRL 1.16.0
//! (`trl/data_utils.py`: `pack_dataset`, `_pack_bfd`, `_pack_wrapped`).
//!
//! `SFTConfig(packing=True)` calls `pack_dataset(dataset, max_length,
//! strategy)`, which runs `dataset.map(..., batched=True)`: each map batch
//! (1,000 rows by default) is packed on its own, so no row mixes sequences
//! of two batches, and a batch's last rows are often part-empty.
//!
//! Within a batch, `bfd` and `bfd_split`:
//! 1. leave out empty sequences;
//! 2. truncate every sequence to max_len (`bfd`), or cut it into pieces of
//!    max_len tokens and a last, shorter one (`bfd_split`), each piece then
//!    packed as a sequence of its own;
//! 3. sort by length, longest first; ties keep their order (Arrow's sort
//!    is stable);
//! 4. best fit: each goes into the open row with the least room that still
//!    fits it, the row that reached that room first among equals (TRL
//!    keeps a queue of rows per room, and a segment tree over rooms finds
//!    the least that fits), or else opens a row;
//! 5. rows come out in the order they were opened, their sequences in the
//!    order they joined.
//!
//! `wrapped` concatenates the batch's tokens and cuts them every max_len
//! tokens: every row is full but the batch's last, and sequences are cut
//! across rows.

use std::cmp::Reverse;
use std::collections::{BTreeMap, VecDeque};

use super::plan::{pieces_of, Piece, Rows, TrainerPlan};
use super::settings::TrainerSettings;

/// What `bfd` does with a sequence longer than max_len.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Overflow {
    /// Keeps its first max_len tokens (`strategy="bfd"`).
    Truncate,
    /// Cuts it into pieces of max_len tokens and a remainder
    /// (`strategy="bfd_split"`).
    Split,
}

/// TRL's best fit decreasing, batch by batch, on the sequences of
/// `lengths` read in `order`.
pub(super) fn pack(
    lengths: &[u32],
    order: &[u32],
    settings: &TrainerSettings,
    overflow: Overflow,
) -> TrainerPlan {
    let max_len = settings.max_len;
    let mut rows = Rows::default();
    let mut batch_pieces: Vec<Piece> = Vec::new();
    for batch in order.chunks(settings.map_batch_rows as usize) {
        batch_pieces.clear();
        for &sequence in batch {
            let length = lengths.get(sequence as usize).copied().unwrap_or(0);
            match overflow {
                Overflow::Truncate if length > 0 => {
                    batch_pieces.push(Piece::first(sequence, length.min(max_len)));
                }
                Overflow::Truncate => {}
                Overflow::Split => batch_pieces.extend(pieces_of(sequence, length, max_len)),
            }
        }
        // Stable: equal lengths keep their order in the batch.
        batch_pieces.sort_by_key(|piece| Reverse(piece.tokens));
        for row in best_fit(&batch_pieces, max_len) {
            rows.push(row);
        }
    }
    rows.into_plan(max_len, lengths)
}

/// Best fit of `pieces` (longest first) into rows of `max_len` tokens, as
/// TRL places them: the open row with the least room that fits, the one
/// that has had that room longest among equals.
fn best_fit(pieces: &[Piece], max_len: u32) -> Vec<Vec<Piece>> {
    let mut rows: Vec<Vec<Piece>> = Vec::new();
    // Rows with room left, by room; each queue in the order rows reached it.
    let mut by_room: BTreeMap<u32, VecDeque<usize>> = BTreeMap::new();
    for &piece in pieces {
        let fitting = by_room
            .range_mut(piece.tokens..)
            .next()
            .map(|(&room, queue)| (room, queue.pop_front()));
        let (row, room) = match fitting {
            Some((room, Some(row))) => {
                if by_room.get(&room).is_some_and(VecDeque::is_empty) {
                    by_room.remove(&room);
                }
                (row, room)
            }
            _ => {
                rows.push(Vec::new());
                (rows.len() - 1, max_len)
            }
        };
        if let Some(members) = rows.get_mut(row) {
            members.push(piece);
        }
        let left = room - piece.tokens;
        if left > 0 {
            by_room.entry(left).or_default().push_back(row);
        }
    }
    rows
}

/// TRL's `wrapped` strategy: each batch's tokens, in order, cut into rows
/// of `max_len`.
pub(super) fn wrap(lengths: &[u32], order: &[u32], settings: &TrainerSettings) -> TrainerPlan {
    let mut rows = Rows::default();
    for batch in order.chunks(settings.map_batch_rows as usize) {
        rows.cut(lengths, batch, settings.max_len);
    }
    rows.into_plan(settings.max_len, lengths)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trainers::plan::testing::{in_order, rows, settings};

    #[test]
    fn trls_own_example() {
        // TRL's docstring: sequences of 5, 2, 3 and 1 tokens in rows of 4.
        // bfd truncates the 5 and makes [4], [3, 1], [2].
        let lengths = [5, 2, 3, 1];
        let order = in_order(&lengths);
        let plan = pack(&lengths, &order, &settings(4, 1000), Overflow::Truncate);
        assert_eq!(
            rows(&plan),
            vec![vec![(0, 4)], vec![(2, 3), (3, 1)], vec![(1, 2)]]
        );
        assert_eq!(plan.accounting.tokens_truncated, 1);
        // bfd_split cuts the 5 into 4 and 1: [4], [3, 1], [2, 1], the
        // first 1 (the 5's remainder) before the later sequence's.
        let plan = pack(&lengths, &order, &settings(4, 1000), Overflow::Split);
        assert_eq!(
            rows(&plan),
            vec![vec![(0, 4)], vec![(2, 3), (0, 1)], vec![(1, 2), (3, 1)]]
        );
        assert_eq!(plan.accounting.sequences_split, 1);
        assert_eq!(plan.accounting.tokens_truncated, 0);
    }

    #[test]
    fn equal_rooms_are_filled_in_the_order_reached() {
        // Rows of 10: 7 and 7 leave two rows of room 3; the 3s fill the
        // first row opened, then the second.
        let lengths = [7, 7, 3, 3];
        let plan = pack(
            &lengths,
            &in_order(&lengths),
            &settings(10, 1000),
            Overflow::Truncate,
        );
        assert_eq!(
            rows(&plan),
            vec![vec![(0, 7), (2, 3)], vec![(1, 7), (3, 3)]]
        );
    }

    #[test]
    fn batches_are_packed_apart() {
        // Rows of 10. In map batches of 2 rows, [6, 6] and then [4, 4] are
        // packed apart: three rows. One batch of 4 pairs each 6 with a 4.
        let lengths = [6, 6, 4, 4];
        let order = in_order(&lengths);
        assert_eq!(
            pack(&lengths, &order, &settings(10, 2), Overflow::Truncate).rows(),
            3
        );
        assert_eq!(
            pack(&lengths, &order, &settings(10, 4), Overflow::Truncate).rows(),
            2
        );
    }

    #[test]
    fn empty_sequences_are_left_out() {
        let lengths = [0, 3, 0];
        let plan = pack(
            &lengths,
            &in_order(&lengths),
            &settings(4, 1000),
            Overflow::Truncate,
        );
        assert_eq!(rows(&plan), vec![vec![(1, 3)]]);
        assert_eq!(plan.accounting.sequences_dropped, 2);
        assert_eq!(plan.accounting.tokens_dropped, 0);
    }

    #[test]
    fn wrapping_cuts_every_max_len_tokens_within_a_batch() {
        // Rows of 4: 5 + 2 + 3 = 10 tokens make [4], [1, 2, 1], [2]; the
        // next batch starts a new row.
        let lengths = [5, 2, 3, 1];
        let plan = wrap(&lengths, &in_order(&lengths), &settings(4, 3));
        assert_eq!(
            rows(&plan),
            vec![
                vec![(0, 4)],
                vec![(0, 1), (1, 2), (2, 1)],
                vec![(2, 2)],
                vec![(3, 1)]
            ]
        );
        assert_eq!(plan.accounting.sequences_split, 2);
    }
}
