//! The figures of docs/performance.md, as Markdown tables:
//! every algorithm on every dataset, and how the cost grows with max_len,
//! with depth and with file size. Run with `npm run bench` or
//! `cargo bench --bench tables`.
//!
//! Times are medians of repeated runs (at least 3, until 0.3 s is spent),
//! on whatever machine runs this: quote them with the machine.

mod common;
// The large histograms shaped like real data that the tests check too.
#[path = "../tests/common/shapes.rs"]
mod shapes;

use std::time::Instant;

use common::Dataset;
use packlab::algorithms::lp_bound;
use packlab::input::{read_lengths, ReadOptions};
use packlab::trainers::{simulate, DatasetOrder, Trainer, TrainerReport, TrainerSettings};
use packlab::{pack, Algorithm, Histogram, LengthCounts, Preset, Report};

/// The median time of `work` in milliseconds, and its last result.
fn median_ms<R>(mut work: impl FnMut() -> R) -> (f64, R) {
    let mut times = Vec::new();
    let mut spent = 0.0;
    let mut result;
    loop {
        let started = Instant::now();
        result = work();
        let elapsed = started.elapsed().as_secs_f64() * 1e3;
        times.push(elapsed);
        spent += elapsed;
        if times.len() >= 3 && (spent >= 300.0 || times.len() >= 50) {
            break;
        }
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], result)
}

fn depth_name(depth: Option<u32>) -> String {
    depth.map_or("unlimited".to_string(), |depth| depth.to_string())
}

fn measure(dataset: &Dataset, algorithm: Algorithm, depth: Option<u32>) -> (f64, Report) {
    let (runtime_ms, plan) =
        median_ms(|| pack(&dataset.histogram, algorithm, depth).expect("packs"));
    let report = Report::new(algorithm, &dataset.histogram, &plan, runtime_ms);
    (runtime_ms, report)
}

fn row(dataset: &str, algorithm: Algorithm, depth: Option<u32>, runtime_ms: f64, report: &Report) {
    let buckets = report
        .bucket_tokens
        .map_or(String::new(), |width| format!(" (buckets of {width})"));
    println!(
        "| {dataset} | {} | {} | {} | {:.6} | {:.4} | {} |",
        algorithm.name(),
        depth_name(depth),
        report.packs,
        report.efficiency,
        report.speedup,
        format_ms(runtime_ms) + &buckets
    );
}

fn format_ms(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else if ms >= 1.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.0} µs", ms * 1000.0)
    }
}

/// One row of the LP table: the bound, the optimal packer's plan against
/// it, and NNLSHP's and LPFHP's packs at the same depth.
/// Every trainer on the sequences of `dataset`, listed and shuffled.
fn trainer_rows(dataset: &Dataset) {
    let histogram = &dataset.histogram;
    let lengths: Vec<u32> = histogram
        .longest_first()
        .flat_map(|(length, count)| std::iter::repeat_n(length, count as usize))
        .collect();
    // One seed for the order and every trainer's own shuffle, so that
    // the figures do not move with the trainers' default seeds.
    let settings = TrainerSettings {
        order: DatasetOrder::Shuffled { seed: 42 },
        seed: Some(42),
        ..TrainerSettings::new(histogram.max_len())
    };
    for trainer in Trainer::ALL {
        let (runtime_ms, plan) =
            median_ms(|| simulate(trainer, &lengths, &settings).expect("simulates"));
        // The figures `packlab pack --algorithm <trainer>` reports.
        let report = TrainerReport::new(trainer, &settings, &plan);
        let accounting = report.accounting;
        println!(
            "| {} | {} | {} | {} | {:.4} | {} | {} | {} | {} |",
            dataset.name,
            trainer,
            report.packs,
            report.steps_per_epoch,
            report.efficiency,
            accounting.tokens_truncated,
            accounting.tokens_dropped,
            accounting.sequences_split,
            format_ms(runtime_ms)
        );
    }
}

fn bound_row(dataset: &Dataset, depth: Option<u32>) {
    let data: &Histogram = &dataset.histogram;
    let (bound_ms, bound) = median_ms(|| lp_bound(data, depth).expect("bounds"));
    let (optimal_ms, optimal) = measure(dataset, Algorithm::Optimal, depth);
    let packs = |algorithm| pack(data, algorithm, depth).expect("packs").packs();
    let buckets = if bound.bucket_tokens > 1 {
        format!(" (buckets of {})", bound.bucket_tokens)
    } else {
        String::new()
    };
    println!(
        "| {} | {} | {:.1} | {}{buckets} | {} | {} | {} | +{} | {} | {} | {} |",
        dataset.name,
        depth_name(depth),
        bound.lp_value,
        bound.lower_bound_packs,
        if bound.proven { "yes" } else { "no" },
        format_ms(bound_ms),
        optimal.packs,
        optimal.packs.saturating_sub(bound.lower_bound_packs),
        format_ms(optimal_ms),
        packs(Algorithm::Nnlshp),
        packs(Algorithm::Lpfhp),
    );
}

/// Every trainer on a chat preset, a million chat-shaped sequences and 16
/// million pretraining-shaped ones.
fn trainer_tables() {
    println!("| dataset | trainer | rows | steps at batch 8 | efficiency | tokens truncated | tokens dropped | sequences split | time |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for dataset in [
        common::preset(Preset::ChatFinetuning4096),
        Dataset {
            name: "chat-shaped, 1M (4096)".to_string(),
            histogram: shapes::chat(4096, 1_000_000, 4),
        },
        Dataset {
            name: "pretraining-shaped, 16M (512)".to_string(),
            histogram: shapes::pretraining(512, 16_000_000, 2),
        },
    ] {
        trainer_rows(&dataset);
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo bench --bench tables --
    // trainers` prints the trainers' table alone.
    if std::env::args().any(|argument| argument == "trainers") {
        trainer_tables();
        return;
    }
    let mut datasets: Vec<Dataset> = common::squad().into_iter().collect();
    datasets.push(common::preset(Preset::BertPretraining512));
    datasets.push(common::wikipedia_sized());
    datasets.push(common::preset(Preset::ChatFinetuning4096));
    datasets.push(common::preset(Preset::LongContext32768));

    println!("## Every algorithm on every dataset\n");
    println!("| dataset | algorithm | max per pack | packs | efficiency | speed-up | time |");
    println!("|---|---|---|---|---|---|---|");
    for dataset in &datasets {
        for algorithm in Algorithm::ALL {
            for depth in [Some(3), None] {
                let (runtime_ms, report) = measure(dataset, algorithm, depth);
                row(&dataset.name, algorithm, depth, runtime_ms, &report);
            }
        }
    }

    println!("\n## Cost against max_len (log-normal lengths, 1M sequences, at most 3 per pack)\n");
    println!("| dataset | algorithm | max per pack | packs | efficiency | speed-up | time |");
    println!("|---|---|---|---|---|---|---|");
    for max_len in [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072] {
        let dataset = common::scaled(max_len);
        for algorithm in [
            Algorithm::Spfhp,
            Algorithm::Lpfhp,
            Algorithm::Bfd,
            Algorithm::Nnlshp,
        ] {
            if algorithm == Algorithm::Nnlshp && max_len > 32768 {
                continue;
            }
            let (runtime_ms, report) = measure(&dataset, algorithm, Some(3));
            row(&dataset.name, algorithm, Some(3), runtime_ms, &report);
        }
    }

    println!("\n## Cost against depth (Wikipedia-sized, max_len 512)\n");
    println!("| dataset | algorithm | max per pack | packs | efficiency | speed-up | time |");
    println!("|---|---|---|---|---|---|---|");
    let wikipedia = common::wikipedia_sized();
    let depths: Vec<Option<u32>> = (1..=16).map(Some).chain([None]).collect();
    for algorithm in [Algorithm::Lpfhp, Algorithm::Nnlshp] {
        for &depth in &depths {
            let (runtime_ms, report) = measure(&wikipedia, algorithm, depth);
            row(&wikipedia.name, algorithm, depth, runtime_ms, &report);
        }
    }

    println!("\n## The LP bound and the optimal packer at every depth\n");
    println!(
        "| dataset | max per pack | LP value | bound | proven | LP time | optimal | above bound | optimal time | NNLSHP | LPFHP |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let large = [
        wikipedia,
        Dataset {
            name: "pretraining-shaped, 16.3M (512)".to_string(),
            histogram: shapes::pretraining(512, 16_300_000, 1),
        },
        Dataset {
            name: "pretraining-shaped, 100M (512)".to_string(),
            histogram: shapes::pretraining(512, 100_000_000, 2),
        },
        Dataset {
            name: "chat-shaped, 1M (4096)".to_string(),
            histogram: shapes::chat(4096, 1_000_000, 4),
        },
        common::preset(Preset::LongContext32768),
    ];
    for dataset in &large {
        for &depth in &depths {
            bound_row(dataset, depth);
        }
    }

    println!(
        "\n## Trainers' own packing, simulated (sequences and trainers' shuffles seeded with 42)\n"
    );
    trainer_tables();

    println!("\n## Reading a text file of lengths, from memory\n");
    println!("| lengths | bytes | time | throughput |");
    println!("|---|---|---|---|");
    for lines in [1_000_000, 4_000_000, 16_000_000] {
        let text = common::lengths_text(lines);
        let (runtime_ms, _) = median_ms(|| {
            let mut counts = LengthCounts::new();
            read_lengths(
                "lengths.txt",
                &text[..],
                &ReadOptions::default(),
                &mut counts,
            )
            .expect("reads");
            counts
        });
        println!(
            "| {lines} | {} | {} | {:.0} MB/s |",
            text.len(),
            format_ms(runtime_ms),
            text.len() as f64 / 1e6 / (runtime_ms / 1e3)
        );
    }
}
