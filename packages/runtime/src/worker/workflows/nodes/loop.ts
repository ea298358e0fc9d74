/**
 * loop: each visit either enters the body once more (branch "body", output `{ item, index }`) or leaves it (branch
 * "done", output `{ count }`). The body's last node leads back here. Over a list, or until a condition holds; never
 * more than `max` times. The index lives in the node's state, committed with each visit's completion.
 */
import type { Condition } from "../../../shared/workflows";
import type { NodeExecutor } from "./types";

interface LoopState {
  index: number;
  items: unknown[] | null;
}

export const loop: NodeExecutor<"loop"> = {
  type: "loop",
  async run(ctx) {
    const config = ctx.config as { over?: unknown; until?: Condition; max: number };
    const state = (ctx.state as LoopState | null) ?? { index: 0, items: config.over === undefined ? null : listOf(config.over) };
    const more = state.items ? state.index < state.items.length : state.index === 0 || !ctx.test(config.until!);
    if (!more || state.index >= config.max) return { output: { count: state.index }, branch: "done", state: null };
    const item = state.items ? state.items[state.index] : null;
    return { output: { item, index: state.index }, branch: "body", state: { ...state, index: state.index + 1 } };
  },
};

function listOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (value === null || value === undefined) return [];
  throw new Error(`loop: \`over\` must be a list, got ${typeof value}`);
}
