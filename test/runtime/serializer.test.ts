// The serializer over randomly generated values: every value round-trips with the same repr
// and the same sharing (a shared or cyclic object comes back shared, once), and random or
// truncated bytes never crash from_bin: they raise a Python exception.
import { describe, it, expect } from 'vitest';
import { encode, decode } from '../../dist/runtime/hosts/serializer.js';
import { containers, numbers, repr, objects } from '../../dist/runtime/core/index.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const { PyTuple, PyDict, PySet, PyBytes, PyByteArray, PyRange } = containers;
const { PyFloat, PyComplex } = numbers;

/** A small deterministic PRNG (mulberry32), so a failure names a seed that reproduces it. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gen(r: () => number, depth: number, pool: object[]): unknown {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (): unknown => pick([
    () => Math.floor(r() * 200) - 100,
    () => Number.MAX_SAFE_INTEGER - Math.floor(r() * 3),
    () => (r() < 0.5 ? -1n : 1n) * (2n ** BigInt(53 + Math.floor(r() * 200)) + BigInt(Math.floor(r() * 1e9))),
  ])();
  const str = (): string => {
    let s = '';
    const n = Math.floor(r() * 8);
    for (let i = 0; i < n; i++) s += pick(['a', 'Z', ' ', '\n', '\'', '"', '\\', 'é', '☃', '😀', '\u0000', String.fromCodePoint(0x10ffff)]);
    return s;
  };
  const hashable = (d: number): unknown => pick([
    () => null, () => r() < 0.5, int, str,
    () => mk(Math.floor(r() * 1e6) / 7 + 0.5),
    () => new PyTuple(Array.from({ length: Math.floor(r() * 3) }, () => (d > 0 ? hashable(d - 1) : int()))),
    () => PySet.of(Array.from({ length: Math.floor(r() * 3) }, int), true),
  ])();
  const mk = (x: number): unknown => numbers.mkfloat(x);
  if (depth <= 0 || r() < 0.3) {
    return pick([
      () => null, () => r() < 0.5, int, str, () => hashable(1),
      () => mk(pick([0.5, -2.25, 1e-300, 3.0, -0.0, 1e300, Infinity, -Infinity, NaN, 2 ** 60])),
      () => new PyComplex(r(), -r()),
      () => new PyBytes(Uint8Array.from({ length: Math.floor(r() * 6) }, () => Math.floor(r() * 256))),
      () => new PyByteArray(Uint8Array.from({ length: 3 }, () => Math.floor(r() * 256))),
      () => new PyRange(Math.floor(r() * 5), 10, 1 + Math.floor(r() * 3)),
    ])();
  }
  if (pool.length && r() < 0.15) return pick(pool); // a shared reference
  const n = Math.floor(r() * 4);
  let v: any;
  switch (Math.floor(r() * 5)) {
    case 0: v = []; pool.push(v); for (let i = 0; i < n; i++) v.push(gen(r, depth - 1, pool)); if (r() < 0.2) v.push(v); break;
    case 1: { const items: unknown[] = []; v = new PyTuple(items); pool.push(v); for (let i = 0; i < n; i++) items.push(gen(r, depth - 1, pool)); break; }
    case 2: v = new PyDict(); pool.push(v); for (let i = 0; i < n; i++) v.set(hashable(2), gen(r, depth - 1, pool)); if (r() < 0.2) v.set('self', v); break;
    case 3: v = PySet.of(Array.from({ length: n }, () => hashable(2))); pool.push(v); break;
    default: v = PySet.of(Array.from({ length: n }, () => hashable(2)), true); pool.push(v); break;
  }
  return v;
}

/** repr, except that set elements are sorted (a rebuilt set may iterate in another order, as in CPython). */
function canon(x: any, path = new Set<unknown>()): string {
  if (x === null || typeof x !== 'object') return repr(x);
  if (path.has(x)) return '<cycle>';
  path.add(x);
  try {
    if (Array.isArray(x)) return '[' + x.map(e => canon(e, path)).join(', ') + ']';
    if (x instanceof PyTuple) return '(' + x.items.map(e => canon(e, path)).join(', ') + ')';
    if (x instanceof PyDict) return '{' + [...x.table.entries()].map(([k, v]) => canon(k, path) + ': ' + canon(v, path)).join(', ') + '}';
    if (x instanceof PySet) return objects.typeOf(x).pyName + '{' + Array.from(x, e => canon(e, path)).sort().join(', ') + '}';
    return repr(x);
  } finally { path.delete(x); }
}

/** Walks a and b together; the object identities must correspond one to one. */
function sameShape(a: any, b: any, map = new Map<object, object>(), back = new Map<object, object>()): void {
  if (a === null || typeof a !== 'object') { expect(typeof b).toBe(typeof a); return; }
  if (a instanceof PyFloat || a instanceof PyComplex || a instanceof PyRange || (a instanceof PyBytes && !a.mutable)) return;
  if (a instanceof PyTuple && a.items.length === 0) return; // () is one object, as in Python
  const seen = map.get(a);
  if (seen !== undefined) { expect(seen).toBe(b); return; }
  expect(back.has(b)).toBe(false);
  map.set(a, b); back.set(b, a);
  expect(objects.typeOf(b)).toBe(objects.typeOf(a));
  if (Array.isArray(a)) a.forEach((x, i) => sameShape(x, b[i], map, back));
  else if (a instanceof PyTuple) a.items.forEach((x, i) => sameShape(x, (b as any).items[i], map, back));
  else if (a instanceof PyDict) {
    const bv = [...(b as any).table.entries()];
    [...a.table.entries()].forEach(([, x], i) => sameShape(x, bv[i]![1], map, back));
  }
}

describe('serializer', () => {
  it('round-trips 1,000 random values with their repr and their sharing', () => {
    for (let seed = 1; seed <= 1000; seed++) {
      const r = rng(seed);
      const v = gen(r, 4, []);
      const back = decode(encode(v).bytes);
      expect(canon(back), `seed ${seed}`).toBe(canon(v));
      sameShape(v, back);
    }
  });

  it('keeps ints and integral floats apart, and big ints exact', () => {
    const v = [1, numbers.mkfloat(1), 2n ** 200n, -(2n ** 64n), numbers.mkfloat(-0), 0.1];
    expect(repr(decode(encode(v).bytes))).toBe('[1, 1.0, 1606938044258990275541962092341162602522202993782792835301376, -18446744073709551616, -0.0, 0.1]');
  });

  it('raises a Python exception, never a JS crash, on random and truncated bytes', () => {
    const r = rng(7);
    const valid = encode(gen(rng(3), 4, [])).bytes;
    for (let i = 0; i < 3000; i++) {
      let bytes: Uint8Array;
      if (i % 3 === 0) bytes = valid.slice(0, Math.floor(r() * valid.length));
      else if (i % 3 === 1) { bytes = valid.slice(); for (let k = 0; k < 3; k++) bytes[Math.floor(r() * bytes.length)] = Math.floor(r() * 256); }
      else bytes = Uint8Array.from({ length: Math.floor(r() * 40) }, () => Math.floor(r() * 256));
      try { decode(bytes); } catch (e) {
        expect(e instanceof Error, `case ${i}: ${String(e)}`).toBe(false);
        expect(['ValueError', 'TypeError', 'RecursionError', 'KeyError', 'IndexError', 'OverflowError']).toContain(objects.typeOf(e).pyName);
      }
    }
  });
});
