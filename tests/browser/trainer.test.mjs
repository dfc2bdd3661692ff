// "Your trainer's own packing" in the real page: the trainer simulated on
// the user's files in their order and on an example, with the figures of
// `packlab pack --algorithm <trainer> --json` on the same data and
// settings, the other orders, the max_len sweep's trainer column, and the
// link.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { newGuardedPage, openHarness, packlabJson, saveScreenshot, scratchFile, waitReady } from './harness.mjs';

/** Chat-like lengths, some over 1,024 tokens, from a seeded generator. */
function chatLengths(count, seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  return Array.from({ length: count }, () => 8 + Math.floor(1400 * next() ** 2.5));
}

/** Waits until the trainer section has simulated what its settings ask. */
async function waitTrainer(page) {
  await page.waitForFunction(() => document.querySelector('[data-testid=trainer]')?.dataset.state === 'ready', null, { timeout: 60_000 });
}

/** The trainer table's row `which` ('trainer' or 'best') as {metric: number}. */
async function trainerRow(page, which) {
  return page.$eval(`[data-testid=trainer-table] tr[data-row=${which}]`, (row) =>
    Object.fromEntries([...row.querySelectorAll('td[data-metric]')].map((cell) => [cell.dataset.metric, Number(cell.dataset.value)])),
  );
}

/** The page's trainer row against `packlab pack FILE --algorithm …` (`args`) at the same settings. */
function assertSameAsCli(row, cli, message) {
  assert.equal(row.packs, cli.packs, `${message}: rows`);
  assert.equal(row.efficiency, cli.efficiency, `${message}: efficiency`);
  assert.equal(row.steps_per_epoch, cli.steps_per_epoch, `${message}: steps per epoch`);
  assert.equal(row.tokens_lost, cli.tokens_truncated + cli.tokens_dropped, `${message}: tokens lost`);
  assert.equal(row.sequences_split, cli.sequences_split, `${message}: sequences split`);
}

describe('your trainer', () => {
  let harness;
  before(async () => {
    harness = await openHarness();
  });
  after(async () => {
    await harness?.close();
  });

  test('on uploaded lengths, in their order, each trainer gives the CLI\'s figures', async () => {
    const { page, context, problems } = await newGuardedPage(harness);
    await page.goto(`${harness.origin}/`);
    await waitReady(page);
    const lengths = chatLengths(4000, 3);
    const file = scratchFile('trainer-lengths.txt', `${lengths.join('\n')}\n`);
    await page.setInputFiles('[data-testid=upload]', file);
    await page.waitForFunction(() => /data=files/.test(location.hash), null, { timeout: 60_000 });
    const maxLen = page.locator('[data-testid=max-len]');
    await maxLen.fill('1024');
    await maxLen.dispatchEvent('change');
    await page.waitForFunction(() => /max_len=1024/.test(location.hash), null, { timeout: 10_000 });
    await waitReady(page);
    await waitTrainer(page);

    const cli = (args) => packlabJson(['pack', file, '--max-len', '1024', '--json', ...args]);
    const trl = cli(['--algorithm', 'trl-bfd']);
    assert.ok(trl.tokens_truncated > 0, 'some sequences are over max_len: the test covers truncation');
    const row = await trainerRow(page, 'trainer');
    assertSameAsCli(row, trl, 'trl-bfd in file order');
    const notes = await page.locator('[data-testid=trainer-notes]').innerText();
    assert.match(notes, /in file order/);

    // The verdict says the difference from the best plan the page found.
    const best = await trainerRow(page, 'best');
    const verdict = await page.locator('[data-testid=trainer-verdict]').innerText();
    const extra = trl.packs - best.packs;
    assert.ok(extra > 0, `TRL's windowed best fit needs more rows than the best plan (${trl.packs} against ${best.packs})`);
    assert.match(verdict, new RegExp(`: ${extra.toLocaleString('en-US')} extra rows?,`), verdict);
    assert.equal(best.steps_per_epoch, Math.ceil(best.packs / 8));

    // Every order, as the CLI's --order gives it.
    for (const order of ['as-given', 'shuffled', 'sorted']) {
      const packs = Number(await page.getAttribute(`[data-testid=trainer-orders] tr[data-order=${order}] td[data-metric=packs]`, 'data-value'));
      assert.equal(packs, cli(['--algorithm', 'trl-bfd', '--order', order]).packs, `trl-bfd ${order}`);
    }

    // Another trainer and its own options, in the link too.
    await page.selectOption('[data-testid=trainer-select]', 'axolotl');
    await page.waitForFunction(() => /trainer=axolotl/.test(location.hash), null, { timeout: 10_000 });
    const binSize = page.locator('[data-testid=trainer-bin-size]');
    await binSize.fill('3');
    await binSize.dispatchEvent('change');
    await page.waitForFunction(() => /bin_size=3/.test(location.hash), null, { timeout: 10_000 });
    await waitTrainer(page);
    const axolotl = cli(['--algorithm', 'axolotl', '--bin-size', '3']);
    assertSameAsCli(await trainerRow(page, 'trainer'), axolotl, 'axolotl, 3 per bin');
    const axolotlNotes = await page.locator('[data-testid=trainer-notes]').innerText();
    assert.match(axolotlNotes, new RegExp(`cut to ${axolotl.sampler.loader_batches.toLocaleString('en-US')} bins`), axolotlNotes);
    assert.match(axolotlNotes, new RegExp(`scheduler counts ${axolotl.sampler.steps_estimated.toLocaleString('en-US')} steps`), axolotlNotes);
    assert.equal(await page.locator('[data-testid=trainer-map-batch-rows]').isVisible(), false, 'axolotl reads no map batch');

    await page.selectOption('[data-testid=trainer-select]', 'llm-foundry');
    const batch = page.locator('[data-testid=trainer-batch]');
    await batch.fill('4');
    await batch.dispatchEvent('change');
    await page.waitForFunction(() => /trainer_batch=4/.test(location.hash), null, { timeout: 10_000 });
    await waitTrainer(page);
    assertSameAsCli(await trainerRow(page, 'trainer'), cli(['--algorithm', 'llm-foundry', '--batch-size', '4']), 'llm-foundry at batch 4');

    await page.locator('[data-testid=trainer]').scrollIntoViewIfNeeded();
    await saveScreenshot(page.locator('[data-testid=trainer]'), 'trainer-upload');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('on an example, read shuffled and said so; the max_len sweep has the trainer\'s column', async () => {
    const { page, context, problems } = await newGuardedPage(harness);
    await page.goto(`${harness.origin}/#preset=chat-finetuning-4096&trainer=torchtune`);
    await waitReady(page);
    await waitTrainer(page);
    const maxLen = Number(await page.locator('[data-testid=max-len]').inputValue());
    const cli = packlabJson(['pack', '--preset', 'chat-finetuning-4096', '--algorithm', 'torchtune', '--max-len', String(maxLen), '--json']);
    assert.equal(cli.order_simulated, true);
    assertSameAsCli(await trainerRow(page, 'trainer'), cli, 'torchtune on the example');
    assert.match(await page.locator('[data-testid=trainer-notes]').innerText(), /has no order: read shuffled \(seed 42\)/);
    // An example has no order of its own: shuffled and sorted only.
    assert.deepEqual(await page.$$eval('[data-testid=trainer-orders] tr[data-order]', (rows) => rows.map((row) => row.dataset.order)), ['shuffled', 'sorted']);
    const sorted = packlabJson(['pack', '--preset', 'chat-finetuning-4096', '--algorithm', 'torchtune', '--max-len', String(maxLen), '--order', 'sorted', '--json']);
    assert.equal(Number(await page.getAttribute('[data-testid=trainer-orders] tr[data-order=sorted] td[data-metric=packs]', 'data-value')), sorted.packs);

    // The max_len sweep's trainer column: at the current max_len, the trainer's rows.
    await page.waitForSelector('[data-testid=max-len-sweep-table] td[data-trainer]', { timeout: 60_000 });
    const current = await page.getAttribute('[data-testid=max-len-sweep-table] tr[data-current=true] td[data-trainer]', 'data-packs');
    assert.equal(Number(current), cli.packs);

    // Padding-free batches: steps of varying length, nothing padded.
    await page.selectOption('[data-testid=trainer-select]', 'padding-free');
    await page.waitForFunction(() => /trainer=padding-free/.test(location.hash), null, { timeout: 10_000 });
    await waitTrainer(page);
    const flat = packlabJson(['pack', '--preset', 'chat-finetuning-4096', '--algorithm', 'padding-free', '--max-len', String(maxLen), '--json']);
    const flatRow = await trainerRow(page, 'trainer');
    assert.equal(flatRow.steps_per_epoch, flat.steps_per_epoch);
    assert.equal(flatRow.efficiency, 1);
    const flatVerdict = await page.locator('[data-testid=trainer-verdict]').innerText();
    assert.match(flatVerdict, new RegExp(`${flat.steps_per_epoch.toLocaleString('en-US')} steps of 8 sequences`), flatVerdict);
    assert.match(flatVerdict, new RegExp(`the largest ${flat.tokens_per_step.max.toLocaleString('en-US')}\\)`), flatVerdict);
    assert.equal(await page.locator('[data-testid=trainer-orders]').isVisible(), false, 'the sampler shuffles: no orders to compare');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('a trainer that cannot pack at these settings says why, in its section; a bad value is refused by its field', async () => {
    const { page, context, problems } = await newGuardedPage(harness);
    // LLaMA-Factory packs into cutoff_len - 1 tokens: none at max_len 1.
    await page.goto(`${harness.origin}/#preset=chat-finetuning-4096&max_len=1&trainer=llamafactory`);
    await waitReady(page);
    await page.waitForFunction(() => document.querySelector('[data-testid=trainer]')?.dataset.state === 'error', null, { timeout: 60_000 });
    assert.match(await page.locator('[data-testid=trainer-verdict]').innerText(), /cutoff_len - 1 tokens: a max_len of 1 leaves none; give at least 2/);

    await page.selectOption('[data-testid=trainer-select]', 'llm-foundry');
    const ratio = page.locator('[data-testid=trainer-packing-ratio]');
    await ratio.fill('0.5');
    await ratio.dispatchEvent('change');
    assert.equal(await ratio.getAttribute('aria-invalid'), 'true', 'a ratio below 1 is refused by the field');
    await ratio.fill('1.5');
    await ratio.dispatchEvent('change');
    await page.waitForFunction(() => /packing_ratio=1.5/.test(location.hash), null, { timeout: 10_000 });
    assert.deepEqual(problems, []);
    await context.close();
  });
});
