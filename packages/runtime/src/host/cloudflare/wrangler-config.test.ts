/** The wrangler config generator: migrations only ever grow, routes only for public domains, names from the manifest. */
import { describe, expect, it } from "vitest";
import { PLATFORM_MANIFEST, type PlatformManifest } from "../../worker/manifest";
import { isPublicDomain, renderWranglerJsonc, wranglerConfig } from "./wrangler-config";

describe("wranglerConfig", () => {
  it("binds every Durable Object, bucket and the loader the manifest lists", () => {
    const config = wranglerConfig({ name: "aero", main: "platform.js" });
    expect(config.durable_objects.bindings).toEqual(PLATFORM_MANIFEST.durableObjects.map((d) => ({ name: d.binding, class_name: d.className })));
    expect(config.r2_buckets).toEqual([{ binding: "OBJECTS", bucket_name: "aero-objects" }]);
    expect(config.worker_loaders).toEqual([{ binding: "LOADER" }]);
    expect(config.compatibility_flags).toContain("enable_ctx_exports");
    expect(config.vars).toEqual({ AEROSTACK_MODE: "platform" });
    expect(config.routes).toBeUndefined();
    expect(config.secrets.required).toEqual(["AEROSTACK_MASTER_KEY", "AEROSTACK_HOST_TOKEN"]);
  });

  it("keeps a class added later in a migration of its own, after the ones Cloudflare has applied", () => {
    const later: PlatformManifest = {
      ...PLATFORM_MANIFEST,
      durableObjects: [
        { binding: "A", className: "A", sqlite: true, migration: 1, description: "" },
        { binding: "C", className: "C", sqlite: true, migration: 2, description: "" },
        { binding: "B", className: "B", sqlite: false, migration: 1, description: "" },
      ],
    };
    expect(wranglerConfig({ name: "aero", main: "platform.js" }, later).migrations).toEqual([
      { tag: "v1", new_sqlite_classes: ["A"], new_classes: ["B"] },
      { tag: "v2", new_sqlite_classes: ["C"] },
    ]);
  });

  it("routes the base domain and its subdomains only when it is a public domain", () => {
    expect(wranglerConfig({ name: "aero", main: "platform.js", baseDomain: "aero.example.com" }).routes).toEqual(["*.aero.example.com/*", "aero.example.com/*"]);
    for (const local of ["localhost", "dev.localhost", "127.0.0.1", "::1", "intranet"]) {
      expect(isPublicDomain(local)).toBe(false);
      expect(wranglerConfig({ name: "aero", main: "platform.js", baseDomain: local }).routes).toBeUndefined();
    }
  });

  it("renders JSON that wrangler reads, with the secrets named in comments and never valued", () => {
    const text = renderWranglerJsonc(wranglerConfig({ name: "aero", main: "platform.js" }));
    expect(JSON.parse(text.replace(/^\/\/.*$/gm, ""))).toMatchObject({ name: "aero" });
    expect(text).toMatch(/^\/\/ +AEROSTACK_MASTER_KEY +64 hex/m);
    expect(text).toMatch(/^\/\/ +AEROSTACK_HOST_TOKEN /m);
  });
});
