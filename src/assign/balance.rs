//! A sequence plan's packs laid out in training steps across
//! data-parallel ranks: the cost of each pack, the packs in a new order,
//! and the packs of one rank. How steps are measured and balanced is
//! [`crate::step_balance`]'s.

use super::assignment::Assignment;
use crate::step_balance::{check_permutation, BalanceError, PackCost, StepShape};

/// The cost of every pack of `assignment`, in its order.
pub fn pack_costs(assignment: &Assignment, cost: &PackCost) -> Vec<f64> {
    assignment
        .iter_lengths()
        .map(|lengths| cost.of(lengths))
        .collect()
}

/// `assignment` with its packs in `order`: pack `p` of the result is pack
/// `order[p]` of `assignment`.
///
/// # Errors
/// [`BalanceError::NotAPermutation`] for an order that is not a
/// permutation of the packs.
pub fn reorder_packs(assignment: &Assignment, order: &[usize]) -> Result<Assignment, BalanceError> {
    check_permutation(order, assignment.packs())?;
    Ok(select_packs(assignment, order.iter().copied()))
}

/// The packs one data-parallel rank takes, in step order: the packs of
/// `assignment` (laid out as `shape` says) at the slots of `rank`, as an
/// assignment of their own (its sequence indices those of the dataset;
/// no sequence is listed as dropped).
pub fn packs_of_rank(assignment: &Assignment, shape: &StepShape, rank: u32) -> Assignment {
    let packs = (0..assignment.packs()).filter(|&pack| shape.slot(pack as u64).1 == rank);
    let mut own = select_packs(assignment, packs);
    own.dropped.clear();
    own
}

/// The packs `packs` of `assignment`, in that order.
fn select_packs(assignment: &Assignment, packs: impl Iterator<Item = usize>) -> Assignment {
    let mut reordered = Assignment {
        max_len: assignment.max_len,
        indices: Vec::with_capacity(assignment.indices.len()),
        lengths: Vec::with_capacity(assignment.lengths.len()),
        offsets: Vec::with_capacity(assignment.offsets.len()),
        dropped: assignment.dropped.clone(),
    };
    reordered.offsets.push(0);
    for pack in packs {
        let (Some(members), Some(lengths)) = (assignment.pack(pack), assignment.pack_lengths(pack))
        else {
            continue;
        };
        reordered.indices.extend_from_slice(members);
        reordered.lengths.extend_from_slice(lengths);
        reordered.offsets.push(reordered.indices.len() as u64);
    }
    reordered
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rank_takes_its_slots() {
        // Five packs of one sequence each; two ranks of two packs a step.
        let assignment = Assignment {
            max_len: 8,
            indices: vec![10, 11, 12, 13, 14],
            lengths: vec![1, 2, 3, 4, 5],
            offsets: vec![0, 1, 2, 3, 4, 5],
            dropped: vec![99],
        };
        let shape = StepShape {
            world_size: 2,
            micro_batch: 1,
            grad_accum: 2,
        };
        let first = packs_of_rank(&assignment, &shape, 0);
        assert_eq!(first.indices, vec![10, 11, 14]);
        assert_eq!(first.offsets, vec![0, 1, 2, 3]);
        assert!(first.dropped.is_empty());
        assert_eq!(packs_of_rank(&assignment, &shape, 1).indices, vec![12, 13]);
        let reversed = reorder_packs(&assignment, &[4, 3, 2, 1, 0]).unwrap();
        assert_eq!(reversed.lengths, vec![5, 4, 3, 2, 1]);
        assert_eq!(reversed.dropped, vec![99]);
        assert!(reorder_packs(&assignment, &[0, 1]).is_err());
    }
}
