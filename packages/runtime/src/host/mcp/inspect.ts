/** `aerostack mcp inspect`: connect with the SDK Client, list what a server offers, or call one tool. */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { importModule } from "../startup/esm-import";
import type { CallToolResult, Implementation, Prompt, Resource, ResourceTemplate, ServerCapabilities, Tool } from "@modelcontextprotocol/sdk/types.js";
import { UserError } from "../errors";
import { createRemoteTransport, describeRemoteError, type RemoteOptions } from "./remote";
import type * as ClientModule from "@modelcontextprotocol/sdk/client/index.js";

export interface ServerListing {
  server: Implementation | null;
  protocolVersion: string | null;
  capabilities: ServerCapabilities;
  instructions: string | null;
  tools: Tool[];
  resources: Resource[];
  resourceTemplates: ResourceTemplate[];
  prompts: Prompt[];
}

/** A page limit, so a server that keeps returning a cursor cannot loop forever. */
const MAX_PAGES = 100;

async function connect(options: RemoteOptions): Promise<Client> {
  const [{ Client }, transport] = await Promise.all([importModule<typeof ClientModule>("@modelcontextprotocol/sdk/client/index.js"), createRemoteTransport(options)]);
  const client = new Client({ name: "aerostack-inspect", version: "1" });
  try {
    await client.connect(transport);
  } catch (err) {
    await client.close().catch(() => undefined);
    throw describeRemoteError(options.url, err, Boolean(options.token));
  }
  return client;
}

/** Connects, runs `work`, and always ends the session (DELETE) and closes, so the server does not keep it. */
async function withClient<T>(options: RemoteOptions, work: (client: Client) => Promise<T>): Promise<T> {
  const client = await connect(options);
  try {
    return await work(client);
  } finally {
    const transport = client.transport as { terminateSession?: () => Promise<void> } | undefined;
    await transport?.terminateSession?.().catch(() => undefined);
    await client.close().catch(() => undefined);
  }
}

async function allPages<T>(fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string | undefined }>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await fetchPage(cursor);
    items.push(...result.items);
    if (!result.nextCursor) break;
    cursor = result.nextCursor;
  }
  return items;
}

/** Everything the server lists; a kind it does not declare in its capabilities is an empty list, not an error. */
export async function inspectServer(options: RemoteOptions): Promise<ServerListing> {
  return withClient(options, async (client) => {
    const caps = client.getServerCapabilities() ?? {};
    const fail = (what: string) => (err: unknown) => {
      const failure = describeRemoteError(options.url, err, Boolean(options.token));
      throw new UserError(`Listing ${what} failed: ${failure.message}`, { ...(failure.hint ? { hint: failure.hint } : {}), cause: err });
    };
    // Independent lists: fetched at once.
    const [tools, resources, resourceTemplates, prompts] = await Promise.all([
      caps.tools ? allPages((cursor) => client.listTools(cursor ? { cursor } : undefined).then((r) => ({ items: r.tools, nextCursor: r.nextCursor }))).catch(fail("tools")) : [],
      caps.resources ? allPages((cursor) => client.listResources(cursor ? { cursor } : undefined).then((r) => ({ items: r.resources, nextCursor: r.nextCursor }))).catch(fail("resources")) : [],
      caps.resources
        ? allPages((cursor) => client.listResourceTemplates(cursor ? { cursor } : undefined).then((r) => ({ items: r.resourceTemplates, nextCursor: r.nextCursor }))).catch(fail("resource templates"))
        : [],
      caps.prompts ? allPages((cursor) => client.listPrompts(cursor ? { cursor } : undefined).then((r) => ({ items: r.prompts, nextCursor: r.nextCursor }))).catch(fail("prompts")) : [],
    ]);
    const transport = client.transport as { protocolVersion?: string } | undefined;
    return {
      server: client.getServerVersion() ?? null,
      protocolVersion: transport?.protocolVersion ?? null,
      capabilities: caps,
      instructions: client.getInstructions() ?? null,
      tools,
      resources,
      resourceTemplates,
      prompts,
    };
  });
}

/**
 * Calls one tool and returns its result, `isError` results included (the caller decides the exit code). A JSON-RPC
 * error (unknown tool, bad arguments the server rejects outright) or a transport failure throws a UserError.
 */
export async function callRemoteTool(options: RemoteOptions & { tool: string; args: Record<string, unknown>; timeoutMs?: number }): Promise<CallToolResult> {
  return withClient(options, async (client) => {
    try {
      return (await client.callTool({ name: options.tool, arguments: options.args }, undefined, options.timeoutMs ? { timeout: options.timeoutMs } : undefined)) as CallToolResult;
    } catch (err) {
      const failure = describeRemoteError(options.url, err, Boolean(options.token));
      const isRpc = (err as { constructor?: { name?: string } }).constructor?.name === "McpError";
      throw new UserError(isRpc ? `Calling tool "${options.tool}" failed: ${(err as Error).message}` : failure.message, {
        hint: isRpc ? "List the server's tools and their input schemas with `aerostack mcp inspect <url>`." : failure.hint,
        cause: err,
      });
    }
  });
}
