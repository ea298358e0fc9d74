import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { startProject, type ProjectHarness } from "@aerostack/runtime/testing";

// Runs this project on a real local platform (workerd), in memory, exactly as `aerostack dev` would, and talks to
// it with the MCP SDK's own client, as Cursor or Claude would.
let app: ProjectHarness;
let client: Client;
beforeAll(async () => {
  app = await startProject(fileURLToPath(new URL("..", import.meta.url)));
  client = new Client({ name: "template-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${app.url}/mcp`)));
});
afterAll(async () => {
  await client?.close();
  await app?.close();
});

const textOf = (result: object) => (result as { content: { text: string }[] }).content.map((c) => c.text).join("\n");

describe("mcp-server template", () => {
  it("lists its tools with input schemas and annotations", async () => {
    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(Object.keys(byName).sort()).toEqual(["add_note", "delete_note", "search_notes"]);
    expect(byName.search_notes!.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.delete_note!.annotations).toMatchObject({ destructiveHint: true });
    expect(byName.add_note!.inputSchema.required).toEqual(["title", "body"]);
  });

  it("adds a note to DB, finds it (then from CACHE), and deletes it", async () => {
    const added = await client.callTool({ name: "add_note", arguments: { title: "Edge", body: "runs close to users" } });
    const { id } = added.structuredContent as { id: number };

    const first = await client.callTool({ name: "search_notes", arguments: { query: "close to" } });
    expect(textOf(first)).toContain(`#${id} Edge: runs close to users`);
    expect(first.structuredContent).toMatchObject({ cached: false });
    const second = await client.callTool({ name: "search_notes", arguments: { query: "close to" } });
    expect(second.structuredContent).toMatchObject({ cached: true });

    expect(textOf(await client.callTool({ name: "delete_note", arguments: { id } }))).toBe(`Deleted note ${id}.`);
    const gone = await client.callTool({ name: "search_notes", arguments: { query: "close to" } });
    expect(gone.structuredContent).toMatchObject({ notes: [], cached: false });
    expect((await client.callTool({ name: "delete_note", arguments: { id } })).isError).toBe(true);
  });

  it("rejects arguments that do not fit the schema", async () => {
    const result = await client.callTool({ name: "add_note", arguments: { title: "" } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/title|body/);
  });

  it("serves the recent-notes resource and the summarize prompt", async () => {
    await client.callTool({ name: "add_note", arguments: { title: "Queues", body: "retry with backoff" } });
    const resource = await client.readResource({ uri: "notes://recent" });
    const notes = JSON.parse((resource.contents[0] as { text: string }).text) as { title: string }[];
    expect(notes[0]!.title).toBe("Queues");

    const prompt = await client.getPrompt({ name: "summarize_notes", arguments: { topic: "backoff" } });
    expect((prompt.messages[0]!.content as { text: string }).text).toContain("- Queues: retry with backoff");
  });

  it("also speaks the legacy HTTP+SSE transport for older clients", async () => {
    const legacy = new Client({ name: "legacy-client", version: "1.0.0" });
    await legacy.connect(new SSEClientTransport(new URL(`${app.url}/sse`)));
    try {
      const { tools } = await legacy.listTools();
      expect(tools.map((t) => t.name)).toContain("search_notes");
    } finally {
      await legacy.close();
    }
  });
});
