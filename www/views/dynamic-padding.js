// What you would do instead of packing: dynamic padding, batches padded to
// their own longest sequence rather than to max_len, under the three ways
// trainers form batches, at a few batch sizes and the user's.
//
// Test contract: `[data-testid=dynamic-padding] tr[data-scheme][data-batch-size]`,
// each with `td[data-metric][data-value]` holding the engine's raw figures
// (padding_fraction, efficiency, padded_tokens, tokens, mean_padded_length,
// speedup_over_max_len).
import { View, h, setText } from '../dom.js';
import { resultSection } from '../section.js';
import { BATCHING_SCHEME_INFO, algorithmLabel, formatCount, formatDecimal, formatPercent, formatSpeedup, schemeLabel } from '../format.js';

const ESTIMATES = {
  exact: 'exact',
  simulated: 'simulated',
  'quantile-approximation': 'from quantiles',
};

const COLUMNS = [
  { metric: 'padding_fraction', label: 'Padding', format: (value) => formatPercent(value) },
  { metric: 'efficiency', label: 'Efficiency', format: (value) => formatPercent(value) },
  { metric: 'mean_padded_length', label: 'Mean padded length', format: (value) => formatDecimal(value, 1) },
  { metric: 'speedup_over_max_len', label: 'Speed-up', format: (value) => formatSpeedup(value, 3) },
  { metric: 'padded_tokens', label: 'Tokens computed', format: (value) => formatCount(Math.round(value)) },
];

export class DynamicPaddingView extends View {
  constructor() {
    super();
    this.section = resultSection({
      id: 'dynamic-padding',
      title: 'Instead of packing: dynamic padding',
      lede: 'What you would do instead of packing: pad each batch to its own longest sequence, not to max_len. '
        + 'How much of the compute is still padding depends on how batches are formed and how large they are.',
    });
    this.body = h('tbody');
    this.table = h('table', { class: 'table table--compact', 'data-testid': 'dynamic-padding' },
      h('caption', { class: 'visually-hidden', text: 'Padding and efficiency of dynamic padding for each batching scheme and batch size' }),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', text: 'Batches' }),
        h('th', { scope: 'col', class: 'number', text: 'Batch size' }),
        COLUMNS.map((column) => h('th', { scope: 'col', class: 'number', text: column.label })),
        h('th', { scope: 'col', text: 'Estimate' }),
      )),
      this.body,
    );
    this.reference = h('p', { class: 'hint', 'data-testid': 'dynamic-padding-reference' });
    const glossary = h('details', { class: 'disclosure' },
      h('summary', {}, 'How the batches are formed'),
      h('dl', { class: 'glossary' },
        Object.values(BATCHING_SCHEME_INFO).map((info) => [h('dt', { text: info.label }), h('dd', { text: info.description })]),
        h('dt', { text: 'Speed-up' }),
        h('dd', { text: 'Tokens computed when every sequence is padded to max_len, divided by the tokens computed here: the same measure as the packers’ speed-up over no packing.' }),
        h('dt', { text: 'Estimate' }),
        h('dd', { text: 'Random and sorted batches are exact expectations. Grouping by length is averaged over seeded simulated shuffles (the ± in its tooltip is the standard error), or for very large megabatches taken from the length quantiles.' }),
      ),
    );
    this.section.body.append(h('div', { class: 'table-scroll' }, this.table), this.reference, glossary);
    this.element = this.section.element;
    this.shownKey = null;
  }

  update(model) {
    this.element.classList.toggle('is-stale', model.stale);
    if (!model.summary) return;
    const key = [model.dynamicPadding, model.reports, model.settings.batch, model.paddingPending];
    if (this.shownKey && key.every((part, index) => part === this.shownKey[index])) return;
    this.shownKey = key;

    const entries = [...model.dynamicPadding].sort((a, b) => a.batch_size - b.batch_size);
    if (entries.length === 0) {
      const note = model.paddingPending ? 'Computing…' : 'No figures for these settings.';
      this.body.replaceChildren(h('tr', {}, h('td', { colspan: COLUMNS.length + 3, class: 'pending-cell', text: note })));
    } else this.body.replaceChildren(...entries.map((entry) => {
      const yours = entry.batch_size === model.settings.batch;
      const error = entry.padded_tokens_standard_error;
      const title = error > 0
        ? `${formatCount(Math.round(entry.padded_tokens))} ± ${formatCount(Math.round(error))} tokens computed (standard error of the simulation)`
        : null;
      return h('tr', {
        'data-scheme': entry.scheme,
        'data-batch-size': String(entry.batch_size),
        class: yours ? 'is-current' : null,
      },
      h('th', { scope: 'row' }, schemeLabel(entry.scheme)),
      h('td', { class: 'number' }, formatCount(entry.batch_size), yours ? h('span', { class: 'badge', text: 'yours' }) : null),
      COLUMNS.map((column) => h('td', {
        class: 'number',
        'data-metric': column.metric,
        'data-value': String(entry[column.metric]),
        title: column.metric === 'padded_tokens' ? title : null,
        text: column.format(entry[column.metric]),
      })),
      h('td', { 'data-metric': 'estimate', 'data-value': entry.estimate, text: ESTIMATES[entry.estimate] ?? entry.estimate }),
      );
    }));

    let best = null;
    for (const report of model.reports) {
      if (report.algorithm !== 'none' && (!best || report.packs < best.packs)) best = report;
    }
    setText(this.reference, best
      ? `For comparison, packing with ${algorithmLabel(best.algorithm)} leaves ${formatPercent(best.padding_fraction)} padding `
        + `(${formatPercent(best.efficiency)} efficient) at any batch size, and keeps batches shuffled.`
      : 'Choose a packing algorithm under Settings to compare it with dynamic padding.');
  }
}
