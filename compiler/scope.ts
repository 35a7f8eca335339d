// Scope analysis: which scope binds each name (local, enclosing function, global, builtin,
// class body, XLang class member), plus the semantic diagnostics that need that knowledge.
import type * as A from './ast.js';
import { diag, type Diagnostic } from './diagnostics.js';

export type ScopeKind = 'module' | 'function' | 'class' | 'comprehension';

export interface Sym {
  name: string;
  /** The JS identifier the generated code uses. */
  jsName: string;
  scope: Scope;
  /** How the name gets bound: 'param', 'def', 'class', 'import', 'assign', 'const', ... */
  bindings: Set<string>;
  /** Definition sites and references, for the language server. */
  defs: A.Range[];
  refs: A.Range[];
  isConst: boolean;
  /** Bound only by def/class/import/param: never unbound where a function reads it later. */
  stable?: boolean;
  /**
   * A def or class statement binding it has decorators: its value is whatever they return (any
   * callable, not necessarily a JS function).
   */
  decorated?: boolean;
  /** The shared Binding of each kind that resolves to this symbol (see symBinding). */
  asLocal?: Binding;
  asFree?: Binding;
  asGlobal?: Binding;
}

/**
 * The Binding of a name that resolves to sym: one object per symbol and kind, shared by every
 * such name (bindings are never changed once made), instead of one per name in the file.
 */
function symBinding(kind: 'local' | 'free' | 'global', sym: Sym): Binding {
  if (kind === 'local') return sym.asLocal ??= { kind, sym };
  if (kind === 'free') return sym.asFree ??= { kind, sym };
  return sym.asGlobal ??= { kind, sym };
}

export type Binding =
  | { kind: 'local'; sym: Sym }          // a JS variable of the current function (or module)
  | { kind: 'free'; sym: Sym }           // a JS variable of an enclosing function
  | { kind: 'global'; sym: Sym }         // a module-level JS variable
  | { kind: 'class'; sym: Sym; fallback: Binding } // class-body namespace, else fallback
  | { kind: 'builtin'; name: string }
  | { kind: 'member'; name: string }     // XLang: a class member named inside a method
  | { kind: 'this' }                     // XLang `this` inside a method
  | { kind: 'dynamic'; name: string }    // unknown at compile time (star import)
  | { kind: 'undefined'; name: string };

export class Scope {
  readonly symbols = new Map<string, Sym>();
  readonly globals = new Set<string>();
  readonly nonlocals = new Set<string>();
  readonly children: Scope[] = [];
  isGenerator = false;
  usesThis = false;
  /** For a method: the class scope it belongs to. */
  methodOf: Scope | null = null;
  /** Member names declared in a class body (methods, annotated members, events). */
  readonly members = new Set<string>();
  hasStarImport = false;
  constructor(readonly kind: ScopeKind, readonly node: A.Node, readonly parent: Scope | null, readonly name: string) {
    parent?.children.push(this);
  }
  /** Nearest enclosing scope that is a function or the module (comprehensions count as functions). */
  get functionScope(): Scope {
    let s: Scope = this;
    while (s.kind === 'class') s = s.parent!;
    return s;
  }
  get module(): Scope {
    let s: Scope = this;
    while (s.parent) s = s.parent;
    return s;
  }
}

const JS_RESERVED = new Set(('break case catch class const continue debugger default delete do else enum export extends false finally ' +
  'for function if import in instanceof new null return super switch this throw true try typeof var void while with yield ' +
  'let static implements interface package private protected public await arguments eval undefined NaN Infinity ' +
  'Object Array Symbol Math Number String Boolean Map Set Error Function Promise Reflect Proxy JSON BigInt Date RegExp ' +
  'globalThis require module exports').split(' '));

export function jsIdent(name: string): string {
  return JS_RESERVED.has(name) ? name + '$' : name;
}

/** Builtin names the runtime provides. Kept here so the compiler needs no runtime import. */
export const BUILTIN_NAMES = new Set(('print len abs sum round divmod sorted enumerate zip map filter reversed any all chr ord callable id ' +
  'input format dir vars on fire off sleep hex oct bin min max pow hash repr ascii isinstance issubclass hasattr getattr setattr ' +
  'delattr iter next locals globals exit quit object type int bool float complex str list tuple dict set frozenset bytes ' +
  'bytearray range slice property staticmethod classmethod super NotImplemented Ellipsis event EnvironmentError IOError ' +
  'BaseException SystemExit KeyboardInterrupt GeneratorExit Exception StopIteration StopAsyncIteration ArithmeticError ' +
  'FloatingPointError OverflowError ZeroDivisionError AssertionError AttributeError BufferError EOFError ImportError ' +
  'ModuleNotFoundError LookupError IndexError KeyError MemoryError NameError UnboundLocalError OSError BlockingIOError ' +
  'ChildProcessError ConnectionError BrokenPipeError ConnectionAbortedError ConnectionRefusedError ConnectionResetError ' +
  'FileExistsError FileNotFoundError InterruptedError IsADirectoryError NotADirectoryError PermissionError ProcessLookupError ' +
  'TimeoutError ReferenceError RuntimeError NotImplementedError RecursionError SyntaxError IndentationError TabError ' +
  'SystemError TypeError ValueError UnicodeError UnicodeDecodeError UnicodeEncodeError Warning DeprecationWarning ' +
  'UserWarning RuntimeWarning SyntaxWarning FutureWarning ImportWarning UnicodeWarning BytesWarning ResourceWarning ' +
  'PendingDeprecationWarning CancelledError __name__ __file__ to_bin from_bin open taskpool mainrun threadid').split(' '));

/** XLang builtins that arrive with later work: named in a clear diagnostic instead of "undefined". */
const PLANNED: Record<string, string> = {};

export interface ScopeResult {
  module: Scope;
  /**
   * Resolution of every Name node (loads and stores), and of `this`. Built on first use (the
   * language server's); the compiler reads each Name's own `binding` property instead.
   */
  readonly bindings: Map<A.Node, Binding>;
  /** The scope each function/class/lambda/comprehension node opens. */
  scopes: Map<A.Node, Scope>;
  diagnostics: Diagnostic[];
}

/** Levenshtein distance, capped (above `cap` it answers cap + 1), for "did you mean" suggestions. */
export function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  const n = b.length;
  if (distRows[0].length <= n) distRows = [new Int32Array(n + 1), new Int32Array(n + 1)];
  let [prev, cur] = distRows;
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const ca = a.charCodeAt(i - 1);
    cur[0] = i;
    let best = i;
    for (let j = 1; j <= n; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (ca === b.charCodeAt(j - 1) ? 0 : 1));
      cur[j] = v;
      if (v < best) best = v;
    }
    if (best > cap) return cap + 1;
    const t = prev; prev = cur; cur = t;
  }
  return prev[n]!;
}
/** The two rows editDistance works in, reused between calls. */
let distRows: [Int32Array, Int32Array] = [new Int32Array(64), new Int32Array(64)];

/** The largest edit distance at which a name is suggested for `name`. */
export function suggestionCap(name: string): number {
  return name.length <= 3 ? 1 : 2;
}

export interface AnalyzeOptions {
  /** Module-level names bound before this source runs (earlier REPL inputs). */
  predeclared?: string[];
}

export function analyze(mod: A.Module, opts: AnalyzeOptions = {}): ScopeResult {
  const a = new Analyzer();
  return a.run(mod, opts.predeclared ?? []);
}

class Analyzer {
  /** Every resolved Name, in resolution order (each carries its `binding`). */
  private resolved: A.Name[] = [];
  scopes = new Map<A.Node, Scope>();
  diagnostics: Diagnostic[] = [];
  /** Name nodes to resolve after every scope's bindings are known, and the scope of each. */
  private pending: A.Name[] = [];
  private pendingScopes: Scope[] = [];
  private note(n: A.Name, scope: Scope): void { this.pending.push(n); this.pendingScopes.push(scope); }
  private thisNodes: [A.Name, Scope][] = [];

  run(mod: A.Module, predeclared: string[]): ScopeResult {
    const root = new Scope('module', mod, null, '<module>');
    this.scopes.set(mod, root);
    for (const n of predeclared) {
      root.symbols.set(n, { name: n, jsName: jsIdent(n), scope: root, bindings: new Set(['global-decl']), defs: [], refs: [], isConst: false });
    }
    this.block(mod.body, root, { loop: false, func: false });
    for (let i = 0; i < this.pending.length; i++) this.resolve(this.pending[i]!, this.pendingScopes[i]!);
    this.renameShadowedGlobals(root);
    const mark = (sc: Scope) => {
      for (const sym of sc.symbols.values()) {
        let stable = true;
        for (const b of sym.bindings) if (b !== 'def' && b !== 'class' && b !== 'import' && b !== 'param') { stable = false; break; }
        sym.stable = stable;
      }
      sc.children.forEach(mark);
    };
    mark(root);
    const resolved = this.resolved;
    let bindings: Map<A.Node, Binding> | null = null;
    return {
      module: root, scopes: this.scopes, diagnostics: this.diagnostics,
      get bindings() { return bindings ??= new Map(resolved.map(n => [n, (n as { binding?: Binding }).binding!])); },
    };
  }

  // --- declaration --------------------------------------------------------------------------

  private declare(scope: Scope, name: string, how: string, at: A.Range): Sym {
    // global / nonlocal declarations redirect the binding
    let target = scope;
    if (scope.globals.has(name)) target = scope.module;
    else if (scope.nonlocals.has(name)) {
      let s = scope.parent;
      while (s && (s.kind === 'class' || !s.symbols.has(name) || s.kind === 'module')) {
        if (s.kind === 'module') { s = null; break; }
        s = s.parent;
      }
      if (s) target = s;
    }
    let sym = target.symbols.get(name);
    if (!sym) {
      sym = { name, jsName: jsIdent(name), scope: target, bindings: new Set(), defs: [], refs: [], isConst: false };
      target.symbols.set(name, sym);
    } else if (sym.isConst && how !== 'const-decl') {
      this.diagnostics.push(diag('error', 'const-assign', `cannot assign to constant '${name}'`, at));
    }
    sym.bindings.add(how);
    sym.defs.push(at);
    return sym;
  }

  /** Declares the names an assignment target binds, and queues its Name nodes. */
  private target(t: A.Expr, scope: Scope, how: string, ctx: Ctx): void {
    switch (t.kind) {
      case 'Name':
        this.declare(scope, t.id, how, t);
        this.note(t, scope);
        break;
      case 'Tuple': case 'List':
        for (const e of t.elts) this.target(e, scope, how, ctx);
        break;
      case 'Starred': this.target(t.value, scope, how, ctx); break;
      case 'Attribute': this.expr(t.value, scope, ctx); break;
      case 'Subscript': this.expr(t.value, scope, ctx); this.expr(t.slice, scope, ctx); break;
      default: this.expr(t, scope, ctx);
    }
  }

  private block(body: A.Stmt[], scope: Scope, ctx: Ctx): void {
    for (const s of body) this.stmt(s, scope, ctx);
  }

  private stmt(s: A.Stmt, scope: Scope, ctx: Ctx): void {
    switch (s.kind) {
      case 'ExprStmt': this.expr(s.value, scope, ctx); break;
      case 'Assign':
        this.expr(s.value, scope, ctx);
        for (const t of s.targets) this.target(t, scope, 'assign', ctx);
        break;
      case 'AugAssign':
        this.expr(s.value, scope, ctx);
        if (s.target.kind === 'Name') {
          this.declare(scope, s.target.id, 'assign', s.target);
          this.note(s.target, scope);
        } else this.target(s.target, scope, 'assign', ctx);
        break;
      case 'AnnAssign':
        this.expr(s.annotation, scope, ctx);
        if (s.value) this.expr(s.value, scope, ctx);
        if (s.target.kind === 'Name') {
          if (scope.kind === 'class') scope.members.add(s.target.id);
          if (s.value || scope.kind === 'class') this.declare(scope, s.target.id, s.value ? 'assign' : 'annotation', s.target);
          if (s.value) this.note(s.target, scope);
        } else this.target(s.target, scope, 'assign', ctx);
        break;
      case 'If':
        this.expr(s.test, scope, ctx); this.block(s.body, scope, ctx); this.block(s.orelse, scope, ctx);
        break;
      case 'While':
        this.expr(s.test, scope, ctx);
        this.block(s.body, scope, { ...ctx, loop: true, inFinally: false });
        this.block(s.orelse, scope, ctx);
        break;
      case 'For':
        this.expr(s.iter, scope, ctx);
        this.target(s.target, scope, 'assign', ctx);
        this.block(s.body, scope, { ...ctx, loop: true, inFinally: false });
        this.block(s.orelse, scope, ctx);
        break;
      case 'Break': case 'Continue':
        if (!ctx.loop) this.diagnostics.push(diag('error', 'syntax', `'${s.kind.toLowerCase()}' outside loop`, s));
        break;
      case 'Pass': break;
      case 'Return':
        if (!ctx.func) this.diagnostics.push(diag('error', 'syntax', "'return' outside function", s));
        if (s.value) this.expr(s.value, scope, ctx);
        break;
      case 'FunctionDef': this.funcDef(s, scope, ctx); break;
      case 'ClassDef': this.classDef(s, scope, ctx); break;
      case 'Try':
        this.block(s.body, scope, ctx);
        for (const h of s.handlers) {
          if (h.type) {
            // XLang `except e:` binds e when e names nothing at all
            if (h.type.kind === 'Name' && h.name === null && !this.isKnownName(h.type.id, scope)) {
              this.declare(scope, h.type.id, 'except', h.type);
              this.note(h.type, scope);
              (h as { xlangBind?: boolean }).xlangBind = true;
            } else this.expr(h.type, scope, ctx);
          }
          if (h.name) this.declare(scope, h.name, 'except', h);
          this.block(h.body, scope, ctx);
        }
        this.block(s.orelse, scope, ctx);
        this.block(s.finalbody, scope, { ...ctx, inFinally: true });
        break;
      case 'Raise':
        if (s.exc) this.expr(s.exc, scope, ctx);
        if (s.cause) this.expr(s.cause, scope, ctx);
        break;
      case 'With':
        for (const it of s.items) {
          this.expr(it.contextExpr, scope, ctx);
          if (it.optionalVars) this.target(it.optionalVars, scope, 'assign', ctx);
        }
        this.block(s.body, scope, ctx);
        break;
      case 'Import':
        for (const al of s.names) this.declare(scope, al.asname ?? al.name.split('.')[0]!, 'import', al);
        if (s.thru) {
          // the proxy is bound to the name as written: a dotted module needs `as`
          for (const al of s.names) if (al.name.includes('.') && !al.asname) this.diagnostics.push(diag('error', 'syntax', `'import ${al.name} thru' needs a name for the module it binds: import ${al.name} thru ... as name`, al));
          if (s.deferred) this.diagnostics.push(diag('error', 'syntax', "an import cannot be both 'deferred' and 'thru'", s));
          this.expr(s.thru, scope, ctx);
        }
        break;
      case 'ImportFrom':
        for (const al of s.names) {
          if (al.name === '*') { scope.module.hasStarImport = true; scope.hasStarImport = true; continue; }
          this.declare(scope, al.asname ?? al.name, 'import', al);
        }
        break;
      case 'Global':
        for (const n of s.names) {
          if (scope.kind === 'module') continue;
          if (scope.symbols.has(n) && scope.symbols.get(n)!.scope === scope) {
            this.diagnostics.push(diag('error', 'syntax', `name '${n}' is assigned to before global declaration`, s));
          }
          scope.globals.add(n);
          const g = scope.module.symbols.get(n);
          if (!g) {
            const sym: Sym = { name: n, jsName: jsIdent(n), scope: scope.module, bindings: new Set(['global-decl']), defs: [], refs: [], isConst: false };
            scope.module.symbols.set(n, sym);
          }
        }
        break;
      case 'Nonlocal':
        for (const n of s.names) {
          if (scope.kind === 'module') { this.diagnostics.push(diag('error', 'syntax', 'nonlocal declaration not allowed at module level', s)); continue; }
          let p = scope.parent, found = false;
          while (p && p.kind !== 'module') {
            if (p.kind !== 'class' && p.symbols.has(n)) { found = true; break; }
            p = p.parent;
          }
          if (!found) this.diagnostics.push(diag('error', 'syntax', `no binding for nonlocal '${n}' found`, s));
          scope.nonlocals.add(n);
        }
        break;
      case 'Del':
        for (const t of s.targets) {
          if (t.kind === 'Name') { this.note(t, scope); }
          else this.target(t, scope, 'del', ctx);
        }
        break;
      case 'Assert':
        this.expr(s.test, scope, ctx);
        if (s.msg) this.expr(s.msg, scope, ctx);
        break;
      case 'NamespaceAssign': {
        this.expr(s.value, scope, ctx);
        const root = s.path[0]!;
        const rootRange = { ...s.pathRange, end: s.pathRange.start + root.length, endLine: s.pathRange.line, endCol: s.pathRange.col + root.length };
        if (s.path.length === 1) {
          const sym = this.declare(scope, root, s.declKind === 'const' ? 'const-decl' : 'assign', rootRange);
          if (s.declKind === 'const') sym.isConst = true;
        } else {
          this.declare(scope, root, 'namespace', rootRange);
        }
        const nameNode: A.Name = { kind: 'Name', id: root, ...rootRange };
        (s as { rootName?: A.Name }).rootName = nameNode;
        this.note(nameNode, scope);
        break;
      }
      case 'NamespaceBlock': {
        const root = s.path[0]!;
        const rootRange = { ...s.pathRange, end: s.pathRange.start + root.length, endLine: s.pathRange.line, endCol: s.pathRange.col + root.length };
        this.declare(scope, root, 'namespace', rootRange);
        const nameNode: A.Name = { kind: 'Name', id: root, ...rootRange };
        (s as { rootName?: A.Name }).rootName = nameNode;
        this.note(nameNode, scope);
        // the block's definitions become members of the namespace: analyse it as a class body
        const inner = new Scope('class', s, scope, s.path.join('.'));
        this.scopes.set(s, inner);
        this.block(s.body, inner, { loop: false, func: false });
        break;
      }
      case 'Unsupported': case 'ErrorStmt': break;
    }
  }

  private isKnownName(name: string, scope: Scope): boolean {
    for (let s: Scope | null = scope; s; s = s.parent) if (s.symbols.has(name)) return true;
    if (BUILTIN_NAMES.has(name)) return true;
    return this.declaredLaterAnywhere(name, scope.module);
  }

  private declaredLaterAnywhere(name: string, mod: Scope): boolean {
    // class names defined later in the module still count as classes for `except X:`
    const body = (mod.node as A.Module).body;
    return body.some(st => (st.kind === 'ClassDef' || st.kind === 'FunctionDef' || st.kind === 'Import' || st.kind === 'ImportFrom') &&
      (('name' in st && st.name === name) || (st.kind === 'Import' && st.names.some(a => (a.asname ?? a.name.split('.')[0]) === name)) ||
        (st.kind === 'ImportFrom' && st.names.some(a => (a.asname ?? a.name) === name))));
  }

  private params(p: A.Params, outer: Scope, inner: Scope, ctx: Ctx): void {
    const all = [...p.args, ...(p.vararg ? [p.vararg] : []), ...p.kwonly, ...(p.kwarg ? [p.kwarg] : [])];
    const seen = new Set<string>();
    for (const prm of all) {
      if (prm.default) this.expr(prm.default, outer, ctx);
      if (prm.annotation) this.expr(prm.annotation, outer, ctx);
      if (seen.has(prm.name)) this.diagnostics.push(diag('error', 'duplicate-param', `duplicate argument '${prm.name}' in function definition`, prm));
      seen.add(prm.name);
      this.declare(inner, prm.name, 'param', prm);
    }
  }

  private funcDef(s: A.FunctionDef, scope: Scope, ctx: Ctx): void {
    for (const d of s.decorators) this.expr(d, scope, ctx);
    if (s.returns) this.expr(s.returns, scope, ctx);
    const sym = this.declare(scope, s.name, 'def', s.nameRange);
    if (s.decorators.length) sym.decorated = true;
    if (scope.kind === 'class') scope.members.add(s.name);
    const inner = new Scope('function', s, scope, s.name);
    this.scopes.set(s, inner);
    if (scope.kind === 'class') inner.methodOf = scope;
    else if (scope.functionScope.methodOf) inner.methodOf = null;
    this.params(s.params, scope, inner, ctx);
    this.prescan(s.body, inner);
    this.block(s.body, inner, { loop: false, func: true, inFinally: false });
  }

  /** global/nonlocal declarations apply to the whole function body, so read them first. */
  private prescan(body: A.Stmt[], scope: Scope): void {
    const visit = (b: A.Stmt[]) => {
      for (const st of b) {
        if (st.kind === 'Global') for (const n of st.names) scope.globals.add(n);
        else if (st.kind === 'Nonlocal') for (const n of st.names) scope.nonlocals.add(n);
        else if (st.kind === 'If' || st.kind === 'While' || st.kind === 'For') { visit(st.body); visit(st.orelse); }
        else if (st.kind === 'Try') { visit(st.body); for (const h of st.handlers) visit(h.body); visit(st.orelse); visit(st.finalbody); }
        else if (st.kind === 'With') visit(st.body);
      }
    };
    visit(body);
  }

  private classDef(s: A.ClassDef, scope: Scope, ctx: Ctx): void {
    for (const d of s.decorators) this.expr(d, scope, ctx);
    for (const b of s.bases) this.expr(b, scope, ctx);
    for (const k of s.keywords) this.expr(k.value, scope, ctx);
    const sym = this.declare(scope, s.name, 'class', s.nameRange);
    if (s.decorators.length) sym.decorated = true;
    const inner = new Scope('class', s, scope, s.name);
    this.scopes.set(s, inner);
    this.block(s.body, inner, { loop: false, func: false });
  }

  private lambda(node: A.Lambda | A.BraceLambda, scope: Scope, ctx: Ctx): void {
    const inner = new Scope('function', node, scope, '<lambda>');
    this.scopes.set(node, inner);
    this.params(node.params, scope, inner, ctx);
    if (node.kind === 'Lambda') this.expr(node.body, inner, { loop: false, func: true });
    else { this.prescan(node.body, inner); this.block(node.body, inner, { loop: false, func: true }); }
  }

  private comprehension(node: A.ListComp | A.SetComp | A.GeneratorExp | A.DictComp, scope: Scope, ctx: Ctx): void {
    // the first iterable is evaluated in the enclosing scope
    const gens = node.generators;
    this.expr(gens[0]!.iter, scope, ctx);
    const inner = new Scope('comprehension', node, scope, '<comprehension>');
    this.scopes.set(node, inner);
    if (node.kind === 'GeneratorExp') inner.isGenerator = true;
    const ictx: Ctx = { loop: false, func: true };
    gens.forEach((g, i) => {
      if (i > 0) this.expr(g.iter, inner, ictx);
      this.target(g.target, inner, 'assign', ictx);
      for (const c of g.ifs) this.expr(c, inner, ictx);
    });
    if (node.kind === 'DictComp') { this.expr(node.key, inner, ictx); this.expr(node.value, inner, ictx); }
    else this.expr(node.elt, inner, ictx);
  }

  private expr(e: A.Expr, scope: Scope, ctx: Ctx): void {
    switch (e.kind) {
      case 'Name':
        this.note(e, scope);
        break;
      case 'IntLit': case 'FloatLit': case 'ImagLit': case 'Str': case 'Bytes': case 'Const': case 'ErrorExpr': break;
      case 'JoinedStr':
        for (const p of e.parts) if (typeof p !== 'string') this.expr(p, scope, ctx);
        break;
      case 'FormattedValue':
        this.expr(e.value, scope, ctx);
        if (e.formatSpec) this.expr(e.formatSpec, scope, ctx);
        break;
      case 'List': case 'Tuple': case 'Set':
        for (const x of e.elts) this.expr(x, scope, ctx);
        break;
      case 'Dict':
        e.keys.forEach((k, i) => { if (k) this.expr(k, scope, ctx); this.expr(e.values[i]!, scope, ctx); });
        break;
      case 'Starred': this.expr(e.value, scope, ctx); break;
      case 'ListComp': case 'SetComp': case 'GeneratorExp': case 'DictComp':
        this.comprehension(e, scope, ctx);
        break;
      case 'BinOp': this.expr(e.left, scope, ctx); this.expr(e.right, scope, ctx); break;
      case 'UnaryOp': this.expr(e.operand, scope, ctx); break;
      case 'BoolOp': for (const v of e.values) this.expr(v, scope, ctx); break;
      case 'Compare': this.expr(e.left, scope, ctx); for (const c of e.comparators) this.expr(c, scope, ctx); break;
      case 'Call':
        this.expr(e.func, scope, ctx);
        for (const x of e.args) this.expr(x, scope, ctx);
        for (const k of e.keywords) this.expr(k.value, scope, ctx);
        break;
      case 'Attribute': this.expr(e.value, scope, ctx); break;
      case 'Subscript': this.expr(e.value, scope, ctx); this.expr(e.slice, scope, ctx); break;
      case 'Slice':
        if (e.lower) this.expr(e.lower, scope, ctx);
        if (e.upper) this.expr(e.upper, scope, ctx);
        if (e.step) this.expr(e.step, scope, ctx);
        break;
      case 'Lambda': case 'BraceLambda': this.lambda(e, scope, ctx); break;
      case 'IfExp': this.expr(e.test, scope, ctx); this.expr(e.body, scope, ctx); this.expr(e.orelse, scope, ctx); break;
      case 'NamedExpr': {
        this.expr(e.value, scope, ctx);
        // := binds in the nearest enclosing non-comprehension scope
        let s = scope;
        while (s.kind === 'comprehension') s = s.parent!;
        this.declare(s, e.target.id, 'assign', e.target);
        this.note(e.target, scope);
        break;
      }
      case 'Yield': case 'YieldFrom': {
        const fs = scope.functionScope;
        if (fs.kind === 'module' || !ctx.func) this.diagnostics.push(diag('error', 'syntax', "'yield' outside function", e));
        else fs.isGenerator = true;
        if (e.value) this.expr(e.value, scope, ctx);
        break;
      }
    }
  }

  // --- resolution ---------------------------------------------------------------------------

  private lookup(name: string, scope: Scope, node: A.Name): Binding {
    // `this` inside a method (unless the program binds a variable named this)
    const start = scope;
    let s: Scope | null = scope;
    let first = true;
    while (s) {
      if (s.kind === 'class' && !first) { s = s.parent; continue; }
      if (s.globals.has(name) && s.kind !== 'module') {
        const g = s.module.symbols.get(name);
        return g ? symBinding('global', g) : this.builtinOr(name, start, node);
      }
      const sym = s.symbols.get(name);
      if (sym && !(sym.bindings.size === 1 && sym.bindings.has('annotation'))) {
        if (s.kind === 'class') {
          // class body: its namespace first, then the enclosing scopes
          const fb = this.lookup(name, s.parent!, node);
          return { kind: 'class', sym, fallback: fb };
        }
        if (s.kind === 'module') return symBinding('global', sym);
        return symBinding(s === start.functionScope ? 'local' : 'free', sym);
      }
      first = false;
      s = s.parent;
    }
    return this.builtinOr(name, start, node);
  }

  private builtinOr(name: string, scope: Scope, node: A.Name): Binding {
    if (BUILTIN_NAMES.has(name)) return { kind: 'builtin', name };
    // XLang: inside a method, `this` and the class's own members
    const method = this.enclosingMethod(scope);
    if (method) {
      if (name === 'this') { method.usesThis = true; return { kind: 'this' }; }
      if (method.methodOf!.members.has(name)) { method.usesThis = true; return { kind: 'member', name }; }
    }
    if (scope.module.hasStarImport) return { kind: 'dynamic', name };
    void node;
    return { kind: 'undefined', name };
  }

  private enclosingMethod(scope: Scope): Scope | null {
    for (let s: Scope | null = scope; s; s = s.parent) {
      if (s.kind === 'function' && s.methodOf) return s;
      if (s.kind === 'class' || s.kind === 'module') return null;
    }
    return null;
  }

  private resolve(n: A.Name, scope: Scope): void {
    const b = this.lookup(n.id, scope, n);
    this.resolved.push(n);
    (n as { binding?: Binding }).binding = b;
    if ('sym' in b) b.sym.refs.push(n);
    if (b.kind === 'undefined') {
      const planned = PLANNED[n.id];
      if (planned) {
        this.diagnostics.push(diag('error', 'unsupported', planned, n));
        return;
      }
      // a warning, not an error: Python raises NameError only if the line runs, and valid
      // Python programs must run unchanged
      this.diagnostics.push(diag('warning', 'undefined-name', `undefined name '${n.id}'`, n, this.suggest(n.id, scope)));
    }
  }

  private suggest(name: string, scope: Scope): string | undefined {
    let best: string | undefined, bestD = suggestionCap(name);
    const consider = (cand: string) => {
      if (cand === name) return;
      const d = editDistance(name, cand, bestD);
      if (d <= bestD && (best === undefined || d < bestD)) { best = cand; bestD = d; }
    };
    for (let s: Scope | null = scope; s; s = s.parent) for (const k of s.symbols.keys()) consider(k);
    for (const k of BUILTIN_NAMES) consider(k);
    return best;
  }

  /**
   * JS closures resolve names lexically, which matches Python except for `global x` inside a
   * function nested in another function that has its own local x: rename that local.
   */
  private renameShadowedGlobals(root: Scope): void {
    const visit = (s: Scope) => {
      for (const g of s.globals) {
        for (let p = s.parent; p && p.kind !== 'module'; p = p.parent) {
          const sym = p.symbols.get(g);
          if (sym && p.kind !== 'class') sym.jsName = sym.jsName + '$' + p.name.replace(/\W/g, '_') + '_local';
        }
      }
      s.children.forEach(visit);
    };
    visit(root);
  }
}

interface Ctx { loop: boolean; func: boolean; inFinally?: boolean }
