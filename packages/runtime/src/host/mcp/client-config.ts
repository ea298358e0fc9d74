/** MCP client config entries (Cursor, Claude Desktop, VS Code): where each client keeps them, their shape, and a merge that never clobbers. */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";
// The ES module build: the package's main (UMD) loads its parts with a require() a bundle cannot follow.
import { applyEdits, modify, parse as parseJsonc, printParseErrorCode, type ParseError } from "jsonc-parser/lib/esm/main.js";
import { UserError } from "../errors";

export const MCP_CLIENTS = {
  cursor: { label: "Cursor", key: "mcpServers" },
  claude: { label: "Claude Desktop", key: "mcpServers" },
  vscode: { label: "VS Code", key: "servers" },
} as const;

export type McpClient = keyof typeof MCP_CLIENTS;

export function isMcpClient(value: string): value is McpClient {
  return Object.hasOwn(MCP_CLIENTS, value);
}

/** The endpoint an entry points at; `token` is sent as `Authorization: Bearer`. */
export interface McpTarget {
  url: string;
  token?: string;
}

/** How a client starts the `aerostack` CLI (for the stdio bridge): a command and the arguments before ours. */
export interface CliLauncher {
  command: string;
  args: string[];
}

/** `aerostack` found on the PATH; the CLI passes its own absolute paths instead (see core/mcp.ts there). */
/** The installed `aerostack` on the PATH: for entries that go to another machine (a teammate's token). */
export const ON_PATH: CliLauncher = { command: "aerostack", args: [] };

/**
 * The server entry for `client`. Cursor and VS Code speak Streamable HTTP themselves; Claude Desktop's config file
 * only starts stdio servers, so its entry runs the stdio bridge, with the token in its environment rather than in
 * its arguments (arguments show in process lists).
 */
export function clientEntry(client: McpClient, target: McpTarget, launcher: CliLauncher = ON_PATH): Record<string, unknown> {
  const headers = target.token ? { headers: { Authorization: `Bearer ${target.token}` } } : {};
  switch (client) {
    case "cursor":
      return { url: target.url, ...headers };
    case "vscode":
      return { type: "http", url: target.url, ...headers };
    case "claude":
      return { command: launcher.command, args: [...launcher.args, "mcp", "stdio", target.url], ...(target.token ? { env: { AEROSTACK_TOKEN: target.token } } : {}) };
  }
}

/** What to paste: the entry under the client's top-level key, as a whole config file would hold it. */
export function clientSnippet(client: McpClient, name: string, target: McpTarget, launcher: CliLauncher = ON_PATH): Record<string, unknown> {
  return { [MCP_CLIENTS[client].key]: { [name]: clientEntry(client, target, launcher) } };
}

export interface ConfigPathOptions {
  /** The project root: Cursor and VS Code read `.cursor/mcp.json` and `.vscode/mcp.json` there. */
  root: string;
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  home?: string;
}

/** The config file `client` reads: per project for Cursor and VS Code, per user for Claude Desktop. */
export function clientConfigPath(client: McpClient, options: ConfigPathOptions): string {
  const platform = options.platform ?? process.platform;
  const env = options.env ?? process.env;
  const home = options.home ?? homedir();
  switch (client) {
    case "cursor":
      return join(options.root, ".cursor", "mcp.json");
    case "vscode":
      return join(options.root, ".vscode", "mcp.json");
    case "claude":
      if (platform === "darwin") return join(home, "Library", "Application Support", "Claude", "claude_desktop_config.json");
      if (platform === "win32") return join(env.APPDATA || join(home, "AppData", "Roaming"), "Claude", "claude_desktop_config.json");
      return join(env.XDG_CONFIG_HOME || join(home, ".config"), "Claude", "claude_desktop_config.json");
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export type MergeOutcome = "added" | "updated" | "unchanged";

/**
 * Puts `entry` under `name` in `file`'s servers (`mcpServers` or `servers`), keeping every other key and server.
 * The file may be JSONC (comments, trailing commas), and its comments are kept. Refuses (UserError, file untouched)
 * when it is not a JSON object. Writes a temporary file beside it and
 * renames it over, so a crash never leaves half a config; the file's permissions are kept.
 */
export async function mergeClientConfig(file: string, client: McpClient, name: string, entry: Record<string, unknown>): Promise<MergeOutcome> {
  const key = MCP_CLIENTS[client].key;
  let text: string | undefined;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw new UserError(`Cannot read ${file}: ${(err as Error).message}`, { hint: "Check the file's permissions.", cause: err });
  }
  let config: Record<string, unknown> = {};
  if (text !== undefined && text.trim() !== "") {
    // VS Code's (and Cursor's) config files are JSONC: comments and trailing commas are allowed.
    const errors: ParseError[] = [];
    const parsed: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
    if (errors.length > 0) {
      const first = errors[0]!;
      throw new UserError(`${file} is not valid JSON (${printParseErrorCode(first.error)} at offset ${first.offset}); it was left unchanged.`, {
        hint: "Fix the file, or move it aside, then run the command again.",
      });
    }
    if (!isPlainObject(parsed)) throw new UserError(`${file} does not hold a JSON object; it was left unchanged.`, { hint: "Fix the file or move it aside, then run the command again." });
    config = parsed;
  }
  const servers = config[key] ?? {};
  if (!isPlainObject(servers)) throw new UserError(`"${key}" in ${file} is not an object; the file was left unchanged.`, { hint: `Make "${key}" an object of servers, then run the command again.` });

  const previous = servers[name];
  if (previous !== undefined && JSON.stringify(previous) === JSON.stringify(entry)) return "unchanged";
  // An edit of the text, not a rewrite of the parsed value: the user's comments, other servers and layout stay, and
  // an updated entry keeps its place.
  const next =
    text !== undefined && text.trim() !== ""
      ? applyEdits(text, modify(text, [key, name], entry, { formattingOptions: { insertSpaces: true, tabSize: 2, eol: "\n" } }))
      : `${JSON.stringify({ [key]: { [name]: entry } }, null, 2)}\n`;

  const mode = await stat(file).then((s) => s.mode & 0o777, () => undefined);
  await mkdir(dirname(file), { recursive: true });
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    await writeFile(temp, next, mode === undefined ? {} : { mode });
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw new UserError(`Cannot write ${file}: ${(err as Error).message}`, { hint: "Check the folder's permissions, or pass --config-file <path>.", cause: err });
  }
  return previous === undefined ? "added" : "updated";
}
