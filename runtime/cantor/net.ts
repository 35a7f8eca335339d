// Cantor's network layer: one libp2p node per Cantor node (TCP, then the private-network
// protector keyed by the cluster token plus a key-confirmation exchange, then Noise, then
// yamux; no identify, DHT or discovery) and one request/response protocol on top of it,
// /cantor/rpc/1.0.0. bench/net.ts measures it.
//
// Wire format of /cantor/rpc/1.0.0. A client opens ONE long-lived stream per remote peer and
// multiplexes every request over it by id. (A fresh stream per request was measured first:
// its multistream-select negotiation costs a round trip of its own, ~450 us against ~60 us
// per sequential request in one process, and it managed only ~3k requests/s pipelined.) Each
// direction carries frames: a 4-byte big-endian body length, then a msgpack array:
//
//     request   [0, id, method, args, token?]     client -> server
//     ok        [1, id, value]                    server -> client
//     error     [2, id, type, message]            server -> client
//     cancel    [3, id]                           client -> server (timeout or abort)
//
// `id` is a uint32 chosen by the client, unique among its in-flight requests on the stream;
// responses come back in completion order, not request order. A frame longer than the limit
// (16 MiB by default), a body that is not msgpack, or a frame of the wrong shape without a
// usable id resets that stream only; the connection and the node keep serving. Writes made in
// the same turn of the event loop are coalesced into one stream write (one yamux frame, one
// Noise message).
//
// Two secrets, never to be confused: the CLUSTER TOKEN is a shared secret that admits a
// machine to the private network (`clusterKey()` derives the pnet pre-shared key from it);
// CAPABILITY TOKENS (tokens.ts) are signed claims that ride inside each request frame and
// say what the caller may do. This file carries capability tokens but never interprets them.
import { scryptSync, createHmac, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { createLibp2p, type Libp2p } from 'libp2p';
import { tcp } from '@libp2p/tcp';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { preSharedKey } from '@libp2p/pnet';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { Packr, Unpackr, RESERVE_START_SPACE } from 'msgpackr';
import type { Connection, ConnectionProtector, MessageStream, PeerId, PrivateKey, Stream } from '@libp2p/interface';

export const RPC_PROTOCOL = '/cantor/rpc/1.0.0';
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

const KIND_REQUEST = 0, KIND_OK = 1, KIND_ERROR = 2, KIND_CANCEL = 3;
const HEADER = 4;
const MAX_ID = 0xffffffff;

// ---------------------------------------------------------------------------------------------
// Errors

export type NetErrorCode =
  | 'refused'        // nothing listens at the address
  | 'cluster-key'    // something answered but the private-network handshake failed
  | 'unreachable'    // host unknown or network unreachable
  | 'timeout'        // connecting or the request took longer than allowed
  | 'wrong-peer'     // the peer at the address is not the one its /p2p/ id names
  | 'self'           // the address is this node
  | 'bad-address'    // the address cannot be parsed
  | 'unknown-peer'   // a bare peer id with no known address
  | 'closed'         // the connection or stream went away with the request in flight
  | 'protocol'       // the remote sent frames that break the protocol
  | 'too-large'      // a request exceeds the frame limit
  | 'bad-value'      // the arguments cannot be encoded
  | 'aborted'        // the caller's signal fired
  | 'stopped';       // this peer was stopped

/** A failure of the network layer itself (never a failure of the remote handler). */
export class NetError extends Error {
  override name = 'NetError';
  constructor(readonly code: NetErrorCode, message: string, options?: { cause?: unknown }) { super(message, options); }
}

/** The remote handler failed: `type` is the remote error's name (or its `type` property). */
export class RemoteError extends Error {
  override name = 'RemoteError';
  constructor(readonly type: string, message: string, readonly peerId: string, readonly method: string) { super(message); }
}

// The identity (and ConfigError) live in identity.ts, which loads no libp2p: the embedded
// node needs its id without starting the network.
export { ConfigError, IDENTITY_FILE, generateIdentity, loadOrCreateIdentity } from './identity.js';
import { ConfigError, generateIdentity, loadOrCreateIdentity } from './identity.js';

const CLUSTER_KEY_SALT = 'cantor/cluster-token/pnet-psk/v1';

/**
 * The libp2p private-network pre-shared key (swarm.key v1 text: tag line, `/base16/`, 64 hex
 * digits) derived from the cluster token. scrypt (N=2^14, r=8, p=1; a few tens of ms, once per
 * start) with a fixed domain-separation salt, so equal tokens give equal keys everywhere and a
 * weak human-chosen token is costly to guess from captured traffic.
 */
export function clusterKey(token: string): Uint8Array {
  if (typeof token !== 'string' || token.length === 0) throw new ConfigError('the cluster token is empty');
  const psk = scryptSync(token.normalize('NFC'), CLUSTER_KEY_SALT, 32, { N: 1 << 14, r: 8, p: 1 });
  return new TextEncoder().encode(`/key/swarm/psk/1.0.0/\n/base16/\n${psk.toString('hex')}`);
}

const CONFIRM_BYTES = 32;

/** Thrown (on both ends) when the two ends' cluster keys differ. */
class ClusterKeyMismatch extends Error { override name = 'ClusterKeyMismatch'; }

/**
 * The private-network protector: libp2p's pnet (XSalsa20 keyed by the cluster key, random
 * nonces), then one exchange of a key-confirmation value through it. Plain pnet turns a wrong
 * key into garbage that the next protocol sometimes reads as a length it then waits for; with
 * the confirmation a wrong key fails on both ends within one round trip, and says so.
 */
function clusterProtector(psk: Uint8Array): () => ConnectionProtector {
  const inner = preSharedKey({ psk })();
  const confirm = createHmac('sha256', psk).update('cantor/pnet-key-confirmation/v1').digest();
  return () => ({
    async protect(connection: MessageStream, options?: { signal?: AbortSignal }): Promise<MessageStream> {
      const box = await inner.protect(connection, options);
      // pnet XORs each write in one call into a wasm XSalsa20 whose memory stops at 64 MiB and
      // never shrinks; a burst queued behind a full socket would exceed it and kill the
      // connection. Writes are cut into 64 KiB pieces instead (AbstractMessageStream honours it).
      (box as { maxMessageSize?: number }).maxMessageSize = 64 * 1024;
      box.send(confirm);
      const got = await readExactly(box, CONFIRM_BYTES, options?.signal ?? AbortSignal.timeout(5000));
      if (!timingSafeEqual(got, confirm)) {
        const err = new ClusterKeyMismatch('the cluster key does not match');
        box.abort(err);
        throw err;
      }
      return box;
    },
  });
}

/** Reads exactly n bytes from a message stream; anything after them is put back for the next reader. */
function readExactly(stream: MessageStream, n: number, signal: AbortSignal): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const parts: Uint8Array[] = [];
    let have = 0;
    const cleanup = (): void => {
      stream.removeEventListener('message', onMessage);
      stream.removeEventListener('close', onClose);
      signal.removeEventListener('abort', onAbort);
    };
    const onMessage = (evt: { data: Uint8Array | Iterable<Uint8Array> }): void => {
      for (const chunk of evt.data instanceof Uint8Array ? [evt.data] : evt.data) { parts.push(chunk); have += chunk.length; }
      if (have < n) return;
      cleanup();
      const all = concat(parts, have);
      if (have > n) stream.unshift(all.subarray(n));
      resolve(all.subarray(0, n));
    };
    const onClose = (evt: { error?: Error }): void => { cleanup(); reject(evt.error ?? new Error('the connection closed during the handshake')); };
    const onAbort = (): void => { cleanup(); const e = signal.reason as Error; stream.abort(e); reject(e); };
    if (signal.aborted) { onAbort(); return; }
    stream.addEventListener('message', onMessage);
    stream.addEventListener('close', onClose);
    signal.addEventListener('abort', onAbort);
  });
}

// ---------------------------------------------------------------------------------------------
// Addresses

/** `host:port`, `[v6]:port` or a multiaddr string -> multiaddr. Throws NetError('bad-address'). */
export function toMultiaddr(addr: string): Multiaddr {
  const text = addr.trim();
  if (text.startsWith('/')) {
    try {
      return multiaddr(text);
    } catch (e) {
      throw new NetError('bad-address', `cannot read the address ${addr}: ${(e as Error).message}`);
    }
  }
  const m = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : -1;
  if (!m || port > 65535) {
    throw new NetError('bad-address', `cannot read the address ${addr}: expected host:port or a multiaddr such as /ip4/127.0.0.1/tcp/4001`);
  }
  const host = m[1] ?? m[2]!;
  const family = isIP(host);
  const proto = family === 4 ? 'ip4' : family === 6 ? 'ip6' : 'dns';
  return multiaddr(`/${proto}/${host}/tcp/${port}`);
}

function peerIdOf(ma: Multiaddr): string | undefined {
  return ma.getComponents().findLast(c => c.name === 'p2p')?.value;
}

/** How a user would write the address back: host:port where possible. */
function displayAddr(ma: Multiaddr): string {
  const parts = ma.getComponents();
  const host = parts.find(c => c.name === 'ip4' || c.name === 'ip6' || c.name.startsWith('dns'));
  const port = parts.find(c => c.name === 'tcp');
  if (host?.value && port?.value) return host.name === 'ip6' ? `[${host.value}]:${port.value}` : `${host.value}:${port.value}`;
  return ma.toString();
}

// ---------------------------------------------------------------------------------------------
// Frames

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

/** Encodes one frame (length prefix included); throws if the value cannot be encoded. */
function encodeFrame(msg: unknown[]): Uint8Array {
  const buf = packr.pack(msg, RESERVE_START_SPACE | HEADER);
  const n = buf.length - HEADER;
  buf[0] = n >>> 24; buf[1] = (n >>> 16) & 0xff; buf[2] = (n >>> 8) & 0xff; buf[3] = n & 0xff;
  return buf;
}

class FrameError extends Error { override name = 'FrameError'; }

/**
 * Splits a byte stream into frame bodies. Memory held is what has arrived, never what a
 * length prefix promises, so a hostile 4 GiB prefix costs nothing until the bytes come. While
 * `hold()` is true no further frame is delivered (the bytes wait), so a paused server does
 * not go on running the rest of a chunk full of requests.
 */
class FrameDecoder {
  private head: Uint8Array | null = null;   // bytes not yet delivered: partial header, small partial frame, or held frames
  private parts: Uint8Array[] = [];          // body chunks of a large frame being collected
  private have = 0;                          // bytes of the current large frame's body in `parts`
  private need = -1;                         // body length of the large frame being collected, -1 if none

  constructor(private readonly maxFrame: number, private readonly onFrame: (body: Uint8Array) => void,
    private readonly hold: () => boolean = () => false) {}

  push(chunk: Uint8Array): void {
    if (this.need >= 0) {
      const take = Math.min(this.need - this.have, chunk.length);
      this.parts.push(chunk.subarray(0, take));
      this.have += take;
      if (this.have < this.need) return;
      const body = concat(this.parts, this.need);
      this.parts = []; this.have = 0; this.need = -1;
      this.onFrame(body);
      chunk = chunk.subarray(take);
    }
    let buf = chunk;
    if (this.head) { buf = chunk.length ? concat([this.head, chunk], this.head.length + chunk.length) : this.head; this.head = null; }
    let off = 0;
    const len = buf.length;
    while (len - off >= HEADER && !this.hold()) {
      const n = ((buf[off]! << 24) >>> 0) + (buf[off + 1]! << 16) + (buf[off + 2]! << 8) + buf[off + 3]!;
      if (n > this.maxFrame) throw new FrameError(`a frame of ${n} bytes exceeds the limit of ${this.maxFrame}`);
      if (n === 0) throw new FrameError('an empty frame');
      if (len - off - HEADER >= n) {
        this.onFrame(buf.subarray(off + HEADER, off + HEADER + n));
        off += HEADER + n;
        continue;
      }
      if (n > 65536) {
        // A large frame: collect its chunks and join them once.
        const part = buf.subarray(off + HEADER);
        this.need = n; this.have = part.length; this.parts = part.length ? [part] : [];
        return;
      }
      break;
    }
    if (off < len) this.head = off === 0 && buf !== chunk ? buf : buf.slice(off);
  }

  /** Delivers frames that waited while held. */
  release(): void { if (this.head) this.push(new Uint8Array(0)); }

  /** Bytes held for incomplete (or held) frames. */
  get buffered(): number { return (this.head?.length ?? 0) + this.have; }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1 && parts[0]!.length === total) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/**
 * One rpc stream, either end: decodes frames as they arrive, coalesces writes made in the
 * same tick into one send, holds them while the muxer asks for a drain, and tears down once
 * (reset on a protocol error, or closed by either end).
 */
abstract class FramedStream {
  private readonly decoder: FrameDecoder;
  private out: Uint8Array[] = [];
  /** Bytes written by us and not yet handed to the muxer. */
  private outBytes = 0;
  private flushQueued = false;
  private endRequested = false;
  closed = false;

  constructor(readonly stream: Stream, readonly remotePeer: string, maxFrame: number) {
    this.decoder = new FrameDecoder(maxFrame, body => this.onBody(body), () => this.held());
    // What libp2p may buffer for a reader that has paused us (a frame is read whole anyway).
    stream.maxReadBufferLength = Math.max(4 * 1024 * 1024, 2 * maxFrame);
    stream.addEventListener('message', evt => {
      if (this.closed) return;
      try {
        const data = evt.data;
        if (data instanceof Uint8Array) this.decoder.push(data);
        else for (const chunk of data) { this.decoder.push(chunk); if (this.closed) break; }
      } catch (e) {
        this.fail(e instanceof FrameError ? e : new FrameError(`bad frame: ${(e as Error).message}`));
      }
    });
    stream.addEventListener('drain', () => this.flush());
    stream.addEventListener('idle', () => { if (!this.closed) this.onFlushed(); });
    stream.addEventListener('close', evt => this.teardown(evt.error));
    stream.addEventListener('remoteCloseWrite', () => {
      if (this.closed) return;
      if (this.decoder.buffered > 0 && !this.held()) this.fail(new FrameError(`the stream ended inside a frame (${this.decoder.buffered} bytes of it)`));
      else this.onRemoteEnd();
    });
  }

  /** True while no further frame should be delivered (backpressure). */
  protected held(): boolean { return false; }

  /** Delivers frames that waited while held; a protocol error among them resets the stream. */
  protected release(): void {
    try {
      this.decoder.release();
    } catch (e) {
      this.fail(e instanceof FrameError ? e : new FrameError(`bad frame: ${(e as Error).message}`));
    }
  }

  private onBody(body: Uint8Array): void {
    if (this.closed) return;
    let msg: unknown;
    try {
      // A Buffer view: msgpackr's fast string paths need one, and binary values then always
      // decode as Buffers (views into the received bytes, not copies).
      msg = unpackr.unpack(Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    } catch (e) {
      throw new FrameError(`a frame that is not msgpack (${(e as Error).message})`);
    }
    if (!Array.isArray(msg) || typeof msg[0] !== 'number') throw new FrameError('a frame that is not a [kind, id, ...] array');
    this.onMessage(msg);
  }

  protected abstract onMessage(msg: unknown[]): void;
  protected abstract onClosed(err: Error): void;
  /** The remote closed its writable end cleanly. */
  protected abstract onRemoteEnd(): void;
  /** Response bytes not yet sent: ours, and those libp2p holds for the muxer. */
  protected get backlog(): number { return this.outBytes + this.stream.writeBufferLength; }

  /** Called after queued bytes were handed to the muxer, or the muxer sent them. */
  protected onFlushed(): void {}

  write(frame: Uint8Array): void {
    if (this.closed || this.endRequested) return;
    this.out.push(frame);
    this.outBytes += frame.length;
    // after this turn of the event loop: answers finished by several messages of one turn
    // (results arriving from worker threads, say) leave in one write
    if (!this.flushQueued) { this.flushQueued = true; setImmediate(() => { this.flushQueued = false; this.flush(); if (!this.closed) this.onFlushed(); }); }
  }

  private flush(): void {
    if (this.closed || this.out.length === 0 || this.stream.writableNeedsDrain) return;
    const data = this.out.length === 1 ? this.out[0]! : concat(this.out, this.outBytes);
    this.out = []; this.outBytes = 0;
    try {
      this.stream.send(data);
    } catch (e) {
      this.teardown(e as Error);
      return;
    }
    if (this.endRequested) void this.stream.close().catch(() => {});
  }

  /** Closes our writable end once everything queued has been handed over. */
  protected end(): void {
    if (this.closed || this.endRequested) return;
    this.endRequested = true;
    if (this.out.length === 0) void this.stream.close().catch(() => {});
  }

  /** Resets the stream because the remote broke the protocol. */
  fail(err: Error): void {
    if (this.closed) return;
    this.stream.abort(err);   // dispatches 'close' with the error, which tears down
    this.teardown(err);
  }

  private teardown(err: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.out = []; this.outBytes = 0;
    this.onClosed(err ?? new Error('stream closed'));
  }
}

// ---------------------------------------------------------------------------------------------
// Server side

export interface RequestContext {
  /** The authenticated libp2p peer id of the caller (proved by the Noise handshake). */
  readonly peerId: string;
  /** The capability token the caller attached, unverified: the handler decides (tokens.ts). */
  readonly token: string | undefined;
  /** Fires when the caller cancels the request (timeout, abort) or the stream goes away. */
  readonly signal: AbortSignal;
}

/** Handles one request; the value (or the promise's value) is the response. Throw to fail it. */
export type RpcHandler = (method: string, args: unknown, ctx: RequestContext) => unknown;

class Context implements RequestContext {
  private ctrl: AbortController | undefined;
  cancelled = false;
  constructor(readonly peerId: string, readonly token: string | undefined) {}
  get signal(): AbortSignal {
    this.ctrl ??= new AbortController();
    if (this.cancelled && !this.ctrl.signal.aborted) this.ctrl.abort(new NetError('aborted', 'the caller cancelled the request'));
    return this.ctrl.signal;
  }
  cancel(): void {
    this.cancelled = true;
    this.ctrl?.abort(new NetError('aborted', 'the caller cancelled the request'));
  }
}

/** Queued response bytes above which a server stream stops taking requests. */
const SERVER_BACKLOG_PAUSE = 4 * 1024 * 1024;
/** Queued response bytes at which a server stream is reset (or 8 frames, if more). */
const SERVER_BACKLOG_LIMIT = 256 * 1024 * 1024;

class ServerStream extends FramedStream {
  private readonly active = new Map<number, Context>();
  private paused = false;
  private ending = false;

  constructor(stream: Stream, remotePeer: string, private readonly peer: Peer) {
    super(stream, remotePeer, peer.maxFrameBytes);
  }

  protected onMessage(msg: unknown[]): void {
    const kind = msg[0], id = msg[1];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_ID) throw new FrameError('a frame without a valid id');
    if (kind === KIND_CANCEL) {
      // Forget it at once (its late result is dropped), so the id is free for reuse.
      const ctx = this.active.get(id);
      if (ctx) { ctx.cancel(); this.active.delete(id); this.flow(); }
      return;
    }
    if (kind !== KIND_REQUEST) throw new FrameError(`a frame of kind ${String(kind)} sent to the server end`);
    const method = msg[2], token = msg[4];
    if (typeof method !== 'string' || (token != null && typeof token !== 'string')) {
      this.write(encodeFrame([KIND_ERROR, id, 'ProtocolError', 'a request needs a string method and an optional string token']));
      this.peer.protocolError(this.remotePeer, new FrameError('a request of the wrong shape'));
      return;
    }
    if (this.active.has(id)) throw new FrameError(`request id ${id} is already in flight`);
    const ctx = new Context(this.remotePeer, token ?? undefined);
    let result: unknown;
    try {
      result = this.peer.handler(method, msg[3], ctx);
    } catch (e) {
      this.reply(id, ctx, undefined, e);
      return;
    }
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      this.active.set(id, ctx);
      this.flow();
      try {
        (result as PromiseLike<unknown>).then(v => this.reply(id, ctx, v, undefined), e => this.reply(id, ctx, undefined, e ?? new Error('rejected')));
      } catch (e) {
        this.reply(id, ctx, undefined, e);
      }
    } else {
      this.reply(id, ctx, result, undefined);
    }
  }

  private reply(id: number, ctx: Context, value: unknown, err: unknown): void {
    if (this.active.get(id) === ctx) this.active.delete(id);
    if (this.closed || ctx.cancelled) { this.flow(); return; }
    this.peer.served++;
    let frame: Uint8Array;
    if (err === undefined) {
      try {
        frame = encodeFrame([KIND_OK, id, value]);
      } catch (e) {
        frame = encodeFrame([KIND_ERROR, id, 'EncodeError', `the result cannot be sent: ${(e as Error).message}`]);
      }
      if (frame.length - HEADER > this.peer.maxFrameBytes) {
        frame = encodeFrame([KIND_ERROR, id, 'FrameTooLarge', `the result is ${frame.length - HEADER} bytes, over the frame limit of ${this.peer.maxFrameBytes}`]);
      }
    } else {
      const e = err as { type?: unknown; name?: unknown; message?: unknown };
      const type = typeof e?.type === 'string' ? e.type : typeof e?.name === 'string' ? e.name : 'Error';
      const message = err instanceof Error || typeof e?.message === 'string' ? String(e.message) : String(err);
      frame = encodeFrame([KIND_ERROR, id, type, message]);
    }
    this.write(frame);
    this.flow();
  }

  protected override onFlushed(): void { this.flow(); }

  /**
   * Backpressure: stop taking requests (frames already received wait in the decoder, and
   * libp2p stops granting the remote window) while too many run or too many response bytes
   * wait for a slow reader; go on at half the limits. A remote that lets responses pile up
   * past a hard limit (async handlers finishing after the pause) is cut off.
   */
  private flow(): void {
    if (this.closed) return;
    const backlog = this.backlog;
    if (backlog > Math.max(SERVER_BACKLOG_LIMIT, 8 * this.peer.maxFrameBytes)) {
      this.fail(new FrameError(`the remote does not read its responses (${backlog} bytes waiting)`));
      return;
    }
    if (!this.paused && (this.active.size >= this.peer.maxInFlight || backlog > SERVER_BACKLOG_PAUSE)) {
      this.paused = true;
      try { this.stream.pause(); } catch { /* closing */ }
    } else if (this.paused && this.active.size <= this.peer.maxInFlight >> 1 && backlog <= SERVER_BACKLOG_PAUSE >> 1) {
      this.paused = false;
      this.release();
      if (!this.paused && !this.closed) { try { this.stream.resume(); } catch { /* closing */ } }
    }
    if (this.ending && this.active.size === 0 && !this.paused) this.end();
  }

  protected override held(): boolean { return this.paused; }

  protected onRemoteEnd(): void {
    // The client sends no more requests: answer those running, then close our end.
    this.ending = true;
    this.flow();
  }

  protected onClosed(err: Error): void {
    for (const ctx of this.active.values()) ctx.cancel();
    this.active.clear();
    this.peer.inbound.delete(this);
    if (err instanceof FrameError) this.peer.protocolError(this.remotePeer, err);
  }
}

// ---------------------------------------------------------------------------------------------
// Client side

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout | undefined;
  method: string;
  signal?: AbortSignal;
  onAbort?: () => void;
}

class ClientStream extends FramedStream {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(stream: Stream, remotePeer: string, private readonly peer: Peer) {
    super(stream, remotePeer, peer.maxFrameBytes);
  }

  request(method: string, args: unknown, token: string | undefined, timeoutMs: number, signal: AbortSignal | undefined): Promise<unknown> {
    if (signal?.aborted) return Promise.reject(new NetError('aborted', `request ${method} to ${this.remotePeer} was aborted`));
    let frame: Uint8Array;
    const id = this.allocId();
    try {
      frame = encodeFrame(token === undefined ? [KIND_REQUEST, id, method, args] : [KIND_REQUEST, id, method, args, token]);
    } catch (e) {
      return Promise.reject(new NetError('bad-value', `cannot encode the arguments of ${method}: ${(e as Error).message}`, { cause: e }));
    }
    if (frame.length - HEADER > this.peer.maxFrameBytes) {
      return Promise.reject(new NetError('too-large', `request ${method} is ${frame.length - HEADER} bytes, over the frame limit of ${this.peer.maxFrameBytes}`));
    }
    return new Promise((resolve, reject) => {
      const p: Pending = { resolve, reject, timer: undefined, method };
      if (timeoutMs > 0) {
        p.timer = setTimeout(() => this.abandon(id, new NetError('timeout', `request ${method} to ${this.remotePeer} timed out after ${timeoutMs} ms`)), timeoutMs);
      }
      if (signal) {
        p.signal = signal;
        p.onAbort = () => this.abandon(id, new NetError('aborted', `request ${method} to ${this.remotePeer} was aborted`));
        signal.addEventListener('abort', p.onAbort, { once: true });
      }
      this.pending.set(id, p);
      this.write(frame);
    });
  }

  private allocId(): number {
    let id = this.nextId;
    while (this.pending.has(id)) id = id >= MAX_ID ? 1 : id + 1;
    this.nextId = id >= MAX_ID ? 1 : id + 1;
    return id;
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    if (p.timer) clearTimeout(p.timer);
    if (p.onAbort) p.signal!.removeEventListener('abort', p.onAbort);
    return p;
  }

  private abandon(id: number, err: NetError): void {
    const p = this.settle(id);
    if (!p) return;
    this.write(encodeFrame([KIND_CANCEL, id]));
    p.reject(err);
  }

  protected onMessage(msg: unknown[]): void {
    const kind = msg[0], id = msg[1];
    if (typeof id !== 'number') throw new FrameError('a response without an id');
    if (kind === KIND_OK) {
      this.settle(id)?.resolve(msg[2]);
    } else if (kind === KIND_ERROR) {
      const p = this.settle(id);
      if (p) p.reject(new RemoteError(typeof msg[2] === 'string' ? msg[2] : 'Error', typeof msg[3] === 'string' ? msg[3] : String(msg[3]), this.remotePeer, p.method));
    } else {
      throw new FrameError(`a frame of kind ${String(kind)} sent to the client end`);
    }
  }

  protected onRemoteEnd(): void {
    // The server closed its end: nothing more will be answered.
    this.fail(new NetError('closed', `${this.remotePeer} closed the rpc stream`));
  }

  protected onClosed(err: Error): void {
    if (this.peer.outbound.get(this.remotePeer) === this) this.peer.outbound.delete(this.remotePeer);
    if (err instanceof FrameError) this.peer.protocolError(this.remotePeer, err);
    const reason = this.peer.stopped
      ? new NetError('stopped', 'this Cantor peer was stopped')
      : new NetError(err instanceof FrameError ? 'protocol' : 'closed',
        err instanceof FrameError ? `${this.remotePeer} broke the rpc protocol: ${err.message}` : `the connection to ${this.remotePeer} was lost (${err.message})`, { cause: err });
    for (const id of [...this.pending.keys()]) this.settle(id)!.reject(reason);
  }

  get inFlight(): number { return this.pending.size; }
}

// ---------------------------------------------------------------------------------------------
// Peer

export interface PeerOptions {
  /** Directory holding identity.key (created if missing). One of dataDir / privateKey. */
  dataDir?: string;
  privateKey?: PrivateKey;
  /** Addresses to listen on: `host:port` or multiaddrs. Port 0 picks a free port. Default none. */
  listen?: string[];
  /** The shared secret that admits a node to the cluster (the private-network key). */
  clusterToken: string;
  /** Serves /cantor/rpc/1.0.0 requests. Without one, every request is answered with an error. */
  handler?: RpcHandler;
  /** Capability token attached to outgoing requests that do not name their own. */
  token?: string;
  /** Largest frame body in either direction (default 16 MiB). */
  maxFrameBytes?: number;
  /** Requests a single inbound stream may have running before reading pauses (default 4096). */
  maxInFlight?: number;
  /** Default request timeout (default 30 s; 0 = none). */
  requestTimeoutMs?: number;
  /** Default connect timeout (default 5 s). */
  connectTimeoutMs?: number;
  /** New inbound connections accepted per second from one host (libp2p's limit; default 100). */
  inboundConnectionsPerSecond?: number;
  /** Called for each protocol violation by a remote (the offending stream has been reset). */
  onProtocolError?: (peerId: string, err: Error) => void;
  /** Link events, for membership and link weights. */
  onConnect?: (peerId: string) => void;
  onDisconnect?: (peerId: string) => void;
}

export interface RequestOptions {
  timeoutMs?: number;
  /** Capability token for this request (default: the peer's `token` option). */
  token?: string;
  signal?: AbortSignal;
}

export interface LinkInfo {
  peerId: string;
  remoteAddr: string;
  direction: 'inbound' | 'outbound';
  /** Round-trip time in ms measured by libp2p's connection monitor (every 10 s), if known yet. */
  rtt: number | undefined;
}

/** A Cantor peer: a libp2p node serving /cantor/rpc/1.0.0 and a client of the others. */
export class Peer {
  readonly maxFrameBytes: number;
  readonly maxInFlight: number;
  readonly handler: RpcHandler;
  /** @internal */ served = 0;
  /** @internal */ protocolErrors = 0;
  /** @internal */ stopped = false;
  /** @internal */ readonly outbound = new Map<string, ClientStream>();
  /** @internal */ readonly inbound = new Set<ServerStream>();
  private readonly opening = new Map<string, Promise<ClientStream>>();
  private readonly connecting = new Map<string, Promise<string>>();
  /** Normalised dial address (no /p2p/) -> the peer id found there. */
  private readonly addrPeers = new Map<string, string>();

  private constructor(readonly libp2p: Libp2p, private readonly opts: PeerOptions) {
    this.maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.maxInFlight = opts.maxInFlight ?? 4096;
    this.handler = opts.handler ?? (method => { throw Object.assign(new Error(`this peer serves no requests (${method})`), { type: 'NotServed' }); });
  }

  static async start(opts: PeerOptions): Promise<Peer> {
    const maxFrame = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (!Number.isInteger(maxFrame) || maxFrame < 1024 || maxFrame > 0x7fffffff) throw new ConfigError(`maxFrameBytes must be an integer from 1024 to 2^31-1, not ${maxFrame}`);
    const privateKey = opts.privateKey ?? (opts.dataDir !== undefined ? loadOrCreateIdentity(opts.dataDir) : generateIdentity());
    const listen = (opts.listen ?? []).map(a => toMultiaddr(a).toString());
    const libp2p = await createLibp2p({
      privateKey,
      addresses: { listen },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionProtector: clusterProtector(clusterKey(opts.clusterToken)),
      connectionManager: {
        inboundConnectionThreshold: opts.inboundConnectionsPerSecond ?? 100,
        maxIncomingPendingConnections: 64,
      },
      // No services: no identify, no DHT, no discovery. The connection monitor (built in) pings
      // each connection every 10 s, which keeps idle links open and measures their rtt.
      start: false,
    });
    const peer = new Peer(libp2p, opts);
    await libp2p.handle(RPC_PROTOCOL, (stream, connection) => peer.accept(stream, connection), {
      maxInboundStreams: 16,
      maxOutboundStreams: 16,
    });
    libp2p.addEventListener('peer:connect', evt => opts.onConnect?.(evt.detail.toString()));
    libp2p.addEventListener('peer:disconnect', evt => opts.onDisconnect?.(evt.detail.toString()));
    try {
      await libp2p.start();
    } catch (e) {
      try { await libp2p.stop(); } catch { /* already failing */ }
      throw new ConfigError(`cannot listen on ${(opts.listen ?? []).join(', ')}: ${(e as Error).message}`);
    }
    return peer;
  }

  get peerId(): string { return this.libp2p.peerId.toString(); }

  /** The addresses others can dial, each ending in /p2p/<peer id>. */
  addrs(): string[] { return this.libp2p.getMultiaddrs().map(String); }

  /** Counters for metrics and tests. */
  stats(): { served: number; protocolErrors: number; inboundStreams: number; outboundStreams: number } {
    return { served: this.served, protocolErrors: this.protocolErrors, inboundStreams: this.inbound.size, outboundStreams: this.outbound.size };
  }

  /** Whether an open connection to the peer exists. */
  isConnected(peerId: string): boolean {
    try {
      return this.libp2p.getConnections(peerIdFromString(peerId)).some(c => c.status === 'open');
    } catch {
      return false; // not a peer id
    }
  }

  /** Open links to other peers. */
  links(): LinkInfo[] {
    return this.libp2p.getConnections().filter(c => c.status === 'open').map(c => ({
      peerId: c.remotePeer.toString(), remoteAddr: c.remoteAddr.toString(), direction: c.direction, rtt: c.rtt,
    }));
  }

  /** Tells the peer where another peer can be dialled (learned from gossip, a join list...). */
  async addAddrs(peerId: string, addrs: string[]): Promise<void> {
    await this.libp2p.peerStore.merge(peerIdFromString(peerId), { multiaddrs: addrs.map(a => toMultiaddr(a)) });
  }

  /**
   * Connects to `addr` (`host:port` or a multiaddr, with or without /p2p/) and returns the
   * peer id found there. Fails with a NetError whose message says what went wrong.
   */
  async connect(addr: string, opts: { timeoutMs?: number } = {}): Promise<string> {
    const ma = toMultiaddr(addr);
    const key = ma.toString();
    let p = this.connecting.get(key);
    if (!p) {
      p = this.dialAddr(ma, opts.timeoutMs ?? this.opts.connectTimeoutMs ?? 5000)
        .then(conn => conn.remotePeer.toString())
        .finally(() => this.connecting.delete(key));
      this.connecting.set(key, p);
    }
    return p;
  }

  /**
   * Sends a request and resolves with the handler's value. `target` is a peer id, a
   * `host:port` or a multiaddr. Rejects with RemoteError when the handler failed, NetError
   * when the request could not be carried.
   */
  request(target: string, method: string, args?: unknown, opts: RequestOptions = {}): Promise<unknown> {
    if (this.stopped) return Promise.reject(new NetError('stopped', 'this Cantor peer was stopped'));
    const timeoutMs = opts.timeoutMs ?? this.opts.requestTimeoutMs ?? 30_000;
    const token = opts.token ?? this.opts.token;
    const known = this.outbound.get(target) ?? this.outbound.get(this.addrPeers.get(target) ?? '');
    if (known && !known.closed) return known.request(method, args, token, timeoutMs, opts.signal);
    return this.channel(target, timeoutMs).then(ch => ch.request(method, args, token, timeoutMs, opts.signal));
  }

  /** Closes every connection to a peer. */
  async disconnect(peerId: string): Promise<void> {
    await this.libp2p.hangUp(peerIdFromString(peerId));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const ch of this.outbound.values()) ch.fail(new NetError('stopped', 'this Cantor peer was stopped'));
    await this.libp2p.stop();
  }

  /** @internal */
  protocolError(peerId: string, err: Error): void {
    this.protocolErrors++;
    this.opts.onProtocolError?.(peerId, err);
  }

  private accept(stream: Stream, connection: Connection): void {
    const s = new ServerStream(stream, connection.remotePeer.toString(), this);
    this.inbound.add(s);
  }

  /** The open rpc stream to `target`, opening a connection and a stream as needed. */
  private channel(target: string, timeoutMs: number): Promise<ClientStream> {
    let p = this.opening.get(target);
    if (!p) {
      p = this.openChannel(target, timeoutMs > 0 ? Math.min(timeoutMs, this.opts.connectTimeoutMs ?? 5000) : (this.opts.connectTimeoutMs ?? 5000))
        .finally(() => this.opening.delete(target));
      this.opening.set(target, p);
    }
    return p;
  }

  private async openChannel(target: string, timeoutMs: number): Promise<ClientStream> {
    // Which peer is it, if we can tell before dialling?
    let ma: Multiaddr | undefined;
    let peerId: string | undefined;
    if (target.startsWith('/') || target.includes(':')) {
      ma = toMultiaddr(target);
      peerId = peerIdOf(ma) ?? this.addrPeers.get(target) ?? this.addrPeers.get(ma.toString());
    } else {
      try {
        peerIdFromString(target);
      } catch {
        throw new NetError('bad-address', `cannot read ${target}: expected a peer id, host:port, or a multiaddr`);
      }
      peerId = target;
    }
    const reuse = peerId === undefined ? undefined : this.outbound.get(peerId);
    if (reuse && !reuse.closed) return reuse;
    let conn = peerId === undefined ? undefined : this.openConnection(peerId);
    if (!conn) conn = ma ? await this.dialAddr(ma, timeoutMs) : await this.dialPeer(peerIdFromString(peerId!), timeoutMs);
    peerId = conn.remotePeer.toString();
    const again = this.outbound.get(peerId);
    if (again && !again.closed) return again;
    let stream: Stream;
    try {
      stream = await conn.newStream(RPC_PROTOCOL, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      const err = e as Error;
      if (err.name === 'UnsupportedProtocolError') throw new NetError('protocol', `${peerId} does not speak ${RPC_PROTOCOL} (not a Cantor node of this version?)`, { cause: e });
      throw new NetError('closed', `cannot open an rpc stream to ${peerId}: ${err.message}`, { cause: e });
    }
    const old = this.outbound.get(peerId);
    if (old && !old.closed) { stream.abort(new Error('duplicate')); return old; }
    const ch = new ClientStream(stream, peerId, this);
    this.outbound.set(peerId, ch);
    if (this.stopped) ch.fail(new NetError('stopped', 'this Cantor peer was stopped'));
    return ch;
  }

  private openConnection(peerId: string): Connection | undefined {
    return this.libp2p.getConnections(peerIdFromString(peerId)).find(c => c.status === 'open');
  }

  private async dialPeer(id: PeerId, timeoutMs: number): Promise<Connection> {
    const known = await this.libp2p.peerStore.get(id).then(p => p.addresses.length > 0, () => false);
    if (!known) throw new NetError('unknown-peer', `no known address for peer ${id.toString()}; connect to it by address first`);
    try {
      return await this.libp2p.dial(id, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      if (this.stopped) throw new NetError('stopped', 'this Cantor peer was stopped');
      throw describeDialError(e, id.toString(), 'connect', timeoutMs);
    }
  }

  private async dialAddr(ma: Multiaddr, timeoutMs: number): Promise<Connection> {
    if (this.stopped) throw new NetError('stopped', 'this Cantor peer was stopped');
    let stage: 'connect' | 'handshake' = 'connect';
    try {
      const conn = await this.libp2p.dial(ma, {
        signal: AbortSignal.timeout(timeoutMs),
        onProgress: evt => { if (evt.type.startsWith('upgrader:')) stage = 'handshake'; },
      });
      this.addrPeers.set(displayAddr(ma), conn.remotePeer.toString());
      this.addrPeers.set(ma.toString(), conn.remotePeer.toString());
      return conn;
    } catch (e) {
      if (this.stopped) throw new NetError('stopped', 'this Cantor peer was stopped');
      throw describeDialError(e, displayAddr(ma), stage, timeoutMs, peerIdOf(ma));
    }
  }
}

/** Turns libp2p's dial failures into one sentence a user can act on. */
function describeDialError(e: unknown, where: string, stage: 'connect' | 'handshake', timeoutMs: number, expected?: string): NetError {
  const err = e as Error & { code?: string };
  const text = `${err?.name ?? ''} ${err?.message ?? String(e)} ${(err?.cause as Error | undefined)?.message ?? ''}`;
  const prefix = `cannot connect to ${where}`;
  if (/ECONNREFUSED/.test(text)) return new NetError('refused', `${prefix}: no Cantor node at ${where} (connection refused)`, { cause: e });
  if (/ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL/.test(text)) return new NetError('unreachable', `${prefix}: the host cannot be reached (${err.message})`, { cause: e });
  const all = [err, ...((err as { errors?: unknown[] })?.errors ?? [])] as Array<Error | undefined>;
  if (all.some(x => x?.name === 'ClusterKeyMismatch')) {
    return new NetError('cluster-key', `${prefix}: the cluster key does not match (or the peer is not a Cantor node)`, { cause: e });
  }
  if (/Can not dial self/i.test(text)) return new NetError('self', `${prefix}: that address is this node itself`, { cause: e });
  if (expected && /UnexpectedPeer|does not match|peer id/i.test(text)) {
    return new NetError('wrong-peer', `${prefix}: the node there is not ${expected}`, { cause: e });
  }
  if (/TimeoutError|AbortError|timed? ?out|aborted/i.test(text)) {
    return new NetError('timeout', stage === 'connect'
      ? `${prefix}: no Cantor handshake within ${timeoutMs} ms`
      : `${prefix}: the encrypted handshake did not finish within ${timeoutMs} ms`, { cause: e });
  }
  return new NetError('cluster-key', `${prefix}: the cluster key does not match (or the peer is not a Cantor node)`, { cause: e });
}
