// The xlang command as a user runs it: real processes, real files, exit codes and messages.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { run } from '../helpers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'dist/runtime/cli/main.js');
let dir: string;
let env: NodeJS.ProcessEnv;
const xlang = (args: string[], input?: string) => run(process.execPath, [cli, ...args], dir, env, input);
const file = (name: string, text: string) => { writeFileSync(join(dir, name), text); return name; };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xlang-cli-'));
  env = { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('xlang run', () => {
  it('runs a program and passes sys.argv', async () => {
    file('args.x', 'import sys\nprint(sys.argv)\n');
    const r = await xlang(['run', 'args.x', 'a', 'b c']);
    expect(r).toEqual({ code: 0, stdout: "['args.x', 'a', 'b c']\n", stderr: '' });
    expect((await xlang(['args.x', 'z'])).stdout).toBe("['args.x', 'z']\n");
  });
  it('runs code given with -c', async () => {
    expect((await xlang(['-c', 'print(2 ** 64)'])).stdout).toBe('18446744073709551616\n');
  });
  it('prints a syntax error with file:line:col, the line, a caret and the reason; exit 2', async () => {
    file('bad.x', 'x = 1\nif x > 0\n    print(x)\n');
    const r = await xlang(['run', 'bad.x']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("bad.x:2:9: error: expected ':' after the if condition");
    expect(r.stderr).toContain('2 | if x > 0\n  |         ^');
  });
  it('prints a traceback of .x frames only for an uncaught error; exit 1', async () => {
    file('boom.x', 'def inner(v):\n    return 10 // v\n\ndef outer():\n    return inner(0)\n\nprint("before")\nouter()\n');
    const r = await xlang(['run', 'boom.x']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('before\n');
    expect(r.stderr).toBe([
      'Traceback (most recent call last):',
      `  File "${join(dir, 'boom.x')}", line 8, in <module>`, '    outer()',
      `  File "${join(dir, 'boom.x')}", line 5, in outer`, '    return inner(0)',
      `  File "${join(dir, 'boom.x')}", line 2, in inner`, '    return 10 // v',
      'ZeroDivisionError: integer division or modulo by zero', '',
    ].join('\n'));
  });
  it('maps a traceback to the right lines of a large file', async () => {
    // past the lexer's chunk size and with many top-level statements: the source map's lines
    // come from each statement's own piece of output, placed after everything before it
    let src = '';
    for (let i = 0; i < 1500; i++) src += `def f${i}(a, b):\n    s = """x\ny ${i}\n"""\n    return (a * b + a - b) * (a + b * 2) + len(s)\n\n`;
    const line = src.split('\n').length;
    src += 'def inner(v):\n    return 10 // v\n\nprint(f3(2, 3))\ninner(f7(0, 0) - 6)\n';
    file('large.x', src);
    const r = await xlang(['run', 'large.x']);
    expect(r.stdout).toBe('46\n');
    expect(r.stderr).toContain(`  File "${join(dir, 'large.x')}", line ${line + 4}, in <module>\n    inner(f7(0, 0) - 6)\n`);
    expect(r.stderr).toContain(`line ${line + 1}, in inner\n    return 10 // v\n`);
    expect(src.length).toBeGreaterThan(2 * 65536);
  });
  it('reads input() from stdin', async () => {
    file('ask.x', 'name = input("name? ")\nprint("hi", name)\ntry:\n    input()\nexcept EOFError:\n    print("eof")\n');
    const r = await xlang(['run', 'ask.x'], 'ann\n');
    expect(r.stdout).toBe('name? hi ann\neof\n');
  });
  it('reports a missing file and bad usage with exit 2', async () => {
    const r = await xlang(['run', 'nope.x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no such file: nope.x');
    expect((await xlang(['--bogus'])).code).toBe(2);
    expect((await xlang(['check', 'a.x', '--format', 'xml'])).code).toBe(2);
  });
  it('uses the compile cache on the second run', async () => {
    file('cached.x', 'print("same")\n');
    await xlang(['run', 'cached.x']);
    const r = await xlang(['run', 'cached.x']);
    expect(r.stdout).toBe('same\n');
    expect(existsSync(join(dir, 'cache', 'xlang', 'modules'))).toBe(true);
  });
});

describe('xlang check', () => {
  it('exits 0 on a clean file and 2 with positioned errors', async () => {
    file('ok.x', 'print(1)\n');
    expect((await xlang(['check', 'ok.x'])).code).toBe(0);
    file('errs.x', 'return 1\nx = (\n');
    const text = await xlang(['check', 'errs.x']);
    expect(text.code).toBe(2);
    expect(text.stderr).toContain("errs.x:1:1: error: 'return' outside function");
    const json = await xlang(['check', '--format', 'json', 'errs.x']);
    expect(json.code).toBe(2);
    const diags = JSON.parse(json.stdout);
    expect(diags.map((d: { line: number; column: number }) => [d.line, d.column])).toEqual([[1, 1], [2, 5]]);
  });
  it('reports undefined names as warnings with a suggestion', async () => {
    file('typo.x', 'pritn("x")\n');
    const r = await xlang(['check', '--format', 'json', 'typo.x']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)[0]).toMatchObject({ severity: 'warning', code: 'undefined-name', suggestion: 'print', line: 1, column: 1 });
  });
});

describe('xlang compile', () => {
  it('writes an ES module and a source map that run', async () => {
    file('mod.x', 'def sq(x):\n    return x * x\nprint(sq(12))\n');
    const r = await xlang(['compile', 'mod.x', '-o', 'mod.js']);
    expect(r.code).toBe(0);
    const js = readFileSync(join(dir, 'mod.js'), 'utf8');
    expect(js).toContain('export default function $module');
    const map = JSON.parse(readFileSync(join(dir, 'mod.js.map'), 'utf8'));
    expect(map.sources).toEqual(['mod.x']);
    expect(map.mappings.length).toBeGreaterThan(0);
    // the module runs against the runtime
    const { rt, builtinNames } = await import(pathToFileURL(join(root, 'dist/runtime/core/index.js')).href);
    const { setCoreHost } = await import(pathToFileURL(join(root, 'dist/runtime/core/builtins.js')).href);
    let out = '';
    setCoreHost({ write: (s: string) => { out += s; }, readLine: () => null, sleep: () => {}, now: () => 0 });
    const mod = await import(pathToFileURL(join(dir, 'mod.js')).href);
    mod.default(rt, builtinNames, {}, () => { throw new Error('no imports'); });
    expect(out).toBe('144\n');
  });
  it('minifies with swc', async () => {
    file('min.x', 'def long_function_name(argument_one, argument_two):\n    total = argument_one + argument_two\n    return total\nprint(long_function_name(1, 2))\n');
    await xlang(['compile', 'min.x', '-o', 'full.js']);
    const r = await xlang(['compile', 'min.x', '-o', 'small.js', '--minify']);
    expect(r.code).toBe(0);
    const full = readFileSync(join(dir, 'full.js'), 'utf8'), small = readFileSync(join(dir, 'small.js'), 'utf8');
    expect(small.length).toBeLessThan(full.length);
    expect(small).toContain('export');
    expect((await run(process.execPath, ['--check', join(dir, 'small.js')], dir, env)).code).toBe(0);
  });
});
