// The onboarding program of the React example (a spec object; it could as well be a URL).
export const spec = {
  version: 1,
  product: 'react-example',
  flows: [
    {
      id: 'welcome', kind: 'tour', trigger: { page: '/' },
      steps: [
        { id: 'hello', target: '[data-tour=counter]', placement: 'bottom', title: { en: 'Welcome', ja: 'ようこそ' }, body: 'Click the counter to go on.', advance: { event: 'counted' } },
        { id: 'reports', target: '[data-tour=reports-link]', placement: 'right', title: 'Reports', body: 'Open **Reports**.', advance: { page: '/reports' } },
        { id: 'chart', target: '[data-tour=chart]', page: '/reports', placement: 'top', title: 'Your chart', body: 'Tours continue across routes.' },
      ],
    },
  ],
};
