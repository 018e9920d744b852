#!/usr/bin/env node
// `npx shirube validate <file>...` — checks onboarding specs with the same wasm validator the
// SDK runs in the browser. Prints `file:line:column: severity code: message (hint)` per problem.
// Exit codes: 0 no errors, 1 errors (or warnings with --strict), 2 a file could not be read.
import { readFileSync } from 'node:fs';
import { Shirube } from './node.js';

const USAGE = `usage: shirube validate [--json] [--strict] <spec.json>...

  Checks Shirube onboarding specs and explains every problem with its line and column.

  --json     print the results as JSON: [{ file, ok, diagnostics: [...] }]
  --strict   treat warnings as errors (exit 1), for CI
  -          read the spec from standard input

exit codes: 0 no errors, 1 errors found, 2 a file could not be read`;

function main(argv) {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '-h' || cmd === '--help' || cmd === 'help') {
    console.log(USAGE);
    return cmd ? 0 : 2;
  }
  if (cmd === '-v' || cmd === '--version') {
    console.log(Shirube.version);
    return 0;
  }
  if (cmd !== 'validate') {
    console.error(`shirube: unknown command "${cmd}"\n\n${USAGE}`);
    return 2;
  }
  const json = rest.includes('--json');
  const strict = rest.includes('--strict');
  const unknown = rest.filter((a) => a.startsWith('--') && a !== '--json' && a !== '--strict');
  if (unknown.length) {
    console.error(`shirube: unknown option ${unknown[0]}\n\n${USAGE}`);
    return 2;
  }
  const files = rest.filter((a) => !a.startsWith('--'));
  if (files.length === 0) {
    console.error(`shirube validate: give at least one spec file\n\n${USAGE}`);
    return 2;
  }
  const color = !json && process.stdout.isTTY && !process.env.NO_COLOR;
  const paint = (code, s) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  let exit = 0;
  let errors = 0;
  let warnings = 0;
  const results = [];
  for (const file of files) {
    let text;
    try {
      text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
    } catch (e) {
      const reason = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.message;
      if (json) results.push({ file, ok: false, error: `cannot read: ${reason}`, diagnostics: [] });
      else console.error(`${file}: cannot read: ${reason}`);
      exit = 2;
      continue;
    }
    const r = Shirube.validate(text);
    results.push({ file, ...r });
    for (const d of r.diagnostics) {
      if (d.severity === 'error') errors++;
      else if (d.severity === 'warning') warnings++;
      if (!json) {
        const sev = d.severity === 'error' ? paint('31', 'error') : d.severity === 'warning' ? paint('33', 'warning') : d.severity;
        console.log(`${file}:${d.line}:${d.column}: ${sev} ${d.code}: ${d.message}${d.hint ? ` (${d.hint})` : ''}`);
      }
    }
    const failed = !r.ok || (strict && r.diagnostics.some((d) => d.severity === 'warning'));
    if (failed && exit === 0) exit = 1;
  }
  if (json) {
    console.log(JSON.stringify(results, null, 2));
  } else {
    const n = files.length;
    const summary = `${n} spec${n === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
    console.error(errors ? paint('31', summary) : summary);
  }
  return exit;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  console.error(`shirube: ${e && e.message ? e.message : e}`);
  process.exitCode = 2;
}
