/**
 * VECTORIZE durability: a platform process writing to a sharded index (inserts, and upserts that move vectors
 * between shards) is SIGKILLed mid-write and the platform restarted on the same data dir. Every acknowledged write is
 * there; a write in flight is there whole per vector or not at all; no vector is held twice (an interrupted move is
 * settled); queries equal the brute-force reference over what is there.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { createTestPlatform, type TestPlatform } from "../../../host/testing";
import { DRIVER, callBinding, reference, type Matches } from "./fixtures/driver";

const WRITER = fileURLToPath(new URL("./fixtures/crash-writer.mjs", import.meta.url));
const BUDGET = 256 * 1024;
const DIMS = 16;
/** Batches acknowledged before the kill: enough to fill several shards and to have moved vectors. */
const KILL_AFTER = 9;

/** The values crash-writer.mjs gives an id (the same formula, evaluated here in float64 then rounded as stored). */
function valuesOf(id: string): number[] {
  const h = [...id].reduce((acc, c) => acc * 33 + c.charCodeAt(0), 7) % 1000;
  return Array.from({ length: DIMS }, (_, j) => Math.sin(id.length * 31 + h + j * 1.7));
}

/** Pids whose parent is `pid` (workerd, started by the platform process). */
function childrenOf(pid: number): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

let dir: string | undefined;
let platform: TestPlatform | undefined;
afterAll(async () => {
  await platform?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it("SIGKILL mid-write, then a restart on the same data dir: acknowledged writes kept, nothing duplicated, queries exact", async () => {
  dir = await mkdtemp(join(tmpdir(), "aerostack-vectorize-crash-"));
  const writer = spawn(process.execPath, [WRITER, dir, String(BUDGET), String(DIMS)], { stdio: ["ignore", "pipe", "inherit"] });
  let acked = -1;
  const exited = new Promise<void>((resolve) => writer.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: writer.stdout! }).on("line", (line) => {
      const match = /^acked (\d+)$/.exec(line);
      if (!match) return reject(new Error(`crash-writer: ${line}`));
      acked = Number(match[1]);
      if (acked === KILL_AFTER) resolve();
    });
    writer.once("exit", (code) => reject(new Error(`crash-writer exited with ${code} after batch ${acked}`)));
  });
  // Batch KILL_AFTER + 1 is in flight now: kill the platform process outright (its workerd dies with it).
  const workerd = childrenOf(writer.pid!);
  writer.kill("SIGKILL");
  await exited;
  for (let i = 0; i < 200 && workerd.some((pid) => existsSync(`/proc/${pid}`)); i++) await new Promise((r) => setTimeout(r, 50));
  expect(workerd.filter((pid) => existsSync(`/proc/${pid}`))).toEqual([]);

  platform = await createTestPlatform({ persistTo: dir, vectorizeShardBytes: BUDGET });
  await platform.deployScript("crash", DRIVER, { vectorize: [{ binding: "VECTORIZE", index: "crash", dimensions: DIMS, metric: "euclidean" }] });
  const call = async <T>(method: string, ...args: unknown[]): Promise<T> => {
    const outcome = await callBinding(platform!, "crash", "VECTORIZE", method, args);
    if (outcome.error) throw new Error(`${method}: ${outcome.error.message}`);
    return outcome.result as T;
  };
  const present: { id: string; values: number[] }[] = [];
  for (let b = 0; b <= acked + 1; b++) {
    const ids = Array.from({ length: 200 }, (_, k) => `b${b}-${k}`);
    const got = await call<{ id: string; values: number[]; metadata: { batch: number; pad?: string } }[]>("getByIds", ids);
    if (b <= acked) expect(got.length, `batch ${b} was acknowledged`).toBe(200);
    for (const vector of got) {
      expect(vector.values).toEqual(valuesOf(vector.id).map(Math.fround));
      expect(vector.metadata.batch).toBe(b);
      // Upserted (moved) in batch b + 1 when that was acknowledged.
      if (b % 4 === 2 && b + 1 <= acked) expect(vector.metadata.pad).toHaveLength(3000);
    }
    present.push(...got.map((v) => ({ id: v.id, values: v.values })));
  }
  const info = await call<{ vectorCount: number; shards: number; largestShardBytes: number }>("describe");
  expect(info.vectorCount).toBe(present.length); // counted over the shards: a vector held twice would count twice
  expect(info.shards).toBeGreaterThanOrEqual(3);
  for (const query of [valuesOf("b3-17"), valuesOf("q").map((x) => -x)]) {
    const got = await call<Matches>("query", query, { topK: 20 });
    expect(got.matches.map((m) => m.id)).toEqual(reference(present, query, "euclidean", 20).map((m) => m.id));
  }
  expect((await call<{ largestShardBytes: number }>("describe")).largestShardBytes).toBeLessThanOrEqual(BUDGET);
}, 90_000);
