// The page's settings in the URL hash, so that a link reproduces a view:
//
//   #preset=qa-finetuning-384&max_len=384&max_per_pack=3&overlong=truncate
//    &algorithms=none,spfhp,lpfhp,nnlshp,bfd&detail=nnlshp&batch=32&bucket=4
//    &model=bert-base&seed=7&epoch=2
//
// `preset` is left out when the data came from the user's files (they never
// leave the machine, so a link cannot carry them): `data=files` says so, and
// the page opening such a link says what it shows instead. `max_per_pack` is left
// out at its default (each algorithm's own limit: none, NNLSHP 3). `bucket`, NNLSHP's length
// bucket width in tokens, is left out when Packlab chooses it. `model`, the
// model of the FLOPs estimate, is a preset's name or a custom shape written
// `custom:layers,hidden_size,heads,feed_forward_size,plain|gated,vocabulary_size`
// (e.g. `custom:12,768,12,3072,plain,30522`). `seed` and `epoch`, the
// shuffles of the plan exported for the user's own sequences, are left out
// at their default, 0. `trainer` names the trainer of "Your trainer";
// its options (`trainer_order`, `trainer_seed`, `map_batch_rows`,
// `group_size`, `bin_size`, `trainer_batch`, `packing_ratio`), the cost
// line's `gpu_tokens_per_second` and `gpu_hour_price`, and the steps of
// "Across GPUs" (`world_size`, `micro_batch`, `grad_accum`) are left out
// at their defaults. Unknown or malformed values are reported and replaced by
// defaults, never fatal.
//
// The codec only: what the settings are and their defaults live in
// settings.js, the largest values in the engine (`ranges`, from
// `settingRanges()`).

import { DEFAULT_PER_PACK, DEFAULT_SETTINGS, MAX_FINITE_PER_PACK, OVERLONG_POLICIES, TRAINER_ORDERS, modelShapeProblem, modelText } from './settings.js';

/** Reads a model setting from a link; returns the setting, or null if it is not one. */
function readModel(text, modelNames, ranges) {
  if (modelNames.includes(text)) return text;
  const match = /^custom:(\d+),(\d+),(\d+),(\d+),(plain|gated),(\d+)$/.exec(text);
  if (!match) return null;
  const shape = {
    layers: Number(match[1]),
    hidden_size: Number(match[2]),
    heads: Number(match[3]),
    feed_forward_size: Number(match[4]),
    gated_feed_forward: match[5] === 'gated',
    vocabulary_size: Number(match[6]),
  };
  return modelShapeProblem(shape, ranges) === null ? shape : null;
}

/** The link's keys of the steps of "Across GPUs", and their settings. */
const STEP_KEYS = [['world_size', 'worldSize'], ['micro_batch', 'microBatch'], ['grad_accum', 'gradAccum']];

function wholeNumber(text, min, max) {
  if (!/^\d+$/.test(text)) return null;
  const value = Number(text);
  return value >= min && value <= max ? value : null;
}

/** A positive decimal (a price, a ratio), or null. */
function positiveNumber(text, min) {
  if (!/^\d+(\.\d+)?$/.test(text)) return null;
  const value = Number(text);
  return Number.isFinite(value) && value >= min ? value : null;
}

/**
 * The link's keys of a trainer's options: [key, the option's name in the
 * engine's request, a reader of the text (the value, or null)].
 */
function trainerOptionKeys(maxSeed) {
  const count = (text) => wholeNumber(text, 1, 4294967295);
  return [
    ['trainer_order', 'order', (text) => (TRAINER_ORDERS.includes(text) ? text : null), TRAINER_ORDERS.join(', ')],
    ['trainer_seed', 'seed', (text) => wholeNumber(text, 0, maxSeed), `a whole number from 0 to ${maxSeed}`],
    ['map_batch_rows', 'map_batch_rows', count, 'a whole number from 1'],
    ['group_size', 'group_size', count, 'a whole number from 1'],
    ['bin_size', 'bin_size', count, 'a whole number from 1'],
    ['trainer_batch', 'batch_size', count, 'a whole number from 1'],
    ['packing_ratio', 'packing_ratio', (text) => (text === 'auto' ? 'auto' : positiveNumber(text, 1)), 'auto or a number from 1'],
  ];
}

/**
 * Reads a hash. Returns `{preset, fromFiles, settings, problems}`:
 * `preset` is a name or null, `fromFiles` whether the link was copied from
 * the user's files, `settings` holds only the keys the hash set validly (and
 * `bucketTokens` always: its absence means automatic), and `problems` lists
 * what was ignored, in words for the user.
 */
export function readHash(hash, { presetNames, algorithmNames, modelNames = [], ranges, trainerNames = [], trainerDefaults = null }) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const settings = {};
  const problems = [];
  let preset = null;
  const fromFiles = params.get('data') === 'files';

  const value = (key) => params.get(key);
  if (params.has('preset')) {
    if (presetNames.includes(value('preset'))) preset = value('preset');
    else problems.push(`unknown preset “${value('preset')}”`);
  }
  if (params.has('max_len')) {
    const maxLen = wholeNumber(value('max_len'), 1, ranges.max_len);
    if (maxLen === null) problems.push(`max_len “${value('max_len')}” (use 1 to ${ranges.max_len})`);
    else settings.maxLen = maxLen;
  }
  // Absent means the default, whatever was set before: a link reproduces
  // what it was copied from.
  settings.maxPerPack = DEFAULT_PER_PACK;
  if (params.has('max_per_pack')) {
    const text = value('max_per_pack');
    const depth = wholeNumber(text, 1, MAX_FINITE_PER_PACK);
    if (text === 'unlimited') settings.maxPerPack = null;
    else if (text === DEFAULT_PER_PACK) settings.maxPerPack = DEFAULT_PER_PACK;
    else if (depth === null) problems.push(`max_per_pack “${text}” (use 1 to ${MAX_FINITE_PER_PACK}, unlimited or default)`);
    else settings.maxPerPack = depth;
  }
  if (params.has('overlong')) {
    if (OVERLONG_POLICIES.includes(value('overlong'))) settings.overlong = value('overlong');
    else problems.push(`overlong “${value('overlong')}” (use truncate, drop or error)`);
  }
  if (params.has('algorithms')) {
    const names = value('algorithms').split(',').filter(Boolean);
    const unknown = names.filter((name) => !algorithmNames.includes(name));
    if (unknown.length) problems.push(`unknown algorithm “${unknown.join('”, “')}”`);
    // Keep Packlab's order whatever the link's order.
    settings.algorithms = algorithmNames.filter((name) => names.includes(name));
  }
  if (params.has('detail')) {
    if (algorithmNames.includes(value('detail'))) settings.detail = value('detail');
    else problems.push(`unknown algorithm “${value('detail')}” for the closer look`);
  }
  if (params.has('batch')) {
    const batch = wholeNumber(value('batch'), 1, ranges.batch_size);
    if (batch === null) problems.push(`batch “${value('batch')}” (use a whole number from 1)`);
    else settings.batch = batch;
  }
  // A link without `bucket` means the automatic width, not "keep the one
  // set before": a link reproduces what it was copied from.
  settings.bucketTokens = null;
  if (params.has('bucket')) {
    const bucketTokens = wholeNumber(value('bucket'), 1, ranges.bucket_tokens);
    if (bucketTokens === null) problems.push(`bucket “${value('bucket')}” (use a whole number of tokens from 1, or leave it out for automatic)`);
    else settings.bucketTokens = bucketTokens;
  }
  if (params.has('model')) {
    const model = readModel(value('model'), modelNames, ranges);
    if (model === null) {
      problems.push(`model “${value('model')}” (use ${[...modelNames, 'custom:layers,hidden,heads,feed-forward,plain|gated,vocabulary'].join(', ')})`);
    } else {
      settings.model = model;
    }
  }
  // Like `bucket`, absent means the default, whatever was set before.
  for (const [key, max] of [['seed', ranges.seed], ['epoch', ranges.epoch]]) {
    settings[key] = 0;
    if (!params.has(key)) continue;
    const number = wholeNumber(value(key), 0, max);
    if (number === null) problems.push(`${key} “${value(key)}” (use a whole number from 0 to ${max})`);
    else settings[key] = number;
  }
  if (params.has('trainer')) {
    if (trainerNames.includes(value('trainer'))) settings.trainer = value('trainer');
    else problems.push(`unknown trainer “${value('trainer')}”`);
  }
  if (trainerDefaults) {
    // Like `seed`: absent means the default.
    const options = { ...trainerDefaults };
    for (const [key, option, read, expected] of trainerOptionKeys(ranges.seed)) {
      if (!params.has(key)) continue;
      const chosen = read(value(key));
      if (chosen === null) problems.push(`${key} “${value(key)}” (use ${expected})`);
      else options[option] = chosen;
    }
    settings.trainerOptions = options;
  }
  for (const [key, setting] of STEP_KEYS) {
    settings[setting] = DEFAULT_SETTINGS[setting];
    if (!params.has(key)) continue;
    const number = wholeNumber(value(key), 1, ranges.step_count);
    if (number === null) problems.push(`${key} “${value(key)}” (use a whole number from 1 to ${ranges.step_count})`);
    else settings[setting] = number;
  }
  for (const [key, setting, min] of [['gpu_tokens_per_second', 'gpuTokensPerSecond', 1], ['gpu_hour_price', 'gpuHourPrice', 0]]) {
    settings[setting] = DEFAULT_SETTINGS[setting];
    if (!params.has(key)) continue;
    const number = positiveNumber(value(key), min);
    if (number === null) problems.push(`${key} “${value(key)}” (use a number from ${min})`);
    else settings[setting] = number;
  }
  return { preset, fromFiles, settings, problems };
}

/**
 * Writes the hash (without '#') for a preset name, or null for the user's
 * files, and settings.
 */
export function writeHash(preset, settings, trainerDefaults = null) {
  const parts = [];
  const add = (key, text) => parts.push(`${key}=${encodeURIComponent(text)}`);
  if (preset) add('preset', preset);
  else add('data', 'files');
  if (settings.maxLen !== null) add('max_len', settings.maxLen);
  if (settings.maxPerPack !== DEFAULT_PER_PACK) add('max_per_pack', settings.maxPerPack === null ? 'unlimited' : settings.maxPerPack);
  add('overlong', settings.overlong);
  // Commas stay readable: algorithm names never need escaping.
  parts.push(`algorithms=${settings.algorithms.map(encodeURIComponent).join(',')}`);
  add('detail', settings.detail);
  add('batch', settings.batch);
  if (settings.bucketTokens !== null) add('bucket', settings.bucketTokens);
  // Commas and the colon stay readable: they need no escaping in a hash.
  if (settings.model !== null && settings.model !== undefined) parts.push(`model=${modelText(settings.model)}`);
  if (settings.seed) add('seed', settings.seed);
  if (settings.epoch) add('epoch', settings.epoch);
  if (settings.trainer) add('trainer', settings.trainer);
  if (settings.trainerOptions && trainerDefaults) {
    for (const [key, option] of trainerOptionKeys(Number.MAX_SAFE_INTEGER)) {
      const chosen = settings.trainerOptions[option];
      if (chosen !== trainerDefaults[option] && chosen !== null && chosen !== undefined) add(key, chosen);
    }
  }
  for (const [key, setting] of STEP_KEYS) {
    if (settings[setting] !== DEFAULT_SETTINGS[setting]) add(key, settings[setting]);
  }
  if (settings.gpuTokensPerSecond !== DEFAULT_SETTINGS.gpuTokensPerSecond) add('gpu_tokens_per_second', settings.gpuTokensPerSecond);
  if (settings.gpuHourPrice !== DEFAULT_SETTINGS.gpuHourPrice) add('gpu_hour_price', settings.gpuHourPrice);
  return parts.join('&');
}
