// Tasks sent to a long-lived node (cantor.pool under `xlang run --connect`), as users run them:
// results, output, exceptions with their .x frames, dependencies, imported modules, the
// caller's tenant inside the task, requirements the node can never meet, timeouts, cancellation,
// `xlang node tasks`; and hostile task requests sent straight over the wire.
import { describe, it, expect, afterAll, afterEach } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Peer, RemoteError, generateIdentity } from '../../runtime/cantor/net.js';
import { Harness, kill, root, FRAMES_OUT } from './harness.js';

const h = new Harness();
afterEach(() => h.stopAll());
afterAll(() => h.remove());

describe('remote tasks', { timeout: 120_000 }, () => {
  it('run on the connected node: results, output, errors, dependencies, modules, tenants, node tasks', async () => {
    const data = join(h.dir, 't1');
    const n = await h.startNode(data, ['--resources', 'GPU=1,zone=edge']);
    const cap = await h.capFile(data, 'cap-t1');
    const tenantCap = await h.capFile(data, 'cap-t1-blue', ['--tenant', 'blue']);
    h.file('shapes.x', 'import math\nscale = 3\ndef area(r):\n    return round(math.pi * r * r * scale, 3)\n');
    h.file('job.x', `import cantor
import shapes
import sys

offset = 100
def work(x, k=1):
    print("working on", x)
    return (x * x + offset) * k

def boom(x):
    raise ValueError("bad input " + str(x))

def uses_module(r):
    return shapes.area(r)

who = sys.argv[1]   # a module value: captured with the task (the module sys is the node's own)
def where():
    cantor.kv.set("written-by-task", who)
    cantor.metrics.inc("task_hits")
    return cantor.kv.get("written-by-task")

pool = cantor.pool(resources="GPU >= 1 && zone == 'edge'")
print(work.taskrun(pool, 5, k=2).get())
futs = [work.taskrun(pool, i) for i in range(200)]
print(sum(f.get() for f in futs))
a = work.taskrun(pool, 3)
b = work.taskrun(pool, a, k=a)
print("dependent", b.get())
print("module", uses_module.taskrun(pool, 2).get())
print("tenant", where.taskrun(pool).get(), cantor.kv.get("written-by-task"), cantor.metrics.get("task_hits")[0]["series"][0]["value"])
e = boom.taskrun(pool, 7)
try:
    e.get()
except ValueError as x:
    print("caught:", x)
d = work.taskrun(pool, e)
try:
    d.get()
except ValueError as x:
    print("dependency failed:", x)
last = work.taskrun(pool, 1)
print(last.get() == 101 and last.getRunTime() >= 0 and last.getTotalTime() >= last.getRunTime())
boom.taskrun(pool, 8).get()
`);
    const r = await h.xlang(['run', ...h.connect(n, cap), 'job.x', 'default-run']);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    // what each task printed comes back with its result
    expect(lines.filter(l => l.startsWith('working on')).length).toBe(1 + 200 + 2 + 1);
    expect(lines.filter(l => !l.startsWith('working on')).join('\n')).toBe(`250
${Array.from({ length: 200 }, (_, i) => i * i + 100).reduce((x, y) => x + y, 0)}
dependent ${(109 * 109 + 100) * 109}
module 37.699
tenant default-run default-run 1
caught: bad input 7
dependency failed: bad input 7
True
`);
    // the task's own .x frames follow the frames of the get() that raised it
    expect(r.stderr).toMatch(/File ".*job\.x", line 43, in <module>\n    boom\.taskrun\(pool, 8\)\.get\(\)\n  \[task 'boom' on node 12D3KooW\w+, worker \d\]\n  File ".*job\.x", line 11, in boom\n    raise ValueError\("bad input " \+ str\(x\)\)\nValueError: bad input 8\n$/);

    // the caller's tenant holds inside the task: blue's task writes blue's keys
    h.file('blue.x', 'import cantor\ndef where():\n    cantor.kv.set("written-by-task", "blue")\n    return cantor.kv.keys()\npool = cantor.pool()\nprint(where.taskrun(pool).get())\n');
    const blue = await h.xlang(['run', ...h.connect(n, tenantCap), 'blue.x']);
    expect(blue.stderr).toBe('');
    expect(blue.stdout).toBe("['written-by-task']\n");
    h.file('check.x', 'import cantor\nprint(cantor.kv.get("written-by-task"))\n');
    expect((await h.xlang(['run', ...h.connect(n, cap), 'check.x'])).stdout).toBe('default-run\n');

    const list = await h.xlang(['node', 'tasks', '--data-dir', data, '-n', '3']);
    expect(list.stderr).toBe('');
    expect(list.stdout).toMatch(/^ID +STATE +NAME +TENANT +WORKER +WAITED +RAN +AGE +CLIENT +RESOURCES\n\d+ +done +where +blue /);
    const failed = JSON.parse((await h.xlang(['node', 'tasks', '--data-dir', data, '--state', 'failed', '--json'])).stdout);
    expect(failed.map((t: { name: string }) => t.name)).toEqual(['boom', 'boom']);
    expect(failed[0].error).toBe('ValueError: bad input 8');
    // a tenant sees its own tasks only
    const mine = JSON.parse((await h.xlang(['node', 'tasks', ...h.connect(n, tenantCap), '--json'])).stdout);
    expect(mine.map((t: { tenant: string }) => t.tenant)).toEqual(['blue']);
    // the REPL sends its inputs' code the same way (each input is compiled with the names before it)
    const repl = await h.xlang(['repl', ...h.connect(n, cap)], {}, 'import cantor\nk = 10\ndef f(x):\n    return x * k\n\npool = cantor.pool()\nf.taskrun(pool, 4).get()\ndef g(y):\n    return f(y) + 1\n\ng.taskrun(pool, 2).get()\n');
    expect(repl.stdout).toBe('40\n21\n');
    const bad = await h.xlang(['node', 'tasks', '--data-dir', data, '--state', 'sleeping']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--state takes one of queued, running, done, failed, cancelled, timeout/);
  });

  it('fails unmeetable requirements at once, stops tasks past their timeout, cancels queued tasks', async () => {
    const data = join(h.dir, 't2');
    const n = await h.startNode(data, ['--resources', 'slot=1']);
    const cap = await h.capFile(data, 'cap-t2');
    h.file('limits.x', `import cantor
import time

def spin():
    while True:
        pass

def nap(ms):
    sleep(ms)
    return ms

t0 = time.time()
never = cantor.pool(resources="GPU >= 2")
try:
    nap.taskrun(never, 1).get()
except RuntimeError as e:
    print("unmet:", e)
print("fast:", time.time() - t0 < 5)

limited = cantor.pool(timeout_ms=300)
try:
    spin.taskrun(limited).get()
except TimeoutError as e:
    print("timeout:", e)
print("still serving:", nap.taskrun(limited, 5).get())

one = cantor.pool(resources="slot >= 1")
first = nap.taskrun(one, 500)
second = nap.taskrun(one, 1)
sleep(150)
print("cancel second:", second.cancel(), "cancel first:", first.cancel())
try:
    second.get()
except CancelledError as e:
    print("cancelled:", e)
print("first:", first.get())
`);
    const r = await h.xlang(['run', ...h.connect(n, cap), 'limits.x']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^unmet: task 'nap' cannot run: no node satisfies its requirement GPU >= 2: GPU >= 2 \(GPU = 0\)\nfast: True\n/);
    expect(r.stdout).toMatch(/\ntimeout: task 'spin' timed out after 300 ms on node \w+ and was stopped\nstill serving: 5\n/);
    expect(r.stdout).toMatch(/\ncancel second: True cancel first: False\ncancelled: task 'nap' was cancelled\nfirst: 500\n$/);
    const rows = JSON.parse((await h.xlang(['node', 'tasks', '--data-dir', data, '--json'])).stdout) as Array<{ name: string; state: string }>;
    expect(rows.map(t => `${t.name}:${t.state}`)).toEqual(['nap:done', 'nap:cancelled', 'nap:done', 'spin:timeout']);
  });

  it("serves a module through 'import m thru addr', and the cantor module of that node", async () => {
    const data = join(h.dir, 't4');
    const n = await h.startNode(data);
    const cap = await h.capFile(data, 'cap-t4');
    const hostPort = n.addr.replace(/^\/ip4\/([^/]+)\/tcp\/(\d+)$/, '$1:$2');
    h.file('thru_helper.x', 'def triple(x):\n    return 3 * x\n');
    h.file('served.x', 'import thru_helper\ngreeting = "hello from the node"\ndef scaled(x, k=2):\n    return thru_helper.triple(x) * k\ndef fails():\n    raise KeyError("nope")\nprint("served loaded")\n');
    h.file('user.x', `import served thru '${hostPort}'
import cantor thru '${hostPort}' as node_cantor
import math thru '${hostPort}' as rmath
print(served)
print(served.greeting, served.scaled(5, k=3), served.scaled(1), rmath.sqrt(16.0))
node_cantor.kv.set("via-thru", [1, 2])
print(node_cantor.kv.get("via-thru"))
try:
    served.fails()
except KeyError as e:
    print("KeyError", e)
served.missing()
`);
    const env = { XLANG_CLUSTER_TOKEN_FILE: join(data, 'cluster.token'), XLANG_TOKEN_FILE: join(h.dir, cap) };
    const r = await h.xlang(['run', 'user.x'], env);
    // the module's top level runs on the node, once in each worker that serves one of its calls
    expect(r.stdout).toMatch(/^<module 'served' thru '[\d.:]+'>\nserved loaded\n/);
    expect(r.stdout.replace(/served loaded\n/g, '')).toBe(`<module 'served' thru '${hostPort}'>\nhello from the node 45 6 4.0\n[1, 2]\nKeyError 'nope'\n`);
    expect(r.stderr).toMatch(/line 12, in <module>\n    served\.missing\(\)\n  \[task 'served\.missing' on node \w+, worker \d\]\nAttributeError: module 'served' has no attribute 'missing'\n$/);
    // the node's data, not a local one
    h.file('check4.x', 'import cantor\nprint(cantor.kv.get("via-thru"))\n');
    expect((await h.xlang(['run', ...h.connect(n, cap), 'check4.x'])).stdout).toBe('[1, 2]\n');
    h.file('nowhere.x', "import served thru '127.0.0.1:1'\nprint(served.greeting)\n");
    const down = await h.xlang(['run', 'nowhere.x'], env);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/ConnectionError: /);
    h.file('dotted.x', "import a.b thru '127.0.0.1:1'\n");
    const dotted = await h.xlang(['run', 'dotted.x'], env);
    expect(dotted.code).toBe(2);
    expect(dotted.stderr).toMatch(/'import a\.b thru' needs a name for the module it binds/);
  });

  it('brings back results larger than a frame, and batches whose results together are', async () => {
    const data = join(h.dir, 't5');
    const n = await h.startNode(data);
    const cap = await h.capFile(data, 'cap-t5');
    h.file('bigresult.x', `import cantor
def make(n, tag):
    return bytes([tag % 256]) * n
pool = cantor.pool()
def size(b, extra=b""):
    return len(b) + len(extra)
big = make.taskrun(pool, 20 * 1024 * 1024, 7)
# passed on while it is still on the node: it goes there by reference, not through this script
print(size.taskrun(pool, big, extra=big).get())
one = big.get()
print(len(one), one[:2])
futs = [make.taskrun(pool, 300 * 1024, i) for i in range(100)]
print(sum(len(f.get()) for f in futs), all(f.get()[0] == i % 256 for i, f in enumerate(futs)))
`);
    const r = await h.xlang(['run', ...h.connect(n, cap), 'bigresult.x']);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').slice(0, 3).join('\n')).toBe(`41943040\n20971520 b'\\x07\\x07'\n${100 * 300 * 1024} True`);
  });

  it('sends DataFrames as values: kv, queues, task arguments and results', async () => {
    const data = join(h.dir, 't-frames');
    const n = await h.startNode(data);
    const cap = await h.capFile(data, 'cap-frames');
    const r = await h.xlang(['run', ...h.connect(n, cap), join(root, 'test/cantor/fixtures/frames.x')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(FRAMES_OUT);
  });

  it('lets go of what a killed client held: the units it took, the results it never read', async () => {
    const data = join(h.dir, 't-gone');
    const n = await h.startNode(data, ['--resources', 'GPU=2'], { XLANG_CLIENT_GRACE_MS: '5000' });
    const cap = await h.capFile(data, 'cap-gone');
    h.file('holder.x', `import cantor
def big(n):
    return "x" * n
v = big.taskrun(cantor.pool(), 300000).get()
print("took", cantor.TakeFirstAvaibleResourceIndex("GPU"), len(v), flush=True)
cantor.Queue("never").pop(timeout_ms=60000)
`);
    const holder = h.start(['run', ...h.connect(n, cap), 'holder.x']);
    await holder.waitFor(/took 0 300000\n/);
    await kill(holder.child);
    const killedAt = Date.now();
    // within the grace period the unit is still the holder's, and no other client can give it back
    h.file('take.x', 'import cantor\ni = cantor.TakeFirstAvaibleResourceIndex("GPU")\nprint(i, cantor.ReleaseResourceIndex("GPU", 0), cantor.ReleaseResourceIndex("GPU", i))\n');
    const t = await h.xlang(['run', ...h.connect(n, cap), 'take.x']);
    expect(t.stderr).toBe('');
    expect(t.stdout).toBe('1 False True\n');
    expect(Date.now() - killedAt).toBeLessThan(5000); // (else the machine was too slow for this check)
    await new Promise(r => setTimeout(r, killedAt + 6000 - Date.now()));
    h.file('after.x', 'import cantor\nprint(cantor.TakeFirstAvaibleResourceIndex("GPU"), cantor.TakeFirstAvaibleResourceIndex("GPU"))\n');
    const a = await h.xlang(['run', ...h.connect(n, cap), 'after.x']);
    expect(a.stdout).toBe('0 1\n');
    const logs = await h.xlang(['node', 'logs', '--data-dir', data]);
    expect(logs.stdout).toMatch(/client 12D3KooW\w+ has gone: deleted 1 task result it had not read/);
  });

  it('refuses hostile task requests and never evaluates shipped JavaScript', async () => {
    const data = join(h.dir, 't3');
    const n = await h.startNode(data);
    const token = (await h.xlang(['node', 'token', '--data-dir', data])).stdout.trim();
    const readToken = (await h.xlang(['node', 'token', '--data-dir', data, '--role', 'read'])).stdout.trim();
    const cluster = readFileSync(join(data, 'cluster.token'), 'utf8').trim();
    const peer = await Peer.start({ privateKey: generateIdentity(), clusterToken: cluster, token });
    try {
      const id = await peer.connect(n.addr);
      const spec = { resources: 'cpu >= 1', priority: 1, retries: 0, timeoutMs: 0 };
      const refused = async (args: unknown, method = 'task.run', opts = {}) => {
        try {
          await peer.request(id, method, args, { timeoutMs: 10_000, ...opts });
        } catch (e) {
          if (e instanceof RemoteError) return `${e.type}: ${e.message}`;
          throw e;
        }
        return 'accepted';
      };
      const source = 'def f(x):\n    return x + 1\n';
      const { contentIdOf } = await import('../../compiler/index.js');
      const cid = contentIdOf(source);
      expect(await refused([null])).toMatch(/^TypeError: a task needs a spec/);
      expect(await refused([{ ...spec, retries: 1e9 }, 'k', 'f', new Uint8Array(1), [], null])).toMatch(/^TypeError: a task needs a spec/);
      expect(await refused([spec, 'k', 'f', new Uint8Array(1), ['../../etc/passwd'], null])).toMatch(/^TypeError: a task needs the list of artifact ids/);
      expect(await refused([spec, 'k', 'f', new Uint8Array(1), [cid], null])).toMatch(/^ArtifactMissing: node \w+ lacks the code of 1 module/);
      expect(await refused([{ ...spec, resources: 'GPU >' }, 'k', 'f', new Uint8Array(1), [], null])).toMatch(/^ValueError: invalid resource expression/);
      // an artifact whose source is not the one its id names is refused; a `script` field is ignored
      const altered = { id: cid, moduleName: '__main__', path: '/x/main.x', source: source.replace('1', '2'), script: 'process.exit(7)' };
      expect(await refused([spec, 'k', 'f', new Uint8Array(1), [cid], [altered]])).toMatch(/^ValueError: artifact \w+ of \/x\/main\.x: its source has content id \w+ here/);
      expect(await refused([spec, 'k', 'f', new Uint8Array(1), [cid], [{ id: cid, moduleName: 'x; rm -rf', path: 'p', source }]])).toMatch(/^ValueError: a shipped artifact needs/);
      const broken = 'def f(:\n';
      expect(await refused([spec, 'k', 'f', new Uint8Array(1), [], [{ id: contentIdOf(broken), moduleName: 'm', path: '/x/m.x', source: broken }]])).toMatch(/^ValueError: the code of \/x\/m\.x does not compile on this node: line 1/);
      expect(await refused([spec, 'k', 'f', new Uint8Array(1), [], null], 'task.runMany')).toMatch(/^TypeError: task.runMany needs a list of 1 to 4096/);
      // garbage as the serialized call: the task fails, the node does not
      const ok = { id: cid, moduleName: '__main__', path: '/x/main.x', source, script: 'process.exit(7)' };
      const answer = await peer.request(id, 'task.run', [spec, 'k1', 'f', new Uint8Array([0xc1, 0xff, 0x00]), [cid], [ok]], { timeoutMs: 10_000 }) as unknown[];
      expect(answer[0]).toBe(false);
      const many = await peer.request(id, 'task.runMany', [spec, [['k2', 'f', new Uint8Array([1])], ['k2', 'f', new Uint8Array([1])], 'junk'], [cid], null], { timeoutMs: 10_000 }) as unknown[][];
      expect(many.length).toBe(3);
      expect(many[2]).toEqual(['E', 'TypeError', 'a task needs a key, a name and the serialized call']);
      expect(await refused([spec, 'k3', 'f', new Uint8Array(1), [cid], null], 'task.run', { token: readToken })).toMatch(/^PermissionError: 'task.run' needs the submit role/);
      expect(await refused(['nope'], 'task.cancel')).toBe('accepted');
    } finally {
      await peer.stop();
    }
    // the node kept serving, and keeps the artifact it compiled on disk
    const st = await h.xlang(['node', 'status', '--data-dir', data, '--json']);
    expect(JSON.parse(st.stdout).tasks.finished).toBeGreaterThanOrEqual(2);
    expect(n.child.exitCode).toBeNull();
  });
});
