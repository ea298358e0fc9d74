/** `aerostack workspace connect <ws> --client C`: print, or merge into the client's config, the entry for one URL and one member token. */
import { parseEndpointUrl, resolvePlatformUrl, UsageError, UserError } from "@aerostack/runtime";
import { defineCommand } from "../../core/command";
import { CLIENT_NAME_PATTERN, parseClient, printOrWriteEntry } from "../../core/mcp";
import { clientServerName, workspaceName } from "../../core/workspace";

interface ConnectFlags {
  client?: string;
  token?: string;
  write?: boolean;
  url?: string;
  name?: string;
  configFile?: string;
}

export default defineCommand<ConnectFlags>({
  path: ["workspace", "connect"],
  description: "Print (or --write) the Cursor, Claude Desktop or VS Code entry for a workspace: its gateway URL and your member token",
  args: ["<workspace>"],
  options: [
    { flags: "--client <client>", description: "cursor, claude or vscode" },
    { flags: "--token <mwt>", description: "your member token (default: $AEROSTACK_WORKSPACE_TOKEN, which keeps it out of process lists)" },
    { flags: "--write", description: "merge the entry into the client's config file (other servers and keys are kept)" },
    { flags: "--url <url>", description: "the gateway URL (default: <platform>/ws/<workspace>, the platform from AEROSTACK_API_URL or your login)" },
    { flags: "--name <name>", description: "server name in the client (default: the workspace's name)" },
    { flags: "--config-file <path>", description: "config file to write instead of the client's usual one" },
  ],
  examples: ["AEROSTACK_WORKSPACE_TOKEN=mwt_… aerostack workspace connect eng --client cursor --write", "aerostack workspace connect eng --client claude --url https://aero.example.com/ws/eng"],
  async handler({ args, options, globals, out }) {
    const ws = workspaceName(args[0], "the workspace");
    const client = parseClient(options.client, `aerostack workspace connect ${ws} --client cursor --write`);
    if (options.name !== undefined && !CLIENT_NAME_PATTERN.test(options.name)) throw new UsageError(`--name must start with a letter and hold only letters, digits, "-" and "_", got "${options.name}".`);
    const token = options.token || process.env.AEROSTACK_WORKSPACE_TOKEN || undefined;
    if (!token) {
      throw new UsageError(`No member token: pass --token or set AEROSTACK_WORKSPACE_TOKEN.`, {
        hint: `A workspace admin makes one with \`aerostack token create --workspace ${ws} --role developer --name <you>\`.`,
      });
    }
    // The token never appears in this message: only its shape is described.
    if (!token.startsWith("mwt_")) throw new UsageError(`That is not a member token: workspace tokens start with "mwt_"${token.startsWith("ak_") ? " (an ak_ account key must never go into a client config)" : ""}.`);
    let url: string;
    if (options.url !== undefined) url = parseEndpointUrl(options.url, "--url").href;
    else {
      const platform = await resolvePlatformUrl();
      if (!platform) throw new UserError("Which platform? Pass --url <gateway url> (token create printed it), or set AEROSTACK_API_URL.", { hint: `For example: --url http://127.0.0.1:8700/ws/${ws}` });
      url = `${new URL(platform).origin}/ws/${ws}`;
    }
    await printOrWriteEntry(out, { client, name: options.name ?? clientServerName(ws), target: { url, token }, root: globals.cwd, cwd: globals.cwd, configFile: options.configFile, write: options.write === true });
  },
});
