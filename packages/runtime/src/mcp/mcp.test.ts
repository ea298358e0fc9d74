import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { scaffoldProject } from "../host/scaffold/scaffold";
import { startProject, type ProjectHarness } from "../host/testing";

// The mcp-server template, scaffolded as `aerostack init weather --template mcp-server` does, served by the real
// platform (workerd) as `aerostack dev` serves it, and reached with the MCP SDK's own clients and raw HTTP.
const repoRoot = fileURLToPath(new URL("../../../..", import.meta.url));
let tmp: string;
let dir: string;
let app: ProjectHarness;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "aerostack-mcp-"));
  const scaffolded = await scaffoldProject({ template: "mcp-server", dir: "weather", cwd: tmp });
  dir = scaffolded.dir;
  expect(scaffolded.files).toEqual(expect.arrayContaining([".gitignore", "aerostack.toml", "migrations/0001_notes.sql", "src/index.ts", "test/index.test.ts"]));
  // The repository's packages stand in for `npm install`.
  await symlink(join(repoRoot, "node_modules"), join(dir, "node_modules"), "dir");
  app = await startProject(dir);
}, 60_000);

afterAll(async () => {
  await app?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const ACCEPT = { accept: "application/json, text/event-stream", "content-type": "application/json" };
const textOf = (result: object) => ((result as { content: { text: string }[] }).content).map((c) => c.text).join("\n");

interface RpcReply {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** POSTs to /mcp and reads the answer, whether it came as JSON or as an SSE stream (`all`: every SSE message). */
async function post(body: unknown, headers: Record<string, string> = {}): Promise<RpcReply & { all: unknown[] }> {
  const res = await app.fetch("/mcp", { method: "POST", headers: { ...ACCEPT, ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
  const text = await res.text();
  let all: unknown[] = [];
  if (res.headers.get("content-type")?.includes("text/event-stream")) {
    all = text.split("\n").filter((l) => l.startsWith("data: ")).map((l) => JSON.parse(l.slice("data: ".length)));
  } else if (text) all = [JSON.parse(text)];
  return { status: res.status, headers: res.headers, body: all.at(-1) ?? null, all };
}

/**
 * Writes `bytes` to the server on a raw socket (for what fetch will not send, such as broken chunked encoding) and
 * resolves with the response's status and text once the server closes, or rejects after `ms` without an answer.
 */
function rawExchange(bytes: string, ms = 5_000): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(app.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${ms} ms (got ${JSON.stringify(text)})`));
    }, ms);
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (text += chunk));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text });
    });
    socket.write(bytes);
  });
}

const initialize = (protocolVersion: string) => ({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion, capabilities: {}, clientInfo: { name: "raw", version: "0" } },
});

/** A raw session: initialize, then the initialized notification. */
async function rawSession(protocolVersion = "2025-06-18"): Promise<Record<string, string>> {
  const init = await post(initialize(protocolVersion));
  expect(init.status).toBe(200);
  const headers = { "mcp-session-id": init.headers.get("mcp-session-id")!, "mcp-protocol-version": protocolVersion };
  expect((await post({ jsonrpc: "2.0", method: "notifications/initialized" }, headers)).status).toBe(202);
  return headers;
}

describe("serving MCP from the platform", () => {
  it("serves the template to the SDK client over Streamable HTTP: tools, resource, prompt", async () => {
    const client = new Client({ name: "streamable", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(new URL(`${app.url}/mcp`));
    await client.connect(transport);
    try {
      expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(["add_note", "delete_note", "search_notes"]);
      const added = await client.callTool({ name: "add_note", arguments: { title: "Rain", body: "bring an umbrella" } });
      expect(textOf(added)).toMatch(/^Saved note \d+: Rain$/);
      expect(textOf(await client.callTool({ name: "search_notes", arguments: { query: "umbrella" } }))).toContain("Rain: bring an umbrella");
      const resource = await client.readResource({ uri: "notes://recent" });
      expect(resource.contents[0]).toMatchObject({ uri: "notes://recent", mimeType: "application/json" });
      const prompt = await client.getPrompt({ name: "summarize_notes", arguments: { topic: "umbrella" } });
      expect((prompt.messages[0]!.content as { text: string }).text).toContain("- Rain: bring an umbrella");
      // DELETE ends the session: the id is then unknown.
      const ended = transport.sessionId!;
      await transport.terminateSession();
      const after = await post({ jsonrpc: "2.0", id: 9, method: "tools/list" }, { "mcp-session-id": ended, "mcp-protocol-version": "2025-06-18" });
      expect(after.status).toBe(404);
    } finally {
      await client.close();
    }
  });

  it("serves the template to the SDK client over legacy HTTP+SSE", async () => {
    const client = new Client({ name: "legacy", version: "1.0.0" });
    await client.connect(new SSEClientTransport(new URL(`${app.url}/sse`)));
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toContain("add_note");
      await client.callTool({ name: "add_note", arguments: { title: "Snow", body: "wear boots" } });
      expect(textOf(await client.callTool({ name: "search_notes", arguments: { query: "boots" } }))).toContain("Snow: wear boots");
      const resource = await client.readResource({ uri: "notes://recent" });
      expect((resource.contents[0] as { text: string }).text).toContain("wear boots");
      const prompt = await client.getPrompt({ name: "summarize_notes", arguments: { topic: "boots" } });
      expect((prompt.messages[0]!.content as { text: string }).text).toContain("- Snow: wear boots");
    } finally {
      await client.close();
    }
  });

  it("negotiates protocol versions 2025-03-26, 2025-06-18 and 2025-11-25, and refuses an unknown version header", async () => {
    for (const version of ["2025-03-26", "2025-06-18", "2025-11-25"]) {
      const init = await post(initialize(version));
      expect(init.status).toBe(200);
      expect(init.body.result.protocolVersion).toBe(version);
      const headers = { "mcp-session-id": init.headers.get("mcp-session-id")!, "mcp-protocol-version": version };
      await post({ jsonrpc: "2.0", method: "notifications/initialized" }, headers);
      const listed = await post({ jsonrpc: "2.0", id: 2, method: "tools/list" }, headers);
      expect(listed.body.result.tools).toHaveLength(3);
    }
    // A version the server does not speak is answered with the one it prefers.
    expect((await post(initialize("2099-01-01"))).body.result.protocolVersion).toBe("2025-11-25");
    const headers = await rawSession();
    const refused = await post({ jsonrpc: "2.0", id: 3, method: "tools/list" }, { ...headers, "mcp-protocol-version": "1999-01-01" });
    expect(refused.status).toBe(400);
  });

  it("sends the session id on every answer and keeps the platform's internal headers to itself", async () => {
    const headers = await rawSession();
    const listed = await post({ jsonrpc: "2.0", id: 4, method: "tools/list" }, headers);
    expect(listed.headers.get("mcp-session-id")).toBe(headers["mcp-session-id"]);
    // Internal platform headers never reach the client.
    expect([...listed.headers.keys()].filter((h) => h.startsWith("x-aerostack-mcp"))).toEqual([]);
  });

  it("refuses a foreign Origin (DNS rebinding) and allows loopback ones", async () => {
    const foreign = await post(initialize("2025-06-18"), { origin: "http://evil.example" });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe(-32000);
    const sse = await app.fetch("/sse", { headers: { origin: "https://attacker.test", accept: "text/event-stream" } });
    expect(sse.status).toBe(403);
    await sse.body?.cancel();
    const local = await post(initialize("2025-06-18"), { origin: "http://localhost:6274" });
    expect(local.status).toBe(200);
    expect(local.headers.get("access-control-allow-origin")).toBe("http://localhost:6274");
  });

  it("answers malformed JSON-RPC with the spec's codes and keeps serving", async () => {
    const headers = await rawSession();
    const badJson = await post("{not json", headers);
    expect([badJson.status, badJson.body.error.code]).toEqual([400, -32700]);
    const wrongVersion = await post({ jsonrpc: "1.0", id: 5, method: "tools/list" }, headers);
    expect([wrongVersion.status, wrongVersion.body.error.code, wrongVersion.body.id]).toEqual([400, -32600, 5]);
    const notAnObject = await post("[]", headers);
    expect([notAnObject.status, notAnObject.body.error.code]).toEqual([400, -32600]);
    const unknown = await post({ jsonrpc: "2.0", id: 6, method: "tools/explode" }, headers);
    expect([unknown.status, unknown.body.error.code, unknown.body.id]).toEqual([200, -32601, 6]);
    const noParams = await post({ jsonrpc: "2.0", id: 7, method: "tools/call" }, headers);
    expect([noParams.status, noParams.body.error.code, noParams.body.id]).toEqual([200, -32602, 7]);
    const badInit = await post({ jsonrpc: "2.0", id: 8, method: "initialize", params: { capabilities: {} } });
    expect(badInit.body.error.code).toBe(-32602);
    const huge = await post({ jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "add_note", arguments: { title: "x", body: "y".repeat(5 * 1024 * 1024) } } }, headers);
    expect([huge.status, huge.body.error.code]).toEqual([413, -32600]);
    const noSession = await post({ jsonrpc: "2.0", id: 10, method: "tools/list" });
    expect(noSession.status).toBe(400);

    // The same session still works.
    const good = await post({ jsonrpc: "2.0", id: 11, method: "tools/call", params: { name: "search_notes", arguments: { query: "" } } }, headers);
    expect(good.status).toBe(200);
    expect(good.body.result.isError).toBeUndefined();
  });

  it("answers a params._meta that is not an object as invalid params (-32602), not as a parse error", async () => {
    const headers = await rawSession();
    const request = await post({ jsonrpc: "2.0", id: 20, method: "tools/list", params: { _meta: "x" } }, headers);
    expect([request.status, request.body.error.code, request.body.id]).toEqual([200, -32602, 20]);
    expect(request.body.error.message).toContain("_meta must be an object");
    // A notification has no answer of its own: the POST is refused with the same code.
    const notification = await post({ jsonrpc: "2.0", method: "notifications/roots/list_changed", params: { _meta: 5 } }, headers);
    expect([notification.status, notification.body.error.code]).toEqual([400, -32602]);
    const badInit = await post({ ...initialize("2025-06-18"), params: { ...initialize("2025-06-18").params, _meta: [] } });
    expect([badInit.status, badInit.body.error.code]).toEqual([200, -32602]);
    // An object _meta (a progress token) is fine.
    const good = await post({ jsonrpc: "2.0", id: 21, method: "tools/list", params: { _meta: { progressToken: "p1" } } }, headers);
    expect(good.body.result.tools).toHaveLength(3);
  });

  it("answers every request of a 2025-03-26 batch and refuses, whole, a batch whose requests share an id", async () => {
    const headers = await rawSession("2025-03-26");
    const batch = await post(
      [
        { jsonrpc: "2.0", id: 1, method: "tools/list" },
        { jsonrpc: "2.0", method: "notifications/roots/list_changed" },
        { jsonrpc: "2.0", id: "1", method: "prompts/list" },
      ],
      headers,
    );
    expect(batch.status).toBe(200);
    const answers = batch.all.flat() as { id: unknown; result: object }[];
    expect(answers.map((a) => a.id).sort()).toEqual([1, "1"]);
    expect(answers.every((a) => a.result)).toBe(true);

    const duplicated = await post(
      [
        { jsonrpc: "2.0", id: 7, method: "tools/list" },
        { jsonrpc: "2.0", id: 7, method: "prompts/list" },
      ],
      headers,
    );
    expect([duplicated.status, duplicated.body.error.code, duplicated.body.id]).toEqual([400, -32600, null]);
    expect(duplicated.body.error.message).toContain("7");
    // Nothing of it ran, and the session goes on.
    expect((await post({ jsonrpc: "2.0", id: 8, method: "tools/list" }, headers)).body.result.tools).toHaveLength(3);
  });

  it("refuses JSON-RPC batches on sessions of 2025-06-18 and later, which removed them", async () => {
    for (const version of ["2025-06-18", "2025-11-25"]) {
      const headers = await rawSession(version);
      const batch = await post([{ jsonrpc: "2.0", id: 1, method: "tools/list" }], headers);
      expect([batch.status, batch.body.error.code, batch.body.id]).toEqual([400, -32600, null]);
      expect(batch.body.error.message).toContain(version);
      expect((await post({ jsonrpc: "2.0", id: 2, method: "tools/list" }, headers)).body.result.tools).toHaveLength(3);
    }
  });

  it("answers a body over maxBodyBytes with 413 every time, never with a connection reset", async () => {
    const headers = await rawSession();
    const huge = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { pad: "y".repeat(5 * 1024 * 1024) } });
    // The reset came when the 413 went out while the upload was still going: some runs in a few, so several runs.
    for (let i = 0; i < 6; i++) {
      const sized = await fetch(`${app.url}/mcp`, { method: "POST", headers: { ...ACCEPT, ...headers }, body: huge });
      expect(sized.status).toBe(413);
      expect(((await sized.json()) as { error: { code: number } }).error.code).toBe(-32600);
    }
    // Chunked (no Content-Length): the limit is found while reading.
    const chunked = await fetch(`${app.url}/mcp`, {
      method: "POST",
      headers: { ...ACCEPT, ...headers },
      body: new Blob([huge]).stream(),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    await chunked.body?.cancel();
  });

  it("answers a request with invalid chunked encoding with 400, promptly", async () => {
    const head = `POST /mcp HTTP/1.1\r\nHost: ${new URL(app.url).host}\r\nAccept: application/json, text/event-stream\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`;
    const body = JSON.stringify(initialize("2025-06-18"));
    // The chunk size is not hex: the very first read of the body fails.
    const badSize = await rawExchange(`${head}zz\r\n${body}\r\n0\r\n\r\n`);
    expect(badSize.status).toBe(400);
    expect(badSize.text).toContain("could not be read");
    // A good chunk, then a broken one.
    const badLater = await rawExchange(`${head}3\r\n{"a\r\nzz\r\n\r\n`);
    expect(badLater.status).toBe(400);
    // And the server still serves.
    expect((await post(initialize("2025-06-18"))).status).toBe(200);
  });

  it("answers malformed legacy SSE messages with the spec's codes", async () => {
    const stream = await app.fetch("/sse", { headers: { accept: "text/event-stream" } });
    const reader = stream.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    const endpoint = /data: (\S+)/.exec(first)![1]!;
    expect(endpoint).toMatch(/^\/messages\?sessionId=/);
    const bad = await app.fetch(endpoint, { method: "POST", headers: ACCEPT, body: "{oops" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: number } }).error.code).toBe(-32700);
    const unknownSession = await app.fetch("/messages?sessionId=nope", { method: "POST", headers: ACCEPT, body: JSON.stringify(initialize("2024-11-05")) });
    expect(unknownSession.status).toBe(404);
    await reader.cancel();
  });

  it("keeps sessions across a reload and tells clients their tool list changed", async () => {
    const streamable = new Client({ name: "streamable", version: "1.0.0" });
    const legacy = new Client({ name: "legacy", version: "1.0.0" });
    const changed = { streamable: 0, legacy: 0 };
    streamable.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed.streamable++);
    legacy.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed.legacy++);
    const transport = new StreamableHTTPClientTransport(new URL(`${app.url}/mcp`));
    await streamable.connect(transport);
    await legacy.connect(new SSEClientTransport(new URL(`${app.url}/sse`)));
    const sessionId = transport.sessionId;
    try {
      expect((await streamable.listTools()).tools).toHaveLength(3);
      // The client's GET stream is open once the SDK has sent notifications/initialized; give it a moment.
      await new Promise((resolve) => setTimeout(resolve, 300));

      // Save a new tool, as a developer would in `aerostack dev`.
      const source = join(dir, "src/index.ts");
      const code = await readFile(source, "utf8");
      await writeFile(
        source,
        code.replace(
          "  return server;\n}",
          `  server.registerTool("ping", { description: "Answers pong", annotations: { readOnlyHint: true } }, async () => ({ content: [{ type: "text", text: "pong" }] }));\n  return server;\n}`,
        ),
      );

      await expect.poll(() => changed.streamable, { timeout: 20_000 }).toBeGreaterThan(0);
      await expect.poll(() => changed.legacy, { timeout: 5_000 }).toBeGreaterThan(0);
      // Same sessions, new code: nobody reconnected.
      expect(transport.sessionId).toBe(sessionId);
      expect((await streamable.listTools()).tools.map((t) => t.name)).toContain("ping");
      expect(textOf(await streamable.callTool({ name: "ping", arguments: {} }))).toBe("pong");
      expect(textOf(await legacy.callTool({ name: "ping", arguments: {} }))).toBe("pong");
      expect((await legacy.listTools()).tools).toHaveLength(4);
    } finally {
      await streamable.close();
      await legacy.close();
    }
  });
});
