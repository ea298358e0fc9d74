// The OAuth consent page in a real browser (Debian chromium via playwright-core) for a person already signed in to
// the dashboard: an MCP client's own page on another site (http://localhost:…, cross-site to the platform on
// http://127.0.0.1:…) links to the authorize URL; the SameSite=Strict session cookie does not travel on that
// navigation, so the platform goes round once through its own page, then shows the workspace choice with no key to
// paste; Allow returns a code the client exchanges with PKCE and uses on the gateway. Then the forgeries: Allow
// without the session's CSRF token, from another origin, replayed, or after sign-out, gets no code. And a person
// not signed in goes through the dashboard's sign-in and comes back to the consent page. Screenshots go to
// test-results/oauth-consent/.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createHash, randomBytes } from "node:crypto";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { startPlatformServer, type PlatformServer } from "../../host/platform/server";

const CHROMIUM = "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), "../../../../../test-results/oauth-consent");

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

let server: PlatformServer;
let browser: Browser;
let app: Server;
let appUrl: string;
/** What the client app's callback received, in order. */
const callbacks: URLSearchParams[] = [];
let clientId: string;

const pkce = () => {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
};

function authorizeUrl(challenge: string, state: string): string {
  const q = new URLSearchParams({ response_type: "code", client_id: clientId, redirect_uri: `${appUrl}/callback`, code_challenge: challenge, code_challenge_method: "S256", state, resource: `${server.url}/ws/eng` });
  return `${server.url}/oauth/authorize?${q}`;
}

async function signInToDashboard(page: Page): Promise<void> {
  await page.goto(`${server.url}/dashboard`);
  await page.getByLabel("Account key").fill(server.adminKey!);
  await page.keyboard.press("Enter");
  await page.getByRole("navigation", { name: "Dashboard" }).waitFor();
}

/** The client app's page (another site) with its "Connect" link to the authorize URL; clicked as a person would. */
async function connectFromApp(page: Page, target: string): Promise<void> {
  await page.goto(`${appUrl}/?to=${encodeURIComponent(target)}`);
  await page.getByRole("link", { name: "Connect Aerostack" }).click();
}

async function exchange(code: string, verifier: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${server.url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code, code_verifier: verifier, client_id: clientId, redirect_uri: `${appUrl}/callback` }),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

async function gatewayStatus(token: string): Promise<number> {
  const res = await fetch(`${server.url}/ws/eng`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } }),
  });
  await res.body?.cancel();
  return res.status;
}

describe.skipIf(!HAVE_CHROMIUM)("OAuth consent in chromium with the dashboard session", () => {
  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    server = await startPlatformServer({ dataDir: await mkdtemp(join(tmpdir(), "aerostack-consent-ui-")), port: 0, host: "127.0.0.1", baseDomain: "localhost", onLog: () => {} });
    const created = await fetch(`${server.url}/api/v1/workspaces`, { method: "POST", headers: { authorization: `Bearer ${server.adminKey}`, "content-type": "application/json" }, body: JSON.stringify({ name: "eng" }) });
    expect(created.status).toBe(200);
    // The MCP client's web app, on another site: a page linking to the authorize URL, and its redirect URI.
    app = createServer((req, res) => {
      const url = new URL(req.url ?? "/", appUrl);
      if (url.pathname === "/callback") {
        callbacks.push(url.searchParams);
        res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>Connected</title><h1>Back in the app</h1>");
        return;
      }
      const to = url.searchParams.get("to") ?? "";
      res.writeHead(200, { "content-type": "text/html" }).end(`<!doctype html><title>App</title><a href="${to.replace(/"/g, "&quot;")}">Connect Aerostack</a>`);
    });
    await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
    appUrl = `http://localhost:${(app.address() as { port: number }).port}`;
    const reg = await fetch(`${server.url}/oauth/register`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client_name: "Web MCP client", redirect_uris: [`${appUrl}/callback`] }) });
    expect(reg.status).toBe(201);
    clientId = ((await reg.json()) as Json).client_id as string;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-background-networking"] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await new Promise((r) => app?.close(r));
  });

  let context: BrowserContext;
  let page: Page;

  it("signed in to the dashboard: no key to paste, Allow gives a working code", async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    await signInToDashboard(page);
    const { verifier, challenge } = pkce();
    // How the browser fetched the authorize URL: from the app's site first, then from the platform's own hop page.
    const fetchedFrom: Promise<string>[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/oauth/authorize?") && r.url().includes("state=st-1")) fetchedFrom.push(r.allHeaders().then((h) => h["sec-fetch-site"] ?? ""));
    });
    await connectFromApp(page, authorizeUrl(challenge, "st-1"));
    // After the hop through the platform's own page: the choice, signed in, with no credential field.
    await page.getByRole("heading", { name: /Allow Web MCP client to use workspace eng/ }).waitFor();
    await expect.poll(() => page.getByText("your dashboard session").count()).toBe(1);
    expect(await page.getByLabel(/Account key/).count()).toBe(0);
    expect(await Promise.all(fetchedFrom)).toEqual(["cross-site", "same-origin"]);
    expect(await page.content()).not.toContain(server.adminKey!);
    await page.screenshot({ path: join(SHOTS, "01-choose-signed-in.png"), fullPage: true });
    await page.getByLabel("Role granted").selectOption("read-only");
    await page.getByRole("button", { name: "Allow" }).click();
    await page.getByRole("heading", { name: "Back in the app" }).waitFor();
    const back = callbacks.at(-1)!;
    expect(back.get("state")).toBe("st-1");
    expect(back.get("iss")).toBe(server.url);
    const token = await exchange(back.get("code")!, verifier);
    expect(token.status, JSON.stringify(token.body)).toBe(200);
    expect(await gatewayStatus(token.body.access_token)).toBe(200);
    // The code is single-use.
    expect((await exchange(back.get("code")!, verifier)).status).toBe(400);
  }, 60_000);

  it("an Allow without the session's CSRF token, from another origin, or replayed gets no code", async () => {
    const { challenge } = pkce();
    const before = callbacks.length;
    await connectFromApp(page, authorizeUrl(challenge, "st-2"));
    const allow = page.getByRole("button", { name: "Allow" });
    await allow.waitFor();
    const request = await page.locator('input[name="request"]').getAttribute("value");
    const csrf = await page.locator('input[name="csrf"]').getAttribute("value");
    expect(request).toMatch(/^[0-9a-f]{32}$/);
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The browser's own cookies (consent binding and session), sent by hand with altered forms.
    const cookie = (await context.cookies(`${server.url}/oauth/authorize`)).map((c) => `${c.name}=${c.value}`).join("; ");
    const post = (fields: Record<string, string>, origin = server.url) =>
      fetch(`${server.url}/oauth/authorize`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin, "sec-fetch-site": origin === server.url ? "same-origin" : "cross-site" },
        body: new URLSearchParams({ request: request!, action: "allow", workspace: "eng", ...fields }),
      });
    const forged = await post({ csrf: "A".repeat(43) });
    expect(forged.status).toBe(200);
    expect(await forged.text()).toContain("Sign in first");
    const missing = await post({});
    expect(await missing.text()).toContain("Sign in first");
    const crossSite = await post({ csrf: csrf! }, appUrl);
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get("location")).toBeNull();
    // The real page's Allow still works once; the same form sent again finds nothing.
    await allow.click();
    await page.getByRole("heading", { name: "Back in the app" }).waitFor();
    expect(callbacks.length).toBe(before + 1);
    const replay = await post({ csrf: csrf! });
    expect(replay.headers.get("location")).toBeNull();
    expect(await replay.text()).toMatch(/expired|already used/);
  }, 60_000);

  it("after sign-out the consent page asks for sign-in again, and the old token is refused", async () => {
    const { challenge } = pkce();
    await connectFromApp(page, authorizeUrl(challenge, "st-3"));
    const csrf = await page.locator('input[name="csrf"]').getAttribute("value");
    const request = await page.locator('input[name="request"]').getAttribute("value");
    const cookie = (await context.cookies(`${server.url}/oauth/authorize`)).map((c) => `${c.name}=${c.value}`).join("; ");
    await page.goto(`${server.url}/dashboard`);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Account key").waitFor();
    const late = await fetch(`${server.url}/oauth/authorize`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: server.url, "sec-fetch-site": "same-origin" },
      body: new URLSearchParams({ request: request!, action: "allow", workspace: "eng", csrf: csrf! }),
    });
    expect(late.headers.get("location")).toBeNull();
    expect(await late.text()).toContain("Sign in first");
    await connectFromApp(page, authorizeUrl(challenge, "st-3b"));
    await page.getByLabel(/Account key/).waitFor();
    await context.close();
  }, 60_000);

  it("not signed in: the consent page leads through the dashboard's sign-in and back", async () => {
    const fresh = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const p = await fresh.newPage();
    const { verifier, challenge } = pkce();
    await connectFromApp(p, authorizeUrl(challenge, "st-4"));
    await p.getByLabel(/Account key/).waitFor();
    await p.screenshot({ path: join(SHOTS, "02-sign-in.png"), fullPage: true });
    await p.getByRole("link", { name: "sign in to the dashboard" }).click();
    await p.getByLabel("Account key").fill(server.adminKey!);
    await p.keyboard.press("Enter");
    await p.getByRole("heading", { name: /Allow Web MCP client/ }).waitFor();
    expect(await p.getByText("your dashboard session").count()).toBe(1);
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await p.getByRole("button", { name: "Allow" }).click();
    await p.getByRole("heading", { name: "Back in the app" }).waitFor();
    const back = callbacks.at(-1)!;
    expect(back.get("state")).toBe("st-4");
    expect((await exchange(back.get("code")!, verifier)).status).toBe(200);
    await fresh.close();
  }, 60_000);
});
