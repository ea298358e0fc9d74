/** Signature checks the adapters share: HMAC-SHA256 verified in constant time by WebCrypto, and a constant-time string compare. */
import { SendError } from "./types";

const enc = new TextEncoder();

export function hexToBytes(hex: string): Uint8Array | null {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** True when `hex` is the HMAC-SHA256 of `message` under `key` (crypto.subtle.verify compares in constant time). */
export async function hmacSha256Valid(key: string, message: string, hex: string): Promise<boolean> {
  const signature = hexToBytes(hex);
  if (!signature || signature.length !== 32) return false;
  const cryptoKey = await crypto.subtle.importKey("raw", enc.encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  return crypto.subtle.verify("HMAC", cryptoKey, signature, enc.encode(message));
}

/** Compares two secrets without an early exit, so the time taken does not tell how much of a guess was right. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = enc.encode(a);
  const y = enc.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i % (x.length || 1)] ?? 0) ^ (y[i % (y.length || 1)] ?? 0);
  return diff === 0 && x.length === y.length;
}

/** Ed25519 over `message` (Discord's interactions), through WebCrypto. */
export async function ed25519Valid(publicKeyHex: string, message: string, signatureHex: string): Promise<boolean> {
  const key = hexToBytes(publicKeyHex);
  const signature = hexToBytes(signatureHex);
  if (!key || key.length !== 32 || !signature || signature.length !== 64) return false;
  try {
    const cryptoKey = await crypto.subtle.importKey("raw", key, { name: "Ed25519" }, false, ["verify"]);
    return await crypto.subtle.verify({ name: "Ed25519" }, cryptoKey, signature, enc.encode(message));
  } catch {
    return false;
  }
}

export const jsonResponse = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
export const refuse = (status: number, reason: string) => ({ ok: false as const, response: jsonResponse({ error: { code: status === 403 ? "forbidden" : "bad_signature", message: reason } }, status), reason });

/** Parses JSON, or null for anything that is not an object. */
export function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A platform API call; a failure names the platform and method, never the URL (Telegram's carries the token). */
export async function callApi(ctx: { fetch: (url: string, init: RequestInit) => Promise<Response> }, what: string, url: string, init: RequestInit): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await ctx.fetch(url, init);
  } catch (err) {
    throw new SendError(`${what}: could not reach the API (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`, true);
  }
  const text = await response.text();
  const body = parseObject(text) ?? {};
  if (!response.ok) throw new SendError(`${what} answered HTTP ${response.status}${typeof body.description === "string" ? `: ${body.description}` : ""}`, response.status >= 500 || response.status === 429);
  return body;
}
