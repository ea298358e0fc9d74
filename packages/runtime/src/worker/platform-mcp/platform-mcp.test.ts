/**
 * The platform's own MCP server (/mcp/platform) driven by an agent loop through the real MCP SDK client: plan (the
 * offline model), scaffold, deploy, create a workspace, publish, install, then the published server's tool is called
 * through a workspace gateway. The loop's choices are scripted: the offline `local` provider picks a tool only when a
 * message names it, and writes no code, so a script stands in for the model's decisions (which tool, which
 * arguments, rewriting the template as one self-contained module). Every step goes through the server for real.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startPlatformServer, type PlatformServer } from "../../host/platform/server";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

let server: PlatformServer;
let admin: string;
const clients: Client[] = [];

/** What the agent writes instead of the TypeScript template: one module, no imports, an MCP server with `greet`. */
const GREETER = String.raw`
const tools = [{ name: "greet", description: "Greets someone by name", annotations: { readOnlyHint: true }, inputSchema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] } }];
const reply = (id, result) => Response.json({ jsonrpc: "2.0", id, result });
export default {
  async fetch(request) {
    if (new URL(request.url).pathname !== "/mcp") return new Response("greeter", { status: 200 });
    if (request.method !== "POST") return new Response(null, { status: 405, headers: { allow: "POST" } });
    const m = await request.json();
    if (m.id === undefined) return new Response(null, { status: 202 });
    if (m.method === "initialize") return reply(m.id, { protocolVersion: m.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: "greeter", version: "1.0.0" } });
    if (m.method === "tools/list") return reply(m.id, { tools });
    if (m.method === "tools/call") return reply(m.id, { content: [{ type: "text", text: "Hello, " + m.params.arguments.name + "!" }] });
    if (m.method === "ping") return reply(m.id, {});
    return Response.json({ jsonrpc: "2.0", id: m.id, error: { code: -32601, message: "Method not found" } });
  },
};
`;

async function connect(url: string, token: string): Promise<Client> {
  const client = new Client({ name: "platform-mcp-agent", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  clients.push(client);
  return client;
}

/** One tool call as the agent makes it; a tool error fails the step with the server's own message. */
async function call(client: Client, name: string, args: Json): Promise<Json> {
  const result = (await client.callTool({ name, arguments: args })) as Json;
  expect(result.isError, `${name}: ${JSON.stringify(result.content)}`).toBeFalsy();
  return result.structuredContent as Json;
}

beforeAll(async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "aerostack-platform-mcp-"));
  server = await startPlatformServer({ dataDir, port: 0, host: "127.0.0.1", baseDomain: "localhost", onLog: () => {} });
  admin = server.adminKey!;
});
afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await server?.close();
});

describe("/mcp/platform", () => {
  it("lists its tools with their hints: deploy is destructive, plan and list read-only", async () => {
    const agent = await connect(`${server.url}/mcp/platform`, admin);
    const { tools } = await agent.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["create", "deploy", "get", "install", "list", "logs", "plan", "publish", "scaffold"]);
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(byName.deploy!.annotations).toMatchObject({ destructiveHint: true, readOnlyHint: false });
    expect(byName.plan!.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.deploy!.inputSchema.properties).toHaveProperty("files");
  });

  it("refuses callers without an account key (none, a member token, a revoked-looking key)", async () => {
    const init = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } } };
    for (const auth of [undefined, "Bearer mwt_abc", `Bearer ak_${"x".repeat(40)}`]) {
      const res = await fetch(`${server.url}/mcp/platform`, { method: "POST", headers: { "content-type": "application/json", ...(auth ? { authorization: auth } : {}) }, body: JSON.stringify(init) });
      expect(res.status).toBe(401);
      expect(await res.text()).not.toContain("mwt_abc");
    }
  });

  it("an agent plans, scaffolds, deploys, creates a workspace, publishes and installs an MCP server, whose tool then answers through a workspace", async () => {
    const agent = await connect(`${server.url}/mcp/platform`, admin);

    // 1. plan, with the offline model.
    const blueprint = await call(agent, "plan", { description: "An MCP server with a tool that greets people, for my team in Cursor" });
    expect(blueprint.model).toMatch(/^local:/);
    const project = blueprint.projects[0];
    expect(project).toMatchObject({ template: "mcp-server" });
    expect(blueprint.workspace.members).toEqual([project.name]);

    // 2. scaffold the template the plan chose.
    const scaffolded = await call(agent, "scaffold", { template: project.template, name: project.name });
    expect(scaffolded.config).toContain(`name = "${project.name}"`);
    const paths = (scaffolded.files as Json[]).map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(["aerostack.toml", "src/index.ts", ".gitignore", "package.json"]));

    // 3. deploy: the TypeScript template needs the host's bundler, and the server says so ...
    const refused = (await agent.callTool({ name: "deploy", arguments: { project: project.name, files: scaffolded.files } })) as Json;
    expect(refused.isError).toBe(true);
    expect(refused.content[0].text).toMatch(/needs bundling .*aerostack deploy/);
    // ... so the agent writes the server as one module (the scripted choice) and deploys the files again.
    const files = [
      { path: "aerostack.toml", content: (scaffolded.config as string).replace(/^main\s*=.*$/m, 'main = "src/index.js"') },
      { path: "src/index.js", content: GREETER },
    ];
    const deployed = await call(agent, "deploy", { project: project.name, version: "v1", files });
    expect(deployed).toMatchObject({ version: "v1" });
    const got = await call(agent, "get", { what: "project", name: project.name });
    expect(got.envs[0].activeVersion).toBe("v1");

    // 4. the workspace the plan named, with the project as its member.
    const workspace = await call(agent, "create", { workspace: blueprint.workspace.name, members: [{ slug: project.name, project: project.name }] });
    expect(workspace.url).toBe(`${server.url}/ws/${blueprint.workspace.name}`);

    // 5. publish to the hub, and install the package into a second workspace.
    const published = await call(agent, "publish", { project: project.name, version: "1.0.0", description: "Greets people" });
    expect(JSON.stringify(published)).toContain("greet");
    await call(agent, "create", { workspace: "hub-users", members: [] });
    await call(agent, "install", { package: `@admin/${project.name}`, workspace: "hub-users", as: "greeter" });
    expect((await call(agent, "list", { what: "workspaces" })).workspaces.map((w: Json) => w.name).sort()).toEqual([blueprint.workspace.name, "hub-users"].sort());

    // 6. a member of each workspace calls the tool through its gateway (the token made as a person would, by the API).
    for (const [ws, tool] of [
      [blueprint.workspace.name as string, `${project.name}__greet`],
      ["hub-users", "greeter__greet"],
    ] as const) {
      const created = (await (await fetch(`${server.url}/api/v1/workspaces/${ws}/tokens`, { method: "POST", headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" }, body: JSON.stringify({ name: "agent", role: "developer" }) })).json()) as Json;
      const member = await connect(`${server.url}/ws/${ws}`, created.token);
      expect((await member.listTools()).tools.map((t) => t.name)).toEqual([tool]);
      expect((await member.callTool({ name: tool, arguments: { name: "Ada" } })).content).toEqual([{ type: "text", text: "Hello, Ada!" }]);
    }

    // 7. logs: the gateway's calls, through the same tool surface.
    await expect.poll(async () => ((await call(agent, "logs", { workspace: blueprint.workspace.name })).entries as Json[]).some((e) => e.tool === "greet")).toBe(true);
  });

  it("acts as the key's account only: another account sees none of it and cannot publish it", async () => {
    const other = (await (await fetch(`${server.url}/api/v1/accounts`, { method: "POST", headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" }, body: JSON.stringify({ name: "eve" }) })).json()) as Json;
    const eve = await connect(`${server.url}/mcp/platform`, other.key.token);
    expect((await call(eve, "list", { what: "projects" })).projects).toEqual([]);
    const denied = (await eve.callTool({ name: "get", arguments: { what: "workspace", name: "hub-users" } })) as Json;
    expect(denied.isError).toBe(true);
    expect(denied.content[0].text).toMatch(/^workspace_not_found/);
    const bad = (await eve.callTool({ name: "deploy", arguments: { project: "Not A Slug", code: "x" } })) as Json;
    expect(bad.isError).toBe(true);
    expect(bad.content[0].text).toMatch(/invalid arguments: project/);
  });
});
