// The page benchmark: how long the real page takes, in headless Chromium,
// for what users wait on. Prints a Markdown table. Run by `npm run bench`
// after the page is built (scripts/build.sh).
//
// Each figure is the median of several runs; the machine is shared, so
// quote the figures with the machine they came from.
//
//   node scripts/bench-page.mjs [WORDS]   only the rows whose name holds WORDS

import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

import { startServer } from './serve.mjs';

const RUNS = Number(process.env.PACKLAB_BENCH_RUNS || 3);

const server = await startServer(0);
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function readyAfter(page, timeout = 300_000) {
  await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout, polling: 10 });
  return page.evaluate(() => performance.now());
}

/** Milliseconds from navigation to every view current, for a hash. */
async function timeToReady(hash) {
  const times = [];
  for (let run = 0; run < RUNS; run += 1) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${origin}/#${hash}`);
    times.push(await readyAfter(page));
    await context.close();
  }
  return median(times);
}

/**
 * Milliseconds from navigation to the page's first complete render (the
 * page sets the mark packlab:first-render): the results table with every
 * algorithm's figures, NNLSHP's included, the greedy sweep and the closer
 * look, and every chart drawn with them. What comes after by design: the
 * optimal packer's row and the LP bound, NNLSHP's sweep over max per pack,
 * dynamic padding and the max_len sweep.
 */
async function timeToFirstRender(hash) {
  const times = [];
  for (let run = 0; run < RUNS; run += 1) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${origin}/#${hash}`);
    await page.waitForFunction(() => performance.getEntriesByName('packlab:first-render').length > 0, null, { timeout: 300_000, polling: 10 });
    times.push(await page.evaluate(() => performance.getEntriesByName('packlab:first-render')[0].startTime));
    await context.close();
  }
  return median(times);
}

/** The runtime the engine reports in the page for one algorithm and setting. */
async function engineRuntime(hash, algorithm) {
  const times = [];
  for (let run = 0; run < RUNS; run += 1) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${origin}/#${hash}`);
    await readyAfter(page);
    const value = await page.$eval(
      `[data-testid=results] tr[data-algorithm=${algorithm}] td[data-metric=runtime_ms]`,
      (cell) => Number(cell.dataset.value),
    );
    times.push(value);
    await context.close();
  }
  return median(times);
}

/** Milliseconds to read an uploaded file of `lines` lengths, until every view is current. */
async function uploadTime(lines) {
  const folder = join(tmpdir(), 'packlab-bench');
  mkdirSync(folder, { recursive: true });
  const path = join(folder, `lengths-${lines}.txt`);
  let state = 12345;
  const parts = [];
  for (let i = 0; i < lines; i += 1) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    parts.push(1 + (state % 2048));
  }
  writeFileSync(path, parts.join('\n') + '\n');
  return uploadUntilReady(path, '#algorithms=none,spfhp,lpfhp,bfd', lines);
}

/**
 * Milliseconds from giving the page at `hash` the file at `path` until
 * every view is current with its `sequences` (median of RUNS fresh pages);
 * `prepare(page)` sets the page up first (the reading options).
 */
async function uploadUntilReady(path, hash, sequences, prepare = async () => {}) {
  return (await uploadUntilReadyWithSpeed(path, hash, sequences, prepare)).milliseconds;
}

/**
 * As `uploadUntilReady`, and the reading speed the page itself reports for
 * the file (MB/s, from the read alone: no engine download, no analysis),
 * median of the runs; null where the page shows none.
 */
async function uploadUntilReadyWithSpeed(path, hash, sequences, prepare = async () => {}) {
  const times = [];
  const speeds = [];
  for (let run = 0; run < RUNS; run += 1) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${origin}/${hash}`);
    await readyAfter(page);
    await prepare(page);
    const started = await page.evaluate(() => performance.now());
    await page.setInputFiles('[data-testid=upload]', path);
    await page.waitForFunction(
      (expected) => {
        const cell = document.querySelector('[data-testid=results] tr[data-algorithm=none] td[data-metric=packs]');
        return cell && Number(cell.dataset.value) === expected && document.body.dataset.state === 'ready';
      },
      sequences,
      { timeout: 300_000, polling: 20 },
    );
    times.push((await page.evaluate(() => performance.now())) - started);
    const reported = (await page.locator('[data-testid=read-speed]').textContent()).match(/([\d.]+) (kB|MB|GB)\/s/);
    if (reported) speeds.push(Number(reported[1]) * { kB: 1e-3, MB: 1, GB: 1e3 }[reported[2]]);
    await context.close();
  }
  return { milliseconds: median(times), readSpeed: speeds.length ? median(speeds) : null };
}

/**
 * A histogram shaped like BERT's Wikipedia pre-training set at max_len 512
 * (16.3M sequences: a quarter fill the row, a tenth spread evenly, the rest
 * log-normal around 205 tokens, counts moved by up to ±3%), as a dense JSON
 * histogram file; returns its path and its number of sequences.
 */
function wikipediaSizedHistogram() {
  const maxLen = 512;
  const sequences = 16_300_000;
  const weights = [];
  let bulkTotal = 0;
  for (let length = 1; length < maxLen; length += 1) {
    const z = Math.log(length / (0.4 * maxLen)) / 0.5;
    const weight = Math.exp(-0.5 * z * z) / length;
    weights.push(weight);
    bulkTotal += weight;
  }
  let state = 2024;
  const jitter = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return 1 + 0.06 * (state / 2 ** 32 - 0.5);
  };
  const counts = weights.map((weight) => Math.round((0.65 * weight / bulkTotal + 0.1 / maxLen) * sequences * jitter()));
  counts.push(Math.round((0.25 + 0.1 / maxLen) * sequences));
  const folder = join(tmpdir(), 'packlab-bench');
  mkdirSync(folder, { recursive: true });
  const path = join(folder, 'wikipedia-sized-histogram.json');
  writeFileSync(path, JSON.stringify({ max_len: maxLen, counts }));
  return { path, total: counts.reduce((sum, count) => sum + count, 0) };
}

/**
 * Milliseconds from dropping a 16.3M-sequence histogram on the default
 * page until every view is current: every algorithm at the default
 * settings, the optimal packer and the LP bound, the sweeps, dynamic
 * padding and the max_len sweep.
 */
async function histogramDropTime() {
  const { path, total } = wikipediaSizedHistogram();
  return uploadUntilReady(path, '', total);
}

/**
 * NNLSHP's engine time on a page that is ready and idle: the engine called
 * on the main thread, each run on a fresh page. Against the page's own
 * flow (engineRuntime), where NNLSHP runs while the page starts (both
 * workers and the main thread compiling the engine, the first figures
 * being drawn), this is the engine alone.
 */
async function idleEngineRuntime(preset, depth) {
  const times = [];
  for (let run = 0; run < RUNS; run += 1) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${origin}/#algorithms=none`);
    await readyAfter(page);
    times.push(await page.evaluate(async ({ preset, depth }) => {
      const engine = await import('/www/pkg/packlab.js');
      await engine.default({ module_or_path: '/www/pkg/packlab_bg.wasm' });
      const dataset = engine.Dataset.fromPreset(preset);
      const answer = dataset.report({ max_len: dataset.defaultMaxLen(), algorithm: 'nnlshp', max_per_pack: depth });
      dataset.free();
      return answer.report.runtime_ms;
    }, { preset, depth }));
    await context.close();
  }
  return median(times);
}

/**
 * Milliseconds for the greedy packers' whole sweep over max per pack (1 to
 * 16 and unlimited; none, SPFHP, LPFHP and BFD) on a preset, in the page:
 * the engine's sweep question, timed in the browser around the call (with
 * the answer's conversion to JavaScript), each on a fresh dataset. `first`: the page's first such call,
 * which includes compiling the code it runs; `later`: the median of the
 * calls after it.
 */
async function greedySweepTime(preset) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${origin}/`);
  await readyAfter(page);
  const times = await page.evaluate(async ({ preset, runs }) => {
    const engine = await import('/www/pkg/packlab.js');
    await engine.default({ module_or_path: '/www/pkg/packlab_bg.wasm' });
    const depths = [...Array.from({ length: 16 }, (_, index) => index + 1), null];
    const measured = [];
    for (let run = 0; run <= runs; run += 1) {
      // A fresh dataset each time: a dataset keeps the plans it made, and a
      // second sweep on it would only read them back.
      const dataset = engine.Dataset.fromPreset(preset);
      const request = { max_len: dataset.defaultMaxLen(), algorithms: ['none', 'spfhp', 'lpfhp', 'bfd'], depths };
      const started = performance.now();
      const lines = dataset.sweep(request);
      measured.push(performance.now() - started);
      dataset.free();
      if (lines.length !== 4) throw new Error(`the sweep has ${lines.length} lines`);
    }
    return measured;
  }, { preset, runs: RUNS });
  await context.close();
  return { first: times[0], later: median(times.slice(1)) };
}

/**
 * A Parquet file of 400,000 rows of token ids (1 to 699 int32 ids each,
 * dictionary-encoded, `codec`-compressed), written by pyarrow in the
 * Python test venv (scripts/python-check.sh); returns its path.
 */
function parquetFile(codec) {
  const folder = join(tmpdir(), 'packlab-bench');
  mkdirSync(folder, { recursive: true });
  const path = join(folder, `tokens-${codec}.parquet`);
  const script = `
import sys
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
rng = np.random.default_rng(3)
lengths = rng.integers(1, 700, size=400_000)
offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
values = rng.integers(0, 32_000, size=int(offsets[-1]), dtype=np.int32)
ids = pa.ListArray.from_arrays(pa.array(offsets), pa.array(values))
pq.write_table(pa.table({"input_ids": ids}), sys.argv[1], compression=sys.argv[2])
`;
  execFileSync(join('target', 'python-venv', 'bin', 'python'), ['-c', script, path, codec]);
  return path;
}

/** Reading a Parquet file in the page, until every view is current: milliseconds and MB/s. */
async function parquetUploadTime(codec) {
  const path = parquetFile(codec);
  const { milliseconds, readSpeed } = await uploadUntilReadyWithSpeed(path, '#algorithms=none,spfhp,lpfhp,bfd', 400_000);
  return { milliseconds, megabytesPerSecond: statSync(path).size / 1e6 / (milliseconds / 1000), readSpeed };
}

/**
 * How fast a worker reads `path` through the browser (`File.slice`, then
 * `FileReaderSync`, as the page's file engine does) in slices of each
 * size: `{bytes: MB/s}`. Each read costs about the same whatever its size,
 * which is why the engine reads Parquet in large windows.
 */
async function sliceReadSpeeds(path) {
  const context = await browser.newContext();
  const page = await context.newPage();
  // A blank page: the site's content security policy allows no worker
  // made from a script in memory.
  await page.goto('about:blank');
  const input = await page.evaluateHandle(() => {
    const element = document.createElement('input');
    element.type = 'file';
    document.body.append(element);
    return element;
  });
  await input.asElement().setInputFiles(path);
  const speeds = await page.evaluate((element) => new Promise((resolve) => {
    const source = `onmessage = ({ data: file }) => {
      const reader = new FileReaderSync();
      const speeds = {};
      for (const slice of [16 * 1024, 256 * 1024, 1 << 20, 4 << 20, 16 << 20, 64 << 20]) {
        const started = performance.now();
        for (let at = 0; at < file.size; at += slice) reader.readAsArrayBuffer(file.slice(at, at + slice));
        speeds[slice] = file.size / 1e6 / ((performance.now() - started) / 1000);
      }
      postMessage(speeds);
    };`;
    const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
    worker.onmessage = ({ data }) => resolve(data);
    worker.postMessage(element.files[0]);
  }), input);
  await context.close();
  return speeds;
}

/**
 * JSON Lines of about 15 MB of English-like text and a byte-level BPE of
 * 8,000 tokens trained on it by `tokenizers` (the Python test venv);
 * returns their paths and the number of rows.
 */
function textRows() {
  const folder = join(tmpdir(), 'packlab-bench', 'text');
  mkdirSync(folder, { recursive: true });
  const script = `
import json, random, sys
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
folder = sys.argv[1]
draw = random.Random(1)
words = [("".join(draw.choice("etaoinshrdlucmfwypvbgkjqxz") for _ in range(draw.randint(1, 9)))) for _ in range(5000)]
rows = [" ".join(draw.choice(words) for _ in range(draw.randint(20, 400))) + "." for _ in range(12000)]
tokenizer = Tokenizer(models.BPE())
tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
tokenizer.decoder = decoders.ByteLevel()
tokenizer.train_from_iterator(rows[:2000], trainers.BpeTrainer(vocab_size=8000, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
tokenizer.save(f"{folder}/tokenizer.json")
with open(f"{folder}/rows.jsonl", "w") as out:
    for row in rows:
        out.write(json.dumps({"text": row}) + "\\n")
`;
  execFileSync(join('target', 'python-venv', 'bin', 'python'), ['-c', script, folder]);
  return { rows: join(folder, 'rows.jsonl'), tokenizer: join(folder, 'tokenizer.json'), count: 12000 };
}

/** Tokenizing JSON Lines of text in the page, until every view is current: milliseconds and MB/s. */
async function textUploadTime() {
  const { rows, tokenizer, count } = textRows();
  const { milliseconds, readSpeed } = await uploadUntilReadyWithSpeed(rows, '#algorithms=none,spfhp,lpfhp,bfd', count, async (page) => {
    await page.locator('summary', { hasText: 'Advanced reading options' }).click();
    await page.setInputFiles('[data-testid=tokenizer]', tokenizer);
  });
  return { milliseconds, megabytesPerSecond: statSync(rows).size / 1e6 / (milliseconds / 1000), readSpeed };
}

const greedy = 'algorithms=none,spfhp,lpfhp,bfd';
const rows = [];
const only = process.argv[2];
const wanted = (what) => !only || what.includes(only);
const show = (what, milliseconds, extra = '') => {
  const shown = milliseconds >= 1000 ? `${(milliseconds / 1000).toFixed(2)} s` : `${milliseconds.toFixed(milliseconds < 10 ? 1 : 0)} ms`;
  rows.push(`| ${what} | ${shown}${extra} |`);
  console.error(rows.at(-1));
};
const add = async (what, measure) => {
  if (wanted(what)) show(what, await measure());
};

await add('first complete render, default page (results with NNLSHP, charts)', () => timeToFirstRender(''));
await add('default page until idle (NNLSHP sweep over max-per-pack done too)', () => timeToReady(''));
await add('greedy algorithms only, until idle', () => timeToReady(greedy));
for (const preset of ['qa-finetuning-384', 'bert-pretraining-512', 'chat-finetuning-4096', 'long-context-32768']) {
  for (const depth of [3, 8]) {
    await add(`NNLSHP in the page, ${preset}, max ${depth} per pack (engine time)`, () => engineRuntime(`preset=${preset}&max_per_pack=${depth}&algorithms=nnlshp`, 'nnlshp'));
  }
}
for (const preset of ['qa-finetuning-384', 'bert-pretraining-512', 'chat-finetuning-4096', 'long-context-32768']) {
  for (const depth of [3, 8]) {
    await add(`NNLSHP on an idle page, ${preset}, max ${depth} per pack (engine time)`, () => idleEngineRuntime(preset, depth));
  }
}
for (const preset of ['qa-finetuning-384', 'bert-pretraining-512', 'long-context-32768']) {
  const what = `greedy sweep over max per pack (1–16, unlimited; 4 packers) in the page, ${preset}`;
  if (!wanted(what)) continue;
  const { first, later } = await greedySweepTime(preset);
  show(`${what}, first call`, first);
  show(`${what}, later calls`, later);
}
await add('a 16.3M-sequence histogram dropped on the default page, until every view is current', () => histogramDropTime());
for (const lines of [1_000_000, 16_000_000]) {
  await add(`upload of ${lines.toLocaleString('en')} lengths, read and analysed`, () => uploadTime(lines));
}
{
  const what = 'JSON Lines of text (15 MB) tokenized with a byte-level BPE, read and analysed';
  if (wanted(what)) {
    const { milliseconds, megabytesPerSecond, readSpeed } = await textUploadTime();
    show(what, milliseconds, `, ${megabytesPerSecond.toFixed(1)} MB of text a second; the tokenizing alone, as the page reports it: ${readSpeed} MB/s`);
  }
}
{
  const what = 'reading a file in slices through the browser (File.slice, FileReaderSync), 16 kB to 64 MB at a time';
  if (wanted(what)) {
    const speeds = await sliceReadSpeeds(parquetFile('none'));
    const kilobytes = (bytes) => (bytes >= 1 << 20 ? `${bytes >> 20} MB` : `${bytes >> 10} kB`);
    rows.push(`| ${what} | ${Object.entries(speeds).map(([bytes, speed]) => `${kilobytes(Number(bytes))}: ${speed.toFixed(0)} MB/s`).join(', ')} |`);
    console.error(rows[rows.length - 1]);
  }
}
for (const codec of ['none', 'snappy', 'zstd']) {
  const what = `Parquet of 400,000 rows of token ids (${codec}), read and analysed`;
  if (!wanted(what)) continue;
  const { milliseconds, megabytesPerSecond, readSpeed } = await parquetUploadTime(codec);
  show(what, milliseconds, `, ${megabytesPerSecond.toFixed(0)} MB of file a second; the read alone, as the page reports it: ${readSpeed} MB/s`);
}

await browser.close();
server.close();

console.log('| page benchmark (headless Chromium, median of ' + RUNS + ' runs) | time |');
console.log('|---|---|');
for (const row of rows) console.log(row);
