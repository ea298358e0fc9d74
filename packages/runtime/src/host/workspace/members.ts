/** Workspace members as people write them (`workspace add` flags, `[[members]]` in aerostack.toml) turned into the API's member shape. */
import { memberSlugOf, type ProjectConfig } from "../../shared/config";
import { isSensitiveHeader, MEMBER_SLUG_PATTERN, parseHeaderValue, secretNames, type HeaderValue, type Member } from "../../shared/gateway";
import { DEFAULT_LOG_RETENTION_DAYS, DEFAULT_RATE_LIMIT_PER_MINUTE, type WorkspaceSettings } from "../../shared/workspaces";
import type { RouteBody } from "../api/client";
import { UsageError } from "../errors";

/** One member in the words both sources share: exactly one of project, url, workspace. */
interface MemberSpec {
  slug: string;
  project?: string | undefined;
  url?: string | undefined;
  workspace?: string | undefined;
  headers?: Record<string, string> | undefined;
  timeoutMs?: number | undefined;
  allowPrivate?: boolean | undefined;
}

/** What `aerostack workspace add <ws> <member>` takes besides the names. */
export interface MemberFlags {
  url?: string;
  header?: string[];
  timeout?: string;
  allowPrivate?: boolean;
  workspace?: string;
}

const URL_SHAPE = /^https?:\/\/[^\s@/]+(?:\/\S*)?$/;
const MAX_TIMEOUT_MS = 3_600_000;

/**
 * The member the API stores. Keys appear only when they say something (no `allowPrivate: false`, no empty
 * headers), so the same member added by the CLI and by a deploy compares equal and a sync reports it unchanged.
 */
function toMember(spec: MemberSpec, where: (key: string) => string, secretHint: string): Member {
  const timeout = spec.timeoutMs === undefined ? {} : { timeoutMs: spec.timeoutMs };
  if (spec.project !== undefined) return { kind: "project", slug: spec.slug, project: spec.project, ...timeout };
  if (spec.workspace !== undefined) return { kind: "workspace", slug: spec.slug, workspace: spec.workspace, ...timeout };
  const headers: Record<string, HeaderValue> = {};
  for (const [name, raw] of Object.entries(spec.headers ?? {})) {
    const parsed = parseHeaderValue(name, raw);
    if (!("error" in parsed)) {
      headers[name] = parsed;
      continue;
    }
    // parseHeaderValue's credential message speaks of .dev.vars; a workspace's secrets live on the platform.
    const sensitive = isSensitiveHeader(name) && !raw.includes("secret:");
    throw new UsageError(
      sensitive
        ? `${where(name)} carries credentials, so its value must reference a workspace secret ("Bearer secret:NAME"), never hold it.`
        : `${where(name)} ${parsed.error}.`,
      { hint: secretHint },
    );
  }
  return {
    kind: "proxy",
    slug: spec.slug,
    url: spec.url!,
    headers,
    ...timeout,
    ...(spec.allowPrivate ? { allowPrivate: true } : {}),
  };
}

/** `workspace add <ws> <member> [--url U --header N=V … --timeout MS --allow-private | --workspace OTHER]`. */
export function memberFromFlags(workspace: string, member: string, flags: MemberFlags): Member {
  if (!MEMBER_SLUG_PATTERN.test(member)) {
    throw new UsageError(`"${member}" is not a member name: lowercase letters, digits and dashes, 1-32 characters, no underscores.`, {
      hint: flags.url ? `Name it after the service: \`aerostack workspace add ${workspace} stripe --url ${flags.url}\`.` : "A deployed project's name, such as weather.",
    });
  }
  if (flags.url !== undefined && flags.workspace !== undefined) throw new UsageError("--url and --workspace both say what the member is: pass one of them.");
  if (flags.url === undefined) {
    const stray = [flags.header?.length ? "--header" : "", flags.allowPrivate ? "--allow-private" : ""].filter(Boolean);
    if (stray.length) throw new UsageError(`${stray.join(" and ")} only go with --url (a proxied server).`, { hint: `For example: \`aerostack workspace add ${workspace} ${member} --url https://mcp.example.com/mcp ${stray[0]} …\`.` });
  }
  let timeoutMs: number | undefined;
  if (flags.timeout !== undefined) {
    timeoutMs = Number(flags.timeout);
    if (!/^\d+$/.test(flags.timeout) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) {
      throw new UsageError(`--timeout must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}, got "${flags.timeout}".`, { hint: "For example: --timeout 10000 (10 s)." });
    }
  }
  if (flags.workspace !== undefined && !MEMBER_SLUG_PATTERN.test(flags.workspace)) {
    throw new UsageError(`--workspace "${flags.workspace}" is not a workspace name.`, { hint: "`aerostack workspace list` shows yours." });
  }
  if (flags.url !== undefined) checkUrl(flags.url);
  const headers: Record<string, string> = {};
  for (const pair of flags.header ?? []) {
    const eq = pair.indexOf("=");
    const name = eq < 0 ? "" : pair.slice(0, eq).trim();
    // The value is never echoed: it may be a credential typed here by mistake.
    if (!name) throw new UsageError(`--header takes NAME=VALUE (such as "Authorization=Bearer secret:STRIPE_KEY"); one has no "NAME=".`);
    if (Object.hasOwn(headers, name)) throw new UsageError(`--header ${name} is given twice.`);
    headers[name] = pair.slice(eq + 1).trim();
  }
  const spec: MemberSpec = {
    slug: member,
    ...(flags.url !== undefined ? { url: flags.url, headers, allowPrivate: flags.allowPrivate === true } : flags.workspace !== undefined ? { workspace: flags.workspace } : { project: member }),
    timeoutMs,
  };
  return toMember(spec, (name) => `--header ${name}`, `Store the value once with \`printf %s "$VALUE" | aerostack secret put NAME --workspace ${workspace}\`, then pass --header "${Object.keys(headers)[0] ?? "Authorization"}=Bearer secret:NAME".`);
}

function checkUrl(url: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  // Credentials first, so the URL holding them is never echoed back.
  if (parsed?.username || parsed?.password) {
    throw new UsageError("--url must not carry credentials.", { hint: 'Put them in a header that references a workspace secret: --header "Authorization=Bearer secret:NAME".' });
  }
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:") || !URL_SHAPE.test(url)) {
    throw new UsageError(`--url must be an http(s) URL such as https://mcp.example.com/mcp, got ${JSON.stringify(url.slice(0, 200))}.`);
  }
}

type MemberEntry = NonNullable<ProjectConfig["members"]>[number];

/** One `[[members]]` entry (already validated by the config schema). */
export function memberFromConfig(entry: MemberEntry, index: number, workspace: string): Member {
  return toMember(
    {
      slug: memberSlugOf(entry),
      project: entry.project,
      url: entry.url,
      workspace: entry.workspace,
      headers: entry.headers,
      timeoutMs: entry.timeout_ms,
      allowPrivate: entry.allow_private,
    },
    (name) => `members[${index}].headers.${name}`,
    `Reference a secret ("Bearer secret:NAME") and set it with \`aerostack secret put NAME --workspace ${workspace}\`.`,
  );
}

/** The secret names a member's headers reference. */
export function secretNamesOf(member: Member): string[] {
  return member.kind === "proxy" ? secretNames(member.headers) : [];
}

/** `[workspace]` as API settings; keys not written take their defaults, so the file alone decides them. */
export function settingsFromConfig(config: ProjectConfig): WorkspaceSettings {
  return {
    rateLimitPerMinute: config.workspace?.rate_limit ?? DEFAULT_RATE_LIMIT_PER_MINUTE,
    logArguments: config.workspace?.log_arguments ?? false,
    logRetentionDays: config.workspace?.log_retention_days ?? DEFAULT_LOG_RETENTION_DAYS,
  };
}

/**
 * What `aerostack deploy` of a workspace project sends: its members, settings, and the secret names it needs set —
 * those its headers reference plus any listed in `secrets = [...]` — names only, never values.
 */
export function workspaceSyncBody(config: ProjectConfig, dryRun: boolean): RouteBody<"syncWorkspace"> {
  const members = (config.members ?? []).map((m, i) => memberFromConfig(m, i, config.name));
  const referenced = members.flatMap(secretNamesOf);
  return { members, settings: settingsFromConfig(config), requiredSecrets: [...new Set([...config.secrets, ...referenced])].sort(), dryRun };
}
