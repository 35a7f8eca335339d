// Network layer benchmark (runtime/cantor/net.ts): two processes on loopback, a Cantor peer
// serving /cantor/rpc/1.0.0 (libp2p: TCP + pnet + Noise + yamux) and a client peer here.
// The peer measured in the same run is plain TCP carrying the same frames (4-byte length +
// msgpack, writes coalesced per tick) between the same two processes: the ratio is the cost
// of the encrypted, authenticated libp2p stack.
//
//   npx tsc -p tsconfig.json && npx node dist/bench/net.js [seconds per throughput run, default 2]
//
// Figures from one run on the development container (2 cores, shared with other jobs, load
// about 2; Node 24.21):
//
//   connect (TCP + pnet + key check + Noise + yamux): p50 6.4 ms, p99 11.7 ms
//   no-op round trip, one at a time   cantor p50 0.142 ms p99 0.576 ms   plain tcp p50 0.095 ms p99 0.180 ms (1.50x)
//   pipelined no-op,  64 in flight    cantor 166k/s    plain tcp 562k/s (3.39x)
//   pipelined no-op, 256 in flight    cantor 193k/s    plain tcp 456k/s (2.35x)
//   1 MiB echo, 8 in flight           cantor 31 MiB/s each way (pnet's wasm XSalsa20 dominates)
//
// (Targets for the whole system: remote task round trip p50 <= 1 ms, >= 10,000 pipelined/s.)
import { spawn } from 'node:child_process';
import { createServer, connect as tcpConnect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { Packr, Unpackr, RESERVE_START_SPACE } from 'msgpackr';
import { Peer } from '../runtime/cantor/net.js';

const TOKEN = 'bench-cluster-token';
const self = fileURLToPath(import.meta.url);

// ---- the plain TCP peer: same framing, same coalescing -------------------------------------
const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false });

function frame(msg: unknown[]): Uint8Array {
  const b = packr.pack(msg, RESERVE_START_SPACE | 4);
  const n = b.length - 4;
  b[0] = n >>> 24; b[1] = (n >>> 16) & 0xff; b[2] = (n >>> 8) & 0xff; b[3] = n & 0xff;
  return b;
}

/** Frames over a socket: `send` coalesces per tick, `onMessage` gets each decoded frame. */
function framed(sock: Socket, onMessage: (msg: unknown[]) => void): (msg: unknown[]) => void {
  sock.setNoDelay(true);
  let pending: Buffer = Buffer.alloc(0);
  sock.on('data', (d: Buffer) => {
    let buf: Buffer = pending.length ? Buffer.concat([pending, d]) : d;
    let off = 0;
    while (buf.length - off >= 4) {
      const n = buf.readUInt32BE(off);
      if (buf.length - off - 4 < n) break;
      onMessage(unpackr.unpack(buf.subarray(off + 4, off + 4 + n)) as unknown[]);
      off += 4 + n;
    }
    pending = buf.subarray(off);
    if (pending.length) pending = Buffer.from(pending);
  });
  let out: Uint8Array[] = [];
  return msg => {
    out.push(frame(msg));
    if (out.length === 1) queueMicrotask(() => { sock.write(Buffer.concat(out)); out = []; });
  };
}

class TcpClient {
  private pending = new Map<number, (v: unknown) => void>();
  private next = 1;
  private send!: (msg: unknown[]) => void;
  static async open(port: number): Promise<TcpClient> {
    const c = new TcpClient();
    const sock = tcpConnect(port, '127.0.0.1');
    await new Promise(r => sock.once('connect', r));
    c.send = framed(sock, msg => { const id = msg[1] as number; const r = c.pending.get(id); c.pending.delete(id); r?.(msg[2]); });
    c.sock = sock;
    return c;
  }
  sock!: Socket;
  request(method: string, args: unknown): Promise<unknown> {
    const id = this.next++;
    return new Promise(resolve => { this.pending.set(id, resolve); this.send([0, id, method, args]); });
  }
}

// ---- server process -----------------------------------------------------------------------
async function serve(): Promise<void> {
  const peer = await Peer.start({
    clusterToken: TOKEN, listen: ['127.0.0.1:0'],
    handler: (method, args) => (method === 'noop' ? null : args),
  });
  const tcp = createServer(sock => { const send = framed(sock, msg => send([1, msg[1], msg[2] === 'noop' ? null : msg[3]])); });
  await new Promise<void>(r => tcp.listen(0, '127.0.0.1', r));
  process.stdout.write(JSON.stringify({ addr: peer.addrs()[0], tcpPort: (tcp.address() as { port: number }).port }) + '\n');
  process.stdin.resume();
  process.stdin.on('end', () => { void peer.stop().finally(() => process.exit(0)); });
}

// ---- client -------------------------------------------------------------------------------
const pct = (xs: number[], p: number): number => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const ms = (x: number): string => x.toFixed(3);

async function sequential(call: () => Promise<unknown>, n: number): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 2000; i++) await call();
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await call();
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  t.sort((a, b) => a - b);
  return { p50: pct(t, 0.5), p99: pct(t, 0.99) };
}

/** Keeps `depth` requests in flight for `seconds`; returns completions per second. */
async function pipelined(call: () => Promise<unknown>, depth: number, seconds: number): Promise<number> {
  let done = 0;
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: depth }, async () => {
    while (performance.now() < end) { await call(); done++; }
  }));
  return done / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 2);
  const child = spawn(process.execPath, [self, '--serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const info = await new Promise<{ addr: string; tcpPort: number }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', d => { out += d; if (out.includes('\n')) resolve(JSON.parse(out)); });
    child.on('exit', c => reject(new Error(`server exited with ${c}`)));
  });
  const client = await Peer.start({ clusterToken: TOKEN });
  try {
    console.log(`network benchmark: two processes on loopback, ${availableParallelism()} cores, Node ${process.versions.node}\n`);
    const [, , host, , port] = info.addr.split('/');
    const hostPort = `${host}:${port}`;

    const connects: number[] = [];
    for (let i = 0; i < 60; i++) {
      const t0 = performance.now();
      const id = await client.connect(hostPort);
      connects.push(performance.now() - t0);
      await client.disconnect(id);
    }
    connects.splice(0, 10);
    connects.sort((a, b) => a - b);
    console.log(`connect (TCP + pnet + key check + Noise + yamux): p50 ${ms(pct(connects, 0.5))} ms, p99 ${ms(pct(connects, 0.99))} ms`);

    const serverId = await client.connect(hostPort);
    const cantor = (): Promise<unknown> => client.request(serverId, 'noop', null);
    const tcp = await TcpClient.open(info.tcpPort);
    const plain = (): Promise<unknown> => tcp.request('noop', null);

    const c = await sequential(cantor, 20_000);
    const p = await sequential(plain, 20_000);
    console.log(`no-op round trip, one at a time   cantor p50 ${ms(c.p50)} ms p99 ${ms(c.p99)} ms    plain tcp p50 ${ms(p.p50)} ms p99 ${ms(p.p99)} ms   (${(c.p50 / p.p50).toFixed(2)}x)`);
    for (const depth of [64, 256]) {
      const cr = await pipelined(cantor, depth, seconds);
      const pr = await pipelined(plain, depth, seconds);
      console.log(`pipelined no-op, ${String(depth).padStart(3)} in flight    cantor ${(cr / 1000).toFixed(0)}k/s    plain tcp ${(pr / 1000).toFixed(0)}k/s   (${(pr / cr).toFixed(2)}x)`);
    }
    const mib = new Uint8Array(1 << 20);
    const rate = await pipelined(() => client.request(serverId, 'echo', mib), 8, seconds);
    console.log(`1 MiB echo, 8 in flight           cantor ${rate.toFixed(0)} MiB/s each way`);
    tcp.sock.destroy();
  } finally {
    await client.stop();
    child.stdin!.end();
  }
}

if (process.argv[2] === '--serve') await serve();
else await main();
