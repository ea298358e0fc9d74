/**
 * The refund flow end to end, as a team would run it: the built CLI deploys the `orders` function, builds the
 * `support` workspace (orders + a loopback MCP server standing in for Stripe, its key a workspace secret), deploys the
 * workflow, and a webhook starts a run. The customer's one-time code comes from the run's messages and is replied
 * with the CLI; the large refund is approved with the CLI. Checked: the final message, the trace, the refund made
 * once, the Stripe key injected upstream and never in the trace.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { runCli, startPlatformProcess, type PlatformProcess } from "../../../packages/cli/test/helpers";
import { startMcpFixture, type Fixture } from "../../../packages/runtime/src/worker/gateway/fixtures/servers";

const EXAMPLE = fileURLToPath(new URL("..", import.meta.url));
const STRIPE_KEY = "sk_test_RefundExample4242";

let work: string;
let platform: PlatformProcess;
let stripe: Fixture;
const refunds: { customer: string; orderId: string; amount: number }[] = [];
const authHeaders: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "aerostack-refund-"));
  stripe = await startMcpFixture((fixture) => {
    const server = new McpServer({ name: "stripe", version: "1.0.0" });
    fixture.servers.push(server);
    server.registerTool("customers_lookup", { inputSchema: { email: z.string() } }, async ({ email }, extra) => {
      authHeaders.push(String(extra.requestInfo?.headers.authorization ?? ""));
      return { content: [{ type: "text", text: JSON.stringify({ id: "cus_ada", email }) }] };
    });
    server.registerTool("refunds_create", { inputSchema: { customer: z.string(), orderId: z.string(), amount: z.number() } }, async (args) => {
      refunds.push(args);
      return { content: [{ type: "text", text: JSON.stringify({ refundId: `re_${refunds.length}`, ...args }) }] };
    });
    return server;
  });
  platform = await startPlatformProcess(join(work, "data"), { ...process.env, HOME: work } as Record<string, string>, true, ["--allow-private-egress"]);
}, 60_000);
afterAll(async () => {
  await platform?.stop();
  await stripe?.close();
  await rm(work, { recursive: true, force: true });
});

describe("examples/customer-support", () => {
  it("verifies, looks up, asks for approval above 500, refunds once and tells the customer", async () => {
    const env = { HOME: work, AEROSTACK_API_URL: platform.url, AEROSTACK_API_KEY: platform.adminKey };
    const cli = async (args: string[], cwd = EXAMPLE, input?: string) => {
      const res = await runCli(args, { cwd, env, ...(input !== undefined ? { input } : {}) });
      if (res.code !== 0) throw new Error(`aerostack ${args.join(" ")} exited ${res.code}:\n${res.stderr}${res.stdout}`);
      return res.stdout;
    };
    await cli(["deploy"], join(EXAMPLE, "orders"));
    await cli(["workspace", "create", "support"]);
    await cli(["workspace", "add", "support", "orders"]);
    await cli(["workspace", "add", "support", "stripe", "--url", stripe.url, "--allow-private", "--header", "Authorization=Bearer secret:STRIPE_KEY"]);
    await cli(["secret", "put", "STRIPE_KEY", "--workspace", "support"], EXAMPLE, STRIPE_KEY);
    expect(await cli(["deploy"])).toContain("Deployed workflow customer-support version 1");

    const hook = await fetch(`${platform.url}/hooks/customer-support`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-delivery-id": "evt_1" },
      body: JSON.stringify({ email: "ada@example.com", orderId: "B200" }),
    });
    expect(hook.status).toBe(202);
    const { run } = (await hook.json()) as { run: string };
    const status = async () => JSON.parse(await cli(["workflow", "status", run, "--json"])) as { status: string; waiting: { node: string; kind: string }[]; output?: unknown };
    const trace = async () => JSON.parse(await cli(["workflow", "logs", run, "--json"])) as { events: { node: string | null; kind: string; output?: unknown }[]; messages: { text: string }[] };

    await expect.poll(async () => (await status()).waiting[0]?.kind, { timeout: 15_000, interval: 100 }).toBe("reply");
    const code = /code is (\d+)/.exec((await trace()).messages[0]!.text)![1]!;
    await cli(["workflow", "reply", run, "000000"]);
    await expect.poll(async () => (await trace()).messages.at(-1)?.text, { timeout: 10_000, interval: 100 }).toMatch(/2 attempts left/);
    await cli(["workflow", "reply", run, code]);

    await expect.poll(async () => (await status()).waiting[0]?.node, { timeout: 15_000, interval: 100 }).toBe("approval");
    await cli(["workflow", "approve", run, "--reason", "verified large order"]);
    await expect.poll(async () => (await status()).status, { timeout: 15_000, interval: 100 }).toBe("succeeded");

    const final = await trace();
    expect(final.messages.at(-1)!.text).toBe("Refunded 900 for order B200 (refund re_1).");
    const completed = final.events.filter((e) => e.kind === "completed").map((e) => e.node);
    expect(completed).toEqual(["start", "verify", "customer", "order", "large", "approval", "refund", "tell", "done"]);
    expect(refunds).toEqual([{ customer: "cus_ada", orderId: "B200", amount: 900 }]);
    expect(authHeaders).toEqual([`Bearer ${STRIPE_KEY}`]);
    expect(JSON.stringify(final)).not.toContain(STRIPE_KEY);
    // The same webhook delivered again starts nothing: still one run, one refund.
    const again = await fetch(`${platform.url}/hooks/customer-support`, { method: "POST", headers: { "content-type": "application/json", "x-delivery-id": "evt_1" }, body: "{}" });
    expect(await again.json()).toEqual({ run, deduplicated: true });
    expect(refunds).toHaveLength(1);
  }, 120_000);
});
