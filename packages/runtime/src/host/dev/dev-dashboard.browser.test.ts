// `aerostack dev` serves the dashboard for the local project, in a real browser (Debian chromium via playwright-core):
// the link the banner prints signs this browser in (a token made for this start), the page shows the dev gateway
// `/ws/dev` with its member's tools, the call log and analytics of a call made through it with the dev token. The
// project keeps every other path and never gets the session cookie; a wrong or previous start's link, another host
// name (DNS rebinding), or the API without the session gets nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { request as httpRequest } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startDev, type DevSession } from "./dev-session";
import type { DevEvent } from "./reporter";
import { echoServer, startMcpFixture, type Fixture } from "../../worker/gateway/fixtures/servers";

const CHROMIUM = "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), "../../../../../test-results/dev-dashboard");

let root: string;
let session: DevSession;
let upstream: Fixture;
let browser: Browser;
const events: DevEvent[] = [];

describe.skipIf(!HAVE_CHROMIUM)("aerostack dev's dashboard in chromium", () => {
  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    upstream = await startMcpFixture(echoServer("docs"));
    root = await mkdtemp(join(tmpdir(), "aerostack-dev-dash-"));
    await mkdir(join(root, "src"));
    const url = upstream.url.endsWith("/mcp") ? upstream.url : `${upstream.url}/mcp`;
    await writeFile(join(root, "aerostack.toml"), `name = "demo"\nmain = "src/index.ts"\n\n[[mcp.proxy]]\nslug = "docs"\nurl = "${url}"\n`);
    // The project echoes the cookies it gets: the dashboard's must never be among them.
    await writeFile(join(root, "src/index.ts"), 'export default { fetch: (req: Request) => new Response(`cookies: ${req.headers.get("cookie") ?? ""}`) };\n');
    session = await startDev({ cwd: root, port: 0, host: "127.0.0.1", persistTo: null, reporter: (e) => void events.push(e), exitOnSignals: false });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-background-networking"] });
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await session?.close();
    await upstream?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("the printed link signs in; the page shows /ws/dev, its tools, call log and analytics", async () => {
    const ready = events.find((e) => e.type === "ready");
    expect(ready && "dashboard" in ready ? ready.dashboard : undefined).toBe(session.dashboard);
    const link = session.dashboard!;
    expect(link).toMatch(new RegExp(`^${session.url}/__aerostack/dashboard/sign-in\\?token=[A-Za-z0-9_-]{43}&workspace=dev$`));

    // A call through the dev gateway with the dev token, so the log and analytics have something to show.
    const client = new Client({ name: "dev-dash", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(session.gateway.url), { requestInit: { headers: { authorization: `Bearer ${session.gateway.token}` } } }));
    expect((await client.callTool({ name: "docs__echo", arguments: { text: "hi" } })).content).toEqual([{ type: "text", text: "hi" }]);
    await client.close();

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(link);
    await page.getByRole("heading", { name: "Workspace dev" }).waitFor();
    // The token is gone from the address bar; the session cookie stays under /__aerostack/.
    expect(page.url()).toBe(`${session.url}/__aerostack/dashboard#/workspaces/dev`);
    const cookie = (await context.cookies(`${session.url}/__aerostack/dashboard`)).find((c) => c.name === "aerostack_session");
    expect(cookie).toMatchObject({ path: "/__aerostack/", httpOnly: true, sameSite: "Strict" });
    expect(await page.getByTestId("gateway-url").textContent()).toBe(`${session.url}/ws/dev`);
    await expect.poll(() => page.getByRole("switch", { name: "echo", exact: true }).isChecked(), { timeout: 10_000 }).toBe(true);
    await page.screenshot({ path: join(SHOTS, "01-workspace.png"), fullPage: true });

    await page.goto(`${session.url}/__aerostack/dashboard#/logs/dev`);
    await page.getByRole("cell", { name: "echo", exact: true }).first().waitFor({ timeout: 15_000 });
    await page.goto(`${session.url}/__aerostack/dashboard#/analytics/dev`);
    await page.locator('[data-ready="analytics"]').waitFor();
    await expect.poll(async () => page.locator("#a-sum").textContent(), { timeout: 10_000 }).toMatch(/^1 calls/);
    await page.screenshot({ path: join(SHOTS, "02-analytics.png"), fullPage: true });

    // The project's own pages: the session cookie is not sent there.
    const project = await context.request.get(`${session.url}/anything`);
    expect(await project.text()).toBe("cookies: ");
    await context.close();
  }, 90_000);

  it("refuses a wrong link, another host name, and the API without the session", async () => {
    const wrong = await fetch(`${session.url}/__aerostack/dashboard/sign-in?token=${"x".repeat(43)}&workspace=dev`, { redirect: "manual" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toContain("changes on every start");
    // A page of another site whose name resolves to 127.0.0.1 sends its own Host: refused even with the right link.
    const link = new URL(session.dashboard!);
    const rebound = await new Promise<{ status: number; cookie: unknown }>((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port: link.port, path: `${link.pathname}${link.search}`, headers: { host: `evil.example.test:${link.port}` } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, cookie: res.headers["set-cookie"] });
      });
      req.on("error", reject);
      req.end();
    });
    expect(rebound.status).toBe(403);
    expect(rebound.cookie).toBeUndefined();
    const api = await fetch(`${session.url}/__aerostack/api/v1/workspaces`);
    expect(api.status).toBe(401);
    // The control API next door still wants the host token.
    expect((await fetch(`${session.url}/__aerostack/health`)).status).toBe(401);
  });
});
