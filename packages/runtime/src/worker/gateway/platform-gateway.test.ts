/**
 * A workspace gateway on the self-hosted platform, driven as a team would: the API makes the workspace, its member
 * and its tokens; the real SDK Client calls through /ws/<slug> with each token. Roles, allow-lists, switched-off
 * tools, expiry, revocation, the rate limit and the call log are checked on the real thing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, readdir } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { lookup } from "node:dns/promises";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { Agent, fetch as undiciFetch } from "undici";
import { startPlatformServer, type PlatformServer } from "../../host/platform/server";
import { DEFAULT_SETTINGS } from "../../host/testing";
import { PROJECT_MCP_SERVER } from "./fixtures/project-server";
import { echoServer, startMcpFixture, type Fixture } from "./fixtures/servers";
import { FAILED_MEMBERS_META, SESSION_SHARDS } from "../../shared/gateway";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

let server: PlatformServer;
let dataDir: string;
let admin: string;
const clients: Client[] = [];

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${admin}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return (await res.json()) as Json;
}

async function token(role: string, extra: Json = {}, workspace = "eng"): Promise<string> {
  const created = await api("POST", `/workspaces/${workspace}/tokens`, { name: `${role}-${clients.length}-${Math.random().toString(36).slice(2, 6)}`, role, ...extra });
  expect(created.token, JSON.stringify(created)).toMatch(/^mwt_/);
  return created.token as string;
}

async function connect(mwt: string, workspace = "eng"): Promise<Client> {
  const client = new Client({ name: "platform-gateway-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/ws/${workspace}`), { requestInit: { headers: { authorization: `Bearer ${mwt}` } } }));
  clients.push(client);
  return client;
}

/** The fixture with `add` annotated read-only (the others are not). */
const CALC = PROJECT_MCP_SERVER.replace('{ name: "add", description: "Adds a and b",', '{ name: "add", annotations: { readOnlyHint: true }, description: "Adds a and b",');

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "aerostack-platform-gw-"));
  server = await startPlatformServer({ dataDir, port: 0, host: "127.0.0.1", baseDomain: "localhost", onLog: () => {} });
  admin = server.adminKey!;
  expect((await api("POST", "/projects/calc/deployments", { version: "c1", code: CALC, settings: DEFAULT_SETTINGS })).version).toBe("c1");
  await api("POST", "/workspaces", { name: "eng" });
  expect((await api("PUT", "/workspaces/eng/members/calc", { member: { kind: "project", slug: "calc", project: "calc" } })).members).toHaveLength(1);
});
afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await server?.close();
  await lan?.close();
});

let lan: Fixture | undefined;

/** This machine's name when it resolves to a loopback address (as /etc/hosts usually has it): a name no rule on the text can judge. */
async function loopbackName(): Promise<string | null> {
  const name = hostname();
  const found = await lookup(name).catch(() => null);
  return found && /^127\./.test(found.address) ? name : null;
}

describe("a workspace composing another", () => {
  it("holds the composed workspace's switched-off tools and the caller's role, and logs the composer as its caller", async () => {
    await api("POST", "/workspaces", { name: "ops" });
    await api("PUT", "/workspaces/ops/members/calc", { member: { kind: "project", slug: "calc", project: "calc" } });
    await api("PUT", "/workspaces/ops/members/calc/state", { disabledTools: ["boom"] });
    await api("POST", "/workspaces", { name: "team" });
    const added = await api("PUT", "/workspaces/team/members/ops", { member: { kind: "workspace", slug: "ops", workspace: "ops" } });
    expect(added.members, JSON.stringify(added)).toHaveLength(1);

    const developer = await connect(await token("developer", {}, "team"), "team");
    expect((await developer.listTools()).tools.map((t) => t.name).sort()).toEqual(["ops__calc__add", "ops__calc__headers"]);
    expect((await developer.callTool({ name: "ops__calc__add", arguments: { a: 20, b: 22 } })).content).toEqual([{ type: "text", text: "42" }]);
    const off = (await developer.callTool({ name: "ops__calc__boom", arguments: {} }).catch((e: unknown) => e)) as McpError;
    expect(off.message).toMatch(/switched off in workspace "ops"/);

    // A read-only token of the composing workspace stays read-only inside the composed one.
    const reader = await connect(await token("read-only", {}, "team"), "team");
    expect((await reader.listTools()).tools.map((t) => t.name)).toEqual(["ops__calc__add"]);
    const denied = (await reader.callTool({ name: "ops__calc__headers", arguments: {} }).catch((e: unknown) => e)) as McpError;
    expect(denied.message).toMatch(/read-only/);

    await expect
      .poll(async () => ((await api("GET", "/workspaces/ops/logs?limit=100")).entries as Json[]).filter((e) => e.method === "tools/call").map((e) => e.tokenName))
      .toContain("workspace team");
  });
});

describe("proxied members at connect time", () => {
  it("refuses a member whose name resolves to loopback unless it was added with allowPrivate", async (t) => {
    const name = await loopbackName();
    if (!name) return t.skip();
    lan = await startMcpFixture(echoServer("lan"));
    const port = new URL(lan.url).port;
    await api("POST", "/workspaces", { name: "net" });
    // The name passes the check when it is added (it is not an address); only the connection shows where it leads.
    const added = await api("PUT", "/workspaces/net/members/lan", { member: { kind: "proxy", slug: "lan", url: `http://${name}:${port}/mcp`, headers: {} } });
    expect(added.members, JSON.stringify(added)).toHaveLength(1);
    const client = await connect(await token("developer", {}, "net"), "net");
    const { tools, _meta } = await client.listTools();
    expect(tools).toEqual([]);
    const failed = _meta?.[FAILED_MEMBERS_META] as { member: string; error: string }[];
    expect(failed).toEqual([{ member: "lan", error: expect.stringContaining(`could not be reached: nothing answered at ${name}:${port}, or it resolves to an address`) }]);
    expect(failed[0]!.error).toContain("--allow-private");
    expect(lan.requests).toHaveLength(0);

    // localhost is refused by name before any connection; with allowPrivate both work.
    const refused = await api("PUT", "/workspaces/net/members/local", { member: { kind: "proxy", slug: "local", url: `http://localhost:${port}/mcp`, headers: {} } });
    expect(JSON.stringify(refused)).toMatch(/loopback/);
    await api("PUT", "/workspaces/net/members/lan", { member: { kind: "proxy", slug: "lan", url: `http://${name}:${port}/mcp`, headers: {}, allowPrivate: true } });
    await api("PUT", "/workspaces/net/members/local", { member: { kind: "proxy", slug: "local", url: `http://localhost:${port}/mcp`, headers: {}, allowPrivate: true } });
    const after = await connect(await token("developer", {}, "net"), "net");
    const listed = await after.listTools();
    expect(listed._meta?.[FAILED_MEMBERS_META]).toBeUndefined();
    expect(listed.tools.map((t) => t.name)).toEqual(expect.arrayContaining(["lan__whoami", "local__whoami"]));
    expect((await after.callTool({ name: "local__whoami", arguments: {} })).content).toEqual([{ type: "text", text: "lan" }]);
  });
});

describe("workspace gateway on the platform", () => {
  it("a developer token lists and calls the deployed member's tools", async () => {
    const client = await connect(await token("developer"));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["calc__add", "calc__boom", "calc__headers"]);
    const result = await client.callTool({ name: "calc__add", arguments: { a: 2, b: 40 } });
    expect(result.content).toEqual([{ type: "text", text: "42" }]);
    // The member token never travels to the member.
    const headers = await client.callTool({ name: "calc__headers", arguments: {} });
    expect(JSON.stringify(headers.content)).not.toContain("mwt_");
  });

  it("a read-only token sees and calls only read-only tools", async () => {
    const client = await connect(await token("read-only"));
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["calc__add"]);
    expect((await client.callTool({ name: "calc__add", arguments: { a: 1, b: 1 } })).content).toEqual([{ type: "text", text: "2" }]);
    const refused = await client.callTool({ name: "calc__headers", arguments: {} }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(McpError);
    expect((refused as McpError).message).toMatch(/read-only/);
  });

  it("a token's allow-list and the workspace's switched-off tools hold in lists and calls", async () => {
    const client = await connect(await token("developer", { tools: ["calc__add"] }));
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["calc__add"]);
    expect(((await client.callTool({ name: "calc__boom", arguments: {} }).catch((e: unknown) => e)) as McpError).message).toMatch(/may call only calc__add/);

    await api("PUT", "/workspaces/eng/members/calc/state", { disabledTools: ["boom"] });
    const other = await connect(await token("developer"));
    expect((await other.listTools()).tools.map((t) => t.name).sort()).toEqual(["calc__add", "calc__headers"]);
    expect(((await other.callTool({ name: "calc__boom", arguments: {} }).catch((e: unknown) => e)) as McpError).message).toMatch(/switched off/);
    await api("PUT", "/workspaces/eng/members/calc/state", { disabledTools: [] });
  });

  it("revocation and expiry cut a token off on its next request", async () => {
    const mwt = await token("developer");
    const client = await connect(mwt);
    await client.listTools();
    const list = await api("GET", "/workspaces/eng/tokens");
    const id = (list.tokens as Json[]).find((t) => t.lastUsedAt !== null && t.revokedAt === null && t.role === "developer" && t.tools === null)?.id;
    expect(id).toBeTruthy();
    const revoked = await Promise.all((list.tokens as Json[]).filter((t) => t.role === "developer" && t.revokedAt === null).map((t) => api("DELETE", `/workspaces/eng/tokens/${t.id}`)));
    expect(revoked.every((r) => r.ok === true)).toBe(true);
    const res = await fetch(`${server.url}/ws/eng`, { method: "POST", headers: { authorization: `Bearer ${mwt}`, "content-type": "application/json", accept: "application/json, text/event-stream" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } } }) });
    expect(res.status).toBe(401);
    expect(await res.text()).toMatch(/revoked/);

    const shortLived = await token("developer", { expiresAt: Date.now() + 800 });
    await connect(shortLived);
    await expect
      .poll(async () => (await fetch(`${server.url}/ws/eng`, { method: "POST", headers: { authorization: `Bearer ${shortLived}`, "content-type": "application/json" }, body: "{}" })).status, { timeout: 5000, interval: 200 })
      .toBe(401);
  });

  it("the 121st request of a token in a minute gets 429 with Retry-After, RateLimit fields and a JSON-RPC error", async () => {
    const mwt = await token("developer");
    // The limit is a sliding minute estimated from per-minute counters: start the burst well inside one minute, so
    // the 121 requests are counted exactly (across a boundary the estimate may round one in either direction).
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 50_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 50));
    const init = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "flood", version: "1" } } };
    const send = () =>
      fetch(`${server.url}/ws/eng`, { method: "POST", headers: { authorization: `Bearer ${mwt}`, "content-type": "application/json", accept: "application/json, text/event-stream" }, body: JSON.stringify(init) });
    let last: Response | undefined;
    for (let i = 1; i <= 120; i++) {
      last = await send();
      expect(last.status, `request ${i}`).toBe(200);
      await last.body?.cancel();
    }
    expect(last!.headers.get("ratelimit-limit")).toBe("120");
    expect(last!.headers.get("ratelimit-remaining")).toBe("0");
    const over = await send();
    expect(over.status).toBe(429);
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(over.headers.get("ratelimit-remaining")).toBe("0");
    const body = (await over.json()) as Json;
    expect(body).toMatchObject({ jsonrpc: "2.0", error: { code: -32029 } });
    expect(body.error.message).toMatch(/120 requests a minute/);
  });

  it("logs every call with its token, member, tool and outcome, and summarizes them", async () => {
    let entries: Json[] = [];
    await expect
      .poll(async () => {
        entries = (await api("GET", "/workspaces/eng/logs?limit=1000")).entries as Json[];
        return entries.filter((e) => e.method === "tools/call").length;
      })
      .toBeGreaterThanOrEqual(5);
    const add = entries.find((e) => e.method === "tools/call" && e.tool === "add" && e.outcome === "ok");
    expect(add).toMatchObject({ member: "calc", tokenName: expect.stringMatching(/^developer-/) });
    expect(add).not.toHaveProperty("arguments");
    expect(entries.some((e) => e.outcome === "denied" && e.tool === "headers")).toBe(true);
    const analytics = await api("GET", "/workspaces/eng/analytics");
    expect(analytics.byMember.find((r: Json) => r.key === "calc").calls).toBeGreaterThanOrEqual(5);
    expect(analytics.byTool.find((r: Json) => r.key === "calc__add")).toMatchObject({ errors: 0 });
    expect(analytics.total.errorRate).toBeGreaterThan(0);
  });
});

/** Session-hosting objects on disk: Miniflare keeps one SQLite file (plus -wal, -shm) per object of the class. */
async function sessionObjectFiles(): Promise<Set<string>> {
  const all = await readdir(dataDir, { recursive: true });
  return new Set(all.filter((f) => f.includes("GatewaySession") && f.endsWith(".sqlite")));
}

describe("gateway sessions cost a row, not an object on disk", () => {
  beforeAll(async () => {
    // Its own workspace, with room for a flood under its rate limit.
    await api("POST", "/workspaces", { name: "flood" });
    await api("PUT", "/workspaces/flood/config", { members: [{ kind: "project", slug: "calc", project: "calc" }], settings: { rateLimitPerMinute: 100_000 } });
  });
  // workerd closes a kept-alive connection idle for 5 s and says nothing of it beforehand; undici keeps idle sockets
  // for 4 s, and on a loaded machine the two can cross (a request written as the server closes). Sockets kept 1 s here.
  const agent = new Agent({ keepAliveTimeout: 1000 });
  afterAll(() => agent.close());
  const initialize = (mwt: string) =>
    undiciFetch(`${server.url}/ws/flood`, {
      dispatcher: agent,
      method: "POST",
      headers: { authorization: `Bearer ${mwt}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "flood", version: "1" } } }),
    });

  it("answers floods of 400 concurrent initializes, each with its own session, and leaves no file per session", async () => {
    const mwt = await token("developer", {}, "flood");
    const flood = async () => {
      const answers = await Promise.all(Array.from({ length: 400 }, () => initialize(mwt)));
      const ids = new Set<string>();
      for (const res of answers) {
        expect(res.status).toBe(200);
        ids.add(res.headers.get("mcp-session-id")!);
        await res.body?.cancel();
      }
      expect(ids.size).toBe(400);
      return ids;
    };
    const before = await sessionObjectFiles();
    await flood();
    // The workspace's session hosts, a fixed number whatever the sessions: a second flood adds none.
    const hosts = await sessionObjectFiles();
    expect(hosts.size - before.size).toBeLessThanOrEqual(SESSION_SHARDS);
    const ids = await flood();
    // Each session works afterwards: a ping on a few of them.
    for (const id of [...ids].slice(0, 5)) {
      const res = await undiciFetch(`${server.url}/ws/flood`, {
        dispatcher: agent,
        method: "POST",
        headers: { authorization: `Bearer ${mwt}`, "content-type": "application/json", accept: "application/json", "mcp-session-id": id, "mcp-protocol-version": "2025-06-18" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" }),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as Json).result).toEqual({});
    }
    expect(await sessionObjectFiles()).toEqual(hosts);
  });

  it("a session's record belongs to its token: another token of the workspace gets 404 on it, and DELETE ends it for good", async () => {
    const mwt = await token("developer", {}, "flood");
    const other = await token("developer", {}, "flood");
    const res = await initialize(mwt);
    const id = res.headers.get("mcp-session-id")!;
    await res.body?.cancel();
    const ping = (bearer: string, method = "POST") =>
      undiciFetch(`${server.url}/ws/flood`, {
        dispatcher: agent,
        method,
        headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json", accept: "application/json", "mcp-session-id": id },
        ...(method === "POST" ? { body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" }) } : {}),
      });
    expect((await ping(other)).status).toBe(404);
    expect((await ping(mwt)).status).toBe(200);
    expect((await ping(mwt, "DELETE")).status).toBe(200);
    expect((await ping(mwt)).status).toBe(404);
  });

  it("serves 200 concurrent calls on one session, all answered", async () => {
    const client = await connect(await token("developer", {}, "flood"), "flood");
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => client.callTool({ name: "calc__add", arguments: { a: i, b: 1 } })));
    expect(results.map((r) => (r.content as { text: string }[])[0]!.text)).toEqual(Array.from({ length: 200 }, (_, i) => String(i + 1)));
  });
});

describe("after a platform restart on the same data dir", () => {
  it("keeps workspaces, tokens, secrets, the call log and open sessions", async () => {
    const mwt = await token("developer");
    const client = await connect(mwt);
    expect((await client.callTool({ name: "calc__add", arguments: { a: 1, b: 2 } })).content).toEqual([{ type: "text", text: "3" }]);
    expect((await api("PUT", "/workspaces/eng/secrets/KEPT", { value: "kept-value-1" })).name).toBe("KEPT");
    const before = { info: await api("GET", "/workspaces/eng"), tokens: await api("GET", "/workspaces/eng/tokens"), log: await api("GET", "/workspaces/eng/logs?limit=1000") };
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId!;

    await server.close();
    server = await startPlatformServer({ dataDir, port: 0, host: "127.0.0.1", baseDomain: "localhost", onLog: () => {} });

    expect(await api("GET", "/workspaces/eng")).toEqual({ ...before.info, url: `${server.url}/ws/eng` });
    expect(await api("GET", "/workspaces/eng/tokens")).toEqual(before.tokens);
    expect(((await api("GET", "/workspaces/eng/secrets")).secrets as Json[]).map((s) => s.name)).toContain("KEPT");
    const log = await api("GET", "/workspaces/eng/logs?limit=1000");
    expect(log.entries.length).toBeGreaterThanOrEqual(before.log.entries.length);
    // The session the client held goes on: its record is a row of the workspace; its member session is opened again.
    const res = await fetch(`${server.url}/ws/eng`, {
      method: "POST",
      headers: { authorization: `Bearer ${mwt}`, "content-type": "application/json", accept: "application/json", "mcp-session-id": sessionId, "mcp-protocol-version": "2025-06-18" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "calc__add", arguments: { a: 2, b: 2 } } }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Json).result.content).toEqual([{ type: "text", text: "4" }]);
  });
});
