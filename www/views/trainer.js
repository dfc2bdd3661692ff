// Your trainer: what `packing=True` in the user's own trainer makes of
// their data, simulated with that trainer's rules, beside the best plan
// the page found, with the steps and the compute it costs. Emits `change`
// with {trainer}, {trainerOptions} or the cost line's settings.
//
// Test contract: the section is `[data-testid=trainer]`, with
// `data-state` 'busy', 'ready' or 'error'; the trainer is chosen in
// `select[data-testid=trainer-select]`; `[data-testid=trainer-verdict]`
// says the difference in words; `[data-testid=trainer-table]` has rows
// `tr[data-row=trainer|best]` with cells `td[data-metric][data-value]`
// (packs, efficiency, steps_per_epoch, tokens_lost, sequences_split,
// gpu_hours, cost); `[data-testid=trainer-orders]` rows
// `tr[data-order]` with `td[data-metric=packs][data-value]`.
import { View, h, setText, uniqueId } from '../dom.js';
import { resultSection } from '../section.js';
import { NumberField } from '../number-field.js';
import { TRAINER_ORDERS } from '../settings.js';
import { TRAINER_INFO, algorithmLabel, countOf, formatCount, formatDecimal, formatPercent, trainerLabel } from '../format.js';

const ORDER_LABELS = { 'as-given': 'As given', shuffled: 'Shuffled', sorted: 'Sorted by length' };

/** Which options each trainer reads, besides the order, seed and batch size. */
const OPTIONS_READ = {
  map_batch_rows: new Set(['trl-bfd', 'trl-bfd-split', 'trl-wrapped', 'llamafactory']),
  group_size: new Set(['axolotl']),
  bin_size: new Set(['axolotl']),
  packing_ratio: new Set(['llm-foundry']),
};

/** A decimal number of at least `min`, as typed; null when it is not one. */
function decimal(text, min) {
  const trimmed = text.trim();
  if (!/^\d+(\.\d+)?$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return Number.isFinite(value) && value >= min ? value : null;
}


/** A text field that applies a decimal (or `auto`, when allowed) once the user leaves it or presses Enter. */
class DecimalField {
  constructor({ label, testId, min, hint, allowAuto = false, onCommit }) {
    const id = uniqueId(testId);
    this.min = min;
    this.allowAuto = allowAuto;
    this.input = h('input', {
      id,
      type: 'text',
      inputmode: 'decimal',
      'data-testid': testId,
      'aria-describedby': `${id}-problem`,
      onchange: () => this.commit(onCommit),
      onkeydown: (event) => {
        if (event.key === 'Enter') this.commit(onCommit);
      },
    });
    this.problem = h('p', { class: 'field__problem', id: `${id}-problem`, hidden: true });
    this.element = h('div', { class: 'field' }, h('label', { for: id, text: label }), this.input, hint ? h('p', { class: 'hint', text: hint }) : null, this.problem);
  }

  commit(onCommit) {
    const text = this.input.value.trim();
    const value = this.allowAuto && text === 'auto' ? 'auto' : decimal(text, this.min);
    this.input.setAttribute('aria-invalid', String(value === null));
    this.problem.hidden = value !== null;
    if (value === null) {
      this.problem.textContent = `Enter a number from ${this.min}${this.allowAuto ? ', or auto' : ''}.`;
      return;
    }
    onCommit(value);
  }

  show(value) {
    if (document.activeElement === this.input) return;
    this.input.value = String(value);
    this.input.removeAttribute('aria-invalid');
    this.problem.hidden = true;
  }
}

export class TrainerView extends View {
  constructor() {
    super();
    this.section = resultSection({
      id: 'trainer',
      title: 'Your trainer’s own packing',
      lede: 'What packing=True in your trainer makes of this data, simulated with that trainer’s own rules, beside the best plan above.',
    });
    this.section.element.dataset.testid = 'trainer';
    const selectId = uniqueId('trainer-select');
    const orderId = uniqueId('trainer-order');
    this.select = h('select', {
      id: selectId,
      'data-testid': 'trainer-select',
      onchange: () => this.emit('change', { trainer: this.select.value }),
    });
    this.order = h('select', {
      id: orderId,
      'data-testid': 'trainer-order',
      onchange: () => this.changeOption('order', this.order.value),
    }, TRAINER_ORDERS.map((order) => h('option', { value: order, text: ORDER_LABELS[order] })));
    this.orderField = h('div', { class: 'field' }, h('label', { for: orderId, text: 'Dataset order' }), this.order);
    const whole = (label, testId, option, hint, optional = false) => new NumberField({
      label,
      testId,
      min: option === 'seed' ? 0 : 1,
      max: option === 'seed' ? Number.MAX_SAFE_INTEGER : 4294967295,
      hint,
      optional,
      onCommit: (value) => this.changeOption(option, value),
    });
    this.fields = {
      seed: whole('Seed', 'trainer-seed', 'seed', 'Of the order’s shuffle and the trainer’s own; empty: the trainer’s.', true),
      batch_size: whole('Rows per step', 'trainer-batch', 'batch_size', 'Per-device batch × GPUs × accumulation.'),
      map_batch_rows: whole('Map batch (rows)', 'trainer-map-batch-rows', 'map_batch_rows', 'datasets.map batch_size: each is packed apart.'),
      group_size: whole('Group size', 'trainer-group-size', 'group_size', 'sample_packing_group_size.'),
      bin_size: whole('Bin size', 'trainer-bin-size', 'bin_size', 'sample_packing_bin_size: most samples per bin.'),
    };
    this.packingRatio = new DecimalField({
      label: 'Packing ratio',
      testId: 'trainer-packing-ratio',
      min: 1,
      hint: 'auto, or examples read per row.',
      allowAuto: true,
      onCommit: (value) => this.changeOption('packing_ratio', value),
    });
    this.tokensPerSecond = new DecimalField({
      label: 'Tokens per second per GPU',
      testId: 'trainer-tokens-per-second',
      min: 1,
      onCommit: (value) => this.emit('change', { gpuTokensPerSecond: value }),
    });
    this.price = new DecimalField({
      label: 'Price per GPU-hour',
      testId: 'trainer-gpu-hour-price',
      min: 0,
      onCommit: (value) => this.emit('change', { gpuHourPrice: value }),
    });
    this.controls = h('fieldset', { class: 'fieldset trainer__controls' },
      h('legend', { class: 'visually-hidden', text: 'Your trainer and its settings' }),
      h('div', { class: 'field' }, h('label', { for: selectId, text: 'Trainer' }), this.select),
      h('div', { class: 'field-row' },
        this.orderField,
        this.fields.seed.element,
        this.fields.batch_size.element,
        this.fields.map_batch_rows.element,
        this.fields.group_size.element,
        this.fields.bin_size.element,
        this.packingRatio.element),
      h('div', { class: 'field-row' }, this.tokensPerSecond.element, this.price.element),
    );
    this.verdict = h('p', { class: 'trainer__verdict', 'data-testid': 'trainer-verdict', 'aria-live': 'polite' });
    this.body = h('tbody');
    this.table = h('table', { class: 'table', 'data-testid': 'trainer-table' },
      h('caption', { class: 'visually-hidden', text: 'Your trainer’s rows beside the best plan' }),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', text: 'Plan' }),
        h('th', { scope: 'col', class: 'number', text: 'Rows' }),
        h('th', { scope: 'col', class: 'number', text: 'Efficiency' }),
        h('th', { scope: 'col', class: 'number', text: 'Steps per epoch' }),
        h('th', { scope: 'col', class: 'number', text: 'Tokens lost' }),
        h('th', { scope: 'col', class: 'number', text: 'Sequences split' }),
        h('th', { scope: 'col', class: 'number', text: 'GPU-hours' }),
        h('th', { scope: 'col', class: 'number', text: 'Cost' }),
      )),
      this.body,
    );
    this.cost = h('p', { class: 'hint', 'data-testid': 'trainer-cost' });
    this.ordersBody = h('tbody');
    this.orders = h('div', { class: 'trainer__orders' },
      h('h3', { class: 'card__subtitle', text: 'The same trainer in another dataset order' }),
      h('div', { class: 'table-scroll' }, h('table', { class: 'table table--compact', 'data-testid': 'trainer-orders' },
        h('caption', { class: 'visually-hidden', text: 'Your trainer’s rows in each dataset order' }),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col', text: 'Order' }),
          h('th', { scope: 'col', class: 'number', text: 'Rows' }),
          h('th', { scope: 'col', class: 'number', text: 'Efficiency' }),
          h('th', { scope: 'col', class: 'number', text: 'More rows than the best plan' }),
        )),
        this.ordersBody)),
    );
    this.notes = h('ul', { class: 'trainer__notes hint', 'data-testid': 'trainer-notes' });
    this.section.body.append(this.controls, this.verdict, h('div', { class: 'table-scroll' }, this.table), this.cost, this.orders, this.notes);
    this.element = this.section.element;
    this.shownKey = null;
    this.shownTrainers = null;
  }

  changeOption(option, value) {
    this.emit('change', { trainerOptions: { ...this.options, [option]: value } });
  }

  update(model) {
    const view = model.trainer;
    this.options = model.settings.trainerOptions;
    if (this.shownTrainers !== model.trainers) {
      this.shownTrainers = model.trainers;
      this.select.replaceChildren(...model.trainers.map((trainer) => h('option', { value: trainer.name, text: trainerLabel(trainer.name) })));
    }
    if (model.settings.trainer && this.select.value !== model.settings.trainer) this.select.value = model.settings.trainer;
    const info = model.trainers.find((entry) => entry.name === model.settings.trainer);
    this.fields.seed.input.placeholder = info ? `${info.default_seed} (its own)` : '';
    // Data with no order is read shuffled when "as given" is asked.
    const unordered = view.answer?.order_simulated ?? false;
    setText(this.order.options[0], unordered ? 'As given (no order here: shuffled)' : ORDER_LABELS['as-given']);
    const options = this.options;
    if (options) {
      this.order.value = options.order;
      for (const [name, field] of Object.entries(this.fields)) field.show(options[name]);
      this.packingRatio.show(options.packing_ratio);
    }
    this.tokensPerSecond.show(model.settings.gpuTokensPerSecond);
    this.price.show(model.settings.gpuHourPrice);
    const trainer = model.settings.trainer;
    // A trainer that shuffles or sorts by itself reads no order of the data's.
    this.orderField.hidden = !(info?.reads_in_order ?? true);
    for (const [name, readers] of Object.entries(OPTIONS_READ)) {
      const element = name === 'packing_ratio' ? this.packingRatio.element : this.fields[name].element;
      element.hidden = !readers.has(trainer);
    }
    this.element.dataset.state = view.state;
    this.element.classList.toggle('is-stale', view.stale);

    const key = [view.answer, view.best, view.orders, view.error, view.state, model.settings.gpuTokensPerSecond, model.settings.gpuHourPrice];
    if (this.shownKey && key.every((part, index) => part === this.shownKey[index])) return;
    this.shownKey = key;
    this.show(model, view);
  }

  show(model, view) {
    // Figures of other settings would read as these settings' own.
    const answer = view.error ? null : view.answer;
    const { best } = view;
    if (view.error) {
      setText(this.verdict, `This trainer cannot pack at these settings: ${view.error}`);
    } else if (!answer) {
      setText(this.verdict, view.waiting ?? 'Simulating your trainer…');
    } else {
      setText(this.verdict, verdictText(answer, best));
    }
    if (!answer) {
      this.body.replaceChildren();
      setText(this.cost, '');
      this.orders.hidden = true;
      this.notes.replaceChildren();
      return;
    }
    const { settings } = model;
    const report = answer.report;
    const maxLen = report.settings.max_len;
    const batch = report.settings.batch_size;
    // GPU-hours of an epoch: every row at max_len, padding included;
    // padding-free steps compute their real tokens only.
    const hoursOf = (figures) => (figures.computedTokens ?? figures.packs * maxLen) / settings.gpuTokensPerSecond / 3600;
    const trainerFigures = {
      packs: report.packs,
      efficiency: report.efficiency,
      steps: report.steps_per_epoch,
      tokensLost: report.tokens_truncated + report.tokens_dropped,
      split: report.sequences_split,
      computedTokens: report.tokens_per_step ? report.tokens_packed : undefined,
    };
    const bestFigures = best && {
      packs: best.packs,
      efficiency: best.efficiency,
      steps: Math.ceil(best.packs / batch),
      tokensLost: view.bestTokensLost,
      split: 0,
    };
    const rowOf = (kind, label, figures) => {
      const hours = hoursOf(figures);
      const cells = [
        ['packs', figures.packs, formatCount(figures.packs)],
        ['efficiency', figures.efficiency, formatPercent(figures.efficiency)],
        ['steps_per_epoch', figures.steps, formatCount(figures.steps)],
        ['tokens_lost', figures.tokensLost, formatCount(figures.tokensLost)],
        ['sequences_split', figures.split, formatCount(figures.split)],
        ['gpu_hours', hours, formatDecimal(hours, 2)],
        ['cost', hours * settings.gpuHourPrice, formatDecimal(hours * settings.gpuHourPrice, 2)],
      ];
      return h('tr', { 'data-row': kind },
        h('th', { scope: 'row', text: label }),
        cells.map(([metric, value, text]) => h('td', { class: 'number', 'data-metric': metric, 'data-value': String(value), text })));
    };
    const rows = [rowOf('trainer', trainerLabel(report.algorithm), trainerFigures)];
    if (best) rows.push(rowOf('best', `${algorithmLabel(best.algorithm)} (best plan above)`, bestFigures));
    this.body.replaceChildren(...rows);
    const hours = hoursOf(trainerFigures);
    let cost = `One epoch at ${formatCount(settings.gpuTokensPerSecond)} tokens per second per GPU: ${formatDecimal(hours, 2)} GPU-hours with your trainer`;
    if (best) {
      const bestHours = hoursOf(bestFigures);
      const extra = hours - bestHours;
      cost += `, ${formatDecimal(bestHours, 2)} with ${algorithmLabel(best.algorithm)}: ${extra >= 0 ? `${formatDecimal(extra, 2)} more` : `${formatDecimal(-extra, 2)} fewer`}`
        + ` (${formatDecimal(Math.abs(extra) * settings.gpuHourPrice, 2)} at ${formatDecimal(settings.gpuHourPrice, 2)} per GPU-hour).`;
    } else cost += '.';
    const counted = report.tokens_per_step
      ? 'A packed row costs its full max_len of compute, padding included; a padding-free step only its tokens.'
      : 'Every row costs its full max_len of compute, padding included.';
    setText(this.cost, `${cost} ${counted} Set your own throughput and price above.`);

    this.orders.hidden = view.orders.length === 0;
    this.ordersBody.replaceChildren(...view.orders.map(({ order, answer: other }) => {
      const figures = other?.report;
      const more = figures && best ? figures.packs - best.packs : null;
      return h('tr', { 'data-order': order, class: order === model.settings.trainerOptions.order ? 'is-current' : null },
        h('th', { scope: 'row', text: ORDER_LABELS[order] }),
        figures
          ? [
              h('td', { class: 'number', 'data-metric': 'packs', 'data-value': String(figures.packs), text: formatCount(figures.packs) }),
              h('td', { class: 'number', 'data-metric': 'efficiency', 'data-value': String(figures.efficiency), text: formatPercent(figures.efficiency) }),
              h('td', { class: 'number', text: more === null ? '–' : `${more >= 0 ? '+' : '−'}${formatCount(Math.abs(more))} (${formatPercent(more / best.packs, 1)})` }),
            ]
          : h('td', { colspan: 3, class: 'pending-cell', text: 'Simulating…' }));
    }));

    const notes = [
      `Order: ${answer.order}${answer.order_simulated ? '. A histogram or an example holds no order: upload your lengths one per sequence, in dataset order, to simulate your real order.' : '.'}`,
      `Packs together: ${answer.window}.`,
      `Modelled on ${report.modelled}; turned on by ${TRAINER_INFO[report.algorithm]?.setting ?? 'its packing setting'}.`,
      'Sequences over max_len are handled the trainer’s way (truncated, split or dropped, counted under Tokens lost and Sequences split); the “Sequences over max_len” setting applies to Packlab’s packers only.',
    ];
    if (report.sampler) {
      const sampler = report.sampler;
      notes.push(`axolotl's sampler counts the epoch as the fewest bins of ${sampler.sampled_bins.length} shuffles (${sampler.sampled_bins.map(formatCount).join(', ')}) and trains the last, cut to ${formatCount(sampler.loader_batches)} bins: `
        + `${countOf(sampler.bins_not_trained, 'bin')} (${countOf(sampler.sequences_not_trained, 'sequence')}, ${countOf(sampler.tokens_not_trained, 'token')}) left out of this epoch.`);
      notes.push(`It logs sample_packing_eff_est ${formatDecimal(sampler.sample_packing_eff_est, 2)}; with that set, its scheduler counts ${formatCount(sampler.steps_estimated)} steps per epoch at ${countOf(report.settings.batch_size, 'row')} per step, against the ${formatCount(report.steps_per_epoch)} it trains.`);
    }
    if (report.packing_ratio) notes.push(`Packing ratio read: ${formatDecimal(report.packing_ratio, 2)} examples per row.`);
    if (report.cross_contaminating) notes.push('Its rows mix sequences the model is not told apart: each sequence attends to those before it in its row.');
    this.notes.replaceChildren(...notes.map((note) => h('li', { text: note })));
  }
}

/** The difference between the trainer's rows and the best plan's, said plainly. */
export function verdictText(answer, best) {
  const report = answer.report;
  const name = trainerLabel(report.algorithm);
  const steps = report.tokens_per_step;
  if (steps) {
    // No rows to compare: steps of varying length against packed steps.
    const batch = report.settings.batch_size;
    const packed = best
      ? ` Packed with ${algorithmLabel(best.algorithm)} at the same batch, an epoch takes ${countOf(Math.ceil(best.packs / batch), 'step')} of ${formatCount(batch * report.settings.max_len)} tokens.`
      : '';
    return `${name}: ${countOf(report.steps_per_epoch, 'step')} of ${formatCount(batch)} sequences, each flattened into one row of `
      + `${formatCount(Math.round(steps.mean))} tokens on average (standard deviation ${formatCount(Math.round(steps.std))}; `
      + `99% of steps at most ${formatCount(steps.p99)}, the largest ${formatCount(steps.max)}). Nothing is padded.${packed}`;
  }
  const lost = report.tokens_truncated + report.tokens_dropped;
  const lostText = lost > 0 ? ` It loses ${countOf(lost, 'token')} to truncation or dropping.` : '';
  if (!best) return `${name} makes ${countOf(report.packs, 'row')} on this data, ${formatPercent(report.efficiency)} efficient.${lostText}`;
  const extra = report.packs - best.packs;
  const batch = report.settings.batch_size;
  const extraSteps = report.steps_per_epoch - Math.ceil(best.packs / batch);
  const bestName = algorithmLabel(best.algorithm);
  if (extra > 0) {
    return `${name} on this data needs ${formatPercent(extra / best.packs, 1)} more rows than ${bestName}: `
      + `${countOf(extra, 'extra row')}, ${countOf(extraSteps, 'extra step')} per epoch at batch ${formatCount(batch)}.${lostText}`;
  }
  if (extra === 0) return `${name} on this data makes as many rows as ${bestName}: ${formatCount(report.packs)}.${lostText}`;
  const split = report.sequences_split > 0 ? ` by splitting ${countOf(report.sequences_split, 'sequence')} across rows` : '';
  return `${name} on this data makes ${countOf(-extra, 'row')} fewer than ${bestName}${split}.${lostText}`;
}
