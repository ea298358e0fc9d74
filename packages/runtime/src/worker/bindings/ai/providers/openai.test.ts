/**
 * env.AI against a real HTTP server on loopback speaking OpenAI's Chat Completions and Embeddings format: the request
 * shape (path, Bearer key, body with tools), answers plain and streamed, tool calls normalized both ways, custom
 * `base_url` providers, and the key kept out of everything the user sees.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { authHeaders, expectNoKeyLeak, startRemoteAi, type RemoteAi } from "../../../../host/fixtures/ai-remote";
import { replyJson, replySse } from "../../../../host/fixtures/llm-provider-server";
import { usageAtLeast } from "../../../../host/fixtures/ai-driver";
import type { ToolDefinition } from "../../../../shared/wire/ai";

const OPENAI_KEY = "sk-test-openai-4f9c2a7e1b3d5f60";
const GROQ_KEY = "groq-local-key-8d1e6b2c9a";
const WEATHER: ToolDefinition = {
  name: "get_weather",
  description: "Get the weather for a city",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};
const OPENAI = { openai: { kind: "openai" as const, path: "/v1", apiKeySecret: "OPENAI_API_KEY" } };

let remote: RemoteAi;
let ai: Awaited<ReturnType<RemoteAi["deploy"]>>;
const seen: unknown[] = [];

beforeAll(async () => {
  remote = await startRemoteAi();
  ai = await remote.deploy("ai-openai", OPENAI, { OPENAI_API_KEY: OPENAI_KEY }, { defaultModel: "openai:gpt-4o-mini", embeddingModel: "openai:text-embedding-3-small" });
});
afterAll(() => remote?.dispose());
beforeEach(() => remote.server.reset());

function completion(message: Record<string, unknown>, finish: string) {
  return {
    id: "chatcmpl-1",
    object: "chat.completion",
    model: "gpt-4o-mini-2024-07-18",
    choices: [{ index: 0, message: { role: "assistant", ...message }, finish_reason: finish }],
    usage: { prompt_tokens: 42, completion_tokens: 7, total_tokens: 49 },
  };
}

describe("OpenAI chat completions", () => {
  it("sends the OpenAI request shape and normalizes a tool call", async () => {
    remote.server.next(
      replyJson(completion({ content: null, tool_calls: [{ id: "call_abc", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } }] }, "tool_calls")),
    );
    const result = await ai.chat({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Weather in Oslo?" },
      ],
      tools: [WEATHER],
      toolChoice: { name: "get_weather" },
      temperature: 0.2,
      maxTokens: 100,
    });
    seen.push(result);
    expect(result).toEqual({
      text: "",
      toolCalls: [{ id: "call_abc", name: "get_weather", arguments: { city: "Oslo" } }],
      usage: { inputTokens: 42, outputTokens: 7 },
      model: "openai:gpt-4o-mini-2024-07-18",
      finishReason: "tool_calls",
    });
    const [request] = remote.server.requests;
    expect(request).toMatchObject({ method: "POST", url: "/v1/chat/completions" });
    expect(authHeaders(request!.headers)).toEqual({ authorization: `Bearer ${OPENAI_KEY}` });
    expect(request!.body).toEqual({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Weather in Oslo?" },
      ],
      tools: [{ type: "function", function: { name: "get_weather", description: "Get the weather for a city", parameters: WEATHER.parameters } }],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      temperature: 0.2,
      max_tokens: 100,
    });
  });

  it("sends tool results back in OpenAI's format in an agent loop", async () => {
    remote.server.next(
      replyJson(completion({ content: "Checking.", tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } }] }, "tool_calls")),
      replyJson(completion({ content: "Sunny, 21 °C in Rome." }, "stop")),
    );
    const run = await ai.agent({ messages: [{ role: "user", content: "Weather in Rome?" }], tools: [WEATHER] });
    seen.push(run);
    expect(run.answer).toBe("Sunny, 21 °C in Rome.");
    expect(run.turns[1]).toMatchObject({ finishReason: "stop", toolCalls: [] });
    const second = remote.server.requests[1]!.body as { messages: unknown[]; tool_choice: unknown };
    expect(second.tool_choice).toBe("auto");
    expect(second.messages).toEqual([
      { role: "user", content: "Weather in Rome?" },
      { role: "assistant", content: "Checking.", tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } }] },
      { role: "tool", tool_call_id: "call_1", content: '{"city":"Rome","forecast":"sunny","celsius":21}' },
    ]);
  });

  it("streams text and fragmented tool calls as deltas, with usage from the last chunk", async () => {
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
      data: { id: "c", object: "chat.completion.chunk", model: "gpt-4o-mini-2024-07-18", choices: [{ index: 0, delta, finish_reason: finish }] },
    });
    remote.server.next(
      replySse([
        chunk({ role: "assistant", content: "" }),
        chunk({ content: "Let me " }),
        chunk({ content: "check." }),
        chunk({ tool_calls: [{ index: 0, id: "call_s", type: "function", function: { name: "get_weather", arguments: "" } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: 'ty":"Lima"}' } }] }),
        chunk({}, "tool_calls"),
        { data: { id: "c", object: "chat.completion.chunk", model: "gpt-4o-mini-2024-07-18", choices: [], usage: { prompt_tokens: 30, completion_tokens: 12 } } },
        { data: "[DONE]" },
      ]),
    );
    const deltas = await ai.stream({ messages: [{ role: "user", content: "Weather in Lima?" }], tools: [WEATHER] });
    seen.push(deltas);
    expect(deltas).toEqual([
      { type: "text", text: "Let me " },
      { type: "text", text: "check." },
      { type: "tool_call", toolCall: { id: "call_s", name: "get_weather", arguments: { city: "Lima" } } },
      { type: "done", usage: { inputTokens: 30, outputTokens: 12 }, finishReason: "tool_calls", model: "openai:gpt-4o-mini-2024-07-18" },
    ]);
    const [request] = remote.server.requests;
    expect(request!.headers.accept).toBe("text/event-stream");
    expect(request!.body).toMatchObject({ model: "gpt-4o-mini", stream: true, stream_options: { include_usage: true }, tool_choice: "auto" });
  });

  it("estimates usage as ⌈characters / 4⌉ when the server sends no usage chunk (it ignored stream_options)", async () => {
    remote.server.next(
      replySse([
        { data: { model: "llama3", choices: [{ index: 0, delta: { content: "12345678" }, finish_reason: null }] } },
        { data: { model: "llama3", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] } },
        { data: "[DONE]" },
      ]),
    );
    const deltas = await ai.stream({ messages: [{ role: "user", content: "twelve chars" }] });
    seen.push(deltas);
    expect(deltas.at(-1)).toEqual({ type: "done", usage: { inputTokens: 3, outputTokens: 2 }, finishReason: "stop", model: "openai:llama3" });
  });
});

describe("OpenAI embeddings", () => {
  it("posts to /embeddings and returns vectors in input order", async () => {
    remote.server.next(
      replyJson({
        object: "list",
        model: "text-embedding-3-small",
        // Out of order on purpose: the index field, not the position, says which input a vector belongs to.
        data: [
          { object: "embedding", index: 1, embedding: [0, 1, 0] },
          { object: "embedding", index: 0, embedding: [1, 0, 0] },
        ],
        usage: { prompt_tokens: 6, total_tokens: 6 },
      }),
    );
    const result = await ai.embed({ input: ["first text", "second text"], dimensions: 3 });
    seen.push(result);
    expect(result).toEqual({ vectors: [[1, 0, 0], [0, 1, 0]], model: "openai:text-embedding-3-small", usage: { inputTokens: 6, outputTokens: 0 } });
    const [request] = remote.server.requests;
    expect(request).toMatchObject({ url: "/v1/embeddings", headers: { authorization: `Bearer ${OPENAI_KEY}` } });
    expect(request!.body).toEqual({ model: "text-embedding-3-small", input: ["first text", "second text"], encoding_format: "float", dimensions: 3 });
  });
});

describe("OpenAI-compatible providers with a base_url", () => {
  it("calls a declared provider at its base_url with its own key secret, and a keyless one with no auth header", async () => {
    const client = await remote.deploy(
      "ai-compat",
      {
        groq: { kind: "openai", path: "/openai/v1", apiKeySecret: "GROQ_API_KEY" },
        ollama: { kind: "openai", path: "/ollama/v1", apiKeySecret: "OLLAMA_API_KEY", keyRequired: false },
      },
      { GROQ_API_KEY: GROQ_KEY },
    );
    remote.server.next(replyJson(completion({ content: "from groq" }, "stop")), replyJson({ ...completion({ content: "from ollama" }, "stop"), model: "llama3.2:3b" }));
    const groq = await client.chat({ model: "groq:llama-3.3-70b-versatile", messages: [{ role: "user", content: "hi" }] });
    const ollama = await client.chat({ model: "ollama:llama3.2:3b", messages: [{ role: "user", content: "hi" }] });
    seen.push(groq, ollama);
    expect(groq).toMatchObject({ text: "from groq", finishReason: "stop" });
    expect(ollama).toMatchObject({ text: "from ollama", model: "ollama:llama3.2:3b" });
    const [toGroq, toOllama] = remote.server.requests;
    expect(toGroq).toMatchObject({ url: "/openai/v1/chat/completions", body: { model: "llama-3.3-70b-versatile" } });
    expect(authHeaders(toGroq!.headers)).toEqual({ authorization: `Bearer ${GROQ_KEY}` });
    // The model name keeps its own colons: only the first one separates the provider.
    expect(toOllama).toMatchObject({ url: "/ollama/v1/chat/completions", body: { model: "llama3.2:3b" } });
    expect(authHeaders(toOllama!.headers)).toEqual({});
    await expectNoKeyLeak(remote, "ai-compat", [GROQ_KEY], seen);
  });
});

describe("OpenAI usage log and key hygiene", () => {
  it("records each call under the resolved model with the provider's token counts, and never holds the key", async () => {
    const usage = await usageAtLeast(remote.platform, "ai-openai", 6);
    const ok = usage.calls.filter((c) => c.status === "ok");
    expect(ok.map((c) => c.operation).sort()).toEqual(["chat", "chat", "chat", "chat_stream", "chat_stream", "embed"]);
    expect(ok.filter((c) => c.operation === "chat_stream").at(-1)).toMatchObject({ provider: "openai", model: "openai:gpt-4o-mini", inputTokens: 30, outputTokens: 12 });
    expect(ok.find((c) => c.operation === "embed")).toMatchObject({ model: "openai:text-embedding-3-small", inputTokens: 6 });
    await expectNoKeyLeak(remote, "ai-openai", [OPENAI_KEY], seen);
  });
});
