/** parallel: passes its input on; the engine starts every outgoing edge at once and joins them at `join`. */
import type { NodeExecutor } from "./types";

export const parallel: NodeExecutor<"parallel"> = {
  type: "parallel",
  run: async (ctx) => ({ output: ctx.previous ?? null }),
};
