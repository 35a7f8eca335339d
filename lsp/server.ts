// `xlang lsp --stdio`: the language server. It speaks LSP through vscode-languageserver and
// answers from the same parser and scope analysis the compiler uses (lsp/analysis.ts keeps them
// incremental), resolving imports the way the host does (lsp/workspace.ts).
//
// Every handler is guarded: a request on a document that fails to analyse logs the error to the
// client and answers null or an empty result; the server itself never goes down.
import {
  createConnection, TextDocuments, TextDocumentSyncKind, DiagnosticSeverity, SymbolKind,
  CodeActionKind, FoldingRangeKind, ResponseError, ErrorCodes, MarkupKind,
  type Connection, type Diagnostic as LspDiagnostic, type CompletionItem, type Hover, type SignatureHelp, type Location,
  type DocumentSymbol, type SymbolInformation, type FoldingRange, type SemanticTokens, type CodeAction, type WorkspaceEdit,
  type TextEdit, type Range as LspRange, type InitializeResult, type TextDocumentContentChangeEvent, type SignatureInformation,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type * as A from '../compiler/ast.js';
import type { Binding, Scope } from '../compiler/scope.js';
import { DocModel, defOfNameRange, isModuleImportAlias } from './analysis.js';
import { KEYWORDS, STDLIB, builtinDoc, isClassLike, type DocEntry } from './docs.js';
import { Workspace, nameRangeOf, pathToUri, uriToPath, walk, type Site, type Target } from './workspace.js';
import { completionsAt } from './complete.js';

export const TOKEN_TYPES = ['namespace', 'class', 'function', 'method', 'parameter', 'variable', 'property'];
export const TOKEN_MODIFIERS = ['declaration', 'readonly', 'defaultLibrary'];
const TT = Object.fromEntries(TOKEN_TYPES.map((t, i) => [t, i])) as Record<string, number>;
const MOD_DECL = 1, MOD_READONLY = 2, MOD_LIB = 4;

/** XLANG_LSP_TRACE=1: the time and memory of each diagnostics run, on stderr (which clients show as the server's log). */
const TRACE = !!process.env.XLANG_LSP_TRACE;

const IDENT = /^[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*$/;
const PY_KEYWORDS = new Set(KEYWORDS.filter(k => !['this', 'namespace', 'const', 'var', 'deferred'].includes(k)));

function toRange(r: A.Range): LspRange {
  return { start: { line: r.line - 1, character: r.col }, end: { line: r.endLine - 1, character: r.endCol } };
}

export function startServer(): void {
  const connection = createConnection(process.stdin, process.stdout);
  // nothing but protocol may reach stdout
  console.log = (...a: unknown[]) => connection.console.log(a.map(String).join(' '));
  console.info = console.log;
  console.warn = (...a: unknown[]) => connection.console.warn(a.map(String).join(' '));
  console.error = (...a: unknown[]) => connection.console.error(a.map(String).join(' '));
  new Server(connection).listen();
}

class Server {
  private readonly ws = new Workspace();
  private readonly documents: TextDocuments<TextDocument>;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private diagnosticsDelay = 5;

  constructor(private readonly connection: Connection) {
    const ws = this.ws;
    this.documents = new TextDocuments<TextDocument>({
      create: (uri, languageId, version, content) => {
        this.guardVoid('open', () => ws.openDoc(uri, content));
        return TextDocument.create(uri, languageId, version, content);
      },
      update: (doc, changes, version) => {
        // the model re-parses only what each change touched: give it the changes' offsets
        const model = ws.modelForUri(doc.uri);
        for (const ch of changes) {
          if (model) this.guardVoid('edit', () => recordChange(model, doc, ch));
          doc = TextDocument.update(doc, [ch], version);
        }
        return doc;
      },
    });
  }

  listen(): void {
    const c = this.connection, docs = this.documents;
    c.onInitialize(p => {
      const folders = p.workspaceFolders?.map(f => uriToPath(f.uri)) ?? (p.rootUri ? [uriToPath(p.rootUri)] : p.rootPath ? [p.rootPath] : []);
      this.ws.folders = folders.filter(f => f.startsWith('/'));
      const opts = p.initializationOptions as { diagnosticsDelay?: number } | undefined;
      if (typeof opts?.diagnosticsDelay === 'number') this.diagnosticsDelay = Math.max(0, opts.diagnosticsDelay);
      const result: InitializeResult = {
        capabilities: {
          textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
          hoverProvider: true,
          completionProvider: { triggerCharacters: ['.'] },
          signatureHelpProvider: { triggerCharacters: ['(', ','], retriggerCharacters: [','] },
          definitionProvider: true,
          referencesProvider: true,
          renameProvider: { prepareProvider: true },
          documentSymbolProvider: true,
          workspaceSymbolProvider: true,
          foldingRangeProvider: true,
          semanticTokensProvider: { legend: { tokenTypes: TOKEN_TYPES, tokenModifiers: TOKEN_MODIFIERS }, full: true },
          codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        },
        serverInfo: { name: 'xlang', version: '0.1.0' },
      };
      return result;
    });
    docs.onDidOpen(e => this.publish(e.document.uri));
    docs.onDidChangeContent(e => this.schedule(e.document.uri));
    docs.onDidClose(e => {
      const t = this.timers.get(e.document.uri);
      if (t) clearTimeout(t);
      this.ws.closeDoc(e.document.uri);
      c.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    });
    c.onDidChangeWatchedFiles(p => { for (const ch of p.changes) this.ws.invalidate(uriToPath(ch.uri)); });
    c.onHover(this.guard('hover', null, p => this.hover(p.textDocument.uri, p.position)));
    c.onCompletion(this.guard('completion', [] as CompletionItem[], p => this.completion(p.textDocument.uri, p.position)));
    c.onSignatureHelp(this.guard('signatureHelp', null, p => this.signatureHelp(p.textDocument.uri, p.position)));
    c.onDefinition(this.guard('definition', null, p => this.definition(p.textDocument.uri, p.position)));
    c.onReferences(this.guard('references', [] as Location[], p => this.references(p.textDocument.uri, p.position, p.context.includeDeclaration)));
    c.onPrepareRename(this.guard('prepareRename', null, p => this.prepareRename(p.textDocument.uri, p.position), true));
    c.onRenameRequest(this.guard('rename', null, p => this.rename(p.textDocument.uri, p.position, p.newName), true));
    c.onDocumentSymbol(this.guard('documentSymbol', [] as DocumentSymbol[], p => this.documentSymbols(p.textDocument.uri)));
    c.onWorkspaceSymbol(this.guard('workspaceSymbol', [] as SymbolInformation[], p => this.workspaceSymbols(p.query)));
    c.onFoldingRanges(this.guard('foldingRange', [] as FoldingRange[], p => this.folding(p.textDocument.uri)));
    c.languages.semanticTokens.on(this.guard('semanticTokens', { data: [] } as SemanticTokens, p => this.semanticTokens(p.textDocument.uri)));
    c.onCodeAction(this.guard('codeAction', [] as CodeAction[], p => this.codeActions(p.textDocument.uri, p.range, p.context.diagnostics)));
    docs.listen(c);
    c.listen();
  }

  // --- robustness ---------------------------------------------------------------------------

  private report(what: string, e: unknown): void {
    try { this.connection.console.error(`xlang: ${what} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`); } catch { /* connection gone */ }
  }
  private guardVoid(what: string, f: () => void): void {
    try { f(); } catch (e) { this.report(what, e); }
  }
  /** Wraps a handler: errors are logged and answered with `fallback` (ResponseErrors pass through when `rethrow`). */
  private guard<P, R>(what: string, fallback: R, f: (p: P) => R, rethrow = false): (p: P) => R | ResponseError<void> {
    return (p: P) => {
      try { return f(p); } catch (e) {
        if (rethrow && e instanceof ResponseError) return e;
        this.report(what, e);
        return fallback;
      }
    };
  }

  // --- documents and diagnostics -------------------------------------------------------------

  private schedule(uri: string): void {
    const t = this.timers.get(uri);
    if (t) clearTimeout(t);
    this.timers.set(uri, setTimeout(() => { this.timers.delete(uri); this.publish(uri); }, this.diagnosticsDelay));
  }

  private publish(uri: string): void {
    const doc = this.documents.get(uri);
    const model = this.ws.modelForUri(uri);
    if (!doc || !model) return;
    let diagnostics: LspDiagnostic[] = [];
    const t0 = TRACE ? performance.now() : 0;
    const stats0 = TRACE ? { ...model.stats } : null;
    let t1 = 0;
    try {
      model.sync();
      if (TRACE) t1 = performance.now();
      diagnostics = model.diagnostics().map(d => {
        const x: LspDiagnostic = {
          range: { start: { line: d.line, character: d.col }, end: { line: d.endLine, character: d.endCol } },
          severity: d.severity === 'error' ? DiagnosticSeverity.Error : d.severity === 'warning' ? DiagnosticSeverity.Warning : DiagnosticSeverity.Information,
          code: d.code,
          source: 'xlang',
          message: d.suggestion !== undefined ? `${d.message}; did you mean '${d.suggestion}'?` : d.message,
        };
        if (d.suggestion !== undefined) x.data = { suggestion: d.suggestion };
        return x;
      });
    } catch (e) {
      this.report('diagnostics', e);
      // the model may be inconsistent: start it again from the text
      this.guardVoid('reopen', () => { this.ws.openDoc(uri, doc.getText()); });
      return;
    }
    void this.connection.sendDiagnostics({ uri, version: doc.version, diagnostics });
    if (TRACE && stats0) {
      const t2 = performance.now(), m = process.memoryUsage(), st = model.stats;
      process.stderr.write(`xlang lsp: v${doc.version} sync ${(t1 - t0).toFixed(1)} ms (${st.regionParses - stats0.regionParses} region parses, ` +
        `${st.fullParses - stats0.fullParses} full, ${st.unitAnalyses - stats0.unitAnalyses} unit analyses), diagnostics ${(t2 - t1).toFixed(1)} ms; ` +
        `heap ${(m.heapUsed / 2 ** 20).toFixed(0)}/${(m.heapTotal / 2 ** 20).toFixed(0)} MiB, rss ${(m.rss / 2 ** 20).toFixed(0)} MiB\n`);
    }
  }

  /** The synced model and the offset of a position in it. */
  private at(uri: string, pos: { line: number; character: number }): { model: DocModel; doc: TextDocument; offset: number } | null {
    const doc = this.documents.get(uri);
    const model = this.ws.modelForUri(uri);
    if (!doc || !model) return null;
    model.sync();
    return { model, doc, offset: doc.offsetAt(pos) };
  }

  private location(s: Site): Location {
    return { uri: this.ws.uriOf(s.file), range: toRange(s.range) };
  }

  // --- what is under the cursor --------------------------------------------------------------

  /** The target under the cursor, unfollowed (`raw`) and with imports followed (`target`). */
  private targetAt(model: DocModel, offset: number): { raw: Target | null; target: Target | null; range: A.Range } | null {
    const ws = this.ws;
    const path = model.nodePathAt(offset);
    for (let i = path.length - 1; i >= 0; i--) {
      const n = path[i]!;
      const within = (r: A.Range) => r.start <= offset && offset <= r.end;
      switch (n.kind) {
        case 'Name': {
          const raw = ws.resolveNameNode(model, n);
          return { raw, target: ws.follow(raw), range: n };
        }
        case 'Attribute': {
          if (!within(n.attrRange)) continue;
          const base = ws.resolveExpr(model, n.value);
          const t = base ? ws.memberOf(base, n.attr) : null;
          return { raw: t, target: t, range: n.attrRange };
        }
        case 'FunctionDef': case 'ClassDef': {
          if (!within(n.nameRange)) continue;
          const at = model.scopeAt(n.nameRange.start);
          const t = at ? ws.resolveName(model, n.name, at.scope) : null;
          return { raw: t, target: t, range: n.nameRange };
        }
        case 'Param': {
          const r = nameRangeOf(model, n, n.name)!;
          if (!within(r)) continue;
          const fnScope = this.scopeOfParam(model, n, path, i);
          const sym = fnScope?.symbols.get(n.name);
          const t = fnScope && sym ? ws.resolveName(model, n.name, fnScope) : null;
          return { raw: t, target: t, range: r };
        }
        case 'Alias': {
          const stmt = path[i - 1];
          if (!stmt || (stmt.kind !== 'Import' && stmt.kind !== 'ImportFrom')) continue;
          return this.aliasTarget(model, stmt, n, offset);
        }
        case 'Global': case 'Nonlocal': {
          for (const name of n.names) {
            const m = new RegExp(`(?<![\\w])${name}(?![\\w])`, 'g');
            const text = model.text.slice(n.start, n.end);
            for (let x = m.exec(text); x; x = m.exec(text)) {
              if (x.index < 6) continue;
              const s = n.start + x.index;
              if (s <= offset && offset <= s + name.length) {
                const at = model.scopeAt(n.start);
                const raw = at ? ws.resolveName(model, name, at.scope) : null;
                return { raw, target: ws.follow(raw), range: { start: s, end: s + name.length, line: n.line, col: n.col + x.index, endLine: n.line, endCol: n.col + x.index + name.length } };
              }
            }
          }
          return null;
        }
        default: continue;
      }
    }
    return null;
  }

  private scopeOfParam(model: DocModel, p: A.Param, path: A.Node[], i: number): Scope | null {
    const owner = path[i - 1];
    if (!owner) return null;
    const unit = model.unitAt(p.start);
    return unit.scope?.scopes.get(owner) ?? null;
  }

  private aliasTarget(model: DocModel, stmt: A.Import | A.ImportFrom, a: A.Alias, offset: number): { raw: Target | null; target: Target | null; range: A.Range } | null {
    const ws = this.ws;
    const asRange = a.asname ? nameRangeOf(model, a, a.asname) : null;
    if (asRange && asRange.start <= offset && offset <= asRange.end) {
      const at = model.scopeAt(a.start);
      const raw = at ? ws.resolveName(model, a.asname!, at.scope) : null;
      return { raw, target: ws.follow(raw), range: asRange };
    }
    if (a.name === '*') return null;
    if (stmt.kind === 'Import') {
      // the dotted component under the cursor
      const rel = offset - a.start;
      const parts = a.name.split('.');
      let pos = 0;
      for (let k = 0; k < parts.length; k++) {
        const end = pos + parts[k]!.length;
        if (rel <= end || k === parts.length - 1) {
          const mod = ws.resolveModule(parts.slice(0, k + 1).join('.'), model.path);
          const range: A.Range = { start: a.start + pos, end: a.start + end, line: a.line, col: a.col + pos, endLine: a.line, endCol: a.col + end };
          const t: Target | null = mod ? { t: 'module', mod } : null;
          let raw: Target | null = t;
          if (k === 0 && !a.asname) { const at = model.scopeAt(a.start); raw = at ? ws.resolveName(model, parts[0]!, at.scope) : t; }
          return { raw, target: t, range };
        }
        pos = end + 1;
      }
      return null;
    }
    const range: A.Range = { start: a.start, end: a.start + a.name.length, line: a.line, col: a.col, endLine: a.line, endCol: a.col + a.name.length };
    const mod = ws.resolveModule(stmt.module, model.path, stmt.level);
    const t = mod ? ws.memberOf({ t: 'module', mod }, a.name) : null;
    let raw: Target | null = t;
    if (!a.asname) { const at = model.scopeAt(a.start); raw = at ? ws.resolveName(model, a.name, at.scope) : t; }
    return { raw, target: t, range };
  }

  // --- hover ----------------------------------------------------------------------------------

  private hover(uri: string, pos: { line: number; character: number }): Hover | null {
    const at = this.at(uri, pos);
    if (!at) return null;
    const found = this.targetAt(at.model, at.offset);
    if (!found || !found.target) return null;
    const text = this.describe(found.target);
    if (!text) return null;
    return { contents: { kind: MarkupKind.Markdown, value: text }, range: toRange(found.range) };
  }

  /** Markdown for a target: its signature in a code block, then its doc. */
  private describe(t: Target): string | null {
    const block = (code: string, doc?: string | null) => '```xlang\n' + code + '\n```' + (doc ? `\n\n${doc}` : '');
    switch (t.t) {
      case 'builtin': return block(`(builtin ${t.entry.kind === 'class' ? 'class' : t.entry.kind === 'constant' ? 'constant' : 'function'}) ${t.entry.sig}`, t.entry.doc);
      case 'native': return block(`(${t.entry.kind}) ${t.module}.${t.entry.sig}`, t.entry.doc);
      case 'method': return block(`(method) ${t.type}.${t.entry.sig}`, t.entry.doc);
      case 'instance': return typeof t.of === 'string' ? block(`(instance) ${t.of}`) : block(`(instance) ${t.of.node.name}`, docstringOf(t.of.node.body));
      case 'module': {
        const mod = t.mod;
        if (mod.kind === 'stdlib') return block(`(module) ${mod.name}`, STDLIB[mod.name]?.doc ?? 'Standard library module.');
        const model = this.ws.moduleModel(mod);
        const doc = model ? docstringOf(model.chunks[0]?.stmts ?? []) : null;
        return block(`(module) ${mod.name}`, [doc, `\`${mod.kind === 'file' ? mod.path : mod.dir}\``].filter(Boolean).join('\n\n'));
      }
      case 'user': {
        const site = t.sites[0];
        if (!site) return block(`(variable) ${t.name}`);
        const def = defOfNameRange(site.range);
        if (def) return block(this.defSignature(site.file, def, !!t.member), docstringOf(def.body));
        const node = site.node;
        const v = this.ws.valueOf(t);
        const typeText = v && v.t === 'instance' ? `: ${typeof v.of === 'string' ? v.of : v.of.node.name}` : v && v.t === 'module' ? ` (module ${v.mod.name})` : '';
        if (node?.kind === 'Param') return block(`(parameter) ${site.file.text.slice(node.start, node.end)}`);
        if (t.member) return block(`(${node?.kind === 'Attribute' ? 'attribute' : 'member'}) ${t.member.node.name}.${t.name}${typeText}`);
        let valueText = '';
        if (node?.kind === 'Name') {
          const stmt = site.file.nodePathAt(node.start).find(n => n.kind === 'Assign' || n.kind === 'AnnAssign' || n.kind === 'NamespaceAssign') as A.Assign | undefined;
          if (stmt && stmt.kind === 'Assign') {
            const src = site.file.text.slice(stmt.value.start, stmt.value.end);
            if (src.length <= 60 && !src.includes('\n')) valueText = ` = ${src}`;
          }
        }
        const kind = t.sym?.isConst ? 'constant' : 'variable';
        return block(`(${kind}) ${t.name}${typeText}${typeText ? '' : valueText}`);
      }
    }
  }

  /** `def name(params) -> ret` / `class Name(bases)` from the source text. */
  private defSignature(file: DocModel, d: A.FunctionDef | A.ClassDef, member: boolean): string {
    const src = (r: A.Range) => file.text.slice(r.start, r.end);
    if (d.kind === 'ClassDef') {
      const bases = [...d.bases.map(src), ...d.keywords.map(src)];
      const init = d.body.find(s => s.kind === 'FunctionDef' && (s.name === '__init__' || s.name === 'constructor' || s.name === d.name)) as A.FunctionDef | undefined;
      let text = `class ${d.name}${bases.length ? `(${bases.join(', ')})` : ''}`;
      if (init) text += `\n${d.name}(${paramTexts(file, init.params, true).join(', ')})`;
      return text;
    }
    const params = paramTexts(file, d.params, false).join(', ');
    return `${member ? '(method) ' : ''}def ${d.name}(${params})${d.returns ? ` -> ${src(d.returns)}` : ''}`;
  }

  // --- completion -----------------------------------------------------------------------------

  private completion(uri: string, pos: { line: number; character: number }): CompletionItem[] {
    const at = this.at(uri, pos);
    return at ? completionsAt(this.ws, at.model, at.offset) : [];
  }

  // --- signature help -------------------------------------------------------------------------

  private signatureHelp(uri: string, pos: { line: number; character: number }): SignatureHelp | null {
    const at = this.at(uri, pos);
    if (!at) return null;
    const { model, offset } = at;
    const call = openCallBefore(model.text, offset);
    if (!call) return null;
    const sc = model.scopeAt(offset);
    if (!sc) return null;
    let t = this.ws.resolveChain(model, call.chain, sc.scope);
    if (!t) return null;
    let dropSelf = call.chain.length > 1;
    if (t.t === 'user' && !defOfNameRange(t.sites[0]?.range ?? {})) { const v = this.ws.valueOf(t); if (v) t = v; }
    let sig: { label: string; params: string[]; doc: string | null } | null = null;
    if (t.t === 'builtin' || t.t === 'native' || t.t === 'method') sig = sigOfEntry(t.entry);
    else if (t.t === 'user') {
      const d = t.sites[0] && defOfNameRange(t.sites[0].range);
      if (d && d.kind === 'FunctionDef') {
        const isStatic = d.decorators.some(x => x.kind === 'Name' && x.id === 'staticmethod');
        const drop = !!t.member && dropSelf && !isStatic;
        sig = { label: '', params: paramTexts(t.sites[0]!.file, d.params, drop), doc: docstringOf(d.body) };
        sig.label = `${d.name}(${sig.params.join(', ')})`;
      } else if (d && d.kind === 'ClassDef') {
        const init = this.ws.classMember({ file: t.file, node: d }, '__init__') ?? this.ws.classMember({ file: t.file, node: d }, 'constructor') ?? this.ws.classMember({ file: t.file, node: d }, d.name);
        const fd = init?.t === 'user' ? defOfNameRange(init.sites[0]?.range ?? {}) : undefined;
        const params = fd && fd.kind === 'FunctionDef' ? paramTexts(init!.t === 'user' ? init!.file : t.file, fd.params, true) : [];
        sig = { label: `${d.name}(${params.join(', ')})`, params, doc: docstringOf(d.body) };
      }
    }
    if (!sig) return null;
    dropSelf = false;
    // parameter offsets inside the label
    const info: SignatureInformation = { label: sig.label, parameters: [] };
    if (sig.doc) info.documentation = { kind: MarkupKind.Markdown, value: sig.doc };
    let searchFrom = sig.label.indexOf('(') + 1;
    for (const p of sig.params) {
      const k = sig.label.indexOf(p, searchFrom);
      info.parameters!.push({ label: k >= 0 ? [k, k + p.length] : p });
      if (k >= 0) searchFrom = k + p.length;
    }
    let active = call.argIndex;
    if (call.keyword) {
      const k = sig.params.findIndex(p => p.replace(/^\*+/, '').split(/[:=\s]/)[0] === call.keyword);
      if (k >= 0) active = k;
    } else {
      const star = sig.params.findIndex(p => p.startsWith('*') && !p.startsWith('**'));
      if (star >= 0 && active > star) active = star;
    }
    if (active >= sig.params.length) active = Math.max(0, sig.params.length - 1);
    info.activeParameter = active;
    return { signatures: [info], activeSignature: 0, activeParameter: active };
  }

  // --- definition, references, rename ----------------------------------------------------------

  private definition(uri: string, pos: { line: number; character: number }): Location[] | null {
    const at = this.at(uri, pos);
    if (!at) return null;
    const found = this.targetAt(at.model, at.offset);
    const t = found?.target;
    if (!t) return null;
    if (t.t === 'module') {
      const file = t.mod.kind === 'file' ? t.mod.path : t.mod.kind === 'package' ? t.mod.init : null;
      return file ? [{ uri: pathToUri(file), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }] : null;
    }
    if (t.t !== 'user' || !t.sites.length) return null;
    return t.sites.map(s => this.location(s));
  }

  /** The symbol references and rename work on: a local alias stays local, an imported name is its definition. */
  private symbolAt(model: DocModel, offset: number): { t: Target; range: A.Range } | null {
    const found = this.targetAt(model, offset);
    if (!found) return null;
    const raw = found.raw;
    if (raw && raw.t === 'user') {
      const node = raw.sites[0]?.node;
      if (node && node.kind === 'Alias') {
        if (node.asname) return { t: raw, range: found.range };
        if (found.target && found.target.t === 'user') return { t: found.target, range: found.range };
        return { t: raw, range: found.range };
      }
      return { t: raw, range: found.range };
    }
    return found.target ? { t: found.target, range: found.range } : null;
  }

  private references(uri: string, pos: { line: number; character: number }, includeDeclaration: boolean): Location[] {
    const at = this.at(uri, pos);
    if (!at) return [];
    const s = this.symbolAt(at.model, at.offset);
    if (!s || s.t.t !== 'user') return [];
    const declStarts = new Set(s.t.sites.map(x => `${x.file.path}:${x.range.start}`));
    return this.ws.references(s.t)
      .filter(r => includeDeclaration || !declStarts.has(`${r.file.path}:${r.range.start}`))
      .map(r => this.location(r));
  }

  private renameTarget(model: DocModel, offset: number): { t: Target & { t: 'user' }; range: A.Range } {
    const s = this.symbolAt(model, offset);
    if (!s) throw new ResponseError(ErrorCodes.InvalidRequest, 'There is no symbol to rename here.');
    const t = s.t;
    if (t.t === 'builtin') throw new ResponseError(ErrorCodes.InvalidRequest, `'${t.name}' is a builtin and cannot be renamed.`);
    if (t.t === 'native') throw new ResponseError(ErrorCodes.InvalidRequest, `'${t.module}.${t.entry.name}' belongs to the standard library and cannot be renamed.`);
    if (t.t === 'method') throw new ResponseError(ErrorCodes.InvalidRequest, `'${t.type}.${t.entry.name}' is a builtin method and cannot be renamed.`);
    if (t.t === 'module') throw new ResponseError(ErrorCodes.InvalidRequest, 'A module is named by its file: rename the file instead.');
    if (t.t !== 'user') throw new ResponseError(ErrorCodes.InvalidRequest, 'This cannot be renamed.');
    const node = t.sites[0]?.node;
    if (node && node.kind === 'Alias' && isModuleImportAlias(node) && !node.asname) throw new ResponseError(ErrorCodes.InvalidRequest, 'A module is named by its file: rename the file instead.');
    return { t, range: s.range };
  }

  private prepareRename(uri: string, pos: { line: number; character: number }): { range: LspRange; placeholder: string } | null {
    const at = this.at(uri, pos);
    if (!at) return null;
    const { t, range } = this.renameTarget(at.model, at.offset);
    return { range: toRange(range), placeholder: t.name };
  }

  private rename(uri: string, pos: { line: number; character: number }, newName: string): WorkspaceEdit | null {
    const at = this.at(uri, pos);
    if (!at) return null;
    if (!IDENT.test(newName) || PY_KEYWORDS.has(newName)) throw new ResponseError(ErrorCodes.InvalidParams, `'${newName}' is not a valid name.`);
    const { t } = this.renameTarget(at.model, at.offset);
    const changes: Record<string, TextEdit[]> = {};
    for (const r of this.ws.references(t)) {
      const u = this.ws.uriOf(r.file);
      (changes[u] ??= []).push({ range: toRange(r.range), newText: newName });
    }
    return { changes };
  }

  // --- symbols, folding, semantic tokens ------------------------------------------------------

  private documentSymbols(uri: string): DocumentSymbol[] {
    const model = this.ws.modelForUri(uri);
    if (!model) return [];
    model.sync();
    return outline(model, model.body(), false);
  }

  private workspaceSymbols(query: string): SymbolInformation[] {
    const q = query.toLowerCase();
    const matches = (name: string) => {
      if (!q) return true;
      const n = name.toLowerCase();
      let k = 0;
      for (let i = 0; i < n.length && k < q.length; i++) if (n[i] === q[k]) k++;
      return k === q.length;
    };
    const out: SymbolInformation[] = [];
    const files = new Set<string>(this.ws.openModels().map(m => m.path));
    for (const f of this.ws.workspaceFiles()) files.add(f);
    for (const path of files) {
      const model = this.ws.modelForPath(path);
      if (!model) continue;
      const uri = this.ws.uriOf(model);
      const visit = (syms: DocumentSymbol[], container?: string) => {
        for (const s of syms) {
          if (matches(s.name)) {
            const info: SymbolInformation = { name: s.name, kind: s.kind, location: { uri, range: s.selectionRange } };
            if (container) info.containerName = container;
            out.push(info);
          }
          if (s.children && s.kind === SymbolKind.Class) visit(s.children, s.name);
        }
      };
      visit(outline(model, model.body(), true));
      if (out.length >= 1000) break;
    }
    return out.slice(0, 1000);
  }

  private folding(uri: string): FoldingRange[] {
    const model = this.ws.modelForUri(uri);
    if (!model) return [];
    model.sync();
    return foldingRanges(model);
  }

  private semanticTokens(uri: string): SemanticTokens {
    const model = this.ws.modelForUri(uri);
    if (!model) return { data: [] };
    model.sync();
    return { data: semanticTokenData(this.ws, model) };
  }

  // --- code actions ---------------------------------------------------------------------------

  private codeActions(uri: string, range: LspRange, diags: LspDiagnostic[]): CodeAction[] {
    const out: CodeAction[] = [];
    const model = this.ws.modelForUri(uri);
    if (model) model.sync();
    const current = model ? model.diagnostics() : [];
    for (const d of diags) {
      if (d.code !== 'undefined-name') continue;
      let suggestion = (d.data as { suggestion?: string } | undefined)?.suggestion;
      if (suggestion === undefined) {
        const c = current.find(x => x.code === 'undefined-name' && x.line === d.range.start.line && x.col === d.range.start.character);
        suggestion = c?.suggestion;
      }
      if (suggestion === undefined) continue;
      out.push({
        title: `Change to '${suggestion}'`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        isPreferred: true,
        edit: { changes: { [uri]: [{ range: d.range, newText: suggestion }] } },
      });
    }
    void range;
    return out;
  }
}

// --- helpers ------------------------------------------------------------------------------------

function recordChange(model: DocModel, doc: TextDocument, ch: TextDocumentContentChangeEvent): void {
  if ('range' in ch && ch.range) model.edit(doc.offsetAt(ch.range.start), doc.offsetAt(ch.range.end), ch.text);
  else model.replace(ch.text);
}

/** The docstring of a body (its first statement, when it is a string literal). */
function docstringOf(body: A.Stmt[]): string | null {
  const s = body[0];
  if (s && s.kind === 'ExprStmt' && s.value.kind === 'Str') return dedent(s.value.value);
  return null;
}

function dedent(s: string): string {
  const lines = s.replace(/^\n/, '').replace(/\s+$/, '').split('\n');
  const ind = Math.min(...lines.slice(1).filter(l => l.trim()).map(l => /^\s*/.exec(l)![0].length), Infinity);
  return lines.map((l, i) => (i > 0 && Number.isFinite(ind) ? l.slice(ind) : l.trim())).join('\n');
}

/** Parameter texts as written (`a`, `b: int = 1`, `*args`, `**kw`), optionally without the first. */
function paramTexts(file: DocModel, p: A.Params, dropFirst: boolean): string[] {
  const src = (r: A.Range) => file.text.slice(r.start, r.end);
  const out: string[] = [];
  p.args.forEach((a, i) => {
    out.push(src(a));
    if (p.posonlyCount && i === p.posonlyCount - 1) out.push('/');
  });
  if (p.vararg) out.push('*' + src(p.vararg));
  else if (p.kwonly.length) out.push('*');
  for (const k of p.kwonly) out.push(src(k));
  if (p.kwarg) out.push('**' + src(p.kwarg));
  if (dropFirst && p.args.length && (p.args[0]!.name === 'self' || p.args[0]!.name === 'cls')) {
    out.shift();
    if (out[0] === '/') out.shift();
  }
  return out;
}

/** Splits a docs signature `f(a, b=1, *c)` into its parameters. */
function sigOfEntry(e: DocEntry): { label: string; params: string[]; doc: string | null } | null {
  const open = e.sig.indexOf('(');
  if (open < 0) return null;
  const inner = e.sig.slice(open + 1, e.sig.lastIndexOf(')'));
  const params: string[] = [];
  let depth = 0, cur = '', quote = '';
  for (const ch of inner) {
    if (quote) { cur += ch; if (ch === quote) quote = ''; continue; }
    if (ch === "'" || ch === '"') { quote = ch; cur += ch; continue; }
    if ('([{'.includes(ch)) depth++;
    if (')]}'.includes(ch)) depth--;
    if (ch === ',' && depth === 0) { params.push(cur.trim()); cur = ''; continue; }
    cur += ch;
  }
  if (cur.trim()) params.push(cur.trim());
  return { label: e.sig, params, doc: e.doc || null };
}

/**
 * The call whose argument list holds `offset`, read from the text (the line being typed usually
 * does not parse): the callee's dotted name, the index of the argument, and its keyword if any.
 */
export function openCallBefore(text: string, offset: number): { chain: string[]; argIndex: number; keyword: string | null } | null {
  let depth = 0, commas = 0, i = offset - 1;
  const limit = Math.max(0, offset - 4000);
  let argStart = offset;
  for (; i >= limit; i--) {
    const ch = text[i]!;
    if (ch === '"' || ch === "'") {
      // skip back over a string literal on this line
      const j = text.lastIndexOf(ch, i - 1);
      const nl = text.lastIndexOf('\n', i - 1);
      if (j > nl) { i = j; continue; }
      return null;
    }
    if (ch === ')' || ch === ']' || ch === '}') depth++;
    else if (ch === '(' || ch === '[' || ch === '{') {
      if (depth === 0) {
        if (ch !== '(') return null;
        break;
      }
      depth--;
    } else if (ch === ',' && depth === 0) { if (commas === 0) argStart = i + 1; commas++; }
    else if (ch === ':' && depth === 0 && /\n\s*$/.test(text.slice(Math.max(0, i - 200), i)) === false && text[i + 1] === '\n') return null;
  }
  if (i < limit || text[i] !== '(') return null;
  if (commas === 0) argStart = i + 1;
  const head = text.slice(Math.max(0, i - 300), i);
  const m = /([A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)*)\s*$/.exec(head);
  if (!m) return null;
  const chain = m[1]!.split('.').map(s => s.trim());
  if (PY_KEYWORDS.has(chain[0]!) && chain.length === 1) return null;
  const arg = text.slice(argStart, offset);
  const kw = /^\s*([A-Za-z_]\w*)\s*=(?!=)/.exec(arg);
  return { chain, argIndex: commas, keyword: kw ? kw[1]! : null };
}

/** Hierarchical symbols: classes with their methods and members, functions with nested defs. */
function outline(model: DocModel, body: A.Stmt[], topOnly: boolean, inClass = false): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  const seen = new Set<string>();
  const sym = (name: string, kind: SymbolKind, range: A.Range, sel: A.Range, children?: DocumentSymbol[], detail?: string): DocumentSymbol => {
    const s: DocumentSymbol = { name, kind, range: toRange(range), selectionRange: toRange(sel) };
    if (children) s.children = children;
    if (detail) s.detail = detail;
    return s;
  };
  const variable = (t: A.Expr, stmt: A.Stmt, kind: SymbolKind, detail?: string) => {
    const names: A.Name[] = [];
    const flat = (x: A.Expr) => { if (x.kind === 'Name') names.push(x); else if (x.kind === 'Tuple' || x.kind === 'List') x.elts.forEach(flat); else if (x.kind === 'Starred') flat(x.value); };
    flat(t);
    for (const n of names) {
      if (seen.has(n.id)) continue;
      seen.add(n.id);
      out.push(sym(n.id, kind, stmt, n, undefined, detail));
    }
  };
  const visit = (stmts: A.Stmt[]) => {
    for (const st of stmts) {
      switch (st.kind) {
        case 'FunctionDef': {
          const params = st.params.args.map(a => a.name).join(', ');
          const kids = topOnly ? undefined : outline(model, st.body, false, false).filter(s => s.kind === SymbolKind.Function || s.kind === SymbolKind.Class);
          out.push(sym(st.name, inClass ? (st.name === '__init__' || st.name === 'constructor' ? SymbolKind.Constructor : SymbolKind.Method) : SymbolKind.Function, st, st.nameRange, kids, `(${params})`));
          break;
        }
        case 'ClassDef':
          out.push(sym(st.name, SymbolKind.Class, st, st.nameRange, outline(model, st.body, false, true)));
          break;
        case 'Assign':
          for (const t of st.targets) variable(t, st, inClass ? SymbolKind.Field : SymbolKind.Variable);
          break;
        case 'AnnAssign': {
          const isEvent = st.annotation.kind === 'Name' && st.annotation.id === 'event';
          variable(st.target, st, isEvent ? SymbolKind.Event : inClass ? SymbolKind.Field : SymbolKind.Variable);
          break;
        }
        case 'NamespaceAssign': {
          const name = st.path.join('.');
          if (!seen.has(name)) { seen.add(name); out.push(sym(name, st.declKind === 'const' ? SymbolKind.Constant : st.path.length > 1 ? SymbolKind.Namespace : SymbolKind.Variable, st, st.pathRange)); }
          break;
        }
        case 'NamespaceBlock':
          out.push(sym(st.path.join('.'), SymbolKind.Namespace, st, st.pathRange, outline(model, st.body, false, true)));
          break;
        case 'If': case 'Try': case 'With': case 'For': case 'While':
          // module-level definitions inside `if`/`try` blocks are still definitions
          if (!inClass || st.kind === 'If') {
            if (st.kind === 'Try') { visit(st.body); for (const h of st.handlers) visit(h.body); visit(st.orelse); visit(st.finalbody); }
            else if (st.kind === 'If') { visit(st.body); visit(st.orelse); }
            else if (st.kind === 'With') visit(st.body);
          }
          break;
        default: break;
      }
    }
  };
  visit(body);
  return out;
}

function foldingRanges(model: DocModel): FoldingRange[] {
  const out: FoldingRange[] = [];
  const lines = model.text.split(/\r\n|\r|\n/);
  const add = (start: number, end: number, kind?: FoldingRangeKind) => {
    if (end > start) { const f: FoldingRange = { startLine: start, endLine: end }; if (kind) f.kind = kind; out.push(f); }
  };
  /** The 0-based line of the header (`else:`, `finally:`) just above a block's first statement. */
  const headerAbove = (first: A.Stmt, word: string, min: number): number => {
    for (let l = first.line - 1; l >= min; l--) if (new RegExp(`^\\s*${word}\\b`).test(lines[l] ?? '')) return l;
    return first.line - 2;
  };
  const block = (header: number, body: A.Stmt[]) => {
    if (!body.length) return;
    add(header, body[body.length - 1]!.endLine - 1);
    stmts(body);
  };
  const stmts = (body: A.Stmt[]) => {
    for (const st of body) {
      const h = st.line - 1;
      switch (st.kind) {
        case 'FunctionDef': case 'ClassDef': {
          const head = st.decorators.length ? st.nameRange.line - 1 : h;
          if (st.decorators.length) add(h, head);
          block(head, st.body);
          break;
        }
        case 'If':
          block(h, st.body);
          if (st.orelse.length === 1 && st.orelse[0]!.kind === 'If' && st.orelse[0]!.line - 1 > h && /^\s*elif\b/.test(lines[st.orelse[0]!.line - 1] ?? '')) stmts(st.orelse);
          else if (st.orelse.length) block(headerAbove(st.orelse[0]!, 'else', h), st.orelse);
          break;
        case 'For': case 'While':
          block(h, st.body);
          if (st.orelse.length) block(headerAbove(st.orelse[0]!, 'else', h), st.orelse);
          break;
        case 'With': case 'NamespaceBlock': block(h, st.body); break;
        case 'Try':
          block(h, st.body);
          for (const x of st.handlers) block(x.line - 1, x.body);
          if (st.orelse.length) block(headerAbove(st.orelse[0]!, 'else', h), st.orelse);
          if (st.finalbody.length) block(headerAbove(st.finalbody[0]!, 'finally', h), st.finalbody);
          break;
        default:
          // multi-line expressions (calls, literals, strings)
          if (st.endLine > st.line) add(h, st.endLine - 1);
      }
    }
  };
  const body = model.body();
  stmts(body);
  // runs of imports and of comment lines
  let run: A.Stmt[] = [];
  const flush = () => { if (run.length > 1) add(run[0]!.line - 1, run[run.length - 1]!.endLine - 1, FoldingRangeKind.Imports); run = []; };
  for (const st of body) { if (st.kind === 'Import' || st.kind === 'ImportFrom') run.push(st); else flush(); }
  flush();
  let cs = -1;
  for (let l = 0; l <= lines.length; l++) {
    const isComment = l < lines.length && /^\s*#/.test(lines[l]!);
    if (isComment && cs < 0) cs = l;
    if (!isComment && cs >= 0) { if (l - 1 > cs) add(cs, l - 1, FoldingRangeKind.Comment); cs = -1; }
  }
  return out;
}

/** Semantic tokens (names classified by what they are bound to), delta-encoded. */
function semanticTokenData(ws: Workspace, model: DocModel): number[] {
  const toks: number[][] = [];
  const push = (r: { line: number; col: number }, len: number, type: string, mods = 0) => {
    if (len > 0) toks.push([r.line - 1, r.col, len, TT[type]!, mods]);
  };
  const kinds = model.moduleKinds();
  const importCache = new Map<string, string>();
  const importedType = (name: string): string => {
    let t = importCache.get(name);
    if (t === undefined) {
      const target = ws.follow(ws.moduleName(model, name));
      t = typeOfTarget(target) ?? 'variable';
      importCache.set(name, t);
    }
    return t;
  };
  const fromBindings = (b: Set<string>, name: string, inClass: boolean, global: boolean): [string, number] => {
    if (b.has('class')) return ['class', 0];
    if (b.has('def')) return [inClass ? 'method' : 'function', 0];
    if (b.has('import')) return [global ? importedType(name) : 'namespace', 0];
    if (b.has('param')) return ['parameter', 0];
    if (b.has('namespace')) return ['namespace', 0];
    return ['variable', b.has('const') || b.has('const-decl') ? MOD_READONLY : 0];
  };
  const nameToken = (n: A.Name, b: Binding | undefined) => {
    if (!b) return;
    switch (b.kind) {
      case 'builtin': {
        const e = builtinDoc(n.id);
        push(n, n.id.length, isClassLike(n.id) ? 'class' : e?.kind === 'constant' ? 'variable' : 'function', MOD_LIB);
        return;
      }
      case 'this': push(n, n.id.length, 'parameter'); return;
      case 'member': push(n, n.id.length, 'property'); return;
      case 'global': {
        const k = kinds.get(n.id);
        if (!k) { push(n, n.id.length, 'variable'); return; }
        const [type, mods] = fromBindings(k, n.id, false, true);
        push(n, n.id.length, type, mods | (b.sym.defs.includes(n) ? MOD_DECL : 0));
        return;
      }
      case 'local': case 'free': case 'class': {
        const [type, mods] = fromBindings(b.sym.bindings, n.id, b.sym.scope.kind === 'class', false);
        push(n, n.id.length, type, mods | (b.sym.defs.includes(n) ? MOD_DECL : 0));
        return;
      }
      default: return;
    }
  };
  for (const u of model.units) {
    model.settleUnit(u);
    const sc = u.scope;
    const stmts = u.chunks.flatMap(c => c.stmts);
    walk(stmts, (n, parent) => {
      switch (n.kind) {
        case 'Name': nameToken(n, sc?.bindings.get(n)); break;
        case 'FunctionDef': {
          const inClass = !!sc && [...sc.scopes.entries()].length > 0 && sc.scopes.get(n)?.methodOf != null;
          push(n.nameRange, n.name.length, inClass ? 'method' : 'function', MOD_DECL);
          break;
        }
        case 'ClassDef': push(n.nameRange, n.name.length, 'class', MOD_DECL); break;
        case 'Param': push(n, n.name.length, 'parameter', MOD_DECL); break;
        case 'Attribute': push(n.attrRange, n.attr.length, parent && parent.kind === 'Call' && parent.func === n ? 'method' : 'property'); break;
        case 'Keyword': if (n.arg && parent && parent.kind === 'Call') push(n, n.arg.length, 'parameter'); break;
        case 'Alias': {
          if (n.name === '*') break;
          if (isModuleImportAlias(n)) {
            let col = n.col;
            for (const part of n.name.split('.')) { push({ line: n.line, col }, part.length, 'namespace'); col += part.length + 1; }
            if (n.asname) push({ line: n.endLine, col: n.endCol - n.asname.length }, n.asname.length, 'namespace', MOD_DECL);
          } else {
            const type = importedType(n.asname ?? n.name);
            push(n, n.name.length, type);
            if (n.asname) push({ line: n.endLine, col: n.endCol - n.asname.length }, n.asname.length, type, MOD_DECL);
          }
          break;
        }
        default: break;
      }
    });
  }
  toks.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  const data: number[] = [];
  let pl = 0, pc = 0, lastEnd = -1, lastLine = -1;
  for (const [l, c, len, type, mods] of toks) {
    if (l === lastLine && c < lastEnd) continue; // overlapping: keep the first
    data.push(l! - pl, l === pl ? c! - pc : c!, len!, type!, mods!);
    pl = l!; pc = c!; lastLine = l!; lastEnd = c! + len!;
  }
  return data;
}

function typeOfTarget(t: Target | null): string | null {
  if (!t) return null;
  switch (t.t) {
    case 'module': return 'namespace';
    case 'native': return t.entry.kind === 'class' ? 'class' : t.entry.kind === 'function' ? 'function' : 'variable';
    case 'builtin': return t.entry.kind === 'class' ? 'class' : 'function';
    case 'user': {
      const d = t.sites[0] && defOfNameRange(t.sites[0].range);
      return d ? (d.kind === 'ClassDef' ? 'class' : 'function') : 'variable';
    }
    default: return 'variable';
  }
}
