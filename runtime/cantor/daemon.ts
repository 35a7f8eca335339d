// A long-lived Cantor node (`xlang node start`): the local node's services (services.ts)
// served over libp2p (net.ts) to callers that hold the cluster token (the private network
// admits them) and a capability token (tokens.ts: what they may do, for which tenant). It
// also waits for queue items on a caller's behalf (blocking pops cost no polling), counts its
// requests in its metrics, serves those on HTTP, and leaves a node record in its data directory
// so local commands (`xlang node status|tasks|logs|stop|token`) find it. Tasks sent by
// clients (cantor.pool under --connect) run on the node's own worker pool (tasks.ts).
//
// The record doubles as the lock: it is created exclusively, so two nodes never share one data
// directory; a record left by a killed node (its pid is gone) is taken over.
import { writeFileSync, readFileSync, renameSync, rmSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { LocalNode } from './node.js';
import { Peer, type RequestContext } from './net.js';
import { ConfigError } from './identity.js';
import { TokenVerifier, TokenError, issueToken, type Role } from './tokens.js';
import { callService, allowed, ServiceError, METHODS, MAX_POP_WAIT_MS } from './services.js';
import { serveMetrics } from './metrics.js';
import { NodeTasks } from './tasks.js';
import { QuietRelease } from './memory.js';

export const RECORD_FILE = 'node.json';
export const CLUSTER_TOKEN_FILE = 'cluster.token';
const VERSION = '0.1.0';
/** How often a waiting pop looks again for items pushed by another process on the same store. */
const POP_RECHECK_MS = 250;
/**
 * How long a client may be disconnected before what it holds on the node (units it took, task
 * results it has not read) is let go: a lost link may come back (the client redials with the
 * same peer id), a killed script never does.
 */
const GRACE_ENV = process.env.XLANG_CLIENT_GRACE_MS;
const CLIENT_GRACE_MS = GRACE_ENV && Number(GRACE_ENV) >= 0 ? Number(GRACE_ENV) : 15_000;
/** A period without requests after which the node gives memory back (a start-up counts as activity). */
const QUIET_RELEASE_MS = Number(process.env.XLANG_QUIET_RELEASE_MS) > 0 ? Number(process.env.XLANG_QUIET_RELEASE_MS) : 10_000;

export interface NodeRecord {
  pid: number;
  nodeId: string;
  /** Dialable addresses, each ending in /p2p/<nodeId>. */
  addrs: string[];
  startedAt: string;
  metricsUrl: string | null;
  /** Where the cluster token is, when it is in a file (null: it came from the environment). */
  clusterTokenFile: string | null;
  version: string;
}

export interface DaemonOptions {
  dataDir: string;
  /** `host:port` or multiaddrs; port 0 picks a free port. */
  listen: string[];
  /** `GPU=1,USBCamera=1,zone=edge` (ledger.ts) */
  resources?: string;
  /** The cluster token itself and the file it came from; null: the data directory's cluster.token, created if missing. */
  clusterToken: { token: string; file: string | null } | null;
  /** Serve Prometheus metrics on host:port (port 0 picks one); null: do not serve. */
  metrics: { host: string; port: number } | null;
}

export interface NodeStatus {
  nodeId: string;
  pid: number;
  version: string;
  dataDir: string;
  addrs: string[];
  startedAt: string;
  uptimeS: number;
  rssBytes: number;
  /** Memory given back after quiet periods (memory.ts): how often, and resident bytes around the last time. */
  idleRelease: QuietRelease['stats'];
  /** V8 heap of the node's main thread, and memory outside it (buffers). */
  heap: { usedBytes: number; totalBytes: number; externalBytes: number };
  metricsUrl: string | null;
  resources: ReturnType<LocalNode['ledger']['snapshot']>;
  links: ReturnType<Peer['links']>;
  requests: { served: number; refused: number; protocolErrors: number; waitingPops: number };
  tasks: { queued: number; running: number; finished: number; workers: number };
}

/** The node record in `dataDir`, or null when there is none. A damaged one is a ConfigError. */
export function readNodeRecord(dataDir: string): NodeRecord | null {
  const file = join(dataDir, RECORD_FILE);
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch { return null; }
  try {
    const r = JSON.parse(text) as NodeRecord;
    if (typeof r.pid !== 'number') throw new Error('no pid');
    return r;
  } catch (e) {
    throw new ConfigError(`${file} is damaged (${(e as Error).message}); if no node runs there, delete it`);
  }
}

/** Whether a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** The cluster token in `<dataDir>/cluster.token`, created (random, mode 0600) when missing. */
export function dataDirClusterToken(dataDir: string): { token: string; file: string; created: boolean } {
  const file = join(dataDir, CLUSTER_TOKEN_FILE);
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (token.length < 16) throw new ConfigError(`${file} holds a cluster token shorter than 16 characters`);
    return { token, file, created: false };
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, token + '\n', { mode: 0o600, flag: 'wx' });
  return { token, file, created: true };
}

/** An admin token signed by the node's own key, for the local control commands (short-lived). */
export function localAdminToken(identity: Parameters<typeof issueToken>[1], ttlMs = 5 * 60_000): string {
  return issueToken({ roles: ['admin'], tenant: 'default', expires: Date.now() + ttlMs }, identity);
}

/** Takes the data directory: writes the record exclusively, taking over one whose node is gone. */
function lockDataDir(dataDir: string): string {
  const file = join(dataDir, RECORD_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, JSON.stringify({ pid: process.pid, starting: true }), { flag: 'wx', mode: 0o600 });
      return file;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new ConfigError(`cannot write ${file}: ${(e as Error).message}`);
      let pid = NaN;
      try { pid = (JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid; } catch { /* damaged: treat as stale */ }
      if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) {
        throw new ConfigError(`a Cantor node (pid ${pid}) already runs with data directory ${dataDir}; stop it first ('xlang node stop --data-dir ${dataDir}')`);
      }
      rmSync(file, { force: true });
    }
  }
  throw new ConfigError(`cannot take the data directory ${dataDir}`);
}

type Claims = { roles: readonly Role[]; tenant: string };

export class NodeDaemon {
  readonly startedAt = new Date();
  private readonly waiters = new Map<string, Set<Waiter>>();
  private waitingPops = 0;
  private refused = 0;
  private metricsServer: Server | null = null;
  private metricsUrl: string | null = null;
  private stopping: Promise<void> | null = null;
  private markStopped!: () => void;
  /** Resolves once the node has stopped (by `stop()`, or a `node.stop` request). */
  readonly stopped = new Promise<void>(r => { this.markStopped = r; });
  private peer!: Peer;
  readonly tasks: NodeTasks;
  /** Gives memory back once no request has come for a while (the node's idle size, issue 5). */
  private readonly quiet = new QuietRelease(QUIET_RELEASE_MS);

  private constructor(readonly node: LocalNode, readonly dataDir: string, private readonly verifier: TokenVerifier, private readonly recordFile: string, private readonly clusterTokenFile: string | null) {
    // a task's cantor calls are served as its caller's own requests would be
    const never = new AbortController().signal;
    this.tasks = new NodeTasks(node, (claims, peer, method, args) => this.dispatch(method, args, claims, { peerId: peer, token: undefined, signal: never }));
  }

  static async start(opts: DaemonOptions): Promise<NodeDaemon> {
    const dataDir = resolve(opts.dataDir);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const recordFile = lockDataDir(dataDir);
    let node: LocalNode | null = null;
    try {
      const cluster = opts.clusterToken ?? dataDirClusterToken(dataDir);
      node = new LocalNode(dataDir, { resources: opts.resources });
      const verifier = new TokenVerifier([node.identity.publicKey]);
      const d = new NodeDaemon(node, dataDir, verifier, recordFile, cluster.file);
      d.peer = await Peer.start({
        privateKey: node.identity,
        listen: opts.listen,
        clusterToken: cluster.token,
        handler: (method, args, ctx) => d.handle(method, args, ctx),
        onDisconnect: peerId => d.clientDisconnected(peerId),
        onProtocolError: (from, err) => node!.log.write('warn', `protocol error from ${from}: ${err.message}`),
      });
      if (opts.metrics) {
        const m = await serveMetrics(node.metrics, opts.metrics.host, opts.metrics.port).catch(async e => { await d.peer.stop(); throw new ConfigError((e as Error).message); });
        d.metricsServer = m.server;
        d.metricsUrl = m.url;
      }
      node.clientAlive = peerId => d.gone.has(peerId) || d.peer.isConnected(peerId);
      d.writeRecord();
      node.log.write('info', `node started (pid ${process.pid}) on ${d.peer.addrs().join(', ')}`);
      return d;
    } catch (e) {
      node?.close();
      rmSync(recordFile, { force: true });
      throw e;
    }
  }

  /** Clients disconnected less than CLIENT_GRACE_MS ago, with the timer that lets them go. */
  private readonly gone = new Map<string, NodeJS.Timeout>();

  private clientDisconnected(peerId: string): void {
    if (this.gone.has(peerId)) return;
    const timer = setTimeout(() => {
      this.gone.delete(peerId);
      if (!this.peer.isConnected(peerId)) this.tasks.clientGone(peerId); // else it came back; a later disconnect starts again
    }, CLIENT_GRACE_MS);
    timer.unref();
    this.gone.set(peerId, timer);
  }

  get nodeId(): string { return this.node.nodeId; }
  addrs(): string[] { return this.peer.addrs(); }

  private writeRecord(): void {
    const rec: NodeRecord = {
      pid: process.pid, nodeId: this.nodeId, addrs: this.addrs(), startedAt: this.startedAt.toISOString(),
      metricsUrl: this.metricsUrl, clusterTokenFile: this.clusterTokenFile, version: VERSION,
    };
    const tmp = `${this.recordFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(rec, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, this.recordFile);
  }

  status(): NodeStatus {
    const s = this.peer.stats();
    return {
      nodeId: this.nodeId, pid: process.pid, version: VERSION, dataDir: this.dataDir, addrs: this.addrs(),
      startedAt: this.startedAt.toISOString(), uptimeS: (Date.now() - this.startedAt.getTime()) / 1000,
      rssBytes: process.memoryUsage().rss, idleRelease: { ...this.quiet.stats }, metricsUrl: this.metricsUrl,
      heap: (({ heapUsed, heapTotal, external }) => ({ usedBytes: heapUsed, totalBytes: heapTotal, externalBytes: external }))(process.memoryUsage()),
      resources: this.node.ledger.snapshot(), links: this.peer.links(),
      requests: { served: s.served, refused: this.refused, protocolErrors: s.protocolErrors, waitingPops: this.waitingPops },
      tasks: { ...this.tasks.counts(), workers: this.tasks.size },
    };
  }

  /** Who the caller is, from its capability token; PermissionError when it has none that holds. */
  private authorize(token: string | undefined): Claims {
    if (token === undefined) throw new ServiceError('PermissionError', 'the request carries no capability token (issue one with \'xlang node token\')');
    try {
      return this.verifier.verify(token);
    } catch (e) {
      if (e instanceof TokenError) throw new ServiceError('PermissionError', `capability token refused: ${e.message}`);
      throw e;
    }
  }

  private handle(method: string, args: unknown, ctx: RequestContext): unknown {
    const t0 = performance.now();
    this.quiet.touch();
    const label = { method: Object.prototype.hasOwnProperty.call(METHODS, method) || DAEMON_METHODS.has(method) ? method : 'other' };
    let outcome = 'ok';
    try {
      const claims = this.authorize(ctx.token);
      const r = this.dispatch(method, args, claims, ctx);
      if (r instanceof Promise) {
        return r.then(v => v, e => { outcome = 'error'; throw e; }).finally(() => this.count(label, outcome, t0));
      }
      this.count(label, outcome, t0);
      return r;
    } catch (e) {
      outcome = e instanceof ServiceError && e.type === 'PermissionError' ? 'refused' : 'error';
      if (outcome === 'refused') this.refused++;
      this.count(label, outcome, t0);
      throw e;
    }
  }

  private count(label: { method: string }, outcome: string, t0: number): void {
    const m = this.node.metrics;
    m.inc('cantor_requests_total', 1, { ...label, outcome }, 'requests this node answered', true);
    m.observe('cantor_request_seconds', (performance.now() - t0) / 1000, label, [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1, 5], 'time to answer a request', true);
  }

  private need(claims: Claims, role: Role, method: string): void {
    if (!allowed(claims.roles, role)) throw new ServiceError('PermissionError', `'${method}' needs the ${role} role; this token has ${claims.roles.join(', ')}`);
  }

  private dispatch(method: string, args: unknown, claims: Claims, ctx: RequestContext): unknown {
    switch (method) {
      case 'node.status':
        this.need(claims, 'read', method);
        return this.status();
      case 'node.stop':
        this.need(claims, 'admin', method);
        this.node.log.write('info', `stop requested by ${ctx.peerId}`);
        setTimeout(() => void this.stop(), 10); // answer first
        return true;
      case 'q.popWait':
        this.need(claims, 'submit', method);
        return this.popWait(claims, args, ctx.signal);
      case 'task.run':
        this.need(claims, 'submit', method);
        return this.tasks.run(claims, ctx.peerId, Array.isArray(args) ? args : [], ctx.signal);
      case 'task.runMany':
        this.need(claims, 'submit', method);
        return this.tasks.runMany(claims, ctx.peerId, Array.isArray(args) ? args : [], ctx.signal);
      case 'task.cancel':
        this.need(claims, 'submit', method);
        return this.tasks.cancel(ctx.peerId, Array.isArray(args) ? args[0] : undefined);
      case 'node.tasks':
        this.need(claims, 'read', method);
        return this.tasks.list(claims, Array.isArray(args) ? args[0] : undefined);
    }
    const r = callService(this.node, method, args, { ...claims, client: ctx.peerId });
    if (method === 'q.push' && r === true) this.wake(claims.tenant, (args as unknown[])[0] as string);
    return r;
  }

  /**
   * `q.popWait [name, timeoutMs]`: the next item, waiting up to timeoutMs (at most
   * MAX_POP_WAIT_MS) for one; null when none came. Pushes through this node wake waiters at
   * once; pushes by another process on the same store are seen within POP_RECHECK_MS.
   */
  private popWait(claims: Claims, args: unknown, signal: AbortSignal): unknown {
    const [name, timeout] = Array.isArray(args) ? args : [];
    const first = callService(this.node, 'q.pop', [name], claims);
    if (first !== null) return first;
    if (typeof timeout !== 'number' || !(timeout >= 0)) throw new ServiceError('TypeError', 'q.popWait takes a queue name and a timeout in ms');
    const wait = Math.min(timeout, MAX_POP_WAIT_MS);
    if (wait === 0) return null;
    const key = `${claims.tenant}\0${String(name)}`;
    return new Promise((resolveP, reject) => {
      let set = this.waiters.get(key);
      if (!set) this.waiters.set(key, (set = new Set()));
      this.waitingPops++;
      let finished = false;
      const finish = (v: unknown, err?: unknown) => {
        if (finished) return;
        finished = true;
        this.waitingPops--;
        set.delete(waiter);
        if (set.size === 0) this.waiters.delete(key);
        clearTimeout(timer);
        clearInterval(recheck);
        if (err !== undefined) reject(err); else resolveP(v);
      };
      const tryPop = () => {
        try {
          const v = callService(this.node, 'q.pop', [name], claims);
          if (v !== null) finish(v);
        } catch (e) { finish(undefined, e); }
      };
      const waiter: Waiter = { tryPop, cancel: () => finish(undefined, new ServiceError('ConnectionError', 'the node is stopping')) };
      set.add(waiter);
      const timer = setTimeout(() => finish(null), wait);
      const recheck = setInterval(tryPop, POP_RECHECK_MS);
      signal.addEventListener('abort', () => finish(null), { once: true });
      if (this.stopping) finish(undefined, new ServiceError('ConnectionError', 'the node is stopping'));
    });
  }

  private wake(tenant: string, name: string): void {
    const set = this.waiters.get(`${tenant}\0${name}`);
    if (!set) return;
    for (const w of [...set]) w.tryPop();
  }

  /** Stops serving, closes the store and removes the node record. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const set of [...this.waiters.values()]) for (const w of [...set]) w.cancel();
      this.tasks.stop();
      this.quiet.stop();
      for (const timer of this.gone.values()) clearTimeout(timer);
      this.gone.clear();
      try { await this.peer.stop(); } catch { /* stopping anyway */ }
      if (this.metricsServer) await new Promise<void>(r => { this.metricsServer!.close(() => r()); this.metricsServer!.closeAllConnections(); });
      this.node.log.write('info', 'node stopped');
      this.node.close();
      rmSync(this.recordFile, { force: true });
      this.markStopped();
    })();
    return this.stopping;
  }
}

interface Waiter { tryPop(): void; cancel(): void }

const DAEMON_METHODS = new Set(['node.status', 'node.stop', 'q.popWait', 'task.run', 'task.runMany', 'task.cancel', 'node.tasks']);
