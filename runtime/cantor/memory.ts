// Giving an idle node's memory back to the system, in three parts:
// - a 'last-resort' garbage collection, the one after which V8 gives its free pages back;
// - glibc's malloc_trim(0): a busy period leaves freed blocks all through the malloc arenas
//   (messages between worker threads, V8's compiler zones) and free() only returns an arena's
//   top, so a node that had run 20,000 tasks kept ~70 MiB it no longer used;
// - unmapping the executable's code and read-only data pages (madvise MADV_DONTNEED). Node's
//   binary is ~100 MiB of V8, ICU and Node; a node that has served a while has touched ~50 MiB
//   of it. Those pages are clean copies of the file: they stay in the kernel's page cache and a
//   later use maps them back with a minor fault (no disk read), so dropping them costs the next
//   request some microseconds. Android compacts its cached apps the same way.
// koffi (a prebuilt FFI, per platform) reaches libc; where there is no glibc, or koffi cannot
// load, only the garbage collection is done.
import { createRequire } from 'node:module';
import { openSync, readSync, closeSync, readFileSync, realpathSync } from 'node:fs';

interface Libc { mallocTrim(): void; dontNeed(start: bigint, length: number): number }
let libc: Libc | null | undefined;
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

/**
 * Releases memory once a node has been quiet for a while after being busy: `touch()` counts
 * activity (a counter, cheap enough for every request); a check every `quietMs` releases when
 * nothing happened during a whole period and something had since the last release.
 */
export class QuietRelease {
  private count = 0;
  private seen = 0;
  private released = -1;
  private readonly timer: NodeJS.Timeout;
  /** Releases done, and the resident bytes before and after the last one (for node.status). */
  readonly stats = { releases: 0, rssBeforeBytes: 0, rssAfterBytes: 0 };

  constructor(quietMs: number) {
    this.timer = setInterval(() => this.check(), quietMs);
    this.timer.unref();
  }

  touch(): void { this.count++; }

  private check(): void {
    if (this.count !== this.seen) { this.seen = this.count; return; } // busy during this period
    if (this.released === this.count) return; // nothing since the last release
    this.released = this.count;
    const before = process.memoryUsage.rss();
    releaseMemory();
    this.stats.releases++;
    this.stats.rssBeforeBytes = before;
    this.stats.rssAfterBytes = process.memoryUsage.rss();
  }

  stop(): void { clearInterval(this.timer); }
}

/** A full garbage collection (`xlang node start` runs with --expose-gc), malloc_trim, and the code pages. */
function releaseMemory(): void {
  (globalThis as { gc?: (o?: object) => void }).gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  if (libc === undefined) libc = loadLibc();
  if (!libc) return;
  libc.mallocTrim();
  dropExecutablePages(libc);
}

function loadLibc(): Libc | null {
  if (process.platform !== 'linux') return null;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as { load(lib: string): { func(sig: string): (...a: unknown[]) => number } };
    const lib = koffi.load('libc.so.6');
    const mallocTrim = lib.func('int malloc_trim(size_t)');
    const madvise = lib.func('int madvise(uintptr_t addr, size_t length, int advice)');
    const MADV_DONTNEED = 4;
    return { mallocTrim: () => { mallocTrim(0); }, dontNeed: (start, length) => madvise(start, length, MADV_DONTNEED) };
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// The executable's clean pages

/** File ranges [from, to) of the executable that are mapped read-only and never written: computed once. */
let cleanRanges: Array<[number, number]> | null | undefined;
let exePath: string | undefined;

/**
 * MADV_DONTNEED on a private file mapping discards the process's copy of each page: safe for a
 * page that was never written, which the kernel then maps again from the file. So only mappings
 * of the executable that are not writable, lie inside a read-only or executable PT_LOAD segment,
 * and miss PT_GNU_RELRO (written by the dynamic linker, then made read-only) are dropped.
 */
function dropExecutablePages(c: Libc): void {
  if (cleanRanges === undefined) {
    try { exePath = realpathSync(process.execPath); cleanRanges = readCleanRanges(exePath); } catch { cleanRanges = null; }
  }
  if (!cleanRanges || !exePath) return;
  let maps: string;
  try { maps = readFileSync('/proc/self/maps', 'latin1'); } catch { return; }
  for (const line of maps.split('\n')) {
    // start-end perms offset dev inode path; a replaced binary shows as "path (deleted)" and is skipped
    const m = /^([0-9a-f]+)-([0-9a-f]+) (r-xp|r--p) ([0-9a-f]+) \S+ \d+\s+(.*)$/.exec(line);
    if (!m || m[5] !== exePath) continue;
    const start = BigInt('0x' + m[1]), length = Number(BigInt('0x' + m[2]) - start), offset = parseInt(m[4]!, 16);
    if (cleanRanges.some(([from, to]) => offset >= from && offset + length <= to)) c.dontNeed(start, length);
  }
}

/** From the ELF program headers (64-bit little-endian only; otherwise null: nothing is dropped). */
function readCleanRanges(file: string): Array<[number, number]> | null {
  const fd = openSync(file, 'r');
  try {
    const eh = Buffer.alloc(64);
    readSync(fd, eh, 0, 64, 0);
    if (eh.readUInt32BE(0) !== 0x7f454c46 || eh[4] !== 2 || eh[5] !== 1) return null;
    const phoff = Number(eh.readBigUInt64LE(32)), phentsize = eh.readUInt16LE(54), phnum = eh.readUInt16LE(56);
    const ph = Buffer.alloc(phentsize * phnum);
    readSync(fd, ph, 0, ph.length, phoff);
    const PAGE = 4096, PT_LOAD = 1, PT_GNU_RELRO = 0x6474e552, PF_W = 2;
    const loads: Array<[number, number]> = [], written: Array<[number, number]> = [];
    for (let i = 0; i < phnum; i++) {
      const o = i * phentsize;
      const type = ph.readUInt32LE(o), flags = ph.readUInt32LE(o + 4);
      const off = Number(ph.readBigUInt64LE(o + 8)), filesz = Number(ph.readBigUInt64LE(o + 32)), memsz = Number(ph.readBigUInt64LE(o + 40));
      // mappings cover whole pages; a read-only segment's last page holds file bytes only (the
      // kernel zero-fills the tail of writable segments alone), so it is clean too
      const pages = (size: number): [number, number] => [Math.floor(off / PAGE) * PAGE, Math.ceil((off + size) / PAGE) * PAGE];
      if (type === PT_LOAD && !(flags & PF_W) && filesz === memsz) loads.push(pages(filesz));
      if (type === PT_GNU_RELRO || (type === PT_LOAD && flags & PF_W)) written.push(pages(Math.max(filesz, memsz)));
    }
    // a page shared with a written segment is not clean
    return loads.filter(([from, to]) => !written.some(([a, b]) => from < b && a < to));
  } finally {
    closeSync(fd);
  }
}
