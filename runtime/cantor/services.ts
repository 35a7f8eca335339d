// The node's services as one table of methods: what a script's `cantor` calls reach, whether
// the script runs beside the node (a direct call) or elsewhere (the same call over the
// network, net.ts). Values are serialized bytes here; keys and names are strings. Every call
// runs for a tenant and needs a role: read (lookups), submit (writes), admin (the node itself).
//
// Calls never block: a pop on an empty queue answers undefined, and the caller decides how to
// wait (a script sleeps and retries; the daemon waits asynchronously).
import type { LocalNode } from './node.js';
import { StoreError } from './store.js';
import { parseRequirement, satisfies, explainUnmet, ResourceExprError } from './expr.js';
import { MetricsError } from './metrics.js';

/** Longest one blocking pop (`q.popWait`, served by a daemon) waits before answering "nothing yet". */
export const MAX_POP_WAIT_MS = 20_000;

export type Role = 'read' | 'submit' | 'admin';

export interface CallContext { tenant: string; roles: readonly Role[] }

/** An error a caller should see as the Python exception `type` (KeyError, ValueError...). */
export class ServiceError extends Error {
  constructor(readonly type: string, message: string) { super(message); }
}

type Method = { role: Role; f: (node: LocalNode, t: string, a: any[]) => unknown };

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

  'q.create': { role: 'submit', f: (n, t, [name, max]) => { n.store.queueCreate(t, str(name, 'a queue name'), int(max ?? 0, 'max_size')); return null; } },
  'q.push': { role: 'submit', f: (n, t, [name, v]) => n.store.queuePush(t, str(name, 'a queue name'), bytes(v)) },
  'q.pop': { role: 'submit', f: (n, t, [name]) => n.store.queuePop(t, str(name, 'a queue name')) ?? null },
  'q.size': { role: 'read', f: (n, t, [name]) => n.store.queueSize(t, str(name, 'a queue name')) },
  'q.delete': { role: 'submit', f: (n, t, [name]) => n.store.queueDelete(t, str(name, 'a queue name')) },
  'q.names': { role: 'read', f: (n, t) => n.store.queueNames(t) },

  'g.get': { role: 'read', f: (n, t, [name]) => n.store.globalGet(t, str(name, 'a global name')) ?? null },
  'g.set': { role: 'submit', f: (n, t, [name, v]) => n.store.globalSet(t, str(name, 'a global name'), bytes(v)) },
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
    return m.f(node, ctx.tenant, args);
  } catch (e) {
    if (e instanceof StoreError) throw new ServiceError(e.kind, e.message);
    if (e instanceof MetricsError) throw new ServiceError('ValueError', e.message);
    if (e instanceof ServiceError) throw e;
    node.log.write('error', `${method} failed: ${(e as Error).stack ?? e}`);
    throw new ServiceError('RuntimeError', `${method} failed on node ${node.nodeId}: ${(e as Error).message}`);
  }
}
