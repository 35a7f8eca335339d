// The runtime's fast paths against python3's output (stored below, generated once with
// python3 3.11): dict keys stored directly beside keys that need an entry (1 / 1.0 / True,
// tuples, __hash__ chains, a str that looks like a chain key), counted range comprehensions,
// range iterators, and `x * x` past the safe range; f-strings and __format__.
import { describe, it, expect } from 'vitest';
import { MainHost } from '../../dist/runtime/hosts/main.js';

const code = "d = {}\nd[\"a\"] = 1; d[2] = \"two\"; d[1.0] = \"f\"; d[1] = \"i\"; d[True] = \"t\"\nprint(d, len(d), d[1], d.get(1.0), True in d, 2.0 in d)\nd[(1, 2)] = \"tup\"; d[\"\\x00\\x01#5\"] = \"esc\"; d[None] = 0\nprint(d[(1, 2)], d[\"\\x00\\x01#5\"], d[None], len(d), list(d))\nclass K:\n    def __init__(self, v): self.v = v\n    def __hash__(self): return self.v % 2 + 10 * (self.v > 2)\n    def __eq__(self, o): return isinstance(o, K) and o.v == self.v\n    def __repr__(self): return \"K%d\" % self.v\nfor i in range(5): d[K(i)] = i\nprint(d[K(3)], K(7) in d, len(d))\ndel d[K(1)]; del d[1]; del d[\"a\"]\nprint(d, len(d))\nprint(d.popitem(), len(d))\ne = {\"x\": 1, \"y\": 2}; del e[\"x\"]; e[\"x\"] = 3; e[5] = 5; del e[5]\nprint(e, list(e.items()), \"x\" in e, 5 in e, e.pop(\"y\"), e)\ne.clear(); e[1.5] = 1; e[2] = 2; print(e, e[2.0], sorted(e.values()))\ns = set([1, 1.0, True, \"a\", (1,), \"a\"]); s.discard(1); print(sorted(map(repr, s)), len(s))\nprint([i * i for i in range(-3, 4)], [i for i in range(10, 0, -4)], [i for i in range(3, 3)])\nprint([(i, j) for i in range(3) for j in range(i)], {i: -i for i in range(2, 9, 3)})\nprint(sum(x * x for x in range(100000)), sum(x * x for x in [0.5, 3, 2 ** 40]), (2 ** 40) * (2 ** 40))\nit = iter(range(5, 0, -2)); print(next(it), list(it), list(range(4))[::-1])\ndef sq(xs):\n    for x in xs:\n        yield x * x\nprint(list(sq(range(4))), list(sq([1.5, -2, 10 ** 10])))\n";
const expected = "{'a': 1, 2: 'two', 1.0: 't'} 3 t t True True\ntup esc 0 6 ['a', 2, 1.0, (1, 2), '\\x00\\x01#5', None]\n3 False 11\n{2: 'two', (1, 2): 'tup', '\\x00\\x01#5': 'esc', None: 0, K0: 0, K2: 2, K3: 3, K4: 4} 8\n(K4, 4) 7\n{'x': 3} [('y', 2), ('x', 3)] True False 2 {'x': 3}\n{1.5: 1, 2: 2} 2 [1, 2]\n[\"'a'\", '(1,)'] 2\n[9, 4, 1, 0, 1, 4, 9] [10, 6, 2] []\n[(1, 0), (2, 0), (2, 1)] {2: -2, 5: -5, 8: -8}\n333328333350000 1.2089258196146292e+24 1208925819614629174706176\n5 [3, 1] [3, 2, 1, 0]\n[0, 1, 4, 9] [2.25, 4, 100000000000000000000]\n";

const fcode = "class A:\n    def __format__(self, spec): return 5\nclass B:\n    def __format__(self, spec): return \"b\" + spec\nx = 3\nprint(f\"{x}{x}\", f\"{B():q}{x}\", f\"{x=}{x}\", f\"{x}\")\ntry:\n    print(f\"{A()}{A()}\")\nexcept TypeError as e:\n    print(e)\nprint(f\"{[1, 2.0]}{(1,)}{ {1: None} }{None}{1.0}\", format(B()), format(3.0), \"{}{}\".format(B(), 2))\nclass E(Exception): pass\nprint(f\"{E('m')}!\")\n";
const fexpected = "33 bq3 x=33 3\n__format__ must return a str, not int\n[1, 2.0](1,){1: None}None1.0 b 3.0 b2\nm!\n";

function run(src: string): string {
  let out = '';
  const host = new MainHost({ argv: ['t.x'], cacheDir: null, stdout: s => { out += s; } });
  host.runSource(src, '<test>');
  host.flush();
  return out;
}

const rcode = "print(sum(x * 3 for x in range(1200) if x % 3 == 1), sum(x for x in []), sum(0.1 for _ in range(10)))\nprint(sum(2 ** 60 for _ in range(100)), sum(x for x in [True, True, 2.5]), sum(i * j for i in range(5) for j in range(i)))\nprint(any(x > 3 for x in range(10)), any(x > 30 for x in range(10)), all(x < 30 for x in range(10)), all(x for x in [1, 0, 1]), any(()), all(y for y in \"\"))\ndef g():\n    yield 1\n    yield 2\nprint(sum(v * v for v in g()), any(v == 2 for v in g()))\nclass V:\n    def __init__(self, v): self.v = v\n    def __radd__(self, o): return V(o + self.v)\n    def __add__(self, o): return V(self.v + o.v)\nprint(sum(V(i) for i in range(4)).v)\ntry:\n    sum(x / 0 for x in range(3))\nexcept ZeroDivisionError as e:\n    print(\"ZDE\", e)\nseen = []\ndef f(x):\n    seen.append(x); return x > 2\nprint(any(f(x) for x in range(10)), seen)\nprint(sum((x for x in range(5)), 10))\nclass W:\n    def __add__(self, o): return NotImplemented\n    def __radd__(self, o): return \"radd\"\ntry:\n    print(W() + W())\nexcept TypeError as e:\n    print(e)\nprint(1 + W())\n";
const rexpected = "719400 0 0.9999999999999999\n115292150460684697600 4.5 35\nTrue False True False False True\n5 True\n6\nZDE division by zero\nTrue [0, 1, 2, 3]\n20\nunsupported operand type(s) for +: 'W' and 'W'\nradd\n";

const mcode = "def f(n):\n    t = 0\n    a = [0] * 7\n    for i in range(-n, n):\n        t += i // 3 + i % 7 + (i % 5) * (i // 2)\n        a[i % 7] += i // 4\n        a[(i // 7) % 7] -= 1\n    return t, a\nprint(f(1000), f(3))\nprint([i % 3 + i // 2 for i in range(-4, 5)], [(x // 3) % 2 for x in range(-5, 5)])\nbig = 2 ** 60\nprint([(big + i) // 3 for i in range(2)], [(big + i) % 5 for i in range(2)])\n";
const mexpected = "(5000, [-394, -573, -500, -423, -358, -287, -465]) (6, [-3, 0, 0, 0, -1, -1, -4])\n[0, -2, 0, 1, 0, 1, 3, 1, 3] [0, 0, 1, 1, 1, 0, 0, 0, 1, 1]\n[384307168202282325, 384307168202282325] [1, 2]\n";

describe('runtime fast paths', () => {
  it('int % and // by a literal, as operands and indexes', () => expect(run(mcode)).toBe(mexpected));
  it('sum/any/all of a generator expression run in place', () => expect(run(rcode)).toBe(rexpected));
  it('f-strings call __format__ (empty spec too) and need a str from it', () => expect(run(fcode)).toBe(fexpected));
  it('match python3', () => {
    let out = '';
    const host = new MainHost({ argv: ['t.x'], cacheDir: null, stdout: s => { out += s; } });
    host.runSource(code, '<test>');
    host.flush();
    expect(out).toBe(expected);
  });
});
