// The data behind the dashboard's call log and analytics pages, on a real platform with a real MCP client calling
// through the gateway: the log's filters (member, tool, outcome, time), and the timeline read from the hourly
// histograms agreeing with the exact analytics computed from the raw log.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startPlatformServer, type PlatformServer } from "../../host/platform/server";
import { echoServer, startMcpFixture, type Fixture } from "../gateway/fixtures/servers";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

let server: PlatformServer;
let upstream: Fixture;
let client: Client;

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${server.adminKey}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

beforeAll(async () => {
  server = await startPlatformServer({ dataDir: await mkdtemp(join(tmpdir(), "aerostack-dash-an-")), port: 0, host: "127.0.0.1", baseDomain: "localhost", onLog: () => {} });
  upstream = await startMcpFixture(echoServer("docs"));
  await api("POST", "/workspaces", { name: "obs" });
  const url = upstream.url.endsWith("/mcp") ? upstream.url : `${upstream.url}/mcp`;
  expect((await api("PUT", "/workspaces/obs/members/docs", { member: { kind: "proxy", slug: "docs", url, allowPrivate: true } })).status).toBe(200);
  const token = (await api("POST", "/workspaces/obs/tokens", { name: "carol", role: "developer" })).body.token as string;
  client = new Client({ name: "analytics-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/ws/obs`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  for (let i = 0; i < 6; i++) await client.callTool({ name: "docs__echo", arguments: { text: `n${i}` } });
  for (let i = 0; i < 3; i++) await client.callTool({ name: "docs__fails", arguments: {} });
  // The call log is written in batches: wait until all nine calls are in.
  for (let waited = 0; ; waited += 100) {
    const calls = ((await api("GET", "/workspaces/obs/logs?limit=1000")).body.entries as Json[]).filter((e) => e.method === "tools/call").length;
    if (calls >= 9 || waited > 10_000) break;
    await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);
afterAll(async () => {
  await client?.close();
  await server?.close();
  await upstream?.close();
});

describe("call log filters and the analytics timeline", () => {
  it("filters the call log by member, tool, outcome and time", async () => {
    const page = async (q: string) => (await api("GET", `/workspaces/obs/logs?limit=1000&${q}`)).body as { entries: Json[] };
    expect((await page("tool=echo")).entries).toHaveLength(6);
    expect((await page("tool=fails&outcome=tool_error")).entries).toHaveLength(3);
    expect((await page("outcome=tool_error")).entries.every((e) => e.tool === "fails")).toBe(true);
    expect((await page("member=nobody")).entries).toHaveLength(0);
    expect((await page(`member=docs&tool=echo&until=${Date.now() - 3_600_000}`)).entries).toHaveLength(0);
    expect((await page(`member=docs&tool=echo&since=${Date.now() - 3_600_000}`)).entries).toHaveLength(6);
    expect((await api("GET", "/workspaces/obs/logs?outcome=bogus")).body.error.code).toBe("invalid_query");
  });

  it("the timeline's totals match the exact analytics, per member and per tool", async () => {
    const exact = (await api("GET", "/workspaces/obs/analytics")).body;
    const t = (await api("GET", "/workspaces/obs/analytics/timeline?bucket=1")).body;
    expect(t.total.total.calls).toBe(9);
    expect(t.total.total.errors).toBe(3);
    expect(t.total.total.calls).toBe(exact.total.calls);
    expect(t.total.calls.reduce((a: number, b: number) => a + b, 0)).toBe(9);
    expect(t.buckets.length).toBe(t.total.calls.length);
    expect(t.byMember.map((s: Json) => [s.key, s.total.calls, s.total.errors])).toEqual([["docs", 9, 3]]);
    expect(t.byTool.map((s: Json) => [s.key, s.total.calls, s.total.errors])).toEqual([
      ["docs__echo", 6, 0],
      ["docs__fails", 3, 3],
    ]);
    // Histogram percentiles are the upper bound of a bin ~19% wide: never below the exact value, at most a bin above.
    const exactP95 = exact.total.p95Ms as number;
    expect(t.total.total.p95Ms).toBeGreaterThanOrEqual(exactP95);
    expect(t.total.total.p95Ms).toBeLessThanOrEqual(Math.max(1, Math.ceil(exactP95 * 1.19) + 1));
    expect((await api("GET", "/workspaces/obs/analytics/timeline?bucket=0")).body.error.code).toBe("invalid_query");
  });
});
