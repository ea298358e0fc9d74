/**
 * One shard of a vector index (a SQLite Durable Object of its own, reached only by the index's router in
 * project-vector-index.ts): its vectors persist in SQLite as float32 BLOBs with namespace and metadata JSON, and live
 * in memory as one VectorMatrix (loaded on first use, updated after every committed write), so a search is one
 * in-memory scan. The shard never holds more than the memory budget the router gives it: a write that would grow it
 * past the budget is refused row by row (before anything is written), and the router places those rows elsewhere.
 * Once its index passes the exact threshold the shard also keeps IVF partitions of its rows (ivf.ts): centroids in
 * its SQLite, each row's partition in its row, both written in the same transactions as the rows, and memory for them
 * reserved out of the budget; they are derived data (a shard without them scans whole, and retrains as it grows).
 * Input comes from the router, which has validated it; nothing here is reachable from user code.
 */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../../env";
import type { VectorizeBatchWire, VectorizeDistanceMetric, VectorizeMatchWire, VectorizeVectorMetadata, VectorizeVectorWire } from "../../../shared/wire/vectorize";
import { compileFilter, type Metadata } from "./filter";
import { UNASSIGNED, VectorMatrix } from "./matrix";
import { MIN_TRAIN_ROWS, Partitions, partitionReserveBytes, partitionsFor, probesFor, trainCentroids } from "./ivf";
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

/** Shards with at least this budget score centroids with the SIMD kernel (see finderKernel()). */
const FINDER_KERNEL_MIN_BUDGET = 16 * 1024 * 1024;

/** What a shard holds: vectors, and bytes in memory (0 while it has not been loaded since the last restart). */
export interface ShardStats {
  count: number;
  bytes: number;
  /** Partitions trained (0: none; every query scans the whole shard). */
  partitions: number;
}

/** Trained partitions handed from one shard to another (see VectorShard.partition): centroids and the rows they were trained on. */
export interface PartitionSeed {
  centroids: Float32Array;
  rows: number;
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
  /** The index is past its exact threshold: an unfiltered query may probe partitions (ivf.ts) instead of scanning. */
  approximate?: boolean;
}

type VectorRow = { id: string; namespace: string | null; vec: ArrayBuffer; metadata: string | null; part: number | null };

/**
 * Bytes of values per load chunk: well under SQLite's largest value (Cloudflare allows 2 MB a string or BLOB).
 * group_concat() appends each BLOB's bytes as they are (its length, not a C string), and the CAST keeps them a BLOB.
 */
const LOAD_CHUNK_BYTES = 1 << 20;
/** And at most this many rows, so small vectors too come in several chunks (which the restart tests then cover). */
const LOAD_CHUNK_ROWS = 512;
const LOAD_CHUNK_SQL = `
  SELECT CAST(group_concat(vec, '') AS BLOB) AS vecs, json_group_array(id) AS ids, json_group_array(namespace) AS namespaces,
         json_group_array(metadata) AS metadata, json_group_array(part) AS parts, max(rowid) AS last, count(*) AS n,
         CAST(group_concat(code, '') AS BLOB) AS codes, json_group_array(length(code)) AS codeLengths
  FROM (SELECT rowid, id, namespace, vec, metadata, part, code FROM vectors WHERE rowid > ? ORDER BY rowid LIMIT ?)`;
type LoadChunk = {
  vecs: ArrayBuffer;
  ids: string;
  namespaces: string;
  metadata: string;
  parts: string;
  last: number;
  n: number;
  /** The rows' codings end to end (group_concat leaves out NULLs; codeLengths says which rows have one), or NULL. */
  codes: ArrayBuffer | null;
  codeLengths: string;
};

export class VectorShard extends DurableObject<PlatformEnv> {
  private readonly sql: SqlStorage;
  /** The shard's vectors in memory; null until the first call that needs them. */
  private matrix: VectorMatrix | null = null;
  /** Its partitions (loaded with the matrix), or null while untrained. */
  private partitions: Partitions | null = null;
  /** Rows the shard held when its partitions were trained: past twice that, they are trained again. */
  private trainedRows = 0;
  /** Rows the matrix held when its rows were last grouped by partition (groupByPart): past twice that, again. */
  private groupedRows = 0;

  constructor(ctx: DurableObjectState, env: PlatformEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS vectors (
        id TEXT PRIMARY KEY,
        namespace TEXT,          -- NULL when the vector has none
        vec BLOB NOT NULL,       -- float32 values, little-endian, dimensions × 4 bytes
        metadata TEXT,           -- JSON object, or NULL
        part INTEGER,            -- its partition (ivf.ts) once the shard is partitioned, else NULL
        code BLOB                -- its int8 coding for the SIMD scan (VectorMatrix.codeInto), or NULL: coded at load
      );
      -- The shard's partitions: 'centroids' (float32 BLOB), 'metric' they were trained for, 'rows' held then.
      CREATE TABLE IF NOT EXISTS partitions (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
    `);
    // Shards created before partitions existed lack the column; it is NULL (unassigned) for their rows.
    const schema = this.sql.exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'vectors'").one().sql;
    if (!/\bpart INTEGER/.test(schema)) this.sql.exec("ALTER TABLE vectors ADD COLUMN part INTEGER");
    // Rows stored before codings were kept have none (NULL): they are coded when the shard loads, as before.
    if (!/\bcode BLOB/.test(schema)) this.sql.exec("ALTER TABLE vectors ADD COLUMN code BLOB");
  }

  /**
   * Writes the rows that fit within `budget` bytes (inserting or replacing by id) in one transaction, then updates
   * memory. Rows are taken in order; one that does not fit is refused and later, smaller ones may still fit.
   */
  async put(dims: number, budget: number, batch: VectorizeBatchWire, partition: VectorizeDistanceMetric | null = null): Promise<ShardPutResult> {
    const matrix = this.open(dims, budget);
    const rowBudget = this.rowBudget(dims, budget);
    const accepted: number[] = [];
    const refused: number[] = [];
    let newRows = 0;
    let variable = 0;
    for (let i = 0; i < batch.ids.length; i++) {
      const id = batch.ids[i]!;
      const fresh = matrix.has(id) ? 0 : 1;
      const delta = matrix.variableDelta(id, batch.metadata[i]?.length ?? 0);
      if (matrix.bytesAfter(newRows + fresh, variable + delta, rowBudget) > rowBudget) {
        refused.push(i);
        continue;
      }
      newRows += fresh;
      variable += delta;
      accepted.push(i);
    }
    // A partitioned shard places each new row in its nearest partition as it stores it.
    const partitions = this.partitions;
    const parts = accepted.map((i) => (partitions ? partitions.nearest(batch.values.subarray(i * dims, (i + 1) * dims)) : null));
    const codedBytes = matrix.codedBytes;
    let coded: Uint8Array | null = null;
    if (accepted.length > 0) {
      // One statement for the whole batch (a statement per row cost a third of an insert's time): the accepted rows'
      // values as one BLOB cut with substr() (byte offsets on a BLOB), their ids, namespaces and metadata as JSON.
      const whole = accepted.length === batch.ids.length;
      const packed = whole ? batch.values : new Float32Array(accepted.length * dims);
      if (!whole) accepted.forEach((i, k) => packed.set(batch.values.subarray(i * dims, (i + 1) * dims), k * dims));
      const blob = packed.buffer.slice(packed.byteOffset, packed.byteOffset + packed.byteLength);
      const rows = JSON.stringify(accepted.map((i, k) => [batch.ids[i], batch.namespaces[i] ?? null, batch.metadata[i] ?? null, parts[k]]));
      // Each row's coding is stored beside it, so a cold load copies it rather than computing it again.
      coded = new Uint8Array(accepted.length * codedBytes);
      if (codedBytes > 0) accepted.forEach((i, k) => matrix.codeInto(batch.values, i * dims, coded!, k * codedBytes));
      this.sql.exec(
        `INSERT INTO vectors (id, namespace, vec, metadata, part, code)
         SELECT json_extract(r.value, '$[0]'), json_extract(r.value, '$[1]'), substr(?1, r.key * ?2 + 1, ?2), json_extract(r.value, '$[2]'), json_extract(r.value, '$[3]'),
                CASE WHEN ?4 > 0 THEN substr(?5, r.key * ?4 + 1, ?4) END
         FROM json_each(?3) AS r WHERE true
         ON CONFLICT (id) DO UPDATE SET namespace = excluded.namespace, vec = excluded.vec, metadata = excluded.metadata, part = excluded.part, code = excluded.code`,
        blob,
        dims * 4,
        rows,
        codedBytes,
        coded.buffer,
      );
    }
    // SQLite has it; now memory (never before: a failed transaction must leave memory as it was).
    matrix.reserve(matrix.count + newRows, variable, rowBudget);
    accepted.forEach((i, k) => {
      const text = batch.metadata[i] ?? null;
      const part = parts[k] ?? UNASSIGNED;
      const rowCoded = codedBytes > 0 && coded ? coded.subarray(k * codedBytes, (k + 1) * codedBytes) : null;
      matrix.put(batch.ids[i]!, batch.values, i * dims, batch.namespaces[i] ?? null, text === null ? null : (JSON.parse(text) as Metadata), text?.length ?? 0, part, rowCoded);
      if (partitions && part !== UNASSIGNED && partitions.metric === "dot-product") partitions.widen(part, batch.values.subarray(i * dims, (i + 1) * dims));
    });
    if (partition !== null) this.partitionIfDue(dims, budget, partition);
    // Rows arrive in any order; a probed search reads a partition's rows fastest when they lie together. Grouped
    // again as the shard doubles, and once it is full (it refused a row), so a full shard has no scattered tail.
    const doubled = matrix.count >= 2 * Math.max(this.groupedRows, MIN_TRAIN_ROWS);
    if (this.partitions && (doubled || (refused.length > 0 && matrix.count > this.groupedRows))) this.group();
    return { refused, ...this.statsNow(matrix) };
  }

  /** Deletes the ids this shard holds; returns those it deleted. */
  async remove(dims: number, budget: number, ids: string[]): Promise<{ removed: string[] } & ShardStats> {
    const matrix = this.open(dims, budget);
    const removed = ids.filter((id) => matrix.has(id));
    if (removed.length > 0) this.sql.exec("DELETE FROM vectors WHERE id IN (SELECT value FROM json_each(?))", JSON.stringify(removed));
    for (const id of removed) matrix.delete(id);
    return { removed, ...this.statsNow(matrix) };
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
    // Filters and namespaces always scan every row: a rare match must be found wherever it sits.
    const partitions = this.partitions;
    const probed = search.approximate === true && predicate === null && search.namespace === undefined && partitions !== null && partitions.metric === search.metric;
    const found = probed
      ? matrix.searchProbed(search.vector, search.metric, search.topK, partitions.probe(search.vector, probesFor(partitions.count)))
      : matrix.search(search.vector, search.metric, search.topK, search.namespace, predicate);
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
    if (this.matrix) return this.statsNow(this.matrix);
    const centroids = this.sql.exec<{ value: ArrayBuffer }>("SELECT value FROM partitions WHERE key = 'centroids'").toArray()[0];
    const dims = this.sql.exec<{ vec: ArrayBuffer }>("SELECT vec FROM vectors LIMIT 1").toArray()[0]?.vec.byteLength;
    return {
      count: this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM vectors").one().n,
      bytes: 0,
      partitions: centroids && dims ? centroids.value.byteLength / dims : 0,
    };
  }

  /**
   * Trains this shard's partitions for `metric` if it holds enough rows and they are missing, trained for another
   * metric, or trained when it held under half its rows; the router asks every shard once its index passes the exact
   * threshold (put() asks on its own afterwards). With a `seed` (another shard's partitions, trained on at least twice
   * the rows this one holds or was trained on) the shard takes those instead: a shard opened past the threshold then
   * starts with a full shard's partitions and never retrains as it fills. Training it from its own first rows and
   * again at each doubling (each time k-means, every row assigned again and rewritten) cost most of an insert's time.
   */
  async partition(dims: number, budget: number, metric: VectorizeDistanceMetric, seed: PartitionSeed | null = null): Promise<ShardStats> {
    const matrix = this.open(dims, budget);
    const own = this.partitions && this.partitions.metric === metric ? this.trainedRows : 0;
    const fits = seed !== null && seed.centroids.length > 0 && seed.centroids.length % dims === 0 && seed.centroids.length / dims <= this.maxPartitions(dims, budget);
    if (fits && seed.rows >= 2 * Math.max(matrix.count, own, 1)) this.install(dims, budget, metric, new Float32Array(seed.centroids), seed.rows);
    else this.partitionIfDue(dims, budget, metric);
    return this.statsNow(matrix);
  }

  /** Its partitions for `metric` and the rows they were trained on, for the router to seed another shard with; null when it has none. */
  async seed(dims: number, budget: number, metric: VectorizeDistanceMetric): Promise<PartitionSeed | null> {
    this.open(dims, budget);
    const partitions = this.partitions;
    return partitions && partitions.metric === metric ? { centroids: partitions.centroids, rows: this.trainedRows } : null;
  }

  private partitionIfDue(dims: number, budget: number, metric: VectorizeDistanceMetric): void {
    const matrix = this.matrix!;
    if (matrix.count < MIN_TRAIN_ROWS) return;
    if (this.partitions && this.partitions.metric === metric && matrix.count < 2 * this.trainedRows) return;
    const count = Math.min(partitionsFor(matrix.count), this.maxPartitions(dims, budget));
    const centroids = trainCentroids(dims, metric, count, matrix.count, (r) => matrix.view(r), this.finderKernel(budget), matrix.count);
    this.install(dims, budget, metric, centroids, matrix.count);
  }

  /** Makes `centroids` the shard's partitions, counted as trained on `trainedRows` rows: every row assigned, all persisted in one transaction. */
  private install(dims: number, budget: number, metric: VectorizeDistanceMetric, centroids: Float32Array, trainedRows: number): void {
    const matrix = this.matrix!;
    const count = centroids.length / dims;
    const partitions = new Partitions(dims, metric, centroids, this.finderKernel(budget));
    const byPart: string[][] = Array.from({ length: count }, () => []);
    for (let r = 0; r < matrix.count; r++) {
      const p = partitions.nearest(matrix.view(r));
      byPart[p]!.push(matrix.idAt(r));
      if (metric === "dot-product") partitions.widen(p, matrix.view(r));
    }
    // One transaction: the centroids and every row's partition change together (a crash keeps the old ones).
    this.ctx.storage.transactionSync(() => {
      const set = "INSERT INTO partitions (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
      this.sql.exec(set, "centroids", centroids.buffer.slice(centroids.byteOffset, centroids.byteOffset + centroids.byteLength));
      this.sql.exec(set, "metric", metric);
      this.sql.exec(set, "rows", trainedRows);
      byPart.forEach((ids, p) => {
        if (ids.length > 0) this.sql.exec("UPDATE vectors SET part = ? WHERE id IN (SELECT value FROM json_each(?))", p, JSON.stringify(ids));
      });
    });
    byPart.forEach((ids, p) => {
      for (const id of ids) matrix.setPart(matrix.rowFor(id)!, p);
    });
    this.partitions = partitions;
    this.trainedRows = trainedRows;
    this.group();
  }

  /**
   * Groups a freshly loaded matrix's rows once the call that loaded it has answered (a timer), so a cold shard's
   * first query does not also wait for the reordering; until then probed searches gather the rows as they lie.
   */
  private groupSoon(matrix: VectorMatrix): void {
    setTimeout(() => {
      if (this.matrix === matrix && this.partitions && matrix.count > this.groupedRows) this.group();
    }, 0);
  }

  /** Puts each partition's rows together in memory (VectorMatrix.groupByPart). */
  private group(): void {
    this.matrix!.groupByPart();
    this.groupedRows = this.matrix!.count;
  }

  private statsNow(matrix: VectorMatrix): ShardStats {
    return { count: matrix.count, bytes: matrix.bytesHeld + (this.partitions?.bytesHeld ?? 0), partitions: this.partitions?.count ?? 0 };
  }

  /** The most partitions a shard under `budget` trains: as many as a full shard would have. */
  private maxPartitions(dims: number, budget: number): number {
    return partitionsFor(VectorMatrix.rowsWithin(budget, dims, true));
  }

  /**
   * A kernel for a centroid matrix, or null (centroids scored in JavaScript) under small budgets: a kernel's memory is
   * at least a 64 KiB page, too much of a test-sized shard, and a few dozen centroids score as fast without it.
   */
  private finderKernel(budget: number): VectorKernel | null {
    return budget >= FINDER_KERNEL_MIN_BUDGET ? newKernel() : null;
  }

  /** The budget left for rows once partitioning's reserve is set aside. */
  private rowBudget(dims: number, budget: number): number {
    const simd = budget >= FINDER_KERNEL_MIN_BUDGET;
    return budget - partitionReserveBytes(dims, this.maxPartitions(dims, budget), simd);
  }

  /** The in-memory matrix, loaded from SQLite on first use (or rebuilt when an empty index changed dimensions). */
  private open(dims: number, budget: number): VectorMatrix {
    if (this.matrix && this.matrix.dims === dims) return this.matrix;
    if (this.matrix && this.matrix.count > 0) throw new Error(`VECTORIZE: shard holds ${this.matrix.dims}-dimension vectors, asked for ${dims}`);
    const total = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM vectors").one().n;
    const kernel = newKernel();
    // A shard written under a larger budget (the setting changed) still loads whole; it just takes no new rows.
    const maxRows = Math.max(total, VectorMatrix.rowsWithin(this.rowBudget(dims, budget), dims, kernel !== null));
    // Room for exactly what is stored: the shard held at least that within its budget before, and no slack it did not.
    const matrix = new VectorMatrix(dims, total, kernel, maxRows);
    const info = new Map(this.sql.exec<{ key: string; value: ArrayBuffer | string | number }>("SELECT key, value FROM partitions").toArray().map((r) => [r.key, r.value]));
    const stored = info.get("centroids");
    const partitions =
      stored instanceof ArrayBuffer && stored.byteLength % (dims * 4) === 0 && stored.byteLength > 0
        ? new Partitions(dims, info.get("metric") as VectorizeDistanceMetric, new Float32Array(stored.slice(0)), this.finderKernel(budget))
        : null;
    const widen = partitions?.metric === "dot-product";
    // Rows come in chunks, each one statement returning its values as one BLOB and the other columns as JSON arrays:
    // a cursor row per vector cost ~8 µs (a JS object and an ArrayBuffer each), most of a cold start.
    const perChunk = Math.max(1, Math.min(LOAD_CHUNK_ROWS, Math.floor(LOAD_CHUNK_BYTES / (dims * 4))));
    for (let after = -1; ; ) {
      const chunk = this.sql.exec<LoadChunk>(LOAD_CHUNK_SQL, after, perChunk).one();
      if (chunk.n === 0) break;
      const ids = JSON.parse(chunk.ids) as string[];
      const namespaces = JSON.parse(chunk.namespaces) as (string | null)[];
      const metadata = JSON.parse(chunk.metadata) as (string | null)[];
      const parts = JSON.parse(chunk.parts) as (number | null)[];
      const values = new Float32Array(chunk.vecs);
      if (values.length !== chunk.n * dims) throw new Error(`VECTORIZE: a stored vector after row ${after} does not have ${dims} values`);
      const codes = chunk.codes ? new Uint8Array(chunk.codes) : null;
      const codeLengths = JSON.parse(chunk.codeLengths) as (number | null)[];
      let codeAt = 0;
      for (let i = 0; i < chunk.n; i++) {
        // A coding of another size (written without the kernel, or none) is left out: put() codes that row itself.
        const length = codeLengths[i] ?? 0;
        const coded = codes && length > 0 && length === matrix.codedBytes ? codes.subarray(codeAt, codeAt + length) : null;
        codeAt += length;
        const text = metadata[i] ?? null;
        const stored = parts[i] ?? null;
        // A partition number from other centroids (never written so, but cheap to refuse) counts as unassigned.
        const part = partitions && stored !== null && stored < partitions.count ? stored : UNASSIGNED;
        matrix.put(ids[i]!, values, i * dims, namespaces[i] ?? null, text === null ? null : (JSON.parse(text) as Metadata), text?.length ?? 0, part, coded);
        if (widen && part !== UNASSIGNED) partitions.widen(part, values.subarray(i * dims, (i + 1) * dims));
      }
      after = chunk.last;
    }
    this.matrix = matrix;
    this.partitions = partitions;
    this.trainedRows = partitions ? Number(info.get("rows") ?? 0) : 0;
    this.groupedRows = 0;
    if (partitions) this.groupSoon(matrix);
    return matrix;
  }
}
