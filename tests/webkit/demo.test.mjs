// The demo app's welcome tour in WebKit, as an end user takes it: real pointer clicks on the
// Next button, then on the app's own "New project" button (through the overlay's hole) and its
// dialog, since the step waits for the project_created event; each step placed next to its
// target. With SCREENSHOT=path the step pointing at "New project" is saved as a PNG
// (docs/screenshots/demo-tour-webkit.png).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, sleep } from './harness.mjs';
import { startServer } from '../browser/harness.mjs';
import { settledStep, assertPlaced } from '../browser/placement.mjs';

let server, wk, page;
before(async () => {
  // The demo app as `npm run demo` serves it without a collector (scripts/serve.mjs, strict CSP).
  server = await startServer();
  wk = await launch();
  page = wk.page;
});
after(async () => {
  await wk?.close();
  await server?.stop();
});

const stepShown = (id) => page.waitForFunction((s) => Boolean(document.querySelector('shirube-root')?.shadowRoot.querySelector(`[data-shirube-flow=welcome][data-shirube-step=${s}]`)), { timeout: 15000 }, id);

test('WebKit: the demo app\'s welcome tour, taken with real clicks', async () => {
  await page.goto(`${server.base}/app/dashboard?user=aiko-webkit-${Date.now()}`);
  await stepShown('intro');
  await page.clickInShirube('[data-shirube-action=next]');
  await stepShown('create');
  const m = await settledStep(page, '.toolbar [data-tour=new-project]', sleep);
  assert.equal(m.side, 'bottom');
  assertPlaced(m);
  assert.ok(Math.abs(m.card.x - m.target.x) <= 1, 'bottom-start aligns left edges');
  assert.equal(await page.evaluate(() => document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step]').hasAttribute('data-anchored')), true, 'anchored to the button');
  if (process.env.SCREENSHOT) await page.screenshot(process.env.SCREENSHOT);
  // The step advances on the app's project_created event: create a project through the app's
  // own button and dialog, clicked through the overlay's hole.
  await page.click('.toolbar [data-tour=new-project]');
  await page.waitForFunction(() => Boolean(document.querySelector('[data-testid=modal-ok]')));
  await page.click('[data-testid=modal-ok]');
  const next = await page.waitForFunction(() => {
    const s = document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-flow=welcome][data-shirube-step]');
    return s && s.dataset.shirubeStep !== 'create' && s.dataset.shirubeStep;
  }, { timeout: 10000 });
  assert.ok(['import', 'reports'].includes(next), `moved on to ${next}`);
  const r = await settledStep(page, next === 'import' ? '[data-tour=import]' : '[data-tour=nav-reports]', sleep);
  assertPlaced(r);
  const names = await page.evaluate(() => (window.__shirubeEvents || []).map((e) => e.name));
  for (const n of ['flow_started', 'step_viewed', 'step_completed']) assert.ok(names.includes(n), `${n} in ${names.join(' ')}`);
  assert.deepEqual(await page.evaluate(() => window.__shirubeErrors || []), []);
});
