//! `packlab pack`: one algorithm's plan, as text or whole as JSON; or the
//! rows a trainer's own packing makes of the sequences in file order.

use std::str::FromStr;

use serde::Serialize;

use packlab::analysis::PlanRequest;
use packlab::numbers::thousands;
use packlab::trainers::{simulate, Trainer, TrainerReport};
use packlab::Algorithm;

use crate::shared::{
    analyser, clock, describe_limit, overlong_line, print_json, print_text,
    unproven_optimality_line, Failure,
};
use crate::trainer;
use crate::PackArgs;

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
    let sequences = trainer::lengths_in_order(&args.input)?;
    let settings = trainer::settings(
        trainer,
        args.input.max_len,
        &args.trainer,
        args.seed,
        &sequences,
    )?;
    let (lengths, ordered) = (sequences.listed.lengths(), sequences.listed.ordered());
    let max_len = settings.max_len;
    let clock = clock();
    let started = clock();
    let plan = simulate(trainer, lengths, &settings).map_err(trainer::failure)?;
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
    let read_in = sequences.listed.order_in_words(&settings);
    text += &format!("  order           {read_in}\n");
    text += &format!("  window          {}\n", settings.window(trainer));
    if let Some(ratio) = report.packing_ratio {
        text += &format!("  packing ratio   {ratio} (examples read per row)\n");
    }
    text += &format!(
        "  sequences       {:>14}   tokens {}\n",
        thousands(accounting.sequences),
        thousands(accounting.tokens)
    );
    match &report.tokens_per_step {
        Some(steps) => {
            text += &format!(
                "  steps           {:>14}   of {} sequences, each flattened into one row\n",
                thousands(report.steps_per_epoch),
                settings.batch_size
            );
            text += &format!(
                "  tokens per step {:>14.0}   mean (std {:.0}); min {}, median {}, p99 {}, max {}\n",
                steps.mean,
                steps.std,
                thousands(steps.min),
                thousands(steps.p50),
                thousands(steps.p99),
                thousands(steps.max)
            );
        }
        None => {
            text += &format!(
                "  packs (rows)    {:>14}   {} steps per epoch at batch {}\n",
                thousands(report.packs),
                thousands(report.steps_per_epoch),
                settings.batch_size
            );
        }
    }
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
    if let Some(sampler) = &report.sampler {
        let draws: Vec<String> = sampler.sampled_bins.iter().map(|&b| thousands(b)).collect();
        text += &format!(
            "  sampler         trains {} bins, the fewest of {} draws ({}); of the last draw's bins, {} ({} sequences, {} tokens) left out of the epoch\n",
            thousands(sampler.loader_batches),
            sampler.sampled_bins.len(),
            draws.join(", "),
            thousands(sampler.bins_not_trained),
            thousands(sampler.sequences_not_trained),
            thousands(sampler.tokens_not_trained)
        );
        text += &format!(
            "  estimates       sample_packing_eff_est {:.2}; with it set, the scheduler counts {} steps per epoch\n",
            sampler.sample_packing_eff_est, sampler.steps_estimated
        );
    }
    if report.cross_contaminating {
        text +=
            "  rows mix sequences the model is not told apart: each attends to those before it\n";
    }
    text += &format!("  runtime         {runtime_ms:>11.3} ms\n");
    print_text(&text)
}
