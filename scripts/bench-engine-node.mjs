// The page's engine in Node, for comparison with its times in the page:
// NNLSHP's engine time on each preset, each run in a fresh Node process
// (so that, as in a page just opened, nothing is compiled or warmed up
// yet). Prints a Markdown table. Run by `npm run bench` after the page is
// built (scripts/build.sh).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const RUNS = Number(process.env.PACKLAB_BENCH_RUNS || 3);
const root = fileURLToPath(new URL('..', import.meta.url));

if (process.argv[2] === '--once') {
  // One measurement, in this fresh process.
  const [preset, depth] = [process.argv[3], Number(process.argv[4])];
  const engine = await import(`${root}www/pkg/packlab.js`);
  engine.initSync({ module: readFileSync(`${root}www/pkg/packlab_bg.wasm`) });
  const dataset = engine.Dataset.fromPreset(preset);
  const answer = dataset.report({ max_len: dataset.defaultMaxLen(), algorithm: 'nnlshp', max_per_pack: depth });
  console.log(answer.report.runtime_ms);
} else {
  console.log(`| the page's engine in Node, a fresh process per run (median of ${RUNS}) | time |`);
  console.log('|---|---|');
  for (const preset of ['qa-finetuning-384', 'bert-pretraining-512', 'chat-finetuning-4096', 'long-context-32768']) {
    for (const depth of [3, 8]) {
      const times = [];
      for (let run = 0; run < RUNS; run += 1) {
        const output = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--once', preset, String(depth)]);
        times.push(Number(output.toString().trim()));
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)];
      console.log(`| NNLSHP in Node, ${preset}, max ${depth} per pack (engine time) | ${median.toFixed(0)} ms |`);
    }
  }
}
