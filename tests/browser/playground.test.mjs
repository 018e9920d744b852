// The spec checker page: the wasm validator running in Chromium under a strict CSP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launch, startServer, watchProblems, root } from './harness.mjs';

let browser, server;
before(async () => {
  server = await startServer();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('validates the example spec, then explains a broken one, with no CSP violations', async () => {
  const page = await browser.context.newPage();
  const problems = watchProblems(page);
  await page.goto(`${server.base}/playground/`);
  await page.waitForFunction(() => document.getElementById('status').textContent === 'No problems found');
  await page.click('#load-broken');
  await page.waitForFunction(() => document.querySelectorAll('#diagnostics li').length > 0);
  const items = await page.$$eval('#diagnostics li', (lis) => lis.map((li) => li.textContent));
  const codes = await page.$$eval('#diagnostics li .code', (els) => els.map((e) => e.textContent.split(' ')[1]));
  assert.deepEqual(codes.sort(), ['invalid-glob', 'invalid-selector', 'missing-default-locale', 'unknown-key', 'unknown-milestone'].sort());
  assert.ok(items.some((t) => t.includes('did you mean `placement`?')), items.join('\n'));
  assert.match(await page.textContent('#status'), /^4 errors, 1 warning/);
  // Clicking a diagnostic selects its line in the editor.
  await page.click('#diagnostics li.error');
  const selected = await page.evaluate(() => {
    const e = document.getElementById('spec');
    return e.value.slice(e.selectionStart, e.selectionEnd);
  });
  assert.ok(selected.length > 0);
  await page.screenshot({ path: join(root, 'docs/screenshots/spec-checker.png') });
  assert.deepEqual(problems, []);
  await page.close();
});
