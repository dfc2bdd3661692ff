//! From a packing plan to packs of real sequences.
//!
//! A [`PackingPlan`](crate::PackingPlan) says how many packs hold which lengths: `[300, 150, 62]
//! × 1,200`. Training needs more: which of the dataset's sequences go into
//! each pack. [`assign`] answers that for the sequences of a file, in file
//! order (read them with `packlab::input::read_lengths_in_order`): every
//! slot of length `l` in the plan takes one sequence of length `l`.
//!
//! Which of the sequences of the same length share a pack, and the order
//! of the packs, are drawn from a seeded generator: the same seed and epoch
//! give the same assignment on every machine, and each epoch gives a new
//! one, so that an epoch-by-epoch training loop does not see the same
//! neighbours in every pass. The plan itself (how many packs of each
//! composition) is the same in every epoch, so its efficiency is too.
//!
//! ```
//! use packlab::assign::{assign, validate_assignment, AssignOptions};
//! use packlab::{pack, Algorithm, Histogram};
//!
//! // Six sequences, in file order, packed into rows of 8 tokens.
//! let lengths = [5, 3, 3, 5, 8];
//! let mut counts = vec![0u64; 8];
//! for &length in &lengths {
//!     counts[length as usize - 1] += 1;
//! }
//! let histogram = Histogram::from_dense(counts)?;
//! let plan = pack(&histogram, Algorithm::Lpfhp, None)?;
//!
//! let assignment = assign(&lengths, &plan, &AssignOptions::default())?;
//! validate_assignment(&lengths, plan.max_len, plan.max_per_pack, &assignment)?;
//! assert_eq!(assignment.packs(), 3); // [8], [5, 3] and [5, 3]: no padding
//! for (indices, packed) in assignment.iter().zip(assignment.iter_lengths()) {
//!     assert!(packed.iter().sum::<u32>() <= 8);
//!     for (&index, &length) in indices.iter().zip(packed) {
//!         assert_eq!(lengths[index as usize], length);
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The assignment is flat, as NumPy and PyTorch like it: pack `p` holds the
//! sequences `indices[offsets[p]..offsets[p + 1]]`. The writers turn it
//! into JSON Lines ([`write_jsonl`]), `.npy` arrays ([`write_npy`]), and a
//! preview of the `cu_seqlens` and `position_ids` a varlen attention
//! kernel takes ([`write_preview`], [`preview_pack`]).
//!
//! [`plan_sequences`] does all of it in one call, from the lengths in order
//! to a checked [`SequencePlan`] that writes those files: the path
//! `packlab assign` and the page's plan of the user's own sequences share.

mod assignment;
mod balance;
mod export;
mod sequence_plan;
mod slots;

pub use assignment::{
    assign, validate_assignment, AssignError, AssignOptions, Assignment, UnsoundAssignment,
};
pub use balance::{pack_costs, packs_of_rank, reorder_packs};
pub use export::{
    cu_seqlens, position_ids, preview_pack, write_jsonl, write_jsonl_in_steps, write_npy,
    write_preview, ExportError, PackPreview,
};
pub use sequence_plan::{
    plan_sequences, PlanFile, PlanSteps, SequencePlan, SequencePlanError, SequencePlanRequest,
    StepLayout, StepTimes,
};
pub use slots::{place_block, PackSlots, Place};
