// The local scheduler: a thread of its own (node:worker_threads) that holds the queue of
// submitted tasks, so workers can pull work while the script's main isolate is busy running
// XLang code. Pools are queues with a priority (0 highest); the next task comes from the
// pool whose head has the best priority after aging, so a low-priority task waits at most a
// bounded time. A worker that asks for work gets one task, or a small batch when the queue is
// long; tasks of a batch that have not started can be taken back for an idle worker (each
// task has a claim cell in shared memory: 0 free, 1 started, 2 taken back or cancelled).
// A task with a timeout goes to a worker alone; if it runs past its time, the worker is
// terminated (JS cannot interrupt a running function any other way) and replaced, and the
// task is reported lost with "timed out".
// A script's tasks and messages arrive through a shared-memory ring (pool.ts), read whenever
// this thread wakes or a worker asks for work; a Cantor node's come as messages.
import { Worker, MessageChannel, workerData, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { Records, Ring, SUB_TASK, SUB_BIG } from './pool.js';

/** Milliseconds of waiting that make a task one priority level more urgent. */
const AGING_MS = 50;
const MAX_BATCH = 32;

/** A queued task; its serialized call is data[off, off+len) (a submission batch's buffer, shared by its tasks). */
interface Task { id: number; pool: number; data: Uint8Array; off: number; len: number; arts: string[]; at: number; timeout: number; refs: unknown }
interface Pool {
  id: number; prio: number; limit: number; running: number; q: Task[]; head: number;
  /** quantities each running task of the pool reserves (cantor.pool), and its retries */
  demand: Record<string, number> | null; retries: number;
}
interface Batch { tasks: Task[]; claims: Int32Array }
interface WorkerLink {
  port: MessagePort; idle: boolean; known: Set<string>; batch: Batch | null; thread: Worker; index: number;
  /** The worker's claim cells (MAX_BATCH of them), reused by each batch it is given. */
  claims: Int32Array;
  /** The running task's timeout, and why the worker was terminated (when it was). */
  timer: NodeJS.Timeout | null; killed: string | null;
}

interface Data {
  mainPort: MessagePort; signal: Int32Array; workerFile: string;
  /** A script's submissions: records in the ring, messages and large tasks by the bulk port. */
  bulkPort: MessagePort; ringSab: SharedArrayBuffer; ringCtrl: SharedArrayBuffer;
  /** Per worker: its end of a channel to the main isolate, and the cell main rings it on. */
  workerMainPorts: MessagePort[]; workerSignals: Int32Array[];
}
const { mainPort, signal, workerFile, workerMainPorts, workerSignals, memoryMb, mode, bulkPort, ringSab, ringCtrl, resultRings } = workerData as Data & { memoryMb: number; mode: 'script' | 'node'; resultRings: unknown[] };
const subs = new Ring(ringSab, ringCtrl);
const pools = new Map<number, Pool>();
const artifacts = new Map<string, unknown>();
const workers: WorkerLink[] = [];
/** Artifact lists of a script's tasks, by the number main gave each distinct list ('sets'). */
const artSets = new Map<number, string[]>();
let queued = 0;
/** This node's quantities (cantor.pool sends them) and what running tasks hold of them. */
const capacity: Record<string, number> = {};
const reserved: Record<string, number> = {};

/** Whether one more task of `p` fits its limit and the free quantities. */
function fits(p: Pool): boolean {
  if (p.running >= p.limit) return false;
  if (p.demand) for (const k in p.demand) if ((reserved[k] ?? 0) + p.demand[k]! > (capacity[k] ?? 0)) return false;
  return true;
}
function take(p: Pool): void {
  p.running++;
  if (p.demand) for (const k in p.demand) reserved[k] = (reserved[k] ?? 0) + p.demand[k]!;
}
function release(p: Pool | undefined): void {
  if (!p) return;
  p.running--;
  if (p.demand) for (const k in p.demand) reserved[k] = (reserved[k] ?? 0) - p.demand[k]!;
}

function ring(): void { Atomics.add(signal, 0, 1); Atomics.notify(signal, 0); }

function enqueue(t: Task, front = false): void {
  const p = pools.get(t.pool);
  if (!p) return;
  if (front) {
    if (p.head > 0) p.q[--p.head] = t; else p.q.unshift(t);
  } else p.q.push(t);
  queued++;
}

/** The next task to run: the pool (under its limit) whose oldest task is most urgent. */
function pick(now: number): Task | null {
  let best: Pool | null = null, bestScore = Infinity;
  for (const p of pools.values()) {
    if (p.head >= p.q.length || !fits(p)) continue;
    const score = p.prio - (now - p.q[p.head]!.at) / AGING_MS;
    if (score < bestScore) { bestScore = score; best = p; }
  }
  if (!best) return null;
  const t = best.q[best.head]!;
  best.q[best.head++] = undefined as unknown as Task;
  if (best.head > 1024 && best.head * 2 > best.q.length) { best.q = best.q.slice(best.head); best.head = 0; }
  take(best);
  queued--;
  return t;
}

function dispatch(): void {
  const now = Date.now();
  const idle = workers.filter(w => w && w.idle);
  if (idle.length === 0) return;
  for (const w of idle) {
    if (queued === 0) break;
    // one task at a time keeps latency low; batches amortise messages when the queue is long
    const n = queued > 4 * workers.length ? Math.min(MAX_BATCH, Math.ceil(queued / (2 * workers.length))) : 1;
    const tasks: Task[] = [];
    for (let i = 0; i < n; i++) {
      const t = pick(now);
      if (!t) break;
      if (t.timeout > 0 && tasks.length > 0) { release(pools.get(t.pool)); enqueue(t, true); break; } // alone, see above
      tasks.push(t);
      if (t.timeout > 0) break;
    }
    if (tasks.length === 0) break;
    const arts: unknown[] = [];
    for (const t of tasks) for (const a of t.arts) if (!w.known.has(a)) { w.known.add(a); arts.push(artifacts.get(a)); }
    // the worker has finished its last batch (it said 'ready'), so its claim cells are free again
    const claims = w.claims;
    const rec = new Records(2, tasks.length, 64 * tasks.length);
    let refs: unknown[] | null = null;
    for (let i = 0; i < tasks.length; i++) {
      const t = tasks[i]!;
      Atomics.store(claims, i, 0);
      const at = rec.add(t.data, t.off, t.len);
      rec.meta[at] = t.id;
      rec.meta[at + 1] = pools.get(t.pool)?.retries ?? 0;
      if (t.refs) (refs ??= [])[i] = t.refs;
    }
    w.batch = { tasks, claims };
    w.idle = false;
    const { body, transfer } = rec.take();
    w.port.postMessage({ t: 'run', arts, body, refs }, transfer);
    const first = tasks[0]!;
    if (first.timeout > 0) w.timer = setTimeout(() => kill(w, `task timed out after ${first.timeout} ms`), first.timeout);
    if (mode === 'node') mainPort.postMessage({ t: 'dispatched', ids: tasks.map(t => t.id), worker: w.index });
  }
  if (queued === 0 && workers.some(w => w.idle)) steal();
}

/**
 * Takes unstarted tasks back from busy workers' batches and queues them first. A batch's
 * claims read: started (1) ... unstarted (0) ... already taken back (2); half of the unstarted
 * ones are taken, from the end.
 */
function steal(): void {
  let got = 0;
  for (const w of workers) {
    const b = w.batch;
    if (!b || w.idle) continue;
    let unstarted = 0;
    for (let i = 0; i < b.tasks.length; i++) if (Atomics.load(b.claims, i) === 0) unstarted++;
    let want = Math.ceil(unstarted / 2);
    for (let i = b.tasks.length - 1; i > 0 && want > 0; i--) {
      const c = Atomics.compareExchange(b.claims, i, 0, 2);
      if (c === 2) continue;
      if (c !== 0) break;
      const t = b.tasks[i]!;
      release(pools.get(t.pool));
      enqueue(t, true);
      got++;
      want--;
    }
  }
  if (got) dispatch();
}

/** Ends the worker's run (it is replaced); its running task is reported lost, saying why. */
function kill(w: WorkerLink, why: string): void {
  if (workers[w.index] !== w || w.idle) return;
  w.killed = why;
  void w.thread.terminate();
}

function finishBatch(w: WorkerLink): void {
  if (w.timer) { clearTimeout(w.timer); w.timer = null; }
  const b = w.batch;
  if (b) {
    for (let i = 0; i < b.tasks.length; i++) {
      if (Atomics.load(b.claims, i) === 1) release(pools.get(b.tasks[i]!.pool));
    }
  }
  w.batch = null;
  w.idle = true;
}

function cancel(id: number): boolean {
  for (const p of pools.values()) {
    for (let i = p.head; i < p.q.length; i++) {
      if (p.q[i]?.id === id) { p.q.splice(i, 1); queued--; return true; }
    }
  }
  for (const w of workers) {
    const b = w.batch;
    if (!b) continue;
    const i = b.tasks.findIndex(t => t.id === id);
    if (i >= 0 && Atomics.compareExchange(b.claims, i, 0, 2) === 0) {
      release(pools.get(b.tasks[i]!.pool));
      return true;
    }
  }
  return false;
}

/** Moves what the script wrote to the ring into the queues, in the order it was written. */
function fromRing(): boolean {
  if (stopping) return false;
  return subs.read((kind, id, at, _x, pool, timeout, set, bytes, off, len) => {
    if (kind === SUB_TASK) enqueue({ id, pool, data: bytes, off, len, arts: artSets.get(set) ?? [], at, timeout, refs: null });
    else {
      // posted to the bulk port before its record was written, so it is there
      const m = receiveMessageOnPort(bulkPort)!.message;
      if (kind === SUB_BIG) enqueue({ id, pool, data: m.bytes, off: 0, len: m.bytes.length, arts: artSets.get(set) ?? [], at, timeout, refs: null });
      else handle(m);
    }
  }) > 0;
}

/**
 * Serves the submission ring: the script rings its doorbell only when asked to, which is while a worker
 * is idle (a task could start at once); otherwise records wait until a worker asks for work.
 */
function serve(): void {
  for (;;) {
    const seen = subs.bell();
    if (fromRing()) dispatch();
    settle();
    const r = subs.sleep(seen);
    if (r.async) { void r.value.then(serve); return; }
  }
}

/** Asks the script to ring for new tasks exactly while a worker is idle. */
function settle(): void {
  for (;;) {
    const idle = workers.some(w => w && w.idle);
    subs.ask(idle);
    // (a record written before ask() took effect found nobody asking: look again)
    if (!idle || subs.empty()) return;
    fromRing();
    dispatch();
  }
}

function handle(m: any): void {
  switch (m.t) {
    case 'pool':
      pools.set(m.id, { id: m.id, prio: m.prio, limit: m.limit, running: 0, q: [], head: 0, demand: m.demand, retries: m.retries });
      if (m.capacity) Object.assign(capacity, m.capacity);
      break;
    case 'dropPool': {
      // a pool nobody submits to any more (a node forgets idle client pools)
      const p = pools.get(m.id);
      if (p && p.running === 0 && p.head >= p.q.length) pools.delete(m.id);
      break;
    }
    case 'art': artifacts.set(m.art.id, m.art); break;
    case 'sets': for (const [k, arts] of m.sets) artSets.set(k, arts); break;
    case 'respawn': workerMainPorts[m.index] = m.port; spawn(m.index); break;
    case 'submit': {
      // one array per task (a Cantor node's tasks)
      const now = Date.now();
      for (const [id, pool, bytes, arts, timeout, refs] of m.tasks) enqueue({ id, pool, data: bytes, off: 0, len: bytes.length, arts, at: now, timeout: timeout ?? 0, refs: refs ?? null });
      dispatch();
      break;
    }
    case 'cancel': {
      const ok = cancel(m.id);
      mainPort.postMessage({ t: 'cancelled', seq: m.seq, id: m.id, ok });
      ring();
      if (ok) dispatch();
      break;
    }
    case 'stop':
      stopping = true;
      for (const w of workers) void w.thread.terminate();
      mainPort.close();
      bulkPort.close();
      break;
  }
}
mainPort.on('message', (m: any) => { fromRing(); handle(m); settle(); });

let stopping = false;

/**
 * Workers are started here rather than by the main isolate: this thread's event loop is always
 * free, so it sees a worker die (out of memory, a crash) even while the script blocks in get().
 */
function spawn(index: number): void {
  const ch = new MessageChannel();
  const claims = new Int32Array(new SharedArrayBuffer(4 * MAX_BATCH));
  const thread = new Worker(workerFile, {
    workerData: { schedPort: ch.port2, mainPort: workerMainPorts[index], signal, mySignal: workerSignals[index], index, mode, claims, results: resultRings[index] },
    transferList: [ch.port2, workerMainPorts[index]!],
    stdout: false, stderr: false,
    // a heap limit of its own: a task that runs out of memory loses its worker, not the process
    resourceLimits: { maxOldGenerationSizeMb: memoryMb },
  });
  const w: WorkerLink = { port: ch.port1, idle: false, known: new Set(), batch: null, thread, index, claims, timer: null, killed: null };
  workers[index] = w;
  ch.port1.on('message', (r: any) => {
    if (r.t !== 'ready') return;
    finishBatch(w);
    fromRing();
    dispatch();
    settle();
  });
  thread.on('error', (e: Error) => lost(w, `${e.name}: ${e.message}`));
  thread.on('exit', (code: number) => lost(w, `exit code ${code}`));
}

/** A worker died: its started tasks fail (the main isolate is told), unstarted ones run elsewhere. */
function lost(w: WorkerLink, why: string): void {
  if (stopping || workers[w.index] !== w) return;
  if (w.timer) { clearTimeout(w.timer); w.timer = null; }
  if (w.killed) why = w.killed;
  const b = w.batch;
  const ids: number[] = [];
  if (b) {
    for (let i = 0; i < b.tasks.length; i++) {
      const t = b.tasks[i]!;
      const c = Atomics.compareExchange(b.claims, i, 0, 2);
      // (2: taken back or cancelled earlier, and released then)
      if (c !== 2) release(pools.get(t.pool));
      if (c === 0) enqueue(t, true); else if (c === 1) ids.push(t.id);
    }
  }
  w.batch = null;
  mainPort.postMessage({ t: 'lost', ids, why: `worker ${w.index} stopped (${why})` });
  ring();
  w.port.close();
  // the worker's channel to the main isolate went with it: a replacement needs a fresh one
  // from main, so it is started when main answers with 'respawn'
  workers[w.index] = { ...w, idle: false, batch: null, port: null as unknown as MessagePort, killed: null };
}

for (let i = 0; i < workerMainPorts.length; i++) spawn(i);
serve();
