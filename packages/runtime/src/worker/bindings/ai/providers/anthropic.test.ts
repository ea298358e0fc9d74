/**
 * env.AI against a real HTTP server on loopback speaking Anthropic's Messages API: x-api-key and version headers,
 * system apart from the turns, tools as input_schema, tool_use / tool_result blocks, named SSE events, and no
 * embeddings (a clear error).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { authHeaders, expectNoKeyLeak, startRemoteAi, type RemoteAi } from "../../../../host/fixtures/ai-remote";
import { replyJson, replySse } from "../../../../host/fixtures/llm-provider-server";
import type { ToolDefinition } from "../../../../shared/wire/ai";

// No well-known prefix: only the platform's own redaction of this exact value can keep it out of messages.
const KEY = "anthropic-test-key-51c7e0d92f";
const LOOKUP: ToolDefinition = {
  name: "lookup_order",
  description: "Find an order by its number",
  parameters: { type: "object", properties: { order: { type: "integer" } }, required: ["order"] },
};

let remote: RemoteAi;
let ai: Awaited<ReturnType<RemoteAi["deploy"]>>;
const seen: unknown[] = [];

beforeAll(async () => {
  remote = await startRemoteAi();
  ai = await remote.deploy(
    "ai-anthropic",
    { anthropic: { kind: "anthropic", path: "/anthropic", apiKeySecret: "ANTHROPIC_API_KEY" } },
    { ANTHROPIC_API_KEY: KEY },
    { defaultModel: "anthropic:claude-sonnet-4-5" },
  );
});
afterAll(() => remote?.dispose());
beforeEach(() => remote.server.reset());

function message(content: unknown[], stop: string) {
  return { id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-4-5-20250929", content, stop_reason: stop, usage: { input_tokens: 25, output_tokens: 9 } };
}

describe("Anthropic Messages", () => {
  it("sends the Messages shape and normalizes tool_use blocks", async () => {
    remote.server.next(
      replyJson(message([{ type: "text", text: "Looking it up." }, { type: "tool_use", id: "toolu_01", name: "lookup_order", input: { order: 1042 } }], "tool_use")),
    );
    const result = await ai.chat({
      messages: [
        { role: "system", content: "You are a support agent." },
        { role: "user", content: "Where is order 1042?" },
      ],
      tools: [LOOKUP],
      toolChoice: "required",
      temperature: 1.5,
    });
    seen.push(result);
    expect(result).toEqual({
      text: "Looking it up.",
      toolCalls: [{ id: "toolu_01", name: "lookup_order", arguments: { order: 1042 } }],
      usage: { inputTokens: 25, outputTokens: 9 },
      model: "anthropic:claude-sonnet-4-5-20250929",
      finishReason: "tool_calls",
    });
    const [request] = remote.server.requests;
    expect(request).toMatchObject({ method: "POST", url: "/anthropic/v1/messages" });
    expect(authHeaders(request!.headers)).toEqual({ "x-api-key": KEY, "anthropic-version": "2023-06-01" });
    expect(request!.body).toEqual({
      model: "claude-sonnet-4-5",
      // Anthropic requires max_tokens; temperature is capped at its maximum of 1.
      max_tokens: 4096,
      system: "You are a support agent.",
      messages: [{ role: "user", content: [{ type: "text", text: "Where is order 1042?" }] }],
      tools: [{ name: "lookup_order", description: "Find an order by its number", input_schema: LOOKUP.parameters }],
      tool_choice: { type: "any" },
      temperature: 1,
    });
  });

  it("sends tool results as tool_result blocks in a user turn", async () => {
    remote.server.next(
      replyJson(message([{ type: "tool_use", id: "toolu_02", name: "get_weather", input: { city: "Kyiv" } }], "tool_use")),
      replyJson(message([{ type: "text", text: "It is sunny in Kyiv." }], "end_turn")),
    );
    const weather: ToolDefinition = { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { type: "string" } } } };
    const run = await ai.agent({ messages: [{ role: "user", content: "Weather in Kyiv?" }], tools: [weather], maxTokens: 200 });
    seen.push(run);
    expect(run.answer).toBe("It is sunny in Kyiv.");
    expect(run.turns[1]!.finishReason).toBe("stop");
    const second = remote.server.requests[1]!.body as Record<string, unknown>;
    expect(second.max_tokens).toBe(200);
    expect(second.tool_choice).toEqual({ type: "auto" });
    expect(second.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Weather in Kyiv?" }] },
      // The assistant turn had no text: Anthropic refuses empty text blocks, so only the tool_use block goes back.
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_02", name: "get_weather", input: { city: "Kyiv" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_02", content: '{"city":"Kyiv","forecast":"sunny","celsius":21}' }] },
    ]);
  });

  it("streams named events: text deltas, a tool call assembled from input_json_delta, usage and stop reason", async () => {
    remote.server.next(
      replySse([
        { event: "message_start", data: { type: "message_start", message: { id: "msg_s", model: "claude-sonnet-4-5-20250929", usage: { input_tokens: 18, output_tokens: 1 } } } },
        { event: "content_block_start", data: { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } } },
        { event: "ping", data: { type: "ping" } },
        { event: "content_block_delta", data: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "One " } } },
        { event: "content_block_delta", data: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "moment." } } },
        { event: "content_block_stop", data: { type: "content_block_stop", index: 0 } },
        { event: "content_block_start", data: { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "toolu_s", name: "lookup_order", input: {} } } },
        { event: "content_block_delta", data: { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"ord' } } },
        { event: "content_block_delta", data: { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: 'er": 7}' } } },
        { event: "content_block_stop", data: { type: "content_block_stop", index: 1 } },
        { event: "message_delta", data: { type: "message_delta", delta: { stop_reason: "tool_use" }, usage: { output_tokens: 22 } } },
        { event: "message_stop", data: { type: "message_stop" } },
      ]),
    );
    const deltas = await ai.stream({ messages: [{ role: "user", content: "Find order 7" }], tools: [LOOKUP] });
    seen.push(deltas);
    expect(deltas).toEqual([
      { type: "text", text: "One " },
      { type: "text", text: "moment." },
      { type: "tool_call", toolCall: { id: "toolu_s", name: "lookup_order", arguments: { order: 7 } } },
      { type: "done", usage: { inputTokens: 18, outputTokens: 22 }, finishReason: "tool_calls", model: "anthropic:claude-sonnet-4-5-20250929" },
    ]);
    expect(remote.server.requests[0]!.body).toMatchObject({ stream: true, model: "claude-sonnet-4-5" });
  });

  it("errors the user's stream when Anthropic reports an error mid-stream", async () => {
    remote.server.next(
      replySse([
        { event: "message_start", data: { type: "message_start", message: { model: "claude-sonnet-4-5", usage: { input_tokens: 3 } } } },
        { event: "error", data: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } },
      ]),
    );
    const error = await ai.streamError({ messages: [{ role: "user", content: "hi" }] });
    seen.push(error);
    expect(error).toBe("AI.chat: anthropic failed mid-stream (overloaded_error): Overloaded");
  });

  it("has no embeddings, and says which providers do", async () => {
    const error = await ai.embedError({ model: "anthropic:claude-sonnet-4-5", input: "x" });
    seen.push(error);
    expect(error).toMatch(/AI\.embed: anthropic speaks Anthropic's API, which has no embeddings\. Set \[ai\] embedding_model to an openai:, google: or local: model/);
    expect(remote.server.requests).toEqual([]);
  });

  it("keeps the key out of results, errors, the usage log and the platform's output", async () => {
    await expectNoKeyLeak(remote, "ai-anthropic", [KEY], seen);
  });
});
