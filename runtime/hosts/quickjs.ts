// The QuickJS sandbox host (`xlang run --sandbox`): runs a whole XLang program inside a QuickJS
// context (quickjs-emscripten, release sync build) with a memory limit, a time limit and a stack
// limit, and with no capability but the few this file passes in: stdout/stderr writes, stdin
// lines, sleep, a clock, and loading the program's own .x modules and the pure stdlib modules.
//
// Layout: the program runs on a worker thread that owns the WebAssembly instance (a worker gets
// the large native stack a deep QuickJS recursion needs, a run that goes wrong cannot disturb
// the caller, and a stuck worker can be terminated). Per run the worker creates a fresh QuickJS
// runtime, loads dist/runtime/core/*.js and quickjs-sandbox.js into it as ES modules through a
// loader that knows only those files (and the allowed stdlib files), compiles the .x files here
// on the host (with MainHost's on-disk compile cache), and evaluates their script text in the
// sandbox. Uncaught exceptions come back as QuickJS stacks, mapped here to .x tracebacks.
import { Worker, MessageChannel, isMainThread, parentPort, workerData, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { readFileSync, existsSync, statSync, writeSync, readdirSync, realpathSync } from 'node:fs';
import type { Interface as LineReader } from 'node:readline';
import { dirname, join, resolve, isAbsolute, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from 'quickjs-emscripten';
import type { Manifest } from '../../compiler/index.js';
import type { Outcome } from './quickjs-sandbox.js';
import { cacheGet, cachePut, cacheKey, compilerBuildId, defaultCacheDir } from './compile-cache.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface SandboxOptions {
  /** sys.argv (argv[0] is the program). */
  argv?: string[];
  /**
   * Memory for the program in MB (default 256): the cap on the WebAssembly heap QuickJS
   * allocates from, on top of the 16 MB the runtime itself takes (its stack, data and core).
   */
  memoryLimitMB?: number;
  /** Wall-clock limit for the program in ms (default: none). Sleeping counts. */
  timeLimitMs?: number;
  /** QuickJS stack limit in KB (default 1024, at most 4096). */
  stackLimitKB?: number;
  /** Program output (default: written to file descriptor 1 by the worker, in order). */
  stdout?: (text: string) => void;
  /** Tracebacks, limit messages and sys.stderr (default: file descriptor 2). */
  stderr?: (text: string) => void;
  /** stdin contents for input() (default: read from file descriptor 0). */
  stdin?: string;
  /** Compile cache directory (default: MainHost's, ~/.cache/xlang/modules); null disables it. */
  cacheDir?: string | null;
}

export type SandboxErrorKind = 'exception' | 'memory' | 'time' | 'compile' | 'internal';

export interface SandboxResult {
  exitCode: number;
  /** Set when the program did not end normally or by SystemExit. */
  error?: { kind: SandboxErrorKind; message: string };
}

export const SANDBOX_DEFAULTS = { memoryLimitMB: 256, stackLimitKB: 1024 } as const;
export const SANDBOX_BOUNDS = {
  memoryLimitMB: [8, 2000],
  timeLimitMs: [1, 2 ** 31 - 1],
  stackLimitKB: [64, 4096],
} as const;

const here = dirname(fileURLToPath(import.meta.url));
/** dist/ (the worker and everything QuickJS loads are compiled JS, also when this file runs as .ts). */
const DIST = import.meta.url.endsWith('.ts') ? resolve(here, '../../dist') : resolve(here, '../..');
/** The stdlib modules written in XLang (the source tree's stdlib folder). */
const X_STDLIB_DIR = import.meta.url.endsWith('.ts') ? resolve(here, '../../stdlib') : resolve(here, '../../../stdlib');
const WORKER_FILE = join(DIST, 'runtime/hosts/quickjs.js');
/** The pure stdlib modules the sandbox may import (sys has a sandbox implementation). */
const SANDBOX_STDLIB = new Set(['math', 'json', 'random', 're', 'string', 'struct', 'time']);
/** Native stack the worker needs per byte of QuickJS stack (measured: ~2.2; with margin). */
const NATIVE_PER_QJS_STACK = 4;
/** WebAssembly pages (64 KiB) an instance needs besides the program's heap: 5 MB stack, data, the runtime. */
const BASE_PAGES = 256;
/** Time a run may overrun its limit before the worker is terminated from outside. */
const BACKSTOP_GRACE_MS = 2000;

/** XLANG_SANDBOX_PROFILE=1 prints start-up phases to stderr (ms since XLANG_T0, a Date.now() value, if set). */
const PROFILE = process.env.XLANG_SANDBOX_PROFILE === '1';
if (PROFILE) process.on('exit', () => phase('exit'));
const phase = (label: string) => {
  if (PROFILE) writeSync(2, `[sandbox] ${label} ${(performance.timeOrigin + performance.now() - Number(process.env.XLANG_T0 ?? performance.timeOrigin)).toFixed(1)} ms\n`);
};

function checkLimit(name: keyof typeof SANDBOX_BOUNDS, v: number | undefined): void {
  if (v === undefined) return;
  const [lo, hi] = SANDBOX_BOUNDS[name];
  if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`${name} must be an integer from ${lo} to ${hi}, not ${v}`);
}

// ------------------------------------------------------------------------------------------------
// The caller's side: a SandboxHost owns one worker (started on first use, replaced when a run
// leaves it unusable) and runs programs on it one at a time.

interface RunRequest {
  type: 'run';
  path: string;
  source: string;
  argv: string[];
  memoryLimitMB: number;
  timeLimitMs: number | null;
  stackLimitKB: number;
  cacheDir: string | null;
  stdoutToParent: boolean;
  stderrToParent: boolean;
  stdin: string | null;
}

type WorkerMessage =
  | { type: 'out'; fd: number; text: string }
  | { type: 'readLine'; seq: number }
  | { type: 'done'; result: SandboxResult; recycle: boolean };

/** How the worker asks this thread for stdin lines: it waits on `signal`, the line arrives on `port`. */
interface StdinLink { port: MessagePort; signal: Int32Array }

export interface SandboxHostOptions {
  /**
   * Load the runtime for the next program while idle (default true): a later run() starts
   * sooner. A host that runs one program and closes (the CLI) turns it off.
   */
  preload?: boolean;
}

export class SandboxHost {
  constructor(readonly hostOpts: SandboxHostOptions = {}) {}
  private worker: Worker | null = null;
  private workerStackMb = 0;
  private busy = false;
  private stdinPort: MessagePort | null = null;
  private stdinSignal: Int32Array | null = null;
  // stdin is read here, asynchronously, so that a program waiting for input can still be stopped
  private lineReader: LineReader | null = null;
  private lines: string[] = [];
  private stdinEnded = false;
  private lineWanted: number | null = null;

  /** Runs a program; resolves when it has finished, whatever happened to it. */
  async run(path: string, source?: string, opts: SandboxOptions = {}): Promise<SandboxResult> {
    if (this.busy) throw new Error('SandboxHost runs one program at a time');
    checkLimit('memoryLimitMB', opts.memoryLimitMB);
    checkLimit('timeLimitMs', opts.timeLimitMs);
    checkLimit('stackLimitKB', opts.stackLimitKB);
    const abs = isAbsolute(path) ? path : resolve(path);
    const req: RunRequest = {
      type: 'run',
      path: abs,
      source: source ?? readFileSync(abs, 'utf8'),
      argv: opts.argv ?? [path],
      memoryLimitMB: opts.memoryLimitMB ?? SANDBOX_DEFAULTS.memoryLimitMB,
      timeLimitMs: opts.timeLimitMs ?? null,
      stackLimitKB: opts.stackLimitKB ?? SANDBOX_DEFAULTS.stackLimitKB,
      cacheDir: opts.cacheDir === undefined ? defaultCacheDir() : opts.cacheDir,
      stdoutToParent: !!opts.stdout,
      stderrToParent: !!opts.stderr,
      stdin: opts.stdin ?? null,
    };
    const worker = this.start(req.memoryLimitMB, req.stackLimitKB);
    // a running program keeps the process alive; an idle worker does not
    worker.ref();
    this.busy = true;
    try {
      return await new Promise<SandboxResult>(done => {
        let settled = false;
        // the worker writes (or sends) its own stderr text; `message` is what the caller's side adds
        const finish = (r: SandboxResult, recycle: boolean, message?: string) => {
          if (settled) return;
          settled = true;
          if (timer) clearTimeout(timer);
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
          worker.unref();
          if (message) { if (opts.stderr) opts.stderr(message + '\n'); else writeAll(2, message + '\n'); }
          if (recycle) this.close();
          done(r);
        };
        const onMessage = (m: WorkerMessage) => {
          if (m.type === 'out') {
            const sink = m.fd === 2 ? opts.stderr : opts.stdout;
            if (sink) sink(m.text); else writeAll(m.fd, m.text);
          } else if (m.type === 'readLine') this.wantLine(m.seq);
          else if (m.type === 'done') { phase('result received'); finish(m.result, m.recycle); }
        };
        const onError = (e: Error) => {
          const message = `xlang: sandbox failed: ${e.message}`;
          finish({ exitCode: 1, error: { kind: 'internal', message } }, true, message);
        };
        const onExit = () => onError(new Error('the sandbox worker stopped'));
        // the worker enforces the time limit itself; this is for a worker blocked outside QuickJS
        const backstop = req.timeLimitMs === null ? Infinity : req.timeLimitMs + BACKSTOP_GRACE_MS + 1000;
        const timer = backstop <= 2 ** 31 - 1 ? setTimeout(() => {
          const message = `xlang: sandbox time limit of ${req.timeLimitMs} ms exceeded`;
          worker.off('exit', onExit);
          finish({ exitCode: 1, error: { kind: 'time', message } }, true, message);
        }, backstop) : null;
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.on('exit', onExit);
        worker.postMessage(req);
      });
    } finally {
      this.busy = false;
    }
  }

  /**
   * Starts the worker (if it is not running) so that it loads QuickJS and the runtime while the
   * caller does other work; run() calls it too. The limits are those the next run will use.
   */
  prepare(opts: Pick<SandboxOptions, 'memoryLimitMB' | 'stackLimitKB'> = {}): void {
    this.start(opts.memoryLimitMB ?? SANDBOX_DEFAULTS.memoryLimitMB, opts.stackLimitKB ?? SANDBOX_DEFAULTS.stackLimitKB);
  }

  private start(memoryLimitMB: number, stackLimitKB: number): Worker {
    const stackMb = Math.max(4, Math.ceil((stackLimitKB * NATIVE_PER_QJS_STACK) / 1024) + 2);
    if (this.worker && this.workerStackMb < stackMb) this.close();
    if (!this.worker) {
      phase('starting the worker');
      const { port1, port2 } = new MessageChannel();
      const signal = new Int32Array(new SharedArrayBuffer(4));
      const stdin: StdinLink = { port: port2, signal };
      this.worker = new Worker(WORKER_FILE, {
        workerData: { xlangSandbox: true, memoryLimitMB, preload: this.hostOpts.preload !== false, stdin },
        transferList: [port2], resourceLimits: { stackSizeMb: stackMb }, stdout: false, stderr: false,
      });
      this.worker.unref();
      this.workerStackMb = stackMb;
      this.stdinPort?.close();
      this.stdinPort = port1;
      this.stdinSignal = signal;
      this.lineWanted = null;
    }
    return this.worker;
  }

  /** The worker waits for a line of stdin (request `seq`). */
  private wantLine(seq: number): void {
    this.lineWanted = seq;
    if (!this.lineReader && !this.stdinEnded) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const readline = require('node:readline') as typeof import('node:readline');
      this.lineReader = readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
      this.lineReader.on('line', line => { this.lines.push(line); this.giveLine(); });
      this.lineReader.on('close', () => { this.stdinEnded = true; this.lineReader = null; this.giveLine(); });
    }
    this.lineReader?.resume();
    this.giveLine();
  }

  private giveLine(): void {
    if (this.lineWanted === null || !this.stdinPort || !this.stdinSignal) { this.lineReader?.pause(); return; }
    if (!this.lines.length && !this.stdinEnded) return;
    const line = this.lines.length ? this.lines.shift()! : null;
    this.stdinPort.postMessage({ seq: this.lineWanted, line });
    this.lineWanted = null;
    Atomics.add(this.stdinSignal, 0, 1);
    Atomics.notify(this.stdinSignal, 0);
  }

  /** Stops the worker (a later run starts a new one). */
  close(): void {
    const w = this.worker;
    this.worker = null;
    if (w) void w.terminate();
    this.stdinPort?.close();
    this.stdinPort = null;
    this.lineReader?.close();
  }
}

/** Runs one program on a new SandboxHost and closes it. */
export async function runSandboxed(path: string, source?: string, opts: SandboxOptions = {}): Promise<SandboxResult> {
  const host = new SandboxHost();
  try {
    return await host.run(path, source, opts);
  } finally {
    host.close();
  }
}

// ------------------------------------------------------------------------------------------------
// The worker's side.

interface Compiled { script: string; map: string; manifest: Manifest }
type CompileOutcome = { ok: true; compiled: Compiled } | { ok: false; diagnostics: string };

const require = createRequire(import.meta.url);
let compilerMod: typeof import('../../compiler/index.js') | null = null;

/**
 * Compiles (or takes from the cache) one module for QuickJS; compile errors come back formatted.
 * The 'quickjs' target inlines the operators' number fast paths (see compiler/codegen.ts), so
 * its cache entries are apart from MainHost's.
 */
function compileModule(path: string, source: string, moduleName: string, cacheDir: string | null): CompileOutcome {
  const key = cacheKey(compilerBuildId(join(DIST, 'compiler')), moduleName, 'quickjs');
  const hit = cacheGet(cacheDir, key, source);
  if (hit) return { ok: true, compiled: { script: hit.script, map: hit.map, manifest: hit.manifest } };
  compilerMod ??= require(join(DIST, 'compiler/index.js')) as typeof import('../../compiler/index.js');
  const res = compilerMod.compile(source, path, { moduleName, target: 'quickjs' });
  if (res.diagnostics.some(d => d.severity === 'error')) {
    const lines = new compilerMod.LineMap(source);
    return { ok: false, diagnostics: res.diagnostics.map(d => compilerMod!.formatDiagnostic(d, path, lines) + '\n').join('') };
  }
  cachePut(cacheDir, { script: res.script, map: res.map, manifest: res.manifest, source, key });
  return { ok: true, compiled: { script: res.script, map: res.map, manifest: res.manifest } };
}

/** The files QuickJS may load, by module name (a path below dist/). Read once per worker. */
let allowedModules: Map<string, string> | null = null;
const moduleText = new Map<string, string>();
function allowed(): Map<string, string> {
  if (allowedModules) return allowedModules;
  allowedModules = new Map();
  for (const f of readdirSync(join(DIST, 'runtime/core'))) {
    if (f.endsWith('.js')) allowedModules.set(`/runtime/core/${f}`, join(DIST, 'runtime/core', f));
  }
  allowedModules.set('/runtime/hosts/quickjs-sandbox.js', join(DIST, 'runtime/hosts/quickjs-sandbox.js'));
  for (const s of SANDBOX_STDLIB) allowedModules.set(`/stdlib/${s}.js`, join(DIST, 'stdlib', s + '.js'));
  return allowedModules;
}

function normalizeModule(base: string, requested: string): string | { error: Error } {
  const name = requested.startsWith('./') || requested.startsWith('../') ? posix.join(posix.dirname(base), requested) : requested;
  if (!allowed().has(name)) return { error: new Error(`module '${requested}' is not available in the sandbox`) };
  return name;
}

function loadModule(name: string): string | { error: Error } {
  const file = allowed().get(name);
  if (!file) return { error: new Error(`module '${name}' is not available in the sandbox`) };
  let text = moduleText.get(name);
  if (text === undefined) {
    text = readFileSync(file, 'utf8');
    // stdlib/time.js reads clocks from `process`: give it the sandbox's clocks under that name
    if (name === '/stdlib/time.js') text = `import { timeProcess as process } from '../runtime/hosts/quickjs-sandbox.js';\n${text}`;
    moduleText.set(name, text);
  }
  return text;
}

/** One loaded .x module: what tracebacks need. */
interface Loaded { path: string; source: string; compiled: Compiled; trace?: import('@jridgewell/trace-mapping').TraceMap; sourceLines?: string[] }

interface Frame { file: string; line: number; fn: string; text: string }

/** Maps QuickJS stack lines (`    at fn (file:line:col)`) to .x frames, oldest first. */
function framesOf(stack: string, loaded: Map<string, Loaded>): Frame[] {
  const tm = require('@jridgewell/trace-mapping') as typeof import('@jridgewell/trace-mapping');
  const out: Frame[] = [];
  const lines = stack.split('\n');
  for (const raw of lines) {
    const m = raw.match(/^\s+at (?:(.*?) \()?(.*?):(\d+):(\d+)\)?$/);
    if (!m) continue;
    // a definition factory runs in place of its statement: its caller's frame already shows it
    if (m[1] && /^\$def\d+$/.test(m[1])) continue;
    const l = loaded.get(m[2]!);
    if (!l) continue;
    l.trace ??= new tm.TraceMap(l.compiled.map);
    const pos = tm.originalPositionFor(l.trace, { line: +m[3]!, column: +m[4]! - 1 });
    if (pos.line == null) continue;
    let best: { line: number; endLine: number; name: string } | null = null;
    for (const f of l.compiled.manifest.functions) {
      if (f.line <= pos.line && pos.line <= f.endLine && (!best || f.line >= best.line)) best = f;
    }
    const fn = best ? best.name.split('.').pop()! : '<module>';
    l.sourceLines ??= l.source.split(/\r?\n/);
    out.push({ file: l.path, line: pos.line, fn, text: (l.sourceLines[pos.line - 1] ?? '').trim() });
    // V8 (xlang run) keeps the innermost 64 frames; a deep recursion in QuickJS reports them all
    if (out.length >= 64) break;
  }
  return out.reverse();
}

/** Frame lines as CPython prints them, runs of one repeated frame shortened the same way. */
function framesText(frames: Frame[]): string {
  let out = '';
  let prev = '', repeats = 0;
  const flushRepeats = () => {
    if (repeats > 3) out += `  [Previous line repeated ${repeats - 3} more time${repeats - 3 === 1 ? '' : 's'}]\n`;
  };
  for (const f of frames) {
    const text = `  File "${f.file}", line ${f.line}, in ${f.fn}\n` + (f.text ? `    ${f.text}\n` : '');
    if (text === prev) {
      repeats++;
      if (repeats <= 3) out += text;
      continue;
    }
    flushRepeats();
    prev = text;
    repeats = 1;
    out += text;
  }
  flushRepeats();
  return out;
}

function tracebackText(outcome: Extract<Outcome, { status: 'error' }>, loaded: Map<string, Loaded>): string {
  let text = '';
  for (const r of outcome.chain) {
    const frames = framesText(framesOf(r.stack, loaded));
    if (frames) text += 'Traceback (most recent call last):\n' + frames;
    text += r.summary + '\n';
    if (r.link === 'cause') text += '\nThe above exception was the direct cause of the following exception:\n\n';
    else if (r.link === 'context') text += '\nDuring handling of the above exception, another exception occurred:\n\n';
  }
  return text;
}

function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) {
    try { off += writeSync(fd, buf, off, buf.length - off); } catch (e: any) {
      if (e.code === 'EAGAIN') { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1); continue; }
      if (e.code === 'EPIPE') return;
      throw e;
    }
  }
}

let stdinSeq = 0;
/**
 * One line of the host process's stdin, read by the thread that owns the SandboxHost; null at
 * end of input, undefined when the time limit ran out while waiting.
 */
function readLineFromHost(run: RunState): string | null | undefined {
  const { port, signal } = (workerData as { stdin: StdinLink }).stdin;
  const seq = ++stdinSeq;
  parentPort!.postMessage({ type: 'readLine', seq } satisfies WorkerMessage);
  for (;;) {
    const seen = Atomics.load(signal, 0);
    for (let r = receiveMessageOnPort(port); r; r = receiveMessageOnPort(port)) {
      const m = r.message as { seq: number; line: string | null };
      if (m.seq === seq) return m.line;
    }
    const left = run.deadline - Date.now();
    if (left <= 0) { run.timedOut = true; return undefined; }
    Atomics.wait(signal, 0, seen, Math.min(left, 1000));
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
const cpuMicros = (): number => {
  const u = (process as any).threadCpuUsage?.() ?? process.cpuUsage();
  return u.user + u.system;
};

// (the project's lib settings have no WebAssembly types: the little used here)
interface WasmMemory { readonly buffer: ArrayBuffer }
declare const WebAssembly: {
  Memory: new (desc: { initial: number; maximum: number }) => WasmMemory;
  compile(bytes: Uint8Array): Promise<object>;
};

/** The compiled QuickJS WebAssembly module, shared by every instance. */
let wasmCode: Promise<object> | null = null;
let quickjsApi: typeof import('quickjs-emscripten') | null = null;

/** What the capabilities of a session act on: the run in progress. */
interface RunState {
  req: RunRequest;
  post: (m: WorkerMessage) => void;
  root: string;
  rootReal: string;
  stdinLines: string[] | null;
  loaded: Map<string, Loaded>;
  pending: Map<string, Compiled>;
  deadline: number;
  timedOut: boolean;
  relaxed: boolean;
  compileErrors: string;
  t0: number;
}

/**
 * A QuickJS instance with the runtime loaded, ready for one program. Each has a WebAssembly
 * memory of its own that cannot grow past the memory limit (QuickJS's setMemoryLimit alone
 * counts 8 bytes per allocation in Emscripten builds, where malloc_usable_size is unavailable:
 * it bounds the number of allocations, not bytes). Sessions are never reused: a worker prepares
 * the next one while it waits for the next program.
 */
interface Session {
  memoryLimitMB: number;
  memory: WasmMemory;
  rt: QuickJSRuntime;
  vm: QuickJSContext;
  ns: QuickJSHandle;
  handles: QuickJSHandle[];
  run: RunState | null;
  dispose(): boolean;
}

async function newSession(memoryLimitMB: number): Promise<Session> {
  quickjsApi ??= await import('quickjs-emscripten');
  const api = quickjsApi;
  wasmCode ??= (async () => {
    const r = createRequire(createRequire(import.meta.url).resolve('quickjs-emscripten'));
    return WebAssembly.compile(readFileSync(r.resolve('@jitl/quickjs-wasmfile-release-sync/wasm')));
  })();
  const memory = new WebAssembly.Memory({ initial: BASE_PAGES, maximum: BASE_PAGES + memoryLimitMB * 16 });
  const qjs = await api.newQuickJSWASMModule(api.newVariant(api.RELEASE_SYNC, {
    wasmModule: (await wasmCode) as any,
    wasmMemory: memory as any,
    // Emscripten's own messages (an abort after running out of memory) are not the program's output
    emscriptenModule: { print: () => undefined, printErr: (s: string) => { if (PROFILE) writeSync(2, `[sandbox] emscripten: ${s}\n`); } } as any,
  }));
  phase('QuickJS instance');
  const rt = qjs.newRuntime();
  const handles: QuickJSHandle[] = [];
  let vm: QuickJSContext | null = null;
  const session: Session = {
    memoryLimitMB, memory, rt, vm: null as unknown as QuickJSContext, ns: null as unknown as QuickJSHandle, handles, run: null,
    dispose() {
      try {
        for (const h of handles) if (h.alive) h.dispose();
        vm?.dispose();
        rt.dispose();
        return true;
      } catch {
        return false; // the instance is dropped either way
      }
    },
  };
  try {
    rt.setMemoryLimit(memoryLimitMB * 1024 * 1024);
    rt.setModuleLoader(name => { const r = loadModule(name); return typeof r === 'string' ? r : { error: r.error }; },
      (base, requested) => { const r = normalizeModule(base, requested); return typeof r === 'string' ? r : { error: r.error }; });
    vm = session.vm = rt.newContext();
    installCaps(session, vm);
    const boot = vm.evalCode(`export * from '/runtime/hosts/quickjs-sandbox.js';`, '/boot.js', { type: 'module' });
    if (boot.error) {
      const e = safeDump(vm, boot.error);
      boot.error.dispose();
      throw new Error(`the sandbox runtime failed to load: ${e?.message ?? e}`);
    }
    session.ns = boot.value;
    handles.push(boot.value);
    phase('runtime loaded');
    return session;
  } catch (e) {
    session.dispose();
    throw e;
  }
}

/** The capability object the sandbox module takes on load (see quickjs-sandbox.ts). */
function installCaps(session: Session, vm: QuickJSContext): void {
  const cur = (): RunState => {
    if (!session.run) throw new Error('no program is running');
    return session.run;
  };
  const caps = vm.newObject();
  const cap = (name: string, impl: (...args: QuickJSHandle[]) => QuickJSHandle | { error: QuickJSHandle } | void) => {
    const f = vm.newFunction(name, impl);
    vm.setProp(caps, name, f);
    f.dispose();
  };
  cap('write', (fd, text) => { writeOut(cur(), vm.getNumber(fd) === 2 ? 2 : 1, vm.getString(text)); });
  cap('readLine', () => {
    const run = cur();
    let line: string | null | undefined;
    if (run.stdinLines) line = run.stdinLines.length ? run.stdinLines.shift()! : null;
    else line = readLineFromHost(run);
    return line === undefined ? vm.undefined : line === null ? vm.null : vm.newString(line);
  });
  cap('sleep', (msH) => {
    const run = cur();
    let ms = vm.getNumber(msH);
    if (!(ms > 0)) return vm.false;
    // a sleep never outlasts the time limit: the program is stopped right after it
    if (run.deadline !== Infinity && ms >= run.deadline - Date.now()) {
      ms = Math.max(0, run.deadline - Date.now()) + 1;
      run.timedOut = true;
    }
    while (ms > 0) {
      const step = Math.min(ms, 2 ** 31 - 1);
      Atomics.wait(sleeper, 0, 0, step);
      ms -= step;
    }
    return run.timedOut ? vm.true : vm.false;
  });
  cap('clock', () => vm.newNumber(performance.now() - (session.run?.t0 ?? 0)));
  cap('cpu', () => vm.newNumber(cpuMicros()));
  cap('find', (name, fromDir) => vm.newString(JSON.stringify(findModule(cur(), vm.getString(name), vm.getString(fromDir)))));
  cap('evalModule', (jsFileH) => {
    const run = cur();
    const jsFile = vm.getString(jsFileH);
    const c = run.pending.get(jsFile);
    if (!c) return { error: vm.newError(`module ${jsFile} was not found first`) };
    run.pending.delete(jsFile);
    const r = vm.evalCode(c.script, jsFile, { strict: true });
    return r.error ? { error: r.error } : r.value;
  });
  cap('loadStd', (nameH) => {
    const name = vm.getString(nameH);
    if (!SANDBOX_STDLIB.has(name)) return { error: vm.newError(`module '${name}' is not available in the sandbox`) };
    const r = vm.evalCode(`export * from '/stdlib/${name}.js';`, `/stdlib-${name}.js`, { type: 'module' });
    return r.error ? { error: r.error } : r.value;
  });
  // after running out of memory: room to report it (the WebAssembly memory stays capped)
  cap('relax', () => {
    const run = cur();
    if (!run.relaxed) { run.relaxed = true; session.rt.setMemoryLimit((session.memoryLimitMB + 16) * 1024 * 1024); }
  });
  vm.setProp(vm.global, '__xlangHost', caps);
  caps.dispose();
}

function writeOut(run: RunState, fd: number, text: string): void {
  if (!text) return;
  if (fd === 2 ? run.req.stderrToParent : run.req.stdoutToParent) run.post({ type: 'out', fd, text });
  else writeAll(fd, text);
}

/** Resolves `import name` from a module in fromDir: the program's own files first, then the stdlib. */
function findModule(run: RunState, name: string, fromDir: string): object {
  if (!/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/.test(name)) return { kind: 'missing' };
  const { root, rootReal } = run;
  const dir = resolve(fromDir);
  if (dir !== root && !dir.startsWith(root + '/')) return { kind: 'denied', message: `import from '${fromDir}' is not allowed in the sandbox` };
  const rel = join(...name.split('.'));
  const inside = (p: string) => { try { const r = realpathSync(p); return r === rootReal || r.startsWith(rootReal + '/'); } catch { return false; } };
  const file = join(dir, rel + '.x');
  const pkg = join(dir, rel);
  let target: string | null = null;
  if (existsSync(file) && statSync(file).isFile()) target = file;
  else if (existsSync(pkg) && statSync(pkg).isDirectory()) {
    const init = join(pkg, '__init__.x');
    if (!existsSync(init)) return inside(pkg) ? { kind: 'package', file: pkg + '/' } : { kind: 'denied', message: `'${name}' is outside the program's folder` };
    target = init;
  }
  // a stdlib module written in XLang is pure code: loaded like the program's own
  const xStd = join(X_STDLIB_DIR, name + '.x');
  const fromStdlib = !target && /^[a-z_][a-z0-9_]*$/.test(name) && existsSync(xStd);
  if (fromStdlib) target = xStd;
  if (target) {
    // a link in the program's folder does not open the rest of the file system
    if (!fromStdlib && !inside(target)) return { kind: 'denied', message: `module '${name}' is outside the program's folder` };
    const source = readFileSync(target, 'utf8');
    const c = compileModule(target, source, name, run.req.cacheDir);
    if (!c.ok) {
      run.compileErrors += c.diagnostics;
      return { kind: 'compile-error', message: `module '${name}' has compile errors` };
    }
    const jsFile = target + '.js';
    run.pending.set(jsFile, c.compiled);
    run.loaded.set(jsFile, { path: target, source, compiled: c.compiled });
    return { kind: 'user', file: target, jsFile };
  }
  if (name === 'sys') return { kind: 'sys' };
  if (SANDBOX_STDLIB.has(name)) return { kind: 'std' };
  const top = name.split('.')[0]!;
  if (existsSync(join(DIST, 'stdlib', top + '.js')) || HOST_MODULES.has(top)) {
    return { kind: 'denied', message: `module '${name}' is not available in the sandbox (no file, process or network access)` };
  }
  return { kind: 'missing' };
}

/** Python modules that reach the host: named in the sandbox's ImportError rather than "no module". */
const HOST_MODULES = new Set(['subprocess', 'socket', 'io', 'pathlib', 'shutil', 'ctypes', 'importlib', 'builtins', 'signal', 'threading', 'multiprocessing', 'urllib', 'http', 'tempfile', 'glob']);

/** Runs one program in a prepared session (then disposes of it). Never throws. */
function runInSession(session: Session, req: RunRequest, post: (m: WorkerMessage) => void): { result: SandboxResult; recycle: boolean } {
  const { rt, vm, ns, handles, memory } = session;
  const root = dirname(req.path);
  let rootReal = root;
  try { rootReal = realpathSync(root); } catch { /* a program given as text */ }
  const stdinLines = req.stdin === null ? null : req.stdin === '' ? [] : req.stdin.split(/\r?\n/);
  if (stdinLines && req.stdin!.endsWith('\n')) stdinLines.pop();
  const run: RunState = {
    req, post, root, rootReal, stdinLines, loaded: new Map(), pending: new Map(),
    deadline: Infinity, timedOut: false, relaxed: false, compileErrors: '', t0: performance.now(),
  };
  session.run = run;
  const memoryFull = () => memory.buffer.byteLength >= (BASE_PAGES + req.memoryLimitMB * 16) * 65536 - (1 << 20);
  const limitLine = (what: 'memory' | 'time') => what === 'memory'
    ? `xlang: sandbox memory limit of ${req.memoryLimitMB} MB exceeded`
    : `xlang: sandbox time limit of ${req.timeLimitMs} ms exceeded`;
  let recycle = false;
  const finish = (result: SandboxResult, stderr: string) => {
    if (stderr) writeOut(run, 2, stderr);
    return { result, recycle };
  };
  const limitHit = (what: 'memory' | 'time') => finish({ exitCode: 1, error: { kind: what, message: limitLine(what) } }, limitLine(what) + '\n');

  try {
    rt.setMaxStackSize(req.stackLimitKB * 1024);
    const main = compileModule(req.path, req.source, '__main__', req.cacheDir);
    if (!main.ok) return finish({ exitCode: 2, error: { kind: 'compile', message: main.diagnostics.trimEnd() } }, main.diagnostics);
    const jsFile = req.path + '.js';
    run.loaded.set(jsFile, { path: req.path, source: req.source, compiled: main.compiled });
    const fnR = vm.evalCode(main.compiled.script, jsFile, { strict: true });
    if (fnR.error) {
      const e = safeDump(vm, fnR.error);
      fnR.error.dispose();
      const msg = `xlang: internal error: compiled code did not load in the sandbox: ${e?.message ?? e}`;
      return finish({ exitCode: 1, error: { kind: 'internal', message: msg } }, msg + '\n');
    }
    handles.push(fnR.value);
    const runMain = vm.getProp(ns, 'runMain');
    handles.push(runMain);
    const args = [vm.newString(req.path), vm.newString(JSON.stringify(req.argv)), vm.newString(process.platform)];
    handles.push(...args);
    phase('program compiled');

    if (req.timeLimitMs !== null) {
      run.deadline = Date.now() + req.timeLimitMs;
      rt.setInterruptHandler(() => run.timedOut || (run.timedOut = Date.now() > run.deadline));
    }
    const r = vm.callFunction(runMain, vm.undefined, fnR.value, ...args);
    rt.removeInterruptHandler();
    phase('program ran');
    if (r.error || run.timedOut) {
      // what the program printed before it was stopped still comes out
      const flushOut = vm.getProp(ns, 'flushOutput');
      handles.push(flushOut);
      const f = vm.callFunction(flushOut, vm.undefined);
      (f.error ?? f.value).dispose();
    }
    if (run.timedOut) {
      (r.error ?? r.value).dispose();
      return limitHit('time');
    }
    if (r.error) {
      // only what QuickJS raises itself gets here: running out of memory while reporting, say
      const e = safeDump(vm, r.error);
      r.error.dispose();
      recycle = true;
      if (e === null || e?.message === 'out of memory' || memoryFull()) return limitHit('memory');
      const msg = `xlang: internal error in the sandbox: ${e?.name ?? 'Error'}: ${e?.message ?? String(e)}`;
      return finish({ exitCode: 1, error: { kind: 'internal', message: msg } }, msg + '\n');
    }
    const outcome = JSON.parse(vm.getString(r.value)) as Outcome;
    r.value.dispose();
    if (outcome.status === 'ok') return finish({ exitCode: 0 }, '');
    if (outcome.status === 'exit') return finish({ exitCode: outcome.code }, outcome.message !== null ? outcome.message + '\n' : '');
    if (outcome.memory) return limitHit('memory');
    const last = outcome.chain[outcome.chain.length - 1];
    if (run.compileErrors && last && last.summary.startsWith('SyntaxError: module ')) {
      return finish({ exitCode: 2, error: { kind: 'compile', message: run.compileErrors.trimEnd() } }, run.compileErrors);
    }
    const text = tracebackText(outcome, run.loaded);
    return finish({ exitCode: 1, error: { kind: 'exception', message: text.trimEnd() } }, text);
  } catch (e: any) {
    recycle = true;
    // an allocation failing in the WebAssembly glue (rather than in QuickJS) surfaces here
    if (memoryFull()) return limitHit('memory');
    const msg = `xlang: internal error in the sandbox host: ${e?.message ?? e}`;
    return finish({ exitCode: 1, error: { kind: 'internal', message: msg } }, msg + '\n');
  } finally {
    session.run = null;
    if (!session.dispose()) recycle = true;
  }
}

function safeDump(vm: QuickJSContext, h: QuickJSHandle): any {
  try { return vm.dump(h); } catch { return { name: 'Error', message: 'unreadable error' }; }
}

async function workerMain(): Promise<void> {
  const port = parentPort!;
  phase('worker started');
  const preload = (workerData as { preload?: boolean }).preload !== false;
  // the first session starts loading at once, with the limit the first run will most likely ask for
  let next: { memoryLimitMB: number; session: Promise<Session> } | null = null;
  const prepare = (memoryLimitMB: number) => {
    const session = newSession(memoryLimitMB);
    session.catch(() => { /* reported when a run takes it */ });
    next = { memoryLimitMB, session };
  };
  prepare((workerData as { memoryLimitMB?: number }).memoryLimitMB ?? SANDBOX_DEFAULTS.memoryLimitMB);
  let queue = Promise.resolve();
  port.on('message', (req: RunRequest) => {
    queue = queue.then(async () => {
      phase('run request');
      let result: SandboxResult, recycle: boolean;
      try {
        if (!next || next.memoryLimitMB !== req.memoryLimitMB) {
          if (next) void next.session.then(s => s.dispose(), () => undefined);
          prepare(req.memoryLimitMB);
        }
        const session = await next!.session;
        next = null;
        ({ result, recycle } = runInSession(session, req, m => port.postMessage(m)));
      } catch (e: any) {
        next = null;
        const msg = `xlang: the sandbox could not start: ${e?.message ?? e}`;
        if (req.stderrToParent) port.postMessage({ type: 'out', fd: 2, text: msg + '\n' } satisfies WorkerMessage);
        else writeAll(2, msg + '\n');
        result = { exitCode: 1, error: { kind: 'internal', message: msg } };
        recycle = true;
      }
      port.postMessage({ type: 'done', result, recycle } satisfies WorkerMessage);
      // the next program finds its runtime loaded
      if (!recycle && preload) prepare(req.memoryLimitMB);
    });
  });
}

/** For tests: the module loader's policy, and a session to probe the sandbox's JS surface directly. */
export const sandboxInternals = { normalizeModule, loadModule, newSession };

if (!isMainThread && (workerData as { xlangSandbox?: boolean } | null)?.xlangSandbox) void workerMain();
