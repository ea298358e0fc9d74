/**
 * Which provider serves a call: the `provider:model` it names, or the project's `[ai]` default. A default whose
 * provider has no key falls back to the offline `local` provider (unless `local_fallback = false`), so dev, tests and
 * CI run without keys; a model the call names explicitly never falls back.
 */
import { projectStore } from "../../projects/project-store";
import { activeDeployment } from "../../isolates/active";
import type { PlatformEnv } from "../../env";
import {
  AI_PROVIDER_KINDS,
  BUILTIN_AI_PROVIDERS,
  DEFAULT_AI_EMBEDDING_MODEL,
  DEFAULT_AI_MAX_RETRIES,
  DEFAULT_AI_MODEL,
  DEFAULT_AI_TIMEOUT_SECONDS,
  LOCAL_AI_PROVIDER,
  defaultAiKeySecret,
  isBuiltinAiProvider,
  parseModelRef,
} from "../../../shared/ai";
import type { AiProviderSettings, AiSettings } from "../../../shared/protocol";
import { AiCallError, opName, type AiOperation, type ProviderTarget } from "./types";

/** `[ai]` for deployments that have none. */
const DEFAULT_SETTINGS: AiSettings = {
  defaultModel: DEFAULT_AI_MODEL,
  embeddingModel: DEFAULT_AI_EMBEDDING_MODEL,
  timeoutMs: DEFAULT_AI_TIMEOUT_SECONDS * 1000,
  maxRetries: DEFAULT_AI_MAX_RETRIES,
  localFallback: true,
  providers: {},
};

export type Resolved =
  | { kind: "local"; provider: "local"; model: string; fallbackFrom?: string }
  | ({ kind: ProviderTarget["kind"] } & { target: ProviderTarget; provider: string; model: string });

/**
 * Decrypted secrets per project, kept while the project's secrets revision stays the same: one control-plane round
 * trip per change, not per call. The revision comes from `activeDeployment`, which a secrets push refreshes at once.
 * A cache, correct when empty: ProjectStore holds the secrets.
 */
const secretsCache = new Map<string, { rev: number; secrets: Promise<Record<string, string>> }>();

function projectSecrets(env: PlatformEnv, project: string, rev: number): Promise<Record<string, string>> {
  const hit = secretsCache.get(project);
  if (hit && hit.rev === rev) return hit.secrets;
  const secrets = projectStore(env, project).getSecrets(project);
  secretsCache.set(project, { rev, secrets });
  secrets.catch(() => {
    if (secretsCache.get(project)?.secrets === secrets) secretsCache.delete(project);
  });
  return secrets;
}

/** Fallback notices already printed, per project, provider and secrets revision: one line, not one per call (empty: once more). */
const warned = new Set<string>();

function providerSettings(ai: AiSettings, name: string): AiProviderSettings | undefined {
  const declared = ai.providers[name];
  if (declared) return declared;
  if (!isBuiltinAiProvider(name)) return undefined;
  return { kind: name, baseUrl: BUILTIN_AI_PROVIDERS[name].baseUrl, apiKeySecret: defaultAiKeySecret(name), keyRequired: true };
}

export async function resolveModel(
  env: PlatformEnv,
  project: string,
  operation: AiOperation,
  requested: string | undefined,
  timeoutMs: number | undefined,
): Promise<Resolved> {
  const op = opName(operation);
  const active = await activeDeployment(env, project);
  const ai = active.settings?.ai ?? DEFAULT_SETTINGS;
  const ref = requested ?? (operation === "chat" ? ai.defaultModel : ai.embeddingModel);
  const parsed = parseModelRef(ref);
  const known = () => [LOCAL_AI_PROVIDER, ...new Set([...AI_PROVIDER_KINDS, ...Object.keys(ai.providers)])].join(", ");
  if (!parsed) {
    throw new AiCallError(
      "invalid_request",
      `${op}: model ${JSON.stringify(ref)} names no provider; write "provider:model", such as "openai:${ref.includes(":") ? "gpt-4o-mini" : ref}" (providers: ${known()})`,
    );
  }
  if (parsed.provider === LOCAL_AI_PROVIDER) return { kind: "local", provider: "local", model: parsed.model };
  const settings = providerSettings(ai, parsed.provider);
  if (!settings) {
    throw new AiCallError(
      "unknown_provider",
      `${op}: no provider "${parsed.provider}" (in model "${ref}"). Declare it in aerostack.toml as [ai.providers.${parsed.provider}] with kind and base_url, or use one of: ${known()}.`,
      { provider: parsed.provider, model: ref },
    );
  }
  const secrets = await projectSecrets(env, project, active.secretsRev);
  const key = secrets[settings.apiKeySecret];
  const apiKey = key !== undefined && key !== "" ? key : null;
  if (apiKey === null && settings.keyRequired) {
    if (requested === undefined && ai.localFallback) {
      const notice = `${project}|${parsed.provider}|${active.secretsRev}`;
      if (!warned.has(notice)) {
        warned.add(notice);
        console.warn(
          `[${project}] env.AI: secret ${settings.apiKeySecret} is not set, so the default ${operation === "chat" ? "model" : "embedding model"} ${ref} ` +
            `runs on the offline local provider. Add ${settings.apiKeySecret}=<your key> to .dev.vars to call ${parsed.provider}.`,
        );
      }
      return { kind: "local", provider: "local", model: "default", fallbackFrom: ref };
    }
    throw new AiCallError(
      "missing_key",
      `${op}: model "${ref}" needs an API key, but secret ${settings.apiKeySecret} is not set. ` +
        `Add ${settings.apiKeySecret}=<your key> to .dev.vars (or set it in the environment aerostack runs in), or use "local:default" to run offline.`,
      { provider: parsed.provider, model: ref },
    );
  }
  return {
    kind: settings.kind,
    provider: parsed.provider,
    model: parsed.model,
    target: {
      provider: parsed.provider,
      kind: settings.kind,
      baseUrl: settings.baseUrl.replace(/\/+$/, ""),
      apiKey,
      apiKeySecret: settings.apiKeySecret,
      model: parsed.model,
      timeoutMs: timeoutMs ?? settings.timeoutMs ?? ai.timeoutMs,
      maxRetries: settings.maxRetries ?? ai.maxRetries,
      operation,
    },
  };
}
