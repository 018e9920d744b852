// Specs used by the fixture pages.
const tour = (id, steps, extra = {}) => ({ id, kind: 'tour', trigger: { page: '/fixtures/*' }, steps, ...extra });
const one = (target, extra = {}) => ({
  version: 1, product: 'layout',
  flows: [tour('t', [{ id: 's', target, title: 'Step title', body: 'A short body for the step.', ...extra }, { id: 'end', title: 'End' }])],
});
const notModal = (spec) => ({ ...spec, flows: spec.flows.map((f) => ({ ...f, overlay: false })) });
// A step at the button inside a menu that a clip path hides at first (?case=clipped and the like).
const CLIPPED = one('#in-clipped', { placement: 'bottom', waitMs: 4000 });
const LONG = Array.from({ length: 40 }, (_, i) => `Paragraph ${i + 1}: what this part of the product does, in detail.`).join('\n\n');
export const SPECS = {
  nested: one('#deep', { placement: 'right' }),
  sticky: one('#below', { placement: 'top' }),
  transformed: one('#in-transform', { placement: 'bottom-start' }),
  shadow: one('#in-shadow', { placement: 'bottom' }),
  zindex: one('#high-z', { placement: 'bottom' }),
  dialog: one('#in-dialog', { placement: 'bottom' }),
  late: one('#late', { placement: 'bottom', waitMs: 4000 }),
  revealed: one('#revealed', { placement: 'bottom', waitMs: 4000 }),
  never: one('#never', { placement: 'bottom', waitMs: 2000 }),
  shadowlate: one('#in-shadow', { placement: 'bottom', waitMs: 4000 }),
  upgraded: one('#in-shadow', { placement: 'bottom', waitMs: 4000 }),
  shadowmany: one('#in-shadow.ready', { placement: 'bottom', waitMs: 60000 }),
  ticking: one('#late-tick', { placement: 'bottom', waitMs: 60000 }),
  emptybadge: one('#badge', { placement: 'bottom', waitMs: 60000 }),
  clipped: CLIPPED,
  circled: CLIPPED,
  polygoned: CLIPPED,
  zoomclip: CLIPPED,
  datastate: one('#ds-item', { placement: 'bottom', waitMs: 60000 }),
  checked: one('#ck-item', { placement: 'bottom', waitMs: 60000 }),
  popover: one('#pop-item', { placement: 'bottom', waitMs: 60000 }),
  mediaquery: one('#wide-item', { placement: 'bottom', waitMs: 60000 }),
  hashtarget: one('#hash-item', { placement: 'bottom', waitMs: 60000 }),
  // Not modal: a modal step takes focus (and makes the page inert), which would close the menu.
  focuswithin: notModal(one('#fw-item', { placement: 'bottom', waitMs: 60000 })),
  sronly: one('[data-tour=sr]', { placement: 'bottom' }),
  gated: one('#gated', { placement: 'bottom', waitMs: 4000 }),
  contents: one('[data-tour=wrap]', { placement: 'bottom', waitMs: 2000 }),
  // A step waiting for a selector the page never renders, which Shirube's own beacon (the
  // hint's, in its shadow root) matches: it must not be taken for the page's.
  own: {
    version: 1, product: 'layout',
    flows: [
      { id: 'h', kind: 'hint', target: '#b', body: 'A hint on B.', trigger: { page: '/fixtures/*' } },
      tour('t', [{ id: 's', target: 'button[aria-expanded]', title: 'Step title', body: 'The menu.', waitMs: 1500 }, { id: 'end', title: 'End' }]),
    ],
  },
  removed: one('#removable', { placement: 'top', waitMs: 1500 }),
  rtl: one('#b', { placement: 'bottom-start' }),
  phone: one('#b', { placement: 'right' }),
  zoom: one('#b', { placement: 'bottom' }),
  zoomed: one('#b', { placement: 'bottom' }),
  // Targets moved by a CSS transition, the Web Animations API, a stylesheet change.
  drawer: one('#in-drawer', { placement: 'right' }),
  animated: one('#b', { placement: 'bottom' }),
  // Targets out of sight (tests/browser/pages/layout.js).
  closed: one('#in-drawer', { placement: 'right', waitMs: 2000 }),
  sheet: one('#in-sheet', { placement: 'top' }),
  accordion: one('#in-panel', { placement: 'bottom' }),
  invisible: one('#in-menu', { placement: 'right' }),
  faded: one('#in-popover', { placement: 'right' }),
  wide: one('#far-right', { placement: 'bottom' }),
  shell: one('#below', { placement: 'top' }),
  copies: one('[data-tour=new]', { placement: 'bottom', waitMs: 2000 }),
  // A tour step and a hint whose targets the test renders again as new elements.
  again: {
    version: 1, product: 'layout',
    flows: [
      tour('t', [{ id: 's', target: '#removable', placement: 'top', title: 'Step title', body: 'A short body for the step.', waitMs: 1500 }, { id: 'end', title: 'End' }]),
      { id: 'h', kind: 'hint', target: '#b', body: 'A hint on B.', trigger: { page: '/fixtures/*' } },
    ],
  },
  restyled: one('#b', { placement: 'bottom' }),
  // Texts far taller than any test viewport: the step beside its target and the centred one
  // after it must both fit on screen, their bodies scrolling.
  long: {
    version: 1, product: 'layout',
    flows: [tour('t', [
      { id: 's', target: '#b', placement: 'bottom', title: 'A long step', body: LONG },
      { id: 'end', title: 'A long centred step', body: LONG },
    ])],
  },
  // Panels with more than any test screen holds, started by the test: a slideout whose body is
  // long, and a checklist of 40 items with descriptions.
  panels: {
    version: 1, product: 'layout',
    flows: [
      { id: 'slide', kind: 'announcement', style: 'slideout', title: 'A long slideout', body: LONG, cta: { label: 'Read more', action: { track: 'more' } } },
      { id: 'list', kind: 'checklist', title: 'A long checklist', description: 'Forty things to do.', items: Array.from({ length: 40 }, (_, i) => ({ id: `i${i + 1}`, label: `Item ${i + 1}`, description: 'What this item asks of you, in a sentence.', done: { any: [] }, action: { track: `go_${i + 1}` } })) },
    ],
  },
  // A tour with no trigger: it starts only from sb.start('t'), so nothing shows at load and
  // the runtime rehearses its first card once the page is idle.
  manual: {
    version: 1, product: 'layout',
    flows: [{ id: 't', kind: 'tour', steps: [
      { id: 's', target: '#b', placement: 'bottom', title: 'Step title', body: 'A **short** body for the step.' },
      { id: 'end', title: 'End' },
    ] }],
  },
  xss: {
    version: 1, product: 'xss',
    flows: [tour('t', [{ id: 's', target: '#b', title: '<img src=x onerror="window.__xss=1">Title', body: 'Body <script>window.__xss=2</script> **bold** [link](/ok) `<b>code</b>` <a href="javascript:window.__xss=3">a</a>' }])],
  },
  multipage: {
    version: 1, product: 'multipage',
    flows: [tour('t', [
      { id: 'first', target: '#a', placement: 'bottom', title: 'First page', advance: { page: '/fixtures/second*' } },
      { id: 'second', target: '#second', placement: 'bottom', page: '/fixtures/second*', title: 'Second page' },
      { id: 'third', target: '#b', placement: 'right', page: '/fixtures/second*', title: 'Still the second page' },
    ])],
  },

  basic: {
    version: 1, product: 'fixture', revision: 'test.1',
    flows: [tour('t', [
      { id: 'a', target: '#a', placement: 'bottom', title: { en: 'First', ja: '最初' }, body: { en: 'Click **next**.', ja: '**次へ**を押します。' } },
      { id: 'b', target: '#b', placement: 'right', title: 'Second', body: 'A [link](https://example.com) and `code`.' },
      { id: 'c', title: 'Done', body: '- one\n- two' },
    ])],
  },
};
