/** set_variable: stores a value (templates resolved) under `vars.<name>` for later nodes. */
import type { NodeExecutor } from "./types";

export const setVariable: NodeExecutor<"set_variable"> = {
  type: "set_variable",
  async run(ctx) {
    const { name, value } = ctx.config as { name: string; value: unknown };
    return { output: value ?? null, vars: { [name]: value ?? null } };
  },
};
