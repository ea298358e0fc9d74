/** env.CACHE's wire contract: what the shim sends the ScopedCache entrypoint and ProjectCache answers. */
// Plain TypeScript and Web APIs only: the shim bundles it into user isolates, and users see these types through
// `@aerostack/runtime/types` (no workers-types).

export interface CacheListOptions {
  prefix?: string;
  /** 1 to 1000; default 1000. */
  limit?: number;
  cursor?: string;
}

export interface CacheListKey {
  name: string;
  /** Epoch seconds, as Workers KV reports it. */
  expiration?: number;
  metadata?: unknown;
}

export interface CacheListResult {
  keys: CacheListKey[];
  list_complete: boolean;
  /** Present while list_complete is false: pass it to the next list() call. */
  cursor?: string;
  /** Always null: there is no edge cache in front of the store (Workers KV reports null locally too). */
  cacheStatus: null;
}

/** `put` options on the wire: `metadata` is JSON text, serialised here exactly as Workers KV would. */
export interface CachePutWire {
  expirationTtl?: number;
  expiration?: number;
  metadata?: string;
}

export interface CacheEntryWire {
  value: Uint8Array;
  metadata: unknown;
}

/** The RPC surface ProjectCache offers and ScopedCache forwards. Values travel as bytes. */
export interface CacheRpc {
  get(key: string): Promise<Uint8Array | null>;
  getWithMetadata(key: string): Promise<CacheEntryWire | null>;
  /** Bulk read (KV's get([keys])): one entry or null per key, in order; 1 to 100 keys. */
  getMany(keys: string[]): Promise<(CacheEntryWire | null)[]>;
  put(key: string, value: Uint8Array, options?: CachePutWire): Promise<void>;
  delete(key: string): Promise<void>;
  list(options?: CacheListOptions): Promise<CacheListResult>;
  increment(key: string, by?: number): Promise<number>;
}
