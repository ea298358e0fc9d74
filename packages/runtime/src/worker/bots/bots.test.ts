// Bots on a real platform (workerd via Miniflare, real Durable Objects and alarms): webhooks built and signed the way
// each chat platform signs them (host/bots/simulate.ts, the same builders `aerostack bot simulate` uses), a loopback
// fixture server standing in for the four platforms' APIs and recording what was sent, and a loopback MCP server
// whose tool the agent loop calls through the workspace gateway with the offline model.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import * as z from "zod";
import { startPlatformServer, type PlatformServer } from "../../host/platform/server";
import { ed25519PublicKeyHex, sendWebhook, signedWebhook, type SimulateInput } from "../../host/bots/simulate";
import { startMcpFixture, type Fixture } from "../gateway/fixtures/servers";
import type { BotPlatform } from "../../shared/bots";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

let server: PlatformServer;
let key: string;
let chatApi: Server;
let chatApiUrl: string;
let shop: Fixture;
/** What the fixture chat APIs received, in order. */
const sent: { path: string; auth: string | null; body: Json }[] = [];
let toolCalls = 0;

const SECRETS: Record<string, string> = {
  TELEGRAM_BOT_TOKEN: "123456:tg-token-abc",
  TELEGRAM_WEBHOOK_SECRET: randomBytes(16).toString("hex"),
  SLACK_SIGNING_SECRET: randomBytes(16).toString("hex"),
  SLACK_BOT_TOKEN: "xoxb-slack-token",
  DISCORD_PRIVATE_KEY: randomBytes(32).toString("hex"),
  WHATSAPP_APP_SECRET: randomBytes(16).toString("hex"),
  WHATSAPP_VERIFY_TOKEN: "verify-me",
  WHATSAPP_ACCESS_TOKEN: "wa-access-token",
};

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = "";
    req.on("data", (c: Buffer) => (text += c.toString()));
    req.on("end", () => resolve(text));
  });

let nextId = 1000;
const hook = (bot: string, platform: BotPlatform, input: Partial<SimulateInput> & { text: string }) => {
  const full: SimulateInput = { platform, chat: "1001", user: "42", id: String(nextId++), ...input };
  return { input: full, request: signedWebhook(full, SECRETS) };
};
const post = (bot: string, platform: BotPlatform, request: ReturnType<typeof signedWebhook>) => sendWebhook(server.url, bot, platform, request);
const sentTo = (fragment: string) => sent.filter((s) => s.path.includes(fragment));
const logs = async (bot: string) => (await api("GET", `/bots/${bot}/logs`)).body.entries as Json[];

function definition(name: string, extra: Json = {}): Json {
  return {
    name,
    workspace: "bot-tools",
    mode: "agent",
    systemPrompt: "You are the support assistant.",
    platforms: ["telegram", "slack", "discord", "whatsapp"],
    maxIterations: 10,
    memoryTurns: 20,
    rateLimitPerMinute: 20,
    apiBase: { telegram: chatApiUrl, slack: chatApiUrl, discord: chatApiUrl, whatsapp: chatApiUrl },
    ...extra,
  };
}

async function putSecrets(project: string) {
  const values = { ...SECRETS, DISCORD_PUBLIC_KEY: ed25519PublicKeyHex(SECRETS.DISCORD_PRIVATE_KEY!) };
  for (const [name, value] of Object.entries(values)) {
    if (name === "DISCORD_PRIVATE_KEY") continue;
    expect((await api("PUT", `/projects/${project}/secrets/${name}`, { value })).status).toBe(200);
  }
}

beforeAll(async () => {
  chatApi = createServer((req, res) => {
    void readBody(req).then((text) => {
      let body: Json = {};
      try {
        body = JSON.parse(text) as Json;
      } catch {
        body = { raw: text };
      }
      sent.push({ path: req.url ?? "", auth: (req.headers.authorization as string | undefined) ?? null, body });
      // Each platform's success shape: Telegram { ok, result }, Slack { ok, ts }, Discord a message, WhatsApp { messages }.
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, result: { message_id: sent.length }, ts: "1.1", id: String(sent.length), messages: [{ id: `wamid.${sent.length}` }] }));
    });
  });
  await new Promise<void>((resolve) => chatApi.listen(0, "127.0.0.1", resolve));
  chatApiUrl = `http://127.0.0.1:${(chatApi.address() as AddressInfo).port}`;
  shop = await startMcpFixture(() => {
    const mcp = new McpServer({ name: "shop", version: "1.0.0" });
    mcp.registerTool("lookup_order", { description: "Looks up an order by its number", inputSchema: { query: z.string() } }, async ({ query }) => {
      toolCalls++;
      const order = /\d+/.exec(query)?.[0] ?? "?";
      return { content: [{ type: "text", text: `order ${order}: total ${order === "42" ? 650 : 20} USD, delivered` }] };
    });
    mcp.registerTool("catalog", { description: "The whole product catalogue listing", inputSchema: { query: z.string() } }, async () => ({
      content: [{ type: "text", text: Array.from({ length: 400 }, (_, i) => `item-${i} costs ${i} USD`).join("\n") }],
    }));
    return mcp;
  });
  const dataDir = await mkdtemp(join(tmpdir(), "aerostack-bots-"));
  server = await startPlatformServer({ dataDir, port: 0, host: "127.0.0.1", baseDomain: "localhost", allowPrivateEgress: true, onLog: () => {} });
  key = server.adminKey!;
  expect((await api("POST", "/workspaces", { name: "bot-tools" })).status).toBe(200);
  expect((await api("PUT", "/workspaces/bot-tools/members/shop", { member: { kind: "proxy", slug: "shop", url: shop.url, allowPrivate: true } })).status).toBe(200);
  await putSecrets("support");
});
afterAll(async () => {
  await server?.close();
  chatApi?.close();
  await shop?.close();
});

describe("bot deploy", () => {
  it("refuses a bad definition and changes nothing; deploys, registers Telegram's webhook and names the other URLs", async () => {
    const noWorkflow = await api("PUT", "/bots/support", { bot: definition("support", { mode: "workflow", workflow: "nope" }) });
    expect(noWorkflow.status).toBe(404);
    expect(noWorkflow.body.error.code).toBe("workflow_not_found");
    const badPlatform = await api("PUT", "/bots/support", { bot: definition("support", { platforms: ["icq"] }) });
    expect(badPlatform.status).toBe(400);
    expect((await api("GET", "/bots/support")).body.error.code).toBe("bot_not_found");

    const deployed = await api("PUT", "/bots/support", { bot: definition("support") });
    expect(deployed.status).toBe(200);
    expect(deployed.body.bot.version).toBe(1);
    expect(deployed.body.bot.missingSecrets).toEqual([]);
    expect(deployed.body.bot.webhooks.slack).toBe(`${server.url}/bots/support/slack`);
    const setWebhook = sentTo("/setWebhook");
    expect(setWebhook).toHaveLength(1);
    expect(setWebhook[0]!.path).toBe(`/bot${SECRETS.TELEGRAM_BOT_TOKEN}/setWebhook`);
    expect(setWebhook[0]!.body).toMatchObject({ url: `${server.url}/bots/support/telegram`, secret_token: SECRETS.TELEGRAM_WEBHOOK_SECRET });
    expect(deployed.body.setup.find((s: Json) => s.platform === "slack").action).toContain("Request URL");
    // Secrets never come back in an answer.
    expect(JSON.stringify(deployed.body)).not.toContain(SECRETS.TELEGRAM_BOT_TOKEN);
    const again = await api("PUT", "/bots/support", { bot: definition("support") });
    expect(again.body.unchanged).toBe(true);
  });
});

describe("adapters", () => {
  it("Telegram: a wrong secret token is refused with 403 and runs nothing; a right one runs the agent loop with a tool; a redelivery is dropped", async () => {
    const before = { sends: sentTo("/sendMessage").length, tools: toolCalls };
    const forged = hook("support", "telegram", { text: "refund order 42", chat: "501" });
    forged.request.headers["x-telegram-bot-api-secret-token"] = "guess";
    expect((await post("support", "telegram", forged.request)).status).toBe(403);

    const good = hook("support", "telegram", { text: "refund order 42", chat: "501" });
    const ack = await post("support", "telegram", good.request);
    expect(ack.status).toBe(200);
    await expect.poll(() => sentTo("/sendMessage").length, { timeout: 15_000 }).toBe(before.sends + 1);
    const reply = sentTo("/sendMessage").at(-1)!;
    expect(reply.path).toBe(`/bot${SECRETS.TELEGRAM_BOT_TOKEN}/sendMessage`);
    expect(reply.body.chat_id).toBe("501");
    expect(reply.body.text).toContain("order 42: total 650 USD");
    expect(toolCalls).toBe(before.tools + 1);

    // The same update again (Telegram redelivers when it saw no 200 in time): acknowledged, nothing sent.
    expect((await post("support", "telegram", good.request)).status).toBe(200);
    await expect.poll(async () => (await logs("support")).filter((e) => e.kind === "duplicate").length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    expect(sentTo("/sendMessage").length).toBe(before.sends + 1);
    expect(toolCalls).toBe(before.tools + 1);
    const entries = await logs("support");
    expect(entries.some((e) => e.kind === "refused" && e.platform === "telegram")).toBe(true);
    const turn = entries.find((e) => e.kind === "message" && e.chat === "501")!;
    expect(turn.toolCalls).toHaveLength(1);
    expect(turn.toolCalls[0].name).toBe("shop__lookup_order");
    expect(turn.iterations).toBe(2);
    expect(JSON.stringify(entries)).not.toContain(SECRETS.TELEGRAM_BOT_TOKEN);
  });

  it("Slack: url_verification, stale and forged requests refused, a signed event answered through chat.postMessage once despite a retry", async () => {
    const challenge = JSON.stringify({ type: "url_verification", challenge: "c-123", token: "x" });
    const now = Math.floor(Date.now() / 1000);
    const sign = (body: string, ts: number) => `v0=${createHmac("sha256", SECRETS.SLACK_SIGNING_SECRET!).update(`v0:${ts}:${body}`).digest("hex")}`;
    const verification = await sendWebhook(server.url, "support", "slack", { method: "POST", headers: { "content-type": "application/json", "x-slack-request-timestamp": String(now), "x-slack-signature": sign(challenge, now) }, body: challenge });
    expect(verification.status).toBe(200);
    expect(JSON.parse(verification.body)).toEqual({ challenge: "c-123" });

    const before = sentTo("/chat.postMessage").length;
    const stale = hook("support", "slack", { text: "refund order 42", chat: "C1", now: now - 6 * 60 });
    expect((await post("support", "slack", stale.request)).status).toBe(401);
    const forged = hook("support", "slack", { text: "refund order 42", chat: "C1" });
    forged.request.body = forged.request.body.replace("42", "43");
    expect((await post("support", "slack", forged.request)).status).toBe(401);

    const good = hook("support", "slack", { text: "refund order 42", chat: "C1" });
    expect((await post("support", "slack", good.request)).status).toBe(200);
    const retry = { ...good.request, headers: { ...good.request.headers, "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" } };
    expect((await post("support", "slack", retry)).status).toBe(200);
    await expect.poll(() => sentTo("/chat.postMessage").length, { timeout: 15_000 }).toBe(before + 1);
    const reply = sentTo("/chat.postMessage").at(-1)!;
    expect(reply.auth).toBe(`Bearer ${SECRETS.SLACK_BOT_TOKEN}`);
    expect(reply.body).toMatchObject({ channel: "C1" });
    expect(reply.body.text).toContain("order 42");
    await new Promise((r) => setTimeout(r, 300));
    expect(sentTo("/chat.postMessage").length).toBe(before + 1);
  });

  it("Discord: a bad Ed25519 signature is a 401, PING is PONG, a command is deferred and answered through the interaction token", async () => {
    const pingBody = JSON.stringify({ id: "p1", type: 1, application_id: "app1", token: "t" });
    const pingSigned = signedWebhook({ platform: "discord", text: "x", chat: "ch1", user: "u1", id: "p1" }, SECRETS);
    // A PING signed over its own body.
    const { createPrivateKey, sign } = await import("node:crypto");
    const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(SECRETS.DISCORD_PRIVATE_KEY!, "hex")]);
    const ts = String(Math.floor(Date.now() / 1000));
    const sig = sign(null, Buffer.from(ts + pingBody), createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" })).toString("hex");
    const pong = await sendWebhook(server.url, "support", "discord", { method: "POST", headers: { "content-type": "application/json", "x-signature-ed25519": sig, "x-signature-timestamp": ts }, body: pingBody });
    expect(pong.status).toBe(200);
    expect(JSON.parse(pong.body)).toEqual({ type: 1 });
    const forged = { ...pingSigned, headers: { ...pingSigned.headers, "x-signature-ed25519": "00".repeat(64) } };
    expect((await post("support", "discord", forged)).status).toBe(401);

    const before = sentTo("/webhooks/app1/").length;
    const command = hook("support", "discord", { text: "refund order 42", chat: "ch1" });
    const deferred = await post("support", "discord", command.request);
    expect(deferred.status).toBe(200);
    expect(JSON.parse(deferred.body)).toEqual({ type: 5 });
    await expect.poll(() => sentTo("/webhooks/app1/").length, { timeout: 15_000 }).toBe(before + 1);
    const followUp = sentTo("/webhooks/app1/").at(-1)!;
    expect(followUp.path).toBe(`/webhooks/app1/tok${command.input.id}`);
    expect(followUp.body.content).toContain("order 42");
  });

  it("WhatsApp: the verify-token handshake, a forged signature refused, status callbacks not answered, a message answered", async () => {
    const good = await fetch(`${server.url}/bots/support/whatsapp?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444`);
    expect(good.status).toBe(200);
    expect(await good.text()).toBe("1158201444");
    const bad = await fetch(`${server.url}/bots/support/whatsapp?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1`);
    expect(bad.status).toBe(403);

    const before = sentTo("/pn1/messages").length;
    const statusBody = JSON.stringify({ object: "whatsapp_business_account", entry: [{ id: "w", changes: [{ field: "messages", value: { metadata: { phone_number_id: "pn1" }, statuses: [{ id: "wamid.1", status: "delivered", recipient_id: "15551234" }] } }] }] });
    const statusSig = `sha256=${createHmac("sha256", SECRETS.WHATSAPP_APP_SECRET!).update(statusBody).digest("hex")}`;
    expect((await sendWebhook(server.url, "support", "whatsapp", { method: "POST", headers: { "content-type": "application/json", "x-hub-signature-256": statusSig }, body: statusBody })).status).toBe(200);
    const forged = hook("support", "whatsapp", { text: "refund order 42", chat: "15551234" });
    forged.request.headers["x-hub-signature-256"] = `sha256=${"0".repeat(64)}`;
    expect((await post("support", "whatsapp", forged.request)).status).toBe(401);

    const message = hook("support", "whatsapp", { text: "refund order 42", chat: "15551234", id: "wamid.in1" });
    expect((await post("support", "whatsapp", message.request)).status).toBe(200);
    await expect.poll(() => sentTo("/pn1/messages").length, { timeout: 15_000 }).toBe(before + 1);
    const reply = sentTo("/pn1/messages").at(-1)!;
    expect(reply.auth).toBe(`Bearer ${SECRETS.WHATSAPP_ACCESS_TOKEN}`);
    expect(reply.body).toMatchObject({ messaging_product: "whatsapp", to: "15551234", type: "text" });
    expect(reply.body.text.body).toContain("order 42");
  });
});

describe("agent loop", () => {
  it("streams a long answer as message edits, split at each platform's limit: Telegram, Slack and Discord", async () => {
    // The fixture answers message ids in order (Telegram's message_id, Discord's id = its index in `sent` + 1).
    const before = sent.length;
    const catalog = Array.from({ length: 400 }, (_, i) => `item-${i} costs ${i} USD`);
    const final = (post: (s: (typeof sent)[number]) => boolean, edit: (s: (typeof sent)[number]) => string | null, text: (s: (typeof sent)[number]) => string) => {
      const messages = new Map<string, string>();
      sent.slice(before).forEach((s, i) => {
        if (post(s)) messages.set(String(before + i + 1), text(s));
        const id = edit(s);
        if (id !== null) messages.set(id, text(s));
      });
      return [...messages.values()];
    };

    expect((await post("support", "telegram", hook("support", "telegram", { text: "show the catalog listing", chat: "777" }).request)).status).toBe(200);
    const tgPosts = () => sent.slice(before).filter((s) => s.path.endsWith("/sendMessage") && s.body.chat_id === "777");
    const tgEdits = () => sent.slice(before).filter((s) => s.path.endsWith("/editMessageText") && s.body.chat_id === "777");
    const telegramText = () => final((s) => s.path.endsWith("/sendMessage") && s.body.chat_id === "777", (s) => (s.path.endsWith("/editMessageText") && s.body.chat_id === "777" ? String(s.body.message_id) : null), (s) => s.body.text as string);
    await expect.poll(() => telegramText().join("\n"), { timeout: 15_000 }).toContain("item-399 costs 399 USD");
    // The first message went out partial and was edited to its final text; the later parts follow it.
    expect(tgEdits().length).toBeGreaterThanOrEqual(1);
    expect((tgPosts()[0]!.body.text as string).length).toBeLessThan((telegramText()[0] ?? "").length);
    const parts = telegramText();
    expect(parts.length).toBe(tgPosts().length);
    expect(parts.length).toBeGreaterThanOrEqual(2);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(4096);
    const joined = parts.join("\n");
    for (const item of catalog) expect(joined).toContain(item);

    expect((await post("support", "slack", hook("support", "slack", { text: "show the catalog listing", chat: "CSTREAM" }).request)).status).toBe(200);
    const updates = () => sent.slice(before).filter((s) => s.path === "/chat.update" && s.body.channel === "CSTREAM");
    await expect.poll(() => updates().map((u) => u.body.text as string).join("\n"), { timeout: 15_000 }).toContain("costs");
    await expect.poll(() => sent.slice(before).filter((s) => s.path === "/chat.postMessage" && s.body.channel === "CSTREAM").map((s) => s.body.text as string).join("\n"), { timeout: 15_000 }).toContain("item-399");
    expect(updates()[0]!.body.ts).toBe("1.1");
    for (const s of sent.slice(before).filter((x) => x.body.channel === "CSTREAM")) expect((s.body.text as string).length).toBeLessThanOrEqual(3000);

    const command = hook("support", "discord", { text: "show the catalog listing", chat: "chstream" });
    expect((await post("support", "discord", command.request)).status).toBe(200);
    const webhook = `/webhooks/app1/tok${command.input.id}`;
    const discordText = () => final((s) => s.path === `${webhook}?wait=true`, (s) => (s.path.startsWith(`${webhook}/messages/`) ? s.path.slice(`${webhook}/messages/`.length) : null), (s) => s.body.content as string);
    await expect.poll(() => discordText().join("\n"), { timeout: 15_000 }).toContain("item-399 costs 399 USD");
    expect(sent.slice(before).some((s) => s.path.startsWith(`${webhook}/messages/`))).toBe(true);
    for (const p of discordText()) expect(p.length).toBeLessThanOrEqual(2000);
  });

  it("sends a short answer whole: no edits", async () => {
    const before = sent.length;
    expect((await post("support", "telegram", hook("support", "telegram", { text: "hello there", chat: "778" }).request)).status).toBe(200);
    await expect.poll(() => sent.slice(before).filter((s) => s.body.chat_id === "778").length, { timeout: 15_000 }).toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(sent.slice(before).filter((s) => s.body.chat_id === "778").map((s) => s.path.split("/").at(-1))).toEqual(["sendMessage"]);
  });

  it("limits each user's messages per minute, in their own chat only", async () => {
    expect((await api("PUT", "/bots/limited", { bot: definition("limited", { platforms: ["telegram"], rateLimitPerMinute: 2 }) })).status).toBe(200);
    await putSecrets("limited");
    const before = sentTo("/sendMessage").filter((s) => s.body.chat_id === "900").length;
    for (let i = 0; i < 3; i++) expect((await post("limited", "telegram", hook("limited", "telegram", { text: `hello ${i}`, chat: "900", user: "9" }).request)).status).toBe(200);
    await expect.poll(async () => (await logs("limited")).filter((e) => e.chat === "900" && e.kind !== "duplicate").length, { timeout: 15_000 }).toBe(3);
    const entries = (await logs("limited")).filter((e) => e.chat === "900");
    expect(entries.map((e) => e.kind)).toEqual(["message", "message", "rate_limited"]);
    expect(sentTo("/sendMessage").filter((s) => s.body.chat_id === "900").length).toBe(before + 2);
  });
});

/** Moves one chat's clock forward through the control API: a platform's time window passes with no waiting. */
async function advanceChat(bot: string, platform: string, chat: string, ms: number) {
  const account = (await api("GET", `/bots/${bot}`)).body.account as string;
  const res = await server.platform.fetch(`${server.url}/__aerostack/bot-chats/clock`, {
    method: "POST",
    headers: { authorization: `Bearer ${server.platform.token}`, "content-type": "application/json" },
    body: JSON.stringify({ account, bot, platform, chat, advanceMs: ms }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

describe("time windows (the chat's clock moved, no real waiting)", () => {
  it("Discord: an answer later than the interaction token's 15 minutes goes to the channel with the bot token", async () => {
    expect((await api("PUT", "/projects/support/secrets/DISCORD_BOT_TOKEN", { value: "discord-bot-token" })).status).toBe(200);
    await advanceChat("support", "discord", "ch15", 16 * 60 * 1000);
    const before = { followUps: sentTo("/webhooks/app1/").length, channel: sentTo("/channels/ch15/messages").length };
    const command = hook("support", "discord", { text: "refund order 42", chat: "ch15" });
    const deferred = await post("support", "discord", command.request);
    expect(deferred.status).toBe(200);
    expect(JSON.parse(deferred.body)).toEqual({ type: 5 });
    await expect.poll(() => sentTo("/channels/ch15/messages").length, { timeout: 15_000 }).toBe(before.channel + 1);
    const message = sentTo("/channels/ch15/messages").at(-1)!;
    expect(message.auth).toBe("Bot discord-bot-token");
    expect(message.body.content).toContain("order 42");
    // The expired token was not used.
    expect(sentTo("/webhooks/app1/").length).toBe(before.followUps);
  });

  it("WhatsApp: a workflow's answer after the 24-hour window is refused with a clear error in the log, not sent", async () => {
    const workflow = {
      name: "wa-flow",
      workspace: "bot-tools",
      nodes: [
        { id: "start", type: "trigger" },
        { id: "approve", type: "human_handoff", config: { message: "Refund for {{ trigger.user }}?" } },
        { id: "done", type: "send_message", config: { text: "Your refund is on its way." } },
      ],
      edges: [
        { from: "start", to: "approve" },
        { from: "approve", to: "done", on: "approved" },
      ],
    };
    expect((await api("PUT", "/workflows/wa-flow", { definition: workflow })).status).toBe(200);
    const bot = definition("wadesk", { mode: "workflow", workflow: "wa-flow", platforms: ["whatsapp", "slack"], approvals: { platform: "slack", chat: "CWA" } });
    expect((await api("PUT", "/bots/wadesk", { bot })).status).toBe(200);
    await putSecrets("wadesk");

    const toCustomer = () => sentTo("/pn1/messages").filter((s) => s.body.to === "15550001");
    expect((await post("wadesk", "whatsapp", hook("wadesk", "whatsapp", { text: "refund order 42", chat: "15550001", id: "wamid.win1" }).request)).status).toBe(200);
    const toManager = () => sentTo("/chat.postMessage").filter((s) => s.body.channel === "CWA");
    await expect.poll(() => toManager().length, { timeout: 15_000 }).toBe(1);
    const approve = toManager()[0]!.body.blocks[1].elements.find((e: Json) => e.text.text === "Approve").value as string;

    // The manager answers a day and a bit later: the customer's window has closed.
    await advanceChat("wadesk", "whatsapp", "15550001", 25 * 60 * 60 * 1000);
    expect((await post("wadesk", "slack", hook("wadesk", "slack", { text: approve, chat: "CWA", user: "UMGR", button: true }).request)).status).toBe(200);
    await expect.poll(async () => (await logs("wadesk")).filter((e) => e.kind === "error" && e.chat === "15550001").length, { timeout: 15_000 }).toBe(1);
    const refused = (await logs("wadesk")).find((e) => e.kind === "error" && e.chat === "15550001")!;
    expect(refused.error).toContain("24 hours");
    expect(refused.error).toContain("template");
    expect(refused.reply).toBe("Your refund is on its way.");
    expect(toCustomer()).toEqual([]);
    // Refused once, not tried again and again.
    await new Promise((r) => setTimeout(r, 500));
    expect((await logs("wadesk")).filter((e) => e.kind === "error" && e.chat === "15550001")).toHaveLength(1);
  });
});

describe("memory", () => {
  it("keeps recent turns word for word and folds older ones into a summary the model still sees; another chat sees none of it", async () => {
    expect((await api("PUT", "/bots/memo", { bot: definition("memo", { workspace: null, memoryTurns: 2, systemPrompt: "" }) })).status).toBe(200);
    const say = async (chat: string, text: string) => {
      const res = await api("POST", "/bots/memo/chat", { chat, text });
      expect(res.status).toBe(200);
      expect(res.body.errors).toEqual([]);
      return (res.body.replies as Json[]).map((r) => r.text as string).join("\n");
    };
    await say("m1", "My order number is 9137 and it never arrived.");
    await say("m1", "The weather is nice today.");
    await say("m1", "I like green tea.");
    // The offline model answers a question from its system messages (rule 4): the first turn is no longer in the
    // recent turns, so only the summary can carry its order number.
    const answer = await say("m1", "Question: what is my order number?");
    expect(answer).toContain("9137");
    expect(await say("m2", "Question: what is my order number?")).not.toContain("9137");
  });
});

describe("the chat API (no chat platform)", () => {
  it("answers a message inline with the tool's result, and refuses another account's bot and bad input", async () => {
    const answer = await api("POST", "/bots/support/chat", { chat: "page-1", text: "refund order 42" });
    expect(answer.status).toBe(200);
    expect(answer.body.replies).toHaveLength(1);
    expect(answer.body.replies[0].text).toContain("order 42: total 650 USD");
    // The same client id again (a retried POST): the first answer, and the bot did not run again.
    const tools = toolCalls;
    const first = await api("POST", "/bots/support/chat", { chat: "page-1", text: "refund order 77", id: "msg-1" });
    expect(first.body.replies[0].text).toContain("order 77");
    expect(toolCalls).toBe(tools + 1);
    const again = await api("POST", "/bots/support/chat", { chat: "page-1", text: "refund order 77", id: "msg-1" });
    expect(again.status).toBe(200);
    expect(again.body.replies).toEqual(first.body.replies);
    expect(toolCalls).toBe(tools + 1);
    expect((await api("POST", "/bots/support/chat", { chat: "page-1", text: "hi", id: "../../x" })).status).toBe(400);
    expect((await api("POST", "/bots/support/chat", { chat: "page-1", text: "" })).status).toBe(400);
    expect((await api("POST", "/bots/nobody/chat", { chat: "c", text: "hi" })).body.error.code).toBe("bot_not_found");
  });
});

/** The refund flow both workflow-mode tests run, each under its own name so they stay independent. */
const supportFlow = (name: string) => ({
  name,
  workspace: "bot-tools",
  nodes: [
    { id: "start", type: "trigger" },
    { id: "verify", type: "auth_gate", config: { identity: "{{ trigger.user }}" } },
    { id: "lookup", type: "mcp_tool", config: { tool: "shop__lookup_order", arguments: { query: "{{ trigger.text }}" } } },
    { id: "approve", type: "human_handoff", config: { message: "Refund {{ nodes.lookup.output }}?" } },
    { id: "done", type: "send_message", config: { text: "Your refund is on its way." } },
    { id: "no", type: "send_message", config: { text: "We could not refund this order." } },
  ],
  edges: [
    { from: "start", to: "verify" },
    { from: "verify", to: "lookup", on: "verified" },
    { from: "lookup", to: "approve" },
    { from: "approve", to: "done", on: "approved" },
    { from: "approve", to: "no", on: "rejected" },
  ],
});

describe("workflow mode", () => {
  it("runs on the chat page's API: the one-time code and the approval arrive as later messages, the Approve button decides", async () => {
    const workflow = supportFlow("web-flow");
    expect((await api("PUT", "/workflows/web-flow", { definition: workflow })).status).toBe(200);
    expect((await api("PUT", "/bots/webdesk", { bot: definition("webdesk", { mode: "workflow", workflow: "web-flow", platforms: ["telegram"] }) })).status).toBe(200);
    let cursor = 0;
    const said: { text: string; buttons: Json[] }[] = [];
    const read = async () => {
      const page = await api("GET", `/bots/webdesk/chat/page-7?after=${cursor}`);
      expect(page.status).toBe(200);
      said.push(...(page.body.replies as { text: string; buttons: Json[] }[]));
      cursor = page.body.cursor as number;
      return said;
    };
    const first = await api("POST", "/bots/webdesk/chat", { chat: "page-7", text: "refund order 42" });
    expect(first.status).toBe(200);
    expect(first.body.errors).toEqual([]);
    cursor = first.body.cursor as number;
    await expect.poll(async () => (await read()).length, { timeout: 15_000 }).toBe(1);
    const code = /\b(\d{6})\b/.exec(said[0]!.text)![1]!;
    expect((await api("POST", "/bots/webdesk/chat", { chat: "page-7", text: code })).status).toBe(200);
    await expect.poll(async () => (await read()).some((m) => m.buttons.length > 0), { timeout: 15_000 }).toBe(true);
    const ask = said.find((m) => m.buttons.length > 0)!;
    expect(ask.text).toContain("order 42: total 650 USD");
    expect(ask.buttons.map((b) => b.label)).toEqual(["Approve", "Reject"]);
    // The page presses a button as a button event with the button's data.
    const pressed = await api("POST", "/bots/webdesk/chat", { chat: "page-7", text: ask.buttons[0]!.data, button: true });
    expect(pressed.status).toBe(200);
    expect(pressed.body.replies.map((r: Json) => r.text)).toEqual(["✔ Approved by web"]);
    cursor = pressed.body.cursor as number;
    await expect.poll(async () => (await read()).map((m) => m.text), { timeout: 15_000 }).toContain("Your refund is on its way.");
    // Another account's view of the chat, or a bot that is not there, reads nothing.
    expect((await api("GET", "/bots/nobody/chat/page-7")).body.error.code).toBe("bot_not_found");
  });


  it("runs the support workflow from Telegram: a one-time code, a tool, approval as a Slack button, the answer back in Telegram", async () => {
    const workflow = supportFlow("support-flow");
    expect((await api("PUT", "/workflows/support-flow", { definition: workflow })).status).toBe(200);
    const bot = definition("helpdesk", { mode: "workflow", workflow: "support-flow", platforms: ["telegram", "slack"], approvals: { platform: "slack", chat: "CMGR" } });
    expect((await api("PUT", "/bots/helpdesk", { bot })).status).toBe(200);
    await putSecrets("helpdesk");

    const inChat = () => sentTo("/sendMessage").filter((s) => s.body.chat_id === "3003");
    expect((await post("helpdesk", "telegram", hook("helpdesk", "telegram", { text: "refund order 42", chat: "3003", user: "77" }).request)).status).toBe(200);
    await expect.poll(() => inChat().length, { timeout: 15_000 }).toBe(1);
    const code = /\b(\d{6})\b/.exec(inChat()[0]!.body.text as string)![1]!;

    expect((await post("helpdesk", "telegram", hook("helpdesk", "telegram", { text: code, chat: "3003", user: "77" }).request)).status).toBe(200);
    const toManager = () => sentTo("/chat.postMessage").filter((s) => s.body.channel === "CMGR");
    await expect.poll(() => toManager().length, { timeout: 15_000 }).toBe(1);
    const ask = toManager()[0]!.body;
    expect(ask.text).toContain("order 42: total 650 USD");
    const approveButton = ask.blocks[1].elements.find((e: Json) => e.text.text === "Approve");
    expect(approveButton.value).toMatch(/^approve:run_[0-9a-f]{24}$/);

    // The same button data from the customer's own chat decides nothing: only the approvals chat may.
    expect((await post("helpdesk", "telegram", hook("helpdesk", "telegram", { text: approveButton.value, chat: "3003", user: "77", button: true }).request)).status).toBe(200);
    await expect.poll(() => inChat().map((s) => s.body.text), { timeout: 15_000 }).toContain("Only the approvers' chat can decide this request.");
    expect(inChat().map((s) => s.body.text)).not.toContain("Your refund is on its way.");

    // The manager presses Approve in Slack (a block_actions interaction, signed like every Slack request).
    expect((await post("helpdesk", "slack", hook("helpdesk", "slack", { text: approveButton.value, chat: "CMGR", user: "UMGR", button: true }).request)).status).toBe(200);
    await expect.poll(() => inChat().map((s) => s.body.text), { timeout: 15_000 }).toContain("Your refund is on its way.");
    expect(toManager().some((s) => String(s.body.text).includes("Approved by UMGR"))).toBe(true);
    // Nothing was sent twice.
    const texts = inChat().map((s) => s.body.text as string);
    expect(new Set(texts).size).toBe(texts.length);
  });
});

describe("delegate_to_bot", () => {
  it("a workflow bot hands the conversation to the support bot (agent mode, with a tool) and relays its answer in Telegram", async () => {
    const concierge = {
      name: "concierge",
      nodes: [
        { id: "start", type: "trigger" },
        { id: "ask", type: "delegate_to_bot", config: { bot: "support", text: "{{ trigger.text }}", send: false } },
        { id: "done", type: "send_message", config: { text: "Support says: {{ nodes.ask.output.text }}" } },
      ],
      edges: [
        { from: "start", to: "ask" },
        { from: "ask", to: "done" },
      ],
    };
    expect((await api("PUT", "/workflows/concierge", { definition: concierge })).status).toBe(200);
    expect((await api("PUT", "/bots/frontdesk", { bot: definition("frontdesk", { mode: "workflow", workflow: "concierge", platforms: ["telegram"] }) })).status).toBe(200);
    await putSecrets("frontdesk");
    const tools = toolCalls;
    const inChat = () => sentTo("/sendMessage").filter((s) => s.body.chat_id === "4004");
    expect((await post("frontdesk", "telegram", hook("frontdesk", "telegram", { text: "refund order 42", chat: "4004" }).request)).status).toBe(200);
    await expect.poll(() => inChat().length, { timeout: 15_000 }).toBe(1);
    expect(inChat()[0]!.body.text).toMatch(/^Support says: .*order 42: total 650 USD/s);
    expect(toolCalls).toBe(tools + 1);
    // The support bot logged the hand-off as its own turn, with the tool call.
    const turn = (await logs("support")).find((e) => e.platform === "web" && e.user === "workflow:concierge")!;
    expect(turn.toolCalls.map((t: Json) => t.name)).toEqual(["shop__lookup_order"]);
  });

  it("fails the run with a clear error for a bot that is not there or is not in agent mode", async () => {
    for (const [bot, expected] of [["nobody", 'no bot "nobody"'], ["helpdesk", "workflow mode"]] as const) {
      const name = `hand-${bot}`;
      const definitionOf = { name, nodes: [{ id: "start", type: "trigger" }, { id: "ask", type: "delegate_to_bot", config: { bot, text: "hello" } }], edges: [{ from: "start", to: "ask" }] };
      expect((await api("PUT", `/workflows/${name}`, { definition: definitionOf })).status).toBe(200);
      const run = await api("POST", `/workflows/${name}/runs`, { input: {} });
      expect(run.status).toBe(200);
      await expect.poll(async () => (await api("GET", `/runs/${run.body.id as string}`)).body.status, { timeout: 15_000 }).toBe("failed");
      expect((await api("GET", `/runs/${run.body.id as string}`)).body.error).toContain(expected);
    }
  });
});
