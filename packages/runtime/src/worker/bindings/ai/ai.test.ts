/**
 * env.AI end to end with no network: user code in a loaded isolate calls the binding on a real platform (workerd via
 * Miniflare) and gets the offline local provider — chat, streams, an agent loop, embeddings, usage records, errors.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPlatform, type TestPlatform } from "../../../host/testing";
import { AI_DRIVER, aiClient, aiSettings, usageAtLeast } from "../../../host/fixtures/ai-driver";
import type { ToolDefinition } from "../../../shared/wire/ai";

let platform: TestPlatform;

const WEATHER: ToolDefinition = {
  name: "get_weather",
  description: "Get the current weather forecast for a city",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

beforeAll(async () => {
  platform = await createTestPlatform();
  await Promise.all([
    platform.deployScript("ai-local", AI_DRIVER),
    platform.deployScript("ai-usage", AI_DRIVER),
    // The default model is OpenAI's, but no key is set: calls that name no model fall back to local.
    platform.deployScript("ai-fallback", AI_DRIVER, { ai: aiSettings({ defaultModel: "openai:gpt-4o-mini", embeddingModel: "openai:text-embedding-3-small" }) }),
    platform.deployScript("ai-strict", AI_DRIVER, { ai: aiSettings({ defaultModel: "openai:gpt-4o-mini", localFallback: false }) }),
  ]);
});
afterAll(() => platform?.dispose());

describe("env.AI offline (local provider)", () => {
  const ai = () => aiClient(platform, "ai-local");

  it("answers chat deterministically by default, with usage and finish reason", async () => {
    const first = await ai().chat({ messages: [{ role: "user", content: "Hello Aerostack" }] });
    expect(first).toEqual({ text: "You said: Hello Aerostack", toolCalls: [], usage: { inputTokens: 4, outputTokens: 7 }, model: "local:default", finishReason: "stop" });
    expect(await ai().chat({ model: "local:default", messages: [{ role: "user", content: "Hello Aerostack" }] })).toEqual(first);
    expect(await ai().generate("Hello Aerostack")).toBe("You said: Hello Aerostack");
  });

  it("streams deltas that `for await` reads, ending with done", async () => {
    const deltas = await ai().stream({ messages: [{ role: "user", content: "stream this" }] });
    expect(deltas.filter((d) => d.type === "text").map((d) => (d.type === "text" ? d.text : "")).join("")).toBe("You said: stream this");
    expect(deltas.at(-1)).toEqual({ type: "done", usage: { inputTokens: 3, outputTokens: 6 }, finishReason: "stop", model: "local:default" });
  });

  it("streams tool calls as whole calls", async () => {
    const deltas = await ai().stream({ messages: [{ role: "user", content: "get_weather city=Lima" }], tools: [WEATHER] });
    expect(deltas).toEqual([
      { type: "tool_call", toolCall: { id: expect.stringMatching(/^call_/), name: "get_weather", arguments: { city: "Lima" } } },
      { type: "done", usage: expect.any(Object), finishReason: "tool_calls", model: "local:default" },
    ]);
  });

  it("runs an agent loop: chat → tool call → tool result → final answer", async () => {
    const run = await ai().agent({
      messages: [
        { role: "system", content: "You are a weather assistant." },
        { role: "user", content: "What is the weather like? city=Paris" },
      ],
      tools: [WEATHER, { name: "add", description: "Add two numbers", parameters: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } } } }],
    });
    expect(run.turns).toHaveLength(2);
    expect(run.turns[0]).toMatchObject({ finishReason: "tool_calls", toolCalls: [{ name: "get_weather", arguments: { city: "Paris" } }] });
    expect(run.answer).toBe('get_weather returned: {"city":"Paris","forecast":"sunny","celsius":21}');
    expect(run.turns[1]!.finishReason).toBe("stop");
    // The transcript the loop built is what every provider expects: assistant tool calls, then results by id.
    expect(run.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool"]);
  });

  it("embeds deterministically, and similar texts score higher than unrelated ones", async () => {
    const docs = [
      "Workers run JavaScript at the edge, close to users.",
      "Durable Objects give each project strongly consistent storage.",
      "The recipe needs two cups of flour and an egg.",
    ];
    const { vectors, model, usage } = await ai().embed({ input: docs });
    expect(model).toBe("local:default");
    expect(vectors).toHaveLength(3);
    expect(vectors[0]).toHaveLength(384);
    expect(usage.inputTokens).toBeGreaterThan(0);
    const [query] = (await ai().embed({ input: "Where does my JavaScript run? At the edge?" })).vectors;
    const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    const scores = vectors.map((v) => cosine(query!, v));
    expect(scores[0]).toBeGreaterThan(scores[1]!);
    expect(scores[0]).toBeGreaterThan(scores[2]!);
    expect((await ai().embed({ input: docs[0]! })).vectors[0]).toEqual(vectors[0]);
    expect((await ai().embed({ input: "x", dimensions: 16 })).vectors[0]).toHaveLength(16);
  });

  it("refuses malformed calls with messages that say what was expected", async () => {
    expect(await ai().chatError({ messages: [] })).toMatch(/AI\.chat: messages must be an array of 1 to 2000 messages/);
    expect(await ai().chatError({ messages: [{ role: "robot", content: "x" }] } as never)).toMatch(/messages\[0\]\.role must be one of "system", "user", "assistant", "tool"/);
    expect(await ai().chatError({ messages: [{ role: "tool", content: "x", toolCallId: "nope" }] })).toMatch(/matches no toolCalls\[\]\.id of an earlier assistant message/);
    expect(await ai().chatError({ messages: [{ role: "user", content: "x" }], toolChoice: { name: "missing" }, tools: [WEATHER] })).toMatch(/toolChoice names "missing"/);
    expect(await ai().chatError({ model: "gpt-4o", messages: [{ role: "user", content: "x" }] })).toMatch(/model "gpt-4o" names no provider; write "provider:model", such as "openai:gpt-4o"/);
    expect(await ai().chatError({ model: "nosuch:model", messages: [{ role: "user", content: "x" }] })).toMatch(/no provider "nosuch".*\[ai\.providers\.nosuch\]/);
    expect(await ai().embedError({ input: [1, 2] } as never)).toMatch(/AI\.embed: input\[0\] must be a string/);
  });

  it("keeps the raw RPC stub away from user code", async () => {
    expect(await ai().keys()).toEqual([]);
  });
});

describe("env.AI default model without a key", () => {
  it("falls back to local for calls that name no model, and says so in the result", async () => {
    const ai = aiClient(platform, "ai-fallback");
    expect(await ai.chat({ messages: [{ role: "user", content: "hi" }] })).toMatchObject({ text: "You said: hi", model: "local:default" });
    expect((await ai.embed({ input: "hi" })).model).toBe("local:default");
  });

  it("fails a call that names a provider's model, naming the secret and where it goes", async () => {
    const message = await aiClient(platform, "ai-fallback").chatError({ model: "anthropic:claude-sonnet-4-5", messages: [{ role: "user", content: "hi" }] });
    expect(message).toBe(
      'AI.chat: model "anthropic:claude-sonnet-4-5" needs an API key, but secret ANTHROPIC_API_KEY is not set. Add ANTHROPIC_API_KEY=<your key> to .dev.vars ' +
        '(or set it in the environment aerostack runs in), or use "local:default" to run offline.',
    );
  });

  it("fails the default model too when local_fallback is off", async () => {
    expect(await aiClient(platform, "ai-strict").chatError({ messages: [{ role: "user", content: "hi" }] })).toMatch(/secret OPENAI_API_KEY is not set/);
  });
});

describe("AI usage log", () => {
  it("records each call with provider, model, tokens, latency and status, and totals per model", async () => {
    const ai = aiClient(platform, "ai-usage");
    const before = Date.now();
    await ai.chat({ messages: [{ role: "user", content: "one two three four" }] });
    await ai.stream({ messages: [{ role: "user", content: "streamed" }] });
    await ai.embed({ input: ["a", "b"] });
    await ai.chatError({ model: "openai:gpt-4o", messages: [{ role: "user", content: "no key" }] });
    const usage = await usageAtLeast(platform, "ai-usage", 4);
    expect(usage.calls.map((c) => c.operation).sort()).toEqual(["chat", "chat", "chat_stream", "embed"]);
    // A call refused for a missing key is logged as an error under the model it asked for.
    const refused = usage.calls.filter((c) => c.status === "error");
    expect(refused).toEqual([expect.objectContaining({ operation: "chat", provider: "openai", model: "openai:gpt-4o", error: "missing_key", inputTokens: 0 })]);
    for (const call of usage.calls.filter((c) => c.status === "ok")) {
      expect(call).toMatchObject({ provider: "local", model: "local:default", status: "ok", error: null, member: null });
      expect(call.at).toBeGreaterThanOrEqual(before);
      expect(call.latencyMs).toBeGreaterThanOrEqual(0);
    }
    expect(usage.calls.find((c) => c.operation === "chat" && c.status === "ok")).toMatchObject({ inputTokens: 5, outputTokens: 7 });
    expect(usage.totals).toEqual([
      { provider: "local", model: "local:default", calls: 3, errors: 0, inputTokens: expect.any(Number), outputTokens: expect.any(Number), avgLatencyMs: expect.any(Number) },
      { provider: "openai", model: "openai:gpt-4o", calls: 1, errors: 1, inputTokens: 0, outputTokens: 0, avgLatencyMs: expect.any(Number) },
    ]);
    // Another project's log is its own.
    expect((await platform.control.aiUsage("ai-local", { since: Date.now() + 60_000 })).calls).toEqual([]);
  });
});
