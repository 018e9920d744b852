// Runs inside the benchmark page: loads the library named by ?lib= (or none, the baseline),
// with the same three steps (#t1, #t2, #t3, tooltip below the target, a dimming overlay), and
// exposes window.bench = { ready, start(), next(), positioned(i), close() } to the driver
// script (scripts/bench/tours.mjs). Cards fill the page so it can scroll.
const cards = document.querySelector('.cards');
for (let i = 0; i < 80; i++) {
  const d = document.createElement('div');
  d.textContent = `Project ${i + 1}`;
  cards.append(d);
}

// Every round is a first visit: Shirube would otherwise resume the tour where the last round left it.
localStorage.clear();
const lib = new URLSearchParams(location.search).get('lib') || 'none';
const STEPS = [
  { id: 's1', target: '#t1', title: 'Create a project', body: 'Everything starts with a project.' },
  { id: 's2', target: '#t2', title: 'Find anything', body: 'Search by name or owner.' },
  { id: 's3', target: '#t3', title: 'Reports', body: 'Share progress with your team.' },
];

window.__longTasks = 0;
new PerformanceObserver((l) => { window.__longTasks += l.getEntries().length; }).observe({ type: 'longtask', buffered: true });

function css(href) {
  const l = document.createElement('link');
  l.rel = 'stylesheet';
  l.href = href;
  document.head.append(l);
  return new Promise((ok) => { l.onload = ok; });
}

/** The tooltip element of step i, once it is in the page and visible. */
let tooltip = () => null;
let api;

async function setUp() {
  if (lib === 'shirube') {
    const { Shirube } = await import('/js/index.js');
    const sb = await Shirube.init({
      spec: { version: 1, product: 'bench', flows: [{ id: 'tour', kind: 'tour', steps: STEPS.map((s) => ({ ...s, placement: 'bottom' })) }] },
      user: { id: 'bench-user' },
    });
    tooltip = (i) => document.querySelector('shirube-root')?.shadowRoot?.querySelector(`[data-shirube-step=${STEPS[i].id}]`);
    api = { start: () => sb.start('tour'), next: () => sb.next(), close: () => sb.destroy() };
  } else if (lib === 'driver') {
    await css('/node_modules/driver.js/dist/driver.css');
    const { driver } = await import('/node_modules/driver.js/dist/driver.js.mjs');
    const d = driver({
      animate: false,
      steps: STEPS.map((s) => ({ element: s.target, popover: { title: s.title, description: s.body, side: 'bottom', align: 'center' } })),
    });
    tooltip = (i) => {
      const el = document.querySelector('.driver-popover');
      return el && el.querySelector('.driver-popover-title')?.textContent === STEPS[i].title ? el : null;
    };
    api = { start: () => d.drive(), next: () => d.moveNext(), close: () => d.destroy() };
  } else if (lib === 'shepherd') {
    await css('/node_modules/shepherd.js/dist/css/shepherd.css');
    const { default: Shepherd } = await import('/node_modules/shepherd.js/dist/js/shepherd.mjs');
    const tour = new Shepherd.Tour({ useModalOverlay: true });
    for (const s of STEPS) {
      tour.addStep({ id: s.id, title: s.title, text: s.body, attachTo: { element: s.target, on: 'bottom' }, buttons: [{ text: 'Next', action: () => tour.next() }] });
    }
    tooltip = (i) => {
      const el = document.querySelector(`[data-shepherd-step-id="${STEPS[i].id}"]`);
      return el && !el.hidden ? el : null;
    };
    api = { start: () => tour.start(), next: () => tour.next(), close: () => tour.complete() };
  } else {
    api = { start() {}, next() {}, close() {} };
  }
}

/** True when step i's tooltip is visible just below its target and horizontally over it. */
function positioned(i) {
  const el = tooltip(i);
  if (!el) return false;
  const r = el.getBoundingClientRect();
  const t = document.querySelector(STEPS[i].target).getBoundingClientRect();
  if (r.width < 40 || r.height < 20) return false;
  const cx = t.left + t.width / 2;
  return r.top >= t.bottom - 1 && r.top <= t.bottom + 40 && r.left <= cx && r.right >= cx;
}

/**
 * Calls `action` and resolves with the time until step i is positioned, checked right after
 * the call and then in every animation frame: { ms, frames, callMs } (frames 0: positioned by
 * the time the call returned).
 */
function measure(action, i) {
  return new Promise((ok, fail) => {
    const t0 = performance.now();
    action();
    const callMs = performance.now() - t0;
    if (positioned(i)) return ok({ ms: performance.now() - t0, frames: 0, callMs });
    let frames = 0;
    const tick = () => {
      frames += 1;
      if (positioned(i)) return ok({ ms: performance.now() - t0, frames, callMs });
      if (frames > 120) return fail(new Error(`${lib}: step ${i + 1} not positioned after 120 frames`));
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

/** Scrolls the window 2 px down and up again, one scroll per frame, n times; counts the scroll events. */
async function scrollFrames(n) {
  let events = 0;
  const on = () => { events += 1; };
  addEventListener('scroll', on, { passive: true });
  for (let k = 0; k < n; k++) {
    scrollBy(0, k % 2 ? -2 : 2);
    await new Promise((ok) => requestAnimationFrame(ok));
  }
  await new Promise((ok) => requestAnimationFrame(ok));
  removeEventListener('scroll', on);
  return events;
}

const ready = setUp().then(() => true);
window.bench = {
  lib,
  ready,
  start: () => measure(() => api.start(), 0),
  next: (i) => measure(() => api.next(), i),
  positioned,
  scrollFrames,
  close: () => api.close(),
  longTasks: () => window.__longTasks,
};
