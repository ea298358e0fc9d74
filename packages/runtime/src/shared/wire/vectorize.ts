/** env.VECTORIZE's wire contract: what the shim sends ScopedVectorize, which calls ProjectVectorIndex. */
// Plain TypeScript and Web APIs only: the shim bundles it into user isolates, and users see these types through
// `@aerostack/runtime/types` (no workers-types).

export type VectorizeDistanceMetric = "euclidean" | "cosine" | "dot-product";
/** `"indexed"` returns the same as `"all"` here: every metadata field is filterable, so every field is "indexed". */
export type VectorizeMetadataRetrievalLevel = "all" | "indexed" | "none";
export type VectorizeVectorMetadataValue = string | number | boolean | string[];
export type VectorizeVectorMetadata = VectorizeVectorMetadataValue | Record<string, VectorizeVectorMetadataValue>;

type FilterScalar = string | number | boolean | null;
/** `{ field: value }` (= `$eq`), or an operator object; nested metadata is reached with dotted keys (`"author.id"`). */
export type VectorizeVectorMetadataFilter = {
  [field: string]:
    | FilterScalar
    | { $eq?: FilterScalar; $ne?: FilterScalar; $lt?: FilterScalar; $lte?: FilterScalar; $gt?: FilterScalar; $gte?: FilterScalar }
    | { $in?: FilterScalar[]; $nin?: FilterScalar[] };
};

export interface VectorizeMatch {
  id: string;
  /** cosine: similarity in [-1, 1], higher is closer; dot-product: higher is closer; euclidean: L2 distance, lower is closer. */
  score: number;
  values?: number[];
  metadata?: Record<string, VectorizeVectorMetadata>;
  namespace?: string;
}

export interface VectorizeMutation {
  mutationId: string;
  count: number;
  /** The ids written (insert, upsert) or actually deleted (deleteByIds). */
  ids: string[];
}

export interface VectorizeIndexInfo {
  name: string;
  dimensions: number;
  metric: VectorizeDistanceMetric;
  vectorCount: number;
  /** ISO 8601 time of the last mutation, or null before the first. Mutations apply at once here. */
  processedUpToDatetime: string | null;
  processedUpToMutation: string | null;
  /** Aerostack only: the shard Durable Objects the index is spread over (each holds at most memoryBudgetBytes). */
  shards: number;
  /** Aerostack only: the most memory one shard may hold. */
  memoryBudgetBytes: number;
  /** Aerostack only: the memory the largest shard holds now (0 for shards not loaded since a restart). */
  largestShardBytes: number;
  /**
   * Aerostack only: how unfiltered queries are answered. "exact" scans every vector (always so up to exactUpTo
   * vectors); "partitioned" probes the nearest partitions of each shard and ranks their vectors exactly (filtered and
   * namespaced queries are always exact).
   */
  mode: "exact" | "partitioned";
  /** Aerostack only: the vector count up to which the index is searched exactly. */
  exactUpTo: number;
  /** Aerostack only: partitions over all shards (0 while none is trained). */
  partitions: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Wire contract (shim ⇄ ScopedVectorize ⇄ ProjectVectorIndex)

/** Limits, as Cloudflare Vectorize documents them; the Durable Object enforces them, the shim checks early. */
/**
 * Whether values[from … to) are all finite (the shim checks a typed array's copy with it, the index every batch): x − x is 0 for a finite x and NaN for ±Infinity and NaN. Four sums, so
 * the adds do not wait on each other (one sum ran at an add's latency per value).
 */
export function allFinite(values: Float32Array, from: number, to: number): boolean {
  let a = 0, b = 0, c = 0, d = 0;
  let j = from;
  for (; j + 3 < to; j += 4) {
    a += values[j]! - values[j]!;
    b += values[j + 1]! - values[j + 1]!;
    c += values[j + 2]! - values[j + 2]!;
    d += values[j + 3]! - values[j + 3]!;
  }
  for (; j < to; j++) a += values[j]! - values[j]!;
  return a + b + c + d === 0;
}

export const VECTORIZE_LIMITS = {
  maxDimensions: 1536,
  maxIdBytes: 64,
  maxNamespaceBytes: 64,
  maxMetadataBytes: 10 * 1024,
  maxBatch: 1000,
  maxIds: 1000,
  defaultTopK: 5,
  maxTopK: 100,
  maxTopKWithValuesOrMetadata: 20,
  maxFilterBytes: 2048,
} as const;

/** One declared `[[vectorize]]` binding: the loader sends these to the shim and, as props, to ScopedVectorize. */
export interface VectorizeBindingConfig {
  binding: string;
  index: string;
  dimensions: number;
  metric: VectorizeDistanceMetric;
  /** `exact = true` in aerostack.toml: never probe partitions, scan every vector. */
  exact?: boolean;
}

/** A batch of vectors packed for RPC: `values` holds `ids.length × dimensions` floats, row after row. */
export interface VectorizeBatchWire {
  ids: string[];
  values: Float32Array;
  namespaces: (string | null)[];
  /** JSON text, serialised in the shim exactly as the user's object would be by JSON.stringify. */
  metadata: (string | null)[];
}

export interface VectorizeQueryWire {
  topK?: number;
  namespace?: string;
  returnValues?: boolean;
  returnMetadata?: boolean | VectorizeMetadataRetrievalLevel;
  filter?: unknown;
}

export interface VectorizeMatchWire {
  id: string;
  score: number;
  values?: Float32Array;
  metadata?: Record<string, VectorizeVectorMetadata>;
  namespace?: string;
}

export interface VectorizeMatchesWire {
  matches: VectorizeMatchWire[];
  count: number;
  processingMs: number;
}

export interface VectorizeVectorWire {
  id: string;
  values: Float32Array;
  namespace?: string;
  metadata?: Record<string, VectorizeVectorMetadata>;
}

/** The RPC surface ScopedVectorize offers; it adds the index's config from its props and calls the Durable Object. */
export interface VectorizeRpc {
  describe(): Promise<VectorizeIndexInfo>;
  query(vector: Float32Array, options: VectorizeQueryWire): Promise<VectorizeMatchesWire>;
  queryById(id: string, options: VectorizeQueryWire): Promise<VectorizeMatchesWire>;
  insert(batch: VectorizeBatchWire): Promise<VectorizeMutation>;
  upsert(batch: VectorizeBatchWire): Promise<VectorizeMutation>;
  getByIds(ids: string[]): Promise<VectorizeVectorWire[]>;
  deleteByIds(ids: string[]): Promise<VectorizeMutation>;
}
