// Choosing max_len: the fast packers at several row lengths (powers of two,
// the 90th and 99th percentiles, the longest sequence and the current
// one), with what each costs in compute and loses to truncation.
//
// Test contract: the section is `[data-testid=max-len-sweep]`, its chart
// `[data-testid=max-len-sweep-chart]`, its table
// `[data-testid=max-len-sweep-table]` with rows `tr[data-max-len]`
// (`data-current="true"` on the current one) and cells
// `td[data-algorithm][data-metric=efficiency][data-value]` (with
// `data-relative-compute` and `data-packs`) and
// `td[data-metric=tokens_lost_fraction][data-value]`; the user's trainer,
// once simulated, in `td[data-trainer][data-metric=efficiency]` (with
// `data-packs`).
import { View, h, setText } from '../dom.js';
import { ChartFrame } from '../chart-frame.js';
import { chartDownloads, chartExport, resultSection } from '../section.js';
import { algorithmLabel, formatCount, formatPercent, formatSpeedup, trainerLabel } from '../format.js';

const REASONS = {
  current: 'current',
  power_of_two: 'power of two',
  p90: '90th percentile',
  p99: '99th percentile',
  longest: 'longest sequence',
  requested: 'requested',
};

export class MaxLenSweepView extends View {
  constructor() {
    super();
    this.section = resultSection({
      id: 'max-len-sweep',
      title: 'Choosing max_len',
      lede: 'The same data packed at other row lengths. Shorter rows waste less at their ends but cut long sequences; '
        + 'compute is relative to padding every sequence to the current max_len (below 1× is cheaper).',
    });
    this.section.element.dataset.testid = 'max-len-sweep';
    this.chart = new ChartFrame('max-len-sweep', {
      testId: 'max-len-sweep-chart',
      label: 'Relative compute and efficiency against max_len',
    });
    this.section.tools.append(chartDownloads(this.chart, 'max_len sweep', () => chartExport(this.model, 'max-len-sweep')));
    this.head = h('tr');
    this.body = h('tbody');
    this.table = h('table', { class: 'table table--compact', 'data-testid': 'max-len-sweep-table' },
      h('caption', { class: 'visually-hidden', text: 'Efficiency, relative compute and tokens lost at each max_len' }),
      h('thead', {}, this.head),
      this.body,
    );
    this.note = h('p', { class: 'hint', 'aria-live': 'polite' });
    this.section.body.append(
      this.chart.element,
      this.note,
      h('p', { class: 'hint', text: 'Each algorithm’s cell: its efficiency, then its compute relative to padding at the current max_len. Tokens lost: what sequences longer than the row lose to the overlong policy.' }),
      h('div', { class: 'table-scroll' }, this.table),
    );
    this.element = this.section.element;
    this.shownKey = null;
  }

  update(model) {
    this.model = model;
    const sweep = model.maxLenSweep;
    this.chart.setStale(model.stale || sweep.pending);
    if (!model.summary) return;
    const maxLen = model.summary.max_len;
    const trainer = model.trainer.sweep;
    const key = [sweep.points, maxLen, sweep.pending, sweep.error, sweep.truncatedInstead, trainer];
    if (this.shownKey && key.every((part, index) => part === this.shownKey[index])) return;
    this.shownKey = key;

    const points = sweep.points;
    let note = '';
    if (sweep.error) note = `The sweep could not be computed: ${sweep.error}`;
    else if (sweep.algorithms.length === 0) note = 'Choose one of the fast algorithms (no packing, SPFHP, LPFHP, BFD) under Settings to sweep max_len.';
    else if (sweep.pending) note = 'Packing at other row lengths…';
    else if (sweep.truncatedInstead) note = 'Sequences over max_len stop the analysis under “Error”: shorter rows are shown as if they were truncated.';
    setText(this.note, note);
    this.chart.setNote(sweep.error ? 'No sweep to draw.' : '');

    const names = [...new Set(points.flatMap((point) => point.results.map((result) => result.algorithm)))];
    this.head.replaceChildren(
      h('th', { scope: 'col', text: 'max_len' }),
      h('th', { scope: 'col', class: 'number', text: 'Tokens lost' }),
      ...names.map((name) => h('th', { scope: 'col', class: 'number' },
        h('span', { class: `swatch swatch--${name}`, 'aria-hidden': 'true' }), algorithmLabel(name))),
      trainer ? h('th', { scope: 'col', class: 'number', text: `Your trainer: ${trainerLabel(model.settings.trainer)}` }) : null,
    );
    // The trainer's compute relative to padding every sequence to the current max_len, as the packers'.
    const unpackedTokens = model.summary.no_packing.packs * maxLen;
    const trainerAt = new Map((trainer ?? []).map((point) => [point.max_len, point]));
    this.body.replaceChildren(...points.map((point) => {
      const current = point.reasons.includes('current') || point.max_len === maxLen;
      const reasons = point.reasons.filter((reason) => reason !== 'current').map((reason) => REASONS[reason] ?? reason);
      return h('tr', { 'data-max-len': String(point.max_len), 'data-current': current ? 'true' : null, class: current ? 'is-current' : null },
        h('th', { scope: 'row' },
          formatCount(point.max_len),
          current ? h('span', { class: 'badge', text: 'current' }) : null,
          reasons.length ? h('span', { class: 'subtle', text: ` ${reasons.join(', ')}` }) : null),
        h('td', {
          class: 'number',
          'data-metric': 'tokens_lost_fraction',
          'data-value': String(point.tokens_lost_fraction),
          title: `${formatCount(point.overlong_sequences)} sequences (${formatPercent(point.overlong_fraction)}) longer than ${formatCount(point.max_len)}; ${formatCount(point.tokens_lost)} tokens lost`,
          text: formatPercent(point.tokens_lost_fraction),
        }),
        ...names.map((name) => {
          const result = point.results.find((entry) => entry.algorithm === name);
          if (!result) return h('td', { class: 'number pending-cell', text: '–' });
          return h('td', {
            class: 'number',
            'data-algorithm': name,
            'data-metric': 'efficiency',
            'data-value': String(result.efficiency),
            'data-relative-compute': String(result.relative_compute),
            'data-packs': String(result.packs),
            title: `${formatCount(result.packs)} rows of ${formatCount(point.max_len)} tokens`,
          }, formatPercent(result.efficiency, 1), h('span', { class: 'subtle', text: ` ${formatSpeedup(result.relative_compute, 2)}` }));
        }),
        trainer ? trainerCell(trainerAt.get(point.max_len), unpackedTokens) : null,
      );
    }));

    const best = [];
    for (const point of points) {
      for (const result of point.results) {
        if (result.algorithm === 'none' || !Number.isFinite(result.relative_compute)) continue;
        if (!best.length || result.relative_compute < best[0].result.relative_compute) best[0] = { point, result };
      }
    }
    const described = best.length
      ? `Least compute: ${algorithmLabel(best[0].result.algorithm)} at max_len ${formatCount(best[0].point.max_len)}, ${formatSpeedup(best[0].result.relative_compute, 2)} of padding at the current max_len, losing ${formatPercent(best[0].point.tokens_lost_fraction)} of tokens.`
      : 'No packing results yet.';
    this.chart.show({ points, max_len: maxLen }, `Relative compute and efficiency against max_len. ${described} The table follows.`);
  }
}

/** The trainer's cell of one max_len: its efficiency and relative compute, with what it lost. */
function trainerCell(point, unpackedTokens) {
  if (!point) return h('td', { class: 'number pending-cell', text: '–' });
  const relative = (point.packs * point.max_len) / unpackedTokens;
  return h('td', {
    class: 'number',
    'data-trainer': 'true',
    'data-metric': 'efficiency',
    'data-value': String(point.efficiency),
    'data-packs': String(point.packs),
    title: `${formatCount(point.packs)} rows of ${formatCount(point.max_len)} tokens; ${formatCount(point.tokens_lost)} tokens truncated or dropped by the trainer`,
  }, formatPercent(point.efficiency, 1), h('span', { class: 'subtle', text: ` ${formatSpeedup(relative, 2)}` }));
}
