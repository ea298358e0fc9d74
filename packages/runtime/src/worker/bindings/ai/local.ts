/**
 * The built-in `local` provider: deterministic answers from a few documented rules, so code built on env.AI — tool
 * loops included — runs and is tested with no key and no network. Rules, in order (docs/bindings-ai.md):
 *
 * 1. Last message is a tool result → answer with it: "<tool> returned: <content>" (one line per trailing result).
 * 2. Tools given (and toolChoice is not "none") → call the tool the last user message names: by its name
 *    ("get_weather" or "get weather"), else by the most keywords from its name and description; `{ name }` forces
 *    one, "required" falls back to the first tool. Arguments come from a JSON object in the message, then from
 *    `key=value` (or `key: value` for declared properties), coerced to the schema's types; a single missing
 *    required string is filled with the rest of the message.
 * 3. "summarize"/"summary"/"tl;dr" in the message → "Summary: <first sentence of the text>".
 * 4. Context (system messages, or the lines around a "Question:" line) → the context sentence sharing the most
 *    words with the question.
 * 5. Otherwise → "You said: <message>".
 *
 * `maxTokens` truncates (finishReason "length"); tokens are counted as ⌈characters / 4⌉; temperature is ignored.
 */
import type { ChatDelta, ChatMessage, ChatResult, ToolCall } from "../../../shared/wire/ai";
import { contentWords, fnv1a, sentences, stem, STOPWORDS, words } from "./text";
import { estimateTokens, type ChatRequest, type Tool } from "./types";

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function lastUser(messages: ChatMessage[]): ChatMessage | undefined {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.role === "user") return messages[i];
  return undefined;
}

/** Rule 1: the tool results after the last assistant turn, each said back with its tool's name. */
function answerToolResults(messages: ChatMessage[]): string {
  const results: ChatMessage[] = [];
  for (let i = messages.length - 1; i >= 0 && messages[i]!.role === "tool"; i--) results.unshift(messages[i]!);
  const names = new Map<string, string>();
  for (const m of messages) for (const call of m.toolCalls ?? []) names.set(call.id, call.name);
  return results.map((r) => `${names.get(r.toolCallId ?? "") ?? "the tool"} returned: ${r.content}`).join("\n");
}

// ---- rule 2: tool selection and arguments -------------------------------------------------------------------

function keywords(tool: Tool): Set<string> {
  const out = new Set<string>();
  for (const w of [...words(tool.name.replace(/[_-]+/g, " ")), ...words(tool.description)]) {
    if (w.length >= 4 && !STOPWORDS.has(w)) out.add(stem(w));
  }
  return out;
}

function selectTool(request: ChatRequest, text: string): Tool | undefined {
  const { tools, toolChoice } = request;
  if (tools.length === 0 || toolChoice === "none") return undefined;
  if (typeof toolChoice === "object") return tools.find((t) => t.name === toolChoice.name);
  const lower = text.toLowerCase();
  const named = tools.find((t) => lower.includes(t.name.toLowerCase()) || lower.includes(t.name.toLowerCase().replace(/[_-]+/g, " ")));
  if (named) return named;
  const said = new Set(contentWords(text));
  let best: { tool: Tool; score: number } | undefined;
  for (const tool of tools) {
    let score = 0;
    for (const k of keywords(tool)) if (said.has(k)) score++;
    if (score > 0 && (best === undefined || score > best.score)) best = { tool, score };
  }
  if (best) return best.tool;
  return toolChoice === "required" ? tools[0] : undefined;
}

/** The first balanced `{…}` in the text that parses as a JSON object, and where it was. */
function firstJsonObject(text: string): { value: Record<string, unknown>; start: number; end: number } | undefined {
  for (let start = text.indexOf("{"); start >= 0; start = text.indexOf("{", start + 1)) {
    let depth = 0;
    let inString = false;
    for (let i = start; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === "\\") i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === "{") depth++;
      else if (c === "}" && --depth === 0) {
        try {
          const value = JSON.parse(text.slice(start, i + 1)) as unknown;
          if (isObject(value)) return { value, start, end: i + 1 };
        } catch {
          // not JSON: try the next "{"
        }
        break;
      }
    }
  }
  return undefined;
}

function schemaTypes(schema: unknown): unknown[] {
  const type = isObject(schema) ? schema.type : undefined;
  return Array.isArray(type) ? type : [type];
}

function coerce(value: string, schema: unknown): unknown {
  if (isObject(schema) && Array.isArray(schema.enum)) {
    const hit = schema.enum.find((e) => String(e).toLowerCase() === value.toLowerCase());
    if (hit !== undefined) return hit;
  }
  const types = schemaTypes(schema);
  if (types.includes("integer") && /^-?\d+$/.test(value)) return Number(value);
  if (types.includes("number") && /^-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i.test(value)) return Number(value);
  if (types.includes("boolean") && /^(?:true|false)$/i.test(value)) return value.toLowerCase() === "true";
  if (types.includes("array")) {
    try {
      const parsed = JSON.parse(value) as unknown;
      if (Array.isArray(parsed)) return parsed;
    } catch {
      // a plain list
    }
    return value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  }
  if (types.includes("object")) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }
  return value;
}

const PAIR = /([A-Za-z_][A-Za-z0-9_.-]*)\s*([=:])\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^\s;]+)/g;

export function extractArguments(text: string, schema: Record<string, unknown>): Record<string, unknown> {
  const properties = isObject(schema.properties) ? schema.properties : {};
  const declared = Object.keys(properties);
  const args: Record<string, unknown> = {};
  let rest = text;
  const json = firstJsonObject(text);
  if (json) {
    for (const [key, value] of Object.entries(json.value)) if (declared.length === 0 || declared.includes(key)) args[key] = value;
    rest = `${text.slice(0, json.start)} ${text.slice(json.end)}`;
  }
  rest = rest.replace(PAIR, (whole, key: string, sep: string, raw: string) => {
    // `key: value` is common prose ("Note: …"), so it counts only for declared properties; `key=value` always.
    if (declared.length > 0 ? !declared.includes(key) : sep !== "=") return whole;
    if (!(key in args)) {
      const value = /^["']/.test(raw) ? (raw.startsWith('"') ? (JSON.parse(raw) as string) : raw.slice(1, -1)) : raw.replace(/[.,!?]+$/, "");
      args[key] = coerce(value, properties[key]);
    }
    return " ";
  });
  const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === "string") : [];
  const missing = required.filter((r) => !(r in args));
  const remaining = rest.replace(/\s+/g, " ").trim();
  if (missing.length === 1 && remaining !== "") {
    const types = schemaTypes(properties[missing[0]!]);
    if (types.includes("string") || types.includes(undefined)) args[missing[0]!] = remaining;
  }
  return args;
}

// ---- rules 3-5: text answers ----------------------------------------------------------------------------------

function textAnswer(messages: ChatMessage[]): string {
  const user = lastUser(messages)?.content ?? "";
  if (/\b(?:summari[sz]e|summary|tl;?dr)\b/i.test(user)) {
    // The text after "summarize:" if there is one, else the rest of the conversation's context.
    const colon = user.indexOf(":");
    const own = colon >= 0 ? user.slice(colon + 1) : "";
    const context = messages.filter((m) => m.role === "system" || (m.role === "user" && m.content !== user)).map((m) => m.content);
    const source = sentences(own.trim() !== "" ? own : context.join("\n"))[0] ?? sentences(user)[0] ?? "";
    return `Summary: ${source}`;
  }
  let question = user;
  const context: string[] = messages.filter((m) => m.role === "system").map((m) => m.content);
  const lines = user.split("\n");
  const marker = lines.findIndex((l) => /^\s*question\s*:/i.test(l));
  if (marker >= 0) {
    question = lines[marker]!.replace(/^\s*question\s*:\s*/i, "");
    context.push(lines.filter((_, i) => i !== marker).join("\n"));
  }
  const asked = new Set(contentWords(question));
  let best: { sentence: string; score: number } | undefined;
  for (const sentence of sentences(context.join("\n"))) {
    let score = 0;
    for (const w of new Set(contentWords(sentence))) if (asked.has(w)) score++;
    if (score > 0 && (best === undefined || score > best.score)) best = { sentence, score };
  }
  if (best) return best.sentence;
  return `You said: ${question.trim()}`;
}

function inputTokens(request: ChatRequest): number {
  let chars = 0;
  for (const m of request.messages) chars += m.content.length + (m.toolCalls ? JSON.stringify(m.toolCalls).length : 0);
  for (const t of request.tools) chars += t.name.length + t.description.length + JSON.stringify(t.parameters).length;
  return Math.ceil(chars / 4);
}

export function localChat(request: ChatRequest, model: string): ChatResult {
  const { messages } = request;
  const usage = { inputTokens: inputTokens(request), outputTokens: 0 };
  const name = `local:${model}`;
  if (messages.at(-1)?.role !== "tool") {
    const text = lastUser(messages)?.content ?? "";
    const tool = selectTool(request, text);
    if (tool) {
      const call: ToolCall = {
        id: `call_${fnv1a(`${messages.length}|${tool.name}|${text}`).toString(16).padStart(8, "0")}`,
        name: tool.name,
        arguments: extractArguments(text, tool.parameters),
      };
      usage.outputTokens = estimateTokens(JSON.stringify(call));
      return { text: "", toolCalls: [call], usage, model: name, finishReason: "tool_calls" };
    }
  }
  let text = messages.at(-1)?.role === "tool" ? answerToolResults(messages) : textAnswer(messages);
  let finishReason: ChatResult["finishReason"] = "stop";
  if (request.maxTokens !== undefined && estimateTokens(text) > request.maxTokens) {
    text = text.slice(0, request.maxTokens * 4);
    finishReason = "length";
  }
  usage.outputTokens = estimateTokens(text);
  return { text, toolCalls: [], usage, model: name, finishReason };
}

/** The same answer as deltas: the text a word at a time, then the tool calls, then `done`. */
export function* localChatStream(request: ChatRequest, model: string): Generator<ChatDelta> {
  const result = localChat(request, model);
  for (const piece of result.text.match(/\S+\s*|\s+/g) ?? []) yield { type: "text", text: piece };
  for (const toolCall of result.toolCalls) yield { type: "tool_call", toolCall };
  yield { type: "done", usage: result.usage, finishReason: result.finishReason, model: result.model };
}
