// How the page writes numbers and names (www/format.js), without a browser:
// the figures read the same as the command line prints them.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { countOf, formatCount, formatDuration, formatPercent, limitPhrase, whereOnThisPage } from '../../www/format.js';

test('counts are grouped in thousands and rounded to whole numbers', () => {
  assert.equal(formatCount(0), '0');
  assert.equal(formatCount(999), '999');
  assert.equal(formatCount(88_641), '88,641');
  assert.equal(formatCount(1_234_567), '1,234,567');
  assert.equal(formatCount(2 ** 53 - 1), '9,007,199,254,740,991');
  assert.equal(formatCount(2.5), '3');
});

test('a count takes the singular only for exactly one', () => {
  assert.equal(countOf(1, 'sequence'), '1 sequence');
  assert.equal(countOf(0, 'pack'), '0 packs');
  assert.equal(countOf(2, 'pack'), '2 packs');
  assert.equal(countOf(2_038, 'sequence'), '2,038 sequences');
});

test('durations under the clock’s resolution read < 0.1 ms', () => {
  assert.equal(formatDuration(0), '< 0.1 ms');
  assert.equal(formatDuration(0.04), '< 0.1 ms');
  assert.equal(formatDuration(0.0999), '< 0.1 ms');
  assert.equal(formatDuration(0.1), '0.10 ms');
});

test('durations keep the precision a person reads', () => {
  const cases = [
    [0.85, '0.85 ms'],
    [1, '1.0 ms'],
    [12.34, '12.3 ms'],
    [99.9, '99.9 ms'],
    [100, '100 ms'],
    [512.4, '512 ms'],
    [1_000, '1.00 s'],
    [1_240, '1.24 s'],
    [59_000, '59.00 s'],
    [60_000, '1 min 00 s'],
    [151_000, '2 min 31 s'],
    [3_725_000, '62 min 05 s'],
  ];
  for (const [ms, text] of cases) assert.equal(formatDuration(ms), text, `${ms} ms`);
});

test('fractions read as percentages with two decimals, or as asked', () => {
  assert.equal(formatPercent(0.98466), '98.47%');
  assert.equal(formatPercent(1), '100.00%');
  assert.equal(formatPercent(0), '0.00%');
  assert.equal(formatPercent(0.5, 0), '50%');
  assert.equal(formatPercent(0.123456, 3), '12.346%');
});

test('the limit on sequences per pack reads as a phrase', () => {
  assert.equal(limitPhrase(null), 'no limit on sequences per pack');
  assert.equal(limitPhrase(undefined), 'no limit on sequences per pack');
  assert.equal(limitPhrase(1), '1 sequence per pack');
  assert.equal(limitPhrase(3), 'at most 3 sequences per pack');
  assert.equal(limitPhrase(1_000), 'at most 1,000 sequences per pack');
});

test('command-line options in a reader’s message point to the page’s settings', () => {
  // The readers' and the histogram's own wording.
  assert.equal(
    whereOnThisPage('there is no column `len`; the columns are text, tokens. Name one of them with --column NAME'),
    'On this page: change the column under “Advanced reading options”.',
  );
  assert.equal(
    whereOnThisPage('read the file as JSON Lines (--format jsonl), which counts its ids'),
    'On this page: change the format under “Advanced reading options”.',
  );
  assert.equal(
    whereOnThisPage('all 3 sequences are longer than max_len 128 and were dropped: raise --max-len or use --overlong truncate'),
    'On this page: change max_len or “Sequences over max_len”.',
  );
  assert.equal(
    whereOnThisPage('--column, --format, --overlong, --max-len'),
    'On this page: change max_len or “Sequences over max_len” or the column under “Advanced reading options” or the format under “Advanced reading options”.',
  );
  assert.equal(whereOnThisPage('the input holds no sequences: give at least one sequence length'), '');
});
