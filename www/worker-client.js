// A promise-based client for one Packlab compute worker (worker.js).
//
// Each request gets a job id; its promise resolves with the answer, or
// rejects with the engine's message, or with DroppedResult when the worker
// is cancelled: that terminates it, starts a fresh one and lets the
// controller restore its dataset there.

import { DroppedResult } from './dropped.js';

// The worker's bundle (worker.js and the engine's bindings; see
// scripts/build.sh), relative to the page.
const WORKER_URL = new URL('www/dist/worker.js', document.baseURI);

/** A worker that dies this many times is not started again. */
const MAX_FAILURES = 3;

export class WorkerClient {
  /**
   * `module`: the compiled engine (`WebAssembly.Module`), shared by every
   * worker so none downloads or compiles it again, or a promise of it: the
   * worker then loads its script while the engine compiles, and requests
   * wait for the engine. `restore`: called on every (re)start; returns the
   * `{action, args}` that brings a fresh worker to the controller's current
   * dataset, or null. It may be set later (`client.restore = ...`).
   */
  constructor({ name, module, restore = () => null }) {
    this.name = name;
    this.module = module;
    this.restore = restore;
    this.nextId = 1;
    /** id → {resolve, reject, onProgress} of requests awaiting an answer. */
    this.pending = new Map();
    /** Workers that died on their own (not cancelled); see fail(). */
    this.failures = 0;
    this.dead = null;
    this.start();
  }

  start() {
    this.worker = new Worker(WORKER_URL, { type: 'module', name: `packlab-${this.name}` });
    this.worker.onmessage = (event) => this.receive(event.data);
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.fail(`the ${this.name} worker stopped: ${event.message || 'unknown error'}`);
    };
    this.worker.onmessageerror = () => this.fail(`the ${this.name} worker sent a message the page cannot read`);
    this.outbox = Promise.resolve();
    const engine = Promise.resolve(this.module).then(
      (module) => {
        this.module = module;
        return { module };
      },
      (error) => {
        // No engine, no worker: every request fails with the reason.
        this.restart(error, false);
        throw error;
      },
    );
    this.send('init', engine).catch(() => {
      // The failure reaches the next request's caller through fail().
    });
    const restore = this.restore();
    if (restore) {
      this.send(restore.action, restore.args).catch(() => {});
    }
  }

  /** Whether an answer is awaited. */
  get busy() {
    return this.pending.size > 0;
  }

  /**
   * Asks the worker to run `action` with `args`. Resolves with its result,
   * rejects with an Error (the engine's message), or with DroppedResult.
   * `onProgress(value)` receives progress messages; `transfer` lists
   * buffers handed to the worker instead of copied.
   */
  request(action, args, { onProgress = null, transfer = [] } = {}) {
    return this.send(action, args, { onProgress, transfer });
  }

  /**
   * Posts one message. `args` may be a promise (the engine, for `init`):
   * messages still go out in the order they were sent, so one waiting for
   * its arguments holds back those after it.
   */
  send(action, args, { onProgress = null, transfer = [] } = {}) {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    const worker = this.worker;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.outbox = this.outbox
        .then(() => args)
        .then((ready) => worker.postMessage({ id, action, args: ready }, transfer))
        .catch((error) => {
          // The engine failed to load (the worker is gone, and its requests
          // with it), or these arguments cannot be sent: this request fails
          // with the reason, and the messages after it still go out.
          const entry = this.pending.get(id);
          if (!entry) return;
          this.pending.delete(id);
          entry.reject(error);
        });
    });
  }

  receive(message) {
    const entry = this.pending.get(message.id);
    if (!entry) return;
    if ('progress' in message) {
      entry.onProgress?.(message.progress);
      return;
    }
    this.pending.delete(message.id);
    if ('error' in message) {
      entry.reject(new Error(message.error));
      if (message.fatal) this.restart(new DroppedResult());
    } else {
      entry.resolve(message.result);
    }
  }

  /**
   * The worker died: every waiting request fails, and a fresh worker
   * starts, unless workers keep dying (then the page reports it and stops).
   */
  fail(message) {
    this.failures += 1;
    this.restart(new Error(message), this.failures <= MAX_FAILURES);
  }

  restart(reason, startAgain = true) {
    this.worker.terminate();
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const entry of waiting) entry.reject(reason);
    if (startAgain) this.start();
    else this.dead = reason;
  }

  /** Abandons every request: terminates the worker and starts a fresh one. */
  cancel() {
    this.restart(new DroppedResult());
  }

  terminate() {
    this.worker.terminate();
    for (const entry of this.pending.values()) entry.reject(new DroppedResult());
    this.pending.clear();
  }
}
