// The ceiling: the bench programs hand-written in plain JavaScript (bench/ceiling/*.js, the same
// algorithms and loop counts, no Python semantics), run on the same engines beside python3. A
// compiler from XLang to JS cannot beat plain JS on the engine it targets, so these ratios bound
// what `xlang run` (V8) and `xlang run --sandbox` (QuickJS) can reach on this set.
//
//   npm run build && node dist/bench/ceiling.js [--runs 3] [--only fib,nbody] [--quickjs]
//
// Every run's output must equal python3's. --quickjs adds plain JS inside QuickJS (the sandbox's
// engine, quickjs-emscripten's release build) and `xlang run --sandbox`; it takes minutes.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const programs = join(root, 'bench', 'programs');
const ports = join(root, 'bench', 'ceiling');
const cli = join(root, 'dist', 'runtime', 'cli', 'main.js');
const self = fileURLToPath(import.meta.url);
/** How ./xlang starts the CLI (the node options it passes). */
const nodeFlags = ['--max-semi-space-size=32'];

// `node ceiling.js --in-quickjs file.js`: run one port inside QuickJS, printing what it logs
if (process.argv[2] === '--in-quickjs') {
  const { getQuickJS } = await import('quickjs-emscripten');
  const qjs = await getQuickJS();
  const vm = qjs.newContext();
  const out: string[] = [];
  const log = vm.newFunction('log', (...a) => { out.push(a.map(h => String(vm.dump(h))).join(' ')); });
  const consoleObj = vm.newObject();
  vm.setProp(consoleObj, 'log', log);
  vm.setProp(vm.global, 'console', consoleObj);
  log.dispose(); consoleObj.dispose();
  const r = vm.evalCode(readFileSync(process.argv[3]!, 'utf8'), process.argv[3]!);
  if (r.error) { const e = vm.dump(r.error); r.error.dispose(); vm.dispose(); throw new Error(`QuickJS: ${JSON.stringify(e)}`); }
  r.value.dispose();
  vm.dispose();
  process.stdout.write(out.join('\n') + '\n');
  process.exit(0);
}

const args = process.argv.slice(2);
const argValue = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const runs = Number(argValue('--runs') ?? 3);
const only = argValue('--only')?.split(',');
const withQuickJS = args.includes('--quickjs');

const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
const cacheHome = mkdtempSync(join(tmpdir(), 'xlang-ceiling-'));
const env = { ...process.env, XDG_CACHE_HOME: cacheHome };

function best(cmd: string, argv: string[], n: number): { ms: number; out: string } {
  let b: { ms: number; out: string } | null = null;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = spawnSync(cmd, argv, { encoding: 'utf8', env, maxBuffer: 1 << 26 });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}):\n${r.stderr}`);
    if (!b || ms < b.ms) b = { ms, out: r.stdout };
  }
  return b!;
}

const geo = (xs: number[]) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
const fmt = (x: number) => x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2);
const cols = ['python3 ms', 'JS ms', 'xlang ms', 'JS ratio', 'xlang ratio', ...(withQuickJS ? ['qjs JS ms', 'sandbox ms', 'qjs ratio', 'sandbox ratio'] : [])];
console.log(`plain JS and xlang vs python3 (${python}); best of ${runs}; ratio = python3 time / the other's\n`);
console.log('program'.padEnd(12) + cols.map(c => c.padStart(14)).join(''));
const ratios: Record<string, number[]> = { js: [], xlang: [], qjs: [], sandbox: [] };
let mismatch = false;
for (const f of readdirSync(programs).filter(f => f.endsWith('.x')).sort()) {
  const name = f.replace(/\.x$/, '');
  if (only && !only.includes(name)) continue;
  const src = join(programs, f), port = join(ports, name + '.js');
  const py = best(python, [src], runs);
  const js = best(process.execPath, [...nodeFlags, port], runs);
  const xl = best(process.execPath, [...nodeFlags, cli, 'run', src], runs);
  const row = [py.ms, js.ms, xl.ms, py.ms / js.ms, py.ms / xl.ms];
  const outs = [['plain JS', js.out], ['xlang', xl.out]];
  ratios.js!.push(py.ms / js.ms); ratios.xlang!.push(py.ms / xl.ms);
  if (withQuickJS) {
    const q = best(process.execPath, [self, '--in-quickjs', port], 1);
    const sb = best(process.execPath, [...nodeFlags, cli, 'run', '--sandbox', '--time-limit', '600000', '--memory-limit', '1024', src], 1);
    row.push(q.ms, sb.ms, py.ms / q.ms, py.ms / sb.ms);
    outs.push(['QuickJS', q.out], ['sandbox', sb.out]);
    ratios.qjs!.push(py.ms / q.ms); ratios.sandbox!.push(py.ms / sb.ms);
  }
  for (const [who, out] of outs) if (out !== py.out) { mismatch = true; console.log(`  ${name}: ${who} printed ${JSON.stringify(out)}, python3 ${JSON.stringify(py.out)}`); }
  console.log(name.padEnd(12) + row.map((x, i) => (i >= 3 && i !== 5 && i !== 6 ? fmt(x) + 'x' : fmt(x)).padStart(14)).join(''));
}
const g = (k: string) => (ratios[k]!.length ? fmt(geo(ratios[k]!)) + 'x' : '-');
console.log(`\ngeomean: plain JS ${g('js')}, xlang ${g('xlang')}${withQuickJS ? `; plain JS in QuickJS ${g('qjs')}, xlang --sandbox ${g('sandbox')}` : ''}`);
rmSync(cacheHome, { recursive: true, force: true });
if (mismatch) process.exit(1);
