#!/usr/bin/env node
// Scheduler benchmark for BENCHMARKS.md: in wasm in headless Chromium, the time sb.track()
// takes when the event is the trigger of every flow of a 1,000-flow spec (each flow's
// audience, frequency and priority decided), next to the same call with a 1-flow spec (the
// fixed cost of track: the event itself, milestones, listeners), measured in the same run.
//
// Usage: node scripts/bench/schedule.mjs [runs]     (after node scripts/build.mjs)
import { launch } from '../../tests/browser/harness.mjs';
import { serve } from '../serve.mjs';

const RUNS = Number(process.argv[2] || 60);
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[s.length >> 1]; };
const p95 = (v) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length * 0.95)]; };

const server = await serve({ dirs: [['/bench/', 'scripts/bench/schedule'], ['/js/', 'js'], ['/dist/', 'dist']] });
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await launch();
const page = await browser.context.newPage();
await page.goto(`${base}/bench/page.html`);
const results = {};
// Alternate the two specs, five times each, so drift hits both.
for (let r = 0; r < 5; r++) {
  for (const n of [1, 1000]) {
    const out = await page.evaluate(([n, runs]) => window.run(n, runs), [n, RUNS]);
    if (out.errors.length) throw new Error(out.errors.join('\n'));
    if (out.shown !== 0) throw new Error(`expected nothing to show, ${out.shown} flows showed`);
    (results[n] ||= []).push(...out.times.slice(3)); // the first groups warm the code up
  }
}
await browser.close();
server.close();
server.closeAllConnections();
const f = (x) => x.toFixed(3);
const one = median(results[1]);
const many = median(results[1000]);
console.log(`sb.track('tick') in Chromium, ${results[1000].length} samples per spec, each the mean of 20 calls (5 interleaved batches)`);
console.log(`| spec | median | p95 |`);
console.log(`|---|---|---|`);
console.log(`| 1 flow (baseline) | ${f(one)} ms | ${f(p95(results[1]))} ms |`);
console.log(`| 1,000 flows | ${f(many)} ms | ${f(p95(results[1000]))} ms |`);
console.log(`deciding for 1,000 flows: ${f(many - one)} ms over the baseline (ratio ${(many / one).toFixed(1)}×)`);
