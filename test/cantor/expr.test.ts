// Resource requirement expressions: parsing, errors with a column, evaluation against a
// node's resources, what a requirement reserves, and why it is unmet.
import { describe, it, expect } from 'vitest';
import { parseRequirement, satisfies, explainUnmet, show, ResourceExprError, type Resources } from '../../runtime/cantor/expr.js';
import { Ledger, parseResourceSpec, ResourceSpecError } from '../../runtime/cantor/ledger.js';

const node: Resources = { quantities: { cpu: 2, GPU: 1, USBCamera: 1, memory: 1024 }, attributes: { zone: 'edge', arch: 'x64' } };
const ok = (text: string, r = node) => satisfies(parseRequirement(text), r);
const demand = (text: string) => { const d: Record<string, number> = {}; satisfies(parseRequirement(text), node, d); return d; };

describe('resource expressions', () => {
  it('evaluates comparisons, && || ! and Python spellings', () => {
    expect(ok('GPU >= 1 && USBCamera == 1 && zone == "edge"')).toBe(true);
    expect(ok("GPU >= 2 || zone == 'edge'")).toBe(true);
    expect(ok('GPU >= 2 or zone == "cloud"')).toBe(false);
    expect(ok('not (zone == "cloud") and cpu > 1')).toBe(true);
    expect(ok('!(GPU >= 1)')).toBe(false);
    expect(ok('memory >= 1_000')).toBe(true);
    expect(ok('USBCamera')).toBe(true);
  });

  it('treats names the node lacks as absent: only != holds', () => {
    expect(ok('TPU >= 0')).toBe(false);
    expect(ok('TPU == 0')).toBe(false);
    expect(ok('TPU != 1')).toBe(true);
    expect(ok('region == "eu"')).toBe(false);
  });

  it('does not order numbers against strings', () => {
    expect(ok('zone >= 1')).toBe(false);
    expect(ok('zone != 1')).toBe(true);
  });

  it('reserves what top-level conjuncts and the satisfied branch name', () => {
    expect(demand('GPU >= 1 && cpu > 1')).toEqual({ GPU: 1, cpu: 2 });
    expect(demand('USBCamera == 1')).toEqual({ USBCamera: 1 });
    expect(demand('GPU >= 5 || cpu >= 1')).toEqual({ cpu: 1 });
    expect(demand('!(GPU >= 1) || zone == "edge"')).toEqual({});
    expect(demand('cpu <= 8')).toEqual({});
  });

  it('reports syntax errors with the column and a caret', () => {
    const cases: [string, number, RegExp][] = [
      ['GPU >= ', 7, /expected a resource name or a value but found the end/],
      ['GPU = 1', 4, /'=' is not a comparison: write '=='/],
      ['GPU >= 1 & cpu', 9, /write '&&'/],
      ['(GPU >= 1', 9, /expected '\)'/],
      ['zone == "edge', 8, /unterminated string/],
      ['GPU >= 1 cpu', 9, /unexpected 'cpu'/],
      ['GPU # 1', 4, /unexpected character '#'/],
      ['', 0, /empty/],
    ];
    for (const [text, col, re] of cases) {
      let err: unknown;
      try { parseRequirement(text); } catch (e) { err = e; }
      expect(err, text).toBeInstanceOf(ResourceExprError);
      expect((err as ResourceExprError).column, text).toBe(col);
      expect((err as Error).message, text).toMatch(re);
      expect((err as Error).message).toContain(`\n  ${' '.repeat(col)}^`);
    }
    expect(() => parseRequirement('('.repeat(100) + 'GPU' + ')'.repeat(100))).toThrow(/nested too deeply/);
  });

  it('explains unmet requirements by resource', () => {
    const r: Resources = { quantities: { GPU: 0 }, attributes: {} };
    expect(explainUnmet(parseRequirement('GPU >= 1 && zone == "edge"'), r)).toEqual(['GPU >= 1 (GPU = 0)', 'zone == "edge" (zone is not provided)']);
    expect(explainUnmet(parseRequirement('GPU >= 0'), r)).toEqual([]);
    expect(show(parseRequirement('a>=1&&(b==2||!c)'))).toBe('a >= 1 && (b == 2 || !c)');
  });
});

describe('ledger', () => {
  it('parses --resources: numbers are quantities, other values attributes', () => {
    expect(parseResourceSpec('GPU=1, USBCamera=1,zone=edge,label="a b",fast=true')).toEqual({
      quantities: { GPU: 1, USBCamera: 1 }, attributes: { zone: 'edge', label: 'a b', fast: true },
    });
    expect(() => parseResourceSpec('GPU')).toThrow(ResourceSpecError);
    expect(() => parseResourceSpec('GPU=1,GPU=2')).toThrow(/given twice/);
    expect(() => parseResourceSpec('GPU=-1')).toThrow(/negative/);
    expect(() => parseResourceSpec('GPU=')).toThrow(/no value/);
  });

  it('reserves quantities while a task holds them and releases them once', () => {
    const l = new Ledger('n1', { spec: 'GPU=2,zone=edge', detect: false });
    const e = parseRequirement('GPU >= 1 && zone == "edge"');
    const a = l.tryReserve(e)!, b = l.tryReserve(e)!;
    expect(a.amounts).toEqual({ GPU: 1 });
    expect(l.tryReserve(e)).toBeNull();
    expect(l.snapshot().free.GPU).toBe(0);
    a.release(); a.release();
    expect(l.snapshot().free.GPU).toBe(1);
    b.release();
    expect(l.canEverSatisfy(parseRequirement('GPU >= 3'))).toEqual({ ok: false, unmet: ['GPU >= 3 (GPU = 2)'] });
    expect(l.canEverSatisfy(e)).toEqual({ ok: true });
  });
});
