/**
 * Signed per-run approval links: whoever holds the link may approve or reject that run's waiting human_handoff,
 * without an account key (a link in an email or a chat message). The signature is an HMAC over the run id and the
 * decision, keyed by a key derived from the platform's master key, so links cannot be forged or turned around
 * (an approve link does not reject), and they die with the wait (a decided run has nothing waiting).
 */
import type { PlatformEnv } from "../../env";
import { toHex } from "../../../shared/hex";

const enc = new TextEncoder();

async function hmac(key: BufferSource, text: string): Promise<ArrayBuffer> {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", k, enc.encode(text));
}

/** The links' own key: derived, so the master key itself never signs anything users see. */
async function linkKey(env: PlatformEnv): Promise<ArrayBuffer> {
  const master = new Uint8Array((env.AEROSTACK_MASTER_KEY.match(/../g) ?? []).map((h) => parseInt(h, 16)));
  return hmac(master, "aerostack workflow approval links v1");
}

export async function approvalSignature(env: PlatformEnv, runId: string, approve: boolean): Promise<string> {
  return toHex(await hmac(await linkKey(env), `${runId}|${approve ? "approve" : "reject"}`));
}

/** Constant-time check of a link's signature. */
export async function approvalSignatureValid(env: PlatformEnv, runId: string, approve: boolean, signature: string): Promise<boolean> {
  const expected = await approvalSignature(env, runId, approve);
  let diff = expected.length ^ signature.length;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ (signature.charCodeAt(i) || 0);
  return diff === 0;
}

export async function approvalLinks(env: PlatformEnv, origin: string, workflow: string, runId: string): Promise<{ approveUrl: string; rejectUrl: string }> {
  const base = `${origin}/hooks/${workflow}/runs/${runId}`;
  return {
    approveUrl: `${base}/approve?sig=${await approvalSignature(env, runId, true)}`,
    rejectUrl: `${base}/reject?sig=${await approvalSignature(env, runId, false)}`,
  };
}
