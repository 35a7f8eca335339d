// Command lines typed into the integrated terminal, and where the `xlang` executable is.
//
// `Terminal.sendText` types text into whatever shell the terminal runs, so every argument must be
// quoted in that shell's syntax: a file named `it's (1).x` must reach `xlang run` as one argument
// in bash, fish, PowerShell and cmd alike. Nothing here imports `vscode`, so tests run it in Node.
import * as os from 'node:os';
import * as path from 'node:path';

export type ShellKind = 'posix' | 'fish' | 'pwsh' | 'cmd';

/** The quoting family of a shell, from its executable path (VS Code's `env.shell`). */
export function shellKind(shellPath: string | undefined, platform: NodeJS.Platform = process.platform): ShellKind {
  const name = (shellPath ?? '').split(/[\\/]/).pop()!.toLowerCase().replace(/\.exe$/, '');
  if (name === 'pwsh' || name === 'powershell') return 'pwsh';
  if (name === 'cmd') return 'cmd';
  if (name === 'fish') return 'fish';
  // unknown: the platform's default terminal profile (PowerShell on Windows)
  if (name === '') return platform === 'win32' ? 'pwsh' : 'posix';
  return 'posix';
}

/** Characters that need no quoting in each shell (PowerShell reads `,` `@` `{` specially, cmd `%`...). */
const PLAIN: Record<ShellKind, RegExp> = {
  posix: /^[\w@%+=:,./-]+$/,
  fish: /^[\w@%+=:,./-]+$/,
  pwsh: /^[\w+=:./\\-]+$/,
  cmd: /^[\w+=:,./\\-]+$/,
};

/** One argument, quoted for `shell` when it has to be. */
export function quoteArg(arg: string, shell: ShellKind): string {
  if (PLAIN[shell].test(arg)) return arg;
  switch (shell) {
    case 'posix': return `'${arg.replace(/'/g, `'\\''`)}'`;
    // in fish, `\\` and `\'` are escapes even inside single quotes
    case 'fish': return `'${arg.replace(/[\\']/g, '\\$&')}'`;
    // PowerShell also treats the typographic single quotes as quotes; doubling escapes them
    case 'pwsh': return `'${arg.replace(/['\u2018\u2019\u201a\u201b]/g, '$&$&')}'`;
    // Windows file names cannot hold `"`; cmd still expands %VAR% inside quotes (nothing escapes it)
    case 'cmd': return `"${arg.replace(/"/g, '""')}"`;
  }
}

/** `argv` as one line for `shell`. */
export function commandLine(argv: readonly string[], shell: ShellKind): string {
  const [exe, ...args] = argv.map(a => quoteArg(a, shell));
  // a quoted first word is a string expression in PowerShell: the call operator `&` runs it
  const head = shell === 'pwsh' && exe!.startsWith("'") ? `& ${exe}` : exe!;
  return [head, ...args].join(' ');
}

/**
 * The `xlang` executable from the `xlang.path` setting: a bare name is looked up on PATH by the
 * shell or spawn; `~/...` is the home folder; a relative path with a folder in it (for a checkout's
 * `./xlang`) is relative to the workspace folder.
 */
export function xlangExecutable(setting: string | undefined, folder: string | undefined): string {
  const value = (setting ?? '').trim() || 'xlang';
  if (value === '~' || value.startsWith('~/') || value.startsWith('~\\')) return path.join(os.homedir(), value.slice(1));
  if (path.isAbsolute(value) || !/[\\/]/.test(value) || folder === undefined) return value;
  return path.resolve(folder, value);
}
