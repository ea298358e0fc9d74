/**
 * llm_call: one chat completion through env.AI. With `outputSchema` the answer must be JSON matching it (type,
 * required keys, property types); a mismatch fails the attempt, so `retry` asks the model again.
 */
import { chat, tokensOf } from "../ai/chat";
import { NodeFailure, type NodeExecutor } from "./types";

interface LlmConfig {
  model?: string;
  system?: string;
  prompt: string;
  outputSchema?: Record<string, unknown>;
  temperature?: number;
  maxTokens?: number;
}

export const llmCall: NodeExecutor<"llm_call"> = {
  type: "llm_call",
  async run(ctx) {
    const c = ctx.config as unknown as LlmConfig;
    const messages = [...(c.system ? [{ role: "system" as const, content: String(c.system) }] : []), { role: "user" as const, content: String(c.prompt) }];
    const result = await chat(ctx, { messages, ...(c.model ? { model: c.model } : {}), ...(c.temperature !== undefined ? { temperature: c.temperature } : {}), ...(c.maxTokens ? { maxTokens: c.maxTokens } : {}) });
    const base = { text: result.text, model: result.model, finishReason: result.finishReason };
    if (!c.outputSchema) return { output: base, tokens: tokensOf(result) };
    let data: unknown;
    try {
      data = JSON.parse(result.text.trim().replace(/^```(?:json)?\s*|\s*```$/g, ""));
    } catch {
      throw new NodeFailure(`llm_call: the answer is not JSON, and outputSchema asks for it (answer began ${JSON.stringify(result.text.slice(0, 80))})`, true);
    }
    const problem = checkSchema(data, c.outputSchema, "answer");
    if (problem) throw new NodeFailure(`llm_call: the answer does not match outputSchema: ${problem}`, true);
    return { output: { ...base, data }, tokens: tokensOf(result) };
  },
};

const TYPE_CHECKS: Record<string, (v: unknown) => boolean> = {
  object: (v) => v !== null && typeof v === "object" && !Array.isArray(v),
  array: Array.isArray,
  string: (v) => typeof v === "string",
  number: (v) => typeof v === "number",
  integer: (v) => Number.isInteger(v),
  boolean: (v) => typeof v === "boolean",
  null: (v) => v === null,
};

/** The subset of JSON Schema an answer is held to: type, required, properties, items, enum. Null when it fits. */
export function checkSchema(value: unknown, schema: Record<string, unknown>, at: string): string | null {
  const type = schema.type;
  if (typeof type === "string" && TYPE_CHECKS[type] && !TYPE_CHECKS[type](value)) return `${at} should be ${type}`;
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) return `${at} should be one of ${JSON.stringify(schema.enum)}`;
  if (TYPE_CHECKS.object!(value)) {
    const obj = value as Record<string, unknown>;
    for (const key of Array.isArray(schema.required) ? (schema.required as string[]) : []) if (!Object.hasOwn(obj, key)) return `${at}.${key} is required`;
    const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
    for (const [key, sub] of Object.entries(props)) {
      if (!Object.hasOwn(obj, key)) continue;
      const problem = checkSchema(obj[key], sub, `${at}.${key}`);
      if (problem) return problem;
    }
  }
  if (Array.isArray(value) && schema.items && typeof schema.items === "object") {
    for (const [i, item] of value.entries()) {
      const problem = checkSchema(item, schema.items as Record<string, unknown>, `${at}[${i}]`);
      if (problem) return problem;
    }
  }
  return null;
}
