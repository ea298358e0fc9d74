/** requireCached: modules load as under `require`, the cache is reused, and a changed file never runs stale code. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createRequire } from "node:module";
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireCached } from "./code-cache";

let dir: string;
const savedXdg = process.env.XDG_CACHE_HOME;
const require = createRequire(import.meta.url);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aerostack-code-cache-"));
  process.env.XDG_CACHE_HOME = join(dir, "cache");
});

afterAll(async () => {
  if (savedXdg === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = savedXdg;
  await rm(dir, { recursive: true, force: true });
});

/** Loads main.cjs afresh (out of require's own cache), through the code cache. */
function load(): { answer: number; helper: string; resolved: string; file: string } {
  for (const key of Object.keys(require.cache)) if (key.startsWith(dir)) delete require.cache[key];
  return requireCached(join(dir, "main.cjs"), "./main.cjs", "test");
}

it("loads a module tree as require does, then from the cache, and recompiles a file that changed", async () => {
  await writeFile(join(dir, "helper.cjs"), "#!/usr/bin/env node\nmodule.exports = 'helper ' + typeof __dirname;\n");
  await writeFile(
    join(dir, "main.cjs"),
    "module.exports = { answer: 42, helper: require('./helper.cjs'), resolved: require.resolve('./helper.cjs'), file: __filename };\n",
  );
  expect(load()).toEqual({ answer: 42, helper: "helper string", resolved: join(dir, "helper.cjs"), file: join(dir, "main.cjs") });

  const [cacheFile] = await readdir(join(dir, "cache", "aerostack"));
  expect(cacheFile).toMatch(/^test-[0-9a-f]{12}-node.*\.v8cache$/);
  const cached = await readFile(join(dir, "cache", "aerostack", cacheFile!));
  // Both modules' compiled code is in the file, by path.
  expect(cached.toString("latin1")).toContain(join(dir, "helper.cjs"));
  expect(load().answer).toBe(42);

  // The same length, new text: V8 alone would take the old cache (it checks a source's length); the key does not.
  await writeFile(join(dir, "main.cjs"), (await readFile(join(dir, "main.cjs"), "utf8")).replace("answer: 42", "answer: 43"));
  // A later modification time, whatever the clock's granularity (a coarse one can give two writes the same).
  const later = new Date(Date.now() + 60_000);
  await utimes(join(dir, "main.cjs"), later, later);
  expect(load().answer).toBe(43);
});

it("leaves require as it was, also when the module throws", async () => {
  await writeFile(join(dir, "bad.cjs"), "throw new Error('bad module');\n");
  const before = (require("node:module") as { prototype: { _compile: unknown } }).prototype._compile;
  expect(() => requireCached(join(dir, "bad.cjs"), "./bad.cjs", "test-bad")).toThrow("bad module");
  expect((require("node:module") as { prototype: { _compile: unknown } }).prototype._compile).toBe(before);
});
