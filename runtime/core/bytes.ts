// The Python methods of bytes and bytearray. Searching, splitting and replacing work on a latin-1
// string of the bytes (one char per byte, so JS string operations are byte-exact); case and
// whitespace follow Python's ASCII-only rules for bytes, never JS's Unicode ones (b"\xe9".upper()
// stays b"\xe9", b"\xa0" is not space). A bytearray grows in place with spare capacity, so
// append() in a loop is amortized O(1).
import { raiseError } from './exceptions.js';
import { splitKw, typeOf } from './objects.js';
import { PyBytes, PyTuple, bytesLike, idx, sliceIndices, bytearrayResize, byteValue } from './containers.js';
import * as ops from './ops.js';

type Bytes = PyBytes;

// ---------------------------------------------------------------------------------------------
// Conversions

/** The bytes as a latin-1 string (in slices: spreading a large array overflows the stack). */
export function latin1(d: Uint8Array): string {
  if (d.length <= 8192) return String.fromCharCode.apply(null, d as unknown as number[]);
  let out = '';
  for (let i = 0; i < d.length; i += 8192) out += String.fromCharCode.apply(null, d.subarray(i, i + 8192) as unknown as number[]);
  return out;
}

function fromLatin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const tname = (x: unknown) => typeOf(x).pyName;

/** A bytes-like argument's data; TypeError naming what was given otherwise. */
function data(x: unknown): Uint8Array {
  if (x instanceof PyBytes) return x.data;
  raiseError('TypeError', `a bytes-like object is required, not '${tname(x)}'`);
}

/** The subsequence argument of find/count/index: a bytes-like object or an int byte. */
function needle(x: unknown): string {
  if (x instanceof PyBytes) return latin1(x.data);
  if (typeof x === 'number' || typeof x === 'boolean') return String.fromCharCode(byteValue(x));
  raiseError('TypeError', `argument should be integer or bytes-like object, not '${tname(x)}'`);
}

/** The bytes an iterable of ints or a bytes-like object gives (extend, join's items). */
function bytesOfIterable(x: unknown): Uint8Array {
  if (x instanceof PyBytes) return x.data;
  if (typeof x === 'string') raiseError('TypeError', "'str' object cannot be interpreted as an integer");
  const items = ops.toArray(x);
  const out = new Uint8Array(items.length);
  for (let i = 0; i < items.length; i++) out[i] = byteValue(items[i]);
  return out;
}

function like(self: Bytes, d: Uint8Array): Bytes { return bytesLike(d, self.mutable); }
function likeS(self: Bytes, s: string): Bytes { return bytesLike(fromLatin1(s), self.mutable); }

/** Python start/end arguments as a [from, to) range over n bytes. */
function range(n: number, start: unknown, end: unknown): [number, number] {
  const [s, e] = sliceIndices(n, start ?? null, end ?? null, 1);
  return [s, Math.max(s, e)];
}

// ---------------------------------------------------------------------------------------------
// ASCII character classes (Python's bytes rules)

const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);
const isUpper = (c: number) => c >= 65 && c <= 90;
const isLower = (c: number) => c >= 97 && c <= 122;
const isAlpha = (c: number) => isUpper(c) || isLower(c);
const isDigit = (c: number) => c >= 48 && c <= 57;
const toUpper = (c: number) => (isLower(c) ? c - 32 : c);
const toLower = (c: number) => (isUpper(c) ? c + 32 : c);

function mapBytes(self: Bytes, f: (c: number) => number): Bytes {
  const d = self.data, out = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = f(d[i]!);
  return like(self, out);
}

function every(self: Bytes, f: (c: number) => boolean): boolean {
  const d = self.data;
  if (d.length === 0) return false;
  for (let i = 0; i < d.length; i++) if (!f(d[i]!)) return false;
  return true;
}

/** islower/isupper: some cased byte, and none of the other case. */
function cased(self: Bytes, want: (c: number) => boolean, other: (c: number) => boolean): boolean {
  let any = false;
  for (const c of self.data) { if (other(c)) return false; if (want(c)) any = true; }
  return any;
}

function strip(self: Bytes, chars: unknown, left: boolean, right: boolean): Bytes {
  const d = self.data;
  const set = chars == null ? null : new Set(data(chars));
  const drop = (c: number) => (set ? set.has(c) : isSpace(c));
  let b = 0, e = d.length;
  if (left) while (b < e && drop(d[b]!)) b++;
  if (right) while (e > b && drop(d[e - 1]!)) e--;
  return like(self, d.slice(b, e));
}

// ---------------------------------------------------------------------------------------------
// Splitting

function splitArgs(args: unknown[], name: string): { sep: unknown; max: number } {
  const { pos, kw } = splitKw(args);
  let sep = pos[0], max: unknown = pos[1];
  if (pos.length > 2) raiseError('TypeError', `${name}() takes at most 2 arguments (${pos.length} given)`);
  if (kw) kw.names.forEach((nm, i) => {
    if (nm === 'sep') sep = kw.values[i];
    else if (nm === 'maxsplit') max = kw.values[i];
    else raiseError('TypeError', `${name}() got an unexpected keyword argument '${nm}'`);
  });
  return { sep, max: max === undefined || max === null ? -1 : idx(max) };
}

/** Runs of ASCII whitespace separate; none at the ends; at most `max` splits (from the right: rsplit). */
function splitWs(s: string, max: number, fromRight: boolean): string[] {
  const words: Array<[number, number]> = [];
  for (let i = 0; i < s.length;) {
    while (i < s.length && isSpace(s.charCodeAt(i))) i++;
    if (i >= s.length) break;
    const b = i;
    while (i < s.length && !isSpace(s.charCodeAt(i))) i++;
    words.push([b, i]);
  }
  if (max < 0 || words.length <= max) return words.map(([b, e]) => s.slice(b, e));
  // the rest after the last split keeps its whitespace, inner and at its far end
  if (!fromRight) return [...words.slice(0, max).map(([b, e]) => s.slice(b, e)), s.slice(words[max]![0])];
  return [s.slice(0, words[words.length - max - 1]![1]), ...words.slice(words.length - max).map(([b, e]) => s.slice(b, e))];
}

function splitSep(s: string, sep: string, max: number, fromRight: boolean): string[] {
  if (sep === '') raiseError('ValueError', 'empty separator');
  if (max < 0) return s.split(sep);
  const out: string[] = [];
  if (!fromRight) {
    let rest = s;
    while (out.length < max) { const k = rest.indexOf(sep); if (k < 0) break; out.push(rest.slice(0, k)); rest = rest.slice(k + sep.length); }
    out.push(rest);
    return out;
  }
  let rest = s;
  while (out.length < max) { const k = rest.lastIndexOf(sep); if (k < 0) break; out.unshift(rest.slice(k + sep.length)); rest = rest.slice(0, k); }
  out.unshift(rest);
  return out;
}

function find(self: Bytes, sub: unknown, start: unknown, end: unknown, last: boolean): number {
  const x = needle(sub);
  const [b, e] = range(self.data.length, start, end);
  if (e - b < x.length) return -1;
  const hay = latin1(self.data.subarray(b, e));
  const k = last ? hay.lastIndexOf(x) : hay.indexOf(x);
  return k < 0 ? -1 : b + k;
}

function affix(self: Bytes, x: unknown, start: unknown, end: unknown, atEnd: boolean, name: string): boolean {
  const [b, e] = range(self.data.length, start, end);
  const d = self.data.subarray(b, e);
  const one = (p: unknown) => {
    if (!(p instanceof PyBytes)) raiseError('TypeError', `${name} first arg must be bytes or a tuple of bytes, not ${tname(p)}`);
    const q = p.data;
    if (q.length > d.length) return false;
    const off = atEnd ? d.length - q.length : 0;
    for (let i = 0; i < q.length; i++) if (d[off + i] !== q[i]) return false;
    return true;
  };
  return x instanceof PyTuple ? x.items.some(one) : one(x);
}

function pad(self: Bytes, width: unknown, fill: unknown, where: 'l' | 'r' | 'c', name: string): Bytes {
  const w = idx(width), d = self.data;
  let f = 32;
  if (fill !== undefined) {
    if (!(fill instanceof PyBytes) || fill.data.length !== 1) raiseError('TypeError', `${name}() argument 2 must be a byte string of length 1, not ${tname(fill)}`);
    f = fill.data[0]!;
  }
  if (w <= d.length) return like(self, d.slice());
  const total = w - d.length;
  // CPython's centering puts the extra byte on the left when the width is odd and the length even
  const left = where === 'l' ? 0 : where === 'r' ? total : (total >> 1) + (total & w & 1);
  const out = new Uint8Array(w).fill(f);
  out.set(d, left);
  return like(self, out);
}

// ---------------------------------------------------------------------------------------------
// The methods

export const bytesMethods: Record<string, (this: any, ...a: any[]) => unknown> = {
  count(this: Bytes, sub: unknown, start?: unknown, end?: unknown) {
    const x = needle(sub);
    const [b, e] = range(this.data.length, start, end);
    if (x.length === 0) return e - b + 1;
    const hay = latin1(this.data.subarray(b, e));
    let c = 0;
    for (let i = hay.indexOf(x); i >= 0; i = hay.indexOf(x, i + x.length)) c++;
    return c;
  },
  find(this: Bytes, sub: unknown, start?: unknown, end?: unknown) { return find(this, sub, start, end, false); },
  rfind(this: Bytes, sub: unknown, start?: unknown, end?: unknown) { return find(this, sub, start, end, true); },
  index(this: Bytes, sub: unknown, start?: unknown, end?: unknown) {
    const k = find(this, sub, start, end, false);
    if (k < 0) raiseError('ValueError', 'subsection not found');
    return k;
  },
  rindex(this: Bytes, sub: unknown, start?: unknown, end?: unknown) {
    const k = find(this, sub, start, end, true);
    if (k < 0) raiseError('ValueError', 'subsection not found');
    return k;
  },
  startswith(this: Bytes, x: unknown, start?: unknown, end?: unknown) { return affix(this, x, start, end, false, 'startswith'); },
  endswith(this: Bytes, x: unknown, start?: unknown, end?: unknown) { return affix(this, x, start, end, true, 'endswith'); },
  strip(this: Bytes, chars?: unknown) { return strip(this, chars, true, true); },
  lstrip(this: Bytes, chars?: unknown) { return strip(this, chars, true, false); },
  rstrip(this: Bytes, chars?: unknown) { return strip(this, chars, false, true); },
  split(this: Bytes, ...args: unknown[]) {
    const { sep, max } = splitArgs(args, 'split'), s = latin1(this.data);
    return (sep == null ? splitWs(s, max, false) : splitSep(s, latin1(data(sep)), max, false)).map(p => likeS(this, p));
  },
  rsplit(this: Bytes, ...args: unknown[]) {
    const { sep, max } = splitArgs(args, 'rsplit'), s = latin1(this.data);
    return (sep == null ? splitWs(s, max, true) : splitSep(s, latin1(data(sep)), max, true)).map(p => likeS(this, p));
  },
  splitlines(this: Bytes, ...args: unknown[]) {
    const { pos, kw } = splitKw(args);
    const keep = !!(kw?.get('keepends') ?? pos[0] ?? false);
    const d = this.data, out: Bytes[] = [];
    let b = 0;
    for (let i = 0; i < d.length; i++) {
      const c = d[i]!;
      if (c !== 10 && c !== 13) continue;
      const e = c === 13 && d[i + 1] === 10 ? i + 2 : i + 1;
      out.push(like(this, d.slice(b, keep ? e : i)));
      b = e;
      i = e - 1;
    }
    if (b < d.length) out.push(like(this, d.slice(b)));
    return out;
  },
  partition(this: Bytes, sep: unknown) {
    const x = latin1(data(sep)), s = latin1(this.data);
    if (x === '') raiseError('ValueError', 'empty separator');
    const k = s.indexOf(x);
    return k < 0 ? new PyTuple([like(this, this.data.slice()), likeS(this, ''), likeS(this, '')])
      : new PyTuple([likeS(this, s.slice(0, k)), likeS(this, x), likeS(this, s.slice(k + x.length))]);
  },
  rpartition(this: Bytes, sep: unknown) {
    const x = latin1(data(sep)), s = latin1(this.data);
    if (x === '') raiseError('ValueError', 'empty separator');
    const k = s.lastIndexOf(x);
    return k < 0 ? new PyTuple([likeS(this, ''), likeS(this, ''), like(this, this.data.slice())])
      : new PyTuple([likeS(this, s.slice(0, k)), likeS(this, x), likeS(this, s.slice(k + x.length))]);
  },
  join(this: Bytes, items: unknown) {
    const parts = ops.toArray(items).map((p, i) => {
      if (!(p instanceof PyBytes)) raiseError('TypeError', `sequence item ${i}: expected a bytes-like object, ${tname(p)} found`);
      return latin1(p.data);
    });
    return likeS(this, parts.join(latin1(this.data)));
  },
  replace(this: Bytes, old: unknown, rep: unknown, count?: unknown) {
    const o = latin1(data(old)), r = latin1(data(rep)), s = latin1(this.data);
    let n = count === undefined || count === null ? -1 : idx(count);
    if (n < 0) n = Infinity;
    if (o === '') {
      // an empty pattern matches before every byte and at the end
      let out = '', i = 0;
      for (; i <= s.length && n > 0; i++, n--) out += r + (i < s.length ? s[i] : '');
      return likeS(this, out + s.slice(i));
    }
    let out = '', from = 0;
    for (let k = s.indexOf(o); k >= 0 && n > 0; k = s.indexOf(o, from), n--) { out += s.slice(from, k) + r; from = k + o.length; }
    return likeS(this, out + s.slice(from));
  },
  upper(this: Bytes) { return mapBytes(this, toUpper); },
  lower(this: Bytes) { return mapBytes(this, toLower); },
  swapcase(this: Bytes) { return mapBytes(this, c => (isUpper(c) ? c + 32 : isLower(c) ? c - 32 : c)); },
  capitalize(this: Bytes) { let first = true; return mapBytes(this, c => { const r = first ? toUpper(c) : toLower(c); first = false; return r; }); },
  title(this: Bytes) {
    let prevCased = false;
    return mapBytes(this, c => { const r = prevCased ? toLower(c) : toUpper(c); prevCased = isAlpha(c); return r; });
  },
  isalnum(this: Bytes) { return every(this, c => isAlpha(c) || isDigit(c)); },
  isalpha(this: Bytes) { return every(this, isAlpha); },
  isdigit(this: Bytes) { return every(this, isDigit); },
  isspace(this: Bytes) { return every(this, isSpace); },
  isascii(this: Bytes) { for (const c of this.data) if (c > 127) return false; return true; },
  islower(this: Bytes) { return cased(this, isLower, isUpper); },
  isupper(this: Bytes) { return cased(this, isUpper, isLower); },
  istitle(this: Bytes) {
    let any = false, prevCased = false;
    for (const c of this.data) {
      if (isUpper(c)) { if (prevCased) return false; prevCased = any = true; }
      else if (isLower(c)) { if (!prevCased) return false; prevCased = any = true; }
      else prevCased = false;
    }
    return any;
  },
  center(this: Bytes, width: unknown, fill?: unknown) { return pad(this, width, fill, 'c', 'center'); },
  ljust(this: Bytes, width: unknown, fill?: unknown) { return pad(this, width, fill, 'l', 'ljust'); },
  rjust(this: Bytes, width: unknown, fill?: unknown) { return pad(this, width, fill, 'r', 'rjust'); },
  zfill(this: Bytes, width: unknown) {
    const w = idx(width), d = this.data;
    if (w <= d.length) return like(this, d.slice());
    const out = new Uint8Array(w).fill(48);
    const sign = d[0] === 43 || d[0] === 45 ? 1 : 0;
    if (sign) out[0] = d[0]!;
    out.set(d.subarray(sign), w - d.length + sign);
    return like(this, out);
  },
  removeprefix(this: Bytes, p: unknown) {
    const q = data(p);
    return like(this, affix(this, p, undefined, undefined, false, 'removeprefix') ? this.data.slice(q.length) : this.data.slice());
  },
  removesuffix(this: Bytes, p: unknown) {
    const q = data(p);
    return like(this, q.length && affix(this, p, undefined, undefined, true, 'removesuffix') ? this.data.slice(0, this.data.length - q.length) : this.data.slice());
  },
  expandtabs(this: Bytes, ...args: unknown[]) {
    const { pos, kw } = splitKw(args);
    const size = idx(kw?.get('tabsize') ?? pos[0] ?? 8);
    let out = '', col = 0;
    for (const c of this.data) {
      if (c === 9) { if (size > 0) { const n = size - (col % size); out += ' '.repeat(n); col += n; } }
      else { out += String.fromCharCode(c); col = c === 10 || c === 13 ? 0 : col + 1; }
    }
    return likeS(this, out);
  },
  translate(this: Bytes, table: unknown, del?: unknown) {
    let t: Uint8Array | null = null;
    if (table !== null && table !== undefined) {
      t = data(table);
      if (t.length !== 256) raiseError('ValueError', 'translation table must be 256 characters long');
    }
    const drop = del === undefined ? null : new Set(data(del));
    const out: number[] = [];
    for (const c of this.data) if (!drop?.has(c)) out.push(t ? t[c]! : c);
    return like(this, Uint8Array.from(out));
  },
  hex(this: Bytes, sep?: unknown, perGroup?: unknown) {
    const h = Array.from(this.data, b => b.toString(16).padStart(2, '0'));
    if (sep === undefined) return h.join('');
    const s = sep instanceof PyBytes ? latin1(sep.data) : String(sep);
    if (s.length !== 1) raiseError('ValueError', 'sep must be length 1.');
    const n = perGroup === undefined ? 1 : idx(perGroup);
    if (n === 0) return h.join('');
    // groups count from the right for a positive size, from the left for a negative one
    const size = Math.abs(n), groups: string[] = [];
    if (n > 0) for (let e = h.length; e > 0; e -= size) groups.unshift(h.slice(Math.max(0, e - size), e).join(''));
    else for (let b = 0; b < h.length; b += size) groups.push(h.slice(b, b + size).join(''));
    return groups.join(s);
  },
  size(this: Bytes) { return this.data.length; },
};

/** bytes.maketrans(from, to): the 256-byte table mapping each byte of `from` to the one of `to`. */
export function maketrans(from: unknown, to: unknown): PyBytes {
  const a = data(from), b = data(to);
  if (a.length !== b.length) raiseError('ValueError', 'maketrans arguments must have same length');
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) t[i] = i;
  for (let i = 0; i < a.length; i++) t[a[i]!] = b[i]!;
  return new PyBytes(t);
}

// ---------------------------------------------------------------------------------------------
// bytearray's own methods (in place)

function mutable(self: Bytes, name: string): void {
  if (!self.mutable) raiseError('AttributeError', `'bytes' object has no attribute '${name}'`);
}

/** Inserts bytes at position i (0 <= i <= length), growing in place. */
function insertAt(self: Bytes, i: number, src: Uint8Array): void {
  const n = self.data.length;
  const copy = src.buffer === self.data.buffer ? src.slice() : src; // a.extend(a)
  const d = bytearrayResize(self, n + copy.length);
  d.copyWithin(i + copy.length, i, n);
  d.set(copy, i);
}

export const bytearrayMethods: Record<string, (this: any, ...a: any[]) => unknown> = {
  append(this: Bytes, x: unknown) {
    mutable(this, 'append');
    const v = byteValue(x), n = this.data.length;
    bytearrayResize(this, n + 1)[n] = v;
    return null;
  },
  extend(this: Bytes, x: unknown) {
    mutable(this, 'extend');
    insertAt(this, this.data.length, bytesOfIterable(x));
    return null;
  },
  insert(this: Bytes, i: unknown, x: unknown) {
    mutable(this, 'insert');
    const n = this.data.length, v = byteValue(x);
    let k = idx(i);
    if (k < 0) k = Math.max(0, k + n); else if (k > n) k = n;
    insertAt(this, k, Uint8Array.of(v));
    return null;
  },
  pop(this: Bytes, i?: unknown) {
    mutable(this, 'pop');
    const n = this.data.length;
    if (n === 0) raiseError('IndexError', 'pop from empty bytearray');
    let k = i === undefined ? n - 1 : idx(i);
    if (k < 0) k += n;
    if (k < 0 || k >= n) raiseError('IndexError', 'pop index out of range');
    const v = this.data[k]!;
    this.data.copyWithin(k, k + 1);
    bytearrayResize(this, n - 1);
    return v;
  },
  remove(this: Bytes, x: unknown) {
    mutable(this, 'remove');
    const k = this.data.indexOf(byteValue(x));
    if (k < 0) raiseError('ValueError', 'value not found in bytearray');
    this.data.copyWithin(k, k + 1);
    bytearrayResize(this, this.data.length - 1);
    return null;
  },
  clear(this: Bytes) { mutable(this, 'clear'); bytearrayResize(this, 0); return null; },
  reverse(this: Bytes) { mutable(this, 'reverse'); this.data.reverse(); return null; },
  copy(this: Bytes) { mutable(this, 'copy'); return like(this, this.data.slice()); },
};
