// The language server's incremental document model must report exactly what a full parse and
// scope analysis of the same text reports, after any sequence of edits.
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DocModel, type LspDiag } from '../../lsp/analysis.js';
import { parse } from '../../compiler/parser.js';
import { analyze } from '../../compiler/scope.js';
import { rng } from './random.js';

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
/** Each diagnostic with its "did you mean", sorted. */
const withSuggestions = (ds: LspDiag[]) => ds.map(d => `${key(d)} -> ${d.suggestion ?? '-'}`).sort();

const SNIPPETS = ['x', 'foo', ' ', '\n', '\n    ', ':', '(', ')', '[', ']', '"', "'''", 'def g(a):\n    return a\n', 'class K:\n    pass\n',
  'if y:\n', '    ', '\t', '.', ',', '=', '+ 1', 'import math\n', 'global q\n', 'undefined_thing', 'print', 'prnt(1)\n', 'const C = 1\n',
  'from os import *\n', 'else:\n', '\\\n', '#', 'lambda z: z', '${', 'return', 'yield 1\n', '@dec\n', 'nonlocal w\n',
  // numbers that end inside a run of name characters, and non-ASCII names
  '2j', '0x1f', '1e5', '1_0', 'ñame', 'fo\u00e9'];

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
          // and the one a model built from this text makes (suggestions are updated incrementally)
          expect(withSuggestions(m.diagnostics())).toEqual(withSuggestions(new DocModel('f.x', text).diagnostics()));
        }
      }
      expect(shape(m.body())).toEqual(shape(parse(text, 'f.x').module.body));
      expect(m.stats.regionParses).toBeGreaterThan(m.stats.fullParses);
    });
  }

  const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
  it('re-analyses only the edited unit, and keeps suggestions right as similar names come and go', () => {
    // many similar module-level names across many units, some of them undefined where they are used
    const parts: string[] = [];
    for (let i = 0; i < 200; i++) {
      parts.push(`def helper_${i}(values, scale=2):\n    total = 0\n    for v in values:\n        total += v * scale\n    return total\n`,
        `data_${i} = helper_${i}([1, 2, 3]) + helper_${(i * 7) % 200}([4])\nprint(data_${i})\n`);
      // and names with no near neighbour, whose suggestion is unique once they are respelled
      if (i % 20 === 0) parts.push(`def ${WORDS[i / 20]}(x):\n    return x\n\nuse_${i} = ${WORDS[i / 20]}(1)\n`);
    }
    let text = parts.join('\n');
    const m = new DocModel('f.x', text);
    expect(m.units.length).toBeGreaterThan(5);
    const edit = (s: number, e: number, ins: string) => { text = text.slice(0, s) + ins + text.slice(e); m.edit(s, e, ins); m.sync(); };
    const check = () => {
      const got = m.diagnostics();
      expect(sorted(got)).toEqual(sorted(reference(text)));
      expect(withSuggestions(got)).toEqual(withSuggestions(new DocModel('f.x', text).diagnostics()));
      const ref = new Map(reference(text).map(d => [key(d), d.suggestion]));
      for (const d of got) if (d.suggestion !== undefined) expect(d.suggestion).toBe(ref.get(key(d)));
    };
    const r = rng(11);
    for (let step = 0; step < 60; step++) {
      const i = Math.floor(r() * 200);
      const roll = r();
      if (roll < 0.4) {
        // rename a definition (its users now read an undefined name), or rename it back
        const name = r() < 0.5 ? `helper_${i}` : WORDS[i % WORDS.length]!;
        const at = text.search(new RegExp(`^def ${name[0]}x?${name.slice(1)}\\(`, 'm'));
        const renamed = text.startsWith(`def ${name[0]}x`, at);
        if (renamed) edit(at + 5, at + 6, ''); else edit(at + 5, at + 5, 'x');
      } else if (roll < 0.6) {
        // a name near a (possibly undefined) name appears, in some other unit
        const at = text.indexOf(`data_${i} =`);
        edit(at, at, `${WORDS[Math.floor(r() * WORDS.length)]}s = 1\n`);
      } else if (roll < 0.8) {
        // such a name disappears, or moves further away
        const found = /^[a-z]+s = 1\n/m.exec(text);
        if (found) {
          const at = found.index;
          if (r() < 0.5) edit(at, at + found[0].length, ''); else edit(at + found[0].indexOf('s ='), at + found[0].indexOf('s ='), 'ss');
        }
      } else {
        // typing in a body: binds no new module-level name
        const at = text.indexOf('    total = 0', text.indexOf(`helper_${i}(values`));
        const before = m.stats.unitAnalyses;
        edit(at + 13, at + 13, ' + 1');
        expect(m.stats.unitAnalyses - before).toBe(1);
      }
      check();
    }
    expect(m.diagnostics().some(d => d.code === 'undefined-name')).toBe(true);
    expect(m.diagnostics().some(d => d.suggestion !== undefined)).toBe(true);
  });

  it('keeps "did you mean" suggestions', () => {
    const m = new DocModel('f.x', 'def helper():\n    return 1\n\nx = 1\nprint(helpr())\n');
    const d = m.diagnostics().find(x => x.code === 'undefined-name');
    expect(d?.suggestion).toBe('helper');
  });
});

describe('docs tables', () => {
  it('document every member the cantor module exports', async () => {
    const { STDLIB } = await import('../../lsp/docs.js');
    const { create } = await import('../../stdlib/cantor.js');
    // (members named _x are the module's own protocol, e.g. what import-thru calls on a node)
    const exported = Object.keys(create({} as never)).filter(k => !k.startsWith('_')).sort();
    const documented = [...STDLIB.cantor!.members.keys()].sort();
    expect(documented).toEqual(exported);
  });
});
