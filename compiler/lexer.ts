// The lexer: chevrotain splits the source into raw tokens (names, numbers, strings, operators,
// comments, newlines, whitespace); one layout pass then produces what the parser reads:
// NEWLINE/INDENT/DEDENT by Python's rules (none inside brackets, except in a brace-lambda body,
// which has its own indentation stack), adjacent string literals joined, and diagnostics for
// unterminated strings, bad indentation and unclosed brackets.
import { createToken, Lexer, type IToken, type TokenType } from 'chevrotain';
import { diag, type LineMap, type Diagnostic } from './diagnostics.js';

export type TT = 'name' | 'int' | 'float' | 'imag' | 'str' | 'op' | 'newline' | 'indent' | 'dedent' | 'eof';
export interface StrPart { kind: 'plain' | 'f' | 'b'; raw: boolean; body: string; bodyStart: number }
export interface Tok { t: TT; v: string; s: number; e: number; val: unknown; str: StrPart[] | undefined }

/** A token; every one has the same fields, so the parser's reads of them stay monomorphic. */
export function tok(t: TT, v: string, s: number, e: number, val: unknown = undefined, str: StrPart[] | undefined = undefined): Tok {
  return { t, v, s, e, val, str };
}

export const OPS = ['**=', '//=', '>>=', '<<=', '...', '!=', '==', '<=', '>=', '->', ':=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '@=',
  '**', '//', '<<', '>>', '<|', '|>', '+', '-', '*', '/', '%', '@', '&', '|', '^', '~', '<', '>', '(', ')', '[', ']', '{', '}', ',', ':', '.', ';', '='];

const PREFIX = '(?:[rR][bBfF]?|[bBfF][rR]?|[uU])?';
const Newline = createToken({ name: 'Newline', pattern: /\r\n|\r|\n/, line_breaks: true });
// whitespace, comments and `\`-newline never reach the layout pass: indentation is measured
// from offsets, which keeps the token stream (and the lexer's work) about half as large
const Ws = createToken({ name: 'Ws', pattern: /[ \t\f]+/, group: Lexer.SKIPPED });
const Comment = createToken({ name: 'Comment', pattern: /#[^\r\n]*/, group: Lexer.SKIPPED });
const Continuation = createToken({ name: 'Continuation', pattern: /\\(?:\r\n|\r|\n)/, line_breaks: true, group: Lexer.SKIPPED });
const Str = createToken({
  name: 'Str',
  pattern: new RegExp(PREFIX + `(?:"""(?:[^"\\\\]|\\\\[\\s\\S]|"(?!""))*"""|'''(?:[^'\\\\]|\\\\[\\s\\S]|'(?!''))*'''|"(?!"")(?:[^"\\\\\\r\\n]|\\\\[\\s\\S])*"|'(?!'')(?:[^'\\\\\\r\\n]|\\\\[\\s\\S])*')`),
  line_breaks: true,
});
const OpenTriple = createToken({ name: 'OpenTriple', pattern: new RegExp(PREFIX + `(?:"""|''')[\\s\\S]*`), line_breaks: true });
const OpenStr = createToken({ name: 'OpenStr', pattern: new RegExp(PREFIX + `["'](?:[^\\r\\n\\\\]|\\\\.)*`) });
const Name = createToken({ name: 'Name', pattern: /[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*/ });
const Num = createToken({
  name: 'Num',
  pattern: /0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:(?:[0-9](?:_?[0-9])*)?\.[0-9](?:_?[0-9])*|[0-9](?:_?[0-9])*\.?)(?:[eE][+-]?[0-9](?:_?[0-9])*)?[jJ]?/,
});
const Op = createToken({ name: 'Op', pattern: new RegExp(OPS.map(o => o.replace(/[|\\{}()[\]^$+*?.]/g, '\\$&')).join('|')) });
const Invalid = createToken({ name: 'Invalid', pattern: /[\s\S]/, line_breaks: true });

const ALL: TokenType[] = [Newline, Ws, Comment, Continuation, Str, OpenTriple, OpenStr, Num, Name, Op, Invalid];
// one lexer instance: chevrotain analyses the token set once
const lexer = new Lexer(ALL, { positionTracking: 'onlyOffset', ensureOptimizations: false });

function strParts(image: string, start: number): StrPart | null {
  const m = /^([rRbBfFuU]{0,2})("""|'''|"|')/.exec(image)!;
  const prefix = m[1]!.toLowerCase(), q = m[2]!;
  const bodyStart = start + m[0].length;
  const closed = image.length >= m[0].length + q.length && image.endsWith(q) && image.length > m[0].length;
  const body = closed ? image.slice(m[0].length, image.length - q.length) : image.slice(m[0].length);
  return { kind: prefix.includes('b') ? 'b' : prefix.includes('f') ? 'f' : 'plain', raw: prefix.includes('r'), body, bodyStart };
}

function numberValue(text: string): { t: TT; val: unknown } {
  const clean = text.replace(/_/g, '');
  if (/[jJ]$/.test(clean)) return { t: 'imag', val: parseFloat(clean.slice(0, -1)) };
  if (/^0[xXoObB]/.test(clean)) { const b = BigInt(clean); return { t: 'int', val: b <= 9007199254740991n ? Number(b) : b }; }
  if (/[.eE]/.test(clean)) return { t: 'float', val: parseFloat(clean) };
  const b = BigInt(clean);
  return { t: 'int', val: b <= 9007199254740991n ? Number(b) : b };
}

/** About how many characters the lexer takes at a time (see tokenize). */
const CHUNK = 1 << 16;

/** The end of a chunk at or after `from`: just after a newline followed by a character in column 0 that is not whitespace, or the file's end. */
function chunkEnd(src: string, from: number): number {
  for (let i = src.indexOf('\n', from); i >= 0 && i + 1 < src.length; i = src.indexOf('\n', i + 1)) {
    const c = src.charCodeAt(i + 1);
    if (c !== 32 && c !== 9 && c !== 12 && c !== 10 && c !== 13) return i + 1;
  }
  return src.length;
}

/** Digits only, no leading zero and at most 15 of them: a safe integer whose value is +text (most literals). */
function isSmallDecimal(text: string): boolean {
  const n = text.length;
  if (n > 15 || (text.charCodeAt(0) === 48 && n > 1)) return false;
  for (let i = 0; i < n; i++) { const c = text.charCodeAt(i); if (c < 48 || c > 57) return false; }
  return true;
}

/** Tokens for the parser, with layout tokens; problems go to `diags`. Never throws. (chunkSize: for tests) */
export function tokenize(src: string, diags: Diagnostic[], lines: LineMap, chunkSize = CHUNK): Tok[] {
  const err = (s: number, e: number, msg: string, code = 'syntax') => diags.push(diag('error', code, msg, lines.range(s, Math.max(s, e))));
  const invalid = (s: number) => {
    const ch = String.fromCodePoint(src.codePointAt(s)!);
    err(s, s + ch.length, ch === '$' ? "'$' is only allowed inside strings (as ${...} interpolation)" : `invalid character '${ch}' (U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`);
  };
  // characters chevrotain skipped (its first-character analysis never offers them to Invalid),
  // reported in order with the rest (offsets in the file)
  let skipped: number[] = [];
  let nextSkipped = 0;
  const reportSkipped = (upTo: number) => { while (nextSkipped < skipped.length && skipped[nextSkipped]! < upTo) invalid(skipped[nextSkipped++]!); };
  const toks: Tok[] = [];
  const indents: number[] = [0];
  const brackets: { ch: string; at: number; indents?: number[]; base?: number }[] = [];
  const inBody = () => brackets.length > 0 && brackets[brackets.length - 1]!.ch === 'B';
  const significant = () => brackets.length === 0 || inBody();
  let atLineStart = true;
  let lineStart = 0;
  // where the last raw token other than a newline ended, and whether a newline came after it
  // (adjacent string literals join across newlines only inside brackets)
  let lastRealEnd = -1, newlineSince = false;
  // The file is lexed in chunks of about CHUNK characters, each ending after a newline that a
  // line starting in column 0 follows, so chevrotain's tokens for one chunk are garbage before
  // the next is lexed, instead of half a million of them living through the whole pass.
  for (let base = 0; base < src.length;) {
    let end = chunkEnd(src, base + chunkSize);
    let raw: IToken[];
    for (;;) {
      const lexed = lexer.tokenize(base === 0 && end === src.length ? src : src.slice(base, end));
      raw = lexed.tokens;
      const lastTok = raw[raw.length - 1];
      // a chunk must end with its newline token: otherwise the cut fell inside a token (a
      // multi-line string), and the chunk grows to the next place it can end
      if (end === src.length || (lastTok && lastTok.tokenType === Newline && lastTok.startOffset + lastTok.image.length === end - base)) {
        skipped = lexed.errors.map(x => x.offset + base);
        nextSkipped = 0;
        break;
      }
      end = chunkEnd(src, base + 2 * (end - base));
    }
    const n = raw.length;
    for (let k = 0; k < n; k++) {
      const t = raw[k]!;
      const type = t.tokenType;
      const s = t.startOffset + base, img = t.image, e = s + img.length;
      reportSkipped(s);
      if (type === Newline) {
        newlineSince = true;
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
        const closesBody = type === Op && img === '}' && inBody();
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
      const realBefore = lastRealEnd, sawNewline = newlineSince;
      lastRealEnd = e; newlineSince = false;
      if (type === Str || type === OpenTriple || type === OpenStr) {
        if (type !== Str) err(s, type === OpenTriple ? Math.min(e, s + 3) : e, type === OpenTriple ? 'unterminated triple-quoted string literal' : 'unterminated string literal');
        const part = strParts(img, s)!;
        const prev = toks[toks.length - 1];
        // adjacent literals (possibly across lines inside brackets) form one token
        if (prev && prev.t === 'str' && realBefore >= prev.s && realBefore <= prev.e && (!sawNewline || !significant())) { prev.str!.push(part); prev.e = e; prev.v = src.slice(prev.s, e); }
        else toks.push(tok('str', img, s, e, undefined, [part]));
        continue;
      }
      if (type === Name) { toks.push(tok('name', img, s, e)); continue; }
      if (type === Num) {
        const next = raw[k + 1];
        if (next && next.startOffset + base === e && (next.tokenType === Name || next.tokenType === Num)) {
          err(s, next.startOffset + base + next.image.length, `invalid number literal '${img + next.image}'`);
          k++;
        }
        if (isSmallDecimal(img)) { toks.push(tok('int', img, s, e, +img)); continue; }
        const clean = img.replace(/_/g, '');
        if (/^0+[1-9]/.test(clean) && !/[.eEjJ]/.test(clean)) err(s, e, 'leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers');
        const { t: tt, val } = numberValue(img);
        toks.push(tok(tt, img, s, e, val));
        continue;
      }
      if (type === Op) {
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
      invalid(s);
    }
    reportSkipped(Infinity);
    base = end;
  }
  if (brackets.length) err(brackets[0]!.at, brackets[0]!.at + 1, `'${src[brackets[0]!.at]}' was never closed`);
  const last = toks[toks.length - 1];
  if (last && last.t !== 'newline' && last.t !== 'dedent') toks.push(tok('newline', '', src.length, src.length));
  while (indents.length > 1) { indents.pop(); toks.push(tok('dedent', '', src.length, src.length)); }
  toks.push(tok('eof', '', src.length, src.length));
  return toks;
}
