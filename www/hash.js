// The page's settings in the URL hash, so that a link reproduces a view:
//
//   #preset=qa-finetuning-384&max_len=384&max_per_pack=3&overlong=truncate
//    &algorithms=none,spfhp,lpfhp,nnlshp,bfd&detail=nnlshp&batch=32&bucket=4
//
// `preset` is left out when the data came from the user's files (they never
// leave the machine, so a link cannot carry them). `bucket`, NNLSHP's length
// bucket width in tokens, is left out when Packlab chooses it. Unknown or
// malformed values are reported and replaced by defaults, never fatal.

/** The largest max_len the engine accepts (2^22 tokens). */
export const MAX_SUPPORTED_MAX_LEN = 4_194_304;

/** The largest batch size the engine accepts (a 32-bit count). */
export const MAX_BATCH_SIZE = 4_294_967_295;

/**
 * The widest NNLSHP length bucket a link or the settings accept. A bucket
 * as wide as max_len already holds every length (the engine narrows wider
 * ones to max_len), so nothing wider than the largest max_len is useful.
 */
export const MAX_BUCKET_TOKENS = MAX_SUPPORTED_MAX_LEN;

/** The most sequences per pack offered besides "unlimited". */
export const MAX_FINITE_PER_PACK = 16;

export const OVERLONG_POLICIES = ['truncate', 'drop', 'error'];

/** Settings before the user or a link changes them; max_len comes from the data. */
export const DEFAULT_SETTINGS = Object.freeze({
  maxLen: null,
  maxPerPack: 3,
  overlong: 'truncate',
  algorithms: Object.freeze(['none', 'spfhp', 'lpfhp', 'nnlshp', 'bfd']),
  detail: 'nnlshp',
  batch: 32,
  /** NNLSHP's length bucket width in tokens; null: Packlab chooses it from max_len. */
  bucketTokens: null,
});

function wholeNumber(text, min, max) {
  if (!/^\d+$/.test(text)) return null;
  const value = Number(text);
  return value >= min && value <= max ? value : null;
}

/**
 * Reads a hash. Returns `{preset, settings, problems}`: `preset` is a name
 * or null, `settings` holds only the keys the hash set validly (and
 * `bucketTokens` always: its absence means automatic), and `problems` lists
 * what was ignored, in words for the user.
 */
export function readHash(hash, { presetNames, algorithmNames }) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const settings = {};
  const problems = [];
  let preset = null;

  const value = (key) => params.get(key);
  if (params.has('preset')) {
    if (presetNames.includes(value('preset'))) preset = value('preset');
    else problems.push(`unknown preset “${value('preset')}”`);
  }
  if (params.has('max_len')) {
    const maxLen = wholeNumber(value('max_len'), 1, MAX_SUPPORTED_MAX_LEN);
    if (maxLen === null) problems.push(`max_len “${value('max_len')}” (use 1 to ${MAX_SUPPORTED_MAX_LEN})`);
    else settings.maxLen = maxLen;
  }
  if (params.has('max_per_pack')) {
    const text = value('max_per_pack');
    const depth = wholeNumber(text, 1, MAX_FINITE_PER_PACK);
    if (text === 'unlimited') settings.maxPerPack = null;
    else if (depth === null) problems.push(`max_per_pack “${text}” (use 1 to ${MAX_FINITE_PER_PACK} or unlimited)`);
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
    const batch = wholeNumber(value('batch'), 1, MAX_BATCH_SIZE);
    if (batch === null) problems.push(`batch “${value('batch')}” (use a whole number from 1)`);
    else settings.batch = batch;
  }
  // A link without `bucket` means the automatic width, not "keep the one
  // set before": a link reproduces what it was copied from.
  settings.bucketTokens = null;
  if (params.has('bucket')) {
    const bucketTokens = wholeNumber(value('bucket'), 1, MAX_BUCKET_TOKENS);
    if (bucketTokens === null) problems.push(`bucket “${value('bucket')}” (use a whole number of tokens from 1, or leave it out for automatic)`);
    else settings.bucketTokens = bucketTokens;
  }
  return { preset, settings, problems };
}

/** Writes the hash (without '#') for a preset name (or null) and settings. */
export function writeHash(preset, settings) {
  const parts = [];
  const add = (key, text) => parts.push(`${key}=${encodeURIComponent(text)}`);
  if (preset) add('preset', preset);
  if (settings.maxLen !== null) add('max_len', settings.maxLen);
  add('max_per_pack', settings.maxPerPack === null ? 'unlimited' : settings.maxPerPack);
  add('overlong', settings.overlong);
  // Commas stay readable: algorithm names never need escaping.
  parts.push(`algorithms=${settings.algorithms.map(encodeURIComponent).join(',')}`);
  add('detail', settings.detail);
  add('batch', settings.batch);
  if (settings.bucketTokens !== null) add('bucket', settings.bucketTokens);
  return parts.join('&');
}
