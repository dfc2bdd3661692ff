// What packing changes for training: optimizer steps per epoch at the
// chosen batch size, and how many sequences a batch then holds.
import { View, h, setText } from '../dom.js';
import { resultSection } from '../section.js';
import { algorithmLabel, formatCount, formatDecimal, formatPercent } from '../format.js';

export class TrainingView extends View {
  constructor() {
    super();
    this.section = resultSection({ id: 'training', title: 'Training steps', lede: '' });
    this.body = h('tbody');
    this.table = h('table', { class: 'table', 'data-testid': 'training' },
      h('caption', { class: 'visually-hidden', text: 'Steps per epoch and sequences per batch for each algorithm' }),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', text: 'Algorithm' }),
        h('th', { scope: 'col', class: 'number', text: 'Steps per epoch' }),
        h('th', { scope: 'col', class: 'number', text: 'Without packing' }),
        h('th', { scope: 'col', class: 'number', text: 'Fewer steps' }),
        h('th', { scope: 'col', class: 'number', text: 'Sequences per batch' }),
      )),
      this.body,
    );
    this.note = h('div', { class: 'explainer' },
      h('p', {},
        h('strong', {}, 'A packed batch holds more sequences. '),
        'Each optimizer step then sees more examples, so the effective batch size grows by the speed-up. ',
        'The packing paper adjusts hyperparameters to match, for example scaling the learning rate or reducing the number of packs per batch, ',
        'so that a packed run trains like the unpacked one. Compare runs at equal sequences seen, not equal steps.'),
    );
    this.section.body.append(h('div', { class: 'table-scroll' }, this.table), this.note);
    this.element = this.section.element;
    this.shownKey = null;
  }

  update(model) {
    setText(this.section.lede, `One epoch at a batch size of ${formatCount(model.settings.batch)} rows, before and after packing.`);
    this.element.classList.toggle('is-stale', model.stale);
    if (!model.summary) return;
    const key = [model.training, model.pending.join(','), model.settings.algorithms.join(','), model.slow.cancelled];
    if (this.shownKey && key.every((part, index) => part === this.shownKey[index])) return;
    this.shownKey = key;
    const figures = new Map(model.training.map((entry) => [entry.algorithm, entry]));
    this.body.replaceChildren(
      ...model.settings.algorithms.map((name) => {
        const entry = figures.get(name);
        const header = h('th', { scope: 'row' }, h('span', { class: `swatch swatch--${name}`, 'aria-hidden': 'true' }), algorithmLabel(name));
        if (!entry) {
          const note = (name === 'nnlshp' || name === 'optimal') && model.slow.cancelled ? 'Cancelled.' : 'Computing…';
          return h('tr', { 'data-algorithm': name, 'data-pending': 'true' }, header, h('td', { colspan: 4, class: 'pending-cell', text: note }));
        }
        const saved = 1 - entry.steps_per_epoch / entry.unpacked_steps_per_epoch;
        return h('tr', { 'data-algorithm': name },
          header,
          h('td', { class: 'number', 'data-metric': 'steps_per_epoch', 'data-value': String(entry.steps_per_epoch), text: formatCount(entry.steps_per_epoch) }),
          h('td', { class: 'number', 'data-metric': 'unpacked_steps_per_epoch', 'data-value': String(entry.unpacked_steps_per_epoch), text: formatCount(entry.unpacked_steps_per_epoch) }),
          h('td', { class: 'number', text: formatPercent(saved, 1) }),
          h('td', { class: 'number', 'data-metric': 'sequences_per_batch', 'data-value': String(entry.sequences_per_batch), text: formatDecimal(entry.sequences_per_batch, 1) }),
        );
      }),
    );
  }
}
