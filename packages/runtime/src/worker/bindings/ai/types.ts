/** What the AI binding's parts share: a validated request, a resolved provider target, and the adapter contract. */
import type { AiProviderKind } from "../../../shared/ai";
import type { ChatDelta, ChatMessage, ChatResult, EmbedResult, ToolChoice } from "../../../shared/wire/ai";

export interface Tool {
  name: string;
  description: string;
  /** A JSON Schema object; `{ type: "object", properties: {} }` when the caller gave none. */
  parameters: Record<string, unknown>;
}

/** A chat request after validation: tools and tool choice always present. */
export interface ChatRequest {
  model: string | undefined;
  messages: ChatMessage[];
  tools: Tool[];
  toolChoice: ToolChoice;
  temperature: number | undefined;
  maxTokens: number | undefined;
  timeoutMs: number | undefined;
}

export interface EmbedRequest {
  model: string | undefined;
  input: string[];
  dimensions: number | undefined;
  timeoutMs: number | undefined;
}

export type AiOperation = "chat" | "embed";

/** A remote provider, ready to call: where, with which key, and how patiently. */
export interface ProviderTarget {
  /** The name in `provider:model` (`openai`, `groq`, …). */
  provider: string;
  kind: AiProviderKind;
  baseUrl: string;
  /** Null only for providers with `key_required = false` and no key set. */
  apiKey: string | null;
  apiKeySecret: string;
  /** The model without its provider prefix. */
  model: string;
  timeoutMs: number;
  maxRetries: number;
  operation: AiOperation;
}

/** One provider wire format. `chatStream` resolves once the provider accepted the request (errors throw there). */
export interface ProviderAdapter {
  chat(target: ProviderTarget, request: ChatRequest): Promise<ChatResult>;
  chatStream(target: ProviderTarget, request: ChatRequest): Promise<AsyncIterable<ChatDelta>>;
  embed(target: ProviderTarget, request: EmbedRequest): Promise<EmbedResult>;
}

/** Short, stable codes stored with each call in the usage log (never messages, which may quote user content). */
export type AiErrorCode =
  | "invalid_request"
  | "unknown_provider"
  | "missing_key"
  | "auth"
  | "not_found"
  | "bad_request"
  | "rate_limited"
  | "server"
  | "timeout"
  | "network"
  | "invalid_response"
  | "unsupported"
  | "cancelled"
  | "internal";

/** A failure whose message is safe to show (no key, says what to do) and whose code goes into the usage log. */
export class AiCallError extends Error {
  constructor(
    readonly code: AiErrorCode,
    message: string,
    /** Set when the call failed before reaching a provider, so the usage log can still name what was asked for. */
    readonly attempted?: { provider: string; model: string },
  ) {
    super(message);
    this.name = "Error";
  }
}

/** `AI.chat` / `AI.embed`: the prefix of every message, naming the call the user made. */
export function opName(operation: AiOperation): string {
  return operation === "chat" ? "AI.chat" : "AI.embed";
}

/** Tokens when a provider reports none: about four characters each, the usual rule of thumb for English text. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
