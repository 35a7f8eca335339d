// The string module: character classes and capwords.
import type { StdlibContext } from './context.js';

export function create(ctx: StdlibContext): Record<string, unknown> {
  const lower = 'abcdefghijklmnopqrstuvwxyz', upper = lower.toUpperCase(), digits = '0123456789';
  const punctuation = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~', whitespace = ' \t\n\r\x0b\x0c';
  return {
    ascii_lowercase: lower, ascii_uppercase: upper, ascii_letters: lower + upper, digits,
    hexdigits: digits + 'abcdef' + 'ABCDEF', octdigits: '01234567', punctuation, whitespace,
    printable: digits + lower + upper + punctuation + whitespace,
    capwords: (s: unknown, sep?: unknown) => {
      const str = ctx.rt.str(s);
      const parts = sep === undefined || sep === null ? str.split(/\s+/).filter(Boolean) : str.split(String(sep));
      const join = sep === undefined || sep === null ? ' ' : String(sep);
      return parts.map(w => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()).join(join);
    },
  };
}
