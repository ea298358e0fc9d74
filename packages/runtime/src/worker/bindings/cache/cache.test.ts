/** CACHE binding end to end: user code in a loaded isolate calling env.CACHE on a real platform (workerd via Miniflare). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPlatform, type TestPlatform } from "../../../host/testing";

/**
 * User code that runs one CACHE call per request. Arguments travel as JSON, with tagged objects for what JSON cannot
 * carry ({$bytes}, {$view}, {$buffer}, {$stream}, {$undefined}); results come back as JSON the same way.
 */
const DRIVER = String.raw`
function decodeArg(arg) {
  if (arg && typeof arg === "object") {
    if ("$bytes" in arg) return new Uint8Array(arg.$bytes);
    if ("$buffer" in arg) return new Uint8Array(arg.$buffer).buffer;
    if ("$view" in arg) {
      // The view's bytes sit in the middle of a larger buffer, so only they must be stored.
      const backing = new Uint8Array(arg.$view.length + 8).fill(0xee);
      backing.set(arg.$view, 4);
      return new Uint8Array(backing.buffer, 4, arg.$view.length);
    }
    if ("$stream" in arg) {
      const parts = arg.$stream;
      return new ReadableStream({ start(c) { for (const p of parts) c.enqueue(new TextEncoder().encode(p)); c.close(); } });
    }
    if ("$undefined" in arg) return undefined;
  }
  return arg;
}
async function encodeResult(value) {
  if (value instanceof ArrayBuffer) return { $arrayBuffer: Array.from(new Uint8Array(value)) };
  if (value instanceof ReadableStream) return { $stream: await new Response(value).text() };
  if (value && typeof value === "object" && "value" in value && "metadata" in value) {
    return { value: await encodeResult(value.value), metadata: value.metadata };
  }
  return value === undefined ? null : value;
}
async function sha256(bytes) {
  return Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const input = request.method === "POST" ? await request.json() : {};
    try {
      if (url.pathname === "/call") {
        const result = await env.CACHE[input.method](...input.args.map(decodeArg));
        return Response.json({ result: await encodeResult(result) });
      }
      if (url.pathname === "/big") {
        const value = new Uint8Array(input.size);
        for (let i = 0; i < value.length; i++) value[i] = (i * 31 + (i >> 13)) & 0xff;
        await env.CACHE.put(input.key, value);
        const back = await env.CACHE.get(input.key, "arrayBuffer");
        return Response.json({ result: { size: back.byteLength, same: (await sha256(value)) === (await sha256(back)) } });
      }
      return new Response("no route", { status: 404 });
    } catch (err) {
      return Response.json({ error: { name: err.name, message: err.message } });
    }
  },
};
`;

type Outcome = { result?: unknown; error?: { name: string; message: string } };

let platform: TestPlatform;
const PROJECTS = ["cache-basic", "cache-ttl", "cache-list", "cache-count", "cache-errors", "cache-a", "cache-b"];

beforeAll(async () => {
  // Expiry is watched with 1-second TTLs; the default (Workers KV's 60 s minimum) is the parity suite's.
  platform = await createTestPlatform({ cacheMinTtlSeconds: 1 });
  for (const project of PROJECTS) await platform.deployScript(project, DRIVER);
});
afterAll(() => platform?.dispose());

async function call(project: string, method: string, ...args: unknown[]): Promise<Outcome> {
  const res = await platform.request(project, "/call", { method: "POST", body: JSON.stringify({ method, args }) });
  expect(res.status).toBe(200);
  return (await res.json()) as Outcome;
}

/** The call's result; fails the test with the binding's error if it threw. */
async function ok(project: string, method: string, ...args: unknown[]): Promise<unknown> {
  const outcome = await call(project, method, ...args);
  if (outcome.error) throw new Error(`${method} failed: ${outcome.error.name}: ${outcome.error.message}`);
  return outcome.result;
}

/** The error message of a call that must fail. */
async function fails(project: string, method: string, ...args: unknown[]): Promise<string> {
  const outcome = await call(project, method, ...args);
  expect(outcome.error, `${method}(${JSON.stringify(args)}) should have failed`).toBeDefined();
  return outcome.error?.message ?? "";
}

describe("CACHE get / put / delete", () => {
  const p = "cache-basic";

  it("reads a value back as text, json, arrayBuffer and stream", async () => {
    await ok(p, "put", "doc", JSON.stringify({ hello: "wörld", n: 1 }));
    expect(await ok(p, "get", "doc")).toBe('{"hello":"wörld","n":1}');
    expect(await ok(p, "get", "doc", "text")).toBe('{"hello":"wörld","n":1}');
    expect(await ok(p, "get", "doc", { type: "text" })).toBe('{"hello":"wörld","n":1}');
    expect(await ok(p, "get", "doc", "json")).toEqual({ hello: "wörld", n: 1 });
    expect(await ok(p, "get", "doc", { type: "json", cacheTtl: 60 })).toEqual({ hello: "wörld", n: 1 });
    const bytes = [...new TextEncoder().encode('{"hello":"wörld","n":1}')];
    expect(await ok(p, "get", "doc", "arrayBuffer")).toEqual({ $arrayBuffer: bytes });
    expect(await ok(p, "get", "doc", { type: "stream" })).toEqual({ $stream: '{"hello":"wörld","n":1}' });
  });

  it("returns null for an absent key in every type, and after delete", async () => {
    for (const type of ["text", "json", "arrayBuffer", "stream"]) expect(await ok(p, "get", "missing", type)).toBeNull();
    expect(await ok(p, "getWithMetadata", "missing")).toEqual({ value: null, metadata: null });
    await ok(p, "put", "gone", "soon");
    expect(await ok(p, "get", "gone")).toBe("soon");
    await ok(p, "delete", "gone");
    expect(await ok(p, "get", "gone")).toBeNull();
    await ok(p, "delete", "never-existed");
  });

  it("stores strings, ArrayBuffers, views (only the viewed bytes) and streams byte for byte", async () => {
    await ok(p, "put", "bytes", { $bytes: [0, 1, 2, 254, 255] });
    expect(await ok(p, "get", "bytes", "arrayBuffer")).toEqual({ $arrayBuffer: [0, 1, 2, 254, 255] });
    await ok(p, "put", "buffer", { $buffer: [9, 8, 7] });
    expect(await ok(p, "get", "buffer", "arrayBuffer")).toEqual({ $arrayBuffer: [9, 8, 7] });
    await ok(p, "put", "view", { $view: [1, 2, 3] });
    expect(await ok(p, "get", "view", "arrayBuffer")).toEqual({ $arrayBuffer: [1, 2, 3] });
    await ok(p, "put", "stream", { $stream: ["chunk one, ", "chunk two, ", "ünïcode"] });
    expect(await ok(p, "get", "stream")).toBe("chunk one, chunk two, ünïcode");
    await ok(p, "put", "empty", "");
    expect(await ok(p, "get", "empty")).toBe("");
    await ok(p, "put", "bom", "\uFEFFstarts with a BOM");
    expect(await ok(p, "get", "bom")).toBe("\uFEFFstarts with a BOM");
  });

  it("overwrites a value and its metadata on put", async () => {
    await ok(p, "put", "over", "one", { metadata: { v: 1 } });
    await ok(p, "put", "over", "two");
    expect(await ok(p, "getWithMetadata", "over")).toEqual({ value: "two", metadata: null });
  });

  it("keeps metadata and returns it with every value type and in list", async () => {
    const metadata = { owner: "ana", tags: ["x", "y"], size: 3, nested: { ok: true } };
    await ok(p, "put", "meta:1", "[1,2,3]", { metadata });
    expect(await ok(p, "getWithMetadata", "meta:1")).toEqual({ value: "[1,2,3]", metadata });
    expect(await ok(p, "getWithMetadata", "meta:1", "json")).toEqual({ value: [1, 2, 3], metadata });
    expect(await ok(p, "getWithMetadata", "meta:1", { type: "arrayBuffer" })).toEqual({
      value: { $arrayBuffer: [...new TextEncoder().encode("[1,2,3]")] },
      metadata,
    });
    expect(await ok(p, "getWithMetadata", "meta:1", "stream")).toEqual({ value: { $stream: "[1,2,3]" }, metadata });
    await ok(p, "put", "meta:2", "plain");
    expect(await ok(p, "list", { prefix: "meta:" })).toEqual({
      keys: [{ name: "meta:1", metadata }, { name: "meta:2" }],
      list_complete: true,
      cacheStatus: null,
    });
    await ok(p, "put", "meta:scalar", "v", { metadata: "just a string" });
    expect(await ok(p, "getWithMetadata", "meta:scalar")).toEqual({ value: "v", metadata: "just a string" });
  });

  it("stores a value over SQLite's row limit in chunks, and accepts exactly 25 MiB", async () => {
    const call3 = await platform.request(p, "/big", { method: "POST", body: JSON.stringify({ key: "big3", size: 3 * 1024 * 1024 + 17 }) });
    expect(await call3.json()).toEqual({ result: { size: 3 * 1024 * 1024 + 17, same: true } });
    const call25 = await platform.request(p, "/big", { method: "POST", body: JSON.stringify({ key: "big25", size: 25 * 1024 * 1024 }) });
    expect(await call25.json()).toEqual({ result: { size: 25 * 1024 * 1024, same: true } });
    // Overwriting a chunked value with a small one leaves no stale chunks behind in what is read.
    await ok(p, "put", "big3", "small now");
    expect(await ok(p, "get", "big3")).toBe("small now");
  });
});

describe("CACHE expiry", () => {
  const p = "cache-ttl";

  it("expires a key after expirationTtl: absent from get, getWithMetadata and list", async () => {
    await ok(p, "put", "ttl:short", "brief", { expirationTtl: 1, metadata: { m: 1 } });
    await ok(p, "put", "ttl:keep", "stays");
    const before = Math.floor(Date.now() / 1000);
    expect(await ok(p, "get", "ttl:short")).toBe("brief");
    const listed = (await ok(p, "list", { prefix: "ttl:" })) as { keys: { name: string; expiration?: number }[] };
    expect(listed.keys.map((k) => k.name)).toEqual(["ttl:keep", "ttl:short"]);
    const expiration = listed.keys[1]?.expiration ?? 0;
    expect(expiration).toBeGreaterThanOrEqual(before);
    expect(expiration).toBeLessThanOrEqual(before + 2);
    expect(listed.keys[0]).toEqual({ name: "ttl:keep" });

    // Waits for the expiry itself, not a guessed time: the binding reads the clock in workerd, which a test cannot set.
    await expect.poll(() => ok(p, "get", "ttl:short"), { timeout: 4000, interval: 100 }).toBeNull();
    expect(await ok(p, "getWithMetadata", "ttl:short")).toEqual({ value: null, metadata: null });
    expect(await ok(p, "list", { prefix: "ttl:" })).toEqual({ keys: [{ name: "ttl:keep" }], list_complete: true, cacheStatus: null });
    expect(await ok(p, "get", "ttl:keep")).toBe("stays");
  });

  it("expires a key at an absolute expiration, and lists that expiration", async () => {
    const at = Math.ceil(Date.now() / 1000) + 1;
    await ok(p, "put", "abs", "until then", { expiration: at });
    expect(await ok(p, "list", { prefix: "abs" })).toEqual({ keys: [{ name: "abs", expiration: at }], list_complete: true, cacheStatus: null });
    expect(await ok(p, "get", "abs")).toBe("until then");
    await expect.poll(() => ok(p, "get", "abs"), { timeout: 4000, interval: 200 }).toBeNull();
    expect(await ok(p, "list", { prefix: "abs" })).toEqual({ keys: [], list_complete: true, cacheStatus: null });
  });

  it("a put without a TTL makes an expiring key permanent again", async () => {
    await ok(p, "put", "renewed", "v1", { expirationTtl: 1 });
    await ok(p, "put", "renewed", "v2");
    // No expiration is listed any more: nothing to wait for (the expiry tests show the listed expiration governs).
    expect(await ok(p, "list", { prefix: "renewed" })).toEqual({ keys: [{ name: "renewed" }], list_complete: true, cacheStatus: null });
    expect(await ok(p, "get", "renewed")).toBe("v2");
  });

  it("an expired key can be written again", async () => {
    await ok(p, "put", "again", "first", { expirationTtl: 1 });
    await expect.poll(() => ok(p, "get", "again"), { timeout: 4000, interval: 100 }).toBeNull();
    await ok(p, "put", "again", "second");
    expect(await ok(p, "get", "again")).toBe("second");
  });
});

describe("CACHE list", () => {
  const p = "cache-list";

  beforeAll(async () => {
    // Written out of order: list must sort by key.
    const names = Array.from({ length: 25 }, (_, i) => `item:${String(i).padStart(2, "0")}`).reverse();
    await Promise.all(names.map((name, i) => ok(p, "put", name, `v${i}`)));
    await ok(p, "put", "itex", "after the prefix");
    await ok(p, "put", "ite", "before the prefix");
    await ok(p, "put", "other", "x");
  });

  it("pages through 25 keys with limit 10 and a cursor, in key order", async () => {
    type Page = { keys: { name: string }[]; list_complete: boolean; cursor?: string };
    const seen: string[] = [];
    const pages: Page[] = [];
    let cursor: string | undefined;
    do {
      const page = (await ok(p, "list", { prefix: "item:", limit: 10, ...(cursor ? { cursor } : {}) })) as Page;
      pages.push(page);
      seen.push(...page.keys.map((k) => k.name));
      cursor = page.cursor;
    } while (cursor);
    expect(pages.map((page) => page.keys.length)).toEqual([10, 10, 5]);
    expect(pages.map((page) => page.list_complete)).toEqual([false, false, true]);
    expect(pages[2]?.cursor).toBeUndefined();
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `item:${String(i).padStart(2, "0")}`));
  });

  it("lists everything by default, sorted, and nothing for an unmatched prefix", async () => {
    const all = (await ok(p, "list")) as { keys: { name: string }[]; list_complete: boolean };
    expect(all.list_complete).toBe(true);
    expect(all.keys).toHaveLength(28);
    // Byte order: a key sorts before every longer key it is a prefix of.
    expect(all.keys.slice(0, 3).map((k) => k.name)).toEqual(["ite", "item:00", "item:01"]);
    expect(all.keys.slice(-3).map((k) => k.name)).toEqual(["item:24", "itex", "other"]);
    expect(await ok(p, "list", { prefix: "nope" })).toEqual({ keys: [], list_complete: true, cacheStatus: null });
    expect(await ok(p, "list", { prefix: "ite", limit: 1000 })).toMatchObject({ list_complete: true });
    expect(((await ok(p, "list", { prefix: "ite" })) as { keys: unknown[] }).keys).toHaveLength(27);
  });

  it("matches prefixes exactly, including non-ASCII ones", async () => {
    await ok(p, "put", "ünï:1", "a");
    await ok(p, "put", "ünï:2", "b");
    await ok(p, "put", "ünj", "c");
    expect(await ok(p, "list", { prefix: "ünï" })).toEqual({ keys: [{ name: "ünï:1" }, { name: "ünï:2" }], list_complete: true, cacheStatus: null });
  });

  it("rejects a bad limit or cursor", async () => {
    expect(await fails(p, "list", { limit: 0 })).toMatch(/limit must be an integer from 1 to 1000, got number 0/);
    expect(await fails(p, "list", { limit: 1001 })).toMatch(/limit must be an integer from 1 to 1000/);
    expect(await fails(p, "list", { limit: 2.5 })).toMatch(/limit must be an integer/);
    expect(await fails(p, "list", { cursor: "%%%not-a-cursor" })).toMatch(/cursor .* was not returned by list\(\)/);
  });
});

describe("CACHE increment", () => {
  const p = "cache-count";

  it("creates at 0, adds by, stores the number as text", async () => {
    expect(await ok(p, "increment", "visits")).toBe(1);
    expect(await ok(p, "increment", "visits", 5)).toBe(6);
    expect(await ok(p, "increment", "visits", -10)).toBe(-4);
    expect(await ok(p, "get", "visits")).toBe("-4");
    expect(await ok(p, "get", "visits", "json")).toBe(-4);
    await ok(p, "put", "preset", "41");
    expect(await ok(p, "increment", "preset")).toBe(42);
  });

  it("counts every one of 50 concurrent increments exactly once", async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => ok(p, "increment", "hits")));
    expect([...(results as number[])].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(await ok(p, "get", "hits")).toBe("50");
  });

  it("keeps the key's TTL and metadata", async () => {
    await ok(p, "put", "window", "10", { expirationTtl: 1, metadata: { kind: "rate" } });
    const before = (await ok(p, "list", { prefix: "window" })) as { keys: { expiration: number }[] };
    expect(await ok(p, "increment", "window", 2)).toBe(12);
    expect(await ok(p, "list", { prefix: "window" })).toEqual({
      keys: [{ name: "window", expiration: before.keys[0]?.expiration, metadata: { kind: "rate" } }],
      list_complete: true,
      cacheStatus: null,
    });
    await expect.poll(() => ok(p, "get", "window"), { timeout: 4000, interval: 100 }).toBeNull();
    // An expired counter starts again from 0, without the old TTL.
    expect(await ok(p, "increment", "window")).toBe(1);
    expect(await ok(p, "list", { prefix: "window" })).toEqual({ keys: [{ name: "window" }], list_complete: true, cacheStatus: null });
  });

  it("refuses to increment a value that is not an integer, and a bad step", async () => {
    await ok(p, "put", "word", "hello");
    expect(await fails(p, "increment", "word")).toMatch(/the value of "word" is "hello", not an integer/);
    await ok(p, "put", "decimal", "1.5");
    expect(await fails(p, "increment", "decimal")).toMatch(/not an integer/);
    await ok(p, "put", "long", "x".repeat(100));
    expect(await fails(p, "increment", "long")).toMatch(/a 100-byte value, not an integer/);
    expect(await ok(p, "get", "word")).toBe("hello");
    expect(await fails(p, "increment", "n", 1.5)).toMatch(/by must be a safe integer, got number 1.5/);
    expect(await fails(p, "increment", "n", "2")).toMatch(/by must be a safe integer, got "2"/);
    await ok(p, "put", "huge", String(Number.MAX_SAFE_INTEGER));
    expect(await fails(p, "increment", "huge")).toMatch(/outside the safe integer range/);
    expect(await ok(p, "get", "huge")).toBe(String(Number.MAX_SAFE_INTEGER));
  });
});

describe("CACHE input errors", () => {
  const p = "cache-errors";

  it("rejects bad keys and says why", async () => {
    expect(await fails(p, "put", "", "v")).toMatch(/CACHE.put: the key must not be empty/);
    expect(await fails(p, "get", 42)).toMatch(/CACHE.get: the key must be a string, got number 42/);
    expect(await fails(p, "put", "k".repeat(513), "v")).toMatch(/the key is 513 bytes of UTF-8; keys are at most 512 bytes/);
    // The limit counts UTF-8 bytes, not characters: 300 × "é" is 600 bytes.
    expect(await fails(p, "delete", "é".repeat(300))).toMatch(/600 bytes/);
    await ok(p, "put", "k".repeat(512), "max length key");
    expect(await ok(p, "get", "k".repeat(512))).toBe("max length key");
    expect(await fails(p, "put", "bad\uD800", "v")).toMatch(/unpaired UTF-16 surrogate/);
  });

  it("rejects bad values, types, TTLs and metadata", async () => {
    // Other primitives are stored as their strings, as Workers KV does; objects are refused.
    expect(await fails(p, "put", "k", { nested: true })).toMatch(/got Object; JSON.stringify objects first/);
    expect(await fails(p, "get", "k", "xml")).toMatch(/unknown type "xml"; use "text", "json", "arrayBuffer" or "stream"/);
    expect(await fails(p, "put", "k", "v", { expirationTtl: 0 })).toMatch(/expirationTtl must be at least 1 seconds, got number 0/);
    expect(await fails(p, "put", "k", "v", { expirationTtl: -5 })).toMatch(/at least 1 seconds/);
    expect(await fails(p, "put", "k", "v", { expirationTtl: "soon" })).toMatch(/expirationTtl must be at least 1 seconds, got "soon"/);
    expect(await fails(p, "put", "k", "v", { expiration: Math.floor(Date.now() / 1000) - 10 })).toMatch(/must be at least 1 seconds in the future/);
    expect(await fails(p, "put", "k", "v", { expiration: 9_999_999_999, expirationTtl: 60 })).toMatch(/not both/);
    expect(await fails(p, "put", "k", "v", { metadata: { blob: "x".repeat(1100) } })).toMatch(/metadata is 1111 bytes once serialised as JSON; the limit is 1024 bytes/);
    expect(await ok(p, "get", "k")).toBeNull();
  });

  it("rejects a value over 25 MiB before sending it", async () => {
    const res = await platform.request(p, "/big", { method: "POST", body: JSON.stringify({ key: "too-big", size: 25 * 1024 * 1024 + 1 }) });
    expect(((await res.json()) as Outcome).error?.message).toMatch(/the value is 26214401 bytes; values are at most 26214400 bytes/);
    expect(await ok(p, "get", "too-big")).toBeNull();
  });

  it("reads invalid JSON as a JSON error, like KV", async () => {
    await ok(p, "put", "notjson", "{oops");
    const outcome = await call(p, "get", "notjson", "json");
    expect(outcome.error?.name).toBe("SyntaxError");
  });
});

describe("CACHE isolation between projects", () => {
  it("gives each project its own keys, lists and counters", async () => {
    await ok("cache-a", "put", "shared", "from a", { metadata: { by: "a" } });
    await ok("cache-a", "put", "a-only", "secret of a");
    await ok("cache-b", "put", "shared", "from b");
    expect(await ok("cache-a", "getWithMetadata", "shared")).toEqual({ value: "from a", metadata: { by: "a" } });
    expect(await ok("cache-b", "getWithMetadata", "shared")).toEqual({ value: "from b", metadata: null });
    expect(await ok("cache-b", "get", "a-only")).toBeNull();

    expect(await ok("cache-b", "list")).toEqual({ keys: [{ name: "shared" }], list_complete: true, cacheStatus: null });
    expect(await ok("cache-b", "list", { prefix: "a-" })).toEqual({ keys: [], list_complete: true, cacheStatus: null });

    await ok("cache-a", "increment", "count", 10);
    expect(await ok("cache-b", "increment", "count")).toBe(1);
    expect(await ok("cache-a", "get", "count")).toBe("10");

    await ok("cache-b", "delete", "shared");
    expect(await ok("cache-a", "get", "shared")).toBe("from a");
  });
});
