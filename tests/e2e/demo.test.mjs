// End to end: the Acme demo app, the SDK and the real collector together. The app loads its
// spec from the collector (published with the admin token, as a CS team would), runs the
// welcome tour through real actions, and every event the page created is in the collector's
// export exactly once, with the milestones and stage changes the spec defines.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, startServer, watchProblems, root } from '../browser/harness.mjs';
import { settledStep, assertPlaced, framesUntil } from '../browser/placement.mjs';
import { startCollector, publish, demoConfig } from '../../scripts/demo.mjs';

let collector, web, browser;
before(async () => {
  const port = 20000 + Math.floor(Math.random() * 20000);
  collector = await startCollector({ binary: join(root, 'target/debug/shirube-collector'), port });
  await publish(collector.url, 'acme', readFileSync(join(root, 'examples/saas-app/onboarding.json'), 'utf8'));
  web = await startServer({ connect: [collector.url], demoConfig: demoConfig(collector.url) });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await web?.stop();
  await collector?.stop();
});

async function exported() {
  const res = await fetch(`${collector.url}/v1/export`, { headers: { authorization: 'Bearer sb_admin_demo' } });
  assert.equal(res.status, 200);
  return (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(cond, ms = 10_000, what = 'condition') {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('the welcome tour on the demo app, delivered to the collector exactly once', async () => {
  const page = await browser.context.newPage();
  const problems = watchProblems(page);
  await page.goto(`${web.base}/app/dashboard?user=aiko&lang=en`);
  await page.waitForSelector('shirube-root');
  await page.locator('[data-shirube-flow=welcome][data-shirube-step=intro]').waitFor();
  await page.click('[data-shirube-action=next]');
  await page.locator('[data-shirube-step=create]').waitFor();
  // The step advances on the product event: create a project through the app's own dialog.
  await page.click('.toolbar [data-tour=new-project]');
  await page.click('[data-testid=modal-ok]');
  await page.locator('[data-shirube-step=reports]').waitFor();
  await page.click('[data-shirube-action=next]');
  await page.click('[data-shirube-action=done]');
  await page.locator('[data-shirube-flow=welcome]').waitFor({ state: 'detached' });
  await page.evaluate(() => window.sb.flush());
  const created = await page.evaluate(() => window.__shirubeEvents.map((e) => ({ id: e.event_id, name: e.name, flow: e.flow_id, step: e.step_id, props: e.properties })));
  await until(async () => {
    const ids = new Set((await exported()).map((e) => e.event_id));
    return created.every((c) => ids.has(c.id));
  }, 10_000, 'events in the export');
  const rows = await exported();
  const mine = rows.filter((r) => created.some((c) => c.id === r.event_id));
  assert.equal(mine.length, created.length, 'each event stored once');
  const names = created.map((c) => `${c.name}${c.flow ? ':' + c.flow : ''}${c.step ? ':' + c.step : ''}`);
  for (const want of ['stage_changed', 'flow_started:welcome', 'step_viewed:welcome:intro', 'step_completed:welcome:intro', 'step_viewed:welcome:create',
    'event_tracked', 'milestone_reached', 'checklist_item_completed:getting-started', 'step_completed:welcome:create', 'target_missing:welcome:import',
    'step_viewed:welcome:reports', 'flow_completed:welcome']) {
    assert.ok(names.includes(want), `${want} in ${names.join(', ')}`);
  }
  const milestones = created.filter((c) => c.name === 'milestone_reached').map((c) => c.props.milestone_id);
  assert.deepEqual(milestones.sort(), ['first_project', 'toured']);
  const stages = created.filter((c) => c.name === 'stage_changed').map((c) => c.props.to);
  assert.deepEqual(stages, ['onboarding', 'adoption']);
  // The collector kept the context the dashboard segments by.
  const started = mine.find((r) => r.name === 'flow_started');
  assert.equal(started.user_id, 'aiko');
  assert.ok(JSON.stringify(started).includes('"tier":"tech"'));
  assert.deepEqual(problems, []);
  await page.close();
});

// A tour into a drawer: the Activity panel slides in from the right edge and, closed, is off
// the screen and hidden, where no scrolling can bring it. The second step waits for it with
// nothing on screen (no dimmed page without a tooltip), shows beside its button once the panel
// slides in, goes when the panel closes and comes back when it opens again.
test('the activity tour leads into a drawer: its step waits for the panel, then sits beside its button', async () => {
  const page = await browser.context.newPage();
  const problems = watchProblems(page);
  await page.goto(`${web.base}/app/dashboard?user=ben&lang=en`);
  await page.waitForSelector('shirube-root');
  // Ben is onboarding: the welcome tour opens first; he closes it and asks for this one.
  await page.locator('[data-shirube-flow=welcome]').waitFor();
  await page.keyboard.press('Escape');
  await page.locator('[data-shirube-flow=welcome]').waitFor({ state: 'detached' });
  await page.click('#help-activity');
  await page.locator('[data-shirube-flow=activity-tour][data-shirube-step=open]').waitFor();
  const first = await settledStep(page, '[data-tour=activity]', sleep);
  assert.equal(first.side, 'bottom');
  assertPlaced(first);
  const shown = () => page.evaluate(() => {
    const root = document.querySelector('shirube-root').shadowRoot;
    return { cards: root.querySelectorAll('[data-shirube-flow=activity-tour]').length, overlays: root.querySelectorAll('.overlay').length };
  });
  // The step advances on a click of the button, which opens the panel.
  await page.click('[data-tour=activity]');
  await page.locator('[data-shirube-step=catch-up]').waitFor();
  const second = await settledStep(page, '[data-tour=mark-read]', sleep);
  assert.equal(second.side, 'left');
  assertPlaced(second);
  await page.screenshot({ path: join(root, 'docs/screenshots/demo-tour-drawer.png') });
  // The page closes the panel: the card and the overlay go; it opens again: they come back.
  await page.evaluate(() => document.getElementById('activity-close').click());
  await until(async () => (await shown()).cards === 0, 3000, 'the step to hide with the panel');
  assert.deepEqual(await shown(), { cards: 0, overlays: 0 });
  await page.evaluate(() => document.getElementById('activity-open').click());
  await page.locator('[data-shirube-step=catch-up]').waitFor();
  assertPlaced(await settledStep(page, '[data-tour=mark-read]', sleep));
  const names = await page.evaluate(() => window.__shirubeEvents.filter((e) => e.flow_id === 'activity-tour').map((e) => `${e.name}${e.step_id ? ':' + e.step_id : ''}`));
  assert.deepEqual(names, ['flow_started', 'step_viewed:open', 'step_completed:open', 'step_viewed:catch-up']);
  // Started at the second step with the panel closed: it waits, out of sight, and says why.
  await page.evaluate(() => document.getElementById('activity-close').click());
  await page.keyboard.press('Escape');
  await page.evaluate(() => window.sb.start('activity-tour', 'catch-up'));
  await sleep(600);
  assert.deepEqual(await shown(), { cards: 0, overlays: 0 });
  const why = await page.evaluate(() => window.sb.explain().find((e) => e.flow === 'activity-tour').why);
  assert.match(why, /matches an element out of sight/);
  await page.evaluate(() => document.getElementById('activity-open').click());
  assertPlaced(await settledStep(page, '[data-tour=mark-read]', sleep));
  assert.deepEqual(problems, []);
  await page.close();
});

test('the upgrade slideout on Reports sits in the other corner from the checklist, and both can be used', async () => {
  const page = await browser.context.newPage();
  const problems = watchProblems(page);
  // Aiko (Free, admin) past adoption: her first project is made, then she opens Reports. (The
  // welcome tour shows only if an earlier test has not already taken her through it.)
  await page.goto(`${web.base}/app/dashboard?user=aiko&lang=en`);
  await page.waitForFunction(() => window.sb && window.sb.state().showing.length > 0);
  if ((await page.evaluate(() => window.sb.state().activeFlow)) === 'welcome') await page.keyboard.press('Escape');
  await page.evaluate(() => window.sb.track('project_created', {}));
  await page.goto(`${web.base}/app/reports?user=aiko&lang=en`);
  await page.locator('[data-shirube-flow=upgrade]').waitFor();
  await page.locator('[data-shirube-toggle=getting-started]').waitFor();
  await sleep(500);
  const got = await page.evaluate(() => {
    const root = document.querySelector('shirube-root').shadowRoot;
    const slide = root.querySelector('[data-shirube-flow=upgrade]');
    const launcher = root.querySelector('.launcher');
    const a = slide.getBoundingClientRect();
    const b = launcher.getBoundingClientRect();
    const cta = slide.querySelector('[data-shirube-action=cta]').getBoundingClientRect();
    return {
      apart: a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top,
      ctaOnTop: root.elementFromPoint(cta.x + cta.width / 2, cta.y + cta.height / 2)?.closest('button')?.dataset.shirubeAction,
      launcherOnTop: root.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2)?.closest('button') === launcher,
      slideLeftOfLauncher: a.right < b.left,
    };
  });
  assert.deepEqual(got, { apart: true, ctaOnTop: 'cta', launcherOnTop: true, slideLeftOfLauncher: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('the owner hint on Reports: its filter is shown by the stylesheet alone (`:checked`), and the beacon comes in the next frames, beside it', async () => {
  const page = await browser.context.newPage();
  const problems = watchProblems(page);
  await page.goto(`${web.base}/app/reports?user=aiko&lang=en`);
  await page.locator('[data-shirube-beacon=filters-hint]').waitFor();
  await sleep(300);
  const present = () => page.evaluate(() => Boolean(document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-beacon=owner-hint]')));
  assert.equal(await present(), false, 'no beacon while the filter is hidden');
  // A click on the label checks the box: no element changes, only what the stylesheet shows.
  const frames = await framesUntil(page, '[data-shirube-beacon=owner-hint]', { click: 'label[for=more-filters]' });
  assert.ok(frames <= 8, `the beacon came ${frames} frames after the box was checked`);
  await sleep(300);
  const gap = await page.evaluate(() => {
    const b = document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-beacon=owner-hint]').getBoundingClientRect();
    const t = document.querySelector('[data-tour=owner-filter]').getBoundingClientRect();
    const cx = b.x + b.width / 2;
    const cy = b.y + b.height / 2;
    return Math.max(t.left - cx, cx - t.right, t.top - cy, cy - t.bottom, 0);
  });
  assert.ok(gap <= 24, `the beacon is ${gap} px from the filter`);
  // Unchecked, the filter hides and the beacon goes with it. The hint waits for it as long as
  // the page lasts: no target_missing after the 5 s a hint waits for a target it never found,
  // and the beacon is back when the filter is.
  await page.click('label[for=more-filters]');
  await until(async () => !(await present()), 3000, 'the beacon to go with the filter');
  await sleep(5600);
  assert.deepEqual(await page.evaluate(() => window.__shirubeEvents.filter((e) => e.flow_id === 'owner-hint').map((e) => e.name)), ['flow_started']);
  await page.click('label[for=more-filters]');
  await until(present, 3000, 'the beacon to come back with the filter');
  // Opened: a tooltip with no title, whose text keeps clear of its close button.
  await page.evaluate(() => document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-beacon=owner-hint]').click());
  await page.locator('.card[data-shirube-flow=owner-hint]').waitFor();
  await sleep(300);
  const clear = await page.evaluate(() => {
    const card = document.querySelector('shirube-root').shadowRoot.querySelector('.card[data-shirube-flow=owner-hint]');
    const close = card.querySelector('.close').getBoundingClientRect();
    const range = document.createRange();
    range.selectNodeContents(card.querySelector('.body > :first-child'));
    const lines = [...range.getClientRects()].filter((r) => r.bottom > close.top && r.top < close.bottom);
    return { overlapping: lines.filter((r) => r.right > close.left).length, lines: lines.length };
  });
  assert.ok(clear.lines > 0, 'the first line of text is beside the close button');
  assert.equal(clear.overlapping, 0, 'no text under the close button');
  await page.screenshot({ path: join(root, 'docs/screenshots/demo-hint-state.png') });
  assert.deepEqual(problems, []);
  await page.close();
});

/** Starts the welcome tour and takes it to its `create` step (New project). */
async function toCreateStep(page) {
  await page.evaluate(() => window.sb.start('welcome'));
  await page.locator('[data-shirube-flow=welcome][data-shirube-step=intro]').waitFor();
  await page.click('[data-shirube-action=next]');
  await page.locator('[data-shirube-step=create]').waitFor();
}

/** Waits until the `create` step's card sits 10 px below the (visible) element `sel`. */
function createCardBelow(page, sel) {
  return page.waitForFunction((s) => {
    const c = document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step=create]').getBoundingClientRect();
    const t = document.querySelector(s).getBoundingClientRect();
    return t.width > 0 && Math.abs(c.y - t.bottom - 10) <= 1;
  }, sel);
}

// A responsive page: on phones the primary action moves into the header and the toolbar's copy
// is hidden, so `[data-tour=new-project]` matches two buttons, the first (in document order)
// shown only on phones. At each width the welcome tour's step points at the one on screen, and
// a click of it advances the tour; when the window narrows mid-step, the card follows.
for (const [width, height, sel] of [[375, 667, '#new-project-compact'], [1280, 800, '.toolbar [data-tour=new-project]']]) {
  test(`at ${width}×${height} the welcome tour points at the New project button on screen (the app has a copy for each width)${width < 500 ? '' : '; narrowed to a phone\'s mid-step, the card moves to the other'}`, async () => {
    const page = await browser.context.newPage();
    const problems = watchProblems(page);
    await page.setViewportSize({ width, height });
    await page.goto(`${web.base}/app/dashboard?user=chloe&lang=en`);
    await page.waitForFunction(() => window.sb && window.sb.state());
    await toCreateStep(page);
    assert.equal(await page.locator('[data-tour=new-project]').count(), 2);
    const m = await settledStep(page, sel, sleep);
    assert.equal(m.side, 'bottom');
    assertPlaced(m);
    if (width < 500) await page.screenshot({ path: join(root, 'docs/screenshots/demo-tour-phone.png') });
    else {
      // The window narrows to a phone's mid-step: the toolbar's button goes, the header's
      // shows, and the same card moves to it.
      await page.evaluate(() => { window.__card = document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step=create]'); });
      await page.setViewportSize({ width: 375, height: 667 });
      await createCardBelow(page, '#new-project-compact');
      const phone = await settledStep(page, '#new-project-compact', sleep);
      assertPlaced(phone);
      assert.ok(await page.evaluate(() => document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step=create]') === window.__card), 'the same card, moved');
      await page.setViewportSize({ width, height });
      await createCardBelow(page, sel);
      assertPlaced(await settledStep(page, sel, sleep));
    }
    await page.click(sel);
    await page.click('[data-testid=modal-ok]');
    await page.locator('[data-shirube-step=create]').waitFor({ state: 'detached' });
    const names = await page.evaluate(() => window.__shirubeEvents.filter((e) => e.flow_id === 'welcome').map((e) => `${e.name}${e.step_id ? ':' + e.step_id : ''}`));
    assert.ok(names.includes('step_completed:create'), names.join(' '));
    assert.ok(!names.includes('target_missing:create'), names.join(' '));
    await page.evaluate(() => window.sb.dismiss());
    assert.deepEqual(problems, []);
    await page.close();
  });
}

// The app's Compact view zooms the whole page with CSS (`body { zoom: 0.85 }`), which puts the
// tooltips of most libraries off their targets. The welcome tour's step sits on its button,
// whether the zoom was there when the step showed or changed while it did.
test('Compact view (the app zoomed with CSS): the welcome tour still points exactly at its button', async () => {
  const page = await browser.context.newPage();
  const problems = watchProblems(page);
  // Compact view chosen on an earlier visit: the page is zoomed before Shirube starts.
  await page.goto(`${web.base}/app/dashboard?user=daisuke&lang=en`);
  await page.evaluate(() => localStorage.setItem('acme:demo:compact', '1'));
  await page.reload();
  await page.waitForFunction(() => window.sb && window.sb.state());
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).zoom), '0.85');
  await toCreateStep(page);
  const sel = '.toolbar [data-tour=new-project]';
  const m = await settledStep(page, sel, sleep);
  assert.equal(m.side, 'bottom');
  assertPlaced(m);
  await page.screenshot({ path: join(root, 'docs/screenshots/demo-tour-compact.png') });
  // Back to the normal view mid-step (the page behind the step is inert, so by script): the
  // card follows.
  await page.evaluate(() => document.getElementById('compact').click());
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).zoom), '1');
  await createCardBelow(page, sel);
  assertPlaced(await settledStep(page, sel, sleep));
  await page.evaluate(() => window.sb.dismiss());
  assert.deepEqual(problems, []);
  await page.close();
});

// The app's top bar is sticky. Scrolled under it, the step's button is out of sight, and so is
// the card pointing at it; scrolled back, it shows again.
test('the welcome tour\'s card hides while its button is scrolled under the app\'s sticky top bar', async () => {
  const page = await browser.context.newPage();
  const problems = watchProblems(page);
  await page.setViewportSize({ width: 1280, height: 600 });
  await page.goto(`${web.base}/app/dashboard?user=chloe&lang=en`);
  await page.waitForFunction(() => window.sb && window.sb.state());
  await toCreateStep(page);
  const sel = '.toolbar [data-tour=new-project]';
  assertPlaced(await settledStep(page, sel, sleep));
  const shown = () => page.evaluate(() => getComputedStyle(document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step=create]')).visibility === 'visible');
  // Just under the bar: the button's top 10 px below the viewport's. (The demo's dashboard is
  // short: a real one would scroll that far.)
  const bar = await page.evaluate((s) => {
    document.getElementById('view').style.paddingBottom = '800px';
    const t = document.querySelector(s).getBoundingClientRect();
    window.scrollBy(0, t.top - 10);
    return { bar: document.querySelector('.topbar').getBoundingClientRect().bottom, target: document.querySelector(s).getBoundingClientRect().bottom };
  }, sel);
  assert.ok(bar.target <= bar.bar, `the button is under the bar: ${JSON.stringify(bar)}`);
  await until(async () => !(await shown()), 3000, 'the card to hide');
  await page.evaluate(() => window.scrollTo(0, 0));
  await until(shown, 3000, 'the card to show again');
  assertPlaced(await settledStep(page, sel, sleep));
  await page.evaluate(() => window.sb.dismiss());
  assert.deepEqual(problems, []);
  await page.close();
});
