// Real Cantor node processes for tests: `xlang node start` in a temporary directory, tokens
// issued with `xlang node token`, and scripts run with `xlang run --connect`. Every node a
// harness starts is killed by stopAll() (call it in afterEach, so a failing test stops them too).
import { expect } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { run, type Result } from '../helpers.js';

export const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const cli = join(root, 'dist/runtime/cli/main.js');

/** What test/cantor/fixtures/frames.x prints, on the embedded node and through a node alike. */
export const FRAMES_OUT = `<cantor.DataFrame type=100 priority=2 sourceId='cam1' format1=7 metadata2=2.5 dataSize=3> b'\\x01\\x02\\x03' 3 DataFrame
cam1 7 2.5 b'\\x01\\x02\\x03'
True 100
cam2 7 cam1 DataFrame
TypeError: to_bin: a 'DataFrame' cannot contain itself
`;

export interface Started { child: ChildProcess; addr: string; metrics: string | null; dataDir: string; out: () => string }

export function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise(resolve => { child.once('exit', () => resolve()); child.kill(signal); });
}

export class Harness {
  readonly dir = mkdtempSync(join(tmpdir(), 'xlang-node-'));
  readonly env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: join(this.dir, 'cache'), XLANG_DATA_DIR: '', XLANG_RESOURCES: '', XLANG_CLUSTER_TOKEN: '', XLANG_TOKEN: '' };
  private readonly nodes = new Set<ChildProcess>();

  xlang(args: string[], extra: NodeJS.ProcessEnv = {}, input?: string): Promise<Result> {
    return run(process.execPath, [cli, ...args], this.dir, { ...this.env, ...extra }, input);
  }

  file(name: string, text: string): string {
    writeFileSync(join(this.dir, name), text);
    return name;
  }

  /** Starts `xlang node start` and resolves once it says where it listens. */
  startNode(dataDir: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Started> {
    const child = spawn(process.execPath, [cli, 'node', 'start', '--data-dir', dataDir, '--listen', '127.0.0.1:0', ...extra], { cwd: this.dir, env: { ...this.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.nodes.add(child);
    child.on('exit', () => this.nodes.delete(child));
    let out = '', err = '';
    child.stderr!.on('data', d => { err += d; });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node did not start: ${err}`)), 20_000);
      child.stdout!.on('data', d => {
        out += d;
        const addr = /listening on (\S+)/.exec(out)?.[1];
        if (!addr || !/data dir .*\n/.test(out)) return; // the banner's last line, whole
        clearTimeout(timer);
        resolve({ child, addr: addr.replace(/\/p2p\/.*$/, ''), metrics: /metrics at (\S+)/.exec(out)?.[1] ?? null, dataDir, out: () => out });
      });
      child.on('exit', code => { clearTimeout(timer); reject(new Error(`node exited with ${code}: ${err}`)); });
    });
  }

  /** Starts a long-running `xlang ...`; `waitFor` resolves once its output matches. stopAll() kills it. */
  start(args: string[]): { child: ChildProcess; waitFor(re: RegExp, ms?: number): Promise<void> } {
    const child = spawn(process.execPath, [cli, ...args], { cwd: this.dir, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.nodes.add(child);
    child.on('exit', () => this.nodes.delete(child));
    let out = '';
    child.stdout!.on('data', d => { out += d; });
    child.stderr!.on('data', d => { out += d; });
    const waitFor = (re: RegExp, ms = 20_000) => new Promise<void>((resolve, reject) => {
      const t0 = Date.now();
      const tick = (): void => {
        if (re.test(out)) return resolve();
        if (child.exitCode !== null || Date.now() - t0 > ms) return reject(new Error(`no ${re} in the output: ${out}`));
        setTimeout(tick, 20);
      };
      tick();
    });
    return { child, waitFor };
  }

  /** Issues a capability token with `xlang node token` into a file; returns its name. */
  async capFile(dataDir: string, name: string, args: string[] = []): Promise<string> {
    const r = await this.xlang(['node', 'token', '--data-dir', dataDir, ...args]);
    expect(r.stderr).toBe('');
    return this.file(name, r.stdout);
  }

  /** The `run` options that bind a script to node `n` with capability token file `cap`. */
  connect(n: Started, cap: string): string[] {
    return ['--connect', n.addr, '--token-file', join(n.dataDir, 'cluster.token'), '--cap-file', cap];
  }

  stopAll(): Promise<void> {
    return Promise.all([...this.nodes].map(c => kill(c))).then(() => undefined);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
