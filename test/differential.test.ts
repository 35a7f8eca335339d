// Differential runs: every Python-compatible program of the corpus (py_*.x) runs under python3
// and under xlang, and the two must print the same thing and exit the same way.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { run, pool } from './helpers.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'conformance');
const cli = join(dir, '../../dist/runtime/cli/main.js');
const programs = readdirSync(dir).filter(f => /^py_.*\.x$/.test(f)).sort();
const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
const out = new Map<string, { py: Awaited<ReturnType<typeof run>>; xl: Awaited<ReturnType<typeof run>> }>();
let cache: string;

beforeAll(async () => {
  cache = mkdtempSync(join(tmpdir(), 'xlang-diff-'));
  const env = { ...process.env, XDG_CACHE_HOME: cache, PYTHONHASHSEED: '0' };
  await pool(programs, 4, async f => {
    const [py, xl] = await Promise.all([run(python, [f], dir, env), run(process.execPath, [cli, 'run', f], dir, env)]);
    out.set(f, { py, xl });
  });
}, 600_000);

afterAll(() => rmSync(cache, { recursive: true, force: true }));

describe('xlang and python3 print the same', () => {
  it('has python-compatible programs', () => expect(programs.length).toBeGreaterThan(90));
  for (const f of programs) {
    it(f, () => {
      const { py, xl } = out.get(f)!;
      expect(xl.stdout).toBe(py.stdout);
      expect(xl.code).toBe(py.code);
    });
  }
});
