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

use packlab::input::{read_lengths, Format, ReadOptions};
use packlab::{
    pack_with, Algorithm, Histogram, LengthCounts, LengthSummary, OverlongOutcome, OverlongPolicy,
    PackError, PackGroup, PackOptions, Preset, Report,
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

    /// The CSV column holding lengths. Default: `length`, or the only
    /// numeric column.
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

    /// Most sequences per pack: a number from 1, or `unlimited`. Default: 3
    /// for nnlshp, unlimited for the others.
    #[arg(long, value_name = "K|unlimited", value_parser = parse_max_per_pack)]
    max_per_pack: Option<MaxPerPack>,

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

    /// Most sequences per pack for every algorithm: a number from 1, or
    /// `unlimited`. Default: 3 for nnlshp, unlimited for the others.
    #[arg(long, value_name = "K|unlimited", value_parser = parse_max_per_pack)]
    max_per_pack: Option<MaxPerPack>,

    /// NNLSHP only: plan lengths in buckets of N tokens (see `pack --help`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    bucket_tokens: Option<u32>,

    /// Print a JSON list of reports (without plans) instead of a table.
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

/// A `--max-per-pack` value: a limit, or none.
#[derive(Clone, Copy)]
struct MaxPerPack(Option<u32>);

fn parse_max_per_pack(text: &str) -> Result<MaxPerPack, String> {
    if text.eq_ignore_ascii_case("unlimited") {
        return Ok(MaxPerPack(None));
    }
    match text.parse::<u32>() {
        Ok(0) => Err("must be at least 1 (or `unlimited`)".to_string()),
        Ok(limit) => Ok(MaxPerPack(Some(limit))),
        Err(_) => Err(format!(
            "`{text}` is not a whole number from 1, nor `unlimited`"
        )),
    }
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
        result.map_err(|error| Failure::Input(error.to_string()))?;
    }
    Ok(counts)
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

/// Packs and times one algorithm.
fn run_algorithm(
    histogram: &Histogram,
    algorithm: Algorithm,
    max_per_pack: Option<MaxPerPack>,
    bucket_tokens: Option<u32>,
) -> Result<(Report, Vec<PackGroup>), Failure> {
    let options = PackOptions {
        max_per_pack: max_per_pack
            .map_or(algorithm.default_max_per_pack(), |MaxPerPack(limit)| limit),
        bucket_tokens,
    };
    let started = Instant::now();
    let plan = pack_with(histogram, algorithm, &options)?;
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

fn run_compare(args: CompareArgs) -> Result<(), Failure> {
    let (histogram, overlong) = load(&args.input)?;
    let mut reports = Vec::new();
    for algorithm in Algorithm::ALL {
        let (report, _) =
            run_algorithm(&histogram, algorithm, args.max_per_pack, args.bucket_tokens)?;
        reports.push(report);
    }
    if args.json {
        return print_json(&reports);
    }
    let mut text = format!(
        "{} sequences, {} tokens, max_len {}\n",
        thousands(histogram.sequences()),
        thousands(histogram.tokens()),
        histogram.max_len()
    );
    text += &overlong_line(&overlong);
    text += &format!(
        "{:<9} {:>9} {:>11} {:>11} {:>9} {:>9} {:>9} {:>11}\n",
        "algorithm",
        "max/pack",
        "packs",
        "efficiency",
        "padding",
        "speed-up",
        "limit",
        "runtime ms"
    );
    for report in &reports {
        text += &format!(
            "{:<9} {:>9} {:>11} {:>10.2}% {:>8.2}% {:>9.4} {:>9.4} {:>11.3}\n",
            report.algorithm.name(),
            report
                .max_per_pack
                .map_or("unlimited".to_string(), |limit| limit.to_string()),
            thousands(report.packs),
            report.efficiency * 100.0,
            report.padding_fraction * 100.0,
            report.speedup,
            report.speedup_limit,
            report.runtime_ms
        );
    }
    text += &format!(
        "No plan can use fewer than {} packs (ceil(tokens / max_len)).\n",
        thousands(histogram.tokens().div_ceil(u64::from(histogram.max_len())))
    );
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
    if args.json {
        return print_json(&StatsOutput { summary: &summary });
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
    text += &format!(
        "  padding without packing at max_len {}: {:.2}%\n",
        summary.max_len,
        summary.padding_fraction_unpacked * 100.0
    );
    print_text(&text)
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

fn depth_breakdown(sequences_per_pack: &[u64]) -> String {
    let parts: Vec<String> = sequences_per_pack
        .iter()
        .enumerate()
        .filter(|&(_, &packs)| packs > 0)
        .map(|(index, &packs)| format!("{}: {}", index + 1, thousands(packs)))
        .collect();
    format!("(packs by sequences held: {})", parts.join(", "))
}

/// 1234567 → "1,234,567".
fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
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
