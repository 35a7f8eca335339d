// The re module: Python regular expressions on JS RegExp. A pattern is translated once:
// - Python-only syntax becomes JS syntax: (?P<name>...), (?P=name), (?#...), \A, \Z, inline
//   flags at the start, {,n}, a literal { or }, escapes of punctuation JS's u mode refuses,
//   \U0001F600, octal escapes; verbose patterns lose their whitespace and comments;
// - \d \w \s \b (and their negations) are Unicode-aware as in Python's str patterns (JS's are
//   ASCII), unless re.ASCII;
// - `$` without MULTILINE also matches before a final newline, as in Python.
// Positions are code points, as Python counts them (JS counts UTF-16 units). Searches go
// through one loop that follows CPython's rule for empty matches (after an empty match the
// next one must start further on). Conditional groups and possessive quantifiers are refused.
import type { StdlibContext } from './context.js';
import { raiseError, captureStack } from '../runtime/core/exceptions.js';
import { makeClass, nativeMethod, kwMap, argsByName, typeOf, construct, types, invoke } from '../runtime/core/objects.js';
import { PyDict, tuple } from '../runtime/core/containers.js';

const I = 2, L = 4, M = 8, S = 16, U = 32, X = 64, A = 256;

interface Compiled {
  source: string; flags: number; rx: RegExp; groups: number; names: Map<string, number>;
}

const W = '[\\p{L}\\p{N}\\p{Mn}_]', WIN = '\\p{L}\\p{N}\\p{Mn}_';
const SP = ' \\t\\n\\r\\f\\v\\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''));

export function create(ctx: StdlibContext): Record<string, unknown> {
  const error = makeClass('error', [types.Exception!], null, { module: 're' });
  const fail = (msg: string): never => { const e = construct(error, [msg]); captureStack(e); throw e; };
  const str = (x: unknown): string => ctx.rt.str(x);
  const tname = (x: unknown) => typeOf(x).pyName;
  const cache = new Map<string, Compiled>();

  /** Python pattern text to a JS RegExp source, with its flags and group names. */
  function translate(p: string, flags: number): Compiled {
    const key = flags + '\0' + p;
    const hit = cache.get(key);
    if (hit) return hit;
    let i = 0;
    // inline flags at the start: (?aiLmsux)
    const inline = /^\(\?([aiLmsux]+)\)/.exec(p);
    if (inline) {
      for (const c of inline[1]!) flags |= { a: A, i: I, L, m: M, s: S, u: U, x: X }[c as 'a']!;
      i = inline[0].length;
    }
    const ascii = (flags & A) !== 0, verbose = (flags & X) !== 0;
    const w = ascii ? '[A-Za-z0-9_]' : W, win = ascii ? 'A-Za-z0-9_' : WIN;
    const d = ascii ? '[0-9]' : '\\p{Nd}', din = ascii ? '0-9' : '\\p{Nd}';
    const s = ascii ? '[ \\t\\n\\r\\f\\v]' : `[${SP}]`, sin = ascii ? ' \\t\\n\\r\\f\\v' : SP;
    const names = new Map<string, number>();
    let out = '', groups = 0, inClass = false, classStart = false;
    // a class holding \W, \S or \D (Unicode mode) cannot stay one JS class: where it began in
    // `out`, whether it is negated, and the sets those escapes exclude
    let classAt = 0, classNeg = false, classNegs: string[] = [];
    const at = () => i;
    while (i < p.length) {
      const c = p[i]!;
      if (inClass) {
        if (c === ']' && !classStart) {
          inClass = false; i++;
          if (!classNegs.length) { out += ']'; continue; }
          const body = out.slice(classAt + (classNeg ? 2 : 1));
          out = out.slice(0, classAt);
          const anyOf = classNegs.map(n => `[^${n}]`);
          if (!classNeg) out += body ? `(?:[${body}]|${anyOf.join('|')})` : anyOf.length === 1 ? anyOf[0]! : `(?:${anyOf.join('|')})`;
          else out += `(?:${body ? `(?![${body}])` : ''}${classNegs.map(n => `(?=[${n}])`).join('')}[\\s\\S])`;
          continue;
        }
        classStart = false;
        if (c === '\\') { out += classEscape(); continue; }
        if (c === '[') { out += '\\['; i++; continue; }
        if (c === '-' || c === '^' || c === '/') { out += c === '/' ? '\\/' : c; i++; continue; }
        out += c; i++; continue;
      }
      if (verbose && /\s/.test(c)) { i++; continue; }
      if (verbose && c === '#') { while (i < p.length && p[i] !== '\n') i++; continue; }
      switch (c) {
        case '\\': out += escape(); continue;
        case '[':
          inClass = true; classStart = true; classAt = out.length; classNeg = false; classNegs = []; out += '['; i++;
          if (p[i] === '^') { out += '^'; i++; classNeg = true; }
          if (p[i] === ']') { out += '\\]'; i++; classStart = false; }
          continue;
        case '(': {
          if (p[i + 1] !== '?') { groups++; out += '('; i++; continue; }
          const rest = p.slice(i + 2);
          let m: RegExpExecArray | null;
          if ((m = /^P<([A-Za-z_]\w*)>/.exec(rest))) {
            groups++;
            if (names.has(m[1]!)) fail(`redefinition of group name '${m[1]}' as group ${groups}; was group ${names.get(m[1]!)} at position ${at()}`);
            names.set(m[1]!, groups);
            out += `(?<${m[1]}>`; i += 2 + m[0].length; continue;
          }
          if ((m = /^P=([A-Za-z_]\w*)\)/.exec(rest))) {
            if (!names.has(m[1]!)) fail(`unknown group name '${m[1]}' at position ${at() + 4}`);
            out += `\\k<${m[1]}>`; i += 2 + m[0].length; continue;
          }
          if (rest[0] === '#') { const e = p.indexOf(')', i); if (e < 0) fail('missing ), unterminated comment at position ' + at()); i = e + 1; continue; }
          if (rest[0] === '(') fail(`conditional groups are not supported (position ${at()})`);
          if (rest[0] === '>') fail(`atomic groups are not supported (position ${at()})`);
          if ((m = /^<([A-Za-z_]\w*)>/.exec(rest))) fail(`unknown extension ?<${m[1]} at position ${at() + 1}`);
          if ((m = /^([aiLmsux]+)(?:-([imsx]+))?:/.exec(rest)) && !/[aLu]/.test(m[1]!)) {
            out += `(?${m[1]}${m[2] ? '-' + m[2] : ''}:`; i += 2 + m[0].length; continue;
          }
          if (rest[0] === ':' || rest[0] === '=' || rest[0] === '!' || rest.startsWith('<=') || rest.startsWith('<!')) { out += '(?'; i += 2; continue; }
          if (/^[aiLmsux]+\)/.test(rest)) fail(`global flags not at the start of the expression at position ${at()}`);
          throw fail(`unknown extension ?${rest[0] ?? ''} at position ${at() + 1}`);
        }
        case '{': {
          const m = /^\{(\d*)(,(\d*))?\}/.exec(p.slice(i));
          if (m && (m[1] !== '' || m[3])) {
            if (p[i + m[0].length] === '+') fail(`possessive quantifiers are not supported (position ${at()})`);
            out += `{${m[1] || '0'}${m[2] !== undefined ? ',' + (m[3] ?? '') : ''}}`;
            i += m[0].length; continue;
          }
          out += '\\{'; i++; continue;
        }
        case '}': out += '\\}'; i++; continue;
        case '$': out += flags & M ? '(?=\\n|(?![\\s\\S]))' : '(?=\\n?(?![\\s\\S]))'; i++; continue;
        case '/': out += '\\/'; i++; continue;
        case ']': out += '\\]'; i++; continue;
        case '*': case '+': case '?':
          out += c; i++;
          if (p[i] === '+') fail(`possessive quantifiers are not supported (position ${i})`);
          continue;
        default: out += c; i++;
      }
    }
    if (inClass) fail(`unterminated character set at position ${p.lastIndexOf('[')}`);

    function escape(): string {
      const e = p[i + 1];
      if (e === undefined) fail(`bad escape (end of pattern) at position ${i}`);
      i += 2;
      switch (e) {
        case 'A': return '(?<![\\s\\S])';
        case 'Z': return '(?![\\s\\S])';
        case 'd': return d;
        case 'D': return ascii ? '[^0-9]' : '\\P{Nd}';
        case 'w': return w;
        case 'W': return `[^${win}]`;
        case 's': return s;
        case 'S': return `[^${sin}]`;
        case 'b': return `(?:(?<=${w})(?!${w})|(?<!${w})(?=${w}))`;
        case 'B': return `(?:(?<=${w})(?=${w})|(?<!${w})(?!${w}))`;
        default: return common(e!);
      }
    }
    function classEscape(): string {
      const e = p[i + 1];
      if (e === undefined) fail(`bad escape (end of pattern) at position ${i}`);
      i += 2;
      switch (e) {
        case 'd': return din;
        case 'w': return win;
        case 's': return sin;
        case 'D': case 'W': case 'S':
          if (ascii) return `\\${e}`;
          classNegs.push(e === 'D' ? din : e === 'W' ? win : sin);
          return '';
        case 'b': return '\\x08';
        case '-': return '\\-';
        default: return common(e!);
      }
    }
    // escapes that mean the same inside and outside a class
    function common(e: string): string {
      const hex = (n: number) => n > 0xffff ? `\\u{${n.toString(16)}}` : `\\u${n.toString(16).padStart(4, '0')}`;
      if (e === 'x') { const m = /^[0-9a-fA-F]{2}/.exec(p.slice(i)); if (!m) fail(`incomplete escape \\x at position ${i - 2}`); i += 2; return hex(parseInt(m![0], 16)); }
      if (e === 'u') { const m = /^[0-9a-fA-F]{4}/.exec(p.slice(i)); if (!m) fail(`incomplete escape \\u at position ${i - 2}`); i += 4; return hex(parseInt(m![0], 16)); }
      if (e === 'U') { const m = /^[0-9a-fA-F]{8}/.exec(p.slice(i)); if (!m) fail(`incomplete escape \\U at position ${i - 2}`); i += 8; return hex(parseInt(m![0], 16)); }
      if (e === '0') { const m = /^[0-7]{0,2}/.exec(p.slice(i))!; i += m[0].length; return hex(parseInt('0' + m[0], 8)); }
      if (e >= '1' && e <= '9') {
        if (inClass) fail(`bad escape \\${e} at position ${i - 2}`);
        const m = /^\d?/.exec(p.slice(i))!;
        const n = Number(e + m[0]);
        if (m[0] && /^[0-7]{2}/.test(e + m[0]) && n > groups) { i += m[0].length; return hex(parseInt(e + m[0], 8)); }
        i += m[0].length;
        if (n > groups) fail(`invalid group reference ${n} at position ${i - 2 - m[0].length}`);
        return `(?:\\${n})`;
      }
      if ('ntrfv'.includes(e)) return '\\' + e;
      if ('a' === e) return '\\x07';
      if (/[A-Za-z]/.test(e)) fail(`bad escape \\${e} at position ${i - 2}`);
      return JS_SYNTAX.has(e) || (e === '-' && inClass) ? '\\' + e : e === '\n' ? '\\n' : e;
    }

    let js = 'gdu';
    if (flags & I) js += 'i';
    if (flags & S) js += 's';
    if (flags & M) js += 'm';
    let rx: RegExp;
    try { rx = new RegExp(out, js); } catch (e) { return fail(`invalid pattern ${JSON.stringify(p)}: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`); }
    const c: Compiled = { source: p, flags: flags | (ascii ? 0 : U), rx, groups, names };
    if (cache.size < 512) cache.set(key, c);
    return c;
  }

  // --- positions: code points (Python) and UTF-16 units (JS) ----------------------------------
  const astral = (s: string) => /[\uD800-\uDFFF]/.test(s);
  // (`wide`: the string has astral characters, tested once per search rather than per position)
  const toUnits = (s: string, wide: boolean, cp: number) => { if (!wide) return cp; let u = 0; for (let k = 0; k < cp && u < s.length; k++) u += s.codePointAt(u)! > 0xffff ? 2 : 1; return u; };
  const toCps = (s: string, wide: boolean, u: number) => (wide ? Array.from(s.slice(0, u)).length : u);

  // --- Match -----------------------------------------------------------------------------------
  const Match = makeClass('Match', [], null, { module: 're' }) as any;
  interface MatchState { m: RegExpExecArray; c: Compiled; string: string; wide: boolean; pos: number; endpos: number; pattern: any }
  const ms = (x: any): MatchState => x.__m;
  const mkMatch = (st: MatchState) => { const o = new Match.Inst(); Object.defineProperty(o, '__m', { value: st }); return o; };
  const groupIndex = (st: MatchState, g: unknown): number => {
    if (typeof g === 'number' && Number.isInteger(g)) { if (g < 0 || g > st.c.groups) raiseError('IndexError', 'no such group'); return g; }
    if (typeof g === 'string') { const n = st.c.names.get(g); if (n === undefined) raiseError('IndexError', 'no such group'); return n; }
    if (typeof g === 'boolean') return groupIndex(st, g ? 1 : 0);
    return raiseError('IndexError', 'no such group');
  };
  const groupValue = (st: MatchState, n: number, dflt: unknown = null): unknown => st.m[n] ?? dflt;
  const span = (st: MatchState, n: number): [number, number] => {
    const ix = st.m.indices![n];
    return ix ? [toCps(st.string, st.wide, ix[0]), toCps(st.string, st.wide, ix[1])] : [-1, -1];
  };
  nativeMethod(Match.prototype, 'group', function (this: any, ...gs: unknown[]) {
    const st = ms(this);
    if (gs.length === 0) return groupValue(st, 0);
    if (gs.length === 1) return groupValue(st, groupIndex(st, gs[0]));
    return tuple(gs.map(g => groupValue(st, groupIndex(st, g))));
  });
  nativeMethod(Match.prototype, '__getitem__', function (this: any, g: unknown) { const st = ms(this); return groupValue(st, groupIndex(st, g)); });
  nativeMethod(Match.prototype, 'groups', function (this: any, ...a: unknown[]) {
    const { pos, kw } = kwMap(a); const dflt = kw.get('default') ?? pos[0] ?? null; const st = ms(this);
    return tuple(Array.from({ length: st.c.groups }, (_, k) => groupValue(st, k + 1, dflt)));
  });
  nativeMethod(Match.prototype, 'groupdict', function (this: any, ...a: unknown[]) {
    const { pos, kw } = kwMap(a); const dflt = kw.get('default') ?? pos[0] ?? null; const st = ms(this);
    const dct = new PyDict();
    for (const [name, n] of st.c.names) dct.set(name, groupValue(st, n, dflt));
    return dct;
  });
  nativeMethod(Match.prototype, 'start', function (this: any, g: unknown = 0) { const st = ms(this); return span(st, groupIndex(st, g))[0]; });
  nativeMethod(Match.prototype, 'end', function (this: any, g: unknown = 0) { const st = ms(this); return span(st, groupIndex(st, g))[1]; });
  nativeMethod(Match.prototype, 'span', function (this: any, g: unknown = 0) { const st = ms(this); return tuple(span(st, groupIndex(st, g))); });
  nativeMethod(Match.prototype, 'expand', function (this: any, template: unknown) { return expand(ms(this), str(template)); });
  nativeMethod(Match.prototype, '__repr__', function (this: any) {
    const st = ms(this), [a, b] = span(st, 0);
    return `<re.Match object; span=(${a}, ${b}), match=${ctx.rt.repr(st.m[0])}>`;
  });
  nativeMethod(Match.prototype, '__bool__', () => true);
  for (const [name, get] of [
    ['string', (st: MatchState) => st.string], ['pos', (st: MatchState) => st.pos], ['endpos', (st: MatchState) => st.endpos],
    ['re', (st: MatchState) => st.pattern],
    ['lastindex', (st: MatchState) => { let last: number | null = null, end = -1; for (let k = 1; k <= st.c.groups; k++) { const ix = st.m.indices![k]; if (ix && ix[1] >= end) { end = ix[1]; last = k; } } return last; }],
    ['lastgroup', (st: MatchState) => { let last: string | null = null, end = -1; for (const [nm, k] of st.c.names) { const ix = st.m.indices![k]; if (ix && ix[1] >= end) { end = ix[1]; last = nm; } } return last; }],
  ] as const) Object.defineProperty(Match.prototype, '$' + name, { get(this: any) { return (get as (st: MatchState) => unknown)(ms(this)); } });

  /** A replacement template: \1, \g<1>, \g<name>, and the usual escapes. */
  function expand(st: MatchState, t: string): string {
    return t.replace(/\\(g<([^>]*)>|(\d{1,2})|[ntrfvab\\]|.)/gs, (all, _x, g: string | undefined, num: string | undefined) => {
      if (g !== undefined) {
        const n = /^\d+$/.test(g) ? Number(g) : st.c.names.get(g);
        if (n === undefined) raiseError('IndexError', `unknown group name '${g}'`);
        if (n > st.c.groups) fail(`invalid group reference ${n}`);
        return (st.m[n] ?? '') as string;
      }
      if (num !== undefined) { const n = Number(num); if (n > st.c.groups) fail(`invalid group reference ${n}`); return st.m[n] ?? ''; }
      const e = all[1]!;
      const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', b: '\b', '\\': '\\' };
      if (map[e] !== undefined) return map[e]!;
      if (/[A-Za-z]/.test(e)) fail(`bad escape \\${e}`);
      return all;
    });
  }

  // --- Pattern ---------------------------------------------------------------------------------
  const Pattern = makeClass('Pattern', [], null, { module: 're' }) as any;
  const pc = (x: any): Compiled => x.__c;
  const mkPattern = (c: Compiled) => { const o = new Pattern.Inst(); Object.defineProperty(o, '__c', { value: c }); return o; };
  const patternOf = (p: unknown, flags: unknown): any => {
    if (p instanceof Pattern.Inst) {
      if (flags !== undefined && flags !== 0) raiseError('ValueError', 'cannot process flags argument with a compiled pattern');
      return p;
    }
    if (typeof p !== 'string') raiseError('TypeError', `first argument must be string or compiled pattern, not ${tname(p)}`);
    return mkPattern(translate(p as string, flags === undefined ? 0 : Number(flags)));
  };

  /**
   * The matches in string[pos:endpos] from `pos` (code points): anchored to the start (match),
   * to both ends (fullmatch), or anywhere (search), each next one after the previous, with
   * CPython's rule for empty matches.
   */
  function* scan(pat: any, string: unknown, pos: unknown, endpos: unknown, mode: 'search' | 'match' | 'full', once: boolean): Generator<MatchState> {
    if (typeof string !== 'string') raiseError('TypeError', `expected string or bytes-like object, got '${tname(string)}'`);
    const c = pc(pat), s = string as string;
    const wide = astral(s);
    const n = wide ? Array.from(s).length : s.length;
    let p0 = pos === undefined || pos === null ? 0 : Number(pos), e0 = endpos === undefined || endpos === null ? n : Number(endpos);
    p0 = Math.max(0, Math.min(p0, n)); e0 = Math.max(p0, Math.min(e0, n));
    const hay = e0 < n ? s.slice(0, toUnits(s, wide, e0)) : s;
    let rx = c.rx;
    if (mode !== 'search') rx = new RegExp(mode === 'full' ? `(?:${rx.source})(?![\\s\\S])` : rx.source, rx.flags.replace('g', '') + 'y');
    let at = toUnits(s, wide, p0), mustAdvance = false;
    while (at <= hay.length) {
      rx.lastIndex = at;
      let m = rx.exec(hay);
      if (m && mustAdvance && m[0] === '' && m.index === at) {
        if (mode !== 'search' || at >= hay.length) return;
        rx.lastIndex = at + (hay.codePointAt(at)! > 0xffff ? 2 : 1);
        m = rx.exec(hay);
      }
      if (!m) return;
      yield { m, c, string: s, wide, pos: p0, endpos: e0, pattern: pat };
      if (once) return;
      const end = m.index + m[0].length;
      mustAdvance = m[0] === '';
      at = end;
      if (mode !== 'search') return;
    }
  }

  const first = (pat: any, s: unknown, pos: unknown, endpos: unknown, mode: 'search' | 'match' | 'full') => {
    for (const st of scan(pat, s, pos, endpos, mode, true)) return mkMatch(st);
    return null;
  };
  const findall = (pat: any, s: unknown, pos?: unknown, endpos?: unknown) => {
    const c = pc(pat), out: unknown[] = [];
    for (const st of scan(pat, s, pos, endpos, 'search', false)) {
      if (c.groups === 0) out.push(st.m[0]);
      else if (c.groups === 1) out.push(st.m[1] ?? '');
      else out.push(tuple(Array.from({ length: c.groups }, (_, k) => st.m[k + 1] ?? '')));
    }
    return out;
  };
  const subn = (pat: any, repl: unknown, s: unknown, count: unknown = 0): [string, number] => {
    if (typeof s !== 'string') raiseError('TypeError', `expected string or bytes-like object, got '${tname(s)}'`);
    const limit = Number(count ?? 0);
    let out = '', last = 0, k = 0;
    const str_ = s as string;
    for (const st of scan(pat, str_, 0, null, 'search', false)) {
      if (limit > 0 && k >= limit) break;
      out += str_.slice(last, st.m.index);
      if (typeof repl === 'string') out += expand(st, repl);
      else { const r = invoke(repl, undefined, [mkMatch(st)]); if (typeof r !== 'string') raiseError('TypeError', `expected str instance, ${tname(r)} found`); out += r; }
      last = st.m.index + st.m[0].length;
      k++;
    }
    return [out + str_.slice(last), k];
  };
  const split = (pat: any, s: unknown, maxsplit: unknown = 0) => {
    if (typeof s !== 'string') raiseError('TypeError', `expected string or bytes-like object, got '${tname(s)}'`);
    const c = pc(pat), limit = Number(maxsplit ?? 0), out: unknown[] = [];
    let last = 0, k = 0;
    for (const st of scan(pat, s, 0, null, 'search', false)) {
      if (limit > 0 && k >= limit) break;
      out.push((s as string).slice(last, st.m.index));
      for (let g = 1; g <= c.groups; g++) out.push(st.m[g] ?? null);
      last = st.m.index + st.m[0].length;
      k++;
    }
    out.push((s as string).slice(last));
    return out;
  };

  const kwf = <T extends (...a: any[]) => unknown>(f: T): T => Object.assign(f, { kw: true });
  const method = (name: string, f: (this: any, ...a: any[]) => unknown) => { nativeMethod(Pattern.prototype, name, f); (Pattern.prototype['$' + name] as any).kw = true; };
  method('match', function (...a) { const [s, p, e] = argsByName(a, ['string', 'pos', 'endpos']); return first(this, s, p, e, 'match'); });
  method('fullmatch', function (...a) { const [s, p, e] = argsByName(a, ['string', 'pos', 'endpos']); return first(this, s, p, e, 'full'); });
  method('search', function (...a) { const [s, p, e] = argsByName(a, ['string', 'pos', 'endpos']); return first(this, s, p, e, 'search'); });
  method('findall', function (...a) { const [s, p, e] = argsByName(a, ['string', 'pos', 'endpos']); return findall(this, s, p, e); });
  method('finditer', function (...a) { const [s, p, e] = argsByName(a, ['string', 'pos', 'endpos']); return (function* (pat) { for (const st of scan(pat, s, p, e, 'search', false)) yield mkMatch(st); })(this); });
  method('sub', function (...a) { const [r, s, n] = argsByName(a, ['repl', 'string', 'count']); return subn(this, r, s, n)[0]; });
  method('subn', function (...a) { const [r, s, n] = argsByName(a, ['repl', 'string', 'count']); return tuple(subn(this, r, s, n)); });
  method('split', function (...a) { const [s, n] = argsByName(a, ['string', 'maxsplit']); return split(this, s, n); });
  nativeMethod(Pattern.prototype, '__repr__', function (this: any) { const c = pc(this); return `re.compile(${ctx.rt.repr(c.source)}${c.flags & ~U ? ', ' + flagNames(c.flags) : ''})`; });
  Object.defineProperty(Pattern.prototype, '$pattern', { get(this: any) { return pc(this).source; } });
  Object.defineProperty(Pattern.prototype, '$flags', { get(this: any) { return pc(this).flags; } });
  Object.defineProperty(Pattern.prototype, '$groups', { get(this: any) { return pc(this).groups; } });
  Object.defineProperty(Pattern.prototype, '$groupindex', { get(this: any) { const d = new PyDict(); for (const [k, v] of pc(this).names) d.set(k, v); return d; } });
  nativeMethod(Pattern.prototype, '__eq__', function (this: any, o: unknown) { return o instanceof Pattern.Inst && pc(o).source === pc(this).source && pc(o).flags === pc(this).flags; });
  nativeMethod(Pattern.prototype, '__hash__', function (this: any) { let h = pc(this).flags; for (const ch of pc(this).source) h = Math.imul(h ^ ch.codePointAt(0)!, 16777619); return h | 0; });

  function flagNames(f: number): string {
    const n: string[] = [];
    for (const [v, name] of [[I, 'IGNORECASE'], [L, 'LOCALE'], [M, 'MULTILINE'], [S, 'DOTALL'], [X, 'VERBOSE'], [A, 'ASCII']] as const) if (f & v) n.push('re.' + name);
    return n.join('|');
  }

  const withPattern = (names: string[], f: (pat: any, rest: unknown[]) => unknown) => kwf((...a: unknown[]) => {
    const all = argsByName(a, names);
    const fi = names.indexOf('flags');
    return f(patternOf(all[0], fi >= 0 ? all[fi] : undefined), all.slice(1));
  });
  const escapeChars = new Set('()[]{}?*+-|^$\\.&~# \t\n\r\v\f'.split(''));
  return {
    error,
    Pattern,
    Match,
    I, IGNORECASE: I, L, LOCALE: L, M, MULTILINE: M, S, DOTALL: S, U, UNICODE: U, X, VERBOSE: X, A, ASCII: A, NOFLAG: 0,
    compile: kwf((...a: unknown[]) => { const [p, f] = argsByName(a, ['pattern', 'flags']); return patternOf(p, f); }),
    search: withPattern(['pattern', 'string', 'flags'], (pat, [s]) => first(pat, s, 0, null, 'search')),
    match: withPattern(['pattern', 'string', 'flags'], (pat, [s]) => first(pat, s, 0, null, 'match')),
    fullmatch: withPattern(['pattern', 'string', 'flags'], (pat, [s]) => first(pat, s, 0, null, 'full')),
    findall: withPattern(['pattern', 'string', 'flags'], (pat, [s]) => findall(pat, s)),
    finditer: withPattern(['pattern', 'string', 'flags'], (pat, [s]) => (function* () { for (const st of scan(pat, s, 0, null, 'search', false)) yield mkMatch(st); })()),
    sub: withPattern(['pattern', 'repl', 'string', 'count', 'flags'], (pat, [r, s, n]) => subn(pat, r, s, n)[0]),
    subn: withPattern(['pattern', 'repl', 'string', 'count', 'flags'], (pat, [r, s, n]) => tuple(subn(pat, r, s, n))),
    split: withPattern(['pattern', 'string', 'maxsplit', 'flags'], (pat, [s, n]) => split(pat, s, n)),
    escape: (p: unknown) => Array.from(str(p), ch => (escapeChars.has(ch) ? '\\' + ch : ch)).join(''),
    purge: () => { cache.clear(); return null; },
  };
}

