// The tour layout matrix run in Firefox (tests/firefox) and WebKit (tests/webkit), written once:
// targets in scroll containers, under a sticky header, in a transformed ancestor, above
// z-index 999999, in a shadow root and a modal <dialog>, rendered late, never rendered,
// removed mid-step, a page that replaces the target's inline style, right to left, the
// keyboard, a step taller than the viewport (`tallCardCases`) and targets that move with
// nothing but the movement to tell (`movingTargetCases`), both also run by Chromium. Each
// checks the placement with tests/browser/placement.mjs. (Chromium runs the
// same layouts in tests/browser/tours.test.mjs with Playwright's own tools.) `noAnchorCases`,
// the layouts with CSS anchor positioning hidden (as in Safari 17/18), runs in Chromium and
// WebKit.
//
// `layer` is how a browser layer opens and closes pages:
//   open(name, { query, anchors }) → a page on /fixtures/layout.html?case=name, with `evaluate(fn, arg)`,
//     `waitForFunction(fn, { timeout })` and `keyboard.press(key)`, once `window.sb` exists
//     (`anchors: false`: with tests/browser/no-anchors.js run before the page's scripts);
//   problems(page) → the page's errors, rejections, console errors and CSP violations so far;
//   close(page);
//   sleep(ms);
//   frameSampled: true where a rect read after a frame does not show a running transition as
//     that frame did (WebKit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settledStep, assertPlaced, assertEveryFramePlaced, fiveFrames, placedAfter, framesUntil } from './placement.mjs';

/**
 * Waits until the step card sits on `side` (`top` or `bottom`) of the element `sel` finds, 10 px
 * off, over its centre: after a change the runtime sees only in its next frame, which a
 * browser can delay by a few hundred ms (WebKitGTK headless), so a fixed sleep could measure
 * the card before it moved.
 */
async function cardBeside(page, sel, side) {
  // Passed through the page: Playwright and Puppeteer take waitForFunction's argument in
  // different places.
  await page.evaluate((a) => { window.__beside = a; }, [sel, side]);
  await page.waitForFunction(() => {
    const [s, side] = window.__beside;
    const card = document.querySelector('shirube-root')?.shadowRoot.querySelector('[data-shirube-step]');
    const t = document.querySelector(s)?.getBoundingClientRect();
    if (!card || !t) return false;
    const c = card.getBoundingClientRect();
    const cx = t.x + t.width / 2;
    const gap = side === 'top' ? t.y - c.bottom : c.y - t.bottom;
    return Math.abs(gap - 10) <= 1 && c.x <= cx && c.right >= cx;
  }, { timeout: 5000 });
}

export function layoutCases(label, layer) {
  const settled = (page, target) => settledStep(page, target, layer.sleep);
  const done = async (page) => {
    assert.deepEqual(await layer.problems(page), []);
    await layer.close(page);
  };

  test(`${label}: nested scroll containers, placed on the right and followed when a container scrolls`, async () => {
    const page = await layer.open('nested');
    const m = await settled(page, '#deep');
    assert.equal(m.side, 'right');
    assertPlaced(m);
    const inside = await page.evaluate(() => ['outer', 'inner'].every((id) => {
      const t = document.getElementById('deep').getBoundingClientRect();
      const c = document.getElementById(id).getBoundingClientRect();
      return t.top >= c.top - 1 && t.bottom <= c.bottom + 1;
    }));
    assert.ok(inside, 'visible inside both scroll containers');
    await page.evaluate(() => { document.getElementById('inner').scrollTop += 40; });
    await placedAfter(page, '#deep', layer.sleep);
    await done(page);
  });

  test(`${label}: scrolling with a step shown writes nothing (anchored to the target)`, async () => {
    const page = await layer.open('nested');
    assertPlaced(await settled(page, '#deep'));
    const anchored = await page.evaluate(() => CSS.supports('anchor-name: --x') && document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step]').hasAttribute('data-anchored'));
    assert.ok(anchored, `${label} has anchor positioning and the card uses it`);
    const writes = await page.evaluate(async () => {
      const root = document.querySelector('shirube-root').shadowRoot;
      let n = 0;
      const mo = new MutationObserver((l) => { n += l.length; });
      mo.observe(root, { attributes: true, subtree: true, childList: true });
      const outer = document.getElementById('outer');
      const inner = document.getElementById('inner');
      for (let i = 0; i < 30; i++) {
        await new Promise((r) => requestAnimationFrame(r));
        window.scrollBy(0, i % 2 ? 3 : -3);
        outer.scrollTop += i % 2 ? 2 : -2;
        inner.scrollTop += i % 2 ? 2 : -2;
      }
      await new Promise((r) => setTimeout(r, 100));
      mo.disconnect();
      return n;
    });
    assert.equal(writes, 0, 'no attribute or node written in the shadow root while scrolling');
    assertPlaced(await settled(page, '#deep'));
    await done(page);
  });

  for (const [name, sel, side] of [['sticky', '#below', null], ['transformed', '#in-transform', 'bottom'], ['zindex', '#high-z', 'bottom']]) {
    test(`${label}: ${name === 'zindex' ? 'z-index 999999' : name === 'sticky' ? 'sticky header' : 'transformed ancestor'}: placed exactly, on top`, async () => {
      const page = await layer.open(name);
      const m = await settled(page, sel);
      if (side) assert.equal(m.side, side);
      assertPlaced(m);
      if (name === 'sticky') {
        const header = await page.evaluate(() => document.getElementById('header').getBoundingClientRect().bottom);
        assert.ok(m.target.y >= header - 0.5, `target top ${m.target.y} below the header ${header}`);
      }
      if (name === 'transformed') {
        assert.ok(Math.abs(m.card.x - m.target.x) <= 1, 'bottom-start aligns left edges');
        // From the first frame it showed in, not only once settled.
        await assertEveryFramePlaced(page);
        await page.evaluate(() => window.scrollBy(0, 7));
        await placedAfter(page, sel, layer.sleep);
      }
      await done(page);
    });
  }

  test(`${label}: target inside a web component's open shadow root, followed while scrolling`, async () => {
    const page = await layer.open('shadow');
    const m = await settled(page, '#in-shadow');
    assert.equal(m.side, 'bottom');
    assertPlaced(m);
    await page.evaluate(() => window.scrollBy(0, 11));
    await placedAfter(page, '#in-shadow', layer.sleep);
    await done(page);
  });

  test(`${label}: target inside an open modal <dialog>: shown above the dialog`, async () => {
    const page = await layer.open('dialog');
    assertPlaced(await settled(page, '#in-dialog'));
    assert.equal(await page.evaluate(() => document.querySelector('shirube-root').parentElement.id), 'dlg', 'the host moved into the dialog');
    await page.evaluate(() => document.getElementById('dlg').close());
    await page.waitForFunction(() => document.querySelector('shirube-root').parentElement === document.body);
    await done(page);
  });

  test(`${label}: target rendered after 1.5 s: the step waits, then shows in place`, async () => {
    const page = await layer.open('late');
    const t0 = Date.now();
    const m = await settled(page, '#late');
    assert.ok(Date.now() - t0 >= 1200, 'shown only after the target rendered');
    assertPlaced(m);
    assert.ok(!(await page.evaluate(() => window.__events.map((e) => e.name))).includes('target_missing'));
    await done(page);
  });

  test(`${label}: target never rendered: target_missing with the wait, the tour ends, nothing left inert`, async () => {
    const page = await layer.open('never');
    await page.waitForFunction(() => window.__events.some((e) => e.name === 'flow_dismissed'), { timeout: 6000 });
    const ev = await page.evaluate(() => window.__events.find((e) => e.name === 'target_missing'));
    assert.equal(ev.props.selector, '#never');
    assert.ok(ev.props.waited_ms >= 1900 && ev.props.waited_ms <= 2600, `waited ${ev.props.waited_ms}`);
    assert.equal(await page.evaluate(() => document.querySelector('shirube-root').shadowRoot.querySelectorAll('[role=dialog]').length), 0);
    assert.equal(await page.evaluate(() => [...document.body.children].some((c) => c.inert)), false, 'nothing left inert');
    await done(page);
  });

  test(`${label}: target removed during its step: hidden, then the tour ends after the wait; back in time, it shows again`, async () => {
    const page = await layer.open('removed');
    assertPlaced(await settled(page, '#removable'));
    await page.evaluate(() => { window.__kept = document.getElementById('removable'); window.__parent = window.__kept.parentElement; window.__kept.remove(); });
    await page.waitForFunction(() => !document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step]'));
    await layer.sleep(500);
    await page.evaluate(() => { window.__parent.append(window.__kept); });
    assertPlaced(await settled(page, '#removable'));
    await page.evaluate(() => { window.__kept.remove(); });
    await page.waitForFunction(() => window.__events.some((e) => e.name === 'flow_dismissed'), { timeout: 5000 });
    assert.equal(await page.evaluate(() => window.__events.filter((e) => e.name === 'target_missing').length), 1);
    await done(page);
  });

  test(`${label}: the page replaces the target's inline style mid-step: the card stays in place, the page keeps its style`, async () => {
    const page = await layer.open('zindex');
    assertPlaced(await settled(page, '#high-z'));
    await page.evaluate(() => { document.getElementById('high-z').style.cssText = 'color: rgb(1, 2, 3)'; });
    assertPlaced(await settled(page, '#high-z'));
    await page.evaluate(() => window.scrollBy(0, 9));
    await placedAfter(page, '#high-z', layer.sleep);
    await page.evaluate(() => window.sb.destroy());
    assert.equal(await page.evaluate(() => document.getElementById('high-z').getAttribute('style')), 'color: rgb(1, 2, 3);');
    await done(page);
  });

  test(`${label}: right-to-left page: start and end follow the reading direction`, async () => {
    const page = await layer.open('rtl', { query: '&rtl=1' });
    const m = await settled(page, '#b');
    assertPlaced(m);
    assert.ok(Math.abs(m.card.x + m.card.w - (m.target.x + m.target.w)) <= 1, 'bottom-start aligns right edges on an RTL page');
    await done(page);
  });

  test(`${label}: keyboard: focus moves into the step once it shows, Esc dismisses`, async () => {
    const page = await layer.open('nested');
    assertPlaced(await settled(page, '#deep'));
    // The step was hidden while its target scrolled into view, and browsers do not focus
    // hidden elements: focus moves in when it shows.
    await page.waitForFunction(() => {
      const r = document.querySelector('shirube-root');
      return r.shadowRoot.activeElement && r.shadowRoot.activeElement.closest('[data-shirube-step]');
    }, { timeout: 3000 });
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step]'));
    const names = await page.evaluate(() => window.__events.map((e) => e.name));
    assert.ok(names.includes('flow_dismissed'), names.join(' '));
    await done(page);
  });

  tallCardCases(label, layer);
  panelCases(label, layer);
  rehearsalCases(label, layer);
  movingTargetCases(label, layer);
  outOfSightCases(label, layer);
  renderedAgainCases(label, layer);
  zoomCases(label, layer);
  headerCases(label, layer);
}

/**
 * Targets that move with no scroll, resize or DOM change of their own: before, the step was
 * laid out once when the drawer's class changed, its target still off-screen, and stayed hidden
 * for good (a grey screen); a target moved by the Web Animations API or by a stylesheet change
 * left the card where it was, where the browser has no anchor positioning.
 */
export function movingTargetCases(label, layer) {
  for (const early of [false, true]) {
    test(`${label}: a target in a drawer that slides in${early ? ', opened before Shirube starts' : ''}: the step shows beside it${early ? '' : layer.frameSampled ? ' as soon as it is in view' : ' as soon as it is in view, in place in every frame'}`, async () => {
      const page = await layer.open('drawer', { query: early ? '&open=0' : '' });
      // The drawer opens 800 ms after load and slides for 500 ms. Then a few frames: WebKitGTK
      // under Xvfb runs frames only now and then while nothing asks for one, and until the next
      // one, reads the finished transition's rects as they were in the middle of it (while the
      // screen shows them right).
      await layer.sleep(early ? 700 : 1500);
      await fiveFrames(page);
      const m = await settledStep(page, '#in-drawer', layer.sleep);
      assert.equal(m.side, 'right');
      assertPlaced(m);
      if (!early) {
        // Every frame from the one the card first showed in had it beside its moving target,
        // and no frame showed the whole target without its card.
        // (WebKit samples a running transform transition at the time of each read, not per
        // frame: a read after the frame sees the target further on than the layout did in it,
        // so its layer sets `frameSampled` and only the settled place is checked there.)
        assert.equal(await page.evaluate(() => window.__unshown), 0, 'frames with the target in view and the card hidden');
        if (!layer.frameSampled) await assertEveryFramePlaced(page, { dx: 10, dy: null });
      }
      assert.deepEqual(await layer.problems(page), []);
      await layer.close(page);
    });
  }

  for (const [name, what, check] of [
    ['animated', 'moved by the Web Animations API', (m) => assert.ok(m.target.x > 200, `the target moved: x ${m.target.x}`)],
    ['restyled', 'pushed down by a stylesheet change', (m) => assert.ok(m.target.y > 150, `the target moved: y ${m.target.y}`)],
  ]) {
    for (const anchors of [true, false]) {
      test(`${label}: a target ${what}${anchors ? '' : ', without CSS anchor positioning'}: the step follows it`, async () => {
        const page = await layer.open(name, { anchors });
        assertPlaced(await settledStep(page, '#b', layer.sleep));
        // Moved 800 ms after load: wait for it to finish, then for the step to settle again.
        await layer.sleep(1500);
        const m = await settledStep(page, '#b', layer.sleep);
        check(m);
        assertPlaced(m);
        if (!anchors) assert.equal(await page.evaluate(() => document.querySelector('shirube-root').shadowRoot.querySelectorAll('[data-anchored]').length), 0, 'nothing anchored');
        assert.deepEqual(await layer.problems(page), []);
        await layer.close(page);
      });
    }
  }
}

/**
 * The layouts again where the browser has no CSS anchor positioning (tests/browser/no-anchors.js
 * hides it): nothing is anchored, the layout writes viewport coordinates and follows every
 * scroll itself.
 */
export function noAnchorCases(label, layer) {
  for (const [name, sel, scroll] of [
    ['nested', '#deep', () => { document.getElementById('inner').scrollTop += 40; }],
    ['sticky', '#below', () => window.scrollBy(0, 13)],
    ['transformed', '#in-transform', () => window.scrollBy(0, 7)],
    ['zindex', '#high-z', () => window.scrollBy(0, 9)],
    ['shadow', '#in-shadow', () => window.scrollBy(0, 11)],
    ['dialog', '#in-dialog', null],
    ['late', '#late', () => window.scrollBy(0, 5)],
    ['rtl', '#b', null],
  ]) {
    test(`${label} without CSS anchor positioning: ${name}, placed exactly and followed while scrolling`, async () => {
      const page = await layer.open(name, { anchors: false, query: name === 'rtl' ? '&rtl=1' : '' });
      const m = await settledStep(page, sel, layer.sleep);
      assertPlaced(m);
      if (name === 'rtl') assert.ok(Math.abs(m.card.x + m.card.w - (m.target.x + m.target.w)) <= 1, 'bottom-start aligns right edges on an RTL page');
      const anchored = await page.evaluate(() => {
        const r = document.querySelector('shirube-root').shadowRoot;
        return [...r.querySelectorAll('[data-anchored]')].length + document.adoptedStyleSheets.length;
      });
      assert.equal(anchored, 0, 'nothing anchored, no stylesheet in the document');
      if (scroll) {
        await page.evaluate(scroll);
        await placedAfter(page, sel, layer.sleep);
      }
      assert.deepEqual(await layer.problems(page), []);
      await layer.close(page);
    });
  }
}

/**
 * A step whose text is far taller than the viewport (the `long` fixture): beside its target,
 * its height is limited to the room below it and its body scrolls, its title and buttons stay
 * on screen, focus lands on its button without scrolling the page, and the centred step after
 * it fits the viewport the same way. (Before: the card ran off the bottom of the screen, and
 * focusing its off-screen button scrolled the page until the target, and the card with it,
 * were gone: a grey screen.)
 */
export function tallCardCases(label, layer) {
  test(`${label}: a step taller than the viewport fits beside its target, its body scrolling, its buttons in view`, async () => {
    const page = await layer.open('long');
    const m = await settledStep(page, '#b', layer.sleep);
    assert.equal(m.side, 'bottom');
    assertPlaced(m);
    const card = () => {
      const root = document.querySelector('shirube-root');
      const c = root.shadowRoot.querySelector('[data-shirube-step]');
      const body = c.querySelector('.body');
      const r = (e) => e.getBoundingClientRect();
      const vh = document.documentElement.clientHeight;
      const inView = (e) => { const b = r(e); return b.top >= -0.5 && b.bottom <= vh + 0.5 && document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2) === root; };
      const active = root.shadowRoot.activeElement;
      return {
        step: c.dataset.shirubeStep, scrollY: window.scrollY, card: r(c).toJSON(), vh,
        buttonInView: inView(c.querySelector('[data-shirube-action=next]')),
        titleInView: inView(c.querySelector('h2')),
        bodyScrolls: body.scrollHeight > body.clientHeight + 100, bodyTabindex: body.getAttribute('tabindex'),
        focused: active && active.getAttribute('data-shirube-action'),
      };
    };
    await page.waitForFunction(() => document.querySelector('shirube-root').shadowRoot.activeElement, { timeout: 3000 });
    const first = await page.evaluate(card);
    assert.equal(first.scrollY, 0, 'the target was in view: the page did not scroll, not even to focus the button');
    assert.ok(first.buttonInView && first.titleInView, JSON.stringify(first));
    assert.ok(first.bodyScrolls, 'the body scrolls');
    assert.equal(first.bodyTabindex, '0', 'the scrolling body can be reached with the keyboard');
    assert.equal(first.focused, 'next', 'focus on the primary button');
    // The centred step after it: inside the viewport, its button in view.
    await page.evaluate(() => document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-action=next]').click());
    await page.waitForFunction(() => document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step=end]'), { timeout: 3000 });
    let end;
    for (let i = 0; i < 50; i++) {
      await layer.sleep(60);
      end = await page.evaluate(() => {
        const root = document.querySelector('shirube-root');
        const c = root.shadowRoot.querySelector('[data-shirube-step]');
        const b = c.getBoundingClientRect();
        const btn = c.querySelector('.btn.primary').getBoundingClientRect();
        const vh = document.documentElement.clientHeight;
        const vw = document.documentElement.clientWidth;
        const body = c.querySelector('.body');
        return {
          visible: getComputedStyle(c).visibility === 'visible', inside: b.top >= -0.5 && b.bottom <= vh + 0.5 && b.left >= -0.5 && b.right <= vw + 0.5,
          button: btn.top >= 0 && btn.bottom <= vh && document.elementFromPoint(btn.x + btn.width / 2, btn.y + btn.height / 2) === root,
          centred: Math.abs(b.top + b.height / 2 - vh / 2) <= 1, bodyScrolls: body.scrollHeight > body.clientHeight + 100,
        };
      });
      if (end.visible && end.inside && end.button) break;
    }
    assert.deepEqual(end, { visible: true, inside: true, button: true, centred: true, bodyScrolls: true });
    assert.deepEqual(await layer.problems(page), []);
    await layer.close(page);
  });
}

/**
 * The rehearsal (src/runtime.rs, `rehearse`): once the page is idle, the first tour step's card
 * is built, laid out and removed in one task, so nothing paints, and nothing of the page, the
 * events or the state changes; a real start afterwards is as always. The fixture records from
 * before Shirube starts (`?record=1`, tests/browser/pages/layout.js).
 */
export function rehearsalCases(label, layer) {
  const signs = (cards) => cards.map(({ added, removed }) => (added ? `+${added}` : `-${removed}`));

  test(`${label}: the first card is rehearsed unseen once the page is idle, and the start is real afterwards`, async () => {
    const page = await layer.open('manual', { query: '&record=1' });
    // The card added and removed in one task (one batch of mutations): never painted.
    await page.waitForFunction(() => window.__cards.length >= 2, { timeout: 5000 });
    await layer.sleep(300);
    const cards = await page.evaluate(() => window.__cards);
    assert.deepEqual(signs(cards), ['+s', '-s']);
    assert.equal(cards[0].batch, cards[1].batch, 'added and removed in the same task');
    const after = await page.evaluate(() => ({
      layer: document.querySelector('shirube-root').shadowRoot.querySelector('.layer').children.length,
      events: window.__events.map((e) => e.name),
      page: window.__pageChanges,
      style: document.getElementById('b').getAttribute('style'),
      showing: window.sb.state().showing,
    }));
    assert.deepEqual(after, { layer: 0, events: [], page: [], style: null, showing: [] });
    // A real start afterwards: shown once, at its target, anchored to it where the browser can.
    await page.evaluate(() => window.sb.start('t'));
    const m = await settledStep(page, '#b', layer.sleep);
    assert.equal(m.side, 'bottom');
    assertPlaced(m);
    const anchored = await page.evaluate(() => !CSS.supports('anchor-name: --x') || getComputedStyle(document.getElementById('b')).anchorName === '--shirube-1-0');
    assert.ok(anchored, 'anchored as usual after the rehearsal');
    assert.deepEqual(await page.evaluate(() => window.__events.map((e) => `${e.name}:${e.step ?? ''}`)), ['flow_started:', 'step_viewed:s']);
    assert.deepEqual(signs((await page.evaluate(() => window.__cards)).slice(2)), ['+s']);
    assert.deepEqual(await layer.problems(page), []);
    await layer.close(page);
  });

  test(`${label}: nothing is rehearsed while a tour shows from the start`, async () => {
    const page = await layer.open('basic', { query: '&record=1' });
    assertPlaced(await settledStep(page, '#a', layer.sleep));
    // Longer than a rehearsal waits where there is no requestIdleCallback (2 s): the step's
    // card was added once, never removed.
    await layer.sleep(2500);
    assert.deepEqual(signs(await page.evaluate(() => window.__cards)), ['+a']);
    assert.deepEqual(await layer.problems(page), []);
    await layer.close(page);
  });
}

/**
 * A slideout and a checklist panel with far more than the screen holds (their heights are
 * limited by CSS, not the layout): each on screen, its body or items scrolling, its title,
 * description and buttons in view; shown together, neither covers the other. Run by every
 * browser layer at its own viewport; Chromium runs it on a phone too.
 */
export async function measurePanels(page) {
  return page.evaluate(() => {
    const root = document.querySelector('shirube-root').shadowRoot;
    const vw = document.documentElement.clientWidth;
    const vh = document.documentElement.clientHeight;
    const box = (e) => e && e.getBoundingClientRect();
    const inside = (e) => { const b = box(e); return !!b && b.width > 0 && b.top >= -0.5 && b.left >= -0.5 && b.bottom <= vh + 0.5 && b.right <= vw + 0.5; };
    // On top where it is: what a click at its centre would reach.
    const reachable = (e) => { const b = box(e); return !!b && root.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2)?.closest('button') === e; };
    const slide = root.querySelector('[data-shirube-flow=slide]');
    const panel = root.querySelector('[data-shirube-checklist=list]');
    const launcher = root.querySelector('.launcher');
    const overlap = (a, b) => { const x = box(a); const y = box(b); return !!x && !!y && x.left < y.right && y.left < x.right && x.top < y.bottom && y.top < x.bottom; };
    const scrolls = (e) => !!e && e.scrollHeight > e.clientHeight + 100;
    return {
      slide: slide && {
        inside: inside(slide), title: inside(slide.querySelector('h2')), scrolls: scrolls(slide.querySelector('.body')),
        cta: reachable(slide.querySelector('[data-shirube-action=cta]')), close: reachable(slide.querySelector('[data-shirube-action=dismiss]')),
      },
      panel: panel && {
        inside: inside(panel), title: inside(panel.querySelector('h2')), scrolls: scrolls(panel.querySelector('.items')),
        // The description whole, not squashed by the items.
        description: (() => { const d = panel.querySelector('.body'); return d.clientHeight >= 18 && d.scrollHeight <= d.clientHeight + 1; })(),
        close: reachable(panel.querySelector('[data-shirube-action=dismiss]')),
      },
      launcher: launcher && reachable(launcher),
      apart: !overlap(slide, panel) && !overlap(slide, launcher),
    };
  });
}

export function panelCases(label, layer) {
  test(`${label}: a slideout and a checklist panel taller than the screen fit on it, their bodies scrolling, side by side`, async () => {
    const page = await layer.open('panels');
    const whole = { inside: true, title: true, scrolls: true };
    await page.evaluate(() => window.sb.start('slide'));
    await page.waitForFunction(() => document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-flow=slide]'), { timeout: 3000 });
    await layer.sleep(400);
    const alone = await measurePanels(page);
    assert.deepEqual(alone.slide, { ...whole, cta: true, close: true }, JSON.stringify(alone));
    await page.evaluate(() => window.sb.start('list'));
    await page.waitForFunction(() => document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-checklist=list]'), { timeout: 3000 });
    await layer.sleep(400);
    const both = await measurePanels(page);
    assert.deepEqual(both, { slide: { ...whole, cta: true, close: true }, panel: { ...whole, description: true, close: true }, launcher: true, apart: true });
    assert.deepEqual(await layer.problems(page), []);
    await layer.close(page);
  });
}

/**
 * Targets on the page but out of sight, where no scrolling can bring them: the step waits for
 * them as for an absent target (its `ifMissing`), with nothing on screen, and shows when they
 * come into view. Before, it was shown at once with its card hidden, on a dimmed page, until
 * the target came into view, which it might never do.
 */
export function outOfSightCases(label, layer) {
  const shadow = (page) => page.evaluate(() => {
    const root = document.querySelector('shirube-root')?.shadowRoot;
    return { cards: root ? root.querySelectorAll('[data-shirube-step]').length : 0, overlays: root ? root.querySelectorAll('.overlay').length : 0 };
  });

  test(`${label}: a target in a drawer that stays closed: nothing dims the page, the step waits, then target_missing says hidden`, async () => {
    const page = await layer.open('closed');
    await layer.sleep(600);
    assert.deepEqual(await shadow(page), { cards: 0, overlays: 0 }, 'no card and no overlay while the target is out of sight');
    assert.notEqual(await page.evaluate(() => document.elementFromPoint(640, 400)?.tagName), 'SHIRUBE-ROOT', 'the page is not covered');
    assert.equal(await page.evaluate(() => [...document.body.children].some((c) => c.inert)), false, 'nothing inert');
    const why = await page.evaluate(() => window.sb.explain().find((e) => e.flow === 't').why);
    assert.match(why, /`#in-drawer` matches an element out of sight/);
    await page.waitForFunction(() => window.__events.some((e) => e.name === 'flow_dismissed'), { timeout: 6000 });
    const names = await page.evaluate(() => window.__events.map((e) => e.name));
    assert.ok(!names.includes('step_viewed'), `no step_viewed for a step never seen: ${names.join(' ')}`);
    const ev = await page.evaluate(() => window.__events.find((e) => e.name === 'target_missing'));
    assert.equal(ev.props.reason, 'hidden');
    assert.equal(ev.props.selector, '#in-drawer');
    assert.ok(ev.props.waited_ms >= 1900 && ev.props.waited_ms <= 2600, `waited ${ev.props.waited_ms}`);
    assert.deepEqual(await layer.problems(page), []);
    await layer.close(page);
  });

  test(`${label}: the drawer closes during the step: the card goes, and comes back when it opens again`, async () => {
    const page = await layer.open('drawer');
    await layer.sleep(1500);
    await fiveFrames(page);
    assertPlaced(await settledStep(page, '#in-drawer', layer.sleep));
    await page.evaluate(() => document.getElementById('drawer').classList.remove('open'));
    await page.waitForFunction(() => !document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step]'), { timeout: 3000 });
    assert.equal((await shadow(page)).overlays, 0, 'the overlay went with the card');
    await page.evaluate(() => document.getElementById('drawer').classList.add('open'));
    await layer.sleep(700);
    await fiveFrames(page);
    const m = await settledStep(page, '#in-drawer', layer.sleep);
    assert.equal(m.side, 'right');
    assertPlaced(m);
    const names = await page.evaluate(() => window.__events.map((e) => e.name));
    assert.equal(names.filter((n) => n === 'step_viewed').length, 1, names.join(' '));
    assert.ok(!names.includes('target_missing'), names.join(' '));
    assert.deepEqual(await layer.problems(page), []);
    await layer.close(page);
  });

  for (const [name, sel, side, what] of [
    ['sheet', '#in-sheet', 'top', 'a fixed bottom sheet below the screen of a long page, which slides up'],
    ['accordion', '#in-panel', 'bottom', 'a collapsed accordion panel, which opens'],
    ['invisible', '#in-menu', 'right', 'a menu hidden by `visibility`, which shows'],
  ]) {
    test(`${label}: a target in ${what}: the step waits, then shows beside it`, async () => {
      const page = await layer.open(name);
      await layer.sleep(400);
      assert.deepEqual(await shadow(page), { cards: 0, overlays: 0 }, 'nothing shown while the target is out of sight');
      // It comes into view 800 ms after load.
      await layer.sleep(1000);
      await fiveFrames(page);
      const m = await settledStep(page, sel, layer.sleep);
      assert.equal(m.side, side);
      assertPlaced(m);
      assert.ok(!(await page.evaluate(() => window.__events.map((e) => e.name))).includes('target_missing'));
      assert.deepEqual(await layer.problems(page), []);
      await layer.close(page);
    });
  }

  test(`${label}: a target in a popover faded out to opacity 0: the step waits, shows once it fades in, and goes when it fades out`, async () => {
    const page = await layer.open('faded');
    await layer.sleep(400);
    assert.deepEqual(await shadow(page), { cards: 0, overlays: 0 }, 'nothing shown while the popover is transparent');
    assert.match(await page.evaluate(() => window.sb.explain().find((e) => e.flow === 't').why), /`#in-popover` matches an element out of sight/);
    // It fades in 800 ms after load.
    await layer.sleep(1000);
    await fiveFrames(page);
    const m = await settledStep(page, '#in-popover', layer.sleep);
    assert.equal(m.side, 'right');
    assertPlaced(m);
    // Faded out during the step: the card goes once the fade ends, and comes back with it.
    await page.evaluate(() => document.getElementById('popover').classList.remove('open'));
    await page.waitForFunction(() => !document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step]'), { timeout: 3000 });
    await page.evaluate(() => document.getElementById('popover').classList.add('open'));
    await layer.sleep(500);
    await fiveFrames(page);
    assertPlaced(await settledStep(page, '#in-popover', layer.sleep));
    const names = await page.evaluate(() => window.__events.map((e) => e.name));
    assert.equal(names.filter((n) => n === 'step_viewed').length, 1, names.join(' '));
    assert.ok(!names.includes('target_missing'), names.join(' '));
    assert.deepEqual(await layer.problems(page), []);
    await layer.close(page);
  });

  test(`${label}: a selector that matches a phone menu's copy (not rendered), an off-canvas drawer's and the toolbar's: the step shows at the one in sight`, async () => {
    const page = await layer.open('copies');
    const m = await settledStep(page, '#new-visible', layer.sleep);
    assert.equal(m.side, 'bottom');
    assertPlaced(m);
    assert.equal(await page.evaluate(() => document.querySelectorAll('[data-tour=new]').length), 3);
    // The window narrows to a phone's: the toolbar's copy goes, the phone menu's shows. The card
    // follows it.
    await page.evaluate(() => {
      window.__card = document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step]');
      document.getElementById('new-visible').style.display = 'none';
      document.getElementById('phone-menu').style.display = 'block';
    });
    await cardBeside(page, '#phone-menu [data-tour=new]', 'bottom');
    const phone = await settledStep(page, '#phone-menu [data-tour=new]', layer.sleep);
    assert.equal(phone.side, 'bottom');
    assertPlaced(phone);
    assert.ok(await page.evaluate(() => document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step]') === window.__card), 'the same card, moved (not hidden and shown again)');
    const names = await page.evaluate(() => window.__events.map((e) => e.name));
    assert.deepEqual(names, ['flow_started', 'step_viewed'], names.join(' '));
    assert.deepEqual(await layer.problems(page), []);
    await layer.close(page);
  });

  for (const [name, sel, side, what, scrolled] of [
    ['wide', '#far-right', 'bottom', 'far right in a horizontally scrolling table', () => document.getElementById('table').scrollLeft > 1000],
    ['shell', '#below', 'top', 'far below in a body that scrolls instead of the page (an app shell)', () => document.body.scrollTop > 1000],
  ]) {
    test(`${label}: a target ${what} is in reach: scrolled into view and shown at once`, async () => {
      const page = await layer.open(name);
      const m = await settledStep(page, sel, layer.sleep);
      assert.equal(m.side, side);
      assertPlaced(m);
      assert.ok(await page.evaluate(scrolled), 'scrolled to it');
      assert.deepEqual(await layer.problems(page), []);
      await layer.close(page);
    });
  }
}

/**
 * A target rendered again as a new element while its step shows: by a framework (a remount, a
 * changed key), a server-driven swap (htmx, Turbo), or a copy (`cloneNode`). Before, the step
 * hid as for a removed target and waited for a later DOM change to look again, ending the tour
 * if none came.
 */
export function renderedAgainCases(label, layer) {
  test(`${label}: the page renders the target again as a new element (a framework, an htmx swap, a clone): the card stays up beside the new one, focus in it, no event`, async () => {
    const page = await layer.open('again');
    assertPlaced(await settledStep(page, '#removable', layer.sleep));
    const shadow = () => page.evaluate(() => {
      const root = document.querySelector('shirube-root').shadowRoot;
      return { same: root.querySelector('[data-shirube-step]') === window.__card, nodes: window.__nodes, focused: root.activeElement?.dataset.shirubeAction || null, events: window.__events.map((e) => e.name) };
    });
    await page.evaluate(() => {
      const root = document.querySelector('shirube-root').shadowRoot;
      window.__card = root.querySelector('[data-shirube-step]');
      window.__nodes = 0;
      new MutationObserver((l) => { for (const m of l) window.__nodes += m.addedNodes.length + m.removedNodes.length; }).observe(root, { childList: true, subtree: true });
    });
    // Replaces element #id with a new button, as a framework renders one, `dx` px further right.
    const renderAgain = (id, text, dx) => page.evaluate(([id, text, dx]) => {
      const b = document.createElement('button');
      b.id = id;
      b.className = 't';
      b.textContent = text;
      b.style.marginLeft = `${dx}px`;
      document.getElementById(id).replaceWith(b);
    }, [id, text, dx]);
    const before = await shadow();
    // A new element, 120 px further right.
    await renderAgain('removable', 'Rendered again', 120);
    await cardBeside(page, '#removable', 'top');
    const m = await settledStep(page, '#removable', layer.sleep);
    assertPlaced(m);
    // Then a copy of it (cloneNode), which carries the anchor name the card follows.
    await page.evaluate(() => {
      const old = document.getElementById('removable');
      const copy = old.cloneNode(true);
      copy.style.marginLeft = '40px';
      old.replaceWith(copy);
    });
    await cardBeside(page, '#removable', 'top');
    assertPlaced(await settledStep(page, '#removable', layer.sleep));
    assert.deepEqual(await shadow(), before, 'the same card, nothing added or removed, focus kept, no event');
    // A hint's beacon follows its target the same way.
    await page.evaluate(() => window.sb.dismiss());
    await page.waitForFunction(() => document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-beacon=h]'), { timeout: 5000 });
    await layer.sleep(300);
    const offset = () => page.evaluate(() => {
      const b = document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-beacon=h]');
      const r = b.getBoundingClientRect();
      const t = document.getElementById('b').getBoundingClientRect();
      return { dx: Math.round(r.x - t.x), dy: Math.round(r.y - t.y), same: b === window.__beacon };
    });
    await page.evaluate(() => { window.__beacon = document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-beacon=h]'); });
    const was = await offset();
    await page.evaluate((dx) => { window.__dx = dx; }, was.dx);
    await renderAgain('b', 'Target B', 200);
    // Moved 200 px right with its target.
    await page.waitForFunction(() => {
      const r = window.__beacon.getBoundingClientRect();
      return Math.round(r.x - document.getElementById('b').getBoundingClientRect().x) === window.__dx;
    }, { timeout: 5000 });
    await layer.sleep(300);
    assert.deepEqual(await offset(), was, 'the same beacon, as far from the new element as from the old');
    await page.evaluate(() => window.sb.destroy());
    assert.equal(await page.evaluate(() => getComputedStyle(document.getElementById('removable')).anchorName ?? 'none'), 'none', 'the copy given back without an anchor name');
    assert.deepEqual(await layer.problems(page), []);
    await layer.close(page);
  });
}

/**
 * A page zoomed with the CSS `zoom` property on its root or body (a compact mode, a dashboard
 * fitted to a large screen): a long-standing complaint about tooltip libraries, whose tooltips,
 * inside the zoomed body, are scaled away from their targets. Shirube's host undoes the zoom
 * around it (`Mount::unzoom`), so its viewport pixels are the page's.
 */
export function zoomCases(label, layer) {
  for (const [where, z, then] of [['body', '0.8', '1.1'], ['html', '1.25', '0.9']]) {
    test(`${label}: a page zoomed with CSS (\`${where} { zoom: ${z} }\`, then ${then} mid-step): the step placed exactly, the overlay's hole on the target`, async () => {
      const page = await layer.open('zoomed', { query: `&csszoom=${where}:${z}` });
      const m = await settledStep(page, '#b', layer.sleep);
      assert.equal(m.side, 'bottom');
      assertPlaced(m);
      // The app changes its zoom while the step shows.
      await page.evaluate((a) => { (a[0] === 'html' ? document.documentElement : document.body).style.zoom = a[1]; }, [where, then]);
      await cardBeside(page, '#b', 'bottom');
      assertPlaced(await settledStep(page, '#b', layer.sleep));
      assert.deepEqual(await layer.problems(page), []);
      await layer.close(page);
    });
  }
}

/**
 * A sticky header bar (64 px) over a page the user scrolls while a step shows: the card is kept
 * below the bar (it flips rather than cover it), and hides while its target is under the bar.
 * Before, the card covered the bar and, once the target had scrolled under it, pointed at it.
 * The same with a 48 px announcement banner in the flow above the header (`?banner=1`), which
 * scrolls away while the header sticks: before, such a header was not known as the bar. And
 * with the banner fixed at the top and the header sticking below it (`?banner=fixed`): before,
 * the banner alone was taken as the bar, and cards covered the header.
 */
export function headerCases(label, layer) {
  for (const banner of [0, 48, 'fixed']) headerCasesWith(label, layer, banner);
}

function headerCasesWith(label, layer, kind) {
  const banner = kind ? 48 : 0;
  const query = kind ? `&banner=${kind === 'fixed' ? 'fixed' : 1}` : '';
  const title = kind === 'fixed' ? ' below a fixed announcement banner' : kind ? ' below an announcement banner' : '';
  const where = (page, sel) => page.evaluate((s) => {
    const card = document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step]');
    const c = card.getBoundingClientRect();
    const t = document.querySelector(s).getBoundingClientRect();
    return { top: Math.round(c.y), side: card.dataset.side, shown: getComputedStyle(card).visibility === 'visible', target: Math.round(t.y), bar: Math.round(document.getElementById('header').getBoundingClientRect().bottom) };
  }, sel);
  const scroll = async (page, dy) => {
    await page.evaluate((d) => window.scrollBy(0, d), dy);
    await fiveFrames(page);
    await layer.sleep(100);
  };

  test(`${label}: the user scrolls a step's target toward a sticky header${title}: the card flips below the target rather than cover the header`, async () => {
    const page = await layer.open('sticky', { query });
    const m = await settledStep(page, '#below', layer.sleep);
    assert.equal(m.side, 'top');
    assertPlaced(m);
    // Up to 100 px below the header: no room above the target under the header.
    for (let i = 0; i < 8; i++) {
      await scroll(page, 25);
      // In the frame the scroll is laid out in, which WebKitGTK headless can run late.
      const ok = await page.waitForFunction(() => {
        const c = document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step]').getBoundingClientRect();
        return c.y >= Math.round(document.getElementById('header').getBoundingClientRect().bottom) - 0.5;
      }, { timeout: 3000 }).then(() => true, () => false);
      const w = await where(page, '#below');
      assert.ok(ok && w.top >= w.bar, `the card (top ${w.top}, ${w.side}) covers the header (bottom ${w.bar}) with the target at ${w.target}`);
    }
    assert.equal((await where(page, '#below')).side, 'bottom');
    assertPlaced(await settledStep(page, '#below', layer.sleep));
    assert.deepEqual(await layer.problems(page), []);
    await layer.close(page);
  });

  test(`${label}: a step's target scrolled under a sticky header${title}: the card hides, and shows again when it comes out`, async () => {
    const page = await layer.open('zoom', { query });
    assertPlaced(await settledStep(page, '#b', layer.sleep));
    // #b is 142 px from the top (below the banner, if any); 130 px further down, it is under
    // the 64 px header (under the header alone, below a fixed banner).
    const by = kind === 'fixed' ? 130 : 130 + banner;
    await scroll(page, by);
    await page.waitForFunction(() => getComputedStyle(document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step]')).visibility === 'hidden', { timeout: 3000 }).catch(() => {});
    const under = await where(page, '#b');
    assert.ok(under.target + 33 <= under.bar, `the target is under the header: ${JSON.stringify(under)}`);
    assert.equal(under.shown, false, 'the card hides while its target is under the header');
    await scroll(page, -by);
    await placedAfter(page, '#b', layer.sleep);
    assert.deepEqual(await layer.problems(page), []);
    await layer.close(page);
  });
}

/**
 * Targets that come in ways tours of other libraries wait for in vain: rendered late inside a
 * web component's shadow root, inside a component defined late (`customElements.define` from a
 * lazily loaded chunk; no change the document's mutation observer sees), revealed by the page's
 * CSS when a class is added to <html>. A target with `display: contents`, which has no
 * box of its own. And a selector the page lacks never matching Shirube's own elements in its
 * shadow root.
 */
export function lateTargetCases(label, layer) {
  for (const [name, sel, what] of [
    ['shadowlate', '#in-shadow', 'rendered 1.5 s late inside a web component\'s shadow root'],
    ['upgraded', '#in-shadow', 'inside a web component defined 1.5 s late (`customElements.define`)'],
    ['gated', '#gated', 'revealed 1.5 s late by a class on <html> and the page\'s CSS'],
    ['clipped', '#in-clipped', 'inside a menu hidden by `clip-path: inset(0 0 100% 0)` and revealed 1.5 s late'],
    ['circled', '#in-clipped', 'inside a menu hidden by `clip-path: circle(0% at right top)` and revealed 1.5 s late'],
    ['polygoned', '#in-clipped', 'inside a menu hidden by a `clip-path: polygon()` collapsed onto its top edge and revealed 1.5 s late'],
    ['zoomclip', '#in-clipped', 'below the part a `clip-path: inset(0 0 60px 0)` in px shows, on a page zoomed with CSS (`html { zoom: 1.25 }`), revealed 1.5 s late'],
  ]) {
    test(`${label}: a target ${what}: the step waits, then shows in place`, async () => {
      const page = await layer.open(name);
      const t0 = Date.now();
      const m = await settledStep(page, sel, layer.sleep);
      assert.ok(Date.now() - t0 >= 1200, 'shown only after the target came');
      assert.equal(m.side, 'bottom');
      assertPlaced(m);
      assert.deepEqual(await page.evaluate(() => window.__events.filter((e) => e.name === 'target_missing')), []);
      assert.deepEqual(await layer.problems(page), []);
      await layer.close(page);
    });
  }

  // Frames from `__render()` until the step's card is in Shirube's shadow root.
  const framesToShow = (page, render = '__render') => framesUntil(page, '[data-shirube-step]', { call: render });

  // How much the page's query counter `window[counter]` grew over 60 frames, and in how long.
  const queriesIn60Frames = (page, counter) => page.evaluate((counter) => new Promise((resolve) => {
    const q0 = window[counter];
    const t0 = performance.now();
    let n = 0;
    const f = () => (++n < 60 ? requestAnimationFrame(f) : resolve({ queries: window[counter] - q0, seconds: (performance.now() - t0) / 1000 }));
    requestAnimationFrame(f);
  }), counter);

  test(`${label}: a step waits on a page with 40 web components and a DOM change in every frame: the components are not queried in every frame, and a target one makes by adding a class shows in the next frames`, async () => {
    const page = await layer.open('shadowmany');
    await page.evaluate(() => new Promise((r) => setTimeout(r, 600)));
    // 60 frames, each with a change of the page's own text (outside the components).
    const run = await queriesIn60Frames(page, '__shadowQueries');
    // Looking in every frame would query each root 60 times (2,400). Allowed: the roots queried
    // again after each slow look (1 s) and each new listing (5 s), with room for two more.
    const allowed = 40 * (2 + Math.ceil(run.seconds) + Math.ceil(run.seconds / 5));
    assert.ok(run.queries <= allowed, `${run.queries} shadow root queries in 60 frames (${run.seconds.toFixed(2)} s), allowed ${allowed}`);
    // A class added in a component: seen through its shadow root's changes, not at the next
    // slow look.
    const frames = await framesToShow(page);
    assert.ok(frames <= 8, `the card showed ${frames} frames after the class was added`);
    const m = await settledStep(page, '#in-shadow', layer.sleep);
    assertPlaced(m);
    assert.deepEqual(await page.evaluate(() => window.__events.filter((e) => e.name === 'target_missing')), []);
    assert.deepEqual(await layer.problems(page), []);
    await layer.close(page);
  });

  test(`${label}: a step waits on a page whose text changes in every frame (a clock): the absent selector is not queried in every frame, and the target shows in the frames after it is added`, async () => {
    const page = await layer.open('ticking');
    await page.evaluate(() => new Promise((r) => setTimeout(r, 600)));
    const run = await queriesIn60Frames(page, '__tickQueries');
    // Looking after every change would query it in each of the 60 frames. Allowed: once after
    // each slow look (1 s), with room for two more.
    const allowed = 2 + Math.ceil(run.seconds);
    assert.ok(run.queries <= allowed, `${run.queries} queries for the absent selector in 60 frames (${run.seconds.toFixed(2)} s), allowed ${allowed}`);
    const frames = await framesToShow(page);
    assert.ok(frames <= 8, `the card showed ${frames} frames after the target was added`);
    assertPlaced(await settledStep(page, '#late-tick', layer.sleep));
    assert.deepEqual(await page.evaluate(() => window.__events.filter((e) => e.name === 'target_missing')), []);
    assert.deepEqual(await layer.problems(page), []);
    await layer.close(page);
  });

  // Targets the page's CSS shows after a change: each step shows in the frames after it (the
  // state changes, with no DOM change, showed only at the slow look before: 1 s, about 60
  // frames).
  const state = (how) => `a target the page's CSS reveals on a state change with no DOM change, ${how}: the step shows in the frames after`;
  for (const [name, target, title, change] of [
    ['emptybadge', '#badge', 'a target hidden by the page\'s `:empty { display: none }` until its text comes (a badge), on a page whose clock ticks in every frame: the step shows in the frames after the text comes', 'the badge got its text'],
    ['datastate', '#ds-item', 'a target in a menu that a component library opens through an attribute its CSS reads (`data-state="open"`): the step shows in the frames after it opens', 'the menu opened'],
    ['checked', '#ck-item', state('a checkbox checked (`:checked ~`)'), 'the change'],
    ['popover', '#pop-item', state('a popover shown (`showPopover()`, `:popover-open`)'), 'the change'],
    ['focuswithin', '#fw-item', state('focus moved into a menu (`:focus-within`)'), 'the change'],
    ['hashtarget', '#hash-item', state('a link to a tab panel\'s fragment followed (`:target`)'), 'the change'],
  ]) {
    test(`${label}: ${title}`, async () => {
      const page = await layer.open(name);
      await page.evaluate(() => new Promise((r) => setTimeout(r, 600)));
      const frames = await framesToShow(page);
      assert.ok(frames <= 8, `the card showed ${frames} frames after ${change}`);
      const m = await settledStep(page, target, layer.sleep);
      assert.equal(m.side, 'bottom');
      assertPlaced(m);
      if (name === 'hashtarget') {
        // Following the link scrolled the panel to the very top, under the sticky header: the
        // step scrolled it out from under it (before, its card stayed hidden there for good).
        const header = await page.evaluate(() => document.querySelector('header.sticky').getBoundingClientRect().bottom);
        assert.ok(m.target.y >= header, `the target (top ${m.target.y}) is below the header (bottom ${header})`);
      }
      if (name === 'focuswithin') {
        // The step is not modal and the user is typing: focus stays in their field (taking it
        // would close the menu the step points into).
        assert.equal(await page.evaluate(() => document.activeElement.id), 'fw-field');
      }
      if (name === 'popover') {
        // The card is above the page's popover in the top layer.
        assert.ok(await page.evaluate(() => {
          const r = document.querySelector('shirube-root').shadowRoot.querySelector('[data-shirube-step]').getBoundingClientRect();
          const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
          return hit?.localName === 'shirube-root';
        }), 'the card is on top');
      }
      assert.deepEqual(await page.evaluate(() => window.__events.filter((e) => e.name === 'target_missing')), []);
      assert.deepEqual(await layer.problems(page), []);
      await layer.close(page);
    });
  }

  test(`${label}: a visit that replaces the whole <body> (Turbo Drive) mid-tour: the next step waits on the new page and shows in the frames after its target renders`, async () => {
    const page = await layer.open('multipage');
    assertPlaced(await settledStep(page, '#a', layer.sleep));
    await page.evaluate(() => window.__visit('/fixtures/second' + location.search));
    for (let i = 0; i < 50 && !(await page.evaluate(() => window.__events.some((e) => e.name === 'step_completed' && e.step === 'first'))); i++) await layer.sleep(100);
    await layer.sleep(300);
    const frames = await framesToShow(page, '__renderSecond');
    assert.ok(frames <= 8, `the card showed ${frames} frames after the new page's target rendered`);
    const m = await settledStep(page, '#second', layer.sleep);
    assert.equal(m.step, 'second');
    assertPlaced(m);
    assert.ok(await page.evaluate(() => document.body.contains(document.querySelector('shirube-root'))), 'the host is in the new body');
    assert.deepEqual(await page.evaluate(() => window.__events.filter((e) => e.name === 'target_missing')), []);
    assert.deepEqual(await layer.problems(page), []);
    await layer.close(page);
  });

  test(`${label}: a selector matching a visually hidden copy (\`.sr-only\`: clip and clip-path) before the visible control: the step points at the visible one`, async () => {
    const page = await layer.open('sronly');
    const m = await settledStep(page, '#sr-visible', layer.sleep);
    assert.equal(m.side, 'bottom');
    assertPlaced(m);
    assert.deepEqual(await layer.problems(page), []);
    await layer.close(page);
  });

  test(`${label}: a target with \`display: contents\` (a wrapper with no box of its own): the step points at its child`, async () => {
    const page = await layer.open('contents');
    const m = await settledStep(page, '#in-contents', layer.sleep);
    assert.equal(m.side, 'bottom');
    assertPlaced(m);
    assert.deepEqual(await page.evaluate(() => window.__events.filter((e) => e.name === 'target_missing')), []);
    assert.deepEqual(await layer.problems(page), []);
    await layer.close(page);
  });

  test(`${label}: a step's selector the page lacks is not matched in Shirube's own shadow root (a hint's beacon): target_missing`, async () => {
    const page = await layer.open('own');
    await page.waitForFunction(() => document.querySelector('shirube-root')?.shadowRoot.querySelector('[data-shirube-beacon=h]'), { timeout: 5000 });
    await page.waitForFunction(() => window.__events.some((e) => e.name === 'flow_dismissed'), { timeout: 6000 });
    const names = await page.evaluate(() => window.__events.filter((e) => e.flow === 't').map((e) => e.name));
    assert.ok(!names.includes('step_viewed'), `the step never showed: ${names}`);
    const ev = await page.evaluate(() => window.__events.find((e) => e.name === 'target_missing'));
    assert.equal(ev.props.selector, 'button[aria-expanded]');
    assert.deepEqual(await layer.problems(page), []);
    await layer.close(page);
  });
}
