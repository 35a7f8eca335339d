// The os module (with os.path): the file and path helpers scripts use most. Filesystem errors
// become Python's OSError subclasses with errno and the path in the message.
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { homedir, cpus } from 'node:os';
import type { StdlibContext } from './context.js';
import { newError, raiseError } from '../runtime/core/exceptions.js';
import { PyDict, tuple } from '../runtime/core/containers.js';
import { makeClass } from '../runtime/core/objects.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const ERRORS: Record<string, [string, number, string]> = {
  ENOENT: ['FileNotFoundError', 2, 'No such file or directory'],
  EEXIST: ['FileExistsError', 17, 'File exists'],
  EACCES: ['PermissionError', 13, 'Permission denied'],
  EPERM: ['PermissionError', 1, 'Operation not permitted'],
  ENOTDIR: ['NotADirectoryError', 20, 'Not a directory'],
  EISDIR: ['IsADirectoryError', 21, 'Is a directory'],
  ENOTEMPTY: ['OSError', 39, 'Directory not empty'],
};

/** Runs a filesystem call, turning Node's error into the matching Python exception. */
export function osCall<T>(path: string, f: () => T): T {
  try { return f(); } catch (e: any) {
    const [name, errno, text] = ERRORS[e?.code] ?? ['OSError', e?.errno ?? 0, e?.message ?? String(e)];
    const err = newError(name, `[Errno ${errno}] ${text}: '${path}'`);
    err.$args = tuple([errno, text]);
    err.$filename = path;
    Object.defineProperty(err, '$__str__', { value: Object.assign(() => `[Errno ${errno}] ${text}: '${path}'`, { builtinMethod: true }) });
    throw err;
  }
}

function pathArg(p: unknown, fname: string): string {
  if (typeof p !== 'string') raiseError('TypeError', `${fname}: path should be string, not ${p === null ? 'None' : typeof p}`);
  return p;
}

export function create(ctx: StdlibContext): Record<string, unknown> {
  const { rt } = ctx;
  const kwfn = (f: (...a: any[]) => unknown) => Object.assign(f, { kw: true });
  const pathCls = makeClass('path', [], null, { module: 'os' });
  const path: any = new (pathCls as any).Inst();
  const fns: Record<string, (...a: any[]) => unknown> = {
    join: (a: unknown, ...rest: unknown[]) => {
      let out = pathArg(a, 'join');
      for (const r of rest) {
        const s = pathArg(r, 'join');
        if (s.startsWith('/')) out = s;
        else out = out === '' || out.endsWith('/') ? out + s : out + '/' + s;
      }
      return out;
    },
    exists: (p: unknown) => typeof p === 'string' && fs.existsSync(p),
    isfile: (p: unknown) => { try { return fs.statSync(pathArg(p, 'isfile')).isFile(); } catch { return false; } },
    isdir: (p: unknown) => { try { return fs.statSync(pathArg(p, 'isdir')).isDirectory(); } catch { return false; } },
    isabs: (p: unknown) => pathArg(p, 'isabs').startsWith('/'),
    basename: (p: unknown) => { const s = pathArg(p, 'basename'); return s.slice(s.lastIndexOf('/') + 1); },
    dirname: (p: unknown) => { const s = pathArg(p, 'dirname'); const i = s.lastIndexOf('/'); if (i < 0) return ''; const d = s.slice(0, i + 1); return /^\/+$/.test(d) ? d : d.replace(/\/+$/, ''); },
    split: (p: unknown) => { const s = pathArg(p, 'split'); const i = s.lastIndexOf('/'); const head = i < 0 ? '' : s.slice(0, i + 1); return tuple([/^\/+$/.test(head) ? head : head.replace(/\/+$/, ''), s.slice(i + 1)]); },
    splitext: (p: unknown) => {
      const s = pathArg(p, 'splitext');
      const base = s.slice(s.lastIndexOf('/') + 1);
      const dot = base.lastIndexOf('.');
      if (dot <= 0 || /^\.+$/.test(base.slice(0, dot + 1))) return tuple([s, '']);
      const cut = s.length - base.length + dot;
      return tuple([s.slice(0, cut), s.slice(cut)]);
    },
    abspath: (p: unknown) => nodePath.resolve(pathArg(p, 'abspath')),
    normpath: (p: unknown) => { const s = pathArg(p, 'normpath'); if (s === '') return '.'; const n = nodePath.posix.normalize(s); return n.length > 1 ? n.replace(/\/$/, '') : n; },
    relpath: (p: unknown, start?: unknown) => nodePath.relative(start === undefined || start === null ? process.cwd() : pathArg(start, 'relpath'), pathArg(p, 'relpath')) || '.',
    expanduser: (p: unknown) => { const s = pathArg(p, 'expanduser'); return s === '~' || s.startsWith('~/') ? homedir() + s.slice(1) : s; },
    getsize: (p: unknown) => { const s = pathArg(p, 'getsize'); return osCall(s, () => fs.statSync(s).size); },
    getmtime: (p: unknown) => { const s = pathArg(p, 'getmtime'); return rt.float(osCall(s, () => fs.statSync(s).mtimeMs / 1000)); },
  };
  for (const [k, f] of Object.entries(fns)) Object.defineProperty(path, '$' + k, { value: Object.assign(f, { pyName: k, builtin: true }), enumerable: true });
  Object.defineProperty(path, '$sep', { value: '/', enumerable: true });
  const env = new PyDict();
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env.set(k, v);
  return {
    path, sep: '/', linesep: '\n', name: 'posix', curdir: '.', pardir: '..', environ: env,
    getcwd: () => process.cwd(),
    chdir: (p: unknown) => { const s = pathArg(p, 'chdir'); osCall(s, () => process.chdir(s)); return null; },
    listdir: (p: unknown = '.') => { const s = pathArg(p, 'listdir'); return osCall(s, () => fs.readdirSync(s)); },
    mkdir: (p: unknown) => { const s = pathArg(p, 'mkdir'); osCall(s, () => fs.mkdirSync(s)); return null; },
    makedirs: kwfn((...args: unknown[]) => {
      const { pos, kw } = ctx.objects.splitKw(args);
      const s = pathArg(pos[0], 'makedirs');
      const existOk = rt.truthy(pos[2] ?? kw?.get('exist_ok') ?? false);
      if (!existOk && fs.existsSync(s)) osCall(s, () => { throw Object.assign(new Error('exists'), { code: 'EEXIST' }); });
      osCall(s, () => fs.mkdirSync(s, { recursive: true }));
      return null;
    }),
    remove: (p: unknown) => { const s = pathArg(p, 'remove'); osCall(s, () => fs.unlinkSync(s)); return null; },
    unlink: (p: unknown) => { const s = pathArg(p, 'unlink'); osCall(s, () => fs.unlinkSync(s)); return null; },
    rmdir: (p: unknown) => { const s = pathArg(p, 'rmdir'); osCall(s, () => fs.rmdirSync(s)); return null; },
    rename: (a: unknown, b: unknown) => { const s = pathArg(a, 'rename'); osCall(s, () => fs.renameSync(s, pathArg(b, 'rename'))); return null; },
    getenv: (k: unknown, d: unknown = null) => { const v = process.env[String(k)]; return v === undefined ? d : v; },
    cpu_count: () => cpus().length,
    getpid: () => process.pid,
  };
}
