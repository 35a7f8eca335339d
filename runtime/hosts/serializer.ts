// The binary serializer for XLang values (to_bin / from_bin, and later values crossing isolates
// and the network): msgpack via msgpackr, with extension types for what msgpack lacks (ints of
// any size, integral floats, tuples, dicts with any keys, sets, complex numbers).
import { Packr, addExtension } from 'msgpackr';
import { numbers, containers, exceptions, objects } from '../core/index.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const { PyFloat, PyComplex, mkint } = numbers;
const { PyTuple, PyDict, PySet, PyFrozenSet, PyBytes } = containers;

// Each box is a lowered value that msgpackr packs through an extension.
class XBig { constructor(readonly s: string) {} }
class XFloat { constructor(readonly v: number) {} }
class XTuple { constructor(readonly items: unknown[]) {} }
class XDict { constructor(readonly flat: unknown[]) {} }
class XSet { constructor(readonly items: unknown[]) {} }
class XFrozen { constructor(readonly items: unknown[]) {} }
class XComplex { constructor(readonly parts: number[]) {} }
class XByteArray { constructor(readonly data: Uint8Array) {} }

const EXT_BASE = 0x40;
addExtension({ Class: XBig, type: EXT_BASE + 1, write: (b: XBig) => b.s, read: (s: string) => mkint(BigInt(s)) });
addExtension({
  Class: XFloat, type: EXT_BASE + 2,
  write: (f: XFloat) => { const b = new Uint8Array(8); new DataView(b.buffer).setFloat64(0, f.v); return b; },
  read: (b: Uint8Array) => new PyFloat(new DataView(b.buffer, b.byteOffset, 8).getFloat64(0)),
});
addExtension({ Class: XTuple, type: EXT_BASE + 3, write: (t: XTuple) => t.items, read: (a: unknown[]) => containers.tuple(a) });
addExtension({
  Class: XDict, type: EXT_BASE + 4, write: (d: XDict) => d.flat,
  read: (a: unknown[]) => { const d = new PyDict(); for (let i = 0; i < a.length; i += 2) d.set(a[i], a[i + 1]); return d; },
});
addExtension({ Class: XSet, type: EXT_BASE + 5, write: (s: XSet) => s.items, read: (a: unknown[]) => PySet.of(a) });
addExtension({ Class: XFrozen, type: EXT_BASE + 6, write: (s: XFrozen) => s.items, read: (a: unknown[]) => PySet.of(a, true) });
addExtension({ Class: XComplex, type: EXT_BASE + 7, write: (c: XComplex) => c.parts, read: (a: number[]) => new PyComplex(a[0]!, a[1]!) });
addExtension({ Class: XByteArray, type: EXT_BASE + 8, write: (b: XByteArray) => b.data, read: (b: Uint8Array) => new PyBytes(new Uint8Array(b), true) });

const packr = new Packr({ useRecords: false, mapsAsObjects: false, int64AsType: 'auto' } as any);

/** Rewrites a Python value into msgpack-native values and boxes; rejects cycles and code. */
function lower(v: any, path: Set<unknown>): unknown {
  switch (typeof v) {
    case 'number': return v;
    case 'string': case 'boolean': return v;
    case 'bigint': return new XBig(v.toString());
    case 'undefined': return null;
    case 'function':
      exceptions.raiseError('TypeError', `to_bin: cannot serialize ${v.isClass ? 'class' : 'function'} '${v.pyName ?? v.name}' yet (functions and classes travel with tasks)`);
  }
  if (v === null) return null;
  if (v instanceof PyFloat) return new XFloat(v.v);
  if (v instanceof PyComplex) return new XComplex([v.re, v.im]);
  if (v instanceof PyBytes) return v.mutable ? new XByteArray(v.data) : v.data;
  if (path.has(v)) exceptions.raiseError('ValueError', 'to_bin: cannot serialize a structure that contains itself');
  path.add(v);
  try {
    if (Array.isArray(v)) return v.map(x => lower(x, path));
    if (v instanceof PyTuple) return new XTuple(v.items.map(x => lower(x, path)));
    if (v instanceof PyDict) {
      const flat: unknown[] = [];
      for (const [k, x] of v.table.entries()) flat.push(lower(k, path), lower(x, path));
      return new XDict(flat);
    }
    if (v instanceof PySet) {
      const items = Array.from(v, x => lower(x, path));
      return v instanceof PyFrozenSet ? new XFrozen(items) : new XSet(items);
    }
  } finally { path.delete(v); }
  exceptions.raiseError('TypeError', `to_bin: cannot serialize '${objects.typeOf(v).pyName}' objects yet (class instances travel with tasks)`);
}

/** Restores Python values from what msgpackr decoded. */
function raise_(x: any): unknown {
  if (x instanceof Uint8Array) return new PyBytes(new Uint8Array(x));
  if (Array.isArray(x)) { for (let i = 0; i < x.length; i++) x[i] = raise_(x[i]); return x; }
  if (x instanceof PyTuple) { const it = x.items as unknown[]; for (let i = 0; i < it.length; i++) it[i] = raise_(it[i]); return x; }
  if (x instanceof PyDict) {
    // keys and values were decoded before the dict was built: rebuild with restored ones
    const d = new PyDict();
    for (const [k, v] of x.table.entries()) d.set(raise_(k), raise_(v));
    return d;
  }
  if (x instanceof PySet) return PySet.of(Array.from(x, raise_), x instanceof PyFrozenSet);
  return x;
}

export function toBin(v: unknown): InstanceType<typeof PyBytes> {
  const buf = packr.pack(lower(v, new Set()));
  return new PyBytes(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength).slice());
}

export function fromBin(b: unknown): unknown {
  if (!(b instanceof PyBytes)) exceptions.raiseError('TypeError', `from_bin() argument must be bytes, not '${objects.typeOf(b).pyName}'`);
  let decoded: unknown;
  try { decoded = packr.unpack(b.data); } catch (e) {
    exceptions.raiseError('ValueError', `from_bin: data is not a serialized XLang value (${(e as Error).message})`);
  }
  return raise_(decoded);
}
