/** Validates what user code sent to env.AI (the platform never trusts the isolate) into ChatRequest / EmbedRequest. */
import type { ChatMessage, ChatRequestWire, EmbedRequestWire, ToolCall, ToolChoice } from "../../../shared/wire/ai";
import type { ChatRequest, EmbedRequest, Tool } from "./types";

const MAX_MESSAGES = 2000;
const MAX_TEXT_CHARS = 2_000_000;
const MAX_TOOLS = 128;
const MAX_EMBED_INPUTS = 2048;
const MAX_EMBED_INPUT_CHARS = 200_000;
const MAX_TIMEOUT_MS = 600_000;
/** Every provider accepts these tool names (OpenAI's rule; Gemini and Anthropic allow a superset). */
const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const ROLES = ["system", "user", "assistant", "tool"];

function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function fail(op: string, path: string, expected: string, got: unknown): never {
  throw new TypeError(`${op}: ${path} must be ${expected}, got ${describe(got)}`);
}

function optionalModel(op: string, model: unknown): string | undefined {
  if (model === undefined || model === null) return undefined;
  if (typeof model !== "string" || model.length === 0 || model.length > 300) fail(op, "model", 'a "provider:model" string such as "openai:gpt-4o-mini"', model);
  return model;
}

function optionalTimeout(op: string, timeoutMs: unknown): number | undefined {
  if (timeoutMs === undefined || timeoutMs === null) return undefined;
  if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_TIMEOUT_MS) {
    fail(op, "timeoutMs", `a number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`, timeoutMs);
  }
  return timeoutMs;
}

function toolCall(path: string, value: unknown): ToolCall {
  if (!isObject(value)) fail("AI.chat", path, "an object { id, name, arguments }", value);
  const { id, name, arguments: args } = value;
  if (typeof id !== "string" || id.length === 0 || id.length > 256) fail("AI.chat", `${path}.id`, "a non-empty string", id);
  if (typeof name !== "string" || !TOOL_NAME.test(name)) fail("AI.chat", `${path}.name`, "a tool name (letters, digits, _ and -, at most 64)", name);
  const parsed = args === undefined || args === null ? {} : args;
  if (!isObject(parsed)) fail("AI.chat", `${path}.arguments`, "an object", args);
  return { id, name, arguments: parsed };
}

function message(index: number, value: unknown): ChatMessage {
  const path = `messages[${index}]`;
  if (!isObject(value)) fail("AI.chat", path, 'an object like { role: "user", content: "…" }', value);
  const { role, content, toolCalls, toolCallId } = value;
  if (typeof role !== "string" || !ROLES.includes(role)) fail("AI.chat", `${path}.role`, 'one of "system", "user", "assistant", "tool"', role);
  if (typeof content !== "string") fail("AI.chat", `${path}.content`, "a string", content);
  const out: ChatMessage = { role: role as ChatMessage["role"], content };
  if (toolCalls !== undefined && toolCalls !== null) {
    if (role !== "assistant") throw new TypeError(`AI.chat: ${path} has toolCalls, which only assistant messages carry`);
    if (!Array.isArray(toolCalls) || toolCalls.length > MAX_TOOLS) fail("AI.chat", `${path}.toolCalls`, `an array of at most ${MAX_TOOLS} calls`, toolCalls);
    if (toolCalls.length > 0) out.toolCalls = toolCalls.map((call, j) => toolCall(`${path}.toolCalls[${j}]`, call));
  }
  if (role === "tool") {
    if (typeof toolCallId !== "string" || toolCallId.length === 0) {
      fail("AI.chat", `${path}.toolCallId`, "the id of the tool call this message answers (from result.toolCalls[i].id)", toolCallId);
    }
    out.toolCallId = toolCallId;
  } else if (toolCallId !== undefined && toolCallId !== null) {
    throw new TypeError(`AI.chat: ${path} has a toolCallId, which only tool messages carry`);
  }
  return out;
}

function tool(index: number, value: unknown): Tool {
  const path = `tools[${index}]`;
  if (!isObject(value)) fail("AI.chat", path, "an object { name, description, parameters }", value);
  const { name, description, parameters } = value;
  if (typeof name !== "string" || !TOOL_NAME.test(name)) fail("AI.chat", `${path}.name`, "a tool name (letters, digits, _ and -, at most 64)", name);
  if (description !== undefined && description !== null && typeof description !== "string") fail("AI.chat", `${path}.description`, "a string", description);
  if (parameters !== undefined && parameters !== null && !isObject(parameters)) {
    fail("AI.chat", `${path}.parameters`, 'a JSON Schema object such as { type: "object", properties: { … } }', parameters);
  }
  const schema = isObject(parameters) ? parameters : { type: "object", properties: {} };
  if (schema.type !== undefined && schema.type !== "object") fail("AI.chat", `${path}.parameters.type`, '"object" (tool arguments are an object)', schema.type);
  return { name, description: typeof description === "string" ? description : "", parameters: { type: "object", ...schema } };
}

export function parseChatRequest(wire: ChatRequestWire): ChatRequest {
  if (!isObject(wire)) fail("AI.chat", "the options", "an object", wire);
  const { messages, tools, toolChoice, temperature, maxTokens } = wire as unknown as Record<string, unknown>;
  if (!Array.isArray(messages) || messages.length === 0 || messages.length > MAX_MESSAGES) {
    fail("AI.chat", "messages", `an array of 1 to ${MAX_MESSAGES} messages`, messages);
  }
  const parsedMessages = messages.map((m, i) => message(i, m));
  let chars = 0;
  for (const m of parsedMessages) chars += m.content.length;
  if (chars > MAX_TEXT_CHARS) throw new RangeError(`AI.chat: the messages hold ${chars} characters; at most ${MAX_TEXT_CHARS} are accepted`);

  // Every tool result must answer a call an earlier assistant message made: providers refuse orphans.
  const callIds = new Set<string>();
  parsedMessages.forEach((m, i) => {
    for (const call of m.toolCalls ?? []) callIds.add(call.id);
    if (m.role === "tool" && !callIds.has(m.toolCallId!)) {
      throw new TypeError(
        `AI.chat: messages[${i}].toolCallId ${describe(m.toolCallId)} matches no toolCalls[].id of an earlier assistant message; ` +
          "push the assistant message with result.toolCalls before the tool results",
      );
    }
  });

  let parsedTools: Tool[] = [];
  if (tools !== undefined && tools !== null) {
    if (!Array.isArray(tools) || tools.length > MAX_TOOLS) fail("AI.chat", "tools", `an array of at most ${MAX_TOOLS} tools`, tools);
    parsedTools = tools.map((t, i) => tool(i, t));
    const seen = new Set<string>();
    for (const t of parsedTools) {
      if (seen.has(t.name)) throw new TypeError(`AI.chat: two tools are named "${t.name}"; tool names must be unique`);
      seen.add(t.name);
    }
  }

  let choice: ToolChoice = "auto";
  if (toolChoice !== undefined && toolChoice !== null) {
    if (toolChoice === "auto" || toolChoice === "none" || toolChoice === "required") choice = toolChoice;
    else if (isObject(toolChoice) && typeof toolChoice.name === "string") {
      if (!parsedTools.some((t) => t.name === toolChoice.name)) {
        throw new TypeError(`AI.chat: toolChoice names "${toolChoice.name}", which is not one of the tools`);
      }
      choice = { name: toolChoice.name };
    } else fail("AI.chat", "toolChoice", '"auto", "none", "required" or { name: "<tool>" }', toolChoice);
    if (choice !== "auto" && choice !== "none" && parsedTools.length === 0) {
      throw new TypeError("AI.chat: toolChoice asks for a tool call, but no tools were given");
    }
  }

  if (temperature !== undefined && temperature !== null) {
    if (typeof temperature !== "number" || !(temperature >= 0 && temperature <= 2)) fail("AI.chat", "temperature", "a number from 0 to 2", temperature);
  }
  if (maxTokens !== undefined && maxTokens !== null) {
    if (typeof maxTokens !== "number" || !Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > 1_000_000) {
      fail("AI.chat", "maxTokens", "an integer from 1 to 1000000", maxTokens);
    }
  }
  return {
    model: optionalModel("AI.chat", wire.model),
    messages: parsedMessages,
    tools: parsedTools,
    toolChoice: choice,
    temperature: typeof temperature === "number" ? temperature : undefined,
    maxTokens: typeof maxTokens === "number" ? maxTokens : undefined,
    timeoutMs: optionalTimeout("AI.chat", wire.timeoutMs),
  };
}

export function parseEmbedRequest(wire: EmbedRequestWire): EmbedRequest {
  if (!isObject(wire)) fail("AI.embed", "the options", "an object", wire);
  const { input, dimensions } = wire;
  if (!Array.isArray(input) || input.length === 0 || input.length > MAX_EMBED_INPUTS) {
    fail("AI.embed", "input", `a string or an array of 1 to ${MAX_EMBED_INPUTS} strings`, input);
  }
  input.forEach((text, i) => {
    if (typeof text !== "string") fail("AI.embed", `input[${i}]`, "a string", text);
    if (text.length > MAX_EMBED_INPUT_CHARS) throw new RangeError(`AI.embed: input[${i}] has ${text.length} characters; at most ${MAX_EMBED_INPUT_CHARS} are accepted`);
  });
  if (dimensions !== undefined && dimensions !== null) {
    if (typeof dimensions !== "number" || !Number.isInteger(dimensions) || dimensions < 1 || dimensions > 8192) {
      fail("AI.embed", "dimensions", "an integer from 1 to 8192", dimensions);
    }
  }
  return {
    model: optionalModel("AI.embed", wire.model),
    input: input as string[],
    dimensions: typeof dimensions === "number" ? dimensions : undefined,
    timeoutMs: optionalTimeout("AI.embed", wire.timeoutMs),
  };
}
