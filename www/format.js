// How Packlab writes numbers and names for people. Figures are formatted
// the same way everywhere (en-US grouping), like the command line prints them.

const integers = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 88641 → "88,641". */
export function formatCount(value) {
  return integers.format(value);
}

/** 1, 'sequence' → "1 sequence"; 2,038 → "2,038 sequences" (nouns whose plural adds an s). */
export function countOf(value, noun) {
  return `${formatCount(value)} ${value === 1 ? noun : `${noun}s`}`;
}

/** 0.98466 → "98.47%". */
export function formatPercent(fraction, digits = 2) {
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** 2.19782 → "2.198×". */
export function formatSpeedup(value, digits = 3) {
  return `${value.toFixed(digits)}×`;
}

/** A fixed-point number with `digits` decimals and grouping. */
export function formatDecimal(value, digits = 1) {
  return new Intl.NumberFormat('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(value);
}

/** Milliseconds, with the precision a person reads: < 0.1 ms, 0.85 ms, 12.3 ms, 1.24 s. */
export function formatDuration(ms) {
  // The browser's clock ticks every 0.1 ms or so: finer figures would be noise.
  if (ms < 0.1) return '< 0.1 ms';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

/** An elapsed time for a running job: "0:07", "2:31". */
export function formatClock(ms) {
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** 209715200 → "200 MB" (decimal units, as file managers show them). */
export function formatBytes(bytes) {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  do {
    value /= 1000;
    unit += 1;
  } while (value >= 1000 && unit < units.length - 1);
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** A max-per-pack setting as written on the page: 3, or "unlimited". */
export function formatDepth(depth) {
  return depth === null || depth === undefined ? 'unlimited' : String(depth);
}

/** "no limit on sequences per pack", "1 sequence per pack", "at most 3 sequences per pack". */
export function limitPhrase(maxPerPack) {
  if (maxPerPack === null || maxPerPack === undefined) return 'no limit on sequences per pack';
  if (maxPerPack === 1) return '1 sequence per pack';
  return `at most ${formatCount(maxPerPack)} sequences per pack`;
}

/** What users call each algorithm, and what it does in one sentence. */
export const ALGORITHM_INFO = {
  none: {
    label: 'No packing',
    description: 'One sequence per row, padded to max_len: the baseline.',
  },
  spfhp: {
    label: 'SPFHP',
    description:
      'Shortest-pack-first histogram packing (the paper): longest lengths first, each into the open pack with the most room left.',
  },
  lpfhp: {
    label: 'LPFHP',
    description:
      'Longest-pack-first histogram packing: each length into the fullest open pack it fits, as many copies as fit.',
  },
  nnlshp: {
    label: 'NNLSHP',
    description:
      'Non-negative least-squares histogram packing (the paper): solves for the mix of exactly-filling packs, then packs the leftovers. The most efficient, and the slowest.',
  },
  bfd: {
    label: 'BFD',
    description:
      'Best-fit decreasing, the packer training libraries commonly default to.',
  },
  optimal: {
    label: 'Optimal (LP)',
    description:
      'The cutting-stock linear programme solved, its solution rounded and the rest completed: close to the fewest packs possible, measured against the LP bound. Where it misses the bound, the best of the other algorithms’ plans is kept if better, so it never uses more packs than they do at the same limit. About as slow as NNLSHP.',
  },
};

/**
 * What users call each trainer's packing (the engine's `trainers()` names
 * them and the version modelled), and the setting that turns it on.
 */
export const TRAINER_INFO = {
  'trl-bfd': { label: 'TRL, packing=True (bfd)', setting: 'SFTConfig(packing=True), packing_strategy="bfd"' },
  'trl-bfd-split': { label: 'TRL, bfd_split', setting: 'SFTConfig(packing=True, packing_strategy="bfd_split")' },
  'trl-wrapped': { label: 'TRL, wrapped', setting: 'SFTConfig(packing=True, packing_strategy="wrapped")' },
  torchtune: { label: 'torchtune, packed=True', setting: 'dataset.packed: True' },
  'torchtune-split': { label: 'torchtune, split across packs', setting: 'PackedDataset(split_across_pack=True)' },
  llamafactory: { label: 'LLaMA-Factory, packing', setting: 'packing: true' },
  axolotl: { label: 'axolotl, sample_packing', setting: 'sample_packing: true' },
  'axolotl-sequential': { label: 'axolotl, packing sequentially', setting: 'sample_packing_sequentially: true' },
  'llm-foundry': { label: 'llm-foundry, BinPackCollator', setting: 'dataset.packing_ratio' },
  'nemo-ffd': { label: 'NeMo, first fit decreasing', setting: 'packed_sequence_specs, packing_algorithm: first_fit_decreasing' },
  'nemo-ffs': { label: 'NeMo, first fit shuffle', setting: 'packed_sequence_specs, packing_algorithm: first_fit_shuffle' },
  'padding-free': { label: 'transformers, padding-free (no packing)', setting: 'DataCollatorWithFlattening, or SFTConfig(padding_free=True) in TRL' },
};

/** The display name of a trainer's packing, or the name itself if unknown. */
export function trainerLabel(name) {
  return TRAINER_INFO[name]?.label ?? name;
}

/** How the dynamic padding schemes are called on the page. */
export const BATCHING_SCHEME_INFO = {
  random: {
    label: 'Random batches',
    description: 'The epoch shuffled and cut into batches, each padded to its longest sequence: every trainer’s default.',
  },
  megabatch: {
    label: 'Grouped by length',
    description:
      'Like trainers’ group_by_length: a shuffle cut into megabatches of up to 50 batches, each sorted by length before it is cut into batches.',
  },
  sorted: {
    label: 'Sorted by length',
    description: 'The whole epoch sorted by length, then cut into batches: the least padding equal-size batches can have, and no shuffling at all.',
  },
};

/** The display name of a batching scheme ("Random batches"), or the name itself. */
export function schemeLabel(name) {
  return BATCHING_SCHEME_INFO[name]?.label ?? name;
}

const FLOP_UNITS = [
  [1e24, 'YFLOP'],
  [1e21, 'ZFLOP'],
  [1e18, 'EFLOP'],
  [1e15, 'PFLOP'],
  [1e12, 'TFLOP'],
  [1e9, 'GFLOP'],
  [1e6, 'MFLOP'],
  [1e3, 'kFLOP'],
];

/** 3.52e18 → "3.52 EFLOP" (decimal prefixes, three significant digits). */
export function formatFlops(flops) {
  if (!Number.isFinite(flops)) return '–';
  const unit = FLOP_UNITS.find(([scale]) => Math.abs(flops) >= scale * 0.9995);
  if (!unit) return `${flops.toPrecision(3)} FLOP`;
  return `${(flops / unit[0]).toPrecision(3)} ${unit[1]}`;
}

/** The display name of an algorithm ("NNLSHP"), or the name itself if unknown. */
export function algorithmLabel(name) {
  return ALGORITHM_INFO[name]?.label ?? name;
}

/** Runs of consecutive numbers longer than this are shortened to their ends. */
const SHOWN_RUN = 4;

/**
 * A list of whole numbers for reading, each run counting up by one cut to
 * its ends: [0, 1, …, 211, 0, 1, …, 99] → "0, 1, …, 211, 0, 1, …, 99". Past
 * `maxItems` shown entries the rest is counted: "…, 212 more".
 */
export function abbreviateRuns(values, maxItems = 40) {
  const parts = [];
  let start = 0;
  while (start < values.length && parts.length < maxItems) {
    let end = start;
    while (end + 1 < values.length && values[end + 1] === values[end] + 1) end += 1;
    if (end - start + 1 > SHOWN_RUN) {
      parts.push(String(values[start]), String(values[start + 1]), '…', String(values[end]));
    } else {
      for (let index = start; index <= end; index += 1) parts.push(String(values[index]));
    }
    start = end + 1;
  }
  if (start < values.length) parts.push(`… ${formatCount(values.length - start)} more`);
  return parts.join(', ');
}

/**
 * The readers word their fixes as command-line options (`--column`); where
 * those are on this page, in a sentence, or '' when the message names none.
 */
export function whereOnThisPage(message) {
  const hints = [];
  if (message.includes('--max-len')) hints.push('max_len');
  if (message.includes('--overlong')) hints.push('“Sequences over max_len”');
  if (message.includes('--column')) hints.push('the column under “Advanced reading options”');
  if (message.includes('--format')) hints.push('the format under “Advanced reading options”');
  return hints.length ? `On this page: change ${hints.join(' or ')}.` : '';
}
