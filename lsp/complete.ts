// Completion from the analysis: what may be typed at an offset of a document (module names after
// `import`, a module's members after `from m import`, the members of what an attribute chain
// denotes, else every name in scope, builtins and keywords). The language server answers
// textDocument/completion with it, and `xlang repl` completes on Tab with it (over the session's
// inputs), so it imports nothing from the LSP libraries: kinds are the protocol's numbers.
import type { CompletionItem, CompletionItemKind } from 'vscode-languageserver';
import type { Scope } from '../compiler/scope.js';
import type { DocModel } from './analysis.js';
import { BUILTINS, KEYWORDS } from './docs.js';
import type { Member, Workspace } from './workspace.js';

/** CompletionItemKind values (Language Server Protocol 3.17). */
export const Kind = {
  Method: 2, Function: 3, Field: 5, Variable: 6, Class: 7, Module: 9, Property: 10, Keyword: 14, Constant: 21,
} as const satisfies Record<string, CompletionItemKind>;
/** InsertTextFormat.PlainText */
const PLAIN_TEXT = 1;

/** The completions at `offset` of a synced model (unfiltered: the client filters by what is typed). */
export function completionsAt(ws: Workspace, model: DocModel, offset: number): CompletionItem[] {
  return completionContext(ws, model, offset).items;
}

/**
 * What is being completed at `offset`: a module path after `import`/`from`, a member after
 * `from m import`, an attribute (`obj.attr`), a name in scope, or nothing (in a comment or a
 * string, after a number, a new def/class name); and the completions.
 */
export type CompletionContext = 'module' | 'import' | 'attribute' | 'scope' | 'none';

export function completionContext(ws: Workspace, model: DocModel, offset: number): { context: CompletionContext; items: CompletionItem[] } {
  const text = model.text;
  let lineStart = offset;
  while (lineStart > 0 && text[lineStart - 1] !== '\n' && text[lineStart - 1] !== '\r') lineStart--;
  const prefix = text.slice(lineStart, offset);
  const none = { context: 'none' as const, items: [] };
  if (inCommentOrString(prefix)) return none;
  // import a.b.|  /  from a.|
  let m = /^\s*(?:import\s+(?:[\w.]+\s*(?:as\s+\w+\s*)?,\s*)*|from\s+)(\.*)([\w.]*)$/.exec(prefix);
  if (m && !/\bimport\s+.*\bas\s+\w*$/.test(prefix)) {
    const parts = m[2]!.split('.');
    parts.pop();
    if (m[1]) return { context: 'module', items: [] }; // relative package paths: nothing certain to offer
    return { context: 'module', items: ws.listModules(parts, model.path).map(x => ({ label: x.name, kind: Kind.Module, detail: x.kind === 'stdlib' ? 'stdlib module' : x.kind })) };
  }
  // from m import a, |
  m = /^\s*from\s+(\.*)([\w.]*)\s+import\s+(?:\(?\s*(?:\w+\s*(?:as\s+\w+\s*)?,\s*)*)(\w*)$/.exec(prefix);
  if (m) {
    const mod = ws.resolveModule(m[2]!, model.path, m[1]!.length);
    return { context: 'import', items: mod ? ws.membersOf({ t: 'module', mod }).map(x => memberItem(x)) : [] };
  }
  // obj.attr|
  m = /([A-Za-z_][\w]*(?:\s*\.\s*[A-Za-z_][\w]*)*)\s*\.\s*(\w*)$/.exec(prefix);
  if (m) {
    const before = prefix.slice(0, prefix.length - m[0].length);
    if (/[\w)\]}'"]\s*$/.test(before) && !/\b(?:return|in|not|and|or|if|else|yield|import|from|is|lambda|await)\s*$/.test(before)) return none;
    const chain = m[1]!.split('.').map(s => s.trim());
    const sc = model.scopeAt(offset);
    const base = sc ? ws.resolveChain(model, chain, sc.scope) : null;
    return { context: 'attribute', items: base ? ws.membersOf(base).map(x => memberItem(x)) : [] };
  }
  if (/(?:^|[^\w.])\d+\.?$/.test(prefix) || /\bdef\s+\w*$|\bclass\s+\w*$/.test(prefix)) return none;
  return { context: 'scope', items: scopeCompletions(model, offset) };
}

/** Names visible at `offset` (enclosing scopes, the module, builtins), then keywords. */
function scopeCompletions(model: DocModel, offset: number): CompletionItem[] {
  const items = new Map<string, CompletionItem>();
  const add = (label: string, kind: CompletionItemKind, detail?: string, sortText?: string) => {
    if (items.has(label)) return;
    const it: CompletionItem = { label, kind };
    if (detail) it.detail = detail;
    if (sortText) it.sortText = sortText;
    items.set(label, it);
  };
  const at = model.scopeAt(offset);
  if (at) {
    let s: Scope | null = at.scope, first = true;
    while (s) {
      if (s.kind === 'class' && !first) { s = s.parent; continue; }
      if (s.kind !== 'module') {
        for (const sym of s.symbols.values()) {
          if (sym.bindings.size === 1 && sym.bindings.has('annotation') && s.kind !== 'class') continue;
          add(sym.name, kindOfBindings(sym.bindings, s.kind === 'class'), undefined, '0');
        }
      }
      first = false;
      s = s.parent;
    }
    // XLang: inside a method, `this` and the class's members by their bare names
    for (let f: Scope | null = at.scope; f; f = f.parent) {
      if (f.kind === 'function' && f.methodOf) {
        add('this', Kind.Variable, 'the instance', '0');
        for (const name of f.methodOf.members) add(name, Kind.Field, 'member', '0');
        break;
      }
      if (f.kind === 'class' || f.kind === 'module') break;
    }
  }
  for (const [name, kinds] of model.moduleKinds()) add(name, kindOfBindings(kinds, false), undefined, '1');
  for (const e of BUILTINS.values()) add(e.name, e.kind === 'class' ? Kind.Class : e.kind === 'constant' ? Kind.Constant : Kind.Function, e.sig, '2');
  for (const name of ['Exception', 'ValueError', 'TypeError', 'KeyError', 'IndexError', 'RuntimeError', 'StopIteration', 'ZeroDivisionError', 'AttributeError', 'NotImplementedError']) add(name, Kind.Class, 'exception', '2');
  for (const k of KEYWORDS) add(k, Kind.Keyword, undefined, '3');
  return [...items.values()];
}

/** Whether a line prefix ends inside a comment or a string literal (single-line heuristics). */
function inCommentOrString(prefix: string): boolean {
  let quote = '';
  for (let i = 0; i < prefix.length; i++) {
    const ch = prefix[i]!;
    if (quote) {
      if (ch === '\\') { i++; continue; }
      if (prefix.startsWith(quote, i)) { i += quote.length - 1; quote = ''; }
      continue;
    }
    if (ch === '#') return true;
    if (ch === '"' || ch === "'") quote = prefix.startsWith(ch.repeat(3), i) ? ch.repeat(3) : ch;
    if (quote.length === 3) i += 2;
  }
  return quote !== '';
}

function kindOfBindings(b: Set<string>, inClass: boolean): CompletionItemKind {
  if (b.has('class')) return Kind.Class;
  if (b.has('def')) return inClass ? Kind.Method : Kind.Function;
  if (b.has('import')) return Kind.Module;
  if (b.has('const') || b.has('const-decl')) return Kind.Constant;
  if (b.has('namespace')) return Kind.Module;
  return inClass ? Kind.Field : Kind.Variable;
}

function memberItem(m: Member): CompletionItem {
  const kind = {
    function: Kind.Function, method: Kind.Method, class: Kind.Class, variable: Kind.Variable, module: Kind.Module,
    property: Kind.Property, constant: Kind.Constant, field: Kind.Field,
  }[m.kind];
  const it: CompletionItem = { label: m.name, kind, insertTextFormat: PLAIN_TEXT };
  if (m.detail) it.detail = m.detail;
  return it;
}
