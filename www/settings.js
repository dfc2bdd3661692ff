// The page's settings: what each holds, the defaults before the user or a
// link chooses, and the rules a custom model must follow. The largest value
// each number may take is the engine's (`settingRanges()`), not copied here.
// Pure: no browser.

/** The most sequences per pack offered besides "unlimited". */
export const MAX_FINITE_PER_PACK = 16;

export const OVERLONG_POLICIES = ['truncate', 'drop', 'error'];

/**
 * The max-per-pack setting that leaves each algorithm its own limit, as
 * the command line does by default: none, but 3 for NNLSHP (the paper's
 * setting; its cost grows with the limit). The engine reads it as written.
 */
export const DEFAULT_PER_PACK = 'default';

/**
 * The algorithms shown before the user or a link chooses. `optimal` is
 * listed for engines that have it; the page keeps only the algorithms its
 * engine offers (see `availableDefaults`).
 */
const DEFAULT_ALGORITHMS = Object.freeze(['none', 'spfhp', 'lpfhp', 'nnlshp', 'bfd', 'optimal']);

/**
 * The trainer shown before the user or a link chooses: TRL's
 * `SFTConfig(packing=True)`, the packing most fine-tuning runs use.
 */
export const DEFAULT_TRAINER = 'trl-bfd';

/** The orders a trainer can read files in (the engine's `OrderChoice`). */
export const TRAINER_ORDERS = ['as-given', 'shuffled', 'sorted'];

/** Settings before the user or a link changes them; max_len comes from the data. */
export const DEFAULT_SETTINGS = Object.freeze({
  maxLen: null,
  /** DEFAULT_PER_PACK, a number from 1, or null for no limit for any algorithm. */
  maxPerPack: DEFAULT_PER_PACK,
  overlong: 'truncate',
  algorithms: DEFAULT_ALGORITHMS,
  detail: 'nnlshp',
  batch: 32,
  /** NNLSHP's length bucket width in tokens; null: Packlab chooses it from max_len. */
  bucketTokens: null,
  /**
   * The model of the FLOPs estimate: a preset's name, or a custom shape
   * `{layers, hidden_size, heads, feed_forward_size, gated_feed_forward,
   * vocabulary_size}` (the engine's `ModelShape`).
   */
  model: 'bert-base',
  /** The seed of the shuffles of the plan for the user's own sequences. */
  seed: 0,
  /** The training epoch of that plan: each one reshuffles it. */
  epoch: 0,
  /** Whether that plan's packs are shuffled (else in the plan's order); not in links. */
  shufflePacks: true,
  /**
   * Whether that plan lays its packs out in steps across the GPUs of
   * "Across GPUs": 'none', 'steps', or 'balanced' (in Packlab's balanced
   * order); not in links.
   */
  planSteps: 'none',
  /** The trainer whose own packing "Your trainer" simulates (the engine's name). */
  trainer: DEFAULT_TRAINER,
  /**
   * The user's choices of that trainer's packing, as the engine's trainer
   * request names them (`{order, seed, map_batch_rows, group_size,
   * bin_size, batch_size, packing_ratio}`); null until the engine gives its
   * defaults (`trainerDefaults()`), which are the command line's.
   */
  trainerOptions: null,
  /**
   * "Across GPUs": data-parallel ranks, packs per rank per forward pass,
   * forward passes per optimizer step (`--world-size`, `--micro-batch`,
   * `--grad-accum`; the last two the command line's defaults).
   */
  worldSize: 8,
  microBatch: 1,
  gradAccum: 1,
  /** The compute-cost line: tokens one GPU processes per second, and its price per hour. */
  gpuTokensPerSecond: 5000,
  gpuHourPrice: 2,
});

/** The default algorithms this engine offers (`algorithmNames`: what `algorithms()` lists), in its order. */
export function availableDefaults(algorithmNames) {
  return algorithmNames.filter((name) => DEFAULT_ALGORITHMS.includes(name));
}

/** The fields of a custom model, in the order a link writes them. */
export const MODEL_FIELDS = ['layers', 'hidden_size', 'heads', 'feed_forward_size', 'gated_feed_forward', 'vocabulary_size'];

/**
 * What is wrong with a custom model shape, in words for the user, or null
 * when the engine will accept it. `ranges`: the engine's (`settingRanges()`).
 */
export function modelShapeProblem(shape, ranges) {
  for (const field of ['layers', 'hidden_size', 'heads', 'feed_forward_size']) {
    const value = shape[field];
    if (!Number.isInteger(value) || value < 1 || value > ranges.model_dimension) return `${field.replaceAll('_', ' ')} must be a whole number from 1`;
  }
  const vocabulary = shape.vocabulary_size;
  if (!Number.isInteger(vocabulary) || vocabulary < 0 || vocabulary > ranges.model_dimension) {
    return 'vocabulary size must be a whole number (0 for no language-model head)';
  }
  if (typeof shape.gated_feed_forward !== 'boolean') return 'the feed-forward layer must be plain or gated';
  if (shape.hidden_size % shape.heads !== 0) return `hidden size ${shape.hidden_size} is not a multiple of ${shape.heads} heads`;
  return null;
}

/** A model setting as a link writes it: `bert-base` or `custom:12,768,12,3072,plain,30522`. */
export function modelText(model) {
  if (typeof model === 'string') return model;
  return `custom:${MODEL_FIELDS.map((field) => {
    if (field === 'gated_feed_forward') return model[field] ? 'gated' : 'plain';
    return String(model[field]);
  }).join(',')}`;
}
