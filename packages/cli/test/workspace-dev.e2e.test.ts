/** `aerostack dev` in a workspace folder (`type = "workspace"`): its reachable members at /ws/<name>, with the dev token. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { appendFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { echoServer, startMcpFixture, type Fixture } from "../../runtime/src/worker/gateway/fixtures/servers";
import { freePort, killDevProcesses, runCli, startDevProcess } from "./helpers";

let work: string;
let lan: Fixture;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "aerostack-wsdev-"));
  lan = await startMcpFixture(echoServer("lan"));
});

afterEach(async () => {
  expect(await killDevProcesses()).toEqual([]);
});

afterAll(async () => {
  await lan?.close();
  await rm(work, { recursive: true, force: true });
});

const text = (result: Awaited<ReturnType<Client["callTool"]>>) => (result.content as { type: string; text: string }[])[0]!.text;

describe("aerostack dev in a workspace folder", () => {
  it("init --template workspace + a proxied loopback member → dev serves /ws/<name> with the dev token; the member's secret comes from .dev.vars; project members are skipped with a notice", async () => {
    const init = await runCli(["init", "eng", "--template", "workspace", "--yes", "--no-install"], { cwd: work });
    expect(init.code, init.stderr).toBe(0);
    const dir = join(work, "eng");
    await appendFile(
      join(dir, "aerostack.toml"),
      `\n[[members]]\nproject = "weather"\n\n[[members]]\nslug = "lan"\nurl = "${lan.url}"\nheaders = { Authorization = "Bearer secret:LAN_KEY" }\nallow_private = true\n`,
    );
    await writeFile(join(dir, ".dev.vars"), "LAN_KEY=lan-secret-1\n");
    const port = await freePort();
    const dev = await startDevProcess(["--port", String(port), "--no-persist"], dir);
    await dev.waitFor("Edit and save to reload");
    const out = dev.output();
    const base = `http://127.0.0.1:${port}`;
    expect(out).toContain(`Gateway:  ${base}/ws/eng`);
    expect(out).not.toContain("Bindings:");
    expect(out).toMatch(/Not served by aerostack dev: members\[0\] "weather" \(project "weather"\)/);
    const token = /Token:\s+(mwt_dev_\S+)/.exec(out)?.[1];
    expect(token).toBeDefined();

    const client = new Client({ name: "e2e-wsdev", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/ws/eng`), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(["lan__echo", "lan__fails", "lan__headers", "lan__wait", "lan__whoami"]);
      expect(text(await client.callTool({ name: "lan__whoami", arguments: {} }))).toBe("lan");
      // The header's secret reference was filled in from .dev.vars at call time (what the member received; the
      // gateway redacts the value from what it sends back), and the dev token never went upstream.
      const echoed = JSON.parse(text(await client.callTool({ name: "lan__headers", arguments: {} }))) as Record<string, string>;
      expect(echoed.authorization).toBe("Bearer [redacted]");
      expect(lan.requests.at(-1)!.headers.authorization).toBe("Bearer lan-secret-1");
      expect(JSON.stringify(lan.requests.map((r) => r.headers))).not.toContain(token);
    } finally {
      await client.close();
    }

    // Without the token: refused.
    const anonymous = await fetch(`${base}/ws/eng`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream" }, body: "{}" });
    expect(anonymous.status).toBe(401);

    // A .dev.vars edit reaches the next call without a restart.
    const from = dev.output().length;
    await writeFile(join(dir, ".dev.vars"), "LAN_KEY=lan-secret-2\n");
    await dev.waitFor("reloaded", from);
    const again = new Client({ name: "e2e-wsdev-2", version: "1" });
    await again.connect(new StreamableHTTPClientTransport(new URL(`${base}/ws/eng`), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    try {
      await again.callTool({ name: "lan__headers", arguments: {} });
      expect(lan.requests.at(-1)!.headers.authorization).toBe("Bearer lan-secret-2");
    } finally {
      await again.close();
    }
    expect(await dev.stop()).toBe(0);
  });
});
