/** The platform worker's Miniflare bindings and compatibility settings, generated from worker/manifest.ts. */
import type { MiniflareOptions } from "miniflare";
import { PLATFORM_MANIFEST, type PlatformManifest } from "../../worker/manifest";

type ManifestOptions = Required<Pick<MiniflareOptions, "compatibilityDate" | "compatibilityFlags" | "workerLoaders" | "durableObjects" | "r2Buckets">>;

/** Everything startPlatform configures that the manifest declares; values of vars and secrets stay with the host. */
export function manifestMiniflareOptions(manifest: PlatformManifest = PLATFORM_MANIFEST): ManifestOptions {
  return {
    compatibilityDate: manifest.compatibilityDate,
    compatibilityFlags: [...manifest.compatibilityFlags],
    workerLoaders: { [manifest.workerLoader.binding]: {} },
    durableObjects: Object.fromEntries(manifest.durableObjects.map((d) => [d.binding, { className: d.className, useSQLite: d.sqlite }])),
    // Locally a bucket is just its binding name: Miniflare keeps it under the persist root.
    r2Buckets: manifest.r2Buckets.map((b) => b.binding),
  };
}
