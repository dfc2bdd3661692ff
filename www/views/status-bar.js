// What is still computing, shown above the results: mostly NNLSHP, which
// can take from a second to minutes, with a way to stop it.
import { View, h, setText } from '../dom.js';
import { algorithmLabel, formatClock, formatDepth } from '../format.js';

export class StatusBar extends View {
  constructor() {
    super();
    this.text = h('span', { class: 'status__text' });
    this.clock = h('span', { class: 'status__clock', 'aria-hidden': 'true' });
    this.cancelButton = h('button', {
      type: 'button',
      class: 'button button--small',
      'data-testid': 'cancel',
      onclick: () => this.emit('cancel'),
    }, 'Cancel');
    this.resumeButton = h('button', {
      type: 'button',
      class: 'button button--small button--primary',
      'data-testid': 'resume',
      onclick: () => this.emit('resume'),
    }, 'Run NNLSHP');
    this.spinner = h('span', { class: 'spinner', 'aria-hidden': 'true' });
    this.meter = h('progress', { class: 'status__meter', max: 1, value: 0, 'aria-hidden': 'true' });
    this.element = h(
      'div',
      { class: 'status', 'data-testid': 'nnlshp-status', hidden: true },
      h('div', { class: 'status__row' },
        this.spinner,
        h('p', { class: 'status__line', role: 'status' }, this.text),
        this.clock,
        this.cancelButton,
        this.resumeButton,
      ),
      this.meter,
    );
    this.timer = 0;
  }

  update(model) {
    const { slow } = model;
    const running = slow.running;
    const visible = Boolean(running) || slow.cancelled;
    this.element.hidden = !visible;
    this.element.classList.toggle('is-running', Boolean(running));
    this.cancelButton.hidden = !running;
    this.resumeButton.hidden = running || !slow.cancelled;
    this.spinner.hidden = !running;
    this.meter.hidden = !running;

    if (running) {
      const step = `step ${slow.finished + 1} of ${slow.total}`;
      const what = {
        report: `the plan at ${formatDepth(running.depth)} per pack`,
        detail: 'the closer look',
        sweep: `the sweep at ${formatDepth(running.depth)} per pack`,
        bound: `the LP bound on packs at ${formatDepth(running.depth)} per pack`,
        steps: 'its steps across GPUs',
      }[running.what];
      // The bound belongs to no algorithm; the other steps name theirs.
      const who = running.algorithm ? algorithmLabel(running.algorithm) : 'Packlab';
      // One short line: the bar floats over the results, on a phone too.
      setText(this.text, `${who}: ${what}, ${step}`);
      this.element.title = `${who} is computing ${what} (${step}); the other results are ready, and nothing waits for it.`;
      this.meter.value = slow.total ? slow.finished / slow.total : 0;
      this.startedAt = slow.startedAt;
      this.startClock();
    } else {
      this.stopClock();
      this.element.title = '';
      if (slow.cancelled) setText(this.text, 'The slow computations (NNLSHP, the optimal packer and the LP bound) were cancelled: their figures are missing below.');
    }
  }

  startClock() {
    const tick = () => setText(this.clock, formatClock(performance.now() - this.startedAt));
    tick();
    if (!this.timer) this.timer = setInterval(tick, 1000);
  }

  stopClock() {
    clearInterval(this.timer);
    this.timer = 0;
    setText(this.clock, '');
  }
}
