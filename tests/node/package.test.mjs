// The npm package as a consumer sees it: the exports map, SSR-safe imports, the Node entry's
// synchronous validate, and the JSON Schema checked by an independent validator (ajv).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import Ajv from 'ajv';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

test('package.json: ESM exports with types first, no side effects, shipped files', () => {
  assert.equal(pkg.name, 'shirube');
  assert.equal(pkg.type, 'module');
  assert.equal(pkg.sideEffects, false);
  for (const [entry, conds] of Object.entries(pkg.exports)) {
    if (typeof conds === 'object') assert.equal(Object.keys(conds)[0], 'types', `${entry}: "types" must come first`);
  }
  for (const f of ['js/', 'dist/shirube.js', 'dist/shirube_bg.wasm', 'schema/']) assert.ok(pkg.files.includes(f), f);
  assert.equal(pkg.bin.shirube, './js/cli.mjs');
});

test('importing the browser entries does not touch window (SSR-safe)', async () => {
  assert.equal(typeof globalThis.window, 'undefined');
  const m = await import('../../js/index.js');
  const s = await import('../../js/slim.js');
  assert.equal(typeof m.Shirube.validate, 'function');
  assert.equal(typeof s.Shirube.load, 'function');
});

test('the Node entry validates synchronously, objects and text alike', async () => {
  const { Shirube } = await import('../../js/node.js');
  const r = Shirube.validate({ version: 1, product: 'acme', flows: [{ id: 'w', kind: 'tour', steps: [{ id: 'a', placement: 'up' }] }] });
  assert.equal(r.ok, false);
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.path]), [['unknown-value', '/flows/0/steps/0/placement']]);
  // Objects are pretty-printed before validation, so line/column point into that text.
  assert.equal(r.diagnostics[0].line, 11);
  const text = Shirube.validate('{"version":1,"product":"acme","flows":[]}');
  assert.deepEqual(text, { ok: true, diagnostics: [] });
  assert.throws(() => Shirube.validate(42), /must be an object or JSON text/);
});

test('the JSON Schema accepts every valid fixture and the example spec', () => {
  const schema = JSON.parse(readFileSync(join(root, 'schema/spec.v1.json'), 'utf8'));
  const ajv = new Ajv({ allErrors: true, strict: false });
  const check = ajv.compile(schema);
  const dir = join(root, 'tests/fixtures/spec/valid');
  const strip = (t) => t.replace(/^\uFEFF/, '').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '').replace(/,\s*\/\/.*$/gm, ',');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => join(dir, f));
  files.push(join(root, 'examples/saas-app/onboarding.json'));
  for (const f of files) {
    const spec = JSON.parse(strip(readFileSync(f, 'utf8')));
    assert.ok(check(spec), `${f}: ${JSON.stringify(check.errors, null, 1)}`);
  }
});

test('the JSON Schema rejects shape errors the validator also reports', () => {
  const schema = JSON.parse(readFileSync(join(root, 'schema/spec.v1.json'), 'utf8'));
  const check = new Ajv({ strict: false }).compile(schema);
  const dir = join(root, 'tests/fixtures/spec/invalid');
  for (const name of ['unknown-step-key-typo', 'placement-typo', 'sample-above-one', 'unknown-kind', 'missing-product', 'condition-two-keys', 'empty-selector', 'invalid-duration-number', 'count-zero']) {
    const spec = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'));
    assert.equal(check(spec), false, `${name} should fail the schema`);
  }
});
