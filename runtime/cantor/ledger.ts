// This node's entry in the Global Resource Ledger: quantity resources (cpu slots, memory in
// MB, GPUs, user-defined counts), condition attributes (zone, arch...), live load, and the
// reservations of the tasks running here. Quantities are consumed while a task holds them;
// requirements are checked against the free amounts (expr.ts says how).
import { availableParallelism, totalmem, freemem, loadavg, arch, platform } from 'node:os';
import { execFileSync } from 'node:child_process';
import { parseRequirement, satisfies, explainUnmet, type Expr, type Value, type Resources } from './expr.js';

export interface LedgerSnapshot {
  nodeId: string;
  version: number;
  /** total capacity */
  quantities: Record<string, number>;
  /** capacity minus reservations */
  free: Record<string, number>;
  attributes: Record<string, Value>;
  load: { cpu: number; memoryFreeMB: number; running: number };
}

export class ResourceSpecError extends Error {}

/**
 * Parses `--resources "GPU=1,USBCamera=1,zone=edge"`: numeric values are quantities (counts),
 * other values are attributes (quotes optional). Errors name the item.
 */
export function parseResourceSpec(spec: string): { quantities: Record<string, number>; attributes: Record<string, Value> } {
  const quantities: Record<string, number> = {};
  const attributes: Record<string, Value> = {};
  for (const raw of spec.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const m = item.match(/^([A-Za-z_][\w.\-]*)\s*=\s*(.*)$/);
    if (!m) throw new ResourceSpecError(`invalid resource '${item}': write name=value, for example GPU=1 or zone=edge`);
    const [, name, value] = m as unknown as [string, string, string];
    if (value === '') throw new ResourceSpecError(`resource '${name}' has no value`);
    if (name in quantities || name in attributes) throw new ResourceSpecError(`resource '${name}' is given twice`);
    if (/^-?\d+(\.\d+)?$/.test(value)) {
      const n = Number(value);
      if (n < 0) throw new ResourceSpecError(`resource '${name}' cannot be negative (${value})`);
      quantities[name] = n;
    } else if (value === 'true' || value === 'false') attributes[name] = value === 'true';
    else attributes[name] = value.replace(/^(["'])(.*)\1$/, '$2');
  }
  return { quantities, attributes };
}

/** GPUs nvidia-smi reports (0 where there is no nvidia-smi or it fails). */
export function detectGPUs(): number {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8', timeout: 3000, stdio: ['ignore', 'pipe', 'ignore'] });
    return out.split('\n').filter(l => l.trim() !== '').length;
  } catch {
    return 0;
  }
}

/** Reserved quantities, released exactly once. */
export interface Reservation { readonly amounts: Record<string, number>; release(): void }

export class Ledger {
  readonly quantities: Record<string, number>;
  readonly attributes: Record<string, Value>;
  private readonly reserved: Record<string, number> = {};
  private running = 0;
  version = 0;

  constructor(readonly nodeId: string, opts: { spec?: string; detect?: boolean } = {}) {
    const user = parseResourceSpec(opts.spec ?? '');
    const detected: Record<string, number> = opts.detect === false ? {} : {
      cpu: availableParallelism(),
      memory: Math.floor(totalmem() / (1 << 20)),
      GPU: detectGPUs(),
    };
    // user-given values override detected ones (a node may offer fewer slots than cores)
    this.quantities = { ...detected, ...user.quantities };
    this.attributes = { arch: arch(), os: platform(), ...user.attributes };
  }

  free(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(this.quantities)) out[k] = v - (this.reserved[k] ?? 0);
    return out;
  }

  resources(useFree = true): Resources {
    return { quantities: useFree ? this.free() : { ...this.quantities }, attributes: this.attributes };
  }

  /** Whether this node could ever run it (against its capacity); the reasons when not. */
  canEverSatisfy(e: Expr): { ok: true } | { ok: false; unmet: string[] } {
    const r = this.resources(false);
    return satisfies(e, r) ? { ok: true } : { ok: false, unmet: explainUnmet(e, r) };
  }

  /** Reserves what `e` demands if the free resources satisfy it now, else null. */
  tryReserve(e: Expr): Reservation | null {
    const demand: Record<string, number> = {};
    if (!satisfies(e, this.resources(true), demand)) return null;
    for (const [k, v] of Object.entries(demand)) this.reserved[k] = (this.reserved[k] ?? 0) + v;
    this.running++;
    this.version++;
    let released = false;
    return {
      amounts: demand,
      release: () => {
        if (released) return;
        released = true;
        for (const [k, v] of Object.entries(demand)) this.reserved[k] = (this.reserved[k] ?? 0) - v;
        this.running--;
        this.version++;
      },
    };
  }

  /** Units of a quantity handed out one by one by index (takeUnit): name -> indices held here. */
  private readonly units: Record<string, Set<number>> = {};

  /**
   * Takes the first unit of quantity `name` (indices 0 .. capacity-1) that is neither held here
   * nor in `busy` (units held elsewhere: other isolates or processes on this node), and reserves
   * it: the free amount drops by one until releaseUnit. -1 when none is free, or when the node
   * has no quantity of that name. An attribute name is a ResourceSpecError (it has no units).
   */
  takeUnit(name: string, busy: ReadonlySet<number> = new Set()): number {
    if (!Object.prototype.hasOwnProperty.call(this.quantities, name)) {
      if (Object.prototype.hasOwnProperty.call(this.attributes, name)) throw new ResourceSpecError(`'${name}' is an attribute of this node, not a quantity: it has no units to take`);
      return -1;
    }
    if ((this.free()[name] ?? 0) < 1) return -1;
    const held = (this.units[name] ??= new Set());
    const capacity = Math.floor(this.quantities[name]!);
    for (let i = 0; i < capacity; i++) {
      if (held.has(i) || busy.has(i)) continue;
      held.add(i);
      this.reserved[name] = (this.reserved[name] ?? 0) + 1;
      this.version++;
      return i;
    }
    return -1;
  }

  /** Gives back a unit takeUnit handed out here; false when this ledger does not hold it. */
  releaseUnit(name: string, index: number): boolean {
    const held = this.units[name];
    if (!held?.delete(index)) return false;
    this.reserved[name] = (this.reserved[name] ?? 0) - 1;
    this.version++;
    return true;
  }

  /** The indices of `name` held here, ascending. */
  heldUnits(name: string): number[] {
    return [...(this.units[name] ?? [])].sort((a, b) => a - b);
  }

  snapshot(): LedgerSnapshot {
    return {
      nodeId: this.nodeId,
      version: this.version,
      quantities: { ...this.quantities },
      free: this.free(),
      attributes: { ...this.attributes },
      load: { cpu: loadavg()[0]!, memoryFreeMB: Math.floor(freemem() / (1 << 20)), running: this.running },
    };
  }
}

export { parseRequirement };
