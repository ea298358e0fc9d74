/** trigger: the entry node; its output is what started the run (webhook body and headers, API input, cron tick). */
import type { NodeExecutor } from "./types";

export const trigger: NodeExecutor<"trigger"> = {
  type: "trigger",
  run: async (ctx) => ({ output: ctx.scope.trigger }),
};
