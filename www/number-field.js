// A number input that checks itself and applies after the user pauses
// typing, shared by the panels with whole-number settings.
import { h, uniqueId } from './dom.js';
import { formatCount } from './format.js';

/** Typing pauses this long before a number applies. */
const TYPING_PAUSE_MS = 350;

/**
 * A number field that validates itself and applies after typing pauses.
 * An `optional` field may be left empty, which applies null.
 */
export class NumberField {
  constructor({ label, testId, min, max, hint, optional = false, onCommit }) {
    const id = uniqueId(testId);
    this.min = min;
    this.max = max;
    this.optional = optional;
    this.onCommit = onCommit;
    this.timer = 0;
    this.shown = null;
    this.input = h('input', {
      id,
      type: 'number',
      inputmode: 'numeric',
      min,
      max,
      step: 1,
      required: !optional,
      'data-testid': testId,
      'aria-describedby': `${id}-hint ${id}-problem`,
      oninput: () => this.typed(),
      onchange: () => this.commit(),
      onkeydown: (event) => {
        if (event.key === 'Enter') this.commit();
      },
    });
    this.hint = h('p', { class: 'hint', id: `${id}-hint`, text: hint });
    this.problem = h('p', { class: 'field__problem', id: `${id}-problem`, hidden: true });
    this.element = h('div', { class: 'field' }, h('label', { for: id, text: label }), this.input, this.hint, this.problem);
  }

  /**
   * The field's value if valid (null for an empty optional field), else
   * undefined (and the problem is shown).
   */
  parse() {
    const text = this.input.value.trim();
    if (this.optional && text === '') {
      this.input.setAttribute('aria-invalid', 'false');
      this.problem.hidden = true;
      return null;
    }
    const value = Number(text);
    const valid = /^\d+$/.test(text) && value >= this.min && value <= this.max;
    this.input.setAttribute('aria-invalid', String(!valid));
    this.problem.hidden = valid;
    if (!valid) {
      const range = `Enter a whole number from ${formatCount(this.min)} to ${formatCount(this.max)}`;
      this.problem.textContent = this.optional ? `${range}, or leave it empty.` : `${range}.`;
    }
    return valid ? value : undefined;
  }

  typed() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.commit(), TYPING_PAUSE_MS);
  }

  commit() {
    clearTimeout(this.timer);
    this.timer = 0;
    const value = this.parse();
    if (value !== undefined && value !== this.shown) {
      this.shown = value;
      this.onCommit(value);
    }
  }

  /** Shows the controller's value, unless the user is editing the field. */
  /** The largest value the field takes (the engine's, once it has started). */
  setMax(max) {
    if (this.max === max) return;
    this.max = max;
    this.input.max = String(max);
  }

  show(value) {
    // An emptied required field gets its value back; an optional one may stay empty.
    if (value === this.shown && (this.optional || this.input.value !== '')) return;
    this.shown = value;
    // A pending timer means the user is typing: their text wins until it applies.
    if (document.activeElement === this.input && this.timer) return;
    this.input.value = value === null ? '' : String(value);
    // No value yet (the data is loading) is not the user's mistake, and an
    // optional field's null is its empty value.
    if (value === null) {
      this.problem.hidden = true;
      this.input.removeAttribute('aria-invalid');
    } else {
      this.parse();
    }
  }
}
