/**
 * The dashboard at `/dashboard` on the platform's own host: one HTML shell, the built UI (JavaScript and CSS inlined
 * into the worker by scripts/build.mjs, so it ships in the package and works offline), and the session endpoints
 * (sign in with an account key, read the session's CSRF token, sign out). Every page's data comes from /api/v1 with
 * the session (api/router.ts accepts it as an alternative to a bearer key).
 */
import * as z from "zod/mini";
import { ACCOUNT_KEY_PATTERN } from "../../shared/api";
import assets from "aerostack:dashboard-assets";
import type { PlatformEnv } from "../env";
import { directory } from "../accounts/directory";
import { readJsonBody } from "../http/body";
import { HttpError, json } from "../http/http-error";
import { serveHttp, type Surface } from "../http/middleware";
import { sha256Hex } from "../../shared/sha256";
import { dashboardSessions } from "./sessions";
import { checkCsrf, dashboardSession, newSessionValue, randomToken, sameOrigin, SESSION_TTL_MS, sessionCookie } from "./session";

export const DASHBOARD_PREFIX = "/dashboard";

/** Where the dashboard is served: the platform's `/dashboard`, or `aerostack dev`'s `/__aerostack/dashboard` (dev.ts). */
export interface DashboardMount {
  /** The dashboard's own path. */
  prefix: string;
  /** Put before `/api/v1` and `/dashboard/session` by the page's script (read from the shell's meta tag). */
  base: string;
  /** The session cookie's Path. */
  cookiePath: string;
}
export const PLATFORM_MOUNT: DashboardMount = { prefix: DASHBOARD_PREFIX, base: "", cookiePath: "/" };

export function isDashboardPath(pathname: string): boolean {
  return pathname === DASHBOARD_PREFIX || pathname.startsWith(`${DASHBOARD_PREFIX}/`);
}

const SignInBodySchema = z.object({ key: z.string().check(z.maxLength(200)) });

/** Only our own script and style; nothing may frame the page (clickjacking of the approve and revoke buttons). */
const PAGE_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};
const NO_STORE = { "cache-control": "no-store" };

const SURFACE: Surface = { name: "dashboard", error: (err, headers) => err.toResponse({ ...headers, ...NO_STORE }) };

function shell(mount: DashboardMount): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="aerostack-base" content="${mount.base}">
<title>Aerostack dashboard</title>
<link rel="stylesheet" href="${mount.prefix}/assets/app.css?v=${assets.hash}">
<script type="module" src="${mount.prefix}/assets/app.js?v=${assets.hash}"></script>
</head>
<body>
<div id="app"><p>Loading the dashboard…</p></div>
<noscript>The dashboard needs JavaScript. The same data is available from the CLI: <code>aerostack --help</code>.</noscript>
</body>
</html>
`;
}

export function handleDashboard(request: Request, env: PlatformEnv, mount: DashboardMount = PLATFORM_MOUNT): Promise<Response> {
  return serveHttp(request, SURFACE, async () => {
    const url = new URL(request.url);
    const path = url.pathname.slice(mount.prefix.length) || "/";
    if (path === "/session") return sessionEndpoint(request, env, url, mount);
    if (request.method !== "GET" && request.method !== "HEAD") throw new HttpError("method_not_allowed", `${request.method} is not allowed on ${url.pathname}`);
    if (path === "/assets/app.js") return asset(assets.js, "text/javascript; charset=utf-8", url);
    if (path === "/assets/app.css") return asset(assets.css, "text/css; charset=utf-8", url);
    if (path.startsWith("/assets/")) throw new HttpError("not_found", `no dashboard asset ${url.pathname}`);
    // Every other path is the single-page app: it reads its page from the location hash.
    return new Response(shell(mount), { headers: { "content-type": "text/html; charset=utf-8", ...PAGE_HEADERS, ...NO_STORE } });
  });
}

function asset(body: string, type: string, url: URL): Response {
  // A URL carrying the build's hash never changes, so it may be kept for good; without it, revalidate each time.
  const cache = url.searchParams.get("v") === assets.hash ? "public, max-age=31536000, immutable" : "no-cache";
  return new Response(body, { headers: { "content-type": type, "cache-control": cache, "x-content-type-options": "nosniff" } });
}

async function sessionEndpoint(request: Request, env: PlatformEnv, url: URL, mount: DashboardMount): Promise<Response> {
  if (request.method === "POST") {
    // Login CSRF: another site must not sign a visitor in to an account of its choosing.
    if (!sameOrigin(request)) throw new HttpError("forbidden", "sign in from the dashboard's own page");
    const { key } = await readJsonBody(request, SignInBodySchema, 4096);
    if (!ACCOUNT_KEY_PATTERN.test(key)) throw new HttpError("unauthorized", "that is not an account key: keys are `ak_` followed by 40 letters and digits (`aerostack keys create` makes one)");
    const keyHash = await sha256Hex(key);
    const caller = await directory(env).authenticate(keyHash);
    if (!caller) throw new HttpError("unauthorized", "the key is not valid (unknown or revoked)");
    const value = newSessionValue();
    const row = await dashboardSessions(env).create(await sha256Hex(value), keyHash, randomToken(), SESSION_TTL_MS);
    await directory(env).audit(caller.account, `${caller.keyName} (dashboard)`, "dashboard.sign_in", caller.keyId);
    return json(
      { account: caller.account, admin: caller.admin, csrf: row.csrf, expiresAt: new Date(row.expiresAt).toISOString() },
      200,
      { ...NO_STORE, "set-cookie": sessionCookie(url, value, Math.floor(SESSION_TTL_MS / 1000), mount.cookiePath) },
    );
  }
  const session = await dashboardSession(request, env);
  if (request.method === "GET") {
    // Same-origin only: the CSRF token is handed to the dashboard's own script and nobody else.
    if (!sameOrigin(request)) throw new HttpError("forbidden", "the session is read by the dashboard's own page only");
    if (!session) throw new HttpError("unauthorized", "not signed in");
    return json(
      { account: session.caller.account, admin: session.caller.admin, csrf: session.csrf, expiresAt: new Date(session.expiresAt).toISOString() },
      200,
      NO_STORE,
    );
  }
  if (request.method === "DELETE") {
    const clear = { ...NO_STORE, "set-cookie": sessionCookie(url, "", 0, mount.cookiePath) };
    if (!session) return json({ ok: true }, 200, clear);
    checkCsrf(request, session);
    await dashboardSessions(env).revoke(session.hash);
    await directory(env).audit(session.caller.account, session.caller.keyName, "dashboard.sign_out", session.caller.keyId);
    return json({ ok: true }, 200, clear);
  }
  throw new HttpError("method_not_allowed", `${request.method} is not allowed on ${url.pathname}`);
}
