// Cantor's network layer (runtime/cantor/net.ts, tokens.ts): peers in real processes
// (test/cantor/fixtures/peer.ts, run from dist/: needs a build, like test/cli) talking to a
// client peer in this process; hostile peers that hold the cluster token but send garbage on
// raw rpc streams; identities on disk; capability tokens.
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, statSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Libp2p } from 'libp2p';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { Packr } from 'msgpackr';
import type { Stream } from '@libp2p/interface';
import {
  Peer, NetError, RemoteError, ConfigError, RPC_PROTOCOL, clusterKey, generateIdentity, loadOrCreateIdentity, toMultiaddr,
} from '../../runtime/cantor/net.js';
import { issueToken, verifyToken, TokenVerifier, TokenError } from '../../runtime/cantor/tokens.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const fixture = join(root, 'dist/test/cantor/fixtures/peer.js');
const TOKEN = 'test-cluster-secret';
let dir: string;
const children = new Set<ChildProcess>();

interface Spawned { child: ChildProcess; peerId: string; addrs: string[]; hostPort: string; stderr: () => string }

/** Starts a fixture peer and resolves once it prints its identity (rejects with its stderr if it exits). */
function startPeer(opts: { clusterToken?: string; dataDir?: string; listen?: string[] } = {}): Promise<Spawned> {
  const child = spawn(process.execPath, [fixture, JSON.stringify({ clusterToken: TOKEN, listen: ['127.0.0.1:0'], ...opts })], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let out = '', err = '';
  child.stderr!.on('data', d => { err += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`peer did not start: ${err}`)), 15_000);
    child.stdout!.on('data', d => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      const info = JSON.parse(out.slice(0, nl)) as { peerId: string; addrs: string[] };
      const [, , host, , port] = info.addrs[0]!.split('/');
      resolve({ child, ...info, hostPort: `${host}:${port}`, stderr: () => err });
    });
    child.on('exit', code => { clearTimeout(timer); reject(Object.assign(new Error(`peer exited with ${code}: ${err}`), { code, stderr: err })); });
  });
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise(resolve => { child.once('exit', () => resolve()); child.kill('SIGKILL'); });
}

/** A TCP port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>(r => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>(r => srv.close(() => r()));
  return port;
}

/** A member that holds the cluster token but misbehaves: a peer whose raw libp2p node opens
 * rpc streams and writes whatever it likes (its own rpc handler removed, so libp2p applies no
 * outbound stream limit of ours). */
async function hostileNode(): Promise<{ peer: Peer; libp2p: Libp2p }> {
  const peer = await Peer.start({ clusterToken: TOKEN });
  await peer.libp2p.unhandle(RPC_PROTOCOL);
  return { peer, libp2p: peer.libp2p };
}

/** Resolves when the stream is closed or reset (by either end), or after `ms`. */
function closed(stream: Stream, ms = 3000): Promise<'closed' | 'open'> {
  if (stream.status !== 'open') return Promise.resolve('closed');
  return new Promise(resolve => {
    const t = setTimeout(() => resolve('open'), ms);
    stream.addEventListener('close', () => { clearTimeout(t); resolve('closed'); });
  });
}

/** Collects the frames a raw stream receives, decoded. */
function replies(stream: Stream): unknown[][] {
  const packr = new Packr({ useRecords: false });
  const got: unknown[][] = [];
  let buf = new Uint8Array(0);
  stream.addEventListener('message', evt => {
    const data = evt.data instanceof Uint8Array ? evt.data : evt.data.subarray();
    const joined = new Uint8Array(buf.length + data.length); joined.set(buf); joined.set(data, buf.length); buf = joined;
    while (buf.length >= 4) {
      const n = new DataView(buf.buffer, buf.byteOffset).getUint32(0);
      if (buf.length < 4 + n) break;
      got.push(packr.unpack(buf.subarray(4, 4 + n)) as unknown[]); buf = buf.subarray(4 + n);
    }
  });
  return got;
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond() && Date.now() - t0 < ms) await new Promise(r => setTimeout(r, 10));
}

function frame(body: Uint8Array, length = body.length): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, length);
  out.set(body, 4);
  return out;
}

beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'cantor-net-')); });
afterAll(async () => {
  await Promise.all([...children].map(kill));
  rmSync(dir, { recursive: true, force: true });
});

describe('rpc between processes', () => {
  let server: Spawned;
  let client: Peer;
  beforeAll(async () => {
    [server, client] = await Promise.all([startPeer(), Peer.start({
      clusterToken: TOKEN, token: 'cap-default',
      handler: (method, args, ctx) => ({ method, args, from: ctx.peerId }),
    })]);
    expect(await client.connect(server.hostPort)).toBe(server.peerId);   // the id learned from the handshake
  });
  afterAll(async () => { await client?.stop(); if (server) await kill(server.child); });

  it('answers a request; the server sees the caller authenticated and its token', async () => {
    expect(await client.request(server.hostPort, 'echo', { a: [1, 'two', null], b: new Uint8Array([1, 2, 3]) }))
      .toEqual({ a: [1, 'two', null], b: Buffer.from([1, 2, 3]) });
    // learned the peer id from the handshake: the same peer is reachable by id now
    expect(await client.request(server.peerId, 'whoami')).toEqual({ peerId: client.peerId, token: 'cap-default' });
    expect(await client.request(server.addrs[0]!, 'whoami', null, { token: 'other' })).toEqual({ peerId: client.peerId, token: 'other' });
    expect(client.links().map(l => l.peerId)).toContain(server.peerId);
    // every node is also a server: the peer calls back over the connection the client opened
    expect(await client.request(server.peerId, 'callback', 'hi')).toEqual({ method: 'ping', args: 'hi', from: server.peerId });
    expect(client.links().filter(l => l.peerId === server.peerId)).toHaveLength(1);
  });

  it('answers 1000 concurrent requests on one connection, each with its own result', async () => {
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => client.request(server.peerId, 'add', [i, 1000 * i])));
    expect(results).toEqual(Array.from({ length: 1000 }, (_, i) => 1001 * i));
    expect(client.links().filter(l => l.peerId === server.peerId)).toHaveLength(1);
  });

  it('returns handler errors as RemoteError and keeps serving', async () => {
    const err = await client.request(server.peerId, 'fail', 42).catch(e => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect(err).toMatchObject({ type: 'TypeError', message: 'failing on purpose: 42', peerId: server.peerId, method: 'fail' });
    await expect(client.request(server.peerId, 'reject')).rejects.toMatchObject({ type: 'KeyError', message: 'custom failure' });
    await expect(client.request(server.peerId, 'nope')).rejects.toMatchObject({ type: 'NoSuchMethod' });
    const big = await client.request(server.peerId, 'bytes', 3 * 1024 * 1024) as Uint8Array;
    expect(big.length).toBe(3 * 1024 * 1024);
    expect(big[big.length - 1]).toBe(7);
    await expect(client.request(server.peerId, 'add', [2, 3])).resolves.toBe(5);
  });

  it('times a request out, tells the server to cancel it, and rejects oversized requests locally', async () => {
    const t0 = Date.now();
    await expect(client.request(server.peerId, 'sleep', 5000, { timeoutMs: 150 })).rejects.toMatchObject({ code: 'timeout', message: expect.stringMatching(/timed out after 150 ms/) });
    expect(Date.now() - t0).toBeLessThan(1000);
    await expect(client.request(server.peerId, 'echo', new Uint8Array(17 * 1024 * 1024))).rejects.toMatchObject({ code: 'too-large' });
    const stats = await client.request(server.peerId, 'stats') as { cancelled: number };
    expect(stats.cancelled).toBe(1);
  });

  it('refuses a peer with the wrong cluster token quickly, and still serves the right one', async () => {
    const outsider = await Peer.start({ clusterToken: 'not-the-token' });
    try {
      const t0 = Date.now();
      const err = await outsider.request(server.hostPort, 'echo', 1).catch(e => e);
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(err).toBeInstanceOf(NetError);
      expect(err.code).toBe('cluster-key');
      expect(err.message).toBe(`cannot connect to ${server.hostPort}: the cluster key does not match (or the peer is not a Cantor node)`);
    } finally {
      await outsider.stop();
    }
    const fresh = await Peer.start({ clusterToken: TOKEN });
    try {
      await expect(fresh.request(server.hostPort, 'add', [1, 2])).resolves.toBe(3);
    } finally {
      await fresh.stop();
    }
  });

  it('survives hostile frames on raw rpc streams and answers a good request afterwards', async () => {
    const hostile = await hostileNode();
    try {
      const conn = await hostile.libp2p.dial(toMultiaddr(server.addrs[0]!));
      const open = () => conn.newStream(RPC_PROTOCOL, { maxOutboundStreams: 10_000 });
      const packr = new Packr({ useRecords: false });
      const attacks: Array<[string, Uint8Array[]]> = [
        ['random bytes', [Uint8Array.from({ length: 4096 }, () => Math.floor(Math.random() * 256))]],
        ['huge length prefix', [Uint8Array.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3])]],
        ['oversized frame', [frame(new Uint8Array(0), 17 * 1024 * 1024)]],
        ['empty frame', [frame(new Uint8Array(0))]],
        ['not msgpack', [frame(Uint8Array.from([0xc1, 0xc1, 0xc1]))]],
        ['trailing bytes', [frame(Uint8Array.from([0x01, 0x02]))]],
        ['a map, not an array', [frame(packr.pack({ id: 1, method: 'echo' }))]],
        ['no id', [frame(packr.pack([0, 'x', 'echo']))]],
        ['negative id', [frame(packr.pack([0, -1, 'echo', null]))]],
        ['unknown kind', [frame(packr.pack([9, 1]))]],
        ['a response sent to the server', [frame(packr.pack([1, 1, 'value']))]],
      ];
      for (const [name, chunks] of attacks) {
        const s = await open();
        for (const c of chunks) s.send(c);
        expect({ name, outcome: await closed(s) }).toEqual({ name, outcome: 'closed' });
      }
      // A valid id with a bad method is answered with an error on a stream that stays usable,
      // and a good frame trickled one byte at a time still decodes.
      const s = await open();
      const got = replies(s);
      s.send(frame(packr.pack([0, 1, 42, null])));
      for (const byte of frame(packr.pack([0, 2, 'add', [20, 22]]))) { s.send(Uint8Array.of(byte)); await new Promise(r => setImmediate(r)); }
      await until(() => got.length >= 2);
      expect(got).toEqual([[2, 1, 'ProtocolError', expect.any(String)], [1, 2, 42]]);
      // A truncated frame followed by the writer closing its end.
      const t = await open();
      t.send(frame(packr.pack([0, 3, 'echo', 'x'])).subarray(0, 6));
      await t.close();
      // Thousands of streams: libp2p resets those over the per-connection limits (16 rpc
      // streams on the server, 1000 streams in yamux).
      const many = await Promise.allSettled(Array.from({ length: 2000 }, () => open()));
      const opened = many.flatMap(r => r.status === 'fulfilled' ? [r.value] : []);
      await new Promise(r => setTimeout(r, 300));
      expect(opened.filter(st => st.status === 'open').length).toBeLessThanOrEqual(16);
      for (const st of opened) st.abort(new Error('done'));
    } finally {
      await hostile.peer.stop();
    }
    await expect(client.request(server.peerId, 'add', [40, 2])).resolves.toBe(42);
    const stats = await client.request(server.peerId, 'stats') as { protocolErrors: number; inboundStreams: number };
    expect(stats.protocolErrors).toBeGreaterThanOrEqual(12);
    expect(stats.inboundStreams).toBeLessThanOrEqual(2);   // the hostile streams are gone
    expect(server.stderr()).toMatch(/protocol error from 12D3Koo\w+: a frame of 4294967295 bytes exceeds the limit of 16777216/);
    expect(server.child.exitCode).toBeNull();
  });

  it('holds back a peer that stops reading its responses, with bounded memory, and serves others meanwhile', async () => {
    const hostile = await hostileNode();
    try {
      const before = (await client.request(server.hostPort, 'stats') as { rss: number }).rss;
      const conn = await hostile.libp2p.dial(toMultiaddr(server.addrs[0]!));
      const s = await conn.newStream(RPC_PROTOCOL);
      s.maxReadBufferLength = 256 * 1024 * 1024;
      const got = replies(s);
      s.pause();
      const packr = new Packr({ useRecords: false });
      const n = 120, size = 512 * 1024;   // 60 MiB of responses asked for at once
      s.send(Buffer.concat(Array.from({ length: n }, (_, i) => frame(packr.pack([0, i + 1, 'bytes', size])))));
      await new Promise(r => setTimeout(r, 500));
      const stalled = await client.request(server.peerId, 'stats') as { rss: number; inboundStreams: number };
      expect(stalled.rss - before).toBeLessThan(48 * 1024 * 1024);
      await expect(client.request(server.peerId, 'add', [1, 2])).resolves.toBe(3);
      s.resume();
      await until(() => got.length >= n, 10_000);
      expect(got.length).toBe(n);
      expect(got.every(m => m[0] === 1 && (m[2] as Uint8Array).length === size)).toBe(true);
      expect(s.status).toBe('open');
    } finally {
      await hostile.peer.stop();
    }
  });

  it('rejects requests in flight when the server dies, with a clear error', async () => {
    const victim = await startPeer();
    await expect(client.request(victim.hostPort, 'add', [1, 1])).resolves.toBe(2);
    const pending = client.request(victim.peerId, 'sleep', 10_000).catch(e => e);
    await new Promise(r => setTimeout(r, 50));
    await kill(victim.child);
    const err = await pending;
    expect(err).toBeInstanceOf(NetError);
    expect(err.code).toBe('closed');
    expect(err.message).toContain(`the connection to ${victim.peerId} was lost`);
    // and a later request to it says nothing is there
    await expect(client.request(victim.hostPort, 'add', [1, 1])).rejects.toMatchObject({ code: 'refused' });
  });
});

describe('connecting', () => {
  it('says when no node listens at an address', async () => {
    const peer = await Peer.start({ clusterToken: TOKEN });
    try {
      const port = await freePort();
      const t0 = Date.now();
      await expect(peer.connect(`127.0.0.1:${port}`)).rejects.toThrow(`cannot connect to 127.0.0.1:${port}: no Cantor node at 127.0.0.1:${port} (connection refused)`);
      await expect(peer.request(`/ip4/127.0.0.1/tcp/${port}`, 'echo')).rejects.toMatchObject({ code: 'refused' });
      expect(Date.now() - t0).toBeLessThan(2000);
      await expect(peer.connect('not an address')).rejects.toMatchObject({ code: 'bad-address' });
      const stranger = peerIdFromPrivateKey(generateIdentity()).toString();
      await expect(peer.request(stranger, 'echo')).rejects.toMatchObject({ code: 'unknown-peer' });
    } finally {
      await peer.stop();
    }
  });

  it('does not hang on a TCP server that never answers the handshake', async () => {
    const silent = createServer(() => {});
    await new Promise<void>(r => silent.listen(0, '127.0.0.1', r));
    const peer = await Peer.start({ clusterToken: TOKEN });
    try {
      const port = (silent.address() as { port: number }).port;
      await expect(peer.connect(`127.0.0.1:${port}`, { timeoutMs: 300 })).rejects.toMatchObject({ code: 'timeout' });
    } finally {
      await peer.stop();
      silent.close();
    }
  });
});

describe('identity', () => {
  afterEach(async () => { await Promise.all([...children].map(kill)); });

  it('keeps the same peer id across restarts from the same data directory', async () => {
    const dataDir = join(dir, 'node-a');
    const first = await startPeer({ dataDir });
    await kill(first.child);
    expect(statSync(join(dataDir, 'identity.key')).mode & 0o777).toBe(0o600);
    const second = await startPeer({ dataDir });
    expect(second.peerId).toBe(first.peerId);
    const other = await startPeer({ dataDir: join(dir, 'node-b') });
    expect(other.peerId).not.toBe(first.peerId);
  });

  it('refuses a corrupt identity file, naming it, and leaves it in place', async () => {
    const dataDir = join(dir, 'corrupt');
    const file = join(dataDir, 'identity.key');
    loadOrCreateIdentity(dataDir);
    writeFileSync(file, 'garbage');
    const err = await startPeer({ dataDir }).catch(e => e as { code: number; stderr: string });
    expect(err.code).toBe(2);
    expect(err.stderr).toContain(`the node identity file ${file} is corrupt`);
    expect(() => loadOrCreateIdentity(dataDir)).toThrow(ConfigError);
    expect(statSync(file).size).toBe(7);
  });

  it('gives every worker isolate racing to create the identity the same key', async () => {
    // Workers of one process share its pid; each creates the identity at the same moment.
    const { Worker } = await import('node:worker_threads');
    const identityJs = join(root, 'dist', 'runtime', 'cantor', 'identity.js');
    for (let round = 0; round < 5; round++) {
      const dataDir = join(dir, `race-${round}`);
      const src = `const { workerData, parentPort } = require('node:worker_threads');
        import(workerData.mod).then(({ loadOrCreateIdentity }) => {
          // all six start together once every one has loaded the module
          const gate = new Int32Array(workerData.gate);
          Atomics.add(gate, 0, 1);
          while (Atomics.load(gate, 0) < workerData.n) Atomics.wait(gate, 0, Atomics.load(gate, 0), 5);
          const k = loadOrCreateIdentity(workerData.dataDir);
          parentPort.postMessage(Buffer.from(k.publicKey.raw).toString('hex'));
        });`;
      const gate = new SharedArrayBuffer(4);
      const keys = await Promise.all(Array.from({ length: 6 }, () => new Promise<string>((resolve, reject) => {
        const w = new Worker(src, { eval: true, workerData: { mod: pathToFileURL(identityJs).href, dataDir, gate, n: 6 } });
        w.once('message', m => { resolve(m as string); void w.terminate(); });
        w.once('error', reject);
      })));
      expect(new Set(keys).size).toBe(1);
      expect(readdirSync(dataDir)).toEqual(['identity.key']);
    }
  });

  it('derives the same cluster key from the same token, and different keys from different tokens', () => {
    const a = new TextDecoder().decode(clusterKey('s3cret'));
    expect(a).toMatch(/^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}$/);
    expect(new TextDecoder().decode(clusterKey('s3cret'))).toBe(a);
    expect(new TextDecoder().decode(clusterKey('s3cret '))).not.toBe(a);
    expect(() => clusterKey('')).toThrow(ConfigError);
  });
});

describe('capability tokens', () => {
  it('verifies a token signed by a trusted key and returns its claims', async () => {
    const key = generateIdentity();
    const token = issueToken({ roles: ['submit', 'read'], tenant: 'acme', expires: Date.now() + 60_000 }, key);
    expect(token).toMatch(/^xcap1\.[\w-]+\.[\w-]+$/);
    expect(token.length).toBeLessThan(200);
    const issuer = peerIdFromPrivateKey(key);
    const claims = verifyToken(token, [issuer]);
    expect(claims).toMatchObject({ roles: ['submit', 'read'], tenant: 'acme', issuer: issuer.toString() });
    expect(verifyToken(token, [key.publicKey]).tenant).toBe('acme');
    const verifier = new TokenVerifier([issuer.toString()]);
    expect(verifier.verify(token)).toEqual(claims);
    expect(verifier.verify(token)).toBe(verifier.verify(token));   // cached
    verifier.untrust(issuer);
    expect(() => verifier.verify(token)).toThrow(TokenError);
  });

  it('rejects expired, altered, foreign and malformed tokens with the reason', async () => {
    const key = generateIdentity(), stranger = generateIdentity();
    const trusted = [key.publicKey];
    const expired = issueToken({ roles: ['read'], tenant: 't', expires: new Date(Date.now() - 1000) }, key);
    expect(() => verifyToken(expired, trusted)).toThrow(expect.objectContaining({ code: 'expired', message: expect.stringMatching(/^the capability token expired at /) }));
    const soon = issueToken({ roles: ['read'], tenant: 't', expires: Date.now() + 5000 }, key);
    expect(verifyToken(soon, trusted).roles).toEqual(['read']);
    expect(() => verifyToken(soon, trusted, Date.now() + 10_000)).toThrow(expect.objectContaining({ code: 'expired' }));

    const good = issueToken({ roles: ['read'], tenant: 'alpha' }, key);
    const [, payload, sig] = good.split('.') as [string, string, string];
    const bytes = Buffer.from(payload, 'base64url');
    const at = bytes.indexOf(Buffer.from('alpha'));
    bytes.write('omega', at);   // same length, other tenant
    expect(() => verifyToken(`xcap1.${bytes.toString('base64url')}.${sig}`, trusted)).toThrow(expect.objectContaining({ code: 'bad-signature' }));
    const readOnly = Buffer.from(payload, 'base64url');
    readOnly[readOnly.indexOf(Buffer.from('read'))] = 'R'.charCodeAt(0);
    expect(() => verifyToken(`xcap1.${readOnly.toString('base64url')}.${sig}`, trusted)).toThrow(TokenError);

    const foreign = issueToken({ roles: ['admin'], tenant: 'alpha' }, stranger);
    expect(() => verifyToken(foreign, trusted)).toThrow(expect.objectContaining({ code: 'untrusted', message: expect.stringContaining('a key this node does not trust') }));
    // a stranger's signature spliced onto our payload
    expect(() => verifyToken(`xcap1.${payload}.${foreign.split('.')[2]}`, trusted)).toThrow(expect.objectContaining({ code: 'bad-signature' }));

    for (const bad of ['', 'xcap1.', 'xcap1.abc', 'xcap1.a.b.c', 'test-cluster-secret', `xcap1.${payload}`]) {
      expect(() => verifyToken(bad, trusted)).toThrow(expect.objectContaining({ code: 'malformed' }));
    }
    expect(() => issueToken({ roles: ['root' as 'admin'], tenant: 'x' }, key)).toThrow(expect.objectContaining({ code: 'invalid-claims' }));
    expect(() => issueToken({ roles: ['read'], tenant: '' }, key)).toThrow(expect.objectContaining({ code: 'invalid-claims' }));
  });
});
