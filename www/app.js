// Packlab's controller: the single owner of the page's state. Views show
// what it hands them and tell it what the user did; workers compute.
//
// Two workers run the same script. The analysis worker reads files and runs
// the fast packers (none, SPFHP, LPFHP, BFD) and their sweep, in
// milliseconds, so every settings change re-runs it at once. The NNLSHP
// worker runs NNLSHP, which takes from a fraction of a second to minutes:
// its work is split into steps (the report at the current setting, the
// closer look, then the sweep one depth at a time) whose results are kept,
// so views fill in as steps finish and going back to a setting is instant.
// A settings change that makes the running step useless cancels it by
// restarting that worker.

import init, { presets, algorithms } from './pkg/packlab.js';
import { WorkerClient, isDropped } from './worker-client.js';
import { DEFAULT_SETTINGS, MAX_FINITE_PER_PACK, readHash, writeHash } from './hash.js';
import { algorithmLabel } from './format.js';
import { comparisonCsv } from './exports.js';
import { download, fileStem } from './download.js';
import { h } from './dom.js';
import { DataPanel } from './views/data-panel.js';
import { SettingsPanel } from './views/settings-panel.js';
import { ErrorBanner } from './views/error-banner.js';
import { ExportPanel } from './views/export-panel.js';
import { StatusBar } from './views/status-bar.js';
import { DropOverlay } from './views/drop-overlay.js';
import { VerdictView } from './views/verdict.js';
import { HistogramView } from './views/histogram.js';
import { ComparisonView } from './views/comparison.js';
import { SweepView } from './views/sweep.js';
import { AnatomyView } from './views/anatomy.js';
import { ExamplePackView } from './views/example-pack.js';
import { TrainingView } from './views/training.js';

const NNLSHP = 'nnlshp';

/** The sweep's settings of max sequences per pack: 1 to 16, then no limit. */
const SWEEP_DEPTHS = [
  ...Array.from({ length: MAX_FINITE_PER_PACK }, (_, index) => index + 1),
  null,
];

/** NNLSHP results kept per dataset; old ones go first past this. */
const NNLSHP_CACHE_LIMIT = 400;

/** Compiles the engine once; every worker instantiates the same module. */
async function compileEngine() {
  const url = new URL('./pkg/packlab_bg.wasm', import.meta.url);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`the engine could not be loaded (${response.status} ${response.statusText})`);
  if (WebAssembly.compileStreaming) return WebAssembly.compileStreaming(response);
  return WebAssembly.compile(await response.arrayBuffer());
}

export class App {
  constructor(root) {
    this.root = root;
    this.state = {
      /** 'loading' until the engine runs, then 'ready' (or 'failed'). */
      engine: 'loading',
      presets: [],
      algorithms: [],
      /**
       * The data analysed: {id, source: 'preset'|'files', preset, label,
       * description, files, pairs, defaultMaxLen}. `pairs` is the compact
       * form a restarted worker is restored from.
       */
      dataset: null,
      /** What the user set (see hash.js for the defaults). */
      settings: { ...DEFAULT_SETTINGS, algorithms: [...DEFAULT_SETTINGS.algorithms] },
      /** A preset being loaded: its name; null otherwise. */
      loading: null,
      /** Files being read: {names, loaded, total, file}; null otherwise. */
      reading: null,
      /** The fast analysis last received ({key, analysis}) and the key of a failure. */
      fast: { key: null, analysis: null, errorKey: null },
      /** One message at a time for the alert: {source, message}. */
      error: null,
      /** The plan export: {busy, message}. */
      plan: { busy: false, message: '' },
    };
    /** Greedy sweeps by key (dataset, max_len, overlong, algorithms). */
    this.sweeps = new Map();
    /** NNLSHP results by step key: {analysis, batch}. */
    this.nnlshpResults = new Map();
    this.nnlshp = {
      /** The step being computed: {key, label}; null when idle. */
      running: null,
      /** Bumped whenever running steps are abandoned, so their answers are ignored. */
      generation: 0,
      /** When the current run of steps began (performance.now()). */
      startedAt: 0,
      /** Steps finished in the current run (for "step 3 of 19"). */
      finished: 0,
      cancelled: false,
      /** The key of the step that failed, until the settings change. */
      errorKey: null,
    };
    /** The fast analysis and greedy sweep awaited: {key} tokens, null when none. */
    this.requested = { fast: null, sweep: null };
    this.datasetToken = 0;
    this.memo = { inputs: [], analysis: null };
  }

  async start() {
    this.mount();
    this.render();
    let module;
    try {
      module = await compileEngine();
      await init({ module_or_path: module });
      this.state.presets = presets();
      this.state.algorithms = algorithms().map((algorithm) => algorithm.name);
    } catch (error) {
      this.state.engine = 'failed';
      this.setError('engine', `Packlab's engine could not start in this browser: ${error.message}`);
      this.render();
      return;
    }
    const restore = () =>
      this.state.dataset ? { action: 'restore', args: { pairs: this.state.dataset.pairs } } : null;
    this.analysisWorker = new WorkerClient({ name: 'analysis', module, restore });
    this.nnlshpWorker = new WorkerClient({ name: 'nnlshp', module, restore });
    this.state.engine = 'ready';

    const link = this.readLink();
    Object.assign(this.state.settings, link.settings);
    window.addEventListener('hashchange', () => this.followLink());
    await this.loadPreset(link.preset ?? this.state.presets[0].name, { maxLen: link.settings.maxLen });
  }

  /** Builds the page's views and wires their events to the controller. */
  mount() {
    const views = {
      data: new DataPanel(),
      settings: new SettingsPanel(),
      error: new ErrorBanner(),
      exports: new ExportPanel(),
      status: new StatusBar(),
      drop: new DropOverlay(),
      verdict: new VerdictView(),
      histogram: new HistogramView(),
      comparison: new ComparisonView(),
      sweep: new SweepView(),
      anatomy: new AnatomyView(),
      example: new ExamplePackView(),
      training: new TrainingView(),
    };
    this.views = views;

    views.data.addEventListener('preset', (event) => this.loadPreset(event.detail));
    views.data.addEventListener('files', (event) => this.readFiles(event.detail));
    views.data.addEventListener('cancel', () => this.cancelRead());
    views.drop.addEventListener('files', (event) =>
      this.readFiles({ files: event.detail, options: views.data.readOptions() }),
    );
    views.settings.addEventListener('change', (event) => {
      this.clearError('link');
      this.changeSettings(event.detail);
    });
    views.error.addEventListener('dismiss', () => {
      this.state.error = null;
      this.render();
    });
    views.status.addEventListener('cancel', () => this.cancelNnlshp());
    views.status.addEventListener('resume', () => this.resumeNnlshp());
    views.exports.addEventListener('plan', () => this.exportPlan());
    views.exports.addEventListener('csv', () => this.exportCsv());
    views.exports.addEventListener('link', () => this.copyLink());

    const sidebar = h(
      'aside',
      { class: 'sidebar', 'aria-label': 'Data and settings' },
      views.data.element,
      views.error.element,
      views.settings.element,
      views.exports.element,
    );
    const results = h(
      'main',
      { class: 'results', id: 'results', tabindex: '-1' },
      views.status.element,
      views.verdict.element,
      views.histogram.element,
      views.comparison.element,
      views.sweep.element,
      views.anatomy.element,
      views.example.element,
      views.training.element,
    );
    this.root.replaceChildren(sidebar, results, views.drop.element);
  }

  // ---- Links -------------------------------------------------------------

  readLink() {
    const link = readHash(location.hash, {
      presetNames: this.state.presets.map((preset) => preset.name),
      algorithmNames: this.state.algorithms,
    });
    if (link.problems.length) {
      this.setError('link', `Some settings in this link were not understood and use their defaults: ${link.problems.join('; ')}.`);
    }
    return link;
  }

  /** The user edited the hash, or went back to an earlier link. */
  followLink() {
    if (location.hash.slice(1) === this.hash()) return;
    const link = this.readLink();
    const current = this.state.dataset;
    const preset = link.preset ?? (current?.source === 'preset' ? current.preset : null);
    if (preset && (current?.source !== 'preset' || current.preset !== preset)) {
      Object.assign(this.state.settings, link.settings);
      this.loadPreset(preset, { maxLen: link.settings.maxLen });
    } else {
      this.changeSettings(link.settings);
    }
  }

  hash() {
    const dataset = this.state.dataset;
    return writeHash(dataset?.source === 'preset' ? dataset.preset : null, this.state.settings);
  }

  writeLink() {
    const hash = this.hash();
    if (location.hash.slice(1) !== hash) history.replaceState(null, '', `#${hash}`);
  }

  // ---- Data ----------------------------------------------------------------

  async loadPreset(name, { maxLen = null } = {}) {
    const token = ++this.datasetToken;
    this.stopReading();
    this.state.loading = name;
    this.clearError('read');
    this.render();
    try {
      const loaded = await this.analysisWorker.request('loadPreset', { name }, { kind: 'dataset' });
      if (token !== this.datasetToken) return;
      const preset = this.state.presets.find((entry) => entry.name === name);
      this.setDataset(
        {
          source: 'preset',
          preset: name,
          label: preset.label,
          description: preset.description,
          files: [],
          pairs: loaded.pairs,
          defaultMaxLen: loaded.default_max_len,
        },
        maxLen,
      );
    } catch (error) {
      if (token !== this.datasetToken) return;
      this.state.loading = null;
      if (!isDropped(error)) this.setError('read', error.message);
      this.resumeAnalyses();
    }
  }

  /** `{files, options: {format, column}, append}` from the upload control or a drop. */
  async readFiles({ files, options = {}, append = false }) {
    if (!files.length || this.state.engine !== 'ready') return;
    const token = ++this.datasetToken;
    this.stopReading();
    const names = files.map((file) => file.name);
    const total = files.reduce((sum, file) => sum + file.size, 0);
    this.state.reading = { names, loaded: 0, total, file: names[0] };
    this.clearError('read');
    this.render();
    const readOptions = {};
    if (options.format) readOptions.format = options.format;
    if (options.column) readOptions.column = options.column;
    try {
      const read = await this.analysisWorker.request(
        'readFiles',
        { files, options: readOptions, append },
        {
          kind: 'dataset',
          onProgress: (progress) => {
            if (token !== this.datasetToken) return;
            this.state.reading = { ...this.state.reading, ...progress };
            this.views.data.update(this.model());
          },
        },
      );
      if (token !== this.datasetToken) return;
      this.state.reading = null;
      const previous = append ? this.state.dataset : null;
      const fileList = [...(previous?.files ?? []), ...read.files];
      const names = fileList.map((file) => file.name);
      this.setDataset(
        {
          source: 'files',
          preset: null,
          label: names.length > 3 ? `${names.length} files` : names.join(' + '),
          description: '',
          files: fileList,
          basePreset: previous?.source === 'preset' ? previous.label : previous?.basePreset ?? null,
          pairs: read.pairs,
          defaultMaxLen: read.default_max_len,
        },
        null,
      );
    } catch (error) {
      if (token !== this.datasetToken) return;
      this.state.reading = null;
      if (!isDropped(error)) this.setError('read', error.message);
      this.resumeAnalyses();
    }
  }

  /** Abandons a file read in progress; the data on screen stays. */
  cancelRead() {
    if (!this.state.reading) return;
    this.datasetToken += 1;
    this.stopReading();
    this.resumeAnalyses();
  }

  /** Whether new data is being loaded or read (the analyses wait for it). */
  loadingData() {
    return Boolean(this.state.reading || this.state.loading);
  }

  /** A data load ended without new data: the analyses it interrupted run again. */
  resumeAnalyses() {
    this.runFast();
    this.runSweep();
    this.render();
  }

  stopReading() {
    if (!this.state.reading && !this.state.loading) return;
    this.state.reading = null;
    this.state.loading = null;
    // The worker is busy with the read: restarting it is the only way to stop it.
    this.analysisWorker.cancel();
    this.requested.fast = null;
    this.requested.sweep = null;
  }

  setDataset(dataset, maxLen) {
    const id = (this.state.dataset?.id ?? 0) + 1;
    this.state.dataset = { ...dataset, id };
    this.state.loading = null;
    this.state.settings.maxLen = maxLen ?? dataset.defaultMaxLen;
    this.sweeps.clear();
    this.nnlshpResults.clear();
    this.state.plan = { busy: false, message: '' };
    // The NNLSHP worker learns the new data: a running step is abandoned
    // (the restart restores the new data), otherwise it is sent over.
    if (this.nnlshp.running) {
      this.abandonNnlshp();
    } else {
      this.nnlshpWorker
        .request('restore', { pairs: dataset.pairs }, { kind: 'restore' })
        .catch((error) => {
          if (!isDropped(error)) this.setError('nnlshp', error.message);
        });
    }
    this.settingsChanged();
  }

  // ---- Settings ------------------------------------------------------------

  changeSettings(changes) {
    Object.assign(this.state.settings, changes);
    this.settingsChanged();
  }

  /** Re-runs what the current settings need, and shows it. */
  settingsChanged() {
    this.nnlshp.cancelled = false;
    this.nnlshp.errorKey = null;
    this.clearError('nnlshp');
    this.writeLink();
    this.runFast();
    this.runSweep();
    this.scheduleNnlshp();
    this.render();
  }

  /** Keys say which results answer the current question; `base` is common to all. */
  baseKey() {
    const { dataset, settings } = this.state;
    return `${dataset.id}|${settings.maxLen}|${settings.overlong}`;
  }

  shownGreedy() {
    return this.state.settings.algorithms.filter((name) => name !== NNLSHP);
  }

  fastKey() {
    const { settings } = this.state;
    return [
      this.baseKey(),
      settings.maxPerPack,
      this.shownGreedy().join(','),
      settings.detail === NNLSHP ? '' : settings.detail,
      settings.batch,
    ].join('|');
  }

  sweepKey() {
    return `${this.baseKey()}|${this.shownGreedy().join(',')}`;
  }

  /** The parts of a request every analysis shares. */
  baseRequest() {
    const { settings } = this.state;
    return { max_len: settings.maxLen, overlong: settings.overlong };
  }

  /** The fast packers' reports, closer look and training figures. */
  runFast() {
    const key = this.fastKey();
    if (this.state.fast.key === key) {
      this.clearError('analysis');
      return;
    }
    if (this.requested.fast?.key === key) return;
    const token = { key };
    this.requested.fast = token;
    const { settings } = this.state;
    const request = {
      ...this.baseRequest(),
      max_per_pack: settings.maxPerPack,
      algorithms: this.shownGreedy(),
      batch_size: settings.batch,
    };
    if (settings.detail !== NNLSHP) request.detail_algorithm = settings.detail;
    // A greedy sweep in progress would delay this answer by up to half a
    // second on long rows: it is restarted after it instead.
    if (this.analysisWorker.pendingKinds().has('sweep') && !this.analysisWorker.pendingKinds().has('dataset')) {
      this.analysisWorker.cancel();
      this.requested.sweep = null;
    }
    this.analysisWorker.request('analyse', request, { kind: 'analysis' }).then(
      (analysis) => {
        if (this.requested.fast === token) this.requested.fast = null;
        this.state.fast = { key, analysis, errorKey: null };
        this.clearError('analysis');
        this.render();
      },
      (error) => {
        if (this.requested.fast === token) this.requested.fast = null;
        if (isDropped(error)) {
          // Abandoned with its worker: ask again if it is still the question
          // (after a data load, which asks again itself).
          if (error.reason === 'cancelled' && !this.loadingData()) this.runFast();
          return;
        }
        this.state.fast.errorKey = key;
        this.setError('analysis', error.message);
        this.render();
      },
    );
  }

  /** The fast packers' sweep over max sequences per pack. */
  runSweep() {
    const key = this.sweepKey();
    if (this.sweeps.has(key) || this.requested.sweep?.key === key) return;
    const greedy = this.shownGreedy();
    if (greedy.length === 0) {
      this.sweeps.set(key, []);
      return;
    }
    const token = { key };
    this.requested.sweep = token;
    const request = { ...this.baseRequest(), algorithms: greedy, sweep_depths: SWEEP_DEPTHS };
    this.analysisWorker.request('analyse', request, { kind: 'sweep' }).then(
      (analysis) => {
        if (this.requested.sweep === token) this.requested.sweep = null;
        this.sweeps.set(key, analysis.sweep);
        this.render();
      },
      (error) => {
        if (this.requested.sweep === token) this.requested.sweep = null;
        if (isDropped(error)) {
          if (error.reason === 'cancelled' && !this.loadingData()) this.runSweep();
          return;
        }
        // The fast analysis fails the same way and says why.
        this.sweeps.set(key, []);
        this.render();
      },
    );
  }

  // ---- NNLSHP --------------------------------------------------------------

  nnlshpKey(what, depth) {
    return `${this.baseKey()}|${what}|${depth}`;
  }

  /**
   * The NNLSHP steps the current settings still need, most wanted first:
   * the report at the chosen max per pack (with training figures at the
   * chosen batch size), the closer look, then each depth of the sweep.
   */
  nnlshpSteps() {
    const { dataset, settings } = this.state;
    if (!dataset || this.nnlshp.cancelled) return [];
    const shown = settings.algorithms.includes(NNLSHP);
    const steps = [];
    const report = (depth) => ({
      key: this.nnlshpKey('report', depth),
      depth,
      request: {
        ...this.baseRequest(),
        max_per_pack: depth,
        algorithms: [NNLSHP],
        batch_size: settings.batch,
      },
    });
    if (shown) {
      const current = this.nnlshpResults.get(this.nnlshpKey('report', settings.maxPerPack));
      if (!current || current.batch !== settings.batch) {
        steps.push({ ...report(settings.maxPerPack), what: 'report' });
      }
    }
    const detailKey = this.nnlshpKey('detail', settings.maxPerPack);
    if (settings.detail === NNLSHP && !this.nnlshpResults.has(detailKey)) {
      steps.push({
        key: detailKey,
        what: 'detail',
        depth: settings.maxPerPack,
        request: { ...this.baseRequest(), max_per_pack: settings.maxPerPack, detail_algorithm: NNLSHP },
      });
    }
    if (shown) {
      for (const depth of SWEEP_DEPTHS) {
        if (!this.nnlshpResults.has(this.nnlshpKey('report', depth))) {
          steps.push({ ...report(depth), what: 'sweep' });
        }
      }
    }
    if (steps.some((step) => step.key === this.nnlshp.errorKey)) return [];
    return steps;
  }

  /** Starts NNLSHP steps, abandoning a running one the settings no longer need. */
  scheduleNnlshp() {
    const steps = this.nnlshpSteps();
    const running = this.nnlshp.running;
    if (running && !steps.some((step) => step.key === running.key)) this.abandonNnlshp();
    if (!this.nnlshp.running && steps.length) {
      this.nnlshp.startedAt = performance.now();
      this.nnlshp.finished = 0;
      this.pumpNnlshp();
    }
  }

  /** Restarts the NNLSHP worker, dropping the step it was computing. */
  abandonNnlshp() {
    this.nnlshp.generation += 1;
    this.nnlshp.running = null;
    this.nnlshpWorker.cancel();
  }

  /** Runs the needed steps one after another until none is left. */
  async pumpNnlshp() {
    const generation = this.nnlshp.generation;
    for (;;) {
      const step = this.nnlshpSteps()[0];
      if (!step) {
        this.nnlshp.running = null;
        this.render();
        return;
      }
      this.nnlshp.running = step;
      this.render();
      const batch = this.state.settings.batch;
      try {
        const analysis = await this.nnlshpWorker.request('analyse', step.request, { kind: NNLSHP });
        if (generation !== this.nnlshp.generation) return;
        this.remember(step.key, { analysis, batch });
        this.nnlshp.finished += 1;
      } catch (error) {
        if (generation !== this.nnlshp.generation) return;
        this.nnlshp.running = null;
        if (!isDropped(error)) {
          this.nnlshp.errorKey = step.key;
          // When the fast analysis failed on the same settings, its message already says why.
          if (this.state.error?.source !== 'analysis') this.setError('nnlshp', error.message);
        }
        this.render();
        return;
      }
    }
  }

  remember(key, value) {
    this.nnlshpResults.delete(key);
    this.nnlshpResults.set(key, value);
    if (this.nnlshpResults.size > NNLSHP_CACHE_LIMIT) {
      this.nnlshpResults.delete(this.nnlshpResults.keys().next().value);
    }
  }

  /** The user stopped NNLSHP: the other views stay; NNLSHP waits for "Run". */
  cancelNnlshp() {
    if (!this.nnlshp.running) return;
    this.abandonNnlshp();
    this.nnlshp.cancelled = true;
    this.render();
  }

  resumeNnlshp() {
    this.nnlshp.cancelled = false;
    this.scheduleNnlshp();
    this.render();
  }

  // ---- Exports -------------------------------------------------------------

  /** The plan of the closer-look algorithm, in the shape `packlab pack --json` prints. */
  async exportPlan() {
    const { settings, dataset } = this.state;
    if (!dataset || this.state.plan.busy) return;
    const algorithm = settings.detail;
    const worker = algorithm === NNLSHP ? this.nnlshpWorker : this.analysisWorker;
    this.state.plan = { busy: true, message: `Packing with ${algorithmLabel(algorithm)}…` };
    this.render();
    const request = { ...this.baseRequest(), algorithm, max_per_pack: settings.maxPerPack };
    const name = `${fileStem('packlab-plan', algorithm, dataset.preset ?? 'data', `max-len-${settings.maxLen}`)}.json`;
    try {
      const plan = await worker.request('packPlan', request, { kind: 'plan' });
      // Compact, with a final newline, exactly as the command line prints it.
      const text = `${JSON.stringify(plan)}\n`;
      download(new Blob([text], { type: 'application/json' }), name);
      this.state.plan = { busy: false, message: `Saved the ${algorithmLabel(algorithm)} plan: ${plan.plan.length} distinct packs.` };
    } catch (error) {
      const message = isDropped(error)
        ? 'The plan was abandoned because the data or settings changed; ask again.'
        : `The plan could not be made: ${error.message}`;
      this.state.plan = { busy: false, message };
    }
    this.render();
  }

  exportCsv() {
    const analysis = this.model().analysis;
    if (!analysis || analysis.reports.length === 0) return;
    const { dataset, settings } = this.state;
    download(
      new Blob([comparisonCsv(analysis.reports)], { type: 'text/csv' }),
      `${fileStem('packlab-comparison', dataset.preset ?? 'data', `max-len-${settings.maxLen}`)}.csv`,
    );
  }

  async copyLink() {
    const url = location.href;
    try {
      await navigator.clipboard.writeText(url);
      this.views.exports.linkCopied(true);
    } catch {
      // Without clipboard access the link is shown selected, ready to copy by hand.
      this.views.exports.linkCopied(false);
    }
  }

  // ---- Errors --------------------------------------------------------------

  setError(source, message) {
    this.state.error = { source, message };
  }

  clearError(source) {
    if (this.state.error?.source === source) this.state.error = null;
  }

  // ---- What the views show ---------------------------------------------------

  /**
   * The analysis the views draw, merged from the fast analysis, the greedy
   * sweep and whatever NNLSHP steps have finished, in the order of the
   * chosen algorithms. The same object is returned while its inputs are
   * unchanged, so charts redraw only when their figures change.
   */
  combinedAnalysis() {
    const { settings, dataset, fast } = this.state;
    if (!dataset || !fast.analysis) return null;
    const nnlshpReport = this.nnlshpResults.get(this.nnlshpKey('report', settings.maxPerPack));
    const nnlshpDetail = this.nnlshpResults.get(this.nnlshpKey('detail', settings.maxPerPack));
    const greedySweep = this.sweeps.get(this.sweepKey()) ?? null;
    const nnlshpSweep = SWEEP_DEPTHS.map((depth) =>
      this.nnlshpResults.get(this.nnlshpKey('report', depth)),
    );
    const inputs = [
      fast.analysis,
      greedySweep,
      nnlshpReport,
      nnlshpDetail,
      ...nnlshpSweep,
      settings.algorithms.join(','),
      settings.detail,
      settings.batch,
      dataset.id,
    ];
    if (inputs.length === this.memo.inputs.length && inputs.every((input, index) => input === this.memo.inputs[index])) {
      return this.memo.analysis;
    }

    const base = fast.analysis;
    const reports = [];
    const training = [];
    const sweep = [];
    for (const name of settings.algorithms) {
      if (name === NNLSHP) {
        if (nnlshpReport) {
          reports.push(nnlshpReport.analysis.reports[0]);
          if (nnlshpReport.batch === settings.batch) training.push(nnlshpReport.analysis.training[0]);
        }
        const points = nnlshpSweep
          .filter(Boolean)
          .map(({ analysis }) => {
            const report = analysis.reports[0];
            return {
              max_per_pack: report.max_per_pack,
              packs: report.packs,
              efficiency: report.efficiency,
              speedup: report.speedup,
              runtime_ms: report.runtime_ms,
            };
          });
        if (points.length) sweep.push({ algorithm: NNLSHP, points });
      } else {
        const report = base.reports.find((entry) => entry.algorithm === name);
        if (report) reports.push(report);
        const figures = base.training.find((entry) => entry.algorithm === name);
        if (figures) training.push(figures);
        const line = greedySweep?.find((entry) => entry.algorithm === name);
        if (line) sweep.push(line);
      }
    }
    let detail = null;
    if (settings.detail === NNLSHP) detail = nnlshpDetail?.analysis.detail ?? null;
    else if (base.detail?.report.algorithm === settings.detail) detail = base.detail;

    const analysis = {
      max_len: base.max_len,
      summary: base.summary,
      overlong: base.overlong,
      histogram: base.histogram,
      reports,
      sweep,
      detail,
      training,
    };
    this.memo = { inputs, analysis };
    return analysis;
  }

  model() {
    const { settings, dataset, fast } = this.state;
    const analysis = this.combinedAnalysis();
    const fastKey = dataset ? this.fastKey() : null;
    const fastPending = Boolean(dataset) && fast.key !== fastKey && fast.errorKey !== fastKey;
    const sweepPending = Boolean(dataset) && !this.sweeps.has(this.sweepKey()) && this.requested.sweep !== null;
    const steps = dataset ? this.nnlshpSteps() : [];
    const nnlshpWanted = settings.algorithms.includes(NNLSHP) || settings.detail === NNLSHP;
    const shown = new Set(analysis?.reports.map((report) => report.algorithm));
    const analysisFailed = fast.errorKey !== null && fast.errorKey === fastKey;

    const nnlshp = {
      wanted: nnlshpWanted,
      running: this.nnlshp.running,
      remaining: steps.length,
      total: this.nnlshp.finished + steps.length,
      finished: this.nnlshp.finished,
      startedAt: this.nnlshp.startedAt,
      cancelled: this.nnlshp.cancelled && nnlshpWanted,
      failed: this.nnlshp.errorKey !== null,
      maxLen: settings.maxLen,
    };
    const busy =
      this.state.engine === 'loading' ||
      Boolean(this.state.loading) ||
      Boolean(this.state.reading) ||
      fastPending ||
      sweepPending ||
      Boolean(nnlshp.running) ||
      (steps.length > 0 && !analysisFailed);
    let status = 'ready';
    if (busy) status = 'busy';
    else if (this.state.engine === 'failed' || analysisFailed || nnlshp.failed) status = 'error';
    else if (nnlshp.cancelled) status = 'cancelled';

    return {
      engine: this.state.engine,
      presets: this.state.presets,
      algorithms: this.state.algorithms,
      dataset,
      settings,
      loading: this.state.loading,
      reading: this.state.reading,
      error: this.state.error,
      plan: this.state.plan,
      analysis,
      stale: fastPending || analysisFailed,
      /** The current settings could not be analysed (the figures shown are older). */
      failed: analysisFailed,
      status,
      nnlshp,
      /** Shown algorithms whose report is still being computed. */
      pending: settings.algorithms.filter((name) => !shown.has(name) && (name === NNLSHP ? !nnlshp.cancelled && !nnlshp.failed : fastPending)),
      sweepDepths: SWEEP_DEPTHS,
      sweepPending: sweepPending || (settings.algorithms.includes(NNLSHP) && steps.some((step) => step.what !== 'detail')),
      detailPending: settings.detail === NNLSHP
        ? !analysis?.detail && !nnlshp.cancelled && !nnlshp.failed
        : fastPending,
    };
  }

  render() {
    const model = this.model();
    document.body.dataset.state = model.status;
    for (const view of Object.values(this.views)) view.update(model);
  }
}
