// The dashboard session on a real platform (workerd on loopback): sign-in with an account key, the cookie's
// attributes, CSRF on the API, and what a forged, replayed or foreign session gets (nothing).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPlatformServer, type PlatformServer } from "../../host/platform/server";

// Response bodies are read loosely; the assertions check their shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

let server: PlatformServer;
let admin: string;
let bob: string;
const SECRET_VALUE = "sk_live_DashboardNeverShowsThis77";

/** A bearer-key API call, as the CLI makes it. */
async function api(key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

interface Browserish {
  cookie?: string;
  csrf?: string;
  origin?: string | null;
  site?: string | null;
}

/** A request the way the dashboard's page sends it: same-origin headers, the cookie and the CSRF header. */
async function page(b: Browserish, method: string, path: string, body?: unknown) {
  const origin = b.origin === undefined ? server.url : b.origin;
  const site = b.site === undefined ? "same-origin" : b.site;
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(b.cookie ? { cookie: b.cookie } : {}),
      ...(b.csrf ? { "x-aerostack-csrf": b.csrf } : {}),
      ...(origin ? { origin } : {}),
      ...(site ? { "sec-fetch-site": site } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, text, body: (text.startsWith("{") ? JSON.parse(text) : {}) as Json, headers: res.headers };
}

async function signIn(key: string): Promise<Required<Pick<Browserish, "cookie" | "csrf">> & { setCookie: string }> {
  const res = await page({}, "POST", "/dashboard/session", { key });
  expect(res.status).toBe(200);
  const setCookie = res.headers.get("set-cookie") ?? "";
  return { cookie: setCookie.split(";")[0]!, csrf: res.body.csrf as string, setCookie };
}

beforeAll(async () => {
  server = await startPlatformServer({ dataDir: await mkdtemp(join(tmpdir(), "aerostack-dash-")), port: 0, host: "127.0.0.1", baseDomain: "localhost" });
  admin = server.adminKey!;
  const created = await api(admin, "POST", "/accounts", { name: "bob" });
  bob = created.body.key.token;
  expect((await api(admin, "POST", "/workspaces", { name: "team" })).status).toBe(200);
  expect((await api(admin, "PUT", "/workspaces/team/secrets/API_TOKEN", { value: SECRET_VALUE })).status).toBe(200);
});
afterAll(() => server?.close());

describe("dashboard session", () => {
  it("serves the page and its assets with a strict content security policy", async () => {
    const shell = await page({}, "GET", "/dashboard");
    expect(shell.status).toBe(200);
    expect(shell.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(shell.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const script = /src="(\/dashboard\/assets\/app\.js\?v=[0-9a-f]+)"/.exec(shell.text)?.[1];
    expect(script).toBeDefined();
    const js = await page({}, "GET", script!);
    expect(js.headers.get("content-type")).toMatch(/javascript/);
    expect(js.headers.get("cache-control")).toContain("immutable");
  });

  it("signs in with an account key into an HttpOnly, SameSite=Strict cookie; refuses bad keys and other sites", async () => {
    expect((await page({}, "POST", "/dashboard/session", { key: "ak_nope" })).status).toBe(401);
    expect((await page({}, "POST", "/dashboard/session", { key: `ak_${"x".repeat(40)}` })).status).toBe(401);
    // Login CSRF: a page on another site cannot sign the visitor in, even with a valid key.
    expect((await page({ origin: "http://evil.example" }, "POST", "/dashboard/session", { key: admin })).status).toBe(403);
    expect((await page({ origin: null, site: null }, "POST", "/dashboard/session", { key: admin })).status).toBe(403);

    const s = await signIn(admin);
    expect(s.setCookie).toMatch(/^aerostack_session=ads_[A-Za-z0-9_-]{43}; /);
    expect(s.setCookie).toContain("HttpOnly");
    expect(s.setCookie).toContain("SameSite=Strict");
    // Plain http on loopback: Secure would make the browser drop the cookie (it is set over TLS, see session.ts).
    expect(s.setCookie).not.toContain("Secure");
    expect(s.setCookie).not.toContain(admin);
    const who = await page(s, "GET", "/api/v1/whoami");
    expect(who.status).toBe(200);
    expect(who.body).toMatchObject({ account: "admin", admin: true });
    const session = await page({ cookie: s.cookie }, "GET", "/dashboard/session");
    expect(session.body).toMatchObject({ account: "admin", csrf: s.csrf });
    expect(session.text).not.toContain(admin);
  });

  it("needs the CSRF token and the same origin on every API call made with the cookie", async () => {
    const s = await signIn(admin);
    expect((await page({ cookie: s.cookie }, "GET", "/api/v1/whoami")).status).toBe(403);
    expect((await page({ ...s, csrf: "A".repeat(43) }, "PUT", "/api/v1/workspaces/team/secrets/X", { value: "1" })).status).toBe(403);
    expect((await page({ ...s, origin: "http://evil.example", site: "cross-site" }, "DELETE", "/api/v1/workspaces/team/secrets/API_TOKEN")).status).toBe(403);
    expect((await page({ ...s, site: "cross-site", origin: null }, "GET", "/api/v1/workspaces/team")).status).toBe(403);
    // The session's own token is not another session's: CSRF tokens are bound to the session that got them.
    const other = await signIn(admin);
    expect((await page({ cookie: s.cookie, csrf: other.csrf }, "GET", "/api/v1/whoami")).status).toBe(403);
    // The secret is still there, and no answer ever shows its value.
    const secrets = await page(s, "GET", "/api/v1/workspaces/team/secrets");
    expect(secrets.body.secrets.map((x: { name: string }) => x.name)).toEqual(["API_TOKEN"]);
    expect(secrets.text).not.toContain(SECRET_VALUE);
  });

  it("a forged cookie gets nothing; sign-out ends the session and a replayed cookie gets nothing", async () => {
    const forged = `aerostack_session=ads_${"B".repeat(43)}`;
    expect((await page({ cookie: forged, csrf: "B".repeat(43) }, "GET", "/api/v1/whoami")).status).toBe(401);
    expect((await page({ cookie: forged }, "GET", "/dashboard/session")).status).toBe(401);

    const s = await signIn(admin);
    // Sign-out is a change too: without the token it is refused and the session lives on.
    expect((await page({ cookie: s.cookie }, "DELETE", "/dashboard/session")).status).toBe(403);
    expect((await page(s, "GET", "/api/v1/whoami")).status).toBe(200);
    const out = await page(s, "DELETE", "/dashboard/session");
    expect(out.status).toBe(200);
    expect(out.headers.get("set-cookie")).toMatch(/Max-Age=0/);
    expect((await page(s, "GET", "/api/v1/whoami")).status).toBe(401);
    expect((await page({ cookie: s.cookie }, "GET", "/dashboard/session")).status).toBe(401);
  });

  it("a session ends when the key that opened it is revoked", async () => {
    const key = await api(admin, "POST", "/keys", { name: "short-lived" });
    const s = await signIn(key.body.token);
    expect((await page(s, "GET", "/api/v1/whoami")).body.key.name).toBe("short-lived (dashboard)");
    expect((await api(admin, "DELETE", `/keys/${key.body.id}`)).status).toBe(200);
    expect((await page(s, "GET", "/api/v1/whoami")).status).toBe(401);
  });

  it("another account's session can neither read nor change this account's data", async () => {
    const b = await signIn(bob);
    expect((await page(b, "GET", "/api/v1/whoami")).body.account).toBe("bob");
    expect((await page(b, "GET", "/api/v1/workspaces")).body.workspaces).toEqual([]);
    const read = await page(b, "GET", "/api/v1/workspaces/team/secrets");
    expect(read.status).toBeGreaterThanOrEqual(400);
    expect(read.text).not.toContain("API_TOKEN");
    expect((await page(b, "PUT", "/api/v1/workspaces/team/secrets/API_TOKEN", { value: "hijacked" })).status).toBeGreaterThanOrEqual(400);
    expect((await page(b, "DELETE", "/api/v1/workspaces/team/secrets/API_TOKEN")).status).toBeGreaterThanOrEqual(400);
    expect((await page(b, "POST", "/api/v1/workspaces/team/tokens", { name: "mine", role: "admin" })).status).toBeGreaterThanOrEqual(400);
    // Bob's cookie with the admin's CSRF token is still bob's session, and the token is wrong for it.
    const a = await signIn(admin);
    expect((await page({ cookie: b.cookie, csrf: a.csrf }, "GET", "/api/v1/workspaces/team")).status).toBe(403);
    expect((await api(admin, "GET", "/workspaces/team/secrets")).body.secrets).toHaveLength(1);
  });
});
