// The sys module: argv, exit, stdout/stderr, limits.
import { writeSync } from 'node:fs';
import type { StdlibContext } from './context.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export function create(ctx: StdlibContext): Record<string, unknown> {
  const { rt, host } = ctx;
  const types = ctx.objects.types;
  const stream = (fd: number) => {
    const o: any = Object.create(types.object!.prototype);
    o.$write = Object.assign((s: unknown) => {
      const text = rt.str(s);
      if (fd === 1) host.write(text); else { host.flush(); writeSync(fd, text); }
      return [...text].length;
    }, { builtin: true, pyName: 'write' });
    o.$flush = Object.assign(() => { if (fd === 1) host.flush(); return null; }, { builtin: true, pyName: 'flush' });
    return o;
  };
  let recursionLimit = 1000;
  return {
    argv: [...(host.opts.argv ?? [])],
    exit: (code?: unknown) => { throw ctx.objects.construct(types.SystemExit!, code === undefined ? [] : [code]); },
    stdout: stream(1),
    stderr: stream(2),
    version: '3.11.0 (xlang 0.1.0)',
    version_info: rt.tuple([3, 11, 0, 'final', 0]),
    platform: process.platform,
    maxsize: 9223372036854775807n, // CPython's on 64-bit machines (an int past 2**53 is a bigint here)
    byteorder: 'little',
    path: [...host.searchPath],
    modules: rt.dict(),
    implementation: 'xlang',
    getrecursionlimit: () => recursionLimit,
    // the JS engine's stack decides the real depth; the value is kept for programs that read it back
    setrecursionlimit: (n: unknown) => { recursionLimit = rt.rangeArg(n); return null; },
  };
}
