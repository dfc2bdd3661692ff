// The files users hold, read by the page as the command line reads them:
// Parquet written by pyarrow with each codec, a `datasets` save_to_disk
// folder of Arrow shards, a folder of Parquet shards, and rows of text and
// conversations counted with a tokenizer trained by `tokenizers`. The files are
// written by the real producers, in the Python venv the Python tests use
// (scripts/python-check.sh makes it; `npm test` runs that first).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { newGuardedPage, openHarness, packlabJson, repositoryRoot, scratchPath, waitForSequences, waitReady } from './harness.mjs';

const python = join(repositoryRoot, 'target', 'python-venv', 'bin', 'python');

/** Runs a Python script in the test venv, with `folder` as its first argument. */
function writeWithPython(script, folder) {
  assert.ok(existsSync(python), `the Python test venv is missing (${python}): run bash scripts/python-check.sh first`);
  execFileSync(python, ['-c', script, folder], { stdio: ['ignore', 'inherit', 'inherit'] });
}

// 3,000 rows of token ids, 1 to 700 long, in row groups of 1,000 rows;
// the same table in every codec pyarrow writes; and a folder of three
// Parquet shards.
const PARQUET_SCRIPT = `
import sys
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
folder = sys.argv[1]
rng = np.random.default_rng(7)
lengths = rng.integers(1, 701, size=3000)
ids = pa.array([rng.integers(0, 50000, size=n).tolist() for n in lengths], type=pa.list_(pa.int32()))
table = pa.table({"input_ids": ids, "text": [f"row {i}" for i in range(len(lengths))]})
for codec in ["snappy", "zstd", "gzip", "lz4", "brotli", "none"]:
    pq.write_table(table, f"{folder}/tokens-{codec}.parquet", compression=codec, row_group_size=1000)
import os
os.makedirs(f"{folder}/shards", exist_ok=True)
for shard in range(3):
    part = table.slice(shard * 1000, 1000)
    pq.write_table(part, f"{folder}/shards/train-{shard:05d}-of-00003.parquet")
`;

// A save_to_disk folder of three Arrow shards, with its state.json.
const ARROW_SCRIPT = `
import sys
import numpy as np
from datasets import Dataset
from datasets.utils.logging import disable_progress_bar
disable_progress_bar()
folder = sys.argv[1]
rng = np.random.default_rng(11)
rows = [{"input_ids": rng.integers(0, 1000, size=int(n)).tolist(), "labels": [1] * int(n)} for n in rng.integers(1, 400, size=1500)]
Dataset.from_list(rows).save_to_disk(f"{folder}/saved", num_shards=3)
`;

// A byte-level BPE trained with `tokenizers`, its tokenizer_config.json
// with a ChatML-style chat template, and JSON Lines of text rows and
// conversation rows.
const TEXT_SCRIPT = `
import json, random, sys
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
folder = sys.argv[1]
draw = random.Random(5)
words = "the of packing sequence token padding batch model über café 東京 😀 don't 3.14".split()
def sentence(n):
    return " ".join(draw.choice(words) for _ in range(n))
corpus = [sentence(draw.randint(3, 40)) for _ in range(2000)]
tokenizer = Tokenizer(models.BPE())
tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
tokenizer.decoder = decoders.ByteLevel()
trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=["<s>", "<|im_start|>", "<|im_end|>"],
                              initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
tokenizer.train_from_iterator(corpus, trainer)
tokenizer.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", tokenizer.token_to_id("<s>"))])
tokenizer.save(f"{folder}/tokenizer.json")
template = ("{{ bos_token }}{% for m in messages %}<|im_start|>{{ m['role'] }}\\n"
            "{{ m['content'].strip() }}<|im_end|>\\n{% endfor %}")
json.dump({"bos_token": "<s>", "eos_token": "<|im_end|>", "chat_template": template},
          open(f"{folder}/tokenizer_config.json", "w"))
with open(f"{folder}/rows.jsonl", "w") as rows:
    for i in range(600):
        if i % 3 == 0:
            messages = [{"role": "user", "content": " " + sentence(draw.randint(1, 30))},
                        {"role": "assistant", "content": sentence(draw.randint(1, 50))}]
            rows.write(json.dumps({"messages": messages}, ensure_ascii=False) + "\\n")
        else:
            rows.write(json.dumps({"text": sentence(draw.randint(1, 80))}, ensure_ascii=False) + "\\n")
# The same kinds of rows as a save_to_disk folder of texts and a Parquet
# file of conversations.
import pyarrow as pa, pyarrow.parquet as pq
from datasets import Dataset
from datasets.utils.logging import disable_progress_bar
disable_progress_bar()
Dataset.from_dict({"text": [sentence(draw.randint(1, 80)) for _ in range(300)]}).save_to_disk(f"{folder}/text-saved", num_shards=2)
chats = [[{"role": "user", "content": sentence(draw.randint(1, 30))}, {"role": "assistant", "content": sentence(draw.randint(1, 50))}]
         for _ in range(200)]
pq.write_table(pa.table({"messages": chats}), f"{folder}/chats.parquet", row_group_size=64)
# Large enough (over 4 MB) to be tokenized in parts, one per core; and the
# same with row 25,000 lacking its text.
big = [json.dumps({"text": sentence(draw.randint(20, 90))}, ensure_ascii=False) for _ in range(30000)]
open(f"{folder}/big.jsonl", "w").write("\\n".join(big) + "\\n")
big[24999] = json.dumps({"body": "no text field here"})
open(f"{folder}/big-broken.jsonl", "w").write("\\n".join(big) + "\\n")
`;


/** The page's summary line: "3,000 sequences, 1,050,000 tokens." as numbers. */
async function summaryCounts(page) {
  const text = await page.locator('[data-testid=dataset]').innerText();
  const [sequences, tokens] = [...text.matchAll(/([\d,]+) (?:sequence|token)/g)].map((match) => Number(match[1].replaceAll(',', '')));
  return { sequences, tokens };
}

describe('the page reads Parquet and Arrow datasets', () => {
  let harness;
  const folder = scratchPath('datasets');
  before(async () => {
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder, { recursive: true });
    writeWithPython(PARQUET_SCRIPT, folder);
    writeWithPython(ARROW_SCRIPT, folder);
    writeWithPython(TEXT_SCRIPT, folder);
    harness = await openHarness();
  });
  after(async () => {
    await harness?.close();
  });

  test('Parquet in every codec gives the command line\'s counts', async () => {
    const { page, context, problems } = await newGuardedPage(harness);
    await page.goto(harness.origin + '/');
    await waitReady(page);
    for (const codec of ['zstd', 'snappy', 'gzip', 'lz4', 'brotli', 'none']) {
      const file = join(folder, `tokens-${codec}.parquet`);
      const cli = packlabJson(['stats', file, '--json']);
      assert.equal(cli.sequences, 3000);
      await page.setInputFiles('[data-testid=upload]', file);
      await waitForSequences(page, cli.sequences);
      assert.deepEqual(await summaryCounts(page), { sequences: cli.sequences, tokens: cli.tokens }, codec);
    }
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('a folder of Parquet shards and a save_to_disk folder read in order, as the command line reads them', async () => {
    const { page, context, problems } = await newGuardedPage(harness);
    await page.goto(harness.origin + '/');
    await waitReady(page);
    for (const dataset of ['shards', 'saved']) {
      const path = join(folder, dataset);
      const cli = packlabJson(['stats', path, '--json']);
      await page.setInputFiles('[data-testid=upload-folder]', path);
      await waitForSequences(page, cli.sequences);
      assert.deepEqual(await summaryCounts(page), { sequences: cli.sequences, tokens: cli.tokens }, dataset);
      // The shards are named in the order read, with their folder.
      const shards = dataset === 'saved' ? [0, 1, 2].map((shard) => `saved/data-0000${shard}-of-00003.arrow`)
        : [0, 1, 2].map((shard) => `shards/train-0000${shard}-of-00003.parquet`);
      assert.equal(await page.locator('.dataset-label').innerText(), `${shards.join(' + ')}:`);
    }
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('a wrong column names the file and the columns it holds, and keeps the dataset', async () => {
    const { page, context, problems } = await newGuardedPage(harness);
    await page.goto(harness.origin + '/');
    await waitReady(page);
    const before = await summaryCounts(page);
    await page.locator('summary', { hasText: 'Advanced reading options' }).click();
    await page.locator('[data-testid=column]').fill('text');
    await page.setInputFiles('[data-testid=upload]', join(folder, 'tokens-zstd.parquet'));
    const error = page.locator('[data-testid=error]');
    await error.waitFor({ state: 'visible', timeout: 30_000 });
    const message = await error.innerText();
    assert.match(message, /tokens-zstd\.parquet/);
    assert.match(message, /text/);
    await waitReady(page);
    assert.deepEqual(await summaryCounts(page), before, 'the dataset on screen is unchanged');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('rows of text and conversations, counted with the tokenizer the user picks, as the command line counts them', async () => {
    const { page, context, problems } = await newGuardedPage(harness);
    await page.goto(harness.origin + '/');
    await waitReady(page);
    const rows = join(folder, 'rows.jsonl');
    const tokenizer = join(folder, 'tokenizer.json');
    const config = join(folder, 'tokenizer_config.json');
    await page.locator('summary', { hasText: 'Advanced reading options' }).click();
    await page.setInputFiles('[data-testid=tokenizer]', [tokenizer, config]);
    assert.match(await page.locator('[data-testid=tokenizer-chosen]').innerText(), /tokenizer\.json, tokenizer_config\.json/);

    const cli = packlabJson(['stats', rows, '--tokenizer', tokenizer, '--json']);
    assert.equal(cli.sequences, 600);
    await page.setInputFiles('[data-testid=upload]', rows);
    await waitForSequences(page, cli.sequences);
    assert.deepEqual(await summaryCounts(page), { sequences: cli.sequences, tokens: cli.tokens }, 'with special tokens');

    // Texts in a save_to_disk folder, and conversations in Parquet.
    for (const [path, input, sequences] of [['text-saved', 'upload-folder', 300], ['chats.parquet', 'upload', 200]]) {
      const dataset = packlabJson(['stats', join(folder, path), '--tokenizer', tokenizer, '--json']);
      assert.equal(dataset.sequences, sequences);
      await page.setInputFiles(`[data-testid=${input}]`, join(folder, path));
      await waitForSequences(page, dataset.sequences);
      assert.deepEqual(await summaryCounts(page), { sequences: dataset.sequences, tokens: dataset.tokens }, path);
    }

    // Without the post-processor's special tokens: text rows lose their
    // begin token; conversations are counted as the template writes them.
    await page.uncheck('[data-testid=special-tokens]');
    await page.setInputFiles('[data-testid=upload]', rows);
    const bare = packlabJson(['stats', rows, '--tokenizer', tokenizer, '--no-special-tokens', '--json']);
    assert.equal(bare.tokens, cli.tokens - 400, 'one begin token less for each of the 400 text rows');
    await page.waitForFunction(
      (expected) => document.querySelector('[data-testid=dataset]')?.innerText.includes(expected),
      bare.tokens.toLocaleString('en'),
      { timeout: 60_000 },
    );
    assert.deepEqual(await summaryCounts(page), { sequences: bare.sequences, tokens: bare.tokens }, 'without special tokens');

    // An estimate from a sample says so.
    await page.check('[data-testid=special-tokens]');
    await page.locator('[data-testid=sample-rows]').fill('100');
    await page.setInputFiles('[data-testid=upload]', rows);
    const notes = page.locator('[data-testid=read-notes]');
    await notes.waitFor({ state: 'visible', timeout: 60_000 });
    assert.match(await notes.innerText(), /sample of 100 of 600 rows/);
    const sampled = packlabJson(['stats', rows, '--tokenizer', tokenizer, '--sample', '100', '--json']);
    assert.deepEqual(await summaryCounts(page), { sequences: sampled.sequences, tokens: sampled.tokens }, 'the same sample');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('a large text file is tokenized by a worker per core, with the command line\'s counts and its errors\' lines', async () => {
    const { page, context, problems } = await newGuardedPage(harness);
    await page.goto(harness.origin + '/');
    await waitReady(page);
    const tokenizer = join(folder, 'tokenizer.json');
    await page.locator('summary', { hasText: 'Advanced reading options' }).click();
    await page.setInputFiles('[data-testid=tokenizer]', [tokenizer, join(folder, 'tokenizer_config.json')]);
    const big = join(folder, 'big.jsonl');
    const cli = packlabJson(['stats', big, '--tokenizer', tokenizer, '--json']);
    assert.equal(cli.sequences, 30000);
    await page.setInputFiles('[data-testid=upload]', big);
    await waitForSequences(page, cli.sequences);
    assert.deepEqual(await summaryCounts(page), { sequences: cli.sequences, tokens: cli.tokens });
    const speed = await page.locator('[data-testid=read-speed]').innerText();
    assert.match(speed, /big\.jsonl: [\d.]+ MB of text tokenized in [\d.]+ s/);
    assert.match(speed, /tokens\/s/);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    if (cores > 1) assert.match(speed, new RegExp(`by ${Math.min(cores, 8)} workers`));
    else assert.doesNotMatch(speed, /workers/);

    // A row without text in a later part: the error names its line in the whole file.
    await page.setInputFiles('[data-testid=upload]', join(folder, 'big-broken.jsonl'));
    const error = page.locator('[data-testid=error]');
    await error.waitFor({ state: 'visible', timeout: 60_000 });
    assert.match(await error.innerText(), /big-broken\.jsonl:25000/);
    await waitReady(page);
    assert.deepEqual(await summaryCounts(page), { sequences: cli.sequences, tokens: cli.tokens }, 'the dataset is kept');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('a tokenizer that does not load is named, and the dataset kept', async () => {
    const { page, context, problems } = await newGuardedPage(harness);
    await page.goto(harness.origin + '/');
    await waitReady(page);
    const before = await summaryCounts(page);
    await page.locator('summary', { hasText: 'Advanced reading options' }).click();
    const broken = join(folder, 'broken', 'tokenizer.json');
    mkdirSync(join(folder, 'broken'), { recursive: true });
    writeFileSync(broken, '{"version": "1.0", "model": ');
    await page.setInputFiles('[data-testid=tokenizer]', broken);
    await page.setInputFiles('[data-testid=upload]', join(folder, 'rows.jsonl'));
    const error = page.locator('[data-testid=error]');
    await error.waitFor({ state: 'visible', timeout: 30_000 });
    const message = await error.innerText();
    assert.match(message, /tokenizer\.json/);
    assert.match(message, /tokenizer cannot be loaded/);
    await waitReady(page);
    assert.deepEqual(await summaryCounts(page), before);
    assert.deepEqual(problems, []);
    await context.close();
  });
});
