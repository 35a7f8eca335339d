// Parser and lexer edge cases: every input yields a tree and positioned diagnostics, never a throw.
import { describe, it, expect } from 'vitest';
import { parse } from '../../compiler/parser.js';
import { tokenize } from '../../compiler/lexer.js';
import { LineMap } from '../../compiler/diagnostics.js';
import { readdirSync, readFileSync } from 'node:fs';
import { compile } from '../../compiler/index.js';
import type { Stmt } from '../../compiler/ast.js';

const kinds = (body: Stmt[]) => body.map(s => s.kind);

describe('lexer and parser', () => {
  it('parses every literal form', () => {
    const r = parse(`a = 10, 0x1F, 0o17, 0b101, 1_000_000, 3.14, .5, 1., 1e-3, 2j, 1.5J, 123456789012345678901234567890
s = 'x', "y", '''z''', """w""", r'\\n', b'\\x00', f'{a!r:>3}', rb'raw', 'adj' 'acent', u'u'
`);
    expect(r.diagnostics).toEqual([]);
    const t = (r.module.body[0] as { value: { elts: { kind: string; value: unknown }[] } }).value.elts;
    expect(t.map(e => e.kind)).toEqual(['IntLit', 'IntLit', 'IntLit', 'IntLit', 'IntLit', 'FloatLit', 'FloatLit', 'FloatLit', 'FloatLit', 'ImagLit', 'ImagLit', 'IntLit']);
    expect(t[1]!.value).toBe(31);
    expect(t[11]!.value).toBe(123456789012345678901234567890n);
  });
  it('keeps positions exact', () => {
    const r = parse('x = 1\nif x:\n    foo(bar)\n');
    const call = ((r.module.body[1] as { body: Stmt[] }).body[0] as { value: { line: number; col: number; endCol: number } }).value;
    expect([call.line, call.col, call.endCol]).toEqual([3, 4, 12]);
  });
  it('reports several errors and keeps the valid statements', () => {
    const r = parse('x = (1 +\n'.slice(0, 0) + 'a = 1\nif a\n    pass\nb = 2\nc = )\nd = 3\ndef f(a b):\n    pass\ne = 4\n');
    expect(r.diagnostics.length).toBeGreaterThanOrEqual(3);
    expect(r.diagnostics.map(d => d.line)).toEqual(expect.arrayContaining([2, 5, 7]));
    const names = r.module.body.filter(s => s.kind === 'Assign').map(s => (s as { targets: { id: string }[] }).targets[0]!.id);
    expect(names).toEqual(['a', 'b', 'd', 'e']);
  });
  it('diagnoses inconsistent indentation and tabs', () => {
    expect(parse('if 1:\n        a = 1\n    b = 2\n').diagnostics[0]!.message).toMatch(/unindent does not match/);
    expect(parse('if 1:\n\tx = 1\n\ty = 2\n').diagnostics).toEqual([]);
    expect(parse('x = 1\n  y = 2\n').diagnostics[0]!.message).toBe('unexpected indent');
  });
  it('diagnoses unterminated strings', () => {
    expect(parse("x = 'abc\ny = 1\n").diagnostics[0]!.message).toBe('unterminated string literal');
    expect(parse('x = """abc\n\n').diagnostics[0]!.message).toBe('unterminated triple-quoted string literal');
  });
  it('diagnoses characters that start no token', () => {
    // (chevrotain skips them, as lexing errors, rather than offering them to the Invalid token)
    const d = parse('x = a $ b\n').diagnostics[0]!;
    expect([d.message, d.col]).toEqual(["'$' is only allowed inside strings (as ${...} interpolation)", 6]);
    expect(parse('x = 1 ? 2\n').diagnostics[0]!.message).toBe("invalid character '?' (U+003F)");
    expect(parse('x = `a`\n').diagnostics[0]!.message).toBe("invalid character '`' (U+0060)");
    expect(parse('x = 1 ! 2\n').diagnostics[0]!.message).toBe("invalid character '!' (U+0021)");
    expect(parse('x = 1 != 2\n').diagnostics).toEqual([]);
    expect(parse('s = "$x?" + `\n').diagnostics[0]!.col).toBe(12); // not inside strings
  });
  it('survives deep nesting', () => {
    const deep = 'x = ' + '('.repeat(600) + '1' + ')'.repeat(600) + '\n';
    const r = parse(deep);
    expect(r.diagnostics.length).toBeGreaterThanOrEqual(1);
    let blocks = '';
    for (let i = 0; i < 100; i++) blocks += ' '.repeat(i) + 'if x:\n';
    blocks += ' '.repeat(100) + 'pass\n';
    expect(parse(blocks).diagnostics).toEqual([]);
  });
  it('generates code that grows linearly with the nesting of calls', () => {
    // each call's arguments once, not once per branch of the call (which grew as 2**depth)
    const size = (depth: number, target: 'v8' | 'quickjs') => {
      const src = 'import math\nclass C:\n    def m(self, x): return x\nc = C()\ng = abs\n' +
        `x = ${'math.floor('.repeat(depth)}1.5${')'.repeat(depth)}\ny = ${'c.m('.repeat(depth)}1 + 1${')'.repeat(depth)}\n` +
        `z = ${'g('.repeat(depth)}-1 * 2${')'.repeat(depth)}\n`;
      const r = compile(src, 't.x', { target });
      expect(r.diagnostics.filter(d => d.severity === 'error')).toEqual([]);
      return r.js.length;
    };
    for (const target of ['v8', 'quickjs'] as const) {
      const s0 = size(0, target), s6 = size(6, target), s12 = size(12, target);
      expect(s12 - s6).toBeLessThan(2 * (s6 - s0) + 2000);
    }
  });
  it('lexes a file in chunks exactly as in one piece', () => {
    // chunks end before a line starting in column 0; a cut inside a multi-line string, brackets,
    // a continuation or an adjacent-string join must change nothing (size 1 cuts at every such line)
    const tricky = 'x = """a\nb\n"""\ny = ("p"\n"q")\nz = 1 + \\\n2\nw = f(1,\n2)\ns = \'a\\\nb\'\n' +
      'if x:\n    v = 1\n# c\nu = 0777 + 12abc + $\ng = (x){\n  return x\n}\nt = \'\'\'open\nend\n';
    const dir = new URL('../conformance/', import.meta.url);
    const sources = [tricky, tricky.replace(/\n/g, '\r\n'), ...readdirSync(dir).filter(f => f.endsWith('.x')).slice(0, 40).map(f => readFileSync(new URL(f, dir), 'utf8'))];
    for (const src of sources) {
      const lex = (chunk: number) => { const d: unknown[] = []; return { toks: tokenize(src, d as never, new LineMap(src), chunk), d }; };
      const whole = lex(Infinity);
      for (const chunk of [1, 7]) expect(lex(chunk)).toEqual(whole);
    }
  });
  it('handles a very long line, empty files, CRLF and no trailing newline', () => {
    const long = 'x = ' + Array.from({ length: 20000 }, (_, i) => i).join(' + ') + '\n';
    expect(long.length).toBeGreaterThan(100000);
    expect(parse(long).diagnostics).toEqual([]);
    expect(parse('').module.body).toEqual([]);
    expect(kinds(parse('a = 1\r\nif a:\r\n    b = 2\r\n').module.body)).toEqual(['Assign', 'If']);
    expect(kinds(parse('print(1)').module.body)).toEqual(['ExprStmt']);
  });
  it('parses XLang extensions', () => {
    const src = `f = (x, y=1){ return x + y }
g = (){
    if True:
        print(1)
    return 2
}
namespace a.b.c = 10
const K = 3
var v.w = [1]
namespace tools:
    def h(): pass
import m deferred as h2
s = "v=\${f(1)}"
var = 5
`;
    const r = parse(src);
    expect(r.diagnostics).toEqual([]);
    expect(kinds(r.module.body)).toEqual(['Assign', 'Assign', 'NamespaceAssign', 'NamespaceAssign', 'NamespaceAssign', 'NamespaceBlock', 'Import', 'Assign', 'Assign']);
  });
  it('names later constructs as unsupported', () => {
    for (const [src, what] of [['match x:\n    case 1:\n        pass\n', 'match'], ['async def f():\n    pass\n', 'async'], ['struct P:\n    x: int\n', 'struct']]) {
      const d = parse(src!).diagnostics;
      expect(d[0]!.code).toBe('unsupported');
      expect(d[0]!.message).toContain(what);
    }
  });
  it('reports semantic errors from scope analysis', () => {
    const r = compile('return 1\nbreak\ndef f(a, a): pass\nconst K = 1\nK = 2\nprint(undefined_thing)\n', 't.x');
    const msgs = r.diagnostics.map(d => `${d.line}:${d.severity}:${d.message}`);
    expect(msgs).toEqual(expect.arrayContaining([
      "1:error:'return' outside function", "2:error:'break' outside loop",
      "3:error:duplicate argument 'a' in function definition", "5:error:cannot assign to constant 'K'",
      "6:warning:undefined name 'undefined_thing'",
    ]));
    expect(r.diagnostics.find(d => d.code === 'undefined-name')!.suggestion).toBeUndefined();
    expect(compile('pritn(1)\n', 't.x').diagnostics[0]!.suggestion).toBe('print');
  });
});

// Random mutations of valid programs: the parser must never throw or hang, and whenever it
// reports a problem, the position must lie inside the file.
function prng(seed: number): () => number {
  return () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
}

describe('parser fuzz', () => {
  const seeds = [
    'def f(a, b=2, *c, **d):\n    return [x * 2 for x in a if x]\n',
    'class A(B):\n    x: int = 0\n    def m(self):\n        try:\n            pass\n        except E as e:\n            raise\n',
    's = f"{a!r:>{w}} ${b}"\nd = {1: (2, 3), **e}\nwhile x < 3: x += 1\n',
    'g = (x){ return x }\nnamespace a.b = 1\nwith open(p) as f, g:\n    y = lambda q: q\n',
  ];
  it('never throws, hangs, or reports positions outside the file', () => {
    const rnd = prng(1234);
    const pieces = ['(', ')', '[', ']', '{', '}', ':', '\n', '    ', '"', "'", 'def', 'if', '=', ',', '\\', '#', 'f"', '${', '0x', '.', '*', '@', 'lambda'];
    const start = Date.now();
    let mutated = 0;
    for (let round = 0; round < 3000; round++) {
      let src = seeds[round % seeds.length]!;
      const edits = 1 + Math.floor(rnd() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rnd() * (src.length + 1));
        const op = rnd();
        if (op < 0.35) src = src.slice(0, at) + src.slice(at + 1 + Math.floor(rnd() * 5));
        else if (op < 0.7) src = src.slice(0, at) + pieces[Math.floor(rnd() * pieces.length)] + src.slice(at);
        else if (op < 0.85) src = src.slice(0, at);
        else { const b = Math.floor(rnd() * src.length); src = src.slice(0, at) + src.slice(b, b + 10) + src.slice(at); }
      }
      const r = compile(src, 'fuzz.x');
      const lines = src.split(/\r\n|\r|\n/).length;
      for (const d of r.diagnostics) {
        expect(d.line).toBeGreaterThanOrEqual(1);
        expect(d.line).toBeLessThanOrEqual(lines + 1);
        expect(d.start).toBeGreaterThanOrEqual(0);
        expect(d.start).toBeLessThanOrEqual(src.length);
      }
      mutated++;
    }
    expect(mutated).toBe(3000);
    expect(Date.now() - start).toBeLessThan(30000);
  });
});
