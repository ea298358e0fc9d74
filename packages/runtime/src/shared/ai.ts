/**
 * env.AI facts both sides share: provider kinds and their defaults, `provider:model` references, and the check that
 * keeps API keys out of aerostack.toml. No zod and no Node APIs: the config schema, the host and the platform worker
 * all import it.
 */

/** Remote provider wire formats. `local` is built in and never calls the network. */
export const AI_PROVIDER_KINDS = ["openai", "anthropic", "google"] as const;
export type AiProviderKind = (typeof AI_PROVIDER_KINDS)[number];

export const LOCAL_AI_PROVIDER = "local";
export const DEFAULT_AI_MODEL = "local:default";
export const DEFAULT_AI_EMBEDDING_MODEL = "local:default";
export const DEFAULT_AI_TIMEOUT_SECONDS = 60;
export const DEFAULT_AI_MAX_RETRIES = 2;
/** Dimensions of the local provider's embeddings unless a call asks for others. */
export const LOCAL_EMBEDDING_DIMENSIONS = 384;

/** Each built-in provider's endpoint base (as its own SDK names it) and the secret its key is read from. */
export const BUILTIN_AI_PROVIDERS: Readonly<Record<AiProviderKind, { baseUrl: string; apiKeySecret: string }>> = {
  openai: { baseUrl: "https://api.openai.com/v1", apiKeySecret: "OPENAI_API_KEY" },
  anthropic: { baseUrl: "https://api.anthropic.com", apiKeySecret: "ANTHROPIC_API_KEY" },
  google: { baseUrl: "https://generativelanguage.googleapis.com/v1beta", apiKeySecret: "GEMINI_API_KEY" },
};

/** Provider names: what comes before the first `:` of a model reference, and the `<name>` in `[ai.providers.<name>]`. */
export const AI_PROVIDER_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;

export function isBuiltinAiProvider(name: string): name is AiProviderKind {
  return (AI_PROVIDER_KINDS as readonly string[]).includes(name);
}

/**
 * Splits `provider:model` on the first colon, so model names may hold colons themselves (Ollama's `llama3.2:3b`).
 * Null when there is no provider part or either part is malformed.
 */
export function parseModelRef(ref: string): { provider: string; model: string } | null {
  const colon = ref.indexOf(":");
  if (colon <= 0) return null;
  const provider = ref.slice(0, colon);
  const model = ref.slice(colon + 1);
  if (!AI_PROVIDER_NAME_PATTERN.test(provider) || model.length === 0 || model.length > 256 || /\s/.test(model)) return null;
  return { provider, model };
}

/** The secret a provider's key is read from when its table does not name one: `OPENAI_API_KEY`, `GROQ_API_KEY`, … */
export function defaultAiKeySecret(provider: string): string {
  if (isBuiltinAiProvider(provider)) return BUILTIN_AI_PROVIDERS[provider].apiKeySecret;
  return `${provider.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_API_KEY`;
}

/** Prefixes of the API keys of common LLM providers (OpenAI, Anthropic, Groq, Google, xAI, Perplexity, Hugging Face, …). */
const KEY_PREFIX = /(?:^|[^A-Za-z0-9])(?:sk-[A-Za-z0-9_-]{8,}|sk_[A-Za-z0-9]{8,}|gsk_[A-Za-z0-9]{8,}|AIza[0-9A-Za-z_-]{20,}|xai-[A-Za-z0-9]{8,}|pplx-[A-Za-z0-9]{8,}|hf_[A-Za-z0-9]{8,}|r8_[A-Za-z0-9]{8,}|nvapi-[A-Za-z0-9_-]{8,})/;

/**
 * Replaces each `secret` (at least 6 characters) and every token with a well-known key prefix by `[redacted]`:
 * the last step before any text from or about a provider reaches an error message or a log.
 */
export function redactApiKeys(text: string, secrets: readonly (string | null | undefined)[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret && secret.length >= 6) out = out.split(secret).join("[redacted]");
  return out.replace(new RegExp(KEY_PREFIX.source, "g"), (match) => `${/^[A-Za-z0-9]/.test(match) ? "" : match[0]}[redacted]`);
}

/** True when the text holds a token with a well-known API key prefix (`sk-…`, `AIza…`, `gsk_…`, …). */
export function hasApiKeyPrefix(value: string): boolean {
  return KEY_PREFIX.test(value);
}

/**
 * True for text that looks like an API key rather than a name: a known key prefix anywhere in it, or a long token
 * of mixed lowercase letters and digits (secret *names* are conventionally UPPER_SNAKE_CASE).
 */
export function looksLikeApiKey(value: string): boolean {
  if (hasApiKeyPrefix(value)) return true;
  return value.length >= 24 && /^[A-Za-z0-9_.+/=-]+$/.test(value) && /[a-z]/.test(value) && /[0-9]/.test(value);
}

// ---- The usage log (`GET /__aerostack/projects/:p/ai/usage`): written by the platform, read by the host ----

export interface AiUsageEntry {
  /** Epoch ms when the call started. */
  at: number;
  operation: "chat" | "chat_stream" | "embed";
  provider: string;
  /** `provider:model` as the call resolved it (before any provider-reported version suffix). */
  model: string;
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
  status: "ok" | "error";
  /** An AiErrorCode when status is "error": never a message, which could quote user content. */
  error: string | null;
  member: string | null;
}

export interface AiUsageTotal {
  provider: string;
  model: string;
  calls: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  avgLatencyMs: number;
}

export interface AiUsageReport {
  /** Newest first. */
  calls: (AiUsageEntry & { id: number })[];
  /** Per provider and model, over every call since `since`. */
  totals: AiUsageTotal[];
}
