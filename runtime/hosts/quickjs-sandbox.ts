// The inside of the QuickJS sandbox: this module runs IN QuickJS, next to runtime/core, and is
// the sandbox's counterpart of MainHost's module code (module objects, `$rt` with the import
// helpers, `import` resolution, sys, buffered stdout, the top-level exception report). Like
// runtime/core it imports nothing from Node; the sandbox's module loader would refuse it anyway.
// Everything it can do outside QuickJS goes through the capability object the host installs as
// `globalThis.__xlangHost` before this module loads (taken and deleted on load):
//   write(fd 1|2, text), readLine(), sleep(ms), clock() ms, cpu() µs, find(name, fromDir) JSON,
//   evalModule(jsFile) -> module function, loadStd(name) -> stdlib module namespace, relax().
import { rt, builtinNames, objects, exceptions, repr, str } from '../core/index.js';
import { setCoreHost } from '../core/builtins.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

interface HostCaps {
  write(fd: number, text: string): void;
  /** a line of stdin; null at its end; undefined when the time limit has run out */
  readLine(): string | null | undefined;
  /** true when the time limit has run out (the program is being stopped) */
  sleep(ms: number): boolean;
  clock(): number;
  cpu(): number;
  find(name: string, fromDir: string): string;
  evalModule(jsFile: string): any;
  loadStd(name: string): any;
  relax(): void;
}

const g = globalThis as any;
const host: HostCaps = g.__xlangHost;
delete g.__xlangHost;

// --- what QuickJS lacks that runtime/core uses -------------------------------------------------

/** UTF-8 only, as the core uses them (lone surrogates encode as U+FFFD, like the real ones). */
class Utf8Encoder {
  readonly encoding = 'utf-8';
  encode(s = ''): Uint8Array {
    const out: number[] = [];
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); i++; } else c = 0xfffd;
      } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return Uint8Array.from(out);
  }
}

class Utf8Decoder {
  readonly encoding = 'utf-8';
  readonly fatal: boolean;
  constructor(label = 'utf-8', opts: { fatal?: boolean } = {}) {
    if (!/^utf-?8$/i.test(label)) throw new RangeError(`The "${label}" encoding is not supported in the sandbox`);
    this.fatal = !!opts.fatal;
  }
  decode(input?: Uint8Array | ArrayBuffer): string {
    const b = input === undefined ? new Uint8Array(0) : input instanceof Uint8Array ? input : new Uint8Array(input);
    let s = '';
    const bad = (): number => { if (this.fatal) throw new TypeError('The encoded data was not valid for encoding utf-8'); return 0xfffd; };
    for (let i = 0; i < b.length;) {
      const c = b[i]!;
      let cp: number, n: number;
      if (c < 0x80) { cp = c; n = 1; }
      else if (c >= 0xc2 && c < 0xe0) { cp = c & 31; n = 2; }
      else if (c >= 0xe0 && c < 0xf0) { cp = c & 15; n = 3; }
      else if (c >= 0xf0 && c < 0xf5) { cp = c & 7; n = 4; }
      else { s += String.fromCodePoint(bad()); i++; continue; }
      let ok = i + n <= b.length;
      for (let k = 1; ok && k < n; k++) {
        const d = b[i + k]!;
        if ((d & 0xc0) !== 0x80) ok = false; else cp = (cp << 6) | (d & 63);
      }
      if (ok && ((n === 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n === 4 && (cp < 0x10000 || cp > 0x10ffff)))) ok = false;
      if (!ok) { s += String.fromCodePoint(bad()); i++; continue; }
      s += String.fromCodePoint(cp);
      i += n;
    }
    return s;
  }
}
if (typeof g.TextEncoder === 'undefined') g.TextEncoder = Utf8Encoder;
if (typeof g.TextDecoder === 'undefined') g.TextDecoder = Utf8Decoder;

/** What stdlib/time.js reads from `process` (the loader prepends an import of this). */
export const timeProcess = {
  hrtime: { bigint: (): bigint => BigInt(Math.round(host.clock() * 1e6)) },
  cpuUsage: (): { user: number; system: number } => ({ user: host.cpu(), system: 0 }),
};

// --- output -------------------------------------------------------------------------------------

let out: string[] = [];
let outLen = 0;
function write(s: string): void {
  out.push(s);
  outLen += s.length;
  if (outLen > 1 << 16) flush();
}
function flush(): void {
  if (out.length === 0) return;
  const text = out.length === 1 ? out[0]! : out.join('');
  out = [];
  outLen = 0;
  host.write(1, text);
}

setCoreHost({
  write,
  readLine: () => {
    flush();
    const line = host.readLine();
    // undefined: the time limit ran out while waiting (stopped as in sleep)
    if (line === undefined) for (;;) { /* interrupted */ }
    return line;
  },
  sleep: (ms) => {
    flush();
    // past the time limit: spin until the interrupt (which no except clause catches) stops the program
    if (host.sleep(ms)) for (;;) { /* interrupted within a few thousand steps */ }
  },
  now: () => Date.now(),
});

// --- modules ------------------------------------------------------------------------------------

/** The Python module object (as MainHost's). */
class ModuleObject {
  constructor(readonly name: string, readonly file: string | null) {
    Object.defineProperty(this, '$__name__', { value: name, writable: true, enumerable: false });
    Object.defineProperty(this, '$__file__', { value: file, writable: true, enumerable: false });
  }
}
objects.builtinType('module', ModuleObject.prototype, (name: string) => new ModuleObject(name, null));
Object.defineProperty(ModuleObject.prototype, '$__repr__', {
  value: Object.assign(function (this: ModuleObject) {
    return this.file ? `<module '${this.name}' from '${this.file}'>` : `<module '${this.name}' (built-in)>`;
  }, { builtinMethod: true }),
});

/** `import m deferred`. */
class DeferredModule {
  module: unknown = undefined;
  constructor(readonly name: string, readonly imp: (n: string) => unknown) {}
}
Object.defineProperty(DeferredModule.prototype, '$load', {
  value: Object.assign(function (this: DeferredModule) {
    if (this.module === undefined) this.module = this.imp(this.name);
    return this.module;
  }, { builtinMethod: true }),
});
objects.attrFallbacks.push((o, name) => {
  if (!(o instanceof DeferredModule)) return undefined;
  if (o.module === undefined) exceptions.raiseError('ImportError', `deferred module '${o.name}' is not loaded yet: call ${o.name}.load() first`);
  return objects.getattr(o.module, name);
});
objects.attrFallbacks.push((o, name) => {
  if (o instanceof ModuleObject) exceptions.raiseError('AttributeError', `module '${o.name}' has no attribute '${name}'`);
  return undefined;
});

const unavailable = (what: string, exc = 'PermissionError') => (): never =>
  exceptions.raiseError(exc, `${what} is not available in the sandbox`);
const builtin = (name: string, f: (...a: any[]) => unknown, kw = false) => Object.assign(f, { pyName: name, builtin: true, ...(kw ? { kw: true } : {}) });
builtinNames.open = builtin('open', unavailable('open() (file access)'), true);
builtinNames.to_bin = builtin('to_bin', unavailable('to_bin()', 'NotImplementedError'));
builtinNames.from_bin = builtin('from_bin', unavailable('from_bin()', 'NotImplementedError'));
builtinNames.taskpool = builtin('taskpool', unavailable('taskpool (tasks)', 'RuntimeError'), true);
builtinNames.mainrun = builtin('mainrun', (f: unknown, ...args: unknown[]) => objects.invoke(f, undefined, args), true);
builtinNames.threadid = builtin('threadid', () => 0);

const runtime: any = Object.assign(Object.create(null), rt, {
  deferred: (name: string, imp: (n: string) => unknown) => new DeferredModule(name, imp),
  importFrom(mod: any, name: string, modName: string, imp: (n: string) => unknown) {
    const v = mod['$' + name];
    if (v !== undefined) return v;
    if (mod instanceof ModuleObject && mod.file && mod.file.endsWith('/')) {
      try { return imp(modName + '.' + name); } catch { /* fall through */ }
    }
    exceptions.raiseError('ImportError', `cannot import name '${name}' from '${modName}'`);
  },
  starImport(star: any, mod: any) {
    const all = mod.$__all__;
    const names: string[] = all !== undefined ? (rt.toArray(all) as string[]) : Object.keys(mod).filter(k => k.startsWith('$') && !k.startsWith('$_')).map(k => k.slice(1));
    for (const n of names) star['$' + n] = mod['$' + n];
  },
  starLoad(star: any, name: string, b: any) {
    const v = star['$' + name];
    if (v !== undefined) return v;
    if (name in b) return b[name];
    exceptions.raiseError('NameError', `name '${name}' is not defined`);
  },
});

const modules = new Map<string, any>();
let argv: string[] = [];
let platform = 'linux';

const dirOf = (file: string): string => file.slice(0, Math.max(0, file.lastIndexOf('/'))) || '/';

function execModule(name: string, file: string, fn: any): any {
  const m = new ModuleObject(name, file);
  modules.set(name, m);
  const dir = dirOf(file);
  try {
    fn(runtime, builtinNames, m, (spec: string) => importModule(spec, dir, name), false);
  } catch (e) {
    if (name !== '__main__') modules.delete(name);
    throw e;
  }
  return m;
}

function importModule(spec: string, fromDir: string, fromName: string): any {
  let name = spec;
  if (spec.startsWith('.')) {
    const level = spec.length - spec.replace(/^\.+/, '').length;
    const base = fromName.split('.');
    const pkg = base.slice(0, Math.max(0, base.length - level)).join('.');
    name = [pkg, spec.slice(level)].filter(Boolean).join('.');
    if (name === '') exceptions.raiseError('ImportError', 'attempted relative import with no known parent package');
  }
  const cached = modules.get(name);
  if (cached) return cached;
  const parts = name.split('.');
  let parent: any = null;
  for (let i = 0; i < parts.length; i++) {
    const sub = parts.slice(0, i + 1).join('.');
    let m = modules.get(sub);
    if (!m) {
      m = findAndLoad(sub, fromDir);
      if (parent) Object.defineProperty(parent, '$' + parts[i], { value: m, writable: true, configurable: true, enumerable: true });
    }
    parent = m;
  }
  return parent;
}

function findAndLoad(name: string, fromDir: string): any {
  const found = JSON.parse(host.find(name, fromDir)) as { kind: string; file?: string; jsFile?: string; message?: string };
  switch (found.kind) {
    case 'user': return execModule(name, found.file!, host.evalModule(found.jsFile!));
    case 'package': {
      const m = new ModuleObject(name, found.file!);
      modules.set(name, m);
      return m;
    }
    case 'sys': return native(name, sysModule());
    case 'std': return native(name, host.loadStd(name).create({ rt, objects, host: null, builtins: builtinNames }));
    case 'denied': return exceptions.raiseError('ImportError', found.message!);
    case 'compile-error': return exceptions.raiseError('SyntaxError', found.message!);
    default: return exceptions.raiseError('ModuleNotFoundError', `No module named '${name}'`);
  }
}

function native(name: string, members: Record<string, unknown>): ModuleObject {
  const m = new ModuleObject(name, null);
  for (const [k, v] of Object.entries(members)) {
    if (typeof v === 'function' && !(v as any).isClass) { (v as any).pyName ??= k; (v as any).builtin = true; }
    Object.defineProperty(m, '$' + k, { value: v, writable: true, configurable: true, enumerable: true });
  }
  modules.set(name, m);
  return m;
}

/** sys, on the sandbox's capabilities (stdlib/sys.js writes to file descriptors itself). */
function sysModule(): Record<string, unknown> {
  const types = objects.types;
  const stream = (fd: number) => {
    const o: any = Object.create(types.object!.prototype);
    o.$write = Object.assign((s: unknown) => {
      const text = rt.str(s);
      if (fd === 1) write(text); else { flush(); host.write(2, text); }
      return [...text].length;
    }, { builtin: true, pyName: 'write' });
    o.$flush = Object.assign(() => { if (fd === 1) flush(); return null; }, { builtin: true, pyName: 'flush' });
    return o;
  };
  let recursionLimit = 1000;
  return {
    argv: [...argv],
    exit: (code?: unknown) => { throw objects.construct(types.SystemExit!, code === undefined ? [] : [code]); },
    stdout: stream(1),
    stderr: stream(2),
    version: '3.11.0 (xlang 0.1.0)',
    version_info: rt.tuple([3, 11, 0, 'final', 0]),
    platform,
    maxsize: 9223372036854775807n, // CPython's on 64-bit machines (an int past 2**53 is a bigint here)
    byteorder: 'little',
    path: [],
    modules: rt.dict(),
    implementation: 'xlang',
    getrecursionlimit: () => recursionLimit,
    setrecursionlimit: (n: unknown) => { recursionLimit = rt.rangeArg(n); return null; },
  };
}

// --- running __main__ and reporting how it ended --------------------------------------------

/** One exception of a chain: its JS stack (frames are mapped by the host) and its last line. */
interface Reported { stack: string; summary: string; link: 'cause' | 'context' | null }
export type Outcome =
  | { status: 'ok' }
  | { status: 'exit'; code: number; message: string | null }
  | { status: 'error'; chain: Reported[]; memory: boolean };

/** Runs the compiled __main__ module function; returns the outcome as JSON (never throws a catchable error). */
export function runMain(fn: unknown, file: string, argvJson: string, plat: string): string {
  argv = JSON.parse(argvJson);
  platform = plat;
  try {
    execModule('__main__', file, fn);
    flush();
    return JSON.stringify({ status: 'ok' });
  } catch (e) {
    return JSON.stringify(outcomeOf(e));
  }
}

function isOutOfMemory(e: any): boolean {
  const js = e instanceof Error ? e : e?.jsError;
  return js instanceof Error && js.name === 'InternalError' && js.message === 'out of memory';
}

function outcomeOf(e: any): Outcome {
  const memory = e === null || isOutOfMemory(e);
  // a memory limit hit leaves the heap full: a little room to report it (the host caps this)
  if (memory) host.relax();
  try { flush(); } catch { out = []; outLen = 0; }
  if (memory) return { status: 'error', chain: [], memory: true };
  const x = exceptions.toPyExc(e);
  if (x && typeof x === 'object' && objects.isinstance(x, objects.types.SystemExit)) {
    const c = x.$code;
    if (c === null || c === undefined) return { status: 'exit', code: 0, message: null };
    if (typeof c === 'number' && Number.isInteger(c)) return { status: 'exit', code: c & 0xff, message: null };
    return { status: 'exit', code: 1, message: safe(() => str(c), '<exit value>') };
  }
  const xs: any[] = [];
  for (let c: any = x; c && xs.length < 10 && !xs.includes(c); c = c.$__cause__ ?? (c.$__suppress_context__ ? null : c.$__context__)) xs.unshift(c);
  const chain: Reported[] = xs.map((c, i) => ({
    stack: typeof c?.stack === 'string' ? c.stack : '',
    summary: safe(() => exceptions.excSummary(c, str, repr), `${safe(() => objects.typeOf(c).pyName, 'Error')}: <exception str() failed>`),
    // how this exception leads to the next one ("The above exception was the direct cause...")
    link: i === xs.length - 1 ? null : xs[i + 1].$__cause__ === c ? 'cause' : 'context',
  }));
  return { status: 'error', chain, memory: false };
}

/** Writes out buffered program output (the host calls it after stopping a program). */
export function flushOutput(): void {
  try { flush(); } catch { out = []; outLen = 0; }
}

function safe<T>(f: () => T, fallback: T): T {
  try { return f(); } catch { return fallback; }
}
