/** The router: control API for the host, otherwise the project named by the request's host (or the dev default). */
import type { PlatformEnv } from "./env";
import { CONTROL_PREFIX, handleControl } from "./control/api";
import { LOCAL_ACCOUNT } from "../shared/gateway";
import { dispatch } from "./dispatch/dispatch";
import { ProjectIdSchema } from "../shared/protocol";
import { GATEWAY_PREFIX, handleGateway } from "./gateway/http";
import { handleApi, isApiPath } from "./api/router";
import { tenantForHost, tenantId } from "./projects/tenant";
import { json } from "./http/http-error";
import { handleTriggers, isTriggerPath } from "./workflows/http/triggers";
import { handleOAuth, isOAuthPath } from "./oauth/http";
import { handlePlatformMcp, PLATFORM_MCP_PATH } from "./platform-mcp/server";
import { handleBots, isBotPath } from "./bots/http";
import { handleDevBots } from "./bots/dev-chat";
import { handleDashboard, isDashboardPath } from "./dashboard/routes";
import { handleDevDashboard, isDevDashboardPath } from "./dashboard/dev";
import { turns } from "./turns/turns";

/** `{project}.localhost` (and `{project}.localhost:port`) names a project; anything else gets the default one. */
export function projectForRequest(url: URL, env: PlatformEnv): string | undefined {
  const match = /^([a-z0-9-]+)\.localhost$/.exec(url.hostname);
  if (match && ProjectIdSchema.safeParse(match[1]).success) return match[1];
  return env.AEROSTACK_DEFAULT_PROJECT;
}

export async function route(request: Request, env: PlatformEnv, ctx: ExecutionContext): Promise<Response> {
  const url = new URL(request.url);
  if (env.AEROSTACK_MODE === "platform") return routePlatform(request, env, ctx, url);
  // `aerostack dev`'s dashboard and its API, under the reserved prefix (dashboard/dev.ts); the rest is the control API.
  if (isDevDashboardPath(url.pathname) && !/\.localhost$/.test(url.hostname)) return handleDevDashboard(request, env, ctx);
  if (url.pathname.startsWith(CONTROL_PREFIX)) return handleControl(request, env, ctx);
  // Workspace gateways live on the platform's own host; `{project}.localhost` keeps every path for the project.
  if (url.pathname.startsWith(GATEWAY_PREFIX) && !/\.localhost$/.test(url.hostname)) return turns.foreground(() => handleGateway(request, env));
  const devServed = devSurface(url, env);
  if (devServed === "api") return handleApi(request, env, ctx);
  if (devServed === "workflows") return handleTriggers(request, env);
  // A bot `aerostack dev` serves: its local chat page (any other /bots/… path stays the project's).
  if (isBotPath(url.pathname) && !/\.localhost$/.test(url.hostname)) {
    const chat = await handleDevBots(request, env, LOCAL_ACCOUNT);
    if (chat) return chat;
  }
  const project = projectForRequest(url, env);
  if (!project) {
    return new Response("No project is served at this address. Use http://<project>.localhost:<port>/.\n", {
      status: 404,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }
  return turns.foreground(() => dispatch(request, env, ctx, project));
}

/**
 * The platform's own surfaces `aerostack dev` serves for a project kind that has no code of its own (a workflow: its
 * API for `aerostack workflow …`, /hooks and /agents), named by AEROSTACK_DEV_SURFACES. Function projects keep every
 * path, /api/v1 included, for their own code.
 */
function devSurface(url: URL, env: PlatformEnv): "api" | "workflows" | null {
  const surfaces = env.AEROSTACK_DEV_SURFACES?.split(",") ?? [];
  if (surfaces.length === 0 || /\.localhost$/.test(url.hostname)) return null;
  if (surfaces.includes("api") && isApiPath(url.pathname)) return "api";
  if (surfaces.includes("workflows") && isTriggerPath(url.pathname)) return "workflows";
  return null;
}

/**
 * The self-hosted platform: `<project>[--<env>].<account>.<base domain>` is a project and keeps every path; any
 * other host is the platform's own (API, control, gateway).
 */
function routePlatform(request: Request, env: PlatformEnv, ctx: ExecutionContext, url: URL): Promise<Response> | Response {
  const named = tenantForHost(url.hostname, env.AEROSTACK_BASE_DOMAIN ?? "localhost");
  // Function and gateway requests are foreground: workflow runs in this isolate hold back meanwhile (worker/turns/turns.ts).
  if (named) return turns.foreground(() => dispatch(request, env, ctx, tenantId(named.account, named.project, named.env)));
  if (isApiPath(url.pathname)) return handleApi(request, env, ctx);
  if (isTriggerPath(url.pathname)) return handleTriggers(request, env);
  if (isOAuthPath(url.pathname)) return handleOAuth(request, env);
  if (url.pathname === PLATFORM_MCP_PATH) return handlePlatformMcp(request, env, ctx);
  // Bot webhooks too: the chats' work after an ack waits for the acks in flight (bots/ack-first.ts).
  if (isBotPath(url.pathname)) return turns.foreground(() => handleBots(request, env, ctx));
  if (isDashboardPath(url.pathname)) return handleDashboard(request, env);
  if (url.pathname.startsWith(CONTROL_PREFIX)) return handleControl(request, env, ctx);
  if (url.pathname.startsWith(GATEWAY_PREFIX)) return turns.foreground(() => handleGateway(request, env));
  const base = env.AEROSTACK_BASE_DOMAIN ?? "localhost";
  return json(
    { error: { code: "not_found", message: `This is an Aerostack platform: the API is at /api/v1 (see /api/v1/openapi.json); projects answer at <project>.<account>.${base}` } },
    404,
  );
}
