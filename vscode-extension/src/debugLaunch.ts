// Debugging .x files: an `xlang` launch configuration becomes a Node.js (js-debug) launch of
// `xlang run <program>`.
//
// Why this works: js-debug starts the program with NODE_OPTIONS=--require <its bootloader>, and the
// bootloader opens the V8 inspector inside the `xlang` process before the CLI runs. The runtime sees
// an active inspector and appends each compiled module's source map inline (a script named
// `<file>.x.js`), so js-debug maps breakpoints and stepping onto the .x lines. Nothing here imports
// `vscode`, so tests run it in Node.

/** The attributes of an `xlang` launch (package.json: contributes.debuggers[type=xlang]). */
export interface XlangLaunch {
  type: string;
  request: string;
  name: string;
  program?: string;
  args?: string[];
  cwd?: string;
  env?: Record<string, string | null>;
  stopOnEntry?: boolean;
  console?: string;
  [key: string]: unknown;
}

/**
 * The launch that "Debug current file" uses, also offered as a dynamic configuration. Without a
 * workspace folder (a lone file open) `${workspaceFolder}` cannot be substituted: the file's folder is used.
 */
export function currentFileLaunch(inFolder = true): XlangLaunch {
  const cwd = inFolder ? '${workspaceFolder}' : '${fileDirname}';
  return { type: 'xlang', request: 'launch', name: 'XLang: Debug current file', program: '${file}', cwd };
}

/** The js-debug `node` launch that runs `config` under `xlang` (the executable's path). */
export function toNodeLaunch(config: XlangLaunch, xlang: string): Record<string, unknown> {
  // Other attributes (preLaunchTask, presentation, serverReadyAction, timeout...) pass through.
  const { type: _type, program, args, cwd, env, stopOnEntry, console, ...rest } = config;
  return {
    ...rest,
    type: 'node',
    request: 'launch',
    runtimeExecutable: xlang,
    runtimeArgs: ['run'],
    program,
    args: args ?? [],
    cwd,
    // `xlang run --inspect-brk` cannot be used here: js-debug's bootloader has already opened the
    // inspector, and a second open fails. The variable below is what `--inspect-brk` sets inside the
    // CLI: the runtime then pauses (a `debugger` statement) before the program's first line.
    // js-debug's own stopOnEntry would look for a script named like `program`, which never loads.
    env: stopOnEntry ? { ...env, XLANG_BREAK_ON_START: '1' } : { ...env },
    stopOnEntry: false,
    console: console ?? 'integratedTerminal',
    sourceMaps: true,
    // The compiled modules never exist on disk, so js-debug cannot read their maps ahead of time
    // (outFiles): it must pause each script that carries a map until its breakpoints are set.
    pauseForSourceMap: true,
    outFiles: [],
    // the program may live outside the workspace folder (js-debug's default only trusts that)
    resolveSourceMapLocations: ['**', '!**/node_modules/**'],
    // step over the runtime and compiler, whether installed (node_modules) or from a checkout (dist)
    skipFiles: ['<node_internals>/**', '**/node_modules/**', '**/dist/runtime/**', '**/dist/compiler/**'],
  };
}
