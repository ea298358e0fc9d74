/**
 * auth_gate: sends a one-time code through the run's conversation or by email, waits for the reply, verifies it with
 * limited attempts, and binds the identity to the run (`vars.identity`). Only the code's hash is kept in the node's
 * state; the trace never holds the code, and an emailed code never enters the conversation.
 */
import { sha256Hex } from "../../../shared/sha256";
import type { EmailProvider } from "../../../shared/workflows";
import { NodeFailure, type NodeContext, type NodeExecutor } from "./types";
import { sendCodeEmail } from "../email/send-email";

interface GateState {
  codeHash: string;
  attempts: number;
  until: number;
}

/** A plain address (the identity an email gate verifies): something@domain.tld, no display name. */
const EMAIL_ADDRESS = /^[^\s@<>"]{1,64}@[^\s@<>"]+\.[^\s@<>"]{2,}$/;

function newCode(length: number): string {
  const digits = crypto.getRandomValues(new Uint8Array(length));
  return [...digits].map((d) => String(d % 10)).join("");
}

/** `a***@example.com`: enough for the person to recognise their address, not enough to harvest it. */
const masked = (address: string) => address.replace(/^(.)[^@]*/, "$1***");

/** Sends the code by email and answers the conversation's message (which names the address, never the code). */
async function emailCode(ctx: NodeContext, identity: string, code: string): Promise<string> {
  if (!EMAIL_ADDRESS.test(identity)) throw new NodeFailure(`auth_gate: the email channel needs an email address as identity, got ${JSON.stringify(identity.slice(0, 80))}`);
  const provider = ctx.definition.email as EmailProvider | undefined;
  const subject = provider?.subject ?? "Your verification code";
  const text = `Your verification code is ${code}. It is valid for this conversation only; if you did not ask for it, ignore this email.`;
  if (ctx.env.AEROSTACK_MODE === "dev") {
    // The dev outbox: no provider account needed, nothing leaves the machine; the email is shown in the terminal.
    console.log(`[workflow ${ctx.run.workflow}] auth_gate ${ctx.node.id}: email to ${identity} (dev outbox, not sent)\n  Subject: ${subject}\n  ${text}`);
  } else {
    if (!provider) {
      throw new NodeFailure("auth_gate: the email channel needs an email provider: add [email] (url, from, api_key_secret) to the workflow's aerostack.toml and deploy again");
    }
    await sendCodeEmail(ctx, provider, { to: identity, subject, text });
  }
  return `We sent a verification code to ${masked(identity)}. Reply with it to continue.`;
}

export const authGate: NodeExecutor<"auth_gate"> = {
  type: "auth_gate",
  async run(ctx) {
    const c = ctx.config as { identity: unknown; channel: "run" | "email"; codeLength: number; maxAttempts: number; waitMs: number };
    const identity = String(c.identity ?? "");
    const state = ctx.state as GateState | null;
    if (ctx.wake === null || state === null) {
      const code = newCode(c.codeLength);
      let message: string;
      if (c.channel === "email") message = await emailCode(ctx, identity, code);
      else {
        if (ctx.env.AEROSTACK_MODE === "dev") console.log(`[workflow ${ctx.run.workflow}] auth_gate ${ctx.node.id}: one-time code for ${identity} is ${code}`);
        message = `Your verification code is ${code}. Reply with it to continue.`;
      }
      const until = ctx.now() + c.waitMs;
      return {
        wait: { kind: "reply", until, message: `waiting for the one-time code sent to ${c.channel === "email" ? masked(identity) : identity}` },
        messages: [message],
        state: { codeHash: await sha256Hex(code), attempts: 0, until },
      };
    }
    if (ctx.wake.kind === "timeout") return { output: { verified: false, identity, reason: "timeout" }, branch: "failed", state: null };
    const reply = String((ctx.wake.data as { text?: string }).text ?? "").replace(/\D/g, "");
    if ((await sha256Hex(reply)) === state.codeHash) return { output: { verified: true, identity }, branch: "verified", vars: { identity }, state: null };
    const attempts = state.attempts + 1;
    if (attempts >= c.maxAttempts) return { output: { verified: false, identity, reason: "too many wrong codes" }, branch: "failed", state: null };
    const left = c.maxAttempts - attempts;
    return {
      wait: { kind: "reply", until: state.until, message: `waiting for the one-time code (${left} attempt${left === 1 ? "" : "s"} left)` },
      messages: [`That code is not right; ${left} attempt${left === 1 ? "" : "s"} left.`],
      state: { ...state, attempts },
    };
  },
};
