/**
 * Workspaces as a team manages them, with the built CLI against a real `aerostack platform start`: create, members of
 * each kind (and the SSRF rule on the rule, never dialed), switches, secrets, member tokens, a client config written,
 * the empty call log, a workspace folder deployed with --dry-run then for real, delete — and bad input changing nothing.
 * Calls through the gateway itself are tested with the gateway.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile, appendFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startPlatformProcess, type PlatformProcess, type RunResult } from "./helpers";
import { echoServer, startMcpFixture } from "../../runtime/src/worker/gateway/fixtures/servers";

const SECRET_VALUE = "sk_live_workspace_e2e_51c0ffee";

interface Member {
  slug: string;
  kind: string;
  target: string;
  enabled: boolean;
  disabledTools: string[];
}
interface Workspace {
  name: string;
  url: string;
  settings: { rateLimitPerMinute: number; logArguments: boolean; logRetentionDays: number };
  members: Member[];
}

// Each step runs several CLI processes against one platform: on two shared cores that can pass the default 30 s.
describe("aerostack workspace: the management surface", { timeout: 120_000 }, () => {
  let work: string;
  let platform: PlatformProcess;
  let env: Record<string, string>;
  const transcript: string[] = [];

  const cli = async (args: string[], options: { input?: string; cwd?: string; env?: Record<string, string> } = {}): Promise<RunResult> => {
    const res = await runCli(args, { cwd: options.cwd ?? work, env: { ...env, ...options.env }, ...(options.input !== undefined ? { input: options.input } : {}) });
    transcript.push(res.stdout, res.stderr);
    return res;
  };
  const ok = async <T>(args: string[], options: Parameters<typeof cli>[1] = {}): Promise<T> => {
    const res = await cli([...args, "--json"], options);
    expect(res.code, res.stderr).toBe(0);
    return JSON.parse(res.stdout) as T;
  };
  const show = (name: string) => ok<Workspace>(["workspace", "show", name]);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "aerostack-workspace-e2e-"));
    const base: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("AEROSTACK_")) base[k] = v;
    base.HOME = join(work, "home");
    base.XDG_CONFIG_HOME = join(work, "config");
    platform = await startPlatformProcess(join(work, "data"), base);
    env = { ...base, AEROSTACK_API_URL: platform.url, AEROSTACK_API_KEY: platform.adminKey };
    // A deployed project to be a member (any project will do: membership is checked by name, not by its tools).
    const weather = join(work, "weather");
    await mkdir(join(weather, "src"), { recursive: true });
    await writeFile(join(weather, "aerostack.toml"), 'name = "weather"\n');
    await writeFile(join(weather, "src/index.ts"), 'export default { fetch: () => new Response("sunny") };\n');
    await ok(["deploy"], { cwd: weather });
  }, 90_000);

  afterAll(async () => {
    if (platform) expect(await platform.stop()).toBe(0);
    await rm(work, { recursive: true, force: true });
  });

  it("creates, lists, shows and updates a workspace", async () => {
    const created = await ok<Workspace>(["workspace", "create", "eng", "--rate-limit", "300"]);
    expect(created).toMatchObject({ name: "eng", url: `${platform.url}/ws/eng`, settings: { rateLimitPerMinute: 300, logArguments: false, logRetentionDays: 30 }, members: [] });
    expect((await ok<Workspace[]>(["workspace", "list"])).map((w) => w.name)).toEqual(["eng"]);
    const updated = await ok<Workspace>(["workspace", "update", "eng", "--log-arguments", "--log-retention-days", "7"]);
    expect(updated.settings).toEqual({ rateLimitPerMinute: 300, logArguments: true, logRetentionDays: 7 });
    const human = await cli(["workspace", "show", "eng"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`${platform.url}/ws/eng`);
    expect(human.stdout).toContain("rate limit 300/min");

    const again = await cli(["workspace", "create", "eng"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('you already have a workspace "eng"');
    const bad = await cli(["workspace", "update", "eng", "--rate-limit", "0"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--rate-limit must be a whole number from 1 to 100000");
  });

  it("adds a deployed project and a proxied loopback server (only with --allow-private); a metadata URL never", async () => {
    const missing = await cli(["workspace", "add", "eng", "nowhere"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no project "nowhere"');

    const project = await ok<Workspace>(["workspace", "add", "eng", "weather"]);
    expect(project.members).toEqual([{ slug: "weather", kind: "project", target: "weather", enabled: true, disabledTools: [], changedTools: [] }]);

    // Judged by the rule when added; nothing listens there and nothing dials it.
    const loopback = "http://127.0.0.1:9/mcp";
    const refused = await cli(["workspace", "add", "eng", "local", "--url", loopback]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("127.0.0.1 is a loopback address; add the member with --allow-private");
    expect(refused.stderr).toContain("add --allow-private");
    const metadata = await cli(["workspace", "add", "eng", "meta", "--url", "http://169.254.169.254/latest/mcp", "--allow-private"]);
    expect(metadata.code).toBe(1);
    expect(metadata.stderr).toContain("169.254.169.254 is a cloud metadata address; a member may never point there");

    const proxied = await cli(["workspace", "add", "eng", "local", "--url", loopback, "--allow-private", "--header", "Authorization=Bearer secret:LOCAL_KEY", "--header", "X-Org=acme", "--timeout", "2000", "--json"]);
    expect(proxied.code, proxied.stderr).toBe(0);
    expect(proxied.stderr).toContain("Secret LOCAL_KEY is not set on eng yet");
    expect((JSON.parse(proxied.stdout) as Workspace).members.map((m) => [m.slug, m.kind, m.target])).toEqual([
      ["weather", "project", "weather"],
      ["local", "proxy", loopback],
    ]);
  });

  it("workspace show --tools asks each member for its tools, with their switches", async () => {
    const docs = await startMcpFixture(echoServer("docs"));
    try {
      await ok(["workspace", "create", "tooled"]);
      await ok(["workspace", "add", "tooled", "docs", "--url", docs.url.endsWith("/mcp") ? docs.url : `${docs.url}/mcp`, "--allow-private"]);
      await ok(["workspace", "add", "tooled", "down", "--url", "http://127.0.0.1:9/mcp", "--allow-private", "--timeout", "2000"]);
      await ok(["workspace", "disable", "tooled", "docs", "--tool", "fails"]);
      const shown = await ok<Workspace & { tools: { member: string; error: string | null; tools: { name: string; enabled: boolean }[] }[] }>(["workspace", "show", "tooled", "--tools"]);
      expect(shown.members.map((m) => m.slug)).toEqual(["docs", "down"]);
      const docsTools = shown.tools.find((m) => m.member === "docs")!;
      expect(docsTools.error).toBeNull();
      expect(docsTools.tools.filter((t) => ["echo", "fails"].includes(t.name))).toEqual([
        expect.objectContaining({ name: "echo", enabled: true }),
        expect.objectContaining({ name: "fails", enabled: false }),
      ]);
      expect(shown.tools.find((m) => m.member === "down")!.error).toMatch(/could not be reached/);
      const human = await cli(["workspace", "show", "tooled", "--tools"]);
      expect(human.code, human.stderr).toBe(0);
      expect(human.stdout).toMatch(/docs__echo\s+│\s+on\b/);
      expect(human.stdout).toMatch(/docs__fails\s+│\s+off\b/);
      expect(human.stdout).toContain("could not list its tools");
      // Without --tools nothing is asked of the members: the JSON is the workspace as before.
      expect(await show("tooled")).not.toHaveProperty("tools");
      await ok(["workspace", "delete", "tooled", "--yes"]);
    } finally {
      await docs.close();
    }
  });

  it("refuses bad member input with a usage error, never echoing a credential, and changes nothing", async () => {
    const before = await show("eng");
    const credential = await cli(["workspace", "add", "eng", "stripe", "--url", "https://mcp.stripe.example/mcp", "--header", `Authorization=Bearer ${SECRET_VALUE}`]);
    expect(credential.code).toBe(2);
    expect(credential.stderr).toContain("--header Authorization carries credentials");
    expect(credential.stderr).toContain("aerostack secret put NAME --workspace eng");
    expect(credential.stderr).not.toContain(SECRET_VALUE);
    const badUrl = await cli(["workspace", "add", "eng", "stripe", "--url", "not a url"]);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain("--url must be an http(s) URL");
    const badName = await cli(["workspace", "add", "eng", "Stripe_2", "--url", "https://mcp.stripe.example/mcp"]);
    expect(badName.code).toBe(2);
    const unknown = await cli(["workspace", "add", "nope", "weather"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no workspace "nope"');
    expect(await show("eng")).toEqual(before);
  });

  it("disables and enables a member, or some of its tools (merged into disabledTools)", async () => {
    const member = async (args: string[]) => (await ok<Workspace>(["workspace", ...args])).members.find((m) => m.slug === "weather")!;
    expect(await member(["disable", "eng", "weather", "--tool", "forecast", "--tool", "weather__alerts"])).toMatchObject({ enabled: true, disabledTools: ["alerts", "forecast"] });
    expect(await member(["disable", "eng", "weather", "--tool", "radar"])).toMatchObject({ disabledTools: ["alerts", "forecast", "radar"] });
    expect(await member(["enable", "eng", "weather", "--tool", "forecast"])).toMatchObject({ enabled: true, disabledTools: ["alerts", "radar"] });
    expect(await member(["disable", "eng", "weather"])).toMatchObject({ enabled: false, disabledTools: ["alerts", "radar"] });
    expect(await member(["enable", "eng", "weather"])).toMatchObject({ enabled: true });
    const nope = await cli(["workspace", "disable", "eng", "nope"]);
    expect(nope.code).toBe(1);
    expect(nope.stderr).toContain('has no member "nope"');
    const removed = await ok<Workspace>(["workspace", "remove", "eng", "local"]);
    expect(removed.members.map((m) => m.slug)).toEqual(["weather"]);
  });

  it("stores a workspace secret from stdin and never prints its value", async () => {
    const put = await cli(["secret", "put", "LOCAL_KEY", "--workspace", "eng"], { input: `${SECRET_VALUE}\n` });
    expect(put.code, put.stderr).toBe(0);
    expect(put.stdout).toContain("Set LOCAL_KEY on workspace eng");
    expect((await ok<{ name: string }[]>(["secret", "list", "--workspace", "eng"])).map((s) => s.name)).toEqual(["LOCAL_KEY"]);
    const asArgument = await cli(["secret", "put", "LOCAL_KEY", SECRET_VALUE, "--workspace", "eng"]);
    expect(asArgument.code).toBe(2);
    const mixed = await cli(["secret", "list", "--workspace", "eng", "--env", "staging"]);
    expect(mixed.code).toBe(2);
    const gone = await cli(["secret", "delete", "NOPE", "--workspace", "eng"]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("aerostack secret list --workspace eng");
  });

  it("creates a member token shown once with client entries, lists it without the token, revokes it", async () => {
    const created = await ok<{ id: string; url: string; token: string; info: { role: string; expiresAt: string | null }; clients: Record<string, Record<string, Record<string, unknown>>> }>([
      "token", "create", "--workspace", "eng", "--role", "developer", "--name", "alice", "--expires", "30d",
    ]);
    expect(created.id).toMatch(/^tok_/);
    expect(created.url).toBe(`${platform.url}/ws/eng`);
    expect(created.token).toMatch(/^mwt_[A-Za-z0-9_-]{43}$/);
    expect(created.info.role).toBe("developer");
    expect(Date.parse(created.info.expiresAt!)).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    expect(created.clients.cursor!.mcpServers!.eng).toEqual({ url: created.url, headers: { Authorization: `Bearer ${created.token}` } });
    expect(created.clients.vscode!.servers!.eng).toEqual({ type: "http", url: created.url, headers: { Authorization: `Bearer ${created.token}` } });
    expect(created.clients.claude!.mcpServers!.eng).toEqual({ command: "aerostack", args: ["mcp", "stdio", created.url], env: { AEROSTACK_TOKEN: created.token } });

    const human = await cli(["token", "create", "--workspace", "eng", "--role", "read-only", "--name", "ci", "--tool", "weather__forecast"]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/shown only this once:\n\n {2}mwt_/);
    for (const label of ["Cursor", "Claude Desktop", "VS Code"]) expect(human.stdout).toContain(label);

    const list = await cli(["token", "list", "--workspace", "eng", "--json"]);
    expect(list.stdout).not.toContain("mwt_");
    const tokens = JSON.parse(list.stdout) as { id: string; name: string; role: string; tools: string[] | null; revokedAt: string | null }[];
    expect(tokens.map((t) => [t.name, t.role, t.tools])).toEqual(expect.arrayContaining([["alice", "developer", null], ["ci", "read-only", ["weather__forecast"]]]));

    expect((await ok<{ revoked: string }>(["token", "revoke", created.id, "--workspace", "eng"])).revoked).toBe(created.id);
    const after = await ok<typeof tokens>(["token", "list", "--workspace", "eng"]);
    expect(after.find((t) => t.id === created.id)!.revokedAt).not.toBeNull();
    const twice = await cli(["token", "revoke", created.id, "--workspace", "eng"]);
    expect(twice.code).toBe(1);

    const badRole = await cli(["token", "create", "--workspace", "eng", "--role", "owner", "--name", "x"]);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain("One of: admin, developer, read-only");
    const past = await cli(["token", "create", "--workspace", "eng", "--role", "admin", "--name", "x", "--expires", "2001-01-01"]);
    expect(past.code).toBe(2);
    expect((await ok<unknown[]>(["token", "list", "--workspace", "eng"])).length).toBe(2);
  });

  it("an admin member token manages its workspace from the CLI with no account key (AEROSTACK_WORKSPACE_TOKEN)", async () => {
    const lead = await ok<{ token: string }>(["token", "create", "--workspace", "eng", "--role", "admin", "--name", "lead"]);
    // No account key anywhere: only the platform URL and the admin's member token.
    const asLead = { env: { AEROSTACK_API_KEY: "", AEROSTACK_WORKSPACE_TOKEN: lead.token } };
    const minted = await ok<{ token: string; id: string }>(["token", "create", "--workspace", "eng", "--role", "developer", "--name", "bob"], asLead);
    expect(minted.token).toMatch(/^mwt_/);
    expect((await ok<{ name: string }[]>(["token", "list", "--workspace", "eng"], asLead)).map((t) => t.name)).toContain("bob");
    expect((await ok<{ revoked: string }>(["token", "revoke", minted.id, "--workspace", "eng"], asLead)).revoked).toBe(minted.id);
    // Account-wide commands still need the account's key, and say so.
    const projects = await cli(["projects", "--json"], asLead);
    expect(projects.code).toBe(1);
    expect(projects.stderr).toContain("member token");
  });

  it("workspace connect --write merges one URL and one token into a client config, keeping other entries", async () => {
    const file = join(work, "client", "mcp.json");
    await mkdir(join(work, "client"));
    await writeFile(file, JSON.stringify({ mcpServers: { other: { url: "http://example.test/mcp" } }, theme: "dark" }));
    const token = "mwt_connect_test_token_0123456789";
    const res = await cli(["workspace", "connect", "eng", "--client", "cursor", "--write", "--config-file", file, "--json"], { env: { AEROSTACK_WORKSPACE_TOKEN: token } });
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ written: true, outcome: "added", url: `${platform.url}/ws/eng` });
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({
      mcpServers: { other: { url: "http://example.test/mcp" }, eng: { url: `${platform.url}/ws/eng`, headers: { Authorization: `Bearer ${token}` } } },
      theme: "dark",
    });
    const noToken = await cli(["workspace", "connect", "eng", "--client", "cursor"]);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain("aerostack token create --workspace eng");
    const accountKey = await cli(["workspace", "connect", "eng", "--client", "vscode", "--token", platform.adminKey]);
    expect(accountKey.code).toBe(2);
    expect(accountKey.stderr).not.toContain(platform.adminKey);
  });

  it("logs and analytics of a workspace with no calls yet", async () => {
    expect(await ok<unknown[]>(["logs", "--workspace", "eng"])).toEqual([]);
    const analytics = await ok<{ total: { calls: number }; byMember: unknown[] }>(["analytics", "--workspace", "eng", "--since", "7d"]);
    expect(analytics.total.calls).toBe(0);
    expect(analytics.byMember).toEqual([]);
    const human = await cli(["analytics", "--workspace", "eng"]);
    expect(human.stdout).toContain("0 calls");
    expect((await cli(["logs", "--workspace", "nope"])).code).toBe(1);
  });

  it("refuses a composition cycle (a → b, then b → a) and changes nothing", async () => {
    await ok(["workspace", "create", "tools"]);
    expect((await ok<Workspace>(["workspace", "add", "tools", "eng", "--workspace", "eng"])).members.map((m) => m.kind)).toEqual(["workspace"]);
    const before = await show("eng");
    const cycle = await cli(["workspace", "add", "eng", "tools", "--workspace", "tools"]);
    expect(cycle.code).toBe(1);
    expect(cycle.stderr).toContain("makes a cycle");
    expect(await show("eng")).toEqual(before);
  });

  it("deploys a workspace folder from the template: --dry-run shows the difference, then the platform matches the file", async () => {
    const init = await cli(["init", "team", "--template", "workspace", "--no-install"]);
    expect(init.code, init.stderr).toBe(0);
    const dir = join(work, "team");
    expect(await readFile(join(dir, "aerostack.toml"), "utf8")).toMatch(/name = "team"\ntype = "workspace"/);
    await appendFile(join(dir, "aerostack.toml"), '\n[[members]]\nproject = "weather"\n\n[[members]]\nslug = "lan"\nurl = "http://127.0.0.1:9/mcp"\nheaders = { Authorization = "Bearer secret:LAN_KEY" }\nallow_private = true\n');
    // `build` has no code to bundle here (`dev` serves the folder: workspace-dev.e2e.test.ts).
    expect((await cli(["build"], { cwd: dir })).code).toBe(2);

    // Secrets live on a workspace, so the first deploy says in which order to go, and creates nothing.
    const first = await cli(["deploy"], { cwd: dir });
    expect(first.code).toBe(1);
    expect(first.stderr).toContain('Workspace "team" does not exist yet');
    expect(first.stderr).toContain("aerostack secret put LAN_KEY --workspace team");
    expect((await ok<Workspace[]>(["workspace", "list"])).map((w) => w.name)).not.toContain("team");

    await ok(["workspace", "create", "team"]);
    expect((await cli(["secret", "put", "LAN_KEY", "--workspace", "team"], { input: SECRET_VALUE })).code).toBe(0);
    const plan = await ok<{ dryRun: boolean; added: string[]; requiredSecrets: string[] }>(["deploy", "--dry-run"], { cwd: dir });
    expect(plan).toMatchObject({ dryRun: true, added: ["weather", "lan"], changed: [], removed: [], unchanged: [], requiredSecrets: ["LAN_KEY"] });
    expect((await show("team")).members).toEqual([]);

    const applied = await ok(["deploy"], { cwd: dir });
    expect(applied).toMatchObject({ dryRun: false, added: ["weather", "lan"] });
    expect((await show("team")).members.map((m) => [m.slug, m.kind])).toEqual([["weather", "project"], ["lan", "proxy"]]);
    expect(await ok(["deploy"], { cwd: dir })).toMatchObject({ added: [], changed: [], removed: [], unchanged: ["weather", "lan"] });

    // Edit the file: one member changed, one gone; the human dry run names each.
    const toml = (await readFile(join(dir, "aerostack.toml"), "utf8")).replace(/\[\[members\]\]\nproject = "weather"\n/, "").replace("allow_private = true", "allow_private = true\ntimeout_ms = 500");
    await writeFile(join(dir, "aerostack.toml"), toml);
    const diff = await cli(["deploy", "--dry-run"], { cwd: dir });
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toContain("~ changed   lan");
    expect(diff.stdout).toContain("- removed   weather");
    expect(diff.stdout).toContain("nothing changed");
    await ok(["deploy"], { cwd: dir });
    expect((await show("team")).members.map((m) => m.slug)).toEqual(["lan"]);

    // A member the platform refuses (an undeployed project) fails the whole deploy: nothing changes.
    await appendFile(join(dir, "aerostack.toml"), '\n[[members]]\nproject = "ghost"\n');
    const refused = await cli(["deploy"], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('no project "ghost"');
    expect((await show("team")).members.map((m) => m.slug)).toEqual(["lan"]);
    const envFlag = await cli(["deploy", "--env", "staging"], { cwd: dir });
    expect(envFlag.code).toBe(2);
  });

  it("deletes a workspace only with --yes when there is no terminal", async () => {
    const refused = await cli(["workspace", "delete", "tools"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("confirm with --yes");
    await show("tools");
    expect(await ok(["workspace", "delete", "tools", "--yes"])).toEqual({ deleted: "tools" });
    const gone = await cli(["workspace", "show", "tools"]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('no workspace "tools"');
    expect((await cli(["workspace", "delete", "nope", "--yes"])).code).toBe(1);
  });

  it("never printed or stored the secret value in clear", async () => {
    for (const text of [...transcript, platform.output()]) expect(text).not.toContain(SECRET_VALUE);
    for (const entry of await readdir(join(work, "data"), { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) expect((await readFile(join(entry.parentPath, entry.name))).includes(SECRET_VALUE), entry.name).toBe(false);
    }
  });
});
