// What a host page can count on, in Firefox: the cases shared with WebKit
// (tests/browser/integrity-cases.mjs): axe-core, keyboard and focus, the strict CSP, destroy().
import { before, after } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, startServer, watchProblems, root } from './harness.mjs';
import { integrityCases } from '../browser/integrity-cases.mjs';

const RESOURCES = readFileSync(join(root, 'tests/browser/resources.js'), 'utf8');
let server, ff;
before(async () => {
  server = await startServer();
  ff = await launch();
});
after(async () => {
  await ff?.close();
  await server?.stop();
});

integrityCases('Firefox', {
  async open() {
    const page = await ff.browser.newPage();
    await page.evaluateOnNewDocument(RESOURCES);
    // Firefox does not pass CSP reports to the console over BiDi: count the violation events.
    await page.evaluateOnNewDocument(() => {
      window.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.effectiveDirective} ${e.blockedURI}`));
    });
    page.watched = watchProblems(page);
    await page.goto(`${server.base}/fixtures/lifecycle.html`);
    await page.waitForFunction(() => typeof window.__start === 'function');
    return page;
  },
  problems: async (page) => [...page.watched, ...(await page.evaluate(() => window.__csp)).map((c) => `csp: ${c}`)],
});
