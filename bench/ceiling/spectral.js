// Plain-JS ceiling port of bench/programs/spectral.x: (i + j) * (i + j + 1) // 2 is exact in numbers
// (non-negative, far below 2**53), so Math.floor of the division is Python's floor division.
function evalA(i, j) { return 1.0 / (Math.floor((i + j) * (i + j + 1) / 2) + i + 1); }

function mulAv(v, out) {
  const n = v.length;
  for (let i = 0; i < n; i++) { let s = 0.0; for (let j = 0; j < n; j++) s += evalA(i, j) * v[j]; out[i] = s; }
}

function mulAtv(v, out) {
  const n = v.length;
  for (let i = 0; i < n; i++) { let s = 0.0; for (let j = 0; j < n; j++) s += evalA(j, i) * v[j]; out[i] = s; }
}

function mulAtAv(v, out, tmp) { mulAv(v, tmp); mulAtv(tmp, out); }

const n = 640;
const u = new Array(n).fill(1.0), v = new Array(n).fill(0.0), tmp = new Array(n).fill(0.0);
for (let k = 0; k < 10; k++) { mulAtAv(u, v, tmp); mulAtAv(v, u, tmp); }
let vbv = 0.0, vv = 0.0;
for (let i = 0; i < n; i++) { vbv += u[i] * v[i]; vv += v[i] * v[i]; }
console.log(Math.sqrt(vbv / vv).toFixed(9));
