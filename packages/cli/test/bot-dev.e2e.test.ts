/**
 * `aerostack dev` in a bot folder, as a user runs it: `init --template bot` outside the repo, a loopback MCP server
 * added as [[mcp.proxy]], `aerostack dev` printing the chat page; then the page used in a real browser (Debian's
 * chromium driven by playwright-core) to hold a conversation that calls the tool with the offline model, and its
 * HTTP API checked against hostile input (a foreign Origin, a bad chat id, a non-JSON body). Then a workflow-mode bot
 * whose workflow project lives in its folder ([bot] workflow_path): dev stores that workflow and again on save, a
 * message through the chat API starts it and its replies come back, and its approval buttons pressed in the browser
 * finish the run on the page. No chat platform.
 */
import { existsSync } from "node:fs";
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { chromium, type Browser } from "playwright-core";
import { startMcpFixture, type Fixture } from "../../runtime/src/worker/gateway/fixtures/servers";
import { killDevProcesses, runCli, startDevProcess, type DevProcess } from "./helpers";

const CHROMIUM = "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) console.warn(`bot dev browser step skipped: ${CHROMIUM} is not installed (apt-get install -y --no-install-recommends chromium)`);

let work: string;
let shop: Fixture;
const toolQueries: string[] = [];
let dev: DevProcess | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "aerostack-bot-dev-"));
  shop = await startMcpFixture(() => {
    const mcp = new McpServer({ name: "shop", version: "1.0.0" });
    mcp.registerTool("lookup_order", { description: "Looks up an order by its number", inputSchema: { query: z.string() } }, async ({ query }) => {
      toolQueries.push(query);
      const order = /\d+/.exec(query)?.[0] ?? "?";
      return { content: [{ type: "text", text: `order ${order}: total 650 USD, delivered` }] };
    });
    return mcp;
  });
});
afterEach(async () => {
  await browser?.close();
  browser = undefined;
  if (dev) await dev.stop();
  dev = undefined;
  expect(await killDevProcesses()).toEqual([]);
});
afterAll(async () => {
  await shop?.close();
  await rm(work, { recursive: true, force: true });
});

describe("aerostack dev in a bot folder", () => {
  it("serves a chat page where the bot answers with a tool through the dev gateway, in a real browser and over HTTP", async () => {
    const init = await runCli(["init", "support", "--template", "bot", "--no-install"], { cwd: work });
    expect(init.code, init.stderr).toBe(0);
    const project = join(work, "support");
    await appendFile(join(project, "aerostack.toml"), `\n[[mcp.proxy]]\nslug = "shop"\nurl = "${shop.url}"\n`);

    dev = await startDevProcess(["--port", "0", "--no-persist"], project);
    await dev.waitFor(/Chat:\s+http:\/\/\S+/);
    const chatUrl = /Chat:\s+(http:\/\/\S+)/.exec(dev.output())![1]!;
    expect(chatUrl).toBe(`${dev.url}/bots/support/`);
    // No build: a bot folder has no code, so dev needs no src/index.ts.
    expect(dev.output()).not.toMatch(/Entry file|Build failed/);

    // The page's API, as the page calls it.
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${dev!.url}/bots/support/chat`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
    const answer = await post({ chat: "api-1", text: "refund order 42" }, { origin: dev.url });
    expect(answer.status).toBe(200);
    const result = (await answer.json()) as { replies: { id: number; text: string }[]; cursor: number; toolCalls: { name: string; ok: boolean }[]; errors: string[] };
    expect(result.errors).toEqual([]);
    expect(result.toolCalls).toMatchObject([{ name: "shop__lookup_order", ok: true }]);
    expect(result.replies).toHaveLength(1);
    expect(result.replies[0]!.text).toContain("order 42: total 650 USD");
    expect(toolQueries).toHaveLength(1);
    // The chat's outbox holds the same reply; nothing after the cursor.
    const later = (await (await fetch(`${dev.url}/bots/support/chat/api-1?after=${result.cursor}`)).json()) as { replies: unknown[] };
    expect(later.replies).toEqual([]);
    const all = (await (await fetch(`${dev.url}/bots/support/chat/api-1?after=0`)).json()) as { replies: { text: string }[] };
    expect(all.replies.map((r) => r.text)).toEqual([result.replies[0]!.text]);

    // Hostile input: a page on another site, a chat id that is not one, a body that is not JSON; none runs the bot.
    const foreign = await post({ chat: "api-2", text: "refund order 43" }, { origin: "http://evil.example" });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { error: { message: string } }).error.message).toContain("loopback");
    const badChat = await post({ chat: "../x", text: "hi" });
    expect(badChat.status).toBe(400);
    expect(((await badChat.json()) as { error: { message: string } }).error.message).toContain("chat");
    const notJson = await fetch(`${dev.url}/bots/support/chat`, { method: "POST", headers: { "content-type": "text/plain" }, body: "refund order 44" });
    expect(notJson.status).toBe(415);
    expect((await fetch(`${dev.url}/bots/support/chat/..%2Fx?after=0`)).status).toBe(400);
    expect(toolQueries).toHaveLength(1);
    // Another bot name is not this dev session's: the path stays the (absent) project's.
    expect((await fetch(`${dev.url}/bots/other/`)).status).not.toBe(200);

    // Saving aerostack.toml puts the bot again: its new system prompt is what the model reads (the offline model
    // answers a question from its system messages).
    const ask = async (chat: string) => ((await (await post({ chat, text: "Question: when does the store open?" })).json()) as { replies: { text: string }[] }).replies.map((r) => r.text).join("\n");
    const toml = join(project, "aerostack.toml");
    const setPrompt = async (prompt: string) => writeFile(toml, (await readFile(toml, "utf8")).replace(/^system_prompt = .*$/m, `system_prompt = "${prompt}"`));
    await setPrompt("The store opens at 9 am on weekdays.");
    let mark = dev.output().length;
    await dev.waitFor(/reloaded/, mark);
    expect(await ask("api-3")).toContain("9 am");
    await setPrompt("The store opens at 10 am on weekdays.");
    mark = dev.output().length;
    await dev.waitFor(/reloaded/, mark);
    expect(await ask("api-4")).toContain("10 am");

    // Workflow mode before its workflow is on the dev platform: a notice at the save, and each message answered at
    // once with the error naming the workflow (not retried for seconds while the page waits).
    await writeFile(toml, (await readFile(toml, "utf8")).replace(/^mode = "agent".*$/m, 'mode = "workflow"\nworkflow = "refunds"'));
    mark = dev.output().length;
    await dev.waitFor(/reloaded/, mark);
    expect(dev.output().slice(mark)).toContain('workflow "refunds"');
    const t0 = Date.now();
    const missing = (await (await post({ chat: "api-5", text: "refund order 42" })).json()) as { replies: { text: string }[]; errors: string[] };
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(missing.errors.join("\n")).toContain('workflow "refunds", which is not deployed');
    expect(missing.replies.map((r) => r.text)).toEqual(["Sorry, I could not handle that message. Please try again later."]);
    await writeFile(toml, (await readFile(toml, "utf8")).replace(/^mode = "workflow"\nworkflow = "refunds"$/m, 'mode = "agent"'));
    mark = dev.output().length;
    await dev.waitFor(/reloaded/, mark);

    if (!HAVE_CHROMIUM) return;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-background-networking"] });
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (err) => pageErrors.push(err.message));
    page.on("console", (msg) => {
      if (msg.type() === "error") pageErrors.push(msg.text());
    });
    await page.goto(chatUrl);
    await page.getByText("Talking to support locally").waitFor();
    await page.getByLabel("Message").fill("what is the status of order 77?");
    await page.getByRole("button", { name: "Send" }).click();
    await page.locator(".msg.bot", { hasText: "order 77: total 650 USD" }).waitFor({ timeout: 15_000 });
    await page.locator(".msg.note", { hasText: "called shop__lookup_order" }).waitFor();
    expect(toolQueries).toHaveLength(2);
    // A second message in the same conversation: the bot still answers (its memory is this chat's).
    await page.getByLabel("Message").fill("hello");
    await page.getByRole("button", { name: "Send" }).click();
    await expect.poll(() => page.locator(".msg.bot").count(), { timeout: 15_000 }).toBe(2);
    // Text from the bot is shown as text, never as markup.
    expect(await page.locator(".msg.user").first().innerText()).toBe("what is the status of order 77?");
    expect(pageErrors).toEqual([]);
  });

  it("runs a workflow-mode bot's workflow from its folder ([bot] workflow_path), stored again on save, its buttons pressed in a browser", async () => {
    expect((await runCli(["init", "desk", "--template", "bot", "--no-install"], { cwd: work })).code).toBe(0);
    const project = join(work, "desk");
    // The workflow's own project, inside the bot's folder.
    const made = await runCli(["init", "refunds", "--template", "workflow", "--yes", "--no-install"], { cwd: project });
    expect(made.code, made.stderr).toBe(0);
    const definitionFile = join(project, "refunds", "workflow.json");
    const definition = (received: string) => ({
      nodes: [
        { id: "start", type: "trigger" },
        { id: "got", type: "send_message", config: { text: `${received}: {{ trigger.text }}` } },
        { id: "approve", type: "human_handoff", config: { message: "Refund for {{ trigger.user }}?" } },
        { id: "yes", type: "send_message", config: { text: "Your refund is on its way." } },
        { id: "no", type: "send_message", config: { text: "Your refund was declined." } },
      ],
      edges: [
        { from: "start", to: "got" },
        { from: "got", to: "approve" },
        { from: "approve", to: "yes", on: "approved" },
        { from: "approve", to: "no", on: "rejected" },
      ],
    });
    await writeFile(definitionFile, JSON.stringify(definition("Request received")));
    const toml = join(project, "aerostack.toml");
    const template = await readFile(toml, "utf8");
    // A path whose workflow is named otherwise stops dev at start, saying so.
    await writeFile(toml, template.replace(/^mode = "agent".*$/m, 'mode = "workflow"\nworkflow = "returns"\nworkflow_path = "refunds"'));
    const wrong = await runCli(["dev", "--port", "0", "--no-persist"], { cwd: project });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('holds workflow "refunds", but [bot] workflow is "returns"');
    await writeFile(toml, template.replace(/^mode = "agent".*$/m, 'mode = "workflow"\nworkflow = "refunds"\nworkflow_path = "refunds"'));

    dev = await startDevProcess(["--port", "0", "--no-persist"], project);
    await dev.waitFor(/Chat:\s+http:\/\/\S+/);
    // The workflow is there: no notice that it is missing.
    expect(dev.output()).not.toContain("until a workflow of that name is there");

    const post = async (chat: string, text: string, button = false) => {
      const res = await fetch(`${dev!.url}/bots/desk/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ chat, text, ...(button ? { button } : {}) }) });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { errors: string[] };
      expect(body.errors).toEqual([]);
    };
    type Reply = { text: string; buttons: { label: string; data: string }[] };
    const repliesUntil = async (chat: string, done: (replies: Reply[]) => boolean) => {
      let replies: Reply[] = [];
      for (const until = Date.now() + 20_000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
        replies = ((await (await fetch(`${dev!.url}/bots/desk/chat/${chat}?after=0`)).json()) as { replies: Reply[] }).replies;
        if (done(replies)) return replies;
      }
      throw new Error(`chat ${chat}: ${JSON.stringify(replies)}`);
    };

    // A message starts the workflow; its first message and the approval request (with buttons) come back.
    await post("wf-1", "refund order 42");
    let replies = await repliesUntil("wf-1", (r) => r.some((m) => m.buttons.length > 0));
    expect(replies[0]!.text).toBe("Request received: refund order 42");
    const ask = replies.find((m) => m.buttons.length)!;
    expect(ask.text).toMatch(/^Refund for /);
    expect(ask.buttons.map((b) => b.label)).toEqual(["Approve", "Reject"]);
    // The press (this chat is the approvers' chat: no [bot.approvals]) finishes the run.
    await post("wf-1", ask.buttons[0]!.data, true);
    replies = await repliesUntil("wf-1", (r) => r.some((m) => m.text === "Your refund is on its way."));

    // A save of the workflow's definition stores its next version: the next conversation runs it.
    await writeFile(definitionFile, JSON.stringify(definition("Request noted")));
    const mark = dev.output().length;
    await dev.waitFor(/reloaded/, mark);
    await post("wf-2", "refund order 43");
    replies = await repliesUntil("wf-2", (r) => r.length > 0);
    expect(replies[0]!.text).toBe("Request noted: refund order 43");

    if (!HAVE_CHROMIUM) return;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-background-networking"] });
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (err) => pageErrors.push(err.message));
    await page.goto(`${dev.url}/bots/desk/`);
    await page.getByLabel("Message").fill("refund order 77");
    await page.getByRole("button", { name: "Send" }).click();
    await page.locator(".msg.bot", { hasText: "Request noted: refund order 77" }).waitFor({ timeout: 15_000 });
    // The approval request arrives with its buttons rendered; Reject is pressed with the mouse.
    const request = page.locator(".msg.bot", { hasText: "Refund for " });
    await request.waitFor({ timeout: 15_000 });
    await request.getByRole("button", { name: "Reject" }).click();
    // The press shows as the user's, both buttons are disabled, and the run's answer reaches the page.
    await page.locator(".msg.user", { hasText: "Reject" }).waitFor();
    expect(await request.getByRole("button", { name: "Approve" }).isDisabled()).toBe(true);
    await page.locator(".msg.bot", { hasText: "Your refund was declined." }).waitFor({ timeout: 15_000 });
    expect(await page.locator(".msg.bot", { hasText: "Your refund is on its way." }).count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
