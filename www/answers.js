// The engine's answers to one question, kept by key. A key names exactly
// the settings the question reads, so every answer is stored under the
// settings it answers: one that arrives after the user moved on is kept,
// not shown, and shown at once if they come back. That is the page's one
// way to drop stale results; a worker is cancelled only to stop work
// nobody wants (see question-runner.js).

import { isDropped } from './dropped.js';

/** Answers kept per question; the oldest go first past this. */
const KEPT_ANSWERS = 400;

export class Answers {
  /** `onChange()`: called whenever an answer arrives or a question fails. */
  constructor(onChange = () => {}) {
    this.onChange = onChange;
    /** key → {state: 'pending' | 'done' | 'failed', value, error}, oldest first. */
    this.entries = new Map();
  }

  /** The answer for `key`, or undefined while there is none. */
  get(key) {
    const entry = this.entries.get(key);
    return entry?.state === 'done' ? entry.value : undefined;
  }

  /** 'pending', 'done' or 'failed', or undefined when never asked. */
  state(key) {
    return this.entries.get(key)?.state;
  }

  /** Why the question of `key` failed (an Error), or undefined. */
  error(key) {
    const entry = this.entries.get(key);
    return entry?.state === 'failed' ? entry.error : undefined;
  }

  /**
   * Asks `run()` (a promise of the answer) for `key`, unless it was asked
   * already. Resolves once the question is settled (answered, failed or
   * dropped); a dropped question is forgotten, to be asked again.
   */
  ask(key, run) {
    if (this.entries.has(key)) return Promise.resolve();
    this.entries.set(key, { state: 'pending' });
    return run().then(
      (value) => this.settle(key, { state: 'done', value }),
      (error) => {
        if (isDropped(error)) {
          if (this.entries.get(key)?.state === 'pending') this.entries.delete(key);
          this.onChange();
        } else {
          this.settle(key, { state: 'failed', error });
        }
      },
    );
  }

  /** Stores a value computed without asking (e.g. an empty sweep). */
  put(key, value) {
    this.settle(key, { state: 'done', value }, false);
  }

  settle(key, entry, notify = true) {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > KEPT_ANSWERS) this.entries.delete(this.entries.keys().next().value);
    if (notify) this.onChange();
  }

  /** Forgets every answer (new data). */
  clear() {
    this.entries.clear();
  }
}
