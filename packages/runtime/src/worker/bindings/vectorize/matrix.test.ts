/** Unit tests of the in-memory index and the filter compiler (plain TypeScript, run in Node). */
import { describe, expect, it } from "vitest";
import { compileFilter, parseMetadata, type Metadata } from "./filter";
import { UNASSIGNED, VectorMatrix, rowVariableBytes } from "./matrix";
import { vectorKernelWasm, type VectorKernel } from "./kernel-wasm";
import { rng } from "./fixtures/random";

const kernelModule = new WebAssembly.Module(vectorKernelWasm());
const newKernel = () => new WebAssembly.Instance(kernelModule, {}).exports as unknown as VectorKernel;

type Metric = "cosine" | "euclidean" | "dot-product";

function score(metric: Metric, v: Float32Array, q: Float32Array): number {
  let dot = 0, vv = 0, qq = 0, l2 = 0;
  for (let j = 0; j < v.length; j++) {
    dot += v[j]! * q[j]!;
    vv += v[j]! * v[j]!;
    qq += q[j]! * q[j]!;
    l2 += (v[j]! - q[j]!) ** 2;
  }
  if (metric === "euclidean") return Math.sqrt(l2);
  if (metric === "dot-product") return dot;
  return vv === 0 || qq === 0 ? 0 : dot / (Math.sqrt(vv) * Math.sqrt(qq));
}

describe("the kernel's code8", () => {
  it("codes a row to int8 within one step of round(x·127/max), zero past dims, and returns Σ(x − s·c)² of the codes it wrote", () => {
    const k = newKernel();
    k.memory.grow(1);
    const next = rng(21);
    for (const dims of [1, 7, 32, 50, 384]) {
      const n = Math.ceil(dims / 32) * 32;
      const src = new Float32Array(k.memory.buffer, 1024, n);
      const dst = new Int8Array(k.memory.buffer, 16384, n);
      src.fill(0);
      dst.fill(99);
      for (let j = 0; j < dims; j++) src[j] = (next() * 2 - 1) * (j === 3 ? 1e30 : 1);
      let max = 0;
      for (let j = 0; j < dims; j++) max = Math.max(max, Math.abs(src[j]!));
      const scale = max / 127;
      const errsq = k.code8(1024, n, 16384, 127 / max, scale);
      let want = 0;
      for (let j = 0; j < n; j++) {
        const c = dst[j]!;
        expect(Math.abs(c)).toBeLessThanOrEqual(127);
        expect(Math.abs(c - Math.round((src[j]! * 127) / max))).toBeLessThanOrEqual(1);
        if (j >= dims) expect(c).toBe(0);
        want += (src[j]! - scale * c) ** 2;
      }
      expect(Math.abs(errsq - want)).toBeLessThanOrEqual(want * 1e-12);
    }
  });
});

describe("VectorMatrix.search", () => {
  const modes = [["JavaScript scan", () => null], ["SIMD kernel + exact re-rank", newKernel]] as const;
  for (const [mode, kernel] of modes) {
    for (const dims of [1, 3, 8, 13, 64]) {
      it(`${mode}: equals a sorted brute force after puts, overwrites and deletes (${dims} dimensions, growing from 16 rows)`, () => {
        const next = rng(dims);
        const m = new VectorMatrix(dims, 1, kernel());
        expect(m.simd).toBe(mode !== "JavaScript scan");
        const live = new Map<string, { v: Float32Array; ns: string | null; meta: Metadata }>();
        for (let step = 0; step < 1500; step++) {
          const id = `id${Math.floor(next() * 700)}`;
          if (next() < 0.25) {
            expect(m.delete(id)).toBe(live.has(id));
            live.delete(id);
            continue;
          }
          const v = Float32Array.from({ length: dims }, () => (next() < 0.02 ? 0 : next() * 2 - 1));
          const ns = next() < 0.5 ? null : next() < 0.5 ? "a" : "b";
          const meta = { k: Math.floor(next() * 4) };
          m.put(id, v, 0, ns, meta);
          live.set(id, { v, ns, meta });
        }
        expect(m.count).toBe(live.size);
        for (const metric of ["cosine", "euclidean", "dot-product"] as const) {
          for (let t = 0; t < 5; t++) {
            const q = Float32Array.from({ length: dims }, () => next() * 2 - 1);
            const namespace = t % 2 === 0 ? undefined : "a";
            const predicate = t === 3 ? compileFilter("test", { k: { $lte: 1 } }) : null;
            const want = [...live]
              .filter(([, e]) => (namespace === undefined || e.ns === namespace) && (!predicate || predicate(e.meta)))
              .map(([id, e]) => ({ id, s: score(metric, e.v, q) }))
              .sort((a, b) => (metric === "euclidean" ? a.s - b.s : b.s - a.s) || (a.id < b.id ? -1 : 1));
            const got = m.search(q, metric, 12, namespace, predicate);
            expect(got.rows.length).toBe(Math.min(12, want.length));
            got.scores.forEach((s, i) => expect(s).toBeCloseTo(want[i]!.s, 9));
            // Ids must agree wherever the score is not tied (to rounding) with a neighbour; 1-D cosine is all ties.
            const tied = (i: number) => [i - 1, i + 1].some((j) => j >= 0 && j < want.length && Math.abs(want[j]!.s - want[i]!.s) < 1e-9);
            got.rows.forEach((r, i) => {
              if (!tied(i)) expect(m.idAt(r)).toBe(want[i]!.id);
            });
            for (const r of got.rows) expect(m.valuesAt(r)).toEqual(live.get(m.idAt(r))!.v);
          }
        }
      });
    }
  }

  it("the kernel path returns exactly what the JavaScript scan returns, near-ties and extreme values included", () => {
    const dims = 384;
    const next = rng(5);
    const js = new VectorMatrix(dims, 16);
    const simd = new VectorMatrix(dims, 16, newKernel());
    const base = Float32Array.from({ length: dims }, () => next() * 2 - 1);
    for (let i = 0; i < 3000; i++) {
      // Many vectors a hair apart (float32 scores cannot order them), some huge (float32 sums overflow), some zero.
      const v = i % 3 === 0 ? base.map((x) => x + (next() - 0.5) * 1e-6) : Float32Array.from({ length: dims }, () => next() * 2 - 1);
      if (i % 97 === 0) v.fill(0);
      if (i % 101 === 0) v[0] = 3e38;
      js.put(`id${i}`, v, 0, null, null);
      simd.put(`id${i}`, v, 0, null, null);
    }
    for (const metric of ["cosine", "euclidean", "dot-product"] as const) {
      for (const q of [base, Float32Array.from({ length: dims }, () => next() * 2 - 1)]) {
        const a = js.search(q, metric, 25);
        const b = simd.search(q, metric, 25);
        expect(b.rows.map((r) => simd.idAt(r))).toEqual(a.rows.map((r) => js.idAt(r)));
        expect(b.scores).toEqual(a.scores);
      }
    }
  });

  it("a probed search (IVF partitions) with the kernel returns exactly the plain scan of the probed rows", () => {
    const dims = 96;
    const next = rng(11);
    const js = new VectorMatrix(dims, 16);
    const simd = new VectorMatrix(dims, 16, newKernel());
    const parts = 16;
    const centers = Array.from({ length: parts }, () => Float32Array.from({ length: dims }, () => next() * 2 - 1));
    const rows: { id: string; v: Float32Array; part: number }[] = [];
    for (let i = 0; i < 4000; i++) {
      // Clustered rows (each near its partition's centre), some a hair apart, some not yet in any partition.
      const part = i % 50 === 0 ? UNASSIGNED : i % parts;
      const c = centers[part === UNASSIGNED ? 0 : part]!;
      const v = c.map((x) => x + (i % 7 === 0 ? (next() - 0.5) * 1e-7 : (next() - 0.5) * 0.4));
      rows.push({ id: `id${i}`, v, part });
      js.put(`id${i}`, v, 0, null, null, 0, part);
      simd.put(`id${i}`, v, 0, null, null, 0, part);
    }
    for (let i = 0; i < 300; i++) {
      js.delete(`id${i * 13}`);
      simd.delete(`id${i * 13}`);
    }
    for (const metric of ["cosine", "euclidean", "dot-product"] as const) {
      for (let t = 0; t < 6; t++) {
        const probe = new Uint8Array(parts);
        for (let p = 0; p < parts; p++) probe[p] = next() < 0.3 ? 1 : 0;
        const q = centers[t]!.map((x) => x + (next() - 0.5) * 0.4);
        const a = js.searchProbed(q, metric, 20, probe);
        const b = simd.searchProbed(q, metric, 20, probe);
        expect(b.rows.map((r) => simd.idAt(r))).toEqual(a.rows.map((r) => js.idAt(r)));
        expect(b.scores).toEqual(a.scores);
        // Only probed (or unassigned) rows answer.
        for (const r of b.rows) expect(simd.partAt(r) === UNASSIGNED || probe[simd.partAt(r)] === 1).toBe(true);
      }
    }
  });

  it("a row put with its stored coding (codeInto) answers exactly as one coded on put", () => {
    const dims = 40;
    const next = rng(31);
    const fresh = new VectorMatrix(dims, 16, newKernel());
    const stored = new VectorMatrix(dims, 16, newKernel());
    const coded = new Uint8Array(stored.codedBytes);
    expect(stored.codedBytes).toBe(64 + 24);
    for (let i = 0; i < 600; i++) {
      const v = Float32Array.from({ length: dims }, () => (i % 50 === 0 ? 0 : next() * 2 - 1));
      fresh.put(`id${i}`, v, 0, null, null);
      stored.codeInto(v, 0, coded, 0);
      stored.put(`id${i}`, v, 0, null, null, 0, UNASSIGNED, coded);
    }
    for (const metric of ["cosine", "euclidean", "dot-product"] as const) {
      const q = Float32Array.from({ length: dims }, () => next() * 2 - 1);
      const a = fresh.search(q, metric, 15);
      const b = stored.search(q, metric, 15);
      expect(b.rows.map((r) => stored.idAt(r))).toEqual(a.rows.map((r) => fresh.idAt(r)));
      expect(b.scores).toEqual(a.scores);
    }
    expect(new VectorMatrix(dims).codedBytes).toBe(0); // no kernel, no codes to store
  });

  it("bytesHeld counts the arrays held; bytesAfter predicts it for batches reserved under a budget, which fill most of it", () => {
    const budget = 200_000;
    for (const kernel of [null, newKernel()]) {
      const m = new VectorMatrix(24, 16, kernel, VectorMatrix.rowsWithin(budget, 24, kernel !== null));
      const next = rng(3);
      const perRow = rowVariableBytes("id0000", 20);
      for (let batch = 0; ; batch++) {
        const predicted = m.bytesAfter(40, 40 * perRow, budget);
        if (predicted > budget) break;
        m.reserve(m.count + 40, 40 * perRow, budget);
        for (let i = 0; i < 40; i++) {
          const v = Float32Array.from({ length: 24 }, () => next());
          m.put(`id${String(batch * 40 + i).padStart(4, "0")}`, v, 0, null, { k: "x".repeat(12) }, 20);
        }
        expect(m.bytesHeld).toBe(predicted);
      }
      expect(m.bytesHeld).toBeLessThanOrEqual(budget);
      expect(m.bytesHeld).toBeGreaterThan(budget * 0.8); // 64 KiB WebAssembly pages are coarse at this tiny budget
      m.delete("id0000");
      expect(m.bytesHeld).toBeLessThan(m.bytesAfter(1, perRow, budget));
    }
  });

  it("filling a budget in batches reallocates in 1.5× steps up to it, then once to the most it holds, not once per batch", () => {
    const budget = 2_000_000;
    for (const kernel of [null, newKernel()]) {
      const m = new VectorMatrix(24, 16, kernel, VectorMatrix.rowsWithin(budget, 24, kernel !== null));
      const perRow = rowVariableBytes("id00000", 0);
      const v = Float32Array.from({ length: 24 }, (_, j) => j / 24);
      let reallocations = 0;
      for (let batch = 0; m.bytesAfter(40, 40 * perRow, budget) <= budget; batch++) {
        const before = m.allocatedRows;
        m.reserve(m.count + 40, 40 * perRow, budget);
        if (m.allocatedRows !== before) reallocations++;
        for (let i = 0; i < 40; i++) m.put(`id${String(batch * 40 + i).padStart(5, "0")}`, v, 0, null, null);
      }
      expect(m.bytesHeld).toBeLessThanOrEqual(budget);
      expect(m.bytesHeld + 40 * (perRow + 24 * 4)).toBeGreaterThan(budget * 0.9);
      // 1.5× steps from 16 rows reach the rows held in about log1.5(rows / 16); a row-exact growth near the budget took
      // one more reallocation (a copy of everything held) per batch for the last third of the rows.
      expect(reallocations).toBeLessThanOrEqual(Math.ceil(Math.log(m.count / 16) / Math.log(1.5)) + 2);
    }
  });

  it("best() picks the exact best row without the kernel, and with it a row within the int8 coding's error of it", () => {
    const dims = 96;
    const next = rng(41);
    for (const kernel of [null, newKernel()]) {
      const m = new VectorMatrix(dims, 16, kernel);
      for (let i = 0; i < 200; i++) m.put(`c${String(i).padStart(4, "0")}`, Float32Array.from({ length: dims }, () => next() * 2 - 1), 0, null, null);
      for (const metric of ["cosine", "euclidean", "dot-product"] as const) {
        let same = 0;
        for (let t = 0; t < 100; t++) {
          const q = Float32Array.from({ length: dims }, () => next() * 2 - 1);
          const exact = m.search(q, metric, 200);
          const got = m.best(q, metric);
          if (got === exact.rows[0]) same++;
          // The exact score of the row picked is within a hair of the best exact score.
          const at = exact.rows.indexOf(got);
          expect(at).toBeGreaterThanOrEqual(0);
          const gap = Math.abs(exact.scores[at]! - exact.scores[0]!);
          expect(gap).toBeLessThanOrEqual(kernel ? 0.02 * Math.max(1, Math.abs(exact.scores[0]!)) : 0);
        }
        if (!kernel) expect(same).toBe(100);
        else expect(same).toBeGreaterThanOrEqual(90);
      }
      expect(new VectorMatrix(dims, 16, kernel).best(new Float32Array(dims), "cosine")).toBe(-1);
    }
  });

  it("groupByPart() puts each partition's rows together and changes no result, row lookup or later delete", () => {
    const dims = 40;
    const next = rng(51);
    const parts = 12;
    for (const kernel of [null, newKernel()]) {
      const m = new VectorMatrix(dims, 16, kernel);
      const kept = new Map<string, Float32Array>();
      for (let i = 0; i < 3000; i++) {
        const v = Float32Array.from({ length: dims }, () => next() * 2 - 1);
        const part = i % 37 === 0 ? UNASSIGNED : Math.floor(next() * parts);
        m.put(`id${i}`, v, 0, i % 3 === 0 ? "a" : null, { i }, 8, part);
        kept.set(`id${i}`, v);
      }
      const qs = Array.from({ length: 6 }, () => Float32Array.from({ length: dims }, () => next() * 2 - 1));
      const probe = Uint8Array.from({ length: parts }, (_, p) => (p % 3 === 0 ? 1 : 0));
      const run = () =>
        qs.flatMap((q) =>
          (["cosine", "euclidean", "dot-product"] as const).flatMap((metric) => [m.search(q, metric, 15), m.search(q, metric, 15, "a"), m.searchProbed(q, metric, 15, probe)]).map((r) => ({ ids: r.rows.map((row) => m.idAt(row)), scores: r.scores })),
        );
      const before = run();
      m.groupByPart();
      expect(run()).toEqual(before);
      const order = Array.from({ length: m.count }, (_, r) => (m.partAt(r) === UNASSIGNED ? parts : m.partAt(r)));
      expect(order).toEqual([...order].sort((a, b) => a - b));
      for (const [id, v] of kept) {
        expect(m.idAt(m.rowFor(id)!)).toBe(id);
        expect(m.valuesAt(m.rowFor(id)!)).toEqual(v);
        expect(m.metadataAt(m.rowFor(id)!)).toEqual({ i: Number(id.slice(2)) });
      }
      for (let i = 0; i < 3000; i += 5) m.delete(`id${i}`);
      for (let i = 0; i < 3000; i += 5) kept.delete(`id${i}`);
      const q = qs[0]!;
      const got = m.search(q, "euclidean", 20);
      const want = [...kept].map(([id, v]) => ({ id, d: Math.sqrt(v.reduce((s, x, j) => s + (x - q[j]!) ** 2, 0)) })).sort((a, b) => a.d - b.d || (a.id < b.id ? -1 : 1)).slice(0, 20);
      expect(got.rows.map((r) => m.idAt(r))).toEqual(want.map((w) => w.id));
    }
  });

  it("returns fewer than k when fewer vectors qualify, and nothing for an unknown namespace", () => {
    for (const kernel of [null, newKernel()]) {
      const m = new VectorMatrix(2, 16, kernel);
      m.put("x", Float32Array.of(1, 0), 0, "ns", null);
      m.put("y", Float32Array.of(0, 1), 0, null, { a: 1 });
      m.put("z", Float32Array.of(1, 1), 0, "other-ns", null);
      expect(m.search(Float32Array.of(1, 1), "dot-product", 10).rows.length).toBe(3);
      // Fewer rows in the namespace than k: only those, whatever their scores.
      expect(m.search(Float32Array.of(1, 1), "dot-product", 10, "ns").rows.map((r) => m.idAt(r))).toEqual(["x"]);
      expect(m.search(Float32Array.of(1, 1), "dot-product", 10, "other").rows).toEqual([]);
      expect(m.namespaceAt(m.rowFor("x")!)).toBe("ns");
      expect(m.metadataAt(m.rowFor("y")!)).toEqual({ a: 1 });
    }
  });
});

describe("compileFilter", () => {
  const meta = { s: "b", n: 5, t: true, deep: { x: { y: 3 } }, arr: ["a"], nil: null };
  const cases: [unknown, boolean][] = [
    [{ s: "b" }, true],
    [{ s: "c" }, false],
    [{ n: 5, t: true }, true],
    [{ n: 5, t: false }, false],
    [{ n: "5" }, false],
    [{ "deep.x.y": 3 }, true],
    [{ "deep.x.y": { $gt: 2, $lte: 3 } }, true],
    [{ "deep.x.z": null }, true],
    [{ missing: null }, true],
    [{ nil: null }, true],
    [{ missing: { $ne: "q" } }, true],
    [{ missing: { $nin: ["q"] } }, true],
    [{ missing: { $lt: 10 } }, false],
    [{ s: { $in: ["a", "b"] } }, true],
    [{ s: { $nin: ["a", "b"] } }, false],
    [{ s: { $gte: "a", $lt: "c" } }, true],
    [{ s: { $gt: 1 } }, false],
    [{ n: { $gt: "1" } }, false],
    [{ arr: "a" }, false],
    [{ "s.x": "b" }, false],
  ];
  for (const [filter, expected] of cases) {
    it(`${JSON.stringify(filter)} → ${expected}`, () => {
      expect(compileFilter("test", filter)!(meta)).toBe(expected);
    });
  }

  it("treats null metadata as having no fields", () => {
    expect(compileFilter("test", { a: null })!(null)).toBe(true);
    expect(compileFilter("test", { a: 1 })!(null)).toBe(false);
  });

  it("is null for no filter", () => {
    expect(compileFilter("test", undefined)).toBeNull();
  });
});

describe("parseMetadata", () => {
  it("accepts nested objects and arrays, rejects reserved keys at any depth", () => {
    expect(parseMetadata("w", "v", '{"a":{"b":[{"c":1}]}}')).toEqual({ a: { b: [{ c: 1 }] } });
    expect(() => parseMetadata("w", "v", '{"a":{"$b":1}}')).toThrow('metadata key "a".$b is not allowed');
    expect(() => parseMetadata("w", "v", '{"":1}')).toThrow("is not allowed");
    expect(() => parseMetadata("w", "v", "[1]")).toThrow("must be a JSON object");
  });
});
