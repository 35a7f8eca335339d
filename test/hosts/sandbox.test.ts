// The QuickJS sandbox (`xlang run --sandbox`, runtime/hosts/quickjs.ts): the same output as
// `xlang run` for ordinary programs, and for programs that try to get out or to exhaust the
// host, one clear error each while the host stays usable. Needs a build (dist/), like test/cli.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, symlinkSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { run, pool, type Result } from '../helpers.js';
import { SandboxHost, sandboxInternals, type SandboxOptions, type SandboxResult } from '../../runtime/hosts/quickjs.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'dist/runtime/cli/main.js');
const conformance = join(root, 'test/conformance');
let dir: string;
let env: NodeJS.ProcessEnv;
let host: SandboxHost;
const xlang = (args: string[], input?: string, cwd = dir): Promise<Result> => run(process.execPath, [cli, ...args], cwd, env, input);
const file = (name: string, text: string): string => { const p = join(dir, name); mkdirSync(dirname(p), { recursive: true }); writeFileSync(p, text); return p; };

/** Runs program text on the shared host with small limits; output and errors are collected. */
async function sandboxed(name: string, text: string, opts: SandboxOptions = {}): Promise<SandboxResult & { out: string; err: string }> {
  let out = '', err = '';
  const r = await host.run(file(join('api', name), text), undefined, {
    memoryLimitMB: 32, timeLimitMs: 4000, stackLimitKB: 256, cacheDir: join(dir, 'cache'), stdin: '',
    stdout: s => { out += s; }, stderr: s => { err += s; }, ...opts,
  });
  return { ...r, out, err };
}

const GOOD = 'import math\nxs = [i * i for i in range(10)]\nprint(sum(xs), math.sqrt(16), {"k": (1, 2)})\n';
/** The host runs an ordinary program correctly (after whatever ran before it). */
async function hostIsHealthy(): Promise<void> {
  const r = await sandboxed('good.x', GOOD);
  expect(r).toMatchObject({ exitCode: 0, out: "285 4.0 {'k': (1, 2)}\n", err: '' });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xlang-sandbox-'));
  env = { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') };
  host = new SandboxHost();
  host.prepare({ memoryLimitMB: 32, stackLimitKB: 256 });
});
afterAll(() => {
  host?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('xlang run --sandbox', () => {
  const programs = ['py_mod_json', 'py_mod_math', 'py_mod_random', 'py_algo_class_shapes', 'py_algo_generators_pipeline',
    'py_exc_builtin_msgs', 'py_misc_features', 'xl_import_sibling', 'xl_deferred_import'];
  it('prints what xlang run prints for ordinary programs (conformance programs and their .out)', async () => {
    const results = new Map<string, Result>();
    await pool(programs, 4, async p => { results.set(p, await xlang(['run', '--sandbox', `${p}.x`], '', conformance)); });
    for (const p of programs) {
      const r = results.get(p)!;
      expect({ p, ...r }).toEqual({ p, code: 0, stdout: readFileSync(join(conformance, `${p}.out`), 'utf8'), stderr: '' });
    }
  });

  it('% and // by an int literal give the results python3 gives for every kind of dividend (the inline paths)', async () => {
    // ints past int32 and past the safe range, negative ones, raw and boxed floats, NaN, a bool
    const r = await sandboxed('modfloor.x', "def f(a):\n    return (a % 7, a // 7, a % 1, a // 1, a % 2147483647, a // 2147483647)\nfor v in [0, 1, -1, 6, 7, -7, -8, 2**31, -2**31, 2**31 + 5, -(2**31) - 5, 2**52 + 3, -(2**52) - 3, 2**53 - 1, -(2**53) + 1, 2**53 + 1, -(2**60), 7.5, -7.5, 1e300, -0.0, 0.1, -1e-17, float('nan'), True, 14.0]:\n    print(v, f(v))\n");
    expect(r).toMatchObject({ exitCode: 0, err: '' });
    expect(r.out).toBe("0 (0, 0, 0, 0, 0, 0)\n1 (1, 0, 0, 1, 1, 0)\n-1 (6, -1, 0, -1, 2147483646, -1)\n6 (6, 0, 0, 6, 6, 0)\n7 (0, 1, 0, 7, 7, 0)\n-7 (0, -1, 0, -7, 2147483640, -1)\n-8 (6, -2, 0, -8, 2147483639, -1)\n2147483648 (2, 306783378, 0, 2147483648, 1, 1)\n-2147483648 (5, -306783379, 0, -2147483648, 2147483646, -2)\n2147483653 (0, 306783379, 0, 2147483653, 6, 1)\n-2147483653 (0, -306783379, 0, -2147483653, 2147483641, -2)\n4503599627370499 (5, 643371375338642, 0, 4503599627370499, 2097155, 2097152)\n-4503599627370499 (2, -643371375338643, 0, -4503599627370499, 2145386492, -2097153)\n9007199254740991 (3, 1286742750677284, 0, 9007199254740991, 4194303, 4194304)\n-9007199254740991 (4, -1286742750677285, 0, -9007199254740991, 2143289344, -4194305)\n9007199254740993 (5, 1286742750677284, 0, 9007199254740993, 4194305, 4194304)\n-1152921504606846976 (6, -164703072086692426, 0, -1152921504606846976, 1610612735, -536870913)\n7.5 (0.5, 1.0, 0.5, 7.0, 7.5, 0.0)\n-7.5 (6.5, -2.0, 0.5, -8.0, 2147483639.5, -1.0)\n1e+300 (1.0, 1.4285714285714286e+299, 0.0, 1e+300, 260391960.0, 4.656612875245797e+290)\n-0.0 (0.0, -0.0, 0.0, -0.0, 0.0, -0.0)\n0.1 (0.1, 0.0, 0.1, 0.0, 0.1, 0.0)\n-1e-17 (7.0, -1.0, 1.0, -1.0, 2147483647.0, -1.0)\nnan (nan, nan, nan, nan, nan, nan)\nTrue (1, 0, 0, 1, 1, 0)\n14.0 (0.0, 2.0, 0.0, 14.0, 14.0, 0.0)\n");
  });

  it('constructs instances in place as python3 does: __init__ results, arity errors, __new__, decorators, bases, argument order', async () => {
    // the 'quickjs' target calls a class's raw __init__ in place when the class allows it (codegen newInstance)
    const r = await sandboxed('ctor.x', "log = []\ndef arg(v):\n    log.append(v)\n    return v\nclass P:\n    def __init__(self, a, b=2):\n        self.a = a\n        self.b = b\nclass Q(P):\n    pass\nclass R:\n    def __init__(self, x):\n        return 5\nclass S:\n    def __new__(cls, x):\n        o = object.__new__(cls)\n        o.made = x\n        return o\n    def __init__(self, x):\n        self.x = x * 2\ndef deco(cls):\n    def make(*a):\n        return (\"made\", a)\n    return make\n@deco\nclass D:\n    def __init__(self, a):\n        self.a = a\nclass L(list):\n    pass\nclass L0:\n    def __init__(self, n):\n        list.__init__(self, range(n))\nclass E(Exception):\n    def __init__(self, m):\n        Exception.__init__(self, \"E:\" + m)\nclass N:\n    pass\nclass T:\n    def __init__(self, p, q):\n        self.s = p.a + q.a\ndef main():\n    p = P(1)\n    print(p.a, p.b, P(3, 4).b, Q(5).a, type(Q(5)).__name__)\n    for bad in [lambda: R(1), lambda: P(), lambda: P(1, 2, 3), lambda: N(1)]:\n        try:\n            bad()\n        except TypeError as e:\n            print(\"TypeError\")\n    s = S(4)\n    print(s.made, s.x, D(1, 2), type(N()).__name__)\n    try:\n        raise E(\"x\")\n    except E as e:\n        print(e)\n    print(T(P(arg(1)), P(arg(2))).s, log)\n    print(T(P(P(1).a + 1), Q(arg(3))).s, log)\n    P.__init__ = lambda self, a: setattr(self, \"z\", a)\n    print(P(9).z)\nmain()\n");
    expect(r).toMatchObject({ exitCode: 0, err: '' });
    expect(r.out).toBe("1 2 4 5 Q\nTypeError\nTypeError\nTypeError\nTypeError\n4 8 ('made', (1, 2)) N\nE:x\n3 [1, 2]\n5 [1, 2, 3]\n9\n");
  });

  it('evaluates constructor arguments in order when a later one rebinds an earlier name (the in-place construction)', async () => {
    // python3: x is read before g() runs, so T(x, g()) sees x's old value
    const r = await sandboxed('ctororder.x', "x = 1\ndef g():\n    global x\n    x = 2\n    return 0\nclass T:\n    def __init__(self, a, b):\n        self.v = (a, b)\nprint(T(x, g()).v, T(x, x).v)\n");
    expect(r).toMatchObject({ exitCode: 0, err: '' });
    expect(r.out).toBe('(1, 0) (2, 2)\n');
  });

  it('calls top-level defs through their unchecked twins as python3 calls them: arity errors, generators, closures, recursion, reassignment from another module', async () => {
    // the 'quickjs' target calls f's twin (no arity checks) where a call passes every argument (codegen findTwins)
    file(join('api', 'twinhelper.x'), "def twice(x):\n    return x * 2\n\ndef use(v):\n    return twice(v) + 1\n");
    const r = await sandboxed('twinmain.x', "import twinhelper as helper\n\ndef fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n\ndef gen(k):\n    for i in range(k):\n        yield i * i\n\ndef adder(a, b):\n    def inner(c):\n        return a + b + c\n    return inner\n\ndef boom(d):\n    return 10 // d\n\ndef deep(n):\n    return deep(n + 1)\n\ndef callme():\n    return fib(10), list(gen(4)), adder(1, 2)(3), sum(gen(5))\n\nprint(callme())\nprint(fib(20), fib(2.5), fib(True))\nfor bad in [lambda: fib(), lambda: fib(1, 2), lambda: boom(0)]:\n    try:\n        print(bad())\n    except TypeError as e:\n        print(\"TypeError\", e)\n    except ZeroDivisionError as e:\n        print(\"ZeroDivisionError\", e)\ntry:\n    deep(0)\nexcept RecursionError:\n    print(\"RecursionError\")\nprint(helper.use(5))\nhelper.twice = lambda x: x * 100\nprint(helper.use(5))\nclass Tw:\n    def __call__(self, x):\n        return -x\nhelper.twice = Tw()\nprint(helper.use(5))\nprint(fib.__name__, fib.__qualname__)\n", { stackLimitKB: 1024 });
    expect(r).toMatchObject({ exitCode: 0, err: '' });
    expect(r.out).toBe("(55, [0, 1, 4, 9], 6, 30)\n6765 2.0 True\nTypeError fib() missing 1 required positional argument: 'n'\nTypeError fib() takes 1 positional argument but 2 were given\nZeroDivisionError integer division or modulo by zero\nRecursionError\n11\n501\n-4\nfib fib\n");
  });

  it('calling a def (through its twin) or a class before its statement ran is a NameError, as in python3', async () => {
    // the twin starts as a function raising NameError; an in-place construction tests for undefined first
    const r = await sandboxed('beforedef.x', "def early():\n    return later(1)\ndef make():\n    return Later()\nfor fn in [early, make]:\n    try:\n        fn()\n    except NameError as e:\n        print('NameError', e)\ndef later(x):\n    return x + 1\nclass Later:\n    pass\nprint(early(), type(make()).__name__)\n");
    expect(r).toMatchObject({ exitCode: 0, err: '' });
    expect(r.out).toBe("NameError name 'later' is not defined\nNameError name 'Later' is not defined\n2 Later\n");
  });

  it('passes sys.argv, reads stdin and uses exit codes as xlang run does', async () => {
    file('args.x', 'import sys\nprint(sys.argv)\nname = input("name? ")\nprint("hi", name)\nsys.exit(3)\n');
    expect(await xlang(['run', '--sandbox', 'args.x', 'a', 'b c'], 'ann\n')).toEqual({ code: 3, stdout: "['args.x', 'a', 'b c']\nname? hi ann\n", stderr: '' });
    file('msg.x', 'import sys\nsys.exit("bad input")\n');
    expect(await xlang(['run', '--sandbox', 'msg.x'])).toEqual({ code: 1, stdout: '', stderr: 'bad input\n' });
  });

  it('prints the same traceback of .x frames as xlang run', async () => {
    file('boom.x', 'def inner(v):\n    return 10 // v\n\ndef outer():\n    return inner(0)\n\nprint("before")\nouter()\n');
    const [plain, boxed] = await Promise.all([xlang(['run', 'boom.x']), xlang(['run', '--sandbox', '--memory-limit', '64', 'boom.x'])]);
    expect(boxed).toEqual(plain);
    expect(boxed.code).toBe(1);
    expect(boxed.stderr).toContain('ZeroDivisionError: integer division or modulo by zero');
    expect(boxed.stderr).toContain(`File "${join(dir, 'boom.x')}", line 5, in outer`);
  });

  it('reports limits with one line and exit 1, and bad limit values as usage errors (exit 2)', async () => {
    file('spin.x', 'print("started")\nwhile True:\n    pass\n');
    file('hog.x', 'a = [1]\nwhile True:\n    a = a + a\n');
    const [spin, hog, badMem, badTime, badStack, noBox, missing] = await Promise.all([
      xlang(['run', '--sandbox', '--time-limit', '300', 'spin.x']),
      xlang(['run', '--sandbox', '--memory-limit=16', 'hog.x']),
      xlang(['run', '--sandbox', '--memory-limit', 'lots', 'spin.x']),
      xlang(['run', '--sandbox', '--time-limit', '0', 'spin.x']),
      xlang(['run', '--sandbox', '--stack-limit', '99999', 'spin.x']),
      xlang(['run', '--time-limit', '100', 'spin.x']),
      xlang(['run', '--sandbox', 'nope.x']),
    ]);
    expect(spin).toEqual({ code: 1, stdout: 'started\n', stderr: 'xlang: sandbox time limit of 300 ms exceeded\n' });
    expect(hog).toEqual({ code: 1, stdout: '', stderr: 'xlang: sandbox memory limit of 16 MB exceeded\n' });
    expect(badMem).toMatchObject({ code: 2, stderr: "xlang: --memory-limit must be a whole number from 8 to 2000, not 'lots'\n" });
    expect(badTime).toMatchObject({ code: 2, stderr: expect.stringContaining('--time-limit must be a whole number') });
    expect(badStack).toMatchObject({ code: 2, stderr: expect.stringContaining('--stack-limit must be a whole number from 64 to 4096') });
    expect(noBox).toMatchObject({ code: 2, stderr: expect.stringContaining('--time-limit applies only to sandboxed runs') });
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining('no such file: nope.x') });
  });

  it('stops a program that waits for input when its time is up', async () => {
    file('wait.x', 'print("q")\nx = input()\nprint("got", x)\n');
    // stdin stays open: the program would wait forever
    const child = spawn(process.execPath, [cli, 'run', '--sandbox', '--time-limit', '300', 'wait.x'], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
    try {
      let out = '', err = '';
      child.stdout.on('data', d => { out += d; });
      child.stderr.on('data', d => { err += d; });
      const t0 = Date.now();
      const code = await new Promise<number | null>(done => child.on('exit', c => done(c)));
      expect({ code, out, err }).toEqual({ code: 1, out: 'q\n', err: 'xlang: sandbox time limit of 300 ms exceeded\n' });
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      child.kill();
    }
  });

  it('denies os and open() with errors that name the sandbox', async () => {
    file('useos.x', 'import os\nprint(os.listdir("/"))\n');
    file('open.x', 'print(open("/etc/passwd").read())\n');
    const [os, op] = await Promise.all([xlang(['run', '--sandbox', 'useos.x']), xlang(['run', '--sandbox', 'open.x'])]);
    expect(os.code).toBe(1);
    expect(os.stderr).toContain("ImportError: module 'os' is not available in the sandbox");
    expect(op.code).toBe(1);
    expect(op.stderr).toContain('PermissionError: open() (file access) is not available in the sandbox');
  });

  it('reports compile errors of the program and of its modules with exit 2', async () => {
    file('bad.x', 'x = 1\nif x > 0\n    print(x)\n');
    file('usesbad.x', 'import badmod\n');
    file('badmod.x', 'def f(:\n');
    const [bad, uses] = await Promise.all([xlang(['run', '--sandbox', 'bad.x']), xlang(['run', '--sandbox', 'usesbad.x'])]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("bad.x:2:9: error: expected ':' after the if condition");
    expect(uses.code).toBe(2);
    expect(uses.stderr).toContain('badmod.x:1:');
  });
});

describe('the sandbox host under abuse: each attempt ends with a clear error and the host stays usable', () => {
  it('time limit: an infinite loop', async () => {
    const r = await sandboxed('loop.x', 'print("a")\nwhile True:\n    pass\n', { timeLimitMs: 300 });
    expect(r).toMatchObject({ exitCode: 1, error: { kind: 'time' }, out: 'a\n', err: 'xlang: sandbox time limit of 300 ms exceeded\n' });
    await hostIsHealthy();
  });

  it('time limit: the interrupt cannot be caught (except BaseException, finally)', async () => {
    const r = await sandboxed('catch.x', 'while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        print("caught")\n    finally:\n        print("finally")\n', { timeLimitMs: 300 });
    expect(r).toMatchObject({ exitCode: 1, error: { kind: 'time' }, out: '' });
  });

  it('time limit: a flood of short sleeps, and one long sleep', async () => {
    const many = await sandboxed('sleeps.x', 'import time\nwhile True:\n    time.sleep(0.001)\n    sleep(0)\n', { timeLimitMs: 300 });
    expect(many).toMatchObject({ exitCode: 1, error: { kind: 'time' } });
    const t0 = Date.now();
    const long = await sandboxed('sleep.x', 'import time\ntime.sleep(3600)\nprint("woke")\n', { timeLimitMs: 300 });
    expect(long).toMatchObject({ exitCode: 1, error: { kind: 'time' }, out: '' });
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('time limit: an exception whose __str__ never returns', async () => {
    const r = await sandboxed('strloop.x', 'class E(Exception):\n    def __str__(self):\n        while True:\n            pass\nraise E()\n', { timeLimitMs: 300 });
    expect(r).toMatchObject({ exitCode: 1, error: { kind: 'time' } });
  });

  it('memory limit: list doubling', async () => {
    const r = await sandboxed('double.x', 'a = [1]\nwhile True:\n    a = a + a\n');
    expect(r).toMatchObject({ exitCode: 1, error: { kind: 'memory' }, err: 'xlang: sandbox memory limit of 32 MB exceeded\n' });
    await hostIsHealthy();
  });

  it('memory limit: many small strings (the limit counts bytes, not allocations)', async () => {
    const r = await sandboxed('strings.x', 'keep = []\nwhile True:\n    keep.append("y" * 1000 + str(len(keep)))\n');
    expect(r).toMatchObject({ exitCode: 1, error: { kind: 'memory' } });
  });

  it('memory limit: a dict that grows forever, and list() of an endless generator', async () => {
    const d = await sandboxed('dict.x', 'd = {}\ni = 0\nwhile True:\n    d[i] = str(i) * 10\n    i += 1\n');
    expect(d).toMatchObject({ exitCode: 1, error: { kind: 'memory' } });
    const g = await sandboxed('gen.x', 'def g():\n    while True:\n        yield 1\nx = list(g())\n');
    expect(g).toMatchObject({ exitCode: 1, error: { kind: 'memory' } });
  });

  it('memory: a huge string by repeated concatenation, and by multiplication', async () => {
    const cat = await sandboxed('cat.x', 's = "x"\nwhile True:\n    s += s\n');
    expect(cat.exitCode).toBe(1);
    expect(cat.err).toMatch(/MemoryError|memory limit of 32 MB exceeded/);
    const mul = await sandboxed('mul.x', "s = 'x' * 10**10\nprint(len(s))\n");
    expect(mul).toMatchObject({ exitCode: 1, out: '' });
    expect(mul.err).toContain('MemoryError');
    expect(mul.err).toContain("s = 'x' * 10**10");
  });

  it('memory: a MemoryError can be caught and the program goes on', async () => {
    const r = await sandboxed('recover.x', 'try:\n    s = "x" * 10**10\nexcept MemoryError:\n    print("recovered")\nkeep = []\ntry:\n    while True:\n        keep.append("z" * 10000)\nexcept MemoryError:\n    keep = None\n    print("recovered again")\n');
    expect(r).toMatchObject({ exitCode: 0, out: 'recovered\nrecovered again\n' });
  });

  it('memory: an enormous int', async () => {
    const r = await sandboxed('bigint.x', 'x = 10 ** (10 ** 9)\n');
    expect(r.exitCode).toBe(1);
    expect(r.err).toContain('MemoryError');
  });

  it('stack limit: infinite recursion is a RecursionError traceback', async () => {
    const r = await sandboxed('rec.x', 'def f(n):\n    return f(n + 1)\nf(0)\n');
    expect(r).toMatchObject({ exitCode: 1, error: { kind: 'exception' } });
    expect(r.err).toMatch(/^Traceback \(most recent call last\):\n {2}File ".*rec\.x", line \d, in /);
    expect(r.err).toContain('[Previous line repeated');
    expect(r.err.endsWith('RecursionError: maximum recursion depth exceeded\n')).toBe(true);
    await hostIsHealthy();
  });

  it('stack limit: recursion through __repr__, sort keys and deeply nested data is caught as RecursionError', async () => {
    const r = await sandboxed('rec2.x', [
      'class R:', '    def __repr__(self):', '        return repr(R())',
      'def k(x):', '    return sorted([1, 2], key=k)',
      'a = []', 'b = []', 'for i in range(100000):', '    a = [a]', '    b = [b]',
      'for f in [lambda: repr(R()), lambda: k(0), lambda: str(a), lambda: a == b]:',
      '    try:', '        f()', '    except RecursionError:', '        print("RecursionError")',
    ].join('\n') + '\n', { stackLimitKB: 1024 });
    expect(r).toMatchObject({ exitCode: 0, out: 'RecursionError\n'.repeat(4) });
    const big = await sandboxed('rec3.x', 'def f(n):\n    return 0 if n == 0 else 1 + f(n - 1)\nprint(f(3000))\n', { stackLimitKB: 1024 });
    expect(big).toMatchObject({ exitCode: 0, out: '3000\n' });
  });

  it('reaching JS constructors, prototypes or globals through attributes fails', async () => {
    const attempts = [
      '(0).constructor', "getattr(0, 'constructor')", "getattr(print, 'constructor')", "getattr(getattr(0, '__class__'), 'constructor')",
      "getattr(type, '__proto__')", "getattr([], '__proto__')", "getattr({}, 'prototype')", "getattr(print, 'call')", "getattr(print, 'apply')",
      'type(print).__call__', 'print.__class__.__class__.__class__', 'object.__subclasses__()', '(lambda: 0).__globals__',
      '(lambda: 0).__code__', 'print.__self__', "type.__dict__['constructor']", "getattr(len, '__proto__')", "getattr(Exception, 'constructor')",
      "getattr(getattr(print, '__class__'), '__base__').__subclasses__()", 'globals()', 'locals()', 'vars()', "__builtins__", "__import__('os')",
      "getattr(sum, 'bind')", "getattr('', 'toString')", "getattr([].append, 'constructor')", "getattr(type(0), 'constructor')",
    ];
    const lines = ['escaped = []', 'def probe(src, f):', '    try:', '        v = f()', '    except BaseException as e:', '        return',
      // anything that comes back must not be a way to run JS: calling it with JS source must not give a result
      '    try:', '        r = v("return typeof process")', '        if callable(r):', '            r = r()',
      '        if r in ("undefined", "object", "function"):', '            escaped.append((src, r))',
      '    except BaseException:', '        pass'];
    for (const a of attempts) lines.push(`probe(${JSON.stringify(a)}, lambda: ${a})`);
    lines.push('print(len(escaped), escaped)');
    const r = await sandboxed('reflect.x', lines.join('\n') + '\n');
    expect(r).toMatchObject({ exitCode: 0, out: '0 []\n' });
  });

  it('changing builtin types and objects affects only that run', async () => {
    const r = await sandboxed('pollute.x', [
      'for f in [lambda: setattr(object, "__proto__", None), lambda: setattr(list, "append", None), lambda: setattr(type(print), "x", 1),',
      '          lambda: setattr(int, "__add__", None), lambda: setattr(str, "upper", None), lambda: setattr(print, "__call__", None)]:',
      '    try:', '        f()', '    except BaseException as e:', '        print(type(e).__name__)',
      'class Evil:', '    def __eq__(self, o):', '        return True', '    def __hash__(self):', '        return 0',
      'd = {Evil(): 1}', 'print("ran")',
    ].join('\n') + '\n');
    expect(r.exitCode).toBe(0);
    expect(r.out).toContain('ran\n');
    const after = await sandboxed('check.x', 'xs = [3, 1, 2]\nxs.append(0)\nprint(sorted(xs), "ab".upper(), 1 + 1, isinstance(xs, object))\n');
    expect(after).toMatchObject({ exitCode: 0, out: '[0, 1, 2, 3] AB 2 True\n' });
  });

  it('os, open(), __import__, subprocess and socket are not reachable', async () => {
    const cases: [string, RegExp][] = [
      ['import os\n', /ImportError: module 'os' is not available in the sandbox/],
      ['from os import path\n', /ImportError: module 'os' is not available in the sandbox/],
      ['import os.path\n', /ImportError: module 'os' is not available in the sandbox/],
      ['import subprocess\n', /ImportError: module 'subprocess' is not available in the sandbox/],
      ['import socket\n', /ImportError: module 'socket' is not available in the sandbox/],
      ["open('/etc/passwd')\n", /PermissionError: open\(\) \(file access\) is not available in the sandbox/],
      ["open('x.txt', 'w').write('data')\n", /PermissionError/],
      ["__import__('os')\n", /NameError: name '__import__' is not defined/],
      ['to_bin([1])\n', /NotImplementedError: to_bin\(\) is not available in the sandbox/],
      ['taskpool()\n', /RuntimeError: taskpool \(tasks\) is not available in the sandbox/],
      ['from . import x\n', /ImportError/],
    ];
    for (const [i, [src, re]] of cases.entries()) {
      const r = await sandboxed(`deny${i}.x`, src);
      expect({ src, code: r.exitCode }).toEqual({ src, code: 1 });
      expect(r.err).toMatch(re);
    }
    await hostIsHealthy();
  });

  it('a module link that points outside the program folder is refused', async () => {
    mkdirSync(join(dir, 'api', 'linked'), { recursive: true });
    const outside = mkdtempSync(join(tmpdir(), 'xlang-outside-'));
    try {
      writeFileSync(join(outside, 'secret.x'), 'print("secret")\n');
      symlinkSync(join(outside, 'secret.x'), join(dir, 'api', 'linked', 'secret.x'));
      const r = await sandboxed('linked/main.x', 'import secret\n');
      expect(r.exitCode).toBe(1);
      expect(r.err).toContain("ImportError: module 'secret' is outside the program's folder");
      expect(r.out).toBe('');
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('a flood of output arrives complete; an endless one ends at the time limit', async () => {
    const r = await sandboxed('flood.x', 'for i in range(100000):\n    print("x" * 99)\n');
    expect(r.exitCode).toBe(0);
    expect(r.out.length).toBe(100000 * 100);
    let n = 0;
    const endless = await host.run(file('api/endless.x', 'while True:\n    print("y" * 1000)\n'), undefined, { timeLimitMs: 300, memoryLimitMB: 32, stdout: s => { n += s.length; }, stderr: () => undefined });
    expect(endless).toMatchObject({ exitCode: 1, error: { kind: 'time' } });
    expect(n).toBeGreaterThan(0);
    await hostIsHealthy();
  });

  it('raising values that are not exceptions', async () => {
    for (const [v, summary] of [['"plain failure"', 'Error: plain failure'], ['42', 'int: 42'], ['[1, 2]', 'list: [1, 2]'], ['None', '']] as const) {
      const r = await sandboxed('raise.x', `raise ${v}\n`);
      expect(r.exitCode).toBe(1);
      expect(r.err).toContain('Traceback (most recent call last):');
      if (summary) expect(r.err.endsWith(summary + '\n')).toBe(true);
    }
  });

  it('exceptions thrown through host callbacks and builtins come back as Python exceptions', async () => {
    const r = await sandboxed('cb.x', [
      'import time, json',
      'def bad(x):', '    raise ValueError("from key")',
      'for f in [lambda: sorted([3, 1], key=bad), lambda: time.sleep("x"), lambda: time.sleep(-1), lambda: input(),',
      '          lambda: json.loads("{bad"), lambda: list(map(lambda x: 1 // 0, [1])), lambda: print(1, sep=5)]:',
      '    try:', '        f()', '    except Exception as e:', '        print(type(e).__name__)',
      'class E(Exception):', '    def __str__(self):', '        raise RuntimeError("no str")',
      'raise E()',
    ].join('\n') + '\n');
    expect(r.out).toBe(['ValueError', 'TypeError', 'ValueError', 'EOFError', 'JSONDecodeError', 'ZeroDivisionError', 'TypeError', ''].join('\n'));
    expect(r.exitCode).toBe(1);
    expect(r.err).toContain('E: <exception str() failed>');
    await hostIsHealthy();
  });

  it('API: a failing run, then runs that exceed limits, then a good run on the same host', async () => {
    const seq: [string, string, SandboxOptions, number][] = [
      ['fail.x', 'x = {}\nx["missing"]\n', {}, 1],
      ['slow.x', 'while True:\n    pass\n', { timeLimitMs: 200 }, 1],
      ['fat.x', 'a = [1]\nwhile True:\n    a = a + a\n', { memoryLimitMB: 16 }, 1],
      ['deep.x', 'def f():\n    return f()\nf()\n', { stackLimitKB: 64 }, 1],
      ['exit.x', 'import sys\nsys.exit(7)\n', {}, 7],
    ];
    for (const [name, src, opts, code] of seq) expect((await sandboxed(name, src, opts)).exitCode).toBe(code);
    await hostIsHealthy();
    await expect(host.run(file('api/x.x', 'pass\n'), undefined, { memoryLimitMB: 1 })).rejects.toThrow(/memoryLimitMB/);
  });
});

describe('the sandbox JS surface', () => {
  it('the module loader knows only the runtime and the pure stdlib files', () => {
    const { normalizeModule, loadModule } = sandboxInternals;
    expect(normalizeModule('/runtime/core/index.js', './ops.js')).toBe('/runtime/core/ops.js');
    expect(normalizeModule('/stdlib/math.js', '../runtime/core/numbers.js')).toBe('/runtime/core/numbers.js');
    for (const spec of ['node:fs', 'fs', 'child_process', '/etc/passwd', '../../../../etc/passwd', '/stdlib/os.js', '/stdlib/sys.js',
      '../hosts/main.js', '../hosts/quickjs.js', 'file:///etc/passwd', 'https://example.com/x.js', '/runtime/core/../../package.json']) {
      expect(normalizeModule('/runtime/core/index.js', spec), spec).toHaveProperty('error');
    }
    expect(loadModule('/stdlib/os.js')).toHaveProperty('error');
    expect(typeof loadModule('/stdlib/math.js')).toBe('string');
  });

  it('has no process, require, timers, console or host capabilities in reach of JS code', async () => {
    const session = await sandboxInternals.newSession(16);
    try {
      const { vm, rt } = session;
      const ev = (code: string): unknown => {
        const r = vm.evalCode(code);
        if (r.error) { const e = vm.dump(r.error); r.error.dispose(); return { error: e?.message ?? String(e) }; }
        const v = vm.dump(r.value);
        if (r.value.alive) r.value.dispose();
        return v;
      };
      expect(ev('[typeof process, typeof require, typeof module, typeof setTimeout, typeof console, typeof fetch, typeof WebAssembly, typeof __xlangHost, typeof std, typeof os].join()'))
        .toBe('undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined');
      expect(ev('(0).constructor.constructor("return typeof process")()')).toBe('undefined');
      ev('globalThis.r = []; for (const s of ["node:fs", "fs", "/etc/passwd", "../../package.json", "/runtime/hosts/quickjs.js"]) import(s).then(() => r.push("loaded " + s), e => r.push("refused"))');
      rt.executePendingJobs();
      expect(ev('r')).toEqual(['refused', 'refused', 'refused', 'refused', 'refused']);
    } finally {
      session.dispose();
    }
  });
});
