// The JS face of Shirube, shared by every entry (browser default, slim, Node). It turns the
// wasm's JSON-text results into objects and never lets an exception escape into the host page
// from background work. Entries differ only in how they obtain the wasm (see loadWasm below).
import init, { initSync, validateSpec, sdkVersion } from '../dist/shirube.js';

let loaded = false;
let loading = null;

/** Loads the wasm once; `source` is a URL, Response, ArrayBuffer/typed array or WebAssembly.Module. */
export function loadWasm(source) {
  if (loaded) return Promise.resolve();
  if (!loading) {
    loading = init({ module_or_path: source }).then(
      () => { loaded = true; },
      (err) => { loading = null; throw wasmError(err); },
    );
  }
  return loading;
}

/** Synchronous load from bytes or a compiled module (Node, or hosts that already have them). */
export function loadWasmSync(bytesOrModule) {
  if (loaded) return;
  initSync({ module: bytesOrModule });
  loaded = true;
}

export function isLoaded() {
  return loaded;
}

function wasmError(err) {
  const e = new Error(`shirube: the WebAssembly module could not be loaded (${err && err.message ? err.message : err}). ` +
    "If the page has a Content-Security-Policy, script-src needs 'wasm-unsafe-eval'; if the .wasm is served by you, check its URL and that it is served as application/wasm.");
  e.cause = err;
  return e;
}

/** Spec given as an object or as JSON text → JSON text (objects are pretty-printed, so line and column mean something). */
export function specText(spec) {
  if (typeof spec === 'string') return spec;
  if (spec && typeof spec === 'object') return JSON.stringify(spec, null, 2);
  throw new TypeError('shirube: the spec must be an object or JSON text');
}

export function validateNow(spec) {
  return JSON.parse(validateSpec(specText(spec)));
}

export function version() {
  return loaded ? sdkVersion() : '0.1.0';
}

/**
 * Builds the public `Shirube` class around a loader: `ensure()` returns a promise that resolves
 * once the wasm is ready, or undefined when it already is (Node loads synchronously).
 */
export function makeShirube(ensure) {
  return class Shirube {
    /**
     * Checks a spec and explains every problem. Synchronous once the wasm is loaded (always in
     * Node); in a browser before the first load it returns a Promise, so `await` it.
     */
    static validate(spec) {
      const pending = loaded ? null : ensure();
      if (pending) return pending.then(() => validateNow(spec));
      return validateNow(spec);
    }

    /** Loads the wasm ahead of time; resolves when Shirube.validate is synchronous. */
    static ready() {
      return Promise.resolve(loaded ? undefined : ensure());
    }

    static get version() {
      return version();
    }
  };
}
