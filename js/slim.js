// The slim entry, for hosts that serve the .wasm themselves (strict CSPs, CDNs, custom caching):
// it never references the .wasm, so bundlers emit nothing extra. Call `Shirube.load(url)` before
// anything else.
import { loadWasm, makeShirube, isLoaded } from './core.js';

let source = null;
const Base = makeShirube(() => {
  if (!source) return Promise.reject(new Error('shirube/slim: call Shirube.load(wasmUrlOrBytes) first'));
  return loadWasm(source);
});

export class Shirube extends Base {
  /** Loads the wasm from a URL, Response, bytes or WebAssembly.Module. */
  static load(wasm) {
    source = wasm;
    return isLoaded() ? Promise.resolve() : loadWasm(wasm);
  }
}
export default Shirube;
