// The C++ XLang / CantorAI spellings of the cantor module beyond kv, logs and metrics:
// cantor.Host() (generate_uid, PushFrame, PopFrame, data views), cantor.DataFrame(size),
// cantor.Network().Connect(host, port) and cantor.TakeFirstAvaibleResourceIndex("GPU")
// (the C++ name, misspelt; TakeFirstAvailableResourceIndex too) with ReleaseResourceIndex.
//
// What each does here (docs/cantor.md says it for users):
// - a DataFrame is a header of typed fields (type, startTime, sourceId, srcAddr, dstAddr,
//   format1..8, metadata1..4, refId, refIndex, dataSize, dataItemNum, priority) and a payload
//   (data: bytes or any data value). Unknown fields are an AttributeError, wrong types a TypeError.
// - Host().PushFrame(frame, priority=None) delivers the frame durably to every data view of this
//   node whose filter matches its header (Host().CreateDataView("type == 100 && format2 > 100"));
//   PopFrame(view, 0, timeout_ms) takes the next one, priority 0 before 1 before 2.
// - Network().Connect(host, port) binds the script's cantor module to the node there, as
//   `xlang run --connect host:port` does (the C++ version links the local Cantor process to a
//   peer; joining nodes into a cluster does not exist here yet).
// - TakeFirstAvaibleResourceIndex(name) hands out the lowest free unit index of a quantity
//   (0 .. capacity-1) and reserves it on the ledger until ReleaseResourceIndex(name, i), the end
//   of the script, or the exit of the process that took it; -1 when none is free.
//
// Every operation is a method of the node's service table (runtime/cantor/services.ts), so it
// works the same on the embedded node and over --connect.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { raiseError } from '../runtime/core/exceptions.js';
import { makeClass, nativeMethod, kwMap, invoke, typeOf, makeEvent, unproxy, blankInstance } from '../runtime/core/objects.js';
import { PyDict, PyBytes } from '../runtime/core/containers.js';
import { PyFloat } from '../runtime/core/numbers.js';
import { repr } from '../runtime/core/repr.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const require = createRequire(import.meta.url);

/** What stdlib/cantor.ts lends: its service call through the current binding and its helpers. */
export interface CantorHelpers {
  call(method: string, args: unknown[], timeoutMs?: number): any;
  strArg(v: unknown, what: string): string;
  enc(v: unknown): Uint8Array;
  dec(b: Uint8Array): unknown;
  waitFor<T>(f: () => T | undefined, timeoutMs: number): T | undefined;
}

// --- DataFrame fields ---------------------------------------------------------------------------

type Kind = 'int' | 'str' | 'type' | 'meta' | 'priority' | 'any';

/** The fields, in the order repr and to_dict show them, with their kinds. */
const FIELDS: ReadonlyArray<readonly [string, Kind]> = [
  ['type', 'type'], ['priority', 'priority'], ['startTime', 'int'], ['sourceId', 'str'], ['srcAddr', 'str'], ['dstAddr', 'str'],
  ...[1, 2, 3, 4, 5, 6, 7, 8].map(i => [`format${i}`, 'int'] as const),
  ...[1, 2, 3, 4].map(i => [`metadata${i}`, 'meta'] as const),
  ['refId', 'str'], ['refIndex', 'int'], ['dataSize', 'int'], ['dataItemNum', 'int'], ['data', 'any'],
];
const KIND = new Map(FIELDS);
/** The design's names for the same fields (docs: source, destination, priority, type, payload). */
const ALIASES: Record<string, string> = { source: 'srcAddr', destination: 'dstAddr', payload: 'data' };
/** Largest DataFrame(size) buffer. */
const MAX_SIZE = 64 * 1024 * 1024;

const canonical = (name: string): string | undefined => (KIND.has(name) ? name : ALIASES[name]);

function isInt(v: unknown): v is number | bigint {
  return (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint';
}

/** A field value checked against its kind (TypeError / ValueError naming the field). */
function checkField(name: string, kind: Kind, v: unknown): unknown {
  const what = `DataFrame.${name}`;
  const int = (x: unknown): number => {
    if (!isInt(x)) raiseError('TypeError', `${what} must be an int, not ${typeOf(x).pyName}`);
    if (typeof x === 'bigint' || !Number.isSafeInteger(x)) raiseError('ValueError', `${what} must fit in 53 bits, not ${repr(x)}`);
    return x;
  };
  switch (kind) {
    case 'int': {
      const n = int(v);
      if ((name === 'dataSize' || name === 'dataItemNum') && n < 0) raiseError('ValueError', `${what} cannot be negative (${n})`);
      return n;
    }
    case 'str':
      if (typeof v !== 'string') raiseError('TypeError', `${what} must be a str, not ${typeOf(v).pyName}`);
      if (v.length > 4096) raiseError('ValueError', `${what} has at most 4096 characters`);
      return v;
    case 'type':
      if (typeof v === 'string') return checkField(name, 'str', v);
      if (!isInt(v)) raiseError('TypeError', `${what} must be an int or a str, not ${typeOf(v).pyName}`);
      return int(v);
    case 'meta':
      if (typeof v === 'string') return checkField(name, 'str', v);
      if (v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v))) return v;
      if (!isInt(v)) raiseError('TypeError', `${what} must be an int, a float or a str, not ${typeOf(v).pyName}`);
      return int(v);
    case 'priority': {
      const n = isInt(v) ? Number(v) : raiseError('TypeError', `${what} must be 0, 1 or 2, not ${typeOf(v).pyName}`);
      if (n !== 0 && n !== 1 && n !== 2) raiseError('ValueError', `${what} is 0 (first), 1 or 2 (the default), not ${repr(v)}`);
      return n;
    }
    case 'any':
      return v;
  }
}

/** The value a header field has in a filter: numbers as numbers, floats boxed or not. */
const headerValue = (v: unknown): number | string => (v instanceof PyFloat ? v.v : (v as number | string));

export function compatMembers(h: CantorHelpers): Record<string, unknown> {
  const { call, strArg, enc, dec, waitFor } = h;
  const cls = (name: string) => makeClass(name, [], null, { module: 'cantor' }) as any;

  // --- DataFrame ------------------------------------------------------------------------------
  const DataFrame = cls('DataFrame');
  const fieldsOf = (df: any): Record<string, unknown> => unproxy(df).__fields;
  const setField = (df: any, name: string, v: unknown) => {
    const f = fieldsOf(df);
    f[name] = checkField(name, KIND.get(name)!, v);
    // a bytes payload says its own size (the C++ frame's data buffer)
    if (name === 'data' && v instanceof PyBytes) f.dataSize = v.data.length;
  };
  /** Gives a new instance (raw, or the proxy blankInstance made) its fields with their defaults. */
  const initFrame = (df: any, size: number): any => {
    const f: Record<string, unknown> = {};
    for (const [name, kind] of FIELDS) f[name] = kind === 'str' ? '' : kind === 'priority' ? 2 : 0;
    f.dataSize = size;
    f.data = new PyBytes(new Uint8Array(size), true);
    Object.defineProperty(unproxy(df), '__fields', { value: f });
    return df;
  };
  DataFrame.nativeNew = (_c: unknown, args: unknown[]) => {
    const { pos, kw } = kwMap(args);
    if (pos.length > 1) raiseError('TypeError', `DataFrame() takes at most 1 positional argument (size) but ${pos.length} were given`);
    const size = pos[0] ?? kw.get('size') ?? 0;
    if (!isInt(size)) raiseError('TypeError', `DataFrame(size): size must be an int, not ${typeOf(size).pyName}`);
    if (size < 0 || size > MAX_SIZE) raiseError('ValueError', `DataFrame(size): size is a number of bytes from 0 to ${MAX_SIZE}, not ${size}`);
    // construct() wraps what this returns in the attribute-hook proxy
    const df = initFrame(new DataFrame.Inst(), Number(size));
    for (const [k, v] of kw) if (k !== 'size') setAttr(df, k, v);
    return df;
  };
  const setAttr = (df: any, name: string, v: unknown) => {
    const c = canonical(name);
    if (c === undefined) {
      const near = [...KIND.keys(), ...Object.keys(ALIASES)].find(k => k.toLowerCase() === name.toLowerCase());
      raiseError('AttributeError', `'DataFrame' object has no field '${name}'${near ? `; did you mean '${near}'?` : ''} (fields: ${FIELDS.map(f => f[0]).join(', ')})`);
    }
    setField(df, c, v);
  };
  for (const [name, alias] of [...FIELDS.map(([n]) => [n, n]), ...Object.entries(ALIASES).map(([a, n]) => [a, n])] as [string, string][]) {
    Object.defineProperty(DataFrame.prototype, '$' + name, {
      configurable: true,
      get(this: any) { return fieldsOf(this)[alias]; },
      set(this: any, v: unknown) { setField(this, alias, v); },
    });
  }
  // every attribute store goes through __setattr__ (instances are proxied), so a misspelt field
  // is an AttributeError instead of a new attribute nobody reads
  nativeMethod(DataFrame.prototype, '__setattr__', function (this: any, name: unknown, v: unknown) { setAttr(this, strArg(name, 'an attribute name'), v); return null; });
  DataFrame.hooks = true;
  const setMany = function (this: any, ...args: unknown[]) {
    const { pos, kw } = kwMap(args);
    if (pos.length) raiseError('TypeError', 'DataFrame.Set() takes keyword arguments only (type=..., startTime=..., ...)');
    for (const [k, v] of kw) setAttr(this, k, v);
    return true;
  };
  (setMany as any).kw = true;
  nativeMethod(DataFrame.prototype, 'Set', setMany);
  const toDict = (df: any) => PyDict.fromEntries(FIELDS.map(([n]) => [n, fieldsOf(df)[n]]));
  nativeMethod(DataFrame.prototype, 'to_dict', function (this: any) { return toDict(this); });
  nativeMethod(DataFrame.prototype, '__repr__', function (this: any) {
    const f = fieldsOf(this);
    const shown = FIELDS.filter(([n, k]) => n !== 'data' && (n === 'type' || n === 'priority' || n === 'dataSize' || (k === 'str' ? f[n] !== '' : f[n] !== 0)));
    return `<cantor.DataFrame ${shown.map(([n]) => `${n}=${repr(f[n])}`).join(' ')}>`;
  });
  (DataFrame as any).refreshFast?.();
  const isFrame = (v: unknown) => v !== null && typeof v === 'object' && typeOf(v) === DataFrame;

  /** The header a node filters on: every field but data, under its name and its capitalised one (the C++ filters write `Type == 100`). */
  const headerOf = (f: Record<string, unknown>): Record<string, number | string> => {
    const out: Record<string, number | string> = {};
    const put = (k: string, v: unknown) => { out[k] = headerValue(v); out[k[0]!.toUpperCase() + k.slice(1)] = headerValue(v); };
    for (const [n] of FIELDS) if (n !== 'data') put(n, f[n]);
    for (const [a, n] of Object.entries(ALIASES)) if (n !== 'data') put(a, f[n]);
    return out;
  };
  /** A frame from its fields as to_dict gives them (each checked: they may come off the network). */
  const frameFromDict = (d: unknown, what: string): any => {
    if (!(d instanceof PyDict)) raiseError('ValueError', `${what} is not a frame (a dict of its fields)`);
    const df = initFrame(blankInstance(DataFrame), 0);
    for (const [k, v] of d.table.entries()) if (typeof k === 'string' && KIND.has(k)) fieldsOf(df)[k] = checkField(k, KIND.get(k)!, v);
    return df;
  };
  const frameFromBytes = (b: Uint8Array): any => frameFromDict(dec(b), 'what the data view held');
  // a frame is a value like any other (stored in kv, queued, passed to tasks): the serializer
  // sends a native class's instance as its module, its name and reduce(), and calls rebuild()
  DataFrame.nativeModule = 'cantor';
  DataFrame.reduce = (df: unknown) => toDict(df);
  DataFrame.rebuild = (d: unknown) => frameFromDict(d, 'the value sent as a DataFrame');

  // --- Host -----------------------------------------------------------------------------------
  const Host = cls('Host');
  Host.nativeNew = (_c: unknown, args: unknown[]) => {
    if (args.length) raiseError('TypeError', 'Host() takes no arguments');
    return new Host.Inst();
  };
  (Host as any).refreshFast?.();
  let idCache: { binding: string | undefined; id: string } | null = null;
  const nodeId = (): string => {
    const binding = process.env.XLANG_CONNECT;
    if (!idCache || idCache.binding !== binding) idCache = { binding, id: call('node.id', []) };
    return idCache.id;
  };
  Object.defineProperty(Host.prototype, '$NodeId', {
    configurable: true,
    get: () => nodeId(),
    set: () => raiseError('AttributeError', "a Host's NodeId is the node's own id (from its key): it cannot be set"),
  });
  const viewId = (v: unknown) => strArg(v, 'a data view id');
  nativeMethod(Host.prototype, 'generate_uid', () => randomUUID());
  const pushFrame = function (this: any, ...args: unknown[]) {
    const { pos, kw } = kwMap(args);
    const df = pos[0] ?? kw.get('frame');
    if (!isFrame(df)) raiseError('TypeError', `PushFrame() takes a cantor.DataFrame, not ${typeOf(df).pyName}`);
    const given = pos[1] ?? kw.get('priority') ?? null;
    const f = { ...fieldsOf(df) };
    if (given !== null) f.priority = checkField('priority', 'priority', given);
    if (f.srcAddr === '') f.srcAddr = nodeId();
    const bytes = enc(PyDict.fromEntries(FIELDS.map(([n]) => [n, f[n]])));
    return call('frame.push', [headerOf(f), bytes, f.priority]) > 0;
  };
  (pushFrame as any).kw = true;
  nativeMethod(Host.prototype, 'PushFrame', pushFrame);
  const popFrame = function (this: any, ...args: unknown[]) {
    const { pos, kw } = kwMap(args);
    const id = viewId(pos[0] ?? kw.get('dvId'));
    const ts = pos[1] ?? kw.get('ts') ?? 0;
    if (ts !== 0) raiseError('ValueError', `PopFrame(dvId, ts, timeout_ms): only ts=0 (take the next frame) is supported, not ${repr(ts)}`);
    const t = pos[2] ?? kw.get('timeout_ms') ?? -1;
    if (!isInt(t) || t < -1) raiseError('ValueError', `PopFrame timeout_ms is -1 (wait as long as it takes) or a number of milliseconds >= 0, not ${repr(t)}`);
    const b = waitFor(() => call('frame.pop', [id]) ?? undefined, Number(t));
    return b === undefined ? null : frameFromBytes(b);
  };
  (popFrame as any).kw = true;
  nativeMethod(Host.prototype, 'PopFrame', popFrame);
  nativeMethod(Host.prototype, 'CreateDataView', (filter?: unknown) => call('dv.create', [filter === undefined || filter === null ? '' : strArg(filter, 'a data view filter')]));
  nativeMethod(Host.prototype, 'RemoveDataView', (id: unknown) => call('dv.remove', [viewId(id)]));
  nativeMethod(Host.prototype, 'DataViews', () => PyDict.fromEntries(Object.entries(call('dv.list', []) as Record<string, string>)));
  nativeMethod(Host.prototype, '__repr__', () => '<cantor.Host>');

  // --- Network --------------------------------------------------------------------------------
  const Network = cls('Network');
  Network.nativeNew = (_c: unknown, args: unknown[]) => {
    if (args.length) raiseError('TypeError', 'Network() takes no arguments');
    const net = new Network.Inst();
    // net.OnConnected += fn: fn(node_id) after each successful Connect
    Object.defineProperty(net, '$OnConnected', { value: makeEvent('OnConnected'), writable: true, configurable: true, enumerable: false });
    return net;
  };
  (Network as any).refreshFast?.();
  const credential = (file: unknown, env: string, what: string) => {
    if (file === undefined || file === null) return;
    const path = resolve(strArg(file, what));
    if (!existsSync(path)) raiseError('FileNotFoundError', `${what}: no such file: ${path}`);
    process.env[`${env}_FILE`] = path;
    delete process.env[env];
  };
  const connect = function (this: any, ...args: unknown[]) {
    if (!isMainThread) raiseError('RuntimeError', 'Network().Connect() binds the script\'s cantor module; a task cannot rebind it');
    const { pos, kw } = kwMap(args);
    for (const k of kw.keys()) if (!['host', 'port', 'token_file', 'cap_file'].includes(k)) raiseError('TypeError', `Connect() got an unexpected keyword argument '${k}'`);
    const host = strArg(pos[0] ?? kw.get('host'), 'Connect() host');
    const port = pos[1] ?? kw.get('port');
    if (host === '' || /[\s/]/.test(host) || host.length > 253) raiseError('ValueError', `Connect(): ${repr(host)} is not a host name or address`);
    if (!isInt(port) || typeof port === 'boolean') raiseError('TypeError', `Connect() port must be an int, not ${typeOf(port).pyName}`);
    if (port < 1 || port > 65535) raiseError('ValueError', `Connect() port must be from 1 to 65535, not ${port}`);
    const addr = host.includes(':') ? `[${host.replace(/^\[|\]$/g, '')}]:${port}` : `${host}:${port}`;
    const saved = Object.fromEntries(['XLANG_CONNECT', 'XLANG_CLUSTER_TOKEN', 'XLANG_CLUSTER_TOKEN_FILE', 'XLANG_TOKEN', 'XLANG_TOKEN_FILE'].map(k => [k, process.env[k]]));
    const restore = () => { for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v; };
    credential(pos[2] ?? kw.get('token_file'), 'XLANG_CLUSTER_TOKEN', 'Connect() token_file');
    credential(pos[3] ?? kw.get('cap_file'), 'XLANG_TOKEN', 'Connect() cap_file');
    if (!process.env.XLANG_CLUSTER_TOKEN && !process.env.XLANG_CLUSTER_TOKEN_FILE) {
      restore();
      raiseError('ValueError', `connecting to ${addr} needs the cluster token: Connect(host, port, token_file=FILE) or XLANG_CLUSTER_TOKEN`);
    }
    if (!process.env.XLANG_TOKEN && !process.env.XLANG_TOKEN_FILE) {
      restore();
      raiseError('ValueError', `connecting to ${addr} needs a capability token: Connect(host, port, cap_file=FILE) or XLANG_TOKEN (issue one with 'xlang node token')`);
    }
    process.env.XLANG_CONNECT = addr;
    const { connectedClient } = require('../runtime/cantor/client.js') as typeof import('../runtime/cantor/client.js');
    let r: { ok: true; value: any } | { ok: false; type: string; message: string };
    try {
      r = connectedClient()!.call('node.id', [], 15_000);
    } catch (e) {
      r = { ok: false, type: 'ConnectionError', message: (e as Error).message };
    }
    if (!r.ok) {
      // the binding stays what it was: the node before, or the embedded node
      restore();
      raiseError(r.type === 'PermissionError' ? 'PermissionError' : 'ConnectionError', `cannot connect to the Cantor node at ${addr}: ${r.message}`);
    }
    idCache = { binding: addr, id: r.value };
    invoke(this.$OnConnected, undefined, [r.value]);
    return true;
  };
  (connect as any).kw = true;
  nativeMethod(Network.prototype, 'Connect', connect);
  nativeMethod(Network.prototype, '__repr__', () => `<cantor.Network ${process.env.XLANG_CONNECT ? `connected to ${process.env.XLANG_CONNECT}` : 'on the embedded node'}>`);

  // --- units of a quantity by index ------------------------------------------------------------
  // Units this script took and has not given back are given back when it ends (a node cannot
  // tell that a connected script has gone; the embedded node also frees them when the process
  // that took them exits, which covers kill -9).
  const held = new Map<string, [string, number, string | undefined]>();
  let exitHook = false;
  const takeIndex = (name: unknown) => {
    const q = strArg(name, 'a resource name');
    const i = call('res.takeIndex', [q]) as number;
    if (i >= 0 && isMainThread) {
      held.set(`${q}\0${i}`, [q, i, process.env.XLANG_CONNECT]);
      if (!exitHook) {
        exitHook = true;
        process.once('exit', () => {
          for (const [q2, i2, binding] of held.values()) {
            if (binding !== process.env.XLANG_CONNECT) continue; // taken from a node the script is no longer bound to
            try { call('res.releaseIndex', [q2, i2], 5000); } catch { /* the node is gone: nothing to give back */ }
          }
        });
      }
    }
    return i;
  };
  const releaseIndex = (name: unknown, index: unknown) => {
    if (!isInt(index) || typeof index === 'bigint') raiseError('TypeError', `ReleaseResourceIndex() index must be an int, not ${typeOf(index).pyName}`);
    const q = strArg(name, 'a resource name');
    const ok = call('res.releaseIndex', [q, index]);
    if (ok) held.delete(`${q}\0${index}`);
    return ok;
  };

  return {
    Host, DataFrame, Network,
    /** The C++ name (sic): the first free unit index of a quantity, reserved; -1 when none is free. */
    TakeFirstAvaibleResourceIndex: (name: unknown) => takeIndex(name),
    TakeFirstAvailableResourceIndex: (name: unknown) => takeIndex(name),
    ReleaseResourceIndex: releaseIndex,
  };
}
