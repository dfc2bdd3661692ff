// The page's settings in the URL hash (www/hash.js, www/settings.js), without a browser:
// every setting survives a link, the defaults stay out of it, and a bad
// value is reported and replaced by its default.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { readHash, writeHash } from '../../www/hash.js';
import { DEFAULT_PER_PACK, DEFAULT_SETTINGS, MAX_FINITE_PER_PACK } from '../../www/settings.js';

/**
 * The largest values the engine accepts, as the page holds them (the
 * engine's `settingRanges()`, the seed capped at 2^53 - 1). Written out
 * here: these tests run without building the engine.
 */
const RANGES = {
  max_len: 4_194_304,
  batch_size: 4_294_967_295,
  bucket_tokens: 4_194_304,
  seed: Number.MAX_SAFE_INTEGER,
  epoch: 4_294_967_295,
  model_dimension: 4_294_967_295,
  step_count: 4_294_967_295,
};
const MAX_SUPPORTED_MAX_LEN = RANGES.max_len;

/** The engine's defaults of a trainer's options (`trainerDefaults()`), written out as RANGES is. */
const TRAINER_DEFAULTS = {
  order: 'as-given',
  seed: null,
  map_batch_rows: 1000,
  group_size: 100_000,
  bin_size: 200,
  batch_size: 8,
  packing_ratio: 'auto',
};
const MAX_BATCH_SIZE = RANGES.batch_size;
const MAX_BUCKET_TOKENS = RANGES.bucket_tokens;
const MAX_SEED = RANGES.seed;
const MAX_EPOCH = RANGES.epoch;

/** What the page's engine offers, as the page passes it to readHash. */
const NAMES = {
  presetNames: ['bert-pretraining-512', 'qa-finetuning-384', 'chat-finetuning-4096', 'long-context-32768'],
  algorithmNames: ['none', 'spfhp', 'lpfhp', 'nnlshp', 'bfd', 'optimal'],
  modelNames: ['bert-base', 'bert-large', 'decoder-7b'],
  ranges: RANGES,
  trainerNames: ['trl-bfd', 'torchtune', 'axolotl', 'llm-foundry', 'nemo-ffs'],
  trainerDefaults: TRAINER_DEFAULTS,
};

const CUSTOM_MODEL = {
  layers: 12,
  hidden_size: 768,
  heads: 12,
  feed_forward_size: 3072,
  gated_feed_forward: true,
  vocabulary_size: 30522,
};

/** The default settings at a max_len, as the page holds them once data is in. */
function settingsAt(maxLen, changes = {}) {
  return { ...DEFAULT_SETTINGS, trainerOptions: { ...TRAINER_DEFAULTS }, maxLen, ...changes };
}

/** The settings a link carries: all but `shufflePacks` and `planSteps`, and max_len once known. */
function linked(settings) {
  const { shufflePacks: _notInLinks, planSteps: _norThisOne, ...rest } = settings;
  if (rest.maxLen === null) delete rest.maxLen;
  return rest;
}

/** Writes a link and reads it back. */
function roundTrip(preset, settings) {
  return readHash(`#${writeHash(preset, settings, TRAINER_DEFAULTS)}`, NAMES);
}

/** Reads a hash and returns its settings, checking it reported exactly `problems`. */
function readWithProblems(hash, problems) {
  const link = readHash(hash, NAMES);
  assert.deepEqual(link.problems, problems, hash);
  return link.settings;
}

test('a preset at its defaults gives a short, readable link', () => {
  assert.equal(
    writeHash('qa-finetuning-384', settingsAt(384), TRAINER_DEFAULTS),
    'preset=qa-finetuning-384&max_len=384&overlong=truncate&algorithms=none,spfhp,lpfhp,nnlshp,bfd,optimal&detail=nnlshp&batch=32&model=bert-base&trainer=trl-bfd',
  );
});

test('the defaults survive a link', () => {
  const link = roundTrip('qa-finetuning-384', settingsAt(384));
  assert.equal(link.preset, 'qa-finetuning-384');
  assert.equal(link.fromFiles, false);
  assert.deepEqual(link.problems, []);
  assert.deepEqual(link.settings, linked(settingsAt(384)));
});

test('every setting survives a link, at its ends and in between', () => {
  const cases = [
    settingsAt(1, { maxPerPack: 1, overlong: 'drop', algorithms: ['none'], detail: 'none', batch: 1, bucketTokens: 1 }),
    settingsAt(MAX_SUPPORTED_MAX_LEN, {
      maxPerPack: MAX_FINITE_PER_PACK,
      overlong: 'error',
      algorithms: ['spfhp', 'nnlshp', 'optimal'],
      detail: 'optimal',
      batch: MAX_BATCH_SIZE,
      bucketTokens: MAX_BUCKET_TOKENS,
      model: 'decoder-7b',
      seed: MAX_SEED,
      epoch: MAX_EPOCH,
    }),
    settingsAt(512, { maxPerPack: null, algorithms: [], detail: 'bfd', batch: 256, model: CUSTOM_MODEL, seed: 7, epoch: 2 }),
    settingsAt(384, { maxPerPack: 3, bucketTokens: 4, model: { ...CUSTOM_MODEL, gated_feed_forward: false, vocabulary_size: 0 } }),
    settingsAt(2048, {
      trainer: 'llm-foundry',
      trainerOptions: { order: 'sorted', seed: 0, map_batch_rows: 1, group_size: 4_294_967_295, bin_size: 1, batch_size: 64, packing_ratio: 2.5 },
      gpuTokensPerSecond: 12_500.5,
      gpuHourPrice: 0,
      worldSize: 1,
      microBatch: RANGES.step_count,
      gradAccum: 16,
    }),
    settingsAt(4096, { trainer: 'axolotl', trainerOptions: { ...TRAINER_DEFAULTS, order: 'shuffled', seed: MAX_SEED, packing_ratio: 1 } }),
  ];
  for (const settings of cases) {
    const link = roundTrip('bert-pretraining-512', settings);
    assert.deepEqual(link.problems, [], writeHash('bert-pretraining-512', settings));
    assert.deepEqual(link.settings, linked(settings));
  }
});

test('a link from the user’s files says so, and carries no preset', () => {
  const settings = settingsAt(2048, { maxPerPack: 4 });
  const hash = writeHash(null, settings);
  assert.match(hash, /^data=files&/);
  assert.doesNotMatch(hash, /preset=/);
  const link = readHash(`#${hash}`, NAMES);
  assert.equal(link.preset, null);
  assert.equal(link.fromFiles, true);
  assert.deepEqual(link.settings, linked(settings));
});

test('the leading # is optional', () => {
  assert.deepEqual(readHash('preset=qa-finetuning-384&batch=8', NAMES), readHash('#preset=qa-finetuning-384&batch=8', NAMES));
});

test('max_per_pack is left out of links at its default', () => {
  assert.doesNotMatch(writeHash('qa-finetuning-384', settingsAt(384)), /max_per_pack/);
  assert.match(writeHash('qa-finetuning-384', settingsAt(384, { maxPerPack: null })), /&max_per_pack=unlimited&/);
  assert.match(writeHash('qa-finetuning-384', settingsAt(384, { maxPerPack: 3 })), /&max_per_pack=3&/);
});

test('max_per_pack reads back default, unlimited and numbers', () => {
  assert.equal(readWithProblems('#max_per_pack=default', []).maxPerPack, DEFAULT_PER_PACK);
  assert.equal(readWithProblems('#max_per_pack=unlimited', []).maxPerPack, null);
  assert.equal(readWithProblems('#max_per_pack=1', []).maxPerPack, 1);
  assert.equal(readWithProblems(`#max_per_pack=${MAX_FINITE_PER_PACK}`, []).maxPerPack, MAX_FINITE_PER_PACK);
  // Absent means the default, whatever was set before the link was opened.
  assert.equal(readWithProblems('#preset=qa-finetuning-384', []).maxPerPack, DEFAULT_PER_PACK);
});

test('settings a link leaves out read as their defaults', () => {
  assert.deepEqual(readWithProblems('', []), {
    maxPerPack: DEFAULT_PER_PACK,
    bucketTokens: null,
    seed: 0,
    epoch: 0,
    trainerOptions: TRAINER_DEFAULTS,
    gpuTokensPerSecond: 5000,
    gpuHourPrice: 2,
    worldSize: 8,
    microBatch: 1,
    gradAccum: 1,
  });
  assert.doesNotMatch(writeHash('qa-finetuning-384', settingsAt(384), TRAINER_DEFAULTS), /bucket=|seed=|epoch=|trainer_|map_batch|group_size|bin_size|packing_ratio|gpu_|world_size|micro_batch|grad_accum/);
});

test('bad values are reported, and their settings keep the defaults', () => {
  const bad = [
    ['preset=imagenet', 'unknown preset “imagenet”'],
    ['max_len=0', `max_len “0” (use 1 to ${MAX_SUPPORTED_MAX_LEN})`],
    [`max_len=${MAX_SUPPORTED_MAX_LEN + 1}`, `max_len “${MAX_SUPPORTED_MAX_LEN + 1}” (use 1 to ${MAX_SUPPORTED_MAX_LEN})`],
    ['max_len=384.5', `max_len “384.5” (use 1 to ${MAX_SUPPORTED_MAX_LEN})`],
    ['max_per_pack=0', `max_per_pack “0” (use 1 to ${MAX_FINITE_PER_PACK}, unlimited or default)`],
    [`max_per_pack=${MAX_FINITE_PER_PACK + 1}`, `max_per_pack “${MAX_FINITE_PER_PACK + 1}” (use 1 to ${MAX_FINITE_PER_PACK}, unlimited or default)`],
    ['max_per_pack=none', `max_per_pack “none” (use 1 to ${MAX_FINITE_PER_PACK}, unlimited or default)`],
    ['overlong=wrap', 'overlong “wrap” (use truncate, drop or error)'],
    ['detail=ffd', 'unknown algorithm “ffd” for the closer look'],
    ['batch=0', 'batch “0” (use a whole number from 1)'],
    ['batch=-8', 'batch “-8” (use a whole number from 1)'],
    ['bucket=0', 'bucket “0” (use a whole number of tokens from 1, or leave it out for automatic)'],
    ['model=gpt-2', 'model “gpt-2” (use bert-base, bert-large, decoder-7b, custom:layers,hidden,heads,feed-forward,plain|gated,vocabulary)'],
    // 768 is not a multiple of 10 heads.
    ['model=custom:12,768,10,3072,plain,30522', 'model “custom:12,768,10,3072,plain,30522” (use bert-base, bert-large, decoder-7b, custom:layers,hidden,heads,feed-forward,plain|gated,vocabulary)'],
    [`seed=${MAX_SEED + 1}`, `seed “${MAX_SEED + 1}” (use a whole number from 0 to ${MAX_SEED})`],
    ['epoch=-1', `epoch “-1” (use a whole number from 0 to ${MAX_EPOCH})`],
    ['trainer=megatron', 'unknown trainer “megatron”'],
    ['trainer_order=reversed', 'trainer_order “reversed” (use as-given, shuffled, sorted)'],
    ['map_batch_rows=0', 'map_batch_rows “0” (use a whole number from 1)'],
    ['trainer_batch=1.5', 'trainer_batch “1.5” (use a whole number from 1)'],
    ['packing_ratio=0.5', 'packing_ratio “0.5” (use auto or a number from 1)'],
    ['gpu_tokens_per_second=0', 'gpu_tokens_per_second “0” (use a number from 1)'],
    ['gpu_hour_price=-1', 'gpu_hour_price “-1” (use a number from 0)'],
    ['world_size=0', `world_size “0” (use a whole number from 1 to ${RANGES.step_count})`],
    ['micro_batch=2.5', `micro_batch “2.5” (use a whole number from 1 to ${RANGES.step_count})`],
    [`grad_accum=${RANGES.step_count + 1}`, `grad_accum “${RANGES.step_count + 1}” (use a whole number from 1 to ${RANGES.step_count})`],
  ];
  const defaults = { maxPerPack: DEFAULT_PER_PACK, bucketTokens: null, seed: 0, epoch: 0, trainerOptions: TRAINER_DEFAULTS, gpuTokensPerSecond: 5000, gpuHourPrice: 2, worldSize: 8, microBatch: 1, gradAccum: 1 };
  for (const [hash, problem] of bad) {
    const link = readHash(`#${hash}`, NAMES);
    assert.equal(link.preset, null, hash);
    assert.deepEqual(link.problems, [problem], hash);
    assert.deepEqual(link.settings, defaults, hash);
  }
});

test('unknown algorithms are reported, the known ones kept in Packlab’s order', () => {
  const settings = readWithProblems('#algorithms=bfd,ffd,none,nfd', ['unknown algorithm “ffd”, “nfd”']);
  assert.deepEqual(settings.algorithms, ['none', 'bfd']);
});

test('one bad value leaves the others of the link in force', () => {
  const link = readHash('#preset=qa-finetuning-384&max_len=abc&batch=8&overlong=drop', NAMES);
  assert.equal(link.preset, 'qa-finetuning-384');
  assert.deepEqual(link.problems, [`max_len “abc” (use 1 to ${MAX_SUPPORTED_MAX_LEN})`]);
  assert.equal(link.settings.maxLen, undefined);
  assert.equal(link.settings.batch, 8);
  assert.equal(link.settings.overlong, 'drop');
});

test('data=files reads as fromFiles, and any other data as not', () => {
  assert.equal(readHash('#data=files&max_len=512', NAMES).fromFiles, true);
  assert.equal(readHash('#data=elsewhere', NAMES).fromFiles, false);
  assert.equal(readHash('#preset=qa-finetuning-384', NAMES).fromFiles, false);
});
