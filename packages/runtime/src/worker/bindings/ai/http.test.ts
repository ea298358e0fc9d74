/**
 * How env.AI copes with a misbehaving provider, against a real HTTP server on loopback: retries with backoff on 429
 * and 5xx honouring Retry-After, no retry on other errors, timeouts (whole answer and a stalled stream), refused
 * connections, and errors that say what to do — never quoting the key, even when the provider echoes it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { expectNoKeyLeak, startRemoteAi, type RemoteAi } from "../../../host/fixtures/ai-remote";
import { hang, replyJson, replySse, type Responder } from "../../../host/fixtures/llm-provider-server";
import { AI_DRIVER, aiClient, aiSettings, usageAtLeast } from "../../../host/fixtures/ai-driver";

const OPENAI_KEY = "sk-test-retry-6e2d9f1a7c4b";
const ANTHROPIC_KEY = "anthropic-retry-key-3b8e1f";
const GEMINI_KEY = "gemini-retry-key-9a4c2e7d";
const TIMEOUT_MS = 400;
const HI = { messages: [{ role: "user" as const, content: "hi" }] };

let remote: RemoteAi;
let ai: Awaited<ReturnType<RemoteAi["deploy"]>>;
const seen: unknown[] = [];

const ok = replyJson({ model: "gpt-4o-mini", choices: [{ index: 0, message: { role: "assistant", content: "hello" }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 1 } });
/** An error body in the shape all three providers use, quoting the key back the way some providers do. */
const failing = (status: number, headers: Record<string, string> = {}, key = OPENAI_KEY): Responder =>
  replyJson({ error: { message: `upstream trouble for key ${key}`, type: "server_error" } }, status, headers);

beforeAll(async () => {
  remote = await startRemoteAi();
  ai = await remote.deploy(
    "ai-http",
    {
      openai: { kind: "openai", path: "/v1", apiKeySecret: "OPENAI_API_KEY" },
      anthropic: { kind: "anthropic", path: "/anthropic", apiKeySecret: "ANTHROPIC_API_KEY" },
      google: { kind: "google", path: "/v1beta", apiKeySecret: "GEMINI_API_KEY" },
    },
    { OPENAI_API_KEY: OPENAI_KEY, ANTHROPIC_API_KEY: ANTHROPIC_KEY, GEMINI_API_KEY: GEMINI_KEY },
    { defaultModel: "openai:gpt-4o-mini", timeoutMs: TIMEOUT_MS, maxRetries: 2 },
  );
});
afterAll(() => remote?.dispose());
beforeEach(() => remote.server.reset());

describe("retries", () => {
  it("waits out a 429's Retry-After, then succeeds on the next attempt", async () => {
    remote.server.next(failing(429, { "retry-after": "1" }), ok);
    const result = await ai.chat(HI);
    seen.push(result);
    expect(result.text).toBe("hello");
    const [first, second] = remote.server.requests;
    expect(remote.server.requests).toHaveLength(2);
    // Backoff alone would have waited about 250 ms; Retry-After asked for a second.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
  });

  it("retries 5xx with backoff (honouring retry-after-ms) up to max_retries, then succeeds", async () => {
    remote.server.next(failing(503, { "retry-after-ms": "20" }), failing(502), ok);
    expect((await ai.chat(HI)).text).toBe("hello");
    expect(remote.server.requests).toHaveLength(3);
  });

  it("gives up after max_retries + 1 attempts, quoting the provider's message without the key", async () => {
    remote.server.next(failing(500), failing(500), failing(500));
    const error = await ai.chatError(HI);
    seen.push(error);
    expect(error).toBe("AI.chat: openai failed with HTTP 500 after 3 attempts: upstream trouble for key [redacted].");
    expect(remote.server.requests).toHaveLength(3);
  });

  it("fails at once when Retry-After asks for longer than it will wait, and says so", async () => {
    remote.server.next(failing(429, { "retry-after": "120" }));
    const error = await ai.chatError(HI);
    seen.push(error);
    expect(error).toMatch(/^AI\.chat: openai is rate limiting this project \(HTTP 429\): upstream trouble for key \[redacted\]\./);
    expect(error).toMatch(/The provider asked to wait 120 s before retrying; aerostack waits at most 30 s\.$/);
    expect(remote.server.requests).toHaveLength(1);
  });

  it("does not retry a 400, and redacts the key the provider quoted", async () => {
    remote.server.next(failing(400));
    const error = await ai.chatError(HI);
    seen.push(error);
    expect(error).toBe("AI.chat: openai refused the request (HTTP 400): upstream trouble for key [redacted].");
    expect(remote.server.requests).toHaveLength(1);
  });

  it("honours a project's max_retries = 0", async () => {
    const strict = await remote.deploy("ai-http-noretry", { openai: { kind: "openai", path: "/v1", apiKeySecret: "OPENAI_API_KEY" } }, { OPENAI_API_KEY: OPENAI_KEY }, {
      defaultModel: "openai:gpt-4o-mini",
      maxRetries: 0,
    });
    remote.server.next(failing(503), ok);
    expect(await strict.chatError(HI)).toMatch(/^AI\.chat: openai failed with HTTP 503: /);
    expect(remote.server.requests).toHaveLength(1);
  });
});

describe("rejected keys", () => {
  it.each([
    ["openai", "openai:gpt-4o-mini", "OPENAI_API_KEY", OPENAI_KEY],
    ["anthropic", "anthropic:claude-sonnet-4-5", "ANTHROPIC_API_KEY", ANTHROPIC_KEY],
    ["google", "google:gemini-2.0-flash", "GEMINI_API_KEY", GEMINI_KEY],
  ])("a 401 from %s names the provider, the secret and how to set it, once, without the key", async (provider, model, secret, key) => {
    remote.server.next(replyJson({ error: { message: `Incorrect API key provided: ${key}` } }, 401));
    const error = await ai.chatError({ ...HI, model });
    seen.push(error);
    expect(error).toBe(
      `AI.chat: ${provider} rejected the API key in secret ${secret} (HTTP 401). Check the key, then add ${secret}=<your key> to .dev.vars ` +
        `(aerostack dev reads it on the next request), or set ${secret} in the environment aerostack runs in.`,
    );
    // A rejected key is not retried: the same key would be rejected again.
    expect(remote.server.requests).toHaveLength(1);
  });

  it("reads Gemini's 400 \"API key not valid\" as a rejected key", async () => {
    remote.server.next(
      replyJson({ error: { code: 400, message: "API key not valid. Please pass a valid API key.", status: "INVALID_ARGUMENT", details: [{ reason: "API_KEY_INVALID" }] } }, 400),
    );
    expect(await ai.embedError({ model: "google:text-embedding-004", input: "x" })).toMatch(
      /^AI\.embed: google rejected the API key in secret GEMINI_API_KEY \(HTTP 400\)\. Check the key, then add GEMINI_API_KEY=<your key> to \.dev\.vars/,
    );
  });

  it("a 401 on a stream fails the chat call itself", async () => {
    remote.server.next(replyJson({ error: { message: "invalid x-api-key" } }, 401));
    expect(await ai.streamError({ ...HI, model: "anthropic:claude-sonnet-4-5" })).toMatch(/^AI\.chat: anthropic rejected the API key in secret ANTHROPIC_API_KEY \(HTTP 401\)/);
  });
});

describe("timeouts and unreachable providers", () => {
  it("ends a call the provider never answers after [ai] timeout, without retrying it", async () => {
    remote.server.next(hang());
    const started = Date.now();
    const error = await ai.chatError(HI);
    seen.push(error);
    expect(error).toBe(
      `AI.chat: openai did not answer within ${TIMEOUT_MS} ms. Raise timeout in [ai] (or [ai.providers.openai]) in aerostack.toml, or pass timeoutMs to this call.`,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(remote.server.requests).toHaveLength(1);
  });

  it("lets a call set its own timeout", async () => {
    remote.server.next(hang());
    expect(await ai.chatError({ ...HI, timeoutMs: 150 })).toMatch(/did not answer within 150 ms/);
  });

  it("errors a stream whose provider stops sending, saying it went quiet", async () => {
    remote.server.next((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`data: ${JSON.stringify({ model: "gpt-4o-mini", choices: [{ index: 0, delta: { content: "partial" } }] })}\n\n`);
      // …and nothing more: the connection stays open.
    });
    const error = await ai.streamError(HI);
    seen.push(error);
    expect(error).toBe(
      `AI.chat: openai stopped sending for ${TIMEOUT_MS} ms in the middle of its answer. Raise timeout in [ai] (or [ai.providers.openai]) in aerostack.toml, or pass timeoutMs to this call.`,
    );
  });

  it("errors a stream that carries something other than JSON, naming the provider", async () => {
    remote.server.next(replySse([{ data: "<html>gateway error</html>" }]));
    expect(await ai.streamError(HI)).toBe("AI.chat: openai streamed an event that is not JSON (26 bytes).");
  });

  it("names the base_url when nothing listens there", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await remote.platform.deployScript("ai-http-down", AI_DRIVER, {
      ai: aiSettings({ providers: { vllm: { kind: "openai", baseUrl: `http://127.0.0.1:${port}/v1`, apiKeySecret: "VLLM_API_KEY", keyRequired: false, maxRetries: 1 } } }),
    });
    const error = await aiClient(remote.platform, "ai-http-down").chatError({ ...HI, model: "vllm:qwen2.5" });
    expect(error).toMatch(new RegExp(`^AI\\.chat: could not reach vllm at http://127\\.0\\.0\\.1:${port}/v1 \\(.+\\)\\. Check the base_url of \\[ai\\.providers\\.vllm\\] and that the server is running\\.$`));
  });
});

describe("usage log of failed calls", () => {
  it("records each failure with its code, and no key anywhere", async () => {
    const usage = await usageAtLeast(remote.platform, "ai-http", 14);
    const codes = usage.calls.filter((c) => c.status === "error").map((c) => c.error);
    for (const code of ["server", "rate_limited", "bad_request", "auth", "timeout"]) expect(codes).toContain(code);
    expect(usage.calls.filter((c) => c.error === "auth").map((c) => c.provider).sort()).toEqual(["anthropic", "anthropic", "google", "google", "openai"]);
    await expectNoKeyLeak(remote, "ai-http", [OPENAI_KEY, ANTHROPIC_KEY, GEMINI_KEY], seen);
  });
});
