// Asks one worker the questions the page wants answered, in the order it
// wants them, and stops the work nobody wants any more. Each settings
// change hands the runner the whole list of questions wanted now
// (want()); what is answered or being answered is not asked again; what is
// being computed but no longer wanted is abandoned by cancelling the
// worker, the only way to stop it mid-computation (the questions it drops
// are asked again if still wanted).
//
// The fast worker gets every question at once (they take milliseconds and
// queue in the worker); the slow one (NNLSHP, the optimal packer, the LP
// bound) one at a time, so that a settings change reorders what comes
// next, and the user can cancel and resume it.

export class QuestionRunner {
  /**
   * `worker`: a WorkerClient. `answers`: action → Answers (one cache per
   * question). `oneAtATime`: ask the next question only when the last is
   * settled. `pace()`: awaited between two questions, when given (the
   * page's first figures are drawn before the next slow step starts).
   * `onChange()`: called when what the runner is doing changes.
   */
  constructor({ worker, answers, oneAtATime = false, pace = null, onChange = () => {} }) {
    this.worker = worker;
    this.answers = answers;
    this.oneAtATime = oneAtATime;
    this.pace = pace;
    this.onChange = onChange;
    /** The questions wanted now, most wanted first. */
    this.wanted = [];
    /** key → question, for those asked and not yet settled. */
    this.asked = new Map();
    /** Whether the user stopped this runner (until resume()). */
    this.cancelled = false;
    /** Questions settled since the runner last became busy, and when that was. */
    this.finished = 0;
    this.startedAt = 0;
    /** Whether nothing was left to ask at the last look. */
    this.idle = true;
    /** A pace() under way: nothing new is asked meanwhile. */
    this.pacing = false;
    /** Whether the worker is busy with something else (data being read): nothing is asked or abandoned. */
    this.holding = false;
  }

  /** Holds the runner while the worker reads data (see `holding`); after it, want() asks again. */
  hold(holding) {
    this.holding = holding;
  }

  /** Whether `question` has an answer, a failure, or is being answered. */
  settled(question) {
    return this.answers[question.action].state(question.key) !== undefined;
  }

  /** The wanted questions not answered yet. */
  remaining() {
    return this.wanted.filter((question) => !this.settled(question) || this.asked.has(question.key));
  }

  /** The question being computed (the oldest asked), or null. */
  get running() {
    return this.asked.values().next().value ?? null;
  }

  /** Sets the questions wanted now, most wanted first, and asks them. */
  want(questions) {
    this.wanted = questions;
    if (this.holding) return;
    const keys = new Set(questions.map((question) => question.key));
    if ([...this.asked.keys()].some((key) => !keys.has(key))) this.abandon();
    this.pump();
  }

  /** Stops the worker: what it was computing is dropped, to be asked again if wanted. */
  abandon() {
    if (this.asked.size === 0) return;
    this.asked.clear();
    this.worker.cancel();
  }

  /** The user stopped the runner: nothing more is asked until resume(). */
  cancel() {
    this.cancelled = true;
    this.abandon();
    this.onChange();
  }

  resume() {
    this.cancelled = false;
    this.pump();
    this.onChange();
  }

  pump() {
    if (this.cancelled || this.pacing || this.holding) return;
    for (const question of this.wanted) {
      if (this.oneAtATime && this.asked.size > 0) return;
      if (this.settled(question)) continue;
      this.ask(question);
    }
    if (this.asked.size === 0) this.idle = true;
  }

  ask(question) {
    // A run of questions starts when the runner was idle: "step 3 of 19" counts from it.
    if (this.idle) {
      this.idle = false;
      this.finished = 0;
      this.startedAt = performance.now();
    }
    this.asked.set(question.key, question);
    const answers = this.answers[question.action];
    answers
      .ask(question.key, () => this.worker.request(question.action, question.request))
      .then(async () => {
        // Abandoned meanwhile: a new worker answers what is still wanted.
        if (this.asked.get(question.key) !== question) return;
        this.asked.delete(question.key);
        this.finished += 1;
        if (this.pace) {
          this.pacing = true;
          await this.pace();
          this.pacing = false;
        }
        this.pump();
        this.onChange();
      });
    this.onChange();
  }
}
