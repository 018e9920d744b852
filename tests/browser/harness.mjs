// Shared setup for the Playwright tests: Debian's Chromium through playwright-core (never a
// downloaded browser), headless with the flags this machine needs, a fresh profile per launch,
// and the static server from scripts/serve.mjs with its strict CSP.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../../scripts/serve.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/** Launches Chromium with a fresh user-data-dir; `close()` removes it. */
export async function launch(options = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'shirube-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    ...options,
  });
  const close = async () => {
    await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}

/** Starts the static server on a free port; returns its base URL and a stop function. */
export async function startServer(opts = {}) {
  const server = await serve({ port: 0, ...opts });
  const base = `http://127.0.0.1:${server.address().port}`;
  // close() alone waits for the browser's idle keep-alive connections to time out (minutes).
  const stop = () => new Promise((ok) => {
    server.close(ok);
    server.closeAllConnections();
  });
  return { base, stop, server };
}

/** Collects console errors, page errors and CSP violations of a page, for asserting none happened. */
export function watchProblems(page) {
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  return problems;
}
