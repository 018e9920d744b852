// A scriptable stand-in for the collector, for delivery fault tests: it answers POST /v1/batch
// (and beacons with ?wk=) with CORS, follows a script of responses (status, Retry-After, delay,
// abort), stores each event_id once like the real collector, and records every request.
import { createServer } from 'node:http';
import assert from 'node:assert/strict';

export async function faultServer() {
  const state = { stored: new Map(), requests: [], script: [], defaultStatus: 200, beaconStatus: null, hold: null };
  const server = createServer((req, res) => {
    const cors = {
      'access-control-allow-origin': req.headers.origin || '*',
      'access-control-allow-methods': 'POST, GET, OPTIONS',
      'access-control-allow-headers': 'content-type',
      'access-control-expose-headers': 'Retry-After',
      'access-control-max-age': '600',
    };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors);
      res.end();
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { body += c; });
    req.on('end', async () => {
      const url = new URL(req.url, 'http://x');
      let batch = null;
      try { batch = JSON.parse(body); } catch { /* malformed */ }
      const ids = batch && Array.isArray(batch.events) ? batch.events.map((e) => e.event_id) : [];
      const isBeacon = url.searchParams.has('wk');
      const step = isBeacon && state.beaconStatus ? { status: state.beaconStatus } : state.script.length ? state.script.shift() : { status: state.defaultStatus };
      const rec = { at: Date.now(), bytes: Buffer.byteLength(body), ids, status: step.abort ? 'abort' : step.status, beacon: url.searchParams.has('wk'), attempt: batch && batch.attempt, batch };
      state.requests.push(rec);
      if (step.delay) await new Promise((r) => setTimeout(r, step.delay));
      if (state.hold) await state.hold;
      if (step.abort) {
        req.socket.destroy();
        return;
      }
      let dup = 0;
      if (step.status >= 200 && step.status < 300) {
        for (const id of ids) {
          if (state.stored.has(id)) dup++;
          state.stored.set(id, (state.stored.get(id) || 0) + 1);
        }
      }
      const headers = { ...cors, 'content-type': 'application/json' };
      if (step.retryAfter != null) headers['retry-after'] = String(step.retryAfter);
      res.writeHead(step.status, headers);
      res.end(JSON.stringify(step.status < 300 ? { accepted: ids.length - dup, duplicates: dup, rejected: [] } : { error: 'scripted', message: 'scripted failure' }));
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base,
    state,
    /** Responses for the next requests, in order: { status, retryAfter, delay, abort }. */
    script(steps) { state.script.push(...steps); },
    storedIds() { return new Set(state.stored.keys()); },
    reset() { state.stored.clear(); state.requests.length = 0; state.script.length = 0; state.defaultStatus = 200; state.beaconStatus = null; },
    stop() { return new Promise((ok) => { server.closeAllConnections?.(); server.close(ok); }); },
  };
}

/** Polls `cond` every 50 ms until it holds, or throws after `ms`. */
export async function until(cond, ms = 10_000, what = 'condition') {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Asserts two collections of event ids hold the same ids. */
export const sameSet = (a, b) => assert.deepEqual([...a].sort(), [...b].sort());
