// The plan of the user's own sequences: which sequence goes in which pack,
// made by `assignFiles` in a worker of its own from the files the user
// loaded (read again, in order), saved as the files `packlab assign`
// writes. Its state is the slice `state.sequencePlan` of the page's state.

import { WorkerClient } from './worker-client.js';
import { isDropped } from './dropped.js';
import { algorithmLabel, countOf, formatCount } from './format.js';
import { download, fileStem } from './download.js';

/**
 * How the engine's refusal of a histogram for a plan of sequences reads
 * (the file holds counts, not each sequence's length): once seen, the
 * plan is unavailable for that data, with the engine's words as the reason.
 */
const HISTOGRAM_REFUSAL = /histogram/i;

/** The files a plan of sequences is saved as: which → [suffix, MIME type, bytes field]. */
const FILES = {
  jsonl: ['plan.jsonl', 'application/x-ndjson', 'jsonl'],
  indices: ['indices.npy', 'application/octet-stream', 'indices_npy'],
  offsets: ['offsets.npy', 'application/octet-stream', 'offsets_npy'],
};

/** The slice of the page's state a new dataset starts with. */
export function freshSequencePlan() {
  return {
    busy: false,
    /** {loaded, total, file, index, count} while busy. */
    progress: null,
    message: '',
    /** The engine's refusal of this data (a histogram), or null. */
    refusal: null,
    /** The last plan made: {key, request, stem, plan} (what `assignFiles` returned), or null. */
    result: null,
  };
}

export class SequencePlanner {
  /**
   * `page`: {state, module (the compiled engine), limitFor(algorithm),
   * loadingData(), changed()}: the page's state and what the planner asks
   * of the page.
   */
  constructor(page) {
    this.page = page;
    /** The worker making a plan, while one is made. */
    this.worker = null;
    /** What `view()` last returned, to give the view the same object while nothing changed. */
    this.shown = null;
  }

  get slice() {
    return this.page.state.sequencePlan;
  }

  /** Why no plan of the user's sequences can be made now, in words for them; null when one can. */
  unavailable() {
    const { dataset, engine } = this.page.state;
    if (engine !== 'ready' || !dataset) return 'Waiting for the data.';
    if (this.page.loadingData()) return 'Waiting for the data being loaded.';
    if (dataset.source === 'preset') {
      return 'An example is a distribution of lengths, with no sequences of its own to assign. Upload your lengths, one per sequence in dataset order, to get the plan of which sequence goes in which pack.';
    }
    if (dataset.basePreset) {
      return `Your files were added to the ${dataset.basePreset} example, whose sequences are not yours to assign. Upload your files without “Add to the data already loaded” to get their plan.`;
    }
    if (dataset.uploadOptionsDiffer) {
      return 'Your files were read with different reading options, and a plan reads them all alike. Upload them together to get their plan.';
    }
    return this.slice.refusal;
  }

  /** The engine's request for a plan at the current settings. */
  request() {
    const { settings } = this.page.state;
    const request = {
      algorithm: settings.detail,
      max_len: settings.maxLen,
      overlong: settings.overlong,
      max_per_pack: this.page.limitFor(settings.detail),
      seed: settings.seed,
      epoch: settings.epoch,
      shuffle_packs: settings.shufflePacks,
    };
    if (settings.detail === 'nnlshp' && settings.bucketTokens !== null) request.bucket_tokens = settings.bucketTokens;
    if (settings.planSteps !== 'none') {
      const model = settings.model;
      request.steps = {
        world_size: settings.worldSize,
        micro_batch: settings.microBatch,
        grad_accum: settings.gradAccum,
        model: typeof model === 'string' ? model : { ...model },
        balance: settings.planSteps === 'balanced',
      };
    }
    return request;
  }

  key(request) {
    return `${this.page.state.dataset.id}|${JSON.stringify(request)}`;
  }

  /**
   * Saves one file of the plan (`which`: 'jsonl', 'indices' or
   * 'offsets'), making the plan first unless the last one made is for
   * these data and settings.
   */
  async save(which) {
    if (this.unavailable() !== null || this.slice.busy) return;
    const request = this.request();
    const key = this.key(request);
    if (this.slice.result?.key !== key && !(await this.make(request, key))) return;
    const { plan, stem } = this.slice.result;
    const [suffix, type, field] = FILES[which];
    download(new Blob([plan[field]], { type }), `${stem}.${suffix}`);
  }

  /** Makes the plan for `request`; resolves to whether it was made. */
  async make(request, key) {
    const dataset = this.page.state.dataset;
    const files = dataset.uploads;
    const total = files.reduce((sum, file) => sum + file.size, 0);
    Object.assign(this.slice, {
      busy: true,
      progress: { loaded: 0, total, file: files[0]?.name ?? '', index: 0, count: files.length },
      message: '',
    });
    this.page.changed();
    // A fresh worker for each plan, ended after it: WebAssembly memory
    // never shrinks, and a plan of millions of sequences grows it a lot.
    const worker = new WorkerClient({ name: 'plan', module: this.page.module });
    this.worker = worker;
    const algorithm = algorithmLabel(request.algorithm);
    try {
      const plan = await worker.request('assignFiles', { files, options: dataset.uploadOptions, request }, {
        onProgress: (progress) => {
          this.slice.progress = progress;
          this.page.changed();
        },
      });
      const stem = fileStem(
        'packlab',
        request.algorithm,
        `max-len-${request.max_len}`,
        `seed-${request.seed}`,
        `epoch-${request.epoch}`,
        request.shuffle_packs ? null : 'plan-order',
      );
      const dropped = plan.dropped ? `; ${formatCount(plan.dropped)} over max_len left out` : '';
      Object.assign(this.slice, {
        busy: false,
        progress: null,
        result: { key, request, stem, plan },
        message: `Assigned ${countOf(plan.sequences, 'sequence')} to ${countOf(plan.packs, `${algorithm} pack`)}${dropped}.`,
      });
      return true;
    } catch (error) {
      // Stopped (new data, or the user): stop() has said what happened.
      if (isDropped(error)) return false;
      const refused = HISTOGRAM_REFUSAL.test(error.message);
      Object.assign(this.slice, {
        busy: false,
        progress: null,
        message: refused ? '' : `The plan could not be made: ${error.message}`,
        refusal: refused ? `No plan for these files: ${error.message.replace(/\.$/, '')}.` : this.slice.refusal,
      });
      return false;
    } finally {
      worker.terminate();
      if (this.worker === worker) this.worker = null;
      this.page.changed();
    }
  }

  /** Ends the plan being made, if one is (its promise is dropped). */
  stop() {
    if (!this.slice.busy) return;
    this.worker?.terminate();
    this.worker = null;
    Object.assign(this.slice, { busy: false, progress: null });
  }

  /** The user stopped the plan being made. */
  cancel() {
    if (!this.slice.busy) return;
    this.stop();
    this.slice.message = 'Cancelled: no plan was made.';
    this.page.changed();
  }

  /** What the plan view shows: see PlanExportView. */
  view() {
    const { result } = this.slice;
    const current = result !== null && this.page.state.dataset !== null && result.key === this.key(this.request());
    if (this.shown?.result !== result || this.shown.current !== current) {
      // One object per plan and state, so the view redraws the preview only when it changes.
      this.shown = {
        result,
        current,
        preview: result && {
          preview: result.plan.preview,
          packs: result.plan.packs,
          sequences: result.plan.sequences,
          dropped: result.plan.dropped,
          steps: result.plan.steps ?? null,
          request: result.request,
          current,
        },
      };
    }
    return {
      unavailable: this.unavailable(),
      busy: this.slice.busy,
      progress: this.slice.progress,
      message: this.slice.message,
      result: this.shown.preview,
    };
  }
}
