/**
 * VECTORIZE past its exact threshold (lowered to 2,000 here, with 256 KiB shards of 16-dimension vectors, so a few
 * thousand vectors reach it in seconds): unfiltered queries probe each shard's partitions (ivf.ts), and their
 * recall@10 against a brute-force reference is measured and held to a floor on clustered data for every metric;
 * below the threshold, and with exact = true, results stay exact; filtered and namespaced queries stay exact however
 * rare their matches; deletes, upserts and a restart keep partitions and results.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPlatform, type TestPlatform } from "../../../host/testing";
import type { VectorizeSettings } from "../../../shared/protocol";
import { rng } from "./fixtures/random";
import { DRIVER, callBinding, randomVector, reference, type Matches, type Metric } from "./fixtures/driver";

const BUDGET = 256 * 1024;
const THRESHOLD = 2000;
const DIMS = 16;
const N = 6000;
const CLUSTERS = 40;
/** The recall@10 the partitioned search must reach on clustered data (the bench measures it at scale). */
const RECALL_FLOOR = 0.9;
const P = "vec-partitioned";

interface Item {
  id: string;
  values: number[];
  namespace?: string;
  metadata: { cat: string; rare: boolean };
}

/** Vectors around CLUSTERS random centres (noise comparable to the spread between near centres); 1 in 1,000 rare. */
function dataset(seed: number, count: number, prefix = "v"): Item[] {
  const next = rng(seed);
  const centres = Array.from({ length: CLUSTERS }, () => randomVector(next, DIMS));
  return Array.from({ length: count }, (_, i) => {
    const item: Item = { id: `${prefix}${i}`, values: centres[i % CLUSTERS]!.map((x) => x + (next() - 0.5) * 0.6), metadata: { cat: `c${i % 5}`, rare: i % 1000 === 7 } };
    if (i % 4 === 0) item.namespace = "a";
    return item;
  });
}

/** Queries near stored vectors (inside clusters, where neighbours are close together) and a few anywhere. */
function queries(items: Item[], seed: number, count: number): number[][] {
  const next = rng(seed);
  return Array.from({ length: count }, (_, q) =>
    q % 5 === 4 ? randomVector(next, DIMS) : items[Math.floor(next() * items.length)]!.values.map((x) => x + (next() - 0.5) * 0.3),
  );
}

const METRICS: Metric[] = ["cosine", "euclidean", "dot-product"];
const INDEXES: VectorizeSettings[] = [
  ...METRICS.map((metric, m) => ({ binding: `BIG${m}`, index: `big-${metric}`, dimensions: DIMS, metric })),
  { binding: "SMALL", index: "small", dimensions: DIMS, metric: "cosine" },
  { binding: "EXACT", index: "exact", dimensions: DIMS, metric: "cosine", exact: true },
];

let platform: TestPlatform;
let dir: string;
const data = new Map<string, Item[]>();

async function ok<T>(binding: string, method: string, ...args: unknown[]): Promise<T> {
  const outcome = await callBinding(platform, P, binding, method, args);
  if (outcome.error) throw new Error(`${binding}.${method} failed: ${outcome.error.name}: ${outcome.error.message}`);
  return outcome.result as T;
}

async function write(binding: string, method: "insert" | "upsert", items: Item[]): Promise<void> {
  for (let i = 0; i < items.length; i += 1000) await ok(binding, method, items.slice(i, i + 1000));
}

type Info = { vectorCount: number; shards: number; largestShardBytes: number; mode: string; exactUpTo: number; partitions: number };

/**
 * recall@10 of the binding's unfiltered queries against the reference; every returned score must be the exact score
 * of its id (probing picks which vectors are looked at, never how they are scored).
 */
async function recall(binding: string, metric: Metric, items: Item[], qs: number[][]): Promise<number> {
  const byId = new Map(items.map((it) => [it.id, it]));
  let hits = 0;
  for (const query of qs) {
    const got = await ok<Matches>(binding, "query", query, { topK: 10 });
    const want = reference(items, query, metric, 10);
    expect(got.matches).toHaveLength(10);
    const truth = new Set(want.map((m) => m.id));
    for (const m of got.matches) {
      if (truth.has(m.id)) hits++;
      const item = byId.get(m.id);
      expect(item, `${binding} returned ${m.id}, which the index should not hold`).toBeDefined();
      expect(m.score).toBeCloseTo(reference([item!], query, metric, 1)[0]!.score, 9);
    }
  }
  return hits / (qs.length * 10);
}

/** Filtered and namespaced queries: exactly the reference, in partitioned mode too. */
async function expectFiltersExact(binding: string, metric: Metric, items: Item[], seed: number): Promise<void> {
  const cases: { options: Record<string, unknown>; keep: (it: Item) => boolean; topK: number }[] = [
    { options: { topK: 10, filter: { rare: true } }, keep: (it) => it.metadata.rare, topK: 10 },
    { options: { topK: 10, namespace: "a" }, keep: (it) => it.namespace === "a", topK: 10 },
    { options: { topK: 20, filter: { cat: "c3" } }, keep: (it) => it.metadata.cat === "c3", topK: 20 },
  ];
  for (const query of queries(items, seed, 4)) {
    for (const c of cases) {
      const got = await ok<Matches>(binding, "query", query, c.options);
      const want = reference(items, query, metric, c.topK, c.keep);
      expect(got.matches.map((m) => m.id), `${binding} ${JSON.stringify(c.options)}`).toEqual(want.map((m) => m.id));
    }
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(os.tmpdir(), "aerostack-vec-partitioned-"));
  platform = await createTestPlatform({ persistTo: dir, vectorizeShardBytes: BUDGET, vectorizeExactThreshold: THRESHOLD });
  await platform.deployScript(P, DRIVER, { vectorize: INDEXES });
  for (const [m, metric] of METRICS.entries()) {
    const items = dataset(10 + m, N);
    data.set(`BIG${m}`, items);
    await write(`BIG${m}`, "insert", items);
    expect(metric).toBe(INDEXES[m]!.metric);
  }
  const small = dataset(99, THRESHOLD - 500, "s");
  data.set("SMALL", small);
  await write("SMALL", "insert", small);
  const exact = dataset(98, THRESHOLD + 1000, "e");
  data.set("EXACT", exact);
  await write("EXACT", "insert", exact);
}, 180_000);
afterAll(async () => {
  await platform?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe("VECTORIZE past its exact threshold", () => {
  it("an index at or under the threshold stays exact: no partitions, the reference's ids", async () => {
    const items = data.get("SMALL")!;
    expect(await ok<Info>("SMALL", "describe")).toMatchObject({ vectorCount: items.length, mode: "exact", exactUpTo: THRESHOLD, partitions: 0 });
    for (const query of queries(items, 5, 10)) {
      const got = await ok<Matches>("SMALL", "query", query, { topK: 10 });
      expect(got.matches.map((m) => m.id)).toEqual(reference(items, query, "cosine", 10).map((m) => m.id));
    }
  });

  it("an index with exact = true stays exact past the threshold", async () => {
    const items = data.get("EXACT")!;
    expect(await ok<Info>("EXACT", "describe")).toMatchObject({ vectorCount: items.length, mode: "exact", partitions: 0 });
    for (const query of queries(items, 6, 10)) {
      const got = await ok<Matches>("EXACT", "query", query, { topK: 10 });
      expect(got.matches.map((m) => m.id)).toEqual(reference(items, query, "cosine", 10).map((m) => m.id));
    }
  });

  for (const [m, metric] of METRICS.entries()) {
    it(`${metric}: partitioned in every shard, within budget, recall@10 ≥ ${RECALL_FLOOR} on clustered data, filters exact`, async () => {
      const binding = `BIG${m}`;
      const items = data.get(binding)!;
      const info = await ok<Info>(binding, "describe");
      expect(info).toMatchObject({ vectorCount: N, mode: "partitioned", exactUpTo: THRESHOLD });
      expect(info.shards).toBeGreaterThanOrEqual(3);
      // Every shard partitioned: at least 2 partitions each (ivf.ts never makes fewer).
      expect(info.partitions).toBeGreaterThanOrEqual(2 * info.shards);
      expect(info.largestShardBytes).toBeLessThanOrEqual(BUDGET);
      const measured = await recall(binding, metric, items, queries(items, 20 + m, 40));
      console.log(`partitioned ${metric}: recall@10 ${measured.toFixed(3)} over ${info.shards} shards, ${info.partitions} partitions`);
      expect(measured).toBeGreaterThanOrEqual(RECALL_FLOOR);
      await expectFiltersExact(binding, metric, items, 30 + m);
    });
  }

  it("deletes and upserts after partitioning: gone ids never return, moved vectors are found, recall holds", async () => {
    const binding = "BIG1"; // euclidean: a stored vector is its own nearest (distance 0)
    let items = data.get(binding)!;
    const gone = new Set(items.filter((_, i) => i % 9 === 2).map((it) => it.id));
    for (let i = 0, ids = [...gone]; i < ids.length; i += 1000) await ok(binding, "deleteByIds", ids.slice(i, i + 1000));
    const next = rng(404);
    const moved = items.filter((it, i) => i % 11 === 5 && !gone.has(it.id)).map((it) => ({ ...it, values: randomVector(next, DIMS) }));
    await write(binding, "upsert", moved);
    const movedIds = new Set(moved.map((it) => it.id));
    items = [...items.filter((it) => !gone.has(it.id) && !movedIds.has(it.id)), ...moved];
    data.set(binding, items);
    expect(await ok<Info>(binding, "describe")).toMatchObject({ vectorCount: items.length, mode: "partitioned" });
    for (const it of moved.slice(0, 20)) {
      const got = await ok<Matches>(binding, "query", it.values, { topK: 1 });
      expect(got.matches[0]?.id).toBe(it.id);
    }
    expect(await recall(binding, "euclidean", items, queries(items, 50, 30))).toBeGreaterThanOrEqual(RECALL_FLOOR);
    await expectFiltersExact(binding, "euclidean", items, 51);
  });

  it("a restart loads the same partitions: the same answers before and after", async () => {
    const binding = "BIG0";
    const items = data.get(binding)!;
    const qs = queries(items, 60, 15);
    const before = await Promise.all(qs.map((q) => ok<Matches>(binding, "query", q, { topK: 10 })));
    const infoBefore = await ok<Info>(binding, "describe");
    await platform.dispose();
    platform = await createTestPlatform({ persistTo: dir, vectorizeShardBytes: BUDGET, vectorizeExactThreshold: THRESHOLD });
    await platform.deployScript(P, DRIVER, { vectorize: INDEXES });
    const after = await Promise.all(qs.map((q) => ok<Matches>(binding, "query", q, { topK: 10 })));
    expect(after.map((r) => r.matches.map((m) => m.id))).toEqual(before.map((r) => r.matches.map((m) => m.id)));
    expect(await ok<Info>(binding, "describe")).toMatchObject({ vectorCount: N, mode: "partitioned", partitions: infoBefore.partitions });
    // Shards load their rows in chunks (values as one BLOB each): every value comes back as stored, bit for bit.
    const byId = new Map(items.map((it) => [it.id, it]));
    for (const q of qs.slice(0, 5)) {
      const { matches } = await ok<Matches>(binding, "query", q, { topK: 20, returnValues: true, returnMetadata: "all" });
      for (const m of matches) {
        const item = byId.get(m.id)!;
        expect(m.values).toEqual(Array.from(Float32Array.from(item.values)));
        expect(m.metadata).toEqual(item.metadata);
        expect(m.namespace).toBe(item.namespace);
      }
    }
  });
});
