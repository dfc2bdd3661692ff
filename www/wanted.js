// Which questions the page wants answered at the current settings, most
// wanted first: the fast worker's (the fast packers, the lengths, dynamic
// padding, FLOPs, the max_len sweep) and the slow worker's (NNLSHP, the
// optimal packer, the LP bound). What is already answered is skipped by
// the runners; what is no longer wanted is abandoned.

import {
  DYNAMIC_PADDING_BATCH_SIZES,
  MAX_LEN_SWEEP_ALGORITHMS,
  NOT_SWEPT,
  SLOW_ALGORITHMS,
  boundQuestion,
  detailQuestion,
  flopsQuestion,
  maxLenQuestion,
  paddingQuestion,
  reportQuestion,
  summaryQuestion,
  stepBalanceQuestion,
  sweepQuestion,
  trainerQuestion,
  trainerSweepQuestion,
} from './questions.js';
import { TRAINER_ORDERS } from './settings.js';

/**
 * The page's questions at its current settings. `page`: {dataset,
 * settings, limitFor(algorithm), boundLimit(), depths (of the sweep),
 * answers (action → Answers)}. Every method returns questions (see
 * questions.js).
 */
export class Wanted {
  constructor(page) {
    this.page = page;
  }

  get settings() {
    return this.page.settings;
  }

  /** The shown algorithms of one worker: slow or fast. */
  shown(slow) {
    return this.settings.algorithms.filter((name) => SLOW_ALGORITHMS.has(name) === slow);
  }

  summary() {
    return summaryQuestion(this.page.dataset, this.settings);
  }

  /** Each shown algorithm's report at its limit, in the settings' order. */
  reports() {
    return this.settings.algorithms.map((name) => reportQuestion(this.page.dataset, this.settings, name, this.page.limitFor(name)));
  }

  detail() {
    const name = this.settings.detail;
    return detailQuestion(this.page.dataset, this.settings, name, this.page.limitFor(name));
  }

  /** The closer-look algorithm's packs in training steps across GPUs. */
  steps() {
    const name = this.settings.detail;
    return stepBalanceQuestion(this.page.dataset, this.settings, name, this.page.limitFor(name));
  }

  /** The fast packers' sweep, one question for all of them. */
  greedySweep() {
    return sweepQuestion(this.page.dataset, this.settings, this.shown(false), this.page.depths);
  }

  /** A slow algorithm's sweep, one question per depth (each takes up to a second). */
  slowSweep(name) {
    return this.page.depths.map((depth) => sweepQuestion(this.page.dataset, this.settings, [name], [depth]));
  }

  bound() {
    return boundQuestion(this.page.dataset, this.settings, this.page.boundLimit());
  }

  /** The batch sizes of the dynamic padding table: 8, 32, 128 and the user's, ascending. */
  paddingBatchSizes() {
    return [...new Set([...DYNAMIC_PADDING_BATCH_SIZES, this.settings.batch])].sort((a, b) => a - b);
  }

  padding() {
    return paddingQuestion(this.page.dataset, this.settings, this.paddingBatchSizes());
  }

  /** The fast packers of the max_len sweep: those shown. */
  maxLenAlgorithms() {
    return MAX_LEN_SWEEP_ALGORITHMS.filter((name) => this.settings.algorithms.includes(name));
  }

  maxLen() {
    return maxLenQuestion(this.page.dataset, this.settings, this.maxLenAlgorithms());
  }

  /**
   * FLOPs of the plans answered so far (their packs) and of dynamic
   * padding at the user's batch size, once that is answered; null before.
   */
  flops() {
    const { answers } = this.page;
    const padding = this.padding();
    const entries = answers.dynamicPadding.get(padding.key);
    if (!entries) return null;
    const packing = this.reports()
      .map((question) => answers.report.get(question.key)?.report)
      .filter(Boolean)
      .map((report) => ({ algorithm: report.algorithm, packs: report.packs }));
    const atBatch = entries.filter((entry) => entry.batch_size === this.settings.batch);
    return flopsQuestion(this.page.dataset, this.settings, packing, padding.key, atBatch);
  }

  /**
   * Whether the figures below the first ones wait: dynamic padding and the
   * max_len sweep start once NNLSHP's report is in (or not wanted), so that
   * on a two-core machine the figures at the top do not share the
   * processor with those further down.
   */
  secondaryWaits(slowStopped) {
    if (!this.settings.algorithms.includes('nnlshp') || slowStopped) return false;
    const question = reportQuestion(this.page.dataset, this.settings, 'nnlshp', this.page.limitFor('nnlshp'));
    return this.page.answers.report.state(question.key) === undefined || this.page.answers.report.state(question.key) === 'pending';
  }

  /** Whether the chosen trainer packs in dataset order, so that the order changes its rows. */
  trainerReadsInOrder() {
    return this.page.trainerInfo(this.settings.trainer)?.reads_in_order ?? false;
  }

  /** The user's trainer at the user's order. */
  trainer() {
    return trainerQuestion(this.page.dataset, this.settings);
  }

  /**
   * The orders the trainer is also simulated in: every order for a
   * trainer that reads in dataset order; for data with no order, as given
   * is the same as shuffled and is left out.
   */
  trainerOrders() {
    if (!this.trainerReadsInOrder()) return [];
    // Until the trainer's first answer says whether the data had an order
    // (a histogram file has none), the page's guess.
    const { dataset } = this.page;
    const answer = this.page.answers.trainer.get(this.trainer().key);
    const ordered = answer ? !answer.order_simulated : dataset.source === 'files' && !dataset.basePreset && !dataset.uploadOptionsDiffer;
    return TRAINER_ORDERS.filter((order) => ordered || order !== 'as-given');
  }

  /** The trainer's line of the max_len sweep, at the sweep's max_len, once it is answered. */
  trainerSweep() {
    const points = this.page.answers.maxLenSweep.get(this.maxLen().key);
    if (!points?.length) return null;
    return trainerSweepQuestion(this.page.dataset, this.settings, points.map((point) => point.max_len));
  }

  /** The trainer worker's questions, most wanted first. */
  trainerQuestions() {
    if (!this.settings.trainer || !this.settings.trainerOptions || this.settings.maxLen === null) return [];
    const main = this.trainer();
    const others = this.trainerOrders()
      .map((order) => trainerQuestion(this.page.dataset, this.settings, order))
      .filter((question) => question.key !== main.key);
    const sweep = this.trainerSweep();
    return [main, ...others, ...(sweep ? [sweep] : [])];
  }

  /** The fast worker's questions, most wanted first. */
  fast(slowStopped) {
    const reports = this.reports().filter((question) => !SLOW_ALGORITHMS.has(question.algorithm));
    const questions = [this.summary(), ...reports];
    if (!SLOW_ALGORITHMS.has(this.settings.detail)) questions.push(this.detail());
    if (this.shown(false).length > 0) questions.push(this.greedySweep());
    if (!this.secondaryWaits(slowStopped)) {
      questions.push(this.padding());
      const flops = this.flops();
      if (flops) questions.push(flops);
      if (this.maxLenAlgorithms().length > 0) questions.push(this.maxLen());
      if (!SLOW_ALGORITHMS.has(this.settings.detail)) questions.push(this.steps());
    }
    return questions;
  }

  /**
   * The slow worker's questions, most wanted first: each slow algorithm's
   * report (the closer look right after its report, when it is the one
   * looked at), the LP bound, a slow closer look at an algorithm not
   * compared, the closer-look plan's steps across GPUs, then each depth of
   * each slow algorithm's sweep.
   */
  slow() {
    const questions = [];
    const slowDetail = SLOW_ALGORITHMS.has(this.settings.detail);
    const detail = slowDetail ? this.detail() : null;
    const steps = slowDetail ? this.steps() : null;
    const shown = this.shown(true);
    for (const question of this.reports().filter((entry) => SLOW_ALGORITHMS.has(entry.algorithm))) {
      questions.push(question);
      if (detail && question.algorithm === detail.algorithm) questions.push(detail);
    }
    questions.push(this.bound());
    if (detail && !shown.includes(detail.algorithm)) questions.push(detail);
    if (steps) questions.push(steps);
    for (const name of shown.filter((entry) => !NOT_SWEPT.has(entry))) questions.push(...this.slowSweep(name));
    return questions;
  }
}
