// Tasks in the main isolate: taskpool(), f.taskrun(pool, ...), futures, mainrun(), threadid().
// A task is its function (by reference into its artifact, plus the module values it reads,
// captured now), its arguments and keywords, serialized once. Tasks go to the scheduler
// thread as records of a shared-memory ring (pool.ts); worker isolates pull them and write
// results straight back here, each to a ring of its own. XLang code is synchronous, so waiting
// (get, done, the end of the script) reads the rings and the channels (receiveMessageOnPort)
// and sleeps on a shared doorbell (Atomics.wait).
//
// A pool may also be remote (cantor.pool under --connect): its tasks go to a RemoteExecutor,
// which the cantor module provides, and come back through the same futures. Futures passed
// as arguments are dependencies: the task is sent once they have finished, with their values.
import { receiveMessageOnPort } from 'node:worker_threads';
import { objects, exceptions, containers, ops, numbers, repr } from '../core/index.js';
import { serializerModule, type MainHost, type Artifact } from './main.js';
import { startPool, defaultPoolSize, lostErrorType, SUB_TASK, SUB_BIG, SUB_MSG, type PoolThreads, type Ring } from './pool.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const now = (): number => performance.timeOrigin + performance.now();
/** Tasks in flight beyond which taskrun() waits (bounded memory under a flood of submissions). */
const HIGH_WATER = 8192, LOW_WATER = 4096;

type State = 'pending' | 'ok' | 'err' | 'cancelled';

class Future {
  state: State = 'pending';
  /** The pool of a remote task (its max_task_num is counted here), else null. */
  pool: TaskPool | null = null;
  /** Where a remote task ran ("node X"), for tracebacks. */
  where: string | null = null;
  /** Dependents: submissions waiting for this future (futures passed as arguments). */
  dependents: Deferred[] | null = null;
  /** This future's own submission while it waits for its dependencies. */
  deferred: Deferred | null = null;
  /** A large remote result left on its node: read when its value is needed here, passed as is to tasks on that node. */
  ref: { id: string; on: RemoteExecutor } | null = null;
  bytes: Uint8Array | null = null;
  value: unknown = undefined;
  decoded = false;
  observed = false;
  startAt = 0;
  endAt = 0;
  worker = -1;
  /** then-callbacks (null until the first: most futures have none). */
  thens: Array<{ cb: unknown; child: Future }> | null = null;
  constructor(readonly sys: TaskSystem, readonly id: number, readonly name: string, readonly submitAt: number) {}
}

class TaskPool {
  /** Remote pools: tasks sent and not finished, and tasks held back by max_task_num. */
  running = 0;
  readonly held: RemoteTask[] = [];
  constructor(readonly id: number, readonly limit: number, readonly inUi: boolean, readonly prio: number, readonly cantor: CantorPoolSpec | null = null, readonly remote: RemoteExecutor | null = null) {}
}

/** A submission waiting for the futures among its arguments. */
interface Deferred { fut: Future; pool: TaskPool; fn: unknown; args: unknown[]; waiting: number; cancelled: boolean; futures: boolean }

/**
 * What cantor.pool() adds to a pool: the requirement (its text), the quantities each running
 * task reserves, this node's capacity, retries, and `unmet` when this node can never satisfy
 * it (its tasks then fail at once, naming what is missing).
 */
export interface CantorPoolSpec {
  resources: string;
  demand: Record<string, number>;
  capacity: Record<string, number>;
  retries: number;
  unmet: string[] | null;
  /** A running task taking longer than this (ms) fails with TimeoutError; 0: no limit. */
  timeoutMs: number;
}

/** A task for a remote node: the serialized [fn, args, kwargs] and the artifacts it needs. */
export interface RemoteTask {
  id: number; name: string; bytes: Uint8Array; arts: string[];
  /** Arguments that are results left on the node: [position or keyword, object id]; the bytes hold None there. */
  refs?: Array<[number | string, string]>;
}

/** How a remote task ended: its result or exception (serialized), or an error of the node. */
export interface RemoteOutcome {
  id: number;
  ok: boolean;
  /** The serialized result or exception; null when `error` says what went wrong instead. */
  bytes: Uint8Array | null;
  /** Where a large result waits on the node (read by fetch() when its value is needed here). */
  ref?: string;
  error?: { type: string; message: string };
  start: number;
  end: number;
  worker: number;
  /** What the task printed. */
  out?: string;
}

/**
 * Where a remote pool's tasks go (runtime/cantor/client.ts makes one for a connected node).
 * Everything here is synchronous or posts and returns: outcomes are collected by poll(), and
 * `signal` is rung when some arrive, so a waiting script wakes.
 */
export interface RemoteExecutor {
  /** Where the tasks run, for tracebacks and reprs ("node 12D3Koo..."). */
  readonly label: string;
  attach(signal: Int32Array, artifact: (id: string) => Artifact | undefined): void;
  /** Queues tasks; they leave at once while few are in flight, else in batches or at flush(). */
  submit(tasks: RemoteTask[]): void;
  /** Sends what submit() queued (the script is about to wait). */
  flush(): void;
  poll(): RemoteOutcome[];
  /** Cancels a task the node has not started: true; false when it is running or done. */
  cancel(id: number): boolean;
  /** Reads a result left on the node (RemoteOutcome.ref). */
  fetch(ref: string): Uint8Array;
  /** Tells the node the results left there are no longer needed (the script ends). */
  release(refs: string[]): void;
}

const { nativeMethod: method, kwMap: kwOf } = objects;

function intArg(v: unknown, what: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) exceptions.raiseError('ValueError', `${what} must be an integer >= ${min}, not ${repr(v)}`);
  return v;
}

export class TaskSystem {
  private started = false;
  private threads: PoolThreads | null = null;
  private readonly remotes = new Set<RemoteExecutor>();
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private readonly futures = new Map<number, Future>();
  private readonly failedUnobserved = new Set<Future>();
  private readonly sentArts = new Set<string>();
  private readonly ui: Array<{ fut: Future; fn: unknown; args: unknown[] }> = [];
  /** Numbers of the distinct artifact lists tasks refer to (the scheduler is told each once). */
  private artSets = new Map<string, number>();
  private nextId = 1;
  private nextPool = 1;
  private inFlight = 0;
  private cancelReplies = new Map<number, boolean>();
  private cancelSeq = 0;
  readonly size = defaultPoolSize();

  constructor(private host: MainHost) {}

  private get schedPort() { return this.threads!.schedPort; }
  private get workerPorts() { return this.threads?.workerPorts ?? []; }
  private get workerSignals() { return this.threads!.workerSignals; }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.threads = startPool({ size: this.size, signal: this.signal, mode: 'script' });
  }

  stop(): void {
    // after finish() (or an uncaught error): no task will read the results left on nodes now
    this.releaseRefs();
    if (!this.started) return;
    this.started = false;
    this.threads!.stop();
    this.threads = null;
  }

  // --- submission -----------------------------------------------------------------------------

  pool(args: unknown[], cantor: CantorPoolSpec | null = null, remote: RemoteExecutor | null = null): TaskPool {
    const { pos, kw } = kwOf(args);
    if (pos.length > 2) exceptions.raiseError('TypeError', `taskpool() takes at most 2 positional arguments (${pos.length} given)`);
    for (const k of kw.keys()) if (k !== 'max_task_num' && k !== 'run_in_ui' && k !== 'priority') exceptions.raiseError('TypeError', `taskpool() got an unexpected keyword argument '${k}'`);
    const limit = intArg(kw.get('max_task_num') ?? pos[0] ?? 0x7fffffff, 'taskpool(max_task_num=...)', 1);
    const inUi = ops.truthy(kw.get('run_in_ui') ?? pos[1] ?? false);
    const prio = intArg(kw.get('priority') ?? 1, 'taskpool(priority=...)', 0);
    if (remote && inUi) exceptions.raiseError('ValueError', 'a pool of a connected node cannot run_in_ui');
    const p = new TaskPool(this.nextPool++, limit, inUi, prio, cantor, remote);
    if (remote) {
      if (!this.remotes.has(remote)) {
        remote.attach(this.signal, id => this.host.artifact(id));
        this.remotes.add(remote);
      }
    } else if (!inUi) {
      this.start();
      this.toScheduler({ t: 'pool', id: p.id, prio, limit, demand: cantor?.demand ?? null, capacity: cantor?.capacity ?? null, retries: cantor?.retries ?? 0 });
    }
    return p;
  }

  submit(fn: unknown, args: unknown[], label?: string): Future {
    const pool = args[0];
    if (!(pool instanceof TaskPool)) exceptions.raiseError('TypeError', `taskrun() needs a taskpool as its first argument, not '${objects.typeOf(pool).pyName}'`);
    const name = label ?? (fn as any)?.qualname ?? (fn as any)?.pyName ?? objects.typeOf(fn).pyName;
    const fut = new Future(this, this.nextId++, name, now());
    if (pool.cantor?.unmet) {
      // no node can ever run it: fail now rather than wait forever
      this.fail(fut, exceptions.newError('RuntimeError', `task '${name}' cannot run: no node satisfies its requirement ${pool.cantor.resources}: ${pool.cantor.unmet.join('; ')}`));
      return fut;
    }
    const rest = args.slice(1);
    // futures among the arguments: the task is sent once they have finished
    const d: Deferred = { fut, pool, fn, args: rest, waiting: 0, cancelled: false, futures: false };
    for (const a of rest) {
      const deps = a instanceof Future ? [a] : a instanceof objects.KwArgs && a.values.some(v => v instanceof Future) ? a.values.filter((v): v is Future => v instanceof Future) : null;
      if (!deps) continue;
      d.futures = true;
      for (const dep of deps) {
        if (!this.isDone(dep)) { (dep.dependents ??= []).push(d); d.waiting++; }
      }
    }
    if (d.waiting > 0) {
      fut.deferred = d;
      return fut;
    }
    this.launch(d);
    return fut;
  }

  /** A future failed before it ran. */
  private fail(fut: Future, exc: unknown): void {
    fut.state = 'err';
    fut.decoded = true;
    fut.value = exc;
    fut.endAt = now();
    this.failedUnobserved.add(fut);
    this.runThens(fut);
  }

  /** Sends a submission whose dependencies (if any) have finished: their values replace them. */
  private launch(d: Deferred): void {
    const { fut, pool, fn } = d;
    let args = d.args;
    const refs: Array<[number | string, string]> = [];
    if (d.futures) {
      // a large result still on the node that runs this task goes there by reference
      const onNode = (v: unknown, at: number | string): unknown => {
        if (v instanceof Future && v.ref && !v.decoded && v.state === 'ok' && pool.remote && v.ref.on.label === pool.remote.label) { refs.push([at, v.ref.id]); return null; }
        return this.depValue(v);
      };
      let at = 0;
      try {
        args = d.args.map(a => (a instanceof objects.KwArgs ? new objects.KwArgs(a.names, a.values.map((v, i) => onNode(v, a.names[i]!))) : onNode(a, at++)));
      } catch (e) {
        this.fail(fut, exceptions.toPyExc(e));
        return;
      }
    }
    if (pool.inUi) {
      this.ui.push({ fut, fn, args });
      return;
    }
    const { pos, kw } = objects.splitKw(args);
    const kwd = kw ? (() => { const x = new containers.PyDict(); kw.names.forEach((n, i) => x.set(n, kw.values[i])); return x; })() : null;
    let enc: { bytes: Uint8Array; artifacts: Set<string> };
    try {
      enc = serializerModule().encode([fn, containers.tuple(pos), kwd], `taskrun(${fut.name})`);
    } catch (e) {
      if (!this.deferredLaunch) throw e; // at taskrun(): raise where it was called
      this.fail(fut, exceptions.toPyExc(e));
      return;
    }
    const { bytes, artifacts } = enc;
    this.futures.set(fut.id, fut);
    this.inFlight++;
    if (pool.remote) {
      fut.pool = pool;
      const arts = [...artifacts, ...this.userModules()];
      const task: RemoteTask = { id: fut.id, name: fut.name, bytes, arts, ...(refs.length ? { refs } : {}) };
      if (pool.running >= pool.limit) pool.held.push(task);
      else { pool.running++; pool.remote.submit([task]); }
      if (this.inFlight >= HIGH_WATER) this.waitUntil(() => this.inFlight < LOW_WATER, Infinity);
      return;
    }
    for (const a of artifacts) {
      if (this.sentArts.has(a)) continue;
      this.sentArts.add(a);
      this.toScheduler({ t: 'art', art: this.host.artifact(a) });
    }
    // the scheduler sees the task at once (it asks to be rung while a worker is idle)
    const ring = this.threads!.ring;
    const set = this.artSet(artifacts);
    const timeout = Math.min(0x7fffffff, Math.ceil(pool.cantor?.timeoutMs ?? 0));
    if (bytes.length > ring.maxPayload) {
      this.threads!.bulk.postMessage({ bytes });
      this.record(SUB_BIG, fut.id, fut.submitAt, pool.id, timeout, set, null);
    } else this.record(SUB_TASK, fut.id, fut.submitAt, pool.id, timeout, set, bytes);
    if (ring.wanted()) ring.ring();
    if (this.inFlight >= HIGH_WATER) this.waitUntil(() => this.inFlight < LOW_WATER, Infinity);
  }

  private deferredLaunch = false;

  /** The number of a task's artifact list (most tasks of a script share one or two lists). */
  private artSet(artifacts: Set<string>): number {
    let key = '';
    for (const a of artifacts) key = key ? `${key}\n${a}` : a;
    let k = this.artSets.get(key);
    if (k === undefined) {
      k = this.artSets.size;
      this.artSets.set(key, k);
      this.toScheduler({ t: 'sets', sets: [[k, [...artifacts]]] });
    }
    return k;
  }

  /** Writes a record to the submission ring, waiting for room when the scheduler is behind. */
  private record(kind: number, id: number, at: number, a: number, b: number, c: number, bytes: Uint8Array | null): void {
    const ring = this.threads!.ring;
    while (!ring.write(kind, id, at, 0, a, b, c, bytes)) ring.waitRoom();
  }

  /** A message for the scheduler, in order with the tasks written before it. */
  private toScheduler(m: Record<string, unknown>): void {
    this.threads!.bulk.postMessage(m);
    this.record(SUB_MSG, 0, 0, 0, 0, 0, null);
    this.threads!.ring.ring();
  }

  /** A dependency's value; its exception (or cancellation) fails the dependent task. */
  private depValue(v: unknown): unknown {
    if (!(v instanceof Future)) return v;
    if (v.state === 'cancelled') exceptions.raiseError('CancelledError', `task '${v.name}', an argument of this task, was cancelled`);
    const x = this.valueOf(v);
    if (v.state === 'err') { v.observed = true; this.failedUnobserved.delete(v); throw x; }
    return x;
  }

  /** Artifacts every remote task takes along (modules served through `import m thru`). */
  private readonly shipAlways = new Set<string>();
  alsoShip(id: string): void { this.shipAlways.add(id); }

  /** The artifacts of the user modules this script has loaded (a remote node may need them to import). */
  private userModules(): string[] {
    const out: string[] = [...this.shipAlways];
    for (const [name, m] of this.host.modules) if (name !== '__main__' && typeof m?.xart === 'string') out.push(m.xart);
    return out;
  }

  /** Runs when `fut` has finished: submissions waiting for it go once nothing else holds them. */
  private release(fut: Future): void {
    const list = fut.dependents;
    if (!list) return;
    fut.dependents = null;
    for (const d of list) {
      if (d.cancelled || --d.waiting > 0) continue;
      d.fut.deferred = null;
      this.deferredLaunch = true;
      try { this.launch(d); } finally { this.deferredLaunch = false; }
    }
  }

  /** A remote pool's task finished: the next one held back by max_task_num goes. */
  private remoteDone(fut: Future): void {
    const pool = fut.pool;
    if (!pool?.remote) return;
    pool.running--;
    const next = pool.held.shift();
    if (next) { pool.running++; pool.remote.submit([next]); }
  }

  private flush(): void {
    for (const r of this.remotes) r.flush();
  }

  // --- completion -----------------------------------------------------------------------------

  /** Reads every message that has arrived; returns whether anything did. */
  private pump(): boolean {
    let any = false;
    const t = this.threads;
    if (t) {
      // results first: a task that finished just before its worker died counts as done, not lost
      for (let i = 0; i < t.resultRings.length; i++) {
        if (t.resultRings[i]!.read(this.onResult[i] ??= this.resultReader(i)) > 0) any = true;
      }
      for (let i = 0; i < t.workerPorts.length; i++) {
        const port = t.workerPorts[i]!;
        for (;;) {
          const r = receiveMessageOnPort(port);
          if (!r) break;
          any = true;
          const m = r.message;
          // (results too large for the ring, or that found it full)
          if (m.t === 'results') {
            for (const [id, ok, bytes, start, end] of m.results) this.complete(id, ok, bytes, start, end, i);
          } else if (m.t === 'mainrun') this.mainrunFor(i, m);
        }
      }
      for (;;) {
        if (!this.threads) break;
        const r = receiveMessageOnPort(this.schedPort);
        if (!r) break;
        any = true;
        const m = r.message;
        if (m.t === 'cancelled') this.cancelReplies.set(m.seq, m.ok);
        else if (m.t === 'lost') this.lost(m.ids, m.why);
      }
    }
    for (const r of this.remotes) {
      for (const o of r.poll()) {
        any = true;
        this.remoteOutcome(r, o);
      }
    }
    return any;
  }

  private remoteOutcome(r: RemoteExecutor, o: RemoteOutcome): void {
    const fut = this.futures.get(o.id);
    if (!fut) return;
    if (o.out) this.host.write(o.out);
    fut.where = r.label;
    if (o.ref !== undefined) {
      fut.ref = { id: o.ref, on: r };
      this.refs.push(fut.ref);
      this.complete(o.id, o.ok, null, o.start, o.end, o.worker);
      return;
    }
    if (o.bytes) { this.complete(o.id, o.ok, o.bytes, o.start, o.end, o.worker); return; }
    this.futures.delete(o.id);
    this.inFlight--;
    this.remoteDone(fut);
    fut.startAt = o.start; fut.endAt = o.end || now();
    this.fail(fut, exceptions.newError(o.error?.type ?? 'RuntimeError', o.error?.message ?? `task '${fut.name}' failed on ${r.label}`));
  }

  private readonly onResult: Array<Parameters<Ring['read']>[0]> = [];
  /** Completes the futures of worker i's result records (kind 1: a result, 0: an exception). */
  private resultReader(i: number): Parameters<Ring['read']>[0] {
    return (kind, id, start, end, _a, _b, _c, bytes, off, len) => this.complete(id, kind === 1, bytes.subarray(off, off + len), start, end, i);
  }

  /** Results left on nodes, released when the script ends. */
  private readonly refs: Array<{ id: string; on: RemoteExecutor }> = [];

  private complete(id: number, ok: boolean, bytes: Uint8Array | null, start: number, end: number, worker: number): void {
    const fut = this.futures.get(id);
    if (!fut) return;
    this.futures.delete(id);
    this.inFlight--;
    if (fut.pool) this.remoteDone(fut);
    fut.startAt = start; fut.endAt = end; fut.worker = worker;
    fut.bytes = bytes;
    fut.state = ok ? 'ok' : 'err';
    if (!fut.ref) this.valueOf(fut); // decoded now, so a kept future holds its value, not a message buffer
    if (fut.state === 'err') this.failedUnobserved.add(fut);
    this.runThens(fut);
  }

  private lost(ids: number[], why: string): void {
    for (const id of ids) {
      const fut = this.futures.get(id);
      if (!fut) continue;
      this.futures.delete(id);
      this.inFlight--;
      fut.state = 'err';
      fut.decoded = true;
      const type = lostErrorType(why);
      fut.value = exceptions.newError(type, type === 'TimeoutError' ? `task '${fut.name}' ${/timed out after \d+ ms/.exec(why)![0]} and was stopped (its worker was replaced)` : `task '${fut.name}' was lost: ${why}`);
      fut.endAt = now();
      this.failedUnobserved.add(fut);
      this.runThens(fut);
    }
    // a dead worker's channel to this isolate is gone: give its replacement a new one
    const m = /worker (\d+) stopped/.exec(why);
    if (m && this.started) this.threads!.respawn(+m[1]!);
  }

  private mainrunFor(i: number, m: any): void {
    const ser = serializerModule();
    let reply: { ok: boolean; bytes: Uint8Array };
    try {
      const [f, args] = ser.decode(m.bytes, 'mainrun') as [unknown, any];
      reply = { ok: true, bytes: ser.encode(objects.call(f, args.items.slice()), 'mainrun result').bytes };
    } catch (e) {
      reply = { ok: false, bytes: ser.encode(exceptions.toPyExc(e), 'mainrun error').bytes };
    }
    this.host.flush();
    this.workerPorts[i]!.postMessage({ seq: m.seq, ...reply });
    Atomics.add(this.workerSignals[i]!, 0, 1);
    Atomics.notify(this.workerSignals[i]!, 0);
  }

  /** Pumps messages and runs queued run_in_ui tasks until cond() holds or the deadline passes. */
  waitUntil(cond: () => boolean, deadline: number): boolean {
    this.flush();
    this.host.flush();
    for (;;) {
      const seen = Atomics.load(this.signal, 0);
      this.pump();
      if (cond()) return true;
      if (this.ui.length) { this.runUi(this.ui.shift()!); continue; }
      const left = deadline - now();
      if (left <= 0) return false;
      if (this.inFlight === 0) exceptions.raiseError('RuntimeError', 'waiting for a task that can never finish');
      Atomics.wait(this.signal, 0, seen, Math.min(left, 1000));
    }
  }

  private runUi(job: { fut: Future; fn: unknown; args: unknown[] }): void {
    const { fut } = job;
    fut.startAt = now();
    try {
      fut.value = objects.invoke(job.fn, undefined, job.args);
      fut.state = 'ok';
    } catch (e) {
      fut.value = exceptions.toPyExc(e);
      fut.state = 'err';
      this.failedUnobserved.add(fut);
    }
    fut.decoded = true;
    fut.endAt = now();
    fut.worker = -1;
    this.runThens(fut);
  }

  // --- futures ----------------------------------------------------------------------------------

  private valueOf(fut: Future): unknown {
    if (!fut.decoded) {
      fut.decoded = true;
      try {
        if (fut.ref && !fut.bytes) fut.bytes = fut.ref.on.fetch(fut.ref.id);
        fut.value = serializerModule().decode(fut.bytes!, fut.state === 'ok' ? `result of task '${fut.name}'` : `exception of task '${fut.name}'`);
      } catch (e) {
        fut.state = 'err';
        fut.value = exceptions.toPyExc(e);
      }
      fut.bytes = null;
      if (fut.state === 'err' && fut.worker >= 0 && fut.value && typeof fut.value === 'object') {
        // the task's frames follow the frames of the get() that re-raises it
        const x: any = fut.value;
        const head = `  [task '${fut.name}' ${fut.where ? `on ${fut.where}, ` : 'in '}worker ${fut.worker}]\n`;
        Object.defineProperty(x, 'remoteTraceback', { value: head + (typeof x.remoteTraceback === 'string' ? x.remoteTraceback : ''), writable: true, configurable: true });
      }
    }
    return fut.value;
  }

  private isDone(fut: Future): boolean {
    if (fut.state === 'pending' && (this.started || this.remotes.size > 0)) this.pump();
    return fut.state !== 'pending';
  }

  get(fut: Future, timeoutMs: unknown): unknown {
    if (fut.state === 'pending') {
      let deadline = Infinity;
      if (timeoutMs !== null && timeoutMs !== undefined) {
        const t = timeoutMs instanceof numbers.PyFloat ? timeoutMs.v : timeoutMs;
        if (typeof t !== 'number' || !(t >= 0)) exceptions.raiseError('ValueError', `get() timeout must be a number of milliseconds >= 0, not ${repr(timeoutMs)}`);
        deadline = now() + t;
      }
      if (!this.waitUntil(() => fut.state !== 'pending', deadline)) {
        exceptions.raiseError('TimeoutError', `task '${fut.name}' did not finish within ${timeoutMs} ms`);
      }
    }
    fut.observed = true;
    this.failedUnobserved.delete(fut);
    if (fut.state === 'cancelled') exceptions.raiseError('CancelledError', `task '${fut.name}' was cancelled`);
    const v = this.valueOf(fut);
    if (fut.state === 'err') {
      exceptions.captureStack(v);
      throw v instanceof exceptions.Thrown || (v && typeof v === 'object') ? v : new exceptions.Thrown(v);
    }
    return v;
  }

  then(fut: Future, cb: unknown): Future {
    if (typeof cb !== 'function') exceptions.raiseError('TypeError', `then() needs a callable, not '${objects.typeOf(cb).pyName}'`);
    const child = new Future(this, this.nextId++, `${fut.name}.then`, now());
    (fut.thens ??= []).push({ cb, child });
    if (fut.state !== 'pending') this.runThens(fut);
    return child;
  }

  /** Runs then-callbacks in this isolate; a child future gets the callback's result or error. */
  private runThens(fut: Future): void {
    this.release(fut);
    const list = fut.thens;
    if (!list) return;
    fut.thens = null;
    for (const { cb, child } of list) {
      child.startAt = now();
      if (fut.state === 'ok') {
        try {
          child.value = objects.call(cb, [this.valueOf(fut)]);
          child.state = 'ok';
        } catch (e) {
          child.value = exceptions.toPyExc(e);
          child.state = 'err';
          this.failedUnobserved.add(child);
        }
        fut.observed = true;
      } else {
        child.value = fut.state === 'cancelled' ? exceptions.newError('CancelledError', `task '${fut.name}' was cancelled`) : this.valueOf(fut);
        child.state = 'err';
        if (fut.state === 'err' && !child.thens?.length) this.failedUnobserved.add(child);
        this.failedUnobserved.delete(fut);
      }
      child.decoded = true;
      child.endAt = now();
      this.runThens(child);
    }
  }

  cancel(fut: Future): boolean {
    if (fut.state !== 'pending') return false;
    let ok = false;
    const ui = this.ui.findIndex(j => j.fut === fut);
    const held = fut.pool ? fut.pool.held.findIndex(j => j.id === fut.id) : -1;
    if (ui >= 0) { this.ui.splice(ui, 1); ok = true; }
    else if (held >= 0) { fut.pool!.held.splice(held, 1); ok = true; this.futures.delete(fut.id); this.inFlight--; }
    else if (fut.pool?.remote && this.futures.has(fut.id)) {
      ok = fut.pool.remote.cancel(fut.id);
      if (ok) { this.futures.delete(fut.id); this.inFlight--; this.remoteDone(fut); }
    } else if (fut.deferred) {
      // waiting for its dependencies: it simply never goes
      fut.deferred.cancelled = true;
      fut.deferred = null;
      ok = true;
    } else {
      if (this.started) {
        const seq = ++this.cancelSeq;
        this.toScheduler({ t: 'cancel', id: fut.id, seq });
        this.waitUntil(() => this.cancelReplies.has(seq) || fut.state !== 'pending', Infinity);
        ok = this.cancelReplies.get(seq) === true;
        this.cancelReplies.delete(seq);
      }
      if (ok) { this.futures.delete(fut.id); this.inFlight--; }
    }
    if (!ok) return false;
    fut.state = 'cancelled';
    fut.endAt = now();
    this.runThens(fut);
    return true;
  }

  /** Results left on nodes are deleted there (the script is over). */
  private releaseRefs(): void {
    const byNode = new Map<RemoteExecutor, string[]>();
    for (const r of this.refs.splice(0)) byNode.set(r.on, [...(byNode.get(r.on) ?? []), r.id]);
    for (const [on, ids] of byNode) { try { on.release(ids); } catch { /* the node is gone: nothing to free */ } }
  }

  /** At the end of the script: every task and then-callback finishes; unretrieved errors are shown. */
  finish(): void {
    while (this.inFlight > 0 || this.ui.length) this.waitUntil(() => this.inFlight === 0 && this.ui.length === 0, Infinity);
    for (const fut of this.failedUnobserved) {
      const v = this.valueOf(fut);
      process.stderr.write(`xlang: task '${fut.name}' failed and its error was never retrieved:\n${this.host.traceback(v)}`);
    }
    this.failedUnobserved.clear();
  }

  futureMethods(): void {
    const sys = this;
    const proto: any = Object.create(objects.types.object!.prototype);
    const FutureType = objects.builtinType('Future', proto, () => exceptions.raiseError('TypeError', 'futures are made by f.taskrun(pool, ...)'));
    Object.setPrototypeOf(Future.prototype, proto);
    void FutureType;
    method(proto, 'get', function (this: Future, timeout?: unknown) { return sys.get(this, timeout); });
    method(proto, 'then', function (this: Future, cb: unknown) { return sys.then(this, cb); });
    method(proto, 'cancel', function (this: Future) { return sys.cancel(this); });
    method(proto, 'done', function (this: Future) { return sys.isDone(this); });
    method(proto, 'getTotalTime', function (this: Future) {
      sys.isDone(this);
      return numbers.mkfloat(Math.round(((this.state === 'pending' ? now() : this.endAt) - this.submitAt) * 1000) / 1000);
    });
    method(proto, 'getRunTime', function (this: Future) {
      sys.isDone(this);
      if (!this.startAt) return numbers.mkfloat(0);
      return numbers.mkfloat(Math.round(((this.state === 'pending' ? now() : this.endAt) - this.startAt) * 1000) / 1000);
    });
    method(proto, '__repr__', function (this: Future) { return `<Future of task '${this.name}' ${this.state}>`; });
    const pproto: any = Object.create(objects.types.object!.prototype);
    objects.builtinType('TaskPool', pproto, () => exceptions.raiseError('TypeError', 'use taskpool(...) to make a pool'));
    Object.setPrototypeOf(TaskPool.prototype, pproto);
    Object.defineProperty(pproto, '$max_task_num', { get(this: TaskPool) { return this.limit; } });
    Object.defineProperty(pproto, '$run_in_ui', { get(this: TaskPool) { return this.inUi; } });
    method(pproto, '__repr__', function (this: TaskPool) {
      const c = this.cantor;
      return `<taskpool${this.limit < 0x7fffffff ? ` max_task_num=${this.limit}` : ''}${this.inUi ? ' run_in_ui' : ''}${c ? ` resources=${JSON.stringify(c.resources)} retries=${c.retries}` : ''} priority=${this.prio}>`;
    });
  }
}

let installed: TaskSystem | null = null;

/** The task system of this (main) isolate, created on first use by the task builtins. */
export function installTasks(host: MainHost): TaskSystem {
  if (installed) return installed;
  const sys = installed = new TaskSystem(host);
  sys.futureMethods();
  const taskrun = (fn: unknown) => Object.assign((...args: unknown[]) => sys.submit(fn, args), { pyName: 'taskrun', builtin: true, kw: true });
  objects.attrFallbacks.push((o, name) => (name === 'taskrun' && (typeof o === 'function' || (o && typeof o === 'object' && typeof o.$__call__ === 'function')) ? taskrun(o) : undefined));
  host.finishHooks.push(() => sys.finish());
  host.stopHooks.push(() => { sys.stop(); installed = null; });
  return sys;
}
