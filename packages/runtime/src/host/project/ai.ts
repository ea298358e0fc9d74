/** `[ai]` of aerostack.toml as deployment settings: every referenced provider resolved with its defaults. */
import type { AiConfig } from "../../shared/config";
import type { AiProviderSettings, AiSettings } from "../../shared/protocol";
import { BUILTIN_AI_PROVIDERS, defaultAiKeySecret, isBuiltinAiProvider, type AiProviderKind } from "../../shared/ai";

export function aiSettings(ai: AiConfig): AiSettings {
  const providers: Record<string, AiProviderSettings> = {};
  for (const [name, table] of Object.entries(ai.providers)) {
    // The schema guarantees a kind (built-in names are their own kind) and a base_url for the others.
    const kind: AiProviderKind = table.kind ?? (isBuiltinAiProvider(name) ? name : "openai");
    const provider: AiProviderSettings = {
      kind,
      baseUrl: (table.base_url ?? BUILTIN_AI_PROVIDERS[kind].baseUrl).replace(/\/+$/, ""),
      apiKeySecret: table.api_key_secret ?? defaultAiKeySecret(name),
      keyRequired: table.key_required ?? true,
    };
    if (table.timeout !== undefined) provider.timeoutMs = Math.round(table.timeout * 1000);
    if (table.max_retries !== undefined) provider.maxRetries = table.max_retries;
    providers[name] = provider;
  }
  return {
    defaultModel: ai.default_model,
    embeddingModel: ai.embedding_model,
    timeoutMs: Math.round(ai.timeout * 1000),
    maxRetries: ai.max_retries,
    localFallback: ai.local_fallback,
    providers,
  };
}
