/**
 * The Hub from the CLI's side: the publish body made from the project on disk (aerostack.toml's name, version and
 * secrets, README.md, SKILL.md's description), package names as typed, and the rug-pull diff as people read it.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { loadProjectConfig } from "../config/load";
import { UsageError, UserError } from "../errors";
import { parsePackageName, type HubPublishBody, type HubVisibility, type ToolChange } from "../../shared/hub";
import { SKILL_FILE } from "../../shared/skills";
import { parseSkillFile } from "../skills/skill-file";

/**
 * `@account/name[@version]` as typed (the leading @ may be left out), split for the API's `:scope/:name`. The version
 * rides on the name, as with npm: `--version` is the CLI's own flag.
 */
export function packageParams(input: string | undefined): { scope: string; name: string; full: string; version?: string } {
  const raw = input?.startsWith("@") ? input : `@${input ?? ""}`;
  const at = raw.indexOf("@", 1);
  const full = at < 0 ? raw : raw.slice(0, at);
  const version = at < 0 ? undefined : raw.slice(at + 1);
  const parsed = parsePackageName(full);
  if (!parsed || version === "") throw new UsageError(`${JSON.stringify(input ?? "")} is not a package name`, { hint: 'Name packages as "@account/name" or "@account/name@1.2.0", e.g. `aerostack hub info @acme/weather`.' });
  return { scope: parsed.account, name: parsed.name, full, ...(version !== undefined ? { version } : {}) };
}

export async function publishBody(options: { cwd: string; configPath?: string; visibility?: string; name?: string }): Promise<HubPublishBody> {
  const { config, root, file } = await loadProjectConfig({ cwd: options.cwd, ...(options.configPath ? { configPath: options.configPath } : {}) });
  if (config.type === "workspace" || config.type === "workflow") throw new UserError(`A ${config.type} project cannot be published to the Hub; publish MCP servers, skills and functions.`);
  if (!config.version) {
    throw new UserError(`${file} has no version: the Hub publishes the version written there.`, { hint: 'Add `version = "1.0.0"` to aerostack.toml and publish again.' });
  }
  const visibility = options.visibility ?? "public";
  if (!["public", "account", "private"].includes(visibility)) throw new UsageError(`--visibility ${visibility} is not one of public, account, private`);
  const readme = await readFile(join(root, "README.md"), "utf8").catch(() => "");
  let description = "";
  if (config.type === "skill") description = (await parseSkillFile(await readFile(join(root, SKILL_FILE), "utf8"), SKILL_FILE)).description;
  return {
    project: config.name,
    ...(options.name ? { name: packageParams(options.name).full } : {}),
    version: config.version,
    visibility: visibility as HubVisibility,
    kind: config.type === "skill" ? "skill" : config.type === "mcp-server" ? "mcp-server" : "function",
    description,
    readme: readme.slice(0, 64 * 1024),
    // The secrets the code reads (aerostack.toml `secrets`): every installing workspace supplies its own values.
    secrets: config.secrets.map((name) => ({ name, description: "", howToGet: "" })),
  };
}

const short = (value: unknown) => {
  const text = value === undefined ? "(none)" : typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value);
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
};

/** The rug-pull diff, tool by tool: what was, what would be. */
export function formatToolChanges(changes: ToolChange[]): string[] {
  const lines: string[] = [];
  for (const c of changes) {
    lines.push(`${c.change === "added" ? "+" : c.change === "removed" ? "-" : "~"} ${c.tool} (${c.change})`);
    if (c.change !== "changed") continue;
    for (const f of c.fields) {
      lines.push(`    ${f.field}:`);
      lines.push(`      - ${short(f.before)}`);
      lines.push(`      + ${short(f.after)}`);
    }
  }
  return lines;
}
