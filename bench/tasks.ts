// Task benchmarks: parallel speed-up of CPU-bound tasks on 1 vs 2 workers beside python3
// threads doing the same work, no-op task throughput and latency, memory per idle worker, and
// the peak memory of a million submissions whose futures are dropped (backpressure).
//
//   npm run bench:tasks
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { tmpdir, availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'dist', 'runtime', 'cli', 'main.js');
const nodeFlags = ['--max-semi-space-size=32'];
const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
const dir = mkdtempSync(join(tmpdir(), 'xlang-bench-tasks-'));
const env = { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') };

const WORK = `
def work(n):
    s = 0
    for i in range(n):
        s = (s + i * i) % 1000003
    return s
`;

const files: Record<string, string> = {
  'scale.x': `import time, sys\n${WORK}
n = int(sys.argv[1])
pool = taskpool()
warm = [work.taskrun(pool, 1000) for _ in range(4)]
for f in warm:
    f.get()
t0 = time.perf_counter()
futs = [work.taskrun(pool, n) for _ in range(8)]
total = sum([f.get() for f in futs])
print(round((time.perf_counter() - t0) * 1000, 1), total)
`,
  'scale.py': `import time, sys
from concurrent.futures import ThreadPoolExecutor\n${WORK}
n = int(sys.argv[1])
pool = ThreadPoolExecutor(max_workers=int(sys.argv[2]))
t0 = time.perf_counter()
futs = [pool.submit(work, n) for _ in range(8)]
total = sum([f.result() for f in futs])
print(round((time.perf_counter() - t0) * 1000, 1), total)
`,
  'flood.x': `import time, sys
def noop(x):
    return x
n = int(sys.argv[1])
pool = taskpool()
noop.taskrun(pool, 0).get()
t0 = time.perf_counter()
futs = [noop.taskrun(pool, i) for i in range(n)]
s = 0
for f in futs:
    s += f.get()
el = time.perf_counter() - t0
lat = sorted([f.getTotalTime() for f in futs])
seq = []
for i in range(2000):
    t1 = time.perf_counter()
    noop.taskrun(pool, i).get()
    seq.append((time.perf_counter() - t1) * 1000)
seq.sort()
print(round(n / el), lat[n // 2], lat[n * 99 // 100], round(seq[1000], 3), round(seq[1980], 3), s == n * (n - 1) // 2)
`,
  'idle.x': `def noop():
    return 0
pool = taskpool()
noop.taskrun(pool).get()
print("ready", flush=True)
sleep(1500)
`,
  'million.x': `import time
def noop(x):
    return x
pool = taskpool()
t0 = time.perf_counter()
for i in range(1000000):
    noop.taskrun(pool, i)
noop.taskrun(pool, 0).get()
print(round(1000000 / (time.perf_counter() - t0)))
`,
};
for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);

function xlang(file: string, args: string[], workers: number): string {
  const r = spawnSync(process.execPath, [...nodeFlags, cli, 'run', join(dir, file), ...args], { encoding: 'utf8', env: { ...env, XLANG_WORKERS: String(workers) } });
  if (r.status !== 0) throw new Error(`xlang ${file} failed (${r.status}):\n${r.stderr}`);
  return r.stdout.trim();
}

function py(file: string, args: string[]): string {
  const r = spawnSync(python, [join(dir, file), ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 ${file} failed:\n${r.stderr}`);
  return r.stdout.trim();
}

const ms = (out: string): number => Number(out.split(' ')[0]);
const bestOf = (n: number, f: () => number): number => Math.min(...Array.from({ length: n }, f));

/** Peak and sampled resident memory (KiB) of a child process, from /proc. */
function rssOf(pid: number): number {
  try { return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]); } catch { return 0; }
}

async function watch(file: string, workers: number, sampleAfterReady: boolean): Promise<{ out: string; peak: number; atReady: number }> {
  const child = spawn(process.execPath, [...nodeFlags, cli, 'run', join(dir, file)], { env: { ...env, XLANG_WORKERS: String(workers) } });
  let out = '', peak = 0, atReady = 0;
  const timer = setInterval(() => { peak = Math.max(peak, rssOf(child.pid!)); }, 20);
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (sampleAfterReady && out.includes('ready') && !atReady) setTimeout(() => { atReady = rssOf(child.pid!); }, 500);
  });
  try {
    await new Promise<void>((res, rej) => child.on('exit', c => (c === 0 ? res() : rej(new Error(`${file} exited ${c}`)))));
  } finally {
    clearInterval(timer);
    child.kill();
  }
  return { out: out.trim(), peak, atReady };
}

console.log(`task benchmarks on ${availableParallelism()} cores; python3 = ${python}\n`);

// 1. parallel speed-up
const xn = '30000000', pn = '1500000';
const x1 = bestOf(3, () => ms(xlang('scale.x', [xn], 1)));
const x2 = bestOf(3, () => ms(xlang('scale.x', [xn], 2)));
const p1 = bestOf(3, () => ms(py('scale.py', [pn, '1'])));
const p2 = bestOf(3, () => ms(py('scale.py', [pn, '2'])));
console.log('8 CPU-bound tasks          1 worker ms   2 workers ms   speed-up');
console.log(`xlang taskpool             ${x1.toFixed(0).padStart(11)}   ${x2.toFixed(0).padStart(12)}   ${(x1 / x2).toFixed(2)}x`);
console.log(`python3 threads            ${p1.toFixed(0).padStart(11)}   ${p2.toFixed(0).padStart(12)}   ${(p1 / p2).toFixed(2)}x`);

// 2. throughput and latency
const [rate, p50, p99, s50, s99, ok] = xlang('flood.x', ['200000'], availableParallelism()).split(' ');
if (ok !== 'True') throw new Error('flood.x computed a wrong sum');
console.log(`\nno-op tasks: ${rate} tasks/s (200,000 submitted at once; submit-to-done p50 ${p50} ms, p99 ${p99} ms)`);
console.log(`one task at a time: round trip p50 ${s50} ms, p99 ${s99} ms`);

// 3. memory per idle worker
const one = await watch('idle.x', 1, true);
const five = await watch('idle.x', 5, true);
console.log(`\nidle worker isolate: ${((five.atReady - one.atReady) / 4 / 1024).toFixed(1)} MiB each (process RSS ${(one.atReady / 1024).toFixed(0)} MiB with 1 worker, ${(five.atReady / 1024).toFixed(0)} MiB with 5)`);

// 4. backpressure
const mil = await watch('million.x', availableParallelism(), false);
console.log(`1,000,000 tasks submitted in a loop (futures dropped): ${mil.out} tasks/s, peak RSS ${(mil.peak / 1024).toFixed(0)} MiB`);

rmSync(dir, { recursive: true, force: true });
