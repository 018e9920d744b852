// The tour layout matrix of tests/browser/tours.test.mjs again in Firefox (issue 4: targets in
// scroll containers, under sticky headers, in transformed ancestors, dialogs and shadow roots,
// late, never rendered or removed targets, right-to-left, a phone, 200% zoom), with the same
// placement checks (tests/browser/placement.mjs): after scrolling settles the tooltip sits
// within 1 px of its place next to the target, its arrow points at the target, nothing is
// off-screen. Firefox has its own layout engine, its own anchor positioning and its own top
// layer, so passing in Chromium proves nothing here. The cases shared with WebKit are in
// tests/browser/layout-cases.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, startServer, watchProblems, sleep } from './harness.mjs';
import { settledStep, assertPlaced } from '../browser/placement.mjs';
import { layoutCases, lateTargetCases } from '../browser/layout-cases.mjs';
import { readFileSync } from 'node:fs';

// A browser without CSS anchor positioning (tests/browser/no-anchors.js), for `anchors: false`.
const NO_ANCHORS = readFileSync(new URL('../browser/no-anchors.js', import.meta.url), 'utf8');

let server, ff;
before(async () => {
  server = await startServer();
  ff = await launch();
});
after(async () => {
  await ff?.close();
  await server?.stop();
});

async function open(name, { query = '', viewport = null, anchors = true } = {}) {
  const page = await ff.browser.newPage();
  if (viewport) await page.setViewport(viewport);
  if (!anchors) await page.evaluateOnNewDocument(NO_ANCHORS);
  const problems = watchProblems(page);
  // A user per test: flows show once per user, and tests must not see each other's progress.
  await page.goto(`${server.base}/fixtures/layout.html?case=${name}&user=${name}-${Date.now()}${query}`);
  await page.waitForFunction(() => window.sb);
  page.problems = problems;
  return page;
}

const layer = { open, problems: async (page) => page.problems, close: (page) => page.close(), sleep };
layoutCases('Firefox', layer);
lateTargetCases('Firefox', layer);

// Puppeteer sets Firefox's viewport and device scale directly.
for (const [name, viewport] of [['phone', { width: 375, height: 667 }], ['zoom', { width: 640, height: 400, deviceScaleFactor: 2 }]]) {
  test(`Firefox: ${name === 'phone' ? 'a 375×667 phone' : '200% zoom (a half-size CSS viewport at device scale 2)'}: flipped or shifted to fit, never off-screen`, async () => {
    const page = await open(name, { viewport });
    const m = await settledStep(page, '#b', sleep);
    assert.equal(m.vw <= viewport.width, true, `a ${viewport.width} px wide viewport (got ${m.vw})`);
    assertPlaced(m);
    assert.deepEqual(page.problems, []);
    await page.close();
  });
}
