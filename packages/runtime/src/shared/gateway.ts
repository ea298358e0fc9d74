/**
 * The workspace gateway's wire contract, shared by the host (which turns `aerostack.toml` into a workspace) and the
 * platform worker (which serves it at `/ws/:slug`). No Node APIs: the worker bundles this file.
 */
// zod/mini, as protocol.ts: the platform worker bundles these schemas.
import * as z from "zod/mini";
import { TenantIdSchema } from "./protocol";
/** The roles a member token can have: admin manages the workspace, developer lists and calls, read-only calls only read-only tools. */
export const WORKSPACE_ROLES = ["admin", "developer", "read-only"] as const;
export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number];

/** Member slugs (and workspace slugs): no `_`, so a composed name splits unambiguously on its first `__`. */
/**
 * Objects per workspace hosting its gateway sessions (worker/gateway/session.ts): enough to spread a busy workspace's
 * sessions over several threads on Cloudflare, few enough that a workspace costs a bounded number of objects.
 */
export const SESSION_SHARDS = 16;

export const MEMBER_SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
/** The separator between a member's slug and its own tool or prompt name: `github__create_issue`. */
export const NAME_SEPARATOR = "__";
/** The workspace `aerostack dev` serves at `/ws/dev`. */
export const DEV_WORKSPACE = "dev";
/** The account that owns what `aerostack dev` (and the control API) makes: its workspace, a workflow project's workflow, a bot. Dev has no others. */
export const LOCAL_ACCOUNT = "local";
/** Where a project's own MCP server answers inside its isolate. */
export const PROJECT_MCP_PATH = "/mcp";
/** Member tokens are `mwt_…`; the dev token is `mwt_dev_…`, random per `aerostack dev` start. */
export const MEMBER_TOKEN_PREFIX = "mwt_";
export const DEV_TOKEN_PREFIX = "mwt_dev_";

/** The `_meta` key of a composed list naming the members it could not include: `[{ member, error }]`. */
export const FAILED_MEMBERS_META = "aerostack/failedMembers";

/** Defaults for `[mcp]`: discovery (initialize + list pages) per member, and one tools/call (or read/get). */
export const DEFAULT_MEMBER_TIMEOUT_MS = 10_000;
export const DEFAULT_CALL_TIMEOUT_MS = 300_000;

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** `secret:NAME`, or one auth-scheme word before it: `Bearer secret:NAME`. */
const SECRET_REF = /^(?:([A-Za-z][A-Za-z0-9._~+/-]*) )?secret:([A-Za-z_][A-Za-z0-9_]*)$/;
/** RFC 9110 field-name characters. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Headers the gateway sets itself on every upstream request; configuring them would break the protocol. */
export const RESERVED_HEADERS: readonly string[] = [
  "accept",
  "connection",
  "content-length",
  "content-type",
  "host",
  "last-event-id",
  "mcp-protocol-version",
  "mcp-session-id",
  "transfer-encoding",
];

/**
 * Headers that carry credentials: their value must reference a secret, never be written in the config file.
 * Named ones, plus any name containing one of the fragments (`X-API-Key`, `X-Auth-Token`, `Private-Token`, …).
 */
const SENSITIVE_HEADERS = ["authorization", "proxy-authorization", "cookie"];
const SENSITIVE_FRAGMENTS = ["auth", "token", "secret", "key", "password", "passwd", "credential", "session", "signature", "cookie"];

export function isSensitiveHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return SENSITIVE_HEADERS.includes(lower) || SENSITIVE_FRAGMENTS.some((f) => lower.includes(f));
}

/** How a configured header gets its value: written in the config, or a secret (with an optional scheme before it). */
export type HeaderValue = { value: string } | { secret: string; prefix?: string };

/**
 * Reads one `headers = { Name = "…" }` entry. Returns the value, or an error message that never quotes the value
 * (it may be a credential pasted by mistake).
 */
export function parseHeaderValue(name: string, raw: string): HeaderValue | { error: string } {
  if (!HEADER_NAME.test(name)) return { error: "is not a valid HTTP header name" };
  if (RESERVED_HEADERS.includes(name.toLowerCase())) return { error: "is set by the gateway itself and cannot be configured" };
  const ref = SECRET_REF.exec(raw);
  if (ref) return ref[1] ? { secret: ref[2]!, prefix: `${ref[1]} ` } : { secret: ref[2]! };
  if (raw.includes("secret:")) {
    return { error: 'references a secret in an unsupported form; write "secret:NAME" or "<scheme> secret:NAME" (e.g. "Bearer secret:GITHUB_TOKEN")' };
  }
  if (isSensitiveHeader(name)) {
    return {
      error:
        'carries credentials, so its value must reference a secret ("secret:NAME" or "Bearer secret:NAME") and the value ' +
        "go in .dev.vars or the environment, never in aerostack.toml",
    };
  }
  if (/[\r\n\0]/.test(raw)) return { error: "must not contain line breaks" };
  return { value: raw };
}

/** The secret names a set of headers references. */
export function secretNames(headers: Record<string, HeaderValue>): string[] {
  return [...new Set(Object.values(headers).flatMap((h) => ("secret" in h ? [h.secret] : [])))].sort();
}

const slug = z.string().check(z.regex(MEMBER_SLUG_PATTERN, "must be a lowercase slug without underscores"));
const timeout = z.int().check(z.gte(1), z.lte(3_600_000));

export const HeaderValueSchema = z.union([
  z.object({ value: z.string().check(z.maxLength(8192)) }),
  z.object({ secret: z.string().check(z.regex(SECRET_NAME)), prefix: z.optional(z.string().check(z.maxLength(64))) }),
]);

/** A workspace member: the project's own MCP server (reached inside the platform) or an external one (proxied). */
export const MemberSchema = z.union([
  z.object({
    kind: z.literal("project"),
    slug,
    /** The project's tenant: its name in `aerostack dev`, `account.project.env` on the platform. */
    project: TenantIdSchema,
    timeoutMs: z.optional(timeout),
  }),
  z.object({
    kind: z.literal("proxy"),
    slug,
    url: z.string().check(z.regex(/^https?:\/\/[^\s@/]+(?:\/\S*)?$/, "must be an http(s) URL without credentials")),
    headers: z._default(z.record(z.string(), HeaderValueSchema), {}),
    timeoutMs: z.optional(timeout),
    /** Let this member's URL resolve to a private or loopback address (link-local and metadata stay refused). */
    allowPrivate: z.optional(z.boolean()),
  }),
  z.object({
    kind: z.literal("workspace"),
    slug,
    /** Another workspace on the same platform, composed in (cycles are refused). */
    workspace: slug,
    timeoutMs: z.optional(timeout),
  }),
  z.object({
    kind: z.literal("hub"),
    slug,
    /** `@account/name@version` as installed (worker/hub): the publisher's code at a pinned deployment. */
    package: z.string().check(z.maxLength(100)),
    version: z.string().check(z.maxLength(100)),
    /** The publisher's project tenant and the deployment the version was published from. */
    project: TenantIdSchema,
    deployment: z.string().check(z.regex(/^[A-Za-z0-9._-]{1,64}$/)),
    /** Secret names the code reads from env: this workspace's values are given to it at call time. */
    secrets: z._default(z.array(z.string().check(z.regex(SECRET_NAME))), []),
    /**
     * This install's own data (DB, CACHE, STORAGE, VECTORIZE), `account.workspace.publisher.package`: never the
     * publisher's project storage, which every installer would share. Installs made before it existed have none and
     * are refused until `aerostack hub update` gives them one.
     */
    tenant: z.optional(TenantIdSchema),
    timeoutMs: z.optional(timeout),
  }),
]);
export type Member = z.output<typeof MemberSchema>;

export const WorkspaceConfigSchema = z.object({
  members: z.array(MemberSchema).check(
    z.maxLength(100),
    z.refine((ms) => new Set(ms.map((m) => m.slug)).size === ms.length, { error: "member slugs must be unique" }),
  ),
  /** Per member: initialize plus every page of a list fan-out. */
  timeoutMs: z._default(timeout, DEFAULT_MEMBER_TIMEOUT_MS),
  /** One routed request: tools/call, resources/read, prompts/get, completion/complete. */
  callTimeoutMs: z._default(timeout, DEFAULT_CALL_TIMEOUT_MS),
});
export type WorkspaceConfig = z.output<typeof WorkspaceConfigSchema>;

/**
 * Body of `PUT /__aerostack/workspaces/:slug`: the config and, per member, the secret values its headers reference
 * (sealed at rest with AAD `workspace|<ws>|<member>|<name>`, never echoed back). Replaces both atomically.
 */
export const WorkspacePutSchema = z.object({
  config: WorkspaceConfigSchema,
  secrets: z._default(
    z.record(slug, z.record(z.string().check(z.regex(SECRET_NAME)), z.string().check(z.maxLength(64 * 1024)))),
    {},
  ),
});
export type WorkspacePut = z.input<typeof WorkspacePutSchema>;


/** Body of `PUT /__aerostack/workspaces/:slug/tokens`: the workspace's whole token set, as SHA-256 hex hashes only. */
export const WorkspaceTokensSchema = z.object({
  tokens: z
    .array(
      z.object({
        hash: z.string().check(z.regex(/^[0-9a-f]{64}$/, "must be a SHA-256 hex digest")),
        role: z.enum(WORKSPACE_ROLES),
        label: z._default(z.string().check(z.maxLength(200)), ""),
      }),
    )
    .check(z.maxLength(1000)),
});
export type WorkspaceTokens = z.input<typeof WorkspaceTokensSchema>;
