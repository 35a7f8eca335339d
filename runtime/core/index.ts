// The runtime object compiled code receives as `$rt`. Importing this module initialises the
// builtin types once; every host (main isolate, workers, QuickJS) uses the same object shape.
import * as ops from './ops.js';
import * as objects from './objects.js';
import * as exceptions from './exceptions.js';
import * as containers from './containers.js';
import * as numbers from './numbers.js';
import * as builtins from './builtins.js';
import { repr, str } from './repr.js';
import { formatValue } from './format.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

let initialised = false;
function init(): void {
  if (initialised) return;
  initialised = true;
  builtins.initFormatHost();
  builtins.initBuiltinTypes();
  exceptions.initExceptions(containers.tuple, str, repr);
}
init();

export const builtinNames: Record<string, unknown> = builtins.makeBuiltins();

/** Values of f-string fields: format(value, spec) after the conversion. */
function fmt(v: unknown, conv: number, spec: string): string {
  if (spec === '' && conv === 0) {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  }
  if (conv === 1) v = repr(v);
  else if (conv === 2) v = str(v);
  else if (conv === 3) v = builtinNames.ascii !== undefined ? (builtinNames.ascii as any)(v) : repr(v);
  if (spec === '' && typeof v === 'string') return v;
  if (spec === '' && (v === null || typeof v !== 'object')) return str(v);
  return formatValue(v, spec);
}

/**
 * An f-string's result, flattened: V8 keeps `a + b` of 13 characters or more as a rope that
 * holds both halves alive; trim() makes it one flat string, so a kept f-string costs one small
 * object (GC copies, and a later join reads one place in memory). A string with whitespace at
 * an end stays as it is. (trim() measured ~10% faster than the regexp test used before, which
 * also left the rope object in place until a collection shortcut it.)
 */
function fstr(s: string): string {
  const t = s.trim();
  return t.length === s.length ? t : s;
}

/** Python's `assert` failure. */
function assertFail(msg?: unknown): never {
  const e = objects.construct(objects.types.AssertionError!, msg === undefined ? [] : [msg]);
  exceptions.captureStack(e);
  throw e;
}

function nameError(name: string): never {
  exceptions.raiseError('NameError', `name '${name}' is not defined`);
}
/** What a def's unchecked twin ('quickjs' target) holds until the def statement runs. */
function unboundDef(name: string): () => never {
  return () => nameError(name);
}
function unboundLocal(name: string): never {
  exceptions.raiseError('UnboundLocalError', `cannot access local variable '${name}' where it is not associated with a value`);
}

/** Missing required argument / too many arguments (raised by compiled prologues). */
function argError(fname: string, kind: 'missing' | 'toomany', detail: string): never {
  if (kind === 'missing') exceptions.raiseError('TypeError', `${fname}() missing 1 required positional argument: '${detail}'`);
  exceptions.raiseError('TypeError', `${fname}() ${detail}`);
}

/**
 * The number of positional arguments a call gave (code compiled for QuickJS): `declared`, plus
 * the extra ones its trailing sentinel parameters caught (the last one given counts).
 */
function argsGiven(declared: number, ...extra: unknown[]): number {
  let n = extra.length;
  while (n > 0 && extra[n - 1] === undefined) n--;
  return declared + n;
}

/** Binds the arguments of a function with *args / keyword-only / **kwargs parameters. */
function bindArgs(f: any, argv: unknown[]): unknown[] {
  const spec = f.spec as { args: string[]; defaults: unknown[]; vararg: boolean; kwonly: string[]; kwdefaults: unknown[]; kwarg: boolean; posonly: number };
  const { pos, kw } = objects.splitKw(argv);
  const nargs = spec.args.length;
  const out: unknown[] = new Array(nargs);
  const name = f.pyName;
  for (let i = 0; i < nargs && i < pos.length; i++) out[i] = pos[i];
  let rest: unknown[] = [];
  if (pos.length > nargs) {
    if (!spec.vararg) {
      const min = nargs - spec.defaults.length;
      const takes = min === nargs ? `${nargs}` : `from ${min} to ${nargs}`;
      exceptions.raiseError('TypeError', `${name}() takes ${takes} positional argument${nargs === 1 ? '' : 's'} but ${pos.length} ${pos.length === 1 ? 'was' : 'were'} given`);
    }
    rest = pos.slice(nargs);
  }
  const kwo: unknown[] = new Array(spec.kwonly.length);
  let extra: containers.PyDict | null = spec.kwarg ? new containers.PyDict() : null;
  if (kw) {
    let posonlyByName: string[] | null = null;
    for (let i = 0; i < kw.names.length; i++) {
      const k = kw.names[i]!, v = kw.values[i];
      let j = spec.args.indexOf(k);
      if (j >= spec.posonly) {
        if (out[j] !== undefined) exceptions.raiseError('TypeError', `${name}() got multiple values for argument '${k}'`);
        out[j] = v;
        continue;
      }
      const posonly = j >= 0;
      j = spec.kwonly.indexOf(k);
      if (j >= 0) { kwo[j] = v; continue; }
      if (extra) { extra.set(k, v); continue; }
      if (posonly) { (posonlyByName ??= []).push(k); continue; }
      exceptions.raiseError('TypeError', `${name}() got an unexpected keyword argument '${k}'`);
    }
    if (posonlyByName) exceptions.raiseError('TypeError', `${name}() got some positional-only arguments passed as keyword arguments: '${posonlyByName.join(', ')}'`);
  }
  const firstDefault = nargs - spec.defaults.length;
  for (let i = 0; i < nargs; i++) {
    if (out[i] === undefined) {
      if (i >= firstDefault) out[i] = spec.defaults[i - firstDefault];
      else exceptions.raiseError('TypeError', `${name}() missing 1 required positional argument: '${spec.args[i]}'`);
    }
  }
  for (let i = 0; i < kwo.length; i++) {
    if (kwo[i] === undefined) {
      if (spec.kwdefaults[i] !== undefined) kwo[i] = spec.kwdefaults[i];
      else exceptions.raiseError('TypeError', `${name}() missing 1 required keyword-only argument: '${spec.kwonly[i]}'`);
    }
  }
  const result = out;
  if (spec.vararg) result.push(containers.tuple(rest));
  for (const v of kwo) result.push(v);
  if (spec.kwarg) result.push(extra);
  return result;
}

/** Defines function metadata in one call (keeps generated code short). */
function fn(f: any, name: string, qualname: string, params: string[] | null, defaults: unknown[] | null, module: string, doc: string | null): any {
  f.pyName = name;
  f.qualname = qualname;
  f.module = module;
  if (params) f.params = params;
  if (defaults) f.defaults = defaults;
  if (doc !== null) f.doc = doc;
  return f;
}
/** Metadata for a function with *args / keyword-only / **kwargs (bound by bindArgs). */
function fnx(f: any, name: string, qualname: string, spec: unknown, module: string, doc: string | null): any {
  f.pyName = name;
  f.qualname = qualname;
  f.module = module;
  f.spec = spec;
  f.kw = true;
  if (doc !== null) f.doc = doc;
  return f;
}

/** Calls `o.name(...args)` when `o.$name` is not a plain JS function. */
function callAttr(o: any, name: string, args: unknown[]): any {
  const f = objects.getattr(o, name);
  return objects.invoke(f, undefined, args);
}

/** `o.name(*pos, **kw)` */
function callAttrKw(o: any, name: string, pos: unknown[], names: string[], values: unknown[]): any {
  const f = objects.getattr(o, name);
  return objects.callKw(f, pos, names, values);
}

/** A dict literal: alternating keys and values. */
function dict(...kv: unknown[]): containers.PyDict {
  const d = new containers.PyDict();
  for (let i = 0; i < kv.length; i += 2) d.set(kv[i], kv[i + 1]);
  return d;
}

function dictSpread(d: containers.PyDict, src: any): void {
  if (src instanceof containers.PyDict) { for (const [k, v] of src.table.entries()) d.set(k, v); return; }
  containers.dictUpdate(d, src);
}

/** `**mapping` in a call: names and values. */
function kwSpread(names: string[], values: unknown[], src: any): void {
  const d = new containers.PyDict();
  dictSpread(d, src);
  for (const [k, v] of d.table.entries()) {
    if (typeof k !== 'string') exceptions.raiseError('TypeError', 'keywords must be strings');
    if (names.includes(k)) exceptions.raiseError('TypeError', `got multiple values for keyword argument '${k}'`);
    names.push(k); values.push(v);
  }
}

/** Namespace declarations: `namespace a.b.c = v` / `const` / `var`. */
class Namespace {
  constructor(readonly nsName: string) {}
}
Object.defineProperty(Namespace.prototype, '$__repr__', { value: Object.assign(function (this: Namespace) { return `<namespace ${this.nsName}>`; }, { builtinMethod: true }) });

function nsPath(root: any, rootName: string, path: string[], create: boolean): any {
  let o = root;
  let name = rootName;
  for (const p of path) {
    name += '.' + p;
    let next = o['$' + p];
    if (next === undefined) {
      if (!create) exceptions.raiseError('AttributeError', `namespace '${name}' does not exist`);
      next = new Namespace(name);
      Object.defineProperty(o, '$' + p, { value: next, writable: true, configurable: true, enumerable: true });
    }
    o = next;
  }
  return o;
}

/** Assigns `value` at `path` below `root` (a Namespace); const makes the slot read-only. */
function nsAssign(root: any, rootName: string, path: string[], value: unknown, isConst: boolean): void {
  const parent = nsPath(root, rootName, path.slice(0, -1), true);
  const last = path[path.length - 1]!;
  const key = '$' + last;
  const d = Object.getOwnPropertyDescriptor(parent, key);
  if (d && d.writable === false) exceptions.raiseError('TypeError', `cannot assign to constant '${rootName}.${path.join('.')}'`);
  Object.defineProperty(parent, key, { value, writable: !isConst, configurable: !isConst, enumerable: true });
}
function newNamespace(name: string): Namespace { return new Namespace(name); }

function setattrFast(o: any, name: string, v: unknown): void {
  if (typeof o === 'function' || (o !== null && typeof o === 'object' && objects.typeOf(o).builtin)) { objects.setattr(o, name, v); return; }
  if (o === null || o === undefined || typeof o !== 'object') { objects.setattr(o, name, v); return; }
  o['$' + name] = v;
}

/** The XLang `except e:` test and the general isinstance test for except clauses. */
function excMatch(e: any, cls: any): boolean {
  const v = e instanceof exceptions.Thrown ? e.value : e;
  if (cls instanceof containers.PyTuple) return cls.items.some(c => excMatch(e, c));
  if (!(typeof cls === 'function' && cls.isClass)) exceptions.raiseError('TypeError', 'catching classes that do not inherit from BaseException is not allowed');
  return objects.isinstance(v, cls);
}
/** The value an except clause binds. */
function excValue(e: any): unknown { return e instanceof exceptions.Thrown ? e.value : e; }

/**
 * Implicit chaining: an exception raised while `handled` was being handled (out of its except
 * block, or caught by a try inside it) gets it as `__context__`, unless it has one, and without
 * making a cycle (Python cuts the link that would close one).
 */
function excChain(x: unknown, handled: any): any {
  const p: any = exceptions.toPyExc(x);
  if (p === handled || p instanceof exceptions.Thrown || p === null || typeof p !== 'object' || p.$__context__ != null) return p;
  if (handled instanceof exceptions.Thrown || !exceptions.isException(p) || !exceptions.isException(handled)) return p;
  for (let o = handled; o != null; o = o.$__context__) if (o.$__context__ === p) { o.$__context__ = null; break; }
  p.$__context__ = handled;
  return p;
}

/** Context managers: `with` enter/exit. */
function withEnter(m: any): [unknown, any] {
  const exit = objects.getattr(m, '__exit__');
  const v = callAttr(m, '__enter__', []);
  return [v, exit];
}
function withExit(exit: any, e: any): boolean {
  if (e === undefined) { objects.call(exit, [null, null, null]); return false; }
  const v = excValue(e);
  return ops.truthy(objects.call(exit, [objects.typeOf(v), v, null]));
}

/** Lazy module-level name lookup (for names possibly unassigned at run time). */
function checkBound<T>(v: T, name: string): T {
  if (v === undefined) nameError(name);
  return v;
}

/** A generator's `yield from`: delegate and return the sub-generator's value. */
function* yieldFrom(it: any): Generator<unknown, unknown, unknown> {
  if (it !== null && typeof it === 'object' && typeof it.next === 'function' && typeof it[Symbol.iterator] === 'function') {
    return yield* it;
  }
  for (const v of ops.iter(it)) yield v;
  return null;
}

/** Converts a caught JS value to the Python exception an `except` sees. */
function caught(e: unknown): any { return exceptions.toPyExc(e); }

function boolOf(x: unknown): boolean { return ops.truthy(x); }

function attrLoad(o: any, name: string, v: any): any {
  // v is o.$name, already read by the compiled code
  if (v === undefined) return objects.getattr(o, name);
  return objects.methodOrValue(o, v, name);
}

/**
 * Tags a module-level def/class with where it was defined (its module instance and definition
 * index), so the serializer can send it by reference and a task host can recreate it.
 */
function defined<T>(v: T, m: object, id: number): T {
  // the host names the artifact running in m (a REPL module runs one artifact per input)
  const art = (m as { xart?: string }).xart ?? '';
  if (typeof v === 'function' && !Object.prototype.hasOwnProperty.call(v, 'xdef')) {
    Object.defineProperty(v, 'xdef', { value: { m, id, art }, writable: true, configurable: true });
  }
  // the module remembers what each definition produced (a by-reference lookup in this isolate)
  let defs = (m as { xdefs?: Map<string, unknown> }).xdefs;
  if (!defs) Object.defineProperty(m, 'xdefs', { value: defs = new Map(), writable: true, configurable: true });
  defs.set(`${art}:${id}`, v);
  return v;
}

/** The runtime as compiled modules see it. */
export const rt = {
  // operators
  add: ops.add, sub: ops.sub, mul: ops.mul, truediv: ops.truediv, floordiv: ops.floordiv, mod: ops.mod, pow: ops.pow,
  lshift: ops.lshift, rshift: ops.rshift, bitand: ops.bitand, bitor: ops.bitor, bitxor: ops.bitxor, matmul: ops.matmul,
  iop: ops.iop, neg: ops.neg, pos: ops.pos, invert: ops.invert, not: ops.not, truthy: boolOf,
  eq: ops.eq, ne: ops.ne, lt: ops.lt, le: ops.le, gt: ops.gt, ge: ops.ge, is: ops.is, contains: ops.contains,
  getitem: ops.getitem, setitem: ops.setitem, delitem: ops.delitem, slice: ops.slice, len: ops.len, lenVs: ops.lenVs,
  iter: ops.iter, toArray: ops.toArray, unpack: ops.unpack, rangeArg: ops.rangeArg, next: builtins.next,
  // values
  float: numbers.mkfloat, PyFloat: numbers.PyFloat, PyComplex: numbers.PyComplex, big: numbers.mkint,
  tuple: containers.tuple, dict, dictSpread, set: (items: unknown[]) => containers.PySet.of(items),
  bytes: (a: number[]) => new containers.PyBytes(Uint8Array.from(a)),
  fmt, fstr, str, repr, ELLIPSIS: builtins.ELLIPSIS,
  // calls and objects
  call: objects.call, callKw: objects.callKw, callAttr, callAttrKw, kwSpread, invoke: objects.invoke,
  fn, fnx, bindArgs, argError, argsGiven, KwArgs: objects.KwArgs,
  // what code compiled for QuickJS tests inline (hoisted: a global lookup per use costs there)
  isInt: Number.isInteger, isSafe: Number.isSafeInteger, isArray: Array.isArray,
  initResult: objects.initResultError,
  getattr: objects.getattr, attrLoad, setattr: setattrFast, delattr: objects.delattr, methodOrValue: objects.methodOrValue,
  makeClass: objects.makeClass, superOf: builtins.superOf, EventDecl: objects.EventDecl,
  // exceptions
  raise: exceptions.raiseValue, caught, excChain, excMatch, excValue, assertFail, nameError, unboundDef, unboundLocal, checkBound,
  Thrown: exceptions.Thrown,
  withEnter, withExit, yieldFrom,
  // namespaces
  newNamespace, nsAssign, nsPath,
  defined,
};

export type Runtime = typeof rt;

export { repr, str, builtins, exceptions, objects, containers, numbers, ops };
