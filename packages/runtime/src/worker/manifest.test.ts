/** The manifest and the built worker cannot drift: every class it names is exported, every DO and entrypoint is in it. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Miniflare } from "miniflare";
import { loadMiniflare } from "../host/platform/miniflare-loader";
import { platformScriptPath } from "../host/platform/paths";
import { PLATFORM_MANIFEST } from "./manifest";

// The built bundle imports `cloudflare:workers`, so it is inspected where it runs: a probe worker in workerd imports
// it and reports each export's kind by its base class (the classes shared through `cloudflare:workers`).
const PROBE = `
import * as platform from "./platform.js";
import { DurableObject, WorkerEntrypoint } from "cloudflare:workers";
const kind = (value) =>
  typeof value !== "function" ? typeof value
  : value.prototype instanceof DurableObject ? "durable-object"
  : value.prototype instanceof WorkerEntrypoint ? "entrypoint"
  : "function";
export default { fetch: () => Response.json(Object.fromEntries(Object.entries(platform).map(([name, value]) => [name, kind(value)]))) };
`;

let mf: Miniflare;
let exported: Record<string, string>;
beforeAll(async () => {
  const script = platformScriptPath();
  const dir = dirname(script);
  const Miniflare = loadMiniflare();
  mf = new Miniflare({
    modules: [
      { type: "ESModule", path: join(dir, "probe.js"), contents: PROBE },
      { type: "ESModule", path: script, contents: await readFile(script, "utf8") },
      { type: "CompiledWasm", path: join(dir, "vector-kernel.wasm"), contents: await readFile(join(dir, "vector-kernel.wasm")) },
    ],
    modulesRoot: dir,
    compatibilityDate: PLATFORM_MANIFEST.compatibilityDate,
    compatibilityFlags: [...PLATFORM_MANIFEST.compatibilityFlags],
    cf: false,
  });
  exported = (await (await mf.dispatchFetch("http://probe/")).json()) as Record<string, string>;
});
afterAll(() => mf?.dispose());

const names = (kind: string) => Object.keys(exported).filter((name) => exported[name] === kind).sort();

describe("the platform manifest", () => {
  it("names exactly the Durable Objects the built worker exports", () => {
    expect(names("durable-object")).toEqual(PLATFORM_MANIFEST.durableObjects.map((d) => d.className).sort());
  });

  it("names exactly the entrypoints the built worker exports", () => {
    expect(names("entrypoint")).toEqual(PLATFORM_MANIFEST.entrypoints.map((e) => e.className).sort());
  });

  it("the worker exports nothing else but its default handler", () => {
    expect(Object.keys(exported).filter((name) => !["durable-object", "entrypoint"].includes(exported[name]!))).toEqual(["default"]);
  });

  it("uses each binding name, class name and variable name once", () => {
    const bindings = [PLATFORM_MANIFEST.workerLoader.binding, ...PLATFORM_MANIFEST.durableObjects.map((d) => d.binding), ...PLATFORM_MANIFEST.r2Buckets.map((b) => b.binding)];
    const classes = [...PLATFORM_MANIFEST.durableObjects, ...PLATFORM_MANIFEST.entrypoints].map((c) => c.className);
    const vars = [...PLATFORM_MANIFEST.vars, ...PLATFORM_MANIFEST.secrets].map((v) => v.name);
    for (const list of [bindings, classes, vars]) expect(new Set(list).size).toBe(list.length);
    for (const d of PLATFORM_MANIFEST.durableObjects) expect(Number.isInteger(d.migration) && d.migration >= 1).toBe(true);
  });
});
