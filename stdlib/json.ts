// The json module: dumps/loads with Python's exact output format and error messages.
import type { StdlibContext } from './context.js';
import { raiseError, captureStack } from '../runtime/core/exceptions.js';
import { PyFloat, mkfloat, mkint, floatRepr } from '../runtime/core/numbers.js';
import { PyTuple, PyDict } from '../runtime/core/containers.js';
import { getattr, invoke, makeClass, types, construct, typeOf } from '../runtime/core/objects.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

function quote(s: string, ascii: boolean): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 34: out += '\\"'; break;
      case 92: out += '\\\\'; break;
      case 10: out += '\\n'; break;
      case 13: out += '\\r'; break;
      case 9: out += '\\t'; break;
      case 8: out += '\\b'; break;
      case 12: out += '\\f'; break;
      default:
        if (c < 32 || (ascii && c > 126)) out += '\\u' + c.toString(16).padStart(4, '0');
        else out += s[i];
    }
  }
  return out + '"';
}

export function create(ctx: StdlibContext): Record<string, unknown> {
  const { rt } = ctx;
  const decodeErr = makeClass('JSONDecodeError', [types.ValueError!], null, { module: 'json.decoder' });

  function floatStr(v: number): string {
    if (Number.isNaN(v)) return 'NaN';
    if (v === Infinity) return 'Infinity';
    if (v === -Infinity) return '-Infinity';
    return floatRepr(v);
  }

  function dumps(obj: unknown, o: { indent: string | null; sortKeys: boolean; itemSep: string; keySep: string; ascii: boolean; dflt: unknown; allowNan: boolean }): string {
    const seen = new Set<unknown>();
    const enc = (x: any, level: number): string => {
      if (x === null || x === undefined) return 'null';
      if (x === true) return 'true';
      if (x === false) return 'false';
      if (typeof x === 'string') return quote(x, o.ascii);
      if (typeof x === 'number') {
        if (Number.isInteger(x)) return String(x);
        if (!Number.isFinite(x) && !o.allowNan) raiseError('ValueError', `Out of range float values are not JSON compliant`);
        return floatStr(x);
      }
      if (typeof x === 'bigint') return x.toString();
      if (x instanceof PyFloat) return floatStr(x.v);
      const isList = x instanceof Array || x instanceof PyTuple; // (instanceof: a list-like subclass instance too)
      if (isList || x instanceof PyDict) {
        if (seen.has(x)) raiseError('ValueError', 'Circular reference detected');
        seen.add(x);
        const nl = o.indent !== null ? '\n' + o.indent.repeat(level + 1) : '';
        const end = o.indent !== null ? '\n' + o.indent.repeat(level) : '';
        const sep = o.indent !== null ? o.itemSep.trimEnd() : o.itemSep;
        let out: string;
        if (isList) {
          const items: unknown[] = Array.isArray(x) ? x : x instanceof Array ? Array.from(x) : x.items;
          out = items.length === 0 ? '[]' : '[' + nl + items.map(v => enc(v, level + 1)).join(sep + nl) + end + ']';
        } else {
          let entries = Array.from((x as PyDict).table.entries()).map(([k, v]) => {
            let ks: string;
            if (typeof k === 'string') ks = k;
            else if (k === null || k === undefined) ks = 'null';
            else if (k === true) ks = 'true';
            else if (k === false) ks = 'false';
            else if (typeof k === 'number' || typeof k === 'bigint' || k instanceof PyFloat) ks = typeof k === 'number' && !Number.isInteger(k) ? floatStr(k) : k instanceof PyFloat ? floatStr(k.v) : String(k);
            else raiseError('TypeError', `keys must be str, int, float, bool or None, not ${typeOf(k).pyName}`);
            return [ks, v] as [string, unknown];
          });
          if (o.sortKeys) entries = entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
          out = entries.length === 0 ? '{}' : '{' + nl + entries.map(([k, v]) => quote(k, o.ascii) + o.keySep + enc(v, level + 1)).join(sep + nl) + end + '}';
        }
        seen.delete(x);
        return out;
      }
      if (o.dflt !== null && o.dflt !== undefined) return enc(rt.call(o.dflt, [x]), level);
      raiseError('TypeError', `Object of type ${typeOf(x).pyName} is not JSON serializable`);
    };
    return enc(obj, 0);
  }

  function options(kw: any): any {
    const indentV = kw?.get('indent');
    const indent = indentV === undefined || indentV === null ? null : typeof indentV === 'string' ? indentV : ' '.repeat(Number(indentV));
    const seps = kw?.get('separators');
    let itemSep = indent !== null ? ',' : ', ', keySep = ': ';
    if (seps !== undefined && seps !== null) [itemSep, keySep] = rt.toArray(seps) as [string, string];
    const ea = kw?.get('ensure_ascii');
    return { indent, sortKeys: rt.truthy(kw?.get('sort_keys') ?? false), itemSep, keySep, ascii: ea === undefined ? true : rt.truthy(ea), dflt: kw?.get('default') ?? null, allowNan: rt.truthy(kw?.get('allow_nan') ?? true) };
  }

  function loads(s: unknown): unknown {
    if (typeof s !== 'string') {
      if (s && typeof s === 'object' && (s as any).data instanceof Uint8Array) s = new TextDecoder().decode((s as any).data);
      else raiseError('TypeError', `the JSON object must be str, bytes or bytearray, not ${typeOf(s).pyName}`);
    }
    const text = s as string;
    let i = 0;
    const fail = (msg: string, at = i): never => {
      const before = text.slice(0, at);
      const line = before.split('\n').length;
      const col = at - before.lastIndexOf('\n');
      const e = construct(decodeErr, [`${msg}: line ${line} column ${col} (char ${at})`]);
      captureStack(e); // the traceback's .x frames come from this stack
      throw e;
    };
    const ws = () => { while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++; };
    const value = (): unknown => {
      ws();
      const c = text[i];
      if (c === '{') {
        i++;
        const d = new PyDict();
        ws();
        if (text[i] === '}') { i++; return d; }
        for (;;) {
          ws();
          if (text[i] !== '"') fail('Expecting property name enclosed in double quotes');
          const k = str();
          ws();
          if (text[i] !== ':') fail("Expecting ':' delimiter");
          i++;
          d.set(k, value());
          ws();
          if (text[i] === ',') { i++; continue; }
          if (text[i] === '}') { i++; return d; }
          fail("Expecting ',' delimiter");
        }
      }
      if (c === '[') {
        i++;
        const a: unknown[] = [];
        ws();
        if (text[i] === ']') { i++; return a; }
        for (;;) {
          a.push(value());
          ws();
          if (text[i] === ',') { i++; continue; }
          if (text[i] === ']') { i++; return a; }
          fail("Expecting ',' delimiter");
        }
      }
      if (c === '"') return str();
      const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
      if (m && m[0] !== '-') {
        i += m[0].length;
        if (m[1] || m[2]) return mkfloat(parseFloat(m[0]));
        return mkint(BigInt(m[0]));
      }
      for (const [lit, v] of [['true', true], ['false', false], ['null', null], ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity]] as const) {
        if (text.startsWith(lit, i)) { i += lit.length; return v; }
      }
      return fail('Expecting value');
    };
    const str = (): string => {
      const start = i;
      i++;
      let out = '';
      for (;;) {
        if (i >= text.length) fail('Unterminated string starting at', start);
        const c = text[i]!;
        if (c === '"') { i++; return out; }
        if (c === '\\') {
          const e = text[i + 1];
          const map: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
          if (e === 'u') {
            const h = text.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(h)) fail('Invalid \\uXXXX escape', i + 1);
            out += String.fromCharCode(parseInt(h, 16));
            i += 6;
            continue;
          }
          if (e === undefined || !(e in map)) fail('Invalid \\escape', i);
          out += map[e!];
          i += 2;
          continue;
        }
        if (c.charCodeAt(0) < 32) fail('Invalid control character at', i);
        out += c;
        i++;
      }
    };
    const v = value();
    ws();
    if (i < text.length) fail('Extra data');
    return v;
  }

  const kwfn = (f: (...a: any[]) => unknown) => Object.assign(f, { kw: true });
  return {
    JSONDecodeError: decodeErr,
    dumps: kwfn((...args: unknown[]) => { const { pos, kw } = ctx.objects.splitKw(args); return dumps(pos[0], options(kw)); }),
    dump: kwfn((...args: unknown[]) => {
      const { pos, kw } = ctx.objects.splitKw(args);
      invoke(getattr(pos[1], 'write'), undefined, [dumps(pos[0], options(kw))]);
      return null;
    }),
    loads: kwfn((...args: unknown[]) => loads(ctx.objects.splitKw(args).pos[0])),
    load: kwfn((...args: unknown[]) => loads(invoke(getattr(ctx.objects.splitKw(args).pos[0], 'read'), undefined, []))),
  };
}
