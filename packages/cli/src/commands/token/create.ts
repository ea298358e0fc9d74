/** `aerostack token create --workspace <ws> --role R --name N`: a member token (mwt_…), printed once with the gateway URL and client entries. */
import { MCP_CLIENTS, ON_PATH, parseExpires, UsageError, WORKSPACE_ROLES, clientSnippet, type McpClient, type WorkspaceRole } from "@aerostack/runtime";
import { defineCommand } from "../../core/command";
import { clientSnippetText } from "../../core/mcp";
import { connect } from "../../core/platform";
import { clientServerName, WORKSPACE_OPTION, workspaceName } from "../../core/workspace";

interface TokenFlags {
  workspace?: string;
  role?: string;
  name?: string;
  expires?: string;
  tool?: string[];
}

const isRole = (value: string): value is WorkspaceRole => (WORKSPACE_ROLES as readonly string[]).includes(value);

export default defineCommand<TokenFlags>({
  path: ["token", "create"],
  description: "Create a member token for a workspace (mwt_…); shown only once, with ready entries for Cursor, Claude Desktop and VS Code",
  options: [
    WORKSPACE_OPTION,
    { flags: "--role <role>", description: `${WORKSPACE_ROLES.join(" | ")}: admin manages, developer lists and calls, read-only calls only read-only tools` },
    { flags: "--name <name>", description: "who or what holds it (shown in the call log)" },
    { flags: "--expires <when>", description: "a duration from now (30d, 12h) or an ISO date-time; default: never" },
    { flags: "--tool <name>", description: "allow only this composed tool (member__tool); repeatable; default: all the role allows", repeatable: true },
  ],
  examples: ["aerostack token create --workspace eng --role developer --name alice", "aerostack token create --workspace eng --role read-only --name ci --expires 30d --tool weather__forecast --json"],
  async handler({ options, globals, out }) {
    const ws = workspaceName(options.workspace);
    if (options.role === undefined || !isRole(options.role)) {
      throw new UsageError(options.role === undefined ? "Which role? Pass --role." : `Unknown role "${options.role}" for --role.`, { hint: `One of: ${WORKSPACE_ROLES.join(", ")}.` });
    }
    if (!options.name?.trim()) throw new UsageError("Name the token with --name (who or what holds it; the call log shows it).", { hint: `For example: \`aerostack token create --workspace ${ws} --role ${options.role} --name alice\`.` });
    const expiresAt = options.expires === undefined ? undefined : parseExpires(options.expires);
    const created = await (await connect()).createWorkspaceToken(ws, {
      name: options.name.trim(),
      role: options.role,
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      ...(options.tool?.length ? { tools: options.tool } : {}),
    });
    const target = { url: created.url, token: created.token };
    const serverName = clientServerName(ws);
    // The token goes to a teammate's machine: their entries run the `aerostack` installed there, not this one's path.
    const clients = Object.fromEntries((Object.keys(MCP_CLIENTS) as McpClient[]).map((client) => [client, clientSnippet(client, serverName, target, ON_PATH)]));
    out.result({ id: created.info.id, workspace: ws, url: created.url, token: created.token, info: created.info, clients }, () => {
      const c = out.color;
      out.info(`${c.green("✔")} Created token ${c.bold(created.info.id)} (${created.info.name}, ${created.info.role}) for ${ws}; shown only this once:\n\n  ${created.token}\n`);
      out.info(`  Gateway: ${c.cyan(created.url)}${created.info.expiresAt ? c.dim(`  (expires ${created.info.expiresAt})`) : ""}\n`);
      for (const client of Object.keys(MCP_CLIENTS) as McpClient[]) {
        const { label, file, json } = clientSnippetText(client, serverName, target, globals.cwd, "  ", ON_PATH);
        out.info(`${c.bold(label)} ${c.dim(`(${file})`)}\n${json}\n`);
      }
      out.info(c.dim(`  Or write it for them: AEROSTACK_WORKSPACE_TOKEN=… aerostack workspace connect ${ws} --client cursor --write`));
      out.info(c.dim(`  Revoke it with \`aerostack token revoke ${created.info.id} --workspace ${ws}\`.`));
    });
  },
});
