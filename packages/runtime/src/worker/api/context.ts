/** What every API handler receives: the platform env, the caller, path and query parameters, the parsed body. */
import type { PlatformEnv } from "../env";
import type { Caller } from "../accounts/directory";

export interface ApiContext<Body = unknown> {
  env: PlatformEnv;
  ctx: ExecutionContext;
  request: Request;
  url: URL;
  requestId: string;
  /** Null only on routes with `auth: "none"`. */
  caller: Caller | null;
  params: Record<string, string>;
  body: Body;
}

/** The caller of a route that requires auth: the router guarantees it is set. */
export function callerOf(c: ApiContext): Caller {
  if (!c.caller) throw new Error("route needs a caller");
  return c.caller;
}
