// Diagnostics: what every compiler stage reports instead of throwing. The CLI prints them with
// a code frame; the language server publishes them.
import type { Range } from './ast.js';

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic extends Range {
  severity: Severity;
  /** Stable machine-readable code, e.g. 'syntax', 'undefined-name', 'unsupported'. */
  code: string;
  message: string;
  /** A certain fix, e.g. the name the user most likely meant. */
  suggestion?: string;
}

export function diag(severity: Severity, code: string, message: string, at: Range, suggestion?: string): Diagnostic {
  const d: Diagnostic = {
    severity, code, message,
    start: at.start, end: at.end, line: at.line, col: at.col, endLine: at.endLine, endCol: at.endCol,
  };
  if (suggestion !== undefined) d.suggestion = suggestion;
  return d;
}

/** Maps UTF-16 offsets to 1-based lines and 0-based columns. */
export class LineMap {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      }
    }
  }
  private last = 0;
  /** 0-based index of the line holding `offset` (remembers the last answer: parsers ask in order). */
  lineIndex(offset: number): number {
    const s = this.starts;
    const c = this.last;
    if (s[c]! <= offset && (c + 1 >= s.length || s[c + 1]! > offset)) return c;
    let lo = 0, hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid]! <= offset) lo = mid; else hi = mid - 1;
    }
    this.last = lo;
    return lo;
  }
  lineStart(index: number): number { return this.starts[index]!; }
  /** Position of an offset: { line (1-based), col (0-based) }. */
  position(offset: number): { line: number; col: number } {
    const i = this.lineIndex(offset);
    return { line: i + 1, col: offset - this.starts[i]! };
  }
  range(start: number, end: number): Range {
    const a = this.position(start), b = this.position(end);
    return { start, end, line: a.line, col: a.col, endLine: b.line, endCol: b.col };
  }
  lineText(line: number): string {
    const s = this.starts[line - 1] ?? this.text.length;
    let e = this.starts[line] ?? this.text.length;
    while (e > s && (this.text.charCodeAt(e - 1) === 10 || this.text.charCodeAt(e - 1) === 13)) e--;
    return this.text.slice(s, e);
  }
  get lineCount(): number { return this.starts.length; }
}

/** Renders `file:line:col: error: message` plus the source line and a caret (Elm/Rust style). */
export function formatDiagnostic(d: Diagnostic, file: string, lines: LineMap): string {
  const text = lines.lineText(d.line);
  const gutter = String(d.line);
  const width = d.endLine === d.line ? Math.max(1, d.endCol - d.col) : Math.max(1, text.length - d.col);
  const pad = ' '.repeat(gutter.length);
  let out = `${file}:${d.line}:${d.col + 1}: ${d.severity}: ${d.message}\n`;
  out += `${pad} |\n${gutter} | ${text}\n${pad} | ${' '.repeat(d.col)}${'^'.repeat(Math.min(width, Math.max(1, text.length - d.col + 1)))}`;
  if (d.suggestion) out += `\n${pad} = help: did you mean '${d.suggestion}'?`;
  return out;
}
