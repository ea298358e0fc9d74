/**
 * Function-backed tools: a module that exports `tools` (name, description, zod or JSON schema, annotations, handler)
 * is served as an MCP server at `/mcp` by `serveTools`, while every other path still reaches its own fetch handler.
 * The same tool server serves a skill's one tool (./skill.ts). Arguments are checked against the schema before a
 * handler runs; a bad call is a tool error naming the field, never a crash of the session.
 *
 *     export const tools = [{ name: "lookup_order", description: "…", inputSchema: z.object({ id: z.string() }),
 *       annotations: { readOnlyHint: true }, handler: async ({ id }, env) => ({ id, status: "shipped" }) }];
 *     export default { fetch: (request, env) => new Response("orders") };
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult, type Tool } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { PROJECT_MCP_PATH } from "../shared/gateway";
import { TOOL_NAME_PATTERN } from "../shared/skills";
import { serveMcp } from "./index";

type JsonObject = Record<string, unknown>;

/** What a handler gets besides its arguments: the SDK's per-request extras (abort signal, progress, …). */
export type ToolExtra = Parameters<Parameters<Server["setRequestHandler"]>[1]>[1];

/** One tool as a module exports it. `inputSchema` is a zod object, a zod raw shape (`{ id: z.string() }`) or JSON Schema. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a handler declares its own input type; the schema checks it at run time
export interface ToolDefinition<Env = unknown, Input = any> {
  name: string;
  title?: string;
  description: string;
  inputSchema?: unknown;
  outputSchema?: unknown;
  annotations?: Tool["annotations"];
  /**
   * Returns the tool's answer: a string (text), a full MCP result (`{ content, isError?, structuredContent? }`), or
   * any other value (sent as JSON text, and as structured content when it is an object).
   */
  handler(input: Input, env: Env, extra: ToolExtra): unknown;
}

/** A tool ready to serve: its JSON schemas for tools/list and one validator for tools/call. */
export interface ServedTool<Env = unknown> {
  tool: Tool;
  validate(input: unknown): { ok: true; value: JsonObject } | { ok: false; message: string };
  validateOutput?: (output: unknown) => { ok: true } | { ok: false; message: string };
  run(input: JsonObject, env: Env, extra: ToolExtra): Promise<CallToolResult>;
}

interface ZodLike {
  safeParse(value: unknown): { success: true; data: unknown } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
}

const isZod = (value: unknown): value is ZodLike & z.ZodType =>
  value !== null && typeof value === "object" && typeof (value as ZodLike).safeParse === "function" && "_zod" in (value as object);

/** `{ id: z.string() }`: an object whose every value is a zod schema (the SDK's registerTool shape). */
const isZodShape = (value: unknown): value is Record<string, z.ZodType> =>
  value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length > 0 && Object.values(value).every(isZod);

function describeIssues(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.map(String).join(".") : "(arguments)"}: ${i.message}`)
    .join("; ");
}

/** A zod schema for `schema` (zod as given, a raw shape made an object, JSON Schema converted), plus its JSON Schema. */
function compileSchema(schema: unknown, where: string): { zod: ZodLike; json: JsonObject } {
  if (schema === undefined) return { zod: z.object({}).loose(), json: { type: "object", properties: {} } };
  if (isZodShape(schema)) schema = z.object(schema);
  if (isZod(schema)) {
    const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonObject;
    delete json.$schema;
    if (json.type !== "object") throw new TypeError(`${where} must be an object schema (z.object({ … })), got ${String(json.type ?? "another type")}`);
    return { zod: schema, json };
  }
  if (schema !== null && typeof schema === "object" && !Array.isArray(schema)) {
    const json = schema as JsonObject;
    if (json.type !== "object") throw new TypeError(`${where} must be a JSON Schema of type "object"`);
    try {
      return { zod: z.fromJSONSchema(json as Parameters<typeof z.fromJSONSchema>[0]), json };
    } catch (err) {
      throw new TypeError(`${where} is not a JSON Schema this platform can check: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  throw new TypeError(`${where} must be a zod schema, a map of zod schemas, or a JSON Schema object`);
}

/** A handler's return value as MCP tool content. */
export function toToolResult(value: unknown, structured: boolean): CallToolResult {
  if (typeof value === "string") return { content: [{ type: "text", text: value }] };
  if (value !== null && typeof value === "object" && Array.isArray((value as CallToolResult).content)) return value as CallToolResult;
  const text = value === undefined ? "" : JSON.stringify(value, null, 2);
  const result: CallToolResult = { content: [{ type: "text", text }] };
  if (structured && value !== null && typeof value === "object" && !Array.isArray(value)) result.structuredContent = value as JsonObject;
  return result;
}

/** Checks one definition and compiles its schemas; throws a TypeError naming the tool and what is wrong. */
export function serveToolDefinition<Env>(def: ToolDefinition<Env>, index: number): ServedTool<Env> {
  const label = `tools[${index}]${def && typeof def.name === "string" ? ` (${def.name})` : ""}`;
  if (def === null || typeof def !== "object") throw new TypeError(`${label} must be an object { name, description, inputSchema, handler }`);
  if (typeof def.name !== "string" || !TOOL_NAME_PATTERN.test(def.name)) throw new TypeError(`${label}: name must be 1-64 letters, digits, _ or -`);
  if (typeof def.description !== "string" || def.description.trim() === "") throw new TypeError(`${label}: description is required (models choose tools by it)`);
  if (typeof def.handler !== "function") throw new TypeError(`${label}: handler must be a function (input, env, extra) => result`);
  const input = compileSchema(def.inputSchema, `${label}: inputSchema`);
  const output = def.outputSchema === undefined ? undefined : compileSchema(def.outputSchema, `${label}: outputSchema`);
  const tool: Tool = {
    name: def.name,
    ...(def.title !== undefined ? { title: def.title } : {}),
    description: def.description,
    inputSchema: input.json as Tool["inputSchema"],
    ...(output ? { outputSchema: output.json as Tool["outputSchema"] } : {}),
    ...(def.annotations !== undefined ? { annotations: def.annotations } : {}),
  };
  const check = (schema: ZodLike, value: unknown) => {
    const parsed = schema.safeParse(value);
    return parsed.success ? ({ ok: true, value: parsed.data as JsonObject } as const) : ({ ok: false, message: describeIssues(parsed.error.issues) } as const);
  };
  return {
    tool,
    validate: (value) => check(input.zod, value ?? {}),
    ...(output ? { validateOutput: (value: unknown) => check(output.zod, value) } : {}),
    async run(args, env, extra) {
      return toToolResult(await def.handler(args, env, extra), output !== undefined);
    },
  };
}

/** Tool error content: what the client (and the model behind it) reads to correct its call. */
export const toolError = (text: string): CallToolResult => ({ isError: true, content: [{ type: "text", text }] });

/** A low-level SDK server answering tools/list and tools/call for `tools`; one per MCP session. */
export function createToolServer<Env>(info: { name: string; version: string }, tools: ServedTool<Env>[], env: Env): Server {
  const server = new Server(info, { capabilities: { tools: { listChanged: false } } });
  const byName = new Map(tools.map((t) => [t.tool.name, t]));
  const listed = tools.map((t) => t.tool);
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listed }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const served = byName.get(request.params.name);
    if (!served) return toolError(`Unknown tool "${request.params.name}"; tools/list names the tools of this server`);
    const input = served.validate(request.params.arguments);
    if (!input.ok) return toolError(`Invalid arguments for ${served.tool.name}: ${input.message}`);
    try {
      const result = await served.run(input.value, env, extra);
      if (served.validateOutput && result.structuredContent !== undefined && !result.isError) {
        const checked = served.validateOutput(result.structuredContent);
        if (!checked.ok) return toolError(`${served.tool.name} returned a result that does not match its output schema: ${checked.message}`);
      }
      return result;
    } catch (err) {
      // The handler's own message: the caller's model may retry with other arguments. The stack stays in the logs.
      console.error(err);
      return toolError(`${served.tool.name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  return server;
}

type Handler = (...args: unknown[]) => unknown;

/** The module's handler for `name` (fetch, queue, scheduled): on a plain object, or on a WorkerEntrypoint-style class. */
function moduleHandler(main: unknown, name: string): Handler | undefined {
  if (typeof main === "function" && typeof (main.prototype as Record<string, unknown> | undefined)?.[name] === "function") {
    const Ctor = main as new (ctx: unknown, env: unknown) => Record<string, Handler>;
    return (arg: unknown, env: unknown, ctx: unknown) => new Ctor(ctx, env)[name]!(arg);
  }
  const fn = (main as Record<string, unknown> | undefined)?.[name];
  return typeof fn === "function" ? (fn as Handler).bind(main) : undefined;
}

/**
 * The default export the platform runs for a module with a `tools` export: `/mcp` serves its tools (Streamable
 * HTTP), every other path goes to the module's own fetch (404 without one), and its queue and scheduled handlers are
 * kept. The definitions are checked once, when the module loads: a bad one fails the deploy, not the first call.
 */
export function serveTools(mod: { default?: unknown; tools?: unknown }, info: { name?: string; version?: string } = {}): Record<string, Handler> {
  if (!Array.isArray(mod.tools)) throw new TypeError("`tools` must be an array of tool definitions: export const tools = [{ name, description, inputSchema, handler }]");
  const served = (mod.tools as ToolDefinition[]).map((def, i) => serveToolDefinition(def, i));
  const seen = new Set<string>();
  for (const t of served) {
    if (seen.has(t.tool.name)) throw new TypeError(`two tools are named "${t.tool.name}"; tool names must be unique`);
    seen.add(t.tool.name);
  }
  const userFetch = moduleHandler(mod.default, "fetch");
  const serverInfo = { name: info.name ?? "tools", version: info.version ?? "1.0.0" };
  const fetch = serveMcp((env) => createToolServer(serverInfo, served, env), {
    path: PROJECT_MCP_PATH,
    // Only /mcp is taken: /sse and /messages may be the function's own routes.
    ssePath: false,
    fallback: (request, env, ctx) =>
      userFetch ? (userFetch(request, env, ctx) as Response | Promise<Response>) : new Response(`Not found. This function serves its tools at ${PROJECT_MCP_PATH}.`, { status: 404 }),
  });
  const handlers: Record<string, Handler> = { fetch: fetch as Handler };
  for (const name of ["queue", "scheduled"]) {
    const h = moduleHandler(mod.default, name);
    if (h) handlers[name] = h;
  }
  return handlers;
}
