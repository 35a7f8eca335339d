// Plain-JS ceiling port of bench/programs/classes.x: the same classes, a new Vec per operation.
class Vec {
  constructor(x, y) { this.x = x; this.y = y; }
  add(o) { return new Vec(this.x + o.x, this.y + o.y); }
  scale(k) { return new Vec(this.x * k, this.y * k); }
  dot(o) { return this.x * o.x + this.y * o.y; }
}

class Particle {
  constructor(pos, vel) { this.pos = pos; this.vel = vel; }
  step(dt) {
    this.pos = this.pos.add(this.vel.scale(dt));
    if (this.pos.dot(this.pos) > 10000.0) this.vel = this.vel.scale(-1.0);
  }
}

function simulate(n, steps) {
  const ps = [];
  for (let i = 0; i < n; i++) ps.push(new Particle(new Vec(i * 0.5, i * 0.25), new Vec(1.0, 0.5)));
  for (let s = 0; s < steps; s++) for (const p of ps) p.step(0.1);
  let total = new Vec(0.0, 0.0);
  for (const p of ps) total = total.add(p.pos);
  return total;
}

// Python's repr of round(x, 6): an integral float keeps its ".0"
const show = x => { const r = Number(x.toFixed(6)); return Number.isInteger(r) ? r.toFixed(1) : String(r); };
const t = simulate(1000, 3000);
console.log(`${show(t.x)} ${show(t.y)}`);
