// The debug overlay (`debug: true` or `?shirube_debug=1`): a panel listing every flow with
// whether it shows now and why not, in words a CS person can act on (the failed condition, the
// cap or snooze holding it, the selectors that match nothing on this page), plus who the user is
// to Shirube (page, language, stage, milestones, spec revision) and the delivery queue; and the
// same list as a console table. The wasm decides and explains (`explain()`, `state()`,
// `delivery()`); this module only draws. core.js imports it only in debug mode, so pages without
// debug mode never download it.

const CSS = `.debug{position:fixed;left:12px;bottom:12px;width:min(480px,calc(100vw - 24px));max-height:45vh;overflow:auto;pointer-events:auto;background:#0f172a;color:#e2e8f0;border-radius:10px;box-shadow:var(--sb-shadow);font:12px/1.45 ui-monospace,Menlo,Consolas,monospace;padding:10px 12px;z-index:1}
.debug-head{display:flex;justify-content:space-between;align-items:center;gap:8px}
.debug-toggle{background:#1e293b;color:#e2e8f0;border:1px solid #334155;border-radius:6px;padding:2px 10px;cursor:pointer;font:inherit}
.debug-who{margin:6px 0;color:#94a3b8}
.debug-list{list-style:none;margin:6px 0 0;padding:0;display:grid;gap:6px}
.debug-list li{display:grid;gap:2px;padding-inline-start:14px;position:relative}
.debug-list li::before{content:"";position:absolute;inset-inline-start:0;top:5px;width:8px;height:8px;border-radius:50%;background:#64748b}
.debug-list li.on::before{background:#22c55e}
.debug-list li.wait::before{background:#f59e0b}
.debug-list code{color:#f8fafc;font-weight:600}
.debug-list .why{color:#cbd5e1}
.debug-list .missing{color:#fca5a5}`;

// One stylesheet for every instance, adopted by each instance's shadow root (a constructed
// stylesheet, which a strict CSP allows).
let sheet = null;
// Whether each instance's panel is folded (the Hide / Show button), kept across redraws.
const folded = new WeakMap();

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}

const rendered = (e) => e.isConnected && e.getClientRects().length > 0;

function matches(root, sel) {
  try { return [...root.querySelectorAll(sel)]; } catch { return []; }
}

/**
 * Whether `sel` matches a rendered element (any of its matches) in the document or an open
 * shadow root, as the runtime looks for targets (src/dom/layout.rs `find`; bounded the same
 * way). An invalid selector matches nothing.
 */
function present(sel) {
  if (matches(document, sel).some(rendered)) return true;
  const stack = [];
  const scan = (root) => {
    const all = root.querySelectorAll('*');
    for (let i = 0; i < Math.min(all.length, 20000); i++) if (all[i].shadowRoot) stack.push(all[i].shadowRoot);
  };
  scan(document);
  for (let visited = 0; stack.length && visited < 500; visited++) {
    const sr = stack.pop();
    if (matches(sr, sel).some(rendered)) return true;
    scan(sr);
  }
  return false;
}

function deliveryLine(d) {
  const dropped = Object.entries(d.dropped || {}).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
  return `delivery: ${d.queued} queued · ${d.inflight} in flight${d.stopped ? ' · stopped' : ''}`
    + ` · dropped: ${dropped.length ? dropped.join(', ') : 'none'}${d.filtered ? ` · filtered by beforeSend: ${d.filtered}` : ''}`;
}

/** Draws (or redraws) the overlay of `sb` inside its host's shadow root. */
export function draw(sb) {
  const host = document.querySelector(`shirube-root[data-instance="${sb._instance}"]`);
  const layer = host && host.shadowRoot && host.shadowRoot.querySelector('.layer');
  if (!layer) return;
  const root = host.shadowRoot;
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
  }
  if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  const open = !folded.get(sb);
  const panel = el('section', 'debug');
  panel.setAttribute('aria-label', 'Shirube debug');
  panel.setAttribute('part', 'debug');
  panel.setAttribute('data-shirube-debug', '');
  const head = el('div', 'debug-head');
  head.append(el('strong', '', 'Shirube debug'));
  const toggle = el('button', 'debug-toggle', open ? 'Hide' : 'Show');
  toggle.type = 'button';
  toggle.setAttribute('data-shirube-debug-toggle', '');
  toggle.setAttribute('aria-expanded', String(open));
  // A handler property, not a listener: it goes with the button when the panel is redrawn or
  // the instance destroyed.
  toggle.onclick = () => {
    folded.set(sb, open);
    draw(sb);
    const again = root.querySelector('[data-shirube-debug-toggle]');
    if (again) again.focus();
  };
  head.append(toggle);
  panel.append(head);
  if (open) {
    const st = sb.state() || {};
    const spec = st.spec || {};
    const who = [
      `page ${location.pathname}`,
      `language ${st.locale}`,
      `stage ${st.stage || 'none'}`,
      `milestones: ${st.milestones && st.milestones.length ? st.milestones.join(', ') : 'none'}`,
      `spec ${spec.product}${spec.revision ? ` (${spec.revision})` : ''}`,
    ].join(' · ');
    panel.append(el('p', 'debug-who', who));
    const d = sb.delivery();
    if (d) panel.append(el('p', 'debug-who', deliveryLine(d)));
    const list = el('ul', 'debug-list');
    for (const r of sb.explain()) {
      const li = el('li', r.showing ? 'on' : /^(waiting|ready|starting)/.test(r.why) ? 'wait' : 'off');
      li.setAttribute('data-flow', r.flow);
      li.append(el('code', '', `${r.flow} (${r.kind})`), el('span', 'why', r.why));
      for (const t of r.targets || []) {
        if (!t.selectors.some(present)) li.append(el('span', 'why missing', `${t.what}: nothing on this page matches \`${t.selectors.join('` or `')}\``));
      }
      list.append(li);
    }
    panel.append(list);
  }
  const old = root.querySelector('[data-shirube-debug]');
  if (old) old.replaceWith(panel);
  else layer.append(panel);
}

/** The same decisions as a console table. */
export function report(sb) {
  const rows = sb.explain().map((r) => ({ flow: r.flow, kind: r.kind, showing: r.showing, why: r.why }));
  console.groupCollapsed(`shirube debug: ${rows.filter((r) => r.showing).length} of ${rows.length} flows showing`);
  console.table(rows);
  console.groupEnd();
}
