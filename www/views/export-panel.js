// Taking results away: the plan as JSON (the command line's format), the
// comparison as CSV, and a link that reopens these settings.
import { View, h, setText, uniqueId } from '../dom.js';
import { algorithmLabel } from '../format.js';

export class ExportPanel extends View {
  constructor() {
    super();
    const linkId = uniqueId('share-link');
    this.planButton = h('button', {
      type: 'button',
      class: 'button',
      'data-testid': 'export-plan',
      onclick: () => this.emit('plan'),
    }, 'Plan (JSON)');
    this.csvButton = h('button', {
      type: 'button',
      class: 'button',
      'data-testid': 'export-csv',
      onclick: () => this.emit('csv'),
    }, 'Comparison (CSV)');
    this.linkButton = h('button', {
      type: 'button',
      class: 'button',
      'data-testid': 'copy-link',
      onclick: () => this.emit('link'),
    }, 'Copy shareable link');
    this.linkInput = h('input', {
      id: linkId,
      type: 'text',
      readonly: true,
      class: 'share-link',
      'data-testid': 'share-link',
      onfocus: () => this.linkInput.select(),
    });
    this.message = h('p', { class: 'hint export__message', role: 'status' });
    this.planAlgorithm = h('span');
    this.planHint = h('p', { class: 'hint' },
      'Every ', this.planAlgorithm, ' pack, in the format of ', h('code', { class: 'nowrap', text: 'packlab pack --json' }),
      '. Choose the algorithm under “Closer look at”.');
    this.element = h(
      'section',
      { class: 'panel panel--results', id: 'export', tabindex: '-1', 'aria-labelledby': 'export-heading' },
      h('h2', { class: 'panel__title', id: 'export-heading', text: 'Export' }),
      h('div', { class: 'button-row' }, this.planButton, this.csvButton),
      this.planHint,
      h('div', { class: 'field' },
        h('label', { for: linkId, text: 'Link to these settings' }),
        h('div', { class: 'share' }, this.linkInput, this.linkButton),
        h('p', { class: 'hint', text: 'The link holds the settings and the example chosen; your own files stay on this machine. Each chart saves itself as SVG or PNG.' }),
      ),
      this.message,
    );
  }

  /** Says whether the link reached the clipboard; otherwise selects it for copying by hand. */
  linkCopied(copied) {
    if (copied) {
      setText(this.message, 'Link copied.');
    } else {
      this.linkInput.focus();
      this.linkInput.select();
      setText(this.message, 'The browser did not allow copying: the link is selected, press Ctrl+C (⌘C) to copy it.');
    }
  }

  update(model) {
    const ready = model.engine === 'ready' && model.dataset !== null;
    const algorithm = algorithmLabel(model.settings.detail);
    setText(this.planButton, model.plan.busy ? 'Packing…' : `${algorithm} plan (JSON)`);
    this.planButton.disabled = !ready || model.plan.busy;
    this.planButton.setAttribute('aria-busy', String(model.plan.busy));
    this.csvButton.disabled = !ready || !model.reports.length;
    this.linkButton.disabled = !ready;
    setText(this.planAlgorithm, algorithm);
    if (this.linkInput.value !== location.href) this.linkInput.value = location.href;
    if (model.plan.message !== this.planMessage) {
      this.planMessage = model.plan.message;
      if (this.planMessage) setText(this.message, this.planMessage);
    }
  }
}
