/**
 * Google's Gemini API (generativelanguage v1beta): `contents` of `parts`, `functionCall` parts from the model and
 * `functionResponse` parts back to it, `streamGenerateContent?alt=sse`, `embedContent` / `batchEmbedContents`.
 * The key travels in the `x-goog-api-key` header, never in the URL, so no URL in an error or log can hold it.
 */
import type { ChatDelta, ChatMessage, ChatResult, EmbedResult, FinishReason, ToolCall } from "../../../../shared/wire/ai";
import { eventJson, postForEvents, postJson } from "../http";
import { AiCallError, estimateTokens, type ChatRequest, type ProviderAdapter, type ProviderTarget } from "../types";

/** Gemini's batch embedding limit per request. */
const EMBED_BATCH = 100;
/** The JSON Schema keywords Gemini's OpenAPI-subset `Schema` accepts; others ($schema, additionalProperties, …) are dropped. */
const SCHEMA_KEYS = new Set([
  "type", "format", "title", "description", "nullable", "enum", "items", "minItems", "maxItems", "properties", "required",
  "minProperties", "maxProperties", "minLength", "maxLength", "pattern", "minimum", "maximum", "anyOf", "propertyOrdering", "default",
]);

type Part =
  | { text: string; thought?: boolean }
  | { functionCall: { name: string; args?: Record<string, unknown>; id?: string } }
  | { functionResponse: { name: string; response: Record<string, unknown>; id?: string } };

interface GenerateResponse {
  candidates?: { content?: { parts?: Part[] }; finishReason?: string }[];
  usageMetadata?: { promptTokenCount?: number; candidatesTokenCount?: number; thoughtsTokenCount?: number };
  modelVersion?: string;
  promptFeedback?: { blockReason?: string };
}

/** Ids we made up for calls Gemini sent without one: never sent back, since Gemini did not issue them. */
const SYNTHETIC_ID = /^gemini_call_/;

function headers(target: ProviderTarget): Record<string, string> {
  return target.apiKey === null ? {} : { "x-goog-api-key": target.apiKey };
}

function modelPath(target: ProviderTarget): string {
  return `/models/${encodeURIComponent(target.model.replace(/^models\//, ""))}`;
}

function sanitizeSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(sanitizeSchema);
  if (schema === null || typeof schema !== "object") return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (!SCHEMA_KEYS.has(key)) continue;
    if (key === "properties" && value !== null && typeof value === "object") {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, sanitizeSchema(sub)]));
    } else out[key] = key === "items" || key === "anyOf" ? sanitizeSchema(value) : value;
  }
  return out;
}

/** A tool result as the object `functionResponse.response` must be: the JSON object itself, else `{ result }`. */
function responseObject(content: string): Record<string, unknown> {
  try {
    const value = JSON.parse(content) as unknown;
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
    return { result: value };
  } catch {
    return { result: content };
  }
}

function contents(list: ChatMessage[]): { role: "user" | "model"; parts: Part[] }[] {
  const names = new Map<string, string>();
  const out: { role: "user" | "model"; parts: Part[] }[] = [];
  for (const m of list) {
    if (m.role === "system") continue;
    const parts: Part[] = [];
    if (m.role === "tool") {
      const id = m.toolCallId!;
      parts.push({ functionResponse: { name: names.get(id) ?? "", response: responseObject(m.content), ...(SYNTHETIC_ID.test(id) ? {} : { id }) } });
    } else {
      if (m.content !== "") parts.push({ text: m.content });
      for (const c of m.toolCalls ?? []) {
        names.set(c.id, c.name);
        parts.push({ functionCall: { name: c.name, args: c.arguments, ...(SYNTHETIC_ID.test(c.id) ? {} : { id: c.id }) } });
      }
    }
    const role = m.role === "assistant" ? "model" : "user";
    // All results of one turn's calls go back together, as one user turn.
    const last = out.at(-1);
    if (last && last.role === role) last.parts.push(...parts);
    else out.push({ role, parts });
  }
  return out;
}

function body(request: ChatRequest): Record<string, unknown> {
  const out: Record<string, unknown> = { contents: contents(request.messages) };
  const system = request.messages.filter((m) => m.role === "system").map((m) => m.content);
  if (system.length > 0) out.systemInstruction = { parts: [{ text: system.join("\n\n") }] };
  if (request.tools.length > 0) {
    out.tools = [
      {
        functionDeclarations: request.tools.map((t) => {
          const parameters = sanitizeSchema(t.parameters) as Record<string, unknown>;
          const empty = !parameters.properties || Object.keys(parameters.properties).length === 0;
          // Gemini refuses an object schema without properties: a tool without parameters declares none.
          return { name: t.name, description: t.description, ...(empty ? {} : { parameters }) };
        }),
      },
    ];
    const choice = request.toolChoice;
    out.toolConfig = {
      functionCallingConfig:
        typeof choice === "object"
          ? { mode: "ANY", allowedFunctionNames: [choice.name] }
          : { mode: choice === "required" ? "ANY" : choice === "none" ? "NONE" : "AUTO" },
    };
  }
  const generation: Record<string, unknown> = {};
  if (request.temperature !== undefined) generation.temperature = request.temperature;
  if (request.maxTokens !== undefined) generation.maxOutputTokens = request.maxTokens;
  if (Object.keys(generation).length > 0) out.generationConfig = generation;
  return out;
}

function finishReason(reason: string | undefined, calledTools: boolean): FinishReason {
  if (calledTools) return "tool_calls";
  switch (reason) {
    case "STOP":
      return "stop";
    case "MAX_TOKENS":
      return "length";
    case "SAFETY":
    case "RECITATION":
    case "BLOCKLIST":
    case "PROHIBITED_CONTENT":
    case "SPII":
      return "content_filter";
    default:
      return "other";
  }
}

function usage(json: GenerateResponse): { inputTokens: number; outputTokens: number } {
  const meta = json.usageMetadata;
  return { inputTokens: meta?.promptTokenCount ?? 0, outputTokens: (meta?.candidatesTokenCount ?? 0) + (meta?.thoughtsTokenCount ?? 0) };
}

function toolCall(part: { functionCall: { name: string; args?: Record<string, unknown>; id?: string } }): ToolCall {
  const id = part.functionCall.id || `gemini_call_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  return { id, name: part.functionCall.name, arguments: part.functionCall.args ?? {} };
}

function modelName(target: ProviderTarget, reported: string | undefined): string {
  return `${target.provider}:${reported || target.model.replace(/^models\//, "")}`;
}

export const google: ProviderAdapter = {
  async chat(target, request): Promise<ChatResult> {
    const json = (await postJson(target, { path: `${modelPath(target)}:generateContent`, headers: headers(target), body: body(request) })) as GenerateResponse;
    const candidate = json.candidates?.[0];
    if (!candidate) {
      if (json.promptFeedback?.blockReason) {
        return { text: "", toolCalls: [], usage: usage(json), model: modelName(target, json.modelVersion), finishReason: "content_filter" };
      }
      throw new AiCallError("invalid_response", `AI.chat: ${target.provider} answered with no candidates.`);
    }
    let text = "";
    const toolCalls: ToolCall[] = [];
    for (const part of candidate.content?.parts ?? []) {
      if ("functionCall" in part) toolCalls.push(toolCall(part));
      else if ("text" in part && !part.thought) text += part.text;
    }
    return { text, toolCalls, usage: usage(json), model: modelName(target, json.modelVersion), finishReason: finishReason(candidate.finishReason, toolCalls.length > 0) };
  },

  async chatStream(target, request) {
    const events = await postForEvents(target, {
      path: `${modelPath(target)}:streamGenerateContent?alt=sse`,
      headers: headers(target),
      body: body(request),
    });
    return (async function* (): AsyncGenerator<ChatDelta> {
      let reason: string | undefined;
      let calledTools = false;
      let counts = { inputTokens: 0, outputTokens: 0 };
      let model: string | undefined;
      // Every chunk is a whole GenerateContentResponse: text parts are increments, function calls come whole.
      for await (const event of events) {
        const chunk = eventJson<GenerateResponse & { error?: { message?: string } }>(target, event);
        if (chunk.error) throw new AiCallError("server", `AI.chat: ${target.provider} failed mid-stream: ${String(chunk.error.message ?? "").slice(0, 300)}`);
        model ??= chunk.modelVersion;
        if (chunk.usageMetadata) counts = usage(chunk);
        const candidate = chunk.candidates?.[0];
        if (candidate?.finishReason) reason = candidate.finishReason;
        if (!candidate && chunk.promptFeedback?.blockReason) reason = "SAFETY";
        for (const part of candidate?.content?.parts ?? []) {
          if ("functionCall" in part) {
            calledTools = true;
            yield { type: "tool_call", toolCall: toolCall(part) };
          } else if ("text" in part && !part.thought && part.text) yield { type: "text", text: part.text };
        }
      }
      yield { type: "done", usage: counts, finishReason: finishReason(reason, calledTools), model: modelName(target, model) };
    })();
  },

  async embed(target, request): Promise<EmbedResult> {
    const model = `models/${target.model.replace(/^models\//, "")}`;
    const content = (text: string) => ({ parts: [{ text }] });
    const dims = request.dimensions === undefined ? {} : { outputDimensionality: request.dimensions };
    const vectors: number[][] = [];
    if (request.input.length === 1) {
      const json = (await postJson(target, {
        path: `${modelPath(target)}:embedContent`,
        headers: headers(target),
        body: { model, content: content(request.input[0]!), ...dims },
      })) as { embedding?: { values?: number[] } };
      if (!json.embedding?.values) throw new AiCallError("invalid_response", `AI.embed: ${target.provider} answered with no embedding.`);
      vectors.push(json.embedding.values);
    } else {
      for (let start = 0; start < request.input.length; start += EMBED_BATCH) {
        const batch = request.input.slice(start, start + EMBED_BATCH);
        const json = (await postJson(target, {
          path: `${modelPath(target)}:batchEmbedContents`,
          headers: headers(target),
          body: { requests: batch.map((text) => ({ model, content: content(text), ...dims })) },
        })) as { embeddings?: { values?: number[] }[] };
        if (json.embeddings?.length !== batch.length) {
          throw new AiCallError("invalid_response", `AI.embed: ${target.provider} returned ${json.embeddings?.length ?? 0} embeddings for ${batch.length} inputs.`);
        }
        for (const e of json.embeddings) vectors.push(e.values ?? []);
      }
    }
    // Gemini's embedding endpoints report no token counts: estimated as ⌈characters / 4⌉.
    const inputTokens = request.input.reduce((sum, text) => sum + estimateTokens(text), 0);
    return { vectors, model: `${target.provider}:${target.model.replace(/^models\//, "")}`, usage: { inputTokens, outputTokens: 0 } };
  },
};
