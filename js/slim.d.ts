// Types for `shirube/slim`: the same API, plus `load()` for hosts that serve the .wasm themselves.
import { Shirube as Base } from './index';
export * from './index';
export declare class Shirube extends Base {
  /** Loads the wasm from a URL, Response, bytes or WebAssembly.Module before init(). */
  static load(wasm: string | URL | Response | BufferSource | WebAssembly.Module): Promise<void>;
}
export default Shirube;
