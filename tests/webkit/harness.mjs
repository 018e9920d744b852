// WebKit for the cross-browser layer: Debian's WebKitGTK (the engine of Safari; 2.50 is about
// Safari 26: popover, inert, CSS anchor positioning) driven through its W3C WebDriver server,
// WebKitWebDriver, which starts MiniBrowser in automation mode. Playwright drives only its own
// patched WebKit builds, which come from outside the package registries; this is the same
// engine from apt. MiniBrowser has no headless mode, so it draws into a private Xvfb display.
//
// WebDriver classic has no init scripts and no console events, so the static server adds
// scripts to the fixture pages' <head> instead (`inject`): `watch.js` records page errors,
// unhandled rejections, console.error calls and CSP violations in `window.__problems`, and a
// test may ask for more (the resource counter of tests/browser/resources.js).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer as startStatic, root } from '../browser/harness.mjs';
import { csp } from '../../scripts/serve.mjs';

export { root };
export const WEBDRIVER = process.env.WEBKIT_WEBDRIVER || '/usr/bin/WebKitWebDriver';
export const MINIBROWSER = process.env.MINIBROWSER || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
export const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

const freePort = () => new Promise((ok, fail) => {
  const s = createServer();
  s.on('error', fail);
  s.listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => ok(port));
  });
});

/** Scripts the static server can put first in a fixture page's <head>. */
const SCRIPTS = {
  'watch.js': readFileSync(join(root, 'tests/webkit/watch.js')),
  'resources.js': readFileSync(join(root, 'tests/browser/resources.js')),
  'no-anchors.js': readFileSync(join(root, 'tests/browser/no-anchors.js')),
};

/**
 * The static server of the other browser layers (same mounts, same strict CSP), which also
 * serves /__inject/<name> and adds `<script src="/__inject/watch.js">` (plus any names in the
 * page URL's `inject` parameter, comma-separated) at the top of every fixture page.
 */
export async function startServer(opts = {}) {
  const extra = async (req, res) => {
    if (opts.extra && (await opts.extra(req, res))) return true;
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname.startsWith('/__inject/')) {
      const body = SCRIPTS[url.pathname.slice('/__inject/'.length)];
      if (!body) return false;
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' });
      res.end(body);
      return true;
    }
    if (url.pathname === '/__frame') {
      // A page that shows `src` (a fixture page of this server) in a w×h iframe: a viewport
      // narrower than MiniBrowser's window can be (its toolbar keeps it at least 447 px wide).
      const w = Number(url.searchParams.get('w')), h = Number(url.searchParams.get('h'));
      const src = new URL(url.searchParams.get('src'), 'http://localhost');
      src.searchParams.set('framed', '1');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', 'content-security-policy': "default-src 'self'" });
      res.end(`<!doctype html><html><body><iframe src="${src.pathname}${src.search}" width="${w}" height="${h}" frameborder="0"></iframe></body></html>`);
      return true;
    }
    // The layout fixture's own single-page routes (/fixtures/second…) are its page, as in serve.mjs.
    const page = url.pathname.startsWith('/fixtures/second') ? '/fixtures/layout.html' : url.pathname;
    if (!page.startsWith('/fixtures/') || !page.endsWith('.html')) return false;
    const path = join(root, 'tests/browser/pages', page.slice('/fixtures/'.length).replace(/\.\./g, ''));
    if (!existsSync(path)) return false;
    const names = ['watch.js', ...(url.searchParams.get('inject') || '').split(',').filter(Boolean)];
    const tags = names.map((n) => `<script src="/__inject/${n}"></script>`).join('');
    const html = readFileSync(path, 'utf8').replace(/<head>/i, (h) => h + tags);
    let policy = opts.policy === undefined ? csp(opts.connect || []) : opts.policy;
    if (policy && url.searchParams.has('framed')) policy = policy.replace("frame-ancestors 'none'", "frame-ancestors 'self'");
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', ...(policy ? { 'content-security-policy': policy } : {}) });
    res.end(html);
    return true;
  };
  return startStatic({ ...opts, extra });
}

const KEYS = { Tab: '\uE004', Enter: '\uE007', Shift: '\uE008', Escape: '\uE00C', ArrowLeft: '\uE012', ArrowUp: '\uE013', ArrowRight: '\uE014', ArrowDown: '\uE015' };
const key = (k) => KEYS[k] || k;

/** One W3C WebDriver session: a small client for the handful of commands the tests use. */
class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }
  async cmd(method, path, body) {
    const res = await fetch(`${this.base}/session/${this.id}${path}`, {
      method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
      // No command of these tests takes long: a hung browser fails the test instead of the layer.
      signal: AbortSignal.timeout(Number(process.env.WD_TIMEOUT || 60_000)),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`WebDriver ${method} ${path}: ${json.value?.error}: ${json.value?.message}`);
    return json.value;
  }
}

/**
 * A page in the one window of a session, with the parts of the Playwright/Puppeteer page API
 * the tests share (`evaluate(fn, arg)` with a function or an expression string).
 */
export class Page {
  constructor(session, handle) {
    this.s = session;
    this.handle = handle;
    this.keyboard = {
      press: (k) => this.keys([{ type: 'keyDown', value: key(k) }, { type: 'keyUp', value: key(k) }]),
      down: (k) => this.keys([{ type: 'keyDown', value: key(k) }]),
      up: (k) => this.keys([{ type: 'keyUp', value: key(k) }]),
    };
  }
  /** A command to this page's window (switching to it first when another window was used). */
  async cmd(method, path, body) {
    if (this.s.current !== this.handle) {
      await this.s.cmd('POST', '/window', { handle: this.handle });
      this.s.current = this.handle;
    }
    return this.s.cmd(method, path, body);
  }
  keys(actions) {
    return this.cmd('POST', '/actions', { actions: [{ type: 'key', id: 'keyboard', actions }] });
  }
  /** Runs later commands in the page's `index`th iframe, or in the top page with `null`. */
  frame(index) {
    return this.cmd('POST', '/frame', { id: index });
  }
  goto(url) {
    return this.cmd('POST', '/url', { url });
  }
  reload() {
    return this.cmd('POST', '/refresh', {});
  }
  /** Closes this page's window as a user would (pagehide and unload run). */
  async close() {
    await this.cmd('DELETE', '/window');
    // WebDriver needs a current window for the next command: the session's first one.
    await this.s.cmd('POST', '/window', { handle: this.s.home });
    this.s.current = this.s.home;
  }
  /** Runs `fn(arg)` (or the expression `fn`) in the page; promises are awaited. */
  evaluate(fn, arg) {
    const script = typeof fn === 'function' ? `return (${fn}).apply(null, arguments)` : `return (${fn})`;
    return this.cmd('POST', '/execute/sync', { script, args: typeof fn === 'function' && arg !== undefined ? [arg] : [] });
  }
  async waitForFunction(fn, { timeout = 10000 } = {}, arg) {
    const t0 = Date.now();
    for (;;) {
      const v = await this.evaluate(fn, arg).catch((e) => {
        if (/javascript error|unexpected alert/i.test(e.message)) return false;
        throw e;
      });
      if (v) return v;
      if (Date.now() - t0 > timeout) throw new Error(`waitForFunction timed out after ${timeout} ms: ${String(fn).slice(0, 200)}`);
      await sleep(50);
    }
  }
  /** A real click (trusted pointer events) at the centre of the element `sel` of the page. */
  click(sel) {
    return this.clickWhere(sel, false);
  }
  /** A real click at the centre of `sel` in Shirube's shadow root. */
  clickInShirube(sel) {
    return this.clickWhere(sel, true);
  }
  async clickWhere(sel, inShirube) {
    const at = await this.evaluate(([s, shadow]) => {
      const el = (shadow ? document.querySelector('shirube-root').shadowRoot : document).querySelector(s);
      if (!el) return null;
      const b = el.getBoundingClientRect();
      return { x: Math.round(b.x + b.width / 2), y: Math.round(b.y + b.height / 2) };
    }, [sel, inShirube]);
    if (!at) throw new Error(`click: nothing matches ${sel}`);
    await this.cmd('POST', '/actions', { actions: [{ type: 'pointer', id: 'mouse', parameters: { pointerType: 'mouse' }, actions: [
      { type: 'pointerMove', origin: 'viewport', x: at.x, y: at.y }, { type: 'pointerDown', button: 0 }, { type: 'pointerUp', button: 0 },
    ] }] });
  }
  focus(sel) {
    return this.evaluate((s) => document.querySelector(s).focus(), sel);
  }
  /** Sizes the window so the page's layout viewport is `width`×`height` CSS pixels. */
  async setViewport({ width, height }) {
    for (let i = 0; i < 3; i++) {
      const inner = await this.evaluate(() => [document.documentElement.clientWidth, window.innerHeight]);
      if (inner[0] === width && inner[1] === height) return;
      const rect = await this.cmd('GET', '/window/rect');
      await this.cmd('POST', '/window/rect', { width: rect.width + width - inner[0], height: rect.height + height - inner[1] });
      await sleep(100);
    }
  }
  /**
   * Saves a PNG of the viewport. WebKitGTK 2.50's WebDriver never answers a screenshot of a page
   * that cannot scroll, so such a page is made 1 px taller than the viewport meanwhile.
   */
  async screenshot(path) {
    const { writeFileSync } = await import('node:fs');
    const grown = await this.evaluate(() => {
      const r = document.documentElement;
      if (r.scrollHeight > innerHeight) return false;
      r.style.setProperty('min-height', 'calc(100vh + 1px)');
      return true;
    });
    try {
      writeFileSync(path, Buffer.from(await this.cmd('GET', '/screenshot'), 'base64'));
    } finally {
      if (grown) await this.evaluate(() => document.documentElement.style.removeProperty('min-height'));
    }
  }
  /** Errors, unhandled rejections, console.error calls and CSP violations so far (watch.js). */
  problems() {
    return this.evaluate(() => (window.__problems || ['watch.js is missing from this page']).slice());
  }
}

async function until(what, fn, ms) {
  const t0 = Date.now();
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {
      // not up yet
    }
    if (Date.now() - t0 > ms) throw new Error(`webkit: ${what} did not start within ${ms} ms`);
    await sleep(100);
  }
}

/**
 * Starts Xvfb on a free display, WebKitWebDriver on a free port and one MiniBrowser session
 * (window 1280×800 CSS px of page) with a fresh data directory; `close()` stops all three.
 * `scale: 2` draws at two device pixels per CSS pixel (GDK_SCALE), as a Retina display or
 * 200% zoom does.
 */
export async function launch({ scale = 1 } = {}) {
  for (const [what, path] of [['WebKitWebDriver', WEBDRIVER], ['MiniBrowser', MINIBROWSER], ['Xvfb', '/usr/bin/Xvfb']]) {
    if (!existsSync(path)) throw new Error(`${what} not found at ${path}: run scripts/setup.sh (it installs webkit2gtk-driver and xvfb)`);
  }
  const procs = [];
  const home = mkdtempSync(join(tmpdir(), 'shirube-webkit-'));
  // A display number nobody uses: -displayfd lets Xvfb pick one and tell us.
  const xvfb = spawn('/usr/bin/Xvfb', ['-displayfd', '3', '-screen', '0', '1600x1200x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  procs.push(xvfb);
  const display = await new Promise((ok, fail) => {
    let buf = '';
    xvfb.stdio[3].on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) ok(`:${buf.trim()}`);
    });
    xvfb.on('exit', (c) => fail(new Error(`Xvfb exited with ${c}`)));
    setTimeout(() => fail(new Error('Xvfb did not start within 10 s')), 10000);
  });
  const port = await freePort();
  // XDG dirs in a fresh directory: MiniBrowser keeps its local storage and cache there.
  const env = { ...process.env, DISPLAY: display, HOME: home, XDG_DATA_HOME: join(home, 'data'), XDG_CACHE_HOME: join(home, 'cache'), XDG_CONFIG_HOME: join(home, 'config'), MESA_SHADER_CACHE_DISABLE: 'true', GDK_SCALE: String(scale) };
  const driver = spawn(WEBDRIVER, [`--port=${port}`, '--host=127.0.0.1'], { env, stdio: 'ignore' });
  procs.push(driver);
  const base = `http://127.0.0.1:${port}`;
  await until('WebKitWebDriver', async () => (await (await fetch(`${base}/status`)).json()).value, 15000);
  const res = await fetch(`${base}/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ capabilities: { alwaysMatch: { 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] } } } }),
  });
  const created = await res.json();
  if (!res.ok) throw new Error(`webkit: no session: ${JSON.stringify(created)}`);
  const session = new Session(base, created.value.sessionId);
  session.current = session.home = await session.cmd('GET', '/window');
  const page = new Page(session, session.current);
  /**
   * Opens another window of the same browser (shared storage), shown as a user's page is: a
   * MiniBrowser *tab* opened by WebDriver stays in the background with `visibilityState`
   * "hidden", where timers and animations are throttled and pagehide logic would run.
   */
  const newPage = async () => {
    const { handle } = await session.cmd('POST', '/window/new', { type: 'window' });
    const p = new Page(session, handle);
    await p.setViewport({ width: 1280, height: 800 });
    const state = await p.evaluate(() => document.visibilityState);
    if (state !== 'visible') throw new Error(`webkit: a new window is ${state}, not visible`);
    return p;
  };
  await page.goto('about:blank');
  await page.setViewport({ width: 1280, height: 800 });
  const version = created.value.capabilities.browserVersion;
  const close = async () => {
    await session.cmd('DELETE', '').catch(() => {});
    // The browser's processes may still be writing their caches: wait for the driver and the
    // display to exit, then remove the directory (with retries for a late write).
    await Promise.all(procs.reverse().map((p) => new Promise((ok) => {
      if (p.exitCode !== null || p.signalCode !== null) return ok();
      const t = setTimeout(() => { p.kill('SIGKILL'); ok(); }, 5000);
      p.once('exit', () => { clearTimeout(t); ok(); });
      p.kill('SIGTERM');
    })));
    rmSync(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  };
  return { page, newPage, session, version, close };
}
