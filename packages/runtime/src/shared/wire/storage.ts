/** env.STORAGE's wire contract: what the shim sends the ScopedStorage entrypoint and what it answers. */
// Plain TypeScript and Web APIs only: the shim bundles it into user isolates, and users see these types through
// `@aerostack/runtime/types` (no workers-types).

export interface HttpMetadata {
  contentType?: string;
  contentLanguage?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  cacheControl?: string;
  cacheExpiry?: Date;
}

export type ObjectRange = { offset: number; length?: number } | { offset?: number; length: number } | { suffix: number };

export interface ObjectConditional {
  etagMatches?: string;
  etagDoesNotMatch?: string;
  uploadedBefore?: Date;
  uploadedAfter?: Date;
  secondsGranularity?: boolean;
}

export interface ObjectChecksums {
  md5?: string;
  sha1?: string;
  sha256?: string;
  sha384?: string;
  sha512?: string;
}

export interface StoragePutOptions {
  /** An object, or Headers whose content-* and cache-control values are taken, as with R2. */
  httpMetadata?: HttpMetadata | Headers;
  /** Values are coerced to strings, as R2 does. */
  customMetadata?: Record<string, string>;
  /** Store only if these hold; otherwise `put` returns null and nothing changes (R2's lost-update protection). */
  onlyIf?: ObjectConditional | Headers;
  /** At most one checksum (hex string or bytes); a body that does not match is refused and not stored. */
  md5?: ArrayBuffer | string;
  sha1?: ArrayBuffer | string;
  sha256?: ArrayBuffer | string;
  sha384?: ArrayBuffer | string;
  sha512?: ArrayBuffer | string;
}

/** Options of createMultipartUpload, as R2's R2MultipartOptions. */
export interface StorageMultipartOptions {
  httpMetadata?: HttpMetadata | Headers;
  customMetadata?: Record<string, string>;
}

/** A stored part of a multipart upload (R2UploadedPart): pass them all to complete(). */
export interface UploadedPart {
  partNumber: number;
  etag: string;
}

export interface StorageGetOptions {
  /** An ObjectRange, or Headers carrying one `Range: bytes=…` range. */
  range?: ObjectRange | Headers;
  /** Conditions, or Headers with If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since. */
  onlyIf?: ObjectConditional | Headers;
}

export interface StorageListOptions {
  prefix?: string;
  cursor?: string;
  /** 1 to 1000; default 1000. */
  limit?: number;
  delimiter?: string;
  startAfter?: string;
  /** List entries carry metadata only when asked, as in R2. */
  include?: ("httpMetadata" | "customMetadata")[];
}

/** An object's description on the wire (workerd cannot send R2Object instances over RPC). Keys are the user's. */
export interface StoredObjectWire {
  key: string;
  version: string;
  size: number;
  etag: string;
  httpEtag: string;
  /** Epoch milliseconds. */
  uploaded: number;
  httpMetadata: HttpMetadata;
  customMetadata: Record<string, string>;
  storageClass: string;
  checksums: ObjectChecksums;
  /** The bytes a get returned (set by get only). */
  range?: ObjectRange;
}

/** `body` is absent when an `onlyIf` condition failed (the object exists but was not sent), as in R2. */
export interface StoredObjectBodyWire extends StoredObjectWire {
  body?: ReadableStream<Uint8Array>;
}

export interface StorageListWire {
  objects: StoredObjectWire[];
  truncated: boolean;
  cursor?: string;
  delimitedPrefixes: string[];
}

/** The RPC surface ScopedStorage offers. Small bodies travel as bytes, large ones as streams. */
export interface StorageRpc {
  /** Null when an `onlyIf` condition failed (nothing was stored), as R2's put. */
  put(key: string, body: Uint8Array | ReadableStream<Uint8Array> | null, options?: StoragePutOptions): Promise<StoredObjectWire | null>;
  createMultipartUpload(key: string, options?: StorageMultipartOptions): Promise<{ key: string; uploadId: string }>;
  uploadPart(key: string, uploadId: string, partNumber: number, body: Uint8Array | ReadableStream<Uint8Array>): Promise<UploadedPart>;
  completeMultipartUpload(key: string, uploadId: string, parts: UploadedPart[]): Promise<StoredObjectWire>;
  abortMultipartUpload(key: string, uploadId: string): Promise<void>;
  get(key: string, options?: StorageGetOptions): Promise<StoredObjectBodyWire | null>;
  head(key: string): Promise<StoredObjectWire | null>;
  list(options?: StorageListOptions): Promise<StorageListWire>;
  delete(keys: string | string[]): Promise<void>;
}
