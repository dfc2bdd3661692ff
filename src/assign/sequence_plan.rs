//! The whole way from a dataset's lengths, in order, to its packs of real
//! sequences and the files that describe them: what `packlab assign` and
//! the page's file engine both do, written once.

use std::io::Write;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::assignment::{
    assign, validate_assignment, AssignError, AssignOptions, Assignment, UnsoundAssignment,
};
use super::export::{
    preview_pack, write_jsonl, write_npy, write_preview, ExportError, PackPreview,
};
use crate::algorithms::{Algorithm, MaxPerPack};
use crate::analysis::{Analyser, AnalysisError, PlanRequest, RowSettings, WholePlan};
use crate::histogram::{LengthCounts, OverlongOutcome, OverlongPolicy};
use crate::plan::PackingPlan;
use crate::report::Report;

/// How to plan a dataset's sequences: the packing (as `packlab pack` takes
/// it) and the shuffles of the assignment (as [`AssignOptions`]).
///
/// In JSON, every field but `algorithm` may be left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SequencePlanRequest {
    /// The packing algorithm.
    pub algorithm: Algorithm,
    /// Row length; `None`: the longest sequence (or the max_len the counts
    /// declare, see [`LengthCounts::default_max_len`]).
    #[serde(default)]
    pub max_len: Option<u64>,
    /// What to do with sequences longer than max_len, in the plan and in
    /// the assignment alike.
    #[serde(default)]
    pub overlong: OverlongPolicy,
    /// Most sequences per pack; by default the algorithm's own.
    #[serde(default)]
    pub max_per_pack: MaxPerPack,
    /// NNLSHP's length bucket width in tokens; `None`: automatic.
    #[serde(default)]
    pub bucket_tokens: Option<u32>,
    /// The seed of the shuffles.
    #[serde(default)]
    pub seed: u64,
    /// The training epoch, whose shuffles are drawn from `(seed, epoch)`.
    #[serde(default)]
    pub epoch: u32,
    /// Put the packs in a random order instead of the plan's.
    #[serde(default = "shuffle_by_default")]
    pub shuffle_packs: bool,
}

fn shuffle_by_default() -> bool {
    true
}

impl SequencePlanRequest {
    /// The request for `algorithm` with every other setting at its default:
    /// the longest sequence as max_len, overlong sequences truncated, the
    /// algorithm's own limit, seed 0, epoch 0, packs shuffled.
    pub fn new(algorithm: Algorithm) -> Self {
        let options = AssignOptions::default();
        SequencePlanRequest {
            algorithm,
            max_len: None,
            overlong: options.overlong,
            max_per_pack: MaxPerPack::default(),
            bucket_tokens: None,
            seed: options.seed,
            epoch: options.epoch,
            shuffle_packs: options.shuffle_packs,
        }
    }
}

/// A dataset's sequences in packs: the plan's figures, what the overlong
/// policy changed, the checked assignment, and how long each step took.
#[derive(Debug, Clone, PartialEq)]
pub struct SequencePlan {
    /// The plan's figures; `runtime_ms` is the packer's time alone.
    pub report: Report,
    /// What the overlong policy changed.
    pub overlong: OverlongOutcome,
    /// Which sequence goes into which pack, checked by
    /// [`validate_assignment`].
    pub assignment: Assignment,
    /// How long each step took, as measured by the caller's clock.
    pub step_times: StepTimes,
}

/// Milliseconds each step of [`plan_sequences`] took.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StepTimes {
    /// Building the histogram and packing it.
    pub pack_ms: f64,
    /// Assigning the sequences to the packs.
    pub assign_ms: f64,
    /// Checking the assignment.
    pub check_ms: f64,
}

/// The files a [`SequencePlan`] is written as (see [`SequencePlan::write`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanFile {
    /// One pack per line, `{"indices":[...],"lengths":[...]}` ([`write_jsonl`]).
    Jsonl,
    /// Every pack's sequence indices, pack after pack, as int64 `.npy`.
    IndicesNpy,
    /// Where each pack starts in the indices, plus the end, as int64 `.npy`:
    /// pack `p` holds `indices[offsets[p]:offsets[p + 1]]`.
    OffsetsNpy,
}

impl PlanFile {
    /// Every file, in the order `packlab assign` writes them.
    pub const ALL: [PlanFile; 3] = [PlanFile::Jsonl, PlanFile::IndicesNpy, PlanFile::OffsetsNpy];

    /// The end of the file's name after a common prefix: `.jsonl`,
    /// `.indices.npy` or `.offsets.npy`.
    pub fn suffix(self) -> &'static str {
        match self {
            PlanFile::Jsonl => ".jsonl",
            PlanFile::IndicesNpy => ".indices.npy",
            PlanFile::OffsetsNpy => ".offsets.npy",
        }
    }
}

/// Why a dataset's sequences could not be planned.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SequencePlanError {
    /// The lengths could not be packed as asked: no sequence, a max_len
    /// out of range, overlong sequences under the `error` policy, every
    /// sequence dropped, or a limit of 0. The message says which, and what
    /// to change.
    #[error(transparent)]
    Plan(#[from] AnalysisError),
    /// The plan's packs could not take the sequences it was made from.
    /// Packlab's own fault: report it, with the input.
    #[error(
        "assigning sequences to the {algorithm} plan failed ({problem}); this is a bug in \
         Packlab, please report it with the input"
    )]
    Assign {
        /// The algorithm whose plan it was.
        algorithm: Algorithm,
        /// What went wrong.
        problem: AssignError,
    },
    /// The assignment broke a rule the check enforces. Packlab's own
    /// fault: report it, with the input.
    #[error(
        "assigning sequences to the {algorithm} plan failed ({problem}); this is a bug in \
         Packlab, please report it with the input"
    )]
    Unsound {
        /// The algorithm whose plan it was.
        algorithm: Algorithm,
        /// The broken rule.
        problem: UnsoundAssignment,
    },
}

impl SequencePlanError {
    /// Whether the failure is Packlab's own, a bug to report with the
    /// input, as [`AnalysisError::is_packlab_fault`] tells it.
    pub fn is_packlab_fault(&self) -> bool {
        match self {
            SequencePlanError::Plan(error) => error.is_packlab_fault(),
            SequencePlanError::Assign { .. } | SequencePlanError::Unsound { .. } => true,
        }
    }
}

/// Plans the sequences `lengths` (sequence `i` has `lengths[i]` tokens;
/// `counts` are the same lengths as counts, exactly as read, see
/// `packlab::input::OrderedLengths`): packs their histogram at the
/// request's max_len with its algorithm and limit (through
/// [`Analyser::whole_plan`]), assigns every sequence to a pack
/// ([`assign`]) and checks the result ([`validate_assignment`]).
///
/// `clock` returns milliseconds from any fixed origin; the step times are
/// its differences.
///
/// ```
/// use packlab::assign::{plan_sequences, PlanFile, SequencePlanRequest};
/// use packlab::{Algorithm, LengthCounts};
///
/// // Five sequences, in file order.
/// let lengths = [5, 3, 3, 5, 8];
/// let mut counts = LengthCounts::new();
/// for &length in &lengths {
///     counts.add_one(u64::from(length))?;
/// }
/// let request = SequencePlanRequest::new(Algorithm::Lpfhp);
/// let plan = plan_sequences(&lengths, counts, &request, || 0.0)?;
/// assert_eq!(plan.report.max_len, 8); // the longest sequence
/// assert_eq!(plan.assignment.packs(), 3); // [8], [5, 3] and [5, 3]
///
/// let mut jsonl = Vec::new();
/// plan.write(PlanFile::Jsonl, &mut jsonl)?;
/// assert_eq!(jsonl.iter().filter(|&&byte| byte == b'\n').count(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`SequencePlanError::Plan`] when the lengths cannot be packed as asked
/// (the input's or the request's fault); the other variants only for a bug
/// in Packlab, since the plan is made from these very lengths.
pub fn plan_sequences<Clock>(
    lengths: &[u32],
    counts: LengthCounts,
    request: &SequencePlanRequest,
    clock: Clock,
) -> Result<SequencePlan, SequencePlanError>
where
    Clock: Fn() -> f64 + Clone + 'static,
{
    let started = clock();
    let mut analyser = Analyser::new(counts, Box::new(clock.clone()));
    let whole = analyser.whole_plan(&PlanRequest {
        rows: RowSettings {
            max_len: request.max_len,
            overlong: request.overlong,
        },
        algorithm: request.algorithm,
        max_per_pack: request.max_per_pack,
        bucket_tokens: request.bucket_tokens,
    })?;
    let WholePlan {
        report,
        overlong,
        plan: groups,
    } = whole;
    // Assignment reads only the plan's limits and compositions.
    let plan = PackingPlan {
        max_len: report.max_len,
        max_per_pack: report.max_per_pack,
        groups,
        bucketing: None,
        optimality: None,
    };
    let pack_ms = clock() - started;

    let started = clock();
    let options = AssignOptions {
        seed: request.seed,
        epoch: request.epoch,
        shuffle_packs: request.shuffle_packs,
        overlong: request.overlong,
    };
    let assignment =
        assign(lengths, &plan, &options).map_err(|problem| SequencePlanError::Assign {
            algorithm: request.algorithm,
            problem,
        })?;
    let assign_ms = clock() - started;

    let started = clock();
    validate_assignment(lengths, plan.max_len, plan.max_per_pack, &assignment).map_err(
        |problem| SequencePlanError::Unsound {
            algorithm: request.algorithm,
            problem,
        },
    )?;
    let check_ms = clock() - started;

    Ok(SequencePlan {
        report,
        overlong,
        assignment,
        step_times: StepTimes {
            pack_ms,
            assign_ms,
            check_ms,
        },
    })
}

impl SequencePlan {
    /// Writes `file` to `out`.
    ///
    /// # Errors
    ///
    /// [`ExportError::Io`] when `out` fails.
    pub fn write<W: Write>(&self, file: PlanFile, out: W) -> Result<(), ExportError> {
        match file {
            PlanFile::Jsonl => write_jsonl(out, &self.assignment),
            PlanFile::IndicesNpy => write_npy(out, &self.assignment.indices),
            PlanFile::OffsetsNpy => write_npy(out, &self.assignment.offsets),
        }
    }

    /// The first `packs` packs with their `cu_seqlens` and `position_ids`
    /// (fewer when the plan has fewer).
    ///
    /// # Errors
    ///
    /// [`ExportError::MissingLengths`], which a plan from [`plan_sequences`]
    /// never gives: its assignment is checked.
    pub fn preview(&self, packs: usize) -> Result<Vec<PackPreview>, ExportError> {
        let mut previews = Vec::new();
        for pack in 0..packs {
            match preview_pack(&self.assignment, pack)? {
                Some(preview) => previews.push(preview),
                None => break,
            }
        }
        Ok(previews)
    }

    /// Writes [`SequencePlan::preview`] as text ([`write_preview`]).
    ///
    /// # Errors
    ///
    /// [`ExportError::Io`] when `out` fails.
    pub fn write_preview<W: Write>(&self, out: W, packs: usize) -> Result<(), ExportError> {
        write_preview(out, &self.assignment, packs)
    }
}
