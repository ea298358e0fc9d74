// The `vectorize` bench entry (run.mjs lists it): env.VECTORIZE end to end from a user function on the platform,
// side by side with usearch (a native HNSW library, pinned in bench/package.json) in plain Node on the same clustered
// vectors and the same 1,000 queries. Recall@10 of both is measured against an exact scan (usearch's exactSearch),
// never assumed. Sizes come from AEROSTACK_BENCH_VECTORS ("100000x384,1000000x96" by default: 1M × 384 takes
// 1.5 GB of float32 and, with usearch's graph build on 2 cores, too long for one run here; set it to measure that).
import { performance } from "node:perf_hooks";
import { existsSync } from "node:fs";
import { rm, mkdtemp } from "node:fs/promises";
import os from "node:os";
import { join, relative } from "node:path";

const TOP_K = 10;
const BATCH = 1000;
const QUERIES = 1000;
const CLUSTERS = 1000;
const RECALL_GOAL = 0.98;
/** usearch's graph: connectivity (M) and build-time expansion as its docs suggest for high recall; search expansion swept. */
const USEARCH = { connectivity: 16, expansion_add: 128, sweep: [16, 32, 64, 128, 256, 512] };

// The vectors, generated the same way in the user function and here (the source is shared as text): vector k sits
// near centre k mod CLUSTERS (uniform in [-1, 1]^d) with uniform noise of ±0.35 per dimension; query i is a fresh
// point near centre (7i + 3) mod CLUSTERS. Seeded, so both sides see the same numbers.
const GENERATOR = String.raw`
function rand32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
// Each centre's coordinates are drawn once and kept (the same numbers as drawing them per point): generating them for
// every vector doubled the generator's cost, which the user function pays in workerd's thread between its inserts.
const centres = new Map();
function centreOf(centre, dims) {
  let c = centres.get(centre);
  if (c === undefined || c.length !== dims) {
    const next = rand32(1000003 * (centre + 1));
    c = new Float64Array(dims);
    for (let j = 0; j < dims; j++) c[j] = next() * 2 - 1;
    centres.set(centre, c);
  }
  return c;
}
function pointNear(centre, noiseSeed, dims, out, offset) {
  const c = centreOf(centre, dims), n = rand32(noiseSeed);
  for (let j = 0; j < dims; j++) out[offset + j] = c[j] + (n() - 0.5) * 0.7;
}
function vectorAt(k, dims, clusters, out, offset) { pointNear(k % clusters, 2 * k + 1, dims, out, offset); }
function queryAt(i, dims, clusters, out, offset) { pointNear((7 * i + 3) % clusters, 2 * i + 2 + 4000000000, dims, out, offset); }
`;
const { vectorAt, queryAt } = await import(`data:text/javascript,${encodeURIComponent(`${GENERATOR}\nexport { vectorAt, queryAt };`)}`);

const userScript = (dims) => String.raw`
${GENERATOR}
const DIMS = ${dims}, CLUSTERS = ${CLUSTERS};
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const p = (k) => Number(url.searchParams.get(k));
    if (url.pathname === "/fill") {
      const ms = [];
      for (let i = p("from"); i < p("to"); i += ${BATCH}) {
        const vectors = [];
        for (let k = i; k < Math.min(p("to"), i + ${BATCH}); k++) {
          const values = new Float32Array(DIMS);
          vectorAt(k, DIMS, CLUSTERS, values, 0);
          vectors.push({ id: "v" + k, values });
        }
        const t0 = performance.now();
        await env.VECTORIZE.insert(vectors);
        ms.push(performance.now() - t0);
      }
      return Response.json({ ms });
    }
    if (url.pathname === "/query") {
      const e2e = [], inDo = [], ids = [];
      for (let i = p("from"); i < p("from") + p("n"); i++) {
        const q = new Float32Array(DIMS);
        queryAt(i, DIMS, CLUSTERS, q, 0);
        const t0 = performance.now();
        const res = await env.VECTORIZE.query(q, { topK: ${TOP_K} });
        e2e.push(performance.now() - t0);
        inDo.push(res.processingMs);
        ids.push(res.matches.map((m) => Number(m.id.slice(1))));
      }
      return Response.json({ e2e, inDo, ids });
    }
    if (url.pathname === "/describe") return Response.json(await env.VECTORIZE.describe());
    return new Response("no route", { status: 404 });
  },
};`;

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? null : s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const two = (x) => (x == null ? null : Math.round(x * 100) / 100);

/** The quantiles a summarised side keeps of its samples, in this order (samplesMs then holds one value per name). */
const QUANTILES = ["min", "p5", "p25", "p50", "p75", "p95", "p99", "max"];

/**
 * A row's sides with their raw samples replaced by a summary: samplesMs holds the QUANTILES of the samples (two
 * decimals: usearch answers in fractions of a millisecond), details is emptied, and samplesCount and samplesAre say
 * what samplesMs now means. medianMs and maxMs, computed by row() from every sample, are kept. 1,000 query timings per
 * size would otherwise add thousands of lines to bench/results/latest.json on every run.
 */
function summarized(result, raw) {
  for (const [tool, xs] of Object.entries(raw)) {
    const side = result[tool];
    // A few samples (usearch's one build time) are already as short as their summary.
    if (!side || !Array.isArray(side.samplesMs) || xs.length <= QUANTILES.length) continue;
    side.samplesMs = QUANTILES.map((q) => two(q === "min" ? Math.min(...xs) : q === "max" ? Math.max(...xs) : pct(xs, Number(q.slice(1)))));
    side.details = [];
    side.samplesCount = xs.length;
    side.samplesAre = `quantiles ${QUANTILES.join("/")} of ${xs.length} samples`;
  }
  return result;
}

/** Sizes to measure, from AEROSTACK_BENCH_VECTORS ("<count>x<dims>,…"). */
function sizes() {
  const spec = process.env.AEROSTACK_BENCH_VECTORS ?? "100000x384,1000000x96";
  return spec.split(",").map((part) => {
    const m = /^(\d+)x(\d+)$/.exec(part.trim());
    if (!m || Number(m[2]) > 1536) throw new Error(`AEROSTACK_BENCH_VECTORS: "${part}" is not <count>x<dims> with dims ≤ 1536, as in 100000x384`);
    return { count: Number(m[1]), dims: Number(m[2]) };
  });
}

/** Mean over queries of |found ∩ truth| / K. */
function recallAt(found, truth) {
  let hit = 0;
  found.forEach((ids, i) => {
    const want = new Set(truth[i]);
    for (const id of ids) if (want.has(id)) hit++;
  });
  return hit / (found.length * TOP_K);
}

/** The exact top 10 of every query (usearch's brute-force exactSearch, cosine, both cores). */
function groundTruth(usearch, data, queries, dims) {
  const result = usearch.exactSearch(data, queries, dims, TOP_K, usearch.MetricKind.Cos, 0);
  return Array.from({ length: QUERIES }, (_, i) => Array.from(result.get(i).keys, Number));
}

/** env.VECTORIZE on a platform: fill, 1,000 queries, then a restart and the first (cold) query. */
async function measureAerostack({ count, dims }, { repoDir, tempDir, log }) {
  const testing = join(repoDir, "packages", "runtime", "dist", "host", "testing.js");
  if (!existsSync(testing)) throw new Error(`${relative(repoDir, testing)} is missing: run \`npm run build\``);
  const { createTestPlatform } = await import(testing);
  const stateDir = await tempDir("vectorize-state");
  const settings = { vectorize: [{ binding: "VECTORIZE", index: "bench", dimensions: dims, metric: "cosine" }] };
  let platform = await createTestPlatform({ persistTo: stateDir });
  const call = async (path) => {
    const res = await platform.request("vec-bench", path);
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text);
  };
  try {
    await platform.deployScript("vec-bench", userScript(dims), settings);
    const inserts = [];
    const t0 = performance.now();
    for (let from = 0; from < count; from += 20 * BATCH) {
      inserts.push(...(await call(`/fill?from=${from}&to=${Math.min(count, from + 20 * BATCH)}`)).ms);
      if ((from / (20 * BATCH)) % 10 === 9) log(`    ${from + 20 * BATCH} stored`);
    }
    const fillMs = performance.now() - t0;
    const info = await call("/describe");
    log(`    filled in ${Math.round(fillMs / 1000)} s (${Math.round(count / (fillMs / 1000))} vectors/s); ${info.shards} shards, largest holds ${Math.round(info.largestShardBytes / 2 ** 20)} MiB of ${info.memoryBudgetBytes / 2 ** 20}; ${info.mode}, ${info.partitions} partitions`);
    await call(`/query?from=${QUERIES}&n=5`); // warm-up (JIT), not recorded
    const e2e = [], inDo = [], ids = [];
    for (let from = 0; from < QUERIES; from += 100) {
      const r = await call(`/query?from=${from}&n=100`);
      e2e.push(...r.e2e);
      inDo.push(...r.inDo);
      ids.push(...r.ids);
    }
    await platform.dispose();
    platform = await createTestPlatform({ persistTo: stateDir });
    await platform.deployScript("vec-bench", userScript(dims), settings);
    const cold = await call(`/query?from=0&n=1`);
    return { inserts, fillMs, e2e, inDo, ids, cold: cold.e2e[0], shards: info.shards, largestShardBytes: info.largestShardBytes, budget: info.memoryBudgetBytes, mode: info.mode, partitions: info.partitions };
  } finally {
    await platform.dispose();
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** usearch in this process: build with both cores, then every query alone on one thread, for each search expansion. */
async function measureUsearch(usearch, data, queries, { count, dims }, truth, log) {
  const config = { dimensions: dims, metric: "cos", connectivity: USEARCH.connectivity, expansion_add: USEARCH.expansion_add };
  const index = new usearch.Index({ ...config, expansion_search: USEARCH.sweep[0] });
  const keys = new BigUint64Array(count).map((_, i) => BigInt(i));
  const t0 = performance.now();
  for (let from = 0; from < count; from += 100 * BATCH) {
    const to = Math.min(count, from + 100 * BATCH);
    index.add(keys.subarray(from, to), data.subarray(from * dims, to * dims), 0);
  }
  const buildMs = performance.now() - t0;
  log(`    usearch built in ${Math.round(buildMs / 1000)} s (${Math.round(count / (buildMs / 1000))} vectors/s, ${os.cpus().length} threads)`);
  const dir = await mkdtemp(join(os.tmpdir(), "aerostack-usearch-"));
  const file = join(dir, "index.usearch");
  index.save(file);
  const sweep = [];
  try {
    for (const ef of USEARCH.sweep) {
      const view = new usearch.Index({ ...config, expansion_search: ef });
      view.view(file);
      const ms = [], found = [];
      for (let i = 0; i < QUERIES; i++) {
        const q = queries.subarray(i * dims, (i + 1) * dims);
        const s = performance.now();
        const m = view.search(q, TOP_K, 1);
        ms.push(performance.now() - s);
        found.push(Array.from(m.keys, Number));
      }
      const recall = recallAt(found, truth);
      sweep.push({ ef, recall, ms });
      log(`    usearch ef ${ef}: recall@10 ${recall.toFixed(4)}, p50 ${two(pct(ms, 50))} ms`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { buildMs, sweep };
}

/** The entry: rows per size (query p50 against usearch at recall ≥ 0.98, insert rate, cold first query). */
export async function runVectorizeBench(ctx, { aerostack, row, forTool, log, tempDir, repoDir }) {
  let usearch = null;
  let anchorMissing = null;
  try {
    usearch = (await import("usearch")).default;
  } catch (error) {
    anchorMissing = `usearch unavailable (npm install in bench/): ${error.message.split("\n")[0]}`;
  }
  const rows = [];
  for (const size of sizes()) {
    const label = `${size.count >= 1e6 ? `${size.count / 1e6}M` : `${size.count / 1000}k`} × ${size.dims}`;
    log(`  ${label}: generating ${size.count} clustered vectors and ${QUERIES} queries`);
    const data = new Float32Array(size.count * size.dims);
    for (let k = 0; k < size.count; k++) vectorAt(k, size.dims, CLUSTERS, data, k * size.dims);
    const queries = new Float32Array(QUERIES * size.dims);
    for (let i = 0; i < QUERIES; i++) queryAt(i, size.dims, CLUSTERS, queries, i * size.dims);
    const truth = usearch ? groundTruth(usearch, data, queries, size.dims) : null;
    log(`  ${label}: aerostack`);
    const a = await forTool(aerostack, ctx, () => measureAerostack(size, { repoDir, tempDir, log }));
    const ok = a && !a.error && !a.unavailable;
    const recall = ok && truth ? recallAt(a.ids, truth) : null;
    if (ok) log(`    aerostack: recall@10 ${recall?.toFixed(4) ?? "—"}, end to end p50 ${two(pct(a.e2e, 50))} ms, in DO p50 ${two(pct(a.inDo, 50))} ms, cold first query ${Math.round(a.cold)} ms`);
    // `--only aerostack` skips usearch's graph (minutes to build at a million vectors); recall is still measured.
    const u = usearch && ctx.opts?.only !== "aerostack" ? await measureUsearch(usearch, data, queries, size, truth, log) : null;
    if (usearch && !u) anchorMissing = "not measured: --only aerostack";
    // The anchor at the issue's recall goal, or its best recall when no expansion reaches it.
    const atGoal = u ? (u.sweep.find((s) => s.recall >= RECALL_GOAL) ?? u.sweep.at(-1)) : null;
    const best = u ? u.sweep.at(-1) : null;
    const anchorSide = (samples, extra, note) =>
      u ? { samples: samples.map((ms) => ({ ms })), extra, note } : { unavailable: anchorMissing };
    const mine = (samples, extra) => (a?.unavailable ? { unavailable: a.unavailable } : a?.error ? { samples: [], error: a.error } : { samples: samples.map((ms) => ({ ms })), extra });
    const per = (mineSide, anchor) => ({ aerostack: mineSide, wrangler: anchor });
    // run.mjs rounds medians to whole ms; usearch answers in well under one, so the ratio is taken from the p50s here.
    const aP50 = ok ? pct(a.e2e, 50) : null;
    const uP50 = atGoal ? pct(atGoal.ms, 50) : null;
    const queryRatio = aP50 != null && uP50 ? two(aP50 / uP50) : null;
    rows.push(summarized({
      ...row(
        `vectorize ${label} query (vs usearch)`,
        `ms per top-${TOP_K} cosine query, ${QUERIES} queries over ${size.count} clustered vectors of ${size.dims} dims: aerostack = the user function's await on env.VECTORIZE.query (exact up to 100k vectors, partitions probed past that; all shards); the wrangler column is usearch ${USEARCH.sweep.join("/")} search expansion swept, shown at the first reaching recall@10 ≥ ${RECALL_GOAL}`,
        per(
          mine(ok ? a.e2e : [], ok ? { recallAt10: recall, p95Ms: two(pct(a.e2e, 95)), inDoP50Ms: two(pct(a.inDo, 50)), shards: a.shards, largestShardMiB: two(a.largestShardBytes / 2 ** 20), budgetMiB: a.budget / 2 ** 20, mode: a.mode, partitions: a.partitions } : {}),
          anchorSide(atGoal?.ms ?? [], atGoal ? { expansionSearch: atGoal.ef, recallAt10: atGoal.recall, bestRecallAt10: best.recall, bestP50Ms: two(pct(best.ms, 50)), sweep: u.sweep.map((s) => `ef ${s.ef}: ${s.recall.toFixed(4)} @ ${two(pct(s.ms, 50))} ms`).join("; ") } : {}, "this column: usearch (native HNSW) in plain Node, one thread per query"),
        ),
        { goalRatio: 2 },
      ),
      ...(queryRatio === null ? {} : { ratio: queryRatio, goalMet: queryRatio <= 2 }),
      p50Ms: { aerostack: two(aP50), usearch: two(uP50) },
    }, { aerostack: ok ? a.e2e : [], wrangler: atGoal?.ms ?? [] }));
    rows.push(summarized({
      ...row(
        `vectorize ${label} insert (per 1000, vs usearch build)`,
        `ms per insert() of ${BATCH} vectors from the user function while filling 0 → ${size.count}; the wrangler column is usearch's graph build (all cores) per ${BATCH} vectors`,
        per(
          mine(ok ? a.inserts : [], ok ? { vectorsPerSecond: Math.round((BATCH / pct(a.inserts, 50)) * 1000), vectorsPerSecondWallClock: Math.round(size.count / (a.fillMs / 1000)) } : {}),
          anchorSide(u ? [u.buildMs / (size.count / BATCH)] : [], u ? { vectorsPerSecond: Math.round(size.count / (u.buildMs / 1000)) } : {}, "this column: usearch add() of all vectors, all cores"),
        ),
        { goalRatio: 2 },
      ),
    }, { aerostack: ok ? a.inserts : [] }));
    rows.push({
      ...row(
        `vectorize ${label} cold first query`,
        `ms for the first query after a restart: every shard loads its vectors from SQLite (one workerd thread: shards load one after another), then scans`,
        per(mine(ok ? [a.cold] : [], ok ? { shards: a.shards, perShardMs: two(a.cold / a.shards) } : {}), { unavailable: "not compared: usearch keeps its index in process memory" }),
      ),
      goal: "per shard ≤ 300 ms",
      goalMet: ok ? a.cold / a.shards <= 300 : null,
    });
  }
  return rows;
}
