// Generates syntaxes/xlang.tmLanguage.json, the TextMate grammar of XLang.
//
// The grammar is written as a program because strings multiply: six literal kinds (plain, raw,
// bytes, raw bytes, f, raw f) times four quotes, and the expressions embedded in single-line
// strings must stop at the string's own quote or at the end of the line, so each quote gets its
// own copy of the embedded-expression rules. Run `npm run grammar` after editing this file; a
// test checks that the committed JSON is what this script produces.
//
// Scope names follow the TextMate conventions that themes colour (keyword.control, storage.type,
// entity.name.function, string.quoted, constant.numeric, support.function.builtin, ...), in the
// shape the Python grammars use, so Python-aware themes colour XLang the same way.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const NAME = String.raw`[[:alpha:]_]\w*`;
const DOTTED = String.raw`${NAME}(?:\s*\.\s*${NAME})*`;
const words = (list) => list.trim().split(/\s+/).join('|');

// Python's hard keywords; XLang's soft ones (namespace, const, var, deferred, thru, match, case,
// struct) are only keywords in their statement positions, because they are valid names elsewhere.
const HARD_KEYWORDS = words(`False None True and as assert async await break class continue def del elif else except
  finally for from global if import in is lambda nonlocal not or pass raise return try while with yield`);
const CONTROL = words('if elif else for while break continue return pass raise try except finally with yield await assert del as');
const BUILTIN_FUNCTIONS = words(`abs aiter all anext any ascii bin breakpoint callable chr classmethod compile delattr dir divmod
  enumerate eval exec exit filter format getattr globals hasattr hash help hex id input isinstance issubclass iter len locals
  map max min next oct open ord pow print property quit repr reversed round setattr sorted staticmethod sum super vars zip
  __import__ taskpool mainrun sleep threadid to_bin from_bin`);
// `on`, `off` and `fire` (global named events) are common words: builtins only when called
const EVENT_FUNCTIONS = words('on off fire');
const BUILTIN_TYPES = words('bool bytearray bytes complex dict float frozenset int list memoryview object range set slice str tuple type');
const EXCEPTIONS = words(`BaseException Exception ArithmeticError AssertionError AttributeError BlockingIOError BrokenPipeError
  BufferError ChildProcessError ConnectionAbortedError ConnectionError ConnectionRefusedError ConnectionResetError EOFError
  EnvironmentError FileExistsError FileNotFoundError FloatingPointError GeneratorExit IOError ImportError IndentationError
  IndexError InterruptedError IsADirectoryError KeyError KeyboardInterrupt LookupError MemoryError ModuleNotFoundError
  NameError NotADirectoryError NotImplementedError OSError OverflowError PermissionError ProcessLookupError RecursionError
  ReferenceError RuntimeError StopAsyncIteration StopIteration SyntaxError SystemError SystemExit TabError TimeoutError
  TypeError UnboundLocalError UnicodeDecodeError UnicodeEncodeError UnicodeError UnicodeTranslateError ValueError
  ZeroDivisionError CancelledError Warning UserWarning DeprecationWarning PendingDeprecationWarning SyntaxWarning
  RuntimeWarning FutureWarning ImportWarning UnicodeWarning BytesWarning ResourceWarning`);

// numbers: the lexer's forms (underscores between digits, hex/octal/binary, exponents, imaginary)
const DIGITS = String.raw`\d(?:_?\d)*`;
const EXP = String.raw`[eE][+-]?${DIGITS}`;
const POINTFLOAT = String.raw`(?:\b${DIGITS}\.(?:${DIGITS})?|(?<![\w.])\.${DIGITS})`;
const FLOAT = String.raw`(?:${POINTFLOAT}(?:${EXP})?|\b${DIGITS}${EXP})`;

// --- strings -------------------------------------------------------------------------------------

const QUOTES = [
  { id: 'dq3', q: '"""', re: '"""', triple: true, kind: 'double' },
  { id: 'sq3', q: "'''", re: "'''", triple: true, kind: 'single' },
  { id: 'dq', q: '"', re: '"', triple: false, kind: 'double' },
  { id: 'sq', q: "'", re: "'", triple: false, kind: 'single' },
];
// prefix kinds, longest prefixes first so `rb"` is not read as `r` + `b"`
const KINDS = [
  { id: 'rawbytes', prefix: '[rR][bB]|[bB][rR]', scope: 'string.quoted.raw.binary', raw: true, bytes: true },
  { id: 'rawf', prefix: '[rR][fF]|[fF][rR]', scope: 'string.interpolated.raw', raw: true, f: true },
  { id: 'bytes', prefix: '[bB]', scope: 'string.quoted.binary', bytes: true },
  { id: 'raw', prefix: '[rR]', scope: 'string.quoted.raw', raw: true },
  { id: 'f', prefix: '[fF]', scope: 'string.interpolated', f: true },
  { id: 'plain', prefix: '[uU]', scope: 'string.quoted', optional: true },
];

/** Where an embedded expression must stop: at the closing quote of a single-line string, or its line's end. */
const stopFor = (quote) => (quote.triple ? '' : String.raw`|(?=${quote.re}|\n)`);

function stringRule(kind, quote) {
  const prefix = kind.optional ? String.raw`(?:\b(${kind.prefix}))?` : String.raw`\b(${kind.prefix})`;
  const patterns = [];
  if (kind.raw) patterns.push({ include: '#raw-backslash' });
  else patterns.push({ include: kind.bytes ? '#escape-bytes' : '#escape' });
  // `${expr}` interpolation: every non-raw str literal, f-strings included (not bytes)
  if (!kind.raw && !kind.bytes) patterns.push({ include: `#dollar-interpolation-${quote.id}` });
  if (kind.f) patterns.push({ include: `#fstring-field-${quote.id}` });
  return {
    name: `${kind.scope}.${quote.kind}${quote.triple ? '.block' : ''}.xlang`,
    begin: `${prefix}(${quote.re})`,
    beginCaptures: { 1: { name: 'storage.type.string.xlang' }, 2: { name: 'punctuation.definition.string.begin.xlang' } },
    end: quote.triple ? `(${quote.re})` : String.raw`(${quote.re})|(\n)`,
    endCaptures: { 1: { name: 'punctuation.definition.string.end.xlang' }, 2: { name: 'invalid.illegal.newline.xlang' } },
    patterns,
  };
}

const EMBEDDED = 'meta.embedded.inline.xlang source.xlang';

function dollarInterpolation(quote) {
  return {
    name: 'meta.interpolation.xlang',
    begin: String.raw`(\$\{)`,
    beginCaptures: { 1: { name: 'punctuation.section.interpolation.begin.xlang' } },
    end: String.raw`(\})${stopFor(quote)}`,
    endCaptures: { 1: { name: 'punctuation.section.interpolation.end.xlang' } },
    contentName: EMBEDDED,
    patterns: [{ include: exprFor(quote) }],
  };
}

function fstringField(quote) {
  const stop = stopFor(quote);
  return {
    patterns: [
      { name: 'constant.character.escape.xlang', match: String.raw`\{\{|\}\}` },
      {
        name: 'meta.fstring.field.xlang',
        begin: String.raw`(\{)`,
        beginCaptures: { 1: { name: 'punctuation.section.interpolation.begin.xlang' } },
        end: String.raw`(\})${stop}`,
        endCaptures: { 1: { name: 'punctuation.section.interpolation.end.xlang' } },
        contentName: EMBEDDED,
        patterns: [
          // the `=` self-documenting specifier and the `!r`/`!s`/`!a` conversion
          { name: 'storage.type.format.xlang', match: String.raw`=(?=\s*(?:![rsa])?\s*[:}])` },
          { name: 'storage.type.format.xlang', match: String.raw`![rsa](?=\s*[:}])` },
          {
            // the format spec runs to the field's `}` and may hold nested fields
            name: 'meta.format-spec.xlang',
            begin: '(:)',
            beginCaptures: { 1: { name: 'storage.type.format.xlang' } },
            end: String.raw`(?=\})${stop}`,
            patterns: [{ include: `#fstring-field-${quote.id}` }, { name: 'storage.type.format.xlang', match: String.raw`[^{}'"\n]+` }],
          },
          { include: exprFor(quote) },
        ],
      },
    ],
  };
}

// --- expressions ---------------------------------------------------------------------------------

/** The expression rules for code inside a string of this quote (or anywhere, without one). */
function exprFor(quote) {
  return quote && !quote.triple ? `#expression-in-${quote.id}` : '#expression';
}

function bracketRules(quote) {
  const stop = quote && !quote.triple ? stopFor(quote) : '';
  const inner = [{ include: exprFor(quote) }];
  const mk = (open, close, what) => ({
    begin: `(${open})`,
    beginCaptures: { 1: { name: `punctuation.${what}.begin.xlang` } },
    end: `(${close})${stop}`,
    endCaptures: { 1: { name: `punctuation.${what}.end.xlang` } },
    patterns: inner,
  });
  return {
    patterns: [
      mk(String.raw`\(`, String.raw`\)`, 'parenthesis'),
      mk(String.raw`\[`, String.raw`\]`, 'definition.list'),
      mk(String.raw`\{`, String.raw`\}`, 'definition.dict'),
    ],
  };
}

function expression(quote) {
  const inString = quote && !quote.triple;
  const p = [];
  if (!inString) p.push({ include: '#comment' }, { include: '#line-continuation' }, { include: '#brace-lambda' });
  p.push(
    { include: '#lambda' },
    { include: '#strings' },
    { include: '#numbers' },
    { include: '#keywords' },
    { include: '#language-variables' },
    { include: '#builtins' },
    { include: '#function-call' },
    { include: inString ? `#brackets-in-${quote.id}` : '#brackets' },
  );
  if (!inString) p.push({ include: '#table' });
  p.push({ include: '#operators' }, { include: '#punctuation' });
  return { patterns: p };
}

// --- parameters ------------------------------------------------------------------------------------

const parameterDefault = (end) => ({
  begin: String.raw`(=)`,
  beginCaptures: { 1: { name: 'keyword.operator.assignment.xlang' } },
  end,
  patterns: [{ include: '#expression' }],
});

const paramName = { name: 'variable.parameter.function.language.xlang', match: String.raw`\b${NAME}\b` };
const selfParam = { name: 'variable.parameter.function.language.special.self.xlang', match: String.raw`\b(?:self|cls)\b(?=\s*[,):=]|\s*$)` };
const starParam = { name: 'keyword.operator.unpacking.parameter.xlang', match: String.raw`\*\*|\*` };
const slashParam = { name: 'keyword.operator.positional.parameter.xlang', match: '/' };
const paramComma = { name: 'punctuation.separator.parameters.xlang', match: ',' };

// --- the grammar ---------------------------------------------------------------------------------

const repository = {
  statements: {
    patterns: [
      { include: '#comment' },
      { include: '#decorator' },
      { include: '#function-definition' },
      { include: '#class-definition' },
      { include: '#import' },
      { include: '#namespace-declaration' },
      { include: '#struct-declaration' },
      { include: '#soft-keywords' },
      { include: '#member-declaration' },
      { include: '#expression' },
    ],
  },

  comment: {
    name: 'comment.line.number-sign.xlang',
    match: '(#).*$',
    captures: { 1: { name: 'punctuation.definition.comment.xlang' } },
  },

  'line-continuation': {
    patterns: [
      { match: String.raw`(\\)\s*$`, captures: { 1: { name: 'punctuation.separator.continuation.line.xlang' } } },
      { name: 'invalid.illegal.line.continuation.xlang', match: String.raw`\\(?=\s*\S)` },
    ],
  },

  decorator: {
    name: 'meta.function.decorator.xlang',
    begin: String.raw`^\s*(@)\s*(${DOTTED})`,
    beginCaptures: {
      1: { name: 'punctuation.definition.decorator.xlang' },
      2: { name: 'entity.name.function.decorator.xlang' },
    },
    end: String.raw`(?=\s*(?:#|$))`,
    patterns: [{ include: '#expression' }],
  },

  'function-definition': {
    name: 'meta.function.xlang',
    begin: String.raw`\b(?:(async)\s+)?(def)\s+(${NAME})\s*(?=\()`,
    beginCaptures: {
      1: { name: 'storage.modifier.async.xlang' },
      2: { name: 'storage.type.function.xlang' },
      3: { name: 'entity.name.function.xlang' },
    },
    end: String.raw`(:)|(?=[#'"\n])`,
    endCaptures: { 1: { name: 'punctuation.section.function.begin.xlang' } },
    patterns: [{ include: '#parameters' }, { include: '#return-annotation' }],
  },

  parameters: {
    name: 'meta.function.parameters.xlang',
    begin: String.raw`(\()`,
    beginCaptures: { 1: { name: 'punctuation.definition.parameters.begin.xlang' } },
    end: String.raw`(\))`,
    endCaptures: { 1: { name: 'punctuation.definition.parameters.end.xlang' } },
    patterns: [
      { include: '#comment' },
      { include: '#line-continuation' },
      starParam,
      slashParam,
      {
        // `name: annotation`
        begin: String.raw`(?:\b(self|cls)|(${NAME}))\s*(:)(?!=)`,
        beginCaptures: {
          1: { name: 'variable.parameter.function.language.special.self.xlang' },
          2: { name: 'variable.parameter.function.language.xlang' },
          3: { name: 'punctuation.separator.annotation.xlang' },
        },
        end: String.raw`(?=[,)]|=(?!=))`,
        contentName: 'meta.type.annotation.xlang',
        patterns: [{ include: '#annotation' }],
      },
      parameterDefault(String.raw`(?=[,)])`),
      selfParam,
      paramName,
      paramComma,
    ],
  },

  'return-annotation': {
    begin: String.raw`(->)`,
    beginCaptures: { 1: { name: 'punctuation.separator.annotation.result.xlang' } },
    end: String.raw`(?=:|#|\n)`,
    contentName: 'meta.type.annotation.xlang',
    patterns: [{ include: '#annotation' }],
  },

  annotation: {
    patterns: [
      { include: '#strings' },
      { name: 'constant.language.xlang', match: String.raw`\b(?:None|True|False)\b` },
      { name: 'support.type.event.xlang', match: String.raw`\bevent\b` },
      { name: 'support.type.xlang', match: String.raw`(?<!\.)\b(?:${BUILTIN_TYPES})\b` },
      { name: 'support.type.exception.xlang', match: String.raw`(?<!\.)\b(?:${EXCEPTIONS})\b` },
      { name: 'entity.name.type.xlang', match: String.raw`\b${NAME}\b` },
      {
        begin: String.raw`(\[)`,
        beginCaptures: { 1: { name: 'punctuation.definition.list.begin.xlang' } },
        end: String.raw`(\])`,
        endCaptures: { 1: { name: 'punctuation.definition.list.end.xlang' } },
        patterns: [{ include: '#annotation' }],
      },
      {
        begin: String.raw`(\()`,
        beginCaptures: { 1: { name: 'punctuation.parenthesis.begin.xlang' } },
        end: String.raw`(\))`,
        endCaptures: { 1: { name: 'punctuation.parenthesis.end.xlang' } },
        patterns: [{ include: '#annotation' }],
      },
      { name: 'constant.other.ellipsis.xlang', match: String.raw`\.\.\.` },
      { name: 'punctuation.separator.period.xlang', match: String.raw`\.` },
      { name: 'punctuation.separator.element.xlang', match: ',' },
      { name: 'keyword.operator.bitwise.xlang', match: String.raw`\|` },
    ],
  },

  'class-definition': {
    name: 'meta.class.xlang',
    begin: String.raw`\b(class)\s+(${NAME})`,
    beginCaptures: { 1: { name: 'storage.type.class.xlang' }, 2: { name: 'entity.name.type.class.xlang' } },
    end: String.raw`(:)|(?=[#\n])`,
    endCaptures: { 1: { name: 'punctuation.section.class.begin.xlang' } },
    patterns: [
      {
        name: 'meta.class.inheritance.xlang',
        begin: String.raw`(\()`,
        beginCaptures: { 1: { name: 'punctuation.definition.inheritance.begin.xlang' } },
        end: String.raw`(\))`,
        endCaptures: { 1: { name: 'punctuation.definition.inheritance.end.xlang' } },
        patterns: [
          {
            match: String.raw`\b(${NAME})\s*(=)(?!=)`,
            captures: { 1: { name: 'variable.parameter.class.xlang' }, 2: { name: 'keyword.operator.assignment.xlang' } },
          },
          { name: 'support.type.xlang', match: String.raw`(?<!\.)\b(?:${BUILTIN_TYPES})\b(?!\s*\()` },
          { name: 'support.type.exception.xlang', match: String.raw`(?<!\.)\b(?:${EXCEPTIONS})\b(?!\s*\()` },
          { name: 'entity.other.inherited-class.xlang', match: String.raw`\b(?!(?:${HARD_KEYWORDS})\b)${NAME}\b(?!\s*\()` },
          { include: '#expression' },
        ],
      },
    ],
  },

  import: {
    patterns: [
      {
        match: String.raw`(?:^|(?<=;))\s*(from)\b`,
        captures: { 1: { name: 'keyword.control.import.xlang' } },
      },
      {
        // `import m`, `import a.b as c`, `import m deferred [as h]`, `import m thru 'address'`, `from m import x`
        name: 'meta.statement.import.xlang',
        begin: String.raw`\b(import)\b`,
        beginCaptures: { 1: { name: 'keyword.control.import.xlang' } },
        end: String.raw`(?=\s*(?:$|;|#))`,
        patterns: [
          { name: 'keyword.control.import.xlang', match: String.raw`\b(?:as|deferred|thru)\b` },
          { name: 'keyword.operator.wildcard.xlang', match: String.raw`\*` },
          {
            begin: String.raw`(\()`,
            beginCaptures: { 1: { name: 'punctuation.parenthesis.begin.xlang' } },
            end: String.raw`(\))`,
            endCaptures: { 1: { name: 'punctuation.parenthesis.end.xlang' } },
            patterns: [
              { include: '#comment' },
              { name: 'keyword.control.import.xlang', match: String.raw`\bas\b` },
              { name: 'punctuation.separator.element.xlang', match: ',' },
            ],
          },
          { include: '#line-continuation' },
          { include: '#expression' },
        ],
      },
    ],
  },

  'namespace-declaration': {
    patterns: [
      {
        // `namespace a.b.c = value`, `namespace a:`
        match: String.raw`(?:^|(?<=;))\s*(namespace)\s+(${DOTTED})(?=\s*(?:=(?!=)|:))`,
        captures: {
          1: { name: 'storage.type.namespace.xlang' },
          2: { patterns: [{ name: 'entity.name.namespace.xlang', match: NAME }, { include: '#punctuation' }] },
        },
      },
      {
        // `const a.b.d = 3`, `var a.b.e = [1]`
        match: String.raw`(?:^|(?<=;))\s*(?:(const)|(var))\s+(${DOTTED})(?=\s*=(?!=))`,
        captures: {
          1: { name: 'storage.modifier.const.xlang' },
          2: { name: 'storage.type.var.xlang' },
          3: { patterns: [{ name: 'variable.other.xlang', match: NAME }, { include: '#punctuation' }] },
        },
      },
    ],
  },

  'struct-declaration': {
    match: String.raw`^\s*(struct)\s+(${NAME})(?=\s*:)`,
    captures: { 1: { name: 'storage.type.struct.xlang' }, 2: { name: 'entity.name.type.struct.xlang' } },
  },

  'soft-keywords': {
    // `match subject:` / `case pattern:` (reserved; compiled to a clear "not supported yet" error).
    // A `match` header ends its line (its cases are an indented block); a `case` may have its body
    // on the same line (`case 0: pass`).
    patterns: [
      {
        match: String.raw`^\s*(match)\b(?=\s*[^\s=.,)\]}:+\-*/%&|^<>!][^\n]*:\s*(?:#.*)?$)`,
        captures: { 1: { name: 'keyword.control.flow.xlang' } },
      },
      {
        match: String.raw`^\s*(case)\b(?=\s*[^\s=.,)\]}:+\-*/%&|^<>!][^\n]*:)`,
        captures: { 1: { name: 'keyword.control.flow.xlang' } },
      },
    ],
  },

  'member-declaration': {
    // `x: int`, `color: str = 'red'`, `on_move: event` (class members; also annotated assignments)
    begin: String.raw`^\s*(?!(?:${HARD_KEYWORDS})\b)(${NAME})\s*(:)(?![=:])`,
    beginCaptures: { 1: { name: 'variable.other.member.xlang' }, 2: { name: 'punctuation.separator.annotation.xlang' } },
    end: String.raw`(?==(?!=)|;|#|\n)`,
    contentName: 'meta.type.annotation.xlang',
    patterns: [{ include: '#annotation' }],
  },

  'brace-lambda': {
    // XLang `(x, y){ statements }`: a parenthesised parameter list followed by `{` on the same line
    name: 'meta.function.lambda.brace.xlang',
    begin: String.raw`(\()([^()]*)(\))\s*(\{)`,
    beginCaptures: {
      1: { name: 'punctuation.definition.parameters.begin.xlang' },
      2: { name: 'meta.function.parameters.xlang', patterns: [{ include: '#lambda-parameters' }] },
      3: { name: 'punctuation.definition.parameters.end.xlang' },
      4: { name: 'punctuation.section.function.begin.xlang' },
    },
    end: String.raw`(\})`,
    endCaptures: { 1: { name: 'punctuation.section.function.end.xlang' } },
    contentName: 'meta.function.body.xlang',
    patterns: [{ include: '#statements' }],
  },

  'lambda-parameters': {
    patterns: [starParam, slashParam, parameterDefault(String.raw`(?=,|$)`), selfParam, paramName, paramComma],
  },

  lambda: {
    name: 'meta.function.lambda.xlang',
    begin: String.raw`\b(lambda)\b`,
    beginCaptures: { 1: { name: 'storage.type.function.lambda.xlang' } },
    end: String.raw`(:)|(?=\n)`,
    endCaptures: { 1: { name: 'punctuation.section.function.lambda.begin.xlang' } },
    patterns: [starParam, slashParam, parameterDefault(String.raw`(?=[,:]|\n)`), paramName, paramComma],
  },

  keywords: {
    patterns: [
      { name: 'keyword.control.flow.xlang', match: String.raw`\b(?:${CONTROL})\b` },
      { name: 'keyword.control.flow.xlang', match: String.raw`\bfrom\b` },
      { name: 'keyword.control.import.xlang', match: String.raw`\bimport\b` },
      { name: 'keyword.operator.logical.xlang', match: String.raw`\b(?:and|or|not|in|is)\b` },
      { name: 'storage.type.function.xlang', match: String.raw`\bdef\b` },
      { name: 'storage.type.class.xlang', match: String.raw`\bclass\b` },
      { name: 'storage.modifier.declaration.xlang', match: String.raw`\b(?:global|nonlocal)\b` },
      { name: 'storage.modifier.async.xlang', match: String.raw`\basync\b` },
      { name: 'constant.language.xlang', match: String.raw`\b(?:None|True|False|NotImplemented|Ellipsis|__debug__)\b` },
    ],
  },

  'language-variables': {
    patterns: [
      { name: 'variable.language.this.xlang', match: String.raw`(?<!\.)\bthis\b` },
      { name: 'variable.language.special.self.xlang', match: String.raw`(?<!\.)\bself\b` },
      { name: 'variable.language.special.cls.xlang', match: String.raw`(?<!\.)\bcls\b` },
    ],
  },

  builtins: {
    patterns: [
      { name: 'support.function.builtin.xlang', match: String.raw`(?<!\.)\b(?:${BUILTIN_FUNCTIONS})\b` },
      { name: 'support.function.builtin.xlang', match: String.raw`(?<!\.)\b(?:${EVENT_FUNCTIONS})\b(?=\s*\()` },
      { name: 'support.type.xlang', match: String.raw`(?<!\.)\b(?:${BUILTIN_TYPES})\b` },
      { name: 'support.type.exception.xlang', match: String.raw`(?<!\.)\b(?:${EXCEPTIONS})\b` },
      { name: 'support.function.magic.xlang', match: String.raw`\b__\w+__\b(?=\s*\()` },
      { name: 'support.variable.magic.xlang', match: String.raw`\b__\w+__\b` },
    ],
  },

  'function-call': {
    match: String.raw`\b(?!(?:${HARD_KEYWORDS})\b)(${NAME})\s*(?=\()`,
    captures: { 1: { name: 'entity.name.function.call.xlang' } },
  },

  brackets: bracketRules(null),

  table: {
    // `<|Name:string, Age:int64|>` (recognised syntax; tables come later)
    name: 'meta.table.schema.xlang',
    begin: String.raw`(<\|)(?=[^\n]*\|>)`,
    beginCaptures: { 1: { name: 'punctuation.definition.table.begin.xlang' } },
    end: String.raw`(\|>)`,
    endCaptures: { 1: { name: 'punctuation.definition.table.end.xlang' } },
    patterns: [
      {
        match: String.raw`\b(${NAME})\s*(:)\s*(${NAME})?`,
        captures: {
          1: { name: 'variable.other.field.xlang' },
          2: { name: 'punctuation.separator.annotation.xlang' },
          3: { name: 'support.type.xlang' },
        },
      },
      { include: '#expression' },
    ],
  },

  numbers: {
    patterns: [
      { name: 'constant.numeric.complex.xlang', match: String.raw`(?:${FLOAT}|\b${DIGITS})[jJ]\b` },
      { name: 'constant.numeric.float.xlang', match: String.raw`${FLOAT}(?!\w)` },
      { name: 'constant.numeric.hex.xlang', match: String.raw`\b0[xX](?:_?[0-9a-fA-F])+\b` },
      { name: 'constant.numeric.oct.xlang', match: String.raw`\b0[oO](?:_?[0-7])+\b` },
      { name: 'constant.numeric.bin.xlang', match: String.raw`\b0[bB](?:_?[01])+\b` },
      { name: 'constant.numeric.dec.xlang', match: String.raw`\b(?:[1-9](?:_?\d)*|0(?:_?0)*)\b` },
      { name: 'invalid.illegal.dec.xlang', match: String.raw`\b\d\w*` },
    ],
  },

  operators: {
    patterns: [
      { name: 'keyword.operator.assignment.augmented.xlang', match: String.raw`\*\*=|//=|>>=|<<=|[-+*/%&|^@]=` },
      { name: 'keyword.operator.assignment.walrus.xlang', match: ':=' },
      { name: 'punctuation.separator.annotation.result.xlang', match: '->' },
      { name: 'keyword.operator.bitwise.xlang', match: '<<|>>' },
      { name: 'keyword.operator.comparison.xlang', match: '==|!=|<=|>=|<|>' },
      { name: 'keyword.operator.arithmetic.xlang', match: String.raw`\*\*|//|[-+*/%@]` },
      { name: 'keyword.operator.bitwise.xlang', match: String.raw`[&|^~]` },
      { name: 'keyword.operator.assignment.xlang', match: '=' },
      { name: 'constant.other.ellipsis.xlang', match: String.raw`\.\.\.` },
    ],
  },

  punctuation: {
    patterns: [
      { name: 'punctuation.separator.period.xlang', match: String.raw`\.` },
      { name: 'punctuation.separator.element.xlang', match: ',' },
      { name: 'punctuation.separator.colon.xlang', match: ':' },
      { name: 'punctuation.terminator.statement.xlang', match: ';' },
    ],
  },

  strings: { patterns: QUOTES.flatMap((q) => KINDS.map((k) => ({ include: `#string-${k.id}-${q.id}` }))) },

  escape: {
    name: 'constant.character.escape.xlang',
    match: String.raw`\\(?:[\\'"abfnrtv]|\n|[0-7]{1,3}|x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|N\{[^}\n]+\})`,
  },
  'escape-bytes': {
    name: 'constant.character.escape.xlang',
    match: String.raw`\\(?:[\\'"abfnrtv]|\n|[0-7]{1,3}|x[0-9A-Fa-f]{2})`,
  },
  // in a raw string a backslash escapes nothing, but `\"` still does not close it
  'raw-backslash': { match: String.raw`\\(?:.|\n)` },
};

for (const q of QUOTES) {
  for (const k of KINDS) repository[`string-${k.id}-${q.id}`] = stringRule(k, q);
  repository[`dollar-interpolation-${q.id}`] = dollarInterpolation(q);
  repository[`fstring-field-${q.id}`] = fstringField(q);
  if (!q.triple) {
    repository[`expression-in-${q.id}`] = expression(q);
    repository[`brackets-in-${q.id}`] = bracketRules(q);
  }
}
repository.expression = expression(null);

export const grammar = {
  $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
  name: 'XLang',
  scopeName: 'source.xlang',
  fileTypes: ['x'],
  comment: 'Generated by scripts/build-grammar.mjs: edit that file, then run `npm run grammar`.',
  patterns: [{ include: '#statements' }],
  repository,
};

export const grammarText = JSON.stringify(grammar, null, 2) + '\n';

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(new URL('../syntaxes/xlang.tmLanguage.json', import.meta.url), grammarText);
}
