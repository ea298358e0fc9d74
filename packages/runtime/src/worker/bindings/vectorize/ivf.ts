/**
 * Partitions of one shard's vectors (an inverted-file index, IVF), used once an index outgrows its exact threshold:
 * k-means centroids trained on a sample of the shard's rows, each row assigned to its nearest centroid, and a query
 * that ranks the centroids and scans only the rows of the best few partitions (exactly, in float64: the answer is
 * approximate only in which rows it looks at). Plain TypeScript with no workerd APIs, so unit tests run it in Node.
 *
 * Why per shard, not one partitioning of the whole index: each shard can train, assign and persist its own partitions
 * (centroids in its SQLite, a partition number per row), so crossing the threshold moves no vector between objects,
 * placements and the crash-safe write path stay as they are, and every partition stays inside its shard's memory
 * budget. Queries already fan out to every shard; the price is that each shard ranks its own centroids.
 *
 * Assignment uses the query metric's geometry: cosine partitions by direction (spherical k-means), euclidean and
 * dot-product by L2 k-means. For dot-product a partition is ranked by an upper bound of what its rows can score,
 * q·c + |q|·r (r: the largest distance of a member from its centroid), since a dot product favours long vectors
 * wherever they sit.
 */
import type { VectorizeDistanceMetric } from "../../../shared/wire/vectorize";
import { VectorMatrix } from "./matrix";
import type { VectorKernel } from "./kernel-wasm";
import { rng } from "./prng";

/** Shards with fewer rows are not partitioned: scanning them whole costs less than ranking centroids. */
export const MIN_TRAIN_ROWS = 256;
/** At most this many partitions per shard, so centroids and their training fit a small, fixed memory reserve. */
export const MAX_PARTITIONS = 256;
/** k-means rounds: clustered data settles in a few; more rounds cost every shard that trains. */
const ITERATIONS = 6;
/** Sampled rows per partition for training (the usual 30–50 rule of thumb for IVF training sets). */
const SAMPLE_PER_PARTITION = 40;

/** Partitions for a shard of `rows` rows: about √rows (the IVF rule of thumb), between 2 and MAX_PARTITIONS. */
export function partitionsFor(rows: number): number {
  return Math.max(2, Math.min(MAX_PARTITIONS, Math.round(Math.sqrt(rows))));
}

/**
 * Partitions a query probes in each shard: a sixteenth of them and at least 4 (all of a small shard). Chosen from the
 * recall@10 that bench/vectorize.mjs measures: at 300k × 384 (10 shards of ~180 partitions, the shape of every shard
 * at 1M × 384) an eighth, a sixteenth and a thirty-second all reached recall 0.9999–1.000 on its clustered data, at
 * p50 13–16, 10 and 8–10 ms (load 3.4–4); a sixteenth keeps a margin for data less clustered than that.
 */
export function probesFor(partitions: number): number {
  return Math.min(partitions, Math.max(4, Math.ceil(partitions / 16)));
}

/**
 * The most bytes partitioning adds to a shard of at most `maxCount` partitions (reserved out of its budget before
 * rows are admitted): two centroid matrices (the trained one and, while retraining, the next; with `simd`, each in its
 * own kernel memory of whole 64 KiB pages) with their per-row arrays and ids, the centroids' copy, k-means sums and
 * counts, the sample and the radii.
 */
export function partitionReserveBytes(dims: number, maxCount: number, simd: boolean): number {
  const stride = simd ? Math.ceil(dims / 8) * 8 : dims;
  const capacity = Math.max(16, maxCount);
  const rows = simd ? Math.max(1, Math.ceil((8192 + capacity * stride * 4 + capacity * 4) / 65536)) * 65536 : capacity * stride * 4;
  const finder = rows + capacity * (28 + 2 * 6 + 64);
  const training = maxCount * dims * 8 + maxCount * 8 + SAMPLE_PER_PARTITION * maxCount * 4;
  return 2 * finder + 2 * maxCount * dims * 4 + training + maxCount * 8;
}

/** The metric rows are assigned to centroids by. */
function assignMetric(metric: VectorizeDistanceMetric): VectorizeDistanceMetric {
  return metric === "cosine" ? "cosine" : "euclidean";
}

function centroidId(i: number): string {
  // Zero-padded so the centroid matrix's tie-break (by id) is by number.
  return `c${String(i).padStart(4, "0")}`;
}

/** A shard's trained partitions: centroids, the metric they were trained for, and (dot-product) each one's radius. */
export class Partitions {
  readonly count: number;
  /** Centroid i at [i·dims, (i + 1)·dims). */
  readonly centroids: Float32Array;
  /** Largest distance of a member from its centroid, per partition (an upper bound: deletes never shrink it). */
  readonly radii: Float64Array;
  private readonly finder: VectorMatrix;

  constructor(
    readonly dims: number,
    readonly metric: VectorizeDistanceMetric,
    centroids: Float32Array,
    kernel: VectorKernel | null,
  ) {
    this.count = centroids.length / dims;
    this.centroids = centroids;
    this.radii = new Float64Array(this.count);
    this.finder = new VectorMatrix(dims, this.count, kernel, this.count);
    for (let i = 0; i < this.count; i++) this.finder.put(centroidId(i), centroids, i * dims, null, null);
  }

  /** Bytes held: the centroid matrix, the centroids' copy and the radii. */
  get bytesHeld(): number {
    return this.finder.bytesHeld + this.centroids.byteLength + this.radii.byteLength;
  }

  /** The partition nearest `values` (up to the kernel's int8 coding, when the finder has one; ties to the lower number). */
  nearest(values: Float32Array): number {
    // Partition i is the finder's row i (centroids are put in order and never deleted).
    return this.finder.best(values, assignMetric(this.metric));
  }

  /** Records that a row of partition `p` holds `values` (for the radius, used when ranking for dot-product). */
  widen(p: number, values: Float32Array): void {
    const c = this.centroids;
    const o = p * this.dims;
    let s = 0;
    for (let j = 0; j < this.dims; j++) {
      const d = values[j]! - c[o + j]!;
      s += d * d;
    }
    const r = Math.sqrt(s);
    if (r > this.radii[p]!) this.radii[p] = r;
  }

  /** A mask of the `probes` partitions whose rows can best match `query`. */
  probe(query: Float32Array, probes: number): Uint8Array {
    const mask = new Uint8Array(this.count);
    if (this.metric !== "dot-product") {
      // Cosine ranks centroids by q·c/|c| and euclidean by −|q − c|²: exactly the centroid matrix's own ranking for
      // the metric, so its scan (the SIMD kernel with an exact re-rank, in shards big enough to have one) picks them.
      // Partition i is the finder's row i (centroids are put in order and never deleted).
      for (const row of this.finder.search(query, this.metric, probes).rows) mask[row] = 1;
      return mask;
    }
    const { dims, centroids } = this;
    const scores = new Float64Array(this.count);
    let qq = 0;
    for (let j = 0; j < dims; j++) qq += query[j]! * query[j]!;
    const qNorm = Math.sqrt(qq);
    for (let i = 0; i < this.count; i++) {
      const o = i * dims;
      let dot = 0;
      for (let j = 0; j < dims; j++) dot += centroids[o + j]! * query[j]!;
      scores[i] = dot + qNorm * this.radii[i]!;
    }
    const order = Array.from({ length: this.count }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
    for (const i of order.slice(0, probes)) mask[i] = 1;
    return mask;
  }
}

/**
 * k-means over a sample of `rows` rows (`valueAt(r)` gives row r's values, a view is fine): `count` centroids, seeded
 * from rows spread over the sample, ITERATIONS rounds of assign-and-average; a partition left empty takes a sampled
 * row. Cosine trains on directions (members normalised, centroids normalised). Deterministic for a given seed.
 */
export function trainCentroids(
  dims: number,
  metric: VectorizeDistanceMetric,
  count: number,
  rows: number,
  valueAt: (row: number) => Float32Array,
  kernel: VectorKernel | null,
  seed: number,
): Float32Array {
  const next = rng(seed);
  const sampleSize = Math.min(rows, SAMPLE_PER_PARTITION * count);
  // A stratified sample: one row from each of sampleSize equal slices, distinct without an array of all rows.
  const sample = Int32Array.from({ length: sampleSize }, (_, i) => Math.min(rows - 1, Math.floor(((i + next()) * rows) / sampleSize)));
  const spherical = metric === "cosine";
  const centroids = new Float32Array(count * dims);
  const setFrom = (i: number, values: Float32Array) => {
    let n = 1;
    if (spherical) {
      let s = 0;
      for (let j = 0; j < dims; j++) s += values[j]! * values[j]!;
      n = s > 0 ? Math.sqrt(s) : 1;
    }
    for (let j = 0; j < dims; j++) centroids[i * dims + j] = values[j]! / n;
  };
  for (let i = 0; i < count; i++) setFrom(i, valueAt(sample[Math.floor((i * sampleSize) / count)]!));
  const finder = new VectorMatrix(dims, count, kernel, count);
  const sums = new Float64Array(count * dims);
  const members = new Float64Array(count);
  for (let round = 0; round < ITERATIONS; round++) {
    for (let i = 0; i < count; i++) finder.put(centroidId(i), centroids, i * dims, null, null);
    sums.fill(0);
    members.fill(0);
    for (const row of sample) {
      const values = valueAt(row);
      const c = finder.best(values, assignMetric(metric));
      let scale = 1;
      if (spherical) {
        let s = 0;
        for (let j = 0; j < dims; j++) s += values[j]! * values[j]!;
        scale = s > 0 ? 1 / Math.sqrt(s) : 0;
      }
      const o = c * dims;
      for (let j = 0; j < dims; j++) sums[o + j] = sums[o + j]! + values[j]! * scale;
      members[c] = members[c]! + 1;
    }
    for (let i = 0; i < count; i++) {
      if (members[i] === 0) {
        setFrom(i, valueAt(sample[Math.floor(next() * sampleSize)]!));
        continue;
      }
      const mean = new Float32Array(dims);
      for (let j = 0; j < dims; j++) mean[j] = sums[i * dims + j]! / members[i]!;
      setFrom(i, mean);
    }
  }
  return centroids;
}
