/** `aerostack mcp inspect <url>`: list a server's tools, resources and prompts, or call one tool (scripts, CI smoke tests). */
import { callRemoteTool, inspectServer, parseEndpointUrl, UsageError, type ServerListing } from "@aerostack/runtime";
import { defineCommand } from "../core/command";
import { resolveToken, TOKEN_OPTION } from "../core/mcp";
import type { Output } from "../core/output";
import { table } from "../core/table";

interface InspectFlags {
  token?: string;
  call?: string;
  args?: string;
}

type Content = { type: string; text?: string; mimeType?: string; data?: string; uri?: string; resource?: { uri: string; text?: string; mimeType?: string; blob?: string } };

/** `--args` as a JSON object; anything else is a usage error naming the flag. */
function parseArgs(value: string | undefined): Record<string, unknown> {
  if (value === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    throw new UsageError(`--args must be a JSON object: ${(err as Error).message}.`, { hint: `For example: --args '{"city":"Paris"}' (single quotes keep the shell from eating the double quotes).` });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`--args must be a JSON object, got ${Array.isArray(parsed) ? "an array" : JSON.stringify(parsed)}.`, { hint: `For example: --args '{"city":"Paris"}'` });
  }
  return parsed as Record<string, unknown>;
}

const firstLine = (text: string | undefined, max = 70) => {
  const line = (text ?? "").split("\n")[0]!.trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

function renderListing(out: Output, url: string, listing: ServerListing): void {
  const c = out.color;
  const server = listing.server ? `${listing.server.name} ${listing.server.version}` : "MCP server";
  out.info(`${c.bold(server)}  ${c.dim(`${url}${listing.protocolVersion ? ` · protocol ${listing.protocolVersion}` : ""}`)}`);
  const section = (title: string, rows: Record<string, unknown>[]) => {
    out.info(`\n${c.bold(title)} (${rows.length})`);
    if (rows.length) out.info(table(rows));
  };
  section(
    "Tools",
    listing.tools.map((t) => {
      const hints = [t.annotations?.readOnlyHint && "read-only", t.annotations?.destructiveHint && "destructive", t.annotations?.idempotentHint && "idempotent"].filter(Boolean);
      return { name: t.name, description: firstLine(t.description), hints: hints.join(", ") };
    }),
  );
  section("Resources", listing.resources.map((r) => ({ uri: r.uri, name: r.name, type: r.mimeType ?? "" })));
  if (listing.resourceTemplates.length) section("Resource templates", listing.resourceTemplates.map((r) => ({ uriTemplate: r.uriTemplate, name: r.name, type: r.mimeType ?? "" })));
  section("Prompts", listing.prompts.map((p) => ({ name: p.name, description: firstLine(p.description), arguments: (p.arguments ?? []).map((a) => (a.required ? a.name : `${a.name}?`)).join(", ") })));
}

/** Text as text; binary content as a one-line summary (a terminal is no place for base64). */
function renderContent(out: Output, content: Content[], structured: unknown): void {
  for (const item of content) {
    if (item.type === "text") out.info(item.text ?? "");
    else if (item.type === "image" || item.type === "audio") out.info(out.color.dim(`[${item.type} ${item.mimeType ?? ""}, ${Math.floor(((item.data ?? "").length * 3) / 4)} bytes]`));
    else if (item.type === "resource_link") out.info(out.color.dim(`[resource link ${item.uri}]`));
    else if (item.type === "resource" && item.resource) {
      out.info(out.color.dim(`[resource ${item.resource.uri}${item.resource.mimeType ? ` ${item.resource.mimeType}` : ""}]`));
      if (item.resource.text !== undefined) out.info(item.resource.text);
    } else out.info(JSON.stringify(item));
  }
  if (structured !== undefined) out.info(`${out.color.dim("structuredContent:")} ${JSON.stringify(structured, null, 2)}`);
}

export default defineCommand<InspectFlags>({
  path: ["mcp", "inspect"],
  description: "List an MCP server's tools, resources and prompts, or call one tool",
  args: ["<url>"],
  options: [TOKEN_OPTION, { flags: "--call <tool>", description: "call this tool and print its result" }, { flags: "--args <json>", description: "the tool's arguments, a JSON object (with --call)" }],
  examples: [
    "aerostack mcp inspect http://127.0.0.1:8787/mcp",
    `aerostack mcp inspect http://127.0.0.1:8787/mcp --call get_forecast --args '{"city":"Paris"}'`,
    "aerostack mcp inspect http://127.0.0.1:8787/mcp --json",
  ],
  async handler({ args, options, out }) {
    const url = parseEndpointUrl(args[0]!).href;
    const token = resolveToken(options.token);
    const remote = { url, ...(token ? { token } : {}) };
    if (options.call === undefined) {
      if (options.args !== undefined) throw new UsageError("--args needs --call <tool>: it gives the arguments of the tool to call.", { hint: `For example: --call echo --args '{"message":"hi"}'` });
      const listing = await inspectServer(remote);
      out.result(listing, () => renderListing(out, url, listing));
      return;
    }
    const toolArgs = parseArgs(options.args);
    const result = await callRemoteTool({ ...remote, tool: options.call, args: toolArgs });
    out.result(result, () => renderContent(out, result.content as Content[], result.structuredContent));
    if (result.isError) {
      // The result is printed either way (it usually says what went wrong); the exit code tells scripts it failed.
      out.error(`Tool "${options.call}" returned an error (isError).`);
      return 1;
    }
  },
});
