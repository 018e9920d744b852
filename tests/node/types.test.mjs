// The TypeScript types shipped in the package: real usage compiles under --strict, and common
// spec mistakes do not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const tsc = (args) => spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), ...args], { cwd: join(root, 'tests/node/types'), encoding: 'utf8' });

test('the API and spec types compile for real usage under --strict', () => {
  const r = tsc(['-p', 'tsconfig.json']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('common spec mistakes are type errors', () => {
  const r = tsc(['--strict', '--noEmit', '--module', 'ES2022', '--moduleResolution', 'Bundler', '--target', 'ES2022', 'wrong.ts']);
  assert.notEqual(r.status, 0);
  const lines = new Set([...r.stdout.matchAll(/wrong\.ts\((\d+),/g)].map((m) => Number(m[1])));
  assert.deepEqual([...lines].sort(), [3, 4, 5], r.stdout);
});
