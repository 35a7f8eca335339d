// The builtin functions and type objects, and the Python methods of the builtin types
// (installed as `$name` properties on their JS prototypes).
import { raiseError, newError, exceptionNames, Thrown, isException } from './exceptions.js';
import { PyFloat, PyComplex, mkfloat, mkint, toBig, intToFloat, floatRepr, isInt, MAX_SAFE } from './numbers.js';
import {
  KwArgs, splitKw, invoke, call, typeOf, isinstance, issubclass, getattr, getattrOr, setattr, delattr, builtinType, types,
  makeClass, PyProperty, StaticMethod, ClassMethod, EventDecl, makeEvent, superGet, attrFallbacks, construct, unproxy,
  instanceDict, setContainerFactories, type PyClass, fnName,
} from './objects.js';
import { PyTuple, PyDict, PySet, PyFrozenSet, PyBytes, PyByteArray, PyRange, RangeIterator, PySlice, tuple, EMPTY_TUPLE, dictUpdate, objectId, sliceIndices, idx } from './containers.js';
import * as ops from './ops.js';
import { bytesMethods, bytearrayMethods, maketrans as bytesMaketrans } from './bytes.js';
import { repr, str, complexRepr } from './repr.js';
import { formatValue, percentFormat, setFormatHost, asciiEscape } from './format.js';
import { strMethods, strMaketrans } from './strings.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

// ---------------------------------------------------------------------------------------------
// Host hooks: what the embedding host supplies (stdout, stdin, sleeping).

export interface CoreHost {
  write(text: string): void;
  readLine(prompt: string): string | null;
  sleep(ms: number): void;
  now(): number;
}
let host: CoreHost = {
  write() { raiseError('RuntimeError', 'no output stream'); },
  readLine() { return null; },
  sleep() { raiseError('RuntimeError', 'sleep is not available in this host'); },
  now() { return Date.now(); },
};
export function setCoreHost(h: CoreHost): void { host = h; }
export function getCoreHost(): CoreHost { return host; }

// ---------------------------------------------------------------------------------------------
// Helpers

function kwOf(args: unknown[]): { pos: unknown[]; kw: KwArgs | null } { return splitKw(args); }

function noKw(name: string, kw: KwArgs | null): void {
  if (kw && kw.names.length) raiseError('TypeError', `${name}() takes no keyword arguments`);
}

function argCount(name: string, pos: unknown[], min: number, max: number): void {
  if (pos.length < min || pos.length > max) {
    if (min === max) raiseError('TypeError', `${name}() takes exactly ${min === 1 ? 'one argument' : min + ' arguments'} (${pos.length} given)`);
    if (pos.length < min) raiseError('TypeError', `${name} expected at least ${min} argument${min === 1 ? '' : 's'}, got ${pos.length}`);
    raiseError('TypeError', `${name} expected at most ${max} argument${max === 1 ? '' : 's'}, got ${pos.length}`);
  }
}

/** Marks a function as a builtin that receives a trailing KwArgs. */
function bi<T extends (...a: any[]) => any>(name: string, f: T, takesKw = true): T {
  const g = f as any;
  g.pyName = name; g.builtin = true; if (takesKw) g.kw = true;
  return f;
}

function defMethods(proto: any, methods: Record<string, (this: any, ...a: any[]) => unknown>, takesKw: string[] = []): void {
  for (const [name, fn] of Object.entries(methods)) {
    const f = fn as any;
    f.builtinMethod = true; f.pyName = name;
    if (takesKw.includes(name)) f.kw = true;
    Object.defineProperty(proto, '$' + name, { value: fn, writable: true, configurable: true, enumerable: false });
  }
}

function nonNeg(n: number, what: string): number { if (n < 0) raiseError('ValueError', what); return n; }

// ---------------------------------------------------------------------------------------------
// Conversions

const INT_RE = /^[+-]?(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|[0-9][0-9_]*)$/;

export function parseIntStr(s: string, base: number): number | bigint {
  const orig = s;
  s = s.trim();
  const bad = () => raiseError('ValueError', `invalid literal for int() with base ${base}: ${repr(orig)}`);
  if (s === '') bad();
  let sign = 1n;
  if (s[0] === '+' || s[0] === '-') { if (s[0] === '-') sign = -1n; s = s.slice(1); }
  if (base === 0) {
    if (!INT_RE.test(s)) bad();
    if (/^0[xX]/.test(s)) { base = 16; s = s.slice(2); }
    else if (/^0[oO]/.test(s)) { base = 8; s = s.slice(2); }
    else if (/^0[bB]/.test(s)) { base = 2; s = s.slice(2); }
    else { base = 10; if (/^0+[1-9]/.test(s)) bad(); }
  } else if ((base === 16 && /^0[xX]/.test(s)) || (base === 8 && /^0[oO]/.test(s)) || (base === 2 && /^0[bB]/.test(s))) {
    s = s.slice(2);
    if (s.startsWith('_')) s = s.slice(1);
  }
  if (s === '' || s.startsWith('_') || s.endsWith('_') || s.includes('__')) bad();
  s = s.replace(/_/g, '');
  let v = 0n;
  const B = BigInt(base);
  for (const ch of s.toLowerCase()) {
    const c = ch.charCodeAt(0);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 122 ? c - 87 : 99;
    if (d >= base) bad();
    v = v * B + BigInt(d);
  }
  return mkint(sign * v);
}

function floatToInt(f: number): number | bigint {
  if (Number.isNaN(f)) raiseError('ValueError', 'cannot convert float NaN to integer');
  if (!Number.isFinite(f)) raiseError('OverflowError', 'cannot convert float infinity to integer');
  const t = Math.trunc(f) + 0;
  return Math.abs(t) <= MAX_SAFE ? t : mkint(BigInt(t));
}

export function toInt(x: any, base?: any): number | bigint {
  if (base !== undefined && base !== null) {
    if (typeof x !== 'string' && !(x instanceof PyBytes)) raiseError('TypeError', "int() can't convert non-string with explicit base");
    const b = Number(ops.rangeArg(base));
    if (b !== 0 && (b < 2 || b > 36)) raiseError('ValueError', 'int() base must be >= 2 and <= 36, or 0');
    return parseIntStr(typeof x === 'string' ? x : new TextDecoder().decode(x.data), b);
  }
  if (typeof x === 'number') return Number.isInteger(x) ? x : floatToInt(x);
  if (typeof x === 'bigint') return x;
  if (typeof x === 'boolean') return x ? 1 : 0;
  if (x instanceof PyFloat) return floatToInt(x.v);
  if (typeof x === 'string') return parseIntStr(x, 10);
  if (x instanceof PyBytes) return parseIntStr(new TextDecoder().decode(x.data), 10);
  if (x !== null && typeof x === 'object') {
    for (const m of ['$__int__', '$__index__', '$__trunc__']) {
      const f = x[m];
      if (typeof f === 'function') return invoke(f, x, []);
    }
  }
  raiseError('TypeError', `int() argument must be a string, a bytes-like object or a real number, not '${typeOf(x).pyName}'`);
}

const FLOAT_RE = /^[+-]?(?:(?:\d(?:_?\d)*)?\.?\d(?:_?\d)*(?:[eE][+-]?\d(?:_?\d)*)?|\d(?:_?\d)*\.(?:[eE][+-]?\d(?:_?\d)*)?)$/;

export function toFloat(x: any): number | PyFloat {
  if (typeof x === 'number') return mkfloat(x + 0);
  if (x instanceof PyFloat) return x;
  if (typeof x === 'bigint') return mkfloat(intToFloat(x));
  if (typeof x === 'boolean') return mkfloat(x ? 1 : 0);
  if (typeof x === 'string') {
    const s = x.trim().toLowerCase();
    const m = s.match(/^([+-]?)(inf|infinity|nan)$/);
    if (m) return s.includes('n') && s.includes('a') ? NaN : m[1] === '-' ? -Infinity : Infinity;
    if (!FLOAT_RE.test(s)) raiseError('ValueError', `could not convert string to float: ${repr(x)}`);
    return mkfloat(parseFloat(s.replace(/_/g, '')));
  }
  if (x !== null && typeof x === 'object') {
    const f = x.$__float__ ?? x.$__index__;
    if (typeof f === 'function') return toFloat(invoke(f, x, []));
  }
  raiseError('TypeError', `float() argument must be a string or a real number, not '${typeOf(x).pyName}'`);
}

export function floatValue(x: any): number {
  const f = toFloat(x);
  return typeof f === 'number' ? f : f.v;
}

/** A real number's float value for math functions; TypeError otherwise. */
export function realArg(x: any, fname: string): number {
  if (typeof x === 'number') return x;
  if (x instanceof PyFloat) return x.v;
  if (typeof x === 'bigint') return intToFloat(x);
  if (typeof x === 'boolean') return x ? 1 : 0;
  if (x !== null && typeof x === 'object' && typeof x.$__float__ === 'function') return floatValue(invoke(x.$__float__, x, []));
  raiseError('TypeError', `must be real number, not ${typeOf(x).pyName}`);
  void fname;
}

function toBool(x: unknown): boolean { return ops.truthy(x); }

// ---------------------------------------------------------------------------------------------
// Iteration helpers available to compiled code and builtins

/** next() on any iterator. Throws StopIteration (or returns dflt) at the end. */
export function next(it: any, dflt?: unknown): unknown {
  if (it !== null && typeof it === 'object') {
    if (typeof it.next === 'function' && !(typeof it.$__next__ === 'function' && !isJsIter(it))) {
      const r = it.next();
      if (r.done) {
        if (dflt !== undefined) return dflt;
        const e = newError('StopIteration');
        if (r.value !== undefined && r.value !== null) e.$args = tuple([r.value]);
        throw e;
      }
      return r.value;
    }
    const f = it.$__next__;
    if (typeof f === 'function') {
      if (dflt === undefined) return invoke(f, it, []);
      try { return invoke(f, it, []); } catch (e) {
        if (isinstance(e, types.StopIteration)) return dflt;
        throw e;
      }
    }
  }
  raiseError('TypeError', `'${typeOf(it).pyName}' object is not an iterator`);
}

function isJsIter(it: any): boolean { return typeof it[Symbol.iterator] === 'function'; }

/** iter(x): a Python iterator object (JS iterators serve as Python iterators). */
export function pyIter(x: any, sentinel?: unknown): any {
  if (sentinel !== undefined) {
    return (function* () {
      for (;;) { const v = call(x, []); if (ops.eq(v, sentinel)) return; yield v; }
    })();
  }
  if (x !== null && typeof x === 'object' && typeof x.$__iter__ === 'function' && !(x instanceof PyDict && typeOf(x).builtin)) {
    const it = invoke(x.$__iter__, x, []);
    return it;
  }
  const it = ops.iter(x) as any;
  return it[Symbol.iterator]();
}

// ---------------------------------------------------------------------------------------------
// Builtin functions

export let output = '';

function print(...args: unknown[]): null {
  const { pos, kw } = kwOf(args);
  let sep = ' ', end = '\n', file: any = null;
  if (kw) {
    for (let i = 0; i < kw.names.length; i++) {
      const n = kw.names[i], v = kw.values[i];
      if (n === 'sep') { if (v !== null) { if (typeof v !== 'string') raiseError('TypeError', `sep must be None or a string, not ${typeOf(v).pyName}`); sep = v; } }
      else if (n === 'end') { if (v !== null) { if (typeof v !== 'string') raiseError('TypeError', `end must be None or a string, not ${typeOf(v).pyName}`); end = v; } }
      else if (n === 'file') file = v;
      else if (n === 'flush') { /* output is flushed by the host */ }
      else raiseError('TypeError', `'${n}' is an invalid keyword argument for print()`);
    }
  }
  let s = '';
  for (let i = 0; i < pos.length; i++) {
    if (i > 0) s += sep;
    const v = pos[i];
    s += typeof v === 'string' ? v : str(v);
  }
  s += end;
  if (file !== null && file !== undefined) {
    const w = getattr(file, 'write');
    call(w, [s]);
  } else host.write(s);
  return null;
}
bi('print', print);

function len(x: unknown): number { return ops.len(x); }

function range(...args: unknown[]): PyRange {
  const n = args.length;
  if (n === 1) return new PyRange(0, ops.rangeInt(args[0]), 1);
  if (n === 2) return new PyRange(ops.rangeInt(args[0]), ops.rangeInt(args[1]), 1);
  if (n === 3) return new PyRange(ops.rangeInt(args[0]), ops.rangeInt(args[1]), ops.rangeInt(args[2]));
  if (n === 0) raiseError('TypeError', 'range expected at least 1 argument, got 0');
  raiseError('TypeError', `range expected at most 3 arguments, got ${n}`);
}

function abs(x: any): unknown {
  if (typeof x === 'number') return Math.abs(x);
  if (x instanceof PyFloat) return new PyFloat(Math.abs(x.v));
  if (typeof x === 'bigint') return x < 0n ? -x : x;
  if (typeof x === 'boolean') return x ? 1 : 0;
  if (x instanceof PyComplex) return mkfloat(Math.hypot(x.re, x.im));
  const f = x?.$__abs__;
  if (typeof f === 'function') return invoke(f, x, []);
  raiseError('TypeError', `bad operand type for abs(): '${typeOf(x).pyName}'`);
}

function minmax(name: string, less: (a: unknown, b: unknown) => boolean, args: unknown[]): unknown {
  const { pos, kw } = kwOf(args);
  let key: unknown = null, dflt: unknown = undefined;
  if (kw) for (let i = 0; i < kw.names.length; i++) {
    if (kw.names[i] === 'key') key = kw.values[i];
    else if (kw.names[i] === 'default') dflt = kw.values[i];
    else raiseError('TypeError', `'${kw.names[i]}' is an invalid keyword argument for ${name}()`);
  }
  if (pos.length === 0) raiseError('TypeError', `${name} expected at least 1 argument, got 0`);
  const items = pos.length === 1 ? ops.iter(pos[0]) : pos;
  if (pos.length > 1 && dflt !== undefined) raiseError('TypeError', `Cannot specify a default for ${name}() with multiple positional arguments`);
  let best: unknown = undefined, bestKey: unknown = undefined, first = true;
  for (const x of items) {
    const k = key === null ? x : call(key, [x]);
    if (first || less(k, bestKey)) { best = x; bestKey = k; first = false; }
  }
  if (first) {
    if (dflt !== undefined) return dflt;
    raiseError('ValueError', `${name}() iterable argument is empty`);
  }
  return best;
}

function sum(...args: unknown[]): unknown {
  const { pos, kw } = kwOf(args);
  let start: unknown = pos.length > 1 ? pos[1] : 0;
  if (kw) { const s = kw.get('start'); if (s !== undefined) start = s; }
  if (typeof start === 'string') raiseError('TypeError', "sum() can't sum strings [use ''.join(seq) instead]");
  let acc: any = start;
  const it = pos[0];
  const src = Array.isArray(it) ? it : ops.iter(it);
  if (typeof acc === 'number' && Number.isInteger(acc)) {
    // int sums: a JS number takes items while the partial sum stays safe, and is carried into
    // a bigint only when it would not (once per many items of a large sum, not a bigint
    // allocation per item); no per-item dispatch
    let small = acc, big: bigint | null = null;
    const iterator = (src as Iterable<unknown>)[Symbol.iterator]();
    for (let r = iterator.next(); !r.done; r = iterator.next()) {
      const x = r.value;
      if (typeof x === 'number' && Number.isInteger(x)) {
        const s2 = small + x;
        if (s2 <= MAX_SAFE && s2 >= -MAX_SAFE) { small = s2; continue; }
        big = (big ?? 0n) + BigInt(small);
        if (x <= MAX_SAFE && x >= -MAX_SAFE) small = x;
        else { big += BigInt(x); small = 0; }
        continue;
      }
      if (typeof x === 'bigint') { big = (big ?? 0n) + x; continue; }
      // anything else: continue with the general operator from here
      acc = ops.add(big === null ? small : mkint(big + BigInt(small)), x);
      for (let r2 = iterator.next(); !r2.done; r2 = iterator.next()) acc = ops.add(acc, r2.value);
      return acc;
    }
    return big === null ? small : mkint(big + BigInt(small));
  }
  for (const x of src as Iterable<unknown>) acc = ops.add(acc, x);
  return acc;
}

/** Python round(): half to even; with ndigits, correctly rounded through decimal formatting. */
function round(x: any, nd?: any): unknown {
  if (x !== null && typeof x === 'object' && !(x instanceof PyFloat) && typeof x.$__round__ === 'function') {
    return invoke(x.$__round__, x, nd === undefined ? [] : [nd]);
  }
  if (typeof x !== 'number' && typeof x !== 'bigint' && typeof x !== 'boolean' && !(x instanceof PyFloat)) {
    raiseError('TypeError', `type ${typeOf(x).pyName} doesn't define __round__ method`);
  }
  if (nd === undefined || nd === null) {
    if (isInt(x) || typeof x === 'boolean') return toInt(x);
    const f = floatValue(x);
    if (Number.isNaN(f)) raiseError('ValueError', 'cannot convert float NaN to integer');
    if (!Number.isFinite(f)) raiseError('OverflowError', 'cannot convert float infinity to integer');
    let r = Math.round(f);
    if (Math.abs(f % 1) === 0.5) r = 2 * Math.round(f / 2);
    return Math.abs(r) <= MAX_SAFE ? r + 0 : mkint(BigInt(r));
  }
  const n = Number(ops.rangeArg(nd));
  if (isInt(x) || typeof x === 'boolean') {
    if (n >= 0) return toInt(x);
    const v = toBig(toInt(x) as any), p = 10n ** BigInt(-n);
    let q = v / p, r = v % p;
    if (r < 0n) { q -= 1n; r += p; }
    const twice = 2n * r;
    if (twice > p || (twice === p && (q & 1n) === 1n)) q += 1n;
    return mkint(q * p);
  }
  const f = floatValue(x);
  if (!Number.isFinite(f)) return mkfloat(f);
  if (n >= 0) {
    if (n > 300) return mkfloat(f);
    return mkfloat(parseFloat(formatValue(f, `.${n}f`)));
  }
  const p = 10 ** -n;
  const q = f / p;
  let r = Math.round(q);
  if (Math.abs(q % 1) === 0.5) r = 2 * Math.round(q / 2);
  return mkfloat(r * p);
}

function divmod(a: unknown, b: unknown): PyTuple {
  if ((a !== null && typeof a === 'object' && !(a instanceof PyFloat)) || (b !== null && typeof b === 'object' && !(b instanceof PyFloat))) {
    const f = (a as any)?.$__divmod__;
    if (typeof f === 'function') return invoke(f, a, [b]);
  }
  // CPython names divmod in its float error (int operands keep "integer division or modulo")
  const isF = (x: unknown) => (typeof x === 'number' && !Number.isInteger(x)) || x instanceof PyFloat;
  if ((isF(a) || isF(b)) && (b === 0 || b === false || (b instanceof PyFloat && b.v === 0)) && (typeof a === 'number' || typeof a === 'bigint' || typeof a === 'boolean' || a instanceof PyFloat)) {
    raiseError('ZeroDivisionError', 'float divmod()');
  }
  return tuple([ops.floordiv(a, b), ops.mod(a, b)]);
}

function sorted(...args: unknown[]): unknown[] {
  const { pos, kw } = kwOf(args);
  argCount('sorted', pos, 1, 1);
  const out = ops.toArray(pos[0]);
  sortList(out, kw?.get('key') ?? null, toBool(kw?.get('reverse') ?? false));
  return out;
}

/** list.sort: stable, with key and reverse, comparing with Python's `<`. */
export function sortList(a: unknown[], key: unknown, reverse: boolean): void {
  const keys = key === null || key === undefined ? a : a.map(x => call(key, [x]));
  let allNum = true, allStr = true;
  for (const k of keys) {
    if (typeof k !== 'number' || Number.isNaN(k)) allNum = false;
    if (typeof k !== 'string') allStr = false;
  }
  const idxs = a.map((_, i) => i);
  let cmp: (i: number, j: number) => number;
  if (allNum) cmp = (i, j) => (keys[i] as number) - (keys[j] as number);
  else if (allStr) cmp = (i, j) => { const x = keys[i] as string, y = keys[j] as string; return x < y ? -1 : x > y ? 1 : 0; };
  else cmp = (i, j) => ops.lt(keys[i], keys[j]) ? -1 : ops.lt(keys[j], keys[i]) ? 1 : 0;
  // reverse keeps stability: equal elements stay in their original order
  idxs.sort(reverse ? (i, j) => cmp(j, i) || i - j : (i, j) => cmp(i, j) || i - j);
  const copy = a.slice();
  for (let i = 0; i < idxs.length; i++) a[i] = copy[idxs[i]!];
}

function* enumerateGen(it: unknown, start: any): Generator<PyTuple> {
  let i = start;
  for (const x of ops.iter(it)) { yield new PyTuple([i, x]); i = ops.add(i, 1); }
}
function enumerate(...args: unknown[]): Generator<PyTuple> {
  const { pos, kw } = kwOf(args);
  const start = pos.length > 1 ? pos[1] : kw?.get('start') ?? 0;
  argCount('enumerate', pos, 1, 2);
  return enumerateGen(pos[0], start);
}

function zip(...args: unknown[]): Generator<PyTuple> {
  const { pos, kw } = kwOf(args);
  const strict = toBool(kw?.get('strict') ?? false);
  const its = pos.map(p => (ops.iter(p) as any)[Symbol.iterator]());
  return (function* () {
    if (its.length === 0) return;
    for (;;) {
      const items: unknown[] = [];
      for (let i = 0; i < its.length; i++) {
        const r = its[i].next();
        if (r.done) {
          if (strict && (i > 0 || its.slice(1).some((o: any) => !o.next().done))) {
            raiseError('ValueError', i > 0 ? `zip() argument ${i + 1} is shorter than argument${i > 1 ? 's 1-' + i : ' 1'}` : `zip() argument 2 is longer than argument 1`);
          }
          return;
        }
        items.push(r.value);
      }
      yield new PyTuple(items);
    }
  })();
}

function map(f: unknown, ...iterables: unknown[]): Generator<unknown> {
  if (iterables.length === 0) raiseError('TypeError', 'map() must have at least two arguments.');
  if (iterables.length === 1) {
    const src = ops.iter(iterables[0]);
    return (function* () { for (const x of src) yield call(f, [x]); })();
  }
  const its = iterables.map(p => (ops.iter(p) as any)[Symbol.iterator]());
  return (function* () {
    for (;;) {
      const items: unknown[] = [];
      for (const it of its) { const r = it.next(); if (r.done) return; items.push(r.value); }
      yield call(f, items);
    }
  })();
}

function filter(f: unknown, it: unknown): Generator<unknown> {
  const src = ops.iter(it);
  return (function* () {
    for (const x of src) if (f === null ? ops.truthy(x) : ops.truthy(call(f, [x]))) yield x;
  })();
}

function reversed(x: any): Iterable<unknown> {
  if (Array.isArray(x)) return (function* () { for (let i = x.length - 1; i >= 0; i--) { if (i < x.length) yield x[i]; } })();
  if (x instanceof PyTuple) return x.items.slice().reverse()[Symbol.iterator]() as any;
  if (typeof x === 'string') return Array.from(x).reverse()[Symbol.iterator]() as any;
  if (x instanceof PyRange) return x.reversed() as any;
  if (x instanceof PyDict) return Array.from(x.table.keys()).reverse()[Symbol.iterator]() as any;
  if (x !== null && typeof x === 'object') {
    if (typeof x.$__reversed__ === 'function') return invoke(x.$__reversed__, x, []);
    if (typeof x.$__len__ === 'function' && typeof x.$__getitem__ === 'function') {
      const n = ops.len(x);
      return (function* () { for (let i = n - 1; i >= 0; i--) yield ops.getitem(x, i); })();
    }
  }
  const mr = ops.metaDunder(x, '$__reversed__');
  if (mr) return ops.iter(invoke(mr, x, [])) as Iterable<unknown>;
  raiseError('TypeError', `'${typeOf(x).pyName}' object is not reversible`);
}

function any_(it: unknown): boolean { for (const x of ops.iter(it)) if (ops.truthy(x)) return true; return false; }
function all_(it: unknown): boolean { for (const x of ops.iter(it)) if (!ops.truthy(x)) return false; return true; }

function chr(i: unknown): string {
  const n = ops.rangeArg(i);
  if (n < 0 || n > 0x10ffff) raiseError('ValueError', 'chr() arg not in range(0x110000)');
  return String.fromCodePoint(n);
}
function ord(c: any): number {
  if (typeof c === 'string') {
    const cp = c.codePointAt(0);
    if (cp === undefined || c.length !== (cp > 0xffff ? 2 : 1)) raiseError('TypeError', `ord() expected a character, but string of length ${ops.len(c)} found`);
    return cp;
  }
  if (c instanceof PyBytes && c.data.length === 1) return c.data[0]!;
  raiseError('TypeError', `ord() expected string of length 1, but ${typeOf(c).pyName} found`);
}

function intBase(x: unknown, base: number, prefix: string): string {
  const v = toBig(indexInt(x));
  return (v < 0n ? '-' : '') + prefix + (v < 0n ? -v : v).toString(base);
}
function indexInt(x: any): number | bigint {
  if (isInt(x)) return x as number | bigint;
  if (typeof x === 'boolean') return x ? 1 : 0;
  if (x !== null && typeof x === 'object' && typeof x.$__index__ === 'function') return invoke(x.$__index__, x, []);
  raiseError('TypeError', `'${typeOf(x).pyName}' object cannot be interpreted as an integer`);
}

function callable(x: any): boolean {
  if (typeof x === 'function') return true;
  return x !== null && typeof x === 'object' && typeof x.$__call__ === 'function';
}

function id(x: any): number {
  if (x !== null && (typeof x === 'object' || typeof x === 'function')) return objectId(unproxy(x));
  if (typeof x === 'number') return 0x100000 + (x | 0);
  if (typeof x === 'string') return Number(ops.hash(x)) >>> 0;
  return x === null ? 1 : x === true ? 2 : x === false ? 3 : 4;
}

function input(prompt?: unknown): string {
  if (prompt !== undefined) host.write(str(prompt));
  const line = host.readLine(prompt === undefined ? '' : str(prompt));
  if (line === null) raiseError('EOFError', 'EOF when reading a line');
  return line;
}

function format(x: unknown, spec?: unknown): string {
  if (spec !== undefined && typeof spec !== 'string') raiseError('TypeError', `format() argument 2 must be str, not ${typeOf(spec).pyName}`);
  return formatValue(x, (spec as string | undefined) ?? '');
}

function getattrB(o: unknown, name: unknown, dflt?: unknown): unknown {
  if (typeof name !== 'string') raiseError('TypeError', `attribute name must be string, not '${typeOf(name).pyName}'`);
  if (dflt === undefined) return getattr(o, name);
  const v = getattrOr(o, name);
  return v === undefined ? dflt : v;
}

function dir(o?: any): unknown[] {
  const names = new Set<string>();
  if (o === undefined) return [];
  let p = typeof o === 'function' && o.isClass ? o.prototype : o;
  while (p && p !== Object.prototype && p !== Function.prototype) {
    for (const k of Object.getOwnPropertyNames(p)) if (k.charCodeAt(0) === 36) names.add(k.slice(1));
    p = Object.getPrototypeOf(p);
  }
  return Array.from(names).sort();
}

function vars(o?: any): unknown {
  if (o === undefined) raiseError('TypeError', 'vars() without arguments is not supported');
  if (typeof o === 'function' && o.isClass) return getattr(o, '__dict__');
  if (o !== null && typeof o === 'object' && !typeOf(o).builtin) return instanceDict(o);
  raiseError('TypeError', 'vars() argument must have __dict__ attribute');
}

// Global named events (XLang): on("name", handler), fire("name", args...).
const globalEvents = new Map<string, any>();
function on(name: unknown, handler: unknown): null {
  if (typeof name !== 'string') raiseError('TypeError', 'event name must be a str');
  let ev = globalEvents.get(name);
  if (!ev) { ev = makeEvent(name); globalEvents.set(name, ev); }
  ev.handlers.push(handler);
  return null;
}
function fire(name: unknown, ...args: unknown[]): null {
  if (typeof name !== 'string') raiseError('TypeError', 'event name must be a str');
  const ev = globalEvents.get(name);
  if (ev) ev(...args);
  return null;
}
function off(name: unknown, handler?: unknown): null {
  const ev = globalEvents.get(name as string);
  if (!ev) return null;
  if (handler === undefined) ev.handlers.length = 0;
  else ops.iop('-', ev, handler);
  return null;
}

function sleep(ms: unknown): null {
  const n = floatValue(ms);
  if (n < 0) raiseError('ValueError', 'sleep length must be non-negative');
  host.sleep(n);
  return null;
}

function superB(...args: unknown[]): any {
  if (args.length !== 2) raiseError('RuntimeError', 'super(): no arguments');
  return new PySuper(args[0] as PyClass, args[1]);
}
export class PySuper { constructor(readonly cls: PyClass, readonly self: unknown) {} }
attrFallbacks.push((o, name) => (o instanceof PySuper ? superGet(o.cls, o.self, name) : undefined));
// XLang: dict string keys read as attributes when no method has that name.
attrFallbacks.push((o, name) => (o instanceof PyDict && o.has(name) ? o.get(name) : undefined));

/** Zero-argument super() inside a method of `cls` whose instance (or class) is `self`. */
export function superOf(cls: PyClass | undefined, self: unknown): PySuper {
  if (cls === undefined || self === undefined) raiseError('RuntimeError', 'super(): no arguments');
  return new PySuper(cls, self);
}

// ---------------------------------------------------------------------------------------------
// Type objects

function typeCall(...args: unknown[]): unknown {
  const { pos } = splitKw(args);
  if (pos.length === 1) return typeOf(pos[0]);
  if (pos.length === 3) {
    const [name, bases, ns] = pos as [string, PyTuple, PyDict];
    const obj: any = Object.create(null);
    for (const [k, v] of ns.table.entries()) obj['$' + (k as string)] = v;
    return makeClass(name, bases.items as PyClass[], obj);
  }
  raiseError('TypeError', 'type() takes 1 or 3 arguments');
}

function setArgs(pos: unknown[]): Iterable<unknown> {
  // XLang: set(1, 2, 3) builds from its arguments; set(iterable) keeps Python's meaning.
  if (pos.length === 1) {
    const a: any = pos[0];
    const iterable = typeof a === 'string' || (a !== null && typeof a === 'object' && (typeof a[Symbol.iterator] === 'function' || typeof a.$__iter__ === 'function'));
    return iterable ? ops.iter(a) : [a];
  }
  return pos;
}

export function bytesFrom(x: any, encoding?: unknown): Uint8Array {
  if (x === undefined) return new Uint8Array(0);
  if (typeof x === 'string') {
    if (encoding === undefined) raiseError('TypeError', 'string argument without an encoding');
    return new TextEncoder().encode(x);
  }
  if (typeof x === 'number' && Number.isInteger(x)) return new Uint8Array(nonNeg(x, 'negative count'));
  if (x instanceof PyBytes) return x.data.slice();
  const arr = ops.toArray(x).map(v => {
    const n = typeof v === 'number' ? v : Number(indexInt(v));
    if (n < 0 || n > 255) raiseError('ValueError', 'bytes must be in range(0, 256)');
    return n;
  });
  return Uint8Array.from(arr);
}

function notCallableNew(name: string): never { raiseError('TypeError', `cannot create '${name}' instances`); }

export function initBuiltinTypes(): void {
  const objProto: any = Object.create(Object.prototype);
  const object = builtinType('object', objProto, function object(...args: unknown[]) {
    const { pos } = splitKw(args);
    if (pos.length) raiseError('TypeError', 'object() takes no arguments');
    return Object.create(objProto);
  });
  void object;
  defMethods(objProto, {
    __init__() { return null; },
    __repr__(this: any) { return reprObject(this); },
    __str__(this: any) { return repr(this); },
    __eq__(this: any, other: unknown) { return this === other ? true : ops.NotImplemented; },
    __ne__(this: any, other: unknown) { return this === other ? false : ops.NotImplemented; },
    __hash__(this: any) { return objectId(unproxy(this)); },
    __format__(this: any, spec: string) {
      if (spec !== '') raiseError('TypeError', `unsupported format string passed to ${typeOf(this).pyName}.__format__`);
      return str(this);
    },
    __setattr__(this: any, name: string, v: unknown) { unproxy(this)['$' + name] = v; return null; },
    __getattribute__(this: any, name: string) { return getattr(unproxy(this), name); },
    __delattr__(this: any, name: string) { delete unproxy(this)['$' + name]; return null; },
    __dir__(this: any) { return dir(this); },
    __sizeof__() { return 16; },
    __reduce__(this: any) { return tuple([typeOf(this), EMPTY_TUPLE]); },
  });
  // object.__new__(cls) makes a bare instance (for user __new__ implementations)
  const newFn: any = function (cls: any) {
    if (!(typeof cls === 'function' && cls.isClass)) raiseError('TypeError', 'object.__new__(X): X is not a type object');
    return cls.nativeNew ? cls.nativeNew(cls, []) : new cls.Inst();
  };
  newFn.pyName = '__new__';
  Object.defineProperty(objProto, '$__new__', { value: Object.assign(function (this: any, ...a: unknown[]) { return newFn(...a); }, { staticOf: newFn, kw: true }), writable: true });
  const initSub: any = function () { return null; };
  initSub.pyName = '__init_subclass__';
  Object.defineProperty(objProto, '$__init_subclass__', { value: Object.assign(function () { return null; }, { classOf: initSub }), writable: true });

  const typeProto: any = Object.create(objProto);
  builtinType('type', typeProto, typeCall, [types.object!]);
  defMethods(typeProto, {
    mro(this: any) { return this.mro.slice(); },
    __subclasses__() { return []; },
    // what super().__call__(...) in a metaclass's __call__ reaches: the instance, made as usual
    __call__(this: any, ...args: unknown[]) { return construct(this, args); },
  }, ['__call__']);
  // type.__new__(mcs, name, bases, ns): the class itself (a metaclass's __new__ calls it through super())
  const typeNew: any = function (mcs: any, name: unknown, bases: unknown, ns: unknown, kw?: unknown) {
    if (!(typeof mcs === 'function' && mcs.isClass && (mcs === types.type || mcs.mro.includes(types.type)))) {
      raiseError('TypeError', `type.__new__(X): X is not a subtype of type`);
    }
    if (typeof name !== 'string' || !(bases instanceof PyTuple) || !(ns instanceof PyDict)) raiseError('TypeError', 'type.__new__() argument 1 must be str, 2 a tuple and 3 a dict');
    const obj: any = Object.create(null);
    let module: string | undefined, qualname: string | undefined;
    for (const [k, v] of ns.table.entries()) {
      if (typeof k !== 'string') raiseError('TypeError', 'a class namespace\'s keys must be str');
      if (k === '__module__' && typeof v === 'string') module = v;
      else if (k === '__qualname__' && typeof v === 'string') qualname = v;
      obj['$' + k] = v;
    }
    // keywords given on to type.__new__ go to __init_subclass__
    const keywords: [string[], unknown[]] | undefined = kw instanceof KwArgs ? [kw.names, kw.values] : undefined;
    return makeClass(name, bases.items as PyClass[], obj, { module, qualname, metaclass: mcs === types.type ? undefined : mcs, created: true, keywords });
  };
  typeNew.pyName = '__new__';
  typeNew.kw = true;
  Object.defineProperty(typeProto, '$__new__', { value: Object.assign(function (this: any, ...a: unknown[]) { return typeNew(...a); }, { staticOf: typeNew, kw: true }), writable: true });

  const intT = builtinType('int', Number.prototype, function int(...args: unknown[]) {
    const { pos, kw } = splitKw(args);
    const base = kw?.get('base') ?? pos[1];
    return pos.length === 0 ? 0 : toInt(pos[0], base);
  });
  builtinType('bool', Boolean.prototype, function bool(x?: unknown) { return x === undefined ? false : toBool(x); }, [intT]);
  builtinType('float', PyFloat.prototype, function float(x?: unknown) { return x === undefined ? new PyFloat(0) : toFloat(x); });
  builtinType('complex', PyComplex.prototype, function complex(re?: any, im?: any) {
    if (typeof re === 'string') return parseComplex(re);
    const r = re === undefined ? 0 : re instanceof PyComplex ? re : floatValue(re);
    const i = im === undefined ? 0 : im instanceof PyComplex ? im : floatValue(im);
    const rr = r instanceof PyComplex ? r : new PyComplex(r, 0), ii = i instanceof PyComplex ? i : new PyComplex(i, 0);
    return new PyComplex(rr.re - ii.im, rr.im + ii.re);
  });
  builtinType('str', String.prototype, function str_(...args: unknown[]) {
    if (args.length === 1) { const x = args[0]; if (typeof x === 'string') return x; if (typeof x === 'number' && Number.isInteger(x)) return String(x); }
    const { pos, kw } = splitKw(args);
    if (pos.length === 0) return '';
    const enc = pos[1] ?? kw?.get('encoding');
    if (pos[0] instanceof PyBytes && enc !== undefined) return new TextDecoder('utf-8', { fatal: true }).decode((pos[0] as PyBytes).data);
    return str(pos[0]);
  });
  const listProto = Array.prototype as any;
  builtinType('list', listProto, function list(x?: unknown) { return x === undefined ? [] : ops.toArray(x); }, [], {
    nativeNew: listNew,
  });
  builtinType('tuple', PyTuple.prototype, function tuple_(x?: unknown) { return x === undefined ? EMPTY_TUPLE : x instanceof PyTuple && Object.getPrototypeOf(x) === PyTuple.prototype ? x : tuple(ops.toArray(x)); }, [], {
    nativeNew: (cls) => { const t: any = new PyTuple([]); Object.setPrototypeOf(t, cls.prototype); return t; },
  });
  // tuple.__new__(cls, iterable=()): a subclass's instance is a PyTuple with the subclass's
  // prototype, its items fixed at creation (so a subclass __new__ calls super().__new__(cls, xs))
  const tupleNew: any = function (cls: any, ...a: unknown[]) {
    if (!(typeof cls === 'function' && cls.isClass)) raiseError('TypeError', 'tuple.__new__(X): X is not a type object');
    const pos = initArgs(a, 'tuple');
    if (pos.length > 1) raiseError('TypeError', `tuple expected at most 1 argument, got ${pos.length}`);
    const items = pos.length ? ops.toArray(pos[0]) : [];
    if (cls === types.tuple) return tuple(items);
    const t: any = new PyTuple(items);
    Object.setPrototypeOf(t, cls.prototype);
    return t;
  };
  tupleNew.pyName = '__new__';
  Object.defineProperty(PyTuple.prototype, '$__new__', { value: Object.assign(function (...a: unknown[]) { return tupleNew(...a); }, { staticOf: tupleNew, kw: true }), writable: true });
  builtinType('dict', PyDict.prototype, function dict(...args: unknown[]) {
    const d = new PyDict();
    dictInit(d, args);
    return d;
  }, [], {
    nativeNew: (cls) => { const d: any = new PyDict(); Object.setPrototypeOf(d, cls.prototype); return d; },
  });
  builtinType('set', PySet.prototype, function set(...args: unknown[]) { return PySet.of(setArgs(splitKw(args).pos)); }, [], {
    nativeNew: (cls) => { const s: any = new PySet(); Object.setPrototypeOf(s, cls.prototype); return s; },
  });
  builtinType('frozenset', PyFrozenSet.prototype, function frozenset(x?: unknown) { return PySet.of(x === undefined ? [] : ops.iter(x), true); });
  builtinType('bytes', PyBytes.prototype, function bytes(x?: any, enc?: unknown) { return new PyBytes(bytesFrom(x, enc)); });
  builtinType('bytearray', PyByteArray.prototype, function bytearray(x?: any, enc?: unknown) { return new PyByteArray(bytesFrom(x, enc)); }, [types.object!]);
  builtinType('range', PyRange.prototype, range);
  builtinType('slice', PySlice.prototype, function slice_(...a: unknown[]) { return a.length === 1 ? new PySlice(null, a[0], null) : new PySlice(a[0] ?? null, a[1] ?? null, a[2] ?? null); });
  const noneProto = Object.create(objProto);
  builtinType('NoneType', noneProto, function NoneType() { return null; });
  builtinType('function', Function.prototype, () => notCallableNew('function'));
  builtinType('builtin_function_or_method', Object.create(objProto), () => notCallableNew('builtin_function_or_method'));
  builtinType('method', Object.create(objProto), () => notCallableNew('method'));
  builtinType('event', Object.create(objProto), () => makeEvent('event'));
  const genProto = Object.getPrototypeOf(function* () { /* */ }).prototype;
  builtinType('generator', Object.getPrototypeOf(genProto), () => notCallableNew('generator'));
  builtinType('range_iterator', RangeIterator.prototype, () => notCallableNew('range_iterator'));
  builtinType('property', PyProperty.prototype, function property(fget?: unknown, fset?: unknown, fdel?: unknown, doc?: unknown) {
    return new PyProperty(fget ?? null, fset ?? null, fdel ?? null, doc ?? null);
  });
  builtinType('staticmethod', StaticMethod.prototype, function staticmethod(f: unknown) { return new StaticMethod(f); });
  builtinType('classmethod', ClassMethod.prototype, function classmethod(f: unknown) { return new ClassMethod(f); });
  builtinType('super', PySuper.prototype, superB);
  for (const t of ['int', 'bool', 'float', 'complex', 'str', 'list', 'tuple', 'dict', 'set', 'frozenset', 'bytes', 'range', 'slice', 'NoneType', 'function', 'type']) {
    (types[t] as any).builtin = true;
  }
  installMethods();
}

function parseComplex(s: string): PyComplex {
  const t = s.trim().replace(/^\((.*)\)$/, '$1');
  const m = t.match(/^([+-]?(?:\d+\.?\d*(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?|inf|nan))?(?:([+-](?:\d+\.?\d*(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?|inf|nan)?)j)?$/i);
  if (!m || (!m[1] && m[2] === undefined)) {
    const only = t.match(/^([+-]?(?:\d+\.?\d*(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?)?)j$/i);
    if (only) return new PyComplex(0, only[1] === '' || only[1] === '+' ? 1 : only[1] === '-' ? -1 : parseFloat(only[1]!));
    raiseError('ValueError', 'complex() arg is a malformed string');
  }
  const re = m[1] ? parseFloat(m[1]) : 0;
  const im = m[2] === undefined ? 0 : m[2] === '+' ? 1 : m[2] === '-' ? -1 : parseFloat(m[2]);
  return new PyComplex(re, im);
}

/**
 * The dunders a list subclass may override that the runtime's list fast paths (Array.isArray:
 * getitem, len, iter, eq, ...) would skip. A subclass overriding one gets list-like instances.
 */
const LIST_PROTOCOL = ['__getitem__', '__setitem__', '__delitem__', '__len__', '__iter__', '__contains__', '__reversed__', '__bool__',
  '__eq__', '__ne__', '__lt__', '__le__', '__gt__', '__ge__', '__add__', '__radd__', '__iadd__', '__mul__', '__rmul__', '__imul__'].map(d => '$' + d);

/**
 * list.__new__ for a subclass: a JS array with the subclass's prototype, so its items are the
 * array's and every list fast path applies; or, when the subclass overrides a dunder of
 * LIST_PROTOCOL, an ordinary object with `length` and indexed items (a list-like) whose
 * prototype chain still reaches Array.prototype: list methods (generic over array-likes) work on
 * it, isinstance(x, list) holds, and the runtime, not seeing an array, calls its dunders.
 */
function listNew(cls: any): any {
  let like: boolean = Object.prototype.hasOwnProperty.call(cls, 'listLike') ? cls.listLike : undefined as any;
  if (like === undefined) {
    const p = cls.prototype, ap = Array.prototype as any;
    like = LIST_PROTOCOL.some(k => p[k] !== ap[k]);
    Object.defineProperty(cls, 'listLike', { value: like });
  }
  if (like) {
    const o: any = Object.create(cls.prototype);
    Object.defineProperty(o, 'length', { value: 0, writable: true });
    return o;
  }
  const a: any = [];
  Object.setPrototypeOf(a, cls.prototype);
  return a;
}

/** Makes the list (or list-like) `o` hold exactly `items`. */
function listAssign(o: unknown[], items: unknown[]): void {
  const old = o.length;
  for (let i = 0; i < items.length; i++) o[i] = items[i];
  if (!Array.isArray(o)) for (let i = items.length; i < old; i++) delete o[i];
  o.length = items.length;
}

/** `list.__init__(x)` with an x that is not a list (Python's message for a descriptor). */
function descriptorError(name: string, type: string, self: unknown): never {
  raiseError('TypeError', `descriptor '${name}' requires a '${type}' object but received a '${typeOf(self).pyName}'`);
}

/** The positional arguments of a builtin's __init__ that takes no keywords. */
function initArgs(a: unknown[], type: string): unknown[] {
  const { pos, kw } = splitKw(a);
  noKw(type, kw);
  return pos;
}

function dictInit(d: PyDict, args: unknown[]): void {
  const { pos, kw } = splitKw(args);
  if (pos.length > 1) raiseError('TypeError', `dict expected at most 1 argument, got ${pos.length}`);
  if (pos.length === 1) dictUpdate(d, pos[0]);
  if (kw) for (let i = 0; i < kw.names.length; i++) d.set(kw.names[i], kw.values[i]);
}

function reprObject(x: any): string {
  const t = typeOf(x);
  const mod = t.module === 'builtins' ? '' : t.module + '.';
  return `<${mod}${t.qualname} object at 0x${(0x7f0000000000 + objectId(unproxy(x)) * 16).toString(16)}>`;
}

// ---------------------------------------------------------------------------------------------
// Methods of builtin types

function listIndex(a: unknown[], x: unknown, start?: unknown, stop?: unknown): number {
  const [s, e] = sliceIndices(a.length, start ?? null, stop ?? null, 1);
  for (let i = s; i < e; i++) if (a[i] === x || ops.eq(a[i], x)) return i;
  raiseError('ValueError', `${repr(x)} is not in list`);
}

function installMethods(): void {
  const listMethods: Record<string, (this: any, ...a: any[]) => unknown> = {
    // list.__new__ (nativeNew) makes an empty list; __init__ fills it, so a subclass without
    // its own __init__, or one calling super().__init__(items), gets its items as in Python
    __init__(this: unknown[], ...a: unknown[]) {
      if (!(this instanceof Array)) descriptorError('__init__', 'list', this);
      const pos = initArgs(a, 'list');
      if (pos.length > 1) raiseError('TypeError', `list expected at most 1 argument, got ${pos.length}`);
      listAssign(this, pos.length ? ops.toArray(pos[0]) : []);
      return null;
    },
    append(this: unknown[], x: unknown) { this.push(x); return null; },
    extend(this: unknown[], it: unknown) {
      if (Array.isArray(it)) { for (let i = 0, n = it.length; i < n; i++) this.push(it[i]); }
      else for (const x of ops.iter(it)) this.push(x);
      return null;
    },
    insert(this: unknown[], i: unknown, x: unknown) {
      let k = idx(i);
      const n = this.length;
      if (k < 0) { k += n; if (k < 0) k = 0; } else if (k > n) k = n;
      this.splice(k, 0, x);
      return null;
    },
    remove(this: unknown[], x: unknown) {
      for (let i = 0; i < this.length; i++) if (this[i] === x || ops.eq(this[i], x)) { this.splice(i, 1); return null; }
      raiseError('ValueError', 'list.remove(x): x not in list');
    },
    pop(this: unknown[], i?: unknown) {
      if (this.length === 0) raiseError('IndexError', 'pop from empty list');
      if (i === undefined) return this.pop();
      let k = idx(i);
      if (k < 0) k += this.length;
      if (k < 0 || k >= this.length) raiseError('IndexError', 'pop index out of range');
      if (k === 0) return this.shift();
      const v = this[k];
      for (let j = k + 1; j < this.length; j++) this[j - 1] = this[j];
      this.length--;
      return v;
    },
    clear(this: unknown[]) { this.length = 0; return null; },
    index(this: unknown[], x: unknown, start?: unknown, stop?: unknown) { return listIndex(this, x, start, stop); },
    count(this: unknown[], x: unknown) { let c = 0; for (const v of this) if (v === x || ops.eq(v, x)) c++; return c; },
    sort(this: unknown[], ...args: unknown[]) {
      const { pos, kw } = splitKw(args);
      if (pos.length) raiseError('TypeError', 'sort() takes no positional arguments');
      sortList(this, kw?.get('key') ?? null, toBool(kw?.get('reverse') ?? false));
      return null;
    },
    reverse(this: unknown[]) { this.reverse(); return null; },
    copy(this: unknown[]) { return this.slice(); },
    size(this: unknown[]) { return this.length; },
    lock() { return null; },
    unlock() { return null; },
    __len__(this: unknown[]) { return this.length; },
    // (on a list-like instance, listNew, these are what super().__getitem__(k) and the like reach)
    __getitem__(this: unknown[], k: unknown) {
      if (Array.isArray(this)) return ops.getitem(this, k);
      const o = this as unknown[];
      if (typeof k === 'number' && Number.isInteger(k)) {
        const n = o.length, i = k < 0 ? k + n : k;
        if (i < 0 || i >= n) raiseError('IndexError', 'list index out of range');
        return o[i];
      }
      return ops.getitem(Array.prototype.slice.call(o), k);
    },
    __setitem__(this: unknown[], k: unknown, v: unknown) {
      if (Array.isArray(this)) { ops.setitem(this, k, v); return null; }
      const a = Array.prototype.slice.call(this) as unknown[];
      ops.setitem(a, k, v);
      listAssign(this, a);
      return null;
    },
    __delitem__(this: unknown[], k: unknown) {
      if (Array.isArray(this)) { ops.delitem(this, k); return null; }
      const a = Array.prototype.slice.call(this) as unknown[];
      ops.delitem(a, k);
      listAssign(this, a);
      return null;
    },
    __contains__(this: unknown[], x: unknown) { return ops.contains(Array.from(this), x); },
    __iter__(this: unknown[]) { return Array.prototype[Symbol.iterator].call(this); },
    // (reversed() of a list takes its items, not its possibly overridden __len__/__getitem__)
    __reversed__(this: unknown[]) { return Array.from(this).reverse()[Symbol.iterator](); },
    __repr__(this: unknown[]) { return repr(Array.from(this)); },
    // (lists compare in ops.eq; these answer for a list-like instance, or a list against one)
    __eq__(this: unknown[], o: unknown) { return o instanceof Array ? ops.eq(Array.from(this), Array.from(o)) : ops.NotImplemented; },
    __ne__(this: unknown[], o: unknown) { return o instanceof Array ? !ops.eq(Array.from(this), Array.from(o)) : ops.NotImplemented; },
    __add__(this: unknown[], o: unknown) { return o instanceof Array ? Array.from(this).concat(Array.from(o)) : ops.NotImplemented; },
    __mul__(this: unknown[], n: unknown) { return typeof n === 'number' || typeof n === 'bigint' || typeof n === 'boolean' ? ops.mul(Array.from(this), n) : ops.NotImplemented; },
    __rmul__(this: unknown[], n: unknown) { return typeof n === 'number' || typeof n === 'bigint' || typeof n === 'boolean' ? ops.mul(Array.from(this), n) : ops.NotImplemented; },
    __iadd__(this: unknown[], o: unknown) { const a = Array.from(this); ops.iop('+', a, o); listAssign(this, a); return this; },
    __imul__(this: unknown[], n: unknown) { const a = Array.from(this); ops.iop('*', a, n); listAssign(this, a); return this; },
  };
  defMethods(Array.prototype, listMethods, ['sort', '__init__']);

  defMethods(PyTuple.prototype, {
    count(this: PyTuple, x: unknown) { let c = 0; for (const v of this.items) if (v === x || ops.eq(v, x)) c++; return c; },
    index(this: PyTuple, x: unknown, start?: unknown, stop?: unknown) {
      try { return listIndex(this.items, x, start, stop); } catch { raiseError('ValueError', 'tuple.index(x): x not in tuple'); }
    },
    size(this: PyTuple) { return this.items.length; },
    __len__(this: PyTuple) { return this.items.length; },
    __getitem__(this: PyTuple, k: unknown) { return ops.getitem(new PyTuple(this.items), k); },
    __repr__(this: PyTuple) { return repr(new PyTuple(this.items)); },
  });

  const dictMethods: Record<string, (this: any, ...a: any[]) => unknown> = {
    __init__(this: PyDict, ...a: unknown[]) {
      if (!(this instanceof PyDict)) descriptorError('__init__', 'dict', this);
      dictInit(this, a);
      return null;
    },
    get(this: PyDict, k: unknown, d: unknown = null) { const v = this.get(k); return v === undefined ? d : v; },
    keys(this: PyDict) { return new DictView(this, 0); },
    values(this: PyDict) { return new DictView(this, 1); },
    items(this: PyDict) { return new DictView(this, 2); },
    pop(this: PyDict, k: unknown, d?: unknown) {
      const v = this.get(k);
      if (v === undefined && !this.has(k)) { if (d !== undefined) return d; throw ops.keyError(k); }
      this.delete(k);
      return v;
    },
    popitem(this: PyDict) {
      const last = this.table.last();
      if (!last) raiseError('KeyError', 'popitem(): dictionary is empty');
      this.delete(last[0]);
      return tuple([last[0], last[1]]);
    },
    setdefault(this: PyDict, k: unknown, d: unknown = null) {
      if (this.has(k)) return this.get(k);
      this.set(k, d);
      return d;
    },
    update(this: PyDict, ...args: unknown[]) { dictInit(this, args); return null; },
    clear(this: PyDict) { this.table.clear(); return null; },
    copy(this: PyDict) { const d = new PyDict(); for (const [k, v] of this.table.entries()) d.set(k, v); return d; },
    has(this: PyDict, k: unknown) { return this.has(k); },
    size(this: PyDict) { return this.size; },
    lock() { return null; },
    unlock() { return null; },
    __len__(this: PyDict) { return this.size; },
    __getitem__(this: PyDict, k: unknown) {
      const v = this.get(k);
      if (v === undefined && !this.has(k)) {
        const m = (this as any).$__missing__;
        if (typeof m === 'function') return invoke(m, this, [k]);
        throw ops.keyError(k);
      }
      return v;
    },
    __setitem__(this: PyDict, k: unknown, v: unknown) { this.set(k, v); return null; },
    __delitem__(this: PyDict, k: unknown) { if (!this.delete(k)) throw ops.keyError(k); return null; },
    __contains__(this: PyDict, k: unknown) { return this.has(k); },
    __iter__(this: PyDict) { return this.table.keys(); },
    __repr__(this: PyDict) { const d = new PyDict(); d.table = this.table; return repr(d); },
  };
  defMethods(PyDict.prototype, dictMethods, ['update', '__init__']);
  const fromkeys: any = function (cls: any, keys: unknown, v: unknown = null) {
    const d = construct(cls, []);
    for (const k of ops.iter(keys)) ops.setitem(d, k, v);
    return d;
  };
  fromkeys.pyName = 'fromkeys';
  Object.defineProperty(PyDict.prototype, '$fromkeys', { value: Object.assign(function (this: any, ...a: unknown[]) { return fromkeys(typeOf(this), ...a); }, { classOf: fromkeys }), writable: true });
  ops.setDictGetitem((PyDict.prototype as any).$__getitem__);
  ops.setDictSetitem((PyDict.prototype as any).$__setitem__);
  ops.setDictDelitem((PyDict.prototype as any).$__delitem__);
  ops.setDictIter((PyDict.prototype as any).$__iter__);

  const setOf = (s: PySet, items: Iterable<unknown>) => PySet.of(items, s instanceof PyFrozenSet);
  const others = (args: unknown[]) => args.map(a => (a instanceof PySet ? a : PySet.of(ops.iter(a))));
  const setMethods: Record<string, (this: any, ...a: any[]) => unknown> = {
    __init__(this: PySet, ...a: unknown[]) {
      if (!(this instanceof PySet) || this instanceof PyFrozenSet) descriptorError('__init__', 'set', this);
      const pos = initArgs(a, 'set');
      if (pos.length > 1) raiseError('TypeError', `set expected at most 1 argument, got ${pos.length}`);
      const items = pos.length ? Array.from(setArgs(pos)) : [];
      this.clear();
      for (const x of items) this.add(x);
      return null;
    },
    add(this: PySet, x: unknown) { this.add(x); return null; },
    remove(this: PySet, x: unknown) { if (!this.delete(x)) throw ops.keyError(x); return null; },
    discard(this: PySet, x: unknown) { this.delete(x); return null; },
    pop(this: PySet) {
      for (const k of this) { this.delete(k); return k; }
      raiseError('KeyError', 'pop from an empty set');
    },
    clear(this: PySet) { this.clear(); return null; },
    copy(this: PySet) { return setOf(this, this); },
    update(this: PySet, ...args: unknown[]) { for (const a of args) for (const x of ops.iter(a)) this.add(x); return null; },
    union(this: PySet, ...args: unknown[]) { const s = setOf(this, this); for (const a of args) for (const x of ops.iter(a)) s.add(x); return s; },
    intersection(this: PySet, ...args: unknown[]) { const os = others(args); return setOf(this, Array.from(this).filter(x => os.every(o => o.has(x)))); },
    difference(this: PySet, ...args: unknown[]) { const os = others(args); return setOf(this, Array.from(this).filter(x => !os.some(o => o.has(x)))); },
    symmetric_difference(this: PySet, o: unknown) { return ops.bitxor(this, o instanceof PySet ? o : PySet.of(ops.iter(o))); },
    intersection_update(this: PySet, ...args: unknown[]) { const os = others(args); for (const x of Array.from(this)) if (!os.every(o => o.has(x))) this.delete(x); return null; },
    difference_update(this: PySet, ...args: unknown[]) { const os = others(args); for (const x of Array.from(this)) if (os.some(o => o.has(x))) this.delete(x); return null; },
    symmetric_difference_update(this: PySet, o: unknown) { ops.iop('^', this, o instanceof PySet ? o : PySet.of(ops.iter(o))); return null; },
    issubset(this: PySet, o: unknown) { const s = others([o])[0]!; for (const x of this) if (!s.has(x)) return false; return true; },
    issuperset(this: PySet, o: unknown) { for (const x of ops.iter(o)) if (!this.has(x)) return false; return true; },
    isdisjoint(this: PySet, o: unknown) { for (const x of ops.iter(o)) if (this.has(x)) return false; return true; },
    size(this: PySet) { return this.size; },
    __len__(this: PySet) { return this.size; },
    __contains__(this: PySet, x: unknown) { return this.has(x); },
    __iter__(this: PySet) { return this[Symbol.iterator](); },
  };
  defMethods(PySet.prototype, setMethods, ['__init__']);

  defMethods(PyBytes.prototype, {
    decode(this: PyBytes, encoding: unknown = 'utf-8', errors: unknown = 'strict') {
      const enc = String(encoding).toLowerCase().replace('_', '-');
      if (enc === 'ascii' || enc === 'latin-1' || enc === 'latin1' || enc === 'iso-8859-1') {
        if (enc === 'ascii' && errors === 'strict') for (const b of this.data) if (b > 127) raiseError('UnicodeDecodeError', `'ascii' codec can't decode byte 0x${b.toString(16)}: ordinal not in range(128)`);
        // in slices: spreading a whole large value overflows the call stack
        let out = '';
        for (let i = 0; i < this.data.length; i += 8192) out += String.fromCharCode(...this.data.subarray(i, i + 8192));
        return out;
      }
      try { return new TextDecoder('utf-8', { fatal: errors === 'strict' }).decode(this.data); }
      catch { raiseError('UnicodeDecodeError', "'utf-8' codec can't decode bytes: invalid data"); }
    },
  });
  defMethods(PyBytes.prototype, bytesMethods, ['split', 'rsplit', 'splitlines', 'expandtabs']);
  defMethods(PyByteArray.prototype, bytearrayMethods);
  Object.defineProperty(PyBytes.prototype, '$maketrans', { value: Object.assign(function (...a: unknown[]) { return (bytesMaketrans as any)(...a); }, { staticOf: bytesMaketrans }), writable: true });
  const fromhex: any = function (_cls: unknown, s: string) {
    const t = s.replace(/\s+/g, '');
    if (t.length % 2 || /[^0-9a-fA-F]/.test(t)) raiseError('ValueError', 'non-hexadecimal number found in fromhex() arg');
    const out = new Uint8Array(t.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(t.substr(i * 2, 2), 16);
    return _cls === types.bytearray ? new PyByteArray(out) : new PyBytes(out);
  };
  Object.defineProperty(PyBytes.prototype, '$fromhex', { value: Object.assign(function (this: PyBytes, ...a: unknown[]) { return fromhex(this.mutable ? types.bytearray : null, ...a); }, { classOf: fromhex }), writable: true });

  defMethods(PyRange.prototype, {
    count(this: PyRange, x: unknown) { return ops.contains(this, x) ? 1 : 0; },
    index(this: PyRange, x: unknown) {
      if (!ops.contains(this, x)) raiseError('ValueError', `${repr(x)} is not in range`);
      if (!this.big && typeof x === 'number') return (x - (this.start as number)) / (this.step as number);
      if (typeof x !== 'number' && typeof x !== 'bigint') { let i = 0; for (const v of this) { if (ops.eq(v, x)) return i; i++; } }
      return mkint((BigInt(x as number | bigint) - BigInt(this.start)) / BigInt(this.step));
    },
    size(this: PyRange) { return this.len(); },
  });
  for (const [k, get] of [['start', (r: PyRange) => r.start], ['stop', (r: PyRange) => r.stop], ['step', (r: PyRange) => r.step]] as const) {
    Object.defineProperty(PyRange.prototype, '$' + k, { get() { return get(this); } });
  }
  for (const k of ['start', 'stop', 'step'] as const) {
    Object.defineProperty(PySlice.prototype, '$' + k, { get() { return (this as any)[k]; } });
  }
  defMethods(PySlice.prototype, {
    indices(this: PySlice, n: unknown) {
      const [s, e, st] = sliceIndices(ops.rangeArg(n), this.start, this.stop, this.step);
      return tuple([s, e, st]);
    },
  });

  // str
  const sm: Record<string, any> = {};
  for (const [k, f] of Object.entries(strMethods)) sm[k] = f;
  defMethods(String.prototype, sm, ['format', 'split', 'rsplit', 'splitlines', 'encode']);
  delete (String.prototype as any).$__contains__;
  Object.defineProperty(String.prototype, '$maketrans', { value: Object.assign(function (...a: unknown[]) { return (strMaketrans as any)(...a); }, { staticOf: strMaketrans }), writable: true });

  // numbers
  const intMethods: Record<string, (this: any, ...a: any[]) => unknown> = {
    bit_length(this: number | bigint) { const v = toBig(this as any); return (v < 0n ? -v : v).toString(2).length - (v === 0n ? 1 : 0); },
    bit_count(this: number | bigint) { const v = toBig(this as any); return Array.from((v < 0n ? -v : v).toString(2)).filter(c => c === '1').length; },
    conjugate(this: unknown) { return this; },
    to_bytes(this: number | bigint, ...args: unknown[]) {
      const { pos, kw } = splitKw(args);
      const length = Number(pos[0] ?? kw?.get('length') ?? 1), order = pos[1] ?? kw?.get('byteorder') ?? 'big';
      const signed = toBool(kw?.get('signed') ?? false);
      let v = toBig(this as any);
      if (v < 0n) { if (!signed) raiseError('OverflowError', "can't convert negative int to unsigned"); v += 1n << BigInt(length * 8); }
      const out = new Uint8Array(length);
      for (let i = length - 1; i >= 0; i--) { out[i] = Number(v & 255n); v >>= 8n; }
      if (v !== 0n) raiseError('OverflowError', 'int too big to convert');
      if (order === 'little') out.reverse();
      return new PyBytes(out);
    },
    is_integer(this: number) { return Number.isInteger(this.valueOf()); },
    as_integer_ratio(this: number) { return floatRatio(this.valueOf()); },
    hex(this: number) { return floatHex(this.valueOf()); },
    // ints and floats share Number.prototype: a float has no __index__ (callers that find this
    // method on a number get CPython's TypeError instead of looping)
    __index__(this: number) {
      const v = this.valueOf();
      if (!Number.isInteger(v)) raiseError('TypeError', "'float' object cannot be interpreted as an integer");
      return v;
    },
    __int__(this: number) { return toInt(this.valueOf()); },
    __float__(this: number) { return toFloat(this.valueOf()); },
  };
  defMethods(Number.prototype, intMethods, ['to_bytes']);
  defMethods(BigInt.prototype, intMethods, ['to_bytes']);
  // int.from_bytes(bytes, byteorder='big', *, signed=False)
  const fromBytes: any = function (_cls: unknown, ...args: unknown[]) {
    const { pos, kw } = splitKw(args);
    const src = pos[0] ?? kw?.get('bytes');
    if (src === undefined) raiseError('TypeError', "from_bytes() missing required argument 'bytes' (pos 1)");
    const order = pos[1] ?? kw?.get('byteorder') ?? 'big';
    if (order !== 'big' && order !== 'little') raiseError('ValueError', "byteorder must be either 'little' or 'big'");
    const data = src instanceof PyBytes ? src.data : bytesFrom(src, undefined);
    let v = 0n;
    for (let i = 0; i < data.length; i++) v = (v << 8n) | BigInt(data[order === 'big' ? i : data.length - 1 - i]!);
    if (toBool(kw?.get('signed') ?? false) && data.length > 0 && v >= 1n << BigInt(data.length * 8 - 1)) v -= 1n << BigInt(data.length * 8);
    return mkint(v);
  };
  fromBytes.pyName = 'from_bytes'; fromBytes.kw = true;
  Object.defineProperty(Number.prototype, '$from_bytes', { value: Object.assign(function (this: any, ...a: unknown[]) { return fromBytes(null, ...a); }, { classOf: fromBytes, kw: true }), writable: true });
  // float.fromhex(s): the exact value of a hexadecimal float literal
  const fromHex: any = function (_cls: unknown, s: unknown) {
    if (typeof s !== 'string') raiseError('TypeError', `fromhex() argument must be str, not ${typeOf(s).pyName}`);
    return mkfloat(parseFloatHex(s));
  };
  fromHex.pyName = 'fromhex';
  Object.defineProperty(PyFloat.prototype, '$fromhex', { value: Object.assign(function (this: any, ...a: unknown[]) { return fromHex(null, ...a); }, { classOf: fromHex }), writable: true });
  defMethods(Boolean.prototype, { bit_length(this: boolean) { return this.valueOf() ? 1 : 0; } });
  defMethods(PyFloat.prototype, {
    is_integer(this: PyFloat) { return Number.isFinite(this.v); },
    as_integer_ratio(this: PyFloat) { return floatRatio(this.v); },
    hex(this: PyFloat) { return floatHex(this.v); },
    conjugate(this: PyFloat) { return this; },
  });
  for (const [proto, re, im] of [
    [Number.prototype, (x: any) => x.valueOf(), () => 0],
    [BigInt.prototype, (x: any) => x.valueOf(), () => 0],
    [PyFloat.prototype, (x: any) => x, () => new PyFloat(0)],
  ] as const) {
    Object.defineProperty(proto, '$real', { get() { return re(this); }, configurable: true });
    Object.defineProperty(proto, '$imag', { get() { return im(); }, configurable: true });
  }
  Object.defineProperty(PyComplex.prototype, '$real', { get() { return mkfloat(this.re); } });
  Object.defineProperty(PyComplex.prototype, '$imag', { get() { return mkfloat(this.im); } });
  defMethods(PyComplex.prototype, { conjugate(this: PyComplex) { return new PyComplex(this.re, -this.im); } });

  // property descriptors
  defMethods(PyProperty.prototype, {
    setter(this: PyProperty, f: unknown) { return new PyProperty(this.fget, f, this.fdel, this.doc); },
    getter(this: PyProperty, f: unknown) { return new PyProperty(f, this.fset, this.fdel, this.doc); },
    deleter(this: PyProperty, f: unknown) { return new PyProperty(this.fget, this.fset, f, this.doc); },
  });

  // generators: JS generators serve as Python generators
  const genProto = Object.getPrototypeOf(Object.getPrototypeOf(function* () { /* */ }).prototype);
  defMethods(genProto, {
    send(this: Generator, v: unknown) {
      const r = this.next(v);
      if (r.done) { const e = newError('StopIteration'); if (r.value !== undefined && r.value !== null) e.$args = tuple([r.value]); throw e; }
      return r.value;
    },
    throw(this: Generator, e: unknown) {
      let x: any = e;
      if (typeof x === 'function' && x.isClass) x = construct(x, []);
      const r = this.throw(x);
      if (r.done) throw newError('StopIteration');
      return r.value;
    },
    close(this: Generator) { this.return(undefined); return null; },
    __next__(this: Generator) { return next(this); },
    __iter__(this: Generator) { return this; },
  });
  const iterProtos = [
    Object.getPrototypeOf([][Symbol.iterator]()),
    Object.getPrototypeOf(new Map().keys()),
    Object.getPrototypeOf(''[Symbol.iterator]()),
    RangeIterator.prototype,
  ];
  for (const p of iterProtos) {
    defMethods(p, {
      __next__(this: Iterator<unknown>) { return next(this); },
      __iter__(this: unknown) { return this; },
    });
  }
}

function floatRatio(f: number): PyTuple {
  if (!Number.isFinite(f)) raiseError(Number.isNaN(f) ? 'ValueError' : 'OverflowError', `cannot convert ${Number.isNaN(f) ? 'NaN' : 'Infinity'} to integer ratio`);
  let den = 1n, x = f, e = 0;
  while (!Number.isInteger(x)) { x *= 2; e++; }
  den = 1n << BigInt(e);
  let num = BigInt(x);
  while (num % 2n === 0n && den > 1n) { num /= 2n; den /= 2n; }
  return tuple([mkint(num), mkint(den)]);
}

/** float.fromhex's parse: [sign] ('inf' | 'nan' | [0x] hexdigits [. hexdigits] [p exponent]). */
function parseFloatHex(s: string): number {
  const m = /^([+-])?(?:(inf(?:inity)?)|(nan)|(?:0x)?([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?)$/i.exec(s.trim());
  if (!m || (m[2] === undefined && m[3] === undefined && !m[4] && !m[5])) raiseError('ValueError', 'invalid hexadecimal floating-point string');
  const sign = m[1] === '-' ? -1 : 1;
  if (m[2] !== undefined) return sign * Infinity;
  if (m[3] !== undefined) return NaN;
  const frac = m[5] ?? '';
  let e = Number(m[6] ?? '0') - 4 * frac.length;
  let v = Number(BigInt('0x' + ((m[4] ?? '') + frac || '0')));
  // scale in steps: 2 ** e alone is 0 or Infinity well before the result is
  while (e > 1000 && v !== 0 && Number.isFinite(v)) { v *= 2 ** 1000; e -= 1000; }
  while (e < -1000 && v !== 0) { v /= 2 ** 1000; e += 1000; }
  v *= 2 ** e;
  if (!Number.isFinite(v)) raiseError('OverflowError', 'hexadecimal value too large to represent as a float');
  return sign * v;
}

function floatHex(f: number): string {
  if (f === 0) return Object.is(f, -0) ? '-0x0.0p+0' : '0x0.0p+0';
  if (!Number.isFinite(f)) return floatRepr(f);
  const sign = f < 0 ? '-' : '';
  let m = Math.abs(f), e = 0;
  while (m >= 2) { m /= 2; e++; }
  while (m < 1 && e > -1022) { m *= 2; e--; }
  let hex = '';
  let frac = m - Math.floor(m);
  for (let i = 0; i < 13; i++) { frac *= 16; const d = Math.floor(frac); hex += d.toString(16); frac -= d; }
  return `${sign}0x${Math.floor(m)}.${hex}p${e >= 0 ? '+' : ''}${e}`;
}

/** dict.keys()/values()/items() */
export class DictView {
  constructor(readonly d: PyDict, readonly kind: 0 | 1 | 2) {}
  *[Symbol.iterator](): Generator<unknown> {
    const t = this.d.table;
    if (this.kind === 0) yield* t.keys();
    else if (this.kind === 1) yield* t.values();
    else for (const [k, v] of t.entries()) yield new PyTuple([k, v]);
  }
}

// ---------------------------------------------------------------------------------------------
// The builtins namespace seen by XLang code

export function makeBuiltins(): Record<string, unknown> {
  const b: Record<string, unknown> = Object.create(null);
  const fns: Record<string, (...a: any[]) => unknown> = {
    print, len, abs, sum, round, divmod, sorted, enumerate, zip, map, filter, reversed,
    any: any_, all: all_, chr, ord, callable, id, input, format, dir, vars, on, fire, off, sleep,
    hex: (x: unknown) => intBase(x, 16, '0x'), oct: (x: unknown) => intBase(x, 8, '0o'), bin: (x: unknown) => intBase(x, 2, '0b'),
    min: (...a: unknown[]) => minmax('min', ops.lt, a), max: (...a: unknown[]) => minmax('max', ops.gt, a),
    pow: (a: unknown, b: unknown, m?: unknown) => ops.pow(a, b, m),
    hash: (x: unknown) => ops.hash(x),
    repr: (x: unknown) => repr(x),
    ascii: (x: unknown) => asciiEscape(repr(x)),
    isinstance: (x: unknown, c: unknown) => isinstance(x, c),
    issubclass: (x: unknown, c: unknown) => issubclass(x, c),
    hasattr: (o: unknown, n: unknown) => { if (typeof n !== 'string') raiseError('TypeError', 'hasattr(): attribute name must be string'); return getattrOr(o, n) !== undefined; },
    getattr: getattrB,
    setattr: (o: unknown, n: unknown, v: unknown) => { if (typeof n !== 'string') raiseError('TypeError', `attribute name must be string, not '${typeOf(n).pyName}'`); return setattr(o, n, v); },
    delattr: (o: unknown, n: unknown) => delattr(o, n as string),
    iter: pyIter, next,
    locals: () => raiseError('NotImplementedError', 'locals() is not supported'),
    globals: () => raiseError('NotImplementedError', 'globals() is not supported'),
    exit: (code?: unknown) => { throw construct(types.SystemExit!, code === undefined ? [] : [code]); },
    quit: (code?: unknown) => { throw construct(types.SystemExit!, code === undefined ? [] : [code]); },
  };
  for (const [name, f] of Object.entries(fns)) {
    const g = f as any;
    g.pyName = name; g.builtin = true;
    if (['print', 'sum', 'sorted', 'enumerate', 'zip', 'min', 'max'].includes(name)) g.kw = true;
    b[name] = f;
  }
  for (const t of ['object', 'type', 'int', 'bool', 'float', 'complex', 'str', 'list', 'tuple', 'dict', 'set', 'frozenset',
    'bytes', 'bytearray', 'range', 'slice', 'property', 'staticmethod', 'classmethod', 'super']) b[t] = types[t];
  for (const e of exceptionNames) b[e] = types[e];
  b.EnvironmentError = types.OSError;
  b.IOError = types.OSError;
  b.NotImplemented = ops.NotImplemented;
  b.Ellipsis = ELLIPSIS;
  b.event = EVENT_TYPE;
  return b;
}

export const ELLIPSIS: any = Object.freeze({ $__repr__: Object.assign(() => 'Ellipsis', { builtinMethod: true }) });
/** The `event` annotation in class bodies. */
export const EVENT_TYPE: any = new EventDecl();

export { Thrown, isException, str, repr, complexRepr, superGet, toBool, fnName };

/** Wires the formatting module to the rest of the runtime. */
export function initFormatHost(): void {
  setContainerFactories(tuple, (entries) => PyDict.fromEntries(entries));
  setFormatHost({
    repr, str,
    isTuple: (x: unknown): x is { items: unknown[] } => x instanceof PyTuple,
    makeTuple: tuple,
    isDict: (x: unknown) => x instanceof PyDict,
    dictGet: (d: any, k: unknown) => ops.getitem(d, k),
    toArray: ops.toArray,
    callFormatHook: (x: any, spec: string) => {
      const f = x?.$__format__;
      if (typeof f === 'function' && f !== types.object!.prototype.$__format__) {
        const r = invoke(f, x, [spec]);
        if (typeof r !== 'string') raiseError('TypeError', `__format__ must return a str, not ${typeOf(r).pyName}`);
        return r;
      }
      return undefined;
    },
    index: (x: unknown) => Number(indexInt(x)),
    getattr: (o: unknown, n: string) => getattr(o, n),
    splitKw: (args: unknown[]) => { const { pos, kw } = splitKw(args); return { pos, names: kw?.names ?? [], values: kw?.values ?? [] }; },
    makeBytes: (u: Uint8Array) => new PyBytes(u),
    typeName: (x: unknown) => typeOf(x).pyName,
    makeDict: () => new PyDict(),
    dictEntries: (d: unknown) => (d instanceof PyDict ? d.table.entries() : raiseError('TypeError', 'maketrans() argument must be a dict')),
  } as any);
  ops.setPercentFormat(percentFormat);
  ops.setStrOf(str);
  ops.setKeyErrorFactory((k) => { const e = construct(types.KeyError!, [k]); return e; });
}
