/** env.AI's wire contract: what the shim sends the ScopedAI entrypoint, and the result shapes every provider returns. */
// Plain TypeScript and Web APIs only: the shim bundles it into user isolates, and users see these types through
// `@aerostack/runtime/types` (no workers-types).

export type ChatRole = "system" | "user" | "assistant" | "tool";

/** One tool call, the same shape whichever provider made it: arguments are already parsed. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

export interface ChatMessage {
  role: ChatRole;
  /** Text. For `tool` messages, a non-string result is sent as its JSON. */
  content: string;
  /** On `assistant` messages: the calls the model made (pass `result.toolCalls` back as they came). */
  toolCalls?: ToolCall[];
  /** On `tool` messages: the `id` of the call this is the result of. */
  toolCallId?: string;
}

/** A tool the model may call. `parameters` is a JSON Schema object (`{ type: "object", properties, required }`). */
export interface ToolDefinition {
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
}

/** `auto` (the model decides), `none`, `required` (some tool), or one named tool. */
export type ToolChoice = "auto" | "none" | "required" | { name: string };

export interface ChatOptions {
  /** `provider:model`, such as `openai:gpt-4o-mini`; default: `[ai] default_model` (else `local:default`). */
  model?: string;
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  /** 0 to 2. */
  temperature?: number;
  maxTokens?: number;
  /** Stream deltas instead of waiting for the whole answer. */
  stream?: boolean;
  /** Per attempt, overriding `[ai] timeout` for this call. */
  timeoutMs?: number;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

/** Why the model stopped: done, out of tokens, wants tools run, filtered, or something provider-specific. */
export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "other";

export interface ChatResult {
  text: string;
  toolCalls: ToolCall[];
  usage: Usage;
  /** `provider:model` as the provider reported it (the local provider, if a missing key made the call fall back). */
  model: string;
  finishReason: FinishReason;
}

/** What a streamed chat yields: text as it comes, each tool call once complete, then `done`. */
export type ChatDelta =
  | { type: "text"; text: string }
  | { type: "tool_call"; toolCall: ToolCall }
  | { type: "done"; usage: Usage; finishReason: FinishReason; model: string };

export interface EmbedOptions {
  /** `provider:model`; default: `[ai] embedding_model` (else `local:default`, 384 dimensions). */
  model?: string;
  input: string | string[];
  /** Output dimensions, for models that can shorten their vectors (OpenAI v3, Gemini, local). */
  dimensions?: number;
  timeoutMs?: number;
}

export interface EmbedResult {
  /** One vector per input, in input order (one for a string input). */
  vectors: number[][];
  model: string;
  usage: Usage;
}

/** `chat` as it crosses RPC (streaming is another method): validated again by the platform, which never trusts the isolate. */
export type ChatRequestWire = Omit<ChatOptions, "stream">;

export interface EmbedRequestWire {
  model?: string;
  input: string[];
  dimensions?: number;
  timeoutMs?: number;
}

/**
 * A streamed chat travels as bytes, one JSON line per delta, because RPC carries byte streams only. A failure after
 * the stream started arrives as an `error` line and errors the user's stream with its message.
 */
export type ChatStreamLine = ChatDelta | { type: "error"; message: string };

/** The RPC surface ScopedAI offers. */
export interface AiRpc {
  chat(request: ChatRequestWire): Promise<ChatResult>;
  chatStream(request: ChatRequestWire): Promise<ReadableStream<Uint8Array>>;
  embed(request: EmbedRequestWire): Promise<EmbedResult>;
}
