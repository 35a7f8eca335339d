// Cantor node benchmark: a real `xlang node start` process on loopback and clients in this
// process, beside redis-server (if installed) driven by the same loops over plain RESP.
//
//   npm run build && node dist/bench/cantor.js [seconds per throughput run, default 2]
//
// Measured: remote kv get latency (the async client, and the synchronous client XLang scripts
// use), durable writes per second (one per request, pipelined, and batched with set_many),
// remote tasks (an XLang script under --connect: round trip of one no-op task at a time, and
// no-op tasks per second with 20,000 submitted at once), beside python3's ProcessPoolExecutor
// doing the same on this machine, and the node's resident memory when idle. Redis runs with appendonly yes / appendfsync
// everysec, the durability closest to the node's SQLite WAL (synchronous=NORMAL).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect, type Socket } from 'node:net';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Peer, generateIdentity } from '../runtime/cantor/net.js';
import { SyncClient } from '../runtime/cantor/client.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'dist/runtime/cli/main.js');
const seconds = Number(process.argv[2] ?? 2);
const dir = mkdtempSync(join(tmpdir(), 'xlang-bench-cantor-'));
const children: ChildProcess[] = [];
process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); });

const pct = (xs: number[], p: number) => { const s = xs.slice().sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * p))]!; };
const ms = (x: number) => `${x.toFixed(3)} ms`;
const rate = (n: number, t: number) => `${Math.round(n / (t / 1000)).toLocaleString('en-US')}/s`;

interface Client {
  get(k: string): Promise<unknown>;
  set(k: string, v: Uint8Array): Promise<unknown>;
  setMany(rows: Array<[string, Uint8Array]>): Promise<unknown>;
}

/** Sequential latency of `op` (after a warm-up), p50 and p99. */
async function latency(op: (i: number) => Promise<unknown>, n = 3000): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 500; i++) await op(i);
  const ts: number[] = [];
  for (let i = 0; i < n; i++) { const t = performance.now(); await op(i); ts.push(performance.now() - t); }
  return { p50: pct(ts, 0.5), p99: pct(ts, 0.99) };
}

/** Operations per second with `inFlight` outstanding, for `seconds`. */
async function throughput(op: (i: number) => Promise<unknown>, inFlight: number, perOp = 1): Promise<string> {
  let i = 0, done = 0;
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => { while (performance.now() < end) { await op(i++); done += perOp; } }));
  return rate(done, performance.now() - t0);
}

async function measure(name: string, c: Client): Promise<Record<string, string>> {
  const v = new Uint8Array(64).fill(7);
  await c.set('hot', v);
  const get = await latency(() => c.get('hot'));
  const set = await latency(i => c.set(`seq-${i}`, v));
  const row: Record<string, string> = {
    'get p50 / p99': `${ms(get.p50)} / ${ms(get.p99)}`,
    'set (durable) p50 / p99': `${ms(set.p50)} / ${ms(set.p99)}`,
    'sets, 1 in flight': await throughput(i => c.set(`a-${i}`, v), 1),
    'sets, 64 in flight': await throughput(i => c.set(`b-${i}`, v), 64),
    'sets batched 100 per request, 4 in flight': await throughput(i => c.setMany(Array.from({ length: 100 }, (_, j) => [`c-${i}-${j}`, v])), 4, 100),
  };
  console.log(`  ${name}: done`);
  return row;
}

// ---- the Cantor node ---------------------------------------------------------------------------
function startNode(dataDir: string): Promise<string> {
  // workers stop after 3 s without tasks (30 s by default), so the idle reading below sees that
  const child = spawn(process.execPath, [cli, 'node', 'start', '--data-dir', dataDir, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, XLANG_WORKERS_IDLE_MS: '3000' } });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', d => { out += d; const m = /listening on (\S+)/.exec(out); if (m && /data dir/.test(out)) resolve(m[1]!); });
    child.on('exit', code => reject(new Error(`node exited with ${code}`)));
  });
}

// ---- redis over plain RESP, the same loops -----------------------------------------------------
function resp(args: Array<string | Uint8Array>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) { const b = typeof a === 'string' ? Buffer.from(a) : Buffer.from(a); parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n')); }
  return Buffer.concat(parts);
}

/** A pipelining RESP client: replies come back in order, so a FIFO of resolvers suffices. */
function redisClient(port: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const sock: Socket = tcpConnect(port, '127.0.0.1');
    sock.setNoDelay(true);
    const waiting: Array<(v: unknown) => void> = [];
    let buf = Buffer.alloc(0);
    sock.on('data', d => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      for (;;) {
        const nl = buf.indexOf('\r\n');
        if (nl < 0) return;
        const t = buf[0];
        if (t === 0x24) { // bulk string
          const n = Number(buf.subarray(1, nl).toString());
          if (n < 0) { buf = buf.subarray(nl + 2); waiting.shift()!(null); continue; }
          if (buf.length < nl + 2 + n + 2) return;
          const v = buf.subarray(nl + 2, nl + 2 + n);
          buf = buf.subarray(nl + 2 + n + 2);
          waiting.shift()!(v);
        } else {
          const line = buf.subarray(1, nl).toString();
          buf = buf.subarray(nl + 2);
          if (t === 0x2d) throw new Error(`redis: ${line}`);
          waiting.shift()!(line);
        }
      }
    });
    sock.once('error', reject);
    const cmd = (args: Array<string | Uint8Array>) => new Promise<unknown>(r => { waiting.push(r); sock.write(resp(args)); });
    sock.once('connect', () => resolve({
      get: k => cmd(['GET', k]),
      set: (k, v) => cmd(['SET', k, v]),
      setMany: rows => cmd(['MSET', ...rows.flat()]),
    }));
  });
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>(r => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as { port: number }).port;
  await new Promise<void>(r => s.close(() => r()));
  return p;
}

// ---- run -------------------------------------------------------------------------------------
console.log(`Cantor node vs redis-server on loopback, ${seconds} s per throughput run\n`);
const dataDir = join(dir, 'node');
const addr = await startNode(dataDir);
const cap = spawnSync(process.execPath, [cli, 'node', 'token', '--data-dir', dataDir], { encoding: 'utf8' }).stdout.trim();
const clusterToken = readFileSync(join(dataDir, 'cluster.token'), 'utf8').trim();
const peer = await Peer.start({ privateKey: generateIdentity(), clusterToken, token: cap });
const id = await peer.connect(addr);
const cantor: Client = {
  get: k => peer.request(id, 'kv.get', [k]),
  set: (k, v) => peer.request(id, 'kv.set', [k, v]),
  setMany: rows => peer.request(id, 'kv.setMany', [rows]),
};
const results: Record<string, Record<string, string>> = { cantor: await measure('cantor (async client)', cantor) };

// the synchronous client: what `cantor.kv.get` in an XLang script waits on
const sync = new SyncClient(addr, clusterToken, cap);
sync.call('kv.get', ['hot']);
const syncTimes: number[] = [];
for (let i = 0; i < 3500; i++) { const t = performance.now(); sync.call('kv.get', ['hot']); if (i >= 500) syncTimes.push(performance.now() - t); }
results.cantor!['get p50 / p99 (sync client, as scripts)'] = `${ms(pct(syncTimes, 0.5))} / ${ms(pct(syncTimes, 0.99))}`;

// remote tasks from a script, as users send them; python3's process pool beside them
// the same measurement in both languages: round trips one at a time, then 20,000 at once
const taskLoop = (pad: string, submit: (x: string) => string, wait: string) => [
  `${submit('0')}${wait}`,
  'lat = []',
  'for i in range(3000):',
  '    t0 = time.perf_counter()',
  `    ${submit('i')}${wait}`,
  '    lat.append((time.perf_counter() - t0) * 1000)',
  'lat.sort()',
  'n = 20000',
  't0 = time.perf_counter()',
  `futs = [${submit('i')} for i in range(n)]`,
  `s = sum(f${wait} for f in futs)`,
  'dt = time.perf_counter() - t0',
  'assert s == n * (n - 1) // 2',
  'print(lat[len(lat) // 2], lat[len(lat) * 99 // 100], n / dt)',
].map(l => pad + l).join('\n') + '\n';
const xScript = join(dir, 'tasks.x');
writeFileSync(xScript, `import cantor
import time
def noop(x):
    return x
pool = cantor.pool()
${taskLoop('', x => `noop.taskrun(pool, ${x})`, '.get()')}`);
const pyScript = join(dir, 'tasks.py');
writeFileSync(pyScript, `import time
from concurrent.futures import ProcessPoolExecutor
def noop(x):
    return x
if __name__ == "__main__":
    with ProcessPoolExecutor(2) as pool:
${taskLoop('        ', x => `pool.submit(noop, ${x})`, '.result()')}`);
const capPath = join(dir, 'cap');
writeFileSync(capPath, cap + '\n');
const taskRows = (out: string) => {
  const [p50, p99, perS] = out.trim().split(/\s+/).map(Number);
  if (!(p50! >= 0 && perS! > 0)) throw new Error(`unexpected task benchmark output: ${out}`);
  return { 'remote task round trip p50 / p99': `${ms(p50!)} / ${ms(p99!)}`, 'remote no-op tasks, 20,000 at once': rate(perS!, 1000) };
};
const xr = spawnSync(process.execPath, [cli, 'run', '--connect', addr, '--token-file', join(dataDir, 'cluster.token'), '--cap-file', capPath, xScript], { encoding: 'utf8' });
if (xr.status !== 0) throw new Error(`the task benchmark failed: ${xr.stderr}`);
Object.assign(results.cantor!, taskRows(xr.stdout));
console.log('  remote tasks: done');
const pr = spawnSync('python3', [pyScript], { encoding: 'utf8' });
const pyTasks = pr.status === 0 ? taskRows(pr.stdout) : null;

// workers stop 3 s after the last task; the node trims again 20 s later, and after 10 s without
// requests (runtime/cantor/memory.ts). Read from outside first (/proc, Linux), since answering
// the status request maps code back in.
await new Promise(r => setTimeout(r, 26_000));
const nodePid = children[0]!.pid!;
const vmRss = (() => { try { return /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${nodePid}/status`, 'utf8'))?.[1]; } catch { return undefined; } })();
const status = await peer.request(id, 'node.status') as { rssBytes: number };
const mib = (b: number) => `${(b / (1 << 20)).toFixed(0)} MiB`;
if (vmRss) results.cantor!['node RSS after the runs, idle'] = mib(Number(vmRss) * 1024);
results.cantor!['node RSS answering a status request then'] = mib(status.rssBytes);
await peer.stop();

const redisBin = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
if (redisBin) {
  const port = await freePort();
  const r = spawn(redisBin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', dir], { stdio: 'ignore' });
  children.push(r);
  let client: Client | null = null;
  for (let i = 0; i < 50 && !client; i++) { try { client = await redisClient(port); } catch { await new Promise(res => setTimeout(res, 100)); } }
  if (client) results.redis = await measure(`redis-server (${spawnSync(redisBin, ['--version'], { encoding: 'utf8' }).stdout.split(' ')[2]})`, client);
} else {
  console.log('  redis-server: not installed (apt-get install redis-server), no comparison');
}

console.log('');
const rows = Object.keys(results.cantor!);
console.log('measure'.padEnd(44) + 'cantor'.padStart(26) + (results.redis ? 'redis'.padStart(26) : ''));
for (const k of rows) console.log(k.padEnd(44) + results.cantor![k]!.padStart(26) + (results.redis?.[k] ? results.redis[k]!.padStart(26) : ''));
if (pyTasks) {
  console.log('\nbeside python3 ProcessPoolExecutor(2) on this machine (no network):');
  for (const [k, v] of Object.entries(pyTasks)) console.log(k.padEnd(44) + v.padStart(26));
}
process.exit(0);
