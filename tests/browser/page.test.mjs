// The real page in headless Chromium, through the test contract every
// automation relies on (data-testid attributes, data-value cells and
// document.body.dataset.state).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import {
  newGuardedPage,
  openHarness,
  packlabJson,
  readResults,
  saveFullPageScreenshot,
  saveScreenshot,
  scratchFile,
  waitReady,
} from './harness.mjs';

const METRICS = ['packs', 'efficiency', 'padding_fraction', 'speedup', 'speedup_limit'];
const CHARTS = ['histogram-chart', 'comparison-chart', 'sweep-chart', 'anatomy-chart', 'mask-chart'];

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

/** Waits for the results of a dataset of `sequences` sequences, all views current. */
async function waitForDataset(page, sequences) {
  await page.waitForFunction(
    (expected) => {
      const cell = document.querySelector('[data-testid=results] tr[data-algorithm=none] td[data-metric=packs]');
      return cell && Number(cell.dataset.value) === expected && document.body.dataset.state === 'ready';
    },
    sequences,
    { timeout: 60_000 },
  );
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
  }
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
    assert.equal(results.none.efficiency, 1 / results.none.speedup_limit);
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
    await waitForDataset(page, lengths.length);
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
    await waitForDataset(page, 3000);
    assert.equal(await page.locator('[data-testid=max-len]').inputValue(), '256');
    await setMaxPerPack(page, 2);
    await waitReady(page);
    await assertSameAsCli(page, file, 2);
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
    const png = await downloaded(() => histogramSection.getByRole('button', { name: /PNG/ }).first().click());
    assert.match(png.name, /\.png$/);
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
