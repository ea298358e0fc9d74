/**
 * http_request: one HTTP call through the egress guard (worker/egress), the same rules as user code: never the
 * platform's internals, link-local or metadata addresses; private and loopback only where the platform allows.
 * Carries `Idempotency-Key: hash(runId, node path)` so a repeated attempt is recognisable downstream.
 */
import { egressFor } from "../../egress/outbound";
import { NodeFailure, type NodeExecutor } from "./types";

/** Largest response body recorded as the node's output. */
const MAX_BODY_BYTES = 1024 * 1024;

export const httpRequest: NodeExecutor<"http_request"> = {
  type: "http_request",
  async run(ctx) {
    const c = ctx.config as { url: unknown; method: string; headers: Record<string, unknown>; body?: unknown };
    let url: URL;
    try {
      url = new URL(String(c.url));
    } catch {
      throw new NodeFailure(`http_request: ${JSON.stringify(String(c.url).slice(0, 200))} is not a URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new NodeFailure(`http_request: only http and https URLs, not ${url.protocol}`);
    const headers = new Headers(Object.entries(c.headers).map(([k, v]) => [k, String(v)]));
    headers.set("idempotency-key", await ctx.idempotencyKey());
    let body: string | undefined;
    if (c.body !== undefined && c.method !== "GET") {
      body = typeof c.body === "string" ? c.body : JSON.stringify(c.body);
      if (!headers.has("content-type")) headers.set("content-type", typeof c.body === "string" ? "text/plain" : "application/json");
    }
    const egress = egressFor(ctx.env, ctx.exports, ctx.run.tenant);
    const response = await egress.fetch(url.toString(), { method: c.method, headers, ...(body !== undefined ? { body } : {}), signal: ctx.signal });
    const text = await response.text();
    if (text.length > MAX_BODY_BYTES) throw new NodeFailure(`http_request: the response body is larger than ${MAX_BODY_BYTES} bytes`);
    let parsed: unknown = text;
    if ((response.headers.get("content-type") ?? "").includes("json")) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    // 5xx and 429 are worth another attempt; other failures are the request's fault.
    if (!response.ok) throw new NodeFailure(`http_request: ${c.method} ${url.host}${url.pathname} answered ${response.status}`, response.status >= 500 || response.status === 429);
    return { output: { status: response.status, headers: Object.fromEntries(response.headers), body: parsed } };
  },
};
