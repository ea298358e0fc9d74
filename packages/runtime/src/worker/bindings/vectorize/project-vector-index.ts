/**
 * One project's vector index (one Durable Object per project and index name), the router over its shards.
 *
 * Design (see docs/bindings-vectorize.md, "How it works"): the vectors live in shard Durable Objects (vector-shard.ts),
 * each holding at most a memory budget (64 MiB by default, AEROSTACK_VECTORIZE_SHARD_BYTES to change it) of float32
 * rows, so no object outgrows a Cloudflare isolate (128 MB) however large the index. This object holds no vectors:
 * it validates calls, keeps in SQLite which shard holds each id (a placement table, so memory stays flat at a million
 * ids), fills shards in order, fans a query out to every shard in parallel and merges their exact top K. Each shard's
 * top K is exact, so the merged top K is exact too, filters and namespaces included, however rare the matches.
 *
 * Up to an exact threshold (100,000 vectors, the issue's bar; AEROSTACK_VECTORIZE_EXACT_THRESHOLD lowers it for
 * tests) every query is that exact scan: an int8 SIMD scan with a float64 re-rank of every row its proven error
 * bound cannot rule out (matrix.ts), no training, no recall to tune. Past it, each shard trains IVF partitions of its own rows (ivf.ts), and unfiltered
 * queries probe the nearest few of every shard and rank their rows exactly; filtered and namespaced queries still
 * scan every row, so a 1-in-1,000 match is never missed. `exact = true` in [[vectorize]] keeps an index exact at any
 * size. Partitions are per shard so that crossing the threshold moves nothing between objects and the write path
 * below stays as it was.
 *
 * Writes cross objects, so durability is by ordering: a placement is written before the shard write it
 * names (a placement whose shard lacks the id is harmless, the shard is the truth), and a vector moving between
 * shards is first recorded in a moves table that recover() settles after a crash.
 */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../../env";
import {
  allFinite,
  VECTORIZE_LIMITS,
  type VectorizeBatchWire,
  type VectorizeBindingConfig,
  type VectorizeDistanceMetric,
  type VectorizeIndexInfo,
  type VectorizeMatchesWire,
  type VectorizeMatchWire,
  type VectorizeMutation,
  type VectorizeQueryWire,
  type VectorizeVectorWire,
} from "../../../shared/wire/vectorize";
import { compileFilter, parseMetadata } from "./filter";
import { checkConfig } from "./config";
import type { PartitionSeed, ShardStats, VectorShard } from "./vector-shard";
import { mergeMatches } from "./merge";

const encoder = new TextEncoder();

function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return `${typeof value} ${String(value)}`;
}

/**
 * UTF-8 bytes of `text`, or 0 for an empty one; without encoding it when it is short enough that it cannot pass
 * `limit` (a UTF-16 unit is at most 3 bytes of UTF-8): ids and namespaces are short, and an encode each cost a few
 * percent of an insert.
 */
function utf8Bytes(text: string, limit: number): number {
  return text.length * 3 <= limit ? Math.min(text.length, 1) : encoder.encode(text).byteLength;
}

function checkId(where: string, id: unknown, what = "id"): string {
  if (typeof id !== "string") throw new TypeError(`${where}: ${what} must be a string, got ${describe(id)}`);
  const bytes = utf8Bytes(id, VECTORIZE_LIMITS.maxIdBytes);
  if (bytes === 0) throw new TypeError(`${where}: ${what} must not be empty`);
  if (bytes > VECTORIZE_LIMITS.maxIdBytes) {
    throw new RangeError(`${where}: ${what} ${describe(id)} is ${bytes} bytes of UTF-8; ids are at most ${VECTORIZE_LIMITS.maxIdBytes} bytes`);
  }
  return id;
}

function checkNamespace(where: string, namespace: unknown, what: string): string {
  if (typeof namespace !== "string") throw new TypeError(`${where}: ${what} must be a string, got ${describe(namespace)}`);
  const bytes = utf8Bytes(namespace, VECTORIZE_LIMITS.maxNamespaceBytes);
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
  /** The user's filter, checked here (compileFilter throws on a bad one) and compiled again in each shard. */
  filter: unknown;
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
  compileFilter(where, o.filter);
  return { topK, namespace, returnValues, returnMetadata: all || level === "indexed", filter: o.filter ?? undefined };
}


/** The memory budget of each shard unless AEROSTACK_VECTORIZE_SHARD_BYTES sets another (tests use a small one). */
export const DEFAULT_SHARD_BUDGET_BYTES = 64 * 1024 * 1024;
/** The smallest budget the setting accepts: room for a few hundred small vectors, enough for tests to fill shards. */
export const MIN_SHARD_BUDGET_BYTES = 256 * 1024;
/** Indexes up to this many vectors are searched exactly (the issue's bar), unless AEROSTACK_VECTORIZE_EXACT_THRESHOLD lowers it. */
export const DEFAULT_EXACT_THRESHOLD = 100_000;
/** Vectors moved per step when an index written by an earlier version (vectors in this object) is split into shards. */
const MIGRATE_BATCH = 500;

type Stub = DurableObjectStub<VectorShard>;
type LegacyRow = { id: string; namespace: string | null; vec: ArrayBuffer; metadata: string | null };

/** A validated batch: each row's id, its values at `offset` in `values`, namespace and metadata JSON. */
interface WriteRow {
  id: string;
  namespace: string | null;
  metadataText: string | null;
  offset: number;
}

export class ProjectVectorIndex extends DurableObject<PlatformEnv> {
  private readonly sql: SqlStorage;
  /** The dimensions the stored vectors have; null while the index has never been configured. */
  private dimensions: number | null;
  /** Writes run one at a time (each spans several shard calls); queries do not wait for them. */
  private writing: Promise<unknown> = Promise.resolve();
  /** "shard/metric" of the shards asked to partition since this start: a cache, correct when empty. */
  private readonly partitioned = new Set<string>();
  /** Shard stubs by number (see shard()). */
  private readonly stubs = new Map<number, Stub>();
  /** Settles interrupted moves and migrates an index of the single-object layout, once per start. */
  private recovered: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: PlatformEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS index_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      -- Which shard holds (or may hold: the shard is the truth) each id.
      CREATE TABLE IF NOT EXISTS placement (id TEXT PRIMARY KEY, shard INTEGER NOT NULL) WITHOUT ROWID;
      -- Every shard ever used, with what it last reported; full = it refused a row since its last delete.
      CREATE TABLE IF NOT EXISTS shards (shard INTEGER PRIMARY KEY, count INTEGER NOT NULL, bytes INTEGER NOT NULL, full INTEGER NOT NULL);
      -- Upserts moving an id to another shard, until both shard calls are done.
      CREATE TABLE IF NOT EXISTS moves (id TEXT PRIMARY KEY, from_shard INTEGER NOT NULL, to_shard INTEGER NOT NULL) WITHOUT ROWID;
    `);
    this.dimensions = this.info("dimensions") === null ? null : Number(this.info("dimensions"));
  }

  async describe(config: VectorizeBindingConfig): Promise<VectorizeIndexInfo> {
    await this.configure(config, "describe");
    const stats = await this.allStats();
    return {
      name: config.index,
      dimensions: config.dimensions,
      metric: config.metric,
      vectorCount: stats.reduce((n, s) => n + s.count, 0),
      processedUpToDatetime: this.info("mutated_at"),
      processedUpToMutation: this.info("mutation_id"),
      shards: stats.length,
      memoryBudgetBytes: this.budget(),
      largestShardBytes: stats.reduce((n, s) => Math.max(n, s.bytes), 0),
      mode: this.approximate(config) ? "partitioned" : "exact",
      exactUpTo: this.exactThreshold(),
      partitions: stats.reduce((n, s) => n + s.partitions, 0),
    };
  }

  async query(config: VectorizeBindingConfig, vector: Float32Array, options?: VectorizeQueryWire): Promise<VectorizeMatchesWire> {
    const where = `${config.binding}.query`;
    await this.configure(config, "query");
    if (!(vector instanceof Float32Array)) throw new TypeError(`${where}: the query vector must arrive as a Float32Array, got ${describe(vector)}`);
    if (vector.length !== config.dimensions) {
      throw new RangeError(`${where}: the query vector has ${vector.length} values, but index "${config.index}" has ${config.dimensions} dimensions`);
    }
    for (let j = 0; j < vector.length; j++) {
      if (!Number.isFinite(vector[j])) throw new RangeError(`${where}: the query vector has a non-finite value at position ${j}: ${vector[j]}`);
    }
    return this.run(config, vector, planQuery(where, options));
  }

  async queryById(config: VectorizeBindingConfig, id: string, options?: VectorizeQueryWire): Promise<VectorizeMatchesWire> {
    const where = `${config.binding}.queryById`;
    checkId(where, id);
    await this.configure(config, "queryById");
    const plan = planQuery(where, options);
    const [found] = await this.fetchVectors([id]);
    if (!found) return { matches: [], count: 0, processingMs: 0 };
    return this.run(config, found.values, plan);
  }

  async insert(config: VectorizeBindingConfig, batch: VectorizeBatchWire): Promise<VectorizeMutation> {
    return this.write(config, "insert", batch);
  }

  async upsert(config: VectorizeBindingConfig, batch: VectorizeBatchWire): Promise<VectorizeMutation> {
    return this.write(config, "upsert", batch);
  }

  async getByIds(config: VectorizeBindingConfig, ids: string[]): Promise<VectorizeVectorWire[]> {
    const wanted = checkIds(`${config.binding}.getByIds`, ids);
    await this.configure(config, "getByIds");
    return this.fetchVectors(wanted);
  }

  async deleteByIds(config: VectorizeBindingConfig, ids: string[]): Promise<VectorizeMutation> {
    const wanted = [...new Set(checkIds(`${config.binding}.deleteByIds`, ids))];
    await this.configure(config, "deleteByIds");
    return this.serialized(async () => {
      const placed = this.placements(wanted);
      const removed = new Set<string>();
      await Promise.all(
        [...groupByShard(wanted, placed)].map(async ([shard, group]) => {
          const result = await this.shard(shard).remove(config.dimensions, this.budget(), group);
          for (const id of result.removed) removed.add(id);
          this.saveStats(shard, result, false);
        }),
      );
      const mutationId = crypto.randomUUID();
      this.ctx.storage.transactionSync(() => {
        this.sql.exec("DELETE FROM placement WHERE id IN (SELECT value FROM json_each(?))", JSON.stringify([...placed.keys()]));
        this.recordMutation(mutationId);
      });
      const gone = wanted.filter((id) => removed.has(id));
      return { mutationId, count: gone.length, ids: gone };
    });
  }

  /** Asks every shard for its top K and merges them; processingMs covers the whole fan-out. */
  private async run(config: VectorizeBindingConfig, vector: Float32Array, plan: QueryPlan): Promise<VectorizeMatchesWire> {
    const started = performance.now();
    const search = {
      vector,
      metric: config.metric,
      topK: plan.topK,
      namespace: plan.namespace,
      filter: plan.filter,
      returnValues: plan.returnValues,
      returnMetadata: plan.returnMetadata,
      approximate: this.approximate(config),
    };
    const lists = await Promise.all(this.shardNumbers().map((n) => this.shard(n).search(config.dimensions, this.budget(), search)));
    const matches = mergeMatches(lists as VectorizeMatchWire[][], config.metric, plan.topK);
    return { matches, count: matches.length, processingMs: performance.now() - started };
  }

  /** The stored vectors with these ids, in the order asked, each once; absent ids left out. */
  private async fetchVectors(wanted: string[]): Promise<VectorizeVectorWire[]> {
    if (wanted.length === 0) return [];
    const placed = this.placements(wanted);
    const byId = new Map<string, VectorizeVectorWire>();
    await Promise.all(
      [...groupByShard(wanted, placed)].map(async ([shard, group]) => {
        for (const vector of (await this.shard(shard).get(group)) as VectorizeVectorWire[]) byId.set(vector.id, vector);
      }),
    );
    const out: VectorizeVectorWire[] = [];
    for (const id of new Set(wanted)) {
      const vector = byId.get(id);
      if (vector) out.push(vector);
    }
    return out;
  }

  private async write(config: VectorizeBindingConfig, method: "insert" | "upsert", batch: VectorizeBatchWire): Promise<VectorizeMutation> {
    const where = `${config.binding}.${method}`;
    await this.configure(config, method);
    const rows = validateBatch(where, config, method, batch);
    return this.serialized(async () => {
      const ids = rows.map((row) => row.id);
      const placed = this.placements(ids);
      if (method === "insert" && placed.size > 0) {
        // A placement may be stale (its write never reached the shard): only the shard can say the id exists.
        const existing = (await Promise.all([...groupByShard(ids, placed)].map(([shard, group]) => this.shard(shard).has(group)))).flat();
        if (existing.length > 0) {
          const shown = existing.slice(0, 5).map((id) => JSON.stringify(id)).join(", ");
          throw new TypeError(
            `${where}: ${existing.length === 1 ? "id" : `${existing.length} ids`} ${shown}${existing.length > 5 ? ", …" : ""} ` +
              `already ${existing.length === 1 ? "exists" : "exist"} in index "${config.index}"; nothing was inserted. Use upsert() to replace vectors`,
          );
        }
      }
      await this.place(config.dimensions, batch.values, rows, placed, this.approximate(config) ? config.metric : null);
      const mutationId = crypto.randomUUID();
      this.recordMutation(mutationId);
      if (this.approximate(config)) await this.partitionShards(config);
      return { mutationId, count: rows.length, ids };
    });
  }

  /**
   * Writes `rows` to shards: each placed id to its shard, new ids to the first shard with room. Rows a shard refuses
   * (it would outgrow its budget) go to the next shard with room, a new one when none has; an id its old shard still
   * holds then moves, recorded in `moves` until it is deleted from the old shard.
   */
  private async place(dims: number, values: Float32Array, rows: WriteRow[], placed: Map<string, number>, partition: VectorizeDistanceMetric | null): Promise<void> {
    const budget = this.budget();
    let pending = new Map<number, WriteRow[]>();
    const fresh = rows.filter((row) => !placed.has(row.id));
    for (const row of rows) {
      const shard = placed.get(row.id);
      if (shard !== undefined) pending.set(shard, [...(pending.get(shard) ?? []), row]);
    }
    if (fresh.length > 0) {
      const target = this.openShard();
      this.assign(fresh, target, new Map());
      pending.set(target, [...(pending.get(target) ?? []), ...fresh]);
    }
    const movedFrom = new Map<string, number>();
    let created: number | null = null;
    while (pending.size > 0) {
      const refused: WriteRow[] = [];
      await Promise.all(
        [...pending].map(async ([shard, group]) => {
          if (partition !== null) await this.seedIfNew(dims, partition, shard);
          const result = await this.shard(shard).put(dims, budget, packRows(dims, values, group), partition);
          this.saveStats(shard, result, result.refused.length > 0 ? true : null);
          for (const i of result.refused) refused.push(group[i]!);
          // Only a misconfigured budget gets here; without this check the loop would create shards forever.
          if (shard === created && result.refused.length === group.length) {
            throw new RangeError(`VECTORIZE: a vector does not fit in an empty shard's memory budget of ${budget} bytes; raise AEROSTACK_VECTORIZE_SHARD_BYTES`);
          }
        }),
      );
      pending = new Map();
      if (refused.length === 0) break;
      // Which refused ids does an old shard still hold? Those move; the others were new there.
      const held = new Map<string, number>();
      await Promise.all(
        [...groupByShard(refused.map((r) => r.id), this.placements(refused.map((r) => r.id)))].map(async ([shard, group]) => {
          for (const id of await this.shard(shard).has(group)) held.set(id, shard);
        }),
      );
      const before = this.shardNumbers().length;
      const target = this.openShard();
      created = this.shardNumbers().length > before ? target : null;
      this.assign(refused, target, held);
      for (const [id, from] of held) movedFrom.set(id, from);
      pending.set(target, refused);
    }
    if (movedFrom.size > 0) await this.finishMoves(dims, movedFrom);
  }

  /**
   * Asks each shard, once per start and metric, to train its partitions (a shard does nothing when it has too few
   * rows or current partitions; put() keeps a shard that grows partitioned). Runs when the index passes its exact
   * threshold, so the write that crosses it pays for training the shards it did not write to.
   */
  private async partitionShards(config: VectorizeBindingConfig): Promise<void> {
    const { dimensions: dims, metric } = config;
    const due = this.shardNumbers().filter((n) => !this.partitioned.has(`${n}/${metric}`));
    if (due.length === 0) return;
    const budget = this.budget();
    const partition = async (n: number, seed: PartitionSeed | null) => {
      this.saveStats(n, await this.shard(n).partition(dims, budget, metric, seed), null);
      this.partitioned.add(`${n}/${metric}`);
    };
    // The fullest shard trains first; the others take its partitions when they hold under half the rows they were
    // trained on (VectorShard.partition decides), instead of training on their own few rows.
    const fullest = this.sql.exec<{ shard: number }>("SELECT shard FROM shards ORDER BY count DESC, shard LIMIT 1").one().shard;
    if (due.includes(fullest)) await partition(fullest, null);
    const seed = await this.shard(fullest).seed(dims, budget, metric);
    await Promise.all(due.filter((n) => n !== fullest).map((n) => partition(n, seed)));
  }

  /**
   * Seeds a shard that holds nothing yet, before its first rows, with the partitions of the index's fullest shard,
   * so it fills without training (VectorShard.partition). Does nothing when that shard has none for `metric`.
   */
  private async seedIfNew(dims: number, metric: VectorizeDistanceMetric, shard: number): Promise<void> {
    if (this.partitioned.has(`${shard}/${metric}`)) return;
    const own = this.sql.exec<{ count: number }>("SELECT count FROM shards WHERE shard = ?", shard).toArray()[0];
    if (!own || own.count > 0) return;
    const source = this.sql.exec<{ shard: number }>("SELECT shard FROM shards WHERE shard != ? AND count > 0 ORDER BY count DESC, shard LIMIT 1", shard).toArray()[0];
    const seed = source ? await this.shard(source.shard).seed(dims, this.budget(), metric) : null;
    if (seed === null) return;
    this.saveStats(shard, await this.shard(shard).partition(dims, this.budget(), metric, seed), null);
    this.partitioned.add(`${shard}/${metric}`);
  }

  /** Whether unfiltered queries may probe partitions: the index holds more vectors than its exact threshold, and its config does not say `exact = true`. */
  private approximate(config: VectorizeBindingConfig): boolean {
    if (config.exact === true) return false;
    return this.sql.exec<{ n: number | null }>("SELECT SUM(count) AS n FROM shards").one().n! > this.exactThreshold();
  }

  private exactThreshold(): number {
    const set = Number(this.env.AEROSTACK_VECTORIZE_EXACT_THRESHOLD);
    return Number.isInteger(set) && set >= 1 ? set : DEFAULT_EXACT_THRESHOLD;
  }

  /** Deletes moved ids from the shards they left, then forgets the moves. */
  private async finishMoves(dims: number, movedFrom: Map<string, number>): Promise<void> {
    const byShard = new Map<number, string[]>();
    for (const [id, from] of movedFrom) byShard.set(from, [...(byShard.get(from) ?? []), id]);
    await Promise.all(
      [...byShard].map(async ([shard, group]) => {
        const result = await this.shard(shard).remove(dims, this.budget(), group);
        this.saveStats(shard, result, false);
      }),
    );
    this.ctx.storage.transactionSync(() => {
      for (const id of movedFrom.keys()) this.sql.exec("DELETE FROM moves WHERE id = ?", id);
    });
  }

  /** Records, before any shard write, that `rows` go to `shard` (and which of them move from another shard). */
  private assign(rows: WriteRow[], shard: number, moving: Map<string, number>): void {
    this.ctx.storage.transactionSync(() => {
      // One statement for the batch: a statement per id cost about a tenth of an insert's time.
      this.sql.exec(
        "INSERT INTO placement (id, shard) SELECT value, ? FROM json_each(?) WHERE true ON CONFLICT (id) DO UPDATE SET shard = excluded.shard",
        shard,
        JSON.stringify(rows.map((row) => row.id)),
      );
      for (const [id, from] of moving) this.sql.exec("INSERT OR REPLACE INTO moves (id, from_shard, to_shard) VALUES (?, ?, ?)", id, from, shard);
    });
  }

  /** The first shard not known to be full, or a new one (registered before anything is written to it). */
  private openShard(): number {
    const open = this.sql.exec<{ shard: number }>("SELECT shard FROM shards WHERE full = 0 ORDER BY shard LIMIT 1").toArray()[0];
    if (open) return open.shard;
    const next = this.sql.exec<{ n: number | null }>("SELECT MAX(shard) AS n FROM shards").one().n;
    const shard = next === null ? 0 : next + 1;
    this.sql.exec("INSERT INTO shards (shard, count, bytes, full) VALUES (?, 0, 0, 0)", shard);
    return shard;
  }

  /** Records what a shard reported; `full`: it refused a row (true), it has room again after deletes (false), or keep. */
  private saveStats(shard: number, stats: ShardStats, full: boolean | null): void {
    this.sql.exec("UPDATE shards SET count = ?, bytes = ?, full = COALESCE(?, full) WHERE shard = ?", stats.count, stats.bytes, full === null ? null : full ? 1 : 0, shard);
  }

  private shardNumbers(): number[] {
    return this.sql.exec<{ shard: number }>("SELECT shard FROM shards ORDER BY shard").toArray().map((r) => r.shard);
  }

  /** Every shard's count and bytes held, asked of the shards themselves (the table may lag after a crash). */
  private async allStats(): Promise<ShardStats[]> {
    return Promise.all(this.shardNumbers().map((n) => this.shard(n).stats()));
  }

  /**
   * The shard objects of this index are named after it, so no other index (or project) can reach them. Stubs are
   * kept (a cache, correct when empty): a query calls every shard, and naming one hashes its name.
   */
  private shard(n: number): Stub {
    let stub = this.stubs.get(n);
    if (!stub) {
      const namespace = this.env.PROJECT_VECTORIZE_SHARD;
      stub = namespace.get(namespace.idFromName(`${this.ctx.id.toString()}/${n}`));
      this.stubs.set(n, stub);
    }
    return stub;
  }

  private budget(): number {
    const set = Number(this.env.AEROSTACK_VECTORIZE_SHARD_BYTES);
    return Number.isInteger(set) && set >= MIN_SHARD_BUDGET_BYTES && set <= DEFAULT_SHARD_BUDGET_BYTES ? set : DEFAULT_SHARD_BUDGET_BYTES;
  }

  /** id → shard for the ids that have a placement. */
  private placements(ids: string[]): Map<string, number> {
    if (ids.length === 0) return new Map();
    const rows = this.sql.exec<{ id: string; shard: number }>("SELECT id, shard FROM placement WHERE id IN (SELECT value FROM json_each(?))", JSON.stringify(ids));
    return new Map(rows.toArray().map((r) => [r.id, r.shard]));
  }

  /** Runs writes one after another; a failed write does not stop the next. */
  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writing.then(work, work);
    this.writing = run.catch(() => {});
    return run;
  }

  /**
   * Checks the config the binding was created with against what the index holds. Dimensions are fixed once the
   * index has vectors; an empty index takes whatever the config says. The metric is only used at query time, so
   * changing it in aerostack.toml simply changes how the same vectors are ranked. The first call of a start also
   * settles what a crash left half done.
   */
  private async configure(config: VectorizeBindingConfig, method: string): Promise<void> {
    checkConfig(config, method);
    if (this.dimensions !== null) {
      const dims = this.dimensions;
      this.recovered ??= this.serialized(() => this.recover(dims)).catch((err: unknown) => {
        this.recovered = null; // tried again on the next call
        throw err;
      });
      await this.recovered;
    }
    if (this.dimensions === config.dimensions) return;
    const count = (await this.allStats()).reduce((n, s) => n + s.count, 0);
    if (count > 0 && this.dimensions !== null) {
      throw new RangeError(
        `${config.binding}.${method}: index "${config.index}" holds ${count} vectors of ${this.dimensions} dimensions, but aerostack.toml ` +
          `declares ${config.dimensions}. An index's dimensions are fixed once it holds vectors: set dimensions = ${this.dimensions}, ` +
          `or use a new index name for ${config.dimensions}-dimension vectors`,
      );
    }
    this.sql.exec("INSERT INTO index_info (key, value) VALUES ('dimensions', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", String(config.dimensions));
    this.dimensions = config.dimensions;
  }

  /**
   * Settles moves a crash interrupted: an id the new shard holds is deleted from the old one; otherwise the upsert
   * never happened and the id stays where it was. Then moves the vectors of an index written before shards existed
   * (a `vectors` table in this object) into shards, a batch at a time, each batch deleted here only once written.
   */
  private async recover(dims: number): Promise<void> {
    const moves = this.sql.exec<{ id: string; from_shard: number; to_shard: number }>("SELECT id, from_shard, to_shard FROM moves").toArray();
    for (const move of moves) {
      const arrived = (await this.shard(move.to_shard).has([move.id])).length > 0;
      if (arrived) await this.shard(move.from_shard).remove(dims, this.budget(), [move.id]);
      this.ctx.storage.transactionSync(() => {
        if (!arrived) this.sql.exec("UPDATE placement SET shard = ? WHERE id = ?", move.from_shard, move.id);
        this.sql.exec("DELETE FROM moves WHERE id = ?", move.id);
      });
    }
    const legacy = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'vectors'").one().n > 0;
    if (!legacy) return;
    for (;;) {
      const batch = this.sql.exec<LegacyRow>("SELECT id, namespace, vec, metadata FROM vectors LIMIT ?", MIGRATE_BATCH).toArray();
      if (batch.length === 0) break;
      const values = new Float32Array(batch.length * dims);
      batch.forEach((row, i) => values.set(new Float32Array(row.vec), i * dims));
      const rows = batch.map((row, i): WriteRow => ({ id: row.id, namespace: row.namespace, metadataText: row.metadata, offset: i * dims }));
      await this.place(dims, values, rows, this.placements(rows.map((r) => r.id)), null);
      this.ctx.storage.transactionSync(() => {
        for (const row of batch) this.sql.exec("DELETE FROM vectors WHERE id = ?", row.id);
      });
    }
    this.sql.exec("DROP TABLE vectors");
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

/** ids grouped by the shard their placement names (ids without one are left out). */
function groupByShard(ids: string[], placed: Map<string, number>): Map<number, string[]> {
  const groups = new Map<number, string[]>();
  for (const id of new Set(ids)) {
    const shard = placed.get(id);
    if (shard !== undefined) groups.set(shard, [...(groups.get(shard) ?? []), id]);
  }
  return groups;
}

/** The rows as one RPC batch for a shard. */
function packRows(dims: number, values: Float32Array, rows: WriteRow[]): VectorizeBatchWire {
  // The usual batch (every row, in order, to one shard) goes as it came: the RPC copies it anyway.
  const whole = rows.length * dims === values.length && rows.every((row, i) => row.offset === i * dims);
  const packed = whole ? values : new Float32Array(rows.length * dims);
  if (!whole) rows.forEach((row, i) => packed.set(values.subarray(row.offset, row.offset + dims), i * dims));
  return { ids: rows.map((r) => r.id), values: packed, namespaces: rows.map((r) => r.namespace), metadata: rows.map((r) => r.metadataText) };
}

/** Checks a whole batch before anything is written (a batch applies whole or not at all); the last of duplicate ids wins. */
function validateBatch(where: string, config: VectorizeBindingConfig, method: "insert" | "upsert", batch: VectorizeBatchWire): WriteRow[] {
  const d = config.dimensions;
  if (batch === null || typeof batch !== "object" || !Array.isArray(batch.ids) || !(batch.values instanceof Float32Array)) {
    throw new TypeError(`${where}: malformed batch`);
  }
  const n = batch.ids.length;
  if (n > VECTORIZE_LIMITS.maxBatch) throw new RangeError(`${where}: ${n} vectors in one call; at most ${VECTORIZE_LIMITS.maxBatch} per call, so split the batch`);
  if (batch.values.length !== n * d) {
    throw new RangeError(`${where}: ${batch.values.length} values for ${n} vectors, but index "${config.index}" has ${d} dimensions (expected ${n * d})`);
  }
  const rows: WriteRow[] = [];
  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const id = checkId(where, batch.ids[i], `vector ${i} id`);
    const what = `vector ${i} (id ${JSON.stringify(id)})`;
    const offset = i * d;
    if (!allFinite(batch.values, offset, offset + d)) {
      const j = batch.values.subarray(offset, offset + d).findIndex((x) => !Number.isFinite(x));
      throw new RangeError(`${where}: ${what} has a non-finite value at position ${j}: ${batch.values[offset + j]}`);
    }
    const rawNamespace = batch.namespaces?.[i] ?? null;
    const namespace = rawNamespace === null ? null : checkNamespace(where, rawNamespace, `${what} namespace`);
    const metadataText = batch.metadata?.[i] ?? null;
    if (metadataText !== null) {
      if (typeof metadataText !== "string") throw new TypeError(`${where}: ${what} metadata must arrive as JSON text`);
      const bytes = encoder.encode(metadataText).byteLength;
      if (bytes > VECTORIZE_LIMITS.maxMetadataBytes) {
        throw new RangeError(`${where}: ${what} metadata is ${bytes} bytes once serialised as JSON; the limit is ${VECTORIZE_LIMITS.maxMetadataBytes} bytes (10 KiB)`);
      }
      parseMetadata(where, what, metadataText);
    }
    const earlier = index.get(id);
    if (earlier !== undefined) {
      if (method === "insert") throw new TypeError(`${where}: id ${JSON.stringify(id)} appears twice in the batch (vectors ${earlier} and ${i})`);
      rows[earlier] = { id, namespace, metadataText, offset };
      continue;
    }
    index.set(id, rows.length);
    rows.push({ id, namespace, metadataText, offset });
  }
  return rows;
}
