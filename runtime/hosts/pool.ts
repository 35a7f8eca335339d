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
  /**
   * A script's way to the scheduler, in order: tasks as records of `ring`, and messages (and
   * tasks too large for it) posted to `bulk` with a record saying so (a node uses schedPort).
   */
  readonly ring: Ring;
  readonly bulk: MessagePort;
  /** Per worker (kept across replacements): its results to a script, as records [ok, id, start, end]. */
  readonly resultRings: Ring[];
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
  const bulkCh = new MessageChannel();
  const ring = Ring.create(SUB_RING_BYTES);
  const workerPorts: MessagePort[] = [];
  const workerMainPorts: MessagePort[] = [];
  const workerSignals: Int32Array[] = [];
  const resultRings: Ring[] = [];
  for (let i = 0; i < size; i++) {
    resultRings.push(Ring.create(RESULT_RING_BYTES));
    const ch = new MessageChannel();
    workerPorts.push(ch.port1);
    workerMainPorts.push(ch.port2);
    workerSignals.push(new Int32Array(new SharedArrayBuffer(4)));
  }
  const sched = new Worker(new URL('./scheduler.js', import.meta.url), {
    workerData: {
      mainPort: schedCh.port2, signal, workerFile: new URL('./worker.js', import.meta.url).pathname,
      bulkPort: bulkCh.port2, ringSab: ring.sab, ringCtrl: ring.ctrlSab,
      resultRings: resultRings.map(r => [r.sab, r.ctrlSab]),
      workerMainPorts, workerSignals, memoryMb: workerMemoryMb(size), mode,
    },
    transferList: [schedCh.port2, bulkCh.port2, ...workerMainPorts],
    // the scheduler only moves messages: a small young generation keeps it small
    resourceLimits: { maxYoungGenerationSizeMb: 8 },
  });
  sched.unref();
  const schedPort = schedCh.port1;
  return {
    size, schedPort, workerPorts, workerSignals, ring, bulk: bulkCh.port1, resultRings,
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
      bulkCh.port1.close();
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

/**
 * A ring of records in shared memory with one writer thread and one reader thread: the writer
 * appends without a message or a system call, and the reader takes whatever is there when it
 * looks, so records batch themselves by how busy the reader is. A record is a header (its
 * length, kind, an id, two times, three small integers, the byte count) and its bytes, at an
 * offset that is a multiple of 8. Control cells: where the writer and reader are, a doorbell
 * the reader may sleep on, and whether the reader asks to be rung for the next record.
 */
export class Ring {
  static readonly HEAD = 48;
  readonly ctrl: Int32Array;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  readonly u8: Uint8Array;
  readonly size: number;
  constructor(readonly sab: SharedArrayBuffer, readonly ctrlSab: SharedArrayBuffer) {
    this.ctrl = new Int32Array(ctrlSab);
    this.i32 = new Int32Array(sab);
    this.f64 = new Float64Array(sab);
    this.u8 = new Uint8Array(sab);
    this.size = sab.byteLength;
  }
  static create(bytes: number): Ring { return new Ring(new SharedArrayBuffer(bytes), new SharedArrayBuffer(4 * 8)); }

  /** The largest payload a record may carry (larger ones go another way). */
  get maxPayload(): number { return (this.size >> 2) - Ring.HEAD; }

  /**
   * Appends a record; false when the ring has no room for it now (the reader has not caught up).
   * The record becomes visible to the reader at once.
   */
  write(kind: number, id: number, at: number, x: number, a: number, b: number, c: number, src: Uint8Array | null): boolean {
    const len = src ? src.length : 0;
    const need = (Ring.HEAD + len + 7) & ~7;
    const ctrl = this.ctrl;
    let w = ctrl[RING_W]!;
    const r = Atomics.load(ctrl, RING_R);
    // the writer never catches up with the reader exactly: w === r means empty
    if (w >= r) {
      if (w + need > this.size || (w + need === this.size && r === 0)) {
        if (need >= r) return false;
        this.i32[w >> 2] = -1; // wrap: the next record is at 0
        w = 0;
      }
    } else if (w + need >= r) return false;
    const i = w >> 2;
    this.i32[i] = need;
    this.i32[i + 1] = kind;
    this.f64[(w >> 3) + 1] = id;
    this.f64[(w >> 3) + 2] = at;
    this.f64[(w >> 3) + 3] = x;
    this.i32[i + 8] = a;
    this.i32[i + 9] = b;
    this.i32[i + 10] = c;
    this.i32[i + 11] = len;
    if (src) {
      const o = w + Ring.HEAD;
      if (len < 64) for (let k = 0; k < len; k++) this.u8[o + k] = src[k]!;
      else this.u8.set(src, o);
    }
    w += need;
    if (w === this.size) w = 0;
    Atomics.store(ctrl, RING_W, w);
    return true;
  }

  /** Whether the reader asked to be rung (and no one rang yet); clears the request. */
  wanted(): boolean {
    return Atomics.load(this.ctrl, RING_ASK) === 1 && Atomics.exchange(this.ctrl, RING_ASK, 0) === 1;
  }

  ring(): void {
    Atomics.add(this.ctrl, RING_BELL, 1);
    Atomics.notify(this.ctrl, RING_BELL);
  }

  /** The reader asks to be rung for the next record (or stops asking). */
  ask(on: boolean): void { Atomics.store(this.ctrl, RING_ASK, on ? 1 : 0); }

  /** The writer waits (a little) for the reader to make room, ringing it first. */
  waitRoom(): void {
    const r = Atomics.load(this.ctrl, RING_R);
    this.ring();
    Atomics.wait(this.ctrl, RING_R, r, 20);
  }

  /** The reader sleeps until rung; `seen` is the doorbell's value before it last looked. */
  bell(): number { return Atomics.load(this.ctrl, RING_BELL); }
  sleep(seen: number): { async: false } | { async: true; value: Promise<unknown> } {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return (Atomics as any).waitAsync(this.ctrl, RING_BELL, seen) as { async: false } | { async: true; value: Promise<unknown> };
  }

  empty(): boolean { return Atomics.load(this.ctrl, RING_W) === this.ctrl[RING_R]; }

  /**
   * Reads every record there is: each(kind, id, at, x, a, b, c, bytes, off, len), where the bytes
   * are a private copy (valid after the reader moves on). Returns how many were read.
   */
  read(each: (kind: number, id: number, at: number, x: number, a: number, b: number, c: number, bytes: Uint8Array, off: number, len: number) => void): number {
    const ctrl = this.ctrl;
    const w = Atomics.load(ctrl, RING_W);
    const r0 = ctrl[RING_R]!;
    if (r0 === w) return 0;
    // One copy of the span (two when it wraps), headers included: the ring is free again at
    // once, and a callback that reads the ring again (a then-callback waiting for a task) sees
    // only newer records. Offsets and lengths are multiples of 8, so the copies can be viewed
    // as numbers.
    const wrapped = w < r0;
    const first = this.u8.slice(r0, wrapped ? this.size : w);
    const second = wrapped ? this.u8.slice(0, w) : null;
    Atomics.store(ctrl, RING_R, w);
    // a writer waiting for room sleeps on the read offset
    Atomics.notify(ctrl, RING_R);
    let n = 0;
    for (const part of second ? [first, second] : [first]) {
      const i32 = new Int32Array(part.buffer), f64 = new Float64Array(part.buffer);
      for (let r = 0; r < part.length;) {
        const i = r >> 2;
        const need = i32[i]!;
        if (need === -1) break; // wrapped: the rest is in the second part
        each(i32[i + 1]!, f64[(r >> 3) + 1]!, f64[(r >> 3) + 2]!, f64[(r >> 3) + 3]!, i32[i + 8]!, i32[i + 9]!, i32[i + 10]!, part, r + Ring.HEAD, i32[i + 11]!);
        n++;
        r += need;
      }
    }
    return n;
  }
}
const RING_W = 0, RING_R = 1, RING_BELL = 2, RING_ASK = 3;
/** Record kinds of the submission ring: a task, a task whose bytes went by the bulk port, a message that did. */
export const SUB_TASK = 1, SUB_BIG = 2, SUB_MSG = 3;
/** The submission ring's size: tasks in flight are bounded (tasks.ts), larger tasks go by the bulk port. */
const SUB_RING_BYTES = 1 << 20;
/** Each worker's ring of results to a script (larger results, or any when it is full, go as messages). */
const RESULT_RING_BYTES = 1 << 18;

/** What a lost task's failure is, from the scheduler's reason. */
export function lostErrorType(why: string): 'MemoryError' | 'TimeoutError' | 'RuntimeError' {
  return /memory limit/.test(why) ? 'MemoryError' : /timed out/.test(why) ? 'TimeoutError' : 'RuntimeError';
}
