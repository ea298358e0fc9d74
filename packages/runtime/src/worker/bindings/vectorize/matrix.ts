/**
 * The in-memory side of a vector index: every vector of the index in one dense Float32Array (row r holds the vector
 * with id ids[r]), with its norm, namespace and parsed metadata, and an exact top-K search over it. Plain TypeScript
 * with no workerd APIs: the Durable Object keeps SQLite and this in step, and unit tests run it in Node.
 *
 * A query is one pass over the matrix, in one of two ways, with the same results:
 * - With the SIMD kernel (kernel-wasm.ts; the matrix then lives in the kernel's WebAssembly memory): the kernel
 *   scores every row in float32, four lanes at a time. float32 sums are approximate, but their error is bounded
 *   (|error| ≤ γ·|v|·|q| for a dot product, γ·d² for a squared distance), so a second pass keeps only the rows whose
 *   score interval can still reach the K-th best lower bound and re-scores those few in float64. The answer is the
 *   one the plain scan gives.
 * - Without it: a tight, unrolled float64 loop over the float32 values, a block of rows at a time.
 * Either way a binary min-heap of size K keeps the best so far (nothing is sorted but the K results), and metadata
 * filters run only for rows that could enter it.
 */
import type { VectorizeDistanceMetric } from "../../../shared/wire/vectorize";
import type { Metadata, MetadataPredicate } from "./filter";
import type { VectorKernel } from "./kernel-wasm";

/** Rows scored per kernel call: big enough to amortise the call, small enough for the scratch to stay in L1. */
const BLOCK = 256;
/** The namespace code of "any namespace" in a search, and of "no namespace" on a row. */
const ANY = -2;
const NONE = -1;
/** Kernel memory layout: the query at 0 (at most 1536 floats), then the rows, then one float32 score per row. */
const QUERY_OFFSET = 0;
const DATA_OFFSET = 8192;
const PAGE = 65536;
/** Unit roundoff of float32 and float64, for the kernel's error bound. */
const U32 = 2 ** -24;
const U64 = 2 ** -53;
/** Bytes of the fixed-size per-row arrays: norms, invNorms (float64), ns, part, varBytes (int32). */
const PER_ROW = 28;
/** The partition of a row no partitioning has placed yet (always scanned by a probed search). */
export const UNASSIGNED = -1;

export interface SearchResult {
  rows: number[];
  scores: number[];
}

/**
 * Estimated heap bytes of one row's variable-size parts: its id (a UTF-16 string, its slot in `ids` and its `rowOf`
 * entry) and its parsed metadata (about 3 bytes of objects and strings per byte of JSON). Typed arrays are counted
 * exactly (bytesHeld); these are the part a budget can only estimate, so the estimate errs high.
 */
export function rowVariableBytes(id: string, metadataJsonBytes: number): number {
  return 2 * id.length + 64 + (metadataJsonBytes > 0 ? 3 * metadataJsonBytes + 32 : 0);
}

/** out[r - start] = dot(row r, q) for rows in [start, end) whose namespace is `want` (or any when want is ANY). */
function dotBlock(data: Float32Array, q: Float32Array, d: number, stride: number, start: number, end: number, out: Float64Array, ns: Int32Array, want: number): void {
  const d8 = d - (d % 8);
  for (let r = start; r < end; r++) {
    if (want !== ANY && ns[r] !== want) continue;
    const o = r * stride;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    let j = 0;
    for (; j < d8; j += 8) {
      const b = o + j;
      s0 += data[b]! * q[j]!;
      s1 += data[b + 1]! * q[j + 1]!;
      s2 += data[b + 2]! * q[j + 2]!;
      s3 += data[b + 3]! * q[j + 3]!;
      s4 += data[b + 4]! * q[j + 4]!;
      s5 += data[b + 5]! * q[j + 5]!;
      s6 += data[b + 6]! * q[j + 6]!;
      s7 += data[b + 7]! * q[j + 7]!;
    }
    for (; j < d; j++) s0 += data[o + j]! * q[j]!;
    out[r - start] = s0 + s1 + (s2 + s3) + (s4 + s5 + (s6 + s7));
  }
}

/** out[r - start] = squared L2 distance between row r and q, for rows in the wanted namespace. */
function l2Block(data: Float32Array, q: Float32Array, d: number, stride: number, start: number, end: number, out: Float64Array, ns: Int32Array, want: number): void {
  const d4 = d - (d % 4);
  for (let r = start; r < end; r++) {
    if (want !== ANY && ns[r] !== want) continue;
    const o = r * stride;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    let j = 0;
    for (; j < d4; j += 4) {
      const b = o + j;
      const a0 = data[b]! - q[j]!;
      const a1 = data[b + 1]! - q[j + 1]!;
      const a2 = data[b + 2]! - q[j + 2]!;
      const a3 = data[b + 3]! - q[j + 3]!;
      s0 += a0 * a0;
      s1 += a1 * a1;
      s2 += a2 * a2;
      s3 += a3 * a3;
    }
    for (; j < d; j++) {
      const a = data[o + j]! - q[j]!;
      s0 += a * a;
    }
    out[r - start] = s0 + s1 + (s2 + s3);
  }
}

function norm(values: Float32Array, offset: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    const x = values[offset + j]!;
    s += x * x;
  }
  return Math.sqrt(s);
}

/**
 * The best k rows seen so far: a binary min-heap whose root is the worst of them. "Better" is a higher key
 * (-distance² for euclidean), then, between equal keys, the smaller id, so results are deterministic even with ties.
 */
class TopK {
  readonly keys: Float64Array;
  readonly rows: Int32Array;
  size = 0;

  constructor(
    private readonly k: number,
    private readonly ids: string[],
  ) {
    this.keys = new Float64Array(k);
    this.rows = new Int32Array(k);
  }

  private worse(ka: number, ra: number, kb: number, rb: number): boolean {
    return ka < kb || (ka === kb && this.ids[ra]! > this.ids[rb]!);
  }

  /** Whether (key, row) would enter the heap. */
  accepts(key: number, row: number): boolean {
    if (this.size < this.k) return true;
    const root = this.keys[0]!;
    return key > root || (key === root && this.ids[row]! < this.ids[this.rows[0]!]!);
  }

  /** Adds (key, row), dropping the worst when full; call only after accepts(). */
  push(key: number, row: number): void {
    const { keys, rows } = this;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.worse(key, row, keys[parent]!, rows[parent]!)) break;
        keys[i] = keys[parent]!;
        rows[i] = rows[parent]!;
        i = parent;
      }
      keys[i] = key;
      rows[i] = row;
      return;
    }
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.size) break;
      const right = left + 1;
      const child = right < this.size && this.worse(keys[right]!, rows[right]!, keys[left]!, rows[left]!) ? right : left;
      if (!this.worse(keys[child]!, rows[child]!, key, row)) break;
      keys[i] = keys[child]!;
      rows[i] = rows[child]!;
      i = child;
    }
    keys[i] = key;
    rows[i] = row;
  }

  /** Heap slots, best first. */
  order(): number[] {
    return Array.from({ length: this.size }, (_, i) => i).sort((a, b) =>
      this.worse(this.keys[a]!, this.rows[a]!, this.keys[b]!, this.rows[b]!) ? 1 : this.worse(this.keys[b]!, this.rows[b]!, this.keys[a]!, this.rows[a]!) ? -1 : 0,
    );
  }
}

/** A min-heap of the k largest numbers seen (no ids): the kernel path's K-th best lower bound. */
function kthLargest(k: number): { offer(x: number): void; floor(): number; full(): boolean } {
  const heap = new Float64Array(k);
  let size = 0;
  return {
    full: () => size === k,
    floor: () => (size === k ? heap[0]! : -Infinity),
    offer(x: number) {
      if (size < k) {
        let i = size++;
        while (i > 0) {
          const parent = (i - 1) >> 1;
          if (heap[parent]! <= x) break;
          heap[i] = heap[parent]!;
          i = parent;
        }
        heap[i] = x;
        return;
      }
      if (!(x > heap[0]!)) return;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= size) break;
        const right = left + 1;
        const child = right < size && heap[right]! < heap[left]! ? right : left;
        if (heap[child]! >= x) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = x;
    },
  };
}

export class VectorMatrix {
  readonly dims: number;
  /** Floats per row: dims, rounded up to a multiple of 8 (zero padding) when the SIMD kernel scans the rows. */
  readonly stride: number;
  /** Number of vectors: rows [0, count) of the arrays below are live. */
  count = 0;
  /** Rows the arrays have room for. */
  private capacity: number;
  private data: Float32Array;
  /** |v| and 1 / |v| (0 for a zero vector) per row. */
  private norms: Float64Array;
  private invNorms: Float64Array;
  /** Namespace code per row (NONE for no namespace). */
  private ns: Int32Array;
  /** The partition (ivf.ts) each row is assigned to, or UNASSIGNED. */
  private part: Int32Array;
  /** rowVariableBytes of each row, and their sum. */
  private varBytes: Int32Array;
  private variableBytes = 0;
  /** The most rows the arrays may ever grow to (the owner's memory budget decides it). */
  readonly maxRows: number;
  private readonly ids: string[] = [];
  private readonly metadata: Metadata[] = [];
  private readonly rowOf = new Map<string, number>();
  private readonly nsCodes = new Map<string, number>();
  private readonly nsNames: string[] = [];
  private readonly scratch = new Float64Array(BLOCK);
  private readonly kernel: VectorKernel | null;
  /** Views into the kernel's memory (refreshed when it grows): the query and the per-row float32 scores. */
  private kernelQuery: Float32Array | null = null;
  private kernelScores: Float32Array | null = null;

  /**
   * `kernel`: an instance of the SIMD module (kernel-wasm.ts) whose memory this matrix may use alone. `maxRows`: the
   * arrays never grow past it, so their size is bounded by it (put() beyond it throws).
   */
  constructor(dims: number, capacity = 1024, kernel: VectorKernel | null = null, maxRows = 2 ** 30) {
    this.dims = dims;
    this.kernel = kernel;
    this.maxRows = maxRows;
    this.stride = kernel ? Math.ceil(dims / 8) * 8 : dims;
    this.capacity = Math.min(maxRows, Math.max(16, capacity));
    this.data = new Float32Array(0);
    this.norms = new Float64Array(this.capacity);
    this.invNorms = new Float64Array(this.capacity);
    this.ns = new Int32Array(this.capacity);
    this.part = new Int32Array(this.capacity);
    this.varBytes = new Int32Array(this.capacity);
    this.allocate(0);
  }

  /**
   * Bytes this matrix holds: its typed arrays (the kernel's whole WebAssembly memory when it has one) counted exactly,
   * plus the estimated size of ids and parsed metadata (rowVariableBytes).
   */
  get bytesHeld(): number {
    const rows = this.kernel ? this.kernel.memory.buffer.byteLength : this.data.byteLength;
    return rows + this.norms.byteLength + this.invNorms.byteLength + this.ns.byteLength + this.part.byteLength + this.varBytes.byteLength + this.variableBytes;
  }

  /** The most rows whose arrays fit in `bytes` (before ids and metadata), for a matrix of `dims` with or without the kernel. */
  static rowsWithin(bytes: number, dims: number, simd: boolean): number {
    const stride = simd ? Math.ceil(dims / 8) * 8 : dims;
    return Math.max(0, Math.floor((bytes - DATA_OFFSET - PAGE) / (PER_ROW + stride * 4 + (simd ? 4 : 0))));
  }

  /**
   * bytesHeld after adding `rows` new rows whose variable parts total `variableBytes` (negative when replacements
   * shrink), if the arrays then grow as reserve() grows them for `budget`. Infinity past maxRows.
   */
  bytesAfter(rows: number, variableBytes: number, budget = Infinity): number {
    if (this.count + rows > this.maxRows) return Infinity;
    const variable = this.variableBytes + variableBytes;
    return this.arrayBytes(this.capacityFor(this.count + rows, variable, budget)) + variable;
  }

  /** Grows the arrays, before a batch of puts, to hold `rows` rows as bytesAfter() predicted for the same arguments. */
  reserve(rows: number, variableBytes: number, budget = Infinity): void {
    const capacity = this.capacityFor(rows, this.variableBytes + variableBytes, budget);
    if (capacity > this.capacity) this.growTo(capacity);
  }

  /**
   * Room for `rows` rows: the usual 1.5× steps, unless the step would take the bytes past `budget`, when it is exactly
   * `rows` (the last rows a budget allows then cost a reallocation each, rather than a third of the budget unused).
   */
  private capacityFor(rows: number, variable: number, budget: number): number {
    let capacity = this.capacity;
    while (capacity < rows) capacity = this.nextCapacity(capacity);
    return capacity > rows && this.arrayBytes(capacity) + variable > budget ? Math.max(this.capacity, rows) : capacity;
  }

  /** The extra variable bytes of putting (id, metadata of `metadataJsonBytes`) compared with what the row holds now. */
  variableDelta(id: string, metadataJsonBytes: number): number {
    const row = this.rowOf.get(id);
    return rowVariableBytes(id, metadataJsonBytes) - (row === undefined ? 0 : this.varBytes[row]!);
  }

  private arrayBytes(capacity: number): number {
    // norms, invNorms (8 + 8), ns, part and varBytes (4 + 4 + 4) per row; the rows themselves and (with the kernel)
    // the query and per-row scores, in whole WebAssembly pages as memory.grow allocates them.
    const perRow = PER_ROW + (this.kernel ? 0 : this.stride * 4);
    const kernelBytes = this.kernel ? Math.ceil((DATA_OFFSET + capacity * this.stride * 4 + capacity * 4) / PAGE) * PAGE : 0;
    return capacity * perRow + kernelBytes;
  }

  private nextCapacity(capacity: number): number {
    return Math.min(this.maxRows, Math.ceil(capacity * 1.5) + 16);
  }

  /** Whether queries use the SIMD kernel. */
  get simd(): boolean {
    return this.kernel !== null;
  }

  has(id: string): boolean {
    return this.rowOf.has(id);
  }

  /**
   * Adds a vector or replaces the one with the same id. `values[offset … offset + dims)` are its values;
   * `metadataJsonBytes`, the length of the metadata's JSON, only feeds the byte accounting.
   */
  put(id: string, values: Float32Array, offset: number, namespace: string | null, metadata: Metadata, metadataJsonBytes = 0, part = UNASSIGNED): void {
    let row = this.rowOf.get(id);
    if (row === undefined) {
      if (this.count >= this.capacity) this.grow();
      this.varBytes[this.count] = 0;
      row = this.count++;
      this.ids[row] = id;
      this.rowOf.set(id, row);
    }
    const d = this.dims;
    this.data.set(values.subarray(offset, offset + d), row * this.stride);
    const n = norm(values, offset, d);
    this.norms[row] = n;
    this.invNorms[row] = n > 0 ? 1 / n : 0;
    this.ns[row] = namespace === null ? NONE : this.namespaceCode(namespace);
    this.part[row] = part;
    this.metadata[row] = metadata;
    const bytes = rowVariableBytes(id, metadataJsonBytes);
    this.variableBytes += bytes - this.varBytes[row]!;
    this.varBytes[row] = bytes;
  }

  /** Removes the vector with this id by moving the last row into its place. False when absent. */
  delete(id: string): boolean {
    const row = this.rowOf.get(id);
    if (row === undefined) return false;
    const last = this.count - 1;
    const s = this.stride;
    this.variableBytes -= this.varBytes[row]!;
    if (row !== last) {
      const lastId = this.ids[last]!;
      // The whole stride, padding included (always zero), so padded rows stay zero-padded.
      this.data.copyWithin(row * s, last * s, last * s + s);
      this.norms[row] = this.norms[last]!;
      this.invNorms[row] = this.invNorms[last]!;
      this.ns[row] = this.ns[last]!;
      this.part[row] = this.part[last]!;
      this.varBytes[row] = this.varBytes[last]!;
      this.ids[row] = lastId;
      this.metadata[row] = this.metadata[last]!;
      this.rowOf.set(lastId, row);
    }
    this.ids.length = last;
    this.metadata.length = last;
    this.rowOf.delete(id);
    this.count = last;
    return true;
  }

  rowFor(id: string): number | undefined {
    return this.rowOf.get(id);
  }

  idAt(row: number): string {
    return this.ids[row]!;
  }

  metadataAt(row: number): Metadata {
    return this.metadata[row] ?? null;
  }

  namespaceAt(row: number): string | undefined {
    const code = this.ns[row]!;
    return code === NONE ? undefined : this.nsNames[code];
  }

  partAt(row: number): number {
    return this.part[row]!;
  }

  setPart(row: number, part: number): void {
    this.part[row] = part;
  }

  /** Row `row`'s values without a copy: valid only until the next put (the arrays may move as they grow). */
  view(row: number): Float32Array {
    const start = row * this.stride;
    return this.data.subarray(start, start + this.dims);
  }

  /** A copy of row `row`'s values. */
  valuesAt(row: number): Float32Array {
    const start = row * this.stride;
    return this.data.slice(start, start + this.dims);
  }

  /**
   * The `k` rows best matching `query`, best first, with their scores: cosine similarity and dot product descending,
   * euclidean (L2) distance ascending. Only rows in `namespace` (when given) for which `predicate` holds (when given)
   * are considered. Equal scores are ordered by id.
   */
  search(query: Float32Array, metric: VectorizeDistanceMetric, k: number, namespace?: string, predicate?: MetadataPredicate | null): SearchResult {
    let want = ANY;
    if (namespace !== undefined) {
      const code = this.nsCodes.get(namespace);
      if (code === undefined) return { rows: [], scores: [] };
      want = code;
    }
    const top = new TopK(k, this.ids);
    if (this.kernel) this.scanWithKernel(query, metric, want, predicate ?? null, top);
    else this.scanInJs(query, metric, want, predicate ?? null, top);
    return this.results(query, metric, top);
  }

  /**
   * The `k` best rows among those in a partition `probe` marks (and those not yet in any), scored exactly in float64:
   * the same ranking as search() restricted to those rows. No namespace or filter: those queries scan every row.
   */
  searchProbed(query: Float32Array, metric: VectorizeDistanceMetric, k: number, probe: Uint8Array): SearchResult {
    const top = new TopK(k, this.ids);
    const { part, invNorms, scratch } = this;
    const euclidean = metric === "euclidean";
    const cosine = metric === "cosine";
    for (let r = 0; r < this.count; r++) {
      const p = part[r]!;
      if (p !== UNASSIGNED && probe[p] !== 1) continue;
      this.exactBlock(query, euclidean, r, r + 1, ANY);
      const raw = scratch[0]!;
      const key = euclidean ? -raw : cosine ? raw * invNorms[r]! : raw;
      if (top.accepts(key, r)) top.push(key, r);
    }
    return this.results(query, metric, top);
  }

  /** The heap's rows best first, with scores as the API reports them. */
  private results(query: Float32Array, metric: VectorizeDistanceMetric, top: TopK): SearchResult {
    const euclidean = metric === "euclidean";
    const cosine = metric === "cosine";
    const qNorm = cosine ? norm(query, 0, this.dims) : 1;
    const rows: number[] = [];
    const scores: number[] = [];
    for (const i of top.order()) {
      const key = top.keys[i]!;
      rows.push(top.rows[i]!);
      scores.push(euclidean ? Math.sqrt(-key) : cosine ? (qNorm > 0 ? key / qNorm : 0) : key);
    }
    return { rows, scores };
  }

  /** The exact (float64) ranking key of rows [start, end) into scratch: dot, dot/|v| or squared distance. */
  private exactBlock(query: Float32Array, euclidean: boolean, start: number, end: number, want: number): void {
    if (euclidean) l2Block(this.data, query, this.dims, this.stride, start, end, this.scratch, this.ns, want);
    else dotBlock(this.data, query, this.dims, this.stride, start, end, this.scratch, this.ns, want);
  }

  private scanInJs(query: Float32Array, metric: VectorizeDistanceMetric, want: number, predicate: MetadataPredicate | null, top: TopK): void {
    const { ns, invNorms, metadata, scratch } = this;
    const euclidean = metric === "euclidean";
    const cosine = metric === "cosine";
    for (let start = 0; start < this.count; start += BLOCK) {
      const end = Math.min(this.count, start + BLOCK);
      this.exactBlock(query, euclidean, start, end, want);
      for (let r = start; r < end; r++) {
        if (want !== ANY && ns[r] !== want) continue;
        const raw = scratch[r - start]!;
        const key = euclidean ? -raw : cosine ? raw * invNorms[r]! : raw;
        if (!top.accepts(key, r)) continue;
        if (predicate && !predicate(metadata[r] ?? null)) continue;
        top.push(key, r);
      }
    }
  }

  /**
   * Pass 1: the kernel's float32 score of every row, and the K-th best lower bound (key − error bound) among the
   * rows that qualify. Pass 2: every qualifying row whose upper bound reaches it is scored exactly and offered to
   * `top`. Any row of the exact top K has an exact key ≥ the K-th best exact key ≥ that lower bound, so none is missed.
   */
  private scanWithKernel(query: Float32Array, metric: VectorizeDistanceMetric, want: number, predicate: MetadataPredicate | null, top: TopK): void {
    const kernel = this.kernel!;
    const n = this.count;
    const { ns, norms, invNorms, metadata, scratch } = this;
    const euclidean = metric === "euclidean";
    const cosine = metric === "cosine";
    const q = this.kernelQuery!;
    q.fill(0);
    q.set(query);
    const scoresOffset = this.scoresOffset();
    if (euclidean) kernel.l2(DATA_OFFSET, QUERY_OFFSET, n, this.stride, scoresOffset);
    else kernel.dot(DATA_OFFSET, QUERY_OFFSET, n, this.stride, scoresOffset);
    const approx = this.kernelScores!;
    // γ_m = m·u / (1 − m·u) bounds the relative error of m rounded operations. Each kernel lane sums stride/8
    // products, then three more additions: m = stride/8 + 4. Doubled for margin, plus the float64 re-score's own.
    const depth = this.stride / 4 + 8;
    const gamma32 = (depth * U32) / (1 - depth * U32);
    const gamma64 = ((this.dims + 2) * U64) / (1 - (this.dims + 2) * U64);
    const tiny = this.dims * 2 ** -120; // covers float32 underflow of tiny products
    const qNorm = norm(query, 0, this.dims);
    const relDot = 2 * (gamma32 + gamma64) * qNorm;
    const relL2 = 2 * ((gamma32 * 4) / (1 - gamma32 * 4) + gamma64);
    const bound = (r: number, a: number): number => (euclidean ? relL2 * a + tiny : (relDot * norms[r]! + tiny) * (cosine ? invNorms[r]! : 1));
    const keyOf = (r: number, a: number): number => (euclidean ? -a : cosine ? a * invNorms[r]! : a);

    const lower = kthLargest(top.keys.length);
    for (let r = 0; r < n; r++) {
      if (want !== ANY && ns[r] !== want) continue;
      const a = approx[r]!;
      // A non-finite float32 score (overflow) bounds nothing: such a row is always re-scored in pass 2.
      if (!Number.isFinite(a)) continue;
      const low = keyOf(r, a) - bound(r, a);
      if (lower.full() && !(low > lower.floor())) continue;
      if (predicate && !predicate(metadata[r] ?? null)) continue;
      lower.offer(low);
    }
    const floor = lower.floor();
    for (let r = 0; r < n; r++) {
      if (want !== ANY && ns[r] !== want) continue;
      const a = approx[r]!;
      if (Number.isFinite(a) && keyOf(r, a) + bound(r, a) < floor) continue;
      if (predicate && !predicate(metadata[r] ?? null)) continue;
      this.exactBlock(query, euclidean, r, r + 1, ANY);
      const raw = scratch[0]!;
      const key = euclidean ? -raw : cosine ? raw * invNorms[r]! : raw;
      if (top.accepts(key, r)) top.push(key, r);
    }
  }

  private namespaceCode(namespace: string): number {
    let code = this.nsCodes.get(namespace);
    if (code === undefined) {
      code = this.nsNames.length;
      this.nsNames.push(namespace);
      this.nsCodes.set(namespace, code);
    }
    return code;
  }

  private scoresOffset(): number {
    return DATA_OFFSET + this.capacity * this.stride * 4;
  }

  /** (Re)creates the row storage for `this.capacity` rows, keeping the first `keep` rows. */
  private allocate(keep: number): void {
    const floats = this.capacity * this.stride;
    if (!this.kernel) {
      const data = new Float32Array(floats);
      data.set(this.data.subarray(0, keep * this.stride));
      this.data = data;
      return;
    }
    // In the kernel's memory the rows start at the same offset whatever the capacity: growing it keeps them in place.
    const memory = this.kernel.memory;
    const needed = this.scoresOffset() + this.capacity * 4;
    if (memory.buffer.byteLength < needed) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE));
    this.data = new Float32Array(memory.buffer, DATA_OFFSET, floats);
    this.kernelQuery = new Float32Array(memory.buffer, QUERY_OFFSET, this.stride);
    this.kernelScores = new Float32Array(memory.buffer, this.scoresOffset(), this.capacity);
  }

  private grow(): void {
    if (this.capacity >= this.maxRows) throw new RangeError(`the matrix is full: ${this.maxRows} rows at most`);
    this.growTo(this.nextCapacity(this.capacity));
  }

  private growTo(rows: number): void {
    const grow = <T extends Float64Array | Int32Array>(array: T, make: (n: number) => T): T => {
      const next = make(rows);
      next.set(array.subarray(0, this.count));
      return next;
    };
    this.norms = grow(this.norms, (n) => new Float64Array(n));
    this.invNorms = grow(this.invNorms, (n) => new Float64Array(n));
    this.ns = grow(this.ns, (n) => new Int32Array(n));
    this.part = grow(this.part, (n) => new Int32Array(n));
    this.varBytes = grow(this.varBytes, (n) => new Int32Array(n));
    this.capacity = rows;
    this.allocate(this.count);
  }
}
