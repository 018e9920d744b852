// Where a tour step should be, checked the same way in every browser (Playwright with Chromium
// in tests/browser, Puppeteer with Firefox in tests/firefox): both give `page.evaluate(fn, arg)`;
// the caller passes how to wait.
import assert from 'node:assert/strict';

/**
 * Rects of the step card, its arrow, and the target, once they stop moving: the same in three
 * samples 60 ms apart. (Two were not enough on a loaded machine when a card anchored to a
 * target under a transformed ancestor stayed where anchor() put it until the target had stood
 * still for STILL_MS; such targets are no longer anchored, but the page may still transform
 * one later.)
 */
export async function settledStep(page, target, sleep) {
  let last = '';
  let same = 0;
  for (let i = 0; i < 100; i++) {
    const m = await page.evaluate((sel) => {
      const r = (e) => {
        if (!e) return null;
        const b = e.getBoundingClientRect();
        return { x: b.x, y: b.y, w: b.width, h: b.height };
      };
      const rootEl = document.querySelector('shirube-root');
      const card = rootEl && rootEl.shadowRoot.querySelector('[data-shirube-step]');
      // A target may sit in a web component's open shadow root (the `shadow` case).
      const t = document.querySelector(sel) || document.getElementById('widget')?.shadowRoot?.querySelector(sel);
      // The overlay (if any) has a hole at the target's centre. (The page behind a modal step is
      // inert, so hit-testing the target itself would not find it, by design.)
      const path = rootEl && rootEl.shadowRoot.querySelector('.overlay path');
      const hole = !t || !path || (() => {
        const b = t.getBoundingClientRect();
        // The path is drawn around the hole and the overlay moved by a transform: map the
        // target's centre from the viewport into the path's own coordinates first.
        const pt = new DOMPoint(b.x + b.width / 2, b.y + b.height / 2).matrixTransform(path.getScreenCTM().inverse());
        return !path.isPointInFill(pt);
      })();
      const cardHit = card && (() => {
        const b = card.getBoundingClientRect();
        return document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2) === rootEl;
      })();
      return {
        card: r(card), arrow: r(card && card.querySelector('.arrow')), target: r(t), side: card && card.dataset.side,
        visible: card && getComputedStyle(card).visibility === 'visible', step: card && card.dataset.shirubeStep,
        vw: document.documentElement.clientWidth, vh: document.documentElement.clientHeight, hole, cardHit,
      };
    }, target);
    const key = JSON.stringify([m.card, m.target]);
    same = m.card && m.visible && key === last ? same + 1 : 0;
    if (same === 2) return m;
    last = key;
    await sleep(60);
  }
  throw new Error(`the step for ${target} never settled`);
}

export function assertPlaced(m, { offset = 10 } = {}) {
  const { card: c, target: t, arrow: a, side } = m;
  const near = (got, want, what) => assert.ok(Math.abs(got - want) <= 1, `${what}: ${got} vs ${want} (side ${side})`);
  if (side === 'bottom') near(c.y, t.y + t.h + offset, 'top edge below the target');
  if (side === 'top') near(c.y + c.h, t.y - offset, 'bottom edge above the target');
  if (side === 'right') near(c.x, t.x + t.w + offset, 'left edge right of the target');
  if (side === 'left') near(c.x + c.w, t.x - offset, 'right edge left of the target');
  // The arrow points into the target's span.
  const ax = a.x + a.w / 2;
  const ay = a.y + a.h / 2;
  if (side === 'top' || side === 'bottom') assert.ok(ax >= t.x - 1 && ax <= t.x + t.w + 1, `arrow x ${ax} outside target ${t.x}..${t.x + t.w}`);
  else assert.ok(ay >= t.y - 1 && ay <= t.y + t.h + 1, `arrow y ${ay} outside target ${t.y}..${t.y + t.h}`);
  // Nothing off-screen.
  assert.ok(c.x >= -0.5 && c.y >= -0.5 && c.x + c.w <= m.vw + 0.5 && c.y + c.h <= m.vh + 0.5, `card ${JSON.stringify(c)} inside ${m.vw}×${m.vh}`);
  assert.ok(t.y >= -0.5 && t.y + t.h <= m.vh + 0.5, 'the target is scrolled into view');
  assert.ok(m.hole, 'the overlay has a hole at the target');
  assert.ok(m.cardHit, 'the tooltip is on top of everything at its centre');
}


/**
 * The transformed-ancestor and drawer fixtures record where the card was in every frame once
 * it showed (tests/browser/pages/layout.js): each of those frames had it at its place, not only
 * the settled one: `dx` and `dy` from the target (by default `offset` px below it, left edges
 * aligned; a `dy` of null is not checked). Stops the recording.
 */
export async function assertEveryFramePlaced(page, { offset = 10, dx = 0, dy = offset } = {}) {
  // Five more frames first: WebKitGTK under Xvfb runs animation frames only now and then while
  // nothing asks for one, so the settled step may have left fewer than three samples there.
  await fiveFrames(page);
  const trace = await page.evaluate(() => {
    window.__traceStop = true;
    return window.__trace;
  });
  assert.ok(trace.length >= 3, `frames recorded with the card shown: ${trace.length}`);
  const off = trace.filter((s) => Math.abs(s.dx - dx) > 1 || (dy !== null && Math.abs(s.dy - dy) > 1));
  assert.deepEqual(off, [], `${off.length} of ${trace.length} frames showed the card away from its place`);
}

/** Waits for five animation frames of the page (each followed by a task). */
export async function fiveFrames(page) {
  await page.evaluate(async () => {
    for (let i = 0; i < 5; i++) await new Promise((ok) => requestAnimationFrame(() => setTimeout(ok, 0)));
  });
}

/**
 * After the test moved something (scrolled the page or a container, changed a style): the step
 * once it has settled in its place again. A browser may run the frame that lays the step out a
 * few hundred ms late (WebKitGTK after an idle spell), and until then the card stands still
 * where it was, which `settledStep` alone would take for settled. Waits up to 5 s for the card to
 * be placed, then asserts as `assertPlaced` does.
 */
export async function placedAfter(page, target, sleep, opts) {
  const until = Date.now() + 5000;
  for (;;) {
    const m = await settledStep(page, target, sleep);
    try {
      assertPlaced(m, opts);
      return m;
    } catch (e) {
      if (Date.now() > until) throw e;
      await sleep(100);
    }
  }
}

/**
 * Animation frames from a trigger until `sel` is in Shirube's shadow root (240 if never): the
 * trigger is calling the page's `window[call]()`, clicking the element `click`, or the next
 * window `event` (start this before causing it).
 */
export function framesUntil(page, sel, { call, click, event } = {}) {
  return page.evaluate(({ sel, call, click, event }) => new Promise((resolve) => {
    const count = () => {
      let n = 0;
      const f = () => {
        n += 1;
        if (document.querySelector('shirube-root')?.shadowRoot?.querySelector(sel) || n >= 240) resolve(n);
        else requestAnimationFrame(f);
      };
      requestAnimationFrame(f);
    };
    if (event) {
      addEventListener(event, count, { once: true });
      return;
    }
    if (call) window[call]();
    if (click) document.querySelector(click).click();
    count();
  }), { sel, call, click, event });
}
