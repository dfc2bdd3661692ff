// The real page in headless Chromium, through the test contract every
// automation relies on (data-testid attributes, data-value cells and
// document.body.dataset.state).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  repositoryRoot,
  newGuardedPage,
  openHarness,
  packlabBinary,
  packlabJson,
  readResults,
  saveFullPageScreenshot,
  saveScreenshot,
  scratchFile,
  waitForSequences,
  waitReady,
} from './harness.mjs';

const METRICS = ['packs', 'efficiency', 'padding_fraction', 'speedup'];
const CHARTS = ['histogram-chart', 'comparison-chart', 'sweep-chart', 'max-len-sweep-chart', 'anatomy-chart', 'mask-chart'];

/** Lengths from a fixed linear congruential sequence: a bell around 180 tokens. */
function syntheticLengths(count, seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const lengths = [];
  for (let i = 0; i < count; i += 1) {
    const sum = next() + next() + next() + next();
    lengths.push(Math.max(1, Math.round(sum * 90)));
  }
  return lengths;
}

/** The cells `td[data-metric][data-value]` of a row, as {metric: number}. */
async function readRow(row) {
  return row.evaluate((element) =>
    Object.fromEntries([...element.querySelectorAll('td[data-metric]')].map((cell) => [cell.dataset.metric, Number(cell.dataset.value)])),
  );
}

/** How many distinct colours a canvas shows, sampled. */
async function canvasColours(locator) {
  return locator.evaluate((element) => {
    const { width, height } = element;
    const pixels = element.getContext('2d').getImageData(0, 0, width, height).data;
    const seen = new Set();
    for (let i = 0; i < pixels.length; i += 4 * 97) seen.add(pixels.slice(i, i + 3).join());
    return { width, height, distinct: seen.size };
  });
}

/** Asserts `actual` is within a relative `tolerance` of `expected`. */
function assertClose(actual, expected, tolerance, message) {
  const scale = Math.max(Math.abs(expected), 1);
  assert.ok(Math.abs(actual - expected) <= tolerance * scale, `${message}: ${actual}, expected ${expected}`);
}

/** A short digest of a chart's pixels, to tell whether it changed. */
async function chartFingerprint(page, testId) {
  const url = await page.locator(`[data-testid=${testId}]`).evaluate((element) => element.toDataURL());
  return createHash('sha256').update(url).digest('hex').slice(0, 16);
}

async function setMaxPerPack(page, value) {
  const control = page.locator('[data-testid=max-per-pack]');
  const tag = await control.evaluate((element) => element.tagName);
  if (tag === 'SELECT') {
    await control.selectOption(String(value));
  } else {
    await control.fill(String(value));
    await control.dispatchEvent('change');
  }
}

/**
 * Runs `packlab assign FILE … --out PLAN --npy PREFIX` and returns the
 * files it wrote: {jsonl, indices, offsets} as Buffers.
 */
function packlabAssign(file, args) {
  const folder = mkdtempSync(join(tmpdir(), 'packlab-assign-'));
  const prefix = join(folder, 'plan');
  execFileSync(packlabBinary(), ['assign', file, ...args, '--out', `${prefix}.jsonl`, '--npy', prefix], {
    cwd: repositoryRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return {
    jsonl: readFileSync(`${prefix}.jsonl`),
    indices: readFileSync(`${prefix}.indices.npy`),
    offsets: readFileSync(`${prefix}.offsets.npy`),
  };
}

/** Clicks what starts a download and returns {name, bytes} of the file saved. */
async function downloadedBytes(page, click) {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), click()]);
  return { name: download.suggestedFilename(), bytes: readFileSync(await download.path()) };
}

/**
 * Checks a JSON Lines plan of `lengths` by itself: every index from 0 to
 * N - 1 in exactly one pack, each with its own length, no pack over
 * `maxLen` tokens or `maxPerPack` sequences. Returns the packs.
 */
function assertValidSequencePlan(text, lengths, maxLen, maxPerPack) {
  const packs = text.trimEnd().split('\n').map((line) => JSON.parse(line));
  const seen = new Uint8Array(lengths.length);
  for (const [number, pack] of packs.entries()) {
    assert.equal(pack.indices.length, pack.lengths.length, `pack ${number}: a length beside each index`);
    assert.ok(pack.indices.length >= 1 && pack.indices.length <= maxPerPack, `pack ${number} holds 1 to ${maxPerPack} sequences`);
    const tokens = pack.lengths.reduce((sum, length) => sum + length, 0);
    assert.ok(tokens <= maxLen, `pack ${number} holds ${tokens} tokens, at most max_len ${maxLen}`);
    for (const [position, index] of pack.indices.entries()) {
      assert.ok(Number.isInteger(index) && index >= 0 && index < lengths.length, `pack ${number}: index ${index} is a sequence`);
      assert.equal(seen[index], 0, `sequence ${index} is in one pack only`);
      seen[index] = 1;
      assert.equal(pack.lengths[position], Math.min(lengths[index], maxLen), `sequence ${index} keeps its length`);
    }
  }
  assert.equal(seen.indexOf(0), -1, 'every sequence is in a pack');
  return packs;
}

/** Sets a number field of the page and applies it at once. */
async function setNumber(page, testId, value) {
  const field = page.locator(`[data-testid=${testId}]`);
  await field.fill(String(value));
  await field.dispatchEvent('change');
}

/** Checks the page's results table against `packlab pack --json` on the same file. */
async function assertSameAsCli(page, file, maxPerPack) {
  const results = await readResults(page);
  const maxLen = await page.locator('[data-testid=max-len]').inputValue();
  assert.ok(Object.keys(results).length >= 4, 'the results list the algorithms');
  for (const [algorithm, cells] of Object.entries(results)) {
    const cli = packlabJson(['pack', file, '--algorithm', algorithm, '--max-len', maxLen, '--max-per-pack', String(maxPerPack), '--json']);
    for (const metric of METRICS) {
      assert.equal(cells[metric], cli[metric], `${algorithm} ${metric}: page ${cells[metric]}, CLI ${cli[metric]}`);
    }
    assert.ok(Number.isFinite(cells.runtime_ms) && cells.runtime_ms >= 0, `${algorithm} runtime_ms`);
    const limit = Number(await page.locator('[data-testid=speedup-limit]').getAttribute('data-value'));
    assert.equal(limit, cli.speedup_limit, 'the speed-up limit');
  }
}

/**
 * Chat-like JSON Lines: `count` rows of `input_ids`, lengths from 20 to
 * 2,000 tokens, most of them short (a fixed linear congruential sequence).
 */
function chatLikeJsonl(count, seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const lengths = [];
  const lines = [];
  for (let i = 0; i < count; i += 1) {
    const length = Math.min(2000, 20 + Math.floor(2000 * next() ** 3));
    lengths.push(length);
    lines.push(JSON.stringify({ input_ids: Array.from({ length }, (_, id) => id % 7) }));
  }
  return { lengths, text: `${lines.join('\n')}\n` };
}

/**
 * Checks that the verdict says what the results table says: its best row
 * (the fewest packs, no packing aside), that row's padding, packs and
 * limit on sequences per pack, and no packing's padding.
 */
async function assertVerdictIsTheTable(page) {
  const results = await readResults(page);
  const packers = Object.entries(results).filter(([name]) => name !== 'none');
  const fewest = Math.min(...packers.map(([, cells]) => cells.packs));
  const bestRow = page.locator('[data-testid=results] tr[data-best=true]');
  const bestName = await bestRow.getAttribute('data-algorithm');
  assert.equal(results[bestName].packs, fewest, 'the row marked best has the fewest packs');
  const best = page.locator('[data-testid=verdict-best]');
  assert.equal(await best.getAttribute('data-algorithm'), bestName, 'the verdict names the best row');
  assert.equal(Number(await best.getAttribute('data-value')), results[bestName].padding_fraction, 'the verdict gives its padding');
  const limit = await bestRow.locator('td[data-metric=max_per_pack]').getAttribute('data-value');
  assert.equal(await best.getAttribute('data-max-per-pack'), limit, 'the verdict gives its limit');
  assert.match(await best.innerText(), limit === 'unlimited' ? /no limit on sequences per pack/ : new RegExp(`at most ${limit} sequences per pack`));
  assert.equal(Number(await page.locator('[data-testid=verdict-rows]').getAttribute('data-value')), fewest);
  if (results.none) {
    assert.equal(
      Number(await page.locator('[data-testid=verdict-padding]').getAttribute('data-value')),
      results.none.padding_fraction,
      'padding without packing is the no-packing row',
    );
  }
  return { results, bestName };
}

describe('the Packlab page', () => {
  let harness;
  before(async () => {
    harness = await openHarness();
  });
  after(async () => {
    await harness?.close();
  });

  test('the default dataset renders every view', async () => {
    const { page, context, problems } = await newGuardedPage(harness);
    await page.goto(harness.origin + '/');
    await waitReady(page);
    for (const chart of CHARTS) {
      const canvas = page.locator(`[data-testid=${chart}]`);
      await canvas.scrollIntoViewIfNeeded();
      const colours = await canvas.evaluate((element) => {
        const target = element.tagName === 'CANVAS' ? element : element.querySelector('canvas');
        const { width, height } = target;
        const pixels = target.getContext('2d').getImageData(0, 0, width, height).data;
        const seen = new Set();
        for (let i = 0; i < pixels.length; i += 4 * 97) seen.add(pixels.slice(i, i + 3).join());
        return { width, height, distinct: seen.size };
      });
      assert.ok(colours.width > 100 && colours.height > 100, `${chart} has a size`);
      assert.ok(colours.distinct > 3, `${chart} is drawn (${colours.distinct} colours sampled)`);
      await saveScreenshot(canvas, `default-${chart}`);
    }
    const results = await readResults(page);
    for (const algorithm of ['none', 'spfhp', 'lpfhp', 'nnlshp', 'bfd']) {
      assert.ok(results[algorithm], `a row for ${algorithm}`);
      assert.ok(results[algorithm].packs > 0);
    }
    const limit = Number(await page.locator('[data-testid=speedup-limit]').getAttribute('data-value'));
    assert.equal(results.none.efficiency, 1 / limit, 'no packing is the speed-up limit away from no padding');
    await page.evaluate(() => window.scrollTo(0, 0));
    await saveScreenshot(page, 'default-page-1280x800');
    await saveFullPageScreenshot(page, 'default-full-page');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('an uploaded lengths file gives the same numbers as the CLI', async () => {
    const { page, context, problems } = await newGuardedPage(harness);
    await page.goto(harness.origin + '/');
    await waitReady(page);
    const lengths = syntheticLengths(5000, 7);
    const file = scratchFile('lengths.txt', lengths.join('\n') + '\n');
    await page.setInputFiles('[data-testid=upload]', file);
    await waitForSequences(page, lengths.length);
    await setMaxPerPack(page, 3);
    await waitReady(page);
    await assertSameAsCli(page, file, 3);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('an uploaded histogram file gives the same numbers as the CLI', async () => {
    const { page, context, problems } = await newGuardedPage(harness);
    await page.goto(harness.origin + '/');
    await waitReady(page);
    const counts = new Array(256).fill(0);
    for (const length of syntheticLengths(3000, 11)) counts[Math.min(length, 256) - 1] += 1;
    const file = scratchFile('histogram.json', JSON.stringify({ max_len: 256, counts }));
    await page.setInputFiles('[data-testid=upload]', file);
    await waitForSequences(page, 3000);
    assert.equal(await page.locator('[data-testid=max-len]').inputValue(), '256');
    await setMaxPerPack(page, 2);
    await waitReady(page);
    await assertSameAsCli(page, file, 2);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('uploaded chat-like lengths at max_len 2,048: the defaults are the CLI\'s, and the verdict is the table\'s best row', async () => {
    const { page, context, problems } = await newGuardedPage(harness);
    await page.goto(harness.origin + '/');
    await waitReady(page);
    assert.equal(await page.locator('[data-testid=max-per-pack]').inputValue(), 'default', 'the page starts at the default limits');
    const { lengths, text } = chatLikeJsonl(3000, 5);
    const file = scratchFile('chat.jsonl', text);
    await page.setInputFiles('[data-testid=upload]', file);
    await waitForSequences(page, lengths.length);
    // The longest sequence is the default; the next power of two is offered.
    assert.equal(await page.locator('[data-testid=max-len]').inputValue(), String(Math.max(...lengths)));
    const powerOfTwo = page.locator('[data-testid=max-len-power-of-two]');
    assert.equal(await powerOfTwo.innerText(), 'Use 2,048');
    await powerOfTwo.click();
    await page.waitForFunction(() => /max_len=2048/.test(location.hash), null, { timeout: 10_000 });
    assert.equal(await powerOfTwo.isVisible(), false, 'nothing left to offer');
    await waitReady(page);
    assert.doesNotMatch(page.url(), /max_per_pack=/, 'the default limit is left out of the link');

    const { results, bestName } = await assertVerdictIsTheTable(page);
    const cli = packlabJson(['compare', file, '--max-len', '2048', '--json']);
    const cliReports = new Map(cli.reports.map((report) => [report.algorithm, report]));
    for (const [algorithm, cells] of Object.entries(results)) {
      const report = cliReports.get(algorithm);
      assert.equal(cells.packs, report.packs, `${algorithm}: the page's packs are the CLI's at its defaults`);
      const limit = await page.locator(`[data-testid=results] tr[data-algorithm=${algorithm}] td[data-metric=max_per_pack]`).getAttribute('data-value');
      assert.equal(limit, report.max_per_pack === null ? 'unlimited' : String(report.max_per_pack), `${algorithm}: the CLI's limit`);
    }
    assert.equal(await page.locator('[data-testid=results] tr[data-algorithm=nnlshp] td[data-metric=max_per_pack]').getAttribute('data-value'), '3');
    const cliBest = Math.min(...cli.reports.filter((report) => report.algorithm !== 'none').map((report) => report.packs));
    assert.equal(results[bestName].packs, cliBest, 'the verdict is `packlab compare`\'s best');
    assert.ok(results[bestName].padding_fraction < 0.02, `little padding is left on chat-like data (${results[bestName].padding_fraction})`);
    await saveScreenshot(page.locator('[data-testid=verdict]'), 'verdict-chat-upload');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('the verdict and the table agree under truncate, drop and error', async () => {
    const { page, context, problems } = await newGuardedPage(harness);
    await page.goto(harness.origin + '/#preset=bert-pretraining-512&max_len=500&overlong=drop');
    await waitReady(page);
    await assertVerdictIsTheTable(page);
    const loss = page.locator('[data-testid=verdict-loss]');
    const dropped = await loss.innerText();
    assert.match(dropped, /longer than max_len 500 and are dropped: [\d,]+ tokens \([\d.]+% of the data\) are never trained on/);
    const summary = await page.$$eval('[data-testid=summary] dd[data-stat]', (cells) => Object.fromEntries(cells.map((cell) => [cell.dataset.stat, Number(cell.dataset.value)])));
    const results = await readResults(page);
    assert.equal(results.none.packs, summary.sequences - summary.overlong, 'no packing counts the sequences kept');
    assert.ok(dropped.includes(`${summary.overlong.toLocaleString('en-US')} sequences`), dropped);
    await saveScreenshot(page.locator('[data-testid=verdict]'), 'verdict-drop');

    await page.locator('[data-testid=overlong]').selectOption('truncate');
    await page.waitForFunction(() => /overlong=truncate/.test(location.hash), null, { timeout: 10_000 });
    await waitReady(page);
    await assertVerdictIsTheTable(page);
    assert.match(await loss.innerText(), /longer than max_len 500 and are truncated to it: [\d,]+ tokens/);
    assert.equal((await readResults(page)).none.packs, summary.sequences, 'truncation keeps every sequence');

    await page.locator('[data-testid=overlong]').selectOption('error');
    const error = page.locator('[data-testid=error]');
    await error.waitFor({ state: 'visible', timeout: 30_000 });
    const message = await error.innerText();
    assert.match(message, /longer than max_len 500/);
    assert.doesNotMatch(message, /--max-len|--overlong/, 'the page speaks of its own settings, not command-line flags');
    const verdict = await page.locator('[data-testid=verdict]').innerText();
    assert.match(verdict, /No figures at these settings/);
    assert.match(verdict, /Raise max_len to 512 or more, or choose Truncate or Drop/, 'the verdict says why and what to change');
    assert.equal(await loss.isVisible(), false, 'no note of another policy stays on screen');
    assert.equal(await page.locator('[data-testid=results]').isVisible(), false, 'no figures of other settings stay on screen');
    await saveScreenshot(page, 'overlong-error');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('changing max-per-pack changes the results and the sweep', async () => {
    const { page, context, problems } = await newGuardedPage(harness);
    await page.goto(harness.origin + '/');
    await waitReady(page);
    await setMaxPerPack(page, 3);
    await waitReady(page);
    const before = await readResults(page);
    const sweepBefore = await chartFingerprint(page, 'sweep-chart');
    await setMaxPerPack(page, 1);
    await waitReady(page);
    const afterChange = await readResults(page);
    assert.equal(afterChange.spfhp.packs, afterChange.none.packs, 'one sequence per pack is no packing');
    assert.ok(before.spfhp.packs < afterChange.spfhp.packs, 'a deeper limit packs into fewer rows');
    const sweepAfter = await chartFingerprint(page, 'sweep-chart');
    assert.notEqual(sweepAfter, sweepBefore, 'the sweep marks the chosen setting');
    assert.match(page.url(), /max_per_pack=1/, 'the settings are in the shareable URL');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("NNLSHP's bucket width: chosen automatically, shown, and overridable", async () => {
    const { page, context, problems } = await newGuardedPage(harness);
    await page.goto(harness.origin + '/#preset=chat-finetuning-4096&max_len=4096&max_per_pack=3');
    await waitReady(page);
    const note = page.locator('[data-testid=bucketing]');
    const field = page.locator('[data-testid=bucket-tokens]');
    assert.equal(await note.getAttribute('data-bucket-tokens'), '8', 'max_len 4096 is planned in buckets of 4096 / 512 tokens');
    assert.match(await note.innerText(), /chosen automatically/);
    assert.equal(await field.inputValue(), '', 'automatic leaves the field empty');
    assert.match(await field.getAttribute('placeholder'), /automatic \(8\)/);

    await field.fill('16');
    await page.waitForFunction(() => document.querySelector('[data-testid=bucketing]')?.dataset.bucketTokens === '16', null, { timeout: 60_000 });
    await waitReady(page);
    assert.match(page.url(), /bucket=16/, 'the width is in the shareable URL');
    const results = await readResults(page);
    const cli = packlabJson(['pack', '--preset', 'chat-finetuning-4096', '--algorithm', 'nnlshp', '--max-len', '4096',
      '--max-per-pack', '3', '--bucket-tokens', '16', '--json']);
    for (const metric of METRICS) assert.equal(results.nnlshp[metric], cli[metric], `nnlshp ${metric} at bucket width 16`);

    await field.fill('');
    await page.waitForFunction(() => document.querySelector('[data-testid=bucketing]')?.dataset.bucketTokens === '8', null, { timeout: 60_000 });
    assert.doesNotMatch(page.url(), /bucket=/, 'automatic is the default and leaves the URL');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('a Megatron-LM index reads as the CLI reads it, its sequences or its documents', async () => {
    const { page, context, problems } = await newGuardedPage(harness);
    await page.goto(harness.origin + '/');
    await waitReady(page);
    // Megatron-LM's index layout: 120 documents of 1 to 3 sentences.
    const lengths = syntheticLengths(240, 13).map((length) => Math.max(1, length));
    const boundaries = [0];
    while (boundaries[boundaries.length - 1] < lengths.length) {
      boundaries.push(Math.min(lengths.length, boundaries[boundaries.length - 1] + 1 + (boundaries.length % 3)));
    }
    const header = Buffer.alloc(34);
    header.write('MMIDIDX\x00\x00', 0, 'latin1');
    header.writeBigUInt64LE(1n, 9);
    header.writeUInt8(8, 17);
    header.writeBigUInt64LE(BigInt(lengths.length), 18);
    header.writeBigUInt64LE(BigInt(boundaries.length), 26);
    const sizes = Buffer.from(Int32Array.from(lengths).buffer);
    const pointers = Buffer.alloc(8 * lengths.length);
    let pointer = 0n;
    lengths.forEach((length, index) => {
      pointers.writeBigInt64LE(pointer, 8 * index);
      pointer += BigInt(length) * 2n;
    });
    const documents = Buffer.from(BigInt64Array.from(boundaries.map(BigInt)).buffer);
    const file = scratchFile('corpus_text_document.idx', Buffer.concat([header, sizes, pointers, documents]));
    await page.setInputFiles('[data-testid=upload]', file);
    await waitForSequences(page, lengths.length);
    assert.equal(packlabJson(['stats', file, '--json']).sequences, lengths.length);
    assert.match(await page.locator('[data-testid=read-notes]').innerText(), new RegExp(`${lengths.length} sequences in ${boundaries.length - 1} documents`));
    // Documents: the switch under the reading options.
    await page.locator('[data-testid=upload]').evaluate((input) => input.closest('.panel').querySelector('details').setAttribute('open', ''));
    await page.check('[data-testid=documents]');
    await page.setInputFiles('[data-testid=upload]', file);
    const cli = packlabJson(['stats', file, '--documents', '--json']);
    assert.equal(cli.sequences, boundaries.length - 1);
    await waitForSequences(page, cli.sequences);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('a bad file shows an error and keeps the dataset', async () => {
    const { page, context, problems } = await newGuardedPage(harness);
    await page.goto(harness.origin + '/');
    await waitReady(page);
    const before = await readResults(page);
    const maxLenBefore = await page.locator('[data-testid=max-len]').inputValue();
    const good = scratchFile('good.txt', '10\n20\n');
    const bad = scratchFile('bad.txt', '12\n40\n-3\n');
    await page.setInputFiles('[data-testid=upload]', [good, bad]);
    const error = page.locator('[data-testid=error]');
    await error.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await error.getAttribute('role'), 'alert');
    const message = await error.innerText();
    assert.match(message, /bad\.txt:3/);
    assert.match(message, /negative/);
    await waitReady(page);
    assert.deepEqual(await readResults(page), before, 'the dataset on screen is unchanged');
    assert.equal(await page.locator('[data-testid=max-len]').inputValue(), maxLenBefore);
    await saveScreenshot(page, 'bad-file-error');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('a JSON object\'s named array is its lengths; what a reader cannot confirm is noted', async () => {
    const { page, context, problems } = await newGuardedPage(harness);
    await page.goto(harness.origin + '/');
    await waitReady(page);
    await page.locator('summary', { hasText: 'Advanced reading options' }).click();
    await page.locator('[data-testid=column]').fill('lengths');
    const object = scratchFile('report.json', '{"lengths": [1, 2, 3]}');
    await page.setInputFiles('[data-testid=upload]', object);
    await waitForSequences(page, 3);
    assert.equal(await page.locator('[data-testid=read-notes]').isVisible(), false, 'nothing to note');

    // The same object as the one line of a .jsonl file is one row of token ids, and the page says so.
    const line = scratchFile('one-object.jsonl', '{"lengths": [1, 2, 3]}');
    await page.setInputFiles('[data-testid=upload]', line);
    await waitForSequences(page, 1);
    const notes = page.locator('[data-testid=read-notes]');
    assert.equal(await notes.isVisible(), true);
    const text = await notes.innerText();
    assert.match(text, /one-object\.jsonl/);
    assert.match(text, /token ids/);
    assert.match(text, /On this page: change the format under “Advanced reading options”/);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('the page fits a phone and a dark colour scheme', async () => {
    const { page, context, problems } = await newGuardedPage(harness, {
      viewport: { width: 390, height: 844 },
      colorScheme: 'dark',
    });
    await page.goto(harness.origin + '/');
    await waitReady(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `no horizontal scrolling at phone width (${overflow}px too wide)`);
    await saveScreenshot(page, 'phone-dark');
    await saveFullPageScreenshot(page, 'phone-dark-full-page');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('exports: the plan equals the CLI, the comparison as CSV, charts as SVG and PNG', async () => {
    const { page, context, problems } = await newGuardedPage(harness, { acceptDownloads: true });
    await page.goto(harness.origin + '/#preset=qa-finetuning-384&max_per_pack=3&detail=lpfhp&algorithms=none,spfhp,lpfhp,bfd');
    await waitReady(page);
    const downloaded = async (click) => {
      const [download] = await Promise.all([page.waitForEvent('download'), click()]);
      const path = await download.path();
      return { name: download.suggestedFilename(), text: readFileSync(path, 'utf8') };
    };

    const plan = await downloaded(() => page.locator('[data-testid=export-plan]').click());
    const fromPage = JSON.parse(plan.text);
    const fromCli = packlabJson(['pack', '--preset', 'qa-finetuning-384', '--algorithm', 'lpfhp', '--max-per-pack', '3', '--json']);
    for (const field of ['algorithm', 'max_len', 'max_per_pack', 'sequences', 'tokens', 'packs', 'efficiency', 'speedup', 'plan']) {
      assert.deepEqual(fromPage[field], fromCli[field], `plan export: ${field}`);
    }

    const csv = await downloaded(() => page.locator('[data-testid=export-csv]').click());
    const [header, ...rows] = csv.text.trim().split(/\r?\n/);
    assert.match(header, /algorithm/);
    assert.match(header, /efficiency/);
    assert.equal(rows.length, 4, 'one row per algorithm shown');

    const histogramSection = page.locator('section', { has: page.locator('[data-testid=histogram-chart]') });
    const svg = await downloaded(() => histogramSection.getByRole('button', { name: /SVG/ }).first().click());
    assert.match(svg.name, /\.svg$/);
    assert.match(svg.text, /<svg/);
    assert.match(svg.text, /max_len/);
    // A saved chart says what it is: its title, the data and the settings.
    assert.match(svg.text, />Sequence lengths<\/text>/);
    assert.match(svg.text, />Synthetic: question-answering[^<]* · Packlab<\/text>/);
    assert.match(svg.text, />max_len 384 · sequences per pack: at most 3 · over max_len: truncate<\/text>/);
    const wellFormed = await page.evaluate((text) => !new DOMParser().parseFromString(text, 'image/svg+xml').querySelector('parsererror'), svg.text);
    assert.equal(wellFormed, true, 'the SVG is well formed');
    const png = await downloadedBytes(page, () => histogramSection.getByRole('button', { name: /PNG/ }).first().click());
    assert.match(png.name, /\.png$/);
    const canvasHeight = await page.locator('[data-testid=histogram-chart]').evaluate((element) => element.height);
    // The PNG header's height field (bytes 20–23): the chart and room for its title and caption.
    assert.ok(png.bytes.readUInt32BE(20) > canvasHeight, 'the PNG has room for the title and caption');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('the plan for uploaded sequences equals `packlab assign`, byte for byte, and each epoch reshuffles it', async () => {
    const { page, context, problems } = await newGuardedPage(harness, { acceptDownloads: true });
    await page.goto(harness.origin + '/#max_per_pack=3&detail=lpfhp&algorithms=none,spfhp,lpfhp,bfd');
    await waitReady(page);
    const lengths = syntheticLengths(3000, 5);
    const file = scratchFile('plan-lengths.txt', lengths.join('\n') + '\n');
    await page.setInputFiles('[data-testid=upload]', file);
    await waitForSequences(page, lengths.length);
    const maxLen = Number(await page.locator('[data-testid=max-len]').inputValue());
    assert.equal(await page.locator('[data-testid=plan-unavailable]').isVisible(), false, 'uploaded lengths can be planned');

    await setNumber(page, 'plan-seed', 11);
    await page.waitForFunction(() => /(^#|&)seed=11(&|$)/.test(location.hash), null, { timeout: 10_000 });
    assert.doesNotMatch(page.url(), /epoch=/, 'the default epoch stays out of the link');
    const cliArgs = (epoch) => ['--algorithm', 'lpfhp', '--max-len', String(maxLen), '--max-per-pack', '3', '--seed', '11', '--epoch', String(epoch)];

    const jsonl = await downloadedBytes(page, () => page.locator('[data-testid=plan-jsonl]').click());
    assert.match(jsonl.name, /^packlab-lpfhp-max-len-\d+-seed-11-epoch-0\.plan\.jsonl$/);
    const indices = await downloadedBytes(page, () => page.locator('[data-testid=plan-indices]').click());
    const offsets = await downloadedBytes(page, () => page.locator('[data-testid=plan-offsets]').click());
    assert.match(indices.name, /\.indices\.npy$/);
    assert.match(offsets.name, /\.offsets\.npy$/);
    const cli = packlabAssign(file, cliArgs(0));
    assert.ok(jsonl.bytes.equals(cli.jsonl), 'the JSON Lines plan is the bytes `packlab assign` writes');
    assert.ok(indices.bytes.equals(cli.indices), 'indices.npy is the bytes the CLI writes');
    assert.ok(offsets.bytes.equals(cli.offsets), 'offsets.npy is the bytes the CLI writes');
    for (const npy of [indices, offsets]) {
      assert.ok(npy.bytes.subarray(0, 6).equals(Buffer.from('\x93NUMPY', 'latin1')), `${npy.name} starts with the NumPy magic`);
    }
    const packs = assertValidSequencePlan(jsonl.bytes.toString('utf8'), lengths, maxLen, 3);

    // The preview shows the first packs, as the plan has them.
    const first = page.locator('[data-testid=plan-pack][data-pack="0"]');
    assert.equal(await first.locator('[data-field=indices]').innerText(), packs[0].indices.join(', '));
    const bounds = packs[0].lengths.reduce((sums, length) => [...sums, sums[sums.length - 1] + length], [0]);
    assert.equal(await first.locator('[data-field=cu_seqlens]').innerText(), bounds.join(', '));
    // Each sequence counts its positions from 0; a run of more than four is cut to its ends.
    const positions = packs[0].lengths
      .map((length) => (length > 4 ? `0, 1, …, ${length - 1}` : Array.from({ length }, (_, position) => position).join(', ')))
      .join(', ');
    assert.equal(await first.locator('[data-field=position_ids]').innerText(), positions);
    assert.match(await page.locator('[data-testid=plan-message]').innerText(), /Assigned 3,000 sequences/);

    await setNumber(page, 'plan-epoch', 1);
    await page.waitForFunction(() => /(^#|&)epoch=1(&|$)/.test(location.hash), null, { timeout: 10_000 });
    const nextEpoch = await downloadedBytes(page, () => page.locator('[data-testid=plan-jsonl]').click());
    assert.match(nextEpoch.name, /-seed-11-epoch-1\.plan\.jsonl$/);
    assert.ok(!nextEpoch.bytes.equals(jsonl.bytes), 'another epoch gives another plan');
    assert.ok(nextEpoch.bytes.equals(packlabAssign(file, cliArgs(1)).jsonl), 'epoch 1 is the bytes the CLI writes for it');
    const reshuffled = assertValidSequencePlan(nextEpoch.bytes.toString('utf8'), lengths, maxLen, 3);
    assert.equal(reshuffled.length, packs.length, 'the same plan, reshuffled');

    // In balanced steps across the GPUs of "Across GPUs" (8 × 1 × 1 to
    // start): every line says its step and rank, as the CLI writes them.
    await page.locator('[data-testid=plan-steps]').selectOption('balanced');
    const inSteps = await downloadedBytes(page, () => page.locator('[data-testid=plan-jsonl]').click());
    const cliSteps = join(mkdtempSync(join(tmpdir(), 'packlab-steps-')), 'plan.jsonl');
    execFileSync(packlabBinary(), ['assign', file, ...cliArgs(1), '--world-size', '8', '--model', 'bert-base', '--balance', '--out', cliSteps], {
      cwd: repositoryRoot,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    assert.ok(inSteps.bytes.equals(readFileSync(cliSteps)), 'balanced steps are the bytes `packlab assign --world-size 8 --balance` writes');
    const stepLines = inSteps.bytes.toString('utf8').trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(stepLines.slice(0, 9).map((line) => [line.step, line.rank]), [[0, 0], [0, 1], [0, 2], [0, 3], [0, 4], [0, 5], [0, 6], [0, 7], [1, 0]]);
    assertValidSequencePlan(inSteps.bytes.toString('utf8'), lengths, maxLen, 3);
    assert.match(await page.locator('[data-testid=plan-preview-caption]').innerText(), /steps of 8 GPUs × 1 × 1.*balanced, the slowest GPU of a step works \+/);
    await page.locator('[data-testid=plan-export]').scrollIntoViewIfNeeded();
    await saveScreenshot(page.locator('[data-testid=plan-export]'), 'plan-export');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('the plan for sequences is unavailable, with its reason, for a preset and a histogram', async () => {
    const { page, context, problems } = await newGuardedPage(harness);
    await page.goto(harness.origin + '/#preset=qa-finetuning-384');
    await waitReady(page);
    const reason = page.locator('[data-testid=plan-unavailable]');
    assert.equal(await reason.isVisible(), true, 'a preset says why there is no plan');
    assert.match(await reason.innerText(), /no sequences of its own/);
    assert.match(await reason.innerText(), /Upload your lengths/);
    for (const testId of ['plan-jsonl', 'plan-indices', 'plan-offsets', 'plan-seed', 'plan-epoch', 'plan-shuffle']) {
      assert.equal(await page.locator(`[data-testid=${testId}]`).isDisabled(), true, `${testId} is disabled for a preset`);
    }
    const describedBy = await page.locator('[data-testid=plan-jsonl]').getAttribute('aria-describedby');
    assert.equal(describedBy, await reason.getAttribute('id'), 'the buttons are described by the reason');

    // A histogram has no order: the engine refuses it, and the page says so.
    const counts = new Array(128).fill(0);
    for (const length of syntheticLengths(500, 3)) counts[Math.min(length, 128) - 1] += 1;
    const histogram = scratchFile('plan-histogram.json', JSON.stringify({ max_len: 128, counts }));
    await page.setInputFiles('[data-testid=upload]', histogram);
    await waitForSequences(page, 500);
    assert.equal(await reason.isVisible(), false, 'an upload may be planned until the engine refuses it');
    await page.locator('[data-testid=plan-jsonl]').click();
    await reason.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await reason.innerText(), /histogram/);
    assert.equal(await page.locator('[data-testid=plan-jsonl]').isDisabled(), true, 'no plan of a histogram');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('dynamic padding: three schemes at four batch sizes, sorted batches as an independent count gives them', async () => {
    const { page, context, problems } = await newGuardedPage(harness);
    await page.goto(harness.origin + '/#batch=64');
    await waitReady(page);
    const lengths = syntheticLengths(4000, 23);
    const file = scratchFile('padding-lengths.txt', lengths.join('\n') + '\n');
    await page.setInputFiles('[data-testid=upload]', file);
    await waitForSequences(page, lengths.length);
    const table = page.locator('[data-testid=dynamic-padding]');
    const rows = table.locator('tr[data-scheme][data-batch-size]');
    assert.equal(await rows.count(), 12, '3 schemes × 4 batch sizes');
    const tokens = lengths.reduce((sum, length) => sum + length, 0);
    const descending = [...lengths].sort((a, b) => b - a);
    const figures = {};
    for (const batch of [8, 32, 64, 128]) {
      for (const scheme of ['random', 'megabatch', 'sorted']) {
        const row = table.locator(`tr[data-scheme=${scheme}][data-batch-size="${batch}"]`);
        assert.equal(await row.count(), 1, `a row for ${scheme} at ${batch}`);
        const cells = await readRow(row);
        figures[`${scheme}@${batch}`] = cells;
        assertClose(cells.padding_fraction, 1 - tokens / cells.padded_tokens, 1e-12, `${scheme}@${batch} padding = 1 − tokens / padded tokens`);
        assertClose(cells.efficiency, tokens / cells.padded_tokens, 1e-12, `${scheme}@${batch} efficiency`);
        assert.ok(cells.padded_tokens >= tokens, `${scheme}@${batch} computes at least the real tokens`);
      }
      // Sorted batches: longest first, cut into batches, each padded to its first.
      let padded = 0;
      for (let start = 0; start < descending.length; start += batch) {
        padded += descending[start] * Math.min(batch, descending.length - start);
      }
      assert.equal(figures[`sorted@${batch}`].padded_tokens, padded, `sorted batches of ${batch}, counted independently`);
      assert.ok(figures[`sorted@${batch}`].padded_tokens <= figures[`random@${batch}`].padded_tokens, `sorted ≤ random at ${batch}`);
      assert.ok(figures[`megabatch@${batch}`].padded_tokens <= figures[`random@${batch}`].padded_tokens * 1.001, `grouped by length ≤ random at ${batch}`);
    }
    assert.ok(figures['random@8'].padding_fraction < figures['random@128'].padding_fraction, 'larger random batches pad more');
    assert.equal(await table.locator('tr.is-current').count(), 3, 'the user’s batch size is marked');
    assert.match(await page.locator('#dynamic-padding').innerText(), /instead of packing/i);

    await page.locator('[data-testid=batch]').fill('16');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=dynamic-padding] tr[data-batch-size="16"]').length === 3, null, { timeout: 60_000 });
    await waitReady(page);
    assert.equal(await rows.count(), 12, 'the user’s new batch size replaces the old one');
    await page.locator('#dynamic-padding').scrollIntoViewIfNeeded();
    await saveScreenshot(page.locator('#dynamic-padding'), 'dynamic-padding');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('FLOPs follow the model select, a custom model and the link', async () => {
    const { page, context, problems } = await newGuardedPage(harness);
    await page.goto(harness.origin + '/#preset=qa-finetuning-384&model=bert-large');
    await waitReady(page);
    const section = page.locator('[data-testid=flops]');
    const select = section.locator('[data-testid=model]');
    assert.equal(await select.inputValue(), 'bert-large', 'the link chooses the model');
    const baseline = () => readRow(section.locator('[data-testid=flops-table] tr[data-workload=no-packing]'));
    const large = await baseline();
    assert.equal(large['variable_length.speedup_over_padding'], 1, 'padding to max_len is the baseline');
    assert.equal(large['dense_masked.speedup_over_padding'], 1);

    await select.selectOption('bert-base');
    await page.waitForFunction(() => /model=bert-base/.test(location.hash), null, { timeout: 10_000 });
    await waitReady(page);
    const base = await baseline();
    assert.ok(base['dense_masked.flops_per_epoch'] < large['dense_masked.flops_per_epoch'], 'BERT-base costs less than BERT-large');
    // Dense attention over rows of max_len: an exact count from the formula.
    const results = await readResults(page);
    const sequences = results.none.packs;
    const maxLen = Number(await page.locator('[data-testid=max-len]').inputValue());
    const [layers, hidden, feedForward, vocabulary] = [12, 768, 3072, 30522];
    const parameters = layers * (4 * hidden * hidden + 2 * hidden * feedForward) + hidden * vocabulary;
    const expected = 3 * (sequences * maxLen * 2 * parameters + sequences * maxLen * maxLen * 4 * layers * hidden);
    assertClose(base['dense_masked.flops_per_epoch'], expected, 1e-12, 'dense FLOPs of no packing, BERT-base');
    for (const algorithm of ['spfhp', 'lpfhp', 'bfd']) {
      const packed = await readRow(section.locator(`tr[data-workload=packing][data-algorithm=${algorithm}]`));
      assert.ok(packed['variable_length.speedup_over_padding'] > 1, `${algorithm} is faster than padding`);
      assert.ok(packed['dense_masked.flops_per_epoch'] < base['dense_masked.flops_per_epoch'], `${algorithm} saves FLOPs`);
    }
    assert.equal(await section.locator('tr[data-workload=dynamic-padding]').count(), 3, 'dynamic padding at the user’s batch size');

    await page.evaluate(() => {
      location.hash = location.hash.replace(/model=[^&]*/, 'model=decoder-7b');
    });
    await page.waitForFunction(() => document.querySelector('[data-testid=model]').value === 'decoder-7b', null, { timeout: 10_000 });
    await waitReady(page);
    const decoder = await baseline();
    assert.ok(decoder['dense_masked.flops_per_epoch'] > large['dense_masked.flops_per_epoch'], 'the 7B decoder costs most');

    await select.selectOption('custom');
    await section.locator('[data-testid=model-layers]').fill('2');
    await section.locator('[data-testid=model-layers]').dispatchEvent('change');
    await page.waitForFunction(() => /model=custom:2,4096,32,11008,gated,32000/.test(location.hash), null, { timeout: 10_000 });
    await waitReady(page);
    const custom = await baseline();
    assert.ok(custom['dense_masked.flops_per_epoch'] < decoder['dense_masked.flops_per_epoch'], 'fewer layers, fewer FLOPs');
    await section.locator('[data-testid=model-heads]').fill('7');
    await section.locator('[data-testid=model-heads]').dispatchEvent('change');
    assert.match(await section.innerText(), /not a multiple of 7 heads/);
    assert.match(page.url(), /model=custom:2,4096,32,/, 'an invalid shape is not applied');
    await section.scrollIntoViewIfNeeded();
    await saveScreenshot(section, 'flops');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('Across GPUs shows the GPU time each order loses, as packlab compare --world-size measures it', async () => {
    const { page, context, problems } = await newGuardedPage(harness);
    await page.goto(harness.origin + '/#preset=chat-finetuning-4096&detail=lpfhp&model=decoder-7b&world_size=4&micro_batch=2');
    await waitReady(page);
    const section = page.locator('[data-testid=across-gpus]');
    const balancedRow = section.locator('[data-testid=across-gpus-table] tr[data-order=balanced]');
    await balancedRow.waitFor({ timeout: 60_000 });
    assert.equal(await section.locator('[data-testid=world-size]').inputValue(), '4', 'the link sets the GPUs');
    assert.equal(await section.locator('[data-testid=micro-batch]').inputValue(), '2');
    const shuffled = await readRow(section.locator('tr[data-order=shuffled]'));
    const balanced = await readRow(balancedRow);

    // The page's engine and the command line answer the same question.
    const cli = packlabJson(['compare', '--preset', 'chat-finetuning-4096', '--world-size', '4', '--micro-batch', '2', '--model', 'decoder-7b', '--json']);
    const entry = cli.step_balance.find((candidate) => candidate.algorithm === 'lpfhp');
    for (const [name, row] of [['shuffled', shuffled], ['balanced', balanced]]) {
      for (const metric of ['mean_slowest_over_mean', 'worst_slowest_over_mean', 'lost_fraction']) {
        assertClose(row[metric], entry[name][metric], 1e-9, `${name} ${metric}`);
      }
      // GPU-hours lost: the epoch's rows at 5,000 tokens per second per GPU, times what waiting adds.
      const evenHours = (entry.packs * entry.max_len) / 5000 / 3600;
      assertClose(row.lost_gpu_hours, evenHours * entry[name].added_fraction, 1e-9, `${name} GPU-hours lost`);
    }
    assert.ok(balanced.mean_slowest_over_mean - 1 <= 0.01, 'balanced steps within 1% of their mean');
    assert.ok((balanced.mean_slowest_over_mean - 1) * 5 <= shuffled.mean_slowest_over_mean - 1, 'five times more even than shuffled');
    assert.match(await section.locator('[data-testid=across-gpus-headline]').innerText(), /GPU-hours/);
    const canvas = section.locator('[data-testid=across-gpus-chart]');
    await canvas.scrollIntoViewIfNeeded();
    await page.waitForFunction(() => {
      const element = document.querySelector('[data-testid=across-gpus-chart]');
      return element.width > 100 && element.closest('.chart').classList.contains('has-data');
    }, null, { timeout: 30_000 });
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    const colours = await canvasColours(canvas);
    assert.ok(colours.distinct > 3, `the steps chart is drawn (${colours.distinct} colours sampled)`);

    // More GPUs: more ranks to wait for, and the link says so.
    await section.locator('[data-testid=world-size]').fill('16');
    await section.locator('[data-testid=world-size]').dispatchEvent('change');
    await page.waitForFunction(() => /world_size=16/.test(location.hash), null, { timeout: 10_000 });
    await page.waitForFunction(
      (before) => Number(document.querySelector('[data-testid=across-gpus-table] tr[data-order=shuffled] td[data-metric=mean_slowest_over_mean]')?.dataset.value) !== before,
      shuffled.mean_slowest_over_mean,
      { timeout: 60_000 },
    );
    const wider = await readRow(section.locator('tr[data-order=shuffled]'));
    assert.ok(wider.mean_slowest_over_mean > shuffled.mean_slowest_over_mean, 'the slowest of 16 GPUs waits longer than the slowest of 4');
    await saveScreenshot(section, 'across-gpus');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('the max_len sweep draws its chart and lists the current max_len', async () => {
    const { page, context, problems } = await newGuardedPage(harness);
    await page.goto(harness.origin + '/#preset=qa-finetuning-384&max_per_pack=3');
    await waitReady(page);
    const section = page.locator('[data-testid=max-len-sweep]');
    const canvas = section.locator('[data-testid=max-len-sweep-chart]');
    await canvas.scrollIntoViewIfNeeded();
    await page.waitForFunction(() => {
      const element = document.querySelector('[data-testid=max-len-sweep-chart]');
      return element.width > 100 && element.closest('.chart').classList.contains('has-data');
    }, null, { timeout: 10_000 });
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    const colours = await canvasColours(canvas);
    assert.ok(colours.distinct > 3, `the sweep chart is drawn (${colours.distinct} colours sampled)`);

    const maxLen = await page.locator('[data-testid=max-len]').inputValue();
    const current = section.locator('[data-testid=max-len-sweep-table] tr[data-current=true]');
    assert.equal(await current.count(), 1, 'one current row');
    assert.equal(await current.getAttribute('data-max-len'), maxLen, 'the current row is the current max_len');
    const rows = await section.locator('[data-testid=max-len-sweep-table] tr[data-max-len]').evaluateAll((elements) =>
      elements.map((element) => Number(element.dataset.maxLen)));
    assert.ok(rows.length >= 3, 'several row lengths are compared');
    assert.deepEqual(rows, [...rows].sort((a, b) => a - b), 'in ascending order');
    // At the current max_len the sweep packs exactly as the results table says.
    const results = await readResults(page);
    for (const algorithm of ['none', 'spfhp', 'lpfhp', 'bfd']) {
      const cell = current.locator(`td[data-algorithm=${algorithm}][data-metric=efficiency]`);
      assert.equal(Number(await cell.getAttribute('data-value')), results[algorithm].efficiency, `${algorithm} at the current max_len`);
      assert.equal(Number(await cell.getAttribute('data-packs')), results[algorithm].packs);
    }
    assert.equal(Number(await current.locator('td[data-algorithm=none]').getAttribute('data-relative-compute')), 1, 'no packing at the current max_len is the 1× baseline');
    await saveScreenshot(section, 'max-len-sweep');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('the LP bound and the optimal packer, where the engine has them', async () => {
    const { page, context, problems } = await newGuardedPage(harness);
    await page.goto(harness.origin + '/#preset=qa-finetuning-384&max_per_pack=3');
    await waitReady(page);
    const hasOptimal = (await page.locator('[data-testid=algorithm-optimal]').count()) === 1;
    const bound = page.locator('[data-testid=lp-bound]');
    if (!hasOptimal) {
      assert.equal(await bound.isVisible(), false, 'no bound without the engine’s support');
      assert.equal(await page.locator('[data-testid=results] td[data-metric=lp_gap]').count(), 0, 'no gap column');
    } else {
      assert.equal(await page.locator('[data-testid=algorithm-optimal]').isChecked(), true, 'optimal is on by default');
      assert.match(await bound.innerText(), /no plan with .+ can use fewer than [\d,]+ packs \(LP relaxation/i);
      const lpPacks = Number(await bound.getAttribute('data-value'));
      const results = await readResults(page);
      assert.ok(results.optimal, 'a row for the optimal packer');
      for (const [algorithm, cells] of Object.entries(results)) {
        assert.equal(cells.lp_gap, cells.packs - lpPacks, `${algorithm}: gap = packs − bound`);
        assert.ok(cells.lp_gap >= 0, `${algorithm} uses no fewer packs than the bound`);
        // Every algorithm packs at 3 here: the optimal packer is never beaten.
        assert.ok(results.optimal.packs <= cells.packs, `optimal (${results.optimal.packs}) ≤ ${algorithm} (${cells.packs})`);
      }
      assert.match(await page.locator('[data-testid=optimality]').innerText(), /proven optimal|optimality is not proven/);
    }
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('the page loads its code as two bundles and one engine; the file engine only after the first figures', async () => {
    const { page, context, problems } = await newGuardedPage(harness);
    const scripts = [];
    const modules = [];
    const requested = new Map();
    page.on('request', (request) => {
      if (request.url().endsWith('.wasm')) requested.set(new URL(request.url()).pathname, Date.now());
      // The page's scripts, and the workers' (Chromium attributes those to
      // the page's frame).
      if (request.resourceType() === 'script' && request.frame() === page.mainFrame()) {
        scripts.push(new URL(request.url()).pathname);
      }
      if (request.url().endsWith('.wasm')) modules.push(new URL(request.url()).pathname);
    });
    await page.goto(harness.origin + '/');
    await waitReady(page);
    // Thirty modules fetched one by one, six at a time, delayed the page's
    // start by a tenth of a second (scripts/build.sh bundles them). Two
    // workers run the same bundle; the browser may fetch it once or twice.
    assert.deepEqual(
      [...new Set(scripts)].sort(),
      ['/www/dist/main.js', '/www/dist/worker.js'],
      `scripts requested: ${scripts.join(', ')}`,
    );
    // The file engine is its own module (the readers and the trainers'
    // simulations), fetched only once the first figures are drawn: by the
    // trainer's worker, or when files are read.
    await page.waitForFunction(() => document.querySelector('[data-testid=trainer]')?.dataset.state === 'ready', null, { timeout: 60_000 });
    assert.deepEqual([...new Set(modules)], ['/www/pkg/packlab_bg.wasm', '/www/pkg/packlab_files_bg.wasm'], `modules requested: ${modules.join(', ')}`);
    const firstRender = await page.evaluate(() => performance.timeOrigin + performance.getEntriesByName('packlab:first-render')[0].startTime);
    assert.ok(requested.get('/www/pkg/packlab_files_bg.wasm') >= firstRender, 'the file engine is fetched after the first figures');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('the server refuses everything outside the site', async () => {
    for (const path of ['/Cargo.toml', '/../Cargo.toml', '/www/../Cargo.toml', '/www/%2e%2e/Cargo.toml', '/src/lib.rs', '/.git/config']) {
      const response = await fetch(harness.origin + path);
      assert.equal(response.status, 404, path);
    }
    const wasm = await fetch(harness.origin + '/www/pkg/packlab_bg.wasm');
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  });
});
