//! `packlab assign`: the sequences of a file, in file order, assigned to
//! packs and written as JSON Lines (and `.npy`), through the pipeline the
//! page's file engine shares ([`plan_sequences`]).

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use packlab::assign::{plan_sequences, ExportError, PlanFile, SequencePlanRequest};
use packlab::input::{
    read_file_lengths_in_order, read_lengths_in_order, OrderedLengths, ReadOptions,
};
use packlab::numbers::thousands;
use packlab::trainers::{simulate, Trainer, TrainerPlan, TrainerReport, TrainerSequences};

use crate::pack::Packer;
use crate::shared::{
    clock, describe_limit, overlong_line, print_text, report_notes, with_progress, Failure,
};
use crate::trainer::{self, Sequences};
use crate::AssignArgs;

pub fn run(args: AssignArgs) -> Result<(), Failure> {
    let clock = clock();
    let started = clock();
    let mut options = ReadOptions {
        format: args.format,
        column: args.column.clone(),
        documents: args.documents,
        ..ReadOptions::default()
    };
    args.tokenizer.apply(&mut options)?;
    let name = args.file.display().to_string();
    let read = with_progress(&options, || {
        if name == "-" {
            read_lengths_in_order("<stdin>", io::stdin().lock(), &options)
        } else {
            read_file_lengths_in_order(&args.file, &options)
        }
    })
    .map_err(|error| Failure::Input(error.to_string()))?;
    report_notes(&read.stats.notes);
    let read_ms = clock() - started;

    let algorithm = match args.algorithm {
        Packer::Histogram(algorithm) => algorithm,
        Packer::Trainer(trainer) => return assign_trainer(&args, trainer, read, &name),
    };
    let seed = args.seed.unwrap_or(0);
    let request = SequencePlanRequest {
        algorithm,
        max_len: args.max_len,
        overlong: args.overlong,
        max_per_pack: args.max_per_pack,
        bucket_tokens: args.bucket_tokens,
        seed,
        epoch: args.epoch,
        shuffle_packs: !args.no_shuffle_packs,
    };
    let plan = plan_sequences(&read.lengths, read.counts, &request, clock.clone())?;

    let started = clock();
    let to_stdout = args.out.as_os_str() == "-";
    write_output(&args.out, |out| plan.write(PlanFile::Jsonl, out))?;
    let mut written = vec![format!(
        "{} ({} packs, one per line)",
        args.out.display(),
        thousands(plan.assignment.packs() as u64)
    )];
    if let Some(prefix) = &args.npy {
        for file in [PlanFile::IndicesNpy, PlanFile::OffsetsNpy] {
            let mut path = prefix.as_os_str().to_owned();
            path.push(file.suffix());
            let path = PathBuf::from(path);
            write_output(&path, |out| plan.write(file, out))?;
            written.push(path.display().to_string());
        }
    }
    let write_ms = clock() - started;

    let report = &plan.report;
    let mut text = format!(
        "{} packing of {} sequences from {name}, max_len {}, {}\n",
        report.algorithm,
        thousands(read.stats.sequences),
        report.max_len,
        describe_limit(report.max_per_pack)
    );
    text += &overlong_line(&plan.overlong);
    text += &format!(
        "  packs           {:>14}   efficiency {:.2}%, speed-up {:.4}x\n",
        thousands(report.packs),
        report.efficiency * 100.0,
        report.speedup
    );
    text += &format!(
        "  shuffles        seed {}, epoch {}, {}\n",
        seed,
        args.epoch,
        if args.no_shuffle_packs {
            "packs in plan order"
        } else {
            "packs shuffled"
        }
    );
    for path in &written {
        text += &format!("  wrote           {path}\n");
    }
    let times = plan.step_times;
    text += &format!(
        "  time            read {read_ms:.0} ms, pack {:.0} ms, assign {:.0} ms, check {:.0} ms, \
         write {write_ms:.0} ms\n",
        times.pack_ms, times.assign_ms, times.check_ms
    );
    if args.preview > 0 {
        let mut preview = Vec::new();
        plan.write_preview(&mut preview, args.preview)
            .map_err(|error| Failure::Internal(format!("cannot write the preview: {error}")))?;
        text += &String::from_utf8_lossy(&preview);
    }
    if to_stdout {
        // Standard output holds the packs.
        eprint!("{text}");
        Ok(())
    } else {
        print_text(&text)
    }
}

/// Writes one output file (or standard output for `-`) through a buffer.
fn write_output(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<(), ExportError>,
) -> Result<(), Failure> {
    let name = path.display().to_string();
    let outcome = if path.as_os_str() == "-" {
        write(&mut io::BufWriter::new(io::stdout().lock()))
    } else {
        let file = File::create(path).map_err(|error| {
            Failure::Input(format!(
                "{name}: cannot create: {error}; check that the folder exists and is writable"
            ))
        })?;
        write(&mut io::BufWriter::new(file))
    };
    match outcome {
        Ok(()) => Ok(()),
        Err(ExportError::Io(error)) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(ExportError::Io(error)) => Err(Failure::Input(format!(
            "{name}: cannot write: {error}; check the free space"
        ))),
        Err(other) => Err(Failure::Internal(format!("{name}: {other}"))),
    }
}

/// `assign --algorithm TRAINER`: the rows the trainer makes of the file's
/// sequences, in the trainer's order, as JSON Lines.
fn assign_trainer(
    args: &AssignArgs,
    trainer: Trainer,
    read: OrderedLengths,
    name: &str,
) -> Result<(), Failure> {
    if args.npy.is_some() {
        return Err(Failure::Input(
            "--npy: a trainer's rows hold parts of sequences, which the .npy files cannot say; \
             use the JSON Lines of --out"
                .to_string(),
        ));
    }
    let sequences = Sequences {
        listed: TrainerSequences::in_dataset_order(read.lengths),
        counts: read.counts,
    };
    let settings = trainer::settings(trainer, args.max_len, &args.trainer, args.seed, &sequences)?;
    let clock = clock();
    let started = clock();
    let plan =
        simulate(trainer, sequences.listed.lengths(), &settings).map_err(trainer::failure)?;
    let simulate_ms = clock() - started;
    write_output(&args.out, |out| write_trainer_rows(out, &plan))?;
    let report = TrainerReport::new(trainer, &settings, &plan);
    let accounting = &report.accounting;
    let text = format!(
        "{trainer} packing ({}) of {} sequences from {name}, max_len {}\n  \
         rows            {:>14}   efficiency {:.2}%\n  \
         lost            {} tokens truncated, {} dropped; {} sequences split\n  \
         window          {}\n  \
         wrote           {} ({} rows, one per line, in the trainer's order)\n  \
         time            simulate {simulate_ms:.0} ms\n",
        trainer.modelled(),
        thousands(accounting.sequences),
        settings.max_len,
        thousands(report.packs),
        report.efficiency * 100.0,
        thousands(accounting.tokens_truncated),
        thousands(accounting.tokens_dropped),
        thousands(accounting.sequences_split),
        settings.window(trainer),
        args.out.display(),
        thousands(report.packs),
    );
    if args.out.as_os_str() == "-" {
        eprint!("{text}");
        Ok(())
    } else {
        print_text(&text)
    }
}

/// One JSON line per row: `indices` (sequences, from 0 in file order),
/// `lengths` (their tokens in the row) and `starts` (where each piece
/// starts in its sequence: 0 but for the later parts of a split one).
fn write_trainer_rows(out: &mut dyn Write, plan: &TrainerPlan) -> Result<(), ExportError> {
    #[derive(serde::Serialize)]
    struct Row {
        indices: Vec<u32>,
        lengths: Vec<u32>,
        starts: Vec<u32>,
    }
    for pieces in plan.iter_rows() {
        let row = Row {
            indices: pieces.iter().map(|piece| piece.sequence).collect(),
            lengths: pieces.iter().map(|piece| piece.tokens).collect(),
            starts: pieces.iter().map(|piece| piece.offset).collect(),
        };
        serde_json::to_writer(&mut *out, &row)
            .map_err(|error| ExportError::Io(io::Error::other(error)))?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
