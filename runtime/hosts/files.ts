// The builtin open(): text and binary files on the host filesystem (the QuickJS sandbox gets no
// such capability). Reads and writes go straight to the file descriptor, synchronously.
import { openSync, readSync, writeSync, closeSync, fstatSync } from 'node:fs';
import { objects, exceptions, containers } from '../core/index.js';
import { osCall } from '../../stdlib/os.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const { PyBytes } = containers;

class PyFile {
  private fd: number;
  private buf = Buffer.alloc(0);
  private eof = false;
  closed = false;
  constructor(readonly path: string, readonly mode: string, readonly binary: boolean, flags: string) {
    this.fd = osCall(path, () => openSync(path, flags));
    if (fstatSync(this.fd).isDirectory()) {
      closeSync(this.fd);
      osCall(path, () => { throw Object.assign(new Error('dir'), { code: 'EISDIR' }); });
    }
  }
  private check(): void { if (this.closed) exceptions.raiseError('ValueError', 'I/O operation on closed file.'); }
  private fill(): boolean {
    if (this.eof) return false;
    const chunk = Buffer.alloc(65536);
    const n = readSync(this.fd, chunk, 0, chunk.length, null);
    if (n === 0) { this.eof = true; return false; }
    this.buf = Buffer.concat([this.buf, chunk.subarray(0, n)]);
    return true;
  }
  private out(b: Buffer): unknown {
    return this.binary ? new PyBytes(new Uint8Array(b)) : b.toString('utf8');
  }
  read(n?: number): unknown {
    this.check();
    if (n === undefined || n < 0) { while (this.fill()) { /* read everything */ } const all = this.buf; this.buf = Buffer.alloc(0); return this.out(all); }
    while (this.buf.length < n && this.fill()) { /* more */ }
    const part = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return this.out(part);
  }
  readline(): unknown {
    this.check();
    for (;;) {
      const i = this.buf.indexOf(10);
      if (i >= 0) { const line = this.buf.subarray(0, i + 1); this.buf = this.buf.subarray(i + 1); return this.out(line); }
      if (!this.fill()) { const rest = this.buf; this.buf = Buffer.alloc(0); return this.out(rest); }
    }
  }
  write(s: unknown): number {
    this.check();
    if (!/[wax+]/.test(this.mode)) exceptions.raiseError('OSError', 'not writable');
    let data: Buffer;
    if (this.binary) {
      if (!(s instanceof PyBytes)) exceptions.raiseError('TypeError', `a bytes-like object is required, not '${objects.typeOf(s).pyName}'`);
      data = Buffer.from(s.data);
    } else {
      if (typeof s !== 'string') exceptions.raiseError('TypeError', `write() argument must be str, not ${objects.typeOf(s).pyName}`);
      data = Buffer.from(s, 'utf8');
    }
    let off = 0;
    while (off < data.length) off += writeSync(this.fd, data, off);
    return this.binary ? data.length : [...(s as string)].length;
  }
  close(): void { if (!this.closed) { closeSync(this.fd); this.closed = true; } }
}

const fileType = objects.builtinType('TextIOWrapper', PyFile.prototype, () => exceptions.raiseError('TypeError', 'use open()'));
void fileType;
const methods: Record<string, (this: PyFile, ...a: any[]) => unknown> = {
  read(n?: unknown) { return this.read(n === undefined || n === null ? undefined : Number(n)); },
  readline() { return this.readline(); },
  readlines() { const out: unknown[] = []; for (;;) { const l = this.readline() as any; if ((this.binary ? l.data.length : l.length) === 0) return out; out.push(l); } },
  write(s: unknown) { return this.write(s); },
  writelines(lines: unknown) { for (const l of require_iter(lines)) this.write(l); return null; },
  close() { this.close(); return null; },
  flush() { return null; },
  __enter__() { return this; },
  __exit__() { this.close(); return false; },
  __iter__() {
    const self = this;
    return (function* () { for (;;) { const l = self.readline() as any; if ((self.binary ? l.data.length : l.length) === 0) return; yield l; } })();
  },
};
let iterFn: (x: unknown) => Iterable<unknown>;
function require_iter(x: unknown): Iterable<unknown> { return iterFn(x); }
for (const [k, f] of Object.entries(methods)) {
  Object.defineProperty(PyFile.prototype, '$' + k, { value: Object.assign(f, { builtinMethod: true, pyName: k }), writable: true });
}
Object.defineProperty(PyFile.prototype, '$closed', { get(this: PyFile) { return this.closed; } });
Object.defineProperty(PyFile.prototype, '$name', { get(this: PyFile) { return this.path; } });
Object.defineProperty(PyFile.prototype, '$mode', { get(this: PyFile) { return this.mode; } });

/** Python's open(file, mode='r', encoding=None). */
export function makeOpen(iter: (x: unknown) => Iterable<unknown>): (...args: unknown[]) => unknown {
  iterFn = iter;
  const open = (...args: unknown[]) => {
    const { pos, kw } = objects.splitKw(args);
    const path = pos[0];
    const mode = (pos[1] ?? kw?.get('mode') ?? 'r') as string;
    if (typeof path !== 'string') exceptions.raiseError('TypeError', `expected str, bytes or os.PathLike object, not ${objects.typeOf(path).pyName}`);
    if (typeof mode !== 'string' || !/^(r|w|a|x)(\+)?b?$|^(r|w|a|x)b(\+)?$/.test(mode)) exceptions.raiseError('ValueError', `invalid mode: '${String(mode)}'`);
    const base = mode[0]!, plus = mode.includes('+');
    const flags = base === 'r' ? (plus ? 'r+' : 'r') : base === 'w' ? (plus ? 'w+' : 'w') : base === 'a' ? (plus ? 'a+' : 'a') : (plus ? 'wx+' : 'wx');
    return new PyFile(path, mode, mode.includes('b'), flags);
  };
  return Object.assign(open, { kw: true, builtin: true, pyName: 'open' });
}
