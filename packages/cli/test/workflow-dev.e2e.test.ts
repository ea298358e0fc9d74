/**
 * `aerostack dev` in a workflow project, with the built CLI: runs started by webhook, by `workflow run` and through the
 * agent endpoint (SSE), approved and traced with `aerostack workflow …` pointed at the dev server, a save making the
 * next version while a run in flight keeps its own, a bad save refused with the last good version still serving, and
 * a cron-started run with the schedule's clock moved forward (no real waiting).
 */
import { createHmac } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { echoServer, startMcpFixture } from "../../runtime/src/worker/gateway/fixtures/servers";
import { groupRunning, killDevProcesses, runCli, spawnCli, startDevProcess } from "./helpers";

let work: string;
let env: Record<string, string>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "aerostack-wf-dev-"));
  // A home of its own: no login, so every `workflow` command below can only have reached the dev server.
  env = { HOME: join(work, "home"), AEROSTACK_API_URL: "", AEROSTACK_API_KEY: "" };
});
afterEach(async () => {
  expect(await killDevProcesses()).toEqual([]);
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

interface Run {
  id: string;
  status: string;
  version: number;
  trigger: string;
  output?: unknown;
  waiting: { node: string; kind: string }[];
}

async function cliJson<T>(args: string[], cwd: string): Promise<T> {
  const res = await runCli([...args, "--json"], { cwd, env });
  expect(res.code, `aerostack ${args.join(" ")}: ${res.stderr}`).toBe(0);
  return JSON.parse(res.stdout) as T;
}

/** Polls `workflow status` until the run is no longer running (it finished, or waits). */
async function settled(cwd: string, id: string, until = (r: Run) => r.status !== "running"): Promise<Run> {
  for (let i = 0; i < 100; i++) {
    const run = await cliJson<Run>(["workflow", "status", id], cwd);
    if (until(run)) return run;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${id} did not settle`);
}

describe("aerostack dev in a workflow project", { timeout: 180_000 }, () => {
  it("serves webhook, CLI and agent runs, approvals and traces, and reloads the definition on save", async () => {
    const init = await runCli(["init", "refunds", "--template", "workflow", "--yes", "--no-install"], { cwd: work, env });
    expect(init.code, init.stderr).toBe(0);
    const project = join(work, "refunds");
    // Without dev running, --local says so instead of reaching some other platform.
    const refused = await runCli(["workflow", "list", "--local"], { cwd: project, env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("no `aerostack dev` is running for a workflow project in this folder");

    const dev = await startDevProcess(["--port", "0"], project, { env });
    await dev.waitFor("Edit and save to reload");
    expect(dev.output()).toContain(`Webhook:  POST ${dev.url}/hooks/refunds`);
    expect(dev.output()).toContain(`Agent:    POST ${dev.url}/agents/refunds`);
    const lock = JSON.parse(await readFile(join(project, ".aerostack/dev.json"), "utf8")) as { apiKey: string };
    // The per-start key is in the lock file only, never on the terminal.
    expect(lock.apiKey).toMatch(/^ak_/);
    expect(dev.output()).not.toContain(lock.apiKey);

    // 1. A webhook starts a run (a small request: no approval needed); a redelivery starts none.
    const hook = () =>
      fetch(`${dev.url}/hooks/refunds`, { method: "POST", headers: { "content-type": "application/json", "x-delivery-id": "d-1" }, body: JSON.stringify({ request: "hello" }) });
    const first = (await (await hook()).json()) as { run: string; deduplicated: boolean };
    expect(first.deduplicated).toBe(false);
    expect(((await (await hook()).json()) as { run: string; deduplicated: boolean })).toEqual({ run: first.run, deduplicated: true });
    const hooked = await settled(project, first.run);
    expect(hooked).toMatchObject({ status: "succeeded", trigger: "webhook", version: 1 });

    // 2. `workflow run` starts a large one: it waits for approval.
    const large = await cliJson<Run>(["workflow", "run", "refunds", "--input", JSON.stringify({ request: "refund order 42", amount: 900 }), "--wait"], project);
    expect(large).toMatchObject({ status: "waiting", version: 1, trigger: "api" });
    expect(large.waiting[0]).toMatchObject({ node: "ask", kind: "approval" });

    // 3. Save a new definition while that run waits: the next runs get version 2, the waiting run stays on 1.
    const definitionFile = join(project, "workflow.json");
    const original = await readFile(definitionFile, "utf8");
    let mark = dev.output().length;
    await writeFile(definitionFile, original.replace('"Approved: {{ trigger.input.request }}"', '"Approved (v2): {{ trigger.input.request }}"'));
    await dev.waitFor(/reloaded workflow\.json .*version v2/, mark);

    // 4. Approve through the CLI; the run finishes on version 1, with version 1's message.
    const approved = await runCli(["workflow", "approve", large.id], { cwd: project, env });
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain("Approved");
    // It prints the run as the approval left it, not the "waiting" of just before.
    expect(approved.stdout).toMatch(new RegExp(`${large.id}  refunds v1  (running|succeeded)`));
    expect(approved.stdout).not.toContain("waiting");
    expect(await settled(project, large.id)).toMatchObject({ status: "succeeded", version: 1 });
    const trace = await cliJson<{ messages: { text: string }[] }>(["workflow", "logs", large.id], project);
    // The handoff's notice, then version 1's answer (not version 2's "Approved (v2): …").
    expect(trace.messages.map((m) => m.text)).toEqual(["Approve 900 for: Summary: refund order 42", "Approved: refund order 42"]);
    const tree = await runCli(["workflow", "logs", large.id], { cwd: project, env });
    expect(tree.stdout).toMatch(/ask#0[\s\S]*waiting for approval: Approve 900 for: Summary: refund order 42[\s\S]*received approval[\s\S]*completed → approved/);
    expect(tree.stdout).toContain("refunds v1  succeeded  (api)");

    // 5. The agent endpoint streams a new run (on version 2) to its end.
    const stream = await fetch(`${dev.url}/agents/refunds`, { method: "POST", body: JSON.stringify({ request: "small one", amount: 5 }) });
    expect(stream.headers.get("content-type")).toBe("text/event-stream");
    const events = await stream.text();
    expect(events).toContain("event: node");
    expect(events).toContain('"text":"Approved (v2): small one"');
    expect(events).toMatch(/event: done\ndata: \{[^\n]*"status":"succeeded"/);

    // 6. A save that breaks the definition is refused, named on the terminal; version 2 keeps serving.
    mark = dev.output().length;
    await writeFile(definitionFile, original.replace('"to": "done"', '"to": "nowhere"'));
    await dev.waitFor("The workflow definition was not stored", mark);
    expect(dev.output().slice(mark)).toContain("nowhere");
    const after = await cliJson<Run>(["workflow", "run", "refunds", "--input", JSON.stringify({ request: "still", amount: 1 }), "--wait"], project);
    expect(after).toMatchObject({ status: "succeeded", version: 2 });

    // 7. The account's workflows, and this one's runs, newest first.
    const workflows = await cliJson<{ name: string; version: number; workspace: string }[]>(["workflow", "list"], project);
    expect(workflows).toEqual([expect.objectContaining({ name: "refunds", version: 2, workspace: "dev" })]);
    const runs = await cliJson<Run[]>(["workflow", "list", "refunds"], project);
    expect(runs.map((r) => r.trigger)).toEqual(["api", "agent", "api", "webhook"]);

    expect(await dev.stop()).toBe(0);
  });

  it("starts a run from the cron schedule when the schedule's clock reaches it, once per due time", async () => {
    const project = join(work, "nightly");
    const init = await runCli(["init", "nightly", "--template", "workflow", "--yes", "--no-install"], { cwd: work, env });
    expect(init.code, init.stderr).toBe(0);
    // Once a year (1 January, 00:00 UTC): never due on its own while the test runs.
    await writeFile(
      join(project, "workflow.json"),
      JSON.stringify({
        nodes: [
          { id: "start", type: "trigger", config: { cron: "0 0 1 1 *" } },
          { id: "report", type: "send_message", config: { text: "tick at {{ trigger.scheduledTime }}" } },
          { id: "done", type: "end" },
        ],
        edges: [
          { from: "start", to: "report" },
          { from: "report", to: "done" },
        ],
      }),
    );
    const dev = await startDevProcess(["--port", "0"], project, { env });
    await dev.waitFor("Edit and save to reload");
    const lock = JSON.parse(await readFile(join(project, ".aerostack/dev.json"), "utf8")) as { url: string; token: string };
    expect(await cliJson<Run[]>(["workflow", "list", "nightly"], project)).toEqual([]);

    // The schedule's clock, moved a year ahead through the control API: the alarm a real new year would ring fires now.
    const advance = async () => {
      const res = await fetch(`${lock.url}/__aerostack/workflows/nightly/clock`, {
        method: "POST",
        headers: { authorization: `Bearer ${lock.token}`, "content-type": "application/json" },
        body: JSON.stringify({ advanceMs: 366 * 24 * 60 * 60 * 1000 }),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { nextCron: number }).nextCron;
    };
    const due = await advance();
    expect(new Date(due).toISOString()).toMatch(/-01-01T00:00:00\.000Z$/);
    const waitForRuns = async (count: number) => {
      for (let i = 0; i < 100; i++) {
        const runs = await cliJson<Run[]>(["workflow", "list", "nightly"], project);
        if (runs.length >= count && runs.every((r) => r.status === "succeeded")) return runs;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no ${count} cron runs`);
    };
    const [run] = await waitForRuns(1);
    expect(run).toMatchObject({ trigger: "cron", status: "succeeded" });
    const trace = await cliJson<{ messages: { text: string }[] }>(["workflow", "logs", run!.id], project);
    expect(trace.messages.map((m) => m.text)).toEqual([`tick at ${due}`]);

    // The next due time is a year later: one more run, not a burst for every missed minute.
    const next = await advance();
    expect(next).toBeGreaterThan(due);
    const runs = await waitForRuns(2);
    expect(runs).toHaveLength(2);
    expect(runs.every((r) => r.trigger === "cron")).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(await cliJson<Run[]>(["workflow", "list", "nightly"], project)).toHaveLength(2);
    expect(await dev.stop()).toBe(0);
  });

  it("puts auth_gate's email in the dev outbox (the terminal) instead of sending it, and verifies the reply", async () => {
    const project = join(work, "verify");
    const init = await runCli(["init", "verify", "--template", "workflow", "--yes", "--no-install"], { cwd: work, env });
    expect(init.code, init.stderr).toBe(0);
    // A provider is configured, as for a deploy; dev still sends nothing (no account, no key needed locally).
    await writeFile(join(project, "aerostack.toml"), 'name = "verify"\ntype = "workflow"\nmain = "workflow.json"\n\n[email]\nurl = "https://email.invalid/emails"\nfrom = "Support <support@example.com>"\napi_key_secret = "MAIL_KEY"\n');
    await writeFile(
      join(project, "workflow.json"),
      JSON.stringify({
        nodes: [
          { id: "start", type: "trigger" },
          { id: "check", type: "auth_gate", config: { identity: "{{ trigger.input.email }}", channel: "email" } },
          { id: "ok", type: "end", config: { output: "verified {{ vars.identity }}" } },
          { id: "no", type: "end", config: { output: "not verified" } },
        ],
        edges: [
          { from: "start", to: "check" },
          { from: "check", to: "ok", on: "verified" },
          { from: "check", to: "no", on: "failed" },
        ],
      }),
    );
    const dev = await startDevProcess(["--port", "0"], project, { env });
    await dev.waitFor("Edit and save to reload");
    const mark = dev.output().length;
    const run = await cliJson<Run>(["workflow", "run", "verify", "--input", JSON.stringify({ email: "ana@example.com" }), "--wait"], project);
    expect(run.status).toBe("waiting");
    await dev.waitFor(/email to ana@example\.com \(dev outbox, not sent\)[\s\S]*Your verification code is \d{6}/, mark);
    const code = /Your verification code is (\d{6})/.exec(dev.output().slice(mark))![1]!;
    const trace = await cliJson<{ messages: { text: string }[] }>(["workflow", "logs", run.id], project);
    expect(trace.messages.map((m) => m.text)).toEqual(["We sent a verification code to a***@example.com. Reply with it to continue."]);
    expect(JSON.stringify(trace)).not.toContain(code);
    const replied = await runCli(["workflow", "reply", run.id, code], { cwd: project, env });
    expect(replied.code, replied.stderr).toBe(0);
    expect(await settled(project, run.id)).toMatchObject({ status: "succeeded", output: "verified ana@example.com" });
    expect(await dev.stop()).toBe(0);
  });

  it("checks a webhook's signature with the secret from .dev.vars, and takes a changed .dev.vars on save", async () => {
    const project = join(work, "signed");
    const init = await runCli(["init", "signed", "--template", "workflow", "--yes", "--no-install"], { cwd: work, env });
    expect(init.code, init.stderr).toBe(0);
    await writeFile(join(project, ".dev.vars"), "HOOK_KEY=first-signing-key\n");
    await writeFile(
      join(project, "workflow.json"),
      JSON.stringify({
        nodes: [
          { id: "start", type: "trigger", config: { hmacSecret: "HOOK_KEY" } },
          { id: "out", type: "end", config: { output: "{{ trigger.body.order }}" } },
        ],
        edges: [{ from: "start", to: "out" }],
      }),
    );
    const dev = await startDevProcess(["--port", "0"], project, { env });
    await dev.waitFor("Edit and save to reload");
    const body = JSON.stringify({ order: 42 });
    const post = (key: string) =>
      fetch(`${dev.url}/hooks/signed`, { method: "POST", headers: { "content-type": "application/json", "x-aerostack-signature": `sha256=${createHmac("sha256", key).update(body).digest("hex")}` }, body });
    const bad = await post("wrong-key");
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("bad_signature");
    const good = (await (await post("first-signing-key")).json()) as { run: string };
    expect(await settled(project, good.run)).toMatchObject({ status: "succeeded", output: 42 });
    // A new key in .dev.vars: the old signature is refused from then on.
    const mark = dev.output().length;
    await writeFile(join(project, ".dev.vars"), "HOOK_KEY=second-signing-key\n");
    await dev.waitFor("reloaded", mark);
    expect((await post("first-signing-key")).status).toBe(401);
    expect((await post("second-signing-key")).status).toBe(202);
    expect(dev.output()).not.toContain("signing-key");
    expect(await dev.stop()).toBe(0);
  });

  it("calls the dev gateway's tools (/ws/dev: the project's [[mcp.proxy]] servers) from mcp_tool and agent_loop", async () => {
    const tools = await startMcpFixture(echoServer("tools"));
    try {
      const project = join(work, "tooled");
      const init = await runCli(["init", "tooled", "--template", "workflow", "--yes", "--no-install"], { cwd: work, env });
      expect(init.code, init.stderr).toBe(0);
      await writeFile(join(project, "aerostack.toml"), `name = "tooled"\ntype = "workflow"\nmain = "workflow.json"\n\n[[mcp.proxy]]\nslug = "tools"\nurl = "${tools.url}"\n`);
      await writeFile(
        join(project, "workflow.json"),
        JSON.stringify({
          nodes: [
            { id: "start", type: "trigger" },
            { id: "echo", type: "mcp_tool", config: { tool: "tools__echo", arguments: { text: "{{ trigger.input.text }}" } } },
            // The offline provider follows "call <tool> key=value": one tool call, then an answer.
            { id: "agent", type: "agent_loop", config: { prompt: "call tools__echo text={{ nodes.echo.output }}", tools: ["tools__echo"], maxIterations: 3 } },
          ],
          edges: [
            { from: "start", to: "echo" },
            { from: "echo", to: "agent" },
          ],
        }),
      );
      const dev = await startDevProcess(["--port", "0"], project, { env });
      await dev.waitFor("Edit and save to reload");
      const run = await cliJson<Run>(["workflow", "run", "tooled", "--input", JSON.stringify({ text: "hi there" }), "--wait"], project);
      expect(run, JSON.stringify(run)).toMatchObject({ status: "succeeded", output: { toolCalls: 1, stopped: "answer" } });
      const trace = await cliJson<{ events: { node: string | null; kind: string; output?: unknown }[] }>(["workflow", "logs", run.id], project);
      expect(trace.events.find((e) => e.node === "echo" && e.kind === "completed")!.output).toBe("hi there");
      expect(await dev.stop()).toBe(0);
    } finally {
      await tools.close();
    }
  });

  // As dev-signals.e2e.test.ts checks for a function project: a workflow project's extra start-up steps (its key,
  // its definition) stop as quietly on Ctrl-C.
  for (const [moment, line] of Object.entries({ deploy: "[debug] start-up: deploy", ready: "Press Ctrl-C to stop" })) {
    it(`Ctrl-C at "${moment}" stops a workflow project's dev quietly, leaving nothing running`, async () => {
      const project = join(work, "refunds");
      const cli = spawnCli(["dev", "--debug", "--port", "0", "--no-persist"], project, { group: true, env });
      try {
        await cli.waitFor(line);
        process.kill(-cli.child.pid!, "SIGINT");
        expect(await cli.exited).toBe(0);
        expect(cli.output()).not.toMatch(/EPIPE|Unexpected error|fetch failed|^\s+at /m);
        await expect.poll(() => groupRunning(cli.child.pid!), { timeout: 1_000, interval: 50 }).toEqual([]);
      } finally {
        try {
          process.kill(-cli.child.pid!, "SIGKILL");
        } catch {
          // the group is gone already
        }
      }
    });
  }
});
