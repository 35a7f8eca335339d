// The cantor module: XLang's door to the Cantor runtime. Every operation is one call of the
// node's service table (runtime/cantor/services.ts) through a *binding*: the local node opened
// on first use in the data directory, or, under `--connect` (XLANG_CONNECT), a node reached
// over the network (runtime/cantor/client.ts). Switching is a change of binding only.
//
// Spellings: Python-style names (kv.get, Queue.pop...) plus the C++ XLang / CantorAI ones
// where those examples name an API (cantor.KV() with Set/Get/Delete, logV).
import type { StdlibContext } from './context.js';
import { raiseError } from '../runtime/core/exceptions.js';
import { makeClass, nativeMethod, kwMap, invoke, KwArgs, typeOf, getattr, callKw } from '../runtime/core/objects.js';
import * as objects from '../runtime/core/objects.js';
import { PyDict } from '../runtime/core/containers.js';
import { toArray } from '../runtime/core/ops.js';
import { getCoreHost } from '../runtime/core/builtins.js';
import { repr, str } from '../runtime/core/repr.js';
import { LocalNode, defaultDataDir } from '../runtime/cantor/node.js';
import { ConfigError } from '../runtime/cantor/identity.js';
import { StoreError } from '../runtime/cantor/store.js';
import { callService, ServiceError, MAX_POP_WAIT_MS, MAX_PIECE, readObject } from '../runtime/cantor/services.js';
import { parseRequirement, satisfies, ResourceExprError } from '../runtime/cantor/expr.js';
import { isMainThread } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { toNumber, mkfloat } from '../runtime/core/numbers.js';
import { serializerModule, localTasks, hostBindings, ModuleObject } from '../runtime/hosts/main.js';
import { compatMembers } from './cantor-compat.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const require = createRequire(import.meta.url);
let node: LocalNode | null = null;

/** The local node, opened on first use (so scripts that never touch cantor create nothing). */
function local(): LocalNode {
  if (node) return node;
  try {
    node = new LocalNode(defaultDataDir());
  } catch (e) {
    if (e instanceof ConfigError || e instanceof StoreError) raiseError('OSError', e.message);
    throw e;
  }
  return node;
}

/** Python exceptions a node may name in an error; anything else arrives as RuntimeError. */
const KNOWN = new Set(['KeyError', 'ValueError', 'TypeError', 'PermissionError', 'ConnectionError', 'TimeoutError', 'OSError', 'RuntimeError', 'IndexError']);

/** The client of the node named by XLANG_CONNECT (`--connect`), or null when bound to the local node. */
function remoteClient(): import('../runtime/cantor/client.js').SyncClient | null {
  if (!process.env.XLANG_CONNECT) return null;
  const { connectedClient } = require('../runtime/cantor/client.js') as typeof import('../runtime/cantor/client.js');
  try {
    return connectedClient();
  } catch (e) {
    return raiseError('ConnectionError', (e as Error).message);
  }
}


/** The host's output flush: what the script printed is written before it waits on a remote node. */
let flushOutput: () => void = () => {};

type SyncClient = import('../runtime/cantor/client.js').SyncClient;

/**
 * Where one cantor module's calls go. The module `import cantor` gives follows the process's
 * binding (the node whose worker runs this task, the --connect node, or the local node);
 * `import cantor thru 'addr'` gives a module fixed to the node at addr.
 */
interface Binding { fixed: SyncClient | null }

/** Whether the binding's calls leave this isolate (else they are served by the local node here). */
const remoteBinding = (b: Binding): boolean => !!(b.fixed || hostBindings.cantor || process.env.XLANG_CONNECT);

/** One service call through a binding; errors become the Python exceptions they name. */
function callVia(b: Binding, method: string, args: unknown[], timeoutMs?: number): any {
  if (remoteBinding(b)) flushOutput();
  const r = b.fixed ? b.fixed.call(method, args, timeoutMs) : hostBindings.cantor ? hostBindings.cantor(method, args, timeoutMs) : remoteClient()?.call(method, args, timeoutMs);
  if (r) {
    if (r.ok) return r.value;
    raiseError(KNOWN.has(r.type) ? r.type : 'RuntimeError', r.message);
  }
  const n = local();
  try {
    return callService(n, method, args, { tenant: 'default', roles: ['admin'] });
  } catch (e) {
    if (e instanceof ServiceError) raiseError(e.type, e.message);
    throw e;
  }
}

const enc = (v: unknown): Uint8Array => serializerModule().encode(v, 'store').bytes;
const dec = (b: Uint8Array): unknown => serializerModule().decode(b, 'load');

function strArg(v: unknown, what: string): string {
  if (typeof v !== 'string') raiseError('TypeError', `${what} must be a str, not ${typeOf(v).pyName}`);
  return v;
}

function msArg(v: unknown, what: string): number {
  if (v === null || v === undefined) return -1;
  if (typeof v !== 'number' || Number.isNaN(v)) raiseError('TypeError', `${what} must be a number of milliseconds`);
  return v;
}

/** Waits (sleeping with back-off) until `f` returns a value or `timeoutMs` passes (-1: forever). */
function waitFor<T>(f: () => T | undefined, timeoutMs: number): T | undefined {
  const host = getCoreHost();
  const end = timeoutMs < 0 ? Infinity : host.now() + timeoutMs;
  let pause = 1;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    const left = end - host.now();
    if (left <= 0) return undefined;
    host.sleep(Math.min(pause, left));
    pause = Math.min(pause * 2, 50);
  }
}

export function create(ctx: StdlibContext, binding: Binding = { fixed: null }): Record<string, unknown> {
  flushOutput = () => ctx.host.flush();
  const call = (method: string, args: unknown[], timeoutMs?: number): any => callVia(binding, method, args, timeoutMs);
  const bound = (): boolean => remoteBinding(binding);
  const clientOf = (): SyncClient | null => binding.fixed ?? remoteClient();
  if (!binding.fixed) installThru(ctx);
  const cls = (name: string) => makeClass(name, [], null, { module: 'cantor' }) as any;

  // --- kv ---------------------------------------------------------------------------------
  const KV = cls('KV');
  const kvGet = function (this: any, ...args: unknown[]) {
    const { pos, kw } = kwMap(args);
    const key = strArg(pos[0], 'a kv key');
    const b = call('kv.get', [key]);
    return b === null ? (pos[1] ?? kw.get('default') ?? null) : dec(b);
  };
  (kvGet as any).kw = true;
  const kvSet = function (this: any, k: unknown, v: unknown) { const key = strArg(k, 'a kv key'); call('kv.set', [key, enc(v)]); return null; };
  const kvDelete = function (this: any, k: unknown) { const key = strArg(k, 'a kv key'); return call('kv.delete', [key]); };
  const kvKeys = function (this: any, prefix?: unknown) { const p = prefix === undefined || prefix === null ? '' : strArg(prefix, 'a key prefix'); return call('kv.keys', [p]); };
  const kvHas = function (this: any, k: unknown) { const key = strArg(k, 'a kv key'); return call('kv.has', [key]); };
  const kvSetMany = function (this: any, d: unknown) {
    if (!(d instanceof PyDict)) raiseError('TypeError', 'set_many() takes a dict of key -> value');
    const rows = [...d.table.entries()].map(([k, v]) => [strArg(k, 'a kv key'), enc(v)] as const);
    call('kv.setMany', [rows]);
    return null;
  };
  for (const [name, f] of Object.entries({ get: kvGet, set: kvSet, delete: kvDelete, keys: kvKeys, has: kvHas, set_many: kvSetMany })) {
    nativeMethod(KV.prototype, name, f);
  }
  // the C++ XLang / CantorAI spellings
  for (const [name, f] of Object.entries({ Get: kvGet, Set: kvSet, Delete: kvDelete, Keys: kvKeys })) nativeMethod(KV.prototype, name, f);
  nativeMethod(KV.prototype, '__repr__', () => '<cantor.KV>');

  // --- objects ----------------------------------------------------------------------------
  const Objects = cls('Objects');
  // values larger than one piece travel in pieces: staged, then committed; read back by range
  // (a value for the local node goes whole: the store keeps it in rows of a piece each anyway)
  const whole = (b: Uint8Array): boolean => b.length <= MAX_PIECE || !bound();
  const stage = (b: Uint8Array): string => {
    const sid = `${origin}-${Math.random().toString(36).slice(2, 12)}`;
    for (let i = 0, k = 0; i < b.length; i += MAX_PIECE, k++) call('obj.stage', [sid, k, b.subarray(i, i + MAX_PIECE)]);
    return sid;
  };
  nativeMethod(Objects.prototype, 'put', (v: unknown) => {
    const b = enc(v);
    return whole(b) ? call('obj.put', [b]) : call('obj.commit', [stage(b), null]);
  });
  nativeMethod(Objects.prototype, 'get', (id: unknown) => {
    const oid = strArg(id, 'an object id');
    let b: Uint8Array | null;
    try { b = readObject(oid, at => call('obj.read', [oid, at, MAX_PIECE])); } catch (e) {
      if (e instanceof ServiceError) raiseError(e.type, e.message);
      throw e;
    }
    if (b === null) raiseError('KeyError', `no object ${oid}`);
    return dec(b);
  });
  nativeMethod(Objects.prototype, 'update', (id: unknown, v: unknown) => {
    const oid = strArg(id, 'an object id');
    const b = enc(v);
    if (!(whole(b) ? call('obj.update', [oid, b]) : call('obj.commit', [stage(b), oid]))) raiseError('KeyError', `no object ${oid}`);
    return null;
  });
  nativeMethod(Objects.prototype, 'delete', (id: unknown) => call('obj.delete', [strArg(id, 'an object id')]));

  // --- queues -----------------------------------------------------------------------------
  const subscribers = new Map<string, unknown[]>();
  const Queue = cls('Queue');
  const qname = (q: any): string => q.__qname;
  (Queue as any).nativeNew = (_c: unknown, args: unknown[]) => {
    const { pos, kw } = kwMap(args);
    const name = strArg(pos[0], 'a queue name');
    const max = pos[1] ?? kw.get('max_size') ?? 0;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 0) raiseError('ValueError', `max_size must be a whole number >= 0, not ${repr(max)}`);
    call('q.create', [name, max]);
    const q = new (Queue as any).Inst();
    Object.defineProperty(q, '__qname', { value: name });
    return q;
  };
  (Queue as any).refreshFast?.();
  const push = function (this: any, ...args: unknown[]) {
    const { pos, kw } = kwMap(args);
    const name = qname(this);
    const b = enc(pos[0]);
    const timeout = msArg(pos[1] ?? kw.get('timeout_ms') ?? 0, 'timeout_ms');
    const ok = waitFor(() => (call('q.push', [name, b, origin]) ? true : undefined), timeout);
    if (!ok) raiseError('TimeoutError', `queue '${name}' is full`);
    for (const fn of subscribers.get(name) ?? []) invoke(fn, undefined, [pos[0]]);
    return null;
  };
  (push as any).kw = true;
  const pop = function (this: any, ...args: unknown[]) {
    const { pos, kw } = kwMap(args);
    const name = qname(this);
    const timeout = msArg(pos[0] ?? kw.get('timeout_ms') ?? null, 'timeout_ms');
    // a connected node waits on our behalf (no polling over the network), in slices it bounds
    const b = bound()
      ? waitFor(() => call('q.popWait', [name, timeout < 0 ? MAX_POP_WAIT_MS : Math.max(0, timeout)], MAX_POP_WAIT_MS + 5000) ?? undefined, timeout)
      : waitFor(() => call('q.pop', [name]) ?? undefined, timeout);
    if (b === undefined) raiseError('TimeoutError', `queue '${name}' stayed empty for ${timeout} ms`);
    return dec(b);
  };
  (pop as any).kw = true;
  nativeMethod(Queue.prototype, 'push', push);
  nativeMethod(Queue.prototype, 'pop', pop);
  nativeMethod(Queue.prototype, 'size', function (this: any) { return call('q.size', [qname(this)]); });
  nativeMethod(Queue.prototype, '__len__', function (this: any) { return call('q.size', [qname(this)]); });
  nativeMethod(Queue.prototype, 'delete', function (this: any) { const name = qname(this); subscribers.delete(name); return call('q.delete', [name]); });
  nativeMethod(Queue.prototype, 'subscribe', function (this: any, fn: unknown) {
    if (!(typeof fn === 'function' || (fn !== null && typeof fn === 'object' && typeof (fn as any).$__call__ === 'function'))) raiseError('TypeError', 'subscribe() takes a function of one argument (the pushed value)');
    const name = qname(this);
    events.start();
    subscribers.set(name, [...(subscribers.get(name) ?? []), fn]);
    return null;
  });
  nativeMethod(Queue.prototype, '__repr__', function (this: any) { return `<cantor.Queue '${qname(this)}'>`; });

  // --- globals ----------------------------------------------------------------------------
  const Globals = cls('Globals');
  const watchers = new Map<string, unknown[]>();
  const gGet = function (this: any, ...args: unknown[]) {
    const { pos, kw } = kwMap(args);
    const name = strArg(pos[0], 'a global name');
    const g = call('g.get', [name]);
    return g === null ? (pos[1] ?? kw.get('default') ?? null) : dec(g.value);
  };
  (gGet as any).kw = true;
  nativeMethod(Globals.prototype, 'get', gGet);
  nativeMethod(Globals.prototype, 'set', (name: unknown, v: unknown) => {
    const key = strArg(name, 'a global name');
    const b = enc(v);
    call('g.set', [key, b, origin]);
    for (const fn of watchers.get(key) ?? []) invoke(fn, undefined, [key, v]);
    return null;
  });
  nativeMethod(Globals.prototype, 'version', (name: unknown) => { const key = strArg(name, 'a global name'); return call('g.get', [key])?.version ?? 0; });
  nativeMethod(Globals.prototype, 'delete', (name: unknown) => { const key = strArg(name, 'a global name'); return call('g.delete', [key]); });
  nativeMethod(Globals.prototype, 'names', () => call('g.names', []));
  nativeMethod(Globals.prototype, 'subscribe', (name: unknown, fn: unknown) => {
    const key = strArg(name, 'a global name');
    if (!(typeof fn === 'function' || (fn !== null && typeof fn === 'object' && typeof (fn as any).$__call__ === 'function'))) raiseError('TypeError', 'subscribe() takes a function of two arguments (name, value)');
    events.start();
    watchers.set(key, [...(watchers.get(key) ?? []), fn]);
    return null;
  });

  // --- subscription events from other processes -------------------------------------------
  // A subscriber's own pushes and sets call it at once (above). Those of other scripts, tasks
  // and clients are read from the node's event log (a cursor per module) and delivered when
  // this script waits: in sleep(), and in cantor.dispatch_events().
  const origin = Math.random().toString(36).slice(2, 14);
  const events = {
    cursor: -1,
    delivering: false,
    /** Callbacks run so far. */
    total: 0,
    start(): void {
      if (events.cursor >= 0) return;
      events.cursor = call('ev.head', []);
      const host = getCoreHost();
      const plain = host.sleep.bind(host);
      // sleeping delivers events as they arrive (looked for every 50 ms)
      host.sleep = (ms: number) => {
        const end = host.now() + ms;
        for (;;) {
          events.deliver();
          const left = end - host.now();
          if (left <= 0) return;
          plain(Math.min(left, 50));
        }
      };
    },
    /** Runs the callbacks of events that arrived since the last look; how many ran. */
    deliver(): number {
      if (events.cursor < 0 || events.delivering) return 0;
      events.delivering = true;
      let ran = 0;
      try {
        for (;;) {
          const rows = call('ev.since', [events.cursor, 1000]) as Array<{ seq: number; kind: string; name: string; value: Uint8Array; origin: string }>;
          for (const r of rows) {
            events.cursor = r.seq;
            if (r.origin === origin) continue;
            const fns = (r.kind === 'q' ? subscribers : watchers).get(r.name);
            if (!fns?.length) continue;
            const v = dec(r.value);
            for (const fn of fns) { ran++; events.total++; invoke(fn, undefined, r.kind === 'q' ? [v] : [r.name, v]); }
          }
          if (rows.length < 1000) return ran;
        }
      } finally {
        events.delivering = false;
      }
    },
  };
  /** cantor.dispatch_events(timeout_ms=0): delivers waiting subscription events; waits up to timeout_ms for one. */
  const dispatchEvents = (...args: unknown[]) => {
    const { pos, kw } = kwMap(args);
    const timeout = pos[0] ?? kw.get('timeout_ms');
    const ms = timeout === undefined || timeout === null ? 0 : msArg(timeout, 'timeout_ms');
    if (events.cursor < 0) return 0;
    const before = events.total;
    waitFor(() => { events.deliver(); return events.total > before ? true : undefined; }, ms);
    return events.total - before;
  };
  (dispatchEvents as any).kw = true;

  // --- node, resources, logs --------------------------------------------------------------
  const requirement = (text: unknown) => {
    try { return parseRequirement(strArg(text, 'a resource expression')); } catch (e) {
      if (e instanceof ResourceExprError) raiseError('ValueError', e.message);
      throw e;
    }
  };
  const toPy = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(toPy);
    if (typeof v === 'number' && !Number.isInteger(v)) return v;
    if (v !== null && typeof v === 'object') return PyDict.fromEntries(Object.entries(v).map(([k, x]) => [k, toPy(x)]));
    return v;
  };

  // --- metrics ----------------------------------------------------------------------------
  /** A metric's labels: a dict of str -> str/int/bool, or None. */
  const labelsArg = (v: unknown): Record<string, unknown> | undefined => {
    if (v === undefined || v === null) return undefined;
    if (!(v instanceof PyDict)) raiseError('TypeError', `labels must be a dict, not ${typeOf(v).pyName}`);
    const out: Record<string, unknown> = {};
    for (const [k, x] of v.table.entries()) out[strArg(k, 'a label name')] = typeof x === 'bigint' ? String(x) : x;
    return out;
  };
  const numArg = (v: unknown, what: string): number => {
    const n = toNumber(v);
    if (typeof v === 'boolean' || Number.isNaN(n)) raiseError('TypeError', `${what} must be an int or a float, not ${typeOf(v).pyName}`);
    return n;
  };
  const metricCall = (method: string, fixed: string[]) => {
    const f = (...args: unknown[]) => {
      const { pos, kw } = kwMap(args);
      const get = (i: number, k: string) => (pos.length > i ? pos[i] : kw.get(k));
      const name = strArg(get(0, 'name'), 'a metric name');
      const value = get(1, fixed[0]!);
      const rest = fixed.slice(1).map((k, i) => get(i + 2, k));
      const labels = labelsArg(rest[0]);
      const num = value === undefined ? (method === 'metrics.inc' ? 1 : raiseError('TypeError', `${method.slice(8)}() needs a ${fixed[0]}`)) : numArg(value, `the ${fixed[0]}`);
      if (method === 'metrics.observe') {
        const b = rest[1];
        const buckets = b === undefined || b === null ? null : [...(toArray(b) as unknown[])].map(x => numArg(x, 'a bucket bound'));
        return mkfloatOrInt(call(method, [name, num, labels, buckets, rest[2] ?? null]));
      }
      return mkfloatOrInt(call(method, [name, num, labels, rest[1] ?? null]));
    };
    (f as any).kw = true;
    return f;
  };
  const mkfloatOrInt = (v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? mkfloat(v) : v);
  const Metrics = cls('Metrics');
  const inc = metricCall('metrics.inc', ['amount', 'labels', 'help']);
  nativeMethod(Metrics.prototype, 'inc', inc);
  nativeMethod(Metrics.prototype, 'set', metricCall('metrics.set', ['value', 'labels', 'help']));
  nativeMethod(Metrics.prototype, 'add', metricCall('metrics.add', ['delta', 'labels', 'help']));
  nativeMethod(Metrics.prototype, 'observe', metricCall('metrics.observe', ['value', 'labels', 'buckets', 'help']));
  nativeMethod(Metrics.prototype, 'get', (name?: unknown) => toPy(call('metrics.read', [name === undefined || name === null ? null : strArg(name, 'a metric name')])));
  nativeMethod(Metrics.prototype, 'text', () => call('metrics.text', []));
  const metrics = new (Metrics as any).Inst();
  const log = (level: string, parts: unknown[]) => call('log.write', [level, parts.map(p => str(p)).join(' ')]);

  /**
   * cantor.pool(resources="GPU >= 1", priority=1, retries=3, max_task_num=..., timeout_ms=...):
   * a task pool whose tasks run only while the node's free quantities satisfy the requirement
   * (each running task reserves what the requirement names); failing tasks run again up to
   * `retries` times with back-off; a task running longer than timeout_ms is stopped and fails
   * with TimeoutError. Tasks of a requirement the node can never satisfy fail at once, saying
   * what is missing. Under --connect the tasks run on the connected node.
   */
  const pool = (...args: unknown[]) => {
    if (!isMainThread) raiseError('RuntimeError', 'a task cannot start tasks yet');
    const { pos, kw } = kwMap(args);
    if (pos.length > 0) raiseError('TypeError', 'cantor.pool() takes keyword arguments only (resources=, priority=, retries=, max_task_num=, timeout_ms=)');
    for (const k of kw.keys()) if (!['resources', 'priority', 'retries', 'max_task_num', 'timeout_ms'].includes(k)) raiseError('TypeError', `cantor.pool() got an unexpected keyword argument '${k}'`);
    const text = kw.has('resources') && kw.get('resources') !== null ? strArg(kw.get('resources'), 'resources') : 'cpu >= 1';
    const retries = kw.get('retries') ?? 0;
    if (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 0 || retries > 100) raiseError('ValueError', `retries must be a whole number from 0 to 100, not ${repr(retries)}`);
    const t = kw.get('timeout_ms') ?? null;
    const timeoutMs = t === null ? 0 : typeof t === 'number' && Number.isInteger(t) && t > 0 && t <= 2 ** 31 - 1 ? t : raiseError('ValueError', `timeout_ms must be a whole number of milliseconds > 0, not ${repr(t)}`);
    const expr = requirement(text);
    const names: string[] = [], values: unknown[] = [];
    for (const k of ['priority', 'max_task_num']) if (kw.has(k)) { names.push(k); values.push(kw.get(k)); }
    const poolArgs = names.length ? [new KwArgs(names, values)] : [];
    const client = clientOf();
    if (client) {
      // the connected node admits each task against its own ledger; ask it now whether it ever can
      const unmet = call('res.unmet', [text]) as string[];
      const priority = kw.get('priority') ?? 1;
      return localTasks().pool(poolArgs, { resources: text, demand: {}, capacity: {}, retries, unmet: unmet.length ? unmet : null, timeoutMs },
        client.tasks({ resources: text, priority: typeof priority === 'number' ? priority : 1, retries, timeoutMs }));
    }
    const ledger = local().ledger;
    const ever = ledger.canEverSatisfy(expr);
    const demand: Record<string, number> = {};
    satisfies(expr, ledger.resources(false), demand);
    return localTasks().pool(poolArgs, {
      resources: text, demand, capacity: { ...ledger.quantities }, retries, unmet: ever.ok ? null : ever.unmet, timeoutMs,
    });
  };
  (pool as any).kw = true;

  const kvDefault = new (KV as any).Inst();
  return {
    KV, Queue, pool,
    kv: kvDefault,
    objects: new (Objects as any).Inst(),
    globals: new (Globals as any).Inst(),
    node_id: () => call('node.id', []),
    data_dir: () => (bound() ? null : local().dataDir),
    resources: () => toPy(call('node.resources', [])),
    /** Whether the node's free resources satisfy a requirement such as "GPU >= 1 && zone == 'edge'". */
    satisfies: (text: unknown) => call('res.satisfies', [strArg(text, 'a resource expression')]),
    /** Why the node's capacity cannot satisfy a requirement (an empty list when it can). */
    unmet: (text: unknown) => call('res.unmet', [strArg(text, 'a resource expression')]),
    queues: () => call('q.names', []),
    log: (level: unknown, ...parts: unknown[]) => log(strArg(level, 'a log level'), parts),
    logV: (...parts: unknown[]) => log('verbose', parts),
    metrics,
    /** The C++ XLang spelling: one hit of a named counter. */
    CantorStatHit: (name: unknown, amount?: unknown) => inc(name, amount ?? 1),
    dispatch_events: dispatchEvents,
    ...compatMembers({ call, strArg, enc, dec, waitFor }),
    /** What `import m thru 'addr'` runs on the node: m.attr(*args, **kwargs), m imported there. */
    _thru_call: Object.assign((...args: unknown[]) => {
      const { pos, kw } = kwMap(args);
      const [modName, attr, ...rest] = pos;
      const m = ctx.host.importModule(strArg(modName, 'a module name'), process.cwd(), '__main__');
      const f = getattr(m, strArg(attr, 'a member name'));
      return callKw(f, rest, [...kw.keys()], [...kw.values()]);
    }, { kw: true }),
    /** Reads m.attr on the node: its value, or a marker when it is callable (called there, not here). */
    _thru_get: (modName: unknown, attr: unknown) => {
      const m = ctx.host.importModule(strArg(modName, 'a module name'), process.cwd(), '__main__');
      const v = getattr(m, strArg(attr, 'a member name'));
      return typeof v === 'function' || (v !== null && typeof v === 'object' && typeof (v as any).$__call__ === 'function') ? THRU_CALLABLE : v;
    },
  };
}

/** What _thru_get answers for a member that is called on the node rather than sent back. */
const THRU_CALLABLE = '<callable: runs on the node>';

let thruInstalled = false;

/**
 * `import m thru 'addr'` (hosts/main.ts asks through hostBindings.thru): `cantor` gives a cantor
 * module bound to that node; any other module is a proxy whose functions run there as tasks
 * (the node imports m from the code shipped with the first call, running its top level there,
 * once per worker) and whose other members are read from there.
 */
function installThru(ctx: StdlibContext): void {
  if (thruInstalled) return;
  thruInstalled = true;
  hostBindings.thru = (name: string, addr: unknown, fromFile: string | null) => {
    if (typeof addr !== 'string' || !addr) raiseError('TypeError', `import ${name} thru needs an address string such as '127.0.0.1:7878', not ${repr(addr)}`);
    const { clientFor } = require('../runtime/cantor/client.js') as typeof import('../runtime/cantor/client.js');
    let client: SyncClient;
    try { client = clientFor(addr); } catch (e) { return raiseError('ConnectionError', (e as Error).message); }
    if (name === 'cantor' || name === 'xlang_cantor') {
      const members = create(ctx, { fixed: client });
      const m = new ModuleObject('cantor', null);
      for (const [k, v] of Object.entries(members)) Object.defineProperty(m, '$' + k, { value: v, writable: true, enumerable: true });
      return name === 'cantor' ? m : Object.assign(new ModuleObject('xlang_cantor', null), { $cantor: m });
    }
    return new ThruModule(ctx, name, addr, client, fromFile);
  };
}

/** A module served by a node: attribute reads go there; calls run there as tasks. */
class ThruModule {
  private pool: unknown = null;
  private readonly members = new Map<string, unknown>();
  private shipped = false;
  constructor(private readonly ctx: StdlibContext, readonly name: string, readonly addr: string, private readonly client: SyncClient, private readonly fromFile: string | null) {}

  private run(fn: string, attr: string, args: unknown[]): unknown {
    const tasks = localTasks();
    if (!this.shipped) {
      // the module's code (and that of the user modules it imports) goes with the first task
      for (const id of this.ctx.host.artifactsOf(this.name, this.fromFile)) tasks.alsoShip(id);
      this.shipped = true;
    }
    this.pool ??= tasks.pool([], { resources: 'cpu >= 1', demand: {}, capacity: {}, retries: 0, unmet: null, timeoutMs: 0 },
      this.client.tasks({ resources: 'cpu >= 1', priority: 1, retries: 0, timeoutMs: 0 }));
    const cantorMod = this.ctx.host.importModule('cantor', process.cwd(), '__main__');
    const fut = tasks.submit(getattr(cantorMod, fn), [this.pool, this.name, attr, ...args], `${this.name}.${attr}`);
    return tasks.get(fut, null);
  }

  member(attr: string): unknown {
    const have = this.members.get(attr);
    if (have !== undefined) return have;
    const v = this.run('_thru_get', attr, []);
    if (v !== THRU_CALLABLE) return v; // a value: read again each time (it may change there)
    const f = Object.assign((...args: unknown[]) => this.run('_thru_call', attr, args), { pyName: attr, qualname: `${this.name}.${attr}`, kw: true });
    this.members.set(attr, f);
    return f;
  }
}
objects.attrFallbacks.push((o, name) => (o instanceof ThruModule && !name.startsWith('__') ? o.member(name) : undefined));
objects.builtinType('thru_module', ThruModule.prototype, () => raiseError('TypeError', "modules served by a node come from 'import m thru address'"));
nativeMethod(ThruModule.prototype, '__repr__', function (this: ThruModule) { return `<module '${this.name}' thru '${this.addr}'>`; });
