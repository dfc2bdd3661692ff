//! `packlab assign`: the sequences of a file, in file order, assigned to
//! packs and written as JSON Lines (and `.npy`), through the pipeline the
//! page's file engine shares ([`plan_sequences`]).

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use packlab::analysis::ModelChoice;
use packlab::assign::{
    packs_of_rank, plan_sequences, write_npy, ExportError, PlanFile, PlanSteps,
    SequencePlanRequest, StepLayout,
};
use packlab::input::{
    read_file_lengths_in_order, read_lengths_in_order, OrderedLengths, ReadOptions,
};
use packlab::numbers::thousands;
use packlab::step_balance::Imbalance;
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
        Packer::Trainer(trainer) => {
            if args.steps.shape.world_size.is_some() {
                return Err(Failure::Input(format!(
                    "--world-size lays out the packs of Packlab's algorithms; {} makes its own \
                     rows in its own order. Leave out --world-size, or choose an algorithm",
                    trainer.name()
                )));
            }
            return assign_trainer(&args, trainer, read, &name);
        }
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
        steps: args.steps.shape.shape().map(|shape| StepLayout {
            shape,
            model: ModelChoice::Preset(args.steps.model),
            balance: args.steps.balance,
        }),
    };
    let plan = plan_sequences(&read.lengths, read.counts, &request, clock.clone())?;
    let steps = &plan.steps;

    let started = clock();
    let to_stdout = args.out.as_os_str() == "-";
    write_output(&args.out, |out| plan.write(PlanFile::Jsonl, out))?;
    let mut written = vec![format!(
        "{} ({} packs, one per line)",
        args.out.display(),
        thousands(plan.assignment.packs() as u64)
    )];
    if let (Some(prefix), Some(steps)) = (&args.npy, steps) {
        // One pair of arrays per rank: what each process of the job loads.
        for rank in 0..steps.shape.world_size {
            let own = packs_of_rank(&plan.assignment, &steps.shape, rank);
            for (suffix, values) in [("indices", &own.indices), ("offsets", &own.offsets)] {
                let mut path = prefix.as_os_str().to_owned();
                path.push(format!(".rank{rank}.{suffix}.npy"));
                let path = PathBuf::from(path);
                write_output(&path, |out| write_npy(out, values))?;
                written.push(path.display().to_string());
            }
        }
    } else if let Some(prefix) = &args.npy {
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
    if let Some(steps) = steps {
        text += &describe_steps(steps, !args.no_shuffle_packs);
    }
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

/// The summary's lines on the packs' steps (`shuffled`: whether the
/// assignment's own order is shuffled, else the plan's).
fn describe_steps(steps: &PlanSteps, shuffled_packs: bool) -> String {
    let shape = &steps.shape;
    let shuffled = &steps.shuffled;
    if shuffled.steps == 0 {
        return format!(
            "  steps           none whole: the {} packs fill less than one step of {} ranks x {} \
             packs, so there is no step to balance\n",
            thousands(shuffled.last_step_packs),
            shape.world_size,
            shape.packs_per_rank()
        );
    }
    let mut text = format!(
        "  steps           {} of {} ranks x {} packs ({} per pass x {} passes){}\n",
        thousands(shuffled.steps),
        shape.world_size,
        shape.packs_per_rank(),
        shape.micro_batch,
        shape.grad_accum,
        if shuffled.last_step_packs > 0 {
            format!(
                "; a last step of {} packs",
                thousands(shuffled.last_step_packs)
            )
        } else {
            String::new()
        }
    );
    let line = |name: &str, measured: &Imbalance| {
        format!(
            "  {name:<15} slowest rank {:.2}% over the mean on average ({:.2}% at worst), \
             {:.2}% of GPU time lost waiting\n",
            (measured.mean_slowest_over_mean - 1.0) * 100.0,
            (measured.worst_slowest_over_mean - 1.0) * 100.0,
            measured.lost_fraction * 100.0
        )
    };
    text += &line(
        if shuffled_packs {
            "shuffled"
        } else {
            "plan order"
        },
        shuffled,
    );
    match &steps.balanced {
        Some(balanced) => text += &line("balanced", balanced),
        None => text += "                  (--balance orders the packs so that each step's ranks have equal work)\n",
    }
    text
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
