// Plain-JS ceiling port of bench/programs/dictlist.x. dict -> Map (keys are inserted and deleted all the
// time, which pushes a plain object into dictionary mode anyway; Map also keeps insertion order like dict),
// list -> Array (pop(0) -> shift()). All sums stay below 2**53 (total ~1.8e13), so plain numbers are exact.
function churn(n) {
  const d = new Map();
  const lst = [];
  let total = 0;
  for (let i = 0; i < n; i++) {
    const key = 'k' + (i % 5000);
    d.set(key, (d.get(key) ?? 0) + i);
    lst.push(i);
    if (lst.length > 100) total += lst.shift();
    if (i % 7 === 0 && d.has(key)) d.delete(key);
  }
  const counts = new Map();
  for (const [, v] of d) counts.set(v % 10, (counts.get(v % 10) ?? 0) + 1);
  // keys are unique, so sorting the (key, count) tuples compares keys only
  return [total, d.size, [...counts].sort((a, b) => a[0] - b[0])];
}

const [total, size, items] = churn(6000000);
console.log(`(${total}, ${size}, [${items.map(([k, v]) => `(${k}, ${v})`).join(', ')}])`);
