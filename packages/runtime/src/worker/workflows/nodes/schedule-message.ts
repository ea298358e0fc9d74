/** schedule_message: waits `delayMs` on the run's alarm (a restart does not lose it), then sends the message. */
import type { NodeExecutor } from "./types";

export const scheduleMessage: NodeExecutor<"schedule_message"> = {
  type: "schedule_message",
  async run(ctx) {
    const { text, delayMs } = ctx.config as { text: unknown; delayMs: number };
    if (ctx.wake === null) return { wait: { kind: "time", until: ctx.now() + delayMs, message: `sends a message at ${new Date(ctx.now() + delayMs).toISOString()}` } };
    const message = typeof text === "string" ? text : JSON.stringify(text);
    return { output: { text: message, sentAt: ctx.now() }, messages: [message] };
  },
};
