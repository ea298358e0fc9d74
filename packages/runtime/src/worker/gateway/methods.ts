/**
 * The gateway's MCP methods: lists fan out to every member in parallel (each under its own timeout, failing open),
 * everything else is routed to one member chosen from the workspace config by the name's or URI's prefix.
 */
import { FAILED_MEMBERS_META, type Member, type WorkspaceConfig } from "../../shared/gateway";
import { FORBIDDEN, INTERNAL_ERROR, INVALID_PARAMS, isObject, METHOD_NOT_FOUND, RpcError, type JsonObject, type JsonRpcMessage } from "./jsonrpc";
import type { WorkspaceRole } from "../../shared/workspaces";
import { namespaceUri, prefixName, splitName, splitUri, URI_SCHEME } from "./names";
import { MemberError, UpstreamRpcError, type Budget, type Upstream } from "./upstream";
import type { MemberRuntime } from "./members";
import { NO_REDACTION, type Redactor } from "./redact";
import type { Relay } from "./relay";
import { isGuarded, withheldTools, type ObservedTool } from "./tool-guard";

export const SUPPORTED_PROTOCOL_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"] as const;
export const LATEST_PROTOCOL_VERSION = SUPPORTED_PROTOCOL_VERSIONS[0];
/** A member's list is followed for at most this many pages. */
const MAX_PAGES = 100;

export function negotiateVersion(requested: unknown): string {
  return typeof requested === "string" && (SUPPORTED_PROTOCOL_VERSIONS as readonly string[]).includes(requested) ? requested : LATEST_PROTOCOL_VERSION;
}

export interface MemberEntry {
  upstream: Upstream;
  runtime: MemberRuntime;
  /** The member's tools by their own name, as last listed in this session (for policy checks on calls). */
  tools?: Map<string, JsonObject>;
  /** A proxied member's tools withheld by the rug-pull guard at its last list in this session (tool-guard.ts). */
  withheld?: Set<string>;
}

/** What the calling token may do: its role and allow-list, and the tools the workspace switched off. */
export interface GatewayPolicy {
  tokenId: string;
  tokenName: string;
  role: WorkspaceRole;
  /** Composed names (`member__tool`) the token may call; null: every tool its role allows. */
  tools: string[] | null;
  /** Per member slug, its own tool names that are switched off. */
  disabledTools: Record<string, string[]>;
  /** Per proxied member slug, the fingerprint of each tool as first seen or accepted (tool-guard.ts). */
  toolPins: Record<string, Record<string, string>>;
}

/** What one client request runs with. */
export interface CallContext {
  workspace: string;
  config: WorkspaceConfig;
  policy: GatewayPolicy;
  protocolVersion: string;
  /** The member's session in this gateway session (created on first use, not yet initialized). */
  member(member: Member): Promise<MemberEntry>;
  /** Messages for the client while the request runs (progress, logs); null when the response is plain JSON. */
  sink: ((message: JsonRpcMessage) => void) | null;
  /** Sends a member's request (sampling, elicitation, roots) to the client and waits for its answer; null without a sink. */
  relay: Relay | null;
  /** Aborted when the client cancels the request. */
  signal: AbortSignal;
  log(line: string): void;
  /** Tells the workspace of a proxied member's tools that differ from their pins; answers which to withhold. */
  observeTools(slug: string, tools: ObservedTool[]): Promise<string[]>;
}

/**
 * A deadline for one piece of work on a member that also ends when `signal` does; `done()` releases its timer and
 * listener once the work has settled. (AbortSignal.any over AbortSignal.timeout cost a timer per call that lived
 * its whole timeout, and was a visible share of a tools/call's CPU time.)
 */
export function budget(timeoutMs: number, signal: AbortSignal): Budget & { done(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, "TimeoutError")), timeoutMs);
  const onAbort = () => controller.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  return {
    signal: controller.signal,
    timeoutMs,
    done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    },
  };
}

/** A member's failure as the error the client gets: its code when it answered with one, always naming the member. */
export function memberError(slug: string, err: unknown, redact: Redactor): RpcError {
  if (err instanceof UpstreamRpcError) {
    const data = redact.value(err.data);
    return new RpcError(err.code, `${slug}: ${redact.text(err.message)}`, data === undefined ? { member: slug } : { member: slug, data });
  }
  if (err instanceof MemberError) return new RpcError(INTERNAL_ERROR, `${slug}: ${redact.text(err.message)}`, { member: slug });
  return new RpcError(INTERNAL_ERROR, `${slug}: the gateway failed to call this member`, { member: slug });
}

function failureText(err: unknown, redact: Redactor): string {
  if (err instanceof UpstreamRpcError) return redact.text(`error ${err.code}: ${err.message}`);
  if (err instanceof MemberError) return redact.text(err.message);
  return "the gateway failed to call this member";
}

const memberTimeout = (ctx: CallContext, member: Member) => member.timeoutMs ?? ctx.config.timeoutMs;

/** Messages a member sends during a request, namespaced as the client sees that member. */
export function rewriteFromMember(slug: string, message: JsonRpcMessage): JsonRpcMessage {
  if (!("method" in message) || !isObject(message.params)) return message;
  if (message.method === "notifications/resources/updated" && typeof message.params.uri === "string") {
    return { ...message, params: { ...message.params, uri: namespaceUri(slug, message.params.uri) } };
  }
  if (message.method === "notifications/message") {
    const logger = typeof message.params.logger === "string" ? `${slug}/${message.params.logger}` : slug;
    return { ...message, params: { ...message.params, logger } };
  }
  return message;
}

type ListKey = "tools" | "resources" | "resourceTemplates" | "prompts";

async function fanOut(
  ctx: CallContext,
  params: JsonObject | undefined,
  capability: "tools" | "resources" | "prompts",
  method: string,
  key: ListKey,
  rewrite: (slug: string, item: JsonObject) => JsonObject | null,
): Promise<JsonObject> {
  // The composed list is never paged (members' pages are followed here), so no cursor of ours can exist.
  if (params?.cursor !== undefined) throw new RpcError(INVALID_PARAMS, "Invalid cursor: the gateway returns complete lists and issues no cursors");
  const failed: { member: string; error: string }[] = [];
  const parts = await Promise.all(
    ctx.config.members.map(async (member): Promise<JsonObject[]> => {
      const b = budget(memberTimeout(ctx, member), ctx.signal);
      let entry: MemberEntry | undefined;
      try {
        entry = await ctx.member(member);
        await entry.upstream.ensureReady(b);
        if (!(capability in entry.upstream.capabilities)) {
          if (key === "tools") entry.withheld = new Set();
          return [];
        }
        const raw: JsonObject[] = [];
        const seen = new Set<string>();
        if (key === "tools") entry.tools = new Map();
        let cursor: string | undefined;
        for (let page = 0; page < MAX_PAGES; page++) {
          const result = await entry.upstream.request(method, cursor === undefined ? undefined : { cursor }, b);
          if (!isObject(result)) throw new MemberError(`answered ${method} without a result object`);
          // A composed workspace's own left-out members are this list's too, named by their path.
          if (member.kind === "workspace") failed.push(...nestedFailures(member.slug, result));
          const list = result[key];
          if (Array.isArray(list)) {
            for (const item of list) {
              if (!isObject(item)) continue;
              if (key === "tools" && typeof item.name === "string") entry.tools?.set(item.name, item);
              raw.push(item);
            }
          }
          const next = result.nextCursor;
          if (typeof next !== "string" || next === "" || seen.has(next)) break;
          seen.add(next);
          cursor = next;
        }
        if (key === "tools" && isGuarded(member)) {
          const withheld = await withheldTools(raw, ctx.policy.toolPins[member.slug], (tools) => ctx.observeTools(member.slug, tools));
          entry.withheld = withheld;
          if (withheld.size > 0) ctx.log(`${method}: member "${member.slug}" withheld ${[...withheld].join(", ")}: changed since accepted`);
          return rewriteAll(member.slug, raw.filter((item) => !withheld.has(item.name as string)), rewrite);
        }
        if (key === "tools") entry.withheld = new Set();
        return rewriteAll(member.slug, raw, rewrite);
      } catch (err) {
        const error = failureText(err, entry?.runtime.redact ?? NO_REDACTION);
        failed.push({ member: member.slug, error });
        ctx.log(`${method}: member "${member.slug}" left out: ${error}`);
        return [];
      } finally {
        b.done();
      }
    }),
  );
  const result: JsonObject = { [key]: parts.flat() };
  if (failed.length > 0) result._meta = { [FAILED_MEMBERS_META]: failed };
  return result;
}

/** A member's items as the client sees them (those `rewrite` drops left out). */
function rewriteAll(slug: string, items: JsonObject[], rewrite: (slug: string, item: JsonObject) => JsonObject | null): JsonObject[] {
  const out: JsonObject[] = [];
  for (const item of items) {
    const rewritten = rewrite(slug, item);
    if (rewritten) out.push(rewritten);
  }
  return out;
}

/** The members a composed workspace's gateway reported as failed (its `_meta`), as `{slug}__{their name}`. */
function nestedFailures(slug: string, result: JsonObject): { member: string; error: string }[] {
  const meta = isObject(result._meta) ? result._meta[FAILED_MEMBERS_META] : undefined;
  if (!Array.isArray(meta)) return [];
  return meta.flatMap((f: unknown) =>
    isObject(f) && typeof f.member === "string" && typeof f.error === "string" ? [{ member: prefixName(slug, f.member), error: f.error }] : [],
  );
}

/** Sends one request to the member the config names, passing its result through untouched unless `rewrite` says. */
async function routed(
  ctx: CallContext,
  member: Member,
  method: string,
  params: JsonObject,
  rewrite: (result: unknown) => unknown = (r) => r,
): Promise<unknown> {
  const entry = await ctx.member(member);
  const call = budget(ctx.config.callTimeoutMs, ctx.signal);
  try {
    // Initializing is discovery (member timeout); the call itself gets the longer call timeout.
    if (!entry.upstream.initialized) {
      const init = budget(memberTimeout(ctx, member), ctx.signal);
      await entry.upstream.ensureReady(init).finally(() => init.done());
    }
    const sink = ctx.sink;
    const forward = sink ? (m: JsonRpcMessage) => sink(rewriteFromMember(member.slug, m)) : undefined;
    return rewrite(await entry.upstream.request(method, params, call, forward, ctx.relay ?? undefined));
  } catch (err) {
    throw memberError(member.slug, err, entry.runtime.redact);
  } finally {
    call.done();
  }
}

function findMember(ctx: CallContext, slug: string): Member | undefined {
  return ctx.config.members.find((m) => m.slug === slug);
}

/** The params (an object) and the string field a routed method cannot do without, or -32602. */
function requireParams(method: string, params: JsonObject | undefined, field: string, what: string): { p: JsonObject; value: string } {
  const value = params?.[field];
  if (!params || typeof value !== "string") {
    throw new RpcError(INVALID_PARAMS, `Invalid params: ${method} needs params.${field} (${what})`);
  }
  return { p: params, value };
}

/** Routes by `{slug}__{name}`; the error for an unknown member says how names are formed. */
function byName(ctx: CallContext, kind: "tool" | "prompt", composed: string): { member: Member; name: string } {
  const split = splitName(composed);
  const member = split ? findMember(ctx, split.slug) : undefined;
  if (!split || !member) {
    const known = ctx.config.members.map((m) => m.slug).join(", ") || "none";
    throw new RpcError(
      INVALID_PARAMS,
      `Unknown ${kind} ${JSON.stringify(composed)}: ${split ? `no member "${split.slug}" in workspace "${ctx.workspace}"` : `not a {member}__{${kind}} name`} (members: ${known})`,
    );
  }
  return { member, name: split.name };
}

function byUri(ctx: CallContext, uri: string): { member: Member; uri: string } {
  const split = splitUri(uri);
  const member = split ? findMember(ctx, split.slug) : undefined;
  if (!split || !member) {
    throw new RpcError(
      INVALID_PARAMS,
      `Unknown resource ${JSON.stringify(uri)}: ${split ? `no member "${split.slug}" in workspace "${ctx.workspace}"` : `resource URIs through the gateway are ${URI_SCHEME}{member}/{uri}`}`,
    );
  }
  return { member, uri: split.uri };
}

function namespaceContents(slug: string) {
  return (result: unknown): unknown => {
    if (!isObject(result) || !Array.isArray(result.contents)) return result;
    return {
      ...result,
      contents: result.contents.map((c: unknown) => (isObject(c) && typeof c.uri === "string" ? { ...c, uri: namespaceUri(slug, c.uri) } : c)),
    };
  };
}

/**
 * Content blocks that name a member's resource (embedded `resource`, `resource_link`) get the gateway's URI for it,
 * so a client can read or subscribe to what a tool or prompt pointed at through the gateway.
 */
function namespaceBlock(slug: string, block: unknown): unknown {
  if (!isObject(block)) return block;
  if (block.type === "resource_link" && typeof block.uri === "string") return { ...block, uri: namespaceUri(slug, block.uri) };
  if (block.type === "resource" && isObject(block.resource) && typeof block.resource.uri === "string") {
    return { ...block, resource: { ...block.resource, uri: namespaceUri(slug, block.resource.uri) } };
  }
  return block;
}

function namespaceToolResult(slug: string) {
  return (result: unknown): unknown => {
    if (!isObject(result) || !Array.isArray(result.content)) return result;
    return { ...result, content: result.content.map((c: unknown) => namespaceBlock(slug, c)) };
  };
}

function namespacePromptResult(slug: string) {
  return (result: unknown): unknown => {
    if (!isObject(result) || !Array.isArray(result.messages)) return result;
    return {
      ...result,
      messages: result.messages.map((m: unknown) => (isObject(m) ? { ...m, content: namespaceBlock(slug, m.content) } : m)),
    };
  };
}

/**
 * Null when the token may call the tool, else why not: switched off in the workspace, outside the token's allow-list,
 * or not annotated read-only for a read-only token. Lists show only what the token may call.
 */
export function mayCall(policy: GatewayPolicy, slug: string, tool: JsonObject): string | null {
  const name = typeof tool.name === "string" ? tool.name : "";
  const composed = prefixName(slug, name);
  if (policy.disabledTools[slug]?.includes(name)) return `${composed} is switched off in this workspace`;
  if (policy.tools && !policy.tools.includes(composed)) return `token "${policy.tokenName}" may call only ${policy.tools.join(", ") || "no tools"}`;
  if (policy.role === "read-only") {
    const annotations = isObject(tool.annotations) ? tool.annotations : {};
    if (annotations.readOnlyHint !== true) return `token "${policy.tokenName}" is read-only, and ${composed} is not annotated readOnlyHint`;
  }
  return null;
}

/** The member's definition of one of its tools: from this session's last list, else listed now. */
async function toolDefinition(ctx: CallContext, member: Member, name: string): Promise<JsonObject> {
  const entry = await ctx.member(member);
  const known = entry.tools?.get(name);
  if (known) return known;
  // Checks that need no annotations need no list.
  if (ctx.policy.role !== "read-only") return { name };
  try {
    await fanOut({ ...ctx, config: { ...ctx.config, members: [member] } }, undefined, "tools", "tools/list", "tools", () => null);
  } catch {
    // A member that cannot list cannot prove a tool read-only: refused below.
  }
  return entry.tools?.get(name) ?? { name };
}

/**
 * The rug-pull guard on a call: a proxied member's tool that changed since it was accepted is refused. A session that
 * has not listed the member yet lists it now (so a client cannot skip the check by calling without listing); a
 * member whose tools cannot be listed cannot be checked, and is refused too.
 */
async function refuseChanged(ctx: CallContext, member: Member, name: string, composed: string): Promise<void> {
  const entry = await ctx.member(member);
  if (!entry.withheld) {
    const listed = await fanOut({ ...ctx, config: { ...ctx.config, members: [member] } }, undefined, "tools", "tools/list", "tools", () => null);
    // A member that failed to list fails the call the same way (its error, redacted, naming it).
    const failed = isObject(listed._meta) ? (listed._meta[FAILED_MEMBERS_META] as { error: string }[] | undefined) : undefined;
    if (failed?.[0]) throw new RpcError(INTERNAL_ERROR, `${member.slug}: ${failed[0].error}`, { member: member.slug });
  }
  const withheld = entry.withheld;
  if (!withheld) throw new RpcError(FORBIDDEN, `Forbidden: ${composed} cannot be checked against the tool the workspace accepted: ${member.slug} did not list its tools`, { reason: "tool_unchecked" });
  if (withheld.has(name)) {
    throw new RpcError(
      FORBIDDEN,
      `Forbidden: ${composed} changed since the workspace accepted it (its description, schema or annotations differ); a workspace admin reviews it with \`aerostack workspace show ${ctx.workspace}\` and accepts it with \`aerostack workspace accept ${ctx.workspace} ${member.slug} --tool ${name}\``,
      { reason: "tool_changed" },
    );
  }
}

const renamed = (slug: string, item: JsonObject): JsonObject | null =>
  typeof item.name === "string" ? { ...item, name: prefixName(slug, item.name) } : null;

export function initializeResult(workspace: string, config: WorkspaceConfig, protocolVersion: string): JsonObject {
  const members = config.members.map((m) => m.slug);
  return {
    protocolVersion,
    capabilities: {
      tools: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      prompts: { listChanged: true },
      logging: {},
      completions: {},
    },
    serverInfo: { name: "aerostack-gateway", title: `Aerostack workspace "${workspace}"`, version: "0.1.0" },
    instructions:
      `This is an Aerostack workspace gateway composing ${members.length} MCP server${members.length === 1 ? "" : "s"}` +
      `${members.length ? ` (${members.join(", ")})` : ""}. Tools and prompts are named {server}__{name}; ` +
      `resource URIs are ${URI_SCHEME}{server}/{uri}.`,
  };
}

/** Answers one request (other than initialize, which the session handles). Throws RpcError for error responses. */
export async function handleMethod(ctx: CallContext, method: string, params: JsonObject | undefined): Promise<unknown> {
  switch (method) {
    case "ping":
      return {};
    case "tools/list":
      return fanOut(ctx, params, "tools", method, "tools", (slug, item) => (mayCall(ctx.policy, slug, item) === null ? renamed(slug, item) : null));
    case "prompts/list":
      return fanOut(ctx, params, "prompts", method, "prompts", renamed);
    case "resources/list":
      return fanOut(ctx, params, "resources", method, "resources", (slug, item) =>
        typeof item.uri === "string" ? { ...item, uri: namespaceUri(slug, item.uri), ...(typeof item.name === "string" ? { name: prefixName(slug, item.name) } : {}) } : null,
      );
    case "resources/templates/list":
      return fanOut(ctx, params, "resources", method, "resourceTemplates", (slug, item) =>
        typeof item.uriTemplate === "string"
          ? { ...item, uriTemplate: namespaceUri(slug, item.uriTemplate), ...(typeof item.name === "string" ? { name: prefixName(slug, item.name) } : {}) }
          : null,
      );
    case "tools/call": {
      const { p, value } = requireParams(method, params, "name", "the tool's name, {member}__{tool}");
      const { member, name } = byName(ctx, "tool", value);
      if (ctx.policy.disabledTools[member.slug]?.includes(name)) {
        throw new RpcError(INVALID_PARAMS, `Unknown tool ${JSON.stringify(value)}: it is switched off in workspace "${ctx.workspace}"`);
      }
      if (isGuarded(member)) await refuseChanged(ctx, member, name, value);
      const refusal = mayCall(ctx.policy, member.slug, await toolDefinition(ctx, member, name));
      if (refusal) throw new RpcError(FORBIDDEN, `Forbidden: ${refusal}`);
      return routed(ctx, member, method, { ...p, name }, namespaceToolResult(member.slug));
    }
    case "prompts/get": {
      const { p, value } = requireParams(method, params, "name", "the prompt's name, {member}__{prompt}");
      const { member, name } = byName(ctx, "prompt", value);
      return routed(ctx, member, method, { ...p, name }, namespacePromptResult(member.slug));
    }
    case "resources/read":
    case "resources/subscribe":
    case "resources/unsubscribe": {
      const { p, value } = requireParams(method, params, "uri", `a resource URI, ${URI_SCHEME}{member}/{uri}`);
      const { member, uri } = byUri(ctx, value);
      return routed(ctx, member, method, { ...p, uri }, method === "resources/read" ? namespaceContents(member.slug) : undefined);
    }
    case "completion/complete": {
      const ref = params?.ref;
      if (!isObject(ref)) throw new RpcError(INVALID_PARAMS, "Invalid params: completion/complete needs params.ref");
      if (ref.type === "ref/prompt" && typeof ref.name === "string") {
        const { member, name } = byName(ctx, "prompt", ref.name);
        return routed(ctx, member, method, { ...params, ref: { ...ref, name } });
      }
      if (ref.type === "ref/resource" && typeof ref.uri === "string") {
        const { member, uri } = byUri(ctx, ref.uri);
        return routed(ctx, member, method, { ...params, ref: { ...ref, uri } });
      }
      throw new RpcError(INVALID_PARAMS, 'Invalid params: params.ref must be {type: "ref/prompt", name} or {type: "ref/resource", uri}');
    }
    case "logging/setLevel": {
      if (typeof params?.level !== "string") throw new RpcError(INVALID_PARAMS, "Invalid params: logging/setLevel needs params.level");
      // Every member that logs gets the level; one that fails does not fail the request.
      await Promise.all(
        ctx.config.members.map(async (member) => {
          try {
            const entry = await ctx.member(member);
            const b = budget(memberTimeout(ctx, member), ctx.signal);
            try {
              await entry.upstream.ensureReady(b);
              if ("logging" in entry.upstream.capabilities) await entry.upstream.request(method, params, b);
            } finally {
              b.done();
            }
          } catch {
            ctx.log(`logging/setLevel: member "${member.slug}" did not take the level`);
          }
        }),
      );
      return {};
    }
    default:
      throw new RpcError(METHOD_NOT_FOUND, `Method not found: ${method}`);
  }
}
