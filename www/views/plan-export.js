// The plan for the user's own sequences: which sequence goes in which pack,
// in the files `packlab assign` writes (JSON Lines, and two NumPy arrays),
// with the first packs as a varlen attention kernel takes them. Emits
// `change` with {seed}, {epoch}, {shufflePacks} or {planSteps}, `download`
// with the file asked for ('jsonl', 'indices' or 'offsets'), and `cancel`.
//
// Test contract: the steps select is `[data-testid=plan-steps]`; the
// preview's caption, `[data-testid=plan-preview-caption]`, says how evenly
// the steps spread work when the plan is laid out in steps.
import { View, h, setText, uniqueId } from '../dom.js';
import { abbreviateRuns, algorithmLabel, formatBytes, formatCount, formatDepth, formatPercent } from '../format.js';
import { NumberField } from '../number-field.js';

/** The files a plan is saved as: [which, button text, what it holds, for screen readers]. */
const FILES = [
  ['jsonl', 'plan.jsonl', 'the plan as JSON Lines, one pack per line'],
  ['indices', 'indices.npy', 'the sequence indices as a NumPy array'],
  ['offsets', 'offsets.npy', 'where each pack starts in the indices, as a NumPy array'],
];

/** The layouts of the packs in steps across GPUs: [setting, label]. */
const STEP_LAYOUTS = [
  ['none', 'No steps: one order of packs'],
  ['steps', 'In steps across the GPUs of “Across GPUs”'],
  ['balanced', 'In steps across those GPUs, balanced'],
];

/** The fields of a previewed pack, in the order shown. */
const PREVIEW_FIELDS = ['indices', 'lengths', 'cu_seqlens', 'position_ids'];

export class PlanExportView extends View {
  constructor() {
    super();
    const headingId = uniqueId('plan-export-heading');
    const noteId = uniqueId('plan-unavailable');
    const shuffleId = uniqueId('plan-shuffle');

    this.algorithm = h('strong');
    this.seed = new NumberField({
      label: 'Seed',
      testId: 'plan-seed',
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
      hint: '',
      onCommit: (seed) => this.emit('change', { seed }),
    });
    this.epoch = new NumberField({
      label: 'Epoch',
      testId: 'plan-epoch',
      min: 0,
      max: 0,
      hint: '',
      onCommit: (epoch) => this.emit('change', { epoch }),
    });
    // The two fields share one hint, below them.
    this.seed.hint.remove();
    this.epoch.hint.remove();
    const stepsId = uniqueId('plan-steps');
    this.steps = h('select', {
      id: stepsId,
      'data-testid': 'plan-steps',
      onchange: () => this.emit('change', { planSteps: this.steps.value }),
    }, STEP_LAYOUTS.map(([value, text]) => h('option', { value, text })));
    this.stepsField = h('div', { class: 'field' },
      h('label', { for: stepsId, text: 'Steps across GPUs' }),
      this.steps,
      h('p', { class: 'hint', text: 'In steps, each line of plan.jsonl also says its "step" and "rank" (from 0), as packlab assign --world-size writes them; balanced, every GPU of a step gets about the same work.' }));
    this.shuffle = h('input', {
      id: shuffleId,
      type: 'checkbox',
      'data-testid': 'plan-shuffle',
      onchange: () => this.emit('change', { shufflePacks: this.shuffle.checked }),
    });
    this.buttons = new Map(
      FILES.map(([which, text, description]) => [
        which,
        h('button', {
          type: 'button',
          class: 'button button--small',
          'data-testid': `plan-${which}`,
          'aria-label': `Save ${description} (${text})`,
          'aria-describedby': noteId,
          onclick: () => this.emit('download', which),
        }, text),
      ]),
    );

    this.note = h('p', { class: 'hint plan-export__unavailable', id: noteId, 'data-testid': 'plan-unavailable', hidden: true });
    this.progressBar = h('progress', { max: 1, value: 0, 'aria-label': 'Making the plan' });
    this.progressText = h('p', { class: 'progress__text', 'aria-live': 'polite' });
    this.progress = h(
      'div',
      { class: 'progress', 'data-testid': 'plan-progress', hidden: true },
      this.progressText,
      h('div', { class: 'progress__row' },
        this.progressBar,
        h('button', { type: 'button', class: 'button button--small', 'data-testid': 'plan-cancel', onclick: () => this.emit('cancel') }, 'Cancel'),
      ),
    );
    this.message = h('p', { class: 'hint export__message', role: 'status', 'data-testid': 'plan-message' });
    this.previewCaption = h('p', { class: 'hint', 'data-testid': 'plan-preview-caption' });
    this.previewPacks = h('div', { class: 'plan-preview__packs' });
    this.preview = h(
      'div',
      { class: 'plan-preview', 'data-testid': 'plan-preview', hidden: true },
      this.previewCaption,
      this.previewPacks,
    );

    this.controls = h(
      'fieldset',
      { class: 'fieldset plan-export__controls' },
      h('legend', { class: 'visually-hidden', text: 'Plan settings and files' }),
      h('div', { class: 'field-row' }, this.seed.element, this.epoch.element),
      h('p', { class: 'hint', text: 'Each epoch reshuffles which sequences of the same length share a pack, and the order of the packs; the same seed and epoch always give the same plan.' }),
      h('div', { class: 'field field--check' }, this.shuffle, h('label', { for: shuffleId, text: 'Shuffle the order of packs' })),
      this.stepsField,
      h('div', { class: 'button-row', role: 'group', 'aria-label': 'Save the plan' }, [...this.buttons.values()]),
    );

    this.element = h(
      'section',
      { class: 'panel panel--results plan-export', id: 'sequence-plan', tabindex: '-1', 'aria-labelledby': headingId, 'data-testid': 'plan-export' },
      h('h2', { class: 'panel__title', id: headingId, text: 'Plan for your sequences' }),
      h('p', { class: 'hint' },
        'Which of your sequences go in each ', this.algorithm, ' pack at these settings, counted from 0 across your files in order: the files ',
        h('code', { class: 'nowrap', text: 'packlab assign' }), ' writes. Choose the algorithm under “Closer look at”.'),
      this.note,
      this.controls,
      this.progress,
      this.message,
      this.preview,
    );
    this.shownPreview = null;
  }

  update(model) {
    if (model.ranges) {
      this.seed.setMax(model.ranges.seed);
      this.epoch.setMax(model.ranges.epoch);
    }
    const plan = model.sequencePlan;
    const { settings } = model;
    setText(this.algorithm, algorithmLabel(settings.detail));
    this.seed.show(settings.seed);
    this.epoch.show(settings.epoch);
    this.shuffle.checked = settings.shufflePacks;
    this.steps.value = settings.planSteps;

    this.note.hidden = plan.unavailable === null;
    setText(this.note, plan.unavailable ?? '');
    this.controls.disabled = plan.unavailable !== null;
    for (const button of this.buttons.values()) {
      button.disabled = plan.busy;
      button.setAttribute('aria-busy', String(plan.busy));
    }

    this.progress.hidden = !plan.busy;
    if (plan.busy) this.showProgress(plan.progress, settings.detail);
    if (plan.message !== this.shownMessage) {
      this.shownMessage = plan.message;
      setText(this.message, plan.message);
    }
    this.showPreview(plan.result);
  }

  showProgress(progress, algorithm) {
    const fraction = progress.total > 0 ? progress.loaded / progress.total : 1;
    this.progressBar.value = fraction;
    if (progress.loaded < progress.total) {
      const which = progress.count > 1 ? ` (file ${progress.index + 1} of ${progress.count})` : '';
      setText(this.progressText, `Reading ${progress.file}${which}: ${formatBytes(progress.loaded)} of ${formatBytes(progress.total)}`);
    } else {
      setText(this.progressText, `Packing with ${algorithmLabel(algorithm)} and assigning every sequence…`);
    }
  }

  /** The first packs of the last plan made, with the settings it was made at. */
  showPreview(result) {
    this.preview.hidden = result === null;
    if (result === this.shownPreview) return;
    this.shownPreview = result;
    if (result === null) {
      this.previewPacks.replaceChildren();
      return;
    }
    const { request } = result;
    const settings = [
      algorithmLabel(request.algorithm),
      `max_len ${formatCount(request.max_len)}`,
      `max per pack ${formatDepth(request.max_per_pack)}`,
      `seed ${request.seed}`,
      `epoch ${request.epoch}`,
      request.shuffle_packs ? 'packs shuffled' : 'packs in plan order',
    ].join(', ');
    const steps = result.steps;
    let stepsText = '';
    if (steps) {
      const excess = (order) => `+${formatPercent(Math.max(0, order.mean_slowest_over_mean - 1))}`;
      const shape = `${formatCount(steps.world_size)} GPUs × ${formatCount(steps.micro_batch)} × ${formatCount(steps.grad_accum)}`;
      const last = steps.last_step_packs ? `, and a last step of ${formatCount(steps.last_step_packs)} packs` : '';
      const evenness = steps.balanced
        ? `balanced, the slowest GPU of a step works ${excess(steps.balanced)} longer than the mean (${excess(steps.shuffled)} before balancing)`
        : `the slowest GPU of a step works ${excess(steps.shuffled)} longer than the mean, ${formatPercent(steps.shuffled.lost_fraction)} of GPU time lost`;
      stepsText = steps.steps
        ? ` In ${formatCount(steps.steps)} steps of ${shape}${last}: ${evenness}.`
        : ` Fewer packs than one step of ${shape} takes: no whole step.`;
    }
    const shown = result.preview.length;
    setText(
      this.previewCaption,
      `The first ${shown === 1 ? 'pack' : `${shown} packs`} of ${formatCount(result.packs)} (${settings})` +
        `${result.current ? '' : '; the settings have changed since'}. Pack p is line p + 1 of plan.jsonl.${stepsText}`,
    );
    this.previewPacks.replaceChildren(...result.preview.map((pack) => this.packPreview(pack)));
  }

  packPreview(pack) {
    const tokens = pack.cu_seqlens[pack.cu_seqlens.length - 1] ?? 0;
    const sequences = pack.indices.length;
    return h(
      'div',
      { class: 'plan-pack', 'data-testid': 'plan-pack', 'data-pack': pack.pack },
      h('p', { class: 'plan-pack__title' },
        h('strong', { text: `Pack ${pack.pack}` }),
        `: ${sequences} ${sequences === 1 ? 'sequence' : 'sequences'}, ${formatCount(tokens)} tokens, ${formatCount(pack.padding)} padding`),
      h('dl', { class: 'plan-pack__fields' },
        PREVIEW_FIELDS.map((field) => [
          h('dt', { text: field }),
          h('dd', { 'data-field': field }, abbreviateRuns(pack[field])),
        ]),
      ),
    );
  }
}
