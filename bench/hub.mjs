// The `hub` bench entry (run.mjs lists it), on `aerostack platform start`:
// 1. hub search p50 over 1,000 published packages (the API's GET /hub/search: key check, env.AI.embed of the query,
//    env.VECTORIZE top 50, BM25 over the registry's index), 200 different queries, one at a time;
// 2. a prompt-only skill called through a workspace gateway (/ws/<slug>, tools/call with the MCP SDK's client) against
//    the same prompt sent with env.AI.chat directly from a function (GET on its own URL); offline AI on both sides.
import { Buffer } from "node:buffer";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import http from "node:http";
import { performance } from "node:perf_hooks";

const PACKAGES = 1000;
const QUERIES = 200;
const CALLS = 300;
const WORDS = ("message channel team slack email calendar event invoice payment order refund customer ticket issue " +
  "repository commit deploy weather forecast city map route translate summary document search note file image " +
  "photo video audio transcript meeting schedule reminder task project budget report chart database query cache").split(" ");

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : null;
};
const two = (x) => (x === null ? null : Math.round(x * 100) / 100);

const SKILL = "---\nname: answer\ndescription: Answers a question about a text.\ninput_schema:\n  type: object\n  properties:\n    question: { type: string }\n  required: [question]\n---\nAnswer briefly.\n";
const DIRECT = `export default { async fetch(request, env) {
  const question = new URL(request.url).searchParams.get("q") ?? "";
  const answer = await env.AI.chat({ messages: [{ role: "system", content: "Answer briefly." }, { role: "user", content: "question: " + question }] });
  return new Response(answer.text);
} };\n`;
const SERVER = `import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { serveMcp } from "@aerostack/runtime/mcp";
import { z } from "zod";
export default { fetch: serveMcp(() => {
  const s = new McpServer({ name: "pkg", version: "1.0.0" });
  s.registerTool("do_thing", { description: "Does a thing", inputSchema: { x: z.string() } }, async ({ x }) => ({ content: [{ type: "text", text: x }] }));
  return s;
}) };\n`;

/** POST on loopback with a Host header: status, headers and the whole body (JSON, or the SSE stream read to its end). */
function post(agent, port, host, path, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method: "POST", headers: { host, "content-type": "application/json", accept: "application/json, text/event-stream", ...headers }, agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

/** A raw MCP session (initialize, initialized), then tools/call as one POST each: the same client code for every target. */
async function rawSession(agent, port, host, path, headers = {}) {
  const init = await post(agent, port, host, path, headers, { jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } } });
  if (init.status !== 200) throw new Error(`initialize ${path}: ${init.status} ${init.text.slice(0, 200)}`);
  const session = { ...headers, "mcp-session-id": init.headers["mcp-session-id"], "mcp-protocol-version": "2025-06-18" };
  await post(agent, port, host, path, session, { jsonrpc: "2.0", method: "notifications/initialized" });
  let id = 0;
  return async (name, args) => {
    const res = await post(agent, port, host, path, session, { jsonrpc: "2.0", id: ++id, method: "tools/call", params: { name, arguments: args } });
    if (res.status !== 200 || !res.text.includes('"result"') || res.text.includes('"isError":true')) throw new Error(`tools/call ${name} via ${path}: ${res.status} ${res.text.slice(0, 200)}`);
  };
}

/** GET on loopback with a Host header (`*.localhost` need not resolve here), one keep-alive agent. */
function get(agent, port, host, path) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, headers: { host }, agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end();
  });
}

export async function runHubBench(ctx, { row, log, tempDir, startPlatform, cliDeploy }) {
  const dir = await tempDir("hub");
  const platform = await startPlatform(join(dir, "data"), { verbose: ctx.opts.verbose, firstStart: true });
  const api = async (method, path, body) => {
    const res = await globalThis.fetch(`${platform.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${platform.key}`, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text);
  };
  const project = async (name, files) => {
    const root = join(dir, name);
    for (const [file, text] of Object.entries(files)) {
      await mkdir(join(root, file, ".."), { recursive: true });
      await writeFile(join(root, file), text);
    }
    return (await cliDeploy(platform, root, ctx.opts.verbose)).result;
  };
  const none = { unavailable: "no counterpart: wrangler has no hub or skills" };
  try {
    const { account } = await api("GET", "/whoami");
    await project("pkg", { "aerostack.toml": 'name = "pkg"\ntype = "mcp-server"\n', "src/index.ts": SERVER });
    await project("sk", { "aerostack.toml": 'name = "sk"\ntype = "skill"\n', "SKILL.md": SKILL });
    const direct = await project("direct", { "aerostack.toml": 'name = "direct"\n', "src/index.ts": DIRECT });

    // 1,000 packages: one deployed server, published under 1,000 names with descriptions of three words each.
    log(`  publishing ${PACKAGES} packages`);
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < PACKAGES) {
          const i = next++;
          const words = [WORDS[i % WORDS.length], WORDS[(i * 7 + 3) % WORDS.length], WORDS[(i * 13 + 5) % WORDS.length]];
          await api("POST", "/hub/packages", { project: "pkg", name: `@${account}/pkg-${i}`, version: "1.0.0", description: `Tools for ${words.join(", ")}` });
        }
      }),
    );
    const publishMs = performance.now() - t0;
    const search = [];
    for (let i = -20; i < QUERIES; i++) {
      const q = `${WORDS[(i + 20) % WORDS.length]} ${WORDS[((i + 20) * 5 + 1) % WORDS.length]}`;
      const s = performance.now();
      const found = await api("GET", `/hub/search?q=${encodeURIComponent(q)}&limit=10`);
      if (i >= 0) search.push(performance.now() - s);
      if (found.results.length === 0) throw new Error(`search "${q}" found nothing`);
    }
    const searchP50 = pct(search, 50);

    // The skill through the gateway vs env.AI.chat from a function, sequential calls, warm.
    // The rate limit raised: the default 120 a minute would stop the run, not measure the call.
    await api("POST", "/workspaces", { name: "bench-skill", settings: { rateLimitPerMinute: 100000 } });
    await api("PUT", "/workspaces/bench-skill/members/sk", { member: { kind: "project", slug: "sk", project: "sk" } });
    const { token } = await api("POST", "/workspaces/bench-skill/tokens", { name: "bench", role: "developer" });
    // One client for every target: raw JSON-RPC over keep-alive node:http, so the difference is the platform's.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const localHost = `127.0.0.1:${platform.port}`;
    const callGateway = await rawSession(agent, platform.port, localHost, "/ws/bench-skill", { authorization: `Bearer ${token}` });
    const skillUrl = (await api("GET", "/projects/sk")).envs[0].url;
    const callSkill = await rawSession(agent, platform.port, `${new URL(skillUrl).hostname}:${platform.port}`, "/mcp");
    const host = `${new URL(direct.url).hostname}:${platform.port}`;
    const viaGateway = [];
    const viaSkill = [];
    const viaFunction = [];
    for (let i = -30; i < CALLS; i++) {
      const q = `what is ${WORDS[(i + 30) % WORDS.length]}`;
      let s = performance.now();
      await callGateway("sk__answer", { question: q });
      if (i >= 0) viaGateway.push(performance.now() - s);
      s = performance.now();
      await callSkill("answer", { question: q });
      if (i >= 0) viaSkill.push(performance.now() - s);
      s = performance.now();
      const d = await get(agent, platform.port, host, `/?q=${encodeURIComponent(q)}`);
      if (d.status !== 200) throw new Error(`direct chat: ${d.status} ${d.text.slice(0, 200)}`);
      if (i >= 0) viaFunction.push(performance.now() - s);
    }
    agent.destroy();
    const g50 = pct(viaGateway, 50);
    const f50 = pct(viaFunction, 50);
    const k50 = pct(viaSkill, 50);
    log(`  search p50 ${two(searchP50)} ms; skill via gateway p50 ${two(g50)} ms, at its own /mcp ${two(k50)} ms, env.AI.chat from a function ${two(f50)} ms`);
    return [
      {
        ...row("hub search p50 (1,000 packages)", `ms per GET /api/v1/hub/search (${QUERIES} two-word queries, one at a time, after 20 unrecorded): key check, env.AI.embed of the query (local), env.VECTORIZE top 50, BM25 over the registry; extra: ms to publish the ${PACKAGES} (8 at a time)`, {
          aerostack: { samples: search.map((ms) => ({ ms })), extra: { p50Ms: two(searchP50), p95Ms: two(pct(search, 95)), publishAllMs: Math.round(publishMs) } },
          wrangler: none,
        }),
        goal: "≤ 20 ms p50",
        goalMet: searchP50 <= 20,
      },
      {
        ...row("skill call via gateway vs env.AI.chat", `ms per tools/call of a prompt-only skill through /ws/<slug>, against the same prompt sent with env.AI.chat from a function (GET on its own URL); extra: the skill's own /mcp directly. One keep-alive node:http client, raw JSON-RPC, one session each, ${CALLS} calls each, interleaved, offline AI`, {
          aerostack: { samples: viaGateway.map((ms) => ({ ms })), extra: { p50Ms: two(g50), skillMcpP50Ms: two(k50), directP50Ms: two(f50), overheadMs: two(g50 - f50), gatewayPartMs: two(g50 - k50), mcpPartMs: two(k50 - f50) } },
          wrangler: none,
        }),
        goal: "≤ +1 ms over direct",
        goalMet: g50 - f50 <= 1,
      },
    ];
  } finally {
    await platform.server.stop();
  }
}
