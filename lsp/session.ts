// The language service over an interactive session (`xlang repl`): the inputs read so far, in
// order, are one document, and what is being typed is its tail. Completion answers from the same
// analysis and resolver as the editor's (lsp/complete.ts), so Tab knows keywords, names bound in
// earlier inputs or in the block being typed, builtins, the members of modules (imported or
// not), of user classes and of their instances. It runs where the REPL runs, whatever evaluates
// the inputs (this process or a cluster): it reads source, never values.
import { join } from 'node:path';
import type { DocModel } from './analysis.js';
import { completionContext, type CompletionContext } from './complete.js';
import { Workspace, pathToUri } from './workspace.js';

export interface SessionCompletion {
  /** What the text before the cursor asks for (see lsp/complete.ts). */
  context: CompletionContext;
  /** The identifier or dotted path at the end of the typed text, which the completions replace. */
  word: string;
  /** Full replacements for `word` (`math.sqrt` for `math.sq`), sorted. */
  items: string[];
}

export class SessionAnalysis {
  private readonly ws = new Workspace();
  private readonly model: DocModel;
  /** Length of the inputs read so far (each ends with a newline); the tail after it is what is being typed. */
  private historyLength = 0;
  /** Length of that tail (edits are queued: the model's text is not current until it syncs). */
  private tailLength = 0;

  /** `dir` is where the session resolves imports of user modules (its working directory). */
  constructor(dir: string, inputs: string[] = []) {
    this.ws.folders = [dir];
    const text = inputs.map(s => s + '\n').join('');
    this.model = this.ws.openDoc(pathToUri(join(dir, '<stdin>.x')), text);
    this.historyLength = text.length;
  }

  /** Records an input that was run: later inputs see what it binds. */
  add(source: string): void {
    const text = source + '\n';
    this.model.edit(this.historyLength, this.historyLength + this.tailLength, text);
    this.historyLength += text.length;
    this.tailLength = 0;
  }

  /** Completions at the end of `typed` (the lines of the current input so far, up to the cursor). */
  complete(typed: string): SessionCompletion {
    const model = this.model;
    model.edit(this.historyLength, this.historyLength + this.tailLength, typed);
    this.tailLength = typed.length;
    model.sync();
    const { context, items } = completionContext(this.ws, model, this.historyLength + typed.length);
    const word = /([A-Za-z_][\w.]*)$/.exec(typed)?.[1] ?? '';
    const dot = word.lastIndexOf('.');
    const base = word.slice(0, dot + 1), last = word.slice(dot + 1);
    const out = new Set<string>();
    for (const it of items) {
      if (!it.label.startsWith(last)) continue;
      if (it.label.startsWith('_') && !last.startsWith('_')) continue;
      out.add(base + it.label);
    }
    return { context, word, items: [...out].sort() };
  }
}
