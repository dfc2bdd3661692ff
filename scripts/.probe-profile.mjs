import { chromium } from 'playwright-core';
import { startServer } from './serve.mjs';
const server = await startServer(0);
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await context.newPage();
const cdp = await context.newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
await cdp.send('Profiler.start');
await page.goto(`${origin}/${process.argv[2] ?? ''}`);
await page.waitForFunction(() => performance.getEntriesByName('packlab:first-render').length > 0, null, { timeout: 60000, polling: 10 });
const { profile } = await cdp.send('Profiler.stop');
const mark = await page.evaluate(() => performance.getEntriesByName('packlab:first-render')[0].startTime);
console.log('first render', mark.toFixed(0));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const n = nodes.get(profile.samples[i]);
  const dt = profile.timeDeltas[i] ?? 0;
  const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
  self.set(key, (self.get(key) ?? 0) + dt);
  total += dt;
}
console.log('total sampled ms', (total / 1000).toFixed(0));
for (const [k, v] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[3] ?? 30))) console.log((v / 1000).toFixed(1).padStart(7), k.slice(0, 140));
await browser.close(); server.close();
