// The conformance corpus, run as a user runs programs: `xlang run file.x` in a child process.
// name.x + name.out: exact stdout, exit 0. name.x + name.err: "# exit: N" then a fragment
// stderr must contain. mod_*.x are modules the programs import. py_*.x are also run under
// python3 by test/differential.test.ts.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { run, pool, type Result } from '../helpers.js';
import { readdirSync, readFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const cli = join(root, 'dist/runtime/cli/main.js');
const programs = readdirSync(here).filter(f => f.endsWith('.x') && !f.startsWith('mod_')).sort();

const results = new Map<string, Result>();
let cache: string;

beforeAll(async () => {
  cache = mkdtempSync(join(tmpdir(), 'xlang-conformance-'));
  const env = { ...process.env, XDG_CACHE_HOME: cache };
  await pool(programs, 4, async f => { results.set(f, await run(process.execPath, [cli, 'run', f], here, env)); });
}, 600_000);

afterAll(() => rmSync(cache, { recursive: true, force: true }));

describe('conformance corpus', () => {
  it('has at least 150 programs', () => expect(programs.length).toBeGreaterThanOrEqual(150));
  for (const f of programs) {
    const base = f.slice(0, -2);
    it(base, () => {
      const r = results.get(f)!;
      if (existsSync(join(here, base + '.out'))) {
        const expected = readFileSync(join(here, base + '.out'), 'utf8');
        expect(r.stderr, 'stderr').toBe('');
        expect(r.stdout).toBe(expected);
        expect(r.code).toBe(0);
      } else {
        const [head, frag] = readFileSync(join(here, base + '.err'), 'utf8').split('\n');
        const code = Number(/# exit: (\d+)/.exec(head!)![1]);
        expect(r.code, r.stderr).toBe(code);
        expect(r.stderr).toContain(frag);
        // errors show .x positions, never the compiler's or runtime's JavaScript
        expect(r.stderr).not.toMatch(/\.js:\d+|node:internal|at file:/);
      }
    });
  }
});
