// The tour layout matrix of tests/browser/tours.test.mjs again in WebKit, Safari's engine
// (WebKitGTK; see harness.mjs), with the same placement checks (tests/browser/placement.mjs):
// after scrolling settles the tooltip sits within 1 px of its place next to the target, its
// arrow points at the target, nothing is off-screen. WebKit has its own layout, its own anchor
// positioning (new in Safari 26) and its own top layer, so passing elsewhere proves nothing here.
// The cases shared with Firefox are in tests/browser/layout-cases.mjs; here are WebKit's own:
// routing without the Navigation API, the phone and zoom (MiniBrowser's way), and the layouts
// with anchor positioning hidden as in Safari 17/18.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, startServer, sleep } from './harness.mjs';
import { settledStep, assertPlaced } from '../browser/placement.mjs';
import { layoutCases, noAnchorCases, lateTargetCases } from '../browser/layout-cases.mjs';

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

const layer = { open, problems: (p) => p.problems(), close: async () => {}, sleep, frameSampled: true };
layoutCases('WebKit', layer);
lateTargetCases('WebKit', layer);

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

// Safari 17 and 18 have the popover top layer but no CSS anchor positioning: the same layouts
// with anchoring hidden (tests/browser/no-anchors.js, put first in the page by the server).
noAnchorCases('WebKit (as Safari 17/18)', { open, problems: (p) => p.problems(), close: async () => {}, sleep });
