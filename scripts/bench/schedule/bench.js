// Runs inside the scheduler benchmark page (scripts/bench/schedule.mjs): builds a spec of N
// flows whose triggers all fire on the product event `tick` on this page, with audiences that
// the user fails only at their last clause (so every condition is evaluated in full), and times
// sb.track('tick'): the SDK deciding, for every flow, whether it shows now.
import { Shirube } from '/js/index.js';

const KINDS = ['tour', 'hint', 'announcement', 'survey', 'checklist'];

function flow(i) {
  const kind = KINDS[i % KINDS.length];
  const base = {
    id: `f${i}`, kind, priority: i % 7,
    trigger: { event: 'tick', page: '/bench/*' },
    frequency: i % 3 === 0 ? { once: true } : i % 3 === 1 ? { every: '7d' } : { maxTimes: 3 },
    audience: { all: [
      { audience: i % 2 ? 'paying' : 'admins' },
      { trait: 'seats', gte: 1 },
      { not: { milestone: 'm2' } },
      { any: [{ trait: 'country', in: ['jp', 'us', 'de'] }, { locale: 'ja' }] },
      { trait: 'cohort', eq: `c${i}` },
    ] },
  };
  const text = { en: `Flow ${i}`, ja: `フロー${i}` };
  if (kind === 'tour') return { ...base, steps: [{ id: 'a', target: '#go', title: text }, { id: 'b', title: text }] };
  if (kind === 'hint') return { ...base, target: '#go', title: text, body: text };
  if (kind === 'announcement') return { ...base, style: 'modal', title: text, body: text };
  if (kind === 'survey') return { ...base, scale: 'nps', question: text };
  return { ...base, title: text, items: [{ id: 'x', label: text, done: { milestone: 'm1' } }] };
}

export function spec(n) {
  return {
    version: 1, product: 'bench',
    audiences: {
      paying: { trait: 'plan', in: ['pro', 'enterprise'] },
      admins: { all: [{ trait: 'role', eq: 'admin' }, { audience: 'paying' }] },
    },
    milestones: [{ id: 'm1', when: { event: 'imported' } }, { id: 'm2', when: { event: 'shared', count: 3 } }],
    flows: Array.from({ length: n }, (_, i) => flow(i)),
  };
}

window.run = async (n, runs, cohort = 'none') => {
  localStorage.clear();
  const check = await Shirube.validate(spec(n));
  if (!check.ok) return { times: [], shown: 0, errors: check.diagnostics.filter((d) => d.severity === 'error').slice(0, 3).map((d) => `${d.path}: ${d.message}`) };
  const sb = await Shirube.init({
    spec: spec(n),
    user: { id: 'bench-user', traits: { plan: 'pro', role: 'admin', seats: 12, country: 'jp', cohort } },
  });
  const errors = [];
  sb.on('error', (e) => errors.push(e));
  let started = 0;
  sb.on('flow_started', () => { started += 1; });
  const times = [];
  // performance.now() is coarse (0.1 ms) outside cross-origin isolation: time 20 calls at a
  // time and keep the mean of each group as one sample.
  for (let k = 0; k < runs; k++) {
    const t = performance.now();
    for (let j = 0; j < 20; j++) sb.track('tick');
    times.push((performance.now() - t) / 20);
  }
  const why = n <= 10 ? sb.explain() : null;
  sb.destroy();
  return { times, shown: started, errors: errors.map(String), why };
};
