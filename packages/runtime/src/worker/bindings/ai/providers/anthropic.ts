/**
 * Anthropic's Messages API: system prompt apart from the messages, content blocks, `tool_use` blocks from the model
 * and `tool_result` blocks (in a user turn) back to it; streaming as named SSE events.
 */
import type { ChatDelta, ChatMessage, ChatResult, FinishReason, ToolCall } from "../../../../shared/wire/ai";
import { eventJson, postForEvents, postJson } from "../http";
import { AiCallError, type ChatRequest, type ProviderAdapter, type ProviderTarget } from "../types";

const API_VERSION = "2023-06-01";
/** Anthropic requires max_tokens; this is what a call that names none may use. */
const DEFAULT_MAX_TOKENS = 4096;

type Block =
  | { type: "text"; text: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> }
  | { type: "tool_result"; tool_use_id: string; content: string };

/** The fields of Anthropic's stream events this adapter reads. */
interface StreamEvent {
  type?: string;
  index?: number;
  message?: { model?: string; usage?: { input_tokens?: number; output_tokens?: number } };
  content_block?: { type?: string; id?: string; name?: string; text?: string };
  delta?: { type?: string; text?: string; partial_json?: string; stop_reason?: string | null };
  usage?: { input_tokens?: number; output_tokens?: number };
  error?: { type?: string; message?: string };
}

interface AnthropicMessage {
  model?: string;
  content?: Block[];
  stop_reason?: string | null;
  usage?: { input_tokens?: number; output_tokens?: number };
}

function headers(target: ProviderTarget): Record<string, string> {
  const out: Record<string, string> = { "anthropic-version": API_VERSION };
  if (target.apiKey !== null) out["x-api-key"] = target.apiKey;
  return out;
}

/** User and assistant turns of blocks; tool results are user turns; consecutive turns of one role are merged. */
function turns(list: ChatMessage[]): { role: "user" | "assistant"; content: Block[] }[] {
  const out: { role: "user" | "assistant"; content: Block[] }[] = [];
  for (const m of list) {
    if (m.role === "system") continue;
    const role = m.role === "assistant" ? "assistant" : "user";
    const blocks: Block[] = [];
    if (m.role === "tool") blocks.push({ type: "tool_result", tool_use_id: m.toolCallId!, content: m.content });
    else {
      // Anthropic refuses empty text blocks.
      if (m.content !== "") blocks.push({ type: "text", text: m.content });
      for (const c of m.toolCalls ?? []) blocks.push({ type: "tool_use", id: c.id, name: c.name, input: c.arguments });
    }
    const last = out.at(-1);
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  }
  return out;
}

function body(target: ProviderTarget, request: ChatRequest, stream: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    model: target.model,
    max_tokens: request.maxTokens ?? DEFAULT_MAX_TOKENS,
    messages: turns(request.messages),
  };
  const system = request.messages.filter((m) => m.role === "system").map((m) => m.content);
  if (system.length > 0) out.system = system.join("\n\n");
  if (request.tools.length > 0) {
    out.tools = request.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters }));
    const choice = request.toolChoice;
    out.tool_choice =
      typeof choice === "object" ? { type: "tool", name: choice.name } : { type: choice === "required" ? "any" : choice };
  }
  if (request.temperature !== undefined) out.temperature = Math.min(1, request.temperature);
  if (stream) out.stream = true;
  return out;
}

function finishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case "end_turn":
    case "stop_sequence":
      return "stop";
    case "max_tokens":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      return "other";
  }
}

function modelName(target: ProviderTarget, reported: string | undefined): string {
  return `${target.provider}:${reported || target.model}`;
}

function parseInput(target: ProviderTarget, name: string, json: string): Record<string, unknown> {
  if (json.trim() === "") return {};
  try {
    const value = JSON.parse(json) as unknown;
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new AiCallError("invalid_response", `AI.chat: ${target.provider} streamed input for tool "${name}" that is not a JSON object.`);
}

export const anthropic: ProviderAdapter = {
  async chat(target, request): Promise<ChatResult> {
    const json = (await postJson(target, { path: "/v1/messages", headers: headers(target), body: body(target, request, false) })) as AnthropicMessage;
    let text = "";
    const toolCalls: ToolCall[] = [];
    for (const block of json.content ?? []) {
      if (block.type === "text") text += block.text;
      else if (block.type === "tool_use") toolCalls.push({ id: block.id, name: block.name, arguments: block.input ?? {} });
    }
    return {
      text,
      toolCalls,
      usage: { inputTokens: json.usage?.input_tokens ?? 0, outputTokens: json.usage?.output_tokens ?? 0 },
      model: modelName(target, json.model),
      finishReason: finishReason(json.stop_reason),
    };
  },

  async chatStream(target, request) {
    const events = await postForEvents(target, { path: "/v1/messages", headers: headers(target), body: body(target, request, true) });
    return (async function* (): AsyncGenerator<ChatDelta> {
      const toolBlocks = new Map<number, { id: string; name: string; json: string }>();
      const usage = { inputTokens: 0, outputTokens: 0 };
      let finish: FinishReason = "other";
      let model: string | undefined;
      for await (const event of events) {
        const data = eventJson<StreamEvent>(target, event);
        const index = data.index ?? 0;
        switch (data.type ?? event.event) {
          case "message_start":
            model = data.message?.model;
            usage.inputTokens = data.message?.usage?.input_tokens ?? 0;
            usage.outputTokens = data.message?.usage?.output_tokens ?? 0;
            break;
          case "content_block_start":
            if (data.content_block?.type === "tool_use") {
              toolBlocks.set(index, { id: data.content_block.id ?? `toolu_${index}`, name: data.content_block.name ?? "", json: "" });
            } else if (data.content_block?.type === "text" && data.content_block.text) {
              yield { type: "text", text: data.content_block.text };
            }
            break;
          case "content_block_delta":
            if (data.delta?.type === "text_delta" && data.delta.text) yield { type: "text", text: data.delta.text };
            else if (data.delta?.type === "input_json_delta") {
              const block = toolBlocks.get(index);
              if (block) block.json += data.delta.partial_json ?? "";
            }
            break;
          case "content_block_stop": {
            const block = toolBlocks.get(index);
            if (block) {
              toolBlocks.delete(index);
              yield { type: "tool_call", toolCall: { id: block.id, name: block.name, arguments: parseInput(target, block.name, block.json) } };
            }
            break;
          }
          case "message_delta":
            if (data.delta?.stop_reason) finish = finishReason(data.delta.stop_reason);
            if (typeof data.usage?.output_tokens === "number") usage.outputTokens = data.usage.output_tokens;
            if (typeof data.usage?.input_tokens === "number") usage.inputTokens = data.usage.input_tokens;
            break;
          case "error":
            throw new AiCallError(
              data.error?.type === "overloaded_error" ? "server" : "invalid_response",
              `AI.chat: ${target.provider} failed mid-stream (${String(data.error?.type ?? "error")}): ${String(data.error?.message ?? "").slice(0, 300)}`,
            );
          default:
            // ping, message_stop and event types added later
            break;
        }
      }
      yield { type: "done", usage, finishReason: finish, model: modelName(target, model) };
    })();
  },

  async embed(target) {
    throw new AiCallError(
      "unsupported",
      `AI.embed: ${target.provider} speaks Anthropic's API, which has no embeddings. Set [ai] embedding_model to an openai:, google: or local: model, or pass one as model.`,
    );
  },
};
