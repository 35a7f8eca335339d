// Code generation: the resolved AST becomes the body of one JS function per module, plus a
// source map. Expressions are built as strings carrying position markers (\u0001id\u0002) that
// the final pass turns into source-map mappings, so mappings cost one scan of the output.
import type * as A from './ast.js';
import type { Binding, Scope, ScopeResult, Sym } from './scope.js';
import { jsIdent } from './scope.js';

const M0 = '\u0001', M1 = '\u0002';

const PADS: string[] = [];
/** The indentation for nesting depth n (made once per depth, not once per statement). */
function indent(n: number): string { return PADS[n] ??= '  '.repeat(n); }

export interface FunctionInfo {
  /** Qualified name as tracebacks print it. */
  name: string;
  line: number;
  endLine: number;
  /** Module-level names the function (or a function nested in it) reads. */
  reads: string[];
}

/** A module-level def or class: what a host can create without running the module's statements. */
export interface DefinitionInfo {
  /** Index into the table the module function returns in instantiate mode. */
  id: number;
  name: string;
  kind: 'def' | 'class';
  line: number;
  /** Module-level names read anywhere in the statement (decorators, defaults, bases, bodies). */
  reads: string[];
}

export interface CodegenResult {
  /** The module function's source: `function $module($rt, $b, $m, $imp) {...}` */
  body: string;
  /** The source map's v3 `mappings` for body (its first line is the map's line 0). */
  mappings: string;
  functions: FunctionInfo[];
  definitions: DefinitionInfo[];
  imports: string[];
  exports: string[];
}

/** Runtime helpers hoisted into locals at the top of every module (`$add` for `$rt.add`). */
const HELPERS = ['add', 'sub', 'mul', 'truediv', 'floordiv', 'mod', 'pow', 'lshift', 'rshift', 'bitand', 'bitor', 'bitxor',
  'matmul', 'iop', 'neg', 'pos', 'invert', 'truthy', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'is', 'contains', 'getitem',
  'setitem', 'delitem', 'slice', 'lenVs', 'iter', 'toArray', 'unpack', 'rangeArg', 'tuple', 'dict', 'dictSpread', 'set', 'fmt', 'fstr',
  'call', 'callKw', 'callAttr', 'callAttrKw', 'kwSpread', 'fn', 'fnx', 'bindArgs', 'argError', 'getattr', 'attrLoad',
  'setattr', 'delattr', 'makeClass', 'superOf', 'raise', 'caught', 'excChain', 'excMatch', 'excValue', 'assertFail', 'nameError',
  'unboundLocal', 'checkBound', 'withEnter', 'withExit', 'yieldFrom', 'newNamespace', 'nsAssign', 'float', 'big', 'next',
  'isInt', 'isSafe', 'isArray', 'argsGiven', 'initResult'];

const BINOP_FN: Record<A.BinOperator, string> = {
  '+': '$add', '-': '$sub', '*': '$mul', '/': '$truediv', '//': '$floordiv', '%': '$mod', '**': '$pow',
  '<<': '$lshift', '>>': '$rshift', '&': '$bitand', '|': '$bitor', '^': '$bitxor', '@': '$matmul',
};
const CMP_FN: Record<string, string> = { '<': '$lt', '<=': '$le', '>': '$gt', '>=': '$ge', '==': '$eq', '!=': '$ne' };

interface FnCtx {
  scope: Scope;
  /** JS name of the instance inside a method (self or $this), else null. */
  self: string | null;
  /** JS name of the class cell for zero-argument super(). */
  classCell: string | null;
  temps: number;
  maxTemps: number;
  /** Names definitely assigned at this point (for unbound-name checks). */
  assigned: Set<Sym>;
  /** Labels of enclosing loops: the label to break to when the loop has an else clause. */
  loops: { breakLabel: string | null }[];
  /** The JS variable holding the exception of each enclosing except handler (for bare raise). */
  excVars: string[];
  info: FunctionInfo | null;
  isGenerator: boolean;
  /** The class-namespace variable when generating a class body. */
  ns: string | null;
  /** JS name of the function's first parameter (what zero-argument super() binds). */
  firstParam?: string;
  /** Parameters never reassigned -> the local flag that is true when the value is an int32 ('quickjs'). */
  flags: Map<Sym, string>;
}

/**
 * The engine the code is generated for. 'v8' (the default) relies on V8 inlining the runtime's
 * small operator functions; 'quickjs' is for the sandbox, whose interpreter pays a full call per
 * operator: there the generator inlines the operators' fast paths for JS numbers (and strings)
 * and checks argument counts without materialising `arguments`.
 */
export type Target = 'v8' | 'quickjs';

export interface GenerateOptions {
  repl?: boolean;
  target?: Target;
}

export function generate(mod: A.Module, sc: ScopeResult, moduleName: string, opts: GenerateOptions = {}): CodegenResult {
  return new Gen(sc, moduleName, !!opts.repl, opts.target ?? 'v8').module(mod);
}

/**
 * What the generator knows about the JS value of an operand: 'i32' a number that is an int32
 * integer, 'int' a number that is a safe integer, 'float' a number that is not an integer (a
 * raw float), 'fbox' an integral float literal (a PyFloat constant), 'str' a string, 'other'
 * something that is neither a JS number nor a string (a bigint, None, a container), null nothing.
 */
type Fact = 'i32' | 'int' | 'float' | 'fbox' | 'str' | 'other' | null;

/**
 * An operand of an inline operator: its code (a name or a literal by then), what is known about
 * it, the flag that tells whether it is an int32 (a parameter's), and for a boxed float literal
 * the number it holds.
 */
interface Opnd { code: string; fact: Fact; flag: string | null; num: string | null }

const MAX_SAFE = '9007199254740991';
/** Operators whose number fast paths the 'quickjs' target inlines. */
const INLINE_ARITH = new Set(['+', '-', '*', '/', '//', '%']);
const INLINE_CMP = new Set(['<', '<=', '>', '>=', '==', '!=']);
/** A JS expression that can be evaluated again without effects: a name or a literal. */
const ATOM = /^(?:[A-Za-z_$][\w$]*|-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|"(?:[^"\\]|\\.)*")$/;
const NAME = /^[A-Za-z_$][\w$]*$/;
/**
 * Whether code is an atom (ATOM) / a name (NAME). Generated code is mostly a rope of pieces that
 * a regexp test would flatten, once per nesting level; an atom is short, so longer code is not
 * tested (at worst a long string literal goes to a temp, which is still correct).
 */
const SHORT = 48;
/** Two tests joined with &&, either of which may be empty (known true). */
const and = (p: string, q: string) => (p && q ? `${p} && ${q}` : p || q);
const isAtom = (code: string) => code.length <= SHORT && ATOM.test(code);
const isName = (code: string) => code.length <= SHORT && NAME.test(code);
/** An annotation's source form (`List[int]`, `Optional["Node"]`), for __annotations__. */
function annotationText(e: A.Expr): string {
  switch (e.kind) {
    case 'Name': return e.id;
    case 'Attribute': return `${annotationText(e.value)}.${e.attr}`;
    case 'Subscript': return `${annotationText(e.value)}[${e.slice.kind === 'Tuple' ? e.slice.elts.map(annotationText).join(', ') : annotationText(e.slice)}]`;
    case 'Tuple': case 'List': return `${e.kind === 'List' ? '[' : ''}${e.elts.map(annotationText).join(', ')}${e.kind === 'List' ? ']' : ''}`;
    case 'Str': return JSON.stringify(e.value).replace(/^"|"$/g, "'");
    case 'Const': return e.value === null ? 'None' : e.value === 'ellipsis' ? '...' : e.value ? 'True' : 'False';
    case 'BinOp': return `${annotationText(e.left)} ${e.op} ${annotationText(e.right)}`;
    case 'IntLit': return String(e.value);
    default: return '...';
  }
}
/** A dotted path of names (`a.b.$c`): read twice without effects. */
const isPath = (code: string) => code.length <= SHORT && /^[\w$.]+$/.test(code);
/** Trailing parameters that catch extra positional arguments in the 'quickjs' target. */
const SENTINELS = ['$$1', '$$2', '$$3', '$$4'];

/**
 * How often each of `names` is a direct operand of an inlined operator (or an index) in a
 * function body, and whether one such use is in a loop. Nested scopes are not searched.
 */
function operandUses(body: A.Stmt[] | A.Expr, names: Set<string>): Map<string, { count: number; inLoop: boolean }> {
  const out = new Map<string, { count: number; inLoop: boolean }>();
  const note = (e: A.Expr | null | undefined, inLoop: boolean) => {
    if (e && e.kind === 'Name' && names.has(e.id)) {
      const u = out.get(e.id) ?? { count: 0, inLoop: false };
      u.count++;
      u.inLoop ||= inLoop;
      out.set(e.id, u);
    }
  };
  const walk = (n: unknown, inLoop: boolean): void => {
    if (Array.isArray(n)) { for (const x of n) walk(x, inLoop); return; }
    // AST nodes only (annotations such as bindings and scopes hang off some nodes)
    if (!n || typeof n !== 'object' || typeof (n as A.Node).kind !== 'string' || typeof (n as A.Node).line !== 'number') return;
    const node = n as A.Node;
    switch (node.kind) {
      case 'FunctionDef': case 'ClassDef': case 'Lambda': case 'BraceLambda':
      case 'ListComp': case 'SetComp': case 'DictComp': case 'GeneratorExp':
        return;
      case 'BinOp': if (INLINE_ARITH.has((node as A.BinOp).op)) { note((node as A.BinOp).left, inLoop); note((node as A.BinOp).right, inLoop); } break;
      case 'Compare': {
        const c = node as A.Compare;
        c.ops.forEach((op, i) => { if (INLINE_CMP.has(op)) { note(i === 0 ? c.left : c.comparators[i - 1], inLoop); note(c.comparators[i], inLoop); } });
        break;
      }
      case 'AugAssign': note((node as A.AugAssign).value, inLoop); break;
      case 'Subscript': note((node as A.Subscript).slice, inLoop); break;
      case 'UnaryOp': if ((node as A.UnaryOp).op === '-') note((node as A.UnaryOp).operand, inLoop); break;
      case 'For': case 'While': {
        const l = node as A.For | A.While;
        walk(l.kind === 'For' ? l.iter : l.test, inLoop);
        walk(l.body, true);
        walk(l.orelse, inLoop);
        return;
      }
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'kind' && v && typeof v === 'object') walk(v, inLoop);
  };
  walk(body, false);
  return out;
}

/** Generated code without its markers: mappings are (line in text, column, source line, column). */
interface Segment { text: string; maps: number[]; lines: number; lastLineLen: number }

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_CODES = Uint8Array.from(B64, c => c.charCodeAt(0));

/**
 * The v3 `mappings` string, written as the final pass finds each marker: one source, no names,
 * mappings in generated order. Bytes go to a growing buffer, not into a string or an object per
 * mapping (a 50,000-line file has several hundred thousand).
 */
class MappingsWriter {
  private buf = new Uint8Array(1 << 16);
  private n = 0;
  private line = 0;
  private col = 0;
  private ol = 0;
  private oc = 0;
  private first = true;

  /** Generated line and column (0-based) from source line (1-based) and column (0-based). */
  add(gl: number, gc: number, sl: number, sc: number): void {
    if (this.buf.length - this.n < 64 + gl - this.line) this.grow(64 + gl - this.line);
    if (gl > this.line) { this.buf.fill(59 /* ; */, this.n, this.n + gl - this.line); this.n += gl - this.line; this.line = gl; this.col = 0; this.first = true; }
    if (!this.first) this.buf[this.n++] = 44; // ,
    this.first = false;
    this.vlq(gc - this.col);
    this.buf[this.n++] = 65; // A: source 0, always
    this.vlq(sl - 1 - this.ol);
    this.vlq(sc - this.oc);
    this.col = gc; this.ol = sl - 1; this.oc = sc;
  }

  done(): string {
    // plain ASCII: latin1 decodes it byte for byte
    return new TextDecoder('latin1').decode(this.buf.subarray(0, this.n));
  }

  private vlq(v: number): void {
    let x = v < 0 ? (-v << 1) | 1 : v << 1;
    do { let d = x & 31; x >>>= 5; if (x > 0) d |= 32; this.buf[this.n++] = B64_CODES[d]!; } while (x > 0);
  }

  private grow(need: number): void {
    const b = new Uint8Array(Math.max(this.buf.length * 2, this.n + need));
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }
}

class Gen {
  private positions: number[] = []; // pairs of (line, col)
  private consts: string[] = [];
  private constIndex = new Map<string, string>();
  private uid = 0;
  private fc!: FnCtx;
  private functions: FunctionInfo[] = [];
  private fnStack: FunctionInfo[] = [];
  private imports = new Set<string>();
  private usedHelpers = new Set<string>();
  private definitions: DefinitionInfo[] = [];
  /** Module-level names read while generating a top-level definition (its capture set). */
  private defReads: Set<string> | null = null;

  /**
   * Inline the operators' number fast paths (both targets: QuickJS pays a full call per
   * operator, and V8 stops inlining the runtime's operator functions in large loop bodies).
   */
  private readonly inlineOps: boolean;

  /** Catch extra positional arguments with sentinel parameters instead of `arguments` ('quickjs'). */
  private readonly sentinelArgs: boolean;
  /**
   * ('quickjs') Top-level defs that direct calls with every argument reach through an unchecked
   * twin (the same body without the arity checks and sentinel parameters): by def node, and by
   * module symbol with the twin's variable and the arity it takes.
   */
  private twinOf = new Map<A.Node, string>();
  private twinBySym = new Map<Sym, { name: string; arity: number }>();
  /** The twin function text functionExpr made for the def funcDef is emitting. */
  private twinText: string | null = null;

  /** Flatten f-string results (V8 builds concatenations as ropes; QuickJS does not). */
  private readonly flattenFstr: boolean;

  /**
   * How function-level variables are declared: QuickJS checks the temporal dead zone on every
   * read of a `let` (they are all declared before use here, so `var` means the same).
   */
  private readonly varKw: 'let' | 'var';

  /** Inline `%` and `//` by a positive int literal for any int dividend, not only int32 ('quickjs'). */
  private readonly wideMod: boolean;

  /**
   * Whether an integral result is tested for the safe range with Number.isSafeInteger ('v8',
   * which inlines it: a fifth of the code of two comparisons) or with the comparisons ('quickjs',
   * where a call costs more).
   */
  private readonly safeByCall: boolean;

  constructor(private sc: ScopeResult, private moduleName: string, private repl = false, target: Target = 'v8') {
    this.inlineOps = true;
    this.sentinelArgs = target === 'quickjs';
    this.flattenFstr = target === 'v8';
    this.varKw = target === 'quickjs' ? 'var' : 'let';
    this.wideMod = target === 'quickjs';
    this.safeByCall = target === 'v8';
  }

  // --- utilities ----------------------------------------------------------------------------

  private mark(n: A.Range): string {
    const id = this.positions.length >> 1;
    this.positions.push(n.line, n.col);
    return M0 + id + M1;
  }
  private id(prefix: string): string { return `$${prefix}${this.uid++}`; }
  private temp(): string {
    const t = `$t${this.fc.temps++}`;
    if (this.fc.temps > this.fc.maxTemps) this.fc.maxTemps = this.fc.temps;
    return t;
  }
  private releaseTemps(n: number): void { this.fc.temps = n; }
  private h(name: string): string { this.usedHelpers.add(name); return '$' + name; }
  private constant(code: string): string {
    let c = this.constIndex.get(code);
    if (!c) { c = `$c${this.consts.length}`; this.consts.push(`const ${c} = ${code};`); this.constIndex.set(code, c); }
    return c;
  }

  // --- module -------------------------------------------------------------------------------

  module(mod: A.Module): CodegenResult {
    const scope = this.sc.module;
    this.fc = this.newCtx(scope, null, null, null);
    // Top-level def/class statements become factory functions ($defN) that the module calls in
    // place; in instantiate mode ($inst) the module returns the factories without running any
    // statement, so a task can recreate a function from captured values (DESIGN: artifacts).
    const body: Segment[] = [];
    const factories: Segment[] = [];
    if (this.sentinelArgs && !this.repl) this.findTwins(mod, scope);
    for (const st of mod.body) {
      if (this.repl && st.kind === 'ExprStmt') {
        // the interactive prompt shows the value of an expression statement
        body.push(this.strip(`  ${this.mark(st)}$rt.replShow(${this.expr(st.value)});\n`));
        continue;
      }
      if (st.kind !== 'FunctionDef' && st.kind !== 'ClassDef') { body.push(this.strip(this.stmt(st, 1))); continue; }
      const id = this.definitions.length;
      this.defReads = new Set();
      const code = this.stmt(st, 1);
      const sym = scope.symbols.get(st.name)!;
      this.definitions.push({ id, name: st.name, kind: st.kind === 'FunctionDef' ? 'def' : 'class', line: st.line, reads: [...this.defReads] });
      this.defReads = null;
      factories.push(this.strip(`function $def${id}() {\n${code}  return $rt.defined(${sym.jsName}, $m, ${id});\n}\n`));
      body.push(this.strip(`  ${this.mark(st)}$def${id}();\n`)); // mapped: an error making a class has a <module> frame
    }
    const globals = [...scope.symbols.values()];
    let head = "'use strict';\n";
    head += `const {${HELPERS.filter(x => this.usedHelpers.has(x)).map(x => `${x}: $${x}`).join(', ')}} = $rt;\n`;
    // ('quickjs') a twin starts as a function raising NameError, so a call that runs before the
    // def statement reports the name (QuickJS's "not a function" names no callee)
    if (globals.length && !this.repl) head += `${this.varKw} ${[...globals.map(s => s.jsName), ...[...this.twinBySym].map(([s, t]) => `${t.name} = $rt.unboundDef(${JSON.stringify(s.name)})`)].join(', ')};\n`;
    if (globals.length && !this.repl) {
      // module attributes read and write the module's variables (and a def's twin follows its name)
      const twinSet = (s: Sym) => {
        const t = this.twinBySym.get(s);
        return t ? ` ${t.name} = typeof $v === 'function' ? $v : (...$a) => $rt.call($v, $a);` : '';
      };
      head += `Object.defineProperties($m, {${globals.map(s => `$${s.name}: {get() { return ${s.jsName}; }, set($v) { ${s.jsName} = $v;${twinSet(s)} }, enumerable: true, configurable: true}`).join(', ')}});\n`;
    }
    if (scope.hasStarImport) head += `const $star = Object.create(null);\n`;
    if (this.fc.maxTemps) head += `${this.varKw} ${Array.from({ length: this.fc.maxTemps }, (_, i) => `$t${i}`).join(', ')};\n`;
    if (this.extraLocals[0]!.length) head += `${this.varKw} ${this.extraLocals[0]!.join(', ')};\n`;
    const table = `if ($inst) return [${this.definitions.map(d => `$def${d.id}`).join(', ')}];\n`;
    const start = this.strip(`function $module($rt, $b, $m, $imp, $inst) {\n${head}${this.consts.join('\n')}${this.consts.length ? '\n' : ''}`);
    const segments = [start, ...factories, this.strip(table), ...body, this.strip('}')];
    return this.finish(segments, globals.filter(s => !s.name.startsWith('_')).map(s => s.name));
  }

  /**
   * ('quickjs') The top-level defs that get an unchecked twin: bound by that one def and nothing
   * else, undecorated, with plain positional parameters and no defaults. A call `f(a, b)` with as
   * many arguments as f takes cannot fail f's arity checks, so it calls the twin; in QuickJS the
   * sentinel parameters and checks cost about a fifth of a small recursive function's time (fib).
   * Assigning the module attribute from outside (m.f = g) sets the twin too.
   */
  private findTwins(mod: A.Module, scope: Scope): void {
    for (const st of mod.body) {
      if (st.kind !== 'FunctionDef' || st.decorators.length) continue;
      const sym = scope.symbols.get(st.name);
      const p = st.params;
      if (!sym || !sym.stable || sym.bindings.size !== 1 || !sym.bindings.has('def') || sym.defs.length !== 1) continue;
      if (p.vararg || p.kwarg || p.kwonly.length || p.posonlyCount > 0 || p.args.some(a => a.default)) continue;
      const name = `$u_${sym.jsName}`;
      this.twinOf.set(st, name);
      this.twinBySym.set(sym, { name, arity: p.args.length });
    }
  }

  /**
   * Takes the markers out of a piece of generated code, recording where each was. Each top-level
   * statement is stripped as soon as it is generated: its text becomes one flat string while it is
   * young, rather than the whole module being one rope of millions of pieces that every garbage
   * collection copies and the final pass flattens.
   */
  private strip(text: string): Segment {
    const chunks: string[] = [];
    const maps: number[] = [];
    let outLen = 0;
    let line = 0, lineStart = 0, pos = 0;
    // the next newline at or after pos (markers hold none): searched once per line, not once per
    // marker, which on the long lines of inlined operators was quadratic
    let nl = text.indexOf('\n', 0);
    const positions = this.positions;
    for (;;) {
      const i = text.indexOf(M0, pos);
      const end = i < 0 ? text.length : i;
      // count newlines in text[pos, end)
      while (nl >= 0 && nl < end) { line++; lineStart = outLen + (nl - pos) + 1; nl = text.indexOf('\n', nl + 1); }
      if (i < 0 && pos === 0) return { text, maps, lines: line, lastLineLen: text.length - lineStart };
      chunks.push(text.slice(pos, end));
      outLen += end - pos;
      if (i < 0) break;
      // the marker's id, in decimal, up to M1
      let id = 0, j = i + 1;
      for (let c = text.charCodeAt(j); c !== 2; c = text.charCodeAt(++j)) id = id * 10 + c - 48;
      maps.push(line, outLen - lineStart, positions[id * 2]!, positions[id * 2 + 1]!);
      pos = j + 1;
    }
    return { text: chunks.join(''), maps, lines: line, lastLineLen: outLen - lineStart };
  }

  /** The module's text and source map from its stripped pieces, in output order. */
  private finish(segments: Segment[], exports: string[]): CodegenResult {
    const map = new MappingsWriter();
    let line = 0, col = 0;
    for (const seg of segments) {
      const ms = seg.maps;
      for (let k = 0; k < ms.length; k += 4) {
        const l = ms[k]!;
        map.add(line + l, l === 0 ? col + ms[k + 1]! : ms[k + 1]!, ms[k + 2]!, ms[k + 3]!);
      }
      col = seg.lines === 0 ? col + seg.lastLineLen : seg.lastLineLen;
      line += seg.lines;
    }
    // a rope of the pieces: whoever uses the text (evaluates it, writes it) flattens it once
    let body = '';
    for (const seg of segments) body += seg.text;
    return { body, mappings: map.done(), functions: this.functions, definitions: this.definitions, imports: [...this.imports], exports };
  }

  private newCtx(scope: Scope, self: string | null, classCell: string | null, info: FunctionInfo | null): FnCtx {
    return { scope, self, classCell, temps: 0, maxTemps: 0, assigned: new Set(), loops: [], excVars: [], info, isGenerator: scope.isGenerator, ns: null, flags: new Map() };
  }

  // --- statements ---------------------------------------------------------------------------

  private block(body: A.Stmt[], ind: number): string {
    let s = '';
    for (const st of body) s += this.stmt(st, ind);
    return s;
  }

  private stmt(s: A.Stmt, ind: number): string {
    const pad = indent(ind);
    const t0 = this.fc.temps;
    const m = this.mark(s);
    let out: string;
    switch (s.kind) {
      case 'ExprStmt': out = `${pad}${m}${this.expr(s.value)};\n`; break;
      case 'Assign': out = this.assign(s, pad, m); break;
      case 'AugAssign': out = this.augAssign(s, pad, m); break;
      case 'AnnAssign': out = this.annAssign(s, pad, m); break;
      case 'If': {
        out = `${pad}${m}if (${this.cond(s.test)}) {\n`;
        // names assigned after the if: those before it, and those both branches assign (the
        // set is only ever tested, so its order does not matter)
        const before = this.fc.assigned;
        this.fc.assigned = new Set(before);
        out += this.block(s.body, ind + 1);
        const afterBody = this.fc.assigned;
        this.fc.assigned = new Set(before);
        if (s.orelse.length) {
          if (s.orelse.length === 1 && s.orelse[0]!.kind === 'If') out += `${pad}} else ${this.stmt(s.orelse[0]!, ind).trimStart()}`;
          else out += `${pad}} else {\n${this.block(s.orelse, ind + 1)}${pad}}\n`;
        } else out += `${pad}}\n`;
        const afterElse = this.fc.assigned;
        for (const x of afterBody) if (afterElse.has(x)) before.add(x);
        this.fc.assigned = before;
        break;
      }
      case 'While': {
        const label = s.orelse.length ? this.id('else') : null;
        const before = new Set(this.fc.assigned);
        this.fc.loops.push({ breakLabel: label });
        const body = this.block(s.body, ind + (label ? 2 : 1));
        this.fc.loops.pop();
        this.fc.assigned = before;
        const loop = `while (${this.cond(s.test)}) {\n${body}${pad}${label ? '  ' : ''}}\n`;
        if (label) out = `${pad}${m}${label}: {\n${pad}  ${loop}${this.block(s.orelse, ind + 1)}${pad}}\n`;
        else out = `${pad}${m}${loop}`;
        this.fc.assigned = before;
        break;
      }
      case 'For': out = this.forStmt(s, ind, pad, m); break;
      case 'Break': {
        const l = this.fc.loops[this.fc.loops.length - 1];
        out = `${pad}${m}break${l?.breakLabel ? ' ' + l.breakLabel : ''};\n`;
        break;
      }
      case 'Continue': out = `${pad}${m}continue;\n`; break;
      case 'Pass': out = ''; break;
      case 'Return': out = `${pad}${m}return ${s.value ? this.expr(s.value) : 'null'};\n`; break;
      case 'FunctionDef': out = this.funcDef(s, pad, m); break;
      case 'ClassDef': out = this.classDef(s, ind, pad, m); break;
      case 'Try': out = this.tryStmt(s, ind, pad, m); break;
      case 'Raise': {
        if (!s.exc) {
          const v = this.fc.excVars[this.fc.excVars.length - 1];
          out = v ? `${pad}${m}throw ${v};\n` : `${pad}${m}${this.h('raise')}(${this.builtinRef('RuntimeError')}(${JSON.stringify('No active exception to reraise')}));\n`;
        } else out = `${pad}${m}${this.h('raise')}(${this.expr(s.exc)}${s.cause ? ', ' + this.expr(s.cause) : ''});\n`;
        break;
      }
      case 'With': out = this.withStmt(s, 0, ind, pad, m); break;
      case 'Import': out = this.importStmt(s, pad, m); break;
      case 'ImportFrom': out = this.importFrom(s, pad, m); break;
      case 'Global': case 'Nonlocal': out = ''; break;
      case 'Del': out = s.targets.map(t => this.delTarget(t, pad, m)).join(''); break;
      case 'Assert': {
        out = `${pad}${m}if (!(${this.cond(s.test)})) ${this.h('assertFail')}(${s.msg ? this.expr(s.msg) : ''});\n`;
        break;
      }
      case 'NamespaceAssign': out = this.nsAssign(s, pad, m); break;
      case 'NamespaceBlock': out = this.nsBlock(s, ind, pad, m); break;
      case 'Unsupported': case 'ErrorStmt':
        out = `${pad}${m}throw new Error('unsupported construct');\n`;
        break;
    }
    this.releaseTemps(t0);
    // flatten the statement's rope while its pieces are young (GC)
    if (out.length > 12) this.sink ^= out.charCodeAt(0);
    return out;
  }
  private sink = 0;

  private assign(s: A.Assign, pad: string, m: string): string {
    // `a, b = b, a + b`: the values into temps, then the stores, without building a tuple
    const tg0 = s.targets[0]!, v = s.value;
    if (s.targets.length === 1 && (tg0.kind === 'Tuple' || tg0.kind === 'List') && (v.kind === 'Tuple' || v.kind === 'List') &&
        tg0.elts.length === v.elts.length && !tg0.elts.some(e => e.kind === 'Starred') && !v.elts.some(e => e.kind === 'Starred')) {
      const ts = v.elts.map(e => { const code = this.expr(e); const t = this.temp(); return `${t} = ${code}`; });
      const names = ts.map(x => x.slice(0, x.indexOf(' =')));
      return `${pad}${m}${ts.join(', ')};\n` + tg0.elts.map((e, i) => `${pad}${this.store(e, names[i]!, pad)};\n`).join('');
    }
    if (s.targets.length === 1) return `${pad}${m}${this.store(s.targets[0]!, this.expr(s.value), pad)};\n`;
    const t = this.temp();
    let out = `${pad}${m}${t} = ${this.expr(s.value)};\n`;
    for (const tg of s.targets) out += `${pad}${this.store(tg, t, pad)};\n`;
    return out;
  }

  private augAssign(s: A.AugAssign, pad: string, m: string): string {
    const op = JSON.stringify(s.op);
    const tg = s.target;
    // numbers and strings are immutable: `x op= y` is `x = x op y` without the generic dispatch
    const direct = BINOP_FN[s.op]!.slice(1);
    const fastTest = (cur: string) => (s.op === '+' ? `typeof ${cur} === 'number' || typeof ${cur} === 'string'` : `typeof ${cur} === 'number'`);
    /** `cur op v` for the in-place operator, cur an atom (a name or a temp). */
    const inplace = (cur: string, curNode: A.Expr | null, v: string): string => {
      if (this.inlineOps && INLINE_ARITH.has(s.op)) {
        const generic = (x: string, y: string) => (s.op === '+'
          ? `(typeof ${x} === 'string' && typeof ${y} === 'string' ? ${x} + ${y} : ${this.h('iop')}(${op}, ${x}, ${y}))`
          : `${this.h('iop')}(${op}, ${x}, ${y})`);
        return this.inlineBinop(s.op, this.operand(curNode, cur), this.operand(s.value, v), generic);
      }
      let pre = '';
      if (!isPath(v)) { const t = this.temp(); pre = `${t} = ${v}, `; v = t; }
      return `(${pre}${fastTest(cur)} ? ${this.h(direct)}(${cur}, ${v}) : ${this.h('iop')}(${op}, ${cur}, ${v}))`;
    };
    if (tg.kind === 'Name') {
      const cur = this.load(tg);
      let val: string;
      if (cur.length <= SHORT && /^[\w$]+$/.test(cur)) val = inplace(cur, tg, this.expr(s.value));
      else val = `${this.h('iop')}(${op}, ${cur}, ${this.expr(s.value)})`;
      return `${pad}${m}${this.store(tg, val, pad)};\n`;
    }
    if (tg.kind === 'Attribute') {
      const o = this.temp();
      const v = this.temp();
      return `${pad}${m}${o} = ${this.expr(tg.value)}; ${v} = ${this.attrLoadOf(o, tg.attr, v)}; ${this.attrStore(o, tg.attr, inplace(v, null, this.expr(s.value)), this.isSelf(tg.value))};\n`;
    }
    if (tg.kind === 'Subscript') {
      const kf = tg.slice.kind === 'Slice' ? null : this.fact(tg.slice);
      if (this.inlineOps && (kf === 'i32' || kf === 'int')) {
        // `lst[i] op= v` with an int index: the element read and written in place when it exists
        const o = this.temp(), cur = this.temp(), v = this.temp();
        let k = this.expr(tg.slice), pre = '';
        if (!isAtom(k)) { const kt = this.temp(); pre = `${kt} = ${k}; `; k = kt; }
        this.usedHelpers.add('isArray');
        const val = inplace(cur, null, this.expr(s.value));
        return `${pad}${m}${o} = ${this.expr(tg.value)}; ${pre}${cur} = $isArray(${o}) && (${cur} = ${o}[${k}]) !== undefined ? ${cur} : ${this.h('getitem')}(${o}, ${k}); ` +
          `${v} = ${val}; if ($isArray(${o}) && ${k} >= 0 && ${k} < ${o}.length) ${o}[${k}] = ${v}; else ${this.h('setitem')}(${o}, ${k}, ${v});\n`;
      }
      const o = this.temp(), k = this.temp(), cur = this.temp();
      return `${pad}${m}${o} = ${this.expr(tg.value)}; ${k} = ${this.expr(tg.slice)}; ${cur} = ${this.h('getitem')}(${o}, ${k}); ${this.h('setitem')}(${o}, ${k}, ${inplace(cur, null, this.expr(s.value))});\n`;
    }
    return `${pad}${m}throw new Error('invalid augmented assignment target');\n`;
  }

  private annAssign(s: A.AnnAssign, pad: string, m: string): string {
    const scope = this.fc.scope;
    // `on_move: event` in a class body declares an event member
    if (this.fc.ns && s.target.kind === 'Name' && s.annotation.kind === 'Name' && s.annotation.id === 'event' && !s.value) {
      const b = bindingOf(s.annotation);
      if (b && b.kind === 'builtin') return `${pad}${m}${this.fc.ns}.$${s.target.id} = new $rt.EventDecl();\n`;
    }
    if (!s.value) return '';
    void scope;
    return `${pad}${m}${this.store(s.target, this.expr(s.value), pad)};\n`;
  }

  private forStmt(s: A.For, ind: number, pad: string, m: string): string {
    const label = s.orelse.length ? this.id('else') : null;
    const before = new Set(this.fc.assigned);
    const inner = ind + (label ? 2 : 1);
    const ipad = indent(inner);
    let head: string;
    const v = this.id('v');
    const range = this.rangeCall(s.iter);
    if (range) {
      const [start, stop, step] = range;
      // a local that only this loop assigns always holds one of its safe-integer values
      if (s.target.kind === 'Name') {
        const b = this.binding(s.target);
        if (b.kind === 'local' && b.sym.scope.kind === 'function' && b.sym.defs.length === 1) this.rangeVars.add(b.sym);
      }
      const e = this.id('e');
      if (step === null || /^\d+$/.test(step)) {
        head = `for (${this.varKw} ${v} = ${start}, ${e} = ${stop}; ${v} < ${e}; ${v} += ${step ?? 1}) {\n`;
      } else if (/^-\d+$/.test(step)) {
        head = `for (${this.varKw} ${v} = ${start}, ${e} = ${stop}; ${v} > ${e}; ${v} += ${step}) {\n`;
      } else {
        const st = this.id('s');
        head = `for (${this.varKw} ${v} = ${start}, ${e} = ${stop}, ${st} = ${step}; ${st} > 0 ? ${v} < ${e} : (${st} === 0 ? ${this.h('raise')}(${this.builtinRef('ValueError')}("range() arg 3 must not be zero")) : ${v} > ${e}); ${v} += ${st}) {\n`;
      }
    } else {
      head = `for (const ${v} of ${this.h('iter')}(${this.expr(s.iter)})) {\n`;
    }
    this.fc.loops.push({ breakLabel: label });
    const t0 = this.fc.temps;
    const bind = `${ipad}${this.store(s.target, v, ipad)};\n`;
    this.releaseTemps(t0);
    const body = this.block(s.body, inner);
    this.fc.loops.pop();
    this.fc.assigned = new Set(before);
    const loop = `${head}${bind}${body}${indent(inner - 1)}}\n`;
    if (label) return `${pad}${m}${label}: {\n${pad}  ${loop}${this.block(s.orelse, ind + 1)}${pad}}\n`;
    return `${pad}${m}${loop}`;
  }

  /** A call of the builtin range with one to three positional arguments. */
  private isBuiltinRange(e: A.Expr): boolean {
    if (e.kind !== 'Call' || e.func.kind !== 'Name' || e.func.id !== 'range' || e.keywords.length) return false;
    const b = bindingOf(e.func);
    return !!b && b.kind === 'builtin' && !e.args.some(a => a.kind === 'Starred') && e.args.length >= 1 && e.args.length <= 3 && !e.args.some(bigConst);
  }

  /** `range(...)` with the builtin range: [start, stop, step] JS expressions, else null. */
  private rangeCall(e: A.Expr): [string, string, string | null] | null {
    if (e.kind !== 'Call' || e.func.kind !== 'Name' || e.func.id !== 'range' || e.keywords.length) return null;
    const b = bindingOf(e.func);
    if (!b || b.kind !== 'builtin') return null;
    if (e.args.some(a => a.kind === 'Starred') || e.args.length < 1 || e.args.length > 3) return null;
    // a bound the compiler sees is past 2**53 (range(2**60, 2**60 + 3)): an ordinary loop over
    // the range object, whose items may be bigints (a counted loop's variable is always a number)
    if (e.args.some(bigConst)) return null;
    const arg = (x: A.Expr) => (x.kind === 'IntLit' && typeof x.value === 'number' ? String(x.value)
      : x.kind === 'UnaryOp' && x.op === '-' && x.operand.kind === 'IntLit' && typeof x.operand.value === 'number' ? String(-x.operand.value)
        : `${this.h('rangeArg')}(${this.expr(x)})`);
    if (e.args.length === 1) return ['0', arg(e.args[0]!), null];
    const step = e.args.length === 3 ? arg(e.args[2]!) : null;
    if (step === '0') return null;
    return [arg(e.args[0]!), arg(e.args[1]!), step];
  }

  private tryStmt(s: A.Try, ind: number, pad: string, m: string): string {
    const ipad = indent(ind + 1);
    let out = '';
    const ok = s.orelse.length ? this.id('ok') : null;
    const before = new Set(this.fc.assigned);
    let inner = `try {\n${this.block(s.body, ind + 1)}${ok ? `${ipad}${ok} = true;\n` : ''}${pad}}`;
    if (s.handlers.length) {
      const e = this.id('e');
      // inside another handler (this function's), what is caught here was raised while handling
      // that one: its __context__
      const outer = this.fc.excVars[this.fc.excVars.length - 1];
      inner += ` catch (${e}) {\n${ipad}${e} = ${outer ? `${this.h('excChain')}(${e}, ${outer})` : `${this.h('caught')}(${e})`};\n${ipad}try {\n`;
      let first = true;
      let hasBare = false;
      for (const hd of s.handlers) {
        this.fc.assigned = new Set(before);
        let test: string;
        let bind = '';
        const xlangBind = (hd as { xlangBind?: boolean }).xlangBind;
        if (!hd.type || xlangBind) { test = 'true'; hasBare = true; }
        else test = `${this.h('excMatch')}(${e}, ${this.expr(hd.type)})`;
        if (xlangBind) bind = `${ipad}  ${this.store(hd.type!, `${this.h('excValue')}(${e})`, ipad)};\n`;
        if (hd.name) bind = `${ipad}  ${this.storeName(hd.name, hd, `${this.h('excValue')}(${e})`)};\n`;
        this.fc.excVars.push(e);
        const body = this.block(hd.body, ind + 2);
        this.fc.excVars.pop();
        out = `${first ? ipad : ' else '}if (${test}) {\n${bind}${body}${ipad}}`;
        inner += out;
        first = false;
        if (test === 'true') break;
      }
      if (!hasBare) inner += ` else throw ${e};\n`;
      else inner += '\n';
      // what a handler raises gets the exception it handles as __context__
      const x = this.id('x');
      inner += `${ipad}} catch (${x}) { throw ${this.h('excChain')}(${x}, ${e}); }\n${pad}}`;
    }
    this.fc.assigned = new Set(before);
    if (ok) {
      inner = `${ok} = false;\n${pad}${inner}\n${pad}if (${ok}) {\n${this.block(s.orelse, ind + 1)}${pad}}`;
      this.fc.assigned = new Set(before);
      if (s.finalbody.length) inner = `try {\n${pad}  ${inner.replace(/\n/g, '\n  ')}\n${pad}}`;
      this.declareLocalTemp(ok);
    }
    if (s.finalbody.length) inner += ` finally {\n${this.block(s.finalbody, ind + 1)}${pad}}`;
    this.fc.assigned = before;
    return `${pad}${m}${inner}\n`;
  }

  private extraLocals: string[][] = [[]];
  private declareLocalTemp(name: string): void { this.extraLocals[this.extraLocals.length - 1]!.push(name); }

  private withStmt(s: A.With, i: number, ind: number, pad: string, m: string): string {
    if (i >= s.items.length) return this.block(s.body, ind);
    const it = s.items[i]!;
    const w = this.id('w'), ok = this.id('ok'), e = this.id('e');
    this.declareLocalTemp(w); this.declareLocalTemp(ok);
    const ipad = indent(ind + 1);
    let out = `${pad}${m}${w} = ${this.h('withEnter')}(${this.expr(it.contextExpr)}); ${ok} = true;\n`;
    if (it.optionalVars) out += `${pad}${this.store(it.optionalVars, `${w}[0]`, pad)};\n`;
    out += `${pad}try {\n${this.withStmt(s, i + 1, ind + 1, ipad, '')}${pad}} catch (${e}) {\n`;
    out += `${ipad}${ok} = false; ${e} = ${this.h('caught')}(${e});\n${ipad}if (!${this.h('withExit')}(${w}[1], ${e})) throw ${e};\n`;
    out += `${pad}} finally {\n${ipad}if (${ok}) ${this.h('withExit')}(${w}[1], undefined);\n${pad}}\n`;
    return out;
  }

  private importStmt(s: A.Import, pad: string, m: string): string {
    let out = '';
    for (const al of s.names) {
      this.imports.add(al.name);
      let value: string;
      if (s.thru) value = `$rt.thruImport(${JSON.stringify(al.name)}, ${this.expr(s.thru)}, $imp, $m)`;
      else if (s.deferred) value = `$rt.deferred(${JSON.stringify(al.name)}, $imp)`;
      else if (al.asname) value = `$imp(${JSON.stringify(al.name)})`;
      else {
        const top = al.name.split('.')[0]!;
        value = al.name === top ? `$imp(${JSON.stringify(top)})` : `($imp(${JSON.stringify(al.name)}), $imp(${JSON.stringify(top)}))`;
      }
      out += `${pad}${m}${this.storeName(al.asname ?? al.name.split('.')[0]!, al, value)};\n`;
    }
    return out;
  }

  private importFrom(s: A.ImportFrom, pad: string, m: string): string {
    const modName = '.'.repeat(s.level) + s.module;
    this.imports.add(modName);
    const t = this.temp();
    let out = `${pad}${m}${t} = $imp(${JSON.stringify(modName)});\n`;
    for (const al of s.names) {
      if (al.name === '*') { out += `${pad}$rt.starImport($star, ${t});\n`; continue; }
      out += `${pad}${this.storeName(al.asname ?? al.name, al, `$rt.importFrom(${t}, ${JSON.stringify(al.name)}, ${JSON.stringify(modName)}, $imp)`)};\n`;
    }
    return out;
  }

  private delTarget(t: A.Expr, pad: string, m: string): string {
    switch (t.kind) {
      case 'Name': {
        const b = bindingOf(t);
        const check = this.load(t);
        if (b && b.kind === 'class') return `${pad}${m}${check}; delete ${this.fc.ns}.$${t.id};\n`;
        const name = this.nameRef(t);
        if (b && 'sym' in b) this.fc.assigned.delete(b.sym);
        return `${pad}${m}${check}; ${name} = undefined;\n`;
      }
      case 'Attribute': return `${pad}${m}${this.h('delattr')}(${this.expr(t.value)}, ${JSON.stringify(t.attr)});\n`;
      case 'Subscript': return `${pad}${m}${this.h('delitem')}(${this.expr(t.value)}, ${this.expr(t.slice)});\n`;
      case 'Tuple': case 'List': return t.elts.map(x => this.delTarget(x, pad, m)).join('');
      default: return `${pad}${m}throw new Error('cannot delete');\n`;
    }
  }

  private nsAssign(s: A.NamespaceAssign, pad: string, m: string): string {
    const root = (s as { rootName?: A.Name }).rootName!;
    const value = this.expr(s.value);
    if (s.path.length === 1) return `${pad}${m}${this.store(root, value, pad)};\n`;
    const cur = this.nameRef(root);
    const isConst = s.declKind === 'const';
    let out = `${pad}${m}if (${cur} === undefined) ${this.store(root, `${this.h('newNamespace')}(${JSON.stringify(s.path[0])})`, pad)};\n`;
    out += `${pad}${this.h('nsAssign')}(${this.nameRef(root)}, ${JSON.stringify(s.path[0])}, ${JSON.stringify(s.path.slice(1))}, ${value}, ${isConst});\n`;
    return out;
  }

  private nsBlock(s: A.NamespaceBlock, ind: number, pad: string, m: string): string {
    const root = (s as { rootName?: A.Name }).rootName!;
    const scope = this.sc.scopes.get(s)!;
    const ns = this.id('ns');
    const saved = { scope: this.fc.scope, ns: this.fc.ns };
    this.fc.scope = scope;
    this.fc.ns = ns;
    const body = this.block(s.body, ind + 1);
    this.fc.scope = saved.scope;
    this.fc.ns = saved.ns;
    const cur = this.nameRef(root);
    let out = `${pad}${m}if (${cur} === undefined) ${this.store(root, `${this.h('newNamespace')}(${JSON.stringify(s.path[0])})`, pad)};\n`;
    out += `${pad}{\n${pad}  const ${ns} = Object.create(null);\n${body}`;
    out += `${pad}  for (const $k of Object.keys(${ns})) ${this.h('nsAssign')}(${this.nameRef(root)}, ${JSON.stringify(s.path[0])}, [...${JSON.stringify(s.path.slice(1))}, $k.slice(1)], ${ns}[$k], false);\n${pad}}\n`;
    return out;
  }

  // --- functions and classes ----------------------------------------------------------------

  private decoratorKind(d: A.Expr): 'static' | 'class' | null {
    if (d.kind !== 'Name') return null;
    const b = bindingOf(d);
    if (!b || b.kind !== 'builtin') return null;
    return d.id === 'staticmethod' ? 'static' : d.id === 'classmethod' ? 'class' : null;
  }

  /** Whether the class body being generated is a metaclass's: one of its bases is the builtin `type`. */
  private isMetaclassBody(): boolean {
    const c = this.fc.scope.node as A.ClassDef;
    return c.bases.some(b => b.kind === 'Name' && b.id === 'type' && bindingOf(b)?.kind === 'builtin');
  }

  private funcDef(s: A.FunctionDef, pad: string, m: string): string {
    const scope = this.sc.scopes.get(s)!;
    const inClass = this.fc.ns !== null && this.fc.scope.kind === 'class' && this.fc.scope.node.kind === 'ClassDef';
    const kinds = s.decorators.map(d => this.decoratorKind(d));
    const implicitKind = s.name === '__new__' ? 'static' : s.name === '__init_subclass__' || s.name === '__class_getitem__' ? 'class' : null;
    const isStatic = kinds.includes('static') || implicitKind === 'static', isClassM = kinds.includes('class') || implicitKind === 'class';
    // Methods take the instance first: `self` when the user names it, else an implicit $this.
    let selfName: string | null = null;
    let implicitThis = false;
    if (inClass && !isStatic && !isClassM) {
      const first = s.params.args[0];
      // (in a metaclass, a class deriving from the builtin type, the instance is a class, and
      // Python code names it cls)
      if (first && (first.name === 'self' || (first.name === 'cls' && this.isMetaclassBody()))) selfName = jsIdent(first.name);
      else { implicitThis = true; selfName = '$this'; }
    }
    const qual = this.qualName(s.name);
    this.twinText = null;
    const fnExpr = this.functionExpr(s, scope, s.params, s.body, null, qual, s.name, implicitThis ? '$this' : null, selfName, s.nameRange.line, s.endLine);
    const twin = this.twinOf.get(s);
    if (twin !== undefined && this.twinText !== null) {
      const text = this.twinText;
      this.twinText = null;
      return `${pad}${m}${this.storeName(s.name, s.nameRange, fnExpr)};\n${pad}${twin} = ${text};\n`;
    }
    let value = fnExpr;
    for (let i = s.decorators.length - 1; i >= 0; i--) {
      const d = s.decorators[i]!;
      value = `${this.callValue(this.expr(d), [value])}`;
    }
    // XLang constructors: `def constructor(...)` or a method named like its class
    if (inClass && (s.name === 'constructor' || s.name === this.fc.scope.name)) return `${pad}${m}${this.fc.ns}.$__init__ = ${value};\n`;
    return `${pad}${m}${this.storeName(s.name, s.nameRange, value)};\n`;
  }

  private qualName(name: string): string {
    const parts: string[] = [];
    for (const f of this.fnStack) parts.push(f.name);
    return [...parts.length ? [parts.join('.')] : [], name].join('.').replace(/^\.+/, '');
  }

  /**
   * A function expression with its prologue (defaults, argument checks) wrapped in $fn/$fnx,
   * which attach the metadata calls with keywords need.
   */
  private functionExpr(node: A.Node, scope: Scope, params: A.Params, body: A.Stmt[] | A.Expr, _unused: null, qual: string,
    pyName: string, implicitFirst: string | null, selfName: string | null, line: number, endLine: number): string {
    const info: FunctionInfo = { name: qual, line, endLine, reads: [] };
    this.functions.push(info);
    const parent = this.fc;
    const classCell = parent.ns !== null && parent.scope.kind === 'class' && parent.scope.node.kind === 'ClassDef' ? (parent.scope as Scope & { cell?: string }).cell ?? null : parent.classCell;
    this.fc = this.newCtx(scope, selfName ?? (implicitFirst ? implicitFirst : null) ?? (parent.self && scope.methodOf === null ? parent.self : null), classCell, info);
    if (!selfName && parent.self) this.fc.self = parent.self; // nested functions see the method's instance
    this.fnStack.push(info);
    this.extraLocals.push([]);
    const jsName = this.id('f');
    // (positional-only parameters too: bindArgs refuses them by keyword, the plain path cannot)
    const complex = params.vararg !== null || params.kwonly.length > 0 || params.kwarg !== null || params.posonlyCount > 0;
    const all = [...params.args, ...(params.vararg ? [params.vararg] : []), ...params.kwonly, ...(params.kwarg ? [params.kwarg] : [])];
    const pnames = all.map(p => scope.symbols.get(p.name)!.jsName);
    this.fc.firstParam = implicitFirst ?? (params.args.length ? pnames[0] : undefined);
    for (const p of all) this.fc.assigned.add(scope.symbols.get(p.name)!);
    let prologue = '';
    let checksEnd = -1;
    let sig: string;
    // defaults are evaluated once, when the def runs, in the enclosing scope
    const saveFc = this.fc;
    this.fc = parent;
    const defaults = params.args.filter(p => p.default).map(p => this.expr(p.default!));
    const kwdefaults = params.kwonly.map(p => (p.default ? this.expr(p.default) : 'undefined'));
    this.fc = saveFc;
    const firstParam = implicitFirst ? [implicitFirst] : [];
    const argNames = params.args.map(p => p.name);
    if (!complex) {
      const n = firstParam.length + pnames.length;
      const takes = `takes ${pnames.length} positional argument${pnames.length === 1 ? '' : 's'} but`;
      if (this.sentinelArgs) {
        // QuickJS materialises `arguments` (an allocation) in every call of a function that
        // names it: trailing sentinel parameters catch extra arguments instead (an argument
        // is never undefined: a missing one is), counted exactly up to SENTINELS.length extra
        sig = [...firstParam, ...pnames, ...SENTINELS].join(', ');
        prologue += `  if (${SENTINELS[0]} !== undefined) ${this.h('argError')}(${JSON.stringify(pyName)}, 'toomany', \`${takes} \${${this.h('argsGiven')}(${n - firstParam.length}, ${SENTINELS.join(', ')})} were given\`);\n`;
      } else {
        sig = [...firstParam, ...pnames].join(', ');
        prologue += `  if (arguments.length > ${n}) ${this.h('argError')}(${JSON.stringify(pyName)}, 'toomany', \`${takes} \${arguments.length${firstParam.length ? ' - 1' : ''}} were given\`);\n`;
      }
      const firstDefault = params.args.length - defaults.length;
      params.args.forEach((p, i) => {
        const jn = pnames[i]!;
        if (i >= firstDefault) prologue += `  if (${jn} === undefined) ${jn} = ${jsName}.defaults[${i - firstDefault}];\n`;
        else prologue += `  if (${jn} === undefined) ${this.h('argError')}(${JSON.stringify(pyName)}, 'missing', ${JSON.stringify(p.name)});\n`;
      });
      checksEnd = prologue.length;
    } else {
      sig = [...firstParam, '...$a'].join(', ');
      prologue += `  let [${pnames.join(', ')}] = ${this.h('bindArgs')}(${jsName}, $a);\n`;
    }
    if (this.sentinelArgs) {
      // (QuickJS, where a typeof test costs about a call) parameters used as operands more
      // than once (or in a loop) and never reassigned: test once on entry whether each holds an
      // int32; V8's typeof tests are nearly free, so the walk would only slow compiling
      const uses = operandUses(body, new Set(params.args.map(p => p.name)));
      params.args.forEach((p, i) => {
        const sym = scope.symbols.get(p.name)!;
        const u = uses.get(p.name);
        if (!u || sym.defs.length !== 1 || (u.count < 2 && !u.inLoop)) return;
        const jn = pnames[i]!, flag = `$i_${jn}`;
        this.fc.flags.set(sym, flag);
        prologue += `  var ${flag} = typeof ${jn} === 'number' && (${jn} | 0) === ${jn};\n`;
      });
    }
    let code: string;
    if (Array.isArray(body)) code = this.block(body, 1);
    else code = `  return ${this.expr(body)};\n`;
    // locals: every symbol of this scope that is not a parameter
    const locals = [...scope.symbols.values()].filter(sym => !all.some(p => p.name === sym.name)).map(sym => sym.jsName);
    if (implicitFirst && selfName === null) void 0;
    for (let i = 0; i < this.fc.maxTemps; i++) locals.push(`$t${i}`);
    locals.push(...this.extraLocals.pop()!);
    const decl = locals.length ? `  ${this.varKw} ${locals.join(', ')};\n` : '';
    const star = scope.isGenerator ? '*' : '';
    const fnText = `function${star} ${jsName}(${sig}) {\n${complex ? decl + prologue : prologue + decl}${code}${Array.isArray(body) ? '  return null;\n' : ''}}`;
    if (this.twinOf.has(node) && !complex && checksEnd >= 0 && defaults.length === 0) {
      this.twinText = `function${star} ${jsName}u(${pnames.join(', ')}) {\n${prologue.slice(checksEnd)}${decl}${code}${Array.isArray(body) ? '  return null;\n' : ''}}`;
    }
    this.fnStack.pop();
    this.fc = parent;
    const doc = Array.isArray(body) && body[0]?.kind === 'ExprStmt' && body[0].value.kind === 'Str' ? JSON.stringify(body[0].value.value) : 'null';
    const mod = JSON.stringify(this.moduleName);
    let wrapped: string;
    if (!complex) {
      const ps = JSON.stringify(implicitFirst ? ['self', ...argNames] : argNames);
      wrapped = `${this.h('fn')}(${fnText}, ${JSON.stringify(pyName)}, ${JSON.stringify(qual)}, ${ps}, ${defaults.length ? `[${defaults.join(', ')}]` : 'null'}, ${mod}, ${doc})`;
    } else {
      const spec = `{args: ${JSON.stringify(implicitFirst ? ['self', ...argNames] : argNames)}, defaults: [${defaults.join(', ')}], vararg: ${params.vararg !== null}, kwonly: ${JSON.stringify(params.kwonly.map(p => p.name))}, kwdefaults: [${kwdefaults.join(', ')}], kwarg: ${params.kwarg !== null}, posonly: ${params.posonlyCount + (implicitFirst ? 1 : 0)}}`;
      wrapped = `${this.h('fnx')}(${fnText}, ${JSON.stringify(pyName)}, ${JSON.stringify(qual)}, ${spec}, ${mod}, ${doc})`;
    }
    void node;
    // a this-based adapter for simple methods, so obj.m(a) calls m(obj, a) without allocation
    if (selfName && !complex) {
      const ps = implicitFirst ? pnames : pnames.slice(1);
      const ad = ps.map(p => '$' + p);
      const forward = (xs: string[]) => xs.map(p => ', ' + p).join('');
      // (the raw function is $$f: an adapter parameter is $ + a Python name, and `f` is one)
      const body = this.sentinelArgs
        ? `if (${SENTINELS[0]} !== undefined) return $$f(this${forward(ad)}${forward(SENTINELS)}); return $$f(this${forward(ad)});`
        : `if (arguments.length > ${ps.length}) return $$f(this, ...arguments); return $$f(this${forward(ad)});`;
      const sigA = this.sentinelArgs ? [...ad, ...SENTINELS] : ad;
      return `(($$f) => ($$f.thisAdapter = Object.assign(function (${sigA.join(', ')}) { ${body} }, {raw: $$f, params: ${JSON.stringify(implicitFirst ? argNames : argNames.slice(1))}}), $$f))(${wrapped})`;
    }
    return wrapped;
  }

  private classDef(s: A.ClassDef, ind: number, pad: string, m: string): string {
    const scope = this.sc.scopes.get(s)! as Scope & { cell?: string };
    const cell = this.id('cls');
    scope.cell = cell;
    const ns = this.id('ns');
    this.declareLocalTemp(cell);
    const saved = { scope: this.fc.scope, ns: this.fc.ns };
    // Python evaluates the bases and keywords before the body: any but a plain name goes into a
    // variable first (the class is made after the body)
    let early = '';
    const before = (e: A.Expr): string => {
      const code = this.expr(e);
      if (e.kind === 'Name') return code;
      const v = this.id('cb');
      this.declareLocalTemp(v);
      early += `${pad}  ${v} = ${code};\n`;
      return v;
    };
    const bases = s.bases.map(before);
    const meta = s.keywords.find(k => k.arg === 'metaclass');
    const metaCode = meta ? before(meta.value) : '';
    const kws = s.keywords.filter(k => k.arg !== 'metaclass');
    const kwCode = kws.map(k => before(k.value));
    this.fc.scope = scope;
    this.fc.ns = ns;
    const qual = this.qualName(s.name);
    this.fnStack.push({ name: s.name, line: s.nameRange.line, endLine: s.endLine, reads: [] });
    const body = this.block(s.body, ind + 1);
    this.fnStack.pop();
    this.fc.scope = saved.scope;
    this.fc.ns = saved.ns;
    const doc = s.body[0]?.kind === 'ExprStmt' && s.body[0].value.kind === 'Str' ? `${pad}  ${ns}.$__doc__ = ${JSON.stringify(s.body[0].value.value)};\n` : '';
    // __annotations__ of the body's `name: T` lines, in order (dataclasses read it). Annotations
    // are not evaluated in XLang: a builtin type name is the type itself, anything else its text.
    const anns = s.body.filter((st): st is A.AnnAssign => st.kind === 'AnnAssign' && st.target.kind === 'Name');
    let annCode = '';
    if (anns.length) {
      const d = this.id('an');
      this.declareLocalTemp(d);
      const value = (a: A.Expr) => (a.kind === 'Name' && bindingOf(a)?.kind === 'builtin' ? this.builtinRef(a.id) : JSON.stringify(a.kind === 'Str' ? a.value : annotationText(a)));
      annCode = `${pad}  ${d} = ${this.h('dict')}(); ${anns.map(st => `${d}.set(${JSON.stringify((st.target as A.Name).id)}, ${value(st.annotation)})`).join('; ')}; ${ns}.$__annotations__ = ${d};\n`;
    }
    let out = `${pad}${m}{\n${early}${pad}  const ${ns} = Object.create(null);\n${pad}  ${ns}.$__module__ = ${JSON.stringify(this.moduleName)}; ${ns}.$__qualname__ = ${JSON.stringify(qual)};\n${doc}${annCode}${body}`;
    // the class statement's other keywords go to the metaclass and __init_subclass__
    let kwOpt = '';
    if (kws.length) {
      const named = kws.map((k, i) => [k, kwCode[i]!] as const).filter(([k]) => k.arg !== null);
      const names = named.map(([k]) => JSON.stringify(k.arg)).join(', '), values = named.map(([, c]) => c).join(', ');
      const spreads = kws.map((k, i) => [k, kwCode[i]!] as const).filter(([k]) => k.arg === null).map(([, c]) => c);
      if (spreads.length) {
        const tn = this.temp(), tv = this.temp();
        kwOpt = `, keywords: (${tn} = [${names}], ${tv} = [${values}], ${spreads.map(x => `${this.h('kwSpread')}(${tn}, ${tv}, ${x})`).join(', ')}, [${tn}, ${tv}])`;
      } else kwOpt = `, keywords: [[${names}], [${values}]]`;
    }
    let value = `(${cell} = ${this.h('makeClass')}(${JSON.stringify(s.name)}, [${bases.join(', ')}], ${ns}, {module: ${JSON.stringify(this.moduleName)}, qualname: ${JSON.stringify(qual)}${meta ? ', metaclass: ' + metaCode : ''}${kwOpt}}))`;
    for (let i = s.decorators.length - 1; i >= 0; i--) value = this.callValue(this.expr(s.decorators[i]!), [value]);
    // the class is made after its body: mapped to the class line again, so an error making it
    // (a bad base, a metaclass's) has a frame there
    out += `${pad}  ${this.mark(s)}${this.storeName(s.name, s.nameRange, value)};\n${pad}}\n`;
    return out;
  }

  // --- names --------------------------------------------------------------------------------

  private binding(n: A.Name): Binding {
    return (n as { binding?: Binding }).binding ?? { kind: 'undefined', name: n.id };
  }

  /** The JS lvalue for a Name (not for class-body or member names). */
  private nameRef(n: A.Name): string {
    const b = this.binding(n);
    switch (b.kind) {
      case 'local': case 'free': case 'global': return b.sym.jsName;
      case 'class': return `${this.fc.ns}.$${n.id}`;
      case 'member': case 'this': return `${this.fc.self ?? '$this'}.$${n.id}`;
      default: return `$star.$${n.id}`;
    }
  }

  private builtinRef(name: string): string {
    return `$b.${name}`;
  }

  private load(n: A.Name): string {
    const b = this.binding(n);
    return this.loadBinding(b, n);
  }

  private loadBinding(b: Binding, n: A.Name): string {
    switch (b.kind) {
      case 'local': {
        if (this.defReads && b.sym.scope.kind === 'module') this.defReads.add(b.sym.name);
        if (this.fc.assigned.has(b.sym)) return b.sym.jsName;
        const scopeKind = b.sym.scope.kind;
        if (scopeKind === 'module') return `${this.h('checkBound')}(${b.sym.jsName}, ${JSON.stringify(n.id)})`;
        return `(${b.sym.jsName} === undefined ? ${this.h('unboundLocal')}(${JSON.stringify(n.id)}) : ${b.sym.jsName})`;
      }
      case 'free': case 'global': {
        this.noteRead(b.sym);
        if (b.sym.stable && this.fc.scope.kind !== 'module' && this.fc.scope.kind !== 'class') return b.sym.jsName;
        if (this.fc.assigned.has(b.sym)) return b.sym.jsName;
        return `${this.h('checkBound')}(${b.sym.jsName}, ${JSON.stringify(n.id)})`;
      }
      case 'class': return `(${JSON.stringify('$' + n.id)} in ${this.fc.ns} ? ${this.fc.ns}.$${n.id} : ${this.loadBinding(b.fallback, n)})`;
      case 'builtin':
        if (n.id === '__name__') return '$m.$__name__';
        if (n.id === '__file__') return '$m.$__file__';
        return this.builtinRef(n.id);
      case 'member': return this.attrLoadExpr(this.fc.self ?? '$this', n.id);
      case 'this': return this.fc.self ?? '$this';
      case 'dynamic': return `$rt.starLoad($star, ${JSON.stringify(n.id)}, $b)`;
      case 'undefined':
        if (this.repl) {
          // a later input may define it: look it up when this runs
          this.defReads?.add(n.id);
          for (const f of this.fnStack) if (!f.reads.includes(n.id)) f.reads.push(n.id);
          return `${this.h('checkBound')}($m.$${n.id}, ${JSON.stringify(n.id)})`;
        }
        return `${this.h('nameError')}(${JSON.stringify(n.id)})`;
    }
  }

  private noteRead(sym: Sym): void {
    if (sym.scope.kind !== 'module') return;
    this.defReads?.add(sym.name);
    for (const f of this.fnStack) if (!f.reads.includes(sym.name)) f.reads.push(sym.name);
  }

  private storeName(name: string, at: A.Range, value: string): string {
    const n: A.Name = { kind: 'Name', id: name, ...at } as A.Name;
    // resolve through the scope the statement is in
    let b: Binding | undefined;
    const scope = this.fc.scope;
    if (scope.kind === 'class') {
      const sym = scope.symbols.get(name);
      if (sym) b = { kind: 'class', sym, fallback: { kind: 'undefined', name } };
    }
    if (!b) {
      let s: Scope | null = scope;
      if (scope.globals.has(name)) s = scope.module;
      while (s && !s.symbols.has(name)) s = s.parent;
      const sym = s?.symbols.get(name);
      if (sym) b = sym.scope.kind === 'module' ? { kind: 'global', sym } : sym.scope === scope.functionScope ? { kind: 'local', sym } : { kind: 'free', sym };
    }
    if (!b) return `$star.$${name} = ${value}`;
    return this.storeBinding(b, n, value);
  }

  private storeBinding(b: Binding, n: A.Name, value: string): string {
    switch (b.kind) {
      case 'local': case 'free': case 'global':
        if (b.kind === 'local' || (b.kind === 'global' && this.fc.scope.kind === 'module')) this.fc.assigned.add(b.sym);
        return `${b.sym.jsName} = ${value}`;
      case 'class': return `${this.fc.ns}.$${n.id} = ${value}`;
      case 'member': case 'this': return `${this.fc.self ?? '$this'}.$${n.id} = ${value}`;
      default: return `$star.$${n.id} = ${value}`;
    }
  }

  /** An assignment of the JS expression `value` to a Python target. */
  private store(t: A.Expr, value: string, pad: string): string {
    switch (t.kind) {
      case 'Name': return this.storeBinding(this.binding(t), t, value);
      case 'Attribute': {
        const o = this.simpleOrTemp(t.value);
        return `${o.pre}${this.attrStore(o.ref, t.attr, value, this.isSelf(t.value))}`;
      }
      case 'Subscript': {
        if (this.inlineOps) {
          // a list and an int index in range: store in place, else the runtime's setitem
          let o = this.expr(t.value), k = this.expr(t.slice), pre = '';
          const kf = this.fact(t.slice), kFlag = this.operand(t.slice, k).flag;
          if (kf === 'i32' || kf === 'int' || kFlag) {
            const vt = this.temp();
            if (!isAtom(o)) { const x = this.temp(); pre += `${x} = ${o}, `; o = x; }
            if (!isAtom(k)) { const x = this.temp(); pre += `${x} = ${k}, `; k = x; }
            this.usedHelpers.add('isArray');
            return `(${pre}${vt} = ${value}, ${kFlag ? kFlag + ' && ' : ''}$isArray(${o}) && ${k} >= 0 && ${k} < ${o}.length ? ${o}[${k}] = ${vt} : ${this.h('setitem')}(${o}, ${k}, ${vt}))`;
          }
        }
        return `${this.h('setitem')}(${this.expr(t.value)}, ${this.expr(t.slice)}, ${value})`;
      }
      case 'Tuple': case 'List': {
        const star = t.elts.findIndex(e => e.kind === 'Starred');
        const tmp = this.temp();
        let out = `${tmp} = ${this.h('unpack')}(${value}, ${t.elts.length}${star >= 0 ? ', ' + star : ''})`;
        t.elts.forEach((e, i) => {
          const target = e.kind === 'Starred' ? e.value : e;
          out += `; ${this.store(target, `${tmp}[${i}]`, pad)}`;
        });
        return out;
      }
      case 'Starred': return this.store(t.value, value, pad);
      default: return `${this.h('raise')}(${this.builtinRef('SyntaxError')}("cannot assign to expression"))`;
    }
  }

  private isSelf(e: A.Expr): boolean {
    if (e.kind !== 'Name') return false;
    const b = this.binding(e);
    if (b.kind === 'this') return true;
    return (b.kind === 'local' || b.kind === 'free') && this.fc.self !== null && b.sym.jsName === this.fc.self;
  }

  private simpleOrTemp(e: A.Expr): { pre: string; ref: string } {
    const code = this.expr(e);
    if (isName(code)) return { pre: '', ref: code };
    const t = this.temp();
    return { pre: `${t} = ${code}, `, ref: t };
  }

  private attrStore(o: string, name: string, value: string, known: boolean): string {
    if (known) return `${o}.$${name} = ${value}`;
    return `(typeof ${o} === 'object' && ${o} !== null && !Array.isArray(${o}) ? ${o}.$${name} = ${value} : ${this.h('setattr')}(${o}, ${JSON.stringify(name)}, ${value}))`;
  }

  private attrLoadOf(o: string, name: string, v: string): string {
    return `(${v} = ${o}.$${name}, typeof ${v} === 'function' || ${v} === undefined ? ${this.h('attrLoad')}(${o}, ${JSON.stringify(name)}, ${v}) : ${v})`;
  }

  private attrLoadExpr(o: string, name: string): string {
    const v = this.temp();
    return this.attrLoadOf(o, name, v);
  }

  // --- expressions --------------------------------------------------------------------------

  /** A JS expression that is a JS boolean with the truth value of e. */
  private cond(e: A.Expr): string {
    switch (e.kind) {
      case 'Compare': return this.expr(e);
      case 'UnaryOp': if (e.op === 'not') return `!(${this.cond(e.operand)})`; break;
      case 'BoolOp': return e.values.map(v => `(${this.cond(v)})`).join(e.op === 'and' ? ' && ' : ' || ');
      case 'Const': if (e.value === true || e.value === false || e.value === null) return String(e.value === true); break;
      case 'Call':
        if (e.func.kind === 'Name' && (e.func.id === 'isinstance' || e.func.id === 'hasattr' || e.func.id === 'callable' || e.func.id === 'issubclass')) {
          const b = this.binding(e.func);
          if (b.kind === 'builtin') return this.expr(e);
        }
        break;
    }
    return `${this.h('truthy')}(${this.expr(e)})`;
  }

  expr(e: A.Expr): string {
    switch (e.kind) {
      case 'Name': return this.load(e);
      case 'IntLit':
        if (typeof e.value === 'bigint') return `${e.value}n`;
        return String(e.value);
      case 'FloatLit':
        if (Number.isInteger(e.value)) return this.constant(`new $rt.PyFloat(${e.value})`);
        return Number.isFinite(e.value) ? String(e.value) : 'Infinity';
      case 'ImagLit': return this.constant(`new $rt.PyComplex(0, ${Number.isFinite(e.value) ? e.value : 'Infinity'})`);
      case 'Str': return JSON.stringify(e.value);
      case 'Bytes': return this.constant(`$rt.bytes(${JSON.stringify(Array.from(e.value))})`);
      case 'Const':
        if (e.value === 'ellipsis') return '$rt.ELLIPSIS';
        return String(e.value);
      case 'JoinedStr': return this.joinedStr(e);
      case 'FormattedValue': return this.formatted(e);
      case 'List': return this.seqLiteral(e.elts, '[', ']');
      case 'Tuple': return `${this.h('tuple')}(${this.seqLiteral(e.elts, '[', ']')})`;
      case 'Set': return `${this.h('set')}(${this.seqLiteral(e.elts, '[', ']')})`;
      case 'Dict': return this.dictLiteral(e);
      case 'Starred': return `...${this.h('toArray')}(${this.expr(e.value)})`;
      case 'ListComp': case 'SetComp': case 'GeneratorExp': case 'DictComp': return this.comprehension(e);
      case 'BinOp': {
        const a = this.expr(e.left), b = this.expr(e.right);
        if (this.inlineOps && INLINE_ARITH.has(e.op)) return this.inlineBinop(e.op, this.operand(e.left, a), this.operand(e.right, b));
        return `${this.h(BINOP_FN[e.op]!.slice(1))}(${a}, ${b})`;
      }
      case 'UnaryOp':
        switch (e.op) {
          case 'not': return `!(${this.cond(e.operand)})`;
          case '-':
            if (e.operand.kind === 'IntLit' && typeof e.operand.value === 'number') return e.operand.value === 0 ? '0' : `-${e.operand.value}`;
            if (e.operand.kind === 'IntLit') return `-${e.operand.value}n`;
            if (e.operand.kind === 'FloatLit') {
              const v = e.operand.value;
              if (!Number.isInteger(v)) return `-${v}`;
              if (Number.isFinite(v)) return this.constant(`new $rt.PyFloat(-${v})`);
            }
            if (this.inlineOps) return this.inlineNeg(e.operand);
            return `${this.h('neg')}(${this.expr(e.operand)})`;
          case '+': return `${this.h('pos')}(${this.expr(e.operand)})`;
          case '~': return `${this.h('invert')}(${this.expr(e.operand)})`;
        }
        break;
      case 'BoolOp': {
        const t = this.temp();
        let out = this.expr(e.values[e.values.length - 1]!);
        for (let i = e.values.length - 2; i >= 0; i--) {
          const v = this.expr(e.values[i]!);
          out = e.op === 'and' ? `(${t} = ${v}, ${this.h('truthy')}(${t}) ? ${out} : ${t})` : `(${t} = ${v}, ${this.h('truthy')}(${t}) ? ${t} : ${out})`;
        }
        return out;
      }
      case 'Compare': return this.compare(e);
      case 'Call': return this.call(e);
      case 'Attribute': {
        const o = this.simpleOrTemp(e.value);
        const v = this.temp();
        return `(${o.pre}${this.attrLoadOf(o.ref, e.attr, v)})`;
      }
      case 'Subscript': {
        if (e.slice.kind === 'Slice') {
          const s = e.slice;
          return `${this.h('getitem')}(${this.expr(e.value)}, ${this.h('slice')}(${s.lower ? this.expr(s.lower) : 'null'}, ${s.upper ? this.expr(s.upper) : 'null'}, ${s.step ? this.expr(s.step) : 'null'}))`;
        }
        if (this.inlineOps) return this.inlineGetitem(e.value, e.slice);
        return `${this.h('getitem')}(${this.expr(e.value)}, ${this.expr(e.slice)})`;
      }
      case 'Slice':
        return `${this.h('slice')}(${e.lower ? this.expr(e.lower) : 'null'}, ${e.upper ? this.expr(e.upper) : 'null'}, ${e.step ? this.expr(e.step) : 'null'})`;
      case 'Lambda': case 'BraceLambda': {
        const scope = this.sc.scopes.get(e)!;
        return this.functionExpr(e, scope, e.params, e.kind === 'Lambda' ? e.body : e.body, null, this.qualName('<lambda>'), '<lambda>', null, null, e.line, e.endLine);
      }
      case 'IfExp': return `(${this.cond(e.test)} ? ${this.expr(e.body)} : ${this.expr(e.orelse)})`;
      case 'NamedExpr': {
        const b = this.binding(e.target);
        return `(${this.storeBinding(b, e.target, this.expr(e.value))})`;
      }
      case 'Yield': return `((yield ${e.value ? this.expr(e.value) : 'null'}) ?? null)`;
      case 'YieldFrom': return `(yield* ${this.h('yieldFrom')}(${this.expr(e.value)}))`;
      case 'ErrorExpr': return `${this.h('raise')}(${this.builtinRef('SyntaxError')}("invalid syntax"))`;
    }
    return 'undefined';
  }

  private joinedStr(e: A.JoinedStr, spec = false): string {
    if (e.parts.length === 0) return '""';
    // fmt() gives a str, so a concatenation of two or more parts needs no trailing + ""
    const code = '(' + e.parts.map(p => (typeof p === 'string' ? JSON.stringify(p) : this.formatted(p))).join(' + ') + (typeof e.parts[0] === 'string' || e.parts.length > 1 ? '' : ' + ""') + ')';
    // V8 keeps a concatenation as a rope: flatten the result of one (not of a format spec)
    return !spec && this.flattenFstr && e.parts.length > 1 ? `${this.h('fstr')}${code}` : code;
  }

  private formatted(f: A.FormattedValue): string {
    const conv = f.conversion === 'r' ? 1 : f.conversion === 's' ? 2 : f.conversion === 'a' ? 3 : 0;
    const spec = f.formatSpec ? this.joinedStr(f.formatSpec, true) : '""';
    const v = `${this.h('fmt')}(${this.expr(f.value)}, ${conv}, ${spec})`;
    return f.debugText !== null ? `${JSON.stringify(f.debugText)} + ${v}` : v;
  }

  private seqLiteral(elts: A.Expr[], open: string, close: string): string {
    return open + elts.map(x => this.expr(x)).join(', ') + close;
  }

  private dictLiteral(e: A.DictExpr): string {
    if (e.keys.every(k => k !== null)) {
      const parts: string[] = [];
      e.keys.forEach((k, i) => { parts.push(this.expr(k!), this.expr(e.values[i]!)); });
      return `${this.h('dict')}(${parts.join(', ')})`;
    }
    const t = this.temp();
    let out = `(${t} = ${this.h('dict')}()`;
    e.keys.forEach((k, i) => {
      if (k === null) out += `, ${this.h('dictSpread')}(${t}, ${this.expr(e.values[i]!)})`;
      else out += `, ${t}.set(${this.expr(k)}, ${this.expr(e.values[i]!)})`;
    });
    return out + `, ${t})`;
  }

  private compare(e: A.Compare): string {
    const one = (op: A.CmpOperator, a: string, b: string, bNode: A.Expr, aNode: A.Expr | null): string => {
      switch (op) {
        case 'in': return `${this.h('contains')}(${b}, ${a})`;
        case 'not in': return `!${this.h('contains')}(${b}, ${a})`;
        case 'is':
          if (isNone(bNode) || (aNode && isNone(aNode))) return `(${a} == null && ${b} == null)`.replace('(null == null && ', '(').replace(' && null == null)', ')');
          return `${this.h('is')}(${a}, ${b})`;
        case 'is not':
          if (isNone(bNode) || (aNode && isNone(aNode))) return `!(${a} == null && ${b} == null)`.replace('(null == null && ', '(').replace(' && null == null)', ')');
          return `!${this.h('is')}(${a}, ${b})`;
        default:
          if (this.inlineOps) return this.inlineBinop(op, this.operand(aNode, a), this.operand(bNode, b));
          return `${this.h(CMP_FN[op]!.slice(1))}(${a}, ${b})`;
      }
    };
    if (e.ops.length === 1) {
      const lenVs = this.lenVersus(e);
      if (lenVs) return lenVs;
      return one(e.ops[0]!, this.expr(e.left), this.expr(e.comparators[0]!), e.comparators[0]!, e.left);
    }
    const parts: string[] = [];
    let left = this.expr(e.left);
    let leftNode: A.Expr | null = e.left;
    // each middle operand goes to a temp before its comparison runs, so a left operand with
    // effects is evaluated into one first (Python's left-to-right order)
    if (!isAtom(left)) {
      const t = this.temp();
      parts.push(`((${t} = ${left}), true)`);
      left = t;
      leftNode = null;
    }
    e.ops.forEach((op, i) => {
      const node = e.comparators[i]!;
      let right = this.expr(node);
      if (i < e.ops.length - 1) {
        const t = this.temp();
        parts.push(`(${t} = ${right}, ${one(op, left, t, node, leftNode)})`);
        right = t;
      } else parts.push(one(op, left, right, node, leftNode));
      left = right;
      leftNode = null;
    });
    return `(${parts.join(' && ')})`;
  }

  /**
   * `len(x) < k` (any comparison, k an int literal): $lenVs decides a string's side of k from its
   * UTF-16 length when it can (a rope built by += is not scanned for surrogates on every test).
   */
  private lenVersus(e: A.Compare): string | null {
    const op = e.ops[0]!, l = e.left, k = e.comparators[0]!;
    if (!(op in CMP_FN) || l.kind !== 'Call' || l.func.kind !== 'Name' || l.func.id !== 'len' || l.args.length !== 1 ||
        l.keywords.length > 0 || l.args[0]!.kind === 'Starred' || this.binding(l.func).kind !== 'builtin') return null;
    if (k.kind !== 'IntLit' || typeof k.value !== 'number' || !Number.isSafeInteger(k.value)) return null;
    const jsOp = op === '==' ? '===' : op === '!=' ? '!==' : op;
    return `(${this.mark(l)}${this.h('lenVs')}(${this.expr(l.args[0]!)}, ${k.value}) ${jsOp} ${k.value})`;
  }

  /**
   * Arguments that a call's two branches (the plain JS call and the runtime's) can both name:
   * each that is not an atom is evaluated once, in order, into a temp. Writing an argument's code
   * into both branches doubled it at every nesting level (f(g(h(x))) grew as 2**depth).
   */
  private shareArgs(args: string[]): { pre: string; refs: string[] } {
    let pre = '';
    const refs = args.map(a => {
      if (isAtom(a)) return a;
      const t = this.temp();
      pre += `${t} = ${a}, `;
      return t;
    });
    return { pre, refs };
  }

  /** Calls f (a JS expression) with positional JS argument expressions. */
  private callValue(f: string, args: string[]): string {
    if (args.every(isAtom)) {
      if (isPath(f)) return `(typeof ${f} === 'function' ? ${f}(${args.join(', ')}) : ${this.h('call')}(${f}, [${args.join(', ')}]))`;
      const t = this.temp();
      return `(${t} = ${f}, typeof ${t} === 'function' ? ${t}(${args.join(', ')}) : ${this.h('call')}(${t}, [${args.join(', ')}]))`;
    }
    // the callee is read before the arguments are evaluated (they might rebind its name)
    const t = this.temp();
    const { pre, refs } = this.shareArgs(args);
    return `(${t} = ${f}, ${pre}typeof ${t} === 'function' ? ${t}(${refs.join(', ')}) : ${this.h('call')}(${t}, [${refs.join(', ')}]))`;
  }

  /**
   * `C(args)` for a name bound only by `class` ('quickjs'): where the class takes the common
   * construction path (see makeClass: a compiled __init__, no __new__, no attribute hooks), the
   * instance is allocated and __init__'s raw function called in place, without the class
   * function's rest array, apply and this-adapter (about a third of a small construction's cost
   * in QuickJS); any other class, or a decorator's result, is called as before, and the name
   * before its class statement has run raises NameError. The arguments are evaluated once, in order, before either
   * branch: names stay in place only when no argument is a call or other expression that could
   * rebind them (C(x, g()) where g sets the global x passes x's old value).
   */
  private newInstance(f: string, args: string[]): string {
    let pre = '';
    const isName = (a: string) => /^[A-Za-z_$][\w$]*$/.test(a), isNumber = (a: string) => /^-?\d+(?:\.\d+)?$/.test(a);
    const inPlace = args.every(a => isName(a) || isNumber(a));
    const as = args.map(a => {
      if (isNumber(a) || (inPlace && isName(a))) return a;
      const t = this.temp();
      pre += `${t} = ${a}, `;
      return t;
    });
    const init = this.temp(), o = this.temp(), r = this.temp();
    const rest = as.map(a => ', ' + a).join('');
    // (undefined: the class statement has not run yet, a NameError as in Python; no extra test)
    return `(${pre}${f} === undefined ? $rt.nameError(${JSON.stringify(f.replace(/\$.*$/, ''))}) : (${init} = ${f}.rawInit) != null ? (${o} = new ${f}.Inst(), (${r} = ${init}(${o}${rest})) == null ? ${o} : ${this.h('initResult')}(${r})) : ${f}(${as.join(', ')}))`;
  }

  private call(e: A.Call): string {
    const m = this.mark(e);
    const hasStar = e.args.some(a => a.kind === 'Starred');
    const hasKw = e.keywords.length > 0;
    // sum/any/all of one generator expression: the loop in place (see comprehension)
    if (!hasKw && e.args.length === 1 && e.args[0]!.kind === 'GeneratorExp' && e.func.kind === 'Name' &&
        (e.func.id === 'sum' || e.func.id === 'any' || e.func.id === 'all') && this.binding(e.func).kind === 'builtin') {
      return `${m}${this.comprehension(e.args[0] as A.GeneratorExp, e.func.id)}`;
    }
    const args = e.args.map(a => this.expr(a));
    // zero-argument super()
    if (e.func.kind === 'Name' && e.func.id === 'super' && e.args.length === 0 && !hasKw && this.binding(e.func).kind === 'builtin') {
      return `${m}${this.h('superOf')}(${this.fc.classCell ?? 'undefined'}, ${this.fc.self ?? this.fc.firstParam ?? 'undefined'})`;
    }
    let kwNames = '', kwValues = '', kwPre = '';
    if (hasKw) {
      const names: string[] = [], values: string[] = [];
      const spreads: string[] = [];
      for (const k of e.keywords) {
        if (k.arg === null) spreads.push(this.expr(k.value));
        else { names.push(JSON.stringify(k.arg)); values.push(this.expr(k.value)); }
      }
      if (spreads.length) {
        const tn = this.temp(), tv = this.temp();
        kwPre = `${tn} = [${names.join(', ')}], ${tv} = [${values.join(', ')}], ${spreads.map(s => `${this.h('kwSpread')}(${tn}, ${tv}, ${s})`).join(', ')}, `;
        kwNames = tn; kwValues = tv;
      } else { kwNames = `[${names.join(', ')}]`; kwValues = `[${values.join(', ')}]`; }
    }
    let argList = `[${args.join(', ')}]`;
    // a ** spread makes the keywords a prefix: the positional arguments go before it (Python's
    // order), and so does the callee below
    const spreadPre = kwPre !== '';
    if (spreadPre && e.args.length) { const ta = this.temp(); kwPre = `${ta} = ${argList}, ${kwPre}`; argList = ta; }
    // method call o.m(...)
    if (e.func.kind === 'Attribute') {
      const o = this.simpleOrTemp(e.func.value);
      const name = e.func.attr;
      if (hasKw) return `${m}(${o.pre}${kwPre}${this.h('callAttrKw')}(${o.ref}, ${JSON.stringify(name)}, ${argList}, ${kwNames}, ${kwValues}))`;
      if (hasStar) return `${m}(${o.pre}${this.h('callAttr')}(${o.ref}, ${JSON.stringify(name)}, ${argList}))`;
      if (args.every(isAtom)) return `${m}(${o.pre}typeof ${o.ref}.$${name} === 'function' ? ${o.ref}.$${name}(${args.join(', ')}) : ${this.h('callAttr')}(${o.ref}, ${JSON.stringify(name)}, ${argList}))`;
      // the object and its method are read before the arguments are evaluated, as Python does
      // (an argument might rebind the name of the object or the attribute)
      const ot = o.pre ? o.ref : this.temp(), mt = this.temp();
      const { pre, refs } = this.shareArgs(args);
      const oPre = o.pre || `${ot} = ${o.ref}, `;
      return `${m}(${oPre}${mt} = ${ot}.$${name}, ${pre}typeof ${mt} === 'function' ? ${mt}.call(${ot}${refs.map(r => ', ' + r).join('')}) : ${this.h('callAttr')}(${ot}, ${JSON.stringify(name)}, [${refs.join(', ')}]))`;
    }
    const f = this.expr(e.func);
    if (hasKw) {
      if (spreadPre && !isAtom(f)) { const tf = this.temp(); return `${m}(${tf} = ${f}, ${kwPre}${this.h('callKw')}(${tf}, ${argList}, ${kwNames}, ${kwValues}))`; }
      return `${m}(${kwPre}${this.h('callKw')}(${f}, ${argList}, ${kwNames}, ${kwValues}))`;
    }
    if (hasStar) return `${m}${this.h('call')}(${f}, ${argList})`;
    // builtins and functions bound only by def/class are always JS functions: call directly
    if (e.func.kind === 'Name') {
      const b = this.binding(e.func);
      if (b.kind === 'builtin' && !/^__/.test(e.func.id)) return `${m}${f}(${args.join(', ')})`;
      if ((b.kind === 'global' || b.kind === 'free' || b.kind === 'local') && b.sym.stable && !b.sym.bindings.has('import') && !b.sym.bindings.has('param') && f === b.sym.jsName && !b.sym.decorated) {
        if (this.sentinelArgs && b.sym.bindings.size === 1 && b.sym.bindings.has('class')) return m + this.newInstance(f, args);
        const twin = this.twinBySym.get(b.sym);
        if (twin !== undefined && twin.arity === args.length) return `${m}${twin.name}(${args.join(', ')})`;
        return `${m}${f}(${args.join(', ')})`;
      }
    }
    return m + this.callValue(f, args);
  }

  // --- inline operator fast paths (the 'quickjs' target) ---------------------------------------
  //
  // QuickJS interprets: a call into the runtime costs about as much as a dozen simple operations,
  // and `typeof x === 'number'` about as much as a call (the string comparison is not a fast
  // path), while `(x | 0) === x`, int32 arithmetic and comparisons, `x === undefined` and a
  // boolean local are nearly free. So the inline code tests what it cannot know, once, and reuses
  // what it knows: literals, locals that only a counted range loop assigns (safe integers), and
  // parameters never reassigned, whose int32-ness a flag computed on entry records.

  /** What is known about the JS value e evaluates to (see Fact). */
  private fact(e: A.Expr): Fact {
    switch (e.kind) {
      case 'IntLit': return typeof e.value === 'bigint' ? 'other' : (e.value | 0) === e.value ? 'i32' : 'int';
      case 'FloatLit': return Number.isInteger(e.value) ? 'fbox' : 'float';
      case 'UnaryOp':
        if (e.op === '-' && (e.operand.kind === 'IntLit' || e.operand.kind === 'FloatLit')) {
          const f = this.fact(e.operand);
          return f === 'i32' && e.operand.value === -2147483648 ? 'int' : f;
        }
        return null;
      case 'BinOp': {
        // an int modulo / floor-divided by a positive int32 literal: an int32 / a safe int
        const d = e.right;
        if ((e.op === '%' || e.op === '//') && d.kind === 'IntLit' && typeof d.value === 'number' && d.value > 0 && (d.value | 0) === d.value) {
          const f = this.fact(e.left);
          if (f === 'i32' || f === 'int') return e.op === '%' ? 'i32' : f;
        }
        return null;
      }
      case 'Str': case 'JoinedStr': return 'str';
      case 'List': case 'Tuple': case 'Dict': case 'Set': case 'ListComp': case 'SetComp': case 'DictComp': case 'GeneratorExp':
      case 'Bytes': case 'ImagLit': case 'Lambda': case 'BraceLambda':
        return 'other';
      case 'Const': return 'other'; // None, True, False, ...: never a JS number
      case 'Name': {
        const b = this.binding(e);
        if (b.kind === 'local' && this.rangeVars.has(b.sym)) return 'int';
        return null;
      }
    }
    return null;
  }

  /** Locals assigned only by one counted range loop (they always hold a safe-integer number). */
  private rangeVars = new Set<Sym>();

  /** The operand an expression's generated code stands for, with what is known about it. */
  private operand(e: A.Expr | null, code: string): Opnd {
    const fact = e ? this.fact(e) : null;
    let flag: string | null = null;
    if (e && e.kind === 'Name' && fact === null) {
      const b = this.binding(e);
      if (b.kind === 'local') flag = this.fc.flags.get(b.sym) ?? null;
    }
    // an integral float literal is a PyFloat constant: its number is what the operator uses
    const num = fact === 'fbox' && e ? String(e.kind === 'UnaryOp' ? -(e.operand as A.FloatLit).value : (e as A.FloatLit).value) : null;
    return { code, fact, flag, num: num === '0' && e && e.kind === 'UnaryOp' ? '-0' : num };
  }

  /**
   * `a op b` with the operator's fast path for JS numbers inline and the runtime call as the
   * fallback. The inline code gives exactly what the runtime function gives: it takes the fast
   * path only where that function's own fast path returns the same value (ints that stay safe
   * integers, raw non-integral floats, comparisons of numbers), and calls it otherwise.
   */
  private inlineBinop(op: string, x: Opnd, y: Opnd, fallback?: (a: string, b: string) => string): string {
    const fname = ((BINOP_FN as Record<string, string>)[op] ?? CMP_FN[op])!.slice(1);
    let a = x.code, b = y.code;
    const call = () => (fallback ?? ((p: string, q: string) => `${this.h(fname)}(${p}, ${q})`))(a, b);
    /** The runtime call where both operands are known to be numbers (a fallback's other tests cannot pass). */
    const numCall = () => `${this.h(fname)}(${a}, ${b})`;
    if (x.fact === 'other' || y.fact === 'other' || (x.fact === 'fbox' && y.fact === 'fbox')) return call();
    // operands are evaluated once, in order: anything but a name or literal goes to a temp, and
    // so does a name followed by an expression that might change it
    let pre = '';
    const bAtom = isAtom(b);
    if (!isAtom(a) || (!bAtom && isName(a))) { const t = this.temp(); pre += `${t} = ${a}, `; a = t; }
    if (!bAtom) { const t = this.temp(); pre += `${t} = ${b}, `; b = t; }
    const wrap = (code: string) => (pre ? `(${pre}${code})` : `(${code})`);
    const known = (f: Fact) => f === 'i32' || f === 'int' || f === 'float';
    /** JS-number tests for the operands ('' when known). */
    const numTest = (o: Opnd, v: string) => (known(o.fact) || o.fact === 'fbox' ? '' : o.flag ? `(${o.flag} || typeof ${v} === 'number')` : `typeof ${v} === 'number'`);
    // `x * x` tests x once
    const num = a === b ? numTest(x, a) : and(numTest(x, a), numTest(y, b));
    /** int32 tests for an operand known to be a number ('' when known; null when it cannot pass). */
    const i32 = (o: Opnd, v: string): string | null => (o.fact === 'i32' ? '' : o.fact === 'float' || o.fact === 'fbox' ? null : o.fact === 'int' ? `(${v} | 0) === ${v}` : o.flag ?? `(${v} | 0) === ${v}`);
    const ifNum = (fast: string) => wrap(num ? `${num} ? ${fast} : ${call()}` : fast);

    // strings: `==` with a string literal, `+` with a string on either side
    if (x.fact === 'str' || y.fact === 'str') {
      if (op === '==') return wrap(`${a} === ${b}`); // eq(): identical, else unequal when either is a str
      if (op === '!=' && x.fact === 'str') return wrap(`${a} !== ${b}`); // ne() of a str is !eq()
      if (op === '+') {
        if (x.fact === 'str' && y.fact === 'str') return wrap(`${a} + ${b}`);
        const other = x.fact === 'str' ? b : a;
        return wrap(`typeof ${other} === 'string' ? ${a} + ${b} : ${call()}`);
      }
      return wrap(call());
    }
    // a boxed integral float literal: its number takes part (the result is a float)
    const an = x.num ?? a, bn = y.num ?? b;

    switch (op) {
      case '<': case '<=': case '>': case '>=':
        return ifNum(`${an} ${op} ${bn}`);
      case '==': case '!=':
        return ifNum(`${an} ${op === '==' ? '===' : '!=='} ${bn}`);
      case '+': case '-': case '*': {
        const r = this.temp();
        // a float result is raw when it is not integral; an integral one (from floats or large
        // ints) is the runtime's to box or to make a bigint
        // an integral result of two ints inside the safe range is that int (the sum of two
        // large ints, say, past what the int32 test below lets through)
        const isIntOf = (o: Opnd, v: string) => (o.fact === 'i32' || o.fact === 'int' ? '' : o.fact === 'float' || o.fact === 'fbox' ? null : `$isInt(${v})`);
        const ia = isIntOf(x, a), ib = isIntOf(y, b);
        const intTests = ia === null || ib === null ? null : a === b ? ia : and(ia, ib);
        const inRange = !this.safeByCall ? `${r} <= ${MAX_SAFE} && ${r} >= -${MAX_SAFE}` : `${this.h('isSafe')}(${r})`;
        const safe = intTests === null ? numCall() : `${and(inRange, intTests)} ? ${r} + 0 : ${numCall()}`;
        const floatCase = `!$isInt(${r} = ${an} ${op} ${bn}) ? ${r} : ${safe}`;
        this.usedHelpers.add('isInt');
        let ta = i32(x, a), tb = i32(y, b);
        // int32 operands keep a sum or difference exact and safe; a product needs operands
        // below 2**26 (then +0 turns -0 from 0 * -n into 0)
        if (op === '*') {
          const small = (o: Opnd, v: string): string | null => (o.fact === 'i32' ? (Math.abs(Number(v)) < 2 ** 26 ? '' : null)
            : o.fact === 'float' || o.fact === 'fbox' ? null : `${o.flag ? o.flag + ' && ' : ''}(${v} << 5 >> 5) === ${v}`);
          ta = small(x, a); tb = small(y, b);
        }
        if (a === b && tb !== null) tb = ''; // x op x tests x once
        if (ta === null || tb === null) return ifNum(floatCase);
        const intTest = and(ta, tb);
        const intCase = op === '*' ? `${a} * ${b} + 0` : `${a} ${op} ${b}`;
        return ifNum(intTest ? `${intTest} ? ${intCase} : ${floatCase}` : intCase);
      }
      case '/': {
        const r = this.temp();
        this.usedHelpers.add('isInt');
        const nonZero = /^-?\d/.test(bn) && Number(bn) !== 0 ? '' : `${bn} !== 0`;
        return ifNum(`${nonZero ? nonZero + ' && ' : ''}!$isInt(${r} = ${an} / ${bn}) ? ${r} : ${numCall()}`);
      }
      case '//': case '%': {
        // an int dividend and a positive int32 literal divisor: exact in doubles (|a - r| <= |a|)
        if (y.fact !== 'i32' || !/^\d+$/.test(b) || b === '0' || x.num !== null || x.fact === 'float') return wrap(call());
        const r = this.temp();
        const test = x.fact === 'i32' || x.fact === 'int' ? '' : x.flag ? `${x.flag} || typeof ${a} === 'number' && (${a} | 0) === ${a}` : `typeof ${a} === 'number' && (${a} | 0) === ${a}`;
        const fast = op === '%'
          ? `(${r} = ${a} % ${b}) < 0 ? ${r} + ${b} : ${r} + 0`
          : `(${r} = ${a} % ${b}) < 0 ? (${a} - ${r}) / ${b} - 1 : (${a} - ${r}) / ${b}`;
        if (test && this.wideMod) {
          // ('quickjs') any int dividend, not only an int32 one: the remainder of a number is an
          // int32 exactly when the number is an int (a raw float's is fractional, NaN's is NaN)
          const num = x.flag ? `(${x.flag} || typeof ${a} === 'number')` : `typeof ${a} === 'number'`;
          const rest = op === '%' ? `${r} < 0 ? ${r} + ${b} : ${r} + 0` : `${r} < 0 ? (${a} - ${r}) / ${b} - 1 : (${a} - ${r}) / ${b}`;
          return wrap(`${num} && ((${r} = ${a} % ${b}) | 0) === ${r} ? (${rest}) : ${call()}`);
        }
        return wrap(test ? `${test} ? (${fast}) : ${call()}` : fast);
      }
    }
    return wrap(call());
  }

  /** `-x`: a nonzero number negates exactly (ints stay safe, floats stay non-integral). */
  private inlineNeg(e: A.Expr): string {
    let v = this.expr(e), pre = '';
    if (!isAtom(v)) { const t = this.temp(); pre = `${t} = ${v}, `; v = t; }
    const o = this.operand(e, v);
    if (o.fact === 'other' || o.fact === 'str' || o.fact === 'fbox') return `${this.h('neg')}(${pre ? `(${pre}${v})` : v})`;
    const test = o.fact ? '' : `${o.flag ? o.flag + ' || ' : ''}typeof ${v} === 'number'`;
    return `(${pre}${test ? test + ' && ' : ''}${v} !== 0 ? - ${v} : ${this.h('neg')}(${v}))`;
  }

  /** `o[k]` for a list and an int index: the element when it exists, else the runtime's getitem. */
  private inlineGetitem(oe: A.Expr, ke: A.Expr): string {
    let o = this.expr(oe), k = this.expr(ke), pre = '';
    const kf = this.fact(ke);
    const kFlag = this.operand(ke, k).flag;
    if (kf !== 'i32' && kf !== 'int' && !kFlag) return `${this.h('getitem')}(${o}, ${k})`;
    if (!isAtom(o) || (!isAtom(k) && isName(o))) { const t = this.temp(); pre += `${t} = ${o}, `; o = t; }
    if (!isAtom(k)) { const t = this.temp(); pre += `${t} = ${k}, `; k = t; }
    const r = this.temp();
    this.usedHelpers.add('isArray');
    // a negative or out-of-range index reads undefined (lists hold no undefined): the runtime decides
    return `(${pre}${kFlag ? kFlag + ' && ' : ''}$isArray(${o}) && (${r} = ${o}[${k}]) !== undefined ? ${r} : ${this.h('getitem')}(${o}, ${k}))`;
  }

  /**
   * A comprehension. With `reduce`, a generator expression that is the only argument of the
   * builtin sum/any/all: the builtin's loop runs in place over the clauses, with no generator
   * resumed per item (the builtin consumes it at once, so nothing else can observe the order).
   */
  private comprehension(e: A.ListComp | A.SetComp | A.GeneratorExp | A.DictComp, reduce?: 'sum' | 'any' | 'all'): string {
    const scope = this.sc.scopes.get(e)!;
    const parent = this.fc;
    const info = parent.info;
    const isGen = e.kind === 'GeneratorExp' && !reduce;
    this.fc = { ...this.newCtx(scope, parent.self, parent.classCell, info), isGenerator: isGen };
    const first = this.id('it');
    const r = '$r';
    // comprehension targets are always bound before the element is evaluated
    for (const sym of scope.symbols.values()) this.fc.assigned.add(sym);
    // `for i in range(...)` clauses become counted loops (the first one's range is made outside,
    // as Python evaluates the first iterable eagerly); a name only such a clause assigns is an int
    const counted = e.generators.map((g, i) => {
      if (!this.isBuiltinRange(g.iter)) return false;
      if (g.target.kind === 'Name') {
        const b = this.binding(g.target);
        if (b.kind === 'local' && b.sym.scope === scope && b.sym.defs.length === 1) this.rangeVars.add(b.sym);
      }
      return i === 0 || this.rangeCall(g.iter) !== null;
    });
    let inner: string;
    if (e.kind === 'ListComp') inner = `${r}.push(${this.expr(e.elt)});`;
    else if (e.kind === 'SetComp') inner = `${r}.add(${this.expr(e.elt)});`;
    else if (e.kind === 'DictComp') inner = `${r}.set(${this.expr(e.key)}, ${this.expr(e.value)});`;
    else if (reduce === 'sum') {
      const v = this.expr(e.elt);
      inner = `${r} = ${this.inlineBinop('+', this.operand(null, r), this.operand(e.elt, v))};`;
    } else if (reduce === 'any') inner = `if (${this.cond(e.elt)}) return true;`;
    else if (reduce === 'all') inner = `if (!(${this.cond(e.elt)})) return false;`;
    else inner = `yield ${this.expr(e.elt)};`;
    for (let i = e.generators.length - 1; i >= 0; i--) {
      const g = e.generators[i]!;
      const v = this.id('v');
      const conds = g.ifs.map(c => this.cond(c));
      const body = conds.length ? `if (${conds.map(c => `(${c})`).join(' && ')}) { ${inner} }` : inner;
      let head: string;
      if (counted[i] && i === 0) {
        const en = this.id('e'), st = this.id('s');
        // (a range past 2**53 that shows only at run time: OverflowError, as rangeArg raises)
        head = `for (${this.varKw} ${v} = ${first}.big ? ${this.h('rangeArg')}(${first}.start) : ${first}.start, ${en} = ${first}.stop, ${st} = ${first}.step; ${st} > 0 ? ${v} < ${en} : ${v} > ${en}; ${v} += ${st})`;
      } else if (counted[i]) {
        const [start, stop, step] = this.rangeCall(g.iter)!;
        const en = this.id('e'), st = this.id('s');
        head = step === null || /^\d+$/.test(step)
          ? `for (${this.varKw} ${v} = ${start}, ${en} = ${stop}; ${v} < ${en}; ${v} += ${step ?? 1})`
          : `for (${this.varKw} ${v} = ${start}, ${en} = ${stop}, ${st} = ${step}; ${st} > 0 ? ${v} < ${en} : (${st} === 0 ? ${this.h('raise')}(${this.builtinRef('ValueError')}("range() arg 3 must not be zero")) : ${v} > ${en}); ${v} += ${st})`;
      } else head = `for (const ${v} of ${i === 0 ? first : `${this.h('iter')}(${this.expr(g.iter)})`})`;
      inner = `${head} { ${this.store(g.target, v, '')}; ${body} }`;
    }
    const locals = [...scope.symbols.values()].map(s => s.jsName);
    for (let i = 0; i < this.fc.maxTemps; i++) locals.push(`$t${i}`);
    const decl = locals.length ? `${this.varKw} ${locals.join(', ')}; ` : '';
    this.fc = parent;
    const src = counted[0] ? this.expr(e.generators[0]!.iter) : `${this.h('iter')}(${this.expr(e.generators[0]!.iter)})`;
    switch (e.kind) {
      case 'ListComp': return `((${first}) => { ${decl}const ${r} = []; ${inner} return ${r}; })(${src})`;
      case 'SetComp': return `((${first}) => { ${decl}const ${r} = $rt.set([]); ${inner} return ${r}; })(${src})`;
      case 'DictComp': return `((${first}) => { ${decl}const ${r} = ${this.h('dict')}(); ${inner} return ${r}; })(${src})`;
      default:
        if (reduce === 'sum') return `((${first}) => { ${decl}let ${r} = 0; ${inner} return ${r}; })(${src})`;
        if (reduce) return `((${first}) => { ${decl}${inner} return ${reduce === 'all'}; })(${src})`; return `(function* (${first}) { ${decl}${inner} })(${src})`;
    }
  }
}

/**
 * Whether e is an int computed from literals alone (2**60, -(10**18), 1 << 70) whose value is
 * past the safe range: a range bound that can never be a counted loop's number.
 */
function bigConst(e: A.Expr): boolean {
  const v = constInt(e, 0);
  return v !== null && (v > 9007199254740991n || v < -9007199254740991n);
}

function constInt(e: A.Expr, depth: number): bigint | null {
  if (depth > 32) return null;
  if (e.kind === 'IntLit') return BigInt(e.value);
  if (e.kind === 'UnaryOp' && (e.op === '-' || e.op === '+')) {
    const x = constInt(e.operand, depth + 1);
    return x === null ? null : e.op === '-' ? -x : x;
  }
  if (e.kind !== 'BinOp') return null;
  const a = constInt(e.left, depth + 1), b = constInt(e.right, depth + 1);
  if (a === null || b === null) return null;
  switch (e.op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    // (bounded: a constant the size of memory is left to run time)
    case '**': return b >= 0n && BigInt((a < 0n ? -a : a).toString(2).length) * b <= 65536n ? a ** b : null;
    case '<<': return b >= 0n && b <= 65536n ? a << b : null;
    default: return null;
  }
}

/** What scope analysis resolved a node to (it sets `binding` on each Name it resolves). */
function bindingOf(n: A.Node): Binding | undefined { return (n as { binding?: Binding }).binding; }

function isNone(e: A.Expr): boolean { return e.kind === 'Const' && e.value === null; }
