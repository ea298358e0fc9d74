/** What the workspace, token, secret, logs and analytics commands share: the workspace name, settings flags, rendering, a confirmation. */
import { formatToolChanges, importModule, MEMBER_SLUG_PATTERN, UsageError, UserError, type MemberTools, type WorkspaceInfo, type WorkspaceSettings } from "@aerostack/runtime";
import type { OptionSpec } from "./command";
import type { Output } from "./output";
import { table } from "./table";
import type * as Prompts from "@inquirer/prompts";

export const WORKSPACE_OPTION: OptionSpec = { flags: "--workspace <name>", description: "the workspace (instead of the project in this folder)" };

/** A workspace name checked here, so a typo is a usage error (exit 2) before any request. */
export function workspaceName(value: string | undefined, how = "--workspace"): string {
  if (value === undefined || value === "") throw new UsageError(`Which workspace? Pass ${how} <name>.`, { hint: "`aerostack workspace list` shows yours." });
  if (!MEMBER_SLUG_PATTERN.test(value)) {
    throw new UsageError(`"${value}" is not a workspace name: lowercase letters, digits and dashes, 1-32 characters, no underscores.`, { hint: "For example: eng" });
  }
  return value;
}

export interface SettingsFlags {
  rateLimit?: string;
  logArguments?: boolean;
  logRetentionDays?: string;
}

export const SETTINGS_OPTIONS: OptionSpec[] = [
  { flags: "--rate-limit <n>", description: "requests per minute per member token (default 120)" },
  { flags: "--log-arguments", description: "keep tools/call arguments (capped) in the call log" },
  { flags: "--no-log-arguments", description: "do not keep arguments (the default)" },
  { flags: "--log-retention-days <n>", description: "days the call log is kept (default 30)" },
];

function intFlag(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${value}".`);
  return n;
}

/** Only the settings the flags name: an update changes those and leaves the rest. */
export function settingsFromFlags(flags: SettingsFlags): Partial<WorkspaceSettings> {
  return {
    ...(flags.rateLimit !== undefined ? { rateLimitPerMinute: intFlag("--rate-limit", flags.rateLimit, 1, 100_000) } : {}),
    ...(flags.logArguments !== undefined ? { logArguments: flags.logArguments } : {}),
    ...(flags.logRetentionDays !== undefined ? { logRetentionDays: intFlag("--log-retention-days", flags.logRetentionDays, 1, 365) } : {}),
  };
}

/** A workspace for people: its URL, settings and a table of members. */
export function printWorkspace(out: Output, ws: WorkspaceInfo): void {
  const c = out.color;
  const s = ws.settings;
  out.info(`${c.bold(ws.name)}  ${c.cyan(ws.url)}`);
  out.info(c.dim(`  rate limit ${s.rateLimitPerMinute}/min per token · arguments ${s.logArguments ? "logged" : "not logged"} · log kept ${s.logRetentionDays} days`));
  if (ws.members.length === 0) {
    out.info(c.dim(`  No members yet: \`aerostack workspace add ${ws.name} <project>\` or \`--url <mcp url>\`.`));
    return;
  }
  out.info("");
  out.info(
    table(
      ws.members.map((m) => ({
        member: m.slug,
        kind: m.kind,
        target: m.target,
        state: m.enabled ? "enabled" : "disabled",
        "disabled tools": m.disabledTools.join(", "),
      })),
    ),
  );
  // The rug-pull guard: what changed, field by field, and how to let it through.
  const changed = ws.members.filter((m) => m.changedTools.length > 0);
  for (const m of changed) {
    out.info("");
    out.info(c.yellow(`  ⚠ ${m.slug}: ${m.changedTools.length} tool${m.changedTools.length > 1 ? "s" : ""} changed since accepted, withheld from clients`));
    for (const t of m.changedTools) {
      out.info(`  ~ ${m.slug}__${t.tool} (changed ${t.changedAt})`);
      for (const line of formatToolChanges([{ tool: t.tool, change: "changed", fields: t.fields }]).slice(1)) out.info(`  ${line}`);
    }
    out.info(c.dim(`  Review, then: \`aerostack workspace accept ${ws.name} ${m.slug}\` (or --tool <name>).`));
  }
}

/** Each member's tools as it lists them now, with the workspace's switch; a member that could not be asked says why. */
export function printMemberTools(out: Output, members: MemberTools[]): void {
  const c = out.color;
  for (const m of members) {
    out.info(`\n${c.bold(m.member)} ${c.dim(`(${m.kind}${m.enabled ? "" : ", disabled"})`)}`);
    if (m.error) out.info(c.red(`  could not list its tools: ${m.error}`));
    if (m.tools.length === 0) {
      if (!m.error) out.info(c.dim("  No tools."));
      continue;
    }
    out.info(
      table(
        m.tools.map((t) => ({
          tool: `${m.member}__${t.name}`,
          state: t.enabled ? "on" : "off",
          hints: [t.readOnly ? "read-only" : "", t.destructive ? "destructive" : "", t.listed ? "" : "not listed by the member"].filter(Boolean).join(", "),
          description: t.description.length > 60 ? `${t.description.slice(0, 59)}…` : t.description,
        })),
      ),
    );
  }
}

/** Asks on a terminal; without one the flag must say yes, and the error names it. */
export async function confirmOrFlag(options: { interactive: boolean; yes: boolean | undefined; json: boolean; question: string; refusal: string; flagHint: string }): Promise<void> {
  if (options.yes) return;
  if (!options.interactive || options.json) throw new UsageError(options.refusal, { hint: options.flagHint });
  const { confirm } = await importModule<typeof Prompts>("@inquirer/prompts");
  if (!(await confirm({ message: options.question, default: false }, { output: process.stderr }))) throw new UserError("Cancelled; nothing changed.");
}

/** The member row of `ws`, or an error naming the command that lists them. */
export function findMember(ws: WorkspaceInfo, member: string): WorkspaceInfo["members"][number] {
  const row = ws.members.find((m) => m.slug === member);
  if (!row) {
    throw new UserError(`Workspace "${ws.name}" has no member "${member}".`, {
      hint: ws.members.length ? `Its members: ${ws.members.map((m) => m.slug).join(", ")}.` : `Add one with \`aerostack workspace add ${ws.name} <project>\`.`,
    });
  }
  return row;
}

/** The server's name in a client's config: the workspace's, which every client accepts when it starts with a letter. */
export function clientServerName(workspace: string): string {
  return /^[a-z]/.test(workspace) ? workspace : `ws-${workspace}`;
}

export interface SecretScopeFlags {
  project?: string;
  env?: string;
  workspace?: string;
}

/** The workspace a secret command targets, or undefined for the project; --workspace does not mix with --project/--env. */
export function secretScope(flags: SecretScopeFlags): string | undefined {
  if (flags.workspace === undefined) return undefined;
  const other = [flags.project !== undefined ? "--project" : "", flags.env !== undefined ? "--env" : ""].filter(Boolean);
  if (other.length) throw new UsageError(`--workspace and ${other.join(" and ")} each pick whose secret it is: pass one of them.`);
  return workspaceName(flags.workspace);
}
