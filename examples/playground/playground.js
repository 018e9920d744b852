// The spec checker: validates the textarea on every edit with Shirube.validate and lists the
// diagnostics; clicking one selects its line in the editor.
import { Shirube } from '/js/index.js';

const $ = (id) => document.getElementById(id);
const editor = $('spec');
const list = $('diagnostics');
const status = $('status');

const BROKEN = `{
  "version": 1,
  "product": "acme",
  "milestones": [ { "id": "first_project", "when": { "event": "project_created" } } ],
  "flows": [
    { "id": "welcome", "kind": "tour",
      "trigger": { "page": "https://acme.com/app/dashboard" },
      "audience": { "milestone": "first_projet" },
      "steps": [
        { "id": "create", "target": "[data-tour=new-project", "placment": "bottom",
          "title": { "ja": "ここから始めましょう" } }
      ] }
  ]
}
`;

function render(result) {
  list.replaceChildren();
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = result.diagnostics.filter((d) => d.severity === 'warning').length;
  status.className = errors ? 'bad' : 'ok';
  status.textContent = errors
    ? `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}: this spec will not run`
    : warnings ? `Runs, with ${warnings} warning${warnings === 1 ? '' : 's'}` : 'No problems found';
  for (const d of result.diagnostics) {
    const li = document.createElement('li');
    li.className = d.severity;
    li.dataset.line = d.line;
    const where = document.createElement('div');
    where.className = 'where';
    where.textContent = `line ${d.line}, column ${d.column} · ${d.path || '/'} · `;
    const code = document.createElement('span');
    code.className = 'code';
    code.textContent = `${d.severity} ${d.code}`;
    where.append(code);
    const msg = document.createElement('div');
    msg.textContent = d.message;
    li.append(where, msg);
    if (d.hint) {
      const hint = document.createElement('div');
      hint.className = 'hint';
      hint.textContent = `→ ${d.hint}`;
      li.append(hint);
    }
    li.addEventListener('click', () => selectLine(d.line));
    list.append(li);
  }
}

function selectLine(line) {
  const lines = editor.value.split('\n');
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  editor.focus();
  editor.setSelectionRange(start, start + (lines[line - 1] || '').length);
}

let timer = 0;
async function check() {
  render(await Shirube.validate(editor.value));
}
editor.addEventListener('input', () => {
  clearTimeout(timer);
  timer = setTimeout(check, 120);
});

async function loadExample() {
  const res = await fetch('/app/onboarding.json');
  editor.value = await res.text();
  await check();
}
$('load-example').addEventListener('click', loadExample);
$('load-broken').addEventListener('click', () => { editor.value = BROKEN; check(); });

loadExample().catch((e) => { status.textContent = String(e); });
