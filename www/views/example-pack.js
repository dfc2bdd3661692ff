// One pack up close: its sequences side by side in a row, the
// block-diagonal attention mask and the position ids that keep them apart.
import { View, h, setText } from '../dom.js';
import { ChartFrame } from '../chart-frame.js';
import { chartDownloads, chartExport, resultSection } from '../section.js';
import { algorithmLabel, formatCount, formatPercent } from '../format.js';

export class ExamplePackView extends View {
  constructor() {
    super();
    this.section = resultSection({ id: 'example-pack', title: 'An example pack', lede: '' });
    this.chart = new ChartFrame('mask', { testId: 'mask-chart', label: 'An example pack, its attention mask and position ids' });
    this.section.tools.append(chartDownloads(this.chart, 'example pack', () => chartExport(this.model, `pack-${this.model.settings.detail}`)));
    this.summary = h('p', { class: 'pack-summary', 'data-testid': 'example-pack' });
    this.body = h('tbody');
    this.table = h('table', { class: 'table table--compact', 'data-testid': 'example-table' },
      h('caption', { class: 'visually-hidden', text: 'The sequences of the example pack' }),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', text: 'Sequence' }),
        h('th', { scope: 'col', class: 'number', text: 'Length' }),
        h('th', { scope: 'col', text: 'Places in the row' }),
        h('th', { scope: 'col', text: 'Position ids' }),
        h('th', { scope: 'col', text: 'Attends to' }),
      )),
      this.body,
    );
    const explanation = h('div', { class: 'explainer' },
      h('h3', { class: 'subheading', text: 'Why packed sequences do not contaminate each other' }),
      h('p', {}, 'A packed row holds several unrelated sequences, so the model must treat each as if it had the row to itself. ',
        h('strong', {}, 'The attention mask is block-diagonal:'), ' a token may attend only to tokens of its own sequence, so no attention score mixes two sequences. ',
        h('strong', {}, 'Position ids restart at 0'), ' for every sequence, so each one sees the positional encodings it would see alone.'),
      h('p', {}, 'With both, and with the loss (and, for BERT-like models, the pooled output) taken per sequence, a packed row computes exactly what the separate padded rows would, without their padding.'),
    );
    this.section.body.append(this.chart.element, this.summary, h('div', { class: 'table-scroll' }, this.table), explanation);
    this.element = this.section.element;
    this.shown = null;
  }

  update(model) {
    this.model = model;
    const name = algorithmLabel(model.settings.detail);
    setText(
      this.section.lede,
      model.settings.detail === 'none'
        ? 'Without packing each row holds one sequence: a row of median fill, and what the model is told about it.'
        : `A typical ${name} pack: of median fill (half of the packs hold fewer tokens, half more), the most frequent of that fill, and what the model is told about it.`,
    );
    this.chart.setStale(model.stale);
    const detail = model.detail;
    if (!detail) {
      if (this.shown) {
        this.shown = null;
        this.body.replaceChildren();
        setText(this.summary, '');
      }
      this.chart.show(null, `Example ${name} pack: not computed yet.`);
      this.chart.setNote(model.summary ? (model.slow.cancelled || model.slow.failed ? 'No plan to show.' : `Computing ${name}'s plan…`) : '');
      return;
    }
    this.chart.setNote('');
    if (detail === this.shown) return;
    this.shown = detail;

    const example = detail.example;
    const maxLen = detail.report.max_len;
    const tokens = example.reduce((sum, length) => sum + length, 0);
    const same = detail.top_groups.find(
      (group) => group.lengths.length === example.length && group.lengths.every((length, index) => length === example[index]),
    );
    setText(
      this.summary,
      `${example.map(formatCount).join(' + ')} = ${formatCount(tokens)} of ${formatCount(maxLen)} tokens (${formatPercent(tokens / maxLen, 1)} full, ` +
        `${formatCount(maxLen - tokens)} padding)` +
        (same ? `; ${formatCount(same.count)} ${same.count === 1 ? 'pack is' : 'packs are'} exactly like it.` : '.'),
    );

    let start = 0;
    const rows = example.map((length, index) => {
      const from = start;
      start += length;
      return h('tr', {},
        h('th', { scope: 'row', text: `${index + 1}` }),
        h('td', { class: 'number', text: formatCount(length) }),
        h('td', { text: `${formatCount(from)}–${formatCount(from + length - 1)}` }),
        h('td', { text: `0, 1, …, ${formatCount(length - 1)}` }),
        h('td', { text: `tokens ${formatCount(from)}–${formatCount(from + length - 1)} only` }),
      );
    });
    if (tokens < maxLen) {
      rows.push(h('tr', { class: 'is-padding' },
        h('th', { scope: 'row', text: 'padding' }),
        h('td', { class: 'number', text: formatCount(maxLen - tokens) }),
        h('td', { text: `${formatCount(tokens)}–${formatCount(maxLen - 1)}` }),
        h('td', { text: '(ignored)' }),
        h('td', { text: 'nothing; masked out' }),
      ));
    }
    this.body.replaceChildren(...rows);
    this.chart.show(
      detail,
      `An example ${name} pack of ${example.length} sequences (${example.join(', ')} tokens) in a row of ${maxLen}: ` +
        'the attention mask is block-diagonal and position ids restart at 0 for each sequence. The table follows.',
    );
  }
}
