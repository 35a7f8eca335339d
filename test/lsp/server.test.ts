// `xlang lsp --stdio` driven as a child process by a real JSON-RPC client, the way an editor does.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import {
  createProtocolConnection, InitializeRequest, InitializedNotification, DidOpenTextDocumentNotification,
  DidChangeTextDocumentNotification, PublishDiagnosticsNotification, HoverRequest, CompletionRequest, SignatureHelpRequest,
  DefinitionRequest, ReferencesRequest, RenameRequest, PrepareRenameRequest, DocumentSymbolRequest, WorkspaceSymbolRequest,
  FoldingRangeRequest, SemanticTokensRequest, CodeActionRequest, ShutdownRequest, ExitNotification,
  type ProtocolConnection, type Diagnostic, type PublishDiagnosticsParams, type Position, type InitializeResult,
  type TextDocumentContentChangeEvent, type CompletionItem, type CompletionList, type Location, type DocumentSymbol,
  type WorkspaceEdit, type Hover, type MarkupContent, type LocationLink, type SymbolInformation,
} from 'vscode-languageserver-protocol/node';
import { parse } from '../../compiler/parser.js';
import { analyze } from '../../compiler/scope.js';
import { rng } from './random.js';

const root = join(import.meta.dirname, '..', '..');
const cli = join(root, 'dist', 'runtime', 'cli', 'main.js');

/** A language client over the server's stdin/stdout. */
class Client {
  readonly conn: ProtocolConnection;
  private readonly published = new Map<string, PublishDiagnosticsParams[]>();
  private waiters: { uri: string; version: number | null; resolve: (d: Diagnostic[]) => void }[] = [];
  readonly logs: string[] = [];
  exited: Promise<number | null>;

  constructor(readonly proc: ChildProcess) {
    this.conn = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    this.conn.onNotification(PublishDiagnosticsNotification.type, p => {
      const l = this.published.get(p.uri) ?? [];
      l.push(p);
      this.published.set(p.uri, l);
      this.waiters = this.waiters.filter(w => {
        if (w.uri !== p.uri || (w.version !== null && (p.version ?? -1) < w.version)) return true;
        w.resolve(p.diagnostics);
        return false;
      });
    });
    this.conn.onNotification('window/logMessage', (p: { message: string }) => { this.logs.push(p.message); });
    this.conn.listen();
    this.exited = new Promise(res => proc.on('exit', code => res(code)));
    proc.stderr!.on('data', d => this.logs.push(String(d)));
  }

  static async start(folder: string | null, opts: Record<string, unknown> = {}): Promise<Client> {
    const proc = spawn(process.execPath, [cli, 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const c = new Client(proc);
    c.init = await c.conn.sendRequest(InitializeRequest.type, {
      processId: process.pid, rootUri: folder ? uri(folder) : null, capabilities: {},
      workspaceFolders: folder ? [{ uri: uri(folder), name: 'ws' }] : null, initializationOptions: opts,
    });
    await c.conn.sendNotification(InitializedNotification.type, {});
    return c;
  }
  init!: InitializeResult;

  /** Diagnostics published for `uri` at `version` or later (waits for them). */
  diagnostics(u: string, version: number | null = null): Promise<Diagnostic[]> {
    const l = this.published.get(u) ?? [];
    const hit = [...l].reverse().find(p => version === null || (p.version ?? -1) >= version);
    if (hit) return Promise.resolve(hit.diagnostics);
    return new Promise(resolve => this.waiters.push({ uri: u, version, resolve }));
  }
  open(u: string, text: string, version = 1): Promise<Diagnostic[]> {
    void this.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: u, languageId: 'xlang', version, text } });
    return this.diagnostics(u, version);
  }
  change(u: string, version: number, contentChanges: TextDocumentContentChangeEvent[]): void {
    void this.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: u, version }, contentChanges });
  }
  kill(): void { if (this.proc.exitCode === null) this.proc.kill('SIGKILL'); }
}

const uri = (p: string) => pathToFileURL(p).href;

/** Position of the nth occurrence of `needle` (plus `delta` characters). */
function pos(text: string, needle: string, nth = 0, delta = 0): Position {
  let at = -1;
  for (let i = 0; i <= nth; i++) { at = text.indexOf(needle, at + 1); if (at < 0) throw new Error(`no ${needle} #${nth}`); }
  at += delta;
  const before = text.slice(0, at);
  const line = before.split('\n').length - 1;
  return { line, character: at - (before.lastIndexOf('\n') + 1) };
}

const hoverText = (h: Hover | null) => (h ? (h.contents as MarkupContent).value : '');
const labels = (r: CompletionItem[] | CompletionList | null) => (Array.isArray(r) ? r : r?.items ?? []).map(i => i.label);

const HELPER = `"""Helpers for the tests."""

def greet(who, punct="!"):
    """Says hello."""
    return "hello " + who + punct

class Counter:
    def __init__(self):
        self.n = 0
`;

const MAIN = `import helper
from helper import greet as hello, Counter
import math

def area(radius):
    """Area of a circle."""
    x = radius * radius
    return math.pi * x

def other():
    x = 2
    return x + 1

class Shape:
    """A shape."""
    def __init__(self, name):
        self.name = name
        self.sides = 0

    def describe(self):
        return self.name

s = Shape("sq")
print(area(2), helper.greet("a"), hello("b"))
total = prnt(s.describe())
`;

describe('xlang lsp --stdio', () => {
  let dir: string;
  let client: Client;
  let mainUri: string, helperUri: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xlang-lsp-'));
    writeFileSync(join(dir, 'helper.x'), HELPER);
    writeFileSync(join(dir, 'main.x'), MAIN);
    mainUri = uri(join(dir, 'main.x'));
    helperUri = uri(join(dir, 'helper.x'));
    client = await Client.start(dir);
  });
  afterAll(() => {
    client?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('declares its capabilities and the semantic token legend', () => {
    const caps = client.init.capabilities;
    expect(caps.textDocumentSync).toMatchObject({ change: 2 });
    for (const k of ['hoverProvider', 'definitionProvider', 'referencesProvider', 'documentSymbolProvider', 'workspaceSymbolProvider', 'foldingRangeProvider'] as const) expect(caps[k]).toBeTruthy();
    expect(caps.completionProvider?.triggerCharacters).toContain('.');
    expect(caps.renameProvider).toMatchObject({ prepareProvider: true });
    expect(caps.semanticTokensProvider?.legend.tokenTypes).toContain('function');
  });

  it('publishes several diagnostics on open, with severity, range and code', async () => {
    const u = uri(join(dir, 'errors.x'));
    const diags = await client.open(u, 'x = 1 +\ny = 2\ndef f(a b):\n    pass\nprint(undefined_name)\nreturn 5\nz = 3 +\n');
    const codes = diags.map(d => d.code);
    expect(codes).toContain('syntax');
    expect(codes).toContain('undefined-name');
    expect(diags.length).toBeGreaterThanOrEqual(3);
    const undef = diags.find(d => d.code === 'undefined-name')!;
    expect(undef.severity).toBe(2);
    expect(undef.range).toEqual({ start: { line: 4, character: 6 }, end: { line: 4, character: 20 } });
    expect(diags.find(d => d.message.includes("'return' outside function"))?.severity).toBe(1);
  });

  it('updates diagnostics after incremental changes', async () => {
    const u = uri(join(dir, 'edit.x'));
    let d = await client.open(u, 'def f(a):\n    return a + b\n\nprint(f(1))\n');
    expect(d.map(x => x.message)).toEqual(["undefined name 'b'"]);
    // rename the parameter a -> b at both places: the warning goes, then comes back
    client.change(u, 2, [{ range: { start: { line: 0, character: 6 }, end: { line: 0, character: 7 } }, text: 'b' }]);
    d = await client.diagnostics(u, 2);
    expect(d.map(x => x.message)).toEqual(["undefined name 'a'"]);
    client.change(u, 3, [{ range: { start: { line: 1, character: 11 }, end: { line: 1, character: 12 } }, text: 'b' }]);
    d = await client.diagnostics(u, 3);
    expect(d).toEqual([]);
    client.change(u, 4, [{ range: { start: { line: 3, character: 0 }, end: { line: 3, character: 0 } }, text: 'if True\n' }]);
    d = await client.diagnostics(u, 4);
    expect(d.map(x => x.code)).toEqual(['syntax']);
    expect(d[0]!.range.start.line).toBe(3);
  });

  it('hovers builtins, stdlib members and user definitions', async () => {
    await client.open(mainUri, MAIN);
    const h = (needle: string, nth = 0, delta = 1) => client.conn.sendRequest(HoverRequest.type, { textDocument: { uri: mainUri }, position: pos(MAIN, needle, nth, delta) });
    expect(hoverText(await h('print('))).toContain('print(*values');
    expect(hoverText(await h('pi *', 0, 0))).toContain("math.pi");
    const area = hoverText(await h('area(2)'));
    expect(area).toContain('def area(radius)');
    expect(area).toContain('Area of a circle.');
    expect(hoverText(await h('Shape("sq")'))).toContain('class Shape');
    expect(hoverText(await h('hello("b")'))).toContain('def greet(who, punct="!")');
    expect(hoverText(await h('helper.greet', 0, 8))).toContain('Says hello.');
    expect(hoverText(await h('import math', 0, 8))).toContain('(module) math');
    expect(hoverText(await h('s = Shape', 0, 0))).toContain('s: Shape');
  });

  it('completes names in scope, keywords, members, self. and imports', async () => {
    const text = MAIN + 'def later():\n    y = 1\n    \n';
    const u = uri(join(dir, 'comp.x'));
    await client.open(u, text);
    const at = (p: Position) => client.conn.sendRequest(CompletionRequest.type, { textDocument: { uri: u }, position: p });
    // on the blank line inside later(): its local, module names, builtins, keywords; not other()'s locals
    const inLater = labels(await at({ line: text.split('\n').length - 2, character: 4 }));
    for (const n of ['y', 'area', 'Shape', 'helper', 'hello', 'print', 'while', 'return']) expect(inLater).toContain(n);
    expect(inLater).not.toContain('radius');
    // inside area(): its parameter and local
    const inArea = labels(await at(pos(text, 'return math.pi', 0, 0)));
    expect(inArea).toContain('radius');
    expect(inArea).toContain('x');
    // edit in `math.` and `self.` and `helper.` and an import
    let v = 1;
    const typeAt = async (p: Position, ins: string) => {
      client.change(u, ++v, [{ range: { start: p, end: p }, text: ins }]);
      return labels(await at({ line: p.line, character: p.character + ins.length }));
    };
    const mathItems = await typeAt({ line: text.split('\n').length - 2, character: 4 }, 'math.');
    expect(mathItems).toContain('sqrt');
    expect(mathItems).toContain('pi');
    client.change(u, ++v, [{ range: { start: { line: 0, character: 0 }, end: { line: 1000, character: 0 } }, text }]);
    const selfItems = await typeAt(pos(text, 'return self.name', 0, 0), 'self.');
    for (const n of ['name', 'sides', 'describe']) expect(selfItems).toContain(n);
    client.change(u, ++v, [{ range: { start: { line: 0, character: 0 }, end: { line: 1000, character: 0 } }, text }]);
    const helperItems = await typeAt({ line: text.split('\n').length - 2, character: 4 }, 'helper.');
    expect(helperItems).toEqual(expect.arrayContaining(['greet', 'Counter']));
    client.change(u, ++v, [{ range: { start: { line: 0, character: 0 }, end: { line: 1000, character: 0 } }, text }]);
    const mods = await typeAt({ line: text.split('\n').length - 1, character: 0 }, 'import ');
    expect(mods).toEqual(expect.arrayContaining(['helper', 'math', 'json', 'os', 'struct', 'collections', 'itertools']));
    // a stdlib module written in XLang is analysed like the program's own files
    client.change(u, ++v, [{ range: { start: { line: 0, character: 0 }, end: { line: 1000, character: 0 } }, text }]);
    expect(await typeAt({ line: text.split('\n').length - 1, character: 0 }, 'from collections import ')).toEqual(expect.arrayContaining(['Counter', 'deque', 'namedtuple']));
    client.change(u, ++v, [{ range: { start: { line: 0, character: 0 }, end: { line: 1000, character: 0 } }, text }]);
    const fromItems = await typeAt({ line: text.split('\n').length - 1, character: 0 }, 'from helper import ');
    expect(fromItems).toEqual(expect.arrayContaining(['greet', 'Counter']));
    // instances of user classes: `s.`
    client.change(u, ++v, [{ range: { start: { line: 0, character: 0 }, end: { line: 1000, character: 0 } }, text }]);
    expect(await typeAt({ line: text.split('\n').length - 1, character: 0 }, 's.')).toEqual(expect.arrayContaining(['describe', 'name']));
  });

  it('gives signature help inside calls', async () => {
    const text = MAIN + 'hello("x", \n';
    const u = uri(join(dir, 'sig.x'));
    await client.open(u, text);
    const line = text.split('\n').length - 2;
    const sh = await client.conn.sendRequest(SignatureHelpRequest.type, { textDocument: { uri: u }, position: { line, character: 11 } });
    expect(sh?.signatures[0]!.label).toBe('greet(who, punct="!")');
    expect(sh?.activeParameter).toBe(1);
    const sh2 = await client.conn.sendRequest(SignatureHelpRequest.type, { textDocument: { uri: u }, position: pos(text, 'area(2)', 0, 5) });
    expect(sh2?.signatures[0]!.label).toBe('area(radius)');
    expect(sh2?.activeParameter).toBe(0);
    const sh3 = await client.conn.sendRequest(SignatureHelpRequest.type, { textDocument: { uri: u }, position: pos(text, 'print(area', 0, 6) });
    expect(sh3?.signatures[0]!.label).toContain('print(*values');
    const sh4 = await client.conn.sendRequest(SignatureHelpRequest.type, { textDocument: { uri: u }, position: pos(text, 'Shape("sq")', 0, 6) });
    expect(sh4?.signatures[0]!.label).toBe('Shape(name)');
  });

  it('goes to definitions, also in an imported file', async () => {
    const def = async (needle: string, nth = 0, delta = 1) => {
      const r = await client.conn.sendRequest(DefinitionRequest.type, { textDocument: { uri: mainUri }, position: pos(MAIN, needle, nth, delta) });
      return (r as Location[] | null) ?? [];
    };
    const local = await def('area(2)');
    expect(local[0]).toMatchObject({ uri: mainUri, range: { start: pos(MAIN, 'area(radius)') } });
    const viaModule = await def('helper.greet', 0, 8);
    expect(viaModule[0]).toMatchObject({ uri: helperUri, range: { start: pos(HELPER, 'greet(who') } });
    const viaFrom = await def('hello("b")');
    expect(viaFrom[0]).toMatchObject({ uri: helperUri, range: { start: pos(HELPER, 'greet(who') } });
    const mod = await def('import helper', 0, 8);
    expect(mod[0]?.uri).toBe(helperUri);
    const attr = await def('self.name', 1, 6);
    expect(attr[0]).toMatchObject({ uri: mainUri, range: { start: pos(MAIN, 'self.name', 0, 5) } });
    expect(await def('print(')).toEqual([]);
  });

  it('finds references across files', async () => {
    await client.open(helperUri, HELPER);
    const refs = (await client.conn.sendRequest(ReferencesRequest.type, {
      textDocument: { uri: helperUri }, position: pos(HELPER, 'greet('), context: { includeDeclaration: true },
    })) as Location[];
    const where = refs.filter(r => r.uri === helperUri || r.uri === mainUri).map(r => `${r.uri === helperUri ? 'helper' : 'main'}:${r.range.start.line}:${r.range.start.character}`).sort();
    expect(where).toEqual([
      `helper:${pos(HELPER, 'greet(').line}:${pos(HELPER, 'greet(').character}`,
      `main:${pos(MAIN, 'greet as').line}:${pos(MAIN, 'greet as').character}`,
      `main:${pos(MAIN, 'greet("a")').line}:${pos(MAIN, 'greet("a")').character}`,
    ].sort());
    const local = (await client.conn.sendRequest(ReferencesRequest.type, {
      textDocument: { uri: mainUri }, position: pos(MAIN, 'x = radius'), context: { includeDeclaration: false },
    })) as Location[];
    expect(local.map(r => r.range.start)).toEqual([pos(MAIN, 'x\n\ndef other')]);
  });

  it('renames scope-correctly and refuses builtins', async () => {
    const edit = (await client.conn.sendRequest(RenameRequest.type, {
      textDocument: { uri: mainUri }, position: pos(MAIN, 'x = radius'), newName: 'sq',
    })) as WorkspaceEdit;
    const edits = edit.changes![mainUri]!;
    expect(edits.map(e => e.range.start).sort((a, b) => a.line - b.line)).toEqual([pos(MAIN, 'x = radius'), pos(MAIN, 'x\n\ndef other')]);
    // other()'s x is not touched
    expect(edits.some(e => e.range.start.line === pos(MAIN, 'x = 2').line)).toBe(false);
    await expect(client.conn.sendRequest(PrepareRenameRequest.type, { textDocument: { uri: mainUri }, position: pos(MAIN, 'print(', 0, 1) }))
      .rejects.toThrow(/builtin/);
    await expect(client.conn.sendRequest(RenameRequest.type, { textDocument: { uri: mainUri }, position: pos(MAIN, 'print(', 0, 1), newName: 'p' }))
      .rejects.toThrow(/builtin/);
    // a module-level function renamed from its use in another file: both files change
    const cross = (await client.conn.sendRequest(RenameRequest.type, {
      textDocument: { uri: mainUri }, position: pos(MAIN, 'helper.greet', 0, 8), newName: 'salute',
    })) as WorkspaceEdit;
    // (the other open documents that import helper change too)
    expect(Object.keys(cross.changes!)).toEqual(expect.arrayContaining([helperUri, mainUri]));
    expect(cross.changes![mainUri]!.length).toBe(2);
    // a method: its def, self.describe()-style uses and s.describe() are renamed together
    const m = (await client.conn.sendRequest(RenameRequest.type, {
      textDocument: { uri: mainUri }, position: pos(MAIN, 'def describe', 0, 5), newName: 'show',
    })) as WorkspaceEdit;
    expect(m.changes![mainUri]!.length).toBeGreaterThanOrEqual(1);
  });

  it('lists hierarchical document symbols and workspace symbols', async () => {
    const syms = (await client.conn.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: mainUri } })) as DocumentSymbol[];
    const names = syms.map(s => s.name);
    expect(names).toEqual(expect.arrayContaining(['area', 'other', 'Shape', 's', 'total']));
    const shape = syms.find(s => s.name === 'Shape')!;
    expect(shape.kind).toBe(5);
    expect(shape.children!.map(c => c.name)).toEqual(['__init__', 'describe']);
    const ws = (await client.conn.sendRequest(WorkspaceSymbolRequest.type, { query: 'gree' })) as SymbolInformation[];
    expect(ws.some(s => s.name === 'greet' && s.location.uri === helperUri)).toBe(true);
  });

  it('folds blocks and classifies semantic tokens', async () => {
    const folds = await client.conn.sendRequest(FoldingRangeRequest.type, { textDocument: { uri: mainUri } });
    const areaLine = pos(MAIN, 'def area').line;
    expect(folds).toEqual(expect.arrayContaining([expect.objectContaining({ startLine: areaLine, endLine: areaLine + 3 })]));
    const tokens = await client.conn.sendRequest(SemanticTokensRequest.type, { textDocument: { uri: mainUri } });
    const legend = client.init.capabilities.semanticTokensProvider!.legend;
    // decode: [line, char, length, type, modifiers]
    const decoded: { line: number; char: number; len: number; type: string; mods: string[] }[] = [];
    let line = 0, char = 0;
    for (let i = 0; i < tokens!.data.length; i += 5) {
      const [dl, dc, len, type, mods] = tokens!.data.slice(i, i + 5) as [number, number, number, number, number];
      line += dl; char = dl ? dc : char + dc;
      decoded.push({ line, char, len, type: legend.tokenTypes[type]!, mods: legend.tokenModifiers.filter((_, k) => mods & (1 << k)) });
    }
    const tokAt = (p: Position) => decoded.find(t => t.line === p.line && t.char === p.character);
    expect(tokAt(pos(MAIN, 'area(radius)'))).toMatchObject({ type: 'function', mods: ['declaration'] });
    expect(tokAt(pos(MAIN, 'radius)'))).toMatchObject({ type: 'parameter' });
    expect(tokAt(pos(MAIN, 'print('))).toMatchObject({ type: 'function', mods: ['defaultLibrary'] });
    expect(tokAt(pos(MAIN, 'Shape("sq")'))).toMatchObject({ type: 'class' });
    expect(tokAt(pos(MAIN, 'describe()'))).toMatchObject({ type: 'method' });
    expect(tokAt(pos(MAIN, 'math.pi'))).toMatchObject({ type: 'namespace' });
  });

  it('offers a quick fix for an undefined name with a certain suggestion', async () => {
    const diags = await client.diagnostics(mainUri);
    const d = diags.find(x => x.code === 'undefined-name')!;
    expect(d.message).toContain("did you mean 'print'");
    const actions = await client.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri: mainUri }, range: d.range, context: { diagnostics: [d] } });
    const fix = actions?.[0] as { title: string; edit: WorkspaceEdit };
    expect(fix.title).toBe("Change to 'print'");
    expect(fix.edit.changes![mainUri]).toEqual([{ range: d.range, newText: 'print' }]);
  });

  it('answers requests on unknown documents and odd positions without failing', async () => {
    const nowhere = 'file:///nonexistent/x.x';
    expect(await client.conn.sendRequest(HoverRequest.type, { textDocument: { uri: nowhere }, position: { line: 0, character: 0 } })).toBeNull();
    expect(await client.conn.sendRequest(CompletionRequest.type, { textDocument: { uri: nowhere }, position: { line: 0, character: 0 } })).toEqual([]);
    expect(await client.conn.sendRequest(HoverRequest.type, { textDocument: { uri: mainUri }, position: { line: 999, character: 99 } })).toBeNull();
    const r = await client.conn.sendRequest(DefinitionRequest.type, { textDocument: { uri: mainUri }, position: { line: 3, character: 0 } });
    expect(r === null || (r as (Location | LocationLink)[]).length === 0).toBe(true);
  });
});

const SNIPPETS = ['x', 'foo', ' ', '\n', '\n    ', ':', '(', ')', '[', ']', '"', "'''", 'def g(a):\n    return a\n', 'class K:\n    pass\n',
  'if y:\n', '    ', '.', ',', '=', '+ 1', 'import math\n', 'global q\n', 'prnt(1)\n', 'self.', 'math.', 'lambda z: z', '${', 'return'];

describe('xlang lsp under random edits', () => {
  let client: Client;
  beforeAll(async () => { client = await Client.start(null); });
  afterAll(() => client?.kill());

  it('keeps answering and publishing diagnostics through 300 seeded edits', async () => {
    const r = rng(7);
    let text = readFileSync(join(root, 'test', 'conformance', 'py_algo_bank.x'), 'utf8') + readFileSync(join(root, 'test', 'conformance', 'py_algo_tree.x'), 'utf8');
    const u = 'file:///random/edits.x';
    await client.open(u, text);
    const toPos = (off: number): Position => { const b = text.slice(0, off); return { line: b.split('\n').length - 1, character: off - (b.lastIndexOf('\n') + 1) }; };
    let version = 1;
    for (let step = 0; step < 300; step++) {
      const at = Math.floor(r() * (text.length + 1));
      const del = r() < 0.4 ? Math.min(text.length - at, 1 + Math.floor(r() * 10)) : 0;
      const ins = del && r() < 0.5 ? '' : SNIPPETS[Math.floor(r() * SNIPPETS.length)]!;
      const range = { start: toPos(at), end: toPos(at + del) };
      text = text.slice(0, at) + ins + text.slice(at + del);
      client.change(u, ++version, [{ range, text: ins }]);
      if (step % 20 === 0) {
        const p = toPos(Math.floor(r() * text.length));
        const td = { textDocument: { uri: u } };
        const answers = await Promise.all([
          client.conn.sendRequest(HoverRequest.type, { ...td, position: p }),
          client.conn.sendRequest(CompletionRequest.type, { ...td, position: p }),
          client.conn.sendRequest(SignatureHelpRequest.type, { ...td, position: p }),
          client.conn.sendRequest(DefinitionRequest.type, { ...td, position: p }),
          client.conn.sendRequest(DocumentSymbolRequest.type, td),
          client.conn.sendRequest(FoldingRangeRequest.type, td),
          client.conn.sendRequest(SemanticTokensRequest.type, td),
        ]);
        expect(answers).toHaveLength(7);
        await client.diagnostics(u, version);
      }
    }
    const final = await client.diagnostics(u, version);
    // the last diagnostics are those of a full analysis of the final text
    const { module, diagnostics } = parse(text, 'edits.x');
    const want = [...diagnostics, ...analyze(module).diagnostics].map(d => `${d.line - 1}:${d.col} ${d.message}`).sort();
    expect(final.map(d => `${d.range.start.line}:${d.range.start.character} ${d.message.replace(/; did you mean .*$/, '')}`).sort()).toEqual(want);
    expect(client.logs.filter(l => /failed/.test(l))).toEqual([]);
  });
});

describe('xlang lsp lifecycle', () => {
  let client: Client | null = null;
  afterAll(() => client?.kill());

  it('shuts down and exits with status 0', async () => {
    client = await Client.start(null);
    await client.conn.sendRequest(ShutdownRequest.type);
    await client.conn.sendNotification(ExitNotification.type);
    expect(await client.exited).toBe(0);
  });
});
