// The JS face of Shirube, shared by every entry (browser default, slim, Node). It loads the
// wasm, resolves the spec (object, JSON text or URL), wires the host's callbacks, and turns the
// wasm's JSON results into objects. Nothing here throws into the host page from background
// work: a broken spec, a wasm that cannot load or a handler that throws become `error` events,
// and `init` then resolves to an inert instance whose methods do nothing.
import init, { initSync, validateSpec, sdkVersion, Sdk } from '../dist/shirube.js';

let loaded = false;
let loading = null;
let instances = 0;

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
    "If the page has a Content-Security-Policy, script-src needs 'wasm-unsafe-eval'; if you serve the .wasm yourself, check its URL and that it is served as application/wasm.");
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

const looksLikeJson = (s) => /^\s*(\/\/|\/\*|\{|\ufeff)/.test(s);

/** Fetches a spec by URL, revalidating with the server (ETag) and falling back to the last good copy. */
async function fetchSpec(url) {
  const cacheKey = `shirube:v1:spec:${url}`;
  let storage = null;
  try { storage = window.localStorage; } catch { /* blocked */ }
  try {
    // `no-cache` makes the browser revalidate its cached copy with If-None-Match (a 304 is cheap)
    // without adding headers that would need a CORS preflight.
    const res = await fetch(url, { cache: 'no-cache', credentials: 'omit' });
    if (!res.ok) throw new Error(`the spec URL answered ${res.status}`);
    const text = await res.text();
    try { storage && storage.setItem(cacheKey, text); } catch { /* full: fine */ }
    return { text };
  } catch (err) {
    const copy = storage ? storage.getItem(cacheKey) : null;
    if (copy) return { text: copy, warning: `could not load the spec from ${url} (${err.message}); using the last copy that loaded` };
    throw new Error(`could not load the spec from ${url}: ${err.message}`);
  }
}

/**
 * Builds the public `Shirube` class around a loader: `ensure()` returns a promise that resolves
 * once the wasm is ready, or undefined when it already is (Node loads synchronously).
 */
export function makeShirube(ensure) {
  class Shirube {
    /**
     * Starts Shirube on this page. Resolves to an instance; when something is wrong (no browser,
     * the wasm cannot load, the spec has errors) it resolves to an inert instance and reports
     * the problem as an `error` event (and to `options.onError`).
     */
    static async init(options = {}) {
      const sb = new Shirube(options);
      if (typeof window === 'undefined' || typeof document === 'undefined') {
        sb._error({ code: 'no_browser', message: 'Shirube.init needs a browser; on the server, call it in a client-side effect' });
        return sb;
      }
      try {
        const pending = loaded ? null : ensure();
        if (pending) await pending;
      } catch (err) {
        sb._error({ code: 'wasm_unavailable', message: err.message });
        return sb;
      }
      let text;
      try {
        if (options.spec == null) throw new Error('init needs `spec`: an object, JSON text or a URL');
        if (typeof options.spec === 'string' && !looksLikeJson(options.spec)) {
          const r = await fetchSpec(new URL(options.spec, document.baseURI).href);
          if (r.warning) sb._error({ code: 'spec_fallback', message: r.warning });
          text = r.text;
        } else {
          text = specText(options.spec);
        }
      } catch (err) {
        sb._error({ code: 'spec_unavailable', message: err.message });
        return sb;
      }
      const debug = Boolean(options.debug) || /[?&]shirube_debug=1\b/.test(location.search);
      const c = options.collector;
      const opts = {
        user: options.user ? { id: options.user.id == null ? null : String(options.user.id), traits: options.user.traits || {}, hash: options.user.hash ? String(options.user.hash) : null } : null,
        locale: options.locale || null,
        debug,
        instance: ++instances,
        collector: c && c.url && c.writeKey ? { url: String(new URL(c.url, document.baseURI).href), writeKey: String(c.writeKey) } : null,
        consent: ['pending', 'granted', 'denied'].includes(options.consent) ? options.consent : 'granted',
      };
      sb._sending = Boolean(opts.collector);
      try {
        sb._sdk = Sdk.create(text, JSON.stringify(opts), (n, j) => sb._emit(n, j), (name) => sb._call(name), (url) => sb._navigate(url));
      } catch (err) {
        let detail = null;
        try { detail = JSON.parse(String(err)); } catch { /* not JSON */ }
        if (detail && detail.diagnostics) {
          const errors = detail.diagnostics.filter((d) => d.severity === 'error');
          sb._error({
            code: 'invalid_spec',
            message: `the spec has ${errors.length} error${errors.length === 1 ? '' : 's'}; nothing is shown. First: ${errors[0] ? `${errors[0].path || '/'} (line ${errors[0].line}): ${errors[0].message}` : ''}`,
            diagnostics: detail.diagnostics,
          });
        } else {
          sb._error({ code: 'start_failed', message: detail && detail.message ? detail.message : String(err) });
        }
        return sb;
      }
      sb.debug = debug;
      sb._instance = opts.instance;
      sb._debugOn = debug;
      if (debug) {
        // The console table at start (after the first evaluation) and whenever a flow starts or ends.
        setTimeout(() => sb._debugReport(), 50);
        for (const n of ['flow_started', 'flow_completed', 'flow_dismissed']) sb.on(n, () => sb._debugReport());
        sb._debugDraw();
      }
      return sb;
    }

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

    constructor(options = {}) {
      this._sdk = null;
      this._listeners = new Map();
      this._actions = new Map();
      this._errors = [];
      this._onError = typeof options.onError === 'function' ? options.onError : null;
      this._navigateHook = typeof options.navigate === 'function' ? options.navigate : null;
      this._beforeSend = typeof options.beforeSend === 'function' ? options.beforeSend : null;
      const deny = options.collector && Array.isArray(options.collector.denylist) ? options.collector.denylist : [];
      this._denylist = new Set(deny.map(String));
      this._sending = false;
      this._filtered = 0;
      this.debug = false;
    }

    /** True when Shirube is running (not inert). */
    get active() {
      return this._sdk !== null;
    }

    /** Records a product event; tours, milestones and event triggers react to it. */
    track(name, properties) {
      if (!this._sdk || typeof name !== 'string' || !name) return;
      let props = '{}';
      if (properties != null) {
        try { props = JSON.stringify(properties); } catch { props = '{}'; }
      }
      this._safe(() => this._sdk.track(name, props));
    }

    /** Starts a flow by id (optionally a tour at a step id); false when there is no such flow. */
    start(flowId, stepId) {
      return this._sdk ? Boolean(this._safe(() => this._sdk.start(String(flowId), stepId == null ? undefined : String(stepId)))) : false;
    }

    next() { this._sdk && this._safe(() => this._sdk.next()); }
    back() { this._sdk && this._safe(() => this._sdk.back()); }
    dismiss() { this._sdk && this._safe(() => this._sdk.dismiss()); }

    /**
     * Switches to another user (their own progress) or updates the current user's traits.
     * `options.hash` is the new user's signed id, for progress across devices.
     */
    identify(userId, traits, options = {}) {
      if (!this._sdk) return;
      let t = '{}';
      try { t = JSON.stringify(traits || {}); } catch { /* keep {} */ }
      const hash = options && options.hash ? String(options.hash) : undefined;
      this._safe(() => this._sdk.identify(userId == null ? undefined : String(userId), t, hash));
    }

    /** Listens to an event by name (`flow_completed`, …), to `error`, or to `*` for every event (not errors). */
    on(name, fn) {
      if (typeof fn !== 'function') return this;
      if (!this._listeners.has(name)) this._listeners.set(name, new Set());
      this._listeners.get(name).add(fn);
      // Problems found before anyone listened are delivered to the first error listener.
      if (name === 'error' && this._errors.length) {
        const pending = this._errors.splice(0);
        queueMicrotask(() => pending.forEach((e) => this._deliver('error', e)));
      }
      return this;
    }

    off(name, fn) {
      const set = this._listeners.get(name);
      if (set) fn ? set.delete(fn) : set.clear();
      return this;
    }

    /** Registers a handler for `{"call": name}` actions in the spec. */
    registerAction(name, fn) {
      if (typeof fn === 'function') this._actions.set(String(name), fn);
      return this;
    }

    /** The active flow and step, milestones reached, stage and checklist progress. */
    state() {
      if (!this._sdk) return null;
      return JSON.parse(this._safe(() => this._sdk.state()) || 'null');
    }

    /** For each flow: whether it shows now and, if not, why (in words a CS person can act on). */
    explain() {
      if (!this._sdk) return [];
      return JSON.parse(this._safe(() => this._sdk.explain()) || '[]');
    }

    /** Sends queued events now; resolves when they are delivered or kept for later (offline, paused). */
    flush() {
      if (!this._sdk) return Promise.resolve();
      return new Promise((resolve) => {
        const started = this._safe(() => {
          this._sdk.flush(() => resolve());
          return true;
        });
        if (!started) resolve();
      });
    }

    /** Consent for analytics: `pending` keeps events in memory only, `denied` keeps and sends nothing, `granted` sends. */
    consent(mode) {
      if (this._sdk && ['pending', 'granted', 'denied'].includes(mode)) this._safe(() => this._sdk.consent(mode));
    }

    /** Delivery state: events waiting and in flight, and what was dropped and why. */
    delivery() {
      if (!this._sdk) return null;
      const state = JSON.parse(this._safe(() => this._sdk.delivery()) || 'null');
      // Events the host's beforeSend dropped on purpose: counted here, not in `dropped`, and not
      // reported to the collector.
      if (state) state.filtered = this._filtered;
      return state;
    }

    /** Removes everything Shirube added to the page: nodes, listeners, observers, timers. */
    destroy() {
      if (this._sdk) {
        const sdk = this._sdk;
        this._sdk = null;
        try { sdk.destroy(); sdk.free(); } catch { /* already gone */ }
      }
      this._listeners.clear();
      this._actions.clear();
    }

    _safe(f) {
      try {
        return f();
      } catch (err) {
        this._error({ code: 'internal', message: `internal error: ${err && err.message ? err.message : err}` });
        return undefined;
      }
    }

    _deliver(name, payload) {
      // `*` is every event the SDK records; errors go to `error` listeners only.
      for (const key of name === 'error' ? ['error'] : [name, '*']) {
        const set = this._listeners.get(key);
        if (!set) continue;
        for (const fn of [...set]) {
          try { fn(payload); } catch (err) {
            // A host listener that throws must not stop the others or the SDK.
            console.error('shirube: an event listener threw', err);
          }
        }
      }
    }

    /** Every event passes here: the property denylist, then beforeSend, then on() listeners. Returns what to send. */
    _emit(name, json) {
      if (name === '_debug') {
        this._debugDraw();
        return undefined;
      }
      let payload;
      try { payload = JSON.parse(json); } catch { return undefined; }
      if (name === 'error') {
        this._error(payload);
        return undefined;
      }
      if (this._denylist.size) {
        for (const obj of [payload.properties, payload.context && payload.context.traits]) {
          if (obj && typeof obj === 'object') for (const k of Object.keys(obj)) if (this._denylist.has(k)) delete obj[k];
        }
      }
      if (this._beforeSend) {
        try {
          const r = this._beforeSend(payload);
          if (r == null || r === false) {
            this._filtered += 1;
            return undefined;
          }
          if (typeof r === 'object') payload = r;
        } catch (err) {
          console.error('shirube: beforeSend threw; the event is sent unchanged', err);
        }
      }
      this._deliver(name, payload);
      if (!this._sending) return undefined;
      try { return JSON.stringify(payload); } catch { return undefined; }
    }

    _error(e) {
      const err = { name: 'error', ...e };
      if (this._onError) {
        try { this._onError(err); } catch { /* host handler threw */ }
      }
      const set = this._listeners.get('error');
      if (set && set.size) this._deliver('error', err);
      else this._errors.push(err);
      if (!this._onError && !(set && set.size)) console.warn(`shirube: ${err.message}`, err.diagnostics || '');
    }

    _call(name) {
      const fn = this._actions.get(name);
      if (!fn) return false;
      try { fn(); } catch (err) { console.error(`shirube: the action "${name}" threw`, err); }
      return true;
    }

    _navigate(url) {
      if (!this._navigateHook) return false;
      try { this._navigateHook(url); return true; } catch { return false; }
    }

    // Debug mode only: js/debug.js is loaded on first use, so other pages never download it.
    _debugModule() {
      if (!this._debugLoading) this._debugLoading = import('./debug.js');
      return this._debugLoading;
    }

    _debugReport() {
      if (this._sdk) this._debugModule().then((m) => this._sdk && m.report(this), (err) => console.warn('shirube: the debug overlay could not load', err));
    }

    // The runtime asks for a redraw after every change it explains (the page, an event, a
    // click, storage); several in one task draw once.
    _debugDraw() {
      if (!this._debugOn || this._debugQueued) return;
      this._debugQueued = true;
      this._debugModule().then((m) => {
        this._debugQueued = false;
        if (this._sdk) m.draw(this);
      }, (err) => {
        this._debugQueued = false;
        console.warn('shirube: the debug overlay could not load', err);
      });
    }
  }
  return Shirube;
}
