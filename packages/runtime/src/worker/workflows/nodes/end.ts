/** end: the run finishes here, with `output` (templates resolved) or else the previous node's output. */
import type { NodeExecutor } from "./types";

export const end: NodeExecutor<"end"> = {
  type: "end",
  async run(ctx) {
    const { output } = ctx.config as { output?: unknown };
    return { output: output === undefined ? (ctx.previous ?? null) : output, end: true };
  },
};
