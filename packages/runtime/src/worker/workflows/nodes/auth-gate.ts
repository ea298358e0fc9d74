/**
 * auth_gate: sends a one-time code through the run's conversation (in `aerostack dev` it is also printed to the
 * terminal), waits for the reply, verifies it with limited attempts, and binds the identity to the run (`vars.identity`).
 * Only the code's hash is kept in the node's state; the trace never holds the code.
 */
import { sha256Hex } from "../../../shared/sha256";
import { NodeFailure, type NodeExecutor } from "./types";

interface GateState {
  codeHash: string;
  attempts: number;
  until: number;
}

function newCode(length: number): string {
  const digits = crypto.getRandomValues(new Uint8Array(length));
  return [...digits].map((d) => String(d % 10)).join("");
}

export const authGate: NodeExecutor<"auth_gate"> = {
  type: "auth_gate",
  async run(ctx) {
    const c = ctx.config as { identity: unknown; channel: "run" | "email"; codeLength: number; maxAttempts: number; waitMs: number };
    const identity = String(c.identity ?? "");
    if (c.channel === "email") throw new NodeFailure("auth_gate: the email channel needs an email provider, and none is configured on this platform; use channel \"run\"");
    const state = ctx.state as GateState | null;
    if (ctx.wake === null || state === null) {
      const code = newCode(c.codeLength);
      if (ctx.env.AEROSTACK_MODE === "dev") console.log(`[workflow ${ctx.run.workflow}] auth_gate ${ctx.node.id}: one-time code for ${identity} is ${code}`);
      const until = ctx.now() + c.waitMs;
      return {
        wait: { kind: "reply", until, message: `waiting for the one-time code sent to ${identity}` },
        messages: [`Your verification code is ${code}. Reply with it to continue.`],
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
