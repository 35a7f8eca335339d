// Plain-JS ceiling port of bench/programs/bigint.x: BigInt throughout, as the values go far past 2**53.
function fact(n) {
  let r = 1n;
  for (let i = 2; i <= n; i++) r *= BigInt(i);
  return r;
}

function fibBig(n) {
  let a = 0n, b = 1n;
  for (let k = 0; k < n; k++) { const t = a + b; a = b; b = t; }
  return a;
}

function collatzBig(x, steps) {
  // % and / as in the source (Python does no strength reduction to & and >> either); x stays positive,
  // so BigInt's truncating / is Python's floor division
  for (let k = 0; k < steps; k++) x = x % 2n === 0n ? x / 2n : 3n * x + 1n;
  return x;
}

// Three-argument pow: left-to-right binary exponentiation, which is what CPython uses for an exponent this small.
function powMod(b, e, m) {
  let r = 1n;
  b %= m;
  for (let k = 31 - Math.clz32(e); k >= 0; k--) {
    r = r * r % m;
    if ((e >>> k) & 1) r = r * b % m;
  }
  return r;
}

// int.bit_length() for x > 0: JS has none, and hex digits are the cheapest exact route.
function bitLength(x) {
  const h = x.toString(16);
  return (h.length - 1) * 4 + (32 - Math.clz32(parseInt(h[0], 16)));
}

const f = fact(50000);
const g = fibBig(500000);
const p = powMod(3n, 200000, 10n ** 40n + 7n);
const c = collatzBig(2n ** 400n + 1n, 400000);
console.log([bitLength(f), bitLength(g), p, f % 1000003n, g % 999983n, c % 1000000007n].join(' '));
