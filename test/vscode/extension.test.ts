// The VS Code extension without VS Code: its manifest against its sources, the language
// configuration's regular expressions (VS Code runs them as JavaScript RegExps), the shell quoting
// of XLang: Run File, and the debug configuration it hands to js-debug. The modules tested here
// import nothing from `vscode`, so they run in plain Node.
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { commandLine, quoteArg, shellKind, xlangExecutable } from '../../vscode-extension/src/commandLine.js';
import { currentFileLaunch, toNodeLaunch } from '../../vscode-extension/src/debugLaunch.js';

const ext = join(dirname(fileURLToPath(import.meta.url)), '../../vscode-extension');
const manifest = JSON.parse(readFileSync(join(ext, 'package.json'), 'utf8'));
const extensionSource = readFileSync(join(ext, 'src/extension.ts'), 'utf8');

interface LanguageConfiguration {
  indentationRules: { increaseIndentPattern: string; decreaseIndentPattern: string };
  onEnterRules: Array<{ beforeText: string; action: { indent: string } }>;
  autoClosingPairs: Array<{ open: string; close: string; notIn?: string[] }>;
  wordPattern: string;
  [key: string]: unknown;
}
// strict JSON (VS Code would also take comments): JSON.parse must read it
const config = JSON.parse(readFileSync(join(ext, 'language-configuration.json'), 'utf8')) as LanguageConfiguration;

describe('manifest (package.json)', () => {
  it('registers every contributed command in src/extension.ts, and contributes every registered one', () => {
    const contributed = (manifest.contributes.commands as Array<{ command: string }>).map(c => c.command).sort();
    const registered = [...extensionSource.matchAll(/registerCommand\(\s*'([\w.]+)'/g)].map(m => m[1]).sort();
    expect(contributed).toEqual(['xlang.openRepl', 'xlang.restartServer', 'xlang.runFile']);
    expect(registered).toEqual(contributed);
    for (const menu of Object.values(manifest.contributes.menus) as Array<Array<{ command: string }>>) {
      for (const item of menu) expect(contributed).toContain(item.command);
    }
  });

  it('points at files that exist, with matching ids', () => {
    const [language] = manifest.contributes.languages;
    expect(language.id).toBe('xlang');
    expect(language.extensions).toEqual(['.x']);
    expect(existsSync(join(ext, language.configuration))).toBe(true);
    const [grammar] = manifest.contributes.grammars;
    expect(grammar.language).toBe('xlang');
    expect(existsSync(join(ext, grammar.path))).toBe(true);
    expect(JSON.parse(readFileSync(join(ext, grammar.path), 'utf8')).scopeName).toBe(grammar.scopeName);
    // main is built from src/extension.ts (tsconfig: rootDir src, outDir out)
    expect(manifest.main).toBe('./out/extension.js');
    expect(existsSync(join(ext, 'src/extension.ts'))).toBe(true);
    const tsconfig = readFileSync(join(ext, 'tsconfig.json'), 'utf8');
    expect(tsconfig).toMatch(/"outDir": "out"/);
    expect(tsconfig).toMatch(/"rootDir": "src"/);
    // the extension host loads CommonJS unless the manifest says otherwise
    expect(manifest.type).toBeUndefined();
    expect(manifest.scripts.grammar).toBe('node scripts/build-grammar.mjs');
    expect(existsSync(join(ext, 'README.md'))).toBe(true);
    expect(existsSync(join(ext, 'LICENSE'))).toBe(true);
  });

  it('reads every setting it contributes, and only those', () => {
    const settings = Object.keys(manifest.contributes.configuration.properties).sort();
    expect(settings).toEqual(['xlang.cluster', 'xlang.path', 'xlang.trace.server']);
    expect(extensionSource).toMatch(/getConfiguration\('xlang'[^)]*\)\.get<string>\('path'\)/);
    expect(extensionSource).toMatch(/\.get<string>\('cluster'/);
    // the trace setting is read by the client itself, from its id: `<id>.trace.server`
    expect(extensionSource).toMatch(/new LanguageClient\('xlang',/);
  });

  it('declares the xlang debugger that src/extension.ts resolves', () => {
    const [debuggerType] = manifest.contributes.debuggers;
    expect(debuggerType.type).toBe('xlang');
    expect(extensionSource).toMatch(/registerDebugConfigurationProvider\(\s*'xlang'/);
    expect(manifest.activationEvents).toEqual(expect.arrayContaining(['onDebugResolve:xlang', 'onDebugDynamicConfigurations:xlang']));
    // every launch attribute the manifest offers is one toNodeLaunch maps
    const attributes = Object.keys(debuggerType.configurationAttributes.launch.properties).sort();
    expect(attributes).toEqual(['args', 'console', 'cwd', 'env', 'program', 'stopOnEntry']);
  });
});

describe('language configuration', () => {
  const increase = new RegExp(config.indentationRules.increaseIndentPattern);
  const decrease = new RegExp(config.indentationRules.decreaseIndentPattern);
  const indentAfter = config.onEnterRules.filter(r => r.action.indent === 'indent').map(r => new RegExp(r.beforeText));
  const outdentAfter = config.onEnterRules.filter(r => r.action.indent === 'outdent').map(r => new RegExp(r.beforeText));

  it('indents after a line that ends in `:` outside comments and strings', () => {
    const opens = [
      'if x > 3:', 'def f(x: int) -> str:', 'class A(B):', '    for i in range(3):  # loop', 'else:', 'try:',
      'namespace tools:', 'except e:', 'if s == "#":', "if s == 'a:b' or t == \"#\":  # note: here", 'with open(p) as f:',
      'while True :', 'd = {"a":',
    ];
    const plain = [
      '# a comment:', '    # indented comment:', 'x = 1  # note:', 'print("a:")', 'x = s[1:2]', 'if x > 3: print(x)',
      "s = 'it''s:'", 'lambda x: x', 'y = {"k": 1}',
    ];
    for (const line of opens) {
      expect(increase.test(line), line).toBe(true);
      expect(indentAfter.some(r => r.test(line)), line).toBe(true);
    }
    for (const line of plain) {
      expect(increase.test(line), line).toBe(false);
      expect(indentAfter.some(r => r.test(line)), line).toBe(false);
    }
  });

  it('dedents else, elif, except, finally and case', () => {
    for (const line of ['else:', '    else:', 'elif x == 1:', 'except:', 'except e:', 'except ValueError as e:  # why', 'finally:', '    case (0, 0):', 'else :']) {
      expect(decrease.test(line), line).toBe(true);
    }
    for (const line of ['elsewhere = 1', 'else_ = 2', 'finally_done()', 'exception = 3', 'case = 4', 'x = 1 if a else 2', '# else:']) {
      expect(decrease.test(line), line).toBe(false);
    }
  });

  it('dedents after return, pass, break, continue and raise, unless the statement goes on', () => {
    for (const line of ['    return', '    return x + 1', 'pass', '        break', 'continue  # next', 'raise "bad input"', 'raise ValueError(x)']) {
      expect(outdentAfter.some(r => r.test(line)), line).toBe(true);
    }
    for (const line of ['returned = 1', 'passes += 1', 'return (', '    return [a,', 'raise ValueError(', 'return a, \\', 'x = 1', 'breakfast()']) {
      expect(outdentAfter.some(r => r.test(line)), line).toBe(false);
    }
  });

  it('closes brackets and every kind of quote, prefixed and triple ones included', () => {
    const opens = config.autoClosingPairs.map(p => p.open);
    for (const open of ['{', '[', '(', '"', "'", '"""', "'''", 'f"', "f'", 'r"', "b'", 'F"', 'R\'', 'u"']) expect(opens, open).toContain(open);
    for (const p of config.autoClosingPairs) {
      if (/["']/.test(p.open)) {
        expect(p.close, p.open).toBe(p.open.replace(/^[a-zA-Z]+/, ''));
        expect(p.notIn, p.open).toContain('string');
      }
    }
    expect(config.comments).toEqual({ lineComment: '#' });
    expect(config.folding).toMatchObject({ offSide: true });
  });

  it('has a word pattern that keeps names and numbers whole', () => {
    const words = (s: string) => s.match(new RegExp(config.wordPattern, 'g'));
    expect(words('this.on_move(dx, 3.14) + émoi')).toEqual(['this', 'on_move', 'dx', '3.14', 'émoi']);
  });
});

describe('XLang: Run File command line', () => {
  const awkward = ["/tmp/it's (1).x", '/tmp/a b/$HOME/`x`/"q".x', 'C:\\Users\\me\\my file.x', 'plain/file.x'];

  it('quotes for POSIX shells so that each argument arrives whole', () => {
    const args = ['xlang', 'run', ...awkward];
    const line = commandLine(args, 'posix');
    expect(line.startsWith('xlang run ')).toBe(true);
    const echoed = execFileSync('/bin/sh', ['-c', `printf '%s\\n' ${line}`], { encoding: 'utf8' });
    expect(echoed).toBe(args.join('\n') + '\n');
  });

  it('quotes for fish, PowerShell and cmd', () => {
    expect(quoteArg('plain/file.x', 'fish')).toBe('plain/file.x');
    expect(quoteArg("it's \\ x", 'fish')).toBe("'it\\'s \\\\ x'");
    expect(commandLine(['xlang', 'run', 'C:\\a\\f.x'], 'pwsh')).toBe('xlang run C:\\a\\f.x');
    expect(commandLine(['C:\\Program Files\\xlang\\xlang.cmd', 'run', "C:\\it's\\f,1.x"], 'pwsh'))
      .toBe("& 'C:\\Program Files\\xlang\\xlang.cmd' run 'C:\\it''s\\f,1.x'");
    expect(commandLine(['xlang', 'run', 'C:\\my dir\\f.x'], 'cmd')).toBe('xlang run "C:\\my dir\\f.x"');
  });

  it('recognises the shell family from VS Code\'s env.shell', () => {
    expect(shellKind('/bin/bash')).toBe('posix');
    expect(shellKind('/usr/bin/zsh')).toBe('posix');
    expect(shellKind('/opt/homebrew/bin/fish')).toBe('fish');
    expect(shellKind('C:\\Program Files\\PowerShell\\7\\pwsh.exe')).toBe('pwsh');
    expect(shellKind('C:\\WINDOWS\\System32\\WindowsPowerShell\\v1.0\\powershell.exe')).toBe('pwsh');
    expect(shellKind('C:\\WINDOWS\\System32\\cmd.exe')).toBe('cmd');
    expect(shellKind('C:\\Program Files\\Git\\bin\\bash.exe')).toBe('posix');
    expect(shellKind('', 'win32')).toBe('pwsh');
    expect(shellKind(undefined, 'linux')).toBe('posix');
  });

  it('finds the xlang executable from the setting', () => {
    expect(xlangExecutable(undefined, '/ws')).toBe('xlang');
    expect(xlangExecutable('  ', '/ws')).toBe('xlang');
    expect(xlangExecutable('xlang', '/ws')).toBe('xlang');
    expect(xlangExecutable('/opt/xlang/bin/xlang', '/ws')).toBe('/opt/xlang/bin/xlang');
    expect(xlangExecutable('./xlang', '/ws/proj')).toBe('/ws/proj/xlang');
    expect(xlangExecutable('node_modules/.bin/xlang', '/ws')).toBe('/ws/node_modules/.bin/xlang');
    expect(xlangExecutable('./xlang', undefined)).toBe('./xlang');
    expect(xlangExecutable('~/bin/xlang', '/ws')).toMatch(/[\\/]bin[\\/]xlang$/);
  });
});

describe('debug configuration', () => {
  it('turns an xlang launch into a js-debug node launch of `xlang run`', () => {
    const node = toNodeLaunch({
      type: 'xlang', request: 'launch', name: 'Debug', program: '/w/main.x', args: ['a', 'b'], cwd: '/w',
      env: { XLANG_PATH: '/lib', DROP: null }, console: 'internalConsole', preLaunchTask: 'build',
    }, '/opt/xlang');
    expect(node).toMatchObject({
      type: 'node', request: 'launch', name: 'Debug',
      runtimeExecutable: '/opt/xlang', runtimeArgs: ['run'], program: '/w/main.x', args: ['a', 'b'], cwd: '/w',
      env: { XLANG_PATH: '/lib', DROP: null }, console: 'internalConsole', preLaunchTask: 'build',
      sourceMaps: true, pauseForSourceMap: true, stopOnEntry: false,
    });
    expect(node.resolveSourceMapLocations).toEqual(['**', '!**/node_modules/**']);
    expect(node.skipFiles).toEqual(expect.arrayContaining(['<node_internals>/**', '**/dist/runtime/**']));
    expect(node.env).not.toHaveProperty('XLANG_BREAK_ON_START');
  });

  it('stops on entry through the runtime, not through js-debug or a second inspector', () => {
    const node = toNodeLaunch({ ...currentFileLaunch(), stopOnEntry: true }, 'xlang');
    expect(node.env).toEqual({ XLANG_BREAK_ON_START: '1' });
    expect(node.stopOnEntry).toBe(false);
    expect(node.runtimeArgs).toEqual(['run']);
    expect(node).toMatchObject({ program: '${file}', cwd: '${workspaceFolder}', console: 'integratedTerminal', args: [] });
    // the variable is the runtime's: `xlang run --inspect-brk` sets it, the main host reads it
    const runtime = join(ext, '../runtime');
    expect(readFileSync(join(runtime, 'cli/main.ts'), 'utf8')).toContain("XLANG_BREAK_ON_START = '1'");
    expect(readFileSync(join(runtime, 'hosts/main.ts'), 'utf8')).toContain("process.env.XLANG_BREAK_ON_START === '1'");
  });

  it('offers "Debug current file" as the package.json initial configuration does', () => {
    const [initial] = manifest.contributes.debuggers[0].initialConfigurations;
    expect(currentFileLaunch()).toEqual(initial);
    // with no folder open, the file's own folder
    expect(currentFileLaunch(false).cwd).toBe('${fileDirname}');
  });
});
