/**
 * The SKILL.md front matter: a skill's name, description, input schema, model and optional output schema (zod, the
 * one source of the format). The host parses the YAML and checks it here at build time; the bundle carries the
 * parsed skill as JSON (SkillDefinition), which `serveSkill` in user code serves as one MCP tool.
 */
import { z } from "zod";

/** The file a skill project describes its tool in, at the project root. */
export const SKILL_FILE = "SKILL.md";

/** MCP tool names the gateway can compose (`member__tool` stays within 64 characters for short member slugs). */
export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const JSON_TYPES = ["object", "array", "string", "number", "integer", "boolean", "null"] as const;

export interface JsonSchemaNode {
  type?: (typeof JSON_TYPES)[number] | (typeof JSON_TYPES)[number][];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  additionalProperties?: boolean | JsonSchemaNode;
  items?: JsonSchemaNode;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  examples?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minItems?: number;
  maxItems?: number;
  anyOf?: JsonSchemaNode[];
}

const count = z.int("expected a whole number").min(0, "expected a number >= 0");

/**
 * The JSON Schema a skill may write: the keywords every MCP client and model provider understands. Strict, so a
 * misspelt keyword (`require:`, `propertys:`) is an error naming its path instead of a rule silently not applied.
 */
export const JsonSchemaNodeSchema: z.ZodType<JsonSchemaNode> = z.lazy(() =>
  z
    .object({
      type: z.union([z.enum(JSON_TYPES), z.array(z.enum(JSON_TYPES)).min(1)], { error: `expected one of ${JSON_TYPES.join(", ")}` }).optional(),
      title: z.string().optional(),
      description: z.string("expected text").optional(),
      properties: z.record(z.string(), JsonSchemaNodeSchema, "expected a map of property names to schemas").optional(),
      required: z.array(z.string(), "expected a list of property names").optional(),
      additionalProperties: z.union([z.boolean(), JsonSchemaNodeSchema]).optional(),
      items: JsonSchemaNodeSchema.optional(),
      enum: z.array(z.unknown(), "expected a list of allowed values").min(1, "expected at least one value").optional(),
      const: z.unknown().optional(),
      default: z.unknown().optional(),
      examples: z.array(z.unknown()).optional(),
      minimum: z.number().optional(),
      maximum: z.number().optional(),
      exclusiveMinimum: z.number().optional(),
      exclusiveMaximum: z.number().optional(),
      minLength: count.optional(),
      maxLength: count.optional(),
      pattern: z
        .string()
        .refine((p) => {
          try {
            new RegExp(p, "u");
            return true;
          } catch {
            return false;
          }
        }, "expected a valid regular expression")
        .optional(),
      format: z.string().optional(),
      minItems: count.optional(),
      maxItems: count.optional(),
      anyOf: z.array(JsonSchemaNodeSchema).min(1).optional(),
    }, "expected a JSON Schema (a map such as { type: string })")
    .strict()
    .superRefine((node, ctx) => {
      for (const name of node.required ?? []) {
        if (node.properties && !Object.hasOwn(node.properties, name)) {
          ctx.addIssue({ code: "custom", path: ["required"], message: `"${name}" is required but not listed in properties` });
        }
      }
    }),
);

/** A tool's input or output schema: a JSON Schema whose top level is an object, as MCP requires. */
const objectSchema = (what: string) =>
  JsonSchemaNodeSchema.superRefine((node, ctx) => {
    if (node.type !== "object") ctx.addIssue({ code: "custom", path: ["type"], message: `the ${what} must be of type object (MCP tools take and give named fields)` });
  });

const toolAnnotations = z
  .object({
    title: z.string().optional(),
    readOnlyHint: z.boolean("expected true or false").optional(),
    destructiveHint: z.boolean("expected true or false").optional(),
    idempotentHint: z.boolean("expected true or false").optional(),
    openWorldHint: z.boolean("expected true or false").optional(),
  }, "expected a map of annotations (readOnlyHint, destructiveHint, idempotentHint, openWorldHint)")
  .strict();

/** The front matter as written (snake_case keys, as aerostack.toml's). */
export const SkillFrontMatterSchema = z
  .object({
    name: z
      .string("required (the tool's name, such as summarize)")
      .regex(TOOL_NAME_PATTERN, "expected a tool name of letters, digits, _ and -, at most 64 characters"),
    description: z.string("required (what the tool does, for people and models choosing it)").min(1, "must not be empty").max(2000, "expected at most 2000 characters"),
    /** `provider:model`; absent: the project's [ai] default_model (offline `local:default` unless configured). */
    model: z
      .string("expected \"provider:model\", such as \"openai:gpt-4o-mini\" or \"local:default\"")
      .regex(/^[a-z][a-z0-9_-]{0,31}:\S+$/, "expected \"provider:model\", such as \"openai:gpt-4o-mini\" or \"local:default\"")
      .optional(),
    input_schema: objectSchema("input schema"),
    output_schema: objectSchema("output schema").optional(),
    annotations: toolAnnotations.optional(),
    temperature: z.number("expected a number from 0 to 2").min(0).max(2).optional(),
    max_tokens: z.int("expected a whole number of tokens").min(1).max(1_000_000).optional(),
  }, "expected front matter: a YAML map between --- lines at the top of SKILL.md")
  .strict();
export type SkillFrontMatter = z.output<typeof SkillFrontMatterSchema>;

/** What the bundle carries and `serveSkill` serves: the front matter plus the prompt (the body). */
export interface SkillDefinition {
  name: string;
  description: string;
  model?: string;
  inputSchema: JsonSchemaNode & { type: "object" };
  outputSchema?: JsonSchemaNode & { type: "object" };
  annotations?: z.output<typeof toolAnnotations>;
  temperature?: number;
  maxTokens?: number;
  prompt: string;
}

export function skillDefinition(front: SkillFrontMatter, prompt: string): SkillDefinition {
  return {
    name: front.name,
    description: front.description,
    ...(front.model !== undefined ? { model: front.model } : {}),
    inputSchema: front.input_schema as SkillDefinition["inputSchema"],
    ...(front.output_schema !== undefined ? { outputSchema: front.output_schema as SkillDefinition["inputSchema"] } : {}),
    ...(front.annotations !== undefined ? { annotations: front.annotations } : {}),
    ...(front.temperature !== undefined ? { temperature: front.temperature } : {}),
    ...(front.max_tokens !== undefined ? { maxTokens: front.max_tokens } : {}),
    prompt,
  };
}

/**
 * `{{ name }}` in the prompt: the input's value at that path (`{{ user.name }}`), strings as they are and anything
 * else as JSON. A data path, never code; an unknown path renders empty.
 */
export function renderPrompt(prompt: string, input: Record<string, unknown>): string {
  return prompt.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}/g, (_m, path: string) => {
    let value: unknown = input;
    for (const key of path.split(".")) {
      value = value !== null && typeof value === "object" && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
    }
    if (value === undefined || value === null) return "";
    return typeof value === "string" ? value : JSON.stringify(value);
  });
}
