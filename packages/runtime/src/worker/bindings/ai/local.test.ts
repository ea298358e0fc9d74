/** The offline `local` provider's documented rules, run directly (no platform): deterministic answers and embeddings. */
import { describe, expect, it } from "vitest";
import { extractArguments, localChat, localChatStream } from "./local";
import { localEmbedding } from "./local-embed";
import type { ChatRequest, Tool } from "./types";
import type { ChatMessage } from "../../../shared/wire/ai";

const WEATHER: Tool = {
  name: "get_weather",
  description: "Get the current weather forecast for a city",
  parameters: { type: "object", properties: { city: { type: "string" }, days: { type: "integer" } }, required: ["city"] },
};
const SEARCH: Tool = {
  name: "search_docs",
  description: "Search the product documentation",
  parameters: { type: "object", properties: { query: { type: "string" }, limit: { type: "integer" } }, required: ["query"] },
};

function request(messages: ChatMessage[], extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: undefined, messages, tools: [], toolChoice: "auto", temperature: undefined, maxTokens: undefined, timeoutMs: undefined, ...extra };
}
const user = (content: string): ChatMessage => ({ role: "user", content });

describe("local chat: text answers", () => {
  it("echoes a plain message, the same every time", () => {
    const a = localChat(request([user("Hello there")]), "default");
    const b = localChat(request([user("Hello there")]), "default");
    expect(a).toEqual(b);
    expect(a).toEqual({
      text: "You said: Hello there",
      toolCalls: [],
      usage: { inputTokens: 3, outputTokens: 6 },
      model: "local:default",
      finishReason: "stop",
    });
  });

  it("answers a question from its context with the sentence sharing the most words", () => {
    const prompt = [
      "Context:",
      "[1] The office opens at 9am on weekdays.",
      "[2] Refunds are processed within 5 business days of the return arriving.",
      "[3] Our headquarters are in Lisbon.",
      "Question: How long do refunds take to be processed?",
    ].join("\n");
    expect(localChat(request([user(prompt)]), "default").text).toBe("Refunds are processed within 5 business days of the return arriving.");
    const withSystem = localChat(request([{ role: "system", content: "Paris is the capital of France. Berlin is the capital of Germany." }, user("What is the capital of Germany?")]), "default");
    expect(withSystem.text).toBe("Berlin is the capital of Germany.");
  });

  it("summarises with the first sentence", () => {
    const result = localChat(request([user("Summarize: Aerostack runs functions at the edge. It also hosts MCP servers.")]), "default");
    expect(result.text).toBe("Summary: Aerostack runs functions at the edge.");
  });

  it("truncates to maxTokens and says so", () => {
    const result = localChat(request([user("a fairly long message that goes on and on")], { maxTokens: 3 }), "default");
    expect(result.text).toBe("You said: a ");
    expect(result.finishReason).toBe("length");
    expect(result.usage.outputTokens).toBe(3);
  });

  it("streams the same answer as deltas, then done", () => {
    const deltas = [...localChatStream(request([user("two words")]), "default")];
    expect(deltas).toEqual([
      { type: "text", text: "You " },
      { type: "text", text: "said: " },
      { type: "text", text: "two " },
      { type: "text", text: "words" },
      { type: "done", usage: { inputTokens: 3, outputTokens: 5 }, finishReason: "stop", model: "local:default" },
    ]);
  });
});

describe("local chat: tools", () => {
  const tools = [SEARCH, WEATHER];

  it("calls the tool the message names, with key=value arguments coerced to the schema", () => {
    const result = localChat(request([user("please run get_weather city=Paris days=3")], { tools }), "default");
    expect(result.finishReason).toBe("tool_calls");
    expect(result.text).toBe("");
    expect(result.toolCalls).toEqual([{ id: expect.stringMatching(/^call_[0-9a-f]{8}$/), name: "get_weather", arguments: { city: "Paris", days: 3 } }]);
    // Deterministic ids: the same conversation gives the same call.
    expect(localChat(request([user("please run get_weather city=Paris days=3")], { tools }), "default").toolCalls[0]!.id).toBe(result.toolCalls[0]!.id);
  });

  it("matches a name written with spaces, and keywords from the description", () => {
    expect(localChat(request([user("search docs for vectorize")], { tools }), "default").toolCalls[0]?.name).toBe("search_docs");
    const byKeyword = localChat(request([user("What's the forecast in Oslo?")], { tools }), "default");
    expect(byKeyword.toolCalls[0]?.name).toBe("get_weather");
    // The one missing required string is filled with the rest of the message.
    expect(byKeyword.toolCalls[0]?.arguments).toEqual({ city: "What's the forecast in Oslo?" });
  });

  it("reads JSON arguments", () => {
    const result = localChat(request([user('search_docs {"query": "queues", "limit": 2}')], { tools }), "default");
    expect(result.toolCalls[0]?.arguments).toEqual({ query: "queues", limit: 2 });
  });

  it("calls no tool when none is named, or when toolChoice is none", () => {
    expect(localChat(request([user("hello")], { tools }), "default").toolCalls).toEqual([]);
    expect(localChat(request([user("get_weather city=Rome")], { tools, toolChoice: "none" }), "default").toolCalls).toEqual([]);
  });

  it("forces a named tool, and falls back to the first tool when one is required", () => {
    expect(localChat(request([user("hello city=Rome")], { tools, toolChoice: { name: "get_weather" } }), "default").toolCalls[0]).toMatchObject({
      name: "get_weather",
      arguments: { city: "Rome" },
    });
    expect(localChat(request([user("hello")], { tools, toolChoice: "required" }), "default").toolCalls[0]?.name).toBe("search_docs");
  });

  it("answers with the tool result after a tool call", () => {
    const first = localChat(request([user("get_weather city=Paris")], { tools }), "default");
    const call = first.toolCalls[0]!;
    const second = localChat(
      request(
        [user("get_weather city=Paris"), { role: "assistant", content: "", toolCalls: [call] }, { role: "tool", toolCallId: call.id, content: '{"forecast":"sunny"}' }],
        { tools },
      ),
      "default",
    );
    expect(second).toMatchObject({ text: 'get_weather returned: {"forecast":"sunny"}', toolCalls: [], finishReason: "stop" });
  });

  it("extracts quoted values, booleans, enums and lists", () => {
    const schema = {
      type: "object",
      properties: {
        title: { type: "string" },
        urgent: { type: "boolean" },
        level: { type: "string", enum: ["Low", "High"] },
        tags: { type: "array" },
      },
    };
    expect(extractArguments('title="Fix the build" urgent=true level=high tags=a,b,c', schema)).toEqual({
      title: "Fix the build",
      urgent: true,
      level: "High",
      tags: ["a", "b", "c"],
    });
    expect(extractArguments("weather for city=Paris, days=3.", WEATHER.parameters)).toEqual({ city: "Paris", days: 3 });
    // Without declared properties only key=value counts: "Note: x" is prose.
    expect(extractArguments("Note: keep it x=1", { type: "object" })).toEqual({ x: "1" });
  });
});

describe("local embeddings", () => {
  const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

  it("are deterministic, 384-dimensional by default and L2-normalised", () => {
    const v = localEmbedding("The quick brown fox");
    expect(v).toHaveLength(384);
    expect(localEmbedding("The quick brown fox")).toEqual(v);
    expect(cosine(v, v)).toBeCloseTo(1, 10);
    expect(localEmbedding("short", 64)).toHaveLength(64);
    const empty = localEmbedding("");
    expect(cosine(empty, empty)).toBeCloseTo(1, 10);
  });

  it("score related texts above unrelated ones", () => {
    const query = localEmbedding("How do I reset my password?");
    const docs = {
      reset: "To reset your password, open Settings and choose Reset password.",
      login: "Passwords must be at least 12 characters long.",
      office: "Our office is closed on public holidays.",
      billing: "Invoices are emailed on the first day of each month.",
    };
    const scores = Object.fromEntries(Object.entries(docs).map(([k, text]) => [k, cosine(query, localEmbedding(text))]));
    const ranked = Object.keys(scores).sort((a, b) => scores[b]! - scores[a]!);
    expect(ranked[0]).toBe("reset");
    expect(ranked[1]).toBe("login");
    expect(scores.reset!).toBeGreaterThan(scores.office! + 0.2);

    const cats = cosine(localEmbedding("cats are small furry pets"), localEmbedding("a cat is a furry pet"));
    const stocks = cosine(localEmbedding("cats are small furry pets"), localEmbedding("stock markets fell sharply today"));
    expect(cats).toBeGreaterThan(0.5);
    expect(stocks).toBeLessThan(0.2);
  });
});
