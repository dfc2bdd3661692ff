//! `packlab stats`: the lengths' statistics, and the padding every row
//! costs without packing.

use serde::Serialize;

use packlab::analysis::SummaryRequest;
use packlab::numbers::thousands;
use packlab::{LengthSummary, OverlongOutcome};

use crate::shared::{analyser, overlong_line, print_json, print_text, Failure};
use crate::StatsArgs;

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

pub fn run(args: StatsArgs) -> Result<(), Failure> {
    let data = analyser(&args.input)?.summary(&SummaryRequest {
        rows: args.input.rows(),
    })?;
    let summary = &data.summary;
    let padding_fraction = data.no_packing.padding_fraction;
    if args.json {
        return print_json(&StatsOutput {
            summary,
            overlong: &data.overlong,
            padding_fraction_unpacked: padding_fraction,
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
    text += &overlong_line(&data.overlong);
    text += &format!(
        "  padding without packing at max_len {}: {:.2}%\n",
        summary.max_len,
        padding_fraction * 100.0
    );
    print_text(&text)
}
