// The answer first: how much compute padding wastes in this data, and how
// much of it the best packing shown removes.
import { View, h, setText } from '../dom.js';
import { algorithmLabel, formatCount, formatPercent, formatSpeedup } from '../format.js';

function figure(testId) {
  const value = h('span', { class: 'figure__value' });
  const label = h('span', { class: 'figure__label' });
  const element = h('div', { class: 'figure', 'data-testid': testId }, value, label);
  return { element, value, label };
}

/** The shown report with the fewest packs (the earliest listed among equals), none excluded. */
function bestReport(reports) {
  let best = null;
  for (const report of reports) {
    if (report.algorithm === 'none') continue;
    if (!best || report.packs < best.packs) best = report;
  }
  return best;
}

export class VerdictView extends View {
  constructor() {
    super();
    this.headline = h('p', { class: 'verdict__headline' });
    this.padding = figure('verdict-padding');
    this.best = figure('verdict-best');
    this.speedup = figure('verdict-speedup');
    this.rows = figure('verdict-rows');
    this.sentence = h('p', { class: 'verdict__sentence' });
    this.element = h(
      'section',
      { class: 'verdict', id: 'summary', tabindex: '-1', 'data-testid': 'verdict', 'aria-label': 'Summary' },
      this.headline,
      h('div', { class: 'figures' }, this.padding.element, this.best.element, this.speedup.element, this.rows.element),
      this.sentence,
    );
  }

  update(model) {
    const analysis = model.analysis;
    this.element.classList.toggle('is-stale', model.stale);
    this.element.classList.toggle('is-empty', !analysis);
    if (!analysis) {
      setText(this.headline, model.engine === 'failed' ? 'Packlab could not start in this browser.' : 'Measuring the padding in the example data…');
      for (const part of [this.padding, this.best, this.speedup, this.rows]) {
        setText(part.value, '—');
        setText(part.label, '');
      }
      setText(this.sentence, '');
      return;
    }
    const { summary } = analysis;
    const unpacked = summary.padding_fraction_unpacked;
    setText(this.headline, `Without packing, ${formatPercent(unpacked, 1)} of the compute is padding.`);
    setText(this.padding.value, formatPercent(unpacked, 1));
    setText(this.padding.label, `padding without packing, max_len ${formatCount(analysis.max_len)}`);

    const best = bestReport(analysis.reports);
    const waiting = model.pending.includes('nnlshp');
    this.best.element.classList.toggle('figure--good', Boolean(best));
    if (!best) {
      const none = model.settings.algorithms.filter((name) => name !== 'none').length === 0;
      setText(this.best.value, '—');
      setText(this.best.label, none ? 'choose a packing algorithm to compare' : 'packing…');
      setText(this.speedup.value, '—');
      setText(this.speedup.label, '');
      setText(this.rows.value, '—');
      setText(this.rows.label, '');
      setText(this.sentence, '');
      return;
    }
    const name = algorithmLabel(best.algorithm);
    setText(this.best.value, formatPercent(best.padding_fraction));
    setText(this.best.label, `padding with ${name}${waiting ? ' (best so far)' : ''}`);
    setText(this.speedup.value, formatSpeedup(best.speedup));
    setText(this.speedup.label, `fewer rows; no plan can beat ${formatSpeedup(best.speedup_limit)}`);
    setText(this.rows.value, formatCount(best.packs));
    setText(this.rows.label, `rows instead of ${formatCount(best.sequences)}; at least ${formatCount(best.volume_bound)} needed`);
    const saved = 1 - best.packs / best.sequences;
    setText(
      this.sentence,
      `${name} packs ${formatCount(best.sequences)} sequences into ${formatCount(best.packs)} rows of ${formatCount(best.max_len)} tokens: ` +
        `${formatPercent(saved, 1)} less compute per epoch than padding every sequence.` +
        (waiting ? ' NNLSHP is still computing and may do better.' : ''),
    );
  }
}
