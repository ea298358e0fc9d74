// The workspace management API of a real platform: create, members (project, proxy with the SSRF rule, composition
// with cycles refused), switches, secrets (never echoed), tokens (shown once, hashed), sync with a dry run, isolation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPlatformServer, type PlatformServer } from "../../host/platform/server";
import { DEFAULT_SETTINGS } from "../../host/testing";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

let server: PlatformServer;
let dataDir: string;
let admin: string;
let bob: string;
const SECRET = "sk_live_WorkspaceVaultValue77";

async function api(key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Json, text };
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "aerostack-ws-api-"));
  server = await startPlatformServer({ dataDir, port: 0, host: "127.0.0.1", baseDomain: "localhost", onLog: () => {} });
  admin = server.adminKey!;
  bob = (await api(admin, "POST", "/accounts", { name: "bob" })).body.key.token as string;
  const code = `export default { fetch() { return new Response("weather"); } }`;
  expect((await api(admin, "POST", "/projects/weather/deployments", { version: "w1", code, settings: DEFAULT_SETTINGS })).status).toBe(200);
});
afterAll(() => server?.close());

describe("workspaces API", () => {
  it("creates a workspace whose slug is unique on the platform", async () => {
    const created = await api(admin, "POST", "/workspaces", { name: "eng", settings: { rateLimitPerMinute: 60 } });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ name: "eng", account: "admin", url: `${server.url}/ws/eng`, settings: { rateLimitPerMinute: 60, logArguments: false }, members: [] });
    expect((await api(admin, "POST", "/workspaces", { name: "eng" })).body.error.code).toBe("workspace_exists");
    expect((await api(bob, "POST", "/workspaces", { name: "eng" })).body.error.message).toContain("taken");
    expect((await api(bob, "GET", "/workspaces/eng")).body.error.code).toBe("workspace_not_found");
    expect((await api(admin, "POST", "/workspaces", { name: "Bad_Name" })).body.error.code).toBe("invalid_body");
  });

  it("adds members: a deployed project, a proxy under the SSRF rule, a composed workspace without cycles", async () => {
    const project = await api(admin, "PUT", "/workspaces/eng/members/weather", { member: { kind: "project", slug: "weather", project: "weather" } });
    expect(project.body.members).toEqual([{ slug: "weather", kind: "project", target: "weather", enabled: true, disabledTools: [], changedTools: [] }]);
    expect((await api(admin, "PUT", "/workspaces/eng/members/ghost", { member: { kind: "project", slug: "ghost", project: "ghost" } })).body.error.message).toContain('no project "ghost"');
    expect((await api(bob, "PUT", "/workspaces/eng/members/x", { member: { kind: "project", slug: "x", project: "weather" } })).body.error.code).toBe("workspace_not_found");

    const proxy = (url: string, allowPrivate?: boolean) => ({ member: { kind: "proxy", slug: "stripe", url, headers: { Authorization: { secret: "STRIPE_KEY", prefix: "Bearer " } }, ...(allowPrivate ? { allowPrivate } : {}) } });
    expect((await api(admin, "PUT", "/workspaces/eng/members/stripe", proxy("http://169.254.169.254/latest/meta-data"))).body.error.message).toContain("metadata");
    expect((await api(admin, "PUT", "/workspaces/eng/members/stripe", proxy("http://[fe80::1]/mcp"))).body.error.message).toContain("link-local");
    expect((await api(admin, "PUT", "/workspaces/eng/members/stripe", proxy("http://10.0.0.8/mcp"))).body.error.message).toContain("--allow-private");
    expect((await api(admin, "PUT", "/workspaces/eng/members/stripe", proxy("http://user:pw@mcp.example.com/mcp"))).body.error.message).toContain("credentials");
    expect((await api(admin, "PUT", "/workspaces/eng/members/stripe", proxy("http://127.0.0.1:9/mcp", true))).status).toBe(200);

    await api(admin, "POST", "/workspaces", { name: "ops" });
    expect((await api(admin, "PUT", "/workspaces/eng/members/ops", { member: { kind: "workspace", slug: "ops", workspace: "ops" } })).status).toBe(200);
    const cycle = await api(admin, "PUT", "/workspaces/ops/members/eng", { member: { kind: "workspace", slug: "eng", workspace: "eng" } });
    expect(cycle.body.error.code).toBe("invalid_member");
    expect(cycle.body.error.message).toContain("cycle");
    expect((await api(admin, "PUT", "/workspaces/ops/members/ops", { member: { kind: "workspace", slug: "ops", workspace: "ops" } })).body.error.message).toContain("itself");
    const info = await api(admin, "GET", "/workspaces/ops");
    expect(info.body.members).toEqual([]);
  });

  it("switches members and single tools off and on", async () => {
    const off = await api(admin, "PUT", "/workspaces/eng/members/weather/state", { enabled: false, disabledTools: ["forecast", "forecast", "alerts"] });
    expect(off.body.members.find((m: Json) => m.slug === "weather")).toMatchObject({ enabled: false, disabledTools: ["alerts", "forecast"] });
    expect((await api(admin, "PUT", "/workspaces/eng/members/nobody/state", { enabled: true })).body.error.code).toBe("member_not_found");
    await api(admin, "PUT", "/workspaces/eng/members/weather/state", { enabled: true });
  });

  it("keeps secrets sealed: names and dates only, never the value", async () => {
    const put = await api(admin, "PUT", "/workspaces/eng/secrets/STRIPE_KEY", { value: SECRET });
    expect(put.text).not.toContain(SECRET);
    const list = await api(admin, "GET", "/workspaces/eng/secrets");
    expect(list.body.secrets).toEqual([{ name: "STRIPE_KEY", updatedAt: expect.any(String) }]);
    expect(list.text).not.toContain(SECRET);
  });

  it("makes member tokens shown once and stored hashed; revocation and listing", async () => {
    const created = await api(admin, "POST", "/workspaces/eng/tokens", { name: "alice", role: "developer" });
    expect(created.body.token).toMatch(/^mwt_[A-Za-z0-9_-]{43}$/);
    expect(created.body.url).toBe(`${server.url}/ws/eng`);
    expect(created.body.info).toMatchObject({ name: "alice", role: "developer", revokedAt: null, tools: null });
    const list = await api(admin, "GET", "/workspaces/eng/tokens");
    expect(list.text).not.toContain(created.body.token);
    expect((await api(admin, "POST", "/workspaces/eng/tokens", { name: "x", role: "owner" })).body.error.code).toBe("invalid_body");
    expect((await api(admin, "POST", "/workspaces/eng/tokens", { name: "x", role: "admin", expiresAt: 1 })).body.error.message).toContain("past");
    expect((await api(admin, "DELETE", `/workspaces/eng/tokens/${created.body.info.id}`)).body).toEqual({ ok: true });
    expect((await api(admin, "DELETE", `/workspaces/eng/tokens/${created.body.info.id}`)).body.error.code).toBe("token_not_found");
  });

  it("lets an admin member token manage its own workspace, and nothing else", async () => {
    await api(admin, "POST", "/workspaces", { name: "team" });
    await api(admin, "POST", "/workspaces", { name: "other" });
    const token = async (role: string, workspace = "team") => (await api(admin, "POST", `/workspaces/${workspace}/tokens`, { name: `${role}-t`, role })).body.token as string;
    const lead = await token("admin");
    const dev = await token("developer");
    const otherAdmin = await token("admin", "other");

    // Its own workspace: tokens, secrets, proxied members, switches, settings, logs.
    const minted = await api(lead, "POST", "/workspaces/team/tokens", { name: "alice", role: "developer" });
    expect(minted.status).toBe(200);
    expect(minted.body.token).toMatch(/^mwt_/);
    expect((await api(lead, "PUT", "/workspaces/team/secrets/API_KEY", { value: "v-1" })).status).toBe(200);
    const proxy = { member: { kind: "proxy", slug: "tools", url: "http://127.0.0.1:9/mcp", allowPrivate: true, headers: {} } };
    expect((await api(lead, "PUT", "/workspaces/team/members/tools", proxy)).status).toBe(200);
    expect((await api(lead, "PUT", "/workspaces/team/members/tools/state", { enabled: false })).status).toBe(200);
    expect((await api(lead, "PUT", "/workspaces/team", { settings: { rateLimitPerMinute: 30 } })).body.settings.rateLimitPerMinute).toBe(30);
    expect((await api(lead, "GET", "/workspaces/team/logs")).status).toBe(200);
    expect((await api(lead, "DELETE", `/workspaces/team/tokens/${minted.body.info.id}`)).status).toBe(200);

    // The account's projects and workspaces are not its to hand out; nor other workspaces, nor account routes.
    const project = await api(lead, "PUT", "/workspaces/team/members/weather", { member: { kind: "project", slug: "weather", project: "weather" } });
    expect(project.status).toBe(403);
    expect(project.body.error.message).toContain("account's key");
    expect((await api(lead, "PUT", "/workspaces/team/members/o", { member: { kind: "workspace", slug: "o", workspace: "other" } })).status).toBe(403);
    expect((await api(lead, "GET", "/workspaces/other")).status).toBe(401);
    expect((await api(otherAdmin, "GET", "/workspaces/team")).status).toBe(401);
    expect((await api(lead, "DELETE", "/workspaces/team")).status).toBe(401);
    const accountRoute = await api(lead, "GET", "/projects");
    expect(accountRoute.status).toBe(401);
    expect(accountRoute.body.error.message).toContain("member token");

    // A developer token manages nothing; a revoked admin token is refused on its next call.
    expect((await api(dev, "GET", "/workspaces/team/tokens")).status).toBe(401);
    const tokens = (await api(admin, "GET", "/workspaces/team/tokens")).body.tokens as Json[];
    await api(admin, "DELETE", `/workspaces/team/tokens/${tokens.find((t) => t.name === "admin-t")!.id}`);
    expect((await api(lead, "GET", "/workspaces/team")).status).toBe(401);

    // The audit log names the token that acted.
    const audit = await api(admin, "GET", "/audit");
    expect(audit.text).toContain("token admin-t");
  });

  it("syncs members from a workspace project, with a dry run that changes nothing", async () => {
    const members = [
      { kind: "project", slug: "weather", project: "weather" },
      { kind: "proxy", slug: "docs", url: "https://mcp.docs.example/mcp", headers: {} },
    ];
    const dry = await api(admin, "PUT", "/workspaces/eng/config", { members, dryRun: true, requiredSecrets: ["STRIPE_KEY"] });
    expect(dry.body).toMatchObject({ dryRun: true, added: ["docs"], unchanged: ["weather"], removed: ["stripe", "ops"] });
    expect((await api(admin, "GET", "/workspaces/eng")).body.members.map((m: Json) => m.slug)).toEqual(["weather", "stripe", "ops"]);
    const missing = await api(admin, "PUT", "/workspaces/eng/config", { members, requiredSecrets: ["NOPE"] });
    expect(missing.body.error.code).toBe("missing_secret");
    const real = await api(admin, "PUT", "/workspaces/eng/config", { members });
    expect(real.body).toMatchObject({ dryRun: false, added: ["docs"], removed: ["stripe", "ops"] });
    expect((await api(admin, "GET", "/workspaces/eng")).body.members.map((m: Json) => m.slug)).toEqual(["weather", "docs"]);
    // A first sync creates the workspace.
    const fresh = await api(bob, "PUT", "/workspaces/bobs/config", { members: [] });
    expect(fresh.body.workspace).toBe("bobs");
    expect((await api(bob, "GET", "/workspaces")).body.workspaces.map((w: Json) => w.name)).toEqual(["bobs"]);
  });

  it("serves an empty call log and analytics, and deletes a workspace with its data", async () => {
    expect((await api(admin, "GET", "/workspaces/eng/logs")).body).toEqual({ entries: [], cursor: 0 });
    expect((await api(admin, "GET", "/workspaces/eng/analytics")).body.total).toMatchObject({ calls: 0, errorRate: 0 });
    expect((await api(admin, "DELETE", "/workspaces/ops")).body).toEqual({ ok: true });
    expect((await api(admin, "GET", "/workspaces/ops")).body.error.code).toBe("workspace_not_found");
    // The slug is free again.
    expect((await api(bob, "POST", "/workspaces", { name: "ops" })).status).toBe(200);
  });

  it("never writes a workspace secret value to disk", async () => {
    await server.close();
    for (const entry of await readdir(dataDir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      expect((await readFile(join(entry.parentPath, entry.name))).includes(Buffer.from(SECRET)), entry.name).toBe(false);
    }
    server = await startPlatformServer({ dataDir, port: 0, host: "127.0.0.1", baseDomain: "localhost", onLog: () => {} });
    expect((await api(admin, "GET", "/workspaces/eng/secrets")).body.secrets.map((s: Json) => s.name)).toEqual(["STRIPE_KEY"]);
  });
});
