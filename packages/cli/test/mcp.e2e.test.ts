import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import { createRequire } from "node:module";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CreateMessageRequestSchema, ListRootsRequestSchema, LoggingMessageNotificationSchema, ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { CLI, freePort, isAlive, killDevProcesses, runCli, startDevProcess } from "./helpers";

// The mcp commands against a real third-party server: @modelcontextprotocol/server-everything over Streamable HTTP.
let work: string;
let everything: ChildProcess;
let everythingLog = "";
let url: string;

async function startEverything(): Promise<void> {
  const port = await freePort();
  const require = createRequire(import.meta.url);
  const entry = join(dirname(require.resolve("@modelcontextprotocol/server-everything/package.json")), "dist/index.js");
  everything = spawn(process.execPath, [entry, "streamableHttp"], { env: { ...process.env, PORT: String(port) }, stdio: ["ignore", "pipe", "pipe"] });
  everything.stdout!.on("data", (d) => (everythingLog += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server-everything did not start:\n${everythingLog}`)), 15_000);
    everything.stderr!.on("data", (d: Buffer) => {
      everythingLog += d;
      if (everythingLog.includes("listening on port")) {
        clearTimeout(timer);
        resolve();
      }
    });
    everything.on("exit", (code) => reject(new Error(`server-everything exited (${code}):\n${everythingLog}`)));
  });
  url = `http://127.0.0.1:${port}/mcp`;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "aerostack-mcp-"));
  await startEverything();
});

// A dev step that fails (or a stop that hangs) leaves aerostack dev and its workerd running: end them here.
afterEach(async () => {
  expect(await killDevProcesses()).toEqual([]);
});

afterAll(async () => {
  everything?.kill("SIGKILL");
  if (work) await rm(work, { recursive: true, force: true });
});

/** Runs `aerostack mcp stdio` with a pipe on stdin that stays open until `end()`: exits must come from the bridge itself. */
function startBridge(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [CLI, "mcp", "stdio", ...args], { env: { ...process.env, NO_COLOR: "1", AEROSTACK_TOKEN: "", ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    send: (message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`),
    raw: (text: string) => child.stdin.write(text),
    end: () => child.stdin.end(),
    lines: () => stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
  };
}

const initialize = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "e2e", version: "1" } } };

/** A server that answers every request 401, recording what it was sent. */
async function startUnauthorized(): Promise<{ server: Server; url: string; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(401, { "content-type": "application/json", "www-authenticate": "Bearer" }).end(JSON.stringify({ error: "unauthorized" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`, seen };
}

/** A reverse proxy in front of `target` that records each request's method and headers. */
async function startRecordingProxy(target: string): Promise<{ server: Server; url: string; seen: { method: string; headers: IncomingHttpHeaders }[] }> {
  const seen: { method: string; headers: IncomingHttpHeaders }[] = [];
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    seen.push({ method: req.method!, headers: req.headers });
    const forward = httpRequest(target, { method: req.method, headers: { ...req.headers, host: upstream.host } }, (up) => {
      res.writeHead(up.statusCode!, up.headers);
      up.pipe(res);
    });
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`, seen };
}

describe("aerostack mcp stdio", () => {
  it("bridges an SDK client over stdio to Streamable HTTP: tools, images, errors, progress, sampling, roots and logging both ways", async () => {
    const client = new Client({ name: "e2e", version: "1" }, { capabilities: { roots: { listChanged: true }, sampling: {} } });
    // Server → client requests: roots/list arrives on the GET stream, sampling/createMessage inside a tool call's POST stream.
    client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: "file:///tmp/e2e", name: "e2e" }] }));
    client.setRequestHandler(CreateMessageRequestSchema, async () => ({ model: "e2e-model", role: "assistant", content: { type: "text", text: "sampled by the e2e client" } }));
    const logs: string[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(String(n.params.data)));
    const errors: Error[] = [];
    client.onerror = (e) => errors.push(e);
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, "mcp", "stdio", url], env: { ...process.env, NO_COLOR: "1" } as Record<string, string>, stderr: "pipe" });
    let stderr = "";
    transport.stderr!.on("data", (d) => (stderr += d));

    await client.connect(transport);
    expect(client.getServerVersion()?.name).toBe("mcp-servers/everything");
    const pid = transport.pid!;

    // Tools registered after initialize (they depend on the client's capabilities) show up too.
    await expect.poll(async () => (await client.listTools()).tools.map((t) => t.name), { timeout: 5_000 }).toEqual(expect.arrayContaining(["echo", "get-sum", "get-tiny-image", "trigger-sampling-request"]));

    const echo = await client.callTool({ name: "echo", arguments: { message: "through the bridge" } });
    expect(echo.content).toEqual([{ type: "text", text: "Echo: through the bridge" }]);

    const image = await client.callTool({ name: "get-tiny-image", arguments: {} });
    expect((image.content as { type: string; mimeType?: string; data?: string }[]).find((c) => c.type === "image")).toMatchObject({ mimeType: "image/png", data: expect.stringMatching(/^[A-Za-z0-9+/=]{100,}$/) });

    const invalid = await client.callTool({ name: "get-sum", arguments: { a: "not a number" } });
    expect(invalid.isError).toBe(true);

    const progress: number[] = [];
    const long = await client.callTool({ name: "trigger-long-running-operation", arguments: { duration: 0.3, steps: 3 } }, undefined, { onprogress: (p) => void progress.push(p.progress) });
    // The last step's notification can share a stdout chunk with the result, and the SDK Client handles
    // notifications a microtask later than responses, so it may drop that one (and report an unknown token).
    expect(progress.slice(0, 2)).toEqual([1, 2]);
    const lateProgress = (e: Error) => e.message.startsWith("Received a progress notification for an unknown token") && e.message.includes('"progress":3');
    expect(JSON.stringify(long.content)).toContain("Long running operation completed");

    const sampled = await client.callTool({ name: "trigger-sampling-request", arguments: { prompt: "hello" } });
    expect(JSON.stringify(sampled.content)).toContain("sampled by the e2e client");

    // The server asked for roots on its GET stream, got our answer through the bridge, and logged it back.
    await expect.poll(() => logs.join("\n"), { timeout: 5_000 }).toContain("Roots updated: 1 root(s) received from client");

    // Closing stdin ends the bridge, which ends the remote session.
    await client.close();
    await expect.poll(() => isAlive(pid), { timeout: 5_000 }).toBe(false);
    await expect.poll(() => everythingLog, { timeout: 5_000 }).toMatch(/Received session termination request/);
    // Every stdout line was JSON-RPC the client could parse, and nothing went wrong on the way.
    expect(errors.filter((e) => !lateProgress(e))).toEqual([]);
    expect(stderr).toBe("");
  });

  it("speaks the HTTP side by the spec, and exits 0 when stdin closes, with nothing but JSON-RPC on stdout", async () => {
    const proxy = await startRecordingProxy(url);
    const bridge = startBridge([proxy.url]);
    bridge.send(initialize);
    await expect.poll(() => bridge.lines().length, { timeout: 10_000 }).toBe(1);
    expect(bridge.lines()[0]).toMatchObject({ jsonrpc: "2.0", id: 1, result: { protocolVersion: "2025-06-18", serverInfo: { name: "mcp-servers/everything" } } });
    bridge.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    bridge.send({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "echo", arguments: { message: "raw" } } });
    await expect.poll(() => bridge.lines().length, { timeout: 10_000 }).toBe(2);
    expect(bridge.lines()[1]).toEqual({ jsonrpc: "2.0", id: 2, result: { content: [{ type: "text", text: "Echo: raw" }] } });
    // A line that is not JSON gets JSON-RPC's parse error; the bridge keeps going.
    bridge.raw("not json\n");
    await expect.poll(() => bridge.lines().length, { timeout: 10_000 }).toBe(3);
    expect(bridge.lines()[2]).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32700 } });
    bridge.end();
    expect(await bridge.exited).toBe(0);
    expect(bridge.stderr()).toBe("");
    proxy.server.close();

    // After initialize: the session id and the negotiated protocol version on every request, the server's GET
    // stream opened, and the session ended with DELETE when stdin closed.
    const [init, ...rest] = proxy.seen;
    expect(init).toMatchObject({ method: "POST" });
    expect(init!.headers["mcp-session-id"]).toBeUndefined();
    const session = rest[0]?.headers["mcp-session-id"];
    expect(session).toMatch(/\S+/);
    for (const r of rest) expect(r.headers).toMatchObject({ "mcp-session-id": session, "mcp-protocol-version": "2025-06-18" });
    expect(rest.map((r) => r.method)).toEqual(expect.arrayContaining(["POST", "GET", "DELETE"]));
    expect(rest.at(-1)!.method).toBe("DELETE");
  });

  it("a script that pipes requests without waiting (`printf … | aerostack mcp stdio`) gets every answer, then exit 0", async () => {
    const bridge = startBridge([url]);
    bridge.send(initialize);
    bridge.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    bridge.send({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "echo", arguments: { message: "piped" } } });
    bridge.end();
    expect(await bridge.exited).toBe(0);
    expect(bridge.lines()).toEqual([
      expect.objectContaining({ id: 1, result: expect.objectContaining({ serverInfo: expect.objectContaining({ name: "mcp-servers/everything" }) }) }),
      { jsonrpc: "2.0", id: 2, result: { content: [{ type: "text", text: "Echo: piped" }] } },
    ]);
    expect(bridge.stderr()).toBe("");
  });

  it("unreachable URL: answers initialize with an error, says why on stderr, exits 1", async () => {
    const port = await freePort();
    const bridge = startBridge([`http://127.0.0.1:${port}/mcp`]);
    bridge.send(initialize);
    expect(await bridge.exited).toBe(1);
    const [reply] = bridge.lines();
    expect(reply).toMatchObject({ jsonrpc: "2.0", id: 1, error: { code: -32000, message: expect.stringContaining("Cannot reach") } });
    expect(bridge.stderr()).toContain(`Cannot reach http://127.0.0.1:${port}/mcp: nothing is listening there`);
    expect(bridge.stderr()).toContain("aerostack dev");
  });

  it("401: sends the token from AEROSTACK_TOKEN as a bearer header, and names the fix", async () => {
    const unauthorized = await startUnauthorized();
    try {
      const withToken = startBridge([unauthorized.url], { AEROSTACK_TOKEN: "s3cret-token" });
      withToken.send(initialize);
      expect(await withToken.exited).toBe(1);
      expect(unauthorized.seen[0]?.authorization).toBe("Bearer s3cret-token");
      expect(withToken.lines()[0]).toMatchObject({ id: 1, error: { message: expect.stringContaining("401") } });
      expect(withToken.stderr()).toContain("the token was refused");

      const withoutToken = startBridge([unauthorized.url]);
      withoutToken.send(initialize);
      expect(await withoutToken.exited).toBe(1);
      expect(unauthorized.seen[1]?.authorization).toBeUndefined();
      expect(withoutToken.stderr()).toContain("401 Unauthorized");
      expect(withoutToken.stderr()).toContain("--token");
      expect(withoutToken.stderr()).toContain("AEROSTACK_TOKEN");

      const flag = startBridge([unauthorized.url, "--token", "from-flag"]);
      flag.send(initialize);
      expect(await flag.exited).toBe(1);
      expect(unauthorized.seen[2]?.authorization).toBe("Bearer from-flag");
    } finally {
      unauthorized.server.close();
    }
  });
});

describe("aerostack mcp inspect", () => {
  it("lists tools, resources and prompts, as a table and as JSON", async () => {
    const human = await runCli(["mcp", "inspect", url], { cwd: work });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("mcp-servers/everything");
    expect(human.stdout).toMatch(/Tools \(\d+\)/);
    expect(human.stdout).toMatch(/^echo\s+│ Echoes back the input string/m);
    expect(human.stdout).toContain("demo://resource/static/document/architecture.md");
    expect(human.stdout).toMatch(/^args-prompt\s+│.*│ city, state\?$/m);

    const json = await runCli(["mcp", "inspect", url, "--json"], { cwd: work });
    expect(json.code).toBe(0);
    const listing = JSON.parse(json.stdout);
    expect(listing.server.name).toBe("mcp-servers/everything");
    expect(listing.tools.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(["echo", "get-sum"]));
    expect(listing.tools.find((t: { name: string }) => t.name === "get-sum").inputSchema.properties).toHaveProperty("a");
    expect(listing.resources.length).toBeGreaterThan(0);
    expect(listing.resourceTemplates.length).toBeGreaterThan(0);
    expect(listing.prompts.map((p: { name: string }) => p.name)).toContain("simple-prompt");
  });

  it("--call prints the tool's result; isError and failed calls exit 1; bad --args exits 2 naming the flag", async () => {
    const sum = await runCli(["mcp", "inspect", url, "--call", "get-sum", "--args", '{"a":2,"b":3}', "--json"], { cwd: work });
    expect(sum.code).toBe(0);
    expect(JSON.parse(sum.stdout)).toEqual({ content: [{ type: "text", text: "The sum of 2 and 3 is 5." }] });

    const human = await runCli(["mcp", "inspect", url, "--call", "get-tiny-image"], { cwd: work });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/\[image image\/png, \d+ bytes\]/);

    const isError = await runCli(["mcp", "inspect", url, "--call", "get-sum", "--args", '{"a":"x"}', "--json"], { cwd: work });
    expect(isError.code).toBe(1);
    expect(JSON.parse(isError.stdout)).toMatchObject({ isError: true });
    expect(isError.stderr).toContain('Tool "get-sum" returned an error');

    const badArgs = await runCli(["mcp", "inspect", url, "--call", "echo", "--args", "{oops"], { cwd: work });
    expect(badArgs.code).toBe(2);
    expect(badArgs.stderr).toContain("--args must be a JSON object");

    const arrayArgs = await runCli(["mcp", "inspect", url, "--call", "echo", "--args", "[1]"], { cwd: work });
    expect(arrayArgs.code).toBe(2);
    expect(arrayArgs.stderr).toContain("--args");

    const unreachable = await runCli(["mcp", "inspect", `http://127.0.0.1:${await freePort()}/mcp`], { cwd: work });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain("nothing is listening there");
    expect(unreachable.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("aerostack mcp config", () => {
  const other = { command: "node", args: ["other-server.js"] };

  it("cursor: merges into .cursor/mcp.json, keeping other servers and keys", async () => {
    const dir = join(work, "cursor");
    await mkdir(join(dir, ".cursor"), { recursive: true });
    await writeFile(join(dir, ".cursor/mcp.json"), JSON.stringify({ mcpServers: { other }, theme: "dark" }));
    const res = await runCli(["mcp", "config", "--client", "cursor", "--url", "http://127.0.0.1:8787/mcp", "--name", "weather", "--write"], { cwd: dir });
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Added "weather"');
    expect(JSON.parse(await readFile(join(dir, ".cursor/mcp.json"), "utf8"))).toEqual({ mcpServers: { other, weather: { url: "http://127.0.0.1:8787/mcp" } }, theme: "dark" });

    // Again: nothing to change; with a token: updated in place, the other server still there.
    expect((await runCli(["mcp", "config", "--client", "cursor", "--url", "http://127.0.0.1:8787/mcp", "--name", "weather", "--write"], { cwd: dir })).stdout).toContain("Already up to date");
    const updated = await runCli(["mcp", "config", "--client", "cursor", "--url", "http://127.0.0.1:8787/ws/dev", "--name", "weather", "--token", "mwt_dev_x", "--write"], { cwd: dir });
    expect(updated.stdout).toContain('Updated "weather"');
    expect(JSON.parse(await readFile(join(dir, ".cursor/mcp.json"), "utf8")).mcpServers).toEqual({
      other,
      weather: { url: "http://127.0.0.1:8787/ws/dev", headers: { Authorization: "Bearer mwt_dev_x" } },
    });
  });

  it("claude: a stdio entry running the bridge, token in env, merged into --config-file", async () => {
    const file = join(work, "claude", "claude_desktop_config.json");
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify({ mcpServers: { other }, globalShortcut: "Ctrl+Space" }, null, 2));
    const res = await runCli(["mcp", "config", "--client", "claude", "--url", "http://127.0.0.1:8787/ws/dev", "--name", "dev", "--token", "mwt_dev_y", "--config-file", file, "--write", "--json"], { cwd: work });
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ client: "claude", file, name: "dev", outcome: "added", written: true });
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({
      mcpServers: {
        other,
        dev: { command: process.execPath, args: [CLI, "mcp", "stdio", "http://127.0.0.1:8787/ws/dev"], env: { AEROSTACK_TOKEN: "mwt_dev_y" } },
      },
      globalShortcut: "Ctrl+Space",
    });
  });

  it("vscode: .vscode/mcp.json with servers and type http, keeping inputs; project defaults from aerostack.toml", async () => {
    const dir = join(work, "vscode");
    await mkdir(join(dir, ".vscode"), { recursive: true });
    await writeFile(join(dir, "aerostack.toml"), 'name = "weather"\ntype = "mcp-server"\n[dev]\nport = 8790\n');
    const inputs = [{ type: "promptString", id: "key", description: "API key", password: true }];
    await writeFile(join(dir, ".vscode/mcp.json"), JSON.stringify({ inputs, servers: { other } }));
    const res = await runCli(["mcp", "config", "--client", "vscode", "--write"], { cwd: dir });
    expect(res.code).toBe(0);
    expect(JSON.parse(await readFile(join(dir, ".vscode/mcp.json"), "utf8"))).toEqual({ inputs, servers: { other, weather: { type: "http", url: "http://127.0.0.1:8790/mcp" } } });

    // Without --write: prints the snippet and the file it goes in, writes nothing.
    const printed = await runCli(["mcp", "config", "--client", "cursor"], { cwd: dir });
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain(".cursor/mcp.json");
    expect(JSON.parse(printed.stdout.slice(printed.stdout.indexOf("{")))).toEqual({ mcpServers: { weather: { url: "http://127.0.0.1:8790/mcp" } } });
    expect(existsSync(join(dir, ".cursor"))).toBe(false);

    // The gateway needs its token; with it, the entry points at /ws/dev.
    const noToken = await runCli(["mcp", "config", "--client", "cursor", "--gateway"], { cwd: dir, env: { AEROSTACK_TOKEN: "" } });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain("--token");
    const gateway = await runCli(["mcp", "config", "--client", "cursor", "--gateway", "--json"], { cwd: dir, env: { AEROSTACK_TOKEN: "mwt_dev_z" } });
    expect(JSON.parse(gateway.stdout).entry).toEqual({ url: "http://127.0.0.1:8790/ws/dev", headers: { Authorization: "Bearer mwt_dev_z" } });
  });

  it("writes into a .vscode/mcp.json with comments and trailing commas (JSONC), keeping the comments and the other servers", async () => {
    const dir = join(work, "jsonc");
    await mkdir(join(dir, ".vscode"), { recursive: true });
    const file = join(dir, ".vscode/mcp.json");
    const original = [
      "// Servers for this workspace",
      "{",
      '  "servers": {',
      "    /* the team's own */",
      '    "other": { "type": "http", "url": "http://127.0.0.1:9999/mcp" }, // keep me',
      "  },",
      '  "inputs": [],',
      "}",
      "",
    ].join("\n");
    await writeFile(file, original);
    const res = await runCli(["mcp", "config", "--client", "vscode", "--url", "http://127.0.0.1:8787/mcp", "--name", "mine", "--write"], { cwd: dir });
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const written = await readFile(file, "utf8");
    for (const kept of ["// Servers for this workspace", "/* the team's own */", "// keep me", '"other": {', '"url": "http://127.0.0.1:9999/mcp"', '"inputs": []']) {
      expect(written).toContain(kept);
    }
    expect(written).toMatch(/"mine": \{\s*"type": "http",\s*"url": "http:\/\/127\.0\.0\.1:8787\/mcp"\s*\}/);
    // Written again unchanged: nothing to do.
    const again = await runCli(["mcp", "config", "--client", "vscode", "--url", "http://127.0.0.1:8787/mcp", "--name", "mine", "--write"], { cwd: dir });
    expect(again.code).toBe(0);
    expect(await readFile(file, "utf8")).toBe(written);
  });

  it("refuses to overwrite a config file that is not valid JSON, and rejects bad flags", async () => {
    const file = join(work, "broken.json");
    // Cut off mid-object (comments and trailing commas are fine: VS Code's files are JSONC, see below).
    const broken = '{ "mcpServers": { "other": { "command": "x" } ';
    await writeFile(file, broken);
    const res = await runCli(["mcp", "config", "--client", "cursor", "--url", "http://127.0.0.1:8787/mcp", "--config-file", file, "--write"], { cwd: work });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("is not valid JSON");
    expect(res.stderr).toContain("left unchanged");
    expect(await readFile(file, "utf8")).toBe(broken);

    const unknown = await runCli(["mcp", "config", "--client", "zed"], { cwd: work });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("cursor, claude, vscode");

    const fn = join(work, "fn");
    await mkdir(fn);
    await writeFile(join(fn, "aerostack.toml"), 'name = "fn"\n');
    const notMcp = await runCli(["mcp", "config", "--client", "cursor"], { cwd: fn });
    expect(notMcp.code).toBe(2);
    expect(notMcp.stderr).toContain("not an MCP server");
  });
});

describe("aerostack mcp config, skill project", () => {
  it("writes the entry for a skill's /mcp on the running `aerostack dev`, and an MCP client calls the skill there", async () => {
    const dir = join(work, "summarize");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "aerostack.toml"), 'name = "summarize"\ntype = "skill"\n');
    await writeFile(join(dir, "SKILL.md"), "---\nname: summarize\ndescription: Summarizes a text.\ninput_schema:\n  type: object\n  properties:\n    text: { type: string }\n  required: [text]\n---\nSummarize it.\n");
    const port = await freePort();
    const dev = await startDevProcess(["--port", String(port), "--no-persist"], dir);
    try {
      await dev.waitFor("Edit and save to reload");
      const res = await runCli(["mcp", "config", "--client", "cursor", "--write"], { cwd: dir });
      expect(res.code, res.stderr).toBe(0);
      const written = JSON.parse(await readFile(join(dir, ".cursor/mcp.json"), "utf8")) as { mcpServers: { summarize: { url: string } } };
      expect(written).toEqual({ mcpServers: { summarize: { url: `http://127.0.0.1:${port}/mcp` } } });
      const client = new Client({ name: "skill-config", version: "1" });
      await client.connect(new StreamableHTTPClientTransport(new URL(written.mcpServers.summarize.url)));
      try {
        expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["summarize"]);
        // The offline provider answers by default: its reply echoes what it was sent.
        const result = (await client.callTool({ name: "summarize", arguments: { text: "the quick brown fox" } })) as { content: { text: string }[] };
        expect(result.content.map((c) => c.text).join("")).toContain("the quick brown fox");
      } finally {
        await client.close();
      }
    } finally {
      await dev.stop();
    }
  });
});

describe("aerostack dev, mcp-server project", () => {
  it("init --template mcp-server --no-install → dev prints the endpoint, gateway, token and client entries; an SDK client over `mcp stdio` uses it directly and through the gateway", async () => {
    // Scaffolded outside any install: the SDK, zod and @aerostack/runtime/mcp resolve from the CLI's own copies.
    const init = await runCli(["init", "weather", "--template", "mcp-server", "--yes", "--no-install"], { cwd: work });
    expect(init.code).toBe(0);
    const dir = join(work, "weather");
    expect(existsSync(join(dir, "node_modules"))).toBe(false);
    const port = await freePort();
    const dev = await startDevProcess(["--port", String(port), "--no-persist"], dir);
    try {
      await dev.waitFor("Edit and save to reload");
      const out = dev.output();
      expect(out).not.toContain("Build failed");
      const base = `http://127.0.0.1:${port}`;
      expect(out).toContain(`MCP:      ${base}/mcp`);
      expect(out).toContain(`Gateway:  ${base}/ws/dev`);
      const token = /Token:\s+(mwt_dev_\S+)/.exec(out)?.[1];
      expect(token).toBeDefined();
      expect(out).toContain("aerostack mcp config --client <client> --write");
      // The three entries are the ones `aerostack mcp config` writes.
      const blocks = [...out.matchAll(/\n {2}(Cursor|Claude Desktop|VS Code) {2}(\S.*)\n((?: {4}.*\n)+)/g)].map((m) => ({ label: m[1], file: m[2], json: JSON.parse(m[3]!) }));
      expect(blocks.map((b) => b.label)).toEqual(["Cursor", "Claude Desktop", "VS Code"]);
      expect(blocks[0]).toMatchObject({ file: join(".cursor", "mcp.json"), json: { mcpServers: { weather: { url: `${base}/mcp` } } } });
      // Claude's entry runs this CLI by absolute paths (node, then its bin): no npx, no PATH lookup.
      const claudeEntry = (blocks[1]!.json as { mcpServers: { weather: { command: string; args: string[] } } }).mcpServers.weather;
      expect(claudeEntry).toEqual({ command: process.execPath, args: [CLI, "mcp", "stdio", `${base}/mcp`] });
      expect(blocks[2]).toMatchObject({ file: join(".vscode", "mcp.json"), json: { servers: { weather: { type: "http", url: `${base}/mcp` } } } });
      // `mcp config` finds the running dev's real port (started with --port), not aerostack.toml's 8787.
      const configured = await runCli(["mcp", "config", "--client", "cursor", "--json"], { cwd: dir });
      expect(JSON.parse(configured.stdout).entry).toEqual({ url: `${base}/mcp` });

      // The template's server through the stdio bridge, as Claude Desktop runs it.
      const direct = new Client({ name: "e2e-direct", version: "1" });
      let listChanged = 0;
      direct.setNotificationHandler(ToolListChangedNotificationSchema, () => void listChanged++);
      // Started exactly as the printed entry says.
      const directTransport = new StdioClientTransport({ command: claudeEntry.command, args: claudeEntry.args, stderr: "pipe" });
      let bridgeStderr = "";
      directTransport.stderr?.on("data", (d) => (bridgeStderr += d));
      await direct.connect(directTransport);
      try {
        expect((await direct.listTools()).tools.map((t) => t.name).sort()).toEqual(["add_note", "delete_note", "search_notes"]);
        const added = await direct.callTool({ name: "add_note", arguments: { title: "rain", body: "umbrella at noon" } });
        expect(added.isError).toBeFalsy();
        const found = await direct.callTool({ name: "search_notes", arguments: { query: "umbrella" } });
        expect(JSON.stringify(found.content)).toContain("rain");
        const recent = await direct.readResource({ uri: "notes://recent" });
        expect(JSON.stringify(recent.contents)).toContain("umbrella at noon");
        const prompt = await direct.getPrompt({ name: "summarize_notes", arguments: { topic: "rain" } });
        expect(JSON.stringify(prompt.messages)).toContain("rain");
      } catch (err) {
        await direct.close();
        throw err;
      }

      // The same server as a member of the dev gateway: names prefixed with the project's slug, the token required.
      const viaGateway = new Client({ name: "e2e-gateway", version: "1" });
      await viaGateway.connect(
        new StdioClientTransport({ command: process.execPath, args: [CLI, "mcp", "stdio", `${base}/ws/dev`], env: { ...process.env, AEROSTACK_TOKEN: token! } as Record<string, string>, stderr: "pipe" }),
      );
      try {
        expect((await viaGateway.listTools()).tools.map((t) => t.name)).toContain("weather__search_notes");
        const found = await viaGateway.callTool({ name: "weather__search_notes", arguments: { query: "umbrella" } });
        expect(JSON.stringify(found.content)).toContain("rain");
      } finally {
        await viaGateway.close();
      }

      // dev restarts (same port): the bridge's session is gone on the server; it starts a new one by itself, and the
      // client, which never reconnected, keeps working and hears that the tools may have changed.
      try {
        expect(await dev.stop()).toBe(0);
        const again = await startDevProcess(["--port", String(port), "--no-persist"], dir);
        try {
          await again.waitFor("Edit and save to reload");
          const after = await direct.callTool({ name: "add_note", arguments: { title: "sun", body: "after the restart" } });
          expect(after.isError).toBeFalsy();
          expect(bridgeStderr).toContain("started a new one");
          await expect.poll(() => listChanged).toBeGreaterThan(0);
        } finally {
          expect(await again.stop()).toBe(0);
        }
      } finally {
        await direct.close();
      }
    } finally {
      await dev.stop();
    }
  });
});
