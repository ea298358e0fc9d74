/**
 * The dev workspace: how aerostack.toml becomes /ws/dev (unit), and `aerostack dev` serving it end to end — the
 * project's own MCP server and an `[[mcp.proxy]]` behind the dev token, re-composed live when the config or the code
 * changes (the SDK Client hears tools/list_changed).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { defaultConfig, type ProjectConfig } from "../../shared/config";
import { startProject, type ProjectHarness } from "../testing";
import { echoServer, startMcpFixture, type Fixture } from "../../worker/gateway/fixtures/servers";
import { PROJECT_MCP_SERVER } from "../../worker/gateway/fixtures/project-server";
import { hashToken, newDevToken, readDevWorkspace, workspaceConfig } from "./workspace";

const SECRET = "sk-dev-workspace-secret-123456";

describe("workspaceConfig", () => {
  const proxy = { slug: "github", url: "https://mcp.example.com/mcp", headers: { Authorization: "Bearer secret:GH_TOKEN", "X-Org": "acme" } };
  const config = (over: Partial<ProjectConfig>): ProjectConfig => ({ ...defaultConfig("weather"), ...over });

  it("makes the project a member only when it is an MCP server, and every proxy one", () => {
    const mcp = { timeout_ms: 2000, call_timeout_ms: 60_000, proxy: [proxy] };
    expect(workspaceConfig(config({ type: "mcp-server", mcp }))).toEqual({
      members: [
        { kind: "project", slug: "weather", project: "weather" },
        {
          kind: "proxy",
          slug: "github",
          url: "https://mcp.example.com/mcp",
          headers: { Authorization: { secret: "GH_TOKEN", prefix: "Bearer " }, "X-Org": { value: "acme" } },
        },
      ],
      timeoutMs: 2000,
      callTimeoutMs: 60_000,
    });
    expect(workspaceConfig(config({ type: "function" })).members).toEqual([]);
  });

  it("reads referenced secrets from .dev.vars or the environment and names the missing ones", async () => {
    const root = await mkdtemp(join(tmpdir(), "aerostack-ws-"));
    try {
      const mcp = { timeout_ms: 2000, call_timeout_ms: 60_000, proxy: [proxy, { slug: "linear", url: "https://l.example/mcp", headers: { "X-Api-Key": "secret:LINEAR_KEY" } }] };
      await writeFile(join(root, ".dev.vars"), `GH_TOKEN=${SECRET}\nUNRELATED=1\n`);
      const ws = await readDevWorkspace(root, config({ mcp }), {});
      expect(ws.secrets).toEqual({ github: { GH_TOKEN: SECRET } });
      expect(ws.missing).toEqual(['mcp.proxy "linear": header X-Api-Key needs secret LINEAR_KEY, which is not in .dev.vars or the environment']);
      const fromEnv = await readDevWorkspace(root, config({ mcp }), { LINEAR_KEY: "lin_from_env" });
      expect(fromEnv.secrets.linear).toEqual({ LINEAR_KEY: "lin_from_env" });
      expect(fromEnv.missing).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("makes a random mwt_dev_ token and keeps only its SHA-256", () => {
    const a = newDevToken();
    expect(a.token).toMatch(/^mwt_dev_[A-Za-z0-9_-]{43}$/);
    expect(a.hash).toBe(hashToken(a.token));
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(newDevToken().token).not.toBe(a.token);
  });
});

describe("aerostack dev serves /ws/dev", () => {
  let root: string;
  let alpha: Fixture;
  let beta: Fixture;
  let app: ProjectHarness;
  const clients: Client[] = [];

  const toml = (proxies: Fixture[]) =>
    [
      'name = "weather"',
      'type = "mcp-server"',
      'main = "src/index.js"',
      'compatibility_date = "2025-09-01"',
      "",
      ...proxies.flatMap((f, i) => [
        "[[mcp.proxy]]",
        `slug = "${i === 0 ? "alpha" : "beta"}"`,
        `url = "${f.url}"`,
        'headers = { Authorization = "Bearer secret:ALPHA_TOKEN", "X-Team" = "dev" }',
        "",
      ]),
    ].join("\n");

  beforeAll(async () => {
    [alpha, beta] = await Promise.all([startMcpFixture(echoServer("alpha")), startMcpFixture(echoServer("beta"))]);
    root = await mkdtemp(join(tmpdir(), "aerostack-devws-"));
    await mkdir(join(root, "src"));
    await writeFile(join(root, "src/index.js"), PROJECT_MCP_SERVER);
    await writeFile(join(root, ".dev.vars"), `ALPHA_TOKEN=${SECRET}\n`);
    await writeFile(join(root, "aerostack.toml"), toml([alpha]));
    app = await startProject(root);
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await app?.close();
    await Promise.allSettled([alpha?.close(), beta?.close()]);
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** Connects with the dev token; `streaming` resolves once the gateway has the client's GET stream open. */
  async function connect(token = app.gateway.token): Promise<{ client: Client; streaming: Promise<void> }> {
    let opened!: () => void;
    const streaming = new Promise<void>((resolve) => (opened = resolve));
    const client = new Client({ name: "dev-test", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(new URL(app.gateway.url), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        if (init?.method === "GET" && res.ok) opened();
        return res;
      },
    });
    await client.connect(transport);
    clients.push(client);
    return { client, streaming };
  }

  const listChanged = (client: Client) => new Promise<void>((resolve) => client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()));

  it("prints a dev gateway URL and token, and refuses other tokens", async () => {
    expect(app.gateway.url).toBe(`${app.url}/ws/dev`);
    expect(app.gateway.token).toMatch(/^mwt_dev_/);
    await expect(connect("mwt_dev_guessed")).rejects.toThrow(/401|Unauthorized/);
  });

  it("composes the project's MCP server and the proxy, with the secret header from .dev.vars", async () => {
    const { client } = await connect();
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["weather__add", "weather__headers", "alpha__whoami", "alpha__echo"]));
    expect((await client.callTool({ name: "weather__add", arguments: { a: 20, b: 22 } })).content).toEqual([{ type: "text", text: "42" }]);
    const seen = alpha.requests.length;
    await client.callTool({ name: "alpha__whoami", arguments: {} });
    const sent = alpha.requests.slice(seen);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((r) => r.headers.authorization === `Bearer ${SECRET}` && r.headers["x-team"] === "dev")).toBe(true);
    expect(sent.some((r) => JSON.stringify(r.headers).includes(app.gateway.token))).toBe(false);
    // The project's own server is reached inside the platform, without the client's token either.
    const projectSaw = await client.callTool({ name: "weather__headers", arguments: {} });
    expect(JSON.stringify(projectSaw)).not.toContain(app.gateway.token);
  });

  it("sends a new secret value once .dev.vars changes, without a restart", async () => {
    const { client } = await connect();
    const rotated = `${SECRET}-rotated`;
    await writeFile(join(root, ".dev.vars"), `ALPHA_TOKEN=${rotated}\n`);
    let received: string | undefined;
    for (let attempt = 0; attempt < 50 && received !== `Bearer ${rotated}`; attempt++) {
      const seen = alpha.requests.length;
      await client.callTool({ name: "alpha__whoami", arguments: {} });
      received = alpha.requests.slice(seen).at(-1)?.headers.authorization;
      if (received !== `Bearer ${rotated}`) await new Promise((r) => setTimeout(r, 100));
    }
    expect(received).toBe(`Bearer ${rotated}`);
    await writeFile(join(root, ".dev.vars"), `ALPHA_TOKEN=${SECRET}\n`);
  });

  it("tells connected clients when aerostack.toml adds a proxy", async () => {
    const { client, streaming } = await connect();
    await streaming;
    const changed = listChanged(client);
    await writeFile(join(root, "aerostack.toml"), toml([alpha, beta]));
    await changed;
    expect((await client.listTools()).tools.map((t) => t.name)).toContain("beta__whoami");
  });

  it("tells connected clients when the project's code changes its tools", async () => {
    const { client, streaming } = await connect();
    await streaming;
    const changed = listChanged(client);
    await writeFile(join(root, "src/index.js"), PROJECT_MCP_SERVER.replace('{ name: "add",', '{ name: "forecast", inputSchema: { type: "object" } }, { name: "add",'));
    await changed;
    expect((await client.listTools()).tools.map((t) => t.name)).toContain("weather__forecast");
  });
});
