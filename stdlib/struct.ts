// The struct module: values packed into bytes and back by a format string, as Python's struct
// does (the binary frames of devices and protocols). Byte order and sizes: '@' native (the
// default: little-endian x86-64/arm64 sizes, each item aligned to its size), '=' native order
// with standard sizes, '<' little-endian, '>' and '!' big-endian, both standard sizes and no
// alignment. Errors are struct.error with CPython's messages.
import type { StdlibContext } from './context.js';
import { raiseError, captureStack } from '../runtime/core/exceptions.js';
import { makeClass, nativeMethod, argsByName, typeOf, construct, types } from '../runtime/core/objects.js';
import { PyBytes, PyTuple, tuple } from '../runtime/core/containers.js';
import { PyFloat, mkfloat, mkint } from '../runtime/core/numbers.js';

interface Item { code: string; count: number; size: number; offset: number }
interface Layout { items: Item[]; size: number; little: boolean; native: boolean; values: number; format: string }

/** Standard sizes ('<', '>', '!', '='), and native ones where they differ ('@'). */
const STD: Record<string, number> = { x: 1, c: 1, b: 1, B: 1, '?': 1, h: 2, H: 2, i: 4, I: 4, l: 4, L: 4, q: 8, Q: 8, e: 2, f: 4, d: 8, s: 1, p: 1 };
const NATIVE: Record<string, number> = { ...STD, l: 8, L: 8, n: 8, N: 8, P: 8 };
const SIGNED = new Set(['b', 'h', 'i', 'l', 'q', 'n']);
const INTS = new Set(['b', 'B', 'h', 'H', 'i', 'I', 'l', 'L', 'q', 'Q', 'n', 'N', 'P']);
/** The C names CPython's native range errors use. */
const CNAME: Record<string, string> = { b: 'byte', B: 'ubyte', h: 'short', H: 'ushort' };

export function create(_ctx: StdlibContext): Record<string, unknown> {
  const error = makeClass('error', [types.Exception!], null, { module: 'struct' });
  const fail = (msg: string): never => { const e = construct(error, [msg]); captureStack(e); throw e; };
  const tname = (x: unknown) => typeOf(x).pyName;
  const cache = new Map<string, Layout>();

  function layout(fmt: unknown): Layout {
    const f = typeof fmt === 'string' ? fmt : fmt instanceof PyBytes ? String.fromCharCode(...fmt.data)
      : raiseError('TypeError', `Struct() argument 1 must be a str or bytes object, not ${tname(fmt)}`);
    const hit = cache.get(f);
    if (hit) return hit;
    let i = 0, little = true, native = true;
    const order = f[0];
    if (order === '@' || order === '=' || order === '<' || order === '>' || order === '!') {
      i = 1;
      native = order === '@';
      little = order === '@' || order === '=' || order === '<';
    }
    const sizes = native ? NATIVE : STD;
    const items: Item[] = [];
    let size = 0, values = 0;
    while (i < f.length) {
      const ch = f[i]!;
      if (/\s/.test(ch)) { i++; continue; }
      let count = 1;
      if (ch >= '0' && ch <= '9') {
        let j = i;
        while (j < f.length && f[j]! >= '0' && f[j]! <= '9') j++;
        count = Number(f.slice(i, j));
        i = j;
        if (i >= f.length) fail('repeat count given without format specifier');
      }
      const code = f[i++]!;
      const one = sizes[code];
      if (one === undefined) fail('bad char in struct format');
      if (native && one! > 1) size = Math.ceil(size / one!) * one!; // native alignment
      if (code === 's' || code === 'p') { items.push({ code, count, size: count, offset: size }); size += count; values++; continue; }
      if (code === 'x') { size += count; continue; }
      for (let k = 0; k < count; k++) { items.push({ code, count: 1, size: one!, offset: size }); size += one!; }
      values += count;
    }
    const l: Layout = { items, size, little, native, values, format: f };
    if (cache.size < 256) cache.set(f, l);
    return l;
  }

  function intArg(v: unknown): bigint {
    if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : fail('required argument is not an integer');
    if (typeof v === 'bigint') return v;
    if (typeof v === 'boolean') return v ? 1n : 0n;
    const f = (v as any)?.$__index__;
    if (typeof f === 'function') return intArg(f.call(v));
    return fail('required argument is not an integer');
  }

  function floatArg(v: unknown): number {
    if (typeof v === 'number') return v;
    if (v instanceof PyFloat) return v.v;
    if (typeof v === 'bigint') return Number(v);
    if (typeof v === 'boolean') return v ? 1 : 0;
    const f = (v as any)?.$__float__;
    if (typeof f === 'function') return floatArg(f.call(v));
    return fail('required argument is not a float');
  }

  function writeItem(dv: DataView, at: number, it: Item, v: unknown, l: Layout): void {
    const { code } = it, o = at + it.offset;
    if (INTS.has(code)) {
      const n = intArg(v), bits = BigInt(it.size * 8), signed = SIGNED.has(code);
      const lo = signed ? -(1n << (bits - 1n)) : 0n, hi = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
      if (n < lo || n > hi) {
        // CPython's wording: C type names up to 2 bytes; its generic overflow for 8-byte items
        // and negative unsigned ones; the range otherwise
        if (CNAME[code]) fail(`${CNAME[code]} format requires ${lo} <= number <= ${hi}`);
        if (it.size === 8 || (!signed && n < 0n)) fail('argument out of range');
        fail(`'${code}' format requires ${lo} <= number <= ${hi}`);
      }
      const u = n < 0n ? n + (1n << bits) : n;
      for (let k = 0; k < it.size; k++) dv.setUint8(o + (l.little ? k : it.size - 1 - k), Number((u >> BigInt(8 * k)) & 0xffn));
      return;
    }
    switch (code) {
      case '?': dv.setUint8(o, truthy(v) ? 1 : 0); return;
      case 'c':
        if (!(v instanceof PyBytes) || v.data.length !== 1) fail('char format requires a bytes object of length 1');
        dv.setUint8(o, (v as PyBytes).data[0]!);
        return;
      case 's': case 'p': {
        if (!(v instanceof PyBytes)) fail(`argument for '${code}' must be a bytes object`);
        const d = (v as PyBytes).data;
        if (code === 's') { for (let k = 0; k < it.size; k++) dv.setUint8(o + k, k < d.length ? d[k]! : 0); return; }
        if (it.size === 0) return;
        const n = Math.min(d.length, it.size - 1, 255);
        dv.setUint8(o, n);
        for (let k = 1; k < it.size; k++) dv.setUint8(o + k, k - 1 < n ? d[k - 1]! : 0);
        return;
      }
      case 'e': { const x = floatArg(v); dv.setUint16(o, toHalf(x), l.little); return; }
      case 'f': {
        const x = floatArg(v);
        if (Number.isFinite(x) && Math.abs(x) > 3.4028235677973366e38) raiseError('OverflowError', 'float too large to pack with f format');
        dv.setFloat32(o, x, l.little);
        return;
      }
      case 'd': dv.setFloat64(o, floatArg(v), l.little); return;
    }
  }

  function readItem(dv: DataView, at: number, it: Item, l: Layout): unknown {
    const { code } = it, o = at + it.offset;
    if (INTS.has(code)) {
      if (it.size <= 4) {
        switch (it.size) {
          case 1: return SIGNED.has(code) ? dv.getInt8(o) : dv.getUint8(o);
          case 2: return SIGNED.has(code) ? dv.getInt16(o, l.little) : dv.getUint16(o, l.little);
          default: return SIGNED.has(code) ? dv.getInt32(o, l.little) : dv.getUint32(o, l.little);
        }
      }
      return mkint(SIGNED.has(code) ? dv.getBigInt64(o, l.little) : dv.getBigUint64(o, l.little));
    }
    const bytes = (a: number, n: number) => new PyBytes(new Uint8Array(dv.buffer, dv.byteOffset + a, n).slice());
    switch (code) {
      case '?': return dv.getUint8(o) !== 0;
      case 'c': return bytes(o, 1);
      case 's': return bytes(o, it.size);
      case 'p': return it.size === 0 ? bytes(o, 0) : bytes(o + 1, Math.min(dv.getUint8(o), it.size - 1));
      case 'e': return mkfloat(fromHalf(dv.getUint16(o, l.little)));
      case 'f': return mkfloat(dv.getFloat32(o, l.little));
      default: return mkfloat(dv.getFloat64(o, l.little));
    }
  }

  function packInto(l: Layout, out: Uint8Array, at: number, vals: unknown[], name: string): void {
    if (vals.length !== l.values) fail(`${name} expected ${l.values} items for packing (got ${vals.length})`);
    const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
    l.items.forEach((it, k) => writeItem(dv, at, it, vals[k], l));
  }

  function unpackAt(l: Layout, d: Uint8Array, at: number): PyTuple {
    const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
    return tuple(l.items.map(it => readItem(dv, at, it, l)));
  }

  const buffer = (b: unknown): Uint8Array => {
    if (b instanceof PyBytes) return b.data;
    return raiseError('TypeError', `a bytes-like object is required, not '${tname(b)}'`);
  };

  /** Where pack_into/unpack_from start in d (a negative offset counts from the end), with CPython's errors. */
  function offsetIn(d: Uint8Array, offset: unknown, size: number, name: string, verb: string, short: string): number {
    const given = Number(intArg(offset));
    if (given < 0) {
      if (given + d.length < 0) fail(`offset ${given} out of range for ${d.length}-byte buffer`);
      if (-given < size) fail(`${short} ${size} bytes at offset ${given}`);
      return d.length + given;
    }
    if (d.length - given < size) fail(`${name} requires a buffer of at least ${size + given} bytes for ${verb} ${size} bytes at offset ${given} (actual buffer size is ${d.length})`);
    return given;
  }

  const ops = {
    pack(l: Layout, vals: unknown[]): PyBytes {
      const out = new Uint8Array(l.size);
      packInto(l, out, 0, vals, 'pack');
      return new PyBytes(out);
    },
    pack_into(l: Layout, buf: unknown, offset: unknown, vals: unknown[]): null {
      if (!(buf instanceof PyBytes) || !buf.mutable) raiseError('TypeError', `argument must be read-write bytes-like object, not ${tname(buf)}`);
      const d = (buf as PyBytes).data;
      const at = offsetIn(d, offset, l.size, 'pack_into', 'packing', 'no space to pack');
      packInto(l, d, at, vals, 'pack_into');
      return null;
    },
    unpack(l: Layout, buf: unknown): PyTuple {
      const d = buffer(buf);
      if (d.length !== l.size) fail(`unpack requires a buffer of ${l.size} bytes`);
      return unpackAt(l, d, 0);
    },
    unpack_from(l: Layout, buf: unknown, offset: unknown = 0): PyTuple {
      const d = buffer(buf);
      const at = offsetIn(d, offset, l.size, 'unpack_from', 'unpacking', 'not enough data to unpack');
      return unpackAt(l, d, at);
    },
    iter_unpack(l: Layout, buf: unknown): Iterable<PyTuple> {
      const d = buffer(buf);
      if (l.size === 0) fail('cannot iteratively unpack with a struct of length 0');
      if (d.length % l.size) fail(`iterative unpacking requires a buffer of a multiple of ${l.size} bytes`);
      const copy = d.slice();
      return (function* () { for (let at = 0; at < copy.length; at += l.size) yield unpackAt(l, copy, at); })();
    },
  };


  const Struct = makeClass('Struct', [], null, { module: 'struct' }) as any;
  Struct.nativeNew = (_c: unknown, args: unknown[]) => {
    const [fmt] = argsByName(args, ['format']);
    if (fmt === undefined) raiseError('TypeError', "Struct() missing required argument 'format' (pos 1)");
    const s = new Struct.Inst();
    Object.defineProperty(s, '__layout', { value: layout(fmt) });
    return s;
  };
  const L = (s: any): Layout => s.__layout;
  Object.defineProperty(Struct.prototype, '$format', { get(this: any) { return L(this).format; } });
  Object.defineProperty(Struct.prototype, '$size', { get(this: any) { return L(this).size; } });
  nativeMethod(Struct.prototype, 'pack', function (this: any, ...v: unknown[]) { return ops.pack(L(this), v); });
  nativeMethod(Struct.prototype, 'pack_into', function (this: any, buf: unknown, offset: unknown, ...v: unknown[]) { return ops.pack_into(L(this), buf, offset, v); });
  nativeMethod(Struct.prototype, 'unpack', function (this: any, buf: unknown) { return ops.unpack(L(this), buf); });
  nativeMethod(Struct.prototype, 'unpack_from', function (this: any, ...a: unknown[]) { const [b, o] = argsByName(a, ['buffer', 'offset']); return ops.unpack_from(L(this), b, o); });
  nativeMethod(Struct.prototype, 'iter_unpack', function (this: any, buf: unknown) { return ops.iter_unpack(L(this), buf); });
  nativeMethod(Struct.prototype, '__repr__', function (this: any) { return `Struct(${JSON.stringify(L(this).format).replace(/^"|"$/g, "'")})`; });

  const kwFn = <T extends (...a: any[]) => unknown>(f: T): T => Object.assign(f, { kw: true });
  return {
    error,
    Struct,
    calcsize: (fmt: unknown) => layout(fmt).size,
    pack: (fmt: unknown, ...v: unknown[]) => ops.pack(layout(fmt), v),
    pack_into: (fmt: unknown, buf: unknown, offset: unknown, ...v: unknown[]) => ops.pack_into(layout(fmt), buf, offset, v),
    unpack: (fmt: unknown, buf: unknown) => ops.unpack(layout(fmt), buf),
    unpack_from: kwFn((fmt: unknown, ...a: unknown[]) => { const [b, o] = argsByName(a, ['buffer', 'offset']); return ops.unpack_from(layout(fmt), b, o); }),
    iter_unpack: (fmt: unknown, buf: unknown) => ops.iter_unpack(layout(fmt), buf),
  };
}

function truthy(v: unknown): boolean {
  if (v === null || v === false || v === 0 || v === '' || v === 0n) return false;
  if (v instanceof PyBytes) return v.data.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof PyTuple) return v.items.length > 0;
  if (v instanceof PyFloat) return v.v !== 0;
  const len = (v as any)?.$__len__, b = (v as any)?.$__bool__;
  if (typeof b === 'function') return !!b.call(v);
  if (typeof len === 'function') return Number(len.call(v)) !== 0;
  if (typeof (v as any)?.size === 'number') return (v as any).size > 0; // dicts and sets
  return true;
}

/** IEEE 754 binary16 from a double, rounding half to even, as CPython's PyFloat_Pack2. */
function toHalf(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a === Infinity) return sign | 0x7c00;
  if (a >= 65520) raiseError('OverflowError', 'float too large to pack with e format');
  if (a < 2 ** -24 / 2) return sign; // rounds to zero
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--; else if (2 ** (e + 1) <= a) e++;
  if (e < -14) {
    // subnormal: units of 2**-24
    const m = roundEven(a / 2 ** -24);
    return sign | m; // m may reach 1024: that is the smallest normal, encoded the same way
  }
  let m = roundEven((a / 2 ** e - 1) * 1024);
  if (m === 1024) { m = 0; e++; }
  if (e > 15) raiseError('OverflowError', 'float too large to pack with e format');
  return sign | ((e + 15) << 10) | m;
}

function roundEven(x: number): number {
  const f = Math.floor(x), d = x - f;
  return d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
}

function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}
