// Tours on the layouts that break tour libraries (issue 4): in each, after scrolling settles the
// tooltip sits within 1 px of its place next to the target, its arrow points at the target,
// nothing is off-screen, and the target is visible and reachable through the overlay's hole.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, startServer, watchProblems, root } from './harness.mjs';
import { settledStep, assertPlaced, assertEveryFramePlaced, framesUntil } from './placement.mjs';
import { noAnchorCases, tallCardCases, panelCases, measurePanels, movingTargetCases, outOfSightCases, rehearsalCases, renderedAgainCases, zoomCases, headerCases, lateTargetCases } from './layout-cases.mjs';

let server, browser;
before(async () => {
  server = await startServer();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

// A browser without CSS anchor positioning (see the file).
const NO_ANCHORS = readFileSync(join(root, 'tests/browser/no-anchors.js'), 'utf8');

async function open(name, { path = '/fixtures/layout.html', query = '', context = browser.context, anchors = true } = {}) {
  const page = await context.newPage();
  if (!anchors) await page.addInitScript(NO_ANCHORS);
  const problems = watchProblems(page);
  // A user per test: flows show once per user, and tests must not see each other's progress.
  await page.goto(`${server.base}${path}?case=${name}&user=${name}-${Date.now()}${query}`);
  await page.waitForFunction(() => window.sb);
  page.problems = problems;
  return page;
}

const settled = (page, target) => settledStep(page, target, (ms) => page.waitForTimeout(ms));

test('nested scroll containers: scrolled into view through both, placed on the right', async () => {
  const page = await open('nested');
  const m = await settled(page, '#deep');
  assert.equal(m.side, 'right');
  assertPlaced(m);
  const inside = await page.evaluate(() => {
    const t = document.getElementById('deep').getBoundingClientRect();
    return ['outer', 'inner'].every((id) => {
      const c = document.getElementById(id).getBoundingClientRect();
      return t.top >= c.top - 1 && t.bottom <= c.bottom + 1;
    });
  });
  assert.ok(inside, 'visible inside both scroll containers');
  // Focus moved into the step once it showed (it was hidden while its target scrolled into view).
  await page.waitForFunction(() => document.querySelector('shirube-root').shadowRoot.activeElement?.closest('[data-shirube-step]'), null, { timeout: 3000 });
  // Scrolling a container moves the tooltip with the target in the next frame.
  await page.evaluate(() => { document.getElementById('inner').scrollTop += 40; });
  assertPlaced(await settled(page, '#deep'));
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('sticky header: the target is not left under it', async () => {
  const page = await open('sticky');
  const m = await settled(page, '#below');
  assertPlaced(m);
  const header = await page.evaluate(() => document.getElementById('header').getBoundingClientRect().bottom);
  assert.ok(m.target.y >= header - 0.5, `target top ${m.target.y} below the header ${header}`);
  await page.close();
});

for (const [name, sel, side] of [['transformed', '#in-transform', 'bottom'], ['zindex', '#high-z', 'bottom']]) {
  test(`${name === 'zindex' ? 'z-index 999999' : 'transformed ancestor'}: placed exactly, on top`, async () => {
    const page = await open(name);
    const m = await settled(page, sel);
    assert.equal(m.side, side);
    assertPlaced(m);
    if (name === 'transformed') {
      assert.ok(Math.abs(m.card.x - m.target.x) <= 1, 'bottom-start aligns left edges');
      // From the first frame it showed in, not only once settled.
      await assertEveryFramePlaced(page);
      // Still exact after a scroll (anchored or not, the card follows the transformed target).
      await page.evaluate(() => window.scrollBy(0, 7));
      assertPlaced(await settled(page, sel));
    }
    await page.close();
  });
}

test('scrolling with a step shown writes nothing: the card and the overlay are anchored to the target', async () => {
  const page = await open('nested');
  assertPlaced(await settled(page, '#deep'));
  const state = () => page.evaluate(() => {
    const r = document.querySelector('shirube-root').shadowRoot;
    return {
      card: r.querySelector('[data-shirube-step]').hasAttribute('data-anchored'),
      overlay: r.querySelector('.overlay').hasAttribute('data-anchored'),
      name: getComputedStyle(document.getElementById('deep')).anchorName,
    };
  });
  assert.deepEqual(await state(), { card: true, overlay: true, name: '--shirube-1-0' });
  // 40 frames of scrolling the inner container, the outer one and the page, one of them per
  // frame, while every attribute change in Shirube's shadow root is recorded.
  const writes = await page.evaluate(async () => {
    const r = document.querySelector('shirube-root').shadowRoot;
    const seen = [];
    const mo = new MutationObserver((l) => l.forEach((m) => seen.push(`${m.target.className?.baseVal ?? m.target.className} ${m.attributeName}`)));
    mo.observe(r, { attributes: true, subtree: true });
    const frame = () => new Promise((ok) => requestAnimationFrame(ok));
    const inner = document.getElementById('inner');
    const outer = document.getElementById('outer');
    for (let k = 0; k < 40; k++) {
      const d = k % 2 ? -3 : 3;
      if (k % 3 === 0) inner.scrollTop += d; else if (k % 3 === 1) outer.scrollTop += d; else scrollBy(0, d);
      await frame();
    }
    await frame();
    mo.disconnect();
    return seen;
  });
  assert.deepEqual(writes, [], 'no attribute written while only scroll positions changed');
  // Still exactly in place after scrolling the inner container further.
  await page.evaluate(() => { document.getElementById('inner').scrollTop += 30; });
  assertPlaced(await settled(page, '#deep'));
  // Ending the tour gives the target back without a style attribute, as it was.
  await page.evaluate(() => window.sb.dismiss());
  await page.waitForFunction(() => !document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step]'));
  assert.equal(await page.evaluate(() => document.getElementById('deep').getAttribute('style')), null);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the page replaces the target\'s inline style mid-step: the card notices and stays in place, the page keeps its style', async () => {
  const page = await open('zindex');
  assertPlaced(await settled(page, '#high-z'));
  // As a framework replacing the whole inline style would (through the CSSOM: the fixture's
  // CSP blocks style attributes): Shirube's anchor name is gone, anchor() no longer resolves,
  // the layout sees the card away from its place and positions it by viewport coordinates.
  await page.evaluate(() => { document.getElementById('high-z').style.cssText = 'color: rgb(1, 2, 3)'; });
  assertPlaced(await settled(page, '#high-z'));
  assert.equal(await page.evaluate(() => document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step]').hasAttribute('data-anchored')), false);
  await page.evaluate(() => window.scrollBy(0, 9));
  assertPlaced(await settled(page, '#high-z'));
  await page.evaluate(() => window.sb.destroy());
  assert.equal(await page.evaluate(() => document.getElementById('high-z').getAttribute('style')), 'color: rgb(1, 2, 3);');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a target with an anchor name of the page keeps it while anchored and gets back its exact style', async () => {
  const page = await open('zindex', { query: '&ownanchor=1' });
  assertPlaced(await settled(page, '#high-z'));
  const during = await page.evaluate(() => getComputedStyle(document.getElementById('high-z')).anchorName);
  assert.equal(during, '--page-own, --shirube-1-0');
  await page.evaluate(() => window.sb.destroy());
  assert.equal(await page.evaluate(() => document.getElementById('high-z').getAttribute('style')), 'anchor-name: --page-own; outline: transparent solid 1px;');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('target inside a web component\'s open shadow root: found, placed exactly, followed while scrolling', async () => {
  const page = await open('shadow');
  const m = await settled(page, '#in-shadow');
  assert.equal(m.side, 'bottom');
  assertPlaced(m);
  // An anchor name would not resolve from the document's rule into another shadow tree: this
  // card is positioned by viewport coordinates, and the target is left untouched.
  const state = await page.evaluate(() => ({
    anchored: document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step]').hasAttribute('data-anchored'),
    style: document.getElementById('widget').shadowRoot.getElementById('in-shadow').getAttribute('style'),
  }));
  assert.deepEqual(state, { anchored: false, style: 'margin: 0px 0px 0px 160px;' });
  await page.evaluate(() => window.scrollBy(0, 11));
  assertPlaced(await settled(page, '#in-shadow'));
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('target inside an open modal <dialog>: shown above the dialog', async () => {
  const page = await open('dialog');
  const m = await settled(page, '#in-dialog');
  assertPlaced(m);
  assert.equal(await page.evaluate(() => document.querySelector('shirube-root').parentElement.id), 'dlg', 'the host moved into the dialog');
  await page.evaluate(() => document.getElementById('dlg').close());
  await page.waitForFunction(() => document.querySelector('shirube-root').parentElement === document.body);
  await page.close();
});

test('target rendered after 1.5 s: the step waits, then shows in place', async () => {
  const page = await open('late');
  const t0 = Date.now();
  const m = await settled(page, '#late');
  assert.ok(Date.now() - t0 >= 1200, 'shown only after the target rendered');
  assertPlaced(m);
  const names = await page.evaluate(() => window.__events.map((e) => e.name));
  assert.ok(!names.includes('target_missing'));
  await page.close();
});

test('target shown after 1.5 s by a change of its inline style only: the step waits, then shows in place', async () => {
  const page = await open('revealed');
  const t0 = Date.now();
  const m = await settled(page, '#revealed');
  const waited = Date.now() - t0;
  assert.ok(waited >= 1200 && waited < 3500, `shown after the style change, before the 4 s wait ran out (${waited} ms)`);
  assertPlaced(m);
  const names = await page.evaluate(() => window.__events.map((e) => e.name));
  assert.ok(!names.includes('target_missing'));
  await page.close();
});

test('target never rendered: target_missing with the wait, the tour ends, the page is untouched', async () => {
  const page = await open('never');
  await page.waitForFunction(() => window.__events.some((e) => e.name === 'flow_dismissed'), null, { timeout: 6000 });
  const ev = await page.evaluate(() => window.__events.find((e) => e.name === 'target_missing'));
  assert.equal(ev.props.selector, '#never');
  assert.ok(ev.props.waited_ms >= 1900 && ev.props.waited_ms <= 2600, `waited ${ev.props.waited_ms}`);
  assert.equal(ev.props.policy, 'wait');
  assert.equal(await page.evaluate(() => document.querySelector('shirube-root').shadowRoot.querySelectorAll('[role=dialog]').length), 0);
  assert.equal(await page.evaluate(() => [...document.body.children].some((c) => c.inert)), false, 'nothing left inert');
  await page.close();
});

test('target removed during its step: hidden, then the tour ends after the wait; back in time, it shows again', async () => {
  const page = await open('removed');
  assertPlaced(await settled(page, '#removable'));
  const parent = await page.evaluateHandle(() => document.getElementById('removable').parentElement);
  await page.evaluate(() => { window.__kept = document.getElementById('removable'); window.__kept.remove(); });
  await page.waitForFunction(() => !document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step]'));
  await page.waitForTimeout(500);
  await page.evaluate((p) => p.append(window.__kept), parent);
  assertPlaced(await settled(page, '#removable'));
  await page.evaluate(() => window.__kept.remove());
  await page.waitForFunction(() => window.__events.some((e) => e.name === 'flow_dismissed'), null, { timeout: 5000 });
  const missing = await page.evaluate(() => window.__events.filter((e) => e.name === 'target_missing').length);
  assert.equal(missing, 1);
  await page.close();
});

test('single-page navigation mid-tour, then a full reload: the tour continues where it was', async () => {
  const page = await open('multipage');
  assertPlaced(await settled(page, '#a'));
  await page.evaluate(() => window.__route('/fixtures/second' + location.search));
  const m = await settled(page, '#second');
  assert.equal(m.step, 'second');
  assertPlaced(m);
  await page.reload();
  await page.waitForFunction(() => window.sb);
  const r = await settled(page, '#second');
  assert.equal(r.step, 'second', 'resumed at the same step');
  assertPlaced(r);
  const started = await page.evaluate(() => window.__events.filter((e) => e.name === 'flow_started').length);
  assert.equal(started, 0, 'a resumed tour does not start again');
  await page.click('[data-shirube-action=next]');
  assertPlaced(await settled(page, '#b'));
  await page.close();
});

test('right-to-left page: start and end follow the reading direction', async () => {
  const page = await open('rtl', { query: '&rtl=1' });
  const m = await settled(page, '#b');
  assertPlaced(m);
  assert.ok(Math.abs(m.card.x + m.card.w - (m.target.x + m.target.w)) <= 1, 'bottom-start aligns right edges on an RTL page');
  assert.equal(await page.evaluate(() => document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step]').getAttribute('dir')), 'rtl');
  await page.close();
});

for (const [name, viewport, dsf] of [['phone', { width: 375, height: 667 }, 1], ['zoom', { width: 640, height: 400 }, 2]]) {
  test(`${name === 'phone' ? 'a 375×667 phone' : '200% zoom (a half-size CSS viewport at device scale 2)'}: flipped or shifted to fit, never off-screen`, async () => {
    const ctx = await browser.context.browser()?.newContext?.({ viewport, deviceScaleFactor: dsf });
    const b2 = ctx ? null : await launch({ viewport, deviceScaleFactor: dsf });
    const page = await open(name, { context: ctx || b2.context });
    const m = await settled(page, '#b');
    assertPlaced(m);
    await page.screenshot({ path: join(root, `docs/screenshots/tour-${name}.png`) });
    await page.close();
    await b2?.close();
  });
}

// The same layouts where the browser has no anchor positioning (tests/browser/layout-cases.mjs).
const layer = { open, problems: async (page) => page.problems, close: (page) => page.close(), sleep: (ms) => new Promise((ok) => setTimeout(ok, ms)) };
noAnchorCases('Chromium', layer);
tallCardCases('Chromium', layer);
panelCases('Chromium', layer);
rehearsalCases('Chromium', layer);
movingTargetCases('Chromium', layer);

test('a 375×667 phone: a long slideout and checklist fit, the slideout waits behind the open panel and sits above the checklist\'s launcher', async () => {
  const ctx = await browser.context.browser().newContext({ viewport: { width: 375, height: 667 } });
  const page = await open('panels', { context: ctx });
  const shadow = (sel) => page.waitForFunction((q) => document.querySelector('shirube-root').shadowRoot.querySelector(q), sel, { timeout: 3000 });
  await page.evaluate(() => window.sb.start('slide'));
  await shadow('[data-shirube-flow=slide]');
  await page.waitForTimeout(400);
  assert.deepEqual((await measurePanels(page)).slide, { inside: true, title: true, scrolls: true, cta: true, close: true });
  // The checklist opens over it (both span the screen's width); minimized, the slideout is back,
  // with the launcher below it, not on its buttons.
  await page.evaluate(() => window.sb.start('list'));
  await shadow('[data-shirube-checklist=list]');
  await page.waitForTimeout(400);
  const open2 = await measurePanels(page);
  assert.deepEqual(open2.panel, { inside: true, title: true, scrolls: true, description: true, close: true });
  // The slideout waits behind the open panel, out of sight and out of the Tab order.
  assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-flow=slide]')).visibility), 'hidden');
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => Boolean(document.querySelector('shirube-root').shadowRoot.activeElement?.closest('[data-shirube-flow=slide]'))), false, `Tab ${i + 1} stays out of the hidden slideout`);
  }
  await page.evaluate(() => document.querySelector('shirube-root').shadowRoot.querySelector('.launcher').click());
  await page.waitForFunction(() => !document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-checklist=list]'), null, { timeout: 3000 });
  await page.waitForTimeout(200);
  const closed = await measurePanels(page);
  assert.deepEqual(closed, { slide: { inside: true, title: true, scrolls: true, cta: true, close: true }, panel: null, launcher: true, apart: true });
  assert.deepEqual(page.problems, []);
  await page.close();
  await ctx.close();
});
test('a target the page shows only on wide screens (a media query): the step shows in the frames after the window is made wide enough', async () => {
  const ctx = await browser.context.browser().newContext({ viewport: { width: 1000, height: 800 } });
  const page = await open('mediaquery', { context: ctx });
  await page.waitForTimeout(600);
  assert.equal(await page.evaluate(() => document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step]')), null);
  // Frames from the resize event until the card is in Shirube's shadow root.
  const frames = framesUntil(page, '[data-shirube-step]', { event: 'resize' });
  await page.setViewportSize({ width: 1280, height: 800 });
  const n = await frames;
  assert.ok(n <= 8, `the card showed ${n} frames after the resize`);
  const m = await settled(page, '#wide-item');
  assert.equal(m.side, 'bottom');
  assertPlaced(m);
  assert.deepEqual(page.problems, []);
  await page.close();
  await ctx.close();
});
outOfSightCases('Chromium', layer);
renderedAgainCases('Chromium', layer);
zoomCases('Chromium', layer);
headerCases('Chromium', layer);
lateTargetCases('Chromium', layer);

test('without CSS anchor positioning: right to left', async () => {
  const page = await open('rtl', { query: '&rtl=1', anchors: false });
  const m = await settled(page, '#b');
  assertPlaced(m);
  assert.ok(Math.abs(m.card.x + m.card.w - (m.target.x + m.target.w)) <= 1, 'bottom-start aligns right edges on an RTL page');
  await page.close();
});

test('spec text with markup and scripts shows as text', async () => {
  const page = await open('xss');
  await settled(page, '#b');
  const r = await page.evaluate(() => {
    const card = document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step]');
    return {
      xss: window.__xss,
      title: card.querySelector('h2').textContent,
      tags: [...card.querySelectorAll('*')].map((e) => e.tagName.toLowerCase()),
      links: [...card.querySelectorAll('a')].map((a) => a.getAttribute('href')),
      body: card.querySelector('.body').textContent,
    };
  });
  assert.equal(r.xss, undefined);
  assert.equal(r.title, '<img src=x onerror="window.__xss=1">Title');
  assert.ok(!r.tags.includes('img') && !r.tags.includes('script'));
  assert.deepEqual(r.links, ['/ok'], 'only the safe link became a link');
  assert.ok(r.body.includes('<script>window.__xss=2</script>'));
  assert.deepEqual(page.problems, []);
  await page.close();
});
