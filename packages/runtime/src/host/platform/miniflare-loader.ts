/** Loads Miniflare with a V8 code cache: its 3.8 MB CommonJS bundle otherwise costs ~85 ms of compiling per start. */
import type { Miniflare as MiniflareClass } from "miniflare";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { Script } from "node:vm";

type MiniflareModule = { Miniflare: typeof MiniflareClass };

let loaded: MiniflareModule | undefined;

/**
 * Where the cache lives: a folder the user owns (never a shared temp dir: a planted cache would be code we run).
 * Keyed by Miniflare's version, Node's version and the architecture, since V8 rejects a cache from another build.
 */
function cacheFile(version: string): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "aerostack", `miniflare-${version}-node${process.versions.node}-${process.arch}.v8cache`);
}

/**
 * Node 20 has no compile cache for CommonJS (`module.enableCompileCache` came in Node 22), so Miniflare's entry file
 * is compiled here with `vm.Script` and V8 cached data, and registered in the CommonJS cache as if `require`d.
 * Anything that fails falls back to a plain `require`.
 */
export function loadMiniflare(): typeof MiniflareClass {
  if (loaded) return loaded.Miniflare;
  const require = createRequire(import.meta.url);
  try {
    const filename = require.resolve("miniflare");
    const { version } = require("miniflare/package.json") as { version: string };
    const file = cacheFile(version);
    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(file);
    } catch {
      cachedData = undefined;
    }
    const script = new Script(Module.wrap(readFileSync(filename, "utf8")), { filename, ...(cachedData ? { cachedData } : {}) });
    const mod = new Module(filename);
    mod.filename = filename;
    // Node's internal resolver paths, so requires inside Miniflare resolve as they would under `require`.
    mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(filename));
    (Module as unknown as { _cache: Record<string, Module> })._cache[filename] = mod;
    const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
    wrapper.call(mod.exports, mod.exports, createRequire(filename), mod, filename, dirname(filename));
    mod.loaded = true;
    loaded = mod.exports as MiniflareModule;
    if (!cachedData || script.cachedDataRejected) {
      try {
        mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        renameSync(tmp, file);
      } catch {
        // A read-only home is fine: the next start compiles again.
      }
    }
  } catch {
    loaded = require("miniflare") as MiniflareModule;
  }
  return loaded.Miniflare;
}
