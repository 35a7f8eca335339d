// The node's services as one table of methods: what a script's `cantor` calls reach, whether
// the script runs beside the node (a direct call) or elsewhere (the same call over the
// network, net.ts). Values are serialized bytes here; keys and names are strings. Every call
// runs for a tenant and needs a role: read (lookups), submit (writes), admin (the node itself).
//
// Calls never block: a pop on an empty queue answers undefined, and the caller decides how to
// wait (a script sleeps and retries; the daemon waits asynchronously).
import type { LocalNode } from './node.js';
import { StoreError, OBJ_CHUNK } from './store.js';
import { parseRequirement, satisfies, explainUnmet, ResourceExprError } from './expr.js';
import { MetricsError } from './metrics.js';
import { ResourceSpecError } from './ledger.js';
import { threadId } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';

/** Largest piece of an object one request carries (objects of any size go in pieces). */
export const MAX_PIECE = OBJ_CHUNK;

/** One piece of an object, as `obj.read` answers it. */
export interface Piece { part: Uint8Array; size: number; version: number }

/**
 * An object of any size, read piece by piece through `read(offset)` (an `obj.read` call of the
 * caller's binding); null when there is no such object. A value that changes or vanishes while
 * it is read is an error, never a mix of two versions.
 */
export function readObject(id: string, read: (at: number) => Piece | null): Uint8Array | null {
  const first = read(0);
  if (first === null) return null;
  if (first.size <= first.part.length) return first.part;
  const all = new Uint8Array(first.size);
  all.set(first.part, 0);
  for (let at = first.part.length; at < first.size;) {
    const r = read(at);
    if (r === null || r.version !== first.version || r.part.length === 0) throw new ServiceError('RuntimeError', `object ${id} changed or vanished while it was being read; read it again`);
    all.set(r.part, at);
    at += r.part.length;
  }
  return all;
}

/** Longest one blocking pop (`q.popWait`, served by a daemon) waits before answering "nothing yet". */
export const MAX_POP_WAIT_MS = 20_000;

export type Role = 'read' | 'submit' | 'admin';

export interface CallContext {
  tenant: string;
  roles: readonly Role[];
  /** The remote client's peer id, when the call came over the network (or from its task). */
  client?: string;
}

/** An error a caller should see as the Python exception `type` (KeyError, ValueError...). */
export class ServiceError extends Error {
  constructor(readonly type: string, message: string) { super(message); }
}

type Method = { role: Role; f: (node: LocalNode, t: string, a: any[], ctx: CallContext) => unknown };

const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string') throw new ServiceError('TypeError', `${what} must be a str`);
  return v;
};
const bytes = (v: unknown, what = 'a value'): Uint8Array => {
  if (!(v instanceof Uint8Array)) throw new ServiceError('TypeError', `${what} must be serialized bytes`);
  return v;
};
const int = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new ServiceError('TypeError', `${what} must be an integer`);
  return v;
};
const requirement = (v: unknown) => {
  try { return parseRequirement(str(v, 'a resource expression')); } catch (e) {
    if (e instanceof ResourceExprError) throw new ServiceError('ValueError', e.message);
    throw e;
  }
};
/** An object id `<nodeId>/<n>` of this node: its number. */
const objectNumber = (node: LocalNode, v: unknown): number => {
  const s = str(v, 'an object id');
  const m = s.match(/^(.+)\/(\d{1,15})$/);
  if (!m) throw new ServiceError('ValueError', `'${s}' is not an object id (ids look like <nodeId>/<number>)`);
  if (m[1] !== node.nodeId) throw new ServiceError('ConnectionError', `object ${s} lives on node ${m[1]}, which this node is not connected to`);
  return Number(m[2]);
};

/** Who made a change (a subscriber skips its own): a short id, or none. */
const originArg = (v: unknown): string => {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string' || v.length > 64) throw new ServiceError('TypeError', 'an event origin must be a str of at most 64 characters');
  return v;
};

const tenantLabels = (t: string, labels: unknown): unknown => {
  if (t === 'default') return labels;
  if (labels !== undefined && labels !== null && (typeof labels !== 'object' || Array.isArray(labels))) return labels; // metrics.ts reports it
  return { ...(labels as object | null), tenant: t };
};

export const METHODS: Record<string, Method> = {
  'node.id': { role: 'read', f: n => n.nodeId },
  'node.resources': { role: 'read', f: n => n.ledger.snapshot() },
  'res.satisfies': { role: 'read', f: (n, _t, [e]) => satisfies(requirement(e), n.ledger.resources(true)) },
  'res.unmet': { role: 'read', f: (n, _t, [e]) => explainUnmet(requirement(e), n.ledger.resources(false)) },

  'kv.get': { role: 'read', f: (n, t, [k]) => n.store.kvGet(t, str(k, 'a kv key')) ?? null },
  'kv.has': { role: 'read', f: (n, t, [k]) => n.store.kvGet(t, str(k, 'a kv key')) !== undefined },
  'kv.keys': { role: 'read', f: (n, t, [p]) => n.store.kvKeys(t, p == null ? '' : str(p, 'a key prefix')) },
  'kv.set': { role: 'submit', f: (n, t, [k, v]) => { n.store.kvSet(t, str(k, 'a kv key'), bytes(v)); return null; } },
  'kv.setMany': {
    role: 'submit',
    f: (n, t, [rows]) => {
      if (!Array.isArray(rows)) throw new ServiceError('TypeError', 'set_many takes [key, value] pairs');
      const checked = rows.map(r => (Array.isArray(r) ? [str(r[0], 'a kv key'), bytes(r[1])] as const : (() => { throw new ServiceError('TypeError', 'set_many takes [key, value] pairs'); })()));
      n.store.batch(() => { for (const [k, v] of checked) n.store.kvSet(t, k, v); });
      return checked.length;
    },
  },
  'kv.delete': { role: 'submit', f: (n, t, [k]) => n.store.kvDelete(t, str(k, 'a kv key')) },

  'obj.put': { role: 'submit', f: (n, t, [v]) => `${n.nodeId}/${n.store.objPut(t, bytes(v))}` },
  'obj.get': { role: 'read', f: (n, t, [id]) => n.store.objGet(t, objectNumber(n, id))?.value ?? null },
  'obj.update': { role: 'submit', f: (n, t, [id, v]) => n.store.objUpdate(t, objectNumber(n, id), bytes(v)) },
  'obj.delete': { role: 'submit', f: (n, t, [id]) => n.store.objDelete(t, objectNumber(n, id)) },
  // large objects travel in pieces (a frame holds 16 MiB): staged, then committed; read by range
  'obj.read': {
    role: 'read',
    f: (n, t, [id, offset, length]) => {
      const at = int(offset, 'an offset'), len = int(length, 'a length');
      // (SQLite's substr() would count a negative start from the end)
      if (at < 0 || len < 0) throw new ServiceError('ValueError', 'an object is read at an offset >= 0 for a length >= 0');
      const r = n.store.objRead(t, objectNumber(n, id), at, Math.min(len, MAX_PIECE));
      return r ?? null;
    },
  },
  'obj.stage': {
    role: 'submit',
    f: (n, t, [sid, k, part]) => {
      if (typeof sid !== 'string' || !/^[\w-]{8,64}$/.test(sid)) throw new ServiceError('ValueError', 'a staging id is 8 to 64 letters, digits, _ or -');
      const piece = bytes(part, 'a piece');
      if (piece.length > MAX_PIECE) throw new ServiceError('ValueError', `a piece holds at most ${MAX_PIECE} bytes`);
      n.store.objStage(t, sid, int(k, 'a piece number'), piece);
      return null;
    },
  },
  'obj.commit': {
    role: 'submit',
    f: (n, t, [sid, target]) => {
      const r = n.store.objCommit(t, str(sid, 'a staging id'), target === null || target === undefined ? null : objectNumber(n, target));
      return typeof r === 'number' ? `${n.nodeId}/${r}` : r;
    },
  },

  'q.create': { role: 'submit', f: (n, t, [name, max]) => { n.store.queueCreate(t, str(name, 'a queue name'), int(max ?? 0, 'max_size')); return null; } },
  'q.push': { role: 'submit', f: (n, t, [name, v, origin]) => n.store.queuePush(t, str(name, 'a queue name'), bytes(v), originArg(origin)) },
  'q.pop': { role: 'submit', f: (n, t, [name]) => n.store.queuePop(t, str(name, 'a queue name')) ?? null },
  'q.size': { role: 'read', f: (n, t, [name]) => n.store.queueSize(t, str(name, 'a queue name')) },
  'q.delete': { role: 'submit', f: (n, t, [name]) => n.store.queueDelete(t, str(name, 'a queue name')) },
  'q.names': { role: 'read', f: (n, t) => n.store.queueNames(t) },

  'g.get': { role: 'read', f: (n, t, [name]) => n.store.globalGet(t, str(name, 'a global name')) ?? null },
  'g.set': { role: 'submit', f: (n, t, [name, v, origin]) => n.store.globalSet(t, str(name, 'a global name'), bytes(v), originArg(origin)) },

  // subscription events: pushes and sets by anyone, read by subscribers from a cursor
  'ev.head': { role: 'read', f: n => n.store.eventHead() },
  'ev.since': { role: 'read', f: (n, t, [seq, limit]) => n.store.eventsSince(t, int(seq, 'an event number'), Math.min(Math.max(int(limit ?? 1000, 'a limit'), 1), 10_000)) },
  'g.delete': { role: 'submit', f: (n, t, [name]) => n.store.globalDelete(t, str(name, 'a global name')) },
  'g.names': { role: 'read', f: (n, t) => n.store.globalNames(t).map(g => g.name) },

  // user metrics; a tenant other than the default one is a label of every series it writes
  'metrics.inc': { role: 'submit', f: (n, t, [name, amount, labels, help]) => n.metrics.inc(name, amount ?? 1, tenantLabels(t, labels), help) },
  'metrics.set': { role: 'submit', f: (n, t, [name, value, labels, help]) => n.metrics.set(name, value, tenantLabels(t, labels), help) },
  'metrics.add': { role: 'submit', f: (n, t, [name, delta, labels, help]) => n.metrics.add(name, delta, tenantLabels(t, labels), help) },
  'metrics.observe': { role: 'submit', f: (n, t, [name, value, labels, buckets, help]) => n.metrics.observe(name, value, tenantLabels(t, labels), buckets, help) },
  'metrics.read': { role: 'read', f: (n, _t, [name]) => n.metrics.read(name == null ? undefined : str(name, 'a metric name')) },
  'metrics.text': { role: 'read', f: n => n.metrics.text() },

  'log.write': {
    role: 'submit',
    f: (n, t, [level, msg]) => {
      const l = str(level, 'a log level');
      if (!/^[a-z]{1,16}$/.test(l)) throw new ServiceError('ValueError', `a log level is a short lower-case word (debug, verbose, info, warn, error), not '${l.slice(0, 40)}'`);
      n.log.write(l, t === 'default' ? str(msg, 'a log message') : `[${t}] ${str(msg, 'a log message')}`);
      return null;
    },
  },
  'log.tail': { role: 'read', f: (n, _t, [count]) => n.log.tail(Math.min(Math.max(int(count ?? 100, 'a line count'), 0), 10_000)) },

  // what the C++ XLang / CantorAI spellings reach (stdlib/cantor-compat.ts): units of a quantity
  // taken by index, data views (filtered frame queues) and frames pushed into them
  'res.takeIndex': { role: 'submit', f: (n, t, [name], ctx) => takeIndex(n, t, ctx.client, str(name, 'a resource name')) },
  'res.releaseIndex': { role: 'submit', f: (n, t, [name, index], ctx) => releaseIndex(n, t, ctx.client, str(name, 'a resource name'), int(index, 'a resource index')) },
  'dv.create': { role: 'submit', f: (n, t, [filter]) => dataViewCreate(n, t, filter) },
  'dv.remove': { role: 'submit', f: (n, t, [id]) => dataViewRemove(n, t, str(id, 'a data view id')) },
  'dv.list': { role: 'read', f: (n, t) => dataViews(n, t) },
  'frame.push': { role: 'submit', f: (n, t, [header, frame, priority]) => framePush(n, t, header, bytes(frame, 'a frame'), priority) },
  'frame.pop': { role: 'submit', f: (n, t, [id]) => framePop(n, t, str(id, 'a data view id')) },
};

const RANK: Record<Role, number> = { read: 0, submit: 1, admin: 2 };

export function allowed(roles: readonly Role[], need: Role): boolean {
  return roles.some(r => RANK[r] >= RANK[need]);
}

/**
 * Runs one service call for `ctx`. Unknown methods, missing roles, bad arguments and store
 * errors are ServiceErrors naming the Python exception to raise.
 */
export function callService(node: LocalNode, method: string, args: unknown, ctx: CallContext): unknown {
  const m = Object.prototype.hasOwnProperty.call(METHODS, method) ? METHODS[method]! : null;
  if (!m) throw new ServiceError('ValueError', `unknown Cantor method '${String(method).slice(0, 80)}'`);
  if (!allowed(ctx.roles, m.role)) throw new ServiceError('PermissionError', `'${method}' needs the ${m.role} role; this token has ${ctx.roles.join(', ') || 'none'}`);
  if (!Array.isArray(args)) throw new ServiceError('TypeError', `'${method}' takes a list of arguments`);
  try {
    return m.f(node, ctx.tenant, args, ctx);
  } catch (e) {
    if (e instanceof StoreError) throw new ServiceError(e.kind, e.message);
    if (e instanceof MetricsError) throw new ServiceError('ValueError', e.message);
    if (e instanceof ServiceError) throw e;
    node.log.write('error', `${method} failed: ${(e as Error).stack ?? e}`);
    throw new ServiceError('RuntimeError', `${method} failed on node ${node.nodeId}: ${(e as Error).message}`);
  }
}

// --- units of a quantity taken by index (TakeFirstAvaibleResourceIndex) ---------------------
//
// The ledger of the isolate that serves the call hands the unit out and counts it as reserved.
// Several isolates and processes may serve one node (the embedded node: the script, its tasks,
// other scripts on the same data directory), so the claims are also kept in the store (one
// transaction decides), each with the process and thread that took it; a claim whose process
// has exited is free again. On a node serving clients, a claim also names the client (its peer
// id) and ends when that client has gone (killed, or its connection lost for good: the daemon
// decides, LocalNode.clientAlive). Claims belong to the node (the hardware), released by the
// tenant, and the client, that took them.

interface Claim { pid: number; thread: number; tenant: string; client?: string }
const CLAIMS = 'unit-claims';

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

function readClaims(n: LocalNode): Record<string, Record<string, Claim>> {
  try {
    const v = JSON.parse(n.store.meta(CLAIMS) ?? '{}');
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

/** The live claims on units of `name` (index -> claim), dropping those of exited processes. */
function liveClaims(n: LocalNode, name: string, all = readClaims(n)): Record<string, Claim> {
  const out: Record<string, Claim> = {};
  for (const [i, c] of Object.entries(all[name] ?? {})) {
    if (!c || typeof c.pid !== 'number' || !alive(c.pid)) continue;
    // the process that serves the client knows whether it is still there; others keep its claims
    if (typeof c.client === 'string' && c.pid === process.pid && n.clientAlive && !n.clientAlive(c.client)) continue;
    out[i] = c;
  }
  return out;
}

/** Units this isolate's ledger holds although the store no longer lists them for it go back. */
function syncLedger(n: LocalNode, name: string, claims: Record<string, Claim>): void {
  for (const i of n.ledger.heldUnits(name)) {
    const c = claims[i];
    if (!c || c.pid !== process.pid || c.thread !== threadId) n.ledger.releaseUnit(name, i);
  }
}

function takeIndex(n: LocalNode, t: string, client: string | undefined, name: string): number {
  return n.store.batch(() => {
    const all = readClaims(n);
    const claims = liveClaims(n, name, all);
    syncLedger(n, name, claims);
    const mine = new Set(n.ledger.heldUnits(name));
    const busy = new Set(Object.keys(claims).map(Number).filter(i => !mine.has(i)));
    let index: number;
    try { index = n.ledger.takeUnit(name, busy); } catch (e) {
      if (e instanceof ResourceSpecError) throw new ServiceError('ValueError', e.message);
      throw e;
    }
    if (index >= 0) claims[index] = client === undefined ? { pid: process.pid, thread: threadId, tenant: t } : { pid: process.pid, thread: threadId, tenant: t, client };
    all[name] = claims;
    n.store.setMeta(CLAIMS, JSON.stringify(all));
    return index;
  });
}

/**
 * True when the unit was taken in this process for tenant `t` (and, on a node serving clients,
 * by the same client) and is free now.
 */
function releaseIndex(n: LocalNode, t: string, client: string | undefined, name: string, index: number): boolean {
  return n.store.batch(() => {
    const all = readClaims(n);
    const claims = liveClaims(n, name, all);
    const c = claims[index];
    if (!c || c.tenant !== t || c.pid !== process.pid || c.client !== client) return false;
    delete claims[index];
    all[name] = claims;
    n.store.setMeta(CLAIMS, JSON.stringify(all));
    if (c.pid === process.pid && c.thread === threadId) n.ledger.releaseUnit(name, index);
    return true;
  });
}

// --- data views and frames (cantor.Host().PushFrame / PopFrame) -----------------------------
//
// A data view is a durable frame queue with a filter (a requirement expression over the frame's
// header fields: `type == 100 && format2 > 100`); each view keeps one store queue per priority
// (0 first). A pushed frame goes, in one transaction, to every view of the tenant whose filter
// it matches. Frames arrive serialized; the node reads only the header it is given.

const MAX_VIEWS = 1000;
const MAX_HEADER = 64;
const viewKey = (t: string) => `dataviews/${t}`;
const viewQueue = (id: string, p: number) => `dataview/${id}/${p}`;
const parsedFilters = new Map<string, ReturnType<typeof parseRequirement>>();

function dataViews(n: LocalNode, t: string): Record<string, string> {
  try {
    const v = JSON.parse(n.store.meta(viewKey(t)) ?? '{}');
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

function filterOf(text: string): ReturnType<typeof parseRequirement> {
  let e = parsedFilters.get(text);
  if (!e) {
    e = parseRequirement(text);
    if (parsedFilters.size >= 4 * MAX_VIEWS) parsedFilters.clear();
    parsedFilters.set(text, e);
  }
  return e;
}

function dataViewCreate(n: LocalNode, t: string, filter: unknown): string {
  const text = filter == null ? '' : str(filter, 'a data view filter').trim();
  if (text.length > 4096) throw new ServiceError('ValueError', 'a data view filter has at most 4096 characters');
  // a malformed filter is a ValueError now, not at the first push
  if (text !== '') {
    try { filterOf(text); } catch (e) {
      if (e instanceof ResourceExprError) throw new ServiceError('ValueError', `invalid data view filter: ${e.message}`);
      throw e;
    }
  }
  return n.store.batch(() => {
    const views = dataViews(n, t);
    if (Object.keys(views).length >= MAX_VIEWS) throw new ServiceError('ValueError', `a tenant has at most ${MAX_VIEWS} data views: remove some with RemoveDataView`);
    const id = randomUUID();
    views[id] = text;
    for (let p = 0; p < 3; p++) n.store.queueCreate(t, viewQueue(id, p));
    n.store.setMeta(viewKey(t), JSON.stringify(views));
    return id;
  });
}

function dataViewRemove(n: LocalNode, t: string, id: string): boolean {
  return n.store.batch(() => {
    const views = dataViews(n, t);
    if (!Object.prototype.hasOwnProperty.call(views, id)) return false;
    delete views[id];
    for (let p = 0; p < 3; p++) n.store.queueDelete(t, viewQueue(id, p));
    n.store.setMeta(viewKey(t), JSON.stringify(views));
    return true;
  });
}

/** Delivers a frame to every matching view; returns how many took it. */
function framePush(n: LocalNode, t: string, header: unknown, frame: Uint8Array, priority: unknown): number {
  const p = int(priority, 'a frame priority');
  if (p < 0 || p > 2) throw new ServiceError('ValueError', `a frame priority is 0, 1 or 2 (0 first), not ${p}`);
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new ServiceError('TypeError', 'a frame header is a map of field -> value');
  const entries = Object.entries(header as Record<string, unknown>);
  if (entries.length > MAX_HEADER) throw new ServiceError('ValueError', `a frame header has at most ${MAX_HEADER} fields`);
  const attributes: Record<string, number | string | boolean> = {};
  for (const [k, v] of entries) {
    if (!(typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length <= 4096))) throw new ServiceError('TypeError', `frame header field '${k.slice(0, 40)}' must be a number, a bool or a short str`);
    attributes[k] = v;
  }
  const dst = attributes.dstAddr;
  if (typeof dst === 'string' && dst !== '' && dst !== n.nodeId) {
    throw new ServiceError('ConnectionError', `the frame is for node ${dst.slice(0, 80)}, and node ${n.nodeId} is not connected to other nodes`);
  }
  const fields = { quantities: {}, attributes };
  return n.store.batch(() => {
    let delivered = 0;
    for (const [id, text] of Object.entries(dataViews(n, t))) {
      if (text !== '' && !satisfies(filterOf(text), fields)) continue;
      n.store.queuePush(t, viewQueue(id, p), frame);
      delivered++;
    }
    return delivered;
  });
}

/** The view's next frame, highest priority first; null when it has none. KeyError for an unknown view. */
function framePop(n: LocalNode, t: string, id: string): Uint8Array | null {
  return n.store.batch(() => {
    if (!Object.prototype.hasOwnProperty.call(dataViews(n, t), id)) throw new ServiceError('KeyError', `no data view '${id.slice(0, 80)}' (CreateDataView makes one)`);
    for (let p = 0; p < 3; p++) {
      const b = n.store.queuePop(t, viewQueue(id, p));
      if (b) return b;
    }
    return null;
  });
}
