// The `shirube validate` CLI: output format, exit codes, --json, --strict and stdin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = (args, input) => spawnSync(process.execPath, [join(root, 'js/cli.mjs'), ...args], { cwd: root, input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
const fx = (p) => `tests/fixtures/spec/${p}`;

test('a clean spec exits 0 and prints only the summary', () => {
  const r = cli(['validate', 'examples/saas-app/onboarding.json']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /1 spec checked: 0 errors, 0 warnings/);
});

test('errors print file:line:column: severity code: message (hint) and exit 1', () => {
  const r = cli(['validate', fx('invalid/unknown-step-key-typo.json')]);
  assert.equal(r.status, 1);
  assert.equal(r.stdout.trim(), `${fx('invalid/unknown-step-key-typo.json')}:12:11: error unknown-key: \`tittle\` is not a key of a tour step (did you mean \`title\`?)`);
});

test('warnings alone exit 0, and 1 with --strict', () => {
  const f = fx('valid/design-example.json');
  assert.equal(cli(['validate', f]).status, 0);
  const strict = cli(['validate', '--strict', f]);
  assert.equal(strict.status, 1);
  assert.match(strict.stdout, /warning unknown-flow: there is no flow with the id `reports-tour`/);
});

test('an unreadable file exits 2 and the others are still checked', () => {
  const r = cli(['validate', 'does-not-exist.json', fx('invalid/placement-typo.json')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /does-not-exist\.json: cannot read: no such file/);
  assert.match(r.stdout, /placement-typo\.json:13:24: error unknown-value: `bottom-left` is not a valid placement \(did you mean `bottom-start`\? start and end follow the reading direction\)/);
});

test('--json prints machine-readable results', () => {
  const r = cli(['validate', '--json', fx('invalid/duplicate-flow-ids.json')]);
  assert.equal(r.status, 1);
  const out = JSON.parse(r.stdout);
  assert.equal(out.length, 1);
  assert.equal(out[0].ok, false);
  assert.deepEqual(out[0].diagnostics.map((d) => [d.code, d.path, d.line, d.column, d.severity]), [['duplicate-id', '/flows/1/id', 16, 13, 'error']]);
});

test('reads the spec from stdin with -', () => {
  const r = cli(['validate', '-'], '{"version": 2, "product": "x", "flows": []}');
  assert.equal(r.status, 1);
  assert.match(r.stdout, /^-:1:13: error unsupported-version: spec version 2 is not supported/);
});

test('usage errors exit 2 with the usage text', () => {
  for (const args of [[], ['frobnicate'], ['validate'], ['validate', '--nope', 'x.json']]) {
    const r = cli(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stdout + r.stderr, /usage: shirube validate/);
  }
  assert.equal(cli(['--help']).status, 0);
  assert.match(cli(['--version']).stdout, /^\d+\.\d+\.\d+/);
});

test('invalid JSON is explained with its position, not a stack trace', () => {
  const r = cli(['validate', fx('invalid/invalid-json-missing-comma.json')]);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /invalid-json-missing-comma\.json:3:3: error invalid-json: expected `,` or `}` after this value/);
  assert.doesNotMatch(r.stdout + r.stderr, /at .*\.js:\d+/);
});
