/** The STORAGE binding's RPC entrypoint: R2-style objects in the shared bucket, every key confined to `${project}/`. */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { PlatformEnv, ProjectProps } from "../../env";
import { TenantIdSchema } from "../../../shared/protocol";
import type {
  HttpMetadata,
  StorageGetOptions,
  StorageListOptions,
  StorageListWire,
  StorageMultipartOptions,
  StoragePutOptions,
  StorageRpc,
  StoredObjectBodyWire,
  StoredObjectWire,
  UploadedPart,
} from "../../../shared/wire/storage";

/** R2's key limit; the project prefix takes part of it, so user keys get the rest. */
const MAX_OBJECT_KEY_BYTES = 1024;
const MAX_LIST_LIMIT = 1000;
const MAX_DELETE_KEYS = 1000;
/**
 * workerd's R2 `put` needs a body of known length, and a stream that crossed RPC has none. Up to one part is
 * buffered and stored with a single put; a longer stream becomes a multipart upload of parts this size, so memory
 * stays bounded (two parts) whatever the object's size. R2 wants parts of at least 5 MiB and all but the last equal.
 */
const PART_BYTES = 8 * 1024 * 1024;
/**
 * A part sent as a stream is buffered (R2 needs its length, which RPC drops); this bounds the memory one part may
 * take. Parts sent as bytes are already bounded by RPC's 32 MiB message.
 */
const MAX_STREAMED_PART_BYTES = 64 * 1024 * 1024;
/** R2's checksum options, in the order R2 reports them; at most one may be given. */
const HASHES = [
  ["md5", "MD5"],
  ["sha1", "SHA-1"],
  ["sha256", "SHA-256"],
  ["sha384", "SHA-384"],
  ["sha512", "SHA-512"],
] as const;

const encoder = new TextEncoder();
// With the u flag a paired surrogate is one code point, so this matches only unpaired halves, which UTF-8 cannot hold.
const LONE_SURROGATE = /\p{Cs}/u;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return `${typeof value} ${String(value)}`;
}

function copyHttpMetadata(meta: HttpMetadata | undefined): HttpMetadata {
  const out: HttpMetadata = {};
  if (!meta) return out;
  if (meta.contentType !== undefined) out.contentType = meta.contentType;
  if (meta.contentLanguage !== undefined) out.contentLanguage = meta.contentLanguage;
  if (meta.contentDisposition !== undefined) out.contentDisposition = meta.contentDisposition;
  if (meta.contentEncoding !== undefined) out.contentEncoding = meta.contentEncoding;
  if (meta.cacheControl !== undefined) out.cacheControl = meta.cacheControl;
  if (meta.cacheExpiry !== undefined) out.cacheExpiry = meta.cacheExpiry;
  return out;
}

function checkMetadataOptions(method: string, options: StorageMultipartOptions): StorageMultipartOptions {
  const out: StorageMultipartOptions = {};
  if (options.httpMetadata != null) {
    if (typeof options.httpMetadata !== "object") throw new TypeError(`STORAGE.${method}: httpMetadata must be an object such as { contentType }`);
    out.httpMetadata = options.httpMetadata instanceof Headers ? options.httpMetadata : copyHttpMetadata(options.httpMetadata);
  }
  if (options.customMetadata != null) {
    if (typeof options.customMetadata !== "object") throw new TypeError(`STORAGE.${method}: customMetadata must be an object of string values`);
    // R2 coerces each value to a string ({ n: 1 } is stored as "1"); doing the same keeps ported code working.
    out.customMetadata = Object.fromEntries(Object.entries(options.customMetadata).map(([name, value]) => [name, String(value)]));
  }
  return out;
}

function checkPutOptions(options: StoragePutOptions): StoragePutOptions {
  const out: StoragePutOptions = checkMetadataOptions("put", options);
  if (options.onlyIf != null) {
    if (typeof options.onlyIf !== "object") throw new TypeError("STORAGE.put: onlyIf must be an object such as { etagMatches } or Headers");
    out.onlyIf = options.onlyIf;
  }
  const given = HASHES.filter(([name]) => options[name] != null);
  // R2's own words and class, so code that catches it behaves the same.
  if (given.length > 1) throw new TypeError("You cannot specify multiple hashing algorithms.");
  for (const [name] of given) out[name] = options[name];
  return out;
}

/** The one checksum a put carries, as lowercase hex, with its WebCrypto name; null without one. */
function expectedHash(options: StoragePutOptions): { name: (typeof HASHES)[number][0]; algorithm: string; hex: string } | null {
  for (const [name, algorithm] of HASHES) {
    const value = options[name];
    if (value == null) continue;
    const hex = typeof value === "string" ? value.toLowerCase() : Array.from(new Uint8Array(value), (b) => b.toString(16).padStart(2, "0")).join("");
    return { name, algorithm, hex };
  }
  return null;
}

/** Reads a stream in fixed-size parts, carrying over whatever a chunk has past a part's end. */
class PartReader {
  readonly #reader: ReadableStreamDefaultReader<unknown>;
  #carry: Uint8Array | null = null;
  #ended = false;

  constructor(stream: ReadableStream<unknown>) {
    this.#reader = stream.getReader();
  }

  /** The next `size` bytes, or fewer (possibly none) once the stream has ended. */
  async read(size: number): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    let filled = 0;
    while (filled < size) {
      let chunk = this.#carry;
      this.#carry = null;
      if (!chunk) {
        if (this.#ended) break;
        const result = await this.#reader.read();
        if (result.done) {
          this.#ended = true;
          break;
        }
        chunk = toChunk(result.value);
      }
      const take = Math.min(chunk.byteLength, size - filled);
      chunks.push(take === chunk.byteLength ? chunk : chunk.subarray(0, take));
      if (take < chunk.byteLength) this.#carry = chunk.subarray(take);
      filled += take;
    }
    if (chunks.length === 1 && chunks[0]) return chunks[0];
    const out = new Uint8Array(filled);
    let offset = 0;
    for (const chunk of chunks) {
      out.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return out;
  }

  async cancel(reason: unknown): Promise<void> {
    await this.#reader.cancel(reason).catch(() => {});
  }
}

function toChunk(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new TypeError(`STORAGE.put: the body stream yielded ${describe(value)}; it must yield bytes`);
}

export class ScopedStorage extends WorkerEntrypoint<PlatformEnv, ProjectProps> implements StorageRpc {
  /**
   * `${project}/`, from `ctx.props`: set by the dispatcher, unchangeable by user code, and the only input that
   * chooses the tenant. R2 keys are opaque strings (no path resolution), so "../a/x" from project b is stored as
   * "b/../a/x" and every key this entrypoint touches starts with the caller's own root.
   */
  private root(): string {
    const project = this.ctx.props.project;
    // A tenant id has no "/", so one tenant's root can never be a prefix of another's. Fail closed otherwise.
    if (!TenantIdSchema.safeParse(project).success) throw new Error("STORAGE: this binding was created without a valid project");
    return `${project}/`;
  }

  private fullKey(method: string, key: unknown): string {
    if (typeof key !== "string") throw new TypeError(`STORAGE.${method}: the key must be a string, got ${describe(key)}`);
    if (key.length === 0) throw new TypeError(`STORAGE.${method}: the key must not be empty`);
    if (LONE_SURROGATE.test(key)) throw new TypeError(`STORAGE.${method}: the key ${describe(key)} contains an unpaired UTF-16 surrogate`);
    const root = this.root();
    const limit = MAX_OBJECT_KEY_BYTES - encoder.encode(root).byteLength;
    const bytes = encoder.encode(key).byteLength;
    if (bytes > limit) throw new RangeError(`STORAGE.${method}: the key is ${bytes} bytes of UTF-8; keys in this project are at most ${limit} bytes`);
    return root + key;
  }

  /** The user's key for a stored key; refuses (rather than leaks) anything outside the caller's root. */
  private userKey(stored: string): string {
    const root = this.root();
    if (!stored.startsWith(root)) throw new Error("STORAGE: the bucket returned a key outside this project");
    return stored.slice(root.length);
  }

  private info(object: R2Object): StoredObjectWire {
    const info: StoredObjectWire = {
      key: this.userKey(object.key),
      version: object.version,
      size: object.size,
      etag: object.etag,
      httpEtag: object.httpEtag,
      uploaded: object.uploaded.getTime(),
      httpMetadata: copyHttpMetadata(object.httpMetadata),
      customMetadata: { ...object.customMetadata },
      storageClass: object.storageClass,
      checksums: object.checksums.toJSON(),
    };
    // R2 reports the range a get served (head reports the whole object); passed on as it comes.
    if (object.range) info.range = { ...object.range };
    return info;
  }

  async put(key: string, body: Uint8Array | ReadableStream<Uint8Array> | null, options: StoragePutOptions = {}): Promise<StoredObjectWire | null> {
    const stored = this.fullKey("put", key);
    const putOptions = checkPutOptions(options ?? {});
    let object: R2Object | null;
    if (body === null || body === undefined || body instanceof Uint8Array) {
      object = await this.env.OBJECTS.put(stored, body ?? null, putOptions);
    } else if (body instanceof ReadableStream) {
      object = await this.putStream(stored, body, putOptions);
    } else {
      throw new TypeError(`STORAGE.put: the body must arrive as bytes or a ReadableStream, got ${describe(body)}`);
    }
    // Null only when an onlyIf condition failed: nothing was stored, as R2 reports it.
    return object === null ? null : this.info(object);
  }

  async createMultipartUpload(key: string, options: StorageMultipartOptions = {}): Promise<{ key: string; uploadId: string }> {
    const upload = await this.env.OBJECTS.createMultipartUpload(this.fullKey("createMultipartUpload", key), checkMetadataOptions("createMultipartUpload", options ?? {}));
    return { key, uploadId: upload.uploadId };
  }

  /** R2 checks that the upload id belongs to this key, and the key is confined to the caller's root. */
  private upload(method: string, key: string, uploadId: unknown): R2MultipartUpload {
    const stored = this.fullKey(method, key);
    if (typeof uploadId !== "string" || uploadId.length === 0) throw new TypeError(`STORAGE.${method}: uploadId must be the string createMultipartUpload returned, got ${describe(uploadId)}`);
    return this.env.OBJECTS.resumeMultipartUpload(stored, uploadId);
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, body: Uint8Array | ReadableStream<Uint8Array>): Promise<UploadedPart> {
    const upload = this.upload("uploadPart", key, uploadId);
    let bytes: Uint8Array;
    if (body instanceof Uint8Array) bytes = body;
    else if (body instanceof ReadableStream) {
      // R2 needs a part's length and RPC drops it, so a streamed part is read whole (bounded) first.
      const reader = new PartReader(body);
      bytes = await reader.read(MAX_STREAMED_PART_BYTES + 1);
      if (bytes.byteLength > MAX_STREAMED_PART_BYTES) {
        await reader.cancel(new RangeError("part too large"));
        throw new RangeError(`STORAGE.uploadPart: a part sent as a stream may be at most ${MAX_STREAMED_PART_BYTES / 1024 / 1024} MiB here; upload smaller parts (R2 wants at least 5 MiB, all but the last the same size)`);
      }
    } else throw new TypeError(`STORAGE.uploadPart: the part must arrive as bytes or a ReadableStream, got ${describe(body)}`);
    const part = await upload.uploadPart(partNumber, bytes);
    return { partNumber: part.partNumber, etag: part.etag };
  }

  async completeMultipartUpload(key: string, uploadId: string, parts: UploadedPart[]): Promise<StoredObjectWire> {
    if (!Array.isArray(parts)) throw new TypeError("STORAGE.complete: parts must be the array of { partNumber, etag } uploadPart returned");
    const object = await this.upload("complete", key, uploadId).complete(parts.map((p) => ({ partNumber: p?.partNumber, etag: p?.etag })));
    return this.info(object);
  }

  async abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    await this.upload("abort", key, uploadId).abort();
  }

  async get(key: string, options: StorageGetOptions = {}): Promise<StoredObjectBodyWire | null> {
    const stored = this.fullKey("get", key);
    const getOptions: R2GetOptions = {};
    if (options?.range != null) getOptions.range = options.range;
    if (options?.onlyIf != null) getOptions.onlyIf = options.onlyIf;
    const object = await this.env.OBJECTS.get(stored, getOptions);
    if (object === null) return null;
    const info: StoredObjectBodyWire = this.info(object);
    // An R2Object without a body means an onlyIf condition failed: report the object, send nothing.
    if ("body" in object) info.body = (object as R2ObjectBody).body as ReadableStream<Uint8Array>;
    return info;
  }

  async head(key: string): Promise<StoredObjectWire | null> {
    const object = await this.env.OBJECTS.head(this.fullKey("head", key));
    return object === null ? null : this.info(object);
  }

  async list(options: StorageListOptions = {}): Promise<StorageListWire> {
    const { prefix = "", cursor, limit, delimiter, startAfter, include } = options ?? {};
    if (typeof prefix !== "string") throw new TypeError(`STORAGE.list: prefix must be a string, got ${describe(prefix)}`);
    const root = this.root();
    const listOptions: R2ListOptions = { prefix: root + prefix };
    if (limit != null) {
      if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
        throw new RangeError(`STORAGE.list: limit must be an integer from 1 to ${MAX_LIST_LIMIT}, got ${describe(limit)}`);
      }
      listOptions.limit = limit;
    }
    // A cursor only moves within a listing; R2 still applies the prefix above, so a cursor cannot leave the root.
    if (cursor != null && cursor !== "") {
      if (typeof cursor !== "string") throw new TypeError(`STORAGE.list: cursor must be a string from an earlier list(), got ${describe(cursor)}`);
      listOptions.cursor = cursor;
    }
    if (delimiter != null && delimiter !== "") {
      if (typeof delimiter !== "string") throw new TypeError(`STORAGE.list: delimiter must be a string, got ${describe(delimiter)}`);
      listOptions.delimiter = delimiter;
    }
    if (startAfter != null && startAfter !== "") {
      if (typeof startAfter !== "string") throw new TypeError(`STORAGE.list: startAfter must be a string, got ${describe(startAfter)}`);
      listOptions.startAfter = root + startAfter;
    }
    if (include != null) {
      if (!Array.isArray(include) || include.some((item) => item !== "httpMetadata" && item !== "customMetadata")) {
        throw new TypeError('STORAGE.list: include must be an array of "httpMetadata" and/or "customMetadata"');
      }
      listOptions.include = [...include];
    }
    const listed = await this.env.OBJECTS.list(listOptions);
    const result: StorageListWire = {
      objects: listed.objects.map((object) => this.info(object)),
      truncated: listed.truncated,
      delimitedPrefixes: listed.delimitedPrefixes.map((stored) => this.userKey(stored)),
    };
    if (listed.truncated) result.cursor = listed.cursor;
    return result;
  }

  async delete(keys: string | string[]): Promise<void> {
    if (Array.isArray(keys)) {
      if (keys.length > MAX_DELETE_KEYS) throw new RangeError(`STORAGE.delete: at most ${MAX_DELETE_KEYS} keys per call, got ${keys.length}`);
      if (keys.length === 0) return;
      await this.env.OBJECTS.delete(keys.map((key) => this.fullKey("delete", key)));
      return;
    }
    await this.env.OBJECTS.delete(this.fullKey("delete", keys));
  }

  /**
   * A long stream becomes a multipart upload, which takes neither conditions nor checksums: the checksum is computed
   * while the parts go up and the condition is checked just before completing, and either failing aborts the upload
   * (the old object stays). The check and the completion are two bucket calls, so unlike a single put a writer
   * racing in between is not excluded; documented.
   */
  /** Whether a put's `onlyIf` holds for the object now stored under `stored` (or its absence). */
  private async conditionHolds(stored: string, onlyIf: R2Conditional | Headers): Promise<boolean> {
    // get with onlyIf answers null when absent, the object without a body when the condition fails.
    const current = await this.env.OBJECTS.get(stored, { onlyIf });
    if (current === null) return !(onlyIf instanceof Headers ? onlyIf.has("if-match") : onlyIf.etagMatches != null);
    if (!("body" in current)) return false;
    await (current as R2ObjectBody).body.cancel();
    return true;
  }

  private async putStream(stored: string, body: ReadableStream<unknown>, options: StoragePutOptions): Promise<R2Object | null> {
    const reader = new PartReader(body);
    let current: Uint8Array;
    let next: Uint8Array;
    try {
      current = await reader.read(PART_BYTES);
      next = current.byteLength < PART_BYTES ? new Uint8Array(0) : await reader.read(PART_BYTES);
    } catch (err) {
      await reader.cancel(err);
      throw err;
    }
    if (next.byteLength === 0) return this.env.OBJECTS.put(stored, current, options);

    const { onlyIf, md5: _m, sha1: _s1, sha256: _s2, sha384: _s3, sha512: _s5, ...metadata } = options;
    const hash = expectedHash(options);
    const digest = hash ? new crypto.DigestStream(hash.algorithm as "SHA-256") : null;
    const digestWriter = digest?.getWriter();
    const upload = await this.env.OBJECTS.createMultipartUpload(stored, metadata);
    try {
      const parts: R2UploadedPart[] = [];
      const send = async (bytes: Uint8Array) => {
        await digestWriter?.write(bytes);
        parts.push(await upload.uploadPart(parts.length + 1, bytes));
      };
      // Holding one part back tells us which part is the last (the only one allowed to be short or empty-ended).
      while (next.byteLength > 0) {
        await send(current);
        current = next;
        next = current.byteLength < PART_BYTES ? new Uint8Array(0) : await reader.read(PART_BYTES);
      }
      await send(current);
      if (hash && digest && digestWriter) {
        await digestWriter.close();
        const actual = Array.from(new Uint8Array(await digest.digest), (b) => b.toString(16).padStart(2, "0")).join("");
        if (actual !== hash.hex) {
          throw new Error(`put: The ${hash.algorithm} checksum you specified did not match what we received. You provided ${hash.hex}; the body's is ${actual}. Nothing was stored.`);
        }
      }
      if (onlyIf && !(await this.conditionHolds(stored, onlyIf))) {
        await upload.abort().catch(() => {});
        return null;
      }
      return await upload.complete(parts);
    } catch (err) {
      await reader.cancel(err);
      await upload.abort().catch(() => {});
      throw err;
    }
  }
}
