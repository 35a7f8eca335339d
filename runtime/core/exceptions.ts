// The builtin exception hierarchy, raising, and the translation of JS engine errors (null
// property reads, stack overflow) into the Python exceptions a program expects.
import { builtinType, construct, isinstance, makeClass, types, typeOf, type PyClass } from './objects.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** A raised value that is not an exception instance (`raise "bad input"`), with its stack. */
export class Thrown {
  stack: string | undefined;
  constructor(readonly value: unknown) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const holder: any = this;
    (Error as any).captureStackTrace?.(holder, Thrown);
    if (holder.stack === undefined) holder.stack = new Error().stack;
  }
}

const HIERARCHY: [string, string | null][] = [
  ['BaseException', null],
  ['SystemExit', 'BaseException'], ['KeyboardInterrupt', 'BaseException'], ['GeneratorExit', 'BaseException'],
  ['CancelledError', 'BaseException'],
  ['Exception', 'BaseException'],
  ['StopIteration', 'Exception'], ['StopAsyncIteration', 'Exception'],
  ['ArithmeticError', 'Exception'], ['FloatingPointError', 'ArithmeticError'], ['OverflowError', 'ArithmeticError'],
  ['ZeroDivisionError', 'ArithmeticError'],
  ['AssertionError', 'Exception'], ['AttributeError', 'Exception'], ['BufferError', 'Exception'], ['EOFError', 'Exception'],
  ['ImportError', 'Exception'], ['ModuleNotFoundError', 'ImportError'],
  ['LookupError', 'Exception'], ['IndexError', 'LookupError'], ['KeyError', 'LookupError'],
  ['MemoryError', 'Exception'], ['NameError', 'Exception'], ['UnboundLocalError', 'NameError'],
  ['OSError', 'Exception'], ['BlockingIOError', 'OSError'], ['ChildProcessError', 'OSError'], ['ConnectionError', 'OSError'],
  ['BrokenPipeError', 'ConnectionError'], ['ConnectionAbortedError', 'ConnectionError'], ['ConnectionRefusedError', 'ConnectionError'],
  ['ConnectionResetError', 'ConnectionError'], ['FileExistsError', 'OSError'], ['FileNotFoundError', 'OSError'],
  ['InterruptedError', 'OSError'], ['IsADirectoryError', 'OSError'], ['NotADirectoryError', 'OSError'],
  ['PermissionError', 'OSError'], ['ProcessLookupError', 'OSError'], ['TimeoutError', 'OSError'],
  ['ReferenceError', 'Exception'], ['RuntimeError', 'Exception'], ['NotImplementedError', 'RuntimeError'],
  ['RecursionError', 'RuntimeError'], ['SyntaxError', 'Exception'], ['IndentationError', 'SyntaxError'],
  ['TabError', 'IndentationError'], ['SystemError', 'Exception'], ['TypeError', 'Exception'],
  ['ValueError', 'Exception'], ['UnicodeError', 'ValueError'], ['UnicodeDecodeError', 'UnicodeError'],
  ['UnicodeEncodeError', 'UnicodeError'],
  ['Warning', 'Exception'], ['DeprecationWarning', 'Warning'], ['UserWarning', 'Warning'], ['RuntimeWarning', 'Warning'],
  ['SyntaxWarning', 'Warning'], ['FutureWarning', 'Warning'], ['ImportWarning', 'Warning'], ['UnicodeWarning', 'Warning'],
  ['BytesWarning', 'Warning'], ['ResourceWarning', 'Warning'], ['PendingDeprecationWarning', 'Warning'],
];

export const exceptionNames: string[] = HIERARCHY.map(h => h[0]);

let mkTuple: (items: unknown[]) => unknown;

/** Creates the exception classes. Called once by the runtime's init, after `object` exists. */
export function initExceptions(tupleFactory: (items: unknown[]) => unknown, strOf: (x: unknown) => string, reprOf: (x: unknown) => string): void {
  mkTuple = tupleFactory;
  const proto: any = Object.create(types.object!.prototype);
  const Base = builtinType('BaseException', proto, function BaseException(...args: unknown[]) {
    return construct(Base, args);
  }, [types.object!], {
    nativeNew: (cls, args) => {
      const o = cls === Base ? Object.create(proto) : new (cls as any).Inst();
      const pos = args.length && (args[args.length - 1] as any)?.constructor?.name === 'KwArgs' ? args.slice(0, -1) : args;
      o.$args = mkTuple(pos);
      return o;
    },
  });
  Base.builtin = false; // user code may set attributes on exceptions
  Object.defineProperty(proto, '$__init__', {
    value: function (this: any, ...args: unknown[]) { this.$args = mkTuple(args); return null; }, writable: true,
  });
  (proto.$__init__ as any).builtinMethod = true;
  Object.defineProperty(proto, '$__str__', {
    value: function (this: any) {
      const a = this.$args?.items ?? [];
      if (a.length === 0) return '';
      if (a.length === 1) return strOf(a[0]);
      return reprOf(this.$args);
    }, writable: true,
  });
  (proto.$__str__ as any).builtinMethod = true;
  Object.defineProperty(proto, '$__repr__', {
    value: function (this: any) {
      const a = this.$args?.items ?? [];
      const name = typeOf(this).pyName;
      return a.length === 1 ? `${name}(${reprOf(a[0])})` : `${name}${reprOf(this.$args)}`;
    }, writable: true,
  });
  (proto.$__repr__ as any).builtinMethod = true;
  Object.defineProperty(proto, '$with_traceback', { value: function (this: any) { return this; }, writable: true });
  (proto.$with_traceback as any).builtinMethod = true;
  for (const k of ['$__cause__', '$__context__', '$__traceback__']) Object.defineProperty(proto, k, { value: null, writable: true });
  Object.defineProperty(proto, '$__suppress_context__', { value: false, writable: true });
  for (const [name, parent] of HIERARCHY) {
    if (parent === null) continue;
    const cls = makeClass(name, [types[parent]!], null, { module: 'builtins' });
    types[name] = cls;
  }
  // KeyError prints the repr of its key; StopIteration carries a value; SystemExit a code.
  const ke = types.KeyError!.prototype;
  Object.defineProperty(ke, '$__str__', {
    value: function (this: any) { const a = this.$args.items; return a.length === 1 ? reprOf(a[0]) : proto.$__str__.call(this); }, writable: true,
  });
  Object.defineProperty(types.StopIteration!.prototype, '$value', {
    get(this: any) { return this.$args.items[0] ?? null; }, configurable: true,
  });
  Object.defineProperty(types.SystemExit!.prototype, '$code', {
    get(this: any) { const a = this.$args.items; return a.length === 0 ? null : a.length === 1 ? a[0] : this.$args; }, configurable: true,
  });
  Object.defineProperty(types.OSError!.prototype, '$errno', {
    get(this: any) { return this.$args.items.length >= 2 ? this.$args.items[0] : null; }, configurable: true,
  });
  Object.defineProperty(types.OSError!.prototype, '$strerror', {
    get(this: any) { return this.$args.items.length >= 2 ? this.$args.items[1] : null; }, configurable: true,
  });
}

/** Makes an instance of the named builtin exception with a captured stack. */
export function newError(name: string, message?: string): any {
  const cls = types[name] ?? types.RuntimeError!;
  const e = construct(cls, message === undefined ? [] : [message]);
  captureStack(e);
  return e;
}

export function captureStack(e: any): void {
  if (e !== null && typeof e === 'object' && !Object.prototype.hasOwnProperty.call(e, 'stack')) {
    (Error as any).captureStackTrace?.(e, captureStack);
    if (e.stack === undefined) Object.defineProperty(e, 'stack', { value: new Error().stack, writable: true });
  }
}

/** Throws the named builtin exception. */
export function raiseError(name: string, message: string): never {
  throw newError(name, message);
}

/** `raise x`: an exception class or instance, or (XLang) any other value. */
export function raiseValue(x: any, cause?: unknown): never {
  if (typeof x === 'function' && x.isClass && isSubclassOfBase(x)) x = construct(x, []);
  if (x !== null && typeof x === 'object' && isinstance(x, types.BaseException)) {
    if (cause !== undefined) {
      x.$__cause__ = cause === null ? null : (typeof cause === 'function' && (cause as any).isClass ? construct(cause as PyClass, []) : cause);
      x.$__suppress_context__ = true;
    }
    // a re-raise keeps the original stack: the traceback shows where it was first raised
    captureStack(x);
    throw x;
  }
  throw new Thrown(x);
}

function isSubclassOfBase(c: any): boolean {
  return c.mro.indexOf(types.BaseException) >= 0;
}

/** Whether x is a Python exception instance. */
export function isException(x: unknown): boolean {
  return x !== null && typeof x === 'object' && isinstance(x, types.BaseException);
}

function attrName(key: string): string {
  return key.charCodeAt(0) === 36 ? key.slice(1) : key;
}

/**
 * Turns whatever a JS `catch` received into a Python exception (or a Thrown box). JS engine
 * errors become the Python errors a program expects; the original stack is kept.
 */
export function toPyExc(e: any): any {
  if (e instanceof Thrown) return e;
  if (e !== null && typeof e === 'object' && !(e instanceof Error) && isinstance(e, types.BaseException)) return e;
  if (!(e instanceof Error)) return e;
  const msg = e.message;
  let name = 'SystemError';
  let text = `internal error: ${msg}`;
  let m: RegExpMatchArray | null;
  // V8: RangeError "Maximum call stack size exceeded"; QuickJS (the sandbox): InternalError "stack overflow"
  if ((e instanceof RangeError && /call stack/i.test(msg)) || (e.name === 'InternalError' && msg === 'stack overflow')) { name = 'RecursionError'; text = 'maximum recursion depth exceeded'; }
  else if ((m = msg.match(/^Cannot (?:read|set) propert(?:y|ies) of (null|undefined)(?: \(reading '(.*)'\)| \(setting '(.*)'\))?/))
    || (m = msg.match(/^cannot (?:read|set) property '(.*)' of (?:null|undefined)$/))) { // (QuickJS: the name first)
    name = 'AttributeError';
    text = `'NoneType' object has no attribute '${attrName((m.length > 2 ? m[2] ?? m[3] : m[1]) ?? '?')}'`;
  } else if ((m = msg.match(/^Cannot create property '(.*)' on (\w+) '/))) {
    name = 'AttributeError';
    const t = m[2] === 'string' ? 'str' : m[2] === 'number' ? 'int' : m[2] === 'boolean' ? 'bool' : m[2]!;
    text = `'${t}' object has no attribute '${attrName(m[1]!)}'`;
  } else if ((m = msg.match(/^Cannot assign to read only property '(.*)' of/)) || (m = msg.match(/^'(.*)' is read-only$/))) {
    name = 'AttributeError';
    text = `attribute '${attrName(m[1]!)}' is read-only`;
  } else if (/Invalid (array|string) length|Array buffer allocation failed|Maximum BigInt size exceeded|out of memory|string too long|invalid repeat count|BigInt is too large|invalid array buffer length/i.test(msg)) {
    name = 'MemoryError'; text = msg;
  } else if ((m = msg.match(/^([A-Za-z_][\w$]*) is not a function$/))) {
    // A bare identifier is a direct call compiled code makes to a name bound only by def/class
    // (every other call goes through a typeof test or $call), and such a name holds a function
    // once its statement ran: before that it is undefined, which Python reports as NameError.
    // (The runtime calls callables it is given through call(), never bare.) A jsName is the
    // Python name, or it plus a `$` suffix (reserved words, renamed shadowed locals).
    name = 'NameError'; text = `name '${m[1]!.replace(/\$.*$/, '')}' is not defined`;
  } else if (/is not a function|is not a constructor/.test(msg)) {
    name = 'TypeError'; text = msg.replace(/\$(\w+)/g, '$1').replace('is not a function', 'is not callable');
  } else if (e instanceof TypeError && msg === 'not a function') { // QuickJS names no callee
    name = 'TypeError'; text = 'object is not callable';
  } else if (/is not iterable/.test(msg)) {
    name = 'TypeError'; text = msg.replace(/\$(\w+)/g, '$1');
  } else if (e instanceof TypeError && /BigInt/i.test(msg)) {
    name = 'TypeError'; text = msg;
  }
  const py = construct(types[name]!, [text]);
  Object.defineProperty(py, 'stack', { value: e.stack, writable: true });
  Object.defineProperty(py, 'jsError', { value: e });
  return py;
}

/** "ValueError: message" as the last line of a traceback prints it. */
export function excSummary(e: any, strOf: (x: unknown) => string, reprOf: (x: unknown) => string): string {
  if (e instanceof Thrown) {
    const v = e.value;
    return `${typeOf(v).pyName === 'str' ? 'Error' : typeOf(v).pyName}: ${typeof v === 'string' ? v : reprOf(v)}`;
  }
  if (isException(e)) {
    const t = typeOf(e);
    const s = strOf(e);
    const name = t.module === 'builtins' || t.module === '__main__' ? t.qualname : `${t.module}.${t.qualname}`;
    return s === '' ? name : `${name}: ${s}`;
  }
  if (e instanceof Error) return `SystemError: internal error: ${e.message}`;
  return `Error: ${String(e)}`;
}
