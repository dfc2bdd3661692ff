// A 2 GB upload in the real page: read in a worker, in chunks, with a
// progress bar; cancelling it mid-file keeps the dataset on screen; reading
// it to the end gives exactly its sequences; the tab survives both.

import assert from 'node:assert/strict';
import { closeSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { newGuardedPage, openHarness, readResults, scratchPath, waitReady } from './harness.mjs';

/** 2 GiB: past what a tab could hold as one string or ArrayBuffer copy. */
const FILE_BYTES = 2 ** 31;

/**
 * Writes FILE_BYTES of lengths, one per line, in 8 MiB blocks of the same
 * lines; returns the path and the number of sequences. Every line is "NNN\n"
 * (lengths 100 to 355), so the count is the size over four.
 */
function writeBigFile() {
  const path = scratchPath('two-gigabytes.txt');
  const lineBytes = 4;
  const block = Buffer.alloc(8 * 2 ** 20);
  for (let offset = 0, line = 0; offset < block.length; offset += lineBytes, line += 1) {
    block.write(`${100 + (line % 256)}\n`, offset, 'ascii');
  }
  rmSync(path, { force: true });
  const file = openSync(path, 'w');
  try {
    for (let written = 0; written < FILE_BYTES; written += block.length) writeSync(file, block);
  } finally {
    closeSync(file);
  }
  assert.equal(statSync(path).size, FILE_BYTES);
  return { path, sequences: FILE_BYTES / lineBytes };
}

/** The progress bar's fraction, or null while it is hidden. */
function progressFraction(page) {
  return page.evaluate(() => {
    const box = document.querySelector('[data-testid=progress]');
    if (!box || box.hidden) return null;
    return box.querySelector('progress').value;
  });
}

describe('a 2 GB upload', () => {
  let harness;
  let big;
  before(async () => {
    harness = await openHarness();
    big = writeBigFile();
  });
  after(async () => {
    await harness?.close();
    if (big) rmSync(big.path, { force: true });
  });

  test('shows progress, cancels mid-file keeping the dataset, then reads to the end', async () => {
    const { page, context, problems } = await newGuardedPage(harness);
    await page.goto(harness.origin + '/#algorithms=none,spfhp,lpfhp,bfd');
    await waitReady(page);
    const before = await readResults(page);

    await page.setInputFiles('[data-testid=upload]', big.path);
    await page.waitForFunction(
      () => {
        const box = document.querySelector('[data-testid=progress]');
        return box && !box.hidden && box.querySelector('progress').value > 0.05;
      },
      null,
      { timeout: 120_000, polling: 50 },
    );
    const fraction = await progressFraction(page);
    assert.ok(fraction > 0.05 && fraction < 1, `cancelled part-way (at ${fraction})`);
    await page.locator('[data-testid=cancel-read]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=progress]')?.hidden === true, null, { timeout: 30_000 });
    await waitReady(page);
    assert.deepEqual(await readResults(page), before, 'a cancelled upload leaves the dataset as it was');
    assert.equal(await page.locator('[data-testid=error]').isVisible(), false, 'cancelling is not an error');

    // The same file, read to the end: the progress bar moves, the tab
    // stays responsive, and every line counts once.
    await page.setInputFiles('[data-testid=upload]', big.path);
    const fractions = new Set();
    const deadline = Date.now() + 600_000;
    for (;;) {
      // Each poll is a round trip to the page's main thread: it answers
      // while the worker reads.
      const state = await page.evaluate(() => {
        const cell = document.querySelector('[data-testid=results] tr[data-algorithm=none] td[data-metric=packs]');
        const box = document.querySelector('[data-testid=progress]');
        return {
          packs: cell ? Number(cell.dataset.value) : null,
          ready: document.body.dataset.state === 'ready',
          fraction: box && !box.hidden ? box.querySelector('progress').value : null,
        };
      });
      if (state.fraction !== null) fractions.add(state.fraction);
      if (state.ready && state.packs === big.sequences) break;
      assert.ok(Date.now() < deadline, 'the 2 GB file is read within 10 minutes');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const moving = [...fractions].filter((value) => value > 0 && value < 1);
    assert.ok(moving.length >= 2, `the progress bar moved while reading (${[...fractions].join(', ')})`);
    const results = await readResults(page);
    assert.equal(results.none.packs, big.sequences);
    assert.ok(results.lpfhp.packs < big.sequences, 'the big dataset is packed');
    assert.equal(await page.evaluate(() => 1 + 1), 2, 'the tab still runs script');
    // Too many sequences to simulate a trainer in the page: its section
    // says so and names the command line, without reading the file again.
    await page.waitForFunction(() => document.querySelector('[data-testid=trainer]')?.dataset.state === 'error', null, { timeout: 120_000 });
    const refusal = await page.locator('[data-testid=trainer-verdict]').innerText();
    assert.match(refusal, /536,870,912 sequences: the page simulates a trainer on at most 24,000,000; `packlab pack FILE --algorithm <trainer>`/, refusal);
    assert.deepEqual(problems, []);
    await context.close();
  });
});
