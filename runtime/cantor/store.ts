// The node's durable store: kv, objects, queues and globals in one SQLite database
// (node:sqlite, built into Node: no native add-on to install). Values are opaque bytes here:
// callers serialize XLang values (runtime/hosts/serializer.ts), so a node can also keep bytes
// that arrive from the network without decoding them.
//
// Durability: WAL journal with synchronous=NORMAL. A write is acknowledged after its
// transaction commits, and a committed transaction survives the process being killed (-9);
// only an operating-system crash or power loss can drop the last commits (XLANG_SYNC=full
// makes every commit wait for the disk). Several isolates of one process, and several
// processes, may open the same database: SQLite's locking serializes writers (busy_timeout).
//
// Every row belongs to a tenant: tenants never see each other's data.
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export class StoreError extends Error {
  constructor(readonly kind: 'KeyError' | 'ValueError' | 'TypeError' | 'OSError', message: string) { super(message); }
}

export interface GlobalValue { value: Uint8Array; version: number }

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (tenant TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (tenant, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS objects (id INTEGER PRIMARY KEY AUTOINCREMENT, tenant TEXT NOT NULL, value BLOB NOT NULL, version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS queues (tenant TEXT NOT NULL, name TEXT NOT NULL, max_size INTEGER NOT NULL, PRIMARY KEY (tenant, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS queue_items (seq INTEGER PRIMARY KEY AUTOINCREMENT, tenant TEXT NOT NULL, name TEXT NOT NULL, value BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS queue_items_by_queue ON queue_items (tenant, name, seq);
CREATE TABLE IF NOT EXISTS globals (tenant TEXT NOT NULL, name TEXT NOT NULL, value BLOB NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (tenant, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS obj_chunks (id INTEGER NOT NULL, n INTEGER NOT NULL, part BLOB NOT NULL, PRIMARY KEY (id, n));
-- pieces of a value being sent, until its commit; a rowid table with the blob last (a WITHOUT
-- ROWID table of 4 MiB rows, the earlier obj_parts, wrote at a fifth of the speed)
DROP TABLE IF EXISTS obj_parts;
CREATE TABLE IF NOT EXISTS obj_staged (tenant TEXT NOT NULL, sid TEXT NOT NULL, n INTEGER NOT NULL, at INTEGER NOT NULL, part BLOB NOT NULL, PRIMARY KEY (tenant, sid, n));
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, tenant TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, value BLOB NOT NULL, origin TEXT NOT NULL, at INTEGER NOT NULL);
`;

/**
 * Objects larger than this are kept in rows of this many bytes: the first in objects.value, the
 * others in obj_chunks (1, 2, ...), so reading a piece reads one row, not the whole value
 * (SQLite's substr() of a blob loads all of it: reading 60 MiB in 4 MiB pieces read 900 MiB).
 * Pieces sent and read over the network are this size too.
 */
export const OBJ_CHUNK = 4 * 1024 * 1024;

/** Subscription events kept: the newest this many, and none older than EVENT_AGE_MS. */
const MAX_EVENTS = 100_000;
const EVENT_AGE_MS = 10 * 60_000;

/** A queue push ('q') or a global's new value ('g'), for subscribers in any process. */
export interface StoreEvent { seq: number; kind: 'q' | 'g'; name: string; value: Uint8Array; origin: string }

/** Longest key or name accepted (bytes of UTF-8 are not counted; characters are). */
const MAX_KEY = 4096;

function checkName(what: string, s: unknown): string {
  if (typeof s !== 'string') throw new StoreError('TypeError', `${what} must be a str`);
  if (s.length === 0 || s.length > MAX_KEY) throw new StoreError('ValueError', `${what} must have 1 to ${MAX_KEY} characters`);
  return s;
}

export class Store {
  private readonly db: DatabaseSync;
  private readonly q: Record<string, StatementSync>;
  private inBatch = false;

  /** Opens (creating if needed) the store in `dir` (store.db), or an in-memory one for null. */
  constructor(readonly dir: string | null) {
    let db: DatabaseSync;
    try {
      if (dir !== null) mkdirSync(dir, { recursive: true });
      db = new DatabaseSync(dir === null ? ':memory:' : join(dir, 'store.db'));
      db.exec(`PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = ${process.env.XLANG_SYNC === 'full' ? 'FULL' : 'NORMAL'};`);
      db.exec(SCHEMA);
    } catch (e) {
      throw new StoreError('OSError', `cannot open the Cantor store in ${dir ?? '(memory)'}: ${(e as Error).message}`);
    }
    this.db = db;
    const p = (sql: string) => db.prepare(sql);
    this.q = {
      kvGet: p('SELECT value FROM kv WHERE tenant = ? AND key = ?'),
      kvSet: p('INSERT INTO kv (tenant, key, value) VALUES (?, ?, ?) ON CONFLICT (tenant, key) DO UPDATE SET value = excluded.value'),
      kvDel: p('DELETE FROM kv WHERE tenant = ? AND key = ?'),
      kvKeys: p("SELECT key FROM kv WHERE tenant = ? AND key >= ? AND key < ? || char(1114111) ORDER BY key LIMIT ?"),
      kvCount: p('SELECT count(*) AS n FROM kv WHERE tenant = ?'),
      objPut: p('INSERT INTO objects (tenant, value, version) VALUES (?, ?, 1)'),
      objGet: p('SELECT value, version FROM objects WHERE tenant = ? AND id = ?'),
      objUpd: p('UPDATE objects SET value = ?, version = version + 1 WHERE tenant = ? AND id = ?'),
      objDel: p('DELETE FROM objects WHERE tenant = ? AND id = ?'),
      qCreate: p('INSERT INTO queues (tenant, name, max_size) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      qInfo: p('SELECT max_size FROM queues WHERE tenant = ? AND name = ?'),
      qDelete: p('DELETE FROM queues WHERE tenant = ? AND name = ?'),
      qDeleteItems: p('DELETE FROM queue_items WHERE tenant = ? AND name = ?'),
      qPush: p('INSERT INTO queue_items (tenant, name, value) VALUES (?, ?, ?)'),
      qFirst: p('SELECT seq, value FROM queue_items WHERE tenant = ? AND name = ? ORDER BY seq LIMIT 1'),
      qRemove: p('DELETE FROM queue_items WHERE seq = ?'),
      qSize: p('SELECT count(*) AS n FROM queue_items WHERE tenant = ? AND name = ?'),
      qList: p('SELECT name FROM queues WHERE tenant = ? ORDER BY name'),
      gGet: p('SELECT value, version FROM globals WHERE tenant = ? AND name = ?'),
      gSet: p('INSERT INTO globals (tenant, name, value, version) VALUES (?, ?, ?, 1) ON CONFLICT (tenant, name) DO UPDATE SET value = excluded.value, version = globals.version + 1 RETURNING version'),
      gDel: p('DELETE FROM globals WHERE tenant = ? AND name = ?'),
      gList: p('SELECT name, version FROM globals WHERE tenant = ? ORDER BY name'),
      objHead: p('SELECT length(value) AS head, version, (SELECT coalesce(sum(length(part)), 0) FROM obj_chunks c WHERE c.id = objects.id) AS rest FROM objects WHERE tenant = ? AND id = ?'),
      objSub: p('SELECT substr(value, ?, ?) AS part FROM objects WHERE tenant = ? AND id = ?'),
      chunkAdd: p('INSERT INTO obj_chunks (id, n, part) VALUES (?, ?, ?)'),
      chunkAll: p('SELECT part FROM obj_chunks WHERE id = ? ORDER BY n'),
      chunkSub: p('SELECT substr(part, ?, ?) AS part FROM obj_chunks WHERE id = ? AND n = ?'),
      chunkDrop: p('DELETE FROM obj_chunks WHERE id = ?'),
      partAdd: p('INSERT INTO obj_staged (tenant, sid, n, at, part) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET part = excluded.part, at = excluded.at'),
      partSizes: p('SELECT n, length(part) AS len FROM obj_staged WHERE tenant = ? AND sid = ? ORDER BY n'),
      partAll: p('SELECT part FROM obj_staged WHERE tenant = ? AND sid = ? ORDER BY n'),
      partFirst: p('SELECT part FROM obj_staged WHERE tenant = ? AND sid = ? AND n = 0'),
      partMove: p('INSERT INTO obj_chunks (id, n, part) SELECT ?, n, part FROM obj_staged WHERE tenant = ? AND sid = ? AND n > 0'),
      partDrop: p('DELETE FROM obj_staged WHERE tenant = ? AND sid = ?'),
      partStale: p('DELETE FROM obj_staged WHERE at < ?'),
      evAdd: p('INSERT INTO events (tenant, kind, name, value, origin, at) VALUES (?, ?, ?, ?, ?, ?)'),
      evHead: p('SELECT coalesce(max(seq), 0) AS seq FROM events'),
      evSince: p('SELECT seq, kind, name, value, origin FROM events WHERE seq > ? AND tenant = ? ORDER BY seq LIMIT ?'),
      evTrim: p('DELETE FROM events WHERE seq <= (SELECT max(seq) FROM events) - ? OR at < ?'),
      metaGet: p('SELECT value FROM meta WHERE key = ?'),
      metaSet: p('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    };
  }

  /** Frees the page cache of an idle node (up to 2 MiB after a burst of writes); it refills on use. */
  shrinkMemory(): void {
    this.db.exec('PRAGMA shrink_memory');
  }

  close(): void {
    try { this.db.close(); } catch { /* already closed */ }
  }

  /** Runs `f` in one transaction (one commit for many writes: the batched-write path). */
  batch<T>(f: () => T): T {
    return this.transaction('BEGIN IMMEDIATE', f);
  }

  /** Runs `f` on one snapshot of the store (reads that must agree with each other). */
  private snapshot<T>(f: () => T): T {
    return this.transaction('BEGIN', f);
  }

  private transaction<T>(begin: string, f: () => T): T {
    if (this.inBatch) return f();
    this.inBatch = true;
    this.db.exec(begin);
    try {
      const r = f();
      this.db.exec('COMMIT');
      return r;
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    } finally {
      this.inBatch = false;
    }
  }

  // --- kv ---------------------------------------------------------------------------------

  kvGet(tenant: string, key: string): Uint8Array | undefined {
    const row = this.q.kvGet!.get(tenant, checkName('a kv key', key)) as { value: Uint8Array } | undefined;
    return row?.value;
  }
  kvSet(tenant: string, key: string, value: Uint8Array): void {
    this.q.kvSet!.run(tenant, checkName('a kv key', key), value);
  }
  kvDelete(tenant: string, key: string): boolean {
    return Number(this.q.kvDel!.run(tenant, checkName('a kv key', key)).changes) > 0;
  }
  kvKeys(tenant: string, prefix = '', limit = 1_000_000): string[] {
    return (this.q.kvKeys!.all(tenant, prefix, prefix, limit) as { key: string }[]).map(r => r.key);
  }
  kvCount(tenant: string): number {
    return Number((this.q.kvCount!.get(tenant) as { n: number }).n);
  }

  // --- objects ----------------------------------------------------------------------------

  objPut(tenant: string, value: Uint8Array): number {
    if (value.length <= OBJ_CHUNK) return Number(this.q.objPut!.run(tenant, value).lastInsertRowid);
    return this.batch(() => {
      const id = Number(this.q.objPut!.run(tenant, value.subarray(0, OBJ_CHUNK)).lastInsertRowid);
      this.addChunks(id, value);
      return id;
    });
  }
  objGet(tenant: string, id: number): { value: Uint8Array; version: number } | undefined {
    return this.snapshot(() => {
      const r = this.q.objGet!.get(tenant, id) as { value: Uint8Array; version: number } | undefined;
      if (!r) return undefined;
      const rest = this.q.chunkAll!.all(id) as { part: Uint8Array }[];
      if (!rest.length) return r;
      const value = new Uint8Array(rest.reduce((a, c) => a + c.part.length, r.value.length));
      value.set(r.value, 0);
      let at = r.value.length;
      for (const c of rest) { value.set(c.part, at); at += c.part.length; }
      return { value, version: r.version };
    });
  }
  objUpdate(tenant: string, id: number, value: Uint8Array): boolean {
    return this.batch(() => {
      if (Number(this.q.objUpd!.run(value.subarray(0, OBJ_CHUNK), tenant, id).changes) === 0) return false;
      this.q.chunkDrop!.run(id);
      this.addChunks(id, value);
      return true;
    });
  }
  objDelete(tenant: string, id: number): boolean {
    return this.batch(() => {
      if (Number(this.q.objDel!.run(tenant, id).changes) === 0) return false;
      this.q.chunkDrop!.run(id);
      return true;
    });
  }

  private addChunks(id: number, value: Uint8Array): void {
    for (let at = OBJ_CHUNK, n = 1; at < value.length; at += OBJ_CHUNK, n++) this.q.chunkAdd!.run(id, n, value.subarray(at, at + OBJ_CHUNK));
  }

  /**
   * Bytes [offset, offset + length) of an object (at most the rest of the row they start in),
   * with its size and version; undefined if none.
   */
  objRead(tenant: string, id: number, offset: number, length: number): { part: Uint8Array; size: number; version: number } | undefined {
    return this.snapshot(() => {
      const h = this.q.objHead!.get(tenant, id) as { head: number; version: number; rest: number } | undefined;
      if (!h) return undefined;
      const head = Number(h.head), size = head + Number(h.rest);
      let r: { part: Uint8Array | null } | undefined;
      if (offset < head) r = this.q.objSub!.get(offset + 1, length, tenant, id) as typeof r; // the first row (or a whole value stored before chunks)
      else if (offset < size) {
        const n = Math.floor(offset / OBJ_CHUNK);
        r = this.q.chunkSub!.get(offset - n * OBJ_CHUNK + 1, length, id, n) as typeof r;
      }
      return { part: r?.part ?? new Uint8Array(0), size, version: Number(h.version) };
    });
  }

  /** Keeps part `n` of an object being sent in pieces (staging `sid`); pieces older than an hour are dropped. */
  objStage(tenant: string, sid: string, n: number, part: Uint8Array): void {
    this.q.partAdd!.run(tenant, sid, n, Date.now(), part);
  }

  /**
   * Stores the staged pieces 0..k as one value (a new object, or `target`'s new value). Pieces of
   * OBJ_CHUNK bytes (all but the last), as clients send them, become the object's rows inside
   * SQLite; other sizes are joined and stored again.
   */
  objCommit(tenant: string, sid: string, target: number | null): number | boolean {
    return this.batch(() => {
      this.q.partStale!.run(Date.now() - 3_600_000);
      const sizes = (this.q.partSizes!.all(tenant, sid) as { n: number; len: number }[]).map(r => [Number(r.n), Number(r.len)] as const);
      if (!sizes.length) throw new StoreError('KeyError', `no pieces staged under '${sid}' (they are kept for an hour)`);
      sizes.forEach(([n], i) => { if (n !== i) throw new StoreError('ValueError', `piece ${i} of '${sid}' is missing`); });
      let result: number | boolean;
      if (sizes.every(([, len], i) => len === OBJ_CHUNK || (i === sizes.length - 1 && len > 0))) {
        const first = (this.q.partFirst!.get(tenant, sid) as { part: Uint8Array }).part;
        let id: number;
        if (target === null) id = result = Number(this.q.objPut!.run(tenant, first).lastInsertRowid);
        else {
          result = Number(this.q.objUpd!.run(first, tenant, target).changes) > 0;
          id = target;
          if (result) this.q.chunkDrop!.run(id);
        }
        if (result !== false) this.q.partMove!.run(id, tenant, sid);
      } else {
        const rows = this.q.partAll!.all(tenant, sid) as { part: Uint8Array }[];
        const value = new Uint8Array(rows.reduce((a, r) => a + r.part.length, 0));
        let at = 0;
        for (const r of rows) { value.set(r.part, at); at += r.part.length; }
        result = target === null ? this.objPut(tenant, value) : this.objUpdate(tenant, target, value);
      }
      this.q.partDrop!.run(tenant, sid);
      return result;
    });
  }

  // --- queues -----------------------------------------------------------------------------

  /** Creates a queue (max_size 0: unbounded); creating an existing queue keeps it as it is. */
  queueCreate(tenant: string, name: string, maxSize = 0): void {
    if (!Number.isSafeInteger(maxSize) || maxSize < 0) throw new StoreError('ValueError', 'a queue size limit must be a whole number >= 0');
    this.q.qCreate!.run(tenant, checkName('a queue name', name), maxSize);
  }
  queueExists(tenant: string, name: string): boolean {
    return this.q.qInfo!.get(tenant, name) !== undefined;
  }
  queueDelete(tenant: string, name: string): boolean {
    return this.batch(() => {
      this.q.qDeleteItems!.run(tenant, name);
      return Number(this.q.qDelete!.run(tenant, name).changes) > 0;
    });
  }
  /** Appends; false when the queue is at its size limit. Throws KeyError for a missing queue. */
  queuePush(tenant: string, name: string, value: Uint8Array, origin = ''): boolean {
    return this.batch(() => {
      const info = this.q.qInfo!.get(tenant, name) as { max_size: number } | undefined;
      if (!info) throw new StoreError('KeyError', `no queue named '${name}'`);
      if (info.max_size > 0 && this.queueSize(tenant, name) >= info.max_size) return false;
      this.q.qPush!.run(tenant, name, value);
      this.event(tenant, 'q', name, value, origin);
      return true;
    });
  }

  private events = 0;

  /** Records a subscription event in the current transaction; trims old ones now and then. */
  private event(tenant: string, kind: 'q' | 'g', name: string, value: Uint8Array, origin: string): void {
    this.q.evAdd!.run(tenant, kind, name, value, origin, Date.now());
    if (++this.events % 1000 === 0) this.q.evTrim!.run(MAX_EVENTS, Date.now() - EVENT_AGE_MS);
  }

  /** The newest event's number (a new subscriber sees what comes after it). */
  eventHead(): number {
    return Number((this.q.evHead!.get() as { seq: number }).seq);
  }

  /** The tenant's events after `seq`, oldest first, at most `limit`. */
  eventsSince(tenant: string, seq: number, limit: number): StoreEvent[] {
    return (this.q.evSince!.all(seq, tenant, limit) as unknown as StoreEvent[]).map(r => ({ ...r, seq: Number(r.seq) }));
  }
  /** Removes and returns the oldest item, or undefined when empty. KeyError for a missing queue. */
  queuePop(tenant: string, name: string): Uint8Array | undefined {
    return this.batch(() => {
      if (!this.queueExists(tenant, name)) throw new StoreError('KeyError', `no queue named '${name}'`);
      const row = this.q.qFirst!.get(tenant, name) as { seq: number; value: Uint8Array } | undefined;
      if (!row) return undefined;
      this.q.qRemove!.run(row.seq);
      return row.value;
    });
  }
  queueSize(tenant: string, name: string): number {
    return Number((this.q.qSize!.get(tenant, name) as { n: number }).n);
  }
  queueNames(tenant: string): string[] {
    return (this.q.qList!.all(tenant) as { name: string }[]).map(r => r.name);
  }

  // --- globals ----------------------------------------------------------------------------

  globalGet(tenant: string, name: string): GlobalValue | undefined {
    return this.q.gGet!.get(tenant, checkName('a global name', name)) as GlobalValue | undefined;
  }
  /** Sets and returns the new version (1 for a new global). */
  globalSet(tenant: string, name: string, value: Uint8Array, origin = ''): number {
    return this.batch(() => {
      const v = Number((this.q.gSet!.get(tenant, checkName('a global name', name), value) as { version: number }).version);
      this.event(tenant, 'g', name, value, origin);
      return v;
    });
  }
  globalDelete(tenant: string, name: string): boolean {
    return Number(this.q.gDel!.run(tenant, name).changes) > 0;
  }
  globalNames(tenant: string): { name: string; version: number }[] {
    return this.q.gList!.all(tenant) as { name: string; version: number }[];
  }

  // --- node metadata ----------------------------------------------------------------------

  meta(key: string): string | undefined {
    return (this.q.metaGet!.get(key) as { value: string } | undefined)?.value;
  }
  setMeta(key: string, value: string): void {
    this.q.metaSet!.run(key, value);
  }
}
