// Language server benchmark: a generated 10,000-line XLang file opened in `xlang lsp --stdio`,
// then ~50 edits, each timed from didChange to the publishDiagnostics of that version, and
// completion requests; the server's memory comes from /proc/<pid>/status.
//
//   npx tsc && npx node dist/bench/lsp.js [--lines 10000] [--edits 50] [--delay <ms>]
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import {
  createProtocolConnection, InitializeRequest, InitializedNotification, DidOpenTextDocumentNotification,
  DidChangeTextDocumentNotification, PublishDiagnosticsNotification, CompletionRequest, HoverRequest, SemanticTokensRequest,
  ShutdownRequest, ExitNotification, type PublishDiagnosticsParams, type Position, type TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol/node';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'dist', 'runtime', 'cli', 'main.js');
const args = process.argv.slice(2);
const argValue = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const LINES = Number(argValue('--lines') ?? 10000);
const EDITS = Number(argValue('--edits') ?? 50);
const delayArg = argValue('--delay');

/** A realistic file: classes with methods, functions with loops and branches, module-level code. */
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

function rssOf(pid: number): { rss: number; hwm: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? NaN);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch { return null; }
}

async function main(): Promise<void> {
  const text0 = generate(LINES);
  const proc = spawn(process.execPath, [cli, 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  const waiting = new Map<number, (p: PublishDiagnosticsParams) => void>();
  let lastDiags: PublishDiagnosticsParams | null = null;
  conn.onNotification(PublishDiagnosticsNotification.type, p => {
    lastDiags = p;
    const w = waiting.get(p.version ?? -1);
    if (w) { waiting.delete(p.version!); w(p); }
  });
  const problems: string[] = [];
  conn.onNotification('window/logMessage', (p: { type: number; message: string }) => { if (p.type === 1) problems.push(p.message); });
  conn.listen();
  const diagsFor = (version: number) => new Promise<PublishDiagnosticsParams>(res => waiting.set(version, res));
  const init = await conn.sendRequest(InitializeRequest.type, {
    processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: null,
    initializationOptions: delayArg !== undefined ? { diagnosticsDelay: Number(delayArg) } : {},
  });
  void init;
  await conn.sendNotification(InitializedNotification.type, {});

  const uri = 'file:///bench/generated.x';
  let text = text0;
  const lines = () => text.split('\n');
  let version = 1;
  let t0 = performance.now();
  const opened = diagsFor(1);
  await conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'xlang', version, text } });
  const first = await opened;
  const openMs = performance.now() - t0;

  const offsetOf = (p: Position) => { const ls = lines(); let o = 0; for (let i = 0; i < p.line; i++) o += ls[i]!.length + 1; return o + p.character; };
  const apply = (range: { start: Position; end: Position }, ins: string) => {
    const s = offsetOf(range.start), e = offsetOf(range.end);
    text = text.slice(0, s) + ins + text.slice(e);
  };
  const change = async (range: { start: Position; end: Position }, ins: string): Promise<number> => {
    apply(range, ins);
    const v = ++version;
    const done = diagsFor(v);
    const c: TextDocumentContentChangeEvent = { range, text: ins };
    const t = performance.now();
    await conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: v }, contentChanges: [c] });
    await done;
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
    const r = await conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: l, character: 6 } });
    compTimes.push(performance.now() - t);
    items = Array.isArray(r) ? r.length : r?.items.length ?? 0;
  }
  // completion right after typing (the edit is processed by the request)
  const typingTimes: number[] = [];
  for (let k = 0; k < 20; k++) {
    const l = bodyLines[(k * 53) % bodyLines.length]!;
    const p = { line: l, character: 4 };
    apply({ start: p, end: p }, 't');
    const v = ++version;
    const t = performance.now();
    await conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: v }, contentChanges: [{ range: { start: p, end: p }, text: 't' }] });
    await conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: l, character: 5 } });
    typingTimes.push(performance.now() - t);
  }
  t0 = performance.now();
  await conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: bodyLines[3]!, character: 5 } });
  const hoverMs = performance.now() - t0;
  t0 = performance.now();
  const toks = await conn.sendRequest(SemanticTokensRequest.type, { textDocument: { uri } });
  const tokMs = performance.now() - t0;
  const mem = rssOf(proc.pid!);

  await conn.sendRequest(ShutdownRequest.type);
  await conn.sendNotification(ExitNotification.type);
  proc.kill();

  const pyright = spawnSync('pyright', ['--version'], { encoding: 'utf8' });
  console.log(`language server on a ${lines().length}-line file (${(text.length / 1024).toFixed(0)} KiB), ${EDITS} edits, diagnostics delay ${delayArg ?? 'default (5 ms)'}`);
  console.log(`  open -> first diagnostics:        ${ms(openMs)} (${first.diagnostics.length} diagnostics)`);
  console.log(`  edit -> diagnostics  p50 / p95:   ${ms(pct(editTimes, 0.5))} / ${ms(pct(editTimes, 0.95))} (max ${ms(Math.max(...editTimes))})`);
  console.log(`  completion p50 / p95:             ${ms(pct(compTimes, 0.5))} / ${ms(pct(compTimes, 0.95))} (${items} items)`);
  console.log(`  edit + completion p50:            ${ms(pct(typingTimes, 0.5))}`);
  console.log(`  hover: ${ms(hoverMs)}; semantic tokens (full): ${ms(tokMs)} (${(toks?.data.length ?? 0) / 5} tokens)`);
  console.log(mem ? `  server memory: RSS ${mem.rss.toFixed(0)} MiB (peak ${mem.hwm.toFixed(0)} MiB)` : '  server memory: /proc not available');
  console.log(pyright.status === 0 ? `  pyright ${pyright.stdout.trim()} is installed, but not compared here` : '  pyright: not installed (it is not available offline): no comparison');
  if (problems.length) console.log(`  server errors: ${problems.length}\n${problems.slice(0, 3).join('\n')}`);
  void lastDiags;
}

await main();
