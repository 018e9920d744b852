// The adoption model on the demo app with the real collector (issue 5): a user moves from
// onboarding to adoption to self-sufficient through real actions; the checklist ticks; flows
// show per tier and plan; NPS appears only in the last stage; nothing shows twice after a
// reload; two tabs agree; progress follows the user to another device; blocked storage
// degrades cleanly; the debug overlay names the failing condition. Each test gets a fresh
// collector, web server and browser, so no progress leaks between tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, startServer, watchProblems, root } from '../browser/harness.mjs';
import { startCollector, publish, demoConfig } from '../../scripts/demo.mjs';

async function env() {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const collector = await startCollector({ binary: join(root, 'target/debug/shirube-collector'), port });
  await publish(collector.url, 'acme', readFileSync(join(root, 'examples/saas-app/onboarding.json'), 'utf8'));
  const web = await startServer({ connect: [collector.url], demoConfig: demoConfig(collector.url) });
  const browsers = [];
  return {
    collector,
    web,
    async browser(options) {
      const b = await launch(options);
      browsers.push(b);
      return b;
    },
    async page(b, user, path = '/app/dashboard', extra = '') {
      const page = await b.context.newPage();
      page.problems = watchProblems(page);
      await page.goto(`${web.base}${path}?user=${user}&lang=en${extra}`);
      await page.waitForFunction(() => window.sb && window.sb.active !== undefined);
      await page.waitForTimeout(300);
      return page;
    },
    async close() {
      for (const b of browsers) await b.close();
      await web.stop();
      await collector.stop();
    },
  };
}

const flow = (page, id) => page.locator(`shirube-root [data-shirube-flow="${id}"]`);
const state = (page) => page.evaluate(() => window.sb.state());
const showing = async (page, id) => (await flow(page, id).count()) > 0;
async function go(page, path) {
  await page.click(`nav a[href="${path}"]`);
  await page.waitForTimeout(400);
}
async function act(page, button, ok = '[data-testid=modal-ok]') {
  await page.click(button);
  await page.click(ok);
  await page.waitForTimeout(300);
}
async function closeAll(page) {
  // Close whatever blocking flow is on screen, the way a user would.
  for (let i = 0; i < 4; i++) {
    const close = page.locator('shirube-root [role=dialog][aria-modal=true] [data-shirube-action=dismiss]');
    if (await close.count()) await close.first().click();
    else break;
    await page.waitForTimeout(150);
  }
}

test('onboarding → adoption → self-sufficient through real actions; the checklist ticks; NPS only in the last stage', async () => {
  const e = await env();
  const page = await e.page(await e.browser(), 'aiko', '/app/projects');
  assert.equal((await state(page)).stage, 'onboarding');
  assert.ok(await showing(page, 'getting-started'), 'the checklist shows on app pages');
  const item = (id) => page.locator(`shirube-root [data-shirube-item="${id}"]`).getAttribute('aria-checked');
  assert.equal(await item('project'), 'false');
  await act(page, '.toolbar [data-tour=new-project]');
  assert.equal((await state(page)).stage, 'adoption');
  assert.equal(await item('project'), 'true');
  await act(page, '#import');
  assert.equal(await item('import'), 'true');
  await go(page, '/app/settings/team');
  await closeAll(page);
  assert.equal(await showing(page, 'nps'), false, 'no NPS before the last stage');
  for (let i = 0; i < 3; i++) {
    await page.click('[data-tour=invite]');
    await page.waitForTimeout(150);
  }
  assert.equal(await item('team'), 'true');
  await go(page, '/app/reports');
  await closeAll(page);
  await act(page, '[data-tour=new-report]');
  const s = await state(page);
  assert.equal(s.stage, 'self_sufficient');
  assert.deepEqual(s.checklists['getting-started'], { done: 4, total: 4, items: { project: true, import: true, report: true, team: true } });
  // The report's CSAT survey comes first (event trigger), then NPS on the next page view.
  await flow(page, 'report-csat').waitFor({ timeout: 5000 });
  await page.click('shirube-root [data-shirube-flow="report-csat"] [data-shirube-score="4"]');
  await page.click('shirube-root [data-shirube-flow="report-csat"] [data-shirube-action=done]');
  await page.waitForTimeout(3000);
  await go(page, '/app/dashboard');
  await flow(page, 'nps').waitFor({ timeout: 5000 });
  await page.click('shirube-root [data-shirube-score="9"]');
  await page.fill('shirube-root textarea', 'Reports saved us hours');
  await page.click('shirube-root [data-shirube-flow="nps"] [data-shirube-action=done]');
  await page.evaluate(() => window.sb.flush());
  const events = await page.evaluate(() => window.__shirubeEvents.map((x) => ({ name: x.name, props: x.properties, flow: x.flow_id })));
  const stages = events.filter((x) => x.name === 'stage_changed').map((x) => x.props.to);
  assert.deepEqual(stages, ['onboarding', 'adoption', 'self_sufficient']);
  const nps = events.find((x) => x.name === 'survey_answered' && x.flow === 'nps');
  assert.deepEqual([nps.props.scale, nps.props.score, nps.props.comment], ['nps', 9, 'Reports saved us hours']);
  assert.ok(events.some((x) => x.name === 'flow_completed' && x.flow === 'getting-started'));
  assert.ok(events.some((x) => x.name === 'milestone_reached' && x.props.milestone_id === 'set_up'));
  // Stored in the collector.
  const exp = await (await fetch(`${e.collector.url}/v1/export`, { headers: { authorization: 'Bearer sb_admin_demo' } })).text();
  assert.ok(exp.includes('Reports saved us hours'));
  assert.deepEqual(page.problems, []);
  await e.close();
});

test('flows show per tier and plan', async () => {
  const e = await env();
  const b = await e.browser();
  const cases = { aiko: ['welcome', 'getting-started'], ben: ['welcome', 'getting-started'], chloe: ['welcome', 'getting-started'], daisuke: ['csm-intro'] };
  for (const [user, want] of Object.entries(cases)) {
    const page = await e.page(b, user);
    await page.waitForTimeout(500);
    const on = await page.evaluate(() => window.sb.state().showing);
    assert.deepEqual(on.sort(), want.sort(), `${user}: ${on}`);
    await page.close();
  }
  await e.close();
});

test('nothing shows twice after a reload', async () => {
  const e = await env();
  const page = await e.page(await e.browser(), 'ben');
  await flow(page, 'welcome').waitFor();
  await page.click('shirube-root [data-shirube-flow=welcome] [data-shirube-action=dismiss]');
  await page.reload();
  await page.waitForFunction(() => window.sb);
  await page.waitForTimeout(800);
  assert.equal(await showing(page, 'welcome'), false);
  assert.equal(await page.evaluate(() => (window.__shirubeEvents || []).filter((x) => x.name === 'flow_started' && x.flow_id === 'welcome').length), 0);
  await e.close();
});

test('two tabs agree', async () => {
  const e = await env();
  const b = await e.browser();
  // Count each tab's progress writes: two tabs hear each other's writes, and must not answer
  // them forever (they once did, about 200 times a second, re-rendering the checklist each time).
  await b.context.addInitScript(() => {
    window.__progressWrites = 0;
    const set = Storage.prototype.setItem;
    Storage.prototype.setItem = function (k, v) {
      if (k.includes(':p:')) window.__progressWrites += 1;
      return set.call(this, k, v);
    };
  });
  const a = await e.page(b, 'chloe', '/app/projects');
  const other = await e.page(b, 'chloe', '/app/projects');
  const quiet = async () => {
    const before = await Promise.all([a, other].map((p) => p.evaluate(() => window.__progressWrites)));
    await a.waitForTimeout(1000);
    const after = await Promise.all([a, other].map((p) => p.evaluate(() => window.__progressWrites)));
    return after.map((n, i) => n - before[i]);
  };
  assert.deepEqual(await quiet(), [0, 0], 'two idle tabs write no progress');
  await act(a, '.toolbar [data-tour=new-project]');
  await other.waitForFunction(() => window.sb.state().checklists['getting-started'].done === 1, null, { timeout: 5000 });
  // The second tab shows the checklist minimized (it was already seen): its launcher counts 1/4.
  await other.waitForFunction(() => document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-toggle] .count').textContent === '1/4');
  await other.click('shirube-root [data-shirube-toggle=getting-started]');
  const tick = await other.locator('shirube-root [data-shirube-item=project]').getAttribute('aria-checked');
  assert.equal(tick, 'true', 'the other tab ticks the item without a reload');
  assert.equal(await other.evaluate(() => (window.__shirubeEvents || []).filter((x) => x.name === 'milestone_reached').length), 0, 'and does not report the milestone again');
  assert.deepEqual(await quiet(), [0, 0], 'once they agree, neither tab writes again');
  await a.click('shirube-root [data-shirube-checklist=getting-started] [data-shirube-action=dismiss]');
  await other.waitForFunction(() => !window.sb.state().showing.includes('getting-started'), null, { timeout: 5000 });
  await e.close();
});

test('progress follows the user to another device (state sync with a signed user id)', async () => {
  const e = await env();
  const laptop = await e.page(await e.browser(), 'aiko');
  await flow(laptop, 'welcome').waitFor();
  await laptop.click('shirube-root [data-shirube-flow=welcome] [data-shirube-action=next]');
  await laptop.click('shirube-root [data-shirube-flow=welcome] [data-shirube-action=dismiss]');
  await act(laptop, '.toolbar [data-tour=new-project]');
  // Saved to the collector after a short delay.
  await new Promise((r) => setTimeout(r, 2500));
  const phone = await e.page(await e.browser({ viewport: { width: 375, height: 667 } }), 'aiko');
  await phone.waitForTimeout(1500);
  const s = await state(phone);
  assert.equal(s.milestones.includes('first_project'), true, 'the milestone reached on the laptop');
  assert.equal(s.stage, 'adoption');
  assert.equal(await showing(phone, 'welcome'), false, 'the tour dismissed on the laptop does not show on the phone');
  // Without a valid signature the collector refuses, and the SDK says so once.
  const res = await fetch(`${e.collector.url}/v1/state/acme/aiko?wk=sb_pub_demo&h=${'0'.repeat(64)}`);
  assert.equal(res.status, 401);
  await e.close();
});

test('blocked storage degrades cleanly', async () => {
  const e = await env();
  const b = await e.browser();
  await b.context.addInitScript(() => {
    Object.defineProperty(window, 'localStorage', { get() { throw new DOMException('blocked', 'SecurityError'); } });
  });
  const page = await e.page(b, 'ben');
  await flow(page, 'welcome').waitFor();
  const errors = await page.evaluate(() => (window.__shirubeErrors || []).map((x) => x.code));
  assert.deepEqual(errors, ['storage_unavailable']);
  await page.click('shirube-root [data-shirube-flow=welcome] [data-shirube-action=next]');
  await page.locator('shirube-root [data-shirube-flow=welcome][data-shirube-step=create]').waitFor();
  await page.evaluate(() => window.sb.flush());
  assert.deepEqual(page.problems, []);
  await e.close();
});

test('the debug overlay names the failing condition', async () => {
  const e = await env();
  const page = await e.page(await e.browser(), 'daisuke', '/app/dashboard', '&shirube_debug=1');
  const row = page.locator('shirube-root [data-shirube-debug] li[data-flow=welcome]');
  await row.waitFor();
  const text = await row.textContent();
  assert.match(text, /the trait `tier` is "high", but the audience needs it equal to "tech"/);
  const list = await page.locator('shirube-root [data-shirube-debug] li[data-flow=getting-started]').textContent();
  assert.match(list, /it must not be true that the trait `tier` equals "high"/);
  const hint = await page.locator('shirube-root [data-shirube-debug] li[data-flow=import-hint]').textContent();
  assert.match(hint, /waiting for a page matching \/app\/projects\*/);
  await page.screenshot({ path: join(root, 'docs/screenshots/debug-overlay.png') });
  await e.close();
});
