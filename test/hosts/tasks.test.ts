// Tasks through the CLI as a user runs them: tracebacks that cross isolates, errors nobody
// retrieved, a worker that runs out of memory, and a flood of submissions.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { run } from '../helpers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'dist/runtime/cli/main.js');
let dir: string;
let env: NodeJS.ProcessEnv;
const xlang = (args: string[], extra: NodeJS.ProcessEnv = {}) => run(process.execPath, [cli, ...args], dir, { ...env, ...extra });
const file = (name: string, text: string) => { writeFileSync(join(dir, name), text); return name; };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xlang-tasks-'));
  env = { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tasks', () => {
  it("re-raises a task's exception in get() with the task's .x frames after the caller's", async () => {
    file('tb.x', [
      'def inner(x):',
      '    raise KeyError(x)',
      'def outer(x):',
      '    return inner(x + 1)',
      'pool = taskpool()',
      'fut = outer.taskrun(pool, 1)',
      'print("before")',
      'fut.get()',
    ].join('\n') + '\n');
    const r = await xlang(['run', 'tb.x']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('before\n');
    expect(r.stderr).toMatch(/File ".*tb\.x", line 8, in <module>\n    fut\.get\(\)\n  \[task 'outer' in worker \d\]\n  File ".*tb\.x", line 4, in outer\n    return inner\(x \+ 1\)\n  File ".*tb\.x", line 2, in inner\n    raise KeyError\(x\)\nKeyError: 2\n$/);
    expect(r.stderr).not.toMatch(/\.js:\d+|node:internal/);
  });

  it('reports a failed task whose error was never retrieved, and still exits 0', async () => {
    file('unretrieved.x', 'def f():\n    return 1 // 0\npool = taskpool()\nf.taskrun(pool)\nprint("done")\n');
    const r = await xlang(['run', 'unretrieved.x']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('done\n');
    expect(r.stderr).toContain("xlang: task 'f' failed and its error was never retrieved:");
    expect(r.stderr).toContain('ZeroDivisionError: integer division or modulo by zero');
  });

  it('waits for outstanding tasks and then-callbacks at the end of the script', async () => {
    file('tail.x', 'def f(x):\n    sleep(50)\n    return x\npool = taskpool()\nfor i in range(3):\n    f.taskrun(pool, i).then(lambda v: print("got", v))\n');
    const r = await xlang(['run', 'tail.x']);
    // every callback runs before the process exits; tasks on two workers finish in any order
    expect({ ...r, stdout: r.stdout.split('\n').sort().join('\n') }).toEqual({ code: 0, stdout: '\ngot 0\ngot 1\ngot 2', stderr: '' });
  });

  it('waits for futures passed as arguments, and fails a task whose dependency failed or was cancelled', async () => {
    file('deps.x', [
      'def add(a, b=0):',
      '    sleep(20)',
      '    return a + b',
      'def bad():',
      '    raise KeyError("gone")',
      'pool = taskpool()',
      'a = add.taskrun(pool, 1, b=2)',
      'b = add.taskrun(pool, a, b=a)',          // waits for a, gets its value twice
      'c = add.taskrun(pool, b, 10)',
      'print(c.get(), b.get(), a.get())',
      'd = add.taskrun(pool, bad.taskrun(pool))',
      'try:',
      '    d.get()',
      'except KeyError as e:',
      '    print("KeyError", e)',
      'one = taskpool(max_task_num=1)',
      'slow = add.taskrun(one, 1)',
      'later = add.taskrun(one, 2)',
      'print(later.cancel())',
      'e = add.taskrun(pool, later)',
      'try:',
      '    e.get()',
      'except CancelledError as x:',
      '    print("CancelledError", x)',
      'waiting = add.taskrun(pool, slow)',
      'print(waiting.cancel(), waiting.done(), slow.get())',
    ].join('\n') + '\n');
    const r = await xlang(['run', 'deps.x']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe("16 6 3\nKeyError 'gone'\nTrue\nCancelledError task 'add', an argument of this task, was cancelled\nTrue True 1\n");
  });

  it('stops a cantor.pool task that runs past timeout_ms; the pool keeps serving', async () => {
    file('timeout.x', 'import cantor\ndef spin():\n    while True:\n        pass\ndef ok(x):\n    return x\npool = cantor.pool(timeout_ms=200)\nf = spin.taskrun(pool)\ntry:\n    f.get()\nexcept TimeoutError as e:\n    print(e, f.getTotalTime() >= 150)\nprint([ok.taskrun(pool, i).get() for i in range(3)])\n');
    const r = await xlang(['run', '--ephemeral', 'timeout.x']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe("task 'spin' timed out after 200 ms and was stopped (its worker was replaced) True\n[0, 1, 2]\n");
  });

  it('loses only the task whose worker ran out of memory; the pool keeps serving', async () => {
    file('oom.x', [
      'def bomb():',
      '    a = []',
      '    while True:',
      '        a.append([0] * 100000)',
      'def ok(x):',
      '    return x * 2',
      'pool = taskpool()',
      'try:',
      '    bomb.taskrun(pool).get()',
      'except MemoryError as e:',
      '    print("MemoryError:", "memory limit" in str(e))',
      'print([ok.taskrun(pool, i).get() for i in range(6)])',
    ].join('\n') + '\n');
    const r = await xlang(['run', 'oom.x'], { XLANG_WORKER_MEMORY_MB: '48' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('MemoryError: True\n[0, 2, 4, 6, 8, 10]\n');
  });

  it('runs 50,000 tasks on one worker and on several with the same results', async () => {
    file('many.x', 'def sq(x):\n    return x * x\npool = taskpool()\nfs = [sq.taskrun(pool, i) for i in range(50000)]\nprint(sum([f.get() for f in fs]))\n');
    const expected = `${Array.from({ length: 50000 }, (_, i) => i * i).reduce((a, b) => a + b)}\n`;
    for (const w of ['1', '3']) {
      const r = await xlang(['run', 'many.x'], { XLANG_WORKERS: w });
      expect(r).toEqual({ code: 0, stdout: expected, stderr: '' });
    }
  });

  it('runs a low-priority task while newer high-priority tasks keep arriving (aging)', async () => {
    file('aging.x', [
      'def spin(ms):',
      '    sleep(ms)',
      '    return ms',
      'hi = taskpool(priority=0)',
      'lo = taskpool(priority=3)',
      'pending = [spin.taskrun(hi, 10) for _ in range(5)]',
      'low = spin.taskrun(lo, 1)',
      'n = 0',
      'while not low.done() and n < 400:',
      '    pending = [f for f in pending if not f.done()]',
      '    while len(pending) < 5:',
      '        pending.append(spin.taskrun(hi, 10))',
      '        n += 1',
      '    sleep(2)',
      'print("low-priority task ran:", low.done(), "high-priority tasks submitted meanwhile:", "few" if n < 100 else n)',
    ].join('\n') + '\n');
    const r = await xlang(['run', 'aging.x'], { XLANG_WORKERS: '1' });
    expect(r).toEqual({ code: 0, stdout: 'low-priority task ran: True high-priority tasks submitted meanwhile: few\n', stderr: '' });
  });

  it('never leaves short tasks queued behind a slow one while a worker is free (pulling, taking back)', async () => {
    file('steal.x', [
      'def slow():',
      '    sleep(1500)',
      '    return "slow"',
      'def quick(i):',
      '    return i',
      'pool = taskpool()',
      's = slow.taskrun(pool)',
      'qs = [quick.taskrun(pool, i) for i in range(300)]',
      'total = sum([q.get() for q in qs])',
      'print(total, "all quick tasks done while the slow one runs:", not s.done())',
      'print(s.get())',
    ].join('\n') + '\n');
    const r = await xlang(['run', 'steal.x'], { XLANG_WORKERS: '2' });
    expect(r).toEqual({ code: 0, stdout: '44850 all quick tasks done while the slow one runs: True\nslow\n', stderr: '' });
  });

  it('runs then-callbacks that submit tasks and wait for them while results are being read', async () => {
    file('reent.x', [
      'def sq(x):',
      '    return x * x',
      'pool = taskpool()',
      'out = []',
      'fs = [sq.taskrun(pool, i).then(lambda v: out.append(sq.taskrun(pool, v).get())) for i in range(2000)]',
      'for f in fs:',
      '    f.get()',
      'print(len(out), sum(out) == sum([i ** 4 for i in range(2000)]))',
    ].join('\n') + '\n');
    const r = await xlang(['run', 'reent.x']);
    expect(r).toEqual({ code: 0, stdout: '2000 True\n', stderr: '' });
  });

  it('refuses taskpool() inside a task with a clear error', async () => {
    file('nested.x', 'def f():\n    return taskpool()\npool = taskpool()\nf.taskrun(pool).get()\n');
    const r = await xlang(['run', 'nested.x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('RuntimeError: a task cannot start tasks yet');
  });
});
