// Resource requirement expressions: `GPU >= 1 && USBCamera == 1 && zone == "edge"`.
//
// A requirement is parsed once (parseRequirement) and then evaluated against ledger entries.
// Names are resources of the entry: quantities (numbers: cpu, memory, GPU, user counts) and
// attributes (strings or numbers: zone, arch...). Python spellings (and, or, not, True,
// False) are accepted beside &&, ||, !, true, false.
//
// Meaning, chosen so that a requirement both selects a node and says what to reserve there:
// - a comparison on a quantity compares the node's FREE amount; a name the node does not have
//   compares as absent: every comparison with it is false except `!=`;
// - a top-level conjunct `Q >= n`, `Q > n` or `Q == n` on a quantity also reserves n (n+1
//   for an integer `>`, the smallest amount that satisfies it) while the task runs; inside
//   `||` the first satisfied branch decides; under `!` nothing is reserved.
// Pure code (no Node API): the ledger and the scheduler both use it.

export type Value = number | string | boolean;
type Op = '==' | '!=' | '>=' | '<=' | '>' | '<';

export type Expr =
  | { k: 'and' | 'or'; l: Expr; r: Expr }
  | { k: 'not'; e: Expr }
  | { k: 'cmp'; op: Op; l: Term; r: Term }
  | { k: 'term'; t: Term };
export type Term = { k: 'name'; name: string; col: number } | { k: 'lit'; v: Value };

export class ResourceExprError extends Error {
  constructor(readonly text: string, readonly column: number, readonly reason: string) {
    super(`invalid resource expression at column ${column + 1}: ${reason}\n  ${text}\n  ${' '.repeat(column)}^`);
  }
}

interface Tok { t: 'name' | 'num' | 'str' | 'op' | 'end'; v: string; col: number }

const OPS = ['&&', '||', '==', '!=', '>=', '<=', '>', '<', '!', '(', ')'];

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) { i++; continue; }
    const start = i;
    if (/[A-Za-z_]/.test(c)) {
      while (i < text.length && /[\w.\-]/.test(text[i]!)) i++;
      out.push({ t: 'name', v: text.slice(start, i), col: start });
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      while (i < text.length && /[0-9._eE]/.test(text[i]!)) i++;
      const v = text.slice(start, i);
      if (!Number.isFinite(Number(v.replace(/_/g, '')))) throw new ResourceExprError(text, start, `'${v}' is not a number`);
      out.push({ t: 'num', v: v.replace(/_/g, ''), col: start });
    } else if (c === '"' || c === "'") {
      i++;
      let s = '';
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        s += text[i++];
      }
      if (i >= text.length) throw new ResourceExprError(text, start, 'unterminated string');
      i++;
      out.push({ t: 'str', v: s, col: start });
    } else {
      const op = OPS.find(o => text.startsWith(o, i)) ?? (c === '=' ? '=' : c === '&' ? '&' : c === '|' ? '|' : null);
      if (op === '=') throw new ResourceExprError(text, start, "'=' is not a comparison: write '=='");
      if (op === '&' || op === '|') throw new ResourceExprError(text, start, `write '${op}${op}'`);
      if (!op) throw new ResourceExprError(text, start, `unexpected character '${c}'`);
      i += op.length;
      out.push({ t: 'op', v: op, col: start });
    }
  }
  out.push({ t: 'end', v: '', col: text.length });
  return out;
}

/** Parses a requirement; throws ResourceExprError with the column and a caret line. */
export function parseRequirement(text: string): Expr {
  if (typeof text !== 'string' || text.trim() === '') throw new ResourceExprError(String(text ?? ''), 0, 'the expression is empty');
  if (text.length > 4096) throw new ResourceExprError(text.slice(0, 40) + '...', 0, 'the expression is longer than 4096 characters');
  const toks = tokenize(text);
  let p = 0;
  let depth = 0;
  const peek = () => toks[p]!;
  const isOp = (...vs: string[]) => { const t = peek(); return (t.t === 'op' && vs.includes(t.v)) || (t.t === 'name' && vs.includes(t.v)); };
  const fail = (reason: string): never => { throw new ResourceExprError(text, peek().col, reason); };
  const describe = (t: Tok) => (t.t === 'end' ? 'the end' : `'${t.v}'`);

  const or = (): Expr => {
    let l = and();
    while (isOp('||', 'or')) { p++; l = { k: 'or', l, r: and() }; }
    return l;
  };
  const and = (): Expr => {
    let l = not();
    while (isOp('&&', 'and')) { p++; l = { k: 'and', l, r: not() }; }
    return l;
  };
  const not = (): Expr => {
    if (isOp('!', 'not')) { p++; return { k: 'not', e: not() }; }
    return cmp();
  };
  const cmp = (): Expr => {
    if (isOp('(')) {
      if (++depth > 64) fail('parentheses nested too deeply');
      p++;
      const e = or();
      if (!isOp(')')) fail(`expected ')' but found ${describe(peek())}`);
      p++;
      depth--;
      return e;
    }
    const l = term();
    const t = peek();
    if (t.t === 'op' && ['==', '!=', '>=', '<=', '>', '<'].includes(t.v)) {
      p++;
      return { k: 'cmp', op: t.v as Op, l, r: term() };
    }
    return { k: 'term', t: l };
  };
  const term = (): Term => {
    const t = peek();
    if (t.t === 'num') { p++; return { k: 'lit', v: Number(t.v) }; }
    if (t.t === 'str') { p++; return { k: 'lit', v: t.v }; }
    if (t.t === 'name') {
      if (['and', 'or', 'not'].includes(t.v)) fail(`expected a resource name or a value but found '${t.v}'`);
      p++;
      if (t.v === 'true' || t.v === 'True') return { k: 'lit', v: true };
      if (t.v === 'false' || t.v === 'False') return { k: 'lit', v: false };
      return { k: 'name', name: t.v, col: t.col };
    }
    return fail(`expected a resource name or a value but found ${describe(t)}`);
  };
  const e = or();
  if (peek().t !== 'end') fail(`unexpected ${describe(peek())} (expected && or || between conditions)`);
  return e;
}

/** What an expression is evaluated against: a node's free quantities and its attributes. */
export interface Resources {
  quantities: Record<string, number>;
  attributes: Record<string, Value>;
}

const ABSENT = Symbol('absent');

function valueOf(t: Term, r: Resources): Value | typeof ABSENT {
  if (t.k === 'lit') return t.v;
  if (Object.prototype.hasOwnProperty.call(r.quantities, t.name)) return r.quantities[t.name]!;
  if (Object.prototype.hasOwnProperty.call(r.attributes, t.name)) return r.attributes[t.name]!;
  return ABSENT;
}

function compare(op: Op, a: Value | typeof ABSENT, b: Value | typeof ABSENT): boolean {
  if (a === ABSENT || b === ABSENT) return op === '!=';
  if (op === '==') return a === b;
  if (op === '!=') return a !== b;
  if (typeof a !== typeof b) return false; // 3 >= "x": no order between kinds
  switch (op) {
    case '>=': return a >= b;
    case '<=': return a <= b;
    case '>': return a > b;
    default: return a < b;
  }
}

/**
 * Whether `r` satisfies `e`; when it does, `demand` receives the quantities to reserve (see
 * the header for the rule).
 */
export function satisfies(e: Expr, r: Resources, demand?: Record<string, number>): boolean {
  switch (e.k) {
    case 'and': {
      const d: Record<string, number> = {};
      if (!satisfies(e.l, r, d) || !satisfies(e.r, r, d)) return false;
      if (demand) for (const [k, v] of Object.entries(d)) demand[k] = Math.max(demand[k] ?? 0, v);
      return true;
    }
    case 'or': {
      const d: Record<string, number> = {};
      const ok = satisfies(e.l, r, d) || satisfies(e.r, r, d);
      if (ok && demand) for (const [k, v] of Object.entries(d)) demand[k] = Math.max(demand[k] ?? 0, v);
      return ok;
    }
    case 'not': return !satisfies(e.e, r);
    case 'term': {
      const v = valueOf(e.t, r);
      return v !== ABSENT && v !== false && v !== 0 && v !== '';
    }
    case 'cmp': {
      const ok = compare(e.op, valueOf(e.l, r), valueOf(e.r, r));
      if (ok && demand && e.l.k === 'name' && e.r.k === 'lit' && typeof e.r.v === 'number' &&
          Object.prototype.hasOwnProperty.call(r.quantities, e.l.name)) {
        const n = e.op === '>=' || e.op === '==' ? e.r.v : e.op === '>' ? (Number.isInteger(e.r.v) ? e.r.v + 1 : e.r.v) : 0;
        if (n > 0) demand[e.l.name] = Math.max(demand[e.l.name] ?? 0, n);
      }
      return ok;
    }
  }
}

/**
 * Why `r` does not satisfy `e`, as short phrases naming the resources involved
 * ("GPU >= 1 (this node has GPU = 0)", "zone == \"edge\" (zone is not set)"); empty when it does.
 */
export function explainUnmet(e: Expr, r: Resources): string[] {
  if (satisfies(e, r)) return [];
  switch (e.k) {
    case 'and': return [...explainUnmet(e.l, r), ...explainUnmet(e.r, r)];
    case 'or': return [`none of: ${[...explainUnmet(e.l, r), ...explainUnmet(e.r, r)].join('; ')}`];
    case 'not': return [`not (${show(e.e)})`];
    default: {
      const names = (e.k === 'cmp' ? [e.l, e.r] : [e.t]).filter((t): t is Extract<Term, { k: 'name' }> => t.k === 'name');
      const have = names.map(n => {
        const v = valueOf(n, r);
        return v === ABSENT ? `${n.name} is not provided` : `${n.name} = ${JSON.stringify(v)}`;
      });
      return [`${show(e)}${have.length ? ` (${have.join(', ')})` : ''}`];
    }
  }
}

/** The expression as text (normalized spacing and operators). */
export function show(e: Expr): string {
  const term = (t: Term) => (t.k === 'name' ? t.name : JSON.stringify(t.v));
  switch (e.k) {
    case 'and': return `${wrap(e.l, 'or')} && ${wrap(e.r, 'or')}`;
    case 'or': return `${show(e.l)} || ${show(e.r)}`;
    case 'not': return `!${e.e.k === 'cmp' || e.e.k === 'and' || e.e.k === 'or' ? `(${show(e.e)})` : show(e.e)}`;
    case 'cmp': return `${term(e.l)} ${e.op} ${term(e.r)}`;
    case 'term': return term(e.t);
  }
}

function wrap(e: Expr, kind: 'or'): string {
  return e.k === kind ? `(${show(e)})` : show(e);
}

/** Resource names an expression mentions (for "which resource is missing"). */
export function namesOf(e: Expr, out = new Set<string>()): Set<string> {
  switch (e.k) {
    case 'and': case 'or': namesOf(e.l, out); namesOf(e.r, out); break;
    case 'not': namesOf(e.e, out); break;
    case 'cmp': for (const t of [e.l, e.r]) if (t.k === 'name') out.add(t.name); break;
    case 'term': if (e.t.k === 'name') out.add(e.t.name); break;
  }
  return out;
}
