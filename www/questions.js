// The questions the page asks the engine, one per view's figures: for each,
// the worker action, the request (exactly the settings it reads) and the
// key naming those settings (see answers.js). Pure: no browser, no state.

import { modelText } from './settings.js';

/** Algorithms that take up to seconds: they run in the slow worker, one question at a time. */
export const SLOW_ALGORITHMS = new Set(['nnlshp', 'optimal']);

/** The batch sizes dynamic padding is always shown at, besides the user's. */
export const DYNAMIC_PADDING_BATCH_SIZES = [8, 32, 128];

/** The packers swept over max_len: the fast ones, which take milliseconds per length. */
export const MAX_LEN_SWEEP_ALGORITHMS = ['none', 'spfhp', 'lpfhp', 'bfd'];

/**
 * Slow algorithms left out of the max-per-pack sweep: the optimal packer
 * takes a second or two per setting, and 17 settings would keep the page
 * busy for half a minute for a line that differs little from NNLSHP's.
 */
export const NOT_SWEPT = new Set(['optimal']);

/** The sweep's limits on sequences per pack: 1 to 16, then none (null). */
export function sweepDepths(maxFinite) {
  return [...Array.from({ length: maxFinite }, (_, index) => index + 1), null];
}

/** The row settings every request carries. */
function rows(settings) {
  return { max_len: settings.maxLen, overlong: settings.overlong };
}

/** What every key starts with: the data and its row settings. */
function base(dataset, settings) {
  return `${dataset.id}|${settings.maxLen}|${settings.overlong}`;
}

/** NNLSHP's bucket width, which the slow algorithms read (the optimal packer may keep NNLSHP's plan). */
function bucket(settings, algorithm) {
  return SLOW_ALGORITHMS.has(algorithm) && settings.bucketTokens !== null ? { bucket_tokens: settings.bucketTokens } : {};
}

function bucketKey(settings, algorithm) {
  return SLOW_ALGORITHMS.has(algorithm) ? settings.bucketTokens ?? 'automatic' : '';
}

/** The lengths at these settings: `DataSummary`. */
export function summaryQuestion(dataset, settings) {
  return { key: `summary|${base(dataset, settings)}`, action: 'summary', request: rows(settings) };
}

/** One algorithm at `depth` (a number, or null for no limit): `AlgorithmReport`. */
export function reportQuestion(dataset, settings, algorithm, depth) {
  return {
    key: `report|${base(dataset, settings)}|${algorithm}|${depth}|${bucketKey(settings, algorithm)}|${settings.batch}`,
    action: 'report',
    what: 'report',
    algorithm,
    depth,
    request: { ...rows(settings), algorithm, max_per_pack: depth, batch_size: settings.batch, ...bucket(settings, algorithm) },
  };
}

/** `algorithms` at every depth of `depths`: `SweepLine[]`. */
export function sweepQuestion(dataset, settings, algorithms, depths) {
  const slow = algorithms.find((name) => SLOW_ALGORITHMS.has(name));
  return {
    key: `sweep|${base(dataset, settings)}|${algorithms.join(',')}|${depths.join(',')}|${slow ? bucketKey(settings, slow) : ''}`,
    action: 'sweep',
    what: 'sweep',
    algorithm: algorithms.length === 1 ? algorithms[0] : null,
    depth: depths.length === 1 ? depths[0] : null,
    request: { ...rows(settings), algorithms, depths, ...(slow ? bucket(settings, slow) : {}) },
  };
}

/** A closer look at one plan: `PlanDetail`. */
export function detailQuestion(dataset, settings, algorithm, depth) {
  return {
    key: `detail|${base(dataset, settings)}|${algorithm}|${depth}|${bucketKey(settings, algorithm)}`,
    action: 'planDetail',
    what: 'detail',
    algorithm,
    depth,
    request: { ...rows(settings), algorithm, max_per_pack: depth, ...bucket(settings, algorithm) },
  };
}

/** The LP bound at `depth`: `BoundSummary`. */
export function boundQuestion(dataset, settings, depth) {
  return {
    key: `bound|${base(dataset, settings)}|${depth}`,
    action: 'lpBound',
    what: 'bound',
    algorithm: null,
    depth,
    request: { ...rows(settings), max_per_pack: depth },
  };
}

/** Dynamic padding at `batchSizes`: `DynamicPadding[]`. */
export function paddingQuestion(dataset, settings, batchSizes) {
  return {
    key: `padding|${base(dataset, settings)}|${batchSizes.join(',')}`,
    action: 'dynamicPadding',
    request: { ...rows(settings), batch_sizes: batchSizes },
  };
}

/**
 * Training FLOPs of no packing, of each plan in `packing` ({algorithm,
 * packs}) and of the dynamic padding `entries` (the answer of the padding
 * question `paddingKey`): `FlopsComparison`.
 */
export function flopsQuestion(dataset, settings, packing, paddingKey, entries) {
  const model = settings.model;
  return {
    key: `flops|${base(dataset, settings)}|${modelText(model)}|${packing.map((plan) => `${plan.algorithm}:${plan.packs}`).join(',')}|${paddingKey}`,
    action: 'flops',
    request: {
      ...rows(settings),
      model: typeof model === 'string' ? model : { ...model },
      packing,
      dynamic_padding: entries,
    },
  };
}

/**
 * One algorithm's packs (at `depth`) in training steps across GPUs,
 * shuffled and balanced, weighed by the FLOPs model's: `StepBalance`.
 */
export function stepBalanceQuestion(dataset, settings, algorithm, depth) {
  const model = settings.model;
  const shape = { world_size: settings.worldSize, micro_batch: settings.microBatch, grad_accum: settings.gradAccum };
  return {
    key: `steps|${base(dataset, settings)}|${algorithm}|${depth}|${bucketKey(settings, algorithm)}|${modelText(model)}|${shape.world_size}x${shape.micro_batch}x${shape.grad_accum}|${settings.seed}|${settings.epoch}`,
    action: 'stepBalance',
    what: 'steps',
    algorithm,
    depth,
    request: {
      ...rows(settings),
      algorithm,
      max_per_pack: depth,
      ...bucket(settings, algorithm),
      ...shape,
      model: typeof model === 'string' ? model : { ...model },
      seed: settings.seed,
      epoch: settings.epoch,
    },
  };
}

/** The fast packers at other row lengths: `MaxLenPoint[]`. */
export function maxLenQuestion(dataset, settings, algorithms) {
  return {
    key: `max-len|${base(dataset, settings)}|${settings.maxPerPack}|${algorithms.join(',')}`,
    action: 'maxLenSweep',
    request: { ...rows(settings), algorithms, max_per_pack: settings.maxPerPack },
  };
}

/**
 * The user's trainer at these settings, reading the data in `order` (the
 * user's order unless given): `TrainerAnswer`. Trainers handle sequences
 * over max_len their own way, so the overlong setting is not read.
 */
export function trainerQuestion(dataset, settings, order = settings.trainerOptions.order) {
  const options = { ...settings.trainerOptions, order };
  if (options.seed === null) delete options.seed;
  const request = { trainer: settings.trainer, max_len: settings.maxLen, options };
  return { key: `trainer|${dataset.id}|${JSON.stringify(request)}`, action: 'trainer', request };
}

/** The user's trainer at each of `maxLens` (the max_len sweep's trainer line): `TrainerPoint[]`. */
export function trainerSweepQuestion(dataset, settings, maxLens) {
  const { request } = trainerQuestion(dataset, settings);
  return {
    key: `trainer-sweep|${dataset.id}|${JSON.stringify(request)}|${maxLens.join(',')}`,
    action: 'trainerMaxLenSweep',
    request: { request, max_lens: maxLens },
  };
}
