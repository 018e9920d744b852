// Acme Projects: a small single-page SaaS app that runs a complete tech-touch program with
// Shirube. Real actions (create a project, import a CSV, build a report, invite teammates)
// call sb.track(); the program in onboarding.json turns them into milestones, stages, tours,
// hints, a checklist, announcements and surveys. A switcher acts as users of different tiers.
import { Shirube } from '/js/index.js';

const DAY = 86_400_000;
const iso = (t) => new Date(t).toISOString().slice(0, 10);
export const USERS = [
  { id: 'aiko', label: 'Aiko — tech touch, Free, admin', traits: { name: 'Aiko', tier: 'tech', plan: 'free', role: 'admin', signed_up_at: iso(Date.now() - 3 * DAY) } },
  { id: 'ben', label: 'Ben — tech touch, Starter, member', traits: { name: 'Ben', tier: 'tech', plan: 'starter', role: 'member', signed_up_at: iso(Date.now() - 40 * DAY) } },
  { id: 'chloe', label: 'Chloe — low touch, Pro, admin', traits: { name: 'Chloe', tier: 'low', plan: 'pro', role: 'admin', signed_up_at: iso(Date.now() - 120 * DAY) } },
  { id: 'daisuke', label: 'Daisuke — high touch, Enterprise', traits: { name: 'Daisuke', tier: 'high', plan: 'enterprise', role: 'admin', signed_up_at: iso(Date.now() - 10 * DAY) } },
];

const T = {
  en: {
    'nav.dashboard': 'Dashboard', 'nav.projects': 'Projects', 'nav.reports': 'Reports', 'nav.settings': 'Settings',
    'help.restart': 'Restart the tour', 'help.activity': 'Tour the activity panel', 'activity.open': 'Activity', 'activity.title': 'Activity',
    'activity.item1': 'Ben commented on Website redesign', 'activity.item2': 'Chloe shared the Q3 report', 'activity.item3': 'Daisuke joined the team',
    'activity.markRead': 'Mark all as read', 'demo.actAs': 'Act as', 'demo.language': 'Language', 'demo.reset': 'Reset demo', 'demo.compact': 'Compact view',
    'chat.title': 'Your success manager', 'chat.hello': "Hi! I'm Mika, your success manager. How can I help?",
    'title.dashboard': 'Dashboard', 'title.projects': 'Projects', 'title.reports': 'Reports', 'title.team': 'Team',
    'kpi.projects': 'Projects', 'kpi.tasks': 'Tasks', 'kpi.reports': 'Reports', 'kpi.team': 'Teammates',
    'btn.newProject': 'New project', 'btn.import': 'Import CSV', 'btn.newReport': 'New report', 'btn.invite': 'Invite',
    'btn.share': 'Share', 'btn.create': 'Create', 'btn.cancel': 'Cancel', 'btn.useSample': 'Import sample data',
    'recent': 'Recent projects', 'empty.projects': 'No projects yet. Create your first one.', 'empty.reports': 'No reports yet.',
    'modal.newProject': 'New project', 'modal.name': 'Project name', 'modal.import': 'Import a CSV',
    'modal.importText': 'Pick a file, or import our sample data to try it.', 'modal.newReport': 'New report', 'modal.template': 'Template',
    'filters': 'Filters', 'filter.team': 'Team', 'filter.period': 'Period', 'filter.more': 'More filters', 'filter.owner': 'Owner', 'invite.email': 'Email address',
    'members': 'Members', 'toast.project': 'Project created', 'toast.import': 'Imported 24 tasks', 'toast.report': 'Report created',
    'toast.invite': 'Invitation sent', 'toast.share': 'Link copied',
  },
  ja: {
    'nav.dashboard': 'ダッシュボード', 'nav.projects': 'プロジェクト', 'nav.reports': 'レポート', 'nav.settings': '設定',
    'help.restart': 'ツアーをもう一度', 'help.activity': 'アクティビティのツアー', 'activity.open': 'アクティビティ', 'activity.title': 'アクティビティ',
    'activity.item1': 'BenさんがWebサイトリニューアルにコメントしました', 'activity.item2': 'ChloeさんがQ3レポートを共有しました', 'activity.item3': 'Daisukeさんがチームに参加しました',
    'activity.markRead': 'すべて既読にする', 'demo.actAs': 'ユーザー', 'demo.language': '言語', 'demo.reset': 'デモをリセット', 'demo.compact': 'コンパクト表示',
    'chat.title': '担当カスタマーサクセス', 'chat.hello': 'こんにちは、担当のミカです。何かお手伝いできることはありますか？',
    'title.dashboard': 'ダッシュボード', 'title.projects': 'プロジェクト', 'title.reports': 'レポート', 'title.team': 'チーム',
    'kpi.projects': 'プロジェクト', 'kpi.tasks': 'タスク', 'kpi.reports': 'レポート', 'kpi.team': 'メンバー',
    'btn.newProject': '新規プロジェクト', 'btn.import': 'CSVをインポート', 'btn.newReport': '新規レポート', 'btn.invite': '招待',
    'btn.share': '共有', 'btn.create': '作成', 'btn.cancel': 'キャンセル', 'btn.useSample': 'サンプルデータを取り込む',
    'recent': '最近のプロジェクト', 'empty.projects': 'まだプロジェクトがありません。最初のプロジェクトを作成しましょう。', 'empty.reports': 'まだレポートがありません。',
    'modal.newProject': '新規プロジェクト', 'modal.name': 'プロジェクト名', 'modal.import': 'CSVのインポート',
    'modal.importText': 'ファイルを選ぶか、サンプルデータで試してみましょう。', 'modal.newReport': '新規レポート', 'modal.template': 'テンプレート',
    'filters': 'フィルター', 'filter.team': 'チーム', 'filter.period': '期間', 'filter.more': 'その他のフィルター', 'filter.owner': '作成者', 'invite.email': 'メールアドレス',
    'members': 'メンバー', 'toast.project': 'プロジェクトを作成しました', 'toast.import': '24件のタスクを取り込みました', 'toast.report': 'レポートを作成しました',
    'toast.invite': '招待を送信しました', 'toast.share': 'リンクをコピーしました',
  },
};

const $ = (sel, root = document) => root.querySelector(sel);
const params = new URLSearchParams(location.search);
// localStorage can be blocked (privacy settings) or full; the app keeps working from memory.
const memory = new Map();
const storage = {
  get(k) { try { return window.localStorage.getItem(k); } catch { return memory.has(k) ? memory.get(k) : null; } },
  set(k, v) { try { window.localStorage.setItem(k, v); } catch { memory.set(k, v); } },
  keys() { try { return Object.keys(window.localStorage); } catch { return [...memory.keys()]; } },
  remove(k) { try { window.localStorage.removeItem(k); } catch { memory.delete(k); } },
};
let lang = params.get('lang') || storage.get('acme:demo:lang') || (navigator.language.startsWith('ja') ? 'ja' : 'en');
let user = USERS.find((u) => u.id === (params.get('user') || storage.get('acme:demo:user'))) || USERS[0];
const t = (k) => (T[lang] && T[lang][k]) || T.en[k] || k;

// ---- App data, per demo user -------------------------------------------------------------
const dataKey = () => `acme:demo:data:${user.id}`;
function load() {
  try { return JSON.parse(storage.get(dataKey())) || { projects: [], reports: [], members: [], tasks: 0 }; } catch { return { projects: [], reports: [], members: [], tasks: 0 }; }
}
let data = load();
const save = () => storage.set(dataKey(), JSON.stringify(data));

// ---- Shirube -----------------------------------------------------------------------------
let sb = null;
let config = {};

async function startShirube() {
  if (sb) sb.destroy();
  const spec = config.specUrl || '/app/onboarding.json';
  sb = await Shirube.init({
    spec,
    user: { id: user.id, traits: user.traits, hash: config.hashes ? config.hashes[user.id] : undefined },
    collector: config.collector,
    locale: lang,
    navigate: (url) => go(url),
    onError: (e) => console.warn('Shirube:', e.message, e.diagnostics || ''),
  });
  sb.registerAction('openChat', () => $('#chat').classList.remove('hidden'));
  sb.on('*', (e) => { (window.__shirubeEvents ||= []).push(e); });
  sb.on('error', (e) => { (window.__shirubeErrors ||= []).push(e); });
  window.sb = sb;
}

function track(name, props) {
  if (sb) sb.track(name, props);
}

// ---- Router ------------------------------------------------------------------------------
const ROUTES = [
  [/^\/app\/?$/, () => go('/app/dashboard', true)],
  [/^\/app\/dashboard\/?$/, dashboard],
  [/^\/app\/projects\/?$/, projects],
  [/^\/app\/reports\/?$/, reports],
  [/^\/app\/settings(\/team)?\/?$/, team],
];

export function go(url, replace = false) {
  if (replace) history.replaceState({}, '', url);
  else history.pushState({}, '', url);
  render();
}

function render() {
  const route = ROUTES.find(([re]) => re.test(location.pathname));
  const view = $('#view');
  view.replaceChildren();
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', location.pathname.startsWith(a.getAttribute('href')));
  if (route) route[1](view);
  else {
    $('#page-title').textContent = 'Not found';
    view.append(el('p', {}, 'This page does not exist.'));
  }
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'on') for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
    else if (v !== false && v != null) e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c != null) e.append(c);
  return e;
}

function toast(text) {
  const box = $('#toast');
  box.textContent = text;
  box.classList.remove('hidden');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => box.classList.add('hidden'), 2200);
}

// ---- Pages -------------------------------------------------------------------------------
function dashboard(view) {
  $('#page-title').textContent = t('title.dashboard');
  const kpi = (label, n) => el('div', { class: 'kpi' }, el('div', { class: 'kpi-n' }, String(n)), el('div', { class: 'kpi-l' }, label));
  view.append(
    el('div', { class: 'toolbar' }, el('button', { class: 'primary', 'data-tour': 'new-project', on: { click: newProject } }, t('btn.newProject'))),
    el('div', { class: 'kpis' }, kpi(t('kpi.projects'), data.projects.length), kpi(t('kpi.tasks'), data.tasks), kpi(t('kpi.reports'), data.reports.length), kpi(t('kpi.team'), data.members.length)),
    el('section', { class: 'panel' }, el('h2', {}, t('recent')), data.projects.length
      ? el('ul', { class: 'list' }, data.projects.slice(-5).reverse().map((p) => el('li', {}, el('span', {}, p.name), el('span', { class: 'muted' }, p.created))))
      : el('p', { class: 'muted' }, t('empty.projects'))),
  );
}

function projects(view) {
  $('#page-title').textContent = t('title.projects');
  view.append(
    el('div', { class: 'toolbar' },
      el('button', { class: 'primary', 'data-tour': 'new-project', on: { click: newProject } }, t('btn.newProject')),
      el('button', { id: 'import', 'data-tour': 'import', on: { click: importCsv } }, t('btn.import'))),
    el('section', { class: 'panel' }, data.projects.length
      ? el('table', { class: 'table' }, el('tbody', {}, data.projects.map((p) => el('tr', {}, el('td', {}, p.name), el('td', { class: 'muted' }, `${p.tasks} tasks`), el('td', { class: 'muted' }, p.created)))))
      : el('p', { class: 'muted' }, t('empty.projects'))),
  );
}

function reports(view) {
  $('#page-title').textContent = t('title.reports');
  view.append(
    el('div', { class: 'toolbar' },
      el('div', { class: 'filters', 'data-tour': 'filters', role: 'group', 'aria-label': t('filters') },
        el('label', {}, t('filter.team'), ' ', el('select', {}, el('option', {}, 'All'), el('option', {}, 'Design'), el('option', {}, 'Sales'))),
        el('label', {}, t('filter.period'), ' ', el('select', {}, el('option', {}, '30 days'), el('option', {}, '90 days')))),
      // "More filters" shows the Owner filter through the stylesheet alone (`:checked`), with
      // no DOM change: the owner hint's beacon comes in the next frames.
      el('div', { class: 'more' },
        el('input', { type: 'checkbox', id: 'more-filters' }),
        el('label', { for: 'more-filters' }, t('filter.more')),
        el('label', { class: 'more-filters', 'data-tour': 'owner-filter' }, t('filter.owner'), ' ', el('select', {}, el('option', {}, 'Anyone'), el('option', {}, 'Me')))),
      el('button', { class: 'primary', 'data-tour': 'new-report', on: { click: newReport } }, t('btn.newReport'))),
    el('section', { class: 'panel' }, data.reports.length
      ? el('ul', { class: 'list' }, data.reports.map((r) => el('li', {}, el('span', {}, r.name), el('button', { class: 'small', 'data-tour': 'share-report', on: { click: () => { track('report_shared'); toast(t('toast.share')); } } }, t('btn.share')))))
      : el('p', { class: 'muted' }, t('empty.reports'))),
  );
}

function team(view) {
  $('#page-title').textContent = t('title.team');
  const email = el('input', { type: 'email', id: 'invite-email', placeholder: 'name@company.com', 'aria-label': t('invite.email') });
  view.append(
    el('section', { class: 'panel' },
      el('h2', {}, t('members')),
      el('form', { class: 'invite', on: { submit: (e) => {
        e.preventDefault();
        const v = email.value.trim() || `teammate${data.members.length + 1}@acme.example`;
        data.members.push(v);
        save();
        track('member_invited', { role: 'member' });
        toast(t('toast.invite'));
        render();
      } } }, email, el('button', { class: 'primary', type: 'submit', 'data-tour': 'invite' }, t('btn.invite'))),
      el('ul', { class: 'list' }, [`${user.traits.name} (you)`, ...data.members].map((m) => el('li', {}, m)))),
  );
}

// ---- Actions (each reports a product event) -----------------------------------------------
function modal(title, body, onOk, okLabel) {
  const d = $('#modal');
  d.replaceChildren(
    el('form', { method: 'dialog' },
      el('h2', { id: 'modal-title' }, title),
      body,
      el('div', { class: 'modal-actions' },
        el('button', { value: 'cancel', type: 'submit' }, t('btn.cancel')),
        el('button', { value: 'ok', type: 'submit', class: 'primary', 'data-testid': 'modal-ok' }, okLabel))),
  );
  d.onclose = () => { if (d.returnValue === 'ok') onOk(); };
  d.showModal();
}

function newProject() {
  const name = el('input', { id: 'project-name', value: `Project ${data.projects.length + 1}`, 'aria-label': t('modal.name') });
  modal(t('modal.newProject'), el('label', { class: 'field' }, t('modal.name'), name), () => {
    data.projects.push({ name: name.value || 'Untitled', tasks: 0, created: iso(Date.now()) });
    save();
    track('project_created', { template: 'blank' });
    toast(t('toast.project'));
    render();
  }, t('btn.create'));
}

function importCsv() {
  modal(t('modal.import'), el('p', {}, t('modal.importText')), () => {
    if (!data.projects.length) data.projects.push({ name: 'Imported', tasks: 0, created: iso(Date.now()) });
    data.projects[data.projects.length - 1].tasks += 24;
    data.tasks += 24;
    save();
    track('csv_imported', { rows: 24 });
    toast(t('toast.import'));
    render();
  }, t('btn.useSample'));
}

function newReport() {
  const tpl = el('select', { id: 'report-template' }, el('option', {}, 'Progress by team'), el('option', {}, 'Weekly velocity'));
  modal(t('modal.newReport'), el('label', { class: 'field' }, t('modal.template'), tpl), () => {
    data.reports.push({ name: tpl.value });
    save();
    track('report_created', { template: tpl.value });
    toast(t('toast.report'));
    render();
  }, t('btn.create'));
}

// ---- Chrome ------------------------------------------------------------------------------
function translate() {
  document.documentElement.lang = lang;
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
}

async function boot() {
  try { config = await (await fetch('/demo-config.json', { cache: 'no-store' })).json(); } catch { config = {}; }
  const sel = $('#user-switch');
  for (const u of USERS) sel.append(el('option', { value: u.id, selected: u.id === user.id }, u.label));
  sel.addEventListener('change', () => {
    user = USERS.find((u) => u.id === sel.value) || USERS[0];
    storage.set('acme:demo:user', user.id);
    data = load();
    if (sb) sb.identify(user.id, user.traits, { hash: config.hashes ? config.hashes[user.id] : undefined });
    render();
  });
  const ls = $('#lang-switch');
  ls.value = lang;
  ls.addEventListener('change', async () => {
    lang = ls.value;
    storage.set('acme:demo:lang', lang);
    translate();
    render();
    await startShirube();
  });
  $('#reset').addEventListener('click', () => {
    for (const k of storage.keys()) if (k.startsWith('acme:demo:data') || k.startsWith('shirube:')) storage.remove(k);
    location.href = '/app/dashboard';
  });
  $('#new-project-compact').addEventListener('click', newProject);
  // Compact view: the whole app zoomed out with CSS, remembered per browser.
  const compact = (on) => {
    document.body.style.zoom = on ? '0.85' : '';
    document.body.classList.toggle('compact', on);
    $('#compact').setAttribute('aria-pressed', String(on));
    storage.set('acme:demo:compact', on ? '1' : '');
  };
  compact(storage.get('acme:demo:compact') === '1');
  $('#compact').addEventListener('click', () => compact($('#compact').getAttribute('aria-pressed') !== 'true'));
  $('#help').addEventListener('click', () => sb && sb.start('welcome'));
  $('#help-activity').addEventListener('click', () => sb && sb.start('activity-tour'));
  // The activity panel slides in from the right edge; closed, it is hidden.
  const activity = (open) => {
    $('#activity').classList.toggle('open', open);
    $('#activity-open').setAttribute('aria-expanded', String(open));
  };
  $('#activity-open').addEventListener('click', () => activity(!$('#activity').classList.contains('open')));
  $('#activity-close').addEventListener('click', () => activity(false));
  $('#mark-read').addEventListener('click', () => {
    $('.activity-list').classList.add('read');
    track('activity_read');
  });
  $('#chat-close').addEventListener('click', () => $('#chat').classList.add('hidden'));
  document.addEventListener('click', (e) => {
    const a = e.target.closest('a[data-link]');
    if (a && !e.metaKey && !e.ctrlKey) {
      e.preventDefault();
      go(a.getAttribute('href'));
    }
  });
  window.addEventListener('popstate', render);
  translate();
  render();
  await startShirube();
}

boot();
