// The settings of an analysis: row length, sequences per pack, what to do
// with overlong sequences, which algorithms to compare, which one to look
// at closely, and the training batch size. Emits `change` with the
// settings that changed.
//
// Max sequences per pack is a <select> (values "default", "1"…"16" and
// "unlimited"), so a test sets it with Playwright's selectOption('3'),
// selectOption('unlimited') or selectOption('default'). max_len, the batch size and NNLSHP's bucket
// width are number inputs (Playwright's fill()); they apply while typing,
// after a short pause. An empty bucket width means automatic.
import { View, h, setText, uniqueId } from '../dom.js';
import { ALGORITHM_INFO, algorithmLabel, formatCount } from '../format.js';
import { NumberField } from '../number-field.js';
import { DEFAULT_PER_PACK, MAX_FINITE_PER_PACK, OVERLONG_POLICIES } from '../settings.js';

const OVERLONG_LABELS = {
  truncate: 'Truncate',
  drop: 'Drop',
  error: 'Error',
};

const PER_PACK_HINTS = {
  default: 'By default, as on the command line, packs hold any number of sequences, except NNLSHP’s: 3, the paper’s setting (NNLSHP slows down as the limit grows). '
    + 'Cap it when your attention kernel or per-sequence costs need it; “Max sequences per pack” below shows what a cap costs.',
  set: 'This limit applies to every algorithm (NNLSHP slows down as it grows). '
    + '“Max sequences per pack” below shows what each limit costs.',
};

const OVERLONG_HINTS = {
  truncate: 'Longer sequences count as max_len tokens; the rest is lost.',
  drop: 'Longer sequences are left out.',
  error: 'Longer sequences stop the analysis.',
};

export class SettingsPanel extends View {
  constructor() {
    super();
    const change = (settings) => this.emit('change', settings);

    this.maxLen = new NumberField({
      label: 'max_len (tokens per row)',
      testId: 'max-len',
      min: 1,
      max: 1,
      hint: '',
      onCommit: (maxLen) => change({ maxLen }),
    });
    this.defaultButton = h('button', {
      type: 'button',
      class: 'link-button',
      'data-testid': 'max-len-default',
      hidden: true,
      onclick: () => this.emit('change', { maxLen: this.defaultMaxLen }),
    });
    // Uploads default to their longest sequence (1,023, 2,000): training
    // configs use a power of two, so the next one is offered.
    this.powerButton = h('button', {
      type: 'button',
      class: 'link-button',
      'data-testid': 'max-len-power-of-two',
      hidden: true,
      onclick: () => this.emit('change', { maxLen: this.powerOfTwo }),
    });
    this.powerHint = h('span', { hidden: true, text: 'Trainers’ rows are usually a power of two (512, 2,048, 8,192), the lengths their configs and attention kernels are tuned for.' });
    this.maxLenHint = h('span');
    this.maxLen.hint.append(this.maxLenHint, ' ', this.defaultButton, ' ', this.powerHint, ' ', this.powerButton);

    const perPackId = uniqueId('max-per-pack');
    this.maxPerPack = h(
      'select',
      {
        id: perPackId,
        'data-testid': 'max-per-pack',
        'aria-describedby': `${perPackId}-hint`,
        onchange: () => {
          const value = this.maxPerPack.value;
          let maxPerPack = Number(value);
          if (value === 'unlimited') maxPerPack = null;
          else if (value === DEFAULT_PER_PACK) maxPerPack = DEFAULT_PER_PACK;
          change({ maxPerPack });
        },
      },
      h('option', { value: DEFAULT_PER_PACK, text: 'Default: no limit, NNLSHP 3' }),
      Array.from({ length: MAX_FINITE_PER_PACK }, (_, index) => h('option', { value: String(index + 1), text: String(index + 1) })),
      h('option', { value: 'unlimited', text: 'No limit, NNLSHP too' }),
    );

    const overlongId = uniqueId('overlong');
    this.overlong = h(
      'select',
      { id: overlongId, 'data-testid': 'overlong', 'aria-describedby': `${overlongId}-hint`, onchange: () => change({ overlong: this.overlong.value }) },
      OVERLONG_POLICIES.map((policy) => h('option', { value: policy, text: OVERLONG_LABELS[policy] })),
    );

    this.algorithmBoxes = h('div', { class: 'checks' });
    this.algorithmFieldset = h(
      'fieldset',
      { class: 'field fieldset' },
      h('legend', { text: 'Algorithms to compare' }),
      this.algorithmBoxes,
    );

    this.bucket = new NumberField({
      label: 'NNLSHP bucket width (tokens)',
      testId: 'bucket-tokens',
      min: 1,
      max: 1,
      hint: 'Above max_len 512, NNLSHP groups lengths into buckets this wide to stay fast. '
        + 'Empty: automatic (max_len ÷ 512, rounded up); 1 plans every length exactly, but slower. '
        + 'The other algorithms ignore it.',
      optional: true,
      onCommit: (bucketTokens) => change({ bucketTokens }),
    });

    const detailId = uniqueId('detail');
    this.detail = h('select', {
      id: detailId,
      'data-testid': 'detail',
      'aria-describedby': `${detailId}-hint`,
      onchange: () => change({ detail: this.detail.value }),
    });

    this.batch = new NumberField({
      label: 'Batch size (rows per step)',
      testId: 'batch',
      min: 1,
      max: 1,
      hint: 'For the training figures.',
      onCommit: (batch) => change({ batch }),
    });

    this.element = h(
      'section',
      { class: 'panel', 'aria-labelledby': 'settings-heading' },
      h('h2', { class: 'panel__title', id: 'settings-heading', text: 'Settings' }),
      this.maxLen.element,
      h('div', { class: 'field' },
        h('label', { for: perPackId, text: 'Max sequences per pack' }),
        this.maxPerPack,
        this.perPackHint = h('p', { class: 'hint', id: `${perPackId}-hint` }),
      ),
      h('div', { class: 'field' },
        h('label', { for: overlongId, text: 'Sequences over max_len' }),
        this.overlong,
        this.overlongHint = h('p', { class: 'hint', id: `${overlongId}-hint` }),
      ),
      this.algorithmFieldset,
      this.bucket.element,
      h('div', { class: 'field' },
        h('label', { for: detailId, text: 'Closer look at' }),
        this.detail,
        h('p', { class: 'hint', id: `${detailId}-hint`, text: 'The algorithm of the pack anatomy, the example pack and the plan downloads.' }),
      ),
      this.batch.element,
    );
    this.algorithmNames = [];
  }

  buildAlgorithms(names) {
    this.algorithmNames = names;
    this.boxes = new Map();
    this.algorithmBoxes.replaceChildren(
      ...names.map((name) => {
        const id = uniqueId(`algorithm-${name}`);
        const box = h('input', {
          id,
          type: 'checkbox',
          value: name,
          'data-testid': `algorithm-${name}`,
          onchange: () => this.emit('change', { algorithms: this.algorithmNames.filter((entry) => this.boxes.get(entry).checked) }),
        });
        this.boxes.set(name, box);
        return h('div', { class: 'check' },
          box,
          h('label', { for: id, title: ALGORITHM_INFO[name]?.description ?? '' },
            h('span', { class: `swatch swatch--${name}`, 'aria-hidden': 'true' }),
            algorithmLabel(name),
          ),
        );
      }),
    );
    this.detail.replaceChildren(...names.map((name) => h('option', { value: name, text: algorithmLabel(name) })));
  }

  update(model) {
    if (model.algorithms.length && this.algorithmNames.length === 0) this.buildAlgorithms(model.algorithms);
    if (model.ranges) {
      this.maxLen.setMax(model.ranges.max_len);
      this.bucket.setMax(model.ranges.bucket_tokens);
      this.batch.setMax(model.ranges.batch_size);
    }
    const { settings, dataset } = model;
    const ready = model.engine === 'ready' && dataset !== null;
    for (const control of [this.maxLen.input, this.maxPerPack, this.overlong, this.detail, this.batch.input, this.bucket.input]) {
      control.disabled = !ready;
    }
    this.maxLen.show(settings.maxLen);
    this.batch.show(settings.batch);
    this.bucket.show(settings.bucketTokens);
    const automatic = model.slow.automaticBucketTokens;
    let placeholder = 'automatic';
    if (automatic === 1) placeholder = 'automatic (1, exact)';
    else if (automatic !== null) placeholder = `automatic (${formatCount(automatic)})`;
    if (this.bucket.input.placeholder !== placeholder) this.bucket.input.placeholder = placeholder;
    const depth = settings.maxPerPack === null ? 'unlimited' : String(settings.maxPerPack);
    if (this.maxPerPack.value !== depth) this.maxPerPack.value = depth;
    if (this.overlong.value !== settings.overlong) this.overlong.value = settings.overlong;
    setText(this.perPackHint, PER_PACK_HINTS[settings.maxPerPack === DEFAULT_PER_PACK ? 'default' : 'set']);
    setText(this.overlongHint, OVERLONG_HINTS[settings.overlong]);
    if (this.detail.value !== settings.detail) this.detail.value = settings.detail;
    for (const [name, box] of this.boxes ?? []) {
      box.checked = settings.algorithms.includes(name);
      box.disabled = !ready;
    }

    this.defaultMaxLen = dataset?.defaultMaxLen ?? null;
    const custom = this.defaultMaxLen !== null && settings.maxLen !== this.defaultMaxLen;
    this.defaultButton.hidden = !custom;
    setText(this.defaultButton, custom ? `Use ${formatCount(this.defaultMaxLen)}` : '');
    const hintText = this.defaultMaxLen === null
      ? 'Every row holds this many tokens.'
      : `The data suggests ${formatCount(this.defaultMaxLen)}${dataset.source === 'preset' ? ' (the preset’s row length)' : ' (its declared or longest length)'}.`;
    setText(this.maxLenHint, hintText);
    // The power of two at or above the data's suggestion, when that is not one.
    const suggested = this.defaultMaxLen;
    this.powerOfTwo = suggested === null ? null : 2 ** Math.ceil(Math.log2(suggested));
    const offer = dataset?.source === 'files' && this.powerOfTwo !== suggested && this.powerOfTwo <= (model.ranges?.max_len ?? 0) && settings.maxLen !== this.powerOfTwo;
    this.powerButton.hidden = !offer;
    this.powerHint.hidden = !offer;
    setText(this.powerButton, offer ? `Use ${formatCount(this.powerOfTwo)}` : '');
  }
}
