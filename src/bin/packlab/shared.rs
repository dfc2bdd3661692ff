//! What every subcommand shares: reading the inputs into an
//! [`Analyser`], the lines of text several of them print, printing text and
//! JSON, and the failures with their exit codes.

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Instant;

use serde::Serialize;

use packlab::analysis::{Analyser, AnalysisError, RowSettings};
use packlab::assign::SequencePlanError;
use packlab::input::{read_file_lengths, read_lengths, InputNote, ReadOptions};
use packlab::numbers::thousands;
use packlab::{
    LengthCounts, OverlongOutcome, OverlongPolicy, PackError, PlanOrigin, Preset, Report,
};

use crate::InputArgs;

/// A failure, and the exit code it deserves.
pub enum Failure {
    /// Bad input or arguments: exit 2.
    Input(String),
    /// Packlab's own fault: exit 1.
    Internal(String),
}

impl From<AnalysisError> for Failure {
    fn from(error: AnalysisError) -> Self {
        match error {
            // The packers check their own plans, and the FLOPs take figures
            // the library made: failing there is a bug.
            AnalysisError::Pack(PackError::UnsoundPlan { .. }) | AnalysisError::Flops(_) => {
                Failure::Internal(error.to_string())
            }
            AnalysisError::Histogram(_)
            | AnalysisError::Pack(_)
            | AnalysisError::MaxLenSweep(_)
            | AnalysisError::DynamicPadding(_) => Failure::Input(error.to_string()),
        }
    }
}

impl From<SequencePlanError> for Failure {
    fn from(error: SequencePlanError) -> Self {
        match error {
            SequencePlanError::Plan(error) => error.into(),
            SequencePlanError::Assign { .. } | SequencePlanError::Unsound { .. } => {
                Failure::Internal(error.to_string())
            }
        }
    }
}

/// Prints a failure on standard error and turns the outcome into the exit code.
pub fn exit(outcome: Result<(), Failure>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(message)) => {
            eprintln!("packlab: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Internal(message)) => {
            eprintln!("packlab: {message}");
            ExitCode::from(1)
        }
    }
}

/// Milliseconds since the clock was made: the clock the library's
/// questions time the packers with.
pub fn clock() -> impl Fn() -> f64 + Clone + 'static {
    let origin = Instant::now();
    move || origin.elapsed().as_secs_f64() * 1e3
}

impl InputArgs {
    /// The row length and overlong policy every question is asked at.
    pub fn rows(&self) -> RowSettings {
        RowSettings {
            max_len: self.max_len,
            overlong: self.overlong,
        }
    }

    /// The read options for every file.
    pub fn read_options(&self) -> ReadOptions {
        ReadOptions {
            format: self.format,
            column: self.column.clone(),
            documents: self.documents,
        }
    }
}

/// Reads and merges every input into an analyser.
pub fn analyser(input: &InputArgs) -> Result<Analyser, Failure> {
    Ok(Analyser::new(read_inputs(input)?, Box::new(clock())))
}

/// Reads and merges every input file, and the preset if one is given.
pub fn read_inputs(input: &InputArgs) -> Result<LengthCounts, Failure> {
    let options = input.read_options();
    let mut counts = input
        .preset
        .map_or_else(LengthCounts::new, Preset::generate);
    for path in &input.files {
        let name = path.display().to_string();
        let result = if name == "-" {
            read_lengths("<stdin>", io::stdin().lock(), &options, &mut counts)
        } else {
            read_file_lengths(path, &options, &mut counts)
        };
        let stats = result.map_err(|error| Failure::Input(error.to_string()))?;
        report_notes(&stats.notes);
    }
    Ok(counts)
}

/// Prints what a file was read by that its content cannot confirm, on
/// standard error beside the overlong warnings, so `--json` output stays
/// one JSON value.
pub fn report_notes(notes: &[InputNote]) {
    for note in notes {
        eprintln!("packlab: note: {note}");
    }
}

/// "at most 3 sequences per pack", or the like.
pub fn describe_limit(max_per_pack: Option<u32>) -> String {
    match max_per_pack {
        Some(1) => "1 sequence per pack".to_string(),
        Some(limit) => format!("at most {limit} sequences per pack"),
        None => "no limit on sequences per pack".to_string(),
    }
}

/// What the overlong policy did, as an indented line; empty when it did
/// nothing.
pub fn overlong_line(outcome: &OverlongOutcome) -> String {
    if outcome.sequences == 0 {
        return String::new();
    }
    let verb = match outcome.policy {
        OverlongPolicy::Truncate => "truncated",
        OverlongPolicy::Drop | OverlongPolicy::Error => "dropped",
    };
    format!(
        "  note: {} sequences longer than max_len were {verb}; {} tokens lost\n",
        thousands(outcome.sequences),
        thousands(outcome.tokens_lost)
    )
}

/// For an optimal packer's plan that is not proven optimal: whose plan it
/// is and how far above the bound, so that no one reads "optimal" as
/// proven. `None` for a proven plan and for the other algorithms.
pub fn unproven_optimality_line(report: &Report) -> Option<String> {
    let optimality = report.optimality.filter(|known| !known.proven_optimal)?;
    let origin = match optimality.plan_from {
        PlanOrigin::LpRounding => "the LP's rounding",
        PlanOrigin::Lpfhp => "LPFHP's",
        PlanOrigin::Spfhp => "SPFHP's",
        PlanOrigin::Bfd => "BFD's",
        PlanOrigin::Nnlshp => "NNLSHP's",
    };
    let unsettled = if optimality.lp_bound_exact {
        ""
    } else {
        " (the LP stopped early: the bound may be low)"
    };
    Some(format!(
        "optimal: best plan found ({origin}), {} over the LP bound of {} packs{unsettled}, \
         so optimality is not proven",
        thousands(report.packs.saturating_sub(optimality.lower_bound_packs)),
        thousands(optimality.lower_bound_packs)
    ))
}

/// Prints `value` as one line of JSON.
pub fn print_json<T: Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string(value)
        .map_err(|error| Failure::Internal(format!("cannot write JSON: {error}")))?;
    print_text(&(text + "\n"))
}

/// Writes to stdout; a closed pipe (`packlab ... | head`) is not an error.
pub fn print_text(text: &str) -> Result<(), Failure> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(error) => Err(Failure::Internal(format!("cannot write output: {error}"))),
    }
}
