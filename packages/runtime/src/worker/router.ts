/** The router: control API for the host, otherwise the project named by the request's host (or the dev default). */
import type { PlatformEnv } from "./env";
import { CONTROL_PREFIX, handleControl } from "./control/api";
import { dispatch } from "./dispatch/dispatch";
import { ProjectIdSchema } from "../shared/protocol";
import { GATEWAY_PREFIX, handleGateway } from "./gateway/http";

/** `{project}.localhost` (and `{project}.localhost:port`) names a project; anything else gets the default one. */
export function projectForRequest(url: URL, env: PlatformEnv): string | undefined {
  const match = /^([a-z0-9-]+)\.localhost$/.exec(url.hostname);
  if (match && ProjectIdSchema.safeParse(match[1]).success) return match[1];
  return env.AEROSTACK_DEFAULT_PROJECT;
}

export async function route(request: Request, env: PlatformEnv, ctx: ExecutionContext): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname.startsWith(CONTROL_PREFIX)) return handleControl(request, env, ctx);
  // Workspace gateways live on the platform's own host; `{project}.localhost` keeps every path for the project.
  if (url.pathname.startsWith(GATEWAY_PREFIX) && !/\.localhost$/.test(url.hostname)) return handleGateway(request, env);
  const project = projectForRequest(url, env);
  if (!project) {
    return new Response("No project is served at this address. Use http://<project>.localhost:<port>/.\n", {
      status: 404,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }
  return dispatch(request, env, ctx, project);
}
