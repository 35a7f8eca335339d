// Containers: tuple, dict, set/frozenset, bytes, range, slice, and Python's list methods on
// JS arrays. Dict and set share one insertion-ordered table whose keys are normalised by
// keyOf(), so 1, 1.0 and True are one key and equal tuples are one key.
import { raiseError } from './exceptions.js';
import { PyFloat, PyComplex, MAX_SAFE, mkint } from './numbers.js';
import { typeOf, invoke, getObjectProto } from './objects.js';
import { eq, hash, toArray } from './ops.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export class PyTuple {
  constructor(readonly items: unknown[]) {}
  [Symbol.iterator](): Iterator<unknown> { return this.items[Symbol.iterator](); }
}
export const EMPTY_TUPLE = new PyTuple([]);
export function tuple(items: unknown[]): PyTuple {
  return items.length === 0 ? EMPTY_TUPLE : new PyTuple(items);
}

export class PyBytes {
  constructor(readonly data: Uint8Array, readonly mutable = false) {}
  [Symbol.iterator](): Iterator<number> { return this.data[Symbol.iterator](); }
}

/** bytearray: the same storage, mutable, and a type of its own (`type(x)` says bytearray). */
export class PyByteArray extends PyBytes {
  constructor(data: Uint8Array) { super(data, true); }
}

/** An int in range(256), as bytearray items must be. */
export function byteValue(x: unknown): number {
  if (typeof x === 'boolean') return x ? 1 : 0;
  if ((typeof x === 'number' && !Number.isInteger(x)) || (typeof x !== 'number' && typeof x !== 'bigint' && typeof (x as any)?.$__index__ !== 'function')) {
    raiseError('TypeError', `'${typeOf(x).pyName}' object cannot be interpreted as an integer`);
  }
  const n = typeof x === 'number' && Number.isInteger(x) ? x : typeof x === 'bigint' ? 256 : idx(x);
  if (n < 0 || n > 255) raiseError('ValueError', 'byte must be in range(0, 256)');
  return n;
}

/**
 * Sets a bytearray's length to n and returns its new data: a view of the same buffer while it has
 * room (growing doubles it), so appends are amortized O(1). Bytes past the old length are zero.
 */
export function bytearrayResize(b: PyBytes, n: number): Uint8Array {
  const d = b.data;
  let out: Uint8Array;
  if (n <= d.length) out = d.subarray(0, n);
  else if (d.byteOffset === 0 && n <= d.buffer.byteLength) { out = new Uint8Array(d.buffer, 0, n); out.fill(0, d.length); }
  else { const buf = new Uint8Array(Math.max(n, d.length * 2, 16)); buf.set(d); out = buf.subarray(0, n); }
  (b as { data: Uint8Array }).data = out;
  return out;
}

/** bytes, or a bytearray when `mutable`: what slices and operators return, by their operand. */
export function bytesLike(data: Uint8Array, mutable: boolean): PyBytes {
  return mutable ? new PyByteArray(data) : new PyBytes(data);
}

export class PySlice {
  constructor(readonly start: unknown, readonly stop: unknown, readonly step: unknown) {}
}

/**
 * range(start, stop, step). Bounds are Python ints: safe-integer numbers, or bigints past 2**53.
 * A range whose bounds and span are safe (`big` false) does all its arithmetic in numbers; any
 * other range (`big` true) does it in bigints and keeps its exact length in `blen`, with `length`
 * capped at 2**53 - 1 (only its zeroness is read for a big range).
 */
export class PyRange {
  readonly length: number;
  readonly big: boolean;
  readonly blen: bigint;
  constructor(readonly start: number | bigint, readonly stop: number | bigint, readonly step: number | bigint) {
    if (step === 0 || step === 0n) raiseError('ValueError', 'range() arg 3 must not be zero');
    if (typeof start === 'number' && typeof stop === 'number' && typeof step === 'number' && Math.abs(stop - start) <= MAX_SAFE) {
      const n = step > 0 ? Math.ceil((stop - start) / step) : Math.ceil((start - stop) / -step);
      this.length = n > 0 ? n : 0;
      this.big = false;
      this.blen = 0n;
    } else {
      const a = BigInt(start), b = BigInt(stop), st = BigInt(step);
      let n = st > 0n ? (b - a + st - 1n) / st : (a - b - st - 1n) / -st;
      if (n < 0n) n = 0n;
      this.blen = n;
      this.length = n > BigInt(MAX_SAFE) ? MAX_SAFE : Number(n);
      this.big = true;
    }
  }
  [Symbol.iterator](): Iterator<number | bigint> {
    if (!this.big) return new RangeIterator(this.start as number, this.stop as number, this.step as number);
    return new BigRangeIterator(BigInt(this.start), this.blen, BigInt(this.step));
  }
  /** The item at index i, 0 <= i < length (a number index only reaches a big range's first 2**53 items). */
  at(i: number): number | bigint {
    if (!this.big) return (this.start as number) + i * (this.step as number);
    return mkint(BigInt(this.start) + BigInt(i) * BigInt(this.step));
  }
  /** The item at index i (any int, negative from the end), or IndexError. */
  item(i: number | bigint): number | bigint {
    if (!this.big && typeof i === 'number') {
      if (i < 0) i += this.length;
      if (i < 0 || i >= this.length) raiseError('IndexError', 'range object index out of range');
      return this.at(i);
    }
    let k = BigInt(i);
    const n = this.big ? this.blen : BigInt(this.length);
    if (k < 0n) k += n;
    if (k < 0n || k >= n) raiseError('IndexError', 'range object index out of range');
    return mkint(BigInt(this.start) + k * BigInt(this.step));
  }
  /** Python's len(): an int, OverflowError past sys.maxsize as in CPython. */
  len(): number | bigint {
    if (!this.big) return this.length;
    if (this.blen > 9223372036854775807n) raiseError('OverflowError', 'Python int too large to convert to C ssize_t');
    return mkint(this.blen);
  }
  /** Whether the int x is one of the items. */
  hasInt(x: number | bigint): boolean {
    if (!this.big && typeof x === 'number') {
      const start = this.start as number, stop = this.stop as number, step = this.step as number;
      if (step > 0 ? x < start || x >= stop : x > start || x <= stop) return false;
      return (x - start) % step === 0;
    }
    const a = BigInt(this.start), b = BigInt(this.stop), st = BigInt(this.step), v = BigInt(x);
    if (st > 0n ? v < a || v >= b : v > a || v <= b) return false;
    return (v - a) % st === 0n;
  }
  /** The range of the items a slice selects (CPython's compute_slice, in bigints). */
  slice(start: unknown, stop: unknown, step: unknown): PyRange {
    const n = this.big ? this.blen : BigInt(this.length);
    const st = step == null ? 1n : bigIdx(step);
    if (st === 0n) raiseError('ValueError', 'slice step cannot be zero');
    const lower = st < 0n ? -1n : 0n, upper = st < 0n ? n - 1n : n;
    const bound = (x: unknown, dflt: bigint): bigint => {
      if (x == null) return dflt;
      let i = bigIdx(x);
      if (i < 0n) { i += n; if (i < lower) i = lower; } else if (i > upper) i = upper;
      return i;
    };
    const s = bound(start, st < 0n ? upper : lower), e = bound(stop, st < 0n ? lower : upper);
    const a = BigInt(this.start), rs = BigInt(this.step);
    return new PyRange(mkint(a + s * rs), mkint(a + e * rs), mkint(rs * st));
  }
  /** reversed(): the same items backwards, as a range iterator. */
  reversed(): Iterator<number | bigint> {
    if (!this.big) return new PyRange(this.at(this.length - 1), (this.start as number) - (this.step as number), -(this.step as number))[Symbol.iterator]();
    const st = BigInt(this.step);
    return new BigRangeIterator(BigInt(this.start) + (this.blen - 1n) * st, this.blen, -st);
  }
}

/** A slice bound or step as a bigint (int, bool or __index__). */
function bigIdx(x: unknown): bigint {
  if (typeof x === 'bigint') return x;
  if (typeof x === 'number') {
    if (Number.isInteger(x)) return BigInt(x);
    raiseError('TypeError', 'slice indices must be integers or None or have an __index__ method');
  }
  if (typeof x === 'boolean') return x ? 1n : 0n;
  const f = (x as any)?.$__index__;
  if (typeof f === 'function') return bigIdx(invoke(f, x, []));
  raiseError('TypeError', 'slice indices must be integers or None or have an __index__ method');
}

/**
 * iter(range(...)): a plain iterator object rather than a generator, so V8 inlines its next()
 * into the loop that consumes it (a generator is resumed through a call per item).
 */
export class RangeIterator {
  constructor(private i: number, private readonly stop: number, private readonly step: number) {}
  next(): IteratorResult<number, undefined> {
    const i = this.i;
    if (this.step > 0 ? i < this.stop : i > this.stop) { this.i = i + this.step; return { value: i, done: false }; }
    return { value: undefined, done: true };
  }
  [Symbol.iterator](): RangeIterator { return this; }
}

/** The iterator of a big range: `left` items from `i` by `step`, each in its canonical int form. */
export class BigRangeIterator {
  constructor(private i: bigint, private left: bigint, private readonly step: bigint) {}
  next(): IteratorResult<number | bigint, undefined> {
    if (this.left <= 0n) return { value: undefined, done: true };
    const v = this.i;
    this.i = v + this.step;
    this.left--;
    return { value: mkint(v), done: false };
  }
  [Symbol.iterator](): BigRangeIterator { return this; }
}

// ---------------------------------------------------------------------------------------------
// Key normalisation

const objIds = new WeakMap<object, number>();
let nextObjId = 1;
/** A stable small id for an object (Python's id()). */
export function objectId(o: object): number {
  let id = objIds.get(o);
  if (id === undefined) { id = nextObjId++; objIds.set(o, id); }
  return id;
}

const HASHED = '\u0000\u0001#';

/** Whether the instance's class overrides __eq__ or __hash__ (so identity is not equality). */
function customHash(o: any): boolean {
  const op = getObjectProto();
  return o.$__hash__ !== op.$__hash__ || o.$__eq__ !== op.$__eq__;
}

/**
 * The JS Map key of a Python value: equal values give identical keys. Returns a string starting
 * with HASHED for values compared through __eq__ (their entries are chained by hash).
 */
export function keyOf(k: unknown): unknown {
  switch (typeof k) {
    case 'number': case 'string': case 'bigint': return k;
    case 'boolean': return k ? 1 : 0;
    case 'undefined': return null;
    case 'function': return k;
    case 'object': {
      if (k === null) return null;
      if (k instanceof PyFloat) {
        const v = k.v;
        return Math.abs(v) <= MAX_SAFE ? v + 0 : BigInt(v);
      }
      if (k instanceof PyTuple || k instanceof PyFrozenSet || k instanceof PyBytes || k instanceof PyComplex) {
        const c = canon(k);
        return c === null ? HASHED + hash(k) : c;
      }
      if (Array.isArray(k) || k instanceof PyDict || (k instanceof PySet && !(k instanceof PyFrozenSet))) {
        raiseError('TypeError', `unhashable type: '${typeOf(k).pyName}'`);
      }
      const o: any = k;
      if (customHash(o)) {
        if (o.$__hash__ === null) raiseError('TypeError', `unhashable type: '${typeOf(k).pyName}'`);
        return HASHED + hash(k);
      }
      return k;
    }
  }
  return k;
}

/** Canonical string of a value-hashed key, or null when it contains a custom-hash object. */
function canon(k: unknown): string | null {
  switch (typeof k) {
    case 'number': return 'n' + k;
    case 'bigint': return 'n' + k;
    case 'boolean': return k ? 'n1' : 'n0';
    case 'string': return 's' + k.length + ':' + k;
    case 'undefined': return 'N';
    case 'function': return 'o' + objectId(k);
    case 'object': {
      if (k === null) return 'N';
      if (k instanceof PyFloat) return 'n' + String(keyOf(k));
      if (k instanceof PyTuple) {
        let s = 'T' + k.items.length + '(';
        for (const it of k.items) { const c = canon(it); if (c === null) return null; s += c + ','; }
        return s + ')';
      }
      if (k instanceof PyFrozenSet) {
        const parts: string[] = [];
        for (const it of k.table.keys()) { const c = canon(it); if (c === null) return null; parts.push(c); }
        parts.sort();
        return 'F' + parts.length + '(' + parts.join(',') + ')';
      }
      if (k instanceof PyBytes) return 'b' + k.data.length + ':' + String.fromCharCode.apply(null, Array.from(k.data));
      if (k instanceof PyComplex) return k.im === 0 ? 'n' + String(keyOf(k.re === Math.trunc(k.re) ? new PyFloat(k.re) : k.re)) : 'c' + k.re + ',' + k.im;
      const kk = keyOf(k);
      if (typeof kk === 'string') return null;
      return 'o' + objectId(k as object);
    }
  }
  return null;
}

/**
 * A table slot that is not simply the value: the key differs from its normal form (1.0, True,
 * tuples) or the key is compared through __eq__ (a chain of entries with one hash).
 */
class Entry {
  constructor(public key: unknown, public value: unknown, public next: Entry | null) {}
}

/** The Map key of k; a str that looks like a hash-chain key is escaped so the two never meet. */
function normKey(k: unknown): unknown {
  if (typeof k === 'string') return k.charCodeAt(0) === 0 && k.startsWith(HASHED) ? HASHED + 's' + k : k;
  return keyOf(k);
}
function isChainKey(nk: unknown): boolean {
  return typeof nk === 'string' && nk.charCodeAt(0) === 0 && nk.startsWith(HASHED) && nk.charCodeAt(HASHED.length) !== 115 /* s */;
}

/**
 * Insertion-ordered hash table keyed by Python equality. A key that is its own normal form (a
 * str, an int held as a number, a bigint, None, an instance without __hash__) maps straight to
 * its value, so the common dicts cost one Map entry and no object per key; other keys hold an
 * Entry. While no Entry exists (`wrapped` is 0) str and int lookups are one Map operation.
 */
export class Table {
  private map = new Map<unknown, unknown>();
  private count = 0;
  /** How many Entry objects the map holds (heads and chained ones). */
  private wrapped = 0;
  get size(): number { return this.count; }

  get(k: unknown): unknown {
    // the common str / small-int keys: one Map lookup
    if (this.wrapped === 0 && (typeof k === 'string' || typeof k === 'number')) return this.map.get(k);
    return this.getSlow(k);
  }
  private getSlow(k: unknown): unknown {
    const nk = normKey(k);
    const e = this.map.get(nk);
    if (!(e instanceof Entry)) return e;
    if (!isChainKey(nk)) return e.value;
    for (let x: Entry | null = e; x !== null; x = x.next) {
      if (x.key === k || eq(x.key, k)) return x.value;
    }
    return undefined;
  }
  has(k: unknown): boolean {
    if (this.wrapped === 0 && (typeof k === 'string' || typeof k === 'number')) return this.map.has(k);
    return this.getSlow(k) !== undefined;
  }
  set(k: unknown, v: unknown): void {
    if (this.wrapped === 0 && (typeof k === 'string' || typeof k === 'number')) {
      const m = this.map, n = m.size;
      m.set(k, v);
      if (m.size !== n) this.count++;
      return;
    }
    this.setSlow(k, v);
  }
  private setSlow(k: unknown, v: unknown): void {
    const nk = normKey(k);
    const head = this.map.get(nk);
    if (head === undefined) {
      if (nk === k) this.map.set(nk, v);
      else { this.map.set(nk, new Entry(k, v, null)); this.wrapped++; }
      this.count++;
      return;
    }
    if (!(head instanceof Entry)) { this.map.set(nk, v); return; } // an equal key is there: it stays
    if (!isChainKey(nk)) { head.value = v; return; }
    let e: Entry = head;
    for (;;) {
      if (e.key === k || eq(e.key, k)) { e.value = v; return; }
      if (e.next === null) break;
      e = e.next;
    }
    e.next = new Entry(k, v, null);
    this.wrapped++;
    this.count++;
  }
  delete(k: unknown): boolean {
    const nk = normKey(k);
    const head = this.map.get(nk);
    if (head === undefined) return false;
    if (!(head instanceof Entry)) { this.map.delete(nk); this.count--; return true; }
    if (!isChainKey(nk)) { this.map.delete(nk); this.count--; this.wrapped--; return true; }
    let prev: Entry | null = null;
    for (let e: Entry | null = head; e !== null; prev = e, e = e.next) {
      if (e.key === k || eq(e.key, k)) {
        if (prev === null) { if (e.next === null) this.map.delete(nk); else this.map.set(nk, e.next); }
        else prev.next = e.next;
        this.count--;
        this.wrapped--;
        return true;
      }
    }
    return false;
  }
  clear(): void { this.map.clear(); this.count = 0; this.wrapped = 0; }
  *entries(): Generator<[unknown, unknown]> {
    for (const [nk, head] of this.map) {
      if (!(head instanceof Entry)) { yield [nk, head]; continue; }
      for (let e: Entry | null = head; e !== null; e = e.next) yield [e.key, e.value];
    }
  }
  *keys(): Generator<unknown> {
    for (const [nk, head] of this.map) {
      if (!(head instanceof Entry)) { yield nk; continue; }
      for (let e: Entry | null = head; e !== null; e = e.next) yield e.key;
    }
  }
  *values(): Generator<unknown> {
    for (const head of this.map.values()) {
      if (!(head instanceof Entry)) { yield head; continue; }
      for (let e: Entry | null = head; e !== null; e = e.next) yield e.value;
    }
  }
  /** The last entry (popitem order). */
  last(): [unknown, unknown] | undefined {
    let last: [unknown, unknown] | undefined;
    for (const [nk, head] of this.map) {
      if (!(head instanceof Entry)) { last = [nk, head]; continue; }
      let e: Entry = head; while (e.next !== null) e = e.next;
      last = [e.key, e.value];
    }
    return last;
  }
}

export class PyDict {
  table = new Table();
  get size(): number { return this.table.size; }
  get(k: unknown): unknown { return this.table.get(k); }
  set(k: unknown, v: unknown): void { this.table.set(k, v); }
  has(k: unknown): boolean { return this.table.has(k); }
  delete(k: unknown): boolean { return this.table.delete(k); }
  [Symbol.iterator](): Iterator<unknown> { return this.table.keys(); }
  static fromEntries(entries: Iterable<[unknown, unknown]>): PyDict {
    const d = new PyDict();
    for (const [k, v] of entries) d.table.set(k, v);
    return d;
  }
}

export class PySet {
  table = new Table();
  private order: unknown[] | null = null;
  get size(): number { return this.table.size; }
  add(k: unknown): void { this.table.set(k, true); this.order = null; }
  has(k: unknown): boolean { return this.table.has(k); }
  delete(k: unknown): boolean { this.order = null; return this.table.delete(k); }
  clear(): void { this.table.clear(); this.order = null; }
  /**
   * Elements in the order CPython's hash table would iterate them, when every element has a
   * hash CPython computes deterministically (numbers, tuples of them); else insertion order.
   */
  ordered(): unknown[] {
    if (this.order) return this.order;
    const items = Array.from(this.table.keys());
    return (this.order = cpythonSetOrder(items) ?? items);
  }
  [Symbol.iterator](): Iterator<unknown> { return this.ordered().slice()[Symbol.iterator](); }
  static of(items: Iterable<unknown>, frozen = false): PySet {
    const s = frozen ? new PyFrozenSet() : new PySet();
    for (const x of items) s.table.set(x, true);
    (s as unknown as { order: null }).order = null;
    return s;
  }
}
export class PyFrozenSet extends PySet {}

export function newDict(): PyDict { return new PyDict(); }

/** A dict from a Python mapping or iterable of pairs (dict(x) and dict.update). */
export function dictUpdate(d: PyDict, src: any): void {
  if (src instanceof PyDict) { for (const [k, v] of src.table.entries()) d.set(k, v); return; }
  if (src != null && typeof src === 'object' && typeof src.$keys === 'function' && !Array.isArray(src)) {
    for (const k of toArray(invoke(src.$keys, src, []))) d.set(k, invoke(src.$__getitem__, src, [k]));
    return;
  }
  let i = 0;
  for (const item of toArray(src)) {
    if (item === null || (typeof item !== 'object' && typeof item !== 'string')) raiseError('TypeError', `cannot convert dictionary update sequence element #${i} to a sequence`);
    const pair = toArray(item);
    if (pair.length !== 2) raiseError('ValueError', `dictionary update sequence element #${i} has length ${pair.length}; 2 is required`);
    d.set(pair[0], pair[1]);
    i++;
  }
}

/** Python slice indices for a sequence of length n: [start, stop, step, count]. */
export function sliceIndices(len: number, start: unknown, stop: unknown, step: unknown): [number, number, number, number] {
  let st = step == null ? 1 : idx(step);
  if (st === 0) raiseError('ValueError', 'slice step cannot be zero');
  let s: number, e: number;
  if (st > 0) {
    s = start == null ? 0 : clamp(idx(start), len, 0, len);
    e = stop == null ? len : clamp(idx(stop), len, 0, len);
  } else {
    s = start == null ? len - 1 : clamp(idx(start), len, -1, len - 1);
    e = stop == null ? -1 : clamp(idx(stop), len, -1, len - 1);
  }
  const count = st > 0 ? (e > s ? Math.ceil((e - s) / st) : 0) : (s > e ? Math.ceil((s - e) / -st) : 0);
  return [s, e, st, count];
}

function clamp(i: number, len: number, lo: number, hi: number): number {
  if (i < 0) { i += len; if (i < lo) i = lo; } else if (i > hi) i = hi;
  return i;
}

/** An integer index from a Python value (int, bool, or __index__). */
export function idx(x: unknown): number {
  if (typeof x === 'number') {
    if (Number.isInteger(x)) return x;
    raiseError('TypeError', 'slice indices must be integers or None or have an __index__ method');
  }
  if (typeof x === 'boolean') return x ? 1 : 0;
  if (typeof x === 'bigint') return x > 0n ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER;
  const f = (x as any)?.$__index__;
  if (typeof f === 'function') return idx(invoke(f, x, []));
  raiseError('TypeError', `slice indices must be integers or None or have an __index__ method`);
}

// ---------------------------------------------------------------------------------------------
// CPython's set iteration order (Objects/setobject.c): open addressing with linear probes and
// perturbation; the table grows to 4x the used count when 3/5 full. Replayed from insertion
// order (deletions are not replayed, which CPython's dummies could make differ).

const U64 = (1n << 64n) - 1n;
const P61 = (1n << 61n) - 1n;

/** CPython's hash of a value, when it does not depend on the process (None and str do). */
export function cpythonHash(x: unknown): bigint | null {
  if (typeof x === 'boolean') return x ? 1n : 0n;
  if (typeof x === 'number' && Number.isInteger(x)) return intHash(BigInt(x));
  if (typeof x === 'bigint') return intHash(x);
  if (x instanceof PyFloat) return intHash(BigInt(x.v));
  if (typeof x === 'number') return floatHash(x);
  if (x instanceof PyTuple) {
    let acc = 2870177450012600261n;
    for (const it of x.items) {
      const h = cpythonHash(it);
      if (h === null) return null;
      acc = (acc + (h & U64) * 14029467366897019727n) & U64;
      acc = ((acc << 31n) | (acc >> 33n)) & U64;
      acc = (acc * 11400714785074694791n) & U64;
    }
    acc = (acc + (BigInt(x.items.length) ^ (2870177450012600261n ^ 3527539n))) & U64;
    const r = BigInt.asIntN(64, acc);
    return r === -1n ? 1546275796n : r;
  }
  return null;
}

function intHash(v: bigint): bigint {
  const neg = v < 0n;
  let h = (neg ? -v : v) % P61;
  if (neg) h = -h;
  return h === -1n ? -2n : h;
}

function floatHash(v: number): bigint {
  if (Number.isNaN(v)) return 0n;
  if (!Number.isFinite(v)) return v > 0 ? 314159n : -314159n;
  let m = Math.abs(v), e = 0;
  // frexp: m in [0.5, 1)
  while (m >= 1) { m /= 2; e++; }
  while (m < 0.5) { m *= 2; e--; }
  let x = 0n;
  while (m) {
    x = ((x << 28n) & P61) | (x >> 33n);
    m *= 268435456;
    e -= 28;
    const y = Math.floor(m);
    m -= y;
    x += BigInt(y);
    if (x >= P61) x -= P61;
  }
  const ee = e >= 0 ? e % 61 : 61 - 1 - ((-1 - e) % 61);
  x = ((x << BigInt(ee)) & P61) | (x >> BigInt(61 - ee));
  if (v < 0) x = -x;
  return x === -1n ? -2n : x;
}

function cpythonSetOrder(items: unknown[]): unknown[] | null {
  if (items.length < 2) return items;
  const hashes: bigint[] = [];
  for (const it of items) { const h = cpythonHash(it); if (h === null) return null; hashes.push(h); }
  let size = 8;
  let slots: (number | undefined)[] = new Array(size);
  let fill = 0;
  const place = (idx: number, tbl: (number | undefined)[], mask: number) => {
    const h = hashes[idx]!;
    let perturb = h & U64;
    let i = Number(perturb & BigInt(mask));
    for (;;) {
      if (tbl[i] === undefined) { tbl[i] = idx; return; }
      if (i + 9 <= mask) {
        for (let j = 1; j <= 9; j++) if (tbl[i + j] === undefined) { tbl[i + j] = idx; return; }
      }
      perturb >>= 5n;
      i = Number((BigInt(i) * 5n + 1n + perturb) & BigInt(mask));
    }
  };
  for (let k = 0; k < items.length; k++) {
    place(k, slots, size - 1);
    fill++;
    if (fill * 5 >= (size - 1) * 3) {
      const used = fill;
      let ns = 8;
      const want = used > 50000 ? used * 2 : used * 4;
      while (ns <= want) ns <<= 1;
      const old = slots;
      size = ns;
      slots = new Array(size);
      for (const idx of old) if (idx !== undefined) place(idx, slots, size - 1);
    }
  }
  const out: unknown[] = [];
  for (const idx of slots) if (idx !== undefined) out.push(items[idx]);
  return out;
}
