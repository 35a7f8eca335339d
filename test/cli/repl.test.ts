// `xlang repl` as a user drives it: piped input, a pseudo-terminal (script(1)) when present,
// history across sessions, and completion from the language service and the live session.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { run } from '../helpers.js';
import { localEvaluator, needsMore, Completer } from '../../dist/runtime/cli/repl.js';
import { parse } from '../../dist/compiler/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'dist/runtime/cli/main.js');
let dir: string;
let env: NodeJS.ProcessEnv;
const session = (input: string) => run(process.execPath, [cli, 'repl'], dir, env, input);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xlang-repl-'));
  env = { ...process.env, XDG_CACHE_HOME: join(dir, 'cache'), XDG_STATE_HOME: join(dir, 'state') };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('xlang repl', () => {
  it('keeps names between inputs, shows expression values, continues open blocks', async () => {
    const r = await session([
      'x = 5', 'x * 2', 'def f(a):', '    return a + x', '', 'f(1)', 'import math', 'math.sqrt(16)',
      'y = [1,', '2]', 'y', 'print("hi")', 'None', '"s"', 'class A:', '    def m(self):', '        return 7', '', 'A().m()',
      'g = (v){', '  return v * 3', '}', '', 'g(2)',
    ].join('\n') + '\n');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe("10\n6\n4.0\n[1, 2]\nhi\n's'\n7\n6\n");
    expect(r.code).toBe(0);
  });

  it('reports errors as xlang run does and keeps going', async () => {
    const r = await session('1/0\nundefined_name\ndef bad(:\n\nprint("still here")\n');
    expect(r.stdout).toBe('still here\n');
    expect(r.stderr).toContain('Traceback (most recent call last):\n  File "<stdin>", line 1, in <module>\n    1/0\nZeroDivisionError: division by zero');
    expect(r.stderr).toContain("NameError: name 'undefined_name' is not defined");
    expect(r.stderr).toContain("<stdin>:1:8: error: '(' was never closed");
    expect(r.stderr).not.toMatch(/\.js:\d+|node:internal/);
  });

  it('runs tasks on functions defined in earlier inputs, reading names defined later', async () => {
    const r = await session('def sq(v):\n    return v * v + k\n\nk = 1\np = taskpool()\nsq.taskrun(p, 3).get()\n');
    expect(r).toEqual({ code: 0, stdout: '10\n', stderr: '' });
  });

  it('exits with the status given to exit() and keeps history across sessions', async () => {
    const r = await session('a = 1\nexit(3)\nprint("not reached")\n');
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    const hist = join(dir, 'state', 'xlang', 'repl_history');
    expect(existsSync(hist)).toBe(true);
    expect(readFileSync(hist, 'utf8')).toContain('"exit(3)"');
  });

  it('completes names and attributes from the live session', async () => {
    const ev = await localEvaluator();
    try {
      ev.run('import math\nvalue = [1]\nclass Box:\n    def open_lid(self):\n        pass\nb = Box()\n');
      expect(ev.complete('val')).toEqual(['value']);
      expect(ev.complete('print(math.sq')).toEqual(['math.sqrt']);
      expect(ev.complete('value.app')).toEqual(['value.append']);
      expect(ev.complete('b.open')).toEqual(['b.open_lid']);
      expect(ev.complete('nosuch.x')).toBeNull(); // no such object: the language service answers alone
    } finally { ev.close(); }
  });

  it('completes from the language service, merged with the live session', async () => {
    const ev = await localEvaluator();
    const c = new Completer(ev, dir);
    const names = async (line: string, earlier: string[] = []) => (await c.complete(line, earlier))[0];
    const input = (s: string) => { ev.run(s); c.add(s); };
    try {
      // a stdlib module's members before it is imported; module names after `import`
      expect(await names('from math import sq')).toEqual(['sqrt']);
      expect(await names('import js')).toEqual(['json']);
      expect(await names('import math; math.fl')).toEqual(['math.floor']);
      // keywords are the language service's (the live session knows only values)
      expect(ev.complete('whi')).not.toContain('while');
      expect(await names('whi')).toEqual(['while']);
      // names bound by earlier inputs, and in the block being typed (a parameter is no live value)
      input('class Box:\n    def open_lid(self):\n        self.lid_open = True\n');
      input('b = Box()');
      expect(await names('Bo')).toEqual(['Box']);
      expect(await names('    al', ['def f(alpha):'])).toEqual(['all', 'alpha']);
      expect(await names('        self.li', ['class Jar:', '    def __init__(self):', '        self.lid = 1', '    def m(self):'])).toEqual(['self.lid']);
      // an object that exists answers for its own attributes, set however they were
      input('setattr(b, "dynamic_attr", 1)');
      expect(await names('b.dyn')).toEqual(['b.dynamic_attr']);
      expect(await names('b.op')).toEqual(['b.open_lid']);
      // one that does not yet: the analysis of the inputs answers
      c.add('later = Box()');
      expect(await names('later.op')).toEqual(['later.open_lid']);
      // inputs read one after another, between completions
      c.add('aa_one = 1');
      c.add('aa_two = 2');
      expect(await names('aa_')).toEqual(['aa_one', 'aa_two']);
      expect(await names('aa_t')).toEqual(['aa_two']);
      // nothing inside a string or a comment
      expect(await names('print("wh')).toEqual([]);
      expect(await names('x = 1  # wh')).toEqual([]);
    } finally { ev.close(); }
  });

  it('knows when an input is complete', () => {
    const p = (s: string) => parse(s, '<stdin>');
    expect(needsMore('x = 1', p)).toBe(false);
    expect(needsMore('if x:', p)).toBe(true);
    expect(needsMore('if x:\n    y = 1', p)).toBe(true);
    expect(needsMore('if x:\n    y = 1\n', p)).toBe(false);
    expect(needsMore('f(1,', p)).toBe(true);
    expect(needsMore('s = """abc', p)).toBe(true);
    expect(needsMore('x = 1 + \\', p)).toBe(true);
    expect(needsMore('f(1,\n', p)).toBe(false);
  });

  it.runIf(existsSync('/usr/bin/script'))('works in a terminal: prompts, continuation prompts, Tab completion', async () => {
    // script(1) gives the REPL a pseudo-terminal; each line is typed after the prompt appears
    const child = spawn('script', ['-qec', `${process.execPath} ${cli} repl`, '/dev/null'], { env: { ...env, TERM: 'xterm' } }); // readline completes only on capable terminals
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const missed: string[] = [];
    const waitFor = async (text: string, from: number) => {
      for (let i = 0; i < 200 && !out.slice(from).includes(text); i++) await new Promise(r => setTimeout(r, 25));
      if (!out.slice(from).includes(text)) missed.push(text);
    };
    try {
      const steps: [string, string][] = [['', '>>> '], ['longname_value = 41\r', '>>> '], ['longname_v', 'longname_v'], ['\t', 'alue'], [' + 1\r', '42'],
        // a member of a module not imported yet: only the language service knows it
        ['from math import isq', 'isq'], ['\t', 'rt'], ['\r', '>>> '], ['isqrt(17)\r', '4'],
        ['for i in range(2):\r', '... '], ['    print(i)\r', '... '], ['\r', '>>> ']];
      for (const [keys, expect_] of steps) {
        const from = out.length;
        if (keys) child.stdin.write(keys);
        await waitFor(expect_, from);
      }
      child.stdin.write('exit()\r');
      await new Promise(r => child.on('exit', r));
    } finally { child.kill(); }
    // eslint-disable-next-line no-control-regex
    const text = out.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
    expect(missed, text).toEqual([]);
    expect(text).toContain('>>> ');
    expect(text).toContain('... ');
    expect(text).toContain('42\n');
    expect(text).toMatch(/0\n1\n/);
  });
});
