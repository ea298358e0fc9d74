/**
 * OpenAI's Chat Completions and Embeddings wire format, which Groq, Ollama, vLLM, LM Studio, Together, Mistral and
 * others speak too (`kind = "openai"` with their `base_url`). Tool calls carry arguments as JSON text.
 */
import type { ChatDelta, ChatMessage, ChatResult, EmbedResult, FinishReason, ToolCall } from "../../../../shared/wire/ai";
import { eventJson, postForEvents, postJson } from "../http";
import { AiCallError, estimateTokens, type ChatRequest, type ProviderAdapter, type ProviderTarget } from "../types";

interface OpenAiToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

interface OpenAiCompletion {
  model?: string;
  choices?: { message?: { content?: string | null; tool_calls?: OpenAiToolCall[] }; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

interface OpenAiChunk {
  model?: string;
  choices?: {
    delta?: { content?: string | null; tool_calls?: { index: number; id?: string; function?: { name?: string; arguments?: string } }[] };
    finish_reason?: string | null;
  }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
}

function headers(target: ProviderTarget): Record<string, string> {
  return target.apiKey === null ? {} : { authorization: `Bearer ${target.apiKey}` };
}

function messages(list: ChatMessage[]): unknown[] {
  return list.map((m) => {
    if (m.role === "tool") return { role: "tool", tool_call_id: m.toolCallId, content: m.content };
    if (m.role === "assistant" && m.toolCalls?.length) {
      return {
        role: "assistant",
        content: m.content === "" ? null : m.content,
        tool_calls: m.toolCalls.map(
          (c): OpenAiToolCall => ({ id: c.id, type: "function", function: { name: c.name, arguments: JSON.stringify(c.arguments) } }),
        ),
      };
    }
    return { role: m.role, content: m.content };
  });
}

function body(target: ProviderTarget, request: ChatRequest, stream: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { model: target.model, messages: messages(request.messages) };
  if (request.tools.length > 0) {
    out.tools = request.tools.map((t) => ({ type: "function", function: { name: t.name, description: t.description, parameters: t.parameters } }));
    const choice = request.toolChoice;
    out.tool_choice = typeof choice === "object" ? { type: "function", function: { name: choice.name } } : choice;
  }
  if (request.temperature !== undefined) out.temperature = request.temperature;
  if (request.maxTokens !== undefined) out.max_tokens = request.maxTokens;
  if (stream) {
    out.stream = true;
    // The token counts arrive in a last chunk with no choices.
    out.stream_options = { include_usage: true };
  }
  return out;
}

export function finishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case "stop":
      return "stop";
    case "length":
      return "length";
    case "tool_calls":
    case "function_call":
      return "tool_calls";
    case "content_filter":
      return "content_filter";
    default:
      return "other";
  }
}

function parseArguments(target: ProviderTarget, name: string, text: string | undefined): Record<string, unknown> {
  if (text === undefined || text.trim() === "") return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new AiCallError("invalid_response", `AI.chat: ${target.provider} called tool "${name}" with arguments that are not a JSON object.`);
}

function modelName(target: ProviderTarget, reported: string | undefined): string {
  return `${target.provider}:${reported || target.model}`;
}

export const openai: ProviderAdapter = {
  async chat(target, request): Promise<ChatResult> {
    const json = (await postJson(target, { path: "/chat/completions", headers: headers(target), body: body(target, request, false) })) as OpenAiCompletion;
    const choice = json.choices?.[0];
    if (!choice) throw new AiCallError("invalid_response", `AI.chat: ${target.provider} answered with no choices.`);
    const toolCalls: ToolCall[] = (choice.message?.tool_calls ?? []).map((c) => ({
      id: c.id,
      name: c.function.name,
      arguments: parseArguments(target, c.function.name, c.function.arguments),
    }));
    return {
      text: choice.message?.content ?? "",
      toolCalls,
      usage: { inputTokens: json.usage?.prompt_tokens ?? 0, outputTokens: json.usage?.completion_tokens ?? 0 },
      model: modelName(target, json.model),
      finishReason: finishReason(choice.finish_reason),
    };
  },

  async chatStream(target, request) {
    const events = await postForEvents(target, { path: "/chat/completions", headers: headers(target), body: body(target, request, true) });
    return (async function* (): AsyncGenerator<ChatDelta> {
      // Tool calls arrive in fragments keyed by index: the id and name first, then the arguments in pieces.
      const calls = new Map<number, { id: string; name: string; args: string }>();
      let finish: FinishReason = "other";
      let usage: { inputTokens: number; outputTokens: number } | undefined;
      let model: string | undefined;
      let streamed = "";
      for await (const event of events) {
        if (event.data === "[DONE]") break;
        const chunk = eventJson<OpenAiChunk & { error?: { message?: string } }>(target, event);
        if (chunk.error) throw new AiCallError("server", `AI.chat: ${target.provider} failed mid-stream: ${String(chunk.error.message ?? "unknown error").slice(0, 300)}`);
        model ??= chunk.model;
        if (chunk.usage) usage = { inputTokens: chunk.usage.prompt_tokens ?? 0, outputTokens: chunk.usage.completion_tokens ?? 0 };
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        if (choice.delta?.content) {
          streamed += choice.delta.content;
          yield { type: "text", text: choice.delta.content };
        }
        for (const part of choice.delta?.tool_calls ?? []) {
          const call = calls.get(part.index) ?? { id: "", name: "", args: "" };
          if (part.id) call.id = part.id;
          if (part.function?.name) call.name += part.function.name;
          if (part.function?.arguments) call.args += part.function.arguments;
          calls.set(part.index, call);
        }
        if (choice.finish_reason) finish = finishReason(choice.finish_reason);
      }
      for (const [index, call] of [...calls].sort((a, b) => a[0] - b[0])) {
        yield { type: "tool_call", toolCall: { id: call.id || `call_${index}`, name: call.name, arguments: parseArguments(target, call.name, call.args) } };
      }
      // Servers that ignore stream_options send no usage chunk: estimated, so the usage log still counts the call.
      usage ??= {
        inputTokens: request.messages.reduce((sum, m) => sum + estimateTokens(m.content), 0),
        outputTokens: estimateTokens(streamed + [...calls.values()].map((c) => c.name + c.args).join("")),
      };
      yield { type: "done", usage, finishReason: finish, model: modelName(target, model) };
    })();
  },

  async embed(target, request): Promise<EmbedResult> {
    const payload: Record<string, unknown> = { model: target.model, input: request.input, encoding_format: "float" };
    if (request.dimensions !== undefined) payload.dimensions = request.dimensions;
    const json = (await postJson(target, { path: "/embeddings", headers: headers(target), body: payload })) as {
      model?: string;
      data?: { index: number; embedding: number[] }[];
      usage?: { prompt_tokens?: number };
    };
    const data = [...(json.data ?? [])].sort((a, b) => a.index - b.index);
    if (data.length !== request.input.length) {
      throw new AiCallError("invalid_response", `AI.embed: ${target.provider} returned ${data.length} embeddings for ${request.input.length} inputs.`);
    }
    return {
      vectors: data.map((d) => d.embedding),
      model: modelName(target, json.model),
      usage: { inputTokens: json.usage?.prompt_tokens ?? 0, outputTokens: 0 },
    };
  },
};
