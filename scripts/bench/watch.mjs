#!/usr/bin/env node
// Watch benchmark for BENCHMARKS.md ("Waiting for targets"): what a large page pays while
// Shirube waits for targets it lacks (hints whose `element` trigger and target are absent, the
// same lookup as a step waiting). Headless Chromium, each figure the median of the rounds:
//   per frame while the page changes its DOM in every frame (a clock's text), for 5,000
//   elements and 10 absent selectors, then the same with 200 rows as web components (shadow
//   roots to search), then 20 absent selectors;
//   per second while the page changes nothing (the slow look once a second).
// Two measures, each on a fresh page:
//   Shirube's own time: a CPU profile (CDP, 50 µs samples) of the page with Shirube, counting
//   the samples in Shirube's JS and wasm and in what they call (queries, layouts they force).
//   It is steady from run to run; it leaves out what the browser does for Shirube outside its
//   calls (mutation records, styling its host).
//   The whole main thread: CDP's TaskDuration with Shirube minus the same page without it.
//   It counts everything, but the bare page's own 3-5 ms per frame varies by ±0.5 ms from
//   page to page on a shared machine, so differences under about 0.3 ms do not show in it.
//
// Usage: node scripts/bench/watch.mjs [rounds] [--builds DIR,DIR…] [--case N]
//   (after node scripts/build.mjs). --builds compares builds in one run, interleaved: each
//   DIR a checkout with js/ and a built dist/ (e.g. a `git worktree` of an older commit), the
//   default this one. --case runs only the case numbered N (from 1).
import { launch } from '../../tests/browser/harness.mjs';
import { serve } from '../serve.mjs';

const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args.splice(i, 2)[1] : undefined; };
const builds = (opt('--builds') || '.').split(',');
const only = Number(opt('--case') || 0);
const ROUNDS = Number(args[0] || 5);
const FRAMES = 120;
const IDLE_MS = 5000;
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[s.length >> 1]; };
const bases = [];
const servers = [];
for (const dir of builds) {
  const server = await serve({ policy: '', dirs: [['/watch/', 'scripts/bench/watch'], ['/js/', `${dir}/js`], ['/dist/', `${dir}/dist`]] });
  servers.push(server);
  bases.push(`http://127.0.0.1:${server.address().port}`);
}
const browser = await launch();

/** Shirube's samples: a frame in its scripts, or called from one. */
function ownMs(profile) {
  const ours = (n) => /\/(dist\/shirube(_bg\.wasm|\.js)|js\/[a-z]+\.js)$/.test(n.callFrame.url);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const memo = new Map();
  const underOurs = (id) => {
    if (memo.has(id)) return memo.get(id);
    const n = byId.get(id);
    const v = ours(n) || (parent.has(id) && underOurs(parent.get(id)));
    memo.set(id, v);
    return v;
  };
  let us = 0;
  profile.samples.forEach((id, i) => { if (underOurs(id)) us += profile.timeDeltas[i] || 0; });
  return us / 1000;
}

/** Main-thread ms spent by `what` on a fresh page: TaskDuration, or with `profile` Shirube's own. */
async function measure(base, query, what, profile) {
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send(profile ? 'Profiler.enable' : 'Performance.enable');
  await page.goto(`${base}/watch/page.html?${query}`);
  await page.evaluate(() => window.ready);
  await page.waitForTimeout(500);
  let ms;
  if (profile) {
    await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
    await cdp.send('Profiler.start');
    await what(page);
    ms = ownMs((await cdp.send('Profiler.stop')).profile);
  } else {
    const task = async () => (await cdp.send('Performance.getMetrics')).metrics.find((x) => x.name === 'TaskDuration').value * 1000;
    const a = await task();
    await what(page);
    ms = (await task()) - a;
  }
  await page.close();
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  return ms;
}

const CASES = [
  ['5,000 elements, 10 absent selectors, DOM changed every frame', 'n=5000&w=10', 'frame'],
  ['the same with 200 rows as web components (shadow roots)', 'n=5000&w=10&shadows=200', 'frame'],
  ['5,000 elements, 20 absent selectors, DOM changed every frame', 'n=5000&w=20', 'frame'],
  ['5,000 elements, 10 absent selectors, page idle', 'n=5000&w=10', 'idle'],
].filter((_, i) => !only || i + 1 === only);
const rows = [];
for (const [label, query, mode] of CASES) {
  const per = mode === 'frame' ? FRAMES : IDLE_MS / 1000;
  const what = mode === 'frame' ? (p) => p.evaluate((n) => window.tick(n), FRAMES) : (p) => p.waitForTimeout(IDLE_MS);
  const none = [];
  const d = builds.map(() => ({ own: [], task: [] }));
  for (let r = 0; r < ROUNDS; r++) {
    // The bare page and each build's two measures, in a new random order each round.
    const runs = [[-1, false], ...builds.flatMap((_, b) => [[b, false], [b, true]])].sort(() => Math.random() - 0.5);
    for (const [b, profile] of runs) {
      if (b < 0) none.push(await measure(bases[0], `${query}&lib=none`, what, false) / per);
      else d[b][profile ? 'own' : 'task'].push(await measure(bases[b], `${query}&lib=shirube`, what, profile) / per);
    }
  }
  rows.push({ label, unit: mode === 'frame' ? 'ms per frame' : 'ms per second', none: median(none), builds: d.map((x) => ({ own: median(x.own), task: median(x.task) })) });
}
console.log(`Rounds: ${ROUNDS}; medians; Chromium ${browser.context.browser()?.version() ?? ''}\n`);
const head = builds.length > 1 ? builds.map((b) => ` ${b}: own | ${b}: with − without |`).join('') : ' Shirube\'s own time | with Shirube | with − without |';
console.log(`| page | unit | without Shirube |${head}`);
console.log(`|---|---|---:|${builds.map(() => (builds.length > 1 ? '---:|---:|' : '---:|---:|---:|')).join('')}`);
for (const r of rows) {
  const cells = r.builds.map((b) => (builds.length > 1 ? ` ${b.own.toFixed(3)} | ${(b.task - r.none).toFixed(3)} |` : ` **${b.own.toFixed(3)}** | ${b.task.toFixed(3)} | ${(b.task - r.none).toFixed(3)} |`)).join('');
  console.log(`| ${r.label} | ${r.unit} | ${r.none.toFixed(3)} |${cells}`);
}
await browser.close();
for (const s of servers) {
  s.closeAllConnections?.();
  s.close();
}
