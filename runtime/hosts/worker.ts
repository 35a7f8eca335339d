// A worker isolate (node:worker_threads): pulls tasks from the scheduler thread, recreates each
// task's function from its artifact and captured values (the script's top level never runs
// here), runs it, and sends the result or the exception, with its .x traceback, straight to
// the main isolate (a script's: through this worker's ring of results, see pool.ts). One task runs at a time; XLang code in a worker is synchronous.
//
// In a Cantor node's pool (mode 'node', see pool.ts) a worker serves remote clients: it
// captures each task's output and returns it with the result, and sends the task's cantor
// calls to the node's main thread, which runs them for the task's tenant.
import { workerData, threadId, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { MainHost, serializerModule, hostBindings, type Artifact } from './main.js';
import { builtinNames, exceptions, objects, containers, str } from '../core/index.js';
import { Ring, recordStart, type RecordsBody } from './pool.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

interface Data {
  schedPort: MessagePort; mainPort: MessagePort; signal: Int32Array; mySignal: Int32Array; index: number; mode: 'script' | 'node'; claims: Int32Array;
  /** This worker's ring of results to a script (shared memory it keeps across replacements). */
  results: [SharedArrayBuffer, SharedArrayBuffer];
}
const { schedPort, mainPort, signal, mySignal, index, mode, claims, results: resultSabs } = workerData as Data;
const results = new Ring(resultSabs[0], resultSabs[1]);

/** Output of the running task (node mode), sent back with its result. */
let captured: string[] = [];
const host = new MainHost(mode === 'node' ? { argv: ['<task>'], stdout: t => { captured.push(t); } } : { argv: ['<task>'] });
const ser = serializerModule();
const now = (): number => performance.timeOrigin + performance.now();

function ring(): void { Atomics.add(signal, 0, 1); Atomics.notify(signal, 0); }

let callSeq = 0;
/** The task running now (the node answers its cantor calls for that task's tenant). */
let currentTask = 0;

/** Posts a call to the owner of the pool and sleeps until its answer arrives. */
function callOwner(msg: Record<string, unknown>): any {
  const seq = ++callSeq;
  mainPort.postMessage({ ...msg, seq });
  ring();
  for (;;) {
    const seen = Atomics.load(mySignal, 0);
    const r = receiveMessageOnPort(mainPort);
    if (r) {
      if (r.message.seq === seq) return r.message;
      continue;
    }
    Atomics.wait(mySignal, 0, seen, 1000);
  }
}

builtinNames.mainrun = Object.assign((f: unknown, ...args: unknown[]) => {
  if (mode === 'node') exceptions.raiseError('RuntimeError', 'mainrun() is not available in a task sent to a Cantor node (the script\'s isolate is on another machine)');
  host.flush();
  const { bytes, artifacts } = ser.encode([f, containers.tuple(args)], 'mainrun');
  const m = callOwner({ t: 'mainrun', bytes, arts: [...artifacts] });
  if (m.ok) return ser.decode(m.bytes, 'mainrun result');
  throw ser.decode(m.bytes, 'mainrun error');
}, { pyName: 'mainrun', builtin: true });
if (mode === 'node') {
  hostBindings.cantor = (method, args) => {
    const m = callOwner({ t: 'cantor', task: currentTask, method, args });
    return m.ok ? { ok: true, value: m.value } : { ok: false, type: m.type, message: m.message };
  };
}
builtinNames.threadid = Object.assign(() => threadId, { pyName: 'threadid', builtin: true });
const nested = (): never => exceptions.raiseError('RuntimeError', 'a task cannot start tasks yet (taskpool is only available in the main isolate)');
builtinNames.taskpool = Object.assign(nested, { pyName: 'taskpool', builtin: true });

/** The exception a failed task reports; never fails itself. */
function encodeFailure(e: unknown): Uint8Array {
  const x = exceptions.toPyExc(e);
  try {
    return ser.encode(x, 'task exception').bytes;
  } catch {
    const msg = `${objects.typeOf(x).pyName}: ${(() => { try { return str(x); } catch { return '?'; } })()}`;
    const r = exceptions.newError('RuntimeError', `task failed with an exception that cannot be sent back (${msg})`);
    Object.defineProperty(r, 'remoteTraceback', { value: host.framesText(x), configurable: true });
    return ser.encode(r, 'task exception').bytes;
  }
}

/** `ValueError: bad input`, for a node's task list. */
function summary(e: unknown): string {
  const x = exceptions.toPyExc(e);
  let text: string;
  try { text = str(x); } catch { text = '?'; }
  return `${objects.typeOf(x).pyName}${text ? `: ${text}` : ''}`.slice(0, 300);
}

/** An object of the node's store (a result left there by an earlier task); in-process, so read whole. */
function nodeObject(id: string): unknown {
  const call = hostBindings.cantor;
  if (!call) exceptions.raiseError('RuntimeError', 'a task argument refers to a node object, but this worker is not a node\'s');
  const r = call('obj.get', [id]);
  if (!r.ok || r.value === null) exceptions.raiseError('RuntimeError', `a task argument (object ${id}) is not on this node: ${r.ok ? 'it is gone' : r.message}`);
  return ser.decode(r.value, 'a task argument');
}

/** Runs one task: its serialized result, or its exception (serialized, and itself for a summary). */
function runOne(bytes: Uint8Array, refs: Array<[number | string, string]> | null = null): { ok: boolean; bytes: Uint8Array; error?: unknown } {
  try {
    const [fn, args, kw] = ser.decode(bytes, 'task arguments') as [unknown, any, any];
    const pos: unknown[] = args.items.slice();
    const names: string[] = [], values: unknown[] = [];
    if (kw) for (const [k, v] of kw.table.entries()) { names.push(k as string); values.push(v); }
    // arguments the submitter left on this node as results of earlier tasks
    for (const [at, id] of refs ?? []) {
      if (typeof at === 'number') pos[at] = nodeObject(id);
      else { const i = names.indexOf(at); if (i >= 0) values[i] = nodeObject(id); }
    }
    const v = objects.callKw(fn, pos, names, values);
    try {
      return { ok: true, bytes: ser.encode(v, 'task result').bytes };
    } catch (e) {
      return { ok: false, bytes: encodeFailure(e), error: e };
    }
  } catch (e) {
    return { ok: false, bytes: encodeFailure(e), error: e };
  }
}

/** A cell nothing rings: Atomics.wait on it sleeps this thread between retries. */
const pause = new Int32Array(new SharedArrayBuffer(4));

schedPort.on('message', (m: any) => {
  if (m.t !== 'run') return;
  for (const a of m.arts as Artifact[]) host.addArtifact(a);
  const b: RecordsBody = m.body;
  let out: unknown[] = [];
  let lastFlush = now();
  const flush = (): void => {
    if (!out.length) return;
    host.flush();
    mainPort.postMessage({ t: 'results', results: out });
    out = [];
    ring();
    lastFlush = now();
  };
  for (let i = 0; i < b.n; i++) {
    if (Atomics.compareExchange(claims, i, 0, 1) !== 0) continue; // taken back or cancelled
    const id = b.meta[i * 3]!, retries = b.meta[i * 3 + 1]!, refs = m.refs?.[i] ?? null;
    const bytes = b.data.subarray(recordStart(b, 2, i), b.meta[i * 3 + 2]!);
    currentTask = id;
    const start = now();
    let r = runOne(bytes, refs);
    // cantor.pool(retries=n): a failing task runs again here, after 50, 100, 200... ms (at most 2 s)
    for (let attempt = 0; !r.ok && attempt < retries; attempt++) {
      Atomics.wait(pause, 0, 0, Math.min(50 * 2 ** attempt, 2000));
      r = runOne(bytes, refs);
    }
    const end = now();
    if (mode === 'node') {
      host.flush();
      out.push([id, r.ok, r.bytes, start, end, index, captured.join(''), r.ok ? null : summary(r.error)]);
      captured = [];
    } else {
      // a script's result is visible at once in the ring (its output written first); a large
      // one, or one that finds the ring full, goes as a message
      host.flush();
      if (r.bytes.length <= results.maxPayload && results.write(r.ok ? 1 : 0, id, start, end, 0, 0, 0, r.bytes)) ring();
      else out.push([id, r.ok, r.bytes, start, end, index]);
    }
    if (b.n <= 4 || end - lastFlush > 2) flush();
  }
  flush();
  schedPort.postMessage({ t: 'ready' });
});
schedPort.postMessage({ t: 'ready' });
