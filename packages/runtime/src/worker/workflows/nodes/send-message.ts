/** send_message: a message to the run's conversation (the agent endpoint's stream, the API), committed with the node. */
import type { NodeExecutor } from "./types";

export const sendMessage: NodeExecutor<"send_message"> = {
  type: "send_message",
  async run(ctx) {
    const { text } = ctx.config as { text: unknown };
    const message = typeof text === "string" ? text : JSON.stringify(text);
    return { output: { text: message }, messages: [message] };
  },
};
