import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPlatform, type TestPlatform } from "../../host/testing";

let platform: TestPlatform;
const logs: string[] = [];

beforeAll(async () => {
  platform = await createTestPlatform({ onLog: (line) => logs.push(line) });
});
afterAll(() => platform?.dispose());

describe("dispatcher", () => {
  it("serves the active version and flips atomically on deploy", async () => {
    await platform.deployScript("alpha", `export default { fetch() { return new Response("v1"); } }`);
    expect(await (await platform.request("alpha", "/")).text()).toBe("v1");
    await platform.deployScript("alpha", `export default { fetch() { return new Response("v2"); } }`);
    expect(await (await platform.request("alpha", "/")).text()).toBe("v2");
  });

  it("answers 503 naming the fix when a project has no deployment", async () => {
    const res = await platform.request("nobody", "/");
    expect(res.status).toBe(503);
    expect(await res.text()).toContain("aerostack deploy");
  });

  it("maps a thrown error to a 500 page with the message, and logs it tagged", async () => {
    await platform.deployScript("thrower", `export default { fetch(req) { console.log("about to fail"); throw new RangeError("boom " + new URL(req.url).pathname); } }`);
    const res = await platform.request("thrower", "/x", { headers: { accept: "text/html" } });
    expect(res.status).toBe(500);
    const html = await res.text();
    expect(html).toContain("RangeError: boom /x");
    await expect.poll(() => logs.join("\n")).toMatch(/\[thrower #[0-9a-f]{8}\] about to fail/);
    await expect.poll(() => logs.join("\n")).toMatch(/\[thrower #[0-9a-f]{8}\] GET \/x → 500/);
  });

  it("shows a recorded build error until the next deploy", async () => {
    await platform.deployScript("broken", `export default { fetch() { return new Response("ok"); } }`);
    await platform.control.setBuildError("broken", "src/index.ts:3:7: ERROR: Expected \";\"");
    const res = await platform.request("broken", "/");
    expect(res.status).toBe(500);
    expect(await res.text()).toContain("src/index.ts:3:7");
    await platform.deployScript("broken", `export default { fetch() { return new Response("fixed"); } }`);
    expect(await (await platform.request("broken", "/")).text()).toBe("fixed");
  });

  it("reports a module without a fetch handler, and a non-Response return", async () => {
    await platform.deployScript("nofetch", `export default {}`);
    expect(await (await platform.request("nofetch", "/")).text()).toContain("no fetch handler");
    await platform.deployScript("badret", `export default { fetch() { return "str"; } }`);
    expect(await (await platform.request("badret", "/")).text()).toContain("must return a Response");
  });

  it("keeps the internal MCP session headers between the platform and the isolate", async () => {
    await platform.deployScript(
      "echo",
      `export default { fetch(req) { return Response.json(Object.fromEntries(req.headers), { headers: { "x-aerostack-mcp-state": "abc", "x-aerostack-mcp-session": "s1" } }); } }`,
    );
    const res = await platform.request("echo", "/", { headers: { "x-aerostack-mcp-state": "forged", "x-aerostack-mcp-reattach": "1" } });
    const seen = (await res.json()) as Record<string, string>;
    // A client cannot hand the isolate a session state (or pose as the platform re-opening a stream) ...
    expect(Object.keys(seen).filter((h) => h.startsWith("x-aerostack-mcp"))).toEqual([]);
    // ... and never sees the ones the isolate hands the platform.
    expect([...res.headers.keys()].filter((h) => h.startsWith("x-aerostack-mcp"))).toEqual([]);
    // The platform now knows session s1 and hands its state back on the session's requests.
    const next = (await (await platform.request("echo", "/", { headers: { "mcp-session-id": "s1" } })).json()) as Record<string, string>;
    expect(next["x-aerostack-mcp-state"]).toBe("abc");
  });

  it("rejects control calls without the host token", async () => {
    const res = await platform.fetch("/__aerostack/health");
    expect(res.status).toBe(401);
  });
});
