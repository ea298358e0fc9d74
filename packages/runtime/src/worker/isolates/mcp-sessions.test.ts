/** Hosted MCP session states outlive the isolate that recorded them: they live in the tenant's ProjectStore. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createTestPlatform, type TestPlatform } from "../../host/testing";

// Stands in for serveMcp: `?start=<id>` opens a session with a state, `?end=<id>` ends it, and every response echoes
// the state header the platform handed the isolate.
const SCRIPT = `export default {
  fetch(req) {
    const url = new URL(req.url);
    const headers = {};
    if (url.searchParams.has("start")) Object.assign(headers, { "x-aerostack-mcp-session": url.searchParams.get("start"), "x-aerostack-mcp-state": "c3RhdGU" });
    if (url.searchParams.has("end")) headers["x-aerostack-mcp-ended"] = url.searchParams.get("end");
    return Response.json({ state: req.headers.get("x-aerostack-mcp-state") }, { headers });
  },
}`;

let dir: string | undefined;
const platforms: TestPlatform[] = [];
afterAll(async () => {
  await Promise.allSettled(platforms.map((p) => p.dispose()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function start(): Promise<TestPlatform> {
  const platform = await createTestPlatform({ persistTo: dir! });
  platforms.push(platform);
  return platform;
}

const stateSeen = async (platform: TestPlatform, session: string, query = "") =>
  ((await (await platform.request("sessions", `/mcp${query}`, { headers: { "mcp-session-id": session } })).json()) as { state: string | null }).state;

describe("hosted MCP session states", () => {
  it("survive a platform restart (no isolate-global map holds them), and are forgotten when the session ends", async () => {
    dir = await mkdtemp(join(tmpdir(), "aerostack-mcp-sessions-"));
    const first = await start();
    await first.deployScript("sessions", SCRIPT);
    expect(await stateSeen(first, "s0", "?start=s1")).toBeNull();
    expect(await stateSeen(first, "s1")).toBe("c3RhdGU");
    expect(await stateSeen(first, "s2", "?start=s2")).toBeNull();
    await first.dispose();

    // A new workerd process: every isolate (and whatever it cached) is gone.
    const second = await start();
    expect(await stateSeen(second, "s1")).toBe("c3RhdGU");
    expect(await stateSeen(second, "s2", "?end=s2")).toBe("c3RhdGU");
    expect(await stateSeen(second, "s2")).toBeNull();
    expect(await stateSeen(second, "unknown")).toBeNull();
  });
});
