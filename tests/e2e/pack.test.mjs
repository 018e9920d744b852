// The package as a customer gets it (issue 8): `npm pack`, unpack into a fresh project, then
// build and run a tour in Chromium with Vite, with webpack, from a plain <script> tag, and in the
// React example with route changes, each page served with the strict CSP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, cpSync, readdirSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { launch, startServer, watchProblems, root } from '../browser/harness.mjs';

const tmp = join(root, 'tests/.tmp/pack');
let browser, pkgDir, files = [];

before(async () => {
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const r = spawnSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout)[0];
  files = info.files.map((f) => f.path);
  const x = spawnSync('tar', ['-xzf', join(tmp, info.filename), '-C', tmp], { encoding: 'utf8' });
  assert.equal(x.status, 0, x.stderr);
  pkgDir = join(tmp, 'package');
  browser = await launch();
});
after(async () => {
  await browser?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** A project folder whose node_modules/shirube is the unpacked tarball. */
function project(name) {
  const dir = join(tmp, name);
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  cpSync(pkgDir, join(dir, 'node_modules/shirube'), { recursive: true });
  return dir;
}

/** Serves a built folder with the strict CSP; unknown paths without an extension are the app. */
async function serveDir(dir) {
  return startServer({
    dirs: [['/', dir]],
    extra: async (req, res) => {
      const p = new URL(req.url, 'http://x').pathname;
      if (p === '/favicon.ico') {
        res.writeHead(204);
        res.end();
        return true;
      }
      if (p !== '/' && !extname(p) && existsSync(join(dir, 'index.html')) && !existsSync(join(dir, p))) {
        req.url = '/index.html';
      }
      return false;
    },
  });
}

const APP_JS = `import { Shirube } from 'shirube';
Shirube.init({
  spec: { version: 1, product: 'packed', flows: [{ id: 't', kind: 'tour', trigger: { page: '/*' }, steps: [{ id: 's', target: '#go', title: 'Packed', body: 'From the **npm tarball**.' }] }] },
  user: { id: 'packed-user' },
}).then((sb) => { window.sb = sb; });
`;
const HTML = (script) => `<!doctype html><html><head><meta charset="utf-8"><title>packed</title>${script}</head><body><button id="go">Go</button></body></html>`;

async function runsATour(base, path = '/') {
  const page = await browser.context.newPage();
  const problems = watchProblems(page);
  await page.goto(base + path);
  await page.locator('shirube-root [data-shirube-step=s]').waitFor({ timeout: 10_000 });
  const title = await page.locator('shirube-root [data-shirube-step=s] h2').textContent();
  await page.close();
  return { title, problems };
}

/** Serves a built folder, runs the tour there, and stops the server (also on failure). */
async function tourFromBuild(dir) {
  const s = await serveDir(dir);
  try {
    return await runsATour(s.base);
  } finally {
    await s.stop();
  }
}

test('the tarball ships the package and nothing else', () => {
  for (const f of ['package.json', 'README.md', 'js/index.js', 'js/index.d.ts', 'js/spec.d.ts', 'js/slim.js', 'js/node.js', 'js/global.js', 'js/cli.mjs', 'dist/shirube.js', 'dist/shirube_bg.wasm', 'schema/spec.v1.json']) {
    assert.ok(files.includes(f), `${f} is in the tarball`);
  }
  assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('tests/') || f.startsWith('collector/') || f.startsWith('examples/')), files.join(' '));
  const cli = spawnSync(process.execPath, [join(pkgDir, 'js/cli.mjs'), 'validate', join(root, 'examples/saas-app/onboarding.json')], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
});

test('Vite: builds and runs a tour', async () => {
  const dir = project('vite-app');
  writeFileSync(join(dir, 'index.html'), HTML('<script type="module" src="/main.js"></script>'));
  writeFileSync(join(dir, 'main.js'), APP_JS);
  const { build } = await import(join(root, 'node_modules/vite/dist/node/index.js'));
  await build({ root: dir, logLevel: 'silent', build: { outDir: join(dir, 'dist'), target: 'es2022' } });
  const wasm = readdirSync(join(dir, 'dist/assets')).find((f) => f.endsWith('.wasm'));
  assert.ok(wasm, 'Vite emitted the .wasm as an asset');
  const r = await tourFromBuild(join(dir, 'dist'));
  assert.equal(r.title, 'Packed');
  assert.deepEqual(r.problems, []);
});

test('Vite dev server: the pre-bundled package still finds its .wasm and runs a tour', async () => {
  const dir = project('vite-dev');
  // A package.json makes this folder the project root, so Vite's cache is its node_modules/.vite.
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'vite-dev-app', private: true, type: 'module', dependencies: { shirube: '*' } }));
  writeFileSync(join(dir, 'index.html'), HTML('<script type="module" src="/main.js"></script>'));
  writeFileSync(join(dir, 'main.js'), APP_JS);
  const { createServer } = await import(join(root, 'node_modules/vite/dist/node/index.js'));
  const server = await createServer({ root: dir, configFile: false, logLevel: 'silent', server: { host: '127.0.0.1', port: 0, strictPort: false } });
  await server.listen();
  try {
    const { port } = server.httpServer.address();
    const r = await runsATour(`http://127.0.0.1:${port}`);
    assert.equal(r.title, 'Packed');
    // Vite's dev pages have no favicon; nothing else may fail.
    assert.deepEqual(r.problems.filter((p) => !/favicon|404 \(Not Found\)/.test(p)), []);
    assert.ok(existsSync(join(dir, 'node_modules/.vite/deps')), 'Vite pre-bundled the package (the case this test is about)');
  } finally {
    await server.close();
  }
});

test('webpack 5: builds and runs a tour', async () => {
  const dir = project('webpack-app');
  writeFileSync(join(dir, 'main.js'), APP_JS);
  const { default: webpack } = await import(join(root, 'node_modules/webpack/lib/index.js'));
  const stats = await new Promise((ok, fail) => webpack({
    mode: 'production', context: dir, entry: './main.js', target: 'web',
    output: { path: join(dir, 'dist'), filename: 'main.js', publicPath: '/', clean: true },
    resolve: { modules: [join(dir, 'node_modules'), join(root, 'node_modules')] },
  }, (err, st) => (err ? fail(err) : ok(st))));
  assert.ok(!stats.hasErrors(), stats.toString('errors-only'));
  assert.ok(readdirSync(join(dir, 'dist')).some((f) => f.endsWith('.wasm')), 'webpack emitted the .wasm');
  writeFileSync(join(dir, 'dist/index.html'), HTML('<script src="/main.js" defer></script>'));
  const r = await tourFromBuild(join(dir, 'dist'));
  assert.equal(r.title, 'Packed');
  assert.deepEqual(r.problems, []);
});

test('a plain <script> tag, no bundler: the script-tag example on the packed files', async () => {
  // The site is the unpacked package (so /js/global.js and /dist/ are where the example expects
  // them) with examples/script-tag on top.
  const site = project('script-tag');
  for (const f of readdirSync(join(root, 'examples/script-tag'))) cpSync(join(root, 'examples/script-tag', f), join(site, f), { recursive: true });
  cpSync(join(site, 'node_modules/shirube'), site, { recursive: true });
  const s = await serveDir(site);
  const page = await browser.context.newPage();
  const problems = watchProblems(page);
  await page.goto(s.base + '/');
  await page.locator('shirube-root [data-shirube-step=button]').waitFor({ timeout: 10_000 });
  assert.equal(await page.locator('shirube-root [data-shirube-step=button] h2').textContent(), 'Start here');
  await page.click('#start');
  await page.locator('shirube-root [data-shirube-step=done]').waitFor();
  assert.equal(await page.textContent('#status'), 'Created.');
  assert.deepEqual(problems, []);
  await page.close();
  await s.stop();
});

test('the React example: a hook, StrictMode, and a tour that follows a route change', async () => {
  const dir = project('react');
  for (const f of ['index.html', 'vite.config.js', 'src']) cpSync(join(root, 'examples/react', f), join(dir, f), { recursive: true });
  const { build } = await import(join(root, 'node_modules/vite/dist/node/index.js'));
  await build({ root: dir, configFile: join(dir, 'vite.config.js'), logLevel: 'silent', build: { outDir: join(dir, 'dist') } });
  const s = await serveDir(join(dir, 'dist'));
  const page = await browser.context.newPage();
  const problems = watchProblems(page);
  await page.goto(s.base + '/');
  await page.locator('shirube-root [data-shirube-step=hello]').waitFor({ timeout: 10_000 });
  assert.equal(await page.evaluate(() => document.querySelectorAll('shirube-root').length), 1, 'StrictMode double effects leave one instance');
  await page.click('[data-tour=counter]');
  await page.locator('shirube-root [data-shirube-step=reports]').waitFor();
  await page.click('[data-tour=reports-link]');
  await page.locator('shirube-root [data-shirube-step=chart]').waitFor();
  assert.equal(new URL(page.url()).pathname, '/reports', 'the router navigated without a reload');
  assert.deepEqual(problems, []);
  await page.close();
  await s.stop();
});

test('slim entry: the bundle contains no .wasm; the host serves and loads it', async () => {
  const dir = project('slim-app');
  writeFileSync(join(dir, 'index.html'), HTML('<script type="module" src="/main.js"></script>'));
  writeFileSync(join(dir, 'main.js'), APP_JS.replace("import { Shirube } from 'shirube';", "import { Shirube } from 'shirube/slim';\nawait Shirube.load('/static/shirube_bg.wasm');"));
  const { build } = await import(join(root, 'node_modules/vite/dist/node/index.js'));
  await build({ root: dir, logLevel: 'silent', build: { outDir: join(dir, 'dist'), target: 'es2022' } });
  const assets = existsSync(join(dir, 'dist/assets')) ? readdirSync(join(dir, 'dist/assets')) : [];
  assert.ok(!assets.some((f) => f.endsWith('.wasm')), `no .wasm bundled: ${assets}`);
  mkdirSync(join(dir, 'dist/static'), { recursive: true });
  cpSync(join(pkgDir, 'dist/shirube_bg.wasm'), join(dir, 'dist/static/shirube_bg.wasm'));
  const r = await tourFromBuild(join(dir, 'dist'));
  assert.equal(r.title, 'Packed');
  assert.ok(statSync(join(pkgDir, 'dist/shirube_bg.wasm')).size > 1000);
  assert.ok(readFileSync(join(pkgDir, 'package.json'), 'utf8').includes('"./slim"'));
});
