// Must NOT compile: tests/node/types.test.mjs checks that tsc rejects each marked line.
import type { Spec } from '../../../js/index.js';
const a: Spec = { version: 1, product: 'x', flows: [{ id: 't', kind: 'tour', steps: [{ id: 's', placement: 'bottom-left' }] }] }; // placement
const b: Spec = { version: 1, product: 'x', flows: [{ id: 'h', kind: 'hint', body: 'x', target: '#a', steps: [] }] }; // steps on a hint
const c: Spec = { version: 1, product: 'x', flows: [], audiences: { x: { trait: 'plan', equals: 'free' } } }; // operator typo
export { a, b, c };
