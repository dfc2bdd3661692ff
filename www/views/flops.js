// Training FLOPs per epoch on a model: padding's cost in compute rather
// than tokens, for every algorithm and for dynamic padding at the user's
// batch size, under both kinds of attention kernel. Emits `change` with
// `{model}`: a preset's name, or a custom shape.
//
// Test contract: the section is `[data-testid=flops]`; the model is the
// `<select data-testid=model>` (presets by name, and "custom"); the table
// `[data-testid=flops-table]` has rows `tr[data-workload]` (`no-packing`,
// `packing` with `data-algorithm`, `dynamic-padding` with `data-scheme`
// and `data-batch-size`) whose `td[data-metric][data-value]` cells hold the
// engine's raw figures (`variable_length.flops_per_epoch`, …).
import { View, h, setText, uniqueId } from '../dom.js';
import { resultSection } from '../section.js';
import { algorithmLabel, formatCount, formatFlops, formatPercent, formatSpeedup, schemeLabel } from '../format.js';
import { modelShapeProblem, modelText } from '../settings.js';

const CUSTOM = 'custom';

/** The custom model's number fields. */
const SHAPE_FIELDS = [
  { field: 'layers', label: 'Layers', min: 1 },
  { field: 'hidden_size', label: 'Hidden size', min: 1 },
  { field: 'heads', label: 'Attention heads', min: 1 },
  { field: 'feed_forward_size', label: 'Feed-forward size', min: 1 },
  { field: 'vocabulary_size', label: 'Vocabulary (0: no LM head)', min: 0 },
];

const KERNELS = [
  { key: 'variable_length', label: 'variable-length attention' },
  { key: 'dense_masked', label: 'dense attention with a mask' },
];

/** Parameters of the matrix multiplications a token goes through: L·(4d² + k·d·f) + d·V. */
function matmulParameters(shape) {
  const k = shape.gated_feed_forward ? 3 : 2;
  const d = shape.hidden_size;
  return shape.layers * (4 * d * d + k * d * shape.feed_forward_size) + d * shape.vocabulary_size;
}

function formatParameters(count) {
  if (count >= 1e9) return `${(count / 1e9).toFixed(2)}B`;
  if (count >= 1e6) return `${(count / 1e6).toFixed(1)}M`;
  return formatCount(count);
}

export class FlopsView extends View {
  constructor() {
    super();
    this.section = resultSection({
      id: 'flops',
      title: 'Training FLOPs',
      lede: 'Tokens are not all equally expensive: attention grows with the square of the row length. '
        + 'FLOPs per epoch for a model, and the speed-up over padding every sequence to max_len.',
    });
    this.section.element.dataset.testid = 'flops';

    const selectId = uniqueId('model');
    this.select = h('select', {
      id: selectId,
      'data-testid': 'model',
      onchange: () => this.chooseModel(),
    });
    this.shapeInputs = new Map();
    this.gated = h('input', { type: 'checkbox', id: uniqueId('model-gated'), 'data-testid': 'model-gated', onchange: () => this.customChanged() });
    this.shapeProblem = h('p', { class: 'field__problem', hidden: true, role: 'alert' });
    this.custom = h('fieldset', { class: 'fieldset model-shape', hidden: true },
      h('legend', { text: 'Custom model' }),
      h('div', { class: 'model-shape__fields' },
        SHAPE_FIELDS.map(({ field, label, min }) => {
          const id = uniqueId(`model-${field}`);
          const input = h('input', {
            id,
            type: 'number',
            inputmode: 'numeric',
            min,
            step: 1,
            required: true,
            'data-testid': `model-${field.replaceAll('_', '-')}`,
            onchange: () => this.customChanged(),
          });
          this.shapeInputs.set(field, input);
          return h('div', { class: 'field' }, h('label', { for: id, text: label }), input);
        }),
        h('div', { class: 'check' }, this.gated, h('label', { for: this.gated.id, text: 'Gated feed-forward (SwiGLU)' })),
      ),
      this.shapeProblem,
    );
    this.modelNote = h('p', { class: 'hint', 'data-testid': 'model-note' });
    const controls = h('div', { class: 'flops-controls' },
      h('div', { class: 'field' }, h('label', { for: selectId, text: 'Model' }), this.select),
      this.custom,
    );

    this.groupHead = h('tr');
    this.head = h('tr');
    this.body = h('tbody');
    this.table = h('table', { class: 'table table--compact', 'data-testid': 'flops-table' },
      h('caption', { class: 'visually-hidden', text: 'Training FLOPs per epoch and speed-up over padding, for each algorithm and dynamic padding, under both attention kernels' }),
      h('thead', {}, this.groupHead, this.head),
      this.body,
    );
    this.explainer = h('div', { class: 'explainer', 'data-testid': 'flops-formula' });
    this.section.body.append(controls, this.modelNote, h('div', { class: 'table-scroll' }, this.table), this.explainer);
    this.element = this.section.element;
    this.modelNames = [];
    this.shownKey = null;
  }

  /** The model's presets, once the engine lists them. */
  buildModels(models) {
    this.models = models;
    this.modelNames = models.map((model) => model.name);
    this.select.replaceChildren(
      ...models.map((model) => h('option', { value: model.name, text: model.label })),
      h('option', { value: CUSTOM, text: 'Custom…' }),
    );
  }

  chooseModel() {
    const value = this.select.value;
    if (value !== CUSTOM) {
      this.emit('change', { model: value });
      return;
    }
    // Custom starts from the shape on screen, so only what differs need be typed.
    this.custom.hidden = false;
    this.shapeInputs.get('layers').focus();
    this.customChanged();
  }

  customChanged() {
    const shape = { gated_feed_forward: this.gated.checked };
    for (const [field, input] of this.shapeInputs) {
      shape[field] = /^\d+$/.test(input.value.trim()) ? Number(input.value) : NaN;
    }
    const problem = modelShapeProblem(shape, this.ranges);
    this.shapeProblem.hidden = problem === null;
    setText(this.shapeProblem, problem === null ? '' : `${problem[0].toUpperCase()}${problem.slice(1)}.`);
    for (const input of this.shapeInputs.values()) input.setAttribute('aria-invalid', String(problem !== null));
    if (problem === null) this.emit('change', { model: shape });
  }

  /** Shows `shape` in the custom fields, unless the user is typing in one. */
  showShape(shape) {
    if (this.custom.contains(document.activeElement) && !this.custom.hidden && this.select.value === CUSTOM) return;
    for (const [field, input] of this.shapeInputs) input.value = String(shape[field]);
    this.gated.checked = shape.gated_feed_forward;
  }

  update(model) {
    if (model.models.length && this.modelNames.length === 0) this.buildModels(model.models);
    if (model.ranges && this.ranges !== model.ranges) {
      this.ranges = model.ranges;
      for (const input of this.shapeInputs.values()) input.max = String(model.ranges.model_dimension);
    }
    const setting = model.settings.model;
    const preset = typeof setting === 'string' ? this.models?.find((entry) => entry.name === setting) : null;
    const shape = preset ? preset.shape : typeof setting === 'object' && setting ? setting : null;
    const selected = preset ? preset.name : CUSTOM;
    const ready = model.engine === 'ready' && model.dataset !== null;
    this.select.disabled = !ready;
    if (this.select.value !== selected && !(this.select.value === CUSTOM && !preset)) this.select.value = selected;
    this.custom.hidden = selected !== CUSTOM && this.select.value !== CUSTOM;
    if (shape) this.showShape(shape);

    this.element.classList.toggle('is-stale', model.stale);
    if (!model.summary) return;
    const flops = model.flops;
    const key = [flops, model.reports, modelText(setting), model.settings.batch];
    if (this.shownKey && key.every((part, index) => part === this.shownKey[index])) return;
    this.shownKey = key;
    if (!flops) {
      this.body.replaceChildren();
      setText(this.modelNote, 'No FLOPs estimate for these settings.');
      return;
    }
    const modelShape = flops.model;
    const parameters = matmulParameters(modelShape);
    setText(this.modelNote,
      `${preset ? preset.label : 'Custom model'}: ${formatCount(modelShape.layers)} layers, hidden size ${formatCount(modelShape.hidden_size)}, `
      + `${formatCount(modelShape.heads)} heads, ${modelShape.gated_feed_forward ? 'gated ' : ''}feed-forward ${formatCount(modelShape.feed_forward_size)}, `
      + `vocabulary ${formatCount(modelShape.vocabulary_size)}: ${formatParameters(parameters)} parameters in its matrix multiplications.`);

    // Two header rows: the kernel over its figures.
    this.groupHead.replaceChildren(
      h('td', {}),
      h('th', { scope: 'colgroup', colspan: 2, class: 'table__group', text: 'Variable-length attention' }),
      h('th', { scope: 'colgroup', colspan: 3, class: 'table__group', text: 'Dense attention with a mask' }),
    );
    this.head.replaceChildren(
      h('th', { scope: 'col', text: 'Rows hold' }),
      ...KERNELS.flatMap(() => [
        h('th', { scope: 'col', class: 'number', text: 'FLOPs / epoch' }),
        h('th', { scope: 'col', class: 'number', text: 'Speed-up' }),
      ]),
      h('th', { scope: 'col', class: 'number', text: 'Attention share' }),
    );
    const cells = (pair) => {
      if (!pair) {
        return h('td', { colspan: 5, class: 'pending-cell', text: 'Computing…' });
      }
      return [
        KERNELS.map((kernel) => {
          const estimate = pair[kernel.key];
          return [
            h('td', {
              class: 'number',
              'data-metric': `${kernel.key}.flops_per_epoch`,
              'data-value': String(estimate.flops_per_epoch),
              title: `${formatFlops(estimate.linear_flops)} in linear layers, ${formatFlops(estimate.attention_flops)} in attention`,
              text: formatFlops(estimate.flops_per_epoch),
            }),
            h('td', {
              class: 'number',
              'data-metric': `${kernel.key}.speedup_over_padding`,
              'data-value': String(estimate.speedup_over_padding),
              text: formatSpeedup(estimate.speedup_over_padding, 3),
            }),
          ];
        }),
        h('td', {
          class: 'number',
          'data-metric': 'dense_masked.attention_share',
          'data-value': String(pair.dense_masked.attention_share),
          text: formatPercent(pair.dense_masked.attention_share, 1),
        }),
      ];
    };
    const columns = 1 + 2 * KERNELS.length + 1;
    const group = (text) => h('tr', { class: 'table__section' }, h('th', { scope: 'colgroup', colspan: columns, text }));
    const rows = [
      h('tr', { 'data-workload': 'no-packing', 'data-algorithm': 'none' },
        h('th', { scope: 'row' },
          h('span', { class: 'swatch swatch--none', 'aria-hidden': 'true' }),
          'No packing: padded to max_len'),
        cells(flops.no_packing)),
    ];
    // No packing's report is the baseline above.
    // Each report shown, with its FLOPs once they are estimated.
    const pairs = new Map(flops.packing.map((plan) => [plan.algorithm, plan.pair]));
    const packed = model.reports.filter((report) => report.algorithm !== 'none').map((report) => [report, pairs.get(report.algorithm)]);
    if (packed.length) rows.push(group('Packing'));
    for (const [report, pair] of packed) {
      rows.push(h('tr', { 'data-workload': 'packing', 'data-algorithm': report.algorithm },
        h('th', { scope: 'row' },
          h('span', { class: `swatch swatch--${report.algorithm}`, 'aria-hidden': 'true' }),
          algorithmLabel(report.algorithm)),
        cells(pair)));
    }
    const padding = flops.dynamicPadding
      .filter(({ entry }) => entry.batch_size === model.settings.batch)
      .map(({ entry, pair }) => [entry, pair]);
    if (padding.length) rows.push(group(`Instead of packing: dynamic padding, batch size ${formatCount(model.settings.batch)}`));
    for (const [entry, pair] of padding) {
      rows.push(h('tr', { 'data-workload': 'dynamic-padding', 'data-scheme': entry.scheme, 'data-batch-size': String(entry.batch_size) },
        h('th', { scope: 'row' }, schemeLabel(entry.scheme)),
        cells(pair)));
    }
    this.body.replaceChildren(...rows);
    this.explain(modelShape, parameters);
  }

  /** The formula, as the engine computes it (src/flops.rs), with this model's numbers. */
  explain(shape, parameters) {
    const perToken = 6 * parameters;
    const perPair = 12 * shape.layers * shape.hidden_size;
    const k = shape.gated_feed_forward ? 3 : 2;
    this.explainer.replaceChildren(
      h('p', {},
        h('strong', {}, 'How it is counted. '),
        'Training costs three forward passes (the backward pass costs twice the forward). ',
        `Every position of a row goes through the linear layers, padding included: 6 × parameters = 6 × L·(4·d² + ${k}·d·f) + 6·d·V `
        + `= ${formatFlops(perToken)} per token computed for this model (4·d² the attention projections, ${k}·d·f the feed-forward, d·V the language-model head). `,
        `Attention costs 12·L·d = ${formatCount(perPair)} FLOPs per query–key pair.`),
      h('p', {},
        'A variable-length kernel (FlashAttention’s varlen entry, or a block-diagonal mask computed block by block) computes only the pairs within each real sequence: Σ s². ',
        'A dense kernel with a mask computes every pair of every row: rows × row length², padding and cross-sequence pairs included. ',
        'Each speed-up compares a kernel with itself: a variable-length kernel computes fewer FLOPs for every workload, but its padded baseline is cheaper too, so packing speeds it up less.'),
      h('p', { class: 'hint' },
        'Left out as small: embeddings, layer norms, softmax, biases and the optimizer step. Causal attention is counted as the full square, so for decoders the attention share is an upper bound. '
        + 'Speed-up is the FLOPs of padding every sequence to max_len (same kernel) over the FLOPs shown: at equal FLOP/s, how many times faster an epoch trains.'),
    );
  }
}
