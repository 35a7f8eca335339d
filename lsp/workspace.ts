// The language server's view of the project: open documents and files on disk (each a DocModel),
// import resolution the way the host does it (next to the importing file, then the workspace
// folders, XLANG_PATH, then the stdlib), and the resolver that turns a name or an attribute chain
// into what it denotes (a user definition in any file, a module, a builtin, a stdlib member),
// plus the references of a symbol across files.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as A from '../compiler/ast.js';
import { BUILTIN_NAMES, type Scope, type Sym } from '../compiler/scope.js';
import { DocModel, childNodes, defOfNameRange, isModuleImportAlias, validDef } from './analysis.js';
import { builtinDoc, STDLIB, TYPE_METHODS, type DocEntry } from './docs.js';


/** The stdlib modules written in XLang (`stdlib/*.x` in the source tree, from src or dist). */
const X_STDLIB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), import.meta.url.endsWith('.ts') ? '../stdlib' : '../../stdlib');
export type ModuleTarget =
  | { kind: 'file'; name: string; path: string }
  | { kind: 'package'; name: string; dir: string; init: string | null }
  | { kind: 'stdlib'; name: string };

/** A place where a user symbol is bound: the range of its name. */
export interface Site { file: DocModel; range: A.Range; node: A.Node | null }

/** What a name or expression denotes. */
export type Target =
  | { t: 'module'; mod: ModuleTarget }
  | { t: 'builtin'; name: string; entry: DocEntry }
  | { t: 'native'; module: string; entry: DocEntry }
  | { t: 'method'; type: string; entry: DocEntry }
  | { t: 'user'; file: DocModel; name: string; sites: Site[]; sym: Sym | null; global: boolean; member?: ClassRef }
  | { t: 'instance'; of: ClassRef | string };

export interface ClassRef { file: DocModel; node: A.ClassDef }

/** A member of a class, module or builtin type, for completion. */
export interface Member { name: string; kind: 'function' | 'method' | 'class' | 'variable' | 'module' | 'property' | 'constant' | 'field'; detail: string }

const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', '.hg', '.svn', '__pycache__', '.vscode']);
const MAX_FILES = 5000;

export function uriToPath(uri: string): string {
  if (uri.startsWith('file:')) { try { return fileURLToPath(uri); } catch { return uri; } }
  return uri;
}
export function pathToUri(path: string): string {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) ? pathToFileURL(path).href : path;
}

/** The name part of a binding site (a def's name, a parameter's name, an import's bound name). */
export function nameRangeOf(file: DocModel, r: A.Range, name: string): A.Range | null {
  if (!validDef(r)) return null;
  if (defOfNameRange(r)) return r;
  const n = r as A.Node;
  const at = (s: number, line: number, col: number): A.Range => ({ start: s, end: s + name.length, line, col, endLine: line, endCol: col + name.length });
  switch (n.kind) {
    case 'Name': return n;
    case 'Param': return at(n.start, n.line, n.col);
    case 'Alias':
      if (n.asname !== null && n.asname === name) return at(n.end - name.length, n.endLine, n.endCol - name.length);
      return at(n.start, n.line, n.col);
    case 'ExceptHandler': {
      const head = file.text.slice(n.start, Math.min(n.end, n.start + 400));
      const m = new RegExp(`\\bas\\s+(${name})\\b`).exec(head);
      if (!m) return null;
      const off = n.start + m.index + m[0].length - name.length;
      return at(off, n.line, n.col + (off - n.start));
    }
    default: return null;
  }
}

/** Finds a whole word in a statement's text (for `global x` / `nonlocal x`). */
function wordIn(file: DocModel, st: A.Range, name: string): A.Range | null {
  const text = file.text.slice(st.start, st.end);
  const m = new RegExp(`(?<![\\w])${name}(?![\\w])`).exec(text.replace(/^\s*(global|nonlocal)/, s => ' '.repeat(s.length)));
  if (!m) return null;
  const off = st.start + m.index;
  return { start: off, end: off + name.length, line: st.line, col: st.col + m.index, endLine: st.line, endCol: st.col + m.index + name.length };
}

/** Every node below a list of statements, with its parent (depth-first, source order mostly). */
export function walk(nodes: A.Node[], visit: (n: A.Node, parent: A.Node | null) => void, parent: A.Node | null = null): void {
  for (const n of nodes) {
    visit(n, parent);
    walk(childNodes(n), visit, n);
  }
}

export class Workspace {
  folders: string[] = [];
  searchPath: string[];
  private readonly stdlibDir: string;
  private readonly open = new Map<string, { uri: string; model: DocModel }>();
  private readonly disk = new Map<string, { mtimeMs: number; size: number; model: DocModel }>();
  private fileList: { at: number; files: string[] } | null = null;

  constructor() {
    this.searchPath = process.env.XLANG_PATH ? process.env.XLANG_PATH.split(':').filter(Boolean) : [];
    this.stdlibDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'stdlib');
  }

  // --- files --------------------------------------------------------------------------------

  openDoc(uri: string, text: string): DocModel {
    const path = uriToPath(uri);
    const model = new DocModel(path, text);
    this.open.set(path, { uri, model });
    return model;
  }
  closeDoc(uri: string): void { this.open.delete(uriToPath(uri)); }
  modelForUri(uri: string): DocModel | null { return this.open.get(uriToPath(uri))?.model ?? null; }
  uriOf(model: DocModel): string { return this.open.get(model.path)?.uri ?? pathToUri(model.path); }
  openModels(): DocModel[] { return [...this.open.values()].map(o => o.model); }

  /** The model of a file: the open document, else the file on disk (cached while unchanged). */
  modelForPath(path: string): DocModel | null {
    const o = this.open.get(path);
    if (o) { o.model.sync(); return o.model; }
    let st;
    try { st = statSync(path); } catch { return null; }
    if (!st.isFile()) return null;
    const c = this.disk.get(path);
    if (c && c.mtimeMs === st.mtimeMs && c.size === st.size) return c.model;
    let text: string;
    try { text = readFileSync(path, 'utf8'); } catch { return null; }
    const model = new DocModel(path, text);
    this.disk.set(path, { mtimeMs: st.mtimeMs, size: st.size, model });
    return model;
  }

  /** Forgets cached disk files (a watched file changed). */
  invalidate(path?: string): void {
    if (path) this.disk.delete(path); else this.disk.clear();
    this.fileList = null;
  }

  /** Every .x file under the workspace folders (cached for a few seconds). */
  workspaceFiles(): string[] {
    if (this.fileList && Date.now() - this.fileList.at < 5000) return this.fileList.files;
    const files: string[] = [];
    const scan = (dir: string, depth: number) => {
      if (files.length >= MAX_FILES || depth > 12) return;
      let entries;
      try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
      for (const e of entries) {
        if (e.isDirectory()) { if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) scan(join(dir, e.name), depth + 1); }
        else if (e.isFile() && e.name.endsWith('.x')) files.push(join(dir, e.name));
      }
    };
    for (const f of this.folders) scan(f, 0);
    this.fileList = { at: Date.now(), files };
    return files;
  }

  /** Files that may import others: open documents and workspace files (or the folder of `near`). */
  candidateFiles(near: string): string[] {
    const set = new Set<string>(this.open.keys());
    for (const f of this.workspaceFiles()) set.add(f);
    if (!this.folders.length && near.startsWith('/')) {
      try { for (const e of readdirSync(dirname(near))) if (e.endsWith('.x')) set.add(join(dirname(near), e)); } catch { /* unreadable */ }
    }
    return [...set];
  }

  // --- modules ------------------------------------------------------------------------------

  stdlibModules(): string[] {
    const names = new Set(Object.keys(STDLIB).filter(n => !n.includes('.')));
    for (const dir of [this.stdlibDir, X_STDLIB_DIR]) {
      try {
        for (const f of readdirSync(dir)) {
          const m = /^([a-z_][a-z0-9_]*)\.(js|ts|x)$/.exec(f);
          if (m && m[1] !== 'context') names.add(m[1]!);
        }
      } catch { /* no stdlib folder */ }
    }
    return [...names].sort();
  }

  private searchDirs(fromFile: string): string[] {
    const dirs = fromFile.startsWith('/') ? [dirname(fromFile)] : [];
    for (const d of [...this.folders, ...this.searchPath]) if (!dirs.includes(d)) dirs.push(d);
    return dirs;
  }

  /** Resolves `import name` (dotted) from a file; level > 0 for `from . import`. */
  resolveModule(name: string, fromFile: string, level = 0): ModuleTarget | null {
    const parts = name ? name.split('.') : [];
    let dirs = this.searchDirs(fromFile);
    if (level > 0) {
      let d = dirname(fromFile);
      for (let i = 1; i < level; i++) d = dirname(d);
      dirs = [d];
      if (!parts.length) return { kind: 'package', name: '.', dir: d, init: existsSync(join(d, '__init__.x')) ? join(d, '__init__.x') : null };
    }
    if (!parts.length) return null;
    for (const d of dirs) {
      const base = join(d, ...parts);
      if (existsSync(base + '.x')) return { kind: 'file', name, path: base + '.x' };
      try {
        if (statSync(base).isDirectory()) return { kind: 'package', name, dir: base, init: existsSync(join(base, '__init__.x')) ? join(base, '__init__.x') : null };
      } catch { /* not there */ }
    }
    // a stdlib module written in XLang is a file like the program's own (hover, go-to-definition)
    if (level === 0 && parts.length === 1 && existsSync(join(X_STDLIB_DIR, name + '.x'))) return { kind: 'file', name, path: join(X_STDLIB_DIR, name + '.x') };
    if (level === 0 && (STDLIB[name] || this.stdlibModules().includes(name))) return { kind: 'stdlib', name };
    return null;
  }

  /** Module names importable from a file, under a dotted prefix (for `import a.` completion). */
  listModules(prefix: string[], fromFile: string): { name: string; kind: 'file' | 'package' | 'stdlib' }[] {
    const out = new Map<string, 'file' | 'package' | 'stdlib'>();
    for (const d of this.searchDirs(fromFile)) {
      const dir = join(d, ...prefix);
      let entries;
      try { entries = readdirSync(dir, { withFileTypes: true }); } catch { continue; }
      for (const e of entries) {
        if (e.isFile() && e.name.endsWith('.x') && e.name !== '__init__.x') {
          const n = e.name.slice(0, -2);
          if (/^[A-Za-z_]\w*$/.test(n) && join(dir, e.name) !== fromFile && !out.has(n)) out.set(n, 'file');
        } else if (e.isDirectory() && /^[A-Za-z_]\w*$/.test(e.name) && !SKIP_DIRS.has(e.name) && !out.has(e.name)) {
          const sub = join(dir, e.name);
          let hasX = false;
          try { hasX = readdirSync(sub).some(f => f.endsWith('.x')); } catch { /* unreadable */ }
          if (hasX) out.set(e.name, 'package');
        }
      }
    }
    if (!prefix.length) for (const n of this.stdlibModules()) if (!out.has(n)) out.set(n, 'stdlib');
    if (prefix.length === 1 && prefix[0] === 'os') out.set('path', 'stdlib');
    return [...out].map(([name, kind]) => ({ name, kind }));
  }

  /** The model of a module's source (a file or a package's __init__.x). */
  moduleModel(mod: ModuleTarget): DocModel | null {
    if (mod.kind === 'file') return this.modelForPath(mod.path);
    if (mod.kind === 'package' && mod.init) return this.modelForPath(mod.init);
    return null;
  }

  // --- resolution ---------------------------------------------------------------------------

  /** A name as seen from `scope` (same rules as compiler/scope.ts's lookup). */
  resolveName(file: DocModel, name: string, scope: Scope): Target | null {
    let s: Scope | null = scope, first = true;
    while (s) {
      if (s.kind === 'class' && !first) { s = s.parent; continue; }
      if (s.globals.has(name) && s.kind !== 'module') return this.moduleName(file, name);
      const sym = s.symbols.get(name);
      if (sym && !(sym.bindings.size === 1 && sym.bindings.has('annotation'))) {
        if (s.kind === 'module') return this.moduleName(file, name);
        return this.userTarget(file, sym, false);
      }
      // a unit predeclares only the other units' names it mentions
      if (s.kind === 'module' && file.hasModuleName(name)) return this.moduleName(file, name);
      first = false;
      s = s.parent;
    }
    if (BUILTIN_NAMES.has(name)) return this.builtin(name);
    const method = enclosingMethod(scope);
    if (method) {
      const cls = this.classOfScope(file, method.methodOf!);
      if (name === 'this' && cls) return { t: 'instance', of: cls };
      if (cls && method.methodOf!.members.has(name)) return this.memberOf({ t: 'instance', of: cls }, name);
    }
    return null;
  }

  private builtin(name: string): Target | null {
    const e = builtinDoc(name);
    return e ? { t: 'builtin', name, entry: e } : null;
  }

  /** The module-level name `name` of a file (all its binding sites). */
  moduleName(file: DocModel, name: string): Target | null {
    const defs = file.moduleDefs(name);
    const syms = file.moduleSyms(name);
    if (!defs.length && !syms.length) return BUILTIN_NAMES.has(name) ? this.builtin(name) : null;
    const sites: Site[] = [];
    for (const r of defs) { const nr = nameRangeOf(file, r, name); if (nr) sites.push({ file, range: nr, node: r as A.Node }); }
    return { t: 'user', file, name, sites, sym: syms.find(s => s.defs.length > 0) ?? syms[0] ?? null, global: true };
  }

  private userTarget(file: DocModel, sym: Sym, global: boolean): Target {
    const sites: Site[] = [];
    for (const r of sym.defs) { const nr = nameRangeOf(file, r, sym.name); if (nr) sites.push({ file, range: nr, node: r as A.Node }); }
    const t: Target = { t: 'user', file, name: sym.name, sites, sym, global };
    // a name bound in a class body is a member of the class
    const cls = sym.scope.kind === 'class' ? this.classOfScope(file, sym.scope) : null;
    if (cls) t.member = cls;
    return t;
  }

  /** The binding of a Name node (from the analysis of its unit). */
  resolveNameNode(file: DocModel, n: A.Name): Target | null {
    const unit = file.unitAt(n.start);
    const b = unit.scope?.bindings.get(n);
    const at = file.scopeAt(n.start);
    if (!b) return at ? this.resolveName(file, n.id, at.scope) : null;
    switch (b.kind) {
      case 'local': case 'free': return this.userTarget(file, b.sym, false);
      case 'global': return this.moduleName(file, n.id);
      case 'class': return this.userTarget(file, b.sym, false);
      case 'builtin': return this.builtin(n.id);
      case 'this': case 'member': return at ? this.resolveName(file, n.id, at.scope) : null;
      default: return null;
    }
  }

  /** Follows imports: an imported name becomes the module or member it names. */
  follow(t: Target | null, depth = 0): Target | null {
    if (!t || t.t !== 'user' || depth > 6) return t;
    const site = t.sites[0];
    const node = site?.node;
    if (!node || node.kind !== 'Alias') return t;
    if (isModuleImportAlias(node)) {
      // `import a.b` binds a; `import a.b as c` binds a.b
      const full = node.asname ? node.name : node.name.split('.')[0]!;
      const mod = this.resolveModule(full, t.file.path);
      return mod ? { t: 'module', mod } : t;
    }
    const stmt = t.file.nodePathAt(node.start).find(n => n.kind === 'ImportFrom') as A.ImportFrom | undefined;
    if (!stmt) return t;
    const mod = this.resolveModule(stmt.module, t.file.path, stmt.level);
    if (!mod) return t;
    const m = this.memberOf({ t: 'module', mod }, node.name, depth + 1);
    return m ?? t;
  }

  /** What `expr` denotes, for Name / Attribute / Call expressions. */
  resolveExpr(file: DocModel, e: A.Expr, depth = 0): Target | null {
    if (depth > 8 || this.nesting > 16) return null;
    this.nesting++;
    try { return this.resolveExprInner(file, e, depth); } finally { this.nesting--; }
  }

  private resolveExprInner(file: DocModel, e: A.Expr, depth: number): Target | null {
    switch (e.kind) {
      case 'Name': return this.follow(this.resolveNameNode(file, e));
      case 'Attribute': {
        const base = this.resolveExpr(file, e.value, depth + 1);
        return base ? this.memberOf(base, e.attr) : null;
      }
      case 'Call': {
        const f = this.resolveExpr(file, e.func, depth + 1);
        return f ? this.resultOf(f) : null;
      }
      case 'Str': case 'JoinedStr': return { t: 'instance', of: 'str' };
      case 'List': case 'ListComp': return { t: 'instance', of: 'list' };
      case 'Dict': case 'DictComp': return { t: 'instance', of: 'dict' };
      case 'Set': case 'SetComp': return { t: 'instance', of: 'set' };
      case 'Tuple': return { t: 'instance', of: 'tuple' };
      default: return null;
    }
  }

  /** A dotted chain of names seen from a scope (for completion on text that does not parse). */
  resolveChain(file: DocModel, chain: string[], scope: Scope): Target | null {
    let t = this.follow(this.resolveName(file, chain[0]!, scope));
    for (let i = 1; t && i < chain.length; i++) t = this.memberOf(t, chain[i]!);
    return t;
  }

  /** The class a Scope of kind 'class' belongs to. */
  classOfScope(file: DocModel, s: Scope): ClassRef | null {
    return s.node.kind === 'ClassDef' ? { file, node: s.node } : null;
  }

  /** The value a call returns, when it is knowable: an instance for a class. */
  private resultOf(f: Target): Target | null {
    const v = this.valueOf(f);
    if (v && v.t === 'user') {
      const d = v.sites[0]?.node && defOfNameRange(v.sites[0].range);
      if (d && d.kind === 'ClassDef') return { t: 'instance', of: { file: v.file, node: d } };
    }
    if (v && v.t === 'builtin' && TYPE_METHODS[v.name]) return { t: 'instance', of: v.name };
    return null;
  }

  /** Nesting of valueOf/resolveExpr calls: `x = x.f()` must not recurse forever. */
  private nesting = 0;

  /** For a variable: what its binding gives it, when the binding says (a class, an annotation, `self`). */
  valueOf(t: Target | null, depth = 0): Target | null {
    if (!t || t.t !== 'user' || depth > 4 || this.nesting > 16) return t;
    this.nesting++;
    try { return this.valueOfInner(t, depth); } finally { this.nesting--; }
  }

  private valueOfInner(t: Target & { t: 'user' }, depth: number): Target | null {
    const site = t.sites[0];
    if (!site) return t;
    if (defOfNameRange(site.range)) return t;
    const node = site.node;
    if (!node) return t;
    if (node.kind === 'Param') {
      if (node.annotation) {
        const a = this.resolveExpr(t.file, node.annotation);
        if (a) { const r = this.resultOf(a); if (r) return r; }
      }
      // the first parameter of a method is the instance
      const at = t.file.scopeAt(node.start);
      const fnScope = at?.scope;
      if (fnScope && fnScope.methodOf && fnScope.node.kind === 'FunctionDef') {
        const fn = fnScope.node;
        const isStatic = fn.decorators.some(d => d.kind === 'Name' && (d.id === 'staticmethod' || d.id === 'classmethod'));
        if (!isStatic && fn.params.args[0] === node) {
          const cls = this.classOfScope(t.file, fnScope.methodOf);
          if (cls) return { t: 'instance', of: cls };
        }
      }
      return t;
    }
    if (node.kind === 'Name') {
      const path = t.file.nodePathAt(node.start);
      const stmt = [...path].reverse().find(n => n.kind === 'Assign' || n.kind === 'AnnAssign') as A.Assign | A.AnnAssign | undefined;
      if (stmt && stmt.kind === 'Assign' && stmt.targets.includes(node)) {
        const v = this.resolveExpr(t.file, stmt.value, depth + 1);
        if (v && (v.t === 'instance' || v.t === 'module')) return v;
      }
      if (stmt && stmt.kind === 'AnnAssign' && stmt.target === node) {
        const a = this.resolveExpr(t.file, stmt.annotation);
        if (a) { const r = this.resultOf(a); if (r) return r; }
      }
    }
    return t;
  }

  /** `base.attr`. */
  memberOf(base: Target, attr: string, depth = 0): Target | null {
    if (depth > 6) return null;
    switch (base.t) {
      case 'module': {
        const mod = base.mod;
        if (mod.kind === 'stdlib') {
          const entry = STDLIB[mod.name]?.members.get(attr);
          if (!entry) return null;
          if (entry.kind === 'module') return { t: 'module', mod: { kind: 'stdlib', name: `${mod.name}.${attr}` } };
          return { t: 'native', module: mod.name, entry };
        }
        const model = this.moduleModel(mod);
        if (model && model.hasModuleName(attr)) return this.follow(this.moduleName(model, attr), depth + 1);
        if (mod.kind === 'package') {
          const sub = this.resolveModule(`${mod.name}.${attr}`, model?.path ?? join(mod.dir, '__init__.x'));
          const file = join(mod.dir, attr + '.x');
          if (existsSync(file)) return { t: 'module', mod: { kind: 'file', name: `${mod.name}.${attr}`, path: file } };
          if (sub) return { t: 'module', mod: sub };
        }
        return null;
      }
      case 'user': {
        const v = this.valueOf(base);
        if (v && v !== base) return this.memberOf(v, attr, depth + 1);
        const d = base.sites[0] && defOfNameRange(base.sites[0].range);
        if (d && d.kind === 'ClassDef') return this.classMember({ file: base.file, node: d }, attr, depth);
        return null;
      }
      case 'instance':
        if (typeof base.of === 'string') {
          const entry = TYPE_METHODS[base.of]?.get(attr);
          return entry ? { t: 'method', type: base.of, entry } : null;
        }
        return this.classMember(base.of, attr, depth);
      case 'builtin':
        return null;
      default:
        return null;
    }
  }

  /** A member of a user class (its body, `self.x = ...` in its methods, then its bases). */
  classMember(cls: ClassRef, attr: string, depth = 0): Target | null {
    const info = this.classInfo(cls);
    const sites = info.members.get(attr);
    if (sites && sites.length) {
      const sym = info.scope?.symbols.get(attr) ?? null;
      return { t: 'user', file: cls.file, name: attr, sites, sym, global: false, member: cls };
    }
    if (depth > 6) return null;
    for (const b of info.bases) {
      const m = this.classMember(b, attr, depth + 1);
      if (m) return m;
    }
    return null;
  }

  /** The members of a class with their binding sites, and its user-defined bases. */
  classInfo(cls: ClassRef): { scope: Scope | null; members: Map<string, Site[]>; bases: ClassRef[] } {
    const file = cls.file;
    const unit = file.unitAt(cls.node.start);
    file.settleUnit(unit);
    const scope = unit.scope?.scopes.get(cls.node) ?? null;
    const members = new Map<string, Site[]>();
    const add = (name: string, range: A.Range | null, node: A.Node | null) => {
      if (!range) return;
      const l = members.get(name) ?? [];
      if (!l.some(s => s.range.start === range.start)) l.push({ file, range, node });
      members.set(name, l);
    };
    if (scope) for (const sym of scope.symbols.values()) for (const r of sym.defs) add(sym.name, nameRangeOf(file, r, sym.name), r as A.Node);
    // self.x = ... / this.x = ... in the methods
    for (const st of cls.node.body) {
      if (st.kind !== 'FunctionDef') continue;
      const selfName = st.params.args[0]?.name === 'self' ? 'self' : null;
      walk(st.body, n => {
        const targets: A.Expr[] = n.kind === 'Assign' ? n.targets : n.kind === 'AugAssign' || n.kind === 'AnnAssign' ? [n.target] : [];
        const flat: A.Expr[] = [];
        const flatten = (x: A.Expr) => { if (x.kind === 'Tuple' || x.kind === 'List') x.elts.forEach(flatten); else flat.push(x); };
        targets.forEach(flatten);
        for (const t of flat) {
          if (t.kind === 'Attribute' && t.value.kind === 'Name' && (t.value.id === 'this' || t.value.id === selfName)) {
            if (!members.has(t.attr)) add(t.attr, t.attrRange, t);
          }
        }
      });
    }
    const bases: ClassRef[] = [];
    for (const b of cls.node.bases) {
      const t = this.resolveExpr(file, b);
      if (t && t.t === 'user') {
        const d = t.sites[0] && defOfNameRange(t.sites[0].range);
        if (d && d.kind === 'ClassDef' && d !== cls.node) bases.push({ file: t.file, node: d });
      }
    }
    return { scope, members, bases };
  }

  /** The members offered after `base.` */
  membersOf(base: Target, depth = 0): Member[] {
    const out = new Map<string, Member>();
    const put = (m: Member) => { if (!out.has(m.name)) out.set(m.name, m); };
    switch (base.t) {
      case 'module': {
        const mod = base.mod;
        if (mod.kind === 'stdlib') {
          for (const e of STDLIB[mod.name]?.members.values() ?? []) put({ name: e.name, kind: e.kind === 'constant' ? 'constant' : e.kind === 'method' ? 'method' : e.kind, detail: e.sig });
        } else {
          const model = this.moduleModel(mod);
          if (model) for (const n of model.moduleNames()) put({ name: n, kind: this.kindOfModuleName(model, n), detail: '' });
          if (mod.kind === 'package') for (const m of this.listModules(mod.name.split('.'), '')) put({ name: m.name, kind: 'module', detail: '' });
        }
        break;
      }
      case 'user': {
        const v = this.valueOf(base);
        if (v && v !== base) return this.membersOf(v, depth + 1);
        const d = base.sites[0] && defOfNameRange(base.sites[0].range);
        if (d && d.kind === 'ClassDef') this.classMembers({ file: base.file, node: d }, put, depth);
        break;
      }
      case 'instance':
        if (typeof base.of === 'string') for (const e of TYPE_METHODS[base.of]?.values() ?? []) put({ name: e.name, kind: 'method', detail: e.sig });
        else this.classMembers(base.of, put, depth);
        break;
      default: break;
    }
    return [...out.values()];
  }

  private classMembers(cls: ClassRef, put: (m: Member) => void, depth: number): void {
    const info = this.classInfo(cls);
    for (const [name, sites] of info.members) {
      const node = sites[0]?.node;
      const d = sites[0] && defOfNameRange(sites[0].range);
      put({ name, kind: d ? (d.kind === 'ClassDef' ? 'class' : 'method') : node?.kind === 'Attribute' ? 'property' : 'field', detail: '' });
    }
    if (depth < 6) for (const b of info.bases) this.classMembers(b, put, depth + 1);
  }

  kindOfModuleName(model: DocModel, name: string): Member['kind'] {
    const defs = model.moduleDefs(name);
    const d = defs.length ? defOfNameRange(defs[0]!) : undefined;
    if (d) return d.kind === 'ClassDef' ? 'class' : 'function';
    const n = defs[0] as A.Node | undefined;
    if (n && n.kind === 'Alias') return isModuleImportAlias(n) ? 'module' : 'variable';
    return 'variable';
  }

  // --- references ---------------------------------------------------------------------------

  /** Every place that names the symbol a target denotes: its binding sites and uses, in every file. */
  references(t: Target): Site[] {
    if (t.t !== 'user') return [];
    const out: Site[] = [];
    const seen = new Set<string>();
    const add = (file: DocModel, range: A.Range | null, node: A.Node | null = null) => {
      if (!range) return;
      const k = `${file.path}:${range.start}`;
      if (seen.has(k)) return;
      seen.add(k);
      out.push({ file, range, node });
    };
    if (t.member) {
      this.memberReferences(t.member, t.name, add);
    } else if (t.global) {
      this.moduleReferences(t.file, t.name, add);
      for (const f of this.importers(t.file)) this.importerReferences(f, t.file, t.name, add);
    } else if (t.sym) {
      for (const r of t.sym.defs) add(t.file, nameRangeOf(t.file, r, t.name), r as A.Node);
      for (const r of t.sym.refs) add(t.file, r, r as A.Node);
      // `nonlocal x` in nested functions
      const sc = t.sym.scope;
      const visitScope = (s: Scope) => {
        for (const c of s.children) {
          if (c.nonlocals.has(t.name)) this.declStmts(t.file, c, 'Nonlocal', t.name, add);
          if (!c.symbols.has(t.name) || c.nonlocals.has(t.name)) visitScope(c);
        }
      };
      visitScope(sc);
    }
    return out;
  }

  private moduleReferences(file: DocModel, name: string, add: (f: DocModel, r: A.Range | null, n?: A.Node | null) => void): void {
    for (const sym of file.moduleSyms(name)) {
      for (const r of sym.defs) add(file, nameRangeOf(file, r, name), r as A.Node);
      for (const r of sym.refs) add(file, r, r as A.Node);
    }
    // `global x` statements
    for (const u of file.units) {
      if (!u.scope) continue;
      const visit = (s: Scope) => {
        if (s.globals.has(name) && s.kind !== 'module') this.declStmts(file, s, 'Global', name, add);
        s.children.forEach(visit);
      };
      visit(u.scope.module);
    }
  }

  /** The `global`/`nonlocal` statements of a function scope that list a name. */
  private declStmts(file: DocModel, s: Scope, kind: 'Global' | 'Nonlocal', name: string, add: (f: DocModel, r: A.Range | null) => void): void {
    const node = s.node as A.FunctionDef;
    if (!('body' in node)) return;
    const body = Array.isArray(node.body) ? node.body : [];
    walk(body, n => {
      if (n.kind === kind && n.names.includes(name)) add(file, wordIn(file, n, name));
    });
  }

  /** Open and workspace files that import `file`. */
  importers(file: DocModel): DocModel[] {
    const modName = file.path.split(sep).pop()!.replace(/\.x$/, '');
    const out: DocModel[] = [];
    for (const p of this.candidateFiles(file.path)) {
      if (p === file.path) continue;
      const o = this.open.get(p);
      let text: string;
      if (o) text = o.model.text;
      else { try { text = readFileSync(p, 'utf8'); } catch { continue; } }
      if (!text.includes(modName) && !(modName === '__init__' && text.includes('import'))) continue;
      const m = this.modelForPath(p);
      if (m) out.push(m);
    }
    return out;
  }

  /** References in `g` to the module-level `name` of `file`. */
  private importerReferences(g: DocModel, file: DocModel, name: string, add: (f: DocModel, r: A.Range | null, n?: A.Node | null) => void): void {
    if (!g.text.includes(name)) return;
    const body = g.body();
    const same = (mod: ModuleTarget | null) => !!mod && ((mod.kind === 'file' && mod.path === file.path) || (mod.kind === 'package' && mod.init === file.path));
    walk(body, n => {
      if (n.kind === 'ImportFrom') {
        if (!n.names.some(a => a.name === name)) return;
        if (!same(this.resolveModule(n.module, g.path, n.level))) return;
        for (const a of n.names) {
          if (a.name !== name) continue;
          add(g, { start: a.start, end: a.start + name.length, line: a.line, col: a.col, endLine: a.line, endCol: a.col + name.length }, a);
          if (a.asname === null) {
            const at = g.scopeAt(a.start);
            const t = at ? this.resolveName(g, name, at.scope) : null;
            if (t && t.t === 'user') {
              if (t.global) this.moduleReferences(g, name, add);
              else if (t.sym) { for (const r of t.sym.refs) add(g, r, r as A.Node); }
            }
          }
        }
      } else if (n.kind === 'Attribute' && n.attr === name) {
        const base = this.resolveExpr(g, n.value);
        if (base && base.t === 'module' && same(base.mod)) add(g, n.attrRange, n);
      }
    });
  }

  /** `self.x`, `this.x`, bare member names and the class body's own uses of a member. */
  private memberReferences(cls: ClassRef, name: string, add: (f: DocModel, r: A.Range | null, n?: A.Node | null) => void): void {
    const info = this.classInfo(cls);
    for (const s of info.members.get(name) ?? []) add(s.file, s.range, s.node);
    const sym = info.scope?.symbols.get(name);
    if (sym) for (const r of sym.refs) add(cls.file, r, r as A.Node);
    const file = cls.file;
    const unit = file.unitAt(cls.node.start);
    for (const st of cls.node.body) {
      if (st.kind !== 'FunctionDef') continue;
      const selfName = st.params.args[0]?.name === 'self' ? 'self' : null;
      walk(st.body, n => {
        if (n.kind === 'Attribute' && n.attr === name && n.value.kind === 'Name' && (n.value.id === 'this' || n.value.id === selfName)) add(file, n.attrRange, n);
        else if (n.kind === 'Name' && n.id === name) {
          const b = unit.scope?.bindings.get(n);
          if (b && b.kind === 'member') add(file, n, n);
        }
      });
    }
  }
}

function enclosingMethod(scope: Scope): Scope | null {
  for (let s: Scope | null = scope; s; s = s.parent) {
    if (s.kind === 'function' && s.methodOf) return s;
    if (s.kind === 'class' || s.kind === 'module') return null;
  }
  return null;
}
