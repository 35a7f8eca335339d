// The threads that run tasks: one scheduler thread (scheduler.ts) and the worker isolates it
// starts (worker.ts), each with a channel of its own back to the thread that owns the pool.
// Two owners use it: a script's main isolate (tasks.ts, which reads its channels
// synchronously while XLang code waits) and a Cantor node (runtime/cantor/tasks.ts, which
// listens on them from its event loop). The owner says which with `mode`:
//
// - 'script': workers write task output to this process's stdout; `mainrun` calls back into
//   the owner; a task's cantor calls open the node's store themselves.
// - 'node': tasks come from remote clients, so a worker captures each task's output and sends
//   it back with the result, sends its cantor calls to the owner (which knows the task's tenant
//   and roles), and the scheduler reports when it hands a task to a worker.
import { Worker, MessageChannel, type MessagePort } from 'node:worker_threads';
import { availableParallelism, totalmem } from 'node:os';

export type PoolMode = 'script' | 'node';

export interface PoolThreads {
  readonly size: number;
  /** The scheduler's channel: pools, submissions, cancellations in; cancel replies, losses out. */
  readonly schedPort: MessagePort;
  /** Per worker: its channel to the owner (results, mainrun and cantor calls). */
  readonly workerPorts: MessagePort[];
  /** Per worker: the cell the owner rings when it answers a call. */
  readonly workerSignals: Int32Array[];
  /** Gives worker i a fresh channel after it died; the scheduler then starts its replacement. */
  respawn(i: number): MessagePort;
  stop(): void;
}

/** Workers: XLANG_WORKERS, else one per core. */
export function defaultPoolSize(): number {
  const env = Number(process.env.XLANG_WORKERS);
  return Number.isInteger(env) && env > 0 ? env : Math.max(1, availableParallelism());
}

/** Heap limit per worker: XLANG_WORKER_MEMORY_MB, else a share of the machine's memory. */
export function workerMemoryMb(size: number): number {
  const env = Number(process.env.XLANG_WORKER_MEMORY_MB);
  if (Number.isInteger(env) && env >= 16) return env;
  return Math.max(256, Math.min(4096, Math.floor(totalmem() / 1048576 / (2 * size))));
}

/**
 * Starts the scheduler thread, which starts `size` workers. `signal` is rung whenever a
 * message for the owner is posted (a synchronous owner sleeps on it).
 */
export function startPool(opts: { size: number; signal: Int32Array; mode: PoolMode }): PoolThreads {
  const { size, signal, mode } = opts;
  const schedCh = new MessageChannel();
  const workerPorts: MessagePort[] = [];
  const workerMainPorts: MessagePort[] = [];
  const workerSignals: Int32Array[] = [];
  for (let i = 0; i < size; i++) {
    const ch = new MessageChannel();
    workerPorts.push(ch.port1);
    workerMainPorts.push(ch.port2);
    workerSignals.push(new Int32Array(new SharedArrayBuffer(4)));
  }
  const sched = new Worker(new URL('./scheduler.js', import.meta.url), {
    workerData: {
      mainPort: schedCh.port2, signal, workerFile: new URL('./worker.js', import.meta.url).pathname,
      workerMainPorts, workerSignals, memoryMb: workerMemoryMb(size), mode,
    },
    transferList: [schedCh.port2, ...workerMainPorts],
    // the scheduler only moves messages: a small young generation keeps it small
    resourceLimits: { maxYoungGenerationSizeMb: 8 },
  });
  sched.unref();
  const schedPort = schedCh.port1;
  return {
    size, schedPort, workerPorts, workerSignals,
    respawn(i: number): MessagePort {
      const ch = new MessageChannel();
      workerPorts[i]!.close();
      workerPorts[i] = ch.port1;
      schedPort.postMessage({ t: 'respawn', index: i, port: ch.port2 }, [ch.port2]);
      return ch.port1;
    },
    stop(): void {
      schedPort.postMessage({ t: 'stop' });
      void sched.terminate();
      schedPort.close();
      for (const p of workerPorts) p.close();
    },
  };
}

/**
 * Many tasks (or results) in one message: `width` numbers per record plus the record's bytes,
 * packed into two buffers that are transferred, not cloned. A message with an array of small
 * Uint8Arrays costs a backing store per array on each side; this costs two per batch.
 * Layout: meta holds, per record, its `width` fields and then the end of its bytes in data.
 */
export class Records {
  meta: Float64Array;
  data: Uint8Array;
  n = 0;
  size = 0;
  constructor(readonly width: number, records = 16, bytes = 1024) {
    this.meta = new Float64Array(records * (width + 1));
    this.data = new Uint8Array(bytes);
  }

  /** Appends a record with bytes src[off, off+len); returns where its fields go in meta. */
  add(src: Uint8Array, off = 0, len = src.length): number {
    const stride = this.width + 1;
    let at = this.n * stride;
    if (at + stride > this.meta.length) {
      const m = new Float64Array(this.meta.length * 2);
      m.set(this.meta);
      this.meta = m;
    }
    const end = this.size + len;
    if (end > this.data.length) {
      const d = new Uint8Array(Math.max(end, this.data.length * 2));
      d.set(this.data.subarray(0, this.size));
      this.data = d;
    }
    // a loop beats subarray+set for the few bytes of a typical task
    if (len < 64) for (let i = 0; i < len; i++) this.data[this.size + i] = src[off + i]!;
    else this.data.set(off === 0 && len === src.length ? src : src.subarray(off, off + len), this.size);
    this.size = end;
    this.n++;
    this.meta[at + this.width] = end;
    return at;
  }

  /** The message body (post it with `transfer`); this batch starts over, sized like the last one. */
  take(): { body: RecordsBody; transfer: ArrayBuffer[] } {
    const body: RecordsBody = { n: this.n, meta: this.meta, data: this.data };
    const stride = this.width + 1;
    this.meta = new Float64Array(Math.max(16, this.n) * stride);
    this.data = new Uint8Array(Math.max(1024, this.size));
    this.n = 0;
    this.size = 0;
    return { body, transfer: [body.meta.buffer as ArrayBuffer, body.data.buffer as ArrayBuffer] };
  }
}

/** Records as they arrive: record i's fields are meta[i*(width+1) + k], its bytes data[start, end). */
export interface RecordsBody { n: number; meta: Float64Array; data: Uint8Array }

/** Where record i's bytes start in its body's data. */
export function recordStart(b: RecordsBody, width: number, i: number): number {
  return i === 0 ? 0 : b.meta[i * (width + 1) - 1]!;
}

/** What a lost task's failure is, from the scheduler's reason. */
export function lostErrorType(why: string): 'MemoryError' | 'TimeoutError' | 'RuntimeError' {
  return /memory limit/.test(why) ? 'MemoryError' : /timed out/.test(why) ? 'TimeoutError' : 'RuntimeError';
}
