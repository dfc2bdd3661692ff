import { chromium } from 'playwright-core';
import { startServer } from '/work/main/scripts/serve.mjs';
const server = await startServer(0);
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--js-flags=--trace-wasm-compilation-times'] });
for (let run = 0; run < Number(process.argv[2] ?? 3); run++) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__log = [];
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (message, ...rest) {
      window.__log.push([performance.now(), 'send', this.name ?? '', message?.action ?? '', JSON.stringify(message?.args ?? {}).slice(0, 80)]);
      return post.call(this, message, ...rest);
    };
    const OrigWorker = Worker;
    window.Worker = class extends OrigWorker {
      constructor(url, options) {
        super(url, options);
        this.name = options?.name;
        window.__log.push([performance.now(), 'new', options?.name]);
        this.addEventListener('message', (event) => {
          if (event.data?.progress === undefined) window.__log.push([performance.now(), 'recv', this.name, event.data?.id ?? '', event.data?.error ? 'ERROR' : '']);
        });
      }
    };
  });
  await page.goto(`${origin}/${process.argv[3] ?? ''}`);
  await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 60000, polling: 10 });
  const out = await page.evaluate(() => ({
    log: window.__log,
    marks: performance.getEntriesByType('mark').map((m) => [m.name, m.startTime]),
    res: performance.getEntriesByType('resource').map((r) => [r.name.split('/').pop(), r.startTime, r.responseEnd]),
    nav: performance.getEntriesByType('navigation').map((n) => [n.domContentLoadedEventEnd, n.loadEventEnd]),
  }));
  console.log('--- run', run);
  for (const r of out.res) console.log('res', r[0], r[1].toFixed(0), r[2].toFixed(0));
  console.log('nav', out.nav.map((x) => x.map((v) => v.toFixed(0))));
  for (const l of out.log) console.log(l[0].toFixed(0), ...l.slice(1));
  for (const m of out.marks) console.log('MARK', m[0], m[1].toFixed(0));
  await context.close();
}
await browser.close(); server.close();
