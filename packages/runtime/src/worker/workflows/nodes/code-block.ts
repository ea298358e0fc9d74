/** code_block: JavaScript (the body of `async function (input)`) in a sandboxed isolate; `input` is templated, the code never is. */
import { runCodeBlock } from "../sandbox/code-block";
import type { NodeExecutor } from "./types";

/** Wall-clock bound on a block besides its CPU limit (an awaited promise that never settles). */
const DEFAULT_WALL_MS = 30_000;

export const codeBlock: NodeExecutor<"code_block"> = {
  type: "code_block",
  async run(ctx) {
    const { code, input, cpuMs } = ctx.config as { code: string; input?: unknown; cpuMs: number };
    const output = await runCodeBlock(ctx.env, code, input ?? null, cpuMs, ctx.node.timeoutMs ?? DEFAULT_WALL_MS);
    return { output };
  },
};
