// The size budget (BENCHMARKS.md, "Size"): what a page loads with the default entry, as the
// build measured it (dist/size.json, gzip -9). The budget is today's figure plus a little, so a
// change that grows the SDK fails here and has to say why (and raise the budget) in its commit.
// The product goal is 60 KB; see BENCHMARKS.md for the gap and the plan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const BUDGET_GZIP = 175_400;

test(`the SDK a page loads stays within ${BUDGET_GZIP} bytes gzipped`, () => {
  const size = JSON.parse(readFileSync(join(root, 'dist/size.json'), 'utf8'));
  for (const f of size.files) console.log(`# ${f.name}: ${f.raw} raw, ${f.gzip} gzip`);
  console.log(`# total fetched: ${size.total.raw} raw, ${size.total.gzip} gzip (budget ${BUDGET_GZIP})`);
  assert.ok(size.files.some((f) => f.name === 'js/core.js'), 'the report counts js/core.js');
  assert.ok(size.total.gzip <= BUDGET_GZIP, `${size.total.gzip} bytes gzipped is over the budget of ${BUDGET_GZIP}`);
});
