// Layout fixture driver: ?case= picks a spec from specs.js and page behaviour (a late target, an
// open dialog, RTL); the instance and events are exposed for the tests.
import { Shirube } from '/js/index.js';
import { SPECS } from './specs.js';

const p = new URLSearchParams(location.search);
const name = p.get('case') || 'basic';
window.__events = [];
window.__errors = [];
// ?record=1: from before Shirube starts, what happens in its shadow root (cards added and
// removed, by batch of mutations) and every change to the page's own elements.
if (p.get('record')) {
  window.__cards = [];
  window.__pageChanges = [];
  let batch = 0;
  const step = (n) => n.querySelector?.('[data-shirube-step]')?.dataset.shirubeStep;
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    const root = attach.call(this, init);
    if (this.localName === 'shirube-root') {
      new MutationObserver((list) => {
        batch += 1;
        for (const m of list) {
          for (const n of m.addedNodes) if (step(n)) window.__cards.push({ batch, added: step(n) });
          for (const n of m.removedNodes) if (step(n)) window.__cards.push({ batch, removed: step(n) });
        }
      }).observe(root, { childList: true, subtree: true });
    }
    return root;
  };
  new MutationObserver((list) => {
    for (const m of list) {
      if (m.target.localName === 'shirube-root') continue;
      if (m.type === 'childList' && [...m.addedNodes, ...m.removedNodes].every((n) => n.localName === 'shirube-root')) continue;
      window.__pageChanges.push(`${m.type} ${m.target.id || m.target.localName} ${m.attributeName || ''}`);
    }
  }).observe(document.documentElement, { attributes: true, childList: true, subtree: true, characterData: true });
}
if (p.get('rtl')) document.documentElement.dir = 'rtl';
// An announcement banner in the flow above the sticky header (?banner=1): it scrolls away and
// the header sticks at the top. Or fixed at the top (?banner=fixed), the header sticking just
// below it: the two bars together cover the top 112 px.
if (p.get('banner')) {
  if (p.get('banner') === 'fixed') document.body.classList.add('fixed-banner');
  const b = document.createElement('div');
  b.className = 'banner';
  b.id = 'banner';
  b.textContent = 'Announcement banner above the header';
  document.body.prepend(b);
}
// A page zoomed with CSS (?csszoom=body:0.8 or html:1.25), as apps do for a compact mode or to
// fit a dashboard to a large screen.
if (p.get('csszoom')) {
  const [where, z] = p.get('csszoom').split(':');
  (where === 'html' ? document.documentElement : document.body).style.zoom = z;
}
if (name === 'dialog') document.getElementById('dlg').showModal();
if (name === 'late') {
  setTimeout(() => {
    const b = document.createElement('button');
    b.id = 'late';
    b.className = 't';
    b.textContent = 'Rendered after 1.5 s';
    document.getElementById('slot').append(b);
  }, 1500);
}
// A target that is in the page from the start but hidden, and shown later only by a change of
// its inline style (jQuery's .show(), many vanilla apps): no node is added or removed.
if (name === 'revealed') {
  const b = document.createElement('button');
  b.id = 'revealed';
  b.className = 't';
  b.textContent = 'Shown by a style change after 1.5 s';
  b.style.display = 'none';
  document.getElementById('slot').append(b);
  setTimeout(() => { b.style.display = ''; }, 1500);
}
// A target that already has an anchor name of the page's own (?ownanchor=1): Shirube adds its
// own beside it and gives the element back exactly as it was.
if (p.get('ownanchor')) document.getElementById('high-z').style.cssText = 'anchor-name: --page-own; outline: 1px solid transparent';
// A target inside a web component's open shadow root (?case=shadow).
if (name === 'shadow') {
  const host = document.createElement('x-widget');
  host.id = 'widget';
  const root = host.attachShadow({ mode: 'open' });
  const b = document.createElement('button');
  b.id = 'in-shadow';
  b.textContent = 'Inside a shadow root';
  b.style.margin = '0 0 0 160px';
  root.append(b);
  document.getElementById('slot').append(host);
}
// Targets that appear with no change the document's mutation observer sees: a component whose
// shadow root renders the target 1.5 s after load (?case=shadowlate, data arriving); a
// component whose element is in the page from the start but defined only after 1.5 s
// (?case=upgraded, a lazily loaded chunk calling `customElements.define`); a target the page's
// CSS reveals when a class is added to <html> after 1.5 s (?case=gated).
if (name === 'shadowlate') {
  const host = document.createElement('x-loading');
  host.id = 'widget';
  const root = host.attachShadow({ mode: 'open' });
  root.append(Object.assign(document.createElement('span'), { textContent: 'Loading…' }));
  document.getElementById('slot').append(host);
  setTimeout(() => {
    const b = document.createElement('button');
    b.id = 'in-shadow';
    b.textContent = 'Rendered late inside a shadow root';
    root.replaceChildren(b);
  }, 1500);
}
if (name === 'upgraded') {
  document.getElementById('slot').append(Object.assign(document.createElement('x-late'), { id: 'widget' }));
  setTimeout(() => customElements.define('x-late', class extends HTMLElement {
    constructor() {
      super();
      const b = document.createElement('button');
      b.id = 'in-shadow';
      b.textContent = 'Defined late';
      this.attachShadow({ mode: 'open' }).append(b);
    }
  }), 1500);
}
// Forty web components, each a shadow root, and a clock whose text changes in every frame (a
// DOM change outside the components) while a step waits for a target none of them has yet
// (?case=shadowmany, `#in-shadow.ready`). Every query of a shadow root is counted. The seventh
// component has the button without the class; `__render()` adds it (an attribute change, no
// element added).
if (name === 'shadowmany') {
  window.__shadowQueries = 0;
  const query = ShadowRoot.prototype.querySelectorAll;
  ShadowRoot.prototype.querySelectorAll = function (sel) {
    window.__shadowQueries += 1;
    return query.call(this, sel);
  };
  const roots = [];
  for (let i = 0; i < 40; i++) {
    const host = document.createElement('x-row');
    if (i === 6) host.id = 'widget';
    const root = host.attachShadow({ mode: 'open' });
    root.append(Object.assign(document.createElement('span'), { textContent: `Row ${i + 1}` }));
    if (i === 6) root.append(Object.assign(document.createElement('button'), { id: 'in-shadow', textContent: 'Made the target by a class' }));
    roots.push(root);
    document.getElementById('slot').append(host);
  }
  const clock = document.getElementById('slot').appendChild(document.createElement('span'));
  const tick = () => { clock.textContent = String(performance.now() | 0); requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  window.__render = () => roots[6].getElementById('in-shadow').classList.add('ready');
}
// A clock whose text changes in every frame (a live dashboard) while a step waits for an
// element the page lacks (?case=ticking, `#late-tick`, added by `__render()`), or for a badge
// that the page's `:empty { display: none }` hides until it gets its text (?case=emptybadge,
// `#badge`, filled by `__render()`). Every document query for `#late-tick` is counted.
if (name === 'ticking' || name === 'emptybadge') {
  window.__tickQueries = 0;
  const query = Document.prototype.querySelectorAll;
  Document.prototype.querySelectorAll = function (sel) {
    if (sel === '#late-tick') window.__tickQueries += 1;
    return query.call(this, sel);
  };
  const slot = document.getElementById('slot');
  const clock = slot.appendChild(document.createElement('span'));
  const tick = () => { clock.textContent = String(performance.now() | 0); requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  const badge = Object.assign(document.createElement('span'), { id: 'badge', className: 'badge' });
  if (name === 'emptybadge') slot.append(badge);
  window.__render = name === 'ticking'
    ? () => slot.append(Object.assign(document.createElement('button'), { id: 'late-tick', textContent: 'Came while the clock ticked' }))
    : () => { badge.textContent = '3'; };
}
// A target inside a menu hidden by `clip-path: inset(0 0 100% 0)`, as menus revealed by
// animating their clip path are, opened after 1.5 s (?case=clipped).
// The same with the shapes of circular and polygonal reveals (?case=circled, ?case=polygoned):
// a circle of radius 0 at the menu's top right corner grown to cover it, a polygon collapsed
// onto the top edge (points with calc()) opened to the whole box.
const CLIPS = {
  clipped: ['inset(0px 0px 100%)', 'inset(0px)'],
  circled: ['circle(0% at right top)', 'circle(150% at right top)'],
  polygoned: ['polygon(0 0, 100% 0, calc(100% - 0px) 0, 0 0)', 'polygon(0 0, 100% 0, 100% 100%, 0 100%)'],
};
// A menu a component library opens through an attribute its CSS reads (Radix's
// `data-state`), no class or style changing (?case=datastate, `#ds-item`): `__render()` opens it.
if (name === 'datastate') {
  const menu = document.createElement('div');
  menu.id = 'ds';
  menu.dataset.state = 'closed';
  menu.append(Object.assign(document.createElement('button'), { id: 'ds-item', className: 't', textContent: 'In a menu opened by data-state' }));
  document.getElementById('slot').append(menu);
  window.__render = () => { menu.dataset.state = 'open'; };
}
// Targets the page's CSS reveals on a state change with no DOM change: a checkbox checked
// (`:checked ~`, ?case=checked, `#ck-item`), a popover shown (`:popover-open`, ?case=popover,
// `#pop-item`), focus moved into a menu (`:focus-within`, ?case=focuswithin, `#fw-item`).
// `__render()` makes the change the way a user or the page's script would.
if (name === 'checked') {
  const box = Object.assign(document.createElement('input'), { type: 'checkbox', id: 'ck' });
  const panel = Object.assign(document.createElement('div'), { id: 'ck-panel' });
  panel.append(Object.assign(document.createElement('button'), { id: 'ck-item', className: 't', textContent: 'Advanced setting' }));
  const label = Object.assign(document.createElement('label'), { htmlFor: 'ck', textContent: 'Show advanced settings' });
  document.getElementById('slot').append(box, label, panel);
  window.__render = () => box.click();
}
// A control the page's CSS shows only on wide screens (`@media (min-width: 1100px)`,
// ?case=mediaquery, `#wide-item`): the window is made wider.
if (name === 'mediaquery') {
  document.getElementById('slot').append(Object.assign(document.createElement('button'), { id: 'wide-item', className: 't', textContent: 'Only on wide screens' }));
}
// A tab panel shown by the page's `:target` rule when a link to its fragment is followed
// (?case=hashtarget, `#hash-item`): `__render()` follows it.
if (name === 'hashtarget') {
  const link = Object.assign(document.createElement('a'), { href: '#tab-2', id: 'tab-link', textContent: 'Second tab' });
  const panel = Object.assign(document.createElement('section'), { id: 'tab-2', className: 'tab-panel' });
  panel.append(Object.assign(document.createElement('button'), { id: 'hash-item', className: 't', textContent: 'In the second tab' }));
  document.getElementById('slot').append(link, panel);
  window.__render = () => link.click();
}
if (name === 'popover') {
  const pop = Object.assign(document.createElement('div'), { id: 'pop' });
  pop.setAttribute('popover', '');
  pop.append(Object.assign(document.createElement('button'), { id: 'pop-item', className: 't', textContent: 'In a popover' }));
  document.getElementById('slot').append(pop);
  window.__render = () => pop.showPopover();
}
if (name === 'focuswithin') {
  const menu = Object.assign(document.createElement('div'), { id: 'fw' });
  const field = Object.assign(document.createElement('input'), { id: 'fw-field', placeholder: 'Search' });
  const list = Object.assign(document.createElement('div'), { id: 'fw-list' });
  list.append(Object.assign(document.createElement('button'), { id: 'fw-item', className: 't', textContent: 'A suggestion' }));
  menu.append(field, list);
  document.getElementById('slot').append(menu);
  window.__render = () => field.focus();
}
// On a page zoomed with CSS (`html { zoom: 1.25 }`, ?case=zoomclip): a 100 px menu whose
// `clip-path: inset(0 0 60px 0)` shows its top 40 px, the target below them (50-70 px), until
// the clip opens after 1.5 s. (Its px are CSS px: 60 px of clip are 75 px of viewport.)
if (name === 'zoomclip') {
  document.documentElement.style.zoom = '1.25';
  const menu = document.createElement('div');
  menu.id = 'clip-menu';
  menu.style.height = '100px';
  menu.style.clipPath = 'inset(0px 0px 60px)';
  const spacer = menu.appendChild(document.createElement('div'));
  spacer.style.height = '50px';
  const b = menu.appendChild(Object.assign(document.createElement('button'), { id: 'in-clipped', className: 't', textContent: 'Below the clip' }));
  Object.assign(b.style, { display: 'block', height: '20px', margin: '0' });
  document.getElementById('slot').append(menu);
  setTimeout(() => { menu.style.clipPath = 'inset(0px)'; }, 1500);
}
if (CLIPS[name]) {
  const menu = document.createElement('div');
  menu.id = 'clip-menu';
  menu.style.clipPath = CLIPS[name][0];
  menu.append(Object.assign(document.createElement('button'), { id: 'in-clipped', className: 't', textContent: 'Inside a menu revealed by clip-path' }));
  document.getElementById('slot').append(menu);
  setTimeout(() => { menu.style.clipPath = CLIPS[name][1]; }, 1500);
}
// Two matches of `[data-tour=sr]`: first a visually hidden copy for screen readers (the usual
// `.sr-only` pattern: 1 px, `clip: rect(0, 0, 0, 0)`, `clip-path: inset(50%)`), then the
// visible control (?case=sronly).
if (name === 'sronly') {
  const slot = document.getElementById('slot');
  slot.append(Object.assign(document.createElement('span'), { id: 'sr-hidden', className: 'sr-only', textContent: 'Search (for screen readers)' }));
  slot.append(Object.assign(document.createElement('button'), { id: 'sr-visible', className: 't', textContent: 'Search' }));
  for (const e of slot.children) e.dataset.tour = 'sr';
}
if (name === 'gated') {
  document.getElementById('slot').append(Object.assign(document.createElement('button'), { id: 'gated', className: 't', textContent: 'Revealed by a class on <html>' }));
  setTimeout(() => document.documentElement.classList.add('ready'), 1500);
}
// A target whose element has `display: contents` (a wrapper a framework renders with no box of
// its own, the `data-tour` attribute put on it): the step points at its child (?case=contents).
if (name === 'contents') {
  const wrap = document.createElement('div');
  wrap.dataset.tour = 'wrap';
  wrap.style.display = 'contents';
  const inner = document.createElement('span');
  inner.style.display = 'contents';
  inner.append(Object.assign(document.createElement('button'), { id: 'in-contents', className: 't', textContent: 'Inside display: contents' }));
  wrap.append(inner);
  document.getElementById('slot').append(wrap);
}
// Targets that move with no scroll, resize or DOM change of their own, so nothing but the
// movement itself can tell: a drawer sliding in with a CSS transition (?case=drawer; &open=0
// opens it before Shirube starts, so only the transition's end is seen), the target moved by the
// Web Animations API (?case=animated), and the page's stylesheet changed through the CSSOM,
// pushing the target down (?case=restyled). Each happens 800 ms after the page loads.
const drawer = () => {
  const d = document.createElement('nav');
  d.id = 'drawer';
  d.className = 'drawer';
  const b = document.createElement('button');
  b.id = 'in-drawer';
  b.className = 't';
  b.textContent = 'In the drawer';
  d.append(b);
  document.body.append(d);
  return d;
};
if (name === 'drawer') {
  const d = drawer();
  const open = () => d.classList.add('open');
  if (p.get('open') === '0') requestAnimationFrame(() => requestAnimationFrame(open));
  else setTimeout(open, 800);
}
// Targets on the page but out of sight, where no scrolling can bring them (the step waits, as
// for an absent target, and shows once they come into view): a drawer that stays closed
// (?case=closed), or opens 800 ms after load and is closed again by the test (?case=drawer);
// a fixed bottom sheet below the viewport of a long page that slides up 800 ms after load
// (?case=sheet); an accordion's collapsed panel that opens then (?case=accordion); a menu
// hidden with `visibility` that shows then (?case=invisible); a popover faded out to
// `opacity: 0` that fades in then (?case=faded). And ones that only look out of
// reach and are not: far right in a horizontally scrolling table (?case=wide), far below in
// a body that scrolls instead of the page (?case=shell).
const box = (id, cls, text, parent = document.body, tag = 'div') => {
  const d = document.createElement(tag);
  if (id) d.id = id;
  d.className = cls;
  if (text) d.textContent = text;
  if (parent === 'top') document.querySelector('.row').after(d);
  else parent.append(d);
  return d;
};
if (name === 'closed') drawer();
// A container out of sight, with the target inside, that opens (class `open`) 800 ms after load:
// [container id, its class, where it goes, target id, target text].
const opening = {
  sheet: ['sheet', 'sheet', document.body, 'in-sheet', 'In the sheet'],
  accordion: ['panel', 'panel', 'top', 'in-panel', 'In the panel'],
  invisible: ['menu', 'menu', 'top', 'in-menu', 'In the menu'],
  faded: ['popover', 'faded', 'top', 'in-popover', 'In the popover'],
};
if (opening[name]) {
  const [id, cls, where, target, label] = opening[name];
  const c = box(id, cls, '', where);
  box(target, 't', label, c, 'button');
  setTimeout(() => c.classList.add('open'), 800);
}
// One control in three copies, as responsive pages have it (?case=copies), in this document
// order: a phone menu's, not rendered at this width; an off-canvas drawer's, rendered but out of
// sight; the toolbar's, in view (#new-visible). The step targets `[data-tour=new]`.
if (name === 'copies') {
  const phone = box('phone-menu', '', '', document.body);
  phone.style.display = 'none';
  box('', 't', 'New (phone menu)', phone, 'button').dataset.tour = 'new';
  const d = drawer();
  d.querySelector('button').dataset.tour = 'new';
  document.body.prepend(phone, d);
  box('new-visible', 't', 'New', document.getElementById('slot'), 'button').dataset.tour = 'new';
}
// An app shell: the page does not scroll, the body does; the target is far below the fold.
if (name === 'shell') document.documentElement.classList.add('shell');
if (name === 'wide') {
  const table = box('table', 'wide', '', 'top');
  box('far-right', 't', 'Far right', box('', 'wide-inner', '', table), 'button');
}
if (name === 'animated') setTimeout(() => document.getElementById('b').animate([{ transform: 'none' }, { transform: 'translateX(240px)' }], { duration: 500, fill: 'forwards' }), 800);
if (name === 'restyled') {
  setTimeout(() => {
    const sheet = [...document.styleSheets].find((s) => s.href?.endsWith('/layout.css'));
    sheet.insertRule('main { padding-top: 150px; }', sheet.cssRules.length);
  }, 800);
}
// The transformed-ancestor and drawer cases record, for every animation frame, where the step
// card was painted relative to its target: read in a task posted from the frame callback, so
// after every frame callback (Shirube's writes included) and the paint, before the next frame.
// No frame may show the card away from its place, not even the first ones. The drawer case also
// counts the frames that showed its target whole but no card (none yet, or hidden).
if (name === 'transformed' || name === 'drawer') {
  window.__trace = [];
  window.__unshown = 0;
  const ch = new MessageChannel();
  ch.port1.onmessage = () => {
    const card = document.querySelector('shirube-root')?.shadowRoot.querySelector('[data-shirube-step]');
    const t = document.getElementById(name === 'drawer' ? 'in-drawer' : 'in-transform').getBoundingClientRect();
    if (card && getComputedStyle(card).visibility === 'visible') {
      const c = card.getBoundingClientRect();
      // Beside a target on the right: the gap to it (the card's top is clamped to the screen).
      const place = name === 'drawer' ? { dx: c.x - t.right, dy: null } : { dx: c.x - t.x, dy: c.y - t.bottom };
      window.__trace.push({ dx: Math.round(place.dx * 10) / 10, dy: place.dy === null ? null : Math.round(place.dy * 10) / 10, anchored: card.hasAttribute('data-anchored') });
    } else if (t.left >= 0) {
      window.__unshown++;
    }
  };
  const frame = () => {
    if (window.__traceStop) return;
    ch.port2.postMessage(0);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}
// Single-page navigation for the multi-page case: a route renders its own target.
window.__route = (path) => {
  history.pushState({}, '', path);
  document.getElementById('slot').replaceChildren();
  if (path.includes('second')) {
    const b = document.createElement('button');
    b.id = 'second';
    b.className = 't';
    b.textContent = 'Second page target';
    document.getElementById('slot').append(b);
  }
};
if (location.pathname.includes('second')) window.__route(location.pathname + location.search);
// A visit as Turbo Drive makes it: the next page's whole <body> put in place of this one's,
// then its URL pushed; `__renderSecond()` renders its target late.
window.__visit = (path) => {
  const body = document.createElement('body');
  body.append(Object.assign(document.createElement('h1'), { textContent: 'The second page, a new body' }));
  const slot = body.appendChild(document.createElement('div'));
  slot.id = 'slot';
  document.documentElement.replaceChild(body, document.body);
  history.pushState({}, '', path);
};
window.__renderSecond = () => {
  document.getElementById('slot').append(Object.assign(document.createElement('button'), { id: 'second', className: 't', textContent: 'Second page target' }));
};
window.__ready = Shirube.init({ spec: SPECS[name], user: { id: p.get('user') || 'layout-user', traits: {} }, locale: p.get('locale') || 'en', onError: (e) => window.__errors.push(e) }).then((sb) => {
  window.sb = sb;
  sb.on('*', (e) => window.__events.push({ name: e.name, flow: e.flow_id, step: e.step_id, props: e.properties }));
  return sb;
});
