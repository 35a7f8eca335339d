// A synchronous client of a remote Cantor node, for XLang code (which runs synchronously):
// a thread of its own holds the libp2p connection (net.ts), and each call posts a request to it
// and sleeps on a shared cell until the answer arrives (receiveMessageOnPort + Atomics.wait),
// the same way task futures wait. `xlang run --connect addr` and `xlang repl --connect addr`
// bind the cantor module to one of these.
//
// Credentials come from the environment the CLI sets: XLANG_CLUSTER_TOKEN (or
// XLANG_CLUSTER_TOKEN_FILE), the cluster's shared secret, and XLANG_TOKEN (or XLANG_TOKEN_FILE),
// a capability token issued by the node (`xlang node token`).
import { Worker, MessageChannel, isMainThread, workerData, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type CallResult = { ok: true; value: any } | { ok: false; type: string; message: string };

/** Ends of the channel the client thread gets. */
interface ThreadData { cantorClient: true; addr: string; clusterToken: string; token: string; port: MessagePort; signal: Int32Array; timeoutMs: number }

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
    const seq = ++this.seq;
    const before = Atomics.load(this.signal, 0);
    this.port.postMessage({ seq, method, args, timeoutMs });
    const deadline = Date.now() + timeoutMs + 10_000;
    let seen = before;
    for (;;) {
      const m = receiveMessageOnPort(this.port);
      if (m) {
        const r = m.message as { seq: number; fatal?: boolean } & CallResult;
        if (r.fatal && !r.ok) this.broken = { ok: false, type: r.type, message: r.message };
        if (r.seq === seq || r.fatal) return r.ok ? { ok: true, value: r.value } : { ok: false, type: r.type, message: r.message };
        continue;
      }
      if (this.broken) return this.broken;
      const left = deadline - Date.now();
      if (left <= 0) return { ok: false, type: 'TimeoutError', message: `no answer from the Cantor node at ${this.addr} for '${method}'` };
      Atomics.wait(this.signal, 0, seen, Math.min(left, 1000));
      seen = Atomics.load(this.signal, 0);
    }
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

// --- the client thread -----------------------------------------------------------------------

async function clientThread(d: ThreadData): Promise<void> {
  const { Peer, NetError, RemoteError, generateIdentity } = await import('./net.js');
  const reply = (m: object) => { d.port.postMessage(m); Atomics.add(d.signal, 0, 1); Atomics.notify(d.signal, 0); };
  type Call = { seq: number; method: string; args: unknown[]; timeoutMs: number };
  const pending: Call[] = [];
  let peerId: string | null = null;
  d.port.on('message', (m: Call) => {
    if (peerId === null) { pending.push(m); return; }
    void serve(m);
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
