// The workflow engine on a real platform (workerd via Miniflare, real SQLite Durable Objects and alarms), driven
// through the public API: deploy checks, runs through logic, loops and parallel branches, human approval and its
// timeout on the run's injectable clock, retries against a loopback fixture, code_block's sandbox, webhooks with
// HMAC and delivery dedupe, and runs pinned to the version they started on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { startPlatformServer, type PlatformServer } from "../../host/platform/server";
import { echoServer, startMcpFixture, type Fixture } from "../gateway/fixtures/servers";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

let server: PlatformServer;
let key: string;
let fixture: Server;
let mcp: Fixture;
let fixtureUrl: string;
/** Requests the fixture saw, by idempotency key. */
const seen: { path: string; key: string | null }[] = [];
/** Answers to the fixture's held requests (`/held`), sent when the test says. */
const held: (() => void)[] = [];

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

const deploy = (definition: Json) => api("PUT", `/workflows/${definition.name as string}`, { definition });
const start = async (name: string, input: unknown = {}) => (await api("POST", `/workflows/${name}/runs`, { input })).body as Json;
const run = async (id: string) => (await api("GET", `/runs/${id}`)).body;
async function settled(id: string, statuses = ["succeeded", "failed", "cancelled"]): Promise<Json> {
  await expect.poll(async () => (await run(id)).status, { timeout: 15_000, interval: 20 }).toSatisfy((s: string) => statuses.includes(s));
  return run(id);
}
async function advance(id: string, ms: number) {
  const res = await server.platform.fetch(`${server.url}/__aerostack/workflow-runs/${id}/clock`, {
    method: "POST",
    headers: { authorization: `Bearer ${server.platform.token}`, "content-type": "application/json" },
    body: JSON.stringify({ advanceMs: ms }),
  });
  expect(res.status).toBe(200);
}

const trigger = { id: "start", type: "trigger" };
const edge = (from: string, to: string, on?: string) => ({ from, to, ...(on ? { on } : {}) });

beforeAll(async () => {
  fixture = createServer((req, res) => {
    seen.push({ path: req.url ?? "", key: (req.headers["idempotency-key"] as string | undefined) ?? null });
    if (req.url === "/held") {
      held.push(() => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
      return;
    }
    const attempts = seen.filter((s) => s.path === req.url).length;
    if (req.url === "/flaky" && attempts < 3) {
      res.writeHead(503).end("busy");
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, path: req.url, attempts }));
  });
  await new Promise<void>((resolve) => fixture.listen(0, "127.0.0.1", resolve));
  fixtureUrl = `http://127.0.0.1:${(fixture.address() as AddressInfo).port}`;
  const dataDir = await mkdtemp(join(tmpdir(), "aerostack-wf-"));
  server = await startPlatformServer({ dataDir, port: 0, host: "127.0.0.1", baseDomain: "localhost", allowPrivateEgress: true, onLog: () => {} });
  key = server.adminKey!;
  mcp = await startMcpFixture(echoServer("tools"));
});
afterAll(async () => {
  await server?.close();
  fixture?.close();
  await mcp?.close();
});

describe("workflows on the platform", () => {
  it("refuses an invalid definition at deploy, naming the node and the reason", async () => {
    const bad = await deploy({ name: "bad", nodes: [trigger, { id: "x", type: "teleport" }], edges: [edge("start", "x")] });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe("invalid_workflow");
    expect(bad.body.error.message).toContain('node "x": type: unknown node type "teleport"');
    expect((await api("GET", "/workflows/bad")).body.error.code).toBe("workflow_not_found");
  });

  it("runs variables, a logic branch, a loop and parallel branches to the end, with a trace", async () => {
    const def = {
      name: "basics",
      vars: { greeting: "hi" },
      nodes: [
        trigger,
        { id: "total", type: "set_variable", config: { name: "total", value: "{{ trigger.input.total }}" } },
        { id: "big", type: "logic", config: { if: { left: "{{ vars.total }}", op: "gt", right: 500 } } },
        { id: "each", type: "loop", config: { over: "{{ trigger.input.items }}" } },
        { id: "seen", type: "set_variable", config: { name: "last", value: "{{ nodes.each.output.item }}" } },
        { id: "fan", type: "parallel", config: { join: "joined" } },
        { id: "a", type: "set_variable", config: { name: "a", value: "A" } },
        { id: "b", type: "set_variable", config: { name: "b", value: "B" } },
        { id: "joined", type: "end", config: { output: { a: "{{ vars.a }}", b: "{{ vars.b }}", last: "{{ vars.last }}", msg: "{{ vars.greeting }} {{ vars.total }}" } } },
        { id: "small", type: "end", config: { output: "small" } },
      ],
      edges: [edge("start", "total"), edge("total", "big"), edge("big", "each", "true"), edge("big", "small", "false"), edge("each", "seen", "body"), edge("seen", "each"), edge("each", "fan", "done"), edge("fan", "a"), edge("fan", "b"), edge("a", "joined"), edge("b", "joined")],
    };
    expect((await deploy(def)).status).toBe(200);
    const big = await settled((await start("basics", { total: 900, items: ["x", "y", "z"] })).id as string);
    expect(big).toMatchObject({ status: "succeeded", output: { a: "A", b: "B", last: "z", msg: "hi 900" } });
    const small = await settled((await start("basics", { total: 10, items: [] })).id as string);
    expect(small.output).toBe("small");
    const trace = (await api("GET", `/runs/${big.id as string}/trace`)).body;
    const completed = (trace.events as Json[]).filter((e) => e.kind === "completed");
    expect(completed.filter((e) => e.node === "seen").map((e) => e.visit)).toEqual([0, 1, 2]);
    expect(completed.find((e) => e.node === "big")).toMatchObject({ branch: "true", input: { if: { left: 900, op: "gt", right: 500 } } });
    expect((await api("GET", "/workflows/basics/runs")).body.runs).toHaveLength(2);
  });

  it("sets variables by replacing their values: an object replaces an object, null is kept as null, an array as a whole", async () => {
    const set = (id: string, name: string, value: unknown) => ({ id, type: "set_variable", config: { name, value } });
    const steps = [set("o1", "o", { a: 1, keep: true }), set("o2", "o", { b: 2 }), set("n1", "n", 1), set("n2", "n", null), set("l1", "l", [1, 2, 3]), set("l2", "l", [4]), set("s", "s", "text"), set("f", "f", 1.5)];
    await deploy({
      name: "vars",
      vars: { seeded: "yes" },
      nodes: [trigger, ...steps, { id: "out", type: "end", config: { output: { o: "{{ vars.o }}", n: "{{ vars.n }}", l: "{{ vars.l }}", s: "{{ vars.s }}", f: "{{ vars.f }}", seeded: "{{ vars.seeded }}" } } }],
      edges: [edge("start", "o1"), ...steps.slice(1).map((n, i) => edge(steps[i]!.id, n.id)), edge("f", "out")],
    });
    const done = await settled((await start("vars")).id as string);
    expect(done.status).toBe("succeeded");
    expect(done.output).toEqual({ o: { b: 2 }, n: null, l: [4], s: "text", f: 1.5, seeded: "yes" });
  });

  it("waits for approval, resumes on approve, and takes the timeout branch when the run's clock passes the wait", async () => {
    const def = (version: string) => ({
      name: "approve",
      nodes: [trigger, { id: "ask", type: "human_handoff", config: { message: "ok?", waitMs: 60_000 } }, { id: "yes", type: "end", config: { output: `yes ${version}` } }, { id: "no", type: "end", config: { output: "no" } }, { id: "late", type: "end", config: { output: "timeout" } }],
      edges: [edge("start", "ask"), edge("ask", "yes", "approved"), edge("ask", "no", "rejected"), edge("ask", "late", "timeout")],
    });
    await deploy(def("v1"));
    const first = (await start("approve")).id as string;
    const second = (await start("approve")).id as string;
    const waiting = await settled(first, ["waiting"]);
    expect(waiting.waiting).toEqual([{ node: "ask", kind: "approval", until: expect.any(Number), message: "ok?", approveUrl: expect.stringContaining(`/hooks/approve/runs/${first}/approve?sig=`), rejectUrl: expect.any(String) }]);
    // A new version while both wait: they finish on the one they started with.
    expect((await deploy(def("v2"))).body.workflow.version).toBe(2);
    const decided = await api("POST", `/runs/${first}/decision`, { approve: true, reason: "fine" });
    expect(decided.status).toBe(200);
    // The answer is the run after the approval took effect: no longer waiting (running on, or already done).
    expect(decided.body.waiting).toEqual([]);
    expect(["running", "succeeded"]).toContain(decided.body.status);
    expect(await settled(first)).toMatchObject({ status: "succeeded", output: "yes v1", version: 1 });
    const again = await api("POST", `/runs/${first}/decision`, { approve: true });
    expect(again.body.error).toMatchObject({ code: "run_conflict" });
    await settled(second, ["waiting"]);
    await advance(second, 61_000);
    expect(await settled(second)).toMatchObject({ status: "succeeded", output: "timeout" });

    // The signed per-run link decides without an account key; a tampered or turned-around one does nothing.
    const third = (await start("approve")).id as string;
    const links = (await settled(third, ["waiting"])).waiting[0] as { approveUrl: string; rejectUrl: string };
    const forged = links.rejectUrl.replace(/sig=.*/, `sig=${"0".repeat(64)}`);
    expect((await fetch(forged, { method: "POST" })).status).toBe(401);
    expect((await fetch(links.approveUrl.replace("/approve?", "/reject?"), { method: "POST" })).status).toBe(401);
    const byLink = await fetch(links.rejectUrl, { method: "POST" });
    expect(await byLink.json()).toEqual({ run: third, decision: "rejected" });
    expect(await settled(third)).toMatchObject({ output: "no", version: 2 });
    expect((await fetch(links.approveUrl, { method: "POST" })).status).toBe(409);
  });

  it("retries a failing http_request with backoff and sends the same idempotency key each attempt", async () => {
    await deploy({
      name: "flaky",
      nodes: [trigger, { id: "call", type: "http_request", retry: { attempts: 4, backoffMs: 10, factor: 1 }, config: { url: `${fixtureUrl}/flaky`, method: "POST", body: { x: 1 } } }],
      edges: [edge("start", "call")],
    });
    const done = await settled((await start("flaky")).id as string);
    expect(done).toMatchObject({ status: "succeeded", output: { status: 200, body: { attempts: 3 } } });
    const keys = seen.filter((s) => s.path === "/flaky").map((s) => s.key);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    const trace = (await api("GET", `/runs/${done.id as string}/trace`)).body;
    expect((trace.events as Json[]).filter((e) => e.node === "call").map((e) => e.kind)).toEqual(["attempt_started", "attempt_failed", "attempt_started", "attempt_failed", "attempt_started", "completed"]);
  });

  it("lets other runs go on while a run's node waits on the network (the waiting run gives its turn up)", async () => {
    await deploy({ name: "holder", nodes: [trigger, { id: "call", type: "http_request", config: { url: `${fixtureUrl}/held` } }], edges: [edge("start", "call")] });
    const holder = (await start("holder")).id as string;
    await expect.poll(() => held.length, { timeout: 10_000, interval: 10 }).toBe(1);
    // A 20-node chain finishes while the holder's request is still held (it is answered only after).
    await deploy({
      name: "meanwhile",
      nodes: [trigger, ...Array.from({ length: 20 }, (_, i) => ({ id: `n${i}`, type: "set_variable", config: { name: "i", value: i } }))],
      edges: Array.from({ length: 20 }, (_, i) => edge(i === 0 ? "start" : `n${i - 1}`, `n${i}`)),
    });
    expect(await settled((await start("meanwhile")).id as string)).toMatchObject({ status: "succeeded", output: 19 });
    expect((await run(holder)).status).toBe("running");
    held.shift()!();
    expect(await settled(holder)).toMatchObject({ status: "succeeded", output: { status: 200 } });
  });

  it("runs code_block in a sandbox: JSON in and out; network, endless loops, throws, syntax errors and unserializable results fail that node only", async () => {
    const block = (id: string, code: string) => ({ id, type: "code_block", onError: "continue", config: { code, input: { n: "{{ trigger.input.n }}" }, cpuMs: 200 } });
    await deploy({
      name: "code",
      nodes: [
        trigger,
        block("double", "return { doubled: input.n * 2 };"),
        block("net", `await fetch("${fixtureUrl}/from-code"); return 1;`),
        block("forever", "let i = 0; while (true) i++;"),
        block("throws", 'throw new Error("refund service unreachable")'),
        block("weird", "return { f: 1n };"),
        block("broken", "return {"),
        { id: "out", type: "end", config: { output: { double: "{{ nodes.double.output }}", net: "{{ nodes.net.output }}", forever: "{{ nodes.forever.output }}", weird: "{{ nodes.weird.output }}" } } },
      ],
      edges: [edge("start", "double"), edge("double", "net"), edge("net", "forever"), edge("forever", "throws"), edge("throws", "weird"), edge("weird", "broken"), edge("broken", "out")],
    });
    const done = await settled((await start("code", { n: 21 })).id as string);
    expect(done).toMatchObject({ status: "succeeded", output: { double: { doubled: 42 }, net: null, forever: null, weird: null } });
    expect(seen.some((s) => s.path === "/from-code")).toBe(false);
    const failed = ((await api("GET", `/runs/${done.id as string}/trace`)).body.events as Json[]).filter((e) => e.kind === "failed");
    expect(failed.map((e) => e.node)).toEqual(["net", "forever", "throws", "weird", "broken"]);
    expect(failed[0]!.error).toMatch(/network|fetch|outbound/i);
    expect(failed[1]!.error).toMatch(/code_block: the code ran more than 5000000 loop iterations \(an endless loop\?\)/);
    expect(failed[2]!.error).toBe("code_block: refund service unreachable");
    expect(failed[3]!.error).toMatch(/not JSON|BigInt/);
    expect(failed[4]!.error).toMatch(/^code_block: the code does not parse: Unexpected token \(line \d+, column \d+\)$/);
  });

  it("starts runs from a signed webhook once per delivery id, and refuses a bad signature", async () => {
    await deploy({ name: "hook", nodes: [{ id: "start", type: "trigger", config: { hmacSecret: "HOOK_KEY" } }, { id: "out", type: "end", config: { output: "{{ trigger.body.email }}" } }], edges: [edge("start", "out")] });
    expect((await api("PUT", "/projects/hook/secrets/HOOK_KEY", { value: "s3cret-signing-key" })).status).toBe(200);
    const body = JSON.stringify({ email: "a@example.com" });
    const sign = (text: string) => `sha256=${createHmac("sha256", "s3cret-signing-key").update(text).digest("hex")}`;
    const post = (signature: string, delivery: string) =>
      fetch(`${server.url}/hooks/hook`, { method: "POST", headers: { "content-type": "application/json", "x-aerostack-signature": signature, "x-delivery-id": delivery }, body });
    const bad = await post("sha256=" + "0".repeat(64), "d1");
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as Json).error.code).toBe("bad_signature");
    const first = (await (await post(sign(body), "d1")).json()) as Json;
    const dup = (await (await post(sign(body), "d1")).json()) as Json;
    expect(dup).toEqual({ run: first.run, deduplicated: true });
    expect(await settled(first.run as string)).toMatchObject({ output: "a@example.com", trigger: "webhook" });
  });
});

describe("more node types", () => {
  it("sends auth_gate's code through the configured email provider, never into the conversation, the trace or an error", async () => {
    // A loopback stand-in for an HTTP email API (Resend's shape): busy once, then accepting.
    const mails: { auth: string | undefined; key: string | undefined; body: Json }[] = [];
    let busy = 1;
    const provider = createServer((req, res) => {
      let text = "";
      req.on("data", (d) => (text += d)).on("end", () => {
        mails.push({ auth: req.headers.authorization, key: req.headers["idempotency-key"] as string | undefined, body: JSON.parse(text) as Json });
        if (busy-- > 0) res.writeHead(503).end("busy");
        else res.writeHead(200, { "content-type": "application/json" }).end('{"id":"mail_1"}');
      });
    });
    await new Promise<void>((resolve) => provider.listen(0, "127.0.0.1", resolve));
    try {
      const gate = { id: "verify", type: "auth_gate", retry: { attempts: 2, backoffMs: 1 }, config: { identity: "{{ trigger.input.email }}", channel: "email" } };
      const definition = {
        name: "mailgate",
        nodes: [trigger, gate, { id: "out", type: "end", config: { output: "{{ vars.identity }}" } }, { id: "denied", type: "end", config: { output: "denied" } }],
        edges: [edge("start", "verify"), edge("verify", "out", "verified"), edge("verify", "denied", "failed")],
      };
      // No provider: refused at deploy, naming the node.
      const refused = await deploy(definition);
      expect(refused.status).toBe(422);
      expect(refused.body.error.message).toContain('node "verify": auth_gate\'s email channel needs an email provider');
      const email = { url: `http://127.0.0.1:${(provider.address() as AddressInfo).port}/emails`, from: "Support <support@example.com>", apiKeySecret: "MAIL_KEY", subject: "Your refund code" };
      expect((await deploy({ ...definition, email })).status).toBe(200);

      // The key's secret not set yet: the node fails naming the secret, and nothing was sent.
      const unset = await settled((await start("mailgate", { email: "ana@example.com" })).id as string);
      expect(unset).toMatchObject({ status: "failed" });
      expect(unset.error).toContain("MAIL_KEY is not set");
      expect(mails).toHaveLength(0);

      const apiKey = "re_live_0123456789abcdef";
      expect((await api("PUT", "/projects/mailgate/secrets/MAIL_KEY", { value: apiKey })).status).toBe(200);
      const id = (await start("mailgate", { email: "ana@example.com" })).id as string;
      const waiting = await settled(id, ["waiting", "failed"]);
      expect(waiting.status).toBe("waiting");
      // Busy once, sent on the retry, with the same idempotency key both times.
      expect(mails).toHaveLength(2);
      expect(mails[1]!.key).toBe(mails[0]!.key);
      expect(mails[1]).toMatchObject({ auth: `Bearer ${apiKey}`, body: { from: "Support <support@example.com>", to: ["ana@example.com"], subject: "Your refund code" } });
      const code = /\b(\d{6})\b/.exec(mails[1]!.body.text as string)![1]!;
      const trace = (await api("GET", `/runs/${id}/trace`)).body;
      expect((trace.messages as Json[]).map((m) => m.text)).toEqual(["We sent a verification code to a***@example.com. Reply with it to continue."]);
      for (const secret of [code, apiKey]) {
        expect(JSON.stringify(trace)).not.toContain(secret);
        expect(JSON.stringify(waiting)).not.toContain(secret);
      }
      expect((await api("POST", `/runs/${id}/reply`, { text: String((Number(code) + 1) % 1_000_000).padStart(6, "0") })).status).toBe(200);
      expect((await settled(id, ["waiting", "succeeded", "failed"])).status).toBe("waiting");
      expect((await api("POST", `/runs/${id}/reply`, { text: code })).status).toBe(200);
      expect(await settled(id)).toMatchObject({ status: "succeeded", output: "ana@example.com" });

      // A provider that refuses: the node fails with its status, and the key is not in the error.
      busy = 0;
      const refusing = createServer((_req, res) => res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ message: `bad key ${apiKey}` })));
      await new Promise<void>((resolve) => refusing.listen(0, "127.0.0.1", resolve));
      try {
        expect((await deploy({ ...definition, email: { ...email, url: `http://127.0.0.1:${(refusing.address() as AddressInfo).port}/emails` } })).status).toBe(200);
        const failed = await settled((await start("mailgate", { email: "ana@example.com" })).id as string);
        expect(failed.status).toBe("failed");
        expect(failed.error).toContain("answered 401");
        expect(failed.error).toContain("[secret MAIL_KEY]");
        expect(failed.error).not.toContain(apiKey);
        // Not an address: refused before anything is sent.
        const notEmail = await settled((await start("mailgate", { email: "ana" })).id as string);
        expect(notEmail.error).toContain("needs an email address as identity");
      } finally {
        refusing.close();
      }
    } finally {
      provider.close();
    }
  });

  it("delegates to another workflow, catches a failure in an error_handler, and redacts with a guardrail", async () => {
    await deploy({ name: "child", nodes: [trigger, { id: "out", type: "end", config: { output: { doubled: "{{ trigger.input.n }}{{ trigger.input.n }}" } } }], edges: [edge("start", "out")] });
    await deploy({
      name: "parent",
      nodes: [
        trigger,
        { id: "ask", type: "delegate_to_workflow", config: { workflow: "child", input: { n: "{{ trigger.input.n }}" } } },
        { id: "clean", type: "guardrail", config: { text: "card 4242424242424242 for {{ nodes.ask.output.doubled }}", patterns: ["\\d{16}"], action: "redact" } },
        { id: "boom", type: "http_request", config: { url: "http://127.0.0.1:1/refused" } },
        { id: "caught", type: "error_handler", config: { catch: ["boom"] } },
        { id: "out", type: "end", config: { output: { clean: "{{ nodes.clean.output.text }}", failed: "{{ error.node }}" } } },
      ],
      edges: [edge("start", "ask"), edge("ask", "clean"), edge("clean", "boom"), edge("boom", "out"), edge("caught", "out")],
    });
    const done = await settled((await start("parent", { n: 7 })).id as string);
    expect(done).toMatchObject({ status: "succeeded", output: { clean: "card [redacted] for 77", failed: "boom" } });
  });

  it("sends a scheduled message when the run's clock reaches it, and cancels and retries runs", async () => {
    await deploy({ name: "later", nodes: [trigger, { id: "remind", type: "schedule_message", config: { text: "reminder for {{ trigger.input.who }}", delayMs: 3_600_000 } }], edges: [edge("start", "remind")] });
    const id = (await start("later", { who: "ada" })).id as string;
    expect((await settled(id, ["waiting"])).waiting[0]).toMatchObject({ node: "remind", kind: "time" });
    await advance(id, 3_600_001);
    expect(await settled(id)).toMatchObject({ status: "succeeded" });
    expect((await api("GET", `/runs/${id}/trace`)).body.messages.map((m: Json) => m.text)).toEqual(["reminder for ada"]);

    const other = (await start("later", { who: "bob" })).id as string;
    await settled(other, ["waiting"]);
    expect((await api("POST", `/runs/${other}/cancel`)).body.status).toBe("cancelled");
    const again = await api("POST", `/runs/${other}/retry`, { from: "remind" });
    expect(again.body.status).toMatch(/running|waiting/);
    expect((await api("POST", `/runs/${other}/retry`, { from: "nope" })).body.error.code).toBe("run_conflict");
  });

  it("checks an llm_call answer against its output schema and retries, then fails the run naming the node", async () => {
    await deploy({
      name: "strict",
      nodes: [trigger, { id: "ask", type: "llm_call", retry: { attempts: 2, backoffMs: 1 }, config: { prompt: "hello", outputSchema: { type: "object", required: ["answer"] } } }],
      edges: [edge("start", "ask")],
    });
    const done = await settled((await start("strict")).id as string);
    expect(done.status).toBe("failed");
    expect(done.error).toMatch(/node "ask" failed: llm_call: the answer (is not JSON|does not match outputSchema)/);
  });

  it("streams a run's node events and messages from the agent endpoint", async () => {
    await deploy({ name: "agent", nodes: [trigger, { id: "say", type: "send_message", config: { text: "hello {{ trigger.input.name }}" } }], edges: [edge("start", "say")] });
    const res = await fetch(`${server.url}/agents/agent`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify({ name: "ada" }) });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const text = await res.text();
    expect(text).toContain("event: node");
    expect(text).toMatch(/event: message\ndata: \{[^\n]*"text":"hello ada"/);
    expect(text).toMatch(/event: done\ndata: \{[^\n]*"status":"succeeded"/);
    expect((await fetch(`${server.url}/agents/agent`, { method: "POST", body: "{}" })).status).toBe(401);
  });
});

describe("workspace tools", () => {
  it("runs mcp_tool and an agent_loop over the bound workspace's tools, and refuses a workspace of another account", async () => {
    expect((await api("POST", "/workspaces", { name: "wf-tools" })).status).toBe(200);
    expect((await api("PUT", "/workspaces/wf-tools/members/tools", { member: { kind: "proxy", slug: "tools", url: mcp.url, allowPrivate: true } })).status).toBe(200);
    await deploy({
      name: "agentic",
      workspace: "wf-tools",
      nodes: [
        trigger,
        { id: "echo", type: "mcp_tool", config: { tool: "tools__echo", arguments: { text: "{{ trigger.input.text }}" } } },
        { id: "agent", type: "agent_loop", config: { prompt: "call tools__echo text={{ nodes.echo.output }}", tools: ["tools__echo"], maxIterations: 3 } },
      ],
      edges: [edge("start", "echo"), edge("echo", "agent")],
    });
    const done = await settled((await start("agentic", { text: "hi" })).id as string);
    expect(done).toMatchObject({ status: "succeeded", output: { iterations: 2, toolCalls: 1, stopped: "answer" } });
    expect((done.output as Json).text).toContain("hi");
    const events = (await api("GET", `/runs/${done.id as string}/trace`)).body.events as Json[];
    expect(events.find((e) => e.node === "echo" && e.kind === "completed")!.output).toBe("hi");
    expect(events.find((e) => e.node === "agent" && e.kind === "completed")!.tokens.input).toBeGreaterThan(0);

    const other = (await api("POST", "/accounts", { name: "wf-other" })).body.key.token as string;
    const res = await fetch(`${server.url}/api/v1/workflows/theirs`, {
      method: "PUT",
      headers: { authorization: `Bearer ${other}`, "content-type": "application/json" },
      body: JSON.stringify({ definition: { name: "theirs", workspace: "wf-tools", nodes: [trigger] } }),
    });
    expect(((await res.json()) as Json).error.code).toBe("workspace_not_found");
  });

  it("lists an account's own workflows only, each with its version and trigger URLs", async () => {
    const other = (await api("POST", "/accounts", { name: "wf-lister" })).body.key.token as string;
    const asOther = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${server.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${other}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: (await res.json()) as Json };
    };
    const empty = await asOther("GET", "/workflows");
    expect(empty).toEqual({ status: 200, body: { workflows: [] } });
    const mine = (await api("GET", "/workflows")).body.workflows as Json[];
    // The admin account's workflows from the tests above, by name; a dry run stores (and lists) nothing.
    expect(mine.map((w) => w.name)).toEqual([...mine.map((w) => w.name)].sort());
    expect(mine.length).toBeGreaterThan(3);
    const dry = await asOther("PUT", "/workflows/listed-b", { definition: { name: "listed-b", nodes: [trigger] }, dryRun: true });
    expect(dry.status).toBe(200);
    expect((await asOther("GET", "/workflows")).body.workflows).toEqual([]);
    for (const name of ["listed-b", "listed-a"]) expect((await asOther("PUT", `/workflows/${name}`, { definition: { name, nodes: [trigger] } })).status).toBe(200);
    expect((await asOther("PUT", "/workflows/listed-a", { definition: { name: "listed-a", nodes: [trigger, { id: "end", type: "end" }], edges: [edge("start", "end")] } })).status).toBe(200);
    const listed = (await asOther("GET", "/workflows")).body.workflows as Json[];
    expect(listed).toEqual([
      expect.objectContaining({ name: "listed-a", account: "wf-lister", version: 2, nodes: 2, hookUrl: `${server.url}/hooks/listed-a`, agentUrl: `${server.url}/agents/listed-a` }),
      expect.objectContaining({ name: "listed-b", account: "wf-lister", version: 1, nodes: 1 }),
    ]);
    expect(((await api("GET", "/workflows")).body.workflows as Json[]).map((w) => w.name)).not.toContain("listed-a");
  });
});
