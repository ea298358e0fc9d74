/**
 * One shard of a vector index (a SQLite Durable Object of its own, reached only by the index's router in
 * project-vector-index.ts): its vectors persist in SQLite as float32 BLOBs with namespace and metadata JSON, and live
 * in memory as one VectorMatrix (loaded on first use, updated after every committed write), so a search is one
 * in-memory scan. The shard never holds more than the memory budget the router gives it: a write that would grow it
 * past the budget is refused row by row (before anything is written), and the router places those rows elsewhere.
 * Input comes from the router, which has validated it; nothing here is reachable from user code.
 */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../../env";
import type { VectorizeBatchWire, VectorizeDistanceMetric, VectorizeMatchWire, VectorizeVectorMetadata, VectorizeVectorWire } from "../../../shared/wire/vectorize";
import { compileFilter, type Metadata } from "./filter";
import { VectorMatrix } from "./matrix";
import type { VectorKernel } from "./kernel-wasm";
// Written beside platform.js by scripts/build.mjs (assembled in kernel-wasm.ts); linked by workerd as a compiled module.
import KERNEL_MODULE from "./vector-kernel.wasm";

/** A fresh kernel instance (each shard owns its memory), or null to scan in plain JavaScript if it cannot load. */
function newKernel(): VectorKernel | null {
  try {
    return new WebAssembly.Instance(KERNEL_MODULE, {}).exports as unknown as VectorKernel;
  } catch (err) {
    console.warn(`VECTORIZE: the SIMD kernel did not load (${err instanceof Error ? err.message : String(err)}); scanning in JavaScript`);
    return null;
  }
}

/** What a shard holds: vectors, and bytes in memory (0 while it has not been loaded since the last restart). */
export interface ShardStats {
  count: number;
  bytes: number;
}

export interface ShardPutResult extends ShardStats {
  /** Indexes (into the batch) of the rows that did not fit in the budget; nothing of them was written. */
  refused: number[];
}

export interface ShardSearch {
  vector: Float32Array;
  metric: VectorizeDistanceMetric;
  topK: number;
  namespace?: string;
  /** The filter as the user gave it (validated by the router); compiled here, since functions do not cross RPC. */
  filter?: unknown;
  returnValues: boolean;
  returnMetadata: boolean;
}

type VectorRow = { id: string; namespace: string | null; vec: ArrayBuffer; metadata: string | null };

export class VectorShard extends DurableObject<PlatformEnv> {
  private readonly sql: SqlStorage;
  /** The shard's vectors in memory; null until the first call that needs them. */
  private matrix: VectorMatrix | null = null;

  constructor(ctx: DurableObjectState, env: PlatformEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS vectors (
        id TEXT PRIMARY KEY,
        namespace TEXT,          -- NULL when the vector has none
        vec BLOB NOT NULL,       -- float32 values, little-endian, dimensions × 4 bytes
        metadata TEXT            -- JSON object, or NULL
      );
    `);
  }

  /**
   * Writes the rows that fit within `budget` bytes (inserting or replacing by id) in one transaction, then updates
   * memory. Rows are taken in order; one that does not fit is refused and later, smaller ones may still fit.
   */
  async put(dims: number, budget: number, batch: VectorizeBatchWire): Promise<ShardPutResult> {
    const matrix = this.open(dims, budget);
    const accepted: number[] = [];
    const refused: number[] = [];
    let newRows = 0;
    let variable = 0;
    for (let i = 0; i < batch.ids.length; i++) {
      const id = batch.ids[i]!;
      const fresh = matrix.has(id) ? 0 : 1;
      const delta = matrix.variableDelta(id, batch.metadata[i]?.length ?? 0);
      if (matrix.bytesAfter(newRows + fresh, variable + delta, budget) > budget) {
        refused.push(i);
        continue;
      }
      newRows += fresh;
      variable += delta;
      accepted.push(i);
    }
    if (accepted.length > 0) {
      // One statement for the whole batch (a statement per row cost a third of an insert's time): the accepted rows'
      // values as one BLOB cut with substr() (byte offsets on a BLOB), their ids, namespaces and metadata as JSON.
      const whole = accepted.length === batch.ids.length;
      const packed = whole ? batch.values : new Float32Array(accepted.length * dims);
      if (!whole) accepted.forEach((i, k) => packed.set(batch.values.subarray(i * dims, (i + 1) * dims), k * dims));
      const blob = packed.buffer.slice(packed.byteOffset, packed.byteOffset + packed.byteLength);
      const rows = JSON.stringify(accepted.map((i) => [batch.ids[i], batch.namespaces[i] ?? null, batch.metadata[i] ?? null]));
      this.sql.exec(
        `INSERT INTO vectors (id, namespace, vec, metadata)
         SELECT json_extract(r.value, '$[0]'), json_extract(r.value, '$[1]'), substr(?1, r.key * ?2 + 1, ?2), json_extract(r.value, '$[2]')
         FROM json_each(?3) AS r WHERE true
         ON CONFLICT (id) DO UPDATE SET namespace = excluded.namespace, vec = excluded.vec, metadata = excluded.metadata`,
        blob,
        dims * 4,
        rows,
      );
    }
    // SQLite has it; now memory (never before: a failed transaction must leave memory as it was).
    matrix.reserve(matrix.count + newRows, variable, budget);
    for (const i of accepted) {
      const text = batch.metadata[i] ?? null;
      matrix.put(batch.ids[i]!, batch.values, i * dims, batch.namespaces[i] ?? null, text === null ? null : (JSON.parse(text) as Metadata), text?.length ?? 0);
    }
    return { refused, count: matrix.count, bytes: matrix.bytesHeld };
  }

  /** Deletes the ids this shard holds; returns those it deleted. */
  async remove(dims: number, budget: number, ids: string[]): Promise<{ removed: string[] } & ShardStats> {
    const matrix = this.open(dims, budget);
    const removed = ids.filter((id) => matrix.has(id));
    if (removed.length > 0) this.sql.exec("DELETE FROM vectors WHERE id IN (SELECT value FROM json_each(?))", JSON.stringify(removed));
    for (const id of removed) matrix.delete(id);
    return { removed, count: matrix.count, bytes: matrix.bytesHeld };
  }

  /** The stored vectors with these ids (absent ones left out), read from SQLite: no need to load the matrix. */
  async get(ids: string[]): Promise<VectorizeVectorWire[]> {
    if (ids.length === 0) return [];
    const rows = this.sql
      .exec<VectorRow>("SELECT id, namespace, vec, metadata FROM vectors WHERE id IN (SELECT value FROM json_each(?))", JSON.stringify(ids))
      .toArray();
    return rows.map((row) => {
      const vector: VectorizeVectorWire = { id: row.id, values: new Float32Array(row.vec.slice(0)) };
      if (row.namespace !== null) vector.namespace = row.namespace;
      if (row.metadata !== null) vector.metadata = JSON.parse(row.metadata) as Record<string, VectorizeVectorMetadata>;
      return vector;
    });
  }

  /** Which of these ids the shard holds (from SQLite). */
  async has(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    return this.sql.exec<{ id: string }>("SELECT id FROM vectors WHERE id IN (SELECT value FROM json_each(?))", JSON.stringify(ids)).toArray().map((r) => r.id);
  }

  /** The shard's exact top K for the search (scores in float64, ties by id), with values and metadata if asked. */
  async search(dims: number, budget: number, search: ShardSearch): Promise<VectorizeMatchWire[]> {
    const matrix = this.open(dims, budget);
    const predicate = compileFilter("VECTORIZE.query", search.filter);
    const found = matrix.search(search.vector, search.metric, search.topK, search.namespace, predicate);
    return found.rows.map((row, i): VectorizeMatchWire => {
      const match: VectorizeMatchWire = { id: matrix.idAt(row), score: found.scores[i]! };
      if (search.returnValues) match.values = matrix.valuesAt(row);
      if (search.returnMetadata) {
        const metadata = matrix.metadataAt(row);
        if (metadata !== null) match.metadata = metadata as Record<string, VectorizeVectorMetadata>;
      }
      const namespace = matrix.namespaceAt(row);
      if (namespace !== undefined) match.namespace = namespace;
      return match;
    });
  }

  /** Count and bytes held, without loading anything. */
  async stats(): Promise<ShardStats> {
    if (this.matrix) return { count: this.matrix.count, bytes: this.matrix.bytesHeld };
    return { count: this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM vectors").one().n, bytes: 0 };
  }

  /** The in-memory matrix, loaded from SQLite on first use (or rebuilt when an empty index changed dimensions). */
  private open(dims: number, budget: number): VectorMatrix {
    if (this.matrix && this.matrix.dims === dims) return this.matrix;
    if (this.matrix && this.matrix.count > 0) throw new Error(`VECTORIZE: shard holds ${this.matrix.dims}-dimension vectors, asked for ${dims}`);
    const total = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM vectors").one().n;
    const kernel = newKernel();
    // A shard written under a larger budget (the setting changed) still loads whole; it just takes no new rows.
    const maxRows = Math.max(total, VectorMatrix.rowsWithin(budget, dims, kernel !== null));
    // Room for exactly what is stored: the shard held at least that within its budget before, and no slack it did not.
    const matrix = new VectorMatrix(dims, total, kernel, maxRows);
    for (const row of this.sql.exec<VectorRow>("SELECT id, namespace, vec, metadata FROM vectors")) {
      const values = new Float32Array(row.vec);
      if (values.length !== dims) throw new Error(`VECTORIZE: stored vector ${JSON.stringify(row.id)} has ${values.length} values, expected ${dims}`);
      matrix.put(row.id, values, 0, row.namespace, row.metadata === null ? null : (JSON.parse(row.metadata) as Metadata), row.metadata?.length ?? 0);
    }
    this.matrix = matrix;
    return matrix;
  }
}
