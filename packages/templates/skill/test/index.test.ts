import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startProject, type ProjectHarness } from "@aerostack/runtime/testing";

// Runs this skill on a real local platform (workerd, the offline AI provider), as `aerostack dev` would, and calls
// its tool with the MCP SDK's own client.
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

describe("skill template", () => {
  it("serves one tool with the input schema from SKILL.md", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(["summarize"]);
    expect(tools[0]!.inputSchema.required).toEqual(["text"]);
    expect(tools[0]!.annotations).toMatchObject({ readOnlyHint: true });
  });

  it("summarizes through env.AI", async () => {
    const result = await client.callTool({ name: "summarize", arguments: { text: "Edge functions run close to users. They start fast." } });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toContain("Summary: Edge functions run close to users.");
  });

  it("refuses input that does not fit the schema", async () => {
    const result = await client.callTool({ name: "summarize", arguments: { text: "" } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("text");
  });
});
