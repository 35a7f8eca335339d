// A node's metrics: user metrics (counters, gauges, histograms with labels) that scripts and
// remote clients record, the node's own request metrics, and system metrics read when someone
// looks (CPU time, memory, load, GPUs). `text()` renders all of them in the Prometheus text
// exposition format (version 0.0.4), which `serveMetrics` publishes over HTTP.
//
// Names and labels come from untrusted callers, so they are checked (Prometheus' grammar) and
// bounded (families and series per family), and label values are escaped on output.
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { cpus, freemem, totalmem, loadavg } from 'node:os';

// node:http through require, not `import`: an ES import of a builtin reads every export, and
// http's lazy WebSocket/MessageEvent getters then load Node's bundled undici (a 750 KB source
// kept in the heap): 13 MiB more resident memory for every node, metrics port or not.
const { createServer } = createRequire(import.meta.url)('node:http') as typeof import('node:http');

export type MetricKind = 'counter' | 'gauge' | 'histogram';

/** A bad name, label or value: callers see it as ValueError. */
export class MetricsError extends Error {}

/** Prometheus' default histogram buckets (seconds-shaped; callers may give their own). */
export const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]{0,199}$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]{0,99}$/;
const MAX_FAMILIES = 2000;
const MAX_SERIES = 1000;
const MAX_LABELS = 16;
const MAX_LABEL_VALUE = 1024;

interface Series {
  labels: Record<string, string>;
  value: number;
  /** histogram only: cumulative counts per bucket bound, the sum and the count */
  counts?: number[];
  sum?: number;
}

interface Family { name: string; kind: MetricKind; help: string; bounds: number[] | null; series: Map<string, Series> }

/** One series as read back: its labels and value (histograms: count, sum and buckets). */
export interface SeriesReading {
  labels: Record<string, string>;
  value: number;
  sum?: number;
  buckets?: Array<[number, number]>;
}

export interface FamilyReading { name: string; kind: MetricKind; help: string; series: SeriesReading[] }

function checkLabels(labels: unknown): Record<string, string> {
  if (labels === undefined || labels === null) return {};
  if (typeof labels !== 'object' || Array.isArray(labels)) throw new MetricsError('labels must be a dict of str -> str');
  const out: Record<string, string> = {};
  const entries = Object.entries(labels as Record<string, unknown>);
  if (entries.length > MAX_LABELS) throw new MetricsError(`a metric takes at most ${MAX_LABELS} labels`);
  for (const [k, v] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!LABEL_NAME.test(k) || k.startsWith('__')) throw new MetricsError(`'${k.slice(0, 80)}' is not a label name (letters, digits and _, not starting with a digit or __)`);
    if (k === 'le') throw new MetricsError("'le' is reserved for histogram buckets");
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new MetricsError(`label '${k}' must be a str, int or bool`);
    const s = String(v);
    if (s.length > MAX_LABEL_VALUE) throw new MetricsError(`label '${k}' is longer than ${MAX_LABEL_VALUE} characters`);
    out[k] = s;
  }
  return out;
}

function checkNumber(v: unknown, what: string): number {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new MetricsError(`${what} must be a number`);
  return v;
}

const escapeLabel = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const fmtNum = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v));
const labelText = (labels: Record<string, string>, extra?: [string, string]) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};

export class Metrics {
  private readonly families = new Map<string, Family>();
  private readonly started = Date.now();
  private readonly cpuAtStart = process.cpuUsage();

  /**
   * @param reserved a name prefix only the node itself may use (its own metrics), so a user
   *   metric can never shadow or corrupt one
   * @param gpus reads the number of GPUs (asked only when metrics are read)
   */
  constructor(private readonly reserved = 'cantor_', private readonly gpus: () => number = () => 0) {}

  private family(name: unknown, kind: MetricKind, help: unknown, bounds: number[] | null, internal: boolean): Family {
    if (typeof name !== 'string' || !METRIC_NAME.test(name)) throw new MetricsError(`'${String(name).slice(0, 80)}' is not a metric name (letters, digits, _ and :, not starting with a digit)`);
    if (!internal && name.startsWith(this.reserved)) throw new MetricsError(`metric names starting with '${this.reserved}' are the node's own`);
    let f = this.families.get(name);
    if (f) {
      if (f.kind !== kind) throw new MetricsError(`metric '${name}' is a ${f.kind}, not a ${kind}`);
      return f;
    }
    if (this.families.size >= MAX_FAMILIES) throw new MetricsError(`this node already holds ${MAX_FAMILIES} metrics`);
    if (help !== undefined && help !== null && typeof help !== 'string') throw new MetricsError('help must be a str');
    f = { name, kind, help: typeof help === 'string' ? help.slice(0, 1000) : '', bounds, series: new Map() };
    this.families.set(name, f);
    return f;
  }

  private series(f: Family, labels: unknown): Series {
    const l = checkLabels(labels);
    const key = JSON.stringify(l);
    let s = f.series.get(key);
    if (!s) {
      if (f.series.size >= MAX_SERIES) throw new MetricsError(`metric '${f.name}' already has ${MAX_SERIES} label combinations`);
      s = { labels: l, value: 0 };
      if (f.bounds) { s.counts = new Array<number>(f.bounds.length).fill(0); s.sum = 0; }
      f.series.set(key, s);
    }
    return s;
  }

  /** Adds `amount` (>= 0) to a counter; returns the new value. */
  inc(name: unknown, amount: unknown = 1, labels?: unknown, help?: unknown, internal = false): number {
    const a = checkNumber(amount, 'a counter increment');
    if (a < 0) throw new MetricsError(`a counter only goes up (increment ${a}); use a gauge`);
    const s = this.series(this.family(name, 'counter', help, null, internal), labels);
    return (s.value += a);
  }

  /** Sets a gauge. */
  set(name: unknown, value: unknown, labels?: unknown, help?: unknown, internal = false): number {
    const v = checkNumber(value, 'a gauge value');
    return (this.series(this.family(name, 'gauge', help, null, internal), labels).value = v);
  }

  /** Adds `delta` (any sign) to a gauge. */
  add(name: unknown, delta: unknown, labels?: unknown, help?: unknown, internal = false): number {
    const d = checkNumber(delta, 'a gauge change');
    return (this.series(this.family(name, 'gauge', help, null, internal), labels).value += d);
  }

  /** Records one observation in a histogram (its buckets are fixed by its first use). */
  observe(name: unknown, value: unknown, labels?: unknown, buckets?: unknown, help?: unknown, internal = false): number {
    const v = checkNumber(value, 'an observation');
    let bounds: number[] = DEFAULT_BUCKETS;
    if (buckets !== undefined && buckets !== null) {
      if (!Array.isArray(buckets) || buckets.length === 0 || buckets.length > 64) throw new MetricsError('buckets must be a list of 1 to 64 increasing numbers');
      bounds = buckets.map(b => checkNumber(b, 'a bucket bound'));
      for (let i = 1; i < bounds.length; i++) if (!(bounds[i]! > bounds[i - 1]!)) throw new MetricsError('buckets must be increasing');
    }
    const f = this.family(name, 'histogram', help, bounds, internal);
    const s = this.series(f, labels);
    f.bounds!.forEach((b, i) => { if (v <= b) s.counts![i]!++; });
    s.sum! += v;
    return ++s.value;
  }

  /** The families (all, or the one named) with their series. */
  read(name?: string): FamilyReading[] {
    const out: FamilyReading[] = [];
    for (const f of this.families.values()) {
      if (name !== undefined && f.name !== name) continue;
      out.push({
        name: f.name, kind: f.kind, help: f.help,
        series: [...f.series.values()].map(s => (f.bounds
          ? { labels: s.labels, value: s.value, sum: s.sum!, buckets: f.bounds.map((b, i) => [b, s.counts![i]!] as [number, number]) }
          : { labels: s.labels, value: s.value })),
      });
    }
    return out;
  }

  /** The system metrics, read now. */
  private system(): Array<[string, MetricKind, string, number]> {
    const cpu = process.cpuUsage(this.cpuAtStart);
    const mem = process.memoryUsage();
    return [
      ['cantor_process_cpu_seconds_total', 'counter', 'CPU time this node process has used', (cpu.user + cpu.system) / 1e6],
      ['cantor_process_resident_memory_bytes', 'gauge', 'resident memory of this node process', mem.rss],
      ['cantor_process_heap_used_bytes', 'gauge', 'V8 heap in use', mem.heapUsed],
      ['cantor_node_uptime_seconds', 'gauge', 'seconds since this node started', (Date.now() - this.started) / 1000],
      ['cantor_system_cpus', 'gauge', 'logical CPUs of the machine', cpus().length],
      ['cantor_system_load1', 'gauge', 'one-minute load average of the machine', loadavg()[0]!],
      ['cantor_system_memory_total_bytes', 'gauge', 'memory of the machine', totalmem()],
      ['cantor_system_memory_free_bytes', 'gauge', 'free memory of the machine', freemem()],
      ['cantor_system_gpus', 'gauge', 'GPUs nvidia-smi reports', this.gpus()],
    ];
  }

  /** Everything, in the Prometheus text format. */
  text(): string {
    let out = '';
    for (const [name, kind, help, v] of this.system()) out += `# HELP ${name} ${help}\n# TYPE ${name} ${kind}\n${name} ${fmtNum(v)}\n`;
    for (const f of this.families.values()) {
      if (f.help) out += `# HELP ${f.name} ${escapeHelp(f.help)}\n`;
      out += `# TYPE ${f.name} ${f.kind}\n`;
      for (const s of f.series.values()) {
        if (!f.bounds) { out += `${f.name}${labelText(s.labels)} ${fmtNum(s.value)}\n`; continue; }
        f.bounds.forEach((b, i) => { out += `${f.name}_bucket${labelText(s.labels, ['le', fmtNum(b)])} ${s.counts![i]}\n`; });
        out += `${f.name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${s.value}\n`;
        out += `${f.name}_sum${labelText(s.labels)} ${fmtNum(s.sum!)}\n${f.name}_count${labelText(s.labels)} ${s.value}\n`;
      }
    }
    return out;
  }
}

/**
 * Serves `GET /metrics` in the Prometheus text format on host:port (port 0 picks one).
 * Resolves once listening, with the address to scrape.
 */
export function serveMetrics(metrics: Metrics, host: string, port: number): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405, { allow: 'GET' }).end(); return; }
    if ((req.url ?? '').split('?')[0] !== '/metrics') { res.writeHead(404, { 'content-type': 'text/plain' }).end('only /metrics is served here\n'); return; }
    const body = metrics.text();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', e => reject(new MetricsError(`cannot serve metrics on ${host}:${port}: ${e.message}`)));
    server.listen(port, host, () => {
      const a = server.address() as { address: string; port: number };
      const h = a.address.includes(':') ? `[${a.address}]` : a.address;
      resolve({ server, url: `http://${h}:${a.port}/metrics` });
    });
  });
}
