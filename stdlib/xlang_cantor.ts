// `from xlang_cantor import cantor`: the spelling the C++ XLang examples use for the cantor module.
import type { StdlibContext } from './context.js';

export function create(ctx: StdlibContext): Record<string, unknown> {
  return { cantor: ctx.host.importModule('cantor', process.cwd(), 'xlang_cantor') };
}
