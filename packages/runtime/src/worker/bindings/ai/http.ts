/**
 * Calls a provider over HTTP: retries 429 and 5xx with exponential backoff (honouring Retry-After), a timeout per
 * attempt, and errors that say what to do without ever quoting the key. The platform worker makes these calls itself,
 * so user isolates never see a provider URL or key.
 */
import { redactApiKeys } from "../../../shared/ai";
import { AiCallError, opName, type ProviderTarget } from "./types";
import { readEvents, type SseEvent } from "../../sse/read-events";

/** The longest Retry-After we wait out; a provider asking for more fails the call at once with its ask. */
const MAX_RETRY_AFTER_MS = 30_000;
const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 4_000;
const DETAIL_CHARS = 300;

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`;
}

/** Milliseconds the response asks us to wait: `retry-after-ms`, or `Retry-After` as seconds or an HTTP date. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = headers.get("retry-after-ms");
  if (ms !== null && /^\d+(?:\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms));
  const value = headers.get("retry-after");
  if (value === null) return undefined;
  if (/^\d+(?:\.\d+)?$/.test(value.trim())) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function backoffMs(attempt: number): number {
  const base = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
  // Jitter spreads out many isolates retrying the same rate limit.
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

/** The provider's own explanation from an error body (`{ error: { message } }` in all three formats), redacted. */
async function providerMessage(res: Response, target: ProviderTarget): Promise<string> {
  let text = "";
  try {
    text = await res.text();
  } catch {
    return "";
  }
  let message = text;
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const candidate = typeof body.error === "object" ? body.error?.message : (body.error ?? body.message);
    if (typeof candidate === "string") message = candidate;
  } catch {
    // not JSON: keep the text
  }
  message = redactApiKeys(message.replace(/\s+/g, " ").trim(), [target.apiKey]);
  return message.length > DETAIL_CHARS ? `${message.slice(0, DETAIL_CHARS)}…` : message;
}

function keyHint(target: ProviderTarget): string {
  return `add ${target.apiKeySecret}=<your key> to .dev.vars (aerostack dev reads it on the next request), or set ${target.apiKeySecret} in the environment aerostack runs in`;
}

function authError(target: ProviderTarget, status: number): AiCallError {
  const op = opName(target.operation);
  if (target.apiKey === null) {
    return new AiCallError("auth", `${op}: ${target.provider} asked for an API key (HTTP ${status}) but none is set: ${keyHint(target)}.`);
  }
  return new AiCallError(
    "auth",
    `${op}: ${target.provider} rejected the API key in secret ${target.apiKeySecret} (HTTP ${status}${status === 403 ? ": the key is invalid or may not use this model" : ""}). ` +
      `Check the key, then ${keyHint(target)}.`,
  );
}

/** Gemini answers a bad key with 400 INVALID_ARGUMENT ("API key not valid", reason API_KEY_INVALID), not 401. */
const BAD_KEY_MESSAGE = /\bapi key not valid\b|\bapi_key_invalid\b|\bapi key expired\b/i;

async function statusError(res: Response, target: ProviderTarget, url: string, attempts: number): Promise<AiCallError> {
  const op = opName(target.operation);
  const who = target.provider;
  const status = res.status;
  const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
  if (status === 401 || status === 403) {
    // The provider's text is left out: some echo part of the key they rejected.
    await res.body?.cancel();
    return authError(target, status);
  }
  const detail = await providerMessage(res, target);
  if (status === 400 && BAD_KEY_MESSAGE.test(detail)) return authError(target, status);
  const said = detail ? `: ${detail}` : "";
  if (status === 404) {
    return new AiCallError(
      "not_found",
      `${op}: ${who} has no model "${target.model}" or no endpoint at ${url} (HTTP 404)${said}. Check the model name and the base_url of [ai.providers.${who}].`,
    );
  }
  if (status === 429) {
    return new AiCallError("rate_limited", `${op}: ${who} is rate limiting this project (HTTP 429)${tries}${said}. Retry later, send fewer requests, or raise [ai] max_retries.`);
  }
  if (status >= 500) return new AiCallError("server", `${op}: ${who} failed with HTTP ${status}${tries}${said}.`);
  return new AiCallError("bad_request", `${op}: ${who} refused the request (HTTP ${status})${said}.`);
}

/** `midStream`: the answer had begun and then went quiet, which reads differently from no answer at all. */
function timeoutError(target: ProviderTarget, ms: number, midStream = false): AiCallError {
  const what = midStream ? `stopped sending for ${seconds(ms)} in the middle of its answer` : `did not answer within ${seconds(ms)}`;
  return new AiCallError(
    "timeout",
    `${opName(target.operation)}: ${target.provider} ${what}. Raise timeout in [ai] (or [ai.providers.${target.provider}]) in aerostack.toml, or pass timeoutMs to this call.`,
  );
}

function networkError(target: ProviderTarget, err: unknown): AiCallError {
  const reason = redactApiKeys(err instanceof Error ? err.message : String(err), [target.apiKey]);
  return new AiCallError(
    "network",
    `${opName(target.operation)}: could not reach ${target.provider} at ${target.baseUrl} (${reason}). Check the base_url of [ai.providers.${target.provider}] and that the server is running.`,
  );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Attempt {
  signal: AbortSignal;
  timedOut(): boolean;
  /** Restarts the clock: a stream may run long as long as it keeps sending. */
  touch(): void;
  clear(): void;
}

/** Non-streaming calls get AbortSignal.timeout for the whole exchange; streams an idle timer reset per chunk. */
function attemptSignal(ms: number, idle: boolean): Attempt {
  if (!idle) {
    const signal = AbortSignal.timeout(ms);
    return { signal, timedOut: () => signal.aborted, touch() {}, clear() {} };
  }
  const controller = new AbortController();
  let fired = false;
  const fire = () => {
    fired = true;
    controller.abort(new DOMException("the provider stopped sending", "TimeoutError"));
  };
  let timer = setTimeout(fire, ms);
  return {
    signal: controller.signal,
    timedOut: () => fired,
    touch() {
      clearTimeout(timer);
      timer = setTimeout(fire, ms);
    },
    clear: () => clearTimeout(timer),
  };
}

export interface ProviderRequest {
  /** Appended to the provider's base URL. */
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

interface Sent {
  res: Response;
  attempt: Attempt;
  url: string;
}

async function send(target: ProviderTarget, request: ProviderRequest, stream: boolean): Promise<Sent> {
  const url = `${target.baseUrl}${request.path}`;
  const body = JSON.stringify(request.body);
  for (let attempt = 0; ; attempt++) {
    const timer = attemptSignal(target.timeoutMs, stream);
    let res: Response;
    try {
      res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: stream ? "text/event-stream" : "application/json", ...request.headers },
        body,
        signal: timer.signal,
      });
    } catch (err) {
      timer.clear();
      if (timer.timedOut()) throw timeoutError(target, target.timeoutMs);
      // A refused or reset connection may be a restart in progress: retried like a 503.
      if (attempt < target.maxRetries) {
        await sleep(backoffMs(attempt));
        continue;
      }
      throw networkError(target, err);
    }
    if (res.ok) return { res, attempt: timer, url };
    timer.clear();
    const retryable = res.status === 429 || res.status >= 500;
    if (retryable && attempt < target.maxRetries) {
      const asked = retryAfterMs(res.headers);
      if (asked === undefined || asked <= MAX_RETRY_AFTER_MS) {
        await res.body?.cancel();
        await sleep(asked ?? backoffMs(attempt));
        continue;
      }
      const error = await statusError(res, target, url, attempt + 1);
      error.message += ` The provider asked to wait ${seconds(asked)} before retrying; aerostack waits at most ${seconds(MAX_RETRY_AFTER_MS)}.`;
      throw error;
    }
    throw await statusError(res, target, url, attempt + 1);
  }
}

/** POSTs JSON and returns the parsed JSON answer. */
export async function postJson(target: ProviderTarget, request: ProviderRequest): Promise<unknown> {
  const { res, attempt } = await send(target, request, false);
  try {
    const text = await res.text();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new AiCallError("invalid_response", `${opName(target.operation)}: ${target.provider} answered with something that is not JSON (${text.length} bytes).`);
    }
  } catch (err) {
    if (err instanceof AiCallError) throw err;
    if (attempt.timedOut()) throw timeoutError(target, target.timeoutMs);
    throw networkError(target, err);
  } finally {
    attempt.clear();
  }
}

/**
 * POSTs JSON and returns the server-sent events of the answer once its headers arrived (so a rejected key or a rate
 * limit throws here). Reading fails with a timeout error when the provider goes quiet for the timeout.
 */
export async function postForEvents(target: ProviderTarget, request: ProviderRequest): Promise<AsyncIterable<SseEvent>> {
  const { res, attempt } = await send(target, request, true);
  attempt.touch();
  const body = res.body;
  if (!body) {
    attempt.clear();
    throw new AiCallError("invalid_response", `${opName(target.operation)}: ${target.provider} answered a streaming request with no body.`);
  }
  return (async function* () {
    try {
      for await (const event of readEvents(body, { onChunk: () => attempt.touch(), flushAtEnd: true })) yield event;
    } catch (err) {
      if (err instanceof AiCallError) throw err;
      if (attempt.timedOut()) throw timeoutError(target, target.timeoutMs, true);
      throw networkError(target, err);
    } finally {
      attempt.clear();
      // A consumer that stopped early leaves the connection open: close it (a no-op once the body has ended).
      await body.cancel().catch(() => {});
    }
  })();
}

/** An event's data as JSON: a provider that streams anything else gives an invalid answer, not a bare SyntaxError. */
export function eventJson<T>(target: ProviderTarget, event: SseEvent): T {
  try {
    return JSON.parse(event.data) as T;
  } catch {
    throw new AiCallError("invalid_response", `${opName(target.operation)}: ${target.provider} streamed an event that is not JSON (${event.data.length} bytes).`);
  }
}
