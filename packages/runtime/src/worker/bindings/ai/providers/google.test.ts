/**
 * env.AI against a real HTTP server on loopback speaking Google's Gemini API: the key in x-goog-api-key (never the
 * URL), contents and systemInstruction, functionDeclarations with a schema Gemini accepts, functionCall /
 * functionResponse parts, `streamGenerateContent?alt=sse`, and embedContent / batchEmbedContents.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { authHeaders, expectNoKeyLeak, startRemoteAi, type RemoteAi } from "../../../../host/fixtures/ai-remote";
import { replyJson, replySse } from "../../../../host/fixtures/llm-provider-server";
import type { ToolDefinition } from "../../../../shared/wire/ai";

const KEY = "gemini-test-key-0a9b8c7d6e5f";
const WEATHER: ToolDefinition = {
  name: "get_weather",
  description: "Weather for a city",
  // `$schema` and `additionalProperties` are JSON Schema that Gemini's Schema type refuses.
  parameters: { $schema: "http://json-schema.org/draft-07/schema#", type: "object", additionalProperties: false, properties: { city: { type: "string", description: "City name" } }, required: ["city"] },
};
const NO_ARGS: ToolDefinition = { name: "get_time", description: "The current time" };

let remote: RemoteAi;
let ai: Awaited<ReturnType<RemoteAi["deploy"]>>;
const seen: unknown[] = [];

beforeAll(async () => {
  remote = await startRemoteAi();
  ai = await remote.deploy(
    "ai-google",
    { google: { kind: "google", path: "/v1beta", apiKeySecret: "GEMINI_API_KEY" } },
    { GEMINI_API_KEY: KEY },
    { defaultModel: "google:gemini-2.0-flash", embeddingModel: "google:text-embedding-004" },
  );
});
afterAll(() => remote?.dispose());
beforeEach(() => remote.server.reset());

const usageMetadata = { promptTokenCount: 14, candidatesTokenCount: 6, totalTokenCount: 20 };

describe("Gemini generateContent", () => {
  it("sends Gemini's request shape and normalizes a functionCall, making up an id when Gemini sends none", async () => {
    remote.server.next(
      replyJson({
        candidates: [{ content: { role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Quito" } } }] }, finishReason: "STOP" }],
        usageMetadata,
        modelVersion: "gemini-2.0-flash-001",
      }),
    );
    const result = await ai.chat({
      messages: [
        { role: "system", content: "Answer briefly." },
        { role: "user", content: "Weather in Quito?" },
      ],
      tools: [WEATHER, NO_ARGS],
      toolChoice: { name: "get_weather" },
      maxTokens: 64,
      temperature: 0.5,
    });
    seen.push(result);
    expect(result).toEqual({
      text: "",
      toolCalls: [{ id: expect.stringMatching(/^gemini_call_/), name: "get_weather", arguments: { city: "Quito" } }],
      usage: { inputTokens: 14, outputTokens: 6 },
      model: "google:gemini-2.0-flash-001",
      finishReason: "tool_calls",
    });
    const [request] = remote.server.requests;
    expect(request).toMatchObject({ method: "POST", url: "/v1beta/models/gemini-2.0-flash:generateContent" });
    expect(authHeaders(request!.headers)).toEqual({ "x-goog-api-key": KEY });
    expect(request!.body).toEqual({
      contents: [{ role: "user", parts: [{ text: "Weather in Quito?" }] }],
      systemInstruction: { parts: [{ text: "Answer briefly." }] },
      tools: [
        {
          functionDeclarations: [
            { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { type: "string", description: "City name" } }, required: ["city"] } },
            // A tool without parameters declares none: Gemini refuses an object schema with no properties.
            { name: "get_time", description: "The current time" },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["get_weather"] } },
      generationConfig: { temperature: 0.5, maxOutputTokens: 64 },
    });
  });

  it("sends tool results back as functionResponse parts named after the call, keeping Gemini's own ids", async () => {
    remote.server.next(
      replyJson({ candidates: [{ content: { role: "model", parts: [{ functionCall: { id: "fc-1", name: "get_weather", args: { city: "Baku" } } }] }, finishReason: "STOP" }], usageMetadata }),
      replyJson({ candidates: [{ content: { role: "model", parts: [{ text: "Sunny in Baku." }] }, finishReason: "STOP" }], usageMetadata }),
    );
    const run = await ai.agent({ messages: [{ role: "user", content: "Weather in Baku?" }], tools: [WEATHER] });
    seen.push(run);
    expect(run.answer).toBe("Sunny in Baku.");
    expect(run.turns[0]!.toolCalls).toEqual([{ id: "fc-1", name: "get_weather", arguments: { city: "Baku" } }]);
    expect(run.turns[1]).toMatchObject({ finishReason: "stop", toolCalls: [] });
    const second = remote.server.requests[1]!.body as Record<string, unknown>;
    expect(second.toolConfig).toEqual({ functionCallingConfig: { mode: "AUTO" } });
    expect(second.contents).toEqual([
      { role: "user", parts: [{ text: "Weather in Baku?" }] },
      { role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Baku" }, id: "fc-1" } }] },
      { role: "user", parts: [{ functionResponse: { name: "get_weather", response: { city: "Baku", forecast: "sunny", celsius: 21 }, id: "fc-1" } }] },
    ]);
  });

  it("streams with alt=sse: text increments, whole function calls, usage from the last chunk", async () => {
    const chunk = (parts: unknown[], extra: Record<string, unknown> = {}) => ({
      data: { candidates: [{ content: { role: "model", parts }, ...extra }], modelVersion: "gemini-2.0-flash-001" },
    });
    remote.server.next(
      replySse([
        chunk([{ text: "Let me " }]),
        chunk([{ text: "see." }]),
        chunk([{ functionCall: { id: "fc-s", name: "get_weather", args: { city: "Accra" } } }]),
        { data: { ...chunk([], { finishReason: "STOP" }).data, usageMetadata: { promptTokenCount: 11, candidatesTokenCount: 8 } } },
      ]),
    );
    const deltas = await ai.stream({ messages: [{ role: "user", content: "Weather in Accra?" }], tools: [WEATHER] });
    seen.push(deltas);
    expect(deltas).toEqual([
      { type: "text", text: "Let me " },
      { type: "text", text: "see." },
      { type: "tool_call", toolCall: { id: "fc-s", name: "get_weather", arguments: { city: "Accra" } } },
      { type: "done", usage: { inputTokens: 11, outputTokens: 8 }, finishReason: "tool_calls", model: "google:gemini-2.0-flash-001" },
    ]);
    const [request] = remote.server.requests;
    expect(request!.url).toBe("/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse");
    expect(request!.headers["x-goog-api-key"]).toBe(KEY);
    // The header carries the key, so no URL (which proxies and error messages may print) ever does.
    expect(request!.url).not.toContain(KEY);
  });
});

describe("Gemini embeddings", () => {
  it("uses embedContent for one input and batchEmbedContents for many", async () => {
    remote.server.next(
      replyJson({ embedding: { values: [0.6, 0.8] } }),
      replyJson({ embeddings: [{ values: [1, 0] }, { values: [0, 1] }] }),
    );
    const one = await ai.embed({ input: "solo", dimensions: 2 });
    const many = await ai.embed({ input: ["first", "second"] });
    seen.push(one, many);
    expect(one).toEqual({ vectors: [[0.6, 0.8]], model: "google:text-embedding-004", usage: { inputTokens: 1, outputTokens: 0 } });
    expect(many.vectors).toEqual([[1, 0], [0, 1]]);
    const [single, batch] = remote.server.requests;
    expect(single).toMatchObject({ url: "/v1beta/models/text-embedding-004:embedContent", headers: { "x-goog-api-key": KEY } });
    expect(single!.body).toEqual({ model: "models/text-embedding-004", content: { parts: [{ text: "solo" }] }, outputDimensionality: 2 });
    expect(batch!.url).toBe("/v1beta/models/text-embedding-004:batchEmbedContents");
    expect(batch!.body).toEqual({
      requests: [
        { model: "models/text-embedding-004", content: { parts: [{ text: "first" }] } },
        { model: "models/text-embedding-004", content: { parts: [{ text: "second" }] } },
      ],
    });
  });

  it("keeps the key out of every result, error, usage record and log line", async () => {
    await expectNoKeyLeak(remote, "ai-google", [KEY], seen);
  });
});
