/**
 * VECTORIZE past one shard: indexes filled over several shard Durable Objects (a 256 KiB shard budget, so a few
 * thousand small vectors need several), checked against a brute-force reference on random and clustered data for
 * every metric, with namespaces and 1-in-1,000 filters, after upserts that move vectors between shards and deletes,
 * and for the memory each shard holds.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPlatform, type TestPlatform } from "../../../host/testing";
import type { VectorizeSettings } from "../../../shared/protocol";
import { rng } from "./fixtures/random";
import { DRIVER, callBinding, randomVector, reference, type Matches, type Metric } from "./fixtures/driver";

const BUDGET = 256 * 1024;
const DIMS = 16;
const N = 4000;

interface Item {
  id: string;
  values: number[];
  namespace?: string;
  metadata: { cat: string; rare: boolean; pad?: string };
}

/** Random vectors, or tight clusters around 12 centres (many near-ties); 1 in 1,000 is `rare`, 1 in 3 in namespace "a". */
function dataset(kind: "random" | "clustered", seed: number): Item[] {
  const next = rng(seed);
  const centres = Array.from({ length: 12 }, () => randomVector(next, DIMS));
  return Array.from({ length: N }, (_, i) => {
    const values = kind === "random" ? randomVector(next, DIMS) : centres[i % 12]!.map((x) => x + (next() - 0.5) * 0.1);
    const item: Item = { id: `r${i}`, values, metadata: { cat: `c${i % 5}`, rare: i % 1000 === 7 } };
    if (i % 3 === 0) item.namespace = "a";
    return item;
  });
}

const METRICS: Metric[] = ["cosine", "euclidean", "dot-product"];
const KINDS = ["random", "clustered"] as const;
const INDEXES: (VectorizeSettings & { kind: (typeof KINDS)[number] })[] = METRICS.flatMap((metric, m) =>
  KINDS.map((kind, k) => ({ binding: `I${m}${k}`, index: `${kind}-${metric}`, dimensions: DIMS, metric, kind })),
);
const P = "vec-sharded";

let platform: TestPlatform;
const data = new Map<string, Item[]>();

async function ok<T>(project: string, binding: string, method: string, ...args: unknown[]): Promise<T> {
  const outcome = await callBinding(platform, project, binding, method, args);
  if (outcome.error) throw new Error(`${binding}.${method} failed: ${outcome.error.name}: ${outcome.error.message}`);
  return outcome.result as T;
}

async function write(binding: string, method: "insert" | "upsert", items: Item[]): Promise<void> {
  for (let i = 0; i < items.length; i += 1000) await ok(P, binding, method, items.slice(i, i + 1000));
}

type Info = { vectorCount: number; shards: number; memoryBudgetBytes: number; largestShardBytes: number };

/** Every query shape against the reference: no filter, a namespace, a 1-in-1,000 filter, both, a large topK. */
async function expectExact(binding: string, metric: Metric, items: Item[], seed: number): Promise<void> {
  const next = rng(seed);
  const cases: { options: Record<string, unknown>; keep?: (it: Item) => boolean; topK: number }[] = [
    { options: { topK: 10 }, topK: 10 },
    { options: { topK: 10, namespace: "a" }, keep: (it) => it.namespace === "a", topK: 10 },
    { options: { topK: 10, filter: { rare: true } }, keep: (it) => it.metadata.rare, topK: 10 },
    { options: { topK: 10, namespace: "a", filter: { rare: true, cat: { $ne: "c0" } } }, keep: (it) => it.namespace === "a" && it.metadata.rare && it.metadata.cat !== "c0", topK: 10 },
    { options: { topK: 50, filter: { cat: "c2" } }, keep: (it) => it.metadata.cat === "c2", topK: 50 },
  ];
  for (let q = 0; q < 4; q++) {
    // Half the queries sit on a stored vector (clusters: inside a cluster, where scores nearly tie).
    const query = q % 2 === 0 ? items[Math.floor(next() * items.length)]!.values.map((x) => x + (next() - 0.5) * 0.01) : randomVector(next, DIMS);
    for (const c of cases) {
      const got = await ok<Matches>(P, binding, "query", query, c.options);
      const want = reference(items, query, metric, c.topK, c.keep);
      const label = `${binding} ${JSON.stringify(c.options)}`;
      expect(got.matches.map((m) => m.id), label).toEqual(want.map((m) => m.id));
      got.matches.forEach((m, i) => expect(m.score, `${label} #${i}`).toBeCloseTo(want[i]!.score, 9));
    }
  }
}

beforeAll(async () => {
  platform = await createTestPlatform({ vectorizeShardBytes: BUDGET });
  await platform.deployScript(P, DRIVER, { vectorize: INDEXES.map(({ kind: _kind, ...settings }) => settings) });
  for (const { binding, kind, metric } of INDEXES) {
    const items = dataset(kind, METRICS.indexOf(metric) * 10 + KINDS.indexOf(kind));
    data.set(binding, items);
    await write(binding, "insert", items);
  }
}, 120_000);
afterAll(() => platform?.dispose());

describe("VECTORIZE over several shards", () => {
  it("spreads each index over several shards, none holding more than its memory budget", async () => {
    for (const { binding } of INDEXES) {
      // A query first: workerd may have evicted an idle shard since the fill (a slow machine fills the six indexes for
      // minutes), and an unloaded shard reports 0 bytes; the budget is checked on loaded ones.
      await ok(P, binding, "query", new Array(DIMS).fill(0.5), { topK: 1 });
      const info = await ok<Info>(P, binding, "describe");
      expect(info).toMatchObject({ vectorCount: N, memoryBudgetBytes: BUDGET });
      expect(info.shards, binding).toBeGreaterThanOrEqual(4);
      expect(info.largestShardBytes, binding).toBeGreaterThan(BUDGET / 2);
      expect(info.largestShardBytes, binding).toBeLessThanOrEqual(BUDGET);
    }
  });

  for (const { binding, metric, kind } of INDEXES) {
    it(`${metric}, ${kind} data: equals the brute-force reference, namespaces and rare filters included`, async () => {
      await expectExact(binding, metric, data.get(binding)!, 100 + INDEXES.findIndex((i) => i.binding === binding));
    });
  }

  it("upserts that outgrow their shard move to another, deletes free room; results stay exact and within budget", async () => {
    const { binding, metric } = INDEXES[1]!; // clustered cosine
    const items = data.get(binding)!;
    const before = await ok<Info>(P, binding, "describe");
    // 300 vectors gain 3 KB of metadata each: their shards cannot hold that, so they move (new shards, as all are full).
    const grown = items.filter((_, i) => i % 13 === 0).slice(0, 300).map((it) => ({ ...it, metadata: { ...it.metadata, pad: "p".repeat(3000) } }));
    await write(binding, "upsert", grown);
    for (const it of grown) items[Number(it.id.slice(1))] = it;
    const moved = await ok<Info>(P, binding, "describe");
    expect(moved.vectorCount).toBe(N);
    expect(moved.shards).toBeGreaterThan(before.shards);
    expect(moved.largestShardBytes).toBeLessThanOrEqual(BUDGET);
    const sample = grown.slice(0, 20);
    expect(await ok(P, binding, "getByIds", sample.map((it) => it.id))).toEqual(
      sample.map((it) => ({ id: it.id, values: it.values.map(Math.fround), metadata: it.metadata, ...(it.namespace ? { namespace: it.namespace } : {}) })),
    );
    await expectExact(binding, metric, items, 7);

    // Deletes across every shard (moved vectors among them), then new vectors and re-placed old ones.
    const deleted = items.filter((_, i) => i % 7 === 3).map((it) => it.id);
    const result = await ok<{ count: number }>(P, binding, "deleteByIds", deleted.slice(0, 1000));
    expect(result.count).toBe(Math.min(1000, deleted.length));
    const gone = new Set(deleted.slice(0, 1000));
    const kept = items.filter((it) => !gone.has(it.id));
    const next = rng(77);
    const added = Array.from({ length: 600 }, (_, i): Item => ({ id: `n${i}`, values: randomVector(next, DIMS), metadata: { cat: "c2", rare: i === 5 } }));
    const shifted = kept.slice(0, 400).map((it) => ({ ...it, values: randomVector(next, DIMS) }));
    await write(binding, "insert", added);
    await write(binding, "upsert", shifted);
    const now = [...shifted, ...kept.slice(400), ...added];
    const after = await ok<Info>(P, binding, "describe");
    expect(after.vectorCount).toBe(now.length);
    expect(after.shards).toBe(moved.shards); // the freed room took the new vectors
    expect(after.largestShardBytes).toBeLessThanOrEqual(BUDGET);
    expect(await ok(P, binding, "getByIds", deleted.slice(0, 5))).toEqual([]);
    await expectExact(binding, metric, now, 8);
  });

  it("another project's index of the same name, and another index of this project, hold their own vectors", async () => {
    const { binding, index, metric } = INDEXES[0]!;
    await platform.deployScript("vec-sharded-b", DRIVER, { vectorize: [{ binding, index, dimensions: DIMS, metric }] });
    await ok("vec-sharded-b", binding, "insert", [{ id: "r1", values: new Array(DIMS).fill(1) }]);
    expect(await ok<Info>("vec-sharded-b", binding, "describe")).toMatchObject({ vectorCount: 1, shards: 1 });
    const theirs = await ok<Matches>("vec-sharded-b", binding, "query", new Array(DIMS).fill(1), { topK: 100 });
    expect(theirs.matches.map((m) => m.id)).toEqual(["r1"]);
    const ours = await ok<{ id: string; values: number[] }[]>(P, binding, "getByIds", ["r1"]);
    expect(ours[0]!.values).toEqual(data.get(binding)![1]!.values.map(Math.fround));
    expect(await ok<Info>(P, INDEXES[2]!.binding, "describe")).toMatchObject({ vectorCount: N });
  });
});
