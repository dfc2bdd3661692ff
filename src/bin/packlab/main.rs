//! `packlab`: the command-line face of the Packlab library.
//!
//! This file holds the arguments and sends each subcommand to its module;
//! every figure comes from the library's questions
//! ([`packlab::analysis::Analyser`], [`packlab::assign::plan_sequences`]),
//! the same that answer the web page, so the two never disagree.
//!
//! Exit codes: 0 on success, 2 for bad input or arguments, 1 when Packlab
//! itself failed (a bug, reported as such).

mod assign;
mod compare;
mod histogram;
mod pack;
mod shared;
mod stats;
mod trainer;

use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;

use clap::{Args, Parser, Subcommand};

use packlab::flops::ModelPreset;
use packlab::input::Format;
use packlab::step_balance::StepShape;
use packlab::{MaxPerPack, OverlongPolicy, Preset};

/// Tokenizing text (`--tokenizer`) allocates a few small buffers for every
/// word; mimalloc serves them about twice as fast as the system's
/// allocator, on every core at once.
#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Files of sequence lengths or histograms: text, CSV, JSON, JSONL,
    /// NumPy .npy, a Megatron-LM / NeMo .idx, Parquet or Arrow (token-id
    /// lists or a length column), or a dataset folder (`save_to_disk`, or
    /// .arrow / .parquet shards, read in order); detected from the
    /// extension and content. Several merge into one dataset; `-` reads
    /// standard input.
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
    /// three tokens); or a Parquet column of token ids or lengths.
    /// Default: `length`, `num_tokens` and similar, or `input_ids`; in CSV,
    /// the only numeric column; in Parquet, the only list of integers.
    /// Text, .npy files and Megatron indexes have no fields and refuse it.
    #[arg(long, value_name = "NAME")]
    column: Option<String>,

    /// Megatron-LM / NeMo indexes (.idx): count documents, each one's
    /// sequences joined, instead of sequences (they differ for an index
    /// made with --split-sentences). Other formats refuse it.
    #[arg(long)]
    documents: bool,

    /// Read every file as this format instead of detecting it.
    #[arg(long, value_parser = Format::from_str)]
    format: Option<Format>,

    #[command(flatten)]
    tokenizer: TokenizerArgs,
}

/// Rows of raw text or conversations, counted with the model's tokenizer.
#[derive(Args)]
struct TokenizerArgs {
    /// Count the text of JSON Lines rows (or of a JSON array of rows) with
    /// this tokenizer.json, the model's own: `{"text": "..."}` as
    /// `tokenizer.encode(text)` counts it, `{"messages": [...]}` as
    /// `apply_chat_template(messages, tokenize=True)` does. Its folder's
    /// tokenizer_config.json (bos_token, eos_token, chat_template) and
    /// chat_template.jinja are read when present. Rows with a length field
    /// (length, num_tokens, input_ids) keep it.
    #[arg(long, value_name = "FILE")]
    tokenizer: Option<PathBuf>,

    /// With --tokenizer: the field of each row holding its text or its
    /// list of messages, tokenized on every row. Default: `text`, or
    /// `messages`.
    #[arg(long, value_name = "NAME", requires = "tokenizer")]
    text_field: Option<String>,

    /// With --tokenizer: the chat template for conversations, a Jinja file
    /// or a tokenizer_config.json, instead of the one beside the tokenizer.
    #[arg(long, value_name = "FILE", requires = "tokenizer")]
    chat_template: Option<PathBuf>,

    /// With --tokenizer: count texts without the special tokens the
    /// tokenizer adds to each (`add_special_tokens=False`). Conversations
    /// never get them: their template writes its own.
    #[arg(long, requires = "tokenizer")]
    no_special_tokens: bool,

    /// With --tokenizer: tokenize only a uniform random sample of ROWS rows
    /// (the same on every run) and estimate every row's length from it; the
    /// output says so. Not for `assign`, which needs every row's length.
    #[arg(long, value_name = "ROWS", requires = "tokenizer",
          value_parser = clap::value_parser!(u64).range(1..))]
    sample: Option<u64>,
}

#[derive(Args)]
struct PackArgs {
    #[command(flatten)]
    input: InputArgs,

    /// The packing algorithm: none, spfhp, lpfhp, nnlshp, bfd or optimal;
    /// or a trainer's own packing, simulated on the sequences in file
    /// order: trl-bfd, trl-bfd-split or trl-wrapped (TRL 1.16's
    /// `pack_dataset` strategies "bfd", "bfd_split" and "wrapped"),
    /// torchtune or torchtune-split (torchtune 0.7's `PackedDataset`,
    /// without and with `split_across_pack`), llamafactory (LLaMA-Factory
    /// 0.9.6's `packing`), axolotl or axolotl-sequential (axolotl 0.18's
    /// sample packing), llm-foundry (its `BinPackCollator`), nemo-ffs or
    /// nemo-ffd (NeMo / Megatron-Bridge packed sequences). See
    /// docs/trainers.md.
    #[arg(long, short, value_name = "NAME", default_value = "lpfhp", value_parser = pack::Packer::from_str)]
    algorithm: pack::Packer,

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

    #[command(flatten)]
    trainer: TrainerArgs,

    #[command(flatten)]
    steps: StepShapeArgs,

    /// Trainers: the seed of `--order shuffled` (default 42) and of a
    /// trainer's own shuffle (default: the trainer's own, 42 for axolotl,
    /// 17 for llm-foundry, 1234 for NeMo). With --world-size: the seed of
    /// the shuffled and balanced orders (default 0).
    #[arg(long, value_name = "S")]
    seed: Option<u64>,

    /// Print one JSON object (the report and the plan) instead of text.
    #[arg(long)]
    json: bool,
}

/// How a trainer's packing is simulated.
#[derive(Args)]
struct TrainerArgs {
    /// Trainers only: rows of the dataset per `datasets.map` batch, the
    /// window TRL and LLaMA-Factory pack within (LLaMA-Factory's
    /// `preprocessing_batch_size`).
    #[arg(long, value_name = "N", default_value_t = packlab::trainers::DEFAULT_MAP_BATCH_ROWS, value_parser = clap::value_parser!(u32).range(1..))]
    map_batch_rows: u32,

    /// Trainers only: the order the trainer reads the sequences in. A
    /// histogram has no order: it is read shuffled unless sorted.
    #[arg(long, value_enum, default_value_t = packlab::trainers::OrderChoice::AsGiven)]
    order: packlab::trainers::OrderChoice,

    /// axolotl only: `sample_packing_group_size`, samples packed together.
    #[arg(long, value_name = "N", default_value_t = packlab::trainers::DEFAULT_GROUP_SIZE, value_parser = clap::value_parser!(u32).range(1..))]
    group_size: u32,

    /// Trainers only: rows per optimizer step, at which the steps per
    /// epoch are counted; llm-foundry's collator returns this many rows
    /// per call.
    #[arg(long, value_name = "N", default_value_t = packlab::trainers::DEFAULT_BATCH_SIZE, value_parser = clap::value_parser!(u32).range(1..))]
    batch_size: u32,

    /// llm-foundry only: `packing_ratio`, examples read per row: `auto`
    /// (profiled, as llm-foundry does) or a number of at least 1.
    #[arg(long, value_name = "auto|R", default_value = "auto", value_parser = trainer::parse_packing_ratio)]
    packing_ratio: packlab::trainers::PackingRatio,

    /// axolotl only: `sample_packing_bin_size`, most samples in a bin.
    #[arg(long, value_name = "N", default_value_t = packlab::trainers::DEFAULT_BIN_SIZE, value_parser = clap::value_parser!(u32).range(1..))]
    bin_size: u32,
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

    /// Also simulate these trainers' own packing on the sequences in file
    /// order (comma-separated names, or `all`; see `pack --help`), each
    /// beside the best plan.
    #[arg(long, value_name = "NAMES|all", value_delimiter = ',')]
    trainers: Vec<String>,

    #[command(flatten)]
    trainer: TrainerArgs,

    #[command(flatten)]
    steps: StepShapeArgs,

    /// Trainers: the seed of `--order shuffled` (default 42) and of a
    /// trainer's own shuffle (default: the trainer's own, 42 for axolotl,
    /// 17 for llm-foundry, 1234 for NeMo). With --world-size: the seed of
    /// the shuffled and balanced orders (default 0).
    #[arg(long, value_name = "S")]
    seed: Option<u64>,

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

#[derive(Args)]
struct AssignArgs {
    /// The sequence lengths, one per sequence in dataset order: text, a CSV
    /// column, a JSON array, JSON Lines (a length field or input_ids), a
    /// 1-D NumPy .npy, a Megatron .idx, Parquet, Arrow, or a dataset folder
    /// (its shards in order); `-` reads standard input. A histogram has no order,
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

    /// Megatron indexes: one length per document, as for `pack --documents`.
    #[arg(long)]
    documents: bool,

    /// Read the file as this format instead of detecting it.
    #[arg(long, value_parser = Format::from_str)]
    format: Option<Format>,

    #[command(flatten)]
    tokenizer: TokenizerArgs,

    /// The packing algorithm, or a trainer whose own packing to write
    /// (as for `pack --algorithm`; see docs/trainers.md).
    #[arg(long, short, value_name = "NAME", default_value = "lpfhp", value_parser = pack::Packer::from_str)]
    algorithm: pack::Packer,

    /// Most sequences per pack: a number from 1, `unlimited`, or `default`:
    /// 3 for nnlshp (the paper's setting; its cost grows with the limit),
    /// no limit for the others.
    #[arg(long, value_name = "K|unlimited|default", default_value_t = MaxPerPack::AlgorithmDefault)]
    max_per_pack: MaxPerPack,

    /// NNLSHP only: plan lengths in buckets of N tokens (see `pack --help`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    bucket_tokens: Option<u32>,

    #[command(flatten)]
    trainer: TrainerArgs,

    /// Seed of the shuffles: the same seed and epoch give the same packs
    /// (default 0); with a trainer, the seed of its own shuffle (default:
    /// the trainer's own, as for `pack`).
    #[arg(long, value_name = "S")]
    seed: Option<u64>,

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
    /// holds indices[offsets[p]:offsets[p + 1]]. With --world-size, one
    /// pair per rank instead, PREFIX.rankR.indices.npy and
    /// PREFIX.rankR.offsets.npy: the packs rank R takes, in step order.
    #[arg(long, value_name = "PREFIX")]
    npy: Option<PathBuf>,

    /// Print the first N packs with their cu_seqlens and position_ids.
    #[arg(long, value_name = "N", default_value_t = 0)]
    preview: usize,

    #[command(flatten)]
    steps: StepArgs,
}

/// How training takes the packs, step by step, across data-parallel ranks.
#[derive(Args, Debug)]
struct StepShapeArgs {
    /// Lay the packs out in training steps of this many data-parallel
    /// ranks (GPUs) and measure how evenly each step spreads their work.
    /// For `assign`, each line of --out also says its "step" and "rank"
    /// (from 0), and the summary how much GPU time uneven steps lose.
    #[arg(long, value_name = "W", value_parser = clap::value_parser!(u32).range(1..))]
    world_size: Option<u32>,

    /// With --world-size: packs per rank in one forward pass.
    #[arg(long, value_name = "B", default_value_t = 1, requires = "world_size",
          value_parser = clap::value_parser!(u32).range(1..))]
    micro_batch: u32,

    /// With --world-size: forward passes per optimizer step.
    #[arg(long, value_name = "G", default_value_t = 1, requires = "world_size",
          value_parser = clap::value_parser!(u32).range(1..))]
    grad_accum: u32,
}

impl StepShapeArgs {
    /// The step's shape, with --world-size.
    fn shape(&self) -> Option<StepShape> {
        self.world_size.map(|world_size| StepShape {
            world_size,
            micro_batch: self.micro_batch,
            grad_accum: self.grad_accum,
        })
    }
}

/// `assign`'s steps: their shape, the model that weighs the packs, and
/// whether to balance them.
#[derive(Args, Debug)]
struct StepArgs {
    #[command(flatten)]
    shape: StepShapeArgs,

    /// With --world-size: the model whose training FLOPs weigh each pack
    /// (linear layers per token, attention per pair within each sequence),
    /// as for `compare --model`.
    #[arg(long, value_enum, default_value_t = ModelPreset::BertBase, requires = "world_size")]
    model: ModelPreset,

    /// With --world-size: order the packs so that every rank of a step
    /// has about the same work, instead of the shuffled order.
    #[arg(long, requires = "world_size")]
    balance: bool,
}

fn parse_preset(text: &str) -> Result<Preset, String> {
    Preset::from_name(text).ok_or_else(|| {
        let names: Vec<&str> = Preset::ALL.iter().map(|preset| preset.name()).collect();
        format!("unknown preset `{text}`: use {}", names.join(", "))
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Pack(args) => pack::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Stats(args) => stats::run(args),
        Command::Histogram(args) => histogram::run(args),
        Command::Assign(args) => assign::run(args),
    };
    shared::exit(outcome)
}
