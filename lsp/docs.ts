// Signatures and one-line docs for what the language server cannot read from XLang source:
// builtins (runtime/core/builtins.ts), the native stdlib modules (stdlib/*.ts) and the methods
// of the builtin types. Hover, completion and signature help read these tables; a test checks
// that every stdlib member the host really exports has an entry here.

export type MemberKind = 'function' | 'class' | 'constant' | 'module' | 'method';

export interface DocEntry {
  name: string;
  kind: MemberKind;
  /** The signature as shown to the user: `print(*values, sep=' ', end='\n')`; for constants `pi: float`. */
  sig: string;
  doc: string;
}

/** Parses `name(params) | doc` lines (a line without parentheses is a constant `name: type | doc`). */
function table(kindOf: (name: string, hasParens: boolean) => MemberKind, text: string): Map<string, DocEntry> {
  const out = new Map<string, DocEntry>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const bar = line.indexOf(' | ');
    const sig = bar < 0 ? line : line.slice(0, bar);
    const doc = bar < 0 ? '' : line.slice(bar + 3);
    const name = /^[A-Za-z_][\w]*/.exec(sig)![0];
    const hasParens = sig.charAt(name.length) === '(';
    out.set(name, { name, kind: kindOf(name, hasParens), sig, doc });
  }
  return out;
}

const BUILTIN_CLASSES = new Set(['object', 'type', 'int', 'bool', 'float', 'complex', 'str', 'list', 'tuple', 'dict', 'set',
  'frozenset', 'bytes', 'bytearray', 'range', 'slice', 'property', 'staticmethod', 'classmethod', 'super', 'event']);

export function isClassLike(name: string): boolean {
  return BUILTIN_CLASSES.has(name) || /^[A-Z]\w*(Error|Exception|Warning|Exit|Interrupt|Iteration)$/.test(name);
}

export const BUILTINS = table((n, p) => (isClassLike(n) ? 'class' : p ? 'function' : 'constant'), `
print(*values, sep=' ', end='\\n', file=None, flush=False) | Prints the values to standard output, separated by sep and followed by end.
len(obj) | Returns the number of items of a container or the length of a str (in code points).
abs(x) | Returns the absolute value of a number.
sum(iterable, start=0) | Returns start plus the sum of the items of iterable.
round(number, ndigits=None) | Rounds to ndigits decimal places (half to even); an int when ndigits is omitted.
divmod(a, b) | Returns the tuple (a // b, a % b).
sorted(iterable, *, key=None, reverse=False) | Returns a new sorted list from the items of iterable (stable).
enumerate(iterable, start=0) | Yields (index, item) pairs, counting from start.
zip(*iterables, strict=False) | Yields tuples of the i-th items of each iterable, stopping at the shortest.
map(function, *iterables) | Yields function applied to the items of the iterables.
filter(function, iterable) | Yields the items of iterable for which function(item) is true (truthy items when function is None).
reversed(sequence) | Returns an iterator over the sequence in reverse order.
any(iterable) | True when any item of iterable is true.
all(iterable) | True when every item of iterable is true (or it is empty).
chr(i) | The one-character str of Unicode code point i.
ord(c) | The Unicode code point of the one-character str c.
callable(obj) | True when obj can be called.
id(obj) | An integer unique to obj for its lifetime.
input(prompt='') | Reads a line from standard input (without its newline), after writing prompt.
format(value, format_spec='') | Formats value with a format specification, as f-strings do.
dir(obj=None) | The sorted attribute names of obj.
vars(obj=None) | The __dict__ of obj.
on(name, handler) | XLang: registers handler for the global event name; fire(name, ...) calls it.
fire(name, *args) | XLang: calls every handler registered with on(name, ...) with args, in registration order.
off(name, handler) | XLang: removes a handler registered with on(name, handler).
sleep(ms) | XLang: sleeps for ms milliseconds.
hex(x) | The hexadecimal text of an integer, prefixed with 0x.
oct(x) | The octal text of an integer, prefixed with 0o.
bin(x) | The binary text of an integer, prefixed with 0b.
min(iterable, *, key=None, default=None) | The smallest item of iterable (or of several arguments).
max(iterable, *, key=None, default=None) | The largest item of iterable (or of several arguments).
pow(base, exp, mod=None) | base ** exp, or (base ** exp) % mod computed efficiently.
hash(obj) | The hash value of obj (equal values have equal hashes).
repr(obj) | The printable representation of obj.
ascii(obj) | repr(obj) with non-ASCII characters escaped.
isinstance(obj, classinfo) | True when obj is an instance of classinfo (a class or a tuple of classes) or of a subclass.
issubclass(cls, classinfo) | True when cls is a subclass of classinfo (a class or a tuple of classes).
hasattr(obj, name) | True when obj has an attribute called name.
getattr(obj, name, default=None) | The attribute name of obj; default when it is missing (AttributeError without a default).
setattr(obj, name, value) | Sets the attribute name of obj to value.
delattr(obj, name) | Deletes the attribute name of obj.
iter(obj) | An iterator over obj.
next(iterator, default=None) | The next item of iterator; default (or StopIteration) when it is exhausted.
locals() | Not supported yet.
globals() | Not supported yet.
exit(code=None) | Ends the program (raises SystemExit).
quit(code=None) | Ends the program (raises SystemExit).
object() | The base class of every class.
type(obj) | The class of obj; type(name, bases, dict) creates a class.
int(x=0, base=10) | An integer from a number or a string (in base).
bool(x=False) | True or False: the truth value of x.
float(x=0.0) | A floating-point number from a number or a string.
complex(real=0, imag=0) | A complex number.
str(obj='') | The str form of obj.
list(iterable=()) | A new list, from the items of iterable.
tuple(iterable=()) | A new tuple, from the items of iterable.
dict(mapping_or_iterable=(), **kwargs) | A new dictionary.
set(iterable=()) | A new set. XLang: set(1, 2, 3) builds from its arguments.
frozenset(iterable=()) | A new immutable set.
bytes(source=b'') | A new immutable byte string.
bytearray(source=b'') | A new mutable byte string.
range(start, stop=None, step=1) | The arithmetic sequence start, start + step, ... up to (not including) stop.
slice(start, stop=None, step=None) | A slice object, as in a[start:stop:step].
property(fget=None, fset=None, fdel=None, doc=None) | A managed attribute; usually the @property decorator.
staticmethod(function) | Decorator: a method that receives neither the instance nor the class.
classmethod(function) | Decorator: a method whose first parameter is the class.
super() | A proxy that looks attributes up in the classes after the current one in the MRO.
NotImplemented | Returned by binary dunder methods when they do not handle the operand.
Ellipsis | The ... value.
event() | XLang: an event member type (on_move: event); handlers are added with += and called in order.
__name__ | The module's name ('__main__' for the program).
__file__ | The path of the module's source file.
to_bin(value) | XLang: serializes any value (functions and instances included) to bytes.
from_bin(data) | XLang: restores a value serialized by to_bin.
open(file, mode='r', encoding=None) | Opens a file and returns a file object (use it in a with statement).
taskpool(max_task_num=None, run_in_ui=False, priority=1) | XLang: a pool of tasks; f.taskrun(pool, *args) runs f(*args) as a task and returns a future.
mainrun(f, *args) | XLang: runs f(*args) on the script's main isolate and returns its result.
threadid() | XLang: the id of the isolate running the code (0 in the main isolate).
CancelledError(*args) | Raised by future.get() when the task was cancelled.
`);

/** Builtin names without an entry above (the exception classes) get a generated one. */
export function builtinDoc(name: string): DocEntry | null {
  const e = BUILTINS.get(name);
  if (e) return e;
  if (isClassLike(name)) return { name, kind: 'class', sig: `${name}(*args)`, doc: 'Built-in exception class.' };
  return null;
}

export interface ModuleDoc {
  doc: string;
  members: Map<string, DocEntry>;
}

const fn = (_n: string, p: boolean): MemberKind => (p ? 'function' : 'constant');

export const STDLIB: Record<string, ModuleDoc> = {
  math: {
    doc: 'Mathematical functions over floats, exact where Python is (factorial, gcd, isqrt, comb, perm, fsum).',
    members: table(fn, `
pi: float | The ratio of a circle's circumference to its diameter.
e: float | Euler's number.
tau: float | 2 * pi.
inf: float | Positive infinity.
nan: float | Not a number.
sqrt(x) | The square root of x.
exp(x) | e ** x.
expm1(x) | e ** x - 1, accurate for small x.
exp2(x) | 2 ** x.
log(x, base=e) | The logarithm of x to base.
log2(x) | The base-2 logarithm of x.
log10(x) | The base-10 logarithm of x.
log1p(x) | log(1 + x), accurate for small x.
pow(x, y) | x ** y as floats.
sin(x) | The sine of x radians.
cos(x) | The cosine of x radians.
tan(x) | The tangent of x radians.
asin(x) | The arc sine of x, in radians.
acos(x) | The arc cosine of x, in radians.
atan(x) | The arc tangent of x, in radians.
atan2(y, x) | The arc tangent of y / x, in radians, in the right quadrant.
sinh(x) | The hyperbolic sine of x.
cosh(x) | The hyperbolic cosine of x.
tanh(x) | The hyperbolic tangent of x.
asinh(x) | The inverse hyperbolic sine of x.
acosh(x) | The inverse hyperbolic cosine of x.
atanh(x) | The inverse hyperbolic tangent of x.
hypot(*coordinates) | The Euclidean norm sqrt(sum(x * x for x in coordinates)).
dist(p, q) | The Euclidean distance between points p and q.
degrees(x) | Converts x radians to degrees.
radians(x) | Converts x degrees to radians.
floor(x) | The largest int <= x.
ceil(x) | The smallest int >= x.
trunc(x) | x truncated towards zero, as an int.
fabs(x) | The absolute value of x as a float.
fmod(x, y) | x modulo y with the sign of x (C's fmod).
remainder(x, y) | The IEEE 754 remainder of x by y.
copysign(x, y) | x with the sign of y.
isnan(x) | True when x is NaN.
isinf(x) | True when x is an infinity.
isfinite(x) | True when x is neither an infinity nor NaN.
isclose(a, b, *, rel_tol=1e-09, abs_tol=0.0) | True when a and b are close to each other.
factorial(n) | n! as an exact int.
gcd(*integers) | The greatest common divisor.
lcm(*integers) | The least common multiple.
isqrt(n) | The integer square root of n.
comb(n, k) | The number of ways to choose k items from n.
perm(n, k=None) | The number of ordered arrangements of k items from n.
prod(iterable, *, start=1) | The product of the items.
fsum(iterable) | An exact floating-point sum.
modf(x) | The fractional and integer parts of x, as floats.
frexp(x) | The mantissa and exponent of x: (m, e) with x == m * 2 ** e.
ldexp(x, i) | x * 2 ** i.
ulp(x) | The value of the least significant bit of x.
`),
  },
  json: {
    doc: 'JSON encoding and decoding.',
    members: table((n, p) => (n === 'JSONDecodeError' ? 'class' : fn(n, p)), `
JSONDecodeError(msg) | Raised when loads() is given invalid JSON (a subclass of ValueError).
dumps(obj, *, indent=None, sort_keys=False, separators=None, ensure_ascii=True, default=None) | Serializes obj to a JSON str.
dump(obj, fp, *, indent=None, sort_keys=False) | Serializes obj as JSON to the file object fp.
loads(s) | Parses a JSON str into Python values.
load(fp) | Parses the JSON text of the file object fp.
`),
  },
  os: {
    doc: 'Operating-system helpers: files, directories, environment, and os.path.',
    members: table((n, p) => (n === 'path' ? 'module' : fn(n, p)), `
path: module | Path manipulation (os.path.join, exists, basename, ...).
sep: str | The path separator ('/').
linesep: str | The line separator ('\\n').
name: str | The operating system name ('posix').
curdir: str | '.'
pardir: str | '..'
environ: dict | The environment variables.
getcwd() | The current working directory.
chdir(path) | Changes the current working directory.
listdir(path='.') | The names of the entries of a directory.
mkdir(path) | Creates a directory.
makedirs(path, exist_ok=False) | Creates a directory and its missing parents.
remove(path) | Deletes a file.
unlink(path) | Deletes a file.
rmdir(path) | Deletes an empty directory.
rename(src, dst) | Renames a file or directory.
getenv(key, default=None) | The value of an environment variable, or default.
cpu_count() | The number of CPUs.
getpid() | The process id.
`),
  },
  'os.path': {
    doc: 'Path manipulation.',
    members: table(fn, `
join(path, *paths) | Joins path components.
exists(path) | True when the path exists.
isfile(path) | True when the path is a regular file.
isdir(path) | True when the path is a directory.
isabs(path) | True when the path is absolute.
basename(path) | The final component of the path.
dirname(path) | The path without its final component.
split(path) | (dirname, basename).
splitext(path) | (root, ext) where ext is the extension with its dot.
abspath(path) | The absolute, normalised path.
normpath(path) | The path with redundant separators and up-level references collapsed.
relpath(path, start='.') | The path relative to start.
expanduser(path) | The path with ~ replaced by the home directory.
getsize(path) | The size of the file in bytes.
getmtime(path) | The modification time of the file, in seconds since the epoch.
sep: str | The path separator ('/').
`),
  },
  random: {
    doc: "Pseudo-random numbers (CPython's Mersenne Twister: seeded programs draw the same numbers as python3).",
    members: table(fn, `
seed(a=None) | Initialises the generator.
random() | A float in [0.0, 1.0).
getrandbits(k) | An int with k random bits.
randrange(start, stop=None, step=1) | A random item of range(start, stop, step).
randint(a, b) | A random int in [a, b].
choice(seq) | A random item of a non-empty sequence.
shuffle(x) | Shuffles the list x in place.
sample(population, k) | k distinct items chosen from population.
choices(population, weights=None, *, cum_weights=None, k=1) | k items chosen with replacement.
uniform(a, b) | A random float between a and b.
gauss(mu=0.0, sigma=1.0) | A normally distributed float.
normalvariate(mu=0.0, sigma=1.0) | A normally distributed float.
`),
  },
  time: {
    doc: 'Time access and conversions.',
    members: table(fn, `
time() | Seconds since the epoch, as a float.
time_ns() | Nanoseconds since the epoch, as an int.
perf_counter() | A high-resolution clock for measuring durations, in seconds.
perf_counter_ns() | perf_counter() in nanoseconds.
monotonic() | A clock that never goes back, in seconds.
monotonic_ns() | monotonic() in nanoseconds.
process_time() | CPU time of the process, in seconds.
sleep(secs) | Suspends execution for secs seconds.
localtime(secs=None) | A struct_time in local time.
gmtime(secs=None) | A struct_time in UTC.
strftime(format, t=None) | Formats a struct_time as text.
ctime(secs=None) | A readable local time text.
`),
  },
  string: {
    doc: 'Character classes and capwords.',
    members: table(fn, `
ascii_lowercase: str | 'abcdefghijklmnopqrstuvwxyz'
ascii_uppercase: str | 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
ascii_letters: str | ascii_lowercase + ascii_uppercase
digits: str | '0123456789'
hexdigits: str | '0123456789abcdefABCDEF'
octdigits: str | '01234567'
punctuation: str | ASCII punctuation characters.
whitespace: str | ASCII whitespace characters.
printable: str | digits + letters + punctuation + whitespace.
capwords(s, sep=None) | Capitalises each word of s.
`),
  },
  re: {
    doc: "Regular expressions with Python's syntax and rules ((?P<name>...), \\A, \\Z, Unicode \\w \\d \\s \\b, code-point positions); conditional groups and possessive quantifiers are refused.",
    members: table((n, p) => (n === 'error' || n === 'Pattern' || n === 'Match' ? 'class' : fn(n, p)), `
error(msg) | Raised for an invalid pattern or template.
Pattern | A compiled pattern: match, fullmatch, search, findall, finditer, sub, subn, split, pattern, flags, groups, groupindex.
Match | A match: group, groups, groupdict, start, end, span, expand, string, re, pos, endpos, lastindex, lastgroup.
compile(pattern, flags=0) | The compiled pattern (cached).
search(pattern, string, flags=0) | The first match anywhere, or None.
match(pattern, string, flags=0) | A match at the start, or None.
fullmatch(pattern, string, flags=0) | A match of the whole string, or None.
findall(pattern, string, flags=0) | Every match: strings, or tuples of groups.
finditer(pattern, string, flags=0) | An iterator of Match objects.
sub(pattern, repl, string, count=0, flags=0) | The string with matches replaced (repl: a template with \\1 and \\g<name>, or a function of the match).
subn(pattern, repl, string, count=0, flags=0) | (new string, number of replacements).
split(pattern, string, maxsplit=0, flags=0) | The pieces between matches, with the groups' texts.
escape(pattern) | The text with regular-expression characters escaped.
purge() | Empties the pattern cache.
I: int | IGNORECASE.
M: int | MULTILINE: ^ and $ at every line.
S: int | DOTALL: . matches a newline.
X: int | VERBOSE: whitespace and # comments in the pattern are ignored.
A: int | ASCII: \\w, \\d, \\s and \\b match ASCII only.
`),
  },
  struct: {
    doc: "Packing values into bytes and back by a format string: a byte order ('@' native and aligned, the default; '=' native order; '<' little-endian; '>' or '!' big-endian) and items (x pad, c char, b/B, ?, h/H, i/I, l/L, q/Q, n/N, e/f/d floats, s/p strings, P), each with an optional count.",
    members: table((n, p) => (n === 'error' || n === 'Struct' ? 'class' : fn(n, p)), `
error(msg) | Raised for bad formats, values out of range and buffers of the wrong size.
Struct(format) | A compiled format: .format, .size, and the methods below without the format argument.
calcsize(format) | The number of bytes the format packs into.
pack(format, *values) | The values packed into bytes.
pack_into(format, buffer, offset, *values) | Packs into a bytearray at offset (negative: from the end).
unpack(format, buffer) | A tuple of the values in buffer, which must be exactly calcsize(format) bytes.
unpack_from(format, buffer, offset=0) | A tuple of the values at offset in buffer.
iter_unpack(format, buffer) | An iterator of tuples, one per calcsize(format) bytes.
`),
  },
  sys: {
    doc: 'The interpreter: argv, exit, standard streams, limits.',
    members: table(fn, `
argv: list | The program path followed by its arguments.
exit(code=None) | Ends the program with an exit status (raises SystemExit).
stdout: file | Standard output (write, flush).
stderr: file | Standard error (write, flush).
version: str | The version text.
version_info: tuple | (3, 11, 0, 'final', 0)
platform: str | The platform name.
maxsize: int | The largest list index.
byteorder: str | 'little'
path: list | The module search folders (XLANG_PATH).
modules: dict | Loaded modules.
implementation: str | 'xlang'
getrecursionlimit() | The recursion limit value.
setrecursionlimit(n) | Sets the recursion limit value (the JS engine's stack decides the real depth).
`),
  },
  cantor: {
    doc: 'Cantor, the distributed runtime: kv store, objects, queues, globals, metrics, logs, resources and task pools, on the embedded node or the node `--connect` names.',
    members: table((n, p) => (['KV', 'Queue', 'Host', 'DataFrame', 'Network'].includes(n) ? 'class' : p ? 'function' : 'constant'), `
kv: KV | The node's durable key-value store: set(key, value), get(key, default=None), has(key), delete(key), keys(prefix=''), set_many(dict).
KV() | The key-value store (C++ XLang spellings Set, Get, Delete, Keys as well).
objects: Objects | Objects by id: put(value) -> id, get(id), update(id, value), delete(id).
globals: Globals | Cluster-wide variables: set(name, value), get(name, default=None), version(name), delete(name), names(), subscribe(name, fn).
Queue(name, max_size=0) | A named queue (created if missing): push(value, timeout_ms=0), pop(timeout_ms=None), size(), delete(), subscribe(fn).
queues() | The names of the queues.
metrics: Metrics | User metrics: inc(name, amount=1, labels=None), set(name, value, labels=None), add(name, delta), observe(name, value, labels=None, buckets=None), get(name=None), text().
CantorStatHit(name, amount=1) | Adds one hit to the counter name (C++ XLang spelling of metrics.inc).
pool(resources='cpu >= 1', priority=1, retries=0, max_task_num=None, timeout_ms=None) | A task pool whose tasks run where the requirement (e.g. "GPU >= 1 && zone == 'edge'") is satisfied (on the connected node under --connect); a task past timeout_ms is stopped with TimeoutError; use with f.taskrun(pool, ...).
dispatch_events(timeout_ms=0) | Runs the subscribe() callbacks of pushes and sets made by other scripts and clients since the last look (sleep() does too); waits up to timeout_ms for one; returns how many ran.
satisfies(requirement) | Whether the node's free resources satisfy a requirement such as "GPU >= 1 && zone == 'edge'".
unmet(requirement) | What the node's capacity lacks for a requirement (an empty list when nothing).
resources() | The node's ledger entry: quantities, free, attributes, load.
node_id() | The node's id (its libp2p peer id).
data_dir() | The embedded node's data directory (None when connected to a remote node).
log(level, *values) | Appends a line to the node's log (level: debug, verbose, info, warn, error).
logV(*values) | Appends a verbose line to the node's log.
Host() | The node as the C++ XLang / CantorAI examples name it: generate_uid() -> str (a random UUID), PushFrame(frame, priority=None) -> bool (delivers the DataFrame to every data view whose filter its header matches), PopFrame(view, 0, timeout_ms=-1) -> DataFrame or None (priority 0 first), CreateDataView(filter='') -> id, RemoveDataView(id), DataViews(), NodeId.
DataFrame(size=0, **fields) | A frame: header fields type, priority (0, 1 or 2, default 2), startTime, sourceId, srcAddr (source), dstAddr (destination), format1..format8, metadata1..metadata4, refId, refIndex, dataSize, dataItemNum, and data (payload: bytearray(size) at first, or any value). Set(**fields), to_dict().
Network() | Connect(host, port, token_file=None, cap_file=None) binds the script's cantor module to the node at host:port (as xlang run --connect does); OnConnected += fn(node_id).
TakeFirstAvaibleResourceIndex(name) | The C++ XLang name (sic): takes the lowest free unit index of a quantity (e.g. "GPU": 0 .. count-1) and reserves it until ReleaseResourceIndex or the script's end; -1 when none is free.
TakeFirstAvailableResourceIndex(name) | The same as TakeFirstAvaibleResourceIndex, spelt correctly.
ReleaseResourceIndex(name, index) | Gives back a unit taken with TakeFirstAvaibleResourceIndex; True when it was held.
`),
  },
};

STDLIB.xlang_cantor = {
  doc: 'The C++ XLang spelling: `from xlang_cantor import cantor`.',
  members: table(() => 'module', `
cantor | The cantor module.
`),
};

/** Methods of builtin types, for completion and hover after `x.` when x's type is known. */
/** The methods bytes and bytearray share, in table() form. */
const BYTES_METHODS = `
capitalize() | A copy with the first byte upper case and the rest lower case (ASCII).
center(width, fillbyte=b' ') | Centred in width bytes.
count(sub, start=0, end=None) | The number of non-overlapping occurrences of sub (bytes or an int).
decode(encoding='utf-8', errors='strict') | The bytes decoded to a str.
endswith(suffix, start=0, end=None) | True when the bytes end with suffix (or one of a tuple of them).
expandtabs(tabsize=8) | A copy with tabs replaced by spaces.
find(sub, start=0, end=None) | The lowest index of sub, or -1.
fromhex(string) | Bytes from hexadecimal digits (spaces allowed).
hex(sep=None, bytes_per_sep=1) | The bytes as hexadecimal digits, optionally grouped.
index(sub, start=0, end=None) | Like find() but raises ValueError when sub is missing.
isalnum() | True when every byte is an ASCII letter or digit.
isalpha() | True when every byte is an ASCII letter.
isascii() | True when every byte is below 128.
isdigit() | True when every byte is an ASCII digit.
islower() | True when there are lower-case ASCII letters and no upper-case ones.
isspace() | True when every byte is ASCII whitespace.
istitle() | True when the bytes are title-cased (ASCII).
isupper() | True when there are upper-case ASCII letters and no lower-case ones.
join(iterable) | The bytes-like items joined with these bytes between them.
ljust(width, fillbyte=b' ') | Left-justified in width bytes.
lower() | A copy with ASCII letters lower case.
lstrip(chars=None) | A copy without leading ASCII whitespace (or bytes in chars).
maketrans(from, to) | A 256-byte table for translate() mapping each byte of from to the one of to.
partition(sep) | (before, sep, after) at the first sep.
removeprefix(prefix) | A copy without prefix at the start.
removesuffix(suffix) | A copy without suffix at the end.
replace(old, new, count=-1) | A copy with occurrences of old replaced by new.
rfind(sub, start=0, end=None) | The highest index of sub, or -1.
rindex(sub, start=0, end=None) | Like rfind() but raises ValueError when sub is missing.
rjust(width, fillbyte=b' ') | Right-justified in width bytes.
rpartition(sep) | (before, sep, after) at the last sep.
rsplit(sep=None, maxsplit=-1) | Splits from the right.
rstrip(chars=None) | A copy without trailing ASCII whitespace (or bytes in chars).
split(sep=None, maxsplit=-1) | The pieces between occurrences of sep (runs of ASCII whitespace when None).
splitlines(keepends=False) | The lines.
startswith(prefix, start=0, end=None) | True when the bytes start with prefix (or one of a tuple of them).
strip(chars=None) | A copy without leading and trailing ASCII whitespace (or bytes in chars).
swapcase() | A copy with ASCII case swapped.
title() | A title-cased copy (ASCII).
translate(table, delete=b'') | Maps each byte through table (None: unchanged) after dropping those in delete.
upper() | A copy with ASCII letters upper case.
zfill(width) | Padded on the left with b'0' to width bytes, after any sign.
size() | XLang: the length (same as len()).
`;

export const TYPE_METHODS: Record<string, Map<string, DocEntry>> = {
  str: table(() => 'method', `
capitalize() | A copy with its first character upper case and the rest lower case.
casefold() | A lower-case copy for caseless comparison.
center(width, fillchar=' ') | Centred in a str of length width.
count(sub, start=0, end=None) | The number of non-overlapping occurrences of sub.
encode(encoding='utf-8') | The str encoded as bytes.
endswith(suffix, start=0, end=None) | True when the str ends with suffix (or one of a tuple of suffixes).
expandtabs(tabsize=8) | A copy with tabs replaced by spaces.
find(sub, start=0, end=None) | The lowest index of sub, or -1.
format(*args, **kwargs) | Formats the str with the arguments.
index(sub, start=0, end=None) | Like find() but raises ValueError when sub is missing.
isalnum() | True when every character is alphanumeric.
isalpha() | True when every character is alphabetic.
isdigit() | True when every character is a digit.
isidentifier() | True when the str is a valid identifier.
islower() | True when every cased character is lower case.
isspace() | True when every character is whitespace.
istitle() | True when the str is title-cased.
isupper() | True when every cased character is upper case.
join(iterable) | The strs of iterable joined with this str between them.
ljust(width, fillchar=' ') | Left-justified in a str of length width.
lower() | A lower-case copy.
lstrip(chars=None) | A copy without leading whitespace (or chars).
partition(sep) | (head, sep, tail) split at the first sep.
removeprefix(prefix) | A copy without the prefix.
removesuffix(suffix) | A copy without the suffix.
replace(old, new, count=-1) | A copy with occurrences of old replaced by new.
rfind(sub, start=0, end=None) | The highest index of sub, or -1.
rindex(sub, start=0, end=None) | Like rfind() but raises ValueError when sub is missing.
rjust(width, fillchar=' ') | Right-justified in a str of length width.
rpartition(sep) | (head, sep, tail) split at the last sep.
rsplit(sep=None, maxsplit=-1) | Splits from the right.
rstrip(chars=None) | A copy without trailing whitespace (or chars).
split(sep=None, maxsplit=-1) | The words of the str, split at sep (runs of whitespace by default).
splitlines(keepends=False) | The lines of the str.
startswith(prefix, start=0, end=None) | True when the str starts with prefix (or one of a tuple of prefixes).
strip(chars=None) | A copy without leading and trailing whitespace (or chars).
swapcase() | A copy with the case of each letter swapped.
title() | A title-cased copy.
upper() | An upper-case copy.
zfill(width) | Padded on the left with zeros to width.
size() | XLang: the length (same as len()).
`),
  list: table(() => 'method', `
append(x) | Adds x at the end.
extend(iterable) | Adds the items of iterable at the end.
insert(i, x) | Inserts x before index i.
remove(x) | Removes the first item equal to x (ValueError when missing).
pop(i=-1) | Removes and returns the item at i (the last by default).
clear() | Removes every item.
index(x, start=0, end=None) | The index of the first item equal to x.
count(x) | The number of items equal to x.
sort(*, key=None, reverse=False) | Sorts the list in place (stable).
reverse() | Reverses the list in place.
copy() | A shallow copy.
size() | XLang: the length (same as len()).
`),
  dict: table(() => 'method', `
keys() | A view of the keys.
values() | A view of the values.
items() | A view of the (key, value) pairs.
get(key, default=None) | The value for key, or default.
pop(key, default=None) | Removes key and returns its value (or default).
popitem() | Removes and returns the last inserted (key, value) pair.
setdefault(key, default=None) | The value for key, inserting default when it is missing.
update(other=(), **kwargs) | Adds the pairs of other.
clear() | Removes every item.
copy() | A shallow copy.
has(key) | XLang: key in d.
size() | XLang: the number of items (same as len()).
`),
  set: table(() => 'method', `
add(x) | Adds x.
remove(x) | Removes x (KeyError when missing).
discard(x) | Removes x when present.
pop() | Removes and returns an arbitrary item.
clear() | Removes every item.
copy() | A shallow copy.
union(*others) | A new set with the items of this set and the others.
intersection(*others) | A new set with the items common to all.
difference(*others) | A new set with the items not in the others.
symmetric_difference(other) | A new set with the items in exactly one of the two.
update(*others) | Adds the items of the others.
issubset(other) | True when every item is in other.
issuperset(other) | True when every item of other is in this set.
isdisjoint(other) | True when no item is shared.
size() | XLang: the number of items (same as len()).
`),
  bytes: table(() => 'method', BYTES_METHODS),
  // bytearray has every bytes method, and its own in-place ones
  bytearray: table(() => 'method', `
append(x) | Adds the byte x (an int in range(256)) at the end.
extend(iterable) | Adds the bytes of a bytes-like object or an iterable of ints.
insert(i, x) | Inserts the byte x before index i.
pop(i=-1) | Removes and returns the byte at i.
remove(x) | Removes the first byte equal to x.
clear() | Removes every byte.
reverse() | Reverses the bytes in place.
copy() | A new bytearray with the same bytes.
` + BYTES_METHODS),
  tuple: table(() => 'method', `
index(x) | The index of the first item equal to x.
count(x) | The number of items equal to x.
size() | XLang: the length (same as len()).
`),
};

/** Keywords offered by completion (Python's, plus XLang's declarations). */
export const KEYWORDS = ['False', 'None', 'True', 'and', 'as', 'assert', 'break', 'class', 'continue', 'def', 'del', 'elif',
  'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass',
  'raise', 'return', 'try', 'while', 'with', 'yield', 'this', 'namespace', 'const', 'var', 'deferred'];
