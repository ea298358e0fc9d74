/** logic: if/else on a condition (branches "true" / "false"), or switch on a value (the matching case, else "default"). */
import type { Condition } from "../../../shared/workflows";
import type { NodeExecutor } from "./types";

export const logic: NodeExecutor<"logic"> = {
  type: "logic",
  async run(ctx) {
    const config = ctx.config as { if?: Condition; switch?: unknown; cases?: string[] };
    if (config.if) {
      const result = ctx.test(config.if);
      return { output: { result }, branch: result ? "true" : "false" };
    }
    const value = config.switch === null || config.switch === undefined ? "" : String(config.switch);
    const matched = (config.cases ?? []).includes(value);
    return { output: { value, matched }, branch: matched ? value : "default" };
  },
};
