// The store's objects larger than one row (OBJ_CHUNK): kept in rows, read by range a row at a
// time, replaced, committed from staged pieces of any size, deleted with all their rows; and a
// large value written whole by an earlier version (one blob) still reads back.
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { DatabaseSync } from 'node:sqlite';
import { Store, OBJ_CHUNK } from '../../runtime/cantor/store.js';
import { readObject } from '../../runtime/cantor/services.js';

const dir = mkdtempSync(join(tmpdir(), 'xlang-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Bytes whose every position is recognisable, so a piece from the wrong place shows. */
function pattern(n: number, seed = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >>> 8) + seed) & 0xff;
  return b;
}

/** Byte equality without vitest's element-by-element diff (minutes for megabytes). */
const same = (a: Uint8Array | null | undefined, b: Uint8Array): boolean => !!a && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
const readAll = (s: Store, t: string, id: number) => readObject(String(id), at => s.objRead(t, id, at, OBJ_CHUNK) ?? null);
const rows = (file: string, id: number) => {
  const db = new DatabaseSync(file);
  try { return Number((db.prepare('SELECT count(*) AS n FROM obj_chunks WHERE id = ?').get(id) as { n: number }).n); } finally { db.close(); }
};

describe('objects in rows', () => {
  it('put, read by range, get, update to smaller and larger values, delete', () => {
    const s = new Store(join(dir, 'a'));
    const big = pattern(2 * OBJ_CHUNK + 12345);
    const id = s.objPut('t', big);
    expect(rows(join(dir, 'a', 'store.db'), id)).toBe(2);
    expect(same(s.objGet('t', id)!.value, big)).toBe(true);
    expect(same(readAll(s, 't', id), big)).toBe(true);
    // a range inside one row, one that starts in the first row, and the last bytes
    const mid = s.objRead('t', id, OBJ_CHUNK + 7, 100)!;
    expect([mid.size, mid.version]).toEqual([big.length, 1]);
    expect(same(mid.part, big.subarray(OBJ_CHUNK + 7, OBJ_CHUNK + 107))).toBe(true);
    expect(same(s.objRead('t', id, 5, 10)!.part, big.subarray(5, 15))).toBe(true);
    expect(same(s.objRead('t', id, big.length - 3, OBJ_CHUNK)!.part, big.subarray(big.length - 3))).toBe(true);
    expect(s.objRead('t', id, big.length, 10)!.part.length).toBe(0);
    // another tenant sees nothing
    expect(s.objGet('u', id)).toBeUndefined();
    expect(s.objRead('u', id, 0, 10)).toBeUndefined();
    expect(s.objUpdate('u', id, pattern(10))).toBe(false);
    expect(s.objDelete('u', id)).toBe(false);
    // smaller: the extra rows go; larger again: rows come back
    expect(s.objUpdate('t', id, pattern(1000, 3))).toBe(true);
    expect(same(s.objGet('t', id)!.value, pattern(1000, 3))).toBe(true);
    expect(s.objGet('t', id)!.version).toBe(2);
    expect(rows(join(dir, 'a', 'store.db'), id)).toBe(0);
    const bigger = pattern(3 * OBJ_CHUNK + 1, 9);
    expect(s.objUpdate('t', id, bigger)).toBe(true);
    expect(same(readAll(s, 't', id), bigger)).toBe(true);
    expect(s.objDelete('t', id)).toBe(true);
    expect(rows(join(dir, 'a', 'store.db'), id)).toBe(0);
    expect(s.objGet('t', id)).toBeUndefined();
    s.close();
  });

  it('commits staged pieces of the row size, and of any other size', () => {
    const s = new Store(join(dir, 'b'));
    const v = pattern(2 * OBJ_CHUNK + 99, 5);
    for (let k = 0, at = 0; at < v.length; k++, at += OBJ_CHUNK) s.objStage('t', 'sid-aligned', k, v.subarray(at, at + OBJ_CHUNK));
    const id = s.objCommit('t', 'sid-aligned', null) as number;
    expect(same(readAll(s, 't', id), v)).toBe(true);
    // odd sizes are joined; committing onto an existing object replaces its value
    const w = pattern(OBJ_CHUNK + 5000, 7);
    const cuts = [0, 1000, OBJ_CHUNK - 1, w.length];
    for (let k = 0; k < cuts.length - 1; k++) s.objStage('t', 'sid-odd', k, w.subarray(cuts[k], cuts[k + 1]));
    expect(s.objCommit('t', 'sid-odd', id)).toBe(true);
    expect(same(s.objGet('t', id)!.value, w)).toBe(true);
    expect(s.objGet('t', id)!.version).toBe(2);
    expect(same(readAll(s, 't', id), w)).toBe(true);
    // a missing piece, nothing staged, a vanished target
    s.objStage('t', 'sid-gap', 0, pattern(10));
    s.objStage('t', 'sid-gap', 2, pattern(10));
    expect(() => s.objCommit('t', 'sid-gap', null)).toThrow(/piece 1 of 'sid-gap' is missing/);
    expect(() => s.objCommit('t', 'sid-none', null)).toThrow(/no pieces staged under 'sid-none'/);
    s.objStage('t', 'sid-late', 0, pattern(OBJ_CHUNK));
    s.objStage('t', 'sid-late', 1, pattern(3));
    expect(s.objCommit('t', 'sid-late', 999_999)).toBe(false);
    s.close();
  });

  it('reads a large value stored whole by an earlier version', () => {
    const s = new Store(join(dir, 'c'));
    s.close();
    const old = pattern(OBJ_CHUNK + 777, 11);
    const db = new DatabaseSync(join(dir, 'c', 'store.db'));
    const id = Number(db.prepare("INSERT INTO objects (tenant, value, version) VALUES ('t', ?, 1)").run(old).lastInsertRowid);
    db.close();
    const again = new Store(join(dir, 'c'));
    expect(same(readAll(again, 't', id), old)).toBe(true);
    expect(same(again.objGet('t', id)!.value, old)).toBe(true);
    again.close();
  });
});
