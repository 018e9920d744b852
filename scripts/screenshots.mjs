#!/usr/bin/env node
// Screenshots of the demo app for the README and docs/ (docs/screenshots/demo-*.png): the
// welcome tour, a hint, the getting-started checklist, an announcement and the NPS survey, as
// a visitor sees them. Runs the demo app without a collector (scripts/serve.mjs), in Chromium.
//
// Usage: node scripts/screenshots.mjs      (after node scripts/build.mjs)
import { join } from 'node:path';
import { launch, root } from '../tests/browser/harness.mjs';
import { serve } from './serve.mjs';

const server = await serve();
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await launch();
const out = (name) => join(root, 'docs/screenshots', name);

async function open(path, user, lang = 'en') {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${base}${path}?user=${user}&lang=${lang}`);
  return page;
}
const settle = (page) => page.waitForTimeout(700);

// Aiko, tech touch, three days in: the welcome tour starts on the dashboard.
let page = await open('/app/dashboard', 'aiko');
await page.locator('shirube-root [data-shirube-flow=welcome][data-shirube-step]').first().waitFor({ timeout: 15_000 });
await settle(page);
// The second step points at the "New project" button.
await page.locator('shirube-root [data-shirube-action=next]').first().click();
await page.locator('shirube-root [data-shirube-flow=welcome][data-shirube-step=create]').waitFor();
await settle(page);
await page.screenshot({ path: out('demo-tour.png') });
console.log('demo-tour.png');
// The checklist is on the page too once the tour is dismissed.
await page.keyboard.press('Escape');
await page.locator('shirube-root [data-shirube-flow=getting-started]').first().waitFor({ timeout: 15_000 });
await settle(page);
const launcher = page.locator('shirube-root [data-shirube-flow=getting-started] button').first();
if (!(await page.locator('shirube-root [data-shirube-flow=getting-started][role=dialog]').count())) await launcher.click();
await settle(page);
await page.screenshot({ path: out('demo-checklist.png') });
console.log('demo-checklist.png');
// The import hint on the projects page, opened.
await page.goto(`${base}/app/projects?user=aiko`);
const beacon = page.locator('shirube-root [data-shirube-beacon=import-hint]');
await beacon.waitFor({ timeout: 15_000 });
await settle(page);
await beacon.click();
await settle(page);
await page.screenshot({ path: out('demo-hint.png') });
console.log('demo-hint.png');
await page.close();

// Daisuke, high touch: the success manager's introduction, a modal announcement, in Japanese.
page = await open('/app/dashboard', 'daisuke', 'ja');
await page.locator('shirube-root [data-shirube-flow=csm-intro]').first().waitFor({ timeout: 15_000 });
await settle(page);
await page.screenshot({ path: out('demo-announcement-ja.png') });
console.log('demo-announcement-ja.png');
await page.close();

await browser.close();
server.close();
server.closeAllConnections();
