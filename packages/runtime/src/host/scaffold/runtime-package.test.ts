/** The runtime tarball `aerostack init` vendors: a valid npm package archive, the same bytes every time, no tests. */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtimeTarball } from "./runtime-package";
import { gzipTar } from "./tar";

describe("runtime tarball", () => {
  it("is byte-identical from one init to the next, and holds the package with its registry dependencies", async () => {
    const [first, second] = await Promise.all([runtimeTarball(), runtimeTarball()]);
    expect(first.data.equals(second.data)).toBe(true);

    const dir = await mkdtemp(join(tmpdir(), "aerostack-tarball-"));
    try {
      await writeFile(join(dir, "runtime.tgz"), first.data);
      // The system's tar reads it: the archive is standard, not only readable by our own code.
      const listed = spawnSync("tar", ["-xzvf", "runtime.tgz"], { cwd: dir, encoding: "utf8" });
      expect(listed.status).toBe(0);
      const names = listed.stdout.trim().split("\n");
      expect(names).toContain("package/package.json");
      expect(names).toContain("package/dist/worker/platform.js");
      expect(names).toContain("package/dist/mcp/index.js");
      expect(names.filter((n) => n.endsWith(".test.ts") || n.includes("/fixtures/"))).toEqual([]);
      // The guard that ends workerd with its host is exec'd: it keeps its executable bit.
      expect((await stat(join(dir, "package/src/host/platform/workerd-guard.sh"))).mode & 0o111).not.toBe(0);
      expect((await stat(join(dir, "package/package.json"))).mode & 0o111).toBe(0);
      const pkg = JSON.parse(await readFile(join(dir, "package/package.json"), "utf8")) as { name: string; version: string; dependencies: Record<string, string> };
      expect(pkg).toMatchObject({ name: "@aerostack/runtime", version: first.version });
      expect(Object.keys(pkg.dependencies)).toEqual(expect.arrayContaining(["miniflare", "esbuild", "@modelcontextprotocol/sdk"]));
      // Nothing that is on no registry: the project's `npm install` must fetch every dependency.
      expect(Object.keys(pkg.dependencies).filter((n) => n.startsWith("@aerostack/"))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("stores long paths in ustar's prefix field, and refuses one that does not fit", async () => {
    const long = `package/${"a".repeat(90)}/${"b".repeat(90)}.txt`;
    const dir = await mkdtemp(join(tmpdir(), "aerostack-tarball-"));
    try {
      await writeFile(join(dir, "long.tgz"), gzipTar([{ path: long, data: Buffer.from("hello") }]));
      const out = spawnSync("tar", ["-xzf", "long.tgz"], { cwd: dir, encoding: "utf8" });
      expect(out.status).toBe(0);
      expect(await readFile(join(dir, long), "utf8")).toBe("hello");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(() => gzipTar([{ path: "x".repeat(300), data: Buffer.alloc(0) }])).toThrow(/too long/);
  });
});
