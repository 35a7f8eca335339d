// Plain-JS ceiling port of bench/programs/intloop.x. Values stay far below 2**53 (i*i < 9e14),
// so plain numbers are exact; i is non-negative, so floor division is Math.floor(i / 3).
function work(n) {
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += (i * i) % 7 + Math.floor(i / 3);
    if (total > 1000000000) total -= 1000000000;
  }
  return total;
}

console.log(String(work(30000000)));
