// The object model: classes as callable JS functions with C3 method order, instances as JS
// objects, Python attributes as `$`-prefixed JS properties, calls with keyword arguments, bound
// methods and super(). Everything here is host-agnostic.
import { raiseError } from './exceptions.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type PyClass = Function & {
  isClass: true;
  pyName: string;
  qualname: string;
  module: string;
  bases: PyClass[];
  mro: PyClass[];
  prototype: any;
  /** For classes backed by a JS representation (dict, list, exceptions...): builds a bare instance. */
  nativeNew?: (cls: PyClass, args: unknown[]) => any;
  /**
   * A native module's class whose instances travel between isolates: the module that makes it,
   * the instance's state as a plain XLang value, and the instance rebuilt from that state.
   */
  nativeModule?: string;
  reduce?: (inst: any) => unknown;
  rebuild?: (state: unknown) => any;
  /** A metaclass other than `type`. */
  metaclass?: PyClass;
  /** Class has __getattr__/__setattr__/__delattr__: instances are proxied. */
  hooks?: boolean;
  /** Builtin (non-user) type: its attributes cannot be set. */
  builtin?: boolean;
  /** Called by type(x)(...) / cls(...) for builtin types */
  doc?: string | null;
};

/** Keyword arguments passed as the trailing argument of a call to a function flagged `kw`. */
export class KwArgs {
  constructor(readonly names: string[], readonly values: unknown[]) {}
  get(name: string): unknown {
    const i = this.names.indexOf(name);
    return i < 0 ? undefined : this.values[i];
  }
}

/** Defines a builtin method `name` on a native type's prototype (`this` is the instance). */
export function nativeMethod(proto: any, name: string, f: (this: any, ...a: any[]) => unknown): void {
  Object.defineProperty(proto, '$' + name, { value: Object.assign(f, { builtinMethod: true, pyName: name }), writable: true, configurable: true });
}

/** Positional arguments and keyword arguments (by name) of a native function's call. */
export function kwMap(args: unknown[]): { pos: unknown[]; kw: Map<string, unknown> } {
  const { pos, kw } = splitKw(args);
  const m = new Map<string, unknown>();
  if (kw) kw.names.forEach((n, i) => m.set(n, kw.values[i]));
  return { pos, kw: m };
}

/**
 * A native function's arguments as one positional list: each keyword goes to its name's place in
 * `names` (`unpack_from(fmt, buf, offset=4)`); an unknown keyword is a TypeError.
 */
export function argsByName(args: unknown[], names: string[]): unknown[] {
  const { pos, kw } = kwMap(args);
  for (const [k, v] of kw) {
    const i = names.indexOf(k);
    if (i < 0) raiseError('TypeError', `'${k}' is an invalid keyword argument`);
    pos[i] = v;
  }
  return pos;
}

/** Splits an argument array into positional arguments and the trailing KwArgs (if any). */
export function splitKw(args: unknown[]): { pos: unknown[]; kw: KwArgs | null } {
  const last = args.length ? args[args.length - 1] : undefined;
  if (last instanceof KwArgs) return { pos: args.slice(0, -1), kw: last };
  return { pos: args, kw: null };
}

export function fnName(f: any): string {
  if (f == null) return '?';
  if (typeof f === 'function') return f.pyName ?? (f.name || '<function>');
  return typeOf(f).pyName;
}

/**
 * Maps positional and keyword arguments onto the parameter list of a simple compiled function
 * (no *args, keyword-only or **kwargs). Missing parameters stay undefined (the callee fills
 * defaults or raises).
 */
export function mapKw(f: any, pos: unknown[], kw: KwArgs): unknown[] {
  const params: string[] = f.params;
  const out = pos.slice();
  const name = fnName(f);
  if (out.length > params.length) {
    raiseError('TypeError', `${name}() takes ${params.length} positional argument${params.length === 1 ? '' : 's'} but ${out.length} were given`);
  }
  while (out.length < params.length) out.push(undefined);
  let posonlyByName: string[] | null = null;
  for (let i = 0; i < kw.names.length; i++) {
    const k = kw.names[i]!;
    const idx = params.indexOf(k);
    if (idx < (f.posonly ?? 0)) {
      if (idx < 0) raiseError('TypeError', `${name}() got an unexpected keyword argument '${k}'`);
      (posonlyByName ??= []).push(k);
      continue;
    }
    if (out[idx] !== undefined) raiseError('TypeError', `${name}() got multiple values for argument '${k}'`);
    out[idx] = kw.values[i];
  }
  if (posonlyByName) raiseError('TypeError', `${name}() got some positional-only arguments passed as keyword arguments: '${posonlyByName.join(', ')}'`);
  return out;
}

/** Calls f with args whose last element may be a KwArgs. */
export function invoke(f: any, self: unknown, args: unknown[]): any {
  if (typeof f !== 'function') return callObject(f, args);
  const n = args.length;
  if (n > 0 && args[n - 1] instanceof KwArgs && !f.kw) {
    const kw = args[n - 1] as KwArgs;
    if (f.params) return f.apply(self, mapKw(f, args.slice(0, -1), kw));
    if (kw.names.length === 0) return f.apply(self, args.slice(0, -1));
    raiseError('TypeError', `${fnName(f)}() takes no keyword arguments`);
  }
  return f.apply(self, args);
}

/** Calls a value that is not a JS function: an instance whose class defines __call__. */
export function callObject(f: any, args: unknown[]): any {
  if (f != null && typeof f === 'object') {
    const call = f.$__call__;
    if (typeof call === 'function') return invoke(call, f, args);
  }
  raiseError('TypeError', `'${typeOf(f).pyName}' object is not callable`);
}

/** f(*pos, **kw) — the general call used by compiled code when keywords or spreads appear. */
export function callKw(f: any, pos: unknown[], names: string[], values: unknown[]): any {
  if (names.length === 0) return typeof f === 'function' ? f.apply(undefined, pos) : callObject(f, pos);
  pos.push(new KwArgs(names, values));
  return invoke(f, undefined, pos);
}

/** Calls a value with positional args only (used when the callee might not be a JS function). */
export function call(f: any, args: unknown[]): any {
  return typeof f === 'function' ? f.apply(undefined, args) : callObject(f, args);
}

// ---------------------------------------------------------------------------------------------
// Types

const typeRegistry: Record<string, PyClass> = Object.create(null);

/** Builtin type objects by name (int, float, str, list, ... and the exception classes). */
export const types: Record<string, PyClass> = typeRegistry;

let objectProto: any = null;

/** The C3 linearisation of a class with the given bases. */
export function c3(cls: PyClass, bases: PyClass[]): PyClass[] {
  const seqs: PyClass[][] = bases.map(b => b.mro.slice());
  seqs.push(bases.slice());
  const out: PyClass[] = [cls];
  for (;;) {
    const live = seqs.filter(s => s.length > 0);
    if (live.length === 0) return out;
    let cand: PyClass | null = null;
    for (const s of live) {
      const head = s[0]!;
      if (!live.some(t => t.indexOf(head) > 0)) { cand = head; break; }
    }
    if (!cand) {
      raiseError('TypeError', `Cannot create a consistent method resolution order (MRO) for bases ${bases.map(b => b.pyName).join(', ')}`);
    }
    out.push(cand);
    for (const s of live) if (s[0] === cand) s.shift();
  }
}

/** __init__ returned r, not None (also what code compiled for QuickJS calls; codegen newInstance). */
export function initResultError(r: unknown): never {
  raiseError('TypeError', `__init__() should return None, not '${typeOf(r).pyName}'`);
}

export interface ClassOptions {
  module?: string;
  qualname?: string;
  /** The class statement's metaclass= (a class, or any callable that makes the class). */
  metaclass?: PyClass;
  /** type.__new__ is making the class: build it here rather than call the metaclass. */
  created?: boolean;
  /** The class statement's other keywords (names, values): for the metaclass and __init_subclass__. */
  keywords?: [string[], unknown[]];
}

/**
 * A new class object. `ns` holds the class body's names as `$name` properties, in order. With a
 * metaclass other than `type` (given, or a base's), the class is what calling the metaclass with
 * (name, bases, namespace dict) returns, as in Python: its __new__ and __init__ run, and
 * type.__new__ comes back here to build it.
 */
const UNSUBCLASSABLE = ['str', 'int', 'float', 'complex', 'bytes', 'bytearray'];

export function makeClass(name: string, bases: PyClass[], ns: any, opts: ClassOptions = {}): PyClass {
  const object = typeRegistry.object!;
  if (bases.length === 0) bases = [object];
  for (const b of bases) {
    if (typeof b !== 'function' || !(b as any).isClass) raiseError('TypeError', `bases must be types, not ${typeOf(b).pyName}`);
    if (b === typeRegistry.bool) raiseError('TypeError', "type 'bool' is not an acceptable base type");
    // their instances are JS primitives or fixed records the runtime's operators read directly
    if (UNSUBCLASSABLE.some(t => b === typeRegistry[t])) raiseError('TypeError', `class ${name}: subclasses of '${b.pyName}' are not supported yet (str, int, float, complex, bytes and bytearray)`);
  }
  const given: any = opts.metaclass;
  const kw = opts.keywords && opts.keywords[0].length > 0 ? [new KwArgs(opts.keywords[0], opts.keywords[1])] : [];
  if (!opts.created && given != null && !(typeof given === 'function' && given.isClass)) {
    // metaclass=f for a callable f that is not a class: the class is whatever f returns
    return invoke(given, undefined, [name, mkTuple(bases), namespaceDict(ns, opts), ...kw]);
  }
  const meta = effectiveMetaclass(given, bases);
  if (meta !== null && !opts.created) return construct(meta, [name, mkTuple(bases), namespaceDict(ns, opts), ...kw]);
  // a metaclass's own __call__ takes over calls of the class (type.__call__ is construct())
  const mc = meta?.prototype.$__call__;
  const metaCall: any = mc !== undefined && mc !== typeRegistry.type!.prototype.$__call__ ? mc : null;
  // The common case (compiled __init__, no __new__, no attribute hooks) skips construct().
  let fastInit: any = null;
  const F = function (...args: unknown[]) {
    const n = args.length;
    if (fastInit !== null && (n === 0 || !(args[n - 1] instanceof KwArgs))) {
      const o = new (F as any).Inst();
      const r = fastInit.apply(o, args);
      if (r !== null && r !== undefined) initResultError(r);
      return o;
    }
    if (metaCall !== null) return invoke(metaCall, F, args);
    return construct(F as unknown as PyClass, args);
  } as unknown as PyClass;
  (F as any).refreshFast = () => {
    const p = F.prototype, init = p.$__init__;
    fastInit = metaCall === null && p.$__new__ === objectProto.$__new__ && !F.nativeNew && !F.hooks && typeof init === 'function' &&
      init.raw !== undefined && init.params !== undefined ? init : null;
    // what code compiled for QuickJS calls in place of F(...) (a new Inst, then __init__'s raw function)
    (F as any).rawInit = fastInit !== null ? fastInit.raw : null;
  };
  Object.defineProperty(F, 'name', { value: name });
  F.isClass = true;
  F.pyName = name;
  F.qualname = opts.qualname ?? name;
  F.module = opts.module ?? '__main__';
  F.bases = bases;
  F.mro = c3(F, bases);
  (F as any).kw = true;
  if (meta !== null) F.metaclass = meta;
  let parentProto: any;
  if (bases.length === 1) parentProto = bases[0]!.prototype;
  else {
    // Multiple inheritance: JS has one prototype chain, so the bases' attributes are merged
    // into one object in MRO order (earlier classes win).
    parentProto = Object.create(objectProto);
    for (let i = F.mro.length - 1; i >= 1; i--) {
      const p = F.mro[i]!.prototype;
      if (p === objectProto) continue;
      for (const key of Object.getOwnPropertyNames(p)) {
        if (key.charCodeAt(0) === 36 /* $ */ || key.startsWith('__prop_') || key.startsWith('__desc_')) Object.defineProperty(parentProto, key, Object.getOwnPropertyDescriptor(p, key)!);
      }
    }
  }
  const proto = Object.create(parentProto);
  Object.defineProperty(proto, '__cls', { value: F, writable: true });
  F.prototype = proto;
  // instances are allocated by a trivial constructor (cheap `new`, V8 slack tracking)
  const Inst = function () { /* an instance's fields are set by __init__ */ } as unknown as { prototype: unknown };
  Inst.prototype = proto;
  (F as any).Inst = Inst;
  for (const b of F.mro) if (b.nativeNew) { F.nativeNew = b.nativeNew; break; }
  for (const b of F.mro) if (b.hooks) { F.hooks = true; break; }
  if (ns) {
    for (const key of Object.keys(ns)) {
      if (key.charCodeAt(0) !== 36) continue;
      installAttr(F, key.slice(1), ns[key]);
    }
    if (ns.$__doc__ === undefined) F.doc = null;
    // type.__new__ tells each attribute that wants to know its owner and name
    for (const key of Object.keys(ns)) {
      const v = ns[key];
      if (key.charCodeAt(0) === 36 && v !== null && typeof v === 'object' && typeof v.$__set_name__ === 'function') invoke(v.$__set_name__, v, [F, key.slice(1)]);
    }
  }
  // instances need the attribute-hook proxy only when the class overrides object's behaviour
  if (proto.$__getattr__ !== undefined || proto.$__setattr__ !== objectProto.$__setattr__ || proto.$__delattr__ !== objectProto.$__delattr__) {
    F.hooks = true;
  }
  (F as any).refreshFast();
  const initSub = parentProto.$__init_subclass__;
  if (typeof initSub === 'function' && initSub.classOf) invoke(initSub.classOf, undefined, [F, ...kw]);
  return F;
}

/**
 * The metaclass of a new class: the most derived of the given one and its bases' (null: type).
 * Two that are not subclasses of one another are a conflict, as in Python.
 */
function effectiveMetaclass(given: PyClass | undefined, bases: PyClass[]): PyClass | null {
  const type = typeRegistry.type!;
  let winner: PyClass | null = given != null && given !== type ? given : null;
  for (const b of bases) {
    const m = b.metaclass;
    if (m === undefined || m === type) continue;
    if (winner === null || issubclass(m, winner)) winner = m;
    else if (!issubclass(winner, m)) {
      raiseError('TypeError', 'metaclass conflict: the metaclass of a derived class must be a (non-strict) subclass of the metaclasses of all its bases');
    }
  }
  return winner;
}

/** A class body's namespace as the dict a metaclass receives (with __module__ and __qualname__). */
function namespaceDict(ns: any, opts: ClassOptions): unknown {
  const entries: [unknown, unknown][] = [['__module__', opts.module ?? '__main__']];
  if (opts.qualname !== undefined) entries.push(['__qualname__', opts.qualname]);
  if (ns) for (const key of Object.keys(ns)) if (key.charCodeAt(0) === 36) entries.push([key.slice(1), ns[key]]);
  return mkDictFromEntries(entries);
}

/** Wraps a function stored as a class attribute so instances call it with themselves first. */
export function methodAdapter(fn: any): any {
  if (fn.thisAdapter) return fn.thisAdapter;
  const raw = fn;
  const adapter = function (this: unknown, ...args: unknown[]) {
    args.unshift(this);
    return invoke(raw, undefined, args);
  };
  (adapter as any).raw = raw;
  (adapter as any).kw = true;
  fn.thisAdapter = adapter;
  return adapter;
}

/** Puts one class attribute in place, turning functions into methods and descriptors into accessors. */
export function installAttr(F: PyClass, name: string, value: any): void {
  // Python makes these implicitly class/static methods
  if (typeof value === 'function' && !value.isClass && !value.builtin) {
    if (name === '__init_subclass__' || name === '__class_getitem__') value = new ClassMethod(value);
    else if (name === '__new__') value = new StaticMethod(value);
  }
  installAttr1(F, name, value);
  // attribute hooks set after the class statement (dataclass(frozen=True)) proxy new instances too
  if ((name === '__setattr__' || name === '__getattr__' || name === '__delattr__') && typeof value === 'function') F.hooks = true;
  if ((name === '__init__' || name === '__new__' || F.hooks) && (F as any).refreshFast) (F as any).refreshFast();
}

/** An instance of a user class defining __get__ (builtin descriptor kinds have their own branches). */
function isUserDescriptor(v: any): boolean {
  return v !== null && typeof v === 'object' && typeof v.$__get__ === 'function' && !(v instanceof PyProperty) && !(v instanceof StaticMethod) && !(v instanceof ClassMethod) && !(v instanceof EventDecl);
}

function installAttr1(F: PyClass, name: string, value: any): void {
  const proto = F.prototype;
  const key = '$' + name;
  // a redefinition here hides a base's property or descriptor from class-level reads too
  for (const k of ['__prop_' + name, '__desc_' + name]) if (proto[k] != null) Object.defineProperty(proto, k, { value: null, configurable: true, writable: true });
  if (typeof value === 'function' && !value.isClass && !value.builtin && !value.isEvent) {
    Object.defineProperty(proto, key, { value: methodAdapter(value), writable: true, configurable: true, enumerable: false });
    // where the method lives, so it can travel by reference (class, name)
    if (!Object.prototype.hasOwnProperty.call(value, 'ownerClass')) Object.defineProperty(value, 'ownerClass', { value: { cls: F, name }, configurable: true });
    if (!value.qualname || value.qualname === value.pyName) value.qualname = F.qualname + '.' + (value.pyName ?? name);
  } else if (value instanceof PyProperty) {
    const prop = value;
    Object.defineProperty(proto, key, {
      configurable: true, enumerable: false,
      get() {
        if (prop.fget == null) raiseError('AttributeError', `property '${name}' of '${typeOf(this).pyName}' object has no getter`);
        return invoke(prop.fget, undefined, [this]);
      },
      set(v: unknown) {
        if (prop.fset == null) raiseError('AttributeError', `property '${name}' of '${typeOf(this).pyName}' object has no setter`);
        invoke(prop.fset, undefined, [this, v]);
      },
    });
    Object.defineProperty(proto, '__prop_' + name, { value: prop, configurable: true, writable: true });
  } else if (isUserDescriptor(value)) {
    // the descriptor protocol: a data descriptor (__set__ or __delete__) wins over the instance's
    // own attribute; a plain one (__get__ only) is shadowed by it, which its setter creates
    const desc = value;
    const data = typeof desc.$__set__ === 'function' || typeof desc.$__delete__ === 'function';
    Object.defineProperty(proto, key, {
      configurable: true, enumerable: false,
      get() { return invoke(desc.$__get__, desc, [this, typeOf(this)]); },
      set(v: unknown) {
        if (typeof desc.$__set__ === 'function') invoke(desc.$__set__, desc, [this, v]);
        else if (data) raiseError('AttributeError', `'${typeOf(this).pyName}' object attribute '${name}' is read-only`);
        else Object.defineProperty(this, key, { value: v, writable: true, configurable: true, enumerable: true });
      },
    });
    Object.defineProperty(proto, '__desc_' + name, { value: desc, configurable: true, writable: true });
  } else if (value instanceof StaticMethod) {
    const raw = value.fn;
    const adapter = function (this: unknown, ...args: unknown[]) { return invoke(raw, undefined, args); };
    (adapter as any).staticOf = raw; (adapter as any).kw = true;
    Object.defineProperty(proto, key, { value: adapter, writable: true, configurable: true });
  } else if (value instanceof ClassMethod) {
    const raw = value.fn;
    const adapter = function (this: any, ...args: unknown[]) {
      args.unshift(typeof this === 'function' && this.isClass ? this : typeOf(this));
      return invoke(raw, undefined, args);
    };
    (adapter as any).classOf = raw; (adapter as any).kw = true;
    Object.defineProperty(proto, key, { value: adapter, writable: true, configurable: true });
  } else if (value instanceof EventDecl) {
    const slot = '__ev_' + name;
    Object.defineProperty(proto, key, {
      configurable: true, enumerable: false,
      get() {
        let ev = this[slot];
        if (ev === undefined) { ev = makeEvent(name); Object.defineProperty(this, slot, { value: ev, writable: true }); }
        return ev;
      },
      set(v: unknown) {
        if (v !== this[slot]) {
          if (!(typeof v === 'function' && (v as any).isEvent)) raiseError('TypeError', `event '${name}' can only be changed with += and -=`);
          Object.defineProperty(this, slot, { value: v, writable: true });
        }
      },
    });
  } else {
    if (name === '__doc__') F.doc = value;
    Object.defineProperty(proto, key, { value, writable: true, configurable: true, enumerable: false });
  }
}

// Descriptor objects produced by the builtins property/staticmethod/classmethod.
export class PyProperty {
  constructor(public fget: unknown, public fset: unknown = null, public fdel: unknown = null, public doc: unknown = null) {}
}
export class StaticMethod { constructor(readonly fn: any) {} }
export class ClassMethod { constructor(readonly fn: any) {} }
/** `on_move: event` in a class body. */
export class EventDecl {}

/** An event: callable; calling it calls every handler in registration order. */
export function makeEvent(name: string): any {
  const handlers: unknown[] = [];
  const ev = function (...args: unknown[]) {
    for (const h of handlers.slice()) invoke(h, undefined, args.slice());
    return null;
  };
  (ev as any).isEvent = true;
  (ev as any).handlers = handlers;
  (ev as any).pyName = name;
  (ev as any).kw = true;
  return ev;
}

/** Builds an instance of a class: __new__ (if any), then __init__. */
export function construct(F: PyClass, args: unknown[]): any {
  const proto = F.prototype;
  const newAdapter = proto.$__new__;
  let obj: any;
  if (newAdapter !== undefined && newAdapter !== objectProto.$__new__) {
    const raw = newAdapter.staticOf ?? newAdapter.raw ?? newAdapter;
    obj = invoke(raw, undefined, [F, ...args]);
    if (!isinstance(obj, F)) return obj;
  } else if (F.nativeNew) {
    obj = F.nativeNew(F, args);
  } else {
    obj = new (F as any).Inst();
  }
  const init = proto.$__init__;
  if (init !== undefined && init !== objectProto.$__init__) {
    const n = args.length;
    // a compiled __init__'s this-based adapter takes the positional arguments as they are
    const r = init.raw !== undefined && !(n > 0 && args[n - 1] instanceof KwArgs) && init.params !== undefined
      ? init.apply(obj, args)
      : init.raw ? invoke(init.raw, undefined, [obj, ...args]) : invoke(init, obj, args);
    if (r !== null && r !== undefined) initResultError(r);
  } else if (args.length > 0 && newAdapter === objectProto.$__new__ && !F.nativeNew) {
    const { pos, kw } = splitKw(args);
    if (pos.length > 0 || (kw && kw.names.length > 0)) raiseError('TypeError', `${F.pyName}() takes no arguments`);
  }
  return F.hooks ? hookProxy(obj) : obj;
}

/** An instance of F with no attributes and no __init__ run (what a deserializer fills in). */
export function blankInstance(F: PyClass): any {
  const obj = new (F as any).Inst();
  return F.hooks ? hookProxy(obj) : obj;
}

const proxyTarget = new WeakMap<object, object>();

/** Instances of classes with __getattr__/__setattr__/__delattr__ run behind a Proxy. */
function hookProxy(obj: any): any {
  const p = new Proxy(obj, {
    get(t, key, recv) {
      const v = Reflect.get(t, key, recv);
      if (v === undefined && typeof key === 'string' && key.charCodeAt(0) === 36) {
        const ga = t.$__getattr__;
        if (typeof ga === 'function') return invoke(ga, recv, [key.slice(1)]);
      }
      return v;
    },
    set(t, key, v, recv) {
      if (typeof key === 'string' && key.charCodeAt(0) === 36) {
        const sa = t.$__setattr__;
        if (typeof sa === 'function' && sa !== objectProto.$__setattr__) { invoke(sa, recv, [key.slice(1), v]); return true; }
      }
      return Reflect.set(t, key, v, recv);
    },
    deleteProperty(t, key) {
      if (typeof key === 'string' && key.charCodeAt(0) === 36) {
        const da = t.$__delattr__;
        if (typeof da === 'function' && da !== objectProto.$__delattr__) { invoke(da, p, [key.slice(1)]); return true; }
      }
      return Reflect.deleteProperty(t, key);
    },
  });
  proxyTarget.set(p, obj);
  return p;
}

/** The object behind an instance proxy (for object.__setattr__ and friends). */
export function unproxy(o: any): any {
  return (o && proxyTarget.get(o)) ?? o;
}

/** Registers a builtin type. `proto` is the JS prototype its values inherit from. */
export function builtinType(name: string, proto: any, callImpl: (...args: any[]) => any, bases: PyClass[] = [], opts: { nativeNew?: (cls: PyClass, args: unknown[]) => any; module?: string } = {}): PyClass {
  const F = callImpl as unknown as PyClass;
  Object.defineProperty(F, 'name', { value: name });
  F.isClass = true;
  F.builtin = true;
  F.pyName = name;
  F.qualname = name;
  F.module = opts.module ?? 'builtins';
  if (name !== 'object' && bases.length === 0) bases = [typeRegistry.object!];
  F.bases = bases;
  F.mro = name === 'object' ? [F] : c3(F, bases);
  (F as any).kw = true;
  if (opts.nativeNew) F.nativeNew = opts.nativeNew;
  Object.defineProperty(F, 'prototype', { value: proto, writable: true });
  if (!Object.prototype.hasOwnProperty.call(proto, '__cls')) Object.defineProperty(proto, '__cls', { value: F, writable: true });
  if (name === 'object') objectProto = proto;
  typeRegistry[name] = F;
  return F;
}

export function getObjectProto(): any { return objectProto; }

// ---------------------------------------------------------------------------------------------
// type(), isinstance()

export function typeOf(x: unknown): PyClass {
  switch (typeof x) {
    case 'number': return Number.isInteger(x) ? typeRegistry.int! : typeRegistry.float!;
    case 'string': return typeRegistry.str!;
    case 'boolean': return typeRegistry.bool!;
    case 'bigint': return typeRegistry.int!;
    case 'undefined': return typeRegistry.NoneType!;
    case 'function': {
      const f = x as any;
      if (f.isClass) return f.metaclass ?? typeRegistry.type!;
      if (f.isEvent) return typeRegistry.event!;
      if (f.isBound) return typeRegistry.method!;
      if (f.builtin || f.builtinMethod) return typeRegistry.builtin_function_or_method!;
      return typeRegistry.function!;
    }
    case 'object': {
      if (x === null) return typeRegistry.NoneType!;
      const c = (x as any).__cls;
      if (c !== undefined) return c;
      return typeRegistry.object!;
    }
    default: return typeRegistry.object!;
  }
}

export function isinstance(x: unknown, cls: any): boolean {
  if (typeof cls === 'function' && cls.isClass) {
    if (cls === typeRegistry.object) return true;
    const t = typeOf(x);
    if (t === cls) return true;
    if (t.mro.indexOf(cls) >= 0) return true;
    // bool is a subclass of int
    return false;
  }
  if (cls != null && cls.__cls === typeRegistry.tuple) {
    for (const c of cls.items) if (isinstance(x, c)) return true;
    return false;
  }
  raiseError('TypeError', 'isinstance() arg 2 must be a type, a tuple of types, or a union');
}

export function issubclass(c: any, cls: any): boolean {
  if (!(typeof c === 'function' && c.isClass)) raiseError('TypeError', 'issubclass() arg 1 must be a class');
  if (cls != null && cls.__cls === typeRegistry.tuple) return cls.items.some((k: any) => issubclass(c, k));
  if (!(typeof cls === 'function' && cls.isClass)) raiseError('TypeError', 'issubclass() arg 2 must be a class, a tuple of classes, or a union');
  return c.mro.indexOf(cls) >= 0;
}

// ---------------------------------------------------------------------------------------------
// Attributes

/** A bound method: calls fn with self prepended. */
export function bindMethod(fn: any, self: unknown): any {
  const bound = function (...args: unknown[]) {
    args.unshift(self);
    return invoke(fn, undefined, args);
  };
  const b = bound as any;
  b.isBound = true; b.kw = true; b.boundSelf = self; b.boundFn = fn;
  b.pyName = fn.pyName ?? fn.name;
  return bound;
}

/** Binds a builtin (this-based) method. */
export function bindBuiltin(fn: any, self: unknown, name: string): any {
  const bound = function (...args: unknown[]) { return invoke(fn, self, args); };
  const b = bound as any;
  b.isBound = true; b.kw = true; b.boundSelf = self; b.boundFn = fn; b.pyName = name; b.builtinMethod = true;
  return bound;
}

function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

/** What a value found on an object's prototype chain reads as through the instance. */
export function methodOrValue(o: any, v: any, name: string): any {
  if (v.raw !== undefined) return hasOwn(o, '$' + name) ? v : bindMethod(v.raw, o);
  if (v.builtinMethod && !v.isBound) return bindBuiltin(v, o, name);
  if (v.classOf) return bindMethod(v.classOf, typeOf(o));
  if (v.staticOf) return v.staticOf;
  return v;
}

/** Extra getattr behaviour registered by other modules (dict keys as attributes, modules...). */
export const attrFallbacks: Array<(o: any, name: string) => unknown> = [];

/** Python getattr(o, name): the slow path behind compiled `o.name` loads. */
export function getattr(o: any, name: string): any {
  if (o === null || o === undefined) raiseError('AttributeError', `'NoneType' object has no attribute '${name}'`);
  const key = '$' + name;
  if (typeof o === 'function' && o.isClass) return classGetattr(o, name);
  const v = o[key];
  if (v !== undefined) return typeof v === 'function' ? methodOrValue(o, v, name) : v;
  const special = specialAttr(o, name);
  if (special !== undefined) return special;
  for (const fb of attrFallbacks) {
    const r = fb(o, name);
    if (r !== undefined) return r;
  }
  const ga = typeof o === 'object' ? o.$__getattr__ : undefined;
  if (typeof ga === 'function') return invoke(ga, o, [name]);
  raiseError('AttributeError', `'${typeOf(o).pyName}' object has no attribute '${name}'`);
}

/** getattr with a default (undefined when missing) and no exception. */
export function getattrOr(o: any, name: string): any {
  try { return getattr(o, name); } catch (e) {
    if (isinstance(e, typeRegistry.AttributeError)) return undefined;
    throw e;
  }
}

function classGetattr(F: any, name: string): any {
  const key = '$' + name;
  const own = F[key];
  if (own !== undefined) return own;
  // a property or descriptor read on the class: the property itself, __get__(None, cls) (before
  // the prototype's accessor, which would run with the prototype as the instance)
  const proto = F.prototype;
  if (proto) {
    const prop = proto['__prop_' + name];
    if (prop) return prop;
    const desc = proto['__desc_' + name];
    if (desc) return invoke(desc.$__get__, desc, [null, F]);
  }
  const v = F.prototype?.[key];
  if (v !== undefined) {
    if (typeof v === 'function') {
      if (v.raw) return v.raw;
      if (v.classOf) return bindMethod(v.classOf, F);
      if (v.staticOf) return v.staticOf;
      if (v.builtinMethod) return unboundBuiltin(v, name, F.pyName);
    }
    return v;
  }
  const propKey = '__prop_' + name;
  if (F.prototype && F.prototype[propKey]) return F.prototype[propKey];
  switch (name) {
    case '__name__': return F.pyName;
    case '__qualname__': return F.qualname;
    case '__module__': return F.module;
    case '__doc__': return F.doc ?? null;
    case '__mro__': return mkTuple(F.mro);
    case '__bases__': return mkTuple(F.bases);
    case '__base__': return F.bases[0] ?? null;
    case '__class__': return typeOf(F);
    case '__dict__': return classDict(F);
  }
  // attributes of the metaclass (`type` unless one was given), e.g. cls.mro()
  const meta = F.metaclass ?? typeRegistry.type;
  if (meta) {
    // a metaclass property or descriptor gets the class as its instance
    const mp = meta.prototype['__prop_' + name];
    if (mp) {
      if (mp.fget == null) raiseError('AttributeError', `property '${name}' of '${meta.pyName}' object has no getter`);
      return invoke(mp.fget, undefined, [F]);
    }
    const md = meta.prototype['__desc_' + name];
    if (md) return invoke(md.$__get__, md, [F, meta]);
    const mv = meta.prototype['$' + name];
    if (mv !== undefined) return typeof mv === 'function' ? methodOrValue(F, mv, name) : mv;
  }
  raiseError('AttributeError', `type object '${F.pyName}' has no attribute '${name}'`);
}

function unboundBuiltin(fn: any, name: string, owner?: string): any {
  if (fn.unbound) return fn.unbound;
  const u = function (self: unknown, ...args: unknown[]) { return invoke(fn, self, args); };
  (u as any).pyName = name; (u as any).kw = true; (u as any).builtin = true; (u as any).ownerType = owner;
  fn.unbound = u;
  return u;
}

// Set by containers at init (breaks the import cycle).
let mkTuple: (items: unknown[]) => unknown = () => { throw new Error('runtime not initialised'); };
let mkDictFromEntries: (entries: [unknown, unknown][]) => unknown = mkTuple as any;
export function setContainerFactories(tuple: (items: unknown[]) => unknown, dict: (entries: [unknown, unknown][]) => unknown): void {
  mkTuple = tuple; mkDictFromEntries = dict;
}

function classDict(F: any): unknown {
  const entries: [unknown, unknown][] = [];
  for (const k of Object.getOwnPropertyNames(F.prototype)) {
    if (k.charCodeAt(0) === 36) {
      const d = Object.getOwnPropertyDescriptor(F.prototype, k)!;
      let v = d.value;
      if (typeof v === 'function') v = v.raw ?? v.staticOf ?? v.classOf ?? v;
      entries.push([k.slice(1), v]);
    }
  }
  return mkDictFromEntries(entries);
}

export function instanceDict(o: any): unknown {
  const entries: [unknown, unknown][] = [];
  for (const k of Object.keys(unproxy(o))) if (k.charCodeAt(0) === 36) entries.push([k.slice(1), o[k]]);
  return mkDictFromEntries(entries);
}

function specialAttr(o: any, name: string): unknown {
  switch (name) {
    case '__class__': return typeOf(o);
    case '__dict__':
      if (typeof o === 'object' && o !== null && !Array.isArray(o) && typeOf(o).builtin !== true) return instanceDict(o);
      return undefined;
    case '__name__':
      if (typeof o === 'function') return o.pyName ?? o.name;
      return undefined;
    case '__qualname__':
      if (typeof o === 'function') return o.qualname ?? o.pyName ?? o.name;
      return undefined;
    case '__doc__':
      if (typeof o === 'function') return o.doc ?? null;
      return typeOf(o).doc ?? null;
    case '__module__':
      if (typeof o === 'function') return o.module ?? '__main__';
      return typeOf(o).module;
    case '__self__': return typeof o === 'function' && o.isBound ? o.boundSelf : undefined;
    case '__func__': return typeof o === 'function' && o.isBound ? o.boundFn : undefined;
    case '__defaults__': return typeof o === 'function' ? (o.defaults ? mkTuple(o.defaults) : null) : undefined;
  }
  return undefined;
}

/** Python setattr(o, name, v): used for class objects, functions, and from the builtin. */
export function setattr(o: any, name: string, v: unknown): null {
  if (o === null || o === undefined) raiseError('AttributeError', `'NoneType' object has no attribute '${name}'`);
  if (typeof o === 'function' && o.isClass) {
    if (o.builtin) raiseError('TypeError', `cannot set '${name}' attribute of immutable type '${o.pyName}'`);
    installAttr(o, name, v);
    return null;
  }
  if (typeof o !== 'object' && typeof o !== 'function') raiseError('AttributeError', `'${typeOf(o).pyName}' object has no attribute '${name}'`);
  if (typeof o === 'object' && typeOf(o).builtin) raiseError('AttributeError', `'${typeOf(o).pyName}' object has no attribute '${name}'`);
  o['$' + name] = v;
  return null;
}

export function delattr(o: any, name: string): null {
  const key = '$' + name;
  if (typeof o === 'function' && o.isClass) {
    if (!hasOwn(o.prototype, key)) raiseError('AttributeError', `type object '${o.pyName}' has no attribute '${name}'`);
    delete o.prototype[key];
    return null;
  }
  if (o == null || typeof o !== 'object' || !(key in o)) raiseError('AttributeError', `'${typeOf(o).pyName}' object has no attribute '${name}'`);
  if (!hasOwn(unproxy(o), key) && !o.__cls?.hooks) raiseError('AttributeError', `'${typeOf(o).pyName}' object attribute '${name}' is read-only`);
  delete o[key];
  return null;
}

export function hasattr(o: any, name: string): boolean {
  return getattrOr(o, name) !== undefined;
}

// ---------------------------------------------------------------------------------------------
// super()

/** Finds `name` in the MRO of `self`'s class after `cls`, bound to `self`. */
export function superGet(cls: PyClass, self: any, name: string): any {
  // self is a class below cls (a classmethod, __new__), or else an instance of cls; a class is an
  // instance of its metaclass (super() inside a metaclass's methods)
  const isCls = typeof self === 'function' && self.isClass && self.mro.includes(cls);
  const mro = isCls ? self.mro : typeOf(self).mro;
  let i = mro.indexOf(cls);
  if (i < 0) raiseError('TypeError', 'super(type, obj): obj must be an instance or subtype of type');
  const key = '$' + name;
  for (i++; i < mro.length; i++) {
    const p = mro[i]!.prototype;
    const d = Object.getOwnPropertyDescriptor(p, key);
    if (d === undefined) continue;
    if (d.get) return d.get.call(self);
    const v = d.value;
    if (typeof v === 'function') {
      if (v.raw) return isCls ? v.raw : bindMethod(v.raw, self);
      if (v.classOf) return bindMethod(v.classOf, isCls ? self : typeOf(self));
      if (v.staticOf) return v.staticOf;
      if (v.builtinMethod) return isCls ? unboundBuiltin(v, name) : bindBuiltin(v, self, name);
    }
    return v;
  }
  raiseError('AttributeError', `'super' object has no attribute '${name}'`);
}
