import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestPlatform, type TestPlatform } from "../../host/testing";

// Secrets are sealed at rest, reach user code as env values, and are scoped to their project.
describe("project secrets", () => {
  let platform: TestPlatform;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "aerostack-secrets-"));
    platform = await createTestPlatform({ persistTo: dir });
  });
  afterAll(() => platform?.dispose());

  const script = `export default { fetch(req, env) { return Response.json({ key: env.API_KEY ?? null, other: env.OTHER ?? null }); } }`;

  it("reaches user code as env, changes take effect without a redeploy, and stay per project", async () => {
    await platform.deployScript("sec-a", script);
    await platform.deployScript("sec-b", script);
    expect(await (await platform.request("sec-a", "/")).json()).toEqual({ key: null, other: null });

    const put = await platform.control.putSecrets("sec-a", { API_KEY: "sk-live-123", OTHER: "o" });
    expect(put.names).toEqual(["API_KEY", "OTHER"]);
    expect(JSON.stringify(put)).not.toContain("sk-live-123");
    expect(await (await platform.request("sec-a", "/")).json()).toEqual({ key: "sk-live-123", other: "o" });
    expect(await (await platform.request("sec-b", "/")).json()).toEqual({ key: null, other: null });

    await platform.control.putSecrets("sec-a", { API_KEY: "sk-live-456" });
    expect(await (await platform.request("sec-a", "/")).json()).toEqual({ key: "sk-live-456", other: null });
  });

  it("keeps the master key in a 0600 file and never writes a value in plain text", async () => {
    const keyFile = join(dir, "master.key");
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect((await readFile(keyFile, "utf8")).trim()).toMatch(/^[0-9a-f]{64}$/);
    await platform.dispose();
    // Every file of the persisted state, read as bytes: the value must not appear anywhere.
    const { readdir } = await import("node:fs/promises");
    const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
    for (const f of files) {
      const bytes = await readFile(join(f.parentPath, f.name));
      expect(bytes.includes(Buffer.from("sk-live-456")), `${f.name} holds the secret in plain text`).toBe(false);
    }
    platform = await createTestPlatform({ persistTo: dir });
    await platform.deployScript("sec-a", script);
    expect(await (await platform.request("sec-a", "/")).json()).toEqual({ key: "sk-live-456", other: null });
  });

  it("rejects reserved and malformed names without echoing values", async () => {
    await expect(platform.control.putSecrets("sec-a", { DB: "x" })).rejects.toThrow(/reserved/);
    await expect(platform.control.putSecrets("sec-a", { "bad-name": "sk-hidden" })).rejects.toThrow(/letters, digits and underscores/);
    await expect(platform.control.putSecrets("sec-a", { "bad-name": "sk-hidden" })).rejects.not.toThrow(/sk-hidden/);
  });
});
