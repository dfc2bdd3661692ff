// Text exports of Packlab's figures, in the same field names as the
// command line's JSON, so a spreadsheet and a script read the same columns.

const COMPARISON_COLUMNS = [
  'algorithm',
  'max_len',
  'max_per_pack',
  'sequences',
  'tokens',
  'packs',
  'efficiency',
  'padding_fraction',
  'speedup',
  'speedup_limit',
  'volume_bound',
  'mean_sequences_per_pack',
  'full_packs',
  'bucket_tokens',
  'bucketing_cost',
  'runtime_ms',
];

function csvField(value) {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The comparison table as CSV: one row per report, exact values. An empty
 * max_per_pack means unlimited; empty bucket fields mean exact lengths.
 */
export function comparisonCsv(reports) {
  const lines = [COMPARISON_COLUMNS.join(',')];
  for (const report of reports) {
    lines.push(COMPARISON_COLUMNS.map((column) => csvField(report[column])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
