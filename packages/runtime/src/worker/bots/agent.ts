/**
 * Agent-loop mode: the model (env.AI through the bot's scoped AI entrypoint, the offline provider unless [ai] says
 * otherwise) with the workspace's tools, called inside the platform the way a workflow's agent_loop calls them
 * (workflows/tools/gateway-client.ts: the gateway's rules, secret injection and call log apply), up to the bot's
 * iteration cap. The user's text is only ever a message's content: never a template, code, or a tool name.
 */
import type { AiRpc, ChatMessage, ChatRequestWire, ChatResult, ChatStreamLine, ToolCall, ToolDefinition } from "../../shared/wire/ai";
import type { BotDefinition } from "../../shared/bots";
import type { PlatformEnv } from "../env";
import { directory } from "../accounts/directory";
import { LOCAL_ACCOUNT } from "../../shared/gateway";
import { workspaceObject } from "../workspaces/workspace";
import { openToolClient, type ToolClient } from "../workflows/tools/gateway-client";

/**
 * A bot's gateway session, kept between messages: opening one (initialize, the workspace's tools listed through
 * every member) costs more than the call itself, and a bot answers many messages a minute. It is only a cache: an
 * isolate without it opens a session, and it is opened again (ownership checked again) after SESSION_TTL_MS.
 */
interface Session {
  client: ToolClient;
  tools: ToolDefinition[];
  at: number;
}
const SESSIONS = new Map<string, Promise<Session>>();
const SESSION_TTL_MS = 60_000;

async function openSession(env: PlatformEnv, account: string, workspace: string, bot: string): Promise<Session> {
  // The workspace must still be the bot's account's: a deleted workspace's slug taken by another account is not called.
  // The dev account's workspaces (`aerostack dev`'s /ws/dev) are made through the control API and have no directory
  // entry: the workspace object itself names its owner.
  const owner = (await directory(env).workspaceOwner(workspace)) ?? (account === LOCAL_ACCOUNT ? ((await workspaceObject(env, workspace).info())?.account ?? null) : null);
  if (owner !== account) throw new Error(`workspace "${workspace}" is not in account "${account}" any more; deploy the bot with one of your workspaces`);
  const client = await openToolClient(env, workspace, `bot-${bot}`);
  const listed = await client.list();
  const tools = listed.map((t) => ({ name: t.name, ...(t.description ? { description: t.description } : {}), ...(t.inputSchema ? { parameters: t.inputSchema } : {}) }));
  return { client, tools, at: Date.now() };
}

async function session(env: PlatformEnv, account: string, workspace: string, bot: string): Promise<Session> {
  const key = `${account}/${workspace}/${bot}`;
  const cached = SESSIONS.get(key);
  if (cached) {
    const s = await cached.catch(() => null);
    if (s && Date.now() - s.at < SESSION_TTL_MS) return s;
    // Stale or failed: replaced, not closed (a message may still be using it; the gateway drops idle sessions itself).
    if (SESSIONS.get(key) === cached) SESSIONS.delete(key);
  }
  let opening = SESSIONS.get(key);
  if (!opening) {
    const opened = openSession(env, account, workspace, bot);
    opened.catch(() => {
      if (SESSIONS.get(key) === opened) SESSIONS.delete(key);
    });
    SESSIONS.set(key, opened);
    opening = opened;
  }
  return opening;
}

/** Forgets a session the gateway no longer knows (expired, or the platform restarted). */
function dropSession(account: string, workspace: string, bot: string): void {
  SESSIONS.delete(`${account}/${workspace}/${bot}`);
}

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
  /** Given: the model's answers are streamed, and this hears each model turn's text so far (message edits). */
  onText?: (text: string) => Promise<void>;
}

export async function runAgent(input: AgentInput): Promise<AgentResult> {
  const { definition } = input;
  const workspace = definition.workspace;
  if (!workspace) return loop(input, null, []);
  let s: Session;
  try {
    s = await session(input.env, input.account, workspace, definition.name);
  } catch (err) {
    dropSession(input.account, workspace, definition.name);
    throw err;
  }
  const result = await loop(input, s.client, s.tools);
  // A session the gateway forgot fails its calls; the next message opens a new one.
  if (result.toolCalls.some((t) => !t.ok)) dropSession(input.account, workspace, definition.name);
  return result;
}

async function loop(input: AgentInput, client: ToolClient | null, tools: ToolDefinition[]): Promise<AgentResult> {
  const { definition } = input;
  const messages: ChatMessage[] = [...input.history, { role: "user", content: input.text }];
  const result: AgentResult = { text: "", iterations: 0, toolCalls: [], tokens: { input: 0, output: 0 }, stopped: "answer" };
  for (let turn = 0; turn < definition.maxIterations; turn++) {
    const request: ChatRequestWire = { messages, ...(tools.length ? { tools } : {}), ...(definition.model ? { model: definition.model } : {}) };
    const answer = input.onText ? await streamChat(input.ai, request, input.onText) : await input.ai.chat(request);
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

/** One model turn streamed (JSON lines over RPC): each text delta reported with the text so far, the result at the end. */
async function streamChat(ai: AiRpc, request: ChatRequestWire, onText: (text: string) => Promise<void>): Promise<ChatResult> {
  const reader = (await ai.chatStream(request)).pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let text = "";
  const toolCalls: ToolCall[] = [];
  let done: Extract<ChatStreamLine, { type: "done" }> | null = null;
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
    buffer += chunk.value;
    for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (!line) continue;
      const delta = JSON.parse(line) as ChatStreamLine;
      if (delta.type === "text") {
        text += delta.text;
        await onText(text);
      } else if (delta.type === "tool_call") toolCalls.push(delta.toolCall);
      else if (delta.type === "done") done = delta;
      else throw new Error(delta.message);
    }
  }
  if (!done) throw new Error("the model's answer stream ended before it finished");
  return { text, toolCalls, usage: done.usage, model: done.model, finishReason: done.finishReason };
}
