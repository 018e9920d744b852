#!/usr/bin/env node
// Where the main thread's time goes per scroll event with a tour step shown (BENCHMARKS.md,
// "Tours"): the tour benchmark's page, step 3 shown, 120 frames of scrollBy(±2 px) under a
// Chrome trace (devtools.timeline), then the renderer main thread's trace events summed by
// name and divided by the scroll events. Nested events are counted in their parents too
// (RunTask contains the rest), so the lines do not add up.
//
// Usage: node scripts/bench/tours-trace.mjs [libs]   (after node scripts/build.mjs; libs
//   default none,shirube,driver)
import { launch } from '../../tests/browser/harness.mjs';
import { serve } from '../serve.mjs';
const server = await serve({ policy: '', dirs: [['/bench/', 'scripts/bench/tours'], ['/js/', 'js'], ['/dist/', 'dist'], ['/node_modules/', 'node_modules']] });
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await launch();
for (const lib of (process.argv[2] || 'none,shirube,driver').split(',')) {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.goto(`${base}/bench/page.html?lib=${lib}`);
  await page.evaluate(() => window.bench.ready);
  if (lib !== 'none') { await page.evaluate(() => window.bench.start()); for (const i of [1, 2]) await page.evaluate((k) => window.bench.next(k), i); }
  // As in tours.mjs: the step change finishes rendering before the scrolling is measured.
  await page.waitForTimeout(300);
  await page.evaluate((n) => window.bench.scrollFrames(n), 20);
  const cdp = await page.context().newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
  const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
  await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline', transferMode: 'ReportEvents' });
  const n = await page.evaluate((k) => window.bench.scrollFrames(k), 120);
  await cdp.send('Tracing.end'); await done;
  // Main thread of the renderer: the thread with the most RunTask time.
  const mains = events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args && e.args.name === 'CrRendererMain');
  const byTid = new Map();
  for (const e of events) if (mains.some((m) => m.tid === e.tid && m.pid === e.pid) && e.name === 'RunTask' && e.dur) byTid.set(e.tid, (byTid.get(e.tid) || 0) + e.dur);
  const tid = [...byTid.entries()].sort((a, b) => b[1] - a[1])[0][0];
  const agg = new Map();
  for (const e of events) if (e.tid === tid && e.ph === 'X' && e.dur) agg.set(e.name, (agg.get(e.name) || 0) + e.dur);
  const per = (us) => (us / 1000 / (typeof n === 'number' ? n : 120)).toFixed(3);
  console.log(`== ${lib} (${typeof n === 'number' ? n : JSON.stringify(n)} scroll events) ms per scroll event`);
  for (const [k, v] of [...agg.entries()].sort((a, b) => b[1] - a[1]).slice(0, 22)) console.log(per(v).padStart(8), k);
  await page.close();
}
await browser.close(); server.close();
