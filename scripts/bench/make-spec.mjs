// Generates a deterministic, realistic spec of about `targetBytes` with `flows` flows (tours,
// hints, announcements, checklists and surveys in English and Japanese, with audiences,
// milestones and stages), for the validation and scheduling benchmarks.
export function makeSpec({ flows = 500, targetBytes = 1_000_000 } = {}) {
  const milestones = [];
  for (let i = 0; i < 40; i++) milestones.push({ id: `m${i}`, label: { en: `Milestone ${i}`, ja: `マイルストーン${i}` }, when: i % 5 === 4 ? { milestones: [`m${i - 1}`, `m${i - 2}`] } : { event: `event_${i}`, count: 1 + (i % 3) } });
  const stages = [{ id: 'onboarding' }, { id: 'adoption', when: { milestones: ['m0'] } }, { id: 'self_sufficient', when: { milestones: ['m1', 'm2'] } }];
  const audiences = {
    tech_touch: { all: [{ trait: 'tier', eq: 'tech' }, { trait: 'plan', in: ['free', 'starter'] }] },
    admins: { trait: 'role', eq: 'admin' },
    recent: { trait: 'signed_up_at', withinDays: 30 },
    engaged: { all: [{ audience: 'tech_touch' }, { milestone: 'm3' }] },
  };
  // Pad bodies so the whole document reaches the target size.
  const perFlow = Math.max(0, Math.floor(targetBytes / flows) - 900);
  const pad = (i) => 'Build reports and share them with your team. '.repeat(Math.ceil(perFlow / 2 / 46)).slice(0, perFlow / 2) + ` (${i})`;
  const padJa = (i) => 'チームとレポートを共有しましょう。'.repeat(Math.ceil(perFlow / 8 / 17)).slice(0, perFlow / 8) + `（${i}）`;
  const text = (i) => ({ en: `**Step ${i}.** ${pad(i)}`, ja: `**ステップ${i}**。${padJa(i)}` });
  const out = [];
  for (let i = 0; i < flows; i++) {
    const common = {
      id: `flow-${i}`,
      audience: { all: [{ audience: ['tech_touch', 'admins', 'recent', 'engaged'][i % 4] }, { stage: { atLeast: ['onboarding', 'adoption'][i % 2] } }, { not: { milestone: `m${i % 40}` } }] },
      trigger: i % 3 === 0 ? { page: `/app/area-${i % 17}/*` } : i % 3 === 1 ? { event: `event_${i % 40}` } : { page: '/app/*', delayMs: 500 },
      frequency: i % 2 ? { every: '30d', maxTimes: 3 } : { once: true },
      priority: i % 7,
    };
    switch (i % 5) {
      case 0:
        out.push({ ...common, kind: 'tour', steps: [0, 1, 2].map((s) => ({ id: `s${s}`, target: [`[data-tour=f${i}-s${s}]`, `#f${i}-s${s}`], placement: 'bottom-start', title: { en: `Title ${s}`, ja: `タイトル${s}` }, body: text(i), ifMissing: 'skip' })) });
        break;
      case 1:
        out.push({ ...common, kind: 'hint', target: `main .card:nth-child(${i % 9 + 1}) > button.primary`, body: text(i) });
        break;
      case 2:
        out.push({ ...common, kind: 'announcement', style: ['modal', 'banner', 'slideout'][i % 3], body: text(i), cta: { label: { en: 'Open', ja: '開く' }, action: { startFlow: `flow-${(i + 3) % flows}` } } });
        break;
      case 3:
        out.push({ ...common, kind: 'checklist', title: { en: 'Getting started', ja: 'はじめに' }, items: [0, 1, 2, 3].map((k) => ({ id: `i${k}`, label: text(k), done: { milestone: `m${(i + k) % 40}` }, action: { navigate: `/app/area-${k}` } })) });
        break;
      default:
        out.push({ ...common, kind: 'survey', scale: ['nps', 'csat', 'ces'][i % 3], question: text(i), followUp: { en: 'Why?', ja: 'その理由は？' }, sample: 0.25 });
    }
  }
  return JSON.stringify({ version: 1, product: 'bench', revision: 'bench.1', locales: { default: 'en', supported: ['en', 'ja'] }, milestones, stages, audiences, flows: out }, null, 2);
}
