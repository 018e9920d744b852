// Specs used by the fixture pages.
const tour = (id, steps, extra = {}) => ({ id, kind: 'tour', trigger: { page: '/fixtures/*' }, steps, ...extra });
export const SPECS = {
  basic: {
    version: 1, product: 'fixture', revision: 'test.1',
    flows: [tour('t', [
      { id: 'a', target: '#a', placement: 'bottom', title: { en: 'First', ja: '最初' }, body: { en: 'Click **next**.', ja: '**次へ**を押します。' } },
      { id: 'b', target: '#b', placement: 'right', title: 'Second', body: 'A [link](https://example.com) and `code`.' },
      { id: 'c', title: 'Done', body: '- one\n- two' },
    ])],
  },
};
