// The long-lived Cantor node (`xlang node start`) and its clients, as users run them: real node
// processes, scripts bound with `xlang run --connect`, the control commands, refused
// credentials, hostile requests, kill -9 during acknowledged writes, and concurrent clients.
import { describe, it, expect, afterAll, afterEach } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../helpers.js';
import { Peer, RemoteError, generateIdentity } from '../../runtime/cantor/net.js';
import { Harness, kill, cli, type Started } from './harness.js';

const h = new Harness();
const dir = h.dir;
const env = h.env;
const xlang = (args: string[], extra: NodeJS.ProcessEnv = {}) => h.xlang(args, extra);
const file = (name: string, text: string) => h.file(name, text);
const startNode = (dataDir: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) => h.startNode(dataDir, extra, env);
const capFile = (dataDir: string, name: string, args: string[] = []) => h.capFile(dataDir, name, args);
const connect = (n: Started, cap: string) => h.connect(n, cap);

afterEach(() => h.stopAll());
afterAll(() => h.remove());

describe('xlang node', { timeout: 120_000 }, () => {
  it('serves a connected script every service, metrics over HTTP, and the control commands', async () => {
    const data = join(dir, 'n1');
    const n = await startNode(data, ['--resources', 'GPU=2,zone=edge', '--metrics-port', '0']);
    const cap = await capFile(data, 'cap1');
    file('client.x', `import cantor
cantor.kv.set("model", {"name": "resnet", "v": (1, 2), "big": 2 ** 70, "f": 1.0})
print(cantor.kv.get("model"), cantor.kv.get("nope", 7), cantor.kv.has("model"), cantor.kv.keys())
q = cantor.Queue("jobs", max_size=2)
q.push([1, 2]); q.push("two")
try:
    q.push(3)
except TimeoutError as e:
    print("full:", e)
print(q.pop(timeout_ms=100), q.pop(), q.size())
try:
    q.pop(timeout_ms=200)
except TimeoutError as e:
    print("empty:", e)
oid = cantor.objects.put({"pixels": b"\\x00\\x01"})
print(oid.split("/")[0] == cantor.node_id(), cantor.objects.get(oid))
cantor.globals.set("mode", "fast"); cantor.globals.set("mode", "safe")
print(cantor.globals.get("mode"), cantor.globals.version("mode"))
print(cantor.satisfies("GPU >= 1 && zone == 'edge'"), cantor.unmet("GPU >= 4"), cantor.resources()["quantities"]["GPU"])
cantor.metrics.inc("frames_total", 3, {"camera": "front"}, help="frames seen")
cantor.CantorStatHit("hits")
cantor.metrics.set("temperature", 21.5)
cantor.metrics.observe("latency_seconds", 0.2)
print(cantor.metrics.get("frames_total")[0]["series"])
try:
    cantor.metrics.inc("bad name")
except ValueError as e:
    print("ValueError:", e)
try:
    cantor.metrics.inc("cantor_requests_total")
except ValueError as e:
    print("ValueError:", e)
cantor.logV("client says", 42)
print(cantor.data_dir())
`);
    const r = await xlang(['run', ...connect(n, cap), 'client.x']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`{'name': 'resnet', 'v': (1, 2), 'big': 1180591620717411303424, 'f': 1.0} 7 True ['model']
full: queue 'jobs' is full
[1, 2] two 0
empty: queue 'jobs' stayed empty for 200 ms
True {'pixels': b'\\x00\\x01'}
safe 2
True ['GPU >= 4 (GPU = 2)'] 2
[{'labels': {'camera': 'front'}, 'value': 3}]
ValueError: 'bad name' is not a metric name (letters, digits, _ and :, not starting with a digit)
ValueError: metric names starting with 'cantor_' are the node's own
None
`);
    // the data is the node's, in its data directory: nothing was created where the script ran
    expect(existsSync(join(dir, '.xlang'))).toBe(false);

    const text = await (await fetch(n.metrics!)).text();
    expect(text).toMatch(/^# HELP frames_total frames seen\n# TYPE frames_total counter\nframes_total\{camera="front"\} 3$/m);
    expect(text).toMatch(/^hits 1$/m);
    expect(text).toMatch(/^temperature 21\.5$/m);
    expect(text).toMatch(/^latency_seconds_bucket\{le="0\.25"\} 1$/m);
    expect(text).toMatch(/^cantor_requests_total\{method="kv\.set",outcome="ok"\} 1$/m);
    expect(text).toMatch(/^cantor_process_resident_memory_bytes \d+$/m);
    expect(text).toMatch(/^cantor_system_gpus 2$/m);
    expect((await fetch(n.metrics!.replace('/metrics', '/other'))).status).toBe(404);

    const status = await xlang(['node', 'status', '--data-dir', data, '--json']);
    expect(status.stderr).toBe('');
    const s = JSON.parse(status.stdout);
    expect(s.resources.attributes.zone).toBe('edge');
    expect(s.requests.served).toBeGreaterThan(20);
    const text2 = await xlang(['node', 'status', '--data-dir', data]);
    expect(text2.stdout).toMatch(/^resources cpu \d+\/\d+, memory \d+\/\d+, GPU 2\/2$/m);
    const logs = await xlang(['node', 'logs', '--data-dir', data, '-n', '3']);
    expect(logs.stdout).toMatch(/verbose client says 42\n/);
    // a remote reader with the read role sees the same status
    const readCap = await capFile(data, 'cap-read', ['--role', 'read']);
    const remote = await xlang(['node', 'status', ...connect(n, readCap), '--json']);
    expect(JSON.parse(remote.stdout).nodeId).toBe(s.nodeId);

    const stop = await xlang(['node', 'stop', '--data-dir', data]);
    expect(stop.stdout).toMatch(/^stopping the node at /);
    await new Promise(r => n.child.once('exit', r));
    expect(n.child.exitCode).toBe(0);
    expect(existsSync(join(data, 'node.json'))).toBe(false);
    const gone = await xlang(['node', 'status', '--data-dir', data]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/no Cantor node runs with data directory/);
  });

  it('refuses wrong cluster tokens, bad and insufficient capability tokens, and a second node on its directory', async () => {
    const data = join(dir, 'n2');
    const n = await startNode(data);
    const cap = await capFile(data, 'cap2');
    file('w.x', 'import cantor\ncantor.kv.set("k", 1)\nprint(cantor.kv.get("k"))\n');
    file('wrong.token', 'not-the-cluster-token-at-all\n');
    const wrong = await xlang(['run', '--connect', n.addr, '--token-file', 'wrong.token', '--cap-file', cap, 'w.x']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/ConnectionError: cannot connect to .*the cluster key does not match/);
    file('garbage.cap', 'xcap1.garbage.garbage\n');
    const bad = await xlang(['run', ...connect(n, 'garbage.cap'), 'w.x']);
    expect(bad.stderr).toMatch(/PermissionError: capability token refused: /);
    const readOnly = await capFile(data, 'cap-ro', ['--role', 'read']);
    const ro = await xlang(['run', ...connect(n, readOnly), 'w.x']);
    expect(ro.stderr).toMatch(/PermissionError: 'kv\.set' needs the submit role; this token has read/);
    const expired = await capFile(data, 'cap-exp', ['--ttl', '0']);
    const ex = await xlang(['run', ...connect(n, expired), 'w.x']);
    expect(ex.stderr).toMatch(/PermissionError: capability token refused: .*expired/);
    // a token from another node's key is not trusted here
    const other = join(dir, 'n2-other');
    const otherCap = await (async () => { await xlang(['run', '--data-dir', other, file('touch.x', 'import cantor\ncantor.node_id()\n')]); return capFile(other, 'cap-other'); })();
    const foreign = await xlang(['run', ...connect(n, otherCap), 'w.x']);
    expect(foreign.stderr).toMatch(/PermissionError: capability token refused: /);
    const missing = await xlang(['run', '--connect', n.addr, '--token-file', join(data, 'cluster.token'), 'w.x']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/needs a capability token/);
    const second = await xlang(['node', 'start', '--data-dir', data, '--listen', '127.0.0.1:0']);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/a Cantor node \(pid \d+\) already runs with data directory/);
    // through all of that, the node kept serving
    const ok = await xlang(['run', ...connect(n, cap), 'w.x']);
    expect(ok.stdout).toBe('1\n');
    // the REPL binds to the node the same way
    const repl = await run(process.execPath, [cli, 'repl', ...connect(n, cap)], dir, env, 'import cantor\ncantor.kv.get("k") + 41\n');
    expect(repl.stdout).toBe('42\n');
    const st = JSON.parse((await xlang(['node', 'status', '--data-dir', data, '--json'])).stdout);
    expect(st.requests.refused).toBeGreaterThanOrEqual(4);
  });

  it('answers hostile requests with errors and keeps serving', async () => {
    const data = join(dir, 'n3');
    const n = await startNode(data);
    const token = (await xlang(['node', 'token', '--data-dir', data])).stdout.trim();
    const peer = await Peer.start({ privateKey: generateIdentity(), clusterToken: readFileSync(join(data, 'cluster.token'), 'utf8').trim(), token });
    try {
      const id = await peer.connect(n.addr);
      await peer.request(id, 'q.create', ['wake', 0]);
      const oid = await peer.request(id, 'obj.put', [new Uint8Array([1, 2, 3])]) as string;
      expect(new Uint8Array((await peer.request(id, 'obj.read', [oid, 1, 10]) as { part: Uint8Array }).part)).toEqual(new Uint8Array([2, 3]));
      const attempts: Array<[string, unknown]> = [
        ['no.such.method', []], ['kv.set', 'not a list'], ['kv.set', [42, new Uint8Array([1])]], ['kv.set', ['k', 'not bytes']],
        ['kv.get', ['x'.repeat(5000)]], ['obj.get', ['../../etc/passwd']], ['obj.get', ['someone/99999999999999999999']],
        ['q.popWait', ['wake', 'soon']], ['q.popWait', ['nope', 10]], ['q.push', ['never-created', new Uint8Array([1])]], ['metrics.inc', ['x', -1]],
        ['metrics.inc', ['y', 1, { le: '1' }]], ['metrics.observe', ['z', 1, null, [3, 2]]], ['log.write', ['LOUD\n', 'x']],
        ['node.stop', []], ['__proto__', []], ['constructor', []], ['obj.read', [oid, -2, 10]], ['obj.read', [oid, 0, -1]],
      ];
      const errors: string[] = [];
      for (const [m, a] of attempts) {
        try { await peer.request(id, m, a); errors.push(`${m}: no error`); } catch (e) { errors.push(`${m}: ${(e as RemoteError).type}`); }
      }
      expect(errors).toEqual([
        'no.such.method: ValueError', 'kv.set: TypeError', 'kv.set: TypeError', 'kv.set: TypeError',
        'kv.get: ValueError', 'obj.get: ValueError', 'obj.get: ValueError',
        'q.popWait: TypeError', 'q.popWait: KeyError', 'q.push: KeyError', 'metrics.inc: ValueError',
        'metrics.inc: ValueError', 'metrics.observe: ValueError', 'log.write: ValueError',
        'node.stop: PermissionError', '__proto__: ValueError', 'constructor: ValueError', 'obj.read: ValueError', 'obj.read: ValueError',
      ]);
      // a blocking pop is woken by a push at once
      const t0 = Date.now();
      const waiting = peer.request(id, 'q.popWait', ['wake', 5000]);
      await new Promise(r => setTimeout(r, 100));
      await peer.request(id, 'q.push', ['wake', new Uint8Array([9])]);
      expect(new Uint8Array(await waiting as Uint8Array)).toEqual(new Uint8Array([9]));
      expect(Date.now() - t0).toBeLessThan(1000);
    } finally {
      await peer.stop();
    }
    expect(n.child.exitCode).toBeNull();
  });

  it('gives memory back once quiet, and keeps serving requests and tasks afterwards', async () => {
    const data = join(dir, 'n-quiet');
    const n = await startNode(data, [], { XLANG_QUIET_RELEASE_MS: '400', XLANG_WORKERS_IDLE_MS: '500' });
    const cap = await capFile(data, 'cap-quiet');
    file('busy.x', `import cantor
def square(x):
    return x * x
pool = cantor.pool()
for round in range(2):
    cantor.kv.set("k", round)
    print(sum(f.get() for f in [square.taskrun(pool, i) for i in range(200)]), cantor.kv.get("k"))
`);
    const status = async () => JSON.parse((await xlang(['node', 'status', '--json', '--data-dir', data])).stdout) as { rssBytes: number; idleRelease: { releases: number; rssBeforeBytes: number; rssAfterBytes: number } };
    const quiet = async (after: number) => {
      // the status request itself is activity: wait for a release after it
      for (let i = 0; i < 50; i++) {
        await new Promise(r => setTimeout(r, 300));
        const s = await status();
        if (s.idleRelease.releases > after) return s;
      }
      throw new Error('the node never gave memory back');
    };
    expect((await xlang(['run', ...connect(n, cap), 'busy.x'])).stdout).toBe('2646700 0\n2646700 1\n');
    const s1 = await quiet(0);
    expect(s1.idleRelease.rssAfterBytes).toBeLessThan(s1.idleRelease.rssBeforeBytes);
    // everything runs again from the pages that were let go: a new connection, kv, workers and tasks
    const again = await xlang(['run', ...connect(n, cap), 'busy.x']);
    expect(again.stderr).toBe('');
    expect(again.stdout).toBe('2646700 0\n2646700 1\n');
    const s2 = await quiet(s1.idleRelease.releases);
    expect(s2.idleRelease.rssAfterBytes).toBeLessThan(s2.idleRelease.rssBeforeBytes);
    expect(n.child.exitCode).toBeNull();
  });

  it('keeps every acknowledged remote write when the node is killed (-9) mid-burst, and restarts on its directory', async () => {
    const data = join(dir, 'n4');
    const n = await startNode(data);
    const cap = await capFile(data, 'cap4');
    file('writer.x', 'import cantor\nimport sys\ni = 0\nwhile True:\n    cantor.kv.set("k" + str(i), i)\n    sys.stdout.write("ack " + str(i) + "\\n")\n    sys.stdout.flush()\n    i += 1\n');
    const writer = spawn(process.execPath, [cli, 'run', ...connect(n, cap), 'writer.x'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let acked = -1, err = '';
    writer.stderr.on('data', d => { err += d; });
    const ended = new Promise(r => writer.once('exit', r));
    try {
      await new Promise<void>((resolve, reject) => {
        let buf = '';
        writer.stdout.on('data', d => {
          buf += String(d);
          const m = [...buf.matchAll(/ack (\d+)\n/g)];
          if (m.length) acked = Number(m[m.length - 1]![1]);
          if (acked >= 300 && n.child.exitCode === null) { n.child.kill('SIGKILL'); resolve(); }
        });
        writer.on('exit', () => (acked >= 300 ? resolve() : reject(new Error(`writer ended early: ${err}`))));
      });
      await ended;
    } finally {
      writer.kill('SIGKILL');
    }
    // the writer learned the node was gone as an error, not a hang
    expect(err).toMatch(/ConnectionError/);
    expect(existsSync(join(data, 'node.json'))).toBe(true);   // left by the killed node
    const again = await startNode(data);
    file('check.x', 'import cantor\nimport sys\nn = int(sys.argv[1])\nmissing = [i for i in range(n + 1) if cantor.kv.get("k" + str(i)) != i]\nprint("missing", missing)\n');
    const r = await xlang(['run', ...connect(again, cap), 'check.x', String(acked)]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('missing []\n');
  });

  it('loses no update from 4 connected clients making 1,000 updates each at once', async () => {
    const data = join(dir, 'n5');
    const n = await startNode(data);
    const cap = await capFile(data, 'cap5');
    file('setup.x', 'import cantor\ncantor.Queue("all")\n');
    await xlang(['run', ...connect(n, cap), 'setup.x']);
    // every update is one acknowledged request: kv writes, queue pushes and counter hits in turn
    file('burst.x', 'import cantor\nimport sys\nc = sys.argv[1]\nq = cantor.Queue("all")\nfor i in range(1000):\n    if i % 3 == 0:\n        cantor.kv.set(c + "-" + str(i), i)\n    elif i % 3 == 1:\n        q.push(c)\n    else:\n        cantor.CantorStatHit("updates")\n');
    const rs = await Promise.all(['a', 'b', 'c', 'd'].map(c => xlang(['run', ...connect(n, cap), 'burst.x', c])));
    for (const r of rs) expect(r.stderr).toBe('');
    file('count.x', 'import cantor\nq = cantor.Queue("all")\nseen = {}\nwhile q.size() > 0:\n    c = q.pop()\n    seen[c] = seen.get(c, 0) + 1\nprint(len(cantor.kv.keys()), sorted(seen.items()), sum([cantor.kv.get(k) for k in cantor.kv.keys("b-")]), cantor.metrics.get("updates")[0]["series"][0]["value"])\n');
    const r = await xlang(['run', ...connect(n, cap), 'count.x']);
    expect(r.stderr).toBe('');
    const kvSum = Array.from({ length: 1000 }, (_, i) => i).filter(i => i % 3 === 0).reduce((a, b) => a + b, 0);
    expect(r.stdout).toBe(`${4 * 334} [('a', 333), ('b', 333), ('c', 333), ('d', 333)] ${kvSum} ${4 * 333}\n`);
  });

  it('reports bad options clearly', async () => {
    const bad = await xlang(['node', 'start', '--data-dir', join(dir, 'n6'), '--resources', 'GPU', '--listen', '127.0.0.1:0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("xlang node: --resources: invalid resource 'GPU': write name=value, for example GPU=1 or zone=edge\n");
    expect(existsSync(join(dir, 'n6', 'node.json'))).toBe(false);
    const port = await xlang(['node', 'start', '--data-dir', join(dir, 'n6'), '--metrics-port', 'x']);
    expect(port.stderr).toMatch(/--metrics-port must be a port number/);
    const role = await xlang(['node', 'token', '--data-dir', join(dir, 'n1'), '--role', 'root']);
    expect(role.stderr).toBe("xlang node: --role: 'root' is not a role (admin, submit, read)\n");
    const none = await xlang(['node', 'token', '--data-dir', join(dir, 'nothing-here')]);
    expect(none.stderr).toMatch(/holds no node identity/);
    const sandbox = await xlang(['run', '--sandbox', '--connect', '127.0.0.1:1', 'x.x']);
    expect(sandbox.stderr).toMatch(/--sandbox programs have no Cantor access/);
  });
});
