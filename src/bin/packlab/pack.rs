//! `packlab pack`: one algorithm's plan, as text or whole as JSON.

use packlab::analysis::PlanRequest;
use packlab::numbers::thousands;

use crate::shared::{
    analyser, describe_limit, overlong_line, print_json, print_text, unproven_optimality_line,
    Failure,
};
use crate::PackArgs;

/// Compositions listed in the text output.
const SHOWN_GROUPS: usize = 5;

pub fn run(args: PackArgs) -> Result<(), Failure> {
    let whole = analyser(&args.input)?.whole_plan(&PlanRequest {
        rows: args.input.rows(),
        algorithm: args.algorithm,
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
