// The main host: runs compiled XLang modules in this V8 isolate. It resolves and loads
// modules (with a content-addressed compile cache on disk), wires stdout/stdin/sleep into the
// core runtime, and turns uncaught exceptions into Python-style tracebacks of .x frames.
import { readFileSync, existsSync, statSync, writeSync, readSync } from 'node:fs';
import { dirname, join, resolve, isAbsolute } from 'node:path';
import { createRequire } from 'node:module';
import { Script } from 'node:vm';
import { rt, builtinNames, objects, exceptions, repr, str, containers } from '../core/index.js';
import { setCoreHost } from '../core/builtins.js';
import { makeOpen } from './files.js';
import type { Diagnostic } from '../../compiler/diagnostics.js';
import type { CompileResult, Manifest } from '../../compiler/index.js';
import type { Linker } from './serializer.js';
import { cacheGet, cachePut, cacheKey, compilerBuildId, defaultCacheDir } from './compile-cache.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const require = createRequire(import.meta.url);
/** The compiler this host loads (next to this file: dist/compiler, or compiler/ when run from source). */
const COMPILER_DIR = resolve(dirname(new URL(import.meta.url).pathname), '../../compiler');
const COMPILER_EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
/** The stdlib modules written in XLang (`stdlib/*.x` in the source tree; dist holds no copy). */
export const X_STDLIB = resolve(dirname(new URL(import.meta.url).pathname), COMPILER_EXT === '.ts' ? '../../stdlib' : '../../../stdlib');

/** A compile error surfaced while loading a module (the CLI prints its diagnostics). */
export class CompileError extends Error {
  constructor(readonly path: string, readonly source: string, readonly diagnostics: Diagnostic[]) {
    super(`${path}: ${diagnostics.filter(d => d.severity === 'error').length} error(s)`);
  }
}

/** A loaded compiled module: what tracebacks need to map frames back to .x. */
interface Loaded {
  path: string;
  source: string;
  map: string;
  manifest: Manifest;
  trace?: import('@jridgewell/trace-mapping').TraceMap;
}

/** A compiled module as it travels to other isolates: enough to instantiate it there. */
export interface Artifact {
  id: string;
  path: string;
  /** File name of the evaluated script when it is not path + '.js' (REPL inputs). */
  jsFile?: string;
  moduleName: string;
  source: string;
  script: string;
  map: string;
  manifest: Manifest;
  /** An interactive input: the names earlier inputs bound (it was compiled with them declared). */
  predeclared?: string[];
}

/** The Python module object. */
export class ModuleObject {
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

/** `import m deferred`: a handle whose load() performs the import; attribute reads forward after it. */
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

// Host capabilities the core leaves to hosts: serialization (msgpackr loads on first use).
let serializer: typeof import('./serializer.js') | null = null;
let currentHost: MainHost | null = null;
const ser = (): typeof import('./serializer.js') => {
  if (!serializer) {
    serializer = require('./serializer.js') as typeof import('./serializer.js');
    if (currentHost) serializer.setLinker(currentHost.linker);
  }
  return serializer;
};
/** The serializer, bound to the current host's code references. */
export const serializerModule = ser;

export type HostCallResult = { ok: true; value: any } | { ok: false; type: string; message: string };
/**
 * Services a host provides to stdlib modules instead of their own. In a Cantor node's worker
 * (worker.ts, mode 'node') `cantor` carries the cantor module's calls to the node's main
 * thread, which runs them for the task's tenant.
 */
export const hostBindings: {
  cantor: ((method: string, args: unknown[], timeoutMs?: number) => HostCallResult) | null;
  /** `import name thru addr` in the module from `fromFile` (the cantor module sets it when loaded). */
  thru: ((name: string, addr: unknown, fromFile: string | null) => unknown) | null;
} = { cantor: null, thru: null };
builtinNames.to_bin = Object.assign((v: unknown) => ser().toBin(v), { pyName: 'to_bin', builtin: true });
builtinNames.from_bin = Object.assign((b: unknown) => ser().fromBin(b), { pyName: 'from_bin', builtin: true });
builtinNames.open = makeOpen(x => rt.iter(x));

// Tasks (taskpool, f.taskrun, futures) load on first use; a worker isolate replaces these.
let taskSystem: import('./tasks.js').TaskSystem | null = null;
const tasks = (): import('./tasks.js').TaskSystem => {
  if (!taskSystem) {
    const t = require('./tasks.js') as typeof import('./tasks.js');
    taskSystem = t.installTasks(currentHost!);
    currentHost!.stopHooks.push(() => { taskSystem = null; });
  }
  return taskSystem;
};
/** This isolate's task system (cantor.pool makes pools with it). */
export const localTasks = tasks;
builtinNames.taskpool = Object.assign((...args: unknown[]) => tasks().pool(args), { pyName: 'taskpool', builtin: true, kw: true });
builtinNames.mainrun = Object.assign((f: unknown, ...args: unknown[]) => objects.invoke(f, undefined, args), { pyName: 'mainrun', builtin: true, kw: true });
builtinNames.threadid = Object.assign(() => 0, { pyName: 'threadid', builtin: true });

const runtime: any = Object.assign(Object.create(null), rt, {
  deferred: (name: string, imp: (n: string) => unknown) => new DeferredModule(name, imp),
  importFrom(mod: any, name: string, modName: string, imp: (n: string) => unknown) {
    const v = mod['$' + name];
    if (v !== undefined) return v;
    // a submodule of a package
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
  /** `import name thru addr`: the cantor module provides what serves it. */
  thruImport(name: string, addr: unknown, imp: (n: string) => unknown, mod: any) {
    if (!hostBindings.thru) imp('cantor');
    return hostBindings.thru!(name, addr, typeof mod?.$__file__ === 'string' ? mod.$__file__ : null);
  },
  /** The interactive prompt shows an expression statement's value (not None). */
  replShow(v: unknown) {
    if (v !== null && v !== undefined) currentHost?.write(repr(v) + '\n');
  },
  starLoad(star: any, name: string, b: any) {
    const v = star['$' + name];
    if (v !== undefined) return v;
    if (name in b) return b[name];
    exceptions.raiseError('NameError', `name '${name}' is not defined`);
  },
});

export interface HostOptions {
  argv?: string[];
  /** Extra module search folders (XLANG_PATH). */
  searchPath?: string[];
  /** Directory of the compile cache; null disables it. */
  cacheDir?: string | null;
  /** Where program output goes (default: file descriptor 1). */
  stdout?: (text: string) => void;
}

let compilerMod: typeof import('../../compiler/index.js') | null = null;
/** The compiler is loaded only when a module is not in the cache (it costs start-up time). */
function compiler(): typeof import('../../compiler/index.js') {
  if (!compilerMod) compilerMod = require('../../compiler/index.js');
  return compilerMod!;
}

export class MainHost {
  readonly modules = new Map<string, any>();
  private readonly loaded = new Map<string, Loaded>();
  private readonly artifacts = new Map<string, Artifact>();
  private readonly moduleFns = new Map<string, any>();
  /** Module instance -> its artifact (for sending its definitions by reference). */
  private readonly moduleArtifacts = new WeakMap<object, Artifact>();
  /** Artifact id -> the module that ran its statements in this isolate. */
  private readonly liveModules = new Map<string, any>();
  private readonly instances = new Map<string, { m: any; factories: Array<() => unknown> }>();
  /** Run when the main module has finished (tasks drain), and when the host stops. */
  readonly finishHooks: Array<() => void> = [];
  readonly stopHooks: Array<() => void> = [];
  private out: string[] = [];
  private outLen = 0;
  readonly cacheDir: string | null;
  readonly searchPath: string[];
  private stdlibDir: string;

  constructor(readonly opts: HostOptions = {}) {
    this.cacheDir = opts.cacheDir === undefined ? defaultCacheDir() : opts.cacheDir;
    this.searchPath = opts.searchPath ?? (process.env.XLANG_PATH ? process.env.XLANG_PATH.split(':').filter(Boolean) : []);
    this.stdlibDir = resolve(dirname(new URL(import.meta.url).pathname), '../../stdlib');
    Error.stackTraceLimit = 64;
    currentHost = this;
    serializer?.setLinker(this.linker);
    setCoreHost({
      write: (s) => this.write(s),
      readLine: () => { this.flush(); return readLineSync(); },
      sleep: (ms) => { this.flush(); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); },
      now: () => Date.now(),
    });
  }

  write(s: string): void {
    this.out.push(s);
    this.outLen += s.length;
    if (this.outLen > 1 << 16) this.flush();
  }

  flush(): void {
    if (this.out.length === 0) return;
    const text = this.out.join('');
    this.out = [];
    this.outLen = 0;
    if (this.opts.stdout) this.opts.stdout(text); else writeAll(1, text);
  }

  // --- loading ------------------------------------------------------------------------------

  /** Compiles (or fetches from the cache) and evaluates a module function. */
  private load(path: string, source: string, moduleName: string): { fn: any; loaded: Loaded; artifact: Artifact } {
    const key = cacheKey(compilerBuildId(COMPILER_DIR, COMPILER_EXT), moduleName, 'v8');
    let entry = cacheGet(this.cacheDir, key, source);
    if (!entry) {
      const res: CompileResult = compiler().compile(source, path, { moduleName, target: 'v8' });
      if (res.diagnostics.some(d => d.severity === 'error')) throw new CompileError(path, source, res.diagnostics);
      entry = { script: res.script, map: res.map, manifest: res.manifest, source, key };
      cachePut(this.cacheDir, entry);
    }
    const artifact: Artifact = { id: entry.manifest.contentId, path, moduleName, source, script: entry.script, map: entry.map, manifest: entry.manifest };
    this.artifacts.set(artifact.id, artifact);
    const { fn, loaded } = this.evaluate(artifact);
    return { fn, loaded, artifact };
  }

  /** Evaluates an artifact's module function in this isolate (once per artifact). */
  private evaluate(a: Artifact): { fn: any; loaded: Loaded } {
    const jsFile = a.jsFile ?? a.path + '.js';
    let loaded = this.loaded.get(jsFile);
    let fn = this.moduleFns.get(a.id);
    if (!loaded || !fn) {
      loaded = { path: a.path, source: a.source, map: a.map, manifest: a.manifest };
      this.loaded.set(jsFile, loaded);
      // Under a debugger the script carries its source map, so breakpoints set in the .x file bind.
      let code = a.script;
      if (debuggerAttached()) {
        // --inspect-brk stops before the program's first line (inserted on the same line: no map shift)
        if (a.moduleName === '__main__' && process.env.XLANG_BREAK_ON_START === '1') code = code.replace("'use strict';", "'use strict'; debugger;");
        code += `\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(a.map).toString('base64')}\n`;
      }
      fn = new Script(code, { filename: jsFile }).runInThisContext();
      this.moduleFns.set(a.id, fn);
    }
    return { fn, loaded };
  }

  // --- code references (the serializer's Linker) ------------------------------------------------

  /** Modules whose code arrived from another isolate, by name: `import name` runs that code. */
  private readonly shipped = new Map<string, Artifact>();

  /** Makes an artifact from another isolate known here (its code arrives with a task). */
  addArtifact(a: Artifact): void {
    if (this.artifacts.has(a.id)) return;
    this.artifacts.set(a.id, a);
    // a module imported by name on another machine has no file here: its shipped code is it
    if (a.moduleName !== '__main__') this.shipped.set(a.moduleName, a);
  }

  /** Runs a shipped module's statements here, as `import` would from its file. */
  private runShipped(name: string, a: Artifact): any {
    return this.runModule(name, a, this.evaluate(a).fn);
  }

  artifact(id: string): Artifact | undefined { return this.artifacts.get(id); }

  readonly linker: Linker = {
    artifactOf: (m: object, artId: string) => {
      const a = (artId && this.artifacts.get(artId)) || this.moduleArtifacts.get(m);
      if (!a) return null;
      return { id: a.id, reads: (defId: number) => a.manifest.definitions[defId]?.reads ?? [] };
    },
    definition: (artId: string, defId: number, name: string) => {
      const live = this.liveModules.get(artId);
      const v = live?.xdefs?.get(`${artId}:${defId}`);
      if (v !== undefined) return { live: v };
      return this.instanceOf(artId, name);
    },
    importModule: (name: string, file: string | null) => {
      const have = this.modules.get(name);
      if (have) return have;
      if (this.shipped.has(name)) return this.importModule(name, process.cwd(), '__main__');
      if (file && existsSync(file) && statSync(file).isFile()) return this.execModule(name, file, readFileSync(file, 'utf8'));
      return this.importModule(name, process.cwd(), '__main__');
    },
    tracebackOf: (e: any) => this.framesText(e) + (typeof e?.remoteTraceback === 'string' ? e.remoteTraceback : ''),
  };

  /**
   * An instance of an artifact in which definitions are created without running the module's
   * statements (a task's view of its module). One per artifact, reused: every name a task's
   * function reads is set again from the values captured with the task.
   */
  private instanceOf(artId: string, name: string): { m: any; factories: Array<() => unknown> } {
    let inst = this.instances.get(artId);
    if (inst) return inst;
    const a = this.artifacts.get(artId);
    if (!a) exceptions.raiseError('ImportError', `the code of '${name}' (artifact ${artId.slice(0, 12)}) is not available in this isolate`);
    const { fn } = this.evaluate(a);
    const m = new ModuleObject(a.moduleName, a.path);
    Object.defineProperty(m, 'xart', { value: a.id, writable: true });
    const dir = a.path.startsWith('<') ? process.cwd() : dirname(a.path);
    const factories = fn(runtime, builtinNames, m, (spec: string) => this.importModule(spec, dir, a.moduleName), true);
    this.moduleArtifacts.set(m, a);
    inst = { m, factories };
    this.instances.set(artId, inst);
    return inst;
  }

  /** Runs a source file as __main__. */
  runMain(path: string, source?: string): void {
    const abs = isAbsolute(path) ? path : resolve(path);
    const src = source ?? readFileSync(abs, 'utf8');
    this.runAsMain(abs, src);
  }

  /** Runs source text as __main__ (xlang -c). */
  runSource(source: string, path = '<string>'): void {
    this.runAsMain(path, source);
  }

  // --- interactive input ---------------------------------------------------------------------

  private replModule: ModuleObject | null = null;
  private replInputs = 0;

  /** The __main__ module of an interactive session: its names persist from input to input. */
  replMain(): ModuleObject {
    if (!this.replModule) {
      this.replModule = new ModuleObject('__main__', null);
      this.modules.set('__main__', this.replModule);
    }
    return this.replModule;
  }

  /** Names bound so far in the interactive session. */
  replNames(): string[] {
    return Object.keys(this.replMain()).filter(k => k.startsWith('$')).map(k => k.slice(1));
  }

  /** Compiles and runs one complete interactive input; shows the values of expression statements. */
  runReplInput(source: string): void {
    const m = this.replMain();
    const n = ++this.replInputs;
    const predeclared = this.replNames();
    const res: CompileResult = compiler().compile(source, '<stdin>', { moduleName: '__main__', repl: { predeclared } });
    if (res.diagnostics.some(d => d.severity === 'error')) throw new CompileError('<stdin>', source, res.diagnostics);
    const artifact: Artifact = {
      id: `${res.manifest.contentId}:${n}`, path: '<stdin>', jsFile: `<stdin>#${n}.js`, moduleName: '__main__',
      source, script: res.script, map: res.map, manifest: res.manifest, predeclared,
    };
    this.artifacts.set(artifact.id, artifact);
    const { fn } = this.evaluate(artifact);
    Object.defineProperty(m, 'xart', { value: artifact.id, writable: true, configurable: true });
    this.moduleArtifacts.set(m, artifact);
    this.liveModules.set(artifact.id, m);
    fn(runtime, builtinNames, m, (spec: string) => this.importModule(spec, process.cwd(), '__main__'));
  }

  /** Runs __main__, then waits for its outstanding tasks; stops the task machinery either way. */
  private runAsMain(path: string, source: string): void {
    try {
      this.execModule('__main__', path, source);
      for (const f of this.finishHooks) f();
    } finally {
      this.stop();
    }
  }

  /** Releases what the program started (worker threads); idempotent. */
  stop(): void {
    const hooks = this.stopHooks.splice(0);
    for (const f of hooks) { try { f(); } catch { /* stopping must not hide the program's own error */ } }
  }

  private execModule(name: string, path: string, source: string): any {
    const { fn, artifact } = this.load(path, source, name);
    return this.runModule(name, artifact, fn);
  }

  /** Runs a module's statements as module `name` (registered first, so cyclic imports see it). */
  private runModule(name: string, artifact: Artifact, fn: any): any {
    const m = new ModuleObject(name, artifact.path);
    Object.defineProperty(m, 'xart', { value: artifact.id, writable: true });
    this.modules.set(name, m);
    this.moduleArtifacts.set(m, artifact);
    this.liveModules.set(artifact.id, m);
    const dir = artifact.path.startsWith('<') ? process.cwd() : dirname(artifact.path);
    const imp = (spec: string) => this.importModule(spec, dir, name);
    try {
      fn(runtime, builtinNames, m, imp);
    } catch (e) {
      if (name !== '__main__') this.modules.delete(name);
      throw e;
    }
    return m;
  }

  /** The module object for `import spec` from a module in `fromDir`. */
  importModule(spec: string, fromDir: string, fromName: string): any {
    let name = spec;
    if (spec.startsWith('.')) {
      const level = spec.length - spec.replace(/^\.+/, '').length;
      const base = fromName.split('.');
      const pkg = base.slice(0, Math.max(0, base.length - level)).join('.');
      name = [pkg, spec.slice(level)].filter(Boolean).join('.');
      if (name === '') exceptions.raiseError('ImportError', 'attempted relative import with no known parent package');
    }
    const cached = this.modules.get(name);
    if (cached) return cached;
    const parts = name.split('.');
    // a dotted import loads each package on the way
    let parent: any = null;
    for (let i = 0; i < parts.length; i++) {
      const sub = parts.slice(0, i + 1).join('.');
      let m = this.modules.get(sub);
      if (!m) {
        const shipped = this.shipped.get(sub);
        m = shipped ? this.runShipped(sub, shipped) : this.findAndLoad(sub, parts.slice(0, i + 1), fromDir);
        if (parent) Object.defineProperty(parent, '$' + parts[i], { value: m, writable: true, configurable: true, enumerable: true });
      }
      parent = m;
    }
    return parent;
  }

  /** Where `import name` from `fromDir` finds its code: a .x file, a package folder, or nothing (stdlib or missing). */
  private findModuleFile(parts: string[], fromDir: string): { file: string } | { pkgDir: string } | null {
    const rel = join(...parts);
    for (const d of [fromDir, ...this.searchPath, X_STDLIB]) {
      if (d === X_STDLIB && parts.length !== 1) continue;
      const file = join(d, rel + '.x');
      if (existsSync(file)) return { file };
      const pkgDir = join(d, rel);
      if (existsSync(pkgDir) && statSync(pkgDir).isDirectory()) {
        const init = join(pkgDir, '__init__.x');
        return existsSync(init) ? { file: init } : { pkgDir };
      }
    }
    return null;
  }

  private findAndLoad(name: string, parts: string[], fromDir: string): any {
    const found = this.findModuleFile(parts, fromDir);
    if (found && 'file' in found) return this.execModule(name, found.file, readFileSync(found.file, 'utf8'));
    if (found) {
      const m = new ModuleObject(name, found.pkgDir + '/');
      this.modules.set(name, m);
      return m;
    }
    const native = this.stdlibModule(name);
    if (native) return native;
    exceptions.raiseError('ModuleNotFoundError', `No module named '${name}'`);
  }

  /**
   * The artifacts of module `name` as `import name` in `fromFile` would find it, and of the user
   * modules it imports, compiled but not run (`import m thru` ships them to the node that
   * runs m). A stdlib module has none; a missing one is ModuleNotFoundError.
   */
  artifactsOf(name: string, fromFile: string | null): string[] {
    const out: string[] = [];
    const seen = new Set<string>();
    const visit = (spec: string, dir: string, required: boolean): void => {
      if (seen.has(spec) || spec.startsWith('.')) return;
      seen.add(spec);
      const found = this.findModuleFile(spec.split('.'), dir);
      if (!found || !('file' in found)) {
        if (required && !found && !this.stdlibModule(spec)) exceptions.raiseError('ModuleNotFoundError', `No module named '${spec}'`);
        return;
      }
      const { artifact } = this.load(found.file, readFileSync(found.file, 'utf8'), spec);
      out.push(artifact.id);
      for (const imp of artifact.manifest.imports) visit(imp, dirname(found.file), false);
    };
    visit(name, fromFile && !fromFile.startsWith('<') ? dirname(fromFile) : process.cwd(), true);
    return out;
  }

  private stdlibModule(name: string): any {
    // (a stdlib module written in XLang is found by findModuleFile, after the program's folders)
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) return null;
    const file = join(this.stdlibDir, name + '.js');
    if (!existsSync(file)) return null;
    const mod = require(file);
    const m = this.nativeModule(name, mod.create({ rt, objects, host: this, builtins: builtinNames }));
    this.modules.set(name, m);
    return m;
  }

  private nativeModule(name: string, members: Record<string, unknown>): ModuleObject {
    const m = new ModuleObject(name, null);
    for (const [k, v] of Object.entries(members)) {
      if (typeof v === 'function' && !(v as any).isClass) { (v as any).pyName ??= k; (v as any).builtin = true; (v as any).nativeModule ??= name; }
      Object.defineProperty(m, '$' + k, { value: v, writable: true, configurable: true, enumerable: true });
    }
    return m;
  }

  // --- errors -------------------------------------------------------------------------------

  /** Python-style traceback text for an uncaught exception (frames mapped to .x lines). */
  traceback(e: any): string {
    const exc = exceptions.toPyExc(e);
    const chain: any[] = [];
    for (let x = exc; x && chain.length < 10; x = x.$__cause__ ?? (x.$__suppress_context__ ? null : x.$__context__)) chain.unshift(x);
    let text = '';
    for (let i = 0; i < chain.length; i++) {
      const x = chain[i];
      text += this.oneTraceback(x);
      if (i < chain.length - 1) {
        text += chain[i + 1].$__cause__ === x
          ? '\nThe above exception was the direct cause of the following exception:\n\n'
          : '\nDuring handling of the above exception, another exception occurred:\n\n';
      }
    }
    return text;
  }

  private oneTraceback(exc: any): string {
    const local = this.framesText(exc);
    // an exception raised in a task carries the task's frames: they follow the frames here
    const remote: string = exc && typeof exc === 'object' && typeof exc.remoteTraceback === 'string' ? exc.remoteTraceback : '';
    let out = '';
    if (local || remote) out += 'Traceback (most recent call last):\n' + local + remote;
    out += exceptions.excSummary(exc, str, repr) + '\n';
    return out;
  }

  /** The frame lines of an exception's traceback ('' when no .x frame is known). */
  framesText(exc: any): string {
    const frames = this.frames(typeof exc?.stack === 'string' ? exc.stack : '');
    let out = '';
    for (const f of frames) {
      out += `  File "${f.file}", line ${f.line}, in ${f.fn}\n`;
      if (f.text) out += `    ${f.text}\n`;
    }
    return out;
  }

  /** .x frames of a V8 stack, oldest first. */
  frames(stack: string): { file: string; line: number; col: number; fn: string; text: string }[] {
    const out: { file: string; line: number; col: number; fn: string; text: string }[] = [];
    for (const raw of stack.split('\n')) {
      const m = raw.match(/^\s+at (?:.*? \()?(.*?):(\d+):(\d+)\)?$/);
      if (!m) continue;
      // a definition factory runs in place of its statement: its caller's frame already shows it
      if (/^\s+at \$def\d+ /.test(raw)) continue;
      const l = this.loaded.get(m[1]!);
      if (!l) continue;
      const tm = require('@jridgewell/trace-mapping') as typeof import('@jridgewell/trace-mapping');
      l.trace ??= new tm.TraceMap(l.map);
      const pos = tm.originalPositionFor(l.trace, { line: +m[2]!, column: +m[3]! - 1 });
      if (pos.line == null) continue;
      let fn = '<module>';
      let best: { line: number; endLine: number; name: string } | null = null;
      for (const f of l.manifest.functions) {
        if (f.line <= pos.line && pos.line <= f.endLine && (!best || f.line >= best.line)) best = f;
      }
      if (best) fn = best.name.split('.').pop()!;
      const text = (l.source.split(/\r?\n/)[pos.line - 1] ?? '').trim();
      out.push({ file: l.path, line: pos.line, col: pos.column ?? 0, fn, text });
    }
    return out.reverse();
  }

  /** Exit status for an uncaught SystemExit, or null when e is not one. */
  systemExitCode(e: any): { code: number; message: string | null } | null {
    const x = exceptions.toPyExc(e);
    if (!(x && typeof x === 'object' && objects.isinstance(x, objects.types.SystemExit))) return null;
    const c = x.$code;
    if (c === null || c === undefined) return { code: 0, message: null };
    if (typeof c === 'number' && Number.isInteger(c)) return { code: c & 0xff, message: null };
    return { code: 1, message: str(c) };
  }
}

/** Whether a debugger (inspector) is active in this process: `xlang run --inspect`, or VS Code's. */
function debuggerAttached(): boolean {
  return (require('node:inspector') as typeof import('node:inspector')).url() !== undefined;
}

function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) {
    try { off += writeSync(fd, buf, off, buf.length - off); } catch (e: any) {
      if (e.code === 'EAGAIN') continue;
      if (e.code === 'EPIPE') return;
      throw e;
    }
  }
}

/** Reads one line from stdin synchronously; null at end of input. */
function readLineSync(): string | null {
  const bytes: number[] = [];
  const b = Buffer.alloc(1);
  for (;;) {
    let n: number;
    try { n = readSync(0, b, 0, 1, null); } catch (e: any) {
      if (e.code === 'EAGAIN') { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); continue; }
      if (e.code === 'EOF') n = 0; else throw e;
    }
    if (n === 0) return bytes.length ? Buffer.from(bytes).toString('utf8') : null;
    if (b[0] === 10) return Buffer.from(bytes).toString('utf8').replace(/\r$/, '');
    bytes.push(b[0]!);
  }
}

export { containers };
