// What a host page can count on, the same in Firefox (tests/firefox/) and WebKit
// (tests/webkit/); the Chromium versions are in tests/browser/integrity.test.mjs: every widget
// passes axe-core; focus moves in and back, Tab is trapped, arrows move, Esc closes, steps are
// announced; no CSP violation under the strict policy; destroy() leaves the page exactly as
// before init. Each engine has its own focus rules (WebKit: a click does not focus a button,
// Tab skips links unless the user asks), which is why this runs in each.
import { test } from 'node:test';
import assert from 'node:assert/strict';

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/** Waits for `sel` inside the (first) host's shadow root. */
const shown = (page, sel) => page.waitForFunction((s) => Boolean(document.querySelector('shirube-root')?.shadowRoot.querySelector(s)), {}, sel);
const gone = (page, sel) => page.waitForFunction((s) => !document.querySelector('shirube-root')?.shadowRoot.querySelector(s), {}, sel);
const click = (page, sel) => page.evaluate((s) => document.querySelector('shirube-root').shadowRoot.querySelector(s).click(), sel);

async function axe(page) {
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

/**
 * Registers the cases, named `${label}: …`. `layer.open()` gives a new tab on
 * /fixtures/lifecycle.html with tests/browser/resources.js run before the page's scripts;
 * `layer.problems(page)` lists its errors and CSP violations so far.
 */
export function integrityCases(label, layer) {
  test(`${label}: every widget passes axe-core, with no CSP violation`, async () => {
    const page = await layer.open();
    await page.evaluate(() => window.__start('everything'));
    const sb = 'window.__instances[0].sb';
    const check = async (what) => assert.deepEqual(await axe(page), [], `axe violations with ${what}`);
    await page.evaluate(`${sb}.start('tour')`);
    await shown(page, '[data-shirube-step=s1]');
    await check('a tour step with its overlay');
    await page.evaluate(`${sb}.next()`);
    await shown(page, '[data-shirube-step=s2]');
    await check('a centred step');
    await page.evaluate(`(${sb}.dismiss(), ${sb}.start('hint'))`);
    await shown(page, '[data-shirube-beacon=hint]');
    await click(page, '[data-shirube-beacon=hint]');
    await shown(page, '[data-shirube-flow=hint][role=dialog]');
    await check('a hint beacon and its open tooltip');
    await page.evaluate(`(${sb}.start('list'), ${sb}.start('banner'), ${sb}.start('slide'))`);
    await shown(page, '[data-shirube-checklist=list]');
    await check('a checklist panel, a banner and a slideout');
    await page.evaluate(`${sb}.start('modal')`);
    await shown(page, '[data-shirube-flow=modal]');
    await check('a modal announcement');
    await page.evaluate(`(${sb}.dismiss(), ${sb}.start('nps'))`);
    await shown(page, '[data-shirube-score="9"]');
    await click(page, '[data-shirube-score="9"]');
    await shown(page, 'textarea');
    await check('an NPS survey with its comment box');
    assert.deepEqual(await layer.problems(page), [], 'no errors and no CSP violations under the strict policy');
    await page.close();
  });

  test(`${label}: keyboard and screen readers: focus moves in and back, Tab is trapped, arrows move, Esc closes, steps are announced`, async () => {
    const page = await layer.open();
    await page.focus('#host-button');
    await page.evaluate(async () => { const i = await window.__start('tour'); window.__instances[i].sb.start('tour'); });
    await shown(page, '[data-shirube-step=s1]');
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
    await shown(page, '[data-shirube-step=s2]');
    assert.equal(await live(), 'Step 2 of 2: Second step');
    await page.keyboard.press('ArrowLeft');
    await shown(page, '[data-shirube-step=s1]');
    await page.keyboard.press('Escape');
    await gone(page, '[role=dialog]');
    assert.equal(await focused(), 'host-button', 'focus returned where it was');
    assert.equal(await page.evaluate(() => [...document.body.children].some((c) => c.inert)), false, 'nothing left inert');
    const via = await page.evaluate(() => window.__instances[0].events.find((e) => e.name === 'flow_dismissed').properties.via);
    assert.equal(via, 'escape');
    assert.deepEqual(await layer.problems(page), []);
    await page.close();
  });

  test(`${label}: destroy() leaves the page exactly as it was before init`, async () => {
    const page = await layer.open();
    await sleep(200);
    const beforeInit = await page.evaluate(() => ({ html: document.documentElement.outerHTML, res: window.__resources() }));
    await page.evaluate(() => window.__start('everything'));
    await page.evaluate(() => { const sb = window.__instances[0].sb; sb.start('tour'); sb.start('hint'); sb.start('list'); sb.start('banner'); });
    await shown(page, '[data-shirube-step=s1]');
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
    assert.deepEqual(await layer.problems(page), []);
    await page.close();
  });
}
