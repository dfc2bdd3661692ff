//! `packlab pack`: one algorithm's plan, as text or whole as JSON; or the
//! rows a trainer's own packing makes of the sequences in file order.

use std::io::{self, Read};
use std::str::FromStr;

use serde::Serialize;

use packlab::analysis::PlanRequest;
use packlab::input::{read_lengths_in_order, InputErrorKind};
use packlab::numbers::thousands;
use packlab::trainers::{simulate, DatasetOrder, Trainer, TrainerReport, TrainerSettings};
use packlab::{Algorithm, LengthCounts};

use crate::shared::{
    analyser, clock, describe_limit, open, overlong_line, print_json, print_text, read_inputs,
    report_notes, unproven_optimality_line, Failure,
};
use crate::{InputArgs, PackArgs};

/// Compositions listed in the text output.
const SHOWN_GROUPS: usize = 5;

/// What `--algorithm` names: one of Packlab's packers, or a trainer's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packer {
    /// A packer of the histogram.
    Histogram(Algorithm),
    /// A trainer's own packing, simulated on the sequences in order.
    Trainer(Trainer),
}

impl FromStr for Packer {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if let Ok(algorithm) = Algorithm::from_str(text) {
            return Ok(Packer::Histogram(algorithm));
        }
        Trainer::from_str(text).map(Packer::Trainer).map_err(|_| {
            let names: Vec<&str> = Algorithm::ALL
                .iter()
                .map(|algorithm| algorithm.name())
                .chain(Trainer::ALL.iter().map(|trainer| trainer.name()))
                .collect();
            format!(
                "unknown algorithm `{text}`; expected one of {}",
                names.join(", ")
            )
        })
    }
}

/// `--order`: the order a trainer reads the sequences in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OrderArg {
    /// The files' order, one file after another.
    AsGiven,
    /// A random order, drawn from `--seed`.
    Shuffled,
    /// Shortest first, as a dataset sorted by length.
    Sorted,
}

pub fn run(args: PackArgs) -> Result<(), Failure> {
    let algorithm = match args.algorithm {
        Packer::Histogram(algorithm) => algorithm,
        Packer::Trainer(trainer) => return run_trainer(&args, trainer),
    };
    let whole = analyser(&args.input)?.whole_plan(&PlanRequest {
        rows: args.input.rows(),
        algorithm,
        max_per_pack: args.max_per_pack,
        bucket_tokens: args.bucket_tokens,
    })?;
    if args.json {
        return print_json(&whole);
    }
    let report = &whole.report;
    let mut text = String::new();
    text += &format!(
        "{} packing, max_len {}, {}\n",
        report.algorithm,
        report.max_len,
        describe_limit(report.max_per_pack)
    );
    text += &overlong_line(&whole.overlong);
    text += &format!(
        "  sequences       {:>14}   tokens {}\n",
        thousands(report.sequences),
        thousands(report.tokens)
    );
    text += &format!(
        "  packs           {:>14}   without packing {}, volume bound {}\n",
        thousands(report.packs),
        thousands(report.sequences),
        thousands(report.volume_bound)
    );
    if let Some(line) = unproven_optimality_line(report) {
        text += &format!("  {line}\n");
    }
    text += &format!(
        "  efficiency      {:>13.2}%   padding {:.2}%\n",
        report.efficiency * 100.0,
        report.padding_fraction * 100.0
    );
    text += &format!(
        "  speed-up        {:>13.4}x   limit {:.4}x\n",
        report.speedup, report.speedup_limit
    );
    text += &format!(
        "  sequences/pack  {:>14.3}   {}\n",
        report.mean_sequences_per_pack,
        depth_breakdown(&report.sequences_per_pack)
    );
    text += &format!("  full packs      {:>14}\n", thousands(report.full_packs));
    if let (Some(bucket_tokens), Some(cost)) = (report.bucket_tokens, report.bucketing_cost) {
        text += &format!(
            "  buckets         {:>11} tokens wide; rounding up cost at most {:.2}% of the rows\n",
            bucket_tokens,
            cost * 100.0
        );
    }
    text += &format!("  runtime         {:>11.3} ms\n", report.runtime_ms);
    text += "  most frequent packs (lengths x count):\n";
    for group in whole.plan.iter().take(SHOWN_GROUPS) {
        let lengths: Vec<String> = group.lengths.iter().map(u32::to_string).collect();
        text += &format!(
            "    [{}] x {}\n",
            lengths.join(", "),
            thousands(group.count)
        );
    }
    print_text(&text)
}

/// "(packs by sequences held: 1: 2,079, 2: 27,660, ...)", depths without
/// packs left out.
fn depth_breakdown(sequences_per_pack: &[u64]) -> String {
    let parts: Vec<String> = sequences_per_pack
        .iter()
        .enumerate()
        .filter(|&(_, &packs)| packs > 0)
        .map(|(index, &packs)| format!("{}: {}", index + 1, thousands(packs)))
        .collect();
    format!("(packs by sequences held: {})", parts.join(", "))
}

/// The sequences to simulate a trainer on.
struct Sequences {
    /// Their lengths, in file order, or shortest first if `ordered` is
    /// false.
    lengths: Vec<u32>,
    /// True for files of per-sequence lengths; false for a histogram or a
    /// preset, which hold no order.
    ordered: bool,
    /// The max_len Packlab's packers use when none is given: a dense
    /// histogram's or a preset's, otherwise the longest sequence.
    default_max_len: Option<u64>,
}

fn lengths_in_order(input: &InputArgs) -> Result<Sequences, Failure> {
    let options = input.read_options();
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
            read_lengths_in_order("<stdin>", &bytes[..], &options)
        } else {
            read_lengths_in_order(&name, open(path)?, &options)
        };
        match read {
            Ok(read) => {
                report_notes(&read.stats.notes);
                lengths.extend(read.lengths);
                counts
                    .merge(&read.counts)
                    .map_err(|error| Failure::Input(format!("{name}: {error}")))?;
            }
            Err(error) if error.kind == InputErrorKind::HistogramHasNoOrder => ordered = false,
            Err(error) => return Err(Failure::Input(error.to_string())),
        }
    }
    if ordered {
        return Ok(Sequences {
            lengths,
            ordered,
            default_max_len: counts.default_max_len(),
        });
    }
    // A histogram or a preset: every sequence, shortest first.
    let counts = read_inputs(input)?;
    let mut lengths: Vec<u32> = Vec::new();
    for (length, count) in counts.iter() {
        let length = u32::try_from(length).unwrap_or(u32::MAX);
        let count = usize::try_from(count).map_err(|_| too_many(count))?;
        lengths
            .try_reserve(count)
            .map_err(|_| too_many(count as u64))?;
        lengths.extend(std::iter::repeat_n(length, count));
    }
    Ok(Sequences {
        lengths,
        ordered,
        default_max_len: counts.default_max_len(),
    })
}

fn too_many(sequences: u64) -> Failure {
    Failure::Input(format!(
        "{sequences} sequences of one length: too many to list for a trainer simulation; give a part of the dataset"
    ))
}

/// `pack --json` for a trainer: its figures, and its rows, each a list of
/// `[sequence, tokens]` (the sequence's index in file order, counted from
/// 0, and its tokens in the row).
#[derive(Serialize)]
struct TrainerOutput {
    #[serde(flatten)]
    report: TrainerReport,
    /// The sequences came without an order (a histogram or a preset):
    /// the simulation read them in a shuffled order.
    order_simulated: bool,
    runtime_ms: f64,
    rows: Vec<Vec<[u32; 2]>>,
}

fn run_trainer(args: &PackArgs, trainer: Trainer) -> Result<(), Failure> {
    let Sequences {
        lengths,
        ordered,
        default_max_len,
    } = lengths_in_order(&args.input)?;
    let max_len = match args.input.max_len.or(default_max_len) {
        Some(max_len) => u32::try_from(max_len)
            .ok()
            .filter(|&max_len| max_len > 0)
            .ok_or_else(|| {
                Failure::Input(format!(
                    "--max-len {max_len}: give a row length from 1 to {}",
                    u32::MAX
                ))
            })?,
        None => 1,
    };
    let order = match (ordered, args.order) {
        (false, _) | (true, OrderArg::Shuffled) => DatasetOrder::Shuffled { seed: args.seed },
        (true, OrderArg::AsGiven) => DatasetOrder::AsGiven,
        (true, OrderArg::Sorted) => DatasetOrder::SortedByLength,
    };
    let settings = TrainerSettings {
        max_len,
        map_batch_rows: args.map_batch_rows,
        order,
        seed: args.seed,
        group_size: args.group_size,
        bin_size: args.bin_size,
    };
    let clock = clock();
    let started = clock();
    let plan = simulate(trainer, &lengths, &settings).map_err(|error| match error {
        packlab::trainers::TrainerError::Unsound { .. } => Failure::Internal(error.to_string()),
        _ => Failure::Input(error.to_string()),
    })?;
    let runtime_ms = clock() - started;
    let report = TrainerReport::new(trainer, &settings, &plan);
    if args.json {
        let rows = plan
            .iter_rows()
            .map(|row| {
                row.iter()
                    .map(|piece| [piece.sequence, piece.tokens])
                    .collect()
            })
            .collect();
        return print_json(&TrainerOutput {
            report,
            order_simulated: !ordered,
            runtime_ms,
            rows,
        });
    }
    let accounting = &report.accounting;
    let mut text = format!(
        "{trainer} packing ({}), max_len {max_len}\n",
        trainer.modelled()
    );
    let read_in = match order {
        DatasetOrder::AsGiven => "as given".to_string(),
        DatasetOrder::SortedByLength => "sorted by length, shortest first".to_string(),
        DatasetOrder::Shuffled { seed } if ordered => format!("shuffled (seed {seed})"),
        DatasetOrder::Shuffled { seed } => {
            format!("shuffled (seed {seed}): a histogram has no order")
        }
    };
    text += &format!("  order           {read_in}\n");
    text += &format!("  window          {}\n", window(trainer, &settings));
    text += &format!(
        "  sequences       {:>14}   tokens {}\n",
        thousands(accounting.sequences),
        thousands(accounting.tokens)
    );
    text += &format!("  packs (rows)    {:>14}\n", thousands(report.packs));
    text += &format!(
        "  efficiency      {:>13.2}%   padding {:.2}%\n",
        report.efficiency * 100.0,
        report.padding_fraction * 100.0
    );
    text += &format!(
        "  truncated       {:>14}   sequences, {} tokens lost\n",
        thousands(accounting.sequences_truncated),
        thousands(accounting.tokens_truncated)
    );
    text += &format!(
        "  dropped         {:>14}   sequences, {} tokens lost\n",
        thousands(accounting.sequences_dropped),
        thousands(accounting.tokens_dropped)
    );
    text += &format!(
        "  split           {:>14}   sequences across rows\n",
        thousands(accounting.sequences_split)
    );
    if report.cross_contaminating {
        text +=
            "  rows mix sequences the model is not told apart: each attends to those before it\n";
    }
    text += &format!("  runtime         {runtime_ms:>11.3} ms\n");
    print_text(&text)
}

/// What a trainer packs together, in words.
fn window(trainer: Trainer, settings: &TrainerSettings) -> String {
    match trainer {
        Trainer::TrlBfd | Trainer::TrlBfdSplit | Trainer::TrlWrapped | Trainer::Llamafactory => {
            format!(
                "each datasets.map batch of {} rows packed apart",
                thousands(u64::from(settings.map_batch_rows))
            )
        }
        Trainer::Torchtune | Trainer::TorchtuneSplit => {
            "the whole dataset, one open pack at a time".to_string()
        }
        Trainer::Axolotl => format!(
            "the sampler's shuffle (seed {}), in groups of {} samples, at most {} per bin",
            settings.seed,
            thousands(u64::from(settings.group_size)),
            thousands(u64::from(settings.bin_size))
        ),
        Trainer::AxolotlSequential => format!(
            "the sampler's shuffle (seed {}), one open bin at a time",
            settings.seed
        ),
    }
}
