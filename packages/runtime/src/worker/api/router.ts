/**
 * The public API under `/api/v1`: matches a route from API_ROUTES, authenticates the account key, reads the body
 * within limits, runs the handler and answers JSON, behind the platform's HTTP middleware (http/middleware.ts): every
 * answer carries `x-request-id`; every error is `{ error: { code, message } }` and never a stack trace.
 */
import { ACCOUNT_KEY_PATTERN, API_PREFIX, API_ROUTES, MAX_API_BODY_BYTES, type RouteName, type RouteSpec } from "../../shared/api";
import type { PlatformEnv } from "../env";
import { directory, type Caller } from "../accounts/directory";
import { readJsonBody } from "../http/body";
import { HttpError, json } from "../http/http-error";
import { serveHttp, type Surface } from "../http/middleware";
import { sha256Hex } from "../../shared/sha256";
import { MEMBER_SLUG_PATTERN, MEMBER_TOKEN_PREFIX } from "../../shared/gateway";
import { workspaceObject } from "../workspaces/workspace";
import type { ApiContext } from "./context";
import { HANDLERS } from "./handlers/index";
import { hasSessionCookie, sessionCaller } from "../dashboard/session";

interface CompiledRoute {
  name: RouteName;
  spec: RouteSpec;
  pattern: RegExp;
  keys: string[];
}

const COMPILED: CompiledRoute[] = (Object.entries(API_ROUTES) as [RouteName, RouteSpec][]).map(([name, spec]) => {
  const keys: string[] = [];
  const source = spec.path.replace(/:([a-z]+)/g, (_m, key: string) => {
    keys.push(key);
    return "([^/]+)";
  });
  return { name, spec, pattern: new RegExp(`^${source}/?$`), keys };
});

export function isApiPath(pathname: string): boolean {
  return pathname === API_PREFIX || pathname.startsWith(`${API_PREFIX}/`);
}

/** The caller a key names (null on `auth: "none"` routes); also used by the workflow agent endpoint. */
export async function authenticate(request: Request, env: PlatformEnv, auth: RouteSpec["auth"], params: Record<string, string>): Promise<Caller | null> {
  if (auth === "none") return null;
  // The dashboard's alternative to a bearer key: its session cookie plus CSRF token, same-origin only; the same
  // route checks follow. A bearer key, when sent, always wins, so the CLI never depends on a cookie.
  if (!request.headers.has("authorization") && hasSessionCookie(request)) {
    const caller = await sessionCaller(request, env);
    if (auth === "admin" && !caller.admin) throw new HttpError("forbidden", "only the platform's admin account may do this");
    return caller;
  }
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new HttpError("unauthorized", "this call needs an account key: send `Authorization: Bearer ak_…` (run `aerostack login`, or set AEROSTACK_API_KEY)");
  const token = match[1]!;
  if (auth === "workspace" && token.startsWith(MEMBER_TOKEN_PREFIX)) return workspaceAdmin(env, params.workspace ?? "", token);
  if (token.startsWith(MEMBER_TOKEN_PREFIX)) {
    throw new HttpError("unauthorized", "this call needs an account key (ak_…): a member token (mwt_…) only manages its own workspace, and only with the admin role");
  }
  if (!ACCOUNT_KEY_PATTERN.test(token)) throw new HttpError("unauthorized", "the key is malformed: account keys are `ak_` followed by 40 letters and digits");
  const caller = await directory(env).authenticate(await sha256Hex(token));
  if (!caller) throw new HttpError("unauthorized", "the key is not valid (unknown or revoked): log in again with a current key (`aerostack login`)");
  if (auth === "admin" && !caller.admin) throw new HttpError("forbidden", "only the platform's admin account may do this");
  return caller;
}

/**
 * A member token with the admin role manages its own workspace (and nothing else): the caller acts for the account
 * owning the workspace, scoped to it, and is named by the token in the audit log.
 */
async function workspaceAdmin(env: PlatformEnv, workspace: string, token: string): Promise<Caller> {
  const refused = `the token is not an admin token of workspace ${JSON.stringify(workspace.slice(0, 64))} (unknown, revoked, expired, or another role): use an account key, or a member token created with --role admin`;
  if (!MEMBER_SLUG_PATTERN.test(workspace)) throw new HttpError("unauthorized", refused);
  const admin = await workspaceObject(env, workspace).adminAccess(await sha256Hex(token));
  if (!admin) throw new HttpError("unauthorized", refused);
  return { account: admin.account, admin: false, keyId: admin.tokenId, keyName: `token ${admin.tokenName}`, workspace };
}

const NO_STORE = { "cache-control": "no-store" };

const API_SURFACE: Surface = {
  name: "api",
  error: (err, headers) => err.toResponse({ ...headers, ...NO_STORE }),
};

export function handleApi(request: Request, env: PlatformEnv, ctx: ExecutionContext): Promise<Response> {
  return serveHttp(request, API_SURFACE, async ({ requestId }) => {
    const url = new URL(request.url);
    const path = url.pathname.slice(API_PREFIX.length) || "/";
    let matched: { route: CompiledRoute; params: Record<string, string> } | undefined;
    let pathKnown = false;
    for (const route of COMPILED) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      pathKnown = true;
      if (route.spec.method !== request.method) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((key, i) => {
        try {
          params[key] = decodeURIComponent(m[i + 1]!);
        } catch {
          params[key] = m[i + 1]!;
        }
      });
      matched = { route, params };
      break;
    }
    if (!matched) {
      if (pathKnown) throw new HttpError("method_not_allowed", `${request.method} is not allowed on ${API_PREFIX}${path}`);
      throw new HttpError("not_found", `no API route ${request.method} ${API_PREFIX}${path}; see ${API_PREFIX}/openapi.json`);
    }
    const { route, params } = matched;
    const caller = await authenticate(request, env, route.spec.auth, params);
    const body = route.spec.body ? await readJsonBody(request, route.spec.body, MAX_API_BODY_BYTES) : undefined;
    const c: ApiContext<never> = { env, ctx, request, url, requestId, caller, params, body: body as never };
    const result = await (HANDLERS[route.name] as (c: ApiContext<never>) => Promise<unknown>)(c);
    return json(result, 200, NO_STORE);
  });
}
