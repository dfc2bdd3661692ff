// Across GPUs: the closer-look plan's packs in training steps of
// world size × micro batch × gradient accumulation packs. Every step waits
// for its slowest GPU, and packs of the same length are not the same work
// (attention grows with the square of each sequence), so a step of
// shuffled packs loses GPU time to waiting; Packlab's balanced order gives
// every GPU of a step about the same work. Emits `change` with
// `{worldSize}`, `{microBatch}` or `{gradAccum}`.
//
// Test contract: the section is `[data-testid=across-gpus]`; its fields
// `[data-testid=world-size]`, `[data-testid=micro-batch]` and
// `[data-testid=grad-accum]`; its chart `[data-testid=across-gpus-chart]`;
// its headline `[data-testid=across-gpus-headline]`; its table
// `[data-testid=across-gpus-table]` has rows `tr[data-order]` (`shuffled`,
// `balanced`) whose `td[data-metric][data-value]` cells hold the engine's
// figures (`mean_slowest_over_mean`, `worst_slowest_over_mean`, `p99`,
// `lost_fraction`) and the GPU-hours lost per epoch (`lost_gpu_hours`).
import { View, h, setText } from '../dom.js';
import { ChartFrame } from '../chart-frame.js';
import { NumberField } from '../number-field.js';
import { chartDownloads, chartExport, resultSection } from '../section.js';
import { algorithmLabel, formatCount, formatDecimal, formatPercent } from '../format.js';

const ORDERS = [
  { key: 'shuffled', label: 'Shuffled', hint: 'as trainers take packs' },
  { key: 'balanced', label: 'Balanced', hint: 'Packlab’s order' },
];

/** "+3.21%": how much longer the slowest GPU works than the step's mean. */
function formatExcess(ratio) {
  return `+${formatPercent(Math.max(0, ratio - 1))}`;
}

/** GPU-hours: two decimals below 10, whole ones above, and never a 0.00 for a loss that is not 0. */
function formatHours(hours) {
  if (hours > 0 && hours < 0.005) return 'under 0.01';
  return hours < 10 ? formatDecimal(hours, 2) : formatCount(Math.round(hours));
}

export class AcrossGpusView extends View {
  constructor() {
    super();
    this.section = resultSection({
      id: 'across-gpus',
      title: 'Across GPUs',
      lede: 'Each training step waits for its slowest GPU. Packs hold about the same tokens but not the same work: '
        + 'attention grows with the square of each sequence. GPU time lost to waiting, with packs shuffled as trainers take them '
        + 'and in Packlab’s balanced order.',
    });
    this.section.element.dataset.testid = 'across-gpus';
    const whole = (label, testId, setting, hint) => new NumberField({
      label,
      testId,
      min: 1,
      max: 2 ** 32 - 1,
      hint,
      onCommit: (value) => this.emit('change', { [setting]: value }),
    });
    this.fields = {
      worldSize: whole('GPUs (world size)', 'world-size', 'worldSize', 'Data-parallel ranks.'),
      microBatch: whole('Micro batch', 'micro-batch', 'microBatch', 'Packs per GPU per forward pass.'),
      gradAccum: whole('Gradient accumulation', 'grad-accum', 'gradAccum', 'Forward passes per step.'),
    };
    const controls = h('fieldset', { class: 'fieldset gpus__controls' },
      h('legend', { class: 'visually-hidden', text: 'How a training step takes packs' }),
      ...Object.values(this.fields).map((field) => field.element));
    this.headline = h('p', { class: 'gpus__headline', 'data-testid': 'across-gpus-headline', 'aria-live': 'polite' });
    this.chart = new ChartFrame('step-balance', {
      testId: 'across-gpus-chart',
      label: 'The slowest GPU over the step’s mean, step by step, shuffled and balanced',
    });
    this.section.tools.append(chartDownloads(this.chart, 'across GPUs', () => chartExport(this.model, 'across-gpus')));
    this.body = h('tbody');
    this.table = h('table', { class: 'table table--compact', 'data-testid': 'across-gpus-table' },
      h('caption', { class: 'visually-hidden', text: 'How much longer the slowest GPU of a step works than the mean, and the GPU time lost, for each order' }),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', text: 'Order of packs' }),
        h('th', { scope: 'col', class: 'number', text: 'Slowest GPU over the mean' }),
        h('th', { scope: 'col', class: 'number', text: '99th percentile step' }),
        h('th', { scope: 'col', class: 'number', text: 'Worst step' }),
        h('th', { scope: 'col', class: 'number', text: 'GPU time lost' }),
        h('th', { scope: 'col', class: 'number', text: 'GPU-hours lost per epoch' }))),
      this.body,
    );
    this.note = h('p', { class: 'hint', 'data-testid': 'across-gpus-note' });
    this.section.body.append(
      controls,
      this.headline,
      this.chart.element,
      h('div', { class: 'table-scroll' }, this.table),
      this.note,
    );
    this.element = this.section.element;
    this.shownKey = null;
  }

  update(model) {
    this.model = model;
    const { settings } = model;
    for (const [setting, field] of Object.entries(this.fields)) {
      if (model.ranges) field.setMax(model.ranges.step_count);
      field.show(settings[setting]);
    }
    const steps = model.steps;
    this.chart.setStale(model.stale || steps.pending);
    const key = [steps.answer, steps.pending, steps.error, settings.gpuTokensPerSecond, settings.gpuHourPrice, settings.detail];
    if (this.shownKey && key.every((part, index) => part === this.shownKey[index])) return;
    this.shownKey = key;

    const answer = steps.answer;
    if (steps.error) {
      setText(this.headline, `The steps could not be measured: ${steps.error}`);
      this.chart.setNote('No steps to draw.');
      this.body.replaceChildren();
      setText(this.note, '');
      return;
    }
    if (!answer) {
      setText(this.headline, steps.pending ? `Laying ${algorithmLabel(settings.detail)}’s packs out in steps…` : '');
      this.body.replaceChildren();
      setText(this.note, '');
      return;
    }
    this.chart.setNote('');
    const perStep = answer.world_size * answer.micro_batch * answer.grad_accum;
    const { shuffled, balanced } = answer;
    // An epoch's GPU-hours if every step were even, at the user's
    // throughput (rows of max_len tokens, as "Your trainer" counts them);
    // waiting adds `added_fraction` of it.
    const evenHours = (answer.packs * answer.max_len) / settings.gpuTokensPerSecond / 3600;
    const lostHours = (order) => evenHours * order.added_fraction;
    const plan = `${algorithmLabel(answer.algorithm)}’s ${formatCount(answer.packs)} packs`;
    if (answer.steps === 0) {
      setText(this.headline, `${plan} fill less than one step of ${formatCount(perStep)} packs (${formatCount(answer.world_size)} GPUs × ${formatCount(answer.micro_batch * answer.grad_accum)}): there is no whole step to balance.`);
    } else {
      const saved = lostHours(shuffled) - lostHours(balanced);
      setText(this.headline,
        `Shuffled, the slowest of ${formatCount(answer.world_size)} GPUs works ${formatExcess(shuffled.mean_slowest_over_mean)} longer than the mean on an average step, `
        + `losing ${formatPercent(shuffled.lost_fraction)} of GPU time (${formatHours(lostHours(shuffled))} GPU-hours an epoch); `
        + `balanced, ${formatExcess(balanced.mean_slowest_over_mean)} and ${formatPercent(balanced.lost_fraction)} (${formatHours(lostHours(balanced))} GPU-hours). `
        + `Balancing saves ${formatHours(saved)} GPU-hours an epoch, ${formatDecimal(saved * settings.gpuHourPrice, 2)} at ${formatDecimal(settings.gpuHourPrice, 2)} per GPU-hour.`);
    }
    this.body.replaceChildren(...ORDERS.map(({ key: name, label, hint }) => {
      const order = answer[name];
      const cell = (metric, value, text) => h('td', { class: 'number', 'data-metric': metric, 'data-value': String(value), text });
      const p99 = order.quantiles[99] ?? 1;
      return h('tr', { 'data-order': name },
        h('th', { scope: 'row' }, label, h('span', { class: 'subtle', text: ` ${hint}` })),
        cell('mean_slowest_over_mean', order.mean_slowest_over_mean, formatExcess(order.mean_slowest_over_mean)),
        cell('p99', p99, formatExcess(p99)),
        cell('worst_slowest_over_mean', order.worst_slowest_over_mean, formatExcess(order.worst_slowest_over_mean)),
        cell('lost_fraction', order.lost_fraction, formatPercent(order.lost_fraction)),
        cell('lost_gpu_hours', lostHours(order), formatHours(lostHours(order))),
      );
    }));
    const notes = [
      `${plan} (the plan of “A closer look”) in ${formatCount(answer.steps)} steps of ${formatCount(perStep)} packs`
        + (answer.last_step_packs ? `, and a last step of ${formatCount(answer.last_step_packs)}, not measured.` : '.'),
      `Each pack weighed by its training FLOPs on the model of “Training FLOPs”, with attention within each sequence (padding-free); `
        + 'under a dense mask every pack costs the same and steps are even.',
      `GPU-hours at ${formatCount(settings.gpuTokensPerSecond)} tokens per second per GPU (set under “Your trainer”): `
        + `${formatHours(evenHours)} GPU-hours an epoch if every step were even.`,
    ];
    if (answer.measured_packs < answer.packs) notes.push(`Measured on ${formatCount(answer.measured_packs)} of the packs, with the plan’s mix of compositions.`);
    setText(this.note, notes.join(' '));
    const described = answer.steps
      ? `Over the first ${formatCount(shuffled.first_steps.length)} steps: shuffled ${formatExcess(shuffled.mean_slowest_over_mean)} on average, balanced ${formatExcess(balanced.mean_slowest_over_mean)}.`
      : 'No whole step.';
    this.chart.show(answer, `The slowest GPU over the step’s mean, step by step. ${described} The table follows.`);
  }
}
