/**
 * Agent-loop mode: the model (env.AI through the bot's scoped AI entrypoint, the offline provider unless [ai] says
 * otherwise) with the workspace's tools, called inside the platform the way a workflow's agent_loop calls them
 * (workflows/tools/gateway-client.ts: the gateway's rules, secret injection and call log apply), up to the bot's
 * iteration cap. The user's text is only ever a message's content: never a template, code, or a tool name.
 */
import type { AiRpc, ChatMessage, ToolDefinition } from "../../shared/wire/ai";
import type { BotDefinition } from "../../shared/bots";
import type { PlatformEnv } from "../env";
import { withTools, type ToolClient } from "../workflows/tools/gateway-client";

export interface AgentResult {
  text: string;
  iterations: number;
  toolCalls: { name: string; ok: boolean; ms: number }[];
  tokens: { input: number; output: number };
  stopped: "answer" | "maxIterations";
}

export interface AgentInput {
  env: PlatformEnv;
  ai: AiRpc;
  account: string;
  definition: BotDefinition;
  /** The conversation so far (summary and recent turns), then the new message. */
  history: ChatMessage[];
  text: string;
  /** Sent with each tool call so a tool can recognise a repeated attempt after a crash. */
  idempotencyKey: string;
}

export async function runAgent(input: AgentInput): Promise<AgentResult> {
  const { definition } = input;
  if (!definition.workspace) return loop(input, null, []);
  return withTools(input.env, { workspace: definition.workspace, workflow: `bot-${definition.name}`, account: input.account }, async (client) => {
    const listed = await client.list();
    const tools: ToolDefinition[] = listed.map((t) => ({ name: t.name, ...(t.description ? { description: t.description } : {}), ...(t.inputSchema ? { parameters: t.inputSchema } : {}) }));
    return loop(input, client, tools);
  });
}

async function loop(input: AgentInput, client: ToolClient | null, tools: ToolDefinition[]): Promise<AgentResult> {
  const { definition } = input;
  const messages: ChatMessage[] = [...input.history, { role: "user", content: input.text }];
  const result: AgentResult = { text: "", iterations: 0, toolCalls: [], tokens: { input: 0, output: 0 }, stopped: "answer" };
  for (let turn = 0; turn < definition.maxIterations; turn++) {
    const answer = await input.ai.chat({ messages, ...(tools.length ? { tools } : {}), ...(definition.model ? { model: definition.model } : {}) });
    result.iterations = turn + 1;
    result.tokens.input += answer.usage.inputTokens;
    result.tokens.output += answer.usage.outputTokens;
    result.text = answer.text;
    messages.push({ role: "assistant", content: answer.text, ...(answer.toolCalls.length ? { toolCalls: answer.toolCalls } : {}) });
    if (answer.toolCalls.length === 0 || !client) return result;
    for (const [i, call] of answer.toolCalls.entries()) {
      const started = Date.now();
      let content: string;
      let ok = true;
      try {
        const value = await client.call(call.name, call.arguments, `${input.idempotencyKey}:${turn}.${i}`);
        content = typeof value === "string" ? value : JSON.stringify(value);
      } catch (err) {
        // The model sees a failed tool as a result and may try another way.
        ok = false;
        content = err instanceof Error ? err.message : String(err);
      }
      result.toolCalls.push({ name: call.name, ok, ms: Date.now() - started });
      messages.push({ role: "tool", toolCallId: call.id, content });
    }
  }
  result.stopped = "maxIterations";
  if (!result.text) result.text = `I could not finish this within ${definition.maxIterations} steps.`;
  return result;
}
