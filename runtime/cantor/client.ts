// A synchronous client of a remote Cantor node, for XLang code (which runs synchronously):
// a thread of its own holds the libp2p connection (net.ts), and each call posts a request to it
// and sleeps on a shared cell until the answer arrives (receiveMessageOnPort + Atomics.wait),
// the same way task futures wait. `xlang run --connect addr` and `xlang repl --connect addr`
// bind the cantor module to one of these.
//
// Credentials come from the environment the CLI sets: XLANG_CLUSTER_TOKEN (or
// XLANG_CLUSTER_TOKEN_FILE), the cluster's shared secret, and XLANG_TOKEN (or XLANG_TOKEN_FILE),
// a capability token issued by the node (`xlang node token`).
//
// Besides blocking calls, a client posts calls without waiting (`post`): remote tasks
// (RemoteTasks, below) are many requests in flight whose answers are collected later. Answers
// travel back in batches, one message per turn of the client thread's event loop.
import { Worker, MessageChannel, isMainThread, workerData, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import type { RemoteExecutor, RemoteOutcome, RemoteTask } from '../hosts/tasks.js';
import type { Artifact } from '../hosts/main.js';
import { raiseError } from '../core/exceptions.js';
import { readObject, ServiceError, MAX_PIECE } from './services.js';

export type CallResult = { ok: true; value: any } | { ok: false; type: string; message: string };

/** Ends of the channel the client thread gets. */
interface ThreadData { cantorClient: true; addr: string; clusterToken: string; token: string; port: MessagePort; signal: Int32Array; timeoutMs: number }
type Reply = { seq: number; fatal?: boolean } & CallResult;
type Call = { seq: number; method: string; args: unknown[]; timeoutMs: number };

/** A secret from NAME or the file NAME_FILE names (trailing whitespace removed). */
export function secretFromEnv(name: string): string | null {
  const v = process.env[name];
  if (v) return v;
  const file = process.env[`${name}_FILE`];
  if (!file) return null;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new Error(`cannot read ${name}_FILE ${file}: ${(e as Error).message}`);
  }
}

export class SyncClient {
  private seq = 0;
  private readonly port: MessagePort;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private readonly thread: Worker;
  private broken: CallResult | null = null;
  /** Answers awaited by posted calls. */
  private readonly callbacks = new Map<number, (r: CallResult) => void>();
  private outbox: Call[] = [];

  constructor(readonly addr: string, clusterToken: string, token: string, private readonly timeoutMs = 30_000) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const data: ThreadData = { cantorClient: true, addr, clusterToken, token, port: port2, signal: this.signal, timeoutMs };
    this.thread = new Worker(fileURLToPath(import.meta.url), { workerData: data, transferList: [port2] });
    // the script's end, not this thread, decides when the process exits
    this.thread.unref();
    this.port.unref();
    this.thread.on('error', e => { this.broken = { ok: false, type: 'ConnectionError', message: `the Cantor client thread failed: ${e.message}` }; });
  }

  static fromEnvironment(addr: string): SyncClient {
    const cluster = secretFromEnv('XLANG_CLUSTER_TOKEN');
    const token = secretFromEnv('XLANG_TOKEN');
    if (!cluster) throw new Error(`connecting to ${addr} needs the cluster token: --token-file FILE or XLANG_CLUSTER_TOKEN`);
    if (!token) throw new Error(`connecting to ${addr} needs a capability token: --cap-file FILE or XLANG_TOKEN (issue one with 'xlang node token')`);
    return new SyncClient(addr, cluster, token);
  }

  /** Calls `method` on the node and waits for its answer (at most `timeoutMs`, default the client's). */
  call(method: string, args: unknown[], timeoutMs = this.timeoutMs): CallResult {
    if (this.broken) return this.broken;
    let answer: CallResult | null = null;
    this.post(method, args, timeoutMs, r => { answer = r; });
    this.send();
    const deadline = Date.now() + timeoutMs + 10_000;
    for (;;) {
      const seen = Atomics.load(this.signal, 0);
      this.drain();
      if (answer) return answer;
      if (this.broken) return this.broken;
      const left = deadline - Date.now();
      if (left <= 0) return { ok: false, type: 'TimeoutError', message: `no answer from the Cantor node at ${this.addr} for '${method}'` };
      Atomics.wait(this.signal, 0, seen, Math.min(left, 1000));
    }
  }

  /** Queues a call whose answer goes to `done` (from drain()); send() posts what is queued. 0: no timeout. */
  post(method: string, args: unknown[], timeoutMs: number, done: (r: CallResult) => void): void {
    if (this.broken) { done(this.broken); return; }
    const seq = ++this.seq;
    this.callbacks.set(seq, done);
    this.outbox.push({ seq, method, args, timeoutMs });
  }

  /** Calls queued by post() and not sent yet. */
  get queued(): number { return this.outbox.length; }

  /** Posts the queued calls to the client thread in one message. */
  send(): void {
    if (!this.outbox.length) return;
    this.port.postMessage(this.outbox);
    this.outbox = [];
  }

  /** Hands every answer that has arrived to its callback. */
  drain(): void {
    for (;;) {
      const m = receiveMessageOnPort(this.port);
      if (!m) return;
      for (const r of m.message as Reply[]) {
        const result: CallResult = r.ok ? { ok: true, value: r.value } : { ok: false, type: r.type, message: r.message };
        if (r.fatal && !r.ok) {
          this.broken = result;
          // the connection is gone: every call still waiting fails the same way
          for (const cb of this.callbacks.values()) cb(result);
          this.callbacks.clear();
          continue;
        }
        const cb = this.callbacks.get(r.seq);
        if (cb) { this.callbacks.delete(r.seq); cb(result); }
      }
    }
  }

  private readonly rung = new Set<Int32Array>();

  /** Also rings `cell` whenever answers arrive (a task system sleeping on its own cell wakes). */
  ringAlso(cell: Int32Array): void {
    if (this.rung.has(cell)) return;
    this.rung.add(cell);
    this.port.postMessage({ ring: cell });
  }

  private readonly executors = new Map<string, RemoteTasks>();

  /** The executor for cantor.pool() tasks of this spec on this client's node (pools of one spec share it). */
  tasks(spec: RemotePoolSpec): RemoteTasks {
    const key = JSON.stringify([spec.resources, spec.priority, spec.retries, spec.timeoutMs]);
    let t = this.executors.get(key);
    if (!t) this.executors.set(key, (t = new RemoteTasks(this, spec)));
    return t;
  }
}

/** What cantor.pool() asks of a connected node's scheduler for each of its tasks. */
export interface RemotePoolSpec { resources: string; priority: number; retries: number; timeoutMs: number }

/** An artifact as it is sent to a node: the source only; the node compiles it itself. */
export interface ShippedArtifact { id: string; moduleName: string; path: string; source: string; predeclared?: string[] }

const now = (): number => performance.timeOrigin + performance.now();
/** Tasks per task.runMany request when many are queued. */
const BATCH = 64;

/**
 * Remote tasks of one cantor.pool() on a connected node. Each task is one `task.run` request
 * whose answer is the task's outcome; artifacts go with the first task that needs them (the
 * node keeps them on disk), and again if the node says it lacks them.
 */
export class RemoteTasks implements RemoteExecutor {
  label = 'a Cantor node';
  /** Names this client's tasks for the node (cancel requests use it). */
  private readonly session = randomBytes(6).toString('hex');
  private lookup: (id: string) => Artifact | undefined = () => undefined;
  private readonly outcomes: RemoteOutcome[] = [];
  private static readonly shipped = new Map<SyncClient, Set<string>>();

  constructor(private readonly client: SyncClient, private readonly spec: RemotePoolSpec) {}

  attach(signal: Int32Array, artifact: (id: string) => Artifact | undefined): void {
    this.lookup = artifact;
    this.client.ringAlso(signal);
    const id = this.client.call('node.id', []);
    if (id.ok) this.label = `node ${String(id.value).slice(0, 16)}`;
  }

  private get sent(): Set<string> {
    let s = RemoteTasks.shipped.get(this.client);
    if (!s) RemoteTasks.shipped.set(this.client, (s = new Set()));
    return s;
  }

  private ship(ids: string[], all: boolean): ShippedArtifact[] {
    const out: ShippedArtifact[] = [];
    for (const id of ids) {
      if (!all && this.sent.has(id)) continue;
      const a = this.lookup(id);
      if (!a) continue;
      out.push({ id: a.id, moduleName: a.moduleName, path: a.path, source: a.source, ...(a.predeclared ? { predeclared: a.predeclared } : {}) });
      this.sent.add(id);
    }
    return out;
  }

  /** Tasks sent and not answered, and tasks queued to go in the next batch. */
  private inFlight = 0;
  private queue: Array<{ t: RemoteTask; sentAt: number }> = [];

  submit(tasks: RemoteTask[]): void {
    const at = now();
    for (const t of tasks) this.queue.push({ t, sentAt: at });
    // one at a time while few are out (latency); in batches under a flood (throughput)
    if (this.inFlight < 16 || this.queue.length >= BATCH) this.flush();
  }

  flush(): void {
    while (this.queue.length) {
      const chunk = this.queue.splice(0, BATCH);
      if (chunk.length < 4) for (const { t, sentAt } of chunk) this.send(t, sentAt, false);
      else this.sendMany(chunk, false);
    }
    this.client.send();
  }

  private send(t: RemoteTask, sentAt: number, resend: boolean): void {
    const shipped = this.ship(t.arts, resend);
    this.inFlight++;
    this.client.post('task.run', [this.spec, `${this.session}:${t.id}`, t.name, t.bytes, t.arts, shipped, t.refs ?? null], 0, r => {
      this.inFlight--;
      if (!r.ok && r.type === 'ArtifactMissing' && !resend) {
        // the node lost them (another node at the address, or its store was cleared): once more, with all of them
        this.send(t, sentAt, true);
        this.client.send();
        return;
      }
      this.outcome(t, sentAt, r.ok ? r.value : ['E', r.type, r.message]);
    });
  }

  private sendMany(chunk: Array<{ t: RemoteTask; sentAt: number }>, resend: boolean): void {
    const arts = [...new Set(chunk.flatMap(c => c.t.arts))];
    const shipped = this.ship(arts, resend);
    this.inFlight += chunk.length;
    const tasks = chunk.map(({ t }) => [`${this.session}:${t.id}`, t.name, t.bytes, t.refs ?? null]);
    this.client.post('task.runMany', [this.spec, tasks, arts, shipped], 0, r => {
      this.inFlight -= chunk.length;
      if (!r.ok && r.type === 'ArtifactMissing' && !resend) {
        this.sendMany(chunk, true);
        this.client.send();
        return;
      }
      chunk.forEach(({ t, sentAt }, i) => this.outcome(t, sentAt, r.ok ? (r.value as unknown[])[i] : ['E', r.type, r.message]));
    });
  }

  /** Records how a task ended: a TaskAnswer [ok, bytes, start, end, worker, out] or ['E', type, message]. */
  private outcome(t: RemoteTask, sentAt: number, v: unknown): void {
    const end = now();
    const a = v as unknown[];
    if (!Array.isArray(a) || a[0] === 'E') {
      const [type, message] = Array.isArray(a) ? [String(a[1]), String(a[2])] : ['RuntimeError', 'the node sent a malformed task answer'];
      this.outcomes.push({ id: t.id, ok: false, bytes: null, error: { type, message }, start: sentAt, end, worker: -1 });
      return;
    }
    const [ok, bytes, start, stop, worker, out, ref] = a as [boolean, Uint8Array | null, number, number, number, string, string | undefined];
    // the node's clock may differ from ours: keep its run time, place it at the answer's arrival
    const run = Math.max(0, stop - start);
    // a large result waits on the node as an object: read when its value is needed here
    this.outcomes.push({ id: t.id, ok: ok === true, bytes: bytes ?? null, ...(bytes ? {} : { ref: String(ref) }), start: end - run, end, worker, out });
  }

  poll(): RemoteOutcome[] {
    this.client.drain();
    return this.outcomes.splice(0);
  }

  /** Reads a large result left on the node, in pieces (it stays there until release()). */
  fetch(ref: string): Uint8Array {
    const what = `the result of a task (object ${ref}) could not be read from the node`;
    let b: Uint8Array | null;
    try {
      b = readObject(ref, at => {
        const r = this.client.call('obj.read', [ref, at, MAX_PIECE]);
        return r.ok ? r.value : raiseError('ConnectionError', `${what}: ${r.message}`);
      });
    } catch (e) {
      if (e instanceof ServiceError) raiseError('ConnectionError', `${what}: ${e.message}`);
      throw e;
    }
    return b ?? raiseError('ConnectionError', `${what}: it is gone`);
  }

  release(refs: string[]): void {
    for (const ref of refs) this.client.post('obj.delete', [ref], 10_000, () => {});
    this.client.send();
    // wait for the last one, so the node has them before this process exits
    if (refs.length) this.client.call('node.id', []);
  }

  cancel(id: number): boolean {
    const q = this.queue.findIndex(x => x.t.id === id);
    if (q >= 0) { this.queue.splice(q, 1); return true; }
    const r = this.client.call('task.cancel', [`${this.session}:${id}`]);
    return r.ok && r.value === true;
  }
}

let shared: { addr: string; client: SyncClient } | null = null;

/**
 * The process's client of the node XLANG_CONNECT names, created on first use. The CLI calls
 * it as soon as it knows the address, so the client thread loads libp2p and connects while the
 * program is being compiled (module loading alone takes most of a second on a slow machine).
 */
export function connectedClient(): SyncClient | null {
  const addr = process.env.XLANG_CONNECT;
  if (!addr) return null;
  if (shared?.addr !== addr) shared = { addr, client: SyncClient.fromEnvironment(addr) };
  return shared.client;
}

const byAddr = new Map<string, SyncClient>();

/** A client of the node at `addr` (`import m thru addr`), one per address, credentials from the environment. */
export function clientFor(addr: string): SyncClient {
  if (process.env.XLANG_CONNECT === addr) return connectedClient()!;
  let c = byAddr.get(addr);
  if (!c) byAddr.set(addr, (c = SyncClient.fromEnvironment(addr)));
  return c;
}

// --- the client thread -----------------------------------------------------------------------

async function clientThread(d: ThreadData): Promise<void> {
  const { Peer, NetError, RemoteError, generateIdentity } = await import('./net.js');
  const cells = [d.signal];
  let replies: object[] = [];
  const flush = () => {
    const batch = replies;
    replies = [];
    d.port.postMessage(batch);
    for (const c of cells) { Atomics.add(c, 0, 1); Atomics.notify(c, 0); }
  };
  // answers of one turn of the event loop travel together
  const reply = (m: object) => { if (replies.push(m) === 1) setImmediate(flush); };
  const pending: Call[] = [];
  let peerId: string | null = null;
  d.port.on('message', (m: Call[] | { ring: Int32Array }) => {
    if (!Array.isArray(m)) { cells.push(m.ring); return; }
    if (peerId === null) { pending.push(...m); return; }
    for (const c of m) void serve(c);
  });
  let peer: import('./net.js').Peer;
  const serve = async (m: Call) => {
    try {
      const value = await peer.request(peerId!, m.method, m.args, { timeoutMs: m.timeoutMs });
      reply({ seq: m.seq, ok: true, value });
    } catch (e) {
      if (e instanceof RemoteError) reply({ seq: m.seq, ok: false, type: e.type, message: e.message });
      else if (e instanceof NetError && e.code === 'timeout') reply({ seq: m.seq, ok: false, type: 'TimeoutError', message: e.message });
      else reply({ seq: m.seq, ok: false, type: 'ConnectionError', message: (e as Error).message });
    }
  };
  try {
    peer = await Peer.start({ privateKey: generateIdentity(), clusterToken: d.clusterToken, token: d.token, requestTimeoutMs: d.timeoutMs });
    peerId = await peer.connect(d.addr);
  } catch (e) {
    reply({ seq: 0, fatal: true, ok: false, type: 'ConnectionError', message: (e as Error).message });
    return;
  }
  for (const m of pending.splice(0)) void serve(m);
}

if (!isMainThread && (workerData as ThreadData | undefined)?.cantorClient === true) {
  void clientThread(workerData as ThreadData);
}
