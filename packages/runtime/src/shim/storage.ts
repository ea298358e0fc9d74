/** User-side STORAGE: an R2Bucket-like API over the platform's project-scoped RPC stub. */
import type { HttpMetadata, ObjectRange, ObjectConditional, ObjectChecksums, StoragePutOptions, StorageGetOptions, StorageListOptions, StorageMultipartOptions, StoredObjectWire, StoredObjectBodyWire, StorageRpc, UploadedPart } from "../shared/wire/storage";
// The wire contract (shared/wire/storage.ts) is part of the user-facing API too.
export type { HttpMetadata, ObjectRange, ObjectConditional, ObjectChecksums, StoragePutOptions, StorageGetOptions, StorageListOptions, StorageMultipartOptions, StoredObjectWire, StoredObjectBodyWire, StorageListWire, StorageRpc, UploadedPart } from "../shared/wire/storage";

export type StorageValue = string | ArrayBuffer | ArrayBufferView | ReadableStream | Blob | null;

export interface StorageListResult {
  objects: StoredObject[];
  truncated: boolean;
  /** Present while truncated: pass it to the next list() call. */
  cursor?: string;
  delimitedPrefixes: string[];
}

/**
 * Bodies up to this size go across RPC as one byte array; larger ones as a stream, because a serialised RPC
 * message is capped at 32 MiB and the platform stores long streams as multipart uploads anyway.
 */
const INLINE_BYTES = 1024 * 1024;
const encoder = new TextEncoder();

/** A stored object's description, like R2Object. */
export class StoredObject {
  readonly key: string;
  readonly version: string;
  readonly size: number;
  readonly etag: string;
  readonly httpEtag: string;
  readonly uploaded: Date;
  readonly httpMetadata: HttpMetadata;
  readonly customMetadata: Record<string, string>;
  readonly storageClass: string;
  readonly checksums: ObjectChecksums;
  readonly range?: ObjectRange;

  constructor(info: StoredObjectWire) {
    this.key = info.key;
    this.version = info.version;
    this.size = info.size;
    this.etag = info.etag;
    this.httpEtag = info.httpEtag;
    this.uploaded = new Date(info.uploaded);
    this.httpMetadata = info.httpMetadata;
    this.customMetadata = info.customMetadata;
    this.storageClass = info.storageClass;
    this.checksums = info.checksums;
    if (info.range) this.range = info.range;
  }

  /** Sets the stored content-* headers, cache-control and expires on `headers`, as R2's writeHttpMetadata does. */
  writeHttpMetadata(headers: Headers): void {
    const meta = this.httpMetadata;
    if (meta.contentType) headers.set("content-type", meta.contentType);
    if (meta.contentLanguage) headers.set("content-language", meta.contentLanguage);
    if (meta.contentDisposition) headers.set("content-disposition", meta.contentDisposition);
    if (meta.contentEncoding) headers.set("content-encoding", meta.contentEncoding);
    if (meta.cacheControl) headers.set("cache-control", meta.cacheControl);
    if (meta.cacheExpiry) headers.set("expires", new Date(meta.cacheExpiry).toUTCString());
  }
}

/** A stored object with its contents, like R2ObjectBody: the body can be read once. */
export class StoredObjectBody extends StoredObject {
  readonly #body: ReadableStream<Uint8Array>;
  #consumed = false;

  constructor(info: StoredObjectWire, body: ReadableStream<Uint8Array>) {
    super(info);
    this.#body = body;
  }

  get body(): ReadableStream<Uint8Array> {
    return this.#body;
  }

  get bodyUsed(): boolean {
    return this.#consumed || this.#body.locked;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    return this.#take().arrayBuffer();
  }

  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(await this.#take().arrayBuffer());
  }

  async text(): Promise<string> {
    return this.#take().text();
  }

  async json<T = unknown>(): Promise<T> {
    return (await this.#take().json()) as T;
  }

  async blob(): Promise<Blob> {
    const bytes = await this.#take().arrayBuffer();
    return new Blob([bytes], this.httpMetadata.contentType ? { type: this.httpMetadata.contentType } : {});
  }

  /** A Response over the body, to reuse its readers; refuses a second read with the error R2 would give. */
  #take(): Response {
    if (this.bodyUsed) throw new TypeError("STORAGE: the object's body has already been read");
    this.#consumed = true;
    return new Response(this.#body);
  }
}

/** Parses a `Range: bytes=…` header into an ObjectRange; only a single range is supported, as in R2. */
function rangeFromHeaders(headers: Headers): ObjectRange | undefined {
  const header = headers.get("range");
  if (header === null) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  const start = match?.[1] ?? "";
  const end = match?.[2] ?? "";
  if (!match || (start === "" && end === "")) throw new RangeError(`STORAGE.get: unsupported Range header ${JSON.stringify(header)}; use one range such as "bytes=0-99"`);
  if (start === "") return { suffix: Number(end) };
  if (end === "") return { offset: Number(start) };
  if (Number(end) < Number(start)) throw new RangeError(`STORAGE.get: Range header ${JSON.stringify(header)} ends before it starts`);
  return { offset: Number(start), length: Number(end) - Number(start) + 1 };
}

/** A view's bytes, copied only when it covers part of its buffer (RPC would otherwise send the whole buffer). */
function exactBytes(view: ArrayBufferView): Uint8Array {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength ? bytes : bytes.slice();
}

function forRpc(bytes: Uint8Array): Uint8Array | ReadableStream<Uint8Array> {
  // The cast only narrows TypeScript's ArrayBufferLike: these bytes never live in a SharedArrayBuffer.
  return bytes.byteLength <= INLINE_BYTES ? bytes : (new Blob([bytes as Uint8Array<ArrayBuffer>]).stream() as ReadableStream<Uint8Array>);
}

async function toBody(value: unknown): Promise<Uint8Array | ReadableStream<Uint8Array> | null> {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return forRpc(encoder.encode(value));
  if (value instanceof ArrayBuffer) return forRpc(new Uint8Array(value));
  if (ArrayBuffer.isView(value)) return forRpc(exactBytes(value));
  if (value instanceof ReadableStream) return value as ReadableStream<Uint8Array>;
  if (value instanceof Blob) return value.size <= INLINE_BYTES ? new Uint8Array(await value.arrayBuffer()) : (value.stream() as ReadableStream<Uint8Array>);
  const got =
    value === null || value === undefined ? String(value) : typeof value === "object" ? (value.constructor?.name ?? "object") : `${typeof value} ${String(value)}`;
  throw new TypeError(`STORAGE.put: the value must be a string, ArrayBuffer, ArrayBufferView, ReadableStream, Blob or null, got ${got}`);
}

function fromInfo(info: StoredObjectBodyWire): StoredObject | StoredObjectBody {
  const { body, ...rest } = info;
  return body ? new StoredObjectBody(rest, body) : new StoredObject(rest);
}

/** An upload in progress, like R2MultipartUpload. */
export class MultipartUpload {
  readonly #stub: StorageRpc;
  readonly key: string;
  readonly uploadId: string;

  constructor(stub: StorageRpc, key: string, uploadId: string) {
    this.#stub = stub;
    this.key = key;
    this.uploadId = uploadId;
  }

  async uploadPart(partNumber: number, value: Exclude<StorageValue, null>): Promise<UploadedPart> {
    const body = await toBody(value);
    if (body === null) throw new TypeError("STORAGE.uploadPart: the part must be a string, ArrayBuffer, ArrayBufferView, ReadableStream or Blob");
    return this.#stub.uploadPart(this.key, this.uploadId, partNumber, body);
  }

  async abort(): Promise<void> {
    await this.#stub.abortMultipartUpload(this.key, this.uploadId);
  }

  async complete(uploadedParts: UploadedPart[]): Promise<StoredObject> {
    return new StoredObject(await this.#stub.completeMultipartUpload(this.key, this.uploadId, Array.from(uploadedParts ?? [])));
  }
}

export class ObjectStorage {
  // Private so user code cannot reach the raw stub; the entrypoint scopes and validates every call anyway.
  readonly #stub: StorageRpc;

  constructor(stub: StorageRpc) {
    this.#stub = stub;
  }

  /** The stored object, or null when an `onlyIf` condition failed and nothing was stored, as R2's put. */
  async put(key: string, value: StorageValue, options: StoragePutOptions = {}): Promise<StoredObject | null> {
    const body = await toBody(value);
    const wire: StoragePutOptions = {};
    for (const name of ["httpMetadata", "customMetadata", "onlyIf", "md5", "sha1", "sha256", "sha384", "sha512"] as const) {
      if (options[name] != null) (wire as Record<string, unknown>)[name] = options[name];
    }
    const info = await this.#stub.put(key, body, wire);
    return info === null ? null : new StoredObject(info);
  }

  /** Starts a multipart upload (R2's createMultipartUpload); parts of at least 5 MiB, all but the last the same size. */
  async createMultipartUpload(key: string, options: StorageMultipartOptions = {}): Promise<MultipartUpload> {
    const wire: StorageMultipartOptions = {};
    if (options.httpMetadata != null) wire.httpMetadata = options.httpMetadata;
    if (options.customMetadata != null) wire.customMetadata = options.customMetadata;
    const { uploadId } = await this.#stub.createMultipartUpload(key, wire);
    return new MultipartUpload(this.#stub, key, uploadId);
  }

  /** Continues an upload by its id, without a call (as on R2: an unknown id fails at the first uploadPart). */
  resumeMultipartUpload(key: string, uploadId: string): MultipartUpload {
    return new MultipartUpload(this.#stub, key, uploadId);
  }

  /**
   * The object with its body, null if absent, or (when an `onlyIf` condition fails) the object without a body,
   * exactly as R2's get. A Headers `range` is parsed here; a Headers `onlyIf` is evaluated by the bucket.
   */
  get(key: string, options: StorageGetOptions & { onlyIf: ObjectConditional | Headers }): Promise<StoredObjectBody | StoredObject | null>;
  get(key: string, options?: StorageGetOptions): Promise<StoredObjectBody | null>;
  async get(key: string, options: StorageGetOptions = {}): Promise<StoredObjectBody | StoredObject | null> {
    const wire: StorageGetOptions = {};
    if (options.range != null) {
      const range = options.range instanceof Headers ? rangeFromHeaders(options.range) : options.range;
      if (range) wire.range = range;
    }
    if (options.onlyIf != null) wire.onlyIf = options.onlyIf;
    const info = await this.#stub.get(key, wire);
    return info === null ? null : fromInfo(info);
  }

  async head(key: string): Promise<StoredObject | null> {
    const info = await this.#stub.head(key);
    return info === null ? null : new StoredObject(info);
  }

  async list(options: StorageListOptions = {}): Promise<StorageListResult> {
    const listed = await this.#stub.list(options);
    const result: StorageListResult = {
      objects: listed.objects.map((info) => new StoredObject(info)),
      truncated: listed.truncated,
      delimitedPrefixes: listed.delimitedPrefixes,
    };
    if (listed.cursor !== undefined) result.cursor = listed.cursor;
    return result;
  }

  async delete(keys: string | string[]): Promise<void> {
    await this.#stub.delete(keys);
  }
}
