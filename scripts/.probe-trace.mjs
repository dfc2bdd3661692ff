import { chromium } from 'playwright-core';
import { startServer } from './serve.mjs';
const server = await startServer(0);
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await context.newPage();
await browser.startTracing(page, { path: '/tmp/trace.json', categories: ['devtools.timeline', 'v8', 'blink', 'disabled-by-default-devtools.timeline', 'v8.wasm', 'disabled-by-default-v8.compile'] });
await page.goto(`${origin}/${process.argv[2] ?? ''}`);
await page.waitForFunction(() => performance.getEntriesByName('packlab:first-render').length > 0, null, { timeout: 60000, polling: 10 });
const mark = await page.evaluate(() => performance.getEntriesByName('packlab:first-render')[0].startTime);
await browser.stopTracing();
console.log('first render', mark.toFixed(0));
await browser.close(); server.close();
