// Plain-JS ceiling port of bench/programs/generators.x: generator functions chained as in the source.
function* numbers(n) {
  for (let i = 0; i < n; i++) yield i;
}

function* evens(xs) {
  for (const x of xs) if (x % 2 === 0) yield x;
}

function* squares(xs) {
  for (const x of xs) yield x * x;
}

// sum() of ints: the first total (~9.7e20) passes 2**53, so add in a number while the result is a safe
// integer and carry into a BigInt when it is not -- what CPython's sum does with a C long and PyLong.
function sum(xs) {
  let acc = 0, big = 0n;
  for (const x of xs) {
    const t = acc + x;
    if (Number.isSafeInteger(t)) acc = t;
    else { big += BigInt(acc) + BigInt(x); acc = 0; }
  }
  return big === 0n ? acc : big + BigInt(acc);
}

const total = sum(squares(evens(numbers(18000000))));
// the generator expression, as an inline generator
const total2 = sum((function* () { for (let x = 0; x < 12000000; x++) if (x % 3 === 1) yield x * 3; })());
console.log(`${total} ${total2}`);
