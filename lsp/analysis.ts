// The language server's model of one .x file: the real parser and scope analysis, made
// incremental so an edit to a 10,000-line file is answered in milliseconds.
//
// The file is cut into *chunks* at top-level statements that start in column 0 (where the
// lexer's state is reset: no open bracket, indentation 0). An edit re-parses only the chunks it
// touches plus one neighbour on each side, and checks that the re-parsed region still ends on a
// statement boundary; anything unusual (an unclosed bracket or triple-quoted string, an error at
// the region's end) falls back to parsing the whole file. Chunks after the edit keep their tree:
// their positions are shifted lazily (`settle`) the first time something reads them.
//
// Chunks are grouped into *units* of a few hundred lines, each analysed by compiler/scope.ts on
// its own with the module-level names of the other units that it mentions predeclared. A unit
// records the names it binds at module level and the names it read from elsewhere, so an edit
// re-analyses its own unit, and other units only when a module-level name they read appeared or
// disappeared. "Did you mean" suggestions, which depend on every name, are kept up to date
// without re-analysis (`refreshSuggestions`). A file with a star import or a module-level const
// (whose effects cross units) is analysed whole.
import { parse } from '../compiler/parser.js';
import { analyze, editDistance, suggestionCap, BUILTIN_NAMES, type Scope, type ScopeResult, type Sym, type Binding } from '../compiler/scope.js';
import type * as A from '../compiler/ast.js';
import type { Diagnostic } from '../compiler/diagnostics.js';

/** Units are cut at about this many lines (a bigger single chunk makes a bigger unit). */
const UNIT_LINES = 300;

export interface Chunk {
  /** Current absolute offset and 0-based line of the chunk's first character. */
  start: number;
  line: number;
  stmts: A.Stmt[];
  parseDiags: Diagnostic[];
  scopeDiags: Diagnostic[];
  /** The offset and line that `start`/`line` had in the coordinates the tree and diagnostics are stored in. */
  frameStart: number;
  frameLine: number;
  unit: Unit;
  /** Names listed in `global` statements anywhere in the chunk (module-level names it may bind). */
  globals: string[];
}

/** An undefined-name diagnostic and the state its "did you mean" is derived from. */
export interface UndefinedName {
  diag: Diagnostic;
  name: string;
  /** The scope it is read in (null until the end of the sync that analysed the unit). */
  scope: Scope | null;
  near: Nearest | null;
}

export class Unit {
  chunks: Chunk[] = [];
  scope: ScopeResult | null = null;
  dirty = true;
  /** Module-level names this unit binds. */
  own = new Set<string>();
  /** Names read but not bound in this unit -> whether another unit bound them when it was analysed. */
  reads = new Map<string, boolean>();
  /** The unit's undefined-name diagnostics (their "did you mean" depends on every module-level name). */
  undefinedNames: UndefinedName[] = [];
  /** Star import, or a module-level const bound elsewhere too: the file must be analysed whole. */
  special = false;
}

/** FunctionDef/ClassDef by their nameRange object, Import aliases: filled when chunks are made. */
const defByNameRange = new WeakMap<object, A.FunctionDef | A.ClassDef>();
const importAliases = new WeakSet<object>();

export function defOfNameRange(r: object): A.FunctionDef | A.ClassDef | undefined { return defByNameRange.get(r); }
export function isModuleImportAlias(a: object): boolean { return importAliases.has(a); }

/** Diagnostic in LSP coordinates (0-based lines). */
export interface LspDiag {
  line: number; col: number; endLine: number; endCol: number;
  severity: Diagnostic['severity']; code: string; message: string; suggestion?: string;
}

export interface ModelStats { fullParses: number; regionParses: number; unitAnalyses: number }

function countLines(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13) { n++; if (s.charCodeAt(i + 1) === 10) i++; }
  }
  return n;
}

/** Adds (dOff, dLine) to every range in a subtree (nodes, nameRange/attrRange, Params). */
function shiftTree(o: any, dOff: number, dLine: number): void { // eslint-disable-line @typescript-eslint/no-explicit-any
  if (typeof o.start === 'number') { o.start += dOff; o.end += dOff; o.line += dLine; o.endLine += dLine; }
  for (const k in o) {
    if (k === 'binding') continue;
    const v = o[k];
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) { for (const x of v) if (x !== null && typeof x === 'object') shiftTree(x, dOff, dLine); }
    else if (!(v instanceof Uint8Array)) shiftTree(v, dOff, dLine);
  }
}

const WORD = /[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*/g;

/**
 * Every identifier the lexer can find in text[from, to): each run of name characters not
 * starting with a digit (the lexer's Name pattern), and, after a digit, every suffix of the run
 * (a number token may end inside it: `1jabc` is 1j then abc). Words inside strings and comments
 * come too: a superset is harmless.
 */
function wordsIn(text: string, from: number, to: number): Set<string> {
  const out = new Set<string>();
  WORD.lastIndex = from;
  for (let m = WORD.exec(text); m && m.index < to; m = WORD.exec(text)) {
    const w = m[0];
    out.add(w);
    const before = text.charCodeAt(m.index - 1);
    if (before >= 48 && before <= 57) for (let k = 1; k < w.length; k++) out.add(w.slice(k));
  }
  return out;
}

const lastChunkOf = (u: Unit): Chunk => u.chunks[u.chunks.length - 1]!;

/** The AST nodes directly below a node (through Params objects). */
export function childNodes(o: any, out: A.Node[] = []): A.Node[] { // eslint-disable-line @typescript-eslint/no-explicit-any
  for (const k in o) {
    if (k === 'binding' || k === 'rootName') continue;
    const v = o[k];
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) { for (const x of v) if (x !== null && typeof x === 'object' && typeof x.kind === 'string') out.push(x); }
    else if (typeof v.kind === 'string' && typeof v.start === 'number') out.push(v);
    else if (!(v instanceof Uint8Array) && v.start === undefined) childNodes(v, out);
  }
  return out;
}

/** Statement-level walk: indexes defs and import aliases, collects `global` names. */
function indexStmts(stmts: A.Stmt[], globals: string[]): void {
  for (const s of stmts) {
    switch (s.kind) {
      case 'FunctionDef': defByNameRange.set(s.nameRange, s); indexStmts(s.body, globals); break;
      case 'ClassDef': defByNameRange.set(s.nameRange, s); indexStmts(s.body, globals); break;
      case 'If': case 'While': case 'For': indexStmts(s.body, globals); indexStmts(s.orelse, globals); break;
      case 'With': case 'NamespaceBlock': indexStmts(s.body, globals); break;
      case 'Try':
        indexStmts(s.body, globals);
        for (const h of s.handlers) indexStmts(h.body, globals);
        indexStmts(s.orelse, globals); indexStmts(s.finalbody, globals);
        break;
      case 'Import': for (const a of s.names) importAliases.add(a); break;
      case 'Global': globals.push(...s.names); break;
      default: break;
    }
  }
}

/** A string that shares no storage with `s` (V8 makes substrings as views of their parent). */
function ownCopy(s: string): string {
  return s.length < 16 ? s : JSON.parse(JSON.stringify(s)) as string;
}

const ERROR_AT_END = /was never closed|unterminated triple-quoted|end of file/;
/**
 * A bracket left open and later closed by a closer of another kind: the lexer is inside
 * brackets across statements the parser recovered at column 0, so those are no place to cut
 * (a parse starting there sees different tokens). Such a text is kept as one chunk.
 */
const BRACKETS_ASTRAY = /does not match opening parenthesis|was never closed/;

export class DocModel {
  text: string;
  chunks: Chunk[] = [];
  units: Unit[] = [];
  /** How many units bind each module-level name. */
  private nameCount = new Map<string, number>();
  /** Names that appeared or disappeared during this sync -> whether they were bound before it. */
  private namesTouched = new Map<string, boolean>();
  /** Units analysed during this sync (their suggestions are computed at its end). */
  private analysedNow = new Set<Unit>();
  private totalLines = 0;
  /** The file is analysed as one unit (star import or cross-unit const). */
  private whole = false;
  private pending: { s: number; e: number; text: string }[] = [];
  private pendingFull: string | null = null;
  readonly stats: ModelStats = { fullParses: 0, regionParses: 0, unitAnalyses: 0 };
  /** Bumped whenever the tree or analysis changes (caches key on it). */
  generation = 0;

  constructor(readonly path: string, text: string) {
    this.text = text;
    this.fullParse(text);
    this.analyzeDirty();
  }

  // --- edits --------------------------------------------------------------------------------

  /** Queues an edit in the coordinates of the text after the previous queued edit. */
  edit(s: number, e: number, text: string): void { this.pending.push({ s, e, text }); }
  /** Queues a replacement of the whole text. */
  replace(text: string): void { this.pending = []; this.pendingFull = text; }
  get isStale(): boolean { return this.pending.length > 0 || this.pendingFull !== null || this.units.some(u => u.dirty); }

  /** Applies queued edits and re-analyses what they affected. */
  sync(): void {
    if (this.pendingFull !== null) {
      const t = this.pendingFull;
      this.pendingFull = null;
      this.text = t;
      this.fullParse(t);
    }
    const edits = this.pending;
    this.pending = [];
    for (const ed of edits) this.applyEdit(ed.s, ed.e, ed.text);
    if (edits.length || this.units.some(u => u.dirty)) this.analyzeDirty();
  }

  private fullParse(text: string): void {
    this.stats.fullParses++;
    this.generation++;
    const { module, diagnostics } = parse(text, this.path);
    this.totalLines = countLines(text) + 1;
    const chunks = this.makeChunks(module.body, diagnostics, 0, 0, 0, 0);
    for (const u of this.units) this.forget(u);
    this.nameCount.clear();
    this.chunks = chunks;
    this.units = this.group(chunks);
  }

  /**
   * Cuts parsed statements into chunks. Statements and diagnostics are in a frame where the
   * region starts at (frameStart, frameLine); the chunks are placed at (absStart, absLine).
   */
  private makeChunks(stmts: A.Stmt[], diags: Diagnostic[], frameStart: number, frameLine: number, absStart: number, absLine: number): Chunk[] {
    const blocked = (b: number) => diags.some(d => d.start === b || (d.start < b && d.end > b));
    const out: Chunk[] = [];
    const mk = (s: number, l: number): Chunk => ({
      start: absStart + (s - frameStart), line: absLine + (l - frameLine), stmts: [], parseDiags: [], scopeDiags: [],
      frameStart: s, frameLine: l, unit: null as unknown as Unit, globals: [],
    });
    let cur = mk(frameStart, frameLine);
    out.push(cur);
    const cut = !diags.some(d => BRACKETS_ASTRAY.test(d.message));
    for (const st of stmts) {
      if (cut && st.col === 0 && st.start > cur.frameStart && !blocked(st.start)) {
        cur = mk(st.start, st.line - 1);
        out.push(cur);
      }
      cur.stmts.push(st);
    }
    let k = 0;
    for (const d of [...diags].sort((a, b) => a.start - b.start)) {
      while (k + 1 < out.length && out[k + 1]!.frameStart <= d.start) k++;
      out[k]!.parseDiags.push(d);
    }
    for (const c of out) indexStmts(c.stmts, c.globals);
    return out;
  }

  /** Groups consecutive chunks into new (dirty) units. */
  private group(chunks: Chunk[]): Unit[] {
    const units: Unit[] = [];
    let u = new Unit(), lines = 0;
    for (let i = 0; i < chunks.length; i++) {
      const c = chunks[i]!;
      const n = (chunks[i + 1]?.line ?? this.nextLineAfter(c)) - c.line;
      if (u.chunks.length && lines + n > UNIT_LINES && !this.whole) { units.push(u); u = new Unit(); lines = 0; }
      u.chunks.push(c);
      c.unit = u;
      lines += n;
    }
    if (u.chunks.length) units.push(u);
    return units;
  }

  private nextLineAfter(c: Chunk): number {
    const i = this.chunks.indexOf(c);
    return i >= 0 && i + 1 < this.chunks.length ? this.chunks[i + 1]!.line : this.totalLines;
  }

  private findChunk(offset: number): number {
    const cs = this.chunks;
    let lo = 0, hi = cs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (cs[mid]!.start <= offset) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  private applyEdit(s: number, e: number, ins: string): void {
    this.generation++;
    const old = this.text;
    const text = old.slice(0, s) + ins + old.slice(e);
    this.text = text;
    const delta = ins.length - (e - s);
    const n = this.chunks.length;
    let i0 = this.findChunk(s);
    if (i0 > 0 && this.chunks[i0]!.start === s) i0--;
    const i1 = this.findChunk(e);
    let a = Math.max(0, i0 - 1), b = Math.min(n - 1, i1 + 1);
    for (let attempt = 0; attempt < 4; attempt++) {
      if (this.reparseRegion(a, b, i1, delta, text)) return;
      if (b >= n - 1) break;
      b = Math.min(n - 1, b + 2);
    }
    this.fullParse(text);
  }

  /** Re-parses chunks a..b (in new-text coordinates); false when the region is not self-contained. */
  private reparseRegion(a: number, b: number, i1: number, delta: number, text: string): boolean {
    const cs = this.chunks;
    const n = cs.length;
    const rs = cs[a]!.start;
    const reOld = b + 1 < n ? cs[b + 1]!.start : text.length - delta;
    const reNew = reOld + delta;
    const toEnd = b + 1 >= n;
    // a copy, not a slice: the tree's strings are slices of what was parsed, and a slice of the
    // whole text would keep this version of the file alive as long as the chunk lives
    const region = ownCopy(text.slice(rs, reNew));
    if (!toEnd && /\\(\r\n|\r|\n)$/.test(region)) return false;
    this.stats.regionParses++;
    const { module, diagnostics } = parse(region, this.path);
    if (!toEnd && diagnostics.some(d => ERROR_AT_END.test(d.message) || d.start >= region.length || d.end > region.length)) return false;
    if (diagnostics.some(d => BRACKETS_ASTRAY.test(d.message))) return false;
    const regionLine = cs[a]!.line;
    const newChunks = this.makeChunks(module.body, diagnostics, 0, 0, rs, regionLine);
    // the chunk after the edit must still start a statement of its own
    if (b > i1) {
      const mr = cs[b]!.start + delta - rs;
      if (!newChunks.some(c => c.frameStart === mr)) return false;
    }
    const regionLines = countLines(region);
    const dLines = toEnd ? 0 : regionLines - (cs[b + 1]!.line - regionLine);
    if (toEnd) this.totalLines = regionLine + regionLines + 1;
    else {
      this.totalLines += dLines;
      for (let k = b + 1; k < n; k++) { cs[k]!.start += delta; cs[k]!.line += dLines; }
    }
    // units that held the replaced chunks are regrouped with the new chunks
    const firstUnit = cs[a]!.unit, lastUnit = cs[b]!.unit;
    const ua = this.units.indexOf(firstUnit), ub = this.units.indexOf(lastUnit);
    const before = firstUnit.chunks.slice(0, firstUnit.chunks.indexOf(cs[a]!));
    const after = lastUnit.chunks.slice(lastUnit.chunks.indexOf(cs[b]!) + 1);
    for (let k = ua; k <= ub; k++) this.forget(this.units[k]!);
    cs.splice(a, b - a + 1, ...newChunks);
    const regrouped = this.group([...before, ...newChunks, ...after]);
    this.units.splice(ua, ub - ua + 1, ...regrouped);
    return true;
  }

  /** Removes a unit's module-level names from the counts. */
  private forget(u: Unit): void {
    for (const name of u.own) {
      const c = (this.nameCount.get(name) ?? 0) - 1;
      if (c <= 0) {
        this.nameCount.delete(name);
        if (!this.namesTouched.has(name)) this.namesTouched.set(name, true);
      } else this.nameCount.set(name, c);
    }
    u.own = new Set();
  }

  private count(name: string): void {
    const c = this.nameCount.get(name) ?? 0;
    if (c === 0 && !this.namesTouched.has(name)) this.namesTouched.set(name, false);
    this.nameCount.set(name, c + 1);
  }

  // --- analysis -----------------------------------------------------------------------------

  settle(c: Chunk): void {
    const dOff = c.start - c.frameStart, dLine = c.line - c.frameLine;
    if (dOff === 0 && dLine === 0) return;
    for (const st of c.stmts) shiftTree(st, dOff, dLine);
    for (const d of c.parseDiags) { d.start += dOff; d.end += dOff; d.line += dLine; d.endLine += dLine; }
    for (const d of c.scopeDiags) { d.start += dOff; d.end += dOff; d.line += dLine; d.endLine += dLine; }
    c.frameStart = c.start;
    c.frameLine = c.line;
  }

  settleAll(): void { for (const c of this.chunks) this.settle(c); }
  settleUnit(u: Unit): void { for (const c of u.chunks) this.settle(c); }

  private analyzeUnit(u: Unit): void {
    this.stats.unitAnalyses++;
    this.generation++;
    this.settleUnit(u);
    // other units' module-level names, predeclared: only those the unit's text mentions (every
    // name the analysis looks up or binds is written there), not every name in the file
    const next = this.chunks[this.chunks.indexOf(lastChunkOf(u)) + 1];
    const words = wordsIn(this.text, u.chunks[0]!.start, next ? next.start : this.text.length);
    const pre: string[] = [];
    for (const name of words) {
      const c = this.nameCount.get(name);
      if (c !== undefined && c - (u.own.has(name) ? 1 : 0) > 0) pre.push(name);
    }
    const first = u.chunks[0]!, lastC = u.chunks[u.chunks.length - 1]!;
    const body = u.chunks.flatMap(c => c.stmts);
    const end = lastC.stmts.length ? lastC.stmts[lastC.stmts.length - 1]!.end : lastC.start;
    const mod: A.Module = { kind: 'Module', body, docstring: null, start: first.start, end, line: first.line + 1, col: 0, endLine: first.line + 1, endCol: 0 };
    const sc = analyze(mod, { predeclared: pre });
    const preSet = new Set(pre);
    // module-level names bound here
    const own = new Set<string>();
    for (const sym of sc.module.symbols.values()) if (sym.defs.length > 0) own.add(sym.name);
    for (const c of u.chunks) for (const g of c.globals) own.add(g);
    // count the new names before dropping the old ones, so a name the unit keeps never looks gone
    for (const name of own) this.count(name);
    this.forget(u);
    u.own = own;
    // names read from elsewhere
    const reads = new Map<string, boolean>();
    const note = (b: Binding, id: string) => {
      switch (b.kind) {
        case 'global': if (!own.has(id)) reads.set(id, preSet.has(id)); break;
        case 'class': note(b.fallback, id); break;
        case 'local': case 'free': break;
        default: reads.set(id, preSet.has(id));
      }
    };
    for (const [node, b] of sc.bindings) note(b, (node as A.Name).id);
    u.reads = reads;
    u.undefinedNames = [];
    for (const d of sc.diagnostics) {
      if (d.code !== 'undefined-name') continue;
      const name = /'([^']*)'/.exec(d.message)?.[1];
      if (name !== undefined) u.undefinedNames.push({ diag: d, name, scope: null, near: null });
    }
    let hasConst = false;
    for (const sym of sc.module.symbols.values()) if (sym.isConst && sym.defs.length) { hasConst = true; break; }
    u.special = sc.module.hasStarImport || hasConst;
    for (const c of u.chunks) c.scopeDiags = [];
    let k = 0;
    for (const d of [...sc.diagnostics].sort((x, y) => x.start - y.start)) {
      while (k + 1 < u.chunks.length && u.chunks[k + 1]!.start <= d.start) k++;
      u.chunks[k]!.scopeDiags.push(d);
    }
    u.scope = sc;
    u.dirty = false;
    this.analysedNow.add(u);
  }

  /**
   * Whether the unit's analysis is out of date: a name it reads from elsewhere appeared or
   * disappeared. (A new name elsewhere changes no resolution in a unit that does not read it;
   * its only effect, on "did you mean" suggestions, is handled by `refreshSuggestions`.)
   */
  private needsReanalysis(u: Unit): boolean {
    for (const [name, was] of u.reads) {
      const now = (this.nameCount.get(name) ?? 0) - (u.own.has(name) ? 1 : 0) > 0;
      if (now !== was) return true;
    }
    return false;
  }

  /**
   * "Did you mean" for undefined names, against the module-level names of the whole file as they
   * are after this sync. In units analysed now it is computed afresh. Elsewhere each undefined
   * name keeps the set of its nearest candidates, and only names that appeared or disappeared
   * (net, over the sync) within that distance update it; it is recomputed only when the set
   * empties. (Renaming one of many similar names must not cost a scan of every name for each
   * undefined name in the file.)
   */
  private refreshSuggestions(): void {
    const changed: string[] = [];
    for (const [name, was] of this.namesTouched) if (this.nameCount.has(name) !== was) changed.push(name);
    this.namesTouched.clear();
    for (const u of this.units) {
      if (!u.undefinedNames.length) continue;
      const fresh = this.analysedNow.has(u);
      if (!fresh && !changed.length) continue;
      for (const e of u.undefinedNames) {
        if (fresh || !e.scope || !e.near) {
          this.settleUnit(u);
          e.scope = this.scopeAt(e.diag.start)?.scope ?? null;
          e.near = e.scope ? nearestNames(e.name, e.scope, this.nameCount.keys()) : null;
        } else if (!this.updateNearest(e, changed)) {
          e.near = nearestNames(e.name, e.scope, this.nameCount.keys());
        }
        const sure = e.near ? uniqueOf(e.near) : undefined;
        if (sure === undefined) delete e.diag.suggestion; else e.diag.suggestion = sure;
      }
    }
    this.analysedNow.clear();
  }

  /** Applies module-level names that appeared or disappeared to a nearest set; false when it must be recomputed. */
  private updateNearest(e: UndefinedName, changed: string[]): boolean {
    const near = e.near!, cap = suggestionCap(e.name);
    for (const c of changed) {
      if (c === e.name) continue;
      const lim = Math.min(cap, near.dist);
      const d = editDistance(e.name, c, lim);
      if (d > lim) continue;
      // a builtin or a name of an enclosing function is a candidate whatever the module binds
      if (BUILTIN_NAMES.has(c) || boundOutsideModule(c, e.scope!)) continue;
      if (this.nameCount.has(c)) {
        if (d < near.dist) { near.dist = d; near.names = new Set([c]); } else near.names.add(c);
      } else {
        near.names.delete(c);
        if (near.names.size === 0) return false;
      }
    }
    return true;
  }

  private analyzeDirty(): void {
    for (const u of this.units) if (u.dirty) this.analyzeUnit(u);
    for (let round = 0; round < 4; round++) {
      let again = false;
      for (const u of this.units) if (this.needsReanalysis(u)) { this.analyzeUnit(u); again = true; }
      if (!again) break;
    }
    const special = this.units.length > 1 && this.units.some(u => u.special);
    if (special && !this.whole) {
      // effects that cross units: analyse the file as one
      this.whole = true;
      for (const u of this.units) this.forget(u);
      this.units = this.group(this.chunks);
      this.analyzeUnit(this.units[0]!);
    } else if (this.whole && !this.units.some(u => u.special)) {
      this.whole = false;
    }
    this.refreshSuggestions();
  }

  // --- results ------------------------------------------------------------------------------

  /** Every diagnostic, parse and scope, in LSP (0-based) lines. */
  diagnostics(): LspDiag[] {
    const out: LspDiag[] = [];
    for (const c of this.chunks) {
      const dl = c.line - c.frameLine;
      const all = c.scopeDiags.length ? [...c.parseDiags, ...c.scopeDiags].sort((x, y) => x.start - y.start) : c.parseDiags;
      for (const d of all) {
        const x: LspDiag = { line: d.line - 1 + dl, col: d.col, endLine: d.endLine - 1 + dl, endCol: d.endCol, severity: d.severity, code: d.code, message: d.message };
        if (d.suggestion !== undefined) x.suggestion = d.suggestion;
        out.push(x);
      }
    }
    return out;
  }

  private kindsCache: { gen: number; kinds: Map<string, Set<string>> } | null = null;
  /** How each module-level name is bound (the union of its bindings: 'def', 'class', 'import', ...). */
  moduleKinds(): Map<string, Set<string>> {
    if (this.kindsCache && this.kindsCache.gen === this.generation) return this.kindsCache.kinds;
    const kinds = new Map<string, Set<string>>();
    for (const u of this.units) {
      if (!u.scope) continue;
      for (const name of u.own) {
        const sym = u.scope.module.symbols.get(name);
        if (!sym) continue;
        const k = kinds.get(name) ?? new Set<string>();
        for (const b of sym.bindings) if (b !== 'global-decl' || sym.defs.length === 0) k.add(b);
        if (sym.isConst) k.add('const');
        kinds.set(name, k);
      }
    }
    this.kindsCache = { gen: this.generation, kinds };
    return kinds;
  }

  /** Every module-level name bound anywhere in the file. */
  moduleNames(): string[] { return [...this.nameCount.keys()]; }
  hasModuleName(name: string): boolean { return this.nameCount.has(name); }

  /** The module-level symbols named `name` in every unit that binds it (positions settled). */
  moduleSyms(name: string): Sym[] {
    const out: Sym[] = [];
    for (const u of this.units) {
      const sym = u.scope?.module.symbols.get(name);
      if (sym) { this.settleUnit(u); out.push(sym); }
    }
    return out;
  }

  /** The module-level definition sites of `name` (settled), in file order. */
  moduleDefs(name: string): A.Range[] {
    const out: A.Range[] = [];
    for (const u of this.units) {
      if (!u.own.has(name)) continue;
      const sym = u.scope?.module.symbols.get(name);
      if (!sym) continue;
      this.settleUnit(u);
      out.push(...sym.defs.filter(validDef));
    }
    return out;
  }

  /** All statements of the file, settled. */
  body(): A.Stmt[] {
    this.settleAll();
    return this.chunks.flatMap(c => c.stmts);
  }

  unitAt(offset: number): Unit { return this.chunks[this.findChunk(offset)]!.unit; }

  /** The chain of nodes from a top-level statement down to the deepest node holding `offset`. */
  nodePathAt(offset: number): A.Node[] {
    const i = this.findChunk(offset);
    const c = this.chunks[i]!;
    this.settle(c);
    let list: A.Node[] = c.stmts;
    const path: A.Node[] = [];
    for (;;) {
      let best: A.Node | undefined;
      for (const n of list) if (n.start <= offset && offset < n.end) { best = n; break; }
      if (!best) for (const n of list) if (n.start <= offset && offset <= n.end) { best = n; break; }
      if (!best) break;
      path.push(best);
      list = childNodes(best);
    }
    return path;
  }

  /** The innermost statement list position: the statements before `offset`, for blank lines. */
  lastStmtBefore(offset: number): A.Stmt | null {
    let i = this.findChunk(offset);
    for (; i >= 0; i--) {
      const c = this.chunks[i]!;
      this.settle(c);
      for (let k = c.stmts.length - 1; k >= 0; k--) if (c.stmts[k]!.start < offset) return c.stmts[k]!;
    }
    return null;
  }

  /** The scope (of the unit's analysis) that a position is in. */
  scopeAt(offset: number): { unit: Unit; scope: Scope } | null {
    const unit = this.unitAt(offset);
    const sc = unit.scope;
    if (!sc) return null;
    const path = this.nodePathAt(offset);
    let scope: Scope = sc.module;
    if (path.length === 0 || (path.length === 1 && this.isBlankAt(offset))) {
      const s = this.scopeByIndent(offset, sc);
      return { unit, scope: s ?? sc.module };
    }
    for (let i = 0; i < path.length; i++) {
      const n = path[i]!, child = path[i + 1];
      const s = sc.scopes.get(n);
      if (!s) continue;
      if (n.kind === 'FunctionDef') {
        if (!child && offset <= n.nameRange.end) continue;
        if (child && (n.decorators.includes(child as A.Expr) || child === n.returns)) continue;
        if (child && child.kind === 'Param') { const g = path[i + 2]; if (g && (g === child.default || g === child.annotation)) continue; }
      } else if (n.kind === 'Lambda' || n.kind === 'BraceLambda') {
        if (child && child.kind === 'Param') { const g = path[i + 2]; if (g && g === child.default) continue; }
      } else if (n.kind === 'ClassDef') {
        if (!child || !n.body.includes(child as A.Stmt)) continue;
      } else if (n.kind === 'ListComp' || n.kind === 'SetComp' || n.kind === 'GeneratorExp' || n.kind === 'DictComp') {
        if (child && child === n.generators[0] && path[i + 2] === n.generators[0]!.iter) continue;
      }
      scope = s;
    }
    // inside the last statement of a body but on a deeper blank line: use indentation
    if (this.isBlankAt(offset)) { const s2 = this.scopeByIndent(offset, sc); if (s2) scope = s2; }
    return { unit, scope };
  }

  private isBlankAt(offset: number): boolean {
    let i = offset;
    while (i > 0 && this.text[i - 1] !== '\n' && this.text[i - 1] !== '\r') i--;
    let j = offset;
    while (j < this.text.length && this.text[j] !== '\n' && this.text[j] !== '\r') j++;
    return /^\s*$/.test(this.text.slice(i, j));
  }

  /** On a blank line: the deepest def/class (before the line) whose header is less indented than the cursor. */
  private scopeByIndent(offset: number, sc: ScopeResult): Scope | null {
    let ls = offset;
    while (ls > 0 && this.text[ls - 1] !== '\n' && this.text[ls - 1] !== '\r') ls--;
    const indent = offset - ls;
    let st = this.lastStmtBefore(offset);
    let scope: Scope | null = null;
    while (st && st.col < indent) {
      const s = sc.scopes.get(st);
      if (s && (st.kind === 'FunctionDef' || st.kind === 'ClassDef')) scope = s;
      const bodies: A.Stmt[][] = [];
      switch (st.kind) {
        case 'FunctionDef': case 'ClassDef': case 'With': case 'NamespaceBlock': bodies.push(st.body); break;
        case 'If': case 'While': case 'For': bodies.push(st.body, st.orelse); break;
        case 'Try': bodies.push(st.body, ...st.handlers.map(h => h.body), st.orelse, st.finalbody); break;
        default: break;
      }
      let next: A.Stmt | null = null;
      for (const b of bodies) for (const x of b) if (x.start < offset && (!next || x.start > next.start)) next = x;
      st = next;
    }
    return scope;
  }
}

/** The candidates nearest to an undefined name: `dist` is their edit distance (cap + 1 when none is near). */
export interface Nearest { dist: number; names: Set<string> }

/**
 * The names nearest to `name` among the names the compiler considers (the enclosing scopes,
 * then builtins). `moduleNames`, when given, stands for the module scope's names (the scope's own
 * module symbols may be out of date: the unit was analysed before other units changed).
 */
export function nearestNames(name: string, scope: Scope, moduleNames?: Iterable<string>): Nearest {
  const cap = suggestionCap(name);
  const near: Nearest = { dist: cap + 1, names: new Set() };
  const consider = (cand: string) => {
    if (cand === name) return;
    const d = editDistance(name, cand, Math.min(cap, near.dist));
    if (d < near.dist) { near.dist = d; near.names = new Set([cand]); } else if (d === near.dist && d <= cap) near.names.add(cand);
  };
  for (let s: Scope | null = scope; s; s = s.parent) {
    if (s.kind === 'module' && moduleNames) for (const k of moduleNames) consider(k);
    else for (const k of s.symbols.keys()) consider(k);
  }
  for (const k of BUILTIN_NAMES) consider(k);
  return near;
}

/** The suggestion: the nearest name when it is the only one at its distance (the compiler takes the first it meets). */
function uniqueOf(near: Nearest): string | undefined {
  if (near.names.size !== 1) return undefined;
  for (const n of near.names) return n;
  return undefined;
}

/** The one name nearest to `name` among the names the compiler considers, or undefined when several tie. */
export function uniqueSuggestion(name: string, scope: Scope, moduleNames?: Iterable<string>): string | undefined {
  return uniqueOf(nearestNames(name, scope, moduleNames));
}

/** Whether a scope enclosing `scope`, other than the module, binds `name`. */
function boundOutsideModule(name: string, scope: Scope): boolean {
  for (let s: Scope | null = scope; s && s.kind !== 'module'; s = s.parent) if (s.symbols.has(name)) return true;
  return false;
}

/** A def site worth reporting (namespace roots are reported through their Name reference). */
export function validDef(r: A.Range): boolean {
  return 'kind' in r || defByNameRange.has(r);
}
