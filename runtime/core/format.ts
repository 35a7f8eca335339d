// Interim formatting support (replaced by the full implementation).
import { raiseError } from './exceptions.js';
import { PyFloat, floatRepr } from './numbers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface FormatHost {
  repr(x: unknown): string; str(x: unknown): string; isTuple(x: unknown): x is { items: unknown[] }; makeTuple(items: unknown[]): unknown;
  isDict(x: unknown): boolean; dictGet(d: unknown, k: unknown): unknown; toArray(x: unknown): unknown[];
  callFormatHook(x: unknown, spec: string): string | undefined; index(x: unknown): number; getattr(o: unknown, n: string): unknown;
  splitKw(args: unknown[]): { pos: unknown[]; names: string[]; values: unknown[] }; makeBytes(u: Uint8Array): unknown;
  typeName(x: unknown): string;
  makeDict(): { set(k: unknown, v: unknown): void };
  dictEntries(d: unknown): Iterable<[unknown, unknown]>;
}
let host: FormatHost;
export function setFormatHost(h: FormatHost): void { host = h; }
export function getFormatHost(): FormatHost { return host; }

/** The exact decimal expansion of a finite non-negative double: value = 0.DIGITS x 10^point. */
function exactDecimal(x: number): { digits: string; point: number } {
  if (x === 0) return { digits: '0', point: 1 };
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  const hi = dv.getUint32(0), lo = dv.getUint32(4);
  const bexp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (bexp === 0) e = -1074; else { mant |= 1n << 52n; e = bexp - 1075; }
  if (e >= 0) { const d = (mant << BigInt(e)).toString(); return { digits: d, point: d.length }; }
  const d = (mant * 5n ** BigInt(-e)).toString();
  return { digits: d, point: d.length + e };
}

/** Rounds an exact digit string to `keep` digits, half to even; returns the digits and new point. */
function roundDigits(digits: string, point: number, keep: number): { digits: string; point: number } {
  if (keep >= digits.length) return { digits: digits + '0'.repeat(keep - digits.length), point };
  if (keep < 0) return { digits: '', point };
  const first = digits.charCodeAt(keep) - 48;
  let up = first > 5;
  if (first === 5) {
    const restNonZero = /[1-9]/.test(digits.slice(keep + 1));
    const lastKept = keep > 0 ? digits.charCodeAt(keep - 1) - 48 : 0;
    up = restNonZero || lastKept % 2 === 1;
  }
  let kept = digits.slice(0, keep);
  if (up) {
    const n = (BigInt(kept === '' ? '0' : kept) + 1n).toString();
    if (n.length > kept.length) { point++; kept = kept === '' ? n : n; if (kept.length > keep && keep > 0) kept = kept.slice(0, keep); }
    else kept = n.padStart(keep, '0');
  }
  return { digits: kept, point };
}

/** x >= 0 with exactly p digits after the point, correctly rounded (Python's 'f'). */
export function toFixedExact(x: number, p: number): string {
  const { digits, point } = exactDecimal(x);
  let r = roundDigits(digits, point, point + p);
  let d = r.digits, pt = r.point;
  if (d === '' || pt + p <= 0) { d = d === '' ? '' : d; }
  // produce integer and fraction parts
  const total = pt + p;
  if (total <= 0) return '0' + (p > 0 ? '.' + '0'.repeat(p) : '');
  d = d.padEnd(total, '0').slice(0, total);
  let intPart = pt > 0 ? d.slice(0, pt) : '0';
  const frac = pt >= 0 ? d.slice(pt) : '0'.repeat(-pt) + d;
  intPart = intPart.replace(/^0+(?=\d)/, '');
  return p > 0 ? `${intPart}.${frac.padEnd(p, '0').slice(0, p)}` : intPart;
}

/** x >= 0 in exponent form with p digits after the point (Python's 'e'): [mantissa, exponent]. */
function toExpExact(x: number, p: number): [string, number] {
  if (x === 0) return [p > 0 ? '0.' + '0'.repeat(p) : '0', 0];
  const { digits, point } = exactDecimal(x);
  const nz = digits.search(/[1-9]/);
  const r = roundDigits(digits.slice(nz), point - nz, p + 1);
  const exp = r.point - 1;
  const d = r.digits;
  return [p > 0 ? `${d[0]}.${d.slice(1)}` : d[0]!, exp];
}

function expStr(mant: string, exp: number, upper: boolean): string {
  return `${mant}${upper ? 'E' : 'e'}${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** Python's 'g' (and the no-type float form when `noType`). */
function toGeneral(x: number, p: number, alt: boolean, upper: boolean, noType: boolean): string {
  if (p === 0) p = 1;
  if (x === 0) return alt ? '0.' + '0'.repeat(p - 1) : noType ? '0.0' : '0';
  const [, exp] = toExpExact(x, p - 1);
  let s: string;
  if (exp >= -4 && exp < (noType ? p - 1 : p)) {
    s = toFixedExact(x, Math.max(0, p - 1 - exp));
    if (!alt && s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, noType ? '.0' : '');
    else if (noType && !s.includes('.')) s += '.0';
  } else {
    let [m] = toExpExact(x, p - 1);
    if (!alt && m.includes('.')) m = m.replace(/0+$/, '').replace(/\.$/, '');
    s = expStr(m, exp, upper);
  }
  return s;
}

function groupDigits(intPart: string, sep: string, every: number): string {
  let out = '';
  for (let i = 0; i < intPart.length; i++) {
    if (i > 0 && (intPart.length - i) % every === 0) out += sep;
    out += intPart[i];
  }
  return out;
}

export function formatValue(x: any, spec: string): string {
  if (spec === '') {
    // an object's own __format__ is called for the empty spec too (as Python's format() does)
    const own = x !== null && typeof x === 'object' ? host.callFormatHook(x, '') : undefined;
    return own ?? host.str(x);
  }
  const hook = host.callFormatHook(x, spec);
  if (hook !== undefined) return hook;
  const m = /^(?:(.)?([<>^=]))?([+\- ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/s.exec(spec);
  if (!m) raiseError('ValueError', `Invalid format specifier '${spec}' for object of type '${typeof x === 'string' ? 'str' : 'object'}'`);
  let [, fill, align, sign, , alt, zero, width, group, prec, type] = m;
  const num = typeof x === 'number' || typeof x === 'bigint' || x instanceof PyFloat || (typeof x === 'boolean' && type !== undefined && type !== 's');
  let s: string;
  let prefix = '';
  if (num) {
    const v: number | bigint = x instanceof PyFloat ? x.v : typeof x === 'boolean' ? (x ? 1 : 0) : x;
    const isF = x instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v));
    if (type === 's') raiseError('ValueError', `Unknown format code 's' for object of type '${isF ? 'float' : 'int'}'`);
    if (!type) type = isF ? 'none' : 'd';
    if (isF && 'bcdoxX'.includes(type)) raiseError('ValueError', `Unknown format code '${type}' for object of type 'float'`);
    const neg = typeof v === 'bigint' ? v < 0n : (v < 0 || Object.is(v, -0));
    const a: any = typeof v === 'bigint' ? (v < 0n ? -v : v) : Math.abs(v as number);
    const p = prec === undefined ? 6 : Number(prec);
    const fa = Number(a);
    if ('eEfFgG%'.includes(type) || type === 'none') {
      if (!Number.isFinite(fa)) s = Number.isNaN(fa) ? 'nan' : 'inf';
    }
    if (s! === undefined) {
      switch (type) {
        case 'd': case 'n': s = a.toString(); break;
        case 'x': s = a.toString(16); if (alt) prefix = '0x'; break;
        case 'X': s = a.toString(16).toUpperCase(); if (alt) prefix = '0X'; break;
        case 'o': s = a.toString(8); if (alt) prefix = '0o'; break;
        case 'b': s = a.toString(2); if (alt) prefix = '0b'; break;
        case 'c': s = String.fromCodePoint(Number(a)); break;
        case 'f': case 'F': s = toFixedExact(fa, p); if (alt && p === 0) s += '.'; break;
        case 'e': case 'E': { const [mm, ex] = toExpExact(fa, p); s = expStr(mm + (alt && p === 0 ? '.' : ''), ex, type === 'E'); break; }
        case '%': s = toFixedExact(fa * 100, p) + '%'; break;
        case 'g': case 'G': s = toGeneral(fa, p, !!alt, type === 'G', false); break;
        default: s = prec === undefined ? floatRepr(fa).replace(/^-/, '') : toGeneral(fa, p, !!alt, false, true);
      }
    }
    if (type === 'F' || type === 'G' || type === 'E') s = s!.toUpperCase();
    if (group) {
      const dot = 'xXobdn'.includes(type) ? -1 : s!.search(/[.eE%]/);
      const intPart = dot < 0 ? s! : s!.slice(0, dot), rest = dot < 0 ? '' : s!.slice(dot);
      if (/^[0-9a-fA-F]+$/.test(intPart)) s = groupDigits(intPart, group, 'xXob'.includes(type) ? 4 : 3) + rest;
    }
    const sg = neg && !(s === 'nan') ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '';
    if (zero && !align) { fill = fill ?? '0'; align = '='; }
    const w = Number(width ?? 0);
    if (align === '=') {
      const body = prefix + s!;
      let padded = (fill ?? ' ').repeat(Math.max(0, w - body.length - sg.length));
      if (group && (fill ?? ' ') === '0' && padded.length) {
        // zero padding takes part in digit grouping, as Python does: add zeros until the
        // grouped number fills the width (never starting with a separator)
        const every = 'xXob'.includes(type) ? 4 : 3;
        const intPart = 'xXobdn'.includes(type) ? s! : s!.split(/[.eE%]/)[0]!;
        const rest = s!.slice(intPart.length);
        let digits = intPart.split(group).join('');
        const target = w - sg.length - prefix.length - rest.length;
        while (groupDigits(digits, group, every).length < target) digits = '0' + digits;
        return sg + prefix + groupDigits(digits, group, every) + rest;
      }
      return sg + prefix + padded + s!;
    }
    s = sg + prefix + s!;
    align ??= '>';
  } else {
    if (type !== undefined && type !== 's') raiseError('ValueError', `Unknown format code '${type}' for object of type '${typeof x === 'string' ? 'str' : 'object'}'`);
    s = host.str(x);
    if (prec !== undefined) s = Array.from(s).slice(0, Number(prec)).join('');
    align ??= '<';
  }
  const w = Number(width ?? 0), f = fill ?? ' ', len = Array.from(s).length;
  if (len >= w) return s;
  const pad = w - len;
  if (align === '<') return s + f.repeat(pad);
  if (align === '>' || align === '=') return f.repeat(pad) + s;
  return f.repeat(Math.floor(pad / 2)) + s + f.repeat(pad - Math.floor(pad / 2));
}

export function percentFormat(fmt: string, args: unknown): string {
  const items = host.isTuple(args) ? args.items.slice() : [args];
  let i = 0;
  const out = fmt.replace(/%(?:\(([^)]*)\))?([#0\- +]*)(\d+|\*)?(?:\.(\d+|\*))?([diouxXeEfFgGcrsa%])/g, (_m, key, flags, width, prec, type) => {
    if (type === '%') return '%';
    let v: unknown = key !== undefined ? host.dictGet(args, key) : items[i++];
    if (width === '*') width = String(items[i - 1]), v = items[i++];
    if (prec === '*') prec = String(v), v = items[i++];
    if (v === undefined && key === undefined) raiseError('TypeError', 'not enough arguments for format string');
    let spec = (flags.includes('-') ? '<' : '') + (flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '') + (flags.includes('0') && !flags.includes('-') ? '0' : '') + (width ?? '') + (prec !== undefined ? '.' + prec : '');
    if (type === 's' || type === 'r' || type === 'a') {
      // %s pads on the left unless the '-' flag asks for the right
      const text = type === 's' ? host.str(v) : host.repr(v);
      return formatValue(text, (flags.includes('-') ? '<' : '>') + (width ?? '') + (prec !== undefined ? '.' + prec : ''));
    }
    if (type === 'i' || type === 'u') type = 'd';
    if (type === 'd' && typeof v !== 'number' && typeof v !== 'bigint' && typeof v !== 'boolean' && !(v instanceof PyFloat)) raiseError('TypeError', `%d format: a real number is required, not ${host.typeName(v)}`);
    if (type === 'd' && typeof v === 'number') v = Math.trunc(v);
    if (type === 'd' && v instanceof PyFloat) v = v.v;
    if (type === 'c') return typeof v === 'number' ? String.fromCodePoint(v) : String(v);
    spec += type;
    return formatValue(v, spec);
  });
  if (!host.isDict(args) && i < items.length) raiseError('TypeError', 'not all arguments converted during string formatting');
  return out;
}

export function strFormat(fmt: string, pos: unknown[], names: string[], values: unknown[], lookup?: (name: string) => unknown): string {
  let auto = 0;
  // a format string numbers its fields automatically ({}) or manually ({0}), not both
  let numbering: 'auto' | 'manual' | null = null;
  const number = (mode: 'auto' | 'manual') => {
    if (numbering !== null && numbering !== mode) {
      raiseError('ValueError', mode === 'auto' ? 'cannot switch from manual field specification to automatic field numbering' : 'cannot switch from automatic field numbering to manual field specification');
    }
    numbering = mode;
  };
  let index = 0; // the last positional field's index, for the error
  const positional = (first: string) => {
    if (first === '') { number('auto'); return pos[index = auto++]; }
    number('manual');
    return pos[index = Number(first)];
  };
  return fmt.replace(/\{\{|\}\}|\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}|[{}]/g, (m, field: string | undefined, at: number) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    if (m === '}') raiseError('ValueError', "Single '}' encountered in format string");
    if (m === '{') raiseError('ValueError', at === fmt.length - 1 ? "Single '{' encountered in format string" : "expected '}' before end of string");
    const mm = /^([^!:]*)(?:!([rsa]))?(?::(.*))?$/s.exec(field!)!;
    let [, name, conv, spec] = mm;
    const first = /^[^.[]*/.exec(name!)![0];
    let v: any = first === '' || /^\d+$/.test(first) ? positional(first) : lookup ? lookup(first) : values[names.indexOf(first)];
    if (v === undefined) raiseError(first === '' || /^\d+$/.test(first) ? 'IndexError' : 'KeyError', first === '' || /^\d+$/.test(first) ? `Replacement index ${index} out of range for positional args tuple` : `'${first}'`);
    for (const part of name!.slice(first.length).match(/\.\w+|\[[^\]]*\]/g) ?? []) {
      v = part[0] === '.' ? host.getattr(v, part.slice(1)) : host.dictGet(v, /^\d+$/.test(part.slice(1, -1)) ? Number(part.slice(1, -1)) : part.slice(1, -1));
    }
    if (conv === 'r') v = host.repr(v); else if (conv === 's') v = host.str(v); else if (conv === 'a') v = asciiEscape(host.repr(v));
    spec = (spec ?? '').replace(/\{([^{}]*)\}/g, (_x, n) => host.str(n === '' || /^\d+$/.test(n) ? positional(n) : values[names.indexOf(n)]));
    return formatValue(v, spec);
  });
}

/** ascii(): a repr with every non-ASCII character escaped (\xhh, \uhhhh, \Uhhhhhhhh). */
export function asciiEscape(r: string): string {
  return r.replace(/[^\x00-\x7f]/gu, c => {
    const cp = c.codePointAt(0)!;
    return cp > 0xffff ? '\\U' + cp.toString(16).padStart(8, '0') : cp > 0xff ? '\\u' + cp.toString(16).padStart(4, '0') : '\\x' + cp.toString(16).padStart(2, '0');
  });
}
