#!/usr/bin/env node
// Tour benchmark for BENCHMARKS.md: the same page and three steps run through Shirube,
// driver.js and shepherd.js in one Chromium run (headless, reduced motion, no CSP because the
// peers set inline styles), rounds interleaved so the machine's noise hits all alike:
//   start → first step positioned, next → next step positioned (time and animation frames),
//   both right after init and on a page left idle for a second first (as when a user clicks
//   "Take the tour": what a library prepares in idle time after init counts there),
//   main-thread time per scroll event while a step is shown (CDP TaskDuration, minus the same
//   scrolling on the page without any library), long tasks, gzipped bytes of the library.
//
// Usage: node scripts/bench/tours.mjs [rounds]     (after node scripts/build.mjs)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { launch, root } from '../../tests/browser/harness.mjs';
import { serve } from '../serve.mjs';

const ROUNDS = Number(process.argv[2] || 15);
const SCROLLS = 60;
const LIBS = ['none', 'shirube', 'driver', 'shepherd'];
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s.length ? s[s.length >> 1] : NaN; };

const server = await serve({
  policy: '',
  dirs: [['/bench/', 'scripts/bench/tours'], ['/js/', 'js'], ['/dist/', 'dist'], ['/node_modules/', 'node_modules']],
});
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await launch();
const IDLE_MS = 1000;
const data = Object.fromEntries(LIBS.map((l) => [l, { idleStart: [], idleNext: [], start: [], next: [], startFrames: [], nextFrames: [], call: [], scrollTask: [], scrollJs: [], scrollScript: [], scrollLayout: [], scrollEvents: [], longTasks: [], bytes: 0, files: [] }]));

/** Start and next on a fresh page left idle for IDLE_MS after the library's setup. */
async function idleRound(lib) {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.goto(`${base}/bench/page.html?lib=${lib}`);
  await page.evaluate(() => window.bench.ready);
  await page.waitForTimeout(IDLE_MS);
  const s = await page.evaluate(() => window.bench.start());
  const n = await page.evaluate(() => window.bench.next(1));
  data[lib].idleStart.push(s.ms);
  data[lib].idleNext.push(n.ms);
  await page.close();
}

async function round(lib, first) {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ reducedMotion: 'reduce' });
  const d = data[lib];
  const bodies = [];
  if (first) {
    page.on('response', (r) => {
      const p = new URL(r.url()).pathname;
      if (/^\/(js|dist|node_modules)\//.test(p)) bodies.push(r.body().then((b) => ({ p, gz: gzipSync(b, { level: 9 }).length })).catch(() => null));
    });
  }
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(`${base}/bench/page.html?lib=${lib}`);
  await page.evaluate(() => window.bench.ready);
  if (lib !== 'none') {
    const s = await page.evaluate(() => window.bench.start());
    d.start.push(s.ms); d.startFrames.push(s.frames); d.call.push(s.callMs);
    for (const i of [1, 2]) {
      const n = await page.evaluate((k) => window.bench.next(k), i);
      d.next.push(n.ms); d.nextFrames.push(n.frames); d.call.push(n.callMs);
    }
  }
  // Let the step change finish rendering (its first frames: the new card's style, layout and
  // paint, focus, observers' first callbacks) so the scroll figure is the steady cost while
  // a step is shown; every library gets the same pause.
  await page.waitForTimeout(300);
  const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const before = await metrics();
  const events = await page.evaluate((n) => window.bench.scrollFrames(n), SCROLLS);
  const after = await metrics();
  // A second pass under the sampling profiler: JavaScript and wasm time (everything but idle,
  // native rendering work and GC), which CDP's ScriptDuration overstates by counting the
  // layout that script forces.
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
  await cdp.send('Profiler.start');
  const events2 = await page.evaluate((n) => window.bench.scrollFrames(n), SCROLLS);
  const { profile } = await cdp.send('Profiler.stop');
  const nodes = new Map(profile.nodes.map((n) => [n.id, n.callFrame.functionName]));
  let us = 0;
  profile.samples.forEach((id, i) => { if (!['(idle)', '(program)', '(garbage collector)', '(root)'].includes(nodes.get(id))) us += profile.timeDeltas[i] || 0; });
  d.scrollJs.push(us / 1000 / events2);
  if (lib !== 'none' && !(await page.evaluate(() => window.bench.positioned(2)))) throw new Error(`${lib}: step 3 lost its place while scrolling`);
  d.scrollTask.push((after.TaskDuration - before.TaskDuration) * 1000);
  d.scrollScript.push((after.ScriptDuration - before.ScriptDuration) * 1000);
  d.scrollLayout.push((after.LayoutDuration + after.RecalcStyleDuration - before.LayoutDuration - before.RecalcStyleDuration) * 1000);
  d.scrollEvents.push(events);
  d.longTasks.push(await page.evaluate(() => window.bench.longTasks()));
  if (first) {
    const got = (await Promise.all(bodies)).filter(Boolean);
    d.bytes = got.reduce((a, b) => a + b.gz, 0);
    d.files = got.map((g) => g.p);
  }
  await page.close();
}

for (let r = 0; r < ROUNDS; r++) {
  // Rotate the order every round.
  for (let k = 0; k < LIBS.length; k++) await round(LIBS[(k + r) % LIBS.length], r === 0);
  for (let k = 0; k < LIBS.length; k++) if (LIBS[(k + r) % LIBS.length] !== 'none') await idleRound(LIBS[(k + r) % LIBS.length]);
}
await browser.close();
server.close();
server.closeAllConnections();

const baseScroll = median(data.none.scrollTask);
const baseScript = median(data.none.scrollScript);
const baseLayout = median(data.none.scrollLayout);
const baseJs = median(data.none.scrollJs);
const rows = [];
for (const lib of LIBS.filter((l) => l !== 'none')) {
  const d = data[lib];
  const events = median(d.scrollEvents);
  rows.push({
    lib,
    start_ms: median(d.start), start_frames: median(d.startFrames),
    idle_start_ms: median(d.idleStart), idle_next_ms: median(d.idleNext),
    next_ms: median(d.next), next_frames: median(d.nextFrames),
    call_ms: median(d.call),
    scroll_ms_per_event: (median(d.scrollTask) - baseScroll) / events,
    scroll_js_sampled_ms_per_event: median(d.scrollJs) - baseJs,
    scroll_script_ms_per_event: (median(d.scrollScript) - baseScript) / events,
    scroll_style_layout_ms_per_event: (median(d.scrollLayout) - baseLayout) / events,
    long_tasks: Math.max(...d.longTasks),
    gzip_bytes: d.bytes,
    files: d.files,
  });
}
const f = (x, n = 2) => Number(x).toFixed(n);
console.log(`Chromium headless, 1280×800, ${ROUNDS} rounds interleaved, medians; scroll: ${SCROLLS} frames of scrollBy(±2 px), baseline page without a library ${f(baseScroll / median(data.none.scrollEvents), 3)} ms/event`);
console.log('| library | start → positioned | frames | next → positioned | frames | start, page idle 1 s | next, page idle 1 s | call (sync) | per scroll event: main thread | of it script | of it style+layout | JS+wasm (sampled) | long tasks | gzip bytes |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.lib} | ${f(r.start_ms)} ms | ${r.start_frames} | ${f(r.next_ms)} ms | ${r.next_frames} | ${f(r.idle_start_ms)} ms | ${f(r.idle_next_ms)} ms | ${f(r.call_ms)} ms | ${f(r.scroll_ms_per_event, 3)} ms | ${f(r.scroll_script_ms_per_event, 3)} ms | ${f(r.scroll_style_layout_ms_per_event, 3)} ms | ${f(r.scroll_js_sampled_ms_per_event, 3)} ms | ${r.long_tasks} | ${r.gzip_bytes} |`);
}
const sb = rows.find((r) => r.lib === 'shirube');
for (const r of rows.filter((x) => x.lib !== 'shirube')) {
  console.log(`shirube / ${r.lib}: start ${f(sb.start_ms / r.start_ms)}×, next ${f(sb.next_ms / r.next_ms)}×, start on an idle page ${f(sb.idle_start_ms / r.idle_start_ms)}×, next on an idle page ${f(sb.idle_next_ms / r.idle_next_ms)}×, call ${f(sb.call_ms / r.call_ms)}×, scroll ${f(sb.scroll_ms_per_event / r.scroll_ms_per_event)}× (script ${f(sb.scroll_script_ms_per_event / r.scroll_script_ms_per_event)}×, sampled JS ${f(sb.scroll_js_sampled_ms_per_event / r.scroll_js_sampled_ms_per_event)}×), bytes ${f(sb.gzip_bytes / r.gzip_bytes)}×`);
}
mkdirSync(join(root, 'target/bench'), { recursive: true });
writeFileSync(join(root, 'target/bench/tours.json'), JSON.stringify({ rounds: ROUNDS, baseScroll, rows, raw: data }, null, 1));
