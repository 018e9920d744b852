// The tour layout matrix of tests/browser/tours.test.mjs again in Firefox (issue 4: targets in
// scroll containers, under sticky headers, in transformed ancestors, dialogs and shadow roots,
// late targets, right-to-left, a phone, 200% zoom), with the same placement checks
// (tests/browser/placement.mjs): after scrolling settles the tooltip sits within 1 px of its
// place next to the target, its arrow points at the target, nothing is off-screen. Firefox
// has its own layout engine, its own anchor positioning and its own top layer, so passing in
// Chromium proves nothing here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, startServer, watchProblems, sleep } from './harness.mjs';
import { settledStep, assertPlaced, assertEveryFramePlaced } from '../browser/placement.mjs';

let server, ff;
before(async () => {
  server = await startServer();
  ff = await launch();
});
after(async () => {
  await ff?.close();
  await server?.stop();
});

async function open(name, { query = '', viewport = null } = {}) {
  const page = await ff.browser.newPage();
  if (viewport) await page.setViewport(viewport);
  const problems = watchProblems(page);
  // A user per test: flows show once per user, and tests must not see each other's progress.
  await page.goto(`${server.base}/fixtures/layout.html?case=${name}&user=${name}-${Date.now()}${query}`);
  await page.waitForFunction(() => window.sb);
  page.problems = problems;
  return page;
}

const settled = (page, target) => settledStep(page, target, sleep);

test('Firefox: nested scroll containers, placed on the right and followed when a container scrolls', async () => {
  const page = await open('nested');
  const m = await settled(page, '#deep');
  assert.equal(m.side, 'right');
  assertPlaced(m);
  const inside = await page.evaluate(() => ['outer', 'inner'].every((id) => {
    const t = document.getElementById('deep').getBoundingClientRect();
    const c = document.getElementById(id).getBoundingClientRect();
    return t.top >= c.top - 1 && t.bottom <= c.bottom + 1;
  }));
  assert.ok(inside, 'visible inside both scroll containers');
  await page.evaluate(() => { document.getElementById('inner').scrollTop += 40; });
  assertPlaced(await settled(page, '#deep'));
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('Firefox: scrolling with a step shown writes nothing (anchored to the target)', async () => {
  const page = await open('nested');
  assertPlaced(await settled(page, '#deep'));
  const anchored = await page.evaluate(() => CSS.supports('anchor-name: --x') && document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step]').hasAttribute('data-anchored'));
  assert.ok(anchored, 'Firefox has anchor positioning and the card uses it');
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
  assertPlaced(await settled(page, '#deep'));
  await page.close();
});

for (const [name, sel, side] of [['sticky', '#below', null], ['transformed', '#in-transform', 'bottom'], ['zindex', '#high-z', 'bottom']]) {
  test(`Firefox: ${name === 'zindex' ? 'z-index 999999' : name === 'sticky' ? 'sticky header' : 'transformed ancestor'}: placed exactly, on top`, async () => {
    const page = await open(name);
    const m = await settled(page, sel);
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
      assertPlaced(await settled(page, sel));
    }
    assert.deepEqual(page.problems, []);
    await page.close();
  });
}

test('Firefox: target inside a web component\'s open shadow root, followed while scrolling', async () => {
  const page = await open('shadow');
  const m = await settled(page, '#in-shadow');
  assert.equal(m.side, 'bottom');
  assertPlaced(m);
  await page.evaluate(() => window.scrollBy(0, 11));
  assertPlaced(await settled(page, '#in-shadow'));
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('Firefox: target inside an open modal <dialog>: shown above the dialog', async () => {
  const page = await open('dialog');
  assertPlaced(await settled(page, '#in-dialog'));
  assert.equal(await page.evaluate(() => document.querySelector('shirube-root').parentElement.id), 'dlg', 'the host moved into the dialog');
  await page.evaluate(() => document.getElementById('dlg').close());
  await page.waitForFunction(() => document.querySelector('shirube-root').parentElement === document.body);
  await page.close();
});

test('Firefox: target rendered after 1.5 s: the step waits, then shows in place', async () => {
  const page = await open('late');
  const t0 = Date.now();
  const m = await settled(page, '#late');
  assert.ok(Date.now() - t0 >= 1200, 'shown only after the target rendered');
  assertPlaced(m);
  assert.ok(!(await page.evaluate(() => window.__events.map((e) => e.name))).includes('target_missing'));
  await page.close();
});

test('Firefox: right-to-left page: start and end follow the reading direction', async () => {
  const page = await open('rtl', { query: '&rtl=1' });
  const m = await settled(page, '#b');
  assertPlaced(m);
  assert.ok(Math.abs(m.card.x + m.card.w - (m.target.x + m.target.w)) <= 1, 'bottom-start aligns right edges on an RTL page');
  await page.close();
});

for (const [name, viewport] of [['phone', { width: 375, height: 667 }], ['zoom', { width: 640, height: 400, deviceScaleFactor: 2 }]]) {
  test(`Firefox: ${name === 'phone' ? 'a 375×667 phone' : '200% zoom (a half-size CSS viewport at device scale 2)'}: flipped or shifted to fit, never off-screen`, async () => {
    const page = await open(name, { viewport });
    const m = await settled(page, '#b');
    assert.equal(m.vw <= viewport.width, true, `a ${viewport.width} px wide viewport (got ${m.vw})`);
    assertPlaced(m);
    await page.close();
  });
}

test('Firefox: keyboard: focus moves into the step once it shows, Esc dismisses', async () => {
  const page = await open('nested');
  assertPlaced(await settled(page, '#deep'));
  // The step was hidden while its target scrolled into view, and Firefox does not focus hidden
  // elements: focus moves in when it shows.
  await page.waitForFunction(() => {
    const r = document.querySelector('shirube-root');
    return r.shadowRoot.activeElement && r.shadowRoot.activeElement.closest('[data-shirube-step]');
  }, { timeout: 3000 });
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step]'));
  const names = await page.evaluate(() => window.__events.map((e) => e.name));
  assert.ok(names.includes('flow_dismissed'), names.join(' '));
  assert.deepEqual(page.problems, []);
  await page.close();
});
