// The XLang extension: the language client (`xlang lsp --stdio`), the Run File / Open REPL /
// Restart Language Server commands, and the `xlang` debug type, which resolves to a Node.js
// launch of `xlang run` (see debugLaunch.ts). Grammar, language configuration and snippets are
// declarative (package.json) and need no code.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, type Executable, type LanguageClientOptions } from 'vscode-languageclient/node';
import { commandLine, shellKind, xlangExecutable } from './commandLine';
import { currentFileLaunch, toNodeLaunch, type XlangLaunch } from './debugLaunch';

const SERVER_NAME = 'XLang Language Server';
const RUN_TERMINAL = 'XLang';
const REPL_TERMINAL = 'XLang REPL';

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel;
let watcher: vscode.FileSystemWatcher;
/** Starts and stops of the server, one after another (a restart may be asked while one runs). */
let serverQueue: Promise<void> = Promise.resolve();

export function activate(context: vscode.ExtensionContext): void {
  // One channel for the server's log and the protocol trace (`xlang.trace.server`), kept across
  // restarts so the history of a crash stays readable.
  output = vscode.window.createOutputChannel(SERVER_NAME, { log: true });
  // The server re-reads imported modules that change on disk; it learns of them from this watcher.
  watcher = vscode.workspace.createFileSystemWatcher('**/*.x');
  context.subscriptions.push(
    output,
    watcher,
    vscode.commands.registerCommand('xlang.runFile', runFile),
    vscode.commands.registerCommand('xlang.openRepl', openRepl),
    vscode.commands.registerCommand('xlang.restartServer', () => restartServer()),
    vscode.debug.registerDebugConfigurationProvider('xlang', { resolveDebugConfiguration }),
    // "Debug current file" in the Run and Debug view's list, with no launch.json needed
    vscode.debug.registerDebugConfigurationProvider(
      'xlang',
      { provideDebugConfigurations: folder => [currentFileLaunch(folder !== undefined)] },
      vscode.DebugConfigurationProviderTriggerKind.Dynamic,
    ),
    vscode.workspace.onDidChangeConfiguration(e => {
      if (e.affectsConfiguration('xlang.path')) void restartServer();
    }),
  );
  void restartServer();
}

export function deactivate(): Promise<void> {
  return (serverQueue = serverQueue.then(stopServer));
}

// --- the language server -----------------------------------------------------------------------

/** The `xlang` executable for a resource's folder (the setting may differ per folder). */
function xlangPath(folder: vscode.WorkspaceFolder | undefined): string {
  const setting = vscode.workspace.getConfiguration('xlang', folder?.uri).get<string>('path');
  return xlangExecutable(setting, folder?.uri.fsPath);
}

function restartServer(): Promise<void> {
  return (serverQueue = serverQueue.then(stopServer).then(startServer).catch(e => output.error(String(e))));
}

async function stopServer(): Promise<void> {
  const old = client;
  client = undefined;
  // a server that failed to start has nothing left to stop, and says so by rejecting
  await old?.dispose().catch(() => undefined);
}

async function startServer(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const command = xlangPath(folder);
  const args = ['lsp', '--stdio'];
  // npm installs `xlang.cmd` on Windows, and Node runs .cmd files only through a shell; a shell
  // joins the words unquoted, so a path with spaces is quoted here.
  const server: Executable = process.platform === 'win32' && !/\.exe$/i.test(command)
    ? { command: /\s/.test(command) ? `"${command}"` : command, args, options: { cwd: folder?.uri.fsPath, shell: true } }
    : { command, args, options: { cwd: folder?.uri.fsPath } };
  const options: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'xlang' },
      { scheme: 'untitled', language: 'xlang' },
    ],
    synchronize: { fileEvents: watcher },
    outputChannel: output,
    traceOutputChannel: output,
  };
  // The id 'xlang' makes the client follow the `xlang.trace.server` setting.
  const next = new LanguageClient('xlang', SERVER_NAME, server, options);
  client = next;
  try {
    await next.start();
  } catch (e) {
    // (`client` stays set: the next restart disposes what the failed start left behind)
    output.error(`could not start \`${command} lsp --stdio\`: ${(e as Error).message ?? e}`);
    // (the client has already reported the error itself; this adds the way to fix it, and is not
    // awaited, so a restart need not wait for the notification to be closed)
    void vscode.window
      .showErrorMessage(`XLang: the language server did not start (\`${command} lsp --stdio\`). Is \`xlang.path\` right?`, 'Open Settings')
      .then(choice => {
        if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'xlang.path');
      });
  }
}

// --- commands ------------------------------------------------------------------------------------

/** XLang: Run File: the file from the explorer or editor title (a Uri argument), else the active editor. */
async function runFile(resource?: vscode.Uri): Promise<void> {
  let uri = resource instanceof vscode.Uri ? resource : vscode.window.activeTextEditor?.document.uri;
  if (!uri) {
    void vscode.window.showWarningMessage('XLang: open an .x file to run it.');
    return;
  }
  // The CLI reads the file from disk: save it first (an untitled one asks where).
  const doc = vscode.workspace.textDocuments.find(d => d.uri.toString() === uri!.toString());
  if (doc && (doc.isDirty || doc.isUntitled)) {
    const saved = await vscode.workspace.save(doc.uri);
    if (!saved) return;
    uri = saved;
  }
  if (uri.scheme !== 'file') {
    void vscode.window.showWarningMessage(`XLang: only files on disk can be run (this one is ${uri.scheme}:).`);
    return;
  }
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  // Reused while its shell lives, so runs do not pile up terminals. Its working directory (where
  // `xlang run` keeps `.xlang/`) is the file's workspace folder, else the file's own folder.
  const terminal = vscode.window.terminals.find(t => t.name === RUN_TERMINAL && t.exitStatus === undefined)
    ?? vscode.window.createTerminal({ name: RUN_TERMINAL, cwd: folder?.uri.fsPath ?? path.dirname(uri.fsPath) });
  terminal.show(true);
  // the terminal runs the default profile's shell, which is what `env.shell` names
  terminal.sendText(commandLine([xlangPath(folder), 'run', uri.fsPath], shellKind(vscode.env.shell)));
}

/** XLang: Open REPL: `xlang repl`, or `xlang repl --connect <address>` when `xlang.cluster` is set. */
function openRepl(): void {
  const live = vscode.window.terminals.find(t => t.name === REPL_TERMINAL && t.exitStatus === undefined);
  if (live) {
    live.show();
    return;
  }
  const editor = vscode.window.activeTextEditor;
  const folder = (editor && vscode.workspace.getWorkspaceFolder(editor.document.uri)) ?? vscode.workspace.workspaceFolders?.[0];
  const cluster = vscode.workspace.getConfiguration('xlang', folder?.uri).get<string>('cluster', '').trim();
  // The terminal's process is the REPL itself (no shell): no quoting, and the terminal closes when
  // the REPL ends, so a live terminal of this name always holds a live REPL.
  const terminal = vscode.window.createTerminal({
    name: REPL_TERMINAL,
    shellPath: xlangPath(folder),
    shellArgs: cluster ? ['repl', '--connect', cluster] : ['repl'],
    cwd: folder?.uri.fsPath,
  });
  terminal.show();
}

// --- debugging -----------------------------------------------------------------------------------

function resolveDebugConfiguration(
  folder: vscode.WorkspaceFolder | undefined,
  config: vscode.DebugConfiguration,
): vscode.DebugConfiguration | undefined {
  // F5 with no launch.json gives an empty configuration: debug the active .x file.
  if (!config.type && !config.request && !config.name) {
    if (vscode.window.activeTextEditor?.document.languageId !== 'xlang') {
      void vscode.window.showInformationMessage('XLang: open an .x file to debug it, or add an "xlang" launch configuration.');
      return undefined;
    }
    config = currentFileLaunch(folder !== undefined);
  }
  if (config.request !== 'launch') {
    void vscode.window.showErrorMessage(`XLang: only "launch" configurations are supported (to attach, use a "node" attach configuration).`);
    return undefined;
  }
  if (!config.program) {
    void vscode.window.showErrorMessage('XLang: the launch configuration needs "program" (the .x file to run).');
    return undefined;
  }
  // Returning another type hands the configuration to that debugger (js-debug's `node`), which
  // resolves it further and substitutes variables such as ${file}.
  return toNodeLaunch(config as XlangLaunch, xlangPath(folder)) as vscode.DebugConfiguration;
}
