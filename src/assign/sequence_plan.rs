//! The whole way from a dataset's lengths, in order, to its packs of real
//! sequences and the files that describe them: what `packlab assign` and
//! the page's file engine both do, written once.

use std::io::Write;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::assignment::{
    assign, validate_assignment, AssignError, AssignOptions, Assignment, UnsoundAssignment,
};
use super::balance::{pack_costs, reorder_packs};
use super::export::{
    preview_pack, write_jsonl, write_jsonl_in_steps, write_npy, write_preview, ExportError,
    PackPreview,
};
use crate::algorithms::{Algorithm, MaxPerPack};
use crate::analysis::{Analyser, AnalysisError, ModelChoice, PlanRequest, RowSettings, WholePlan};
use crate::flops::{AttentionKernel, FlopsError};
use crate::histogram::{LengthCounts, OverlongOutcome, OverlongPolicy};
use crate::plan::PackingPlan;
use crate::report::Report;
use crate::step_balance::{
    balanced_order, imbalance, BalanceError, BalanceOptions, Imbalance, PackCost, StepShape,
};

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
    /// Lay the packs out in training steps across data-parallel ranks
    /// (and balance them); `None`: one order of packs, no steps.
    #[serde(default)]
    pub steps: Option<StepLayout>,
}

/// How training takes the packs: steps of `world_size × micro_batch ×
/// grad_accum` packs, laid out rank after rank ([`StepShape`]), each pack
/// weighed by its training FLOPs on `model`; with `balance`, in the order
/// that gives every rank of a step about the same work
/// ([`balanced_order`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepLayout {
    /// Ranks, packs per rank per pass, passes per step.
    #[serde(flatten)]
    pub shape: StepShape,
    /// The model whose training FLOPs weigh each pack.
    pub model: ModelChoice,
    /// Put the packs in the balanced order.
    #[serde(default)]
    pub balance: bool,
}

/// A plan's packs in steps: the shape, and how evenly the steps spread
/// work in the assignment's own order and, when asked, in the balanced
/// one.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanSteps {
    /// How a step takes packs.
    pub shape: StepShape,
    /// The steps in the assignment's order (shuffled, unless the request
    /// keeps the plan's order).
    pub shuffled: Imbalance,
    /// The steps in the balanced order, which the plan's packs are now in;
    /// `None` without `balance`.
    pub balanced: Option<Imbalance>,
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
            steps: None,
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
    /// With the request's `steps`: the packs' training steps.
    pub steps: Option<PlanSteps>,
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
    /// One pack per line, `{"indices":[...],"lengths":[...]}` ([`write_jsonl`]),
    /// with `"step"` and `"rank"` when the plan is laid out in steps
    /// ([`write_jsonl_in_steps`]).
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
    /// The packs could not be laid out in steps: a count of 0 in the
    /// step's shape, or (Packlab's fault) a cost or an order it made.
    #[error("steps: {0}")]
    Steps(#[from] BalanceError),
    /// The model that weighs the packs is not a valid shape.
    #[error("steps: {0}")]
    Model(#[from] FlopsError),
}

impl SequencePlanError {
    /// Whether the failure is Packlab's own, a bug to report with the
    /// input, as [`AnalysisError::is_packlab_fault`] tells it.
    pub fn is_packlab_fault(&self) -> bool {
        match self {
            SequencePlanError::Plan(error) => error.is_packlab_fault(),
            SequencePlanError::Assign { .. } | SequencePlanError::Unsound { .. } => true,
            SequencePlanError::Steps(error) => !matches!(
                error,
                BalanceError::ZeroInShape { .. } | BalanceError::ZeroWindow
            ),
            SequencePlanError::Model(_) => false,
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

    let mut assignment = assignment;
    let steps = match &request.steps {
        Some(layout) => Some(lay_out_in_steps(
            &mut assignment,
            layout,
            request.seed,
            request.epoch,
        )?),
        None => None,
    };
    Ok(SequencePlan {
        report,
        overlong,
        assignment,
        step_times: StepTimes {
            pack_ms,
            assign_ms,
            check_ms,
        },
        steps,
    })
}

/// Measures `assignment`'s steps and, with `layout.balance`, puts its
/// packs in the balanced order of `(seed, epoch)`.
fn lay_out_in_steps(
    assignment: &mut Assignment,
    layout: &StepLayout,
    seed: u64,
    epoch: u32,
) -> Result<PlanSteps, SequencePlanError> {
    let shape = layout.shape;
    shape.validate()?;
    let cost = PackCost::new(
        layout.model.shape(),
        AttentionKernel::VariableLength,
        assignment.max_len,
    )?;
    let costs = pack_costs(assignment, &cost);
    let in_order: Vec<usize> = (0..costs.len()).collect();
    let shuffled = imbalance(&costs, &in_order, &shape)?;
    let balanced = if layout.balance {
        let order = balanced_order(&costs, &shape, &BalanceOptions::default(), seed, epoch)?;
        *assignment = reorder_packs(assignment, &order)?;
        let reordered: Vec<f64> = order
            .iter()
            .map(|&pack| costs.get(pack).copied().unwrap_or(0.0))
            .collect();
        Some(imbalance(&reordered, &in_order, &shape)?)
    } else {
        None
    };
    Ok(PlanSteps {
        shape,
        shuffled,
        balanced,
    })
}

impl SequencePlan {
    /// Writes `file` to `out`.
    ///
    /// # Errors
    ///
    /// [`ExportError::Io`] when `out` fails.
    pub fn write<W: Write>(&self, file: PlanFile, out: W) -> Result<(), ExportError> {
        match (file, &self.steps) {
            (PlanFile::Jsonl, Some(steps)) => {
                write_jsonl_in_steps(out, &self.assignment, &steps.shape)
            }
            (PlanFile::Jsonl, None) => write_jsonl(out, &self.assignment),
            (PlanFile::IndicesNpy, _) => write_npy(out, &self.assignment.indices),
            (PlanFile::OffsetsNpy, _) => write_npy(out, &self.assignment.offsets),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flops::{ModelPreset, ModelShape};

    /// Twelve sequences of uneven work, and their counts.
    fn sequences() -> (Vec<u32>, LengthCounts) {
        let lengths = vec![8, 1, 7, 2, 6, 3, 5, 4, 8, 1, 2, 2];
        let mut counts = LengthCounts::new();
        for &length in &lengths {
            counts.add_one(u64::from(length)).unwrap();
        }
        (lengths, counts)
    }

    fn request(steps: Option<StepLayout>) -> SequencePlanRequest {
        SequencePlanRequest {
            max_len: Some(8),
            steps,
            ..SequencePlanRequest::new(Algorithm::Lpfhp)
        }
    }

    fn layout(world_size: u32, balance: bool) -> StepLayout {
        StepLayout {
            shape: StepShape {
                world_size,
                micro_batch: 1,
                grad_accum: 1,
            },
            model: ModelChoice::Preset(ModelPreset::BertBase),
            balance,
        }
    }

    #[test]
    fn steps_label_every_line_and_balance_reorders_the_packs() {
        let (lengths, counts) = sequences();
        let plain = plan_sequences(&lengths, counts.clone(), &request(None), || 0.0).unwrap();
        assert!(plain.steps.is_none());
        let laid_out = plan_sequences(
            &lengths,
            counts.clone(),
            &request(Some(layout(2, false))),
            || 0.0,
        )
        .unwrap();
        // The same packs in the same order, now with steps.
        assert_eq!(laid_out.assignment, plain.assignment);
        let steps = laid_out.steps.as_ref().unwrap();
        assert!(steps.balanced.is_none());
        let packs = plain.assignment.packs() as u64;
        assert_eq!(
            steps.shuffled.steps * 2 + steps.shuffled.last_step_packs,
            packs
        );
        let mut jsonl = Vec::new();
        laid_out.write(PlanFile::Jsonl, &mut jsonl).unwrap();
        let text = String::from_utf8(jsonl).unwrap();
        assert_eq!(text.lines().count() as u64, packs);
        assert!(text
            .lines()
            .nth(1)
            .unwrap()
            .ends_with(r#""step":0,"rank":1}"#));

        let balanced =
            plan_sequences(&lengths, counts, &request(Some(layout(2, true))), || 0.0).unwrap();
        let measured = balanced.steps.as_ref().unwrap().balanced.as_ref().unwrap();
        assert!(measured.lost_fraction <= steps.shuffled.lost_fraction);
        // Every sequence still exactly once, in packs of the same plan.
        validate_assignment(&lengths, 8, None, &balanced.assignment).unwrap();
        let mut before: Vec<&[u64]> = plain.assignment.iter().collect();
        let mut after: Vec<&[u64]> = balanced.assignment.iter().collect();
        before.sort_unstable();
        after.sort_unstable();
        assert_eq!(before, after);
    }

    #[test]
    fn a_bad_layout_is_the_input_fault() {
        let (lengths, counts) = sequences();
        let zero = plan_sequences(
            &lengths,
            counts.clone(),
            &request(Some(layout(0, true))),
            || 0.0,
        )
        .unwrap_err();
        assert_eq!(
            zero,
            SequencePlanError::Steps(BalanceError::ZeroInShape {
                field: "world_size"
            })
        );
        assert!(!zero.is_packlab_fault());
        let mut headless = layout(2, true);
        headless.model = ModelChoice::Shape(ModelShape {
            heads: 7,
            ..ModelPreset::BertBase.shape()
        });
        let error = plan_sequences(&lengths, counts, &request(Some(headless)), || 0.0).unwrap_err();
        assert!(matches!(error, SequencePlanError::Model(_)), "{error}");
        assert!(!error.is_packlab_fault());
    }
}
