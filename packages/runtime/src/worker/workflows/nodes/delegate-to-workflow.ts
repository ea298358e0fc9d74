/**
 * delegate_to_workflow: starts another workflow of the same account as a child run and waits for it; the child's
 * output is this node's. The child's run id derives from this node's idempotency key, so an attempt repeated after a
 * crash finds the child it already started instead of starting a second one.
 */
import { workflowRegistry } from "../registry/workflow-registry";
import { NodeFailure, type NodeExecutor } from "./types";

export const delegateToWorkflow: NodeExecutor<"delegate_to_workflow"> = {
  type: "delegate_to_workflow",
  async run(ctx) {
    const { workflow, input } = ctx.config as { workflow: string; input: unknown };
    if (ctx.wake === null) {
      const runId = `run_${(await ctx.idempotencyKey()).slice(0, 24)}`;
      const started = await workflowRegistry(ctx.env, workflow).startRun({
        account: ctx.run.account,
        trigger: "delegate",
        payload: { input },
        runId,
        parent: { run: ctx.run.id, key: runId },
      });
      if (!started.ok) throw new NodeFailure(`delegate_to_workflow: ${started.message}`);
      return { wait: { kind: `child:${runId}`, until: null, message: `waiting for workflow ${workflow} (run ${runId})` } };
    }
    if (ctx.wake.kind === "timeout") throw new NodeFailure(`delegate_to_workflow: ${workflow} did not finish`);
    const child = ctx.wake.data as { status: string; output?: unknown; error?: string; run: string };
    if (child.status !== "succeeded") throw new NodeFailure(`delegate_to_workflow: run ${child.run} of ${workflow} ${child.status}${child.error ? `: ${child.error}` : ""}`);
    return { output: child.output ?? null };
  },
};
