/**
 * One project's vector index (one Durable Object per project and index name): vectors persist in SQLite as float32
 * BLOBs with their namespace and metadata JSON, and live in memory as one dense matrix (loaded on first use, updated
 * on every write) so a query is a single exact scan with no SQLite reads.
 */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../../env";
import {
  VECTORIZE_LIMITS,
  type VectorizeBatchWire,
  type VectorizeBindingConfig,
  type VectorizeIndexInfo,
  type VectorizeMatchesWire,
  type VectorizeMatchWire,
  type VectorizeMutation,
  type VectorizeQueryWire,
  type VectorizeVectorMetadata,
  type VectorizeVectorWire,
} from "../../../shared/wire/vectorize";
import { compileFilter, parseMetadata, type Metadata } from "./filter";
import { VectorMatrix } from "./matrix";
import { checkConfig } from "./config";
import type { VectorKernel } from "./kernel-wasm";
// Written beside platform.js by scripts/build.mjs (assembled in kernel-wasm.ts); linked by workerd as a compiled module.
import KERNEL_MODULE from "./vector-kernel.wasm";

/** A fresh kernel instance (each index owns its memory), or null to scan in plain JavaScript if it cannot load. */
function newKernel(): VectorKernel | null {
  try {
    return new WebAssembly.Instance(KERNEL_MODULE, {}).exports as unknown as VectorKernel;
  } catch (err) {
    console.warn(`VECTORIZE: the SIMD kernel did not load (${err instanceof Error ? err.message : String(err)}); scanning in JavaScript`);
    return null;
  }
}

const encoder = new TextEncoder();

function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return `${typeof value} ${String(value)}`;
}

function checkId(where: string, id: unknown, what = "id"): string {
  if (typeof id !== "string") throw new TypeError(`${where}: ${what} must be a string, got ${describe(id)}`);
  const bytes = encoder.encode(id).byteLength;
  if (bytes === 0) throw new TypeError(`${where}: ${what} must not be empty`);
  if (bytes > VECTORIZE_LIMITS.maxIdBytes) {
    throw new RangeError(`${where}: ${what} ${describe(id)} is ${bytes} bytes of UTF-8; ids are at most ${VECTORIZE_LIMITS.maxIdBytes} bytes`);
  }
  return id;
}

function checkNamespace(where: string, namespace: unknown, what: string): string {
  if (typeof namespace !== "string") throw new TypeError(`${where}: ${what} must be a string, got ${describe(namespace)}`);
  const bytes = encoder.encode(namespace).byteLength;
  if (bytes === 0 || bytes > VECTORIZE_LIMITS.maxNamespaceBytes) {
    throw new RangeError(`${where}: ${what} ${describe(namespace)} is ${bytes} bytes; namespaces are 1 to ${VECTORIZE_LIMITS.maxNamespaceBytes} bytes of UTF-8`);
  }
  return namespace;
}

function checkIds(where: string, ids: unknown): string[] {
  if (!Array.isArray(ids)) throw new TypeError(`${where}: expected an array of ids, got ${describe(ids)}`);
  if (ids.length > VECTORIZE_LIMITS.maxIds) {
    throw new RangeError(`${where}: ${ids.length} ids in one call; at most ${VECTORIZE_LIMITS.maxIds} per call`);
  }
  return ids.map((id, i) => checkId(where, id, `ids[${i}]`));
}

interface QueryPlan {
  topK: number;
  namespace: string | undefined;
  returnValues: boolean;
  returnMetadata: boolean;
  predicate: ReturnType<typeof compileFilter>;
}

function planQuery(where: string, options: VectorizeQueryWire | undefined): QueryPlan {
  const o = options ?? {};
  if (typeof o !== "object") throw new TypeError(`${where}: the options must be an object, got ${describe(o)}`);
  const topK = o.topK ?? VECTORIZE_LIMITS.defaultTopK;
  if (typeof topK !== "number" || !Number.isInteger(topK) || topK < 1 || topK > VECTORIZE_LIMITS.maxTopK) {
    throw new RangeError(`${where}: topK must be an integer from 1 to ${VECTORIZE_LIMITS.maxTopK}, got ${describe(topK)}`);
  }
  const returnValues = o.returnValues ?? false;
  if (typeof returnValues !== "boolean") throw new TypeError(`${where}: returnValues must be true or false, got ${describe(returnValues)}`);
  const level = o.returnMetadata ?? "none";
  if (!(typeof level === "boolean" || level === "none" || level === "indexed" || level === "all")) {
    throw new TypeError(`${where}: returnMetadata must be true, false, "none", "indexed" or "all", got ${describe(level)}`);
  }
  const all = level === true || level === "all";
  if ((returnValues || all) && topK > VECTORIZE_LIMITS.maxTopKWithValuesOrMetadata) {
    throw new RangeError(
      `${where}: topK is ${topK}, but with ${returnValues ? "returnValues: true" : 'returnMetadata: "all"'} at most ` +
        `${VECTORIZE_LIMITS.maxTopKWithValuesOrMetadata} matches are returned (${VECTORIZE_LIMITS.maxTopK} without values or full metadata, as on Cloudflare); ` +
        `lower topK, or fetch values and metadata for the ids you keep with getByIds()`,
    );
  }
  const namespace = o.namespace === undefined || o.namespace === null ? undefined : checkNamespace(where, o.namespace, "namespace");
  return { topK, namespace, returnValues, returnMetadata: all || level === "indexed", predicate: compileFilter(where, o.filter) };
}

type VectorRow = { id: string; namespace: string | null; vec: ArrayBuffer; metadata: string | null };

export class ProjectVectorIndex extends DurableObject<PlatformEnv> {
  private readonly sql: SqlStorage;
  /** The whole index in memory; null until the first call that needs it. */
  private matrix: VectorMatrix | null = null;
  /** The dimensions the stored vectors have; null while the index has never been configured. */
  private dimensions: number | null;

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
      CREATE TABLE IF NOT EXISTS index_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
    this.dimensions = this.info("dimensions") === null ? null : Number(this.info("dimensions"));
  }

  async describe(config: VectorizeBindingConfig): Promise<VectorizeIndexInfo> {
    this.configure(config, "describe");
    const vectorCount = this.matrix ? this.matrix.count : this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM vectors").one().n;
    return {
      name: config.index,
      dimensions: config.dimensions,
      metric: config.metric,
      vectorCount,
      processedUpToDatetime: this.info("mutated_at"),
      processedUpToMutation: this.info("mutation_id"),
    };
  }

  async query(config: VectorizeBindingConfig, vector: Float32Array, options?: VectorizeQueryWire): Promise<VectorizeMatchesWire> {
    const where = `${config.binding}.query`;
    const matrix = this.open(config, "query");
    if (!(vector instanceof Float32Array)) throw new TypeError(`${where}: the query vector must arrive as a Float32Array, got ${describe(vector)}`);
    if (vector.length !== config.dimensions) {
      throw new RangeError(`${where}: the query vector has ${vector.length} values, but index "${config.index}" has ${config.dimensions} dimensions`);
    }
    for (let j = 0; j < vector.length; j++) {
      if (!Number.isFinite(vector[j])) throw new RangeError(`${where}: the query vector has a non-finite value at position ${j}: ${vector[j]}`);
    }
    return this.run(matrix, config, vector, planQuery(where, options));
  }

  async queryById(config: VectorizeBindingConfig, id: string, options?: VectorizeQueryWire): Promise<VectorizeMatchesWire> {
    const where = `${config.binding}.queryById`;
    checkId(where, id);
    const matrix = this.open(config, "queryById");
    const plan = planQuery(where, options);
    const row = matrix.rowFor(id);
    if (row === undefined) return { matches: [], count: 0, processingMs: 0 };
    return this.run(matrix, config, matrix.valuesAt(row), plan);
  }

  async insert(config: VectorizeBindingConfig, batch: VectorizeBatchWire): Promise<VectorizeMutation> {
    return this.write(config, "insert", batch);
  }

  async upsert(config: VectorizeBindingConfig, batch: VectorizeBatchWire): Promise<VectorizeMutation> {
    return this.write(config, "upsert", batch);
  }

  async getByIds(config: VectorizeBindingConfig, ids: string[]): Promise<VectorizeVectorWire[]> {
    const where = `${config.binding}.getByIds`;
    const wanted = checkIds(where, ids);
    this.configure(config, "getByIds");
    if (wanted.length === 0) return [];
    // One statement for the whole list: json_each keeps it to a single bound parameter.
    const rows = this.sql
      .exec<VectorRow>("SELECT id, namespace, vec, metadata FROM vectors WHERE id IN (SELECT value FROM json_each(?))", JSON.stringify(wanted))
      .toArray();
    const byId = new Map(rows.map((row) => [row.id, row]));
    const out: VectorizeVectorWire[] = [];
    const seen = new Set<string>();
    for (const id of wanted) {
      const row = byId.get(id);
      if (!row || seen.has(id)) continue;
      seen.add(id);
      const vector: VectorizeVectorWire = { id, values: new Float32Array(row.vec.slice(0)) };
      if (row.namespace !== null) vector.namespace = row.namespace;
      if (row.metadata !== null) vector.metadata = JSON.parse(row.metadata) as Record<string, VectorizeVectorMetadata>;
      out.push(vector);
    }
    return out;
  }

  async deleteByIds(config: VectorizeBindingConfig, ids: string[]): Promise<VectorizeMutation> {
    const where = `${config.binding}.deleteByIds`;
    const wanted = [...new Set(checkIds(where, ids))];
    const matrix = this.open(config, "deleteByIds");
    const present = wanted.filter((id) => matrix.has(id));
    const mutationId = crypto.randomUUID();
    this.ctx.storage.transactionSync(() => {
      for (const id of present) this.sql.exec("DELETE FROM vectors WHERE id = ?", id);
      this.recordMutation(mutationId);
    });
    for (const id of present) matrix.delete(id);
    return { mutationId, count: present.length, ids: present };
  }

  private run(matrix: VectorMatrix, config: VectorizeBindingConfig, vector: Float32Array, plan: QueryPlan): VectorizeMatchesWire {
    const started = performance.now();
    const found = matrix.search(vector, config.metric, plan.topK, plan.namespace, plan.predicate);
    const matches = found.rows.map((row, i): VectorizeMatchWire => {
      const match: VectorizeMatchWire = { id: matrix.idAt(row), score: found.scores[i]! };
      if (plan.returnValues) match.values = matrix.valuesAt(row);
      if (plan.returnMetadata) {
        const metadata = matrix.metadataAt(row);
        if (metadata !== null) match.metadata = metadata as Record<string, VectorizeVectorMetadata>;
      }
      const namespace = matrix.namespaceAt(row);
      if (namespace !== undefined) match.namespace = namespace;
      return match;
    });
    return { matches, count: matches.length, processingMs: performance.now() - started };
  }

  private write(config: VectorizeBindingConfig, method: "insert" | "upsert", batch: VectorizeBatchWire): VectorizeMutation {
    const where = `${config.binding}.${method}`;
    const matrix = this.open(config, method);
    const d = config.dimensions;
    if (batch === null || typeof batch !== "object" || !Array.isArray(batch.ids) || !(batch.values instanceof Float32Array)) {
      throw new TypeError(`${where}: malformed batch`);
    }
    const n = batch.ids.length;
    if (n > VECTORIZE_LIMITS.maxBatch) throw new RangeError(`${where}: ${n} vectors in one call; at most ${VECTORIZE_LIMITS.maxBatch} per call, so split the batch`);
    if (batch.values.length !== n * d) {
      throw new RangeError(`${where}: ${batch.values.length} values for ${n} vectors, but index "${config.index}" has ${d} dimensions (expected ${n * d})`);
    }
    // Validate everything before writing anything: a batch applies whole or not at all.
    const rows: { id: string; namespace: string | null; metadataText: string | null; metadata: Metadata; offset: number }[] = [];
    const index = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const id = checkId(where, batch.ids[i], `vector ${i} id`);
      const what = `vector ${i} (id ${JSON.stringify(id)})`;
      const offset = i * d;
      for (let j = 0; j < d; j++) {
        if (!Number.isFinite(batch.values[offset + j])) {
          throw new RangeError(`${where}: ${what} has a non-finite value at position ${j}: ${batch.values[offset + j]}`);
        }
      }
      const rawNamespace = batch.namespaces?.[i] ?? null;
      const namespace = rawNamespace === null ? null : checkNamespace(where, rawNamespace, `${what} namespace`);
      const metadataText = batch.metadata?.[i] ?? null;
      let metadata: Metadata = null;
      if (metadataText !== null) {
        if (typeof metadataText !== "string") throw new TypeError(`${where}: ${what} metadata must arrive as JSON text`);
        const bytes = encoder.encode(metadataText).byteLength;
        if (bytes > VECTORIZE_LIMITS.maxMetadataBytes) {
          throw new RangeError(`${where}: ${what} metadata is ${bytes} bytes once serialised as JSON; the limit is ${VECTORIZE_LIMITS.maxMetadataBytes} bytes (10 KiB)`);
        }
        metadata = parseMetadata(where, what, metadataText);
      }
      const earlier = index.get(id);
      if (earlier !== undefined) {
        if (method === "insert") throw new TypeError(`${where}: id ${JSON.stringify(id)} appears twice in the batch (vectors ${earlier} and ${i})`);
        rows[earlier] = { id, namespace, metadataText, metadata, offset };
        continue;
      }
      index.set(id, rows.length);
      rows.push({ id, namespace, metadataText, metadata, offset });
    }
    if (method === "insert") {
      const existing = rows.filter((row) => matrix.has(row.id)).map((row) => row.id);
      if (existing.length > 0) {
        const shown = existing.slice(0, 5).map((id) => JSON.stringify(id)).join(", ");
        throw new TypeError(
          `${where}: ${existing.length === 1 ? "id" : `${existing.length} ids`} ${shown}${existing.length > 5 ? ", …" : ""} ` +
            `already ${existing.length === 1 ? "exists" : "exist"} in index "${config.index}"; nothing was inserted. Use upsert() to replace vectors`,
        );
      }
    }
    const mutationId = crypto.randomUUID();
    this.ctx.storage.transactionSync(() => {
      for (const row of rows) {
        this.sql.exec(
          `INSERT INTO vectors (id, namespace, vec, metadata) VALUES (?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET namespace = excluded.namespace, vec = excluded.vec, metadata = excluded.metadata`,
          row.id,
          row.namespace,
          batch.values.slice(row.offset, row.offset + d).buffer,
          row.metadataText,
        );
      }
      this.recordMutation(mutationId);
    });
    // SQLite has it; now the matrix (never before: a failed transaction must leave memory as it was).
    for (const row of rows) matrix.put(row.id, batch.values, row.offset, row.namespace, row.metadata);
    return { mutationId, count: rows.length, ids: rows.map((row) => row.id) };
  }

  /**
   * Checks the config the binding was created with against what the index holds. Dimensions are fixed once the
   * index has vectors; an empty index takes whatever the config says. The metric is only used at query time, so
   * changing it in aerostack.toml simply changes how the same vectors are ranked.
   */
  private configure(config: VectorizeBindingConfig, method: string): void {
    checkConfig(config, method);
    if (this.dimensions === config.dimensions) return;
    const count = this.matrix ? this.matrix.count : this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM vectors").one().n;
    if (count > 0 && this.dimensions !== null) {
      throw new RangeError(
        `${config.binding}.${method}: index "${config.index}" holds ${count} vectors of ${this.dimensions} dimensions, but aerostack.toml ` +
          `declares ${config.dimensions}. An index's dimensions are fixed once it holds vectors: set dimensions = ${this.dimensions}, ` +
          `or use a new index name for ${config.dimensions}-dimension vectors`,
      );
    }
    this.sql.exec("INSERT INTO index_info (key, value) VALUES ('dimensions', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", String(config.dimensions));
    this.dimensions = config.dimensions;
    this.matrix = null;
  }

  /** The in-memory index, loading it from SQLite on first use. */
  private open(config: VectorizeBindingConfig, method: string): VectorMatrix {
    this.configure(config, method);
    if (this.matrix) return this.matrix;
    const d = config.dimensions;
    const total = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM vectors").one().n;
    const matrix = new VectorMatrix(d, Math.ceil(total * 1.1) + 64, newKernel());
    for (const row of this.sql.exec<VectorRow>("SELECT id, namespace, vec, metadata FROM vectors")) {
      const values = new Float32Array(row.vec);
      if (values.length !== d) throw new Error(`${config.binding}: stored vector ${JSON.stringify(row.id)} has ${values.length} values, expected ${d}`);
      matrix.put(row.id, values, 0, row.namespace, row.metadata === null ? null : (JSON.parse(row.metadata) as Metadata));
    }
    this.matrix = matrix;
    return matrix;
  }

  private info(key: string): string | null {
    return this.sql.exec<{ value: string }>("SELECT value FROM index_info WHERE key = ?", key).toArray()[0]?.value ?? null;
  }

  private recordMutation(mutationId: string): void {
    const upsert = "INSERT INTO index_info (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
    this.sql.exec(upsert, "mutation_id", mutationId);
    this.sql.exec(upsert, "mutated_at", new Date().toISOString());
  }
}
