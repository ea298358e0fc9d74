/** `aerostack mcp config --client cursor|claude|vscode`: print, or merge into the client's config file, an entry for the project's MCP server. */
import {
  liveDevLock,
  loadProjectConfig,
  MCP_CLIENTS,
  parseEndpointUrl,
  UsageError,
  type McpTarget,
} from "@aerostack/runtime";
import { defineCommand, type GlobalOptions } from "../core/command";
import { CLIENT_NAME_PATTERN, parseClient, printOrWriteEntry, resolveToken, TOKEN_OPTION } from "../core/mcp";

interface ConfigFlags {
  client?: string;
  write?: boolean;
  url?: string;
  name?: string;
  gateway?: boolean;
  token?: string;
  configFile?: string;
}

const CLIENT_NAMES = Object.keys(MCP_CLIENTS).join(", ");

/** A client reaches local servers on loopback, whatever address `aerostack dev` binds. */
const clientHost = (host: string) => (host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host);

/**
 * What the entry points at. By default the project's own `/mcp`: it needs no token and survives restarts. The dev
 * gateway (`--gateway`) also composes `[[mcp.proxy]]` servers, but its token changes on every `aerostack dev` start.
 */
async function resolveTarget(options: ConfigFlags, globals: GlobalOptions, token: string | undefined): Promise<{ target: McpTarget; name: string; root: string }> {
  if (options.url !== undefined) {
    if (options.gateway) throw new UsageError("--url and --gateway both choose the endpoint: pass one of them.");
    return { target: { url: parseEndpointUrl(options.url, "--url").href, ...(token ? { token } : {}) }, name: options.name ?? "aerostack", root: globals.cwd };
  }
  const { config, root } = await loadProjectConfig({ cwd: globals.cwd, ...(globals.config ? { configPath: globals.config } : {}) });
  // A running `aerostack dev` knows its real address (it may have been started with --port); else aerostack.toml's.
  const running = await liveDevLock(root, config.name);
  const base = running ? running.url : `http://${clientHost(config.dev.host)}:${config.dev.port}`;
  if (options.gateway) {
    if (!token) {
      throw new UsageError("The dev gateway needs the dev token: pass --token (or set AEROSTACK_TOKEN).", {
        hint: "`aerostack dev` prints it (Token: mwt_dev_…); it changes on every start, so run this again after restarting dev.",
      });
    }
    return { target: { url: `${base}/ws/dev`, token }, name: options.name ?? "aerostack-dev", root };
  }
  // A skill is served as an MCP server too (its one tool, at /mcp), exactly as an mcp-server project is.
  if (config.type !== "mcp-server" && config.type !== "skill") {
    const proxies = config.mcp?.proxy.length ?? 0;
    throw new UsageError(`Project "${config.name}" is a ${config.type}, not an MCP server or a skill: it has no /mcp endpoint of its own.`, {
      hint: proxies
        ? "Its [[mcp.proxy]] servers are reached through the dev gateway: pass --gateway --token <the token `aerostack dev` prints>."
        : "Pass --url <endpoint> for another server, or create one with `aerostack init --template mcp-server`.",
    });
  }
  return { target: { url: `${base}/mcp`, ...(token ? { token } : {}) }, name: options.name ?? config.name, root };
}

export default defineCommand<ConfigFlags>({
  path: ["mcp", "config"],
  description: "Print (or --write) the Cursor, Claude Desktop or VS Code config entry for this project's MCP server",
  options: [
    { flags: "--client <client>", description: `the MCP client: ${CLIENT_NAMES}` },
    { flags: "--write", description: "merge the entry into the client's config file (other servers and keys are kept)" },
    { flags: "--url <url>", description: "endpoint to configure (default: the project's /mcp on the running `aerostack dev`, else on [dev] port)" },
    { flags: "--name <name>", description: "server name in the client (default: the project name)" },
    { flags: "--gateway", description: "point at the dev gateway (/ws/dev, all the project's MCP servers) instead; needs --token" },
    TOKEN_OPTION,
    { flags: "--config-file <path>", description: "config file to write instead of the client's usual one" },
  ],
  examples: [
    "aerostack mcp config --client cursor --write",
    "aerostack mcp config --client claude",
    "aerostack mcp config --client vscode --gateway --token mwt_dev_… --write",
    "aerostack mcp config --client cursor --url https://mcp.example.com/mcp --name example --write",
  ],
  async handler({ options, globals, out }) {
    const client = parseClient(options.client, "aerostack mcp config --client cursor --write");
    if (options.name !== undefined && !CLIENT_NAME_PATTERN.test(options.name)) {
      throw new UsageError(`--name must start with a letter and hold only letters, digits, "-" and "_", got "${options.name}".`, { hint: "For example: --name weather" });
    }
    const { target, name, root } = await resolveTarget(options, globals, resolveToken(options.token));
    await printOrWriteEntry(out, {
      client,
      name,
      target,
      root,
      cwd: globals.cwd,
      configFile: options.configFile,
      write: options.write === true,
      ...(options.gateway ? { note: "The dev token changes on every `aerostack dev` start: run this again after restarting dev." } : {}),
    });
  },
});
