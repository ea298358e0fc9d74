/**
 * Bots with the built CLI against `aerostack platform start`, as a user runs them: `init --template bot`, secrets
 * through `secret put`, `deploy` (Telegram's webhook registered at a loopback fixture standing in for its API),
 * `bot simulate` sending correctly (and, with a wrong secret, incorrectly) signed webhooks, the agent loop calling a
 * workspace tool on a loopback MCP server, `bot logs --json`; then the platform SIGKILLed while a message is being
 * handled: after a restart on the same data dir the message is answered, once.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { startMcpFixture, type Fixture } from "../../runtime/src/worker/gateway/fixtures/servers";
import { killPlatform, runCli, startPlatformProcess, type PlatformProcess } from "./helpers";

let work: string;
let chatApi: Server;
let chatApiUrl: string;
let shop: Fixture;
const sent: { path: string; body: Record<string, unknown> }[] = [];
let toolCalls = 0;
/** While set, lookup_order holds its answer until the test releases it (the platform is killed meanwhile). */
let hold: Promise<void> | null = null;

const SECRETS = {
  TELEGRAM_BOT_TOKEN: "999:telegram-e2e",
  TELEGRAM_WEBHOOK_SECRET: randomBytes(16).toString("hex"),
  SLACK_SIGNING_SECRET: randomBytes(16).toString("hex"),
  SLACK_BOT_TOKEN: "xoxb-e2e",
};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "aerostack-bots-e2e-"));
  chatApi = createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => (text += c.toString()));
    req.on("end", () => {
      sent.push({ path: req.url ?? "", body: JSON.parse(text || "{}") as Record<string, unknown> });
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, result: { message_id: sent.length }, ts: "1.1" }));
    });
  });
  await new Promise<void>((resolve) => chatApi.listen(0, "127.0.0.1", resolve));
  chatApiUrl = `http://127.0.0.1:${(chatApi.address() as AddressInfo).port}`;
  shop = await startMcpFixture(() => {
    const mcp = new McpServer({ name: "shop", version: "1.0.0" });
    mcp.registerTool("lookup_order", { description: "Looks up an order by its number", inputSchema: { query: z.string() } }, async ({ query }) => {
      toolCalls++;
      if (hold) await hold;
      const order = /\d+/.exec(query)?.[0] ?? "?";
      return { content: [{ type: "text", text: `order ${order}: total 650 USD, delivered` }] };
    });
    return mcp;
  });
});
afterAll(async () => {
  chatApi?.close();
  await shop?.close();
  await rm(work, { recursive: true, force: true });
});

describe("aerostack bots end to end", () => {
  it("init, secrets, deploy, simulate (signed, forged, redelivered), logs, and a SIGKILL mid-conversation", async () => {
    const home = join(work, "home");
    const dataDir = join(work, "data");
    await mkdir(home, { recursive: true });
    const start = (first: boolean) => startPlatformProcess(dataDir, { ...process.env, HOME: home } as Record<string, string>, first, ["--allow-private-egress"]);
    let platform: PlatformProcess = await start(true);
    try {
    const adminKey = platform.adminKey;
    const project = join(work, "support");
    let existsProject = false;
    const cli = async (args: string[], options: { input?: string; env?: Record<string, string>; ok?: boolean } = {}) => {
      const res = await runCli(args, { cwd: existsProject ? project : work, env: { HOME: home, AEROSTACK_API_URL: platform.url, AEROSTACK_API_KEY: adminKey, ...options.env }, ...(options.input !== undefined ? { input: options.input } : {}) });
      if ((options.ok ?? true) && res.code !== 0) throw new Error(`aerostack ${args.join(" ")} exited ${res.code}:\n${res.stderr}${res.stdout}`);
      return res;
    };

    expect((await cli(["init", "support", "--template", "bot", "--yes", "--no-install"])).code).toBe(0);
    existsProject = true;
    const toml = await readFile(join(project, "aerostack.toml"), "utf8");
    expect(toml).toContain('type = "bot"');
    await writeFile(
      join(project, "aerostack.toml"),
      toml
        .replace("# workspace = \"support-tools\"", 'workspace = "shop-tools"')
        .replace(/\n# \[bot\.approvals\][\s\S]*$/, `\n[bot.api_base]\ntelegram = "${chatApiUrl}"\nslack = "${chatApiUrl}"\n`),
    );
    await cli(["workspace", "create", "shop-tools"]);
    await cli(["workspace", "add", "shop-tools", "shop", "--url", shop.url, "--allow-private"]);

    // Before its secrets are set, a deploy says which are missing and registers nothing.
    const early = JSON.parse((await cli(["deploy", "--json"])).stdout) as { bot: { version: number; missingSecrets: string[] }; unchanged: boolean };
    expect(early).toMatchObject({ bot: { version: 1 }, unchanged: false });
    expect(early.bot.missingSecrets.sort()).toEqual(Object.keys(SECRETS).sort());
    expect(sent.filter((s) => s.path.endsWith("/setWebhook"))).toHaveLength(0);
    for (const [name, value] of Object.entries(SECRETS)) await cli(["secret", "put", name], { input: value });
    const deployed = (await cli(["deploy"])).stdout;
    // Unchanged definition, but now with its secrets: the webhook is registered on this deploy.
    expect(deployed).toContain("Bot support is already version 1");
    expect(deployed).toContain(`registered ${platform.url}/bots/support/telegram with Telegram`);
    expect(deployed).toContain(`${platform.url}/bots/support/slack`);
    expect(deployed).not.toContain(SECRETS.SLACK_BOT_TOKEN);
    expect(sent.filter((s) => s.path === `/bot${SECRETS.TELEGRAM_BOT_TOKEN}/setWebhook`)).toHaveLength(1);

    // A correctly signed Slack event: the agent loop calls the workspace tool, the answer goes to chat.postMessage.
    const signed = { SLACK_SIGNING_SECRET: SECRETS.SLACK_SIGNING_SECRET, TELEGRAM_WEBHOOK_SECRET: SECRETS.TELEGRAM_WEBHOOK_SECRET };
    const posted = () => sent.filter((s) => s.path === "/chat.postMessage");
    const simulated = JSON.parse((await cli(["bot", "simulate", "--platform", "slack", "--text", "refund order 42", "--chat", "C42", "--id", "Ev1", "--json"], { env: signed })).stdout) as { status: number };
    expect(simulated.status).toBe(200);
    await expect.poll(() => posted().length, { timeout: 20_000 }).toBe(1);
    expect(String(posted()[0]!.body.text)).toContain("order 42: total 650 USD");
    // Redelivered (same event id): acknowledged, not answered again. Forged (another secret): 401, exit 1.
    await cli(["bot", "simulate", "--platform", "slack", "--text", "refund order 42", "--chat", "C42", "--id", "Ev1"], { env: signed });
    const forged = await cli(["bot", "simulate", "--platform", "slack", "--text", "refund order 42", "--chat", "C42", "--id", "Ev2"], { env: { SLACK_SIGNING_SECRET: "not-the-secret" }, ok: false });
    expect(forged.code).toBe(1);
    expect(forged.stdout + forged.stderr).toContain("401");
    expect(toolCalls).toBe(1);

    const logs = async () => (JSON.parse((await cli(["bot", "logs", "support", "--json"])).stdout) as { entries: { kind: string; toolCalls: { name: string }[]; tokens: { input: number }; latencyMs: number; chat: string }[] }).entries;
    await expect.poll(async () => (await logs()).map((e) => e.kind).sort(), { timeout: 10_000 }).toEqual(["duplicate", "message", "refused"]);
    const turn = (await logs()).find((e) => e.kind === "message")!;
    expect(turn.toolCalls.map((t) => t.name)).toEqual(["shop__lookup_order"]);
    expect(turn.tokens.input).toBeGreaterThan(0);
    const human = (await cli(["bot", "logs", "support"])).stdout;
    expect(human).toContain("shop__lookup_order");
    expect(human).toContain("refused");

    // SIGKILL while the tool is being called for a Telegram message: after the restart the message is handled again
    // and answered exactly once.
    let release!: () => void;
    hold = new Promise<void>((resolve) => (release = resolve));
    const before = toolCalls;
    await cli(["bot", "simulate", "--platform", "telegram", "--text", "refund order 7", "--chat", "700", "--id", "5001"], { env: signed });
    await expect.poll(() => toolCalls, { timeout: 20_000 }).toBe(before + 1);
    await killPlatform(platform);
    hold = null;
    release();
    platform = await start(false);
    const inChat = () => sent.filter((s) => s.path === `/bot${SECRETS.TELEGRAM_BOT_TOKEN}/sendMessage` && s.body.chat_id === "700");
    await expect.poll(() => inChat().length, { timeout: 30_000, interval: 200 }).toBe(1);
    expect(String(inChat()[0]!.body.text)).toContain("order 7");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(inChat()).toHaveLength(1);
    } finally {
      await platform.stop();
    }
  }, 180_000);
});
