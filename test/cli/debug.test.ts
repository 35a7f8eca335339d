// Debugging .x files: `xlang run --inspect-brk` stops before the program, scripts carry their
// source maps, and a breakpoint placed through the map on a .x line stops on that .x line.
// Driven over the V8 inspector protocol (WebSocket), as VS Code's debugger drives it.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { TraceMap, generatedPositionFor, originalPositionFor } from '@jridgewell/trace-mapping';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'dist/runtime/cli/main.js');
let dir: string;

beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'xlang-debug-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('xlang run --inspect-brk', () => {
  it('binds a breakpoint set on a .x line to that line', async () => {
    const prog = join(dir, 'prog.x');
    writeFileSync(prog, [
      'def area(w, h):',
      '    s = w * h',
      '    return s',
      '',
      'total = 0',
      'for i in range(3):',
      '    total += area(i, 2)',
      'print(total)',
    ].join('\n') + '\n');
    const child = spawn(process.execPath, [cli, 'run', '--inspect-brk=0', prog], { env: { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') } });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    try {
      const url = await new Promise<string>((res, rej) => {
        let err = '';
        child.stderr.on('data', (d: Buffer) => {
          err += d.toString();
          const m = /ws:\/\/\S+/.exec(err);
          if (m) res(m[0]);
        });
        child.on('exit', () => rej(new Error(`exited before listening: ${err}`)));
      });
      const ws = new WebSocket(url);
      await new Promise(r => ws.addEventListener('open', r));
      let id = 0;
      const pending = new Map<number, (v: any) => void>();
      const events: any[] = [];
      const waiters: Array<{ method: string; res: (v: any) => void }> = [];
      ws.addEventListener('message', (ev: MessageEvent) => {
        const msg = JSON.parse(String(ev.data));
        if (msg.id !== undefined) { pending.get(msg.id)?.(msg.result ?? msg.error); return; }
        events.push(msg);
        const w = waiters.findIndex(x => x.method === msg.method);
        if (w >= 0) waiters.splice(w, 1)[0]!.res(msg.params);
      });
      const send = (method: string, params: object = {}) => new Promise<any>(res => { const n = ++id; pending.set(n, res); ws.send(JSON.stringify({ id: n, method, params })); });
      const next = (method: string) => new Promise<any>(res => waiters.push({ method, res }));

      await send('Runtime.enable');
      await send('Debugger.enable');
      const firstPause = next('Debugger.paused');
      await send('Runtime.runIfWaitingForDebugger');
      await firstPause;
      const script = events.find(e => e.method === 'Debugger.scriptParsed' && e.params.url.endsWith('prog.x.js'))?.params;
      expect(script, 'the .x script was parsed').toBeTruthy();
      expect(script.sourceMapURL).toMatch(/^data:application\/json/);
      const map = new TraceMap(Buffer.from(script.sourceMapURL.split(',')[1], 'base64').toString('utf8'));
      expect(map.sources.some(s => s?.endsWith('prog.x'))).toBe(true);
      // a breakpoint on line 2 (inside area) through the source map
      const gen = generatedPositionFor(map, { source: map.sources.find(s => s?.endsWith('prog.x'))!, line: 2, column: 4 });
      expect(gen.line).not.toBeNull();
      const bp = await send('Debugger.setBreakpoint', { location: { scriptId: script.scriptId, lineNumber: gen.line! - 1, columnNumber: gen.column! } });
      expect(bp.breakpointId).toBeTruthy();
      const hit = next('Debugger.paused');
      await send('Debugger.resume');
      const paused = await hit;
      const loc = paused.callFrames[0].location;
      const orig = originalPositionFor(map, { line: loc.lineNumber + 1, column: loc.columnNumber });
      expect(orig.line).toBe(2);
      expect(orig.source).toMatch(/prog\.x$/);
      await send('Debugger.removeBreakpoint', { breakpointId: bp.breakpointId });
      const exited = new Promise(r => child.on('exit', r));
      await send('Debugger.resume');
      ws.close();
      await exited;
      expect(stdout).toBe('6\n');
    } finally {
      child.kill();
    }
  }, 30_000);
});
