// A Cantor node's local state: its identity (a libp2p Ed25519 key kept in the data directory,
// so the node id survives restarts), its durable store and its ledger entry. `xlang run`
// opens one lazily in-process the first time a script uses `cantor` (data directory .xlang/
// in the working directory, or XLANG_DATA_DIR, which --data-dir and --ephemeral set); every
// isolate of the process (the script's and the task workers') opens the same store.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { privateKeyFromProtobuf, privateKeyToProtobuf, privateKeyFromRaw } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import type { PrivateKey } from '@libp2p/interface';
import { Store } from './store.js';
import { Ledger } from './ledger.js';

export const IDENTITY_FILE = 'identity.key';

export class IdentityError extends Error {}

/** The node's private key from `<dir>/identity.key`, created (mode 0600) when absent. */
export function loadOrCreateIdentity(dir: string): PrivateKey {
  const file = join(dir, IDENTITY_FILE);
  if (existsSync(file)) {
    try {
      return privateKeyFromProtobuf(readFileSync(file));
    } catch (e) {
      // never replace it silently: the node's identity (and what peers trust) would change
      throw new IdentityError(`the node identity file ${file} is damaged (${(e as Error).message}); restore it, or delete it to give this node a new identity`);
    }
  }
  mkdirSync(dir, { recursive: true });
  const { privateKey } = generateKeyPairSync('ed25519');
  const key = privateKeyFromRaw(rawEd25519(privateKey));
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, privateKeyToProtobuf(key), { mode: 0o600 });
  renameSync(tmp, file);
  return key;
}

/** libp2p's raw Ed25519 private key: the 32-byte seed followed by the 32-byte public key. */
function rawEd25519(k: KeyObject): Uint8Array {
  const jwk = k.export({ format: 'jwk' }) as { d: string; x: string };
  return new Uint8Array([...Buffer.from(jwk.d, 'base64url'), ...Buffer.from(jwk.x, 'base64url')]);
}

/** Where the local node keeps its data: XLANG_DATA_DIR, else .xlang/ in the working directory. */
export function defaultDataDir(): string {
  return resolve(process.env.XLANG_DATA_DIR || join(process.cwd(), '.xlang'));
}

export class LocalNode {
  readonly nodeId: string;
  readonly store: Store;
  readonly ledger: Ledger;

  constructor(readonly dataDir: string, opts: { resources?: string; identity?: PrivateKey } = {}) {
    const key = opts.identity ?? loadOrCreateIdentity(dataDir);
    this.nodeId = peerIdFromPrivateKey(key).toString();
    this.store = new Store(dataDir);
    this.ledger = new Ledger(this.nodeId, { spec: opts.resources ?? process.env.XLANG_RESOURCES ?? '' });
  }

  close(): void { this.store.close(); }
}
