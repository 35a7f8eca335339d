// `xlang repl`: an interactive session. Names persist between inputs, a block continues until
// an empty line (as in Python), history is kept across sessions, and Tab completes from the
// language service (lsp/session.ts: keywords, names bound in earlier inputs or in the block being
// typed, builtins, members of modules, imported or not, and of classes and instances) merged
// with the live objects of the session, which are authoritative for the attributes of an object
// that exists. Errors print exactly as `xlang run` prints them. The session talks to an
// Evaluator, so binding it to a remote cluster (with Cantor) replaces the evaluator, not the REPL:
// the language service reads the inputs' source here, and only live completion asks the evaluator.
import { createInterface, type Interface } from 'node:readline';
import { readFileSync, appendFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { homedir } from 'node:os';
import type { Diagnostic } from '../../compiler/diagnostics.js';
import type { SessionAnalysis, SessionCompletion } from '../../lsp/session.js';

/** What the REPL needs from whatever runs the code (this process now; a cluster later). */
export interface Evaluator {
  /** Runs one complete input; throws what `xlang run` would report. */
  run(source: string): void;
  /**
   * Completions from live objects for the identifier or dotted path at the end of `prefix` (full
   * replacements of it: `math.sqrt` for `math.sq`); null when the object before the last dot
   * does not exist in the session. May answer later (a remote session).
   */
  complete(prefix: string): string[] | null | Promise<string[] | null>;
  /** Text of an error thrown by run(), and the exit status when it ends the session (SystemExit). */
  describe(e: unknown): { text: string; exit: number | null };
  flush(): void;
  close(): void;
}

/** A local evaluator: a main host with a persistent __main__. */
export async function localEvaluator(): Promise<Evaluator> {
  const { MainHost, CompileError } = await import('../hosts/main.js');
  const core = await import('../core/index.js');
  const { formatDiagnostic, LineMap } = await import('../../compiler/diagnostics.js');
  const host = new MainHost({ argv: [''] });
  host.replMain();
  const attrs = (o: any): string[] => {
    const out = new Set<string>();
    if (typeof o === 'function' && o.isClass) {
      for (const c of o.mro ?? [o]) for (const k of Object.getOwnPropertyNames(c.prototype ?? {})) if (k.startsWith('$')) out.add(k.slice(1));
    }
    for (let p = o; p !== null && p !== undefined && p !== Object.prototype && p !== Function.prototype; p = Object.getPrototypeOf(p)) {
      for (const k of Object.getOwnPropertyNames(p)) if (k.startsWith('$')) out.add(k.slice(1));
    }
    return [...out];
  };
  return {
    run: (source) => host.runReplInput(source),
    complete(prefix) {
      const m = /([A-Za-z_][\w.]*)$/.exec(prefix);
      const word = m ? m[1]! : '';
      const dot = word.lastIndexOf('.');
      if (dot < 0) {
        const names = [...host.replNames(), ...Object.keys(core.builtinNames)];
        return [...new Set(names)].filter(n => n.startsWith(word)).sort();
      }
      const path = word.slice(0, dot).split('.');
      const last = word.slice(dot + 1);
      try {
        const mod: any = host.replMain();
        let o: any = mod['$' + path[0]] ?? core.builtinNames[path[0]!];
        if (o === undefined) return null;
        for (const p of path.slice(1)) o = core.objects.getattr(o, p);
        return attrs(o).filter(a => a.startsWith(last) && (last.startsWith('_') || !a.startsWith('_'))).sort().map(a => word.slice(0, dot + 1) + a);
      } catch { return null; }
    },
    describe(e) {
      if (e instanceof CompileError) {
        const lines = new LineMap(e.source);
        const errs = e.diagnostics.filter((d: Diagnostic) => d.severity === 'error');
        return { text: errs.map((d: Diagnostic) => formatDiagnostic(d, '<stdin>', lines)).join('\n') + '\n', exit: null };
      }
      const exit = host.systemExitCode(e);
      if (exit) return { text: exit.message !== null ? exit.message + '\n' : '', exit: exit.code };
      return { text: host.traceback(e), exit: null };
    },
    flush: () => host.flush(),
    close: () => host.stop(),
  };
}

/** Whether `text` (the lines typed so far) needs more lines before it can run. */
export function needsMore(text: string, parse: (s: string) => { diagnostics: Diagnostic[] }): boolean {
  const lines = text.split('\n');
  const last = lines[lines.length - 1]!;
  if (/\\$/.test(last)) return true;
  // a block (a line ending in ':' or a brace-lambda '{') ends with an empty line
  const opensBlock = lines.some(l => /[:{]\s*(#.*)?$/.test(l.trim()) && !/^\s*#/.test(l));
  if (opensBlock) return !(lines.length > 1 && last.trim() === '');
  if (lines.length > 1 && last.trim() === '') return false;
  const d = parse(text).diagnostics.filter(x => x.severity === 'error');
  return d.length > 0 && d.every(x => /was never closed|unterminated triple-quoted|expected an indented block/.test(x.message));
}

function historyFile(): string {
  const base = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(base, 'xlang', 'repl_history');
}

/**
 * Tab completion: the language service over the session's inputs (loaded on first use), merged
 * with the evaluator's live objects. After `import`/`from m import` only the language service
 * answers (module paths and members, whether imported yet or not); for `obj.attr` the live
 * object answers when it exists, else the analysis; for a bare name both do.
 */
export class Completer {
  private session: SessionAnalysis | null = null;
  private readonly inputs: string[] = [];
  private failed = false;

  constructor(private readonly ev: Evaluator, private readonly dir: string = process.cwd()) {}

  /** Records an input that was read (and parsed): later completions see what it binds. */
  add(source: string): void {
    this.inputs.push(source);
    this.session?.add(source);
  }

  /** Loads the language service (a few tens of milliseconds), so the first Tab does not wait for it. */
  async load(): Promise<SessionAnalysis | null> {
    if (this.session || this.failed) return this.session;
    try {
      const { SessionAnalysis: S } = await import('../../lsp/session.js');
      this.session ??= new S(this.dir, this.inputs);
    } catch { this.failed = true; }
    return this.session;
  }

  /** Completions for the end of `line`, given the earlier lines of the input being typed: [replacements, the word they replace]. */
  async complete(line: string, earlier: string[] = []): Promise<[string[], string]> {
    const word = /([A-Za-z_][\w.]*)$/.exec(line)?.[1] ?? '';
    let analysed: SessionCompletion | null = null;
    try { analysed = (await this.load())?.complete([...earlier, line].join('\n')) ?? null; } catch { analysed = null; }
    const context = analysed?.context ?? 'scope';
    if (context === 'none') return [[], word];
    if (context === 'module' || context === 'import') return [analysed!.items, word];
    let live: string[] | null = null;
    try { live = await this.ev.complete(line); } catch { live = null; }
    if (context === 'attribute' && live !== null) return [live, word];
    return [[...new Set([...(analysed?.items ?? []), ...(live ?? [])])].sort(), word];
  }
}

/** Runs the interactive loop on stdin/stdout; resolves with the exit status. */
export async function repl(evaluator?: Evaluator): Promise<number> {
  const ev = evaluator ?? await localEvaluator();
  const { parse } = await import('../../compiler/index.js');
  const tty = !!(process.stdin.isTTY && process.stdout.isTTY);
  const hist = historyFile();
  let history: string[] = [];
  try { history = readFileSync(hist, 'utf8').split('\n').filter(Boolean).map(l => JSON.parse(l) as string).reverse().slice(0, 1000); } catch { /* no history yet */ }
  const completer = new Completer(ev);
  let buf: string[] = [];
  const rl: Interface = createInterface({
    input: process.stdin, output: process.stdout, terminal: tty, history, historySize: 1000,
    removeHistoryDuplicates: true, prompt: '>>> ',
    completer: (line: string, done: (err: null, result: [string[], string]) => void) => {
      completer.complete(line, buf).then(r => done(null, r), () => done(null, [[], '']));
    },
  });
  if (tty) void completer.load();
  if (tty) process.stdout.write(`XLang 0.1.0 on Node ${process.versions.node}. Type exit() or press Ctrl-D to leave.\n`);
  const prompt = () => { if (tty) rl.prompt(); };
  let status = 0;
  const remember = (text: string) => {
    try { mkdirSync(dirname(hist), { recursive: true }); appendFileSync(hist, JSON.stringify(text) + '\n'); } catch { /* history is a convenience */ }
  };
  let closed = false;
  return new Promise<number>(resolve => {
    rl.on('line', (line: string) => {
      if (closed) return; // lines already read when exit() closed the session
      buf.push(line);
      const text = buf.join('\n');
      if (needsMore(text, s => parse(s, '<stdin>'))) { rl.setPrompt('... '); prompt(); return; }
      buf = [];
      rl.setPrompt('>>> ');
      if (text.trim()) {
        remember(text);
        if (!parse(text, '<stdin>').diagnostics.some(d => d.severity === 'error')) completer.add(text);
        try {
          ev.run(text);
          ev.flush();
        } catch (e) {
          ev.flush();
          const { text: msg, exit } = ev.describe(e);
          process.stderr.write(msg);
          if (exit !== null) { status = exit; buf = []; closed = true; rl.close(); return; }
        }
      }
      prompt();
    });
    rl.on('SIGINT', () => {
      buf = [];
      rl.setPrompt('>>> ');
      process.stdout.write('\nKeyboardInterrupt\n');
      prompt();
    });
    rl.on('close', () => {
      closed = true;
      if (buf.length && buf.join('\n').trim()) {
        // input ended inside a block: run what was typed, as Python does
        try { ev.run(buf.join('\n')); ev.flush(); } catch (e) { ev.flush(); process.stderr.write(ev.describe(e).text); }
      }
      if (tty) process.stdout.write('\n');
      ev.close();
      resolve(status);
    });
    prompt();
  });
}

