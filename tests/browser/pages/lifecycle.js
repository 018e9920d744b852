// Lifecycle fixture: nothing starts until the test calls window.__start(name, options), so the
// page can be recorded before init and compared after destroy(). The host page's own button
// keeps working whatever Shirube does.
import { Shirube } from '/js/index.js';

document.getElementById('host-button').addEventListener('click', () => {
  document.getElementById('host-output').textContent = 'host page works';
});
const T = (en, ja) => ({ en, ja });
const SPECS = {
  tour: { version: 1, product: 'life-tour', flows: [{ id: 'tour', kind: 'tour', steps: [
    { id: 's1', target: '#a', title: T('First step', '最初のステップ'), body: T('Read this, then go on.', 'これを読んで次へ。') },
    { id: 's2', target: '#b', title: T('Second step', '二番目'), body: 'Last one.' },
  ] }] },
  everything: { version: 1, product: 'life-all', milestones: [{ id: 'm', when: { event: 'done' } }], flows: [
    { id: 'tour', kind: 'tour', steps: [{ id: 's1', target: '#a', title: 'Tour step', body: 'With an **overlay**.' }, { id: 's2', title: 'Centred', body: 'No target.' }] },
    { id: 'hint', kind: 'hint', target: '#c', title: 'A hint', body: 'Hints open on click.' },
    { id: 'list', kind: 'checklist', title: 'Getting started', description: 'Two things to do.', items: [
      { id: 'one', label: 'Do the thing', done: { milestone: 'm' }, action: { track: 'done' } },
      { id: 'two', label: 'Another thing', description: 'With a description', done: { any: [] } }] },
    { id: 'banner', kind: 'announcement', style: 'banner', body: 'A **banner** message.', cta: { label: 'Learn more', action: 'complete' } },
    { id: 'slide', kind: 'announcement', style: 'slideout', title: 'News', body: 'A slideout.', cta: { label: 'Open', action: 'complete' } },
    { id: 'modal', kind: 'announcement', title: 'Welcome', body: 'A modal announcement.' },
    { id: 'nps', kind: 'survey', scale: 'nps', question: 'How likely are you to recommend us?', followUp: 'Why?' },
    { id: 'csat', kind: 'survey', scale: 'csat', question: 'How satisfied are you?' },
  ] },
  eventTrigger: { version: 1, product: 'life-event', flows: [{ id: 'news', kind: 'announcement', trigger: { event: 'clicked', page: '/fixtures/*' }, title: 'News', body: 'Shown on an event.' }] },
  debugged: { version: 1, product: 'life-debug', revision: 'r7', milestones: [{ id: 'm', when: { event: 'done' } }], flows: [
    { id: 'hint-here', kind: 'hint', target: '#c', body: 'Here.', trigger: { page: '/fixtures/*' } },
    { id: 'hint-gone', kind: 'hint', target: ['#gone', '.gone'], body: 'Never.', trigger: { page: '/fixtures/*' } },
    { id: 'later', kind: 'announcement', style: 'banner', body: 'After an event.', trigger: { event: 'go' } },
  ] },
  other: { version: 1, product: 'life-other', flows: [{ id: 'other-tour', kind: 'tour', steps: [{ id: 'o1', target: '#c', title: 'Other instance' }] }] },
};
window.__instances = [];
window.__start = async (name, extra = {}) => {
  const events = [];
  const errors = [];
  const sb = await Shirube.init({ spec: SPECS[name], user: { id: extra.user || `u-${name}-${Date.now()}`, traits: {} }, locale: extra.locale || 'en', onError: (e) => errors.push(e), ...extra });
  sb.on('*', (e) => events.push(e));
  window.__instances.push({ sb, events, errors });
  return window.__instances.length - 1;
};
