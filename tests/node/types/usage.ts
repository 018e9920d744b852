// Type-checked by tests/node/types.test.mjs: the public API and the spec types as a TypeScript
// user writes them. It must compile with --strict.
import { Shirube, type Spec, type ShirubeEvent, type ValidationResult } from '../../../js/index.js';
import designExample from '../../fixtures/spec/valid/minimal.json';

const spec: Spec = {
  $schema: 'https://unpkg.com/shirube/schema/spec.v1.json',
  version: 1,
  product: 'acme',
  revision: '2026-11-22.3',
  locales: { default: 'en', supported: ['en', 'ja'] },
  theme: { accent: '#2563eb', radius: 8 },
  milestones: [
    { id: 'first_project', label: { en: 'Create a project', ja: 'プロジェクトを作成' }, when: { event: 'project_created' } },
    { id: 'team_invited', when: { event: 'member_invited', count: 3 } },
    { id: 'toured', when: { flowCompleted: 'welcome' } },
  ],
  stages: [{ id: 'onboarding' }, { id: 'adoption', when: { milestones: ['first_project'] } }],
  audiences: { tech_touch: { all: [{ trait: 'tier', eq: 'tech' }, { trait: 'plan', in: ['free', 'starter'] }] } },
  flows: [
    {
      id: 'welcome', kind: 'tour',
      audience: { all: [{ audience: 'tech_touch' }, { stage: 'onboarding' }] },
      trigger: { page: '/app/dashboard*' },
      frequency: { once: true },
      steps: [
        { id: 'create', target: '[data-tour=new-project]', placement: 'bottom', title: { en: 'Start here' }, advance: { event: 'project_created' } },
        { id: 'done', title: { en: 'All set' } },
      ],
    },
    { id: 'import-hint', kind: 'hint', target: '#import', body: { en: 'Import a CSV' } },
    { id: 'nps', kind: 'survey', scale: 'nps', question: { en: 'How likely?' }, audience: { stage: { atLeast: 'adoption' } }, frequency: { every: '90d' }, sample: 0.2 },
    { id: 'news', kind: 'announcement', style: 'banner', body: 'Reports are here.', cta: { label: 'Take the tour', action: { startFlow: 'welcome' } } },
  ],
};

async function main(): Promise<void> {
  const sb = await Shirube.init({
    spec,
    user: { id: 'u_42', traits: { plan: 'free', tier: 'tech' }, hash: 'abc' },
    collector: { url: 'https://cs.example.com', writeKey: 'sb_pub_x', denylist: ['email'] },
    locale: 'ja',
    beforeSend: (e: ShirubeEvent) => (e.name === 'event_tracked' && e.event === 'secret' ? null : e),
    onError: (e) => console.warn(e.code, e.message),
  });
  sb.track('project_created', { template: 'blank' });
  sb.start('welcome');
  sb.identify('u_43', { plan: 'pro' });
  sb.on('flow_completed', (e) => console.log(e.flow_id, e.properties));
  sb.on('error', (e) => console.log(e.diagnostics?.length));
  sb.registerAction('openChat', () => undefined);
  const s = sb.state();
  if (s) console.log(s.stage, s.checklists['getting-started']?.done);
  await sb.flush();
  const d = sb.delivery();
  if (d) console.log(d.queued, d.dropped.rejected, d.filtered);
  sb.destroy();
  const r: ValidationResult = await Shirube.validate(spec);
  console.log(r.ok, r.diagnostics.map((d) => `${d.line}:${d.column} ${d.code}`));
  const fromFile: Spec = designExample as Spec;
  console.log(fromFile.product);
}
void main;
