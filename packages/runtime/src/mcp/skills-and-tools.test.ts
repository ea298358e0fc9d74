/**
 * Skills and function-backed tools on a real local platform (workerd, offline AI): projects written to a temporary
 * folder, built by the real bundler (SKILL.md parsed at build time), called with the MCP SDK's client, directly and
 * through the dev gateway.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startProject, type ProjectHarness } from "../host/testing";
import { bundleOnce } from "../host/bundle/bundle";
import { replyJson, startProviderServer, type ProviderServer } from "../host/fixtures/llm-provider-server";

const dirs: string[] = [];
async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "aerostack-skill-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, ".."), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const toml = (name: string, type: string) => `name = "${name}"\ntype = "${type}"\ncompatibility_date = "2025-09-01"\n`;
const textOf = (result: object) => (result as { content: { text: string }[] }).content.map((c) => c.text).join("\n");

async function connect(url: string, token?: string): Promise<Client> {
  const client = new Client({ name: "skills-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {}));
  return client;
}

const SUMMARIZE = `---
name: summarize
description: Summarizes a text.
input_schema:
  type: object
  properties:
    text: { type: string, minLength: 1 }
  required: [text]
---
Summarize the text you are given.
`;

/** An OpenAI-format answer from the provider fixture. */
const completion = (content: string) =>
  replyJson({ id: "c1", object: "chat.completion", model: "m", choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });

describe("a skill without a function", () => {
  let app: ProjectHarness;
  let client: Client;
  // A real HTTP server on loopback speaking OpenAI's format: it shows exactly what the skill sent to env.AI.chat.
  let provider: ProviderServer;
  beforeAll(async () => {
    provider = await startProviderServer();
    const ai = `[ai]\ndefault_model = "fixture:m"\n[ai.providers.fixture]\nkind = "openai"\nbase_url = "${provider.url}/v1"\nkey_required = false\n`;
    app = await startProject(await project({ "aerostack.toml": toml("sum", "skill") + ai, "SKILL.md": SUMMARIZE }));
    client = await connect(`${app.url}/mcp`);
  });
  afterAll(async () => {
    await client?.close();
    await app?.close();
    await provider?.close();
  });

  it("lists one tool with the schema of SKILL.md", async () => {
    const { tools } = await client.listTools();
    expect(tools).toEqual([expect.objectContaining({ name: "summarize", description: "Summarizes a text.", inputSchema: expect.objectContaining({ required: ["text"] }) })]);
  });

  it("sends the prompt and the input to env.AI.chat and returns its answer as text", async () => {
    provider.reset();
    provider.next(completion("Workers are fast."));
    const result = await client.callTool({ name: "summarize", arguments: { text: "Workers start fast. They run near users." } });
    expect(result).toMatchObject({ content: [{ type: "text", text: "Workers are fast." }] });
    expect(result.isError).toBeFalsy();
    expect(provider.requests).toHaveLength(1);
    expect(provider.requests[0]!.body).toMatchObject({
      model: "m",
      messages: [
        { role: "system", content: "Summarize the text you are given." },
        { role: "user", content: "text: Workers start fast. They run near users." },
      ],
    });
  });

  it("refuses input against the schema, naming the field, without calling the model", async () => {
    provider.reset();
    const result = await client.callTool({ name: "summarize", arguments: { text: 42 } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^Invalid arguments for summarize: text: /);
    expect(provider.requests).toHaveLength(0);
  });

  it("is a member of the dev gateway as {skill}__{tool}", async () => {
    const gw = await connect(app.gateway.url, app.gateway.token);
    try {
      const { tools } = await gw.listTools();
      expect(tools.map((t) => t.name)).toContain("sum__summarize");
      provider.next(completion("One URL."));
      const result = await gw.callTool({ name: "sum__summarize", arguments: { text: "Gateways compose servers. One URL serves all." } });
      expect(textOf(result)).toBe("One URL.");
    } finally {
      await gw.close();
    }
  });
});

describe("a skill with an output schema, and one with a function", () => {
  let structured: ProjectHarness;
  let withFn: ProjectHarness;
  beforeAll(async () => {
    structured = await startProject(
      await project({
        "aerostack.toml": toml("extract", "skill"),
        "SKILL.md": `---\nname: extract_city\ndescription: Finds the city a text is about.\ninput_schema:\n  type: object\n  properties:\n    text: { type: string }\n  required: [text]\noutput_schema:\n  type: object\n  properties:\n    city: { type: string }\n  required: [city]\n---\nName the city.\n`,
      }),
    );
    withFn = await startProject(
      await project({
        "aerostack.toml": toml("count", "skill"),
        "SKILL.md": `---\nname: count_words\ndescription: Counts words and remembers the total.\ninput_schema:\n  type: object\n  properties:\n    text: { type: string }\n  required: [text]\n---\n`,
        "src/index.ts": `export async function run(input: { text: string }, env: any, skill: { name: string }) {
  const words = input.text.split(/\\s+/).filter(Boolean).length;
  const total = await env.CACHE.increment("total", words);
  const echo = await env.AI.chat({ messages: [{ role: "user", content: "hello" }] });
  return { skill: skill.name, words, total, ai: echo.text };
}\n`,
      }),
    );
  });
  afterAll(async () => {
    await structured?.close();
    await withFn?.close();
  });

  it("asks the model for the output schema and returns checked structured content", async () => {
    const client = await connect(`${structured.url}/mcp`);
    try {
      const { tools } = await client.listTools();
      expect(tools[0]!.outputSchema).toMatchObject({ type: "object", required: ["city"] });
      const result = await client.callTool({ name: "extract_city", arguments: { text: "Lisbon" } });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toEqual({ city: expect.any(String) });
    } finally {
      await client.close();
    }
  });

  it("runs the function with the project's bindings (CACHE, AI) and returns its value", async () => {
    const client = await connect(`${withFn.url}/mcp`);
    try {
      const first = await client.callTool({ name: "count_words", arguments: { text: "one two three" } });
      expect(JSON.parse(textOf(first))).toEqual({ skill: "count_words", words: 3, total: 3, ai: "You said: hello" });
      const second = await client.callTool({ name: "count_words", arguments: { text: "four five" } });
      expect(JSON.parse(textOf(second))).toMatchObject({ words: 2, total: 5 });
    } finally {
      await client.close();
    }
  });
});

describe("how a skill answers tools/call", () => {
  it("a prompt-only skill answers with plain JSON (it sends nothing while it runs); one with a function keeps SSE for its progress", async () => {
    const skillMd = "---\nname: echo\ndescription: Echoes.\ninput_schema:\n  type: object\n  properties:\n    text: { type: string }\n---\nSay it back.\n";
    const plain = await startProject(await project({ "aerostack.toml": toml("plain", "skill"), "SKILL.md": skillMd }));
    const withFn = await startProject(await project({ "aerostack.toml": toml("withfn", "skill"), "SKILL.md": skillMd, "src/index.ts": "export const run = (input: { text: string }) => input.text;\n" }));
    try {
      const call = async (url: string) => {
        const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
        const init = await fetch(`${url}/mcp`, { method: "POST", headers, body: JSON.stringify({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } }) });
        await init.text();
        const session = { ...headers, "mcp-session-id": init.headers.get("mcp-session-id")!, "mcp-protocol-version": "2025-06-18" };
        await (await fetch(`${url}/mcp`, { method: "POST", headers: session, body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) })).text();
        const res = await fetch(`${url}/mcp`, { method: "POST", headers: session, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text: "hi" } } }) });
        return { type: res.headers.get("content-type") ?? "", body: await res.text() };
      };
      const a = await call(plain.url);
      expect(a.type).toContain("application/json");
      expect(JSON.parse(a.body)).toMatchObject({ jsonrpc: "2.0", id: 1, result: { content: [{ type: "text" }] } });
      const b = await call(withFn.url);
      expect(b.type).toContain("text/event-stream");
      expect(b.body).toContain('"text":"hi"');
    } finally {
      await plain.close();
      await withFn.close();
    }
  });
});

describe("a SKILL.md with a bad schema", () => {
  it("fails the build naming the file, the line and the key", async () => {
    const root = await project({
      "aerostack.toml": toml("bad", "skill"),
      "SKILL.md": `---\nname: bad\ndescription: Broken.\ninput_schema:\n  type: object\n  properties:\n    text: { type: strin }\n---\nPrompt.\n`,
    });
    const error = await bundleOnce({ root, entry: "src/index.ts", type: "skill", command: "aerostack deploy" }).then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).toContain("SKILL.md: input_schema.properties.text.type: expected one of object, array, string");
    expect(error?.message).toContain("SKILL.md:7");
  });

  it("names a missing key and a YAML syntax error", async () => {
    const missing = await project({ "aerostack.toml": toml("bad", "skill"), "SKILL.md": `---\nname: bad\ninput_schema: { type: object }\n---\nP\n` });
    await expect(bundleOnce({ root: missing, entry: "src/index.ts", type: "skill", command: "x" })).rejects.toThrow(/SKILL\.md: description: required/);
    const syntax = await project({ "aerostack.toml": toml("bad", "skill"), "SKILL.md": `---\nname: [bad\n---\nP\n` });
    await expect(bundleOnce({ root: syntax, entry: "src/index.ts", type: "skill", command: "x" })).rejects.toThrow(/SKILL\.md: line \d+/);
  });
});

describe("a function exporting tools", () => {
  let app: ProjectHarness;
  beforeAll(async () => {
    app = await startProject(
      await project({
        "aerostack.toml": toml("orders", "function"),
        "src/index.ts": `import { z } from "zod";
export const tools = [
  {
    name: "lookup_order",
    description: "Looks up an order by id.",
    inputSchema: z.object({ id: z.string().min(1) }),
    annotations: { readOnlyHint: true },
    handler: async ({ id }: { id: string }, env: any) => ({ id, status: (await env.CACHE.get("status:" + id)) ?? "unknown" }),
  },
  {
    name: "set_status",
    description: "Sets an order's status.",
    inputSchema: { type: "object", properties: { id: { type: "string" }, status: { type: "string", enum: ["paid", "shipped"] } }, required: ["id", "status"] },
    handler: async ({ id, status }: { id: string; status: string }, env: any) => { await env.CACHE.put("status:" + id, status); return "ok"; },
  },
];
export default { fetch: (request: Request) => new Response("orders home " + new URL(request.url).pathname) };
`,
      }),
    );
  });
  afterAll(async () => {
    await app?.close();
  });

  it("keeps serving its HTTP routes", async () => {
    const res = await app.fetch("/orders/1");
    expect(await res.text()).toBe("orders home /orders/1");
  });

  it("serves its tools at /mcp: zod and JSON schemas, annotations, validation, bindings", async () => {
    const client = await connect(`${app.url}/mcp`);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(["lookup_order", "set_status"]);
      expect(tools[0]!.inputSchema).toMatchObject({ type: "object", required: ["id"] });
      expect(tools[0]!.annotations).toEqual({ readOnlyHint: true });
      const bad = await client.callTool({ name: "set_status", arguments: { id: "7", status: "lost" } });
      expect(bad.isError).toBe(true);
      expect(textOf(bad)).toMatch(/status/);
      expect(textOf(await client.callTool({ name: "set_status", arguments: { id: "7", status: "paid" } }))).toBe("ok");
      const found = await client.callTool({ name: "lookup_order", arguments: { id: "7" } });
      expect(found.structuredContent).toBeUndefined();
      expect(JSON.parse(textOf(found))).toEqual({ id: "7", status: "paid" });
    } finally {
      await client.close();
    }
  });
});
