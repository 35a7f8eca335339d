// The random module: CPython's Mersenne Twister and its algorithms, so a seeded program draws
// the same numbers as under python3.
import type { StdlibContext } from './context.js';
import { mkfloat, mkint, PyFloat } from '../runtime/core/numbers.js';
import { realArg } from '../runtime/core/builtins.js';
import { raiseError } from '../runtime/core/exceptions.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

class MT {
  private mt = new Uint32Array(624);
  private i = 625;
  gaussNext: number | null = null;

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < 624; i++) {
      const p = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = (Math.imul(1812433253, p) + i) >>> 0;
    }
    this.i = 624;
  }

  seedArray(key: number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1, j = 0;
    const n = key.length;
    for (let k = Math.max(624, n); k; k--) {
      const p = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(p, 1664525)) + key[j]! + j) >>> 0;
      i++; j++;
      if (i >= 624) { mt[0] = mt[623]!; i = 1; }
      if (j >= n) j = 0;
    }
    for (let k = 623; k; k--) {
      const p = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(p, 1566083941)) - i) >>> 0;
      i++;
      if (i >= 624) { mt[0] = mt[623]!; i = 1; }
    }
    mt[0] = 0x80000000;
    this.gaussNext = null;
  }

  u32(): number {
    const mt = this.mt;
    if (this.i >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k]! & 0x80000000) | (mt[(k + 1) % 624]! & 0x7fffffff);
        mt[k] = mt[(k + 397) % 624]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.i = 0;
    }
    let y = mt[this.i++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  random(): number {
    const a = this.u32() >>> 5, b = this.u32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  getrandbits(k: number): bigint {
    if (k <= 32) return BigInt(this.u32() >>> (32 - k));
    let r = 0n, shift = 0n;
    for (let left = k; left > 0; left -= 32) {
      let w = this.u32();
      if (left < 32) w >>>= 32 - left;
      r |= BigInt(w) << shift;
      shift += 32n;
    }
    return r;
  }

  /** A uniform int in [0, n) by rejection sampling over getrandbits, as CPython does. */
  below(n: bigint): bigint {
    if (n <= 0n) return 0n;
    const k = n.toString(2).length;
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }
  belowN(n: number): number { return Number(this.below(BigInt(n))); }
}

function toBigInt(x: unknown, what: string): bigint {
  if (typeof x === 'number' && Number.isInteger(x)) return BigInt(x);
  if (typeof x === 'bigint') return x;
  if (typeof x === 'boolean') return x ? 1n : 0n;
  if (x instanceof PyFloat && Number.isInteger(x.v)) raiseError('TypeError', `'float' object cannot be interpreted as an integer`);
  raiseError('TypeError', `${what}: '${typeof x === 'number' ? 'float' : typeof x}' object cannot be interpreted as an integer`);
}

export function create(ctx: StdlibContext): Record<string, unknown> {
  const { rt } = ctx;
  const g = new MT();
  const seed = (a?: unknown) => {
    let v: bigint;
    if (a === undefined || a === null) v = BigInt(Date.now()) * 1000003n ^ BigInt(Math.floor(Math.random() * 2 ** 32));
    else if (typeof a === 'string') { let h = 0n; for (const ch of a) h = (h * 1000003n + BigInt(ch.codePointAt(0)!)) & ((1n << 256n) - 1n); v = h; }
    else if (a instanceof PyFloat || (typeof a === 'number' && !Number.isInteger(a))) v = BigInt(Math.floor(Math.abs(realArg(a, 'seed')) * 1e9));
    else v = toBigInt(a, 'seed');
    if (v < 0n) v = -v;
    const key: number[] = [];
    while (v > 0n) { key.push(Number(v & 0xffffffffn)); v >>= 32n; }
    if (key.length === 0) key.push(0);
    g.seedArray(key);
    return null;
  };
  seed();
  const randrange = (start: unknown, stop?: unknown, step?: unknown) => {
    let a = toBigInt(start, 'randrange');
    if (stop === undefined || stop === null) {
      if (a <= 0n) raiseError('ValueError', 'empty range for randrange()');
      return mkint(g.below(a));
    }
    const b = toBigInt(stop, 'randrange');
    const st = step === undefined ? 1n : toBigInt(step, 'randrange');
    const width = b - a;
    if (st === 1n) {
      if (width <= 0n) raiseError('ValueError', `empty range in randrange(${a}, ${b})`);
      return mkint(a + g.below(width));
    }
    if (st === 0n) raiseError('ValueError', 'zero step for randrange()');
    const n = st > 0n ? (width + st - 1n) / st : (width + st + 1n) / st;
    if (n <= 0n) raiseError('ValueError', 'empty range for randrange()');
    a += st * g.below(n);
    return mkint(a);
  };
  const seqItems = (s: unknown) => rt.toArray(s);
  const kwfn = (f: (...a: any[]) => unknown) => Object.assign(f, { kw: true });
  return {
    seed,
    random: () => mkfloat(g.random()),
    getrandbits: (k: unknown) => mkint(g.getrandbits(Number(toBigInt(k, 'getrandbits')))),
    randrange,
    randint: (a: unknown, b: unknown) => randrange(a, mkint(toBigInt(b, 'randint') + 1n)),
    choice: (seq: unknown) => {
      const n = rt.len(seq);
      if (n === 0) raiseError('IndexError', 'Cannot choose from an empty sequence');
      return rt.getitem(seq, g.belowN(n));
    },
    shuffle: (x: unknown) => {
      if (!Array.isArray(x)) raiseError('TypeError', 'shuffle() needs a mutable sequence');
      for (let i = x.length - 1; i > 0; i--) {
        const j = g.belowN(i + 1);
        const t = x[i]; x[i] = x[j]; x[j] = t;
      }
      return null;
    },
    sample: kwfn((...args: unknown[]) => {
      const { pos, kw } = ctx.objects.splitKw(args);
      const population = seqItems(pos[0]);
      const k = Number(toBigInt(pos[1] ?? kw?.get('k'), 'sample'));
      const n = population.length;
      if (k < 0 || k > n) raiseError('ValueError', 'Sample larger than population or is negative');
      const result: unknown[] = new Array(k);
      let setsize = 21;
      if (k > 5) setsize += 4 ** Math.ceil(Math.log(k * 3) / Math.log(4));
      if (n <= setsize) {
        const pool = population.slice();
        for (let i = 0; i < k; i++) {
          const j = g.belowN(n - i);
          result[i] = pool[j];
          pool[j] = pool[n - i - 1];
        }
      } else {
        const selected = new Set<number>();
        for (let i = 0; i < k; i++) {
          let j = g.belowN(n);
          while (selected.has(j)) j = g.belowN(n);
          selected.add(j);
          result[i] = population[j];
        }
      }
      return result;
    }),
    choices: kwfn((...args: unknown[]) => {
      const { pos, kw } = ctx.objects.splitKw(args);
      const population = seqItems(pos[0]);
      const weights = pos[1] ?? kw?.get('weights') ?? null;
      const cum = kw?.get('cum_weights') ?? null;
      const k = Number(toBigInt(kw?.get('k') ?? 1, 'choices'));
      const n = population.length;
      if (weights === null && cum === null) {
        const out: unknown[] = [];
        for (let i = 0; i < k; i++) out.push(population[Math.floor(g.random() * n)]);
        return out;
      }
      let cw: number[];
      if (cum !== null) cw = rt.toArray(cum).map(x => realArg(x, 'choices'));
      else { let acc = 0; cw = rt.toArray(weights).map(x => (acc += realArg(x, 'choices'))); }
      if (cw.length !== n) raiseError('ValueError', 'The number of weights does not match the population');
      const total = cw[n - 1]!;
      const out: unknown[] = [];
      for (let i = 0; i < k; i++) {
        const r = g.random() * total;
        let lo = 0, hi = n - 1;
        while (lo < hi) { const mid = (lo + hi) >> 1; if (r < cw[mid]!) hi = mid; else lo = mid + 1; }
        out.push(population[lo]);
      }
      return out;
    }),
    uniform: (a: unknown, b: unknown) => { const x = realArg(a, 'uniform'), y = realArg(b, 'uniform'); return mkfloat(x + (y - x) * g.random()); },
    gauss: (mu: unknown = 0, sigma: unknown = 1) => {
      let z = g.gaussNext;
      g.gaussNext = null;
      if (z === null) {
        const x2pi = g.random() * 2 * Math.PI;
        const g2rad = Math.sqrt(-2 * Math.log(1 - g.random()));
        z = Math.cos(x2pi) * g2rad;
        g.gaussNext = Math.sin(x2pi) * g2rad;
      }
      return mkfloat(realArg(mu, 'gauss') + z * realArg(sigma, 'gauss'));
    },
    normalvariate: (mu: unknown = 0, sigma: unknown = 1) => {
      const NV = 4 * Math.exp(-0.5) / Math.sqrt(2);
      let z: number;
      for (;;) {
        const u1 = g.random(), u2 = 1 - g.random();
        z = NV * (u1 - 0.5) / u2;
        if (z * z / 4 <= -Math.log(u2)) break;
      }
      return mkfloat(realArg(mu, 'normalvariate') + z * realArg(sigma, 'normalvariate'));
    },
  };
}
