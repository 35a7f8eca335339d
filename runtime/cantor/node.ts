// A Cantor node's local state: its identity (a libp2p Ed25519 key kept in the data directory,
// so the node id survives restarts), its durable store and its ledger entry. `xlang run`
// opens one lazily in-process the first time a script uses `cantor` (data directory .xlang/
// in the working directory, or XLANG_DATA_DIR, which --data-dir and --ephemeral set); every
// isolate of the process (the script's and the task workers') opens the same store.
import { join, resolve } from 'node:path';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import type { PrivateKey } from '@libp2p/interface';
import { loadOrCreateIdentity } from './identity.js';
import { Store } from './store.js';
import { Ledger } from './ledger.js';
import { NodeLog } from './logs.js';
import { Metrics } from './metrics.js';

/** Where the local node keeps its data: XLANG_DATA_DIR, else .xlang/ in the working directory. */
export function defaultDataDir(): string {
  return resolve(process.env.XLANG_DATA_DIR || join(process.cwd(), '.xlang'));
}

export class LocalNode {
  readonly nodeId: string;
  /** The node's libp2p key: its id, and what signs the capability tokens it issues. */
  readonly identity: PrivateKey;
  readonly store: Store;
  readonly ledger: Ledger;
  /**
   * Whether a remote client (by peer id) is still there; set by the daemon that serves this
   * node. State a client holds on the node (units it took) ends with it.
   */
  clientAlive: ((peerId: string) => boolean) | null = null;
  private nodeLog: NodeLog | null = null;
  private nodeMetrics: Metrics | null = null;

  constructor(readonly dataDir: string, opts: { resources?: string; identity?: PrivateKey } = {}) {
    this.identity = opts.identity ?? loadOrCreateIdentity(dataDir);
    this.nodeId = peerIdFromPrivateKey(this.identity).toString();
    this.store = new Store(dataDir);
    this.ledger = new Ledger(this.nodeId, { spec: opts.resources ?? process.env.XLANG_RESOURCES ?? '' });
  }

  /** The node's log (logs/node.log), created on first write. */
  get log(): NodeLog {
    return (this.nodeLog ??= new NodeLog(this.dataDir, this.nodeId));
  }

  /** The node's metrics (in memory: counters start again when the node restarts). */
  get metrics(): Metrics {
    return (this.nodeMetrics ??= new Metrics('cantor_', () => this.ledger.quantities.GPU ?? 0));
  }

  close(): void { this.store.close(); }
}
