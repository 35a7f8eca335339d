// Subscription events across processes: a script subscribed to a queue and a global sees the
// pushes and sets of other scripts, on the embedded node's data directory and through a node.
// And objects larger than a frame, which travel in pieces.
import { describe, it, expect, afterAll, afterEach } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Harness, cli } from './harness.js';

const h = new Harness();
afterEach(() => h.stopAll());
afterAll(() => h.remove());

const subscriber = `import cantor
q = cantor.Queue("news")
seen = []
q.subscribe((v){ seen.append(v) })
cantor.globals.subscribe("mode", (n, v){ seen.append((n, v)) })
q.push("mine")
print("own", seen)
cantor.kv.set("ready", True)
n = 0
while len(seen) < 3 and n < 200:
    sleep(50)
    n += 1
print("all", seen, cantor.dispatch_events())
q.push("later")
cantor.kv.set("done", True)
print("waited", cantor.dispatch_events(timeout_ms=20000), seen[-1])
`;
const publisher = `import cantor
while not cantor.kv.get("ready", False):
    sleep(20)
q = cantor.Queue("news")
q.push("theirs")
cantor.globals.set("mode", "fast")
while not cantor.kv.get("done", False):
    sleep(20)
sleep(100)
cantor.globals.set("mode", "safe")
`;

/** Runs the subscriber in the background and the publisher beside it, with the same options. */
async function pair(opts: string[]): Promise<string> {
  h.file('sub.x', subscriber);
  h.file('pub.x', publisher);
  const sub = spawn(process.execPath, [cli, 'run', ...opts, 'sub.x'], { cwd: h.dir, env: h.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  sub.stdout.on('data', d => { out += d; });
  sub.stderr.on('data', d => { err += d; });
  const ended = new Promise(r => sub.once('exit', r));
  try {
    const p = await h.xlang(['run', ...opts, 'pub.x']);
    expect(p.stderr).toBe('');
    await ended;
  } finally {
    sub.kill('SIGKILL');
  }
  expect(err).toBe('');
  return out;
}

const expected = "own ['mine']\nall ['mine', 'theirs', ('mode', 'fast')] 0\nwaited 1 ('mode', 'safe')\n";

describe('subscription events', { timeout: 60_000 }, () => {
  it('reach a subscriber from another process on the same data directory', async () => {
    expect(await pair(['--data-dir', join(h.dir, 'shared')])).toBe(expected);
  });

  it('reach a subscriber from another client of the same node', async () => {
    const data = join(h.dir, 'ev-node');
    const n = await h.startNode(data);
    const cap = await h.capFile(data, 'cap-ev');
    expect(await pair(h.connect(n, cap))).toBe(expected);
  });

  it('moves objects larger than one frame in pieces through a node', async () => {
    const data = join(h.dir, 'big-node');
    const n = await h.startNode(data);
    const cap = await h.capFile(data, 'cap-big');
    h.file('big.x', `import cantor
big = bytes(range(256)) * (68 * 1024)          # 17 MiB, over the 16 MiB frame limit
oid = cantor.objects.put(big)
back = cantor.objects.get(oid)
print(len(back), back[-3:])
cantor.objects.update(oid, big + b"!")
print(len(cantor.objects.get(oid)))
cantor.objects.update(oid, "small now")
print(cantor.objects.get(oid))
`);
    const expectedBig = "17825792 b'\\xfd\\xfe\\xff'\n17825793\nsmall now\n";
    const remote = await h.xlang(['run', ...h.connect(n, cap), 'big.x']);
    expect(remote.stderr).toBe('');
    expect(remote.stdout).toBe(expectedBig);
  });
});
