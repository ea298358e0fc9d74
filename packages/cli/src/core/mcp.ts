/** CLI glue shared by the `mcp` commands and `aerostack dev`: the token flag and client config snippets. */
import { homedir } from "node:os";
import { relative, resolve, sep } from "node:path";
import { MCP_CLIENTS, clientConfigPath, clientSnippet, type CliLauncher, type McpClient, type McpTarget } from "@aerostack/runtime";
import type { OptionSpec } from "./command";

export const TOKEN_OPTION: OptionSpec = {
  flags: "--token <token>",
  description: "bearer token, sent as Authorization (default: $AEROSTACK_TOKEN, which keeps it out of process lists)",
};

/** `--token`, else AEROSTACK_TOKEN; an empty value means none. */
export function resolveToken(flag: string | undefined): string | undefined {
  return flag || process.env.AEROSTACK_TOKEN || undefined;
}

/** A path as a user would type it: relative inside `cwd`, `~/…` in the home folder, else absolute. */
export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  if (rel && !rel.startsWith("..") && !rel.startsWith(sep)) return rel;
  const home = homedir();
  return file.startsWith(home + sep) ? `~${sep}${relative(home, file)}` : file;
}

/**
 * How an MCP client starts this CLI: the absolute paths of the Node running it and of its bin script, not `npx -y
 * aerostack` (the CLI is not on the npm registry) nor `aerostack` by name (Claude Desktop starts servers with a bare
 * PATH: a GUI app on macOS does not read the shell profile, and nvm or volta installs are not on it). The entry is
 * machine-local anyway, since it points at this machine's dev server; after moving or reinstalling the CLI, run
 * `aerostack mcp config --write` again.
 */
export function cliLauncher(): CliLauncher {
  return { command: process.execPath, args: [resolve(process.argv[1] ?? "aerostack")] };
}

/** Where `client`'s entry goes and the JSON to paste there, indented by `indent`. */
export function clientSnippetText(client: McpClient, name: string, target: McpTarget, root: string, indent = ""): { file: string; label: string; json: string } {
  const file = clientConfigPath(client, { root });
  // Arrays of strings (Claude's args) on one line: shorter to read, the same JSON to paste.
  const json = JSON.stringify(clientSnippet(client, name, target, cliLauncher()), null, 2)
    .replace(/\[\n\s+("[^"\n]*"(?:,\n\s+"[^"\n]*")*)\n\s+\]/g, (_m, items: string) => `[${items.split(/,\n\s+/).join(", ")}]`)
    .replace(/^/gm, indent);
  return { file, label: MCP_CLIENTS[client].label, json };
}
