#!/usr/bin/env node
// A small static server for the demo and the browser tests. It serves the package files
// (/dist, /js, /schema) and the examples, and sends a strict Content-Security-Policy by default,
// so every page proves Shirube works with only 'wasm-unsafe-eval' added:
//   default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'
// SPA routes (/app/...) fall back to the app's index.html. Binds to 127.0.0.1 only.
//
// Usage: node scripts/serve.mjs [--port 8080] [--connect http://127.0.0.1:8787]
//        or import { serve } from './serve.mjs'
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json; charset=utf-8', '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8', '.map': 'application/json',
};

/** Routes: URL prefix → directory. The first match wins; `/` serves examples/. */
const MOUNTS = [
  ['/dist/', 'dist/'],
  ['/js/', 'js/'],
  ['/schema/', 'schema/'],
  ['/node_modules/axe-core/', 'node_modules/axe-core/'],
  ['/app/', 'examples/saas-app/'],
  ['/fixtures/', 'tests/browser/pages/'],
  ['/', 'examples/'],
];

export function csp(connect = []) {
  return ["default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "style-src 'self'", "img-src 'self' data:",
    `connect-src 'self' ${connect.join(' ')}`.trim(), "frame-ancestors 'none'"].join('; ');
}

async function file(path) {
  try {
    const s = await stat(path);
    if (s.isDirectory()) return file(join(path, 'index.html'));
    return { path, body: await readFile(path) };
  } catch {
    return null;
  }
}

/**
 * Starts the server. `extra(req, res)` may handle a request first (tests use it for fixture
 * routes) and return true when it did. `policy` overrides the CSP (null sends none).
 */
export function serve({ port = 0, connect = [], policy, extra, dirs = MOUNTS, demoConfig = {} } = {}) {
  const header = policy === undefined ? csp(connect) : policy;
  const server = createServer(async (req, res) => {
    try {
      if (extra && (await extra(req, res))) return;
      if (req.url.startsWith('/demo-config.json')) {
        // What the demo app needs to know about its collector (none: it runs without one).
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify(demoConfig));
        return;
      }
      const url = new URL(req.url, 'http://localhost');
      let pathname = decodeURIComponent(url.pathname);
      if (pathname === '/favicon.ico') pathname = '/favicon.svg';
      let found = null;
      for (const [prefix, dir] of dirs) {
        if (!pathname.startsWith(prefix)) continue;
        const rel = normalize(pathname.slice(prefix.length)).replace(/^(\.\.[/\\])+/, '');
        const base = resolve(root, dir);
        const full = resolve(base, rel);
        if (!full.startsWith(base)) break;
        found = await file(full);
        // Single-page app routes: /app/anything without a file extension is the app; the
        // layout fixture's own routes (/fixtures/second…) are its page.
        if (!found && prefix === '/app/' && !extname(pathname)) found = await file(join(base, 'index.html'));
        if (!found && prefix === '/fixtures/' && pathname.startsWith('/fixtures/second')) found = await file(join(base, 'layout.html'));
        break;
      }
      if (!found) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
        return;
      }
      const headers = { 'content-type': TYPES[extname(found.path)] || 'application/octet-stream', 'cache-control': 'no-cache' };
      if (header) headers['content-security-policy'] = header;
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : found.body);
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(e));
    }
  });
  return new Promise((ok) => server.listen(port, '127.0.0.1', () => ok(server)));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name, dflt) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : dflt;
  };
  const port = Number(arg('--port', process.env.PORT || 8080));
  const connect = (arg('--connect', '') || '').split(',').filter(Boolean);
  serve({ port, connect }).then((s) => console.log(`serving on http://127.0.0.1:${s.address().port}/`));
}
