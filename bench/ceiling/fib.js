// Plain-JS ceiling port of bench/programs/fib.x: naive recursive Fibonacci.
function fib(n) {
  if (n < 2) return n;
  return fib(n - 1) + fib(n - 2);
}

console.log(String(fib(36)));
