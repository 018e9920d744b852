// What a host page can count on, in WebKit too (the Chromium versions are in
// tests/browser/integrity.test.mjs, the Firefox ones in tests/firefox/): every widget passes
// axe-core; focus moves in and back, Tab is trapped, arrows move, Esc closes, steps are
// announced; no CSP violation under the strict policy; destroy() leaves the page exactly as
// before init. WebKit's focus rules differ from the others' (a click does not focus a button,
// and Tab skips links unless the user asks), which is why this runs here at all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, startServer, sleep } from './harness.mjs';

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

async function open() {
  // resources.js counts listeners, observers and timers (for destroy()); watch.js records
  // errors and CSP violations (harness.mjs).
  await page.goto(`${server.base}/fixtures/lifecycle.html?inject=resources.js`);
  await page.waitForFunction(() => typeof window.__start === 'function');
}

/** Waits for `sel` inside the (first) host's shadow root. */
const shown = (sel) => page.waitForFunction((s) => Boolean(document.querySelector('shirube-root')?.shadowRoot.querySelector(s)), {}, sel);
const gone = (sel) => page.waitForFunction((s) => !document.querySelector('shirube-root')?.shadowRoot.querySelector(s), {}, sel);
const click = (sel) => page.evaluate((s) => document.querySelector('shirube-root').shadowRoot.querySelector(s).click(), sel);

async function axe() {
  await page.evaluate(() => Boolean(window.axe) || new Promise((ok, fail) => {
    const s = document.createElement('script');
    s.src = '/node_modules/axe-core/axe.min.js';
    s.onload = () => ok(true);
    s.onerror = () => fail(new Error('axe-core did not load'));
    document.head.append(s);
  }));
  await page.evaluate(() => Promise.all(document.querySelector('shirube-root').shadowRoot.getAnimations()
    .filter((a) => a.effect && a.effect.getTiming().iterations !== Infinity).map((a) => a.finished)).then(() => true));
  return page.evaluate(async () => {
    const res = await window.axe.run(document, { resultTypes: ['violations'] });
    return res.violations
      .map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.filter((n) => Array.isArray(n.target[0]) && String(n.target[0][0]).includes('shirube-root')).map((n) => n.target.flat().join(' ')) }))
      .filter((v) => v.nodes.length);
  });
}

test('WebKit: every widget passes axe-core, with no CSP violation', async () => {
  await open();
  await page.evaluate(() => window.__start('everything'));
  const sb = 'window.__instances[0].sb';
  const check = async (what) => assert.deepEqual(await axe(), [], `axe violations with ${what}`);
  await page.evaluate(`${sb}.start('tour')`);
  await shown('[data-shirube-step=s1]');
  await check('a tour step with its overlay');
  await page.evaluate(`${sb}.next()`);
  await shown('[data-shirube-step=s2]');
  await check('a centred step');
  await page.evaluate(`(${sb}.dismiss(), ${sb}.start('hint'))`);
  await shown('[data-shirube-beacon=hint]');
  await click('[data-shirube-beacon=hint]');
  await shown('[data-shirube-flow=hint][role=dialog]');
  await check('a hint beacon and its open tooltip');
  await page.evaluate(`(${sb}.start('list'), ${sb}.start('banner'), ${sb}.start('slide'))`);
  await shown('[data-shirube-checklist=list]');
  await check('a checklist panel, a banner and a slideout');
  await page.evaluate(`${sb}.start('modal')`);
  await shown('[data-shirube-flow=modal]');
  await check('a modal announcement');
  await page.evaluate(`(${sb}.dismiss(), ${sb}.start('nps'))`);
  await shown('[data-shirube-score="9"]');
  await click('[data-shirube-score="9"]');
  await shown('textarea');
  await check('an NPS survey with its comment box');
  // watch.js counts securitypolicyviolation events with the errors.
  assert.deepEqual(await page.problems(), [], 'no errors and no CSP violations under the strict policy');
});

test('WebKit: keyboard and screen readers: focus moves in and back, Tab is trapped, arrows move, Esc closes, steps are announced', async () => {
  await open();
  await page.focus('#host-button');
  await page.evaluate(async () => { const i = await window.__start('tour'); window.__instances[i].sb.start('tour'); });
  await shown('[data-shirube-step=s1]');
  const focused = () => page.evaluate(() => {
    const r = document.querySelector('shirube-root');
    const a = r && r.shadowRoot.activeElement;
    return a ? (a.getAttribute('data-shirube-action') || a.className) : document.activeElement.id;
  });
  await page.waitForFunction(() => Boolean(document.querySelector('shirube-root').shadowRoot.activeElement), { timeout: 3000 });
  assert.equal(await focused(), 'next', 'focus moved to the primary button');
  assert.equal(await page.evaluate(() => [...document.body.children].filter((c) => c.tagName !== 'SHIRUBE-ROOT').every((c) => c.inert)), true, 'the page behind the step is inert');
  const seen = new Set();
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('Tab');
    seen.add(await focused());
  }
  assert.deepEqual([...seen].sort(), ['dismiss', 'next'], 'Tab stays inside the step');
  await page.keyboard.down('Shift');
  await page.keyboard.press('Tab');
  await page.keyboard.up('Shift');
  assert.ok(['dismiss', 'next'].includes(await focused()));
  const live = () => page.evaluate(() => document.querySelector('shirube-root').shadowRoot.querySelector('[aria-live]').textContent);
  assert.equal(await live(), 'Step 1 of 2: First step');
  await page.keyboard.press('ArrowRight');
  await shown('[data-shirube-step=s2]');
  assert.equal(await live(), 'Step 2 of 2: Second step');
  await page.keyboard.press('ArrowLeft');
  await shown('[data-shirube-step=s1]');
  await page.keyboard.press('Escape');
  await gone('[role=dialog]');
  assert.equal(await focused(), 'host-button', 'focus returned where it was');
  assert.equal(await page.evaluate(() => [...document.body.children].some((c) => c.inert)), false, 'nothing left inert');
  const via = await page.evaluate(() => window.__instances[0].events.find((e) => e.name === 'flow_dismissed').properties.via);
  assert.equal(via, 'escape');
  assert.deepEqual(await page.problems(), []);
});

test('WebKit: destroy() leaves the page exactly as it was before init', async () => {
  await open();
  await sleep(200);
  const beforeInit = await page.evaluate(() => ({ html: document.documentElement.outerHTML, res: window.__resources() }));
  await page.evaluate(() => window.__start('everything'));
  await page.evaluate(() => { const sb = window.__instances[0].sb; sb.start('tour'); sb.start('hint'); sb.start('list'); sb.start('banner'); });
  await shown('[data-shirube-step=s1]');
  await page.evaluate(() => window.scrollBy(0, 50));
  await sleep(300);
  const during = await page.evaluate(() => window.__resources());
  assert.ok(during.listeners > beforeInit.res.listeners && during.mutation > beforeInit.res.mutation, 'Shirube had listeners and observers while running');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.evaluate(() => window.__instances[0].sb.destroy());
  await sleep(100);
  const afterDestroy = await page.evaluate(() => ({ html: document.documentElement.outerHTML, res: window.__resources() }));
  assert.deepEqual(afterDestroy.res, beforeInit.res, 'every listener, observer, timer and frame released');
  assert.equal(afterDestroy.html, beforeInit.html, 'the DOM is byte-for-byte as before');
  assert.deepEqual(await page.problems(), []);
});
