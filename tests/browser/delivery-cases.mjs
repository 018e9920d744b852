// The delivery fault cases that run the same in Firefox (tests/firefox/) and WebKit
// (tests/webkit/): the exact set of event_ids stored by the scriptable collector stand-in —
// nothing lost, nothing stored twice — through each engine's own fetch, keepalive, sendBeacon,
// localStorage and page lifecycle. (The Chromium matrix, with Playwright's offline mode and
// more, is tests/browser/delivery.test.mjs.)
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { until, sameSet } from './fault-server.mjs';

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/**
 * Registers the cases, named `${label}: …`. `layer` is the browser layer's adapter, read when the
 * tests run: `fs()` the fault server, `base()` the static server's URL, `newPage()` a new tab,
 * `problems(page)` its errors so far, `closeTab(page)` closes it as a user would (unload runs).
 */
export function deliveryCases(label, layer) {
  let fs;
  beforeEach(() => {
    fs = layer.fs();
    fs.reset();
  });

  async function open(query = '') {
    const page = await layer.newPage();
    await page.goto(`${layer.base()}/fixtures/delivery.html?collector=${encodeURIComponent(fs.base)}&${query}`);
    await page.waitForFunction(() => window.__ready && window.sb);
    return page;
  }
  const created = (page) => page.evaluate(() => window.__created.slice());
  const delivery = (page) => page.evaluate(() => window.sb.delivery());
  const flush = (page) => page.evaluate(() => window.sb.flush());
  const clearStorage = async () => {
    const p = await layer.newPage();
    await p.goto(`${layer.base()}/fixtures/delivery.html?consent=denied`);
    await p.evaluate(() => { localStorage.clear(); });
    await p.close();
  };

  test(`${label}: 200: delivered once, in the contract shape`, async () => {
    await clearStorage();
    const page = await open();
    await page.evaluate(() => window.__track(3));
    await flush(page);
    sameSet(fs.storedIds(), await created(page));
    const e = fs.state.requests[0].batch.events[0];
    assert.equal(e.name, 'event_tracked');
    assert.equal(e.context.traits.email, undefined, 'the denylist removed email');
    assert.deepEqual(fs.state.requests[0].batch.events.map((x) => x.seq), [1, 2, 3]);
    assert.equal((await delivery(page)).queued, 0);
    assert.deepEqual(await layer.problems(page), []);
    await page.close();
  });

  test(`${label}: 401: stops sending for the page, keeps the events, the next load delivers them`, async () => {
    await clearStorage();
    const page = await open();
    fs.script([{ status: 401 }]);
    await page.evaluate(() => window.__track(3));
    await flush(page);
    await page.evaluate(() => window.__track(2, 'more'));
    await flush(page);
    assert.equal(fs.state.requests.length, 1, 'no request after a 401');
    assert.equal((await delivery(page)).stopped, true);
    const all = await created(page);
    await page.close();
    const next = await open();
    // Usually at once: the closing page marks its queue free at pagehide. If the next page
    // does not see that mark (pagehide not run, or its localStorage write not yet visible), the
    // queue is taken over once its heartbeat is 15 s old, at the next check (every 5 s): within
    // 20 s. Firefox on a loaded machine once delivered nothing within 10 s here.
    await until(() => all.every((id) => fs.storedIds().has(id)), 25_000, 'delivery after reload');
    sameSet(fs.storedIds(), all);
    await next.close();
  });

  test(`${label}: 503 with Retry-After, then 413: retried, split, each event stored once`, async () => {
    const page = await open();
    fs.script([{ status: 503, retryAfter: 1 }, { status: 413 }]);
    await page.evaluate(() => window.__track(4));
    await page.evaluate(() => window.sb.flush());
    await until(() => fs.storedIds().size === 4, 10_000, 'retry and split');
    sameSet(fs.storedIds(), await created(page));
    const [first, second] = fs.state.requests;
    assert.ok(second.at - first.at >= 950, `Retry-After honoured (${second.at - first.at} ms)`);
    assert.ok(fs.state.requests.slice(2).every((r) => r.ids.length <= 2), 'split after the 413');
    assert.ok([...fs.state.stored.values()].every((n) => n === 1), 'stored once each');
    await page.close();
  });

  test(`${label}: aborted connection: retried, stored once`, async () => {
    const page = await open();
    fs.script([{ abort: true }]);
    await page.evaluate(() => window.__track(3));
    await page.evaluate(() => window.sb.flush());
    await until(() => fs.storedIds().size === 3, 8000, 'retry after abort');
    sameSet(fs.storedIds(), await created(page));
    await page.close();
  });

  test(`${label}: reload with a request in flight: the same event_ids are resent and stored once`, async () => {
    await clearStorage();
    const page = await open();
    fs.script([{ status: 200, delay: 2500 }]);
    await page.evaluate(() => window.__track(12));
    await until(() => fs.state.requests.length >= 1, 5000, 'first request');
    const ids = await created(page);
    await page.reload();
    await page.waitForFunction(() => window.__ready && window.sb);
    await until(() => ids.every((id) => fs.storedIds().has(id)), 10_000, 'resend after reload');
    sameSet(new Set([...fs.storedIds()].filter((id) => ids.includes(id))), ids);
    await page.close();
  });

  test(`${label}: tab hidden with events the collector refuses: they leave by beacon`, async () => {
    await clearStorage();
    const page = await open();
    fs.state.defaultStatus = 500;
    fs.state.beaconStatus = 200;
    await page.evaluate(() => window.__track(30, 'h', { note: 'x'.repeat(300) }));
    await until(() => fs.state.requests.length >= 1, 5000, 'a failing request');
    const ids = await created(page);
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await until(() => ids.every((id) => fs.storedIds().has(id)), 10_000, 'delivery on hide').catch((e) => {
      throw new Error(`${e.message}: ${fs.storedIds().size} stored; requests ${JSON.stringify(fs.state.requests.map((r) => [r.beacon, r.status, r.ids.length, r.bytes]))}`);
    });
    assert.ok(fs.state.requests.some((r) => r.beacon), 'sent by sendBeacon');
    assert.ok(fs.state.requests.every((r) => r.bytes <= 64 * 1024));
    await page.close();
  });

  test(`${label}: two tabs, one closed with a failing queue: the other reclaims it exactly once`, async () => {
    await clearStorage();
    const a = await open('user=ua');
    const b = await open('user=ub');
    fs.state.defaultStatus = 500;
    fs.state.beaconStatus = 500;
    await a.evaluate(() => window.__track(12, 'a'));
    const idsA = await created(a);
    await until(() => fs.state.requests.length >= 1, 5000, 'A sends');
    await layer.closeTab(a);
    fs.state.defaultStatus = 200;
    await until(() => idsA.every((id) => fs.storedIds().has(id)), 15_000, 'B reclaims A');
    await sleep(6000);
    const counts = idsA.map((id) => fs.state.stored.get(id));
    assert.ok(counts.every((n) => n === 1), `each of A's events stored once: ${counts}`);
    assert.equal(await b.evaluate(() => Object.keys(localStorage).filter((k) => k.includes(':q:')).length), 1, 'only B\'s queue is left');
    await b.close();
  });
}
