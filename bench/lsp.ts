// Language server benchmark: a generated 10,000-line file opened in `xlang lsp --stdio`, then
// ~50 edits, each timed from didChange to the publishDiagnostics of that version, completion
// requests, hover and semantic tokens; the server's memory is the RSS of its process tree (from
// /proc). The same code is valid Python, so the same session is driven, with the same edits,
// against pyright's language server (`pyright-langserver --stdio`, a devDependency) on a .py
// copy, and both are printed side by side.
//
//   npx tsc -p tsconfig.json && npx node dist/bench/lsp.js [--lines 10000] [--edits 50] [--delay <ms>] [--no-pyright]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import {
  createProtocolConnection, InitializeRequest, InitializedNotification, DidOpenTextDocumentNotification,
  DidChangeTextDocumentNotification, PublishDiagnosticsNotification, CompletionRequest, HoverRequest, SemanticTokensRequest,
  ShutdownRequest, ExitNotification, type PublishDiagnosticsParams, type Position, type TextDocumentContentChangeEvent,
  type InitializeResult, type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'dist', 'runtime', 'cli', 'main.js');
const args = process.argv.slice(2);
const argValue = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const LINES = Number(argValue('--lines') ?? 10000);
const EDITS = Number(argValue('--edits') ?? 50);
const delayArg = argValue('--delay');
/** How long to wait for any one answer before calling the server stuck. */
const WAIT_MS = 120_000;

/** A realistic file: classes with methods, functions with loops and branches, module-level code (valid XLang and Python). */
export function generate(lines: number): string {
  const out: string[] = ['"""Generated for the language server benchmark."""', 'import math', 'import json', ''];
  for (let i = 0; out.length < lines; i++) {
    out.push(
      `class Account${i}:`,
      `    """Account number ${i}."""`,
      `    rate: float = 0.0${i % 10}`,
      `    def __init__(self, owner, balance=0):`,
      `        self.owner = owner`,
      `        self.balance = balance`,
      ``,
      `    def deposit(self, amount):`,
      `        if amount <= 0:`,
      `            raise ValueError("bad amount")`,
      `        self.balance += amount * (1 + self.rate)`,
      `        return self.balance`,
      ``,
      `def helper_${i}(values, scale=2):`,
      `    total = 0`,
      `    for v in values:`,
      `        if v % 2 == 0:`,
      `            total += v * scale`,
      `        else:`,
      `            total -= math.sqrt(abs(v))`,
      `    return [x * ${i} for x in range(3) if x != total]`,
      ``,
      `data_${i} = {"row": helper_${i}([1, 2, 3]), "acct": Account${i}("a${i}").deposit(5)}`,
      `print(f"row ${i}: {data_${i}}", json.dumps(data_${i}["row"]))`,
      ``,
    );
  }
  return out.slice(0, lines).join('\n') + '\n';
}

function pct(xs: number[], p: number): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}
const ms = (x: number) => `${x.toFixed(1)} ms`;

/** RSS of a process and its descendants (threads included), from /proc. */
function treeMemory(pid: number): { rss: number; hwm: number; procs: number } | null {
  const kb = (s: string, k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
  const visit = (p: number, acc: { rss: number; hwm: number; procs: number }) => {
    let status: string;
    try { status = readFileSync(`/proc/${p}/status`, 'utf8'); } catch { return; }
    acc.rss += kb(status, 'VmRSS') / 1024;
    acc.hwm += kb(status, 'VmHWM') / 1024;
    acc.procs++;
    let tasks: string[] = [];
    try { tasks = readdirSync(`/proc/${p}/task`); } catch { /* gone */ }
    for (const t of tasks) {
      let kids = '';
      try { kids = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8'); } catch { /* no such file */ }
      for (const c of kids.split(/\s+/).filter(Boolean)) visit(Number(c), acc);
    }
  };
  const acc = { rss: 0, hwm: 0, procs: 0 };
  visit(pid, acc);
  return acc.procs ? acc : null;
}

interface Server {
  name: string;
  /** Shown when the server does not name its version in serverInfo. */
  version?: string;
  command: string;
  args: string[];
  languageId: string;
  ext: string;
  initializationOptions: Record<string, unknown>;
  /** Answers workspace/configuration requests. */
  configuration?: (section: string | undefined) => unknown;
}

interface Results {
  name: string;
  version: string;
  openMs: number;
  firstDiagnostics: number;
  lastDiagnostics: number;
  editTimes: number[];
  /** Whether every publish carried the document version (else: the first publish after each change). */
  versioned: boolean;
  compTimes: number[];
  items: number;
  typingTimes: number[];
  hoverMs: number;
  tokMs: number | null;
  tokens: number;
  mem: { rss: number; hwm: number; procs: number } | null;
  problems: string[];
}

const withTimeout = <T>(p: Promise<T>, what: string): Promise<T> => {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, rej) => { timer = setTimeout(() => rej(new Error(`no answer to ${what} in ${WAIT_MS / 1000} s`)), WAIT_MS); })])
    .finally(() => clearTimeout(timer));
};

/** Opens the generated file in a server and runs the whole session against it. */
async function drive(server: Server, text0: string, dir: string): Promise<Results> {
  const path = join(dir, `generated${server.ext}`);
  writeFileSync(path, text0);
  const uri = pathToFileURL(path).href;
  const proc: ChildProcess = spawn(server.command, server.args, { stdio: ['pipe', 'pipe', 'pipe'], cwd: dir });
  const stderr: string[] = [];
  proc.stderr!.on('data', d => stderr.push(String(d)));
  const conn: ProtocolConnection = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  const problems: string[] = [];
  try {
    // a publish resolves the waiter for its version; one without a version resolves the oldest waiter
    const waiting: { version: number; resolve: (p: PublishDiagnosticsParams) => void }[] = [];
    let versioned = true;
    conn.onNotification(PublishDiagnosticsNotification.type, p => {
      if (p.uri !== uri) return;
      if (p.version === undefined || p.version === null) versioned = false;
      const k = p.version === undefined || p.version === null ? 0 : waiting.findIndex(w => w.version === p.version);
      if (k >= 0 && k < waiting.length) waiting.splice(k, 1)[0]!.resolve(p);
    });
    conn.onNotification('window/logMessage', (p: { type: number; message: string }) => { if (p.type === 1) problems.push(p.message); });
    conn.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) => p.items.map(it => server.configuration?.(it.section) ?? null));
    for (const m of ['client/registerCapability', 'client/unregisterCapability', 'window/workDoneProgress/create', 'workspace/semanticTokens/refresh', 'workspace/diagnostic/refresh']) {
      conn.onRequest(m, () => null);
    }
    conn.listen();
    const diagsFor = (version: number) => withTimeout(new Promise<PublishDiagnosticsParams>(res => waiting.push({ version, resolve: res })), `diagnostics of version ${version}`);
    const dirUri = pathToFileURL(dir).href;
    const init: InitializeResult = await withTimeout(conn.sendRequest(InitializeRequest.type, {
      processId: process.pid, rootUri: dirUri, workspaceFolders: [{ uri: dirUri, name: 'bench' }],
      capabilities: {
        textDocument: { publishDiagnostics: { versionSupport: true }, completion: { completionItem: { snippetSupport: false } } },
        workspace: { configuration: true, workspaceFolders: true },
      },
      initializationOptions: server.initializationOptions,
    }), 'initialize');
    await conn.sendNotification(InitializedNotification.type, {});

    let text = text0;
    const lines = () => text.split('\n');
    let version = 1;
    let t0 = performance.now();
    const opened = diagsFor(1);
    await conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: server.languageId, version, text } });
    const first = await opened;
    const openMs = performance.now() - t0;

    const offsetOf = (p: Position) => { const ls = lines(); let o = 0; for (let i = 0; i < p.line; i++) o += ls[i]!.length + 1; return o + p.character; };
    const apply = (range: { start: Position; end: Position }, ins: string) => {
      const s = offsetOf(range.start), e = offsetOf(range.end);
      text = text.slice(0, s) + ins + text.slice(e);
    };
    let last = first;
    const change = async (range: { start: Position; end: Position }, ins: string): Promise<number> => {
      apply(range, ins);
      const v = ++version;
      const done = diagsFor(v);
      const c: TextDocumentContentChangeEvent = { range, text: ins };
      const t = performance.now();
      await conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: v }, contentChanges: [c] });
      last = await done;
      return performance.now() - t;
    };

    // edits spread through the file: typing in a body, a new statement, renaming a module-level name
    const editTimes: number[] = [];
    const total = lines().length;
    for (let k = 0; k < EDITS; k++) {
      const line = Math.floor(((k * 7919) % 97) / 97 * (total - 30)) + 10;
      const ls = lines();
      let l = line;
      while (!/^ {4}total = 0$|^ {8}self.owner = owner$|^def helper_\d+/.test(ls[l]!)) l++;
      const kind = k % 3;
      if (/^def helper_/.test(ls[l]!)) {
        // rename the function (its module-level name changes: its users are re-analysed)
        editTimes.push(await change({ start: { line: l, character: 4 }, end: { line: l, character: 4 } }, 'x'));
      } else if (kind === 0) {
        editTimes.push(await change({ start: { line: l, character: ls[l]!.length }, end: { line: l, character: ls[l]!.length } }, ' + 1'));
      } else if (kind === 1) {
        editTimes.push(await change({ start: { line: l + 1, character: 0 }, end: { line: l + 1, character: 0 } }, '    extra = len("abc")\n'));
      } else {
        editTimes.push(await change({ start: { line: l, character: 4 }, end: { line: l, character: 5 } }, ls[l]![4]!));
      }
    }

    // completion: in function bodies, with no edit pending
    const compTimes: number[] = [];
    let items = 0;
    const ls2 = lines();
    const bodyLines = ls2.map((s, i) => (/^ {4}total = 0$/.test(s) ? i : -1)).filter(i => i >= 0);
    for (let k = 0; k < 50; k++) {
      const l = bodyLines[(k * 37) % bodyLines.length]!;
      const t = performance.now();
      const r = await withTimeout(conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: l, character: 6 } }), 'completion');
      compTimes.push(performance.now() - t);
      items = Array.isArray(r) ? r.length : r?.items.length ?? 0;
    }
    // completion right after typing (the request needs the edit analysed)
    const typingTimes: number[] = [];
    for (let k = 0; k < 20; k++) {
      const l = bodyLines[(k * 53) % bodyLines.length]!;
      const p = { line: l, character: 4 };
      apply({ start: p, end: p }, 't');
      const v = ++version;
      const t = performance.now();
      await conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: v }, contentChanges: [{ range: { start: p, end: p }, text: 't' }] });
      await withTimeout(conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: l, character: 5 } }), 'completion');
      typingTimes.push(performance.now() - t);
    }
    t0 = performance.now();
    await withTimeout(conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: bodyLines[3]!, character: 5 } }), 'hover');
    const hoverMs = performance.now() - t0;
    let tokMs: number | null = null, tokens = 0;
    if (init.capabilities.semanticTokensProvider) {
      t0 = performance.now();
      const toks = await withTimeout(conn.sendRequest(SemanticTokensRequest.type, { textDocument: { uri } }), 'semantic tokens');
      tokMs = performance.now() - t0;
      tokens = (toks?.data.length ?? 0) / 5;
    }
    const mem = treeMemory(proc.pid!);

    await withTimeout(conn.sendRequest(ShutdownRequest.type), 'shutdown');
    await conn.sendNotification(ExitNotification.type);
    return {
      name: server.name, version: init.serverInfo?.version ?? server.version ?? '', openMs, firstDiagnostics: first.diagnostics.length, lastDiagnostics: last.diagnostics.length,
      editTimes, versioned, compTimes, items, typingTimes, hoverMs, tokMs, tokens, mem, problems,
    };
  } catch (e) {
    throw new Error(`${server.name}: ${e instanceof Error ? e.message : String(e)}${stderr.length ? `\n${stderr.join('').slice(-2000)}` : ''}`);
  } finally {
    conn.dispose();
    proc.kill();
  }
}

/** pyright's language server from node_modules, or why it cannot be used. */
function pyrightServer(): Server | string {
  let entry: string, version = '';
  try {
    const require = createRequire(import.meta.url);
    entry = require.resolve('pyright/langserver.index.js');
    version = (JSON.parse(readFileSync(join(dirname(entry), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed (it is a devDependency: run npm install)';
  }
  return {
    name: 'pyright', version, command: process.execPath, args: [entry, '--stdio'], languageId: 'python', ext: '.py', initializationOptions: {},
    // defaults, as in an editor with no settings (typeCheckingMode "standard"; diagnostics of open files)
    configuration: section => (section === 'python.analysis' ? { diagnosticMode: 'openFilesOnly' } : {}),
  };
}

function report(rs: Results[], notes: string[]): void {
  const col = 30;
  const row = (label: string, f: (r: Results) => string) => console.log(`  ${label.padEnd(34)}${rs.map(r => f(r).padEnd(col)).join('')}`);
  row('', r => `${r.name} ${r.version}`.trim());
  row('open -> first diagnostics', r => `${ms(r.openMs)} (${r.firstDiagnostics} diags)`);
  row('edit -> diagnostics p50 / p95', r => `${ms(pct(r.editTimes, 0.5))} / ${ms(pct(r.editTimes, 0.95))}`);
  row('edit -> diagnostics max', r => `${ms(Math.max(...r.editTimes))} (${r.lastDiagnostics} diags)`);
  row('completion p50 / p95', r => `${ms(pct(r.compTimes, 0.5))} / ${ms(pct(r.compTimes, 0.95))}`);
  row('completion items', r => String(r.items));
  row('edit + completion p50', r => ms(pct(r.typingTimes, 0.5)));
  row('hover', r => ms(r.hoverMs));
  row('semantic tokens (full)', r => (r.tokMs === null ? 'not provided' : `${ms(r.tokMs)} (${r.tokens})`));
  row('server memory: RSS (peak)', r => (r.mem ? `${r.mem.rss.toFixed(0)} MiB (${r.mem.hwm.toFixed(0)} MiB)${r.mem.procs > 1 ? ` ${r.mem.procs} procs` : ''}` : '/proc not available'));
  for (const r of rs) if (r.problems.length) console.log(`  ${r.name} logged errors: ${r.problems.length}\n    ${r.problems.slice(0, 3).join('\n    ')}`);
  for (const n of notes) console.log(`  note: ${n}`);
}

async function main(): Promise<void> {
  const text0 = generate(LINES);
  const dir = mkdtempSync(join(tmpdir(), 'xlang-bench-lsp-'));
  const results: Results[] = [];
  const notes: string[] = [];
  try {
    results.push(await drive({
      name: 'xlang lsp', command: process.execPath, args: [cli, 'lsp', '--stdio'], languageId: 'xlang', ext: '.x',
      initializationOptions: delayArg !== undefined ? { diagnosticsDelay: Number(delayArg) } : {},
    }, text0, dir));
    const py = args.includes('--no-pyright') ? 'skipped (--no-pyright)' : pyrightServer();
    if (typeof py === 'string') notes.push(`pyright: ${py}`);
    else {
      try {
        const r = await drive(py, text0, dir);
        results.push(r);
        const p50 = pct(r.editTimes, 0.5);
        notes.push(`pyright analyses ${PYRIGHT_BACKOFF_MS} ms after the last edit at the earliest (its analyzerService waits for typing to pause), ` +
          `so its edit -> diagnostics includes that wait: p50 ${ms(p50)} is about ${ms(Math.max(0, p50 - PYRIGHT_BACKOFF_MS))} of work after it. ` +
          `xlang's own pause is its diagnosticsDelay (${delayArg ?? 5} ms), included above.`);
        notes.push(r.versioned
          ? 'pyright sent the document version with every publish; each edit is timed to the publish of its own version.'
          : 'pyright sent publishes without a version: each edit is timed to the first publish after it (edits are sent one at a time, after the previous publish).');
        notes.push('pyright does full type inference (typeCheckingMode "standard"); xlang lsp reports syntax and scope diagnostics. pyright returns completions filtered by the typed prefix; xlang returns every name in scope and lets the editor filter.');
      } catch (e) {
        notes.push(`pyright could not be measured: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`language server on a ${LINES}-line file (${(text0.length / 1024).toFixed(0)} KiB; the same code as .x and .py), ${EDITS} edits, xlang diagnostics delay ${delayArg ?? 'default (5 ms)'}`);
  report(results, notes);
}

/** pyright's fixed wait after the last user interaction before it analyses (analyzerService.scheduleReanalysis). */
const PYRIGHT_BACKOFF_MS = 250;

await main();
