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

/** What a lost task's failure is, from the scheduler's reason. */
export function lostErrorType(why: string): 'MemoryError' | 'TimeoutError' | 'RuntimeError' {
  return /memory limit/.test(why) ? 'MemoryError' : /timed out/.test(why) ? 'TimeoutError' : 'RuntimeError';
}
