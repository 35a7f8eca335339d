// Interim formatting support (replaced by the full implementation).
import { raiseError } from './exceptions.js';
import { PyFloat, floatRepr } from './numbers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface FormatHost {
  repr(x: unknown): string; str(x: unknown): string; isTuple(x: unknown): x is { items: unknown[] }; makeTuple(items: unknown[]): unknown;
  isDict(x: unknown): boolean; dictGet(d: unknown, k: unknown): unknown; toArray(x: unknown): unknown[];
  callFormatHook(x: unknown, spec: string): string | undefined; index(x: unknown): number; getattr(o: unknown, n: string): unknown;
  splitKw(args: unknown[]): { pos: unknown[]; names: string[]; values: unknown[] }; makeBytes(u: Uint8Array): unknown;
}
let host: FormatHost;
export function setFormatHost(h: FormatHost): void { host = h; }
export function getFormatHost(): FormatHost { return host; }

export function formatValue(x: any, spec: string): string {
  if (spec === '') return host.str(x);
  const hook = host.callFormatHook(x, spec);
  if (hook !== undefined) return hook;
  const m = /^(?:(.)?([<>^=]))?([+\- ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/s.exec(spec);
  if (!m) raiseError('ValueError', `Invalid format specifier '${spec}'`);
  let [, fill, align, sign, , zero, width, group, prec, type] = m;
  const num = typeof x === 'number' || typeof x === 'bigint' || x instanceof PyFloat || typeof x === 'boolean';
  let s: string;
  if (num) {
    let v: number | bigint = x instanceof PyFloat ? x.v : typeof x === 'boolean' ? (x ? 1 : 0) : x;
    const isF = x instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v));
    if (!type) type = isF ? (prec ? 'g' : 'r') : 'd';
    const neg = typeof v === 'bigint' ? v < 0n : (v < 0 || Object.is(v, -0));
    const a: any = typeof v === 'bigint' ? (v < 0n ? -v : v) : Math.abs(v as number);
    const p = prec === undefined ? 6 : Number(prec);
    switch (type) {
      case 'd': case 'n': s = a.toString(); break;
      case 'x': s = a.toString(16); break;
      case 'X': s = a.toString(16).toUpperCase(); break;
      case 'o': s = a.toString(8); break;
      case 'b': s = a.toString(2); break;
      case 'f': case 'F': s = Number(a).toFixed(p); break;
      case 'e': case 'E': { s = Number(a).toExponential(p).replace(/e([+-])(\d)$/, 'e$10$2'); if (type === 'E') s = s.toUpperCase(); break; }
      case '%': s = (Number(a) * 100).toFixed(p) + '%'; break;
      case 'g': case 'G': { s = String(Number(Number(a).toPrecision(p || 1))); if (s.includes('e')) s = s.replace(/e([+-])(\d)$/, 'e$10$2'); break; }
      case 'r': s = floatRepr(Number(a)); break;
      default: s = a.toString();
    }
    if (group) { const [i, f] = s.split('.'); s = i!.replace(/\B(?=(\d{3})+(?!\d))/g, group) + (f !== undefined ? '.' + f : ''); }
    const sg = neg ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '';
    if (zero && !align) { fill = '0'; align = '='; }
    const w = Number(width ?? 0);
    if (align === '=') return sg + (fill ?? ' ').repeat(Math.max(0, w - s.length - sg.length)) + s;
    s = sg + s;
    align ??= '>';
  } else {
    s = host.str(x);
    if (prec !== undefined) s = Array.from(s).slice(0, Number(prec)).join('');
    align ??= '<';
  }
  const w = Number(width ?? 0), f = fill ?? ' ', len = Array.from(s).length;
  if (len >= w) return s;
  const pad = w - len;
  if (align === '<') return s + f.repeat(pad);
  if (align === '>') return f.repeat(pad) + s;
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
    if (type === 's') return formatValue(host.str(v), spec.replace(/^[+ 0]/, ''));
    if (type === 'r' || type === 'a') return formatValue(host.repr(v), spec);
    if (type === 'i' || type === 'u') type = 'd';
    if (type === 'd' && typeof v !== 'number' && typeof v !== 'bigint' && typeof v !== 'boolean' && !(v instanceof PyFloat)) raiseError('TypeError', `%d format: a real number is required, not ${typeof v}`);
    if (type === 'd' && typeof v === 'number') v = Math.trunc(v);
    if (type === 'd' && v instanceof PyFloat) v = v.v;
    if (type === 'c') return typeof v === 'number' ? String.fromCodePoint(v) : String(v);
    spec += type;
    return formatValue(v, spec);
  });
  if (!host.isDict(args) && i < items.length) raiseError('TypeError', 'not all arguments converted during string formatting');
  return out;
}

export function strFormat(fmt: string, pos: unknown[], names: string[], values: unknown[]): string {
  let auto = 0;
  return fmt.replace(/\{\{|\}\}|\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}/g, (m, field: string | undefined) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    const mm = /^([^!:]*)(?:!([rsa]))?(?::(.*))?$/s.exec(field!)!;
    let [, name, conv, spec] = mm;
    const first = /^[^.[]*/.exec(name!)![0];
    let v: any = first === '' ? pos[auto++] : /^\d+$/.test(first) ? pos[Number(first)] : values[names.indexOf(first)];
    if (v === undefined) raiseError(first === '' || /^\d+$/.test(first) ? 'IndexError' : 'KeyError', first === '' || /^\d+$/.test(first) ? 'Replacement index out of range for positional args tuple' : `'${first}'`);
    for (const part of name!.slice(first.length).match(/\.\w+|\[[^\]]*\]/g) ?? []) {
      v = part[0] === '.' ? host.getattr(v, part.slice(1)) : host.dictGet(v, /^\d+$/.test(part.slice(1, -1)) ? Number(part.slice(1, -1)) : part.slice(1, -1));
    }
    if (conv === 'r') v = host.repr(v); else if (conv === 's') v = host.str(v);
    spec = (spec ?? '').replace(/\{([^{}]*)\}/g, (_x, n) => host.str(n === '' ? pos[auto++] : /^\d+$/.test(n) ? pos[Number(n)] : values[names.indexOf(n)]));
    return formatValue(v, spec);
  });
}
