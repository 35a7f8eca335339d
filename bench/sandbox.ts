// The sandbox's speed: every program in bench/programs under `xlang run --sandbox` (QuickJS) and
// under python3 in the same run, printed as ratios (python3 time / sandbox time; above 1 means
// the sandbox is faster), then start-up: hello under the sandbox, `xlang run` and python3.
//
//   npx tsc && npx node dist/bench/sandbox.js [--runs 3] [--only fib,nbody]
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const programs = join(root, 'bench', 'programs');
const cli = join(root, 'dist', 'runtime', 'cli', 'main.js');
/** How ./xlang starts the CLI (the node options it passes). */
const nodeFlags = ['--max-semi-space-size=32'];

const args = process.argv.slice(2);
const runs = Number(argValue('--runs') ?? 3);
const only = argValue('--only')?.split(',');

function argValue(name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The python3 binary itself (a version-manager shim would add its own start-up time). */
const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
const cacheHome = mkdtempSync(join(tmpdir(), 'xlang-bench-sandbox-'));
const env = { ...process.env, XDG_CACHE_HOME: cacheHome };

function timeRun(cmd: string, argv: string[]): { ms: number; out: string } {
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { encoding: 'utf8', env, maxBuffer: 1 << 26 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return { ms, out: r.stdout };
}

function best(cmd: string, argv: string[], n: number): { ms: number; out: string } {
  let b = timeRun(cmd, argv);
  for (let i = 1; i < n; i++) { const r = timeRun(cmd, argv); if (r.ms < b.ms) b = r; }
  return b;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

const fmt = (x: number) => x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2);
const sandbox = (file: string) => [...nodeFlags, cli, 'run', '--sandbox', '--memory-limit', '1024', file];

console.log(`xlang run --sandbox (QuickJS) vs python3 (${python}); best of ${runs} runs per program; ratio = python3 time / sandbox time\n`);
console.log('program'.padEnd(14) + 'python3 ms'.padStart(12) + 'sandbox ms'.padStart(12) + 'ratio'.padStart(9));
const ratios: number[] = [];
let mismatch = false;
for (const f of readdirSync(programs).filter(f => f.endsWith('.x')).sort()) {
  const name = f.replace(/\.x$/, '');
  if (only && !only.includes(name)) continue;
  const file = join(programs, f);
  timeRun(process.execPath, sandbox(file)); // warm the compile cache
  const py = best(python, [file], runs);
  const sb = best(process.execPath, sandbox(file), runs);
  const ratio = py.ms / sb.ms;
  ratios.push(ratio);
  const same = py.out === sb.out;
  if (!same) mismatch = true;
  console.log(name.padEnd(14) + fmt(py.ms).padStart(12) + fmt(sb.ms).padStart(12) + (fmt(ratio) + 'x').padStart(9) + (same ? '' : '   OUTPUT DIFFERS'));
}
if (ratios.length) {
  const geo = Math.exp(ratios.reduce((a, r) => a + Math.log(r), 0) / ratios.length);
  console.log(`\ngeometric mean: ${fmt(geo)}x python3's speed (above 1: faster); slowest: ${fmt(Math.min(...ratios))}x`);
}

// Start-up: hello under the sandbox, under `xlang run`, and under python3.
const dir = mkdtempSync(join(tmpdir(), 'xlang-hello-'));
writeFileSync(join(dir, 'hello.x'), 'print("hello")\n');
writeFileSync(join(dir, 'hello.py'), 'print("hello")\n');
const hello = join(dir, 'hello.x');
timeRun(process.execPath, [...nodeFlags, cli, 'run', hello]);
timeRun(process.execPath, sandbox(hello));
const pyStart: number[] = [], xlStart: number[] = [], sbStart: number[] = [];
for (let i = 0; i < 15; i++) {
  pyStart.push(timeRun(python, [join(dir, 'hello.py')]).ms);
  xlStart.push(timeRun(process.execPath, [...nodeFlags, cli, 'run', hello]).ms);
  sbStart.push(timeRun(process.execPath, [...nodeFlags, cli, 'run', '--sandbox', hello]).ms);
}
const ps = median(pyStart), xs = median(xlStart), ss = median(sbStart);
console.log(`\nstart-up (median of 15): python3 hello.py ${fmt(ps)} ms, xlang run hello.x ${fmt(xs)} ms, xlang run --sandbox hello.x ${fmt(ss)} ms (${fmt(ss / xs)}x xlang run's)`);
rmSync(dir, { recursive: true, force: true });
rmSync(cacheHome, { recursive: true, force: true });
if (mismatch) { console.error('\nsome programs printed different output under the sandbox and python3'); process.exitCode = 1; }
