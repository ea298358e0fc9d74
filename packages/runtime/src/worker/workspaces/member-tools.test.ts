// GET /api/v1/workspaces/:ws/tools on a real platform with real MCP servers on loopback: every member is asked for its
// tools now (pages followed), switched-off members and tools are listed with their state, a tool switched off by a
// name the member does not list stays visible, and members that cannot be asked say why without the secret they were
// sent. Only the workspace's account (or its admin tokens) may ask.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPlatformServer, type PlatformServer } from "../../host/platform/server";
import { downUrl, echoServer, pagedServer, startMcpFixture, startRejectingServer, type Fixture, type RawFixture } from "../gateway/fixtures/servers";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const SECRET = "sk_live_MemberToolsNeverShown42";
let server: PlatformServer;
let docs: Fixture;
let paged: Fixture;
let rejecting: RawFixture;

async function api(method: string, path: string, body?: unknown, key = server.adminKey) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, text: await res.clone().text(), body: (await res.json()) as Json };
}

const mcp = (f: { url: string }) => (f.url.endsWith("/mcp") ? f.url : `${f.url}/mcp`);

beforeAll(async () => {
  server = await startPlatformServer({ dataDir: await mkdtemp(join(tmpdir(), "aerostack-member-tools-")), port: 0, host: "127.0.0.1", baseDomain: "localhost", onLog: () => {} });
  [docs, paged, rejecting] = await Promise.all([startMcpFixture(echoServer("docs")), startMcpFixture(pagedServer(250, 100)), startRejectingServer()]);
  await api("POST", "/workspaces", { name: "tl" });
  const put = (member: Json) => api("PUT", `/workspaces/tl/members/${member.slug}`, { member: { kind: "proxy", allowPrivate: true, ...member } });
  expect((await put({ slug: "docs", url: mcp(docs) })).status).toBe(200);
  expect((await put({ slug: "paged", url: mcp(paged) })).status).toBe(200);
  expect((await put({ slug: "rejects", url: rejecting.url, headers: { Authorization: { secret: "REJECT_KEY", prefix: "Bearer " } } })).status).toBe(200);
  expect((await put({ slug: "down", url: await downUrl() })).status).toBe(200);
  expect((await put({ slug: "unset", url: mcp(docs), headers: { Authorization: { secret: "NOT_SET" } } })).status).toBe(200);
  expect((await api("PUT", "/workspaces/tl/secrets/REJECT_KEY", { value: SECRET })).status).toBe(200);
  expect((await api("PUT", "/workspaces/tl/members/docs/state", { disabledTools: ["fails", "retired"] })).status).toBe(200);
  expect((await api("PUT", "/workspaces/tl/members/paged/state", { enabled: false })).status).toBe(200);
}, 60_000);
afterAll(async () => {
  await server?.close();
  await Promise.all([docs?.close(), paged?.close(), rejecting?.close()]);
});

describe("a workspace's members' tools, with their switches", () => {
  it("lists every member's tools in member order, switched-off ones included", async () => {
    const res = await api("GET", "/workspaces/tl/tools");
    expect(res.status, res.text).toBe(200);
    const members = res.body.members as Json[];
    expect(members.map((m) => m.member)).toEqual(["docs", "paged", "rejects", "down", "unset"]);

    const d = members[0]!;
    expect(d.error).toBeNull();
    expect(d.enabled).toBe(true);
    const byName = Object.fromEntries((d.tools as Json[]).map((t) => [t.name, t]));
    expect(Object.keys(byName).sort()).toEqual(["echo", "fails", "headers", "retired", "wait", "whoami"]);
    expect(byName.echo).toMatchObject({ enabled: true, listed: true, description: "Echoes" });
    expect(byName.fails).toMatchObject({ enabled: false, listed: true });
    // Switched off by name, not listed by the member: shown so it can be switched back on.
    expect(byName.retired).toMatchObject({ enabled: false, listed: false });

    // A switched-off member is still asked; its 250 tools come in three pages.
    const p = members[1]!;
    expect(p).toMatchObject({ enabled: false, error: null });
    expect(p.tools).toHaveLength(250);
    expect(p.tools.at(-1)).toMatchObject({ name: "t249", enabled: true });
  });

  it("says why a member could not be asked, without the secret it was sent", async () => {
    const { body, text } = await api("GET", "/workspaces/tl/tools");
    const by = Object.fromEntries((body.members as Json[]).map((m) => [m.member, m]));
    expect(by.rejects.tools).toEqual([]);
    expect(by.rejects.error).toMatch(/401/);
    expect(by.down.error).toMatch(/could not be reached/);
    expect(by.unset.error).toMatch(/needs secret NOT_SET/);
    expect(text).not.toContain(SECRET);
  });

  it("one member with ?member=, and clear errors for a wrong one", async () => {
    const one = await api("GET", "/workspaces/tl/tools?member=docs");
    expect(one.body.members.map((m: Json) => m.member)).toEqual(["docs"]);
    expect((await api("GET", "/workspaces/tl/tools?member=nobody")).body.error).toMatchObject({ code: "member_not_found" });
    expect((await api("GET", "/workspaces/tl/tools?member=Bad_Name")).body.error).toMatchObject({ code: "invalid_query" });
  });

  it("answers the workspace's account and its admin tokens only", async () => {
    const admin = (await api("POST", "/workspaces/tl/tokens", { name: "ops", role: "admin" })).body.token as string;
    const dev = (await api("POST", "/workspaces/tl/tokens", { name: "dev", role: "developer" })).body.token as string;
    expect((await api("GET", "/workspaces/tl/tools?member=docs", undefined, admin)).status).toBe(200);
    expect((await api("GET", "/workspaces/tl/tools", undefined, dev)).status).toBe(401);
    const other = (await api("POST", "/accounts", { name: "mallory" })).body;
    expect((await api("GET", "/workspaces/tl/tools", undefined, other.key.token)).body.error).toMatchObject({ code: "workspace_not_found" });
  });
});
