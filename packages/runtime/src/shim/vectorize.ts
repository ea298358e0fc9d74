/** User-side VECTORIZE: Cloudflare Vectorize's (V2) index API over the platform's project-scoped RPC stub. */
import type { VectorizeMetadataRetrievalLevel, VectorizeVectorMetadata, VectorizeVectorMetadataFilter, VectorizeMatch, VectorizeMutation, VectorizeIndexInfo, VectorizeBindingConfig, VectorizeBatchWire, VectorizeQueryWire, VectorizeMatchesWire, VectorizeRpc } from "../shared/wire/vectorize";
import { allFinite, VECTORIZE_LIMITS } from "../shared/wire/vectorize";
// The wire contract (shared/wire/vectorize.ts) is part of the user-facing API too.
export type { VectorizeDistanceMetric, VectorizeMetadataRetrievalLevel, VectorizeVectorMetadataValue, VectorizeVectorMetadata, VectorizeVectorMetadataFilter, VectorizeMatch, VectorizeMutation, VectorizeIndexInfo, VectorizeBindingConfig, VectorizeBatchWire, VectorizeQueryWire, VectorizeMatchWire, VectorizeMatchesWire, VectorizeVectorWire, VectorizeRpc } from "../shared/wire/vectorize";

export interface VectorizeVector {
  /** 1 to 64 bytes of UTF-8, unique in the index. */
  id: string;
  /** Exactly the index's dimensions; stored as float32. */
  values: number[] | Float32Array | Float64Array;
  /** 1 to 64 bytes; a query with `namespace` only sees vectors in it. */
  namespace?: string;
  /** A JSON object of at most 10 KiB once serialised. */
  metadata?: Record<string, VectorizeVectorMetadata>;
}

export interface VectorizeQueryOptions {
  /** 1 to 100 (20 with `returnValues` or `returnMetadata: "all"`); default 5. */
  topK?: number;
  namespace?: string;
  returnValues?: boolean;
  /** Default `"none"`; `true` means `"all"`, `false` means `"none"`. */
  returnMetadata?: boolean | VectorizeMetadataRetrievalLevel;
  filter?: VectorizeVectorMetadataFilter;
}

export interface VectorizeMatches {
  /** Best first. */
  matches: VectorizeMatch[];
  count: number;
  /**
   * Aerostack only, and not enumerable (so results compare and serialise exactly like Cloudflare's): milliseconds the
   * index's Durable Object spent scanning and ranking for this query.
   */
  readonly processingMs?: number;
}

/** What insert, upsert and deleteByIds return: Vectorize V2's `mutationId` plus V1's `count` and `ids`. */
// ---------------------------------------------------------------------------------------------------------------
// The user API

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return `${typeof value} ${String(value)}`;
}

/**
 * Copies `values` into `out` at `offset` as float32, checking length and that every value is a finite number that
 * float32 can hold. `what` names the vector in errors.
 */
function packValues(where: string, what: string, values: unknown, config: VectorizeBindingConfig, out: Float32Array, offset: number): void {
  if (!(Array.isArray(values) || values instanceof Float32Array || values instanceof Float64Array)) {
    throw new TypeError(`${where}: the values of ${what} must be an array of numbers, a Float32Array or a Float64Array, got ${describeValue(values)}`);
  }
  if (values.length !== config.dimensions) {
    throw new RangeError(
      `${where}: ${what} has ${values.length} values, but index "${config.index}" has ${config.dimensions} dimensions`,
    );
  }
  if (!Array.isArray(values)) {
    // A typed array holds only numbers: copy it (set() rounds float64 to float32) and check the copy is all finite.
    // The loop below, per value, only runs to name a bad one.
    out.set(values, offset);
    if (allFinite(out, offset, offset + values.length)) return;
  }
  for (let j = 0; j < values.length; j++) {
    const x: unknown = values[j];
    if (typeof x !== "number") throw new TypeError(`${where}: ${what} has a non-number at position ${j}: ${describeValue(x)}`);
    const f = Math.fround(x);
    if (!Number.isFinite(f)) {
      const why = Number.isNaN(x) ? "NaN" : Number.isFinite(x) ? `${x}, outside the float32 range (±3.4e38)` : String(x);
      throw new RangeError(`${where}: ${what} has a non-finite value at position ${j}: ${why}`);
    }
    out[offset + j] = f;
  }
}

function serialiseMetadata(where: string, what: string, metadata: unknown): string | null {
  if (metadata === undefined || metadata === null) return null;
  if (typeof metadata !== "object" || Array.isArray(metadata)) {
    throw new TypeError(`${where}: ${what} metadata must be an object, got ${describeValue(metadata)}`);
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(metadata);
  } catch (err) {
    throw new TypeError(`${where}: ${what} metadata must be JSON-serialisable (${err instanceof Error ? err.message : String(err)})`);
  }
  return text ?? null;
}

function toNumbers(values: Float32Array | undefined): number[] | undefined {
  return values === undefined ? undefined : Array.from(values);
}

function fromMatches(wire: VectorizeMatchesWire): VectorizeMatches {
  const matches = wire.matches.map((m) => {
    const match: VectorizeMatch = { id: m.id, score: m.score };
    if (m.values !== undefined) match.values = toNumbers(m.values);
    if (m.metadata !== undefined) match.metadata = m.metadata;
    if (m.namespace !== undefined) match.namespace = m.namespace;
    return match;
  });
  const result: VectorizeMatches = { matches, count: wire.count };
  Object.defineProperty(result, "processingMs", { value: wire.processingMs, enumerable: false });
  return result;
}

function queryWire(options: VectorizeQueryOptions | undefined): VectorizeQueryWire {
  if (options === undefined || options === null) return {};
  if (typeof options !== "object") throw new TypeError(`the query options must be an object, got ${describeValue(options)}`);
  const wire: VectorizeQueryWire = {};
  if (options.topK !== undefined) wire.topK = options.topK;
  if (options.namespace !== undefined) wire.namespace = options.namespace;
  if (options.returnValues !== undefined) wire.returnValues = options.returnValues;
  if (options.returnMetadata !== undefined) wire.returnMetadata = options.returnMetadata;
  if (options.filter !== undefined) wire.filter = options.filter;
  return wire;
}

export class VectorizeIndex {
  // Private so user code cannot reach the raw stub; the Durable Object validates every call anyway.
  readonly #stub: VectorizeRpc;
  readonly #config: VectorizeBindingConfig;

  constructor(stub: VectorizeRpc, config: VectorizeBindingConfig) {
    this.#stub = stub;
    this.#config = config;
  }

  /** The index's name, dimensions, metric and vector count. */
  async describe(): Promise<VectorizeIndexInfo> {
    return this.#stub.describe();
  }

  /** The `topK` stored vectors closest to `vector` (exact: every vector in scope is scored). */
  async query(vector: number[] | Float32Array | Float64Array, options?: VectorizeQueryOptions): Promise<VectorizeMatches> {
    const where = `${this.#config.binding}.query`;
    const packed = new Float32Array(this.#config.dimensions);
    packValues(where, "the query vector", vector, this.#config, packed, 0);
    return fromMatches(await this.#stub.query(packed, queryWireFor(where, options)));
  }

  /** Like query(), with the stored vector `id` as the query; no matches when `id` is not in the index. */
  async queryById(id: string, options?: VectorizeQueryOptions): Promise<VectorizeMatches> {
    return fromMatches(await this.#stub.queryById(id, queryWireFor(`${this.#config.binding}.queryById`, options)));
  }

  /** Adds vectors; fails as a whole, writing none, if any id is already in the index. */
  async insert(vectors: VectorizeVector[]): Promise<VectorizeMutation> {
    return this.#stub.insert(this.#pack("insert", vectors));
  }

  /** Adds vectors, replacing (values, namespace and metadata) any with the same id; the last of duplicates wins. */
  async upsert(vectors: VectorizeVector[]): Promise<VectorizeMutation> {
    return this.#stub.upsert(this.#pack("upsert", vectors));
  }

  /** The stored vectors with these ids, in the order asked; absent ids are left out. */
  async getByIds(ids: string[]): Promise<VectorizeVector[]> {
    const found = await this.#stub.getByIds(ids);
    return found.map((v) => {
      const vector: VectorizeVector = { id: v.id, values: Array.from(v.values) };
      if (v.namespace !== undefined) vector.namespace = v.namespace;
      if (v.metadata !== undefined) vector.metadata = v.metadata;
      return vector;
    });
  }

  /** Deletes the vectors with these ids; `ids` and `count` in the result name those that existed. */
  async deleteByIds(ids: string[]): Promise<VectorizeMutation> {
    return this.#stub.deleteByIds(ids);
  }

  #pack(method: "insert" | "upsert", vectors: unknown): VectorizeBatchWire {
    const where = `${this.#config.binding}.${method}`;
    if (!Array.isArray(vectors)) throw new TypeError(`${where}: expected an array of vectors, got ${describeValue(vectors)}`);
    if (vectors.length > VECTORIZE_LIMITS.maxBatch) {
      throw new RangeError(`${where}: ${vectors.length} vectors in one call; at most ${VECTORIZE_LIMITS.maxBatch} per call, so split the batch`);
    }
    const dims = this.#config.dimensions;
    const batch: VectorizeBatchWire = { ids: [], values: new Float32Array(vectors.length * dims), namespaces: [], metadata: [] };
    vectors.forEach((vector: unknown, i) => {
      if (vector === null || typeof vector !== "object") throw new TypeError(`${where}: vector ${i} must be an object { id, values }, got ${describeValue(vector)}`);
      const { id, values, namespace, metadata } = vector as Record<string, unknown>;
      if (typeof id !== "string") throw new TypeError(`${where}: vector ${i} needs a string id, got ${describeValue(id)}`);
      const what = `vector ${i} (id ${JSON.stringify(id)})`;
      packValues(where, what, values, this.#config, batch.values, i * dims);
      if (namespace !== undefined && namespace !== null && typeof namespace !== "string") {
        throw new TypeError(`${where}: ${what} namespace must be a string, got ${describeValue(namespace)}`);
      }
      batch.ids.push(id);
      batch.namespaces.push((namespace as string | undefined) ?? null);
      batch.metadata.push(serialiseMetadata(where, what, metadata));
    });
    return batch;
  }
}

function queryWireFor(where: string, options: VectorizeQueryOptions | undefined): VectorizeQueryWire {
  try {
    return queryWire(options);
  } catch (err) {
    throw new TypeError(`${where}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
