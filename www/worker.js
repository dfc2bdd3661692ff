// Packlab's compute worker: it holds one dataset and answers the page's
// requests from a table of actions. It runs the page's engine, and loads
// the file engine when files are first read (see src/wasm/mod.rs). The
// page runs two of these: the fast one reads files and answers the fast
// questions; the slow one runs NNLSHP, the optimal packer and the LP
// bound, whose long runs are cancelled by restarting its worker. A third,
// started for each plan of the user's own sequences and ended after it,
// runs `assignFiles` alone. A fourth, started when the page first shows
// the user's trainer, holds their sequences in order (`TrainerData`, from
// the file engine) and simulates the trainer's packing.
//
// Messages in: {id, action, args}. Out: {id, result} or {id, error, fatal},
// and {id, progress} while files are read. Requests run one at a time, in
// the order they arrive.

import init, { Dataset } from './pkg/packlab.js';
import initFiles, { FileReading, TrainerData, assignFiles, datasetShards } from './pkg/packlab_files.js';

/**
 * The file engine (the readers, and the plan of the user's own
 * sequences): a module of its own, fetched and compiled the first time a
 * user reads files of their own, so that other visits never download it.
 */
let filesEngine = null;
function loadFilesEngine() {
  // Relative to this script's bundle, www/dist/worker.js (see scripts/build.sh).
  filesEngine ??= initFiles({ module_or_path: new URL('../pkg/packlab_files_bg.wasm', import.meta.url) }).catch((error) => {
    filesEngine = null;
    throw new Error(`the file reader could not be loaded: ${error.message}`);
  });
  return filesEngine;
}

/** The dataset every request works on (an empty one until the first load). */
let dataset = null;

/** The sequences the trainer questions work on (see loadTrainerData), or null. */
let trainerData = null;
/** Why the last loadTrainerData failed, said to every trainer question after it. */
let trainerDataProblem = 'no sequences were given to the trainer simulation';

function trainerSequences() {
  if (!trainerData) throw new Error(`Your sequences could not be read for the trainer: ${trainerDataProblem}`);
  return trainerData;
}

/** The compact form of a dataset, its typed arrays handed over, not copied. */
function compact(source) {
  const pairs = source.pairs();
  return {
    value: {
      pairs,
      default_max_len: source.defaultMaxLen() ?? null,
      empty: source.isEmpty(),
    },
    transfer: [pairs.lengths.buffer, pairs.counts.buffer],
  };
}

function replaceDataset(next) {
  dataset?.free();
  dataset = next;
}

/**
 * The read options as the file engine takes them: the tokenizer files the
 * user picked (`tokenizerFiles`) read as text and named by their role, as
 * the command line finds them beside a tokenizer.json.
 */
function engineOptions({ tokenizerFiles = [], ...options } = {}) {
  if (!tokenizerFiles.length) return options;
  const reader = new FileReaderSync();
  const named = (file) => file && [file.name, reader.readAsText(file)];
  const config = tokenizerFiles.find((file) => file.name === 'tokenizer_config.json');
  const template = tokenizerFiles.find((file) => file.name.endsWith('.jinja'));
  const json = tokenizerFiles.find((file) => file !== config && file.name.endsWith('.json'));
  if (!json) {
    throw new Error(`${tokenizerFiles.map((file) => file.name).join(', ')}: no tokenizer.json among the tokenizer files; ` +
      'choose the model’s tokenizer.json, with its tokenizer_config.json and chat_template.jinja if it has them');
  }
  return { ...options, tokenizer: { tokenizer: named(json), config: named(config), chat_template: named(template) } };
}

/**
 * The shards of a dataset folder (`files`, the files directly in it), in
 * the order of the dataset's rows, by the rule the command line follows
 * for a folder (`datasetShards`): its state.json's list, or its .arrow and
 * .parquet files by name.
 */
function folderShards(folder, files) {
  const state = files.find((file) => file.name === 'state.json');
  const stateText = state ? new FileReaderSync().readAsText(state) : undefined;
  const byName = new Map(files.map((file) => [file.name, file]));
  return datasetShards(folder, files.map((file) => file.name), stateText).map((name) => byName.get(name));
}

/** Text files at least this large are tokenized by several workers at once. */
const PARALLEL_TEXT_BYTES = 4 * 1024 * 1024;

/** Milliseconds since the worker started, for each file's reading speed. */
const now = () => performance.now();

/**
 * Reads one file into `reading` (all or nothing) and returns what the page
 * shows of it: `{name, format, sequences, bytes, notes, seconds}`, and for
 * text counted with a tokenizer, `tokens` and the `workers` that
 * tokenized it. A large JSON Lines file of text is cut at line ends into
 * one part per core, each tokenized by a worker of its own (tokenizing is
 * most of the time of reading it); should any part fail, the file is read
 * again here whole, so that the error names the right line.
 */
async function readOneFile(reading, file, name, options, readOptions, onProgress) {
  const started = now();
  const parts = textParts(file, name, readOptions);
  let own = new FileReading();
  try {
    let stats = null;
    if (parts.length > 1) {
      stats = await readInParts(own, file, name, options, parts, onProgress);
      if (!stats) {
        own.free();
        own = new FileReading();
      }
    }
    const workers = stats ? parts.length : 1;
    stats ??= own.readFile(file, name, readOptions, onProgress);
    const pairs = own.pairs();
    reading.addPairs(pairs.lengths, pairs.counts);
    const record = { name, ...stats, seconds: (now() - started) / 1000 };
    if (readOptions.tokenizer) {
      record.tokens = Number(pairs.lengths.reduce((sum, length, at) => sum + length * pairs.counts[at], 0n));
      record.workers = workers;
    }
    return record;
  } finally {
    own.free();
  }
}

/** The parts a text file is tokenized in: `[start, end)` byte ranges, cut after a line end. */
function textParts(file, name, readOptions) {
  const jsonLines = readOptions.format === 'jsonl' || (!readOptions.format && /\.(jsonl|ndjson)$/i.test(name));
  const cores = Math.min(navigator.hardwareConcurrency || 1, 8);
  if (!readOptions.tokenizer || readOptions.sample_rows || !jsonLines || file.size < PARALLEL_TEXT_BYTES || cores < 2) {
    return [[0, file.size]];
  }
  const reader = new FileReaderSync();
  const cuts = [0];
  for (let part = 1; part < cores; part += 1) {
    let at = Math.max(Math.floor((file.size * part) / cores), cuts[cuts.length - 1]);
    for (;;) {
      if (at >= file.size) break;
      const chunk = new Uint8Array(reader.readAsArrayBuffer(file.slice(at, at + 65536)));
      const newline = chunk.indexOf(10);
      if (newline >= 0) {
        at += newline + 1;
        break;
      }
      at += chunk.length;
    }
    cuts.push(Math.min(at, file.size));
  }
  cuts.push(file.size);
  return cuts.slice(1).map((end, part) => [cuts[part], end]).filter(([start, end]) => end > start);
}

/** One request to a helper worker: `{id, action, args}` out, its answer back. */
function ask(worker, action, args, onProgress) {
  return new Promise((resolve, reject) => {
    worker.onmessage = ({ data }) => {
      if ('progress' in data) onProgress(data.progress);
      else if ('error' in data) reject(new Error(data.error));
      else resolve(data.result);
    };
    worker.onerror = (event) => reject(new Error(event.message || 'a tokenizing worker stopped'));
    worker.postMessage({ id: 1, action, args });
  });
}

/**
 * Tokenizes the `parts` of `file` in workers of their own and adds their
 * lengths to `reading`; null (nothing added) when a part fails.
 */
async function readInParts(reading, file, name, options, parts, onProgress) {
  const helpers = parts.map(() => new Worker(new URL(import.meta.url), { type: 'module', name: 'tokenizer' }));
  const loaded = parts.map(() => 0);
  try {
    const answers = await Promise.all(parts.map(([start, end], part) =>
      ask(helpers[part], 'readPart', { file, start, end, name, options: { ...options, format: 'jsonl' } }, (bytes) => {
        loaded[part] = bytes;
        onProgress(loaded.reduce((sum, value) => sum + value, 0));
      })));
    for (const { pairs } of answers) reading.addPairs(pairs.lengths, pairs.counts);
    const notes = [...new Set(answers.flatMap(({ stats }) => stats.notes))];
    return { format: 'jsonl', sequences: answers.reduce((sum, { stats }) => sum + stats.sequences, 0), bytes: file.size, notes };
  } catch {
    return null;
  } finally {
    for (const helper of helpers) helper.terminate();
  }
}

const actions = {
  /** Instantiates the engine from the module the page compiled once. */
  async init({ module }) {
    await init({ module_or_path: module });
    dataset = new Dataset();
    return { value: true };
  },

  /** Replaces the dataset with a synthetic preset. */
  loadPreset({ name }) {
    replaceDataset(Dataset.fromPreset(name));
    return compact(dataset);
  },

  /**
   * Reads several files into one dataset. They are read by the file
   * engine, and join the dataset only when every file succeeded: a failed
   * upload changes nothing.
   */
  async readFiles({ files, options, append, folder = null }, progress) {
    await loadFilesEngine();
    if (folder !== null) files = folderShards(folder, files);
    const readOptions = engineOptions(options);
    const reading = new FileReading();
    const total = files.reduce((sum, file) => sum + file.size, 0);
    const read = [];
    let done = 0;
    let incoming;
    try {
      for (const [index, file] of files.entries()) {
        const name = folder === null ? file.name : `${folder}/${file.name}`;
        const onProgress = (bytesRead) => progress({ loaded: done + bytesRead, total, file: file.name, index, count: files.length });
        read.push(await readOneFile(reading, file, name, options, readOptions, onProgress));
        done += file.size;
      }
      if (reading.isEmpty()) {
        throw new Error(
          `${files.map((file) => file.name).join(', ')}: no sequence lengths found; ` +
            'check that the file holds lengths (one per line, a length column, or a histogram)',
        );
      }
      const pairs = reading.pairs();
      incoming = Dataset.fromPairs(pairs.lengths, pairs.counts, pairs.declared_max_len ?? undefined);
    } finally {
      reading.free();
    }
    let target = incoming;
    if (append) {
      target = dataset.copy();
      try {
        target.merge(incoming);
      } catch (error) {
        target.free();
        throw error;
      } finally {
        incoming.free();
      }
    }
    replaceDataset(target);
    const { value, transfer } = compact(dataset);
    // The files in the order read: a folder's shards, which the trainer
    // and the plan of sequences read again in that order.
    return { value: { ...value, files: read, uploads: files }, transfer };
  },

  /**
   * A part of a large text file (bytes `start` to `end`, cut at line
   * ends), for a worker reading it in parts (see readInParts): its lengths
   * in compact form, and what was read.
   */
  async readPart({ file, start, end, name, options }, progress) {
    await loadFilesEngine();
    const reading = new FileReading();
    try {
      const stats = reading.readFile(file.slice(start, end), name, engineOptions(options), progress);
      const pairs = reading.pairs();
      return { value: { pairs, stats }, transfer: [pairs.lengths.buffer, pairs.counts.buffer] };
    } finally {
      reading.free();
    }
  },

  /** Replaces the dataset with one the page holds in compact form. */
  restore({ pairs }) {
    replaceDataset(Dataset.fromPairs(pairs.lengths, pairs.counts, pairs.declared_max_len ?? undefined));
    return { value: true };
  },

  // One action per question the page asks (see the engine's `Dataset` and
  // www/questions.js).
  summary: (request) => ({ value: dataset.summary(request) }),
  report: (request) => ({ value: dataset.report(request) }),
  sweep: (request) => ({ value: dataset.sweep(request) }),
  planDetail: (request) => ({ value: dataset.planDetail(request) }),
  stepBalance: (request) => ({ value: dataset.stepBalance(request) }),
  lpBound: (request) => ({ value: dataset.lpBound(request) }),
  dynamicPadding: (request) => ({ value: dataset.dynamicPadding(request) }),
  flops: (request) => ({ value: dataset.flops(request) }),
  maxLenSweep: (request) => ({ value: dataset.maxLenSweep(request) }),
  /** One algorithm's whole plan, as `packlab pack --json` prints it. */
  packPlan: (request) => ({ value: dataset.packPlan(request) }),

  /**
   * The sequences a trainer's packing is simulated on: the user's files
   * read again in order (`files`, read with `options`), or, for data with
   * no order (an example, a histogram file), every length of `pairs`.
   */
  async loadTrainerData({ files = [], options, pairs }) {
    trainerData?.free();
    trainerData = null;
    try {
      await loadFilesEngine();
      // More sequences than a simulation reads: the files are not read
      // again, and fromPairs refuses them with the reason.
      const sequences = pairs.counts.reduce((sum, count) => sum + count, 0n);
      const readable = sequences <= BigInt(TrainerData.maxSequences());
      const names = files.map((file) => file.name);
      const inOrder = files.length && readable ? TrainerData.fromFiles(files, names, engineOptions(options), () => {}) : undefined;
      trainerData = inOrder ?? TrainerData.fromPairs(pairs.lengths, pairs.counts);
    } catch (error) {
      trainerDataProblem = errorMessage(error);
      throw error;
    }
    return { value: trainerData.ordered() };
  },
  /** A trainer's packing of those sequences: `TrainerRequest` → `TrainerAnswer`. */
  trainer: (request) => ({ value: trainerSequences().simulate(request) }),
  /** Its rows at several max_len: `{request, max_lens}` → `TrainerPoint[]`. */
  trainerMaxLenSweep: ({ request, max_lens }) => ({ value: trainerSequences().maxLenSweep(request, Uint32Array.from(max_lens)) }),

  /**
   * Which of the user's sequences go in which pack, as `packlab assign`
   * writes it: the files are read again, in order, one length per sequence
   * (the dataset is left alone, as it holds counts, not the order). The
   * three files come back as buffers handed over, not copied.
   */
  async assignFiles({ files, options, request }, progress) {
    await loadFilesEngine();
    const total = files.reduce((sum, file) => sum + file.size, 0);
    // The engine reports the bytes read of each file in turn (never of an
    // empty one): summed here over the files, for one progress bar.
    let index = 0;
    let done = 0;
    const skipEmpty = () => {
      while (index < files.length && files[index].size === 0) index += 1;
    };
    skipEmpty();
    const plan = assignFiles(files, files.map((file) => file.name), engineOptions(options), request, (bytesRead, size) => {
      progress({ loaded: done + bytesRead, total, file: files[index]?.name ?? '', index, count: files.length });
      if (bytesRead >= size) {
        done += size;
        index += 1;
        skipEmpty();
      }
    });
    return { value: plan, transfer: [plan.jsonl.buffer, plan.indices_npy.buffer, plan.offsets_npy.buffer] };
  },
};

function errorMessage(error) {
  if (error instanceof Error) return error.message;
  return String(error);
}

async function handle({ id, action, args }) {
  const run = actions[action];
  if (!run) {
    postMessage({ id, error: `unknown action \`${action}\`` });
    return;
  }
  try {
    const progress = (value) => postMessage({ id, progress: value });
    const { value, transfer = [] } = await run(args ?? {}, progress);
    postMessage({ id, result: value }, transfer);
  } catch (error) {
    // A RuntimeError is a trap inside the engine (a bug, never bad input):
    // the instance may be unusable, so the page restarts this worker.
    const fatal = error instanceof WebAssembly.RuntimeError;
    postMessage({ id, error: errorMessage(error), fatal });
  }
}

// Set before the engine loads, so no early message is lost; requests queue
// behind `init` and run in order.
let queue = Promise.resolve();
self.onmessage = (event) => {
  queue = queue.then(() => handle(event.data));
};
