// Benchmarks: the same programs under xlang and python3 in one run, printed as ratios
// (python3 time / xlang time; above 1 means xlang is faster). Absolute times are noise on a
// shared machine; ratios measured side by side are not.
//
//   npm run bench [-- --runs 3] [-- --only fib,nbody]
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
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
const cacheHome = mkdtempSync(join(tmpdir(), 'xlang-bench-'));
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

console.log(`xlang vs python3 (${python}); best of ${runs} runs per program; ratio = python3 time / xlang time\n`);
console.log('program'.padEnd(14) + 'python3 ms'.padStart(12) + 'xlang ms'.padStart(12) + 'ratio'.padStart(9));
const ratios: number[] = [];
let mismatch = false;
for (const f of readdirSync(programs).filter(f => f.endsWith('.x')).sort()) {
  const name = f.replace(/\.x$/, '');
  if (only && !only.includes(name)) continue;
  const file = join(programs, f);
  timeRun(process.execPath, [...nodeFlags, cli, 'run', file]); // warm the compile cache
  const py = best(python, [file], runs);
  const xl = best(process.execPath, [...nodeFlags, cli, 'run', file], runs);
  const ratio = py.ms / xl.ms;
  ratios.push(ratio);
  const same = py.out === xl.out;
  if (!same) mismatch = true;
  console.log(name.padEnd(14) + fmt(py.ms).padStart(12) + fmt(xl.ms).padStart(12) + (fmt(ratio) + 'x').padStart(9) + (same ? '' : '   OUTPUT DIFFERS'));
}
if (ratios.length) {
  const geo = Math.exp(ratios.reduce((a, r) => a + Math.log(r), 0) / ratios.length);
  console.log(`\ngeometric mean: ${fmt(geo)}x faster than python3; slowest: ${fmt(Math.min(...ratios))}x`);
}

// Start-up: `xlang run hello.x` against `python3 hello.py`.
const dir = mkdtempSync(join(tmpdir(), 'xlang-hello-'));
writeFileSync(join(dir, 'hello.x'), 'print("hello")\n');
writeFileSync(join(dir, 'hello.py'), 'print("hello")\n');
timeRun(process.execPath, [...nodeFlags, cli, 'run', join(dir, 'hello.x')]);
const pyStart: number[] = [], xlStart: number[] = [];
for (let i = 0; i < 15; i++) {
  pyStart.push(timeRun(python, [join(dir, 'hello.py')]).ms);
  xlStart.push(timeRun(process.execPath, [...nodeFlags, cli, 'run', join(dir, 'hello.x')]).ms);
}
const ps = median(pyStart), xs = median(xlStart);
console.log(`\nstart-up (median of 15): python3 hello.py ${fmt(ps)} ms, xlang run hello.x ${fmt(xs)} ms: ${fmt(xs / ps)}x python3's`);

// Compile throughput on a large generated file.
const { compile } = await import('../compiler/index.js');
const unit = readFileSync(join(programs, 'nbody.x'), 'utf8') + readFileSync(join(programs, 'classes.x'), 'utf8') +
  readFileSync(join(programs, 'dictlist.x'), 'utf8') + readFileSync(join(programs, 'strings.x'), 'utf8');
let big = '';
let lines = 0;
for (let i = 0; lines < 50000; i++) {
  // redefinitions are legal, so the unit can simply repeat
  big += unit + '\n';
  lines += unit.split('\n').length;
}
compile(big, 'big.x');
const times: number[] = [];
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  const r = compile(big, 'big.x');
  times.push(performance.now() - t0);
  if (r.diagnostics.some(d => d.severity === 'error')) throw new Error('generated file has errors: ' + r.diagnostics[0]!.message);
}
const ct = Math.min(...times);
console.log(`compile throughput: ${lines} lines in ${fmt(ct)} ms = ${Math.round(lines / (ct / 1000)).toLocaleString('en')} lines/s`);
rmSync(dir, { recursive: true, force: true });
rmSync(cacheHome, { recursive: true, force: true });
if (mismatch) { console.error('\nsome programs printed different output under xlang and python3'); process.exitCode = 1; }
