// repr() and str() of every value, with Python's exact text. Recursive containers print `[...]`.
import { PyFloat, PyComplex, floatRepr } from './numbers.js';
import { typeOf, invoke, getObjectProto, fnName } from './objects.js';
import { PyTuple, PyDict, PySet, PyFrozenSet, PyBytes, PyRange, PySlice, objectId } from './containers.js';
import { strRepr } from './strings.js';
import { Thrown } from './exceptions.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const active = new Set<unknown>();

export function addrOf(o: object): string {
  return '0x' + (0x7f0000000000 + objectId(o) * 16).toString(16);
}

function complexPart(x: number): string {
  const r = floatRepr(x);
  return r.endsWith('.0') ? r.slice(0, -2) : r;
}

export function complexRepr(c: PyComplex): string {
  if (c.re === 0 && !Object.is(c.re, -0)) return complexPart(c.im) + 'j';
  const im = c.im;
  const sign = im < 0 || Object.is(im, -0) || (Number.isNaN(im) && false) ? '-' : '+';
  return `(${complexPart(c.re)}${sign}${complexPart(Math.abs(im))}j)`;
}

export function bytesRepr(b: PyBytes): string {
  const data = b.data;
  let hasSingle = false, hasDouble = false;
  for (const c of data) { if (c === 39) hasSingle = true; else if (c === 34) hasDouble = true; }
  const q = hasSingle && !hasDouble ? '"' : "'";
  let s = '';
  for (const c of data) {
    if (c === 92) s += '\\\\';
    else if (c === 9) s += '\\t';
    else if (c === 10) s += '\\n';
    else if (c === 13) s += '\\r';
    else if (c === 39 && q === "'") s += "\\'";
    else if (c < 32 || c >= 127) s += '\\x' + c.toString(16).padStart(2, '0');
    else s += String.fromCharCode(c);
  }
  const body = `b${q}${s}${q}`;
  return b.mutable ? `bytearray(${body})` : body;
}

export function repr(x: any): string {
  switch (typeof x) {
    case 'number': return Number.isInteger(x) ? String(x) : floatRepr(x);
    case 'string': return strRepr(x);
    case 'boolean': return x ? 'True' : 'False';
    case 'bigint': return x.toString();
    case 'undefined': return 'None';
    case 'function': return funcRepr(x);
    case 'symbol': return String(x);
  }
  if (x === null) return 'None';
  if (x instanceof PyFloat) return floatRepr(x.v);
  if (Array.isArray(x) && typeOf(x).builtin) return seqRepr(x, '[', ']', x);
  // (a subclass of tuple reprs as a tuple unless it has its own __repr__)
  if (x instanceof PyTuple && (typeOf(x).builtin || (x as any).$__repr__ === (PyTuple.prototype as any).$__repr__)) return x.items.length === 1 ? seqRepr(x.items, '(', ',)', x) : seqRepr(x.items, '(', ')', x);
  if (x instanceof PyDict && typeOf(x).builtin) return dictRepr(x);
  if (x instanceof PySet && typeOf(x).builtin) {
    const frozen = x instanceof PyFrozenSet;
    if (x.size === 0) return frozen ? 'frozenset()' : 'set()';
    const body = seqRepr(Array.from(x), '{', '}', x);
    return frozen ? `frozenset(${body})` : body;
  }
  // a subclass of set or frozenset without its own __repr__: Name({...}), as CPython
  if (x instanceof PySet && (x as any).$__repr__ === (PySet.prototype as any).$__repr__) {
    const name = typeOf(x).pyName;
    return x.size === 0 ? `${name}()` : `${name}(${seqRepr(Array.from(x), '{', '}', x)})`;
  }
  if (x instanceof PyBytes) return bytesRepr(x);
  if (x instanceof PyComplex) return complexRepr(x);
  if (x instanceof PyRange) return x.step === 1 ? `range(${x.start}, ${x.stop})` : `range(${x.start}, ${x.stop}, ${x.step})`;
  if (x instanceof PySlice) return `slice(${repr(x.start)}, ${repr(x.stop)}, ${repr(x.step)})`;
  if (x instanceof Thrown) return repr(x.value);
  const f = x.$__repr__;
  if (typeof f === 'function') {
    if (active.has(x)) return '...';
    active.add(x);
    try {
      const r = invoke(f, x, []);
      if (typeof r !== 'string') throw new TypeError(`__repr__ returned non-string (type ${typeOf(r).pyName})`);
      return r;
    } finally { active.delete(x); }
  }
  if (typeof x.next === 'function' && typeof x[Symbol.iterator] === 'function') return `<generator object at ${addrOf(x)}>`;
  return objectRepr(x);
}

export function objectRepr(x: any): string {
  const t = typeOf(x);
  const mod = t.module === 'builtins' ? '' : t.module + '.';
  return `<${mod}${t.qualname} object at ${addrOf(x)}>`;
}

function funcRepr(f: any): string {
  if (f.isClass && f.metaclass) {
    const mr = f.metaclass.prototype.$__repr__;
    if (typeof mr === 'function' && mr !== getObjectProto().$__repr__ && !mr.builtinMethod) return invoke(mr, f, []);
  }
  if (f.isClass) return `<class '${f.module === 'builtins' ? '' : f.module + '.'}${f.qualname}'>`;
  if (f.ownerType) return `<method '${f.pyName}' of '${f.ownerType}' objects>`;
  if (f.isBound && f.builtinMethod) return `<built-in method ${f.pyName} of ${typeOf(f.boundSelf).pyName} object at ${addrOf(f.boundSelf)}>`;
  if (f.isBound) return `<bound method ${typeOf(f.boundSelf).qualname}.${f.pyName} of ${repr(f.boundSelf)}>`;
  if (f.builtin || f.builtinMethod) return `<built-in function ${fnName(f)}>`;
  if (f.isEvent) return `<event ${f.pyName}>`;
  return `<function ${f.qualname ?? fnName(f)} at ${addrOf(f)}>`;
}

function seqRepr(items: unknown[], open: string, close: string, self: unknown): string {
  if (active.has(self)) return open === '[' ? '[...]' : open === '{' ? '{...}' : '(...)';
  active.add(self);
  try {
    let s = open;
    for (let i = 0; i < items.length; i++) {
      if (i > 0) s += ', ';
      s += repr(items[i]);
    }
    return s + close;
  } finally { active.delete(self); }
}

function dictRepr(d: PyDict): string {
  if (active.has(d)) return '{...}';
  active.add(d);
  try {
    let s = '{', first = true;
    for (const [k, v] of d.table.entries()) {
      if (!first) s += ', ';
      first = false;
      s += repr(k) + ': ' + repr(v);
    }
    return s + '}';
  } finally { active.delete(d); }
}

export function str(x: any): string {
  if (typeof x === 'string') return x;
  if (typeof x === 'function' && x.isClass && x.metaclass) {
    const ms = x.metaclass.prototype.$__str__;
    if (typeof ms === 'function' && ms !== getObjectProto().$__str__ && !ms.builtinMethod) return invoke(ms, x, []);
  }
  if (x !== null && typeof x === 'object' && !(x instanceof PyFloat) && !Array.isArray(x)) {
    const f = x.$__str__;
    if (typeof f === 'function' && f !== getObjectProto().$__str__) {
      const r = invoke(f, x, []);
      if (typeof r !== 'string') throw new TypeError(`__str__ returned non-string (type ${typeOf(r).pyName})`);
      return r;
    }
  }
  if (x instanceof Thrown) return str(x.value);
  return repr(x);
}
