//! `packlab compare`: every algorithm side by side, against the LP bound,
//! dynamic padding and, on request, other row lengths.

use serde::Serialize;

use packlab::analysis::{
    Analyser, BoundRequest, BoundSummary, DynamicPadding, DynamicPaddingRequest, FlopsComparison,
    FlopsPair, FlopsRequest, MaxLenPoint, MaxLenRequest, ModelChoice, OrderBalance, PackedRows,
    PlanRequest, ReportRequest, StepBalance, StepBalanceRequest, SummaryRequest,
};
use packlab::dynamic_padding::EstimateKind;
use packlab::numbers::thousands;
use packlab::trainers::{simulate, Trainer, TrainerReport};
use packlab::{Algorithm, OverlongOutcome, Report};

use crate::shared::{
    analyser, clock, overlong_line, print_json, print_text, unproven_optimality_line, Failure,
};
use crate::{trainer, CompareArgs};

/// The algorithms the max_len sweep packs with, in the order of its
/// columns: no packing and the greedy packers, fast enough to run at
/// every candidate length.
const SWEPT_ALGORITHMS: [Algorithm; 4] = [
    Algorithm::None,
    Algorithm::Spfhp,
    Algorithm::Lpfhp,
    Algorithm::Bfd,
];

/// `packlab compare --json`.
#[derive(Serialize)]
struct CompareOutput<'a> {
    max_len: u32,
    sequences: u64,
    tokens: u64,
    overlong: &'a OverlongOutcome,
    /// ceil(tokens / max_len): no plan can use fewer rows.
    volume_bound: u64,
    /// The LP relaxation's bound at the loosest limit of the comparison.
    lp_bound: &'a BoundSummary,
    reports: &'a [Report],
    dynamic_padding: &'a [DynamicPadding],
    flops: &'a FlopsComparison,
    max_len_sweep: &'a [MaxLenPoint],
    /// Each algorithm's plan in training steps, with `--world-size`.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    step_balance: &'a [StepBalance],
    /// The trainers asked for with `--trainers`.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    trainers: &'a [TrainerRun],
}

/// One trainer's simulation in a comparison.
#[derive(Serialize)]
struct TrainerRun {
    #[serde(flatten)]
    report: TrainerReport,
    /// The sequences came without an order (a histogram or a preset).
    order_simulated: bool,
    /// The order read, in words.
    order: String,
    runtime_ms: f64,
}

/// Everything `compare` prints.
struct Comparison {
    /// No packing: the dataset's figures at the row length.
    no_packing: Report,
    overlong: OverlongOutcome,
    reports: Vec<Report>,
    bound: BoundSummary,
    padding: Vec<DynamicPadding>,
    flops: FlopsComparison,
    sweep: Vec<MaxLenPoint>,
    steps: Vec<StepBalance>,
    trainers: Vec<TrainerRun>,
}

pub fn run(args: CompareArgs) -> Result<(), Failure> {
    let comparison = compare(&args)?;
    if args.json {
        let header = &comparison.no_packing;
        return print_json(&CompareOutput {
            max_len: header.max_len,
            sequences: header.sequences,
            tokens: header.tokens,
            overlong: &comparison.overlong,
            volume_bound: header.volume_bound,
            lp_bound: &comparison.bound,
            reports: &comparison.reports,
            dynamic_padding: &comparison.padding,
            flops: &comparison.flops,
            max_len_sweep: &comparison.sweep,
            step_balance: &comparison.steps,
            trainers: &comparison.trainers,
        });
    }
    let mut text = algorithms_table(&comparison);
    text += &trainers_table(&comparison);
    text += &dynamic_padding_table(&comparison.padding);
    text += &flops_table(&args, &comparison);
    text += &steps_table(&comparison.steps);
    text += &max_len_table(&comparison.sweep);
    print_text(&text)
}

/// Asks the library every question of the comparison.
fn compare(args: &CompareArgs) -> Result<Comparison, Failure> {
    // With trainers, the files are read once, in order, and the packers
    // count the same sequences.
    let asked = trainers_asked(&args.trainers)?;
    let sequences = match asked.is_empty() {
        true => None,
        false => Some(trainer::lengths_in_order(&args.input)?),
    };
    let mut analyser = match &sequences {
        Some(sequences) => Analyser::new(sequences.counts.clone(), Box::new(clock())),
        None => analyser(&args.input)?,
    };
    let rows = args.input.rows();
    let summary = analyser.summary(&SummaryRequest { rows })?;
    let plan_of = |algorithm| PlanRequest {
        rows,
        algorithm,
        max_per_pack: args.max_per_pack,
        bucket_tokens: args.bucket_tokens,
    };
    let mut reports = Vec::with_capacity(Algorithm::ALL.len());
    for algorithm in Algorithm::ALL {
        let answer = analyser.report(&ReportRequest {
            plan: plan_of(algorithm),
            // The training figures that come with the report are not printed.
            batch_size: 1,
        })?;
        reports.push(answer.report);
    }
    let padding = analyser.dynamic_padding(&DynamicPaddingRequest {
        rows,
        batch_sizes: args.batch_sizes.clone(),
    })?;
    let flops = analyser.flops(&FlopsRequest {
        rows,
        model: ModelChoice::Preset(args.model),
        packing: reports.iter().map(PackedRows::from).collect(),
        dynamic_padding: padding.clone(),
    })?;
    let sweep = match &args.sweep_max_len {
        Some(extra) => analyser.max_len_sweep(&MaxLenRequest {
            rows,
            algorithms: SWEPT_ALGORITHMS.to_vec(),
            max_per_pack: args.max_per_pack,
            extra_max_lens: extra.clone(),
        })?,
        None => Vec::new(),
    };
    let mut steps = Vec::new();
    if let Some(shape) = args.steps.shape() {
        for algorithm in Algorithm::ALL {
            steps.push(analyser.step_balance(&StepBalanceRequest {
                plan: plan_of(algorithm),
                shape,
                model: ModelChoice::Preset(args.model),
                seed: args.seed.unwrap_or(0),
                epoch: 0,
                chart_steps: 0,
            })?);
        }
    }
    // The bound at the loosest limit any algorithm packs with holds for
    // every plan of the comparison.
    let bound = analyser.lp_bound(&BoundRequest {
        rows,
        max_per_pack: args.max_per_pack.loosest(),
    })?;
    let trainers = match &sequences {
        Some(sequences) => simulate_trainers(args, &asked, sequences, summary.no_packing.max_len)?,
        None => Vec::new(),
    };
    Ok(Comparison {
        no_packing: summary.no_packing,
        overlong: summary.overlong,
        reports,
        bound,
        padding,
        flops,
        sweep,
        steps,
        trainers,
    })
}

/// The trainers of `--trainers`, by name, or all of them.
fn trainers_asked(names: &[String]) -> Result<Vec<Trainer>, Failure> {
    if names.iter().any(|name| name == "all") {
        return Ok(Trainer::ALL.to_vec());
    }
    names
        .iter()
        .map(|name| {
            name.parse::<Trainer>()
                .map_err(|message| Failure::Input(format!("--trainers: {message}, or all")))
        })
        .collect()
}

/// Simulates the `asked` trainers on `sequences` at the comparison's
/// max_len.
fn simulate_trainers(
    args: &CompareArgs,
    asked: &[Trainer],
    sequences: &trainer::Sequences,
    max_len: u32,
) -> Result<Vec<TrainerRun>, Failure> {
    let clock = clock();
    let mut runs = Vec::with_capacity(asked.len());
    for &trainer in asked {
        let settings = packlab::trainers::TrainerSettings {
            max_len,
            ..trainer::settings(trainer, None, &args.trainer, args.seed, sequences)?
        };
        let started = clock();
        let plan =
            simulate(trainer, sequences.listed.lengths(), &settings).map_err(trainer::failure)?;
        runs.push(TrainerRun {
            report: TrainerReport::new(trainer, &settings, &plan),
            order_simulated: !sequences.listed.ordered(),
            order: sequences.listed.order_in_words(&settings),
            runtime_ms: clock() - started,
        });
    }
    Ok(runs)
}

/// One line per trainer of `--trainers`, beside the plan with fewest packs.
fn trainers_table(comparison: &Comparison) -> String {
    let Some(first) = comparison.trainers.first() else {
        return String::new();
    };
    let Some(best) = comparison
        .reports
        .iter()
        .filter(|report| report.algorithm != Algorithm::None)
        .min_by_key(|report| report.packs)
    else {
        return String::new();
    };
    let order = &first.order;
    let mut text = format!(
        "\nYour trainer's own packing ({order}), beside {} ({} packs):\n",
        best.algorithm,
        thousands(best.packs)
    );
    text += &format!(
        "{:<19} {:>11} {:>18} {:>11} {:>13} {:>13} {:>11} {:>11}\n",
        "trainer",
        "rows",
        "more than best",
        "efficiency",
        "tokens cut",
        "tokens dropped",
        "split",
        "runtime ms"
    );
    for run in &comparison.trainers {
        let report = &run.report;
        let more = report.packs as i128 - best.packs as i128;
        // Padding-free rows are steps of varying length: not comparable.
        let more = match report.tokens_per_step {
            Some(_) => "steps, not rows".to_string(),
            None => format!(
                "{}{} ({:+.2}%)",
                if more < 0 { "-" } else { "" },
                thousands(more.unsigned_abs() as u64),
                more as f64 / best.packs.max(1) as f64 * 100.0
            ),
        };
        let accounting = &report.accounting;
        text += &format!(
            "{:<19} {:>11} {:>18} {:>10.2}% {:>13} {:>13} {:>11} {:>11.3}\n",
            report.algorithm.name(),
            thousands(report.packs),
            more,
            report.efficiency * 100.0,
            thousands(accounting.tokens_truncated),
            thousands(accounting.tokens_dropped),
            thousands(accounting.sequences_split),
            run.runtime_ms
        );
    }
    if comparison
        .trainers
        .iter()
        .any(|run| run.report.cross_contaminating)
    {
        text += "trl-wrapped rows mix sequences the model is not told apart: each attends to those before it.\n";
    }
    for run in &comparison.trainers {
        if let Some(steps) = &run.report.tokens_per_step {
            text += &format!(
                "padding-free: {} steps of {} sequences, each one row of {:.0} tokens on average (std {:.0}, at most {}), nothing padded.\n",
                thousands(run.report.steps_per_epoch),
                run.report.settings.batch_size,
                steps.mean,
                steps.std,
                thousands(steps.max)
            );
        }
    }
    text
}

/// The dataset, one line per algorithm, and the bound.
fn algorithms_table(comparison: &Comparison) -> String {
    let header = &comparison.no_packing;
    let bound = &comparison.bound;
    let mut text = format!(
        "{} sequences, {} tokens, max_len {}\n",
        thousands(header.sequences),
        thousands(header.tokens),
        header.max_len
    );
    text += &overlong_line(&comparison.overlong);
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
    for report in &comparison.reports {
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
    for line in comparison
        .reports
        .iter()
        .filter_map(unproven_optimality_line)
    {
        text += &format!("{line}\n");
    }
    text += &format!(
        "No plan {} can use fewer than {} packs (the cutting-stock LP relaxation{}: {:.2}); \
         the volume alone needs {}.\n",
        match bound.max_per_pack {
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
        thousands(header.volume_bound)
    );
    text
}

/// Batches padded to their longest sequence, what trainers do instead.
fn dynamic_padding_table(padding: &[DynamicPadding]) -> String {
    let mut text =
        "\nInstead of packing: dynamic padding (each batch padded to its longest sequence)\n"
            .to_string();
    text += &format!(
        "{:<50} {:>6} {:>11} {:>9} {:>11} {:>9}\n",
        "batches", "size", "batches", "padding", "efficiency", "estimate"
    );
    for entry in padding {
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
    text
}

/// Training FLOPs of padding, of each plan and of each dynamic padding.
fn flops_table(args: &CompareArgs, comparison: &Comparison) -> String {
    let flops = &comparison.flops;
    let mut text = format!(
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
    for (report, pair) in comparison.reports.iter().zip(&flops.packing) {
        // No packing is the baseline line above.
        if report.algorithm != Algorithm::None {
            flops_line(format!("{} packing", report.algorithm.name()), pair);
        }
    }
    for (entry, pair) in comparison.padding.iter().zip(&flops.dynamic_padding) {
        flops_line(
            format!("{}, batch {}", entry.scheme.label(), entry.batch_size),
            pair,
        );
    }
    text
}

/// Each plan's steps across data-parallel ranks, shuffled and balanced;
/// empty without `--world-size`.
fn steps_table(steps: &[StepBalance]) -> String {
    let Some(first) = steps.first() else {
        return String::new();
    };
    let shape = &first.shape;
    let plural = |count: u64, noun: &str| match (count, noun.ends_with('s')) {
        (1, _) => format!("1 {noun}"),
        (count, true) => format!("{} {noun}es", thousands(count)),
        (count, false) => format!("{} {noun}s", thousands(count)),
    };
    let mut text = format!(
        "\nAcross {}: steps of {} x {} ({} per pass x {}), each pack weighed by its \
         training FLOPs on {} (padding-free attention)\n",
        plural(shape.world_size.into(), "GPU"),
        plural(shape.world_size.into(), "rank"),
        plural(shape.packs_per_rank(), "pack"),
        shape.micro_batch,
        plural(shape.grad_accum.into(), "pass"),
        first
            .preset
            .map_or("the model".to_string(), |preset| preset.name().to_string()),
    );
    text += &format!(
        "{:<9} {:>11} {:>10}   {:>22} {:>10}   {:>22} {:>10}\n",
        "algorithm",
        "steps",
        "last step",
        "shuffled: slowest rank",
        "time lost",
        "balanced: slowest rank",
        "time lost"
    );
    let order = |order: &OrderBalance| {
        format!(
            "{:>22} {:>9.2}%",
            format!(
                "+{:.2}% (+{:.2}% worst)",
                (order.mean_slowest_over_mean - 1.0) * 100.0,
                (order.worst_slowest_over_mean - 1.0) * 100.0
            ),
            order.lost_fraction * 100.0
        )
    };
    for entry in steps {
        text += &format!(
            "{:<9} {:>11} {:>10}   {}   {}\n",
            entry.algorithm.name(),
            thousands(entry.steps),
            match entry.last_step_packs {
                0 => "whole".to_string(),
                packs => plural(packs, "pack"),
            },
            order(&entry.shuffled),
            order(&entry.balanced)
        );
    }
    text += "(slowest rank: its work over the step's mean, on average over steps; time lost: \
             GPU time spent waiting for it. `packlab assign --balance` writes the balanced order.)\n";
    if let Some(sampled) = steps
        .iter()
        .find(|entry| entry.measured_packs < entry.packs)
    {
        text += &format!(
            "Plans of more than {} packs are measured on {} of them with the plan's mix of compositions.\n",
            thousands(sampled.measured_packs),
            thousands(sampled.measured_packs)
        );
    }
    if steps.iter().any(|entry| entry.steps == 0) {
        text +=
            "An algorithm with 0 steps has fewer packs than one step takes: no step to balance.\n";
    }
    text
}

/// The sweep over row lengths; empty when none was asked for.
fn max_len_table(sweep: &[MaxLenPoint]) -> String {
    if sweep.is_empty() {
        return String::new();
    }
    let mut text =
        "\nChoosing max_len (no packing and the greedy packers at each row length)\n".to_string();
    text += &format!(
        "{:>9} {:<24} {:>10} {:>11} {:>9} {:>9} {:>9} {:>9} {:>10}\n",
        "max_len",
        "why",
        "truncated",
        "tokens lost",
        SWEPT_ALGORITHMS[0].name(),
        SWEPT_ALGORITHMS[1].name(),
        SWEPT_ALGORITHMS[2].name(),
        SWEPT_ALGORITHMS[3].name(),
        "compute"
    );
    for point in sweep {
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
    text
}
