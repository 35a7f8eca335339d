// The on-disk compile cache both hosts share (MainHost for `xlang run`, the QuickJS sandbox's
// worker for `xlang run --sandbox`): compiled modules stored as JSON files named by a fast hash
// of what the output depends on. An entry records its source and key and is used only when both
// match exactly, so a hash collision costs a recompile, never a wrong module.
//
// It lives in runtime/hosts (it uses node:fs), never in runtime/core, which must load in QuickJS.
import { readFileSync, writeFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { homedir } from 'node:os';
import type { Manifest, Target } from '../../compiler/index.js';

/** compiler/index.ts's COMPILER_VERSION (not imported: loading the compiler costs start-up time). */
export const COMPILER_VERSION = '0.1.0';

/** A cached compiled module. */
export interface CacheEntry {
  script: string;
  map: string;
  manifest: Manifest;
  source: string;
  key: string;
}

/** `$XDG_CACHE_HOME/xlang/modules` (default ~/.cache/xlang/modules). */
export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'xlang', 'modules');
}

const buildIds = new Map<string, string>();

/**
 * The identity of the compiler build in `dir` (the size and mtime of its files): compiled output
 * depends on the compiler's own code, so a rebuilt compiler misses the cache. `ext` is '.js' for
 * dist/, '.ts' when the compiler runs from source (tests).
 */
export function compilerBuildId(dir: string, ext = '.js'): string {
  let id = buildIds.get(dir);
  if (id === undefined) {
    id = ['codegen', 'scope', 'lexer', 'parser', 'index']
      .map(f => { try { const st = statSync(join(dir, f + ext)); return `${st.size}:${st.mtimeMs}`; } catch { return '-'; } }).join(',');
    buildIds.set(dir, id);
  }
  return id;
}

/** The part of the cache key besides the source: compiler, module name and target engine. */
export function cacheKey(buildId: string, moduleName: string, target: Target): string {
  return `${COMPILER_VERSION}\0${buildId}\0${moduleName}\0${target}\0`;
}

/** A fast 128-bit hash of a string (four independent 32-bit multiplicative lanes), as hex. */
export function fastHash(s: string): string {
  let a = 0x811c9dc5, b = 0x01000193, c = 0x9e3779b9, d = 0x85ebca6b;
  for (let i = 0; i < s.length; i++) {
    const x = s.charCodeAt(i);
    a = Math.imul(a ^ x, 0x01000193);
    b = Math.imul(b ^ x, 0x5bd1e995) + i;
    c = Math.imul(c + x, 0xcc9e2d51) ^ (c >>> 15);
    d = Math.imul(d ^ (x << 8), 0x1b873593) ^ (d >>> 13);
  }
  return [a, b, c, d, s.length].map(h => (h >>> 0).toString(16).padStart(8, '0')).join('');
}

/**
 * The cached module for (key, source) in `dir`, or null. The cache key is a fast hash (node:crypto
 * alone costs ~5 ms of start-up); the entry must hold exactly this source and key.
 */
export function cacheGet(dir: string | null, key: string, source: string): CacheEntry | null {
  if (!dir) return null;
  try {
    const e = JSON.parse(readFileSync(join(dir, fastHash(key + source) + '.json'), 'utf8'));
    if (e && e.source === source && e.key === key && typeof e.script === 'string' && typeof e.map === 'string' && e.manifest) return e;
  } catch { /* not cached */ }
  return null;
}

/** Stores a compiled module (written aside and renamed: readers never see half an entry). */
export function cachePut(dir: string | null, entry: CacheEntry): void {
  if (!dir) return;
  try {
    mkdirSync(dir, { recursive: true });
    const id = fastHash(entry.key + entry.source);
    // threads share a pid: the random part keeps two writers' files apart
    const tmp = join(dir, `${id}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
    writeFileSync(tmp, JSON.stringify(entry));
    renameSync(tmp, join(dir, id + '.json'));
  } catch { /* the cache is an optimisation: an unwritable cache directory only costs time */ }
}
