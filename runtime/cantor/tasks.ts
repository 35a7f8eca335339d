// A node's tasks from connected clients (`task.run`): admitted against the node's ledger, run
// on the node's own pool of worker isolates (runtime/hosts/pool.ts in 'node' mode), answered
// with the serialized result or exception plus what the task printed. The request itself is
// the task's lifetime: its answer is the outcome, and a caller that goes away cancels it if it
// has not started.
//
// Code: a task names its artifacts by content id. They arrive as SOURCE (with the first task
// that needs them) and the node compiles them with its own compiler, checking that the content
// id matches; the node never evaluates JavaScript it was sent. Artifacts are kept on disk in
// the data directory (artifacts/), so a restarted node still has them.
//
// A task's cantor calls come back to this thread (the worker's host binding), and run with the
// caller's tenant and roles, as the caller's own requests would.
import { mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MessagePort } from 'node:worker_threads';
import type { LocalNode } from './node.js';
import { ServiceError, type Role } from './services.js';
import { parseRequirement, satisfies, ResourceExprError, type Expr } from './expr.js';
import type { Reservation } from './ledger.js';
import { startPool, defaultPoolSize, lostErrorType, type PoolThreads } from '../hosts/pool.js';
import { cacheGet, cachePut, cacheKey, compilerBuildId, defaultCacheDir } from '../hosts/compile-cache.js';
import type { Artifact } from '../hosts/main.js';
import { releaseIdleMemory } from './memory.js';

export type Claims = { roles: readonly Role[]; tenant: string };
export type TaskState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'timeout';

/** What `xlang node tasks` shows of a task. */
export interface TaskInfo {
  id: number;
  name: string;
  tenant: string;
  client: string;
  resources: string;
  state: TaskState;
  /** Unix ms */
  submittedAt: number;
  startedAt: number | null;
  endedAt: number | null;
  worker: number | null;
  error: string | null;
}

/**
 * The outcome sent back: [ok, result or exception bytes, start, end, worker, output], or with
 * bytes null and a 7th element, the object id under which a large result waits.
 */
export type TaskAnswer = [boolean, Uint8Array, number, number, number, string] | [boolean, null, number, number, number, string, string];

/** Results larger than this are left in the object store and fetched in pieces. */
const REF_BYTES = 128 * 1024;
/** Output of one task sent back with its result, at most (the rest is cut, saying so). */
const MAX_OUTPUT = 1024 * 1024;

interface Live {
  info: TaskInfo;
  claims: Claims;
  key: string;
  expr: Expr;
  reservation: Reservation | null;
  pool: number;
  answer(v: TaskAnswer): void;
  fail(e: ServiceError): void;
}

interface PoolEntry { id: number; lastUse: number }

/** What the tasks of one request share once checked. */
interface Admitted { poolId: number; expr: Expr; resources: string; timeoutMs: number; artIds: string[] }

/** A task of a batch that failed: ['E', type, message]. */
function errorEntry(e: unknown): unknown[] {
  return e instanceof ServiceError ? ['E', e.type, e.message] : ['E', 'RuntimeError', (e as Error)?.message ?? String(e)];
}

const COMPILER_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../compiler');
const COMPILER_EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
/** Finished tasks remembered for `xlang node tasks`. */
const HISTORY = 1000;
/** Distinct (tenant, requirement, priority, retries) pools a node keeps at once. */
const MAX_POOLS = 1000;
const POOL_IDLE_MS = 60_000;
/** A node with no task for this long stops its workers (they start again with the next task). */
const WORKERS_IDLE_MS = Number(process.env.XLANG_WORKERS_IDLE_MS) > 0 ? Number(process.env.XLANG_WORKERS_IDLE_MS) : 30_000;
const ID_RE = /^[0-9a-f]{64}(:\d{1,9})?$/;
const MAX_SOURCE = 8 * 1024 * 1024;

const isStr = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
const isInt = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** A shipped artifact as it arrives (source form), checked field by field. */
interface Shipped { id: string; moduleName: string; path: string; source: string; predeclared?: string[] }

function shippedArg(v: unknown): Shipped {
  const a = v as Record<string, unknown>;
  if (a === null || typeof a !== 'object' || !isStr(a.id, 80) || !ID_RE.test(a.id) || !isStr(a.moduleName, 200) || !/^[A-Za-z_][\w.]*$/.test(a.moduleName) ||
      !isStr(a.path, 4096) || typeof a.source !== 'string' || a.source.length > MAX_SOURCE ||
      (a.predeclared !== undefined && !(Array.isArray(a.predeclared) && a.predeclared.length <= 100_000 && a.predeclared.every(n => isStr(n, 200))))) {
    throw new ServiceError('ValueError', 'a shipped artifact needs id (a content id), moduleName, path and source (and optionally predeclared names)');
  }
  return a as unknown as Shipped;
}

export class NodeTasks {
  private threads: PoolThreads | null = null;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private readonly artifacts = new Map<string, Artifact>();
  /** Per client: the results kept for it as objects ([tenant, object number]). */
  private readonly heldResults = new Map<string, Array<[string, number]>>();
  /** Artifacts the scheduler thread has been given. */
  private readonly schedHas = new Set<string>();
  private readonly pools = new Map<string, PoolEntry>();
  private nextPool = 1;
  private nextId = 1;
  private readonly live = new Map<number, Live>();
  private readonly byKey = new Map<string, number>();
  private readonly history: TaskInfo[] = [];
  private batch: unknown[] = [];
  private cancelSeq = 0;
  private readonly cancels = new Map<number, (ok: boolean) => void>();
  private sweep: NodeJS.Timeout | null = null;
  private compiler: typeof import('../../compiler/index.js') | null = null;
  private readonly artifactDir: string;
  readonly size: number;

  constructor(private readonly node: LocalNode, private readonly serveCall: (claims: Claims, peer: string, method: string, args: unknown[]) => unknown, opts: { size?: number } = {}) {
    this.size = opts.size ?? defaultPoolSize();
    this.artifactDir = join(node.dataDir, 'artifacts');
  }

  // --- code ------------------------------------------------------------------------------------

  /** Where the source of artifact `id` is kept (a REPL input's `:n` suffix becomes `_n`). */
  private artifactFile(id: string): string {
    return join(this.artifactDir, id.replace(':', '_') + '.json');
  }

  /** The artifact `id`, from memory or the data directory, compiled by this node; null if unknown. */
  private async artifact(id: string): Promise<Artifact | null> {
    const have = this.artifacts.get(id);
    if (have) return have;
    let text: string;
    try { text = readFileSync(this.artifactFile(id), 'utf8'); } catch { return null; }
    try {
      return await this.admit(shippedArg(JSON.parse(text)), false);
    } catch (e) {
      this.node.log.write('warn', `artifact ${id.slice(0, 16)} in ${this.artifactDir} is unusable: ${(e as Error).message}`);
      return null;
    }
  }

  /** Compiles a shipped artifact with this node's compiler; its content id must match. */
  private async admit(s: Shipped, store: boolean): Promise<Artifact> {
    const have = this.artifacts.get(s.id);
    if (have) return have;
    const key = cacheKey(compilerBuildId(COMPILER_DIR, COMPILER_EXT), s.moduleName, 'v8') + (s.predeclared ? `repl:${s.predeclared.join(',')}\0` : '');
    const cacheDir = defaultCacheDir();
    let entry = cacheGet(cacheDir, key, s.source);
    if (!entry) {
      this.compiler ??= await import('../../compiler/index.js');
      const res = this.compiler.compile(s.source, s.path, { moduleName: s.moduleName, target: 'v8', ...(s.predeclared ? { repl: { predeclared: s.predeclared } } : {}) });
      const errors = res.diagnostics.filter(d => d.severity === 'error');
      if (errors.length) throw new ServiceError('ValueError', `the code of ${s.path} does not compile on this node: line ${errors[0]!.line}: ${errors[0]!.message}`);
      entry = { script: res.script, map: res.map, manifest: res.manifest, source: s.source, key };
      cachePut(cacheDir, entry);
    }
    if (entry.manifest.contentId !== s.id.split(':')[0]) {
      throw new ServiceError('ValueError', `artifact ${s.id.slice(0, 16)} of ${s.path}: its source has content id ${entry.manifest.contentId.slice(0, 16)} here (a different xlang version compiled it, or it was altered)`);
    }
    const a: Artifact = {
      id: s.id, path: s.path, jsFile: `${s.path}@${s.id.slice(0, 12)}.js`, moduleName: s.moduleName,
      source: s.source, script: entry.script, map: entry.map, manifest: entry.manifest, ...(s.predeclared ? { predeclared: s.predeclared } : {}),
    };
    if (store) {
      try {
        mkdirSync(this.artifactDir, { recursive: true, mode: 0o700 });
        const file = this.artifactFile(s.id);
        writeFileSync(file + '.tmp', JSON.stringify(s), { mode: 0o600 });
        renameSync(file + '.tmp', file);
      } catch (e) {
        this.node.log.write('warn', `cannot keep artifact ${s.id.slice(0, 16)}: ${(e as Error).message}`);
      }
    }
    this.artifacts.set(a.id, a);
    return a;
  }

  // --- the pool --------------------------------------------------------------------------------

  private start(): PoolThreads {
    if (this.threads) return this.threads;
    const t = this.threads = startPool({ size: this.size, signal: this.signal, mode: 'node' });
    t.schedPort.on('message', (m: any) => this.fromScheduler(m));
    for (let i = 0; i < t.size; i++) this.listen(i, t.workerPorts[i]!);
    this.sweep = setInterval(() => this.idle(), WORKERS_IDLE_MS / 2);
    this.sweep.unref();
    return t;
  }

  private listen(i: number, port: MessagePort): void {
    port.on('message', (m: any) => {
      if (m.t === 'results') for (const r of m.results) this.finished(r);
      else if (m.t === 'cantor') this.cantorCall(i, port, m);
    });
  }

  private fromScheduler(m: any): void {
    switch (m.t) {
      case 'dispatched':
        for (const id of m.ids as number[]) {
          const t = this.live.get(id);
          if (!t || t.info.state !== 'queued') continue;
          t.info.state = 'running';
          t.info.startedAt = Date.now();
          t.info.worker = m.worker;
          t.reservation = this.node.ledger.tryReserve(t.expr);
        }
        break;
      case 'lost': {
        const type = lostErrorType(m.why);
        for (const id of m.ids as number[]) {
          const t = this.live.get(id);
          if (!t) continue;
          const message = type === 'TimeoutError' ? `task '${t.info.name}' ${/timed out after \d+ ms/.exec(m.why)![0]} on node ${this.node.nodeId.slice(0, 16)} and was stopped` : `task '${t.info.name}' was lost on node ${this.node.nodeId.slice(0, 16)}: ${m.why}`;
          this.end(t, type === 'TimeoutError' ? 'timeout' : 'failed', message);
          t.fail(new ServiceError(type, message));
        }
        const w = /worker (\d+) stopped/.exec(m.why);
        if (w && this.threads) this.listen(+w[1]!, this.threads.respawn(+w[1]!));
        break;
      }
      case 'cancelled':
        this.cancels.get(m.seq)?.(m.ok);
        this.cancels.delete(m.seq);
        break;
    }
  }

  private finished(r: [number, boolean, Uint8Array, number, number, number, string, string | null]): void {
    const [id, ok, bytes, start, end, worker, out, error] = r;
    const t = this.live.get(id);
    if (!t) return;
    t.info.worker = worker;
    // the worker's own clock readings (sub-millisecond) for when it really ran
    t.info.startedAt = start;
    this.end(t, ok ? 'done' : 'failed', ok ? null : error ?? 'raised an exception');
    t.info.endedAt = end;
    let text = out ?? '';
    if (text.length > MAX_OUTPUT) text = text.slice(0, MAX_OUTPUT) + `\n[xlang: ${text.length - MAX_OUTPUT} more characters of this task's output were cut]\n`;
    if (bytes.length > REF_BYTES) {
      // a large result waits in the caller's object store; the answer names it (a batch's answer stays small)
      const oid = this.node.store.objPut(t.claims.tenant, bytes);
      let mine = this.heldResults.get(t.info.client);
      if (!mine) this.heldResults.set(t.info.client, (mine = []));
      mine.push([t.claims.tenant, oid]);
      t.answer([ok, null, start, end, worker, text, `${this.node.nodeId}/${oid}`]);
    } else t.answer([ok, bytes, start, end, worker, text]);
  }

  private end(t: Live, state: TaskState, error: string | null): void {
    t.info.state = state;
    t.info.endedAt = Date.now();
    t.info.error = error;
    t.reservation?.release();
    t.reservation = null;
    this.live.delete(t.info.id);
    this.byKey.delete(t.key);
    this.history.push(t.info);
    if (this.history.length > HISTORY) this.history.splice(0, this.history.length - HISTORY);
  }

  /** A task's cantor call: runs as the task's caller, answered to the worker's channel. */
  private cantorCall(i: number, port: MessagePort, m: { seq: number; task: number; method: string; args: unknown[] }): void {
    const t = this.live.get(m.task);
    const answer = (r: object) => {
      try { port.postMessage({ seq: m.seq, ...r }); } catch { return; }
      const cell = this.threads?.workerSignals[i];
      if (cell) { Atomics.add(cell, 0, 1); Atomics.notify(cell, 0); }
    };
    const failed = (e: unknown) => answer(e instanceof ServiceError ? { ok: false, type: e.type, message: e.message } : { ok: false, type: 'RuntimeError', message: (e as Error)?.message ?? String(e) });
    if (!t) { failed(new ServiceError('RuntimeError', 'cantor call from a task this node no longer runs')); return; }
    try {
      const v = this.serveCall(t.claims, t.info.client, m.method, Array.isArray(m.args) ? m.args : []);
      if (v instanceof Promise) v.then(value => answer({ ok: true, value }), failed);
      else answer({ ok: true, value: v });
    } catch (e) { failed(e); }
  }

  private poolFor(claims: Claims, resources: string, demandOf: Expr, priority: number, retries: number): number {
    const key = `${claims.tenant}\0${resources}\0${priority}\0${retries}`;
    let p = this.pools.get(key);
    if (!p) {
      if (this.pools.size >= MAX_POOLS) this.dropIdlePools(true);
      if (this.pools.size >= MAX_POOLS) throw new ServiceError('RuntimeError', `node ${this.node.nodeId.slice(0, 16)} has ${MAX_POOLS} distinct task pools in use; try again later`);
      const demand: Record<string, number> = {};
      satisfies(demandOf, this.node.ledger.resources(false), demand);
      p = { id: this.nextPool++, lastUse: Date.now() };
      this.pools.set(key, p);
      this.start().schedPort.postMessage({ t: 'pool', id: p.id, prio: priority, limit: 0x7fffffff, demand, capacity: { ...this.node.ledger.quantities }, retries });
    }
    p.lastUse = Date.now();
    return p.id;
  }

  private lastTask = Date.now();

  /** Forgets idle pools; stops the workers when no task has come for a while (an idle node stays small). */
  private idle(): void {
    if (this.live.size === 0 && this.batch.length === 0 && Date.now() - this.lastTask > WORKERS_IDLE_MS && this.threads) {
      this.threads.stop();
      this.threads = null;
      if (this.sweep) clearInterval(this.sweep);
      this.sweep = null;
      this.pools.clear();
      this.schedHas.clear();
      this.node.log.write('info', `no task for ${WORKERS_IDLE_MS / 1000} s: workers stopped`);
      // give the memory of the busy period back now rather than at the next allocation
      this.node.store.shrinkMemory();
      releaseIdleMemory();
      return;
    }
    this.dropIdlePools();
  }

  private dropIdlePools(all = false): void {
    const cutoff = Date.now() - (all ? 0 : POOL_IDLE_MS);
    const busy = new Set<number>();
    for (const t of this.live.values()) busy.add(t.pool);
    for (const [key, p] of this.pools) {
      if (p.lastUse > cutoff || busy.has(p.id)) continue;
      this.pools.delete(key);
      this.threads?.schedPort.postMessage({ t: 'dropPool', id: p.id });
    }
  }

  // --- requests --------------------------------------------------------------------------------

  /**
   * `task.run [spec, key, name, bytes, artifactIds, shipped]`: runs one task; the promise is its
   * outcome. Refusals (bad arguments, unknown artifacts, a requirement this node can never
   * meet) are ServiceErrors and happen before anything runs.
   */
  async run(claims: Claims, peer: string, args: unknown[], signal: AbortSignal): Promise<TaskAnswer> {
    const [spec, key, name, bytes, artIds, shipped, refs] = args;
    const adm = await this.prepare(claims, spec, artIds, shipped, name);
    return this.launch(claims, peer, adm, [key, name, bytes, refs], signal);
  }

  /**
   * `task.runMany [spec, [[key, name, bytes]...], artifactIds, shipped]`: many tasks of one pool
   * in one request (a client under a flood of submissions sends them so); answered when all
   * have finished, with one entry per task: its TaskAnswer, or ['E', type, message].
   */
  async runMany(claims: Claims, peer: string, args: unknown[], signal: AbortSignal): Promise<unknown[]> {
    const [spec, tasks, artIds, shipped] = args;
    if (!Array.isArray(tasks) || tasks.length === 0 || tasks.length > 4096) throw new ServiceError('TypeError', 'task.runMany needs a list of 1 to 4096 [key, name, bytes] tasks');
    const adm = await this.prepare(claims, spec, artIds, shipped, null);
    return Promise.all(tasks.map(t => {
      try {
        return this.launch(claims, peer, adm, Array.isArray(t) ? t : [], signal).catch(e => errorEntry(e));
      } catch (e) { return errorEntry(e); }
    }));
  }

  /** Checks what the tasks of one request share: their pool's spec and their code. */
  private async prepare(claims: Claims, specArg: unknown, artIds: unknown, shipped: unknown, name: unknown): Promise<Admitted> {
    const spec = specArg as Record<string, unknown>;
    if (spec === null || typeof spec !== 'object' || !isStr(spec.resources, 4096) || !isInt(spec.priority, 0, 1000) || !isInt(spec.retries, 0, 100) || !isInt(spec.timeoutMs, 0, 2 ** 31 - 1)) {
      throw new ServiceError('TypeError', 'a task needs a spec {resources: str, priority: int 0..1000, retries: int 0..100, timeoutMs: int >= 0}');
    }
    if (!Array.isArray(artIds) || artIds.length > 10_000 || !artIds.every(a => isStr(a, 80) && ID_RE.test(a))) throw new ServiceError('TypeError', 'a task needs the list of artifact ids it uses');
    if (shipped !== null && shipped !== undefined && !(Array.isArray(shipped) && shipped.length <= 10_000)) throw new ServiceError('TypeError', 'shipped artifacts must be a list');
    const expr = this.requirement(spec.resources as string);
    const ever = this.node.ledger.canEverSatisfy(expr);
    if (!ever.ok) throw new ServiceError('RuntimeError', `task${typeof name === 'string' ? ` '${name}'` : 's'} cannot run on node ${this.node.nodeId.slice(0, 16)}: the requirement ${spec.resources} is never met: ${ever.unmet.join('; ')}`);
    for (const s of (shipped as unknown[] | null) ?? []) await this.admit(shippedArg(s), true);
    const missing: string[] = [];
    for (const id of artIds as string[]) if (!(await this.artifact(id))) missing.push(id);
    if (missing.length) throw new ServiceError('ArtifactMissing', `node ${this.node.nodeId.slice(0, 16)} lacks the code of ${missing.length} module(s) (${missing.map(m => m.slice(0, 12)).join(', ')}); send them with the task`);
    const poolId = this.poolFor(claims, spec.resources as string, expr, spec.priority as number, spec.retries as number);
    const threads = this.start();
    for (const id of artIds as string[]) {
      if (this.schedHas.has(id)) continue;
      this.schedHas.add(id);
      threads.schedPort.postMessage({ t: 'art', art: this.artifacts.get(id) });
    }
    return { poolId, expr, resources: spec.resources as string, timeoutMs: spec.timeoutMs as number, artIds: artIds as string[] };
  }

  /** Parsed requirements, by text (each pool's tasks name the same one). */
  private readonly exprs = new Map<string, Expr>();

  private requirement(text: string): Expr {
    let e = this.exprs.get(text);
    if (e) return e;
    try { e = parseRequirement(text); } catch (x) {
      if (x instanceof ResourceExprError) throw new ServiceError('ValueError', x.message);
      throw x;
    }
    if (this.exprs.size >= MAX_POOLS) this.exprs.clear();
    this.exprs.set(text, e);
    return e;
  }

  /** Queues one admitted task; the promise is its outcome. */
  private launch(claims: Claims, peer: string, adm: Admitted, [key, name, bytes, refs]: unknown[], signal: AbortSignal): Promise<TaskAnswer> {
    if (!isStr(key, 200) || !isStr(name, 400) || !(bytes instanceof Uint8Array)) throw new ServiceError('TypeError', 'a task needs a key, a name and the serialized call');
    // arguments that are results left on this node: [position or keyword, object id]
    if (refs !== null && refs !== undefined && !(Array.isArray(refs) && refs.length <= 1000 && refs.every(r => Array.isArray(r) && r.length === 2 && (isInt(r[0], 0, 100_000) || isStr(r[0], 200)) && isStr(r[1], 200) && r[1].startsWith(this.node.nodeId + '/')))) {
      throw new ServiceError('TypeError', `a task's references must be [position or keyword, object id of node ${this.node.nodeId.slice(0, 16)}] pairs`);
    }
    if (signal.aborted) throw new ServiceError('CancelledError', 'the caller went away');
    const fullKey = `${peer}\0${key}`;
    if (this.byKey.has(fullKey)) throw new ServiceError('ValueError', `task key '${key}' is already in use`);
    const id = this.nextId++;
    this.lastTask = Date.now();
    const info: TaskInfo = {
      id, name, tenant: claims.tenant, client: peer, resources: adm.resources, state: 'queued',
      submittedAt: Date.now(), startedAt: null, endedAt: null, worker: null, error: null,
    };
    return new Promise<TaskAnswer>((answer, reject) => {
      const t: Live = { info, claims, key: fullKey, expr: adm.expr, reservation: null, answer, fail: reject, pool: adm.poolId };
      this.live.set(id, t);
      this.byKey.set(fullKey, id);
      if (this.batch.push([id, adm.poolId, bytes, adm.artIds, adm.timeoutMs, refs ?? null]) === 1) setImmediate(() => this.flush());
      signal.addEventListener('abort', () => { void this.cancelTask(t); }, { once: true });
    });
  }

  private flush(): void {
    if (!this.batch.length || !this.threads) return;
    this.threads.schedPort.postMessage({ t: 'submit', tasks: this.batch });
    this.batch = [];
  }

  /** `task.cancel [key]`: cancels the caller's task if it has not started. */
  async cancel(peer: string, key: unknown): Promise<boolean> {
    if (!isStr(key, 200)) throw new ServiceError('TypeError', 'task.cancel needs a task key');
    const id = this.byKey.get(`${peer}\0${key}`);
    const t = id === undefined ? undefined : this.live.get(id);
    return t ? this.cancelTask(t) : false;
  }

  private async cancelTask(t: Live): Promise<boolean> {
    if (t.info.state !== 'queued' || !this.live.has(t.info.id)) return false;
    const i = this.batch.findIndex(b => (b as unknown[])[0] === t.info.id);
    let ok: boolean;
    if (i >= 0) { this.batch.splice(i, 1); ok = true; }
    else {
      const seq = ++this.cancelSeq;
      ok = await new Promise<boolean>(r => { this.cancels.set(seq, r); this.threads!.schedPort.postMessage({ t: 'cancel', id: t.info.id, seq }); });
    }
    if (!ok || !this.live.has(t.info.id)) return false;
    // (a task taken back from a worker's batch before it started never ran)
    t.info.startedAt = null;
    t.info.worker = null;
    this.end(t, 'cancelled', null);
    t.fail(new ServiceError('CancelledError', `task '${t.info.name}' was cancelled`));
    return true;
  }

  /** `node.tasks [{state, limit}]`: running and recent tasks, newest first; a tenant sees its own. */
  list(claims: Claims, filter: unknown): TaskInfo[] {
    const f = (filter ?? {}) as { state?: unknown; limit?: unknown };
    if (typeof f !== 'object') throw new ServiceError('TypeError', 'node.tasks takes {state, limit}');
    const limit = isInt(f.limit, 1, HISTORY * 10) ? f.limit : 100;
    const state = typeof f.state === 'string' ? f.state : null;
    const all = claims.roles.includes('admin');
    const out: TaskInfo[] = [];
    const rows = [...[...this.live.values()].map(t => t.info).reverse(), ...[...this.history].reverse()];
    for (const info of rows) {
      if (!all && info.tenant !== claims.tenant) continue;
      if (state && info.state !== state) continue;
      out.push({ ...info });
      if (out.length >= limit) break;
    }
    return out;
  }

  counts(): { queued: number; running: number; finished: number } {
    let queued = 0, running = 0;
    for (const t of this.live.values()) { if (t.info.state === 'queued') queued++; else running++; }
    return { queued, running, finished: this.history.length };
  }

  /**
   * A client has gone for good (killed, or its link lost past the grace period): the large
   * results kept for it go, since nobody can name them any more. (A script that ends deletes
   * those it had itself; deleting them again is harmless.) Its tasks were cancelled with its
   * requests.
   */
  clientGone(peer: string): void {
    const mine = this.heldResults.get(peer);
    this.heldResults.delete(peer);
    let n = 0;
    for (const [tenant, oid] of mine ?? []) if (this.node.store.objDelete(tenant, oid)) n++;
    if (n > 0) this.node.log.write('info', `client ${peer} has gone: deleted ${n} task result${n === 1 ? '' : 's'} it had not read`);
  }

  stop(): void {
    for (const t of [...this.live.values()]) {
      this.end(t, 'failed', 'the node stopped');
      t.fail(new ServiceError('ConnectionError', `node ${this.node.nodeId.slice(0, 16)} is stopping`));
    }
    if (this.sweep) clearInterval(this.sweep);
    this.threads?.stop();
    this.threads = null;
  }
}
