// Capability tokens: signed claims that a request carries to say what its sender may do
// (roles) and for whom (tenant). They are NOT the cluster token: the cluster token is a shared
// secret that admits a machine to the private network (net.ts, clusterKey); a capability
// token is public-key signed, issued by a node (or an admin key) and checked by every node
// against the keys it trusts (its own at least).
//
// Encoding: `xcap1.<payload>.<signature>`, both parts base64url without padding. The payload
// is msgpack [1, issuer public key (32 bytes), roles, tenant, issued-at s, expires s | null];
// the signature is Ed25519 over the domain string `cantor-capability-v1\0` followed by the
// payload bytes, so no other signed message of the same key can pass for a token.
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { Packr, Unpackr } from 'msgpackr';
import { peerIdFromString, peerIdFromPublicKey } from '@libp2p/peer-id';
import { publicKeyFromRaw } from '@libp2p/crypto/keys';
import type { PeerId, PrivateKey, PublicKey } from '@libp2p/interface';

export type Role = 'admin' | 'submit' | 'read';
export const ROLES: readonly Role[] = ['admin', 'submit', 'read'];

export interface TokenClaims {
  roles: Role[];
  tenant: string;
  /** Peer id of the key that signed the token. */
  issuer: string;
  /** Seconds since the epoch. */
  issuedAt: number;
  /** Seconds since the epoch; undefined = never. */
  expires: number | undefined;
}

export interface TokenRequest {
  roles: Role[];
  tenant: string;
  /** When the token stops being valid: a Date or milliseconds since the epoch. */
  expires?: Date | number;
}

export type TokenErrorCode = 'malformed' | 'untrusted' | 'bad-signature' | 'expired' | 'invalid-claims';

export class TokenError extends Error {
  override name = 'TokenError';
  constructor(readonly code: TokenErrorCode, message: string) { super(message); }
}

/** A key the verifier trusts: a libp2p public key, a peer id, or a peer id string. */
export type TrustedKey = PublicKey | PeerId | string;

const PREFIX = 'xcap1.';
const DOMAIN = Buffer.from('cantor-capability-v1\0');
const MAX_TOKEN_LENGTH = 4096;
const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

const signingKeys = new WeakMap<PrivateKey, { key: KeyObject; publicRaw: Uint8Array }>();

function signingKeyOf(key: PrivateKey): { key: KeyObject; publicRaw: Uint8Array } {
  let k = signingKeys.get(key);
  if (!k) {
    if (key.type !== 'Ed25519') throw new TokenError('invalid-claims', `capability tokens are signed with Ed25519 keys, not ${key.type}`);
    const publicRaw = key.publicKey.raw;
    const d = Buffer.from(key.raw.subarray(0, 32)).toString('base64url');
    const x = Buffer.from(publicRaw).toString('base64url');
    k = { key: createPrivateKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', d, x } }), publicRaw };
    signingKeys.set(key, k);
  }
  return k;
}

function checkClaims(roles: unknown, tenant: unknown): void {
  if (!Array.isArray(roles) || roles.length === 0 || !roles.every(r => (ROLES as unknown[]).includes(r))) {
    throw new TokenError('invalid-claims', `roles must be a non-empty list of ${ROLES.join(', ')}`);
  }
  if (typeof tenant !== 'string' || tenant.length === 0 || tenant.length > 256) {
    throw new TokenError('invalid-claims', 'the tenant must be a string of 1 to 256 characters');
  }
}

/** Issues a token signed by `signingKey` (an Ed25519 libp2p private key, e.g. the node's identity). */
export function issueToken(req: TokenRequest, signingKey: PrivateKey, now: number = Date.now()): string {
  checkClaims(req.roles, req.tenant);
  const expires = req.expires === undefined ? null : Math.floor((req.expires instanceof Date ? req.expires.getTime() : req.expires) / 1000);
  if (expires !== null && !Number.isFinite(expires)) throw new TokenError('invalid-claims', 'expires must be a valid time');
  const { key, publicRaw } = signingKeyOf(signingKey);
  const payload = packr.pack([1, publicRaw, [...new Set(req.roles)], req.tenant, Math.floor(now / 1000), expires]);
  const sig = sign(null, Buffer.concat([DOMAIN, payload]), key);
  return `${PREFIX}${Buffer.from(payload).toString('base64url')}.${sig.toString('base64url')}`;
}

/**
 * Verifies a token against the trusted keys and returns its claims, or throws a TokenError
 * saying why not (malformed, signed by an untrusted key, bad signature, expired).
 */
export function verifyToken(token: string, trusted: Iterable<TrustedKey> | TrustedKeys, now: number = Date.now()): TokenClaims {
  const keys = trusted instanceof TrustedKeys ? trusted : new TrustedKeys(trusted);
  if (typeof token !== 'string' || !token.startsWith(PREFIX) || token.length > MAX_TOKEN_LENGTH) {
    throw new TokenError('malformed', 'not a Cantor capability token (expected xcap1.<payload>.<signature>)');
  }
  const dot = token.indexOf('.', PREFIX.length);
  if (dot < 0 || token.indexOf('.', dot + 1) >= 0) throw new TokenError('malformed', 'a capability token has exactly two parts after xcap1.');
  const payload = Buffer.from(token.slice(PREFIX.length, dot), 'base64url');
  const sig = Buffer.from(token.slice(dot + 1), 'base64url');
  let fields: unknown;
  try {
    fields = unpackr.unpack(payload);
  } catch {
    throw new TokenError('malformed', 'the capability token payload is not readable');
  }
  if (!Array.isArray(fields) || fields.length !== 6 || fields[0] !== 1 || !(fields[1] instanceof Uint8Array) || fields[1].length !== 32
    || typeof fields[4] !== 'number' || (fields[5] !== null && typeof fields[5] !== 'number')) {
    throw new TokenError('malformed', 'the capability token payload has the wrong shape (or a newer version)');
  }
  const [, issuerRaw, roles, tenant, issuedAt, expires] = fields as [number, Uint8Array, Role[], string, number, number | null];
  const issuerKey = keys.get(issuerRaw);
  if (!issuerKey) throw new TokenError('untrusted', `the capability token was signed by ${issuerId(issuerRaw)}, a key this node does not trust`);
  if (sig.length !== 64 || !verify(null, Buffer.concat([DOMAIN, payload]), issuerKey, sig)) {
    throw new TokenError('bad-signature', 'the capability token signature is not valid (the token was altered)');
  }
  checkClaims(roles, tenant);
  if (expires !== null && now / 1000 >= expires) {
    throw new TokenError('expired', `the capability token expired at ${new Date(expires * 1000).toISOString()}`);
  }
  return { roles, tenant, issuer: issuerId(issuerRaw), issuedAt, expires: expires ?? undefined };
}

function issuerId(raw: Uint8Array): string {
  try {
    return peerIdFromPublicKey(publicKeyFromRaw(raw)).toString();
  } catch {
    return 'an unreadable key';
  }
}

function rawOf(k: TrustedKey): Uint8Array {
  if (typeof k === 'string') k = peerIdFromString(k);
  const pub = 'raw' in k ? k : k.publicKey;
  if (!pub || pub.type !== 'Ed25519') throw new TokenError('invalid-claims', 'trusted keys must be Ed25519 keys (or their peer ids)');
  return pub.raw;
}

/** A set of trusted Ed25519 public keys, prepared once for fast verification. */
export class TrustedKeys {
  private readonly keys = new Map<string, KeyObject>();
  constructor(keys: Iterable<TrustedKey> = []) { for (const k of keys) this.add(k); }
  add(k: TrustedKey): void {
    const raw = rawOf(k);
    const hex = Buffer.from(raw).toString('hex');
    if (!this.keys.has(hex)) {
      this.keys.set(hex, createPublicKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') } }));
    }
  }
  delete(k: TrustedKey): void { this.keys.delete(Buffer.from(rawOf(k)).toString('hex')); }
  get(raw: Uint8Array): KeyObject | undefined { return this.keys.get(Buffer.from(raw).toString('hex')); }
  get size(): number { return this.keys.size; }
}

/**
 * Verifies tokens with a bounded cache of recent successes, so a busy node checks each
 * distinct token's signature once, not once per request. Expiry is still checked every time.
 */
export class TokenVerifier {
  private readonly trusted: TrustedKeys;
  private readonly cache = new Map<string, TokenClaims>();
  constructor(trusted: Iterable<TrustedKey> = [], private readonly cacheSize = 1024) {
    this.trusted = new TrustedKeys(trusted);
  }
  trust(k: TrustedKey): void { this.trusted.add(k); }
  /** Stops trusting a key; tokens it signed fail from now on. */
  untrust(k: TrustedKey): void { this.trusted.delete(k); this.cache.clear(); }
  verify(token: string, now: number = Date.now()): TokenClaims {
    const hit = this.cache.get(token);
    if (hit) {
      if (hit.expires !== undefined && now / 1000 >= hit.expires) {
        this.cache.delete(token);
        throw new TokenError('expired', `the capability token expired at ${new Date(hit.expires * 1000).toISOString()}`);
      }
      return hit;
    }
    const claims = Object.freeze(verifyToken(token, this.trusted, now));
    if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(token, claims);
    return claims;
  }
}
