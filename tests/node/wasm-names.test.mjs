// The build's short import/export names (scripts/wasm-names.mjs): the shipped module uses
// them, the shipped glue provides exactly them (Node instantiates it), and a glue that does
// not match fails the build instead of shipping a module that cannot link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shortName, renameWasmNames } from '../../scripts/wasm-names.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

test('short names are distinct identifiers', () => {
  const seen = new Set();
  for (let i = 0; i < 5000; i++) {
    const n = shortName(i);
    assert.match(n, /^[A-Za-z][A-Za-z_]*$/);
    assert.ok(!['do', 'if', 'in'].includes(n), n);
    assert.ok(!seen.has(n), `${n} twice`);
    seen.add(n);
  }
  assert.equal(shortName(0), 'a');
  assert.equal(shortName(51), 'Z');
  assert.equal(shortName(52), 'aa');
});

test('the shipped wasm imports short names from one module, and the glue links it', async () => {
  const bytes = readFileSync(join(root, 'dist/shirube_bg.wasm'));
  const mod = new WebAssembly.Module(bytes);
  const imports = WebAssembly.Module.imports(mod);
  assert.ok(imports.length > 50, `${imports.length} imports`);
  assert.deepEqual([...new Set(imports.map((i) => i.module))], ['a']);
  for (const i of imports) assert.ok(i.name.length <= 3, i.name);
  const glue = readFileSync(join(root, 'dist/shirube.js'), 'utf8');
  assert.ok(!/__wbg_\w+_[0-9a-f]{16}/.test(glue), 'no long wasm-bindgen import name is left in the glue');
  // Instantiating through the glue fails with a LinkError if any import is missing.
  const { initSync, sdkVersion } = await import(join(root, 'dist/shirube.js'));
  initSync({ module: mod });
  assert.match(sdkVersion(), /^\d+\.\d+\.\d+/);
});

test('a glue that lacks one of the imports fails the build loudly', () => {
  // wasm-bindgen's own output for this build, before renaming, is not kept; build a tiny
  // module by hand: one function import `./shirube_bg.js` / `__wbg_x_0123456789abcdef`.
  const name = (s) => [s.length, ...Buffer.from(s)];
  const typeSec = [0x01, 0x04, 0x01, 0x60, 0x00, 0x00];
  const imp = [0x01, ...name('./shirube_bg.js'), ...name('__wbg_x_0123456789abcdef'), 0x00, 0x00];
  const importSec = [0x02, imp.length, ...imp];
  const wasm = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...typeSec, ...importSec]);
  const good = 'const import0 = {\n        __wbg_x_0123456789abcdef: function() {},\n};\nreturn { "./shirube_bg.js": import0, };';
  const out = renameWasmNames(wasm, good);
  assert.equal(out.imports.get('__wbg_x_0123456789abcdef'), 'a');
  assert.match(out.glue, /^\s+a: function\(\)/m);
  assert.match(out.glue, /"a": import0,/);
  const renamed = WebAssembly.Module.imports(new WebAssembly.Module(out.wasm));
  assert.deepEqual(renamed, [{ module: 'a', name: 'a', kind: 'function' }]);
  assert.throws(() => renameWasmNames(wasm, good.replace('__wbg_x_0123456789abcdef', '__wbg_y')), /expected the import __wbg_x_0123456789abcdef once/);
});
