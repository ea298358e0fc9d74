/** User-side AI: `env.AI.chat / embed / generate` over the platform's project-scoped RPC stub. */
import type { ChatRole, ChatMessage, ChatOptions, ChatResult, ChatDelta, EmbedOptions, EmbedResult, ChatRequestWire, EmbedRequestWire, ChatStreamLine, AiRpc } from "../shared/wire/ai";
// The wire contract (shared/wire/ai.ts) is part of the user-facing API too.
export type { ChatRole, ToolCall, ChatMessage, ToolDefinition, ToolChoice, ChatOptions, Usage, FinishReason, ChatResult, ChatDelta, EmbedOptions, EmbedResult, ChatRequestWire, EmbedRequestWire, ChatStreamLine, AiRpc } from "../shared/wire/ai";

/** A ReadableStream of deltas; also `for await (const delta of stream)`. */
export type ChatStream = ReadableStream<ChatDelta> & AsyncIterable<ChatDelta>;

export interface GenerateOptions {
  model?: string;
  /** A system prompt sent before the prompt. */
  system?: string;
  temperature?: number;
  maxTokens?: number;
  timeoutMs?: number;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return typeof value === "string" ? "a string" : `${typeof value} ${String(value)}`;
}

/** Shapes what the platform would only refuse: tool results as JSON text, arguments given as JSON text parsed. */
function messageWire(message: unknown, index: number): ChatMessage {
  if (message === null || typeof message !== "object" || Array.isArray(message)) {
    throw new TypeError(`AI.chat: messages[${index}] must be an object like { role: "user", content: "…" }, got ${describe(message)}`);
  }
  const m = message as Record<string, unknown>;
  let content = m.content;
  if (content === undefined || content === null) content = "";
  else if (typeof content !== "string") {
    if (m.role !== "tool") throw new TypeError(`AI.chat: messages[${index}].content must be a string, got ${describe(content)}`);
    content = JSON.stringify(content) ?? "";
  }
  const out: ChatMessage = { role: m.role as ChatRole, content: content as string };
  if (m.toolCalls !== undefined && m.toolCalls !== null) {
    if (!Array.isArray(m.toolCalls)) throw new TypeError(`AI.chat: messages[${index}].toolCalls must be an array of { id, name, arguments }`);
    out.toolCalls = m.toolCalls.map((call: unknown, j: number) => {
      const c = (call ?? {}) as Record<string, unknown>;
      let args: unknown = c.arguments ?? {};
      if (typeof args === "string") {
        try {
          args = JSON.parse(args) as unknown;
        } catch {
          throw new TypeError(`AI.chat: messages[${index}].toolCalls[${j}].arguments is a string that is not JSON; pass the parsed object`);
        }
      }
      return { id: c.id as string, name: c.name as string, arguments: args as Record<string, unknown> };
    });
  }
  if (m.toolCallId !== undefined && m.toolCallId !== null) out.toolCallId = m.toolCallId as string;
  return out;
}

function chatWire(options: ChatOptions): ChatRequestWire {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`AI.chat: pass options like { messages: [{ role: "user", content: "…" }] }, got ${describe(options)}`);
  }
  if (!Array.isArray(options.messages)) {
    throw new TypeError(`AI.chat: messages must be an array like [{ role: "user", content: "…" }], got ${describe(options.messages)}`);
  }
  const wire: ChatRequestWire = { messages: options.messages.map(messageWire) };
  if (options.model !== undefined) wire.model = options.model;
  if (options.tools !== undefined) wire.tools = options.tools;
  if (options.toolChoice !== undefined) wire.toolChoice = options.toolChoice;
  if (options.temperature !== undefined) wire.temperature = options.temperature;
  if (options.maxTokens !== undefined) wire.maxTokens = options.maxTokens;
  if (options.timeoutMs !== undefined) wire.timeoutMs = options.timeoutMs;
  return wire;
}

/** Turns the platform's JSON lines into a stream of deltas; an `error` line errors the stream with its message. */
function deltaStream(bytes: ReadableStream<Uint8Array>): ChatStream {
  const decoder = new TextDecoder();
  let buffered = "";
  const emit = (line: string, controller: TransformStreamDefaultController<ChatDelta>) => {
    if (line.trim() === "") return;
    const parsed = JSON.parse(line) as ChatStreamLine;
    if (parsed.type === "error") controller.error(new Error(parsed.message));
    else controller.enqueue(parsed);
  };
  const stream = bytes.pipeThrough(
    new TransformStream<Uint8Array, ChatDelta>({
      transform(chunk, controller) {
        buffered += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buffered.indexOf("\n")) >= 0) {
          emit(buffered.slice(0, nl), controller);
          buffered = buffered.slice(nl + 1);
        }
      },
      flush(controller) {
        emit(buffered + decoder.decode(), controller);
      },
    }),
  );
  return stream as ChatStream;
}

export class AiBinding {
  // Private so user code cannot reach the raw stub; the platform validates every call anyway.
  readonly #stub: AiRpc;

  constructor(stub: AiRpc) {
    this.#stub = stub;
  }

  /**
   * Sends a conversation to a model: `{ text, toolCalls, usage, model, finishReason }`, or with `stream: true` a
   * stream of deltas. Errors (a rejected key, rate limits past the retries, a timeout) are thrown from the call.
   */
  chat(options: ChatOptions & { stream: true }): Promise<ChatStream>;
  chat(options: ChatOptions & { stream?: false }): Promise<ChatResult>;
  chat(options: ChatOptions): Promise<ChatResult | ChatStream>;
  async chat(options: ChatOptions): Promise<ChatResult | ChatStream> {
    const wire = chatWire(options);
    if (options.stream === true) return deltaStream(await this.#stub.chatStream(wire));
    return this.#stub.chat(wire);
  }

  /** Embeds one text or many: `{ vectors, model, usage }`, one vector per input, in order. */
  async embed(options: EmbedOptions): Promise<EmbedResult> {
    if (options === null || typeof options !== "object") throw new TypeError(`AI.embed: pass options like { input: "text" }, got ${describe(options)}`);
    const { input } = options;
    if (typeof input !== "string" && !Array.isArray(input)) {
      throw new TypeError(`AI.embed: input must be a string or an array of strings, got ${describe(input)}`);
    }
    const wire: EmbedRequestWire = { input: typeof input === "string" ? [input] : input };
    if (options.model !== undefined) wire.model = options.model;
    if (options.dimensions !== undefined) wire.dimensions = options.dimensions;
    if (options.timeoutMs !== undefined) wire.timeoutMs = options.timeoutMs;
    return this.#stub.embed(wire);
  }

  /** One prompt in, the answer's text out: `chat` with a user message (and an optional system prompt). */
  async generate(prompt: string, options: GenerateOptions = {}): Promise<string> {
    if (typeof prompt !== "string") throw new TypeError(`AI.generate: the prompt must be a string, got ${describe(prompt)}`);
    const messages: ChatMessage[] = [];
    if (options.system !== undefined) messages.push({ role: "system", content: options.system });
    messages.push({ role: "user", content: prompt });
    const { system: _system, ...rest } = options;
    const result = await this.#stub.chat({ ...rest, messages });
    return result.text;
  }
}
