// The language server's incremental document model must report exactly what a full parse and
// scope analysis of the same text reports, after any sequence of edits.
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DocModel, type LspDiag } from '../../lsp/analysis.js';
import { parse } from '../../compiler/parser.js';
import { analyze } from '../../compiler/scope.js';

const corpusDir = join(import.meta.dirname, '..', 'conformance');

function corpus(minLines: number): string {
  const files = readdirSync(corpusDir).filter(f => /^(py|xl)_.*\.x$/.test(f)).sort();
  let src = '', i = 0;
  while (src.split('\n').length < minLines) src += readFileSync(join(corpusDir, files[i++ % files.length]!), 'utf8') + '\n';
  return src;
}

function reference(text: string): LspDiag[] {
  const { module, diagnostics } = parse(text, 'f.x');
  const sc = analyze(module);
  return [...diagnostics, ...sc.diagnostics].map(d => {
    const x: LspDiag = { line: d.line - 1, col: d.col, endLine: d.endLine - 1, endCol: d.endCol, severity: d.severity, code: d.code, message: d.message };
    if (d.suggestion !== undefined) x.suggestion = d.suggestion;
    return x;
  });
}

const key = (d: LspDiag) => `${d.line}:${d.col}-${d.endLine}:${d.endCol} ${d.severity} ${d.code} ${d.message}`;

/** Positions of every node of the tree, for comparing trees. */
function shape(stmts: object[]): string[] {
  const out: string[] = [];
  const visit = (o: any) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    if (typeof o.start === 'number') out.push(`${o.kind ?? 'range'}@${o.start}-${o.end}:${o.line}.${o.col}-${o.endLine}.${o.endCol}`);
    for (const k in o) {
      if (k === 'binding' || k === 'rootName') continue;
      const v = o[k];
      if (v && typeof v === 'object' && !(v instanceof Uint8Array)) { if (Array.isArray(v)) v.forEach(x => x && typeof x === 'object' && visit(x)); else visit(v); }
    }
  };
  stmts.forEach(visit);
  return out;
}
const sorted = (ds: LspDiag[]) => ds.map(key).sort();

/** Seeded PRNG (mulberry32). */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SNIPPETS = ['x', 'foo', ' ', '\n', '\n    ', ':', '(', ')', '[', ']', '"', "'''", 'def g(a):\n    return a\n', 'class K:\n    pass\n',
  'if y:\n', '    ', '\t', '.', ',', '=', '+ 1', 'import math\n', 'global q\n', 'undefined_thing', 'print', 'prnt(1)\n', 'const C = 1\n',
  'from os import *\n', 'else:\n', '\\\n', '#', 'lambda z: z', '${', 'return', 'yield 1\n', '@dec\n', 'nonlocal w\n'];

/** A random edit: [start, end, text] in the current text. */
export function randomEdit(r: () => number, text: string): [number, number, string] {
  const at = Math.floor(r() * (text.length + 1));
  const roll = r();
  if (roll < 0.45) return [at, at, SNIPPETS[Math.floor(r() * SNIPPETS.length)]!];
  if (roll < 0.8) return [at, Math.min(text.length, at + 1 + Math.floor(r() * 12)), ''];
  if (roll < 0.9) {
    // delete whole lines
    const ls = text.lastIndexOf('\n', at - 1) + 1;
    let le = ls;
    for (let k = 0; k < 1 + Math.floor(r() * 3); k++) { const n = text.indexOf('\n', le); le = n < 0 ? text.length : n + 1; }
    return [ls, le, ''];
  }
  return [at, Math.min(text.length, at + Math.floor(r() * 6)), SNIPPETS[Math.floor(r() * SNIPPETS.length)]!];
}

describe('incremental document model', () => {
  it('starts with the diagnostics of a full analysis', () => {
    const text = corpus(1500);
    const m = new DocModel('f.x', text);
    expect(m.units.length).toBeGreaterThan(2);
    expect(sorted(m.diagnostics())).toEqual(sorted(reference(text)));
  });

  for (const seed of (process.env.LSP_SEEDS ? Array.from({ length: Number(process.env.LSP_SEEDS) }, (_, i) => i + 100) : [1, 2, 3, 4])) {
    it(`matches a full analysis after random edits (seed ${seed})`, () => {
      const r = rng(seed);
      let text = corpus(900);
      const m = new DocModel('f.x', text);
      for (let step = 0; step < 150; step++) {
        const [s, e, ins] = randomEdit(r, text);
        text = text.slice(0, s) + ins + text.slice(e);
        m.edit(s, e, ins);
        if (step % 3 === 0 || step > 140) {
          m.sync();
          expect(m.text).toBe(text);
          const got = sorted(m.diagnostics()), want = sorted(reference(text));
          if (got.join('\n') !== want.join('\n')) {
            throw new Error(`seed ${seed} step ${step}: diagnostics differ\n+ ${got.filter(x => !want.includes(x)).join('\n+ ')}\n- ${want.filter(x => !got.includes(x)).join('\n- ')}`);
          }
          // a suggestion the server keeps is the one the compiler makes (ties are dropped)
          const ref = new Map(reference(text).map(d => [key(d), d.suggestion]));
          for (const d of m.diagnostics()) if (d.suggestion !== undefined) expect(d.suggestion).toBe(ref.get(key(d)));
        }
      }
      expect(shape(m.body())).toEqual(shape(parse(text, 'f.x').module.body));
      expect(m.stats.regionParses).toBeGreaterThan(m.stats.fullParses);
    });
  }

  it('keeps "did you mean" suggestions', () => {
    const m = new DocModel('f.x', 'def helper():\n    return 1\n\nx = 1\nprint(helpr())\n');
    const d = m.diagnostics().find(x => x.code === 'undefined-name');
    expect(d?.suggestion).toBe('helper');
  });
});
