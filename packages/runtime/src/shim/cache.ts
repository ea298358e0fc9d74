/** User-side CACHE: the Workers KV API, plus atomic `increment`, over the platform's project-scoped RPC stub. */
import type { CacheListOptions, CacheListResult, CachePutWire, CacheRpc } from "../shared/wire/cache";
// The wire contract (shared/wire/cache.ts) is part of the user-facing API too.
export type { CacheListOptions, CacheListKey, CacheListResult, CachePutWire, CacheEntryWire, CacheRpc } from "../shared/wire/cache";

export type CacheValueType = "text" | "json" | "arrayBuffer" | "stream";
/** `cacheTtl` is accepted for KV compatibility and ignored: reads go straight to the project's store. */
type TypeOption<T extends CacheValueType> = T | { type: T; cacheTtl?: number };

export interface CachePutOptions {
  /** Seconds from now, greater than 0. */
  expirationTtl?: number;
  /** Epoch seconds, in the future. */
  expiration?: number;
  /** Any JSON-serialisable value, at most 1024 bytes once serialised. */
  metadata?: unknown;
}

export type CacheValue = string | ArrayBuffer | ArrayBufferView | ReadableStream;

// Mirrors MAX_VALUE_BYTES in the Durable Object, which enforces it; here it bounds how much of a stream is read.
const MAX_VALUE_BYTES = 25 * 1024 * 1024;
const encoder = new TextEncoder();
// ignoreBOM: a value that starts with U+FEFF reads back exactly as it was written.
const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

function valueType(method: string, option: TypeOption<CacheValueType> | { cacheTtl?: number } | undefined): CacheValueType {
  const type = typeof option === "object" && option !== null ? ("type" in option ? option.type : undefined) : option;
  if (type === undefined) return "text";
  if (type === "text" || type === "json" || type === "arrayBuffer" || type === "stream") return type;
  throw new TypeError(`CACHE.${method}: unknown type ${JSON.stringify(type)}; use "text", "json", "arrayBuffer" or "stream"`);
}

function decode(bytes: Uint8Array, type: CacheValueType): unknown {
  switch (type) {
    case "text":
      return decoder.decode(bytes);
    case "json":
      return JSON.parse(decoder.decode(bytes)) as unknown;
    case "arrayBuffer":
      return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
    case "stream":
      // The bytes come from RPC into a fresh ArrayBuffer; the cast only narrows TypeScript's ArrayBufferLike.
      return new Blob([bytes as Uint8Array<ArrayBuffer>]).stream();
  }
}

/** A view's bytes, copied only when it covers part of its buffer (RPC would otherwise send the whole buffer). */
function exactBytes(view: ArrayBufferView): Uint8Array {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength ? bytes : bytes.slice();
}

async function readLimited(stream: ReadableStream, limit: number): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = (await reader.read()) as ReadableStreamReadResult<unknown>;
    if (done) break;
    const chunk = typeof value === "string" ? encoder.encode(value) : ArrayBuffer.isView(value) ? exactBytes(value) : value instanceof ArrayBuffer ? new Uint8Array(value) : null;
    if (!chunk) {
      await reader.cancel();
      throw new TypeError("CACHE.put: the stream yielded a chunk that is not bytes or text");
    }
    size += chunk.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new Error(`CACHE.put: the stream is longer than ${limit} bytes; values are at most 25 MiB`);
    }
    chunks.push(chunk);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

async function toBytes(value: unknown): Promise<Uint8Array> {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return exactBytes(value);
  if (value instanceof ReadableStream) return readLimited(value, MAX_VALUE_BYTES);
  // The KV binding converts any other primitive to its string (42 → "42", null → "null"); objects it refuses.
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return encoder.encode(String(value));
  const got = typeof value === "object" && value !== null ? (value.constructor?.name ?? "object") : typeof value;
  throw new TypeError(`CACHE.put: the value must be a string, ArrayBuffer, ArrayBufferView or ReadableStream, got ${got}; JSON.stringify objects first`);
}

/** A bulk get's type: Workers KV reads many keys only as text or JSON. */
function bulkType(method: string, option: unknown): "text" | "json" {
  const type = valueType(method, option as TypeOption<CacheValueType> | undefined);
  if (type === "text" || type === "json") return type;
  throw new Error(`CACHE.${method}: a bulk read returns "text" or "json", not ${JSON.stringify(type)}`);
}

/** Decodes a bulk read; a value that is not JSON fails the whole call, as in Workers KV. */
function decodeBulk(method: string, key: string, bytes: Uint8Array, type: "text" | "json"): unknown {
  if (type === "text") return decode(bytes, type);
  try {
    return decode(bytes, type);
  } catch {
    throw new Error(`CACHE.${method}: the value of ${JSON.stringify(key)} is not JSON; read it as "text"`);
  }
}

function serialiseMetadata(metadata: unknown): string | undefined {
  if (metadata === undefined || metadata === null) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(metadata);
  } catch (err) {
    throw new TypeError(`CACHE.put: metadata must be JSON-serialisable (${err instanceof Error ? err.message : String(err)})`);
  }
  if (text === undefined) throw new TypeError(`CACHE.put: metadata must be JSON-serialisable, got ${typeof metadata}`);
  return text;
}

export class CacheNamespace {
  // Private so user code cannot reach the raw stub; the Durable Object validates every call anyway.
  readonly #stub: CacheRpc;

  constructor(stub: CacheRpc) {
    this.#stub = stub;
  }

  get(key: string, options?: TypeOption<"text"> | { cacheTtl?: number }): Promise<string | null>;
  get<T = unknown>(key: string, options: TypeOption<"json">): Promise<T | null>;
  get(key: string, options: TypeOption<"arrayBuffer">): Promise<ArrayBuffer | null>;
  get(key: string, options: TypeOption<"stream">): Promise<ReadableStream<Uint8Array> | null>;
  get(keys: string[], options?: TypeOption<"text">): Promise<Map<string, string | null>>;
  get<T = unknown>(keys: string[], options: TypeOption<"json">): Promise<Map<string, T | null>>;
  async get(key: string | string[], options?: TypeOption<CacheValueType> | { cacheTtl?: number }): Promise<unknown> {
    if (Array.isArray(key)) {
      // Workers KV's bulk get: a Map from each key to its value, or null when absent.
      const type = bulkType("get", options);
      const entries = await this.#stub.getMany(key);
      return new Map(key.map((k, i) => [k, entries[i] ? decodeBulk("get", k, entries[i].value, type) : null]));
    }
    const type = valueType("get", options);
    const bytes = await this.#stub.get(key);
    return bytes === null ? null : decode(bytes, type);
  }

  getWithMetadata<M = unknown>(key: string, options?: TypeOption<"text"> | { cacheTtl?: number }): Promise<{ value: string | null; metadata: M | null; cacheStatus: null }>;
  getWithMetadata<T = unknown, M = unknown>(key: string, options: TypeOption<"json">): Promise<{ value: T | null; metadata: M | null }>;
  getWithMetadata<M = unknown>(key: string, options: TypeOption<"arrayBuffer">): Promise<{ value: ArrayBuffer | null; metadata: M | null }>;
  getWithMetadata<M = unknown>(key: string, options: TypeOption<"stream">): Promise<{ value: ReadableStream<Uint8Array> | null; metadata: M | null }>;
  getWithMetadata<M = unknown>(keys: string[], options?: TypeOption<"text">): Promise<Map<string, { value: string | null; metadata: M | null } | null>>;
  getWithMetadata<T = unknown, M = unknown>(keys: string[], options: TypeOption<"json">): Promise<Map<string, { value: T | null; metadata: M | null } | null>>;
  async getWithMetadata(key: string | string[], options?: TypeOption<CacheValueType> | { cacheTtl?: number }): Promise<unknown> {
    if (Array.isArray(key)) {
      const type = bulkType("getWithMetadata", options);
      const entries = await this.#stub.getMany(key);
      return new Map(key.map((k, i) => {
        const entry = entries[i];
        return [k, entry ? { value: decodeBulk("getWithMetadata", k, entry.value, type), metadata: entry.metadata ?? null } : null];
      }));
    }
    const type = valueType("getWithMetadata", options);
    const entry = await this.#stub.getWithMetadata(key);
    // cacheStatus: as Workers KV reports it; there is no edge cache here, so always null.
    return entry === null ? { value: null, metadata: null, cacheStatus: null } : { value: decode(entry.value, type), metadata: entry.metadata ?? null, cacheStatus: null };
  }

  async put(key: string, value: CacheValue | number | boolean | null, options: CachePutOptions = {}): Promise<void> {
    const bytes = await toBytes(value);
    if (bytes.byteLength > MAX_VALUE_BYTES) {
      // Checked here too so an oversized value fails before it is copied across RPC.
      throw new Error(`CACHE.put: the value is ${bytes.byteLength} bytes; values are at most ${MAX_VALUE_BYTES} bytes (25 MiB)`);
    }
    const wire: CachePutWire = {};
    if (options.expirationTtl != null) wire.expirationTtl = options.expirationTtl;
    if (options.expiration != null) wire.expiration = options.expiration;
    const metadata = serialiseMetadata(options.metadata);
    if (metadata !== undefined) wire.metadata = metadata;
    await this.#stub.put(key, bytes, wire);
  }

  async delete(key: string): Promise<void> {
    await this.#stub.delete(key);
  }

  async list(options: CacheListOptions = {}): Promise<CacheListResult> {
    return this.#stub.list({ prefix: options.prefix, limit: options.limit, cursor: options.cursor });
  }

  /** Atomically adds `by` (default 1) to the integer at `key`, creating it at 0 if absent; keeps its TTL. */
  async increment(key: string, by: number = 1): Promise<number> {
    return this.#stub.increment(key, by);
  }
}
