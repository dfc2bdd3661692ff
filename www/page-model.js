// What the views show: one object built from the page's state and the
// engine's answers at the current settings, with what is still being
// computed and whether the page is busy. Each figure is the answer to its
// own question (see questions.js); while a question at new settings is
// being answered, the last answer shown stays, dimmed (`stale`).

import { NOT_SWEPT, SLOW_ALGORITHMS, trainerQuestion } from './questions.js';

export class PageModel {
  /**
   * `page`: {state, wanted (a Wanted), answers (action → Answers),
   * fastRunner, slowRunner, planner, depths, limits(), loadingData(),
   * slowHoldsDataset()}.
   */
  constructor(page) {
    this.page = page;
    /** The last answer shown per figure, kept while the next is computed. */
    this.last = new Map();
    /** Built pieces by name: {inputs, value}, rebuilt only when an input changes. */
    this.memo = new Map();
  }

  /** `build()` again only when one of `inputs` is not the same as last time. */
  memoized(name, inputs, build) {
    const kept = this.memo.get(name);
    if (kept && kept.inputs.length === inputs.length && kept.inputs.every((input, index) => input === inputs[index])) return kept.value;
    const value = build();
    this.memo.set(name, { inputs, value });
    return value;
  }

  /**
   * The answer to `question` ({value, answered: true}), or while it is
   * computed the last one shown for `name` ({value, answered: false},
   * value null when none was).
   */
  current(name, question) {
    const value = this.page.answers[question.action].get(question.key);
    if (value !== undefined) {
      this.last.set(name, value);
      return { value, answered: true };
    }
    return { value: this.last.get(name) ?? null, answered: false };
  }

  /** Forgets what was shown (new data). */
  reset() {
    this.last.clear();
  }

  /**
   * The user's trainer: its answer at the user's order (the last one
   * shown while the next is simulated), in the other orders, its max_len
   * sweep, and the best plan of `reports` to compare it with.
   */
  trainer(reports, summary) {
    const { state, wanted, answers } = this.page;
    const { settings, dataset } = state;
    const best = this.memoized('trainer-best', [reports], () => reports.filter((report) => report.algorithm !== 'none').reduce((fewest, report) => (!fewest || report.packs < fewest.packs ? report : fewest), null));
    const question = wanted.trainer();
    const shown = this.current('trainer', question);
    const error = answers.trainer.error(question.key)?.message ?? null;
    const orderAnswers = wanted.trainerOrders().map((order) => answers.trainer.get(trainerQuestion(dataset, settings, order).key) ?? null);
    const orders = this.memoized('trainer-orders', orderAnswers, () => wanted.trainerOrders().map((order, index) => ({ order, answer: orderAnswers[index] })));
    const sweepQuestion = wanted.trainerSweep();
    const sweep = sweepQuestion ? answers.trainerMaxLenSweep.get(sweepQuestion.key) ?? null : null;
    const asked = this.page.trainerAsked();
    const settled = wanted.trainerQuestions().every((entry) => ['done', 'failed'].includes(answers[entry.action].state(entry.key)));
    let phase = 'busy';
    if (error) phase = 'error';
    else if (asked && settled) phase = 'ready';
    // The trainer's efficiency, a level across the max-per-pack sweep
    // (padding-free steps have no rows to compare).
    const level = this.memoized('trainer-level', [shown.value], () => {
      const report = shown.value?.report;
      return report && !report.tokens_per_step ? { name: report.algorithm, efficiency: report.efficiency } : null;
    });
    return {
      state: phase,
      answer: shown.value,
      level,
      stale: !shown.answered,
      error,
      best,
      bestTokensLost: summary?.overlong.tokens_lost ?? 0,
      orders,
      sweep,
      waiting: asked ? null : 'Your trainer is simulated once the figures above are in…',
    };
  }

  build() {
    const { state, wanted, answers, slowRunner, fastRunner } = this.page;
    const { settings, dataset } = state;
    const ready = Boolean(dataset) && state.engine === 'ready' && Boolean(slowRunner);
    const slowStopped = ready && slowRunner.cancelled;
    const slowFailures = ready ? wanted.slow().filter((question) => answers[question.action].state(question.key) === 'failed') : [];
    const slow = {
      running: ready ? slowRunner.running : null,
      remaining: ready ? slowRunner.remaining().length : 0,
      finished: ready ? slowRunner.finished : 0,
      startedAt: ready ? slowRunner.startedAt : 0,
      cancelled: slowStopped,
      failed: slowFailures.length > 0,
      /** The bucket width NNLSHP chose by itself at this max_len, once a report said it; else null. */
      automaticBucketTokens: null,
    };
    slow.total = slow.finished + slow.remaining;

    const base = {
      engine: state.engine,
      presets: state.presets,
      algorithms: state.algorithms,
      models: state.models,
      ranges: state.ranges,
      dataset,
      settings,
      loading: state.loading,
      reading: state.reading,
      error: state.error,
      plan: state.plan,
      sequencePlan: this.page.planner.view(),
      limits: this.page.limits(),
      slow,
      sweepDepths: this.page.depths,
      trainers: state.trainers,
    };
    if (!ready) {
      const trainer = { state: 'busy', answer: null, level: null, stale: true, error: null, best: null, bestTokensLost: 0, orders: [], sweep: null, waiting: 'Waiting for the data…' };
      return { ...base, trainer, summary: null, reports: [], training: [], sweep: [], detail: null, bound: null, dynamicPadding: [], flops: null, pending: [], stale: false, failed: false, status: state.engine === 'failed' ? 'error' : 'busy', maxLenSweep: { points: [], pending: true, error: null, algorithms: [], truncatedInstead: false }, steps: { answer: null, pending: true, error: null }, lpBound: { pending: true, cancelled: false }, sweepAlgorithms: [], sweepPending: true, greedySweepAnswered: false, detailPending: true, paddingBatchSizes: [], paddingPending: true };
    }

    const summaryQuestion = wanted.summary();
    const summary = this.current('summary', summaryQuestion);
    const failed = answers.summary.state(summaryQuestion.key) === 'failed';

    // Reports and their training figures, in the settings' order.
    const reportQuestions = wanted.reports();
    const reportAnswers = reportQuestions.map((question) => answers.report.get(question.key));
    const reportsStale = reportQuestions.some((question, index) => !reportAnswers[index] && !SLOW_ALGORITHMS.has(question.algorithm));
    const shownReports = this.memoized('reports', reportAnswers, () => reportAnswers.filter(Boolean));
    const reports = reportsStale && this.last.has('reports') ? this.last.get('reports') : shownReports;
    if (!reportsStale) this.last.set('reports', shownReports);
    const reportList = this.memoized('report-list', [reports], () => reports.map((answer) => answer.report));
    const training = this.memoized('training', [reports], () => reports.map((answer) => answer.training));
    const nnlshpReport = reportList.find((report) => report.algorithm === 'nnlshp');
    if (nnlshpReport && settings.bucketTokens === null) slow.automaticBucketTokens = nnlshpReport.bucket_tokens ?? 1;

    // The sweep: the fast packers' line from one answer, each slow one's
    // from an answer per depth.
    const greedy = wanted.shown(false).length ? this.current('greedy-sweep', wanted.greedySweep()) : { value: [], answered: true };
    const slowLines = wanted.shown(true).filter((name) => !NOT_SWEPT.has(name)).map((name) => {
      const points = wanted.slowSweep(name).map((question) => answers.sweep.get(question.key)?.[0]?.points[0]).filter(Boolean);
      return { algorithm: name, points };
    });
    const slowPoints = slowLines.flatMap((line) => line.points);
    const sweep = this.memoized('sweep', [greedy.value, settings.algorithms.join(','), ...slowPoints], () => {
      const lines = new Map([...(greedy.value ?? []), ...slowLines.filter((line) => line.points.length)].map((line) => [line.algorithm, line]));
      return settings.algorithms.filter((name) => lines.has(name)).map((name) => lines.get(name));
    });

    // While another algorithm's closer look is computed, nothing is shown
    // (its figures would read as this one's); the same one's stays, dimmed.
    const detailQuestion = wanted.detail();
    const detailShown = this.current('detail', detailQuestion);
    const detailAnswered = detailShown.answered;
    const detail = detailAnswered || detailShown.value?.report.algorithm === settings.detail ? detailShown.value : null;

    const boundQuestion = wanted.bound();
    const bound = answers.lpBound.get(boundQuestion.key) ?? null;

    const paddingQuestion = wanted.padding();
    const padding = this.current('padding', paddingQuestion);
    // FLOPs are paired here with the plans and dynamic padding entries
    // their question named (the answer lists figures in that order).
    const flopsQuestion = wanted.flops();
    const flopsAnswer = flopsQuestion ? answers.flops.get(flopsQuestion.key) : undefined;
    if (flopsAnswer) this.last.set('flops', { answer: flopsAnswer, request: flopsQuestion.request });
    const shownFlops = this.last.get('flops');
    const flops = shownFlops
      ? this.memoized('flops', [shownFlops.answer], () => ({
          model: shownFlops.answer.model,
          preset: shownFlops.answer.preset,
          no_packing: shownFlops.answer.no_packing,
          packing: shownFlops.request.packing.map((plan, index) => ({ algorithm: plan.algorithm, pair: shownFlops.answer.packing[index] })),
          dynamicPadding: shownFlops.request.dynamic_padding.map((entry, index) => ({ entry, pair: shownFlops.answer.dynamic_padding[index] })),
        }))
      : null;

    const maxLenQuestion = wanted.maxLen();
    const maxLenAlgorithms = wanted.maxLenAlgorithms();
    const maxLen = maxLenAlgorithms.length ? this.current('max-len', maxLenQuestion) : { value: [], answered: true };
    const maxLenError = answers.maxLenSweep.error(maxLenQuestion.key)?.message ?? null;

    const shown = new Set(reportList.map((report) => report.algorithm));
    const fastQuestions = wanted.fast(slowStopped);
    const fastBusy = fastQuestions.some((question) => answers[question.action].state(question.key) !== 'done' && answers[question.action].state(question.key) !== 'failed');
    const slowBusy = this.page.slowHoldsDataset() && !slowStopped && slow.remaining > 0;
    const busy = state.engine === 'loading' || Boolean(state.loading) || Boolean(state.reading) || fastBusy || slowBusy || fastRunner.asked.size > 0;
    let status = 'ready';
    if (busy && !failed) status = 'busy';
    else if (failed || slow.failed) status = 'error';
    else if (slowStopped) status = 'cancelled';
    const slowGone = slowStopped || slow.failed;

    // The closer-look plan in steps across GPUs: another algorithm's
    // steps are not shown while this one's are computed, as for the detail.
    const stepsQuestion = wanted.steps();
    const stepsShown = this.current('steps', stepsQuestion);
    const stepsError = answers.stepBalance.error(stepsQuestion.key)?.message ?? null;
    const steps = {
      answer: stepsShown.answered || stepsShown.value?.algorithm === settings.detail ? stepsShown.value : null,
      pending: !stepsShown.answered && !stepsError && !(SLOW_ALGORITHMS.has(settings.detail) && slowGone),
      error: stepsError,
    };

    return {
      ...base,
      summary: summary.value,
      reports: reportList,
      training,
      sweep,
      detail,
      bound,
      dynamicPadding: padding.value ?? [],
      /** {model, preset, no_packing, packing: [{algorithm, pair}], dynamicPadding: [{entry, pair}]}, or null. */
      flops,
      stale: (!summary.answered || reportsStale) && !failed,
      failed,
      status,
      /** Shown algorithms whose report is still being computed. */
      pending: settings.algorithms.filter((name) => !shown.has(name) && !(SLOW_ALGORITHMS.has(name) && slowGone)),
      /** The shown algorithms the max-per-pack sweep covers. */
      sweepAlgorithms: settings.algorithms.filter((name) => !NOT_SWEPT.has(name)),
      sweepPending: !greedy.answered || slowLines.some((line) => line.points.length < this.page.depths.length && !slowGone),
      /** The greedy packers' sweep is in (NNLSHP's points may follow). */
      greedySweepAnswered: greedy.answered,
      detailPending: !detailAnswered && !(SLOW_ALGORITHMS.has(settings.detail) && slowGone),
      paddingBatchSizes: wanted.paddingBatchSizes(),
      paddingPending: !padding.answered,
      maxLenSweep: {
        points: maxLen.value ?? [],
        pending: !maxLenError && !maxLen.answered,
        error: maxLenError,
        algorithms: maxLenAlgorithms,
        truncatedInstead: settings.overlong === 'error',
      },
      /** The closer-look plan in steps across GPUs: {answer (a StepBalance, or null), pending, error}. */
      steps,
      /** The LP bound's state (its figures are `bound`). */
      lpBound: { pending: !bound && !slowGone, cancelled: slowGone },
      /** The user's trainer (see trainer()). */
      trainer: this.trainer(reportList, summary.value),
    };
  }
}
