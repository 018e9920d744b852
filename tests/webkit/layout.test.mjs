// The tour layout matrix of tests/browser/tours.test.mjs again in WebKit, Safari's engine
// (WebKitGTK; see harness.mjs), with the same placement checks (tests/browser/placement.mjs):
// after scrolling settles the tooltip sits within 1 px of its place next to the target, its
// arrow points at the target, nothing is off-screen. WebKit has its own layout, its own anchor
// positioning (new in Safari 26) and its own top layer, so passing elsewhere proves nothing here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, startServer, sleep } from './harness.mjs';
import { settledStep, assertPlaced, assertEveryFramePlaced } from '../browser/placement.mjs';

let server, wk, page;
before(async () => {
  server = await startServer();
  wk = await launch();
  page = wk.page;
});
after(async () => {
  await wk?.close();
  await server?.stop();
});

async function open(name, { query = '', viewport = { width: 1280, height: 800 }, anchors = true } = {}) {
  await page.setViewport(viewport);
  // A user per test: flows show once per user, and tests must not see each other's progress.
  await page.goto(`${server.base}/fixtures/layout.html?case=${name}&user=${name}-${Date.now()}${query}${anchors ? '' : '&inject=no-anchors.js'}`);
  await page.waitForFunction(() => window.sb);
  return page;
}

const settled = (target) => settledStep(page, target, sleep);
const noProblems = async () => assert.deepEqual(await page.problems(), []);

test('WebKit: nested scroll containers, placed on the right and followed when a container scrolls', async () => {
  await open('nested');
  const m = await settled('#deep');
  assert.equal(m.side, 'right');
  assertPlaced(m);
  const inside = await page.evaluate(() => ['outer', 'inner'].every((id) => {
    const t = document.getElementById('deep').getBoundingClientRect();
    const c = document.getElementById(id).getBoundingClientRect();
    return t.top >= c.top - 1 && t.bottom <= c.bottom + 1;
  }));
  assert.ok(inside, 'visible inside both scroll containers');
  await page.evaluate(() => { document.getElementById('inner').scrollTop += 40; });
  assertPlaced(await settled('#deep'));
  await noProblems();
});

test('WebKit: scrolling with a step shown writes nothing (anchored to the target)', async () => {
  await open('nested');
  assertPlaced(await settled('#deep'));
  const anchored = await page.evaluate(() => CSS.supports('anchor-name: --x') && document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step]').hasAttribute('data-anchored'));
  assert.ok(anchored, 'WebKit has anchor positioning and the card uses it');
  const writes = await page.evaluate(async () => {
    const root = document.querySelector('shirube-root').shadowRoot;
    let n = 0;
    const mo = new MutationObserver((l) => { n += l.length; });
    mo.observe(root, { attributes: true, subtree: true, childList: true });
    const outer = document.getElementById('outer');
    const inner = document.getElementById('inner');
    for (let i = 0; i < 30; i++) {
      await new Promise((r) => requestAnimationFrame(r));
      window.scrollBy(0, i % 2 ? 3 : -3);
      outer.scrollTop += i % 2 ? 2 : -2;
      inner.scrollTop += i % 2 ? 2 : -2;
    }
    await new Promise((r) => setTimeout(r, 100));
    mo.disconnect();
    return n;
  });
  assert.equal(writes, 0, 'no attribute or node written in the shadow root while scrolling');
  assertPlaced(await settled('#deep'));
});

for (const [name, sel, side] of [['sticky', '#below', null], ['transformed', '#in-transform', 'bottom'], ['zindex', '#high-z', 'bottom']]) {
  test(`WebKit: ${name === 'zindex' ? 'z-index 999999' : name === 'sticky' ? 'sticky header' : 'transformed ancestor'}: placed exactly, on top`, async () => {
    await open(name);
    const m = await settled(sel);
    if (side) assert.equal(m.side, side);
    assertPlaced(m);
    if (name === 'sticky') {
      const header = await page.evaluate(() => document.getElementById('header').getBoundingClientRect().bottom);
      assert.ok(m.target.y >= header - 0.5, `target top ${m.target.y} below the header ${header}`);
    }
    if (name === 'transformed') {
      assert.ok(Math.abs(m.card.x - m.target.x) <= 1, 'bottom-start aligns left edges');
      // From the first frame it showed in, not only once settled.
      await assertEveryFramePlaced(page);
      await page.evaluate(() => window.scrollBy(0, 7));
      assertPlaced(await settled(sel));
    }
    await noProblems();
  });
}

test('WebKit: target inside a web component\'s open shadow root, followed while scrolling', async () => {
  await open('shadow');
  const m = await settled('#in-shadow');
  assert.equal(m.side, 'bottom');
  assertPlaced(m);
  await page.evaluate(() => window.scrollBy(0, 11));
  assertPlaced(await settled('#in-shadow'));
  await noProblems();
});

test('WebKit: target inside an open modal <dialog>: shown above the dialog', async () => {
  await open('dialog');
  assertPlaced(await settled('#in-dialog'));
  assert.equal(await page.evaluate(() => document.querySelector('shirube-root').parentElement.id), 'dlg', 'the host moved into the dialog');
  await page.evaluate(() => document.getElementById('dlg').close());
  await page.waitForFunction(() => document.querySelector('shirube-root').parentElement === document.body);
  await noProblems();
});

test('WebKit: target rendered after 1.5 s: the step waits, then shows in place', async () => {
  await open('late');
  const t0 = Date.now();
  const m = await settled('#late');
  assert.ok(Date.now() - t0 >= 1200, 'shown only after the target rendered');
  assertPlaced(m);
  assert.ok(!(await page.evaluate(() => window.__events.map((e) => e.name))).includes('target_missing'));
  await noProblems();
});

test('WebKit: target never rendered: target_missing with the wait, the tour ends, nothing left inert', async () => {
  await open('never');
  await page.waitForFunction(() => window.__events.some((e) => e.name === 'flow_dismissed'), { timeout: 6000 });
  const ev = await page.evaluate(() => window.__events.find((e) => e.name === 'target_missing'));
  assert.equal(ev.props.selector, '#never');
  assert.ok(ev.props.waited_ms >= 1900 && ev.props.waited_ms <= 2600, `waited ${ev.props.waited_ms}`);
  assert.equal(await page.evaluate(() => document.querySelector('shirube-root').shadowRoot.querySelectorAll('[role=dialog]').length), 0);
  assert.equal(await page.evaluate(() => [...document.body.children].some((c) => c.inert)), false, 'nothing left inert');
  await noProblems();
});

test('WebKit: target removed during its step: hidden, then the tour ends after the wait; back in time, it shows again', async () => {
  await open('removed');
  assertPlaced(await settled('#removable'));
  await page.evaluate(() => { window.__kept = document.getElementById('removable'); window.__parent = window.__kept.parentElement; window.__kept.remove(); });
  await page.waitForFunction(() => !document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step]'));
  await sleep(500);
  await page.evaluate(() => { window.__parent.append(window.__kept); });
  assertPlaced(await settled('#removable'));
  await page.evaluate(() => { window.__kept.remove(); });
  await page.waitForFunction(() => window.__events.some((e) => e.name === 'flow_dismissed'), { timeout: 5000 });
  assert.equal(await page.evaluate(() => window.__events.filter((e) => e.name === 'target_missing').length), 1);
  await noProblems();
});

test('WebKit: the page replaces the target\'s inline style mid-step: the card stays in place, the page keeps its style', async () => {
  await open('zindex');
  assertPlaced(await settled('#high-z'));
  await page.evaluate(() => { document.getElementById('high-z').style.cssText = 'color: rgb(1, 2, 3)'; });
  assertPlaced(await settled('#high-z'));
  await page.evaluate(() => window.scrollBy(0, 9));
  assertPlaced(await settled('#high-z'));
  await page.evaluate(() => window.sb.destroy());
  assert.equal(await page.evaluate(() => document.getElementById('high-z').getAttribute('style')), 'color: rgb(1, 2, 3);');
  await noProblems();
});

// WebKit has no Navigation API: route changes are noticed in the frame after the page's DOM
// changes, by popstate and by the light poll of `location` (src/dom/nav.rs), none of which
// Chromium needs.
test('WebKit: single-page navigation mid-tour (no Navigation API), then a full reload: the tour continues where it was', async () => {
  await open('multipage');
  assert.equal(await page.evaluate(() => typeof window.navigation), 'undefined', 'this WebKit has no Navigation API');
  assertPlaced(await settled('#a'));
  // Without the Navigation API, the route change is noticed in the frame after the route
  // renders. (Before, only the 250 ms poll noticed it: 3 to 7 frames in six runs here.)
  // WebKitGTK's frames start slowly after an idle spell: five frames first.
  const frames = await page.evaluate(async () => {
    const frame = () => new Promise((ok) => requestAnimationFrame(() => setTimeout(ok, 0)));
    for (let i = 0; i < 5; i++) await frame();
    window.__route('/fixtures/second' + location.search);
    for (let i = 1; i <= 20; i++) {
      await frame();
      if (document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step=second]')) return i;
    }
    return null;
  });
  assert.equal(frames, 1, 'the next step shows in the first frame after the route rendered');
  const m = await settled('#second');
  assert.equal(m.step, 'second');
  assertPlaced(m);
  await page.reload();
  await page.waitForFunction(() => window.sb);
  const r = await settled('#second');
  assert.equal(r.step, 'second', 'resumed at the same step');
  assertPlaced(r);
  assert.equal(await page.evaluate(() => window.__events.filter((e) => e.name === 'flow_started').length), 0, 'a resumed tour does not start again');
  await page.clickInShirube('[data-shirube-action=next]');
  assertPlaced(await settled('#b'));
  await noProblems();
});

test('WebKit: right-to-left page: start and end follow the reading direction', async () => {
  await open('rtl', { query: '&rtl=1' });
  const m = await settled('#b');
  assertPlaced(m);
  assert.ok(Math.abs(m.card.x + m.card.w - (m.target.x + m.target.w)) <= 1, 'bottom-start aligns right edges on an RTL page');
  await noProblems();
});

test('WebKit: a 375×667 phone: flipped or shifted to fit, never off-screen', async () => {
  // MiniBrowser's window is at least 447 px wide, so the phone's viewport is an iframe of
  // exactly 375×667 CSS px, and the checks run inside it.
  await page.setViewport({ width: 1280, height: 800 });
  const src = `/fixtures/layout.html?case=phone&user=phone-${Date.now()}`;
  await page.goto(`${server.base}/__frame?w=375&h=667&src=${encodeURIComponent(src)}`);
  await page.frame(0);
  try {
    await page.waitForFunction(() => window.sb);
    const m = await settled('#b');
    assert.deepEqual([m.vw, m.vh], [375, 667], 'a 375×667 viewport');
    assertPlaced(m);
    await noProblems();
  } finally {
    await page.frame(null);
  }
});

test('WebKit: 200% zoom (a half-size CSS viewport at two device pixels per CSS pixel): shifted to fit, never off-screen', async () => {
  const zoomed = await launch({ scale: 2 });
  try {
    const p = zoomed.page;
    await p.setViewport({ width: 640, height: 400 });
    await p.goto(`${server.base}/fixtures/layout.html?case=zoom&user=zoom-${Date.now()}`);
    await p.waitForFunction(() => window.sb);
    assert.equal(await p.evaluate(() => devicePixelRatio), 2);
    const m = await settledStep(p, '#b', sleep);
    assert.equal(m.vw <= 640, true, `a 640 px wide viewport (got ${m.vw})`);
    assertPlaced(m);
    assert.deepEqual(await p.problems(), []);
  } finally {
    await zoomed.close();
  }
});

test('WebKit: keyboard: focus moves into the step once it shows, Esc dismisses', async () => {
  await open('nested');
  assertPlaced(await settled('#deep'));
  await page.waitForFunction(() => {
    const r = document.querySelector('shirube-root');
    return r.shadowRoot.activeElement && r.shadowRoot.activeElement.closest('[data-shirube-step]');
  }, { timeout: 3000 });
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step]'));
  const names = await page.evaluate(() => window.__events.map((e) => e.name));
  assert.ok(names.includes('flow_dismissed'), names.join(' '));
  await noProblems();
});

// Safari 17 and 18 have the popover top layer but no CSS anchor positioning: the same layouts
// with anchoring hidden (tests/browser/no-anchors.js, put first in the page by the server), so
// the layout writes viewport coordinates and follows every scroll itself.
for (const [name, sel, scroll] of [
  ['nested', '#deep', () => { document.getElementById('inner').scrollTop += 40; }],
  ['sticky', '#below', () => window.scrollBy(0, 13)],
  ['transformed', '#in-transform', () => window.scrollBy(0, 7)],
  ['zindex', '#high-z', () => window.scrollBy(0, 9)],
  ['shadow', '#in-shadow', () => window.scrollBy(0, 11)],
  ['dialog', '#in-dialog', null],
  ['rtl', '#b', null],
]) {
  test(`WebKit without CSS anchor positioning (Safari 17/18): ${name}, placed exactly and followed while scrolling`, async () => {
    await open(name, { anchors: false, query: name === 'rtl' ? '&rtl=1' : '' });
    const m = await settled(sel);
    assertPlaced(m);
    if (name === 'rtl') assert.ok(Math.abs(m.card.x + m.card.w - (m.target.x + m.target.w)) <= 1, 'bottom-start aligns right edges on an RTL page');
    const anchored = await page.evaluate(() => {
      const r = document.querySelector('shirube-root').shadowRoot;
      return [...r.querySelectorAll('[data-anchored]')].length + document.adoptedStyleSheets.length;
    });
    assert.equal(anchored, 0, 'nothing anchored, no stylesheet in the document');
    if (scroll) {
      await page.evaluate(scroll);
      assertPlaced(await settled(sel));
    }
    await noProblems();
  });
}
