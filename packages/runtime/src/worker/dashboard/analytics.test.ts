// The data behind the dashboard's call log and analytics pages, on a real platform with a real MCP client calling
// through the gateway: the log's filters (member, tool, outcome, time), the timeline and the analytics behind
// `aerostack analytics` (both read from the hourly histograms) agreeing with figures computed here from the calls themselves.
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
let beforeCalls: number;

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
  beforeCalls = Date.now();
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

  it("the analytics count exactly from any start time, whole hours from the histograms and the first part-hour from the log", async () => {
    // Since a moment before the calls: all of them are in the part-hour read from the log.
    const fromLog = (await api("GET", `/workspaces/obs/analytics?since=${beforeCalls}`)).body;
    expect(fromLog.total).toMatchObject({ calls: 9, errors: 3 });
    expect(fromLog.byToken.map((r: Json) => [r.key, r.calls, r.errors])).toEqual([["carol", 9, 3]]);
    expect(fromLog.byTool.map((r: Json) => [r.key, r.calls, r.errors])).toEqual([
      ["docs__echo", 6, 0],
      ["docs__fails", 3, 3],
    ]);
    // Since a week ago (the default): all of them from the hourly histograms, the same figures.
    const fromHist = (await api("GET", "/workspaces/obs/analytics")).body;
    for (const k of ["total", "byMember", "byTool", "byToken"]) expect(fromHist[k], k).toEqual(fromLog[k]);
    expect((await api("GET", `/workspaces/obs/analytics?since=${Date.now() + 60_000}`)).body.total.calls).toBe(0);
  });

  it("matches figures computed call by call over many hours, members, tools and tokens", async () => {
    const now = Date.now();
    await api("POST", "/workspaces", { name: "synth" });
    // Deterministic calls over the last 30 hours, as the gateway logs them (through the control API).
    let seed = 7;
    const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const outcomes = ["ok", "ok", "ok", "tool_error", "timeout"] as const;
    const records = Array.from({ length: 3000 }, (_, i) => {
      const member = ["a", "b", "c"][Math.floor(random() * 3)]!;
      const outcome = outcomes[Math.floor(random() * outcomes.length)]!;
      return {
        ts: now - 30 * 3_600_000 + Math.floor((i / 3000) * 30 * 3_600_000),
        tokenId: `t${i % 4}`,
        tokenName: i % 5 === 0 ? null : `tok-${i % 4}`,
        method: i % 11 === 0 ? "tools/list" : "tools/call",
        member: i % 11 === 0 ? null : member,
        tool: i % 11 === 0 ? null : ["x", "y"][Math.floor(random() * 2)]!,
        latencyMs: Math.round(-Math.log(1 - random()) * 80),
        outcome,
        errorClass: outcome === "ok" ? null : outcome,
      };
    });
    const loaded = await fetch(`${server.url}/__aerostack/workspaces/synth/calls`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.platform.token}`, "content-type": "application/json" },
      body: JSON.stringify({ records }),
    });
    expect(loaded.status).toBe(200);
    const exactPercentile = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
    // Starts on an hour, mid-hour, and before everything.
    for (const since of [now - 10 * 3_600_000 - 1234, Math.floor((now - 20 * 3_600_000) / 3_600_000) * 3_600_000, now - 40 * 3_600_000]) {
      const calls = records.filter((r) => r.ts >= since && r.method === "tools/call");
      const got = (await api("GET", `/workspaces/synth/analytics?since=${since}`)).body;
      const check = (row: Json, group: typeof calls, what: string) => {
        expect([row.calls, row.errors], what).toEqual([group.length, group.filter((r) => r.outcome !== "ok").length]);
        expect(row.errorRate, what).toBeCloseTo(group.filter((r) => r.outcome !== "ok").length / group.length, 12);
        const sorted = group.map((r) => r.latencyMs).sort((a, b) => a - b);
        for (const p of [50, 95] as const) {
          const exact = exactPercentile(sorted, p);
          const shown = row[`p${p}Ms`] as number;
          // The upper bound of the exact value's bin (~19% wide), rounded: never below, at most one bin above.
          expect(shown, `${what} p${p}`).toBeGreaterThanOrEqual(Math.max(1, exact));
          expect(shown, `${what} p${p}`).toBeLessThanOrEqual(Math.max(1, Math.ceil(exact * 1.19)) + 1);
        }
      };
      check(got.total, calls, `total since ${since}`);
      for (const m of ["a", "b", "c"]) check(got.byMember.find((r: Json) => r.key === m), calls.filter((r) => r.member === m), `member ${m}`);
      for (const t of ["a__x", "b__y"]) check(got.byTool.find((r: Json) => r.key === t), calls.filter((r) => `${r.member}__${r.tool}` === t), `tool ${t}`);
      for (const k of ["tok-1", "tok-2"]) check(got.byToken.find((r: Json) => r.key === k), calls.filter((r) => r.tokenName === k), `token ${k}`);
      expect(got.byToken.map((r: Json) => r.key).sort()).toEqual(["tok-0", "tok-1", "tok-2", "tok-3"]);
    }
  });
});
