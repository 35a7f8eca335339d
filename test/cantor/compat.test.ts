// The C++ XLang / CantorAI spellings of the cantor module (stdlib/cantor-compat.ts), through the
// CLI as a user runs them: cantor.Host() with generate_uid and PushFrame/PopFrame over data
// views, cantor.DataFrame(size) with its typed fields, TakeFirstAvaibleResourceIndex across
// processes, worker isolates and a holder killed with -9, and cantor.Network().Connect against a
// real `xlang node start`. Every process a test starts is killed in afterEach.
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { run } from '../helpers.js';
import { FRAMES_OUT } from './harness.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'dist/runtime/cli/main.js');
let dir: string;
let env: NodeJS.ProcessEnv;
const children = new Set<ChildProcess>();
const xlang = (args: string[], extra: NodeJS.ProcessEnv = {}) => run(process.execPath, [cli, ...args], dir, { ...env, ...extra });
const file = (name: string, text: string) => { writeFileSync(join(dir, name), text); return name; };

/** A long-running child whose output is collected; waitFor resolves once the output matches. */
function start(args: string[], extra: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [cli, ...args], { cwd: dir, env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let out = '', err = '';
  child.stdout!.on('data', d => { out += d; });
  child.stderr!.on('data', d => { err += d; });
  const waitFor = (re: RegExp, ms = 20_000) => new Promise<RegExpExecArray>((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      const m = re.exec(out);
      if (m) return resolve(m);
      if (child.exitCode !== null || Date.now() - t0 > ms) return reject(new Error(`no ${re} in output: ${out} / ${err}`));
      setTimeout(tick, 20);
    };
    tick();
  });
  const exited = () => new Promise<number | null>(resolve => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', c => resolve(c))));
  return { child, waitFor, exited, out: () => out, err: () => err };
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise(resolve => { child.once('exit', () => resolve()); child.kill('SIGKILL'); });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xlang-compat-'));
  env = { ...process.env, XDG_CACHE_HOME: join(dir, 'cache'), XLANG_DATA_DIR: '', XLANG_RESOURCES: '', XLANG_CONNECT: '', XLANG_CLUSTER_TOKEN: '', XLANG_TOKEN: '' };
});
afterEach(async () => { await Promise.all([...children].map(kill)); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the CantorAI spellings on the embedded node', { timeout: 120_000 }, () => {
  it('Host, DataFrame and data views: typed fields, filters, priorities, clear errors', async () => {
    file('frames.x', `from xlang_cantor import cantor
host = cantor.Host()
uid = host.generate_uid()
print(type(uid).__name__, uid != host.generate_uid(), host.NodeId == cantor.node_id())
df = cantor.DataFrame(1024)
df.type = 1000
df.startTime = 1234
df.format1 = 1
print(df.type, df.dataSize, len(df.data), df.priority, df)
for bad in [("Typo", 1), ("sourceid", "x"), ("startTime", "soon"), ("priority", 3), ("type", 1.5), ("dataSize", -1)]:
    try:
        setattr(df, bad[0], bad[1])
    except (AttributeError, TypeError, ValueError) as e:
        print(type(e).__name__ + ":", str(e)[:80])
for args in [(-1,), ("big",)]:
    try:
        cantor.DataFrame(*args)
    except (TypeError, ValueError) as e:
        print(type(e).__name__ + ":", e)
# nothing listens yet: the frame is not kept
print("no view:", host.PushFrame(df))
det = host.CreateDataView("Type == 'Dect' || (type == 1000 && format1 > 0)")
every = host.CreateDataView()
print(sorted(host.DataViews().values()))
df.sourceId = uid
df.data = b"pixels"
print(df.dataSize, host.PushFrame(df))
urgent = cantor.DataFrame(type="Dect", payload={"boxes": [(1, 2, 3, 4)]})
print(urgent.Set(startTime=99, destination=cantor.node_id()), host.PushFrame(urgent, 0))
other = cantor.DataFrame(type=7)
print(host.PushFrame(other, priority=1))
a = host.PopFrame(det, 0, 100)
b = host.PopFrame(det, 0, 100)
print(a.type, a.priority, a.payload, a.startTime, a.srcAddr == cantor.node_id())
print(b.type, b.priority, b.data, b.sourceId == uid, b.dataSize)
print(host.PopFrame(det, 0, 50))
print([host.PopFrame(every, 0, 0).type for i in range(3)], host.PopFrame(every, 0, 0))
cantor.kv.Set("frame", df)
print(cantor.kv.Get("frame").format1, df.to_dict()["format1"])
for call in [(lambda: host.CreateDataView("type ==")), (lambda: host.PopFrame(det, 5, 10)), (lambda: host.PushFrame("frame")),
             (lambda: host.PushFrame(df, 9)), (lambda: host.PushFrame(cantor.DataFrame(dstAddr="12D3KooWelsewhere")))]:
    try:
        call()
    except (TypeError, ValueError, ConnectionError) as e:
        print(type(e).__name__ + ":", str(e).split("\\n")[0])
print(host.RemoveDataView(det), host.RemoveDataView(det))
try:
    host.PopFrame(det, 0, 0)
except KeyError as e:
    print("KeyError")
`);
    const r = await xlang(['run', '--ephemeral', 'frames.x']);
    expect(r.stderr).toBe('');
    const head = `str True True
1000 1024 1024 2 <cantor.DataFrame type=1000 priority=2 startTime=1234 format1=1 dataSize=1024>
AttributeError: 'DataFrame' object has no field 'Typo' (fields: type, priority, startTime, sourc
AttributeError: 'DataFrame' object has no field 'sourceid'; did you mean 'sourceId'? (fields: ty
TypeError: DataFrame.startTime must be an int, not str
ValueError: DataFrame.priority is 0 (first), 1 or 2 (the default), not 3
TypeError: DataFrame.type must be an int or a str, not float
ValueError: DataFrame.dataSize cannot be negative (-1)
ValueError: DataFrame(size): size is a number of bytes from 0 to 67108864, not -1
TypeError: DataFrame(size): size must be an int, not str
no view: False
['', "Type == 'Dect' || (type == 1000 && format1 > 0)"]
6 True
True True
True
Dect 0 {'boxes': [(1, 2, 3, 4)]} 99 True
1000 2 b'pixels' True 6
None
['Dect', 7, 1000] None
1 1
ValueError: invalid data view filter: invalid resource expression at column 8: expected a resource name or a value but found the end
ValueError: PopFrame(dvId, ts, timeout_ms): only ts=0 (take the next frame) is supported, not 5
TypeError: PushFrame() takes a cantor.DataFrame, not str
ValueError: DataFrame.priority is 0 (first), 1 or 2 (the default), not 9
`;
    expect(r.stdout.slice(0, head.length)).toBe(head);
    expect(r.stdout).toMatch(/\nConnectionError: the frame is for node 12D3KooWelsewhere, and node 12D3KooW\w+ is not connected to other nodes\nTrue False\nKeyError\n$/);
  });

  it('sends DataFrames as values: to_bin, kv, queues, task arguments and results', async () => {
    const r = await xlang(['run', '--ephemeral', join(root, 'test/cantor/fixtures/frames.x')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(FRAMES_OUT);
  });

  it('frames outlive the process that pushed them, and a consumer pops them in priority order', async () => {
    const data = join(dir, 'frames-data');
    file('producer.x', `import cantor
host = cantor.Host()
view = host.CreateDataView("format2 > 100")
for i, p in [(0, 2), (1, 1), (2, 2), (3, 0), (4, 1)]:
    host.PushFrame(cantor.DataFrame(format2=101, refIndex=i, priority=p))
host.PushFrame(cantor.DataFrame(format2=5, refIndex=99))
print(view)
`);
    const p = await xlang(['run', '--data-dir', data, 'producer.x']);
    expect(p.stderr).toBe('');
    const view = p.stdout.trim();
    file('consumer.x', `import cantor, sys
host = cantor.Host()
got = []
f = host.PopFrame(sys.argv[1], 0, 0)
while f is not None:
    got.append((f.priority, f.refIndex))
    f = host.PopFrame(sys.argv[1], 0, 0)
print(got)
`);
    const c = await xlang(['run', '--data-dir', data, 'consumer.x', view]);
    expect(c.stderr).toBe('');
    expect(c.stdout).toBe('[(0, 3), (1, 1), (1, 4), (2, 0), (2, 2)]\n');
  });

  it('TakeFirstAvaibleResourceIndex: one unit per holder across processes, freed on release or when the holder dies', async () => {
    const data = join(dir, 'units-data');
    const res = { XLANG_RESOURCES: 'GPU=2,zone=edge' };
    file('hold.x', `import cantor
print("took", cantor.TakeFirstAvaibleResourceIndex("GPU"), cantor.resources()["free"]["GPU"], flush=True)
cantor.Queue("never").pop(timeout_ms=60000)
`);
    const holder = start(['run', '--data-dir', data, 'hold.x'], res);
    await holder.waitFor(/took 0 1\n/);
    file('take.x', `import cantor
i = cantor.TakeFirstAvailableResourceIndex("GPU")
print(i, cantor.TakeFirstAvaibleResourceIndex("GPU"), cantor.resources()["free"]["GPU"])
print(cantor.ReleaseResourceIndex("GPU", i), cantor.ReleaseResourceIndex("GPU", i), cantor.ReleaseResourceIndex("GPU", 0))
print(cantor.TakeFirstAvaibleResourceIndex("GPU"), cantor.TakeFirstAvaibleResourceIndex("NoSuchThing"))
for bad in [("zone",), (5,)]:
    try:
        cantor.TakeFirstAvaibleResourceIndex(*bad)
    except (TypeError, ValueError) as e:
        print(type(e).__name__ + ":", e)
`);
    // the holder keeps 0: this process gets 1, then none; giving 1 back lets it take 1 again
    const t = await xlang(['run', '--data-dir', data, 'take.x'], res);
    expect(t.stderr).toBe('');
    expect(t.stdout).toBe(`1 -1 1
True False False
1 -1
ValueError: 'zone' is an attribute of this node, not a quantity: it has no units to take
TypeError: a resource name must be a str, not int
`);
    // kill -9: the holder cannot give 0 back, but its claim dies with its process
    await kill(holder.child);
    file('after.x', `import cantor
print(cantor.TakeFirstAvaibleResourceIndex("GPU"), cantor.TakeFirstAvaibleResourceIndex("GPU"), cantor.TakeFirstAvaibleResourceIndex("GPU"))
`);
    const a = await xlang(['run', '--data-dir', data, 'after.x'], res);
    expect(a.stderr).toBe('');
    expect(a.stdout).toBe('0 1 -1\n');
  });
});

describe('units taken by tasks', { timeout: 60_000 }, () => {
  it('gives tasks in different worker isolates different units', async () => {
    file('tasks.x', `import cantor
def grab(i):
    g = cantor.TakeFirstAvaibleResourceIndex("GPU")
    sleep(300)
    return g
pool = taskpool(max_task_num=3)
futs = [grab.taskrun(pool, i) for i in range(3)]
print(sorted([f.get() for f in futs]), cantor.TakeFirstAvaibleResourceIndex("GPU"))
`);
    const r = await xlang(['run', '--ephemeral', 'tasks.x'], { XLANG_RESOURCES: 'GPU=2', XLANG_WORKERS: '3' });
    expect(r.stderr).toBe('');
    // two tasks got the two GPUs, the third none; they keep them until released or the script ends
    expect(r.stdout).toBe('[-1, 0, 1] -1\n');
  });
});

describe('the CantorAI spellings against a real node', { timeout: 120_000 }, () => {
  it('Network().Connect binds the script to the node; indices and frames are the node\'s, shared by its clients', async () => {
    const data = join(dir, 'node1');
    const node = start(['node', 'start', '--data-dir', data, '--listen', '127.0.0.1:0', '--resources', 'GPU=2']);
    const port = (await node.waitFor(/listening on \/ip4\/127\.0\.0\.1\/tcp\/(\d+)/))[1]!;
    await node.waitFor(/data dir/);
    const cap = await xlang(['node', 'token', '--data-dir', data]);
    expect(cap.stderr).toBe('');
    file('client.cap', cap.stdout);
    const readCap = await xlang(['node', 'token', '--data-dir', data, '--role', 'read']);
    file('read.cap', readCap.stdout);
    file('garbage.cap', 'xcap1.not.a-token\n');
    const token = join(data, 'cluster.token');
    // a closed port nobody listens on: bind one and close it
    const { createServer } = await import('node:net');
    const closed = await new Promise<number>(resolve => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); }); });

    file('connect.x', `import cantor, sys
port = int(sys.argv[1])
net = cantor.Network()
seen = []
net.OnConnected += (nid){ seen.append(nid) }
print(cantor.data_dir() is not None, cantor.resources()["quantities"].get("GPU"))
for args, kw in [(("127.0.0.1", ${closed}), {"token_file": "${token}", "cap_file": "client.cap"}),
                 (("127.0.0.1", 70000), {}), (("no such host", port), {}), (("127.0.0.1", "7878"), {}),
                 (("127.0.0.1", port), {}), (("127.0.0.1", port), {"token_file": "${token}", "cap_file": "garbage.cap"}),
                 (("127.0.0.1", port), {"token_file": "missing.token"})]:
    try:
        net.Connect(*args, **kw)
    except (ConnectionError, ValueError, TypeError, PermissionError, FileNotFoundError) as e:
        print(type(e).__name__ + ":", e)
# still on the embedded node after every failure
print(cantor.data_dir() is not None, seen)
print(net.Connect("localhost", port, token_file="${token}", cap_file="client.cap"), seen == [cantor.node_id()], net)
print(cantor.data_dir(), cantor.resources()["quantities"]["GPU"])
print(cantor.TakeFirstAvaibleResourceIndex("GPU"))
sleep(1)  # the host writes what was printed when the script sleeps (a blocking remote pop does not)
host = cantor.Host()
view = host.CreateDataView("type == 'Dect'")
print(host.PushFrame(cantor.DataFrame(type="Dect", data=b"boxes", priority=1)), host.NodeId == cantor.node_id())
cantor.kv.Set("view", view)
# the second client takes its unit and pushes a frame, then says go
cantor.Queue("go").pop(timeout_ms=30000)
f = host.PopFrame(view, 0, 1000)
print(f.data, f.priority, host.PopFrame(view, 0, 1000).data)
`);
    const first = start(['run', 'connect.x', port]);
    await first.waitFor(/^0\n/m);
    // up to the "0" line: what the script prints after its sleep may already be there on a slow machine
    const all = first.out().split('\n');
    const lines = [...all.slice(0, all.indexOf('0') + 1), ''];
    expect(lines[1]).toMatch(new RegExp(`^ConnectionError: cannot connect to the Cantor node at 127\\.0\\.0\\.1:${closed}: .*connection refused`));
    expect(lines[6]).toMatch(new RegExp(`^PermissionError: cannot connect to the Cantor node at 127\\.0\\.0\\.1:${port}: capability token refused: the capability token payload is not readable$`));
    expect([lines[0], ...lines.slice(2, 6), ...lines.slice(7)].join('\n')).toBe(`True 0
ValueError: Connect() port must be from 1 to 65535, not 70000
ValueError: Connect(): 'no such host' is not a host name or address
TypeError: Connect() port must be an int, not str
ValueError: connecting to 127.0.0.1:${port} needs the cluster token: Connect(host, port, token_file=FILE) or XLANG_CLUSTER_TOKEN
FileNotFoundError: Connect() token_file: no such file: ${join(dir, 'missing.token')}
True []
True True <cantor.Network connected to localhost:${port}>
None 2
0
`);

    // a second client (bound with --connect): the node's other unit, a frame of priority 0, go
    file('second.x', `import cantor
print(cantor.TakeFirstAvaibleResourceIndex("GPU"), cantor.TakeFirstAvaibleResourceIndex("GPU"))
host = cantor.Host()
print(host.PushFrame(cantor.DataFrame(type="Dect", data=b"urgent"), 0))
cantor.Queue("go").push(1)
`);
    const s = await xlang(['run', '--connect', `127.0.0.1:${port}`, '--token-file', token, '--cap-file', 'client.cap', 'second.x']);
    expect(s.stderr).toBe('');
    expect(s.stdout).toBe('1 -1\nTrue\n');
    expect(await first.exited()).toBe(0);
    expect(first.err()).toBe('');
    expect(first.out().endsWith("b'urgent' 0 b'boxes'\n")).toBe(true);

    // both scripts ended: the units they took went back to the node; a read-only token may not take one
    file('third.x', `import cantor, sys
cantor.Network().Connect("127.0.0.1", int(sys.argv[1]), token_file="${token}", cap_file=sys.argv[2])
try:
    print(cantor.TakeFirstAvaibleResourceIndex("GPU"), cantor.TakeFirstAvaibleResourceIndex("GPU"), cantor.ReleaseResourceIndex("GPU", 0))
except PermissionError as e:
    print("PermissionError:", e)
`);
    const third = await xlang(['run', 'third.x', port, 'client.cap']);
    expect(third.stderr).toBe('');
    expect(third.stdout).toBe('0 1 True\n');
    const ro = await xlang(['run', 'third.x', port, 'read.cap']);
    expect(ro.stdout).toBe("PermissionError: 'res.takeIndex' needs the submit role; this token has read\n");
  });
});
