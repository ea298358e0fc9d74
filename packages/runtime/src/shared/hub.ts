/**
 * The Hub's wire formats (zod/mini: the platform worker bundles them): packages `@account/name`, immutable semver
 * versions with a capability manifest, search results, installs into a workspace and the rug-pull diff of an update.
 */
import * as z from "zod/mini";
import { SEMVER_PATTERN } from "./config";

/** `@account/name`: both parts are platform slugs. */
export const PACKAGE_NAME_PATTERN = /^@([a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?)\/([a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?)$/;
export const HUB_VISIBILITIES = ["public", "account", "private"] as const;
export type HubVisibility = (typeof HUB_VISIBILITIES)[number];
export const HUB_KINDS = ["mcp-server", "skill", "function"] as const;
export const MAX_README_CHARS = 64 * 1024;

export function parsePackageName(name: string): { account: string; name: string } | null {
  const m = PACKAGE_NAME_PATTERN.exec(name);
  return m ? { account: m[1]!, name: m[2]! } : null;
}

/** Compares semver versions (pre-releases sort before their release; build metadata is ignored). */
export function compareSemver(a: string, b: string): number {
  const parse = (v: string) => {
    const [core = "", pre] = v.split("+")[0]!.split(/-(.*)/s);
    return { nums: core.split(".").map(Number), pre: pre ? pre.split(".") : [] };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) if (x.nums[i] !== y.nums[i]) return (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
  if (x.pre.length === 0 || y.pre.length === 0) return y.pre.length - x.pre.length;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn && Number(p) !== Number(q)) return Number(p) - Number(q);
    if (pn !== qn) return pn ? -1 : 1;
    if (p !== q) return p < q ? -1 : 1;
  }
  return 0;
}

const semver = z.string().check(z.regex(SEMVER_PATTERN, 'must be a semantic version such as "1.0.0"'));
const secretName = z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "secret names are letters, digits and underscores"));

/** One tool as the manifest records it: what the rug-pull guard compares. */
export const ManifestToolSchema = z.object({
  name: z.string(),
  title: z.optional(z.string()),
  description: z._default(z.string(), ""),
  inputSchema: z.unknown(),
  outputSchema: z.optional(z.unknown()),
  annotations: z.optional(z.unknown()),
});
export type ManifestTool = z.output<typeof ManifestToolSchema>;

/** A secret an install must supply, in the installing workspace's vault. */
export const RequiredSecretSchema = z.object({
  name: secretName,
  description: z._default(z.string().check(z.maxLength(500)), ""),
  /** Where to get one (a URL, a console page). */
  howToGet: z._default(z.string().check(z.maxLength(500)), ""),
});
export type RequiredSecret = z.output<typeof RequiredSecretSchema>;

/** The capability manifest, made at publish from the deployed code itself (tools/list, resources/list, prompts/list). */
export const CapabilityManifestSchema = z.object({
  tools: z.array(ManifestToolSchema),
  resources: z.array(z.object({ uri: z.string(), name: z.string(), description: z.optional(z.string()) })),
  prompts: z.array(z.object({ name: z.string(), description: z.optional(z.string()) })),
  secrets: z.array(RequiredSecretSchema),
});
export type CapabilityManifest = z.output<typeof CapabilityManifestSchema>;

// ── bodies ──────────────────────────────────────────────────────────────────────────────────────────────────────

/** `aerostack hub publish`: the deployed project (production) becomes `@account/name@version`. */
export const HubPublishBodySchema = z.object({
  /** The deployed project to publish, by name. */
  project: z.string().check(z.regex(/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/, "must be a project name")),
  /** Default `@<caller's account>/<project>`. */
  name: z.optional(z.string().check(z.regex(PACKAGE_NAME_PATTERN, 'must be "@account/name"'))),
  version: semver,
  visibility: z._default(z.enum(HUB_VISIBILITIES), "public"),
  kind: z._default(z.enum(HUB_KINDS), "mcp-server"),
  description: z._default(z.string().check(z.maxLength(2000)), ""),
  readme: z._default(z.string().check(z.maxLength(MAX_README_CHARS)), ""),
  secrets: z._default(z.array(RequiredSecretSchema).check(z.maxLength(64)), []),
});
export type HubPublishBody = z.input<typeof HubPublishBodySchema>;

export const HubInstallBodySchema = z.object({
  workspace: z.string().check(z.regex(/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/, "must be a workspace name")),
  /** Default: the newest version that is neither yanked nor a pre-release. */
  version: z.optional(semver),
  /** The member slug (tool prefix); default the package's name. */
  as: z.optional(z.string().check(z.regex(/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/, "must be a member slug"))),
});

export const HubUpdateBodySchema = z.object({
  workspace: z.string().check(z.regex(/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/, "must be a workspace name")),
  /** The member slug the package is installed as; default the package's name. */
  as: z.optional(z.string().check(z.regex(/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/, "must be a member slug"))),
  version: z.optional(semver),
  /** Accept changed tools (the diff is shown first; without this nothing changes). */
  yes: z._default(z.boolean(), false),
});

export const HubVersionStateBodySchema = z.object({
  /** A message shown to installers; an empty string lifts the deprecation. */
  deprecated: z.optional(z.string().check(z.maxLength(500))),
  /** A yanked version keeps serving existing installs; new installs refuse it. */
  yanked: z.optional(z.boolean()),
});

/** `POST /hub/refresh` (admin): run the hourly manifest refresh now, as of `now` (ms; default the clock). */
export const HubRefreshBodySchema = z.object({ now: z.optional(z.int().check(z.gte(0))) });

// ── responses ───────────────────────────────────────────────────────────────────────────────────────────────────

export const HubVersionInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  kind: z.string(),
  visibility: z.enum(HUB_VISIBILITIES),
  description: z.string(),
  summary: z.string(),
  readme: z.string(),
  publishedAt: z.string(),
  deprecated: z.nullable(z.string()),
  yanked: z.boolean(),
  manifest: CapabilityManifestSchema,
  versions: z.array(z.object({ version: z.string(), yanked: z.boolean(), deprecated: z.nullable(z.string()), publishedAt: z.string() })),
});
export type HubVersionInfo = z.output<typeof HubVersionInfoSchema>;

export const HubSearchResultSchema = z.object({
  results: z.array(
    z.object({
      name: z.string(),
      version: z.string(),
      kind: z.string(),
      summary: z.string(),
      tools: z.array(z.string()),
      score: z.number(),
      deprecated: z.nullable(z.string()),
    }),
  ),
  total: z.number(),
});
export type HubSearchResult = z.output<typeof HubSearchResultSchema>;

/** One tool's change between two versions: what the rug-pull guard shows before anything moves. */
export const ToolChangeSchema = z.object({
  tool: z.string(),
  change: z.enum(["added", "removed", "changed"]),
  /** For "changed": which of name, description, inputSchema, outputSchema, annotations, title differ, before → after. */
  fields: z.array(z.object({ field: z.string(), before: z.unknown(), after: z.unknown() })),
});
export type ToolChange = z.output<typeof ToolChangeSchema>;

export const HubInstallResultSchema = z.object({
  workspace: z.string(),
  member: z.string(),
  name: z.string(),
  version: z.string(),
  previousVersion: z.nullable(z.string()),
  /** The update was not applied: tools changed and `yes` was not given. */
  needsConfirmation: z.boolean(),
  changes: z.array(ToolChangeSchema),
  tools: z.array(z.string()),
  /** The version's migrations applied to the install's own database now, and those it already had. */
  migrations: z.optional(z.object({ applied: z.array(z.string()), skipped: z.array(z.string()) })),
});
export type HubInstallResult = z.output<typeof HubInstallResultSchema>;

export const HubRefreshResultSchema = z.object({
  checked: z.number(),
  /** `@account/name@version` whose manifest changed. */
  changed: z.array(z.string()),
  failed: z.array(z.object({ version: z.string(), error: z.string() })),
});
export type HubRefreshResult = z.output<typeof HubRefreshResultSchema>;
