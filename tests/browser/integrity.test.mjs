// What a host page can count on (issue 4): every widget passes axe-core; keyboard and screen
// reader behaviour; a strict CSP; a wasm that cannot load leaves the page working and says why;
// destroy() leaves the page exactly as before init (nodes, listeners, observers, timers); two
// instances on one page do not interfere.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, startServer, watchProblems, root } from './harness.mjs';

const RESOURCES = readFileSync(join(root, 'tests/browser/resources.js'), 'utf8');
let server, browser;
before(async () => {
  server = await startServer();
  browser = await launch();
  await browser.context.addInitScript(RESOURCES);
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function open(base = server.base, ctx = browser.context) {
  const page = await ctx.newPage();
  page.problems = watchProblems(page);
  const csp = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) csp.push(m.text()); });
  page.csp = csp;
  await page.goto(`${base}/fixtures/lifecycle.html`);
  await page.waitForFunction(() => typeof window.__start === 'function');
  return page;
}

const shadow = (page, sel) => page.locator(`shirube-root ${sel}`);

async function axe(page) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.addScriptTag({ url: '/node_modules/axe-core/axe.min.js' });
  // Measure colours after entrance animations (a slideout fades in); the beacon's pulse is endless.
  await page.evaluate(() => Promise.all(document.querySelector('shirube-root').shadowRoot.getAnimations()
    .filter((a) => a.effect && a.effect.getTiming().iterations !== Infinity).map((a) => a.finished)));
  const r = await page.evaluate(async () => {
    const res = await window.axe.run(document, { resultTypes: ['violations'] });
    // Only what is inside Shirube's host: the fixture page is not under test.
    return res.violations
      .map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.filter((n) => Array.isArray(n.target[0]) && String(n.target[0][0]).includes('shirube-root')).map((n) => n.target.flat().join(' ')) }))
      .filter((v) => v.nodes.length);
  });
  return r;
}

test('every widget passes axe-core', async () => {
  const page = await open();
  await page.evaluate(() => window.__start('everything'));
  const sb = 'window.__instances[0].sb';
  const check = async (what) => assert.deepEqual(await axe(page), [], `axe violations with ${what}`);
  await page.evaluate(`${sb}.start('tour')`);
  await shadow(page, '[data-shirube-step=s1]').waitFor();
  await check('a tour step with its overlay');
  await page.evaluate(`${sb}.next()`);
  await shadow(page, '[data-shirube-step=s2]').waitFor();
  await check('a centred step');
  await page.evaluate(`${sb}.dismiss()`);
  await page.evaluate(`${sb}.start('hint')`);
  await shadow(page, '[data-shirube-beacon=hint]').click();
  await shadow(page, '[data-shirube-flow=hint][role=dialog]').waitFor();
  await check('a hint beacon and its open tooltip');
  await page.evaluate(`${sb}.start('list'); ${sb}.start('banner'); ${sb}.start('slide')`);
  await shadow(page, '[data-shirube-checklist=list]').waitFor();
  await check('a checklist panel, a banner and a slideout');
  await page.evaluate(`${sb}.start('modal')`);
  await shadow(page, '[data-shirube-flow=modal]').waitFor();
  await check('a modal announcement');
  await page.evaluate(`${sb}.dismiss(); ${sb}.start('nps')`);
  await shadow(page, '[data-shirube-score="9"]').click();
  await shadow(page, 'textarea').waitFor();
  await check('an NPS survey with its comment box');
  assert.deepEqual(page.problems, []);
  assert.deepEqual(page.csp, [], 'no CSP violations under the strict policy');
  await page.close();
});

test('keyboard and screen readers: focus moves in and back, Tab is trapped, arrows move, Esc closes, steps are announced', async () => {
  const page = await open();
  await page.focus('#host-button');
  await page.evaluate(async () => { const i = await window.__start('tour'); window.__instances[i].sb.start('tour'); });
  await shadow(page, '[data-shirube-step=s1]').waitFor();
  const focused = () => page.evaluate(() => {
    const r = document.querySelector('shirube-root');
    const a = r && r.shadowRoot.activeElement;
    return a ? (a.getAttribute('data-shirube-action') || a.className) : document.activeElement.id;
  });
  assert.equal(await focused(), 'next', 'focus moved to the primary button');
  assert.equal(await page.evaluate(() => [...document.body.children].filter((c) => c.tagName !== 'SHIRUBE-ROOT').every((c) => c.inert)), true, 'the page behind the step is inert');
  const seen = new Set();
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('Tab');
    seen.add(await focused());
  }
  assert.deepEqual([...seen].sort(), ['dismiss', 'next'], 'Tab stays inside the step');
  await page.keyboard.press('Shift+Tab');
  assert.ok(['dismiss', 'next'].includes(await focused()));
  const live = () => page.evaluate(() => document.querySelector('shirube-root').shadowRoot.querySelector('[aria-live]').textContent);
  assert.equal(await live(), 'Step 1 of 2: First step');
  await page.keyboard.press('ArrowRight');
  await shadow(page, '[data-shirube-step=s2]').waitFor();
  assert.equal(await live(), 'Step 2 of 2: Second step');
  await page.keyboard.press('ArrowLeft');
  await shadow(page, '[data-shirube-step=s1]').waitFor();
  const dialog = await page.evaluate(() => {
    const d = document.querySelector('shirube-root').shadowRoot.querySelector('[role=dialog]');
    const label = d.shadowRoot ? null : d.getRootNode().getElementById(d.getAttribute('aria-labelledby'));
    return { modal: d.getAttribute('aria-modal'), label: label && label.textContent, described: Boolean(d.getAttribute('aria-describedby')) };
  });
  assert.deepEqual(dialog, { modal: 'true', label: 'First step', described: true });
  await page.keyboard.press('Escape');
  await shadow(page, '[role=dialog]').waitFor({ state: 'detached' });
  assert.equal(await focused(), 'host-button', 'focus returned where it was');
  assert.equal(await page.evaluate(() => [...document.body.children].some((c) => c.inert)), false, 'nothing left inert');
  const via = await page.evaluate(() => window.__instances[0].events.find((e) => e.name === 'flow_dismissed').properties.via);
  assert.equal(via, 'escape');
  await page.close();
});

test('Japanese built-in strings', async () => {
  const page = await open();
  await page.evaluate(async () => { const i = await window.__start('tour', { locale: 'ja' }); window.__instances[i].sb.start('tour'); });
  await shadow(page, '[data-shirube-step=s1]').waitFor();
  const t = await page.evaluate(() => {
    const c = document.querySelector('shirube-root').shadowRoot.querySelector('[role=dialog]');
    return { title: c.querySelector('h2').textContent, next: c.querySelector('[data-shirube-action=next]').textContent, progress: c.querySelector('.progress').textContent, close: c.querySelector('[data-shirube-action=dismiss]').getAttribute('aria-label') };
  });
  assert.deepEqual(t, { title: '最初のステップ', next: '次へ', progress: '1 / 2', close: '閉じる' });
  await page.close();
});

test('destroy() leaves the page exactly as it was before init', async () => {
  const page = await open();
  await page.waitForTimeout(200);
  const before = await page.evaluate(() => ({ html: document.documentElement.outerHTML, res: window.__resources() }));
  await page.evaluate(() => window.__start('everything'));
  await page.evaluate(() => { const sb = window.__instances[0].sb; sb.start('tour'); sb.start('hint'); sb.start('list'); sb.start('banner'); });
  await shadow(page, '[data-shirube-step=s1]').waitFor();
  await page.evaluate(() => window.scrollBy(0, 50));
  await page.waitForTimeout(300);
  const during = await page.evaluate(() => window.__resources());
  assert.ok(during.listeners > before.res.listeners && during.mutation > before.res.mutation, 'Shirube had listeners and observers while running');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.evaluate(() => window.__instances[0].sb.destroy());
  await page.waitForTimeout(100);
  const afterDestroy = await page.evaluate(() => ({ html: document.documentElement.outerHTML, res: window.__resources() }));
  assert.deepEqual(afterDestroy.res, before.res, 'every listener, observer, timer and frame released');
  assert.equal(afterDestroy.html, before.html, 'the DOM is byte-for-byte as before');
  // Methods of a destroyed instance do nothing and throw nothing.
  await page.evaluate(() => { const sb = window.__instances[0].sb; sb.track('x'); sb.start('tour'); sb.next(); sb.destroy(); });
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('track() in the same task as init meets a loaded engine: its event trigger starts the flow', async () => {
  const page = await open();
  const started = await page.evaluate(async () => {
    const i = await window.__start('eventTrigger');
    window.__instances[i].sb.track('clicked');
    const { events } = window.__instances[i];
    return events.filter((e) => e.name === 'flow_started').map((e) => e.flow_id);
  });
  assert.deepEqual(started, ['news']);
  await shadow(page, '[data-shirube-flow=news]').waitFor();
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('debug mode: the overlay explains every flow, names selectors that match nothing, folds, follows changes, and loads only in debug mode', async () => {
  const page = await open();
  const fetched = [];
  page.on('request', (r) => { if (r.url().includes('/js/debug.js')) fetched.push(r.url()); });
  // Without debug mode the overlay's module is never fetched.
  await page.evaluate(() => window.__start('debugged'));
  await shadow(page, '[data-shirube-beacon]').first().waitFor();
  await page.waitForTimeout(200);
  assert.deepEqual(fetched, []);
  assert.equal(await shadow(page, '[data-shirube-debug]').count(), 0);
  await page.evaluate(() => window.__instances[0].sb.destroy());

  await page.evaluate(() => window.__start('debugged', { debug: true }));
  const row = (id) => shadow(page, `[data-shirube-debug] li[data-flow=${id}]`);
  await row('later').waitFor();
  const rows = async () => page.evaluate(() => Object.fromEntries([...document.querySelector('shirube-root').shadowRoot.querySelectorAll('[data-shirube-debug] li')]
    .map((li) => [li.dataset.flow, { cls: li.className, text: [...li.children].map((c) => c.textContent) }])));
  let r = await rows();
  assert.equal(r['hint-here'].cls, 'on');
  assert.deepEqual(r['hint-here'].text, ['hint-here (hint)', 'showing']);
  assert.equal(r['hint-gone'].cls, 'wait');
  assert.equal(r['hint-gone'].text.at(-1), 'target: nothing on this page matches `#gone` or `.gone`');
  assert.equal(r.later.cls, 'wait');
  assert.match(r.later.text[1], /waiting for the event `go`/);
  const who = () => shadow(page, '[data-shirube-debug] .debug-who').first().textContent();
  assert.equal(await who(), 'page /fixtures/lifecycle.html · language en · stage none · milestones: none · spec life-debug (r7)');
  // It follows changes: a milestone, and a flow that starts on an event.
  await page.evaluate(() => { const { sb } = window.__instances[1]; sb.track('done'); sb.track('go'); });
  await page.waitForFunction(() => document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-debug] li[data-flow=later]').className === 'on');
  assert.match(await who(), /milestones: m ·/);
  // Hide folds the panel, and it stays folded through later redraws; Show opens it again.
  await shadow(page, '[data-shirube-debug-toggle]').click();
  assert.equal(await row('later').count(), 0);
  assert.equal(await shadow(page, '[data-shirube-debug-toggle]').getAttribute('aria-expanded'), 'false');
  await page.evaluate(() => window.__instances[1].sb.track('again'));
  await page.waitForTimeout(100);
  assert.equal(await row('later').count(), 0);
  await shadow(page, '[data-shirube-debug-toggle]').click();
  await row('later').waitFor();
  assert.equal(await shadow(page, '[data-shirube-debug-toggle]').textContent(), 'Hide');
  assert.equal(fetched.length, 1, 'the module is fetched once');
  await page.evaluate(() => window.__instances[1].sb.destroy());
  assert.equal(await page.evaluate(() => document.querySelectorAll('shirube-root').length), 0);
  assert.deepEqual(page.csp, []);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('two instances on one page do not interfere', async () => {
  const page = await open();
  await page.evaluate(async () => { await window.__start('tour'); await window.__start('other'); });
  await page.evaluate(() => { window.__instances[0].sb.start('tour'); window.__instances[1].sb.start('other-tour'); });
  const hosts = () => page.evaluate(() => document.querySelectorAll('shirube-root').length);
  await page.waitForFunction(() => document.querySelectorAll('shirube-root').length === 2);
  assert.equal(await hosts(), 2);
  const flows = await page.evaluate(() => [...document.querySelectorAll('shirube-root')].map((r) => [...r.shadowRoot.querySelectorAll('[data-shirube-flow]')].map((e) => e.dataset.shirubeFlow)));
  assert.deepEqual(flows.flat().sort(), ['other-tour', 'tour']);
  await page.evaluate(() => window.__instances[0].sb.destroy());
  assert.equal(await hosts(), 1);
  await page.evaluate(() => window.__instances[1].sb.track('still-alive'));
  const ev = await page.evaluate(() => [window.__instances[0].events.some((e) => e.event === 'still-alive'), window.__instances[1].events.some((e) => e.event === 'still-alive')]);
  assert.deepEqual(ev, [false, true]);
  assert.equal(await page.evaluate(() => window.__instances[1].sb.state().activeFlow), 'other-tour');
  await page.close();
});

test('without wasm-unsafe-eval the wasm cannot load: the page keeps working and an error event says why', async () => {
  const strict = await startServer({ policy: "default-src 'self'; script-src 'self'; style-src 'self'" });
  const page = await open(strict.base);
  const r = await page.evaluate(async () => {
    const i = await window.__start('tour');
    const { sb, errors } = window.__instances[i];
    sb.track('x');
    sb.start('tour');
    return { active: sb.active, state: sb.state(), errors };
  });
  assert.equal(r.active, false);
  assert.equal(r.state, null);
  assert.equal(r.errors[0].code, 'wasm_unavailable');
  assert.match(r.errors[0].message, /wasm-unsafe-eval/);
  await page.click('#host-button');
  assert.equal(await page.textContent('#host-output'), 'host page works');
  assert.equal(await page.evaluate(() => document.querySelectorAll('shirube-root').length), 0);
  await page.close();
  await strict.stop();
});

test('a spec with errors shows nothing, reports the diagnostics, and leaves the page alone', async () => {
  const page = await open();
  const r = await page.evaluate(async () => {
    const { Shirube } = await import('/js/index.js');
    const errors = [];
    const sb = await Shirube.init({ spec: { version: 1, product: 'x', flows: [{ id: 't', kind: 'tour', steps: [{ id: 'a', target: '#a]' }] }] }, onError: (e) => errors.push(e) });
    return { active: sb.active, code: errors[0] && errors[0].code, diag: errors[0] && errors[0].diagnostics.map((d) => d.code) };
  });
  assert.deepEqual(r, { active: false, code: 'invalid_spec', diag: ['invalid-selector'] });
  assert.equal(await page.evaluate(() => document.querySelectorAll('shirube-root').length), 0);
  await page.close();
});
