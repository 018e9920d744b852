#!/usr/bin/env node
// Validation benchmark for BENCHMARKS.md: a ~1 MB spec with 500 flows, validated natively
// (cargo bench, release) and in Node through the wasm package, each next to a parse-only
// baseline measured in the same run. Prints medians.
//
// Usage: node scripts/bench/validate.mjs     (after node scripts/build.mjs)
import { writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeSpec } from './make-spec.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
mkdirSync(join(root, 'target/bench'), { recursive: true });
const specPath = join(root, 'target/bench/spec.json');
// makeSpec sizes its text in UTF-16 units and the Japanese text takes 3 bytes a character in
// UTF-8: scale the target once so the file is about 1 MB (1,000,000 bytes) of UTF-8.
let text = makeSpec({ flows: 500, targetBytes: 1_000_000 });
text = makeSpec({ flows: 500, targetBytes: Math.round(1_000_000 * 1_000_000 / Buffer.byteLength(text)) });
writeFileSync(specPath, text);

const native = JSON.parse(execFileSync('cargo', ['bench', '-q', '--bench', 'validate'], { cwd: root, encoding: 'utf8', env: { ...process.env, SHIRUBE_BENCH_SPEC: specPath } }).trim().split('\n').pop());

const { Shirube } = await import(join(root, 'js/node.js'));
const median = (v) => v.sort((a, b) => a - b)[v.length >> 1];
const check = Shirube.validate(text);
if (!check.ok) throw new Error(`bench spec invalid: ${JSON.stringify(check.diagnostics[0])}`);
const runs = 41;
const js = [];
const wasm = [];
for (let i = 0; i < runs; i++) {
  let t = performance.now();
  JSON.parse(text);
  js.push(performance.now() - t);
  t = performance.now();
  Shirube.validate(text);
  wasm.push(performance.now() - t);
}
const node = { parse_ms: median(js), validate_ms: median(wasm) };
const f = (x) => x.toFixed(2);
console.log(`spec: ${Buffer.byteLength(text)} bytes (UTF-8), ${native.flows} flows; ${runs} runs each, medians`);
console.log(`native  validate ${f(native.validate_ms)} ms   parse-only baseline ${f(native.parse_ms)} ms   ratio ${f(native.ratio)}`);
console.log(`node    validate ${f(node.validate_ms)} ms   JSON.parse baseline ${f(node.parse_ms)} ms   ratio ${f(node.validate_ms / node.parse_ms)}`);
