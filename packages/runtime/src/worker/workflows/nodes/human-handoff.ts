/**
 * human_handoff: asks a person (a message to the run's conversation) and waits for approve or reject through the
 * CLI, the API or a signed per-run link; branches "approved", "rejected", or "timeout" when nobody answers in time.
 */
import type { NodeExecutor } from "./types";

export const humanHandoff: NodeExecutor<"human_handoff"> = {
  type: "human_handoff",
  async run(ctx) {
    const { message, waitMs } = ctx.config as { message: string; waitMs: number };
    if (ctx.wake === null) return { wait: { kind: "approval", until: ctx.now() + waitMs, message }, messages: [message] };
    if (ctx.wake.kind === "timeout") return { output: { decision: "timeout" }, branch: "timeout" };
    const decision = ctx.wake.data as { approve: boolean; reason?: string; by?: string };
    const output = { decision: decision.approve ? "approved" : "rejected", reason: decision.reason ?? null, by: decision.by ?? null };
    return { output, branch: decision.approve ? "approved" : "rejected" };
  },
};
