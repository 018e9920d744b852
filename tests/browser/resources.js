// Injected before any page script (addInitScript): counts the timers, intervals, animation
// frames, observers and event listeners alive on the page, so a test can check that destroy()
// releases everything Shirube took.
(() => {
  const live = { timers: new Set(), intervals: new Set(), frames: new Set(), mutation: new Set(), resize: new Set(), listeners: new Map() };
  const st = window.setTimeout, ct = window.clearTimeout, si = window.setInterval, ci = window.clearInterval;
  const raf = window.requestAnimationFrame, caf = window.cancelAnimationFrame;
  window.setTimeout = function (fn, ms, ...a) {
    const id = st.call(window, (...x) => { live.timers.delete(id); if (typeof fn === 'function') fn(...x); }, ms, ...a);
    live.timers.add(id);
    return id;
  };
  window.clearTimeout = function (id) { live.timers.delete(id); return ct.call(window, id); };
  window.setInterval = function (fn, ms, ...a) { const id = si.call(window, fn, ms, ...a); live.intervals.add(id); return id; };
  window.clearInterval = function (id) { live.intervals.delete(id); return ci.call(window, id); };
  window.requestAnimationFrame = function (fn) {
    const id = raf.call(window, (t) => { live.frames.delete(id); fn(t); });
    live.frames.add(id);
    return id;
  };
  window.cancelAnimationFrame = function (id) { live.frames.delete(id); return caf.call(window, id); };
  for (const [name, set] of [['MutationObserver', live.mutation], ['ResizeObserver', live.resize]]) {
    const Real = window[name];
    window[name] = class extends Real {
      observe(...a) { set.add(this); return super.observe(...a); }
      disconnect() { set.delete(this); return super.disconnect(); }
    };
  }
  const add = EventTarget.prototype.addEventListener, rem = EventTarget.prototype.removeEventListener;
  const key = (t, type, fn, opts) => { const cap = typeof opts === 'boolean' ? opts : Boolean(opts && opts.capture); return [t, type, fn, cap]; };
  const find = (k) => [...live.listeners.keys()].find((x) => x[0] === k[0] && x[1] === k[1] && x[2] === k[2] && x[3] === k[3]);
  EventTarget.prototype.addEventListener = function (type, fn, opts) {
    const k = key(this, type, fn, opts);
    if (!find(k)) live.listeners.set(k, true);
    return add.call(this, type, fn, opts);
  };
  EventTarget.prototype.removeEventListener = function (type, fn, opts) {
    const k = find(key(this, type, fn, opts));
    if (k) live.listeners.delete(k);
    return rem.call(this, type, fn, opts);
  };
  window.__resources = () => ({
    timers: live.timers.size, intervals: live.intervals.size, frames: live.frames.size,
    mutation: live.mutation.size, resize: live.resize.size,
    listeners: [...live.listeners.keys()].filter((k) => k[0] === window || k[0] === document || (k[0] instanceof Node && k[0].isConnected)).length,
  });
})();
