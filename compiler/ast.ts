// The XLang abstract syntax tree. The parser builds it, scope analysis annotates it, codegen
// walks it. Every node carries its exact source range so diagnostics, hovers and source maps
// point at the right characters.

/** Source range: offsets are UTF-16 indexes into the source; line is 1-based, col is 0-based. */
export interface Range {
  start: number;
  end: number;
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

export interface NodeBase extends Range {
  kind: string;
}

// ---------------------------------------------------------------------------------------------
// Expressions

export interface Name extends NodeBase { kind: 'Name'; id: string }
/** Integer literal; value is a number when it is a safe integer, else a bigint. */
export interface IntLit extends NodeBase { kind: 'IntLit'; value: number | bigint }
export interface FloatLit extends NodeBase { kind: 'FloatLit'; value: number }
/** Imaginary literal such as `2j`: value is the imaginary part. */
export interface ImagLit extends NodeBase { kind: 'ImagLit'; value: number }
/** A string literal with no interpolation (adjacent literals already joined). */
export interface Str extends NodeBase { kind: 'Str'; value: string }
export interface Bytes extends NodeBase { kind: 'Bytes'; value: Uint8Array }
/** True, False, None, and `...`. */
export interface Const extends NodeBase { kind: 'Const'; value: true | false | null | 'ellipsis' }
/**
 * An f-string or a string with `${...}` interpolation. Adjacent literals are joined into one
 * JoinedStr. Plain text parts are strings.
 */
export interface JoinedStr extends NodeBase { kind: 'JoinedStr'; parts: (string | FormattedValue)[] }
export interface FormattedValue extends NodeBase {
  kind: 'FormattedValue';
  value: Expr;
  /** `!r`, `!s`, `!a`; `${expr}` interpolation uses 's'. */
  conversion: 'r' | 's' | 'a' | null;
  formatSpec: JoinedStr | null;
  /** For `f"{x=}"`: the text `x=` (with its spacing) printed before the value. */
  debugText: string | null;
}
export interface ListExpr extends NodeBase { kind: 'List'; elts: Expr[] }
export interface TupleExpr extends NodeBase { kind: 'Tuple'; elts: Expr[] }
export interface SetExpr extends NodeBase { kind: 'Set'; elts: Expr[] }
/** keys[i] === null means values[i] is a `**mapping` spread. */
export interface DictExpr extends NodeBase { kind: 'Dict'; keys: (Expr | null)[]; values: Expr[] }
/** `*x` in a call, list/tuple/set display, or assignment target. */
export interface Starred extends NodeBase { kind: 'Starred'; value: Expr }
export interface Comprehension extends NodeBase { kind: 'Comprehension'; target: Expr; iter: Expr; ifs: Expr[] }
export interface ListComp extends NodeBase { kind: 'ListComp'; elt: Expr; generators: Comprehension[] }
export interface SetComp extends NodeBase { kind: 'SetComp'; elt: Expr; generators: Comprehension[] }
export interface GeneratorExp extends NodeBase { kind: 'GeneratorExp'; elt: Expr; generators: Comprehension[] }
export interface DictComp extends NodeBase { kind: 'DictComp'; key: Expr; value: Expr; generators: Comprehension[] }

export type BinOperator = '+' | '-' | '*' | '/' | '//' | '%' | '**' | '@' | '<<' | '>>' | '&' | '|' | '^';
export type CmpOperator = '<' | '>' | '<=' | '>=' | '==' | '!=' | 'in' | 'not in' | 'is' | 'is not';
export interface BinOp extends NodeBase { kind: 'BinOp'; op: BinOperator; left: Expr; right: Expr }
export interface UnaryOp extends NodeBase { kind: 'UnaryOp'; op: 'not' | '-' | '+' | '~'; operand: Expr }
export interface BoolOp extends NodeBase { kind: 'BoolOp'; op: 'and' | 'or'; values: Expr[] }
/** Chained comparison `a < b <= c`: ops.length === comparators.length. */
export interface Compare extends NodeBase { kind: 'Compare'; left: Expr; ops: CmpOperator[]; comparators: Expr[] }
/** keyword.arg === null means `**mapping`. */
export interface Keyword extends NodeBase { kind: 'Keyword'; arg: string | null; value: Expr }
export interface Call extends NodeBase { kind: 'Call'; func: Expr; args: Expr[]; keywords: Keyword[] }
export interface Attribute extends NodeBase {
  kind: 'Attribute';
  value: Expr;
  attr: string;
  /** Range of the attribute name itself (for rename, hover, semantic tokens). */
  attrRange: Range;
}
export interface Subscript extends NodeBase { kind: 'Subscript'; value: Expr; slice: Expr }
/** `a:b:c` inside a subscript; a subscript `x[1:2, 3]` has a Tuple slice holding a Slice. */
export interface Slice extends NodeBase { kind: 'Slice'; lower: Expr | null; upper: Expr | null; step: Expr | null }
export interface Lambda extends NodeBase { kind: 'Lambda'; params: Params; body: Expr }
/** XLang brace lambda `(x, y){ stmts }`. */
export interface BraceLambda extends NodeBase { kind: 'BraceLambda'; params: Params; body: Stmt[] }
export interface IfExp extends NodeBase { kind: 'IfExp'; test: Expr; body: Expr; orelse: Expr }
export interface NamedExpr extends NodeBase { kind: 'NamedExpr'; target: Name; value: Expr }
export interface Yield extends NodeBase { kind: 'Yield'; value: Expr | null }
export interface YieldFrom extends NodeBase { kind: 'YieldFrom'; value: Expr }
/** Placeholder where an expression failed to parse; a diagnostic was reported. */
export interface ErrorExpr extends NodeBase { kind: 'ErrorExpr' }

export type Expr =
  | Name | IntLit | FloatLit | ImagLit | Str | Bytes | Const | JoinedStr | FormattedValue
  | ListExpr | TupleExpr | SetExpr | DictExpr | Starred
  | ListComp | SetComp | GeneratorExp | DictComp
  | BinOp | UnaryOp | BoolOp | Compare | Call | Attribute | Subscript | Slice
  | Lambda | BraceLambda | IfExp | NamedExpr | Yield | YieldFrom | ErrorExpr;

// ---------------------------------------------------------------------------------------------
// Parameters

export interface Param extends NodeBase {
  kind: 'Param';
  name: string;
  annotation: Expr | null;
  default: Expr | null;
}
export interface Params {
  /** Positional parameters (positional-only ones first). */
  args: Param[];
  /** How many of args come before a `/` marker. */
  posonlyCount: number;
  vararg: Param | null;
  kwonly: Param[];
  kwarg: Param | null;
}

// ---------------------------------------------------------------------------------------------
// Statements

export interface ExprStmt extends NodeBase { kind: 'ExprStmt'; value: Expr }
/** `a = b = value`: targets are Name, Attribute, Subscript, Tuple/List (possibly with one Starred). */
export interface Assign extends NodeBase { kind: 'Assign'; targets: Expr[]; value: Expr }
export interface AugAssign extends NodeBase { kind: 'AugAssign'; target: Expr; op: BinOperator; value: Expr }
/** `x: int = 1`; in a class body, a member declaration (`on_move: event` declares an event). */
export interface AnnAssign extends NodeBase { kind: 'AnnAssign'; target: Expr; annotation: Expr; value: Expr | null }
export interface If extends NodeBase { kind: 'If'; test: Expr; body: Stmt[]; orelse: Stmt[] }
export interface While extends NodeBase { kind: 'While'; test: Expr; body: Stmt[]; orelse: Stmt[] }
export interface For extends NodeBase { kind: 'For'; target: Expr; iter: Expr; body: Stmt[]; orelse: Stmt[] }
export interface Break extends NodeBase { kind: 'Break' }
export interface Continue extends NodeBase { kind: 'Continue' }
export interface Pass extends NodeBase { kind: 'Pass' }
export interface Return extends NodeBase { kind: 'Return'; value: Expr | null }
export interface FunctionDef extends NodeBase {
  kind: 'FunctionDef';
  name: string;
  /** Range of the name (for symbols, rename, definition). */
  nameRange: Range;
  params: Params;
  body: Stmt[];
  decorators: Expr[];
  returns: Expr | null;
}
export interface ClassDef extends NodeBase {
  kind: 'ClassDef';
  name: string;
  nameRange: Range;
  bases: Expr[];
  keywords: Keyword[];
  body: Stmt[];
  decorators: Expr[];
}
export interface ExceptHandler extends NodeBase {
  kind: 'ExceptHandler';
  /** null for a bare `except:`; for `except e:` this is Name(e) and scope analysis decides. */
  type: Expr | null;
  name: string | null;
  body: Stmt[];
}
export interface Try extends NodeBase {
  kind: 'Try';
  body: Stmt[];
  handlers: ExceptHandler[];
  orelse: Stmt[];
  finalbody: Stmt[];
}
export interface Raise extends NodeBase { kind: 'Raise'; exc: Expr | null; cause: Expr | null }
export interface WithItem extends NodeBase { kind: 'WithItem'; contextExpr: Expr; optionalVars: Expr | null }
export interface With extends NodeBase { kind: 'With'; items: WithItem[]; body: Stmt[] }
/** `name` is dotted (`a.b.c`); `asname` is the bound name or null. */
export interface Alias extends NodeBase { kind: 'Alias'; name: string; asname: string | null }
export interface Import extends NodeBase {
  kind: 'Import';
  names: Alias[];
  /** `import m deferred [as h]` */
  deferred: boolean;
  /** `import m thru 'address'` */
  thru: Expr | null;
}
/** `from ..m import x` has level 2 and module 'm'; `from . import x` has module ''. `*` is an alias named '*'. */
export interface ImportFrom extends NodeBase { kind: 'ImportFrom'; module: string; names: Alias[]; level: number }
export interface Global extends NodeBase { kind: 'Global'; names: string[] }
export interface Nonlocal extends NodeBase { kind: 'Nonlocal'; names: string[] }
export interface Del extends NodeBase { kind: 'Del'; targets: Expr[] }
export interface Assert extends NodeBase { kind: 'Assert'; test: Expr; msg: Expr | null }
/** `namespace a.b.c = v`, `const a.b = v`, `var a.b = v` (a single-name path is allowed for const/var). */
export interface NamespaceAssign extends NodeBase {
  kind: 'NamespaceAssign';
  declKind: 'namespace' | 'const' | 'var';
  path: string[];
  pathRange: Range;
  value: Expr;
}
/** `namespace a.b:` followed by an indented block of definitions. */
export interface NamespaceBlock extends NodeBase { kind: 'NamespaceBlock'; path: string[]; pathRange: Range; body: Stmt[] }
/**
 * A construct LANGUAGE.md lists as "later" (tables, tensors, pipes, struct, match, async...).
 * The parser recognises it, reports an "unsupported construct" diagnostic naming it, and
 * leaves this node so later passes can skip it.
 */
export interface Unsupported extends NodeBase { kind: 'Unsupported'; construct: string }
/** Placeholder for a statement that failed to parse; a diagnostic was reported. */
export interface ErrorStmt extends NodeBase { kind: 'ErrorStmt' }

export type Stmt =
  | ExprStmt | Assign | AugAssign | AnnAssign | If | While | For | Break | Continue | Pass | Return
  | FunctionDef | ClassDef | Try | Raise | With | Import | ImportFrom | Global | Nonlocal | Del
  | Assert | NamespaceAssign | NamespaceBlock | Unsupported | ErrorStmt;

export interface Module extends NodeBase {
  kind: 'Module';
  body: Stmt[];
  /** Module docstring, if the first statement is a string literal. */
  docstring: string | null;
}

export type Node = Expr | Stmt | Module | Param | Keyword | Comprehension | ExceptHandler | WithItem | Alias;
