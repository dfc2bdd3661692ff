// How each algorithm does as the limit on sequences per pack grows, from 1
// (no packing) to unlimited. NNLSHP's line fills in a depth at a time.
import { View, h, setText } from '../dom.js';
import { ChartFrame } from '../chart-frame.js';
import { chartDownloads, chartExport, resultSection, tableDisclosure } from '../section.js';
import { algorithmLabel, formatCount, formatDepth, formatPercent, trainerLabel } from '../format.js';

/**
 * What a limit costs on this data, in words: the best efficiency with no
 * limit against the best at 2 and 3 per pack, across the algorithms swept.
 */
function capCost(sweep) {
  const best = (depth) => {
    let found = null;
    for (const line of sweep) {
      const point = line.points.find((entry) => entry.max_per_pack === depth);
      if (point && (!found || point.efficiency > found.efficiency)) found = { ...point, algorithm: line.algorithm };
    }
    return found;
  };
  const free = best(null);
  if (!free) return '';
  const at = [2, 3].map(best).filter(Boolean);
  if (at.length === 0) return '';
  const costs = at.map((point) => `at most ${point.max_per_pack}: ${formatPercent(point.efficiency)} (${((free.efficiency - point.efficiency) * 100).toFixed(2)} percentage points less)`);
  return `What a limit costs on this data: the best efficiency with no limit is ${formatPercent(free.efficiency)} (${algorithmLabel(free.algorithm)}); ${costs.join('; ')}.`;
}

export class SweepView extends View {
  constructor() {
    super();
    this.section = resultSection({
      id: 'sweep',
      title: 'Max sequences per pack',
      lede: 'Efficiency at each limit on sequences per pack; a ring marks the limit of each figure above. Short sequences need many per pack to fill a row.',
    });
    this.chart = new ChartFrame('sweep', { testId: 'sweep-chart', label: 'Efficiency against max sequences per pack' });
    this.section.tools.append(chartDownloads(this.chart, 'max-per-pack sweep', () => chartExport(this.model, 'sweep')));
    this.head = h('tr');
    this.body = h('tbody');
    this.table = h('table', { class: 'table table--compact', 'data-testid': 'sweep-table' },
      h('caption', { class: 'visually-hidden', text: 'Efficiency and packs at each max sequences per pack' }),
      h('thead', {}, this.head),
      this.body,
    );
    this.progress = h('p', { class: 'hint', 'aria-live': 'polite' });
    this.cost = h('p', { 'data-testid': 'cap-cost' });
    const why = h('details', { class: 'disclosure' },
      h('summary', {}, 'Why cap sequences per pack, and what it costs'),
      h('div', { class: 'explainer' },
        h('p', {}, 'Packlab packs any number of sequences into a row unless told otherwise (NNLSHP excepted: its cost grows with the limit, so it packs at most 3, as in the paper). Reasons to set a limit:'),
        h('ul', {},
          h('li', {}, h('strong', {}, 'The attention kernel. '), 'Variable-length kernels (FlashAttention’s varlen, taking cu_seqlens) accept any number of sequences per row; a dense attention mask built per row, or a kernel with a fixed number of segments, may not.'),
          h('li', {}, h('strong', {}, 'Per-sequence work. '), 'Every sequence in a row brings its own position-id reset, loss terms and, for BERT-like models, its own pooled output and next-sentence label: implementations pad these per-sequence tensors to the limit, so a small limit keeps them small.'),
          h('li', {}, h('strong', {}, 'Hyperparameters. '), 'A packed batch holds more sequences than an unpacked one (see “Training steps”). The paper adjusts the learning rate or the batch size to the average number of sequences per pack; a limit keeps that number close to it.'),
        ),
        this.cost,
      ),
    );
    this.section.body.append(
      this.chart.element,
      this.progress,
      why,
      tableDisclosure('The sweep as a table', h('div', { class: 'table-scroll' }, this.table)),
    );
    this.element = this.section.element;
    this.shownKey = null;
  }

  update(model) {
    this.model = model;
    this.chart.setStale(model.stale);
    if (!model.summary) return;
    const level = model.trainer.level;
    const key = [model.sweep, model.reports, model.limits, model.sweepPending, model.slow.cancelled, level];
    if (this.shownKey && key.every((part, index) => part === this.shownKey[index])) return;
    this.shownKey = key;

    const names = model.sweepAlgorithms;
    const lines = new Map(model.sweep.map((line) => [line.algorithm, line]));
    this.head.replaceChildren(
      h('th', { scope: 'col', text: 'Max per pack' }),
      ...names.map((name) => h('th', { scope: 'col', class: 'number' },
        h('span', { class: `swatch swatch--${name}`, 'aria-hidden': 'true' }), algorithmLabel(name))),
    );
    this.body.replaceChildren(
      ...model.sweepDepths.map((depth) => {
        // By default the algorithms pack at different limits (NNLSHP at 3,
        // the others with none): each one's own cell is marked.
        const chosen = (name) => model.limits[name] === depth;
        const current = names.length > 0 && names.every(chosen);
        return h('tr', { 'data-depth': formatDepth(depth), class: current ? 'is-current' : null },
          h('th', { scope: 'row' }, formatDepth(depth), current ? h('span', { class: 'badge', text: 'chosen' }) : null),
          ...names.map((name) => {
            const point = lines.get(name)?.points.find((entry) => entry.max_per_pack === depth);
            if (!point) return h('td', { class: 'number pending-cell', 'data-algorithm': name, 'data-depth': formatDepth(depth), text: '…' });
            return h('td', {
              class: chosen(name) && !current ? 'number is-current' : 'number',
              'data-chosen': chosen(name) ? 'true' : null,
              'data-algorithm': name,
              'data-depth': formatDepth(depth),
              'data-value': String(point.efficiency),
              'data-packs': String(point.packs),
              title: `${formatCount(point.packs)} packs`,
            }, formatPercent(point.efficiency), h('span', { class: 'subtle', text: ` ${formatCount(point.packs)}` }));
          }),
        );
      }),
    );

    const nnlshpLine = lines.get('nnlshp');
    const nnlshpShown = names.includes('nnlshp');
    const done = nnlshpLine?.points.length ?? 0;
    this.progress.textContent = nnlshpShown && done < model.sweepDepths.length && !model.slow.cancelled
      ? `NNLSHP: ${done} of ${model.sweepDepths.length} settings computed so far.`
      : '';

    setText(this.cost, capCost(model.sweep));

    const described = model.sweep
      .map((line) => {
        const last = line.points[line.points.length - 1];
        return `${algorithmLabel(line.algorithm)} reaches ${formatPercent(last.efficiency)} at ${formatDepth(last.max_per_pack)} per pack`;
      })
      .join('; ');
    const trainer = level && { label: `Your trainer (${trainerLabel(level.name)})`, efficiency: level.efficiency };
    const trainerText = trainer ? ` ${trainer.label}, which has no limit to sweep: ${formatPercent(trainer.efficiency)}, a dashed level.` : '';
    this.chart.show({ lines: model.sweep, reports: model.reports, trainer }, `Efficiency against max sequences per pack, 1 to 16 and unlimited: ${described || 'no algorithm chosen'}.${trainerText} The table follows.`);
  }
}
