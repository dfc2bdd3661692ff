//! What every subcommand shares: reading the inputs into an
//! [`Analyser`], the lines of text several of them print, printing text and
//! JSON, and the failures with their exit codes.

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::{mpsc, OnceLock};
use std::time::{Duration, Instant};

use serde::Serialize;

use packlab::analysis::{Analyser, AnalysisError, RowSettings};
use packlab::assign::SequencePlanError;
use packlab::input::{
    read_file_lengths, read_lengths, InputNote, ReadOptions, SharedTokenizer, TextTokenizer,
    TokenizedProgress,
};
use packlab::numbers::thousands;
use packlab::{LengthCounts, OverlongOutcome, OverlongPolicy, PlanOrigin, Preset, Report};

use crate::{InputArgs, TokenizerArgs};

/// A failure, and the exit code it deserves.
pub enum Failure {
    /// Bad input or arguments: exit 2.
    Input(String),
    /// Packlab's own fault: exit 1.
    Internal(String),
}

impl From<AnalysisError> for Failure {
    fn from(error: AnalysisError) -> Self {
        if error.is_packlab_fault() {
            Failure::Internal(error.to_string())
        } else {
            Failure::Input(error.to_string())
        }
    }
}

impl From<SequencePlanError> for Failure {
    fn from(error: SequencePlanError) -> Self {
        if error.is_packlab_fault() {
            Failure::Internal(error.to_string())
        } else {
            Failure::Input(error.to_string())
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
    pub fn read_options(&self) -> Result<ReadOptions, Failure> {
        let mut options = ReadOptions {
            format: self.format,
            column: self.column.clone(),
            documents: self.documents,
            ..ReadOptions::default()
        };
        self.tokenizer.apply(&mut options)?;
        Ok(options)
    }
}

/// The tokenizer once loaded: a subcommand may read its files twice (a
/// trainer's simulation falls back to counts), and a large model's
/// tokenizer.json takes a good part of a second to load.
static LOADED_TOKENIZER: OnceLock<SharedTokenizer> = OnceLock::new();

impl TokenizerArgs {
    /// Adds the tokenizer and its options to `options`, if one is given.
    pub fn apply(&self, options: &mut ReadOptions) -> Result<(), Failure> {
        let Some(path) = &self.tokenizer else {
            return Ok(());
        };
        let tokenizer = match LOADED_TOKENIZER.get() {
            Some(loaded) => loaded.clone(),
            None => {
                let loaded = SharedTokenizer::from(self.load(path)?);
                LOADED_TOKENIZER.get_or_init(|| loaded).clone()
            }
        };
        options.tokenizer = Some(tokenizer);
        options.text_field = self.text_field.clone();
        options.sample_rows = self.sample;
        Ok(())
    }

    /// The tokenizer at `path`, with the configuration and chat template
    /// beside it, then the chat template given, as transformers loads them.
    fn load(&self, path: &Path) -> Result<TextTokenizer, Failure> {
        let mut tokenizer = TextTokenizer::from_file(path)
            .map_err(input_error)?
            .with_special_tokens(!self.no_special_tokens);
        if let Some(template) = &self.chat_template {
            tokenizer = tokenizer
                .with_chat_template_file(template)
                .map_err(input_error)?;
        }
        Ok(tokenizer)
    }
}

/// A file that could not be read, as the user sees it.
fn input_error(error: packlab::input::InputError) -> Failure {
    Failure::Input(error.to_string())
}

/// Reads and merges every input into an analyser.
pub fn analyser(input: &InputArgs) -> Result<Analyser, Failure> {
    Ok(Analyser::new(read_inputs(input)?, Box::new(clock())))
}

/// Everything read from the inputs.
pub struct Inputs {
    /// The lengths of every file and the preset, merged.
    pub counts: LengthCounts,
    /// What each file was read by that its content cannot confirm.
    pub notes: Vec<InputNote>,
    /// What the tokenizer counted, when one was given.
    pub tokenized: Option<Tokenized>,
}

/// What the tokenizer counted while the inputs were read, and how fast.
pub struct Tokenized {
    pub progress: TokenizedProgress,
    pub seconds: f64,
}

/// Reads and merges every input file, and the preset if one is given.
pub fn read_inputs(input: &InputArgs) -> Result<LengthCounts, Failure> {
    read_all_inputs(input).map(|inputs| inputs.counts)
}

/// [`read_inputs`], with the notes and the tokenizer's count.
pub fn read_all_inputs(input: &InputArgs) -> Result<Inputs, Failure> {
    let options = input.read_options()?;
    let mut counts = input
        .preset
        .map_or_else(LengthCounts::new, Preset::generate);
    let started = Instant::now();
    let before = options
        .tokenizer
        .as_ref()
        .map(|tokenizer| tokenizer.progress());
    let mut notes = Vec::new();
    for path in &input.files {
        let name = path.display().to_string();
        let result = with_progress(&options, || {
            if name == "-" {
                read_lengths("<stdin>", io::stdin().lock(), &options, &mut counts)
            } else {
                read_file_lengths(path, &options, &mut counts)
            }
        });
        let stats = result.map_err(|error| Failure::Input(error.to_string()))?;
        report_notes(&stats.notes);
        notes.extend(stats.notes);
    }
    let tokenized = options
        .tokenizer
        .as_ref()
        .zip(before)
        .map(|(tokenizer, before)| {
            let after = tokenizer.progress();
            Tokenized {
                progress: TokenizedProgress {
                    texts: after.texts - before.texts,
                    tokens: after.tokens - before.tokens,
                    text_bytes: after.text_bytes - before.text_bytes,
                },
                seconds: started.elapsed().as_secs_f64(),
            }
        });
    Ok(Inputs {
        counts,
        notes,
        tokenized,
    })
}

/// Runs `read`, and meanwhile, when texts are tokenized and standard error
/// is a terminal, shows there how far the tokenizer has got: a large
/// dataset takes minutes.
pub fn with_progress<T>(options: &ReadOptions, read: impl FnOnce() -> T) -> T {
    const EVERY: Duration = Duration::from_millis(500);
    let Some(tokenizer) = options.tokenizer.as_ref() else {
        return read();
    };
    if !io::stderr().is_terminal() {
        return read();
    }
    let (stop, stopped) = mpsc::channel::<()>();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let started = Instant::now();
            let before = tokenizer.progress();
            let mut shown = false;
            while stopped.recv_timeout(EVERY) == Err(mpsc::RecvTimeoutError::Timeout) {
                let now = tokenizer.progress();
                let tokens = now.tokens - before.tokens;
                let per_second = tokens as f64 / started.elapsed().as_secs_f64().max(1e-9);
                eprint!(
                    "\rpacklab: tokenized {} rows, {} tokens, {} tokens/s ",
                    thousands(now.texts - before.texts),
                    thousands(tokens),
                    thousands(per_second as u64)
                );
                shown = true;
            }
            if shown {
                // Clears the line for what follows.
                eprint!("\r\x1b[2K");
            }
        });
        let result = read();
        drop(stop);
        result
    })
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
