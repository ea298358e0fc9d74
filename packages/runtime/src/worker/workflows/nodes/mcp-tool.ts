/**
 * mcp_tool: one tool of the workflow's workspace through the gateway (tools/gateway-client.ts); the gateway injects
 * the member's secrets, so they never pass through the run. The idempotency key travels as `_meta` so a tool can
 * recognise a repeated attempt.
 */
import { withTools } from "../tools/gateway-client";
import type { NodeExecutor } from "./types";

export const mcpTool: NodeExecutor<"mcp_tool"> = {
  type: "mcp_tool",
  async run(ctx) {
    const { tool, arguments: args } = ctx.config as { tool: string; arguments: Record<string, unknown> };
    const key = await ctx.idempotencyKey();
    const output = await withTools(ctx.env, ctx.run, (client) => client.call(tool, args, key));
    return { output };
  },
};
