// The lengths in the data: their histogram against max_len, the summary
// statistics, and the padding they cost without packing.
import { View, h, setText } from '../dom.js';
import { ChartFrame } from '../chart-frame.js';
import { chartDownloads, chartExport, resultSection } from '../section.js';
import { countOf, formatCount, formatDecimal, formatPercent } from '../format.js';

const STATISTICS = [
  ['sequences', 'Sequences', formatCount],
  ['tokens', 'Tokens', formatCount],
  ['min', 'Shortest', formatCount],
  ['mean', 'Mean', (value) => formatDecimal(value, 1)],
  ['median', 'Median', formatCount],
  ['p90', '90th percentile', formatCount],
  ['p99', '99th percentile', formatCount],
  ['max', 'Longest', formatCount],
];

export class HistogramView extends View {
  constructor() {
    super();
    this.section = resultSection({
      id: 'lengths',
      title: 'Sequence lengths',
      lede: 'How long the sequences are, against the row length max_len.',
    });
    this.chart = new ChartFrame('histogram', { testId: 'histogram-chart', label: 'Histogram of sequence lengths' });
    this.section.tools.append(chartDownloads(this.chart, 'length histogram', () => chartExport(this.model, 'histogram')));

    this.values = new Map();
    const items = [];
    for (const [key, label] of [...STATISTICS, ['overlong', 'Above max_len']]) {
      const value = h('dd', { 'data-stat': key });
      this.values.set(key, value);
      items.push(h('div', { class: 'stat' }, h('dt', { text: label }), value));
    }
    this.statistics = h('dl', { class: 'stats', 'data-testid': 'summary' }, items);
    this.paddingLine = h('p', { class: 'padding-line', 'data-testid': 'padding-unpacked' });
    this.overlongLine = h('p', { class: 'hint', 'data-testid': 'overlong-outcome' });

    this.binsBody = h('tbody');
    this.binsTable = h('table', { class: 'table table--compact' },
      h('caption', { class: 'visually-hidden', text: 'Sequences per length bin' }),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Lengths' }), h('th', { scope: 'col', class: 'number', text: 'Sequences' }))),
      this.binsBody,
    );
    this.binsDisclosure = h('details', {
      class: 'disclosure',
      ontoggle: () => this.fillBins(),
    }, h('summary', {}, 'The histogram as a table'), h('div', { class: 'table-scroll table-scroll--tall' }, this.binsTable));

    this.section.body.append(this.chart.element, this.paddingLine, this.statistics, this.overlongLine, this.binsDisclosure);
    this.element = this.section.element;
    this.shown = null;
  }

  update(model) {
    this.model = model;
    const data = model.summary;
    this.chart.setStale(model.stale);
    if (!data || data === this.shown) return;
    this.shown = data;
    const { summary, histogram, overlong } = data;

    for (const [key, , format] of STATISTICS) {
      const cell = this.values.get(key);
      cell.dataset.value = String(summary[key]);
      setText(cell, format(summary[key]));
    }
    const above = this.values.get('overlong');
    above.dataset.value = String(summary.overlong_sequences);
    setText(above, `${formatCount(summary.overlong_sequences)} (${formatPercent(summary.overlong_sequences / summary.sequences, 1)})`);
    // Of the rows computed once the overlong policy has run, as the verdict and the table count it.
    const unpacked = data.no_packing.padding_fraction;
    this.paddingLine.dataset.value = String(unpacked);
    setText(this.paddingLine, `padding without packing: ${formatPercent(unpacked, 1)}`);

    const policy = overlong.policy;
    let overlongText = `No sequence is longer than max_len ${formatCount(data.max_len)}.`;
    if (summary.overlong_sequences > 0) {
      const count = `${countOf(summary.overlong_sequences, 'sequence')} ${summary.overlong_sequences === 1 ? 'is' : 'are'} longer than max_len ${formatCount(data.max_len)}`;
      overlongText = policy === 'drop'
        ? `${count}: left out (${countOf(overlong.tokens_lost, 'token')}).`
        : `${count}: truncated, losing ${countOf(overlong.tokens_lost, 'token')}.`;
    }
    setText(this.overlongLine, overlongText);

    const label =
      `Histogram of ${formatCount(summary.sequences)} sequence lengths from ${formatCount(summary.min)} to ${formatCount(summary.max)} tokens, ` +
      `median ${formatCount(summary.median)}, with max_len ${formatCount(data.max_len)} marked` +
      (histogram.bin_width > 1 ? `, in bins of ${formatCount(histogram.bin_width)} tokens` : '') +
      '. The statistics follow the chart.';
    this.chart.show(data, label);
    this.binsFilled = false;
    if (this.binsDisclosure.open) this.fillBins();
  }

  /** The bins as rows; built only when the table is opened (there can be 512). */
  fillBins() {
    if (!this.binsDisclosure.open || this.binsFilled || !this.shown) return;
    this.binsFilled = true;
    const { histogram } = this.shown;
    const width = histogram.bin_width;
    const last = histogram.counts.length - 1;
    this.binsBody.replaceChildren(
      ...histogram.counts.map((count, index) => {
        const from = index * width + 1;
        const to = Math.min((index + 1) * width, histogram.range_end);
        let range = width === 1 ? formatCount(from) : `${formatCount(from)}–${formatCount(to)}`;
        if (index === last && histogram.range_end < this.shown.summary.max) range = `${formatCount(from)} and longer`;
        return h('tr', {}, h('td', { text: range }), h('td', { class: 'number', text: formatCount(count) }));
      }),
    );
  }
}
