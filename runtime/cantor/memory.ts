// Giving an idle node's memory back to the system. A busy period leaves freed blocks all through
// glibc's malloc arenas (messages between the worker threads, V8's compiler zones), and free()
// only returns an arena's top, so a node that had run 20,000 tasks kept ~70 MiB it no longer
// used. malloc_trim(0) returns every free page. koffi (a prebuilt FFI, per platform) reaches it;
// where there is no glibc, or koffi cannot load, only the garbage collection is done.
import { createRequire } from 'node:module';

let trim: (() => void) | null | undefined;
let later: NodeJS.Timeout | null = null;

/**
 * After the workers stop: now, and again 20 s later, because the pages of terminated worker
 * isolates come back to the process only some 15 s after they stop (measured: 123 MiB at 1 s,
 * 59 MiB at 20 s for two workers that had held 50 MiB each), and only a trim then returns them.
 */
export function releaseIdleMemory(): void {
  releaseMemory();
  if (later) clearTimeout(later);
  later = setTimeout(() => { later = null; releaseMemory(); }, 20_000);
  later.unref();
}

/** A full garbage collection (`xlang node start` runs with --expose-gc), then malloc_trim. */
function releaseMemory(): void {
  // 'last-resort' is V8's collection that also gives its free pages back (a plain one keeps them)
  (globalThis as { gc?: (o?: object) => void }).gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  if (trim === undefined) trim = loadTrim();
  trim?.();
}

function loadTrim(): (() => void) | null {
  if (process.platform !== 'linux') return null;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as { load(lib: string): { func(sig: string): (n: number) => number } };
    const mallocTrim = koffi.load('libc.so.6').func('int malloc_trim(size_t)');
    return () => { mallocTrim(0); };
  } catch {
    return null;
  }
}
