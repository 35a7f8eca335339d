// compile(): XLang source to an ES module, a source map, diagnostics and the artifact manifest.
import { createHash } from 'node:crypto';
import { parse } from './parser.js';
import { analyze } from './scope.js';
import { generate, type FunctionInfo, type DefinitionInfo, type Target } from './codegen.js';
import type { Diagnostic } from './diagnostics.js';
import type { Module } from './ast.js';

export const COMPILER_VERSION = '0.1.0';

export interface Manifest {
  /** sha-256 over the compiler version and the source (imports are added by the host that links them). */
  contentId: string;
  path: string;
  imports: string[];
  exports: string[];
  /** Every function with its .x line range and the module-level names it reads. */
  functions: FunctionInfo[];
  /** Module-level defs and classes a host can create without running the module (tasks). */
  definitions: DefinitionInfo[];
}

export interface CompileResult {
  /**
   * An ES module whose default export is `function $module($rt, $b, $m, $imp, $inst)`. Called with
   * $inst false it runs the module; with $inst true it runs no statement and returns the factories
   * of manifest.definitions (each creates its def/class in this module instance). Empty on errors.
   */
  js: string;
  /** The same function as a script expression (what hosts evaluate); same line layout as js. */
  script: string;
  /** Source map (v3) for js/script. */
  map: string;
  diagnostics: Diagnostic[];
  manifest: Manifest;
  ast: Module;
}

export interface CompileOptions {
  /** Module name for __name__, class __module__ and function metadata. */
  moduleName?: string;
  /** Generate code even when there are errors (the erroneous parts raise when reached). */
  force?: boolean;
  /**
   * REPL input: module-level names live as attributes of the module object (so they persist
   * from one input to the next), `predeclared` names are those earlier inputs bound, and the
   * value of a top-level expression statement is shown.
   */
  repl?: { predeclared: string[] };
  /**
   * The engine the code will run on (default 'v8'). 'quickjs' (the sandbox) inlines the
   * operators' number fast paths, which V8 inlines by itself; the output differs, so a host's
   * compile cache keys on the target.
   */
  target?: Target;
}

export function contentIdOf(source: string): string {
  return createHash('sha256').update(COMPILER_VERSION).update('\0').update(source).digest('hex');
}

export function compile(source: string, path = '<string>', opts: CompileOptions = {}): CompileResult {
  const { module: ast, diagnostics } = parse(source, path);
  const sc = analyze(ast, { predeclared: opts.repl?.predeclared });
  if (opts.repl) for (const sym of sc.module.symbols.values()) sym.jsName = `$m.$${sym.name}`;
  const all = diagnostics.concat(sc.diagnostics).sort((a, b) => a.start - b.start);
  const manifest: Manifest = { contentId: contentIdOf(source), path, imports: [], exports: [], functions: [], definitions: [] };
  const hasErrors = all.some(d => d.severity === 'error');
  if (hasErrors && !opts.force) return { js: '', script: '', map: '', diagnostics: all, manifest, ast };
  const gen = generate(ast, sc, opts.moduleName ?? '__main__', { repl: !!opts.repl, target: opts.target });
  manifest.imports = gen.imports;
  manifest.exports = gen.exports;
  manifest.functions = gen.functions;
  manifest.definitions = gen.definitions;
  const header = `// Compiled by xlang ${COMPILER_VERSION} from ${path.replace(/\n/g, ' ')}. Do not edit.\n`;
  const map = JSON.stringify({ version: 3, file: path.replace(/\.x$/, '') + '.js', names: [], sources: [path], sourcesContent: [source], mappings: gen.mappings && ';' + gen.mappings /* the header comment is line 0 */, ignoreList: [] });
  return {
    js: `${header}export default ${gen.body}\n`,
    script: `${header}(${gen.body})`,
    map,
    diagnostics: all,
    manifest,
    ast,
  };
}

export { parse } from './parser.js';
export { analyze } from './scope.js';
export type { Diagnostic } from './diagnostics.js';
export type { Target } from './codegen.js';
export { formatDiagnostic, LineMap } from './diagnostics.js';
