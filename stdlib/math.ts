// The math module: Python's functions over JS doubles, exact where Python is (factorial,
// gcd, isqrt, comb, perm, floor/ceil of big values, fsum).
import type { StdlibContext } from './context.js';
import { raiseError } from '../runtime/core/exceptions.js';
import { mkfloat, mkint, PyFloat, toBig } from '../runtime/core/numbers.js';
import { realArg } from '../runtime/core/builtins.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

function intArg(x: any, fname: string): bigint {
  if (typeof x === 'number' && Number.isInteger(x)) return BigInt(x);
  if (typeof x === 'bigint') return x;
  if (typeof x === 'boolean') return x ? 1n : 0n;
  raiseError('TypeError', `'${x instanceof PyFloat || typeof x === 'number' ? 'float' : typeof x}' object cannot be interpreted as an integer`);
  void fname;
}

function f1(name: string, fn: (x: number) => number, domain?: (x: number) => boolean): (x: unknown) => unknown {
  return (x: unknown) => {
    const v = realArg(x, name);
    if (domain && !domain(v)) raiseError('ValueError', 'math domain error');
    const r = fn(v);
    if (Number.isNaN(r) && !Number.isNaN(v)) raiseError('ValueError', 'math domain error');
    if (!Number.isFinite(r) && Number.isFinite(v)) raiseError('OverflowError', 'math range error');
    return mkfloat(r);
  };
}

function roundTo(x: unknown, name: string, f: (v: number) => number): unknown {
  if (typeof x === 'number' && Number.isInteger(x)) return x;
  if (typeof x === 'bigint') return x;
  if (typeof x === 'boolean') return x ? 1 : 0;
  const v = realArg(x, name);
  if (Number.isNaN(v)) raiseError('ValueError', 'cannot convert float NaN to integer');
  if (!Number.isFinite(v)) raiseError('OverflowError', 'cannot convert float infinity to integer');
  const r = f(v) + 0;
  return Math.abs(r) <= Number.MAX_SAFE_INTEGER ? r : mkint(BigInt(r));
}

function gcd2(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b) [a, b] = [b, a % b];
  return a;
}

function isqrtBig(n: bigint): bigint {
  if (n < 0n) raiseError('ValueError', 'isqrt() argument must be nonnegative');
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  // Newton steps fix the double's rounding
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) { if (x * x > n) x -= 1n; while ((x + 1n) * (x + 1n) <= n) x += 1n; return x; }
    x = y;
  }
}

/** Shewchuk's exact summation, as math.fsum does. */
function fsum(values: number[]): number {
  const partials: number[] = [];
  for (let x of values) {
    let i = 0;
    for (let y of partials) {
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo) partials[i++] = lo;
      x = hi;
    }
    partials.length = i;
    partials.push(x);
  }
  let hi = 0;
  if (partials.length) {
    let n = partials.length - 1;
    hi = partials[n]!;
    let lo = 0;
    while (n > 0) {
      const x = hi, y = partials[--n]!;
      hi = x + y;
      const yr = hi - x;
      lo = y - yr;
      if (lo) break;
    }
    if (n > 0 && ((lo < 0 && partials[n - 1]! < 0) || (lo > 0 && partials[n - 1]! > 0))) {
      const y = lo * 2, x = hi + y;
      if (y === x - hi) hi = x;
    }
  }
  return hi;
}

export function create(ctx: StdlibContext): Record<string, unknown> {
  const { rt } = ctx;
  const kwfn = (f: (...a: any[]) => unknown) => Object.assign(f, { kw: true });
  return {
    pi: Math.PI, e: Math.E, tau: 2 * Math.PI, inf: Infinity, nan: NaN,
    sqrt: f1('sqrt', Math.sqrt, x => x >= 0),
    exp: f1('exp', Math.exp), expm1: f1('expm1', Math.expm1), exp2: f1('exp2', x => 2 ** x),
    log: (x: unknown, base?: unknown) => {
      const ln = (v: unknown) => {
        if (typeof v === 'bigint' && v > 0n) { const s = v.toString(2).length; return Math.log(Number(v >> BigInt(Math.max(0, s - 60)))) + Math.max(0, s - 60) * Math.LN2; }
        const n = realArg(v, 'log');
        if (n <= 0) raiseError('ValueError', 'math domain error');
        return Math.log(n);
      };
      const r = base === undefined ? ln(x) : ln(x) / ln(base);
      if (base !== undefined && !Number.isFinite(r)) raiseError('ZeroDivisionError', 'float division by zero');
      return mkfloat(r);
    },
    log2: f1('log2', Math.log2, x => x > 0), log10: f1('log10', Math.log10, x => x > 0), log1p: f1('log1p', Math.log1p, x => x > -1),
    pow: (x: unknown, y: unknown) => {
      const a = realArg(x, 'pow'), b = realArg(y, 'pow');
      if (a === 0 && b < 0) raiseError('ValueError', 'math domain error');
      if (a < 0 && !Number.isInteger(b)) raiseError('ValueError', 'math domain error');
      const r = a ** b;
      if (!Number.isFinite(r) && Number.isFinite(a) && Number.isFinite(b)) raiseError('OverflowError', 'math range error');
      return mkfloat(a === 1 ? 1 : r);
    },
    sin: f1('sin', Math.sin), cos: f1('cos', Math.cos), tan: f1('tan', Math.tan),
    asin: f1('asin', Math.asin, x => x >= -1 && x <= 1), acos: f1('acos', Math.acos, x => x >= -1 && x <= 1), atan: f1('atan', Math.atan),
    atan2: (y: unknown, x: unknown) => mkfloat(Math.atan2(realArg(y, 'atan2'), realArg(x, 'atan2'))),
    sinh: f1('sinh', Math.sinh), cosh: f1('cosh', Math.cosh), tanh: f1('tanh', Math.tanh),
    asinh: f1('asinh', Math.asinh), acosh: f1('acosh', Math.acosh, x => x >= 1), atanh: f1('atanh', Math.atanh, x => x > -1 && x < 1),
    hypot: (...xs: unknown[]) => mkfloat(Math.hypot(...xs.map(x => realArg(x, 'hypot')))),
    dist: (p: unknown, q: unknown) => {
      const a = rt.toArray(p), b = rt.toArray(q);
      if (a.length !== b.length) raiseError('ValueError', 'both points must have the same number of dimensions');
      return mkfloat(Math.hypot(...a.map((x, i) => realArg(x, 'dist') - realArg(b[i], 'dist'))));
    },
    degrees: f1('degrees', x => x * 180 / Math.PI), radians: f1('radians', x => x * Math.PI / 180),
    floor: (x: unknown) => roundTo(x, 'floor', Math.floor),
    ceil: (x: unknown) => roundTo(x, 'ceil', Math.ceil),
    trunc: (x: unknown) => roundTo(x, 'trunc', Math.trunc),
    fabs: f1('fabs', Math.abs),
    fmod: (x: unknown, y: unknown) => {
      const a = realArg(x, 'fmod'), b = realArg(y, 'fmod');
      if (b === 0 || !Number.isFinite(a)) raiseError('ValueError', 'math domain error');
      return mkfloat(a % b);
    },
    remainder: (x: unknown, y: unknown) => {
      const a = realArg(x, 'remainder'), b = realArg(y, 'remainder');
      if (b === 0) raiseError('ValueError', 'math domain error');
      const n = Math.round(a / b);
      const r = a - (Math.abs(a / b - Math.trunc(a / b)) === 0.5 ? 2 * Math.round(a / b / 2) : n) * b;
      return mkfloat(r);
    },
    copysign: (x: unknown, y: unknown) => { const a = Math.abs(realArg(x, 'copysign')), b = realArg(y, 'copysign'); return mkfloat(b < 0 || Object.is(b, -0) ? -a : a); },
    isnan: (x: unknown) => Number.isNaN(realArg(x, 'isnan')),
    isinf: (x: unknown) => { const v = realArg(x, 'isinf'); return v === Infinity || v === -Infinity; },
    isfinite: (x: unknown) => Number.isFinite(realArg(x, 'isfinite')),
    isclose: kwfn((...args: unknown[]) => {
      const { pos, kw } = ctx.objects.splitKw(args);
      const a = realArg(pos[0], 'isclose'), b = realArg(pos[1], 'isclose');
      const rel = kw?.get('rel_tol') !== undefined ? realArg(kw.get('rel_tol'), 'isclose') : 1e-9;
      const abs = kw?.get('abs_tol') !== undefined ? realArg(kw.get('abs_tol'), 'isclose') : 0;
      if (rel < 0 || abs < 0) raiseError('ValueError', 'tolerances must be non-negative');
      if (a === b) return true;
      if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
      const d = Math.abs(b - a);
      return d <= Math.abs(rel * b) || d <= Math.abs(rel * a) || d <= abs;
    }),
    factorial: (x: unknown) => {
      if (typeof x === 'number' && !Number.isInteger(x) || x instanceof PyFloat) raiseError('TypeError', "'float' object cannot be interpreted as an integer");
      const n = intArg(x, 'factorial');
      if (n < 0n) raiseError('ValueError', 'factorial() not defined for negative values');
      let r = 1n;
      for (let i = 2n; i <= n; i++) r *= i;
      return mkint(r);
    },
    gcd: (...xs: unknown[]) => mkint(xs.reduce<bigint>((g, x) => gcd2(g, intArg(x, 'gcd')), 0n)),
    lcm: (...xs: unknown[]) => mkint(xs.reduce<bigint>((l, x) => { const v = intArg(x, 'lcm'); if (l === 0n || v === 0n) return 0n; const r = l / gcd2(l, v) * v; return r < 0n ? -r : r; }, 1n)),
    isqrt: (x: unknown) => mkint(isqrtBig(intArg(x, 'isqrt'))),
    comb: (n: unknown, k: unknown) => {
      const N = intArg(n, 'comb'), K = intArg(k, 'comb');
      if (N < 0n || K < 0n) raiseError('ValueError', `${N < 0n ? 'n' : 'k'} must be a non-negative integer`);
      if (K > N) return 0;
      let r = 1n;
      const kk = K < N - K ? K : N - K;
      for (let i = 1n; i <= kk; i++) r = r * (N - kk + i) / i;
      return mkint(r);
    },
    perm: (n: unknown, k?: unknown) => {
      const N = intArg(n, 'perm'), K = k === undefined || k === null ? N : intArg(k, 'perm');
      if (N < 0n || K < 0n) raiseError('ValueError', `${N < 0n ? 'n' : 'k'} must be a non-negative integer`);
      if (K > N) return 0;
      let r = 1n;
      for (let i = N - K + 1n; i <= N; i++) r *= i;
      return mkint(r);
    },
    prod: kwfn((...args: unknown[]) => {
      const { pos, kw } = ctx.objects.splitKw(args);
      let acc: unknown = kw?.get('start') ?? 1;
      for (const x of rt.iter(pos[0])) acc = rt.mul(acc, x);
      return acc;
    }),
    fsum: (it: unknown) => mkfloat(fsum(rt.toArray(it).map(x => realArg(x, 'fsum')))),
    modf: (x: unknown) => { const v = realArg(x, 'modf'); const i = Math.trunc(v); return rt.tuple([mkfloat(v - i), mkfloat(i)]); },
    frexp: (x: unknown) => {
      let m = realArg(x, 'frexp'), e = 0;
      if (m === 0 || !Number.isFinite(m)) return rt.tuple([mkfloat(m), 0]);
      const neg = m < 0; m = Math.abs(m);
      while (m >= 1) { m /= 2; e++; }
      while (m < 0.5) { m *= 2; e--; }
      return rt.tuple([mkfloat(neg ? -m : m), e]);
    },
    ldexp: (x: unknown, i: unknown) => mkfloat(realArg(x, 'ldexp') * 2 ** Number(intArg(i, 'ldexp'))),
    ulp: f1('ulp', x => { const a = Math.abs(x); if (!Number.isFinite(a)) return a; const b = new Float64Array([a]); const u = new BigUint64Array(b.buffer); u[0]! += 1n; return b[0]! - a; }),
  };
}
void toBig;
