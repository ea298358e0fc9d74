/** The `aerostack.toml` schema: keys, types and defaults (no Node APIs: the platform worker bundles it too). */
import { z } from "zod";
import {
  AI_PROVIDER_KINDS,
  AI_PROVIDER_NAME_PATTERN,
  DEFAULT_AI_EMBEDDING_MODEL,
  DEFAULT_AI_MAX_RETRIES,
  DEFAULT_AI_MODEL,
  DEFAULT_AI_TIMEOUT_SECONDS,
  LOCAL_AI_PROVIDER,
  defaultAiKeySecret,
  hasApiKeyPrefix,
  isBuiltinAiProvider,
  looksLikeApiKey,
  parseModelRef,
} from "./ai";
import { DEFAULT_CALL_TIMEOUT_MS, DEFAULT_MEMBER_TIMEOUT_MS, MEMBER_SLUG_PATTERN, parseHeaderValue } from "./gateway";
import { MAX_WORKSPACE_MEMBERS } from "./workspaces";

/** Semantic versions (semver.org 2.0): MAJOR.MINOR.PATCH with an optional pre-release and build. */
export const SEMVER_PATTERN =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** Project slugs: lowercase letters, digits and dashes, 1-32 characters, no leading or trailing dash. */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

const VAR_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DATE_PATTERN = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/;
const RESERVED_VARS: readonly string[] = ["DB", "CACHE", "QUEUE", "STORAGE", "AI", "VECTORIZE"];

/**
 * One message for every check on a field (type, range, format), phrased as what is expected;
 * the loader appends ", got <value>". A missing required key reads `required (<what>)`.
 */
function expected(what: string, example = what) {
  return { error: (issue: { input?: unknown }) => (issue.input === undefined ? `required (${example})` : `expected ${what}`) };
}

function int(min: number, max: number) {
  const e = expected(`an integer from ${min} to ${max}`);
  return z.int(e).min(min, e).max(max, e);
}

function nonEmptyString(what: string) {
  const e = expected(what);
  return z.string(e).min(1, e);
}

/** A `[name]` table; each use adds `.prefault({})` so a missing table still gets its keys' defaults. */
function table<T extends z.ZodRawShape>(name: string, shape: T) {
  return z.object(shape, expected(`a table ([${name}])`)).strict();
}

const slug = expected(
  'a lowercase slug: lowercase letters, digits and dashes, 1-32 characters, no leading or trailing dash',
  'a lowercase slug such as "hello"',
);

const varName = z
  .string()
  .regex(VAR_NAME_PATTERN, { error: "expected a name of letters, digits and underscores, not starting with a digit" })
  .refine((key) => !RESERVED_VARS.includes(key), {
    error: (issue) =>
      `"${String(issue.input)}" is reserved: ${RESERVED_VARS.join(", ")} are bindings the platform provides; rename the var`,
  });

/** Where cross-key checks report: a refinement's ctx, or a wrapper that prefixes paths (the `[env.<name>]` checks). */
type IssueSink = Pick<z.RefinementCtx, "addIssue">;

// ---- [[vectorize]]: one table per vector index bound to env -------------------------------------------------
const VECTORIZE_METRICS = ["cosine", "euclidean", "dot-product"] as const;
/** Binding names follow the var rules; "VECTORIZE" is the default, the other platform names stay reserved. */
const RESERVED_FOR_VECTORIZE = RESERVED_VARS.filter((name) => name !== "VECTORIZE");
const vectorizeBinding = z
  .string(expected('a binding name such as "VECTORIZE"'))
  .regex(VAR_NAME_PATTERN, { error: "expected a name of letters, digits and underscores, not starting with a digit" })
  .refine((name) => !RESERVED_FOR_VECTORIZE.includes(name) && !name.startsWith("__AEROSTACK"), {
    error: (issue) => `"${String(issue.input)}" is reserved: ${RESERVED_FOR_VECTORIZE.join(", ")} are bindings the platform provides; pick another binding name`,
  });
const indexSlug = expected(
  "an index name: lowercase letters, digits and dashes, 1-32 characters, no leading or trailing dash",
  'an index name such as "docs"',
);
const vectorizeTable = z
  .object(
    {
      binding: vectorizeBinding.default("VECTORIZE"),
      index: z.string(indexSlug).regex(SLUG_PATTERN, indexSlug),
      dimensions: int(1, 1536),
      metric: z.enum(VECTORIZE_METRICS, expected('one of "cosine", "euclidean", "dot-product"')),
      /** Scan every vector at any size (no partitions past the exact threshold): slower queries, recall 1.0. */
      exact: z.boolean(expected("true or false")).optional(),
    },
    expected("a table ([[vectorize]])"),
  )
  .strict();

/** Cross-key rules of [[vectorize]]: unique binding names, no clash with vars or secrets, one shape per index. */
function checkVectorizeBindings(
  config: { vectorize?: { binding: string; index: string; dimensions: number; metric: string }[]; vars: Record<string, unknown>; secrets: string[] },
  ctx: IssueSink,
): void {
  const bindings = new Map<string, number>();
  const indexes = new Map<string, number>();
  (config.vectorize ?? []).forEach((entry, i) => {
    const at = (key: string) => ["vectorize", i, key];
    const first = bindings.get(entry.binding);
    if (first !== undefined) {
      ctx.addIssue({ code: "custom", path: at("binding"), message: `"${entry.binding}" is already the binding of vectorize[${first}]; give each [[vectorize]] its own binding name` });
    } else bindings.set(entry.binding, i);
    if (Object.hasOwn(config.vars, entry.binding)) {
      ctx.addIssue({ code: "custom", path: at("binding"), message: `"${entry.binding}" is also a var in [vars]; rename one of them` });
    }
    if (config.secrets.includes(entry.binding)) {
      ctx.addIssue({ code: "custom", path: at("binding"), message: `"${entry.binding}" is also listed in secrets; rename one of them` });
    }
    const same = indexes.get(entry.index);
    const other = same === undefined ? undefined : config.vectorize?.[same];
    if (other && (other.dimensions !== entry.dimensions || other.metric !== entry.metric)) {
      ctx.addIssue({
        code: "custom",
        path: at(other.dimensions !== entry.dimensions ? "dimensions" : "metric"),
        message: `index "${entry.index}" is declared in vectorize[${same}] with ${other.dimensions} dimensions and metric "${other.metric}"; every binding to one index must agree`,
      });
    } else if (same === undefined) indexes.set(entry.index, i);
  });
}

/** `value` as an http: or https: URL, or null when it is neither. */
function httpUrl(value: string): URL | null {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url : null;
  } catch {
    return null;
  }
}

// ---- [ai]: env.AI's default models and remote providers ----------------------------------------------------
/**
 * Issues about API keys carry `params.hideInput`: the loader then prints no ", got <value>", so a key pasted into
 * aerostack.toml is never echoed to the terminal or a CI log. Cross-key issues carry it too (their input is a table).
 */
const HIDE_INPUT = { hideInput: true } as const;
const NO_KEYS_HERE =
  "API keys never go in aerostack.toml: put the key in .dev.vars (OPENAI_API_KEY=…) and name that secret with api_key_secret";

function noApiKey(value: unknown, ctx: z.RefinementCtx): void {
  if (typeof value === "string" && looksLikeApiKey(value)) ctx.addIssue({ code: "custom", message: `this looks like an API key. ${NO_KEYS_HERE}`, params: HIDE_INPUT });
}

/** `api_key = …` anywhere in [ai]: always an error, whatever the value. */
const forbiddenApiKey = z.unknown().superRefine((value, ctx) => {
  if (value !== undefined) ctx.addIssue({ code: "custom", message: NO_KEYS_HERE, params: HIDE_INPUT });
});

const modelRefError = expected('"provider:model", such as "openai:gpt-4o-mini" or "local:default"');
const modelRef = z
  .string(modelRefError)
  .superRefine((value, ctx) => {
    // Prefixes only: model names such as "claude-3-5-sonnet-20241022" are long runs of letters and digits too.
    if (hasApiKeyPrefix(value)) ctx.addIssue({ code: "custom", message: `this looks like an API key. ${NO_KEYS_HERE}`, params: HIDE_INPUT });
    else if (parseModelRef(value) === null) ctx.addIssue({ code: "custom", message: 'expected "provider:model", such as "openai:gpt-4o-mini" or "local:default"' });
  });

const aiSeconds = expected("a number of seconds greater than 0 and at most 600");
const aiTimeout = z.number(aiSeconds).gt(0, aiSeconds).max(600, aiSeconds);

const aiBaseUrl = z.string(expected('an http(s) URL such as "https://api.groq.com/openai/v1"')).superRefine((value, ctx) => {
  if (hasApiKeyPrefix(value) || /[?&](?:key|api[_-]?key|token|access_token)=/i.test(value)) {
    ctx.addIssue({ code: "custom", message: `base_url must not carry a key. ${NO_KEYS_HERE}`, params: HIDE_INPUT });
    return;
  }
  const url = httpUrl(value);
  if (!url) {
    ctx.addIssue({ code: "custom", message: 'expected an http(s) URL such as "https://api.groq.com/openai/v1"' });
  } else if (url.username || url.password) {
    ctx.addIssue({ code: "custom", message: `base_url must not carry credentials. ${NO_KEYS_HERE}`, params: HIDE_INPUT });
  }
});

const aiKeySecretName = z
  .string(expected("a secret name such as \"OPENAI_API_KEY\""))
  .superRefine((value, ctx) => {
    if (looksLikeApiKey(value)) noApiKey(value, ctx);
    else if (!VAR_NAME_PATTERN.test(value)) {
      ctx.addIssue({ code: "custom", message: 'expected a secret name of letters, digits and underscores, such as "OPENAI_API_KEY"' });
    }
  });

const aiProviderTable = z
  .object(
    {
      /** Wire format; required for providers other than openai, anthropic and google. */
      kind: z.enum(AI_PROVIDER_KINDS, expected('one of "openai", "anthropic", "google"')).optional(),
      base_url: aiBaseUrl.optional(),
      api_key_secret: aiKeySecretName.optional(),
      /** false for servers that need no key (Ollama, LM Studio, a local vLLM). */
      key_required: z.boolean(expected("true or false")).optional(),
      timeout: aiTimeout.optional(),
      max_retries: int(0, 10).optional(),
      api_key: forbiddenApiKey.optional(),
    },
    expected("a table ([ai.providers.<name>])"),
  )
  .strict();

const aiProviderName = z.string().regex(AI_PROVIDER_NAME_PATTERN, {
  error: "expected a provider name of lowercase letters, digits, _ and -, starting with a letter (at most 32 characters)",
});

/** Cross-key rules of [ai]: every provider has a wire format and an address, and the default models name one. */
function checkAiProviders(
  ai: { default_model: string; embedding_model: string; providers: Record<string, { kind?: string; base_url?: string }> },
  ctx: z.RefinementCtx,
): void {
  for (const [name, provider] of Object.entries(ai.providers)) {
    if (name === LOCAL_AI_PROVIDER) {
      ctx.addIssue({ code: "custom", path: ["providers", name], params: HIDE_INPUT, message: '"local" is the built-in offline provider and takes no settings; remove [ai.providers.local]' });
      continue;
    }
    if (isBuiltinAiProvider(name)) {
      if (provider.kind !== undefined && provider.kind !== name) {
        ctx.addIssue({ code: "custom", path: ["providers", name, "kind"], params: HIDE_INPUT, message: `[ai.providers.${name}] always speaks the ${name} format; to use another, name the provider differently` });
      }
      continue;
    }
    if (provider.kind === undefined) {
      ctx.addIssue({ code: "custom", path: ["providers", name, "kind"], params: HIDE_INPUT, message: 'required (the wire format: "openai" for OpenAI-compatible servers such as Groq, Ollama, vLLM or LM Studio; "anthropic"; "google")' });
    }
    if (provider.base_url === undefined) {
      ctx.addIssue({ code: "custom", path: ["providers", name, "base_url"], params: HIDE_INPUT, message: 'required (the server\'s URL, such as "https://api.groq.com/openai/v1")' });
    }
  }
  for (const key of ["default_model", "embedding_model"] as const) {
    const provider = parseModelRef(ai[key])?.provider;
    if (provider === undefined || provider === LOCAL_AI_PROVIDER || isBuiltinAiProvider(provider) || Object.hasOwn(ai.providers, provider)) continue;
    const known = [LOCAL_AI_PROVIDER, ...AI_PROVIDER_KINDS, ...Object.keys(ai.providers).filter((n) => !isBuiltinAiProvider(n))];
    ctx.addIssue({ code: "custom", path: [key], params: HIDE_INPUT, message: `no provider "${provider}": declare [ai.providers.${provider}] or use one of ${known.join(", ")}` });
  }
}

const aiTable = z
  .object(
    {
      default_model: modelRef.default(DEFAULT_AI_MODEL),
      embedding_model: modelRef.default(DEFAULT_AI_EMBEDDING_MODEL),
      timeout: aiTimeout.default(DEFAULT_AI_TIMEOUT_SECONDS),
      max_retries: int(0, 10).default(DEFAULT_AI_MAX_RETRIES),
      local_fallback: z.boolean(expected("true or false")).default(true),
      providers: z.record(aiProviderName, aiProviderTable, expected("tables of providers ([ai.providers.<name>])")).default({}),
      api_key: forbiddenApiKey.optional(),
    },
    expected("a table ([ai])"),
  )
  .strict()
  .superRefine(checkAiProviders);

/** `[ai]` as parsed. */
export type AiConfig = z.output<typeof aiTable>;

/**
 * The secrets AI providers read their keys from: each declared provider's api_key_secret (or its default), plus the
 * built-in providers' (OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY), since any call may name `openai:…`
 * without an [ai] table — so an exported key works, as the errors that ask for one promise.
 */
export function aiKeySecretNames(ai: AiConfig | undefined): string[] {
  const names = new Set<string>(AI_PROVIDER_KINDS.map(defaultAiKeySecret));
  if (!ai) return [...names];
  const used = new Set<string>(Object.keys(ai.providers));
  for (const ref of [ai.default_model, ai.embedding_model]) {
    const provider = parseModelRef(ref)?.provider;
    if (provider && provider !== LOCAL_AI_PROVIDER) used.add(provider);
  }
  for (const name of used) {
    if (name === LOCAL_AI_PROVIDER) continue;
    names.add(ai.providers[name]?.api_key_secret ?? defaultAiKeySecret(name));
  }
  return [...names];
}

/** A provider key in [vars] would reach logs and the build manifest: refuse it, pointing at .dev.vars. */
function checkAiKeysInVars(config: { vars: Record<string, unknown>; ai?: AiConfig }, ctx: IssueSink): void {
  const keyNames = new Set([...AI_PROVIDER_KINDS.map(defaultAiKeySecret), ...aiKeySecretNames(config.ai)]);
  for (const [name, value] of Object.entries(config.vars)) {
    if (keyNames.has(name)) {
      ctx.addIssue({ code: "custom", path: ["vars", name], message: `${name} is an AI provider's key: remove it from [vars] and put ${name}=… in .dev.vars`, params: HIDE_INPUT });
    } else if (typeof value === "string" && hasApiKeyPrefix(value)) {
      ctx.addIssue({ code: "custom", path: ["vars", name], message: `this looks like an API key: vars are not secret. Move it to .dev.vars (${name}=…) and read it as env.${name}`, params: HIDE_INPUT });
    }
  }
}

// ---- [mcp]: the workspace gateway's proxied MCP servers (`[[mcp.proxy]]`) -------------------------------------
const memberSlug = expected(
  "a member slug: lowercase letters, digits and dashes, 1-32 characters, no underscores, no leading or trailing dash",
  'a member slug such as "github"',
);
const timeoutMs = (min: number, max: number) => int(min, max);

/** Header values are `secret:NAME`, `Bearer secret:NAME`, or (for headers that carry no credentials) a literal. */
const proxyHeaders = z
  .record(z.string(), z.string(expected('a string: "secret:NAME", "Bearer secret:NAME" or a literal value')), expected("a table of header names to values"))
  .superRefine((headers, ctx) => {
    for (const [name, raw] of Object.entries(headers)) {
      const parsed = parseHeaderValue(name, raw);
      // hideInput: a credential pasted here by mistake must not be echoed to the terminal or a CI log.
      if ("error" in parsed) ctx.addIssue({ code: "custom", path: [name], message: parsed.error, params: { hideInput: true } });
    }
  });

const mcpProxyTable = z
  .object(
    {
      slug: z.string(memberSlug).regex(MEMBER_SLUG_PATTERN, memberSlug),
      url: z.string(expected('an http(s) URL such as "https://mcp.example.com/mcp"')).superRefine((value, ctx) => {
        const url = httpUrl(value);
        if (!url) {
          ctx.addIssue({ code: "custom", message: 'expected an http(s) URL such as "https://mcp.example.com/mcp"' });
        } else if (url.username || url.password) {
          ctx.addIssue({ code: "custom", message: "must not carry credentials: use headers = { Authorization = \"Bearer secret:NAME\" }", params: { hideInput: true } });
        }
      }),
      headers: proxyHeaders.default({}),
      timeout_ms: timeoutMs(1, 600_000).optional(),
    },
    expected("a table ([[mcp.proxy]])"),
  )
  .strict();

const mcpTable = z
  .object(
    {
      /** Per member: initialize plus every page of a tools/resources/prompts list fan-out. */
      timeout_ms: timeoutMs(1, 600_000).default(DEFAULT_MEMBER_TIMEOUT_MS),
      /** One routed call: tools/call, resources/read, prompts/get. */
      call_timeout_ms: timeoutMs(1, 3_600_000).default(DEFAULT_CALL_TIMEOUT_MS),
      proxy: z.array(mcpProxyTable, expected("an array of tables ([[mcp.proxy]] sections)")).max(100, { error: "expected at most 100 [[mcp.proxy]] servers" }).default([]),
    },
    expected("a table ([mcp])"),
  )
  .strict();

/** Cross-key rules of [mcp]: member slugs are unique and do not take the project's own (an mcp-server is a member). */
function checkMcpMembers(config: { name: string; type: string; mcp?: { proxy: { slug: string }[] } }, ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  (config.mcp?.proxy ?? []).forEach((proxy, i) => {
    const first = seen.get(proxy.slug);
    if (first !== undefined) {
      ctx.addIssue({ code: "custom", path: ["mcp", "proxy", i, "slug"], message: `"${proxy.slug}" is already the slug of mcp.proxy[${first}]; slugs name tools ({slug}__{tool}) and must be unique` });
    } else seen.set(proxy.slug, i);
    if (config.type === "mcp-server" && proxy.slug === config.name) {
      ctx.addIssue({ code: "custom", path: ["mcp", "proxy", i, "slug"], message: `"${proxy.slug}" is the project's own MCP server in the gateway; give the proxy another slug` });
    }
  });
}

// ---- type = "workspace": [workspace] settings and [[members]] ---------------------------------------------------
/*
 * A workspace project gets its own `[[members]]` rather than reusing `[[mcp.proxy]]`: a member may be a deployed
 * project or another workspace as well as a URL, and `[[mcp.proxy]]` means "servers beside this project's own" in
 * the dev gateway of an mcp-server project, a meaning it keeps. The keys mirror the CLI's `workspace add` flags.
 */
const workspaceTable = table("workspace", {
  /** Requests per minute per member token. */
  rate_limit: int(1, 100_000).optional(),
  /** Keep tools/call arguments (capped) in the call log; off unless written: arguments may hold personal data. */
  log_arguments: z.boolean(expected("true or false")).optional(),
  log_retention_days: int(1, 365).optional(),
});

const memberTable = z
  .object(
    {
      /** The member's name in the workspace (tool prefix); defaults to the project's or workspace's name. */
      slug: z.string(memberSlug).regex(MEMBER_SLUG_PATTERN, memberSlug).optional(),
      /** A project deployed to the same account, by name. */
      project: z.string(slug).regex(SLUG_PATTERN, slug).optional(),
      /** A proxied MCP server. */
      url: mcpProxyTable.shape.url.optional(),
      /** Another workspace of the same account, composed in. */
      workspace: z.string(memberSlug).regex(MEMBER_SLUG_PATTERN, memberSlug).optional(),
      headers: proxyHeaders.optional(),
      timeout_ms: timeoutMs(1, 3_600_000).optional(),
      /** Let a proxied URL resolve to a private or loopback address (link-local and metadata stay refused). */
      allow_private: z.boolean(expected("true or false")).optional(),
    },
    expected("a table ([[members]])"),
  )
  .strict()
  .superRefine((member, ctx) => {
    const kinds = (["project", "url", "workspace"] as const).filter((k) => member[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: "custom", message: `expected exactly one of project, url or workspace${kinds.length ? `, got ${kinds.join(" and ")}` : ""}`, input: undefined });
      return;
    }
    if (member.url === undefined) {
      for (const key of ["headers", "allow_private"] as const) {
        if (member[key] !== undefined) ctx.addIssue({ code: "custom", path: [key], message: `only a proxied member (url = …) takes ${key}`, input: undefined });
      }
    } else if (member.slug === undefined) {
      ctx.addIssue({ code: "custom", path: ["slug"], message: 'required for a url member (the prefix of its tools, such as "stripe")', input: undefined });
    }
  });

const membersList = z.array(memberTable, expected("an array of tables ([[members]] sections)")).max(MAX_WORKSPACE_MEMBERS, { error: `expected at most ${MAX_WORKSPACE_MEMBERS} [[members]]` });

/** A `[[members]]` entry's slug: written, else the project's or composed workspace's name. */
export function memberSlugOf(member: { slug?: string | undefined; project?: string | undefined; workspace?: string | undefined }): string {
  return member.slug ?? member.project ?? member.workspace ?? "";
}

/**
 * Cross-key rules of a workspace project: `[[members]]` and `[workspace]` only there, unique slugs, not composing
 * itself, and none of the keys that configure code (a workspace deploys no code, so they would silently do nothing).
 */
function checkWorkspace(
  config: { name: string; type: string; members?: { slug?: string; project?: string; workspace?: string }[]; workspace?: unknown; vars: Record<string, unknown>; vectorize?: unknown; ai?: unknown; mcp?: unknown; env?: unknown },
  ctx: z.RefinementCtx,
): void {
  if (config.type !== "workspace") {
    for (const key of ["members", "workspace"] as const) {
      if (config[key] !== undefined) ctx.addIssue({ code: "custom", path: [key], message: `only a workspace project takes ${key === "members" ? "[[members]]" : "[workspace]"}; set type = "workspace" (or remove it)`, input: undefined });
    }
    return;
  }
  const codeKeys = { vars: Object.keys(config.vars).length > 0, vectorize: config.vectorize !== undefined, ai: config.ai !== undefined, mcp: config.mcp !== undefined, env: config.env !== undefined };
  for (const [key, written] of Object.entries(codeKeys)) {
    if (!written) continue;
    const instead = key === "mcp" ? "; list proxied servers as [[members]] with url = …" : key === "env" ? "; use one workspace project per environment" : "";
    ctx.addIssue({ code: "custom", path: [key], message: `a workspace runs no code of its own, so [${key}] does nothing here${instead}`, input: undefined });
  }
  const seen = new Map<string, number>();
  (config.members ?? []).forEach((member, i) => {
    const name = memberSlugOf(member);
    const first = seen.get(name);
    if (first !== undefined) {
      ctx.addIssue({ code: "custom", path: ["members", i, "slug"], message: `"${name}" is already the slug of members[${first}]; slugs name tools ({slug}__{tool}) and must be unique`, input: undefined });
    } else seen.set(name, i);
    if (member.workspace === config.name) {
      ctx.addIssue({ code: "custom", path: ["members", i, "workspace"], message: `a workspace cannot compose itself ("${config.name}" is this project's name)`, input: undefined });
    }
  });
}

// ---- type = "bot": [bot] -------------------------------------------------------------------------------------
const botPlatform = expected('one of "telegram", "slack", "discord", "whatsapp"');
const botTable = table("bot", {
  /** The workspace whose tools the agent loop calls; absent: a bot with no tools. */
  workspace: z.string(memberSlug).regex(MEMBER_SLUG_PATTERN, memberSlug).optional(),
  mode: z.enum(["agent", "workflow"], expected('"agent" or "workflow"')).default("agent"),
  /** mode = "workflow": the deployed workflow each new conversation starts. */
  workflow: z.string(slug).regex(SLUG_PATTERN, slug).optional(),
  /**
   * mode = "workflow": the folder of that workflow's project (its aerostack.toml), relative to this file.
   * `aerostack dev` here stores it on the dev platform and again on each save, as dev does in the workflow's folder.
   */
  workflow_path: nonEmptyString("a folder path").optional(),
  system_prompt: z.string(expected("a string")).max(20_000, expected("a string of at most 20000 characters")).default("You are a helpful assistant."),
  model: modelRef.optional(),
  platforms: z.array(z.enum(["telegram", "slack", "discord", "whatsapp"], botPlatform), expected("an array of platforms")).min(1, expected("at least one platform")),
  max_iterations: int(1, 50).default(10),
  memory_turns: int(2, 200).default(20),
  rate_limit_per_minute: int(1, 10_000).default(20),
  /** The chat platforms' API base URLs (tests point them at loopback fixtures). */
  api_base: z
    .object(
      {
        telegram: mcpProxyTable.shape.url.optional(),
        slack: mcpProxyTable.shape.url.optional(),
        discord: mcpProxyTable.shape.url.optional(),
        whatsapp: mcpProxyTable.shape.url.optional(),
      },
      expected("a table ([bot.api_base])"),
    )
    .strict()
    .default({}),
  /** Where a workflow's human_handoff asks for approval (with buttons); default: the conversation's own chat. */
  approvals: z
    .object({ platform: z.enum(["telegram", "slack", "discord", "whatsapp"], botPlatform), chat: nonEmptyString("a chat or channel id") }, expected("a table ([bot.approvals])"))
    .strict()
    .optional(),
});

/** `[bot]` only in a bot project, and there it is required; workflow mode names its workflow. */
function checkBot(
  config: { type: string; bot?: { mode: string; workflow?: string | undefined; workflow_path?: string | undefined; platforms: string[]; approvals?: { platform: string } | undefined } },
  ctx: z.RefinementCtx,
): void {
  if (config.type !== "bot") {
    if (config.bot !== undefined) ctx.addIssue({ code: "custom", path: ["bot"], message: 'only a bot project takes [bot]; set type = "bot" (or remove it)', input: undefined });
    return;
  }
  if (!config.bot) {
    ctx.addIssue({ code: "custom", path: ["bot"], message: 'required (a [bot] table with platforms = ["telegram"] at least)', input: undefined });
    return;
  }
  if (config.bot.mode === "workflow" && !config.bot.workflow) ctx.addIssue({ code: "custom", path: ["bot", "workflow"], message: 'required when mode = "workflow" (the deployed workflow each conversation starts)', input: undefined });
  if (config.bot.mode !== "workflow" && config.bot.workflow_path !== undefined) {
    ctx.addIssue({ code: "custom", path: ["bot", "workflow_path"], message: 'only with mode = "workflow" (the folder of the workflow it runs)', input: undefined });
  }
  if (config.bot.approvals && !config.bot.platforms.includes(config.bot.approvals.platform)) {
    ctx.addIssue({ code: "custom", path: ["bot", "approvals", "platform"], message: `expected one of the bot's platforms (${config.bot.platforms.join(", ")})`, input: undefined });
  }
}

/** `[bot]` as parsed. */
export type BotConfig = z.output<typeof botTable>;

// ---- top-level keys an [env.<name>] table may override too ------------------------------------------------
const dateString = expected('a date string "YYYY-MM-DD"');
const compatibilityDate = z.string(dateString).regex(DATE_PATTERN, dateString);
const compatibilityFlags = z.array(z.string(expected("a string")), expected("an array of strings"));
/** Names of secrets the code needs (values never live in this file). */
const secretNames = z.array(varName, expected("an array of secret names"));
const varsTable = z.record(varName, z.union([z.string(), z.number(), z.boolean()], expected("a string, number or boolean")), expected("a table ([vars])"));
const queueTable = (name: string) =>
  table(name, {
    max_retries: int(0, 100).default(3),
    max_batch_size: int(1, 100).default(10),
    /** Seconds; the base of the exponential backoff between retries. */
    retry_delay: z.number(expected("a number of seconds >= 0")).min(0, expected("a number of seconds >= 0")).default(1),
  });
const vectorizeList = z
  .array(vectorizeTable, expected("an array of tables ([[vectorize]] sections)"))
  .max(32, { error: "expected at most 32 [[vectorize]] indexes" });

// ---- [env.<name>]: per-environment overrides for `aerostack deploy --env <name>` ------------------------------
/** The environment `aerostack deploy` targets without `--env`; it needs no [env.production] table. */
export const DEFAULT_ENV_NAME = "production";

const envName = expected(
  "an environment name: lowercase letters, digits and dashes, 1-32 characters, no leading or trailing dash",
  'an environment name such as "staging"',
);

/**
 * One `[env.<name>]` table. Every key is optional; what is written overrides the top level for that environment:
 * `vars` merge key by key (the environment's value wins), every other key replaces the top-level value whole
 * (a `[env.staging.queue]` table takes its unwritten keys from the defaults, not from the top-level `[queue]`).
 */
const envTable = z
  .object(
    {
      compatibility_date: compatibilityDate.optional(),
      compatibility_flags: compatibilityFlags.optional(),
      secrets: secretNames.optional(),
      vars: varsTable.optional(),
      queue: queueTable("env.<name>.queue").optional(),
      vectorize: vectorizeList.optional(),
      ai: aiTable.optional(),
    },
    expected("a table ([env.<name>])"),
  )
  .strict();

/** `[env.<name>]` as parsed: only the keys written. */
export type EnvOverrides = z.output<typeof envTable>;

/** The project config as `--env <name>` sees it: the top level with that environment's overrides applied. */
export function configForEnv<C extends { vars: Record<string, string | number | boolean>; env?: Record<string, EnvOverrides> | undefined }>(
  config: C,
  name: string,
): Omit<C, "env"> {
  const { env, ...base } = config;
  const overrides = env?.[name];
  if (!overrides) return base;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    merged[key] = key === "vars" ? { ...base.vars, ...(value as Record<string, string | number | boolean>) } : value;
  }
  return merged as Omit<C, "env">;
}

/**
 * The cross-key rules again on each environment's merged config (an env var may clash with a top-level
 * [[vectorize]] binding). Issues the top level already has are not repeated; the rest are reported under
 * `env.<name>`.
 */
function checkEnvs(config: Parameters<typeof checkVectorizeBindings>[0] & { vars: Record<string, string | number | boolean>; ai?: AiConfig; env?: Record<string, EnvOverrides> }, ctx: z.RefinementCtx): void {
  if (!config.env) return;
  const collect = (target: Parameters<typeof checkVectorizeBindings>[0] & { vars: Record<string, unknown>; ai?: AiConfig }) => {
    const issues: Parameters<IssueSink["addIssue"]>[0][] = [];
    const sink: IssueSink = { addIssue: (issue) => issues.push(issue) };
    checkVectorizeBindings(target, sink);
    checkAiKeysInVars(target, sink);
    return issues;
  };
  const key = (issue: Parameters<IssueSink["addIssue"]>[0]) => (typeof issue === "string" ? issue : `${(issue.path ?? []).join(".")}|${issue.message}`);
  const atTop = new Set(collect(config).map(key));
  for (const name of Object.keys(config.env)) {
    for (const issue of collect(configForEnv(config, name))) {
      if (atTop.has(key(issue))) continue;
      if (typeof issue === "string") ctx.addIssue({ code: "custom", path: ["env", name], message: issue });
      // input: undefined, so the message is not followed by ", got a table" (the input zod would add is the whole config).
      else ctx.addIssue({ ...issue, input: undefined, path: ["env", name, ...(issue.path ?? [])] } as Parameters<IssueSink["addIssue"]>[0]);
    }
  }
}

export const ProjectConfigSchema = z
  .object({
    name: z.string(slug).regex(SLUG_PATTERN, slug),
    type: z.enum(["function", "mcp-server", "skill", "workflow", "workspace", "bot"], expected('one of "function", "mcp-server", "skill", "workflow", "workspace", "bot"')).default("function"),
    main: nonEmptyString("a path to the entry file, such as \"src/index.ts\"").default("src/index.ts"),
    compatibility_date: compatibilityDate.default("2025-09-01"),
    compatibility_flags: compatibilityFlags.default([]),
    /** The release `aerostack hub publish` publishes (semver); absent until the project is published. */
    version: z.string(expected('a semantic version such as "1.0.0"')).regex(SEMVER_PATTERN, expected('a semantic version such as "1.0.0"')).optional(),
    /** Names of secrets read from the environment in `aerostack dev` (values never live in this file). */
    secrets: secretNames.default([]),
    vars: varsTable.default({}),
    dev: table("dev", {
      port: int(1, 65535).default(8787),
      host: nonEmptyString("a host name or IP address").default("127.0.0.1"),
      persist_to: nonEmptyString("a directory path").default(".aerostack/state"),
    }).prefault({}),
    db: table("db", {
      migrations_dir: nonEmptyString("a directory path").default("migrations"),
    }).prefault({}),
    queue: queueTable("queue").prefault({}),
    /** `[[vectorize]]` tables; absent (not defaulted) so configs without vector indexes parse exactly as before. */
    vectorize: vectorizeList.optional(),
    /** `[ai]`: env.AI's default models and providers; absent when not written (env.AI then runs offline). */
    ai: aiTable.optional(),
    /** `[mcp]`: proxied MCP servers the dev gateway (`/ws/dev`) composes; absent when not written. */
    mcp: mcpTable.optional(),
    /** `[workspace]` (type = "workspace"): rate limit and call-log settings; absent when not written. */
    workspace: workspaceTable.optional(),
    /** `[[members]]` (type = "workspace"): the workspace's members; absent when not written. */
    members: membersList.optional(),
    /** `[bot]` (type = "bot"): workspace, mode, system prompt, model, platforms; absent when not written. */
    bot: botTable.optional(),
    /** `[email]` (type = "workflow"): the HTTP email API auth_gate's email channel sends through; absent when not written. */
    email: table("email", {
      url: z.string(expected("an http(s) URL of an email API, such as \"https://api.resend.com/emails\"")).regex(/^https?:\/\/\S+$/, expected("an http(s) URL of an email API, such as \"https://api.resend.com/emails\"")),
      from: nonEmptyString('a sender address, such as "Support <support@example.com>"'),
      api_key_secret: varName.optional(),
      subject: nonEmptyString("an email subject").optional(),
    }).optional(),
    /** `[env.<name>]`: overrides per deployed environment; absent when not written. */
    env: z.record(z.string().regex(SLUG_PATTERN, envName), envTable, expected("tables of environments ([env.<name>])")).optional(),
  }, expected("a table"))
  .strict()
  .superRefine(checkVectorizeBindings)
  .superRefine(checkAiKeysInVars)
  .superRefine(checkMcpMembers)
  .superRefine(checkWorkspace)
  .superRefine(checkBot)
  .superRefine((config, ctx) => {
    if (config.email !== undefined && config.type !== "workflow") {
      ctx.addIssue({ code: "custom", path: ["email"], message: 'only a workflow project takes [email] (its auth_gate nodes send through it); set type = "workflow" (or remove it)', input: undefined });
    }
  })
  .superRefine(checkEnvs);

export type ProjectConfig = z.output<typeof ProjectConfigSchema>;

/** The config `aerostack init` starts from: every default, under the given name. */
export function defaultConfig(name: string): ProjectConfig {
  return ProjectConfigSchema.parse({ name });
}
