/**
 * The public API under `/api/v1`: matches a route from API_ROUTES, authenticates the account key, reads the body
 * within limits, runs the handler and answers JSON. Every answer carries `x-request-id`; every error is
 * `{ error: { code, message } }` and never a stack trace.
 */
import { ACCOUNT_KEY_PATTERN, API_PREFIX, API_ROUTES, MAX_API_BODY_BYTES, type RouteName, type RouteSpec } from "../../shared/api";
import type { PlatformEnv } from "../env";
import { directory, type Caller } from "../accounts/directory";
import { drain, readJsonBody } from "../http/body";
import { HttpError, json } from "../http/http-error";
import { newRequestId, REQUEST_ID_HEADER } from "../http/request-id";
import { sha256Hex } from "../../shared/sha256";
import type { ApiContext } from "./context";
import { HANDLERS } from "./handlers/index";

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

async function authenticate(request: Request, env: PlatformEnv, auth: RouteSpec["auth"]): Promise<Caller | null> {
  if (auth === "none") return null;
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new HttpError("unauthorized", "this call needs an account key: send `Authorization: Bearer ak_…` (run `aerostack login`, or set AEROSTACK_API_KEY)");
  const token = match[1]!;
  if (!ACCOUNT_KEY_PATTERN.test(token)) throw new HttpError("unauthorized", "the key is malformed: account keys are `ak_` followed by 40 letters and digits");
  const caller = await directory(env).authenticate(await sha256Hex(token));
  if (!caller) throw new HttpError("unauthorized", "the key is not valid (unknown or revoked): log in again with a current key (`aerostack login`)");
  if (auth === "admin" && !caller.admin) throw new HttpError("forbidden", "only the platform's admin account may do this");
  return caller;
}

export async function handleApi(request: Request, env: PlatformEnv, ctx: ExecutionContext): Promise<Response> {
  const requestId = newRequestId();
  const headers = { [REQUEST_ID_HEADER]: requestId, "cache-control": "no-store" };
  const url = new URL(request.url);
  const path = url.pathname.slice(API_PREFIX.length) || "/";
  try {
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
      await drain(request);
      if (pathKnown) throw new HttpError("method_not_allowed", `${request.method} is not allowed on ${API_PREFIX}${path}`);
      throw new HttpError("not_found", `no API route ${request.method} ${API_PREFIX}${path}; see ${API_PREFIX}/openapi.json`);
    }
    const { route, params } = matched;
    let caller: Caller | null;
    try {
      caller = await authenticate(request, env, route.spec.auth);
    } catch (err) {
      // Read what the client sent before refusing it, so its kept-alive connection stays usable.
      await drain(request);
      throw err;
    }
    const body = route.spec.body ? await readJsonBody(request, route.spec.body, MAX_API_BODY_BYTES) : (await drain(request), undefined);
    const c: ApiContext<never> = { env, ctx, request, url, requestId, caller, params, body: body as never };
    const result = await (HANDLERS[route.name] as (c: ApiContext<never>) => Promise<unknown>)(c);
    return json(result, 200, headers);
  } catch (err) {
    if (err instanceof HttpError) return err.toResponse(headers);
    // Never a stack trace or an internal message: the id finds the full error in the platform's own output.
    console.error(`[api #${requestId}] ${request.method} ${url.pathname} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return new HttpError("internal", `the platform failed to handle this request (request id ${requestId}); its operator can find the cause in the platform's output`).toResponse(headers);
  }
}
