// Delivery fixture: Shirube with a collector from ?collector=, consent from ?consent=, and
// helpers for tests. Every event id the SDK creates is recorded in window.__created.
import { Shirube } from '/js/index.js';

const p = new URLSearchParams(location.search);
const spec = {
  version: 1, product: 'delivery',
  milestones: [{ id: 'm', when: { event: 'important' } }],
  flows: [{ id: 't', kind: 'tour', steps: [{ id: 'a', title: 'Hi' }] }],
};
window.__created = [];
window.__errors = [];
const opts = {
  spec,
  user: { id: p.get('user') || 'u1', traits: { plan: 'free', email: 'a@b.c' } },
  collector: { url: p.get('collector'), writeKey: p.get('key') || 'sb_pub_demo', denylist: ['email'] },
  consent: p.get('consent') || 'granted',
  onError: (e) => window.__errors.push(e),
};
if (p.get('dropTrack')) opts.beforeSend = (e) => (e.name === 'event_tracked' && e.event === p.get('dropTrack') ? null : e);
window.__ready = Shirube.init(opts).then((sb) => {
  window.sb = sb;
  sb.on('*', (e) => window.__created.push(e.event_id));
  return true;
});
window.__track = (n, prefix = 'e', props = {}) => {
  for (let i = 0; i < n; i++) window.sb.track(`${prefix}${i}`, props);
};
