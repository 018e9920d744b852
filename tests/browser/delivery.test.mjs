// Event delivery under faults (issue 6): each test asserts the exact set of event_ids that end up
// stored by a scriptable collector stand-in (nothing lost, nothing stored twice), across the
// status matrix, aborts, offline, reloads and closed tabs, page hide, storage trouble, a wrong
// clock, the rate limit, consent, beforeSend, and a host that patches fetch.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { launch, startServer, watchProblems } from './harness.mjs';
import { faultServer, until, sameSet } from './fault-server.mjs';

let browser, server, fs;
before(async () => {
  fs = await faultServer();
  server = await startServer({ connect: [fs.base] });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await fs?.stop();
});
beforeEach(() => fs.reset());

async function open(query = '', ctx = browser.context) {
  const page = await ctx.newPage();
  const problems = watchProblems(page);
  await page.goto(`${server.base}/fixtures/delivery.html?collector=${encodeURIComponent(fs.base)}&${query}`);
  await page.waitForFunction(() => window.__ready && window.sb);
  page.problems = problems;
  return page;
}
const created = (page) => page.evaluate(() => window.__created.slice());
const delivery = (page) => page.evaluate(() => window.sb.delivery());
const flush = (page) => page.evaluate(() => window.sb.flush());
const clearStorage = async () => {
  const p = await browser.context.newPage();
  await p.goto(`${server.base}/fixtures/delivery.html?consent=denied`);
  await p.evaluate(() => localStorage.clear());
  await p.close();
};

test('200: delivered once, and the batch has the contract shape', async () => {
  const page = await open();
  await page.evaluate(() => window.__track(3));
  await flush(page);
  const ids = await created(page);
  sameSet(fs.storedIds(), ids);
  const req = fs.state.requests[0];
  assert.equal(req.batch.write_key, 'sb_pub_demo');
  assert.equal(req.batch.sdk.name, 'shirube');
  assert.ok(Number.isFinite(req.batch.sent_at));
  const e = req.batch.events[0];
  for (const k of ['event_id', 'name', 'timestamp', 'user_id', 'anonymous_id', 'session_id', 'seq', 'spec_revision', 'properties', 'context']) assert.ok(k in e, k);
  assert.equal(e.name, 'event_tracked');
  assert.equal(e.event, 'e0');
  assert.match(e.event_id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual(req.batch.events.map((x) => x.seq), [1, 2, 3]);
  assert.equal(e.context.traits.email, undefined, 'the denylist removed email');
  assert.deepEqual(await delivery(page), { queued: 0, inflight: 0, stopped: false, dropped: { queue_overflow: 0, too_large: 0, rate_limited: 0, expired: 0, rejected: 0 }, filtered: 0 });
  assert.deepEqual(page.problems, []);
  await page.close();
});

for (const status of [400, 404]) {
  test(`${status}: dropped and counted, later events still delivered`, async () => {
    const page = await open();
    fs.script([{ status }]);
    await page.evaluate(() => window.__track(3, 'bad'));
    await flush(page);
    assert.equal(fs.storedIds().size, 0);
    assert.equal((await delivery(page)).dropped.rejected, 3);
    await page.evaluate(() => window.__track(2, 'good'));
    await flush(page);
    const ids = await created(page);
    sameSet(fs.storedIds(), ids.slice(3));
    assert.equal(fs.state.requests.at(-1).batch.sdk_stats.dropped.rejected, 3, 'sdk_stats reports the drop');
    await page.close();
  });
}

for (const status of [401, 403]) {
  test(`${status}: stops sending for the page, keeps the events, the next load delivers them`, async () => {
    await clearStorage();
    const page = await open();
    fs.script([{ status }]);
    await page.evaluate(() => window.__track(3));
    await flush(page);
    const ids = await created(page);
    await page.evaluate(() => window.__track(2, 'more'));
    await flush(page);
    assert.equal(fs.state.requests.length, 1, 'no request after a 401/403');
    assert.equal((await delivery(page)).stopped, true);
    const all = await created(page);
    await page.close();
    const next = await open();
    await until(() => [...all].every((id) => fs.storedIds().has(id)), 10_000, 'reclaim after reload');
    sameSet(fs.storedIds(), all);
    assert.ok(ids.length === 3);
    await next.close();
  });
}

for (const [status, extra] of [[408, {}], [500, {}], [429, {}], [503, {}], [429, { retryAfter: 1 }], [503, { retryAfter: 1 }]]) {
  test(`${status}${extra.retryAfter ? ' with Retry-After' : ''}: retried until stored once`, async () => {
    const page = await open();
    fs.script([{ status, ...extra }]);
    await page.evaluate(() => window.__track(3));
    await page.evaluate(() => window.sb.flush());
    await until(() => fs.storedIds().size === 3, 8000, 'retry');
    sameSet(fs.storedIds(), await created(page));
    const [first, second] = fs.state.requests;
    assert.ok(fs.state.requests.length >= 2);
    // Chromium itself retries a 408 at once on a reused connection, so only the SDK's own
    // retries (the other statuses) show its backoff.
    if (status !== 408) {
      assert.ok(second.at - first.at >= 750, `waited ${second.at - first.at} ms before retrying`);
      assert.equal(second.batch.attempt, 1);
    }
    if (extra.retryAfter) assert.ok(second.at - first.at >= 950, 'Retry-After honoured');
    await page.close();
  });
}

test('413: the batch is split and every event stored', async () => {
  const page = await open();
  fs.script([{ status: 413 }]);
  await page.evaluate(() => window.__track(4));
  await page.evaluate(() => window.sb.flush());
  await until(() => fs.storedIds().size === 4, 8000, 'split');
  sameSet(fs.storedIds(), await created(page));
  assert.ok(fs.state.requests.slice(1).every((r) => r.ids.length <= 2));
  await page.close();
});

test('aborted connection: retried, stored once', async () => {
  const page = await open();
  fs.script([{ abort: true }]);
  await page.evaluate(() => window.__track(3));
  await page.evaluate(() => window.sb.flush());
  await until(() => fs.storedIds().size === 3, 8000, 'retry after abort');
  sameSet(fs.storedIds(), await created(page));
  await page.close();
});

test('offline: no attempts; online: everything delivered', async () => {
  const ctx = (await launch()).context;
  const page = await open('', ctx);
  await ctx.setOffline(true);
  await page.evaluate(() => window.__track(12));
  await page.waitForTimeout(2500);
  assert.equal(fs.state.requests.length, 0, 'nothing sent while offline');
  await ctx.setOffline(false);
  await until(() => fs.storedIds().size === 12, 8000, 'delivery after online');
  sameSet(fs.storedIds(), await created(page));
  await ctx.close();
});

test('reload with a request in flight: the same event_ids are resent and stored once', async () => {
  await clearStorage();
  const page = await open();
  fs.script([{ status: 200, delay: 2500 }]);
  await page.evaluate(() => window.__track(12));
  await until(() => fs.state.requests.length >= 1, 5000, 'first request');
  const ids = await created(page);
  await page.reload();
  await page.waitForFunction(() => window.__ready && window.sb);
  await until(() => ids.every((id) => fs.storedIds().has(id)), 10_000, 'resend after reload');
  const sentTwice = ids.filter((id) => fs.state.requests.filter((r) => r.ids.includes(id)).length >= 2);
  assert.ok(sentTwice.length > 0, 'the reloaded page resent events that were in flight');
  assert.ok([...fs.state.stored.values()].every((n) => n >= 1));
  sameSet(new Set([...fs.storedIds()].filter((id) => ids.includes(id))), ids);
  await page.close();
});

async function queue200(page, ctx) {
  await ctx.setOffline(true);
  // 100 at once (the burst), then 10 per second (the client rate limit): about 200 KB in all,
  // within the 256 KiB queue bound and several beacons' worth.
  await page.evaluate(() => window.__track(100, 'a', { note: 'x'.repeat(500) }));
  for (let i = 0; i < 10; i++) {
    await page.waitForTimeout(1100);
    await page.evaluate((i) => window.__track(10, `b${i}-`, { note: 'x'.repeat(500) }), i);
  }
  const ids = await created(page);
  assert.equal(ids.length, 200);
  assert.equal((await delivery(page)).queued, 200);
  // Normal requests fail from now on, so only what the page sends on hide can deliver.
  fs.state.defaultStatus = 500;
  fs.state.beaconStatus = 200;
  await ctx.setOffline(false);
  await page.waitForFunction(() => navigator.onLine);
  return ids;
}

test('tab hidden with 200 queued events: all delivered in beacons and fetches, none over 64 KiB', async () => {
  const ctx = (await launch()).context;
  const page = await open('', ctx);
  const ids = await queue200(page, ctx);
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await until(() => ids.every((id) => fs.storedIds().has(id)), 10_000, 'delivery on hide').catch((e) => {
    throw new Error(`${e.message}: ${fs.storedIds().size} stored; requests ${JSON.stringify(fs.state.requests.map((r) => [r.beacon, r.status, r.ids.length, r.bytes]))}`);
  });
  const onHide = fs.state.requests.filter((r) => r.beacon);
  assert.ok(onHide.length >= 3, `${onHide.length} requests on hide`);
  assert.ok(fs.state.requests.every((r) => r.bytes <= 64 * 1024), `largest request ${Math.max(...fs.state.requests.map((r) => r.bytes))} bytes`);
  await ctx.close();
});

test('page closed with 200 queued events: what the browser lets out leaves by beacon, the next load sends the rest', async () => {
  const b2 = await launch();
  const page = await open('', b2.context);
  await page.evaluate(() => localStorage.clear());
  const ids = await queue200(page, b2.context);
  await page.close({ runBeforeUnload: true });
  await until(() => fs.state.requests.some((r) => r.beacon), 5000, 'a beacon');
  const byBeacon = fs.storedIds().size;
  assert.ok(byBeacon > 0, 'the first beacon leaves before the page closes');
  fs.state.defaultStatus = 200;
  const next = await open('', b2.context);
  await until(() => ids.every((id) => fs.storedIds().has(id)), 10_000, 'the rest on the next load');
  assert.ok(fs.state.requests.every((r) => r.bytes <= 64 * 1024));
  await next.close();
  await b2.close();
});

test('two tabs, one closed mid-flush: the other reclaims its queue exactly once', async () => {
  await clearStorage();
  const a = await open('user=ua');
  const b = await open('user=ub');
  // Tab A's requests and beacons all fail, so its events stay in its stored queue; only a
  // reclaim by B can deliver them, so each delivered once proves the reclaim happened once.
  fs.state.defaultStatus = 500;
  fs.state.beaconStatus = 500;
  await a.evaluate(() => window.__track(12, 'a'));
  const idsA = await created(a);
  await until(() => fs.state.requests.length >= 1, 5000, 'A sends');
  await a.close({ runBeforeUnload: true });
  fs.state.defaultStatus = 200;
  // B notices on its next heartbeat and delivers A's events.
  await until(() => idsA.every((id) => fs.storedIds().has(id)), 15_000, 'B reclaims A');
  sameSet(fs.storedIds(), idsA);
  await b.waitForTimeout(6000);
  const counts = idsA.map((id) => fs.state.stored.get(id));
  assert.ok(counts.every((n) => n === 1), `each of A's events stored once: ${counts}`);
  assert.equal(await b.evaluate(() => Object.keys(localStorage).filter((k) => k.includes(':q:')).length), 1, 'only B\'s queue is left');
  await b.close();
});

test('localStorage full: works from memory, says so once, delivers', async () => {
  const ctx = (await launch()).context;
  await ctx.addInitScript(() => {
    if (sessionStorage.getItem('filled')) return;
    // Fill the quota completely, halving the chunk until not even one character fits.
    let n = 0;
    for (let size = 1024 * 1024; size >= 1; size = Math.floor(size / 2)) {
      try { for (;;) localStorage.setItem(`fill${n++}`, 'x'.repeat(size)); } catch { /* full at this size */ }
    }
    sessionStorage.setItem('filled', '1');
  });
  const page = await open('', ctx);
  await page.evaluate(() => window.__track(3));
  await flush(page);
  sameSet(fs.storedIds(), await created(page));
  const errors = await page.evaluate(() => window.__errors.filter((e) => e.code === 'storage_unavailable'));
  assert.equal(errors.length, 1);
  assert.deepEqual(page.problems.filter((p) => !p.includes('storage')), []);
  await ctx.close();
});

test('localStorage blocked: works from memory, delivers', async () => {
  const ctx = (await launch()).context;
  await ctx.addInitScript(() => {
    Object.defineProperty(window, 'localStorage', { get() { throw new DOMException('blocked by the test', 'SecurityError'); } });
  });
  const page = await open('', ctx);
  await page.evaluate(() => window.__track(3));
  await flush(page);
  sameSet(fs.storedIds(), await created(page));
  assert.equal(await page.evaluate(() => window.__errors.filter((e) => e.code === 'storage_unavailable').length), 1);
  await ctx.close();
});

test('corrupted persisted queues: the readable events are delivered, the rest ignored', async () => {
  await clearStorage();
  const seed = await open('consent=denied');
  await seed.evaluate(() => {
    localStorage.setItem('shirube:v1:q:sb_pub_demo:dead1', '{{{ not json');
    localStorage.setItem('shirube:v1:hb:sb_pub_demo:dead1', '0');
    localStorage.setItem('shirube:v1:q:sb_pub_demo:dead2', JSON.stringify({ v: 1, events: [{ c: Date.now(), e: { event_id: '01900000-0000-7000-8000-000000000abc', name: 'event_tracked', timestamp: Date.now() } }, { c: 1, e: { no: 'id' } }, 'junk'] }));
    localStorage.setItem('shirube:v1:hb:sb_pub_demo:dead2', '0');
  });
  await seed.close();
  const page = await open();
  await until(() => fs.storedIds().has('01900000-0000-7000-8000-000000000abc'), 8000, 'the intact event');
  assert.deepEqual(page.problems, []);
  assert.equal(await page.evaluate(() => localStorage.getItem('shirube:v1:q:sb_pub_demo:dead1')), null, 'the unreadable queue is removed');
  await page.close();
});

for (const [label, offset] of [['a day fast', 86_400_000], ['a day slow', -86_400_000]]) {
  test(`the client clock ${label}: delivered, timestamps as the client saw them`, async () => {
    const ctx = (await launch()).context;
    await ctx.addInitScript((off) => {
      const real = Date.now.bind(Date);
      Date.now = () => real() + off;
    }, offset);
    const page = await open('', ctx);
    await page.evaluate(() => window.__track(3));
    await flush(page);
    sameSet(fs.storedIds(), await created(page));
    const b = fs.state.requests[0].batch;
    assert.ok(Math.abs(b.sent_at - (Date.now() + offset)) < 60_000);
    assert.ok(b.events.every((e) => Math.abs(e.timestamp - (Date.now() + offset)) < 60_000));
    await ctx.close();
  });
}

test('the client rate limit: 100 at once, the rest dropped and counted', async () => {
  const page = await open();
  // The bucket refills at 10 events a second, so a slow machine that needs more than 100 ms
  // to record the 150 events earns a token or two back: allow exactly what the time allows.
  const ms = await page.evaluate(() => { const t0 = performance.now(); window.__track(150); return performance.now() - t0; });
  await page.evaluate(() => window.sb.flush());
  const extra = Math.floor((ms / 1000) * 10) + 1;
  let d;
  await until(async () => {
    d = await delivery(page);
    return fs.storedIds().size + d.dropped.rate_limited === 150 && d.queued === 0;
  }, 8000, 'every event stored or dropped');
  const stored = fs.storedIds().size;
  assert.ok(stored >= 100 && stored <= 100 + extra, `${stored} stored after ${ms.toFixed(0)} ms of tracking (at most ${100 + extra})`);
  assert.equal(d.dropped.rate_limited, 150 - stored);
  assert.equal((await created(page)).length, 150, 'listeners still see every event');
  await page.close();
});

test('consent: pending keeps events in memory only, granted sends them, denied keeps nothing', async () => {
  await clearStorage();
  const page = await open('consent=pending');
  await page.evaluate(() => window.__track(3));
  await page.waitForTimeout(2500);
  assert.equal(fs.state.requests.length, 0);
  assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes(':q:')).length), 0, 'nothing stored while pending');
  await page.evaluate(() => window.sb.consent('granted'));
  await until(() => fs.storedIds().size === 3, 8000, 'sent after consent');
  await page.evaluate(() => window.sb.consent('denied'));
  await page.evaluate(() => window.__track(2, 'x'));
  await page.waitForTimeout(2500);
  assert.equal(fs.storedIds().size, 3);
  assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes(':q:')).length), 0);
  await page.close();
});

test('beforeSend can drop events; a host that patches fetch cannot break delivery', async () => {
  const page = await open('dropTrack=secret');
  await page.evaluate(() => { window.fetch = () => { throw new Error('patched by the host'); }; });
  await page.evaluate(() => { window.sb.track('secret'); window.sb.track('public'); });
  await flush(page);
  const names = fs.state.requests.flatMap((r) => r.batch.events.map((e) => e.event));
  assert.deepEqual(names, ['public']);
  // The drop is visible to the host, and only there: not a delivery failure.
  const d = await page.evaluate(() => window.sb.delivery());
  assert.equal(d.filtered, 1);
  assert.deepEqual(Object.values(d.dropped), [0, 0, 0, 0, 0]);
  assert.ok(fs.state.requests.every((r) => !JSON.stringify(r.batch.sdk_stats || {}).includes('filtered')));
  await page.close();
});
