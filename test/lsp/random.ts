// Seeded randomness shared by the language server's edit-fuzzing tests (test/lsp/*.test.ts).

/** Seeded PRNG (mulberry32): the same seed gives the same edits on every run. */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
