// The one place Packlab reports a problem: a bad file, a setting the data
// cannot satisfy, a link it could not read. The message is the engine's,
// which names the file, the line and the fix.
import { View, h, setText } from '../dom.js';
import { whereOnThisPage } from '../format.js';

const TITLES = {
  read: 'The data could not be read; nothing changed',
  analysis: 'These settings cannot be analysed',
  nnlshp: 'NNLSHP could not finish',
  link: 'Part of this link was ignored',
  'files-link': 'Your files are not part of a link',
  engine: 'Packlab could not start',
};

export class ErrorBanner extends View {
  constructor() {
    super();
    this.title = h('p', { class: 'alert__title' });
    this.message = h('p', { class: 'alert__message' });
    this.pageHint = h('p', { class: 'alert__hint', hidden: true });
    this.dismiss = h('button', {
      type: 'button',
      class: 'alert__dismiss',
      'aria-label': 'Dismiss this message',
      onclick: () => this.emit('dismiss'),
    }, '×');
    this.element = h(
      'div',
      { class: 'alert', role: 'alert', 'data-testid': 'error', hidden: true },
      h('div', { class: 'alert__text' }, this.title, this.message, this.pageHint),
      this.dismiss,
    );
  }

  update(model) {
    const error = model.error;
    this.element.hidden = !error;
    if (!error) return;
    this.element.dataset.source = error.source;
    // A new message is brought into view: on a phone the banner sits below
    // the summary and the data, out of sight of the upload that failed.
    if (error !== this.shownError) {
      this.shownError = error;
      requestAnimationFrame(() => this.element.scrollIntoView({ block: 'nearest', behavior: 'smooth' }));
    }
    setText(this.title, TITLES[error.source] ?? 'Something went wrong');
    setText(this.message, error.message);
    const hint = whereOnThisPage(error.message);
    this.pageHint.hidden = hint === '';
    setText(this.pageHint, hint);
  }
}

