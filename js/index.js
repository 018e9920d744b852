// The default browser entry: the .wasm is found next to the package with
// `new URL(…, import.meta.url)`, which Vite, webpack 5 and plain ESM understand (Rollup and
// esbuild need the slim entry, see docs/integration.md). Importing this module does nothing
// else: no window access, so it is safe during SSR.
import { loadWasm, makeShirube } from './core.js';

// Vite's dev server pre-bundles dependencies into node_modules/.vite/deps/, where the relative
// URL below points at nothing (vitejs/vite#8427); the package's own files are still served from
// /node_modules/shirube/ there, so that is tried first, then the usual place. (A variable base,
// so bundlers do not take this second URL for an asset of their own.)
const here = import.meta.url;
const inViteDeps = () => /\/node_modules\/\.vite\//.test(here);

async function load() {
  if (inViteDeps()) {
    try {
      return await loadWasm(new URL('/node_modules/shirube/dist/shirube_bg.wasm', here));
    } catch {
      // Not served there (a monorepo, pnpm): fall through to the relative URL and its error.
    }
  }
  return loadWasm(new URL('../dist/shirube_bg.wasm', import.meta.url));
}

export const Shirube = makeShirube(load);
export default Shirube;
