// The default browser entry: the .wasm is found next to the package with
// `new URL(…, import.meta.url)`, which Vite, webpack 5, Rollup and plain ESM all understand.
// Importing this module does nothing else: no window access, so it is safe during SSR.
import { loadWasm, makeShirube } from './core.js';

const wasmUrl = () => new URL('../dist/shirube_bg.wasm', import.meta.url);

export const Shirube = makeShirube(() => loadWasm(wasmUrl()));
export default Shirube;
