/**
 * agent_loop: a ReAct cycle over the workspace's tools. Each LLM turn and each tool call is its own durable step
 * (NodeContext.step), so an attempt repeated after a crash replays the recorded turns and calls instead of paying
 * for them again, and continues from the first one that had not finished.
 */
import type { ChatMessage, ToolDefinition } from "../../../shared/wire/ai";
import { chat } from "../ai/chat";
import { withTools } from "../tools/gateway-client";
import type { NodeExecutor } from "./types";

interface AgentConfig {
  model?: string;
  system?: string;
  prompt: string;
  tools: string[];
  maxIterations: number;
  stopWhen?: string;
}

export const agentLoop: NodeExecutor<"agent_loop"> = {
  type: "agent_loop",
  async run(ctx) {
    const c = ctx.config as unknown as AgentConfig;
    const { env, run } = ctx;
    const available = await ctx.step("tools", () => (run.workspace ? withTools(env, run, (client) => client.list()) : Promise.resolve([])));
    const chosen = c.tools.length ? available.filter((t) => c.tools.includes(t.name)) : available;
    const tools: ToolDefinition[] = chosen.map((t) => ({ name: t.name, ...(t.description ? { description: t.description } : {}), ...(t.inputSchema ? { parameters: t.inputSchema } : {}) }));
    const messages: ChatMessage[] = [...(c.system ? [{ role: "system" as const, content: String(c.system) }] : []), { role: "user", content: String(c.prompt) }];
    const tokens = { input: 0, output: 0 };
    const key = await ctx.idempotencyKey();
    let calls = 0;
    let text = "";
    for (let turn = 0; turn < c.maxIterations; turn++) {
      const result = await ctx.step(`turn${turn}`, () => chat(ctx, { messages, ...(tools.length ? { tools } : {}), ...(c.model ? { model: c.model } : {}) }));
      tokens.input += result.usage.inputTokens;
      tokens.output += result.usage.outputTokens;
      text = result.text;
      messages.push({ role: "assistant", content: result.text, ...(result.toolCalls.length ? { toolCalls: result.toolCalls } : {}) });
      const stopped = result.toolCalls.length === 0 || (c.stopWhen !== undefined && result.text.includes(c.stopWhen));
      if (stopped) return { output: { text, iterations: turn + 1, toolCalls: calls, stopped: "answer" }, tokens };
      for (const [i, call] of result.toolCalls.entries()) {
        calls++;
        const outcome = await ctx.step(`turn${turn}.tool${i}`, async () => {
          try {
            return { ok: true, value: await withTools(env, run, (client) => client.call(call.name, call.arguments, `${key}:${turn}.${i}`)) };
          } catch (err) {
            // The model sees a failed tool as a result and may try another way.
            return { ok: false, value: err instanceof Error ? err.message : String(err) };
          }
        });
        messages.push({ role: "tool", toolCallId: call.id, content: typeof outcome.value === "string" ? outcome.value : JSON.stringify(outcome.value) });
      }
    }
    return { output: { text, iterations: c.maxIterations, toolCalls: calls, stopped: "maxIterations" }, tokens };
  },
};
