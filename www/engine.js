// The engine and the two compute workers, started by main.js before the
// rest of the page's code runs. Downloading and compiling the engine, and
// starting the workers, are the longest path to the first figures: started
// here, they overlap the page's own start-up (building its views) instead
// of following it.

import { WorkerClient } from './worker-client.js';

/** Compiles the engine once; every worker instantiates the same module. */
async function compileEngine() {
  // Relative to the page, not to this file: the page runs this code from
  // its bundle in www/dist/ (see scripts/build.sh).
  const url = new URL('www/pkg/packlab_bg.wasm', document.baseURI);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`the engine could not be loaded (${response.status} ${response.statusText})`);
  if (WebAssembly.compileStreaming) return WebAssembly.compileStreaming(response);
  return WebAssembly.compile(await response.arrayBuffer());
}

/**
 * Starts compiling the engine and the two compute workers (see worker.js),
 * which receive the engine once it is compiled. Returns `{module}`, a
 * promise of the compiled `WebAssembly.Module` (rejected with a message
 * for the user when the engine cannot load), and the two `WorkerClient`s.
 */
export function startEngine() {
  const module = compileEngine();
  // The failure is reported by the page, where the engine is awaited.
  module.catch(() => {});
  return {
    module,
    fastWorker: new WorkerClient({ name: 'fast', module }),
    slowWorker: new WorkerClient({ name: 'slow', module }),
  };
}
