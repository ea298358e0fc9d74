/** STORAGE binding end to end: user code in a loaded isolate calling env.STORAGE on a real platform (workerd via Miniflare). */
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPlatform, type TestPlatform } from "../../../host/testing";

/**
 * User code. `/call` runs one STORAGE call with JSON arguments (tagged objects for what JSON cannot carry) and
 * describes the result as JSON; `/upload/:key` and `/download/:key` stream request and response bodies.
 */
const DRIVER = String.raw`
function decodeArg(arg) {
  if (arg && typeof arg === "object") {
    if ("$bytes" in arg) return new Uint8Array(arg.$bytes);
    if ("$buffer" in arg) return new Uint8Array(arg.$buffer).buffer;
    if ("$view" in arg) {
      const backing = new Uint8Array(arg.$view.length + 8).fill(0xee);
      backing.set(arg.$view, 4);
      return new Uint8Array(backing.buffer, 4, arg.$view.length);
    }
    if ("$stream" in arg) {
      const parts = arg.$stream;
      return new ReadableStream({ start(c) { for (const p of parts) c.enqueue(new TextEncoder().encode(p)); c.close(); } });
    }
    if ("$blob" in arg) return new Blob([arg.$blob], { type: "text/plain" });
    if ("$headers" in arg) return new Headers(arg.$headers);
    if ("$date" in arg) return new Date(arg.$date);
    if ("$undefined" in arg) return undefined;
    if (Array.isArray(arg)) return arg.map(decodeArg);
    return Object.fromEntries(Object.entries(arg).map(([k, v]) => [k, decodeArg(v)]));
  }
  return arg;
}
function describeObject(o) {
  if (o === null) return null;
  const out = {
    key: o.key, size: o.size, etag: o.etag, httpEtag: o.httpEtag, version: o.version,
    uploadedIsDate: o.uploaded instanceof Date, uploaded: o.uploaded.getTime(),
    httpMetadata: { ...o.httpMetadata, ...(o.httpMetadata.cacheExpiry ? { cacheExpiry: new Date(o.httpMetadata.cacheExpiry).toISOString() } : {}) },
    customMetadata: o.customMetadata, hasBody: "body" in o,
  };
  if (o.range) out.range = o.range;
  return out;
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    try {
      if (url.pathname.startsWith("/upload/")) {
        const key = decodeURIComponent(url.pathname.slice("/upload/".length));
        const info = await env.STORAGE.put(key, request.body, { httpMetadata: { contentType: request.headers.get("content-type") ?? undefined } });
        return Response.json({ result: describeObject(info) });
      }
      if (url.pathname.startsWith("/download/")) {
        const object = await env.STORAGE.get(decodeURIComponent(url.pathname.slice("/download/".length)));
        if (!object) return new Response("not found", { status: 404 });
        const headers = new Headers({ etag: object.httpEtag });
        object.writeHttpMetadata(headers);
        return new Response(object.body, { headers });
      }
      const input = await request.json();
      if (url.pathname === "/big") {
        const value = new Uint8Array(input.size);
        for (let i = 0; i < value.length; i++) value[i] = (i * 31 + (i >> 13)) & 0xff;
        const put = await env.STORAGE.put(input.key, value);
        const back = new Uint8Array(await (await env.STORAGE.get(input.key)).arrayBuffer());
        const digest = async (bytes) => Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))).join(",");
        return Response.json({ result: { size: put.size, readSize: back.length, same: (await digest(value)) === (await digest(back)) } });
      }
      if (url.pathname === "/call") {
        const result = await env.STORAGE[input.method](...input.args.map(decodeArg));
        if (result && Array.isArray(result.objects)) return Response.json({ result: { ...result, objects: result.objects.map(describeObject) } });
        return Response.json({ result: result === undefined ? null : describeObject(result) });
      }
      if (url.pathname === "/read") {
        // Reads a body with the chosen reader and reports bodyUsed before and after, and what a second read does.
        const object = await env.STORAGE.get(input.key, decodeArg(input.options ?? {}));
        if (!object) return Response.json({ result: null });
        if (!("body" in object)) return Response.json({ result: { ...describeObject(object) } });
        const usedBefore = object.bodyUsed;
        let value = await object[input.as]();
        if (input.as === "arrayBuffer") value = Array.from(new Uint8Array(value));
        if (input.as === "bytes") value = Array.from(value);
        if (input.as === "blob") value = { type: value.type, text: await value.text() };
        let second = null;
        try { await object.text(); } catch (err) { second = err.message; }
        return Response.json({ result: { ...describeObject(object), value, usedBefore, usedAfter: object.bodyUsed, second } });
      }
      return new Response("no route", { status: 404 });
    } catch (err) {
      return Response.json({ error: { name: err.name, message: err.message } });
    }
  },
};
`;

type Outcome = { result?: unknown; error?: { name: string; message: string } };
interface Described {
  key: string;
  size: number;
  etag: string;
  httpEtag: string;
  version: string;
  uploadedIsDate: boolean;
  uploaded: number;
  httpMetadata: Record<string, string>;
  customMetadata: Record<string, string>;
  hasBody: boolean;
  range?: unknown;
  value?: unknown;
  usedBefore?: boolean;
  usedAfter?: boolean;
  second?: string | null;
}
interface Listed {
  objects: Described[];
  truncated: boolean;
  cursor?: string;
  delimitedPrefixes: string[];
}

let platform: TestPlatform;
const PROJECTS = ["stor-basic", "stor-list", "stor-stream", "stor-errors", "stor-a", "stor-b"];

beforeAll(async () => {
  platform = await createTestPlatform();
  for (const project of PROJECTS) await platform.deployScript(project, DRIVER);
});
afterAll(() => platform?.dispose());

async function post(project: string, path: string, body: unknown): Promise<Outcome> {
  const res = await platform.request(project, path, { method: "POST", body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return (await res.json()) as Outcome;
}

async function ok<T = Described | null>(project: string, method: string, ...args: unknown[]): Promise<T> {
  const outcome = await post(project, "/call", { method, args });
  if (outcome.error) throw new Error(`${method} failed: ${outcome.error.name}: ${outcome.error.message}`);
  return outcome.result as T;
}

async function fails(project: string, method: string, ...args: unknown[]): Promise<string> {
  const outcome = await post(project, "/call", { method, args });
  expect(outcome.error, `${method}(${JSON.stringify(args)}) should have failed`).toBeDefined();
  return outcome.error?.message ?? "";
}

async function read(project: string, key: string, as: string, options?: unknown): Promise<Described | null> {
  const outcome = await post(project, "/read", { key, as, options });
  if (outcome.error) throw new Error(`read failed: ${outcome.error.message}`);
  return outcome.result as Described | null;
}

describe("STORAGE put / get / head / delete", () => {
  const p = "stor-basic";

  it("puts an object and describes it like R2", async () => {
    const before = Date.now();
    const put = await ok(p, "put", "notes/hello.txt", "hello world");
    expect(put).toMatchObject({ key: "notes/hello.txt", size: 11, uploadedIsDate: true, hasBody: false });
    expect(put?.etag).toMatch(/^[0-9a-f]{32}$/);
    expect(put?.httpEtag).toBe(`"${put?.etag}"`);
    expect(put?.version).toBeTruthy();
    expect(put?.uploaded).toBeGreaterThanOrEqual(before - 1000);
    const head = await ok(p, "head", "notes/hello.txt");
    // R2's head reports the whole object as its range; put reports none.
    expect(head).toEqual({ ...put, range: { offset: 0, length: 11 } });
  });

  it("reads the body as text, json, arrayBuffer, bytes and blob, once", async () => {
    await ok(p, "put", "data.json", '{"a":[1,2]}', { httpMetadata: { contentType: "application/json" } });
    const asText = await read(p, "data.json", "text");
    expect(asText).toMatchObject({ key: "data.json", hasBody: true, value: '{"a":[1,2]}', usedBefore: false, usedAfter: true });
    expect(asText?.second).toMatch(/already been read/);
    expect((await read(p, "data.json", "json"))?.value).toEqual({ a: [1, 2] });
    expect((await read(p, "data.json", "arrayBuffer"))?.value).toEqual([...new TextEncoder().encode('{"a":[1,2]}')]);
    expect((await read(p, "data.json", "bytes"))?.value).toEqual([...new TextEncoder().encode('{"a":[1,2]}')]);
    expect((await read(p, "data.json", "blob"))?.value).toEqual({ type: "application/json", text: '{"a":[1,2]}' });
  });

  it("stores every value type byte for byte", async () => {
    const cases: [string, unknown, number[]][] = [
      ["v/bytes", { $bytes: [0, 1, 255] }, [0, 1, 255]],
      ["v/buffer", { $buffer: [7, 8] }, [7, 8]],
      ["v/view", { $view: [4, 5, 6] }, [4, 5, 6]],
      ["v/stream", { $stream: ["ab", "cd"] }, [97, 98, 99, 100]],
      ["v/blob", { $blob: "blob!" }, [...new TextEncoder().encode("blob!")]],
      ["v/null", null, []],
      ["v/empty", "", []],
    ];
    for (const [key, value, bytes] of cases) {
      const put = await ok(p, "put", key, value);
      expect(put?.size, key).toBe(bytes.length);
      expect((await read(p, key, "arrayBuffer"))?.value, key).toEqual(bytes);
    }
  });

  it("returns null for a missing object from get and head", async () => {
    expect(await ok(p, "get", "nope")).toBeNull();
    expect(await ok(p, "head", "nope")).toBeNull();
  });

  it("keeps custom and http metadata, and writes http metadata to headers", async () => {
    const httpMetadata = {
      contentType: "text/markdown; charset=utf-8",
      contentLanguage: "pt-BR",
      contentDisposition: 'attachment; filename="readme.md"',
      cacheControl: "public, max-age=60",
    };
    const cacheExpiry = "2030-01-02T03:04:05.000Z";
    const customMetadata = { owner: "ana", "x-trace": "abc123" };
    const put = await ok(p, "put", "readme.md", "# hi", { httpMetadata: { ...httpMetadata, cacheExpiry: { $date: cacheExpiry } }, customMetadata });
    expect(put).toMatchObject({ httpMetadata: { ...httpMetadata, cacheExpiry }, customMetadata });
    expect(await ok(p, "head", "readme.md")).toMatchObject({ httpMetadata: { ...httpMetadata, cacheExpiry }, customMetadata });

    const res = await platform.request(p, "/download/readme.md");
    expect(res.headers.get("content-type")).toBe(httpMetadata.contentType);
    expect(res.headers.get("content-language")).toBe("pt-BR");
    expect(res.headers.get("content-disposition")).toBe(httpMetadata.contentDisposition);
    expect(res.headers.get("cache-control")).toBe(httpMetadata.cacheControl);
    expect(res.headers.get("expires")).toBe(new Date(cacheExpiry).toUTCString());
    expect(res.headers.get("etag")).toBe(put?.httpEtag);
    expect(await res.text()).toBe("# hi");

    // http metadata may also be given as Headers, as with R2.
    const fromHeaders = await ok(p, "put", "page.html", "<p>", { httpMetadata: { $headers: { "content-type": "text/html", "cache-control": "no-store" } } });
    expect(fromHeaders?.httpMetadata).toMatchObject({ contentType: "text/html", cacheControl: "no-store" });
  });

  it("reads ranges given as objects or a Range header", async () => {
    await ok(p, "put", "alphabet", "abcdefghijklmnopqrstuvwxyz");
    expect(await read(p, "alphabet", "text", { range: { offset: 2, length: 3 } })).toMatchObject({ value: "cde", range: { offset: 2, length: 3 } });
    expect((await read(p, "alphabet", "text", { range: { offset: 23 } }))?.value).toBe("xyz");
    expect((await read(p, "alphabet", "text", { range: { suffix: 2 } }))?.value).toBe("yz");
    expect((await read(p, "alphabet", "text", { range: { $headers: { range: "bytes=1-3" } } }))?.value).toBe("bcd");
    expect((await read(p, "alphabet", "text", { range: { $headers: { range: "bytes=-4" } } }))?.value).toBe("wxyz");
  });

  it("honours onlyIf: a failed condition returns the object without a body", async () => {
    const put = await ok(p, "put", "cond", "conditional");
    expect(await read(p, "cond", "text", { onlyIf: { etagMatches: put?.etag } })).toMatchObject({ hasBody: true, value: "conditional" });
    expect(await read(p, "cond", "text", { onlyIf: { etagMatches: "0".repeat(32) } })).toMatchObject({ key: "cond", hasBody: false });
    expect(await read(p, "cond", "text", { onlyIf: { etagDoesNotMatch: put?.etag } })).toMatchObject({ hasBody: false });
    expect(await read(p, "cond", "text", { onlyIf: { $headers: { "if-none-match": put?.httpEtag } } })).toMatchObject({ hasBody: false });
    expect(await read(p, "cond", "text", { onlyIf: { $headers: { "if-match": put?.httpEtag } } })).toMatchObject({ hasBody: true });
  });

  it("deletes one key or many", async () => {
    for (const key of ["d/1", "d/2", "d/3", "d/4"]) await ok(p, "put", key, key);
    await ok(p, "delete", "d/1");
    expect(await ok(p, "head", "d/1")).toBeNull();
    await ok(p, "delete", ["d/2", "d/3", "d/never"]);
    expect(await ok(p, "head", "d/2")).toBeNull();
    expect(await ok(p, "head", "d/3")).toBeNull();
    expect(await ok(p, "head", "d/4")).not.toBeNull();
    await ok(p, "delete", []);
  });
});

describe("STORAGE list", () => {
  const p = "stor-list";
  const keys = ["docs/e.txt", "photos/2024/a.jpg", "photos/2024/b.jpg", "photos/2025/c.jpg", "photos/d.jpg", "photos/é.jpg"];

  beforeAll(async () => {
    for (const key of keys) await ok(p, "put", key, key, { customMetadata: { name: key }, httpMetadata: { contentType: "image/jpeg" } });
  });

  it("lists all objects in key order with user keys", async () => {
    const listed = await ok<Listed>(p, "list");
    expect(listed.objects.map((o) => o.key)).toEqual(keys);
    expect(listed.truncated).toBe(false);
    expect(listed.cursor).toBeUndefined();
    expect(listed.delimitedPrefixes).toEqual([]);
    expect(listed.objects[0]).toMatchObject({ key: "docs/e.txt", size: "docs/e.txt".length, uploadedIsDate: true });
  });

  it("groups by delimiter under a prefix", async () => {
    const listed = await ok<Listed>(p, "list", { prefix: "photos/", delimiter: "/" });
    expect(listed.objects.map((o) => o.key)).toEqual(["photos/d.jpg", "photos/é.jpg"]);
    expect(listed.delimitedPrefixes).toEqual(["photos/2024/", "photos/2025/"]);
    const top = await ok<Listed>(p, "list", { delimiter: "/" });
    expect(top.objects).toEqual([]);
    expect(top.delimitedPrefixes).toEqual(["docs/", "photos/"]);
  });

  it("pages with limit and cursor, and honours startAfter", async () => {
    const seen: string[] = [];
    const truncations: boolean[] = [];
    let cursor: string | undefined;
    do {
      const page: Listed = await ok<Listed>(p, "list", { limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.objects.length).toBeLessThanOrEqual(2);
      seen.push(...page.objects.map((o) => o.key));
      truncations.push(page.truncated);
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toEqual(keys);
    expect(truncations.at(-1)).toBe(false);
    expect(truncations.slice(0, -1).every(Boolean)).toBe(true);
    const after = await ok<Listed>(p, "list", { startAfter: "photos/2025/c.jpg" });
    expect(after.objects.map((o) => o.key)).toEqual(["photos/d.jpg", "photos/é.jpg"]);
  });

  it("includes metadata when asked", async () => {
    const withMeta = await ok<Listed>(p, "list", { prefix: "docs/", include: ["customMetadata", "httpMetadata"] });
    expect(withMeta.objects[0]).toMatchObject({ customMetadata: { name: "docs/e.txt" }, httpMetadata: { contentType: "image/jpeg" } });
  });

  it("rejects a bad limit or include", async () => {
    expect(await fails(p, "list", { limit: 0 })).toMatch(/limit must be an integer from 1 to 1000, got number 0/);
    expect(await fails(p, "list", { limit: 5000 })).toMatch(/limit must be an integer from 1 to 1000/);
    expect(await fails(p, "list", { include: ["everything"] })).toMatch(/include must be an array of "httpMetadata" and\/or "customMetadata"/);
  });
});

describe("STORAGE streaming", () => {
  const p = "stor-stream";

  async function roundTrip(key: string, size: number): Promise<void> {
    const payload = randomBytes(size);
    const up = await platform.request(p, `/upload/${key}`, { method: "PUT", body: payload, headers: { "content-type": "application/octet-stream" } });
    const uploaded = (await up.json()) as Outcome;
    expect(uploaded.error).toBeUndefined();
    expect(uploaded.result).toMatchObject({ key, size, httpMetadata: { contentType: "application/octet-stream" } });
    expect((await ok(p, "head", key))?.size).toBe(size);

    const down = await platform.request(p, `/download/${key}`);
    expect(down.status).toBe(200);
    expect(down.headers.get("content-type")).toBe("application/octet-stream");
    const body = Buffer.from(await down.arrayBuffer());
    expect(body.length).toBe(size);
    expect(body.equals(payload)).toBe(true);
  }

  it("streams a 5 MB request body into STORAGE and back out as a response", async () => {
    await roundTrip("upload-5mb.bin", 5_000_000);
  });

  it("streams a 20 MB body, stored as a multipart upload with bounded memory", async () => {
    await roundTrip("upload-20mb.bin", 20_000_000);
    // Parts of 8 MiB: three of them, which R2 reports in the etag.
    expect((await ok(p, "head", "upload-20mb.bin"))?.etag).toMatch(/-3$/);
  });

  it("puts an in-memory value larger than an RPC message (32 MiB) by streaming it", async () => {
    const size = 34 * 1024 * 1024;
    expect(await post(p, "/big", { key: "in-memory-34mib.bin", size })).toEqual({ result: { size, readSize: size, same: true } });
  });

  it("stores a body of exactly one part with a single put", async () => {
    await roundTrip("exact-part.bin", 8 * 1024 * 1024);
    expect((await ok(p, "head", "exact-part.bin"))?.etag).toMatch(/^[0-9a-f]{32}$/);
  });

  it("checks onlyIf and checksums on a stream long enough to be stored in parts", async () => {
    // Over one 8 MiB part, so the put is a multipart upload, which R2 gives neither conditions nor checksums.
    const text = "z".repeat(9 * 1024 * 1024);
    const sha256 = createHash("sha256").update(text).digest("hex");
    const first = await ok(p, "put", "long.txt", { $stream: [text] }, { sha256 });
    expect(first).toMatchObject({ size: text.length });
    expect(first?.etag).toMatch(/-2$/);
    expect(await fails(p, "put", "long.txt", { $stream: [text] }, { sha256: sha256.replace(/^./, (c) => (c === "0" ? "1" : "0")) })).toMatch(/SHA-256 checksum you specified did not match/);
    // A failed condition stores nothing and answers null, as a single put does.
    expect(await ok(p, "put", "long.txt", { $stream: [text] }, { onlyIf: { etagMatches: "0".repeat(32) } })).toBeNull();
    expect(await ok(p, "put", "long.txt", { $stream: [text] }, { onlyIf: { etagMatches: first?.etag } })).toMatchObject({ size: text.length });
    expect(await ok(p, "put", "absent.txt", { $stream: [text] }, { onlyIf: { etagMatches: first?.etag } })).toBeNull();
    expect(await ok(p, "head", "absent.txt")).toBeNull();
  });
});

describe("STORAGE input errors", () => {
  const p = "stor-errors";

  it("rejects bad keys, values and metadata, and says why", async () => {
    expect(await fails(p, "put", "", "v")).toMatch(/STORAGE.put: the key must not be empty/);
    expect(await fails(p, "get", 7)).toMatch(/STORAGE.get: the key must be a string, got number 7/);
    // The project root "stor-errors/" (12 bytes) comes out of R2's 1024-byte limit.
    expect(await fails(p, "put", "k".repeat(1013), "v")).toMatch(/the key is 1013 bytes of UTF-8; keys in this project are at most 1012 bytes/);
    await ok(p, "put", "k".repeat(1012), "longest key");
    expect((await read(p, "k".repeat(1012), "text"))?.value).toBe("longest key");
    expect(await fails(p, "put", "k", 5)).toMatch(/value must be a string, ArrayBuffer, ArrayBufferView, ReadableStream, Blob or null, got number 5/);
    // Not an error: R2 coerces custom metadata values to strings.
    expect((await ok(p, "put", "k", "v", { customMetadata: { n: 1 } }))?.customMetadata).toEqual({ n: "1" });
    expect(await fails(p, "delete", Array.from({ length: 1001 }, (_, i) => `k${i}`))).toMatch(/at most 1000 keys per call, got 1001/);
    expect(await fails(p, "delete", ["ok", ""])).toMatch(/the key must not be empty/);
    expect(await fails(p, "head", "bad\uDC00")).toMatch(/unpaired UTF-16 surrogate/);
  });
});

describe("STORAGE isolation between projects", () => {
  const a = "stor-a";
  const b = "stor-b";

  beforeAll(async () => {
    await ok(a, "put", "shared.txt", "from a");
    await ok(a, "put", "secret", "a's secret", { customMetadata: { owner: "a" } });
    await ok(a, "put", "x", "a's x");
    await ok(b, "put", "shared.txt", "from b");
  });

  it("gives each project its own object under the same key", async () => {
    expect((await read(a, "shared.txt", "text"))?.value).toBe("from a");
    expect((await read(b, "shared.txt", "text"))?.value).toBe("from b");
    expect((await ok(b, "head", "shared.txt"))?.size).toBe("from b".length);
  });

  it("never lists another project's objects or prefixes", async () => {
    const listed = await ok<Listed>(b, "list");
    expect(listed.objects.map((o) => o.key)).toEqual(["shared.txt"]);
    expect((await ok<Listed>(b, "list", { prefix: "secret" })).objects).toEqual([]);
    expect((await ok<Listed>(b, "list", { delimiter: "/" })).delimitedPrefixes).toEqual([]);
    expect((await ok<Listed>(b, "list", { prefix: "../" })).objects).toEqual([]);
    expect((await ok<Listed>(b, "list", { startAfter: "" })).objects.map((o) => o.key)).toEqual(["shared.txt"]);
  });

  it("cannot name another project's object by any key string", async () => {
    const attempts = ["../stor-a/secret", "/stor-a/secret", "stor-a/secret", "../../stor-a/secret", "./../stor-a/secret", "..\\stor-a\\secret", "%2e%2e/stor-a/secret", "/../stor-a/secret", "//stor-a/secret"];
    for (const key of attempts) {
      expect(await ok(b, "get", key), key).toBeNull();
      expect(await ok(b, "head", key), key).toBeNull();
    }
    await ok(b, "delete", attempts);
    expect((await read(a, "secret", "text"))?.value).toBe("a's secret");
  });

  it("keeps a traversal-looking key written by b inside b", async () => {
    await ok(b, "put", "../stor-a/x", "b's dots");
    await ok(b, "put", "/stor-a/x", "b's slash");
    expect((await read(a, "x", "text"))?.value).toBe("a's x");
    expect((await read(b, "../stor-a/x", "text"))?.value).toBe("b's dots");
    expect((await read(b, "/stor-a/x", "text"))?.value).toBe("b's slash");
    expect((await ok<Listed>(a, "list")).objects.map((o) => o.key)).toEqual(["secret", "shared.txt", "x"]);
    expect((await ok<Listed>(b, "list")).objects.map((o) => o.key)).toEqual(["../stor-a/x", "/stor-a/x", "shared.txt"]);
    expect((await ok<Listed>(b, "list", { delimiter: "/" })).delimitedPrefixes).toEqual(["../", "/"]);
  });
});
