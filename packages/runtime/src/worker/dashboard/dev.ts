/**
 * The dashboard in `aerostack dev`, for the local project: `/__aerostack/dashboard` (the project keeps every other
 * path) with its API at `/__aerostack/api/v1`. The developer is signed in by the link the dev banner prints: a token
 * made for this start (only its hash is stored here) exchanged once per browser for the usual session, as the local
 * account that owns the dev workspace (`/ws/dev`). Loopback only: a request naming any other host is refused, so a
 * page of another site rebinding its name to 127.0.0.1 gets nothing even with the link.
 */
import type { PlatformEnv } from "../env";
import { API_PREFIX } from "../../shared/api";
import { sha256Hex } from "../../shared/sha256";
import { directory } from "../accounts/directory";
import { handleApi } from "../api/router";
import { HttpError } from "../http/http-error";
import { serveHttp, type Surface } from "../http/middleware";
import { LOCAL_ACCOUNT } from "../../shared/gateway";
import { dashboardSessions } from "./sessions";
import { handleDashboard, type DashboardMount } from "./routes";
import { newSessionValue, randomToken, SESSION_TTL_MS, sessionCookie } from "./session";

export const DEV_BASE = "/__aerostack";
export const DEV_MOUNT: DashboardMount = { prefix: `${DEV_BASE}/dashboard`, base: DEV_BASE, cookiePath: `${DEV_BASE}/` };
const DEV_API = `${DEV_BASE}${API_PREFIX}`;
const SIGN_IN = `${DEV_MOUNT.prefix}/sign-in`;
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

export function isDevDashboardPath(pathname: string): boolean {
  return pathname === DEV_MOUNT.prefix || pathname.startsWith(`${DEV_MOUNT.prefix}/`) || pathname === DEV_API || pathname.startsWith(`${DEV_API}/`);
}

const SURFACE: Surface = { name: "dashboard", error: (err, headers) => err.toResponse({ ...headers, "cache-control": "no-store" }) };

export function handleDevDashboard(request: Request, env: PlatformEnv, ctx: ExecutionContext): Promise<Response> {
  const url = new URL(request.url);
  if (!LOOPBACK.has(url.hostname)) {
    return serveHttp(request, SURFACE, () => {
      throw new HttpError("forbidden", `the dev dashboard answers on loopback addresses only (http://127.0.0.1:${url.port || "8787"}${DEV_MOUNT.prefix}), not ${url.hostname}`);
    });
  }
  if (url.pathname === DEV_API || url.pathname.startsWith(`${DEV_API}/`)) {
    // The platform's own API, unchanged: the same routes and checks as `aerostack` against a platform.
    const inner = new URL(url);
    inner.pathname = url.pathname.slice(DEV_BASE.length);
    return handleApi(new Request(inner, request), env, ctx);
  }
  if (url.pathname === SIGN_IN) return serveHttp(request, SURFACE, () => signIn(request, env, url));
  return handleDashboard(request, env, DEV_MOUNT);
}

/** GET `/__aerostack/dashboard/sign-in?token=…`: the printed link; a session cookie, then the dev workspace. */
async function signIn(request: Request, env: PlatformEnv, url: URL): Promise<Response> {
  if (request.method !== "GET") throw new HttpError("method_not_allowed", `${request.method} is not allowed on ${url.pathname}`);
  const token = url.searchParams.get("token") ?? "";
  const keyHash = /^[A-Za-z0-9_-]{43}$/.test(token) ? await dashboardSessions(env).devLinkKey(await sha256Hex(token)) : null;
  if (!keyHash) throw new HttpError("unauthorized", "this sign-in link is not valid (it changes on every start of aerostack dev): open the one the running `aerostack dev` printed");
  const value = newSessionValue();
  await dashboardSessions(env).create(await sha256Hex(value), keyHash, randomToken(), SESSION_TTL_MS);
  const workspace = url.searchParams.get("workspace");
  const page = workspace && /^[a-z0-9-]{1,32}$/.test(workspace) ? `#/workspaces/${workspace}` : "";
  // The token leaves the address bar at once (and is never sent on as a Referer).
  return new Response(null, {
    status: 303,
    headers: {
      location: `${DEV_MOUNT.prefix}${page}`,
      "set-cookie": sessionCookie(url, value, Math.floor(SESSION_TTL_MS / 1000), DEV_MOUNT.cookiePath),
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
    },
  });
}

/** Control route (host token): this start's link token hash; the local account gets a fresh key and the workspace. */
export async function setUpDevDashboard(env: PlatformEnv, workspace: string, linkHash: string): Promise<void> {
  const keyHash = await sha256Hex(randomToken());
  await directory(env).devAccount(LOCAL_ACCOUNT, `key_dev${Date.now().toString(36)}`, keyHash, "dashboard", workspace);
  await dashboardSessions(env).setDevLink(linkHash, keyHash);
}
