// Tasks in the main isolate: taskpool(), f.taskrun(pool, ...), futures, mainrun(), threadid().
// A task is its function (by reference into its artifact, plus the module values it reads,
// captured now), its arguments and keywords, serialized once. Tasks go to the scheduler
// thread; worker isolates pull them and send results straight back here. XLang code is
// synchronous, so waiting (get, done, the end of the script) drains the result channels
// synchronously (receiveMessageOnPort) and sleeps on a shared doorbell (Atomics.wait).
import { Worker, MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { availableParallelism, totalmem } from 'node:os';
import { objects, exceptions, containers, ops, numbers, repr } from '../core/index.js';
import { serializerModule, type MainHost } from './main.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const now = (): number => performance.timeOrigin + performance.now();
/** Tasks in flight beyond which taskrun() waits (bounded memory under a flood of submissions). */
const HIGH_WATER = 8192, LOW_WATER = 4096;
/** Tasks are sent one by one while few are in flight, in batches when many are. */
const BATCH = 256;

type State = 'pending' | 'ok' | 'err' | 'cancelled';

class Future {
  state: State = 'pending';
  bytes: Uint8Array | null = null;
  value: unknown = undefined;
  decoded = false;
  observed = false;
  startAt = 0;
  endAt = 0;
  worker = -1;
  thens: Array<{ cb: unknown; child: Future }> = [];
  constructor(readonly sys: TaskSystem, readonly id: number, readonly name: string, readonly submitAt: number) {}
}

class TaskPool {
  constructor(readonly id: number, readonly limit: number, readonly inUi: boolean, readonly prio: number, readonly cantor: CantorPoolSpec | null = null) {}
}

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
}

const { nativeMethod: method, kwMap: kwOf } = objects;

function intArg(v: unknown, what: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) exceptions.raiseError('ValueError', `${what} must be an integer >= ${min}, not ${repr(v)}`);
  return v;
}

export class TaskSystem {
  private started = false;
  private sched!: Worker;
  private schedPort!: MessagePort;
  private workerPorts: MessagePort[] = [];
  private workerSignals: Int32Array[] = [];
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private readonly futures = new Map<number, Future>();
  private readonly failedUnobserved = new Set<Future>();
  private readonly sentArts = new Set<string>();
  private readonly ui: Array<{ fut: Future; fn: unknown; args: unknown[] }> = [];
  private batch: unknown[] = [];
  private nextId = 1;
  private nextPool = 1;
  private inFlight = 0;
  private sentInFlight = 0;
  private cancelReplies = new Map<number, boolean>();
  private cancelSeq = 0;
  readonly size: number;

  constructor(private host: MainHost) {
    const env = Number(process.env.XLANG_WORKERS);
    this.size = Number.isInteger(env) && env > 0 ? env : Math.max(1, availableParallelism());
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    const schedCh = new MessageChannel();
    const workerMainPorts: MessagePort[] = [];
    for (let i = 0; i < this.size; i++) {
      const ch = new MessageChannel();
      this.workerPorts.push(ch.port1);
      workerMainPorts.push(ch.port2);
      this.workerSignals.push(new Int32Array(new SharedArrayBuffer(4)));
    }
    this.schedPort = schedCh.port1;
    this.sched = new Worker(new URL('./scheduler.js', import.meta.url), {
      workerData: {
        mainPort: schedCh.port2, signal: this.signal, workerFile: new URL('./worker.js', import.meta.url).pathname,
        workerMainPorts, workerSignals: this.workerSignals, memoryMb: this.workerMemoryMb(),
      },
      transferList: [schedCh.port2, ...workerMainPorts],
      // the scheduler only moves messages: a small young generation keeps it small
      resourceLimits: { maxYoungGenerationSizeMb: 8 },
    });
    this.sched.unref();
  }

  /** Heap limit per worker: XLANG_WORKER_MEMORY_MB, else a share of the machine's memory. */
  private workerMemoryMb(): number {
    const env = Number(process.env.XLANG_WORKER_MEMORY_MB);
    if (Number.isInteger(env) && env >= 16) return env;
    return Math.max(256, Math.min(4096, Math.floor(totalmem() / 1048576 / (2 * this.size))));
  }

  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.schedPort.postMessage({ t: 'stop' });
    void this.sched.terminate();
    this.schedPort.close();
    for (const p of this.workerPorts) p.close();
  }

  // --- submission -----------------------------------------------------------------------------

  pool(args: unknown[], cantor: CantorPoolSpec | null = null): TaskPool {
    const { pos, kw } = kwOf(args);
    if (pos.length > 2) exceptions.raiseError('TypeError', `taskpool() takes at most 2 positional arguments (${pos.length} given)`);
    for (const k of kw.keys()) if (k !== 'max_task_num' && k !== 'run_in_ui' && k !== 'priority') exceptions.raiseError('TypeError', `taskpool() got an unexpected keyword argument '${k}'`);
    const limit = intArg(kw.get('max_task_num') ?? pos[0] ?? 0x7fffffff, 'taskpool(max_task_num=...)', 1);
    const inUi = ops.truthy(kw.get('run_in_ui') ?? pos[1] ?? false);
    const prio = intArg(kw.get('priority') ?? 1, 'taskpool(priority=...)', 0);
    const p = new TaskPool(this.nextPool++, limit, inUi, prio, cantor);
    if (!inUi) {
      this.start();
      this.schedPort.postMessage({ t: 'pool', id: p.id, prio, limit, demand: cantor?.demand ?? null, capacity: cantor?.capacity ?? null, retries: cantor?.retries ?? 0 });
    }
    return p;
  }

  submit(fn: unknown, args: unknown[]): Future {
    const pool = args[0];
    if (!(pool instanceof TaskPool)) exceptions.raiseError('TypeError', `taskrun() needs a taskpool as its first argument, not '${objects.typeOf(pool).pyName}'`);
    const name = (fn as any)?.qualname ?? (fn as any)?.pyName ?? objects.typeOf(fn).pyName;
    const fut = new Future(this, this.nextId++, name, now());
    if (pool.cantor?.unmet) {
      // no node can ever run it: fail now rather than wait forever
      fut.state = 'err';
      fut.decoded = true;
      fut.value = exceptions.newError('RuntimeError', `task '${name}' cannot run: no node satisfies its requirement ${pool.cantor.resources}: ${pool.cantor.unmet.join('; ')}`);
      fut.endAt = fut.submitAt;
      this.failedUnobserved.add(fut);
      return fut;
    }
    if (pool.inUi) {
      this.ui.push({ fut, fn, args: args.slice(1) });
      return fut;
    }
    const { pos, kw } = objects.splitKw(args.slice(1));
    const kwd = kw ? (() => { const d = new containers.PyDict(); kw.names.forEach((n, i) => d.set(n, kw.values[i])); return d; })() : null;
    const { bytes, artifacts } = serializerModule().encode([fn, containers.tuple(pos), kwd], `taskrun(${name})`);
    for (const a of artifacts) {
      if (this.sentArts.has(a)) continue;
      this.sentArts.add(a);
      this.schedPort.postMessage({ t: 'art', art: this.host.artifact(a) });
    }
    this.futures.set(fut.id, fut);
    this.inFlight++;
    this.batch.push([fut.id, pool.id, bytes, [...artifacts]]);
    if (this.batch.length >= BATCH || this.sentInFlight < BATCH) this.flush();
    if (this.inFlight >= HIGH_WATER) this.waitUntil(() => this.inFlight < LOW_WATER, Infinity);
    return fut;
  }

  private flush(): void {
    if (!this.batch.length) return;
    this.sentInFlight += this.batch.length;
    this.schedPort.postMessage({ t: 'submit', tasks: this.batch });
    this.batch = [];
  }

  // --- completion -----------------------------------------------------------------------------

  /** Reads every message that has arrived; returns whether anything did. */
  private pump(): boolean {
    let any = false;
    for (;;) {
      const r = receiveMessageOnPort(this.schedPort);
      if (!r) break;
      any = true;
      const m = r.message;
      if (m.t === 'cancelled') this.cancelReplies.set(m.seq, m.ok);
      else if (m.t === 'lost') this.lost(m.ids, m.why);
    }
    for (let i = 0; i < this.workerPorts.length; i++) {
      const port = this.workerPorts[i]!;
      for (;;) {
        const r = receiveMessageOnPort(port);
        if (!r) break;
        any = true;
        const m = r.message;
        if (m.t === 'results') {
          for (const [id, ok, bytes, start, end, worker] of m.results) this.complete(id, ok, bytes, start, end, worker);
        } else if (m.t === 'mainrun') this.mainrunFor(i, m);
      }
    }
    return any;
  }

  private complete(id: number, ok: boolean, bytes: Uint8Array, start: number, end: number, worker: number): void {
    const fut = this.futures.get(id);
    if (!fut) return;
    this.futures.delete(id);
    this.inFlight--;
    this.sentInFlight--;
    fut.startAt = start; fut.endAt = end; fut.worker = worker;
    fut.bytes = bytes;
    fut.state = ok ? 'ok' : 'err';
    this.valueOf(fut); // decoded now, so a kept future holds its value, not a message buffer
    if (fut.state === 'err') this.failedUnobserved.add(fut);
    this.runThens(fut);
  }

  private lost(ids: number[], why: string): void {
    for (const id of ids) {
      const fut = this.futures.get(id);
      if (!fut) continue;
      this.futures.delete(id);
      this.inFlight--;
      this.sentInFlight--;
      fut.state = 'err';
      fut.decoded = true;
      fut.value = exceptions.newError(/memory limit/.test(why) ? 'MemoryError' : 'RuntimeError', `task '${fut.name}' was lost: ${why}`);
      fut.endAt = now();
      this.failedUnobserved.add(fut);
      this.runThens(fut);
    }
    // a dead worker's channel to this isolate is gone: give its replacement a new one
    const m = /worker (\d+) stopped/.exec(why);
    if (m && this.started) {
      const i = +m[1]!;
      const ch = new MessageChannel();
      this.workerPorts[i]!.close();
      this.workerPorts[i] = ch.port1;
      this.schedPort.postMessage({ t: 'respawn', index: i, port: ch.port2 }, [ch.port2]);
    }
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
        fut.value = serializerModule().decode(fut.bytes!, fut.state === 'ok' ? `result of task '${fut.name}'` : `exception of task '${fut.name}'`);
      } catch (e) {
        fut.state = 'err';
        fut.value = exceptions.toPyExc(e);
      }
      fut.bytes = null;
      if (fut.state === 'err' && fut.worker >= 0 && fut.value && typeof fut.value === 'object') {
        // the task's frames follow the frames of the get() that re-raises it
        const x: any = fut.value;
        const head = `  [task '${fut.name}' in worker ${fut.worker}]\n`;
        Object.defineProperty(x, 'remoteTraceback', { value: head + (typeof x.remoteTraceback === 'string' ? x.remoteTraceback : ''), writable: true, configurable: true });
      }
    }
    return fut.value;
  }

  private isDone(fut: Future): boolean {
    if (fut.state === 'pending' && fut.sys.started) this.pump();
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
    fut.thens.push({ cb, child });
    if (fut.state !== 'pending') this.runThens(fut);
    return child;
  }

  /** Runs then-callbacks in this isolate; a child future gets the callback's result or error. */
  private runThens(fut: Future): void {
    const list = fut.thens.splice(0);
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
        if (fut.state === 'err' && !child.thens.length) this.failedUnobserved.add(child);
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
    if (ui >= 0) { this.ui.splice(ui, 1); ok = true; }
    else {
      const b = this.batch.findIndex(t => (t as any[])[0] === fut.id);
      if (b >= 0) { this.batch.splice(b, 1); ok = true; }
      else if (this.started) {
        const seq = ++this.cancelSeq;
        this.schedPort.postMessage({ t: 'cancel', id: fut.id, seq });
        this.waitUntil(() => this.cancelReplies.has(seq) || fut.state !== 'pending', Infinity);
        ok = this.cancelReplies.get(seq) === true;
        this.cancelReplies.delete(seq);
        if (ok) this.sentInFlight--;
      }
      if (ok) { this.futures.delete(fut.id); this.inFlight--; }
    }
    if (!ok) return false;
    fut.state = 'cancelled';
    fut.endAt = now();
    this.runThens(fut);
    return true;
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
