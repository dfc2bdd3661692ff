//! The handle every question is asked of: the lengths, and the histogram
//! and plans made for the settings asked last.

use std::collections::hash_map::{Entry, HashMap};

use serde::{Deserialize, Serialize};

use crate::algorithms::{pack_cached, Algorithm, PackError, PackOptions, SolutionCache};
use crate::dynamic_padding::DynamicPaddingError;
use crate::flops::FlopsError;
use crate::histogram::{Histogram, HistogramError, LengthCounts, OverlongOutcome, OverlongPolicy};
use crate::max_len_sweep::MaxLenSweepError;
use crate::plan::PackingPlan;
use crate::step_balance::BalanceError;

/// The row length and overlong policy a question is asked at: every
/// request carries them (flattened into it in JSON).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RowSettings {
    /// Row length; `None`: the dataset's default (a declared max_len, else
    /// the longest sequence).
    #[serde(default)]
    pub max_len: Option<u64>,
    /// What to do with sequences longer than max_len.
    #[serde(default)]
    pub overlong: OverlongPolicy,
}

/// Why a question could not be answered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnalysisError {
    /// The histogram could not be built.
    #[error(transparent)]
    Histogram(#[from] HistogramError),
    /// An algorithm failed.
    #[error(transparent)]
    Pack(#[from] PackError),
    /// The sweep over row lengths failed.
    #[error(transparent)]
    MaxLenSweep(#[from] MaxLenSweepError),
    /// Dynamic padding could not be estimated.
    #[error(transparent)]
    DynamicPadding(#[from] DynamicPaddingError),
    /// The FLOPs could not be estimated.
    #[error(transparent)]
    Flops(#[from] FlopsError),
    /// The packs could not be laid out in steps.
    #[error(transparent)]
    StepBalance(#[from] BalanceError),
}

impl AnalysisError {
    /// Whether the failure is Packlab's own, a bug to report with the
    /// input, rather than the input's or the settings' (which the message
    /// tells the user how to fix). The command line exits with 1 for the
    /// first and 2 for the second; Python raises `RuntimeError` and
    /// `ValueError`.
    pub fn is_packlab_fault(&self) -> bool {
        match self {
            // The packers check their own plans, and the FLOPs take
            // figures the library made: failing there is a bug.
            AnalysisError::Pack(PackError::UnsoundPlan { .. }) | AnalysisError::Flops(_) => true,
            // The shape is the user's; the costs and orders are Packlab's.
            AnalysisError::StepBalance(error) => !matches!(
                error,
                BalanceError::ZeroInShape { .. } | BalanceError::ZeroWindow
            ),
            AnalysisError::Histogram(_)
            | AnalysisError::Pack(_)
            | AnalysisError::MaxLenSweep(_)
            | AnalysisError::DynamicPadding(_) => false,
        }
    }
}

/// Plans kept per histogram: enough for every algorithm at every setting
/// of the page's sweep, few enough to stay small.
const KEPT_PLANS: usize = 128;

/// The histogram of the settings last asked about, and what was made on it.
struct Prepared {
    /// The settings as asked (`max_len: None` resolved below).
    settings: RowSettings,
    histogram: Histogram,
    overlong: OverlongOutcome,
    /// Plans made on `histogram`, with the time each took, by algorithm
    /// and the options it packed with.
    plans: HashMap<(Algorithm, PackOptions), (PackingPlan, f64)>,
}

/// A dataset and the questions asked of it. It keeps the histogram of the
/// settings last asked about, the plans made on it, and NNLSHP's
/// least-squares solutions, so that the next question at the same
/// settings starts from them.
pub struct Analyser {
    counts: LengthCounts,
    clock: Box<dyn Fn() -> f64>,
    prepared: Option<Prepared>,
    solutions: SolutionCache,
}

impl std::fmt::Debug for Analyser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyser")
            .field("lengths", &self.counts.iter().count())
            .field(
                "settings",
                &self.prepared.as_ref().map(|prepared| prepared.settings),
            )
            .field(
                "plans_kept",
                &self
                    .prepared
                    .as_ref()
                    .map_or(0, |prepared| prepared.plans.len()),
            )
            .finish_non_exhaustive()
    }
}

impl Analyser {
    /// The analyser of `counts`. `clock` returns milliseconds from any fixed
    /// origin (runtimes are its differences): the library has no clock of
    /// its own, since WebAssembly lacks one.
    pub fn new(counts: LengthCounts, clock: Box<dyn Fn() -> f64>) -> Self {
        Analyser {
            counts,
            clock,
            prepared: None,
            solutions: SolutionCache::new(),
        }
    }

    /// The lengths analysed.
    pub fn counts(&self) -> &LengthCounts {
        &self.counts
    }

    /// The clock the questions time their packers with, in milliseconds.
    pub(super) fn clock(&self) -> &dyn Fn() -> f64 {
        self.clock.as_ref()
    }

    /// The histogram at `settings`, built on the first question at them.
    fn prepare(&mut self, settings: RowSettings) -> Result<&mut Prepared, AnalysisError> {
        let prepared = match self
            .prepared
            .take()
            .filter(|kept| kept.settings == settings)
        {
            Some(kept) => kept,
            None => {
                let max_len = settings
                    .max_len
                    .or_else(|| self.counts.default_max_len())
                    .ok_or(HistogramError::Empty)?;
                let (histogram, overlong) =
                    Histogram::from_counts(&self.counts, max_len, settings.overlong)?;
                Prepared {
                    settings,
                    histogram,
                    overlong,
                    plans: HashMap::new(),
                }
            }
        };
        Ok(self.prepared.insert(prepared))
    }

    /// The histogram at `settings` (after the overlong policy), and what the
    /// policy changed.
    pub fn histogram(
        &mut self,
        settings: RowSettings,
    ) -> Result<(&Histogram, OverlongOutcome), AnalysisError> {
        let prepared = self.prepare(settings)?;
        Ok((&prepared.histogram, prepared.overlong))
    }

    /// The histogram at `settings`, `algorithm`'s plan of it with
    /// `options`, and the milliseconds the plan took to make: made once per
    /// histogram, then kept.
    pub(super) fn plan(
        &mut self,
        settings: RowSettings,
        algorithm: Algorithm,
        options: PackOptions,
    ) -> Result<(&Histogram, &PackingPlan, f64), AnalysisError> {
        self.prepare(settings)?;
        let Analyser {
            clock,
            prepared,
            solutions,
            ..
        } = self;
        let prepared = prepared
            .as_mut()
            .ok_or(AnalysisError::Histogram(HistogramError::Empty))?;
        let key = (algorithm, options);
        if !prepared.plans.contains_key(&key) && prepared.plans.len() >= KEPT_PLANS {
            prepared.plans.clear();
        }
        let histogram = &prepared.histogram;
        let (plan, runtime_ms) = match prepared.plans.entry(key) {
            Entry::Occupied(kept) => kept.into_mut(),
            Entry::Vacant(slot) => {
                let started = clock();
                let plan = pack_cached(histogram, algorithm, &options, solutions)?;
                let runtime_ms = clock() - started;
                slot.insert((plan, runtime_ms))
            }
        };
        Ok((histogram, plan, *runtime_ms))
    }
}
