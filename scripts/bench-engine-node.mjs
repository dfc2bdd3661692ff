// The page's engine in Node, for comparison with its times in the page:
// NNLSHP's engine time on each preset, the optimal packer's and the LP
// bound's on the presets whose LP works on buckets, and "Across GPUs"
// (LPFHP's packs in steps of 8 GPUs, shuffled and balanced), each run in a
// fresh Node process (so that, as in a page just opened, nothing is
// compiled, warmed up or cached yet). Prints a Markdown table. Run by
// `npm run bench` after the page is built (scripts/build.sh).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const RUNS = Number(process.env.PACKLAB_BENCH_RUNS || 3);
const root = fileURLToPath(new URL('..', import.meta.url));

/** `max_per_pack` from the command line: a number, or `none` for no limit. */
function limit(text) {
  return text === 'none' ? null : Number(text);
}

if (process.argv[2] === '--once') {
  // One measurement, in this fresh process: milliseconds on stdout.
  const [question, preset, depth] = process.argv.slice(3);
  const engine = await import(`${root}www/pkg/packlab.js`);
  engine.initSync({ module: readFileSync(`${root}www/pkg/packlab_bg.wasm`) });
  const dataset = engine.Dataset.fromPreset(preset);
  const max_len = dataset.defaultMaxLen();
  if (question === 'lp-bound') {
    const started = performance.now();
    dataset.lpBound({ max_len, max_per_pack: limit(depth) });
    console.log(performance.now() - started);
  } else if (question === 'steps') {
    // The plan first, so that the time is the steps' alone.
    dataset.report({ max_len, algorithm: 'lpfhp', max_per_pack: null });
    const started = performance.now();
    dataset.stepBalance({ max_len, algorithm: 'lpfhp', max_per_pack: null, world_size: 8, micro_batch: Number(depth), grad_accum: 1, model: 'decoder-7b' });
    console.log(performance.now() - started);
  } else {
    const answer = dataset.report({ max_len, algorithm: question, max_per_pack: limit(depth) });
    console.log(answer.report.runtime_ms);
  }
} else {
  const median = (question, preset, depth) => {
    const times = [];
    for (let run = 0; run < RUNS; run += 1) {
      const args = [fileURLToPath(import.meta.url), '--once', question, preset, depth];
      times.push(Number(execFileSync(process.execPath, args).toString().trim()));
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  };
  const perPack = (depth) => (depth === 'none' ? 'no limit' : `max ${depth} per pack`);
  console.log(`| the page's engine in Node, a fresh process per run (median of ${RUNS}) | time |`);
  console.log('|---|---|');
  for (const preset of ['qa-finetuning-384', 'bert-pretraining-512', 'chat-finetuning-4096', 'long-context-32768']) {
    for (const depth of ['3', '8']) {
      console.log(`| NNLSHP in Node, ${preset}, ${perPack(depth)} (engine time) | ${median('nnlshp', preset, depth).toFixed(0)} ms |`);
    }
  }
  for (const preset of ['chat-finetuning-4096', 'long-context-32768']) {
    for (const depth of ['3', '8', '16', 'none']) {
      console.log(`| optimal in Node, ${preset}, ${perPack(depth)} (engine time) | ${median('optimal', preset, depth).toFixed(0)} ms |`);
      console.log(`| LP bound in Node, ${preset}, ${perPack(depth)} | ${median('lp-bound', preset, depth).toFixed(0)} ms |`);
    }
  }
  for (const preset of ['qa-finetuning-384', 'bert-pretraining-512', 'chat-finetuning-4096', 'long-context-32768']) {
    console.log(`| Across GPUs in Node, ${preset}, LPFHP's packs on 8 GPUs × 1 | ${median('steps', preset, '1').toFixed(1)} ms |`);
  }
}
