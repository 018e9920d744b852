// What a host page can count on, in WebKit: the cases shared with Firefox
// (tests/browser/integrity-cases.mjs): axe-core, keyboard and focus, the strict CSP, destroy().
import { before, after } from 'node:test';
import { launch, startServer } from './harness.mjs';
import { integrityCases } from '../browser/integrity-cases.mjs';

let server, wk;
before(async () => {
  server = await startServer();
  wk = await launch();
});
after(async () => {
  await wk?.close();
  await server?.stop();
});

integrityCases('WebKit', {
  async open() {
    // resources.js counts listeners, observers and timers (for destroy()); watch.js, which the
    // server adds to every fixture page, records errors and CSP violations (harness.mjs).
    const page = await wk.newPage();
    await page.goto(`${server.base}/fixtures/lifecycle.html?inject=resources.js`);
    await page.waitForFunction(() => typeof window.__start === 'function');
    return page;
  },
  problems: (page) => page.problems(),
});
