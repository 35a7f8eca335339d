#!/usr/bin/env node
// The `xlang` command. Exit codes: 0 success, 1 uncaught error, 2 usage or compile error.
import module from 'node:module';

import v8 from 'node:v8';

// Cache V8 bytecode of our own modules between runs: start-up is a product feature.
(module as unknown as { enableCompileCache?: () => void }).enableCompileCache?.();
// Compiled XLang calls small runtime operators (add, getitem...) everywhere; V8's default
// inlining budget runs out in arithmetic-heavy functions, so raise it (measured in bench/).
// (Not for `run --sandbox`: QuickJS runs the program there, and changed V8 flags cost its worker
// thread about 15 ms of start-up.)
if (!(process.argv[2] === 'run' && process.argv.slice(3).find(a => a === '--sandbox' || !a.startsWith('-')) === '--sandbox')) {
  v8.setFlagsFromString('--max-inlined-bytecode-size-cumulative=6000');
  v8.setFlagsFromString('--max-inlined-bytecode-size=800');
}

// A long-lived node mostly waits: a small young generation keeps it small (~14 MB less resident
// when idle, and it does not balloon under load). The flag only counts at start-up, so the
// process replaces itself once with it (same pid, same stdio).
const SMALL_HEAP = '--max-semi-space-size=1';
const execve = (process as unknown as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
if (process.argv[2] === 'node' && process.argv[3] === 'start' && !process.execArgv.includes(SMALL_HEAP) && typeof execve === 'function') {
  // (and few malloc arenas: the task workers' threads leave theirs behind otherwise)
  execve(process.execPath, [process.execPath, SMALL_HEAP, '--expose-gc', ...process.execArgv, ...process.argv.slice(1)], { MALLOC_ARENA_MAX: '2', ...process.env });
}

const { readFileSync, writeFileSync, existsSync, mkdtempSync, rmSync } = await import('node:fs');

// Fast path for running a program: commander (about 14 ms to load) is only needed for the rest.
const argv = inspectOption(process.argv.slice(2));
const SUBCOMMANDS = new Set(['run', 'compile', 'check', 'help', 'repl', 'lsp', 'node']);
const sandboxRun = argv[0] === 'run' ? sandboxArgs(argv.slice(1)) : null;
if (argv.length >= 2 && argv[0] === 'run' && !argv[1]!.startsWith('-')) {
  await runFile(argv[1]!, argv.slice(2));
} else if (sandboxRun) {
  await runSandboxed(sandboxRun.file, sandboxRun.args, sandboxRun.opts);
} else if (argv.length >= 1 && !argv[0]!.startsWith('-') && !SUBCOMMANDS.has(argv[0]!)) {
  await runFile(argv[0]!, argv.slice(1));
} else {
  await commandLine();
}

async function commandLine(): Promise<void> {
const { Command, CommanderError } = await import('commander');

const program = new Command();
program
  .name('xlang')
  .description('XLang: a Python-like language for distributed AI and IoT, compiled to JavaScript')
  .version('0.1.0')
  .option('-c, --code <code>', 'run a program passed as a string')
  .argument('[file]', 'an .x program to run (same as `xlang run file`)')
  .argument('[args...]', 'arguments for the program (sys.argv[1:])')
  .allowExcessArguments(true)
  .enablePositionalOptions()
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  .action(async (file: string | undefined, args: string[], opts: { code?: string }) => {
    if (opts.code !== undefined) return runSource(opts.code, [...(file ? [file] : []), ...args]);
    if (file) return runFile(file, args);
    program.help({ error: true });
  });

program.command('run')
  .description('run an .x program')
  .argument('<file>', 'the program')
  .argument('[args...]', 'arguments for the program (sys.argv[1:])')
  .option('--sandbox', 'run in the QuickJS sandbox: no file, process or network access')
  .option('--memory-limit <MB>', 'sandbox memory limit in MB (default 256)', (v: string) => intOption('--memory-limit', v))
  .option('--time-limit <ms>', 'sandbox time limit in ms, sleeping included (default: none)', (v: string) => intOption('--time-limit', v))
  .option('--stack-limit <KB>', 'sandbox stack limit in KB (default 1024)', (v: string) => intOption('--stack-limit', v))
  .option('--data-dir <dir>', "the embedded Cantor node's data directory (default .xlang/ in the working directory)")
  .option('--ephemeral', 'give the embedded Cantor node a temporary data directory, removed at exit')
  .option('--connect <addr>', "bind the program's cantor calls to the Cantor node at addr (host:port or multiaddr)")
  .option('--token-file <file>', 'with --connect: the cluster token (else XLANG_CLUSTER_TOKEN)')
  .option('--cap-file <file>', "with --connect: a capability token from 'xlang node token' (else XLANG_TOKEN)")
  .allowExcessArguments(true)
  .passThroughOptions()
  .action(async (file: string, args: string[], opts: SandboxFlags & ConnectFlags & { dataDir?: string; ephemeral?: boolean }) => {
    if (opts.dataDir !== undefined && opts.ephemeral) usage('--data-dir and --ephemeral exclude each other');
    if (opts.connect !== undefined && (opts.dataDir !== undefined || opts.ephemeral)) usage('--connect uses the remote node: --data-dir and --ephemeral do not apply');
    if (opts.connect !== undefined && opts.sandbox) usage('--sandbox programs have no Cantor access, so --connect does not apply');
    bindConnection(opts);
    if (opts.dataDir !== undefined) process.env.XLANG_DATA_DIR = (await import('node:path')).resolve(opts.dataDir);
    if (opts.ephemeral) {
      // the node (and task workers, which inherit the environment) keep their data here
      const { join } = await import('node:path');
      const { tmpdir } = await import('node:os');
      const dir = mkdtempSync(join(tmpdir(), 'xlang-node-'));
      process.env.XLANG_DATA_DIR = dir;
      process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    }
    if (opts.sandbox) return runSandboxed(file, args, opts);
    const limit = [['memoryLimit', '--memory-limit'], ['timeLimit', '--time-limit'], ['stackLimit', '--stack-limit']].find(([k]) => opts[k as keyof SandboxFlags] !== undefined);
    if (limit) usage(`${limit[1]} applies only to sandboxed runs: add --sandbox`);
    return runFile(file, args);
  });

program.command('compile')
  .description('compile an .x file to a JavaScript ES module with a source map')
  .argument('<file>', 'the .x source')
  .option('-o, --out <file>', 'output .js file (default: beside the source)')
  .option('--minify', 'minify the output with swc')
  .action(async (file: string, opts: { out?: string; minify?: boolean }) => {
    const { compile } = await import('../../compiler/index.js');
    const source = readSource(file);
    const res = compile(source, file);
    if (await printDiagnostics(res.diagnostics, file, source)) process.exit(2);
    const out = opts.out ?? file.replace(/\.x$/, '') + '.js';
    let js = res.js, map = res.map;
    if (opts.minify) {
      const swc = await import('@swc/core');
      // transform (not minify) accepts the compiler's source map, so the result maps to the .x file
      const r = await swc.transform(js, {
        filename: out, minify: true, isModule: true, sourceMaps: true, inputSourceMap: map,
        jsc: { target: 'es2022', minify: { compress: true, mangle: true } },
      });
      js = r.code;
      map = r.map ?? map;
    }
    const mapFile = out + '.map';
    writeFileSync(out, `${js}\n//# sourceMappingURL=${mapFile.split('/').pop()}\n`);
    writeFileSync(mapFile, map);
  });

program.command('repl')
  .description('an interactive session (names persist between inputs; Tab completes)')
  .option('--connect <addr>', "bind the session's cantor calls to the Cantor node at addr")
  .option('--token-file <file>', 'with --connect: the cluster token (else XLANG_CLUSTER_TOKEN)')
  .option('--cap-file <file>', "with --connect: a capability token from 'xlang node token' (else XLANG_TOKEN)")
  .action(async (opts: ConnectFlags) => {
    bindConnection(opts);
    const { repl } = await import('./repl.js');
    process.exitCode = await repl();
  });

program.command('lsp')
  .description('the language server (Language Server Protocol over stdin/stdout)')
  .option('--stdio', 'talk over stdin/stdout (the default and only transport)')
  .action(async () => {
    const { startServer } = await import('../../lsp/server.js');
    startServer();
  });

program.command('check')
  .description('report diagnostics for .x files (exit 2 when any has errors)')
  .argument('<files...>', 'the .x files')
  .option('--format <format>', 'text or json', 'text')
  .action(async (files: string[], opts: { format: string }) => {
    if (opts.format !== 'text' && opts.format !== 'json') usage(`--format must be 'text' or 'json', not '${opts.format}'`);
    const { compile } = await import('../../compiler/index.js');
    let errors = 0;
    const report: unknown[] = [];
    for (const f of files) {
      const source = readSource(f);
      const res = compile(source, f);
      errors += res.diagnostics.filter(d => d.severity === 'error').length;
      if (opts.format === 'json') report.push(...res.diagnostics.map(d => ({ file: f, ...d, line: d.line, column: d.col + 1 })));
      else await printDiagnostics(res.diagnostics, f, source);
    }
    if (opts.format === 'json') process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else if (errors === 0) process.stderr.write(`${files.length} file${files.length === 1 ? '' : 's'} checked, no errors\n`);
    process.exit(errors ? 2 : 0);
  });

(await import('./node.js')).addNodeCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  throw e;
}
}

interface ConnectFlags { connect?: string; tokenFile?: string; capFile?: string }

/**
 * `--connect addr`: the cantor module binds to that node (stdlib/cantor.ts reads XLANG_CONNECT
 * and the credentials' files when the program first uses it). Missing credentials are found now.
 */
function bindConnection(opts: ConnectFlags): void {
  if (opts.connect === undefined) {
    if (opts.tokenFile !== undefined || opts.capFile !== undefined) usage('--token-file and --cap-file go with --connect');
    return;
  }
  const { resolve } = module.createRequire(import.meta.url)('node:path') as typeof import('node:path');
  for (const [flag, file, env] of [['--token-file', opts.tokenFile, 'XLANG_CLUSTER_TOKEN'], ['--cap-file', opts.capFile, 'XLANG_TOKEN']] as const) {
    if (file !== undefined) {
      if (!existsSync(file)) usage(`${flag}: no such file: ${file}`);
      process.env[`${env}_FILE`] = resolve(file);
      delete process.env[env];
    } else if (!process.env[env] && !process.env[`${env}_FILE`]) {
      usage(`--connect ${opts.connect} needs ${env === 'XLANG_TOKEN' ? "a capability token: --cap-file FILE or XLANG_TOKEN (issue one with 'xlang node token')" : 'the cluster token: --token-file FILE or XLANG_CLUSTER_TOKEN'}`);
    }
  }
  process.env.XLANG_CONNECT = opts.connect;
  // connect while the program compiles; a failure surfaces at the program's first cantor call
  try { (module.createRequire(import.meta.url)('../cantor/client.js') as typeof import('../cantor/client.js')).connectedClient(); } catch { /* reported then */ }
}

interface SandboxFlags { sandbox?: boolean; memoryLimit?: number; timeLimit?: number; stackLimit?: number }

/** The value of a sandbox limit option: a whole number within its bounds, else a usage error (exit 2). */
function intOption(name: string, v: string): number {
  const [lo, hi] = name === '--memory-limit' ? [8, 2000] : name === '--time-limit' ? [1, 2 ** 31 - 1] : [64, 4096];
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < lo! || n > hi!) usage(`${name} must be a whole number from ${lo} to ${hi}, not '${v}'`);
  return n;
}

/**
 * `run --sandbox [limits] file args...` parsed without commander (start-up time): null for
 * anything else, which commander then parses (and reports).
 */
function sandboxArgs(rest: string[]): { file: string; args: string[]; opts: SandboxFlags } | null {
  const opts: SandboxFlags = {};
  const keys: Record<string, keyof SandboxFlags> = { '--memory-limit': 'memoryLimit', '--time-limit': 'timeLimit', '--stack-limit': 'stackLimit' };
  let i = 0;
  for (; i < rest.length && rest[i]!.startsWith('-'); i++) {
    const a = rest[i]!;
    if (a === '--sandbox') { opts.sandbox = true; continue; }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    const key = keys[name];
    if (!key) return null;
    const v = eq > 0 ? a.slice(eq + 1) : rest[++i];
    if (v === undefined) return null;
    (opts as Record<string, unknown>)[key] = intOption(name, v);
  }
  if (!opts.sandbox || i >= rest.length) return null;
  return { file: rest[i]!, args: rest.slice(i + 1), opts };
}

/** `xlang run --sandbox`: the program runs in QuickJS (runtime/hosts/quickjs.ts). */
async function runSandboxed(file: string, args: string[], opts: SandboxFlags): Promise<void> {
  const { SandboxHost } = await import('../hosts/quickjs.js');
  const host = new SandboxHost({ preload: false });
  // the worker loads QuickJS and the runtime while this thread reads the program
  host.prepare({ memoryLimitMB: opts.memoryLimit, stackLimitKB: opts.stackLimit });
  try {
    const source = readSource(file);
    const r = await host.run(file, source, { argv: [file, ...args], memoryLimitMB: opts.memoryLimit, timeLimitMs: opts.timeLimit, stackLimitKB: opts.stackLimit });
    process.exitCode = r.exitCode;
  } finally {
    host.close();
  }
}

function usage(msg: string): never {
  process.stderr.write(`xlang: ${msg}\n`);
  process.exit(2);
}

function readSource(file: string): string {
  if (!existsSync(file)) usage(`no such file: ${file}`);
  try { return readFileSync(file, 'utf8'); } catch (e) { usage(`cannot read ${file}: ${(e as Error).message}`); }
}

async function printDiagnostics(diags: import('../../compiler/diagnostics.js').Diagnostic[], file: string, source: string): Promise<boolean> {
  if (!diags.length) return false;
  const { formatDiagnostic, LineMap } = await import('../../compiler/diagnostics.js');
  const lines = new LineMap(source);
  for (const d of diags) process.stderr.write(formatDiagnostic(d, file, lines) + '\n');
  return diags.some(d => d.severity === 'error');
}

async function runFile(file: string, args: string[]): Promise<void> {
  const source = readSource(file);
  await execute(file, args, host => host.runMain(file, source));
}

async function runSource(code: string, args: string[]): Promise<void> {
  await execute('-c', args, host => host.runSource(code, '<string>'));
}

async function execute(argv0: string, args: string[], run: (host: import('../hosts/main.js').MainHost) => void): Promise<void> {
  const { MainHost, CompileError } = await import('../hosts/main.js');
  const host = new MainHost({ argv: [argv0, ...args] });
  let status = 0;
  try {
    run(host);
  } catch (e) {
    host.flush();
    if (e instanceof CompileError) {
      await printDiagnostics(e.diagnostics, e.path, e.source);
      status = 2;
    } else {
      const exit = host.systemExitCode(e);
      if (exit) {
        if (exit.message !== null) process.stderr.write(exit.message + '\n');
        status = exit.code;
      } else {
        process.stderr.write(host.traceback(e));
        status = 1;
      }
    }
  }
  host.flush();
  process.exitCode = status;
}

/**
 * `xlang run --inspect[=[host:]port] file.x` (and --inspect-brk: stop at the program's first
 * line): opens the V8 inspector in this process; scripts then carry their source maps, so a
 * debugger shows and stops in the .x file. Returns argv without the option.
 */
function inspectOption(args: string[]): string[] {
  const i = args[0] === 'run' ? 1 : 0;
  const m = /^--inspect(-brk)?(?:=(?:([\w.-]+):)?(\d+))?$/.exec(args[i] ?? '');
  if (!m) return args;
  const port = m[3] !== undefined ? Number(m[3]) : 9229;
  if (port > 65535) usage(`--inspect: bad port ${m[3]}`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const inspector = module.createRequire(import.meta.url)('node:inspector') as typeof import('node:inspector');
  try { inspector.open(port, m[2] ?? '127.0.0.1', false); } catch (e) { usage(`--inspect: ${(e as Error).message}`); }
  process.stderr.write(`Debugger listening on ${inspector.url()}\n`);
  if (m[1]) {
    inspector.waitForDebugger();
    process.env.XLANG_BREAK_ON_START = '1';
  }
  return [...args.slice(0, i), ...args.slice(i + 1)];
}
