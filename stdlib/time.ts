// The time module: clocks, sleep, and calendar helpers.
import type { StdlibContext } from './context.js';
import { mkfloat } from '../runtime/core/numbers.js';
import { realArg, getCoreHost } from '../runtime/core/builtins.js';
import { raiseError } from '../runtime/core/exceptions.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export function create(ctx: StdlibContext): Record<string, unknown> {
  const { rt } = ctx;
  const t0 = process.hrtime.bigint();
  const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const structTime = (d: Date, utc: boolean) => {
    const g = (local: () => number, u: () => number) => (utc ? u() : local());
    const year = g(() => d.getFullYear(), () => d.getUTCFullYear());
    const mon = g(() => d.getMonth(), () => d.getUTCMonth()) + 1;
    const mday = g(() => d.getDate(), () => d.getUTCDate());
    const hour = g(() => d.getHours(), () => d.getUTCHours());
    const min = g(() => d.getMinutes(), () => d.getUTCMinutes());
    const sec = g(() => d.getSeconds(), () => d.getUTCSeconds());
    const wday = (g(() => d.getDay(), () => d.getUTCDay()) + 6) % 7;
    const start = utc ? Date.UTC(year, 0, 1) : new Date(year, 0, 1).getTime();
    const yday = Math.floor((d.getTime() - start) / 86400000) + 1;
    const t: any = rt.tuple([year, mon, mday, hour, min, sec, wday, yday, -1]);
    for (const [i, n] of ['tm_year', 'tm_mon', 'tm_mday', 'tm_hour', 'tm_min', 'tm_sec', 'tm_wday', 'tm_yday', 'tm_isdst'].entries()) {
      Object.defineProperty(t, '$' + n, { value: t.items[i], enumerable: false });
    }
    return t;
  };
  const toDate = (t: unknown): Date => {
    if (t === undefined || t === null) return new Date();
    const a = rt.toArray(t) as number[];
    return new Date(a[0]!, a[1]! - 1, a[2]!, a[3]!, a[4]!, a[5]!);
  };
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const strftime = (fmt: unknown, t?: unknown) => {
    const d = toDate(t);
    return String(fmt).replace(/%([a-zA-Z%])/g, (_m, c: string) => {
      switch (c) {
        case 'Y': return String(d.getFullYear());
        case 'y': return pad(d.getFullYear() % 100);
        case 'm': return pad(d.getMonth() + 1);
        case 'd': return pad(d.getDate());
        case 'H': return pad(d.getHours());
        case 'I': return pad(((d.getHours() + 11) % 12) + 1);
        case 'M': return pad(d.getMinutes());
        case 'S': return pad(d.getSeconds());
        case 'p': return d.getHours() < 12 ? 'AM' : 'PM';
        case 'a': return DAYS[(d.getDay() + 6) % 7]!;
        case 'b': return MONTHS[d.getMonth()]!;
        case 'j': return pad(Math.floor((d.getTime() - new Date(d.getFullYear(), 0, 1).getTime()) / 86400000) + 1, 3);
        case '%': return '%';
        default: raiseError('ValueError', `unsupported strftime directive '%${c}'`);
      }
    });
  };
  return {
    time: () => mkfloat(Date.now() / 1000),
    time_ns: () => ctx.rt.big(BigInt(Date.now()) * 1000000n),
    perf_counter: () => mkfloat(Number(process.hrtime.bigint() - t0) / 1e9),
    perf_counter_ns: () => ctx.rt.big(process.hrtime.bigint() - t0),
    monotonic: () => mkfloat(Number(process.hrtime.bigint() - t0) / 1e9),
    monotonic_ns: () => ctx.rt.big(process.hrtime.bigint() - t0),
    process_time: () => { const u = process.cpuUsage(); return mkfloat((u.user + u.system) / 1e6); },
    sleep: (s: unknown) => {
      const v = realArg(s, 'sleep');
      if (v < 0) raiseError('ValueError', 'sleep length must be non-negative');
      getCoreHost().sleep(v * 1000);
      return null;
    },
    localtime: (secs?: unknown) => structTime(secs === undefined || secs === null ? new Date() : new Date(realArg(secs, 'localtime') * 1000), false),
    gmtime: (secs?: unknown) => structTime(secs === undefined || secs === null ? new Date() : new Date(realArg(secs, 'gmtime') * 1000), true),
    strftime,
    ctime: (secs?: unknown) => {
      const d = secs === undefined || secs === null ? new Date() : new Date(realArg(secs, 'ctime') * 1000);
      return `${DAYS[(d.getDay() + 6) % 7]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${d.getFullYear()}`;
    },
  };
}
