// The lexer: a hand-written scanner splits the source into raw tokens (names, numbers, strings,
// operators, newlines; whitespace, comments and `\`-newlines are skipped); one layout pass then
// produces what the parser reads: NEWLINE/INDENT/DEDENT by Python's rules (none inside brackets,
// except in a brace-lambda body, which has its own indentation stack), adjacent string literals
// joined, and diagnostics for unterminated strings, bad indentation and unclosed brackets.
// (It replaced a chevrotain lexer: the same token rules, at several times the speed and without
// its set-up at start-up.)
import { diag, type LineMap, type Diagnostic } from './diagnostics.js';

export type TT = 'name' | 'int' | 'float' | 'imag' | 'str' | 'op' | 'newline' | 'indent' | 'dedent' | 'eof';
export interface StrPart { kind: 'plain' | 'f' | 'b'; raw: boolean; body: string; bodyStart: number }
export interface Tok { t: TT; v: string; s: number; e: number; val?: unknown; str?: StrPart[] }

export const OPS = ['**=', '//=', '>>=', '<<=', '...', '!=', '==', '<=', '>=', '->', ':=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '@=',
  '**', '//', '<<', '>>', '<|', '|>', '+', '-', '*', '/', '%', '@', '&', '|', '^', '~', '<', '>', '(', ')', '[', ']', '{', '}', ',', ':', '.', ';', '='];

// Raw token kinds, in the order the rules are tried at a position: the first rule that matches
// wins (Newline, then skipped whitespace/comments/continuations, Str, OpenTriple, OpenStr, Num,
// Name, Op, and Invalid for any other single character).
const NEWLINE = 0, STR = 1, OPEN_TRIPLE = 2, OPEN_STR = 3, NUM = 4, NAME = 5, OP = 6, INVALID = 7;

/** Operators by length; a table lookup returns the interned literal (parser compares by ===). */
const OPS3 = new Map(OPS.filter(o => o.length === 3).map(o => [o, o]));
const OPS2 = new Map(OPS.filter(o => o.length === 2).map(o => [o, o]));
const OPS1: (string | undefined)[] = [];
for (const o of OPS) if (o.length === 1) OPS1[o.charCodeAt(0)] = o;

const isDigit = (c: number) => c >= 48 && c <= 57;
const isHex = (c: number) => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const isNameStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 0x80;
const isNameChar = (c: number) => isNameStart(c) || isDigit(c);

/** Raw tokens as parallel arrays (kind, start, end): no object per token. */
interface Raw { kind: Uint8Array; start: Int32Array; end: Int32Array; count: number }

/** The end of `[0-9](?:_?[0-9])*` at i (i itself when there is no digit). */
function digitsEnd(src: string, i: number, ok: (c: number) => boolean = isDigit): number {
  if (!ok(src.charCodeAt(i))) return i;
  i++;
  for (;;) {
    const c = src.charCodeAt(i);
    if (ok(c)) i++;
    else if (c === 95 && ok(src.charCodeAt(i + 1))) i += 2;
    else return i;
  }
}

/** The end of a number literal at i, or -1 (0x/0o/0b forms, decimals, floats, exponents, j). */
function numberEnd(src: string, i: number): number {
  const c = src.charCodeAt(i);
  if (c === 48) {
    const x = src.charCodeAt(i + 1) | 0x20;
    const ok = x === 120 ? isHex : x === 111 ? (d: number) => d >= 48 && d <= 55 : x === 98 ? (d: number) => d === 48 || d === 49 : null;
    if (ok) {
      // (?:_?digit)+ after the prefix
      let j = i + 2;
      for (;;) {
        const d = src.charCodeAt(j);
        if (ok(d)) j++;
        else if (d === 95 && ok(src.charCodeAt(j + 1))) j += 2;
        else break;
      }
      if (j > i + 2) return j;
    }
  }
  const d = digitsEnd(src, i);
  let j: number;
  if (src.charCodeAt(d) === 46 && isDigit(src.charCodeAt(d + 1))) j = digitsEnd(src, d + 1);
  else if (d > i) j = src.charCodeAt(d) === 46 ? d + 1 : d;
  else return -1;
  const e = src.charCodeAt(j);
  if (e === 101 || e === 69) {
    let k = j + 1;
    const sign = src.charCodeAt(k);
    if (sign === 43 || sign === 45) k++;
    if (isDigit(src.charCodeAt(k))) j = digitsEnd(src, k);
  }
  const im = src.charCodeAt(j);
  if (im === 106 || im === 74) j++;
  return j;
}

/** The length of a string prefix (r, b, f, u, rb, br, rf, fr in any case) followed by a quote at i, or -1. */
function prefixLength(src: string, i: number): number {
  const a = src.charCodeAt(i);
  if (a === 34 || a === 39) return 0;
  const la = a | 0x20, b = src.charCodeAt(i + 1), lb = b | 0x20;
  if (la !== 114 && la !== 98 && la !== 102 && la !== 117) return -1;
  if (b === 34 || b === 39) return 1;
  const c = src.charCodeAt(i + 2);
  if (c !== 34 && c !== 39) return -1;
  if (la === 114 && (lb === 98 || lb === 102)) return 2;
  if ((la === 98 || la === 102) && lb === 114) return 2;
  return -1;
}

/** A string literal at q (its opening quote): [kind, end]. */
function stringAt(src: string, q: number): [number, number] {
  const n = src.length;
  const quote = src.charCodeAt(q);
  if (src.charCodeAt(q + 1) === quote && src.charCodeAt(q + 2) === quote) {
    for (let i = q + 3; i < n;) {
      const c = src.charCodeAt(i);
      if (c === 92) { if (i + 1 >= n) break; i += 2; continue; }
      if (c === quote && src.charCodeAt(i + 1) === quote && src.charCodeAt(i + 2) === quote) return [STR, i + 3];
      i++;
    }
    return [OPEN_TRIPLE, n];
  }
  for (let i = q + 1; i < n;) {
    const c = src.charCodeAt(i);
    if (c === quote) return [STR, i + 1];
    if (c === 10 || c === 13) break;
    if (c === 92) { if (i + 1 >= n) break; i += 2; continue; }
    i++;
  }
  // unterminated: to the end of the line (a backslash escapes any character but a line break)
  let i = q + 1;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === 10 || c === 13) break;
    if (c === 92) {
      const d = src.charCodeAt(i + 1);
      if (i + 1 >= n || d === 10 || d === 13 || d === 0x2028 || d === 0x2029) break;
      i += 2;
      continue;
    }
    i++;
  }
  return [OPEN_STR, i];
}

/** The length of the longest operator at i (c is its first character), or 0. */
function opLength(src: string, i: number, c: number): number {
  const c2 = src.charCodeAt(i + 1);
  // ** // >> << with =, and ...
  if ((c === 42 || c === 47 || c === 62 || c === 60) && c2 === c && src.charCodeAt(i + 2) === 61) return 3;
  if (c === 46 && c2 === 46 && src.charCodeAt(i + 2) === 46) return 3;
  if (c2 === 61 && '!=<>+-*/%&|^@:'.includes(src[i]!)) return 2;
  if ((c2 === c && (c === 42 || c === 47 || c === 60 || c === 62)) || (c === 45 && c2 === 62) || (c === 60 && c2 === 124) || (c === 124 && c2 === 62)) return 2;
  return OPS1[c] !== undefined ? 1 : 0;
}

function scan(src: string): Raw {
  const n = src.length;
  // at most one token per character
  const kind = new Uint8Array(n), start = new Int32Array(n), end = new Int32Array(n);
  let count = 0;
  let i = 0;
  while (i < n) {
    const c = src.charCodeAt(i);
    const s = i;
    let k: number;
    if (c === 10 || c === 13) { i += c === 13 && src.charCodeAt(i + 1) === 10 ? 2 : 1; k = NEWLINE; }
    else if (c === 32 || c === 9 || c === 12) { i++; while (i < n) { const d = src.charCodeAt(i); if (d === 32 || d === 9 || d === 12) i++; else break; } continue; }
    else if (c === 35) { i++; while (i < n) { const d = src.charCodeAt(i); if (d === 10 || d === 13) break; i++; } continue; }
    else if (c === 92 && (src.charCodeAt(i + 1) === 10 || src.charCodeAt(i + 1) === 13)) { i += src.charCodeAt(i + 1) === 13 && src.charCodeAt(i + 2) === 10 ? 3 : 2; continue; }
    else {
      const p = c === 34 || c === 39 || (c | 0x20) === 114 || (c | 0x20) === 98 || (c | 0x20) === 102 || (c | 0x20) === 117 ? prefixLength(src, i) : -1;
      if (p >= 0) { const r = stringAt(src, i + p); k = r[0]; i = r[1]; }
      else if (isDigit(c) || (c === 46 && isDigit(src.charCodeAt(i + 1)))) { i = numberEnd(src, i); k = NUM; }
      else if (isNameStart(c)) { i++; while (i < n && isNameChar(src.charCodeAt(i))) i++; k = NAME; }
      else {
        const o = opLength(src, i, c);
        if (o > 0) { i += o; k = OP; } else { i++; k = INVALID; }
      }
    }
    kind[count] = k; start[count] = s; end[count] = i; count++;
  }
  return { kind, start, end, count };
}

/** The operator text at [s, e) as the interned literal. */
function opText(src: string, s: number, e: number): string {
  if (e - s === 1) return OPS1[src.charCodeAt(s)]!;
  const t = src.slice(s, e);
  return (e - s === 2 ? OPS2.get(t) : OPS3.get(t))!;
}

function strParts(image: string, start: number): StrPart | null {
  const m = /^([rRbBfFuU]{0,2})("""|'''|"|')/.exec(image)!;
  const prefix = m[1]!.toLowerCase(), q = m[2]!;
  const bodyStart = start + m[0].length;
  const closed = image.length >= m[0].length + q.length && image.endsWith(q) && image.length > m[0].length;
  const body = closed ? image.slice(m[0].length, image.length - q.length) : image.slice(m[0].length);
  return { kind: prefix.includes('b') ? 'b' : prefix.includes('f') ? 'f' : 'plain', raw: prefix.includes('r'), body, bodyStart };
}

function numberValue(clean: string): { t: TT; val: unknown } {
  // most literals are short decimal ints: exact as doubles below 10**15
  if (clean.length <= 15) {
    let digits = true;
    for (let i = 0; i < clean.length; i++) { const c = clean.charCodeAt(i); if (c < 48 || c > 57) { digits = false; break; } }
    if (digits) return { t: 'int', val: Number(clean) };
  }
  if (/[jJ]$/.test(clean)) return { t: 'imag', val: parseFloat(clean.slice(0, -1)) };
  if (/^0[xXoObB]/.test(clean)) { const b = BigInt(clean); return { t: 'int', val: b <= 9007199254740991n ? Number(b) : b }; }
  if (/[.eE]/.test(clean)) return { t: 'float', val: parseFloat(clean) };
  const b = BigInt(clean);
  return { t: 'int', val: b <= 9007199254740991n ? Number(b) : b };
}

/** Every token has the same shape (the parser's property reads stay monomorphic). */
function tok(t: TT, v: string, s: number, e: number, val?: unknown, str?: StrPart[]): Tok {
  return { t, v, s, e, val, str };
}

/** Tokens for the parser, with layout tokens; problems go to `diags`. Never throws. */
export function tokenize(src: string, diags: Diagnostic[], lines: LineMap): Tok[] {
  const { kind, start, end, count: n } = scan(src);
  const err = (s: number, e: number, msg: string, code = 'syntax') => diags.push(diag('error', code, msg, lines.range(s, Math.max(s, e))));
  const toks: Tok[] = [];
  const indents: number[] = [0];
  const brackets: { ch: string; at: number; indents?: number[]; base?: number }[] = [];
  const inBody = () => brackets.length > 0 && brackets[brackets.length - 1]!.ch === 'B';
  const significant = () => brackets.length === 0 || inBody();
  let atLineStart = true;
  let lineStart = 0;
  for (let k = 0; k < n; k++) {
    const type = kind[k]!, s = start[k]!, e = end[k]!;
    if (type === NEWLINE) {
      if (significant()) {
        const last = toks[toks.length - 1];
        if (last && last.t !== 'newline' && last.t !== 'indent' && last.t !== 'dedent' && !(last.t === 'op' && last.v === '{' && inBody())) toks.push(tok('newline', '', s, e));
      }
      atLineStart = true;
      lineStart = e;
      continue;
    }
    // the first real token of a line decides its indentation
    if (atLineStart && significant()) {
      atLineStart = false;
      let lineIndent = 0;
      for (let i = lineStart; i < s; i++) {
        const c = src.charCodeAt(i);
        if (c === 9) lineIndent = (lineIndent + 8) & ~7;
        else if (c === 32 || c === 12) lineIndent++;
        else break; // a `\`-continued line: its first token is not at a line start
      }
      const closesBody = type === OP && src.charCodeAt(s) === 125 && inBody();
      if (!closesBody) {
        const b = inBody() ? brackets[brackets.length - 1]! : null;
        const stack = b ? b.indents! : indents;
        if (b && b.base === undefined) { b.base = lineIndent; stack.length = 0; stack.push(lineIndent); }
        const top = stack[stack.length - 1]!;
        if (lineIndent > top) { stack.push(lineIndent); toks.push(tok('indent', '', s, s)); }
        else if (lineIndent < top) {
          while (stack.length > 1 && lineIndent < stack[stack.length - 1]!) { stack.pop(); toks.push(tok('dedent', '', s, s)); }
          if (lineIndent !== stack[stack.length - 1]!) err(s - lineIndent, s, 'unindent does not match any outer indentation level', 'indentation');
        }
      }
    }
    atLineStart = false;
    if (type === STR || type === OPEN_TRIPLE || type === OPEN_STR) {
      const img = src.slice(s, e);
      if (type !== STR) err(s, type === OPEN_TRIPLE ? Math.min(e, s + 3) : e, type === OPEN_TRIPLE ? 'unterminated triple-quoted string literal' : 'unterminated string literal');
      const part = strParts(img, s)!;
      const prev = toks[toks.length - 1];
      // adjacent literals (possibly across lines inside brackets) form one token
      if (prev && prev.t === 'str' && k > 0 && isJoinable(k, prev)) { prev.str!.push(part); prev.e = e; prev.v = src.slice(prev.s, e); }
      else toks.push(tok('str', img, s, e, undefined, [part]));
      continue;
    }
    if (type === NAME) { toks.push(tok('name', src.slice(s, e), s, e)); continue; }
    if (type === NUM) {
      const img = src.slice(s, e);
      if (k + 1 < n && start[k + 1] === e && (kind[k + 1] === NAME || kind[k + 1] === NUM)) {
        err(s, end[k + 1]!, `invalid number literal '${src.slice(s, end[k + 1])}'`);
        k++;
      }
      const clean = img.includes('_') ? img.replace(/_/g, '') : img;
      if (clean.charCodeAt(0) === 48 && /^0+[1-9]/.test(clean) && !/[.eEjJ]/.test(clean)) err(s, e, 'leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers');
      const { t: tt, val } = numberValue(clean);
      toks.push(tok(tt, img, s, e, val));
      continue;
    }
    if (type === OP) {
      const img = opText(src, s, e);
      if (img === '(' || img === '[' || img === '{') {
        const prev = toks[toks.length - 1];
        // `(params){` opens a brace-lambda body, where statements are separated by newlines
        if (img === '{' && prev && prev.t === 'op' && prev.v === ')' && !/[\r\n]/.test(src.slice(prev.e, s))) brackets.push({ ch: 'B', at: s, indents: [0] });
        else brackets.push({ ch: img, at: s });
      } else if (img === ')' || img === ']' || img === '}') {
        const top = brackets.pop();
        if (!top) err(s, e, `unmatched '${img}'`);
        else if (top.ch === 'B') {
          const last = toks[toks.length - 1];
          if (last && last.t !== 'newline' && !(last.t === 'op' && last.v === '{')) toks.push(tok('newline', '', s, s));
          while (top.indents!.length > 1) { top.indents!.pop(); toks.push(tok('dedent', '', s, s)); }
        } else {
          const want = top.ch === '(' ? ')' : top.ch === '[' ? ']' : '}';
          if (want !== img) err(s, e, `closing parenthesis '${img}' does not match opening parenthesis '${top.ch}'`);
        }
      }
      toks.push(tok('op', img, s, e));
      continue;
    }
    // Invalid
    const img = src.slice(s, e);
    err(s, e, img === '$' ? "'$' is only allowed inside strings (as ${...} interpolation)" : `invalid character '${img}' (U+${img.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`);
  }
  if (brackets.length) err(brackets[0]!.at, brackets[0]!.at + 1, `'${src[brackets[0]!.at]}' was never closed`);
  const last = toks[toks.length - 1];
  if (last && last.t !== 'newline' && last.t !== 'dedent') toks.push(tok('newline', '', src.length, src.length));
  while (indents.length > 1) { indents.pop(); toks.push(tok('dedent', '', src.length, src.length)); }
  toks.push(tok('eof', '', src.length, src.length));
  return toks;

  /** Whether the string at raw[k] continues the previous string token. */
  function isJoinable(k: number, prev: Tok): boolean {
    for (let j = k - 1; j >= 0; j--) {
      if (start[j]! < prev.s) return false;
      if (end[j]! <= prev.e) return true;
      if (kind[j] === NEWLINE && !significant()) continue;
      return false;
    }
    return false;
  }
}
