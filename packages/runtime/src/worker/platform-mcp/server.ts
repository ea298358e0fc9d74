/**
 * The platform's own MCP server at `/mcp/platform`, so agents can build on the platform: plan, scaffold, create,
 * deploy, publish, install, list, get, logs. Authenticated with an account key (`Authorization: Bearer ak_…`); every
 * tool calls the same API handler the CLI reaches (worker/api/handlers, the body checked by the route's own zod
 * schema, the caller from the key), so an agent can do what the CLI can, and no more.
 *
 * Served lean, like the gateway (worker/gateway/): Streamable HTTP without sessions, each POST answered with JSON,
 * no SDK objects built per request. GET and DELETE get 405, which the spec allows a server without a stream.
 */
import * as z from "zod/mini";
import type { PlatformEnv } from "../env";
import type { Caller } from "../accounts/directory";
import { authenticate } from "../api/router";
import { HANDLERS } from "../api/handlers/index";
import { PLATFORM_VERSION } from "../api/handlers/meta";
import type { ApiContext } from "../api/context";
import { HttpError } from "../http/http-error";
import { readBodyText } from "../http/body";
import { serveHttp, type Surface } from "../http/middleware";
import { tenantId } from "../projects/tenant";
import type { BindingExports } from "../isolates/loader";
import { errorOf, httpError, isRequest, resultOf, validateMessage, type JsonRpcMessage, type JsonRpcRequest, type JsonRpcResponse } from "../gateway/jsonrpc";
import { negotiateVersion } from "../gateway/methods";
import { API_PREFIX, API_ROUTES, DEFAULT_ENV, PlatformMcpInputs, type PlatformMcpTool, type RouteName } from "../../shared/api";
import { INVALID_PARAMS, INVALID_REQUEST, MAX_BATCH, MAX_BODY_BYTES, METHOD_NOT_FOUND, PARSE_ERROR, SERVER_ERROR } from "../../shared/jsonrpc";
import type { AiRpc } from "../../shared/wire/ai";
import { plan } from "./plan";
import { scaffold, templateNames } from "./scaffold";
import { bundleInWorker } from "./bundle";

export const PLATFORM_MCP_PATH = "/mcp/platform";

interface Scope {
  env: PlatformEnv;
  ctx: ExecutionContext;
  caller: Caller;
  origin: string;
  requestId: string;
}

type Annotations = { readOnlyHint?: boolean; destructiveHint?: boolean; idempotentHint?: boolean; openWorldHint?: boolean };

const READ: Annotations = { readOnlyHint: true, destructiveHint: false, openWorldHint: false };

/** Each tool: what agents read, its hints (destructive ones say so), and what it does through the API handlers. */
const TOOLS: Record<PlatformMcpTool, { description: string; annotations: Annotations; run(s: Scope, input: never): Promise<unknown> }> = {
  plan: {
    description: "Plan what to build from a description: a blueprint of projects (with templates), the workspace and its members, workflows, and the tool calls to make, in order. Creates nothing.",
    annotations: READ,
    run: (s, input: z.output<typeof PlatformMcpInputs.plan>) => plan(ai(s), input.description),
  },
  scaffold: {
    description: "The files of a template (mcp-server, function, skill, workflow, workspace) with the project's name filled in, and its aerostack.toml. Creates nothing.",
    annotations: READ,
    run: async (_s, input: z.output<typeof PlatformMcpInputs.scaffold>) => scaffold(input.template, input.name, PLATFORM_VERSION),
  },
  create: {
    description: "Create a workspace (its gateway is <platform>/ws/<name>) and add deployed projects of your account as its members.",
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    run: async (s, input: z.output<typeof PlatformMcpInputs.create>) => {
      let info = await callRoute(s, "createWorkspace", {}, { name: input.workspace });
      for (const m of input.members) info = await callRoute(s, "putMember", { workspace: input.workspace, member: m.slug }, { member: { kind: "project", slug: m.slug, project: m.project } });
      return info;
    },
  },
  deploy: {
    description:
      "Deploy a project: `code` is an already-bundled ES module (what `aerostack build` writes); or `files` with one self-contained JavaScript module (imports need the host's bundler: run `aerostack deploy`, or bundle and pass `code`), its aerostack.toml and migrations/*.sql. Replaces the live version.",
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    run: (s, input: z.output<typeof PlatformMcpInputs.deploy>) => {
      const bundle = bundleInWorker(input);
      return callRoute(s, "deploy", { project: input.project }, bundle, { env: DEFAULT_ENV });
    },
  },
  publish: {
    description: "Publish a deployed project to the hub as @account/name at a semver version. Versions are immutable: a published version cannot be changed.",
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    run: (s, input: z.output<typeof PlatformMcpInputs.publish>) => callRoute(s, "hubPublish", {}, input),
  },
  install: {
    description: "Install a hub package into one of your workspaces at a pinned version; its tools appear as <as>__<tool>.",
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    run: (s, input: z.output<typeof PlatformMcpInputs.install>) => {
      const [scope = "", name = ""] = input.package.slice(1).split("/");
      return callRoute(s, "hubInstall", { scope, name }, { workspace: input.workspace, version: input.version, as: input.as });
    },
  },
  list: {
    description: "List your projects, workspaces, a project's deployments, hub packages (query: what they should do), or the templates.",
    annotations: READ,
    run: async (s, input: z.output<typeof PlatformMcpInputs.list>) => {
      if (input.what === "projects") return callRoute(s, "listProjects", {});
      if (input.what === "workspaces") return callRoute(s, "listWorkspaces", {});
      if (input.what === "templates") return { templates: templateNames() };
      if (input.what === "packages") return callRoute(s, "hubSearch", {}, undefined, { q: input.query ?? "" });
      if (!input.project) throw new HttpError("invalid_body", "list deployments needs `project`");
      return callRoute(s, "listDeployments", { project: input.project }, undefined, { env: DEFAULT_ENV });
    },
  },
  get: {
    description: "One project (environments, active version, URL), workspace (members, gateway URL) or hub package (@account/name: tools, versions).",
    annotations: READ,
    run: async (s, input: z.output<typeof PlatformMcpInputs.get>) => {
      if (input.what === "project") return callRoute(s, "getProject", { project: input.name });
      if (input.what === "workspace") return callRoute(s, "getWorkspace", { workspace: input.name });
      const [scope = "", name = ""] = input.name.replace(/^@/, "").split("/");
      return callRoute(s, "hubInfo", { scope, name });
    },
  },
  logs: {
    description: "Recent logs: a project's requests, console output and exceptions, or a workspace gateway's call log.",
    annotations: READ,
    run: async (s, input: z.output<typeof PlatformMcpInputs.logs>) => {
      const query: Record<string, string> = input.limit ? { limit: String(input.limit) } : {};
      if (input.workspace) return callRoute(s, "workspaceLogs", { workspace: input.workspace }, undefined, query);
      if (!input.project) throw new HttpError("invalid_body", "logs needs `project` or `workspace`");
      return callRoute(s, "logs", { project: input.project }, undefined, { env: DEFAULT_ENV, ...query });
    },
  },
};

/** tools/list's answer, built once per isolate: the JSON schemas come from the zod schemas in shared/api.ts. */
let toolList: unknown[] | undefined;
function listTools(): unknown[] {
  return (toolList ??= (Object.keys(TOOLS) as PlatformMcpTool[]).map((name) => {
    const { $schema: _drop, ...inputSchema } = z.toJSONSchema(PlatformMcpInputs[name], { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
    return { name, description: TOOLS[name].description, inputSchema, annotations: TOOLS[name].annotations };
  }));
}

/** env.AI for `plan`, scoped to the caller's account (its usage is logged under `<account>.platform-mcp`). */
function ai(s: Scope): AiRpc {
  const exports = (s.ctx as unknown as { exports: BindingExports }).exports;
  return exports.ScopedAI({ props: { project: tenantId(s.caller.account, "platform-mcp", DEFAULT_ENV) } }) as unknown as AiRpc;
}

/**
 * Runs an API route's handler as the router would: the route's auth kind, its body through its own zod schema, its
 * path parameters and query on a URL of this platform.
 */
async function callRoute(s: Scope, name: RouteName, params: Record<string, string>, body?: unknown, query: Record<string, string> = {}): Promise<unknown> {
  const spec = API_ROUTES[name];
  if (spec.auth === "admin" && !s.caller.admin) throw new HttpError("forbidden", "only the platform's admin account may do this");
  let parsed: unknown;
  if ("body" in spec && spec.body) {
    const result = (spec.body as z.ZodMiniType).safeParse(body ?? {});
    if (!result.success) {
      const first = result.error.issues[0];
      throw new HttpError("invalid_body", `${first?.path.join(".") || "input"}: ${first?.message ?? "invalid"}`);
    }
    parsed = result.data;
  }
  const url = new URL(`${s.origin}${API_PREFIX}${spec.path.replace(/:([a-z]+)/g, (_m, key: string) => encodeURIComponent(params[key] ?? ""))}`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const c: ApiContext<never> = { env: s.env, ctx: s.ctx, request: new Request(url, { method: spec.method }), url, requestId: s.requestId, caller: s.caller, params, body: parsed as never };
  return (HANDLERS[name] as (c: ApiContext<never>) => Promise<unknown>)(c);
}

async function callTool(s: Scope, params: Record<string, unknown> | undefined): Promise<unknown> {
  const name = params?.name;
  if (typeof name !== "string" || !(name in TOOLS)) throw new RpcFailure(INVALID_PARAMS, `Unknown tool: ${String(name).slice(0, 64)}`);
  const tool = name as PlatformMcpTool;
  const input = PlatformMcpInputs[tool].safeParse(params?.arguments ?? {});
  if (!input.success) {
    const first = input.error.issues[0];
    return toolError(`invalid arguments: ${first?.path.join(".") || "arguments"}: ${first?.message ?? "invalid"}`);
  }
  try {
    const result = await TOOLS[tool].run(s, input.data as never);
    return { content: [{ type: "text", text: JSON.stringify(result, null, 2) }], structuredContent: result };
  } catch (err) {
    // The API's own errors (code and message) reach the agent as tool errors, as the CLI prints them.
    if (err instanceof HttpError) return toolError(`${err.code}: ${err.message}`);
    throw err;
  }
}

const toolError = (text: string) => ({ content: [{ type: "text", text }], isError: true });

class RpcFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

async function answer(s: Scope, message: JsonRpcRequest): Promise<JsonRpcResponse> {
  try {
    switch (message.method) {
      case "initialize":
        return resultOf(message.id, {
          protocolVersion: negotiateVersion(message.params?.protocolVersion),
          capabilities: { tools: { listChanged: false } },
          serverInfo: { name: "aerostack-platform", version: PLATFORM_VERSION },
          instructions: "Build on this Aerostack platform: plan, scaffold, deploy, create a workspace, publish to the hub. Each tool acts as your account, through the same API and checks as the aerostack CLI.",
        });
      case "ping":
        return resultOf(message.id, {});
      case "tools/list":
        return resultOf(message.id, { tools: listTools() });
      case "tools/call":
        return resultOf(message.id, await callTool(s, message.params));
      default:
        return errorOf(message.id, { code: METHOD_NOT_FOUND, message: `Method not found: ${message.method}` });
    }
  } catch (err) {
    if (err instanceof RpcFailure) return errorOf(message.id, { code: err.code, message: err.message });
    throw err;
  }
}

const SURFACE: Surface = {
  name: "platform-mcp",
  error: (err, headers) => httpError(err.status, SERVER_ERROR, err.message, err.status === 401 ? { ...headers, "www-authenticate": 'Bearer realm="aerostack"' } : headers),
  browsers: { exposed: "Mcp-Protocol-Version, WWW-Authenticate", refusal: "Forbidden: the platform MCP server only accepts browser requests from localhost origins" },
};

export function handlePlatformMcp(request: Request, env: PlatformEnv, ctx: ExecutionContext): Promise<Response> {
  return serveHttp(request, SURFACE, async ({ requestId }) => {
    if (request.method !== "POST") {
      return httpError(405, SERVER_ERROR, `Method Not Allowed: ${PLATFORM_MCP_PATH} takes POST (no event stream, no sessions)`, { allow: "POST" });
    }
    const caller = await authenticate(request, env, "account", {});
    if (!caller) throw new HttpError("unauthorized", "this server needs an account key");
    if (!(request.headers.get("content-type") ?? "").toLowerCase().includes("application/json")) {
      return httpError(415, INVALID_REQUEST, "Unsupported Media Type: Content-Type must be application/json");
    }
    let raw: unknown;
    try {
      raw = JSON.parse(await readBodyText(request, MAX_BODY_BYTES));
    } catch (err) {
      if (err instanceof HttpError) throw err;
      return httpError(400, PARSE_ERROR, "Parse error: the body is not valid JSON");
    }
    const batch = Array.isArray(raw);
    const items = batch ? (raw as unknown[]) : [raw];
    if (items.length === 0 || items.length > MAX_BATCH) return httpError(400, INVALID_REQUEST, `Invalid Request: a batch holds 1 to ${MAX_BATCH} messages`);
    const messages: JsonRpcMessage[] = [];
    for (const item of items) {
      const checked = validateMessage(item);
      if (!checked.ok) return httpError(400, INVALID_REQUEST, `Invalid Request: ${checked.reason}`, {}, checked.id);
      messages.push(checked.message);
    }
    const scope: Scope = { env, ctx, caller, origin: new URL(request.url).origin, requestId };
    const answers = await Promise.all(messages.filter(isRequest).map((m) => answer(scope, m)));
    // Notifications and responses only: accepted, nothing to say (Streamable HTTP).
    if (answers.length === 0) return new Response(null, { status: 202 });
    return new Response(JSON.stringify(batch ? answers : answers[0]), { status: 200, headers: { "content-type": "application/json", "cache-control": "no-store" } });
  });
}
