// Short names for the wasm's imports and exports, applied to the module and to the
// wasm-bindgen glue together. wasm-bindgen names every import after its web API plus a hash
// (`__wbg_getBoundingClientRect_2f1c…`) and the module `./shirube_bg.js`; there are ~190 of
// them, so the names were ~10 KB of the wasm and as much of the glue. Only the import and
// export sections change: every other byte of the module is copied as it is.
//
// renameWasmNames(wasmBytes, glueText) → { wasm, glue, imports, exports } or throws when the
// glue does not have the shape this expects (so a wasm-bindgen upgrade fails the build loudly).

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** 0 → a, 51 → Z, 52 → aa, … (valid JS identifiers, never a keyword for the counts we have). */
export function shortName(i) {
  let s = '';
  let n = i + 1;
  while (n > 0) {
    n -= 1;
    s = ALPHABET[n % 52] + s;
    n = Math.floor(n / 52);
  }
  // Two-letter names that are JS keywords: skip them by suffixing (never hit below 52² names).
  return s === 'do' || s === 'if' || s === 'in' ? `${s}_` : s;
}

function readU32(buf, pos) {
  let result = 0;
  let shift = 0;
  for (;;) {
    const byte = buf[pos++];
    if (byte === undefined) throw new Error('wasm-names: truncated LEB128');
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [result, pos];
  }
}

function u32(n) {
  const out = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

function readName(buf, pos) {
  const [len, p] = readU32(buf, pos);
  return [buf.subarray(p, p + len).toString('utf8'), p + len];
}

const nameBytes = (s) => Buffer.concat([u32(Buffer.byteLength(s)), Buffer.from(s, 'utf8')]);

/** Length in bytes of an import descriptor starting at `pos` (after the kind byte). */
function descEnd(buf, kind, pos) {
  const limits = (p) => {
    const flags = buf[p];
    let [, q] = readU32(buf, p + 1);
    if (flags & 1) [, q] = readU32(buf, q);
    return q;
  };
  switch (kind) {
    case 0x00: return readU32(buf, pos)[1]; // function: type index
    case 0x01: return limits(pos + 1); // table: reftype, limits
    case 0x02: return limits(pos); // memory: limits
    case 0x03: return pos + 2; // global: valtype, mutability
    case 0x04: return readU32(buf, pos + 1)[1]; // tag: attribute, type index
    default: throw new Error(`wasm-names: unknown import kind ${kind}`);
  }
}

export function renameWasmNames(wasm, glue) {
  if (wasm.readUInt32LE(0) !== 0x6d736100) throw new Error('wasm-names: not a wasm module');
  const imports = new Map(); // old field name → new
  const exports = new Map();
  const modules = new Set();
  const parts = [wasm.subarray(0, 8)];
  let pos = 8;
  while (pos < wasm.length) {
    const id = wasm[pos];
    const [size, start] = readU32(wasm, pos + 1);
    const end = start + size;
    if (id === 2 || id === 7) {
      const [count, first] = readU32(wasm, start);
      const body = [u32(count)];
      let p = first;
      for (let i = 0; i < count; i++) {
        if (id === 2) {
          let module;
          let field;
          [module, p] = readName(wasm, p);
          [field, p] = readName(wasm, p);
          const kind = wasm[p];
          const dEnd = descEnd(wasm, kind, p + 1);
          modules.add(module);
          if (imports.has(field)) throw new Error(`wasm-names: import ${field} appears twice`);
          const short = shortName(imports.size);
          imports.set(field, short);
          body.push(nameBytes('a'), nameBytes(short), wasm.subarray(p, dEnd));
          p = dEnd;
        } else {
          let field;
          [field, p] = readName(wasm, p);
          const kind = wasm[p];
          const [, q] = readU32(wasm, p + 1);
          const short = shortName(exports.size);
          exports.set(field, short);
          body.push(nameBytes(short), wasm.subarray(p, q));
          p = q;
        }
      }
      if (p !== end) throw new Error(`wasm-names: section ${id} has ${end - p} unread bytes`);
      const content = Buffer.concat(body);
      parts.push(Buffer.from([id]), u32(content.length), content);
    } else {
      parts.push(wasm.subarray(pos, end));
    }
    pos = end;
  }
  if (modules.size !== 1 || !modules.has('./shirube_bg.js')) {
    throw new Error(`wasm-names: expected every import from ./shirube_bg.js, found ${[...modules].join(', ')}`);
  }

  let out = glue;
  const once = (re, replacement, what) => {
    const n = (out.match(re) || []).length;
    if (n !== 1) throw new Error(`wasm-names: expected ${what} once in the glue, found it ${n} times`);
    out = out.replace(re, replacement);
  };
  once(/"\.\/shirube_bg\.js": import0,/g, '"a": import0,', 'the import module key');
  for (const [old, short] of imports) {
    once(new RegExp(`^(\\s+)${old}(: function\\b)`, 'gm'), `$1${short}$2`, `the import ${old}`);
  }
  for (const [old, short] of exports) {
    // The glue reaches every export as `wasm.<name>`; a few (abort hooks) it never reads.
    out = out.replace(new RegExp(`\\bwasm\\.${old}\\b`, 'g'), `wasm.${short}`);
  }
  const leftover = out.match(/\bwasm\.(?:__wbindgen_|__wbg_|sdk_|wasm_bindgen__)\w*/);
  if (leftover) throw new Error(`wasm-names: ${leftover[0]} was not renamed`);
  return { wasm: Buffer.concat(parts), glue: out, imports, exports };
}
