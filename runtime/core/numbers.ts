// Numbers with Python semantics on top of JS numbers (see docs/ARCHITECTURE.md, "The value
// model"): a raw integral JS number is an int, a non-integral one a float; integral floats are
// boxed in PyFloat; ints outside the safe range are bigints.
import { raiseError } from './exceptions.js';

export class PyFloat {
  constructor(readonly v: number) {}
}

export class PyComplex {
  constructor(readonly re: number, readonly im: number) {}
}

const MAX = Number.MAX_SAFE_INTEGER;

/** The float value x in its canonical form. */
export function mkfloat(x: number): number | PyFloat {
  return Number.isInteger(x) ? new PyFloat(x) : x;
}

/** The int value x (a bigint) in its canonical form. */
export function mkint(x: bigint): number | bigint {
  return x >= -9007199254740991n && x <= 9007199254740991n ? Number(x) : x;
}

export function isInt(x: unknown): x is number | bigint {
  return (typeof x === 'number' && Number.isInteger(x)) || typeof x === 'bigint';
}

/** int or bool */
export function isIntLike(x: unknown): boolean {
  return isInt(x) || typeof x === 'boolean';
}

export function isFloat(x: unknown): boolean {
  return (typeof x === 'number' && !Number.isInteger(x)) || x instanceof PyFloat;
}

/** Numeric value of an int, float or bool as a JS number (may lose precision for bigints). */
export function toNumber(x: unknown): number {
  if (typeof x === 'number') return x + 0;
  if (x instanceof PyFloat) return x.v;
  if (typeof x === 'bigint') return Number(x);
  if (typeof x === 'boolean') return x ? 1 : 0;
  return NaN;
}

/** Float value of an int (exact rounding for bigints is Number(bigint)'s). Raises OverflowError. */
export function intToFloat(x: number | bigint): number {
  if (typeof x === 'number') return x + 0;
  const f = Number(x);
  if (!Number.isFinite(f)) raiseError('OverflowError', 'int too large to convert to float');
  return f;
}

export function toBig(x: number | bigint | boolean): bigint {
  if (typeof x === 'bigint') return x;
  if (typeof x === 'boolean') return x ? 1n : 0n;
  return BigInt(x);
}

export { MAX as MAX_SAFE };

/** Python repr of a float value. Shortest round-trip digits (as JS), Python's layout. */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // toExponential() with no argument gives the shortest digits that round-trip.
  const e = x.toExponential();
  const sign = x < 0 ? '-' : '';
  const body = x < 0 ? e.slice(1) : e;
  const ePos = body.indexOf('e');
  const digits = body.slice(0, ePos).replace('.', '');
  const exp = parseInt(body.slice(ePos + 1), 10);
  if (exp >= -5 && exp < 16) {
    // fixed notation (Python repr switches to exponent when exp < -4 or exp >= 16)
    if (exp < -4) return sign + expForm(digits, exp);
    if (exp >= 0) {
      const intPart = digits.length > exp + 1 ? digits.slice(0, exp + 1) : digits + '0'.repeat(exp + 1 - digits.length);
      const frac = digits.length > exp + 1 ? digits.slice(exp + 1) : '0';
      return sign + intPart + '.' + frac;
    }
    return sign + '0.' + '0'.repeat(-exp - 1) + digits;
  }
  return sign + expForm(digits, exp);
}

function expForm(digits: string, exp: number): string {
  const mant = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
  const es = Math.abs(exp) < 10 ? '0' + Math.abs(exp) : String(Math.abs(exp));
  return `${mant}e${exp < 0 ? '-' : '+'}${es}`;
}
