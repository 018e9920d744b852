#!/usr/bin/env node
// Builds the files the npm package ships: cargo (wasm32, release) → wasm-bindgen (the CLI
// pinned to the crate's version) → wasm-opt -Os (npm `binaryen`) → short import/export names →
// minified glue → dist/. Then prints the size
// report: raw and gzip bytes of everything a page loads, and writes dist/size.json.
//
// Usage: node scripts/build.mjs [--quiet]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, statSync, existsSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: root, stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit', ...opts });
const home = process.env.CARGO_HOME || join(process.env.HOME || '/root', '.cargo');
const cargoBin = (name) => (existsSync(join(home, 'bin', name)) ? join(home, 'bin', name) : name);

const t0 = Date.now();
run(cargoBin('cargo'), ['build', '--release', '--target', 'wasm32-unknown-unknown', '-p', 'shirube', '--lib']);
mkdirSync(join(root, 'dist'), { recursive: true });
run(cargoBin('wasm-bindgen'), [
  join(root, 'target/wasm32-unknown-unknown/release/shirube.wasm'),
  '--target', 'web', '--out-dir', join(root, 'dist'), '--out-name', 'shirube', '--no-typescript',
]);

// wasm-opt must be told which features rustc's wasm32 target uses by default.
const features = ['--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext',
  '--enable-mutable-globals', '--enable-reference-types', '--enable-multivalue'];
run(join(root, 'node_modules/.bin/wasm-opt'), ['-Os', ...features, '--strip-debug', '--strip-producers',
  join(root, 'dist/shirube_bg.wasm'), '-o', join(root, 'dist/shirube_bg.wasm')]);

// The generated glue names the .wasm with `new URL('shirube_bg.wasm', import.meta.url)` as a
// fallback. Bundlers treat that as an asset reference even for the `slim` entry, which must not
// pull the wasm in, so the fallback is removed: js/index.js passes its own URL.
const gluePath = join(root, 'dist/shirube.js');
let glue = readFileSync(gluePath, 'utf8');
const fallback = /module_or_path = new URL\('shirube_bg\.wasm', import\.meta\.url\);/;
if (!fallback.test(glue)) throw new Error('build: wasm-bindgen output changed; update the fallback removal in scripts/build.mjs');
glue = glue.replace(fallback, "throw new Error('shirube: no wasm given');");
// Short import and export names in the wasm and the glue together (scripts/wasm-names.mjs).
const { renameWasmNames } = await import('./wasm-names.mjs');
const renamed = renameWasmNames(readFileSync(join(root, 'dist/shirube_bg.wasm')), glue);
writeFileSync(join(root, 'dist/shirube_bg.wasm'), renamed.wasm);
glue = renamed.glue;
// The glue is generated, never read by people, and loaded as it is by pages without a bundler
// (the script tag, plain ESM): it ships minified (esbuild keeps the ES module's exports).
const { transformSync } = await import('esbuild');
glue = transformSync(glue, { minify: true, format: 'esm', target: 'es2020', legalComments: 'none' }).code;
writeFileSync(gluePath, glue);

// The size report covers what a page loads with the default entry: `total` as the package
// ships it (a page without a bundler, e.g. plain ESM), and `bundled` with our two JS sources
// minified as a production bundler would (esbuild --minify), next to the wasm and glue as
// shipped. The budget test checks `total`.
// The stylesheet as embedded: minified by build.rs into the build's OUT_DIR (the newest one).
const buildDir = join(root, 'target/wasm32-unknown-unknown/release/build');
const cssPath = readdirSync(buildDir).filter((d) => d.startsWith('shirube-') && existsSync(join(buildDir, d, 'out/style.css')))
  .map((d) => join(buildDir, d, 'out/style.css')).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
const css = readFileSync(cssPath, 'utf8');
const files = [
  ['dist/shirube_bg.wasm', readFileSync(join(root, 'dist/shirube_bg.wasm'))],
  ['dist/shirube.js', readFileSync(gluePath)],
  ['js/index.js', readFileSync(join(root, 'js/index.js'))],
  ['js/core.js', readFileSync(join(root, 'js/core.js'))],
  ['src/dom/style.css (minified, inside the wasm)', Buffer.from(css)],
  ['js/debug.js (only in debug mode)', readFileSync(join(root, 'js/debug.js'))],
];
const gz = (buf) => gzipSync(buf, { level: 9 }).length;
const rows = files.map(([name, buf]) => {
  const row = { name, raw: buf.length, gzip: gz(buf) };
  if (name.startsWith('js/')) row.minified_gzip = gz(Buffer.from(transformSync(buf.toString('utf8'), { minify: true, format: 'esm', target: 'es2020' }).code));
  return row;
});
// The CSS is already counted inside the wasm, and the debug overlay is fetched only in debug
// mode; the totals count the files every page fetches.
const fetched = rows.filter((r) => !r.name.includes('inside') && !r.name.includes('only in'));
const total = { raw: fetched.reduce((a, r) => a + r.raw, 0), gzip: fetched.reduce((a, r) => a + r.gzip, 0) };
const bundled = { gzip: fetched.reduce((a, r) => a + (r.minified_gzip ?? r.gzip), 0) };
writeFileSync(join(root, 'dist/size.json'), JSON.stringify({ files: rows, total, bundled }, null, 2) + '\n');
if (!quiet) {
  const pad = (s, n) => String(s).padStart(n);
  console.log('\nsize report (bytes a page loads)');
  console.log(`${'file'.padEnd(40)}${pad('raw', 10)}${pad('gzip', 10)}${pad('min+gzip', 10)}`);
  for (const r of rows) console.log(`${r.name.padEnd(40)}${pad(r.raw, 10)}${pad(r.gzip, 10)}${pad(r.minified_gzip ?? '', 10)}`);
  console.log(`${'total fetched (as shipped)'.padEnd(40)}${pad(total.raw, 10)}${pad(total.gzip, 10)}`);
  console.log(`${'total in a minified bundle'.padEnd(40)}${pad('', 10)}${pad('', 10)}${pad(bundled.gzip, 10)}`);
  console.log(`built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
