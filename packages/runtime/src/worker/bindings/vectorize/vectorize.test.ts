/** VECTORIZE binding end to end: user code in a loaded isolate calling declared indexes on a real platform (workerd). */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPlatform, type TestPlatform } from "../../../host/testing";
import type { VectorizeSettings } from "../../../shared/protocol";
import { rng } from "./fixtures/random";
import { DRIVER, callBinding, randomVector as randomDriverVector, reference, type Matches, type Outcome } from "./fixtures/driver";

const DIMS = 32;
const N = 2000;

const randomVector = (next: () => number, dims = DIMS) => randomDriverVector(next, dims);

interface Item {
  id: string;
  values: number[];
  namespace?: string;
  metadata: { cat: string; n: number; nested: { even: boolean }; tag?: string };
}

function dataset(seed: number, count = N, dims = DIMS): Item[] {
  const next = rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const item: Item = {
      id: `v${i}`,
      values: randomVector(next, dims),
      metadata: { cat: ["x", "y", "z"][i % 3]!, n: i, nested: { even: i % 2 === 0 } },
    };
    if (i % 5 !== 0) item.metadata.tag = `t${i % 7}`;
    if (i % 4 === 1) item.namespace = "a";
    else if (i % 4 === 2) item.namespace = "b";
    return item;
  });
}

let platform: TestPlatform;

const REF_INDEXES: VectorizeSettings[] = [
  { binding: "COS", index: "ref-cos", dimensions: DIMS, metric: "cosine" },
  { binding: "EUC", index: "ref-euc", dimensions: DIMS, metric: "euclidean" },
  { binding: "DOT", index: "ref-dot", dimensions: DIMS, metric: "dot-product" },
  // Not a multiple of the kernels' unroll widths (8 and 4), so their tail loops are checked too.
  { binding: "COS37", index: "ref-cos-37", dimensions: 37, metric: "cosine" },
  { binding: "EUC37", index: "ref-euc-37", dimensions: 37, metric: "euclidean" },
];
const SMALL: VectorizeSettings[] = [{ binding: "VECTORIZE", index: "docs", dimensions: 4, metric: "cosine" }];

const call = (project: string, binding: string, method: string, ...args: unknown[]): Promise<Outcome> => callBinding(platform, project, binding, method, args);

async function ok<T = unknown>(project: string, binding: string, method: string, ...args: unknown[]): Promise<T> {
  const outcome = await call(project, binding, method, ...args);
  if (outcome.error) throw new Error(`${binding}.${method} failed: ${outcome.error.name}: ${outcome.error.message}`);
  return outcome.result as T;
}

async function fails(project: string, binding: string, method: string, ...args: unknown[]): Promise<string> {
  const outcome = await call(project, binding, method, ...args);
  expect(outcome.error, `${binding}.${method} should have failed`).toBeDefined();
  return outcome.error?.message ?? "";
}

async function insertAll(project: string, binding: string, items: Item[], method = "insert"): Promise<void> {
  for (let i = 0; i < items.length; i += 500) await ok(project, binding, method, items.slice(i, i + 500));
}

beforeAll(async () => {
  platform = await createTestPlatform();
  await platform.deployScript("vec-ref", DRIVER, { vectorize: REF_INDEXES });
  for (const project of ["vec-api", "vec-errors"]) await platform.deployScript(project, DRIVER, { vectorize: SMALL });
});
afterAll(() => platform?.dispose());

describe("VECTORIZE query results equal a brute-force reference", () => {
  const p = "vec-ref";
  const data = (dims: number) => dataset(42, N, dims);
  const queriesOf = (dims: number) => Array.from({ length: 8 }, (_, i) => randomVector(rng(1000 + i), dims));
  const queries = queriesOf(DIMS);
  const cases: { name: string; options: Record<string, unknown>; keep?: (item: Item) => boolean; topK: number }[] = [
    { name: "no filter", options: {}, topK: 5 },
    { name: "topK 100", options: { topK: 100 }, topK: 100 },
    { name: "namespace a", options: { topK: 10, namespace: "a" }, keep: (it) => it.namespace === "a", topK: 10 },
    { name: "implicit $eq", options: { topK: 10, filter: { cat: "x" } }, keep: (it) => it.metadata.cat === "x", topK: 10 },
    { name: "range", options: { topK: 10, filter: { n: { $gte: 500, $lt: 1500 } } }, keep: (it) => it.metadata.n >= 500 && it.metadata.n < 1500, topK: 10 },
    { name: "nested key", options: { topK: 10, filter: { "nested.even": true } }, keep: (it) => it.metadata.nested.even, topK: 10 },
    { name: "$in", options: { topK: 10, filter: { cat: { $in: ["y", "z"] } } }, keep: (it) => it.metadata.cat !== "x", topK: 10 },
    { name: "$nin (missing field matches)", options: { topK: 10, filter: { tag: { $nin: ["t1", "t2"] } } }, keep: (it) => it.metadata.tag !== "t1" && it.metadata.tag !== "t2", topK: 10 },
    { name: "$ne", options: { topK: 10, filter: { cat: { $ne: "y" } } }, keep: (it) => it.metadata.cat !== "y", topK: 10 },
    {
      name: "namespace + two fields + selective range",
      options: { topK: 10, namespace: "b", filter: { cat: "z", n: { $gt: 1900 } } },
      keep: (it) => it.namespace === "b" && it.metadata.cat === "z" && it.metadata.n > 1900,
      topK: 10,
    },
  ];

  beforeAll(async () => {
    for (const { binding, dimensions } of REF_INDEXES) await insertAll(p, binding, data(dimensions));
  }, 60_000);

  for (const { binding, metric, dimensions } of REF_INDEXES) {
    it(`${metric}, ${dimensions} dimensions: ids and scores for ${cases.length} option sets × ${queries.length} random queries`, async () => {
      const items = data(dimensions);
      for (const c of cases) {
        for (const query of queriesOf(dimensions)) {
          const got = await ok<Matches>(p, binding, "query", query, c.options);
          const want = reference(items, query, metric, c.topK, c.keep);
          expect(got.count, c.name).toBe(want.length);
          expect(got.matches.map((m) => m.id), c.name).toEqual(want.map((m) => m.id));
          got.matches.forEach((m, i) => expect(m.score, `${c.name} #${i}`).toBeCloseTo(want[i]!.score, 9));
        }
      }
    });
  }

  it("describe() counts every vector and names the index and metric", async () => {
    for (const { binding, index, metric, dimensions } of REF_INDEXES) {
      expect(await ok(p, binding, "describe")).toMatchObject({ name: index, dimensions, metric, vectorCount: N });
    }
  });

  it("queryById ranks like a query with the stored vector (itself first)", async () => {
    for (const { binding, metric, dimensions } of REF_INDEXES) {
      const items = data(dimensions);
      const got = await ok<Matches>(p, binding, "queryById", "v7", { topK: 10 });
      const want = reference(items, items[7]!.values, metric, 10);
      expect(got.matches.map((m) => m.id)).toEqual(want.map((m) => m.id));
      if (metric !== "dot-product") expect(got.matches[0]!.id).toBe("v7");
    }
  });

  it("a query reports the time spent in the Durable Object as a non-enumerable processingMs", async () => {
    const outcome = await call(p, "COS", "query", queries[0], { topK: 3 });
    expect(typeof outcome.processingMs).toBe("number");
    expect(Object.keys(outcome.result as object).sort()).toEqual(["count", "matches"]);
  });
});

describe("VECTORIZE values, metadata, namespaces", () => {
  const p = "vec-api";
  const B = "VECTORIZE";

  it("accepts number[], Float32Array and Float64Array values and returns values as float32 numbers", async () => {
    const mutation = await ok<{ mutationId: string; count: number; ids: string[] }>(p, B, "insert", [
      { id: "arr", values: [0.1, 0.2, 0.3, 0.4], metadata: { kind: "arr", deep: { level: 2 } }, namespace: "ns1" },
      { id: "f32", values: { $f32: [1, 0, 0, 0] }, metadata: { kind: "f32" } },
      { id: "f64", values: { $f64: [0, 1, 0, 0] } },
    ]);
    expect(mutation).toMatchObject({ count: 3, ids: ["arr", "f32", "f64"] });
    expect(mutation.mutationId).toMatch(/^[0-9a-f-]{36}$/);
    const got = await ok<{ id: string; values: number[]; namespace?: string; metadata?: unknown }[]>(p, B, "getByIds", ["f64", "missing", "arr", "f32"]);
    expect(got).toEqual([
      { id: "f64", values: [0, 1, 0, 0] },
      { id: "arr", values: [0.1, 0.2, 0.3, 0.4].map(Math.fround), namespace: "ns1", metadata: { kind: "arr", deep: { level: 2 } } },
      { id: "f32", values: [1, 0, 0, 0], metadata: { kind: "f32" } },
    ]);
  });

  it("returns values and metadata only when asked; namespace always when set", async () => {
    const plain = await ok<Matches>(p, B, "query", [0.1, 0.2, 0.3, 0.4], { topK: 1 });
    expect(plain.matches).toEqual([{ id: "arr", score: expect.closeTo(1, 6), namespace: "ns1" }]);
    for (const level of [true, "all", "indexed"]) {
      const full = await ok<Matches>(p, B, "query", [0.1, 0.2, 0.3, 0.4], { topK: 1, returnMetadata: level, returnValues: true });
      expect(full.matches[0]).toEqual({
        id: "arr",
        score: expect.closeTo(1, 6),
        namespace: "ns1",
        values: [0.1, 0.2, 0.3, 0.4].map(Math.fround),
        metadata: { kind: "arr", deep: { level: 2 } },
      });
    }
    for (const level of [false, "none"]) {
      const none = await ok<Matches>(p, B, "query", [0.1, 0.2, 0.3, 0.4], { topK: 1, returnMetadata: level });
      expect(none.matches[0]).not.toHaveProperty("metadata");
    }
    const inNs = await ok<Matches>(p, B, "query", [0, 1, 0, 0], { topK: 5, namespace: "ns1" });
    expect(inNs.matches.map((m) => m.id)).toEqual(["arr"]);
    expect(await ok(p, B, "query", [0, 1, 0, 0], { namespace: "nobody" })).toEqual({ matches: [], count: 0 });
  });

  it("insert refuses an existing id and writes nothing; upsert replaces values, namespace and metadata", async () => {
    const message = await fails(p, B, "insert", [
      { id: "fresh", values: [1, 1, 1, 1] },
      { id: "f32", values: [0, 0, 1, 0] },
    ]);
    expect(message).toContain('"f32" already exists in index "docs"');
    expect(message).toContain("upsert()");
    expect(await ok(p, B, "getByIds", ["fresh"])).toEqual([]);
    expect(await fails(p, B, "insert", [{ id: "d", values: [1, 0, 0, 0] }, { id: "d", values: [0, 1, 0, 0] }])).toContain('"d" appears twice');

    const up = await ok<{ count: number; ids: string[] }>(p, B, "upsert", [
      { id: "f32", values: [0, 0, 1, 0], namespace: "ns2", metadata: { kind: "replaced" } },
      { id: "dup", values: [1, 0, 0, 0] },
      { id: "dup", values: [0, 0, 0, 1], metadata: { last: true } },
    ]);
    expect(up).toMatchObject({ count: 2, ids: ["f32", "dup"] });
    expect(await ok(p, B, "getByIds", ["f32", "dup"])).toEqual([
      { id: "f32", values: [0, 0, 1, 0], namespace: "ns2", metadata: { kind: "replaced" } },
      { id: "dup", values: [0, 0, 0, 1], metadata: { last: true } },
    ]);
    const top = await ok<Matches>(p, B, "query", [0, 0, 1, 0], { topK: 1 });
    expect(top.matches[0]).toMatchObject({ id: "f32", namespace: "ns2" });
  });

  it("deleteByIds reports what it deleted; describe tracks count and the last mutation", async () => {
    const before = await ok<{ vectorCount: number }>(p, B, "describe");
    const deleted = await ok<{ mutationId: string; count: number; ids: string[] }>(p, B, "deleteByIds", ["dup", "nope", "dup"]);
    expect(deleted).toMatchObject({ count: 1, ids: ["dup"] });
    const info = await ok<Record<string, unknown>>(p, B, "describe");
    expect(info).toMatchObject({ name: "docs", dimensions: 4, metric: "cosine", vectorCount: before.vectorCount - 1, processedUpToMutation: deleted.mutationId });
    expect(typeof info.processedUpToDatetime).toBe("string");
    expect(await ok(p, B, "getByIds", ["dup"])).toEqual([]);
    const all = await ok<Matches>(p, B, "query", [0, 0, 0, 1], { topK: 100 });
    expect(all.matches.map((m) => m.id)).not.toContain("dup");
    expect(await ok(p, B, "queryById", "dup")).toEqual({ matches: [], count: 0 });
  });

  it("wraps only declared bindings and hides the binding descriptor", async () => {
    const res = await platform.request(p, "/keys");
    const body = (await res.json()) as { result: string[]; types: Record<string, string> };
    expect(body.result).toContain("VECTORIZE");
    expect(body.result.some((k) => k.startsWith("__AEROSTACK"))).toBe(false);
    expect(body.types.VECTORIZE).toBe("VectorizeIndex");
  });
});

describe("VECTORIZE errors name what was wrong", () => {
  const p = "vec-errors";
  const B = "VECTORIZE";
  const v = [1, 2, 3, 4];

  it("rejects vectors of the wrong dimension, non-finite values and bad types", async () => {
    expect(await fails(p, B, "insert", [{ id: "a", values: v }, { id: "b", values: [1, 2, 3] }])).toBe(
      'VECTORIZE.insert: vector 1 (id "b") has 3 values, but index "docs" has 4 dimensions',
    );
    expect(await fails(p, B, "query", [1, 2, 3, 4, 5])).toContain('the query vector has 5 values, but index "docs" has 4 dimensions');
    expect(await fails(p, B, "upsert", [{ id: "a", values: [1, { $nan: 1 }, 3, 4] }])).toContain("non-finite value at position 1: NaN");
    expect(await fails(p, B, "upsert", [{ id: "a", values: [1, 2, { $inf: -1 }, 4] }])).toContain("non-finite value at position 2: -Infinity");
    expect(await fails(p, B, "query", [1, 2, 3, 1e39])).toContain("outside the float32 range");
    // Typed arrays take a copy-then-check path; a bad value is still named by position.
    expect(await fails(p, B, "upsert", [{ id: "a", values: { $f32: [1, 2, 3, 4] } }, { id: "b", values: { $f32: [1, 2, 3, { $nan: 1 }] } }])).toContain(
      'vector 1 (id "b") has a non-finite value at position 3: NaN',
    );
    expect(await fails(p, B, "insert", [{ id: "a", values: { $f64: [1, 1e39, 3, 4] } }])).toContain("non-finite value at position 1: 1e+39, outside the float32 range");
    expect(await fails(p, B, "query", { $f64: [1, 2, 3, 1e39] })).toContain("non-finite value at position 3: 1e+39, outside the float32 range");
    expect(await fails(p, B, "upsert", [{ id: "a", values: [1, "2", 3, 4] }])).toContain('non-number at position 1: "2"');
    expect(await fails(p, B, "upsert", [{ id: "a", values: { $u8: [1, 2, 3, 4] } }])).toContain("must be an array of numbers, a Float32Array or a Float64Array, got Uint8Array");
    expect(await fails(p, B, "upsert", [{ values: v }])).toContain("vector 0 needs a string id");
    expect(await fails(p, B, "upsert", "nope")).toContain("expected an array of vectors");
  });

  it("enforces Cloudflare's limits on ids, namespaces, metadata and batch size", async () => {
    expect(await fails(p, B, "upsert", [{ id: "x".repeat(65), values: v }])).toContain("ids are at most 64 bytes");
    expect(await fails(p, B, "upsert", [{ id: "", values: v }])).toContain("must not be empty");
    expect(await fails(p, B, "upsert", [{ id: "a", values: v, namespace: "n".repeat(65) }])).toContain("namespaces are 1 to 64 bytes");
    expect(await fails(p, B, "upsert", [{ id: "a", values: v, metadata: { big: "x".repeat(10_240) } }])).toContain("the limit is 10240 bytes");
    expect(await fails(p, B, "upsert", [{ id: "a", values: v, metadata: { "a.b": 1 } }])).toContain('metadata key "a.b" is not allowed');
    expect(await fails(p, B, "upsert", [{ id: "a", values: v, metadata: [1] }])).toContain("metadata must be an object");
    const many = Array.from({ length: 1001 }, (_, i) => ({ id: `m${i}`, values: v }));
    expect(await fails(p, B, "upsert", many)).toContain("at most 1000 per call");
    expect(await fails(p, B, "getByIds", ["a", 7])).toContain("ids[1] must be a string, got number 7");
  });

  it("checks topK and the return options", async () => {
    expect(await fails(p, B, "query", v, { topK: 0 })).toContain("topK must be an integer from 1 to 100, got number 0");
    expect(await fails(p, B, "query", v, { topK: 101 })).toContain("topK must be an integer from 1 to 100");
    expect(await fails(p, B, "query", v, { topK: 2.5 })).toContain("topK must be an integer");
    expect(await fails(p, B, "query", v, { topK: 21, returnValues: true })).toContain("at most 20 matches are returned");
    expect(await fails(p, B, "query", v, { topK: 50, returnMetadata: "all" })).toContain('with returnMetadata: "all" at most 20');
    await ok(p, B, "query", v, { topK: 100, returnMetadata: "indexed" });
    expect(await fails(p, B, "query", v, { returnMetadata: "some" })).toContain('returnMetadata must be true, false, "none", "indexed" or "all"');
  });

  it("rejects malformed filters with the reason", async () => {
    const bad: [unknown, string][] = [
      [{ genre: { $regex: "a" } }, 'filter "genre" uses unknown operator "$regex"; supported operators are $eq $ne $in $nin $lt $lte $gt $gte'],
      [{ genre: ["a", "b"] }, 'filter "genre" is an array; to match any of several values use { "genre": { "$in": ["a","b"] } }'],
      [{}, "filter is an empty object"],
      [{ author: { id: 1 } }, 'to filter on nested metadata use a dotted key, as in "author.id"'],
      [{ n: { $eq: 1, $gt: 0 } }, 'filter "n" combines $eq and $gt'],
      [{ n: { $gt: 1, $gte: 2 } }, "at most one lower bound"],
      [{ n: { $lt: true } }, 'filter "n" $lt needs a finite number or a string, got true'],
      [{ n: { $in: "x" } }, 'filter "n" $in needs an array of values'],
      [{ n: { $in: [{ a: 1 }] } }, 'filter "n" $in[0] must be a string'],
      [{ $and: [] }, 'filter key "$and" starts with "$"'],
      [{ "a..b": 1 }, "has an empty segment"],
      [{ n: {} }, "empty operator object"],
      [{ long: "x".repeat(2100) }, "filters are at most 2048 bytes"],
      ["cat = x", "filter must be an object"],
    ];
    for (const [filter, message] of bad) {
      expect(await fails(p, B, "query", v, { filter }), JSON.stringify(filter).slice(0, 80)).toContain(message);
    }
  });

  it("a project without [[vectorize]] has no VECTORIZE on env", async () => {
    await platform.deployScript("vec-none", DRIVER);
    expect(await fails("vec-none", B, "describe")).toBe("env.VECTORIZE is not set");
  });

  it("fixes dimensions once an index holds vectors, and names both numbers", async () => {
    const project = "vec-dims";
    await platform.deployScript(project, DRIVER, { vectorize: [{ binding: B, index: "fixed", dimensions: 4, metric: "cosine" }] });
    await ok(project, B, "describe"); // an empty index takes any dimensions
    await platform.deployScript(project, DRIVER, { vectorize: [{ binding: B, index: "fixed", dimensions: 3, metric: "cosine" }] });
    await ok(project, B, "insert", [{ id: "a", values: [1, 2, 3] }]);
    await platform.deployScript(project, DRIVER, { vectorize: [{ binding: B, index: "fixed", dimensions: 5, metric: "euclidean" }] });
    expect(await fails(project, B, "query", [1, 2, 3, 4, 5])).toContain('index "fixed" holds 1 vectors of 3 dimensions, but aerostack.toml declares 5');
    // The metric is only used at query time: switching it re-ranks the same vectors.
    await platform.deployScript(project, DRIVER, { vectorize: [{ binding: B, index: "fixed", dimensions: 3, metric: "euclidean" }] });
    const got = await ok<Matches>(project, B, "query", [1, 2, 3]);
    expect(got.matches).toEqual([{ id: "a", score: 0 }]);
  });
});

describe("VECTORIZE isolation", () => {
  it("the same index name in two projects holds separate vectors", async () => {
    const settings = { vectorize: [{ binding: "DOCS", index: "docs", dimensions: 3, metric: "dot-product" as const }] };
    await platform.deployScript("iso-a", DRIVER, settings);
    await platform.deployScript("iso-b", DRIVER, settings);
    await ok("iso-a", "DOCS", "insert", [{ id: "only-a", values: [1, 0, 0] }, { id: "shared-id", values: [1, 1, 0] }]);
    await ok("iso-b", "DOCS", "insert", [{ id: "only-b", values: [0, 0, 1] }, { id: "shared-id", values: [0, 1, 1] }]);
    const a = await ok<Matches>("iso-a", "DOCS", "query", [1, 1, 1], { topK: 10 });
    const b = await ok<Matches>("iso-b", "DOCS", "query", [1, 1, 1], { topK: 10 });
    expect(a.matches.map((m) => m.id).sort()).toEqual(["only-a", "shared-id"]);
    expect(b.matches.map((m) => m.id).sort()).toEqual(["only-b", "shared-id"]);
    expect(await ok("iso-a", "DOCS", "getByIds", ["only-b", "shared-id"])).toEqual([{ id: "shared-id", values: [1, 1, 0] }]);
    expect(await ok("iso-b", "DOCS", "describe")).toMatchObject({ vectorCount: 2 });
    await ok("iso-b", "DOCS", "deleteByIds", ["shared-id"]);
    expect(await ok("iso-a", "DOCS", "getByIds", ["shared-id"])).toEqual([{ id: "shared-id", values: [1, 1, 0] }]);
  });

  it("two indexes of one project are separate too", async () => {
    await platform.deployScript("iso-two", DRIVER, {
      vectorize: [
        { binding: "ONE", index: "one", dimensions: 2, metric: "cosine" },
        { binding: "TWO", index: "two", dimensions: 2, metric: "cosine" },
      ],
    });
    await ok("iso-two", "ONE", "insert", [{ id: "x", values: [1, 0] }]);
    expect(await ok("iso-two", "TWO", "describe")).toMatchObject({ name: "two", vectorCount: 0 });
    expect(await ok("iso-two", "ONE", "describe")).toMatchObject({ name: "one", vectorCount: 1 });
  });
});

describe("VECTORIZE persistence", () => {
  it("keeps vectors, namespaces and metadata across a platform restart", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aerostack-vectorize-"));
    const settings = { vectorize: [{ binding: "VECTORIZE", index: "kept", dimensions: DIMS, metric: "euclidean" as const }] };
    const items = dataset(7, 300);
    const query = randomVector(rng(99));
    let first: TestPlatform | undefined;
    let second: TestPlatform | undefined;
    try {
      first = await createTestPlatform({ persistTo: dir });
      await first.deployScript("vec-kept", DRIVER, settings);
      const send = (target: TestPlatform, method: string, ...args: unknown[]) =>
        target
          .request("vec-kept", "/call", { method: "POST", body: JSON.stringify({ binding: "VECTORIZE", method, args }) })
          .then((r) => r.json() as Promise<Outcome>);
      expect((await send(first, "insert", items)).error).toBeUndefined();
      expect((await send(first, "deleteByIds", ["v0", "v1"])).error).toBeUndefined();
      const options = { topK: 20, returnMetadata: "all", filter: { cat: { $ne: "y" } } };
      const before = (await send(first, "query", query, options)).result;
      await first.dispose();
      first = undefined;

      second = await createTestPlatform({ persistTo: dir });
      await second.deployScript("vec-kept", DRIVER, settings);
      const after = await send(second, "query", query, options);
      expect(after.error).toBeUndefined();
      expect(after.result).toEqual(before);
      const kept = items.filter((it) => it.id !== "v0" && it.id !== "v1");
      const want = reference(kept, query, "euclidean", 20, (it) => it.metadata.cat !== "y");
      expect((after.result as Matches).matches.map((m) => m.id)).toEqual(want.map((m) => m.id));
      expect((await send(second, "describe")).result).toMatchObject({ vectorCount: 298 });
      expect((await send(second, "getByIds", ["v5"])).result).toEqual([
        { id: "v5", values: items[5]!.values.map(Math.fround), namespace: "a", metadata: items[5]!.metadata },
      ]);
    } finally {
      await first?.dispose();
      await second?.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
