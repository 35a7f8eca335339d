// Operators with Python semantics. Each public operator starts with a small fast path for
// JS numbers and strings (V8 inlines it into compiled code) and falls back to a slow path
// that handles bigints, boxed floats, bools, containers and dunder methods.
import { raiseError } from './exceptions.js';
import { PyFloat, PyComplex, mkfloat, mkint, toBig, intToFloat, floatRepr, MAX_SAFE } from './numbers.js';
import { typeOf, invoke, getObjectProto, types } from './objects.js';
import { PyTuple, PyDict, PySet, PyFrozenSet, PyBytes, bytesLike, bytearrayResize, byteValue, PyRange, PySlice, tuple, sliceIndices, idx, objectId, keyOf } from './containers.js';
import { strLen, strLenVersus, strIndex, strSlice, strCompare } from './strings.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const NOTIMPL = Symbol.for('xlang.NotImplemented');
export const NotImplemented: any = { __cls: undefined, [NOTIMPL]: true };

// ---------------------------------------------------------------------------------------------
// Numeric tower helpers

/** Numeric category: 0 int (number/bigint/bool), 1 float, 2 complex, -1 not a number. */
function numKind(x: unknown): number {
  switch (typeof x) {
    case 'number': return Number.isInteger(x) ? 0 : 1;
    case 'bigint': case 'boolean': return 0;
    case 'object': return x instanceof PyFloat ? 1 : x instanceof PyComplex ? 2 : -1;
  }
  return -1;
}
function asInt(x: unknown): number | bigint { return typeof x === 'boolean' ? (x ? 1 : 0) : (x as number | bigint); }
function asFloat(x: unknown): number {
  if (typeof x === 'number') return x + 0;
  if (x instanceof PyFloat) return x.v;
  if (typeof x === 'bigint') return intToFloat(x);
  if (typeof x === 'boolean') return x ? 1 : 0;
  return NaN;
}
function asComplex(x: unknown): PyComplex { return x instanceof PyComplex ? x : new PyComplex(asFloat(x), 0); }

function bigOrNum(a: number | bigint, b: number | bigint, f: (x: bigint, y: bigint) => bigint): number | bigint {
  return mkint(f(toBig(a), toBig(b)));
}

const OPNAMES: Record<string, [string, string, string]> = {
  '+': ['__add__', '__radd__', '__iadd__'], '-': ['__sub__', '__rsub__', '__isub__'],
  '*': ['__mul__', '__rmul__', '__imul__'], '/': ['__truediv__', '__rtruediv__', '__itruediv__'],
  '//': ['__floordiv__', '__rfloordiv__', '__ifloordiv__'], '%': ['__mod__', '__rmod__', '__imod__'],
  '**': ['__pow__', '__rpow__', '__ipow__'], '<<': ['__lshift__', '__rlshift__', '__ilshift__'],
  '>>': ['__rshift__', '__rrshift__', '__irshift__'], '&': ['__and__', '__rand__', '__iand__'],
  '|': ['__or__', '__ror__', '__ior__'], '^': ['__xor__', '__rxor__', '__ixor__'], '@': ['__matmul__', '__rmatmul__', '__imatmul__'],
};

/** Tries a.__op__(b) then b.__rop__(a) on user objects; undefined when neither applies. */
function dunderBinary(op: string, a: any, b: any): unknown {
  const [name, rname] = OPNAMES[op]!;
  const objProto = getObjectProto();
  if (a !== null && typeof a === 'object' && !(a instanceof PyFloat)) {
    const f = a['$' + name];
    if (typeof f === 'function' && f !== objProto['$' + name]) {
      const r = invoke(f, a, [b]);
      if (r !== NotImplemented) return r;
    }
  }
  // the reflected method only for operands of different types (as Python)
  if (b !== null && typeof b === 'object' && !(b instanceof PyFloat) && typeOf(a) !== typeOf(b)) {
    const f = b['$' + rname];
    if (typeof f === 'function') {
      const r = invoke(f, b, [a]);
      if (r !== NotImplemented) return r;
    }
  }
  return undefined;
}

function binTypeError(op: string, a: unknown, b: unknown): never {
  raiseError('TypeError', `unsupported operand type(s) for ${op}: '${typeOf(a).pyName}' and '${typeOf(b).pyName}'`);
}

// Set at init: str() for XLang's "text" + value concatenation.
let strOf: (x: unknown) => string = String;
export function setStrOf(f: (x: unknown) => string): void { strOf = f; }

// ---------------------------------------------------------------------------------------------
// Arithmetic

// The fast paths stay tiny so V8 inlines them into compiled loops; integral results (an int
// that may overflow the safe range, or a float that must be boxed) go to intResult().

/** r = a op b was integral: an int (checked for the safe range) or an integral float to box. */
function intResult(a: number, b: number, r: number, op: number): unknown {
  if (Number.isInteger(a) && Number.isInteger(b)) {
    if (r <= MAX_SAFE && r >= -MAX_SAFE) return r + 0;
    const x = BigInt(a), y = BigInt(b);
    return mkint(op === 0 ? x + y : op === 1 ? x - y : x * y);
  }
  return new PyFloat(r);
}

export function add(a: any, b: any): any {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (!Number.isInteger(r)) return r;
    if (r <= MAX_SAFE && r >= -MAX_SAFE && Number.isInteger(a) && Number.isInteger(b)) return r;
    return intResult(a, b, r, 0);
  }
  if (typeof a === 'string' && typeof b === 'string') return a + b;
  return addSlow(a, b);
}

/** The float value of a raw number or a boxed float, else undefined (keeps slow paths short). */
function fl(x: unknown): number | undefined {
  return typeof x === 'number' ? x : x instanceof PyFloat ? x.v : undefined;
}

function addSlow(a: any, b: any): any {
  if (typeof a === 'bigint') {
    if (typeof b === 'bigint') return mkint(a + b);
    if (typeof b === 'number' && Number.isInteger(b)) return mkint(a + BigInt(b));
  } else if (typeof b === 'bigint' && typeof a === 'number' && Number.isInteger(a)) return mkint(BigInt(a) + b);
  const x = fl(a), y = fl(b);
  if (x !== undefined && y !== undefined) return mkfloat(x + y);
  const ka = numKind(a), kb = numKind(b);
  if (ka >= 0 && kb >= 0) {
    if (ka === 0 && kb === 0) return bigOrNum(asInt(a), asInt(b), (x, y) => x + y);
    if (ka <= 1 && kb <= 1) return mkfloat(asFloat(a) + asFloat(b));
    const x = asComplex(a), y = asComplex(b);
    return new PyComplex(x.re + y.re, x.im + y.im);
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.concat(b);
  if (a instanceof PyTuple && b instanceof PyTuple) return tuple(a.items.concat(b.items));
  if (a instanceof PyBytes && b instanceof PyBytes) {
    const out = new Uint8Array(a.data.length + b.data.length);
    out.set(a.data); out.set(b.data, a.data.length);
    return bytesLike(out, a.mutable);
  }
  const r = dunderBinary('+', a, b);
  if (r !== undefined) return r;
  // XLang: "text" + value concatenates str(value) where Python would raise TypeError.
  if (typeof a === 'string') return a + strOf(b);
  if (typeof b === 'string') return strOf(a) + b;
  if (Array.isArray(a) || a instanceof PyTuple) {
    const what = Array.isArray(a) ? 'list' : 'tuple';
    raiseError('TypeError', `can only concatenate ${what} (not "${typeOf(b).pyName}") to ${what}`);
  }
  binTypeError('+', a, b);
}

export function sub(a: any, b: any): any {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (!Number.isInteger(r)) return r;
    if (r <= MAX_SAFE && r >= -MAX_SAFE && Number.isInteger(a) && Number.isInteger(b)) return r + 0;
    return intResult(a, b, r, 1);
  }
  return subSlow(a, b);
}

function subSlow(a: any, b: any): any {
  if (typeof a === 'bigint') {
    if (typeof b === 'bigint') return mkint(a - b);
    if (typeof b === 'number' && Number.isInteger(b)) return mkint(a - BigInt(b));
  } else if (typeof b === 'bigint' && typeof a === 'number' && Number.isInteger(a)) return mkint(BigInt(a) - b);
  const x = fl(a), y = fl(b);
  if (x !== undefined && y !== undefined) return mkfloat(x - y);
  const ka = numKind(a), kb = numKind(b);
  if (ka >= 0 && kb >= 0) {
    if (ka === 0 && kb === 0) return bigOrNum(asInt(a), asInt(b), (x, y) => x - y);
    if (ka <= 1 && kb <= 1) return mkfloat(asFloat(a) - asFloat(b));
    const x = asComplex(a), y = asComplex(b);
    return new PyComplex(x.re - y.re, x.im - y.im);
  }
  if (a instanceof PySet && b instanceof PySet) return setOp(a, b, '-');
  const r = dunderBinary('-', a, b);
  if (r !== undefined) return r;
  binTypeError('-', a, b);
}

export function mul(a: any, b: any): any {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a * b;
    if (!Number.isInteger(r)) return r;
    if (r <= MAX_SAFE && r >= -MAX_SAFE && Number.isInteger(a) && Number.isInteger(b)) return r + 0;
    return intResult(a, b, r, 2);
  }
  return mulSlow(a, b);
}

function repeatCount(n: unknown): number {
  if (typeof n === 'bigint') raiseError('OverflowError', 'cannot fit \'int\' into an index-sized integer');
  const k = typeof n === 'boolean' ? (n ? 1 : 0) : (n as number);
  return k > 0 ? k : 0;
}

function mulSlow(a: any, b: any): any {
  if (typeof a === 'bigint') {
    if (typeof b === 'bigint') return mkint(a * b);
    if (typeof b === 'number' && Number.isInteger(b)) return mkint(a * BigInt(b));
  } else if (typeof b === 'bigint' && typeof a === 'number' && Number.isInteger(a)) return mkint(BigInt(a) * b);
  const x = fl(a), y = fl(b);
  if (x !== undefined && y !== undefined) return mkfloat(x * y);
  const ka = numKind(a), kb = numKind(b);
  if (ka >= 0 && kb >= 0) {
    if (ka === 0 && kb === 0) return bigOrNum(asInt(a), asInt(b), (x, y) => x * y);
    if (ka <= 1 && kb <= 1) return mkfloat(asFloat(a) * asFloat(b));
    const x = asComplex(a), y = asComplex(b);
    return new PyComplex(x.re * y.re - x.im * y.im, x.re * y.im + x.im * y.re);
  }
  if (ka === 0 && kb < 0) return mulSeq(b, a);
  if (kb === 0 && ka < 0) return mulSeq(a, b);
  const r = dunderBinary('*', a, b);
  if (r !== undefined) return r;
  const isSeq = (x: unknown) => typeof x === 'string' || Array.isArray(x) || x instanceof PyTuple || x instanceof PyBytes;
  if (isSeq(a) || isSeq(b)) raiseError('TypeError', `can't multiply sequence by non-int of type '${typeOf(isSeq(a) ? b : a).pyName}'`);
  binTypeError('*', a, b);
}

function mulSeq(seq: any, n: unknown): any {
  if (typeof seq === 'string') return seq.repeat(repeatCount(n));
  if (Array.isArray(seq)) {
    const k = repeatCount(n), out: unknown[] = [];
    for (let i = 0; i < k; i++) for (const x of seq) out.push(x);
    return out;
  }
  if (seq instanceof PyTuple) {
    const k = repeatCount(n), out: unknown[] = [];
    for (let i = 0; i < k; i++) for (const x of seq.items) out.push(x);
    return tuple(out);
  }
  if (seq instanceof PyBytes) {
    const k = repeatCount(n), len = seq.data.length, out = new Uint8Array(len * k);
    // doubling copies: log2(k) native copies rather than k (b"x" * 30_000_000 took a second)
    if (k > 0) out.set(seq.data, 0);
    for (let have = len; have < out.length; have *= 2) out.copyWithin(have, 0, Math.min(have, out.length - have));
    return bytesLike(out, seq.mutable);
  }
  const r = dunderBinary('*', seq, n);
  if (r !== undefined) return r;
  binTypeError('*', seq, n);
}

export function truediv(a: any, b: any): any {
  if (typeof a === 'number' && typeof b === 'number' && b !== 0) {
    const r = a / b;
    return Number.isInteger(r) ? new PyFloat(r) : r;
  }
  return truedivSlow(a, b);
}

function truedivSlow(a: any, b: any): any {
  const x = fl(a), y = fl(b);
  if (x !== undefined && y !== undefined && y !== 0) return mkfloat(x / y);
  const ka = numKind(a), kb = numKind(b);
  if (ka >= 0 && kb >= 0) {
    if (ka <= 1 && kb <= 1) {
      if (ka === 0 && kb === 0 && (typeof a === 'bigint' || typeof b === 'bigint')) {
        const y = toBig(asInt(b));
        if (y === 0n) raiseError('ZeroDivisionError', 'division by zero');
        return mkfloat(bigDivToFloat(toBig(asInt(a)), y));
      }
      const d = asFloat(b);
      if (d === 0) raiseError('ZeroDivisionError', ka === 0 && kb === 0 ? 'division by zero' : 'float division by zero');
      return mkfloat(asFloat(a) / d);
    }
    const x = asComplex(a), y = asComplex(b);
    const den = y.re * y.re + y.im * y.im;
    if (den === 0) raiseError('ZeroDivisionError', 'complex division by zero');
    return new PyComplex((x.re * y.re + x.im * y.im) / den, (x.im * y.re - x.re * y.im) / den);
  }
  const r = dunderBinary('/', a, b);
  if (r !== undefined) return r;
  binTypeError('/', a, b);
}

/** Correctly-rounded-enough division of big ints to a float. */
function bigDivToFloat(x: bigint, y: bigint): number {
  const neg = (x < 0n) !== (y < 0n);
  if (x < 0n) x = -x;
  if (y < 0n) y = -y;
  const q = x / y, r = x % y;
  let f: number;
  if (q > 2n ** 60n) f = Number(q) + Number(r) / Number(y);
  else {
    // scale to keep 64 significant bits of quotient
    const scale = 64n;
    f = Number((x << scale) / y) / 2 ** 64;
  }
  if (!Number.isFinite(f)) raiseError('OverflowError', 'integer division result too large for a float');
  return neg ? -f : f;
}

/**
 * Float `%` as CPython's float_rem computes it: fmod (JS `%`), moved to the divisor's sign, and a
 * zero remainder carries the divisor's sign. So `-7 % inf` is inf and `inf % 7` is nan.
 */
export function floatMod(x: number, y: number): number {
  let r = x % y;
  if (r !== 0) { if ((y < 0) !== (r < 0)) r += y; } // (NaN compares false on both sides: kept)
  else r = y < 0 ? -0 : 0;
  return r;
}

/**
 * Float `//` as CPython's float_divmod computes it: from the fmod remainder, `(x - r) / y`, one
 * less when the remainder moved sign, snapped to the nearest integral value; a zero quotient
 * takes the sign of x / y. Not `floor(x / y)`: `inf // 7` is nan and `-7 // inf` is -1.0.
 */
export function floatFloorDiv(x: number, y: number): number {
  const m = x % y;
  let div = (x - m) / y;
  if (m !== 0 && (y < 0) !== (m < 0)) div -= 1;
  if (div !== 0) {
    let q = Math.floor(div);
    if (div - q > 0.5) q += 1;
    return q;
  }
  return x / y < 0 || Object.is(x / y, -0) ? -0 : 0;
}

export function floordiv(a: any, b: any): any {
  if (typeof a === 'number' && typeof b === 'number' && b !== 0 && Number.isInteger(a) && Number.isInteger(b)) {
    return Math.floor(a / b) + 0;
  }
  return floordivSlow(a, b);
}

function floordivSlow(a: any, b: any): any {
  const ka = numKind(a), kb = numKind(b);
  if (ka >= 0 && kb >= 0 && ka <= 1 && kb <= 1) {
    if (ka === 0 && kb === 0) {
      const x = toBig(asInt(a)), y = toBig(asInt(b));
      if (y === 0n) raiseError('ZeroDivisionError', 'integer division or modulo by zero');
      let q = x / y;
      if ((x % y !== 0n) && ((x < 0n) !== (y < 0n))) q -= 1n;
      return mkint(q);
    }
    const x = asFloat(a), y = asFloat(b);
    if (y === 0) raiseError('ZeroDivisionError', 'float floor division by zero');
    return mkfloat(floatFloorDiv(x, y));
  }
  const r = dunderBinary('//', a, b);
  if (r !== undefined) return r;
  binTypeError('//', a, b);
}

export function mod(a: any, b: any): any {
  if (typeof a === 'number' && typeof b === 'number' && b !== 0 && Number.isInteger(a) && Number.isInteger(b)) {
    const r = a % b;
    return r !== 0 && (r < 0) !== (b < 0) ? r + b : r + 0;
  }
  if (typeof a === 'string') return percentFormatHook(a, b);
  return modSlow(a, b);
}

let percentFormatHook: (fmt: string, args: unknown) => string = () => { throw new Error('runtime not initialised'); };
export function setPercentFormat(f: (fmt: string, args: unknown) => string): void { percentFormatHook = f; }

function modSlow(a: any, b: any): any {
  const ka = numKind(a), kb = numKind(b);
  if (ka >= 0 && kb >= 0 && ka <= 1 && kb <= 1) {
    if (ka === 0 && kb === 0) {
      const x = toBig(asInt(a)), y = toBig(asInt(b));
      if (y === 0n) raiseError('ZeroDivisionError', 'integer modulo by zero');
      let r = x % y;
      if (r !== 0n && (r < 0n) !== (y < 0n)) r += y;
      return mkint(r);
    }
    const x = asFloat(a), y = asFloat(b);
    if (y === 0) raiseError('ZeroDivisionError', 'float modulo');
    return mkfloat(floatMod(x, y));
  }
  const r = dunderBinary('%', a, b);
  if (r !== undefined) return r;
  binTypeError('%', a, b);
}

export function pow(a: any, b: any, m?: any): any {
  if (m === undefined || m === null) {
    if (typeof a === 'number' && typeof b === 'number' && Number.isInteger(a) && Number.isInteger(b) && b >= 0) {
      const r = a ** b;
      if (r <= MAX_SAFE && r >= -MAX_SAFE) return r + 0;
      return mkint(BigInt(a) ** BigInt(b));
    }
    return powSlow(a, b);
  }
  // three-argument pow: modular exponentiation on ints
  if (numKind(a) !== 0 || numKind(b) !== 0 || numKind(m) !== 0) raiseError('TypeError', 'pow() 3rd argument not allowed unless all arguments are integers');
  let base = toBig(asInt(a)), e = toBig(asInt(b));
  const md = toBig(asInt(m));
  if (md === 0n) raiseError('ValueError', 'pow() 3rd argument cannot be 0');
  if (e < 0n) {
    base = modInverse(base, md);
    e = -e;
  }
  let result = 1n;
  base = ((base % md) + md) % md;
  while (e > 0n) {
    if (e & 1n) result = (result * base) % md;
    base = (base * base) % md;
    e >>= 1n;
  }
  if (result !== 0n && (result < 0n) !== (md < 0n)) result += md;
  return mkint(result);
}

function modInverse(a: bigint, m: bigint): bigint {
  let [g, x] = egcd(((a % m) + m) % m, m);
  if (g !== 1n && g !== -1n) raiseError('ValueError', 'base is not invertible for the given modulus');
  return ((x % m) + m) % m;
}
function egcd(a: bigint, b: bigint): [bigint, bigint] {
  let [oldR, r] = [a, b], [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return [oldR, oldS];
}

function powSlow(a: any, b: any): any {
  const ka = numKind(a), kb = numKind(b);
  if (ka >= 0 && kb >= 0) {
    if (ka === 0 && kb === 0) {
      const e = toBig(asInt(b));
      if (e >= 0n) {
        const base = toBig(asInt(a));
        if (e > 100_000_000n && base !== 0n && base !== 1n && base !== -1n) raiseError('MemoryError', 'exponent too large');
        return mkint(base ** e);
      }
      const x = asFloat(a);
      if (x === 0) raiseError('ZeroDivisionError', '0.0 cannot be raised to a negative power');
      return mkfloat(x ** Number(e));
    }
    if (ka <= 1 && kb <= 1) {
      const x = asFloat(a), y = asFloat(b);
      if (x === 0 && y < 0) raiseError('ZeroDivisionError', '0.0 cannot be raised to a negative power');
      if (x < 0 && !Number.isInteger(y)) {
        // negative base, fractional exponent: a complex result as Python gives
        const mag = Math.pow(-x, y), ang = Math.PI * y;
        return new PyComplex(mag * Math.cos(ang), mag * Math.sin(ang));
      }
      if (x === 1 || (x === -1 && !Number.isFinite(y))) return mkfloat(1);
      const r = x ** y;
      if (!Number.isFinite(r) && Number.isFinite(x) && Number.isFinite(y)) raiseError('OverflowError', "(34, 'Numerical result out of range')");
      return mkfloat(r);
    }
    const x = asComplex(a), y = asComplex(b);
    if (x.re === 0 && x.im === 0) return new PyComplex(y.re === 0 && y.im === 0 ? 1 : 0, 0);
    const logr = Math.log(Math.hypot(x.re, x.im)), th = Math.atan2(x.im, x.re);
    const nr = Math.exp(logr * y.re - th * y.im), nt = th * y.re + logr * y.im;
    return new PyComplex(nr * Math.cos(nt), nr * Math.sin(nt));
  }
  const r = dunderBinary('**', a, b);
  if (r !== undefined) return r;
  binTypeError('** or pow()', a, b);
}

function intOnly(op: string, a: any, b: any, f: (x: bigint, y: bigint) => bigint, fast?: (x: number, y: number) => number): any {
  if (numKind(a) === 0 && numKind(b) === 0) {
    if (fast && typeof a === 'number' && typeof b === 'number') return fast(a, b);
    return mkint(f(toBig(asInt(a)), toBig(asInt(b))));
  }
  if (a instanceof PySet && b instanceof PySet) return setOp(a, b, op);
  if (op === '|' && a instanceof PyDict && b instanceof PyDict) {
    if (ownDictDunder(a, '$__or__') || ownDictDunder(b, '$__ror__')) {
      const r = dunderBinary(op, a, b);
      if (r !== undefined) return r;
    }
    const d = new PyDict();
    for (const [k, v] of a.table.entries()) d.set(k, v);
    for (const [k, v] of b.table.entries()) d.set(k, v);
    return d;
  }
  const r = dunderBinary(op, a, b);
  if (r !== undefined) return r;
  binTypeError(op, a, b);
}

const I32 = 0x7fffffff;
function small32(x: number): boolean { return x <= I32 && x >= -I32 - 1; }

export function bitand(a: any, b: any): any {
  if (typeof a === 'boolean' && typeof b === 'boolean') return a && b;
  return intOnly('&', a, b, (x, y) => x & y, (x, y) => small32(x) && small32(y) ? x & y : mkint(BigInt(x) & BigInt(y)) as number);
}
export function bitor(a: any, b: any): any {
  if (typeof a === 'boolean' && typeof b === 'boolean') return a || b;
  return intOnly('|', a, b, (x, y) => x | y, (x, y) => small32(x) && small32(y) ? x | y : mkint(BigInt(x) | BigInt(y)) as number);
}
export function bitxor(a: any, b: any): any {
  if (typeof a === 'boolean' && typeof b === 'boolean') return a !== b;
  return intOnly('^', a, b, (x, y) => x ^ y, (x, y) => small32(x) && small32(y) ? x ^ y : mkint(BigInt(x) ^ BigInt(y)) as number);
}
export function lshift(a: any, b: any): any {
  return intOnly('<<', a, b, (x, y) => {
    if (y < 0n) raiseError('ValueError', 'negative shift count');
    return x << y;
  }, (x, y) => {
    if (y < 0) raiseError('ValueError', 'negative shift count');
    const r = x * 2 ** y;
    return r <= MAX_SAFE && r >= -MAX_SAFE ? r : mkint(BigInt(x) << BigInt(y)) as number;
  });
}
export function rshift(a: any, b: any): any {
  return intOnly('>>', a, b, (x, y) => {
    if (y < 0n) raiseError('ValueError', 'negative shift count');
    return x >> y;
  }, (x, y) => {
    if (y < 0) raiseError('ValueError', 'negative shift count');
    return Math.floor(x / 2 ** y);
  });
}
export function matmul(a: any, b: any): any {
  const r = dunderBinary('@', a, b);
  if (r !== undefined) return r;
  binTypeError('@', a, b);
}

function setOp(a: PySet, b: PySet, op: string): PySet {
  const out = a instanceof PyFrozenSet ? new PyFrozenSet() : new PySet();
  if (op === '|') { for (const k of a) out.add(k); for (const k of b) out.add(k); }
  else if (op === '&') { for (const k of a) if (b.has(k)) out.add(k); }
  else if (op === '-') { for (const k of a) if (!b.has(k)) out.add(k); }
  else if (op === '^') { for (const k of a) if (!b.has(k)) out.add(k); for (const k of b) if (!a.has(k)) out.add(k); }
  return out;
}

const BINOPS: Record<string, (a: any, b: any) => any> = {
  '+': add, '-': sub, '*': mul, '/': truediv, '//': floordiv, '%': mod, '**': pow,
  '<<': lshift, '>>': rshift, '&': bitand, '|': bitor, '^': bitxor, '@': matmul,
};
export function binop(op: string, a: unknown, b: unknown): unknown { return BINOPS[op]!(a, b); }

/**
 * Augmented assignment `a op= b`: __iop__ when the object defines it; lists extend in place
 * (XLang: a non-iterable right side is appended); events add/remove handlers.
 */
export function iop(op: string, a: any, b: any): any {
  // immutable values (numbers, str, bigints, bools): the plain operator
  if (typeof a !== 'object' && typeof a !== 'function') return BINOPS[op]!(a, b);
  if (Array.isArray(a)) {
    if (op === '+') {
      if (Array.isArray(b)) { for (let i = 0, n = b.length; i < n; i++) a.push(b[i]); return a; }
      if (isIterable(b)) { for (const x of iter(b)) a.push(x); return a; }
      a.push(b); // XLang: `lst += value` appends a value that is not iterable
      return a;
    }
    if (op === '*') {
      const copy = a.slice(), k = repeatCount(b);
      a.length = 0;
      for (let i = 0; i < k; i++) for (const x of copy) a.push(x);
      return a;
    }
  }
  if (a instanceof PyBytes && a.mutable && (op === '+' || op === '*')) {
    // bytearray: in place, as Python does (an alias sees the change)
    const n = a.data.length;
    if (op === '+') {
      if (!(b instanceof PyBytes)) raiseError('TypeError', `can't concat ${typeOf(b).pyName} to bytearray`);
      const src = b.data.slice();
      bytearrayResize(a, n + src.length).set(src, n);
      return a;
    }
    const k = Math.max(0, repeatCount(b));
    const d = bytearrayResize(a, n * k);
    for (let i = 1; i < k; i++) d.copyWithin(i * n, 0, n);
    return a;
  }
  if (typeof a === 'function' && a.isEvent) {
    const handlers: unknown[] = a.handlers;
    if (op === '+') { handlers.push(b); return a; }
    if (op === '-') {
      for (let i = handlers.length - 1; i >= 0; i--) if (handlers[i] === b || eq(handlers[i], b)) { handlers.splice(i, 1); break; }
      return a;
    }
  }
  if (a instanceof PySet && !(a instanceof PyFrozenSet) && b instanceof PySet && op !== '+' && op !== '*') {
    const r = setOp(a, b, op);
    a.clear();
    for (const k of r) a.add(k);
    return a;
  }
  if (a instanceof PyDict && op === '|' && b instanceof PyDict) {
    for (const [k, v] of b.table.entries()) a.set(k, v);
    return a;
  }
  if (a !== null && typeof a === 'object') {
    const f = a['$' + OPNAMES[op]![2]];
    if (typeof f === 'function') {
      const r = invoke(f, a, [b]);
      if (r !== NotImplemented) return r;
    }
  }
  return BINOPS[op]!(a, b);
}

export function neg(a: any): any {
  if (typeof a === 'number') return Number.isInteger(a) ? 0 - a : -a;
  if (a instanceof PyFloat) return new PyFloat(-a.v);
  if (typeof a === 'bigint') return mkint(-a);
  if (typeof a === 'boolean') return a ? -1 : 0;
  if (a instanceof PyComplex) return new PyComplex(-a.re, -a.im);
  return unaryDunder(a, '__neg__', '-');
}
export function pos(a: any): any {
  if (typeof a === 'number' || typeof a === 'bigint' || a instanceof PyFloat || a instanceof PyComplex) return a;
  if (typeof a === 'boolean') return a ? 1 : 0;
  return unaryDunder(a, '__pos__', '+');
}
export function invert(a: any): any {
  if (typeof a === 'number' && Number.isInteger(a)) return -a - 1;
  if (typeof a === 'bigint') return mkint(-a - 1n);
  if (typeof a === 'boolean') return a ? -2 : -1;
  return unaryDunder(a, '__invert__', '~');
}
function unaryDunder(a: any, name: string, op: string): any {
  const f = a !== null && typeof a === 'object' ? a['$' + name] : undefined;
  if (typeof f === 'function') return invoke(f, a, []);
  raiseError('TypeError', `bad operand type for unary ${op}: '${typeOf(a).pyName}'`);
}

// ---------------------------------------------------------------------------------------------
// Truth, equality, ordering

export function truthy(x: any): boolean {
  if (x === true) return true;
  if (x === false || x === null || x === undefined) return false;
  switch (typeof x) {
    case 'number': return x !== 0;
    case 'string': return x.length !== 0;
    case 'bigint': return true;
    case 'function': return true;
  }
  if (Array.isArray(x)) return x.length !== 0;
  if (x instanceof PyFloat) return x.v !== 0;
  if (x instanceof PyDict || x instanceof PySet) return x.size !== 0;
  if (x instanceof PyTuple) return x.items.length !== 0;
  if (x instanceof PyBytes) return x.data.length !== 0;
  if (x instanceof PyRange) return x.length !== 0;
  if (x instanceof PyComplex) return x.re !== 0 || x.im !== 0;
  const b = x.$__bool__;
  if (typeof b === 'function') {
    const r = invoke(b, x, []);
    if (typeof r !== 'boolean') raiseError('TypeError', `__bool__ should return bool, returned ${typeOf(r).pyName}`);
    return r;
  }
  const l = x.$__len__;
  if (typeof l === 'function') return truthy(invoke(l, x, []));
  return true;
}

export function not(x: any): boolean { return !truthy(x); }

export function eq(a: any, b: any): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return false;
  if (typeof a === 'string' || typeof b === 'string') return false;
  return eqSlow(a, b);
}

function eqSlow(a: any, b: any): boolean {
  const fx = fl(a), fy = fl(b);
  if (fx !== undefined && fy !== undefined) return fx === fy;
  const ka = numKind(a), kb = numKind(b);
  if (ka >= 0 && kb >= 0) {
    if (ka === 2 || kb === 2) { const x = asComplex(a), y = asComplex(b); return x.re === y.re && x.im === y.im; }
    if (ka === 0 && kb === 0) return toBig(asInt(a)) === toBig(asInt(b));
    if (ka === 1 && kb === 1) return asFloat(a) === asFloat(b);
    // int vs float: exact comparison
    const f = ka === 1 ? asFloat(a) : asFloat(b);
    const i = ka === 0 ? asInt(a) : asInt(b);
    if (!Number.isInteger(f)) return false;
    return typeof i === 'bigint' ? BigInt(f) === i : f === i;
  }
  if (a === null || b === null || a === undefined || b === undefined) return (a ?? null) === (b ?? null) || userEq(a, b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return Array.isArray(b) ? false : userEq(a, b);
    for (let i = 0; i < a.length; i++) if (!(a[i] === b[i] || eq(a[i], b[i]))) return false;
    return true;
  }
  if (a instanceof PyTuple) {
    if (!(b instanceof PyTuple)) return userEq(a, b);
    if (a.items.length !== b.items.length) return false;
    for (let i = 0; i < a.items.length; i++) if (!(a.items[i] === b.items[i] || eq(a.items[i], b.items[i]))) return false;
    return true;
  }
  if (a instanceof PyDict) {
    if (!(b instanceof PyDict) || ownDictDunder(a, '$__eq__') || ownDictDunder(b, '$__eq__')) return userEq(a, b);
    if (a.size !== b.size) return false;
    for (const [k, v] of a.table.entries()) {
      if (!b.has(k)) return false;
      const w = b.get(k);
      if (!(v === w || eq(v, w))) return false;
    }
    return true;
  }
  if (a instanceof PySet) {
    if (!(b instanceof PySet)) return userEq(a, b);
    if (a.size !== b.size) return false;
    for (const k of a) if (!b.has(k)) return false;
    return true;
  }
  if (a instanceof PyBytes) {
    if (!(b instanceof PyBytes) || a.data.length !== b.data.length) return userEq(a, b);
    for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
    return true;
  }
  if (a instanceof PyRange && b instanceof PyRange) {
    if (a.big || b.big) {
      const n = a.big ? a.blen : BigInt(a.length);
      if (n !== (b.big ? b.blen : BigInt(b.length))) return false;
      return n === 0n || (a.start === b.start && (n === 1n || a.step === b.step));
    }
    if (a.length !== b.length) return false;
    if (a.length === 0) return true;
    return a.start === b.start && (a.length === 1 || a.step === b.step);
  }
  return userEq(a, b);
}

/** Whether x is an instance of a dict subclass that defines the dunder itself (Counter's __eq__). */
function ownDictDunder(x: PyDict, key: string): boolean {
  if (Object.getPrototypeOf(x) === PyDict.prototype) return false;
  const f = (x as any)[key];
  return typeof f === 'function' && f !== (PyDict.prototype as any)[key] && f !== (getObjectProto() as any)[key];
}

function userEq(a: any, b: any): boolean {
  const objProto = getObjectProto();
  if (a !== null && typeof a === 'object') {
    const f = a.$__eq__;
    if (typeof f === 'function' && f !== objProto.$__eq__) {
      const r = invoke(f, a, [b]);
      if (r !== NotImplemented) return truthy(r);
    }
  }
  if (b !== null && typeof b === 'object') {
    const f = b.$__eq__;
    if (typeof f === 'function' && f !== objProto.$__eq__) {
      const r = invoke(f, b, [a]);
      if (r !== NotImplemented) return truthy(r);
    }
  }
  return a === b;
}

export function ne(a: any, b: any): boolean {
  if (a !== null && typeof a === 'object' && !(a instanceof PyFloat)) {
    const f = a.$__ne__;
    if (typeof f === 'function' && f !== getObjectProto().$__ne__) {
      const r = invoke(f, a, [b]);
      if (r !== NotImplemented) return truthy(r);
    }
  }
  return !eq(a, b);
}

const CMP_NAMES: Record<string, [string, string]> = {
  '<': ['__lt__', '__gt__'], '<=': ['__le__', '__ge__'], '>': ['__gt__', '__lt__'], '>=': ['__ge__', '__le__'],
};

/** Three-way compare of two values Python can order; throws TypeError otherwise. */
function order(op: string, a: any, b: any): boolean {
  const fx = fl(a), fy = fl(b);
  if (fx !== undefined && fy !== undefined) return op === '<' ? fx < fy : op === '<=' ? fx <= fy : op === '>' ? fx > fy : fx >= fy;
  const ka = numKind(a), kb = numKind(b);
  if (ka >= 0 && kb >= 0 && ka < 2 && kb < 2) {
    if (ka === 0 && kb === 0) { const x = toBig(asInt(a)), y = toBig(asInt(b)); return cmpResult(op, x < y ? -1 : x > y ? 1 : 0); }
    const x = typeof a === 'bigint' ? a : asFloat(a), y = typeof b === 'bigint' ? b : asFloat(b);
    if (Number.isNaN(x) || Number.isNaN(y)) return false;
    return cmpResult(op, x < y ? -1 : x > y ? 1 : 0);
  }
  if (typeof a === 'string' && typeof b === 'string') return cmpResult(op, strCompare(a, b));
  if ((Array.isArray(a) && Array.isArray(b)) || (a instanceof PyTuple && b instanceof PyTuple)) {
    const x: unknown[] = Array.isArray(a) ? a : a.items, y: unknown[] = Array.isArray(b) ? b : (b as PyTuple).items;
    const n = Math.min(x.length, y.length);
    for (let i = 0; i < n; i++) {
      if (!(x[i] === y[i] || eq(x[i], y[i]))) return order(op, x[i], y[i]);
    }
    return cmpResult(op, x.length - y.length);
  }
  if (a instanceof PySet && b instanceof PySet) {
    const sub = (p: PySet, q: PySet) => { for (const k of p) if (!q.has(k)) return false; return true; };
    switch (op) {
      case '<': return a.size < b.size && sub(a, b);
      case '<=': return sub(a, b);
      case '>': return a.size > b.size && sub(b, a);
      default: return sub(b, a);
    }
  }
  if (a instanceof PyBytes && b instanceof PyBytes) {
    const n = Math.min(a.data.length, b.data.length);
    for (let i = 0; i < n; i++) if (a.data[i] !== b.data[i]) return cmpResult(op, a.data[i]! - b.data[i]!);
    return cmpResult(op, a.data.length - b.data.length);
  }
  const [name, rname] = CMP_NAMES[op]!;
  if (a !== null && typeof a === 'object') {
    const f = a['$' + name];
    if (typeof f === 'function') { const r = invoke(f, a, [b]); if (r !== NotImplemented) return truthy(r); }
  }
  if (b !== null && typeof b === 'object') {
    const f = b['$' + rname];
    if (typeof f === 'function') { const r = invoke(f, b, [a]); if (r !== NotImplemented) return truthy(r); }
  }
  raiseError('TypeError', `'${op}' not supported between instances of '${typeOf(a).pyName}' and '${typeOf(b).pyName}'`);
}

function cmpResult(op: string, c: number): boolean {
  switch (op) {
    case '<': return c < 0;
    case '<=': return c <= 0;
    case '>': return c > 0;
    default: return c >= 0;
  }
}

export function lt(a: any, b: any): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a < b;
  return order('<', a, b);
}
export function le(a: any, b: any): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a <= b;
  return order('<=', a, b);
}
export function gt(a: any, b: any): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a > b;
  return order('>', a, b);
}
export function ge(a: any, b: any): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a >= b;
  return order('>=', a, b);
}
export function is(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return (a === null || a === undefined) && (b === null || b === undefined);
}

export function contains(container: any, x: any): boolean {
  // a plain dict (its class cannot override __contains__)
  if (container instanceof PyDict && Object.getPrototypeOf(container) === PyDict.prototype) return container.table.has(x);
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) if (container[i] === x || eq(container[i], x)) return true;
    return false;
  }
  if (typeof container === 'string') {
    if (typeof x !== 'string') raiseError('TypeError', `'in <string>' requires string as left operand, not ${typeOf(x).pyName}`);
    return container.includes(x);
  }
  if (container instanceof PyDict || container instanceof PySet) {
    if (typeOf(container).builtin || typeof (container as any).$__contains__ !== 'function') return container.has(x);
  }
  if (container instanceof PyTuple) {
    for (const it of container.items) if (it === x || eq(it, x)) return true;
    return false;
  }
  if (container instanceof PyRange) {
    if ((typeof x === 'number' && Number.isInteger(x)) || typeof x === 'bigint') return container.hasInt(x);
    if (typeof x === 'boolean') return container.hasInt(x ? 1 : 0);
    for (const v of container) if (eq(v, x)) return true;
    return false;
  }
  if (container instanceof PyBytes) {
    if (typeof x === 'number') return container.data.includes(x);
    if (x instanceof PyBytes) return bytesFind(container.data, x.data) >= 0;
  }
  const mc = metaDunder(container, '$__contains__');
  if (mc) return truthy(invoke(mc, container, [x]));
  if (container !== null && typeof container === 'object') {
    const f = container.$__contains__;
    if (typeof f === 'function') return truthy(invoke(f, container, [x]));
  }
  for (const it of iter(container)) if (it === x || eq(it, x)) return true;
  return false;
}

export function bytesFind(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Hashing

function strHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h | 0;
}

const HASH_MOD = 2n ** 61n - 1n;

export function hash(x: any): number | bigint {
  switch (typeof x) {
    case 'number':
      if (Number.isInteger(x)) return x === -1 ? -2 : x;
      return floatHash(x);
    case 'bigint': { const r = mkint(((x % HASH_MOD) + HASH_MOD) % HASH_MOD * (x < 0n ? -1n : 1n)); return r === -1 ? -2 : r; }
    case 'boolean': return x ? 1 : 0;
    case 'string': return strHash(x);
    case 'function': return objectId(x);
    case 'undefined': return 0x5a5a5;
  }
  if (x === null) return 0x5a5a5;
  if (x instanceof PyFloat) return hash(keyOf(x));
  if (x instanceof PyTuple) {
    let h = 0x345678;
    for (const it of x.items) h = (Math.imul(h ^ Number(BigInt.asIntN(32, BigInt(hash(it)))), 1000003) + 97531) | 0;
    return h === -1 ? -2 : h;
  }
  if (x instanceof PyFrozenSet) {
    let h = 0;
    for (const it of x) h = (h + Number(BigInt.asIntN(32, BigInt(hash(it))))) | 0;
    return h;
  }
  if (x instanceof PyBytes) return strHash(String.fromCharCode.apply(null, Array.from(x.data)));
  if (x instanceof PyComplex) return x.im === 0 ? hash(x.re === Math.trunc(x.re) ? new PyFloat(x.re) : x.re) : (strHash(x.re + ',' + x.im));
  if (Array.isArray(x) || x instanceof PyDict || (x instanceof PySet)) raiseError('TypeError', `unhashable type: '${typeOf(x).pyName}'`);
  const f = x.$__hash__;
  if (f === null) raiseError('TypeError', `unhashable type: '${typeOf(x).pyName}'`);
  if (typeof f === 'function' && f !== getObjectProto().$__hash__) {
    const r = invoke(f, x, []);
    if (numKind(r) !== 0) raiseError('TypeError', '__hash__ method should return an integer');
    return r;
  }
  if (typeof x.$__eq__ === 'function' && x.$__eq__ !== getObjectProto().$__eq__) raiseError('TypeError', `unhashable type: '${typeOf(x).pyName}'`);
  return objectId(x);
}

function floatHash(x: number): number {
  if (Number.isNaN(x)) return 0;
  if (!Number.isFinite(x)) return x > 0 ? 314159 : -314159;
  return strHash(floatRepr(x));
}

// ---------------------------------------------------------------------------------------------
// Items, length, iteration

/** `len(x) OP k` for the compiler: a number on the same side of k as len(x) (see strLenVersus). */
export function lenVs(x: any, k: number): number {
  return typeof x === 'string' ? strLenVersus(x, k) : len(x);
}

export function len(x: any): number {
  if (typeof x === 'string') return strLen(x);
  if (Array.isArray(x)) return x.length;
  if (x instanceof PyDict || x instanceof PySet) {
    // (a subclass may override __len__: it goes through the dunder below)
    const p = Object.getPrototypeOf(x);
    if (p === PyDict.prototype || p === PySet.prototype || p === PyFrozenSet.prototype) return x.size;
  }
  if (x instanceof PyTuple) return x.items.length;
  if (x instanceof PyBytes) return x.data.length;
  if (x instanceof PyRange) return x.len() as number;
  if (x !== null && typeof x === 'object') {
    const f = x.$__len__;
    if (typeof f === 'function') {
      const r = invoke(f, x, []);
      if (typeof r !== 'number' || !Number.isInteger(r)) raiseError('TypeError', `'${typeOf(r).pyName}' object cannot be interpreted as an integer`);
      if (r < 0) raiseError('ValueError', '__len__() should return >= 0');
      return r;
    }
  }
  const ml = metaDunder(x, '$__len__');
  if (ml) return Number(invoke(ml, x, []));
  raiseError('TypeError', `object of type '${typeOf(x).pyName}' has no len()`);
}

function seqIndex(i: any, n: number, what: string): number {
  if (typeof i !== 'number' || !Number.isInteger(i)) {
    if (typeof i === 'boolean') i = i ? 1 : 0;
    else if (typeof i === 'bigint') raiseError('IndexError', `cannot fit 'int' into an index-sized integer`);
    else if (i !== null && typeof i === 'object' && typeof i.$__index__ === 'function') i = idx(i);
    else raiseError('TypeError', `${what} indices must be integers or slices, not ${typeOf(i).pyName}`);
  }
  const j = i < 0 ? i + n : i;
  if (j < 0 || j >= n) raiseError('IndexError', `${what} index out of range`);
  return j;
}

export function getitem(o: any, k: any): any {
  // small enough for V8 to inline at every call site: lists indexed by an in-range int
  if (Array.isArray(o) && typeof k === 'number' && (k | 0) === k && k >= 0 && k < o.length) return o[k];
  return getitemSlow(o, k);
}

function getitemSlow(o: any, k: any): any {
  if (Array.isArray(o)) {
    if (typeof k === 'number' && k >= 0 && k < o.length && Number.isInteger(k)) return o[k];
    if (k instanceof PySlice) return sliceSeq(o, k);
    return o[seqIndex(k, o.length, 'list')];
  }
  if (typeof o === 'string') {
    if (k instanceof PySlice) return strSlice(o, k.start, k.stop, k.step);
    if (typeof k !== 'number' || !Number.isInteger(k)) k = seqIndexArg(k, 'string');
    return strIndex(o, k);
  }
  if (o instanceof PyDict && (o as any).$__getitem__ === DICT_GETITEM) {
    const v = o.get(k);
    if (v === undefined && !o.has(k)) return dictMissing(o, k);
    return v;
  }
  if (o instanceof PyTuple) {
    if (k instanceof PySlice) return tuple(sliceSeq(o.items, k));
    return o.items[seqIndex(k, o.items.length, 'tuple')];
  }
  if (o instanceof PyRange) {
    if (k instanceof PySlice) return o.slice(k.start, k.stop, k.step);
    if (typeof k === 'number' && Number.isInteger(k) || typeof k === 'bigint') return o.item(k);
    return o.item(rangeIndexArg(k));
  }
  if (o instanceof PyBytes) {
    if (k instanceof PySlice) {
      // a copy of the bytes' range, without going through an array of numbers (30 MiB took 2 s)
      const [s, , st, count] = sliceIndices(o.data.length, k.start, k.stop, k.step);
      if (st === 1) return bytesLike(o.data.slice(s, s + count), o.mutable);
      const out = new Uint8Array(count);
      for (let i = 0, j = s; i < count; i++, j += st) out[i] = o.data[j]!;
      return bytesLike(out, o.mutable);
    }
    return o.data[seqIndex(k, o.data.length, o.mutable ? 'bytearray' : 'index')];
  }
  if (o !== null && typeof o === 'object') {
    const f = o.$__getitem__;
    if (typeof f === 'function') return invoke(f, o, [k]);
  }
  if (typeof o === 'function' && o.isClass) {
    const mg = metaDunder(o, '$__getitem__');
    if (mg) return invoke(mg, o, [k]);
    const cg = o.prototype.$__class_getitem__;
    if (typeof cg === 'function') return invoke(cg.classOf ?? cg, undefined, [o, k]);
    return o; // list[int] and friends in annotations: the generic alias is the class itself
  }
  raiseError('TypeError', `'${typeOf(o).pyName}' object is not subscriptable`);
}

function seqIndexArg(k: any, what: string): number {
  if (typeof k === 'boolean') return k ? 1 : 0;
  if (k !== null && typeof k === 'object' && typeof k.$__index__ === 'function') return idx(k);
  if (typeof k === 'bigint') raiseError('IndexError', `cannot fit 'int' into an index-sized integer`);
  raiseError('TypeError', `${what} indices must be integers, not '${typeOf(k).pyName}'`);
}

let DICT_GETITEM: unknown = null;
export function setDictGetitem(f: unknown): void { DICT_GETITEM = f; }

function dictMissing(d: any, k: unknown): unknown {
  const m = d.$__missing__;
  if (typeof m === 'function') return invoke(m, d, [k]);
  throw keyError(k);
}

let keyErrorFactory: (k: unknown) => unknown = () => { throw new Error('runtime not initialised'); };
export function setKeyErrorFactory(f: (k: unknown) => unknown): void { keyErrorFactory = f; }
export function keyError(k: unknown): unknown { return keyErrorFactory(k); }

function sliceSeq(a: unknown[], s: PySlice): unknown[] {
  if (s.step == null) {
    const n = a.length;
    const start = s.start == null ? 0 : clampIdx(idx(s.start), n);
    const stop = s.stop == null ? n : clampIdx(idx(s.stop), n);
    return a.slice(start, stop);
  }
  const [st, , step, count] = sliceIndices(a.length, s.start, s.stop, s.step);
  const out = new Array(count);
  for (let i = 0, j = st; i < count; i++, j += step) out[i] = a[j];
  return out;
}
function clampIdx(i: number, n: number): number {
  if (i < 0) { i += n; return i < 0 ? 0 : i; }
  return i > n ? n : i;
}

export function setitem(o: any, k: any, v: unknown): void {
  if (Array.isArray(o) && typeof k === 'number' && (k | 0) === k && k >= 0 && k < o.length) { o[k] = v; return; }
  setitemSlow(o, k, v);
}

function setitemSlow(o: any, k: any, v: unknown): void {
  if (Array.isArray(o)) {
    if (typeof k === 'number' && k >= 0 && k < o.length && Number.isInteger(k)) { o[k] = v; return; }
    if (k instanceof PySlice) { setSlice(o, k, v); return; }
    o[seqIndex(k, o.length, 'list assignment')] = v;
    return;
  }
  if (o instanceof PyDict && (o as any).$__setitem__ === DICT_SETITEM) { o.set(k, v); return; }
  if (o instanceof PyBytes && o.mutable) {
    if (k instanceof PySlice) { editBytearray(o, a => setSlice(a, k, bytearrayItems(v))); return; }
    o.data[seqIndex(k, o.data.length, 'bytearray')] = byteValue(v);
    return;
  }
  if (o !== null && typeof o === 'object') {
    const f = o.$__setitem__;
    if (typeof f === 'function') { invoke(f, o, [k, v]); return; }
  }
  raiseError('TypeError', `'${typeOf(o).pyName}' object does not support item assignment`);
}

/** The bytes a bytearray slice assignment stores: bytes-like, or an iterable of ints in range(256). */
function bytearrayItems(v: unknown): number[] {
  if (v instanceof PyBytes) return Array.from(v.data);
  if (typeof v === 'string' || !isIterable(v)) raiseError('TypeError', 'can assign only bytes, buffers, or iterables of ints in range(0, 256)');
  return toArray(v).map(byteValue);
}

/** Edits a bytearray as a list of ints (slice assignment and deletion), then stores the result. */
function editBytearray(o: PyBytes, edit: (a: number[]) => void): void {
  const a = Array.from(o.data);
  edit(a);
  bytearrayResize(o, a.length).set(a);
}

let DICT_SETITEM: unknown = null;
export function setDictSetitem(f: unknown): void { DICT_SETITEM = f; }

function setSlice(a: unknown[], s: PySlice, v: unknown): void {
  const items = toArray(v);
  if (s.step == null || s.step === 1) {
    const n = a.length;
    const start = s.start == null ? 0 : clampIdx(idx(s.start), n);
    let stop = s.stop == null ? n : clampIdx(idx(s.stop), n);
    if (stop < start) stop = start;
    a.splice(start, stop - start, ...items);
    return;
  }
  const [st, , step, count] = sliceIndices(a.length, s.start, s.stop, s.step);
  if (items.length !== count) raiseError('ValueError', `attempt to assign sequence of size ${items.length} to extended slice of size ${count}`);
  for (let i = 0, j = st; i < count; i++, j += step) a[j] = items[i];
}

export function delitem(o: any, k: any): void {
  if (Array.isArray(o)) {
    if (k instanceof PySlice) {
      const [st, , step, count] = sliceIndices(o.length, k.start, k.stop, k.step);
      const drop = new Set<number>();
      for (let i = 0, j = st; i < count; i++, j += step) drop.add(j);
      const keep = o.filter((_, i) => !drop.has(i));
      o.length = 0;
      o.push(...keep);
      return;
    }
    o.splice(seqIndex(k, o.length, 'list assignment'), 1);
    return;
  }
  if (o instanceof PyBytes && o.mutable) {
    editBytearray(o, a => delitem(a, k));
    return;
  }
  if (o instanceof PyDict && (o as any).$__delitem__ === DICT_DELITEM) {
    if (!o.delete(k)) throw keyError(k);
    return;
  }
  if (o !== null && typeof o === 'object') {
    const f = o.$__delitem__;
    if (typeof f === 'function') { invoke(f, o, [k]); return; }
  }
  raiseError('TypeError', `'${typeOf(o).pyName}' object doesn't support item deletion`);
}
let DICT_DELITEM: unknown = null;
export function setDictDelitem(f: unknown): void { DICT_DELITEM = f; }

/** A slice object (for `a[x:y:z]`). */
export function slice(start: unknown, stop: unknown, step: unknown): PySlice {
  return new PySlice(start ?? null, stop ?? null, step ?? null);
}

function isIterable(x: any): boolean {
  if (x === null || x === undefined) return false;
  if (typeof x === 'string' || Array.isArray(x)) return true;
  if (typeof x === 'object') return typeof x[Symbol.iterator] === 'function' || typeof x.$__iter__ === 'function' || typeof x.$__getitem__ === 'function';
  return false;
}

/** Adapts a Python iterator (an object with __next__) to a JS iterator. */
class PyIterAdapter implements Iterator<unknown>, Iterable<unknown> {
  private readonly next_: any;
  constructor(private readonly it: any) {
    this.next_ = it.$__next__;
    if (typeof this.next_ !== 'function') raiseError('TypeError', `iter() returned non-iterator of type '${typeOf(it).pyName}'`);
  }
  next(): IteratorResult<unknown> {
    try {
      return { value: invoke(this.next_, this.it, []), done: false };
    } catch (e) {
      if (e !== null && typeof e === 'object' && typeOf(e) === types.StopIteration || isStop(e)) return { value: undefined, done: true };
      throw e;
    }
  }
  [Symbol.iterator](): Iterator<unknown> { return this; }
}
function isStop(e: any): boolean {
  return e !== null && typeof e === 'object' && typeOf(e).mro?.indexOf(types.StopIteration!) >= 0;
}

/** Sequence iteration through __getitem__ until IndexError (the old protocol). */
function* getitemIter(o: any): Generator<unknown> {
  for (let i = 0; ; i++) {
    let v: unknown;
    try { v = invoke(o.$__getitem__, o, [i]); } catch (e: any) {
      if (e !== null && typeof e === 'object' && typeOf(e).mro?.indexOf(types.IndexError!) >= 0 || isStop(e)) return;
      throw e;
    }
    yield v;
  }
}

/** A JS iterable for `for x in o`. Arrays, strings and JS generators are returned as they are. */
/** A dunder a class object gets from its metaclass (`for m in Color`, `len(Color)`), else undefined. */
export function metaDunder(o: any, key: string): any {
  if (typeof o !== 'function' || !o.isClass || !o.metaclass) return undefined;
  const f = o.metaclass.prototype[key];
  return typeof f === 'function' ? f : undefined;
}

export function iter(o: any): Iterable<unknown> {
  if (Array.isArray(o) || typeof o === 'string') return o;
  const mi = metaDunder(o, '$__iter__');
  if (mi) { const it = invoke(mi, o, []); return it !== null && typeof it === 'object' && typeof it.next === 'function' && typeof it[Symbol.iterator] === 'function' ? it : new PyIterAdapter(it); }
  if (o !== null && typeof o === 'object') {
    const f = o.$__iter__;
    if (typeof f === 'function' && !(o instanceof PyDict && f === DICT_ITER)) {
      const it = invoke(f, o, []);
      if (it !== null && typeof it === 'object' && typeof it.next === 'function' && typeof it[Symbol.iterator] === 'function') return it;
      return new PyIterAdapter(it);
    }
    if (typeof o[Symbol.iterator] === 'function') return o;
    if (typeof o.$__getitem__ === 'function') return getitemIter(o);
  }
  raiseError('TypeError', `'${typeOf(o).pyName}' object is not iterable`);
}
let DICT_ITER: unknown = null;
export function setDictIter(f: unknown): void { DICT_ITER = f; }

/** All items of an iterable in a fresh array. */
export function toArray(o: any): unknown[] {
  if (Array.isArray(o)) return o.slice();
  if (o instanceof PyTuple) return o.items.slice();
  if (typeof o === 'string') return Array.from(o);
  return Array.from(iter(o));
}

/** Unpacks an iterable into exactly n values, or with a star at index `star`. */
export function unpack(o: any, n: number, star = -1): unknown[] {
  let items: unknown[];
  if (Array.isArray(o)) items = o;
  else if (o instanceof PyTuple) items = o.items;
  else items = toArray(o);
  if (star < 0) {
    if (items.length !== n) {
      if (items.length > n) raiseError('ValueError', `too many values to unpack (expected ${n})`);
      raiseError('ValueError', `not enough values to unpack (expected ${n}, got ${items.length})`);
    }
    return items;
  }
  const after = n - star - 1;
  if (items.length < n - 1) raiseError('ValueError', `not enough values to unpack (expected at least ${n - 1}, got ${items.length})`);
  const out = items.slice(0, star);
  out.push(items.slice(star, items.length - after));
  for (let i = items.length - after; i < items.length; i++) out.push(items[i]);
  return out;
}

/** A range() argument: an int of any size (a bool counts as one; __index__ is called). */
export function rangeInt(x: unknown): number | bigint {
  if (typeof x === 'number' && Number.isInteger(x)) return x;
  if (typeof x === 'bigint') return x;
  if (typeof x === 'boolean') return x ? 1 : 0;
  const f = (x as any)?.$__index__;
  if (typeof f === 'function') return rangeInt(invoke(f, x, []));
  raiseError('TypeError', `'${typeOf(x).pyName}' object cannot be interpreted as an integer`);
}

/** A range index that is not an int: bool or __index__, else CPython's TypeError. */
function rangeIndexArg(k: unknown): number | bigint {
  if (typeof k === 'boolean') return k ? 1 : 0;
  const f = (k as any)?.$__index__;
  if (k !== null && typeof k === 'object' && typeof f === 'function') return rangeIndexArg(invoke(f, k, []));
  if (typeof k === 'number' && Number.isInteger(k) || typeof k === 'bigint') return k;
  raiseError('TypeError', `range indices must be integers or slices, not ${typeOf(k).pyName}`);
}

/**
 * range() bounds for a compiled `for i in range(...)` loop: a safe int. The loop's variable is
 * known to hold numbers (codegen's 'int' fact), so a bound past 2**53 that only shows at run
 * time is an OverflowError here (a bound the compiler sees is big makes an ordinary loop).
 */
export function rangeArg(x: unknown): number {
  if (typeof x === 'number') {
    if (Number.isInteger(x)) return x;
    raiseError('TypeError', "'float' object cannot be interpreted as an integer");
  }
  if (typeof x === 'boolean') return x ? 1 : 0;
  if (typeof x === 'bigint') raiseError('OverflowError', 'Python int too large to convert to C ssize_t');
  const f = (x as any)?.$__index__;
  if (typeof f === 'function') return rangeArg(invoke(f, x, []));
  raiseError('TypeError', `'${typeOf(x).pyName}' object cannot be interpreted as an integer`);
}
