/**
 * The in-memory side of a vector index: every vector of the index in dense Float32Array chunks of 1,024 rows (row r
 * holds the vector with id ids[r]), with its norm, namespace and parsed metadata, and an exact top-K search over it.
 * Rows can be regrouped by partition (groupByPart) so a probed search reads them in order. Plain TypeScript
 * with no workerd APIs: the Durable Object keeps SQLite and this in step, and unit tests run it in Node.
 *
 * A query is one pass over the matrix, in one of two ways, with the same results:
 * - With the SIMD kernel (kernel-wasm.ts): each row also keeps an int8 copy (its codes, in the kernel's WebAssembly
 *   memory) with a per-row scale s: v = s·c + e (the query is coded likewise in int16). The kernel scores the query's
 *   codes against every row's in exact
 *   integer arithmetic, a quarter of the bytes a float32 scan reads (the scan is memory-bound). The integer score
 *   gives v·q up to an error bounded by Cauchy–Schwarz: |v·q − s_v·s_q·(c_v·c_q)| ≤ |s_v·c_v|·|e_q| + |e_v|·|q|. A
 *   second pass keeps only the rows whose score interval can still reach the K-th best lower bound and re-scores
 *   those few in float64 from the float32 values. The answer is the one the plain scan gives.
 * - Without it: a tight, unrolled float64 loop over the float32 values, a block of rows at a time.
 * Either way a binary min-heap of size K keeps the best so far (nothing is sorted but the K results), and metadata
 * filters run only for rows that could enter it.
 */
import type { VectorizeDistanceMetric } from "../../../shared/wire/vectorize";
import type { Metadata, MetadataPredicate } from "./filter";
import type { VectorKernel } from "./kernel-wasm";

/** Rows scored per kernel call: big enough to amortise the call, small enough for the scratch to stay in L1. */
const BLOCK = 256;
/** Rows of values per chunk (see VectorMatrix.chunks): a multiple of BLOCK, so a block never straddles two. */
const CHUNK_SHIFT = 10;
const CHUNK_ROWS = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK_ROWS - 1;
/** The namespace code of "any namespace" in a search, and of "no namespace" on a row. */
const ANY = -2;
const NONE = -1;
/**
 * Kernel memory layout: the query's int16 codes at 0 (at most 1536 of them), one row's float32 values being coded at
 * VALUES_OFFSET (zero past dims) and its codes at CODED_OFFSET when they are coded for storage, the rows' int8 codes
 * from CODES_OFFSET (they stay in place as the memory grows), then one int32 score and one int32 row index per row.
 */
const QUERY_OFFSET = 0;
const VALUES_OFFSET = 4096;
const CODED_OFFSET = VALUES_OFFSET + 1536 * 4;
const CODES_OFFSET = CODED_OFFSET + 1536;
/** A stored coding's three float64s (scale, error norm, norm), through bytes: see codeInto(). */
const codedFloats = new Float64Array(3);
const codedFloatBytes = new Uint8Array(codedFloats.buffer);
const PAGE = 65536;
/**
 * Relative slack added to every kernel bound: it covers the float64 rounding of the bound's own terms, of s_v·s_q·I
 * and of the exact re-score (each ≤ ~d·2⁻⁵³ ≈ 2e-13 of |v|·|q| at 1536 dimensions), with a wide margin.
 */
const SLACK = 1e-9;
/** Bytes of the fixed-size per-row arrays: norms, invNorms (float64), ns, part, varBytes (int32). */
const PER_ROW = 28;
/** And with the kernel: each row's code scale, |e| and upper bound (float64 arrays), and in the kernel's memory its
 * int32 score and index slots (beside its codes). */
const PER_ROW_KERNEL_ARRAYS = 3 * 8;
const PER_ROW_KERNEL_MEMORY = 4 + 4;

/** Bytes per row of int8 codes: dims rounded up to the kernel's 32-code step (zero padding). */
function codeStride(dims: number): number {
  return Math.ceil(dims / 32) * 32;
}

/**
 * Rows are coded in int8 (±127); a query in int16 up to ±QUERY_LEVELS, which keeps the kernel's int32 sums exact
 * (127 · 8191 · 1536 < 2³¹) and makes the query's own coding error negligible beside the rows'.
 */
const ROW_LEVELS = 127;
const ROUNDER = 1.5 * 2 ** 52;
const QUERY_LEVELS = 8191;

/** What measure() and quantize() found of a vector: SCALE s, ERR |v − s·c|₂, NORM |v|₂, MAX max|v| (reused). */
const SCALE = 0, ERR = 1, NORM = 2, MAX = 3;
const quantized = new Float64Array(4);

/**
 * Sets quantized[NORM] and quantized[MAX] for values[offset … offset + d) in one pass. Four running sums and
 * branch-free Math.abs/Math.max: a single sum (one add's latency per value) with a branch on each value's sign (taken
 * at random) made this a seventh of an insert's time at 384 dimensions. norm() sums in the same order, so the kernel
 * and the plain scan see the same norms to the last bit. A NaN value makes MAX NaN (no kernel bound is trusted then).
 */
function measure(values: Float32Array, offset: number, d: number): void {
  let m0 = 0, m1 = 0, s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const end = offset + d;
  const end4 = end - (d % 4);
  let j = offset;
  for (; j < end4; j += 4) {
    const a = values[j]!, b = values[j + 1]!, c = values[j + 2]!, e = values[j + 3]!;
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += e * e;
    m0 = Math.max(m0, Math.abs(a), Math.abs(b));
    m1 = Math.max(m1, Math.abs(c), Math.abs(e));
  }
  for (; j < end; j++) {
    const a = values[j]!;
    s0 += a * a;
    m0 = Math.max(m0, Math.abs(a));
  }
  quantized[NORM] = Math.sqrt(s0 + s1 + (s2 + s3));
  quantized[MAX] = Math.max(m0, m1);
}

/**
 * Writes a query's int16 codes to codes[0 … d) with the scale s = max|v|/levels, and sets `quantized` (NaN scale for
 * a non-finite vector: its kernel bound is then never trusted). Rows are coded by the kernel's code8 instead, the same
 * way (codes within ±levels, error measured exactly in float64).
 */
function quantize(values: Float32Array, offset: number, d: number, codes: Int16Array, levels: number): void {
  measure(values, offset, d);
  const max = quantized[MAX]!;
  if (max === 0 || !Number.isFinite(max)) {
    codes.fill(0, 0, d);
    quantized[SCALE] = max === 0 ? 0 : NaN;
    quantized[ERR] = 0;
    return;
  }
  const scale = max / levels;
  const inv = levels / max;
  let err = 0;
  for (let j = 0; j < d; j++) {
    const x = values[offset + j]!;
    // Round to nearest by adding and removing 1.5·2⁵² (exact for |x·inv| < 2⁵¹; any rounding would do, since the
    // error is measured below): a third of Math.round's cost here. |x·inv| ≤ levels up to rounding; clamp the rest.
    let c = x * inv + ROUNDER - ROUNDER;
    if (c > levels) c = levels;
    else if (c < -levels) c = -levels;
    codes[j] = c;
    const e = x - scale * c;
    err += e * e;
  }
  quantized[SCALE] = scale;
  quantized[ERR] = Math.sqrt(err);
}
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

/**
 * out[r - start] = dot(row r, q) for rows in [start, end) whose namespace is `want` (or any when want is ANY); `data`
 * is the chunk holding those rows, whose first row is `base`.
 */
function dotBlock(data: Float32Array, base: number, q: Float32Array, d: number, start: number, end: number, out: Float64Array, ns: Int32Array, want: number): void {
  const d8 = d - (d % 8);
  for (let r = start; r < end; r++) {
    if (want !== ANY && ns[r] !== want) continue;
    const o = (r - base) * d;
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
function l2Block(data: Float32Array, base: number, q: Float32Array, d: number, start: number, end: number, out: Float64Array, ns: Int32Array, want: number): void {
  const d4 = d - (d % 4);
  for (let r = start; r < end; r++) {
    if (want !== ANY && ns[r] !== want) continue;
    const o = (r - base) * d;
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

/** |values[offset … offset + d)|, summed exactly as measure() sums it. */
function norm(values: Float32Array, offset: number, d: number): number {
  measure(values, offset, d);
  return quantized[NORM]!;
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
  /** Bytes of int8 codes per row (kernel only). */
  private readonly codeStride: number;
  /** Number of vectors: rows [0, count) of the arrays below are live. */
  count = 0;
  /** Rows the arrays have room for. */
  private capacity: number;
  /**
   * The float32 values, CHUNK_ROWS rows per chunk (the last chunk holds what capacity leaves, so the bytes are exactly
   * capacity rows): growing allocates new chunks and copies only the last, where one array copied everything held
   * at each 1.5× step (with the fresh pages it faulted in, a fifth of an insert's time).
   */
  private chunks: Float32Array[] = [];
  /** Per row, with the kernel: the scale of its codes and the norm of their error (see quantize()). */
  private scales: Float64Array;
  private errs: Float64Array;
  /** Per row, with the kernel: a query's upper bound on its key (scratch kept between queries). */
  private uppers: Float64Array;
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
  /** Views into the kernel's memory (refreshed when it grows): query codes, row codes, scores and row indexes. */
  private kernelQuery: Int16Array | null = null;
  private codes: Int8Array | null = null;
  private kernelScores: Int32Array | null = null;
  private kernelRows: Int32Array | null = null;
  /** The kernel's input when it codes a row (zero past dims). */
  private kernelValues: Float32Array | null = null;

  /**
   * `kernel`: an instance of the SIMD module (kernel-wasm.ts) whose memory this matrix may use alone. `maxRows`: the
   * arrays never grow past it, so their size is bounded by it (put() beyond it throws).
   */
  constructor(dims: number, capacity = 1024, kernel: VectorKernel | null = null, maxRows = 2 ** 30) {
    this.dims = dims;
    this.kernel = kernel;
    this.maxRows = maxRows;
    this.codeStride = codeStride(dims);
    this.capacity = Math.min(maxRows, Math.max(16, capacity));
    this.scales = new Float64Array(kernel ? this.capacity : 0);
    this.errs = new Float64Array(kernel ? this.capacity : 0);
    this.uppers = new Float64Array(kernel ? this.capacity : 0);
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
    const kernel = this.kernel ? this.kernel.memory.buffer.byteLength + this.scales.byteLength + this.errs.byteLength + this.uppers.byteLength : 0;
    return this.capacity * this.dims * 4 + kernel + this.norms.byteLength + this.invNorms.byteLength + this.ns.byteLength + this.part.byteLength + this.varBytes.byteLength + this.variableBytes;
  }

  /** The most rows whose arrays fit in `bytes` (before ids and metadata), for a matrix of `dims` with or without the kernel. */
  static rowsWithin(bytes: number, dims: number, simd: boolean): number {
    const kernel = simd ? { fixed: CODES_OFFSET + PAGE, perRow: codeStride(dims) + PER_ROW_KERNEL_ARRAYS + PER_ROW_KERNEL_MEMORY } : { fixed: 0, perRow: 0 };
    return Math.max(0, Math.floor((bytes - kernel.fixed) / (PER_ROW + dims * 4 + kernel.perRow)));
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
   * Room for `rows` rows: the usual 1.5× steps, unless the step would take the bytes past `budget`, when it is the
   * most rows the budget leaves room for (counting each extra row's id and metadata at the average so far), and at
   * least `rows`. Growing to exactly `rows` instead made each of the last batches before a full shard copy the whole
   * matrix (a sixth of an insert's time at 384 dimensions).
   */
  private capacityFor(rows: number, variable: number, budget: number): number {
    let capacity = this.capacity;
    while (capacity < rows) capacity = this.nextCapacity(capacity);
    if (capacity <= rows || this.arrayBytes(capacity) + variable <= budget) return capacity;
    const perRow = rows > 0 ? Math.max(0, variable) / rows : 0;
    const fits = (c: number) => this.arrayBytes(c) + variable + (c - rows) * perRow <= budget;
    // The largest capacity in [lo, capacity) that fits; lo itself when none does (the caller then refuses the rows).
    let lo = Math.max(this.capacity, rows);
    let hi = capacity - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(mid)) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The extra variable bytes of putting (id, metadata of `metadataJsonBytes`) compared with what the row holds now. */
  variableDelta(id: string, metadataJsonBytes: number): number {
    const row = this.rowOf.get(id);
    return rowVariableBytes(id, metadataJsonBytes) - (row === undefined ? 0 : this.varBytes[row]!);
  }

  private arrayBytes(capacity: number): number {
    // norms, invNorms (8 + 8), ns, part and varBytes (4 + 4 + 4) and the float32 values per row; with the kernel,
    // scales, errs and uppers (3 × 8) and its memory in whole WebAssembly pages as memory.grow allocates them: the query,
    // then per row its codes, score and index slot.
    const perRow = PER_ROW + this.dims * 4 + (this.kernel ? PER_ROW_KERNEL_ARRAYS : 0);
    const kernelBytes = this.kernel ? Math.ceil((CODES_OFFSET + capacity * (this.codeStride + PER_ROW_KERNEL_MEMORY)) / PAGE) * PAGE : 0;
    return capacity * perRow + kernelBytes;
  }

  private nextCapacity(capacity: number): number {
    return Math.min(this.maxRows, Math.ceil(capacity * 1.5) + 16);
  }

  /** Rows the arrays have room for now (reserve() and put() grow them). */
  get allocatedRows(): number {
    return this.capacity;
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
  put(id: string, values: Float32Array, offset: number, namespace: string | null, metadata: Metadata, metadataJsonBytes = 0, part = UNASSIGNED, coded: Uint8Array | null = null): void {
    let row = this.rowOf.get(id);
    if (row === undefined) {
      if (this.count >= this.capacity) this.grow();
      this.varBytes[this.count] = 0;
      row = this.count++;
      this.ids[row] = id;
      this.rowOf.set(id, row);
    }
    const d = this.dims;
    this.chunkOf(row).set(values.subarray(offset, offset + d), (row & CHUNK_MASK) * d);
    let n: number;
    if (this.codes && coded && coded.length === this.codedBytes) {
      // Coded when it was stored (codeInto()): copied, not computed again, which is most of a cold load's work.
      const cs = this.codeStride;
      this.codes.set(coded.subarray(0, cs), row * cs);
      codedFloatBytes.set(coded.subarray(cs, cs + codedFloatBytes.length));
      this.scales[row] = codedFloats[0]!;
      this.errs[row] = codedFloats[1]!;
      n = codedFloats[2]!;
    } else if (this.codes) {
      this.code(values, offset, CODES_OFFSET + row * this.codeStride);
      this.scales[row] = quantized[SCALE]!;
      this.errs[row] = quantized[ERR]!;
      n = quantized[NORM]!;
    } else n = norm(values, offset, d);
    this.norms[row] = n;
    this.invNorms[row] = n > 0 ? 1 / n : 0;
    this.ns[row] = namespace === null ? NONE : this.namespaceCode(namespace);
    this.part[row] = part;
    this.metadata[row] = metadata;
    const bytes = rowVariableBytes(id, metadataJsonBytes);
    this.variableBytes += bytes - this.varBytes[row]!;
    this.varBytes[row] = bytes;
  }

  /** Bytes of a row's stored coding (codeInto()); 0 without the kernel, which keeps no codes. */
  get codedBytes(): number {
    return this.kernel ? this.codeStride + codedFloatBytes.length : 0;
  }

  /**
   * Codes values[offset … offset + dims) for storage beside the vector: out[at …] gets its codes (the whole code
   * stride) then its scale, error norm and norm as float64s. put() takes them back instead of coding the row again.
   */
  codeInto(values: Float32Array, offset: number, out: Uint8Array, at: number): void {
    const cs = this.codeStride;
    this.code(values, offset, CODED_OFFSET);
    out.set(new Uint8Array(this.kernel!.memory.buffer, CODED_OFFSET, cs), at);
    codedFloats[0] = quantized[SCALE]!;
    codedFloats[1] = quantized[ERR]!;
    codedFloats[2] = quantized[NORM]!;
    out.set(codedFloatBytes, at + cs);
  }

  /**
   * Writes the int8 codes of values[offset …] at byte `dst` of the kernel's memory (the kernel's code8: the whole code
   * stride, so padding is zero even where a grown memory held old scores), and sets quantized[SCALE, ERR, NORM].
   */
  private code(values: Float32Array, offset: number, dst: number): void {
    const d = this.dims;
    measure(values, offset, d);
    const max = quantized[MAX]!;
    if (max === 0 || !Number.isFinite(max)) {
      new Uint8Array(this.kernel!.memory.buffer, dst, this.codeStride).fill(0);
      quantized[SCALE] = max === 0 ? 0 : NaN;
      quantized[ERR] = 0;
      return;
    }
    const scale = max / ROW_LEVELS;
    this.kernelValues!.set(values.subarray(offset, offset + d));
    quantized[SCALE] = scale;
    quantized[ERR] = Math.sqrt(this.kernel!.code8(VALUES_OFFSET, this.codeStride, dst, ROW_LEVELS / max, scale));
  }

  /** Removes the vector with this id by moving the last row into its place. False when absent. */
  delete(id: string): boolean {
    const row = this.rowOf.get(id);
    if (row === undefined) return false;
    const last = this.count - 1;
    const d = this.dims;
    this.variableBytes -= this.varBytes[row]!;
    if (row !== last) {
      const lastId = this.ids[last]!;
      this.chunkOf(row).set(this.view(last), (row & CHUNK_MASK) * d);
      if (this.codes) {
        // The whole code stride, padding included (always zero), so padded rows stay zero-padded.
        const cs = this.codeStride;
        this.codes.copyWithin(row * cs, last * cs, last * cs + cs);
        this.scales[row] = this.scales[last]!;
        this.errs[row] = this.errs[last]!;
      }
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

  /**
   * Reorders the rows so that each partition's rows lie together (by partition, unassigned ones last, each group in
   * its current order). A probed search gathers only its partitions' rows: scattered through the matrix, each row
   * cost the kernel about five times what a row read in order costs. Row numbers change; ids keep their rows.
   */
  groupByPart(): void {
    const n = this.count;
    if (n < 2) return;
    const { part } = this;
    let max = -1;
    for (let r = 0; r < n; r++) if (part[r]! > max) max = part[r]!;
    const key = (r: number) => (part[r] === UNASSIGNED ? max + 1 : part[r]!);
    const starts = new Int32Array(max + 3);
    for (let r = 0; r < n; r++) starts[key(r) + 1]!++;
    for (let b = 1; b < starts.length; b++) starts[b]! += starts[b - 1]!;
    // order[k]: the row that moves to position k.
    const order = new Int32Array(n);
    for (let r = 0; r < n; r++) order[starts[key(r)]!++] = r;
    // Applied in place, a cycle at a time, through one row's worth of scratch.
    const moved = new Uint8Array(n);
    const d = this.dims;
    const cs = this.codeStride;
    const values = new Float32Array(d);
    const codes = this.codes ? new Int8Array(cs) : null;
    for (let i = 0; i < n; i++) {
      if (moved[i] === 1) continue;
      moved[i] = 1;
      if (order[i] === i) continue;
      values.set(this.view(i));
      if (codes) codes.set(this.codes!.subarray(i * cs, i * cs + cs));
      const saved = { scale: this.kernel ? this.scales[i]! : 0, err: this.kernel ? this.errs[i]! : 0, norm: this.norms[i]!, inv: this.invNorms[i]!, ns: this.ns[i]!, part: part[i]!, varBytes: this.varBytes[i]!, id: this.ids[i]!, metadata: this.metadata[i]! };
      let j = i;
      for (;;) {
        const src = order[j]!;
        if (src === i) break;
        this.copyRow(src, j);
        moved[src] = 1;
        j = src;
      }
      this.chunkOf(j).set(values, (j & CHUNK_MASK) * d);
      if (codes) this.codes!.set(codes, j * cs);
      if (this.kernel) {
        this.scales[j] = saved.scale;
        this.errs[j] = saved.err;
      }
      this.norms[j] = saved.norm;
      this.invNorms[j] = saved.inv;
      this.ns[j] = saved.ns;
      part[j] = saved.part;
      this.varBytes[j] = saved.varBytes;
      this.ids[j] = saved.id;
      this.metadata[j] = saved.metadata;
    }
    for (let r = 0; r < n; r++) this.rowOf.set(this.ids[r]!, r);
  }

  /** Copies row `src` over row `dst` (every per-row array; rowOf is the caller's). */
  private copyRow(src: number, dst: number): void {
    const d = this.dims;
    this.chunkOf(dst).set(this.view(src), (dst & CHUNK_MASK) * d);
    if (this.codes) {
      const cs = this.codeStride;
      this.codes.copyWithin(dst * cs, src * cs, src * cs + cs);
      this.scales[dst] = this.scales[src]!;
      this.errs[dst] = this.errs[src]!;
    }
    this.norms[dst] = this.norms[src]!;
    this.invNorms[dst] = this.invNorms[src]!;
    this.ns[dst] = this.ns[src]!;
    this.part[dst] = this.part[src]!;
    this.varBytes[dst] = this.varBytes[src]!;
    this.ids[dst] = this.ids[src]!;
    this.metadata[dst] = this.metadata[src]!;
  }

  /** Row `row`'s values without a copy: valid only until the next put (the arrays may move as they grow). */
  view(row: number): Float32Array {
    const start = (row & CHUNK_MASK) * this.dims;
    return this.chunkOf(row).subarray(start, start + this.dims);
  }

  /** A copy of row `row`'s values. */
  valuesAt(row: number): Float32Array {
    const start = (row & CHUNK_MASK) * this.dims;
    return this.chunkOf(row).slice(start, start + this.dims);
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
   * The row best matching `query` (cosine, euclidean or dot product, ties to the lower row) by the kernel's integer
   * scores alone, without the exact re-rank: for assigning a row to its partition, where the best centroid up to the
   * int8 coding's error is as good as the exact one (which only decides which rows a probe looks at), and the
   * re-rank and heap of search() cost more than the scan at a few hundred centroids. Without the kernel, or for a
   * non-finite query, search()'s exact best. -1 when the matrix is empty.
   */
  best(query: Float32Array, metric: VectorizeDistanceMetric): number {
    const n = this.count;
    if (n === 0) return -1;
    if (!this.kernel) return this.search(query, metric, 1).rows[0]!;
    const d = this.dims;
    const q = this.kernelQuery!;
    q.fill(0, d);
    quantize(query, 0, d, q, QUERY_LEVELS);
    const qScale = quantized[SCALE]!;
    if (!Number.isFinite(qScale)) return this.search(query, metric, 1).rows[0]!;
    this.kernel.dot8(CODES_OFFSET, QUERY_OFFSET, 0, n, this.codeStride, this.scoresOffset());
    const ints = this.kernelScores!;
    const { scales, norms, invNorms } = this;
    const euclidean = metric === "euclidean";
    const cosine = metric === "cosine";
    let best = 0;
    let bestKey = -Infinity;
    for (let r = 0; r < n; r++) {
      const dot = scales[r]! * qScale * ints[r]!;
      const key = cosine ? dot * invNorms[r]! : euclidean ? 2 * dot - norms[r]! * norms[r]! : dot;
      if (key > bestKey) {
        bestKey = key;
        best = r;
      }
    }
    return best;
  }

  /**
   * The `k` best rows among those in a partition `probe` marks (and those not yet in any), scored exactly in float64:
   * the same ranking as search() restricted to those rows. No namespace or filter: those queries scan every row.
   */
  searchProbed(query: Float32Array, metric: VectorizeDistanceMetric, k: number, probe: Uint8Array): SearchResult {
    const top = new TopK(k, this.ids);
    const { part } = this;
    if (this.kernel) {
      // The probed rows' indexes, for the kernel to gather: partitions are not contiguous in the matrix.
      const list = this.kernelRows!;
      let m = 0;
      for (let r = 0; r < this.count; r++) {
        const p = part[r]!;
        if (p === UNASSIGNED || probe[p] === 1) list[m++] = r;
      }
      this.scanWithKernel(query, metric, ANY, null, top, m);
      return this.results(query, metric, top);
    }
    const { invNorms, scratch } = this;
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
    // [start, end) lies in one chunk: a single row, or a BLOCK-aligned block (CHUNK_ROWS is a multiple of BLOCK).
    const chunk = this.chunkOf(start);
    const base = start - (start & CHUNK_MASK);
    if (euclidean) l2Block(chunk, base, query, this.dims, start, end, this.scratch, this.ns, want);
    else dotBlock(chunk, base, query, this.dims, start, end, this.scratch, this.ns, want);
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
   * Pass 1: the kernel's integer score of every row (or of the first `listed` rows of kernelRows), turned into an
   * interval that holds the row's exact key, and the K-th best lower bound among the rows that qualify. Pass 2: every
   * qualifying row whose upper bound reaches it is scored exactly and offered to `top`. Any row of the exact top K has
   * an exact key ≥ the K-th best exact key ≥ that lower bound, so none is missed.
   */
  private scanWithKernel(query: Float32Array, metric: VectorizeDistanceMetric, want: number, predicate: MetadataPredicate | null, top: TopK, listed = -1): void {
    const kernel = this.kernel!;
    const { ns, norms, invNorms, scales, errs, metadata } = this;
    const euclidean = metric === "euclidean";
    const cosine = metric === "cosine";
    const d = this.dims;
    const q = this.kernelQuery!;
    q.fill(0);
    quantize(query, 0, d, q, QUERY_LEVELS);
    const qScale = quantized[SCALE]!;
    const qErr = quantized[ERR]!;
    const qNorm = quantized[NORM]!;
    const rows = listed >= 0 ? this.kernelRows! : null;
    const n = rows ? listed : this.count;
    if (Number.isNaN(qScale)) {
      // A non-finite query: no bound holds, so every row is scored exactly (as the plain scan would).
      for (let i = 0; i < n; i++) this.offerExact(query, euclidean, cosine, rows ? rows[i]! : i, want, predicate, top);
      return;
    }
    kernel.dot8(CODES_OFFSET, QUERY_OFFSET, rows ? this.rowsOffset() : 0, n, this.codeStride, this.scoresOffset());
    const ints = this.kernelScores!;
    const up = this.uppers;
    // Row r's exact key lies in [key − bound, key + bound], where, with dot = s_r·s_q·int and b the dot product's
    // bound (|v|+|e_v|)·|e_q| + |e_v|·|q| (plus SLACK): cosine key dot/|v| ± b/|v|; dot product dot ± b; euclidean
    // −(|v|² + |q|² − 2·dot) ± 2b (the squared distance counts the dot product twice). One loop per metric, no calls:
    // this pass touches every row.
    const k1 = qErr + SLACK * (qNorm + qErr);
    const qq = qNorm * qNorm;
    const lower = kthLargest(top.keys.length);
    let floor = -Infinity;
    for (let i = 0; i < n; i++) {
      const r = rows ? rows[i]! : i;
      if (want !== ANY && ns[r] !== want) {
        up[i] = -Infinity;
        continue;
      }
      const dot = scales[r]! * qScale * ints[i]!;
      if (!Number.isFinite(dot)) {
        // A non-finite row bounds nothing: it is always re-scored.
        up[i] = Infinity;
        continue;
      }
      const v = norms[r]!;
      const e = errs[r]!;
      const b = (v + e) * k1 + e * qNorm + Number.MIN_VALUE;
      let key: number, bound: number;
      if (cosine) {
        const inv = invNorms[r]!;
        key = dot * inv;
        bound = b * inv;
      } else if (euclidean) {
        key = -(v * v + qq - 2 * dot);
        bound = 2 * b + SLACK * (v + qNorm) * (v + qNorm);
      } else {
        key = dot;
        bound = b;
      }
      up[i] = key + bound;
      const low = key - bound;
      if (!(low > floor)) continue;
      if (predicate && !predicate(metadata[r] ?? null)) continue;
      lower.offer(low);
      floor = lower.floor();
    }
    // Rows outside the namespace have up = −∞, yet are not skipped while floor is −∞ too (fewer than K qualify):
    // offerExact checks the namespace again.
    for (let i = 0; i < n; i++) {
      if (up[i]! < floor) continue;
      this.offerExact(query, euclidean, cosine, rows ? rows[i]! : i, want, predicate, top);
    }
  }

  /** Scores row r exactly and offers it to `top`, if it is in the wanted namespace and passes the predicate. */
  private offerExact(query: Float32Array, euclidean: boolean, cosine: boolean, r: number, want: number, predicate: MetadataPredicate | null, top: TopK): void {
    if (want !== ANY && this.ns[r] !== want) return;
    if (predicate && !predicate(this.metadata[r] ?? null)) return;
    this.exactBlock(query, euclidean, r, r + 1, ANY);
    const raw = this.scratch[0]!;
    const key = euclidean ? -raw : cosine ? raw * this.invNorms[r]! : raw;
    if (top.accepts(key, r)) top.push(key, r);
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
    return CODES_OFFSET + this.capacity * this.codeStride;
  }

  private rowsOffset(): number {
    return this.scoresOffset() + this.capacity * 4;
  }

  /** (Re)creates the row storage for `this.capacity` rows, keeping the first `keep` rows. */
  private allocate(keep: number): void {
    this.allocateChunks(keep);
    if (!this.kernel) return;
    // In the kernel's memory the codes start at the same offset whatever the capacity: growing it keeps them in place.
    const memory = this.kernel.memory;
    const needed = this.rowsOffset() + this.capacity * 4;
    if (memory.buffer.byteLength < needed) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE));
    this.kernelQuery = new Int16Array(memory.buffer, QUERY_OFFSET, this.codeStride);
    this.kernelValues = new Float32Array(memory.buffer, VALUES_OFFSET, this.codeStride);
    this.codes = new Int8Array(memory.buffer, CODES_OFFSET, this.capacity * this.codeStride);
    this.kernelScores = new Int32Array(memory.buffer, this.scoresOffset(), this.capacity);
    this.kernelRows = new Int32Array(memory.buffer, this.rowsOffset(), this.capacity);
  }

  private chunkOf(row: number): Float32Array {
    return this.chunks[row >>> CHUNK_SHIFT]!;
  }

  /** Chunks for `this.capacity` rows: full ones kept, the last (partial) one reallocated with its first `keep` rows' values. */
  private allocateChunks(keep: number): void {
    const d = this.dims;
    const full = this.capacity >>> CHUNK_SHIFT;
    const tail = this.capacity & CHUNK_MASK;
    const wanted = full + (tail > 0 ? 1 : 0);
    for (let c = 0; c < wanted; c++) {
      const rows = c < full ? CHUNK_ROWS : tail;
      const old = this.chunks[c];
      if (old && old.length === rows * d) continue;
      const chunk = new Float32Array(rows * d);
      const kept = Math.max(0, Math.min(keep - c * CHUNK_ROWS, rows));
      if (old && kept > 0) chunk.set(old.subarray(0, kept * d));
      this.chunks[c] = chunk;
    }
    this.chunks.length = wanted;
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
    if (this.kernel) {
      this.scales = grow(this.scales, (n) => new Float64Array(n));
      this.errs = grow(this.errs, (n) => new Float64Array(n));
      this.uppers = new Float64Array(rows);
    }
    this.capacity = rows;
    this.allocate(this.count);
  }
}
