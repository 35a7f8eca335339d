// The one binary serializer for XLang values: to_bin/from_bin, task arguments and results
// crossing isolates, and (later) the network. msgpack via msgpackr, with extension types for
// what msgpack lacks. Shared references and cycles survive: every object gets an id in
// pre-order on both sides, and a repeat is written as a reference to that id.
//
// Code travels by reference: a module-level def or class is (artifact id, definition index)
// plus the module-level values it reads, captured when it is serialized. The decoding isolate
// either has that module running (it gets the very same object back) or recreates the
// definition in an instance of the artifact without running the module's statements.
import { Packr, addExtension } from 'msgpackr';
import { numbers, containers, exceptions, objects, builtinNames } from '../core/index.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const { PyFloat, PyComplex, mkint } = numbers;
const { PyTuple, PyDict, PySet, PyFrozenSet, PyBytes, PyByteArray, PyRange } = containers;

/** What the serializer needs from the host it runs in. */
export interface Linker {
  /** The artifact id of a module instance (a module object compiled code runs in), or null. */
  artifactOf(m: object, artId: string): { id: string; reads(defId: number): string[] } | null;
  /** A definition's live value in this isolate, or an instance to recreate it in. */
  definition(artifactId: string, defId: number, name: string, session: DecodeSession): { live: unknown } | { m: any; factories: Array<() => unknown> };
  /** `import name` in this isolate (modules travel by name). */
  importModule(name: string, file: string | null): unknown;
  /** The .x traceback text of an exception raised in this isolate ('' when none). */
  tracebackOf(e: unknown): string;
}

/** Per-decode state a linker may keep (instances created for this message). */
export interface DecodeSession { instances: Map<string, unknown> }

/** Wire tags of the boxes (msgpack extension types). */
const T = {
  BIG: 0x41, FLOAT: 0x42, TUPLE: 0x43, DICT: 0x44, SET: 0x45, FROZEN: 0x46, COMPLEX: 0x47, BYTEARRAY: 0x48,
  LIST: 0x49, REF: 0x4a, DEF: 0x4b, INST: 0x4c, EXC: 0x4d, BUILTIN: 0x4e, NATIVE: 0x4f, BOUND: 0x50,
  MODULE: 0x51, RANGE: 0x52, THROWN: 0x53, BYTES: 0x54, METHOD: 0x55, NATIVE_INST: 0x56,
} as const;

/** A lowered value: tag + payload, packed as one msgpack extension holding [tag, payload]. */
class Box { constructor(readonly t: number, readonly d: unknown) {} }
addExtension({
  Class: Box, type: 0x40,
  write: (b: Box) => [b.t, b.d],
  read: (a: [number, unknown]) => {
    if (!Array.isArray(a) || typeof a[0] !== 'number') throw new Error('malformed extension value');
    return new Box(a[0], a[1]);
  },
});

const packr = new Packr({ useRecords: false, mapsAsObjects: false, int64AsType: 'auto', moreTypes: false } as any);

function tb(kind: string, v: any): string {
  return v.isClass ? `class '${v.qualname ?? v.pyName}'` : `${kind} '${v.qualname ?? v.pyName ?? v.name}'`;
}

/** Writes values into boxes (the encode half). */
class Encoder {
  private seen = new Map<object, number>();
  private next = 0;
  /** Native instances whose state is being lowered. */
  private readonly reducing = new Set<object>();
  /** Artifact ids the message refers to (a receiver may need their code). */
  readonly artifacts = new Set<string>();
  constructor(private linker: Linker | null, private what: string) {}

  private fail(msg: string): never { exceptions.raiseError('TypeError', `${this.what}: ${msg}`); }

  private id(v: object): Box | null {
    const n = this.seen.get(v);
    // a native instance is rebuilt from its state, so its state cannot hold the instance itself
    if (n !== undefined && this.reducing.has(v)) this.fail(`a '${objects.typeOf(v).pyName}' cannot contain itself`);
    if (n !== undefined) return new Box(T.REF, n);
    this.seen.set(v, this.next++);
    return null;
  }

  lower(v: any): unknown {
    switch (typeof v) {
      case 'number': case 'string': case 'boolean': return v;
      case 'bigint': return new Box(T.BIG, v.toString());
      case 'undefined': return null;
      case 'function': return this.code(v);
    }
    if (v === null) return null;
    if (v instanceof PyFloat) { const b = new Uint8Array(8); new DataView(b.buffer).setFloat64(0, v.v); return new Box(T.FLOAT, b); }
    if (v instanceof PyComplex) return new Box(T.COMPLEX, [v.re, v.im]);
    if (v instanceof PyBytes && !v.mutable) return new Box(T.BYTES, v.data);
    if (v instanceof PyRange) return new Box(T.RANGE, [v.start, v.stop, v.step]);
    const ref = this.id(v);
    if (ref) return ref;
    if (Array.isArray(v)) return new Box(T.LIST, v.map(x => this.lower(x)));
    if (v instanceof PyTuple) return new Box(T.TUPLE, v.items.map(x => this.lower(x)));
    if (v instanceof PyDict) {
      const flat: unknown[] = [];
      for (const [k, x] of v.table.entries()) flat.push(this.lower(k), this.lower(x));
      return new Box(T.DICT, flat);
    }
    if (v instanceof PySet) return new Box(v instanceof PyFrozenSet ? T.FROZEN : T.SET, Array.from(v, x => this.lower(x)));
    if (v instanceof PyBytes) return new Box(T.BYTEARRAY, v.data);
    if (v instanceof exceptions.Thrown) return new Box(T.THROWN, [this.lower(v.value), this.linker?.tracebackOf(v) ?? '']);
    if (v?.constructor?.name === 'ModuleObject' && typeof v.$__name__ === 'string') {
      if (v.$__name__ === '__main__') this.fail("the __main__ module cannot be sent by reference");
      return new Box(T.MODULE, [v.$__name__, v.$__file__ ?? null]);
    }
    const cls = objects.typeOf(v);
    if (objects.isinstance(v, objects.types.BaseException)) {
      return new Box(T.EXC, [this.lower(cls), this.lower(v.$args), this.attrs(v), this.linker?.tracebackOf(v) ?? '']);
    }
    if (typeof cls.reduce === 'function' && typeof cls.nativeModule === 'string') {
      // an instance of a native module's class that says how it travels (cantor.DataFrame)
      this.reducing.add(v);
      try { return new Box(T.NATIVE_INST, [cls.nativeModule, cls.pyName, this.lower(cls.reduce(v))]); } finally { this.reducing.delete(v); }
    }
    if (cls.builtin || cls.nativeNew) this.fail(`cannot serialize '${cls.pyName}' objects`);
    if (typeof v.next === 'function' && typeof v[Symbol.iterator] === 'function') this.fail('cannot serialize a generator');
    return new Box(T.INST, [this.lower(cls), this.attrs(v)]);
  }

  private attrs(v: any): unknown[] {
    const flat: unknown[] = [];
    const o = objects.unproxy(v);
    for (const k of Object.keys(o)) if (k.charCodeAt(0) === 36) flat.push(k.slice(1), this.lower(o[k]));
    return flat;
  }

  /** Functions and classes: by reference (plus captured module values). */
  private code(v: any): unknown {
    if (typeof v.pyName === 'string' && builtinNames[v.pyName] === v) return new Box(T.BUILTIN, v.pyName);
    if (v.isClass && v.builtin) this.fail(`cannot serialize the builtin type '${v.pyName}'`);
    if (v.isBound) {
      const ref = this.id(v);
      if (ref) return ref;
      return new Box(T.BOUND, [this.lower(v.boundSelf), v.pyName]);
    }
    if (v.builtin && typeof v.nativeModule === 'string') return new Box(T.NATIVE, [v.nativeModule, v.pyName]);
    const xdef = Object.prototype.hasOwnProperty.call(v, 'xdef') ? v.xdef : null;
    if (!xdef && v.ownerClass && Object.prototype.hasOwnProperty.call(v.ownerClass.cls, 'xdef')) {
      const ref = this.id(v);
      if (ref) return ref;
      return new Box(T.METHOD, [this.lower(v.ownerClass.cls), v.ownerClass.name]);
    }
    if (!xdef) {
      if (v.builtin) this.fail(`cannot serialize the builtin ${tb('function', v)}`);
      this.fail(`cannot send ${tb('function', v)} to another isolate: only module-level functions and classes ` +
        `(and methods of them) travel; a nested function or lambda does not`);
    }
    const ref = this.id(v);
    if (ref) return ref;
    const art = this.linker?.artifactOf(xdef.m, xdef.art);
    if (!art) this.fail(`the code of ${tb('function', v)} is not from a loaded module`);
    this.artifacts.add(art.id);
    const captures: unknown[] = [];
    for (const name of art.reads(xdef.id)) {
      const x = xdef.m['$' + name];
      if (x !== undefined) captures.push(name, this.lower(x));
    }
    return new Box(T.DEF, [art.id, xdef.id, v.qualname ?? v.pyName ?? '?', captures]);
  }
}

const PENDING = Symbol('pending');

/** Rebuilds values from boxes, top-down, so a cycle finds its container already made. */
class Decoder {
  private table: unknown[] = [];
  private fixups: Array<() => void> = [];
  readonly session: DecodeSession = { instances: new Map() };
  constructor(private linker: Linker | null, private what: string) {}

  private fail(msg: string): never { exceptions.raiseError('ValueError', `${this.what}: ${msg}`); }

  /** Stores v through set, now or (when it is still being made) once decoding ends. */
  private put(node: unknown, set: (v: unknown) => void): void {
    const v = this.raise(node);
    if (v === PENDING) {
      const id = (node as Box).d as number;
      this.fixups.push(() => set(this.table[id]));
      set(null);
    } else set(v);
  }

  finish(v: unknown): unknown {
    for (const f of this.fixups) f();
    return v;
  }

  raise(x: any): unknown {
    if (!(x instanceof Box)) {
      if (x === undefined) return null;
      if (x instanceof Uint8Array || Array.isArray(x) || (x !== null && typeof x === 'object')) this.fail('data is not a serialized XLang value');
      return x;
    }
    const d: any = x.d;
    switch (x.t) {
      case T.BIG: return mkint(BigInt(d));
      case T.FLOAT: return new PyFloat(new DataView(d.buffer, d.byteOffset, 8).getFloat64(0));
      case T.COMPLEX: return new PyComplex(d[0], d[1]);
      case T.BYTES: return new PyBytes(new Uint8Array(d));
      case T.RANGE: return new PyRange(d[0], d[1], d[2]);
      case T.REF: {
        const v = this.table[d];
        if (v === undefined) this.fail(`reference to unknown object #${d}`);
        return v;
      }
      case T.BUILTIN: {
        const v = builtinNames[d];
        if (v === undefined) this.fail(`unknown builtin '${d}'`);
        return v;
      }
      case T.NATIVE: return objects.getattr(this.linker!.importModule(d[0], null), d[1]);
      case T.MODULE: {
        const id = this.slot();
        return (this.table[id] = this.needLinker().importModule(d[0], d[1]));
      }
    }
    const id = this.slot();
    switch (x.t) {
      case T.LIST: {
        const a: unknown[] = new Array(d.length);
        this.table[id] = a;
        for (let i = 0; i < d.length; i++) this.put(d[i], v => { a[i] = v; });
        return a;
      }
      case T.TUPLE: {
        const items: unknown[] = new Array(d.length);
        const t = containers.tuple(items);
        this.table[id] = t;
        for (let i = 0; i < d.length; i++) this.put(d[i], v => { items[i] = v; });
        return t;
      }
      case T.DICT: {
        const m = new PyDict();
        this.table[id] = m;
        for (let i = 0; i < d.length; i += 2) {
          const k = this.raise(d[i]);
          if (k === PENDING) this.fail('a dict key refers to an object that is still being rebuilt');
          this.put(d[i + 1], v => m.set(k, v));
        }
        return m;
      }
      case T.SET: case T.FROZEN: {
        const items = d.map((e: unknown) => this.raise(e));
        const s = PySet.of(items, x.t === T.FROZEN);
        this.table[id] = s;
        return s;
      }
      case T.BYTEARRAY: return (this.table[id] = new PyByteArray(new Uint8Array(d)));
      case T.BOUND: {
        this.table[id] = PENDING;
        const self = this.raise(d[0]);
        return (this.table[id] = objects.getattr(self, d[1]));
      }
      case T.METHOD: {
        this.table[id] = PENDING;
        const cls: any = this.raise(d[0]);
        const raw = cls?.prototype?.['$' + d[1]];
        return (this.table[id] = raw?.raw ?? objects.getattr(cls, d[1]));
      }
      case T.NATIVE_INST: {
        this.table[id] = PENDING;
        if (!Array.isArray(d) || typeof d[0] !== 'string' || typeof d[1] !== 'string') this.fail('a malformed native instance');
        const cls: any = objects.getattr(this.needLinker().importModule(d[0], null), d[1]);
        if (typeof cls?.rebuild !== 'function') this.fail(`'${d[0]}.${d[1]}' is not a class that can be rebuilt`);
        return (this.table[id] = cls.rebuild(this.raise(d[2])));
      }
      case T.THROWN: {
        const t = new exceptions.Thrown(null);
        this.table[id] = t;
        this.put(d[0], v => { (t as any).value = v; });
        if (d[1]) (t as any).remoteTraceback = d[1];
        return t;
      }
      case T.INST: case T.EXC: {
        this.table[id] = PENDING;
        const cls: any = this.raise(d[0]);
        if (typeof cls !== 'function' || !cls.isClass) this.fail('an instance names something that is not a class');
        let o: any;
        if (x.t === T.EXC) {
          o = cls.nativeNew ? cls.nativeNew(cls, []) : objects.blankInstance(cls);
          const args = this.raise(d[1]);
          o.$args = args instanceof PyTuple ? args : containers.tuple([]);
          if (d[3]) Object.defineProperty(o, 'remoteTraceback', { value: d[3], writable: true, configurable: true });
        } else o = objects.blankInstance(cls);
        this.table[id] = o;
        const attrs = x.t === T.EXC ? d[2] : d[1];
        const target = objects.unproxy(o);
        for (let i = 0; i < attrs.length; i += 2) {
          const key = '$' + attrs[i];
          this.put(attrs[i + 1], v => { target[key] = v; });
        }
        return o;
      }
      case T.DEF: {
        const [artId, defId, name, captures] = d;
        const where = this.needLinker().definition(artId, defId, name, this.session);
        if ('live' in where) return (this.table[id] = where.live);
        this.table[id] = PENDING;
        for (let i = 0; i < captures.length; i += 2) {
          const key = '$' + captures[i];
          this.put(captures[i + 1], v => { where.m[key] = v; });
        }
        const make = where.factories[defId];
        if (!make) this.fail(`definition #${defId} ('${name}') is missing from its module`);
        return (this.table[id] = make());
      }
    }
    this.fail(`unknown value tag ${x.t}`);
  }

  private slot(): number { this.table.push(undefined); return this.table.length - 1; }

  private needLinker(): Linker {
    if (!this.linker) this.fail('code references need a host');
    return this.linker;
  }
}

let defaultLinker: Linker | null = null;
/** The host this isolate runs (main or worker) links code references through this. */
export function setLinker(l: Linker): void { defaultLinker = l; }

/** Serializes v; also returns the artifact ids it refers to. */
export function encode(v: unknown, what = 'serialize'): { bytes: Uint8Array; artifacts: Set<string> } {
  const enc = new Encoder(defaultLinker, what);
  const lowered = enc.lower(v);
  // msgpackr returns a view into its reusable buffer: copy it, or postMessage would clone the
  // whole backing buffer and a kept result would pin it
  const packed = packr.pack(lowered);
  return { bytes: Uint8Array.prototype.slice.call(packed), artifacts: enc.artifacts };
}

export function decode(bytes: Uint8Array, what = 'deserialize'): unknown {
  let x: unknown;
  try { x = packr.unpack(bytes); } catch (e) {
    exceptions.raiseError('ValueError', `${what}: data is not a serialized XLang value (${(e as Error).message})`);
  }
  const dec = new Decoder(defaultLinker, what);
  try {
    return dec.finish(dec.raise(x));
  } catch (e) {
    // a payload of the wrong shape trips JS errors inside the decoder: report them as bad data
    if (e instanceof Error && !(e instanceof RangeError)) exceptions.raiseError('ValueError', `${what}: malformed data (${e.message})`);
    throw e;
  }
}

export function toBin(v: unknown): InstanceType<typeof PyBytes> {
  return new PyBytes(encode(v, 'to_bin').bytes);
}

export function fromBin(b: unknown): unknown {
  if (!(b instanceof PyBytes)) exceptions.raiseError('TypeError', `from_bin() argument must be bytes, not '${objects.typeOf(b).pyName}'`);
  return decode(b.data, 'from_bin');
}
