// Interim str support (replaced by the full implementation).
import { raiseError } from './exceptions.js';
import { getFormatHost, strFormat } from './format.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const SURR = /[\uD800-\uDFFF]/;
export function strLen(s: string): number { return SURR.test(s) ? Array.from(s).length : s.length; }
export function strIndex(s: string, i: number): string {
  if (!SURR.test(s)) { const j = i < 0 ? i + s.length : i; if (j < 0 || j >= s.length) raiseError('IndexError', 'string index out of range'); return s[j]!; }
  const a = Array.from(s); const j = i < 0 ? i + a.length : i;
  if (j < 0 || j >= a.length) raiseError('IndexError', 'string index out of range');
  return a[j]!;
}
export function strSlice(s: string, start: unknown, stop: unknown, step: unknown): string {
  const st = step == null ? 1 : Number(step);
  if (st === 0) raiseError('ValueError', 'slice step cannot be zero');
  const astral = SURR.test(s);
  const a: string | string[] = astral ? Array.from(s) : s;
  const n = a.length;
  const clamp = (v: unknown, d: number, lo: number, hi: number) => { if (v == null) return d; let x = Number(v); if (x < 0) { x += n; if (x < lo) x = lo; } else if (x > hi) x = hi; return x; };
  if (st === 1) {
    const b = clamp(start, 0, 0, n), e = clamp(stop, n, 0, n);
    if (e <= b) return '';
    return astral ? (a as string[]).slice(b, e).join('') : s.slice(b, e);
  }
  const parts: string[] = [];
  if (st > 0) { const b = clamp(start, 0, 0, n), e = clamp(stop, n, 0, n); for (let i = b; i < e; i += st) parts.push(a[i]!); }
  else { const b = clamp(start, n - 1, -1, n - 1), e = clamp(stop, -1, -1, n - 1); for (let i = b; i > e; i += st) parts.push(a[i]!); }
  return parts.join('');
}
export function strCompare(a: string, b: string): number { return a < b ? -1 : a > b ? 1 : 0; }
export function strRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += '\\' + q;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 32 || c === 127) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + q;
}
function ws(chars: unknown): string | null { return chars == null ? null : String(chars); }
function stripSet(s: string, chars: string | null, left: boolean, right: boolean): string {
  let b = 0, e = s.length;
  const isStrip = (c: string) => (chars === null ? /\s/.test(c) : chars.includes(c));
  if (left) while (b < e && isStrip(s[b]!)) b++;
  if (right) while (e > b && isStrip(s[e - 1]!)) e--;
  return s.slice(b, e);
}
export const strMethods: Record<string, (this: string, ...args: any[]) => unknown> = {
  upper() { return this.toUpperCase(); },
  lower() { return this.toLowerCase(); },
  strip(c?: unknown) { return stripSet(this, ws(c), true, true); },
  lstrip(c?: unknown) { return stripSet(this, ws(c), true, false); },
  rstrip(c?: unknown) { return stripSet(this, ws(c), false, true); },
  split(...args: any[]) {
    const h = getFormatHost();
    const { pos, names, values } = h.splitKw(args);
    let sep = pos[0], max = pos[1];
    names.forEach((n: string, i: number) => { if (n === 'sep') sep = values[i]; if (n === 'maxsplit') max = values[i]; });
    const m = max == null || max === -1 ? Infinity : Number(max);
    if (sep == null) {
      const parts: string[] = []; let rest = this.replace(/^\s+/, '');
      while (rest.length && parts.length < m) { const k = rest.search(/\s/); if (k < 0) { parts.push(rest); rest = ''; break; } parts.push(rest.slice(0, k)); rest = rest.slice(k).replace(/^\s+/, ''); }
      if (rest.length) parts.push(rest);
      return parts;
    }
    if (sep === '') raiseError('ValueError', 'empty separator');
    const out: string[] = []; let s = this;
    while (out.length < m) { const k = s.indexOf(sep as string); if (k < 0) break; out.push(s.slice(0, k)); s = s.slice(k + (sep as string).length); }
    out.push(s);
    return out;
  },
  join(it: unknown) {
    const items = Array.isArray(it) ? it : getFormatHost().toArray(it);
    for (let i = 0; i < items.length; i++) {
      if (typeof items[i] !== 'string') raiseError('TypeError', `sequence item ${i}: expected str instance, ${getFormatHost().typeName(items[i])} found`);
    }
    return items.join(this);
  },
  replace(a: string, b: string, count?: unknown) {
    if (count == null || count === -1) return this.split(a).join(b);
    let s = this, out = '', n = Number(count);
    while (n-- > 0) { const k = s.indexOf(a); if (k < 0) break; out += s.slice(0, k) + b; s = s.slice(k + a.length); }
    return out + s;
  },
  find(x: string) { return this.indexOf(x); },
  rfind(x: string) { return this.lastIndexOf(x); },
  index(x: string) { const k = this.indexOf(x); if (k < 0) raiseError('ValueError', 'substring not found'); return k; },
  count(x: string) {
    if (typeof x !== 'string') raiseError('TypeError', 'must be str, not ' + typeof x);
    if (x === '') return strLen(this) + 1;
    let c = 0;
    for (let i = this.indexOf(x); i >= 0; i = this.indexOf(x, i + x.length)) c++;
    return c;
  },
  startswith(x: any) { const h = getFormatHost(); if (h.isTuple(x)) return (x.items as string[]).some(p => this.startsWith(p)); return this.startsWith(x); },
  endswith(x: any) { const h = getFormatHost(); if (h.isTuple(x)) return (x.items as string[]).some(p => this.endsWith(p)); return this.endsWith(x); },
  isdigit() { return this.length > 0 && /^\d+$/.test(this); },
  isalpha() { return this.length > 0 && /^\p{L}+$/u.test(this); },
  isalnum() { return this.length > 0 && /^[\p{L}\p{N}]+$/u.test(this); },
  isspace() { return this.length > 0 && /^\s+$/.test(this); },
  isupper() { return /\p{Lu}/u.test(this) && this === this.toUpperCase(); },
  islower() { return /\p{Ll}/u.test(this) && this === this.toLowerCase(); },
  title() { return this.toLowerCase().replace(/(^|[^\p{L}])(\p{L})/gu, (_m, a, b) => a + b.toUpperCase()); },
  capitalize() { return this.charAt(0).toUpperCase() + this.slice(1).toLowerCase(); },
  swapcase() { return Array.from(this, c => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''); },
  center(w: number, f = ' ') { const n = strLen(this); if (w <= n) return this; const tot = w - n, l = Math.floor(tot / 2) + (tot & w & 1); return f.repeat(l) + this + f.repeat(tot - l); },
  ljust(w: number, f = ' ') { const n = strLen(this); return w <= n ? this : this + f.repeat(w - n); },
  rjust(w: number, f = ' ') { const n = strLen(this); return w <= n ? this : f.repeat(w - n) + this; },
  zfill(w: number) { const n = strLen(this); if (w <= n) return this; const sign = this[0] === '-' || this[0] === '+' ? this[0] : ''; return sign + '0'.repeat(w - n) + this.slice(sign.length); },
  partition(sep: string) { const h = getFormatHost(); const k = this.indexOf(sep); return k < 0 ? h.makeTuple([this, '', '']) : h.makeTuple([this.slice(0, k), sep, this.slice(k + sep.length)]); },
  splitlines() { const a = this.split(/\r\n|\r|\n/); if (a[a.length - 1] === '') a.pop(); return a; },
  format(...args: any[]) { const { pos, names, values } = getFormatHost().splitKw(args); return strFormat(this, pos, names, values); },
  encode() { return getFormatHost().makeBytes(new TextEncoder().encode(this)); },
  removeprefix(p: string) { return this.startsWith(p) ? this.slice(p.length) : this; },
  removesuffix(p: string) { return p && this.endsWith(p) ? this.slice(0, -p.length) : this; },
  size() { return strLen(this); },
  __len__() { return strLen(this); },
};
export function strMaketrans(): never { raiseError('NotImplementedError', 'str.maketrans'); }
