// A node's log: JSON lines (t, level, node, msg) in <dataDir>/logs/node.log, rotated by size
// (node.log.1 ... node.log.N), readable back for `xlang node logs` and remote readers.
import { appendFileSync, mkdirSync, renameSync, statSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LogLine { t: string; level: string; node: string; msg: string }

export const LOG_LEVELS = ['debug', 'verbose', 'info', 'warn', 'error'] as const;

export class NodeLog {
  readonly file: string;
  private size = -1;

  constructor(dataDir: string, readonly nodeId: string, readonly maxBytes = 10 << 20, readonly keep = 3) {
    const dir = join(dataDir, 'logs');
    this.file = join(dir, 'node.log');
    mkdirSync(dir, { recursive: true });
  }

  write(level: string, msg: string): void {
    const line = JSON.stringify({ t: new Date().toISOString(), level, node: this.nodeId, msg }) + '\n';
    if (this.size < 0) this.size = existsSync(this.file) ? statSync(this.file).size : 0;
    if (this.size + line.length > this.maxBytes && this.size > 0) this.rotate();
    appendFileSync(this.file, line);
    this.size += Buffer.byteLength(line);
  }

  private rotate(): void {
    for (let i = this.keep - 1; i >= 1; i--) if (existsSync(`${this.file}.${i}`)) renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
    renameSync(this.file, `${this.file}.1`);
    this.size = 0;
  }

  /** The last `n` lines (newest last), from the current file and the rotated ones if needed. */
  tail(n: number): LogLine[] {
    const out: LogLine[] = [];
    for (let i = 0; i <= this.keep && out.length < n; i++) {
      const f = i === 0 ? this.file : `${this.file}.${i}`;
      if (!existsSync(f)) continue;
      const lines = readFileSync(f, 'utf8').split('\n').filter(l => l !== '');
      for (let j = lines.length - 1; j >= 0 && out.length < n; j--) {
        try { out.push(JSON.parse(lines[j]!) as LogLine); } catch { /* a torn last line after a crash */ }
      }
    }
    return out.reverse();
  }
}
