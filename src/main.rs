//! `packlab`: the command-line face of the Packlab library.
//!
//! Exit codes: 0 on success, 2 for bad input or arguments, 1 when Packlab
//! itself failed (a bug, reported as such).

use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use serde::Serialize;

use packlab::algorithms::lp_bound;
use packlab::analysis::{BoundSummary, FlopsComparison, FlopsPair};
use packlab::dynamic_padding::{dynamic_padding_all, DynamicPadding, EstimateKind};
use packlab::flops::{
    flops_with_dynamic_padding, flops_with_packing, flops_without_packing, AttentionKernel,
    FlopsError, FlopsEstimate, ModelPreset,
};
use packlab::input::{read_lengths, Format, InputNote, ReadOptions};
use packlab::max_len_sweep::{candidates as max_len_candidates, sweep_max_len, MaxLenPoint};
use packlab::numbers::thousands;
use packlab::{
    pack_cached, pack_with, Algorithm, Histogram, LengthCounts, LengthSummary, MaxPerPack,
    OverlongOutcome, OverlongPolicy, PackError, PackGroup, PackOptions, PackingPlan, PlanOrigin,
    Preset, Report, SolutionCache,
};

/// See how much compute padding wastes in a training set, and which
/// sequence packing removes it best.
///
/// Packlab reads sequence lengths (or a length histogram), packs them into
/// rows of --max-len tokens with the algorithms of "Efficient Sequence
/// Packing without Cross-contamination" (Krell, Kosec et al., 2021) and
/// others, and reports packs, efficiency and speed-up.
#[derive(Parser)]
#[command(name = "packlab", version, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Pack the sequences with one algorithm and print the result (and the
    /// plan, with --json).
    Pack(PackArgs),
    /// Pack with every algorithm and compare them side by side.
    Compare(CompareArgs),
    /// Summarise the sequence lengths.
    Stats(StatsArgs),
    /// Print the dense length histogram, `{"max_len": N, "counts": [...]}`
    /// where counts[i] counts sequences of length i + 1: a compact file
    /// that Packlab (and the page) read back, and that merges by adding.
    Histogram(HistogramArgs),
    /// Assign the sequences of a file (in file order, index 0..N-1) to
    /// packs: pack the length histogram, then say which sequence goes into
    /// which pack, as JSON Lines (and .npy with --npy).
    Assign(AssignArgs),
}

#[derive(Args)]
struct HistogramArgs {
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Args)]
struct InputArgs {
    /// Files of sequence lengths or histograms: text, CSV, JSON, JSONL or
    /// NumPy .npy (detected from the extension and content). Several
    /// files merge into one dataset; `-` reads standard input.
    #[arg(required_unless_present = "preset", value_name = "FILE")]
    files: Vec<PathBuf>,

    /// Use a synthetic example dataset, the same the web page offers:
    /// qa-finetuning-384, bert-pretraining-512, chat-finetuning-4096 or
    /// long-context-32768. Files given as well are merged into it.
    #[arg(long, value_name = "NAME", value_parser = parse_preset)]
    preset: Option<Preset>,

    /// Row length in tokens. Default: the max_len of a dense JSON
    /// histogram, otherwise the longest sequence.
    #[arg(long, value_name = "N")]
    max_len: Option<u64>,

    /// What to do with sequences longer than --max-len.
    #[arg(long, value_enum, default_value_t = OverlongPolicy::Truncate)]
    overlong: OverlongPolicy,

    /// The field holding lengths: a CSV column; a JSON object's field
    /// holding an array of lengths ({"lengths": [12, 40, 7]} is three
    /// sequences); or each JSON Lines object's field holding its length or
    /// its token ids ({"tokens": [5, 9, 2]} on a line is one sequence of
    /// three tokens). Default: `length`, `num_tokens` and similar, or
    /// `input_ids`; in CSV, the only numeric column. Text and .npy files
    /// have no fields and refuse it.
    #[arg(long, value_name = "NAME")]
    column: Option<String>,

    /// Read every file as this format instead of detecting it.
    #[arg(long, value_parser = parse_format)]
    format: Option<Format>,
}

#[derive(Args)]
struct PackArgs {
    #[command(flatten)]
    input: InputArgs,

    /// The packing algorithm.
    #[arg(long, short, value_enum, default_value_t = Algorithm::Lpfhp)]
    algorithm: Algorithm,

    /// Most sequences per pack: a number from 1, `unlimited`, or `default`:
    /// 3 for nnlshp (the paper's setting; its cost grows with the limit),
    /// no limit for the others.
    #[arg(long, value_name = "K|unlimited|default", default_value_t = MaxPerPack::AlgorithmDefault)]
    max_per_pack: MaxPerPack,

    /// NNLSHP only: plan lengths in buckets of N tokens (1 plans every
    /// length exactly). Default: exact up to max_len 512, then the narrowest
    /// buckets that keep 512 of them.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    bucket_tokens: Option<u32>,

    /// Print one JSON object (the report and the plan) instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct CompareArgs {
    #[command(flatten)]
    input: InputArgs,

    /// Most sequences per pack for every algorithm: a number from 1,
    /// `unlimited`, or `default`: 3 for nnlshp (the paper's setting; its
    /// cost grows with the limit), no limit for the others.
    #[arg(long, value_name = "K|unlimited|default", default_value_t = MaxPerPack::AlgorithmDefault)]
    max_per_pack: MaxPerPack,

    /// NNLSHP only: plan lengths in buckets of N tokens (see `pack --help`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    bucket_tokens: Option<u32>,

    /// Batch sizes at which to show dynamic padding (batches padded to
    /// their longest sequence: random, sorted by length, and grouped by
    /// length in megabatches), what trainers do instead of packing.
    #[arg(long, value_name = "B,B,...", value_delimiter = ',', default_values_t = [8u32, 32, 128],
          value_parser = clap::value_parser!(u32).range(1..))]
    batch_sizes: Vec<u32>,

    /// The model whose training FLOPs per epoch to estimate, with
    /// variable-length and dense masked attention.
    #[arg(long, value_enum, default_value_t = ModelPreset::BertBase)]
    model: ModelPreset,

    /// Also pack at other row lengths, to choose max_len: powers of two,
    /// the 90th and 99th percentiles and the longest sequence, plus any
    /// lengths given (`--sweep-max-len 384,768`). The greedy algorithms
    /// and no packing only.
    #[arg(long, value_name = "N,N,...", value_delimiter = ',', num_args = 0..)]
    sweep_max_len: Option<Vec<u32>>,

    /// Print one JSON object (reports without plans, dynamic padding,
    /// FLOPs, the max_len sweep) instead of tables.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct StatsArgs {
    #[command(flatten)]
    input: InputArgs,

    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

fn parse_preset(text: &str) -> Result<Preset, String> {
    Preset::from_name(text).ok_or_else(|| {
        let names: Vec<&str> = Preset::ALL.iter().map(|preset| preset.name()).collect();
        format!("unknown preset `{text}`: use {}", names.join(", "))
    })
}

fn parse_format(text: &str) -> Result<Format, String> {
    match text.to_ascii_lowercase().as_str() {
        "text" | "txt" => Ok(Format::Text),
        "csv" => Ok(Format::Csv),
        "json" => Ok(Format::Json),
        "jsonl" | "ndjson" => Ok(Format::Jsonl),
        "npy" => Ok(Format::Npy),
        _ => Err(format!(
            "unknown format `{text}`: use text, csv, json, jsonl or npy"
        )),
    }
}

/// A failure, and the exit code it deserves.
enum Failure {
    /// Bad input or arguments: exit 2.
    Input(String),
    /// Packlab's own fault: exit 1.
    Internal(String),
}

impl From<PackError> for Failure {
    fn from(error: PackError) -> Self {
        match error {
            PackError::UnsoundPlan { .. } => Failure::Internal(error.to_string()),
            other => Failure::Input(other.to_string()),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Pack(args) => run_pack(args),
        Command::Compare(args) => run_compare(args),
        Command::Stats(args) => run_stats(args),
        Command::Histogram(args) => run_histogram(args),
        Command::Assign(args) => run_assign(args),
    };
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

/// Reads and merges every input file.
fn read_inputs(input: &InputArgs) -> Result<LengthCounts, Failure> {
    let options = ReadOptions {
        format: input.format,
        column: input.column.clone(),
    };
    let mut counts = input
        .preset
        .map_or_else(LengthCounts::new, Preset::generate);
    for path in &input.files {
        let name = path.display().to_string();
        let result = if name == "-" {
            read_lengths("<stdin>", io::stdin().lock(), &options, &mut counts)
        } else {
            let file = File::open(path).map_err(|error| {
                Failure::Input(format!("{name}: cannot open: {error}; check the path"))
            })?;
            read_lengths(&name, file, &options, &mut counts)
        };
        let stats = result.map_err(|error| Failure::Input(error.to_string()))?;
        report_notes(&stats.notes);
    }
    Ok(counts)
}

/// Prints what a file was read by that its content cannot confirm, on
/// standard error beside the overlong warnings, so `--json` output stays
/// one JSON value.
fn report_notes(notes: &[InputNote]) {
    for note in notes {
        eprintln!("packlab: note: {note}");
    }
}

/// The max_len to use: the user's, or the data's default.
fn chosen_max_len(input: &InputArgs, counts: &LengthCounts) -> Result<u64, Failure> {
    input
        .max_len
        .or_else(|| counts.default_max_len())
        .ok_or_else(|| Failure::Input("the input holds no sequences".to_string()))
}

/// Reads the inputs and builds the histogram.
fn load(input: &InputArgs) -> Result<(Histogram, OverlongOutcome), Failure> {
    let counts = read_inputs(input)?;
    let max_len = chosen_max_len(input, &counts)?;
    Histogram::from_counts(&counts, max_len, input.overlong)
        .map_err(|error| Failure::Input(error.to_string()))
}

/// Packs and times one algorithm. `cache` keeps NNLSHP's solutions, which
/// the optimal packer reuses when it compares its plan with NNLSHP's.
fn run_algorithm(
    histogram: &Histogram,
    algorithm: Algorithm,
    max_per_pack: MaxPerPack,
    bucket_tokens: Option<u32>,
    cache: &mut SolutionCache,
) -> Result<(Report, Vec<PackGroup>), Failure> {
    let options = PackOptions {
        max_per_pack: max_per_pack.for_algorithm(algorithm),
        bucket_tokens,
    };
    let started = Instant::now();
    let plan = pack_cached(histogram, algorithm, &options, cache)?;
    let runtime_ms = started.elapsed().as_secs_f64() * 1e3;
    let report = Report::new(algorithm, histogram, &plan, runtime_ms);
    Ok((report, plan.groups))
}

/// `packlab pack --json`: the report, what the overlong policy did, and the plan.
#[derive(Serialize)]
struct PackOutput<'a> {
    #[serde(flatten)]
    report: &'a Report,
    overlong: &'a OverlongOutcome,
    plan: &'a [PackGroup],
}

fn run_pack(args: PackArgs) -> Result<(), Failure> {
    let (histogram, overlong) = load(&args.input)?;
    let (report, plan) = run_algorithm(
        &histogram,
        args.algorithm,
        args.max_per_pack,
        args.bucket_tokens,
        &mut SolutionCache::new(),
    )?;
    if args.json {
        let output = PackOutput {
            report: &report,
            overlong: &overlong,
            plan: &plan,
        };
        return print_json(&output);
    }
    let mut text = String::new();
    text += &format!(
        "{} packing, max_len {}, {}\n",
        report.algorithm,
        report.max_len,
        describe_limit(report.max_per_pack)
    );
    text += &overlong_line(&overlong);
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
    if let Some(line) = unproven_optimality_line(&report) {
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
    for group in plan.iter().take(5) {
        let lengths: Vec<String> = group.lengths.iter().map(u32::to_string).collect();
        text += &format!(
            "    [{}] x {}\n",
            lengths.join(", "),
            thousands(group.count)
        );
    }
    print_text(&text)
}

/// `packlab compare --json`.
#[derive(Serialize)]
struct CompareOutput<'a> {
    max_len: u32,
    sequences: u64,
    tokens: u64,
    overlong: &'a OverlongOutcome,
    /// ceil(tokens / max_len): no plan can use fewer rows.
    volume_bound: u64,
    /// The LP relaxation's bound at the depth of the greedy packers.
    lp_bound: &'a BoundSummary,
    reports: &'a [Report],
    dynamic_padding: &'a [DynamicPadding],
    flops: &'a FlopsComparison,
    max_len_sweep: &'a [MaxLenPoint],
}

fn run_compare(args: CompareArgs) -> Result<(), Failure> {
    let counts = read_inputs(&args.input)?;
    let max_len = chosen_max_len(&args.input, &counts)?;
    let (histogram, overlong) = Histogram::from_counts(&counts, max_len, args.input.overlong)
        .map_err(|error| Failure::Input(error.to_string()))?;
    let model = args.model.shape();
    let both = |estimate: &dyn Fn(AttentionKernel) -> Result<FlopsEstimate, FlopsError>| {
        Ok::<_, FlopsError>(FlopsPair {
            variable_length: estimate(AttentionKernel::VariableLength)?,
            dense_masked: estimate(AttentionKernel::DenseMasked)?,
        })
    };
    let internal = |error: FlopsError| Failure::Internal(error.to_string());

    let mut reports = Vec::new();
    let mut packing_flops = Vec::new();
    let mut cache = SolutionCache::new();
    for algorithm in Algorithm::ALL {
        let (report, groups) = run_algorithm(
            &histogram,
            algorithm,
            args.max_per_pack,
            args.bucket_tokens,
            &mut cache,
        )?;
        let plan = PackingPlan {
            max_len: report.max_len,
            max_per_pack: report.max_per_pack,
            groups,
            bucketing: None,
            optimality: None,
        };
        packing_flops.push(
            both(&|attention| flops_with_packing(&model, &histogram, &plan, attention))
                .map_err(internal)?,
        );
        reports.push(report);
    }
    let mut padding = Vec::new();
    for &batch_size in &args.batch_sizes {
        padding.extend(
            dynamic_padding_all(&histogram, batch_size)
                .map_err(|error| Failure::Input(error.to_string()))?,
        );
    }
    let flops = FlopsComparison {
        model,
        preset: Some(args.model),
        no_packing: both(&|attention| flops_without_packing(&model, &histogram, attention))
            .map_err(internal)?,
        packing: packing_flops,
        dynamic_padding: padding
            .iter()
            .map(|entry| {
                both(&|attention| flops_with_dynamic_padding(&model, &histogram, entry, attention))
            })
            .collect::<Result<_, _>>()
            .map_err(internal)?,
    };
    let sweep = match &args.sweep_max_len {
        Some(extra) => {
            let current = histogram.max_len();
            let candidates = max_len_candidates(&counts, current, extra);
            let started = Instant::now();
            let clock = move || started.elapsed().as_secs_f64() * 1e3;
            sweep_max_len(
                &counts,
                &candidates,
                current,
                args.input.overlong,
                &[
                    Algorithm::None,
                    Algorithm::Spfhp,
                    Algorithm::Lpfhp,
                    Algorithm::Bfd,
                ],
                args.max_per_pack,
                &clock,
            )
            .map_err(|error| Failure::Input(error.to_string()))?
        }
        None => Vec::new(),
    };
    let volume_bound = histogram.tokens().div_ceil(u64::from(histogram.max_len()));
    // The bound at the loosest limit any algorithm packs with holds for
    // every plan of the comparison.
    let bound_limit = args.max_per_pack.loosest();
    let bound =
        lp_bound(&histogram, bound_limit).map_err(|error| Failure::Internal(error.to_string()))?;
    let bound = BoundSummary {
        max_per_pack: bound_limit,
        lp_value: bound.lp_value,
        packs: bound.lower_bound_packs,
        proven: bound.proven,
        bucket_tokens: bound.bucket_tokens,
    };

    if args.json {
        return print_json(&CompareOutput {
            max_len: histogram.max_len(),
            sequences: histogram.sequences(),
            tokens: histogram.tokens(),
            overlong: &overlong,
            volume_bound,
            lp_bound: &bound,
            reports: &reports,
            dynamic_padding: &padding,
            flops: &flops,
            max_len_sweep: &sweep,
        });
    }
    let mut text = format!(
        "{} sequences, {} tokens, max_len {}\n",
        thousands(histogram.sequences()),
        thousands(histogram.tokens()),
        histogram.max_len()
    );
    text += &overlong_line(&overlong);
    text += &format!(
        "{:<9} {:>9} {:>11} {:>17} {:>11} {:>9} {:>9} {:>9} {:>11}\n",
        "algorithm",
        "max/pack",
        "packs",
        "over bound",
        "efficiency",
        "padding",
        "speed-up",
        "limit",
        "runtime ms"
    );
    for report in &reports {
        let over = report.packs.saturating_sub(bound.packs);
        let gap = format!(
            "{} ({:.2}%)",
            thousands(over),
            over as f64 / bound.packs.max(1) as f64 * 100.0
        );
        text += &format!(
            "{:<9} {:>9} {:>11} {:>17} {:>10.2}% {:>8.2}% {:>9.4} {:>9.4} {:>11.3}\n",
            report.algorithm.name(),
            report
                .max_per_pack
                .map_or("unlimited".to_string(), |limit| limit.to_string()),
            thousands(report.packs),
            gap,
            report.efficiency * 100.0,
            report.padding_fraction * 100.0,
            report.speedup,
            report.speedup_limit,
            report.runtime_ms
        );
    }
    for line in reports.iter().filter_map(unproven_optimality_line) {
        text += &format!("{line}\n");
    }
    text += &format!(
        "No plan {} can use fewer than {} packs (the cutting-stock LP relaxation{}: {:.2}); \
         the volume alone needs {}.\n",
        match bound_limit {
            Some(1) => "with 1 sequence per pack".to_string(),
            Some(limit) => format!("with at most {limit} sequences per pack"),
            None => "with any number of sequences per pack".to_string(),
        },
        thousands(bound.packs),
        if bound.proven {
            ""
        } else {
            ", not fully solved"
        },
        bound.lp_value,
        thousands(volume_bound)
    );

    text += "\nInstead of packing: dynamic padding (each batch padded to its longest sequence)\n";
    text += &format!(
        "{:<50} {:>6} {:>11} {:>9} {:>11} {:>9}\n",
        "batches", "size", "batches", "padding", "efficiency", "estimate"
    );
    for entry in &padding {
        text += &format!(
            "{:<50} {:>6} {:>11} {:>8.2}% {:>10.2}% {:>9}\n",
            entry.scheme.label(),
            entry.batch_size,
            thousands(entry.batches),
            entry.padding_fraction * 100.0,
            entry.efficiency * 100.0,
            match entry.estimate {
                EstimateKind::Exact => "exact",
                EstimateKind::Simulated => "simulated",
                EstimateKind::QuantileApproximation => "quantiles",
            }
        );
    }

    text += &format!(
        "\nTraining FLOPs per epoch, {} (forward and backward)\n",
        args.model.label()
    );
    text += &format!(
        "{:<60} {:>12} {:>9} {:>12} {:>9}\n",
        "", "varlen attn", "speed-up", "dense mask", "speed-up"
    );
    let mut flops_line = |label: String, pair: &FlopsPair| {
        text += &format!(
            "{:<60} {:>12.4e} {:>8.3}x {:>12.4e} {:>8.3}x\n",
            label,
            pair.variable_length.flops_per_epoch,
            pair.variable_length.speedup_over_padding,
            pair.dense_masked.flops_per_epoch,
            pair.dense_masked.speedup_over_padding
        );
    };
    flops_line("padding to max_len".to_string(), &flops.no_packing);
    for (report, pair) in reports.iter().zip(&flops.packing) {
        // No packing is the baseline line above.
        if report.algorithm != Algorithm::None {
            flops_line(format!("{} packing", report.algorithm.name()), pair);
        }
    }
    for (entry, pair) in padding.iter().zip(&flops.dynamic_padding) {
        flops_line(
            format!("{}, batch {}", entry.scheme.label(), entry.batch_size),
            pair,
        );
    }

    if !sweep.is_empty() {
        text += "\nChoosing max_len (no packing and the greedy packers at each row length)\n";
        text += &format!(
            "{:>9} {:<24} {:>10} {:>11} {:>9} {:>9} {:>9} {:>9} {:>10}\n",
            "max_len",
            "why",
            "truncated",
            "tokens lost",
            "none",
            "spfhp",
            "lpfhp",
            "bfd",
            "compute"
        );
        for point in &sweep {
            let reasons: Vec<&str> = point
                .candidate
                .reasons
                .iter()
                .map(|reason| reason.name())
                .collect();
            let efficiency = |index: usize| {
                point.results.get(index).map_or(String::new(), |result| {
                    format!("{:.2}%", result.efficiency * 100.0)
                })
            };
            let best_compute = point
                .results
                .iter()
                .map(|result| result.relative_compute)
                .fold(f64::INFINITY, f64::min);
            text += &format!(
                "{:>9} {:<24} {:>9.2}% {:>10.2}% {:>9} {:>9} {:>9} {:>9} {:>9.3}x\n",
                point.candidate.max_len,
                reasons.join(", "),
                point.overlong_fraction * 100.0,
                point.tokens_lost_fraction * 100.0,
                efficiency(0),
                efficiency(1),
                efficiency(2),
                efficiency(3),
                best_compute
            );
        }
        text += "(efficiency per algorithm; compute: the best packer's rows x max_len over padding at the current max_len)\n";
    }
    print_text(&text)
}

/// `packlab histogram`: the dense format the readers accept.
#[derive(Serialize)]
struct DenseHistogram<'a> {
    max_len: u32,
    counts: &'a [u64],
}

fn run_histogram(args: HistogramArgs) -> Result<(), Failure> {
    let (histogram, overlong) = load(&args.input)?;
    if overlong.sequences > 0 {
        eprint!(
            "packlab:{}",
            overlong_line(&overlong).trim_start_matches(' ')
        );
    }
    print_json(&DenseHistogram {
        max_len: histogram.max_len(),
        counts: histogram.counts(),
    })
}

/// `packlab stats --json`.
#[derive(Serialize)]
struct StatsOutput<'a> {
    #[serde(flatten)]
    summary: &'a LengthSummary,
    /// What the overlong policy changed.
    overlong: &'a OverlongOutcome,
    /// Padding without packing once the overlong policy has been applied:
    /// `1 - tokens / (sequences × max_len)` of the sequences kept.
    padding_fraction_unpacked: f64,
}

fn run_stats(args: StatsArgs) -> Result<(), Failure> {
    let counts = read_inputs(&args.input)?;
    let max_len = chosen_max_len(&args.input, &counts)?;
    let max_len = u32::try_from(max_len)
        .ok()
        .filter(|m| (1..=packlab::MAX_SUPPORTED_MAX_LEN).contains(m))
        .ok_or_else(|| {
            Failure::Input(format!(
                "max_len {max_len} is outside 1..={}; choose another --max-len",
                packlab::MAX_SUPPORTED_MAX_LEN
            ))
        })?;
    let summary = counts
        .summary(max_len)
        .map_err(|error| Failure::Input(error.to_string()))?;
    let (histogram, overlong) =
        Histogram::from_counts(&counts, u64::from(max_len), args.input.overlong)
            .map_err(|error| Failure::Input(error.to_string()))?;
    let (no_packing, _) = run_algorithm(
        &histogram,
        Algorithm::None,
        MaxPerPack::AlgorithmDefault,
        None,
        &mut SolutionCache::new(),
    )?;
    if args.json {
        return print_json(&StatsOutput {
            summary: &summary,
            overlong: &overlong,
            padding_fraction_unpacked: no_packing.padding_fraction,
        });
    }
    let mut text = String::new();
    text += &format!("  sequences  {:>14}\n", thousands(summary.sequences));
    text += &format!("  tokens     {:>14}\n", thousands(summary.tokens));
    text += &format!("  min        {:>14}\n", thousands(summary.min));
    text += &format!("  mean       {:>14.1}\n", summary.mean);
    text += &format!("  median     {:>14}\n", thousands(summary.median));
    text += &format!("  p90        {:>14}\n", thousands(summary.p90));
    text += &format!("  p99        {:>14}\n", thousands(summary.p99));
    text += &format!("  max        {:>14}\n", thousands(summary.max));
    text += &format!(
        "  above max_len {}: {} sequences, {} tokens past max_len\n",
        summary.max_len,
        thousands(summary.overlong_sequences),
        thousands(summary.overlong_excess_tokens)
    );
    text += &overlong_line(&overlong);
    text += &format!(
        "  padding without packing at max_len {}: {:.2}%\n",
        summary.max_len,
        no_packing.padding_fraction * 100.0
    );
    print_text(&text)
}

#[derive(Args)]
struct AssignArgs {
    /// The sequence lengths, one per sequence in dataset order: text, a CSV
    /// column, a JSON array, JSON Lines (a length field or input_ids) or a
    /// 1-D NumPy .npy; `-` reads standard input. A histogram has no order,
    /// so it is refused.
    #[arg(value_name = "FILE")]
    file: PathBuf,

    /// Row length in tokens. Default: the longest sequence.
    #[arg(long, value_name = "N")]
    max_len: Option<u64>,

    /// What to do with sequences longer than --max-len: truncate keeps them
    /// (the loader cuts them to max_len tokens), drop leaves them out.
    #[arg(long, value_enum, default_value_t = OverlongPolicy::Truncate)]
    overlong: OverlongPolicy,

    /// The field holding lengths, as for `pack --column`: a CSV column, a
    /// JSON object's array of lengths, or each JSON Lines object's length
    /// or token ids.
    #[arg(long, value_name = "NAME")]
    column: Option<String>,

    /// Read the file as this format instead of detecting it.
    #[arg(long, value_parser = parse_format)]
    format: Option<Format>,

    /// The packing algorithm.
    #[arg(long, short, value_enum, default_value_t = Algorithm::Lpfhp)]
    algorithm: Algorithm,

    /// Most sequences per pack: a number from 1, `unlimited`, or `default`:
    /// 3 for nnlshp (the paper's setting; its cost grows with the limit),
    /// no limit for the others.
    #[arg(long, value_name = "K|unlimited|default", default_value_t = MaxPerPack::AlgorithmDefault)]
    max_per_pack: MaxPerPack,

    /// NNLSHP only: plan lengths in buckets of N tokens (see `pack --help`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    bucket_tokens: Option<u32>,

    /// Seed of the shuffles: the same seed and epoch give the same packs.
    #[arg(long, value_name = "S", default_value_t = 0)]
    seed: u64,

    /// Training epoch: each one reshuffles which same-length sequences
    /// share packs, and the order of the packs (the plan stays the same).
    #[arg(long, value_name = "E", default_value_t = 0)]
    epoch: u32,

    /// Keep the plan's pack order (most frequent composition first)
    /// instead of shuffling the packs.
    #[arg(long)]
    no_shuffle_packs: bool,

    /// Where to write the packs as JSON Lines, one per line:
    /// {"indices":[...],"lengths":[...]}, indices counted from 0 in file
    /// order, lengths as packed (max_len for a truncated sequence). `-`
    /// writes to standard output, and the summary to standard error.
    #[arg(long, value_name = "PLAN")]
    out: PathBuf,

    /// Also write PREFIX.indices.npy and PREFIX.offsets.npy (int64): pack p
    /// holds indices[offsets[p]:offsets[p + 1]].
    #[arg(long, value_name = "PREFIX")]
    npy: Option<PathBuf>,

    /// Print the first N packs with their cu_seqlens and position_ids.
    #[arg(long, value_name = "N", default_value_t = 0)]
    preview: usize,
}

fn run_assign(args: AssignArgs) -> Result<(), Failure> {
    use packlab::assign::{
        assign, validate_assignment, write_jsonl, write_npy, write_preview, AssignOptions,
    };

    let started = Instant::now();
    let options = ReadOptions {
        format: args.format,
        column: args.column.clone(),
    };
    let name = args.file.display().to_string();
    let read = if name == "-" {
        packlab::input::read_lengths_in_order("<stdin>", io::stdin().lock(), &options)
    } else {
        let file = File::open(&args.file).map_err(|error| {
            Failure::Input(format!("{name}: cannot open: {error}; check the path"))
        })?;
        packlab::input::read_lengths_in_order(&name, file, &options)
    }
    .map_err(|error| Failure::Input(error.to_string()))?;
    report_notes(&read.stats.notes);
    let read_ms = milliseconds_since(started);

    let started = Instant::now();
    let max_len = args
        .max_len
        .or_else(|| read.counts.default_max_len())
        .ok_or_else(|| Failure::Input("the input holds no sequences".to_string()))?;
    let (histogram, overlong) = Histogram::from_counts(&read.counts, max_len, args.overlong)
        .map_err(|error| Failure::Input(error.to_string()))?;
    let pack_options = PackOptions {
        max_per_pack: args.max_per_pack.for_algorithm(args.algorithm),
        bucket_tokens: args.bucket_tokens,
    };
    let plan = pack_with(&histogram, args.algorithm, &pack_options)?;
    let pack_ms = milliseconds_since(started);
    let report = Report::new(args.algorithm, &histogram, &plan, pack_ms);

    // The plan comes from these very lengths, so any failure from here to
    // the writing is Packlab's fault, not the input's.
    let started = Instant::now();
    let assign_options = AssignOptions {
        seed: args.seed,
        epoch: args.epoch,
        shuffle_packs: !args.no_shuffle_packs,
        overlong: args.overlong,
    };
    let bug = |problem: String| {
        Failure::Internal(format!(
            "assigning sequences to the {} plan failed ({problem}); this is a bug in \
             Packlab, please report it with the input",
            args.algorithm
        ))
    };
    let assignment =
        assign(&read.lengths, &plan, &assign_options).map_err(|error| bug(error.to_string()))?;
    let assign_ms = milliseconds_since(started);
    let started = Instant::now();
    validate_assignment(&read.lengths, plan.max_len, plan.max_per_pack, &assignment)
        .map_err(|problem| bug(problem.to_string()))?;
    let check_ms = milliseconds_since(started);

    let started = Instant::now();
    let to_stdout = args.out.as_os_str() == "-";
    write_output(&args.out, |out| write_jsonl(out, &assignment))?;
    let mut written = vec![format!(
        "{} ({} packs, one per line)",
        args.out.display(),
        thousands(assignment.packs() as u64)
    )];
    if let Some(prefix) = &args.npy {
        for (suffix, values) in [
            (".indices.npy", &assignment.indices),
            (".offsets.npy", &assignment.offsets),
        ] {
            let mut path = prefix.as_os_str().to_owned();
            path.push(suffix);
            let path = PathBuf::from(path);
            write_output(&path, |out| write_npy(out, values))?;
            written.push(path.display().to_string());
        }
    }
    let write_ms = milliseconds_since(started);

    let mut text = format!(
        "{} packing of {} sequences from {name}, max_len {}, {}\n",
        report.algorithm,
        thousands(read.stats.sequences),
        report.max_len,
        describe_limit(report.max_per_pack)
    );
    text += &overlong_line(&overlong);
    text += &format!(
        "  packs           {:>14}   efficiency {:.2}%, speed-up {:.4}x\n",
        thousands(report.packs),
        report.efficiency * 100.0,
        report.speedup
    );
    text += &format!(
        "  shuffles        seed {}, epoch {}, {}\n",
        args.seed,
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
    text += &format!(
        "  time            read {read_ms:.0} ms, pack {pack_ms:.0} ms, \
         assign {assign_ms:.0} ms, check {check_ms:.0} ms, write {write_ms:.0} ms\n"
    );
    if args.preview > 0 {
        let mut preview = Vec::new();
        write_preview(&mut preview, &assignment, args.preview)
            .map_err(|error| Failure::Internal(format!("cannot write the preview: {error}")))?;
        text += &String::from_utf8_lossy(&preview);
    }
    if to_stdout {
        eprint!("{text}");
        Ok(())
    } else {
        print_text(&text)
    }
}

fn milliseconds_since(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1e3
}

/// Writes one output file (or standard output for `-`) through a buffer.
fn write_output(
    path: &std::path::Path,
    write: impl FnOnce(&mut dyn Write) -> Result<(), packlab::assign::ExportError>,
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
        Err(packlab::assign::ExportError::Io(error))
            if error.kind() == io::ErrorKind::BrokenPipe =>
        {
            Ok(())
        }
        Err(packlab::assign::ExportError::Io(error)) => Err(Failure::Input(format!(
            "{name}: cannot write: {error}; check the free space"
        ))),
        Err(other) => Err(Failure::Internal(format!("{name}: {other}"))),
    }
}

fn describe_limit(max_per_pack: Option<u32>) -> String {
    match max_per_pack {
        Some(1) => "1 sequence per pack".to_string(),
        Some(limit) => format!("at most {limit} sequences per pack"),
        None => "no limit on sequences per pack".to_string(),
    }
}

fn overlong_line(outcome: &OverlongOutcome) -> String {
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
fn unproven_optimality_line(report: &Report) -> Option<String> {
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

fn depth_breakdown(sequences_per_pack: &[u64]) -> String {
    let parts: Vec<String> = sequences_per_pack
        .iter()
        .enumerate()
        .filter(|&(_, &packs)| packs > 0)
        .map(|(index, &packs)| format!("{}: {}", index + 1, thousands(packs)))
        .collect();
    format!("(packs by sequences held: {})", parts.join(", "))
}

fn print_json<T: Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string(value)
        .map_err(|error| Failure::Internal(format!("cannot write JSON: {error}")))?;
    print_text(&(text + "\n"))
}

/// Writes to stdout; a closed pipe (`packlab ... | head`) is not an error.
fn print_text(text: &str) -> Result<(), Failure> {
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
