//! `packlab stats`: the lengths' statistics, and the padding every row
//! costs without packing.

use serde::Serialize;

use packlab::analysis::{Analyser, SummaryRequest};
use packlab::input::InputNote;
use packlab::numbers::thousands;
use packlab::{LengthSummary, OverlongOutcome};

use crate::shared::{clock, overlong_line, print_json, print_text, read_all_inputs, Failure};
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
    /// The rules files were read by that their content cannot confirm,
    /// and a sample's estimate: each as its text. Left out when empty.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    notes: &'a [InputNote],
}

pub fn run(args: StatsArgs) -> Result<(), Failure> {
    let inputs = read_all_inputs(&args.input)?;
    let data = Analyser::new(inputs.counts, Box::new(clock())).summary(&SummaryRequest {
        rows: args.input.rows(),
    })?;
    let summary = &data.summary;
    let padding_fraction = data.no_packing.padding_fraction;
    if args.json {
        return print_json(&StatsOutput {
            summary,
            overlong: &data.overlong,
            padding_fraction_unpacked: padding_fraction,
            notes: &inputs.notes,
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
    if let Some(tokenized) = &inputs.tokenized {
        let megabytes = tokenized.progress.text_bytes as f64 / 1e6;
        text += &format!(
            "  tokenized  {} texts, {:.1} MB, in {:.1} s: {:.1} MB/s, {} tokens/s\n",
            thousands(tokenized.progress.texts),
            megabytes,
            tokenized.seconds,
            megabytes / tokenized.seconds.max(1e-9),
            thousands((tokenized.progress.tokens as f64 / tokenized.seconds.max(1e-9)) as u64)
        );
    }
    // Printed here as well as on standard error: a sample's estimate must
    // never pass for the real figures.
    for note in &inputs.notes {
        text += &format!("  note: {note}\n");
    }
    print_text(&text)
}
