/**
 * env.AI for workflow nodes: the same ScopedAI entrypoint user code gets, scoped to the workflow's tenant
 * (`account.workflow.production`), so model resolution, provider keys, the offline `local` provider and the usage log
 * are the binding's. Without an [ai] configuration a run uses the offline provider.
 */
import type { AiRpc, ChatRequestWire, ChatResult } from "../../../shared/wire/ai";
import type { BindingExports } from "../../isolates/loader";
import type { NodeContext } from "../nodes/types";

export function chat(ctx: NodeContext<unknown>, request: ChatRequestWire): Promise<ChatResult> {
  const ai = (ctx.exports as BindingExports).ScopedAI({ props: { project: ctx.run.tenant } }) as unknown as AiRpc;
  return ai.chat(request);
}

/** Tokens used by a result, in the trace's shape. */
export const tokensOf = (result: ChatResult) => ({ input: result.usage.inputTokens, output: result.usage.outputTokens });
