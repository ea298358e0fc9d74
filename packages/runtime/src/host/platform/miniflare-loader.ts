/**
 * Loads Miniflare with a V8 code cache (startup/code-cache.ts): its 3.8 MB CommonJS bundle and the dependencies it
 * requires (undici, zod, ws, youch, …) otherwise cost ~85 ms of compiling at every start.
 */
import type { Miniflare as MiniflareClass } from "miniflare";
import { createRequire } from "node:module";
import { requireCached } from "../startup/code-cache";

type MiniflareModule = { Miniflare: typeof MiniflareClass };

let loaded: MiniflareModule | undefined;

export function loadMiniflare(): typeof MiniflareClass {
  if (loaded) return loaded.Miniflare;
  try {
    loaded = requireCached<MiniflareModule>(import.meta.url, "miniflare", "miniflare");
  } catch {
    // A cache that cannot be used is no reason to fail: Node's own require.
    loaded = createRequire(import.meta.url)("miniflare") as MiniflareModule;
  }
  return loaded.Miniflare;
}
