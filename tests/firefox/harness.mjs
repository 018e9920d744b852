// Firefox for the cross-browser layer: Debian's firefox-esr driven by puppeteer-core over
// WebDriver BiDi (Playwright drives only its own patched Firefox builds, which come from outside
// the package registries). Headless, a fresh profile per launch, the same static server and
// strict CSP as the Chromium tests.
import puppeteer from 'puppeteer-core';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Puppeteer pages emit the same `pageerror` and `console` events as Playwright's, so the
// problem watcher is shared. (CSP violations do not reach the console over BiDi: the tests that
// check the CSP count `securitypolicyviolation` events instead.)
export { startServer, root, watchProblems } from '../browser/harness.mjs';

export const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';

export const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/** Launches Firefox with a fresh profile; `close()` removes it. */
export async function launch() {
  if (!existsSync(FIREFOX)) throw new Error(`Firefox not found at ${FIREFOX}: run scripts/setup.sh (it installs firefox-esr) or set FIREFOX`);
  const profile = mkdtempSync(join(tmpdir(), 'shirube-firefox-'));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    userDataDir: profile,
    defaultViewport: { width: 1280, height: 800 },
    extraPrefsFirefox: { 'network.http.http3.enable': false, 'app.update.enabled': false, 'browser.shell.checkDefaultBrowser': false },
  });
  const close = async () => {
    await browser.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  };
  return { browser, close };
}
