#!/usr/bin/env node
// The demo: starts the collector (`serve --dev`: SQLite in a temporary directory, project
// `demo`), publishes the Acme onboarding spec to it as a CS team would, serves the Acme app
// (which loads its spec from the collector and sends its events there), and prints the URLs.
// Ctrl-C stops everything.
//
// Usage: node scripts/demo.mjs [--collector-bin PATH]   (scripts/demo.sh builds first)
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './serve.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const PORT = Number(process.env.PORT || 8080);
const CPORT = Number(process.env.COLLECTOR_PORT || 8787);
const COLLECTOR = `http://127.0.0.1:${CPORT}`;
const ADMIN = 'sb_admin_demo';
const SECRET = 'sb_secret_demo';
const bin = arg('--collector-bin', join(root, 'target/release/shirube-collector'));

/** Starts the collector and resolves when /readyz answers. */
export async function startCollector({ binary = bin, port = CPORT, quiet = true, database } = {}) {
  if (!existsSync(binary)) {
    const profile = binary.includes('/target/debug/') ? '' : ' --release';
    throw new Error(`${binary} does not exist: build it with cargo build${profile} -p shirube-collector (npm test and npm run demo build it themselves)`);
  }
  const args = ['serve', '--dev', '--listen', `127.0.0.1:${port}`, '--log-format', 'text'];
  if (database) args.push('--database', database);
  const child = spawn(binary, args, { stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; if (stderr.length > 20000) stderr = stderr.slice(-10000); });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`the collector exited (${child.exitCode}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return { child, url, stop: () => new Promise((ok) => { child.once('exit', ok); child.kill('SIGTERM'); }) };
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`the collector did not become ready on ${url}: ${stderr.slice(-500)}`);
}

/** Publishes a spec the way a CS team would (PUT with the admin token). */
export async function publish(url, product, text, token = ADMIN) {
  const res = await fetch(`${url}/v1/specs/${product}`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: text });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`publishing ${product} failed: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** What the demo app needs: the collector, the spec URL, and the signed user ids its "backend" issues. */
export function demoConfig(url, users = ['aiko', 'ben', 'chloe', 'daisuke']) {
  const hashes = Object.fromEntries(users.map((u) => [u, createHmac('sha256', SECRET).update(u).digest('hex')]));
  return { collector: { url, writeKey: 'sb_pub_demo' }, specUrl: `${url}/v1/specs/acme`, hashes, dashboard: `${url}/` };
}

async function main() {
  const collector = await startCollector();
  const spec = readFileSync(join(root, 'examples/saas-app/onboarding.json'), 'utf8');
  const published = await publish(collector.url, 'acme', spec);
  // Dashboard data: see scripts/demo-seed.mjs (realistic events for 90 days, when available).
  const seed = join(root, 'scripts/demo-seed.mjs');
  if (existsSync(seed)) await (await import(seed)).seed(collector.url);
  const web = await serve({ port: PORT, connect: [collector.url], demoConfig: demoConfig(collector.url) });
  const stop = async () => {
    web.close();
    await collector.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  console.log(`
  Shirube demo is running.

    Acme, the demo SaaS app     http://127.0.0.1:${PORT}/app/dashboard
    spec checker                http://127.0.0.1:${PORT}/playground/
    collector                   ${collector.url}   (SQLite in a temporary directory)
    dashboard                   ${collector.url}/   (admin token: ${ADMIN})
    published spec              ${collector.url}/v1/specs/acme   (version ${published.version})

  In the app, "Act as" switches between users of different tiers and plans; "Reset demo"
  starts over. Press Ctrl-C to stop.
`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    console.error(`demo: ${e.message}`);
    process.exit(1);
  });
}
