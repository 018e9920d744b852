// The Node entry (chosen by the "node" export condition): loads the .wasm synchronously from the
// package on first use, so Shirube.validate(spec) returns its result directly. Used by the CLI,
// by build tools and by server-side rendering, where Shirube.init is not available.
import { readFileSync } from 'node:fs';
import { loadWasmSync, makeShirube } from './core.js';

const ensure = () => {
  loadWasmSync(readFileSync(new URL('../dist/shirube_bg.wasm', import.meta.url)));
  return undefined;
};

export const Shirube = makeShirube(ensure);
export default Shirube;
