// The cantor module on the embedded node, through the CLI as a user runs it: services, data
// that outlives a run, tasks that share the store, resource pools, and durability when the
// process is killed (-9) in the middle of acknowledged writes.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { run } from '../helpers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'dist/runtime/cli/main.js');
let dir: string;
let env: NodeJS.ProcessEnv;
const xlang = (args: string[], extra: NodeJS.ProcessEnv = {}) => run(process.execPath, [cli, ...args], dir, { ...env, ...extra });
const file = (name: string, text: string) => { writeFileSync(join(dir, name), text); return name; };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xlang-cantor-'));
  env = { ...process.env, XDG_CACHE_HOME: join(dir, 'cache'), XLANG_DATA_DIR: '', XLANG_RESOURCES: '' };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SERVICES_OUT = `{'x': (1, 2), 'y': [1.0, 1180591620717411303424], 's': {1, 2}}
None 5 True
['b1', 'b2'] b'\\x00\\xff'
True False
pushed 1
pushed two
full: queue 'jobs' is full
2 1 two
empty: queue 'jobs' stayed empty for 20 ms
[4] True
gone: True
changed g 42
changed g 43
43 2 dflt
True False
['GPU >= 99 (GPU = 0)', 'zone == "edge" (zone is not provided)']
invalid resource expression at column 8: expected a resource name or a value but found the end
invalid resource expression at column 6: '=' is not a comparison: write '=='
a kv key must be a str, not int
['jobs']
`;

describe('cantor on the embedded node', () => {
  it('serves kv, queues, objects, globals and resource checks, with clear errors', async () => {
    file('services.x', `import cantor
from xlang_cantor import cantor as same
assert same is cantor
kv = cantor.KV()
kv.Set("a", {"x": (1, 2), "y": [1.0, 2**70], "s": {1, 2}})
print(kv.Get("a"))
print(cantor.kv.get("missing"), cantor.kv.get("missing", 5), cantor.kv.has("a"))
cantor.kv.set_many({"b1": 1, "b2": b"\\x00\\xff"})
print(cantor.kv.keys("b"), cantor.kv.get("b2"))
print(cantor.kv.delete("b1"), cantor.kv.delete("b1"))
q = cantor.Queue("jobs", max_size=2)
q.subscribe((v){ print("pushed", v) })
q.push(1)
q.push("two")
try:
    q.push(3)
except TimeoutError as e:
    print("full:", e)
print(q.size(), q.pop(), q.pop())
try:
    q.pop(timeout_ms=20)
except TimeoutError as e:
    print("empty:", e)
oid = cantor.objects.put([1, 2, 3])
cantor.objects.update(oid, [4])
print(cantor.objects.get(oid), cantor.objects.delete(oid))
try:
    cantor.objects.get(oid)
except KeyError as e:
    print("gone:", str(e).startswith("'no object " + cantor.node_id() + "/"))
cantor.globals.subscribe("g", (n, v){ print("changed", n, v) })
cantor.globals.set("g", 42)
cantor.globals.set("g", 43)
print(cantor.globals.get("g"), cantor.globals.version("g"), cantor.globals.get("nope", "dflt"))
print(cantor.satisfies("cpu >= 1"), cantor.satisfies("GPU >= 99"))
print(cantor.unmet("GPU >= 99 && zone == 'edge'"))
for bad in ["GPU >= ", "zone = 'x'"]:
    try:
        cantor.satisfies(bad)
    except ValueError as e:
        print(str(e).split("\\n")[0])
try:
    kv.Set(1, 2)
except TypeError as e:
    print(e)
print(cantor.queues())
`);
    const r = await xlang(['run', '--ephemeral', 'services.x']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(SERVICES_OUT);
  });

  it('keeps data and identity in the data directory across runs; --ephemeral leaves nothing', async () => {
    file('count.x', 'import cantor\nn = cantor.kv.get("runs", 0) + 1\ncantor.kv.set("runs", n)\nprint(n, cantor.node_id())\n');
    const data = join(dir, 'node-a');
    const a = await xlang(['run', '--data-dir', data, 'count.x']);
    const b = await xlang(['run', '--data-dir', data, 'count.x']);
    expect(a.stdout).toMatch(/^1 12D3Koo\w+\n$/);
    expect(b.stdout.split(' ')[0]).toBe('2');
    expect(b.stdout.split(' ')[1]).toBe(a.stdout.split(' ')[1]);
    expect(readdirSync(data).sort()).toEqual(expect.arrayContaining(['identity.key', 'store.db']));
    // the default is .xlang/ in the working directory; a script that never uses cantor creates nothing
    file('plain.x', 'print("hi")\n');
    await xlang(['run', 'plain.x']);
    expect(existsSync(join(dir, '.xlang'))).toBe(false);
    const c = await xlang(['run', 'count.x']);
    expect(c.stdout).toMatch(/^1 /);
    expect(existsSync(join(dir, '.xlang', 'store.db'))).toBe(true);
    const before = readdirSync(tmpdir()).filter(f => f.startsWith('xlang-node-')).length;
    const e = await xlang(['run', '--ephemeral', 'count.x']);
    expect(e.stdout).toMatch(/^1 /);
    expect(readdirSync(tmpdir()).filter(f => f.startsWith('xlang-node-')).length).toBe(before);
    expect((await xlang(['run', '--ephemeral', '--data-dir', data, 'count.x'])).code).toBe(2);
  });

  it('refuses a damaged identity file instead of replacing it', async () => {
    const data = join(dir, 'node-bad');
    file('id.x', 'import cantor\nprint(cantor.node_id())\n');
    await xlang(['run', '--data-dir', data, 'id.x']);
    writeFileSync(join(data, 'identity.key'), 'garbage');
    const r = await xlang(['run', '--data-dir', data, 'id.x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/OSError: the node identity file .*identity\.key is corrupt \(not a libp2p private key\)/);
  });

  it('shares the store with tasks; pools reserve resources, retry, and fail at once when unsatisfiable', async () => {
    file('pool.x', `import cantor
import time
def hold(i):
    t0 = time.time()
    sleep(100)
    cantor.kv.set("held" + str(i), t0)
    return t0
gpu = cantor.pool(resources="GPU >= 1")
f = hold.taskrun(gpu, 1)
try:
    f.get()
except RuntimeError as e:
    print("failed at once:", e)
cams = cantor.pool(resources="USBCamera >= 1", priority=0)
ts = sorted([x.get() for x in [hold.taskrun(cams, i) for i in range(3)]])
print("one camera, one task at a time:", all(ts[i + 1] - ts[i] >= 0.09 for i in range(2)))
print(sorted(cantor.kv.keys("held")))
def flaky(key):
    c = cantor.kv.get(key, 0) + 1
    cantor.kv.set(key, c)
    if c < 3:
        raise ValueError("attempt " + str(c))
    return c
print(flaky.taskrun(cantor.pool(retries=3), "flaky").get())
try:
    flaky.taskrun(cantor.pool(retries=1), "flaky2").get()
except ValueError as e:
    print("gave up:", e)
try:
    cantor.pool(retries=-1)
except ValueError as e:
    print(e)
`);
    const r = await xlang(['run', '--ephemeral', 'pool.x'], { XLANG_RESOURCES: 'USBCamera=1,GPU=0' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`failed at once: task 'hold' cannot run: no node satisfies its requirement GPU >= 1: GPU >= 1 (GPU = 0)
one camera, one task at a time: True
['held0', 'held1', 'held2']
3
gave up: attempt 2
retries must be a whole number from 0 to 100, not -1
`);
  });

  it('keeps every acknowledged write when the process is killed (-9) mid-burst', async () => {
    const data = join(dir, 'node-kill');
    file('writer.x', 'import cantor\nimport sys\ni = 0\nwhile True:\n    cantor.kv.set("k" + str(i), i)\n    sys.stdout.write("ack " + str(i) + "\\n")\n    sys.stdout.flush()\n    i += 1\n');
    const child = spawn(process.execPath, [cli, 'run', '--data-dir', data, 'writer.x'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let acked = -1;
    try {
      await new Promise<void>((resolve, reject) => {
        let buf = '';
        child.stdout.on('data', d => {
          buf += String(d);
          const m = [...buf.matchAll(/ack (\d+)\n/g)];
          if (m.length) acked = Number(m[m.length - 1]![1]);
          if (acked >= 300) { child.kill('SIGKILL'); resolve(); }
        });
        child.on('exit', () => (acked >= 300 ? resolve() : reject(new Error('writer ended early'))));
      });
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise(r => child.once('exit', r).once('close', r));
    file('check.x', `import cantor\nimport sys\nn = int(sys.argv[1])\nmissing = [i for i in range(n + 1) if cantor.kv.get("k" + str(i)) != i]\nprint("missing", missing)\n`);
    const r = await xlang(['run', '--data-dir', data, 'check.x', String(acked)]);
    expect(r.stdout).toBe('missing []\n');
  });

  it('loses no update from 4 processes writing 1,000 keys each at once', async () => {
    const data = join(dir, 'node-concurrent');
    file('burst.x', 'import cantor\nimport sys\nc = sys.argv[1]\nfor i in range(1000):\n    cantor.kv.set(c + "-" + str(i), i)\n    cantor.Queue("all").push(c)\n');
    const rs = await Promise.all(['a', 'b', 'c', 'd'].map(c => xlang(['run', '--data-dir', data, 'burst.x', c])));
    for (const r of rs) expect(r.stderr).toBe('');
    file('count.x', 'import cantor\nprint(len(cantor.kv.keys()), cantor.Queue("all").size(), sum([cantor.kv.get(k) for k in cantor.kv.keys("b-")]))\n');
    const r = await xlang(['run', '--data-dir', data, 'count.x']);
    expect(r.stdout).toBe(`4000 4000 ${999 * 1000 / 2}\n`);
  });
});
