// Shared set-up of the browser tests: the page served as `npm start` serves
// it, headless Debian Chromium driven by playwright-core, and guards that
// fail a test on any console error or any request leaving the page's origin.

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { startServer } from '../../scripts/serve.mjs';

export const repositoryRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const screenshotFolder = join(repositoryRoot, 'test-output', 'screenshots');

const chromiumArguments = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Starts the server and the browser; returns what the tests use. */
export async function openHarness() {
  const server = await startServer(0);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: chromiumArguments,
  });
  return {
    origin,
    browser,
    async close() {
      await browser.close();
      await new Promise((done) => server.close(done));
    },
  };
}

/**
 * A new page with guards: `problems` collects console errors, page errors
 * and requests to other origins (which are also blocked).
 */
export async function newGuardedPage(harness, options = {}) {
  const context = await harness.browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      problems.push(`console ${message.type()}: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(harness.origin + '/') || url.startsWith('data:') || url.startsWith('blob:')) {
      return route.continue();
    }
    problems.push(`request to another origin: ${url}`);
    return route.abort();
  });
  return { page, context, problems };
}

/** Waits until every view is current. */
export async function waitReady(page, timeout = 60_000) {
  await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout });
}

/** The results table as {algorithm: {metric: number}}. */
export async function readResults(page) {
  return page.$$eval('[data-testid=results] tr[data-algorithm]', (rows) =>
    Object.fromEntries(
      rows.map((row) => [
        row.dataset.algorithm,
        Object.fromEntries(
          [...row.querySelectorAll('td[data-metric]')].map((cell) => [cell.dataset.metric, Number(cell.dataset.value)]),
        ),
      ]),
    ),
  );
}

/** Waits until the page shows a dataset of `sequences` sequences, every view current. */
export async function waitForSequences(page, sequences) {
  await page.waitForFunction(
    (expected) => {
      const cell = document.querySelector('[data-testid=results] tr[data-algorithm=none] td[data-metric=packs]');
      return cell && Number(cell.dataset.value) === expected && document.body.dataset.state === 'ready';
    },
    sequences,
    { timeout: 60_000 },
  );
}

/** The path of a scratch file for an upload, in a folder that exists. */
export function scratchPath(name) {
  const folder = join(tmpdir(), 'packlab-browser-tests');
  mkdirSync(folder, { recursive: true });
  return join(folder, name);
}

/** Writes a scratch file for an upload; returns its path. */
export function scratchFile(name, contents) {
  const path = scratchPath(name);
  writeFileSync(path, contents);
  return path;
}

/**
 * The path of the native CLI: the one `cargo test` builds (the optimised
 * `test` profile, with the features the tests resolve, in target/debug),
 * which `npm test` has built already; built here only when missing or out
 * of date. Another profile would mean minutes of compiling.
 */
let cliBuilt = false;
export function packlabBinary() {
  if (!cliBuilt) {
    execFileSync('cargo', ['test', '--locked', '--no-run', '--quiet', '--test', 'cli'], { cwd: repositoryRoot, stdio: ['ignore', 'ignore', 'inherit'] });
    cliBuilt = true;
  }
  return join(resolve(repositoryRoot, process.env.CARGO_TARGET_DIR || 'target'), 'debug', 'packlab');
}

/** Runs the native CLI and parses its JSON. */
export function packlabJson(args) {
  // A trainer's `pack --json` lists every row: megabytes for an example.
  const output = execFileSync(packlabBinary(), args, { cwd: repositoryRoot, maxBuffer: 1 << 30 });
  return JSON.parse(output.toString());
}

/** Saves a screenshot of `locator` (or the page) for a person to look at. */
export async function saveScreenshot(target, name) {
  mkdirSync(screenshotFolder, { recursive: true });
  await target.screenshot({ path: join(screenshotFolder, `${name}.png`) });
}

/** Saves a screenshot of the whole scrolled page. */
export async function saveFullPageScreenshot(page, name) {
  mkdirSync(screenshotFolder, { recursive: true });
  await page.screenshot({ path: join(screenshotFolder, `${name}.png`), fullPage: true });
}
