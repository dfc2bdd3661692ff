//! What `pack` and `compare` share for trainers: the sequences in their
//! order, the trainer's settings from the arguments, and a trainer's
//! window in words.

use std::io::{self, Read};

use packlab::input::{read_file_lengths_in_order, read_lengths_in_order, InputErrorKind};
use packlab::trainers::{
    PackingRatio, Trainer, TrainerError, TrainerOptions, TrainerSequences, TrainerSettings,
};
use packlab::LengthCounts;

use crate::shared::{read_inputs, report_notes, with_progress, Failure};
use crate::{InputArgs, TrainerArgs};

/// The sequences to simulate a trainer on.
pub struct Sequences {
    /// Their lengths in file order, or a histogram's listed.
    pub listed: TrainerSequences,
    /// The same sequences as counts: what Packlab's packers read.
    pub counts: LengthCounts,
}

pub fn lengths_in_order(input: &InputArgs) -> Result<Sequences, Failure> {
    let options = input.read_options()?;
    let mut lengths: Vec<u32> = Vec::new();
    let mut counts = LengthCounts::new();
    let mut ordered = input.preset.is_none();
    for path in &input.files {
        let name = path.display().to_string();
        let read = if name == "-" {
            let mut bytes = Vec::new();
            io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .map_err(|error| Failure::Input(format!("<stdin>: cannot read: {error}")))?;
            with_progress(&options, || {
                read_lengths_in_order("<stdin>", &bytes[..], &options)
            })
        } else {
            with_progress(&options, || read_file_lengths_in_order(path, &options))
        };
        match read {
            Ok(read) => {
                report_notes(&read.stats.notes);
                lengths.extend(read.lengths);
                counts
                    .merge(&read.counts)
                    .map_err(|error| Failure::Input(format!("{name}: {error}")))?;
            }
            // A sample's estimate has no order either.
            Err(error)
                if matches!(
                    error.kind,
                    InputErrorKind::HistogramHasNoOrder | InputErrorKind::SampleHasNoOrder
                ) =>
            {
                ordered = false
            }
            Err(error) => return Err(Failure::Input(error.to_string())),
        }
    }
    if ordered {
        return Ok(Sequences {
            listed: TrainerSequences::in_dataset_order(lengths),
            counts,
        });
    }
    // A histogram or a preset: every sequence, read shuffled.
    let counts = read_inputs(input)?;
    let listed = TrainerSequences::listed(&counts).map_err(failure)?;
    Ok(Sequences { listed, counts })
}

/// The user's choices of the trainer arguments and `--seed` (the order's,
/// 42 by default, and the trainer's own shuffle's, the trainer's default).
pub fn options(trainer_args: &TrainerArgs, seed: Option<u64>) -> TrainerOptions {
    TrainerOptions {
        order: trainer_args.order,
        seed,
        map_batch_rows: trainer_args.map_batch_rows,
        group_size: trainer_args.group_size,
        bin_size: trainer_args.bin_size,
        batch_size: trainer_args.batch_size,
        packing_ratio: trainer_args.packing_ratio,
    }
}

/// The settings `trainer` packs `sequences` at: `max_len` (`--max-len`,
/// or the dataset's default), the trainer arguments and `seed`.
/// Sequences without an order are read shuffled unless sorted.
pub fn settings(
    trainer: Trainer,
    max_len: Option<u64>,
    trainer_args: &TrainerArgs,
    seed: Option<u64>,
    sequences: &Sequences,
) -> Result<TrainerSettings, Failure> {
    // Packlab's packers' default: a dense histogram's or a preset's
    // max_len, otherwise the longest sequence.
    let max_len = match max_len.or(sequences.counts.default_max_len()) {
        Some(max_len) => u32::try_from(max_len)
            .ok()
            .filter(|&max_len| max_len > 0)
            .ok_or_else(|| {
                Failure::Input(format!(
                    "max_len {max_len}: give a row length from 1 to {} (--max-len)",
                    u32::MAX
                ))
            })?,
        None => 1,
    };
    Ok(sequences
        .listed
        .settings(trainer, max_len, &options(trainer_args, seed)))
}

/// A simulation's error, with the exit code it deserves.
pub fn failure(error: TrainerError) -> Failure {
    match error {
        TrainerError::Unsound { .. } => Failure::Internal(error.to_string()),
        _ => Failure::Input(error.to_string()),
    }
}

/// `--packing-ratio`: `auto` or a number of at least 1.
pub fn parse_packing_ratio(text: &str) -> Result<PackingRatio, String> {
    if text == "auto" {
        return Ok(PackingRatio::Auto);
    }
    match text.parse::<f64>() {
        Ok(ratio) if ratio.is_finite() && ratio >= 1.0 => Ok(PackingRatio::Fixed(ratio)),
        _ => Err(format!(
            "`{text}`: give auto, or a ratio of 1 (no packing) or more"
        )),
    }
}
