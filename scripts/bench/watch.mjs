#!/usr/bin/env node
// Watch benchmark for BENCHMARKS.md ("Waiting for targets"): what a large page pays while
// Shirube waits for targets it lacks (hints whose `element` trigger is absent, steps waiting).
// Headless Chromium, main-thread time from CDP's TaskDuration, each figure the median of the
// rounds, Shirube minus the same page without it loaded in the same round:
//   per frame while the page changes its DOM in every frame (a clock's text), for 5,000
//   elements and 10 absent selectors, then the same with 200 rows as web components (shadow
//   roots to search), then 20 absent selectors;
//   per second while the page changes nothing (the slow look once a second).
//
// Usage: node scripts/bench/watch.mjs [rounds]     (after node scripts/build.mjs)
import { launch } from '../../tests/browser/harness.mjs';
import { serve } from '../serve.mjs';

const ROUNDS = Number(process.argv[2] || 5);
const FRAMES = 120;
const IDLE_MS = 5000;
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[s.length >> 1]; };
const server = await serve({ policy: '', dirs: [['/watch/', 'scripts/bench/watch'], ['/js/', 'js'], ['/dist/', 'dist']] });
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await launch();

/** Main-thread ms spent by `what` on a fresh page. */
async function measure(query, what) {
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(`${base}/watch/page.html?${query}`);
  await page.evaluate(() => window.ready);
  await page.waitForTimeout(500);
  const task = async () => (await cdp.send('Performance.getMetrics')).metrics.find((x) => x.name === 'TaskDuration').value * 1000;
  const a = await task();
  await what(page);
  const b = await task();
  await page.close();
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  return b - a;
}

const CASES = [
  ['5,000 elements, 10 absent selectors, DOM changed every frame', 'n=5000&w=10', 'frame'],
  ['the same with 200 rows as web components (shadow roots)', 'n=5000&w=10&shadows=200', 'frame'],
  ['5,000 elements, 20 absent selectors, DOM changed every frame', 'n=5000&w=20', 'frame'],
  ['5,000 elements, 10 absent selectors, page idle', 'n=5000&w=10', 'idle'],
];
const rows = [];
for (const [label, query, mode] of CASES) {
  const d = { none: [], shirube: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const lib of ['none', 'shirube']) {
      const ms = mode === 'frame'
        ? await measure(`${query}&lib=${lib}`, (p) => p.evaluate((n) => window.tick(n), FRAMES)) / FRAMES
        : await measure(`${query}&lib=${lib}`, (p) => p.waitForTimeout(IDLE_MS)) / (IDLE_MS / 1000);
      d[lib].push(ms);
    }
  }
  const none = median(d.none), sb = median(d.shirube);
  rows.push({ label, unit: mode === 'frame' ? 'ms per frame' : 'ms per second', none, sb, extra: sb - none });
}
console.log(`Rounds: ${ROUNDS}; medians; Chromium ${browser.context.browser()?.version() ?? ''}\n`);
console.log('| page | unit | without Shirube | with Shirube | Shirube\'s extra |');
console.log('|---|---|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.label} | ${r.unit} | ${r.none.toFixed(3)} | ${r.sb.toFixed(3)} | ${r.extra.toFixed(3)} |`);
await browser.close();
server.closeAllConnections?.();
server.close();
