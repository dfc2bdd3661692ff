//! Criterion benchmarks of the packers and of reading lengths, with fixed
//! data (see `common`). Run with `npm run bench` or `cargo bench --bench packing`.

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use packlab::input::{read_lengths, ReadOptions};
use packlab::{pack, Algorithm, LengthCounts, Preset};

fn packers(criterion: &mut Criterion) {
    let mut datasets = vec![
        common::preset(Preset::BertPretraining512),
        common::wikipedia_sized(),
    ];
    datasets.extend(common::squad());
    let mut group = criterion.benchmark_group("pack");
    group.sample_size(10);
    for dataset in &datasets {
        for algorithm in [
            Algorithm::Spfhp,
            Algorithm::Lpfhp,
            Algorithm::Bfd,
            Algorithm::Nnlshp,
        ] {
            let id = BenchmarkId::new(algorithm.name(), &dataset.name);
            group.bench_with_input(id, &dataset.histogram, |bencher, histogram| {
                bencher.iter(|| pack(histogram, algorithm, Some(3)).expect("packs"));
            });
        }
    }
    group.finish();
}

fn ingest(criterion: &mut Criterion) {
    let text = common::lengths_text(1_000_000);
    let mut group = criterion.benchmark_group("read text");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("1M lengths", |bencher| {
        bencher.iter(|| {
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
    });
    group.finish();
}

criterion_group!(benches, packers, ingest);
criterion_main!(benches);
