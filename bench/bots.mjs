// The `bots` entry of bench/run.mjs (which passes its helpers in): bots on `aerostack platform start`.
//   1. webhook acknowledgement with 100 concurrent chats: signed Telegram updates, 100 at once (one per chat), 5
//      rounds after a warm-up round that created the chats (a chat's first message also creates its object); each request's send → its 200 (the work happens after the ack). p50 goal ≤ 10 ms, p99 well under the
//      platforms' 3 s deadline; beside it the floor: the same 100 POSTs to a path that touches no object;
//   2. message → reply with the offline model and one tool call (agent loop: two model turns, one tools/call through
//      the workspace gateway to a loopback MCP member), webhook sent → the reply reaching the loopback Telegram API
//      fixture; against the same tool called directly through the gateway (`/ws/<slug>`, a member token). Goal: at
//      most +20 ms.
import { Buffer } from "node:buffer";
import http from "node:http";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";

const CONCURRENT_CHATS = 100;
const ACK_ROUNDS = 5;
const REPLIES = 30;
const SECRET = randomBytes(16).toString("hex");
const TOKEN = "1:bench";

/** The Telegram API stand-in: records when each chat's reply arrived. */
function startTelegram() {
  const replies = new Map();
  const counter = { sent: 0 };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const at = performance.now();
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        if (req.url.endsWith("/sendMessage")) {
          replies.set(String(body.chat_id), at);
          counter.sent++;
        }
      } catch {
        // setWebhook and the like
      }
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true,"result":{"message_id":1}}');
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${server.address().port}`, replies, counter, close: () => (server.closeAllConnections(), server.close()) })));
}

let updateId = 1;
const update = (chat, text) => JSON.stringify({ update_id: updateId++, message: { message_id: updateId, from: { id: 7, first_name: "b" }, chat: { id: chat, type: "private" }, date: 0, text } });

/** The JSON-RPC answer in a JSON or SSE body. */
function answerOf(text) {
  const json = text.trimStart().startsWith("{") ? text : text.split("\n").find((l) => l.startsWith("data:"))?.slice(5) ?? "null";
  return JSON.parse(json);
}

export function botsEntry(h) {
  return {
    name: "bots",
    description: "bots: webhook ack p50/p99 with 100 concurrent chats; message → reply with the offline model and one tool call vs the tool through the gateway",
    async run(ctx) {
      const { verbose } = ctx.opts;
      const ours = {};
      if (ctx.tools.includes(h.aerostack)) {
        await h.forTool(h.aerostack, ctx, async () => {
          const dataDir = join(await h.tempDir("bots-platform"), "data");
          const server = h.startServer({ name: "platform", command: process.execPath, args: [h.AEROSTACK_BIN, "platform", "start", "--port", "0", "--data-dir", dataDir, "--allow-private-egress"], cwd: h.tmpdirOf(dataDir), env: h.BASE_ENV, verbose });
          const url = (await h.waitForLine(server, h.PLATFORM_LISTENING, 90_000)).match[1];
          const key = (await h.waitForLine(server, h.ADMIN_KEY, 90_000)).match[1];
          await h.waitForLine(server, /Press Ctrl-C/, 90_000);
          const api = h.apiClient({ url, key });
          // run.mjs's stateless members: tools alpha, beta and gamma answering "ok" at once.
          const members = await h.startMemberFixtures();
          const telegram = await startTelegram();
          try {
            // The bot is one principal of the workspace: its calls count against the workspace's per-token rate limit.
            await api("POST", "/workspaces", { name: "bench-bot", settings: { rateLimitPerMinute: 100_000 } });
            await api("PUT", "/workspaces/bench-bot/members/shop", { member: { kind: "proxy", slug: "shop", url: members.urls[0], allowPrivate: true } });
            for (const [name, value] of [["TELEGRAM_WEBHOOK_SECRET", SECRET], ["TELEGRAM_BOT_TOKEN", TOKEN]]) await api("PUT", `/projects/bench/secrets/${name}`, { value });
            const bot = { name: "bench", workspace: "bench-bot", mode: "agent", systemPrompt: "", platforms: ["telegram"], maxIterations: 10, memoryTurns: 20, rateLimitPerMinute: 10_000, apiBase: { telegram: telegram.url } };
            await api("PUT", "/bots/bench", { bot });
            const hook = `${url}/bots/bench/telegram`;
            const headers = { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET };
            const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENT_CHATS });

            // (1) acknowledgements, 100 chats at once; one unrecorded warm-up round
            const acks = [];
            for (let round = 0; round <= ACK_ROUNDS; round++) {
              // A fresh pool per round: sockets left idle while the round's work finished may have been closed by the server.
              const pool = new http.Agent({ keepAlive: true, maxSockets: CONCURRENT_CHATS });
              const answers = await Promise.all(Array.from({ length: CONCURRENT_CHATS }, (_, i) => h.request(hook, { method: "POST", headers, body: update(10_000 + i, "hello"), agent: pool, timeoutMs: 120_000 })));
              pool.destroy();
              const bad = answers.find((a) => a.error || a.status !== 200);
              if (bad) throw new Error(`a webhook was not acknowledged: ${bad.error?.message ?? `${bad.status} ${bad.body}`}`);
              if (round > 0) acks.push(...answers.map((a) => a.ms));
              // Let the round's work finish before the next one, so each round starts from the same state.
              const until = performance.now() + 180_000;
              while (telegram.counter.sent < (round + 1) * CONCURRENT_CHATS) {
                if (performance.now() > until) {
                  const entries = (await api("GET", "/bots/bench/logs?limit=1000")).entries;
                  const kinds = {};
                  for (const e of entries) kinds[`${e.kind}${e.error ? `: ${e.error.slice(0, 120)}` : ""}`] = (kinds[`${e.kind}${e.error ? `: ${e.error.slice(0, 120)}` : ""}`] ?? 0) + 1;
                  throw new Error(`round ${round}: ${telegram.counter.sent} of ${(round + 1) * CONCURRENT_CHATS} replies after 180 s; log: ${JSON.stringify(kinds)}; latency ${entries.map((e) => e.latencyMs).join(",")}`);
                }
                await sleep(20);
              }
            }
            ours.ackP50 = [{ ms: h.percentile(acks, 50), samples: acks.length }];
            ours.ackP99 = [{ ms: h.percentile(acks, 99), samples: acks.length }];

            // (1b) the floor under (1): the same 100 concurrent POSTs, same client shape, to a platform path that
            // touches no object (the router's 404 JSON): what accepting and answering 100 requests at once costs here.
            const floor = [];
            for (let round = 0; round <= ACK_ROUNDS; round++) {
              const pool = new http.Agent({ keepAlive: true, maxSockets: CONCURRENT_CHATS });
              const answers = await Promise.all(Array.from({ length: CONCURRENT_CHATS }, () => h.request(`${url}/bench-no-such-path`, { method: "POST", headers, body: update(1, "hello"), agent: pool, timeoutMs: 120_000 })));
              pool.destroy();
              const bad = answers.find((a) => a.error || a.status !== 404);
              if (bad) throw new Error(`the floor request was not answered 404: ${bad.error?.message ?? `${bad.status} ${bad.body}`}`);
              if (round > 0) floor.push(...answers.map((a) => a.ms));
            }
            ours.floorP50 = [{ ms: h.percentile(floor, 50), samples: floor.length }];

            // (2) message → reply with one tool call, sequential, a fresh chat each time; one warm-up
            const replies = [];
            const soloAcks = [];
            // Each chat's second message is timed: its first (not recorded) created the chat's object.
            for (let i = 0; i < 2 * REPLIES; i++) {
              const chat = String(50_000 + (i % REPLIES));
              telegram.replies.delete(chat);
              const t0 = performance.now();
              const ack = await h.request(hook, { method: "POST", headers, body: update(Number(chat), "alpha for order 42"), agent });
              if (ack.status !== 200) throw new Error(`webhook answered ${ack.status}`);
              const until = performance.now() + 30_000;
              while (!telegram.replies.has(chat)) {
                if (performance.now() > until) throw new Error(`no reply in chat ${chat} after 30 s`);
                await sleep(1);
              }
              if (i >= REPLIES) {
                replies.push(telegram.replies.get(chat) - t0);
                soloAcks.push(ack.ms);
              }
            }
            ours.reply = replies.map((ms) => ({ ms }));
            ours.soloAck = [{ ms: h.percentile(soloAcks, 50), p99: h.percentile(soloAcks, 99) }];

            // (2') the same tool directly through the gateway, a member token, one session
            const created = await api("POST", "/workspaces/bench-bot/tokens", { name: "bench", role: "developer" });
            const token = created.token ?? created.secret;
            const gw = `${url}/ws/bench-bot`;
            const mcpHeaders = { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${token}`, "mcp-protocol-version": "2025-06-18" };
            const init = await h.request(gw, { method: "POST", headers: mcpHeaders, agent, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } } }) });
            const session = init.headers["mcp-session-id"];
            const withSession = { ...mcpHeaders, "mcp-session-id": session };
            await h.request(gw, { method: "POST", headers: withSession, agent, body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) });
            const direct = [];
            for (let i = 0; i <= REPLIES; i++) {
              const call = await h.request(gw, { method: "POST", headers: withSession, agent, body: JSON.stringify({ jsonrpc: "2.0", id: 10 + i, method: "tools/call", params: { name: "shop__alpha", arguments: { text: "for order 42" } } }) });
              if (!answerOf(call.body)?.result) throw new Error(`tools/call through the gateway failed: ${call.status} ${call.body.slice(0, 200)}`);
              if (i > 0) direct.push(call.ms);
            }
            ours.direct = direct.map((ms) => ({ ms }));
            agent.destroy();
          } finally {
            await members.close();
            telegram.close();
            await server.stop();
          }
        });
      }
      const only = (samples) => ({ ...(samples ? { aerostack: { samples } } : {}), ...(ctx.tools.includes(h.wrangler) ? { wrangler: { unavailable: "not compared: measured on the Aerostack platform only" } } : {}) });
      const solo = (name, description, samples, goal, met) => ({ ...h.row(name, description, only(samples)), goal, goalMet: samples ? met(samples[0].ms) : null });
      const rows = [
        solo("webhook ack p50, 100 chats", "signed Telegram webhooks to 100 existing chats at once × 5 rounds: send → 200 (goal ≤ 10 ms)", ours.ackP50, "≤ 10 ms", (ms) => ms <= 10),
        solo("webhook ack p99, 100 chats", "the same, p99 (goal: well under the platforms' 3 s deadline)", ours.ackP99, "< 3000 ms", (ms) => ms < 3000),
      ];
      rows.push({ ...h.row("floor: 100 POSTs, no object", "the same 100-at-once client to a platform path that touches no object (a 404 from the router) × 5 rounds, p50: what the HTTP layer alone costs at this concurrency", only(ours.floorP50)), goal: "—", goalMet: null });
      rows.push(solo("webhook ack p50, 1 at a time", "the same webhook with nothing else in flight (the message → reply loop below): send → 200", ours.soloAck, "≤ 10 ms", (ms) => ms <= 10));
      const replyRow = h.row("message → reply, 1 tool", "agent loop, offline model, one tools/call via the workspace gateway: webhook sent → reply at the Telegram fixture; each of 30 chats' second message, one at a time", only(ours.reply));
      const directRow = h.row("tool via the gateway", "the same tool called directly: tools/call on /ws/<slug> with a member token, 30 sequential calls", only(ours.direct));
      const overhead = ours.reply && ours.direct ? replyRow.aerostackMedianMs - directRow.aerostackMedianMs : null;
      rows.push({ ...replyRow, goal: "≤ gateway + 20 ms", goalMet: overhead === null ? null : overhead <= 20 }, { ...directRow, goal: "—", goalMet: null });
      return rows;
    },
  };
}
