/** One project's CACHE: a SQLite Durable Object holding KV entries with TTLs, metadata and atomic counters. */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../../env";
import type { CacheEntryWire, CacheListKey, CacheListOptions, CacheListResult, CachePutWire, CacheRpc } from "../../../shared/wire/cache";

const MAX_KEY_BYTES = 512;
const MAX_VALUE_BYTES = 25 * 1024 * 1024;
const MAX_METADATA_BYTES = 1024;
const MAX_LIST_LIMIT = 1000;
/** Workers KV's bulk get reads 1 to 100 keys. */
const MAX_BULK_KEYS = 100;
/** Workers KV's shortest TTL, and how far in the future an absolute expiration must be. */
const DEFAULT_MIN_TTL_SECONDS = 60;
/**
 * SQLite in a Durable Object refuses a BLOB over ~2 MB (SQLITE_TOOBIG, locally and on Cloudflare), so a value is
 * stored as its first chunk inline plus the rest in `overflow`. Most values fit in the first chunk: one row.
 */
const CHUNK_BYTES = 1024 * 1024;
/** Rows the alarm deletes per run; a bigger backlog re-arms the alarm at once instead of one long transaction. */
const SWEEP_BATCH = 500;

type EntryRow = {
  value: ArrayBuffer;
  size: number;
  chunks: number;
  metadata: string | null;
  expires_at: number | null;
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();
// With the u flag a paired surrogate is one code point, so this matches only unpaired halves, which UTF-8 cannot hold.
const LONE_SURROGATE = /\p{Cs}/u;
const INTEGER_TEXT = /^-?\d+$/;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return `${typeof value} ${String(value)}`;
}

function checkKey(method: string, key: unknown): string {
  if (typeof key !== "string") throw new TypeError(`CACHE.${method}: the key must be a string, got ${describe(key)}`);
  if (key.length === 0) throw new TypeError(`CACHE.${method}: the key must not be empty`);
  const bytes = encoder.encode(key).byteLength;
  if (bytes > MAX_KEY_BYTES) {
    // Error, not RangeError: Workers KV rejects it as a failed request (414), and ported catch blocks test for that.
    throw new Error(`CACHE.${method}: the key is ${bytes} bytes of UTF-8; keys are at most ${MAX_KEY_BYTES} bytes`);
  }
  if (LONE_SURROGATE.test(key)) {
    throw new TypeError(`CACHE.${method}: the key ${describe(key)} contains an unpaired UTF-16 surrogate, which UTF-8 cannot store`);
  }
  return key;
}

/**
 * Epoch ms at which a put's value expires, or null; rejects what Workers KV rejects, as it does (a plain Error, as
 * for its 400 answers): a TTL under the minimum, an expiration less than the minimum ahead. Numeric strings are
 * coerced as the KV binding coerces them.
 */
function expiryFrom(options: CachePutWire, now: number, minTtl: number): number | null {
  const expirationTtl = options.expirationTtl == null ? undefined : Number(options.expirationTtl);
  const expiration = options.expiration == null ? undefined : Number(options.expiration);
  if (expirationTtl !== undefined && expiration !== undefined) {
    throw new TypeError("CACHE.put: give either expirationTtl (seconds from now) or expiration (epoch seconds), not both");
  }
  if (expirationTtl !== undefined) {
    if (!Number.isFinite(expirationTtl) || expirationTtl < minTtl) {
      throw new Error(
        `CACHE.put: expirationTtl must be at least ${minTtl} seconds, got ${describe(options.expirationTtl)}; ` +
          `Workers KV refuses shorter TTLs, so code relying on one would fail after deploy`,
      );
    }
    return now + Math.round(expirationTtl * 1000);
  }
  if (expiration !== undefined) {
    if (!Number.isFinite(expiration)) throw new Error(`CACHE.put: expiration must be a time in epoch seconds, got ${describe(options.expiration)}`);
    const at = Math.round(expiration * 1000);
    if (at < now + minTtl * 1000) {
      throw new Error(
        `CACHE.put: expiration ${expiration} (epoch seconds) must be at least ${minTtl} seconds in the future (now is ` +
          `${Math.floor(now / 1000)}); use expirationTtl for a time relative to now`,
      );
    }
    return at;
  }
  return null;
}

function checkMetadata(metadata: unknown): string | null {
  if (metadata == null) return null;
  if (typeof metadata !== "string") throw new TypeError("CACHE.put: metadata must arrive as JSON text");
  const bytes = encoder.encode(metadata).byteLength;
  if (bytes > MAX_METADATA_BYTES) {
    throw new Error(`CACHE.put: metadata is ${bytes} bytes once serialised as JSON; the limit is ${MAX_METADATA_BYTES} bytes`);
  }
  try {
    JSON.parse(metadata);
  } catch {
    throw new TypeError("CACHE.put: metadata is not valid JSON text");
  }
  return metadata;
}

/**
 * The smallest string greater than every string starting with `prefix`: the prefix with its last code point
 * incremented. SQLite compares TEXT as UTF-8 bytes, which sort in code point order, so `key >= prefix AND key < bound`
 * selects exactly the keys with that prefix and can seek the primary key index. Null when no bound exists.
 */
function prefixUpperBound(prefix: string): string | null {
  const points = Array.from(prefix, (c) => c.codePointAt(0) ?? 0);
  while (points.length > 0) {
    const last = points.pop() ?? 0;
    if (last < 0x10ffff) {
      // Skip the surrogate block: those code points never occur in a well-formed key.
      points.push(last + 1 === 0xd800 ? 0xe000 : last + 1);
      return String.fromCodePoint(...points);
    }
  }
  return null;
}

// Cursors are opaque to users (as in KV) but are simply the last key returned, so a page costs one index seek.
function encodeCursor(lastKey: string): string {
  let binary = "";
  for (const byte of encoder.encode(lastKey)) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function decodeCursor(cursor: unknown): string {
  if (typeof cursor !== "string") throw new TypeError(`CACHE.list: cursor must be a string from an earlier list(), got ${describe(cursor)}`);
  try {
    const binary = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    // ignoreBOM keeps a leading U+FEFF: it is part of the key, not a byte order mark.
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    throw new TypeError(`CACHE.list: cursor ${describe(cursor)} was not returned by list()`);
  }
}

/** The bytes of a view as an ArrayBuffer for binding, copying only when the view covers part of its buffer. */
function toArrayBuffer(view: Uint8Array): ArrayBuffer {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && view.buffer instanceof ArrayBuffer) return view.buffer;
  return view.slice().buffer;
}

export class ProjectCache extends DurableObject<PlatformEnv> implements CacheRpc {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: PlatformEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS entries (
        key TEXT PRIMARY KEY,
        value BLOB NOT NULL,     -- the whole value, or its first CHUNK_BYTES when chunks > 0
        size INTEGER NOT NULL,   -- total value length in bytes
        chunks INTEGER NOT NULL, -- rows in overflow for this key
        metadata TEXT,           -- JSON text, or NULL
        expires_at INTEGER       -- epoch ms, or NULL for never
      );
      CREATE TABLE IF NOT EXISTS overflow (
        key TEXT NOT NULL,
        seq INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (key, seq)
      );
      CREATE INDEX IF NOT EXISTS entries_by_expiry ON entries (expires_at) WHERE expires_at IS NOT NULL;
    `);
  }

  async get(key: string): Promise<Uint8Array | null> {
    checkKey("get", key);
    const row = this.liveRow(key, Date.now());
    return row ? this.assemble(key, row) : null;
  }

  async getWithMetadata(key: string): Promise<CacheEntryWire | null> {
    checkKey("getWithMetadata", key);
    const row = this.liveRow(key, Date.now());
    if (!row) return null;
    return { value: this.assemble(key, row), metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as unknown) };
  }

  async getMany(keys: string[]): Promise<(CacheEntryWire | null)[]> {
    if (!Array.isArray(keys)) throw new TypeError(`CACHE.get: keys must be an array of strings, got ${describe(keys)}`);
    // Workers KV's own limits and class (its 400 answers reach code as plain Errors).
    if (keys.length === 0) throw new Error("CACHE.get: a bulk get needs at least 1 key");
    if (keys.length > MAX_BULK_KEYS) throw new Error(`CACHE.get: a bulk get reads at most ${MAX_BULK_KEYS} keys, got ${keys.length}`);
    for (const key of keys) checkKey("get", key);
    const now = Date.now();
    return keys.map((key) => {
      const row = this.liveRow(key, now);
      return row ? { value: this.assemble(key, row), metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as unknown) } : null;
    });
  }

  async put(key: string, value: Uint8Array, options: CachePutWire = {}): Promise<void> {
    checkKey("put", key);
    if (!(value instanceof Uint8Array)) throw new TypeError(`CACHE.put: the value must arrive as bytes, got ${describe(value)}`);
    if (value.byteLength > MAX_VALUE_BYTES) {
      throw new Error(`CACHE.put: the value is ${value.byteLength} bytes; values are at most ${MAX_VALUE_BYTES} bytes (25 MiB)`);
    }
    const minTtl = Number(this.env.AEROSTACK_CACHE_MIN_TTL ?? DEFAULT_MIN_TTL_SECONDS);
    const expiresAt = expiryFrom(options ?? {}, Date.now(), Number.isFinite(minTtl) ? minTtl : DEFAULT_MIN_TTL_SECONDS);
    const metadata = checkMetadata(options?.metadata);
    this.write(key, value, metadata, expiresAt);
    if (expiresAt !== null) await this.armSweep(expiresAt);
  }

  async delete(key: string): Promise<void> {
    checkKey("delete", key);
    this.remove(key);
  }

  async list(options: CacheListOptions = {}): Promise<CacheListResult> {
    const { prefix = "", limit = MAX_LIST_LIMIT, cursor } = options ?? {};
    if (typeof prefix !== "string") throw new TypeError(`CACHE.list: prefix must be a string, got ${describe(prefix)}`);
    if (LONE_SURROGATE.test(prefix)) throw new TypeError("CACHE.list: prefix contains an unpaired UTF-16 surrogate");
    if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
      throw new RangeError(`CACHE.list: limit must be an integer from 1 to ${MAX_LIST_LIMIT}, got ${describe(limit)}`);
    }
    const conditions = ["(expires_at IS NULL OR expires_at > ?)"];
    const params: (string | number)[] = [Date.now()];
    if (prefix !== "") {
      conditions.push("key >= ?");
      params.push(prefix);
      const bound = prefixUpperBound(prefix);
      if (bound !== null) {
        conditions.push("key < ?");
        params.push(bound);
      }
    }
    if (cursor != null && cursor !== "") {
      conditions.push("key > ?");
      params.push(decodeCursor(cursor));
    }
    // One row past the page tells whether another page exists without a second query.
    const rows = this.sql
      .exec<{ key: string; metadata: string | null; expires_at: number | null }>(
        `SELECT key, metadata, expires_at FROM entries WHERE ${conditions.join(" AND ")} ORDER BY key LIMIT ?`,
        ...params,
        limit + 1,
      )
      .toArray();
    const page = rows.slice(0, limit);
    const keys = page.map((row): CacheListKey => {
      const entry: CacheListKey = { name: row.key };
      if (row.expires_at !== null) entry.expiration = Math.floor(row.expires_at / 1000);
      if (row.metadata !== null) entry.metadata = JSON.parse(row.metadata) as unknown;
      return entry;
    });
    const last = page.at(-1);
    if (rows.length > limit && last) return { keys, list_complete: false, cursor: encodeCursor(last.key), cacheStatus: null };
    return { keys, list_complete: true, cacheStatus: null };
  }

  /**
   * Adds `by` to the integer stored at `key` and returns the result. The whole method is synchronous, so the
   * Durable Object runs no other request between the read and the write: concurrent increments never lose one.
   */
  async increment(key: string, by: number = 1): Promise<number> {
    checkKey("increment", key);
    if (typeof by !== "number" || !Number.isSafeInteger(by)) {
      throw new TypeError(`CACHE.increment: by must be a safe integer, got ${describe(by)}`);
    }
    return this.ctx.storage.transactionSync(() => {
      const row = this.liveRow(key, Date.now());
      let current = 0;
      if (row) {
        // A safe integer has at most 17 characters; anything longer cannot be one, so skip assembling big values.
        const text = row.size <= 32 ? decoder.decode(this.assemble(key, row)) : "";
        if (!INTEGER_TEXT.test(text)) {
          const shown = row.size <= 32 ? describe(text) : `a ${row.size}-byte value`;
          throw new TypeError(`CACHE.increment: the value of ${describe(key)} is ${shown}, not an integer; increment needs a key that is absent or holds an integer as text`);
        }
        current = Number(text);
        if (!Number.isSafeInteger(current)) {
          throw new RangeError(`CACHE.increment: the value of ${describe(key)} (${text}) is outside the safe integer range`);
        }
      }
      const next = current + by;
      if (!Number.isSafeInteger(next)) {
        throw new RangeError(`CACHE.increment: ${current} + ${by} is outside the safe integer range (±${Number.MAX_SAFE_INTEGER})`);
      }
      // The counter keeps the key's TTL and metadata: incrementing a rate-limit window must not extend it.
      this.write(key, encoder.encode(String(next)), row?.metadata ?? null, row?.expires_at ?? null);
      return next;
    });
  }

  /** Deletes expired entries in batches and re-arms for the next expiry. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    const expired = this.sql
      .exec<{ key: string }>("SELECT key FROM entries WHERE expires_at <= ? ORDER BY expires_at LIMIT ?", now, SWEEP_BATCH)
      .toArray();
    this.ctx.storage.transactionSync(() => {
      for (const { key } of expired) this.removeRow(key);
    });
    if (expired.length === SWEEP_BATCH) {
      await this.ctx.storage.setAlarm(now);
      return;
    }
    const next = this.sql
      .exec<{ next: number | null }>("SELECT MIN(expires_at) AS next FROM entries WHERE expires_at IS NOT NULL")
      .one().next;
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  /** The row for `key` if it has not expired; an expired row is deleted on the spot (lazy cleanup). */
  private liveRow(key: string, now: number): EntryRow | null {
    const row = this.sql
      .exec<EntryRow>("SELECT value, size, chunks, metadata, expires_at FROM entries WHERE key = ?", key)
      .toArray()[0];
    if (!row) return null;
    if (row.expires_at !== null && row.expires_at <= now) {
      this.remove(key);
      return null;
    }
    return row;
  }

  private assemble(key: string, row: EntryRow): Uint8Array {
    const first = new Uint8Array(row.value);
    if (row.chunks === 0) return first;
    const out = new Uint8Array(row.size);
    out.set(first, 0);
    let offset = first.byteLength;
    for (const { data } of this.sql.exec<{ data: ArrayBuffer }>("SELECT data FROM overflow WHERE key = ? ORDER BY seq", key)) {
      out.set(new Uint8Array(data), offset);
      offset += data.byteLength;
    }
    if (offset !== row.size) throw new Error(`CACHE: the stored value of ${describe(key)} is incomplete (${offset} of ${row.size} bytes)`);
    return out;
  }

  private write(key: string, value: Uint8Array, metadata: string | null, expiresAt: number | null): void {
    const chunks = Math.max(0, Math.ceil(value.byteLength / CHUNK_BYTES) - 1);
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM overflow WHERE key = ?", key);
      this.sql.exec(
        `INSERT INTO entries (key, value, size, chunks, metadata, expires_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, size = excluded.size, chunks = excluded.chunks,
           metadata = excluded.metadata, expires_at = excluded.expires_at`,
        key,
        toArrayBuffer(value.subarray(0, CHUNK_BYTES)),
        value.byteLength,
        chunks,
        metadata,
        expiresAt,
      );
      for (let seq = 1; seq <= chunks; seq++) {
        const data = value.subarray(seq * CHUNK_BYTES, (seq + 1) * CHUNK_BYTES);
        this.sql.exec("INSERT INTO overflow (key, seq, data) VALUES (?, ?, ?)", key, seq, toArrayBuffer(data));
      }
    });
  }

  private remove(key: string): void {
    this.ctx.storage.transactionSync(() => this.removeRow(key));
  }

  private removeRow(key: string): void {
    this.sql.exec("DELETE FROM overflow WHERE key = ?", key);
    this.sql.exec("DELETE FROM entries WHERE key = ?", key);
  }

  /**
   * Makes sure an alarm fires no later than `at`. Two puts racing here can leave the later time armed; that only
   * delays cleanup, never correctness, because reads ignore expired rows and every sweep takes all that are due.
   */
  private async armSweep(at: number): Promise<void> {
    const armed = await this.ctx.storage.getAlarm();
    if (armed === null || at < armed) await this.ctx.storage.setAlarm(at);
  }
}
