// The page of scripts/bench/watch.mjs: `n` elements (rows of five), of which `shadows` rows are
// web components with an open shadow root holding the row's elements; a clock whose text the
// benchmark changes every frame (a DOM change in each frame, as a live dashboard makes); with
// `lib=shirube`, `w` hints whose `element` trigger and target are absent, so Shirube looks for
// `w` selectors the page lacks after every DOM change.
const q = new URLSearchParams(location.search);
const N = Number(q.get('n') || 5000), W = Number(q.get('w') || 10), SHADOWS = Number(q.get('shadows') || 0), lib = q.get('lib') || 'none';
const main = document.getElementById('main');
const fill = (row) => {
  for (const [tag, cls, text] of [['span', 'a', 'x'], ['span', 'b', 'y'], ['a', 'c', 'z'], ['i', 'd', 'w']]) {
    const e = document.createElement(tag);
    e.className = cls;
    e.textContent = text;
    row.append(e);
  }
};
customElements.define('x-row', class extends HTMLElement {
  constructor() {
    super();
    fill(this.attachShadow({ mode: 'open' }));
  }
});
for (let i = 0; i < N / 5; i++) {
  const row = document.createElement(i < SHADOWS ? 'x-row' : 'div');
  row.className = 'row';
  if (i >= SHADOWS) fill(row);
  main.append(row);
}
localStorage.clear();
const clock = document.getElementById('clock');
/** Changes the clock's text in each of `frames` animation frames. */
window.tick = (frames) => new Promise((ok) => {
  let k = 0;
  const f = () => {
    clock.textContent = String(k);
    if (++k >= frames) ok();
    else requestAnimationFrame(f);
  };
  requestAnimationFrame(f);
});
window.ready = (async () => {
  if (lib === 'shirube') {
    const { Shirube } = await import('/js/index.js');
    const flows = [];
    for (let i = 0; i < W; i++) flows.push({ id: `h${i}`, kind: 'hint', target: `[data-tour=missing-${i}]`, body: 'A hint.', trigger: { element: `[data-tour=missing-${i}]` } });
    window.sb = await Shirube.init({ spec: { version: 1, product: 'watch', flows }, user: { id: 'u' } });
  }
  return true;
})();
