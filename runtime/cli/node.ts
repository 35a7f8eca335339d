// `xlang node start|status|tasks|logs|stop|token`: run a long-lived Cantor node and talk to it.
//
// A command finds its node in one of two ways: `--connect ADDR` (with the cluster token and a
// capability token, as any remote client), or the data directory (default .xlang/, or
// --data-dir), whose node record says where the node listens; having the data directory means
// holding the node's key, so those commands sign themselves a short-lived admin token.
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { NodeStatus } from '../cantor/daemon.js';
import type { TaskInfo } from '../cantor/tasks.js';
import type { Role } from '../cantor/tokens.js';
import { secretFromEnv } from '../cantor/client.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

class CliError extends Error {
  constructor(message: string, readonly code = 2) { super(message); }
}

function fail(msg: string, code = 2): never { throw new CliError(msg, code); }

/** The data directory a command names (or .xlang/ in the working directory). */
function dataDirOf(opts: { dataDir?: string }): string {
  return resolve(opts.dataDir ?? process.env.XLANG_DATA_DIR ?? '.xlang');
}

/** A secret given as a file option, else from NAME / NAME_FILE in the environment. */
function secret(file: string | undefined, env: string): string | null {
  if (file !== undefined) {
    try { return readFileSync(file, 'utf8').trim(); } catch (e) { fail(`cannot read ${file}: ${(e as Error).message}`); }
  }
  return secretFromEnv(env);
}

interface Reach { dataDir?: string; connect?: string; tokenFile?: string; capFile?: string }

interface Target { addr: string; clusterToken: string; token: string; label: string }

/** Where a control command's node is, and the credentials to reach it. */
async function target(opts: Reach): Promise<Target> {
  if (opts.connect !== undefined) {
    const clusterToken = secret(opts.tokenFile, 'XLANG_CLUSTER_TOKEN') ?? fail(`--connect ${opts.connect} needs the cluster token: --token-file FILE or XLANG_CLUSTER_TOKEN`);
    const token = secret(opts.capFile, 'XLANG_TOKEN') ?? fail(`--connect ${opts.connect} needs a capability token: --cap-file FILE or XLANG_TOKEN (issue one with 'xlang node token' on the node)`);
    return { addr: opts.connect, clusterToken, token, label: opts.connect };
  }
  const dir = dataDirOf(opts);
  const { readNodeRecord, isAlive, localAdminToken } = await import('../cantor/daemon.js');
  const { loadOrCreateIdentity } = await import('../cantor/identity.js');
  const rec = readNodeRecord(dir);
  if (!rec || !isAlive(rec.pid)) fail(`no Cantor node runs with data directory ${dir} (start one with 'xlang node start --data-dir ${dir}', or name one with --connect ADDR)`, 1);
  if (!rec.addrs?.length) fail(`the node in ${dir} (pid ${rec.pid}) is still starting; try again`, 1);
  const clusterToken = opts.tokenFile !== undefined || !rec.clusterTokenFile
    ? secret(opts.tokenFile, 'XLANG_CLUSTER_TOKEN') ?? fail(`the node in ${dir} took its cluster token from the environment: give it with --token-file FILE or XLANG_CLUSTER_TOKEN`)
    : secret(rec.clusterTokenFile, 'XLANG_CLUSTER_TOKEN')!;
  const addr = rec.addrs.find(a => a.startsWith('/ip4/127.')) ?? rec.addrs[0]!;
  return { addr, clusterToken, token: localAdminToken(loadOrCreateIdentity(dir)), label: `${dir} (pid ${rec.pid})` };
}

/** Runs one request against the target node and closes the connection. */
async function request(t: Target, method: string, args: unknown[] = []): Promise<any> {
  const { Peer, generateIdentity, NetError, RemoteError } = await import('../cantor/net.js');
  const peer = await Peer.start({ privateKey: generateIdentity(), clusterToken: t.clusterToken, token: t.token });
  try {
    const id = await peer.connect(t.addr);
    return await peer.request(id, method, args, { timeoutMs: 15_000 });
  } catch (e) {
    if (e instanceof RemoteError) fail(`the node refused '${method}': ${e.type}: ${e.message}`, 1);
    if (e instanceof NetError) fail(`cannot reach the node at ${t.label}: ${e.message}`, 1);
    throw e;
  } finally {
    await peer.stop();
  }
}

const fmtBytes = (n: number) => (n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(1)} GiB` : `${(n / (1 << 20)).toFixed(1)} MiB`);
const fmtDuration = (s: number) => (s < 120 ? `${s.toFixed(0)} s` : s < 7200 ? `${(s / 60).toFixed(0)} min` : `${(s / 3600).toFixed(1)} h`);

function printStatus(s: NodeStatus): void {
  const q = s.resources.quantities, f = s.resources.free;
  const lines = [
    `node      ${s.nodeId}`,
    `pid       ${s.pid}, up ${fmtDuration(s.uptimeS)}, ${fmtBytes(s.rssBytes)} resident`,
    `idle      ${s.idleRelease.releases ? `memory given back ${s.idleRelease.releases} times, last ${fmtBytes(s.idleRelease.rssBeforeBytes)} -> ${fmtBytes(s.idleRelease.rssAfterBytes)}` : 'memory not given back yet (it is once no request has come for a while)'}`,
    `data dir  ${s.dataDir}`,
    ...s.addrs.map((a, i) => `${i ? '          ' : 'listening '}${a}`),
    `metrics   ${s.metricsUrl ?? '(not served: start with --metrics-port)'}`,
    `resources ${Object.keys(q).map(k => `${k} ${f[k]}/${q[k]}`).join(', ')}`,
    `attributes ${Object.entries(s.resources.attributes).map(([k, v]) => `${k}=${v}`).join(', ')}`,
    `load      cpu ${s.resources.load.cpu.toFixed(2)}, ${s.resources.load.memoryFreeMB} MB free, ${s.resources.load.running} running`,
    `requests  ${s.requests.served} served, ${s.requests.refused} refused, ${s.requests.protocolErrors} protocol errors, ${s.requests.waitingPops} waiting pops`,
    `tasks     ${s.tasks.queued} queued, ${s.tasks.running} running, ${s.tasks.finished} finished recently, ${s.tasks.workers} workers`,
    `links     ${s.links.length ? s.links.map(l => `${l.peerId.slice(-8)} ${l.direction}${l.rtt !== undefined ? ` ${l.rtt} ms` : ''}`).join(', ') : 'none'}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

/** Milliseconds as a short human duration. */
const fmtMs = (ms: number) => (ms < 1000 ? `${ms.toFixed(ms < 10 ? 1 : 0)} ms` : fmtDuration(ms / 1000));

function printTasks(rows: TaskInfo[]): void {
  if (!rows.length) { process.stdout.write('no tasks\n'); return; }
  const now = Date.now();
  const table = [['ID', 'STATE', 'NAME', 'TENANT', 'WORKER', 'WAITED', 'RAN', 'AGE', 'CLIENT', 'RESOURCES']];
  for (const t of rows) {
    const started = t.startedAt;
    table.push([
      String(t.id), t.state, t.name, t.tenant, t.worker === null ? '-' : String(t.worker),
      fmtMs((started ?? t.endedAt ?? now) - t.submittedAt), started === null ? '-' : fmtMs((t.endedAt ?? now) - started),
      fmtMs(now - t.submittedAt), t.client.slice(-8), t.resources,
    ]);
  }
  const widths = table[0]!.map((_, i) => Math.max(...table.map(r => r[i]!.length)));
  process.stdout.write(table.map(r => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n');
  const failed = rows.filter(t => t.error && t.state !== 'done');
  for (const t of failed) process.stdout.write(`  task ${t.id}: ${t.error}\n`);
}

function parseTtl(v: string): number {
  const m = /^(\d+)(s|m|h|d)?$/.exec(v);
  if (!m) fail(`--ttl takes a duration such as 3600, 90m, 12h or 30d, not '${v}'`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's') as 's']! * 1000;
}

/** Wraps an action so CLI errors print one line and exit with their code. */
function action<A extends unknown[]>(f: (...a: A) => Promise<void>): (...a: A) => Promise<void> {
  return async (...a: A) => {
    try {
      await f(...a);
    } catch (e) {
      const { ConfigError } = await import('../cantor/identity.js');
      if (e instanceof CliError || e instanceof ConfigError) {
        process.stderr.write(`xlang node: ${e.message}\n`);
        process.exit(e instanceof CliError ? e.code : 2);
      }
      throw e;
    }
  };
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function addNodeCommands(program: Command): void {
  const node = program.command('node').description('run a long-lived Cantor node, and talk to one');
  const reach = (c: Command) => c
    .option('--data-dir <dir>', "the node's data directory (default .xlang/)")
    .option('--connect <addr>', 'a node elsewhere: host:port or a multiaddr')
    .option('--token-file <file>', 'the cluster token (with --connect; else the node record says)')
    .option('--cap-file <file>', 'a capability token (with --connect)');

  node.command('start')
    .description('run a node in the foreground until stopped (SIGINT, SIGTERM or `xlang node stop`)')
    .option('--listen <addr>', 'host:port or multiaddr to listen on; repeatable (default 127.0.0.1:7878)', collect, [])
    .option('--data-dir <dir>', 'where the node keeps its key, store and logs (default .xlang/)')
    .option('--resources <spec>', 'resources this node offers, e.g. "GPU=1,USBCamera=1,zone=edge"')
    .option('--token-file <file>', 'the cluster token (default: <data-dir>/cluster.token, created if missing)')
    .option('--metrics-port <port>', 'serve Prometheus metrics on this HTTP port (0 picks one)')
    .option('--metrics-host <host>', 'the address the metrics endpoint binds (default 127.0.0.1)', '127.0.0.1')
    .action(action(async (opts: { listen: string[]; dataDir?: string; resources?: string; tokenFile?: string; metricsPort?: string; metricsHost: string }) => {
      const { NodeDaemon } = await import('../cantor/daemon.js');
      const { ResourceSpecError } = await import('../cantor/ledger.js');
      const dataDir = dataDirOf(opts);
      let metrics: { host: string; port: number } | null = null;
      if (opts.metricsPort !== undefined) {
        const port = /^\d+$/.test(opts.metricsPort) ? Number(opts.metricsPort) : NaN;
        if (!(port >= 0 && port <= 65535)) fail(`--metrics-port must be a port number from 0 to 65535, not '${opts.metricsPort}'`);
        metrics = { host: opts.metricsHost, port };
      }
      const given = opts.tokenFile !== undefined ? secret(opts.tokenFile, 'XLANG_CLUSTER_TOKEN') : secretFromEnv('XLANG_CLUSTER_TOKEN');
      if (given !== null && given.length < 16) fail('the cluster token must be at least 16 characters');
      let daemon: import('../cantor/daemon.js').NodeDaemon;
      try {
        daemon = await NodeDaemon.start({
          dataDir, listen: opts.listen.length ? opts.listen : ['127.0.0.1:7878'], resources: opts.resources, metrics,
          clusterToken: given === null ? null : { token: given, file: opts.tokenFile !== undefined ? resolve(opts.tokenFile) : process.env.XLANG_CLUSTER_TOKEN_FILE ?? null },
        });
      } catch (e) {
        if (e instanceof ResourceSpecError) fail(`--resources: ${e.message}`);
        throw e;
      }
      const s = daemon.status();
      // one write: whoever reads the banner sees all of it at once
      process.stdout.write(`cantor node ${s.nodeId} (pid ${s.pid})\n${s.addrs.map(a => `  listening on ${a}\n`).join('')}${s.metricsUrl ? `  metrics at ${s.metricsUrl}\n` : ''}  data dir ${dataDir}\n`);
      const stop = () => void daemon.stop();
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      await daemon.stopped;
      process.stdout.write('stopped\n');
      process.exit(0);
    }));

  reach(node.command('status').description("a node's id, addresses, resources, load and requests"))
    .option('--json', 'print the status as JSON')
    .action(action(async (opts: Reach & { json?: boolean }) => {
      const s = await request(await target(opts), 'node.status') as NodeStatus;
      if (opts.json) process.stdout.write(JSON.stringify(s, null, 2) + '\n'); else printStatus(s);
    }));

  reach(node.command('tasks').description('tasks a node is running or ran recently (newest first), with their states and timings'))
    .option('--state <state>', 'only tasks in this state: queued, running, done, failed, cancelled, timeout')
    .option('-n, --limit <n>', 'at most this many (default 50)', '50')
    .option('--json', 'print the tasks as JSON')
    .action(action(async (opts: Reach & { state?: string; limit: string; json?: boolean }) => {
      const states = ['queued', 'running', 'done', 'failed', 'cancelled', 'timeout'];
      if (opts.state !== undefined && !states.includes(opts.state)) fail(`--state takes one of ${states.join(', ')}, not '${opts.state}'`);
      const limit = /^\d+$/.test(opts.limit) && Number(opts.limit) > 0 ? Number(opts.limit) : fail(`--limit takes a whole number > 0, not '${opts.limit}'`);
      const rows = await request(await target(opts), 'node.tasks', [{ state: opts.state ?? null, limit }]) as TaskInfo[];
      if (opts.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n'); else printTasks(rows);
    }));

  reach(node.command('logs').description("the last lines of a node's log"))
    .option('-n, --lines <n>', 'how many lines (default 50)', '50')
    .option('--json', 'print JSON lines as stored')
    .action(action(async (opts: Reach & { lines: string; json?: boolean }) => {
      const n = /^\d+$/.test(opts.lines) ? Number(opts.lines) : fail(`--lines takes a whole number, not '${opts.lines}'`);
      const lines = await request(await target(opts), 'log.tail', [n]) as Array<{ t: string; level: string; msg: string }>;
      for (const l of lines) process.stdout.write(opts.json ? JSON.stringify(l) + '\n' : `${l.t} ${l.level.padEnd(7)} ${l.msg}\n`);
    }));

  reach(node.command('stop').description('stop a node (it finishes answering, closes its store and exits)'))
    .action(action(async (opts: Reach) => {
      const t = await target(opts);
      await request(t, 'node.stop');
      process.stdout.write(`stopping the node at ${t.label}\n`);
    }));

  node.command('token')
    .description('issue a capability token signed by the node in --data-dir (clients pass it with --cap-file or XLANG_TOKEN)')
    .option('--data-dir <dir>', "the node's data directory (default .xlang/)")
    .option('--role <roles>', 'comma-separated roles: read, submit, admin (default submit,read)', 'submit,read')
    .option('--tenant <name>', 'the tenant whose data the token reaches (default "default")', 'default')
    .option('--ttl <duration>', 'how long it is valid: seconds, or 90m, 12h, 30d (default 30d)', '30d')
    .action(action(async (opts: { dataDir?: string; role: string; tenant: string; ttl: string }) => {
      const { issueToken, TokenError, ROLES } = await import('../cantor/tokens.js');
      const { loadOrCreateIdentity, IDENTITY_FILE } = await import('../cantor/identity.js');
      const { existsSync } = await import('node:fs');
      const { join } = await import('node:path');
      const dir = dataDirOf(opts);
      if (!existsSync(join(dir, IDENTITY_FILE))) fail(`${dir} holds no node identity (${IDENTITY_FILE}); start the node there first, or name its directory with --data-dir`);
      const roles = opts.role.split(',').map(r => r.trim()).filter(Boolean);
      for (const r of roles) if (!(ROLES as readonly string[]).includes(r)) fail(`--role: '${r}' is not a role (${ROLES.join(', ')})`);
      try {
        process.stdout.write(issueToken({ roles: roles as Role[], tenant: opts.tenant, expires: Date.now() + parseTtl(opts.ttl) }, loadOrCreateIdentity(dir)) + '\n');
      } catch (e) {
        if (e instanceof TokenError) fail(e.message);
        throw e;
      }
    }));
}
