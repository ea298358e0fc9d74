/**
 * A skill served as an MCP server with one tool. The build turns SKILL.md into a SkillDefinition and generates the
 * module's default export as `serveSkill(skill, userModule)`. A call checks the input against the skill's schema,
 * then runs the module's `run(input, env, skill)` when it exports one, else sends the prompt and the input to
 * `env.AI.chat` (with an output schema: as a forced call of a `respond` tool, whose arguments are checked against it).
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { renderPrompt, type SkillDefinition } from "../shared/skills";
import type { ChatOptions, ChatResult } from "../shared/wire/ai";
import { serveMcp, type McpFetchHandler } from "./index";
import { createToolServer, serveToolDefinition, toolError, toToolResult, type ToolExtra } from "./tools";

/** The function a skill may export: gets the checked input, the project's env (env.AI among it) and the skill. */
export type SkillRun<Env = unknown> = (input: Record<string, unknown>, env: Env, skill: SkillDefinition & { extra: ToolExtra }) => unknown;

interface ChatEnv {
  AI?: { chat(options: ChatOptions): Promise<ChatResult> };
}

/** The tool the model is made to call when the skill has an output schema: its arguments are the answer. */
const RESPOND_TOOL = "respond";

/** The input as the user message: one `key: value` line per field (strings as written, others as JSON). */
function inputMessage(input: Record<string, unknown>): string {
  const lines = Object.entries(input).map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
  return lines.length > 0 ? lines.join("\n") : "(no input)";
}

/** The prompt-only skill: one chat call, the answer as text (or, with an output schema, as checked structured content). */
async function chatSkill(skill: SkillDefinition, input: Record<string, unknown>, env: ChatEnv): Promise<CallToolResult> {
  if (!env.AI || typeof env.AI.chat !== "function") return toolError(`${skill.name}: env.AI is not available to this skill`);
  const options: ChatOptions = {
    messages: [
      ...(skill.prompt ? [{ role: "system" as const, content: renderPrompt(skill.prompt, input) }] : []),
      { role: "user", content: inputMessage(input) },
    ],
    ...(skill.model !== undefined ? { model: skill.model } : {}),
    ...(skill.temperature !== undefined ? { temperature: skill.temperature } : {}),
    ...(skill.maxTokens !== undefined ? { maxTokens: skill.maxTokens } : {}),
  };
  if (!skill.outputSchema) {
    const answer = await env.AI.chat(options);
    return { content: [{ type: "text", text: answer.text }] };
  }
  options.tools = [{ name: RESPOND_TOOL, description: `Give the answer of ${skill.name}`, parameters: skill.outputSchema as unknown as Record<string, unknown> }];
  options.toolChoice = { name: RESPOND_TOOL };
  const answer = await env.AI.chat(options);
  const call = answer.toolCalls?.find((c) => c.name === RESPOND_TOOL);
  if (!call) return toolError(`${skill.name}: the model answered without the structured result its output schema asks for: ${answer.text.slice(0, 500)}`);
  return toToolResult(call.arguments, true);
}

/**
 * The module's default export for a skill project. `mod.run` (optional) replaces the chat call; its result is tool
 * content like a function-backed tool's (text, a full MCP result, or a value sent as JSON).
 */
export function serveSkill<Env extends ChatEnv>(skill: SkillDefinition, mod: { run?: unknown; default?: unknown } = {}): { fetch: McpFetchHandler<Env> } {
  const run = (typeof mod.run === "function" ? mod.run : typeof mod.default === "function" ? mod.default : undefined) as SkillRun<Env> | undefined;
  if (!run && !skill.prompt) throw new TypeError(`skill ${skill.name}: SKILL.md has no prompt (the text after the front matter) and src has no run function; give it one of them`);
  const served = serveToolDefinition<Env>(
    {
      name: skill.name,
      description: skill.description,
      inputSchema: skill.inputSchema,
      ...(skill.outputSchema ? { outputSchema: skill.outputSchema } : {}),
      ...(skill.annotations ? { annotations: skill.annotations } : {}),
      handler: (input: Record<string, unknown>, env: Env, extra: ToolExtra) => (run ? run(input, env, { ...skill, extra }) : chatSkill(skill, input, env)),
    },
    0,
  );
  const info = { name: skill.name, version: "1.0.0" };
  // A prompt-only skill sends nothing while it runs (one chat call, then the answer), so its answers are plain JSON:
  // an SSE stream per call cost the caller (the gateway above all) a stream to open, read and parse. A skill with a
  // function keeps SSE, for the progress and log messages its code may send.
  return { fetch: serveMcp<Env>((env) => createToolServer(info, [served], env), { jsonResponse: !run }) };
}
