/**
 * A deterministic PRNG (mulberry32): k-means sampling in ivf.ts draws from it so a shard trains the same partitions
 * from the same rows, and the vector tests use it (fixtures/random.ts) so a failure reproduces from its seed.
 */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
