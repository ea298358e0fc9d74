/** error_handler: entered when a node it catches fails for good; its output is that error (`{ node, message }`). */
import type { NodeExecutor } from "./types";

export const errorHandler: NodeExecutor<"error_handler"> = {
  type: "error_handler",
  run: async (ctx) => ({ output: ctx.scope.error ?? null }),
};
