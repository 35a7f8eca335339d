// The parser: recursive descent over the lexer's tokens (operator precedence by levels), building
// ast.ts nodes with exact ranges. A statement that fails to parse becomes an ErrorStmt plus one
// diagnostic, and parsing resumes on the next line, so one typo never hides the rest of a file.
import type * as A from './ast.js';
import { diag, LineMap, type Diagnostic } from './diagnostics.js';

import { tokenize, tok, type Tok, type TT, type StrPart as StrTok } from './lexer.js';

const KEYWORDS = new Set(['False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del',
  'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass',
  'raise', 'return', 'try', 'while', 'with', 'yield']);

class SyntaxErr extends Error { constructor(readonly at: { s: number; e: number }, msg: string) { super(msg); } }

const AUG = new Set(['+=', '-=', '*=', '/=', '//=', '%=', '**=', '>>=', '<<=', '&=', '|=', '^=', '@=']);
const CMP = new Set(['<', '>', '==', '>=', '<=', '!=']);

export function parse(source: string, path = '<string>'): { module: A.Module; diagnostics: Diagnostic[] } {
  const diags: Diagnostic[] = [];
  const lines = new LineMap(source);
  let toks: Tok[];
  try { toks = tokenize(source, diags, lines); } catch (e) {
    diags.push(diag('error', 'syntax', `internal lexer error: ${(e as Error).message}`, lines.range(0, 0)));
    toks = [tok('eof', '', source.length, source.length)];
  }
  const p = new Parser(source, toks, diags, lines);
  const lexErrors = diags.length;
  const body = p.module();
  if (diags.slice(0, lexErrors).some(d => d.message.endsWith('was never closed'))) {
    // the parser's complaints at the end of the file are the same unclosed bracket
    for (let i = diags.length - 1; i >= lexErrors; i--) if (diags[i]!.start >= source.length - 1) diags.splice(i, 1);
  }
  const r = lines.range(0, source.length);
  const docstring = body[0]?.kind === 'ExprStmt' && body[0].value.kind === 'Str' ? body[0].value.value : null;
  void path;
  return { module: { kind: 'Module', body, docstring, ...r }, diagnostics: diags };
}

class Parser {
  private p = 0;
  private depth = 0;
  constructor(private src: string, private toks: Tok[], private diags: Diagnostic[], private lines: LineMap) {}

  private get tok(): Tok { return this.toks[this.p]!; }
  private tt(): TT { return this.toks[this.p]!.t; }
  private peek(k = 1): Tok { return this.toks[Math.min(this.p + k, this.toks.length - 1)]!; }
  private isOp(v: string): boolean { const t = this.tok; return t.t === 'op' && t.v === v; }
  private isKw(v: string): boolean { const t = this.tok; return t.t === 'name' && t.v === v; }
  private lastReal: Tok | null = null;
  private next(): Tok {
    const t = this.tok;
    if (t.t !== 'eof') this.p++;
    if (t.t !== 'newline' && t.t !== 'indent' && t.t !== 'dedent' && t.t !== 'eof') this.lastReal = t;
    return t;
  }
  private range(s: number, e: number): A.Range { return this.lines.range(s, e); }
  private node<T extends A.NodeBase>(kind: T['kind'], s: number, e: number, props: Omit<T, keyof A.NodeBase>): T {
    const o = props as unknown as A.NodeBase;
    const lm = this.lines;
    const a = lm.lineIndex(s), b = lm.lineIndex(e);
    o.kind = kind; o.start = s; o.end = e;
    o.line = a + 1; o.col = s - lm.lineStart(a); o.endLine = b + 1; o.endCol = e - lm.lineStart(b);
    return o as T;
  }
  private fail(msg: string, t: Tok = this.tok): never {
    throw new SyntaxErr({ s: t.s, e: Math.max(t.e, t.s + (t.t === 'newline' || t.t === 'eof' ? 0 : 1)) }, msg);
  }
  private expectOp(v: string, what?: string): Tok {
    if (!this.isOp(v)) this.fail(what ?? `expected '${v}'${this.tok.t === 'eof' ? ' before end of file' : this.tok.t === 'newline' ? ' before end of line' : `, found '${this.tok.v}'`}`);
    return this.next();
  }
  private expectKw(v: string): Tok {
    if (!this.isKw(v)) this.fail(`expected '${v}'`);
    return this.next();
  }
  private name(what = 'a name'): Tok {
    const t = this.tok;
    if (t.t !== 'name' || KEYWORDS.has(t.v)) this.fail(`expected ${what}${t.t === 'name' ? `, found keyword '${t.v}'` : ''}`);
    return this.next();
  }
  /** The last consumed token that is not layout (node ends never include NEWLINE/DEDENT). */
  private get last(): Tok { return this.lastReal ?? this.tok; }

  module(): A.Stmt[] {
    const body: A.Stmt[] = [];
    while (this.tok.t !== 'eof') {
      if (this.tok.t === 'newline') { this.next(); continue; }
      if (this.tok.t === 'indent') {
        this.diags.push(diag('error', 'indentation', 'unexpected indent', this.range(this.tok.s, this.tok.s + 1)));
        this.skipBlock();
        continue;
      }
      if (this.tok.t === 'dedent') { this.next(); continue; }
      body.push(...this.statement());
    }
    return body;
  }

  private skipBlock(): void {
    let depth = 0;
    do {
      const t = this.next();
      if (t.t === 'indent') depth++;
      else if (t.t === 'dedent') depth--;
    } while (depth > 0 && this.tok.t !== 'eof');
  }

  /** One logical line (maybe several `;` statements) or a compound statement, with recovery. */
  private statement(): A.Stmt[] {
    const start = this.p;
    try {
      return this.stmt();
    } catch (e) {
      if (!(e instanceof SyntaxErr)) {
        if (e instanceof RangeError) {
          const t = this.toks[start]!;
          this.diags.push(diag('error', 'syntax', 'too deeply nested: the expression or block exceeds the parser\'s nesting limit', this.range(t.s, t.e)));
        } else throw e;
      } else this.diags.push(diag('error', 'syntax', e.message, this.range(e.at.s, e.at.e)));
      // resynchronise: skip to the end of this logical line (and a following indented block)
      const s = this.toks[start]!;
      while (this.tok.t !== 'newline' && this.tok.t !== 'eof') this.next();
      if (this.tok.t === 'newline') this.next();
      if (this.tt() === 'indent') this.skipBlock();
      this.depth = 0;
      return [this.node<A.ErrorStmt>('ErrorStmt', s.s, this.last.e, {})];
    }
  }

  private stmt(): A.Stmt[] {
    const t = this.tok;
    if (t.t === 'name') {
      switch (t.v) {
        case 'if': return [this.ifStmt()];
        case 'while': return [this.whileStmt()];
        case 'for': return [this.forStmt()];
        case 'try': return [this.tryStmt()];
        case 'with': return [this.withStmt()];
        case 'def': return [this.funcDef([])];
        case 'class': return [this.classDef([])];
        case 'async': {
          const s = this.next();
          this.diags.push(diag('error', 'unsupported', `'async' is not supported yet`, this.range(s.s, s.e)));
          const inner = this.stmt();
          return [this.node<A.Unsupported>('Unsupported', s.s, this.last.e, { construct: 'async' }), ...inner.slice(0, 0)];
        }
        case 'struct':
          if (this.peek().t === 'name' && this.peek(2).t === 'op' && this.peek(2).v === ':') return [this.unsupportedBlock('struct')];
          break;
        case 'match':
          if (this.looksLikeMatch()) return [this.unsupportedBlock('match')];
          break;
        case 'namespace':
          if (this.peek().t === 'name' && !KEYWORDS.has(this.peek().v)) return [this.namespaceStmt()];
          break;
      }
    }
    if (this.isOp('@')) return [this.decorated()];
    return this.simpleLine();
  }

  private looksLikeMatch(): boolean {
    // `match <expr>:` NEWLINE INDENT case ...
    let k = this.p + 1;
    let depth = 0;
    while (k < this.toks.length) {
      const t = this.toks[k]!;
      if (t.t === 'newline' || t.t === 'eof') return false;
      if (t.t === 'op' && '([{'.includes(t.v)) depth++;
      if (t.t === 'op' && ')]}'.includes(t.v)) depth--;
      if (depth === 0 && t.t === 'op' && t.v === ':') {
        const a = this.toks[k + 1], b = this.toks[k + 2], c = this.toks[k + 3];
        return k > this.p + 1 && !!a && a.t === 'newline' && !!b && b.t === 'indent' && !!c && c.t === 'name' && c.v === 'case';
      }
      if (depth === 0 && t.t === 'op' && (t.v === '=' || AUG.has(t.v))) return false;
      k++;
    }
    return false;
  }

  private unsupportedBlock(construct: string): A.Stmt {
    const s = this.tok;
    this.diags.push(diag('error', 'unsupported', `'${construct}' is not supported yet`, this.range(s.s, s.e)));
    while (this.tok.t !== 'newline' && this.tok.t !== 'eof') this.next();
    this.next();
    if (this.tt() === 'indent') this.skipBlock();
    return this.node<A.Unsupported>('Unsupported', s.s, this.last.e, { construct });
  }

  private simpleLine(): A.Stmt[] {
    const out: A.Stmt[] = [this.smallStmt()];
    while (this.isOp(';')) {
      this.next();
      if (this.tok.t === 'newline' || this.tok.t === 'eof' || this.isOp('}')) break;
      out.push(this.smallStmt());
    }
    if (this.tok.t === 'newline') this.next();
    else if (this.tok.t !== 'eof' && this.tok.t !== 'dedent' && !this.isOp('}')) this.fail(`invalid syntax: unexpected '${this.tok.v}'`);
    return out;
  }

  private smallStmt(): A.Stmt {
    const t = this.tok;
    if (t.t === 'name') {
      switch (t.v) {
        case 'pass': this.next(); return this.node<A.Pass>('Pass', t.s, t.e, {});
        case 'break': this.next(); return this.node<A.Break>('Break', t.s, t.e, {});
        case 'continue': this.next(); return this.node<A.Continue>('Continue', t.s, t.e, {});
        case 'return': {
          this.next();
          const value = this.atStmtEnd() ? null : this.testListStar();
          return this.node<A.Return>('Return', t.s, this.last.e, { value });
        }
        case 'raise': {
          this.next();
          let exc: A.Expr | null = null, cause: A.Expr | null = null;
          if (!this.atStmtEnd()) {
            exc = this.test();
            if (this.isKw('from')) { this.next(); cause = this.test(); }
          }
          return this.node<A.Raise>('Raise', t.s, this.last.e, { exc, cause });
        }
        case 'global': case 'nonlocal': {
          this.next();
          const names = [this.name().v];
          while (this.isOp(',')) { this.next(); names.push(this.name().v); }
          return t.v === 'global' ? this.node<A.Global>('Global', t.s, this.last.e, { names }) : this.node<A.Nonlocal>('Nonlocal', t.s, this.last.e, { names });
        }
        case 'del': {
          this.next();
          const targets = [this.expr()];
          while (this.isOp(',')) { this.next(); if (this.atStmtEnd()) break; targets.push(this.expr()); }
          for (const x of targets) this.checkTarget(x, 'delete');
          return this.node<A.Del>('Del', t.s, this.last.e, { targets });
        }
        case 'assert': {
          this.next();
          const test = this.test();
          let msg: A.Expr | null = null;
          if (this.isOp(',')) { this.next(); msg = this.test(); }
          return this.node<A.Assert>('Assert', t.s, this.last.e, { test, msg });
        }
        case 'import': return this.importStmt();
        case 'from': return this.fromImport();
        case 'const': case 'var':
          if (this.peek().t === 'name' && !KEYWORDS.has(this.peek().v) && (this.peek(2).t === 'op' && (this.peek(2).v === '=' || this.peek(2).v === '.'))) return this.nsAssign(t.v as 'const' | 'var');
          break;
      }
    }
    return this.exprStmt();
  }

  private atStmtEnd(): boolean {
    const t = this.tok;
    return t.t === 'newline' || t.t === 'eof' || (t.t === 'op' && (t.v === ';' || t.v === '}'));
  }

  private exprStmt(): A.Stmt {
    const s = this.tok.s;
    const first = this.testListStar(true);
    if (this.isOp('=')) {
      const targets: A.Expr[] = [first];
      let value: A.Expr = first;
      while (this.isOp('=')) {
        this.next();
        value = this.isKw('yield') ? this.yieldExpr() : this.testListStar(true);
        targets.push(value);
      }
      targets.pop();
      for (const x of targets) this.checkTarget(x, 'assign to');
      return this.node<A.Assign>('Assign', s, this.last.e, { targets, value });
    }
    if (this.tok.t === 'op' && AUG.has(this.tok.v)) {
      const op = this.next().v.slice(0, -1) as A.BinOperator;
      if (first.kind !== 'Name' && first.kind !== 'Attribute' && first.kind !== 'Subscript') this.failAt(first, `'${describe(first)}' is an illegal expression for augmented assignment`);
      const value = this.isKw('yield') ? this.yieldExpr() : this.testList();
      return this.node<A.AugAssign>('AugAssign', s, this.last.e, { target: first, op, value });
    }
    if (this.isOp(':') ) {
      this.next();
      if (first.kind !== 'Name' && first.kind !== 'Attribute' && first.kind !== 'Subscript') this.failAt(first, 'illegal target for annotation');
      const annotation = this.test();
      let value: A.Expr | null = null;
      if (this.isOp('=')) { this.next(); value = this.testListStar(); }
      return this.node<A.AnnAssign>('AnnAssign', s, this.last.e, { target: first, annotation, value });
    }
    return this.node<A.ExprStmt>('ExprStmt', s, this.last.e, { value: first });
  }

  private failAt(n: A.Range, msg: string): never { throw new SyntaxErr({ s: n.start, e: n.end }, msg); }

  private checkTarget(x: A.Expr, verb: string): void {
    switch (x.kind) {
      case 'Name': case 'Attribute': case 'Subscript': return;
      case 'Tuple': case 'List': {
        let stars = 0;
        for (const e of x.elts) { if (e.kind === 'Starred') { stars++; this.checkTarget(e.value, verb); } else this.checkTarget(e, verb); }
        if (stars > 1) this.failAt(x, 'multiple starred expressions in assignment');
        return;
      }
      case 'Starred': this.checkTarget(x.value, verb); return;
    }
    this.failAt(x, `cannot ${verb} ${describe(x)}`);
  }

  private importStmt(): A.Stmt {
    const s = this.next().s;
    const names: A.Alias[] = [];
    let deferred = false, thru: A.Expr | null = null;
    do {
      if (names.length) this.next();
      const a = this.tok.s;
      let name = this.name('a module name').v;
      while (this.isOp('.')) { this.next(); name += '.' + this.name('a module name').v; }
      let asname: string | null = null;
      if (this.isKw('deferred')) { this.next(); deferred = true; }
      if (this.isKw('as')) { this.next(); asname = this.name().v; }
      if (this.isKw('thru')) {
        this.next();
        thru = this.test();
        if (!asname && this.isKw('as')) { this.next(); asname = this.name().v; } // `import m thru 'addr' as x` reads naturally too
      }
      names.push(this.node<A.Alias>('Alias', a, this.last.e, { name, asname }));
    } while (this.isOp(','));
    return this.node<A.Import>('Import', s, this.last.e, { names, deferred, thru });
  }

  private fromImport(): A.Stmt {
    const s = this.next().s;
    let level = 0;
    while (this.isOp('.') || this.isOp('...')) level += this.next().v.length;
    let module = '';
    if (!this.isKw('import')) {
      module = this.name('a module name').v;
      while (this.isOp('.')) { this.next(); module += '.' + this.name('a module name').v; }
    }
    this.expectKw('import');
    const names: A.Alias[] = [];
    if (this.isOp('*')) { const t = this.next(); names.push(this.node<A.Alias>('Alias', t.s, t.e, { name: '*', asname: null })); }
    else {
      const paren = this.isOp('(');
      if (paren) this.next();
      do {
        if (names.length) { this.next(); if (paren && this.isOp(')')) break; }
        const a = this.tok.s;
        const name = this.name().v;
        let asname: string | null = null;
        if (this.isKw('as')) { this.next(); asname = this.name().v; }
        names.push(this.node<A.Alias>('Alias', a, this.last.e, { name, asname }));
      } while (this.isOp(','));
      if (paren) this.expectOp(')');
    }
    return this.node<A.ImportFrom>('ImportFrom', s, this.last.e, { module, names, level });
  }

  private dottedPath(): { path: string[]; range: A.Range } {
    const a = this.tok.s;
    const path = [this.name().v];
    while (this.isOp('.')) { this.next(); path.push(this.name().v); }
    return { path, range: this.range(a, this.last.e) };
  }

  private nsAssign(kind: 'namespace' | 'const' | 'var'): A.Stmt {
    const s = this.next().s;
    const { path, range } = this.dottedPath();
    this.expectOp('=');
    const value = this.testListStar();
    return this.node<A.NamespaceAssign>('NamespaceAssign', s, this.last.e, { declKind: kind, path, pathRange: range, value });
  }

  private namespaceStmt(): A.Stmt {
    const save = this.p;
    const s = this.next().s;
    const { path, range } = this.dottedPath();
    if (this.isOp('=')) {
      this.next();
      const value = this.testListStar();
      if (this.tok.t === 'newline') this.next();
      return this.node<A.NamespaceAssign>('NamespaceAssign', s, this.last.e, { declKind: 'namespace', path, pathRange: range, value });
    }
    if (this.isOp(':')) {
      this.next();
      const body = this.block();
      return this.node<A.NamespaceBlock>('NamespaceBlock', s, this.last.e, { path, pathRange: range, body });
    }
    this.p = save;
    return this.simpleLine()[0]!;
  }

  /** A suite after ':' — an indented block or statements on the same line. */
  private block(): A.Stmt[] {
    if (this.tok.t === 'newline') {
      this.next();
      if (this.tt() !== 'indent') this.fail('expected an indented block');
      this.next();
      const body: A.Stmt[] = [];
      while (this.tt() !== 'dedent' && this.tt() !== 'eof') {
        if (this.tok.t === 'newline') { this.next(); continue; }
        if (this.tok.t === 'indent') {
          this.diags.push(diag('error', 'indentation', 'unexpected indent', this.range(this.tok.s, this.tok.s + 1)));
          this.skipBlock();
          continue;
        }
        if (this.isOp('}')) break;
        body.push(...this.statement());
      }
      if (this.tt() === 'dedent') this.next();
      return body;
    }
    if (this.tok.t === 'eof') this.fail('expected an indented block');
    return this.simpleLine();
  }

  private ifStmt(): A.If {
    const s = this.next().s;
    const test = this.namedExprTest();
    this.expectOp(':', "expected ':' after the if condition");
    const body = this.block();
    let orelse: A.Stmt[] = [];
    if (this.isKw('elif')) orelse = [this.ifStmt()];
    else if (this.isKw('else')) { this.next(); this.expectOp(':', "expected ':' after else"); orelse = this.block(); }
    return this.node<A.If>('If', s, this.last.e, { test, body, orelse });
  }

  private whileStmt(): A.While {
    const s = this.next().s;
    const test = this.namedExprTest();
    this.expectOp(':', "expected ':' after the while condition");
    const body = this.block();
    let orelse: A.Stmt[] = [];
    if (this.isKw('else')) { this.next(); this.expectOp(':'); orelse = this.block(); }
    return this.node<A.While>('While', s, this.last.e, { test, body, orelse });
  }

  private forStmt(): A.For {
    const s = this.next().s;
    const target = this.exprList();
    this.checkTarget(target, 'assign to');
    this.expectKw('in');
    const iter = this.testList();
    this.expectOp(':', "expected ':' after the for clause");
    const body = this.block();
    let orelse: A.Stmt[] = [];
    if (this.isKw('else')) { this.next(); this.expectOp(':'); orelse = this.block(); }
    return this.node<A.For>('For', s, this.last.e, { target, iter, body, orelse });
  }

  private tryStmt(): A.Try {
    const s = this.next().s;
    this.expectOp(':', "expected ':' after try");
    const body = this.block();
    const handlers: A.ExceptHandler[] = [];
    while (this.isKw('except')) {
      const h = this.next().s;
      let type: A.Expr | null = null, name: string | null = null;
      if (!this.isOp(':')) {
        type = this.test();
        if (this.isOp(',')) {
          const elts = [type];
          while (this.isOp(',')) { this.next(); elts.push(this.test()); }
          type = this.node<A.TupleExpr>('Tuple', type.start, this.last.e, { elts });
        }
        if (this.isKw('as')) { this.next(); name = this.name().v; }
      }
      this.expectOp(':', "expected ':' after the except clause");
      const hb = this.block();
      handlers.push(this.node<A.ExceptHandler>('ExceptHandler', h, this.last.e, { type, name, body: hb }));
    }
    let orelse: A.Stmt[] = [], finalbody: A.Stmt[] = [];
    if (this.isKw('else')) { this.next(); this.expectOp(':'); orelse = this.block(); }
    if (this.isKw('finally')) { this.next(); this.expectOp(':'); finalbody = this.block(); }
    if (!handlers.length && !finalbody.length) this.fail("expected 'except' or 'finally' block");
    return this.node<A.Try>('Try', s, this.last.e, { body, handlers, orelse, finalbody });
  }

  private withStmt(): A.With {
    const s = this.next().s;
    const items: A.WithItem[] = [];
    const paren = this.isOp('(') && this.parenWithItems();
    if (paren) this.next();
    do {
      if (items.length) { this.next(); if (paren && this.isOp(')')) break; }
      const a = this.tok.s;
      const contextExpr = this.test();
      let optionalVars: A.Expr | null = null;
      if (this.isKw('as')) { this.next(); optionalVars = this.expr(); this.checkTarget(optionalVars, 'assign to'); }
      items.push(this.node<A.WithItem>('WithItem', a, this.last.e, { contextExpr, optionalVars }));
    } while (this.isOp(','));
    if (paren) this.expectOp(')');
    this.expectOp(':', "expected ':' after the with items");
    const body = this.block();
    return this.node<A.With>('With', s, this.last.e, { items, body });
  }

  private parenWithItems(): boolean {
    // `with (a as b, c as d):` — a parenthesised item list contains `as` at depth 1
    let depth = 0;
    for (let k = this.p; k < this.toks.length; k++) {
      const t = this.toks[k]!;
      if (t.t === 'op' && '([{'.includes(t.v)) depth++;
      else if (t.t === 'op' && ')]}'.includes(t.v)) { depth--; if (depth === 0) { const n = this.toks[k + 1]; return !!n && n.t === 'op' && n.v === ':'; } }
      else if (t.t === 'newline' || t.t === 'eof') return false;
    }
    return false;
  }

  private decorated(): A.Stmt {
    const decorators: A.Expr[] = [];
    while (this.isOp('@')) {
      this.next();
      decorators.push(this.namedExprTest());
      if (this.tok.t !== 'newline') this.fail('expected a new line after the decorator');
      this.next();
    }
    if (this.isKw('def')) return this.funcDef(decorators);
    if (this.isKw('class')) return this.classDef(decorators);
    if (this.isKw('async')) return this.stmt()[0]!;
    this.fail("expected 'def' or 'class' after a decorator");
  }

  private funcDef(decorators: A.Expr[]): A.FunctionDef {
    const s = decorators.length ? decorators[0]!.start - 1 : this.tok.s;
    this.next();
    const nt = this.name('a function name');
    this.expectOp('(', "expected '(' after the function name");
    const params = this.params(')');
    this.expectOp(')');
    let returns: A.Expr | null = null;
    if (this.isOp('->')) { this.next(); returns = this.test(); }
    this.expectOp(':', "expected ':' after the function signature");
    const body = this.block();
    return this.node<A.FunctionDef>('FunctionDef', Math.max(0, s), this.last.e, { name: nt.v, nameRange: this.range(nt.s, nt.e), params, body, decorators, returns });
  }

  private classDef(decorators: A.Expr[]): A.ClassDef {
    const s = decorators.length ? decorators[0]!.start - 1 : this.tok.s;
    this.next();
    const nt = this.name('a class name');
    let bases: A.Expr[] = [], keywords: A.Keyword[] = [];
    if (this.isOp('(')) {
      this.next();
      ({ args: bases, keywords } = this.callArgs());
      this.expectOp(')');
    }
    this.expectOp(':', "expected ':' after the class header");
    const body = this.block();
    return this.node<A.ClassDef>('ClassDef', Math.max(0, s), this.last.e, { name: nt.v, nameRange: this.range(nt.s, nt.e), bases, keywords, body, decorators });
  }

  /** Parameters up to the closing token (')' for def, ':' for lambda). */
  private params(close: string, annotations = true): A.Params {
    const params: A.Params = { args: [], posonlyCount: 0, vararg: null, kwonly: [], kwarg: null };
    let star = false;
    let sawDefault = false;
    while (!this.isOp(close)) {
      if (this.isOp('/')) { this.next(); params.posonlyCount = params.args.length; }
      else if (this.isOp('**')) { this.next(); params.kwarg = this.param(annotations, false); }
      else if (this.isOp('*')) {
        this.next();
        star = true;
        if (!this.isOp(',') && !this.isOp(close)) params.vararg = this.param(annotations, false);
      } else {
        const p = this.param(annotations, true);
        if (star) params.kwonly.push(p);
        else {
          if (p.default) sawDefault = true;
          else if (sawDefault) this.failAt(p, 'parameter without a default follows parameter with a default');
          params.args.push(p);
        }
      }
      if (!this.isOp(',')) break;
      this.next();
    }
    return params;
  }

  private param(annotations: boolean, allowDefault: boolean): A.Param {
    const t = this.name('a parameter name');
    let annotation: A.Expr | null = null, dflt: A.Expr | null = null;
    if (annotations && this.isOp(':')) { this.next(); annotation = this.test(); }
    if (allowDefault && this.isOp('=')) { this.next(); dflt = this.test(); }
    return this.node<A.Param>('Param', t.s, this.last.e, { name: t.v, annotation, default: dflt });
  }

  // --- expressions --------------------------------------------------------------------------

  private enter(): void { if (++this.depth > 400) throw new RangeError('nesting'); }
  private leave(): void { this.depth--; }

  /** testlist_star_expr: tuples without parentheses. */
  private testListStar(allowYield = false): A.Expr {
    if (allowYield && this.isKw('yield')) return this.yieldExpr();
    const s = this.tok.s;
    const first = this.isOp('*') ? this.starExpr() : this.namedExprTest();
    if (!this.isOp(',')) return first;
    const elts = [first];
    while (this.isOp(',')) {
      this.next();
      if (this.atStmtEnd() || this.isOp('=') || this.isOp(')') || (this.tok.t === 'op' && AUG.has(this.tok.v)) || this.isOp(':')) break;
      elts.push(this.isOp('*') ? this.starExpr() : this.namedExprTest());
    }
    return this.node<A.TupleExpr>('Tuple', s, this.last.e, { elts });
  }

  private testList(): A.Expr { return this.testListStar(); }

  private exprList(): A.Expr {
    const s = this.tok.s;
    const first = this.isOp('*') ? this.starExpr() : this.expr();
    if (!this.isOp(',')) return first;
    const elts = [first];
    while (this.isOp(',')) {
      this.next();
      if (this.isKw('in') || this.isOp('=')) break;
      elts.push(this.isOp('*') ? this.starExpr() : this.expr());
    }
    return this.node<A.TupleExpr>('Tuple', s, this.last.e, { elts });
  }

  private starExpr(): A.Expr {
    const s = this.next().s;
    const value = this.expr();
    return this.node<A.Starred>('Starred', s, this.last.e, { value });
  }

  private yieldExpr(): A.Expr {
    const s = this.next().s;
    if (this.isKw('from')) { this.next(); const value = this.test(); return this.node<A.YieldFrom>('YieldFrom', s, this.last.e, { value }); }
    const value = this.atStmtEnd() || this.isOp(')') || this.isOp(']') || this.isOp('}') ? null : this.testListStar();
    return this.node<A.Yield>('Yield', s, this.last.e, { value });
  }

  private namedExprTest(): A.Expr {
    const t = this.tok;
    if (t.t === 'name' && !KEYWORDS.has(t.v) && this.peek().t === 'op' && this.peek().v === ':=') {
      this.next(); this.next();
      const value = this.test();
      const target = this.node<A.Name>('Name', t.s, t.e, { id: t.v });
      return this.node<A.NamedExpr>('NamedExpr', t.s, this.last.e, { target, value });
    }
    return this.test();
  }

  test(): A.Expr {
    this.enter();
    try {
      if (this.isKw('lambda')) return this.lambda();
      const s = this.tok.s;
      const body = this.orTest();
      if (this.isKw('if') ) {
        this.next();
        const test = this.orTest();
        this.expectKw('else');
        const orelse = this.test();
        return this.node<A.IfExp>('IfExp', s, this.last.e, { test, body, orelse });
      }
      return body;
    } finally { this.leave(); }
  }

  private lambda(): A.Expr {
    const s = this.next().s;
    const params = this.params(':', false);
    this.expectOp(':', "expected ':' in the lambda");
    const body = this.test();
    return this.node<A.Lambda>('Lambda', s, this.last.e, { params, body });
  }

  private orTest(): A.Expr {
    const s = this.tok.s;
    const first = this.andTest();
    if (!this.isKw('or')) return first;
    const values = [first];
    while (this.isKw('or')) { this.next(); values.push(this.andTest()); }
    return this.node<A.BoolOp>('BoolOp', s, this.last.e, { op: 'or', values });
  }

  private andTest(): A.Expr {
    const s = this.tok.s;
    const first = this.notTest();
    if (!this.isKw('and')) return first;
    const values = [first];
    while (this.isKw('and')) { this.next(); values.push(this.notTest()); }
    return this.node<A.BoolOp>('BoolOp', s, this.last.e, { op: 'and', values });
  }

  private notTest(): A.Expr {
    if (this.isKw('not')) {
      const s = this.next().s;
      this.enter();
      try {
        const operand = this.notTest();
        return this.node<A.UnaryOp>('UnaryOp', s, this.last.e, { op: 'not', operand });
      } finally { this.leave(); }
    }
    return this.comparison();
  }

  private comparison(): A.Expr {
    const s = this.tok.s;
    const left = this.expr();
    const ops: A.CmpOperator[] = [];
    const comparators: A.Expr[] = [];
    for (;;) {
      const t = this.tok;
      let op: A.CmpOperator | null = null;
      if (t.t === 'op' && CMP.has(t.v)) { this.next(); op = t.v as A.CmpOperator; }
      else if (this.isKw('in')) { this.next(); op = 'in'; }
      else if (this.isKw('not') && this.peek().t === 'name' && this.peek().v === 'in') { this.next(); this.next(); op = 'not in'; }
      else if (this.isKw('is')) { this.next(); if (this.isKw('not')) { this.next(); op = 'is not'; } else op = 'is'; }
      if (!op) break;
      ops.push(op);
      comparators.push(this.expr());
    }
    if (!ops.length) return left;
    return this.node<A.Compare>('Compare', s, this.last.e, { left, ops, comparators });
  }

  private static readonly LEVELS: string[][] = [['|'], ['^'], ['&'], ['<<', '>>'], ['+', '-'], ['*', '/', '//', '%', '@']];

  expr(level = 0): A.Expr {
    if (level >= Parser.LEVELS.length) return this.factor();
    const s = this.tok.s;
    let left = this.expr(level + 1);
    const ops = Parser.LEVELS[level]!;
    while (this.tok.t === 'op' && ops.includes(this.tok.v)) {
      const op = this.next().v as A.BinOperator;
      const right = this.expr(level + 1);
      left = this.node<A.BinOp>('BinOp', s, this.last.e, { op, left, right });
    }
    return left;
  }

  private factor(): A.Expr {
    const t = this.tok;
    if (t.t === 'op' && (t.v === '-' || t.v === '+' || t.v === '~')) {
      this.next();
      this.enter();
      try {
        const operand = this.factor();
        return this.node<A.UnaryOp>('UnaryOp', t.s, this.last.e, { op: t.v as '-' | '+' | '~', operand });
      } finally { this.leave(); }
    }
    return this.power();
  }

  private power(): A.Expr {
    const s = this.tok.s;
    if (this.isKw('await')) { const t = this.next(); this.diags.push(diag('error', 'unsupported', "'await' is not supported yet", this.range(t.s, t.e))); }
    const base = this.atomExpr();
    if (this.isOp('**')) {
      this.next();
      const right = this.factor();
      return this.node<A.BinOp>('BinOp', s, this.last.e, { op: '**', left: base, right });
    }
    return base;
  }

  private atomExpr(): A.Expr {
    const s = this.tok.s;
    let e = this.atom();
    for (;;) {
      if (this.isOp('(')) {
        this.next();
        this.enter();
        const { args, keywords } = this.callArgs();
        this.leave();
        this.expectOp(')', `'(' was never closed`);
        e = this.node<A.Call>('Call', s, this.last.e, { func: e, args, keywords });
      } else if (this.isOp('[')) {
        this.next();
        this.enter();
        const slice = this.subscript();
        this.leave();
        this.expectOp(']');
        e = this.node<A.Subscript>('Subscript', s, this.last.e, { value: e, slice });
      } else if (this.isOp('.')) {
        this.next();
        const t = this.tok;
        if (t.t !== 'name') this.fail('expected an attribute name after \'.\'');
        this.next();
        e = this.node<A.Attribute>('Attribute', s, t.e, { value: e, attr: t.v, attrRange: this.range(t.s, t.e) });
      } else break;
    }
    return e;
  }

  private subscript(): A.Expr {
    const s = this.tok.s;
    const items: A.Expr[] = [];
    let tuple = false;
    for (;;) {
      items.push(this.sliceItem());
      if (!this.isOp(',')) break;
      this.next();
      tuple = true;
      if (this.isOp(']')) break;
    }
    if (!tuple) return items[0]!;
    return this.node<A.TupleExpr>('Tuple', s, this.last.e, { elts: items });
  }

  private sliceItem(): A.Expr {
    const s = this.tok.s;
    let lower: A.Expr | null = null;
    if (!this.isOp(':')) {
      lower = this.isOp('*') ? this.starExpr() : this.namedExprTest();
      if (!this.isOp(':')) return lower;
    }
    this.next();
    let upper: A.Expr | null = null, step: A.Expr | null = null;
    if (!this.isOp(':') && !this.isOp(']') && !this.isOp(',')) upper = this.test();
    if (this.isOp(':')) {
      this.next();
      if (!this.isOp(']') && !this.isOp(',')) step = this.test();
    }
    return this.node<A.Slice>('Slice', s, this.last.e, { lower, upper, step });
  }

  private callArgs(): { args: A.Expr[]; keywords: A.Keyword[] } {
    const args: A.Expr[] = [], keywords: A.Keyword[] = [];
    while (!this.isOp(')')) {
      const s = this.tok.s;
      if (this.isOp('**')) {
        this.next();
        keywords.push(this.node<A.Keyword>('Keyword', s, this.last.e, { arg: null, value: this.test() }));
        (keywords[keywords.length - 1] as A.Keyword).end = this.last.e;
      } else if (this.isOp('*')) {
        args.push(this.starExpr());
      } else if (this.tok.t === 'name' && this.peek().t === 'op' && this.peek().v === '=') {
        const name = this.next().v;
        this.next();
        const value = this.test();
        keywords.push(this.node<A.Keyword>('Keyword', s, this.last.e, { arg: name, value }));
      } else {
        let a = this.namedExprTest();
        if (this.isKw('for') || this.isKw('async')) a = this.comprehensionTail('GeneratorExp', s, a);
        if (keywords.length && a.kind !== 'Starred') this.failAt(a, 'positional argument follows keyword argument');
        args.push(a);
      }
      if (!this.isOp(',')) break;
      this.next();
    }
    return { args, keywords };
  }

  private comprehensionTail(kind: 'ListComp' | 'SetComp' | 'GeneratorExp', s: number, elt: A.Expr): A.Expr {
    const generators = this.compFor();
    return this.node<A.ListComp>(kind as 'ListComp', s, this.last.e, { elt, generators });
  }

  private compFor(): A.Comprehension[] {
    const gens: A.Comprehension[] = [];
    while (this.isKw('for')) {
      const s = this.next().s;
      const target = this.exprList();
      this.checkTarget(target, 'assign to');
      this.expectKw('in');
      const iter = this.orTest();
      const ifs: A.Expr[] = [];
      while (this.isKw('if')) { this.next(); ifs.push(this.orTestNoCond()); }
      gens.push(this.node<A.Comprehension>('Comprehension', s, this.last.e, { target, iter, ifs }));
    }
    return gens;
  }

  private orTestNoCond(): A.Expr { return this.orTest(); }

  private atom(): A.Expr {
    const t = this.tok;
    switch (t.t) {
      case 'int': this.next(); return this.node<A.IntLit>('IntLit', t.s, t.e, { value: t.val as number | bigint });
      case 'float': this.next(); return this.node<A.FloatLit>('FloatLit', t.s, t.e, { value: t.val as number });
      case 'imag': this.next(); return this.node<A.ImagLit>('ImagLit', t.s, t.e, { value: t.val as number });
      case 'str': this.next(); return this.stringAtom(t);
      case 'name': {
        if (t.v === 'True' || t.v === 'False' || t.v === 'None') {
          this.next();
          return this.node<A.Const>('Const', t.s, t.e, { value: t.v === 'True' ? true : t.v === 'False' ? false : null });
        }
        if (t.v === 'yield') return this.yieldExpr();
        if (KEYWORDS.has(t.v)) this.fail(`invalid syntax: unexpected keyword '${t.v}'`);
        this.next();
        return this.node<A.Name>('Name', t.s, t.e, { id: t.v });
      }
      case 'op':
        if (t.v === '(') return this.parenAtom();
        if (t.v === '[') return this.listAtom();
        if (t.v === '{') return this.dictOrSet();
        if (t.v === '...') { this.next(); return this.node<A.Const>('Const', t.s, t.e, { value: 'ellipsis' }); }
        if (t.v === '<|') {
          this.diags.push(diag('error', 'unsupported', 'table literals (<|...|>) are not supported yet', this.range(t.s, t.e)));
          let depth = 0;
          while (this.tok.t !== 'eof' && this.tok.t !== 'newline') { const x = this.next(); if (x.v === '<|') depth++; if (x.v === '|>' && --depth === 0) break; }
          return this.node<A.ErrorExpr>('ErrorExpr', t.s, this.last.e, {});
        }
        break;
    }
    if (t.t === 'newline' || t.t === 'eof') this.fail(`invalid syntax: expected an expression before end of ${t.t === 'eof' ? 'file' : 'line'}`);
    if (t.t === 'indent') this.fail('unexpected indent');
    this.fail(`invalid syntax: unexpected '${t.v}'`);
  }

  private parenAtom(): A.Expr {
    const s = this.next().s;
    this.enter();
    try {
      // brace lambda `(a, b=1, *c){ ... }`: look for `)` followed by `{`
      const close = this.matchingClose(this.p - 1);
      if (close > 0) {
        const after = this.toks[close + 1];
        if (after && after.t === 'op' && after.v === '{' && after.s === this.toks[close]!.e + (this.src.slice(this.toks[close]!.e, after.s).length) && !/\n/.test(this.src.slice(this.toks[close]!.e, after.s))) {
          return this.braceLambda(s);
        }
      }
      if (this.isOp(')')) { this.next(); return this.node<A.TupleExpr>('Tuple', s, this.last.e, { elts: [] }); }
      if (this.isKw('yield')) { const y = this.yieldExpr(); this.expectOp(')'); return y; }
      const first = this.isOp('*') ? this.starExpr() : this.namedExprTest();
      if (this.isKw('for')) {
        const g = this.comprehensionTail('GeneratorExp', s, first);
        this.expectOp(')', "'(' was never closed");
        return { ...g, ...this.range(s, this.last.e) };
      }
      if (this.isOp(')')) {
        this.next();
        if (first.kind === 'Starred') this.failAt(first, 'cannot use starred expression here');
        return first;
      }
      const elts = [first];
      while (this.isOp(',')) {
        this.next();
        if (this.isOp(')')) break;
        elts.push(this.isOp('*') ? this.starExpr() : this.namedExprTest());
      }
      this.expectOp(')', "'(' was never closed");
      return this.node<A.TupleExpr>('Tuple', s, this.last.e, { elts });
    } finally { this.leave(); }
  }

  private matchingClose(openIdx: number): number {
    let depth = 0;
    for (let k = openIdx; k < this.toks.length; k++) {
      const t = this.toks[k]!;
      if (t.t === 'op' && (t.v === '(' || t.v === '[' || t.v === '{')) depth++;
      else if (t.t === 'op' && (t.v === ')' || t.v === ']' || t.v === '}')) { depth--; if (depth === 0) return k; }
      else if (t.t === 'eof') return -1;
    }
    return -1;
  }

  private braceLambda(s: number): A.Expr {
    const params = this.params(')', true);
    this.expectOp(')');
    this.expectOp('{');
    const body: A.Stmt[] = [];
    while (!this.isOp('}') && this.tok.t !== 'eof') {
      if (this.tok.t === 'newline' || this.tok.t === 'dedent' || this.tok.t === 'indent') { this.next(); continue; }
      body.push(...this.statement());
    }
    this.expectOp('}', "'{' was never closed");
    return this.node<A.BraceLambda>('BraceLambda', s, this.last.e, { params, body });
  }

  private listAtom(): A.Expr {
    const s = this.next().s;
    this.enter();
    try {
      if (this.isOp(']')) { this.next(); return this.node<A.ListExpr>('List', s, this.last.e, { elts: [] }); }
      const first = this.isOp('*') ? this.starExpr() : this.namedExprTest();
      if (this.isKw('for')) {
        const c = this.comprehensionTail('ListComp', s, first);
        this.expectOp(']', "'[' was never closed");
        return { ...c, ...this.range(s, this.last.e) };
      }
      const elts = [first];
      while (this.isOp(',')) {
        this.next();
        if (this.isOp(']')) break;
        elts.push(this.isOp('*') ? this.starExpr() : this.namedExprTest());
      }
      this.expectOp(']', "'[' was never closed");
      return this.node<A.ListExpr>('List', s, this.last.e, { elts });
    } finally { this.leave(); }
  }

  private dictOrSet(): A.Expr {
    const s = this.next().s;
    this.enter();
    try {
      if (this.isOp('}')) { this.next(); return this.node<A.DictExpr>('Dict', s, this.last.e, { keys: [], values: [] }); }
      if (this.isOp('**')) return this.dictRest(s, null);
      const first = this.isOp('*') ? this.starExpr() : this.namedExprTest();
      if (this.isOp(':')) {
        this.next();
        const v = this.test();
        if (this.isKw('for')) {
          const generators = this.compFor();
          this.expectOp('}', "'{' was never closed");
          return this.node<A.DictComp>('DictComp', s, this.last.e, { key: first, value: v, generators });
        }
        return this.dictRest(s, [first, v]);
      }
      if (this.isKw('for')) {
        const c = this.comprehensionTail('SetComp', s, first);
        this.expectOp('}', "'{' was never closed");
        return { ...c, ...this.range(s, this.last.e) };
      }
      const elts = [first];
      while (this.isOp(',')) {
        this.next();
        if (this.isOp('}')) break;
        elts.push(this.isOp('*') ? this.starExpr() : this.namedExprTest());
      }
      this.expectOp('}', "'{' was never closed");
      return this.node<A.SetExpr>('Set', s, this.last.e, { elts });
    } finally { this.leave(); }
  }

  private dictRest(s: number, first: [A.Expr, A.Expr] | null): A.Expr {
    const keys: (A.Expr | null)[] = [], values: A.Expr[] = [];
    if (first) { keys.push(first[0]); values.push(first[1]); if (this.isOp(',')) this.next(); }
    while (!this.isOp('}')) {
      if (this.isOp('**')) { this.next(); keys.push(null); values.push(this.expr()); }
      else {
        keys.push(this.test());
        this.expectOp(':', "expected ':' after the dict key");
        values.push(this.test());
      }
      if (!this.isOp(',')) break;
      this.next();
    }
    this.expectOp('}', "'{' was never closed");
    return this.node<A.DictExpr>('Dict', s, this.last.e, { keys, values });
  }

  // --- strings ------------------------------------------------------------------------------

  private stringAtom(t: Tok): A.Expr {
    const parts = t.str!;
    const isBytes = parts.map(p => p.kind === 'b');
    if (isBytes.some(Boolean) && !isBytes.every(Boolean)) this.fail('cannot mix bytes and nonbytes literals', t);
    if (isBytes[0]) {
      const bytes: number[] = [];
      for (const p of parts) {
        const text = p.raw ? p.body : this.unescape(p.body, p.bodyStart, true);
        for (let i = 0; i < text.length; i++) {
          const c = text.charCodeAt(i);
          if (c > 255) this.fail('bytes can only contain ASCII literal characters', t);
          bytes.push(c);
        }
      }
      return this.node<A.Bytes>('Bytes', t.s, t.e, { value: Uint8Array.from(bytes) });
    }
    const out: (string | A.FormattedValue)[] = [];
    const push = (x: string | A.FormattedValue) => {
      if (typeof x === 'string' && typeof out[out.length - 1] === 'string') out[out.length - 1] += x;
      else if (x !== '') out.push(x);
    };
    for (const p of parts) {
      if (p.raw && p.kind !== 'f') { push(p.body); continue; }
      this.interpolated(p, push);
    }
    if (out.every(x => typeof x === 'string')) return this.node<A.Str>('Str', t.s, t.e, { value: (out as string[]).join('') });
    return this.node<A.JoinedStr>('JoinedStr', t.s, t.e, { parts: out });
  }

  /** Splits a string body into text and `{expr}` (f-strings) / `${expr}` (any non-raw) fields. */
  private interpolated(p: StrTok, push: (x: string | A.FormattedValue) => void): void {
    const body = p.body;
    const isF = p.kind === 'f';
    let i = 0, textStart = 0;
    const flush = (end: number) => { if (end > textStart) push(p.raw ? body.slice(textStart, end) : this.unescape(body.slice(textStart, end), p.bodyStart + textStart, false)); };
    while (i < body.length) {
      const c = body[i];
      if (c === '\\' && !p.raw) { i += 2; continue; }
      if (!p.raw && c === '$' && body[i + 1] === '{') {
        flush(i);
        const end = this.fieldEnd(body, i + 2, p.bodyStart);
        const expr = this.subExpr(body.slice(i + 2, end), p.bodyStart + i + 2);
        push(this.node<A.FormattedValue>('FormattedValue', p.bodyStart + i, p.bodyStart + end + 1, { value: expr, conversion: 's', formatSpec: null, debugText: null }));
        i = end + 1; textStart = i;
        continue;
      }
      if (isF && c === '{') {
        if (body[i + 1] === '{') { flush(i + 1); i += 2; textStart = i; continue; }
        flush(i);
        const fv = this.fField(body, i, p);
        push(fv.node);
        i = fv.end; textStart = i;
        continue;
      }
      if (isF && c === '}') {
        if (body[i + 1] === '}') { flush(i + 1); i += 2; textStart = i; continue; }
        throw new SyntaxErr({ s: p.bodyStart + i, e: p.bodyStart + i + 1 }, "f-string: single '}' is not allowed");
      }
      i++;
    }
    flush(body.length);
  }

  /** Index of the `}` closing a field that starts at `from` (nested brackets and strings skipped). */
  private fieldEnd(body: string, from: number, base: number, stopAt = '}'): number {
    let depth = 0;
    for (let k = from; k < body.length; k++) {
      const c = body[k]!;
      if (c === "'" || c === '"') { const q = c; k++; while (k < body.length && body[k] !== q) k++; continue; }
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']') depth--;
      else if (c === '}') { if (depth === 0) return k; depth--; }
      else if (depth === 0 && stopAt.includes(c) && !(c === '!' && body[k + 1] === '=') && !(c === '=' && (body[k + 1] === '=' || '!<>='.includes(body[k - 1]!)))) return k;
    }
    throw new SyntaxErr({ s: base + from - 1, e: base + body.length }, "f-string: expecting '}'");
  }

  private fField(body: string, open: number, p: StrTok): { node: A.FormattedValue; end: number } {
    const base = p.bodyStart;
    const exprEnd = this.fieldEnd(body, open + 1, base, '}!:=');
    let exprText = body.slice(open + 1, exprEnd);
    let k = exprEnd;
    let debugText: string | null = null;
    if (body[k] === '=') {
      debugText = body.slice(open + 1, k + 1);
      k++;
      // whitespace after = belongs to the debug text
      while (body[k] === ' ') { debugText += ' '; k++; }
    }
    let conversion: 'r' | 's' | 'a' | null = null;
    if (body[k] === '!') {
      const cv = body[k + 1];
      if (cv !== 'r' && cv !== 's' && cv !== 'a') throw new SyntaxErr({ s: base + k, e: base + k + 2 }, "f-string: invalid conversion character: expected 's', 'r', or 'a'");
      conversion = cv;
      k += 2;
    }
    let formatSpec: A.JoinedStr | null = null;
    if (body[k] === ':') {
      const specStart = k + 1;
      let depth = 0, e = specStart;
      for (; e < body.length; e++) {
        if (body[e] === '{') depth++;
        else if (body[e] === '}') { if (depth === 0) break; depth--; }
      }
      const specParts: (string | A.FormattedValue)[] = [];
      const specTok: StrTok = { kind: 'f', raw: p.raw, body: body.slice(specStart, e), bodyStart: base + specStart };
      this.interpolated(specTok, x => {
        if (typeof x === 'string' && typeof specParts[specParts.length - 1] === 'string') specParts[specParts.length - 1] += x;
        else if (x !== '') specParts.push(x);
      });
      formatSpec = this.node<A.JoinedStr>('JoinedStr', base + specStart, base + e, { parts: specParts });
      k = e;
    }
    if (body[k] !== '}') throw new SyntaxErr({ s: base + open, e: base + k }, "f-string: expecting '}'");
    if (debugText !== null && conversion === null && formatSpec === null) conversion = 'r';
    if (exprText.trim() === '') throw new SyntaxErr({ s: base + open, e: base + k + 1 }, 'f-string: empty expression not allowed');
    const value = this.subExpr(exprText, base + open + 1);
    exprText = '';
    return { node: this.node<A.FormattedValue>('FormattedValue', base + open, base + k + 1, { value, conversion, formatSpec, debugText }), end: k + 1 };
  }

  /** Parses an embedded expression; positions are shifted to the real source. */
  private subExpr(text: string, offset: number): A.Expr {
    // tokenize the field text at its real offsets: blank out everything before it
    const fake = '(' + text + ')';
    const diags: Diagnostic[] = [];
    const base = offset - 1;
    const toks = tokenize(fake, diags, new LineMap(fake)).filter(t => t.t !== 'indent' && t.t !== 'dedent' && t.t !== 'newline');
    // shift positions to the field's place in the real source
    for (const t of toks) { t.s += base; t.e += base; if (t.str) for (const part of t.str) part.bodyStart += base; }
    if (diags.length) throw new SyntaxErr({ s: diags[0]!.start + base, e: diags[0]!.end + base }, 'f-string: ' + diags[0]!.message);
    const sub = new Parser(this.src, toks, this.diags, this.lines);
    sub.expectOp('(');
    const e = sub.testListStar();
    if (!sub.isOp(')')) sub.fail(`f-string: invalid syntax: unexpected '${sub.tok.v}'`);
    return e;
  }

  private unescape(s: string, base: number, bytes: boolean): string {
    if (!s.includes('\\')) return s;
    let out = '';
    for (let i = 0; i < s.length; i++) {
      const c = s[i];
      if (c !== '\\') { out += c; continue; }
      const d = s[++i];
      switch (d) {
        case '\n': break;
        case '\r': if (s[i + 1] === '\n') i++; break;
        case '\\': out += '\\'; break;
        case "'": out += "'"; break;
        case '"': out += '"'; break;
        case 'a': out += '\x07'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'v': out += '\v'; break;
        case 'x': {
          const h = s.slice(i + 1, i + 3);
          if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new SyntaxErr({ s: base + i - 1, e: base + i + 3 }, `(unicode error) truncated \\xXX escape`);
          out += String.fromCharCode(parseInt(h, 16)); i += 2; break;
        }
        case 'u': case 'U': {
          if (bytes) { out += '\\' + d; break; }
          const len = d === 'u' ? 4 : 8;
          const h = s.slice(i + 1, i + 1 + len);
          if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(h)) throw new SyntaxErr({ s: base + i - 1, e: base + i + 1 + len }, `(unicode error) truncated \\${d}${'X'.repeat(len)} escape`);
          const cp = parseInt(h, 16);
          if (cp > 0x10ffff) throw new SyntaxErr({ s: base + i - 1, e: base + i + 1 + len }, '(unicode error) illegal Unicode character');
          out += String.fromCodePoint(cp); i += len; break;
        }
        case 'N': {
          if (bytes) { out += '\\N'; break; }
          throw new SyntaxErr({ s: base + i - 1, e: base + i + 1 }, '\\N{...} escapes are not supported');
        }
        default:
          if (d !== undefined && /[0-7]/.test(d)) {
            let o = d;
            while (o.length < 3 && /[0-7]/.test(s[i + 1] ?? '')) o += s[++i];
            out += String.fromCharCode(parseInt(o, 8));
          } else out += '\\' + (d ?? '');
      }
    }
    return out;
  }
}

function describe(e: A.Expr): string {
  switch (e.kind) {
    case 'Call': return 'function call';
    case 'IntLit': case 'FloatLit': case 'Str': case 'Bytes': case 'ImagLit': return 'literal';
    case 'Const': return e.value === null ? 'None' : e.value === 'ellipsis' ? 'ellipsis' : String(e.value === true ? 'True' : 'False');
    case 'BinOp': case 'UnaryOp': return 'expression';
    case 'BoolOp': return 'expression';
    case 'Compare': return 'comparison';
    case 'Lambda': case 'BraceLambda': return 'lambda';
    case 'IfExp': return 'conditional expression';
    case 'ListComp': return 'list comprehension';
    case 'DictComp': return 'dict comprehension';
    case 'SetComp': return 'set comprehension';
    case 'GeneratorExp': return 'generator expression';
    case 'Dict': return 'dict literal';
    case 'Set': return 'set display';
    case 'JoinedStr': return 'f-string expression';
    case 'NamedExpr': return 'named expression';
    case 'Yield': case 'YieldFrom': return 'yield expression';
    default: return 'expression';
  }
}
