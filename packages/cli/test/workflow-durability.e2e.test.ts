/**
 * Workflow runs survive a crash, the hard way: the built CLI deploys a workflow to `aerostack platform start`, the
 * platform process is killed with SIGKILL once while the run waits for approval and once in the middle of a node,
 * and restarted on the same data dir each time. The run finishes; a loopback fixture server counts each node's side
 * effect: every completed node's exactly once, the interrupted node's twice with one idempotency key.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killPlatform, runCli, startPlatformProcess } from "./helpers";

let work: string;
let fixture: Server;
let fixtureUrl: string;
const hits: { path: string; key: string }[] = [];
/** A /slow request held open until the test releases it (the platform is killed while it is held). */
let held: ServerResponse | null = null;

const count = (path: string) => hits.filter((h) => h.path === path).length;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "aerostack-wf-durable-"));
  fixture = createServer((req: IncomingMessage, res: ServerResponse) => {
    hits.push({ path: req.url ?? "", key: String(req.headers["idempotency-key"] ?? "") });
    req.resume();
    if (req.url === "/slow" && count("/slow") === 1) {
      held = res;
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ done: req.url }));
  });
  await new Promise<void>((resolve) => fixture.listen(0, "127.0.0.1", resolve));
  fixtureUrl = `http://127.0.0.1:${(fixture.address() as AddressInfo).port}`;
});
afterAll(async () => {
  held?.destroy();
  fixture?.close();
  await rm(work, { recursive: true, force: true });
});

describe("a workflow run across SIGKILLs of the platform", () => {
  it("finishes with each completed node's effect once and the interrupted node retried", async () => {
    const home = join(work, "home");
    const dataDir = join(work, "data");
    const project = join(work, "durable");
    await mkdir(home, { recursive: true });
    await mkdir(project, { recursive: true });
    const effect = (id: string) => ({ id, type: "http_request", config: { url: `${fixtureUrl}/${id}`, method: "POST", body: { run: "{{ run.id }}" } } });
    await writeFile(join(project, "aerostack.toml"), 'name = "durable"\ntype = "workflow"\n');
    await writeFile(
      join(project, "workflow.json"),
      JSON.stringify({
        name: "durable",
        nodes: [
          { id: "start", type: "trigger" },
          effect("first"),
          { id: "ask", type: "human_handoff", config: { message: "continue?" } },
          effect("second"),
          effect("slow"),
          effect("third"),
          { id: "done", type: "end", config: { output: { third: "{{ nodes.third.output.body }}" } } },
        ],
        edges: [
          { from: "start", to: "first" },
          { from: "first", to: "ask" },
          { from: "ask", to: "second", on: "approved" },
          { from: "second", to: "slow" },
          { from: "slow", to: "third" },
          { from: "third", to: "done" },
        ],
      }),
    );

    const start = (first: boolean) => startPlatformProcess(dataDir, { ...process.env, HOME: home } as Record<string, string>, first, ["--allow-private-egress"]);
    let platform = await start(true);
    const env = { HOME: home, AEROSTACK_API_URL: platform.url, AEROSTACK_API_KEY: platform.adminKey };
    const cli = async (args: string[]) => {
      const res = await runCli(args, { cwd: project, env: { ...env, AEROSTACK_API_URL: platform.url } });
      if (res.code !== 0) throw new Error(`aerostack ${args.join(" ")} exited ${res.code}:\n${res.stderr}${res.stdout}`);
      return res.stdout;
    };
    const status = async (run: string) => JSON.parse(await cli(["workflow", "status", run, "--json"])) as { status: string; waiting: { node: string }[]; output?: unknown };

    expect(await cli(["deploy"])).toContain("Deployed workflow durable version 1");
    const run = (JSON.parse(await cli(["workflow", "run", "durable", "--wait", "--json"])) as { id: string }).id;
    expect(await status(run)).toMatchObject({ status: "waiting", waiting: [{ node: "ask" }] });
    expect(count("/first")).toBe(1);

    // 1. Killed at a wait: the approval still reaches the run after a restart.
    await killPlatform(platform);
    platform = await start(false);
    expect(await status(run)).toMatchObject({ status: "waiting", waiting: [{ node: "ask" }] });
    await cli(["workflow", "approve", run, "--reason", "ok"]);

    // 2. Killed in the middle of a node: /slow has the request and holds it.
    await expect.poll(() => count("/slow"), { timeout: 15_000 }).toBe(1);
    await killPlatform(platform);
    held?.destroy();
    platform = await start(false);
    await expect.poll(async () => (await status(run)).status, { timeout: 20_000, interval: 100 }).toBe("succeeded");

    expect(count("/first")).toBe(1);
    expect(count("/second")).toBe(1);
    expect(count("/third")).toBe(1);
    const slow = hits.filter((h) => h.path === "/slow");
    expect(slow).toHaveLength(2);
    expect(slow[0]!.key).toBe(slow[1]!.key);
    expect((await status(run)).output).toEqual({ third: { done: "/third" } });

    const tree = await cli(["workflow", "logs", run]);
    expect(tree).toContain("slow#0");
    expect(tree).toContain("interrupted by a platform restart");
    expect(tree).toMatch(/ask#0[\s\S]*received approval[\s\S]*completed → approved/);
    await platform.stop();
  }, 120_000);
});
