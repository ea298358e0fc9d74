/** CLI glue shared by the `mcp` commands, `workspace connect`, `token create` and `aerostack dev`: the token and client flags and client config snippets. */
import { homedir } from "node:os";
import { relative, resolve, sep } from "node:path";
import { MCP_CLIENTS, UsageError, clientConfigPath, clientEntry, clientSnippet, isMcpClient, mergeClientConfig, type CliLauncher, type McpClient, type McpTarget } from "@aerostack/runtime";
import type { OptionSpec } from "./command";
import type { Output } from "./output";

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
export function clientSnippetText(
  client: McpClient,
  name: string,
  target: McpTarget,
  root: string,
  indent = "",
  launcher: CliLauncher = cliLauncher(),
): { file: string; label: string; json: string } {
  const file = clientConfigPath(client, { root });
  // Arrays of strings (Claude's args) on one line: shorter to read, the same JSON to paste.
  const json = JSON.stringify(clientSnippet(client, name, target, launcher), null, 2)
    .replace(/\[\n\s+("[^"\n]*"(?:,\n\s+"[^"\n]*")*)\n\s+\]/g, (_m, items: string) => `[${items.split(/,\n\s+/).join(", ")}]`)
    .replace(/^/gm, indent);
  return { file, label: MCP_CLIENTS[client].label, json };
}

/** Names every client accepts for a server (VS Code's schema is the strictest). */
export const CLIENT_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** `--client cursor|claude|vscode`; `example` is the command a missing or unknown value is shown with. */
export function parseClient(value: string | undefined, example: string): McpClient {
  const names = Object.keys(MCP_CLIENTS).join(", ");
  if (value === undefined) throw new UsageError(`Which client? Pass --client with one of: ${names}.`, { hint: `For example: \`${example}\`.` });
  if (!isMcpClient(value)) throw new UsageError(`Unknown client "${value}" for --client: expected one of ${names}.`, { hint: `For example: \`${example}\`.` });
  return value;
}

/**
 * The end of `mcp config` and `workspace connect`: print the client's entry with where it goes, or (`write`) merge it
 * into the client's config file (`configFile`, relative to `cwd`, else the client's usual one under `root`).
 */
export async function printOrWriteEntry(
  out: Output,
  options: { client: McpClient; name: string; target: McpTarget; root: string; cwd: string; configFile?: string | undefined; write: boolean; note?: string },
): Promise<void> {
  const { client, name, target } = options;
  const file = options.configFile ? resolve(options.cwd, options.configFile) : clientConfigPath(client, { root: options.root });
  const entry = clientEntry(client, target, cliLauncher());
  const shown = displayPath(file, options.cwd);
  const { label, json } = clientSnippetText(client, name, target, options.root);
  if (!options.write) {
    out.result({ client, file, name, url: target.url, entry, written: false }, () => {
      out.info(`${out.color.dim(`${label} reads ${shown}; merge this into it (or run again with --write):`)}\n`);
      out.info(json);
    });
    return;
  }
  const outcome = await mergeClientConfig(file, client, name, entry);
  out.result({ client, file, name, url: target.url, entry, written: outcome !== "unchanged", outcome }, () => {
    const verb = { added: "Added", updated: "Updated", unchanged: "Already up to date:" }[outcome];
    out.info(`${out.color.green("✔")} ${verb} "${name}" in ${shown} (${label}) → ${target.url}`);
    if (client === "claude" && outcome !== "unchanged") out.info(out.color.dim("  Restart Claude Desktop to load it."));
    if (options.note) out.info(out.color.dim(`  ${options.note}`));
  });
}
