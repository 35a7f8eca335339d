// Plain-JS ceiling port of bench/programs/strings.x. All strings are ASCII, so JS lengths (UTF-16 units)
// equal Python's (code points) and reversing code units is s[::-1].
function build(n) {
  const parts = [];
  let s = '';
  for (let i = 0; i < n; i++) {
    s += String(i % 10);
    if (s.length > 50) {
      parts.push(s.split('').reverse().join('').toUpperCase());
      s = '';
    }
    parts.push(`${i}:${i * 2}`);
  }
  return parts.join(',');
}

// str.count: non-overlapping occurrences
function count(s, sub) {
  let n = 0;
  for (let k = s.indexOf(sub); k !== -1; k = s.indexOf(sub, k + sub.length)) n++;
  return n;
}

const out = build(4000000);
console.log(`${out.length} ${out.slice(0, 40)} ${count(out, '9')}`);
