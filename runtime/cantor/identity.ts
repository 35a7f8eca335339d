// A node's identity: its libp2p Ed25519 private key in `<dataDir>/identity.key`, so its node
// id (the peer id) survives restarts. Kept apart from net.ts so that the embedded node gets its
// id without loading the libp2p stack.
import { mkdirSync, readFileSync, writeFileSync, linkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { privateKeyFromProtobuf, privateKeyFromRaw, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';

export const IDENTITY_FILE = 'identity.key';

/** Invalid identity file, bad option values: configuration a user must fix. */
export class ConfigError extends Error { override name = 'ConfigError'; }

// ---------------------------------------------------------------------------------------------
// Identity and cluster key

/** A fresh Ed25519 libp2p private key. */
export function generateIdentity(): PrivateKey {
  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as { d: string; x: string };
  // libp2p's raw Ed25519 private key is the 32-byte seed followed by the 32-byte public key.
  return privateKeyFromRaw(Buffer.concat([Buffer.from(jwk.d, 'base64url'), Buffer.from(jwk.x, 'base64url')]));
}

/**
 * The node's persistent identity: `<dataDir>/identity.key` (libp2p protobuf encoding, mode
 * 0600), created on first use. A file that exists but does not hold an Ed25519 key is an
 * error naming the file; it is never replaced.
 */
export function loadOrCreateIdentity(dataDir: string): PrivateKey {
  const file = join(dataDir, IDENTITY_FILE);
  const existing = readIdentity(file);
  if (existing) return existing;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = generateIdentity();
  // Write a private temporary file, then link it into place: link fails if another process
  // created the identity meanwhile, in which case that one wins and is read back. The temporary
  // name is random: worker isolates of one process share its pid and may race in one millisecond.
  const tmp = `${file}.${process.pid}.${randomBytes(8).toString('hex')}.tmp`;
  writeFileSync(tmp, privateKeyToProtobuf(key), { mode: 0o600, flag: 'wx' });
  try {
    linkSync(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return readIdentity(file)!;
  } finally {
    unlinkSync(tmp);
  }
  return key;
}

function readIdentity(file: string): PrivateKey | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read the node identity ${file}: ${(e as Error).message}`);
  }
  let key: PrivateKey;
  try {
    key = privateKeyFromProtobuf(bytes);
  } catch {
    throw new ConfigError(`the node identity file ${file} is corrupt (not a libp2p private key); ` +
      'restore it from a backup, or move it away to give this node a new identity');
  }
  if (key.type !== 'Ed25519') {
    throw new ConfigError(`the node identity file ${file} holds a ${key.type} key; Cantor nodes use Ed25519 keys`);
  }
  return key;
}

